//! Blob upload state: length, durable offset, complete; which device's applied ops name a blob.

use fieldcase_protocol::sync::Outcome;

use super::sql::{DbResult, Sql, args};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    pub length: u64,
    pub durable: u64,
    pub complete: bool,
}

pub fn get(conn: &dyn Sql, sha: &str) -> DbResult<Option<BlobRow>> {
    conn.query_opt(
        "SELECT length, durable, complete FROM blobs WHERE sha256 = ?1",
        args![sha],
    )?
    .map(|r| {
        Ok(BlobRow {
            length: r.i64(0)? as u64,
            durable: r.i64(1)? as u64,
            complete: r.bool(2)?,
        })
    })
    .transpose()
}

/// Records an upload's state; answers whether it did. A blob already complete stays as it is:
/// its bytes were verified against their name and stored, and nothing an upload of the same
/// blob does later (a stale duplicate still streaming into another replica, whose progress
/// saves and cut would otherwise mark it incomplete again) can make them wrong. The device was
/// told "complete" and never sends it again, so a row made incomplete would leave its case
/// incomplete at the center for good.
pub fn set(conn: &dyn Sql, sha: &str, row: &BlobRow, now_ms: u64) -> DbResult<bool> {
    let n = conn.exec(
        "INSERT INTO blobs(sha256, length, durable, complete, updated_at_ms) VALUES (?1,?2,?3,?4,?5)
         ON CONFLICT(sha256) DO UPDATE SET length = excluded.length, durable = excluded.durable,
           complete = excluded.complete, updated_at_ms = excluded.updated_at_ms
         WHERE blobs.complete = 0",
        args![sha, row.length, row.durable, row.complete, now_ms],
    )?;
    Ok(n > 0)
}

/// Forgets an upload in progress (its bytes did not match its name); a complete blob stays,
/// for the reason given at [`set`].
pub fn delete_incomplete(conn: &dyn Sql, sha: &str) -> DbResult<()> {
    conn.exec(
        "DELETE FROM blobs WHERE sha256 = ?1 AND complete = 0",
        args![sha],
    )?;
    Ok(())
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
