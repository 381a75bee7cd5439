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
}

impl SyncFailure {
    /// Whether a later attempt may succeed without anyone changing anything.
    pub fn transient(&self) -> bool {
        match self {
            SyncFailure::Sync(e) => e.transient(),
            SyncFailure::Store(_) => false,
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
