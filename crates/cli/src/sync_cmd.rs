//! `fieldcase enroll` and `fieldcase sync`: enrolment with the center, one sync run, a watch loop
//! with backoff, and the sync status.

use std::time::Duration;

use fieldcase_core::sync::{self, Backoff, SyncFailure};

use crate::store_cmd::{Eng, err};

fn fail(e: SyncFailure) -> String {
    match e {
        SyncFailure::Store(e) => err(e),
        SyncFailure::Sync(e) => format!("sync failed: {e}"),
    }
}

pub(crate) fn enroll(eng: &mut Eng, server: &str, code: &str, label: &str) -> Result<(), String> {
    let user = sync::enroll(eng, server, code, label).map_err(fail)?;
    println!(
        "enrolled with {server} as {} ({}, {:?}, area {})",
        user.name, user.user_id, user.role, user.area
    );
    Ok(())
}

fn print_status(eng: &Eng) -> Result<(), String> {
    let s = sync::status(eng.store()).map_err(err)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// One run, or with `watch` runs until interrupted: after a failure it waits with exponential
/// backoff and jitter; after a success it waits `every`.
pub(crate) fn sync(eng: &mut Eng, status: bool, watch: bool, every: u64) -> Result<(), String> {
    if status {
        return print_status(eng);
    }
    let client = sync::client_for(eng).map_err(fail)?;
    let mut backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(300));
    loop {
        let mut progress = |done: usize, total: usize, bytes: u64| {
            eprintln!("blobs {done}/{total}, {bytes} bytes sent");
        };
        match sync::sync_once(eng, &client, &mut progress) {
            Ok(report) => {
                backoff.reset();
                println!(
                    "{}",
                    serde_json::to_string(&report).map_err(|e| e.to_string())?
                );
                if !watch {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_secs(every));
            }
            Err(e) if watch && e.transient() => {
                let wait = backoff.next_delay(jitter());
                eprintln!(
                    "sync failed ({e}); retry {} in {:.1} s",
                    backoff.attempts(),
                    wait.as_secs_f64()
                );
                std::thread::sleep(wait);
            }
            Err(e) => return Err(fail(e)),
        }
    }
}

/// A uniform draw in [0, 1) from the OS random source.
fn jitter() -> f64 {
    let mut b = [0u8; 8];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}
