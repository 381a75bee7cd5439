//! Sync under faults: seeded, reproducible schedules of device work, syncs through a
//! fault-injecting proxy (drops, delays, cut requests and answers, duplicated requests, the server
//! killed mid-request), server restarts, device engine restarts and concurrent center edits
//! (some sent at the same instant as the device's push they contend with) — then, faults off,
//! every device syncs until quiet and the whole system must agree:
//!
//! - no op lost: the center holds exactly each device's chain (every seq, op id and hash, and the
//!   head), and every device shows nothing pending and nothing refused;
//! - none applied twice: every op id appears once at the center, each with one stored result;
//! - every case is complete at the center (all its blobs stored) with every link verified;
//! - all stores converge: every device of the team shows every task of the schedule with the
//!   same status, the one the center settled on;
//! - exactly one conflict record per concurrent shared-field edit, and none elsewhere.
//!
//! The center server binary starts once per test process; each schedule gets a fresh team, users,
//! devices and tasks through the admin API. `FIELDCASE_FAULT_SEEDS=N` sets how many schedules the
//! default test runs (1,000); `FIELDCASE_FAULT_SEED=N` reruns one seed. A failure names its seed.
//! The ignored `ten_thousand_schedules` runs 10,000 and prints totals. The same schedules also
//! run with the center on PostgreSQL (a throwaway cluster, or `FIELDCASE_TEST_PG`):
//! `FIELDCASE_FAULT_SEEDS_PG=N` of them, 200 by default.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Barrier, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use fieldcase_core::Engine;
use fieldcase_core::env::SteppingEnv;
use fieldcase_core::forms::FormSet;
use fieldcase_core::sync::{self, Client};
use fieldcase_protocol::{Id, KeyPair};
use serde_json::{Value, json};
use support::Server;
use support::proxy::{Counts, Mix, Proxy, Rng};

// The tests' throwaway PostgreSQL cluster (or `FIELDCASE_TEST_PG`).
#[allow(dead_code)]
#[path = "../../sync-server/tests/support/pg_cluster.rs"]
mod pg_cluster;

const OFFICER: &str = "O-ZHANG";

/// The center's database: SQLite (one writer), or PostgreSQL, where pushes run in several groups
/// at once and center writes race them.
#[derive(Debug, Clone, Copy)]
enum Db {
    Sqlite,
    Postgres,
}

/// The server, the proxy in front of it and the forms, shared by every schedule of the process.
struct World {
    server: Server,
    proxy: Proxy,
    forms: FormSet,
    tmp: tempfile::TempDir,
    /// Schedules run so far (ids stay unique when one process runs several tests).
    runs: u64,
    /// Two center staff's tokens: the clerks who reassign a task at the same moment and who
    /// resolve conflicts.
    clerks: [String; 2],
    /// The PostgreSQL database's URL, dropped with the world.
    pg: Option<String>,
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(url) = &self.pg {
            pg_cluster::drop_database(url);
        }
    }
}

/// One test at a time owns the world; it is torn down (server killed) when the test ends, since
/// a static is never dropped and an orphaned server would outlive the test process.
fn world_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

impl World {
    fn start(db: Db) -> World {
        {
            let tmp = tempfile::tempdir().expect("tmp");
            let dir = tmp.path().join("center");
            let pg = matches!(db, Db::Postgres).then(pg_cluster::fresh_database);
            let server = match &pg {
                None => Server::start(&dir),
                Some(url) => Server::start_on(&dir, url),
            };
            let text =
                std::fs::read_to_string(support::root().join("demo/electroplating/reference.json"))
                    .expect("reference.json");
            let r: Value = serde_json::from_str(&text).expect("json");
            server.admin("POST", "/v1/officers", &r["officers"]);
            server.admin("POST", "/v1/enterprises", &r["enterprises"]);
            let proxy = Proxy::start(server.addr(), server.pid());
            let forms = FormSet::load(&support::root().join("forms")).expect("forms");
            let clerks = [1u8, 2].map(|n| clerk(&server, n));
            World {
                server,
                proxy,
                forms,
                tmp,
                runs: 0,
                clerks,
                pg,
            }
        }
    }
}

