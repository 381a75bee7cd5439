//! The router, shared state, and what every request and response passes through.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, patch, post};
use fieldcase_protocol::sync::{PROTOCOL_HEADER, PROTOCOL_VERSION, SERVER_TIME_HEADER, codes};

use crate::blob_store::BlobStore;
use crate::error::ApiError;
use crate::store::Db;
use crate::{
    admin, audit_api, blob_check, blobs, center, center_cases, credentials_api, device_status,
    draws_api, enterprises_api, ledger, pull, push, tasks_api, tokens_api, transcript_pdf, util,
};

/// Most bytes of a push body.
pub const PUSH_LIMIT: usize = 8 << 20;
/// Most bytes of any other JSON body.
pub const BODY_LIMIT: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    /// Where verified blobs are stored.
    pub blobs: BlobStore,
    /// Uploads in progress (`<sha>/<SHA-256 of the device id>` files), local to this process.
    pub staging: PathBuf,
    pub admin_token_hash: Option<String>,
    /// Uploads running right now, as (blob, device): a second concurrent upload of one blob by
    /// one device is told to come back later (`blob.busy`) rather than interleaved into the same
    /// staged file.
    pub uploading: Arc<Mutex<HashSet<(String, String)>>>,
    /// Pushes waiting to be committed together (`push_group`), and their writers.
    pub pushes: crate::push_group::Queue,
    /// Enrolled device keys (a device id never changes its key).
    pub keys: Arc<Mutex<std::collections::HashMap<String, fieldcase_protocol::PublicKey>>>,
    /// Where a push's signature checks run: a slot per core.
    pub cpu: crate::cpu_slots::CpuSlots,
    /// Renders transcript versions as PDF (`--forms`); `None` when not configured.
    pub pdf: Option<Arc<crate::transcript_pdf::Renderer>>,
    /// The built web pages (`--pages`).
    pub pages: Option<PathBuf>,
    /// The center's private signing keys (`--keys`).
    pub center_keys: Arc<crate::credentials::KeyFolder>,
    /// How long a device token lives (`--token-ttl-days`).
    pub token_ttl_ms: u64,
    /// How long a request's body may stay silent (`--body-idle-secs`).
    pub body_idle: std::time::Duration,
    /// Per-address limits on enrollment, renewal, the device status check and the public
    /// credential check.
    pub limits: Arc<Limits>,
}

/// The rate-limited endpoints' buckets (`--limit-*`).
#[derive(Debug)]
pub struct Limits {
    pub enroll: crate::rate_limit::Limiter,
    pub renew: crate::rate_limit::Limiter,
    pub verify: crate::rate_limit::Limiter,
    pub status: crate::rate_limit::Limiter,
}

