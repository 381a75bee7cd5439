//! The PostgreSQL side of `Sql`, on one [`PgConnection`] (tokio-postgres driven synchronously).
//!
//! Why synchronous: every store function already runs on tokio's blocking pool through
//! `Db::run` and is written once against the synchronous `Sql` trait that rusqlite also
//! implements; one code path for both backends instead of an async trait (rusqlite is not
//! async) or `block_on` sprinkled through the store.
//!
//! Inside a transaction, what needs no answer waits and goes out with the next statement that
//! does (pipelined, `pg_conn`): the `BEGIN`, every `exec_later`, and the writes before `COMMIT`
//! go with the `COMMIT`. Outside one, every statement runs at once.

use std::cell::{Cell, RefCell};
use std::error::Error;

use bytes::BytesMut;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::pg_conn::{PgConnection, Reply, Request};
use super::sql::{DbError, DbResult, Dialect, Row, Sql, Value};

impl ToSql for Value {
    /// Converts to whatever the server inferred for the parameter, so one `Value::Int` serves a
    /// BIGINT, INTEGER or BOOLEAN column alike.
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("integer parameter for a {ty} column").into()),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Texts(v) => v.to_sql(ty, out),
            Value::Ints(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn row(r: &tokio_postgres::Row) -> DbResult<Row> {
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let bad = |e: tokio_postgres::Error| DbError::Postgres(e);
        let v = match *col.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i).map_err(bad)?.map(Value::Int),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)
                .map_err(bad)?
                .map(|v| Value::Int(v.into())),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)
                .map_err(bad)?
                .map(|v| Value::Int(v.into())),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)
                .map_err(bad)?
                .map(|v| Value::Int(v.into())),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => r
                .try_get::<_, Option<String>>(i)
                .map_err(bad)?
                .map(Value::Text),
            ref other => return Err(DbError::Decode(i, format!("unsupported type {other}"))),
        };
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}

/// Whether statements run in a transaction of ours, and how far it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Each statement commits on its own.
    Autocommit,
    /// `BEGIN` is queued or sent; not yet committed or rolled back.
    Open { began: bool },
    /// Committed or rolled back.
    Done,
}

/// A PostgreSQL connection or an open transaction on one, behind `&self` (the store's functions
/// share one handle the way rusqlite's `&Connection` does).
pub struct PgSql<'c> {
    conn: RefCell<&'c mut PgConnection>,
    mode: Cell<Mode>,
    /// Requests not sent yet (inside a transaction only).
    queued: RefCell<Vec<Request>>,
    /// Statements that go last before the `COMMIT` (`Sql::at_commit`).
    at_commit: RefCell<Vec<&'static str>>,
}

impl std::fmt::Debug for PgSql<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgSql")
    }
}

impl<'c> PgSql<'c> {
    /// Statements on `conn`, each committing on its own.
    pub fn new(conn: &'c mut PgConnection) -> Self {
        PgSql {
            conn: RefCell::new(conn),
            mode: Cell::new(Mode::Autocommit),
            queued: RefCell::default(),
            at_commit: RefCell::default(),
        }
    }

    /// A transaction on `conn`, begun by `begin` (`BEGIN` with its isolation and access mode).
    /// Nothing is sent yet: the `BEGIN` goes with the first statement that needs an answer.
    pub fn begin(conn: &'c mut PgConnection, begin: &'static str) -> Self {
        PgSql {
            conn: RefCell::new(conn),
            mode: Cell::new(Mode::Open { began: false }),
            queued: RefCell::new(vec![Request::Simple(begin.into())]),
            at_commit: RefCell::default(),
        }
    }

    /// The connection, to open a transaction on (autocommit handles only).
    pub fn connection(&mut self) -> &mut PgConnection {
        self.conn.get_mut()
    }

    fn prepare(&self, sql: &str) -> DbResult<tokio_postgres::Statement> {
        self.conn.borrow_mut().statement(sql)
    }

