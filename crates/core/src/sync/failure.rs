//! A sync run stops either because the device's own store failed (a bug or a full disk: report
//! it) or because the center could not be reached or refused (retry with backoff, or show it).

use super::client::SyncError;
use crate::error::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncFailure {
    #[error(transparent)]
    Store(#[from] CoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The center revoked this device: its store is locked and its records sealed until an admin
    /// reinstates it (see `sync::lock`).
    #[error("this device was revoked by the center and its store is locked: {}", .0.center_en)]
    Locked(super::lock::DeviceLock),
}

impl SyncFailure {
    /// Whether a later attempt may succeed without anyone changing anything.
    pub fn transient(&self) -> bool {
        match self {
            SyncFailure::Sync(e) => e.transient(),
            // Another connection held the write lock past the busy timeout (the app's steps and
            // its sync thread share the store): the next run will get it.
            SyncFailure::Store(CoreError::Storage(rusqlite::Error::SqliteFailure(e, _))) => {
                matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                )
            }
            SyncFailure::Store(_) => false,
            // Nothing is sent, but the device keeps asking the center (with backoff) whether it
            // was reinstated, so it unlocks without anyone touching it.
            SyncFailure::Locked(_) => true,
        }
    }
}

impl From<rusqlite::Error> for SyncFailure {
    fn from(e: rusqlite::Error) -> Self {
        SyncFailure::Store(e.into())
    }
}

impl From<serde_json::Error> for SyncFailure {
    fn from(e: serde_json::Error) -> Self {
        SyncFailure::Store(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_store_is_retried_other_store_failures_need_attention() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(SyncFailure::Store(CoreError::Storage(busy)).transient());
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert!(!SyncFailure::Store(CoreError::Storage(full)).transient());
        assert!(!SyncFailure::Store(CoreError::Data("x".into())).transient());
    }

    #[test]
    fn refusals_worth_retrying_are_transient() {
        use fieldcase_protocol::sync::{ErrorBody, codes};
        let refused = |status: u16, code: &str| {
            SyncFailure::Sync(SyncError::Refused {
                status,
                body: ErrorBody::new(code, "", ""),
            })
        };
        assert!(refused(503, codes::BLOB_BUSY).transient());
        assert!(refused(408, codes::BLOB_STALLED).transient());
        assert!(refused(429, "rate_limited").transient());
        assert!(!refused(409, codes::BLOB_OFFSET).transient());
        assert!(!refused(401, "auth").transient());
    }
}
