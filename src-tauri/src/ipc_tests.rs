//! The shell through Tauri's real IPC path (a mock runtime, no WebView): every command of the
//! core's table is registered, arguments arrive as `{args: {...}}`, results come back as JSON and
//! refusals as the core's `{code, zh, en}`; a store that cannot be opened still answers, with why.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindowBuilder};

use crate::commands::{NAMES, Shared};
use crate::startup::{Opening, open_store};

fn forms() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms")
}

/// No platform key store on a CI machine: store keys go to a key folder, one for the whole test
/// process (a process keeps its keys in one place).
fn key_store_spec() -> String {
    static KEYS: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = KEYS.get_or_init(|| tempfile::tempdir().expect("key folder"));
    format!("dir:{}", dir.path().display())
}

type Mock = tauri::test::MockRuntime;

/// The app over `shared` with one window, on Tauri's mock runtime (keep the app while calling).
fn window(shared: Shared) -> (tauri::App<Mock>, tauri::WebviewWindow<Mock>) {
    let app = crate::builder(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("app");
    app.manage(shared);
    let w = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    (app, w)
}

fn invoke(w: &tauri::WebviewWindow<Mock>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|r| r.deserialize::<Value>().expect("json"))
}

#[test]
fn every_command_is_registered_and_refusals_keep_their_code() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("device");
    let spec = key_store_spec();
    let shared: Shared = Arc::new(Opening::open(
        None,
        Box::new(move || open_store(&store, &forms(), Some(&spec))),
        Box::new(|_| Ok(())),
    ));
    let (_app, w) = window(shared);

    let s = invoke(&w, "startup", json!({"args": {"retry": false}})).expect("startup");
    assert_eq!(s["error"], Value::Null, "{s}");

    let state = invoke(&w, "app_state", json!({"args": {}})).expect("app_state");
    assert_eq!(state["enrolled"], json!(false));
    assert_eq!(state["device_id"].as_str().map(str::len), Some(36));

    // A refusal arrives as the core's error, code first.
    let e = invoke(&w, "sign_in", json!({"args": {"pin": "240917"}})).unwrap_err();
    assert_eq!(e["code"], json!("auth.not_enrolled"), "{e}");
    assert!(e["zh"].as_str().is_some_and(|s| !s.is_empty()));

    // Every name in the table reaches a command: a wrong argument is refused by that command's
    // deserializer, never "command not found".
    assert_eq!(NAMES.len(), 24);
    for name in NAMES {
        let e = invoke(&w, name, json!({"args": {"no_such_field": 1}})).unwrap_err();
        let text = e.to_string();
        assert!(
            !text.contains("not found"),
            "{name} is not registered: {text}"
        );
    }
}

#[test]
fn a_store_that_cannot_open_still_answers_why_and_every_command_says_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("device");
    let dir = store.clone();
    // A key store that cannot be chosen (as when the platform's is not there).
    let shared: Shared = Arc::new(Opening::open(
        Some(store.display().to_string()),
        Box::new(move || open_store(&dir, &forms(), Some("keychain-of-nowhere"))),
        Box::new(|_| panic!("a store that did not open got a sync thread")),
    ));
    let (_app, w) = window(shared);

    let s = invoke(&w, "startup", json!({"args": {"retry": false}})).expect("startup answers");
    assert_eq!(
        s["error"]["code"],
        json!("store.key_store_unavailable"),
        "{s}"
    );
    let zh = s["error"]["zh"].as_str().unwrap_or_default();
    assert!(
        zh.contains("密钥库") && zh.contains("keychain-of-nowhere"),
        "{zh}"
    );
    assert_eq!(s["store"], json!(store.display().to_string()));

    // Every other command answers the same error, never a panic or "no state".
    for (name, args) in [
        ("app_state", json!({})),
        ("sign_in", json!({"pin": "240917"})),
        ("inbox", json!({})),
        ("sync_state", json!({})),
        ("sync_now", json!({})),
    ] {
        let e = invoke(&w, name, json!({ "args": args })).unwrap_err();
        assert_eq!(
            e["code"],
            json!("store.key_store_unavailable"),
            "{name}: {e}"
        );
    }

    // Retrying tries again (and fails again, the same way); nothing was created or deleted.
    let s = invoke(&w, "startup", json!({"args": {"retry": true}})).expect("retry answers");
    assert_eq!(
        s["error"]["code"],
        json!("store.key_store_unavailable"),
        "{s}"
    );
    assert!(!store.exists(), "a failed open made the store folder");
}

#[test]
fn retry_opens_the_store_once_the_key_store_is_there_and_only_then_starts_sync() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = tmp.path().join("device");
    let attempts = Arc::new(AtomicUsize::new(0));
    let synced = Arc::new(AtomicUsize::new(0));
    let (a, n) = (Arc::clone(&attempts), Arc::clone(&synced));
    let spec = key_store_spec();
    // The first attempt finds no key store; by the retry it is there (the keyring was started).
    let shared: Shared = Arc::new(Opening::open(
        None,
        Box::new(move || {
            let ks = if a.fetch_add(1, Ordering::SeqCst) == 0 {
                "keychain-of-nowhere"
            } else {
                spec.as_str()
            };
            open_store(&store, &forms(), Some(ks))
        }),
        Box::new(move |_| {
            n.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }),
    ));
    let (_app, w) = window(shared);

    let e = invoke(&w, "app_state", json!({"args": {}})).unwrap_err();
    assert_eq!(e["code"], json!("store.key_store_unavailable"), "{e}");
    assert_eq!(synced.load(Ordering::SeqCst), 0);

    let s = invoke(&w, "startup", json!({"args": {"retry": true}})).expect("retry");
    assert_eq!(s["error"], Value::Null, "{s}");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    assert_eq!(
        synced.load(Ordering::SeqCst),
        1,
        "the opened store got its sync thread"
    );
    let state = invoke(&w, "app_state", json!({"args": {}})).expect("app_state once open");
    assert_eq!(state["enrolled"], json!(false));

    // Once open, a retry does not open it a second time.
    invoke(&w, "startup", json!({"args": {"retry": true}})).expect("retry");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}
