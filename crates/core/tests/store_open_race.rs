//! Stores opened on several threads at once, as the first SQLite use of the process.
//!
//! SQLite marks itself initialized before SQLCipher's own set-up has run, so without
//! `cipher_db::init_sqlite` some of these opens failed with "PRAGMA key requires a key of one or
//! more characters" (16 of 400 runs of this binary). The race is only open for a process's first
//! database, so this test lives alone in its own binary. It cannot prove the race closed in one
//! run; it fails often enough that a regression shows within a few CI runs.

mod common;

use std::sync::{Arc, Barrier};

use fieldcase_core::Engine;
use fieldcase_core::env::SteppingEnv;

const THREADS: usize = 8;

#[test]
fn stores_opened_at_once_all_open() {
    common::test_keys();
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let forms = common::forms();
                let dir = tempfile::tempdir().expect("temp dir");
                let env = SteppingEnv::at("2026-11-23T09:00:00+08:00", 1000).expect("env");
                barrier.wait();
                Engine::open(dir.path(), forms, env)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().expect("opener thread").err())
        .collect();
    assert!(failures.is_empty(), "stores failed to open: {failures:?}");
}
