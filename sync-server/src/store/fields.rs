//! Shared fields (written by devices and the center): each with the version, HLC and origin of
//! its last write, which is what the merge rule compares.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct FieldState {
    pub value: Value,
    pub version: i64,
    pub hlc: String,
    pub origin: String,
}

pub fn get(
    conn: &Connection,
    entity: &str,
    id: &str,
    field: &str,
) -> rusqlite::Result<Option<FieldState>> {
    conn.query_row(
        "SELECT value, version, hlc, origin FROM fields WHERE entity = ?1 AND id = ?2 AND field = ?3",
        params![entity, id, field],
        |r| {
            let v: String = r.get(0)?;
            Ok(FieldState {
                value: serde_json::from_str(&v).unwrap_or(Value::Null),
                version: r.get(1)?,
                hlc: r.get(2)?,
                origin: r.get(3)?,
            })
        },
    )
    .optional()
}

pub fn set(
    conn: &Connection,
    entity: &str,
    id: &str,
    field: &str,
    s: &FieldState,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO fields(entity, id, field, value, version, hlc, origin) VALUES (?1,?2,?3,?4,?5,?6,?7)
         ON CONFLICT(entity, id, field) DO UPDATE SET value = excluded.value,
           version = excluded.version, hlc = excluded.hlc, origin = excluded.origin",
        params![entity, id, field, s.value.to_string(), s.version, s.hlc, s.origin],
    )?;
    Ok(())
}
