//! Who is using the device right now: the enrolled user, signed in with the offline PIN. Every
//! procedure step is refused without a session, and steps are recorded as that officer's.

use serde::Serialize;

/// The signed-in user (登录用户).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Session {
    pub user_id: String,
    pub name: String,
    /// `inspector`, `grid_worker`, ...
    pub role: String,
    /// The roster entry the user acts as (执法人员 or 网格员).
    pub officer_id: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub signed_in_at_ms: u64,
}
