//! The narrow interface every store function is written against, once for both backends:
//! `exec` and `query` with positional `?N` parameters (rewritten to `$N` for PostgreSQL), values
//! as a three-case `Value`, rows as `Vec<Value>`. Dialect differences that SQL text cannot hide
//! (json functions, row locks, how a change version is allocated) ask `dialect()`.

/// Which SQL the connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {}", pg_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// A column held something other than the type asked for.
    #[error("column {0}: {1}")]
    Decode(usize, String),
    #[error("{0}")]
    Other(String),
}

pub type DbResult<T> = Result<T, DbError>;

/// tokio-postgres displays a server error as just "db error": the log needs its SQLSTATE and
/// message (and the detail, which names the key of a unique violation). Other errors keep
/// their cause apart too ("error performing TLS handshake" alone does not say that the
/// certificate was refused, nor why): it is appended.
fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{} {} ({detail})", d.code().code(), d.message()),
            None => format!("{} {}", d.code().code(), d.message()),
        },
        None => {
            let mut text = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                let c_text = c.to_string();
                if !text.contains(&c_text) {
                    text = format!("{text}: {c_text}");
                }
                cause = c.source();
            }
            text
        }
    }
}

/// A parameter or column value. Integers cover SQLite's INTEGER and PostgreSQL's BIGINT/INT/BOOL;
/// JSON is stored as text in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    /// A column of many rows, as a PostgreSQL array parameter (`?N::text[]` under `unnest`):
    /// any number of rows in one statement. Parameters only, and PostgreSQL only (SQLite has no
    /// arrays and refuses it).
    Texts(Vec<Option<String>>),
    /// As `Texts`, for `?N::bigint[]`.
    Ints(Vec<i64>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u64> for Value {
    /// Millisecond clocks and byte counts: far below `i64::MAX`.
    fn from(v: u64) -> Self {
        Value::Int(v as i64)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A LIKE pattern matching `s` anywhere, with `%`, `_` and the backslash in what a clerk typed
/// matching themselves (the backslash escapes them: use it with `ESCAPE '\\'`).
pub fn like_anywhere(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Locks the rows of `table` whose `key` is one of `keys` until the transaction ends, in key
/// order whatever order `keys` come in (duplicates and keys with no row are fine). Transactions
/// that lock several rows of one table this way never each hold one while waiting for another's,
/// the deadlock PostgreSQL breaks after a second by failing one of them. SQLite's single writer
/// takes no row locks: nothing to do there. `table` and `key` are the caller's literals.
///
/// No rows are read: inside a transaction the lock goes out with the next statement that is
/// (`exec_later`), which PostgreSQL runs once the locks are held, so that statement's snapshot
/// sees what the transactions it waited for committed.
pub fn lock_in_order(
    conn: &dyn Sql,
    table: &str,
    key: &str,
    keys: &[impl AsRef<str>],
) -> DbResult<()> {
    if conn.dialect() == Dialect::Sqlite || keys.is_empty() {
        return Ok(());
    }
    let keys = Value::Texts(keys.iter().map(|k| Some(k.as_ref().to_string())).collect());
    conn.exec_later(
        &format!(
            "SELECT {key} FROM {table} WHERE {key} = ANY(?1::text[]) ORDER BY {key} FOR UPDATE"
        ),
        &[keys],
    )
}

/// Adds a parameter to a statement being built; answers its `?N` placeholder.
pub fn bind(params: &mut Vec<Value>, v: impl Into<Value>) -> String {
    params.push(v.into());
    format!("?{}", params.len())
}

/// `WHERE a AND b …` over the conditions given, or nothing when there are none.
pub fn where_all(cond: &[String]) -> String {
    if cond.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", cond.join(" AND "))
    }
}

/// The text at `key` of the JSON object kept as text in `column`, in the dialect's words.
pub fn json_text(d: Dialect, column: &str, key: &str) -> String {
    match d {
        Dialect::Sqlite => format!("json_extract({column}, '$.{key}')"),
        Dialect::Postgres => format!("({column}::jsonb ->> '{key}')"),
    }
}

/// `args![a, b, …]`: a parameter list of anything `Into<Value>`.
macro_rules! args {
    ($($v:expr),* $(,)?) => { &[$($crate::store::sql::Value::from($v)),*][..] };
}
pub(crate) use args;

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Arrays are parameters only; no backend reads one into a row.
    const ARRAY_IN_ROW: &str = "an array in a row";

    fn at(&self, i: usize) -> DbResult<&Value> {
        self.0
            .get(i)
            .ok_or_else(|| DbError::Decode(i, "no such column".into()))
    }

    pub fn opt_i64(&self, i: usize) -> DbResult<Option<i64>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            Value::Text(_) => Err(DbError::Decode(
                i,
                "text where an integer was expected".into(),
            )),
            Value::Texts(_) | Value::Ints(_) => Err(DbError::Decode(i, Self::ARRAY_IN_ROW.into())),
        }
    }

    pub fn i64(&self, i: usize) -> DbResult<i64> {
        self.opt_i64(i)?
            .ok_or_else(|| DbError::Decode(i, "null where an integer was expected".into()))
    }

    /// An integer or boolean column (SQLite has no booleans; PostgreSQL answers `IS NOT NULL`
    /// and `EXISTS` with one).
    pub fn bool(&self, i: usize) -> DbResult<bool> {
        Ok(self.i64(i)? != 0)
    }

    pub fn opt_str(&self, i: usize) -> DbResult<Option<String>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Int(_) => Err(DbError::Decode(i, "integer where text was expected".into())),
            Value::Texts(_) | Value::Ints(_) => Err(DbError::Decode(i, Self::ARRAY_IN_ROW.into())),
        }
    }

    pub fn str(&self, i: usize) -> DbResult<String> {
        self.opt_str(i)?
            .ok_or_else(|| DbError::Decode(i, "null where text was expected".into()))
    }
}

