//! The device's sync engine: push the audit chain (with the outbox's operations) to the center,
//! upload blobs as soon as they exist, pull the changes in the user's scope.
//!
//! Everything here is safe to kill at any instant: the center answers replays from its stored
//! results, blob uploads resume from the center's durable offset, and each pulled page is applied
//! with its cursor in one transaction. The protocol is `fieldcase_protocol::sync`.

mod backoff;
mod blobs;
pub(crate) mod center_tls;
mod client;
mod failure;
mod lock;
mod pull;
mod push;
mod renew;
mod review;
mod run;
mod schedule;
mod state;
mod status;

use fieldcase_protocol::sync::UserInfo;

pub use backoff::Backoff;
pub use client::{Client, SyncError};
pub use failure::SyncFailure;
pub use lock::{DeviceLock, device_lock};
pub use renew::Identity;
pub use review::{CenterReview, center_review};
pub use run::{
    SyncReport, client_for, enroll, enroll_with_ca, learn_offset, sync_once, sync_store,
};
pub use schedule::{Schedule, ScheduleState};
pub use state::SyncConfig;
pub use status::{CaseSyncState, Rejected, SyncStatus, case_state, status};

/// The `meta` key of the learnt clock offset (read by the engine at open).
pub const CLOCK_OFFSET_KEY: &str = state::CLOCK_OFFSET;

/// The user this device is enrolled for, if it is.
pub fn enrolled_user(store: &crate::store::Store) -> crate::error::Result<Option<UserInfo>> {
    Ok(state::config(store.conn())?.map(|c| c.user))
}
