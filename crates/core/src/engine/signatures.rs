//! Checking signatures against transcript versions: each is valid for this version, valid only for
//! another (earlier) version, or invalid. A correction makes a new version, so an officer's
//! signature on v1 is reported as "valid for v1" when someone looks at v2 — never as valid for v2.

use fieldcase_protocol::{PublicKey, Signature};
use serde::Serialize;

use super::records::statement_bytes;
use crate::model::case::{Case, SignatureRecord, Transcript};

/// The verdict on one signature.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureStatus {
    /// Bound to the version asked about, and the device signature verifies.
    Valid,
    /// The device signature verifies, but it binds another version's content.
    ValidForOtherVersion { version: u32 },
    /// The device signature does not verify, or its content hash matches no version.
    Invalid { reason: String },
}

/// One signature checked against a version.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SignatureCheck {
    pub transcript_id: String,
    /// The version the signature was given on.
    pub signed_version: u32,
    pub role: String,
    pub name: String,
    pub at: String,
    #[serde(flatten)]
    pub status: SignatureStatus,
}

/// Checks one signature record, given on `signed_version`, against `asked_version`.
pub fn check(
    case_id: &str,
    t: &Transcript,
    signed_version: u32,
    s: &SignatureRecord,
    asked_version: u32,
    pk: &PublicKey,
) -> SignatureStatus {
    let Ok(sig) = s.device_signature.parse::<Signature>() else {
        return SignatureStatus::Invalid {
            reason: "device signature is malformed".into(),
        };
    };
    let verifies = statement_bytes(case_id, &t.id, signed_version, s)
        .is_ok_and(|m| pk.verify(&m, &sig).is_ok());
    if !verifies {
        return SignatureStatus::Invalid {
            reason: "device signature does not verify (signature or statement altered)".into(),
        };
    }
    let Some(bound) = t.versions.iter().find(|v| v.content_hash == s.content_hash) else {
        return SignatureStatus::Invalid {
            reason: "the signed content hash matches no version of this transcript".into(),
        };
    };
    if bound.version == asked_version {
        SignatureStatus::Valid
    } else {
        SignatureStatus::ValidForOtherVersion {
            version: bound.version,
        }
    }
}

/// Every signature of every version of a transcript, judged against `asked_version`.
pub fn report_for(
    case: &Case,
    t: &Transcript,
    asked_version: u32,
    pk: &PublicKey,
) -> Vec<SignatureCheck> {
    let mut out = Vec::new();
    for v in &t.versions {
        for s in &v.signatures {
            out.push(SignatureCheck {
                transcript_id: t.id.clone(),
                signed_version: v.version,
                role: format!("{:?}", s.role).to_lowercase(),
                name: s.name.clone(),
                at: s.at.to_rfc3339(),
                status: check(&case.id, t, v.version, s, asked_version, pk),
            });
        }
    }
    out
}

/// Every transcript's signatures judged against its latest version.
pub fn report(case: &Case, pk: &PublicKey) -> Vec<SignatureCheck> {
    case.transcripts
        .iter()
        .flat_map(|t| report_for(case, t, t.versions.last().map_or(0, |v| v.version), pk))
        .collect()
}
