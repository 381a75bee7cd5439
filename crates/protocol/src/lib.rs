//! Wire types shared by the field app (`crates/core`) and the center server.
//!
//! Everything here is pure computation: ids, the hybrid logical clock, SHA-256,
//! Ed25519 signatures and the one canonical JSON encoding that every hash and
//! signature in the system is computed over. The crate does no I/O at all (no
//! files, network, database, environment or system clock) so that the device and
//! the server, which must agree byte for byte on what was signed, share exactly
//! this code and nothing that could behave differently on either side. Time is
//! always passed in by the caller; the only randomness is key generation.
//!
//! Records made with these types become legal evidence, so every textual form
//! has exactly one accepted spelling: parsing is strict (lowercase hex, the
//! hyphenated lowercase UUID, fixed-width HLC strings) and parse → print gives
//! back the input unchanged.
//!
//! ```
//! use fieldcase_protocol::{CONTEXT_OP, HlcClock, Id, KeyPair, to_canonical_json};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let device = KeyPair::from_seed_unchecked([7; 32])?;
//! let mut clock = HlcClock::new(Id::from_parts(1_717_171_717_000, [1; 10]));
//! #[derive(serde::Serialize)]
//! struct Op { id: Id, at: fieldcase_protocol::Hlc, note: &'static str }
//! let op = Op {
//!     id: Id::from_parts(1_717_171_717_171, [2; 10]),
//!     at: clock.now(1_717_171_717_171),
//!     note: "现场检查",
//! };
//! let payload = to_canonical_json(&op)?;
//! let sig = device.sign_in_context(CONTEXT_OP, &payload)?;
//! device.public_key().verify_in_context(CONTEXT_OP, &payload, &sig)?;
//! # Ok(())
//! # }
//! ```

mod canonical;
pub mod chain;
pub mod credential;
mod hash;
mod hlc;
mod ids;
mod lower_hex;
mod serde_str;
mod sign;
pub mod statement;
pub mod sync;

pub use canonical::{CanonicalError, canonical_hash, to_canonical_json};
pub use hash::{HashError, Sha256, Sha256Hasher};
pub use hlc::{Hlc, HlcClock, HlcError, MAX_WALL_MS};
pub use ids::{Id, IdError};
pub use sign::{
    CONTEXT_AUDIT, CONTEXT_OP, CONTEXT_SIGNATURE, KeyPair, PublicKey, SIGNING_PREFIX, SignError,
    Signature, check_context, signing_message,
};
