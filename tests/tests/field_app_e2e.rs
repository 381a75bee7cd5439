//! The field app in its real WebView: the Tauri app (`target/debug/fieldcase-app`, ui/dist
//! embedded) runs under Xvfb, driven through tauri-driver and WebKitWebDriver by
//! `ui/e2e/app-e2e.mjs`, which does the whole demo inspection of the electroplating plant as
//! 张伟 would — first run with the center's address and a one-time code, PIN sign-in, the inbox,
//! every step of demo/electroplating/scenario.json through the step screens (photos imported,
//! numbers on the number pad, signatures drawn on the pads), the refusals the scenario expects
//! shown beside their buttons — saving a screenshot after each step in
//! `target/screenshots/app`. What the screens did is then checked at the center: the case
//! arrived complete and closed, its audit chain and every signature verify, every transcript
//! version's PDF is served and the photos are stored byte for byte. The walk runs twice: in the
//! tablet's landscape window (1280×800) and in a phone's portrait one (360×800, screenshots in
//! `target/screenshots/app-phone`), where the screens reflow to one column.
//!
//! Needs the app binary and the built pages (`cargo build -p fieldcase-app` after
//! `cd ui && npm run build`; `./dev test` does both), tauri-driver, WebKitWebDriver, Xvfb and
//! node with ui/node_modules (`./dev test` installs them). The test fails (never skips) when one
//! is missing.

mod desktop;
mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use fieldcase_protocol::Sha256;
use serde_json::Value;
use support::Server;

const TASK: &str = "T-2026-1123-01";
/// The walk takes about 90 s; past this it is stuck, and is killed so the test fails.
const WALK_LIMIT: Duration = Duration::from_secs(600);

/// Where `./dev test` has the tablet walk leave its JSON line (memory after the inspection, cold
/// figures of the walk) for the field_app bench, which then prints it instead of walking again.
pub const WALK_SAMPLE_ENV: &str = "FIELDCASE_WALK_SAMPLE";

/// Present while the phone walk runs (beside the tablet walk, in this test process): the tablet
/// walk takes its memory sample only once it is gone, so the WebKit pages the two apps share are
/// not split between them in the tablet's PSS.
fn phone_walk_marker() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("fieldcase-phone-walk-{}", std::process::id()))
}

#[test]
fn the_demo_inspection_through_the_app_screens_arrives_complete_at_the_center() {
    let walk = walk_and_check(None, "app", Some(&phone_walk_marker()));
    if let Ok(out) = std::env::var(WALK_SAMPLE_ENV) {
        std::fs::write(&out, format!("{walk}\n")).expect("the walk's sample");
    }
}

#[test]
fn the_same_inspection_on_a_phone_sized_window_arrives_complete_too() {
    /// Removes the marker when the phone walk is over, also on a panic.
    struct Running(std::path::PathBuf);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let marker = Running(phone_walk_marker());
    std::fs::write(&marker.0, b"").expect("marker");
    walk_and_check(Some((360, 800)), "app-phone", None);
}

/// A fresh center and device, and the walk through the screens: the center's folder, the
/// center, the walk's stdout and the screenshots' folder; or what failed.
fn walk(
    viewport: Option<(u32, u32)>,
    shots: &str,
    sample_after: Option<&std::path::Path>,
) -> Result<(tempfile::TempDir, Server, String, std::path::PathBuf), String> {
    let app = desktop::app_binary("debug");
    let driver = desktop::prerequisites(&app);
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));

    // The X server, then tauri-driver (which starts WebKitWebDriver, which starts the app) with
    // the app's device store in this test's folder.
    let app_data = tmp.path().join("app-device");
    std::fs::create_dir_all(&app_data).expect("app data");
    let (procs, port) = desktop::start(&driver, &app_data);

    // The walk through the screens.
    let shots = support::screenshots_dir(shots);
    let mut node = Command::new("node");
    if let Some((w, h)) = viewport {
        node.env("VIEWPORT", format!("{w}x{h}"));
    }
    if let Some(marker) = sample_after {
        node.env("SAMPLE_AFTER", marker);
    }
    node.current_dir(support::root().join("ui"))
        .arg("e2e/app-e2e.mjs")
        .env("URL", &server.url)
        .env("CODE", &code)
        .env("TASK", TASK)
        .env("SHOTS", &shots)
        .env("APP", &app)
        .env("APP_DATA", &app_data)
        .env("PORT", port.to_string());
    let started = Instant::now();
    let (ok, out, err) = support::run_with_limit(node, WALK_LIMIT);
    drop(procs);
    if !ok {
        return Err(format!(
            "the walk through the app failed (screenshots in {}):\n{err}\n{out}",
            shots.display()
        ));
    }
    eprintln!(
        "app walk: {:.1} s, screenshots in {}\n{out}",
        started.elapsed().as_secs_f64(),
        shots.display()
    );
    Ok((tmp, server, out, shots))
}

