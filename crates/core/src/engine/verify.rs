//! Full verification of a device store: the audit chain link by link, then every case re-folded
//! from its operations and compared with its stored snapshot, then every signature and blob.

use fieldcase_protocol::{Sha256, Signature};
use serde::Serialize;

use super::op::{self, OpEnvelope};
use super::records::statement_bytes;
use crate::error::Result;
use crate::model::case::Case;
use crate::store::{ChainReport, Store, chain};

/// What verification found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VerifyReport {
    pub chain: ChainReport,
    pub cases: usize,
    /// Problems beyond the chain: snapshot drift, bad signatures, missing blobs.
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.chain.first_break.is_none() && self.problems.is_empty()
    }
}

/// Verifies everything.
pub fn verify(store: &Store) -> Result<VerifyReport> {
    let chain = store.verify_chain()?;
    let mut problems = Vec::new();
    let ids: Vec<String> = {
        let mut stmt = store.conn().prepare("SELECT id FROM cases ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let pk = store.public_key();
    for id in &ids {
        let mut folded: Option<Case> = None;
        for chain::Link { seq, payload, .. } in chain::links_of_case(store.conn(), id)? {
            let env: OpEnvelope = match serde_json::from_str(&payload) {
                Ok(e) => e,
                Err(e) => {
                    problems.push(format!("case {id}: op {seq} does not parse: {e}"));
                    break;
                }
            };
            match op::apply(folded.take(), &env) {
                Ok(c) => folded = Some(c),
                Err(e) => {
                    problems.push(format!("case {id}: op {seq} does not apply: {e}"));
                    break;
                }
            }
        }
        let stored = store.case(id)?;
        if folded != stored {
            problems.push(format!(
                "case {id}: stored snapshot differs from the fold of its operations"
            ));
        }
        let Some(case) = stored else { continue };
        for t in &case.transcripts {
            for v in &t.versions {
                match fieldcase_protocol::canonical_hash(&v.content) {
                    Ok(h) if h.to_string() == v.content_hash => {}
                    _ => problems.push(format!(
                        "case {id}: transcript {} v{} content does not match its hash",
                        t.id, v.version
                    )),
                }
                for s in &v.signatures {
                    let ok = s.content_hash == v.content_hash
                        && s.device_signature
                            .parse::<Signature>()
                            .ok()
                            .is_some_and(|sig| {
                                statement_bytes(&case.id, &t.id, v.version, s)
                                    .is_ok_and(|m| pk.verify(&m, &sig).is_ok())
                            });
                    if !ok {
                        problems.push(format!(
                            "case {id}: signature of {} on transcript {} v{} does not verify",
                            s.name, t.id, v.version
                        ));
                    }
                }
            }
        }
        for e in &case.evidence {
            match e.sha256.parse::<Sha256>() {
                Ok(h) if store.blobs.get(&h).is_ok() => {}
                _ => problems.push(format!(
                    "case {id}: evidence {} blob {} is missing or altered",
                    e.id, e.sha256
                )),
            }
        }
    }
    Ok(VerifyReport {
        chain,
        cases: ids.len(),
        problems,
    })
}
