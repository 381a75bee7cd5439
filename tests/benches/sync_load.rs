//! Sync benchmarks (issue 4), each beside its anchor in the same run:
//! 1. 10,000 ops from 200 concurrent devices pushed over HTTP to the real server (release build),
//!    on SQLite and on PostgreSQL (a throwaway cluster with its default durability: fsync and
//!    synchronous commit on), end to end, beside a raw batched rusqlite insert of the same rows
//!    (one transaction per device batch, WAL, synchronous=FULL — what the server must do at least).
//!    On PostgreSQL also two floors: a raw multi-row insert of the same rows, and the links the
//!    server stored copied inside the database into a table like its own (`pg_floor`).
//! 2. The same 200 pushes at once: p50/p99 push latency and errors, each push timed from when
//!    its thread sent it, and the p99 again counted from the release of the burst (`Burst`).
//!
//! 1 and 2 run [`ROUNDS`] times per database, each round on a fresh center and database, and
//! print the median round with every round beside it: on 2 cores one run of the PostgreSQL push
//! varied from 240 to 450 ms, so a single figure said little.
//! 3. A 5 MB blob upload cut at a random byte and resumed: bytes re-sent and total wire overhead
//!    (request lines, headers and bodies counted on the socket) against the blob's size.
//!
//! Beside 1 and 2, where the CPU went while the 50-op pushes ran (`cpu_use`): the server,
//! PostgreSQL, the load generator and what was left idle. All three share the machine's cores, so
//! when little is idle the wall time is their sum over the cores.
//!
//! Run: `cargo bench -p fieldcase-tests --bench sync_load`. To compare two builds of the server,
//! `SYNC_BENCH_ROUNDS=9` runs more rounds and `SYNC_BENCH_ONLY=sqlite` (or `postgres`) one
//! database's part: the server's CPU for the same round varied from 0.31 to 0.39 s in one run
//! here, so a change worth less than that shows only in the median of many rounds. (A change
//! that looked like 0.34 → 0.30 s over 3 rounds was 0.32 against 0.32 over 9.) The machine's
//! own speed drifts too, over minutes: to compare two builds, keep each one's server binary and
//! alternate one-round runs with `SYNC_BENCH_SERVER=<binary>`, which runs that binary instead of
//! building the server.
//!
//! To profile the 50-op pushes alone: `mkfifo /tmp/ctl` and run the bench under
//! `perf record -a -D -1 --control fifo:/tmp/ctl` with `SYNC_BENCH_PERF_CTL=/tmp/ctl`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use fieldcase_protocol::chain::{GENESIS, LinkHeader, header_hash};
use fieldcase_protocol::{CONTEXT_AUDIT, Id, KeyPair, Sha256, signing_message};
use serde_json::{Value, json};

const DEVICES: usize = 200;
const OPS_PER_DEVICE: usize = 50;
/// Rounds of the push figures per database (each on a fresh center and database).
const ROUNDS: usize = 3;
const ADMIN: &str = "bench-admin-token-0123456789";

// The tests' throwaway PostgreSQL cluster (drop_database is for the tests only).
#[allow(dead_code)]
#[path = "../../sync-server/tests/support/pg_cluster.rs"]
mod pg_cluster;

#[path = "../tests/support/nested_cargo.rs"]
mod nested_cargo;

#[path = "support/cpu_use.rs"]
mod cpu_use;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The release server on `db` (`sqlite:PATH` or a `postgres://` URL), blobs in `dir`; or the
/// server binary `SYNC_BENCH_SERVER` names, as it is (to compare two builds round by round on a
/// machine whose speed drifts: the rusqlite anchor here took 123 ms in one run and 163 ms in
/// another a few minutes later).
fn start_server(dir: &Path, db: &str) -> Server {
    let binary = match std::env::var_os("SYNC_BENCH_SERVER").filter(|b| !b.is_empty()) {
        Some(b) => PathBuf::from(b),
        None => built_server(),
    };
    std::fs::create_dir_all(dir).expect("dir");
    let mut child = Command::new(&binary)
        .args(["--listen", "127.0.0.1:0", "--db", db])
        .arg("--blobs")
        .arg(dir.join("blobs"))
        // The center's signing keys (required with PostgreSQL).
        .arg("--keys")
        .arg(dir.join("center-keys"))
        .env("FIELDCASE_ADMIN_TOKEN", ADMIN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let l = lines.next().expect("output").expect("line");
        if let Some(a) = l.strip_prefix("listening on ") {
            break a.trim().to_string();
        }
    };
    Server { child, addr }
}

