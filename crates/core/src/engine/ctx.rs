//! What a command handler sees: the transaction to read from, the forms, the clock's reading, the
//! case as it stands. Handlers only read and decide; `Engine::execute` writes.

use rusqlite::Transaction;

use crate::error::{CoreError, Refusal, Result};
use crate::forms::FormSet;
use crate::forms::types::ProcedureFile;
use crate::model::Time;
use crate::model::case::{Case, Flag};
use crate::model::enterprise::Enterprise;
use crate::model::officer::Officer;
use crate::model::task::Task;
use crate::store::{self, Device};

use super::op::Op;

/// The outcome of planning a command: the operation to commit and its flags.
#[derive(Debug)]
pub(crate) struct Planned {
    pub by: String,
    pub flags: Vec<Flag>,
    pub body: Op,
}

impl Planned {
    pub fn new(by: &str, body: Op) -> Self {
        Self {
            by: by.to_string(),
            flags: Vec::new(),
            body,
        }
    }
    pub fn flagged(mut self, flags: Vec<Flag>) -> Self {
        self.flags = flags;
        self
    }
}

pub(crate) struct Ctx<'a> {
    pub tx: &'a Transaction<'a>,
    pub forms: &'a FormSet,
    pub now: Time,
    pub device: &'a Device,
    pub case: Option<Case>,
    pub ids: &'a dyn Fn() -> String,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<'a> Ctx<'a> {
    /// The case the command acts on.
    pub fn case(&self) -> Result<&Case> {
        self.case.as_ref().ok_or_else(|| {
            Refusal::new("input.unknown_case", "找不到该案件", "no such case").into()
        })
    }

    /// The case's procedure as loaded.
    pub fn procedure(&self) -> Result<&'a ProcedureFile> {
        let c = self.case()?;
        self.forms.procedure(&c.procedure.id).ok_or_else(|| {
            Refusal::new(
                "forms.missing_procedure",
                format!("本机没有程序 {}，请更新表单", c.procedure.id),
                format!(
                    "procedure {} is not on this device; update the forms",
                    c.procedure.id
                ),
            )
            .into()
        })
    }

    pub fn enterprise(&self, id: &str) -> Result<Enterprise> {
        store::get_json(self.tx, "SELECT data FROM enterprises WHERE id = ?1", id)?.ok_or_else(
            || {
                Refusal::new(
                    "input.unknown_enterprise",
                    format!("找不到企业 {id}"),
                    format!("no enterprise {id}"),
                )
                .into()
            },
        )
    }

    pub fn officer(&self, id: &str) -> Result<Officer> {
        store::get_json(self.tx, "SELECT data FROM officers WHERE id = ?1", id)?.ok_or_else(|| {
            Refusal::new(
                "input.unknown_officer",
                format!("人员名录中没有 {id}"),
                format!("{id} is not on the roster"),
            )
            .into()
        })
    }

    pub fn task(&self, id: &str) -> Result<Task> {
        store::get_json(self.tx, "SELECT data FROM tasks WHERE id = ?1", id)?.ok_or_else(|| {
            Refusal::new(
                "input.unknown_task",
                format!("找不到任务 {id}"),
                format!("no task {id}"),
            )
            .into()
        })
    }

    /// A flag raised now.
    pub fn flag(&self, code: &str, zh: String, en: String, justification: Option<String>) -> Flag {
        Flag {
            code: code.to_string(),
            zh,
            en,
            at: self.now,
            justification,
        }
    }

    /// Refuses anything on a closed case.
    pub fn open_case(&self) -> Result<&Case> {
        let c = self.case()?;
        if c.closed_at.is_some() {
            return Err(Refusal::new(
                "case.closed",
                "案件已归档，不能再修改",
                "the case is closed and sealed",
            )
            .into());
        }
        Ok(c)
    }

    /// Requires a staff member of this case's team.
    pub fn team_member(&self, id: &str) -> Result<Officer> {
        let c = self.case()?;
        if !c.team.iter().any(|t| t == id) {
            return Err(Refusal::new(
                "input.not_in_team",
                format!("{id} 不是本次检查的执法人员"),
                format!("{id} is not on this visit's team"),
            )
            .into());
        }
        self.officer(id)
    }

    /// Parses an RFC 3339 time from input.
    pub fn time(&self, field: &str, s: &str) -> Result<Time> {
        chrono::DateTime::parse_from_rfc3339(s).map_err(|e| {
            CoreError::Refused(Refusal::new(
                "input.bad_time",
                format!("{field} 的时间格式不正确（需 RFC 3339）：{s}"),
                format!("{field}: not an RFC 3339 time ({e}): {s}"),
            ))
        })
    }
}

/// Refuses when a required text is blank.
pub(crate) fn required_text(field: &str, zh_name: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() {
        return Err(Refusal::new(
            "input.missing",
            format!("请填写{zh_name}"),
            format!("{field} is required"),
        )
        .into());
    }
    Ok(())
}
