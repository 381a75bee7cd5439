//! Enforcement credentials (执法证) that anyone can verify offline.
//!
//! The center signs each officer's credential as a token — `FC1.KID.payload.sig`, see
//! [`envelope`] — that the app shows as a QR code during 亮证. The party, the app's scanner, the
//! CLI and the center's public page all verify it with [`verify_credential`] and nothing but the
//! center's public keys ([`Keyring`]) and, when one is known, its [`RevocationList`]: no network.
//!
//! What a verdict means, in the order it is decided:
//! 1. the text is a token at all ([`CredentialStatus::Malformed`]);
//! 2. its key is one of the center's ([`CredentialStatus::UnknownKey`]);
//! 3. the signature holds ([`CredentialStatus::BadSignature`]: forged or altered);
//! 4. the key had not retired when the token was issued ([`CredentialStatus::RetiredKey`]);
//! 5. the number is not on the revocation list ([`CredentialStatus::Revoked`]);
//! 6. today lies within its validity ([`CredentialStatus::NotYetValid`], [`CredentialStatus::Expired`]);
//! 7. otherwise [`CredentialStatus::Valid`].

mod envelope;
pub mod keyring;
pub mod revocation;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use keyring::{CONTEXT_KEYRING, CenterKey, Keyring, KeyringSignature, Kid, SignedKeyring};
pub use revocation::{CONTEXT_REVOCATIONS, REVOCATIONS_PREFIX, Revocation, RevocationList};

use crate::KeyPair;

/// The text prefix of a credential token.
pub const CREDENTIAL_PREFIX: &str = "FC1";
/// Signing context of a credential token.
pub const CONTEXT_CREDENTIAL: &str = "credential";

/// What the center vouches for: the face of the credential card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CredentialClaims {
    /// This token's id (UUID v7): which issuance it is.
    pub tid: String,
    pub officer_id: String,
    /// 姓名.
    pub name: String,
    /// 执法证号.
    pub number: String,
    /// 证件类型, e.g. 中华人民共和国行政执法证.
    pub kind: String,
    /// 发证机关 / 执法单位.
    pub agency: String,
    /// SHA-256 of the officer's photo as the center holds it, when it has one: the photo shown
    /// beside the QR must hash to this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_sha256: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// When the center signed it (Unix ms).
    pub issued_at_ms: i64,
}

impl CredentialClaims {
    /// Signs the claims with `key` (the center's active key).
    pub fn seal(&self, key: &KeyPair) -> Result<String, CredentialError> {
        envelope::seal(CREDENTIAL_PREFIX, CONTEXT_CREDENTIAL, key, self)
    }
}

/// Why a token, list or key set was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("not a valid token: {reason}")]
    Malformed { reason: String },
    #[error("signed by key {kid}, which is not one of the center's keys")]
    UnknownKey { kid: Kid },
    #[error("the signature does not verify under the center's key {kid}: forged or altered")]
    BadSignature { kid: Kid },
    #[error("signed by key {kid} after that key was retired")]
    RetiredKey { kid: Kid },
    #[error("the key set is not signed by any key already trusted")]
    KeyringNotEndorsed,
}

/// The outcome of checking one credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CredentialStatus {
    Valid,
    /// Withdrawn by the center.
    Revoked {
        revoked_at_ms: i64,
        reason: String,
    },
    Expired,
    NotYetValid,
    RetiredKey,
    UnknownKey,
    BadSignature,
    Malformed {
        reason: String,
    },
}

/// A verification's whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CredentialVerdict {
    #[serde(flatten)]
    pub status: CredentialStatus,
    /// The claims, once the signature holds (also for revoked and expired tokens: the party
    /// should see whose credential it was).
    pub claims: Option<CredentialClaims>,
    /// The key that signed it.
    pub kid: Option<String>,
    /// The revocation list consulted: its number and issue time, `None` when none is known
    /// (then "valid" cannot speak to revocation, and says so).
    pub revocations_seq: Option<u64>,
    pub revocations_issued_at_ms: Option<i64>,
}

impl CredentialVerdict {
    pub fn is_valid(&self) -> bool {
        self.status == CredentialStatus::Valid
    }
}

/// Verifies `token` offline against the center's `keys`, the newest known `revocations`, and
/// the verifier's `today` (its local date, in China Standard Time for the card's dates).
pub fn verify_credential(
    token: &str,
    keys: &Keyring,
    revocations: Option<&RevocationList>,
    today: NaiveDate,
) -> CredentialVerdict {
    let mut verdict = CredentialVerdict {
        status: CredentialStatus::Valid,
        claims: None,
        kid: None,
        revocations_seq: revocations.map(|r| r.seq),
        revocations_issued_at_ms: revocations.map(|r| r.issued_at_ms),
    };
    verdict.status = match check(token, keys, revocations, today, &mut verdict) {
        Ok(status) => status,
        Err(CredentialError::Malformed { reason }) => CredentialStatus::Malformed { reason },
        Err(CredentialError::UnknownKey { .. }) => CredentialStatus::UnknownKey,
        Err(CredentialError::BadSignature { .. }) => CredentialStatus::BadSignature,
        Err(CredentialError::RetiredKey { .. }) => CredentialStatus::RetiredKey,
        Err(CredentialError::KeyringNotEndorsed) => CredentialStatus::UnknownKey,
    };
    verdict
}

fn check(
    token: &str,
    keys: &Keyring,
    revocations: Option<&RevocationList>,
    today: NaiveDate,
    verdict: &mut CredentialVerdict,
) -> Result<CredentialStatus, CredentialError> {
    let env = envelope::open(CREDENTIAL_PREFIX, token)?;
    verdict.kid = Some(env.kid.to_string());
    let key = keys
        .key(&env.kid)
        .ok_or_else(|| CredentialError::UnknownKey {
            kid: env.kid.clone(),
        })?;
    env.verify(CONTEXT_CREDENTIAL, &key.public_key)?;
    let claims: CredentialClaims = env.claims()?;
    verdict.claims = Some(claims.clone());
    if key.retired_at_ms.is_some_and(|r| claims.issued_at_ms > r) {
        return Err(CredentialError::RetiredKey { kid: env.kid });
    }
    if let Some(r) = revocations.and_then(|l| l.find(&claims.number)) {
        return Ok(CredentialStatus::Revoked {
            revoked_at_ms: r.revoked_at_ms,
            reason: r.reason.clone(),
        });
    }
    Ok(if today < claims.valid_from {
        CredentialStatus::NotYetValid
    } else if today > claims.valid_to {
        CredentialStatus::Expired
    } else {
        CredentialStatus::Valid
    })
}
