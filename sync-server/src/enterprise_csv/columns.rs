//! Header names of the enterprise CSV: what each column means, in English or in the Chinese a
//! clerk's spreadsheet uses. Kept apart from row parsing so the accepted names are one table.

/// What a header column holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Id,
    Uscc,
    Name,
    Address,
    Area,
    LegalRep,
    Lon,
    Lat,
    Industry,
    Flags,
    Risk,
    /// Where the row's permit limits come from (the device requires a source per limit).
    LimitSource,
    /// `limit:<item>[/<param>][@<instance>]`: one permit value per cell.
    Limit {
        item: String,
        param: Option<String>,
        instance: Option<String>,
    },
    /// `units:<kind>`: the instances of a repeated item, e.g. `units:outlet` → `DW001;DW002`.
    Units(String),
    /// Columns clerks' sheets commonly carry that mean nothing to the device (row numbers,
    /// remarks): read and dropped rather than making every clerk delete them first.
    Ignored,
}

/// The fixed columns. Names are compared after [`squash`]: case, spaces, `_` and `-` do not matter.
const NAMES: &[(&[&str], Field)] = &[
    (
        &["id", "enterpriseid", "企业编号", "编号", "企业id"],
        Field::Id,
    ),
    (
        &[
            "uscc",
            "creditcode",
            "统一社会信用代码",
            "社会信用代码",
            "信用代码",
        ],
        Field::Uscc,
    ),
    (&["name", "企业名称", "名称", "单位名称"], Field::Name),
    (&["address", "地址", "企业地址", "详细地址"], Field::Address),
    (
        &["area", "区划", "行政区划", "区划代码", "行政区划代码"],
        Field::Area,
    ),
    (&["legalrep", "法定代表人", "法人代表"], Field::LegalRep),
    (&["lon", "lng", "longitude", "经度"], Field::Lon),
    (&["lat", "latitude", "纬度"], Field::Lat),
    (
        &[
            "industry",
            "industrycodes",
            "行业",
            "行业代码",
            "行业类别代码",
        ],
        Field::Industry,
    ),
    (&["flags", "标记", "档案标记"], Field::Flags),
    (&["risk", "三色码", "风险等级"], Field::Risk),
    (&["limitsource", "限值依据", "许可依据"], Field::LimitSource),
    (&["序号", "no", "remark", "备注"], Field::Ignored),
];

/// Lowercase without spaces, `_`, `-`, and with the full-width colon made ASCII.
fn squash(s: &str) -> String {
    s.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{3000}' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .map(|c| if c == '：' { ':' } else { c })
        .collect()
}

/// Splits `prefix:rest` for one of `prefixes` (matched case-insensitively, either colon).
fn prefixed<'a>(header: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    let h = header.trim();
    let (head, rest) = h.split_once([':', '：'])?;
    let head = head.trim().to_lowercase();
    prefixes.iter().any(|p| *p == head).then_some(rest.trim())
}

/// The meaning of one header cell, or `None` for a column we do not know.
pub fn field(header: &str) -> Option<Field> {
    if let Some(rest) = prefixed(header, &["limit", "限值", "许可限值"]) {
        // item/param@instance — param and instance optional, item required.
        let (rest, instance) = match rest.split_once('@') {
            Some((r, i)) => (r, Some(i.trim().to_string())),
            None => (rest, None),
        };
        let (item, param) = match rest.split_once('/') {
            Some((i, p)) => (i.trim(), Some(p.trim().to_string())),
            None => (rest.trim(), None),
        };
        let empty = |o: &Option<String>| o.as_ref().is_some_and(String::is_empty);
        if item.is_empty() || empty(&param) || empty(&instance) {
            return None;
        }
        return Some(Field::Limit {
            item: item.to_string(),
            param,
            instance,
        });
    }
    if let Some(kind) = prefixed(header, &["units", "单元"]) {
        return (!kind.is_empty()).then(|| Field::Units(kind.to_string()));
    }
    let h = squash(header);
    NAMES
        .iter()
        .find(|(names, _)| names.contains(&h.as_str()))
        .map(|(_, f)| f.clone())
}

/// The columns every file must have, with the name used in messages.
pub const REQUIRED: &[(Field, &str)] = &[
    (Field::Id, "企业编号 (id)"),
    (Field::Uscc, "统一社会信用代码 (uscc)"),
    (Field::Name, "企业名称 (name)"),
    (Field::Address, "地址 (address)"),
    (Field::Area, "区划 (area)"),
    (Field::Lon, "经度 (lon)"),
    (Field::Lat, "纬度 (lat)"),
];

/// Excel's name of a 0-based column: 0 → A, 26 → AA. Clerks find a cell by it.
pub fn letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_both_languages_and_limit_headers() {
        assert_eq!(field("经度"), Some(Field::Lon));
        assert_eq!(field(" Credit_Code "), Some(Field::Uscc));
        assert_eq!(field("\u{feff}企业编号"), Some(Field::Id));
        assert_eq!(
            field("限值：EP-09/COD@DW001"),
            Some(Field::Limit {
                item: "EP-09".into(),
                param: Some("COD".into()),
                instance: Some("DW001".into())
            })
        );
        assert_eq!(
            field("Limit:EP-07"),
            Some(Field::Limit {
                item: "EP-07".into(),
                param: None,
                instance: None
            })
        );
        assert_eq!(field("limit:EP-09/"), None);
        assert_eq!(field("units:outlet"), Some(Field::Units("outlet".into())));
        assert_eq!(field("联系电话"), None);
        assert_eq!(
            (letter(0), letter(25), letter(26), letter(27 * 26)),
            ("A".into(), "Z".into(), "AA".into(), "AAA".into())
        );
    }
}
