//! Pushed audit-chain links, each with its payload and the result the server gave it.

use fieldcase_protocol::chain::ChainLink;
use fieldcase_protocol::sync::{OpResult, PushOp};
use rusqlite::{Connection, OptionalExtension, params};

/// What a replay is compared against.
#[derive(Debug, Clone)]
pub struct Stored {
    pub op_id: String,
    pub hash: String,
    pub result: OpResult,
}

pub fn stored(conn: &Connection, device_id: &str, seq: i64) -> rusqlite::Result<Option<Stored>> {
    conn.query_row(
        "SELECT op_id, hash, result FROM links WHERE device_id = ?1 AND seq = ?2",
        params![device_id, seq],
        |r| {
            let result: String = r.get(2)?;
            Ok(Stored {
                op_id: r.get(0)?,
                hash: r.get(1)?,
                result: serde_json::from_str(&result).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
            })
        },
    )
    .optional()
}

pub fn op_id_taken(conn: &Connection, op_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM links WHERE op_id = ?1)",
        [op_id],
        |r| r.get(0),
    )
}

pub fn insert(
    conn: &Connection,
    device_id: &str,
    op: &PushOp,
    result: &OpResult,
    now_ms: u64,
) -> rusqlite::Result<()> {
    let (link, payload, seen, blobs) = (&op.link, op.payload.as_deref(), op.seen, &op.blobs);
    conn.execute(
        "INSERT INTO links(device_id, seq, op_id, case_id, kind, hlc, payload_sha256, prev_hash,
            hash, signature, payload, seen, result, received_at_ms)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
        params![
            device_id,
            link.seq,
            link.op_id,
            link.case_id,
            link.kind,
            link.hlc,
            link.payload_sha256,
            link.prev_hash,
            link.hash,
            link.signature,
            payload,
            seen,
            serde_json::to_string(result).unwrap_or_default(),
            now_ms as i64
        ],
    )?;
    for b in blobs {
        conn.execute(
            "INSERT OR IGNORE INTO link_blobs(device_id, seq, sha256) VALUES (?1, ?2, ?3)",
            params![device_id, link.seq, b],
        )?;
    }
    Ok(())
}

/// A stored link with what the case page shows.
#[derive(Debug, Clone)]
pub struct CaseOp {
    pub device_id: String,
    pub link: ChainLink,
    pub payload: Option<String>,
    pub result: Option<OpResult>,
    /// The hash of the device's link before this one (GENESIS before seq 1).
    pub prev_stored_hash: Option<String>,
}

pub fn case_ops(conn: &Connection, case_id: &str) -> rusqlite::Result<Vec<CaseOp>> {
    let mut st = conn.prepare(
        "SELECT l.device_id, l.seq, l.op_id, l.case_id, l.kind, l.hlc, l.payload_sha256,
                l.prev_hash, l.hash, l.signature, l.payload, l.result, p.hash
         FROM links l LEFT JOIN links p ON p.device_id = l.device_id AND p.seq = l.seq - 1
         WHERE l.case_id = ?1 ORDER BY l.device_id, l.seq",
    )?;
    let rows = st.query_map([case_id], |r| {
        Ok(CaseOp {
            device_id: r.get(0)?,
            link: ChainLink {
                seq: r.get(1)?,
                op_id: r.get(2)?,
                case_id: r.get(3)?,
                kind: r.get(4)?,
                hlc: r.get(5)?,
                payload_sha256: r.get(6)?,
                prev_hash: r.get(7)?,
                hash: r.get(8)?,
                signature: r.get(9)?,
            },
            payload: r.get(10)?,
            result: serde_json::from_str(&r.get::<_, String>(11)?).ok(),
            prev_stored_hash: r.get(12)?,
        })
    })?;
    rows.collect()
}
