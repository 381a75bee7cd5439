//! The field app's core (`fieldcase_core::app`, what every Tauri command calls) against the real
//! center on a loopback port: first run with a one-time code and an offline PIN, PIN sign-in
//! with its lockout, the inbox filled by the app's own sync thread, the whole demo inspection of
//! the electroplating plant driven through the app's commands (photos handed over as bytes, the
//! way the WebView gives them), the transcript preview tied to the PDF the center renders, and
//! the case arriving at the center complete — with no step ever waiting for the network.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use fieldcase_core::app::{
    App, CaptureArgs, CaseArgs, ChosenPrinter, EnrollArgs, InboxArgs, JobState, NoArgs,
    OpenTaskArgs, PrintArgs, PrintWhat, SignInArgs, StepArgs, TranscriptArgs,
};
use fieldcase_core::env::{Env, SteppingEnv, SystemEnv};
use serde_json::{Value, json};
use support::Server;

fn substitute(v: Value, vars: &BTreeMap<String, String>) -> Value {
    match v {
        Value::String(s) => match s.strip_prefix('$').and_then(|n| vars.get(n)) {
            Some(x) => Value::String(x.clone()),
            None => Value::String(s),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(|x| substitute(x, vars)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, substitute(x, vars)))
                .collect(),
        ),
        other => other,
    }
}

/// Runs the demo scenario's steps through the app as the signed-in 张伟 (O-ZHANG): every `by`
/// is his (the tablet's operator records), photos go through `capture` as base64 bytes, fix
/// times are dropped (the scenario's fixed clock is not the system's).
///
/// With `stop_at_officer_signature`, stops before the first officer's signature and answers that
/// step (as the app would send it, without a PIN).
fn run_demo<E: Env>(app: &App<E>, case_id: &str, stop_at_officer_signature: bool) -> Option<Value> {
    let dir = support::root().join("demo/electroplating");
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("scenario.json")).expect("scenario"),
    )
    .expect("json");
    let mut vars = BTreeMap::new();
    for (i, raw) in doc["steps"].as_array().expect("steps").iter().enumerate() {
        let mut step = substitute(raw.clone(), &vars);
        let obj = step.as_object_mut().expect("object");
        let kind = obj["step"].as_str().expect("kind").to_string();
        if kind == "open_case" {
            continue;
        }
        let save_as = obj
            .remove("save_as")
            .and_then(|v| v.as_str().map(String::from));
        let expect = obj
            .remove("expect_refusal")
            .and_then(|v| v.as_str().map(String::from));
        obj.insert("case_id".into(), json!(case_id));
        if obj.contains_key("by") {
            obj.insert("by".into(), json!("O-ZHANG"));
        }
        // The sample is held by whoever recorded it (张伟 here), so he hands it over.
        if kind == "hand_over" {
            obj.insert("from".into(), json!("O-ZHANG"));
        }
        if let Some(fix) = obj.get_mut("fix").and_then(Value::as_object_mut) {
            fix.remove("fix_time");
        }
        if stop_at_officer_signature && kind == "sign" && obj.get("role") == Some(&json!("officer"))
        {
            return Some(step);
        }
        let result = if kind == "capture_evidence" {
            let path = dir.join(obj["path"].as_str().expect("path"));
            let bytes = std::fs::read(&path).expect("photo");
            let s = |k: &str| obj.get(k).and_then(Value::as_str).map(String::from);
            app.capture(CaptureArgs {
                case_id: case_id.to_string(),
                data_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                file_name: s("path").expect("path"),
                media_type: s("media_type").expect("media type"),
                kind: s("kind").expect("kind"),
                method: s("method").expect("method"),
                proves: s("proves").expect("proves"),
                in_app: true,
                fix: obj
                    .get("fix")
                    .map(|f| serde_json::from_value(f.clone()).expect("fix")),
                item_id: s("item_id"),
                location_reason: None,
                copy_confirmed: None,
            })
        } else {
            // An officer's signature needs the offline PIN again: 张伟's, who is signed in and
            // vouches for his partner 李娜 (she has no PIN on this tablet).
            let pin = (kind == "sign" && obj.get("role") == Some(&json!("officer")))
                .then(|| "240917".to_string());
            let command = serde_json::from_value(step).unwrap_or_else(|e| panic!("step {i}: {e}"));
            app.step(StepArgs { command, pin })
        };
        match (result, expect) {
            (Ok(done), None) => {
                if let (Some(name), Some(id)) = (save_as, done.outcome.created) {
                    vars.insert(name, id);
                }
            }
            (Err(e), Some(code)) => assert_eq!(e.code, code, "step {i} ({kind}): {e}"),
            (Ok(_), Some(code)) => panic!("step {i} ({kind}): expected refusal {code}"),
            (Err(e), None) => panic!("step {i} ({kind}): {e}"),
        }
    }
    None
}

