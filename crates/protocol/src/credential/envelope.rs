//! The compact signed form shared by credential tokens and revocation lists:
//!
//! ```text
//! PREFIX "." KID "." base64url(payload) "." base64url(signature)
//! ```
//!
//! `payload` is canonical JSON, so a token has exactly one spelling and the party's phone, the
//! app and the center all read the same claims. The signature is Ed25519 over
//! [`signing_message`](crate::signing_message)`(context, "PREFIX.KID.payload")` — the way JWS
//! signs its header and payload together — so the prefix and the key id cannot be swapped under
//! a valid signature. The text is URL-safe ASCII: it fits a QR code in byte mode and a URL.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::CredentialError;
use super::keyring::Kid;
use crate::{KeyPair, PublicKey, Signature, to_canonical_json};

/// One envelope, split but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Envelope<'a> {
    pub kid: Kid,
    /// `PREFIX.KID.payload`: the signed part.
    pub signed: &'a str,
    pub payload: Vec<u8>,
    pub signature: Signature,
}

/// Seals `value` as `prefix.kid.payload.sig`.
pub(crate) fn seal<T: Serialize>(
    prefix: &str,
    context: &str,
    key: &KeyPair,
    value: &T,
) -> Result<String, CredentialError> {
    let kid = Kid::of(&key.public_key());
    let payload = to_canonical_json(value).map_err(|e| CredentialError::Malformed {
        reason: format!("payload cannot be encoded: {e}"),
    })?;
    let signed = format!("{prefix}.{kid}.{}", URL_SAFE_NO_PAD.encode(&payload));
    let sig = key
        .sign_in_context(context, signed.as_bytes())
        .map_err(|e| CredentialError::Malformed {
            reason: e.to_string(),
        })?;
    Ok(format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(sig.as_bytes())
    ))
}

/// Splits `text` (surrounding whitespace ignored: a scanner may add a newline) into its parts,
/// checking the prefix and the shapes, not the signature.
pub(crate) fn open<'a>(prefix: &str, text: &'a str) -> Result<Envelope<'a>, CredentialError> {
    let text = text.trim();
    let malformed = |reason: String| CredentialError::Malformed { reason };
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return Err(malformed(format!(
            "expected 4 parts separated by '.', found {}",
            parts.len()
        )));
    }
    if parts[0] != prefix {
        return Err(malformed(format!(
            "expected a {prefix} token, found prefix {:?}",
            truncate(parts[0])
        )));
    }
    let kid: Kid = parts[1].parse()?;
    let payload = URL_SAFE_NO_PAD
        .decode(parts[2])
        .map_err(|e| malformed(format!("payload is not base64url: {e}")))?;
    let sig_bytes = URL_SAFE_NO_PAD
        .decode(parts[3])
        .map_err(|e| malformed(format!("signature is not base64url: {e}")))?;
    let sig: [u8; 64] = sig_bytes
        .try_into()
        .map_err(|b: Vec<u8>| malformed(format!("signature has {} bytes, not 64", b.len())))?;
    let signed_len = text.len() - parts[3].len() - 1;
    Ok(Envelope {
        kid,
        signed: &text[..signed_len],
        payload,
        signature: Signature::from_bytes(sig),
    })
}

impl Envelope<'_> {
    /// Checks the signature under `key` in `context`.
    pub fn verify(&self, context: &str, key: &PublicKey) -> Result<(), CredentialError> {
        key.verify_in_context(context, self.signed.as_bytes(), &self.signature)
            .map_err(|_| CredentialError::BadSignature {
                kid: self.kid.clone(),
            })
    }

    /// The payload as `T`, refusing any spelling but the canonical one.
    pub fn claims<T: Serialize + DeserializeOwned>(&self) -> Result<T, CredentialError> {
        let value: T =
            serde_json::from_slice(&self.payload).map_err(|e| CredentialError::Malformed {
                reason: format!("payload: {e}"),
            })?;
        let again = to_canonical_json(&value).map_err(|e| CredentialError::Malformed {
            reason: format!("payload: {e}"),
        })?;
        if again != self.payload {
            return Err(CredentialError::Malformed {
                reason: "payload is not in canonical JSON".into(),
            });
        }
        Ok(value)
    }
}

/// At most 24 characters of untrusted text for an error message.
pub(crate) fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(24).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
