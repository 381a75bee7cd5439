//! What a group commit (`push_group`) knows of the rows its pushes read: the devices' chain
//! heads, the cases their ops name, and the tasks whose status they write with that status, all
//! read once for the group. Each push then reads from here, and what it writes of these is
//! written here too, so the next push of the group sees it as the database would answer it. The
//! devices' new heads are written from here too, once per device (`write_heads`).
//!
//! Why: on PostgreSQL each read is a round trip, and a 50-op push made five of them (its device,
//! its case, its task, the task's status, the count of links stored), each waking both
//! processes. Read per group, they are three round trips for up to `MAX_GROUP` pushes. On
//! SQLite a read costs no round trip and nothing is read ahead: every lookup falls through to
//! the database, as it did before.
//!
//! A row not read ahead (SQLite, or a row only a fallback reads) is read when first asked for
//! and kept. When a push rolls back, what it wrote here is no longer true: the group calls
//! [`GroupState::forget`], and later pushes read the database again.

use std::collections::HashMap;

use fieldcase_protocol::sync::PushOp;
use serde_json::Value;

use crate::merge;
use crate::store::cases::{self, CaseRow};
use crate::store::devices::{self, Device};
use crate::store::fields::{self, FieldState};
use crate::store::reference::{self, TaskRow};
use crate::store::sql::Dialect;
use crate::store::{DbResult, Sql};

/// A task as a push's status write needs it: its row and its status.
pub(crate) type TaskState = (TaskRow, Option<FieldState>);

#[derive(Default)]
pub(crate) struct GroupState {
    devices: HashMap<String, Device>,
    /// Devices whose head moved and is not written yet, in the order they moved.
    heads_moved: Vec<String>,
    /// `None`: the center holds no such case.
    cases: HashMap<String, Option<CaseRow>>,
    /// `None`: the center holds no such task.
    tasks: HashMap<String, Option<TaskState>>,
}

impl GroupState {
    /// Locks the devices of `batches`, then the tasks whose status they may write, and reads
    /// them and the cases the ops name. Locks go in the order every writer takes them: devices,
    /// then tasks (then the change counter at the commit), each table in key order, so two
    /// groups never wait on each other in a cycle. Only PostgreSQL takes row locks; on SQLite
    /// this reads nothing.
    pub fn lock_and_read<'a>(
        conn: &dyn Sql,
        devices: &[&str],
        batches: impl Iterator<Item = &'a [PushOp]> + Clone,
    ) -> DbResult<GroupState> {
        let mut reads = GroupState::default();
        if conn.dialect() == Dialect::Sqlite {
            return Ok(reads);
        }
        for d in devices::lock_all(conn, devices)? {
            reads.devices.insert(d.device_id.clone(), d);
        }
        let mut case_ids: Vec<&str> = batches
            .clone()
            .flatten()
            .filter_map(|op| op.link.case_id.as_deref())
            .collect();
        case_ids.sort_unstable();
        case_ids.dedup();
        for c in cases::get_all(conn, &case_ids)? {
            reads.cases.insert(c.case_id.clone(), Some(c));
        }
        for id in case_ids {
            reads.cases.entry(id.to_string()).or_insert(None);
        }
        let tasks = tasks_written(batches, &reads.cases);
        for (id, row, status) in reference::lock_tasks_with_field(conn, &tasks, merge::STATUS)? {
            reads.tasks.insert(id, Some((row, status)));
        }
        for id in tasks {
            reads.tasks.entry(id).or_insert(None);
        }
        Ok(reads)
    }

    /// The device, its row locked until the transaction ends (`devices::lock`).
    pub fn device(&mut self, conn: &dyn Sql, id: &str) -> DbResult<Option<Device>> {
        if let Some(d) = self.devices.get(id) {
            return Ok(Some(d.clone()));
        }
        let d = devices::lock(conn, id)?;
        if let Some(d) = &d {
            self.devices.insert(id.to_string(), d.clone());
        }
        Ok(d)
    }

    /// A push moved the device's chain head; `write_heads` stores it. The device was read
    /// first (`device`), so it is held here.
    pub fn set_head(&mut self, id: &str, seq: i64, hash: &str) {
        if let Some(d) = self.devices.get_mut(id) {
            d.last_seq = seq;
            d.last_hash = hash.to_string();
            if !self.heads_moved.iter().any(|m| m == id) {
                self.heads_moved.push(id.to_string());
            }
        }
    }

    /// Stores the heads moved since the last call, each device's last (`devices::set_heads`).
    pub fn write_heads(&mut self, conn: &dyn Sql) -> DbResult<()> {
        let heads: Vec<(&str, i64, &str)> = self
            .heads_moved
            .iter()
            .filter_map(|id| self.devices.get(id))
            .map(|d| (d.device_id.as_str(), d.last_seq, d.last_hash.as_str()))
            .collect();
        devices::set_heads(conn, &heads)?;
        self.heads_moved.clear();
        Ok(())
    }

    pub fn case(&mut self, conn: &dyn Sql, id: &str) -> DbResult<Option<CaseRow>> {
        if let Some(c) = self.cases.get(id) {
            return Ok(c.clone());
        }
        let c = cases::get(conn, id)?;
        self.cases.insert(id.to_string(), c.clone());
        Ok(c)
    }

    /// A push stored the case as `row` (opened it, or closed it and read it again).
    pub fn set_case(&mut self, row: CaseRow) {
        self.cases.insert(row.case_id.clone(), Some(row));
    }

    /// The task and its status, the task's row locked until the transaction ends
    /// (`reference::task_for_update`).
    pub fn task(&mut self, conn: &dyn Sql, id: &str) -> DbResult<Option<TaskState>> {
        if let Some(t) = self.tasks.get(id) {
            return Ok(t.clone());
        }
        let t = match reference::task_for_update(conn, id)? {
            Some(row) => Some((row, fields::get(conn, "task", id, merge::STATUS)?)),
            None => None,
        };
        self.tasks.insert(id.to_string(), t.clone());
        Ok(t)
    }

    /// A push wrote the task's status (`merge::write_over`).
    pub fn set_status(&mut self, id: &str, state: FieldState) {
        if let Some(Some((_, status))) = self.tasks.get_mut(id) {
            *status = Some(state);
        }
    }

    /// A push rolled back: what it wrote here is gone from the database (its head is not
    /// written either). Later pushes read again (the locks taken stay held: they end with the
    /// transaction).
    pub fn forget(&mut self) {
        *self = GroupState::default();
    }
}

/// The tasks whose status `batches` may write: each case opening's task (from its payload, as
/// `push::effects` reads it) and each closing case's task, maybe more than once. `cases` holds
/// every case the ops name.
fn tasks_written<'a>(
    batches: impl Iterator<Item = &'a [PushOp]>,
    cases: &HashMap<String, Option<CaseRow>>,
) -> Vec<String> {
    let mut tasks = Vec::new();
    for op in batches.flatten() {
        let Some(case_id) = op.link.case_id.as_deref() else {
            continue;
        };
        match op.link.kind.as_str() {
            "case_opened" => {
                let body: Option<Value> = op
                    .payload
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok());
                if let Some(task) = body
                    .as_ref()
                    .and_then(|b| b.pointer("/body/case/task_id"))
                    .and_then(Value::as_str)
                {
                    tasks.push(task.to_string());
                }
            }
            "closed" => {
                if let Some(Some(c)) = cases.get(case_id) {
                    tasks.push(c.task_id.clone());
                }
            }
            _ => {}
        }
    }
    tasks
}
