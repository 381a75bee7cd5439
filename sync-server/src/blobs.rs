//! Resumable, content-addressed blob uploads, and reading blobs back.
//!
//! Each device uploads into its own staged file, `STAGING/<sha>/<SHA-256 of the device id>`, and
//! its durable offset (bytes fsynced) is kept in the database every 256 KiB (`store::blobs`), so
//! a cut connection loses at most that much. On the last byte the whole file's SHA-256 is
//! checked; a match goes to the blob store (`blob_store.rs`: a folder or S3) create-only and the
//! blob's folder of uploads is removed, a mismatch removes only the sender's file. A blob the
//! store already has is answered complete at once, to any device.
//!
//! Why one upload per device: with one per blob, any enrolled device that learned a blob's name
//! could discard another device's upload by sending garbage under it, or hold it busy.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fieldcase_protocol::sync::{BlobState, UPLOAD_LENGTH, UPLOAD_OFFSET, codes, valid_blob_name};
use fieldcase_protocol::{Sha256, Sha256Hasher};
use futures::{StreamExt, TryStreamExt};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::app::AppState;
use crate::auth::{Principal, authenticate};
use crate::blob_store::{self, StoreError};
use crate::error::{ApiError, ApiResult};
use crate::store::blobs::{self, Upload};
use crate::store::devices;
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

/// The folder of a blob's uploads in progress, one file per device.
fn uploads_dir(staging: &FsPath, sha: &str) -> PathBuf {
    staging.join(sha)
}

/// `device_id`'s staged upload of the blob. Named by the hash of the device id: a device id is
/// any text the device chose at enrollment, never a path.
fn partial_path(staging: &FsPath, sha: &str, device_id: &str) -> PathBuf {
    uploads_dir(staging, sha).join(Sha256::of(device_id.as_bytes()).to_string())
}

/// Removes what an older center staged directly under `STAGING/<sha>` (one shared upload per
/// blob): the migration to uploads per device forgot those uploads, and the file would stand
/// where the blob's folder of uploads goes. Run once at start.
pub fn sweep_old_staging(staging: &FsPath) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(staging)? {
        let entry = entry?;
        let name = entry.file_name();
        if entry.file_type()?.is_file() && name.to_str().is_some_and(valid_blob_name) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// An upload as the device is told of it (`BlobState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UploadState {
    length: u64,
    offset: u64,
    complete: bool,
}

impl UploadState {
    fn stored(length: u64) -> UploadState {
        UploadState {
            length,
            offset: length,
            complete: true,
        }
    }

    fn in_progress(u: Upload) -> UploadState {
        UploadState {
            length: u.length,
            offset: u.durable,
            complete: false,
        }
    }
}

/// What the center holds of a blob for one device.
#[derive(Debug, Clone, Copy)]
enum Held {
    /// Stored, of this length.
    Stored(u64),
    /// Not stored; the device's upload in progress.
    Upload(Upload),
    Nothing,
}

/// What is held of the blob for `device` (or only whether it is stored, for no device). When
/// the database knows nothing of it but the blob store has bytes under its name (another center
/// wrote them, the database was restored), they are checked against the name and, if they
/// match, recorded as stored. Other bytes under the name are not the blob: an upload goes on,
/// and its create-only store refuses to replace them. (The store is asked only then: a device
/// resuming its upload costs no request to S3.)
async fn held(st: &AppState, sha: &str, device: Option<&str>) -> ApiResult<Held> {
    let (key, id) = (sha.to_string(), device.map(str::to_string));
    let known = st
        .db
        .run(move |s| {
            if let Some(length) = blobs::stored(&s.conn, &key)? {
                return Ok(Held::Stored(length));
            }
            let upload = match &id {
                Some(id) => blobs::upload(&s.conn, &key, id)?,
                None => None,
            };
            Ok(upload.map_or(Held::Nothing, Held::Upload))
        })
        .await?;
    if !matches!(known, Held::Nothing) {
        return Ok(known);
    }
    let length = match st.blobs.verified_length(sha).await {
        Ok(Some(length)) => length,
        Ok(None) => return Ok(Held::Nothing),
        Err(StoreError::Corrupt(_)) => {
            tracing::error!("blob store holds other bytes under {sha}: not taken for the blob");
            return Ok(Held::Nothing);
        }
        Err(e) => return Err(e.into()),
    };
    let key = sha.to_string();
    st.db
        .run(move |s| Ok(blobs::set_stored(&s.conn, &key, length, now_ms())?))
        .await?;
    Ok(Held::Stored(length))
}

