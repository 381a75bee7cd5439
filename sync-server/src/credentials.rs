//! The center's side of verifiable credentials (issue 7): its Ed25519 signing keys, the tokens
//! it seals for officers' credentials, the key set and the revocation list it publishes.
//!
//! Private keys are files in the key folder (`--keys`), `<kid>.pk8`, never rows: a copy of the
//! database cannot sign. The database holds the public halves and their state (`center_keys`)
//! and the key set and list as last signed (`center_trust`); every change to either is also a
//! change devices pull (`Entity::Keyring`, `Entity::Revocations`, id `center`, every device),
//! appended in the same transaction, which holds `changes::lock_center_writes`. Replicas on one
//! PostgreSQL database share the folder; each reads a key it has not seen yet from it when the
//! database first names it.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use fieldcase_protocol::KeyPair;
use fieldcase_protocol::credential::{
    CenterKey, CredentialClaims, Keyring, Kid, RevocationList, SignedKeyring,
};
use fieldcase_protocol::sync::{ChangeKind, Entity};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::store::changes::{self, Scope};
use crate::store::{Conn, Db, Sql, reference, trust};
use crate::util::now_ms;

/// The change id of the key set and of the revocation list.
pub const CENTER_ID: &str = "center";

/// The folder of the center's private keys, and the keys already read from it.
pub struct KeyFolder {
    dir: PathBuf,
    loaded: Mutex<HashMap<Kid, Arc<KeyPair>>>,
}

impl fmt::Debug for KeyFolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the keys themselves.
        f.debug_struct("KeyFolder")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl KeyFolder {
    /// Opens (creating it, mode 0700) the key folder.
    pub fn open(dir: &Path) -> Result<KeyFolder, String> {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)
            .map_err(|e| format!("key folder {}: {e}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)
                .map_err(|e| format!("key folder {}: {e}", dir.display()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    folder = %dir.display(),
                    "the key folder is open to other users (mode {:o}); chmod 700 it",
                    mode & 0o777
                );
            }
        }
        Ok(KeyFolder {
            dir: dir.to_path_buf(),
            loaded: Mutex::new(HashMap::new()),
        })
    }

    pub fn path(&self, kid: &Kid) -> PathBuf {
        self.dir.join(format!("{kid}.pk8"))
    }

    fn cached(&self, kid: &Kid) -> Option<Arc<KeyPair>> {
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(kid)
            .cloned()
    }

    fn remember(&self, kid: Kid, key: Arc<KeyPair>) {
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(kid, key);
    }

    /// The private key of `key`, read from its file the first time; the file must hold the
    /// private half of exactly that public key.
    pub fn signer(&self, key: &CenterKey) -> Result<Arc<KeyPair>, String> {
        if let Some(k) = self.cached(&key.kid) {
            return Ok(k);
        }
        let path = self.path(&key.kid);
        let unreadable = |why: String| {
            format!(
                "the private key of center key {} ({}) cannot be used: {why}; restore the key \
                 folder (--keys) from its backup",
                key.kid,
                path.display()
            )
        };
        let bytes = std::fs::read(&path).map_err(|e| unreadable(e.to_string()))?;
        let pair = KeyPair::from_pkcs8(&bytes).map_err(|e| unreadable(e.to_string()))?;
        if pair.public_key() != key.public_key {
            return Err(unreadable(format!(
                "it holds the key of {}, not of {}",
                Kid::of(&pair.public_key()),
                key.kid
            )));
        }
        let pair = Arc::new(pair);
        self.remember(key.kid.clone(), pair.clone());
        Ok(pair)
    }

    /// A new key: generated, written create-new (mode 0600) and flushed to disk with its
    /// folder entry before anything names it.
    pub fn create(&self, now_ms: i64) -> Result<CenterKey, String> {
        let pair = KeyPair::generate().map_err(|e| e.to_string())?;
        let key = CenterKey::new(pair.public_key(), now_ms);
        let path = self.path(&key.kid);
        let fail = |e: std::io::Error| format!("writing center key {}: {e}", path.display());
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&path).map_err(fail)?;
        f.write_all(pair.pkcs8()).map_err(fail)?;
        f.sync_all().map_err(fail)?;
        drop(f);
        #[cfg(unix)]
        std::fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(fail)?;
        self.remember(key.kid.clone(), Arc::new(pair));
        tracing::info!(kid = %key.kid, "new center signing key");
        Ok(key)
    }
}

