//! The dispatch side of the center API (任务派发): the task list with its shared fields as the
//! center holds them, the teams tasks go to, and the officers nearest to a task's enterprise
//! (就近派单, domain.md §7.4) — never offered for a double-random task, which must stay random.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::center::center;
use crate::error::{ApiError, ApiResult};
use crate::query_params::{one_of, page, text};
use crate::store::reference::OfficerNames;
use crate::store::sql::args;
use crate::store::sql::{Value as SqlValue, bind, json_text, like_anywhere, where_all};
use crate::store::{DbResult, Sql, reference};

const TASKS_MAX: i64 = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskParams {
    status: Option<String>,
    source: Option<String>,
    team: Option<String>,
    /// Part of the task id or of the enterprise's name.
    q: Option<String>,
    /// Tasks naming this enterprise.
    enterprise: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub status: Option<String>,
    pub source: Option<String>,
    pub team: Option<String>,
    pub q: Option<String>,
    pub enterprise: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Tasks newest first, each with its status and assignment as the center holds them, the
/// officers by name, and the cases opened on it.
pub fn list(conn: &dyn Sql, f: &TaskFilter) -> DbResult<Vec<Value>> {
    let d = conn.dialect();
    let (source, ename, eid) = (
        json_text(d, "t.value", "source"),
        json_text(d, "e.value", "name"),
        json_text(d, "t.value", "enterprise_id"),
    );
    let mut cond = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let p = &mut params;
    if let Some(v) = &f.status {
        // Field values are stored as JSON text.
        cond.push(format!(
            "fs.value = {}",
            bind(p, Value::String(v.clone()).to_string())
        ));
    }
    if let Some(v) = &f.source {
        cond.push(format!("{source} = {}", bind(p, v)));
    }
    if let Some(v) = &f.team {
        cond.push(format!("t.team = {}", bind(p, v)));
    }
    if let Some(v) = &f.enterprise {
        cond.push(format!("{eid} = {}", bind(p, v)));
    }
    if let Some(v) = &f.q {
        let (a, b) = (bind(p, like_anywhere(v)), bind(p, like_anywhere(v)));
        cond.push(format!(
            "(t.id LIKE {a} ESCAPE '\\' OR {ename} LIKE {b} ESCAPE '\\')"
        ));
    }
    let limit = bind(p, f.limit);
    let offset = bind(p, f.offset);
    let where_ = where_all(&cond);
    let sql = format!(
        "SELECT t.id, t.team, t.value, t.created_at_ms, t.draw_id, {ename},
                fs.value, fs.hlc, fs.version, fa.value, fa.version
         FROM tasks t
         LEFT JOIN enterprises e ON e.id = {eid}
         LEFT JOIN fields fs ON fs.entity = 'task' AND fs.id = t.id AND fs.field = 'status'
         LEFT JOIN fields fa ON fa.entity = 'task' AND fa.id = t.id AND fa.field = 'assignment'
         {where_}
         ORDER BY t.created_at_ms DESC, t.id
         LIMIT {limit} OFFSET {offset}"
    );
    let rows = conn.query(&sql, &params)?;
    let mut names = OfficerNames::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.str(0)?;
        let v: Value = serde_json::from_str(&r.str(2)?).unwrap_or(Value::Null);
        let ids = v["officers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        let officers = names.named(conn, ids)?;
        let parse = |s: Option<String>| {
            s.and_then(|s| serde_json::from_str::<Value>(&s).ok())
                .unwrap_or(Value::Null)
        };
        let case_ids: Vec<String> = conn
            .query(
                "SELECT case_id FROM cases WHERE task_id = ?1 ORDER BY case_id",
                args![id.as_str()],
            )?
            .iter()
            .map(|c| c.str(0))
            .collect::<DbResult<_>>()?;
        let version = r.opt_i64(8)?.unwrap_or(0).max(r.opt_i64(10)?.unwrap_or(0));
        out.push(json!({
            "id": id,
            "team": r.str(1)?,
            "source": v["source"],
            "source_ref": v["source_ref"],
            "enterprise_id": v["enterprise_id"],
            "enterprise_name": r.opt_str(5)?,
            "procedure": v["procedure"],
            "officers": officers,
            "due": v["due"],
            "needs_sampling": v["needs_sampling"].as_bool().unwrap_or(false),
            "note": v["note"],
            "approved_by": v["approved_by"],
            "status": parse(r.opt_str(6)?),
            "status_hlc": r.opt_str(7)?,
            "assignment": parse(r.opt_str(9)?),
            "version": version,
            "draw_id": r.opt_str(4)?,
            "created_at_ms": r.i64(3)?,
            "case_ids": case_ids,
        }));
    }
    Ok(out)
}

const STATUSES: [&str; 4] = ["dispatched", "in_progress", "done", "cancelled"];

/// `GET /v1/tasks?status=&source=&team=&q=&enterprise=&limit=&offset=`
pub async fn list_tasks(
    State(st): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<TaskParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let status = one_of("status", text(p.status), &STATUSES)?;
    let source = text(p.source);
    if let Some(s) = &source
        && serde_json::from_value::<crate::task_json::Source>(Value::String(s.clone())).is_err()
    {
        return Err(ApiError::bad_request(format!(
            "`source` {s:?} is not a task source"
        )));
    }
    let (limit, offset) = page(p.limit, p.offset, 200, TASKS_MAX)?;
    let f = TaskFilter {
        status,
        source,
        team: text(p.team),
        q: text(p.q),
        enterprise: text(p.enterprise),
        limit,
        offset,
    };
    let list = st.db.read(move |s| Ok(list(&s.conn, &f)?)).await?;
    Ok(Json(Value::Array(list)))
}

/// `GET /v1/teams`: every team with its members (what a task can be dispatched to).
pub async fn teams(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let out = st
        .db
        .read(|s| {
            let rows = s.conn.query(
                "SELECT team, user_id, name, role, officer_id FROM users
                 WHERE team IS NOT NULL AND team <> '' ORDER BY team, user_id",
                &[],
            )?;
            let mut teams: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for r in &rows {
                teams.entry(r.str(0)?).or_default().push(json!({
                    "user_id": r.str(1)?, "name": r.str(2)?, "role": r.str(3)?,
                    "officer_id": r.opt_str(4)?,
                }));
            }
            Ok(teams
                .into_iter()
                .map(|(team, members)| json!({"team": team, "members": members}))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(Json(Value::Array(out)))
}

/// Great-circle distance in metres (haversine; metres matter here, not millimetres).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_008.8;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = la2 - la1;
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearestParams {
    radius_m: Option<f64>,
}

/// `GET /v1/tasks/{id}/nearest?radius_m=3000`: officers by straight-line distance from the
/// enterprise to where each was last seen at work (a synced check-in or evidence fix), within
/// the radius; those with a declared conflict with the enterprise are listed as excluded. Road
/// ETA, workload and skills (§7.4) are the clerk's judgement on this list.
pub async fn nearest(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Result<Query<NearestParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let radius = p.radius_m.unwrap_or(3000.0);
    if !(radius.is_finite() && radius > 0.0 && radius <= 200_000.0) {
        return Err(ApiError::bad_request(
            "`radius_m` must be more than 0 and at most 200000",
        ));
    }
    st.db
        .read(move |s| {
            let conn = &s.conn;
            let task = reference::task(conn, &id)?.ok_or_else(|| ApiError::not_found("task"))?;
            if task.value["source"] == "random_draw" {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "dispatch.random_draw",
                    "双随机抽查任务须随机选派人员，不能就近派单",
                    "a double-random task keeps its randomly drawn officers: nearest dispatch does not apply",
                ));
            }
            let eid = task.value["enterprise_id"].as_str().unwrap_or_default();
            let ent = reference::enterprise(conn, eid)?
                .ok_or_else(|| ApiError::not_found("the task's enterprise"))?;
            let (Some(lat), Some(lon)) = (
                ent.pointer("/location/lat").and_then(Value::as_f64),
                ent.pointer("/location/lon").and_then(Value::as_f64),
            ) else {
                return Err(ApiError::bad_request("the task's enterprise has no location"));
            };
            let rows = conn.query(
                "SELECT p.officer_id, p.position, o.value,
                   (SELECT u.team FROM users u WHERE u.officer_id = p.officer_id
                      AND u.team IS NOT NULL ORDER BY u.user_id LIMIT 1)
                 FROM officer_positions p LEFT JOIN officers o ON o.id = p.officer_id",
                &[],
            )?;
            let open = open_tasks(conn)?;
            let mut list = Vec::new();
            for r in &rows {
                let officer_id = r.str(0)?;
                let pos: Value = serde_json::from_str(&r.str(1)?).unwrap_or(Value::Null);
                let (Some(plat), Some(plon)) = (pos["lat"].as_f64(), pos["lon"].as_f64()) else {
                    continue;
                };
                let d = distance_m((lat, lon), (plat, plon));
                if d > radius {
                    continue;
                }
                let officer: Value = r
                    .opt_str(2)?
                    .and_then(|v| serde_json::from_str(&v).ok())
                    .unwrap_or(Value::Null);
                let conflict = officer["conflicts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|c| c["enterprise_id"] == eid);
                list.push(json!({
                    "officer_id": officer_id,
                    "name": officer["name"],
                    "team": r.opt_str(3)?,
                    "distance_m": d.round(),
                    "position": pos,
                    "open_tasks": open.get(&officer_id).copied().unwrap_or(0),
                    "excluded": conflict.map(|_| "recusal"),
                    "excluded_detail": conflict.map(|c| c["relation"].clone()),
                }));
            }
            list.sort_by(|a, b| {
                let d = |v: &Value| v["distance_m"].as_f64().unwrap_or(f64::MAX);
                d(a).total_cmp(&d(b))
            });
            Ok(Json(json!({
                "radius_m": radius,
                "task_id": id,
                "enterprise": {"id": eid, "name": ent["name"], "location": ent["location"]},
                "officers": list,
            })))
        })
        .await
}

/// Open tasks (dispatched or in progress) naming each officer.
fn open_tasks(conn: &dyn Sql) -> DbResult<BTreeMap<String, i64>> {
    let rows = conn.query(
        "SELECT t.value FROM tasks t JOIN fields fs
           ON fs.entity = 'task' AND fs.id = t.id AND fs.field = 'status'
         WHERE fs.value IN ('\"dispatched\"', '\"in_progress\"')",
        &[],
    )?;
    let mut out = BTreeMap::new();
    for r in &rows {
        let v: Value = serde_json::from_str(&r.str(0)?).unwrap_or(Value::Null);
        for o in v["officers"].as_array().into_iter().flatten() {
            if let Some(o) = o.as_str() {
                *out.entry(o.to_string()).or_insert(0) += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::distance_m;

    #[test]
    fn distances_are_metres_on_the_ground() {
        // One minute of latitude is a nautical mile.
        let d = distance_m((31.0, 120.6), (31.0 + 1.0 / 60.0, 120.6));
        assert!((d - 1853.0).abs() < 3.0, "{d}");
        assert_eq!(distance_m((31.3, 120.6), (31.3, 120.6)), 0.0);
    }
}
