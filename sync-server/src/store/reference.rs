//! Reference data the center sends down: enterprises, officers, tasks (stored whole, as the
//! device's reference shape).

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

pub fn put_enterprise(
    conn: &Connection,
    id: &str,
    area: &str,
    value: &Value,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO enterprises(id, area, value) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET area = excluded.area, value = excluded.value",
        params![id, area, value.to_string()],
    )?;
    Ok(())
}

pub fn put_officer(
    conn: &Connection,
    id: &str,
    areas: &[String],
    value: &Value,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO officers(id, areas, value) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET areas = excluded.areas, value = excluded.value",
        params![
            id,
            serde_json::to_string(areas).unwrap_or_default(),
            value.to_string()
        ],
    )?;
    Ok(())
}

/// A task row: the device-shape value (without `status`) and the team it is assigned to.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub team: String,
    pub value: Value,
}

pub fn task(conn: &Connection, id: &str) -> rusqlite::Result<Option<TaskRow>> {
    conn.query_row("SELECT team, value FROM tasks WHERE id = ?1", [id], |r| {
        let v: String = r.get(1)?;
        Ok(TaskRow {
            team: r.get(0)?,
            value: serde_json::from_str(&v).unwrap_or(Value::Null),
        })
    })
    .optional()
}

pub fn put_task(conn: &Connection, id: &str, team: &str, value: &Value) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO tasks(id, team, value) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET team = excluded.team, value = excluded.value",
        params![id, team, value.to_string()],
    )?;
    Ok(())
}

pub fn enterprise_name(conn: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM enterprises WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.and_then(|v| serde_json::from_str::<Value>(&v).ok())
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string)))
}
