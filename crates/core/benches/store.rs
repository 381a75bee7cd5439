//! Store benchmark: what one procedure step costs to commit durably (in the encrypted store),
//! beside a bare SQLite insert of the same size under the same durability settings — plain and
//! under SQLCipher — and the task inbox query over a large store.
//!
//! `cargo bench -p fieldcase-core --bench store` prints the figures with their targets. A plain
//! `main` (harness = false) rather than criterion groups: the figures wanted are per-commit
//! latency percentiles, which need one timing per commit. Run without `--bench` (as
//! `cargo test --all-targets` does) it only does a few iterations of each part, as a smoke test.

use std::path::Path;
use std::time::{Duration, Instant};

use fieldcase_core::engine::command::FixInput;
use fieldcase_core::env::SteppingEnv;
use fieldcase_core::forms::FormSet;
use fieldcase_core::model::task::TaskSource;
use fieldcase_core::{Command, Engine, ReferenceBundle};
use rusqlite::Connection;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// Demo clock; every reading advances 1 ms so thousands of steps stay within the visit.
const START: &str = "2026-11-23T09:00:00+08:00";

/// Targets printed beside the figures.
const STEP_TARGET_MS: f64 = 3.0;
const INBOX_TARGET_MS: f64 = 20.0;

/// Items of the common checklist answered `tri`, without per-unit instances or conditions.
const TRI_ITEMS: &[&str] = &[
    "CM-10", "CM-11", "CM-12", "CM-13", "CM-14", "CM-15", "CM-16", "CM-17",
];

#[derive(Debug, Clone, Copy)]
struct Sizes {
    steps: usize,
    warmup: usize,
    enterprises: usize,
    cases: usize,
    inbox_runs: usize,
}

const FULL: Sizes = Sizes {
    steps: 2000,
    warmup: 100,
    enterprises: 30_000,
    cases: 10_000,
    inbox_runs: 50,
};
const SMOKE: Sizes = Sizes {
    steps: 20,
    warmup: 2,
    enterprises: 300,
    cases: 100,
    inbox_runs: 3,
};

fn forms() -> FormSet {
    FormSet::load(&Path::new(ROOT).join("forms")).expect("forms load")
}

fn demo_reference() -> ReferenceBundle {
    let text = std::fs::read_to_string(Path::new(ROOT).join("demo/electroplating/reference.json"))
        .expect("read reference");
    serde_json::from_str(&text).expect("parse reference")
}

fn engine(dir: &Path) -> Engine<SteppingEnv> {
    // The bench measures the encrypted store as the device runs it; its keys go to a key folder.
    fieldcase_core::store::KeyStore::set_process_default(fieldcase_core::store::KeyStore::Dir(
        Path::new(ROOT).join("target/test-keys"),
    ))
    .expect("key store");
    Engine::open(dir, forms(), SteppingEnv::at(START, 1).expect("clock")).expect("engine open")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median and 99th percentile, in milliseconds.
fn stats(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort_unstable();
    let n = samples.len();
    let median = if n % 2 == 1 {
        ms(samples[n / 2])
    } else {
        (ms(samples[n / 2 - 1]) + ms(samples[n / 2])) / 2.0
    };
    // Nearest-rank p99.
    let rank = (n * 99).div_ceil(100).max(1);
    (median, ms(samples[rank - 1]))
}

fn verdict(value: f64, target: f64) -> &'static str {
    if value <= target {
        "meets target"
    } else {
        "MISSES target"
    }
}

