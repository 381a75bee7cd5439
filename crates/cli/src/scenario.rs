//! Scenario files: a whole inspection as JSON, run step by step against a store.
//!
//! ```json
//! { "clock": "2026-11-23T09:00:00+08:00",
//!   "import": ["reference.json"],
//!   "steps": [ {"step": "open_case", "task_id": "T-1", "by": "O-1", "save_as": "case"},
//!              {"step": "check_in", "by": "O-1", "fix": {...}},
//!              {"step": "draft_transcript", ..., "expect_refusal": "V-05"} ] }
//! ```
//! A step without `case_id` acts on the case the scenario opened last. `save_as: NAME` keeps the id
//! the step created (evidence, interview, transcript…); any string `"$NAME"` later is replaced by it.
//! `expect_refusal: CODE` makes the step a check that the engine refuses it with that code.
//! Relative paths (import files, evidence `path`) are relative to the scenario file.

use std::collections::BTreeMap;
use std::path::Path;

use fieldcase_core::ReferenceBundle;
use serde_json::Value;

use crate::store_cmd::{err, open};

pub(crate) fn run(
    store: &Path,
    forms: &Path,
    clock: Option<&str>,
    file: &Path,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let clock = clock
        .map(str::to_string)
        .or_else(|| doc.get("clock").and_then(Value::as_str).map(str::to_string));
    let mut eng = open(store, forms, clock.as_deref())?;
    for imp in doc
        .get("import")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = base.join(imp.as_str().ok_or("import entries are file names")?);
        let t = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let bundle: ReferenceBundle =
            serde_json::from_str(&t).map_err(|e| format!("{}: {e}", p.display()))?;
        println!("{}", eng.import(&bundle).map_err(err)?);
    }
    let steps = doc
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("a scenario needs a `steps` list")?;
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut current_case: Option<String> = None;
    for (i, raw) in steps.iter().enumerate() {
        let n = i + 1;
        let mut step = substitute(raw.clone(), &vars);
        let obj = step
            .as_object_mut()
            .ok_or(format!("step {n}: not an object"))?;
        let save_as = obj
            .remove("save_as")
            .and_then(|v| v.as_str().map(str::to_string));
        let expect = obj
            .remove("expect_refusal")
            .and_then(|v| v.as_str().map(str::to_string));
        let kind = obj
            .get("step")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        if kind != "open_case"
            && !obj.contains_key("case_id")
            && let Some(c) = &current_case
        {
            obj.insert("case_id".into(), Value::String(c.clone()));
        }
        if let Some(Value::String(p)) = obj.get("path") {
            let full = base.join(p);
            obj.insert("path".into(), Value::String(full.display().to_string()));
        }
        let cmd: fieldcase_core::Command =
            serde_json::from_value(step).map_err(|e| format!("step {n} ({kind}): {e}"))?;
        match (eng.execute(&cmd), expect) {
            (Ok(o), None) => {
                let flags: Vec<String> = o
                    .flags
                    .iter()
                    .map(|f| format!("{} {}", f.code, f.zh))
                    .collect();
                let flags = if flags.is_empty() {
                    String::new()
                } else {
                    format!("  flags: {}", flags.join("; "))
                };
                println!(
                    "{n:>3} {kind:<20} ok  seq {}{}{flags}",
                    o.seq,
                    o.created
                        .as_deref()
                        .map(|c| format!("  created {c}"))
                        .unwrap_or_default()
                );
                if kind == "open_case" {
                    current_case = Some(o.case_id.clone());
                }
                if let (Some(name), Some(id)) = (save_as, o.created) {
                    vars.insert(name, id);
                }
            }
            (Err(e), Some(code)) if e.refusal().is_some_and(|r| r.code == code) => {
                let r = e.refusal().map(|r| r.zh.clone()).unwrap_or_default();
                println!("{n:>3} {kind:<20} refused as expected [{code}] {r}");
            }
            (Ok(_), Some(code)) => {
                return Err(format!(
                    "step {n} ({kind}): expected refusal {code}, but it was accepted"
                ));
            }
            (Err(e), _) => return Err(format!("step {n} ({kind}): {}", err(e))),
        }
    }
    if let Some(c) = current_case {
        let case = eng.case(&c).map_err(err)?;
        println!("case {} status {:?}", case.id, case.status);
        for t in &case.transcripts {
            if let Some(v) = t.versions.last() {
                let locked = if v.locked_at.is_some() {
                    "locked"
                } else {
                    "draft"
                };
                println!(
                    "transcript {} ({}) v{} {locked} sha256 {} signatures {}",
                    t.id,
                    t.kind,
                    v.version,
                    v.content_hash,
                    v.signatures.len()
                );
            }
        }
    }
    Ok(())
}

fn substitute(v: Value, vars: &BTreeMap<String, String>) -> Value {
    match v {
        Value::String(s) => match s.strip_prefix('$').and_then(|k| vars.get(k)) {
            Some(x) => Value::String(x.clone()),
            None => Value::String(s),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(|x| substitute(x, vars)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, substitute(x, vars)))
                .collect(),
        ),
        other => other,
    }
}