/// Center staff user `n`, enrolled; answers their token.
fn clerk(server: &Server, n: u8) -> String {
    let user = format!("CLERK-{n}");
    server.admin(
        "POST",
        "/v1/admin/users",
        &json!({"user_id": user, "name": "中心文员", "role": "center_staff", "area": "3205",
            "team": null, "officer_id": null}),
    );
    let code = server.admin(
        "POST",
        "/v1/admin/enrollment-codes",
        &json!({"user_id": user}),
    )["code"]
        .clone();
    let key = KeyPair::from_seed_unchecked([0xc0 + n; 32]).expect("key");
    let device = Id::from_parts(1_700_000_000_000, [0xc0 + n; 10]).to_string();
    let (status, r) = server.call(
        "POST",
        "/v1/enroll",
        "",
        Some(&support::enroll_body(
            code.as_str().expect("code"),
            &device,
            &key,
            "中心",
        )),
    );
    assert_eq!(status, 200, "enroll {user}: {r}");
    r["token"].as_str().expect("token").to_string()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn env() -> SteppingEnv {
    SteppingEnv::new(now_ms(), 1).with_random_ids()
}

fn site() -> Value {
    json!({"lat": 31.2557, "lon": 120.6050, "accuracy_m": 8.0})
}

/// One device: its store folder, and (while "running") its engine and sync client.
struct Device {
    name: String,
    dir: PathBuf,
    engine: Option<Engine<SteppingEnv>>,
    client: Option<Client>,
    /// Steps still to run, in order, on the device's own task's case.
    steps: Vec<Value>,
    case: Option<String>,
    own_task: String,
    /// The task the center cancels while this device opens a case on it (a concurrent edit).
    contested: Option<String>,
}

impl Device {
    /// Opens the engine and, once enrolled, its client (enrollment went through the proxy, so the
    /// stored center URL is the proxy's, which keeps its port across server restarts).
    fn open(&mut self, forms: &FormSet) {
        support::test_keys();
        let eng = Engine::open(&self.dir, forms.clone(), env()).expect("open engine");
        self.client = sync::client_for(&eng).ok();
        self.engine = Some(eng);
    }

    /// A client restart: the engine and client are dropped and reopened from the store folder.
    fn restart(&mut self, forms: &FormSet) {
        self.client = None;
        self.engine = None;
        self.open(forms);
    }

    fn eng(&mut self) -> &mut Engine<SteppingEnv> {
        self.engine.as_mut().expect("engine open")
    }

    fn sync(&mut self) -> Result<sync::SyncReport, String> {
        let client = self.client.as_ref().expect("enrolled");
        let eng = self.engine.as_mut().expect("engine open");
        sync::sync_once(eng, client, &mut |_, _, _| {}).map_err(|e| e.to_string())
    }

    fn run(&mut self, mut step: Value) -> String {
        if let Some(c) = &self.case
            && step["step"] != "open_case"
        {
            step["case_id"] = json!(c);
        }
        let cmd = serde_json::from_value(step.clone()).expect("command json");
        let out = self
            .eng()
            .execute(&cmd)
            .unwrap_or_else(|e| panic!("{} step {step}: {e}", self.name));
        if out.kind == "case_opened" && step["task_id"] == json!(self.own_task) {
            self.case = Some(out.case_id.clone());
        }
        out.case_id
    }

    /// The device's chain: (seq, op id, hash, case id).
    fn chain(&self) -> Vec<(i64, String, String, Option<String>)> {
        let conn = self.engine.as_ref().expect("engine").store().conn();
        let mut st = conn
            .prepare("SELECT seq, op_id, hash, case_id FROM ops ORDER BY seq")
            .expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows")
    }

    /// The task `id` as the device holds it.
    fn task(&self, id: &str) -> Option<fieldcase_core::model::task::Task> {
        let eng = self.engine.as_ref().expect("engine");
        eng.store().task(id).expect("task query")
    }

    /// The officers the device holds for task `id`.
    fn task_officers(&self, id: &str) -> Value {
        self.task(id).map_or(Value::Null, |t| json!(t.officers))
    }

    fn task_status(&self, id: &str) -> Value {
        self.task(id).map_or(Value::Null, |t| {
            serde_json::to_value(t.status).expect("status")
        })
    }
}

/// Totals over many schedules.
#[derive(Debug, Default)]
struct Totals {
    schedules: u64,
    devices: u64,
    ops: u64,
    syncs: u64,
    sync_failures: u64,
    server_restarts: u64,
    client_restarts: u64,
    concurrent_edits: u64,
    /// Conflicts center staff resolved (keeping the standing value or taking the other).
    resolutions: u64,
    faults: Counts,
    /// Time spent in setup, the faulty phase, the quiet phase, the checks (ms, summed over workers).
    phase_ms: [u128; 4],
    /// Wall time of the slowest worker's schedules (its server start and the binaries' build
    /// excluded).
    wall_ms: u128,
}

/// What one schedule did.
#[derive(Debug, Default)]
struct Outcome {
    devices: u64,
    ops: u64,
    syncs: u64,
    sync_failures: u64,
    server_restarts: u64,
    client_restarts: u64,
    concurrent_edits: u64,
    resolutions: u64,
    faults: Counts,
    phase_ms: [u128; 4],
}

fn restart_server(w: &mut World, out: &mut Outcome) {
    w.server.restart();
    w.proxy.retarget(w.server.addr(), w.server.pid());
    out.server_restarts += 1;
}

/// The schedule's fault mix, drawn from its seed: from almost none to about half the
/// connections faulted; a server killed mid-request in one schedule of five.
fn mix_for(rng: &mut Rng) -> Mix {
    let scale = rng.below(11); // 0..=10
    Mix {
        delay: scale,
        drop: scale,
        cut_request: scale,
        cut_response: scale,
        duplicate: scale,
        kill: if rng.chance(20) { 1 + rng.below(4) } else { 0 },
    }
}

/// The device steps of a short verification visit, with one or two photos and notes.
fn visit(rng: &mut Rng, task: &str, big_photo: bool) -> Vec<Value> {
    let mut steps = vec![
        json!({"step": "open_case", "task_id": task, "by": OFFICER}),
        json!({"step": "check_in", "by": OFFICER, "fix": site()}),
    ];
    let photos = ["outlet.png", "sludge.png"];
    for i in 0..1 + rng.below(2) {
        let (file, media) = if big_photo && i == 0 {
            ("tank.jpg", "image/jpeg")
        } else {
            (photos[rng.below(2) as usize], "image/png")
        };
        let path = support::root().join("demo/electroplating").join(file);
        steps.push(json!({"step": "capture_evidence", "by": OFFICER,
            "path": path.display().to_string(), "kind": "photo", "media_type": media,
            "method": "拍照", "proves": format!("现场照片{i}"), "fix": site()}));
    }
    for i in 0..1 + rng.below(2) {
        steps.push(json!({"step": "add_note", "by": OFFICER, "text": format!("核查说明{i}")}));
    }
    steps.push(json!({"step": "close_case", "by": OFFICER}));
    steps
}

/// Runs one schedule; panics (naming nothing: the caller adds the seed) on any broken invariant.
fn schedule(w: &mut World, seed: u64) -> Outcome {
    let mut rng = Rng::new(seed);
    let mut out = Outcome::default();
    let mut t = Instant::now();
    let mut lap = |out: &mut Outcome, i: usize| {
        out.phase_ms[i] += t.elapsed().as_millis();
        t = Instant::now();
    };
    w.runs += 1;
    let tag = format!("R{}-S{seed}", w.runs);
    let team = format!("TM-{tag}");
    let root = w.tmp.path().join(&tag);
    let k = 2 + rng.below(2) as usize;
    out.devices = k as u64;
    let big_photo = rng.chance(3);

    // The center: a task per device, and for some devices a second task the center will cancel
    // while the device opens a case on it.
    let mut tasks = Vec::new();
    let mut devices = Vec::new();
    for i in 0..k {
        let own = format!("T-{tag}-{i}");
        let contested = rng.chance(50).then(|| format!("C-{tag}-{i}"));
        for t in std::iter::once(&own).chain(contested.as_ref()) {
            tasks.push(json!({"id": t, "source": "lead", "enterprise_id": "E-EP01",
                "procedure": "verification", "officers": [OFFICER], "due": "2026-12-31",
                "team": team}));
        }
        devices.push(Device {
            name: format!("device {i}"),
            dir: root.join(format!("d{i}")),
            engine: None,
            client: None,
            steps: visit(&mut rng, &own, big_photo && i == 0),
            case: None,
            own_task: own,
            contested,
        });
    }
    let posted = w.server.admin("POST", "/v1/tasks", &Value::Array(tasks));
    let task_version = posted["version"].as_i64().expect("version");
    // In some schedules two clerks reassign device 0's own task at the same moment, both having
    // seen only its dispatch (a concurrent assignment edit, made while the devices sync).
    let mut reassign = rng.chance(50).then(|| devices[0].own_task.clone());
    let reassigned = reassign.clone();

    // Enrollment and the first pull, faults off.
    w.proxy.reseed(seed);
    w.proxy.set_mix(Mix::OFF);
    let proxy_url = w.proxy.url();
    for (i, d) in devices.iter_mut().enumerate() {
        let user = format!("U-{tag}-{i}");
        let code = w.server.user(&user, "测试", &team, Some(OFFICER));
        d.open(&w.forms);
        let label = d.name.clone();
        sync::enroll(d.eng(), &proxy_url, &code, &label).expect("enroll");
        d.client = Some(sync::client_for(d.engine.as_ref().expect("engine")).expect("client"));
        d.sync().expect("first sync");
    }

    // The concurrent edits: the device opens a case on its contested task (having pulled it
    // dispatched), the center cancels it having seen only the dispatch, before the device
    // learns of the cancellation: before the case opening, at the very instant the device
    // pushes it, or later in the schedule (maybe after the push, through faults).
    let mut cancels: Vec<String> = Vec::new();
    for d in devices.iter_mut() {
        if let Some(c) = d.contested.clone() {
            let when = rng.below(3);
            if when == 0 {
                cancel(w, &c, task_version);
            } else if when == 2 {
                cancels.push(c.clone());
            }
            d.run(json!({"step": "open_case", "task_id": c, "by": OFFICER}));
            if when == 1 {
                cancel_racing_push(w, d, &c, task_version);
                out.syncs += 1;
            }
            out.ops += 1;
            out.concurrent_edits += 1;
        }
    }

    lap(&mut out, 0);
    // The schedule proper, faults on.
    w.proxy.set_mix(mix_for(&mut rng));
    let may_restart_server = rng.chance(10);
    loop {
        let left: Vec<usize> = (0..k).filter(|&i| !devices[i].steps.is_empty()).collect();
        if left.is_empty() && cancels.is_empty() && reassign.is_none() {
            break;
        }
        let r = rng.below(100);
        if r < 50 && !left.is_empty() {
            let d = &mut devices[left[rng.below(left.len() as u64) as usize]];
            let step = d.steps.remove(0);
            d.run(step);
            out.ops += 1;
        } else if r < 92 {
            disturb(w, &mut devices, &mut rng, &mut out);
        } else if r < 97 {
            if reassign.is_some() && (cancels.is_empty() || rng.chance(50)) {
                let task = reassign.take().expect("a task to reassign");
                reassign_at_once(w, &task, &team, task_version);
                out.concurrent_edits += 1;
            } else if let Some(c) = cancels.pop() {
                cancel(w, &c, task_version);
            }
        } else if may_restart_server {
            restart_server(w, &mut out);
        }
        if w.proxy.take_killed() {
            restart_server(w, &mut out);
        }
    }

    lap(&mut out, 1);
    settle(w, &mut devices, &mut out);
    lap(&mut out, 2);
    let conflicts = check(w, &devices, reassigned.as_deref());

    // Center staff resolve every conflict, keeping the standing value or taking the other one,
    // while the devices sync through faults again; then, quiet, every device shows what the
    // resolutions settled and no new conflict appeared.
    w.proxy.set_mix(mix_for(&mut rng));
    let mut settled = Vec::new();
    for c in &conflicts {
        let take_other = rng.chance(50);
        let clerk = &w.clerks[rng.below(2) as usize];
        let id = c["id"].as_str().expect("conflict id");
        let body = json!({"resolution": if take_other { "take_other" } else { "keep" },
            "note": "现场核实后处理"});
        let (st, r) = w.server.call(
            "POST",
            &format!("/v1/conflicts/{id}/resolve"),
            clerk,
            Some(&body),
        );
        assert_eq!(st, 200, "resolve {id}: {r}");
        let side = if take_other { "other" } else { "kept" };
        settled.push((c.clone(), c[side]["value"].clone()));
        out.resolutions += 1;
        for _ in 0..rng.below(3) {
            disturb(w, &mut devices, &mut rng, &mut out);
            if w.proxy.take_killed() {
                restart_server(w, &mut out);
            }
        }
    }
    settle(w, &mut devices, &mut out);
    check_resolved(w, &devices, &settled);
    lap(&mut out, 3);
    out
}

/// Between device steps: one device syncs, or all sync at the same moment, or one restarts.
fn disturb(w: &World, devices: &mut [Device], rng: &mut Rng, out: &mut Outcome) {
    let k = devices.len() as u64;
    let r = rng.below(42);
    if r < 30 {
        let d = &mut devices[rng.below(k) as usize];
        out.syncs += 1;
        if d.sync().is_err() {
            out.sync_failures += 1;
        }
    } else if r < 35 {
        out.syncs += k;
        out.sync_failures += sync_all_at_once(devices);
    } else {
        devices[rng.below(k) as usize].restart(&w.forms);
        out.client_restarts += 1;
    }
}

/// Every device syncs at the same moment, each on its own thread, so their pushes and pulls
/// (and the proxy's duplicates of them) reach the center together. Answers how many failed.
fn sync_all_at_once(devices: &mut [Device]) -> u64 {
    std::thread::scope(|sc| {
        let running: Vec<_> = devices
            .iter_mut()
            .map(|d| sc.spawn(move || d.sync().is_err()))
            .collect();
        running
            .into_iter()
            .map(|h| u64::from(h.join().expect("sync thread")))
            .sum()
    })
}

/// Faults off: every device syncs until quiet, twice round.
fn settle(w: &mut World, devices: &mut [Device], out: &mut Outcome) {
    w.proxy.set_mix(Mix::OFF);
    if w.proxy.take_killed() {
        restart_server(w, out);
    }
    // Counted since the schedule began.
    out.faults = w.proxy.counts();
    for _ in 0..2 {
        for d in devices.iter_mut() {
            let mut quiet = false;
            for _ in 0..6 {
                let r = d
                    .sync()
                    .unwrap_or_else(|e| panic!("{}: sync with faults off failed: {e}", d.name));
                out.syncs += 1;
                if r.push.sent == 0 && r.pull.changes == 0 && r.blobs.uploaded == 0 {
                    quiet = true;
                    break;
                }
            }
            assert!(quiet, "{} never went quiet", d.name);
        }
    }
    if let Some(e) = w.proxy.take_error() {
        panic!("the proxy met a malformed request: {e}");
    }
}

/// Two clerks reassign `task` at the same moment, both having seen only its dispatch. The
/// assignment is a shared field: one wins and exactly one conflict keeps the other. Both keep
/// the visit's officer on the task.
fn reassign_at_once(w: &World, task: &str, team: &str, seen: i64) {
    let values = [
        json!({"team": team, "officers": [OFFICER]}),
        json!({"team": team, "officers": [OFFICER, "O-LI"]}),
    ];
    let path = format!("/v1/tasks/{task}");
    std::thread::scope(|sc| {
        for (token, value) in w.clerks.iter().zip(values) {
            let (server, path) = (&w.server, &path);
            sc.spawn(move || {
                let body = json!({"field": "assignment", "value": value, "seen": seen});
                let (st, r) = server.call("PATCH", path, token, Some(&body));
                assert_eq!(st, 200, "reassign {path}: {r}");
            });
        }
    });
}

/// After the resolutions: each is recorded once, no conflict was added, and every device of the
/// team shows the settled value of each resolved field.
fn check_resolved(w: &World, devices: &[Device], settled: &[(Value, Value)]) {
    let all = w.server.get("/v1/conflicts");
    let all = all.as_array().expect("conflicts");
    for (c, value) in settled {
        let task = c["entity_id"].as_str().expect("task");
        let now: Vec<&Value> = all.iter().filter(|x| x["entity_id"] == task).collect();
        assert_eq!(now.len(), 1, "conflicts on {task} after resolving: {now:?}");
        assert_eq!(now[0]["id"], c["id"]);
        assert!(now[0]["resolution"].is_string(), "{:?}", now[0]);
        for d in devices {
            let (shown, expected) = match c["field"].as_str() {
                Some("status") => (d.task_status(task), value.clone()),
                Some("assignment") => (d.task_officers(task), value["officers"].clone()),
                other => panic!("a conflict on {other:?}"),
            };
            assert_eq!(shown, expected, "{} shows {task} after {c}", d.name);
        }
    }
}

/// The center cancels `task` at the same instant as device `d` syncs (faults off), its push
/// carrying the case opening on that task: both read the task's status as dispatched and both
/// mean to write it. On PostgreSQL, where the two run in separate transactions at once, one
/// must wait for the other's row lock, or the later write overwrites the earlier one with no
/// conflict record (the race fixed in `76b28da`).
fn cancel_racing_push(w: &World, d: &mut Device, task: &str, seen: i64) {
    let start = Barrier::new(2);
    std::thread::scope(|sc| {
        sc.spawn(|| {
            start.wait();
            cancel(w, task, seen);
        });
        start.wait();
        d.sync()
            .unwrap_or_else(|e| panic!("{}: sync racing a cancel failed: {e}", d.name));
    });
}

fn cancel(w: &World, task: &str, seen: i64) {
    w.server.admin(
        "PATCH",
        &format!("/v1/tasks/{task}"),
        &json!({"field": "status", "value": "cancelled", "seen": seen}),
    );
}

/// The invariants, once every device is quiet. Answers the schedule's conflicts.
fn check(w: &World, devices: &[Device], reassigned: Option<&str>) -> Vec<Value> {
    let mut all_ops = BTreeSet::new();
    let mut total = 0usize;
    for d in devices {
        let eng = d.engine.as_ref().expect("engine");
        let st = sync::status(eng.store()).expect("status");
        assert_eq!(st.links_pending, 0, "{}: links pending: {st:?}", d.name);
        assert_eq!(st.blobs_pending, 0, "{}: blobs pending: {st:?}", d.name);
        assert!(st.rejected.is_empty(), "{}: refused ops: {st:?}", d.name);
        assert!(
            eng.verify().expect("verify").ok(),
            "{}: chain does not verify",
            d.name
        );

        // The center holds exactly this chain: every seq, op id and hash, and the head.
        let chain = d.chain();
        let id = eng.store().device.id.clone();
        let held = w.server.get(&format!("/v1/admin/devices/{id}"));
        let links = held["links"].as_array().expect("links");
        assert_eq!(links.len(), chain.len(), "{}: link count", d.name);
        let last = chain.last().expect("a chain");
        assert_eq!(held["last_seq"], json!(last.0), "{}: head seq", d.name);
        assert_eq!(held["last_hash"], json!(last.2), "{}: head hash", d.name);
        for ((seq, op, hash, _), l) in chain.iter().zip(links) {
            assert_eq!(
                (l["seq"].as_i64(), l["op_id"].as_str(), l["hash"].as_str()),
                (Some(*seq), Some(op.as_str()), Some(hash.as_str())),
                "{}: link {seq} differs at the center",
                d.name
            );
            assert_eq!(l["outcome"], "applied", "{}: link {seq}: {l}", d.name);
        }
        total += chain.len();
        all_ops.extend(chain.iter().map(|c| c.1.clone()));

        // Every case is at the center, whole, verified, its blobs stored.
        let mut by_case: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (_, op, _, case) in &chain {
            if let Some(c) = case {
                by_case.entry(c).or_default().push(op);
            }
        }
        for (case, ops) in by_case {
            let detail = w.server.get(&format!("/v1/cases/{case}"));
            assert_eq!(
                detail["complete"], true,
                "{}: case incomplete: {detail}",
                d.name
            );
            let held: Vec<&str> = detail["ops"]
                .as_array()
                .expect("ops")
                .iter()
                .map(|o| o["op_id"].as_str().expect("op id"))
                .collect();
            assert_eq!(held, ops, "{}: case {case} ops differ", d.name);
            assert!(
                detail["ops"]
                    .as_array()
                    .expect("ops")
                    .iter()
                    .all(|o| o["chain_verified"] == true),
                "{}: {detail}",
                d.name
            );
        }
    }
    assert_eq!(all_ops.len(), total, "an op id appears twice");

    // Conflicts: exactly one per contested task (and on the reassigned one, one about its
    // assignment), none on the others.
    let conflicts = w.server.get("/v1/conflicts");
    let conflicts = conflicts.as_array().expect("conflicts");
    let mut mine = Vec::new();
    for d in devices {
        let of = |task: &str| -> Vec<&Value> {
            conflicts
                .iter()
                .filter(|c| c["entity_id"] == task)
                .collect()
        };
        let own = of(&d.own_task);
        if reassigned == Some(d.own_task.as_str()) {
            assert_eq!(
                own.len(),
                1,
                "{}: conflicts on {}: {own:?}",
                d.name,
                d.own_task
            );
            assert_eq!(
                (own[0]["field"].as_str(), own[0]["reason"].as_str()),
                (Some("assignment"), Some("concurrent")),
                "{:?}",
                own[0]
            );
            let kept = &own[0]["kept"]["value"]["officers"];
            for other in devices {
                assert_eq!(
                    &other.task_officers(&d.own_task),
                    kept,
                    "{} sees {}'s officers differently from the center",
                    other.name,
                    d.own_task
                );
            }
            mine.push(own[0].clone());
        } else {
            assert!(
                own.is_empty(),
                "{}: a conflict on an uncontested task: {own:?}",
                d.name
            );
        }
        // Every device agrees on the status of every task of the schedule.
        let expect_own = json!("done");
        for other in devices {
            assert_eq!(
                other.task_status(&d.own_task),
                expect_own,
                "{} sees {}",
                other.name,
                d.own_task
            );
        }
        if let Some(c) = &d.contested {
            let found = of(c);
            assert_eq!(found.len(), 1, "{}: conflicts on {c}: {found:?}", d.name);
            assert_eq!(found[0]["reason"], "concurrent", "{:?}", found[0]);
            let kept = found[0]["kept"]["value"].clone();
            for other in devices {
                assert_eq!(
                    other.task_status(c),
                    kept,
                    "{} sees {c} differently from the center",
                    other.name
                );
            }
            mine.push(found[0].clone());
        }
    }
    mine
}

/// Runs the default number of schedules (or as many as the variable `count` says, or the one
/// seed in `FIELDCASE_FAULT_SEED`) on `FIELDCASE_FAULT_THREADS` workers (default 2), each with
/// its own server (on `db`, a database each) and proxy; seed `i` always runs alone on a fresh
/// team, so which worker runs it does not change it. A failure panics naming its seed.
fn run_many(default: u64, count: &str, db: Db) -> Totals {
    let seeds: Vec<u64> = match std::env::var("FIELDCASE_FAULT_SEED") {
        Ok(s) => vec![s.trim().parse().expect("FIELDCASE_FAULT_SEED is a number")],
        Err(_) => {
            let n = std::env::var(count)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(default);
            (0..n).collect()
        }
    };
    let threads = std::env::var("FIELDCASE_FAULT_THREADS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(2usize)
        .clamp(1, seeds.len().max(1));
    let _one_at_a_time = world_lock();
    let start = Instant::now();
    let results: Vec<Result<Totals, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let mine: Vec<u64> = seeds.iter().copied().skip(t).step_by(threads).collect();
                scope.spawn(move || run_seeds(&mine, db))
            })
            .collect();
        workers
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a worker panicked".into())))
            .collect()
    });
    let mut totals = Totals::default();
    for r in results {
        let t = r.unwrap_or_else(|e| panic!("{e}"));
        totals.schedules += t.schedules;
        totals.devices += t.devices;
        totals.ops += t.ops;
        totals.syncs += t.syncs;
        totals.sync_failures += t.sync_failures;
        totals.server_restarts += t.server_restarts;
        totals.client_restarts += t.client_restarts;
        totals.concurrent_edits += t.concurrent_edits;
        totals.resolutions += t.resolutions;
        totals.faults.add(&t.faults);
        for i in 0..4 {
            totals.phase_ms[i] += t.phase_ms[i];
        }
        totals.wall_ms = totals.wall_ms.max(t.wall_ms);
    }
    println!(
        "{totals:#?}\n{} schedules on {threads} workers ({db:?}) in {:.1?}",
        totals.schedules,
        start.elapsed()
    );
    totals
}

