//! Crash test: a writer process is killed with SIGKILL at random instants, hundreds of times, and
//! after every kill the store must be whole. Records here are legal evidence: a step the device
//! reported as committed must survive, and no step may be half-written (an operation without its
//! outbox entry, or a case snapshot that does not match the fold of its operations).
//!
//! The writer is the hidden `fieldcase crash-writer` subcommand: it opens a case on the first inbox
//! task, checks in, then commits notes forever, printing each committed seq on its own line.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fieldcase_core::Engine;
use fieldcase_core::env::SystemEnv;
use fieldcase_core::forms::FormSet;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_fieldcase");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// Kills per test.
const KILLS: usize = 200;
/// Signal number of SIGKILL (what `Child::kill` sends on Unix).
const SIGKILL: i32 = 9;

fn forms_dir() -> PathBuf {
    Path::new(ROOT).join("forms")
}

fn reference_path() -> PathBuf {
    Path::new(ROOT).join("demo/electroplating/reference.json")
}

/// xorshift64: a deterministic sequence, so a failing run can be replayed.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn import(store: &Path, file: &Path) {
    let out = Command::new(BIN)
        .env("FIELDCASE_KEY_STORE", common::key_store())
        .arg("--store")
        .arg(store)
        .arg("--forms")
        .arg(forms_dir())
        .arg("import")
        .arg(file)
        .output()
        .expect("run fieldcase import");
    assert!(
        out.status.success(),
        "import failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Read queries over the store, through the core crate's public API (`Store::conn`).
mod db {
    use fieldcase_core::engine::Engine;
    use fieldcase_core::env::SystemEnv;

    #[derive(Debug)]
    pub struct Conn<'a>(pub &'a Engine<SystemEnv>);

    impl Conn<'_> {
        pub fn count(&self, sql: &str) -> i64 {
            self.0
                .store()
                .conn()
                .query_row(sql, [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }

        pub fn count1(&self, sql: &str, p: &str) -> i64 {
            self.0
                .store()
                .conn()
                .query_row(sql, [p], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }

        pub fn seq_present(&self, seq: i64) -> bool {
            let n: i64 = self
                .0
                .store()
                .conn()
                .query_row("SELECT COUNT(*) FROM ops WHERE seq = ?1", [seq], |r| {
                    r.get(0)
                })
                .unwrap_or_else(|e| panic!("seq {seq}: {e}"));
            n == 1
        }

        pub fn case_ids(&self) -> Vec<String> {
            let conn = self.0.store().conn();
            let mut stmt = conn
                .prepare("SELECT id FROM cases ORDER BY id")
                .expect("prepare");
            let rows = stmt.query_map([], |r| r.get(0)).expect("query");
            rows.collect::<Result<_, _>>().expect("case ids")
        }
    }
}

/// What one writer run printed before it died.
#[derive(Debug)]
struct Run {
    seqs: Vec<i64>,
}

/// Spawns the writer, kills it after a random delay (sometimes only once it has printed a line,
/// so the kill lands mid-stream), and returns the seqs it printed.
fn run_and_kill(store: &Path, rng: &mut Rng, iteration: usize) -> Run {
    let mut child = Command::new(BIN)
        .env("FIELDCASE_KEY_STORE", common::key_store())
        .arg("--store")
        .arg(store)
        .arg("--forms")
        .arg(forms_dir())
        .arg("crash-writer")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn crash-writer");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                // Only a whole line counts as printed; the writer prints "seq\n" in one write.
                Ok(_) if line.ends_with('\n') => {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
                Ok(_) => break,
            }
        }
    });

    let mut early: Vec<String> = Vec::new();
    if rng.below(3) == 0 {
        // Wait for the first committed step, then a little more: the kill lands mid-stream.
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => early.push(l),
            Err(_) => {
                // The writer died or hung: fall through, the exit status check below reports it.
            }
        }
        std::thread::sleep(Duration::from_millis(rng.below(11)));
    } else {
        std::thread::sleep(Duration::from_millis(rng.below(41)));
    }
    // `Child::kill` sends SIGKILL on Unix: no destructor, no flush, no chance to finish a step.
    child.kill().expect("kill crash-writer");
    let status = child.wait().expect("wait crash-writer");
    reader.join().expect("reader thread");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert_eq!(
        status.signal(),
        Some(SIGKILL),
        "iteration {iteration}: crash-writer was expected to write until killed, but it exited by itself ({status}); stderr:\n{stderr}"
    );
    let seqs = early
        .into_iter()
        .chain(rx.try_iter())
        .map(|l| {
            l.trim()
                .parse::<i64>()
                .unwrap_or_else(|e| panic!("iteration {iteration}: bad line {l:?}: {e}"))
        })
        .collect();
    Run { seqs }
}

