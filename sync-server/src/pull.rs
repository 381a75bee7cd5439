//! `GET /v1/sync/pull?cursor=N&limit=M`: the changes in the device user's scope after its cursor.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use fieldcase_protocol::sync::{PullResponse, codes};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::authenticate;
use crate::error::{ApiError, ApiResult};
use crate::store::changes;
use crate::util::now_ms;

const DEFAULT_LIMIT: i64 = 500;
const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullParams {
    #[serde(default)]
    cursor: i64,
    limit: Option<i64>,
}

pub async fn pull(
    State(st): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<PullParams>, QueryRejection>,
) -> ApiResult<Json<PullResponse>> {
    let principal = authenticate(&st, &headers).await?;
    let (device_id, user) = principal.require_device()?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if p.cursor < 0 {
        return Err(ApiError::bad_request("cursor must be >= 0"));
    }
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let (device_id, team, area) = (device_id.to_string(), user.team.clone(), user.area.clone());
    let snapshot = p.cursor == 0;
    // Every version's latest change per entity is kept, so no cursor is ever too old; a cursor
    // past the head means the center lost changes the device saw (restored from a backup):
    // 410, and the device reloads its scope from 0, keeping its unsent work.
    let resp = st
        .db
        .read(move |s| {
            // One snapshot for the page and the head, so the jump never passes a change the
            // page did not see.
            let tx = s.conn.snapshot()?;
            let head = changes::max_version(&tx)?;
            if p.cursor > head {
                return Err(ApiError::new(
                    StatusCode::GONE,
                    codes::CURSOR_EXPIRED,
                    "中心数据已恢复到较早状态，设备将重新下载本组数据（未上传的记录保留）",
                    format!(
                        "cursor {} is past the center's head {head} (restored?): reload from 0",
                        p.cursor
                    ),
                ));
            }
            let mut changes = changes::scoped(
                &tx,
                team.as_deref(),
                &area,
                &device_id,
                p.cursor,
                limit + 1,
                snapshot,
            )?;
            let has_more = changes.len() as i64 > limit;
            changes.truncate(limit as usize);
            // With nothing more in scope, jump the cursor to the head of the log: the versions
            // in between are other devices' business.
            let cursor = if has_more {
                changes.last().map_or(p.cursor, |c| c.version)
            } else {
                head.max(p.cursor)
            };
            tx.commit()?;
            Ok(PullResponse {
                changes,
                cursor,
                has_more,
                snapshot,
                server_time_ms: now_ms(),
            })
        })
        .await?;
    Ok(Json(resp))
}
