//! The center's review of a case (审查), as the last pull brought it: the case's change carries
//! it, and `pull` keeps every case change in `center_records`. The field app shows it on the
//! case (returned with a note means the inspectors have something to do).

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::Store;

/// Where the center's review of a case stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CenterReview {
    /// received, under_review, accepted or returned.
    pub state: String,
    /// Why it was returned (or a reviewer's remark).
    pub note: Option<String>,
    /// `center:<user id>`.
    pub by: Option<String>,
    pub at_ms: Option<i64>,
}

/// The review the center last sent for `case_id`; `None` before the center has answered for it.
pub fn center_review(store: &Store, case_id: &str) -> Result<Option<CenterReview>> {
    let value: Option<String> = store
        .conn()
        .query_row(
            "SELECT value FROM center_records WHERE entity = 'case' AND id = ?1",
            [case_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value
        .and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
        .and_then(|v| serde_json::from_value(v.get("review")?.clone()).ok()))
}
