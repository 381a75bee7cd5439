//! Printing from the CLI to the virtual printer over loopback TCP: a case's receipt and a sample
//! label and the on-site record arrive as ESC/POS, are decoded as a printer would, and written as PNG pages.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn fieldcase(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fieldcase"))
        .current_dir(common::ROOT)
        .env("FIELDCASE_KEY_STORE", common::key_store())
        .args(args)
        .output()
        .expect("run fieldcase")
}

#[test]
fn receipt_and_label_print_to_the_virtual_printer() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    let run = fieldcase(&["--store", store, "run", "demo/electroplating/scenario.json"]);
    assert!(run.status.success());
    let text = String::from_utf8_lossy(&run.stdout);
    let case = common::case_id(&text);

    let out = dir.path().join("printed");
    let mut printer = Command::new(env!("CARGO_BIN_EXE_fieldcase"))
        .current_dir(common::ROOT)
        .args([
            "printer",
            "virtual",
            "--listen",
            "127.0.0.1:0",
            "--profile",
            "generic-80",
            "--jobs",
            "3",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(printer.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.rsplit(' ').next().unwrap().to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{first}");
    let to = format!("tcp:{addr}");

    let r = fieldcase(&[
        "--store",
        store,
        "print",
        "receipt",
        &case,
        "--printer",
        "generic-80",
        "--to",
        &to,
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let l = fieldcase(&[
        "--store",
        store,
        "print",
        "label",
        &case,
        "S-20261123-01",
        "--printer",
        "label-50x30",
        "--to",
        &to,
    ]);
    assert!(l.status.success(), "{}", String::from_utf8_lossy(&l.stderr));
    let t = fieldcase(&[
        "--store",
        store,
        "print",
        "transcript",
        &case,
        "--printer",
        "generic-80",
        "--to",
        &to,
    ]);
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let said = String::from_utf8_lossy(&t.stderr);
    assert!(said.contains("transcript onsite v2 (locked)"), "{said}");
    assert!(printer.wait().unwrap().success());
    let pngs: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // Receipt and label: a page each; the on-site record: one roll page per record page.
    assert!(pngs.len() >= 4, "{pngs:?}");
    for p in pngs {
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // PNG IHDR width: the 80 mm head is 576 dots wide.
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 576);
    }
}

#[test]
fn a_draft_record_is_not_printed_and_bluetooth_absence_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    assert!(
        fieldcase(&[
            "--store",
            store,
            "import",
            "demo/electroplating/reference.json"
        ])
        .status
        .success()
    );
    let step = dir.path().join("open.json");
    std::fs::write(
        &step,
        r#"{"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG"}"#,
    )
    .unwrap();
    let o = fieldcase(&["--store", store, "step", step.to_str().unwrap()]);
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let case = out["case_id"].as_str().unwrap();
    let file = dir.path().join("job.bin");
    let r = fieldcase(&[
        "--store",
        store,
        "print",
        "receipt",
        case,
        "--printer",
        "generic-58",
        "--to",
        &format!("file:{}", file.display()),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("print.not_locked"));
    assert!(!file.exists(), "nothing printed");
    let d = fieldcase(&["printer", "discover", "--seconds", "1"]);
    let err = String::from_utf8_lossy(&d.stderr);
    assert_eq!(d.status.code(), Some(2), "{err}");
    assert!(err.contains("Bluetooth"), "{err}");
}
