//! Retry delays: exponential with full jitter (AWS's "full jitter"), so a hundred tablets that
//! regain the network together do not hammer the center in step.

use std::time::Duration;

/// Delays for attempt 1, 2, 3…: a random time in `[0, min(max, base · 2^(attempt-1))]`.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max,
            attempt: 0,
        }
    }

    /// The delay before the next attempt; `random` is a uniform draw in [0, 1).
    pub fn next_delay(&mut self, random: f64) -> Duration {
        self.attempt = self.attempt.saturating_add(1);
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(self.attempt.saturating_sub(1).min(30)));
        exp.min(self.max).mul_f64(random.clamp(0.0, 1.0))
    }

    /// After a success the next failure starts small again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let full: Vec<u64> = (0..8).map(|_| b.next_delay(0.999_999).as_secs()).collect();
        assert_eq!(full, vec![0, 1, 3, 7, 15, 31, 59, 59]);
        assert_eq!(b.next_delay(0.0), Duration::ZERO);
        b.reset();
        assert!(b.next_delay(0.5) <= Duration::from_millis(500));
    }
}
