//! A device proving who it is with the Ed25519 key it enrolled with, at a time, for one purpose:
//! the signature over (device id, time) in the purpose's own context, so a proof made for one
//! request (a token renewal, a status check) never passes as another. Shared by those requests.

use crate::{KeyPair, PublicKey, SignError, Signature};

/// The signed bytes: one spelling per (device, time), no separator a device id could forge
/// (the id's length comes first).
pub fn device_time_payload(device_id: &str, at_ms: u64) -> Vec<u8> {
    format!("{}:{device_id}:{at_ms}", device_id.len()).into_bytes()
}

/// The proof, 128 lowercase hex, for `device_id` at `at_ms` in `context`.
pub(crate) fn sign(
    context: &str,
    device_id: &str,
    at_ms: u64,
    key: &KeyPair,
) -> Result<String, SignError> {
    Ok(key
        .sign_in_context(context, &device_time_payload(device_id, at_ms))?
        .to_string())
}

/// Whether `signature` is `key`'s proof for `device_id` at `at_ms` in `context`.
pub(crate) fn verify(
    context: &str,
    device_id: &str,
    at_ms: u64,
    signature: &str,
    key: &PublicKey,
) -> Result<(), SignError> {
    let sig: Signature = signature.parse().map_err(|_| SignError::BadSignature {
        public_key: key.to_string(),
    })?;
    key.verify_in_context(context, &device_time_payload(device_id, at_ms), &sig)
}
