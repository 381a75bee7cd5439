//! The change log: every center-side change gets the next version; devices pull it by cursor,
//! filtered to their scope.

use fieldcase_protocol::sync::{Change, ChangeKind, Entity};
use rusqlite::{Connection, params};
use serde_json::Value;

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
    }
}

fn parse_entity(s: &str) -> Entity {
    serde_json::from_value(Value::String(s.into())).unwrap_or(Entity::Task)
}

/// Appends a change; answers its version.
pub fn append(
    conn: &Connection,
    entity: Entity,
    id: &str,
    kind: ChangeKind,
    value: Option<&Value>,
    scope: &Scope<'_>,
    now_ms: u64,
) -> rusqlite::Result<i64> {
    let kind = match kind {
        ChangeKind::Put => "put",
        ChangeKind::Remove => "remove",
    };
    let areas = scope
        .areas
        .as_ref()
        .map(|a| serde_json::to_string(a).unwrap_or_else(|_| "[]".into()));
    conn.execute(
        "INSERT INTO changes(entity, id, kind, value, team, areas, device_id, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entity_str(entity),
            id,
            kind,
            value.map(|v| v.to_string()),
            scope.team,
            areas,
            scope.device,
            now_ms as i64
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn max_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(version), 0) FROM changes", [], |r| {
        r.get(0)
    })
}

/// What a device's user may see (DESIGN.md §Sync: assigned tasks, enterprises of its area, its
/// own cases). Area codes are prefixes: "3205" covers "320506".
const SCOPE: &str = "((c.entity = 'task' AND c.team = :team)
  OR (c.entity IN ('enterprise', 'officer') AND EXISTS (
        SELECT 1 FROM json_each(c.areas) a WHERE substr(a.value, 1, length(:area)) = :area))
  OR (c.entity IN ('case', 'conflict') AND c.device_id = :device))";

/// Changes after `cursor` in scope, at most `limit` (+1 to tell whether more remain). With
/// `snapshot`, only each entity's latest change, and not if that is a removal.
pub fn scoped(
    conn: &Connection,
    team: Option<&str>,
    area: &str,
    device: &str,
    cursor: i64,
    limit: i64,
    snapshot: bool,
) -> rusqlite::Result<Vec<Change>> {
    let sql = if snapshot {
        format!(
            "WITH s AS (SELECT c.* FROM changes c WHERE {SCOPE}),
                  latest AS (SELECT MAX(version) AS v FROM s GROUP BY entity, id)
             SELECT version, entity, id, kind, value FROM s
             WHERE version IN (SELECT v FROM latest) AND kind = 'put' AND version > :cursor
             ORDER BY version LIMIT :limit"
        )
    } else {
        format!(
            "SELECT version, entity, id, kind, value FROM changes c
             WHERE version > :cursor AND {SCOPE} ORDER BY version LIMIT :limit"
        )
    };
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(
        rusqlite::named_params! {
            ":team": team, ":area": area, ":device": device, ":cursor": cursor, ":limit": limit,
        },
        |r| {
            let kind: String = r.get(3)?;
            let value: Option<String> = r.get(4)?;
            Ok(Change {
                version: r.get(0)?,
                entity: parse_entity(&r.get::<_, String>(1)?),
                id: r.get(2)?,
                kind: if kind == "remove" {
                    ChangeKind::Remove
                } else {
                    ChangeKind::Put
                },
                value: value.and_then(|v| serde_json::from_str(&v).ok()),
            })
        },
    )?;
    rows.collect()
}
