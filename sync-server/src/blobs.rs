//! Resumable, content-addressed blob uploads, and reading blobs back.
//!
//! `STAGING/<sha>` (a local folder) holds an upload in progress; its durable offset (bytes
//! fsynced) is kept in the database every 256 KiB, so a cut connection loses at most that much.
//! On the last byte the whole file's SHA-256 is checked; a match goes to the blob store
//! (`blob_store.rs`: a folder or S3) create-only, a mismatch is deleted. A blob the store already
//! has is answered complete at once.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fieldcase_protocol::Sha256Hasher;
use fieldcase_protocol::sync::{BlobState, UPLOAD_LENGTH, UPLOAD_OFFSET, codes, valid_blob_name};
use futures::StreamExt;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::app::AppState;
use crate::auth::{Principal, authenticate};
use crate::error::{ApiError, ApiResult};
use crate::store::blobs::{self, BlobRow};
use crate::util::{self, now_ms};

/// Bytes between fsync + durable-offset saves: the most a resumed upload re-sends.
pub const SYNC_EVERY: u64 = 256 * 1024;
/// Largest blob accepted.
pub const MAX_LENGTH: u64 = 2 << 30;

fn check_name(sha: &str) -> ApiResult<()> {
    if valid_blob_name(sha) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BLOB_NAME,
            "文件名不是 SHA-256",
            "blob name must be 64 lowercase hex digits (a SHA-256)",
        ))
    }
}

fn partial_path(staging: &FsPath, sha: &str) -> PathBuf {
    staging.join(sha)
}

/// The row, or — when the database has none but the blob store has the blob (another center
/// wrote it, the database was restored) — a complete row, recorded.
async fn row_or_stored(st: &AppState, sha: &str) -> ApiResult<Option<BlobRow>> {
    let key = sha.to_string();
    if let Some(row) = st.db.run(move |s| Ok(blobs::get(&s.conn, &key)?)).await? {
        return Ok(Some(row));
    }
    let Some(length) = st.blobs.stat(sha).await? else {
        return Ok(None);
    };
    let row = BlobRow {
        length,
        durable: length,
        complete: true,
    };
    let (key, saved) = (sha.to_string(), row.clone());
    st.db
        .run(move |s| Ok(blobs::set(&s.conn, &key, &saved, now_ms())?))
        .await?;
    Ok(Some(row))
}

/// The upload's state as this process can honour it: staged bytes can be missing (a temp
/// staging folder wiped by a restart, or another replica without sticky routing staged them);
/// then the upload restarts from 0 rather than resuming onto a hole. `row` may be stale: if the
/// blob was completed since it was read, the complete row is answered.
async fn staged_state(st: &AppState, sha: &str, row: &BlobRow) -> ApiResult<BlobRow> {
    if row.complete || row.durable == 0 {
        return Ok(row.clone());
    }
    let have = match tokio::fs::metadata(partial_path(&st.staging, sha)).await {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e.into()),
    };
    if have >= row.durable {
        return Ok(row.clone());
    }
    tracing::warn!(
        "blob {sha}: staged {have} bytes, database says {}; restarting the upload",
        row.durable
    );
    let key = sha.to_string();
    let reset = BlobRow {
        length: row.length,
        durable: 0,
        complete: false,
    };
    st.db
        .run(move |s| {
            if blobs::set(&s.conn, &key, &reset, now_ms())? {
                return Ok(reset);
            }
            // Completed meanwhile: the staged file is gone because the blob is stored.
            Ok(blobs::get(&s.conn, &key)?.unwrap_or(reset))
        })
        .await
}

fn state_response(sha: &str, row: &BlobRow) -> Response {
    let mut resp = Json(BlobState {
        sha256: sha.into(),
        length: row.length,
        offset: row.durable,
        complete: row.complete,
    })
    .into_response();
    let h = resp.headers_mut();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(row.durable));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(row.length));
    resp
}

