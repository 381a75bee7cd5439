//! One sync run — push, upload, pull — and enrollment, over an [`Engine`].

use fieldcase_protocol::sync::{
    DeviceStanding, EnrollRequest, MAX_CLOCK_AHEAD_MS, PROTOCOL_VERSION, UserInfo,
};

use super::SyncFailure;
use super::blobs::{self, BlobCounts};
use super::center_tls;
use super::client::Client;
use super::lock;
use super::pull::{self, PullCounts};
use super::push::{self, PushCounts};
use super::renew::Identity;
use super::state::{self, CLOCK_OFFSET, SERVER, TOKEN, USER};
use crate::engine::Engine;
use crate::env::{Env, SystemEnv};
use crate::error::CoreError;
use crate::store::Store;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub push: PushCounts,
    pub blobs: BlobCounts,
    pub pull: PullCounts,
    /// Center clock minus device clock, learnt in this run.
    pub clock_offset_ms: Option<i64>,
}

/// Enrolls this device with the center at `server` using a one-time `code`; stores the token.
pub fn enroll<E: Env>(
    engine: &mut Engine<E>,
    server: &str,
    code: &str,
    label: &str,
) -> Result<UserInfo, SyncFailure> {
    enroll_with_ca(engine, server, code, label, None)
}

/// [`enroll`] with the center's TLS certificate (or its CA) as PEM: trusted for this center from
/// now on, instead of the platform's roots. Only for an `https://` center. Without one, a
/// certificate the store already holds is used, if any.
pub fn enroll_with_ca<E: Env>(
    engine: &mut Engine<E>,
    server: &str,
    code: &str,
    label: &str,
    ca_pem: Option<&str>,
) -> Result<UserInfo, SyncFailure> {
    if ca_pem.is_some() && !server.starts_with("https://") {
        return Err(CoreError::Data(format!(
            "a CA certificate was given but {server} is not an https:// address: the certificate \
             is for a center that speaks TLS"
        ))
        .into());
    }
    let (store, _, _, _) = engine.sync_parts();
    let ca = match ca_pem {
        Some(pem) => Some(pem.to_string()),
        None => state::get(store.conn(), center_tls::CA_PEM)?,
    };
    let client = Client::connect(server, None, ca.as_deref(), None)?;
    let req = EnrollRequest::signed(
        PROTOCOL_VERSION,
        code,
        &store.device.id,
        &store.device.key,
        label,
    )
    .map_err(|e| CoreError::Data(format!("signing the enrollment: {e}")))?;
    let resp = client.enroll(&req)?;
    let user = serde_json::to_string(&resp.user)?;
    store.transaction(|tx, _| {
        state::set(tx, SERVER, server)?;
        state::set(tx, TOKEN, &resp.token)?;
        state::set(tx, USER, &user)?;
        if let Some(pem) = ca_pem {
            state::set(tx, center_tls::CA_PEM, pem)?;
        }
        crate::trust::accept_first(tx, &resp.keyring)
    })?;
    // The first answer already tells the center's time: ops made before the first sync are
    // stamped in center time too.
    learn_offset(engine, &client)?;
    Ok(resp.user)
}

/// Takes the clock offset the client's last answer taught (center minus this device's clock) as
/// the one the engine stamps ops with; answers it. The client measures against the system
/// clock, the engine stamps with its own `Env` clock (the same on a device; a fixed or stepped
/// clock in field trials and tests), so the difference between the two is added.
pub fn learn_offset<E: Env>(
    engine: &mut Engine<E>,
    client: &Client,
) -> Result<Option<i64>, SyncFailure> {
    // A token the client renewed during the run: kept before anything else can fail.
    if let Some(token) = client.take_renewed_token() {
        let (store, _, _, _) = engine.sync_parts();
        store.transaction(|tx, _| state::set(tx, TOKEN, &token))?;
    }
    let Some(off) = client.clock_offset_ms() else {
        return Ok(None);
    };
    let (store, hlc, env, offset) = engine.sync_parts();
    let system = SystemEnv.now_ms();
    let env_ms = env.now_ms();
    let off = off.saturating_add((system as i64).saturating_sub(env_ms as i64));
    *offset = off;
    // Ops stamped while the clock ran fast were refused by the center; without this every later
    // op would be stamped past them, and refused too, until the wall clock caught up.
    let corrected = env_ms.saturating_add_signed(off);
    let rewound = hlc
        .rewind_if_ahead(corrected, MAX_CLOCK_AHEAD_MS)
        .then(|| hlc.last().to_string());
    store.transaction(|tx, _| {
        state::set(tx, CLOCK_OFFSET, &off.to_string())?;
        match &rewound {
            Some(last) => state::set(tx, "hlc_last", last),
            None => Ok(()),
        }
    })?;
    Ok(Some(off))
}

