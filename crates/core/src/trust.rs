//! What this device trusts of its center: the center's public signing keys and its newest
//! revocation list (吊销清单), kept in the store's `meta` table.
//!
//! The key set is taken at enrollment, over the enrolled channel, and afterwards replaced only
//! by a newer set that a key already trusted signed ([`SignedKeyring::check_update`]); the
//! revocation list only by a newer one signed by a trusted key. Something pulled that fails
//! either check is not applied and is remembered as refused (with why), so the app and
//! `fieldcase sync` can say so — a stuck pull would keep tasks from arriving, and taking it would
//! let whoever altered it vouch for credentials.

use chrono::NaiveDate;
use fieldcase_protocol::credential::{
    CredentialVerdict, Revocation, RevocationList, SignedKeyring, verify_credential,
};
use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::error::{CoreError, Result};

const KEYRING: &str = "center_keyring";
const REVOCATIONS: &str = "center_revocations";
/// Why the last pulled key set or list was not taken (cleared when one is taken).
const REFUSED: &str = "center_trust_refused";

fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

fn set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        [key, value],
    )?;
    Ok(())
}

/// The center's key set as this device holds it.
pub fn keyring(conn: &Connection) -> Result<Option<SignedKeyring>> {
    get(conn, KEYRING)?
        .map(|s| {
            serde_json::from_str(&s)
                .map_err(|e| CoreError::Data(format!("stored center key set: {e}")))
        })
        .transpose()
}

/// The newest revocation list this device holds, as checked when it was taken.
pub fn revocations(conn: &Connection) -> Result<Option<RevocationList>> {
    let (Some(keys), Some(text)) = (keyring(conn)?, get(conn, REVOCATIONS)?) else {
        return Ok(None);
    };
    RevocationList::open(&text, &keys.keyring)
        .map(Some)
        .map_err(|e| CoreError::Data(format!("stored revocation list: {e}")))
}

/// The key set and revocation list of the device store in `dir`, read without changing it
/// (for `fieldcase credential verify`, which must not create a store where there is none).
pub fn held_by_store(
    dir: &std::path::Path,
) -> Result<(Option<SignedKeyring>, Option<RevocationList>)> {
    let db = dir.join(crate::store::cipher_db::DB_FILE);
    if !db.exists() {
        return Err(CoreError::Data(format!(
            "no device store at {} to take the center's keys from: give --keyring FILE (the center's /public/keyring)",
            dir.display()
        )));
    }
    let key = crate::store::cipher_db::existing_key(dir, &crate::store::KeyStore::current()?)?;
    let conn = crate::store::cipher_db::open_read_only(dir, &key)?;
    Ok((keyring(&conn)?, revocations(&conn)?))
}

/// Why the last key set or revocation list pulled was refused, if it was.
pub fn refused(conn: &Connection) -> Result<Option<String>> {
    get(conn, REFUSED)
}

/// Takes the key set the center answered at enrollment (the first trust anchor).
pub fn accept_first(tx: &Transaction<'_>, keys: &SignedKeyring) -> Result<()> {
    keys.check_first()
        .map_err(|e| CoreError::Data(format!("the center's key set at enrollment: {e}")))?;
    set(tx, KEYRING, &serde_json::to_string(keys)?)
}

/// Applies a pulled key set: taken when newer and signed by a key already trusted.
pub fn apply_keyring(tx: &Transaction<'_>, value: &serde_json::Value) -> Result<()> {
    let pulled: SignedKeyring = match serde_json::from_value(value.clone()) {
        Ok(k) => k,
        Err(e) => return set(tx, REFUSED, &format!("key set: {e}")),
    };
    let verdict = match keyring(tx)? {
        // A device enrolled before the center signed credentials has no anchor yet: it takes
        // the first set it pulls, as it took everything else from this center.
        None => pulled.check_first().map(|()| true),
        Some(held) => pulled.check_update(&held.keyring),
    };
    match verdict {
        Ok(true) => {
            set(tx, KEYRING, &serde_json::to_string(&pulled)?)?;
            tx.execute("DELETE FROM meta WHERE key = ?1", [REFUSED])?;
            Ok(())
        }
        Ok(false) => Ok(()),
        Err(e) => set(tx, REFUSED, &format!("key set {}: {e}", pulled.keyring.seq)),
    }
}

/// Applies a pulled revocation list (the sealed `FCR1…` text): taken when newer and signed by
/// a trusted key.
pub fn apply_revocations(tx: &Transaction<'_>, value: &serde_json::Value) -> Result<()> {
    let Some(text) = value.as_str() else {
        return set(tx, REFUSED, "revocation list: not a string");
    };
    let Some(keys) = keyring(tx)? else {
        return set(
            tx,
            REFUSED,
            "revocation list: no center key set to check it with",
        );
    };
    let list = match RevocationList::open(text, &keys.keyring) {
        Ok(l) => l,
        Err(e) => return set(tx, REFUSED, &format!("revocation list: {e}")),
    };
    if revocations(tx)?.is_some_and(|held| held.seq >= list.seq) {
        return Ok(());
    }
    set(tx, REVOCATIONS, text)?;
    tx.execute("DELETE FROM meta WHERE key = ?1", [REFUSED])?;
    Ok(())
}

/// The revocation of a credential number, when this device's newest list has it.
pub fn revoked(conn: &Connection, number: &str) -> Result<Option<Revocation>> {
    Ok(revocations(conn)?.and_then(|l| l.find(number).cloned()))
}

/// The refusal for showing a revoked credential, in Chinese and English.
pub fn revoked_message(name: &str, number: &str, r: &Revocation) -> (String, String) {
    let when = cst_date(r.revoked_at_ms);
    (
        format!(
            "{name} 的执法证 {number} 已于 {when} 被吊销（{}），不能亮证。请由持有效证件的执法人员亮证。",
            r.reason
        ),
        format!(
            "{name}'s credential {number} was revoked on {when} ({}) and cannot be shown. An officer with a valid credential must show it.",
            r.reason
        ),
    )
}

/// A Unix-ms instant as its date in China Standard Time (how the center and the party read it).
pub fn cst_date(ms: i64) -> String {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&cst).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// Verifies a credential token with what this device holds, on `today`; `None` when the device
/// holds no center keys yet (enrolled before the center signed credentials, or not enrolled).
pub fn verify(
    conn: &Connection,
    token: &str,
    today: NaiveDate,
) -> Result<Option<CredentialVerdict>> {
    let Some(keys) = keyring(conn)? else {
        return Ok(None);
    };
    let list = revocations(conn)?;
    Ok(Some(verify_credential(
        token,
        &keys.keyring,
        list.as_ref(),
        today,
    )))
}
