//! Conflict records: the losing (or refused) value of a shared-field write, kept for center staff.

use serde_json::{Value, json};

use super::sql::{DbResult, Row, Sql, args};

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

pub fn insert(conn: &dyn Sql, c: &NewConflict<'_>, now_ms: u64) -> DbResult<()> {
    conn.exec(
        "INSERT INTO conflicts(id, entity, entity_id, field, reason, device_id, op_id,
            kept_value, kept_hlc, kept_origin, other_value, other_hlc, other_origin, created_at_ms)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
        args![
            c.id,
            c.entity,
            c.entity_id,
            c.field,
            c.reason,
            c.device_id,
            c.op_id,
            c.kept.value.to_string(),
            &c.kept.hlc,
            &c.kept.origin,
            c.other.value.to_string(),
            &c.other.hlc,
            &c.other.origin,
            now_ms
        ],
    )?;
    Ok(())
}

const COLS: &str = "id, entity, entity_id, field, reason, device_id, op_id, kept_value, kept_hlc,
    kept_origin, other_value, other_hlc, other_origin, created_at_ms, resolution, note, resolved_by,
    resolved_at_ms";

fn row(r: &Row) -> DbResult<Value> {
    let parse = |s: String| serde_json::from_str::<Value>(&s).unwrap_or(Value::Null);
    Ok(json!({
        "id": r.str(0)?,
        "entity": r.str(1)?,
        "entity_id": r.str(2)?,
        "field": r.str(3)?,
        "reason": r.str(4)?,
        "device_id": r.opt_str(5)?,
        "op_id": r.opt_str(6)?,
        "kept": {"value": parse(r.str(7)?), "hlc": r.str(8)?, "origin": r.str(9)?},
        "other": {"value": parse(r.str(10)?), "hlc": r.str(11)?, "origin": r.str(12)?},
        "created_at_ms": r.i64(13)?,
        "resolution": r.opt_str(14)?,
        "note": r.opt_str(15)?,
        "resolved_by": r.opt_str(16)?,
        "resolved_at_ms": r.opt_i64(17)?,
    }))
}

pub fn get(conn: &dyn Sql, id: &str) -> DbResult<Option<Value>> {
    conn.query_opt(
        &format!("SELECT {COLS} FROM conflicts WHERE id = ?1"),
        args![id],
    )?
    .as_ref()
    .map(row)
    .transpose()
}

/// Which conflicts a page holds: newest first, strictly after the `after` conflict in that order.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub limit: i64,
    /// The id of the last conflict of the previous page.
    pub after: Option<String>,
    /// `Some(true)`: unresolved only; `Some(false)`: resolved only.
    pub open: Option<bool>,
}

/// One page and whether more follow it; `None` when `after` names no conflict.
///
/// Keyset paging on (created_at_ms, id), both fixed once a conflict is written, so a page
/// boundary never moves: conflicts recorded meanwhile sort before the cursor (newest first) and
/// resolving one does not shift the rest, which OFFSET paging would do.
pub fn list(conn: &dyn Sql, page: &Page) -> DbResult<Option<(Vec<Value>, bool)>> {
    let (at_ms, id) = match &page.after {
        // Past every row: created_at_ms is a wall-clock millisecond, far below i64::MAX.
        None => (i64::MAX, String::new()),
        Some(after) => {
            match conn.query_opt(
                "SELECT created_at_ms, id FROM conflicts WHERE id = ?1",
                args![after],
            )? {
                Some(r) => (r.i64(0)?, r.str(1)?),
                None => return Ok(None),
            }
        }
    };
    let open = match page.open {
        None => "",
        Some(true) => "AND resolution IS NULL",
        Some(false) => "AND resolution IS NOT NULL",
    };
    let mut rows = conn
        .query(
            &format!(
                "SELECT {COLS} FROM conflicts
                 WHERE (created_at_ms < ?1 OR (created_at_ms = ?1 AND id < ?2)) {open}
                 ORDER BY created_at_ms DESC, id DESC LIMIT ?3"
            ),
            // One row past the page says whether there is more.
            args![at_ms, id, page.limit + 1],
        )?
        .iter()
        .map(row)
        .collect::<DbResult<Vec<_>>>()?;
    let more = rows.len() as i64 > page.limit;
    rows.truncate(page.limit as usize);
    Ok(Some((rows, more)))
}

pub fn resolve(
    conn: &dyn Sql,
    id: &str,
    resolution: &str,
    note: &str,
    by: &str,
    now_ms: u64,
) -> DbResult<bool> {
    let n = conn.exec(
        "UPDATE conflicts SET resolution = ?2, note = ?3, resolved_by = ?4, resolved_at_ms = ?5
         WHERE id = ?1 AND resolution IS NULL",
        args![id, resolution, note, by, now_ms],
    )?;
    Ok(n == 1)
}
