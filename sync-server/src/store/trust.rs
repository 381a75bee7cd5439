//! What devices and verifiers trust the center by (issue 7): its signing keys' public halves
//! and state, the key set and the revocation list as last signed, and the withdrawn credential
//! numbers. The private halves are files (`crate::credentials::KeyFolder`), never rows.
//!
//! Every write here happens inside a transaction that holds the change log's lock
//! (`changes::lock_center_writes`), which also serializes the read-and-increment of the sequence numbers
//! across replicas.

use fieldcase_protocol::PublicKey;
use fieldcase_protocol::credential::{CenterKey, Kid, Revocation};

use super::sql::{DbError, DbResult, Sql, args};

/// The center's keys, oldest first (ties by kid): the order a `Keyring` lists them in.
pub fn keys(conn: &dyn Sql) -> DbResult<Vec<CenterKey>> {
    conn.query(
        "SELECT kid, public_key, created_at_ms, retired_at_ms FROM center_keys
         ORDER BY created_at_ms, kid",
        &[],
    )?
    .iter()
    .map(|r| {
        let kid = r.str(0)?;
        let key = r.str(1)?;
        Ok(CenterKey {
            kid: kid
                .parse::<Kid>()
                .map_err(|e| DbError::Other(format!("center_keys kid {kid:?}: {e}")))?,
            public_key: key
                .parse::<PublicKey>()
                .map_err(|e| DbError::Other(format!("center_keys {kid} public key: {e}")))?,
            created_at_ms: r.i64(2)?,
            retired_at_ms: r.opt_i64(3)?,
        })
    })
    .collect()
}

pub fn insert_key(conn: &dyn Sql, k: &CenterKey) -> DbResult<()> {
    conn.exec(
        "INSERT INTO center_keys(kid, public_key, created_at_ms, retired_at_ms)
         VALUES (?1, ?2, ?3, ?4)",
        args![
            k.kid.as_str(),
            k.public_key.to_string(),
            k.created_at_ms,
            k.retired_at_ms
        ],
    )?;
    Ok(())
}

/// Retires a key that is not retired yet; answers whether it did.
pub fn retire_key(conn: &dyn Sql, kid: &Kid, now_ms: i64) -> DbResult<bool> {
    let n = conn.exec(
        "UPDATE center_keys SET retired_at_ms = ?2 WHERE kid = ?1 AND retired_at_ms IS NULL",
        args![kid.as_str(), now_ms],
    )?;
    Ok(n == 1)
}

/// The key set and revocation list as last signed, and their numbers.
#[derive(Debug, Clone)]
pub struct Published {
    pub keyring_seq: i64,
    /// A `SignedKeyring` as JSON; `None` before the first key.
    pub keyring: Option<String>,
    pub revocations_seq: i64,
    /// The sealed `FCR1…` list; `None` before the first one.
    pub revocations: Option<String>,
}

pub fn published(conn: &dyn Sql) -> DbResult<Published> {
    let r = conn.query_one(
        "SELECT keyring_seq, keyring, revocations_seq, revocations FROM center_trust WHERE id = 1",
        &[],
    )?;
    Ok(Published {
        keyring_seq: r.i64(0)?,
        keyring: r.opt_str(1)?,
        revocations_seq: r.i64(2)?,
        revocations: r.opt_str(3)?,
    })
}

pub fn set_keyring(conn: &dyn Sql, seq: i64, signed_json: &str) -> DbResult<()> {
    conn.exec(
        "UPDATE center_trust SET keyring_seq = ?1, keyring = ?2 WHERE id = 1",
        args![seq, signed_json],
    )?;
    Ok(())
}

pub fn set_revocations(conn: &dyn Sql, seq: i64, sealed: &str) -> DbResult<()> {
    conn.exec(
        "UPDATE center_trust SET revocations_seq = ?1, revocations = ?2 WHERE id = 1",
        args![seq, sealed],
    )?;
    Ok(())
}

/// Every withdrawn credential, in the order withdrawn.
pub fn revocations(conn: &dyn Sql) -> DbResult<Vec<Revocation>> {
    conn.query(
        "SELECT number, revoked_at_ms, reason FROM revocations ORDER BY revoked_at_ms, number",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(Revocation {
            number: r.str(0)?,
            revoked_at_ms: r.i64(1)?,
            reason: r.str(2)?,
        })
    })
    .collect()
}

/// Records a withdrawal; answers `false` (and changes nothing) when the number already is.
pub fn insert_revocation(
    conn: &dyn Sql,
    number: &str,
    revoked_at_ms: i64,
    reason: &str,
    by_user: &str,
) -> DbResult<bool> {
    let n = conn.exec(
        "INSERT INTO revocations(number, revoked_at_ms, reason, by_user) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(number) DO NOTHING",
        args![number, revoked_at_ms, reason, by_user],
    )?;
    Ok(n == 1)
}

/// The ids of the roster entries holding credential `number`.
pub fn officers_with_number(conn: &dyn Sql, number: &str) -> DbResult<Vec<String>> {
    conn.query(
        "SELECT id FROM officers WHERE credential_number = ?1 ORDER BY id",
        args![number],
    )?
    .iter()
    .map(|r| r.str(0))
    .collect()
}

/// Every roster entry with a credential: id, areas (JSON text) and value (JSON text).
pub fn credentialed_officers(conn: &dyn Sql) -> DbResult<Vec<(String, String, String)>> {
    conn.query(
        "SELECT id, areas, value FROM officers WHERE credential_number IS NOT NULL ORDER BY id",
        &[],
    )?
    .iter()
    .map(|r| Ok((r.str(0)?, r.str(1)?, r.str(2)?)))
    .collect()
}
