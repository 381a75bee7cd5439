//! Conflict records: the losing (or refused) value of a shared-field write, kept for center staff.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// One side of a conflict.
#[derive(Debug, Clone)]
pub struct Side {
    pub value: Value,
    pub hlc: String,
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct NewConflict<'a> {
    pub id: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub field: &'a str,
    pub reason: &'a str,
    pub device_id: Option<&'a str>,
    pub op_id: Option<&'a str>,
    /// The value that stands.
    pub kept: Side,
    /// The value that did not.
    pub other: Side,
}

pub fn insert(conn: &Connection, c: &NewConflict<'_>, now_ms: u64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO conflicts(id, entity, entity_id, field, reason, device_id, op_id,
            kept_value, kept_hlc, kept_origin, other_value, other_hlc, other_origin, created_at_ms)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
        params![
            c.id,
            c.entity,
            c.entity_id,
            c.field,
            c.reason,
            c.device_id,
            c.op_id,
            c.kept.value.to_string(),
            c.kept.hlc,
            c.kept.origin,
            c.other.value.to_string(),
            c.other.hlc,
            c.other.origin,
            now_ms as i64
        ],
    )?;
    Ok(())
}

const COLS: &str = "id, entity, entity_id, field, reason, device_id, op_id, kept_value, kept_hlc,
    kept_origin, other_value, other_hlc, other_origin, created_at_ms, resolution, note, resolved_by,
    resolved_at_ms";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let parse = |s: String| serde_json::from_str::<Value>(&s).unwrap_or(Value::Null);
    Ok(json!({
        "id": r.get::<_, String>(0)?,
        "entity": r.get::<_, String>(1)?,
        "entity_id": r.get::<_, String>(2)?,
        "field": r.get::<_, String>(3)?,
        "reason": r.get::<_, String>(4)?,
        "device_id": r.get::<_, Option<String>>(5)?,
        "op_id": r.get::<_, Option<String>>(6)?,
        "kept": {"value": parse(r.get(7)?), "hlc": r.get::<_, String>(8)?, "origin": r.get::<_, String>(9)?},
        "other": {"value": parse(r.get(10)?), "hlc": r.get::<_, String>(11)?, "origin": r.get::<_, String>(12)?},
        "created_at_ms": r.get::<_, i64>(13)?,
        "resolution": r.get::<_, Option<String>>(14)?,
        "note": r.get::<_, Option<String>>(15)?,
        "resolved_by": r.get::<_, Option<String>>(16)?,
        "resolved_at_ms": r.get::<_, Option<i64>>(17)?,
    }))
}

pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Value>> {
    conn.query_row(
        &format!("SELECT {COLS} FROM conflicts WHERE id = ?1"),
        [id],
        row,
    )
    .optional()
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Value>> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLS} FROM conflicts ORDER BY created_at_ms DESC, id DESC LIMIT 1000"
    ))?;
    let rows = st.query_map([], row)?;
    rows.collect()
}

pub fn resolve(
    conn: &Connection,
    id: &str,
    resolution: &str,
    note: &str,
    by: &str,
    now_ms: u64,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE conflicts SET resolution = ?2, note = ?3, resolved_by = ?4, resolved_at_ms = ?5
         WHERE id = ?1 AND resolution IS NULL",
        params![id, resolution, note, by, now_ms as i64],
    )?;
    Ok(n == 1)
}
