//! Shared by the CLI's end-to-end tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The repository root (the CLI resolves `forms/` and `demo/` from it).
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The `fieldcase` binary run from the repository root on `store`.
pub fn fieldcase(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldcase"))
        .current_dir(ROOT)
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
