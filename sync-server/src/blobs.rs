//! Resumable, content-addressed blob uploads into a local folder.
//!
//! `DIR/partial/<sha>` holds an upload in progress; its durable offset (bytes fsynced) is kept
//! in the database every 256 KiB, so a cut connection loses at most that much. On the last byte
//! the whole file's SHA-256 is checked; a match moves to `DIR/<first two hex>/<sha>` without ever
//! overwriting, a mismatch is deleted.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fieldcase_protocol::Sha256Hasher;
use fieldcase_protocol::sync::{BlobState, UPLOAD_LENGTH, UPLOAD_OFFSET, codes, valid_blob_name};
use futures::StreamExt;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::app::AppState;
use crate::auth::authenticate;
use crate::error::{ApiError, ApiResult};
use crate::store::blobs::{self, BlobRow};
use crate::util::now_ms;

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

fn partial_path(dir: &FsPath, sha: &str) -> PathBuf {
    dir.join("partial").join(sha)
}

fn final_path(dir: &FsPath, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(sha)
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
    let key = sha.clone();
    let row = st.db.run(move |s| Ok(blobs::get(&s.conn, &key)?)).await?;
    let row = row.ok_or_else(|| ApiError::not_found("blob"))?;
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
    authenticate(&st, &headers).await?;
    check_name(&sha)?;
    let offset = header_u64(&headers, UPLOAD_OFFSET)?;
    let length = header_u64(&headers, UPLOAD_LENGTH)?;
    if length > MAX_LENGTH {
        return Err(ApiError::too_large(MAX_LENGTH));
    }
    if offset > length {
        return Err(ApiError::bad_request("upload-offset is past upload-length"));
    }
    let key = sha.clone();
    let row = st.db.run(move |s| Ok(blobs::get(&s.conn, &key)?)).await?;
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
            return Err(offset_error(row.as_ref().map_or(0, |r| r.durable)));
        }
        Uploading {
            st: &st,
            sha: sha.clone(),
        }
    };
    let durable = row.as_ref().map_or(0, |r| r.durable);
    if offset != durable {
        return Err(offset_error(durable));
    }
    let partial = partial_path(&st.blobs_dir, &sha);
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
    let (partial, dest, want) = (
        partial.to_path_buf(),
        final_path(&st.blobs_dir, sha),
        sha.to_string(),
    );
    let matched = tokio::task::spawn_blocking(move || -> std::io::Result<bool> {
        let mut hasher = Sha256Hasher::new();
        std::io::copy(&mut std::fs::File::open(&partial)?, &mut hasher)?;
        if hasher.finish().to_string() != want {
            std::fs::remove_file(&partial)?;
            return Ok(false);
        }
        let dir = dest.parent().expect("has parent");
        std::fs::create_dir_all(dir)?;
        // Create-only: a hard link fails if the name exists, unlike rename, so stored evidence
        // is never replaced. An existing file under a verified SHA-256 name is the same bytes.
        match std::fs::hard_link(&partial, &dest) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        std::fs::remove_file(&partial)?;
        std::fs::File::open(dir)?.sync_all()?;
        Ok(true)
    })
    .await
    .map_err(ApiError::internal)??;
    let key = sha.to_string();
    if !matched {
        st.db
            .run(move |s| Ok(blobs::delete(&s.conn, &key)?))
            .await?;
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::BLOB_HASH,
            "文件内容与 SHA-256 不符，已丢弃，请重新上传",
            "blob content does not match its SHA-256; discarded",
        ));
    }
    let row = BlobRow {
        length,
        durable: length,
        complete: true,
    };
    let saved = row.clone();
    st.db
        .run(move |s| Ok(blobs::set(&s.conn, &key, &saved, now_ms())?))
        .await?;
    Ok(state_response(sha, &row))
}
