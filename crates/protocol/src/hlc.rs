//! Hybrid logical clock (Kulkarni et al., 2014) for ordering ops across devices.
//!
//! Per-field last-writer-wins needs a timestamp that (a) stays close to real
//! time, so "last" means what people expect, (b) never goes backwards on one
//! device even when the tablet's clock is corrected backwards, and (c) is
//! strictly greater than anything the device has already seen from others, so a
//! causal successor always wins. An HLC is `(wall_ms, logical, node)`: the
//! largest physical time seen, a counter for events within that millisecond,
//! and the node id to break ties between devices.
//!
//! The clock does not read the system time (this crate does no I/O): callers
//! pass `physical_ms`. It must be persisted (its [`HlcClock::last`] value) and
//! restored with [`HlcClock::resume`] after a restart.
//!
//! The text form `"{wall_ms:015}-{logical:010}-{node}"` is fixed-width, so
//! string order equals [`Ord`] order and SQL can sort on the text column.

use std::fmt;
use std::str::FromStr;

use crate::ids::Id;

/// Largest `wall_ms` an [`Hlc`] may carry: 15 decimal digits (year ~33658).
pub const MAX_WALL_MS: u64 = 999_999_999_999_999;

/// A hybrid logical clock timestamp, ordered by `(wall_ms, logical, node)`.
///
/// Values with `wall_ms` above [`MAX_WALL_MS`] can be built by hand but not
/// serialized or parsed (their text would be wider than 15 digits and break
/// string ordering); [`HlcClock`] never issues them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    /// Physical component: Unix milliseconds (the largest seen so far).
    pub wall_ms: u64,
    /// Counter distinguishing events within one `wall_ms`.
    pub logical: u32,
    /// The node (device) that issued this timestamp; breaks ties.
    pub node: Id,
}

/// Why an HLC could not be parsed or a remote one was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HlcError {
    /// A remote timestamp lies too far in the future of the local physical
    /// clock; accepting it would drag this clock forward for good.
    #[error(
        "remote HLC wall time {remote_ms} ms is more than {max_ahead_ms} ms ahead of local physical time {local_ms} ms"
    )]
    TooFarAhead {
        /// The remote `wall_ms`.
        remote_ms: u64,
        /// The local physical time passed to `observe`.
        local_ms: u64,
        /// The tolerance passed to `observe`.
        max_ahead_ms: u64,
    },
    /// A `wall_ms` above [`MAX_WALL_MS`] cannot be written in the fixed-width form.
    #[error("HLC wall time {wall_ms} ms exceeds the maximum {MAX_WALL_MS}")]
    OutOfRange {
        /// The offending `wall_ms`.
        wall_ms: u64,
    },
    /// The text is not `WWWWWWWWWWWWWWW-LLLLLLLLLL-<id>`.
    #[error(
        "invalid HLC {input:?}: expected 15-digit wall ms, '-', 10-digit logical counter, '-', lowercase UUID"
    )]
    Parse {
        /// The rejected text.
        input: String,
    },
}

impl Hlc {
    /// The HLC that sorts before every other with the same node: `(0, 0, node)`.
    pub const fn zero(node: Id) -> Hlc {
        Hlc {
            wall_ms: 0,
            logical: 0,
            node,
        }
    }

    /// The successor of `(wall_ms, logical)` for this node: the counter goes up
    /// by one, and if it would overflow, the wall time moves on a millisecond.
    fn tick(wall_ms: u64, logical: u32, node: Id) -> Hlc {
        match logical.checked_add(1) {
            Some(logical) => Hlc {
                wall_ms,
                logical,
                node,
            },
            None => Hlc {
                wall_ms: wall_ms.saturating_add(1),
                logical: 0,
                node,
            },
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:010}-{}", self.wall_ms, self.logical, self.node)
    }
}

impl FromStr for Hlc {
    type Err = HlcError;

    fn from_str(s: &str) -> Result<Hlc, HlcError> {
        let err = || HlcError::Parse {
            input: s.to_owned(),
        };
        let b = s.as_bytes();
        if b.len() != 15 + 1 + 10 + 1 + 36 || b[15] != b'-' || b[26] != b'-' {
            return Err(err());
        }
        let digits = |r: std::ops::Range<usize>| {
            let part = s.get(r).ok_or_else(err)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse::<u64>().map_err(|_| err())
            } else {
                Err(err())
            }
        };
        let wall_ms = digits(0..15)?;
        let logical = u32::try_from(digits(16..26)?).map_err(|_| err())?;
        let node = s
            .get(27..)
            .ok_or_else(err)?
            .parse::<Id>()
            .map_err(|_| err())?;
        Ok(Hlc {
            wall_ms,
            logical,
            node,
        })
    }
}