/// Everything that must hold after a kill.
fn check_store(store: &Path, forms: &Path, run: &Run, iteration: usize) -> i64 {
    let forms = FormSet::load(forms).expect("forms load");
    common::test_keys();
    let engine = Engine::open(store, forms, SystemEnv)
        .unwrap_or_else(|e| panic!("iteration {iteration}: open after kill: {e}"));
    let report = engine
        .verify()
        .unwrap_or_else(|e| panic!("iteration {iteration}: verify: {e}"));
    assert!(
        report.ok(),
        "iteration {iteration}: verify after kill: {report:#?}"
    );

    let db = db::Conn(&engine);
    // A printed seq was committed before it was printed, so it must have survived the kill.
    for &seq in &run.seqs {
        assert!(
            db.seq_present(seq),
            "iteration {iteration}: seq {seq} was printed (committed) but is not in the store"
        );
    }

    // Each step whole: every operation has its outbox entry, except the reference imports, which
    // are recorded in the chain but never sent back.
    let ops = db.count("SELECT COUNT(*) FROM ops");
    let outbox = db.count("SELECT COUNT(*) FROM outbox");
    let local = db.count("SELECT COUNT(*) FROM ops WHERE kind = 'reference_imported'");
    assert_eq!(
        ops,
        outbox + local,
        "iteration {iteration}: ops {ops} != outbox {outbox} + local links {local}"
    );
    let mismatched = db.count(
        "SELECT COUNT(*) FROM ops o LEFT JOIN outbox b ON b.op_seq = o.seq
         WHERE (o.kind = 'reference_imported') = (b.op_seq IS NOT NULL)",
    );
    assert_eq!(
        mismatched, 0,
        "iteration {iteration}: {mismatched} ops with a missing or unexpected outbox entry"
    );
    let orphans = db.count(
        "SELECT COUNT(*) FROM outbox b LEFT JOIN ops o ON o.seq = b.op_seq WHERE o.seq IS NULL",
    );
    assert_eq!(
        orphans, 0,
        "iteration {iteration}: outbox entries without their operation"
    );

    // Each snapshot matches its operations: as many notes as note_added ops, and last_seq is the
    // case's last operation.
    for id in db.case_ids() {
        let case = engine.case(&id).expect("case");
        let notes = db.count1(
            "SELECT COUNT(*) FROM ops WHERE case_id = ?1 AND kind = 'note_added'",
            &id,
        );
        assert_eq!(
            case.notes.len() as i64,
            notes,
            "iteration {iteration}: case {id} snapshot has {} notes, the log {notes}",
            case.notes.len()
        );
        let last_seq = db.count1("SELECT last_seq FROM cases WHERE id = ?1", &id);
        let max_seq = db.count1("SELECT MAX(seq) FROM ops WHERE case_id = ?1", &id);
        assert_eq!(
            last_seq, max_seq,
            "iteration {iteration}: case {id} last_seq {last_seq}, its last op is {max_seq}"
        );
    }
    ops
}

/// Imports `reference` into a fresh store and kills the writer `KILLS` times.
fn crash_loop(reference: &Path, seed: u64) {
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("device");
    import(&store, reference);
    let forms = forms_dir();
    let mut rng = Rng(seed);
    let mut printed = 0usize;
    let mut mid_stream = 0usize;
    let mut ops = 0;
    for i in 0..KILLS {
        let run = run_and_kill(&store, &mut rng, i);
        printed += run.seqs.len();
        if !run.seqs.is_empty() {
            mid_stream += 1;
        }
        ops = check_store(&store, &forms, &run, i);
    }
    assert!(mid_stream > 0, "no kill landed after a committed step");
    println!(
        "crash: {KILLS} kills ({mid_stream} after at least one printed step), {printed} steps printed, {ops} ops in the store, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The demo reference as shipped: the writer picks the first inbox task (the electroplating
/// inspection, T-2026-1123-01).
#[test]
fn sigkill_leaves_every_step_whole_demo_reference() {
    crash_loop(&reference_path(), 0x9E37_79B9_7F4A_7C15);
}

/// The demo reference with only its verification task (T-2026-1123-02, grid worker G-WANG), whose
/// procedure has a note step.
#[test]
fn sigkill_leaves_every_step_whole_verification_task() {
    let text = std::fs::read_to_string(reference_path()).expect("read reference");
    let mut bundle: serde_json::Value = serde_json::from_str(&text).expect("parse reference");
    let tasks = bundle["tasks"].as_array_mut().expect("tasks");
    tasks.retain(|t| t["procedure"] == "verification");
    assert_eq!(
        tasks.len(),
        1,
        "the demo reference has one verification task"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("reference-verification.json");
    std::fs::write(&file, serde_json::to_vec(&bundle).expect("json")).expect("write reference");
    crash_loop(&file, 0xD1B5_4A32_D192_ED03);
}
