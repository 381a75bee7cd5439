//! The center's web pages (`ui/`, built to `ui/dist` by Vite): served as files at `/ui/`, with
//! `/center` (and `/`) leading to the center pages. They talk to the center API like any other
//! client, with the token their sign-in obtained. Not API routes, so not in openapi.json.

use std::path::PathBuf;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Redirect, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

use crate::app::AppState;
use crate::error::ApiError;

/// Scripts and styles from the pages' own origin only; images also from blob URLs (evidence
/// is fetched with the token and shown as a blob); nothing may frame the pages.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
     connect-src 'self'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

async fn harden(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The HTML names hashed asset files: the page itself must be fetched fresh after an upgrade.
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

async fn not_configured() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "pages.not_configured",
        "此服务器未配置中心页面（启动时加 --pages ui/dist）",
        "this server serves no center pages: start it with --pages ui/dist",
    )
}

pub fn routes(dir: Option<PathBuf>) -> Router<AppState> {
    match dir {
        Some(dir) => Router::new()
            .nest_service("/ui", ServeDir::new(dir))
            .route("/center", get(|| async { Redirect::to("/ui/center.html") }))
            .route("/", get(|| async { Redirect::to("/ui/center.html") }))
            .layer(axum::middleware::map_response(harden)),
        None => Router::new()
            .route("/center", get(not_configured))
            .route("/", get(not_configured)),
    }
}