#[test]
fn an_inspection_through_the_app_arrives_complete_at_the_center() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    let forms = support::root().join("forms");
    support::test_keys();
    let app = Arc::new(App::open(&tmp.path().join("device"), &forms, SystemEnv).expect("open"));
    let state = app.app_state(NoArgs {}).expect("state");
    assert!(!state.enrolled && !state.pin_set && state.session.is_none());

    // First run: a weak PIN is refused before the code is spent; the same code then works.
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    let enroll = |pin: &str| {
        app.enroll(EnrollArgs {
            server: server.url.clone(),
            code: code.clone(),
            label: "执法平板 01".into(),
            pin: pin.into(),
            ca_pem: None,
        })
    };
    assert_eq!(enroll("123456").unwrap_err().code, "auth.pin_weak");
    assert!(!app.app_state(NoArgs {}).expect("state").enrolled);
    let state = enroll("240917").expect("enroll");
    assert!(state.enrolled && state.pin_set);
    assert_eq!(state.user.as_ref().map(|u| u.name.as_str()), Some("张伟"));
    assert_eq!(
        enroll("240917").unwrap_err().code,
        "app.already_enrolled",
        "a second enrollment is an admin's reset"
    );

    // Nothing is recorded before sign-in; a wrong PIN says how many tries remain.
    let open = |task: &str| {
        app.open_task(OpenTaskArgs {
            task_id: task.into(),
            covert: false,
            justification: None,
        })
    };
    assert_eq!(open("T-2026-1123-01").unwrap_err().code, "auth.signed_out");
    let wrong = app
        .sign_in(SignInArgs {
            pin: "111222".into(),
        })
        .unwrap_err();
    assert_eq!(wrong.code, "auth.pin_wrong");
    assert!(wrong.en.contains("4 more"), "{}", wrong.en);
    let session = app
        .sign_in(SignInArgs {
            pin: "240917".into(),
        })
        .expect("sign in");
    assert_eq!(session.officer_id.as_deref(), Some("O-ZHANG"));

    // The app's own sync thread brings the team's tasks.
    let worker = Arc::clone(&app);
    let sync = std::thread::spawn(move || worker.sync_loop());
    support::wait_for("the tasks to arrive", || {
        app.inbox(InboxArgs::default())
            .expect("inbox")
            .iter()
            .any(|t| t.task_id == "T-2026-1123-01")
    });
    let inbox = app
        .inbox(InboxArgs {
            here: Some(fieldcase_core::app::Here {
                lat: 31.2557,
                lon: 120.605,
            }),
        })
        .expect("inbox");
    let task = inbox
        .iter()
        .find(|t| t.task_id == "T-2026-1123-01")
        .expect("task");
    assert!(task.distance_m.expect("distance") < 50.0, "{task:?}");
    assert!(task.case_id.is_none());

    // Open the case; steps are the signed-in officer's only.
    let screen = open("T-2026-1123-01").expect("open task");
    let case_id = screen.case.id.clone();
    assert!(screen.on_team);
    assert_eq!(
        screen.steps.first().map(|s| s.done),
        Some(false),
        "nothing done yet"
    );
    let as_li = serde_json::from_value(json!({"step": "add_note", "case_id": case_id,
        "by": "O-LI", "text": "x"}))
    .expect("command");
    assert_eq!(
        app.step(StepArgs {
            command: as_li,
            pin: None
        })
        .unwrap_err()
        .code,
        "auth.not_you"
    );
    assert_eq!(
        open("T-2026-1123-01").expect("again").case.id,
        case_id,
        "opening the task again continues its case"
    );

    run_demo(&app, &case_id, false);
    let screen = app
        .case_screen(CaseArgs {
            case_id: case_id.clone(),
        })
        .expect("screen");
    assert_eq!(
        serde_json::to_value(screen.case.status).expect("status"),
        json!("closed")
    );
    let checklist = screen.checklist.as_ref().expect("checklist");
    assert!(checklist.gaps.is_empty(), "{:?}", checklist.gaps);
    let unanswered: Vec<&str> = checklist
        .sections
        .iter()
        .flat_map(|s| &s.rows)
        .filter(|r| r.required && r.answer.is_none())
        .map(|r| r.item_id.as_str())
        .collect();
    assert!(
        unanswered.is_empty(),
        "required rows unanswered: {unanswered:?}"
    );
    assert!(checklist.answered >= 60 && checklist.answered <= checklist.total);
    assert!(screen.team.iter().all(|m| m.shown && m.credential_valid));

    // Printing on the chosen printer: a virtual 80 mm printer over TCP decodes what it gets.
    assert_eq!(
        app.print(PrintArgs {
            case_id: case_id.clone(),
            what: PrintWhat::Receipt,
        })
        .unwrap_err()
        .code,
        "print.no_printer"
    );
    assert_eq!(
        app.choose_printer(ChosenPrinter {
            profile_id: "generic-80".into(),
            target: "carrier-pigeon:7".into(),
        })
        .unwrap_err()
        .code,
        "print.bad_target"
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let printer_addr = listener.local_addr().expect("addr");
    let profiles = fieldcase_print::load_profiles(
        &std::fs::read_to_string(forms.join("printers.yaml")).expect("printers.yaml"),
    )
    .expect("profiles");
    let profile = profiles
        .into_iter()
        .find(|p| p.id == "generic-80")
        .expect("generic-80");
    let out = tmp.path().join("printed");
    let virtual_printer = std::thread::spawn(move || {
        fieldcase_print::virtual_printer::serve_tcp(listener, &profile, &out, 2).expect("serve")
    });
    let setup = app
        .choose_printer(ChosenPrinter {
            profile_id: "generic-80".into(),
            target: format!("tcp:{printer_addr}"),
        })
        .expect("choose");
    assert_eq!(
        setup.chosen.map(|c| c.profile_id).as_deref(),
        Some("generic-80")
    );
    let onsite = screen
        .case
        .transcripts
        .iter()
        .find(|t| t.kind == "onsite")
        .expect("on-site record");
    for what in [
        PrintWhat::Receipt,
        PrintWhat::Transcript {
            transcript_id: onsite.id.clone(),
            version: onsite.versions.last().expect("version").version,
        },
    ] {
        let job = app
            .print(PrintArgs {
                case_id: case_id.clone(),
                what,
            })
            .expect("print");
        assert_eq!(job.state, JobState::Done);
        assert!(job.sent == job.total && job.total > 500, "{job:?}");
    }
    let pages = virtual_printer.join().expect("virtual printer");
    assert!(pages.len() >= 2, "{pages:?}");
    assert_eq!(
        app.print_job(NoArgs {}).expect("job").map(|j| j.state),
        Some(JobState::Done)
    );

    // Every transcript version previews from the same renderer as its PDF: the center, which
    // renders its own PDF from the synced ops, gets the very same bytes.
    let start = Instant::now();
    loop {
        let live = app.sync_state(NoArgs {}).expect("sync state");
        if live.running.is_none()
            && live.status.links_pending == 0
            && live.status.blobs_pending == 0
            && live.status.rejected.is_empty()
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not everything reached the center: {live:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let t = screen.case.transcripts.first().expect("transcript");
    let v = t.versions.last().expect("version");
    let preview = app
        .transcript_preview(TranscriptArgs {
            case_id: case_id.clone(),
            transcript_id: t.id.clone(),
            version: v.version,
        })
        .expect("preview");
    assert!(preview.locked && !preview.pages.is_empty());
    assert!(preview.pages[0].starts_with("data:image/png;base64,"));
    let (status, _, pdf) = server.get_bytes(
        &format!("/v1/cases/{case_id}/transcripts/{}/{}/pdf", t.id, v.version),
        "content-type",
    );
    assert_eq!(status, 200);
    assert_eq!(
        fieldcase_protocol::Sha256::of(&pdf).to_string(),
        preview.pdf_sha256,
        "the preview's PDF is the center's PDF"
    );
    // The officers' rows say their PIN confirmed them, on paper as in the record.
    let pdf_path = tmp.path().join("transcript.pdf");
    std::fs::write(&pdf_path, &pdf).expect("write pdf");
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf_path)
        .arg("-")
        .output()
        .expect("pdftotext (apt poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.matches("经密码确认").count() >= 2, "{text}");

    // At the center: complete, every blob, the chain verified.
    let detail = server.get(&format!("/v1/cases/{case_id}"));
    assert_eq!(detail["complete"], json!(true), "{detail}");
    // Every officer's signature records the PIN re-entered for it (张伟's: he vouched for 李娜's);
    // the party's carries none.
    let sigs = detail["signatures"].as_array().expect("signatures");
    for s in sigs {
        let confirmed = s["pin_confirmed_at"].is_string();
        match s["role"].as_str() {
            Some("officer") => assert!(
                confirmed && s["pin_confirmed_by"] == json!("O-ZHANG"),
                "{s}"
            ),
            _ => assert!(!confirmed && s["pin_confirmed_by"].is_null(), "{s}"),
        }
        assert_ne!(s["check"]["status"], json!("invalid"), "{s}");
    }
    assert!(sigs.iter().any(|s| s["role"] == json!("officer")));
    assert_eq!(detail["status"], json!("closed"));
    let screen = app
        .case_screen(CaseArgs {
            case_id: case_id.clone(),
        })
        .expect("screen");
    assert!(screen.sync.synced(), "{:?}", screen.sync);

    app.stop_sync();
    sync.join().expect("sync thread");
}

#[test]
fn wrong_pins_lock_the_sign_in_for_a_growing_time() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    let code = server.user("U-LI", "李娜", "T1", Some("O-LI"));
    // A stepping clock at the real time (the center refuses ops from the future) that the test
    // moves past each lockout instead of waiting.
    let env = SteppingEnv::new(SystemEnv.now_ms(), 1).with_random_ids();
    support::test_keys();
    let app = App::open(
        &tmp.path().join("device"),
        &support::root().join("forms"),
        env,
    )
    .expect("open");
    app.enroll(EnrollArgs {
        server: server.url.clone(),
        code,
        label: String::new(),
        pin: "580214".into(),
        ca_pem: None,
    })
    .expect("enroll");
    let try_pin = |pin: &str| app.sign_in(SignInArgs { pin: pin.into() });
    for left in (1..=4).rev() {
        let e = try_pin("000111").unwrap_err();
        assert_eq!(e.code, "auth.pin_wrong");
        assert!(e.en.contains(&format!("{left} more")), "{}", e.en);
    }
    let e = try_pin("000111").unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.en.contains("30 s")),
        ("auth.locked", true),
        "{e}"
    );
    // Locked: even the right PIN is refused until the time has passed.
    assert_eq!(try_pin("580214").unwrap_err().code, "auth.locked");

    // The lockout is kept in the store: a restarted app is still locked.
    drop(app);
    let env = SteppingEnv::new(SystemEnv.now_ms(), 1).with_random_ids();
    support::test_keys();
    let app = App::open(
        &tmp.path().join("device"),
        &support::root().join("forms"),
        env,
    )
    .expect("reopen");
    assert_eq!(
        app.sign_in(SignInArgs {
            pin: "580214".into()
        })
        .unwrap_err()
        .code,
        "auth.locked"
    );
    drop(app);
    let later = SteppingEnv::new(SystemEnv.now_ms() + 31_000, 1).with_random_ids();
    support::test_keys();
    let app = App::open(
        &tmp.path().join("device"),
        &support::root().join("forms"),
        later,
    )
    .expect("reopen later");
    // Past the lockout a wrong PIN locks again, for twice as long.
    let e = app
        .sign_in(SignInArgs {
            pin: "000111".into(),
        })
        .unwrap_err();
    assert!(e.code == "auth.locked" && e.en.contains("60 s"), "{e}");
    drop(app);
    let much_later = SteppingEnv::new(SystemEnv.now_ms() + 200_000, 1).with_random_ids();
    support::test_keys();
    let app = App::open(
        &tmp.path().join("device"),
        &support::root().join("forms"),
        much_later,
    )
    .expect("reopen");
    let s = app
        .sign_in(SignInArgs {
            pin: "580214".into(),
        })
        .expect("the right PIN after the lockout");
    assert_eq!(s.name, "李娜");
}

