//! A small PostgreSQL connection pool: at most `size` clients, idle ones reused, a closed one
//! dropped and replaced. Hand-made (about fifty lines) rather than a pool crate: the store is
//! synchronous, and r2d2 or deadpool would add a dependency for what a Mutex and a Condvar do.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::pg_conn::PgConnection;
use super::pg_tls::PgTls;
use super::sql::{DbError, DbResult};

/// How long a request waits for a free connection before it fails.
const WAIT: Duration = Duration::from_secs(30);

/// A connection, with the statements prepared on it.
type Conn = PgConnection;

#[derive(Default)]
struct State {
    idle: Vec<Conn>,
    /// Clients handed out plus idle.
    open: usize,
}

pub struct Pool {
    config: tokio_postgres::Config,
    tls: PgTls,
    size: usize,
    /// One per connection, taken (asynchronously) before a blocking thread is: requests beyond
    /// the pool's size wait as tasks, not as hundreds of parked threads that each wake to find
    /// the pool still busy (200 pushes at once spent a tenth of the server's CPU switching).
    pub permits: std::sync::Arc<tokio::sync::Semaphore>,
    state: Mutex<State>,
    freed: Condvar,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("size", &self.size).finish()
    }
}

/// A checked-out client; back to the pool on drop (unless it broke or a panic unwound past it).
pub struct Pooled<'a> {
    pool: &'a Pool,
    client: Option<Conn>,
}

impl std::fmt::Debug for Pooled<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pooled")
    }
}

impl Pool {
    pub fn new(config: tokio_postgres::Config, tls: PgTls, size: usize) -> Pool {
        Pool {
            config,
            tls,
            size: size.max(1),
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(size.max(1))),
            state: Mutex::default(),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self) -> DbResult<Pooled<'_>> {
        let mut st = self.lock();
        loop {
            if let Some(c) = st.idle.pop() {
                if c.is_closed() {
                    st.open -= 1;
                    continue;
                }
                return Ok(Pooled {
                    pool: self,
                    client: Some(c),
                });
            }
            if st.open < self.size {
                st.open += 1;
                drop(st);
                return match PgConnection::connect(&self.config, &self.tls) {
                    Ok(c) => Ok(Pooled {
                        pool: self,
                        client: Some(c),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let (next, timeout) = self
                .freed
                .wait_timeout(st, WAIT)
                .unwrap_or_else(|p| p.into_inner());
            st = next;
            if timeout.timed_out() && st.idle.is_empty() && st.open >= self.size {
                return Err(DbError::Other("no free database connection".into()));
            }
        }
    }
}

impl Pooled<'_> {
    pub fn connection(&mut self) -> &mut PgConnection {
        self.client.as_mut().expect("present until drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(c) = self.client.take() else { return };
        let mut st = self.pool.lock();
        if std::thread::panicking() || c.is_closed() {
            st.open -= 1;
        } else {
            st.idle.push(c);
        }
        drop(st);
        self.pool.freed.notify_one();
    }
}

impl Drop for Pool {
    /// Closing a synchronous client blocks on its own small runtime, which panics when the last
    /// handle on the pool goes away on an async worker (an open connection's task can outlive the
    /// server's shutdown and hold the last clone of the state). The idle clients are closed on a
    /// plain thread instead.
    fn drop(&mut self) {
        let idle =
            std::mem::take(&mut self.state.get_mut().unwrap_or_else(|p| p.into_inner()).idle);
        if !idle.is_empty() {
            let _ = std::thread::Builder::new()
                .name("pg-pool-close".into())
                .spawn(move || drop(idle));
        }
    }
}
