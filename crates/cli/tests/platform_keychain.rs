//! The platform key store for real: the CLI with no `FIELDCASE_KEY_STORE` keeps the store key in
//! the Secret Service (gnome-keyring, as on a Linux desktop), started in a private D-Bus session.
//! The key is not in the store folder; the store reopens from the keyring; a keyring without the
//! key (another user's session) cannot open it.
//!
//! Needs `dbus-run-session` and `gnome-keyring-daemon` (`./dev` installs gnome-keyring). Without
//! them the test says so and passes, unless FIELDCASE_REQUIRE_KEYRING=1 (as `./dev test` sets).

mod common;

use std::path::Path;
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `script` in a fresh D-Bus session whose keyring (under `home`) is unlocked.
fn in_keyring_session(home: &Path, script: &str) -> (bool, String) {
    let full = format!(
        "set -e\nexport HOME='{home}'\nmkdir -p \"$HOME\"\n\
         eval \"$(printf 'fieldcase-test' | gnome-keyring-daemon --unlock --components=secrets)\"\n\
         unset FIELDCASE_KEY_STORE\n{script}",
        home = home.display()
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &full])
        .current_dir(common::ROOT)
        .env_remove("FIELDCASE_KEY_STORE")
        .output()
        .expect("run dbus-run-session");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_store_key_lives_in_the_secret_service_not_beside_the_store() {
    if !have("dbus-run-session") || !have("gnome-keyring-daemon") {
        assert!(
            std::env::var("FIELDCASE_REQUIRE_KEYRING").is_err(),
            "FIELDCASE_REQUIRE_KEYRING is set but dbus-run-session or gnome-keyring-daemon is missing"
        );
        eprintln!(
            "no dbus-run-session/gnome-keyring-daemon here: the Secret Service path was not run"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let bin = env!("CARGO_BIN_EXE_fieldcase");
    let script = format!(
        "{bin} --store '{s}' --forms forms init\n\
         {bin} --store '{s}' --forms forms import demo/electroplating/reference.json\n\
         {bin} --store '{s}' --forms forms inbox",
        s = store.display()
    );
    let home = tmp.path().join("home");
    let (ok, text) = in_keyring_session(&home, &script);
    assert!(ok, "{text}");
    assert!(
        text.contains("T-"),
        "the inbox lists the imported tasks:\n{text}"
    );

    // The key is in the keyring's files, not in the store's: the folder holds the database, the
    // blob folder and the key's name, nothing else.
    let key_id = std::fs::read_to_string(store.join("key-id")).unwrap();
    assert_eq!(key_id.trim().len(), 32);
    let mut names: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("fieldcase.db-"))
        .collect();
    names.sort();
    assert_eq!(names, ["blobs", "fieldcase.db", "key-id"]);
    assert!(
        home.join(".local/share/keyrings/login.keyring").exists(),
        "the keyring holds it"
    );

    // The same keyring opens it again; another user's keyring does not, and says why.
    let (ok, text) = in_keyring_session(
        &home,
        &format!("{bin} --store '{}' --forms forms inbox", store.display()),
    );
    assert!(ok, "reopen from the same keyring: {text}");
    let (ok, text) = in_keyring_session(
        &tmp.path().join("other-home"),
        &format!("{bin} --store '{}' --forms forms inbox", store.display()),
    );
    assert!(!ok, "another keyring opened the store:\n{text}");
    assert!(
        text.contains("is not in the platform key store") && text.contains(key_id.trim()),
        "{text}"
    );
}
