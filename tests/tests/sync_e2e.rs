//! End to end: the real center server on a loopback port and two real device stores driven by
//! the `fieldcase` CLI. Tasks flow down to the team's devices and not to another team's; a whole
//! inspection with photos, a sample, an interview and signed records flows up; the center shows
//! the case complete with every link verified, and the other device of the team sees the task
//! done. A second sync sends nothing again.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{Server, copy_dir, ok};

fn report(out: &str) -> Value {
    let line = out.lines().last().expect("a report line");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// The demo reference data, loaded at the center: every task for team T1, plus one for T2.
fn load_center(server: &Server) -> Value {
    let text = std::fs::read_to_string(support::root().join("demo/electroplating/reference.json"))
        .expect("reference.json");
    let r: Value = serde_json::from_str(&text).expect("json");
    server.admin("POST", "/v1/officers", &r["officers"]);
    server.admin("POST", "/v1/enterprises", &r["enterprises"]);
    let mut tasks: Vec<Value> = r["tasks"].as_array().expect("tasks").clone();
    for t in &mut tasks {
        t["team"] = json!("T1");
    }
    let mut other = tasks[0].clone();
    other["id"] = json!("T-OTHER-TEAM");
    other["team"] = json!("T2");
    tasks.push(other);
    server.admin("POST", "/v1/tasks", &Value::Array(tasks));
    // One more enterprise the way a center clerk brings a list: a spreadsheet saved as CSV with
    // Chinese headers, and a task on it. The device must take the mapped record as its own.
    server.admin_csv(
        "/v1/enterprises",
        "企业编号,统一社会信用代码,企业名称,地址,区划,经度,纬度,行业代码,限值:EP-07,限值依据\n\
         E-CSV01,91320506MA1CSV0001,苏州市吴中区表面处理试验厂,吴中区金枫路99号,320506,120.6071,31.2570,C3360,0.1,排污许可证 表3\n",
    );
    let mut csv_task = r["tasks"][0].clone();
    csv_task["id"] = json!("T-CSV-01");
    csv_task["team"] = json!("T1");
    csv_task["enterprise_id"] = json!("E-CSV01");
    server.admin("POST", "/v1/tasks", &json!([csv_task]));
    r
}

#[test]
fn an_inspection_flows_up_and_tasks_flow_down() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    let reference = load_center(&server);
    let code_a = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    let code_b = server.user("U-LI", "李娜", "T1", Some("O-LI"));
    let (a, b) = (tmp.path().join("device-a"), tmp.path().join("device-b"));

    // Device A enrolls and pulls its team's tasks, the area's enterprises and officers.
    let out = ok(&a, &["enroll", "--server", &server.url, "--code", &code_a]);
    assert!(out.contains("张伟"), "{out}");
    let r = report(&ok(&a, &["sync"]));
    assert!(r["pull"]["changes"].as_u64().expect("changes") > 0, "{r}");
    let inbox = ok(&a, &["inbox"]);
    assert!(inbox.contains("T-2026-1123-01"), "{inbox}");
    assert!(
        inbox.contains("T-CSV-01") && inbox.contains("苏州市吴中区表面处理试验厂"),
        "the CSV-imported enterprise and its task did not reach the device:\n{inbox}"
    );
    assert!(
        !inbox.contains("T-OTHER-TEAM"),
        "another team's task reached the device:\n{inbox}"
    );
    // A code works once.
    let again = support::fieldcase(&b, &["enroll", "--server", &server.url, "--code", &code_a]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("enroll.bad_code"));

    // The whole demo inspection, offline, on the pulled reference data (no import).
    let demo = tmp.path().join("demo");
    copy_dir(&support::root().join("demo/electroplating"), &demo);
    let mut scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(demo.join("scenario.json")).expect("scenario"),
    )
    .expect("json");
    scenario.as_object_mut().expect("object").remove("import");
    std::fs::write(demo.join("scenario.json"), scenario.to_string()).expect("write");
    let run = ok(
        &a,
        &["run", demo.join("scenario.json").to_str().expect("path")],
    );
    let case_id = run
        .lines()
        .find_map(|l| l.strip_prefix("case "))
        .and_then(|l| l.split(' ').next())
        .expect("case id")
        .to_string();
    let status: Value = serde_json::from_str(&ok(&a, &["sync", "--status"])).expect("status json");
    assert!(status["links_pending"].as_i64().expect("n") > 0);
    let blobs_before = status["blobs_pending"].as_i64().expect("blobs");
    assert!(
        blobs_before >= 3,
        "three photos and signatures wait: {status}"
    );
    let case_state = || {
        support::test_keys();
        let store = fieldcase_core::store::Store::open(&a, "unused", "2026-11-23T00:00:00+08:00")
            .expect("open device a");
        fieldcase_core::sync::case_state(&store, &case_id).expect("case state")
    };
    let before = case_state();
    assert!(
        !before.synced() && before.links_pending > 0 && before.blobs_pending >= 3,
        "{before:?}"
    );

    // Connectivity returns: everything goes up.
    let r = report(&ok(&a, &["sync"]));
    assert_eq!(r["push"]["rejected"], 0, "{r}");
    assert!(r["push"]["applied"].as_u64().expect("applied") > 80, "{r}");
    assert_eq!(r["blobs"]["uploaded"].as_i64(), Some(blobs_before), "{r}");
    let status: Value = serde_json::from_str(&ok(&a, &["sync", "--status"])).expect("status json");
    assert_eq!(status["links_pending"], 0, "{status}");
    assert_eq!(status["blobs_pending"], 0, "{status}");
    assert_eq!(status["rejected"], json!([]), "{status}");
    let after = case_state();
    assert!(after.synced(), "{after:?}");

    // The center shows the case complete, every link verified, the ops exactly the device's.
    let cases = server.get("/v1/cases");
    assert_eq!(cases.as_array().expect("list").len(), 1, "{cases}");
    let detail = server.get(&format!("/v1/cases/{case_id}"));
    assert_eq!(detail["complete"], true, "{detail}");
    let ops = detail["ops"].as_array().expect("ops");
    assert!(ops.iter().all(|o| o["chain_verified"] == true), "{detail}");
    let device_case: Value = serde_json::from_str(&ok(&a, &["case", &case_id])).expect("case json");
    assert_eq!(device_case["status"], "closed");
    assert!(
        detail["blobs"].as_array().expect("blobs").len() >= 3
            && detail["blobs"]
                .as_array()
                .expect("blobs")
                .iter()
                .all(|b| b["stored"] == true),
        "{detail}"
    );
    let kinds: Vec<&str> = ops.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"case_opened"));
    assert_eq!(kinds.last(), Some(&"closed"));
    assert_eq!(kinds.iter().filter(|k| **k == "signed").count(), 7);
    // The center's own check of the records: every version's content matches its hash, every
    // signature verifies, and those on a superseded version say so.
    let transcripts = detail["transcripts"].as_array().expect("transcripts");
    assert!(
        !transcripts.is_empty() && transcripts.iter().all(|t| t["content_intact"] == true),
        "{detail}"
    );
    let sigs = detail["signatures"].as_array().expect("signatures");
    assert_eq!(sigs.len(), 7, "{detail}");
    let status = |s: &Value| s["check"]["status"].as_str().unwrap_or("").to_string();
    assert!(sigs.iter().all(|s| status(s) != "invalid"), "{detail}");
    assert!(sigs.iter().any(|s| status(s) == "valid"), "{detail}");
    let device_sigs: Value =
        serde_json::from_str(&ok(&a, &["signatures", &case_id])).expect("signatures json");
    let device_valid = device_sigs
        .as_array()
        .expect("list")
        .iter()
        .filter(|s| s["status"] == "valid" || s["status"]["status"] == "valid")
        .count();
    assert_eq!(
        sigs.iter().filter(|s| status(s) == "valid").count(),
        device_valid,
        "the center and the device judge the signatures alike: {device_sigs}"
    );

    // Nothing is sent twice.
    let r = report(&ok(&a, &["sync"]));
    assert_eq!(r["push"]["applied"], 0, "{r}");
    assert_eq!(r["blobs"]["uploaded"], 0, "{r}");
    assert_eq!(r["blobs"]["bytes_sent"], 0, "{r}");

    // A center restored from an older backup: the device's cursor is past its head. The pull is
    // refused with 410 and the device reloads its scope from 0, keeping its reference data.
    {
        let db = fieldcase_core::store::raw_connection(&a).expect("device db");
        db.execute(
            "UPDATE meta SET value = '999999999' WHERE key = 'pull_cursor'",
            [],
        )
        .expect("cursor");
    }
    let r = report(&ok(&a, &["sync"]));
    assert!(
        r["pull"]["changes"].as_u64().expect("changes") > 0,
        "reloaded: {r}"
    );
    assert!(
        r["pull"]["cursor"].as_i64().expect("cursor") < 999_999_999,
        "{r}"
    );
    {
        support::test_keys();
        let store = fieldcase_core::store::Store::open(&a, "unused", "2026-11-23T00:00:00+08:00")
            .expect("open device a");
        assert!(store.task("T-2026-1123-01").expect("query").is_some());
        let enterprise = reference["enterprises"][0]["id"].as_str().expect("id");
        assert!(store.enterprise(enterprise).expect("query").is_some());
    }

    // Device B of the same team sees the task the center now knows is done.
    ok(&b, &["enroll", "--server", &server.url, "--code", &code_b]);
    ok(&b, &["sync"]);
    let task_id = reference["tasks"][0]["id"].as_str().expect("task id");
    support::test_keys();
    let store = fieldcase_core::store::Store::open(&b, "unused", "2026-11-23T00:00:00+08:00")
        .expect("open device b");
    let task = store.task(task_id).expect("query").expect("task pulled");
    assert_eq!(
        serde_json::to_value(task.status).expect("status"),
        json!("done"),
        "the other device sees the task done"
    );
}

