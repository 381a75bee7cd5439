//! Small helpers: wall clock, randomness, token hashing, request bodies.

use axum::body::Body;
use futures::StreamExt;
use ring::rand::{SecureRandom, SystemRandom};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// The cores this process may use (2 if the system does not say).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    SystemRandom::new()
        .fill(&mut b)
        .expect("the system random source works");
    b
}

/// Tokens and enrollment codes are stored only as their SHA-256, so a copy of the database does
/// not hand out device access.
pub fn secret_hash(secret: &str) -> String {
    fieldcase_protocol::Sha256::of(secret.as_bytes()).to_string()
}

/// A fresh UUID v7 string for server-made records (conflicts).
pub fn new_id(now_ms: u64) -> String {
    fieldcase_protocol::Id::from_parts(now_ms, random_bytes::<10>()).to_string()
}

/// Reads a JSON body of at most `limit` bytes. The raw body is streamed (not axum's `Json`) so
/// that both an oversized body and a malformed one answer with our `ErrorBody`.
pub async fn read_json<T: DeserializeOwned>(body: Body, limit: usize) -> ApiResult<T> {
    let buf = read_bytes(body, limit).await?;
    // Most bodies are right: parsed plainly (a push of 50 ops spent about 1 % of the server's CPU
    // tracking paths it never reported). Only a refused one is parsed again for its path.
    if let Ok(value) = serde_json::from_slice(&buf) {
        return Ok(value);
    }
    // With the path of what is wrong (`ops[3].link.seq: invalid type …`), not just a column.
    let mut de = serde_json::Deserializer::from_slice(&buf);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ApiError::bad_request(format!("JSON: {inner}"))
        } else {
            ApiError::bad_request(format!("JSON at {path}: {inner}"))
        }
    })?;
    // Nothing but whitespace may follow the value.
    de.end()
        .map_err(|e| ApiError::bad_request(format!("JSON: {e}")))?;
    Ok(value)
}

/// Reads a whole body of at most `limit` bytes (413 past it), whatever its format.
pub async fn read_bytes(body: Body, limit: usize) -> ApiResult<Vec<u8>> {
    // Sized up front from the declared length, so a push of 50 ops is not copied at each
    // doubling. At most 1 MiB is reserved ahead: the length is only the client's word.
    let declared = usize::try_from(axum::body::HttpBody::size_hint(&body).lower()).unwrap_or(0);
    let mut buf = Vec::with_capacity(declared.min(limit).min(1 << 20));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(body_error)?;
        if buf.len() + chunk.len() > limit {
            return Err(ApiError::too_large(limit as u64));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// A request body that failed while being read: silent past the idle limit (`--body-idle-secs`,
/// 408, transient for a device), or cut or malformed (400).
fn body_error(e: axum::Error) -> ApiError {
    if stalled(&e) {
        return ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            fieldcase_protocol::sync::codes::STALLED,
            "请求内容中断过久，已结束，请重试",
            "the request body went silent for too long; try again",
        );
    }
    ApiError::bad_request(format!("body: {e}"))
}

/// Whether a body failed because it went silent past the idle limit.
pub fn stalled(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = c.source();
    }
    false
}
