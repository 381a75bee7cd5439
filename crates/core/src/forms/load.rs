//! Loading `forms/`: parse every file, check everything, and load all of it or none of it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use regex::Regex;

use super::legal::LegalRegistry;
use super::problem::{FormErrors, FormProblem, SourceText};
use super::types::*;
use super::{Checklist, FormSet};

const PER_KINDS: &[&str] = &[
    "outlet",
    "tank",
    "unit",
    "facility",
    "outlet_pollutant",
    "pollutant",
    "monitoring_row",
    "condition",
];

/// Reads, validates and links a forms folder. All or nothing.
pub fn load_dir(root: &Path) -> Result<FormSet, FormErrors> {
    let mut problems = Vec::new();
    let legal_files = yaml_files(&root.join("legal"), &mut problems);
    let checklist_files = yaml_files(&root.join("checklists"), &mut problems);
    let procedure_files = yaml_files(&root.join("procedures"), &mut problems);

    let mut instruments = Vec::new();
    for path in &legal_files {
        if let Some((text, file)) = parse::<InstrumentsFile>(path, &mut problems) {
            check_instruments(path, &text, &file, &instruments, &mut problems);
            instruments.extend(file.instruments);
        }
    }
    let legal = LegalRegistry::new(instruments);

    let mut checklists: BTreeMap<String, (PathBuf, String, ChecklistFile)> = BTreeMap::new();
    for path in &checklist_files {
        if let Some((text, file)) = parse::<ChecklistFile>(path, &mut problems) {
            check_header(path, &text, &file.form, FormKind::Checklist, &mut problems);
            check_checklist(path, &text, &file, &legal, &mut problems);
            if checklists.contains_key(&file.form.id) {
                problems.push(problem(path, 0, None, "duplicate form id"));
            }
            checklists.insert(file.form.id.clone(), (path.clone(), text, file));
        }
    }
    let linked = link_checklists(&checklists, &mut problems);

    let mut procedures = BTreeMap::new();
    for path in &procedure_files {
        if let Some((text, file)) = parse::<ProcedureFile>(path, &mut problems) {
            check_header(path, &text, &file.form, FormKind::Procedure, &mut problems);
            check_procedure(path, &text, &file, &mut problems);
            procedures.insert(file.form.id.clone(), file);
        }
    }
    if procedures.is_empty() && problems.is_empty() {
        problems.push(problem(
            &root.join("procedures"),
            0,
            None,
            "no procedure found",
        ));
    }

    if problems.is_empty() {
        Ok(FormSet {
            root: root.to_path_buf(),
            checklists: linked,
            procedures,
            legal,
        })
    } else {
        Err(FormErrors(problems))
    }
}

fn problem(file: &Path, line: usize, item: Option<&str>, msg: impl Into<String>) -> FormProblem {
    FormProblem {
        file: file.to_path_buf(),
        line,
        item: item.map(str::to_string),
        message: msg.into(),
    }
}

fn yaml_files(dir: &Path, problems: &mut Vec<FormProblem>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(problem(dir, 0, None, format!("cannot read folder: {e}")));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files
}

fn parse<T: serde::de::DeserializeOwned>(
    path: &Path,
    problems: &mut Vec<FormProblem>,
) -> Option<(String, T)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(problem(path, 0, None, format!("cannot read: {e}")));
            return None;
        }
    };
    match serde_yaml_ng::from_str::<T>(&text) {
        Ok(v) => Some((text, v)),
        Err(e) => {
            let line = e.location().map_or(0, |l| l.line());
            let item = SourceText::new(&text).id_near(line);
            let msg = e.to_string();
            // serde_yaml_ng appends " at line X column Y"; the line is printed already.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            problems.push(problem(path, line, item.as_deref(), msg));
            None
        }
    }
}

fn check_header(
    path: &Path,
    text: &str,
    h: &FormHeader,
    kind: FormKind,
    problems: &mut Vec<FormProblem>,
) {
    let src = SourceText::new(text);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let line = src.line_of_id(&h.id);
    if h.id != stem {
        problems.push(problem(
            path,
            line,
            Some(&h.id),
            format!("form id must equal the file name `{stem}`"),
        ));
    }
    if !h
        .id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        problems.push(problem(
            path,
            line,
            Some(&h.id),
            "form id must match [a-z0-9_]+",
        ));
    }
    if h.kind != kind {
        problems.push(problem(
            path,
            src.line_containing("kind:"),
            Some(&h.id),
            format!("kind must be {kind:?} in this folder"),
        ));
    }
    if h.version.trim().is_empty() {
        problems.push(problem(
            path,
            src.line_containing("version:"),
            Some(&h.id),
            "version is empty",
        ));
    }
    if h.name_zh.trim().is_empty() || h.name_en.trim().is_empty() {
        problems.push(problem(
            path,
            line,
            Some(&h.id),
            "name_zh and name_en are both required",
        ));
    }
}

