//! What the UI and `fieldcase sync --status` show: how much is waiting, what the center refused,
//! and per case whether everything of it has reached the center.

use serde::Serialize;

use super::state::{self, CURSOR, PUSHED};
use crate::error::Result;
use crate::store::Store;

/// One refused op, as the device shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rejected {
    pub seq: i64,
    pub op_id: String,
    pub case_id: Option<String>,
    pub kind: String,
    /// The center's reason (zh / en with its code).
    pub reason: Option<String>,
}

/// The device's sync state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    pub enrolled: bool,
    pub server: Option<String>,
    pub user: Option<String>,
    /// Links the center does not hold yet.
    pub links_pending: i64,
    pub blobs_pending: i64,
    pub blob_bytes_pending: i64,
    pub rejected: Vec<Rejected>,
    pub pull_cursor: i64,
    pub clock_offset_ms: i64,
    /// The center revoked this device: the store is locked, its unsent records sealed.
    pub locked: Option<super::DeviceLock>,
}

/// Per case: has all of it reached the center?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseSyncState {
    pub case_id: String,
    pub links_pending: i64,
    pub rejected: i64,
    pub blobs_pending: i64,
}

impl CaseSyncState {
    /// Nothing of the case waits and nothing was refused.
    pub fn synced(&self) -> bool {
        self.links_pending == 0 && self.rejected == 0 && self.blobs_pending == 0
    }
}

pub fn status(store: &Store) -> Result<SyncStatus> {
    let conn = store.conn();
    let cfg = state::config(conn)?;
    let pushed = state::get_i64(conn, PUSHED)?;
    let links_pending: i64 =
        conn.query_row("SELECT COUNT(*) FROM ops WHERE seq > ?1", [pushed], |r| {
            r.get(0)
        })?;
    let (blobs_pending, blob_bytes_pending): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), coalesce(SUM(size), 0) FROM blobs WHERE uploaded_at IS NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt = conn.prepare(
        "SELECT r.seq, r.op_id, o.case_id, o.kind, r.reason FROM sync_results r
           JOIN ops o ON o.seq = r.seq WHERE r.outcome = 'rejected' ORDER BY r.seq",
    )?;
    let rejected = stmt
        .query_map([], |r| {
            Ok(Rejected {
                seq: r.get(0)?,
                op_id: r.get(1)?,
                case_id: r.get(2)?,
                kind: r.get(3)?,
                reason: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(SyncStatus {
        enrolled: cfg.is_some(),
        server: cfg.as_ref().map(|c| c.server.clone()),
        user: cfg
            .as_ref()
            .map(|c| format!("{} ({})", c.user.name, c.user.user_id)),
        links_pending,
        blobs_pending,
        blob_bytes_pending,
        rejected,
        pull_cursor: state::get_i64(conn, CURSOR)?,
        clock_offset_ms: state::get_i64(conn, state::CLOCK_OFFSET)?,
        locked: super::device_lock(conn)?,
    })
}

/// Sync state of one case: its links the center lacks, its refused ops, and its blobs (the
/// SHA-256s its operations name) not yet confirmed.
pub fn case_state(store: &Store, case_id: &str) -> Result<CaseSyncState> {
    let conn = store.conn();
    let pushed = state::get_i64(conn, PUSHED)?;
    let links_pending: i64 = conn.query_row(
        "SELECT COUNT(*) FROM ops WHERE case_id = ?1 AND seq > ?2",
        rusqlite::params![case_id, pushed],
        |r| r.get(0),
    )?;
    let rejected: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sync_results r JOIN ops o ON o.seq = r.seq
          WHERE o.case_id = ?1 AND r.outcome = 'rejected'",
        [case_id],
        |r| r.get(0),
    )?;
    // Blobs whose hash appears in any of the case's payloads.
    let blobs_pending: i64 = conn.query_row(
        "SELECT COUNT(*) FROM blobs b WHERE b.uploaded_at IS NULL AND EXISTS
           (SELECT 1 FROM ops o WHERE o.case_id = ?1 AND instr(o.payload, b.sha256) > 0)",
        [case_id],
        |r| r.get(0),
    )?;
    Ok(CaseSyncState {
        case_id: case_id.to_string(),
        links_pending,
        rejected,
        blobs_pending,
    })
}
