//! The field app in its real WebView when it cannot open its device store: started (under Xvfb,
//! through tauri-driver and WebKitWebDriver, as `field_app_e2e.rs` does) with a key store it
//! cannot use (`FIELDCASE_KEY_STORE` naming none, as when the system keyring is not there), the
//! app still opens its window, on the startup-error screen — not first run, not the PIN pad —
//! saying what failed and what to do, with the error and "retry" (which fails the same way).
//! `ui/e2e/app-startup-e2e.mjs` does the checking and leaves a screenshot in
//! `target/screenshots/app-startup`. Needs what `field_app_e2e.rs` needs; about 10 s.

mod desktop;
mod support;

use std::process::Command;
use std::time::Duration;

#[test]
fn an_app_that_cannot_open_its_store_shows_why_in_its_window() {
    let app = desktop::app_binary("debug");
    let driver = desktop::prerequisites(&app);
    let tmp = tempfile::tempdir().expect("tmp");
    let app_data = tmp.path().join("app-device");
    let (procs, port) = desktop::start_with_key_store(&driver, &app_data, "keychain-of-nowhere");

    let shots = support::screenshots_dir("app-startup");
    let mut node = Command::new("node");
    node.current_dir(support::root().join("ui"))
        .arg("e2e/app-startup-e2e.mjs")
        .env("SHOTS", &shots)
        .env("APP", &app)
        .env("PORT", port.to_string());
    let (ok, out, err) = support::run_with_limit(node, Duration::from_secs(180));
    drop(procs);
    assert!(ok, "the startup-error screen was not shown:\n{err}\n{out}");
    assert!(
        !app_data.exists(),
        "the app made a store folder it could not open"
    );
}
