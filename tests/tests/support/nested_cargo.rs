//! A `cargo` command for a build started from inside a test or bench that cargo is running.
//!
//! Cargo runs a test or bench with variables describing that target (`CARGO_MANIFEST_DIR`,
//! `CARGO_PKG_*`, …), and a child cargo inherits them. Some build scripts track one (ring's
//! tracks `CARGO_MANIFEST_DIR`), so a nested build saw it "changed" and rebuilt ring and
//! everything above it, the server among them (2 minutes on 2 cores), and the next plain
//! `cargo` call rebuilt them back: every sync_load run paid it twice. Removing the variables
//! gives the nested build the environment of a cargo started from the shell.

use std::process::Command;

/// Variables cargo sets for the target it runs, beside every `CARGO_PKG_*`.
const RUN_VARS: [&str; 6] = [
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
];

/// `cargo` (the one running us, when known) without the variables of the running target.
pub fn command() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CARGO_PKG_") || RUN_VARS.contains(&name) {
            cmd.env_remove(name);
        }
    }
    cmd
}
