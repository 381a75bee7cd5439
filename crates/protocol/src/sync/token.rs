//! Token renewal: a device whose bearer token expired (or was revoked by itself or an admin)
//! gets a new one by proving the Ed25519 key it enrolled with — no code, no person involved.
//!
//! The request is signed over `"token-renew"` ‖ canonical bytes of (device id, time); the center
//! checks the key it holds for the device, that the time is within [`RENEW_WINDOW_MS`] of its own
//! clock, that it is later than the last renewal it accepted (a captured request cannot be
//! replayed for a second token), and that the device is not revoked.

use serde::{Deserialize, Serialize};

use crate::{KeyPair, PublicKey, SignError};

/// The signing context of a renewal request (see [`crate::signing_message`]).
pub const CONTEXT_RENEW: &str = "token-renew";

/// How far a renewal's time may be from the center's clock, either way.
pub const RENEW_WINDOW_MS: u64 = 5 * 60 * 1000;

/// `POST /v1/token/renew`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    pub protocol: u32,
    pub device_id: String,
    /// The device's idea of the center's time (its clock plus the offset it learnt), Unix ms.
    pub at_ms: u64,
    /// Ed25519 over [`renew_payload`], in context [`CONTEXT_RENEW`], 128 lowercase hex.
    pub signature: String,
}

/// The answer: a new bearer token; the previous one no longer works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewResponse {
    pub token: String,
    pub expires_at_ms: u64,
    pub server_time_ms: u64,
}

/// The signed bytes (see [`super::device_proof`]).
pub fn renew_payload(device_id: &str, at_ms: u64) -> Vec<u8> {
    super::device_proof::device_time_payload(device_id, at_ms)
}

impl RenewRequest {
    /// A request for `device_id` at `at_ms`, signed with the device's key.
    pub fn signed(
        protocol: u32,
        device_id: &str,
        at_ms: u64,
        key: &KeyPair,
    ) -> Result<Self, SignError> {
        Ok(RenewRequest {
            protocol,
            device_id: device_id.to_string(),
            at_ms,
            signature: super::device_proof::sign(CONTEXT_RENEW, device_id, at_ms, key)?,
        })
    }

    /// Whether `key` signed this request.
    pub fn verify(&self, key: &PublicKey) -> Result<(), SignError> {
        super::device_proof::verify(
            CONTEXT_RENEW,
            &self.device_id,
            self.at_ms,
            &self.signature,
            key,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewal_verifies_only_with_its_key_device_and_time() {
        let key = KeyPair::from_seed_unchecked([3; 32]).unwrap();
        let other = KeyPair::from_seed_unchecked([4; 32]).unwrap();
        let r = RenewRequest::signed(1, "dev-1", 1_000, &key).unwrap();
        r.verify(&key.public_key()).unwrap();
        assert!(r.verify(&other.public_key()).is_err());
        let mut later = r.clone();
        later.at_ms += 1;
        assert!(later.verify(&key.public_key()).is_err());
        let mut moved = r.clone();
        moved.device_id = "dev-2".into();
        assert!(moved.verify(&key.public_key()).is_err());
        let mut garbled = r;
        garbled.signature = "zz".into();
        assert!(garbled.verify(&key.public_key()).is_err());
    }
}
