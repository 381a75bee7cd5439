//! Verifying a bundle offline, naming the first thing that does not match.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use fieldcase_protocol::{
    PublicKey, Sha256, Signature, canonical_hash, signing_message, to_canonical_json,
};
use serde::Serialize;

use super::{FORMAT, Manifest};
use crate::engine::op::{self, OpEnvelope};
use crate::engine::signatures::{self, SignatureStatus};
use crate::model::case::Case;
use crate::store::chain;

/// The first mismatch: which file, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleProblem {
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for BundleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// What a bundle that verified holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleSummary {
    pub case_id: String,
    pub device_id: String,
    pub files: usize,
    pub links: usize,
    pub transcript_versions: usize,
    pub signatures: usize,
    pub evidence: usize,
}

fn fail<T>(file: &str, message: impl Into<String>) -> Result<T, BundleProblem> {
    Err(BundleProblem {
        file: file.to_string(),
        message: message.into(),
    })
}

/// Checks a bundle: manifest signature, every file's hash, the chain slice, the case as the fold
/// of its operations, transcript hashes, signatures and evidence. `expected_key` is the device's
/// public key as the center enrolled it; without it the bundle's own key is trusted.
pub fn verify_bundle(
    bytes: &[u8],
    expected_key: Option<&PublicKey>,
) -> Result<BundleSummary, BundleProblem> {
    let files = read_zip(bytes)?;
    let Some(manifest_bytes) = files.get("manifest.json") else {
        return fail("manifest.json", "missing");
    };
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .or_else(|e| fail("manifest.json", format!("does not parse: {e}")))?;
    if manifest.format != FORMAT {
        return fail(
            "manifest.json",
            format!("format {} is not {FORMAT}", manifest.format),
        );
    }
    let pk: PublicKey = manifest
        .public_key
        .parse()
        .or_else(|_| fail("manifest.json", "public key is malformed"))?;
    if let Some(k) = expected_key
        && *k != pk
    {
        return fail(
            "manifest.json",
            "signed by a different device key than the one expected",
        );
    }
    let sig_text = files
        .get("manifest.sig")
        .map(|b| String::from_utf8_lossy(b).trim().to_string());
    let Some(sig_text) = sig_text else {
        return fail("manifest.sig", "missing");
    };
    let sig: Signature = sig_text
        .parse()
        .or_else(|_| fail("manifest.sig", "malformed"))?;
    if pk
        .verify(&signing_message("archive", manifest_bytes), &sig)
        .is_err()
    {
        return fail(
            "manifest.sig",
            "does not verify: the manifest was changed or signed by another key",
        );
    }
    // Every listed file present with its hash; nothing unlisted.
    for f in &manifest.files {
        let Some(b) = files.get(&f.path) else {
            return fail(&f.path, "listed in the manifest but missing");
        };
        if Sha256::of(b).to_string() != f.sha256 || b.len() as u64 != f.size {
            return fail(
                &f.path,
                "content does not match its SHA-256 in the manifest",
            );
        }
    }
    for name in files.keys() {
        if name != "manifest.json"
            && name != "manifest.sig"
            && !manifest.files.iter().any(|f| &f.path == name)
        {
            return fail(name, "not listed in the manifest");
        }
    }
    let get = |name: &str| {
        files.get(name).ok_or_else(|| BundleProblem {
            file: name.into(),
            message: "missing".into(),
        })
    };

    // The chain slice: each link's hash and device signature, in order.
    let mut links = Vec::new();
    for (n, line) in String::from_utf8_lossy(get("chain.jsonl")?)
        .lines()
        .enumerate()
    {
        let l: chain::Link = serde_json::from_str(line)
            .or_else(|e| fail("chain.jsonl", format!("line {}: {e}", n + 1)))?;
        links.push(l);
    }
    let mut last_seq = 0;
    for l in &links {
        let here = |m: &str| fail::<()>("chain.jsonl", format!("link {}: {m}", l.seq));
        if l.seq <= last_seq {
            here("out of order")?;
        }
        last_seq = l.seq;
        let h = chain::header_hash(l, &manifest.device_id)
            .or_else(|e| fail("chain.jsonl", e.to_string()))?;
        if h.to_string() != l.hash {
            here("content does not match its hash")?;
        }
        let ok = l.signature.parse::<Signature>().is_ok_and(|s| {
            pk.verify(&signing_message("audit", h.as_bytes()), &s)
                .is_ok()
        });
        if !ok {
            here("device signature does not verify")?;
        }
        if l.case_id.as_deref() != Some(manifest.case_id.as_str()) {
            here("belongs to another case")?;
        }
    }
    if links.len() != manifest.chain.links
        || links.last().map(|l| l.hash.as_str()) != Some(manifest.chain.last_hash.as_str())
    {
        return fail(
            "chain.jsonl",
            "does not match the chain summary in the manifest",
        );
    }

    // The case is exactly the fold of its operations.
    let mut folded: Option<Case> = None;
    for l in &links {
        let env: OpEnvelope = serde_json::from_str(&l.payload)
            .or_else(|e| fail("chain.jsonl", format!("link {}: {e}", l.seq)))?;
        folded = Some(
            op::apply(folded.take(), &env)
                .or_else(|e| fail("chain.jsonl", format!("link {}: {e}", l.seq)))?,
        );
    }
    let case: Case = serde_json::from_slice(get("case.json")?)
        .or_else(|e| fail("case.json", format!("does not parse: {e}")))?;
    if folded.as_ref() != Some(&case) {
        return fail(
            "case.json",
            "differs from the fold of the chain's operations",
        );
    }
    if to_canonical_json(&case.samples).ok().as_deref() != Some(get("samples.json")?.as_slice()) {
        return fail("samples.json", "differs from the case's samples");
    }

    // Transcripts and signatures.
    let (mut versions, mut sigs) = (0, 0);
    for t in &case.transcripts {
        for v in &t.versions {
            versions += 1;
            let path = format!("transcripts/{}/v{}.json", t.id, v.version);
            let expected = to_canonical_json(&v.content).or_else(|e| fail(&path, e.to_string()))?;
            if get(&path)? != &expected
                || canonical_hash(&v.content)
                    .map(|h| h.to_string())
                    .ok()
                    .as_deref()
                    != Some(v.content_hash.as_str())
            {
                return fail(&path, "does not match the version's content hash");
            }
            for s in &v.signatures {
                sigs += 1;
                let strokes = format!("signatures/{}.json", s.strokes_sha256);
                if !files.contains_key(&strokes) {
                    return fail(&strokes, "signature strokes missing");
                }
                if signatures::check(&case.id, t, v.version, s, v.version, &pk)
                    != SignatureStatus::Valid
                {
                    return fail(
                        &path,
                        format!("signature of {} does not verify for this version", s.name),
                    );
                }
            }
        }
    }
    for e in &case.evidence {
        let prefix = format!("evidence/{}.", e.sha256);
        if !files.keys().any(|k| k.starts_with(&prefix)) {
            return fail(
                &format!("evidence/{}", e.sha256),
                "evidence original missing",
            );
        }
    }
    Ok(BundleSummary {
        case_id: case.id.clone(),
        device_id: manifest.device_id.clone(),
        files: manifest.files.len(),
        links: links.len(),
        transcript_versions: versions,
        signatures: sigs,
        evidence: case.evidence.len(),
    })
}

fn read_zip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, BundleProblem> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .or_else(|e| fail("(bundle)", format!("not a zip archive: {e}")))?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .or_else(|e| fail("(bundle)", format!("entry {i}: {e}")))?;
        let name = f
            .name()
            .or_else(|e| fail("(bundle)", format!("entry {i}: bad name: {e}")))?
            .to_string();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)
            .or_else(|e| fail(&name, format!("unreadable: {e}")))?;
        if out.insert(name.clone(), buf).is_some() {
            return fail(&name, "appears twice in the bundle");
        }
    }
    Ok(out)
}
