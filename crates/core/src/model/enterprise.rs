//! 一企一档 — the enterprise file the device caches for its area.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::GeoPoint;

/// A regulated enterprise (排污单位).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    pub id: String,
    /// 统一社会信用代码 (18 characters).
    pub uscc: String,
    pub name: String,
    pub address: String,
    /// Administrative area code; officers' credentials must cover it (V-02).
    pub area: String,
    #[serde(default)]
    pub legal_rep: Option<String>,
    pub location: GeoPoint,
    /// Site boundary ring; when present the geofence is the polygon, not the radius.
    #[serde(default)]
    pub boundary: Option<Vec<GeoPoint>>,
    #[serde(default)]
    pub industry_codes: Vec<String>,
    /// Dossier flags used by forms: special_limits, has_online_monitoring, has_permit, …
    #[serde(default)]
    pub flags: Vec<String>,
    /// Binding limits from the permit / EIA approval, overriding form defaults.
    #[serde(default)]
    pub permit_limits: Vec<PermitLimit>,
    /// Instances for repeated items: {"outlet": ["DW001", "DW002"], …}.
    #[serde(default)]
    pub units: BTreeMap<String, Vec<String>>,
    /// 三色码 risk colour.
    #[serde(default)]
    pub risk: Risk,
    /// Inspections of this enterprise the center knows of (for V-17).
    #[serde(default)]
    pub past_inspections: Vec<PastInspection>,
}

/// A permit value for one item (and parameter, and instance).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PermitLimit {
    pub item: String,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default)]
    pub instance: Option<String>,
    pub value: f64,
    /// e.g. "排污许可证 91320500MA1XXXXX001P 表3".
    pub source: String,
}

/// 三色码: red / yellow / green.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Red,
    Yellow,
    #[default]
    Green,
}

/// An earlier inspection known to the center.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PastInspection {
    pub date: chrono::NaiveDate,
    pub source: String,
    #[serde(default)]
    pub findings: Vec<String>,
}
