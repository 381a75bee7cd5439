//! The center's own check of a case's transcripts and on-screen signatures, from the pushed
//! operations alone (the server never links the app): each transcript version's content must hash
//! to its content hash, and each signature's device signature must verify over the signed
//! statement (protocol::statement, the bytes the device signed). A valid signature bound to an
//! earlier version is reported as valid for that version only.

use std::collections::BTreeMap;

use fieldcase_protocol::statement::{SignedStatement, statement_bytes};
use fieldcase_protocol::{PublicKey, Signature, canonical_hash};
use serde_json::{Value, json};

/// One transcript version as pushed: (transcript id, version) → content hash, content intact.
type Versions = BTreeMap<(String, u64), (String, bool)>;

fn s<'v>(v: &'v Value, ptr: &str) -> &'v str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

/// Transcript versions and signature checks of one case. `ops` are (kind, payload) in chain
/// order; `key` is the pushing device's enrolled key.
pub fn check(case_id: &str, ops: &[(String, Value)], key: Option<&PublicKey>) -> Value {
    let mut versions: Versions = BTreeMap::new();
    let mut latest: BTreeMap<String, u64> = BTreeMap::new();
    for (kind, p) in ops {
        // A draft and each amendment (v+1) arrive as `transcript_drafted`.
        if kind == "transcript_drafted" {
            let tid = s(p, "/body/transcript_id").to_string();
            let v = p.pointer("/body/version").cloned().unwrap_or(Value::Null);
            let n = v.get("version").and_then(Value::as_u64).unwrap_or(0);
            let hash = s(&v, "/content_hash").to_string();
            let intact = v
                .get("content")
                .and_then(|c| canonical_hash(c).ok())
                .is_some_and(|h| h.to_string() == hash);
            latest.insert(tid.clone(), n.max(latest.get(&tid).copied().unwrap_or(0)));
            versions.insert((tid, n), (hash, intact));
        }
    }
    let mut sigs = Vec::new();
    for (kind, p) in ops {
        if kind != "signed" {
            continue;
        }
        let tid = s(p, "/body/transcript_id");
        let signed_version = p
            .pointer("/body/version")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let sig = p.pointer("/body/signature").cloned().unwrap_or(Value::Null);
        let statement = SignedStatement {
            case_id,
            transcript_id: tid,
            version: signed_version as u32,
            content_hash: s(&sig, "/content_hash"),
            role: s(&sig, "/role"),
            signer_id: s(&sig, "/signer_id"),
            name: s(&sig, "/name"),
            at: s(&sig, "/at"),
            strokes_sha256: s(&sig, "/strokes_sha256"),
        };
        let verifies = match (key, s(&sig, "/device_signature").parse::<Signature>()) {
            (Some(k), Ok(ds)) => {
                statement_bytes(&statement).is_ok_and(|m| k.verify(&m, &ds).is_ok())
            }
            _ => false,
        };
        let bound = versions
            .iter()
            .find(|((t, _), (h, _))| t == tid && h == statement.content_hash)
            .map(|((_, n), _)| *n);
        let status = match (verifies, bound) {
            (false, _) => {
                json!({"status": "invalid", "reason": "device signature does not verify over the signed statement"})
            }
            (true, None) => {
                json!({"status": "invalid", "reason": "the signed content hash matches no version of this transcript"})
            }
            (true, Some(n)) if Some(&n) == latest.get(tid) => json!({"status": "valid"}),
            (true, Some(n)) => json!({"status": "valid_for_other_version", "version": n}),
        };
        // Whether an officer's PIN was re-entered for it (issue 7): in the signed op, so the
        // chain the center verified vouches for it; absent on older and party signatures.
        let pin = |k: &str| sig.get(k).cloned().unwrap_or(Value::Null);
        sigs.push(json!({
            "transcript_id": tid, "signed_version": signed_version, "role": statement.role,
            "name": statement.name, "at": statement.at, "check": status,
            "pin_confirmed_at": pin("pin_confirmed_at"), "pin_confirmed_by": pin("pin_confirmed_by"),
        }));
    }
    let transcripts: Vec<Value> = versions
        .iter()
        .map(|((t, n), (h, intact))| json!({"transcript_id": t, "version": n, "content_hash": h, "content_intact": intact}))
        .collect();
    json!({"transcripts": transcripts, "signatures": sigs})
}