/// Today's date in China Standard Time, which the credentials' dates are in.
pub fn today_cst() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .date_naive()
}

/// The key set with no signatures, as the database holds it now (for `active()`).
fn keyring_now(conn: &dyn Sql) -> ApiResult<Keyring> {
    Ok(Keyring {
        seq: 0,
        issued_at_ms: 0,
        keys: trust::keys(conn)?,
    })
}

/// The private key that signs new tokens and lists: the newest key not retired.
pub fn active_signer(conn: &dyn Sql, folder: &KeyFolder) -> ApiResult<Arc<KeyPair>> {
    let ring = keyring_now(conn)?;
    let active = ring
        .active()
        .ok_or_else(|| ApiError::internal("the center has no signing key that is not retired"))?;
    folder.signer(active).map_err(ApiError::internal)
}

/// Signs and stores the key set as it now is (the next `seq`) and appends it for every device.
/// It is signed by every key not retired and also by `retiring`, the key this change retires,
/// so a device that trusts only the outgoing key still takes the set that retires it.
pub fn publish_keyring(
    conn: &dyn Sql,
    folder: &KeyFolder,
    retiring: Option<&Kid>,
    now: u64,
) -> ApiResult<(i64, SignedKeyring)> {
    let seq = trust::published(conn)?.keyring_seq + 1;
    let mut ring = keyring_now(conn)?;
    ring.seq = seq as u64;
    ring.issued_at_ms = now as i64;
    let mut signers = Vec::new();
    for k in &ring.keys {
        if k.retired_at_ms.is_none() {
            signers.push(folder.signer(k).map_err(ApiError::internal)?);
        } else if retiring == Some(&k.kid) {
            match folder.signer(k) {
                Ok(s) => signers.push(s),
                Err(e) => tracing::warn!("the retired key does not sign the new key set: {e}"),
            }
        }
    }
    let refs: Vec<&KeyPair> = signers.iter().map(AsRef::as_ref).collect();
    let signed = SignedKeyring::sign(ring, &refs).map_err(ApiError::internal)?;
    let value = serde_json::to_value(&signed).map_err(ApiError::internal)?;
    trust::set_keyring(conn, seq, &value.to_string())?;
    changes::append(
        conn,
        Entity::Keyring,
        CENTER_ID,
        ChangeKind::Put,
        Some(&value),
        &Scope::default(),
        now,
    )?;
    Ok((seq, signed))
}

/// Seals and stores the revocation list as it now is (the next `seq`, signed by the active key)
/// and appends it for every device.
pub fn publish_revocations(conn: &dyn Sql, folder: &KeyFolder, now: u64) -> ApiResult<i64> {
    let seq = trust::published(conn)?.revocations_seq + 1;
    let list = RevocationList {
        seq: seq as u64,
        issued_at_ms: now as i64,
        revoked: trust::revocations(conn)?,
    };
    let sealed = list
        .seal(active_signer(conn, folder)?.as_ref())
        .map_err(ApiError::internal)?;
    trust::set_revocations(conn, seq, &sealed)?;
    changes::append(
        conn,
        Entity::Revocations,
        CENTER_ID,
        ChangeKind::Put,
        Some(&Value::String(sealed)),
        &Scope::default(),
        now,
    )?;
    Ok(seq)
}

/// The key set as last published.
pub fn keyring(conn: &dyn Sql) -> ApiResult<SignedKeyring> {
    let text = trust::published(conn)?
        .keyring
        .ok_or_else(|| ApiError::internal("no key set published"))?;
    serde_json::from_str(&text).map_err(|e| ApiError::internal(format!("stored key set: {e}")))
}

/// The key set and the revocation list as last published (the list as sealed, and read).
pub fn trusted(conn: &dyn Sql) -> ApiResult<(SignedKeyring, String, RevocationList)> {
    let ring = keyring(conn)?;
    let sealed = trust::published(conn)?
        .revocations
        .ok_or_else(|| ApiError::internal("no revocation list published"))?;
    let list = RevocationList::open(&sealed, &ring.keyring)
        .map_err(|e| ApiError::internal(format!("stored revocation list: {e}")))?;
    Ok((ring, sealed, list))
}

/// Before serving: the center has a key (the first start makes one), every key not retired has
/// its private file, a key set and a revocation list are published, and every credential on
/// the roster carries a token (a roster imported before tokens existed gets them now).
pub async fn start(db: &Db, folder: Arc<KeyFolder>) -> Result<(), String> {
    db.run(move |s| Ok(start_in(&mut s.conn, &folder)))
        .await
        .map_err(|e| e.body.en)?
}

