//! `POST /v1/device/status`: whether the center holds this device as revoked or active.
//!
//! A revoked device's bearer token is refused everywhere, and its store is locked (issue 7) until
//! an admin reinstates it; to learn that it was reinstated, the device asks here, proving who it
//! is with the Ed25519 key it enrolled with rather than with the token. The request is signed
//! over `"device-status"` ‖ (device id, time) — its own context, so neither a renewal nor any
//! other signature of the system passes as one. The answer only says revoked or active: a
//! request replayed within [`STATUS_WINDOW_MS`] tells its replayer nothing more than that, so
//! no replay counter is kept.

use serde::{Deserialize, Serialize};

use crate::{KeyPair, PublicKey, SignError};

/// The signing context of a status request (see [`crate::signing_message`]).
pub const CONTEXT_STATUS: &str = "device-status";

/// How far a status request's time may be from the center's clock, either way.
pub const STATUS_WINDOW_MS: u64 = 5 * 60 * 1000;

/// The request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceStatusRequest {
    pub device_id: String,
    /// The device's idea of the center's time (its clock plus the offset it learnt), Unix ms.
    pub at_ms: u64,
    /// Ed25519 over [`status_payload`], in context [`CONTEXT_STATUS`], 128 lowercase hex.
    pub signature: String,
}

/// Where the center stands on a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStanding {
    Active,
    Revoked,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceStatusResponse {
    pub device_id: String,
    pub status: DeviceStanding,
    /// When the center revoked it (with `revoked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at_ms: Option<u64>,
}

/// The signed bytes (see [`super::device_proof`]).
pub fn status_payload(device_id: &str, at_ms: u64) -> Vec<u8> {
    super::device_proof::device_time_payload(device_id, at_ms)
}

impl DeviceStatusRequest {
    /// A request for `device_id` at `at_ms`, signed with the device's key.
    pub fn signed(device_id: &str, at_ms: u64, key: &KeyPair) -> Result<Self, SignError> {
        Ok(DeviceStatusRequest {
            device_id: device_id.to_string(),
            at_ms,
            signature: super::device_proof::sign(CONTEXT_STATUS, device_id, at_ms, key)?,
        })
    }

    /// Whether `key` signed this request.
    pub fn verify(&self, key: &PublicKey) -> Result<(), SignError> {
        super::device_proof::verify(
            CONTEXT_STATUS,
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
    fn a_status_request_verifies_only_with_its_key_device_and_time() {
        let key = KeyPair::from_seed_unchecked([5; 32]).unwrap();
        let other = KeyPair::from_seed_unchecked([6; 32]).unwrap();
        let r = DeviceStatusRequest::signed("dev-1", 1_000, &key).unwrap();
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

    #[test]
    fn a_renewal_signature_does_not_pass_as_a_status_request() {
        let key = KeyPair::from_seed_unchecked([5; 32]).unwrap();
        let sig = key
            .sign_in_context("token-renew", &status_payload("dev-1", 1_000))
            .unwrap();
        let forged = DeviceStatusRequest {
            device_id: "dev-1".into(),
            at_ms: 1_000,
            signature: sig.to_string(),
        };
        assert!(forged.verify(&key.public_key()).is_err());
    }
}
