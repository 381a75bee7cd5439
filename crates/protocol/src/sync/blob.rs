//! Blob uploads: content-addressed by SHA-256, resumable from the server's durable offset.
//!
//! `HEAD /v1/blobs/{sha256}` answers `200` with [`UPLOAD_OFFSET`] (bytes safely stored) and
//! [`UPLOAD_LENGTH`] when the blob is stored or the asking device has an upload of it, `404`
//! otherwise. `PATCH /v1/blobs/{sha256}` with `Upload-Offset: N` and `Upload-Length: L` streams
//! bytes from N; the server makes its progress durable every 256 KiB, and on the last byte checks
//! the SHA-256: a match is stored (create-only) and answered [`BlobState::complete`], a mismatch
//! is discarded and refused. An upload in progress is its device's own: another device's upload
//! of the same blob neither resumes nor disturbs it. A blob the server already has is answered
//! complete at once. While another connection of the same device uploads the same blob the
//! answer is `503` `blob.busy` (retry later); a body silent for the server's idle limit is ended
//! with `408` `blob.stalled`, keeping what arrived.

use serde::{Deserialize, Serialize};

/// Request and response header: bytes of the upload already durable at the server.
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// Request and response header: the blob's total size.
pub const UPLOAD_LENGTH: &str = "upload-length";

/// What the server holds of a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobState {
    pub sha256: String,
    pub length: u64,
    /// Durable bytes (equals `length` when complete).
    pub offset: u64,
    pub complete: bool,
}

/// Whether `name` is a blob name: exactly 64 lowercase hex digits (so no path can hide in it).
pub fn valid_blob_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
