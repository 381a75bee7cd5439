//! All SQL lives under this module, as functions taking a connection (or transaction), so a
//! PostgreSQL store can sit beside SQLite with the same narrow API.
//!
//! SQLite: WAL, `synchronous=FULL` (pushed links are signed evidence), one connection behind a
//! mutex: every write is serialized, which is what SQLite does anyway.

pub mod blobs;
pub mod cases;
pub mod changes;
pub mod conflicts;
pub mod devices;
pub mod fields;
pub mod links;
mod migrations;
pub mod reference;

use std::path::Path;
use std::sync::{Arc, Mutex};

use fieldcase_protocol::{HlcClock, Id};
use rusqlite::{Connection, OptionalExtension};

use crate::error::{ApiError, ApiResult};

/// The connection and the center's own hybrid logical clock (used for center-side writes).
#[derive(Debug)]
pub struct Store {
    pub conn: Connection,
    pub clock: HlcClock,
}

/// Shared handle; DB work runs on the blocking pool.
#[derive(Debug, Clone)]
pub struct Db(Arc<Mutex<Store>>);

pub fn open_sqlite(path: &Path) -> rusqlite::Result<Store> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrations::migrate(&mut conn)?;
    let node = server_node(&conn)?;
    Ok(Store {
        conn,
        clock: HlcClock::new(node),
    })
}

/// The node id of this server's HLC, made once and kept, so center writes tie-break stably.
fn server_node(conn: &Connection) -> rusqlite::Result<Id> {
    let existing: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'node'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(id) = existing.and_then(|s| s.parse::<Id>().ok()) {
        return Ok(id);
    }
    let id = Id::from_parts(crate::util::now_ms(), crate::util::random_bytes::<10>());
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('node', ?1)",
        [id.to_string()],
    )?;
    Ok(id)
}

impl Db {
    pub fn new(store: Store) -> Db {
        Db(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` on the blocking pool with the store locked.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> ApiResult<T> + Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the SQLite transaction rolled back
            // on drop, so the store itself is consistent and we keep serving.
            let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(ApiError::internal)?
    }
}