pub fn router(state: AppState) -> Router {
    // Every request body is read with the idle limit (`--body-idle-secs`): a body silent for
    // longer fails with a timeout, which the readers answer 408 (`util::body_error`).
    let idle = tower_http::timeout::RequestBodyTimeoutLayer::new(state.body_idle);
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/v1/admin/users", post(admin::create_user))
        .route("/v1/admin/enrollment-codes", post(admin::create_code))
        .route(
            "/v1/admin/devices/{device_id}/revoke",
            post(admin::revoke_device),
        )
        .route(
            "/v1/admin/devices/{device_id}/reinstate",
            post(device_status::reinstate),
        )
        .route("/v1/device/status", post(device_status::status))
        .route("/v1/admin/devices/{device_id}", get(admin::device_chain))
        .route(
            "/v1/admin/devices/{device_id}/token/revoke",
            post(tokens_api::admin_revoke),
        )
        .route("/v1/admin/alerts", get(admin::alerts))
        .route("/v1/admin/blobs/check", post(blob_check::check))
        .route("/v1/admin/audit", get(audit_api::list))
        .route("/v1/admin/center-keys", post(credentials_api::add_key))
        .route(
            "/v1/admin/center-keys/{kid}/retire",
            post(credentials_api::retire_key),
        )
        .route("/public/keyring", get(credentials_api::public_keyring))
        .route(
            "/public/revocations",
            get(credentials_api::public_revocations),
        )
        .route("/public/verify", post(credentials_api::public_verify))
        .route("/v1/credentials", get(credentials_api::list))
        .route(
            "/v1/credentials/{number}/revoke",
            post(credentials_api::revoke),
        )
        .route("/v1/enroll", post(admin::enroll))
        .route("/v1/token/renew", post(tokens_api::renew))
        .route("/v1/token/revoke", post(tokens_api::sign_out))
        .route(
            "/v1/enterprises",
            post(center::post_enterprises).get(enterprises_api::register),
        )
        .route("/v1/enterprises/{id}", get(enterprises_api::one_file))
        .route("/v1/officers", post(center::post_officers))
        .route(
            "/v1/tasks",
            post(center::post_tasks).get(tasks_api::list_tasks),
        )
        .route("/v1/tasks/{id}", patch(center::patch_task))
        .route("/v1/tasks/{id}/nearest", get(tasks_api::nearest))
        .route("/v1/teams", get(tasks_api::teams))
        .route(
            "/v1/draws",
            post(draws_api::post_draw).get(draws_api::list_draws),
        )
        .route("/v1/draws/{id}", get(draws_api::get_draw))
        .route("/v1/draws/{id}/verify", get(draws_api::verify_draw))
        .route("/v1/cases", get(center_cases::list_cases))
        .route("/v1/cases/{id}", get(center_cases::get_case))
        .route("/v1/cases/{id}/review", post(center_cases::review_case))
        .route("/v1/alerts", get(center_cases::alerts))
        .route("/v1/ledgers/{kind}", get(ledger::ledger))
        .route(
            "/v1/cases/{id}/transcripts/{transcript_id}/{version}/pdf",
            get(transcript_pdf::transcript_pdf),
        )
        .route("/v1/conflicts", get(center::list_conflicts))
        .route("/v1/conflicts/{id}/resolve", post(center::resolve_conflict))
        .route("/v1/sync/push", post(push::push))
        .route("/v1/sync/pull", get(pull::pull))
        .route(
            "/v1/blobs/{sha256}",
            head(blobs::head).get(blobs::get).patch(blobs::patch),
        )
        .merge(crate::pages::routes(state.pages.clone()))
        .fallback(|| async { ApiError::not_found("route") })
        .layer(middleware::from_fn(protocol_and_time))
        .layer(idle)
        .with_state(state)
}

/// Refuses clients older than this protocol (426) and stamps the server time on every answer,
/// refusals included, so a device can correct its clock offset from any response.
async fn protocol_and_time(req: Request, next: Next) -> Response {
    let sent = req
        .headers()
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    // The API description and the web pages are for anyone, including browsers and tools that
    // know nothing of the protocol; only the API under /v1/ speaks it.
    let path = req.uri().path();
    let open = path == "/openapi.json" || !path.starts_with("/v1/");
    let mut resp = match sent {
        _ if open => next.run(req).await,
        Some(v) if v >= PROTOCOL_VERSION => next.run(req).await,
        _ => outdated(sent).into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&util::now_ms().to_string()) {
        resp.headers_mut().insert(SERVER_TIME_HEADER, v);
    }
    resp
}

pub fn outdated(sent: Option<u32>) -> ApiError {
    let sent_text = sent.map_or("none".to_string(), |v| v.to_string());
    ApiError::new(
        StatusCode::UPGRADE_REQUIRED,
        codes::PROTOCOL_OUTDATED,
        format!("应用版本过旧：协议版本 {sent_text}，服务器需要 {PROTOCOL_VERSION}，请升级应用"),
        format!(
            "client protocol {sent_text} is older than the server's {PROTOCOL_VERSION}; update the app"
        ),
    )
}

/// The OpenAPI 3.1 description of every route (`sync-server/api/openapi.json`, kept in step with
/// the router by the test below).
const OPENAPI: &str = include_str!("../api/openapi.json");

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every route the router serves is described, and nothing else is.
    #[test]
    fn openapi_lists_exactly_the_routes() {
        let source = include_str!("app.rs");
        let router = &source[..source
            .find("async fn protocol_and_time")
            .unwrap_or(source.len())];
        let routed: BTreeSet<&str> = router
            .split(".route(")
            .skip(1)
            .filter_map(|r| r.split('"').nth(1))
            .collect();
        let doc: serde_json::Value =
            serde_json::from_str(super::OPENAPI).expect("openapi.json parses");
        let described: BTreeSet<&str> = doc["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(routed, described);
        assert_eq!(doc["openapi"], "3.1.0");
    }
}
