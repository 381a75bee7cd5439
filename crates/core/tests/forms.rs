//! The forms folder: everything in forms/ loads; a corrupted form is refused with file, line and
//! item and nothing of it loads; open drafts migrate to a newer checklist version.

mod common;

use std::fs;
use std::path::Path;

use common::{Fx, root};
use fieldcase_core::forms::FormSet;
use serde_json::json;

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn forms_copy() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_dir(&root().join("forms"), d.path());
    d
}

#[test]
fn every_file_in_forms_loads() {
    let set = common::forms();
    let files = fs::read_dir(root().join("forms/checklists"))
        .unwrap()
        .count();
    assert_eq!(set.checklists.len(), files, "every checklist file loaded");
    assert_eq!(set.checklists.len(), 12);
    for id in ["inspection", "verification"] {
        assert!(set.procedure(id).is_some(), "procedure {id}");
    }
    let ep = &set.checklists["electroplating"];
    assert!(
        ep.item("CM-07").is_some() && ep.item("EP-05").is_some(),
        "extends brings common items"
    );
    for c in set.checklists.values() {
        for (_, i) in &c.items {
            assert!(
                !i.q_zh.is_empty() && !i.q_en.is_empty(),
                "{} bilingual",
                i.id
            );
        }
    }
}

fn replace_in(dir: &Path, file: &str, from: &str, to: &str) -> String {
    let p = dir.join(file);
    let text = fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{file} contains {from}");
    let out = text.replacen(from, to, 1);
    fs::write(&p, &out).unwrap();
    out
}

#[test]
fn corrupted_form_names_file_line_and_item_and_loads_nothing() {
    let d = forms_copy();
    // A semantic error: an answer kind that does not take options.
    let text = replace_in(
        d.path(),
        "checklists/electroplating.yaml",
        "- id: EP-05\n",
        "- id: EP-05\n    options: [a]\n",
    );
    let line = text
        .lines()
        .position(|l| l.contains("- id: EP-05"))
        .unwrap()
        + 1;
    let err = FormSet::load(d.path()).expect_err("corrupted forms must not load");
    let p = err
        .0
        .iter()
        .find(|p| p.item.as_deref() == Some("EP-05"))
        .expect("EP-05 named");
    assert!(p.file.ends_with("checklists/electroplating.yaml"));
    assert_eq!(p.line, line);
    assert!(p.message.contains("options"), "{}", p.message);
    assert!(
        err.to_string()
            .contains(&format!("electroplating.yaml:{line}: EP-05:")),
        "{err}"
    );
}

#[test]
fn unknown_key_and_unknown_law_are_refused_with_location() {
    let d = forms_copy();
    replace_in(
        d.path(),
        "checklists/dyeing.yaml",
        "- id: DY-03\n",
        "- id: DY-03\n    evidance: req\n",
    );
    replace_in(
        d.path(),
        "checklists/common.yaml",
        "\"环境影响评价法 第25条\"",
        "\"不存在的法 第1条\"",
    );
    let err = FormSet::load(d.path()).expect_err("must not load");
    let typo = err
        .0
        .iter()
        .find(|p| p.file.ends_with("dyeing.yaml"))
        .expect("dyeing problem");
    assert!(
        typo.message.contains("evidance") && typo.line > 0 && typo.item.as_deref() == Some("DY-03"),
        "{typo}"
    );
    let law = err
        .0
        .iter()
        .find(|p| p.file.ends_with("common.yaml"))
        .expect("common problem");
    assert!(
        law.message.contains("不存在的法") && law.item.as_deref() == Some("CM-01"),
        "{law}"
    );
}

#[test]
fn broken_extends_and_show_if_are_refused() {
    let d = forms_copy();
    replace_in(
        d.path(),
        "checklists/electroplating.yaml",
        "extends: [common, hazardous_waste]",
        "extends: [common, nothing_here]",
    );
    let err = FormSet::load(d.path()).expect_err("must not load");
    assert!(
        err.0.iter().any(|p| p.message.contains("nothing_here")),
        "{err}"
    );
}

#[test]
fn committed_schemas_match_the_rust_types() {
    // `fieldcase forms schema forms/` regenerates them; this keeps the committed copies honest.
    for (name, ty) in [
        (
            "checklist.schema.json",
            schemars::schema_for!(fieldcase_core::forms::types::ChecklistFile),
        ),
        (
            "procedure.schema.json",
            schemars::schema_for!(fieldcase_core::forms::types::ProcedureFile),
        ),
        (
            "instruments.schema.json",
            schemars::schema_for!(fieldcase_core::forms::types::InstrumentsFile),
        ),
    ] {
        let committed = fs::read_to_string(root().join("forms/schema").join(name)).unwrap();
        let generated = serde_json::to_string_pretty(&ty).unwrap() + "\n";
        assert_eq!(
            committed, generated,
            "forms/schema/{name} is stale: run `fieldcase forms schema forms/`"
        );
    }
}

#[test]
fn open_draft_migrates_to_new_form_version_keeping_answers() {
    let mut fx = Fx::new();
    fx.informed();
    fx.ok(json!({"step": "answer", "by": "O-ZHANG", "item_id": "EP-01", "value": "compliant"}));
    fx.ok(json!({"step": "answer", "by": "O-ZHANG", "item_id": "EP-02", "value": "compliant"}));
    let case_id = fx.case.clone();
    // A new version of the electroplating checklist without EP-02.
    let d = forms_copy();
    let p = d.path().join("checklists/electroplating.yaml");
    let text = fs::read_to_string(&p).unwrap();
    let mut out = Vec::new();
    let mut skip = false;
    for l in text.lines() {
        if l.trim_start().starts_with("- {id: EP-02") || l.trim_start().starts_with("- id: EP-02") {
            skip = true;
        } else if skip && l.trim_start().starts_with("- ") {
            skip = false;
        }
        if !skip {
            out.push(l.to_string());
        }
    }
    let text = out
        .join("\n")
        .replacen("version: \"2025.1\"", "version: \"2026.1\"", 1);
    fs::write(&p, text).unwrap();
    let forms = FormSet::load(d.path()).expect("new forms load");
    assert!(forms.checklists["electroplating"].item("EP-02").is_none());
    drop(fx.eng);
    let env = fieldcase_core::env::SteppingEnv::at("2026-11-23T10:00:00+08:00", 1000).unwrap();
    let mut eng = fieldcase_core::Engine::open(fx.dir.path(), forms, env).unwrap();
    let outs = eng.migrate_drafts().unwrap();
    assert_eq!(outs.len(), 1);
    let case = eng.case(&case_id).unwrap();
    let ep = case
        .checklists
        .iter()
        .find(|f| f.id == "electroplating")
        .unwrap();
    assert_eq!(ep.version, "2026.1");
    assert!(
        case.answers.values().any(|a| a.item_id == "EP-01"),
        "kept by item id"
    );
    assert_eq!(case.retired_answers.len(), 1);
    assert_eq!(case.retired_answers[0].answer.item_id, "EP-02");
    assert_eq!(
        case.retired_answers[0].answered_under,
        "electroplating 2025.1"
    );
    assert_eq!(case.migrations[0].from_version, "2025.1");
    assert!(eng.verify().unwrap().ok());
    assert!(
        eng.migrate_drafts().unwrap().is_empty(),
        "migrating twice does nothing"
    );
}
