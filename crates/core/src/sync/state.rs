//! What the device remembers about sync, in the store's `meta` table: the center, the token, the
//! enrolled user, the pull cursor, the last link the center holds, and the clock offset.

use fieldcase_protocol::sync::UserInfo;
use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::error::{CoreError, Result};

pub(crate) const SERVER: &str = "sync_server";
pub(crate) const TOKEN: &str = "sync_token";
pub(crate) const USER: &str = "sync_user";
pub(crate) const CURSOR: &str = "pull_cursor";
pub(crate) const PUSHED: &str = "pushed_seq";
pub(crate) const CLOCK_OFFSET: &str = "clock_offset_ms";

/// The center this device is enrolled with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    pub server: String,
    /// Bearer token (moves to the OS keychain with issue 7).
    pub token: String,
    pub user: UserInfo,
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        [key, value],
    )?;
    Ok(())
}

pub(crate) fn get_i64(conn: &Connection, key: &str) -> Result<i64> {
    Ok(get(conn, key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// The enrolment, if this device has one.
pub(crate) fn config(conn: &Connection) -> Result<Option<SyncConfig>> {
    let (Some(server), Some(token), Some(user)) =
        (get(conn, SERVER)?, get(conn, TOKEN)?, get(conn, USER)?)
    else {
        return Ok(None);
    };
    let user: UserInfo = serde_json::from_str(&user)
        .map_err(|e| CoreError::Data(format!("stored sync user: {e}")))?;
    Ok(Some(SyncConfig {
        server,
        token,
        user,
    }))
}
