//! The audit chain: every operation the device commits is a link. Each link stores the SHA-256 of
//! its canonical payload inside a header that names the previous link's hash, and the device signs
//! the header hash with its Ed25519 key. Editing, deleting or reordering any row breaks a link that
//! `verify` finds; the server re-verifies the same chain after sync.

use fieldcase_protocol::chain::{self, ChainLink, LinkError};
use fieldcase_protocol::{KeyPair, PublicKey, Sha256, signing_message};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use crate::error::{CoreError, Result};

pub use fieldcase_protocol::chain::GENESIS;

/// One stored link; also the line format of an archive bundle's `chain.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub seq: i64,
    pub op_id: String,
    pub case_id: Option<String>,
    pub kind: String,
    pub hlc: String,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
    pub signature: String,
}

/// The `ops` columns a [`Link`] is read from, in [`Link::from_row`]'s order.
const LINK_COLUMNS: &str = "seq, op_id, case_id, kind, hlc, payload, prev_hash, hash, signature";

impl Link {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Link> {
        Ok(Link {
            seq: r.get(0)?,
            op_id: r.get(1)?,
            case_id: r.get(2)?,
            kind: r.get(3)?,
            hlc: r.get(4)?,
            payload: r.get(5)?,
            prev_hash: r.get(6)?,
            hash: r.get(7)?,
            signature: r.get(8)?,
        })
    }
}

impl Link {
    /// The link as the center receives it: the payload's hash in place of the payload.
    pub fn to_chain_link(&self) -> ChainLink {
        ChainLink {
            seq: self.seq,
            op_id: self.op_id.clone(),
            case_id: self.case_id.clone(),
            kind: self.kind.clone(),
            hlc: self.hlc.clone(),
            payload_sha256: Sha256::of(self.payload.as_bytes()).to_string(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
            signature: self.signature.clone(),
        }
    }
}

/// The hash of a link's header (protocol::chain, the same code the center verifies with).
pub fn header_hash(l: &Link, device: &str) -> Result<Sha256> {
    let c = l.to_chain_link();
    Ok(chain::header_hash(&c.header(), device)?)
}

/// What to append.
#[derive(Debug)]
pub struct NewLink<'a> {
    pub op_id: &'a str,
    pub case_id: Option<&'a str>,
    pub kind: &'a str,
    pub hlc: &'a str,
    /// Canonical JSON of the operation.
    pub payload: &'a str,
    /// Whether the operation goes to the center (outbox).
    pub outbox: bool,
}

/// Appends a link (and its outbox entry) inside the caller's transaction. Returns its seq.
pub fn append(tx: &Transaction<'_>, key: &KeyPair, device: &str, new: &NewLink<'_>) -> Result<i64> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM ops ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let mut link = Link {
        seq,
        op_id: new.op_id.to_string(),
        case_id: new.case_id.map(str::to_string),
        kind: new.kind.to_string(),
        hlc: new.hlc.to_string(),
        payload: new.payload.to_string(),
        prev_hash: prev,
        hash: String::new(),
        signature: String::new(),
    };
    let hash = header_hash(&link, device)?;
    link.hash = hash.to_string();
    link.signature = key
        .sign(&signing_message("audit", hash.as_bytes()))
        .to_string();
    tx.execute(
        "INSERT INTO ops (seq, op_id, case_id, kind, hlc, payload, prev_hash, hash, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            link.seq,
            link.op_id,
            link.case_id,
            link.kind,
            link.hlc,
            link.payload,
            link.prev_hash,
            link.hash,
            link.signature
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            CoreError::Data(format!("operation {} is already in the log", new.op_id))
        }
        e => e.into(),
    })?;
    if new.outbox {
        // The server version the user had seen: a center-side change after it is concurrent.
        tx.execute(
            "INSERT INTO outbox (op_seq, seen) VALUES
               (?1, coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pull_cursor'), 0))",
            [seq],
        )?;
    }
    Ok(seq)
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Links checked.
    pub links: i64,
    /// The first broken link, if any.
    pub first_break: Option<Break>,
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    pub seq: i64,
    pub reason: String,
}

/// Walks every link in order and reports the first that does not hold.
pub fn verify(conn: &Connection, device: &str, public_key: &PublicKey) -> Result<ChainReport> {
    let mut stmt = conn.prepare(&format!("SELECT {LINK_COLUMNS} FROM ops ORDER BY seq"))?;
    let rows = stmt.query_map([], Link::from_row)?;
    let mut expected_prev = GENESIS.to_string();
    let mut n = 0;
    for (expected_seq, row) in (1i64..).zip(rows) {
        let l = row?;
        n += 1;
        let fail = |reason: String| {
            Ok(ChainReport {
                links: n,
                first_break: Some(Break { seq: l.seq, reason }),
            })
        };
        if let Err(e) = l
            .to_chain_link()
            .verify(device, public_key, (expected_seq, &expected_prev))
        {
            return fail(match e {
                LinkError::Sequence { expected, seq } => {
                    format!("link {expected} is missing (next link is {seq})")
                }
                LinkError::Prev { .. } => "previous-hash does not match the link before it".into(),
                LinkError::Hash { .. } => {
                    "content does not match its hash (the row was changed)".into()
                }
                LinkError::SignatureMalformed { .. } => "signature is malformed".into(),
                LinkError::Signature { .. } => "device signature does not verify".into(),
                LinkError::Encoding { reason, .. } => reason,
            });
        }
        expected_prev = l.hash.clone();
    }
    Ok(ChainReport {
        links: n,
        first_break: None,
    })
}

/// Every link of one case, in order (for re-folding it, and for its archive bundle).
pub fn links_of_case(conn: &Connection, case_id: &str) -> Result<Vec<Link>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {LINK_COLUMNS} FROM ops WHERE case_id = ?1 ORDER BY seq"
    ))?;
    let rows = stmt.query_map([case_id], Link::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
