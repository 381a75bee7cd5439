//! A revoked device locks itself (issue 7), end to end with the real center on a loopback port:
//! a tablet enrolls and records an inspection offline; an admin revokes it; at its next contact
//! the store locks — every app command that reads or writes case data is refused with
//! `device.locked`, nothing is sent, and the outbox, the audit chain and the blobs are exactly as
//! they were (plus the lock's own link). The device keeps asking the center, with a request
//! signed by its key, whether it was reinstated; once an admin reinstates it, it unlocks at its
//! next contact and the sealed records reach the center whole.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use fieldcase_core::app::{
    App, CaptureArgs, EnrollArgs, InboxArgs, NoArgs, OnlineArgs, OpenTaskArgs, SignInArgs, StepArgs,
};
use fieldcase_core::env::SystemEnv;
use fieldcase_core::store::Store;
use fieldcase_protocol::Sha256;
use serde_json::{Value, json};
use support::Server;

/// What the store holds that must stay sealed: every link (seq → hash), the outbox, and each
/// blob with the SHA-256 of its bytes as read back.
#[derive(Debug, PartialEq)]
struct Held {
    links: BTreeMap<i64, (String, String)>,
    outbox: Vec<(i64, i64, String, i64)>,
    blobs: BTreeMap<String, (i64, bool, String)>,
}

fn held(dir: &std::path::Path) -> Held {
    let store = Store::open(dir, "unused: the store exists", "").expect("store");
    let conn = store.conn();
    let links = conn
        .prepare("SELECT seq, kind, hash FROM ops ORDER BY seq")
        .expect("ops")
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .expect("ops")
        .collect::<Result<_, _>>()
        .expect("ops");
    let outbox = conn
        .prepare("SELECT device_seq, op_seq, state, attempts FROM outbox ORDER BY device_seq")
        .expect("outbox")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("outbox")
        .collect::<Result<_, _>>()
        .expect("outbox");
    let rows: Vec<(String, i64, bool)> = conn
        .prepare("SELECT sha256, size, uploaded_at IS NOT NULL FROM blobs ORDER BY sha256")
        .expect("blobs")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("blobs")
        .collect::<Result<_, _>>()
        .expect("blobs");
    let blobs = rows
        .into_iter()
        .map(|(sha, size, up)| {
            let bytes = store.blobs.get(&sha.parse().expect("hash")).expect("blob");
            (sha, (size, up, Sha256::of(&bytes).to_string()))
        })
        .collect();
    Held {
        links,
        outbox,
        blobs,
    }
}

/// One argument of each app command, shaped as the UI sends it: used to call every command of
/// the table on the locked store. A command added to the table without a line here fails the
/// test, so none escapes the lock unnoticed.
fn sample(name: &str, case_id: &str) -> Value {
    match name {
        "app_state" | "sign_out" | "sync_state" | "sync_now" | "printers" | "print_job" => {
            json!({})
        }
        "enroll" => {
            json!({"server": "http://127.0.0.1:9", "code": "123456789012", "label": "", "pin": "240917"})
        }
        "sign_in" => json!({"pin": "240917"}),
        "inbox" => json!({}),
        "enterprise_file" => json!({"enterprise_id": "E-320506-0001"}),
        "open_task" => json!({"task_id": "T-2026-1123-01"}),
        "case_screen" => json!({"case_id": case_id}),
        "step" => {
            json!({"command": {"step": "add_note", "case_id": case_id, "by": "O-ZHANG", "text": "封存期间的记录"}})
        }
        "checkin_preview" => {
            json!({"case_id": case_id, "fix": {"lat": 31.2557, "lon": 120.605, "accuracy_m": 5.0}})
        }
        "capture" => json!({"case_id": case_id, "data_base64": "aGVsbG8=", "file_name": "a.jpg",
            "media_type": "image/jpeg", "kind": "photo", "method": "拍照", "proves": "x", "in_app": true}),
        "evidence_image" => json!({"case_id": case_id, "evidence_id": "x", "thumb": true}),
        "credential_card" => json!({"case_id": case_id, "officer_id": "O-ZHANG"}),
        "verify_credential" => json!({"text": "FC1.x.y.z"}),
        "transcript_preview" => json!({"case_id": case_id, "transcript_id": "x", "version": 1}),
        "set_online" => json!({"online": true}),
        "discover_printers" => json!({"seconds": 1}),
        "choose_printer" => json!({"profile_id": "generic-80", "target": "tcp:127.0.0.1:9"}),
        "print" => json!({"case_id": case_id, "what": {"what": "receipt"}}),
        other => panic!("no sample argument for the app command {other}: add one"),
    }
}

