//! The center pages in a real browser (issue 6): the real server serves the built pages
//! (`--pages ui/dist`), `demo/center/seed.py` loads the demo center into it and syncs a real
//! inspection through the `fieldcase` CLI, and `ui/e2e/center-e2e.mjs` drives headless Chromium
//! (Debian's /usr/bin/chromium, through playwright-core) through every page — the case reviewed
//! end to end, a conflict resolved, the same trial draw twice, the ledgers read back, a task
//! created — saving a screenshot of each page in `target/screenshots/center`. What the pages did
//! is then checked at the server through the API, and the API refuses the center's data to
//! anyone without the center role.
//!
//! Needs the built pages, playwright-core and Chromium: `./dev test` provides all three. The
//! test fails (never skips) when one is missing.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fieldcase_protocol::{Id, KeyPair};
use serde_json::{Value, json};
use support::{ADMIN_TOKEN, Server};

const CHROMIUM: &str = "/usr/bin/chromium";
/// The browser walk takes ~15 s; past this it is stuck, and is killed so the test fails.
const BROWSER_LIMIT: Duration = Duration::from_secs(240);

/// What the walk needs that `cargo` does not build; a clear failure when one is missing.
fn prerequisites() {
    let ui = support::root().join("ui");
    for (path, what) in [
        (
            ui.join("dist/center.html"),
            "the built center pages (ui/dist)",
        ),
        (
            ui.join("node_modules/playwright-core/package.json"),
            "playwright-core (ui/node_modules)",
        ),
        (
            PathBuf::from(CHROMIUM),
            "Chromium (Debian package chromium)",
        ),
    ] {
        assert!(
            path.exists(),
            "{what} missing: {} does not exist. Run `./dev test` (it installs Chromium, runs \
             `npm ci` and builds ui/ first), or `cd ui && npm ci && npm run build`.",
            path.display()
        );
    }
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "node (20.19+) not found on PATH: install Node.js, then run `./dev test`: {node:?}"
    );
}

