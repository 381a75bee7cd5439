//! Task objects checked before the center stores them: against the shape the device reads
//! (`fieldcase_core::model::task::Task`, `deny_unknown_fields` — restated here as
//! `enterprise_json` restates the enterprise, since the server may not depend on core), and
//! against the dispatch rules the center owns: a named officer is on the roster, an inspection
//! names at least two officers (执法人员不少于两人) when it names any, a verification names at
//! least one person, the procedure is one the devices know.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Task {
    id: String,
    source: Source,
    #[serde(default)]
    source_ref: Option<String>,
    enterprise_id: String,
    procedure: String,
    officers: Vec<String>,
    due: chrono::NaiveDate,
    #[serde(default)]
    needs_sampling: bool,
    #[serde(default)]
    items: Vec<String>,
    #[serde(default)]
    approved_by: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// 任务来源, as the device names them.
#[derive(Deserialize, PartialEq, Eq, Clone, Copy, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    RandomDraw,
    WorkOrder,
    Complaint,
    Special,
    UpperSpecial,
    Recheck,
    Referral,
    PermitFollowup,
    Patrol,
    Lead,
}

/// The procedures in `forms/procedures/`.
const PROCEDURES: [&str; 2] = ["inspection", "verification"];

/// Checks item `i` (without `team`, which the center keeps apart); `roster` is every officer
/// id the center knows. Answers the task's named officers.
pub fn check(i: usize, v: &Value, roster: &BTreeSet<String>) -> Result<Vec<String>, ApiError> {
    let task: Task = serde_path_to_error::deserialize(v.clone()).map_err(|e| {
        let at = e.path().to_string();
        ApiError::bad_request(format!(
            "item {i}: not a task the devices can read: {}{}",
            if at == "." {
                String::new()
            } else {
                format!("at {at}: ")
            },
            e.inner()
        ))
    })?;
    if !PROCEDURES.contains(&task.procedure.as_str()) {
        return Err(ApiError::bad_request(format!(
            "item {i}: procedure must be one of {}",
            PROCEDURES.join(", ")
        )));
    }
    if let Some(unknown) = task.officers.iter().find(|o| !roster.contains(*o)) {
        return Err(ApiError::bad_request(format!(
            "item {i}: officer {unknown} is not on the center's roster"
        )));
    }
    let distinct: BTreeSet<&String> = task.officers.iter().collect();
    if distinct.len() != task.officers.len() {
        return Err(ApiError::bad_request(format!(
            "item {i}: an officer is named twice"
        )));
    }
    if task.procedure == "inspection" && distinct.len() == 1 {
        return Err(ApiError::bad_request(format!(
            "item {i}: an inspection is made by at least two officers; name two or more (or none, and the team decides on site)"
        )));
    }
    Ok(task.officers)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn roster() -> BTreeSet<String> {
        ["O-1", "O-2", "G-1"].map(String::from).into()
    }

    fn task() -> Value {
        json!({"id": "T-1", "source": "complaint", "source_ref": "12369-1", "enterprise_id": "E-1",
            "procedure": "inspection", "officers": ["O-1", "O-2"], "due": "2026-12-01",
            "note": "群众反映夜间偷排"})
    }

    #[test]
    fn a_whole_task_passes() {
        assert_eq!(check(0, &task(), &roster()).unwrap(), ["O-1", "O-2"]);
        let mut t = task();
        t["officers"] = json!([]);
        assert!(check(0, &t, &roster()).is_ok(), "the team decides on site");
        t["procedure"] = json!("verification");
        t["officers"] = json!(["G-1"]);
        assert!(check(0, &t, &roster()).is_ok());
    }

    #[test]
    fn what_a_device_cannot_read_or_the_rules_forbid_is_refused() {
        let bad = |f: &dyn Fn(&mut Value), words: &str| {
            let mut t = task();
            f(&mut t);
            let e = check(3, &t, &roster()).unwrap_err();
            assert!(e.body.en.contains(words), "{words}: {}", e.body.en);
            assert!(e.body.en.contains("item 3"), "{}", e.body.en);
        };
        bad(&|t| t["colour"] = json!("red"), "unknown field");
        bad(&|t| t["source"] = json!("rumour"), "source");
        bad(&|t| t["due"] = json!("2026-13-01"), "due");
        bad(&|t| t["procedure"] = json!("raid"), "procedure");
        bad(&|t| t["officers"] = json!(["O-1"]), "at least two");
        bad(&|t| t["officers"] = json!(["O-1", "O-1"]), "twice");
        bad(&|t| t["officers"] = json!(["O-1", "O-9"]), "O-9");
    }
}