/// One worker: its own server and proxy, its seeds in order; stops at the first failure.
fn run_seeds(seeds: &[u64], db: Db) -> Result<Totals, String> {
    let mut w = World::start(db);
    let mut totals = Totals::default();
    let began = Instant::now();
    for &seed in seeds {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| schedule(&mut w, seed)));
        let o = match r {
            Ok(o) => o,
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Err(format!(
                    "fault schedule seed {seed} failed (rerun: FIELDCASE_FAULT_SEED={seed} cargo test -p fieldcase-tests --test sync_faults): {msg}"
                ));
            }
        };
        totals.schedules += 1;
        totals.devices += o.devices;
        totals.ops += o.ops;
        totals.syncs += o.syncs;
        totals.sync_failures += o.sync_failures;
        totals.server_restarts += o.server_restarts;
        totals.client_restarts += o.client_restarts;
        totals.concurrent_edits += o.concurrent_edits;
        totals.resolutions += o.resolutions;
        totals.faults.add(&o.faults);
        for i in 0..4 {
            totals.phase_ms[i] += o.phase_ms[i];
        }
        // Keep the disk small: a schedule's device stores go once it passed.
        let _ = std::fs::remove_dir_all(w.tmp.path().join(format!("R{}-S{seed}", w.runs)));
    }
    totals.wall_ms = began.elapsed().as_millis();
    Ok(totals)
}

