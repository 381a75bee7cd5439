//! Cases as the center sees them: who owns each, its task and enterprise, whether all its blobs
//! are stored.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub case_id: String,
    pub device_id: String,
    pub user_id: String,
    pub task_id: String,
    pub enterprise_id: String,
    pub status: String,
}

pub fn get(conn: &Connection, case_id: &str) -> rusqlite::Result<Option<CaseRow>> {
    conn.query_row(
        "SELECT case_id, device_id, user_id, task_id, enterprise_id, status FROM cases WHERE case_id = ?1",
        [case_id],
        |r| {
            Ok(CaseRow {
                case_id: r.get(0)?,
                device_id: r.get(1)?,
                user_id: r.get(2)?,
                task_id: r.get(3)?,
                enterprise_id: r.get(4)?,
                status: r.get(5)?,
            })
        },
    )
    .optional()
}

pub fn insert(conn: &Connection, c: &CaseRow, hlc: &str, now_ms: u64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO cases(case_id, device_id, user_id, task_id, enterprise_id, status, opened_hlc, updated_at_ms)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        params![c.case_id, c.device_id, c.user_id, c.task_id, c.enterprise_id, c.status, hlc, now_ms as i64],
    )?;
    Ok(())
}

pub fn set_status(
    conn: &Connection,
    case_id: &str,
    status: &str,
    now_ms: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE cases SET status = ?2, updated_at_ms = ?3 WHERE case_id = ?1",
        params![case_id, status, now_ms as i64],
    )?;
    Ok(())
}

/// The blobs a case's ops name, each with whether it is stored complete.
pub fn blobs(conn: &Connection, case_id: &str) -> rusqlite::Result<Vec<(String, bool)>> {
    let mut st = conn.prepare(
        "SELECT DISTINCT lb.sha256, COALESCE(b.complete, 0)
         FROM links l JOIN link_blobs lb ON lb.device_id = l.device_id AND lb.seq = l.seq
         LEFT JOIN blobs b ON b.sha256 = lb.sha256
         WHERE l.case_id = ?1 ORDER BY lb.sha256",
    )?;
    let rows = st.query_map([case_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The case list for center staff.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Value>> {
    let mut st = conn.prepare(
        "SELECT c.case_id, c.task_id, c.enterprise_id, e.value, c.status, c.device_id, c.user_id,
            c.updated_at_ms,
            (SELECT COUNT(*) FROM links l WHERE l.case_id = c.case_id),
            (SELECT COUNT(DISTINCT lb.sha256) FROM links l JOIN link_blobs lb
               ON lb.device_id = l.device_id AND lb.seq = l.seq WHERE l.case_id = c.case_id),
            (SELECT COUNT(DISTINCT lb.sha256) FROM links l JOIN link_blobs lb
               ON lb.device_id = l.device_id AND lb.seq = l.seq
               JOIN blobs b ON b.sha256 = lb.sha256 AND b.complete = 1
               WHERE l.case_id = c.case_id)
         FROM cases c LEFT JOIN enterprises e ON e.id = c.enterprise_id
         ORDER BY c.updated_at_ms DESC LIMIT 1000",
    )?;
    let rows = st.query_map([], |r| {
        let ent: Option<String> = r.get(3)?;
        let name = ent
            .and_then(|v| serde_json::from_str::<Value>(&v).ok())
            .and_then(|v| v.get("name").cloned());
        let blobs: i64 = r.get(9)?;
        let stored: i64 = r.get(10)?;
        Ok(json!({
            "case_id": r.get::<_, String>(0)?,
            "task_id": r.get::<_, String>(1)?,
            "enterprise_id": r.get::<_, String>(2)?,
            "enterprise_name": name,
            "status": r.get::<_, String>(4)?,
            "device_id": r.get::<_, String>(5)?,
            "user_id": r.get::<_, String>(6)?,
            "updated_at_ms": r.get::<_, i64>(7)?,
            "op_count": r.get::<_, i64>(8)?,
            "blob_count": blobs,
            "blobs_stored": stored,
            "complete": blobs == stored,
        }))
    })?;
    rows.collect()
}