/// Builds the release server; answers its path.
fn built_server() -> PathBuf {
    let st = nested_cargo::command()
        .current_dir(root())
        // The same selection as `cargo bench --workspace` (the whole workspace, a bench target):
        // cargo resolves features per selection, and `-p fieldcase-server` would compile the
        // server's dependencies a second time with another feature set.
        .args([
            "build",
            "-q",
            "--release",
            "--workspace",
            "--bin",
            "fieldcase-server",
            "--bench",
            "sync_load",
        ])
        .status()
        .expect("cargo build");
    assert!(st.success());
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"));
    target.join("release/fieldcase-server")
}

/// One HTTP/1.1 request on a fresh connection; returns (status, body, bytes written).
fn http(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, Vec<u8>, usize) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_nodelay(true).ok();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nfieldcase-protocol: 1\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("write");
    s.write_all(body).expect("write");
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).expect("read");
    let text = String::from_utf8_lossy(&resp);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body_at = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(resp.len(), |p| p + 4);
    (status, resp[body_at..].to_vec(), head.len() + body.len())
}

fn admin(addr: &str, method: &str, path: &str, body: &Value) -> Value {
    let (s, b, _) = http(addr, method, path, ADMIN, body.to_string().as_bytes());
    assert!(
        (200..300).contains(&s),
        "{path}: {s} {}",
        String::from_utf8_lossy(&b)
    );
    serde_json::from_slice(&b).unwrap_or(Value::Null)
}

struct Device {
    id: String,
    token: String,
    body: Vec<u8>,
    /// The step after the bulk: one op, as pushed after each committed step.
    step: Vec<u8>,
    rows: Vec<(i64, String, String, String, String)>,
}

/// Enrolls device `i` and builds its batch: a case opened on its task, then 49 notes.
fn device(addr: &str, i: usize) -> Device {
    let user = format!("U-{i}");
    admin(
        addr,
        "POST",
        "/v1/admin/users",
        &json!({"user_id": user, "name": "检查员", "role": "inspector", "area": "3205", "team": "bench", "officer_id": null}),
    );
    let code = admin(
        addr,
        "POST",
        "/v1/admin/enrollment-codes",
        &json!({"user_id": user}),
    )["code"]
        .clone();
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    let key = KeyPair::from_seed_unchecked(seed).expect("key");
    // Distinct random bits per device (the UUID's version and variant bits overwrite some).
    let mut r10 = [0u8; 10];
    r10.copy_from_slice(&Sha256::of(format!("device-{i}").as_bytes()).as_bytes()[..10]);
    let id = Id::from_parts(1_790_000_000_000, r10).to_string();
    let (s, b, _) = http(
        addr,
        "POST",
        "/v1/enroll",
        "",
        &serde_json::to_vec(
            &fieldcase_protocol::sync::EnrollRequest::signed(
                1,
                code.as_str().expect("code"),
                &id,
                &key,
                "bench",
            )
            .expect("sign"),
        )
        .expect("json"),
    );
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
    let token = serde_json::from_slice::<Value>(&b).expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let seen = pulled_cursor(addr, &token);
    let case = format!("C-{i}");
    let mut prev = GENESIS.to_string();
    let mut ops = Vec::new();
    let mut rows = Vec::new();
    let now = 1_790_000_000_000u64;
    let mut step = Vec::new();
    for seq in 1..=OPS_PER_DEVICE as i64 + 1 {
        let (kind, payload) = if seq == 1 {
            (
                "case_opened",
                json!({"body": {"case": {"task_id": format!("T-{i}"), "enterprise_id": "E-B"}}})
                    .to_string(),
            )
        } else {
            ("note_added", json!({"body": {"op": "note_added", "text": format!("现场记录第{seq}条：车间排口正常")}}).to_string())
        };
        let op_id = Id::from_parts(now + seq as u64, r10).to_string();
        let hlc = format!("{:015}-{:010}-{id}", now + seq as u64, 0);
        let sha = Sha256::of(payload.as_bytes()).to_string();
        let h = LinkHeader {
            seq,
            op_id: &op_id,
            case_id: Some(&case),
            kind,
            hlc: &hlc,
            payload_sha256: &sha,
            prev_hash: &prev,
        };
        let hash = header_hash(&h, &id).expect("hash");
        let sig = key.sign(&signing_message(CONTEXT_AUDIT, hash.as_bytes()));
        ops.push(json!({"link": {"seq": seq, "op_id": op_id, "case_id": case, "kind": kind, "hlc": hlc, "payload_sha256": sha, "prev_hash": prev, "hash": hash.to_string(), "signature": sig.to_string()}, "payload": payload, "seen": seen}));
        if seq as usize <= OPS_PER_DEVICE {
            rows.push((seq, op_id, hash.to_string(), sig.to_string(), payload));
        } else if let Some(last) = ops.pop() {
            step = json!({"protocol": 1, "device_id": id, "ops": [last]})
                .to_string()
                .into_bytes();
        }
        prev = hash.to_string();
    }
    let body = json!({"protocol": 1, "device_id": id, "ops": ops})
        .to_string()
        .into_bytes();
    Device {
        id,
        token,
        body,
        step,
        rows,
    }
}