fn check_instruments(
    path: &Path,
    text: &str,
    file: &InstrumentsFile,
    earlier: &[Instrument],
    problems: &mut Vec<FormProblem>,
) {
    let src = SourceText::new(text);
    let mut ids: HashSet<&str> = earlier.iter().map(|i| i.id.as_str()).collect();
    let mut names: HashSet<&str> = earlier
        .iter()
        .flat_map(|i| std::iter::once(i.name.as_str()).chain(i.aliases.iter().map(String::as_str)))
        .collect();
    for ins in &file.instruments {
        let line = src.line_of_id(&ins.id);
        let here = |m: String| problem(path, line, Some(&ins.id), m);
        if !ids.insert(&ins.id) {
            problems.push(here("duplicate instrument id".into()));
        }
        for n in std::iter::once(&ins.name).chain(&ins.aliases) {
            if n.trim().is_empty() {
                problems.push(here("empty name or alias".into()));
            } else if !names.insert(n) {
                problems.push(here(format!(
                    "name or alias `{n}` is used by another instrument"
                )));
            }
        }
        if ins.versions.is_empty() {
            problems.push(here(
                "an instrument needs at least one dated version".into(),
            ));
        }
        for v in &ins.versions {
            if v.effective_to.is_some_and(|to| to <= v.effective_from) {
                problems.push(here(format!("version `{}` ends before it starts", v.label)));
            }
        }
    }
}

