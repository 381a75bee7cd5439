//! The center's signed revocation list (吊销清单): every credential number withdrawn before its
//! expiry. Devices receive it on every sync and keep the newest; a verifier that holds one says
//! "revoked" for a listed number, and says how old its list is, because a list is only as good
//! as its last sync.

use serde::{Deserialize, Serialize};

use super::CredentialError;
use super::envelope::{self, Envelope};
use super::keyring::{Keyring, Kid};
use crate::KeyPair;

/// The text prefix of a revocation list.
pub const REVOCATIONS_PREFIX: &str = "FCR1";
/// Signing context of a revocation list.
pub const CONTEXT_REVOCATIONS: &str = "revocations";

/// One withdrawn credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// 执法证号.
    pub number: String,
    /// When it was withdrawn (Unix ms).
    pub revoked_at_ms: i64,
    /// Why, as the center recorded it (e.g. 调离执法岗位, 证件遗失).
    pub reason: String,
}

/// The whole list at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationList {
    /// Grows by one with every revocation: a device never goes back to an older list.
    pub seq: u64,
    /// When the center issued this list (Unix ms): the list's age is measured from here.
    pub issued_at_ms: i64,
    pub revoked: Vec<Revocation>,
}

impl RevocationList {
    /// The entry for a credential number, if it is withdrawn.
    pub fn find(&self, number: &str) -> Option<&Revocation> {
        self.revoked.iter().find(|r| r.number == number)
    }

    /// Signs the list with the center's active key as `FCR1.kid.payload.sig`.
    pub fn seal(&self, key: &KeyPair) -> Result<String, CredentialError> {
        envelope::seal(REVOCATIONS_PREFIX, CONTEXT_REVOCATIONS, key, self)
    }

    /// Reads a sealed list, checking its signature against `keys` (any key of the set, retired
    /// or not, that had not retired when the list was issued).
    pub fn open(text: &str, keys: &Keyring) -> Result<RevocationList, CredentialError> {
        let env: Envelope<'_> = envelope::open(REVOCATIONS_PREFIX, text)?;
        let key = keys
            .key(&env.kid)
            .ok_or_else(|| CredentialError::UnknownKey {
                kid: env.kid.clone(),
            })?;
        env.verify(CONTEXT_REVOCATIONS, &key.public_key)?;
        let list: RevocationList = env.claims()?;
        if key.retired_at_ms.is_some_and(|r| list.issued_at_ms > r) {
            return Err(CredentialError::RetiredKey {
                kid: Kid::clone(&env.kid),
            });
        }
        Ok(list)
    }
}
