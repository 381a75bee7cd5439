//! The one error body every refusal carries: a stable code, Chinese for the user, English for
//! the log, and the fields a client needs to act on it.

use serde::{Deserialize, Serialize};

/// Stable error codes (the client matches on these, never on text).
pub mod codes {
    pub const PROTOCOL_OUTDATED: &str = "protocol.outdated";
    pub const BAD_REQUEST: &str = "request.bad";
    pub const TOO_LARGE: &str = "request.too_large";
    /// The request's body went silent for longer than the center waits (its
    /// `--body-idle-secs`): sent with 408, transient (a poor link; try again).
    pub const STALLED: &str = "request.stalled";
    pub const UNAUTHENTICATED: &str = "auth.missing";
    pub const FORBIDDEN: &str = "auth.forbidden";
    pub const REVOKED: &str = "auth.revoked";
    /// The bearer token is past its expiry: renew it with the device key (`/v1/token/renew`).
    pub const TOKEN_EXPIRED: &str = "token.expired";
    /// The bearer token was revoked (signed out, or by an admin); the device itself was not:
    /// renew it with the device key.
    pub const TOKEN_REVOKED: &str = "token.revoked";
    /// A renewal the center refuses: unknown device, wrong key, time outside the window or
    /// not later than the last renewal.
    pub const RENEW_REFUSED: &str = "token.renew_refused";
    /// Too many requests from this address for a limited endpoint; wait `Retry-After` seconds.
    pub const RATE_LIMITED: &str = "rate.limited";
    pub const ENROLL_CODE: &str = "enroll.bad_code";
    pub const SEQ_GAP: &str = "sync.seq_gap";
    pub const CHAIN_BROKEN: &str = "sync.chain_broken";
    pub const OP_CONFLICT: &str = "sync.op_id_reused";
    /// An op's HLC is more than `MAX_CLOCK_AHEAD_MS` ahead of the server (op rejected).
    pub const CLOCK_AHEAD: &str = "sync.clock_ahead";
    /// An op touches a task or case outside the device user's scope (op rejected).
    pub const OUT_OF_SCOPE: &str = "sync.out_of_scope";
    /// An op the center cannot read or apply: unreadable payload, a case not opened first
    /// (op rejected).
    pub const BAD_OP: &str = "sync.bad_op";
    pub const CURSOR_EXPIRED: &str = "sync.cursor_expired";
    pub const BLOB_HASH: &str = "blob.hash_mismatch";
    pub const BLOB_OFFSET: &str = "blob.offset";
    pub const BLOB_NAME: &str = "blob.bad_name";
    /// Another connection is uploading this blob right now (maybe one the device itself gave up
    /// on): retry later, from the offset `HEAD` then answers. Sent with 503, so it is transient.
    pub const BLOB_BUSY: &str = "blob.busy";
    /// An upload's body went silent for longer than the center waits (`--body-idle-secs`):
    /// what arrived is kept, and the upload resumes from `HEAD`'s offset. Sent with 408.
    pub const BLOB_STALLED: &str = "blob.stalled";
    /// The center's stored bytes of a blob are missing, of another length, or no longer hash
    /// to its name (changed on the disk or in the bucket after they were verified at upload):
    /// refused with 500, and an alert is recorded.
    pub const BLOB_CORRUPT: &str = "blob.corrupt";
    pub const NOT_FOUND: &str = "not_found";
    pub const INTERNAL: &str = "internal";
}

/// A refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// On [`codes::SEQ_GAP`]: the sequence number the server expects next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<i64>,
    /// On [`codes::BLOB_OFFSET`]: the durable offset to resume from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl ErrorBody {
    pub fn new(code: &str, zh: impl Into<String>, en: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code: code.to_string(),
            zh: zh.into(),
            en: en.into(),
            expected_seq: None,
            offset: None,
        }
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {} / {}", self.code, self.zh, self.en)
    }
}
