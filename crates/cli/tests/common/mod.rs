//! Shared by the CLI's end-to-end tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The repository root (the CLI resolves `forms/` and `demo/` from it).
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Where the tests' store keys live: a key folder under target/, apart from every store (this
/// machine has no platform key store; the folder store is the real one CI and servers use).
pub fn key_store() -> String {
    format!("dir:{ROOT}/target/test-keys")
}

/// The same for this test process's own engines.
pub fn test_keys() {
    fieldcase_core::store::KeyStore::set_process_default(fieldcase_core::store::KeyStore::Dir(
        Path::new(ROOT).join("target/test-keys"),
    ))
    .expect("key store");
}

/// The `fieldcase` binary run from the repository root on `store`.
pub fn fieldcase(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldcase"))
        .current_dir(ROOT)
        .env("FIELDCASE_KEY_STORE", key_store())
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run fieldcase")
}

/// The case id a `fieldcase run` printed (its `case <id> …` line).
pub fn case_id(run_stdout: &str) -> String {
    run_stdout
        .lines()
        .find_map(|l| l.strip_prefix("case "))
        .and_then(|l| l.split(' ').next())
        .expect("a `case <id>` line")
        .to_string()
}
