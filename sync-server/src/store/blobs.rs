//! Blob upload state: length, durable offset, complete.

use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    pub length: u64,
    pub durable: u64,
    pub complete: bool,
}

pub fn get(conn: &Connection, sha: &str) -> rusqlite::Result<Option<BlobRow>> {
    conn.query_row(
        "SELECT length, durable, complete FROM blobs WHERE sha256 = ?1",
        [sha],
        |r| {
            Ok(BlobRow {
                length: r.get::<_, i64>(0)? as u64,
                durable: r.get::<_, i64>(1)? as u64,
                complete: r.get(2)?,
            })
        },
    )
    .optional()
}

pub fn set(conn: &Connection, sha: &str, row: &BlobRow, now_ms: u64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO blobs(sha256, length, durable, complete, updated_at_ms) VALUES (?1,?2,?3,?4,?5)
         ON CONFLICT(sha256) DO UPDATE SET length = excluded.length, durable = excluded.durable,
           complete = excluded.complete, updated_at_ms = excluded.updated_at_ms",
        params![sha, row.length as i64, row.durable as i64, row.complete, now_ms as i64],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, sha: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM blobs WHERE sha256 = ?1", [sha])?;
    Ok(())
}
