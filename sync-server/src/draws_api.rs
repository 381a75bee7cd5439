//! Double-random draws at the center (双随机抽查): freeze the object pool (enterprises matching
//! the plan's area, industries, flags and risk colours, minus those at their annual inspection
//! cap) and the officer pool, draw with the recorded seed (`draw::run`), record everything —
//! seed and its hash, pool hashes, operator, supervisor, inputs, ordered result, exclusions —
//! and, when asked, create the tasks. `GET /v1/draws/{id}/verify` runs the recorded draw again.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use fieldcase_protocol::Sha256;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::{AppState, BODY_LIMIT};
use crate::center::{center, store_tasks};
use crate::draw::{self, Object, Officer};
use crate::error::{ApiError, ApiResult};
use crate::store::sql::args;
use crate::store::{DbResult, Sql, changes, reference};
use crate::util::{new_id, now_ms, read_json};
use crate::{audit, task_json};

/// Used when the plan gives no cap (forms/procedures/inspection.yaml `annual_cap`).
const DEFAULT_ANNUAL_CAP: i64 = 2;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    name: String,
    year: i32,
    /// Area code prefix of the pool, e.g. 3205.
    area: String,
    #[serde(default)]
    industries: Vec<String>,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    risks: Vec<String>,
    ratio_percent: u32,
    #[serde(default = "two")]
    officers_per_object: usize,
    #[serde(default)]
    annual_cap: Option<i64>,
    supervisor: String,
    due: chrono::NaiveDate,
    #[serde(default = "inspection")]
    procedure: String,
    seed: String,
    /// SHA-256 of the seed, recorded before the draw (公示的种子承诺): checked when given.
    #[serde(default)]
    seed_commitment: Option<String>,
    #[serde(default)]
    create_tasks: bool,
}

fn two() -> usize {
    2
}

fn inspection() -> String {
    "inspection".into()
}

fn refuse(msg: impl Into<String>) -> ApiError {
    ApiError::bad_request(msg.into())
}

impl DrawRequest {
    fn check(&self) -> ApiResult<()> {
        if self.name.trim().is_empty() {
            return Err(refuse("`name` must not be empty"));
        }
        if self.supervisor.trim().is_empty() {
            return Err(refuse("`supervisor` (监督人) must not be empty"));
        }
        if !(1..=100).contains(&self.ratio_percent) {
            return Err(refuse("`ratio_percent` must be 1 to 100"));
        }
        if self.officers_per_object < 2 {
            return Err(refuse("`officers_per_object` must be at least 2"));
        }
        if self.area.is_empty() || !self.area.chars().all(|c| c.is_ascii_digit()) {
            return Err(refuse("`area` must be an area code prefix (digits)"));
        }
        if self.seed.trim().len() < 8 {
            return Err(refuse("`seed` must be at least 8 characters"));
        }
        if let Some(c) = &self.seed_commitment
            && *c != Sha256::of(self.seed.as_bytes()).to_string()
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "draw.seed_mismatch",
                "随机种子与事先记录的种子承诺（SHA-256）不符",
                "the seed does not match the seed commitment (SHA-256) recorded before the draw",
            ));
        }
        if self.annual_cap.is_some_and(|c| c < 1) {
            return Err(refuse("`annual_cap` must be at least 1"));
        }
        Ok(())
    }
}

