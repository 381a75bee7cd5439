//! Per-address token buckets for the endpoints a guesser would hammer: enrollment (one-time
//! codes), token renewal, the public credential check. Each address gets `burst` tries, refilled
//! evenly over `window`; an empty bucket answers 429 with `Retry-After`, and a right guess made
//! then is refused like a wrong one — the bucket, not the outcome, decides.
//!
//! Enrollment and renewal charge only what fails ([`Limiter::admit`] then [`Limiter::charge`]):
//! a guesser fails nearly every time, while an office provisioning fifty tablets behind one NAT
//! address succeeds every time and must not be held up. The credential check charges every
//! request ([`Limiter::take`]): it has no failure to count.
//!
//! The address is the TCP peer's. Behind a reverse proxy every client is the proxy; this server
//! does not trust `X-Forwarded-For` (anyone can send it), so limit at the proxy there.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use fieldcase_protocol::sync::codes;

use crate::error::ApiError;

/// `BURST/SECONDS`: `burst` requests, refilled over `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub burst: u32,
    pub window: Duration,
}

impl std::str::FromStr for Limit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            || format!("{s:?}: expected BURST/SECONDS, e.g. 10/600 (10 requests per 10 minutes)");
        let (b, w) = s.split_once('/').ok_or_else(bad)?;
        let burst: u32 = b.trim().parse().map_err(|_| bad())?;
        let secs: f64 = w.trim().parse().map_err(|_| bad())?;
        if burst == 0 || !(secs > 0.0 && secs.is_finite()) {
            return Err(format!(
                "{s:?}: both the burst and the seconds must be above 0"
            ));
        }
        Ok(Limit {
            burst,
            window: Duration::from_secs_f64(secs),
        })
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Most addresses remembered before full buckets are forgotten (a full bucket is the same as
/// none).
const MAX_TRACKED: usize = 100_000;

/// One limited endpoint's buckets.
#[derive(Debug)]
pub struct Limiter {
    /// What it limits, for the message: "注册" / "enrollment".
    what: (&'static str, &'static str),
    limit: Limit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Limiter {
    pub fn new(what: (&'static str, &'static str), limit: Limit) -> Self {
        Limiter {
            what,
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Refuses `ip` while its bucket is empty; takes nothing from it.
    pub fn admit(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.admit_at(ip, Instant::now())
    }

    /// Takes one try from `ip`'s bucket (a failed one). Concurrent tries admitted together may
    /// take it below zero, down to minus the burst: they wait the longer for it.
    pub fn charge(&self, ip: IpAddr) {
        self.charge_at(ip, Instant::now());
    }

    /// Runs `attempt` for `ip` when its bucket allows it, and takes one from the bucket only if
    /// it fails (enrollment, renewal, the status check).
    pub async fn charge_failures<T>(
        &self,
        ip: IpAddr,
        attempt: impl std::future::Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        self.admit(ip)?;
        let answer = attempt.await;
        if answer.is_err() {
            self.charge(ip);
        }
        answer
    }

    /// [`Limiter::admit`] and [`Limiter::charge`]: every request counts.
    pub fn take(&self, ip: IpAddr) -> Result<(), ApiError> {
        let now = Instant::now();
        self.admit_at(ip, now)?;
        self.charge_at(ip, now);
        Ok(())
    }

    fn per_sec(&self) -> f64 {
        f64::from(self.limit.burst) / self.limit.window.as_secs_f64()
    }

    /// `ip`'s tokens now (refilled), under the lock.
    fn with_bucket<T>(&self, ip: IpAddr, now: Instant, f: impl FnOnce(&mut f64) -> T) -> T {
        let burst = f64::from(self.limit.burst);
        let per_sec = self.per_sec();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec < burst
            });
        }
        let b = buckets.entry(ip).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        b.tokens =
            (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec).min(burst);
        b.at = now;
        f(&mut b.tokens)
    }

    fn admit_at(&self, ip: IpAddr, now: Instant) -> Result<(), ApiError> {
        let tokens = self.with_bucket(ip, now, |t| *t);
        if tokens >= 1.0 {
            return Ok(());
        }
        let wait = ((1.0 - tokens) / self.per_sec())
            .ceil()
            .clamp(1.0, f64::from(u32::MAX)) as u32;
        let (zh, en) = self.what;
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            format!("{zh}尝试过于频繁，请 {wait} 秒后再试"),
            format!("too many {en} attempts from this address; retry in {wait} s"),
        );
        e.retry_after_s = Some(wait);
        Err(e)
    }

    fn charge_at(&self, ip: IpAddr, now: Instant) {
        let floor = -f64::from(self.limit.burst);
        self.with_bucket(ip, now, |t| *t = (*t - 1.0).max(floor));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_refills_and_keeps_addresses_apart() {
        let l = Limiter::new(("注册", "enrollment"), "3/3".parse().unwrap());
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            l.admit_at(a, t0).unwrap();
            l.charge_at(a, t0);
        }
        let e = l.admit_at(a, t0).unwrap_err();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.body.code, codes::RATE_LIMITED);
        assert_eq!(e.retry_after_s, Some(1));
        // Another address is not held back by the first.
        l.admit_at(b, t0).unwrap();
        // One try comes back per second (3 over 3 s), not the whole burst.
        let t1 = t0 + Duration::from_millis(1000);
        l.admit_at(a, t1).unwrap();
        l.charge_at(a, t1);
        assert!(l.admit_at(a, t1).is_err());
    }

    #[test]
    fn admitting_takes_nothing_only_failures_are_charged() {
        let l = Limiter::new(("注册", "enrollment"), "2/60".parse().unwrap());
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        // Fifty successful enrollments from one office address.
        for _ in 0..50 {
            l.admit_at(a, t0).unwrap();
        }
        // Tries admitted together and all failing push the bucket below zero: the wait grows.
        for _ in 0..4 {
            l.charge_at(a, t0);
        }
        let e = l.admit_at(a, t0).unwrap_err();
        assert_eq!(e.retry_after_s, Some(90));
    }

    #[test]
    fn limits_parse_or_say_what_is_wrong() {
        assert_eq!(
            "10/600".parse::<Limit>().unwrap(),
            Limit {
                burst: 10,
                window: Duration::from_secs(600)
            }
        );
        for bad in ["10", "0/60", "10/0", "x/60", "10/-1"] {
            let e = bad.parse::<Limit>().unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }
}
