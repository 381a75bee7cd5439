//! One PostgreSQL connection, driven synchronously, that can have several requests in flight.
//!
//! This is what the `postgres` crate does (tokio-postgres's client with its connection polled on
//! a small current-thread runtime, from a blocking thread), with one thing that crate does not
//! offer: **pipelining**. Requests given to [`PgConnection::pipeline`] are all written before the
//! first answer is awaited, so a transaction's writes whose results nobody reads, its `BEGIN` and
//! its `COMMIT` share round trips with the next statement that is read. On the sync bench a push
//! made about two dozen round trips; each costs both processes a wakeup and a few syscalls on
//! the center's cores.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement};

use super::pg_tls::PgTls;
use super::sql::{DbError, DbResult, Value, to_dollar};

/// Statements a connection has prepared, by SQL text. A statement given as text costs two round
/// trips (prepare, then execute); a prepared one, one. Kept per connection: statements belong
/// to a session, and survive the rollback of the transaction that prepared them.
pub type Statements = std::collections::HashMap<String, Statement>;

/// One request of a pipeline.
#[derive(Debug, Clone)]
pub enum Request {
    /// Statements without parameters in the simple protocol (`BEGIN`, `COMMIT`, a migration).
    Simple(Cow<'static, str>),
    /// A write: answers its row count.
    Exec(Statement, Vec<Value>),
    /// A read: answers its rows.
    Query(Statement, Vec<Value>),
}

/// What one request answered.
#[derive(Debug)]
pub enum Reply {
    Done,
    Count(u64),
    Rows(Vec<Row>),
}

type Driver = Pin<Box<dyn Future<Output = Result<(), tokio_postgres::Error>> + Send>>;
type Pending<'a> = Pin<Box<dyn Future<Output = Result<Reply, tokio_postgres::Error>> + 'a>>;

pub struct PgConnection {
    runtime: tokio::runtime::Runtime,
    /// `None` only while dropping (the session is ended first, see `Drop`).
    client: Option<Client>,
    /// The connection's I/O task, polled whenever we wait on the client; `None` once it ended
    /// (the server closed the connection or it broke).
    driver: Option<Driver>,
    pub statements: Statements,
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgConnection")
    }
}

