//! Enterprises from a clerk's spreadsheet: a CSV file (UTF-8 with or without BOM, or the
//! GB18030/GBK Excel writes on Chinese Windows) turned into exactly the JSON the device
//! deserializes (`fieldcase_core::model::enterprise::Enterprise`, `deny_unknown_fields`), so a
//! CSV import and a JSON import are the same thing once past this module.
//!
//! Every row is checked before anything is stored; a refusal names each bad cell by file row
//! (as Excel numbers them: the header is row 1) and column letter, in Chinese and English.

mod columns;

use std::collections::{BTreeMap, HashMap};

use axum::http::StatusCode;
use fieldcase_protocol::sync::codes;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use columns::{Field, REQUIRED, field, letter};

/// At most this many problems are listed in one refusal: enough to fix a sheet in one pass,
/// short enough to read.
const MAX_PROBLEMS: usize = 20;

/// One bad cell (or row, or header), in both languages.
struct Problem {
    zh: String,
    en: String,
}

fn refusal(problems: &[Problem]) -> ApiError {
    let zh: Vec<&str> = problems.iter().map(|p| p.zh.as_str()).collect();
    let en: Vec<&str> = problems.iter().map(|p| p.en.as_str()).collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::BAD_REQUEST,
        format!("企业 CSV 未导入（未保存任何数据）：{}", zh.join("；")),
        format!(
            "enterprise CSV not imported (nothing stored): {}",
            en.join("; ")
        ),
    )
}

fn whole(zh: impl Into<String>, en: impl Into<String>) -> ApiError {
    refusal(&[Problem {
        zh: zh.into(),
        en: en.into(),
    }])
}

/// UTF-8 if the bytes are valid UTF-8 (a BOM is dropped), else GB18030 (a superset of GBK).
/// Chinese text in GBK is practically never valid UTF-8, so the check decides reliably.
pub fn decode(bytes: &[u8]) -> Result<String, ApiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.trim_start_matches('\u{feff}').to_string())
        .ok_or_else(|| {
            whole(
                "文件编码无法识别（应为 UTF-8 或 GBK/GB18030）",
                "the file is neither UTF-8 nor GBK/GB18030",
            )
        })
}

/// Parses a whole file into device-shape enterprise objects, or refuses it.
pub fn parse(bytes: &[u8]) -> Result<Vec<Value>, ApiError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| whole(format!("表头无法读取：{e}"), format!("header row: {e}")))?
        .clone();
    let cols = header_fields(&headers)?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    // First row of each id, so a repeated id names both rows.
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line());
                problems.push(Problem {
                    zh: format!("第 {row} 行无法读取（列数与表头不一致或引号不成对）：{e}"),
                    en: format!("row {row}: unreadable (column count or quoting): {e}"),
                });
                break;
            }
        };
        if record.iter().all(str::is_empty) {
            continue; // Excel leaves rows of empty cells after the data.
        }
        let row = record.position().map_or(0, |p| p.line());
        let mut cells = Cells {
            row,
            headers: &headers,
            problems: &mut problems,
        };
        let value = enterprise(&cols, &record, &mut cells);
        if let Some(id) = value.get("id").and_then(Value::as_str) {
            if let Some(first) = seen.get(id) {
                problems.push(Problem {
                    zh: format!("第 {row} 行：企业编号 {id} 与第 {first} 行重复"),
                    en: format!("row {row}: id {id} repeats row {first}"),
                });
            } else {
                seen.insert(id.to_string(), row);
            }
        }
        out.push(value);
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if !problems.is_empty() {
        problems.truncate(MAX_PROBLEMS);
        return Err(refusal(&problems));
    }
    if out.is_empty() {
        return Err(whole(
            "文件中没有企业数据行",
            "the file has no enterprise rows",
        ));
    }
    Ok(out)
}

/// Each header's meaning; unknown, repeated and missing required columns are refused, so a
/// misspelt optional column cannot silently drop its data.
fn header_fields(headers: &csv::StringRecord) -> Result<Vec<Field>, ApiError> {
    let mut problems = Vec::new();
    let mut cols = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let col = letter(i);
        match field(h) {
            Some(f) => {
                if f != Field::Ignored && cols.contains(&f) {
                    problems.push(Problem {
                        zh: format!("表头 {col} 列「{h}」重复"),
                        en: format!("header column {col} `{h}` repeats an earlier column"),
                    });
                }
                cols.push(f);
            }
            None => {
                problems.push(Problem {
                    zh: format!(
                        "表头 {col} 列「{h}」无法识别（可用：企业编号、统一社会信用代码、企业名称、地址、区划、经度、纬度、法定代表人、行业代码、标记、三色码、限值依据、限值:项目/参数@实例、单元:类别）"
                    ),
                    en: format!(
                        "header column {col} `{h}` is unknown (accepted: id, uscc, name, address, area, lon, lat, legal_rep, industry, flags, risk, limit_source, limit:<item>[/<param>][@<instance>], units:<kind>)"
                    ),
                });
                cols.push(Field::Ignored);
            }
        }
    }
    for (f, name) in REQUIRED {
        if !cols.contains(f) {
            problems.push(Problem {
                zh: format!("表头缺少「{name}」列"),
                en: format!("header lacks the column {name}"),
            });
        }
    }
    if problems.is_empty() {
        Ok(cols)
    } else {
        Err(refusal(&problems))
    }
}

