//! Sync as the app lives it: a thread of its own that runs when a step is committed, when the
//! network comes back, every few minutes otherwise, and after failures with backoff
//! ([`crate::sync::Schedule`]); and the state the UI shows at all times — offline, sending n of
//! m (with bytes for uploads), all sent, or needs attention.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;

use super::error::AppError;
use super::{App, AppResult, NoArgs, OnlineArgs};
use crate::env::Env;
use crate::store::Store;
use crate::sync::{self, Schedule, ScheduleState, SyncStatus};

/// Idle period between runs.
pub const EVERY: Duration = Duration::from_secs(300);

/// What a running sync is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Sending,
    Uploading,
    Receiving,
}

/// Progress of the run under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Records (audit links) waiting when the run began.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub links_total: i64,
    pub blobs_done: u32,
    pub blobs_total: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_sent: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_total: u64,
}

/// The sync state the UI shows at all times.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LiveSync {
    pub status: SyncStatus,
    pub schedule: ScheduleState,
    pub online: bool,
    pub running: Option<SyncProgress>,
    /// Why the last run failed (cleared by a successful one).
    pub last_error: Option<AppError>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_success_ms: Option<u64>,
}

#[derive(Debug)]
struct Inner {
    schedule: Schedule,
    online: bool,
    running: Option<SyncProgress>,
    last_error: Option<AppError>,
    last_success_ms: Option<u64>,
    /// Set by a step or a button; the loop wakes at once.
    poke: bool,
    stop: bool,
}

/// Shared between the UI's calls and the sync thread.
#[derive(Debug)]
pub(crate) struct Live {
    inner: Mutex<Inner>,
    wake: Condvar,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            inner: Mutex::new(Inner {
                schedule: Schedule::new(EVERY),
                online: true,
                running: None,
                last_error: None,
                last_success_ms: None,
                poke: false,
                stop: false,
            }),
            wake: Condvar::new(),
        }
    }
}

impl Live {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A step was committed: send it now.
    pub(crate) fn step_committed(&self) {
        let mut i = self.lock();
        i.schedule.step_committed(crate::env::SystemEnv.now_ms());
        i.poke = true;
        self.wake.notify_all();
    }

    /// Run now, even after a failure that needs attention.
    pub(crate) fn wake_now(&self) {
        let mut i = self.lock();
        i.schedule.retry_now(crate::env::SystemEnv.now_ms());
        i.poke = true;
        self.wake.notify_all();
    }
}

fn now_ms() -> u64 {
    crate::env::SystemEnv.now_ms()
}

impl<E: Env> App<E> {
    /// The sync state for the status bar and each case.
    pub fn sync_state(&self, _: NoArgs) -> AppResult<LiveSync> {
        let status = sync::status(self.engine().store())?;
        let i = self.live.lock();
        Ok(LiveSync {
            status,
            schedule: i.schedule.state(now_ms()),
            online: i.online,
            running: i.running.clone(),
            last_error: i.last_error.clone(),
            last_success_ms: i.last_success_ms,
        })
    }

    /// 立即同步: run now (also after a failure that needed attention).
    pub fn sync_now(&self, _: NoArgs) -> AppResult<LiveSync> {
        self.live.wake_now();
        self.sync_state(NoArgs {})
    }

    /// The platform reports the network (navigator.onLine on desktop, the OS on mobile).
    pub fn set_online(&self, a: OnlineArgs) -> AppResult<LiveSync> {
        {
            let mut i = self.live.lock();
            i.online = a.online;
            i.schedule.connectivity(a.online, now_ms());
            i.poke = true;
            self.live.wake.notify_all();
        }
        self.sync_state(NoArgs {})
    }

    /// Ends [`App::sync_loop`] (at the app's exit).
    pub fn stop_sync(&self) {
        let mut i = self.live.lock();
        i.stop = true;
        self.live.wake.notify_all();
    }

    /// The sync thread's body: waits until a run is due, runs it on its own store connection,
    /// reports the result to the schedule; returns after [`App::stop_sync`].
    pub fn sync_loop(&self) {
        let mut store: Option<Store> = None;
        loop {
            {
                let mut i = self.live.lock();
                loop {
                    if i.stop {
                        return;
                    }
                    if i.schedule.due(now_ms()) {
                        break;
                    }
                    i.poke = false;
                    let (g, _) = self
                        .live
                        .wake
                        .wait_timeout(i, Duration::from_secs(1))
                        .unwrap_or_else(|e| e.into_inner());
                    i = g;
                }
                i.schedule.started();
            }
            let result = self.run_once(&mut store);
            let mut i = self.live.lock();
            i.running = None;
            match result {
                Ok(Some(())) => {
                    i.last_error = None;
                    i.last_success_ms = Some(now_ms());
                    i.schedule.finished(Ok(()), now_ms(), random());
                }
                // Not enrolled: nothing to do until enrollment pokes the loop.
                Ok(None) => i.schedule.finished(Ok(()), now_ms(), random()),
                Err((transient, e)) => {
                    let reason = format!("{} / {}", e.zh, e.en);
                    i.last_error = Some(e);
                    i.schedule
                        .finished(Err((transient, reason)), now_ms(), random());
                }
            }
        }
    }

    /// One run. `Ok(None)` when the device is not enrolled.
    fn run_once(&self, store: &mut Option<Store>) -> Result<Option<()>, (bool, AppError)> {
        let fail = |e: sync::SyncFailure| (e.transient(), AppError::from(e));
        let client = {
            let engine = self.engine();
            if sync::enrolled_user(engine.store())
                .map_err(|e| (false, e.into()))?
                .is_none()
            {
                return Ok(None);
            }
            sync::client_for(&engine).map_err(fail)?
        };
        if store.is_none() {
            let s = Store::open(&self.dir, "unused: the store exists", "")
                .map_err(|e| (false, e.into()))?;
            *store = Some(s);
        }
        let Some(store) = store.as_mut() else {
            return Ok(None);
        };
        let status = sync::status(store).map_err(|e| (false, e.into()))?;
        self.set_progress(SyncProgress {
            phase: SyncPhase::Sending,
            links_total: status.links_pending,
            blobs_done: 0,
            blobs_total: status.blobs_pending.max(0) as u32,
            bytes_sent: 0,
            bytes_total: status.blob_bytes_pending.max(0) as u64,
        });
        let at = self.engine().env().now().to_rfc3339();
        let mut stamp = || self.engine().stamp();
        let mut progress = |done: usize, total: usize, bytes: u64| {
            let mut i = self.live.lock();
            if let Some(p) = i.running.as_mut() {
                p.phase = if done < total {
                    SyncPhase::Uploading
                } else {
                    SyncPhase::Receiving
                };
                p.blobs_done = done as u32;
                p.blobs_total = total as u32;
                p.bytes_sent = bytes;
            }
        };
        let result = sync::sync_store(store, &client, &at, &mut stamp, &mut progress);
        // Whatever happened, keep the clock offset the center's answers taught.
        let learnt = sync::learn_offset(&mut self.engine(), &client);
        result.map_err(fail)?;
        learnt.map_err(fail)?;
        Ok(Some(()))
    }

    fn set_progress(&self, p: SyncProgress) {
        self.live.lock().running = Some(p);
    }
}

/// Jitter for the backoff.
fn random() -> f64 {
    let b = crate::env::SystemEnv.random10();
    f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) / f64::from(u32::MAX)
}
