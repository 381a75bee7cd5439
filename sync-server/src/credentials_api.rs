//! The credential endpoints (issue 7).
//!
//! Public, outside `/v1/` (no token, no protocol header: a party's phone or any tool may ask):
//! `GET /public/keyring`, `GET /public/revocations`, `POST /public/verify`. The admin's
//! `POST /v1/admin/center-keys` (a new key, active at once) and
//! `POST /v1/admin/center-keys/{kid}/retire`; center staff's
//! `POST /v1/credentials/{number}/revoke` and `GET /v1/credentials`.

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use fieldcase_protocol::credential::{CredentialVerdict, Kid, SignedKeyring, verify_credential};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::{AppState, BODY_LIMIT};
use crate::audit;
use crate::auth::authenticate;
use crate::center::center;
use crate::credentials::{self, today_cst};
use crate::error::{ApiError, ApiResult};
use crate::store::{changes, trust};
use crate::tls::ClientAddr;
use crate::util::{now_ms, read_json};

/// Most bytes of a verification request: a token is well under 1 KiB.
pub const VERIFY_LIMIT: usize = 8 << 10;

/// `GET /public/keyring`: the center's public keys as last signed (a `SignedKeyring`).
pub async fn public_keyring(State(st): State<AppState>) -> ApiResult<Json<SignedKeyring>> {
    Ok(Json(st.db.read(|s| credentials::keyring(&s.conn)).await?))
}