pub async fn head(
    State(st): State<AppState>,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    authenticate(&st, &headers).await?;
    check_name(&sha)?;
    let row = row_or_stored(&st, &sha)
        .await?
        .ok_or_else(|| ApiError::not_found("blob"))?;
    let row = staged_state(&st, &sha, &row).await?;
    Ok(state_response(&sha, &row))
}

fn header_u64(headers: &HeaderMap, name: &str) -> ApiResult<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| ApiError::bad_request(format!("header {name} must be a byte count")))
}

/// One upload per blob at a time; released on drop whatever happens.
struct Uploading<'a> {
    st: &'a AppState,
    sha: String,
}

impl Drop for Uploading<'_> {
    fn drop(&mut self) {
        let mut set = self.st.uploading.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.sha);
    }
}

fn busy() -> ApiError {
    let mut e = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::BLOB_BUSY,
        "该文件正由另一连接上传，稍后将自动重试",
        "another connection is uploading this blob; retry later",
    );
    e.retry_after_s = Some(5);
    e
}

fn stalled_upload(idle: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        codes::BLOB_STALLED,
        format!(
            "上传中断超过 {} 秒，已保存收到的部分，请续传",
            idle.as_secs()
        ),
        format!(
            "no upload bytes for {} s; what arrived is kept, resume from the upload offset",
            idle.as_secs()
        ),
    )
}

fn offset_error(durable: u64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        codes::BLOB_OFFSET,
        format!("续传位置不符：请从 {durable} 字节处继续"),
        format!("upload offset mismatch: resume from byte {durable}"),
    );
    e.body.offset = Some(durable);
    e
}

pub async fn patch(
    State(st): State<AppState>,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    // Evidence is uploaded by the field device whose ops will name it.
    authenticate(&st, &headers).await?.require_field_device()?;
    check_name(&sha)?;
    let offset = header_u64(&headers, UPLOAD_OFFSET)?;
    let length = header_u64(&headers, UPLOAD_LENGTH)?;
    if length > MAX_LENGTH {
        return Err(ApiError::too_large(MAX_LENGTH));
    }
    if offset > length {
        return Err(ApiError::bad_request("upload-offset is past upload-length"));
    }
    let row = row_or_stored(&st, &sha).await?;
    if let Some(r) = &row {
        if r.complete {
            // Content-addressed: what we have is what they would send.
            return Ok(state_response(&sha, r));
        }
        if r.length != length {
            return Err(ApiError::bad_request(format!(
                "upload-length {length} differs from the upload in progress ({})",
                r.length
            )));
        }
    }
    let _guard = {
        let mut set = st.uploading.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(sha.clone()) {
            return Err(busy());
        }
        Uploading {
            st: &st,
            sha: sha.clone(),
        }
    };
    let durable = match &row {
        Some(r) => {
            let now = staged_state(&st, &sha, r).await?;
            if now.complete {
                return Ok(state_response(&sha, &now));
            }
            now.durable
        }
        None => 0,
    };
    if offset != durable {
        return Err(offset_error(durable));
    }
    let partial = partial_path(&st.staging, &sha);
    tokio::fs::create_dir_all(partial.parent().expect("has parent")).await?;
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&partial)
        .await?;
    // Bytes past the durable offset were never fsynced: drop them and write from there.
    file.set_len(durable).await?;
    file.seek(std::io::SeekFrom::Start(durable)).await?;
    let mut at = durable;
    let mut synced = durable;
    let mut stream = body.into_data_stream();
    let mut failure = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            // A body silent past `--body-idle-secs` ends here too: it holds this blob's upload
            // for as long as it lasts.
            Err(e) if util::stalled(&e) => {
                tracing::warn!("blob {sha}: upload went silent at {at} of {length}; ended");
                failure = Some(stalled_upload(st.body_idle));
                break;
            }
            Err(e) => {
                failure = Some(ApiError::bad_request(format!("upload body cut: {e}")));
                break;
            }
        };
        if at + chunk.len() as u64 > length {
            failure = Some(ApiError::too_large(length));
            break;
        }
        file.write_all(&chunk).await?;
        at += chunk.len() as u64;
        if at - synced >= SYNC_EVERY {
            synced = save_progress(&st, &mut file, &sha, length, at).await?;
        }
    }
    // Whatever arrived whole is kept: the client resumes from here.
    if at != synced || row.is_none() {
        save_progress(&st, &mut file, &sha, length, at).await?;
    }
    drop(file);
    if let Some(e) = failure {
        return Err(e);
    }
    if at < length {
        return Ok(state_response(
            &sha,
            &BlobRow {
                length,
                durable: at,
                complete: false,
            },
        ));
    }
    finish(&st, &sha, length, &partial).await
}