/// The stored blob's length, if stored (see [`held`]).
async fn stored_length(st: &AppState, sha: &str) -> ApiResult<Option<u64>> {
    Ok(match held(st, sha, None).await? {
        Held::Stored(length) => Some(length),
        Held::Upload(_) | Held::Nothing => None,
    })
}

/// The device's upload as this process can honour it: staged bytes can be missing (a temp
/// staging folder wiped by a restart, or another replica without sticky routing staged them);
/// then the upload restarts from 0 rather than resuming onto a hole. If the blob was stored
/// since `upload` was read, it is answered stored.
async fn staged_state(
    st: &AppState,
    sha: &str,
    device_id: &str,
    upload: Upload,
) -> ApiResult<UploadState> {
    if upload.durable == 0 {
        return Ok(UploadState::in_progress(upload));
    }
    let have = match tokio::fs::metadata(partial_path(&st.staging, sha, device_id)).await {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e.into()),
    };
    if have >= upload.durable {
        return Ok(UploadState::in_progress(upload));
    }
    tracing::warn!(
        "blob {sha}: staged {have} bytes, database says {}; restarting the upload",
        upload.durable
    );
    let (key, device) = (sha.to_string(), device_id.to_string());
    let reset = Upload {
        length: upload.length,
        durable: 0,
    };
    st.db
        .run(move |s| {
            if blobs::set_upload(&s.conn, &key, &device, reset, now_ms())? {
                return Ok(UploadState::in_progress(reset));
            }
            // Stored meanwhile: the staged file is gone because the blob is stored.
            let length = blobs::stored(&s.conn, &key)?.unwrap_or(reset.length);
            Ok(UploadState::stored(length))
        })
        .await
}

fn state_response(sha: &str, state: UploadState) -> Response {
    let mut resp = Json(BlobState {
        sha256: sha.into(),
        length: state.length,
        offset: state.offset,
        complete: state.complete,
    })
    .into_response();
    let h = resp.headers_mut();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(state.offset));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(state.length));
    resp
}

/// `HEAD /v1/blobs/{sha256}`: a stored blob to anyone signed in; an upload in progress only to
/// the device uploading it (404 to anyone else, as for a blob nobody has sent).
pub async fn head(
    State(st): State<AppState>,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let who = authenticate(&st, &headers).await?;
    check_name(&sha)?;
    let device = match &who {
        Principal::Device { device_id, .. } => Some(device_id.as_str()),
        Principal::BootstrapAdmin => None,
    };
    let (device_id, upload) = match (device, held(&st, &sha, device).await?) {
        (_, Held::Stored(length)) => {
            return Ok(state_response(&sha, UploadState::stored(length)));
        }
        (Some(device_id), Held::Upload(upload)) => (device_id, upload),
        _ => return Err(ApiError::not_found("blob")),
    };
    let state = staged_state(&st, &sha, device_id, upload).await?;
    Ok(state_response(&sha, state))
}

fn header_u64(headers: &HeaderMap, name: &str) -> ApiResult<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| ApiError::bad_request(format!("header {name} must be a byte count")))
}

/// One upload of a blob per device at a time (into one staged file); released on drop whatever
/// happens.
struct Uploading<'a> {
    st: &'a AppState,
    key: (String, String),
}

impl Drop for Uploading<'_> {
    fn drop(&mut self) {
        let mut set = self.st.uploading.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.key);
    }
}

fn busy() -> ApiError {
    let mut e = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::BLOB_BUSY,
        "该文件正由本设备的另一连接上传，稍后将自动重试",
        "another connection of this device is uploading this blob; retry later",
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
    let who = authenticate(&st, &headers).await?;
    let device = who.require_field_device()?.0.to_string();
    check_name(&sha)?;
    let offset = header_u64(&headers, UPLOAD_OFFSET)?;
    let length = header_u64(&headers, UPLOAD_LENGTH)?;
    if length > MAX_LENGTH {
        return Err(ApiError::too_large(MAX_LENGTH));
    }
    if offset > length {
        return Err(ApiError::bad_request("upload-offset is past upload-length"));
    }
    let upload = match held(&st, &sha, Some(&device)).await? {
        // Content-addressed: what is stored is what they would send.
        Held::Stored(length) => return Ok(state_response(&sha, UploadState::stored(length))),
        Held::Upload(u) => Some(u),
        Held::Nothing => None,
    };
    if let Some(u) = upload
        && u.length != length
    {
        return Err(ApiError::bad_request(format!(
            "upload-length {length} differs from the upload in progress ({})",
            u.length
        )));
    }
    let _guard = {
        let key = (sha.clone(), device.clone());
        let mut set = st.uploading.lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(key.clone()) {
            return Err(busy());
        }
        Uploading { st: &st, key }
    };
    let durable = match upload {
        Some(u) => {
            let now = staged_state(&st, &sha, &device, u).await?;
            if now.complete {
                return Ok(state_response(&sha, now));
            }
            now.offset
        }
        None => 0,
    };
    if offset != durable {
        return Err(offset_error(durable));
    }
    let partial = partial_path(&st.staging, &sha, &device);
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
    let progress = Progress {
        st: &st,
        sha: &sha,
        device: &device,
        length,
    };
    let mut at = durable;
    let mut synced = durable;
    // Set when a save finds the blob stored meanwhile (another device's upload of it ended
    // first): the rest of the body is read and dropped, and the answer is "complete".
    let mut stored = false;
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
        at += chunk.len() as u64;
        if stored {
            continue;
        }
        file.write_all(&chunk).await?;
        if at - synced >= SYNC_EVERY {
            stored = !progress.save(&mut file, at).await?;
            synced = at;
        }
    }
    // Whatever arrived whole is kept: the client resumes from here.
    if !stored && (at != synced || upload.is_none()) {
        stored = !progress.save(&mut file, at).await?;
    }
    drop(file);
    if stored {
        drop_staged(&st.staging, &sha, &partial).await;
        return Ok(state_response(&sha, UploadState::stored(length)));
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if at < length {
        return Ok(state_response(
            &sha,
            UploadState::in_progress(Upload {
                length,
                durable: at,
            }),
        ));
    }
    finish(&st, &sha, &device, length, &partial).await
}

