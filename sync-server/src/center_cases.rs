//! The center's case API: the filtered list, the detail (ops with their verification, the
//! center's signature and content checks, and the procedure's reading in `view`), the review
//! (审查) that travels back to the owning device, and the alerts list.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use fieldcase_protocol::chain::GENESIS;
use fieldcase_protocol::{PublicKey, Sha256};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::{AppState, BODY_LIMIT};
use crate::center::center;
use crate::error::{ApiError, ApiResult};
use crate::query_params::{date, one_of, page, text};
use crate::store::{cases, devices, links, reference};
use crate::util::{now_ms, read_json};
use crate::{audit, case_view};

/// The most cases one page of the list holds, and the default page.
const CASES_MAX: i64 = 1000;
const CASES_DEFAULT: i64 = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseParams {
    pub status: Option<String>,
    pub review: Option<String>,
    pub enterprise: Option<String>,
    pub officer: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub has_findings: Option<bool>,
    pub complete: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

const REVIEW_STATES: [&str; 4] = ["received", "under_review", "accepted", "returned"];

impl CaseParams {
    pub fn filter(self) -> ApiResult<cases::Filter> {
        let (limit, offset) = page(self.limit, self.offset, CASES_DEFAULT, CASES_MAX)?;
        Ok(cases::Filter {
            status: one_of("status", self.status, &["open", "closed"])?,
            review: one_of("review", self.review, &REVIEW_STATES)?,
            enterprise: text(self.enterprise),
            enterprise_id: None,
            officer: text(self.officer),
            from: date("from", self.from)?,
            to: date("to", self.to)?,
            has_findings: self.has_findings,
            complete: self.complete,
            case_id: None,
            limit,
            offset,
        })
    }
}

/// `GET /v1/cases?status=&review=&enterprise=&officer=&from=&to=&has_findings=&complete=&limit=&offset=`
pub async fn list_cases(
    State(st): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<CaseParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = p.filter()?;
    let list = st
        .db
        .read(move |s| Ok(cases::list(&s.conn, &filter)?))
        .await?;
    Ok(Json(Value::Array(list)))
}

/// `GET /v1/cases/{id}`.
pub async fn get_case(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    st.db
        .read(move |s| {
            let case = cases::get(&s.conn, &id)?.ok_or_else(|| ApiError::not_found("case"))?;
            let key: Option<PublicKey> = devices::device(&s.conn, &case.device_id)?
                .and_then(|d| d.public_key.parse().ok());
            let case_ops = links::case_ops(&s.conn, &id)?;
            let parsed: Vec<(String, Value)> = case_ops
                .iter()
                .filter_map(|op| {
                    let p = serde_json::from_str(op.payload.as_deref()?).ok()?;
                    Some((op.link.kind.clone(), p))
                })
                .collect();
            let checks = crate::signatures::check(&case.case_id, &parsed, key.as_ref());
            let ops: Vec<Value> = case_ops
                .into_iter()
                .map(|op| {
                    // Re-verified on every read: a row edited behind the server's back shows.
                    let prev = op.prev_stored_hash.clone().unwrap_or_else(|| GENESIS.to_string());
                    let link_ok = key.as_ref().is_some_and(|k| {
                        op.link.verify(&op.device_id, k, (op.link.seq, &prev)).is_ok()
                    });
                    let payload_ok = op.payload.as_deref().is_none_or(|p| {
                        Sha256::of(p.as_bytes()).to_string() == op.link.payload_sha256
                    });
                    json!({
                        "seq": op.link.seq,
                        "op_id": op.link.op_id,
                        "kind": op.link.kind,
                        "hlc": op.link.hlc,
                        "payload": op.payload.as_deref().and_then(|p| serde_json::from_str::<Value>(p).ok()),
                        "chain_verified": link_ok && payload_ok,
                        "result": op.result,
                    })
                })
                .collect();
            let blob_rows = cases::blobs(&s.conn, &id)?;
            let stored: BTreeSet<String> = blob_rows
                .iter()
                .filter(|(_, stored)| *stored)
                .map(|(sha, _)| sha.clone())
                .collect();
            let blobs: Vec<Value> = blob_rows
                .iter()
                .map(|(sha, stored)| json!({"sha256": sha, "stored": stored}))
                .collect();
            let complete = blob_rows.iter().all(|(_, stored)| *stored);
            let enterprise = reference::enterprise(&s.conn, &case.enterprise_id)?;
            let enterprise_name = enterprise
                .as_ref()
                .and_then(|e| e.get("name").cloned())
                .unwrap_or(Value::Null);
            let view_ops: Vec<case_view::Op<'_>> = ops
                .iter()
                .map(|o| case_view::Op {
                    kind: o["kind"].as_str().unwrap_or_default(),
                    payload: o.get("payload").filter(|p| !p.is_null()),
                })
                .collect();
            let empty = Vec::new();
            let view = case_view::project(
                &view_ops,
                &case_view::Context {
                    case_id: &case.case_id,
                    stored: &stored,
                    signatures: checks["signatures"].as_array().unwrap_or(&empty),
                    transcripts: checks["transcripts"].as_array().unwrap_or(&empty),
                    enterprise_location: enterprise
                        .as_ref()
                        .and_then(|e| e.get("location").cloned()),
                    enterprise_boundary: enterprise
                        .as_ref()
                        .and_then(|e| e.get("boundary").cloned()),
                },
            );
            let history = cases::reviews(&s.conn, &id)?;
            Ok(Json(json!({
                "case_id": case.case_id,
                "task_id": case.task_id,
                "enterprise_id": case.enterprise_id,
                "enterprise_name": enterprise_name,
                "status": case.status,
                "device_id": case.device_id,
                "user_id": case.user_id,
                "complete": complete,
                "review": case.review,
                "review_history": history,
                "ops": ops,
                "blobs": blobs,
                "transcripts": checks["transcripts"],
                "signatures": checks["signatures"],
                "view": view,
            })))
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    state: String,
    #[serde(default)]
    note: String,
}

/// The review's transitions: what may follow each state.
fn may_follow(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("received", "under_review")
            | ("under_review", "accepted")
            | ("under_review", "returned")
            | ("returned", "under_review")
    )
}

fn review_refused(code: &str, zh: String, en: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, zh, en)
}

/// `POST /v1/cases/{id}/review` `{"state", "note"}`: one step of the review. Accepting needs a
/// closed case whose evidence has all arrived (a half-received record is never accepted);
/// returning needs a note saying why. The step is recorded in the case's review history and
/// reaches the owning device with the case's next pull.
pub async fn review_case(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let p = center(&st, &headers).await?;
    let req: ReviewRequest = read_json(body, BODY_LIMIT).await?;
    if !REVIEW_STATES.contains(&req.state.as_str()) || req.state == "received" {
        return Err(ApiError::bad_request(
            "`state` must be under_review, accepted or returned",
        ));
    }
    let note = req.note.trim().to_string();
    if req.state == "returned" && note.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "review.note_required",
            "退回案件须填写退回原因",
            "a returned case needs a note saying why",
        ));
    }
    let (by, by_name) = (p.origin(), p.name());
    st.db
        .run(move |s| {
            let now = now_ms();
            let tx = s.conn.transaction()?;
            // The case row first, then the change log (as a push does): no lock-order cycle.
            let case = cases::lock(&tx, &id)?.ok_or_else(|| ApiError::not_found("case"))?;
            let from_state = case.review.state.clone();
            let from = from_state.as_str();
            if !may_follow(from, &req.state) {
                return Err(review_refused(
                    "review.bad_transition",
                    format!(
                        "案件当前为“{}”，不能改为“{}”",
                        cases::review_state_zh(from),
                        cases::review_state_zh(&req.state)
                    ),
                    format!("the case is {from}; it cannot become {}", req.state),
                ));
            }
            if req.state == "accepted" {
                if case.status != "closed" {
                    return Err(review_refused(
                        "review.not_closed",
                        "案件尚未在现场归档，不能通过审查".into(),
                        "the case is not closed on site yet; it cannot be accepted".into(),
                    ));
                }
                let missing = cases::blobs(&tx, &id)?
                    .iter()
                    .filter(|(_, stored)| !stored)
                    .count();
                if missing > 0 {
                    return Err(review_refused(
                        "review.incomplete",
                        format!("还有 {missing} 个证据文件未到达中心，不能通过审查"),
                        format!("{missing} evidence files have not reached the center; the case cannot be accepted"),
                    ));
                }
            }
            let review = cases::Review {
                state: req.state.clone(),
                note: Some(note).filter(|n| !n.is_empty()),
                by: Some(by),
                at_ms: Some(now as i64),
                by_name,
            };
            cases::set_review(&tx, &id, &review)?;
            let row = cases::CaseRow { review, ..case };
            cases::emit(&tx, &row, now)?;
            audit::record(
                &tx,
                &p,
                "case.review",
                &row.case_id,
                json!({"from": &from_state, "to": &row.review.state, "note": &row.review.note}),
            )?;
            tx.commit()?;
            // Answer the case as the list shows it, so the page updates its row in place.
            let filter = cases::Filter {
                case_id: Some(row.case_id),
                limit: 1,
                ..Default::default()
            };
            let item = cases::list(&s.conn, &filter)?.pop().unwrap_or(Value::Null);
            Ok(Json(item))
        })
        .await
}

/// `GET /v1/alerts`: what the center recorded against devices — broken audit chains (bad
/// signatures among them), op ids or seqs reused with other content, a revoked device back in
/// contact — newest first, for center staff.
pub async fn alerts(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let list = st.db.read(|s| Ok(devices::alerts(&s.conn)?)).await?;
    Ok(Json(Value::Array(list)))
}

#[cfg(test)]
mod tests {
    use super::may_follow;

    #[test]
    fn the_review_moves_only_forward_or_back_from_returned() {
        assert!(may_follow("received", "under_review"));
        assert!(may_follow("under_review", "accepted"));
        assert!(may_follow("under_review", "returned"));
        assert!(may_follow("returned", "under_review"));
        assert!(!may_follow("received", "accepted"));
        assert!(!may_follow("accepted", "under_review"));
        assert!(!may_follow("accepted", "returned"));
        assert!(!may_follow("returned", "accepted"));
    }
}
