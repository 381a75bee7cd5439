//! The device's local store: one SQLite file (WAL, synchronous=FULL) plus a blob folder, both
//! encrypted at rest under the store's key, which lives in a key store apart from the folder.
//!
//! Every user-visible change goes through [`Store::commit`]: one transaction that appends the
//! operation to the audit chain, to the outbox, and updates the case snapshot, so a kill at any
//! instant leaves each step whole or absent.

pub mod blob_seal;
pub mod blobs;
pub mod chain;
pub mod cipher_db;
pub mod key_store;
pub mod migrations;
pub mod queries;
pub mod store_key;

use std::path::{Path, PathBuf};

use fieldcase_protocol::{KeyPair, PublicKey};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::{CoreError, Result};
use crate::model::case::Case;
use crate::model::enterprise::Enterprise;
use crate::model::officer::Officer;
use crate::model::task::Task;
pub use blobs::BlobStore;
pub use chain::{ChainReport, NewLink};
pub use key_store::KeyStore;

/// This device's identity: id and signing key.
#[derive(Debug)]
pub struct Device {
    pub id: String,
    pub key: KeyPair,
}

/// The opened store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    pub blobs: BlobStore,
    pub device: Device,
    pub dir: PathBuf,
}

impl Store {
    /// Opens (or creates) the store in a folder: `fieldcase.db` and `blobs/`, with its key from
    /// this process's key store ([`KeyStore::current`]). A new store gets a device id and key.
    /// `new_device_id` is used only when the store is created.
    pub fn open(dir: &Path, new_device_id: &str, created_at: &str) -> Result<Store> {
        Self::open_with(dir, &KeyStore::current()?, new_device_id, created_at)
    }

    /// [`Store::open`] with its key kept in `keys`.
    pub fn open_with(
        dir: &Path,
        keys: &KeyStore,
        new_device_id: &str,
        created_at: &str,
    ) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| CoreError::Io {
            path: dir.display().to_string(),
            source: e,
        })?;
        let key = cipher_db::store_key(dir, keys)?;
        let mut conn = cipher_db::open(dir, &key)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: the WAL is fsynced at every commit, so a committed (possibly signed) step survives
        // power loss. Measured in the store benchmark; see the README.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Under SQLCipher a page read from the file is decrypted and authenticated each time it
        // enters the cache: the inbox's three covering indexes at 10,000 tasks (~5 MB) did not fit
        // SQLite's default 2 MB and were decrypted again on every read. The cache only grows as
        // pages are read, so a small store costs no more.
        conn.pragma_update(None, "cache_size", -8192)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate_to(&mut conn, migrations::latest())?;
        let device = load_or_create_device(&mut conn, new_device_id, created_at)?;
        let blobs = BlobStore::open(&dir.join("blobs"), key.blob_key())?;
        seal_old_blobs(&mut conn, &blobs)?;
        Ok(Store {
            conn,
            blobs,
            device,
            dir: dir.to_path_buf(),
        })
    }

    /// The raw connection, for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The raw connection for a transaction whose commit does not follow `f`'s result (a
    /// refused sign-in still counts its failure).
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Runs `f` in one IMMEDIATE transaction (the write lock is taken at the start, so two
    /// processes never interleave a read-decide-write).
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>, &Device) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx, &self.device)?;
        tx.commit()?;
        Ok(out)
    }

    /// The device's public key.
    pub fn public_key(&self) -> PublicKey {
        self.device.key.public_key()
    }

    /// Walks the audit chain.
    pub fn verify_chain(&self) -> Result<ChainReport> {
        chain::verify(&self.conn, &self.device.id, &self.device.key.public_key())
    }

    /// A meta value.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Loads a case snapshot.
    pub fn case(&self, id: &str) -> Result<Option<Case>> {
        load_case(&self.conn, id)
    }

    /// An officer from the roster.
    pub fn officer(&self, id: &str) -> Result<Option<Officer>> {
        get_json(&self.conn, "SELECT data FROM officers WHERE id = ?1", id)
    }

    /// An enterprise.
    pub fn enterprise(&self, id: &str) -> Result<Option<Enterprise>> {
        get_json(&self.conn, "SELECT data FROM enterprises WHERE id = ?1", id)
    }

    /// A task.
    pub fn task(&self, id: &str) -> Result<Option<Task>> {
        get_json(&self.conn, "SELECT data FROM tasks WHERE id = ?1", id)
    }
}