    /// Sends what is queued and then `requests`, in one round trip, and answers the replies to
    /// `requests`; the first error of any of them is the answer (inside a transaction a failed
    /// write fails everything after it).
    fn send_all(&self, requests: Vec<Request>) -> DbResult<Vec<Reply>> {
        let mut all = std::mem::take(&mut *self.queued.borrow_mut());
        let queued = all.len();
        all.extend(requests);
        if let Mode::Open { began: false } = self.mode.get() {
            // The queue starts with the `BEGIN`: it is on its way now.
            self.mode.set(Mode::Open { began: true });
        }
        let replies = self.conn.borrow_mut().pipeline(&all);
        let mut answers = Vec::with_capacity(replies.len() - queued);
        for (i, r) in replies.into_iter().enumerate() {
            let r = r?;
            if i >= queued {
                answers.push(r);
            }
        }
        Ok(answers)
    }

    /// `send_all` of one request.
    fn send(&self, request: Request) -> DbResult<Reply> {
        Ok(self
            .send_all(vec![request])?
            .pop()
            .expect("one reply per request"))
    }

    /// Commits: the queued writes and the `COMMIT` in one round trip. Any failure among them
    /// means the transaction rolled back (PostgreSQL answers a `COMMIT` after a failed statement
    /// by rolling back).
    pub fn commit(self) -> DbResult<()> {
        let began = matches!(self.mode.get(), Mode::Open { began: true });
        let queued_only_begin = matches!(&self.queued.borrow()[..], [Request::Simple(_)]);
        if !began && queued_only_begin {
            // Nothing was ever asked of this transaction.
            self.mode.set(Mode::Done);
            return Ok(());
        }
        let mut last = Vec::new();
        for sql in std::mem::take(&mut *self.at_commit.borrow_mut()) {
            last.push(Request::Exec(self.prepare(sql)?, Vec::new()));
        }
        last.push(Request::Simple("COMMIT".into()));
        // On an error the mode stays open and the drop sends a `ROLLBACK`: needed when the
        // failure kept the `COMMIT` from being sent, harmless when the server rolled back.
        self.send_all(last)?;
        self.mode.set(Mode::Done);
        Ok(())
    }

    /// Runs statements without parameters (a migration's script), after what is queued.
    pub fn batch(&self, sql: &str) -> DbResult<()> {
        self.send(Request::Simple(sql.to_string().into())).map(drop)
    }
}

impl Drop for PgSql<'_> {
    /// An open transaction not committed rolls back, as rusqlite's does; a `BEGIN` never sent
    /// needs nothing.
    fn drop(&mut self) {
        if let Mode::Open { began: true } = self.mode.get() {
            let _ = self
                .conn
                .get_mut()
                .pipeline(&[Request::Simple("ROLLBACK".into())]);
        }
    }
}

/// The row count an `Exec` request answers.
fn count(reply: Reply) -> DbResult<u64> {
    match reply {
        Reply::Count(n) => Ok(n),
        other => Err(DbError::Other(format!("unexpected reply {other:?}"))),
    }
}

impl Sql for PgSql<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&self, sql: &str, params: &[Value]) -> DbResult<u64> {
        count(self.send(Request::Exec(self.prepare(sql)?, params.to_vec()))?)
    }

    fn query(&self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        match self.send(Request::Query(self.prepare(sql)?, params.to_vec()))? {
            Reply::Rows(rows) => rows.iter().map(row).collect(),
            other => Err(DbError::Other(format!("unexpected reply {other:?}"))),
        }
    }

    fn exec_later(&self, sql: &str, params: &[Value]) -> DbResult<()> {
        let request = Request::Exec(self.prepare(sql)?, params.to_vec());
        if let Mode::Open { .. } = self.mode.get() {
            self.queued.borrow_mut().push(request);
            Ok(())
        } else {
            self.send(request).map(drop)
        }
    }

    fn flush(&self) -> DbResult<()> {
        if self.queued.borrow().is_empty() {
            return Ok(());
        }
        self.send_all(Vec::new()).map(drop)
    }

    fn at_commit(&self, sql: &'static str, on: bool) -> DbResult<()> {
        if !matches!(self.mode.get(), Mode::Open { .. }) {
            return Err(DbError::Other(format!(
                "{sql:?} must run at a commit, and no transaction is open"
            )));
        }
        let mut all = self.at_commit.borrow_mut();
        all.retain(|s| *s != sql);
        if on {
            all.push(sql);
        }
        Ok(())
    }
}