#[test]
fn seeded_fault_schedules_lose_nothing_and_converge() {
    let t = run_many(1000, "FIELDCASE_FAULT_SEEDS", Db::Sqlite);
    assert!(t.schedules > 0);
}

/// The same schedules with the center on PostgreSQL (`FIELDCASE_FAULT_SEEDS_PG` of them, default
/// 200), where pushes commit in several groups at once. A third of the contested tasks are
/// cancelled at the very instant their case opening is pushed (`cancel_racing_push`): with the
/// task's row lock taken out of `reference::task_for_update` and `lock_tasks`, seed 63 lost the
/// cancellation with no conflict record. The deadlock of crossed duplicate pushes needs several
/// devices crossing at one instant, which these do not make: its test is in
/// `sync-server/tests/server.rs`. 200 schedules take about a minute here.
#[test]
fn seeded_fault_schedules_on_postgres_lose_nothing_and_converge() {
    let t = run_many(200, "FIELDCASE_FAULT_SEEDS_PG", Db::Postgres);
    assert!(t.schedules > 0);
}

#[test]
#[ignore = "10,000 schedules: run with --ignored (release recommended)"]
fn ten_thousand_schedules() {
    let t = run_many(10_000, "FIELDCASE_FAULT_SEEDS", Db::Sqlite);
    assert!(t.schedules > 0);
}