/// Pulls the device's scope to the end, as a device does before it works on a task; answers the
/// cursor, which its ops then carry as `seen`. (Ops made without ever pulling would carry 0, and
/// every case opening would then be a concurrent edit of its task's status: a conflict record
/// per push, which no real device makes.)
fn pulled_cursor(addr: &str, token: &str) -> i64 {
    let mut cursor = 0;
    loop {
        let (s, b, _) = http(
            addr,
            "GET",
            &format!("/v1/sync/pull?cursor={cursor}"),
            token,
            b"",
        );
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
        let page: Value = serde_json::from_slice(&b).expect("json");
        cursor = page["cursor"].as_i64().expect("cursor");
        if page["has_more"] != true {
            return cursor;
        }
    }
}

/// The anchor: the same rows in one transaction per device batch, WAL, synchronous=FULL.
fn raw_insert(dir: &Path, devices: &[Device]) -> Duration {
    let mut conn = rusqlite::Connection::open(dir.join("raw.db")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    conn.execute_batch("CREATE TABLE links (device TEXT, seq INTEGER, op_id TEXT UNIQUE, hash TEXT, signature TEXT, payload TEXT, PRIMARY KEY (device, seq))").expect("schema");
    let t = Instant::now();
    for d in devices {
        let tx = conn.transaction().expect("tx");
        {
            let mut st = tx
                .prepare("INSERT INTO links VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .expect("prepare");
            for (seq, op, hash, sig, payload) in &d.rows {
                st.execute(rusqlite::params![d.id, seq, op, hash, sig, payload])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    t.elapsed()
}

/// The same anchor on PostgreSQL (a fresh database at `url`): one transaction per device batch,
/// each one multi-row INSERT (PostgreSQL's cheapest batched insert short of COPY), one after
/// another on one connection. Not the anchor (that is rusqlite's), but the floor of the
/// database the server runs on: how far the server's PostgreSQL push is from PostgreSQL's own
/// cost of storing the rows. Answers the time and PostgreSQL's CPU seconds meanwhile.
fn raw_pg_insert(url: &str, devices: &[Device]) -> (Duration, f64) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    c.batch_execute("CREATE TABLE links (device TEXT, seq BIGINT, op_id TEXT UNIQUE, hash TEXT, signature TEXT, payload TEXT, PRIMARY KEY (device, seq))").expect("schema");
    let rows = devices[0].rows.len();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=6).map(|c| format!("${}", r * 6 + c)).collect();
            format!("({})", p.join(","))
        })
        .collect();
    let insert = c
        .prepare(&format!("INSERT INTO links VALUES {}", values.join(",")))
        .expect("prepare");
    let before = cpu_use::sample(std::process::id());
    let t = Instant::now();
    for d in devices {
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::with_capacity(rows * 6);
        for (seq, op, hash, sig, payload) in &d.rows {
            params.extend([
                &d.id as &(dyn postgres::types::ToSql + Sync),
                seq,
                op,
                hash,
                sig,
                payload,
            ]);
        }
        let mut tx = c.transaction().expect("tx");
        tx.execute(&insert, &params).expect("insert");
        tx.commit().expect("commit");
    }
    let took = t.elapsed();
    let cpu = before.until(&cpu_use::sample(std::process::id()));
    (took, cpu.postgres)
}

/// PostgreSQL's floor for what the server stores: the links the last round's pushes stored (at
/// `url`, its server stopped), copied within the database into a table made `LIKE links
/// INCLUDING ALL` (the same columns, keys and indexes, whatever the migrations made them), one
/// transaction per device as the pushes came. Nothing crosses the wire and nothing is parsed, so
/// this is below what any push can cost PostgreSQL; beside the raw anchor it says how much of
/// PostgreSQL's CPU is the server's row itself (more columns, a third index) rather than how the
/// server sends it. Answers the time and PostgreSQL's CPU seconds meanwhile.
fn pg_floor(url: &str, devices: &[Device]) -> (Duration, f64) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    c.batch_execute("CREATE TABLE floor_links (LIKE links INCLUDING ALL)")
        .expect("schema");
    let copy = c
        .prepare("INSERT INTO floor_links SELECT * FROM links WHERE device_id = $1 AND seq <= $2")
        .expect("prepare");
    let bulk = OPS_PER_DEVICE as i64;
    let before = cpu_use::sample(std::process::id());
    let t = Instant::now();
    for d in devices {
        let mut tx = c.transaction().expect("tx");
        let n = tx.execute(&copy, &[&d.id, &bulk]).expect("copy");
        assert_eq!(n, bulk as u64, "the round stored every link of {}", d.id);
        tx.commit().expect("commit");
    }
    let took = t.elapsed();
    let cpu = before.until(&cpu_use::sample(std::process::id()));
    (took, cpu.postgres)
}

