//! Reference data the center sends down: enterprises, officers, tasks (stored whole, as the
//! device's reference shape).

use serde_json::Value;

use super::fields::{self, FieldState};
use super::sql::{DbResult, Dialect, Row, Sql, Value as SqlValue, args, lock_in_order};

pub fn put_enterprise(conn: &dyn Sql, id: &str, area: &str, value: &Value) -> DbResult<()> {
    conn.exec(
        "INSERT INTO enterprises(id, area, value) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET area = excluded.area, value = excluded.value",
        args![id, area, value.to_string()],
    )?;
    Ok(())
}

/// Stores a roster entry, with its credential number (what revocations name) beside it.
pub fn put_officer(conn: &dyn Sql, id: &str, areas: &[String], value: &Value) -> DbResult<()> {
    let number = value.pointer("/credential/number").and_then(Value::as_str);
    conn.exec(
        "INSERT INTO officers(id, areas, value, credential_number) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET areas = excluded.areas, value = excluded.value,
           credential_number = excluded.credential_number",
        args![
            id,
            serde_json::to_string(areas).unwrap_or_default(),
            value.to_string(),
            number
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

fn task_row(r: &Row) -> DbResult<TaskRow> {
    Ok(TaskRow {
        team: r.str(0)?,
        value: serde_json::from_str(&r.str(1)?).unwrap_or(Value::Null),
    })
}

pub fn task(conn: &dyn Sql, id: &str) -> DbResult<Option<TaskRow>> {
    conn.query_opt("SELECT team, value FROM tasks WHERE id = ?1", args![id])?
        .as_ref()
        .map(task_row)
        .transpose()
}

/// The task, its row locked until the transaction ends: every writer of a task's shared fields
/// (a push's status write, a center edit, a conflict resolution) reads it this way before it
/// reads the field, so two of them never both find the value they had seen and both write (on
/// PostgreSQL the later overwrote the earlier with no conflict record). SQLite's single writer
/// already runs them one after another.
pub fn task_for_update(conn: &dyn Sql, id: &str) -> DbResult<Option<TaskRow>> {
    if conn.dialect() == Dialect::Sqlite {
        return task(conn, id);
    }
    conn.query_opt(
        "SELECT team, value FROM tasks WHERE id = ?1 FOR UPDATE",
        args![id],
    )?
    .as_ref()
    .map(task_row)
    .transpose()
}

/// Locks the tasks `ids` (those that exist) until the transaction ends, in id order: a
/// transaction that writes the shared fields of several tasks takes them all first. Locks are
/// always taken devices first (`devices::lock_all`), then tasks, then the change counter at the
/// commit (`changes::seal`).
pub fn lock_tasks(conn: &dyn Sql, ids: &[impl AsRef<str>]) -> DbResult<()> {
    lock_in_order(conn, "tasks", "id", ids)
}

/// Locks the tasks `ids` as `lock_tasks` does and answers those that exist, each with its shared
/// `field` (a push writes the status) as it stands once they are locked: a group commit reads
/// them once for all its pushes. PostgreSQL only: the ids go as one array parameter.
pub fn lock_tasks_with_field(
    conn: &dyn Sql,
    ids: &[impl AsRef<str>],
    field: &str,
) -> DbResult<Vec<(String, TaskRow, Option<FieldState>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The lock first; the read after it goes in the same round trip and takes its snapshot once
    // the locks are held, so it sees whatever the transactions it waited for committed. (One
    // statement joining the fields under FOR UPDATE would read the tasks' rows as locked but
    // their fields as they were before the wait.)
    lock_tasks(conn, ids)?;
    let ids = SqlValue::Texts(ids.iter().map(|k| Some(k.as_ref().to_string())).collect());
    conn.query(
        "SELECT t.team, t.value, t.id, f.value, f.version, f.hlc, f.origin
         FROM tasks t LEFT JOIN fields f
           ON f.entity = 'task' AND f.id = t.id AND f.field = ?2
         WHERE t.id = ANY(?1::text[])",
        &[ids, SqlValue::from(field)],
    )?
    .iter()
    .map(|r| Ok((r.str(2)?, task_row(r)?, fields::state_at(r, 3)?)))
    .collect()
}

pub fn put_task(conn: &dyn Sql, id: &str, team: &str, value: &Value) -> DbResult<()> {
    conn.exec(
        "INSERT INTO tasks(id, team, value, created_at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET team = excluded.team, value = excluded.value",
        args![id, team, value.to_string(), crate::util::now_ms()],
    )?;
    Ok(())
}

/// Marks a task as made by a double-random draw.
pub fn set_task_draw(conn: &dyn Sql, id: &str, draw_id: &str) -> DbResult<()> {
    conn.exec(
        "UPDATE tasks SET draw_id = ?2 WHERE id = ?1",
        args![id, draw_id],
    )?;
    Ok(())
}

pub fn officer_name(conn: &dyn Sql, id: &str) -> DbResult<Option<String>> {
    let v = conn
        .query_opt("SELECT value FROM officers WHERE id = ?1", args![id])?
        .map(|r| r.str(0))
        .transpose()?;
    Ok(v.and_then(|v| serde_json::from_str::<Value>(&v).ok())
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string)))
}

/// The enterprise's record as imported (the device's shape).
pub fn enterprise(conn: &dyn Sql, id: &str) -> DbResult<Option<Value>> {
    let v = conn
        .query_opt("SELECT value FROM enterprises WHERE id = ?1", args![id])?
        .map(|r| r.str(0))
        .transpose()?;
    Ok(v.and_then(|v| serde_json::from_str::<Value>(&v).ok()))
}

/// Every officer id on the center's roster.
pub fn officer_ids(conn: &dyn Sql) -> DbResult<std::collections::BTreeSet<String>> {
    conn.query("SELECT id FROM officers", &[])?
        .iter()
        .map(|r| r.str(0))
        .collect()
}

/// Officers' names looked up once each across a list (a page of cases or tasks names the same
/// few officers again and again).
#[derive(Debug, Default)]
pub struct OfficerNames(std::collections::BTreeMap<String, Option<String>>);

impl OfficerNames {
    /// `[{"id", "name"}]` for `ids`, in order (`name` null for an id not on the roster).
    pub fn named<'a>(
        &mut self,
        conn: &dyn Sql,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> DbResult<Vec<Value>> {
        let mut out = Vec::new();
        for id in ids {
            if !self.0.contains_key(id) {
                self.0.insert(id.to_string(), officer_name(conn, id)?);
            }
            out.push(serde_json::json!({"id": id, "name": self.0[id]}));
        }
        Ok(out)
    }
}
