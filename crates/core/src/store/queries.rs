//! Read queries and reference-data writes that are not case operations.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::enterprise::Enterprise;
use crate::model::officer::Officer;
use crate::model::task::Task;

/// A row of the task inbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InboxRow {
    pub task_id: String,
    pub due: String,
    pub source: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub risk: String,
    pub lat: f64,
    pub lon: f64,
    /// Case status when a case was opened for the task.
    pub case_id: Option<String>,
    pub case_status: Option<String>,
}

/// The inbox's SQL. Every table is read from an index holding all the columns it needs
/// (migration 3). `INDEXED BY` because SQLite 3.54 (SQLCipher 4.20) chose the enterprises'
/// primary-key index instead and read each enterprise's row, JSON and all: 51 ms for 10,000
/// tasks against 17 ms before. `inbox_reads_only_covering_indexes`
/// keeps the plan.
const INBOX_SQL: &str =
    "SELECT t.id, t.due, t.source, e.id, e.name, e.risk, e.lat, e.lon, c.id, c.status
         FROM tasks t
         JOIN enterprises e INDEXED BY enterprises_inbox ON e.id = t.enterprise_id
         LEFT JOIN cases c ON c.task_id = t.id
         WHERE c.status IS NULL OR c.status <> 'closed'
         ORDER BY t.due, t.id
         LIMIT ?1";

/// Tasks not yet closed, earliest due first.
pub fn inbox(conn: &Connection, limit: u32) -> Result<Vec<InboxRow>> {
    let mut stmt = conn.prepare_cached(INBOX_SQL)?;
    let rows = stmt.query_map([limit], |r| {
        Ok(InboxRow {
            task_id: r.get(0)?,
            due: r.get(1)?,
            source: r.get(2)?,
            enterprise_id: r.get(3)?,
            enterprise_name: r.get(4)?,
            risk: r.get(5)?,
            lat: r.get(6)?,
            lon: r.get(7)?,
            case_id: r.get(8)?,
            case_status: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The case opened for a task, if any (a task has at most one: `case.exists`).
pub fn case_of_task(conn: &Connection, task_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT id FROM cases WHERE task_id = ?1", [task_id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Writes or replaces an officer.
pub fn put_officer(tx: &Transaction<'_>, o: &Officer) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO officers (id, name, data) VALUES (?1, ?2, ?3)",
        params![o.id, o.name, serde_json::to_string(o)?],
    )?;
    Ok(())
}

/// Writes or replaces an enterprise.
pub fn put_enterprise(tx: &Transaction<'_>, e: &Enterprise) -> Result<()> {
    let risk = serde_json::to_value(e.risk)?
        .as_str()
        .unwrap_or("green")
        .to_string();
    tx.execute(
        "INSERT OR REPLACE INTO enterprises (id, name, area, lat, lon, risk, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.id, e.name, e.area, e.location.lat, e.location.lon, risk, serde_json::to_string(e)?],
    )?;
    Ok(())
}

/// Writes or replaces a task.
pub fn put_task(tx: &Transaction<'_>, t: &Task) -> Result<()> {
    // `source` is a column too (migration 3): the inbox and the V-17 exemptions read it.
    let source = t.source.as_str();
    tx.execute(
        "INSERT OR REPLACE INTO tasks (id, enterprise_id, due, data, source) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            t.id,
            t.enterprise_id,
            t.due.to_string(),
            serde_json::to_string(t)?,
            source
        ],
    )?;
    Ok(())
}

/// A block of pre-allocated document numbers (号段) reserved by the center for this device.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NumberBlock {
    /// e.g. `on_the_spot_penalty`.
    pub doc_type: String,
    /// Printed prefix, e.g. "苏环罚〔2026〕".
    pub prefix: String,
    pub first: u32,
    pub last: u32,
}

/// Adds a number block; an existing block of the same type and prefix is extended, never rewound.
pub fn put_number_block(tx: &Transaction<'_>, b: &NumberBlock) -> Result<()> {
    tx.execute(
        "INSERT INTO number_blocks (doc_type, prefix, next, last) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (doc_type, prefix) DO UPDATE SET last = MAX(last, excluded.last)",
        params![b.doc_type, b.prefix, b.first, b.last],
    )?;
    Ok(())
}

/// Takes the next number of a document type, strictly in order; `None` when no block has one left.
pub fn take_number(
    tx: &Transaction<'_>,
    doc_type: &str,
    case_id: &str,
    at: &str,
) -> Result<Option<String>> {
    let row: Option<(String, i64)> = tx
        .query_row(
            "SELECT prefix, next FROM number_blocks WHERE doc_type = ?1 AND next <= last ORDER BY prefix LIMIT 1",
            [doc_type],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((prefix, next)) = row else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE number_blocks SET next = next + 1 WHERE doc_type = ?1 AND prefix = ?2",
        params![doc_type, prefix],
    )?;
    let number = format!("{prefix}{next}号");
    tx.execute(
        "INSERT INTO numbers_used (number, doc_type, case_id, used_at) VALUES (?1, ?2, ?3, ?4)",
        params![number, doc_type, case_id, at],
    )?;
    Ok(Some(number))
}

/// Other cases where this officer is on site right now (checked in, not departed or closed).
pub fn officer_on_site_elsewhere(
    conn: &Connection,
    officer_id: &str,
    case_id: &str,
) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT c.id, c.enterprise_id FROM cases c JOIN case_officers o ON o.case_id = c.id
             WHERE o.officer_id = ?1 AND c.status = 'on_site' AND c.id <> ?2 LIMIT 1",
            params![officer_id, case_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// An interview of this person that has not ended, in any case.
pub fn interview_in_progress(conn: &Connection, id_number: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT case_id FROM open_interviews WHERE id_number = ?1 LIMIT 1",
            [id_number],
            |r| r.get(0),
        )
        .optional()?)
}

/// Cases opened this year at an enterprise for tasks not exempt from the annual cap (V-17).
pub fn cases_this_year(
    conn: &Connection,
    enterprise_id: &str,
    year_prefix: &str,
    exempt_sources: &[String],
) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM cases c JOIN tasks t ON t.id = c.task_id
         WHERE c.enterprise_id = ?1 AND substr(c.opened_at, 1, 4) = ?2
           AND t.source NOT IN (SELECT value FROM json_each(?3))",
        params![
            enterprise_id,
            year_prefix,
            serde_json::to_string(exempt_sources)?
        ],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// The inbox must not touch a table's rows (with JSON in them) for any of its three tables:
    /// on an encrypted store that is a page decrypted per task.
    #[test]
    fn inbox_reads_only_covering_indexes() {
        let mut conn = Connection::open_in_memory().expect("open");
        super::super::migrations::migrate_to(&mut conn, super::super::migrations::latest())
            .expect("migrate");
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", super::INBOX_SQL))
            .expect("explain")
            .query_map([50], |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        for (table, index) in [
            ("t", "tasks_due"),
            ("e", "enterprises_inbox"),
            ("c", "cases_task_status"),
        ] {
            let covered = |l: &String| {
                (l.starts_with(&format!("SCAN {table} "))
                    || l.starts_with(&format!("SEARCH {table} ")))
                    && l.contains(&format!("USING COVERING INDEX {index}"))
            };
            assert!(
                plan.iter().any(covered),
                "{table} not read through {index} alone: {plan:?}"
            );
        }
    }
}