/// Where one device's upload of one blob saves its progress.
struct Progress<'a> {
    st: &'a AppState,
    sha: &'a str,
    device: &'a str,
    length: u64,
}

impl Progress<'_> {
    /// Makes the first `at` bytes durable and records them. Answers false, recording nothing,
    /// if the blob is stored by now.
    async fn save(&self, file: &mut tokio::fs::File, at: u64) -> ApiResult<bool> {
        file.flush().await?;
        file.sync_data().await?;
        let (key, device) = (self.sha.to_string(), self.device.to_string());
        let upload = Upload {
            length: self.length,
            durable: at,
        };
        self.st
            .db
            .run(move |s| Ok(blobs::set_upload(&s.conn, &key, &device, upload, now_ms())?))
            .await
    }
}

/// Removes one device's staged upload of a blob stored meanwhile, and the blob's folder of
/// uploads if that leaves it empty. The storing upload removed the folder already unless this
/// upload began after it; either way nothing here is needed any more, so failures only warn.
async fn drop_staged(staging: &FsPath, sha: &str, partial: &FsPath) {
    match tokio::fs::remove_file(partial).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!("staged {}: {e}", partial.display()),
    }
    // Fails (and is left) while another device's upload still has its file there.
    let _ = tokio::fs::remove_dir(uploads_dir(staging, sha)).await;
}

async fn finish(
    st: &AppState,
    sha: &str,
    device: &str,
    length: u64,
    partial: &FsPath,
) -> ApiResult<Response> {
    let (staged, want) = (partial.to_path_buf(), sha.to_string());
    // None: the staged file is gone, because another device's upload of the blob stored it
    // (and removed the blob's folder of uploads) since this one's last save.
    let matched = tokio::task::spawn_blocking(move || -> std::io::Result<Option<bool>> {
        let mut file = match std::fs::File::open(&staged) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut hasher = Sha256Hasher::new();
        std::io::copy(&mut file, &mut hasher)?;
        if hasher.finish().to_string() != want {
            match std::fs::remove_file(&staged) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => return Ok(Some(false)),
            }
        }
        Ok(Some(true))
    })
    .await
    .map_err(ApiError::internal)??;
    let Some(matched) = matched else {
        let stored = stored_length(st, sha)
            .await?
            .ok_or_else(|| ApiError::internal("a staged upload vanished"))?;
        return Ok(state_response(sha, UploadState::stored(stored)));
    };
    let (key, id) = (sha.to_string(), device.to_string());
    if !matched {
        // Only this device's upload: another device's upload of the same name is untouched.
        st.db
            .run(move |s| Ok(blobs::delete_upload(&s.conn, &key, &id)?))
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
    st.db
        .run(move |s| Ok(blobs::set_stored(&s.conn, &key, length, now_ms())?))
        .await?;
    // Every device's upload of the blob is done with: the others are answered "complete".
    let dir = uploads_dir(&st.staging, sha);
    if let Err(e) = tokio::fs::remove_dir_all(&dir).await {
        tracing::warn!("staged {}: {e}", dir.display());
    }
    Ok(state_response(sha, UploadState::stored(length)))
}