#[test]
fn a_tablet_provisioned_from_the_cli_signs_in_with_its_pin() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    let store = tmp.path().join("tablet");
    let enroll = |pin: &str| {
        support::fieldcase(
            &store,
            &[
                "enroll",
                "--server",
                &server.url,
                "--code",
                &code,
                "--pin",
                pin,
            ],
        )
    };
    let weak = enroll("000000");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("auth.pin_weak"),
        "{weak:?}"
    );
    let out = enroll("240917");
    assert!(out.status.success(), "{out:?}");
    support::test_keys();
    let app = App::open(&store, &support::root().join("forms"), SystemEnv).expect("open");
    let state = app.app_state(NoArgs {}).expect("state");
    assert!(state.enrolled && state.pin_set);
    let s = app
        .sign_in(SignInArgs {
            pin: "240917".into(),
        })
        .expect("sign in");
    assert_eq!(s.officer_id.as_deref(), Some("O-ZHANG"));
}

/// Every signature on the case's transcripts: (role, signer, PIN confirmed by).
fn signatures_of<E: Env>(app: &App<E>, case_id: &str) -> Vec<(String, String, Option<String>)> {
    app.case_screen(CaseArgs {
        case_id: case_id.to_string(),
    })
    .expect("screen")
    .case
    .transcripts
    .iter()
    .flat_map(|t| &t.versions)
    .flat_map(|v| &v.signatures)
    .map(|s| {
        assert_eq!(
            s.pin_confirmed_at.is_some(),
            s.pin_confirmed_by.is_some(),
            "{s:?}"
        );
        (
            serde_json::to_value(s.role)
                .expect("role")
                .as_str()
                .unwrap_or_default()
                .to_string(),
            s.signer_id.clone(),
            s.pin_confirmed_by.clone(),
        )
    })
    .collect()
}