/// An enterprise object matches the plan's filters.
fn matches(req: &DrawRequest, e: &Value) -> bool {
    let area = e["area"].as_str().unwrap_or_default();
    let list = |k: &str| -> Vec<String> {
        e[k].as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    area.starts_with(&req.area)
        && (req.industries.is_empty()
            || list("industry_codes")
                .iter()
                .any(|c| req.industries.iter().any(|w| c.starts_with(w.as_str()))))
        && (req.flags.is_empty() || list("flags").iter().any(|f| req.flags.contains(f)))
        && (req.risks.is_empty()
            || req
                .risks
                .iter()
                .any(|r| r == e["risk"].as_str().unwrap_or("green")))
}

/// Inspections counted against each enterprise's annual cap in `year`: its tasks due that year
/// that were not cancelled, and the inspections its imported record lists for that year —
/// except those deployed by a higher authority (upper_special is exempt).
fn inspections_in(conn: &dyn Sql, year: i32) -> DbResult<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for r in &conn.query("SELECT id, value FROM enterprises", &[])? {
        let v: Value = serde_json::from_str(&r.str(1)?).unwrap_or(Value::Null);
        let n = v["past_inspections"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["source"] != "upper_special")
            .filter(|p| {
                p["date"]
                    .as_str()
                    .is_some_and(|d| d.starts_with(&year.to_string()))
            })
            .count() as i64;
        if n > 0 {
            out.insert(r.str(0)?, n);
        }
    }
    let rows = conn.query(
        "SELECT t.value, fs.value FROM tasks t LEFT JOIN fields fs
           ON fs.entity = 'task' AND fs.id = t.id AND fs.field = 'status'",
        &[],
    )?;
    for r in &rows {
        let v: Value = serde_json::from_str(&r.str(0)?).unwrap_or(Value::Null);
        if r.opt_str(1)?.as_deref() == Some("\"cancelled\"") || v["source"] == "upper_special" {
            continue;
        }
        if v["due"]
            .as_str()
            .is_some_and(|d| d.starts_with(&year.to_string()))
        {
            let e = v["enterprise_id"].as_str().unwrap_or_default().to_string();
            *out.entry(e).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// The officer pool: officers (not grid workers) with their team from the user behind them.
fn officer_pool(conn: &dyn Sql) -> DbResult<Vec<Officer>> {
    let rows = conn.query(
        "SELECT o.id, o.value,
           (SELECT u.team FROM users u WHERE u.officer_id = o.id AND u.team IS NOT NULL
              ORDER BY u.user_id LIMIT 1)
         FROM officers o ORDER BY o.id",
        &[],
    )?;
    let mut out = Vec::new();
    for r in &rows {
        let v: Value = serde_json::from_str(&r.str(1)?).unwrap_or(Value::Null);
        if v["role"].as_str().is_some_and(|role| role != "officer") {
            continue;
        }
        let c = &v["credential"];
        let credential = c.is_object().then(|| {
            (
                c["valid_from"].as_str().unwrap_or_default().to_string(),
                c["valid_to"].as_str().unwrap_or_default().to_string(),
                c["areas"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect(),
            )
        });
        out.push(Officer {
            id: r.str(0)?,
            name: v["name"].as_str().unwrap_or_default().to_string(),
            team: r.opt_str(2)?,
            credential,
            conflicts: v["conflicts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["enterprise_id"].as_str().map(str::to_string))
                .collect(),
        });
    }
    Ok(out)
}

/// `POST /v1/draws`: run (and record) a draw; with `create_tasks`, make its tasks too.
pub async fn post_draw(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let p = center(&st, &headers).await?;
    let req: DrawRequest = read_json(body, BODY_LIMIT).await?;
    req.check()?;
    let operator = p.origin();
    let operator_name = p.name();
    st.db
        .run(move |s| {
            let now = now_ms();
            let hlc = s.clock.now(now).to_string();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            let cap = req.annual_cap.unwrap_or(DEFAULT_ANNUAL_CAP);
            let done = inspections_in(&tx, req.year)?;
            let mut pool = Vec::new();
            let mut excluded_objects = Vec::new();
            for r in &tx.query("SELECT value FROM enterprises ORDER BY id", &[])? {
                let e: Value = serde_json::from_str(&r.str(0)?).unwrap_or(Value::Null);
                if !matches(&req, &e) {
                    continue;
                }
                let id = e["id"].as_str().unwrap_or_default().to_string();
                let n = done.get(&id).copied().unwrap_or(0);
                if n >= cap {
                    excluded_objects.push(json!({
                        "enterprise_id": id, "name": e["name"], "reason": "annual_cap",
                        "detail": format!("{} 年已安排检查 {n} 次（上限 {cap} 次）", req.year),
                    }));
                    continue;
                }
                pool.push(Object {
                    enterprise_id: id,
                    name: e["name"].as_str().unwrap_or_default().to_string(),
                    area: e["area"].as_str().unwrap_or_default().to_string(),
                });
            }
            if pool.is_empty() {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "draw.empty_pool",
                    "没有符合条件的检查对象（或均已达年度检查上限）",
                    "no enterprise matches the plan (or every match is at its annual cap)",
                ));
            }
            let officers = officer_pool(&tx)?;
            let date = chrono::Utc::now()
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .date_naive()
                .to_string();
            let drawn = draw::run(
                &req.seed,
                &pool,
                &officers,
                req.ratio_percent,
                req.officers_per_object,
                &date,
            );
            let id = new_id(now);
            let short: String = id.chars().filter(|c| *c != '-').skip(24).collect();
            let mut result = Vec::new();
            let (mut tasks, mut teams) = (Vec::new(), Vec::new());
            for d in &drawn {
                let task_id = (req.create_tasks && !d.officers.is_empty())
                    .then(|| format!("DR-{}-{}-{:03}", req.year, short.to_uppercase(), d.order));
                if let (Some(tid), Some(team)) = (&task_id, &d.team) {
                    tasks.push(json!({
                        "id": tid, "source": "random_draw", "source_ref": id,
                        "enterprise_id": d.enterprise_id, "procedure": req.procedure,
                        "officers": d.officers.iter().map(|o| o.id.clone()).collect::<Vec<_>>(),
                        "due": req.due, "approved_by": req.supervisor,
                        "note": format!("双随机抽查：{}（第 {} 号）", req.name, d.order),
                    }));
                    teams.push(team.clone());
                }
                let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
                v["task_id"] = json!(task_id);
                result.push(v);
            }
            // Trials of the same plan before this draw, listed in its record: a real draw after
            // several trials with different seeds shows that seeds were tried out.
            let earlier_trials: Vec<Value> = tx
                .query(
                    "SELECT record FROM draws WHERE name = ?1 AND year = ?2 AND tasks_created = 0
                     ORDER BY created_at_ms, id",
                    args![req.name.as_str(), i64::from(req.year)],
                )?
                .iter()
                .filter_map(|r| r.str(0).ok())
                .filter_map(|t| serde_json::from_str::<Value>(&t).ok())
                .map(|t| json!({"id": t["id"], "seed_sha256": t["seed_sha256"], "created_at_ms": t["created_at_ms"]}))
                .collect();
            let record = json!({
                "earlier_trials": earlier_trials,
                "id": id,
                "name": req.name,
                "year": req.year,
                "algorithm": draw::ALGORITHM,
                "seed": req.seed,
                "seed_sha256": Sha256::of(req.seed.as_bytes()).to_string(),
                "pool_sha256": draw::pool_hash(&pool),
                "officer_pool_sha256": draw::pool_hash(&officers),
                "draw_date": date,
                "inputs": req,
                "annual_cap": cap,
                "operator": operator,
                "operator_name": operator_name,
                "supervisor": req.supervisor,
                "created_at_ms": now,
                "pool_size": pool.len(),
                "pool": pool,
                "officer_pool": officers,
                "excluded_objects": excluded_objects,
                "drawn": result,
                "tasks_created": req.create_tasks,
            });
            if req.create_tasks {
                let roster = reference::officer_ids(&tx)?;
                for (i, t) in tasks.iter().enumerate() {
                    task_json::check(i, t, &roster)?;
                }
                store_tasks(&tx, &tasks, teams, &operator, &hlc, now)?;
                for t in &tasks {
                    reference::set_task_draw(&tx, t["id"].as_str().unwrap_or_default(), &id)?;
                }
            }
            tx.exec(
                "INSERT INTO draws(id, name, year, record, created_at_ms, tasks_created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                args![
                    id.as_str(),
                    req.name.as_str(),
                    i64::from(req.year),
                    record.to_string(),
                    now,
                    req.create_tasks
                ],
            )?;
            audit::record(
                &tx,
                &p,
                "draw.record",
                &id,
                json!({"name": &req.name, "year": req.year, "seed": record["seed"],
                       "create_tasks": req.create_tasks,
                       "drawn": record["drawn"].as_array().map_or(0, Vec::len)}),
            )?;
            tx.commit()?;
            Ok(Json(record))
        })
        .await
}

/// `GET /v1/draws`: the draws, newest first (summaries).
pub async fn list_draws(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let out = st
        .db
        .read(|s| {
            let rows = s.conn.query(
                "SELECT record FROM draws ORDER BY created_at_ms DESC, id LIMIT 1000",
                &[],
            )?;
            let mut out = Vec::new();
            for r in &rows {
                let v: Value = serde_json::from_str(&r.str(0)?).unwrap_or(Value::Null);
                let drawn = v["drawn"].as_array().map_or(0, Vec::len);
                out.push(json!({
                    "id": v["id"], "name": v["name"], "year": v["year"],
                    "created_at_ms": v["created_at_ms"], "operator": v["operator"],
                    "operator_name": v["operator_name"],
                    "supervisor": v["supervisor"], "seed_sha256": v["seed_sha256"],
                    "ratio": v["inputs"]["ratio_percent"], "pool_size": v["pool_size"],
                    "count_drawn": drawn, "tasks_created": v["tasks_created"],
                }));
            }
            Ok(out)
        })
        .await?;
    Ok(Json(Value::Array(out)))
}

async fn record(st: &AppState, id: String) -> ApiResult<Value> {
    st.db
        .read(move |s| {
            let r = s
                .conn
                .query_opt("SELECT record FROM draws WHERE id = ?1", args![id.as_str()])?
                .ok_or_else(|| ApiError::not_found("draw"))?;
            Ok(serde_json::from_str(&r.str(0)?).unwrap_or(Value::Null))
        })
        .await
}

/// `GET /v1/draws/{id}`: the whole record.
pub async fn get_draw(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    Ok(Json(record(&st, id).await?))
}

/// `GET /v1/draws/{id}/verify`: the recorded pools checked against their hashes, and the draw
/// run again from the recorded seed and inputs; `reproduced` when every drawn row is the same.
pub async fn verify_draw(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let rec = record(&st, id).await?;
    let pool: Result<Vec<Object>, _> = serde_json::from_value(rec["pool"].clone());
    let officers: Result<Vec<Officer>, _> = serde_json::from_value(rec["officer_pool"].clone());
    let (Ok(pool), Ok(officers)) = (pool, officers) else {
        return Err(ApiError::internal("draw record unreadable"));
    };
    let pools_intact = draw::pool_hash(&pool) == rec["pool_sha256"]
        && draw::pool_hash(&officers) == rec["officer_pool_sha256"];
    let seed = rec["seed"].as_str().unwrap_or_default();
    let seed_intact = Sha256::of(seed.as_bytes()).to_string() == rec["seed_sha256"];
    let inputs = &rec["inputs"];
    let again = draw::run(
        seed,
        &pool,
        &officers,
        inputs["ratio_percent"].as_u64().unwrap_or(0) as u32,
        inputs["officers_per_object"].as_u64().unwrap_or(2) as usize,
        rec["draw_date"].as_str().unwrap_or_default(),
    );
    let recorded: Vec<Value> = rec["drawn"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut d| {
            if let Some(o) = d.as_object_mut() {
                o.remove("task_id");
            }
            d
        })
        .collect();
    let again_json: Vec<Value> = again
        .iter()
        .map(|d| serde_json::to_value(d).unwrap_or(Value::Null))
        .collect();
    Ok(Json(json!({
        "reproduced": pools_intact && seed_intact && recorded == again_json,
        "pools_intact": pools_intact,
        "seed_intact": seed_intact,
        "algorithm": rec["algorithm"],
        "drawn": again_json,
    })))
}
