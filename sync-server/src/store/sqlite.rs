//! The SQLite side of `Sql`: rusqlite with `?N` parameters as written.

use rusqlite::types::ValueRef;

use super::sql::{DbError, DbResult, Dialect, Row, Sql, Value};

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as V};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => V::Null,
            Value::Int(i) => V::Integer(*i),
            Value::Text(s) => V::Text(s.as_bytes()),
            Value::Texts(_) | Value::Ints(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "array parameters are for PostgreSQL only".into(),
                ));
            }
        }))
    }
}

fn row(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(match r.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Real(_) | ValueRef::Blob(_) => {
                return Err(rusqlite::Error::InvalidColumnType(
                    i,
                    "real or blob".into(),
                    r.get_ref(i)?.data_type(),
                ));
            }
        });
    }
    Ok(Row(out))
}

impl Sql for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&self, sql: &str, params: &[Value]) -> DbResult<u64> {
        let mut st = self.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn query(&self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        let mut st = self.prepare_cached(sql)?;
        let n = st.column_count();
        let rows = st.query_map(rusqlite::params_from_iter(params), |r| row(r, n))?;
        rows.collect::<rusqlite::Result<_>>().map_err(DbError::from)
    }
}

impl Sql for rusqlite::Transaction<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&self, sql: &str, params: &[Value]) -> DbResult<u64> {
        (**self).exec(sql, params)
    }

    fn query(&self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        (**self).query(sql, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_parameter_is_refused_not_stored() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t(v TEXT)").unwrap();
        for v in [
            Value::Ints(vec![1, 2]),
            Value::Texts(vec![Some("a".into())]),
        ] {
            let e = conn.exec("INSERT INTO t(v) VALUES (?1)", &[v]).unwrap_err();
            assert!(e.to_string().contains("PostgreSQL only"), "{e}");
        }
        let n = Sql::query_one(&conn, "SELECT count(*) FROM t", &[]).unwrap();
        assert_eq!(n.i64(0).unwrap(), 0);
    }
}
