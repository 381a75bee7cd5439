//! The task inbox (任务列表) as the app shows it: due date and whether it is overdue, distance from
//! where the device is, the enterprise's risk colour, the case opened for it and whether all of
//! that case has reached the center.

use chrono::NaiveDate;
use geo::{Distance, Haversine, Point};
use serde::{Deserialize, Serialize};

use crate::store::queries::InboxRow;
use crate::sync::CaseSyncState;

/// Where the device is, when the UI has a fix (it may not: the inbox still works).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Here {
    pub lat: f64,
    pub lon: f64,
}

/// One task in the inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxItem {
    pub task_id: String,
    /// `random_draw`, `complaint`, ... (the UI names it from the catalogue).
    pub source: String,
    pub due: String,
    /// Due before today.
    pub overdue: bool,
    /// Days until due (negative when overdue).
    pub days_left: i64,
    pub enterprise_id: String,
    pub enterprise_name: String,
    /// `red`, `yellow` or `green` (风险等级).
    pub risk: String,
    /// Straight-line metres from `here`, when a fix was given.
    pub distance_m: Option<f64>,
    pub case_id: Option<String>,
    /// `open` or `closed`; none before a case is opened.
    pub case_status: Option<String>,
    /// Whether all of the case is at the center (none before a case is opened).
    pub case_sync: Option<CaseSyncState>,
}

pub(crate) fn item(
    row: InboxRow,
    today: NaiveDate,
    here: Option<Here>,
    sync: Option<CaseSyncState>,
) -> InboxItem {
    let due = NaiveDate::parse_from_str(&row.due, "%Y-%m-%d").ok();
    let days_left = due.map(|d| (d - today).num_days()).unwrap_or(0);
    let distance_m =
        here.map(|h| Haversine.distance(Point::new(h.lon, h.lat), Point::new(row.lon, row.lat)));
    InboxItem {
        task_id: row.task_id,
        source: row.source,
        overdue: days_left < 0,
        days_left,
        due: row.due,
        enterprise_id: row.enterprise_id,
        enterprise_name: row.enterprise_name,
        risk: row.risk,
        distance_m,
        case_id: row.case_id,
        case_status: row.case_status,
        case_sync: sync,
    }
}
