//! The center's hybrid logical clock, shared by every request of this process (each locks it
//! only for the instant of a tick, never across database work).

use std::sync::Mutex;

use fieldcase_protocol::{Hlc, HlcClock, HlcError, Id};

#[derive(Debug)]
pub struct Clock(Mutex<HlcClock>);

impl Clock {
    pub fn new(node: Id) -> Clock {
        Clock(Mutex::new(HlcClock::new(node)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HlcClock> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn now(&self, physical_ms: u64) -> Hlc {
        self.lock().now(physical_ms)
    }

    pub fn observe(
        &self,
        remote: &Hlc,
        physical_ms: u64,
        max_ahead_ms: u64,
    ) -> Result<Hlc, HlcError> {
        self.lock().observe(remote, physical_ms, max_ahead_ms)
    }
}