/// `GET /public/revocations`: `{"list": "FCR1…", "seq", "issued_at_ms"}`.
pub async fn public_revocations(State(st): State<AppState>) -> ApiResult<Json<Value>> {
    let (_, sealed, list) = st.db.read(|s| credentials::trusted(&s.conn)).await?;
    Ok(Json(json!({
        "list": sealed,
        "seq": list.seq,
        "issued_at_ms": list.issued_at_ms,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    token: String,
}

/// `POST /public/verify` `{"token": "FC1…"}`: the verdict under the center's current key set and
/// revocation list, on today's date in China Standard Time.
pub async fn public_verify(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<ClientAddr>,
    body: Body,
) -> ApiResult<Json<CredentialVerdict>> {
    st.limits.verify.take(peer.0.ip())?;
    let req: VerifyRequest = read_json(body, VERIFY_LIMIT).await?;
    let (ring, _, list) = st.db.read(|s| credentials::trusted(&s.conn)).await?;
    Ok(Json(verify_credential(
        &req.token,
        &ring.keyring,
        Some(&list),
        today_cst(),
    )))
}

fn conflict(code: &str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, zh, en)
}

/// `POST /v1/admin/center-keys`: a new signing key, which signs new tokens and lists from now
/// on. Answers `{"kid", "keyring_seq"}`.
pub async fn add_key(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let who = authenticate(&st, &headers).await?;
    who.require_admin()?;
    let folder = st.center_keys.clone();
    st.db
        .run(move |s| {
            let now = now_ms();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            let key = folder.create(now as i64).map_err(ApiError::internal)?;
            trust::insert_key(&tx, &key)?;
            let (seq, _) = credentials::publish_keyring(&tx, &folder, None, now)?;
            audit::record(
                &tx,
                &who,
                "center_key.add",
                &key.kid.to_string(),
                json!({"public_key": key.public_key.to_string(), "keyring_seq": seq}),
            )?;
            tx.commit()?;
            Ok(Json(json!({"kid": key.kid, "keyring_seq": seq})))
        })
        .await
}

/// `POST /v1/admin/center-keys/{kid}/retire`: the key signs nothing more; what it signed before
/// stays valid. The last key that is not retired cannot be (409). Answers
/// `{"kid", "retired_at_ms", "keyring_seq"}`.
pub async fn retire_key(
    State(st): State<AppState>,
    Path(kid): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let who = authenticate(&st, &headers).await?;
    who.require_admin()?;
    let kid: Kid = kid.parse().map_err(|_| ApiError::not_found("center key"))?;
    let folder = st.center_keys.clone();
    st.db
        .run(move |s| {
            let now = now_ms();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            let keys = trust::keys(&tx)?;
            let key = keys
                .iter()
                .find(|k| k.kid == kid)
                .ok_or_else(|| ApiError::not_found("center key"))?;
            if key.retired_at_ms.is_some() {
                return Err(conflict(
                    "center_key.retired",
                    format!("签名密钥 {kid} 已停用"),
                    format!("center key {kid} is already retired"),
                ));
            }
            if keys.iter().filter(|k| k.retired_at_ms.is_none()).count() == 1 {
                return Err(conflict(
                    "center_key.last",
                    format!("签名密钥 {kid} 是唯一在用的密钥，不能停用：请先新增密钥"),
                    format!(
                        "center key {kid} is the only key not retired: add a new key before retiring it"
                    ),
                ));
            }
            trust::retire_key(&tx, &kid, now as i64)?;
            let (seq, _) = credentials::publish_keyring(&tx, &folder, Some(&kid), now)?;
            audit::record(
                &tx,
                &who,
                "center_key.retire",
                &kid.to_string(),
                json!({"keyring_seq": seq}),
            )?;
            tx.commit()?;
            Ok(Json(json!({"kid": kid, "retired_at_ms": now, "keyring_seq": seq})))
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    reason: String,
}

/// `POST /v1/credentials/{number}/revoke` `{"reason"}`: withdraws a credential number; the new
/// list reaches every device. A number already withdrawn is refused (409), keeping the first
/// record. Answers `{"number", "revoked_at_ms", "reason", "revocations_seq"}`.
pub async fn revoke(
    State(st): State<AppState>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let p = center(&st, &headers).await?;
    let req: RevokeRequest = read_json(body, BODY_LIMIT).await?;
    let reason = req.reason.trim().to_string();
    if reason.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "credential.reason_required",
            "吊销执法证须填写理由",
            "revoking a credential needs a reason",
        ));
    }
    let by = p.origin();
    let folder = st.center_keys.clone();
    st.db
        .run(move |s| {
            let now = now_ms();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            if trust::officers_with_number(&tx, &number)?.is_empty() {
                return Err(ApiError::not_found("credential"));
            }
            if !trust::insert_revocation(&tx, &number, now as i64, &reason, &by)? {
                return Err(conflict(
                    "credential.already_revoked",
                    format!("执法证 {number} 已吊销"),
                    format!("credential {number} is already revoked"),
                ));
            }
            let seq = credentials::publish_revocations(&tx, &folder, now)?;
            audit::record(
                &tx,
                &p,
                "credential.revoke",
                &number,
                json!({"reason": &reason, "revocations_seq": seq}),
            )?;
            tx.commit()?;
            Ok(Json(json!({
                "number": number, "revoked_at_ms": now, "reason": reason, "revocations_seq": seq,
            })))
        })
        .await
}

/// `GET /v1/credentials`: every credential on the roster with its status now (`valid`,
/// `revoked` with when and why, `expired`, `not_yet_valid`, …) as a verifier would see it.
pub async fn list(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let today = today_cst();
    st.db
        .read(move |s| {
            let (ring, _, revoked) = credentials::trusted(&s.conn)?;
            let mut out = Vec::new();
            for (id, _, value) in trust::credentialed_officers(&s.conn)? {
                let v: Value = serde_json::from_str(&value).unwrap_or(Value::Null);
                let c = &v["credential"];
                let token = c["token"].as_str().unwrap_or_default();
                let verdict = verify_credential(token, &ring.keyring, Some(&revoked), today);
                let mut row = json!({
                    "officer_id": id,
                    "name": v["name"],
                    "agency": v["agency"],
                    "number": c["number"],
                    "kind": c["kind"],
                    "valid_from": c["valid_from"],
                    "valid_to": c["valid_to"],
                    "kid": verdict.kid,
                    "issued_at_ms": verdict.claims.as_ref().map(|c| c.issued_at_ms),
                });
                if let (Some(o), Ok(Value::Object(status))) =
                    (row.as_object_mut(), serde_json::to_value(&verdict.status))
                {
                    o.extend(status);
                }
                out.push(row);
            }
            Ok(Json(Value::Array(out)))
        })
        .await
}
