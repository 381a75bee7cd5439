//! `fieldcase.db` encrypted with SQLCipher, and the store key that opens it.
//!
//! The store folder holds a `key-id` file: the (not secret) name under which the key store keeps
//! this store's key. A new store's key is saved in the key store before anything is locked with
//! it. A store from before encryption (a plain SQLite file) is exported into an encrypted copy
//! that replaces it in one rename, so a kill at any instant leaves the old file or the new one.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Once;

use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::Connection;

use super::key_store::KeyStore;
use super::store_key::StoreKey;
use crate::error::{CoreError, Result};

/// The database file in a store folder.
pub const DB_FILE: &str = "fieldcase.db";
/// The file naming the store's key in the key store.
pub const KEY_ID_FILE: &str = "key-id";
/// What a plain (unencrypted) SQLite file starts with.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn io(path: &Path, source: std::io::Error) -> CoreError {
    CoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read_key_id(dir: &Path) -> Result<Option<String>> {
    let path = dir.join(KEY_ID_FILE);
    match fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&path, e)),
    }
}

fn db_exists(dir: &Path) -> bool {
    fs::metadata(dir.join(DB_FILE)).is_ok_and(|m| m.len() > 0)
}

/// The key of the store in `dir`, made and saved in `ks` if the store has none yet.
pub fn store_key(dir: &Path, ks: &KeyStore) -> Result<StoreKey> {
    ks.check_apart_from(dir)?;
    if let Some(id) = read_key_id(dir)? {
        if let Some(key) = ks.load(&id)? {
            return Ok(key);
        }
        if db_exists(dir) && !is_plain(&dir.join(DB_FILE))? {
            return Err(missing_key(dir, &id, ks));
        }
    }
    let mut raw = [0u8; 16];
    SystemRandom::new()
        .fill(&mut raw)
        .map_err(|_| CoreError::Data("no OS random source for a store key id".into()))?;
    let id = hex::encode(raw);
    let key = StoreKey::generate()?;
    // The key first: a key-id file must never name a key that was not kept.
    ks.save(&id, &key)?;
    write_durably(&dir.join(KEY_ID_FILE), id.as_bytes())?;
    Ok(key)
}

/// The key of an existing store, never making one (for read-only tools).
pub fn existing_key(dir: &Path, ks: &KeyStore) -> Result<StoreKey> {
    let id = read_key_id(dir)?.ok_or_else(|| {
        CoreError::Data(format!(
            "{} has no {KEY_ID_FILE} file: it is not a device store, or it was never opened",
            dir.display()
        ))
    })?;
    ks.load(&id)?.ok_or_else(|| missing_key(dir, &id, ks))
}

fn missing_key(dir: &Path, id: &str, ks: &KeyStore) -> CoreError {
    CoreError::StoreKey(format!(
        "the key of the store {} (key id {id}) is not in {ks}: without it the store cannot be opened \
         (was it made under another key store, or on another device?)",
        dir.display()
    ))
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(|e| io(&tmp, e))?;
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| io(path, e))?;
    sync_dir(path)
}

fn sync_dir(path: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io(dir, e))
}

fn is_plain(db: &Path) -> Result<bool> {
    let mut head = [0u8; 16];
    let mut f = File::open(db).map_err(|e| io(db, e))?;
    match f.read_exact(&mut head) {
        Ok(()) => Ok(&head == PLAIN_HEADER),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(io(db, e)),
    }
}

/// Lets SQLite and SQLCipher finish initializing before any store is opened.
///
/// `sqlite3_initialize` marks SQLite initialized *before* it runs SQLCipher's own set-up
/// (`SQLITE_EXTRA_INIT`) and drops its lock while it does. A second thread opening its first
/// database in that window finds SQLite ready and SQLCipher not, and its `PRAGMA key` fails
/// ("sqlcipher not initialized", reported as "PRAGMA key requires a key of one or more
/// characters"). Four archive tests starting at once hit this about once in 80 runs; eight
/// threads opening fresh stores at once, ~4 % of the time. The first open here runs the whole
/// initialization while every other opener waits on the `Once`.
fn init_sqlite() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // The result does not matter here: a SQLite that cannot start fails the real open below
        // with its own error.
        let _ = Connection::open_in_memory();
    });
}

/// Opens `fieldcase.db` in `dir` with `key`, encrypting a plain one from before first.
pub fn open(dir: &Path, key: &StoreKey) -> Result<Connection> {
    init_sqlite();
    let db = dir.join(DB_FILE);
    let half_done = encrypting_path(&db);
    if half_done.exists() {
        // A kill during a previous encryption: the plain file is still the store.
        fs::remove_file(&half_done).map_err(|e| io(&half_done, e))?;
    }
    if db_exists(dir) && is_plain(&db)? {
        encrypt_plain(&db, key)?;
    }
    let conn = Connection::open(&db)?;
    keyed(&conn, key, &db)?;
    Ok(conn)
}

/// Opens `fieldcase.db` read-only with `key` (nothing is created or converted).
pub fn open_read_only(dir: &Path, key: &StoreKey) -> Result<Connection> {
    init_sqlite();
    let db = dir.join(DB_FILE);
    let conn = Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    keyed(&conn, key, &db)?;
    Ok(conn)
}

fn keyed(conn: &Connection, key: &StoreKey, db: &Path) -> Result<()> {
    // A raw 256-bit key (x'…'): SQLCipher skips its passphrase KDF, the key is already random.
    // Its own log would print a wrong key's decrypt failure to stderr; the error below says it.
    conn.execute_batch(&format!(
        "PRAGMA cipher_log_level = NONE; PRAGMA key = \"x'{}'\";",
        key.db_key_hex()
    ))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| {
        CoreError::StoreKey(format!(
            "{} does not open with this store's key ({e}): the key store holds another key for it, or the file is damaged",
            db.display()
        ))
    })?;
    Ok(())
}

fn encrypting_path(db: &Path) -> PathBuf {
    db.with_extension("db.encrypting")
}

/// Exports a plain database into an encrypted copy and renames the copy over it.
fn encrypt_plain(db: &Path, key: &StoreKey) -> Result<()> {
    let out = encrypting_path(db);
    {
        let plain = Connection::open(db)?;
        // Fold the WAL into the main file so the export sees every committed step.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = plain.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let target = out.display().to_string().replace('\'', "''");
        plain.execute_batch(&format!(
            "ATTACH DATABASE '{target}' AS sealed KEY \"x'{}'\";",
            key.db_key_hex()
        ))?;
        plain.query_row("SELECT sqlcipher_export('sealed')", [], |_| Ok(()))?;
        plain.execute_batch(&format!(
            "PRAGMA sealed.user_version = {version}; DETACH DATABASE sealed;"
        ))?;
        plain.execute_batch("PRAGMA journal_mode = DELETE")?;
    }
    File::open(&out)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&out, e))?;
    fs::rename(&out, db).map_err(|e| io(db, e))?;
    for side in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{side}", db.display()));
        if p.exists() {
            fs::remove_file(&p).map_err(|e| io(&p, e))?;
        }
    }
    sync_dir(db)
}
