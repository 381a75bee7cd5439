//! `POST /v1/admin/blobs/check`: every stored blob read back and hashed against its name, a
//! page at a time — the scrub an operator runs (from cron, off-peak) so a blob damaged in the
//! folder or the bucket is found before someone needs it as evidence. A read finds it too
//! (`blobs::read_checked`); this finds the ones nobody reads. Each damaged blob is the same
//! alert a read records, once per blob and cause.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use fieldcase_protocol::sync::{codes, valid_blob_name};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::authenticate;
use crate::blobs::{drain_checked, read_checked};
use crate::error::{ApiError, ApiResult};
use crate::query_params::page;
use crate::store::blobs;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckParams {
    /// The next page: blobs named after this one (the last page's `next`).
    after: Option<String>,
    /// Blobs in this page (default 100, at most 10,000).
    limit: Option<i64>,
}

pub async fn check(
    State(st): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<CheckParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    authenticate(&st, &headers).await?.require_admin()?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (limit, _) = page(p.limit, None, 100, 10_000)?;
    let after = p.after.unwrap_or_default();
    if !after.is_empty() && !valid_blob_name(&after) {
        return Err(ApiError::bad_request(
            "`after` must be a blob name (64 lowercase hex digits)",
        ));
    }
    let names = st
        .db
        .read(move |s| Ok(blobs::stored_after(&s.conn, &after, limit)?))
        .await?;
    let (mut bytes, mut damaged_list) = (0u64, Vec::new());
    for sha in &names {
        // Missing bytes or another length are refused before a read, changed bytes at the end
        // of it; each records its alert.
        let read = match read_checked(&st, sha).await {
            Ok(Some(r)) => drain_checked(&st, sha, r, |c| bytes += c.len() as u64).await,
            // A stored blob's row is never removed, so this is not met; were it, there would be
            // nothing left to check.
            Ok(None) => continue,
            Err(e) => Err(e),
        };
        match read {
            Ok(()) => {}
            Err(e) if e.body.code == codes::BLOB_CORRUPT => {
                damaged_list.push(json!({"sha256": sha, "reason": e.body.en}));
            }
            // The store itself failing (a disk, the bucket unreachable) is not a verdict on the
            // blob: the scrub stops and says so.
            Err(e) => return Err(e),
        }
    }
    // A full page may have more behind it; a short one is the last.
    let next = names.last().filter(|_| names.len() as i64 == limit);
    Ok(Json(json!({
        "checked": names.len(),
        "bytes": bytes,
        "damaged": damaged_list,
        "next": next,
    })))
}
