//! The sync protocol between a device and the center (DESIGN.md §Sync, reference/sync.md §5).
//!
//! Plain HTTPS + JSON, request/response:
//! - `POST /v1/enroll` — a one-time enrollment code and the device's Ed25519 public key, with a
//!   proof of the key, buy a token.
//! - `POST /v1/sync/push` — a batch of the device's audit-chain links, in sequence, each with its
//!   operation; answered per op (applied / already applied / rejected).
//! - `POST /v1/device/status` — a device (a revoked one too) proves its enrolled key to learn
//!   whether the center holds it as revoked or active.
//! - `POST /v1/token/renew` — a device whose token expired or was revoked proves its enrolled key
//!   for a new one.
//! - `GET /v1/sync/pull?cursor=N` — the changes in the device's scope after its cursor.
//! - `/v1/blobs/{sha256}` — content-addressed, resumable uploads (HEAD for the durable offset,
//!   PUT/PATCH from that offset; the server checks the SHA-256 before it accepts).
//!
//! Every response carries the server's time so a device corrects its clock offset, and every
//! request names [`PROTOCOL_VERSION`]; an outdated client is told so plainly (`426`).

mod blob;
mod device_proof;
mod device_status;
mod enroll;
mod error;
mod pull;
mod push;
mod token;

pub use blob::{BlobState, UPLOAD_LENGTH, UPLOAD_OFFSET, valid_blob_name};
pub use device_status::{
    CONTEXT_STATUS, DeviceStanding, DeviceStatusRequest, DeviceStatusResponse, STATUS_WINDOW_MS,
    status_payload,
};
pub use enroll::{CONTEXT_ENROLL, EnrollRequest, EnrollResponse, Role, UserInfo, enroll_payload};
pub use error::{ErrorBody, codes};
pub use pull::{Change, ChangeKind, Entity, PullResponse};
pub use push::{OpResult, Outcome, PushOp, PushRequest, PushResponse, SharedField, SharedWrite};
pub use token::{CONTEXT_RENEW, RENEW_WINDOW_MS, RenewRequest, RenewResponse, renew_payload};

/// The protocol this build speaks. The server answers `426 Upgrade Required` with
/// [`codes::PROTOCOL_OUTDATED`] to a client that sends an older one.
pub const PROTOCOL_VERSION: u32 = 1;

/// Header carrying the client's protocol version on every request.
pub const PROTOCOL_HEADER: &str = "fieldcase-protocol";

/// Header on every response: the server's wall clock, Unix milliseconds.
pub const SERVER_TIME_HEADER: &str = "fieldcase-server-time";

/// Most ops in one push.
pub const MAX_BATCH: usize = 500;

/// An op whose HLC is further ahead of the server's clock than this is refused (its effect is not
/// applied; the link is kept so the chain stays whole) and the device told to fix its clock.
pub const MAX_CLOCK_AHEAD_MS: u64 = 2 * 60 * 1000;