impl PgConnection {
    pub fn connect(config: &tokio_postgres::Config, tls: &PgTls) -> DbResult<PgConnection> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DbError::Other(format!("postgres runtime: {e}")))?;
        let (client, driver): (Client, Driver) = match tls {
            PgTls::Plain => {
                let (client, connection) = runtime.block_on(config.connect(NoTls))?;
                (client, Box::pin(connection))
            }
            PgTls::Verified(connector) => {
                let (client, connection) = runtime.block_on(config.connect(connector.clone()))?;
                (client, Box::pin(connection))
            }
        };
        Ok(PgConnection {
            runtime,
            client: Some(client),
            driver: Some(driver),
            statements: Statements::new(),
        })
    }

    pub fn is_closed(&self) -> bool {
        self.driver.is_none() || self.client.as_ref().is_none_or(Client::is_closed)
    }

    /// Runs `f` on the client to completion, driving the connection meanwhile.
    fn block_on<'a, T>(
        runtime: &tokio::runtime::Runtime,
        driver: &mut Option<Driver>,
        mut f: Pin<Box<dyn Future<Output = DbResult<T>> + 'a>>,
    ) -> DbResult<T> {
        runtime.block_on(std::future::poll_fn(|cx| {
            if let Some(d) = driver.as_mut()
                && let Poll::Ready(end) = d.as_mut().poll(cx)
            {
                *driver = None;
                if let Err(e) = end {
                    return Poll::Ready(Err(e.into()));
                }
            }
            match f.as_mut().poll(cx) {
                Poll::Ready(r) => Poll::Ready(r),
                // Nothing can answer once the connection is gone.
                Poll::Pending if driver.is_none() => {
                    Poll::Ready(Err(DbError::Other("the database connection closed".into())))
                }
                Poll::Pending => Poll::Pending,
            }
        }))
    }

    /// The prepared statement for `sql` (the store's `?n` form), preparing it the first time.
    /// Kept under the text as the store writes it, so a statement used again is a lookup,
    /// not a rewrite to `$n` first.
    pub fn statement(&mut self, sql: &str) -> DbResult<Statement> {
        /// More distinct statements than the store has means something builds SQL dynamically:
        /// start over rather than grow without bound.
        const MAX_STATEMENTS: usize = 512;
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let client = self.client.as_ref().expect("present until drop");
        let text = to_dollar(sql);
        let st = Self::block_on(
            &self.runtime,
            &mut self.driver,
            Box::pin(async move { Ok(client.prepare(&text).await?) }),
        )?;
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Sends every request before waiting for any answer, in order, and answers each one's
    /// reply or error, in order. The server runs them in that order; inside a transaction a
    /// failed one makes every later one fail too (and a `COMMIT` after it roll back), so callers
    /// treat the first error as the answer.
    ///
    /// A request that fails before it is sent (a parameter that does not fit its column's type)
    /// stops the pipeline there: the requests after it are not sent at all, so a `COMMIT` queued
    /// behind a write that never reached the server cannot commit without it.
    pub fn pipeline(&mut self, requests: &[Request]) -> Vec<DbResult<Reply>> {
        let client = self.client.as_ref().expect("present until drop");
        let mut pending: Vec<Pending<'_>> = requests.iter().map(|r| send(client, r)).collect();
        let n = pending.len();
        let mut answers: Vec<Option<DbResult<Reply>>> = (0..n).map(|_| None).collect();
        let mut sent = 0;
        let all = std::future::poll_fn(|cx| {
            // tokio-postgres writes a request when its future is first polled: polling in
            // order, each once before any is awaited, keeps the order and fills one write.
            while sent < n {
                match pending[sent].as_mut().poll(cx) {
                    Poll::Ready(Err(e)) => {
                        answers[sent] = Some(Err(e.into()));
                        for a in answers.iter_mut().skip(sent + 1) {
                            *a = Some(Err(DbError::Other(
                                "not sent: an earlier request of its pipeline failed".into(),
                            )));
                        }
                        // The ones already sent are still awaited below.
                        sent = n;
                        break;
                    }
                    Poll::Ready(r) => answers[sent] = Some(r.map_err(Into::into)),
                    Poll::Pending => {}
                }
                sent += 1;
            }
            let mut waiting = false;
            for (i, f) in pending.iter_mut().enumerate() {
                if answers[i].is_none() {
                    match f.as_mut().poll(cx) {
                        Poll::Ready(r) => answers[i] = Some(r.map_err(Into::into)),
                        Poll::Pending => waiting = true,
                    }
                }
            }
            if waiting {
                Poll::Pending
            } else {
                Poll::Ready(Ok(()))
            }
        });
        let done = Self::block_on(&self.runtime, &mut self.driver, Box::pin(all));
        drop(pending);
        answers
            .into_iter()
            .map(|a| match (a, &done) {
                (Some(a), _) => a,
                (None, Err(e)) => Err(DbError::Other(format!("no answer: {e}"))),
                (None, Ok(())) => Err(DbError::Other("no answer".into())),
            })
            .collect()
    }
}

/// The future that sends `r` on its first poll and resolves to its reply.
fn send<'a>(client: &'a Client, r: &'a Request) -> Pending<'a> {
    match r {
        Request::Simple(sql) => Box::pin(async move {
            client.batch_execute(sql).await?;
            Ok(Reply::Done)
        }),
        Request::Exec(st, params) => Box::pin(async move {
            let p: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
            Ok(Reply::Count(client.execute(st, &p).await?))
        }),
        Request::Query(st, params) => Box::pin(async move {
            let p: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
            Ok(Reply::Rows(client.query(st, &p).await?))
        }),
    }
}

impl Drop for PgConnection {
    /// Dropping the client asks the connection to end the session (Terminate); the driver is
    /// then run until it has, as the `postgres` crate does, instead of leaving the server to
    /// find a dead socket. Never drop one on an async worker: blocking on a runtime there
    /// panics (the pool closes its idle connections on a plain thread).
    fn drop(&mut self) {
        self.statements.clear();
        drop(self.client.take());
        if let Some(d) = self.driver.take() {
            let _ = self.runtime.block_on(d);
        }
    }
}
