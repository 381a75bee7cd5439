//! A revoked device and its way back (issue 7): the device's own check of where the center
//! stands on it, and an admin's reinstatement.
//!
//! A revoked device's store locks itself at its next contact and keeps its unsent records sealed.
//! Its bearer token is refused everywhere while it is revoked, so it cannot ask with the token:
//! it signs the question with the Ed25519 key it enrolled with ([`DeviceStatusRequest`]), which
//! only that device holds. Once an admin reinstates it, the answer turns to active, the device
//! unlocks and pushes what it sealed; its token works again (unless it expired meanwhile, which
//! renewal handles).

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use fieldcase_protocol::PublicKey;
use fieldcase_protocol::sync::{
    DeviceStanding, DeviceStatusRequest, DeviceStatusResponse, STATUS_WINDOW_MS, codes,
};
use serde_json::{Value, json};

use crate::app::{AppState, BODY_LIMIT};
use crate::auth::authenticate;
use crate::error::{ApiError, ApiResult};
use crate::store::devices;
use crate::tls::ClientAddr;
use crate::util::{now_ms, read_json};

/// One answer for an unknown device and a wrong signature: the status of a device is not for
/// whoever can guess its id.
fn not_proven() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::UNAUTHENTICATED,
        "设备身份无法确认（未知设备或签名不符）",
        "the device could not be identified (unknown device or the signature does not match)",
    )
}

/// `POST /v1/device/status`: a device proves its enrolled key and learns whether it is revoked
/// or active. No bearer token: a revoked device's token is refused everywhere. Rate-limited per
/// address like renewal (`--limit-status`; refusals are charged, a device's own checks are not).
pub async fn status(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<ClientAddr>,
    body: Body,
) -> ApiResult<Json<DeviceStatusResponse>> {
    st.limits
        .status
        .charge_failures(peer.0.ip(), standing(&st, body))
        .await
}

async fn standing(st: &AppState, body: Body) -> ApiResult<Json<DeviceStatusResponse>> {
    let req: DeviceStatusRequest = read_json(body, BODY_LIMIT).await?;
    let now = now_ms();
    if req.at_ms.abs_diff(now) > STATUS_WINDOW_MS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::CLOCK_AHEAD,
            "状态查询的时间与中心时钟相差超过5分钟，请校准设备时间",
            format!(
                "the status request's time {} ms is more than {} s from the center's {now} ms; fix the device clock",
                req.at_ms,
                STATUS_WINDOW_MS / 1000
            ),
        ));
    }
    let id = req.device_id.clone();
    let row = st
        .db
        .read(move |s| Ok(devices::standing(&s.conn, &id)?))
        .await?;
    let (key, revoked_at_ms) = row.ok_or_else(not_proven)?;
    let key: PublicKey = key.parse().map_err(ApiError::internal)?;
    req.verify(&key).map_err(|_| not_proven())?;
    if let Some(revoked_at) = revoked_at_ms {
        // The revoked device itself, proven by its key, is back in contact (a lost or stolen
        // tablet came online): an alert for center staff, once per revocation.
        let id = req.device_id.clone();
        st.db
            .run(move |s| {
                devices::insert_alert_once_since(
                    &s.conn,
                    &id,
                    codes::REVOKED,
                    "a revoked device checked its standing (its key verified)",
                    revoked_at as u64,
                    now,
                )?;
                Ok(())
            })
            .await?;
    }
    Ok(Json(DeviceStatusResponse {
        device_id: req.device_id,
        status: match revoked_at_ms {
            Some(_) => DeviceStanding::Revoked,
            None => DeviceStanding::Active,
        },
        revoked_at_ms: revoked_at_ms.map(|t| t as u64),
    }))
}

/// `POST /v1/admin/devices/{device_id}/reinstate` (admin): lifts a device's revocation, so its
/// sealed records can reach the center. Answers `{"device_id", "revoked": false,
/// "was_revoked_at_ms"}`; 409 when the device is not revoked.
pub async fn reinstate(
    State(st): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let who = authenticate(&st, &headers).await?;
    who.require_admin()?;
    st.db
        .run(move |s| {
            let tx = s.conn.transaction()?;
            if devices::device(&tx, &device_id)?.is_none() {
                return Err(ApiError::not_found("device"));
            }
            let Some(was) = devices::reinstate(&tx, &device_id)? else {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "device.not_revoked",
                    format!("设备 {device_id} 未被吊销，无需恢复"),
                    format!("device {device_id} is not revoked; there is nothing to reinstate"),
                ));
            };
            crate::audit::record(
                &tx,
                &who,
                "device.reinstate",
                &device_id,
                json!({"was_revoked_at_ms": was}),
            )?;
            tx.commit()?;
            Ok(Json(json!({
                "device_id": device_id, "revoked": false, "was_revoked_at_ms": was,
            })))
        })
        .await
}
