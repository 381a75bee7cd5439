//! Ledgers (台账): the inspection ledger (one row per case) and the findings ledger (one row per
//! finding), with the case list's filters, as CSV (UTF-8 with a byte-order mark, so Excel opens
//! the Chinese right) or as an Excel workbook. `GET /v1/ledgers/{inspections|findings}?…&format=`.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::app::AppState;
use crate::center::center;
use crate::center_cases::CaseParams;
use crate::error::{ApiError, ApiResult};
use crate::store::{DbResult, Sql, cases, reference};

/// The most rows one export holds; a larger selection is refused with a hint to narrow it.
const MAX_ROWS: i64 = 100_000;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Inspections,
    Findings,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::Inspections => "检查台账",
            Kind::Findings => "问题台账",
        }
    }

    fn ascii(self) -> &'static str {
        match self {
            Kind::Inspections => "inspection-ledger",
            Kind::Findings => "findings-ledger",
        }
    }

    fn header(self) -> &'static [&'static str] {
        match self {
            Kind::Inspections => &[
                "序号",
                "检查日期",
                "企业名称",
                "统一社会信用代码",
                "企业编号",
                "任务编号",
                "执法人员",
                "检查状态",
                "审查状态",
                "发现问题数",
                "证据（已到/应到）",
                "归档时间",
                "案件编号",
            ],
            Kind::Findings => &[
                "序号",
                "检查日期",
                "企业名称",
                "统一社会信用代码",
                "检查项",
                "检查内容",
                "问题描述",
                "实测值与限值",
                "违法依据",
                "处罚依据",
                "执法人员",
                "审查状态",
                "案件编号",
            ],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Csv,
    Xlsx,
}

fn status_zh(s: &str) -> &str {
    match s {
        "open" => "现场进行中",
        "closed" => "已归档",
        other => other,
    }
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn officers(item: &Value) -> String {
    item["officers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| o["name"].as_str().or(o["id"].as_str()).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("、")
}

fn refs(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["text"].as_str())
        .collect::<Vec<_>>()
        .join("；")
}

/// `0.32（限值 <= 0.1，排污许可证 … 表3）` for each limit a finding was judged against.
fn limits(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let reference = l["reference"].as_str().unwrap_or_default();
            format!(
                "{}（限值 {}，{}）",
                s(&l["value"]),
                s(&l["limit"]),
                reference
            )
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// The ledger's rows (without the header) for the cases `list` shows, each as strings.
fn rows(conn: &dyn Sql, kind: Kind, list: &[Value]) -> DbResult<Vec<Vec<String>>> {
    let mut uscc = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for item in list {
        let eid = s(&item["enterprise_id"]);
        if !uscc.contains_key(&eid) {
            let code = reference::enterprise(conn, &eid)?
                .map(|e| s(&e["uscc"]))
                .unwrap_or_default();
            uscc.insert(eid.clone(), code);
        }
        let date: String = s(&item["opened_at"]).chars().take(10).collect();
        let common = |n: usize| -> Vec<String> {
            vec![
                n.to_string(),
                date.clone(),
                s(&item["enterprise_name"]),
                uscc[&eid].clone(),
            ]
        };
        match kind {
            Kind::Inspections => {
                let mut r = common(out.len() + 1);
                r.extend([
                    eid.clone(),
                    s(&item["task_id"]),
                    officers(item),
                    status_zh(&s(&item["status"])).to_string(),
                    cases::review_state_zh(&s(&item["review"]["state"])).to_string(),
                    s(&item["findings"]),
                    format!("{}/{}", s(&item["blobs_stored"]), s(&item["blob_count"])),
                    s(&item["closed_at"]),
                    s(&item["case_id"]),
                ]);
                out.push(r);
            }
            Kind::Findings => {
                for (item_id, finding) in cases::findings(conn, &s(&item["case_id"]))? {
                    let mut r = common(out.len() + 1);
                    r.extend([
                        item_id,
                        s(&finding["question_zh"]),
                        s(&finding["text"]),
                        limits(&finding["limits"]),
                        refs(&finding["basis"]),
                        refs(&finding["penalty"]),
                        officers(item),
                        cases::review_state_zh(&s(&item["review"]["state"])).to_string(),
                        s(&item["case_id"]),
                    ]);
                    out.push(r);
                }
            }
        }
    }
    Ok(out)
}

fn csv_bytes(kind: Kind, rows: &[Vec<String>]) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(kind.header()).map_err(ApiError::internal)?;
    for r in rows {
        w.write_record(r).map_err(ApiError::internal)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))
}

fn xlsx_bytes(kind: Kind, rows: &[Vec<String>]) -> ApiResult<Vec<u8>> {
    use rust_xlsxwriter::{Format as Cell, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(kind.title()).map_err(ApiError::internal)?;
    let bold = Cell::new().set_bold();
    for (c, h) in kind.header().iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(ApiError::internal)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            // The serial number and counts are numbers; everything else (codes too) is text.
            let numeric = c == 0 || (matches!(kind, Kind::Inspections) && c == 9);
            match v.parse::<f64>() {
                Ok(n) if numeric => sheet.write_number(i as u32 + 1, c as u16, n),
                _ => sheet.write_string(i as u32 + 1, c as u16, v),
            }
            .map_err(ApiError::internal)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(ApiError::internal)?;
    sheet
        .autofilter(0, 0, rows.len() as u32, kind.header().len() as u16 - 1)
        .map_err(ApiError::internal)?;
    sheet.autofit();
    book.save_to_buffer().map_err(ApiError::internal)
}

/// The case list's filters (not its paging) and the format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerParams {
    format: Option<String>,
    status: Option<String>,
    review: Option<String>,
    enterprise: Option<String>,
    officer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    has_findings: Option<bool>,
    complete: Option<bool>,
}

/// Percent-encodes a filename for `filename*=UTF-8''…` (RFC 6266 / 5987).
fn rfc5987(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn ledger(
    State(st): State<AppState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    params: Result<Query<LedgerParams>, QueryRejection>,
) -> ApiResult<Response> {
    center(&st, &headers).await?;
    let kind = match kind.as_str() {
        "inspections" => Kind::Inspections,
        "findings" => Kind::Findings,
        _ => return Err(ApiError::not_found("ledger (inspections or findings)")),
    };
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let format = match p.format.as_deref().unwrap_or("csv") {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        other => {
            return Err(ApiError::bad_request(format!(
                "`format` must be csv or xlsx, not {other:?}"
            )));
        }
    };
    let mut filter = CaseParams {
        status: p.status,
        review: p.review,
        enterprise: p.enterprise,
        officer: p.officer,
        from: p.from,
        to: p.to,
        has_findings: p.has_findings,
        complete: p.complete,
        limit: None,
        offset: None,
    }
    .filter()?;
    filter.limit = MAX_ROWS + 1;
    let rows = st
        .db
        .read(move |s| {
            let list = cases::list(&s.conn, &filter)?;
            if list.len() as i64 > MAX_ROWS {
                return Err(ApiError::bad_request(format!(
                    "more than {MAX_ROWS} cases match: a ledger holds at most {MAX_ROWS}; narrow the dates"
                )));
            }
            Ok(rows(&s.conn, kind, &list)?)
        })
        .await?;
    let body = match format {
        Format::Csv => csv_bytes(kind, &rows)?,
        Format::Xlsx => {
            let (rows, kind) = (rows, kind);
            st.cpu.run(move || xlsx_bytes(kind, &rows)).await??
        }
    };
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y%m%d");
    let ext = match format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    };
    let disposition = format!(
        "attachment; filename=\"{}-{today}.{ext}\"; filename*=UTF-8''{}",
        kind.ascii(),
        rfc5987(&format!("{}-{today}.{ext}", kind.title()))
    );
    let mut resp = (StatusCode::OK, Body::from(body)).into_response();
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(match format {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
