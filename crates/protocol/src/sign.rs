//! Ed25519 signatures with domain separation.
//!
//! Devices sign ops and audit events; officers and parties sign transcripts;
//! the center signs credential tokens. A signature made for one purpose must
//! never be valid for another (an audit event's bytes reinterpreted as an op,
//! say), so **every signature in the system is over [`signing_message`]**:
//!
//! ```text
//! b"fieldcase/v1/" ‖ context ‖ 0x00 ‖ payload
//! ```
//!
//! where `context` names the purpose ([`CONTEXT_AUDIT`], [`CONTEXT_SIGNATURE`],
//! [`CONTEXT_OP`], …) and `payload` is normally canonical JSON
//! ([`crate::to_canonical_json`]). Contexts are short ASCII names without NUL
//! (see [`check_context`]), so the NUL separator makes the message injective.
//! Use [`KeyPair::sign_in_context`] / [`PublicKey::verify_in_context`], which
//! check the context and build the message; [`KeyPair::sign`] and
//! [`PublicKey::verify`] are the raw primitives (test vectors, interop).
//!
//! Keys are stored as PKCS#8 documents: ring generates v2 (with public key);
//! imported raw seeds are wrapped in a v1 document built here.

use std::fmt;
use std::str::FromStr;

use ring::signature::{self as rsig, KeyPair as _};

use crate::serde_str::string_serde;

/// Prefix of every signed message; the version changes only with the format.
pub const SIGNING_PREFIX: &[u8] = b"fieldcase/v1/";
/// Context for audit-chain events.
pub const CONTEXT_AUDIT: &str = "audit";
/// Context for on-screen signatures bound to a transcript hash.
pub const CONTEXT_SIGNATURE: &str = "signature";
/// Context for sync ops pushed by a device.
pub const CONTEXT_OP: &str = "op";

/// PKCS#8 v1 prefix for an Ed25519 private key (RFC 8410 §7), followed by the seed.
const PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Why a key, signature or context was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The system random generator failed while generating a key.
    #[error("could not generate an Ed25519 key: system randomness unavailable")]
    KeyGeneration,
    /// The bytes are not an Ed25519 PKCS#8 (v1 or v2) document.
    #[error("invalid Ed25519 PKCS#8 key: {reason}")]
    InvalidKey {
        /// ring's description of the problem.
        reason: String,
    },
    /// The signature does not verify for this key and message.
    #[error("Ed25519 signature does not verify for public key {public_key}")]
    BadSignature {
        /// The key that was checked, as hex.
        public_key: String,
    },
    /// A signing context was empty or contained characters outside `[a-z0-9._/-]`.
    #[error("invalid signing context {context:?}: expected 1-64 chars of [a-z0-9._/-]")]
    InvalidContext {
        /// The rejected context.
        context: String,
    },
    /// Text that should be a public key was not 64 lowercase hex digits.
    #[error("invalid public key {input:?}: expected 64 lowercase hex digits")]
    ParsePublicKey {
        /// The rejected text.
        input: String,
    },
    /// Text that should be a signature was not 128 lowercase hex digits.
    #[error("invalid signature {input:?}: expected 128 lowercase hex digits")]
    ParseSignature {
        /// The rejected text.
        input: String,
    },
}

/// The bytes every signature in fieldcase is made over:
/// `b"fieldcase/v1/" ‖ context ‖ 0x00 ‖ payload`.
///
/// `context` must satisfy [`check_context`] (in particular, contain no NUL),
/// otherwise two different (context, payload) pairs could give the same bytes.
/// The `*_in_context` methods enforce this.
pub fn signing_message(context: &str, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_PREFIX.len() + context.len() + 1 + payload.len());
    m.extend_from_slice(SIGNING_PREFIX);
    m.extend_from_slice(context.as_bytes());
    m.push(0);
    m.extend_from_slice(payload);
    m
}

/// Checks that `context` is 1–64 characters of `[a-z0-9._/-]`.
pub fn check_context(context: &str) -> Result<(), SignError> {
    let ok = !context.is_empty()
        && context.len() <= 64
        && context
            .bytes()
            .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'/' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(SignError::InvalidContext {
            context: context.to_owned(),
        })
    }
}