fn start_in(conn: &mut Conn<'_>, folder: &KeyFolder) -> Result<(), String> {
    let db = |e: crate::store::DbError| format!("center keys: {e}");
    let api = |e: ApiError| format!("center keys: {}", e.body.en);
    let tx = conn.transaction().map_err(db)?;
    // Replicas starting together: one makes the first key, the others find it.
    changes::lock_center_writes(&tx).map_err(db)?;
    let now = now_ms();
    let keys = trust::keys(&tx).map_err(db)?;
    let mut changed = false;
    if keys.iter().all(|k| k.retired_at_ms.is_some()) {
        let key = folder.create(now as i64)?;
        trust::insert_key(&tx, &key).map_err(db)?;
        changed = true;
    } else {
        for k in keys.iter().filter(|k| k.retired_at_ms.is_none()) {
            folder.signer(k)?;
        }
    }
    let published = trust::published(&tx).map_err(db)?;
    if changed || published.keyring.is_none() {
        publish_keyring(&tx, folder, None, now).map_err(api)?;
    }
    if published.revocations.is_none() {
        publish_revocations(&tx, folder, now).map_err(api)?;
    }
    let issued = issue_missing_tokens(&tx, folder, now).map_err(api)?;
    if issued > 0 {
        tracing::info!(officers = issued, "credential tokens issued");
    }
    tx.commit().map_err(db)?;
    Ok(())
}

/// Gives every roster credential without a token one.
fn issue_missing_tokens(conn: &dyn Sql, folder: &KeyFolder, now: u64) -> ApiResult<usize> {
    let mut issued = 0;
    let mut signer = None;
    for (id, areas, value) in trust::credentialed_officers(conn)? {
        let Ok(mut v) = serde_json::from_str::<Value>(&value) else {
            continue;
        };
        if v.pointer("/credential/token").is_some_and(Value::is_string) {
            continue;
        }
        let claims = match claims_of(&v, 0, &id) {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(officer = %id, "no credential token: {}", e.body.en);
                continue;
            }
        };
        let key = match &signer {
            Some(k) => k,
            None => signer.insert(active_signer(conn, folder)?),
        };
        v["credential"]["token"] = Value::String(seal(claims, key, now)?);
        let areas: Vec<String> = serde_json::from_str(&areas).unwrap_or_default();
        reference::put_officer(conn, &id, &areas, &v)?;
        let scope = Scope {
            areas: Some(areas),
            ..Scope::default()
        };
        changes::append(
            conn,
            Entity::Officer,
            &id,
            ChangeKind::Put,
            Some(&v),
            &scope,
            now,
        )?;
        issued += 1;
    }
    Ok(issued)
}

/// Seals `claims` (from [`claims_of`]) as a new issuance: a fresh token id, issued now.
pub fn seal(mut claims: CredentialClaims, key: &KeyPair, now: u64) -> ApiResult<String> {
    claims.tid = crate::util::new_id(now);
    claims.issued_at_ms = now as i64;
    claims.seal(key).map_err(ApiError::internal)
}

fn bad(i: usize, id: &str, what: impl fmt::Display) -> ApiError {
    ApiError::bad_request(format!("item {i} ({id}): {what}"))
}

/// A non-empty string field of at most 200 characters.
fn text<'a>(v: &'a Value, key: &str, path: &str, i: usize, id: &str) -> ApiResult<&'a str> {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 200 => Ok(s),
        Some(Value::String(s)) if !s.trim().is_empty() => {
            Err(bad(i, id, format!("{path} is longer than 200 characters")))
        }
        _ => Err(bad(i, id, format!("{path} must be a non-empty string"))),
    }
}

fn date(c: &Value, key: &str, i: usize, id: &str) -> ApiResult<NaiveDate> {
    let s = text(c, key, &format!("credential.{key}"), i, id)?;
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        bad(
            i,
            id,
            format!("credential.{key} {s:?} is not a date as YYYY-MM-DD"),
        )
    })
}

