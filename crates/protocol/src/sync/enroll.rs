//! Enrollment: an admin creates a user and a one-time code; the device trades the code and its
//! Ed25519 public key for a bearer token.
//!
//! The request proves possession of the key: a signature over (device id, code) in the
//! `device-enroll` context. A device id and its public key are not secrets (the id is on every
//! case the center shows, the key in the enrollment's audit entry), so without the proof whoever
//! held a code of the device's user could re-enroll it and take its token. Bound to the one-time
//! code, a proof is good for one enrollment only.

use serde::{Deserialize, Serialize};

use crate::{KeyPair, PublicKey, SignError};

/// The signing context of an enrollment's proof (see [`crate::signing_message`]).
pub const CONTEXT_ENROLL: &str = "device-enroll";

/// What a user may do (and see).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 执法人员: runs inspections; sees the tasks assigned to their team and their own cases.
    Inspector,
    /// 网格员: like an inspector, within their grid area.
    GridWorker,
    /// 中心工作人员: dispatches tasks, reviews cases, resolves conflicts.
    CenterStaff,
    /// 管理员: users, devices, enrollment codes.
    Admin,
}

impl Role {
    /// Roles that carry a device and push field work.
    pub fn in_field(self) -> bool {
        matches!(self, Role::Inspector | Role::GridWorker)
    }
}

/// `POST /v1/enroll`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub protocol: u32,
    /// The one-time code the center issued.
    pub code: String,
    /// The device's id (its audit-chain links name it).
    pub device_id: String,
    /// Ed25519 public key, lowercase hex.
    pub public_key: String,
    /// What the user calls the device ("张伟的平板").
    pub label: String,
    /// Ed25519 over [`enroll_payload`] of (device id, code) in context [`CONTEXT_ENROLL`], by
    /// the key in `public_key`; 128 lowercase hex.
    pub proof: String,
}

/// The bytes an enrollment's proof signs: `{len(device id)}:{device id}:{code}`, the code exactly
/// as sent (see [`super::device_proof`]).
pub fn enroll_payload(device_id: &str, code: &str) -> Vec<u8> {
    super::device_proof::device_payload(device_id, code)
}

impl EnrollRequest {
    /// A request for `device_id` trading `code`, with the proof made by `key`.
    pub fn signed(
        protocol: u32,
        code: &str,
        device_id: &str,
        key: &KeyPair,
        label: &str,
    ) -> Result<Self, SignError> {
        Ok(EnrollRequest {
            protocol,
            code: code.to_string(),
            device_id: device_id.to_string(),
            public_key: key.public_key().to_string(),
            label: label.to_string(),
            proof: super::device_proof::sign_payload(
                CONTEXT_ENROLL,
                &enroll_payload(device_id, code),
                key,
            )?,
        })
    }

    /// Whether `proof` is `key`'s (the key the request names, parsed by the caller) over this
    /// request's device id and code.
    pub fn verify_proof(&self, key: &PublicKey) -> Result<(), SignError> {
        super::device_proof::verify_payload(
            CONTEXT_ENROLL,
            &enroll_payload(&self.device_id, &self.code),
            &self.proof,
            key,
        )
    }
}

/// The enrolled user, as the device shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct UserInfo {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    /// Administrative area code (行政区划代码) the user works in.
    pub area: String,
    /// The team whose tasks the user sees (inspectors).
    pub team: Option<String>,
    /// The officer record this user is, when they hold enforcement credentials.
    pub officer_id: Option<String>,
}

/// The answer to an enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct EnrollResponse {
    /// Bearer token for every later request; shown once.
    pub token: String,
    pub user: UserInfo,
    pub server_time_ms: u64,
    /// The center's public signing keys: the device's trust anchor for credentials, taken at
    /// enrollment and afterwards replaced only by a set one of these keys signed.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub keyring: crate::credential::SignedKeyring,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_verifies_only_with_its_key_device_and_code() {
        let key = KeyPair::from_seed_unchecked([5; 32]).unwrap();
        let other = KeyPair::from_seed_unchecked([6; 32]).unwrap();
        let r = EnrollRequest::signed(1, "123456789012", "dev-1", &key, "平板").unwrap();
        assert_eq!(r.public_key, key.public_key().to_string());
        r.verify_proof(&key.public_key()).unwrap();
        assert!(r.verify_proof(&other.public_key()).is_err());
        let mut moved = r.clone();
        moved.device_id = "dev-2".into();
        assert!(moved.verify_proof(&key.public_key()).is_err());
        let mut recoded = r.clone();
        recoded.code = "123456789013".into();
        assert!(recoded.verify_proof(&key.public_key()).is_err());
        // The label is the user's to change: it is not signed.
        let mut relabelled = r.clone();
        relabelled.label = "张伟的平板".into();
        relabelled.verify_proof(&key.public_key()).unwrap();
        let mut garbled = r;
        garbled.proof = "zz".into();
        assert!(garbled.verify_proof(&key.public_key()).is_err());
    }

    #[test]
    fn the_signed_bytes_are_fixed() {
        // The center browser builds the same bytes (ui/src/lib/api/enroll.ts).
        assert_eq!(enroll_payload("设备", "1234"), "6:设备:1234".as_bytes());
        assert_eq!(
            crate::signing_message(CONTEXT_ENROLL, &enroll_payload("d1", "12")),
            b"fieldcase/v1/device-enroll\x002:d1:12".to_vec()
        );
    }
}
