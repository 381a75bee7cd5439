//! Pushed audit-chain links, each with its payload and the result the server gave it.

use fieldcase_protocol::chain::ChainLink;
use fieldcase_protocol::sync::{OpResult, PushOp};

use super::sql::{DbError, DbResult, Sql, args};

/// What a replay is compared against.
#[derive(Debug, Clone)]
pub struct Stored {
    pub op_id: String,
    pub hash: String,
    pub result: OpResult,
}

pub fn stored(conn: &dyn Sql, device_id: &str, seq: i64) -> DbResult<Option<Stored>> {
    conn.query_opt(
        "SELECT op_id, hash, result FROM links WHERE device_id = ?1 AND seq = ?2",
        args![device_id, seq],
    )?
    .map(|r| {
        Ok(Stored {
            op_id: r.str(0)?,
            hash: r.str(1)?,
            result: serde_json::from_str(&r.str(2)?)
                .map_err(|e| DbError::Decode(2, format!("stored result: {e}")))?,
        })
    })
    .transpose()
}

/// Stores a link; answers false, storing nothing, when its op id is already another link's.
/// (The caller holds the device's row and has checked that `seq` continues its chain, so the
/// op id is the only key that can clash. Letting the unique index answer saves a query per op.)
pub fn insert(
    conn: &dyn Sql,
    device_id: &str,
    op: &PushOp,
    result: &OpResult,
    now_ms: u64,
) -> DbResult<bool> {
    let (link, payload, seen, blobs) = (&op.link, op.payload.as_deref(), op.seen, &op.blobs);
    let inserted = conn.exec(
        "INSERT INTO links(device_id, seq, op_id, case_id, kind, hlc, payload_sha256, prev_hash,
            hash, signature, payload, seen, result, received_at_ms)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)
         ON CONFLICT DO NOTHING",
        args![
            device_id,
            link.seq,
            &link.op_id,
            link.case_id.as_deref(),
            &link.kind,
            &link.hlc,
            &link.payload_sha256,
            &link.prev_hash,
            &link.hash,
            &link.signature,
            payload,
            seen,
            serde_json::to_string(result).unwrap_or_default(),
            now_ms
        ],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    for b in blobs {
        conn.exec(
            "INSERT INTO link_blobs(device_id, seq, sha256) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            args![device_id, link.seq, b],
        )?;
    }
    Ok(true)
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

pub fn case_ops(conn: &dyn Sql, case_id: &str) -> DbResult<Vec<CaseOp>> {
    conn.query(
        "SELECT l.device_id, l.seq, l.op_id, l.case_id, l.kind, l.hlc, l.payload_sha256,
                l.prev_hash, l.hash, l.signature, l.payload, l.result, p.hash
         FROM links l LEFT JOIN links p ON p.device_id = l.device_id AND p.seq = l.seq - 1
         WHERE l.case_id = ?1 ORDER BY l.device_id, l.seq",
        args![case_id],
    )?
    .iter()
    .map(|r| {
        Ok(CaseOp {
            device_id: r.str(0)?,
            link: ChainLink {
                seq: r.i64(1)?,
                op_id: r.str(2)?,
                case_id: r.opt_str(3)?,
                kind: r.str(4)?,
                hlc: r.str(5)?,
                payload_sha256: r.str(6)?,
                prev_hash: r.str(7)?,
                hash: r.str(8)?,
                signature: r.str(9)?,
            },
            payload: r.opt_str(10)?,
            result: serde_json::from_str(&r.str(11)?).ok(),
            prev_stored_hash: r.opt_str(12)?,
        })
    })
    .collect()
}
