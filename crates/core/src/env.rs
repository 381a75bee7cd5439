//! Where time and randomness come from. The engine never reads the system clock itself: it asks
//! its `Env`, so tests and scripted field trials can run any rule at any instant, deterministically.

use std::cell::Cell;

use chrono::{DateTime, FixedOffset, TimeZone};
use fieldcase_protocol::Id;

/// China Standard Time, the offset every stored and printed time uses.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// A source of time and ids.
pub trait Env {
    /// Milliseconds since the Unix epoch, by the device clock.
    fn now_ms(&self) -> u64;
    /// Ten random bytes for a UUID v7.
    fn random10(&self) -> [u8; 10];

    /// Now, in +08:00.
    fn now(&self) -> DateTime<FixedOffset> {
        let ms = i64::try_from(self.now_ms()).unwrap_or(i64::MAX);
        cst()
            .timestamp_millis_opt(ms)
            .single()
            .unwrap_or_else(|| cst().timestamp_millis_opt(0).single().expect("epoch"))
    }

    /// A new UUID v7 id.
    fn new_id(&self) -> Id {
        Id::from_parts(self.now_ms(), self.random10())
    }
}

/// The real clock and the OS random source.
#[derive(Debug, Default)]
pub struct SystemEnv;

impl Env for SystemEnv {
    fn now_ms(&self) -> u64 {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
    }
    fn random10(&self) -> [u8; 10] {
        let mut b = [0u8; 10];
        // SystemRandom only fails when the OS has no entropy source at all; ids stay unique by time.
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
        b
    }
}

/// A deterministic clock that advances by `step_ms` at every reading; ids from a counter.
/// For tests and reproducible scenario runs, not a mock: it is a real `Env` with chosen inputs.
#[derive(Debug)]
pub struct SteppingEnv {
    now: Cell<u64>,
    step_ms: u64,
    counter: Cell<u64>,
    random_ids: bool,
}

impl SteppingEnv {
    /// Starts at `start_ms` and moves `step_ms` forward at each `now_ms` call.
    pub fn new(start_ms: u64, step_ms: u64) -> Self {
        Self {
            now: Cell::new(start_ms),
            step_ms,
            counter: Cell::new(0),
            random_ids: false,
        }
    }

    /// Keeps the clock deterministic but draws ids from the OS random source, so several runs on
    /// one store (each starting the clock anew) never reuse an operation id.
    pub fn with_random_ids(mut self) -> Self {
        self.random_ids = true;
        self
    }

    /// Starts at an RFC 3339 time.
    pub fn at(rfc3339: &str, step_ms: u64) -> Result<Self, chrono::ParseError> {
        let t = DateTime::parse_from_rfc3339(rfc3339)?;
        Ok(Self::new(
            u64::try_from(t.timestamp_millis()).unwrap_or(0),
            step_ms,
        ))
    }

    /// Jumps the clock (e.g. to the next day).
    pub fn set_ms(&self, ms: u64) {
        self.now.set(ms);
    }

    /// Moves the clock forward.
    pub fn advance_ms(&self, ms: u64) {
        self.now.set(self.now.get() + ms);
    }
}

impl Env for SteppingEnv {
    fn now_ms(&self) -> u64 {
        let t = self.now.get();
        self.now.set(t + self.step_ms);
        t
    }
    fn random10(&self) -> [u8; 10] {
        if self.random_ids {
            return SystemEnv.random10();
        }
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let mut b = [0u8; 10];
        b[2..].copy_from_slice(&n.to_be_bytes());
        b
    }
}

impl Env for Box<dyn Env> {
    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }
    fn random10(&self) -> [u8; 10] {
        (**self).random10()
    }
}