/// What the lock screen needs keeps answering; everything else is refused with `device.locked`.
const WHILE_LOCKED: &[&str] = &[
    "app_state",
    "sign_out",
    "sync_state",
    "sync_now",
    "set_online",
];

/// Calls every command of the app's table with its sample; answers (name, error code or None).
fn call_every_command(app: &App, case_id: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    macro_rules! each {
        ($($name:ident: $args:ty => $ret:ty,)*) => {
            $(
                let name = stringify!($name);
                let args: $args = serde_json::from_value(sample(name, case_id))
                    .unwrap_or_else(|e| panic!("sample of {name}: {e}"));
                out.push((name.to_string(), app.$name(args).err().map(|e| e.code)));
            )*
        };
    }
    fieldcase_core::for_each_command!(each);
    out
}

#[test]
fn a_revoked_device_locks_its_store_and_unlocks_when_reinstated() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    support::test_keys();
    let dir = tmp.path().join("device");
    let app =
        Arc::new(App::open(&dir, &support::root().join("forms"), SystemEnv).expect("open the app"));
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    let state = app
        .enroll(EnrollArgs {
            server: server.url.clone(),
            code,
            label: "执法平板 07".into(),
            pin: "240917".into(),
            ca_pem: None,
        })
        .expect("enroll");
    let device_id = state.device_id.clone();
    assert!(state.locked.is_none());
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

    // Offline at the plant: a case, a check-in and a photo wait on the device.
    app.set_online(OnlineArgs { online: false })
        .expect("offline");
    let case_id = app
        .open_task(OpenTaskArgs {
            task_id: "T-2026-1123-01".into(),
            covert: false,
            justification: None,
        })
        .expect("open task")
        .case
        .id;
    let fix = json!({"lat": 31.2557, "lon": 120.605, "accuracy_m": 5.0});
    app.step(StepArgs {
        command: serde_json::from_value(
            json!({"step": "check_in", "case_id": case_id, "by": "O-ZHANG", "fix": fix}),
        )
        .expect("command"),
        pin: None,
    })
    .expect("check in");
    for officer in ["O-ZHANG", "O-LI"] {
        app.step(StepArgs {
            command: serde_json::from_value(
                json!({"step": "show_credential", "case_id": case_id, "officer_id": officer}),
            )
            .expect("command"),
            pin: None,
        })
        .expect("show credential");
    }
    let photo =
        std::fs::read(support::root().join("demo/electroplating/tank.jpg")).expect("demo photo");
    app.capture(CaptureArgs {
        case_id: case_id.clone(),
        data_base64: base64::engine::general_purpose::STANDARD.encode(&photo),
        file_name: "tank.jpg".into(),
        media_type: "image/jpeg".into(),
        kind: "photo".into(),
        method: "拍照".into(),
        proves: "总排口现状".into(),
        in_app: true,
        fix: Some(serde_json::from_value(fix).expect("fix")),
        item_id: None,
        location_reason: None,
        copy_confirmed: None,
    })
    .expect("photo");
    let live = app.sync_state(NoArgs {}).expect("sync state");
    assert!(
        live.status.links_pending >= 3 && live.status.blobs_pending >= 1,
        "{live:?}"
    );
    let before = held(&dir);

    // The tablet is reported lost: the admin revokes it. At its next contact it locks itself.
    server.admin(
        "POST",
        &format!("/v1/admin/devices/{device_id}/revoke"),
        &json!({}),
    );
    app.set_online(OnlineArgs { online: true }).expect("online");
    support::wait_for("the store to lock", || {
        app.app_state(NoArgs {}).expect("state").locked.is_some()
    });
    let state = app.app_state(NoArgs {}).expect("state");
    let lock = state.locked.expect("lock");
    assert_eq!(lock.server, server.url);
    let live = app.sync_state(NoArgs {}).expect("sync state");
    assert_eq!(live.status.locked.as_ref(), Some(&lock));
    assert_eq!(
        live.last_error.as_ref().map(|e| e.code.as_str()),
        Some("device.locked"),
        "{live:?}"
    );

    // Every command that reads or writes case data is refused; the lock screen's still answer.
    for (name, refused) in call_every_command(&app, &case_id) {
        if WHILE_LOCKED.contains(&name.as_str()) {
            assert_eq!(refused, None, "{name} is what the lock screen needs");
        } else {
            assert_eq!(
                refused.as_deref(),
                Some("device.locked"),
                "{name} must be refused on a locked store"
            );
        }
    }

    // The CLI on the same store says so plainly, in both languages, with what an admin does.
    let status = support::fieldcase(&dir, &["sync", "--status"]);
    let said = String::from_utf8_lossy(&status.stderr);
    assert!(
        said.contains("本机存储已锁定") && said.contains("the store is locked"),
        "{said}"
    );
    let json: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert_eq!(json["locked"]["server"], json!(server.url));
    let run = support::fieldcase(&dir, &["sync"]);
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        said.contains("sealed on this device, not deleted") && said.contains("reinstate"),
        "{said}"
    );

    // Sealed: nothing deleted, altered or sent; the chain gained only the lock's own link.
    app.sync_now(NoArgs {}).expect("check again");
    support::wait_for("the check with the center", || {
        app.sync_state(NoArgs {}).expect("sync").running.is_none()
    });
    let after = held(&dir);
    assert_eq!(
        after.outbox, before.outbox,
        "the outbox is sealed, not emptied"
    );
    assert_eq!(
        after.blobs, before.blobs,
        "the blobs are sealed, byte for byte"
    );
    for (hash, (size, uploaded, read)) in &after.blobs {
        assert!(!uploaded, "nothing was uploaded while locked: {hash}");
        assert_eq!(read, hash, "blob {hash} ({size} bytes) reads back whole");
    }
    let mut expected = before.links.clone();
    let (&last, _) = after.links.last_key_value().expect("links");
    assert_eq!(
        after.links.get(&last).map(|l| l.0.as_str()),
        Some("device_locked")
    );
    expected.insert(last, after.links[&last].clone());
    assert_eq!(after.links, expected, "earlier links untouched");
    let center = server.get(&format!("/v1/admin/devices/{device_id}"));
    assert_eq!(center["revoked"], json!(true));
    let center_seq = center["last_seq"].as_i64().expect("last seq");
    assert!(
        center_seq < *before.links.keys().last().expect("seq"),
        "the center holds none of the sealed links: {center}"
    );

    // The status check: only the device's own key gets an answer; only an admin reinstates.
    let (status, body) = server.call(
        "POST",
        "/v1/device/status",
        "",
        Some(&json!({"device_id": device_id, "at_ms": now_ms(), "signature": "00".repeat(64)})),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.missing")),
        "{body}"
    );
    let (status, _) = server.call(
        "POST",
        &format!("/v1/admin/devices/{device_id}/reinstate"),
        "not-a-token",
        None,
    );
    assert_eq!(status, 401);
    let (status, _) = server.call(
        "POST",
        "/v1/admin/devices/nope/reinstate",
        support::ADMIN_TOKEN,
        None,
    );
    assert_eq!(status, 404);

    // The admin recovers the device: it unlocks at its next contact and sends what it sealed.
    let back = server.admin(
        "POST",
        &format!("/v1/admin/devices/{device_id}/reinstate"),
        &json!({}),
    );
    assert_eq!(back["revoked"], json!(false));
    let (status, body) = server.call(
        "POST",
        &format!("/v1/admin/devices/{device_id}/reinstate"),
        support::ADMIN_TOKEN,
        None,
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("device.not_revoked"))
    );
    app.sync_now(NoArgs {}).expect("check again");
    support::wait_for("the device to unlock and send everything", || {
        let live = app.sync_state(NoArgs {}).expect("sync");
        live.status.locked.is_none()
            && live.running.is_none()
            && live.status.links_pending == 0
            && live.status.blobs_pending == 0
    });
    assert!(app.app_state(NoArgs {}).expect("state").locked.is_none());
    app.case_screen(fieldcase_core::app::CaseArgs {
        case_id: case_id.clone(),
    })
    .expect("case data answers again");

    // At the center, whole: every link the device holds (lock and unlock included), the case,
    // and each blob byte for byte.
    let mine = held(&dir);
    let center = server.get(&format!("/v1/admin/devices/{device_id}"));
    let center_links: BTreeMap<i64, String> = center["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["seq"].as_i64().expect("seq"),
                l["hash"].as_str().expect("hash").to_string(),
            )
        })
        .collect();
    let device_links: BTreeMap<i64, String> = mine
        .links
        .iter()
        .map(|(s, (_, h))| (*s, h.clone()))
        .collect();
    assert_eq!(
        center_links, device_links,
        "the center holds the whole chain"
    );
    let kinds: Vec<&str> = mine.links.values().map(|(k, _)| k.as_str()).collect();
    assert!(
        kinds.ends_with(&["device_locked", "device_unlocked"])
            || kinds.contains(&"device_unlocked"),
        "{kinds:?}"
    );
    for hash in before.blobs.keys() {
        let (status, _, bytes) = server.get_bytes(&format!("/v1/blobs/{hash}"), "content-type");
        assert_eq!(status, 200, "blob {hash} at the center");
        assert_eq!(&Sha256::of(&bytes).to_string(), hash);
    }
    let detail = server.get(&format!("/v1/cases/{case_id}"));
    assert_eq!(detail["status"], json!("open"), "{detail}");
    assert_eq!(detail["complete"], json!(true), "{detail}");

    app.stop_sync();
    sync.join().expect("sync thread");
}