/// Every device pushes `body(device)` at the same instant (a barrier); answers the time until
/// the last answer, the sorted latencies, how many pushes did not have all of their `ops`
/// applied, and where the CPU went meanwhile.
fn push_at_once(
    server: &Server,
    devices: &[Device],
    body: fn(&Device) -> &Vec<u8>,
    ops: usize,
) -> Burst {
    let addr = server.addr.as_str();
    let barrier = Arc::new(Barrier::new(devices.len() + 1));
    let released: Arc<OnceLock<Instant>> = Arc::default();
    let handles: Vec<_> = devices
        .iter()
        .map(|d| {
            let (addr, token, body, b, released) = (
                addr.to_string(),
                d.token.clone(),
                body(d).clone(),
                barrier.clone(),
                released.clone(),
            );
            std::thread::spawn(move || {
                b.wait();
                let t = Instant::now();
                let (s, resp, _) = http(&addr, "POST", "/v1/sync/push", &token, &body);
                let ok = s == 200
                    && serde_json::from_slice::<Value>(&resp).is_ok_and(|v| {
                        v["results"].as_array().is_some_and(|r| {
                            r.len() == ops
                                && r.iter().all(|x| {
                                    x["outcome"] == "applied"
                                        && x["conflicts"].as_array().is_none_or(Vec::is_empty)
                                })
                        })
                    });
                let since_start = released.get().map_or(Duration::ZERO, Instant::elapsed);
                (t.elapsed(), since_start, ok)
            })
        })
        .collect();
    // Every thread is spawned and waits at the barrier: from here on the CPU is the pushes'.
    let before = cpu_use::sample(server.child.id());
    perf_control(ops, "enable");
    let t = *released.get_or_init(Instant::now);
    barrier.wait();
    let results: Vec<(Duration, Duration, bool)> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let total = t.elapsed();
    perf_control(ops, "disable");
    let cpu = before.until(&cpu_use::sample(server.child.id()));
    let errors = results.iter().filter(|r| !r.2).count();
    let mut lat: Vec<Duration> = results.iter().map(|r| r.0).collect();
    lat.sort();
    let mut since_start: Vec<Duration> = results.iter().map(|r| r.1).collect();
    since_start.sort();
    Burst {
        total,
        lat,
        since_start,
        errors,
        cpu,
    }
}

/// What one burst of pushes at once measured.
struct Burst {
    /// From the release of the burst to the last answer.
    total: Duration,
    /// Each push's latency, from when its thread sent it (sorted).
    lat: Vec<Duration>,
    /// Each push's answer counted from the release of the burst (sorted): its latency plus its
    /// wait for a load-generator thread to run. On 2 cores shared with the server the 200
    /// threads do not all start at once: in one round of 50-op pushes the latencies from send
    /// had a p50 of 49 ms and a p99 of 75 ms in a round that took 279 ms, most pushes having
    /// been sent long after the release. Both are printed; this is the bound.
    since_start: Vec<Duration>,
    errors: usize,
    /// Where the CPU went while the pushes ran.
    cpu: cpu_use::CpuUse,
}

