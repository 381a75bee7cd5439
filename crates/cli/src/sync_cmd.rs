//! `fieldcase enroll` and `fieldcase sync`: enrolment with the center, one sync run, a watch loop
//! with backoff, and the sync status.

use std::time::Duration;

use fieldcase_core::sync::{self, Schedule, ScheduleState, SyncFailure};

use crate::store_cmd::{Eng, err};

fn fail(e: SyncFailure) -> String {
    match e {
        SyncFailure::Store(e) => err(e),
        SyncFailure::Sync(e) => format!("sync failed: {e}"),
        SyncFailure::Locked(lock) => locked(&lock),
    }
}

/// The store is locked because the center revoked this device: said plainly, in both languages,
/// with what an admin does about it.
fn locked(lock: &sync::DeviceLock) -> String {
    format!(
        "本机存储已锁定：中心（{server}）已吊销本设备（{zh}，本机于 {at} 得知）。\n\
         未发送的记录已封存在本机，不会删除；请联系管理员恢复本设备，之后 fieldcase sync 会解锁并发送这些记录。\n\
         the store is locked: the center ({server}) revoked this device ({en}; learnt at {at}).\n\
         Its unsent records are sealed on this device, not deleted. An admin reinstates the device \
         (POST /v1/admin/devices/<device id>/reinstate); the next `fieldcase sync` then unlocks \
         the store and sends them.",
        server = lock.server,
        zh = lock.center_zh,
        en = lock.center_en,
        at = lock.locked_at,
    )
}

/// The PEM text of `--ca FILE`.
fn read_ca(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("--ca {}: {e}", path.display()))
}

pub(crate) fn enroll(
    eng: &mut Eng,
    server: &str,
    code: &str,
    label: &str,
    ca: Option<&std::path::Path>,
) -> Result<(), String> {
    let pem = ca.map(read_ca).transpose()?;
    let user = sync::enroll_with_ca(eng, server, code, label, pem.as_deref()).map_err(fail)?;
    println!(
        "enrolled with {server} as {} ({}, {:?}, area {})",
        user.name, user.user_id, user.role, user.area
    );
    Ok(())
}

/// Enrolls through the field app's own first-run path (`App::enroll`): the PIN is checked before
/// the code is spent, then set for the enrolled user.
pub(crate) fn enroll_with_pin(
    store: &std::path::Path,
    forms: &std::path::Path,
    server: &str,
    code: &str,
    label: &str,
    pin: &str,
    ca: Option<&std::path::Path>,
) -> Result<(), String> {
    use fieldcase_core::app::{App, EnrollArgs};
    let pem = ca.map(read_ca).transpose()?;
    if pem.is_some() && !server.starts_with("https://") {
        return Err(format!(
            "--ca is for an https:// center; {server} is not one"
        ));
    }
    let app = App::open(store, forms, fieldcase_core::env::SystemEnv)
        .map_err(|e| format!("refused [{}]\n  {}\n  {}", e.code, e.zh, e.en))?;
    let state = app
        .enroll(EnrollArgs {
            server: server.to_string(),
            code: code.to_string(),
            label: label.to_string(),
            pin: pin.to_string(),
            ca_pem: pem,
        })
        .map_err(|e| format!("refused [{}]\n  {}\n  {}", e.code, e.zh, e.en))?;
    let user = state.user.ok_or("enrolled, but the store names no user")?;
    println!(
        "enrolled with {server} as {} ({}); offline PIN set for the field app",
        user.name, user.user_id
    );
    Ok(())
}

fn print_status(eng: &Eng) -> Result<(), String> {
    let s = sync::status(eng.store()).map_err(err)?;
    if let Some(lock) = &s.locked {
        eprintln!("{}", locked(lock));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// One run, or with `watch` runs until interrupted on the core's [`Schedule`]: every `every`
/// seconds after a success, with exponential backoff and jitter after a transient failure, and
/// stopping on a refusal that retrying cannot fix.
pub(crate) fn sync(eng: &mut Eng, status: bool, watch: bool, every: u64) -> Result<(), String> {
    if status {
        return print_status(eng);
    }
    let client = sync::client_for(eng).map_err(fail)?;
    let mut schedule = Schedule::new(Duration::from_secs(every));
    loop {
        let now = now_ms();
        match schedule.state(now) {
            ScheduleState::Due => {}
            ScheduleState::Waiting { at_ms, .. } => {
                std::thread::sleep(Duration::from_millis((at_ms - now).min(1000)));
                continue;
            }
            ScheduleState::Offline => std::thread::sleep(Duration::from_secs(1)),
            ScheduleState::NeedsAttention { reason } => return Err(reason),
        }
        let mut progress = |done: usize, total: usize, bytes: u64| {
            eprintln!("blobs {done}/{total}, {bytes} bytes sent");
        };
        schedule.started();
        let result = sync::sync_once(eng, &client, &mut progress);
        match &result {
            Ok(report) => println!(
                "{}",
                serde_json::to_string(report).map_err(|e| e.to_string())?
            ),
            Err(e) => eprintln!("sync failed: {e}"),
        }
        if !watch {
            return result.map(|_| ()).map_err(fail);
        }
        let outcome = result
            .map(|_| ())
            .map_err(|e| (e.transient(), e.to_string()));
        schedule.finished(outcome, now_ms(), jitter());
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A uniform draw in [0, 1) from the OS random source.
fn jitter() -> f64 {
    let mut b = [0u8; 8];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}