/// Device clocks (DESIGN.md §Sync, clocks): the center refuses an op stamped more than two
/// minutes ahead of its own clock, and every answer carries the center's time, from which the
/// device corrects the clock it stamps ops with.
///
/// Device A's clock runs ten minutes fast from the start: it learns the offset when it enrolls,
/// so the case it opens offline is stamped in center time and applied. Device B enrolls with a
/// right clock, then its clock jumps ten minutes ahead (a reset battery, a hand-set time): its
/// next op is refused as `clock ahead`, kept in its chain and shown as refused on the device; the
/// same sync teaches it the offset, and its following op is applied.
#[test]
fn device_clocks_ahead_are_corrected_from_the_center() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    let reference = load_center(&server);
    let tasks: Vec<Value> = (1..=3)
        .map(|i| {
            let mut t = reference["tasks"][0].clone();
            t["id"] = json!(format!("T-CLOCK-{i}"));
            t["team"] = json!("T1");
            t
        })
        .collect();
    server.admin("POST", "/v1/tasks", &Value::Array(tasks));
    let fast = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let open = |task: &str, dir: &Path| {
        let f = dir.join(format!("open-{task}.json"));
        // Several cases on one plant in a year need a reason (V-17).
        let step = json!({"step": "open_case", "task_id": task, "by": "O-ZHANG",
                          "justification": "时钟校准测试"});
        std::fs::write(&f, step.to_string()).expect("write step");
        f
    };

    let a = tmp.path().join("device-a");
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    ok(
        &a,
        &[
            "--clock",
            &fast,
            "enroll",
            "--server",
            &server.url,
            "--code",
            &code,
        ],
    );
    ok(&a, &["--clock", &fast, "sync"]);
    let f = open("T-CLOCK-1", tmp.path());
    ok(&a, &["--clock", &fast, "step", f.to_str().expect("path")]);
    let r = report(&ok(&a, &["--clock", &fast, "sync"]));
    assert_eq!(r["push"]["rejected"], 0, "{r}");
    assert!(r["push"]["applied"].as_u64().expect("applied") >= 1, "{r}");
    let offset = r["clock_offset_ms"].as_i64().expect("offset");
    assert!(
        (-660_000..=-540_000).contains(&offset),
        "the center is about ten minutes behind this device: {offset} ms"
    );

    let b = tmp.path().join("device-b");
    let code = server.user("U-LI", "李娜", "T1", Some("O-LI"));
    ok(&b, &["enroll", "--server", &server.url, "--code", &code]);
    ok(&b, &["sync"]);
    let f = open("T-CLOCK-2", tmp.path());
    ok(&b, &["--clock", &fast, "step", f.to_str().expect("path")]);
    let r = report(&ok(&b, &["--clock", &fast, "sync"]));
    assert_eq!(r["push"]["rejected"], 1, "the op stamped 10 min ahead: {r}");
    let status: Value = serde_json::from_str(&ok(&b, &["sync", "--status"])).expect("status");
    assert!(
        status.to_string().contains("clock"),
        "the device shows why its op was refused: {status}"
    );
    // Learnt: the next op, on the same fast clock, is stamped in center time (the clock that
    // had run ahead is rewound), and applied.
    let f = open("T-CLOCK-3", tmp.path());
    ok(&b, &["--clock", &fast, "step", f.to_str().expect("path")]);
    let r = report(&ok(&b, &["--clock", &fast, "sync"]));
    assert_eq!(r["push"]["rejected"], 0, "{r}");
    assert!(r["push"]["applied"].as_u64().expect("applied") >= 1, "{r}");
    let cases = server.get("/v1/cases").to_string();
    assert_eq!(
        cases.matches("T-CLOCK-").count(),
        2,
        "the cases of T-CLOCK-1 and -3: {cases}"
    );
}
