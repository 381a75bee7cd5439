//! The domain model: reference data from the center (enterprises, officers, tasks) and the case
//! that a guided procedure builds up on site.

pub mod case;
pub mod enterprise;
pub mod officer;
pub mod task;

/// A point in WGS-84 (what GNSS gives; map display converts, storage never does).
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// A timestamp as stored and shown: ISO-8601 with the China offset (+08:00).
pub type Time = chrono::DateTime<chrono::FixedOffset>;
