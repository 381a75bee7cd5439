//! Uploading blobs (photos, audio, signature images) as soon as they exist, each resumed from the
//! offset the center says it holds durably — never from where the device thinks it stopped.

use std::io::Read;

use fieldcase_protocol::Sha256;
use fieldcase_protocol::sync::codes;

use super::SyncFailure;
use super::client::{Client, SyncError};
use crate::error::CoreError;
use crate::store::Store;

/// Counts of one upload run.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BlobCounts {
    pub uploaded: usize,
    /// Bytes sent on the wire (a resumed upload sends only its remainder).
    pub bytes_sent: u64,
    /// Blobs the center already had whole.
    pub already: usize,
}

fn pending(store: &Store) -> Result<Vec<(String, u64)>, SyncFailure> {
    let mut stmt = store.conn().prepare(
        "SELECT sha256, size FROM blobs WHERE uploaded_at IS NULL ORDER BY created_at, sha256",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows
        .map(|r| r.map(|(h, n)| (h, n.max(0) as u64)))
        .collect::<rusqlite::Result<_>>()?)
}

/// Uploads every blob the center has not confirmed; `progress(done, total)` counts blobs.
pub(crate) fn upload_all(
    store: &mut Store,
    client: &Client,
    at: &str,
    progress: &mut dyn FnMut(usize, usize, u64),
) -> Result<BlobCounts, SyncFailure> {
    let todo = pending(store)?;
    let mut counts = BlobCounts::default();
    for (i, (sha, size)) in todo.iter().enumerate() {
        let hash: Sha256 = sha
            .parse()
            .map_err(|e| CoreError::Data(format!("blob {sha}: {e}")))?;
        let mut offset = client.blob_offset(sha)?.unwrap_or(0);
        let mut tries = 0;
        loop {
            if offset >= *size && *size > 0 {
                counts.already += 1;
                break;
            }
            // The file is sealed at rest: the reader decrypts from the offset on, segment by segment.
            let plain = store.blobs.reader_at(&hash, offset)?;
            match client.blob_upload(sha, offset, *size, plain.take(size - offset)) {
                Ok(state) if state.complete => {
                    counts.uploaded += 1;
                    counts.bytes_sent += size - offset;
                    break;
                }
                Ok(state) => {
                    return Err(SyncError::Protocol(format!(
                        "blob {sha}: the center holds {} of {} bytes after a whole upload",
                        state.offset, state.length
                    ))
                    .into());
                }
                // The center's durable offset differs from ours: resume from its.
                Err(SyncError::Refused { body, .. })
                    if body.code == codes::BLOB_OFFSET && tries < 3 =>
                {
                    tries += 1;
                    offset = body.offset.unwrap_or(0);
                }
                Err(e) => return Err(e.into()),
            }
        }
        store.transaction(|tx, _| {
            tx.execute(
                "UPDATE blobs SET uploaded_at = ?2 WHERE sha256 = ?1",
                [sha.as_str(), at],
            )?;
            Ok(())
        })?;
        progress(i + 1, todo.len(), counts.bytes_sent);
    }
    Ok(counts)
}
