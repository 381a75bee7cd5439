//! Pushed audit-chain links, each with its payload and the result the server gave it.

use fieldcase_protocol::chain::ChainLink;
use fieldcase_protocol::sync::{OpResult, Outcome, PushOp};

use std::collections::HashMap;

use super::sql::{DbError, DbResult, Dialect, Sql, Value, args};

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
        let op_id = r.str(0)?;
        Ok(Stored {
            result: decode_result(&r.str(2)?, seq, &op_id)
                .map_err(|e| DbError::Decode(2, format!("stored result: {e}")))?,
            op_id,
            hash: r.str(1)?,
        })
    })
    .transpose()
}

/// A link's result as stored. Almost every op is plainly applied (no conflict, no reason), and
/// that answer is all in the link itself (its seq and op id), so it is stored as the empty
/// text; any other result as its JSON. On the sync bench, writing the JSON for each of 10,000
/// links was the widest column of the row.
fn encode_result(result: &OpResult) -> String {
    let plain = result.outcome == Outcome::Applied
        && result.conflicts.is_empty()
        && result.reason.is_none();
    if plain {
        String::new()
    } else {
        serde_json::to_string(result).unwrap_or_default()
    }
}

/// The result stored for the link `seq` with `op_id` (see `encode_result`).
pub fn decode_result(text: &str, seq: i64, op_id: &str) -> serde_json::Result<OpResult> {
    if text.is_empty() {
        return Ok(OpResult {
            seq,
            op_id: op_id.to_string(),
            outcome: Outcome::Applied,
            conflicts: Vec::new(),
            reason: None,
        });
    }
    serde_json::from_str(text)
}

/// Columns of a stored link, in the order `insert_all` binds them.
const COLUMNS: &str = "device_id, seq, op_id, case_id, kind, hlc, payload_sha256, prev_hash, \
    hash, signature, payload, seen, result, received_at_ms";
const PER_ROW: usize = 14;

/// Rows per INSERT on SQLite, largest first: a push of any length takes a few statements (50
/// links: 3×16 and 2×1) from four statement shapes, kept prepared. One statement per link was
/// most of a push's time. (PostgreSQL takes them all in one statement, `unnest_sql`.)
const CHUNKS: [usize; 4] = [64, 16, 4, 1];

/// The INSERT of `n` links (`n` one of `CHUNKS`), written once per shape: it runs for every
/// push, and its ?N list is 14 per row.
fn insert_sql(n: usize) -> &'static str {
    static SQL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let all = SQL.get_or_init(|| {
        CHUNKS
            .iter()
            .map(|&n| {
                let rows: Vec<String> = (0..n)
                    .map(|r| {
                        let cols: Vec<String> = (1..=PER_ROW)
                            .map(|c| format!("?{}", r * PER_ROW + c))
                            .collect();
                        format!("({})", cols.join(","))
                    })
                    .collect();
                format!("INSERT INTO links({COLUMNS}) VALUES {}", rows.join(","))
            })
            .collect()
    });
    let i = CHUNKS
        .iter()
        .position(|&c| c == n)
        .expect("n is a chunk size");
    &all[i]
}

/// Stores new links, each with `result`, and the blobs they name. A link whose op id is already
/// another link's fails the statement with a unique violation (the caller holds the device's
/// row and has checked that the seqs continue its chain, so the op id is the only key that can
/// clash; letting the unique index answer saves a query per op). On PostgreSQL nothing is
/// waited for: the insert goes out with the transaction's next statement that is read, and
/// fails there.
pub fn insert_all(
    conn: &dyn Sql,
    device_id: &str,
    ops: &[(&PushOp, &OpResult)],
    now_ms: u64,
) -> DbResult<()> {
    match conn.dialect() {
        Dialect::Sqlite => insert_chunks(conn, device_id, ops, now_ms)?,
        Dialect::Postgres => insert_unnest(conn, device_id, ops, now_ms)?,
    }
    for (op, _) in ops {
        for b in &op.blobs {
            conn.exec_later(
                "INSERT INTO link_blobs(device_id, seq, sha256) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                args![device_id, op.link.seq, b],
            )?;
        }
    }
    Ok(())
}

/// SQLite: multi-row INSERTs of the `CHUNKS` sizes (a statement costs no round trip there).
fn insert_chunks(
    conn: &dyn Sql,
    device_id: &str,
    ops: &[(&PushOp, &OpResult)],
    now_ms: u64,
) -> DbResult<()> {
    let mut rest = ops;
    while !rest.is_empty() {
        // CHUNKS ends with 1, so some size always fits.
        let n = CHUNKS.into_iter().find(|&c| c <= rest.len()).unwrap_or(1);
        let (chunk, tail) = rest.split_at(n);
        let mut params = Vec::with_capacity(n * PER_ROW);
        for (op, result) in chunk {
            let link = &op.link;
            params.extend([
                Value::from(device_id),
                Value::from(link.seq),
                Value::from(&link.op_id),
                link.case_id.as_deref().map_or(Value::Null, Value::from),
                Value::from(&link.kind),
                Value::from(&link.hlc),
                Value::from(&link.payload_sha256),
                Value::from(&link.prev_hash),
                Value::from(&link.hash),
                Value::from(&link.signature),
                op.payload.as_deref().map_or(Value::Null, Value::from),
                Value::from(op.seen),
                Value::from(encode_result(result)),
                Value::from(now_ms),
            ]);
        }
        conn.exec(insert_sql(n), &params)?;
        rest = tail;
    }
    Ok(())
}