/// The claims a roster entry's credential vouches for (token id and issue time not yet set),
/// or `None` when it holds no credential; 400 naming item `i` and the field when the
/// credential cannot be vouched for. A `credential.token` in `v` is ignored: the center makes
/// tokens, a client never supplies one.
pub fn claims_of(v: &Value, i: usize, id: &str) -> ApiResult<Option<CredentialClaims>> {
    let c = match v.get("credential") {
        None | Some(Value::Null) => return Ok(None),
        Some(c @ Value::Object(_)) => c,
        Some(_) => return Err(bad(i, id, "credential must be an object")),
    };
    let number = text(c, "number", "credential.number", i, id)?;
    if number.chars().count() > 64 || number.chars().any(char::is_control) {
        return Err(bad(
            i,
            id,
            "credential.number must be at most 64 printable characters",
        ));
    }
    let kind = text(c, "kind", "credential.kind", i, id)?;
    let name = text(v, "name", "name", i, id)?;
    let agency = text(v, "agency", "agency", i, id)?;
    let valid_from = date(c, "valid_from", i, id)?;
    let valid_to = date(c, "valid_to", i, id)?;
    if valid_to < valid_from {
        return Err(bad(
            i,
            id,
            format!("credential.valid_to {valid_to} is before credential.valid_from {valid_from}"),
        ));
    }
    let photo_sha256 = match c.get("photo_sha256") {
        None | Some(Value::Null) => None,
        Some(Value::String(s))
            if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            Some(s.clone())
        }
        Some(_) => {
            return Err(bad(
                i,
                id,
                "credential.photo_sha256 must be 64 lowercase hex digits",
            ));
        }
    };
    Ok(Some(CredentialClaims {
        tid: String::new(),
        officer_id: id.to_string(),
        name: name.to_string(),
        number: number.to_string(),
        kind: kind.to_string(),
        agency: agency.to_string(),
        photo_sha256,
        valid_from,
        valid_to,
        issued_at_ms: 0,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn officer() -> Value {
        json!({"id": "O-1", "name": "张伟", "agency": "苏州市生态环境局",
            "credential": {"number": "32050019001", "kind": "中华人民共和国行政执法证",
                "valid_from": "2024-01-01", "valid_to": "2028-12-31", "areas": ["3205"]}})
    }

    fn refusal(v: &Value) -> String {
        claims_of(v, 3, "O-1").expect_err("refused").body.en
    }

    #[test]
    fn claims_from_a_roster_entry() {
        let c = claims_of(&officer(), 0, "O-1").unwrap().unwrap();
        assert_eq!(c.number, "32050019001");
        assert_eq!(c.officer_id, "O-1");
        assert_eq!(c.valid_to, NaiveDate::from_ymd_opt(2028, 12, 31).unwrap());
        assert_eq!(c.photo_sha256, None);
        assert!(
            claims_of(&json!({"id": "G-1", "areas": ["3205"]}), 0, "G-1")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn bad_credentials_name_item_and_field() {
        let mut v = officer();
        v["credential"].as_object_mut().unwrap().remove("number");
        assert!(
            refusal(&v).contains("item 3 (O-1): credential.number"),
            "{}",
            refusal(&v)
        );
        let mut v = officer();
        v["credential"]["valid_to"] = json!("2028-13-01");
        assert!(
            refusal(&v).contains("credential.valid_to"),
            "{}",
            refusal(&v)
        );
        let mut v = officer();
        v["credential"]["valid_to"] = json!("2023-12-31");
        assert!(refusal(&v).contains("is before"), "{}", refusal(&v));
        let mut v = officer();
        v["credential"]["photo_sha256"] = json!("ABC");
        assert!(refusal(&v).contains("photo_sha256"), "{}", refusal(&v));
        let mut v = officer();
        v.as_object_mut().unwrap().remove("agency");
        assert!(refusal(&v).contains("agency"), "{}", refusal(&v));
        let mut v = officer();
        v["credential"] = json!("32050019001");
        assert!(refusal(&v).contains("must be an object"), "{}", refusal(&v));
    }

    #[test]
    fn key_files_are_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let folder = KeyFolder::open(&dir.path().join("keys")).unwrap();
        let key = folder.create(1).unwrap();
        let path = folder.path(&key.kid);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir.path().join("keys")), 0o700);
        }
        let again = KeyFolder::open(&dir.path().join("keys")).unwrap();
        assert_eq!(again.signer(&key).unwrap().public_key(), key.public_key);
        std::fs::remove_file(&path).unwrap();
        let fresh = KeyFolder::open(&dir.path().join("keys")).unwrap();
        let e = fresh.signer(&key).unwrap_err();
        assert!(e.contains(&path.display().to_string()), "{e}");
    }
}