async fn save_progress(
    st: &AppState,
    file: &mut tokio::fs::File,
    sha: &str,
    length: u64,
    at: u64,
) -> ApiResult<u64> {
    file.flush().await?;
    file.sync_data().await?;
    let key = sha.to_string();
    st.db
        .run(move |s| {
            let row = BlobRow {
                length,
                durable: at,
                complete: false,
            };
            Ok(blobs::set(&s.conn, &key, &row, now_ms())?)
        })
        .await?;
    Ok(at)
}

async fn finish(st: &AppState, sha: &str, length: u64, partial: &FsPath) -> ApiResult<Response> {
    let (staged, want) = (partial.to_path_buf(), sha.to_string());
    let matched = tokio::task::spawn_blocking(move || -> std::io::Result<bool> {
        let mut hasher = Sha256Hasher::new();
        std::io::copy(&mut std::fs::File::open(&staged)?, &mut hasher)?;
        if hasher.finish().to_string() != want {
            std::fs::remove_file(&staged)?;
            return Ok(false);
        }
        Ok(true)
    })
    .await
    .map_err(ApiError::internal)??;
    let key = sha.to_string();
    if !matched {
        st.db
            .run(move |s| Ok(blobs::delete_incomplete(&s.conn, &key)?))
            .await?;
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::BLOB_HASH,
            "文件内容与 SHA-256 不符，已丢弃，请重新上传",
            "blob content does not match its SHA-256; discarded",
        ));
    }
    // If the store fails, the staged file and its durable offset (= length) stay: the client's
    // retry (an empty PATCH at that offset) tries the store again.
    st.blobs.put(sha, partial).await?;
    let row = BlobRow {
        length,
        durable: length,
        complete: true,
    };
    let saved = row.clone();
    st.db
        .run(move |s| Ok(blobs::set(&s.conn, &key, &saved, now_ms())?))
        .await?;
    if let Err(e) = tokio::fs::remove_file(partial).await {
        tracing::warn!("staged {}: {e}", partial.display());
    }
    Ok(state_response(sha, &row))
}

/// `GET /v1/blobs/{sha256}`: the stored bytes, streamed. Center staff and admins read any blob;
/// a device reads the blobs its own pushed ops name.
pub async fn get(
    State(st): State<AppState>,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = authenticate(&st, &headers).await?;
    check_name(&sha)?;
    if who.require_center().is_err() {
        let Principal::Device { device_id, .. } = &who else {
            return Err(ApiError::forbidden(
                "center staff or the owning device only",
            ));
        };
        let (device, key) = (device_id.clone(), sha.clone());
        let named = st
            .db
            .run(move |s| Ok(blobs::named_by_device(&s.conn, &device, &key)?))
            .await?;
        if !named {
            return Err(ApiError::forbidden(
                "center staff or the owning device only",
            ));
        }
    }
    let reading = st
        .blobs
        .read(&sha)
        .await?
        .ok_or_else(|| ApiError::not_found("blob"))?;
    let mut resp = Body::from_stream(reading.bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(reading.length));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{sha}\"")) {
        h.insert(header::ETAG, v);
    }
    // Content-addressed: the bytes under this name never change.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(resp)
}
