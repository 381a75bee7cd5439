//! The merge rule for shared fields (a task's status and assignment), the same for a device's
//! op and a center write.
//!
//! A write that saw the current value (`current.version <= seen`, or the current value is the
//! writer's own) replaces it, if the status transition is legal; an illegal one is not written
//! and is kept as a conflict with reason `invalid_transition`. A write that had not seen the
//! current value is concurrent: the greater HLC wins (ties: the greater origin) and exactly one
//! conflict record keeps both sides, reason `concurrent`. A concurrent winner whose transition
//! from the current value is illegal (a device opens a case on a task the center cancelled
//! meanwhile, with a later clock) is not written either: the record is still the one
//! `concurrent` conflict, with the current value as kept.
//!
//! "One record per concurrent edit" counts edits, not tasks: a device that opens a case on a task
//! the center cancelled meanwhile and then closes it, both before it pulls, made two edits that
//! had not seen the cancellation, and leaves two records (the case itself closes: device work is
//! evidence and is never dropped). Once it has pulled, a further status write is an
//! `invalid_transition` record instead. Tested in `tests/server.rs`.

use fieldcase_protocol::sync::{ChangeKind, Entity, SharedField};
use serde_json::{Value, json};

use crate::store::changes::{self, Scope};
use crate::store::conflicts::{self, NewConflict, Side};
use crate::store::fields::{self, FieldState};
use crate::store::reference::{self, TaskRow};
use crate::store::{DbResult, Sql};

pub const STATUS: &str = "status";
pub const ASSIGNMENT: &str = "assignment";

pub fn field_name(f: SharedField) -> &'static str {
    match f {
        SharedField::Status => STATUS,
        SharedField::Assignment => ASSIGNMENT,
        SharedField::ReviewNote => "review_note",
    }
}

/// The legal status transitions.
pub fn transition_ok(from: &Value, to: &Value) -> bool {
    matches!(
        (from.as_str(), to.as_str()),
        (Some("dispatched"), Some("in_progress"))
            | (Some("in_progress"), Some("done"))
            | (Some("dispatched"), Some("cancelled"))
            | (Some("in_progress"), Some("cancelled"))
    )
}

/// The team an assignment value names: `"team-a"` or `{"team": "team-a", "officers": [...]}`.
pub fn assignment_team(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Object(o) => o
            .get("team")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty()),
        _ => None,
    }
}

/// One write to a task's shared field.
#[derive(Debug, Clone)]
pub struct Write<'a> {
    pub task_id: &'a str,
    pub field: SharedField,
    pub value: Value,
    pub hlc: String,
    /// Device id, or `center:<user>`.
    pub origin: String,
    pub seen: i64,
    pub op_id: Option<&'a str>,
    pub device_id: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    Written,
    /// The value was already that (a harmless repeat).
    Unchanged,
    /// A conflict record was made (the write may or may not have been applied).
    Conflict {
        id: String,
        written: bool,
    },
}

/// The task as devices pull it: its reference value plus `status`.
pub fn task_value(conn: &dyn Sql, task_id: &str) -> DbResult<Option<(Value, String)>> {
    let Some(row) = reference::task(conn, task_id)? else {
        return Ok(None);
    };
    let mut v = row.value;
    if let Some(st) = fields::get(conn, "task", task_id, STATUS)?
        && let Value::Object(o) = &mut v
    {
        o.insert(STATUS.into(), st.value);
    }
    Ok(Some((v, row.team)))
}

/// Appends the task's current value as a change for its team; answers the version.
pub fn emit_task(conn: &dyn Sql, task_id: &str, now_ms: u64) -> DbResult<i64> {
    let (value, team) = task_value(conn, task_id)?.unwrap_or((Value::Null, String::new()));
    put_task_change(conn, task_id, &value, &team, now_ms)
}

/// Appends `value` (the task as devices pull it) as a change for `team`; answers the version.
fn put_task_change(
    conn: &dyn Sql,
    task_id: &str,
    value: &Value,
    team: &str,
    now_ms: u64,
) -> DbResult<i64> {
    let scope = Scope {
        team: Some(team),
        ..Scope::default()
    };
    changes::append(
        conn,
        Entity::Task,
        task_id,
        ChangeKind::Put,
        Some(value),
        &scope,
        now_ms,
    )
}

/// Merges `w` into the field of `task` (the task `w` names, as the caller read it).
pub fn write(conn: &dyn Sql, w: &Write<'_>, task: &TaskRow, now_ms: u64) -> DbResult<Merged> {
    let current = fields::get(conn, "task", w.task_id, field_name(w.field))?;
    Ok(write_over(conn, w, task, current, now_ms)?.0)
}