/// PostgreSQL: every link in one statement, each column an array under `unnest`, in the order
/// of `COLUMNS` (the device and the time once, the rest per link). Each statement there costs
/// both processes a message, a flush and a wakeup, and the multi-row INSERTs took five of a
/// 50-link push's statements.
fn unnest_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "INSERT INTO links({COLUMNS})
             SELECT ?1, u.*, ?14 FROM unnest(?2::bigint[], ?3::text[], ?4::text[], ?5::text[],
                 ?6::text[], ?7::text[], ?8::text[], ?9::text[], ?10::text[], ?11::text[],
                 ?12::bigint[], ?13::text[]) AS u"
        )
    })
}

fn insert_unnest(
    conn: &dyn Sql,
    device_id: &str,
    ops: &[(&PushOp, &OpResult)],
    now_ms: u64,
) -> DbResult<()> {
    let texts = |f: &dyn Fn(&PushOp, &OpResult) -> Option<String>| {
        Value::Texts(ops.iter().map(|(op, r)| f(op, r)).collect())
    };
    let params = [
        Value::from(device_id),
        Value::Ints(ops.iter().map(|(op, _)| op.link.seq).collect()),
        texts(&|op, _| Some(op.link.op_id.clone())),
        texts(&|op, _| op.link.case_id.clone()),
        texts(&|op, _| Some(op.link.kind.clone())),
        texts(&|op, _| Some(op.link.hlc.clone())),
        texts(&|op, _| Some(op.link.payload_sha256.clone())),
        texts(&|op, _| Some(op.link.prev_hash.clone())),
        texts(&|op, _| Some(op.link.hash.clone())),
        texts(&|op, _| Some(op.link.signature.clone())),
        texts(&|op, _| op.payload.clone()),
        Value::Ints(ops.iter().map(|(op, _)| op.seen).collect()),
        texts(&|_, r| Some(encode_result(r))),
        Value::from(now_ms),
    ];
    conn.exec_later(unnest_sql(), &params)
}

/// The links holding the op ids `ids` (those held): op id → (device, seq). Asked only after a
/// push failed, to tell whether an op id clash was why.
pub fn holders(conn: &dyn Sql, ids: &[&str]) -> DbResult<HashMap<String, (String, i64)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = match conn.dialect() {
        Dialect::Postgres => conn.query(
            "SELECT op_id, device_id, seq FROM links WHERE op_id = ANY(?1::text[])",
            &[Value::Texts(
                ids.iter().map(|i| Some(i.to_string())).collect(),
            )],
        )?,
        // No arrays there: the ids as one JSON array, which SQLite's json_each reads.
        Dialect::Sqlite => conn.query(
            "SELECT op_id, device_id, seq FROM links
             WHERE op_id IN (SELECT value FROM json_each(?1))",
            &[Value::from(
                serde_json::to_string(ids).map_err(|e| DbError::Other(e.to_string()))?,
            )],
        )?,
    };
    rows.iter()
        .map(|r| Ok((r.str(0)?, (r.str(1)?, r.i64(2)?))))
        .collect()
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
            result: decode_result(&r.str(11)?, r.i64(1)?, &r.str(2)?).ok(),
            prev_stored_hash: r.opt_str(12)?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldcase_protocol::sync::ErrorBody;

    fn result(outcome: Outcome, conflicts: Vec<String>, reason: Option<ErrorBody>) -> OpResult {
        OpResult {
            seq: 7,
            op_id: "op-7".into(),
            outcome,
            conflicts,
            reason,
        }
    }

    #[test]
    fn a_plain_applied_result_is_stored_empty_and_read_back_whole() {
        let plain = result(Outcome::Applied, Vec::new(), None);
        assert_eq!(encode_result(&plain), "");
        assert_eq!(decode_result("", 7, "op-7").unwrap(), plain);
    }

    #[test]
    fn any_other_result_is_stored_as_its_json() {
        for r in [
            result(Outcome::Applied, vec!["c-1".into()], None),
            result(
                Outcome::Rejected,
                Vec::new(),
                Some(ErrorBody::new("bad_op", "坏", "bad")),
            ),
        ] {
            let text = encode_result(&r);
            assert!(text.starts_with('{'), "{text}");
            assert_eq!(decode_result(&text, 7, "op-7").unwrap(), r);
        }
        assert!(decode_result("{not json", 7, "op-7").is_err());
    }
}
