//! `GET /v1/admin/audit`: the center's audit log, newest first, filtered, with the verdict on
//! the whole hash chain (admins only).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::authenticate;
use crate::error::{ApiError, ApiResult};
use crate::query_params::{page, text};
use crate::store::audit::{self, Filter};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// `center:<user id>`, `center:admin` or `device:<id>`.
    actor: Option<String>,
    /// `device.revoke`, `case.review`, …
    action: Option<String>,
    target: Option<String>,
    /// Unix ms, inclusive.
    from_ms: Option<u64>,
    /// Unix ms, exclusive.
    to_ms: Option<u64>,
    /// The next page: entries before this seq.
    before: Option<i64>,
    limit: Option<i64>,
}

pub async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    authenticate(&st, &headers).await?.require_admin()?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (limit, _) = page(p.limit, None, 100, 1000)?;
    if let (Some(f), Some(t)) = (p.from_ms, p.to_ms)
        && f > t
    {
        return Err(ApiError::bad_request("`from_ms` is after `to_ms`"));
    }
    let filter = Filter {
        actor: text(p.actor),
        action: text(p.action),
        target: text(p.target),
        from_ms: p.from_ms,
        to_ms: p.to_ms,
        before: p.before,
        limit: limit as u32,
    };
    st.db
        .read(move |s| {
            let verdict = audit::verify(&s.conn)?;
            let entries: Vec<Value> = audit::list(&s.conn, &filter)?
                .into_iter()
                .map(|e| {
                    json!({
                        "seq": e.seq, "at_ms": e.at_ms, "actor": e.actor, "action": e.action,
                        "target": e.target,
                        "detail": serde_json::from_str::<Value>(&e.detail)
                            .unwrap_or(Value::String(e.detail.clone())),
                        "prev_hash": e.prev_hash, "hash": e.hash,
                    })
                })
                .collect();
            Ok(Json(json!({
                "chain_ok": verdict.broken.is_none(),
                "chain_entries": verdict.entries,
                "broken_at": verdict.broken.as_ref().map(|(seq, _)| *seq),
                "broken_reason": verdict.broken.map(|(_, why)| why),
                "entries": entries,
            })))
        })
        .await
}
