//! Device tokens after enrollment: renewal by the device key (`POST /v1/token/renew`), signing
//! out (`POST /v1/token/revoke`, the caller's own token) and an admin revoking a device's
//! current token (`POST /v1/admin/devices/{id}/token/revoke`) without revoking the device.

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use fieldcase_protocol::PublicKey;
use fieldcase_protocol::sync::{
    PROTOCOL_VERSION, RENEW_WINDOW_MS, RenewRequest, RenewResponse, codes,
};
use serde_json::{Value, json};

use crate::app::{AppState, BODY_LIMIT, outdated};
use crate::audit;
use crate::auth::{Principal, authenticate, revoked};
use crate::error::{ApiError, ApiResult};
use crate::store::{devices, tokens};
use crate::tls::ClientAddr;
use crate::util::{now_ms, random_bytes, read_json, secret_hash};

fn refused(zh: &str, en: String) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::RENEW_REFUSED,
        format!("令牌续期被拒绝：{zh}"),
        format!("token renewal refused: {en}"),
    )
}

/// A fresh bearer token and its hash.
pub fn new_token() -> (String, String) {
    let token = hex::encode(random_bytes::<32>());
    let hash = secret_hash(&token);
    (token, hash)
}

/// `POST /v1/token/renew`, rate-limited per address like enrollment (refusals are charged).
pub async fn renew(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<ClientAddr>,
    body: Body,
) -> ApiResult<Json<RenewResponse>> {
    st.limits
        .renew
        .charge_failures(peer.0.ip(), renew_token(&st, body))
        .await
}

async fn renew_token(st: &AppState, body: Body) -> ApiResult<Json<RenewResponse>> {
    let req: RenewRequest = read_json(body, BODY_LIMIT).await?;
    if req.protocol < PROTOCOL_VERSION {
        return Err(outdated(Some(req.protocol)));
    }
    let now = now_ms();
    if req.at_ms.abs_diff(now) > RENEW_WINDOW_MS {
        return Err(refused(
            "请求时间与中心时钟相差超过 5 分钟，请校准设备时间",
            format!(
                "at_ms {} is more than {} s from the center's clock {now}",
                req.at_ms,
                RENEW_WINDOW_MS / 1000
            ),
        ));
    }
    let (token, hash) = new_token();
    let expires_at_ms = now + st.token_ttl_ms;
    st.db
        .run(move |s| {
            let tx = s.conn.transaction()?;
            let d = devices::lock(&tx, &req.device_id)?.ok_or_else(|| {
                refused(
                    "设备未注册",
                    format!("device {:?} is not enrolled", req.device_id),
                )
            })?;
            if d.revoked {
                return Err(revoked());
            }
            let key: PublicKey = d
                .public_key
                .parse()
                .map_err(|_| ApiError::internal("stored device key does not parse"))?;
            req.verify(&key).map_err(|_| {
                refused(
                    "签名与设备注册时的密钥不符",
                    "the signature does not verify with the device's enrolled key".into(),
                )
            })?;
            if !tokens::renew(&tx, &req.device_id, req.at_ms, &hash, expires_at_ms)? {
                return Err(refused(
                    "请求不晚于上一次续期（重放的请求）",
                    "at_ms is not later than the last renewal accepted (a replayed request)".into(),
                ));
            }
            audit::record_device(
                &tx,
                &req.device_id,
                "token.renew",
                json!({"expires_at_ms": expires_at_ms}),
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(Json(RenewResponse {
        token,
        expires_at_ms,
        server_time_ms: now_ms(),
    }))
}

/// Signing out: the caller's own token stops working (the device stays enrolled and may renew
/// with its key).
pub async fn sign_out(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let who = authenticate(&st, &headers).await?;
    let Principal::Device { device_id, .. } = &who else {
        return Err(ApiError::forbidden(
            "the bootstrap admin token is set in the server's environment and cannot sign out",
        ));
    };
    let device_id = device_id.clone();
    let id = device_id.clone();
    st.db
        .run(move |s| {
            let tx = s.conn.transaction()?;
            tokens::revoke_current(&tx, &id, now_ms())?;
            audit::record(&tx, &who, "token.sign_out", &id, json!({}))?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(Json(json!({"device_id": device_id, "token_revoked": true})))
}

/// An admin revokes a device's current token (a token that leaked): the device must prove its
/// key to get a new one; unlike a device revocation, it can.
pub async fn admin_revoke(
    State(st): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let who = authenticate(&st, &headers).await?;
    who.require_admin()?;
    let id = device_id.clone();
    let was_live = st
        .db
        .run(move |s| {
            let tx = s.conn.transaction()?;
            let live = tokens::revoke_current(&tx, &id, now_ms())?
                .ok_or_else(|| ApiError::not_found("device"))?;
            audit::record(&tx, &who, "token.revoke", &id, json!({"was_live": live}))?;
            tx.commit()?;
            Ok(live)
        })
        .await?;
    Ok(Json(
        json!({"device_id": device_id, "token_revoked": true, "was_live": was_live}),
    ))
}