/// With `SYNC_BENCH_PERF_CTL=<fifo>`, turns a `perf record --control fifo:<fifo> -D -1` run of
/// the bench on and off around the 50-op pushes, so its profile is theirs alone and not the
/// setup's (enrolments, pulls, cluster start), which takes most of a run's time.
fn perf_control(ops: usize, command: &str) {
    let Ok(fifo) = std::env::var("SYNC_BENCH_PERF_CTL") else {
        return;
    };
    if ops == OPS_PER_DEVICE {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&fifo)
            .unwrap_or_else(|e| panic!("SYNC_BENCH_PERF_CTL {fifo}: {e}"));
        writeln!(f, "{command}").expect("perf control");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn resume_upload(addr: &str, token: &str) {
    let size = 5 * 1024 * 1024;
    let mut data = vec![0u8; size];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for b in &mut data {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let sha = Sha256::of(&data).to_string();
    let cut = 1_000_000 + (x % 3_000_000) as usize;
    let path = format!("/v1/blobs/{sha}");
    let head = |offset: usize, len: usize| {
        format!(
            "PATCH {path} HTTP/1.1\r\nhost: {addr}\r\nfieldcase-protocol: 1\r\nauthorization: Bearer {token}\r\nupload-offset: {offset}\r\nupload-length: {size}\r\ncontent-type: application/offset+octet-stream\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n"
        )
    };
    // First attempt: the connection dies after `cut` body bytes.
    let mut wire = 0usize;
    {
        let mut s = TcpStream::connect(addr).expect("connect");
        let h = head(0, size);
        s.write_all(h.as_bytes()).expect("head");
        s.write_all(&data[..cut]).expect("body");
        wire += h.len() + cut;
        s.flush().ok();
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (st, _, w) = http_head(addr, &path, token);
    wire += w;
    let offset = st.expect("the server holds part of the upload");
    let mut s = TcpStream::connect(addr).expect("connect");
    let h = head(offset, size - offset);
    s.write_all(h.as_bytes()).expect("head");
    s.write_all(&data[offset..]).expect("body");
    wire += h.len() + size - offset;
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    assert!(
        resp.starts_with("HTTP/1.1 200") || resp.starts_with("HTTP/1.1 201"),
        "{resp}"
    );
    assert!(resp.contains("\"complete\":true"), "{resp}");
    let resent = cut.saturating_sub(offset);
    println!(
        "5 MB upload cut at byte {cut}, resumed from the server's durable offset {offset}: {resent} bytes re-sent (target <= 262144); wire total {wire} bytes for {size}, overhead {:.3} % (target <= 5 %)",
        (wire as f64 - size as f64) / size as f64 * 100.0
    );
}

fn http_head(addr: &str, path: &str, token: &str) -> (Option<usize>, (), usize) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let h = format!(
        "HEAD {path} HTTP/1.1\r\nhost: {addr}\r\nfieldcase-protocol: 1\r\nauthorization: Bearer {token}\r\nconnection: close\r\n\r\n"
    );
    s.write_all(h.as_bytes()).expect("write");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let offset = resp
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("upload-offset:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse().ok());
    (offset, (), h.len())
}

/// A fresh server on `db` with the bench's enterprise, tasks and enrolled devices.
fn prepare(dir: &Path, db: &str) -> (Server, Vec<Device>) {
    let server = start_server(dir, db);
    let addr = server.addr.clone();
    admin(
        &addr,
        "POST",
        "/v1/enterprises",
        &json!([{"id": "E-B", "uscc": "91320506MA1XYZ1234", "name": "基准企业", "address": "金枫路88号",
            "area": "320506", "location": {"lat": 31.2556, "lon": 120.6052}}]),
    );
    let tasks: Vec<Value> = (0..DEVICES)
        .map(|i| json!({"id": format!("T-{i}"), "team": "bench", "enterprise_id": "E-B", "procedure": "inspection", "officers": [], "due": "2026-12-31", "source": "complaint"}))
        .collect();
    admin(&addr, "POST", "/v1/tasks", &Value::Array(tasks));
    let devices: Vec<Device> = (0..DEVICES).map(|i| device(&addr, i)).collect();
    (server, devices)
}

/// One round of the push figures: 200 devices push their 50 ops at once, then each its next
/// step at once.
struct Round {
    pushes: Burst,
    step: Burst,
}

impl Round {
    fn run(server: &Server, devices: &[Device]) -> Round {
        let pushes = push_at_once(server, devices, |d| &d.body, OPS_PER_DEVICE);
        // Then every device pushes its next step at the same instant: the push an inspector's
        // tablet makes after each committed step.
        let step = push_at_once(server, devices, |d| &d.step, 1);
        Round { pushes, step }
    }
}

/// The CPU line: where the time of the 50-op pushes went (medians over the rounds).
fn print_cpu(what: &str, rounds: &[Round]) {
    let uses: Vec<cpu_use::CpuUse> = rounds.iter().map(|r| r.pushes.cpu).collect();
    let server: Vec<String> = uses.iter().map(|u| format!("{:.2}", u.server)).collect();
    println!(
        "cpu while {DEVICES} devices push {OPS_PER_DEVICE} ops at once ({what}, medians of {} rounds): {} (server's of each round: {} s)",
        rounds.len(),
        cpu_use::describe(&cpu_use::median(&uses)),
        server.join("/")
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The median of `f` over the rounds, and every round's value (in run order) to show beside it.
fn median_of(rounds: &[Round], f: impl Fn(&Round) -> Duration) -> (Duration, String) {
    let each: Vec<Duration> = rounds.iter().map(&f).collect();
    let mut sorted = each.clone();
    sorted.sort();
    let shown: Vec<String> = each.iter().map(|d| format!("{:.0}", ms(*d))).collect();
    (sorted[sorted.len() / 2], shown.join("/"))
}

/// The latency lines: the median round's p50, p99 and max, and every round's p99; then the p99
/// counted from the burst's release (`Burst::since_start`).
fn print_latencies(what: &str, rounds: &[Round], burst: impl Fn(&Round) -> &Burst) {
    let (p99, each) = median_of(rounds, |r| percentile(&burst(r).lat, 0.99));
    let (p50, _) = median_of(rounds, |r| percentile(&burst(r).lat, 0.5));
    let (max, _) = median_of(rounds, |r| burst(r).lat.last().copied().unwrap_or_default());
    let (p99_start, each_start) = median_of(rounds, |r| percentile(&burst(r).since_start, 0.99));
    let errors: usize = rounds.iter().map(|r| burst(r).errors).sum();
    println!(
        "push latency, {DEVICES} devices each pushing {what} at once: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (medians of {} rounds; p99 of each: {each} ms) (target p99 <= 200 ms), errors {errors} (target 0); counted from the burst's release (each push's wait for a load-generator thread included): p99 {:.0} ms (each: {each_start} ms)",
        ms(p50),
        ms(p99),
        ms(max),
        rounds.len(),
        ms(p99_start),
    );
}

/// How many rounds: [`ROUNDS`], or `SYNC_BENCH_ROUNDS`.
fn round_count() -> usize {
    match std::env::var("SYNC_BENCH_ROUNDS") {
        Ok(v) if !v.is_empty() => {
            v.parse().ok().filter(|&n| n > 0).unwrap_or_else(|| {
                panic!("SYNC_BENCH_ROUNDS is {v:?}: it takes a count of 1 or more")
            })
        }
        _ => ROUNDS,
    }
}

/// [`round_count`] rounds, each on a fresh center made by `fresh` (its folder's index → the
/// database URL); answers the rounds, the devices of the last, and the last round's server
/// (still up).
fn rounds(dir: &Path, mut fresh: impl FnMut(&Path) -> String) -> (Vec<Round>, Vec<Device>, Server) {
    let count = round_count();
    let mut done = Vec::with_capacity(count);
    let mut last = None;
    for i in 0..count {
        // The previous round's server stops before the next one starts.
        drop(last.take());
        let center = dir.join(format!("round-{i}"));
        std::fs::create_dir_all(&center).expect("dir");
        let (server, devices) = prepare(&center, &fresh(&center));
        done.push(Round::run(&server, &devices));
        last = Some((devices, server));
    }
    let (devices, server) = last.expect("at least one round");
    (done, devices, server)
}

fn main() {
    let only = std::env::var("SYNC_BENCH_ONLY")
        .ok()
        .filter(|o| !o.is_empty());
    if let Some(o) = only.as_deref() {
        assert!(
            o == "sqlite" || o == "postgres",
            "SYNC_BENCH_ONLY is {o:?}: it takes sqlite or postgres"
        );
    }
    let runs = |db: &str| only.as_deref().is_none_or(|o| o == db);
    let tmp = tempfile::tempdir().expect("tmp");
    let raw = runs("sqlite").then(|| sqlite(tmp.path()));
    if runs("postgres") {
        postgres(tmp.path(), raw);
    }
}

/// The SQLite figures and the upload; answers the raw rusqlite anchor.
fn sqlite(tmp: &Path) -> Duration {
    let n = DEVICES * OPS_PER_DEVICE;
    let (sqlite, devices, server) = rounds(&tmp.join("center"), |dir| {
        format!("sqlite:{}", dir.join("center.db").display())
    });
    let raw = raw_insert(tmp, &devices);
    let (total, each) = median_of(&sqlite, |r| r.pushes.total);
    let errors: usize = sqlite.iter().map(|r| r.pushes.errors).sum();
    println!(
        "push: {n} ops from {DEVICES} concurrent devices over HTTP (SQLite, release server): {:.0} ms end to end (median of {} rounds: {each} ms) (target <= 3000 ms), {errors} errors",
        ms(total),
        sqlite.len()
    );
    println!(
        "anchor: raw rusqlite insert of the same {n} rows, {DEVICES} transactions (WAL, synchronous=FULL): {:.0} ms; ratio {:.2}x (target <= 2x)",
        ms(raw),
        total.as_secs_f64() / raw.as_secs_f64()
    );
    print_latencies(&format!("{OPS_PER_DEVICE} ops"), &sqlite, |r| &r.pushes);
    print_latencies("one step", &sqlite, |r| &r.step);
    print_cpu("SQLite", &sqlite);
    resume_upload(&server.addr, &devices[0].token);
    raw
}

/// The same 10,000 ops on PostgreSQL, beside the rusqlite anchor `raw` (measured here when the
/// SQLite part did not run) and PostgreSQL's own.
fn postgres(tmp: &Path, raw: Option<Duration>) {
    let n = DEVICES * OPS_PER_DEVICE;
    pg_cluster::durable();
    // Every database made here, dropped at the end (on an outside `FIELDCASE_TEST_PG` they would
    // stay, 10,000 links each; a throwaway cluster goes whole anyway).
    let mut made: Vec<String> = Vec::new();
    let (pg, devices, server) = rounds(&tmp.join("center-pg"), |_| {
        let url = pg_cluster::fresh_database();
        made.push(url.clone());
        url
    });
    drop(server);
    let last_db = made.last().expect("a round's database").clone();
    let raw = raw.unwrap_or_else(|| raw_insert(tmp, &devices));
    let (total, each) = median_of(&pg, |r| r.pushes.total);
    let errors: usize = pg.iter().map(|r| r.pushes.errors).sum();
    println!(
        "push: {n} ops from {DEVICES} concurrent devices over HTTP (PostgreSQL 15, fsync on, release server): {:.0} ms end to end (median of {} rounds: {each} ms) (target <= 3000 ms), {errors} errors; ratio to the raw rusqlite anchor ({:.0} ms) {:.2}x",
        ms(total),
        pg.len(),
        ms(raw),
        total.as_secs_f64() / raw.as_secs_f64()
    );
    let raw_db = pg_cluster::fresh_database();
    made.push(raw_db.clone());
    let (raw_pg, raw_pg_cpu) = raw_pg_insert(&raw_db, &devices);
    println!(
        "anchor: raw PostgreSQL insert of the same {n} rows, {DEVICES} transactions of one multi-row INSERT (fsync on): {:.0} ms, PostgreSQL's CPU {raw_pg_cpu:.2} s; the push is {:.2}x it",
        ms(raw_pg),
        total.as_secs_f64() / raw_pg.as_secs_f64()
    );
    let (floor, floor_cpu) = pg_floor(&last_db, &devices);
    println!(
        "anchor: PostgreSQL's floor for the server's own rows, the last round's {n} links copied inside the database into a table like the server's (its columns and indexes), {DEVICES} transactions: {:.0} ms, PostgreSQL's CPU {floor_cpu:.2} s",
        ms(floor)
    );
    print_latencies(&format!("{OPS_PER_DEVICE} ops, PostgreSQL"), &pg, |r| {
        &r.pushes
    });
    print_latencies("one step, PostgreSQL", &pg, |r| &r.step);
    print_cpu("PostgreSQL", &pg);
    for url in &made {
        pg_cluster::drop_database(url);
    }
}
