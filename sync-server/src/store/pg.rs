//! The PostgreSQL side of `Sql`, on the synchronous `postgres` crate.
//!
//! Why the synchronous wrapper and not tokio-postgres directly: every store function already
//! runs on tokio's blocking pool through `Db::run` and is written once against the synchronous
//! `Sql` trait that rusqlite also implements. `postgres` *is* tokio-postgres, driven by a small
//! current-thread runtime per client; using it from `spawn_blocking` keeps one code path for both
//! backends instead of an async trait (rusqlite is not async) or `block_on` sprinkled through
//! the store.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::sql::{DbError, DbResult, Dialect, Row, Sql, Value, to_dollar};

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
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn row(r: &postgres::Row) -> DbResult<Row> {
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let bad = |e: postgres::Error| DbError::Postgres(e);
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

/// Statements a connection has prepared, by SQL text. A statement given as text costs two round
/// trips (prepare, then execute); a prepared one, one. The store's SQL is a fixed set, so the
/// cache stays small; it is kept per pooled connection (statements belong to a session, and
/// survive the rollback of the transaction that prepared them).
pub type Statements = HashMap<String, postgres::Statement>;

/// More distinct statements than the store has means something builds SQL dynamically: start
/// over rather than grow without bound.
const MAX_STATEMENTS: usize = 512;

/// What `PgSql` runs statements on: a pooled client or a transaction on one.
pub trait PgClient {
    fn run_prepare(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error>;
    fn run_execute(
        &mut self,
        st: &postgres::Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error>;
    fn run_query(
        &mut self,
        st: &postgres::Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, postgres::Error>;
}

/// The same three calls exist on a client and on a transaction.
macro_rules! pg_client {
    ($t:ty) => {
        impl PgClient for $t {
            fn run_prepare(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
                self.prepare(sql)
            }

            fn run_execute(
                &mut self,
                st: &postgres::Statement,
                p: &[&(dyn ToSql + Sync)],
            ) -> Result<u64, postgres::Error> {
                self.execute(st, p)
            }

            fn run_query(
                &mut self,
                st: &postgres::Statement,
                p: &[&(dyn ToSql + Sync)],
            ) -> Result<Vec<postgres::Row>, postgres::Error> {
                self.query(st, p)
            }
        }
    };
}

pg_client!(&mut postgres::Client);
pg_client!(postgres::Transaction<'_>);

/// A PostgreSQL client or transaction behind `&self` (the store's functions share one handle the
/// way rusqlite's `&Connection` does), with its connection's prepared statements.
pub struct PgSql<'s, C> {
    client: RefCell<C>,
    statements: RefCell<&'s mut Statements>,
}

impl<C> std::fmt::Debug for PgSql<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgSql")
    }
}

impl<'s, C: PgClient> PgSql<'s, C> {
    pub fn new(client: C, statements: &'s mut Statements) -> Self {
        PgSql {
            client: RefCell::new(client),
            statements: RefCell::new(statements),
        }
    }

    /// The client (or transaction) and the statement cache, to open a transaction on.
    pub fn parts(&mut self) -> (&mut C, &mut Statements) {
        (self.client.get_mut(), self.statements.get_mut())
    }

    pub fn into_client(self) -> C {
        self.client.into_inner()
    }

    /// The prepared statement for `sql` (already in `$n` form), preparing it the first time.
    fn statement(&self, sql: String) -> DbResult<postgres::Statement> {
        if let Some(st) = self.statements.borrow().get(&sql) {
            return Ok(st.clone());
        }
        let st = self.client.borrow_mut().run_prepare(&sql)?;
        let mut cache = self.statements.borrow_mut();
        if cache.len() >= MAX_STATEMENTS {
            cache.clear();
        }
        cache.insert(sql, st.clone());
        Ok(st)
    }
}

impl<C: PgClient> Sql for PgSql<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&self, sql: &str, params: &[Value]) -> DbResult<u64> {
        let st = self.statement(to_dollar(sql))?;
        let p: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        Ok(self.client.borrow_mut().run_execute(&st, &p)?)
    }

    fn query(&self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        let st = self.statement(to_dollar(sql))?;
        let p: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        let rows = self.client.borrow_mut().run_query(&st, &p)?;
        rows.iter().map(row).collect()
    }
}
