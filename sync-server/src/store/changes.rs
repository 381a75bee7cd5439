//! The change log: every center-side change gets the next version; devices pull it by cursor,
//! filtered to their scope.
//!
//! A pull jumps its cursor past every version it has been given (and to the log head when
//! nothing more is in scope), so versions must become visible in order: a reader must never see
//! version 8 committed while version 7 is still to come. SQLite has one writer at a time, so
//! AUTOINCREMENT is enough. On PostgreSQL a sequence is not: two transactions take 7 and 8, the
//! one holding 8 commits first, and a pull in between skips 7 for good. So there the version
//! comes from the one-row `change_counter`, incremented inside the writing transaction; its row
//! lock is held until that transaction commits or rolls back, so the next writer gets its number
//! only after the previous holder is visible (or gone), and committed versions always form a
//! prefix. The price is that change-writing transactions run one at a time from their first
//! change to their commit, so what such a transaction does after its first change is kept to few
//! round trips: the increment and the row are one statement, and its remaining writes go out
//! with the `COMMIT` (`pg::PgSql` queues them).

use fieldcase_protocol::sync::{Change, ChangeKind, Entity};
use serde_json::Value;

use super::sql::{DbResult, Dialect, Sql, args};

/// Who may see a change.
#[derive(Debug, Default, Clone)]
pub struct Scope<'a> {
    /// Tasks: the team they are assigned to.
    pub team: Option<&'a str>,
    /// Enterprises and officers: their area codes.
    pub areas: Option<Vec<String>>,
    /// Cases and conflicts: the device concerned.
    pub device: Option<&'a str>,
}

pub fn entity_str(e: Entity) -> &'static str {
    match e {
        Entity::Task => "task",
        Entity::Enterprise => "enterprise",
        Entity::Officer => "officer",
        Entity::Case => "case",
        Entity::Conflict => "conflict",
        Entity::Keyring => "keyring",
        Entity::Revocations => "revocations",
    }
}

fn parse_entity(s: &str) -> Entity {
    serde_json::from_value(Value::String(s.into())).unwrap_or(Entity::Task)
}

/// Takes the log's lock up front. Every transaction that will append calls this before it
/// touches any other row, so all of them lock in one order (counter, then the rest; a push
/// locks its device row first, which nothing else that appends locks) and cannot deadlock.
/// `append` takes the same lock anyway, so forgetting this costs a possible deadlock, never a
/// misordered version.
pub fn lock_log(conn: &dyn Sql) -> DbResult<()> {
    if conn.dialect() == Dialect::Postgres {
        conn.query_one(
            "SELECT value FROM change_counter WHERE id = 1 FOR UPDATE",
            &[],
        )?;
    }
    Ok(())
}

/// Appends a change; answers its version.
pub fn append(
    conn: &dyn Sql,
    entity: Entity,
    id: &str,
    kind: ChangeKind,
    value: Option<&Value>,
    scope: &Scope<'_>,
    now_ms: u64,
) -> DbResult<i64> {
    let kind = match kind {
        ChangeKind::Put => "put",
        ChangeKind::Remove => "remove",
    };
    let areas = scope
        .areas
        .as_ref()
        .map(|a| serde_json::to_string(a).unwrap_or_else(|_| "[]".into()));
    let value = value.map(|v| v.to_string());
    let sql = match conn.dialect() {
        Dialect::Sqlite => {
            "INSERT INTO changes(entity, id, kind, value, team, areas, device_id, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING version"
        }
        // One statement: the counter's next value (its row lock held to the commit) and the
        // row that carries it.
        Dialect::Postgres => {
            "WITH v AS (UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value)
             INSERT INTO changes(version, entity, id, kind, value, team, areas, device_id, at_ms)
             SELECT v.value, ?1::text, ?2::text, ?3::text, ?4::text, ?5::text, ?6::text, ?7::text,
                    ?8::bigint FROM v RETURNING version"
        }
    };
    let row = conn.query_one(
        sql,
        args![
            entity_str(entity),
            id,
            kind,
            value,
            scope.team,
            areas,
            scope.device,
            now_ms
        ],
    )?;
    row.i64(0)
}

pub fn max_version(conn: &dyn Sql) -> DbResult<i64> {
    conn.query_one("SELECT COALESCE(MAX(version), 0) FROM changes", &[])?
        .i64(0)
}

/// What a device's user may see (DESIGN.md §Sync: assigned tasks, enterprises of its area, its
/// own cases; and the center's key set and revocation list, which every device holds). Area codes are prefixes: "3205" covers "320506". Parameters: ?1 team, ?2 area,
/// ?3 device. `areas` is a JSON array kept as text; each dialect has its own way to unnest it.
fn scope_sql(d: Dialect) -> String {
    let areas = match d {
        Dialect::Sqlite => "json_each(c.areas) a",
        Dialect::Postgres => "jsonb_array_elements_text(c.areas::jsonb) a(value)",
    };
    let area = match d {
        Dialect::Sqlite => "?2",
        Dialect::Postgres => "?2::text",
    };
    format!(
        "((c.entity = 'task' AND c.team = ?1)
  OR (c.entity IN ('enterprise', 'officer') AND EXISTS (
        SELECT 1 FROM {areas} WHERE substr(a.value, 1, length({area})) = {area}))
  OR (c.entity IN ('case', 'conflict') AND c.device_id = ?3)
  OR c.entity IN ('keyring', 'revocations'))"
    )
}

/// Changes after `cursor` in scope, at most `limit` (+1 to tell whether more remain). With
/// `snapshot`, only each entity's latest change, and not if that is a removal.
pub fn scoped(
    conn: &dyn Sql,
    team: Option<&str>,
    area: &str,
    device: &str,
    cursor: i64,
    limit: i64,
    snapshot: bool,
) -> DbResult<Vec<Change>> {
    let scope = scope_sql(conn.dialect());
    let sql = if snapshot {
        format!(
            "WITH s AS (SELECT c.* FROM changes c WHERE {scope}),
                  latest AS (SELECT MAX(version) AS v FROM s GROUP BY entity, id)
             SELECT version, entity, id, kind, value FROM s
             WHERE version IN (SELECT v FROM latest) AND kind = 'put' AND version > ?4
             ORDER BY version LIMIT ?5"
        )
    } else {
        format!(
            "SELECT version, entity, id, kind, value FROM changes c
             WHERE version > ?4 AND {scope} ORDER BY version LIMIT ?5"
        )
    };
    conn.query(&sql, args![team, area, device, cursor, limit])?
        .iter()
        .map(|r| {
            Ok(Change {
                version: r.i64(0)?,
                entity: parse_entity(&r.str(1)?),
                id: r.str(2)?,
                kind: if r.str(3)? == "remove" {
                    ChangeKind::Remove
                } else {
                    ChangeKind::Put
                },
                value: r.opt_str(4)?.and_then(|v| serde_json::from_str(&v).ok()),
            })
        })
        .collect()
}
