//! The `fieldcase` binary end to end: a whole inspection of the demo electroplating plant from its
//! scenario file, ending with locked, signed transcripts and a store that verifies.

mod common;

use common::{ROOT, fieldcase};

#[test]
fn demo_inspection_runs_to_locked_signed_transcripts() {
    let dir = tempfile::tempdir().unwrap();
    let out = fieldcase(dir.path(), &["run", "demo/electroplating/scenario.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("refused as expected [V-05]") && text.contains("refused as expected [V-08]"),
        "{text}"
    );
    assert!(text.contains("status Closed"), "{text}");
    let locked: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("transcript ") && l.contains(" locked "))
        .collect();
    assert_eq!(locked.len(), 2, "{text}");
    assert!(locked.iter().all(|l| l.ends_with("signatures 3")), "{text}");
    let v = fieldcase(dir.path(), &["verify"]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}

#[test]
fn forms_check_lists_forms_and_refuses_a_corrupted_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = fieldcase(dir.path(), &["forms", "check", "forms"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("ok: 2 procedures, 12 checklists"),
        "{text}"
    );
    assert!(
        text.contains("checklist electroplating") && text.contains("items"),
        "{text}"
    );
    // Corrupt one item in a copy.
    let copy = dir.path().join("forms");
    for sub in ["legal", "checklists", "procedures"] {
        std::fs::create_dir_all(copy.join(sub)).unwrap();
        for e in std::fs::read_dir(format!("{ROOT}/forms/{sub}")).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, copy.join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    let f = copy.join("checklists/common.yaml");
    let t = std::fs::read_to_string(&f)
        .unwrap()
        .replacen("ans: tri", "ans: maybe", 1);
    std::fs::write(&f, t).unwrap();
    let out = fieldcase(dir.path(), &["forms", "check", copy.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("common.yaml:") && err.contains("maybe") && err.contains("forms not loaded"),
        "{err}"
    );
}

#[test]
fn demo_case_exports_to_a_bundle_that_verifies_and_a_flipped_byte_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = fieldcase(dir.path(), &["run", "demo/electroplating/scenario.json"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let case = common::case_id(&text);
    let bundle = dir.path().join("case.zip");
    let e = fieldcase(
        dir.path(),
        &["export", &case, "--out", bundle.to_str().unwrap()],
    );
    assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
    let v = fieldcase(dir.path(), &["verify", bundle.to_str().unwrap()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    // Flip one byte inside the stored case.json.
    let mut bytes = std::fs::read(&bundle).unwrap();
    // The name appears in the manifest text first, then in case.json's own local header.
    let at = bytes
        .windows(9)
        .enumerate()
        .filter(|(_, w)| *w == b"case.json")
        .nth(1)
        .unwrap()
        .0;
    let body = at + 9 + 200;
    bytes[body] ^= 0x20;
    std::fs::write(&bundle, &bytes).unwrap();
    let v = fieldcase(dir.path(), &["verify", bundle.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&v.stderr);
    assert_eq!(v.status.code(), Some(2), "{err}");
    assert!(err.contains("case.json"), "{err}");
}