/// `write`, given the field's `current` state as the caller read it (after locking the task): a
/// group commit reads every status its pushes write at once. Answers also the state written,
/// if the write was.
pub fn write_over(
    conn: &dyn Sql,
    w: &Write<'_>,
    task: &TaskRow,
    current: Option<FieldState>,
    now_ms: u64,
) -> DbResult<(Merged, Option<FieldState>)> {
    let name = field_name(w.field);
    let Some(cur) = current else {
        let state = force(conn, w, task, now_ms)?;
        return Ok((Merged::Written, Some(state)));
    };
    if cur.value == w.value {
        return Ok((Merged::Unchanged, None));
    }
    let legal = w.field != SharedField::Status || transition_ok(&cur.value, &w.value);
    let concurrent = cur.version > w.seen && cur.origin != w.origin;
    let incoming = Side {
        value: w.value.clone(),
        hlc: w.hlc.clone(),
        origin: w.origin.clone(),
    };
    let standing = Side {
        value: cur.value.clone(),
        hlc: cur.hlc.clone(),
        origin: cur.origin.clone(),
    };
    let (reason, written) = if concurrent {
        let wins = (w.hlc.as_str(), w.origin.as_str()) > (cur.hlc.as_str(), cur.origin.as_str());
        ("concurrent", wins && legal)
    } else if legal {
        let state = force(conn, w, task, now_ms)?;
        return Ok((Merged::Written, Some(state)));
    } else {
        ("invalid_transition", false)
    };
    let state = if written {
        Some(force(conn, w, task, now_ms)?)
    } else {
        None
    };
    let (kept, other) = if written {
        (incoming, standing)
    } else {
        (standing, incoming)
    };
    // The device concerned sees the record: the writer, or the device whose value stood.
    let device = w
        .device_id
        .map(str::to_string)
        .or_else(|| (!cur.origin.starts_with("center:")).then(|| cur.origin.clone()));
    let id = crate::util::new_id(now_ms);
    conflicts::insert(
        conn,
        &NewConflict {
            id: &id,
            entity: "task",
            entity_id: w.task_id,
            field: name,
            reason,
            device_id: device.as_deref(),
            op_id: w.op_id,
            kept,
            other,
        },
        now_ms,
    )?;
    emit_conflict(conn, &id, now_ms)?;
    Ok((Merged::Conflict { id, written }, state))
}

/// Appends the conflict's current record as a change for the device concerned.
pub fn emit_conflict(conn: &dyn Sql, id: &str, now_ms: u64) -> DbResult<i64> {
    let value = conflicts::get(conn, id)?.unwrap_or(Value::Null);
    let device = value
        .get("device_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let scope = Scope {
        device: device.as_deref(),
        ..Scope::default()
    };
    changes::append(
        conn,
        Entity::Conflict,
        id,
        ChangeKind::Put,
        Some(&value),
        &scope,
        now_ms,
    )
}

/// Writes the value without the merge rule (a won merge, a task's first values, or center staff
/// resolving a conflict) and sends the task down.
///
/// `task` is the task `w` names, as the caller read it (every caller first checks that it
/// exists). The value sent down is built from it and the value written, not read back after
/// writing: a device's case opening runs this, and reading the task and its fields again was
/// three of a push's statements. Answers the field's state as written.
pub fn force(conn: &dyn Sql, w: &Write<'_>, task: &TaskRow, now_ms: u64) -> DbResult<FieldState> {
    let name = field_name(w.field);
    let mut team = task.team.clone();
    let mut value = task.value.clone();
    if w.field == SharedField::Assignment
        && let Some(new_team) = assignment_team(&w.value)
    {
        if let (Some(officers), Value::Object(o)) = (w.value.get("officers"), &mut value) {
            o.insert("officers".into(), officers.clone());
        }
        reference::put_task(conn, w.task_id, new_team, &value)?;
        if task.team != new_team {
            // The old team's devices drop it.
            let scope = Scope {
                team: Some(&task.team),
                ..Scope::default()
            };
            changes::append(
                conn,
                Entity::Task,
                w.task_id,
                ChangeKind::Remove,
                None,
                &scope,
                now_ms,
            )?;
        }
        team = new_team.to_string();
    }
    // The task as devices pull it: its reference value plus the status this write leaves.
    let status = if w.field == SharedField::Status {
        Some(w.value.clone())
    } else {
        fields::get(conn, "task", w.task_id, STATUS)?.map(|s| s.value)
    };
    if let (Some(status), Value::Object(o)) = (status, &mut value) {
        o.insert(STATUS.into(), status);
    }
    let version = put_task_change(conn, w.task_id, &value, &team, now_ms)?;
    let state = FieldState {
        value: w.value.clone(),
        version,
        hlc: w.hlc.clone(),
        origin: w.origin.clone(),
    };
    fields::set(conn, "task", w.task_id, name, &state)?;
    Ok(state)
}

/// A conflict as JSON for answers (`{id, written}`).
pub fn merged_json(m: &Merged) -> Value {
    match m {
        Merged::Written => json!({"written": true}),
        Merged::Unchanged => json!({"written": false, "unchanged": true}),
        Merged::Conflict { id, written } => json!({"written": written, "conflict": id}),
    }
}