fn check_checklist(
    path: &Path,
    text: &str,
    file: &ChecklistFile,
    legal: &LegalRegistry,
    problems: &mut Vec<FormProblem>,
) {
    let src = SourceText::new(text);
    let id_re = Regex::new(r"^[A-Z]{2,4}-[0-9]{2,3}[a-z]?$").expect("static regex");
    let sections: HashSet<&str> = file.sections.iter().map(|s| s.zh.as_str()).collect();
    let mut seen = HashSet::new();
    // Legal references are checked for existence; the date only matters when a finding is made.
    let today = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    if file.items.is_empty() {
        problems.push(problem(
            path,
            src.line_containing("items:"),
            Some(&file.form.id),
            "a checklist needs items",
        ));
    }
    for item in &file.items {
        let line = src.line_of_id(&item.id);
        let mut p = |m: String| problems.push(problem(path, line, Some(&item.id), m));
        if !id_re.is_match(&item.id) {
            p("item id must look like EP-05 ([A-Z]{2,4}-[0-9]{2,3})".into());
        }
        if !seen.insert(item.id.as_str()) {
            p("duplicate item id in this form".into());
        }
        if !sections.contains(item.sec.as_str()) {
            p(format!(
                "section `{}` is not listed under `sections`",
                item.sec
            ));
        }
        if item.q_zh.trim().is_empty() || item.q_en.trim().is_empty() {
            p("q_zh and q_en are both required".into());
        }
        check_answer_shape(item, &mut p);
        if let Some(per) = &item.per
            && !PER_KINDS.contains(&per.as_str())
        {
            p(format!(
                "per `{per}` is not one of {}",
                PER_KINDS.join(", ")
            ));
        }
        for (key, list) in [("basis", &item.basis), ("penalty", &item.penalty)] {
            if let Err(i) = legal.resolve_list(list, today) {
                p(format!(
                    "{key} reference `{}` names no instrument in legal/",
                    list[i]
                ));
            }
        }
        if let Some(r) = item.escalate.as_ref().and_then(|e| e.r#ref.as_ref())
            && legal.instrument_of(r).is_none()
        {
            p(format!(
                "escalate reference `{r}` names no instrument in legal/"
            ));
        }
    }
}

fn check_answer_shape(item: &Item, p: &mut impl FnMut(String)) {
    let kind = item.ans;
    if kind != AnswerKind::Num && (item.unit.is_some() || item.limit.is_some()) {
        p("unit and limit belong to `num` items only".into());
    }
    if kind == AnswerKind::Choice && item.options.is_empty() {
        p("a `choice` item needs options".into());
    }
    if kind != AnswerKind::Choice && !item.options.is_empty() {
        p("options belong to `choice` items only".into());
    }
    for v in &item.violation_options {
        if !item.options.contains(v) {
            p(format!("violation option `{v}` is not among the options"));
        }
    }
    if item.violation_if.is_some() && kind != AnswerKind::Bool {
        p("violation_if belongs to `bool` items only".into());
    }
    if item.min_photos.is_some() && kind != AnswerKind::Photo {
        p("min_photos belongs to `photo` items only".into());
    }
    if let Some(rule) = &item.validate {
        if kind != AnswerKind::Text {
            p("validate belongs to `text` items only".into());
        }
        if let Err(e) = Regex::new(&rule.regex) {
            p(format!("validate regex does not compile: {e}"));
        }
    }
    if let Some(limit) = &item.limit {
        if limit.value.is_some() && limit.values.is_some() {
            p("a limit has either `value` or `values`, not both".into());
        }
        let all = limit
            .value
            .iter()
            .chain(limit.values.iter().flat_map(|m| m.values()))
            .chain(limit.alt.iter().flat_map(|a| {
                a.value
                    .iter()
                    .chain(a.values.iter().flat_map(|m| m.values()))
            }));
        for v in all {
            if let LimitValue::Range(s) = v
                && super::eval::parse_range(s).is_none()
            {
                p(format!(
                    "limit `{s}` is neither a number nor a range like \"6-9\""
                ));
            }
        }
        for a in &limit.alt {
            if a.when.trim().is_empty() {
                p("an alt limit needs a `when` flag".into());
            }
            if a.value.is_none() && a.values.is_none() {
                p(format!("alt limit `{}` has no value", a.when));
            }
        }
    }
}

/// Resolves `extends`, checks ids across the included forms and `show_if` targets.
fn link_checklists(
    files: &BTreeMap<String, (PathBuf, String, ChecklistFile)>,
    problems: &mut Vec<FormProblem>,
) -> BTreeMap<String, Checklist> {
    let mut out = BTreeMap::new();
    for (id, (path, text, file)) in files {
        let src = SourceText::new(text);
        let mut order = Vec::new();
        let mut visiting = BTreeSet::new();
        if let Err(msg) = collect_extends(id, files, &mut order, &mut visiting) {
            problems.push(problem(path, src.line_containing("extends"), Some(id), msg));
            continue;
        }
        let mut items: Vec<(String, Item)> = Vec::new();
        let mut ids: HashSet<String> = HashSet::new();
        for form_id in &order {
            let (_, _, f) = &files[form_id];
            for item in &f.items {
                if !ids.insert(item.id.clone()) && form_id == id {
                    problems.push(problem(
                        path,
                        src.line_of_id(&item.id),
                        Some(&item.id),
                        "item id is also used by a form this one extends",
                    ));
                }
                items.push((form_id.clone(), item.clone()));
            }
        }
        for item in &file.items {
            if let Some(cond) = &item.show_if
                && !ids.contains(&cond.item)
            {
                problems.push(problem(
                    path,
                    src.line_of_id(&item.id),
                    Some(&item.id),
                    format!(
                        "show_if refers to `{}`, which is not in this form or what it extends",
                        cond.item
                    ),
                ));
            }
        }
        out.insert(
            id.clone(),
            Checklist {
                file: file.clone(),
                path: path.clone(),
                items,
            },
        );
    }
    out
}

fn collect_extends(
    id: &str,
    files: &BTreeMap<String, (PathBuf, String, ChecklistFile)>,
    order: &mut Vec<String>,
    visiting: &mut BTreeSet<String>,
) -> Result<(), String> {
    if order.iter().any(|o| o == id) {
        return Ok(());
    }
    if !visiting.insert(id.to_string()) {
        return Err(format!("extends forms a cycle through `{id}`"));
    }
    let Some((_, _, file)) = files.get(id) else {
        return Err(format!(
            "extends `{id}`, which is not a checklist in this folder"
        ));
    };
    for parent in &file.form.extends {
        collect_extends(parent, files, order, visiting)?;
    }
    order.push(id.to_string());
    Ok(())
}

fn check_procedure(path: &Path, text: &str, file: &ProcedureFile, problems: &mut Vec<FormProblem>) {
    let src = SourceText::new(text);
    let form_id = file.form.id.as_str();
    let r = &file.rules;
    if r.min_officers == 0 {
        problems.push(problem(
            path,
            src.line_containing("min_officers"),
            Some(form_id),
            "min_officers must be at least 1",
        ));
    }
    if !(r.geofence_radius_m.is_finite() && r.geofence_radius_m > 0.0) {
        problems.push(problem(
            path,
            src.line_containing("geofence_radius_m"),
            Some(form_id),
            "geofence_radius_m must be a positive number",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut kinds = HashSet::new();
    for step in &file.steps {
        let line = src.line_of_id(&step.id);
        let mut p = |m: String| problems.push(problem(path, line, Some(&step.id), m));
        if seen.contains(&step.id.as_str()) {
            p("duplicate step id".into());
        }
        for a in &step.after {
            if !seen.contains(&a.as_str()) {
                p(format!("after `{a}`: no earlier step has that id"));
            }
        }
        if let Some(w) = &step.when
            && w != "task_needs_sampling"
        {
            p(format!("when `{w}` is not known (task_needs_sampling)"));
        }
        kinds.insert(step.kind);
        seen.push(&step.id);
    }
    if file.steps.is_empty() {
        problems.push(problem(
            path,
            src.line_containing("steps"),
            Some(form_id),
            "a procedure needs steps",
        ));
    }
    if kinds.contains(&StepKind::Notice) && file.notice.is_none() {
        problems.push(problem(
            path,
            src.line_containing("steps"),
            Some(form_id),
            "a notice step needs the `notice` text",
        ));
    }
    if kinds.contains(&StepKind::Signature) && r.required_signers.is_empty() {
        problems.push(problem(
            path,
            src.line_containing("required_signers"),
            Some(form_id),
            "a signature step needs required_signers",
        ));
    }
    let officers = r
        .required_signers
        .iter()
        .filter(|s| **s == SignerRole::Officer)
        .count();
    if kinds.contains(&StepKind::Signature) && (officers as u32) < r.min_officers {
        problems.push(problem(
            path,
            src.line_containing("required_signers"),
            Some(form_id),
            "required_signers must include every one of min_officers officers",
        ));
    }
}
