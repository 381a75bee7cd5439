//! Tasks dispatched by the center (任务).

use serde::{Deserialize, Serialize};

/// An inspection or verification task.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub source: TaskSource,
    #[serde(default)]
    pub source_ref: Option<String>,
    pub enterprise_id: String,
    /// Procedure id in forms/procedures.
    pub procedure: String,
    /// Assigned staff ids.
    pub officers: Vec<String>,
    pub due: chrono::NaiveDate,
    #[serde(default)]
    pub needs_sampling: bool,
    /// 检查事项.
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub approved_by: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// The center's status of the task (pulled; absent in a hand-imported reference bundle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
}

/// 任务状态 at the center: dispatched → in_progress → done, or cancelled.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Dispatched,
    InProgress,
    Done,
    Cancelled,
}

/// 任务来源.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskSource {
    /// 双随机抽查
    RandomDraw,
    /// 在线监控工单
    WorkOrder,
    /// 信访投诉/12369
    Complaint,
    /// 专项行动
    Special,
    /// 上级部署的专项检查 (exempt from the annual cap)
    UpperSpecial,
    /// 整改复查
    Recheck,
    /// 交办转办
    Referral,
    /// 证后核查
    PermitFollowup,
    /// 巡查
    Patrol,
    /// 线索 (data lead)
    Lead,
}

impl TaskSource {
    /// The snake_case name used in forms (annual_cap_exempt_sources).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskSource::RandomDraw => "random_draw",
            TaskSource::WorkOrder => "work_order",
            TaskSource::Complaint => "complaint",
            TaskSource::Special => "special",
            TaskSource::UpperSpecial => "upper_special",
            TaskSource::Recheck => "recheck",
            TaskSource::Referral => "referral",
            TaskSource::PermitFollowup => "permit_followup",
            TaskSource::Patrol => "patrol",
            TaskSource::Lead => "lead",
        }
    }
}
