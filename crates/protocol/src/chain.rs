//! A device's audit chain, as both the device and the center check it.
//!
//! Each link's hash covers a header: its sequence number, op id, case, kind, HLC, the SHA-256 of
//! its canonical payload, the previous link's hash and the device id. The device signs the header
//! hash (context [`CONTEXT_AUDIT`]). Because the header holds the payload's hash and not the
//! payload, the center can verify links whose payload stays on the device (local-only links such
//! as a reference import) from the hash alone.

use serde::{Deserialize, Serialize};

use crate::canonical::{CanonicalError, write_str};
use crate::hash::Sha256;
use crate::sign::{CONTEXT_AUDIT, PublicKey, Signature, signing_message};

/// The hash that comes before the first link.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// The hash of a link's header on `device`: the SHA-256 of the canonical JSON of its fields and
/// the device, under the keys `header_json` names.
///
/// The bytes are written here directly, members in the canonical key order, and not through
/// the general encoder, which builds a tree of the value first: the center hashes every pushed
/// link, and in the sync bench the general encoder was a tenth of the CPU of a push's checks,
/// signatures included.
/// `the_header_is_its_canonical_json` holds the two to the same bytes.
pub fn header_hash(h: &LinkHeader<'_>, device: &str) -> Result<Sha256, CanonicalError> {
    Ok(Sha256::of(&header_json(h, device)))
}

/// The canonical JSON of a link's header (keys in bytewise order: `case_id`, `device`, `hlc`, `kind`,
/// `op_id`, `payload_sha256`, `prev`, `seq`).
fn header_json(h: &LinkHeader<'_>, device: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        160 + h.op_id.len()
            + h.case_id.map_or(0, str::len)
            + h.kind.len()
            + h.hlc.len()
            + h.payload_sha256.len()
            + h.prev_hash.len()
            + device.len(),
    );
    out.extend_from_slice(b"{\"case_id\":");
    match h.case_id {
        Some(c) => write_str(c, &mut out),
        None => out.extend_from_slice(b"null"),
    }
    for (key, value) in [
        (&b",\"device\":"[..], device),
        (b",\"hlc\":", h.hlc),
        (b",\"kind\":", h.kind),
        (b",\"op_id\":", h.op_id),
        (b",\"payload_sha256\":", h.payload_sha256),
        (b",\"prev\":", h.prev_hash),
    ] {
        out.extend_from_slice(key);
        write_str(value, &mut out);
    }
    out.extend_from_slice(b",\"seq\":");
    out.extend_from_slice(h.seq.to_string().as_bytes());
    out.push(b'}');
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::to_canonical_json;

    /// What a link's hash covers, as the general encoder would write it: `header_json` is held
    /// to its bytes.
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

    /// `header_json` writes what the general encoder writes for `Header`, for headers with
    /// and without a case, negative and large seqs, and strings that need escapes or are not
    /// ASCII.
    #[test]
    fn the_header_is_its_canonical_json() {
        let texts = [
            "",
            "plain",
            "0194f3a2-7c1d-7a00-8000-000000000001",
            "quote \" and \\ backslash",
            "controls \u{0} \u{8} \u{c} \n \r \t \u{1f} \u{7f}",
            "张三 / é \u{2028}",
        ];
        for (i, t) in texts.iter().enumerate() {
            for case_id in [None, Some(*t)] {
                for seq in [1, 0, -7, i64::MAX, i64::MIN, 42 + i as i64] {
                    let h = LinkHeader {
                        seq,
                        op_id: t,
                        case_id,
                        kind: texts[(i + 1) % texts.len()],
                        hlc: texts[(i + 2) % texts.len()],
                        payload_sha256: texts[(i + 3) % texts.len()],
                        prev_hash: texts[(i + 4) % texts.len()],
                    };
                    let device = texts[(i + 5) % texts.len()];
                    let general = to_canonical_json(&Header {
                        seq: h.seq,
                        op_id: h.op_id,
                        case_id: h.case_id,
                        kind: h.kind,
                        hlc: h.hlc,
                        payload_sha256: h.payload_sha256,
                        prev: h.prev_hash,
                        device,
                    })
                    .expect("encode");
                    assert_eq!(
                        String::from_utf8_lossy(&header_json(&h, device)),
                        String::from_utf8_lossy(&general),
                        "header {h:?} on {device:?}"
                    );
                }
            }
        }
    }

    /// A known link's hash, as stored chains hold it: the direct writer must never move it.
    #[test]
    fn a_known_header_keeps_its_hash() {
        let h = LinkHeader {
            seq: 3,
            op_id: "0194f3a2-7c1d-7a00-8000-000000000003",
            case_id: Some("C-1"),
            kind: "note_added",
            hlc: "001790000000003-0000000000-D-1",
            payload_sha256: "ab",
            prev_hash: GENESIS,
        };
        let json = String::from_utf8(header_json(&h, "D-1")).expect("utf8");
        assert_eq!(
            json,
            r#"{"case_id":"C-1","device":"D-1","hlc":"001790000000003-0000000000-D-1","kind":"note_added","op_id":"0194f3a2-7c1d-7a00-8000-000000000003","payload_sha256":"ab","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":3}"#
        );
        assert_eq!(
            header_hash(&h, "D-1").expect("hash").to_string(),
            Sha256::of(json.as_bytes()).to_string()
        );
    }
}
