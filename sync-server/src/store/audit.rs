//! The center's own audit log: every admin and review action, appended in the transaction of
//! the action itself, as a hash chain. Each entry's hash covers its fields and the previous
//! entry's hash, and `center_audit_head` holds the last (seq, hash): someone with database
//! access who edits an entry breaks its hash, who deletes one breaks the next entry's link (or,
//! for the last, the head), who inserts one breaks the sequence. What the chain cannot show is a
//! rewrite of every later entry and the head together — that needs the hash kept elsewhere
//! (an anchor outside the database; see SECURITY.md).

use fieldcase_protocol::Sha256;
use serde_json::{Value, json};

use super::sql::{DbResult, Dialect, Row, Sql, args, bind, where_all};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry as stored.
#[derive(Debug, Clone)]
pub struct Entry {
    pub seq: i64,
    pub at_ms: i64,
    /// Who: `center:<user id>` or `center:admin` (the bootstrap token), `device:<id>`.
    pub actor: String,
    /// What, as `noun.verb` (`device.revoke`, `case.review`, …).
    pub action: String,
    /// The id it was done to.
    pub target: String,
    /// The action's particulars, JSON text exactly as hashed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over a JSON array of its fields in a fixed order (serde_json
/// writes an array of strings and integers one way only).
pub fn entry_hash(
    seq: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    prev_hash: &str,
) -> String {
    let fields = json!([
        "fieldcase/v1/center-audit",
        seq,
        at_ms,
        actor,
        action,
        target,
        detail,
        prev_hash
    ]);
    Sha256::of(fields.to_string().as_bytes()).to_string()
}

/// Appends an entry; call it inside the action's transaction. The head row is locked first, so
/// concurrent appends (PostgreSQL replicas) line up one after the other.
pub fn append(
    conn: &dyn Sql,
    at_ms: u64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &Value,
) -> DbResult<i64> {
    let lock = match conn.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE",
    };
    let head = conn.query_one(
        &format!("SELECT seq, hash FROM center_audit_head WHERE id = 1{lock}"),
        &[],
    )?;
    let (seq, prev) = (head.i64(0)? + 1, head.str(1)?);
    let detail = detail.to_string();
    let at_ms = at_ms as i64;
    let hash = entry_hash(seq, at_ms, actor, action, target, &detail, &prev);
    conn.exec(
        "INSERT INTO center_audit(seq, at_ms, actor, action, target, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![seq, at_ms, actor, action, target, detail, prev, &hash],
    )?;
    conn.exec(
        "UPDATE center_audit_head SET seq = ?1, hash = ?2 WHERE id = 1",
        args![seq, hash],
    )?;
    Ok(seq)
}

const COLS: &str = "seq, at_ms, actor, action, target, detail, prev_hash, hash";

fn entry(r: &Row) -> DbResult<Entry> {
    Ok(Entry {
        seq: r.i64(0)?,
        at_ms: r.i64(1)?,
        actor: r.str(2)?,
        action: r.str(3)?,
        target: r.str(4)?,
        detail: r.str(5)?,
        prev_hash: r.str(6)?,
        hash: r.str(7)?,
    })
}

/// What to list.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub from_ms: Option<u64>,
    pub to_ms: Option<u64>,
    /// Entries before this seq (the next page, newest first).
    pub before: Option<i64>,
    pub limit: u32,
}

/// Entries matching `f`, newest first.
pub fn list(conn: &dyn Sql, f: &Filter) -> DbResult<Vec<Entry>> {
    let mut p = Vec::new();
    let mut cond = Vec::new();
    if let Some(a) = &f.actor {
        cond.push(format!("actor = {}", bind(&mut p, a)));
    }
    if let Some(a) = &f.action {
        cond.push(format!("action = {}", bind(&mut p, a)));
    }
    if let Some(t) = &f.target {
        cond.push(format!("target = {}", bind(&mut p, t)));
    }
    if let Some(t) = f.from_ms {
        cond.push(format!("at_ms >= {}", bind(&mut p, t)));
    }
    if let Some(t) = f.to_ms {
        cond.push(format!("at_ms < {}", bind(&mut p, t)));
    }
    if let Some(s) = f.before {
        cond.push(format!("seq < {}", bind(&mut p, s)));
    }
    let limit = bind(&mut p, i64::from(f.limit));
    conn.query(
        &format!(
            "SELECT {COLS} FROM center_audit {} ORDER BY seq DESC LIMIT {limit}",
            where_all(&cond)
        ),
        &p,
    )?
    .iter()
    .map(entry)
    .collect()
}

/// The verdict on the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Entries read.
    pub entries: i64,
    /// The first place the chain does not hold: the seq where it breaks and why.
    pub broken: Option<(i64, String)>,
}

/// Reads the whole chain in pages and checks every link and the head.
pub fn verify(conn: &dyn Sql) -> DbResult<Verdict> {
    const PAGE: i64 = 2000;
    let mut prev_seq = 0i64;
    let mut prev_hash = GENESIS.to_string();
    let mut entries = 0i64;
    let broken = |seq: i64, why: String, entries: i64| Verdict {
        entries,
        broken: Some((seq, why)),
    };
    loop {
        let page = conn.query(
            &format!("SELECT {COLS} FROM center_audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
            args![prev_seq, PAGE],
        )?;
        for r in &page {
            let e = entry(r)?;
            entries += 1;
            if e.seq != prev_seq + 1 {
                return Ok(broken(
                    prev_seq + 1,
                    format!(
                        "entry {} is missing (the next one is {})",
                        prev_seq + 1,
                        e.seq
                    ),
                    entries,
                ));
            }
            if e.prev_hash != prev_hash {
                return Ok(broken(
                    e.seq,
                    format!(
                        "entry {} does not follow entry {}: its prev_hash is not that entry's hash",
                        e.seq, prev_seq
                    ),
                    entries,
                ));
            }
            let want = entry_hash(
                e.seq,
                e.at_ms,
                &e.actor,
                &e.action,
                &e.target,
                &e.detail,
                &e.prev_hash,
            );
            if e.hash != want {
                return Ok(broken(
                    e.seq,
                    format!(
                        "entry {} was altered: its content does not match its hash",
                        e.seq
                    ),
                    entries,
                ));
            }
            prev_seq = e.seq;
            prev_hash = e.hash;
        }
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    let head = conn.query_one("SELECT seq, hash FROM center_audit_head WHERE id = 1", &[])?;
    let (head_seq, head_hash) = (head.i64(0)?, head.str(1)?);
    if head_seq != prev_seq || head_hash != prev_hash {
        return Ok(broken(
            prev_seq + 1,
            format!(
                "the log ends at entry {prev_seq} but its head names entry {head_seq}: entries \
                 after {prev_seq} were removed"
            ),
            entries,
        ));
    }
    Ok(Verdict {
        entries,
        broken: None,
    })
}