/// (a) One procedure step committed: op + outbox entry + audit link + case snapshot, fsynced.
/// Returns the payload size of the last committed step, for (b).
fn bench_step(dir: &Path, sizes: Sizes) -> usize {
    let mut eng = engine(dir);
    eng.import(&demo_reference()).expect("import");
    let opened = eng
        .execute(&Command::OpenCase {
            task_id: "T-2026-1123-01".into(),
            by: "O-ZHANG".into(),
            covert: false,
            justification: None,
        })
        .expect("open case");
    let case_id = opened.case_id;
    let fix = FixInput {
        lat: 31.2557,
        lon: 120.6050,
        accuracy_m: 8.0,
        source: None,
        fix_time: None,
    };
    for cmd in [
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
    ] {
        eng.execute(&cmd).expect("opening step");
    }
    let answer = |i: usize| Command::Answer {
        case_id: case_id.clone(),
        by: "O-ZHANG".into(),
        item_id: TRI_ITEMS[i % TRI_ITEMS.len()].into(),
        instance: None,
        value: serde_json::json!("compliant"),
        note: None,
        finding_text: None,
        evidence: vec![],
    };
    for i in 0..sizes.warmup {
        eng.execute(&answer(i)).expect("warm-up answer");
    }
    let mut samples = Vec::with_capacity(sizes.steps);
    let mut last_seq = 0;
    for i in 0..sizes.steps {
        let cmd = answer(i);
        let t = Instant::now();
        let out = eng.execute(&cmd).expect("answer");
        samples.push(t.elapsed());
        last_seq = out.seq;
    }
    let payload: String = eng
        .store()
        .conn()
        .query_row("SELECT payload FROM ops WHERE seq = ?1", [last_seq], |r| {
            r.get(0)
        })
        .expect("payload");
    let report = eng.verify().expect("verify");
    assert!(report.ok(), "store after the step benchmark: {report:#?}");
    let (median, p99) = stats(&mut samples);
    println!(
        "(a) one procedure step committed (op + outbox + audit link + snapshot), Answer, n={}",
        samples.len()
    );
    println!(
        "    step median {median:.3} ms  (target <= {STEP_TARGET_MS} ms: {})",
        verdict(median, STEP_TARGET_MS)
    );
    println!("    step p99    {p99:.3} ms");
    payload.len()
}

/// (b) A bare insert of a row of the same size, one transaction per row, WAL + synchronous=FULL:
/// into a plain file, and into one under SQLCipher with a raw key as the store is (what the
/// encryption at rest costs per commit).
fn bench_raw_insert(dir: &Path, payload_len: usize, sizes: Sizes, encrypted: bool) {
    let name = if encrypted {
        "raw-sqlcipher.db"
    } else {
        "raw.db"
    };
    let conn = Connection::open(dir.join(name)).expect("open raw");
    if encrypted {
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32)))
            .expect("key");
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("synchronous");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        .expect("create");
    let payload = "x".repeat(payload_len);
    let mut stmt = conn
        .prepare("INSERT INTO t (payload) VALUES (?1)")
        .expect("prepare");
    for _ in 0..sizes.warmup {
        stmt.execute([&payload]).expect("warm-up insert");
    }
    let mut samples = Vec::with_capacity(sizes.steps);
    for _ in 0..sizes.steps {
        let t = Instant::now();
        stmt.execute([&payload]).expect("insert");
        samples.push(t.elapsed());
    }
    let (median, p99) = stats(&mut samples);
    println!(
        "(b) raw rusqlite insert, {payload_len}-byte row, autocommit, WAL + synchronous=FULL, {}, n={}",
        if encrypted { "SQLCipher" } else { "plain" },
        samples.len()
    );
    println!("    insert median {median:.3} ms");
    println!("    insert p99    {p99:.3} ms");
}