/// A keyed connection to the existing store in `dir` (tools and tests that read or alter the
/// database beside the store; the store itself is not opened, migrated or created).
pub fn raw_connection(dir: &Path) -> Result<Connection> {
    let key = cipher_db::existing_key(dir, &KeyStore::current()?)?;
    cipher_db::open(dir, &key)
}

/// Blobs a store from before encryption left in plain files are sealed once; the meta flag
/// spares later opens from looking at every file again.
fn seal_old_blobs(conn: &mut Connection, blobs: &BlobStore) -> Result<()> {
    const FLAG: &str = "blobs_sealed";
    let done: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [FLAG], |r| {
            r.get(0)
        })
        .optional()?;
    if done.is_none() {
        blobs.seal_plain_leftovers()?;
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, '1') ON CONFLICT (key) DO NOTHING",
            [FLAG],
        )?;
    }
    Ok(())
}

fn load_or_create_device(conn: &mut Connection, new_id: &str, created_at: &str) -> Result<Device> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row("SELECT id, pkcs8 FROM device", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if let Some((id, pkcs8)) = row {
        let key =
            KeyPair::from_pkcs8(&pkcs8).map_err(|e| CoreError::Data(format!("device key: {e}")))?;
        return Ok(Device { id, key });
    }
    let key = KeyPair::generate().map_err(|e| CoreError::Data(format!("device key: {e}")))?;
    conn.execute(
        "INSERT INTO device (id, public_key, pkcs8, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            new_id,
            key.public_key().to_string(),
            key.pkcs8(),
            created_at
        ],
    )?;
    Ok(Device {
        id: new_id.to_string(),
        key,
    })
}

pub(crate) fn get_json<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    id: &str,
) -> Result<Option<T>> {
    let text: Option<String> = conn.query_row(sql, [id], |r| r.get(0)).optional()?;
    match text {
        Some(t) => Ok(Some(serde_json::from_str(&t)?)),
        None => Ok(None),
    }
}

/// Loads a case snapshot inside any connection or transaction.
pub fn load_case(conn: &Connection, id: &str) -> Result<Option<Case>> {
    get_json(conn, "SELECT state FROM case_states WHERE case_id = ?1", id)
}

/// Writes a case snapshot and its query projections.
pub fn save_case(tx: &Transaction<'_>, case: &Case, seq: i64) -> Result<()> {
    let state = serde_json::to_string(case)?;
    let status = serde_json::to_value(case.status)?
        .as_str()
        .unwrap_or("open")
        .to_string();
    tx.execute(
        "INSERT INTO cases (id, task_id, enterprise_id, status, opened_at, last_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, last_seq = excluded.last_seq",
        params![
            case.id,
            case.task_id,
            case.enterprise_id,
            status,
            case.opened_at.to_rfc3339(),
            seq
        ],
    )?;
    tx.execute(
        "INSERT INTO case_states (case_id, state) VALUES (?1, ?2)
         ON CONFLICT (case_id) DO UPDATE SET state = excluded.state",
        params![case.id, state],
    )?;
    for officer in &case.team {
        tx.execute(
            "INSERT OR IGNORE INTO case_officers (case_id, officer_id) VALUES (?1, ?2)",
            params![case.id, officer],
        )?;
    }
    for s in &case.samples {
        tx.execute(
            "INSERT OR IGNORE INTO sample_ids (sample_id, case_id) VALUES (?1, ?2)",
            params![s.sample_id, case.id],
        )?;
    }
    tx.execute("DELETE FROM open_interviews WHERE case_id = ?1", [&case.id])?;
    for i in case.interviews.iter().filter(|i| i.ended_at.is_none()) {
        tx.execute(
            "INSERT INTO open_interviews (id_number, case_id, interview_id) VALUES (?1, ?2, ?3)",
            params![i.interviewee.id_number, case.id, i.id],
        )?;
    }
    Ok(())
}
