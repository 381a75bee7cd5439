//! Pull: the changes in the device's scope after its cursor.
//!
//! The server numbers every change with a monotonic version. A device's scope is what its user
//! may see: tasks assigned to their team, the enterprises of their area, the officers of their
//! area, their own cases' center-side fields, and conflicts about them. An entity that leaves the
//! scope arrives as a [`ChangeKind::Remove`]; the device keeps anything it still has unsent work
//! on. A cursor older than the retained change log is answered `410`
//! ([`codes::CURSOR_EXPIRED`](super::codes)); the device then pulls from 0, which answers a
//! [`PullResponse::snapshot`] of the whole scope, and keeps its unsent ops.

use serde::{Deserialize, Serialize};

/// The kinds of thing the center sends down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// A task (the device's reference `Task` shape plus `status`).
    Task,
    /// A regulated enterprise (the device's reference `Enterprise` shape).
    Enterprise,
    /// An officer with credentials (the device's reference `Officer` shape).
    Officer,
    /// A case's center-side fields (review status, review note).
    Case,
    /// A conflict record about the device's work.
    Conflict,
    /// The center's public signing keys (id `center`): the value is a
    /// [`SignedKeyring`](crate::credential::SignedKeyring), which the device takes only when a
    /// key it already trusts signed it. Every device receives it.
    Keyring,
    /// The center's revocation list (id `center`): the value is the sealed `FCR1…` text of a
    /// [`RevocationList`](crate::credential::RevocationList). Every device receives it.
    Revocations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Put,
    Remove,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub version: i64,
    pub entity: Entity,
    pub id: String,
    pub kind: ChangeKind,
    /// The whole current value on `Put`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// `GET /v1/sync/pull?cursor=N&limit=M`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Pass back as `cursor` next time.
    pub cursor: i64,
    pub has_more: bool,
    /// True when this answers cursor 0: `changes` list the whole scope, and the device drops
    /// reference entities absent from it (never its own unsent work).
    pub snapshot: bool,
    pub server_time_ms: u64,
}
