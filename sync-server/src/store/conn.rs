//! A connection of either backend, and the transactions it opens.

use super::pg::PgSql;
use super::sql::{DbResult, Dialect, Row, Sql, Value};

/// The connection a `Db::run` closure works on.
#[derive(Debug)]
pub enum Conn<'a> {
    Sqlite(&'a mut rusqlite::Connection),
    Postgres(PgSql<'a>),
}

/// An open transaction: rolled back on drop unless committed.
#[derive(Debug)]
pub enum Tx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres(PgSql<'a>),
}

impl Conn<'_> {
    fn sql(&self) -> &dyn Sql {
        match self {
            Conn::Sqlite(c) => &**c,
            Conn::Postgres(c) => c,
        }
    }

    /// A read-write transaction (READ COMMITTED on PostgreSQL; writers that must not interleave
    /// take row locks, see `devices::lock` and `changes::lock_center_writes`).
    pub fn transaction(&mut self) -> DbResult<Tx<'_>> {
        Ok(match self {
            Conn::Sqlite(c) => Tx::Sqlite(c.transaction()?),
            Conn::Postgres(c) => Tx::Postgres(PgSql::begin(c.connection(), "BEGIN")),
        })
    }

    /// A read-only transaction whose statements all see one snapshot (a pull reads its page
    /// and the log head from the same moment).
    pub fn snapshot(&mut self) -> DbResult<Tx<'_>> {
        Ok(match self {
            Conn::Sqlite(c) => Tx::Sqlite(c.transaction()?),
            Conn::Postgres(c) => Tx::Postgres(PgSql::begin(
                c.connection(),
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            )),
        })
    }
}

impl Tx<'_> {
    fn sql(&self) -> &dyn Sql {
        match self {
            Tx::Sqlite(t) => t,
            Tx::Postgres(t) => t,
        }
    }

    pub fn commit(self) -> DbResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit()?,
            Tx::Postgres(t) => t.commit()?,
        }
        Ok(())
    }
}

macro_rules! delegate_sql {
    ($t:ty) => {
        impl Sql for $t {
            fn dialect(&self) -> Dialect {
                self.sql().dialect()
            }

            fn exec(&self, sql: &str, params: &[Value]) -> DbResult<u64> {
                self.sql().exec(sql, params)
            }

            fn query(&self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
                self.sql().query(sql, params)
            }

            fn exec_later(&self, sql: &str, params: &[Value]) -> DbResult<()> {
                self.sql().exec_later(sql, params)
            }

            fn flush(&self) -> DbResult<()> {
                self.sql().flush()
            }

            fn at_commit(&self, sql: &'static str, on: bool) -> DbResult<()> {
                self.sql().at_commit(sql, on)
            }
        }
    };
}

delegate_sql!(Conn<'_>);
delegate_sql!(Tx<'_>);