/// The demo center and a synced inspection, by demo/center/seed.py (as `./dev run` loads it).
fn seed(server: &Server, work: &Path) -> Value {
    let root = support::root();
    let mut cmd = Command::new("python3");
    cmd.current_dir(&root)
        .env("FIELDCASE_KEY_STORE", support::key_store())
        .arg(root.join("demo/center/seed.py"))
        .args([
            "--server",
            &server.url,
            "--admin-token",
            ADMIN_TOKEN,
            "--cli",
        ])
        .arg(support::bin_dir().join("fieldcase"))
        .arg("--forms")
        .arg(root.join("forms"))
        .arg("--work")
        .arg(work);
    let (ok, out, err) = support::run_with_limit(cmd, Duration::from_secs(120));
    assert!(ok, "seed.py failed:\n{out}\n{err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("seed.py printed {out:?}: {e}"))
}

/// A field device enrolled for a new inspector: its bearer token.
fn inspector_token(server: &Server) -> String {
    let code = server.user("U-E2E-INSPECTOR", "测试检查员", "T1", None);
    let key = KeyPair::generate().expect("key");
    let device = Id::from_parts(1_700_000_000_000, [0x5a; 10]).to_string();
    let (st, r) = server.call(
        "POST",
        "/v1/enroll",
        "",
        Some(&support::enroll_body(&code, &device, &key, "测试平板")),
    );
    assert_eq!(st, 200, "enroll: {r}");
    assert_eq!(r["user"]["role"], "inspector", "{r}");
    r["token"].as_str().expect("token").to_string()
}

#[test]
fn the_center_pages_work_end_to_end_in_a_browser() {
    prerequisites();
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    let seeded = seed(&server, &tmp.path().join("work"));
    let case_id = seeded["case_id"].as_str().expect("case_id").to_string();
    assert_eq!(seeded["conflicts"], 2, "{seeded}");

    // The walk in the browser.
    let shots = support::screenshots_dir("center");
    let mut node = Command::new("node");
    node.current_dir(support::root().join("ui"))
        .arg("e2e/center-e2e.mjs")
        .env("FIELDCASE_UI_URL", format!("{}/ui/center.html", server.url))
        .env(
            "FIELDCASE_ENROLL_CODE",
            seeded["clerk_codes"][0].as_str().expect("clerk code"),
        )
        .env(
            "FIELDCASE_INSPECTOR_CODE",
            seeded["inspector_code"].as_str().expect("inspector code"),
        )
        .env("FIELDCASE_SHOTS_DIR", &shots)
        .env("FIELDCASE_CHROMIUM", CHROMIUM);
    let started = Instant::now();
    let (ok, out, err) = support::run_with_limit(node, BROWSER_LIMIT);
    assert!(
        ok,
        "the browser walk failed (screenshots in {}):\n{err}\n{out}",
        shots.display()
    );
    eprintln!(
        "browser walk: {:.1} s, screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots.display()
    );
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one JSON line on stdout:\n{out}");
    let walk: Value = serde_json::from_str(lines[0]).expect("the walk's JSON line");
    assert_eq!(walk["case_id"], json!(case_id), "{walk}");
    let pngs = std::fs::read_dir(&shots)
        .expect("screenshots")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(pngs >= 30, "{pngs} screenshots in {}", shots.display());

    // The review, made through the page's buttons, as the server holds it.
    let states = ["under_review", "returned", "under_review", "accepted"];
    assert_eq!(walk["review_history"], json!(states), "{walk}");
    let detail = server.get(&format!("/v1/cases/{case_id}"));
    assert_eq!(
        detail["review"]["state"], "accepted",
        "{}",
        detail["review"]
    );
    let history = detail["review_history"].as_array().expect("review_history");
    let held: Vec<&str> = history.iter().filter_map(|r| r["state"].as_str()).collect();
    assert_eq!(held, states);
    assert!(
        history
            .iter()
            .all(|r| r["by"] == "center:U-CLERK" && r["by_name"] == "王芳"),
        "every move by the clerk who signed in, named: {history:?}"
    );
    assert!(
        history[1]["note"]
            .as_str()
            .is_some_and(|n| !n.trim().is_empty()),
        "the return says why: {history:?}"
    );

    // The conflict, resolved with the reason the page typed; the other one still open.
    let conflict = walk["conflict_resolved"].as_str().expect("conflict id");
    let resolved = server.get("/v1/conflicts?open=false");
    let c = resolved
        .as_array()
        .expect("conflicts")
        .iter()
        .find(|c| c["id"] == conflict)
        .unwrap_or_else(|| panic!("conflict {conflict} is not resolved: {resolved}"));
    assert_eq!(c["resolution"], "keep", "{c}");
    assert_eq!(c["note"], walk["conflict_note"], "{c}");
    assert_eq!(c["resolved_by"], "center:U-CLERK", "{c}");
    let open = server.get("/v1/conflicts?open=true");
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{open}");
    let still_open = open[0]["id"]
        .as_str()
        .expect("open conflict id")
        .to_string();

    // The two trial draws: the same seed, the same result, no tasks; each reproducible.
    let ids: Vec<&str> = walk["draws"]
        .as_array()
        .expect("draws")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(ids.len(), 2, "{walk}");
    assert_ne!(ids[0], ids[1]);
    let draws: Vec<Value> = ids
        .iter()
        .map(|id| server.get(&format!("/v1/draws/{id}")))
        .collect();
    assert_eq!(draws[0]["seed_sha256"], draws[1]["seed_sha256"]);
    assert_eq!(draws[0]["seed"], draws[1]["seed"]);
    assert_eq!(draws[0]["drawn"], draws[1]["drawn"]);
    assert!(
        draws[0]["drawn"].as_array().is_some_and(|d| !d.is_empty()),
        "{}",
        draws[0]
    );
    for (id, d) in ids.iter().zip(&draws) {
        assert_eq!(d["tasks_created"], false, "a trial made tasks: {d}");
        let v = server.get(&format!("/v1/draws/{id}/verify"));
        assert_eq!(v["reproduced"], true, "{id}: {v}");
    }

    // The findings ledger the page read back: a row per finding of the one case.
    let list = server.get("/v1/cases");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(walk["ledger_rows"], list[0]["findings"], "{walk}");

    // The complaint task made through the form.
    let task = walk["task_created"].as_str().expect("task id");
    let tasks = server.get(&format!("/v1/tasks?q={task}"));
    let t = tasks
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["id"] == task)
        .unwrap_or_else(|| panic!("task {task} not at the center: {tasks}"));
    assert_eq!(t["source"], "complaint", "{t}");
    assert_eq!(t["enterprise_id"], detail["enterprise_id"], "{t}");
    assert_eq!(t["procedure"], "inspection", "{t}");
    assert_eq!(t["officers"].as_array().map(Vec::len), Some(2), "{t}");
    assert!(t["note"].as_str().is_some_and(|n| !n.is_empty()), "{t}");
    assert!(
        t["source_ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("12369-")),
        "{t}"
    );

    // Authorization. The pages themselves are public files (they hold no data)...
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = http
        .get(format!("{}/ui/center.html", server.url))
        .send()
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(csp.contains("default-src 'self'"), "CSP {csp:?}");
    assert!(page.text().expect("html").contains(r#"<div id="app">"#));
    let to_pages = http
        .get(format!("{}/center", server.url))
        .send()
        .expect("/center");
    assert_eq!(
        to_pages
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/ui/center.html")
    );
    // ...the data they show is refused without a token, with a bad one, and to an inspector.
    let no_token = http
        .get(format!("{}/v1/cases", server.url))
        .header("fieldcase-protocol", "1")
        .send()
        .expect("request");
    assert_eq!(no_token.status().as_u16(), 401);
    for token in ["", "not-a-token"] {
        let (st, body) = server.call("GET", "/v1/cases", token, None);
        assert_eq!(st, 401, "token {token:?}: {body}");
    }
    let inspector = inspector_token(&server);
    for path in [
        "/v1/cases".to_string(),
        format!("/v1/cases/{case_id}"),
        "/v1/draws".to_string(),
        format!("/v1/draws/{}", ids[0]),
        "/v1/ledgers/inspections".to_string(),
        "/v1/ledgers/findings?format=xlsx".to_string(),
        "/v1/conflicts".to_string(),
        "/v1/tasks".to_string(),
        "/v1/enterprises".to_string(),
        "/v1/alerts".to_string(),
    ] {
        let (st, body) = server.call("GET", &path, &inspector, None);
        assert_eq!(st, 403, "an inspector's GET {path}: {body}");
    }
    let (st, body) = server.call(
        "POST",
        &format!("/v1/cases/{case_id}/review"),
        &inspector,
        Some(&json!({"state": "returned", "note": "x"})),
    );
    assert_eq!(st, 403, "an inspector's review: {body}");
    let (st, body) = server.call(
        "POST",
        &format!("/v1/conflicts/{still_open}/resolve"),
        &inspector,
        Some(&json!({"resolution": "take_other", "note": "x"})),
    );
    assert_eq!(st, 403, "an inspector's conflict resolution: {body}");
    // The refusals changed nothing.
    let after = server.get(&format!("/v1/cases/{case_id}"));
    assert_eq!(after["review_history"], detail["review_history"]);
    let open = server.get("/v1/conflicts?open=true");
    assert_eq!(open[0]["id"], json!(still_open), "{open}");
}