impl serde::Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.wall_ms > MAX_WALL_MS {
            return Err(serde::ser::Error::custom(HlcError::OutOfRange {
                wall_ms: self.wall_ms,
            }));
        }
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::serde_str::deserialize(d, "an HLC string like 001717171717171-0000000000-<uuid>")
    }
}

/// The clock of one node: issues strictly increasing [`Hlc`] values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    /// A fresh clock for `node` that has issued and observed nothing.
    pub fn new(node: Id) -> HlcClock {
        HlcClock {
            last: Hlc::zero(node),
        }
    }

    /// Continues after a restart from the last persisted value (issued or
    /// observed); the node is `last.node`. Everything issued afterwards is
    /// greater than `last`.
    pub fn resume(last: Hlc) -> HlcClock {
        HlcClock { last }
    }

    /// The most recent value issued (by `now` or `observe`), or the resume point.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A local or send event: returns a value strictly greater than every value
    /// this clock has issued or observed, even if `physical_ms` went backwards.
    ///
    /// `physical_ms` above [`MAX_WALL_MS`] is treated as [`MAX_WALL_MS`].
    pub fn now(&mut self, physical_ms: u64) -> Hlc {
        let pt = physical_ms.min(MAX_WALL_MS);
        let node = self.last.node;
        self.last = if pt > self.last.wall_ms {
            Hlc {
                wall_ms: pt,
                logical: 0,
                node,
            }
        } else {
            Hlc::tick(self.last.wall_ms, self.last.logical, node)
        };
        self.last
    }

    /// After this node learns its physical clock ran fast: if the last value is more than
    /// `max_ahead_ms` past the corrected `physical_ms`, every value it would issue from now on
    /// would be refused by a peer checking with that tolerance (and stay refused until the wall
    /// clock caught up, however long). It continues from `physical_ms` instead and answers true.
    ///
    /// This is the one exception to "strictly greater than everything issued": the values
    /// issued under the fast clock were refused by the peer, so nothing ordered against them.
    pub fn rewind_if_ahead(&mut self, physical_ms: u64, max_ahead_ms: u64) -> bool {
        let pt = physical_ms.min(MAX_WALL_MS);
        if self.last.wall_ms <= pt.saturating_add(max_ahead_ms) {
            return false;
        }
        self.last = Hlc {
            wall_ms: pt,
            logical: 0,
            node: self.last.node,
        };
        true
    }

    /// A receive event: merges `remote` and returns a value strictly greater
    /// than `remote` and than everything this clock issued or observed before.
    ///
    /// Refuses, leaving the clock unchanged, a `remote` whose `wall_ms` is more
    /// than `max_ahead_ms` past `physical_ms` ([`HlcError::TooFarAhead`]) or
    /// above [`MAX_WALL_MS`] ([`HlcError::OutOfRange`]).
    pub fn observe(
        &mut self,
        remote: &Hlc,
        physical_ms: u64,
        max_ahead_ms: u64,
    ) -> Result<Hlc, HlcError> {
        if remote.wall_ms > MAX_WALL_MS {
            return Err(HlcError::OutOfRange {
                wall_ms: remote.wall_ms,
            });
        }
        if remote.wall_ms > physical_ms.saturating_add(max_ahead_ms) {
            return Err(HlcError::TooFarAhead {
                remote_ms: remote.wall_ms,
                local_ms: physical_ms,
                max_ahead_ms,
            });
        }
        let pt = physical_ms.min(MAX_WALL_MS);
        let node = self.last.node;
        let local = self.last;
        let wall = pt.max(local.wall_ms).max(remote.wall_ms);
        self.last = if wall == local.wall_ms && wall == remote.wall_ms {
            Hlc::tick(wall, local.logical.max(remote.logical), node)
        } else if wall == local.wall_ms {
            Hlc::tick(wall, local.logical, node)
        } else if wall == remote.wall_ms {
            Hlc::tick(wall, remote.logical, node)
        } else {
            Hlc {
                wall_ms: wall,
                logical: 0,
                node,
            }
        };
        Ok(self.last)
    }
}

#[cfg(test)]
mod tests;
