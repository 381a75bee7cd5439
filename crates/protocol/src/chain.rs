//! A device's audit chain, as both the device and the center check it.
//!
//! Each link's hash covers a header: its sequence number, op id, case, kind, HLC, the SHA-256 of
//! its canonical payload, the previous link's hash and the device id. The device signs the header
//! hash (context [`CONTEXT_AUDIT`]). Because the header holds the payload's hash and not the
//! payload, the center can verify links whose payload stays on the device (local-only links such
//! as a reference import) from the hash alone.

use serde::{Deserialize, Serialize};

use crate::canonical::{CanonicalError, canonical_hash};
use crate::hash::Sha256;
use crate::sign::{CONTEXT_AUDIT, PublicKey, Signature, signing_message};

/// The hash that comes before the first link.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a link's hash covers.
#[derive(Serialize)]
struct Header<'a> {
    seq: i64,
    op_id: &'a str,
    case_id: Option<&'a str>,
    kind: &'a str,
    hlc: &'a str,
    payload_sha256: &'a str,
    prev: &'a str,
    device: &'a str,
}

/// The fields of a link its hash is computed over.
#[derive(Debug, Clone, Copy)]
pub struct LinkHeader<'a> {
    pub seq: i64,
    pub op_id: &'a str,
    pub case_id: Option<&'a str>,
    pub kind: &'a str,
    pub hlc: &'a str,
    /// SHA-256 (lowercase hex) of the link's canonical payload bytes.
    pub payload_sha256: &'a str,
    pub prev_hash: &'a str,
}

/// The hash of a link's header on `device`.
pub fn header_hash(h: &LinkHeader<'_>, device: &str) -> Result<Sha256, CanonicalError> {
    canonical_hash(&Header {
        seq: h.seq,
        op_id: h.op_id,
        case_id: h.case_id,
        kind: h.kind,
        hlc: h.hlc,
        payload_sha256: h.payload_sha256,
        prev: h.prev_hash,
        device,
    })
}

/// Why a link does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("link {seq}: expected link {expected} here")]
    Sequence { seq: i64, expected: i64 },
    #[error("link {seq}: previous-hash does not match the link before it")]
    Prev { seq: i64 },
    #[error("link {seq}: content does not match its hash")]
    Hash { seq: i64 },
    #[error("link {seq}: signature is malformed")]
    SignatureMalformed { seq: i64 },
    #[error("link {seq}: device signature does not verify")]
    Signature { seq: i64 },
    #[error("link {seq}: header cannot be encoded: {reason}")]
    Encoding { seq: i64, reason: String },
}

/// Checks one link: it follows `(expected_seq, expected_prev)`, its stored `hash` is the hash of
/// its header, and `signature` is the device's signature of that hash.
pub fn verify_link(
    h: &LinkHeader<'_>,
    hash: &str,
    signature: &str,
    device: &str,
    key: &PublicKey,
    expected: (i64, &str),
) -> Result<(), LinkError> {
    let (message, sig) = check_link_unsigned(h, hash, signature, device, expected)?;
    key.verify(&message, &sig)
        .map_err(|_| LinkError::Signature { seq: h.seq })
}

/// Everything [`verify_link`] checks but the signature itself: answers the message the device
/// signed and the parsed signature, for a caller that verifies many signatures at once (the
/// center checks a pushed batch's signatures together).
pub fn check_link_unsigned(
    h: &LinkHeader<'_>,
    hash: &str,
    signature: &str,
    device: &str,
    (expected_seq, expected_prev): (i64, &str),
) -> Result<(Vec<u8>, Signature), LinkError> {
    let seq = h.seq;
    if seq != expected_seq {
        return Err(LinkError::Sequence {
            seq,
            expected: expected_seq,
        });
    }
    if h.prev_hash != expected_prev {
        return Err(LinkError::Prev { seq });
    }
    let recomputed = header_hash(h, device).map_err(|e| LinkError::Encoding {
        seq,
        reason: e.to_string(),
    })?;
    if recomputed.to_string() != hash {
        return Err(LinkError::Hash { seq });
    }
    let sig: Signature = signature
        .parse()
        .map_err(|_| LinkError::SignatureMalformed { seq })?;
    Ok((signing_message(CONTEXT_AUDIT, recomputed.as_bytes()), sig))
}

/// One link as stored on the device and as pushed to the center (payload absent when it stays
/// on the device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainLink {
    pub seq: i64,
    pub op_id: String,
    pub case_id: Option<String>,
    pub kind: String,
    pub hlc: String,
    pub payload_sha256: String,
    pub prev_hash: String,
    pub hash: String,
    pub signature: String,
}

impl ChainLink {
    /// The header this link's hash covers.
    pub fn header(&self) -> LinkHeader<'_> {
        LinkHeader {
            seq: self.seq,
            op_id: &self.op_id,
            case_id: self.case_id.as_deref(),
            kind: &self.kind,
            hlc: &self.hlc,
            payload_sha256: &self.payload_sha256,
            prev_hash: &self.prev_hash,
        }
    }

    /// [`check_link_unsigned`] on this link.
    pub fn check_unsigned(
        &self,
        device: &str,
        expected: (i64, &str),
    ) -> Result<(Vec<u8>, Signature), LinkError> {
        check_link_unsigned(
            &self.header(),
            &self.hash,
            &self.signature,
            device,
            expected,
        )
    }

    /// [`verify_link`] on this link.
    pub fn verify(
        &self,
        device: &str,
        key: &PublicKey,
        expected: (i64, &str),
    ) -> Result<(), LinkError> {
        verify_link(
            &self.header(),
            &self.hash,
            &self.signature,
            device,
            key,
            expected,
        )
    }
}
