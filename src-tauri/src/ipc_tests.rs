//! The shell through Tauri's real IPC path (a mock runtime, no WebView): every command of the
//! core's table is registered, arguments arrive as `{args: {...}}`, results come back as JSON and
//! refusals as the core's `{code, zh, en}`.

use std::sync::Arc;

use fieldcase_core::app::App;
use fieldcase_core::env::SystemEnv;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindowBuilder};

use crate::commands::{NAMES, Shared};

fn forms() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms")
}

fn invoke(
    w: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    body: Value,
) -> Result<Value, Value> {
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
    // No platform key store on a CI machine: the store's key goes to a key folder beside it.
    fieldcase_core::store::KeyStore::set_process_default(fieldcase_core::store::KeyStore::Dir(
        tmp.path().join("keys"),
    ))
    .expect("key store");
    let shared: Shared =
        Arc::new(App::open(&tmp.path().join("device"), &forms(), SystemEnv).expect("open"));
    let app = crate::builder(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("app");
    app.manage(shared);
    let w = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");

    let state = invoke(&w, "app_state", json!({"args": {}})).expect("app_state");
    assert_eq!(state["enrolled"], json!(false));
    assert_eq!(state["device_id"].as_str().map(str::len), Some(36));

    // A refusal arrives as the core's error, code first.
    let e = invoke(&w, "sign_in", json!({"args": {"pin": "240917"}})).unwrap_err();
    assert_eq!(e["code"], json!("auth.not_enrolled"), "{e}");
    assert!(e["zh"].as_str().is_some_and(|s| !s.is_empty()));

    // Every name in the table reaches a command: a wrong argument is refused by that command's
    // deserializer, never "command not found".
    assert_eq!(NAMES.len(), 23);
    for name in NAMES {
        let e = invoke(&w, name, json!({"args": {"no_such_field": 1}})).unwrap_err();
        let text = e.to_string();
        assert!(
            !text.contains("not found"),
            "{name} is not registered: {text}"
        );
    }
}
