//! `POST /v1/admin/blobs/check`: every stored blob read back and hashed against its name, a
//! page at a time — the scrub an operator runs (from cron, off-peak) so a blob damaged in the
//! folder or the bucket is found before someone needs it as evidence. A read finds it too
//! (`blobs::read_checked`); this finds the ones nobody reads. Each damaged blob is the same
//! alert a read records, once per blob and cause.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use fieldcase_protocol::sync::valid_blob_name;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::authenticate;
use crate::blob_store::StoreError;
use crate::blobs::{CHANGED, damaged, read_checked};
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
    let from = after.clone();
    let names = st
        .db
        .read(move |s| Ok(blobs::stored_after(&s.conn, &from, limit)?))
        .await?;
    let (mut bytes, mut damaged_list) = (0u64, Vec::new());
    for sha in &names {
        // Missing bytes or another length: refused (and the alert recorded) before a read.
        let reading = match read_checked(&st, sha).await {
            Ok(Some(r)) => r,
            // Stored a moment ago and gone from the table since: nothing to check.
            Ok(None) => continue,
            Err(e) if e.body.code == fieldcase_protocol::sync::codes::BLOB_CORRUPT => {
                damaged_list.push(json!({"sha256": sha, "reason": e.body.en}));
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut stream = reading.bytes;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) => bytes += c.len() as u64,
                Err(StoreError::Corrupt(_)) => {
                    let e = damaged(&st, sha, CHANGED).await;
                    damaged_list.push(json!({"sha256": sha, "reason": e.body.en}));
                    break;
                }
                // The store itself failing (a disk, the bucket unreachable) is not a verdict
                // on the blob: the scrub stops and says so.
                Err(e) => return Err(e.into()),
            }
        }
    }
    let next = (names.len() as i64 == limit).then(|| names.last().cloned());
    Ok(Json(json!({
        "checked": names.len(),
        "bytes": bytes,
        "damaged": damaged_list,
        "next": next.flatten(),
    })))
}
