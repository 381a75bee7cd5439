//! Shared fields (written by devices and the center): each with the version, HLC and origin of
//! its last write, which is what the merge rule compares.

use serde_json::Value;

use super::sql::{DbResult, Row, Sql, args};

#[derive(Debug, Clone)]
pub struct FieldState {
    pub value: Value,
    pub version: i64,
    pub hlc: String,
    pub origin: String,
}

pub fn get(conn: &dyn Sql, entity: &str, id: &str, field: &str) -> DbResult<Option<FieldState>> {
    conn.query_opt(
        "SELECT value, version, hlc, origin FROM fields WHERE entity = ?1 AND id = ?2 AND field = ?3",
        args![entity, id, field],
    )?
    .map(|r| state_at(&r, 0))
    .transpose()
    .map(Option::flatten)
}

/// The state in columns `at..at + 4` of `r` (value, version, hlc, origin), `None` where the
/// value is NULL (an outer join that found no field).
pub fn state_at(r: &Row, at: usize) -> DbResult<Option<FieldState>> {
    let Some(value) = r.opt_str(at)? else {
        return Ok(None);
    };
    Ok(Some(FieldState {
        value: serde_json::from_str(&value).unwrap_or(Value::Null),
        version: r.i64(at + 1)?,
        hlc: r.str(at + 2)?,
        origin: r.str(at + 3)?,
    }))
}

pub fn set(conn: &dyn Sql, entity: &str, id: &str, field: &str, s: &FieldState) -> DbResult<()> {
    conn.exec_later(
        "INSERT INTO fields(entity, id, field, value, version, hlc, origin) VALUES (?1,?2,?3,?4,?5,?6,?7)
         ON CONFLICT(entity, id, field) DO UPDATE SET value = excluded.value,
           version = excluded.version, hlc = excluded.hlc, origin = excluded.origin",
        args![entity, id, field, s.value.to_string(), s.version, &s.hlc, &s.origin],
    )?;
    Ok(())
}
