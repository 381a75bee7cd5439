//! Blobs: the ones stored (checked against their name), and each device's upload in progress
//! (length and durable offset); which device's applied ops name a blob.
//!
//! An upload in progress belongs to the device sending it. When all devices shared one upload
//! per blob, any enrolled device that learned a blob's name could send garbage under it: the
//! hash check then discarded the honest upload's bytes too, and that device started again from
//! 0, as often as the other liked. Now garbage only ever discards its sender's own upload.

use fieldcase_protocol::sync::Outcome;

use super::sql::{DbResult, Sql, args};

/// A device's upload of a blob not yet stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload {
    pub length: u64,
    pub durable: u64,
}

/// The length of a stored blob.
pub fn stored(conn: &dyn Sql, sha: &str) -> DbResult<Option<u64>> {
    conn.query_opt("SELECT length FROM blobs WHERE sha256 = ?1", args![sha])?
        .map(|r| Ok(r.i64(0)? as u64))
        .transpose()
}

/// The names of up to `limit` stored blobs after `after` (`""` for the first), in name order:
/// a page of the blob scrub (`blob_check`).
pub fn stored_after(conn: &dyn Sql, after: &str, limit: i64) -> DbResult<Vec<String>> {
    conn.query(
        "SELECT sha256 FROM blobs WHERE sha256 > ?1 ORDER BY sha256 LIMIT ?2",
        args![after, limit],
    )?
    .iter()
    .map(|r| r.str(0))
    .collect()
}

/// Records a blob as stored (its bytes matched its name and are in the blob store), and drops
/// every device's upload of it: nothing more of them is needed. A stored blob stays stored:
/// nothing an upload of the same blob does later (a stale duplicate still streaming into another
/// replica) makes it incomplete again. The device was told "complete" and never sends it again,
/// so a case waiting on it would stay incomplete at the center for good.
pub fn set_stored(conn: &dyn Sql, sha: &str, length: u64, now_ms: u64) -> DbResult<()> {
    conn.exec(
        "INSERT INTO blobs(sha256, length, stored_at_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT(sha256) DO NOTHING",
        args![sha, length, now_ms],
    )?;
    conn.exec("DELETE FROM blob_uploads WHERE sha256 = ?1", args![sha])?;
    Ok(())
}

/// `device_id`'s upload of the blob, if it has one.
pub fn upload(conn: &dyn Sql, sha: &str, device_id: &str) -> DbResult<Option<Upload>> {
    conn.query_opt(
        "SELECT length, durable FROM blob_uploads WHERE sha256 = ?1 AND device_id = ?2",
        args![sha, device_id],
    )?
    .map(|r| {
        Ok(Upload {
            length: r.i64(0)? as u64,
            durable: r.i64(1)? as u64,
        })
    })
    .transpose()
}

/// Records the progress of `device_id`'s upload; answers whether it did. Not once the blob is
/// stored (see [`set_stored`]): an upload that ends after that has nothing left to resume.
pub fn set_upload(
    conn: &dyn Sql,
    sha: &str,
    device_id: &str,
    upload: Upload,
    now_ms: u64,
) -> DbResult<bool> {
    let n = conn.exec(
        "INSERT INTO blob_uploads(sha256, device_id, length, durable, updated_at_ms)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?1)
         ON CONFLICT(sha256, device_id) DO UPDATE SET length = excluded.length,
           durable = excluded.durable, updated_at_ms = excluded.updated_at_ms",
        args![sha, device_id, upload.length, upload.durable, now_ms],
    )?;
    Ok(n > 0)
}

/// Forgets `device_id`'s upload (its bytes did not match the blob's name).
pub fn delete_upload(conn: &dyn Sql, sha: &str, device_id: &str) -> DbResult<()> {
    conn.exec(
        "DELETE FROM blob_uploads WHERE sha256 = ?1 AND device_id = ?2",
        args![sha, device_id],
    )?;
    Ok(())
}

/// The first link that named the blob (device, seq): whom an alert about its bytes concerns.
/// `None` for a blob no pushed op names yet (blobs are uploaded as soon as captured).
pub fn first_namer(conn: &dyn Sql, sha: &str) -> DbResult<Option<(String, i64)>> {
    conn.query_opt(
        "SELECT lb.device_id, lb.seq FROM link_blobs lb
         JOIN links l ON l.device_id = lb.device_id AND l.seq = lb.seq
         WHERE lb.sha256 = ?1 ORDER BY l.received_at_ms, lb.device_id, lb.seq LIMIT 1",
        args![sha],
    )?
    .map(|r| Ok((r.str(0)?, r.i64(1)?)))
    .transpose()
}

/// Whether an op `device_id` pushed, and the center applied, names the blob. A rejected op does
/// not count: its link stays in the chain, but naming someone else's blob in an op the center
/// refuses (a case on another team's task, say) must not open that blob to the device.
pub fn named_by_device(conn: &dyn Sql, device_id: &str, sha: &str) -> DbResult<bool> {
    let results = conn.query(
        "SELECT l.result, l.seq, l.op_id FROM link_blobs lb
         JOIN links l ON l.device_id = lb.device_id AND l.seq = lb.seq
         WHERE lb.device_id = ?1 AND lb.sha256 = ?2",
        args![device_id, sha],
    )?;
    for r in results {
        let stored = super::links::decode_result(&r.str(0)?, r.i64(1)?, &r.str(2)?).ok();
        if stored.is_some_and(|res| res.outcome != Outcome::Rejected) {
            return Ok(true);
        }
    }
    Ok(false)
}