/// A reference bundle with `enterprises` enterprises, one task per third of them (`cases` tasks),
/// and the two demo officers.
fn big_bundle(sizes: Sizes) -> ReferenceBundle {
    let demo = demo_reference();
    let template_e = demo.enterprises[0].clone();
    let template_t = demo
        .tasks
        .iter()
        .find(|t| t.procedure == "inspection")
        .expect("inspection task")
        .clone();
    let officers = demo
        .officers
        .iter()
        .filter(|o| o.id == "O-ZHANG" || o.id == "O-LI")
        .cloned()
        .collect();
    let enterprises = (0..sizes.enterprises)
        .map(|i| {
            let mut e = template_e.clone();
            e.id = format!("E-{i:05}");
            e.name = format!("基准企业{i:05}");
            e.uscc = format!("91320506MA{i:08}");
            e.location.lat += (i % 100) as f64 * 1e-3;
            e.location.lon += (i / 100 % 100) as f64 * 1e-3;
            e.boundary = None;
            e.past_inspections.clear();
            e
        })
        .collect();
    let step = (sizes.enterprises / sizes.cases).max(1);
    let tasks = (0..sizes.cases)
        .map(|i| {
            let mut t = template_t.clone();
            t.id = format!("T-{i:05}");
            t.enterprise_id = format!("E-{:05}", i * step);
            t.source = TaskSource::RandomDraw;
            t.source_ref = None;
            t.due = t.due + chrono::Days::new((i % 60) as u64);
            t
        })
        .collect();
    ReferenceBundle {
        roster_as_of: demo.roster_as_of,
        officers,
        enterprises,
        tasks,
        number_blocks: vec![],
    }
}

/// (c) The inbox over a store with `cases` open cases and `enterprises` enterprises.
fn bench_inbox(dir: &Path, sizes: Sizes) {
    let mut eng = engine(dir);
    let bundle = big_bundle(sizes);
    let t = Instant::now();
    eng.import(&bundle).expect("import big bundle");
    let import = t.elapsed();

    // Building the store is not what is measured: relax durability while the cases are opened
    // (each through the real engine path), then restore the store's setting.
    eng.store()
        .conn()
        .pragma_update(None, "synchronous", "OFF")
        .expect("synchronous off");
    let t = Instant::now();
    for task in &bundle.tasks {
        eng.execute(&Command::OpenCase {
            task_id: task.id.clone(),
            by: "O-ZHANG".into(),
            covert: false,
            justification: None,
        })
        .unwrap_or_else(|e| panic!("open case on {}: {e}", task.id));
    }
    let opening = t.elapsed();
    eng.store()
        .conn()
        .pragma_update(None, "synchronous", "FULL")
        .expect("synchronous full");
    let (cases, enterprises): (i64, i64) = eng
        .store()
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM enterprises)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("counts");
    println!(
        "(c) inbox over {cases} open cases, {} tasks, {enterprises} enterprises (import {:.1} s, {cases} x OpenCase {:.1} s = {:.2} ms each)",
        bundle.tasks.len(),
        import.as_secs_f64(),
        opening.as_secs_f64(),
        ms(opening) / cases.max(1) as f64
    );

    for limit in [50u32, 10_000] {
        let rows = eng.inbox(limit).expect("inbox warm-up").len();
        let mut samples = Vec::with_capacity(sizes.inbox_runs);
        for _ in 0..sizes.inbox_runs {
            let t = Instant::now();
            let r = eng.inbox(limit).expect("inbox");
            samples.push(t.elapsed());
            assert_eq!(r.len(), rows);
        }
        let (median, p99) = stats(&mut samples);
        println!(
            "    inbox({limit}) -> {rows} rows: median {median:.3} ms, p99 {p99:.3} ms  (target <= {INBOX_TARGET_MS} ms: {})",
            verdict(median, INBOX_TARGET_MS)
        );
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full { FULL } else { SMOKE };
    let started = Instant::now();
    println!(
        "fieldcase store benchmark ({})",
        if full {
            "full"
        } else {
            "smoke run; pass --bench for figures"
        }
    );
    // On the same disk as the build, not a RAM-backed /tmp: fsync cost is the point.
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let step_dir = tempfile::tempdir_in(base).expect("tempdir");
    let payload_len = bench_step(&step_dir.path().join("device"), sizes);
    bench_raw_insert(step_dir.path(), payload_len, sizes, false);
    bench_raw_insert(step_dir.path(), payload_len, sizes, true);
    let inbox_dir = tempfile::tempdir_in(base).expect("tempdir");
    bench_inbox(&inbox_dir.path().join("device"), sizes);
    println!("total {:.1} s", started.elapsed().as_secs_f64());
}