/// A stored blob's bytes, checked against its name as they stream (`read_verified`); `None`
/// if no blob of that name is stored. Bytes that are missing or of another length fail here,
/// with an alert ([`damaged`]); bytes that no longer hash to the name end the stream with
/// `StoreError::Corrupt`, which [`drain_checked`] (or `get`, streaming) records. Either way the center
/// never hands out evidence other than what was verified at upload as if it were.
pub(crate) async fn read_checked(
    st: &AppState,
    sha: &str,
) -> ApiResult<Option<blob_store::Reading>> {
    // Only a blob stored as such: bytes put under its name by other means are not it.
    let Some(length) = stored_length(st, sha).await? else {
        return Ok(None);
    };
    match st.blobs.read_verified(sha, length).await {
        Ok(Some(r)) => Ok(Some(r)),
        Ok(None) => {
            let why = "its stored bytes are missing from the blob store";
            Err(damaged(st, sha, why).await)
        }
        Err(StoreError::Corrupt(_)) => {
            let why = "its stored bytes are not the length recorded at upload";
            Err(damaged(st, sha, why).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// Why [`damaged`] is called when a read's bytes end with `StoreError::Corrupt`.
const CHANGED: &str = "its stored bytes no longer hash to its name";

/// Reads a [`read_checked`] blob to its end, handing each chunk to `each`. Bytes found changed
/// at their end are recorded ([`damaged`]) and answered as its `blob.corrupt` error; the store
/// failing is an internal error.
pub(crate) async fn drain_checked(
    st: &AppState,
    sha: &str,
    reading: blob_store::Reading,
    mut each: impl FnMut(bytes::Bytes),
) -> ApiResult<()> {
    let mut bytes = reading.bytes;
    while let Some(chunk) = bytes.next().await {
        match chunk {
            Ok(c) => each(c),
            Err(StoreError::Corrupt(_)) => return Err(damaged(st, sha, CHANGED).await),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Records that the stored blob `sha` is damaged (`why`): an error in the log, and one alert
/// per blob and cause on the device that first named it (a blob no op names yet is no case's
/// evidence: the log alone). Answers the error the read fails with.
async fn damaged(st: &AppState, sha: &str, why: &str) -> ApiError {
    tracing::error!(blob = %sha, "blob damaged: {why}");
    let (key, reason) = (sha.to_string(), format!("blob {sha}: {why}"));
    let recorded = st
        .db
        .run(move |s| {
            if let Some((device, seq)) = blobs::first_namer(&s.conn, &key)? {
                devices::insert_damaged_blob_alert(&s.conn, &device, seq, &reason, now_ms())?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = recorded {
        tracing::error!(blob = %sha, "the damaged blob's alert was not recorded: {}", e.body.en);
    }
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        codes::BLOB_CORRUPT,
        format!("中心存储的文件 {sha} 已损坏或丢失，与上传时核验的内容不一致，请联系管理员"),
        format!("the center's stored bytes of blob {sha} are damaged: {why}"),
    )
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
    let reading = read_checked(&st, &sha)
        .await?
        .ok_or_else(|| ApiError::not_found("blob"))?;
    // Changed bytes are found at their end, after the head went out: the body stops short (the
    // last chunk is never sent), and the alert is recorded beside it.
    let name = sha.clone();
    let bytes = reading.bytes.inspect_err(move |e| {
        if matches!(e, StoreError::Corrupt(_)) {
            let (st, sha) = (st.clone(), name.clone());
            tokio::spawn(async move { damaged(&st, &sha, CHANGED).await });
        }
    });
    let mut resp = Body::from_stream(bytes).into_response();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What an older center staged (a file per blob) goes; the folders of uploads per device,
    /// and anything not named like a blob, stay.
    #[test]
    fn the_sweep_removes_only_the_old_staged_files() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = ("a".repeat(64), "b".repeat(64));
        std::fs::write(dir.path().join(&old), b"old upload").unwrap();
        let mine = partial_path(dir.path(), &new, "device-1");
        std::fs::create_dir_all(mine.parent().unwrap()).unwrap();
        std::fs::write(&mine, b"new upload").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"kept").unwrap();
        assert_eq!(sweep_old_staging(dir.path()).unwrap(), 1);
        assert!(!dir.path().join(&old).exists());
        assert!(mine.exists());
        assert!(dir.path().join("notes.txt").exists());
        assert_eq!(sweep_old_staging(dir.path()).unwrap(), 0);
    }

    #[test]
    fn a_device_id_never_makes_a_path() {
        let p = partial_path(FsPath::new("/s"), &"c".repeat(64), "../../etc/passwd");
        assert_eq!(p.parent().unwrap(), FsPath::new("/s").join("c".repeat(64)));
        assert!(valid_blob_name(p.file_name().unwrap().to_str().unwrap()));
    }
}
