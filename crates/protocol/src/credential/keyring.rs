//! The center's public signing keys, as every device and verifier holds them.
//!
//! The center signs credentials with one active key at a time. Rotation adds a key; retiring
//! one stops it signing, but what it signed before its retirement still verifies until the
//! token's own expiry. The key set travels as a [`SignedKeyring`]: a device takes its first one
//! at enrollment (over the enrolled, authenticated channel) and from then on accepts a newer one
//! only when a key it already trusts signed it — so a server or network that can alter sync
//! traffic still cannot slip in a key of its own.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::CredentialError;
use crate::serde_str::string_serde;
use crate::{KeyPair, PublicKey, Sha256, Signature, to_canonical_json};

/// Signing context of a key set.
pub const CONTEXT_KEYRING: &str = "keyring";

/// A key's id: the first 8 bytes of the SHA-256 of its public key, as 16 lowercase hex digits.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kid(String);

impl Kid {
    /// The id of `key`.
    pub fn of(key: &PublicKey) -> Kid {
        Kid(Sha256::of(key.as_bytes()).to_string()[..16].to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kid({})", self.0)
    }
}

impl FromStr for Kid {
    type Err = CredentialError;
    fn from_str(s: &str) -> Result<Kid, CredentialError> {
        if s.len() == 16 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Kid(s.to_string()))
        } else {
            Err(CredentialError::Malformed {
                reason: format!(
                    "key id {:?} is not 16 lowercase hex digits",
                    super::envelope::truncate(s)
                ),
            })
        }
    }
}

string_serde!(Kid, "a key id as 16 lowercase hex digits");

/// One center signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CenterKey {
    pub kid: Kid,
    pub public_key: PublicKey,
    /// When the center created it (Unix ms).
    pub created_at_ms: i64,
    /// When it stopped signing (Unix ms): tokens it issued after this are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at_ms: Option<i64>,
}

impl CenterKey {
    pub fn new(public_key: PublicKey, created_at_ms: i64) -> CenterKey {
        CenterKey {
            kid: Kid::of(&public_key),
            public_key,
            created_at_ms,
            retired_at_ms: None,
        }
    }
}

/// The set of the center's keys, newest `seq` wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyring {
    /// Grows by one with every change (a key added or retired).
    pub seq: u64,
    pub issued_at_ms: i64,
    pub keys: Vec<CenterKey>,
}

impl Keyring {
    pub fn key(&self, kid: &Kid) -> Option<&CenterKey> {
        self.keys.iter().find(|k| &k.kid == kid)
    }

    /// The key that signs new tokens: the newest one not retired.
    pub fn active(&self) -> Option<&CenterKey> {
        self.keys
            .iter()
            .filter(|k| k.retired_at_ms.is_none())
            .max_by_key(|k| k.created_at_ms)
    }
}

/// One signature over a key set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyringSignature {
    pub kid: Kid,
    pub signature: Signature,
}

/// A key set with the signatures of the center's keys that are not retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedKeyring {
    pub keyring: Keyring,
    pub signatures: Vec<KeyringSignature>,
}

impl SignedKeyring {
    /// Signs `keyring` with each of `signers` (the center's keys that are not retired).
    pub fn sign(keyring: Keyring, signers: &[&KeyPair]) -> Result<SignedKeyring, CredentialError> {
        let payload = to_canonical_json(&keyring).map_err(|e| CredentialError::Malformed {
            reason: e.to_string(),
        })?;
        let mut signatures = Vec::with_capacity(signers.len());
        for k in signers {
            let signature = k.sign_in_context(CONTEXT_KEYRING, &payload).map_err(|e| {
                CredentialError::Malformed {
                    reason: e.to_string(),
                }
            })?;
            signatures.push(KeyringSignature {
                kid: Kid::of(&k.public_key()),
                signature,
            });
        }
        Ok(SignedKeyring {
            keyring,
            signatures,
        })
    }

    /// The kids of `trusted` keys whose signature here verifies.
    fn endorsed_by(&self, trusted: &Keyring) -> Vec<Kid> {
        let Ok(payload) = to_canonical_json(&self.keyring) else {
            return Vec::new();
        };
        self.signatures
            .iter()
            .filter(|s| {
                trusted.key(&s.kid).is_some_and(|k| {
                    k.public_key
                        .verify_in_context(CONTEXT_KEYRING, &payload, &s.signature)
                        .is_ok()
                })
            })
            .map(|s| s.kid.clone())
            .collect()
    }

    /// Checks a key set taken as the first trust anchor (at enrollment): every key id matches
    /// its key, and at least one of its own keys signed it.
    pub fn check_first(&self) -> Result<(), CredentialError> {
        self.check_shape()?;
        if self.endorsed_by(&self.keyring).is_empty() {
            return Err(CredentialError::KeyringNotEndorsed);
        }
        Ok(())
    }

    /// Whether this set may replace `trusted`: newer, well formed, and signed by a key of
    /// `trusted`. `Ok(false)` when it is not newer (nothing to do).
    pub fn check_update(&self, trusted: &Keyring) -> Result<bool, CredentialError> {
        self.check_shape()?;
        if self.keyring.seq <= trusted.seq {
            return Ok(false);
        }
        if self.endorsed_by(trusted).is_empty() {
            return Err(CredentialError::KeyringNotEndorsed);
        }
        Ok(true)
    }

    fn check_shape(&self) -> Result<(), CredentialError> {
        for k in &self.keyring.keys {
            if k.kid != Kid::of(&k.public_key) {
                return Err(CredentialError::Malformed {
                    reason: format!("key id {} does not match its public key", k.kid),
                });
            }
        }
        Ok(())
    }
}
