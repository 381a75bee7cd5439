//! When to sync: right after a step is committed and when the network comes back, every few
//! minutes otherwise, and after a failure with exponential backoff and jitter. Pure logic over
//! times the caller passes in — the app's sync thread asks [`Schedule::due`] and reports each
//! run's result; the CLI's `--watch` does the same.

use std::time::Duration;

use super::Backoff;

/// What the schedule is waiting for (the UI shows it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ScheduleState {
    /// No network: nothing is attempted until it returns.
    Offline,
    /// A run should start now.
    Due,
    /// The next run is at `at_ms` (after a success: the period; after a failure: the backoff).
    Waiting { at_ms: u64, after_failures: u32 },
    /// The center refused in a way retrying will not fix (revoked device, outdated app): a
    /// person must act. Network changes and new steps do not retry it; [`Schedule::retry_now`] does.
    NeedsAttention { reason: String },
}

#[derive(Debug, Clone)]
pub struct Schedule {
    every: Duration,
    backoff: Backoff,
    online: bool,
    next_at_ms: u64,
    failures: u32,
    attention: Option<String>,
    /// A step was committed (or a person asked) while a run was under way: that run may have
    /// read its pending work before the step existed, so the next one is due as soon as it ends.
    asked_during_run: bool,
    running: bool,
}

impl Schedule {
    /// A schedule that syncs every `every` while idle; a first run is due at once.
    pub fn new(every: Duration) -> Schedule {
        Schedule {
            every,
            backoff: Backoff::new(Duration::from_secs(2), Duration::from_secs(300)),
            online: true,
            next_at_ms: 0,
            failures: 0,
            attention: None,
            asked_during_run: false,
            running: false,
        }
    }

    pub fn state(&self, now_ms: u64) -> ScheduleState {
        if let Some(r) = &self.attention {
            return ScheduleState::NeedsAttention { reason: r.clone() };
        }
        if !self.online {
            return ScheduleState::Offline;
        }
        if now_ms >= self.next_at_ms {
            ScheduleState::Due
        } else {
            ScheduleState::Waiting {
                at_ms: self.next_at_ms,
                after_failures: self.failures,
            }
        }
    }

    /// Whether a run should start now.
    pub fn due(&self, now_ms: u64) -> bool {
        self.state(now_ms) == ScheduleState::Due
    }

    /// A step was committed (a case closed, a photo taken): send it soon — unless the last run
    /// failed, when the backoff still holds (a stuck queue must not retry at every tap).
    pub fn step_committed(&mut self, now_ms: u64) {
        if self.failures == 0 {
            self.next_at_ms = self.next_at_ms.min(now_ms);
            self.asked_during_run |= self.running;
        }
    }

    /// A run starts (what it sends is what is pending from now on).
    pub fn started(&mut self) {
        self.running = true;
        self.asked_during_run = false;
    }

    /// The network went away or came back. Coming back makes a run due at once and forgets the
    /// backoff: the failures were most likely the missing network.
    pub fn connectivity(&mut self, online: bool, now_ms: u64) {
        if online && !self.online {
            self.backoff.reset();
            self.failures = 0;
            self.next_at_ms = now_ms;
        }
        self.online = online;
    }

    /// The person asked to sync now (also clears "needs attention").
    pub fn retry_now(&mut self, now_ms: u64) {
        self.attention = None;
        self.next_at_ms = now_ms;
        self.asked_during_run |= self.running;
    }

    /// A run finished. `Ok(())`, or `Err((transient, reason))`; `random` is a uniform draw in
    /// [0, 1) for the jitter.
    pub fn finished(&mut self, result: Result<(), (bool, String)>, now_ms: u64, random: f64) {
        self.running = false;
        match result {
            Ok(()) => {
                self.backoff.reset();
                self.failures = 0;
                self.next_at_ms = if std::mem::take(&mut self.asked_during_run) {
                    now_ms
                } else {
                    now_ms + self.every.as_millis() as u64
                };
            }
            Err((true, _)) => {
                self.failures += 1;
                let wait = self.backoff.next_delay(random);
                self.next_at_ms = now_ms + wait.as_millis() as u64;
            }
            Err((false, reason)) => {
                self.failures += 1;
                self.attention = Some(reason);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_reconnects_make_it_due_failures_back_off() {
        let mut s = Schedule::new(Duration::from_secs(300));
        assert!(s.due(0));
        s.finished(Ok(()), 1_000, 0.5);
        assert_eq!(
            s.state(2_000),
            ScheduleState::Waiting {
                at_ms: 301_000,
                after_failures: 0
            }
        );
        s.step_committed(5_000);
        assert!(s.due(5_000), "a committed step syncs at once");
        // Failures back off, growing, and a new step does not shorten the wait.
        s.finished(Err((true, "network".into())), 10_000, 0.999);
        let first = match s.state(10_000) {
            ScheduleState::Waiting { at_ms, .. } => at_ms - 10_000,
            other => panic!("{other:?}"),
        };
        s.finished(Err((true, "network".into())), 20_000, 0.999);
        let second = match s.state(20_000) {
            ScheduleState::Waiting { at_ms, .. } => at_ms - 20_000,
            other => panic!("{other:?}"),
        };
        assert!(second > first, "{first} then {second}");
        s.step_committed(21_000);
        assert!(!s.due(21_000));
        // Offline: never due; back online: due at once with the backoff forgotten.
        s.connectivity(false, 22_000);
        assert_eq!(s.state(1_000_000), ScheduleState::Offline);
        s.connectivity(true, 1_000_000);
        assert!(s.due(1_000_000));
        // A refusal retrying cannot fix waits for a person.
        s.finished(Err((false, "device revoked".into())), 1_000_100, 0.1);
        assert!(matches!(
            s.state(9_000_000),
            ScheduleState::NeedsAttention { .. }
        ));
        s.connectivity(false, 9_000_000);
        s.connectivity(true, 9_000_001);
        assert!(!s.due(9_000_002));
        s.retry_now(9_000_003);
        assert!(s.due(9_000_003));
    }

    #[test]
    fn a_step_committed_during_a_run_is_sent_by_the_next_one_at_once() {
        let mut s = Schedule::new(Duration::from_secs(300));
        s.started();
        // The run read its pending work; then a signature was committed.
        s.step_committed(1_500);
        s.finished(Ok(()), 2_000, 0.5);
        assert!(
            s.due(2_000),
            "the step would wait the whole period otherwise"
        );
        s.started();
        s.finished(Ok(()), 3_000, 0.5);
        assert_eq!(
            s.state(3_000),
            ScheduleState::Waiting {
                at_ms: 303_000,
                after_failures: 0
            },
            "nothing new: the period again"
        );
    }
}