#[test]
fn an_officer_signs_only_with_the_pin_re_entered_and_wrong_ones_count_toward_the_lockout() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    let forms = support::root().join("forms");
    let dir = tmp.path().join("device");
    // A stepping clock at the real time, moved past the lockout by reopening the app later.
    let open_at = |ms: u64| {
        support::test_keys();
        let env = SteppingEnv::new(ms, 1).with_random_ids();
        Arc::new(App::open(&dir, &forms, env).expect("open"))
    };
    let app = open_at(SystemEnv.now_ms());
    app.enroll(EnrollArgs {
        server: server.url.clone(),
        code,
        label: String::new(),
        pin: "240917".into(),
        ca_pem: None,
    })
    .expect("enroll");
    app.sign_in(SignInArgs {
        pin: "240917".into(),
    })
    .expect("sign in");
    let worker = Arc::clone(&app);
    let sync = std::thread::spawn(move || worker.sync_loop());
    support::wait_for("the tasks to arrive", || {
        app.inbox(InboxArgs::default())
            .expect("inbox")
            .iter()
            .any(|t| t.task_id == "T-2026-1123-01")
    });
    let case_id = app
        .open_task(OpenTaskArgs {
            task_id: "T-2026-1123-01".into(),
            covert: false,
            justification: None,
        })
        .expect("open task")
        .case
        .id;
    let mut step = run_demo(&app, &case_id, true).expect("an officer's signature in the demo");
    step["signer_id"] = json!("O-ZHANG");
    step["name"] = json!("张伟");
    let sign = |pin: Option<&str>| {
        app.step(StepArgs {
            command: serde_json::from_value(step.clone()).expect("command"),
            pin: pin.map(String::from),
        })
    };
    let before = signatures_of(&app, &case_id);
    assert!(
        before
            .iter()
            .all(|(role, _, by)| role != "officer" && by.is_none()),
        "the party signs without a PIN: {before:?}"
    );

    // No PIN, then wrong ones: refused, nothing written, each failure counted with sign-in's.
    let e = sign(None).unwrap_err();
    assert_eq!(e.code, "auth.pin_required", "{e}");
    assert!(
        e.zh.contains("签名未保存") && e.en.contains("not saved"),
        "{e}"
    );
    for left in (1..=4).rev() {
        let e = sign(Some("111222")).unwrap_err();
        assert_eq!(e.code, "auth.pin_wrong");
        assert!(e.en.contains(&format!("{left} more")), "{}", e.en);
    }
    let e = sign(Some("111222")).unwrap_err();
    assert!(e.code == "auth.locked" && e.en.contains("30 s"), "{e}");
    assert_eq!(sign(Some("240917")).unwrap_err().code, "auth.locked");
    assert_eq!(
        app.sign_in(SignInArgs {
            pin: "240917".into()
        })
        .unwrap_err()
        .code,
        "auth.locked",
        "one lockout for signing and sign-in"
    );
    assert_eq!(signatures_of(&app, &case_id), before, "nothing was written");
    app.stop_sync();
    sync.join().expect("sync thread");
    drop(app);

    // Past the lockout: the right PIN signs, and the signature says whose PIN and when.
    let app = open_at(SystemEnv.now_ms() + 31_000);
    app.sign_in(SignInArgs {
        pin: "240917".into(),
    })
    .expect("sign in after the lockout");
    let done = app
        .step(StepArgs {
            command: serde_json::from_value(step.clone()).expect("command"),
            pin: Some("240917".into()),
        })
        .expect("signed with the PIN");
    assert_eq!(done.outcome.kind, "signed");
    // 李娜 has no PIN on this tablet: the signed-in 张伟 vouches with his.
    let mut partner = step.clone();
    partner["signer_id"] = json!("O-LI");
    partner["name"] = json!("李娜");
    let as_partner = |pin: Option<&str>| {
        app.step(StepArgs {
            command: serde_json::from_value(partner.clone()).expect("command"),
            pin: pin.map(String::from),
        })
    };
    assert_eq!(as_partner(None).unwrap_err().code, "auth.pin_required");
    as_partner(Some("240917")).expect("李娜 signs, vouched for");
    let after = signatures_of(&app, &case_id);
    let officers: Vec<_> = after.iter().filter(|(r, ..)| r == "officer").collect();
    assert_eq!(
        officers,
        vec![
            &(
                "officer".to_string(),
                "O-ZHANG".to_string(),
                Some("O-ZHANG".to_string())
            ),
            &(
                "officer".to_string(),
                "O-LI".to_string(),
                Some("O-ZHANG".to_string())
            ),
        ]
    );

    // The confirmation travels in the signed op: the center verifies the chain and shows it.
    let worker = Arc::clone(&app);
    let sync = std::thread::spawn(move || worker.sync_loop());
    support::wait_for("the signatures to reach the center", || {
        let live = app.sync_state(NoArgs {}).expect("sync");
        live.running.is_none() && live.status.links_pending == 0
    });
    let detail = server.get(&format!("/v1/cases/{case_id}"));
    assert!(
        detail["ops"]
            .as_array()
            .expect("ops")
            .iter()
            .all(|o| o["chain_verified"] == json!(true)),
        "the chain verifies at the center"
    );
    let officer_sigs: Vec<&Value> = detail["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .filter(|s| s["role"] == json!("officer"))
        .collect();
    assert_eq!(officer_sigs.len(), 2, "{detail}");
    for s in officer_sigs {
        assert!(s["pin_confirmed_at"].is_string(), "{s}");
        assert_eq!(s["pin_confirmed_by"], json!("O-ZHANG"));
        assert_eq!(s["check"]["status"], json!("valid"), "{s}");
    }
    app.stop_sync();
    sync.join().expect("sync thread");
}
