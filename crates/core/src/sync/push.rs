//! Pushing the audit chain: every link after the last one the center holds, in batches of at
//! most 500, each outbox link with its operation. The center's answer for each op is stored
//! (rejections are shown to the user) and the pushed mark moves in the same transaction.

use std::collections::BTreeSet;

use fieldcase_protocol::sync::{MAX_BATCH, PROTOCOL_VERSION, PushOp, PushRequest, codes};
use rusqlite::params;

use super::SyncFailure;
use super::client::{Client, SyncError};
use super::state::{self, PUSHED};
use crate::error::Result;
use crate::store::Store;
use crate::store::chain::Link;

/// Counts of one push run.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PushCounts {
    pub sent: usize,
    pub applied: usize,
    pub already: usize,
    pub rejected: usize,
}

/// Payload bytes per push (the center's body limit is 8 MiB).
const MAX_BATCH_BYTES: usize = 4 << 20;

/// SHA-256 values in an op's payload that name files this device holds.
fn blobs_of(store: &Store, payload: &str) -> Result<Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(payload)?;
    let mut found = BTreeSet::new();
    collect_hashes(&value, &mut found);
    let mut out = Vec::new();
    for h in found {
        let known: bool = store.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?1)",
            [&h],
            |r| r.get(0),
        )?;
        if known {
            out.push(h);
        }
    }
    Ok(out)
}

fn collect_hashes(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::String(s) if fieldcase_protocol::sync::valid_blob_name(s) => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_hashes(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_hashes(x, out)),
        _ => {}
    }
}

/// The next batch after `after`.
fn batch(store: &Store, after: i64) -> Result<Vec<PushOp>> {
    let mut stmt = store.conn().prepare(
        "SELECT o.seq, o.op_id, o.case_id, o.kind, o.hlc, o.payload, o.prev_hash, o.hash,
                o.signature, x.seen, x.op_seq IS NOT NULL
           FROM ops o LEFT JOIN outbox x ON x.op_seq = o.seq
          WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, MAX_BATCH as i64], |r| {
        Ok((
            Link {
                seq: r.get(0)?,
                op_id: r.get(1)?,
                case_id: r.get(2)?,
                kind: r.get(3)?,
                hlc: r.get(4)?,
                payload: r.get(5)?,
                prev_hash: r.get(6)?,
                hash: r.get(7)?,
                signature: r.get(8)?,
            },
            r.get::<_, Option<i64>>(9)?.unwrap_or(0),
            r.get::<_, bool>(10)?,
        ))
    })?;
    let mut ops = Vec::new();
    let mut bytes = 0usize;
    for row in rows {
        let (link, seen, outbox) = row?;
        // The center refuses push bodies over 8 MiB: stop a batch at half that (at least one op;
        // a single op is far smaller, blobs travel apart).
        if !ops.is_empty() && bytes + link.payload.len() > MAX_BATCH_BYTES {
            break;
        }
        bytes += link.payload.len() + 600;
        let (payload, blobs) = if outbox {
            let blobs = blobs_of(store, &link.payload)?;
            (Some(link.payload.clone()), blobs)
        } else {
            // Local-only links (a reference import, pulled changes) keep their payload here.
            (None, vec![])
        };
        ops.push(PushOp {
            link: link.to_chain_link(),
            payload,
            seen,
            blobs,
        });
    }
    Ok(ops)
}

/// Pushes until the center holds every link.
pub(crate) fn push_all(
    store: &mut Store,
    client: &Client,
    answered_at: &str,
) -> std::result::Result<PushCounts, SyncFailure> {
    let mut counts = PushCounts::default();
    let mut gap_retries = 0;
    loop {
        let after = state::get_i64(store.conn(), PUSHED)?;
        let ops = batch(store, after)?;
        if ops.is_empty() {
            return Ok(counts);
        }
        let req = PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: store.device.id.clone(),
            ops,
        };
        let resp = match client.push(&req) {
            Ok(r) => r,
            Err(e) if e.code() == Some(codes::SEQ_GAP) && gap_retries < 3 => {
                // The center holds fewer (or more) links than we thought: start where it says.
                gap_retries += 1;
                let expected = match &e {
                    SyncError::Refused { body, .. } => body.expected_seq.unwrap_or(1),
                    _ => 1,
                };
                store.transaction(|tx, _| {
                    state::set(tx, PUSHED, &(expected - 1).max(0).to_string())
                })?;
                continue;
            }
            Err(e) => return Err(SyncFailure::Sync(e)),
        };
        counts.sent += req.ops.len();
        store.transaction(|tx, _| {
            for r in &resp.results {
                use fieldcase_protocol::sync::Outcome::*;
                match r.outcome {
                    Applied => counts.applied += 1,
                    AlreadyApplied => counts.already += 1,
                    Rejected => counts.rejected += 1,
                }
                tx.execute(
                    "INSERT OR REPLACE INTO sync_results (seq, op_id, outcome, reason, conflicts, answered_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        r.seq,
                        r.op_id,
                        serde_json::to_value(r.outcome)?.as_str().unwrap_or("applied"),
                        r.reason.as_ref().map(serde_json::to_string).transpose()?,
                        serde_json::to_string(&r.conflicts)?,
                        answered_at
                    ],
                )?;
                if r.outcome != Rejected {
                    tx.execute(
                        "UPDATE outbox SET state = 'acked' WHERE op_seq = ?1",
                        [r.seq],
                    )?;
                } else {
                    tx.execute(
                        "UPDATE outbox SET state = 'rejected', last_error = ?2 WHERE op_seq = ?1",
                        params![r.seq, r.reason.as_ref().map(|b| b.to_string())],
                    )?;
                }
            }
            state::set(tx, PUSHED, &resp.last_seq.to_string())
        })?;
        if resp.last_seq <= after {
            return Err(SyncFailure::Sync(SyncError::Protocol(format!(
                "the center did not move past link {after}"
            ))));
        }
    }
}