/// A connection or an open transaction of either backend.
pub trait Sql {
    fn dialect(&self) -> Dialect;
    /// Runs one statement; answers the rows changed.
    fn exec(&self, sql: &str, params: &[Value]) -> DbResult<u64>;
    fn query(&self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>>;

    /// Runs a write whose row count the caller does not need. On PostgreSQL inside a
    /// transaction it waits and is sent with the next statement that needs an answer, or with
    /// the `COMMIT` (one round trip for all); its error, if any, is that statement's or the
    /// commit's. Everywhere else it runs at once.
    fn exec_later(&self, sql: &str, params: &[Value]) -> DbResult<()> {
        self.exec(sql, params).map(drop)
    }

    /// Sends the writes still waiting (`exec_later`) and waits for their answers; the first
    /// error among them is the answer. Where nothing waits (SQLite, or nothing queued) it does
    /// nothing.
    fn flush(&self) -> DbResult<()> {
        Ok(())
    }

    /// Registers `sql` (no parameters) to run last before this transaction's `COMMIT`, in the
    /// same round trip (`on`), or withdraws it. Only PostgreSQL transactions have it: the change
    /// log numbers a transaction's changes there (`changes::seal`).
    fn at_commit(&self, sql: &'static str, on: bool) -> DbResult<()> {
        let _ = (sql, on);
        Err(DbError::Other(
            "statements at commit are for PostgreSQL transactions only".into(),
        ))
    }

    fn query_opt(&self, sql: &str, params: &[Value]) -> DbResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    fn query_one(&self, sql: &str, params: &[Value]) -> DbResult<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| DbError::Other(format!("no row from {sql}")))
    }
}

/// `?N` → `$N` (the store's SQL has no `?` inside string literals).
pub fn to_dollar(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(
            super::to_dollar("UPDATE t SET a = ?2 WHERE b = ?1 AND c = '?'"),
            "UPDATE t SET a = $2 WHERE b = $1 AND c = '?'"
        );
    }
}
