//! Tampering with the store behind the engine's back: each edit is made with a separate SQLite
//! connection on a store that verified clean, and `verify` must name the first broken link (or,
//! for a snapshot edit, the case whose snapshot no longer matches its operations).
//!
//! The store each sub-test starts from (seqs):
//!   1 reference_imported, 2 case_opened, 3 checked_in, 4 credential_shown (O-ZHANG),
//!   5 credential_shown (O-LI), 6 notice_given, 7 answered (CM-10), 8 answered (CM-11).

mod common;

use std::path::{Path, PathBuf};

use common::Fx;
use fieldcase_core::Engine;
use fieldcase_core::engine::verify::VerifyReport;
use fieldcase_core::env::SteppingEnv;
use rusqlite::{Connection, params};
use serde_json::json;

#[derive(Debug)]
struct Fixture {
    _fx: Fx,
    dir: PathBuf,
    case_id: String,
}

/// A fresh store with the first steps of the demo inspection, verified clean.
fn fixture() -> Fixture {
    let mut fx = Fx::new();
    fx.informed();
    for item in ["CM-10", "CM-11"] {
        fx.ok(json!({"step": "answer", "by": "O-ZHANG", "item_id": item, "value": "compliant"}));
    }
    let report = fx.eng.verify().expect("verify");
    assert!(report.ok(), "clean store: {report:#?}");
    assert_eq!(report.chain.links, 8);
    assert_eq!(report.cases, 1);
    let dir = fx.dir.path().to_path_buf();
    let case_id = fx.case.clone();
    Fixture {
        _fx: fx,
        dir,
        case_id,
    }
}

/// The store reopened by a fresh engine, as the device would after the file was edited.
fn engine(dir: &Path) -> Engine<SteppingEnv> {
    let env = SteppingEnv::at("2026-11-23T10:00:00+08:00", 1000).expect("clock");
    Engine::open(dir, common::forms(), env).expect("engine open")
}

/// A second connection to the store's database, as someone editing the file would have (with
/// the store's key: someone holding the unlocked device — without it the file does not open).
fn raw(f: &Fixture) -> Connection {
    fieldcase_core::store::raw_connection(&f.dir).expect("open raw")
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
