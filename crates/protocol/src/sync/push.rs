//! Push: the device sends its audit-chain links in sequence, each with its operation.
//!
//! Rules the server keeps (and its tests check):
//! - `ops` are contiguous: the first is the link after the last one the server holds for this
//!   device, or a replay of links it holds. A gap is refused with `409` and
//!   [`ErrorBody::expected_seq`](super::ErrorBody); nothing of the batch is stored.
//! - Each link's hash and device signature are re-verified, and each payload against its hash; a
//!   break refuses the batch (`422`, [`codes::CHAIN_BROKEN`](super::codes)), stores nothing and
//!   raises an alert for center staff.
//! - One server transaction per batch. A replayed op (same seq, same op id, same hash) is answered
//!   [`Outcome::AlreadyApplied`] with the result stored the first time; the same seq or op id with
//!   other content is refused.
//! - An op the center cannot apply (out of the user's scope, a clock too far ahead, an illegal
//!   status change) is [`Outcome::Rejected`] with a reason, its link still kept: a rejected op never
//!   blocks the queue, and the device shows it.

use serde::{Deserialize, Serialize};

use super::ErrorBody;
use crate::chain::ChainLink;

/// One link and its operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushOp {
    pub link: ChainLink,
    /// The operation's canonical JSON, whose SHA-256 is `link.payload_sha256`. Absent for links
    /// that stay on the device (a reference import, a pull applied): the center verifies their
    /// place in the chain from the hash alone.
    pub payload: Option<String>,
    /// The server version (pull cursor) the device had seen when the op was made: a shared field
    /// changed at the center after it is a concurrent edit.
    pub seen: i64,
    /// SHA-256s of the files the op refers to (evidence originals, signature images); each must
    /// appear in `payload`. A case is complete at the center only when all of them are stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<String>,
}

/// `POST /v1/sync/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub protocol: u32,
    pub device_id: String,
    /// At most [`MAX_BATCH`](super::MAX_BATCH), in sequence order.
    pub ops: Vec<PushOp>,
}

/// What became of one op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// A replay: the stored result of the first delivery.
    AlreadyApplied,
    /// Kept in the chain, not applied; `reason` says why.
    Rejected,
}

/// Shared fields: written by the devices and by the center, merged by [`SharedWrite`] rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharedField {
    /// A task's status: dispatched → in_progress → done, or cancelled (transition table).
    Status,
    /// A task's assigned team / officers.
    Assignment,
    /// Center staff's review note on a case.
    ReviewNote,
}

/// A write to a shared field, as the server applied or kept it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedWrite {
    pub entity: super::Entity,
    pub id: String,
    pub field: SharedField,
    pub value: serde_json::Value,
    pub hlc: String,
    /// Device id, or `center:<user id>` for a write made through the center API.
    pub origin: String,
}

/// The answer for one op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpResult {
    pub seq: i64,
    pub op_id: String,
    pub outcome: Outcome,
    /// Ids of conflict records this op produced (its value lost, or an illegal transition).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorBody>,
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    pub server_time_ms: u64,
    /// The last seq the server now holds for this device.
    pub last_seq: i64,
    pub results: Vec<OpResult>,
}