/// A client for the center this device is enrolled with.
pub fn client_for<E: Env>(engine: &Engine<E>) -> Result<Client, SyncFailure> {
    let cfg = state::config(engine.store().conn())?.ok_or_else(|| {
        CoreError::Data(
            "this device is not enrolled with a center (fieldcase enroll --server URL --code CODE)"
                .into(),
        )
    })?;
    let conn = engine.store().conn();
    let ca = state::get(conn, center_tls::CA_PEM)?;
    let me = Identity::of(&engine.store().device)?;
    Ok(Client::connect(
        &cfg.server,
        Some(cfg.token),
        ca.as_deref(),
        Some(me),
    )?)
}

/// Pushes every link, uploads every blob, pulls every change; stops at the first failure (the
/// caller retries with [`super::Backoff`]). `progress(blobs_done, blobs_total, bytes_sent)`.
pub fn sync_once<E: Env>(
    engine: &mut Engine<E>,
    client: &Client,
    progress: &mut dyn FnMut(usize, usize, u64),
) -> Result<SyncReport, SyncFailure> {
    let mut report = SyncReport::default();
    let result = run(engine, client, progress, &mut report);
    // Whatever happened, keep the clock offset the center's answers taught us.
    report.clock_offset_ms = learn_offset(engine, client)?;
    result.map(|()| report)
}

fn run<E: Env>(
    engine: &mut Engine<E>,
    client: &Client,
    progress: &mut dyn FnMut(usize, usize, u64),
    report: &mut SyncReport,
) -> Result<(), SyncFailure> {
    let (store, hlc, env, offset) = engine.sync_parts();
    let physical = |env: &E| env.now_ms().saturating_add_signed(*offset);
    let mut stamp = || {
        let h = hlc.now(physical(env)).to_string();
        (env.new_id().to_string(), h)
    };
    let at = env.now().to_rfc3339();
    *report = sync_store(store, client, &at, &mut stamp, progress)?;
    Ok(())
}

/// Push, upload, pull on a store handle: the whole run without the engine. The app's sync thread
/// runs it on a connection of its own, so steps never wait for the network; `stamp` gives a
/// fresh (op id, HLC) for each pulled page and is the only thing it borrows from the engine.
/// Afterwards the caller lets the engine [`learn_offset`].
///
/// A locked store (the center revoked this device, `super::lock`) sends nothing: the run only
/// asks the center whether the device was reinstated, and unlocks and goes on when it was. A
/// revocation met during the run locks the store.
pub fn sync_store(
    store: &mut Store,
    client: &Client,
    at: &str,
    stamp: &mut dyn FnMut() -> (String, String),
    progress: &mut dyn FnMut(usize, usize, u64),
) -> Result<SyncReport, SyncFailure> {
    if let Some(held) = lock::device_lock(store.conn())? {
        let at_ms = chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| t.timestamp_millis().max(0) as u64)
            .unwrap_or_else(|_| SystemEnv.now_ms());
        match lock::ask_center(store, client, at_ms)? {
            DeviceStanding::Revoked => return Err(SyncFailure::Locked(held)),
            DeviceStanding::Active => lock::unseal(store, &held, at, stamp)?,
        }
    }
    match exchange(store, client, at, stamp, progress) {
        Err(e) if lock::is_revocation(&e) => {
            let server = state::config(store.conn())?
                .map(|c| c.server)
                .unwrap_or_default();
            Err(SyncFailure::Locked(lock::seal(
                store, &server, at, &e, stamp,
            )?))
        }
        other => other,
    }
}

/// Push, upload, pull, push: the exchange itself.
fn exchange(
    store: &mut Store,
    client: &Client,
    at: &str,
    stamp: &mut dyn FnMut() -> (String, String),
    progress: &mut dyn FnMut(usize, usize, u64),
) -> Result<SyncReport, SyncFailure> {
    let mut report = SyncReport {
        push: push::push_all(store, client, at)?,
        ..SyncReport::default()
    };
    report.blobs = blobs::upload_all(store, client, at, progress)?;
    report.pull = pull::pull_all(store, client, stamp)?;
    // The pull recorded local links: let the center hold them too.
    let more = push::push_all(store, client, at)?;
    report.push.sent += more.sent;
    report.push.applied += more.applied;
    report.push.already += more.already;
    report.push.rejected += more.rejected;
    Ok(report)
}