/// An Ed25519 key pair together with the PKCS#8 document it was loaded from.
///
/// `Debug` shows only the public key; the secret never appears in logs.
pub struct KeyPair {
    inner: rsig::Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

impl KeyPair {
    /// Generates a new key pair from the system random generator (PKCS#8 v2).
    pub fn generate() -> Result<KeyPair, SignError> {
        let rng = ring::rand::SystemRandom::new();
        let doc =
            rsig::Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| SignError::KeyGeneration)?;
        KeyPair::from_pkcs8(doc.as_ref())
    }

    /// Loads a PKCS#8 v1 or v2 Ed25519 private key. For v2 documents the
    /// embedded public key is checked against the private key.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<KeyPair, SignError> {
        let inner = rsig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(|e| {
            SignError::InvalidKey {
                reason: e.to_string(),
            }
        })?;
        Ok(KeyPair {
            inner,
            pkcs8: pkcs8.to_vec(),
        })
    }

    /// Builds a key pair from a raw 32-byte Ed25519 seed (the RFC 8032 "secret
    /// key"), for test vectors and importing keys from elsewhere. "Unchecked"
    /// because there is no public key to check it against. [`KeyPair::pkcs8`]
    /// then returns the PKCS#8 v1 document wrapping the seed.
    pub fn from_seed_unchecked(seed: [u8; 32]) -> Result<KeyPair, SignError> {
        let mut doc = Vec::with_capacity(PKCS8_V1_PREFIX.len() + seed.len());
        doc.extend_from_slice(&PKCS8_V1_PREFIX);
        doc.extend_from_slice(&seed);
        KeyPair::from_pkcs8(&doc)
    }

    /// The PKCS#8 document holding the private key (secret: store it encrypted).
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.inner.public_key().as_ref());
        PublicKey(out)
    }

    /// Signs `msg` as is. Application code should use
    /// [`KeyPair::sign_in_context`] so the signature is domain-separated.
    pub fn sign(&self, msg: &[u8]) -> Signature {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.inner.sign(msg).as_ref());
        Signature(out)
    }

    /// Signs [`signing_message`]`(context, payload)` after checking `context`.
    pub fn sign_in_context(&self, context: &str, payload: &[u8]) -> Result<Signature, SignError> {
        check_context(context)?;
        Ok(self.sign(&signing_message(context, payload)))
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_key", &self.public_key())
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// An Ed25519 public key (32 bytes; text form: 64 lowercase hex digits).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// Wraps 32 raw public-key bytes (not validated until [`PublicKey::verify`]).
    pub const fn from_bytes(bytes: [u8; 32]) -> PublicKey {
        PublicKey(bytes)
    }

    /// The 32 raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Checks `sig` over `msg` as is.
    pub fn verify(&self, msg: &[u8], sig: &Signature) -> Result<(), SignError> {
        rsig::UnparsedPublicKey::new(&rsig::ED25519, &self.0)
            .verify(msg, &sig.0)
            .map_err(|_| SignError::BadSignature {
                public_key: self.to_string(),
            })
    }

    /// Checks `sig` over [`signing_message`]`(context, payload)`.
    pub fn verify_in_context(
        &self,
        context: &str,
        payload: &[u8],
        sig: &Signature,
    ) -> Result<(), SignError> {
        check_context(context)?;
        self.verify(&signing_message(context, payload), sig)
    }
}

/// An Ed25519 signature (64 bytes; text form: 128 lowercase hex digits).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Signature([u8; 64]);

impl Signature {
    /// Wraps 64 raw signature bytes.
    pub const fn from_bytes(bytes: [u8; 64]) -> Signature {
        Signature(bytes)
    }

    /// The 64 raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

macro_rules! hex_text {
    ($ty:ident, $err:ident, $expecting:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                crate::lower_hex::write(&self.0, f)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($ty))
            }
        }

        impl FromStr for $ty {
            type Err = SignError;

            fn from_str(s: &str) -> Result<$ty, SignError> {
                crate::lower_hex::decode(s)
                    .map($ty)
                    .ok_or_else(|| SignError::$err {
                        input: s.to_owned(),
                    })
            }
        }

        string_serde!($ty, $expecting);
    };
}

hex_text!(
    PublicKey,
    ParsePublicKey,
    "an Ed25519 public key as 64 lowercase hex digits"
);
hex_text!(
    Signature,
    ParseSignature,
    "an Ed25519 signature as 128 lowercase hex digits"
);

#[cfg(test)]
mod tests;