/// One data row being read: where problems are reported.
struct Cells<'a> {
    row: u64,
    headers: &'a csv::StringRecord,
    problems: &'a mut Vec<Problem>,
}

impl Cells<'_> {
    fn bad(&mut self, i: usize, zh: impl std::fmt::Display, en: impl std::fmt::Display) {
        let (row, col, h) = (self.row, letter(i), self.headers.get(i).unwrap_or_default());
        self.problems.push(Problem {
            zh: format!("第 {row} 行 {col} 列「{h}」：{zh}"),
            en: format!("row {row}, column {col} `{h}`: {en}"),
        });
    }
}

/// Cells listing several values: `;`, `；`, `、`, `,` or `，` between them.
fn list(cell: &str) -> Vec<String> {
    cell.split([';', '；', '、', ',', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// One row as the device's enterprise object. Problems go to `cells`; the value is then unused.
fn enterprise(cols: &[Field], record: &csv::StringRecord, cells: &mut Cells<'_>) -> Value {
    let mut o = Map::new();
    let (mut lat, mut lon) = (None, None);
    let mut limits = Vec::new();
    let mut units = BTreeMap::new();
    let mut source = None;
    for (i, (f, cell)) in cols.iter().zip(record.iter()).enumerate() {
        let required = REQUIRED.iter().any(|(r, _)| r == f);
        if cell.is_empty() {
            if required {
                cells.bad(i, "不能为空", "must not be empty");
            }
            continue;
        }
        match f {
            Field::Id | Field::Name | Field::Address | Field::LegalRep => {
                let key = match f {
                    Field::Id => "id",
                    Field::Name => "name",
                    Field::Address => "address",
                    _ => "legal_rep",
                };
                o.insert(key.into(), json!(cell));
            }
            Field::Uscc => {
                let u = cell.to_ascii_uppercase();
                if u.len() == 18 && u.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    o.insert("uscc".into(), json!(u));
                } else {
                    cells.bad(
                        i,
                        format!("统一社会信用代码应为 18 位数字或大写字母（“{cell}”）"),
                        format!("a USCC is 18 digits or capital letters (\"{cell}\")"),
                    );
                }
            }
            Field::Area => {
                // Devices are scoped by area-code prefix, so it must be the numeric code.
                if (2..=12).contains(&cell.len()) && cell.bytes().all(|b| b.is_ascii_digit()) {
                    o.insert("area".into(), json!(cell));
                } else {
                    cells.bad(
                        i,
                        format!("区划应为 2–12 位数字代码（“{cell}”）"),
                        format!("the area is a 2–12 digit code (\"{cell}\")"),
                    );
                }
            }
            // China's extent: a value outside it is most often lon and lat swapped.
            Field::Lon => match number(cell).filter(|v| (73.0..=136.0).contains(v)) {
                Some(v) => lon = Some(v),
                None => cells.bad(
                    i,
                    format!("经度应为 73–136 之间的数字（WGS-84，“{cell}”；经纬度是否填反？）"),
                    format!(
                        "longitude must be a number within 73–136 (WGS-84, \"{cell}\"; lon and lat swapped?)"
                    ),
                ),
            },
            Field::Lat => match number(cell).filter(|v| (3.0..=54.0).contains(v)) {
                Some(v) => lat = Some(v),
                None => cells.bad(
                    i,
                    format!("纬度应为 3–54 之间的数字（WGS-84，“{cell}”）"),
                    format!("latitude must be a number within 3–54 (WGS-84, \"{cell}\")"),
                ),
            },
            Field::Industry => {
                // GB/T 4754 codes (a section letter, then up to 4 digits); forms match by prefix.
                let codes: Vec<String> = list(cell).iter().map(|c| c.to_ascii_uppercase()).collect();
                let ok = |c: &String| {
                    let mut b = c.bytes();
                    b.next().is_some_and(|l| (b'A'..=b'T').contains(&l))
                        && c.len() <= 5
                        && b.all(|d| d.is_ascii_digit())
                };
                match codes.iter().find(|c| !ok(c)) {
                    None => {
                        o.insert("industry_codes".into(), json!(codes));
                    }
                    Some(c) => cells.bad(
                        i,
                        format!("行业代码应为国民经济行业分类代码，如 C3360（“{c}”）"),
                        format!("industry codes are GB/T 4754 codes such as C3360 (\"{c}\")"),
                    ),
                }
            }
            Field::Flags => {
                o.insert("flags".into(), json!(list(cell)));
            }
            Field::Risk => match cell.to_lowercase().as_str() {
                "red" | "红" | "红码" => {
                    o.insert("risk".into(), json!("red"));
                }
                "yellow" | "黄" | "黄码" => {
                    o.insert("risk".into(), json!("yellow"));
                }
                "green" | "绿" | "绿码" => {
                    o.insert("risk".into(), json!("green"));
                }
                _ => cells.bad(
                    i,
                    format!("三色码应为 红/黄/绿（“{cell}”）"),
                    format!("risk is red, yellow or green (\"{cell}\")"),
                ),
            },
            Field::LimitSource => source = Some(cell.to_string()),
            Field::Limit {
                item,
                param,
                instance,
            } => match number(cell).filter(|v| *v >= 0.0) {
                Some(v) => limits.push((i, item, param, instance, v)),
                None => cells.bad(
                    i,
                    format!("限值应为不小于 0 的数字，单位按检查项（“{cell}”）"),
                    format!("a limit is a number ≥ 0 in the checklist item's unit (\"{cell}\")"),
                ),
            },
            Field::Units(kind) => {
                units.insert(kind.clone(), list(cell));
            }
            Field::Ignored => {}
        }
    }
    if let (Some(lat), Some(lon)) = (lat, lon) {
        o.insert("location".into(), json!({"lat": lat, "lon": lon}));
    }
    if !limits.is_empty() {
        // The device requires a source for every permit value (it is printed as the basis).
        let Some(source) = source else {
            let (i, ..) = limits[0];
            cells.bad(
                i,
                "有限值的行须填写「限值依据」（如 排污许可证编号 表3）",
                "a row with limits needs limit_source (e.g. the permit number and table)",
            );
            return Value::Object(o);
        };
        let list: Vec<Value> = limits
            .into_iter()
            .map(|(_, item, param, instance, value)| {
                let mut l = json!({"item": item, "value": value, "source": source});
                if let Some(p) = param {
                    l["param"] = json!(p);
                }
                if let Some(n) = instance {
                    l["instance"] = json!(n);
                }
                l
            })
            .collect();
        o.insert("permit_limits".into(), Value::Array(list));
    }
    if !units.is_empty() {
        o.insert("units".into(), json!(units));
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_headers_in_gbk_with_limits_and_units() {
        let text = "序号,企业编号,统一社会信用代码,企业名称,地址,区划,经度,纬度,行业代码,三色码,限值:EP-07,限值:EP-09/COD@DW001,限值依据,单元:outlet\n\
                    1,E-1,91320506ma1xyz1234,示范电镀,金枫路88号,320506,120.6052,31.2556,C3360;C3311,黄,0.1,50,排污许可证 表3,DW001、DW002\n";
        let (gbk, _, bad) = encoding_rs::GBK.encode(text);
        assert!(!bad);
        let v = parse(&gbk).unwrap_or_else(|e| panic!("{}", e.body));
        assert_eq!(
            v[0],
            json!({
                "id": "E-1", "uscc": "91320506MA1XYZ1234", "name": "示范电镀", "address": "金枫路88号",
                "area": "320506", "location": {"lat": 31.2556, "lon": 120.6052},
                "industry_codes": ["C3360", "C3311"], "risk": "yellow",
                "permit_limits": [
                    {"item": "EP-07", "value": 0.1, "source": "排污许可证 表3"},
                    {"item": "EP-09", "param": "COD", "instance": "DW001", "value": 50.0, "source": "排污许可证 表3"},
                ],
                "units": {"outlet": ["DW001", "DW002"]},
            })
        );
    }

    #[test]
    fn every_bad_cell_is_named() {
        let text = "id,uscc,name,address,area,lon,lat,limit:EP-07\n\
                    E-1,91320506MA1XYZ1234,a,b,320506,31.2,120.6,0.1\n\
                    ,91320506MA1XYZ1234,a,b,320506,120.6,31.2,\n";
        let e = parse(text.as_bytes()).expect_err("refused").body;
        assert!(e.en.contains("row 2, column F `lon`"), "{}", e.en);
        assert!(e.en.contains("row 2, column G `lat`"), "{}", e.en);
        assert!(
            e.en.contains("row 2, column H `limit:EP-07`: a row with limits needs limit_source"),
            "{}",
            e.en
        );
        assert!(
            e.en.contains("row 3, column A `id`: must not be empty"),
            "{}",
            e.en
        );
        assert!(e.zh.contains("第 3 行 A 列「id」：不能为空"), "{}", e.zh);
    }
}
