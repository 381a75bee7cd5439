//! All SQL lives under this module, as functions taking `&dyn Sql` (a connection or transaction
//! of either backend), each written once.
//!
//! SQLite: WAL, `synchronous=FULL` (pushed links are signed evidence), one writing connection
//! behind a mutex: every write is serialized, which is what SQLite does anyway. Reads
//! (`Db::read`) go to a few read-only connections instead: WAL lets them read the last commit
//! while the writer works, so a push's token check never waits behind another push's group
//! commit.
//!
//! PostgreSQL: a small pool, so several replicas behind a load balancer (and several requests
//! of one replica) work at once. What must not interleave takes a row lock inside its
//! transaction: a push locks its device's row (`devices::lock`); the center's own writers take
//! one advisory lock first (`changes::lock_center_writes`); and every transaction that appends
//! to the change log numbers its changes at its commit under the log's counter row
//! (`changes::seal`).

pub mod audit;
pub mod blobs;
pub mod cases;
pub mod changes;
pub mod conflicts;
mod conn;
pub mod devices;
pub mod fields;
pub mod links;
mod migrate_pg;
mod migrate_sqlite;
mod pg;
#[cfg(test)]
mod pg_alerts_tests;
#[cfg(test)]
mod pg_changes_tests;
mod pg_conn;
#[cfg(test)]
mod pg_pipeline_tests;
mod pg_tls;
mod pool;
pub mod reference;
pub mod sql;
mod sqlite;
pub mod tokens;
pub mod trust;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use fieldcase_protocol::Id;

pub use self::conn::{Conn, Tx};
use self::sql::args;
pub use self::sql::{DbError, DbResult, Sql};
use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};

/// What a `Db::run` closure gets: a connection and the center's clock.
#[derive(Debug)]
pub struct Store<'a> {
    pub conn: Conn<'a>,
    pub clock: &'a Clock,
}

#[derive(Debug)]
enum Backend {
    Sqlite(Box<SqliteConns>),
    Postgres(Box<pool::Pool>),
}

#[derive(Debug)]
struct SqliteConns {
    writer: Mutex<rusqlite::Connection>,
    readers: Vec<Mutex<rusqlite::Connection>>,
    /// Round-robin over `readers`.
    next: AtomicUsize,
}

/// Read-only connections: enough that readers rarely queue on one another.
fn reader_count() -> usize {
    crate::util::cores() + 2
}

#[derive(Debug, Clone, Copy)]
enum Use {
    Read,
    Write,
}

/// Shared handle; DB work runs on the blocking pool.
#[derive(Debug, Clone)]
pub struct Db(Arc<(Backend, Clock)>);

pub fn open_sqlite(path: &Path) -> DbResult<Db> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate_sqlite::migrate(&mut conn)?;
    let node = server_node(&conn)?;
    let readers = (0..reader_count())
        .map(|_| {
            let r = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            r.busy_timeout(std::time::Duration::from_secs(5))?;
            Ok(Mutex::new(r))
        })
        .collect::<DbResult<_>>()?;
    Ok(Db(Arc::new((
        Backend::Sqlite(Box::new(SqliteConns {
            writer: Mutex::new(conn),
            readers,
            next: AtomicUsize::new(0),
        })),
        Clock::new(node),
    ))))
}

/// Connects (checking the URL and the server at start) — over verified TLS when the URL says
/// `sslmode=require` or `ca` (`--db-ca`) is given (`pg_tls`) — migrates, and keeps at most
/// `pool_size` connections.
pub fn open_postgres(url: &str, ca: Option<&Path>, pool_size: usize) -> DbResult<Db> {
    let mut config: tokio_postgres::Config = url.parse()?;
    let tls = pg_tls::for_url(&mut config, ca).map_err(DbError::Other)?;
    if let Some(host) = pg_tls::unencrypted_remote(&config, &tls) {
        tracing::warn!(
            %host,
            "the PostgreSQL connection is not encrypted: add sslmode=require to --db (and --db-ca \
             when the database's certificate is not from a system-trusted CA)"
        );
    }
    let pool = pool::Pool::new(config, tls, pool_size);
    let node = {
        let mut c = pool.get()?;
        migrate_pg::migrate(c.connection())?;
        server_node(&pg::PgSql::new(c.connection()))?
    };
    Ok(Db(Arc::new((
        Backend::Postgres(Box::new(pool)),
        Clock::new(node),
    ))))
}

/// The node id of the center's HLC, made once and kept, so center writes tie-break stably
/// (replicas on one PostgreSQL database share it).
fn server_node(conn: &dyn Sql) -> DbResult<Id> {
    let id = Id::from_parts(crate::util::now_ms(), crate::util::random_bytes::<10>());
    conn.exec(
        "INSERT INTO meta(key, value) VALUES ('node', ?1) ON CONFLICT(key) DO NOTHING",
        args![id.to_string()],
    )?;
    let kept = conn
        .query_one("SELECT value FROM meta WHERE key = 'node'", &[])?
        .str(0)?;
    kept.parse::<Id>()
        .map_err(|e| DbError::Other(format!("meta node {kept:?}: {e}")))
}

impl Db {
    /// Runs `f` on the blocking pool with a connection: SQLite's writer (locked), or one from
    /// the PostgreSQL pool.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store<'_>) -> ApiResult<T> + Send + 'static,
    {
        self.on(Use::Write, f).await
    }

    /// Like `run` for work that only reads: on SQLite one of the read-only connections, which
    /// see the last commit without waiting for the writer. A write there fails.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store<'_>) -> ApiResult<T> + Send + 'static,
    {
        self.on(Use::Read, f).await
    }

    async fn on<T, F>(&self, usage: Use, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store<'_>) -> ApiResult<T> + Send + 'static,
    {
        let inner = self.0.clone();
        let permit = match &self.0.0 {
            Backend::Postgres(pool) => Some(
                pool.permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(ApiError::internal)?,
            ),
            Backend::Sqlite(_) => None,
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let (backend, clock) = &*inner;
            match backend {
                Backend::Sqlite(c) => {
                    let m = match usage {
                        Use::Write => &c.writer,
                        Use::Read => {
                            &c.readers[c.next.fetch_add(1, Ordering::Relaxed) % c.readers.len()]
                        }
                    };
                    // A panic while holding the lock poisons it; the SQLite transaction rolled
                    // back on drop, so the store itself is consistent and we keep serving.
                    let mut guard = m.lock().unwrap_or_else(|p| p.into_inner());
                    f(&mut Store {
                        conn: Conn::Sqlite(&mut guard),
                        clock,
                    })
                }
                Backend::Postgres(pool) => {
                    let mut pooled = pool.get()?;
                    f(&mut Store {
                        conn: Conn::Postgres(pg::PgSql::new(pooled.connection())),
                        clock,
                    })
                }
            }
        })
        .await
        .map_err(ApiError::internal)?
    }
}
