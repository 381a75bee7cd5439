//! The change log: every center-side change gets the next version; devices pull it by cursor,
//! filtered to their scope.
//!
//! A pull jumps its cursor past every version it has been given (and to the log head when
//! nothing more is in scope), so versions must become visible in order: a reader must never see
//! version 8 committed while version 7 is still to come. SQLite has one writer at a time, so
//! AUTOINCREMENT is enough. On PostgreSQL a sequence is not: two transactions take 7 and 8, the
//! one holding 8 commits first, and a pull in between skips 7 for good. So there a transaction's
//! changes are numbered as it commits (`seal`): they are stored with placeholder versions
//! (negative, unique to the transaction), and the last statement before its `COMMIT`, in the
//! same round trip, takes the one-row `change_counter`'s lock, advances it by the number of
//! changes and renumbers them in the order they were appended. The lock is held until that
//! commit, so the next transaction gets its numbers only after the previous holder is visible
//! (or gone), and committed versions always form a prefix.
//!
//! Numbering at commit keeps the lock for one statement and the commit's flush. It used to be
//! taken at a transaction's first change and held through the reads and writes after it: on the
//! sync bench, pushes queued on it for 2.3 s in all, and the 10,000-op push took ~505 ms
//! (median), against ~400 ms with no ordering at all.
//!
//! A field's state (`fields.version`) holds the version of the change that wrote it, so the same
//! statement renumbers the placeholders there. Nothing else may keep a placeholder past the
//! commit; an answer that reports a version asks `seal` for the real one.

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

/// Serializes the center's own writers (imports, dispatch, reviews, conflict resolutions, key
/// and revocation publishing) on PostgreSQL, until the commit: a transaction-scoped advisory
/// lock, taken before anything else. Those that read and then bump a sequence number kept
/// beside the log (the key set and revocation list, `trust`) need it across replicas; the rest
/// keep the order they had when this was the log's own lock. It is not the counter's lock: a
/// push takes that only at its commit (`seal`), after its rows, and a writer holding the
/// counter while waiting for a row a push holds would deadlock with it.
pub fn lock_center_writes(conn: &dyn Sql) -> DbResult<()> {
    if conn.dialect() == Dialect::Postgres {
        conn.query_one(
            "SELECT pg_advisory_xact_lock(?1)::text",
            &[super::sql::Value::Int(CENTER_WRITES_LOCK)],
        )?;
    }
    Ok(())
}

/// The advisory-lock key of `lock_center_writes` ("fcwrites").
const CENTER_WRITES_LOCK: i64 = 0x6663_7772_6974_6573;

/// The statement that numbers this transaction's changes (see the module's note): the
/// placeholders it holds, in the order they were appended (each is lower than the one before);
/// the counter advanced past them; the changes and the fields' states renumbered. Answers the
/// log head after them. `version < 0` is repeated beside each join so the indexes on it serve.
const SEAL: &str = "WITH mine AS (
        SELECT version AS placeholder, row_number() OVER (ORDER BY version DESC) AS n
        FROM changes WHERE version < 0),
    head AS (
        UPDATE change_counter SET value = value + (SELECT count(*) FROM mine) WHERE id = 1
        RETURNING value, value - (SELECT count(*) FROM mine) AS base),
    renumbered AS (
        UPDATE changes c SET version = head.base + mine.n FROM mine, head
        WHERE c.version < 0 AND c.version = mine.placeholder RETURNING 1),
    fields_renumbered AS (
        UPDATE fields f SET version = head.base + mine.n FROM mine, head
        WHERE f.version < 0 AND f.version = mine.placeholder RETURNING 1)
    SELECT value FROM head";

/// Numbers this transaction's changes now and answers the log head after them: the version of
/// its last change, for an answer that reports it. On SQLite every change already has its
/// version. On PostgreSQL this takes the log's lock until the commit, so it is the last thing a
/// transaction does (see `lock_center_writes` for why).
pub fn seal(conn: &dyn Sql) -> DbResult<i64> {
    match conn.dialect() {
        Dialect::Sqlite => max_version(conn),
        Dialect::Postgres => {
            let head = conn.query_one(SEAL, &[])?.i64(0)?;
            conn.at_commit(SEAL, false)?;
            Ok(head)
        }
    }
}

/// A placeholder version for a change not numbered yet: negative, and distinct from every other
/// transaction's. A counter gives each one of this process a new one, in falling order; a random
/// prefix keeps replicas apart (two that drew the same prefix would at worst make one insert
/// wait for the other's commit, on the primary key).
fn placeholder() -> i64 {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicI64, Ordering};
    static NEXT: OnceLock<(i64, AtomicI64)> = OnceLock::new();
    let (prefix, next) = NEXT.get_or_init(|| {
        let mut b = [0u8; 4];
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
        // 22 bits of prefix above 40 of counter: below 2^62, and never 0.
        let prefix = i64::from(u32::from_le_bytes(b) & 0x3f_ffff).max(1);
        (prefix << 40, AtomicI64::new(1))
    });
    let n = next.fetch_add(1, Ordering::Relaxed) & ((1 << 40) - 1);
    -(prefix | n)
}

/// Appends a change; answers its version (on PostgreSQL, a placeholder until the commit: see
/// the module's note).
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
    let row = args![
        entity_str(entity),
        id,
        kind,
        value,
        scope.team,
        areas,
        scope.device,
        now_ms
    ];
    match conn.dialect() {
        Dialect::Sqlite => conn
            .query_one(
                "INSERT INTO changes(entity, id, kind, value, team, areas, device_id, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING version",
                row,
            )?
            .i64(0),
        // Stored under a placeholder and numbered at the commit (`SEAL`); nothing to wait for,
        // so it goes out with the next statement that is read, or with the commit.
        Dialect::Postgres => {
            // Registered first: outside a transaction this refuses before anything is stored.
            conn.at_commit(SEAL, true)?;
            let version = placeholder();
            let mut params = vec![super::sql::Value::Int(version)];
            params.extend_from_slice(row);
            conn.exec_later(
                "INSERT INTO changes(version, entity, id, kind, value, team, areas, device_id, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                &params,
            )?;
            Ok(version)
        }
    }
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
