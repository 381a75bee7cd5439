//! What a client needs to renew its bearer token by itself: the device's id and its enrolled
//! Ed25519 key. The center answers an expired or revoked token with `token.expired` /
//! `token.revoked` (and one it no longer knows with `auth.missing`); the client then signs a
//! timestamped renewal, takes the new token, and sends the refused request once more.

use fieldcase_protocol::KeyPair;
use fieldcase_protocol::sync::{PROTOCOL_VERSION, RenewRequest, codes};

use super::client::SyncError;

/// The device behind a client.
#[derive(Debug)]
pub struct Identity {
    pub device_id: String,
    pub key: KeyPair,
}

impl Identity {
    /// A copy of the store's device identity (a key pair is not `Clone`: it is rebuilt from its
    /// PKCS#8 document).
    pub fn of(device: &crate::store::Device) -> Result<Identity, SyncError> {
        Ok(Identity {
            device_id: device.id.clone(),
            key: KeyPair::from_pkcs8(device.key.pkcs8())
                .map_err(|e| SyncError::Protocol(format!("device key: {e}")))?,
        })
    }

    /// A renewal signed for the center's time `at_ms`.
    pub fn request(&self, at_ms: u64) -> Result<RenewRequest, SyncError> {
        RenewRequest::signed(PROTOCOL_VERSION, &self.device_id, at_ms, &self.key)
            .map_err(|e| SyncError::Protocol(format!("signing the token renewal: {e}")))
    }
}

/// Whether a 401's code means the token, not the device, may be the problem. A token the center
/// does not know (`auth.missing`) is one: a renewal whose answer never reached the device (the
/// connection dropped after the center took it, the app died before keeping it) leaves the device
/// holding a token the center has already replaced, and only the key can get it a new one. A
/// center that does not know the device either refuses the renewal, and that refusal is what the
/// device reports.
pub fn renewable(code: &str) -> bool {
    code == codes::TOKEN_EXPIRED || code == codes::TOKEN_REVOKED || code == codes::UNAUTHENTICATED
}
