//! Enterprise objects checked against the shape the device reads before the center stores them.
//!
//! The device deserializes each pulled enterprise as `fieldcase_core::model::enterprise::
//! Enterprise`, which refuses unknown fields: an object it cannot read would stop every device
//! of that area at that change. The server may not depend on core (ARCHITECTURE.md), so the
//! shape is restated here, and the tests crate's `enterprise_shape` test checks that this
//! module and core accept the same objects (this one is stricter in exactly two ways: `id` and
//! `area` must not be empty, and a location must be on the globe).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use fieldcase_protocol::sync::codes;
use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;

/// At most this many problems are listed in one refusal.
const MAX_PROBLEMS: usize = 20;

// The fields are read only by the deserializer: what matters is which objects it accepts.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Enterprise {
    id: String,
    uscc: String,
    name: String,
    address: String,
    area: String,
    #[serde(default)]
    legal_rep: Option<String>,
    location: GeoPoint,
    #[serde(default)]
    boundary: Option<Vec<GeoPoint>>,
    #[serde(default)]
    industry_codes: Vec<String>,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    permit_limits: Vec<PermitLimit>,
    #[serde(default)]
    units: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    risk: Risk,
    #[serde(default)]
    past_inspections: Vec<PastInspection>,
}

/// WGS-84; unlike the enterprise itself, the device's point tolerates extra keys.
#[derive(Deserialize)]
struct GeoPoint {
    lat: f64,
    lon: f64,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermitLimit {
    item: String,
    #[serde(default)]
    param: Option<String>,
    #[serde(default)]
    instance: Option<String>,
    value: f64,
    source: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "snake_case")]
enum Risk {
    Red,
    Yellow,
    #[default]
    Green,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PastInspection {
    date: chrono::NaiveDate,
    source: String,
    #[serde(default)]
    findings: Vec<String>,
}

/// Refuses the whole import, naming every bad item (by its index and, when it has one, its id)
/// and where in it, unless each one is an enterprise the device can read.
pub fn check(items: &[Value]) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Err(e) = check_one(item) {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("?");
            problems.push(format!("item {i} ({id}): {e}"));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let total = problems.len();
    problems.truncate(MAX_PROBLEMS);
    if total > MAX_PROBLEMS {
        problems.push(format!("and {} more", total - MAX_PROBLEMS));
    }
    let list = problems.join("; ");
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::BAD_REQUEST,
        format!("企业未导入（未保存任何数据），{total} 条有误：{list}"),
        format!("enterprises not imported (nothing stored), {total} bad: {list}"),
    ))
}

fn check_one(item: &Value) -> Result<(), String> {
    let e: Enterprise = serde_path_to_error::deserialize(item).map_err(|e| {
        let at = e.path().to_string();
        if at == "." {
            e.inner().to_string()
        } else {
            format!("{at}: {}", e.inner())
        }
    })?;
    for (key, value) in [("id", &e.id), ("area", &e.area)] {
        if value.trim().is_empty() {
            return Err(format!("{key}: must not be empty"));
        }
    }
    let points = std::iter::once(("location", &e.location))
        .chain(e.boundary.iter().flatten().map(|p| ("boundary", p)));
    for (at, p) in points {
        if !(-90.0..=90.0).contains(&p.lat) || !(-180.0..=180.0).contains(&p.lon) {
            return Err(format!(
                "{at}: ({}, {}) is not a WGS-84 latitude and longitude",
                p.lat, p.lon
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good() -> Value {
        json!({"id": "E-1", "uscc": "91320506MA1XYZ1234", "name": "示范电镀", "address": "金枫路88号",
            "area": "320506", "location": {"lat": 31.2556, "lon": 120.6052},
            "permit_limits": [{"item": "EP-07", "value": 0.1, "source": "排污许可证 表3"}],
            "past_inspections": [{"date": "2026-03-14", "source": "random_draw"}]})
    }

    fn refusal(items: &[Value]) -> String {
        check(items).expect_err("refused").body.en
    }

    #[test]
    fn a_readable_enterprise_passes() {
        assert!(check(&[good()]).is_ok());
    }

    #[test]
    fn each_bad_item_is_named_with_where() {
        let mut wrong_type = good();
        wrong_type["location"]["lat"] = json!("31.2");
        let mut unknown = good();
        unknown["permit_limits"][0]["unit"] = json!("mg/L");
        let mut bad_date = good();
        bad_date["past_inspections"][0]["date"] = json!("2026-02-30");
        let mut off_globe = good();
        off_globe["location"]["lon"] = json!(1206.052);
        let en = refusal(&[good(), wrong_type, unknown, bad_date, off_globe]);
        assert!(en.contains("4 bad"), "{en}");
        assert!(
            en.contains("item 1 (E-1): location.lat: invalid type"),
            "{en}"
        );
        assert!(
            en.contains("item 2 (E-1): permit_limits[0].unit: unknown field `unit`"),
            "{en}"
        );
        assert!(
            en.contains("item 3 (E-1): past_inspections[0].date:"),
            "{en}"
        );
        assert!(
            en.contains("item 4 (E-1): location: (31.2556, 1206.052)"),
            "{en}"
        );
    }

    #[test]
    fn missing_and_empty_required_fields_are_refused() {
        let mut no_name = good();
        no_name.as_object_mut().expect("object").remove("name");
        assert!(refusal(&[no_name]).contains("missing field `name`"));
        let mut empty_area = good();
        empty_area["area"] = json!(" ");
        assert!(refusal(&[empty_area]).contains("area: must not be empty"));
        assert!(refusal(&[json!(7)]).contains("item 0 (?): invalid type: integer `7`"));
    }
}
