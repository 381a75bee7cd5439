//! Record ids: UUID v7, made on the device, printed one way only.
//!
//! Ops, cases and evidence are created offline, so ids cannot come from the
//! server. UUID v7 puts a millisecond timestamp in front of random bits: ids
//! made on different devices never collide, and ids from one device sort
//! roughly by creation time, which keeps SQLite and PostgreSQL indexes compact.
//! The random bits are passed in (this crate has no randomness source besides
//! key generation), which also makes ids reproducible in tests.
//!
//! The text form is exactly the lowercase hyphenated UUID. Parsing refuses any
//! other spelling (uppercase, braces, `urn:uuid:`, no hyphens) so that an id
//! inside a signed payload re-serializes to the very bytes that were signed.

use std::fmt;
use std::str::FromStr;

use crate::serde_str::string_serde;

/// A record id: a UUID, normally version 7 (timestamp + random).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(uuid::Uuid);

/// The text was not a lowercase hyphenated UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid id {input:?}: expected a lowercase hyphenated UUID like 0190a8f2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"
)]
pub struct IdError {
    /// The rejected text.
    pub input: String,
}

impl Id {
    /// Builds a UUID v7 from a Unix time in milliseconds and 10 random bytes.
    ///
    /// Deterministic: the same inputs give the same id. Only the low 48 bits of
    /// `unix_ms` fit in a UUID v7 (enough until the year 10889); higher bits
    /// are dropped. Of `random`, the version and variant bits overwrite 6 bits,
    /// leaving 74 random bits.
    pub fn from_parts(unix_ms: u64, random: [u8; 10]) -> Id {
        Id(uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
    }

    /// Wraps any UUID (for ids that did not come from [`Id::from_parts`]).
    pub const fn from_uuid(uuid: uuid::Uuid) -> Id {
        Id(uuid)
    }

    /// The all-zero id `00000000-0000-0000-0000-000000000000`.
    pub const fn nil() -> Id {
        Id(uuid::Uuid::nil())
    }

    /// The underlying UUID.
    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }

    /// The timestamp part: the first 48 bits, in Unix milliseconds.
    ///
    /// Meaningful for UUID v7 ids; for other versions it is whatever those bits hold.
    pub fn unix_ms(&self) -> u64 {
        let b = self.0.as_bytes();
        b[..6]
            .iter()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
    }
}

impl From<uuid::Uuid> for Id {
    fn from(uuid: uuid::Uuid) -> Id {
        Id(uuid)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0.hyphenated())
    }
}

impl FromStr for Id {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Id, IdError> {
        let err = || IdError {
            input: s.to_owned(),
        };
        // uuid accepts several spellings; only the canonical one is allowed here.
        if s.len() != uuid::fmt::Hyphenated::LENGTH {
            return Err(err());
        }
        let uuid = uuid::Uuid::parse_str(s).map_err(|_| err())?;
        let mut buf = uuid::Uuid::encode_buffer();
        if uuid.hyphenated().encode_lower(&mut buf) != s {
            return Err(err());
        }
        Ok(Id(uuid))
    }
}

string_serde!(Id, "a lowercase hyphenated UUID string");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_parts_is_deterministic_v7() {
        let a = Id::from_parts(1_717_171_717_171, [7; 10]);
        let b = Id::from_parts(1_717_171_717_171, [7; 10]);
        assert_eq!(a, b);
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert_eq!(a.unix_ms(), 1_717_171_717_171);
        assert_eq!(a.to_string(), "018fcf69-0433-7707-8707-070707070707");
    }

    #[test]
    fn ids_sort_by_time() {
        let early = Id::from_parts(1_000, [0xff; 10]);
        let late = Id::from_parts(1_001, [0; 10]);
        assert!(early < late);
        assert!(early.to_string() < late.to_string());
    }

    #[test]
    fn text_round_trip_and_strictness() {
        let id = Id::from_parts(1_700_000_000_000, [0xab; 10]);
        let s = id.to_string();
        assert_eq!(s.parse::<Id>(), Ok(id));
        for bad in [
            s.to_uppercase(),
            s.replace('-', ""),
            format!("{{{s}}}"),
            format!("urn:uuid:{s}"),
            String::new(),
            "not-an-id".to_owned(),
        ] {
            let e = bad.parse::<Id>().unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn serde_as_string() {
        let id = Id::from_parts(42, [1; 10]);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<Id>(&json).unwrap(), id);
        assert!(serde_json::from_str::<Id>("\"0190A8F2-3C4D-7E5F-8A9B-0C1D2E3F4A5B\"").is_err());
        assert!(serde_json::from_str::<Id>("42").is_err());
    }

    #[test]
    fn nil() {
        assert_eq!(
            Id::nil().to_string(),
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(Id::nil().unix_ms(), 0);
        assert!(Id::nil() < Id::from_parts(0, [0; 10]));
    }
}
