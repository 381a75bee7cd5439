//! Tampering with the store behind the engine's back: each edit is made with a separate SQLite
//! connection on a store that verified clean, and `verify` must name the first broken link (or,
//! for a snapshot edit, the case whose snapshot no longer matches its operations).
//!
//! The store each sub-test starts from (seqs):
//!   1 reference_imported, 2 case_opened, 3 checked_in, 4 credential_shown (O-ZHANG),
//!   5 credential_shown (O-LI), 6 notice_given, 7 answered (CM-10), 8 answered (CM-11).

use std::path::{Path, PathBuf};

use fieldcase_core::engine::command::FixInput;
use fieldcase_core::engine::verify::VerifyReport;
use fieldcase_core::env::SteppingEnv;
use fieldcase_core::forms::FormSet;
use fieldcase_core::{Command, Engine, ReferenceBundle};
use rusqlite::{Connection, params};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[derive(Debug)]
struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    case_id: String,
}

fn engine(dir: &Path) -> Engine<SteppingEnv> {
    let forms = FormSet::load(&Path::new(ROOT).join("forms")).expect("forms load");
    let env = SteppingEnv::at("2026-11-23T09:00:00+08:00", 1000).expect("clock");
    Engine::open(dir, forms, env).expect("engine open")
}

/// A fresh store with the first steps of the demo inspection, verified clean.
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("device");
    let mut eng = engine(&dir);
    let text = std::fs::read_to_string(Path::new(ROOT).join("demo/electroplating/reference.json"))
        .expect("read reference");
    let bundle: ReferenceBundle = serde_json::from_str(&text).expect("parse reference");
    eng.import(&bundle).expect("import");

    let opened = eng
        .execute(&Command::OpenCase {
            task_id: "T-2026-1123-01".into(),
            by: "O-ZHANG".into(),
            covert: false,
            justification: None,
        })
        .expect("open case");
    let case_id = opened.case_id.clone();
    let fix = FixInput {
        lat: 31.2557,
        lon: 120.6050,
        accuracy_m: 8.0,
        source: None,
        fix_time: None,
    };
    let steps = [
        Command::CheckIn {
            case_id: case_id.clone(),
            by: "O-ZHANG".into(),
            fix,
            reason: None,
        },
        Command::ShowCredential {
            case_id: case_id.clone(),
            officer_id: "O-ZHANG".into(),
            evidence_id: None,
        },
        Command::ShowCredential {
            case_id: case_id.clone(),
            officer_id: "O-LI".into(),
            evidence_id: None,
        },
        Command::GiveNotice {
            case_id: case_id.clone(),
            by: "O-ZHANG".into(),
            credentials_seen: true,
            recusal_requested: false,
            recusal_reason: None,
        },
        answer(&case_id, "CM-10"),
        answer(&case_id, "CM-11"),
    ];
    let expected = [
        "checked_in",
        "credential_shown",
        "credential_shown",
        "notice_given",
        "answered",
        "answered",
    ];
    for (i, (cmd, kind)) in steps.iter().zip(expected).enumerate() {
        let out = eng.execute(cmd).unwrap_or_else(|e| panic!("step {i}: {e}"));
        assert_eq!(out.kind, kind);
        assert_eq!(out.seq, i as i64 + 3);
    }
    let report = eng.verify().expect("verify");
    assert!(report.ok(), "clean store: {report:#?}");
    assert_eq!(report.chain.links, 8);
    assert_eq!(report.cases, 1);
    Fixture {
        _tmp: tmp,
        dir,
        case_id,
    }
}

fn answer(case_id: &str, item: &str) -> Command {
    Command::Answer {
        case_id: case_id.into(),
        by: "O-ZHANG".into(),
        item_id: item.into(),
        instance: None,
        value: serde_json::json!("compliant"),
        note: None,
        finding_text: None,
        evidence: vec![],
    }
}

/// A second connection to the store's database, as someone editing the file would have.
fn raw(f: &Fixture) -> Connection {
    Connection::open(f.dir.join("fieldcase.db")).expect("open raw")
}

fn verify(f: &Fixture) -> VerifyReport {
    engine(&f.dir).verify().expect("verify runs")
}

fn assert_break(report: &VerifyReport, seq: i64, reason_has: &str) {
    assert!(!report.ok(), "tampering went unnoticed: {report:#?}");
    let b = report
        .chain
        .first_break
        .as_ref()
        .unwrap_or_else(|| panic!("no chain break reported: {report:#?}"));
    assert_eq!(b.seq, seq, "first break at the wrong link: {report:#?}");
    assert!(
        b.reason.contains(reason_has),
        "reason {:?} does not say {reason_has:?}",
        b.reason
    );
}

