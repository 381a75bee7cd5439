//! Users, enrollment codes, device revocation, alerts; and enrollment itself.

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use fieldcase_protocol::PublicKey;
use fieldcase_protocol::sync::{EnrollRequest, EnrollResponse, PROTOCOL_VERSION, UserInfo, codes};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::{AppState, BODY_LIMIT, outdated};
use crate::audit;
use crate::auth::authenticate;
use crate::error::{ApiError, ApiResult};
use crate::store::{devices, links, tokens};
use crate::tls::ClientAddr;
use crate::util::{now_ms, random_bytes, read_json, secret_hash};

/// How long an enrollment code is good for.
const CODE_TTL_MS: u64 = 24 * 60 * 60 * 1000;

pub async fn create_user(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<UserInfo>> {
    let who = authenticate(&st, &headers).await?;
    who.require_admin()?;
    let u: UserInfo = read_json(body, BODY_LIMIT).await?;
    if u.user_id.trim().is_empty() || u.area.trim().is_empty() {
        return Err(ApiError::bad_request("user_id and area must not be empty"));
    }
    let saved = u.clone();
    st.db
        .run(move |s| {
            let tx = s.conn.transaction()?;
            let before = devices::user(&tx, &saved.user_id)?;
            devices::upsert_user(&tx, &saved)?;
            audit::record(
                &tx,
                &who,
                if before.is_some() {
                    "user.update"
                } else {
                    "user.create"
                },
                &saved.user_id,
                json!({"user": &saved, "before": before}),
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(Json(u))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    user_id: String,
}

pub async fn create_code(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let who = authenticate(&st, &headers).await?;
    who.require_admin()?;
    let req: CodeRequest = read_json(body, BODY_LIMIT).await?;
    // 12 decimal digits: typed by hand on a tablet, ~40 bits, one use, one day.
    let bytes = random_bytes::<8>();
    let code = format!("{:012}", u64::from_le_bytes(bytes) % 1_000_000_000_000);
    let expires_at_ms = now_ms() + CODE_TTL_MS;
    let hash = secret_hash(&code);
    st.db
        .run(move |s| {
            if devices::user(&s.conn, &req.user_id)?.is_none() {
                return Err(ApiError::not_found("user"));
            }
            let tx = s.conn.transaction()?;
            devices::insert_code(&tx, &hash, &req.user_id, expires_at_ms)?;
            // The code itself is a secret: the entry names its user and expiry only.
            audit::record(
                &tx,
                &who,
                "enrollment_code.create",
                &req.user_id,
                json!({"expires_at_ms": expires_at_ms}),
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(Json(json!({"code": code, "expires_at_ms": expires_at_ms})))
}

pub async fn revoke_device(
    State(st): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let who = authenticate(&st, &headers).await?;
    who.require_admin()?;
    let id = device_id.clone();
    let found = st
        .db
        .run(move |s| {
            let tx = s.conn.transaction()?;
            let was = devices::device(&tx, &id)?.map(|d| d.revoked);
            let found = devices::revoke(&tx, &id, now_ms())?;
            if found {
                audit::record(
                    &tx,
                    &who,
                    "device.revoke",
                    &id,
                    json!({"already_revoked": was.unwrap_or(false)}),
                )?;
            }
            tx.commit()?;
            Ok(found)
        })
        .await?;
    if !found {
        return Err(ApiError::not_found("device"));
    }
    Ok(Json(json!({"device_id": device_id, "revoked": true})))
}

pub async fn alerts(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    authenticate(&st, &headers).await?.require_admin()?;
    let list = st.db.read(|s| Ok(devices::alerts(&s.conn)?)).await?;
    Ok(Json(Value::Array(list)))
}

/// `GET /v1/admin/devices/{id}`: what the center holds of a device's audit chain — its head and
/// every link (seq, op id, hash, outcome), so an operator (or a test) can compare it with the
/// device's own chain. Read-only.
pub async fn device_chain(
    State(st): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    authenticate(&st, &headers).await?.require_admin()?;
    st.db
        .read(move |s| {
            let d = devices::device(&s.conn, &device_id)?
                .ok_or_else(|| ApiError::not_found("device"))?;
            let mut held = Vec::new();
            for seq in 1..=d.last_seq {
                let l = links::stored(&s.conn, &device_id, seq)?
                    .ok_or_else(|| ApiError::internal("held link missing"))?;
                held.push(json!({
                    "seq": seq, "op_id": l.op_id, "hash": l.hash, "outcome": l.result.outcome,
                }));
            }
            Ok(Json(json!({
                "device_id": d.device_id,
                "user_id": d.user_id,
                "revoked": d.revoked,
                "last_seq": d.last_seq,
                "last_hash": d.last_hash,
                "links": held,
            })))
        })
        .await
}

fn bad_code() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        codes::ENROLL_CODE,
        "注册码无效、已使用或已过期",
        "enrollment code is unknown, used or expired",
    )
}

/// `POST /v1/enroll`, rate-limited per address: while the address's bucket is empty every try
/// is refused before its code is looked at; each refused enrollment takes one from the bucket.
pub async fn enroll(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<ClientAddr>,
    body: Body,
) -> ApiResult<Json<EnrollResponse>> {
    st.limits
        .enroll
        .charge_failures(peer.0.ip(), enroll_device(&st, body))
        .await
}

async fn enroll_device(st: &AppState, body: Body) -> ApiResult<Json<EnrollResponse>> {
    let req: EnrollRequest = read_json(body, BODY_LIMIT).await?;
    if req.protocol < PROTOCOL_VERSION {
        return Err(outdated(Some(req.protocol)));
    }
    let key = match req.public_key.parse::<PublicKey>() {
        Err(_) => {
            return Err(ApiError::bad_request(
                "public_key is not an Ed25519 public key (64 lowercase hex)",
            ));
        }
        Ok(k) if !crate::ed25519::usable_device_key(&k) => {
            return Err(ApiError::bad_request(
                "public_key is a small-order or non-canonical Ed25519 point; generate a new key pair",
            ));
        }
        Ok(k) => k,
    };
    // Possession of the key: id and key are public, so without it a code of the device's user
    // would re-enroll someone else's device and take its token.
    if req.verify_proof(&key).is_err() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            "请求无效：proof 不是 public_key 对设备编号和注册码的签名，设备未能证明持有该密钥",
            "bad request: proof is not public_key's signature over the device id and the code \
             (context device-enroll)",
        ));
    }
    if req.device_id.trim().is_empty() {
        return Err(ApiError::bad_request("device_id must not be empty"));
    }
    let (token, token_hash) = crate::tokens_api::new_token();
    let token_expires_at_ms = now_ms() + st.token_ttl_ms;
    let code_hash = secret_hash(req.code.trim());
    let (user, keyring) = st
        .db
        .run(move |s| {
            let now = now_ms();
            let tx = s.conn.transaction()?;
            let user_id = devices::take_code(&tx, &code_hash, now)?.ok_or_else(bad_code)?;
            match devices::device(&tx, &req.device_id)? {
                None => devices::insert_device(
                    &tx,
                    &req.device_id,
                    &user_id,
                    &req.public_key,
                    &req.label,
                    &token_hash,
                    now,
                )?,
                // A reinstall keeps its key and chain; a different key would let a new holder
                // continue someone else's chain.
                Some(d) if d.public_key == req.public_key && !d.revoked => {
                    // Only by the device's own user: a token for the device is its cases to
                    // pull and the blobs its ops name, and its later pushes count as the token's
                    // user's. Even with the key proven, changing a device's user is an admin's
                    // reset; the field app never asks it.
                    if d.user_id != user_id {
                        return Err(ApiError::forbidden(
                            "this device id is enrolled to another user",
                        ));
                    }
                    devices::replace_token(&tx, &req.device_id, &user_id, &token_hash)?
                }
                Some(_) => {
                    return Err(ApiError::forbidden(
                        "this device id is enrolled with another key",
                    ));
                }
            }
            tokens::issue(&tx, &req.device_id, &token_hash, token_expires_at_ms)?;
            audit::record_device(
                &tx,
                &req.device_id,
                "device.enroll",
                json!({"user_id": &user_id, "label": &req.label, "public_key": &req.public_key}),
            )?;
            let user = devices::user(&tx, &user_id)?.ok_or_else(|| ApiError::not_found("user"))?;
            // The device's first trust anchor for credentials, over this authenticated channel.
            let keyring = crate::credentials::keyring(&tx)?;
            tx.commit()?;
            Ok((user, keyring))
        })
        .await?;
    Ok(Json(EnrollResponse {
        token,
        user,
        server_time_ms: now_ms(),
        keyring,
    }))
}
