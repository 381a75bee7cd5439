//! Blob upload state: length, durable offset, complete; which device's ops name a blob.

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

pub fn set(conn: &dyn Sql, sha: &str, row: &BlobRow, now_ms: u64) -> DbResult<()> {
    conn.exec(
        "INSERT INTO blobs(sha256, length, durable, complete, updated_at_ms) VALUES (?1,?2,?3,?4,?5)
         ON CONFLICT(sha256) DO UPDATE SET length = excluded.length, durable = excluded.durable,
           complete = excluded.complete, updated_at_ms = excluded.updated_at_ms",
        args![sha, row.length, row.durable, row.complete, now_ms],
    )?;
    Ok(())
}

pub fn delete(conn: &dyn Sql, sha: &str) -> DbResult<()> {
    conn.exec("DELETE FROM blobs WHERE sha256 = ?1", args![sha])?;
    Ok(())
}

/// Whether any op `device_id` pushed names the blob (the device owns a case that holds it).
pub fn named_by_device(conn: &dyn Sql, device_id: &str, sha: &str) -> DbResult<bool> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM link_blobs WHERE device_id = ?1 AND sha256 = ?2 LIMIT 1",
            args![device_id, sha],
        )?
        .is_some())
}