/// A walk that lost its WebDriver session ("invalid session id"): the WebView went away under
/// the driver. Seen here in 4 of 9 runs on one day (with that day's UI and the day before's
/// alike), with the kernel logging `eadedCompositor … general protection fault … in
/// swrast_dri.so`: WebKit's threaded compositor crashing inside Mesa's software rasterizer
/// (llvmpipe under Xvfb), which no device runs. Such a walk is walked again once, from a fresh
/// center and device, and says so; a second loss fails the test like any other failure.
const SESSION_LOST: &str = "invalid session id";

/// The whole walk in a window of `viewport` (the app's own 1280×800 when none), screenshots in
/// `target/screenshots/<shots>`, then everything checked at the center; answers the walk's JSON
/// line. With `sample_after`, the memory sample waits until that file is gone.
fn walk_and_check(
    viewport: Option<(u32, u32)>,
    shots: &str,
    sample_after: Option<&std::path::Path>,
) -> Value {
    let (_tmp, server, out, shots) = match walk(viewport, shots, sample_after) {
        Err(e) if e.contains(SESSION_LOST) => {
            eprintln!(
                "app walk ({shots}): the WebView was lost mid-walk (WebDriver: {SESSION_LOST}); \
                 walking again from the start, once:\n{e}"
            );
            walk(viewport, shots, sample_after).unwrap_or_else(|e| panic!("{e}"))
        }
        other => other.unwrap_or_else(|e| panic!("{e}")),
    };
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one JSON line on stdout:\n{out}");
    let walk: Value = serde_json::from_str(lines[0]).expect("the walk's JSON line");
    let case_id = walk["case_id"].as_str().expect("case_id").to_string();
    assert!(walk["rss_kb"].as_u64().is_some_and(|kb| kb > 0), "{walk}");
    assert!(
        walk["rss_tree_kb"].as_u64() > walk["rss_kb"].as_u64(),
        "the WebView's processes count too: {walk}"
    );
    assert!(walk["steps"].as_u64().is_some_and(|n| n >= 100), "{walk}");
    let pngs = std::fs::read_dir(&shots)
        .expect("screenshots")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(pngs >= 100, "{pngs} screenshots in {}", shots.display());

    // At the center: the case, closed and complete.
    let detail = server.get(&format!("/v1/cases/{case_id}"));
    assert_eq!(detail["task_id"], TASK, "{detail}");
    assert_eq!(detail["status"], "closed", "{}", detail["status"]);
    assert_eq!(detail["complete"], true, "{}", detail["blobs"]);

    // Its audit chain verifies link by link against the device's enrolled key.
    let ops = detail["ops"].as_array().expect("ops");
    assert!(ops.len() >= 90, "{} ops", ops.len());
    let broken: Vec<&Value> = ops.iter().filter(|o| o["chain_verified"] != true).collect();
    assert!(broken.is_empty(), "links that do not verify: {broken:?}");

    // What the screens entered, as the center reads it.
    let view = &detail["view"];
    let answers = view["answers"].as_array().map(Vec::len).unwrap_or_default();
    assert!(answers >= 60, "{answers} answers: {}", view["answers"]);
    assert_eq!(
        view["findings"].as_array().map(Vec::len),
        Some(2),
        "{}",
        view["findings"]
    );
    assert_eq!(view["party"]["name"], "陈建国", "{}", view["party"]);
    assert_eq!(
        view["samples"][0]["sample_id"], "S-20261123-01",
        "{}",
        view["samples"]
    );
    assert_eq!(
        view["interviews"].as_array().map(Vec::len),
        Some(1),
        "{}",
        view["interviews"]
    );
    assert_eq!(
        view["measures"].as_array().map(Vec::len),
        Some(1),
        "{}",
        view["measures"]
    );
    assert_eq!(view["checkin"]["source"], "manual", "{}", view["checkin"]);

    // Every transcript version: content intact, its PDF served.
    let transcripts = detail["transcripts"].as_array().expect("transcripts");
    assert_eq!(
        transcripts.len(),
        3,
        "inquiry v1, on-site v1 and v2: {transcripts:?}"
    );
    let mut latest: BTreeMap<String, u64> = BTreeMap::new();
    for t in transcripts {
        assert_eq!(t["content_intact"], true, "{t}");
        let id = t["transcript_id"].as_str().expect("transcript id");
        let v = t["version"].as_u64().expect("version");
        let (status, ctype, pdf) = server.get_bytes(
            &format!("/v1/cases/{case_id}/transcripts/{id}/{v}/pdf"),
            "content-type",
        );
        assert_eq!(
            status,
            200,
            "PDF of {id} v{v}: {}",
            String::from_utf8_lossy(&pdf)
        );
        assert_eq!(ctype.as_deref(), Some("application/pdf"), "{id} v{v}");
        assert!(pdf.starts_with(b"%PDF-"), "{id} v{v} is not a PDF");
        let l = latest.entry(id.to_string()).or_default();
        *l = (*l).max(v);
    }

    // Every signature drawn on the pads verifies; each transcript's latest version carries the
    // party's and both officers' (the first on-site version's one is valid for that version).
    let signatures = detail["signatures"].as_array().expect("signatures");
    assert_eq!(signatures.len(), 7, "{signatures:?}");
    for s in signatures {
        let status = s["check"]["status"].as_str().unwrap_or_default();
        assert!(
            status == "valid" || status == "valid_for_other_version",
            "signature does not verify: {s}"
        );
    }
    for (id, v) in &latest {
        let mut names: Vec<&str> = signatures
            .iter()
            .filter(|s| s["transcript_id"] == id.as_str() && s["signed_version"] == *v)
            .filter(|s| s["check"]["status"] == "valid")
            .filter_map(|s| s["name"].as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["张伟", "李娜", "陈建国"],
            "{id} v{v}: {signatures:?}"
        );
    }

    // The photos imported through the evidence screen, stored at the center byte for byte.
    let blobs: BTreeMap<String, bool> = detail["blobs"]
        .as_array()
        .expect("blobs")
        .iter()
        .map(|b| {
            (
                b["sha256"].as_str().unwrap_or_default().to_string(),
                b["stored"] == true,
            )
        })
        .collect();
    assert!(blobs.values().all(|&stored| stored), "{blobs:?}");
    let evidence = view["evidence"].as_array().expect("evidence");
    assert_eq!(evidence.len(), 3, "{evidence:?}");
    for photo in ["outlet.png", "tank.jpg", "sludge.png"] {
        let bytes = std::fs::read(support::root().join("demo/electroplating").join(photo))
            .expect("demo photo");
        let sha = Sha256::of(&bytes).to_string();
        assert_eq!(
            blobs.get(&sha),
            Some(&true),
            "{photo} ({sha}) not stored: {blobs:?}"
        );
        assert!(
            evidence
                .iter()
                .any(|e| e["sha256"] == sha.as_str() && e["stored"] == true),
            "{photo} is not the evidence of the case: {evidence:?}"
        );
        let (status, _, stored) = server.get_bytes(&format!("/v1/blobs/{sha}"), "content-type");
        assert_eq!(status, 200, "GET blob of {photo}");
        assert!(stored == bytes, "the center's copy of {photo} differs");
    }
    walk
}
