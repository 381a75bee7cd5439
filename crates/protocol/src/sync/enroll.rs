//! Enrollment: an admin creates a user and a one-time code; the device trades the code and its
//! Ed25519 public key for a bearer token.

use serde::{Deserialize, Serialize};

/// What a user may do (and see).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 执法人员: runs inspections; sees the tasks assigned to their team and their own cases.
    Inspector,
    /// 网格员: like an inspector, within their grid area.
    GridWorker,
    /// 中心工作人员: dispatches tasks, reviews cases, resolves conflicts.
    CenterStaff,
    /// 管理员: users, devices, enrollment codes.
    Admin,
}

impl Role {
    /// Roles that carry a device and push field work.
    pub fn in_field(self) -> bool {
        matches!(self, Role::Inspector | Role::GridWorker)
    }
}

/// `POST /v1/enroll`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub protocol: u32,
    /// The one-time code the center issued.
    pub code: String,
    /// The device's id (its audit-chain links name it).
    pub device_id: String,
    /// Ed25519 public key, lowercase hex.
    pub public_key: String,
    /// What the user calls the device ("张伟的平板").
    pub label: String,
}

/// The enrolled user, as the device shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct UserInfo {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    /// Administrative area code (行政区划代码) the user works in.
    pub area: String,
    /// The team whose tasks the user sees (inspectors).
    pub team: Option<String>,
    /// The officer record this user is, when they hold enforcement credentials.
    pub officer_id: Option<String>,
}

/// The answer to an enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct EnrollResponse {
    /// Bearer token for every later request; shown once.
    pub token: String,
    pub user: UserInfo,
    pub server_time_ms: u64,
    /// The center's public signing keys: the device's trust anchor for credentials, taken at
    /// enrollment and afterwards replaced only by a set one of these keys signed.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub keyring: crate::credential::SignedKeyring,
}
