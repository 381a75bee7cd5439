//! Cases as the center sees them: who owns each, its task and enterprise, whether all its blobs
//! are stored.

use serde_json::{Value, json};

use super::sql::{DbResult, Sql, args};

#[derive(Debug, Clone)]
pub struct CaseRow {
    pub case_id: String,
    pub device_id: String,
    pub user_id: String,
    pub task_id: String,
    pub enterprise_id: String,
    pub status: String,
}

pub fn get(conn: &dyn Sql, case_id: &str) -> DbResult<Option<CaseRow>> {
    conn.query_opt(
        "SELECT case_id, device_id, user_id, task_id, enterprise_id, status FROM cases WHERE case_id = ?1",
        args![case_id],
    )?
    .map(|r| {
        Ok(CaseRow {
            case_id: r.str(0)?,
            device_id: r.str(1)?,
            user_id: r.str(2)?,
            task_id: r.str(3)?,
            enterprise_id: r.str(4)?,
            status: r.str(5)?,
        })
    })
    .transpose()
}

pub fn insert(conn: &dyn Sql, c: &CaseRow, hlc: &str, now_ms: u64) -> DbResult<()> {
    conn.exec(
        "INSERT INTO cases(case_id, device_id, user_id, task_id, enterprise_id, status, opened_hlc, updated_at_ms)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        args![&c.case_id, &c.device_id, &c.user_id, &c.task_id, &c.enterprise_id, &c.status, hlc, now_ms],
    )?;
    Ok(())
}

pub fn set_status(conn: &dyn Sql, case_id: &str, status: &str, now_ms: u64) -> DbResult<()> {
    conn.exec(
        "UPDATE cases SET status = ?2, updated_at_ms = ?3 WHERE case_id = ?1",
        args![case_id, status, now_ms],
    )?;
    Ok(())
}

/// The blobs a case's ops name, each with whether it is stored complete.
pub fn blobs(conn: &dyn Sql, case_id: &str) -> DbResult<Vec<(String, bool)>> {
    conn.query(
        "SELECT DISTINCT lb.sha256, COALESCE(b.complete, 0)
         FROM links l JOIN link_blobs lb ON lb.device_id = l.device_id AND lb.seq = l.seq
         LEFT JOIN blobs b ON b.sha256 = lb.sha256
         WHERE l.case_id = ?1 ORDER BY lb.sha256",
        args![case_id],
    )?
    .iter()
    .map(|r| Ok((r.str(0)?, r.bool(1)?)))
    .collect()
}

/// The case list for center staff.
pub fn list(conn: &dyn Sql) -> DbResult<Vec<Value>> {
    let rows = conn.query(
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
        &[],
    )?;
    rows.iter()
        .map(|r| {
            let name = r
                .opt_str(3)?
                .and_then(|v| serde_json::from_str::<Value>(&v).ok())
                .and_then(|v| v.get("name").cloned());
            let blobs = r.i64(9)?;
            let stored = r.i64(10)?;
            Ok(json!({
                "case_id": r.str(0)?,
                "task_id": r.str(1)?,
                "enterprise_id": r.str(2)?,
                "enterprise_name": name,
                "status": r.str(4)?,
                "device_id": r.str(5)?,
                "user_id": r.str(6)?,
                "updated_at_ms": r.i64(7)?,
                "op_count": r.i64(8)?,
                "blob_count": blobs,
                "blobs_stored": stored,
                "complete": blobs == stored,
            }))
        })
        .collect()
}
