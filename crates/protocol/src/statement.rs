//! What an on-screen signature's device signature covers (签名声明): the case, the transcript,
//! the exact version and its content hash, the signer's role, id and name, the time, and the
//! SHA-256 of the stroke data. The device signs [`statement_bytes`] with its Ed25519 key in the
//! context [`CONTEXT_SIGNATURE`](crate::CONTEXT_SIGNATURE); the archive verifier and the center
//! check the same bytes, so they are built here, once.

use serde::Serialize;

use crate::canonical::{CanonicalError, to_canonical_json};
use crate::sign::{CONTEXT_SIGNATURE, signing_message};

/// The signed statement. `role` is the role's wire name (`officer`, `party`, `witness`) and `at`
/// the signature time exactly as it is written in the operation (RFC 3339).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SignedStatement<'a> {
    pub case_id: &'a str,
    pub transcript_id: &'a str,
    pub version: u32,
    pub content_hash: &'a str,
    pub role: &'a str,
    pub signer_id: &'a str,
    pub name: &'a str,
    pub at: &'a str,
    pub strokes_sha256: &'a str,
}

/// The bytes the device signs for a signature.
pub fn statement_bytes(st: &SignedStatement<'_>) -> Result<Vec<u8>, CanonicalError> {
    Ok(signing_message(CONTEXT_SIGNATURE, &to_canonical_json(st)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sha256;

    /// Changing a field's name, order or spelling changes every signature ever made: this vector
    /// pins the bytes.
    #[test]
    fn statement_bytes_are_pinned() {
        let st = SignedStatement {
            case_id: "0190a5e2-0000-7000-8000-000000000001",
            transcript_id: "0190a5e2-0000-7000-8000-000000000002",
            version: 2,
            content_hash: "ab",
            role: "party",
            signer_id: "P-1",
            name: "陈建国",
            at: "2026-11-23T10:05:00+08:00",
            strokes_sha256: "cd",
        };
        let bytes = statement_bytes(&st).expect("bytes");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.ends_with(
            r#"{"at":"2026-11-23T10:05:00+08:00","case_id":"0190a5e2-0000-7000-8000-000000000001","content_hash":"ab","name":"陈建国","role":"party","signer_id":"P-1","strokes_sha256":"cd","transcript_id":"0190a5e2-0000-7000-8000-000000000002","version":2}"#
        ), "{text}");
        assert_eq!(Sha256::of(&bytes).to_string().len(), 64);
    }
}