fn now_ms() -> u64 {
    use fieldcase_core::env::Env;
    SystemEnv.now_ms()
}

/// `POST /v1/device/status` answers only the device's own key, only near the center's time.
#[test]
fn the_status_check_answers_only_the_devices_own_key_near_the_centers_time() {
    use fieldcase_protocol::KeyPair;
    use fieldcase_protocol::sync::DeviceStatusRequest;
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    support::test_keys();
    let dir = tmp.path().join("device");
    let app = App::open(&dir, &support::root().join("forms"), SystemEnv).expect("open the app");
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    let device_id = app
        .enroll(EnrollArgs {
            server: server.url.clone(),
            code,
            label: String::new(),
            pin: "240917".into(),
            ca_pem: None,
        })
        .expect("enroll")
        .device_id;
    drop(app);
    let store = Store::open(&dir, "unused: the store exists", "").expect("store");
    let ask = |req: &DeviceStatusRequest| {
        server.call(
            "POST",
            "/v1/device/status",
            "",
            Some(&serde_json::to_value(req).expect("json")),
        )
    };
    let signed =
        |at: u64, key: &KeyPair| DeviceStatusRequest::signed(&device_id, at, key).expect("sign");
    let (status, body) = ask(&signed(now_ms(), &store.device.key));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"device_id": device_id, "status": "active"}));

    let stranger = KeyPair::from_seed_unchecked([9; 32]).expect("key");
    let (status, body) = ask(&signed(now_ms(), &stranger));
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.missing")),
        "{body}"
    );
    let mut unknown = signed(now_ms(), &store.device.key);
    unknown.device_id = "D-NOBODY".into();
    assert_eq!(
        ask(&unknown).0,
        401,
        "an unknown device gets the same answer"
    );
    let (status, body) = ask(&signed(now_ms() - 10 * 60 * 1000, &store.device.key));
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("sync.clock_ahead")),
        "{body}"
    );

    server.admin(
        "POST",
        &format!("/v1/admin/devices/{device_id}/revoke"),
        &json!({}),
    );
    let (status, body) = ask(&signed(now_ms(), &store.device.key));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], json!("revoked"));
    assert!(body["revoked_at_ms"].as_u64().is_some(), "{body}");
}