#[test]
fn edited_payload_breaks_its_own_link() {
    let f = fixture();
    let conn = raw(&f);
    let (kind, payload): (String, String) = conn
        .query_row("SELECT kind, payload FROM ops WHERE seq = 3", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("seq 3");
    assert_eq!(kind, "checked_in");
    // Move the check-in fix 0.0003° (≈ 30 m) — still valid JSON, still a plausible record.
    let edited = payload.replacen("31.2557", "31.256", 1);
    assert_ne!(edited, payload, "payload holds the fix latitude");
    assert_eq!(
        conn.execute("UPDATE ops SET payload = ?1 WHERE seq = 3", [&edited])
            .expect("update"),
        1
    );
    drop(conn);

    let report = verify(&f);
    assert_break(&report, 3, "content does not match its hash");
}

#[test]
fn deleted_middle_row_is_reported_as_missing() {
    let f = fixture();
    let conn = raw(&f);
    // foreign_keys is off on this connection, as it is for any outside editor.
    conn.execute("DELETE FROM outbox WHERE op_seq = 4", [])
        .expect("delete outbox");
    assert_eq!(
        conn.execute("DELETE FROM ops WHERE seq = 4", [])
            .expect("delete"),
        1
    );
    drop(conn);

    let report = verify(&f);
    // The first link that fails is 5 (its predecessor is gone); the reason names the missing 4.
    assert_break(&report, 5, "link 4 is missing");
}

#[test]
fn deleted_middle_row_renumbered_still_breaks() {
    // A more careful editor closes the gap by renumbering the later rows: the seq check passes,
    // but seq is inside each link's hash and the previous-hash no longer lines up.
    let f = fixture();
    let conn = raw(&f);
    conn.execute("DELETE FROM outbox WHERE op_seq >= 4", [])
        .expect("delete outbox");
    conn.execute("DELETE FROM ops WHERE seq = 4", [])
        .expect("delete");
    for seq in 5..=8 {
        conn.execute(
            "UPDATE ops SET seq = ?1 WHERE seq = ?2",
            params![seq - 1, seq],
        )
        .expect("renumber");
    }
    drop(conn);

    let report = verify(&f);
    assert_break(&report, 4, "previous-hash does not match");
}

#[test]
fn swapped_signatures_break_the_earlier_link() {
    let f = fixture();
    let conn = raw(&f);
    let s3: String = conn
        .query_row("SELECT signature FROM ops WHERE seq = 3", [], |r| r.get(0))
        .expect("sig 3");
    let s4: String = conn
        .query_row("SELECT signature FROM ops WHERE seq = 4", [], |r| r.get(0))
        .expect("sig 4");
    assert_ne!(s3, s4);
    conn.execute("UPDATE ops SET signature = ?1 WHERE seq = 3", [&s4])
        .expect("update 3");
    conn.execute("UPDATE ops SET signature = ?1 WHERE seq = 4", [&s3])
        .expect("update 4");
    drop(conn);

    let report = verify(&f);
    assert_break(&report, 3, "device signature does not verify");
}

#[test]
fn edited_snapshot_is_a_problem_not_a_chain_break() {
    let f = fixture();
    let conn = raw(&f);
    // Claim the case was opened by the other officer: the snapshot stays a well-formed case.
    let n = conn
        .execute(
            "UPDATE case_states SET state = json_set(state, '$.opened_by', 'O-LI') WHERE case_id = ?1",
            [&f.case_id],
        )
        .expect("update snapshot");
    assert_eq!(n, 1);
    drop(conn);

    let report = verify(&f);
    assert!(!report.ok(), "snapshot edit went unnoticed: {report:#?}");
    assert_eq!(
        report.chain.first_break, None,
        "the chain itself is intact: {report:#?}"
    );
    assert_eq!(report.chain.links, 8);
    assert_eq!(report.problems.len(), 1, "{report:#?}");
    let p = &report.problems[0];
    assert!(
        p.contains(&f.case_id) && p.contains("snapshot differs from the fold"),
        "problem {p:?}"
    );
}

#[test]
fn truncated_tail_shows_as_snapshot_drift() {
    // Dropping the last link leaves a chain that verifies on its own (nothing follows it); the case
    // snapshot still holds the dropped answer, so the re-fold catches it.
    let f = fixture();
    let conn = raw(&f);
    conn.execute("DELETE FROM outbox WHERE op_seq = 8", [])
        .expect("delete outbox");
    assert_eq!(
        conn.execute("DELETE FROM ops WHERE seq = 8", [])
            .expect("delete"),
        1
    );
    drop(conn);

    let report = verify(&f);
    assert!(!report.ok(), "truncation went unnoticed: {report:#?}");
    assert_eq!(report.chain.links, 7);
    assert_eq!(report.chain.first_break, None);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains(&f.case_id) && p.contains("snapshot differs")),
        "{report:#?}"
    );
}
