//! A revoked device locks itself (issue 7). When the center answers that this device is revoked
//! (`403 auth.revoked`: it was reported lost, or its holder left), the store records the lock
//! durably — in `meta` and as a `device_locked` link of the device's own audit chain — and from
//! then on the app refuses every command that reads or writes case data, and sync sends nothing.
//! Nothing is deleted or changed: the outbox, the blobs and the cases stay as they were, sealed,
//! because they are evidence an admin will want whole. The device still asks the center, with a
//! request signed by its enrolled key ([`DeviceStatusRequest`]), whether it was reinstated; when
//! it was, the lock is lifted (a `device_unlocked` link) and the sealed records are pushed.
//!
//! The two links carry no case and are not outbox operations: the center receives them (their
//! hashes, in the chain) with the rest once the device is reinstated.

use fieldcase_protocol::sync::{DeviceStanding, DeviceStatusRequest, codes};
use fieldcase_protocol::to_canonical_json;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::client::{Client, SyncError};
use super::failure::SyncFailure;
use super::state::{self, CLOCK_OFFSET};
use crate::env::{Env, SystemEnv};
use crate::error::{CoreError, Result};
use crate::store::{NewLink, Store, chain};

/// The `meta` key holding the lock (JSON of [`DeviceLock`]); absent when unlocked.
const LOCK: &str = "device_lock";

/// Why and since when this device's store is locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceLock {
    /// When this device learnt it was revoked (its own clock, RFC 3339).
    pub locked_at: String,
    /// The center that revoked it.
    pub server: String,
    /// What the center said, as it said it.
    pub center_zh: String,
    pub center_en: String,
}

/// The lock, if the store is locked.
pub fn device_lock(conn: &Connection) -> Result<Option<DeviceLock>> {
    state::get(conn, LOCK)?
        .map(|v| {
            serde_json::from_str(&v)
                .map_err(|e| CoreError::Data(format!("stored device lock: {e}")))
        })
        .transpose()
}

/// Whether the center's refusal says this device is revoked (not merely its token).
pub(crate) fn is_revocation(e: &SyncFailure) -> bool {
    matches!(e, SyncFailure::Sync(SyncError::Refused { status: 403, body }) if body.code == codes::REVOKED)
}

fn canonical(v: &serde_json::Value) -> Result<String> {
    String::from_utf8(to_canonical_json(v)?).map_err(|e| CoreError::Data(e.to_string()))
}

/// Locks the store: the lock in `meta` and a `device_locked` link, in one transaction. Touches
/// no case, outbox row or blob.
pub(crate) fn seal(
    store: &mut Store,
    server: &str,
    at: &str,
    refusal: &SyncFailure,
    stamp: &mut dyn FnMut() -> (String, String),
) -> Result<DeviceLock> {
    let (center_zh, center_en) = match refusal {
        SyncFailure::Sync(SyncError::Refused { body, .. }) => (body.zh.clone(), body.en.clone()),
        other => (other.to_string(), other.to_string()),
    };
    let lock = DeviceLock {
        locked_at: at.to_string(),
        server: server.to_string(),
        center_zh,
        center_en,
    };
    let value = serde_json::to_value(&lock)?;
    let payload = canonical(&value)?;
    let (op_id, hlc) = stamp();
    store.transaction(|tx, device| {
        state::set(tx, LOCK, &value.to_string())?;
        state::set(tx, "hlc_last", &hlc)?;
        chain::append(
            tx,
            &device.key,
            &device.id,
            &NewLink {
                op_id: &op_id,
                case_id: None,
                kind: "device_locked",
                hlc: &hlc,
                payload: &payload,
                outbox: false,
            },
        )?;
        Ok(())
    })?;
    Ok(lock)
}

/// Lifts the lock after the center said the device is active again: `meta` cleared and a
/// `device_unlocked` link, in one transaction.
pub(crate) fn unseal(
    store: &mut Store,
    held: &DeviceLock,
    at: &str,
    stamp: &mut dyn FnMut() -> (String, String),
) -> Result<()> {
    let payload = canonical(&json!({"locked_at": held.locked_at, "unlocked_at": at}))?;
    let (op_id, hlc) = stamp();
    store.transaction(|tx, device| {
        tx.execute("DELETE FROM meta WHERE key = ?1", [LOCK])?;
        state::set(tx, "hlc_last", &hlc)?;
        chain::append(
            tx,
            &device.key,
            &device.id,
            &NewLink {
                op_id: &op_id,
                case_id: None,
                kind: "device_unlocked",
                hlc: &hlc,
                payload: &payload,
                outbox: false,
            },
        )?;
        Ok(())
    })
}

/// Asks the center where it stands on this device, signing with the device's key. The time
/// sent is the center's as this device knows it; when the center finds it too far off (the
/// device's clock moved while it was locked), the answer taught the client the center's clock
/// and one more try uses that.
pub(crate) fn ask_center(
    store: &Store,
    client: &Client,
    at_ms: u64,
) -> std::result::Result<DeviceStanding, SyncFailure> {
    let offset = state::get_i64(store.conn(), CLOCK_OFFSET)?;
    let mut when = at_ms.saturating_add_signed(offset);
    for attempt in 0..2 {
        let req = DeviceStatusRequest::signed(&store.device.id, when, &store.device.key)
            .map_err(|e| CoreError::Data(format!("signing the status request: {e}")))?;
        match client.device_status(&req) {
            Ok(r) => return Ok(r.status),
            Err(SyncError::Refused { body, .. })
                if attempt == 0 && body.code == codes::CLOCK_AHEAD =>
            {
                let learnt = client.clock_offset_ms().unwrap_or(0);
                when = SystemEnv.now_ms().saturating_add_signed(learnt);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(SyncError::Protocol("the center refused the device's clock twice".into()).into())
}
