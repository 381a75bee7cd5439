//! A device proving who it is with its Ed25519 key, for one purpose: a signature over (device id,
//! what the request is about) in the purpose's own context, so a proof made for one request (an
//! enrollment, a token renewal, a status check) never passes as another. Shared by those requests.

use std::fmt::Display;

use crate::{KeyPair, PublicKey, SignError, Signature};

/// The signed bytes: `{len(device id)}:{device id}:{tail}`, one spelling per (device, tail), no
/// separator a device id could forge (the id's length comes first).
pub(crate) fn device_payload(device_id: &str, tail: impl Display) -> Vec<u8> {
    format!("{}:{device_id}:{tail}", device_id.len()).into_bytes()
}

/// The signed bytes of a proof at a time (renewal, status check).
pub fn device_time_payload(device_id: &str, at_ms: u64) -> Vec<u8> {
    device_payload(device_id, at_ms)
}

/// The proof, 128 lowercase hex, for `device_id` at `at_ms` in `context`.
pub(crate) fn sign(
    context: &str,
    device_id: &str,
    at_ms: u64,
    key: &KeyPair,
) -> Result<String, SignError> {
    sign_payload(context, &device_time_payload(device_id, at_ms), key)
}

/// Whether `signature` is `key`'s proof for `device_id` at `at_ms` in `context`.
pub(crate) fn verify(
    context: &str,
    device_id: &str,
    at_ms: u64,
    signature: &str,
    key: &PublicKey,
) -> Result<(), SignError> {
    verify_payload(
        context,
        &device_time_payload(device_id, at_ms),
        signature,
        key,
    )
}

/// `key`'s signature over `payload` in `context`, 128 lowercase hex.
pub(crate) fn sign_payload(
    context: &str,
    payload: &[u8],
    key: &KeyPair,
) -> Result<String, SignError> {
    Ok(key.sign_in_context(context, payload)?.to_string())
}

/// Whether `signature` (hex, as sent) is `key`'s over `payload` in `context`.
pub(crate) fn verify_payload(
    context: &str,
    payload: &[u8],
    signature: &str,
    key: &PublicKey,
) -> Result<(), SignError> {
    let sig: Signature = signature.parse().map_err(|_| SignError::BadSignature {
        public_key: key.to_string(),
    })?;
    key.verify_in_context(context, payload, &sig)
}
