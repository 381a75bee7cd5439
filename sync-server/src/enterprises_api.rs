//! The enterprise register at the center and its one-file view (一企一档): the record as
//! imported, its cases at the center, the findings they made, its tasks.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::center::center;
use crate::error::{ApiError, ApiResult};
use crate::query_params::{one_of, page, text};
use crate::store::sql::{Value as SqlValue, bind, json_text, like_anywhere, where_all};
use crate::store::{DbResult, Sql, cases, reference};
use crate::tasks_api::{self, TaskFilter};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterParams {
    /// Part of the name, the USCC or the id.
    q: Option<String>,
    area: Option<String>,
    industry: Option<String>,
    risk: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /v1/enterprises?q=&area=&industry=&risk=&limit=&offset=`
pub async fn register(
    State(st): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<RegisterParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (limit, offset) = page(p.limit, p.offset, 200, 1000)?;
    one_of("risk", p.risk.clone(), &["red", "yellow", "green"])?;
    let list = st
        .db
        .read(move |s| Ok(list(&s.conn, &p, limit, offset)?))
        .await?;
    Ok(Json(Value::Array(list)))
}

fn list(conn: &dyn Sql, p: &RegisterParams, limit: i64, offset: i64) -> DbResult<Vec<Value>> {
    let field = |k: &str| json_text(conn.dialect(), "e.value", k);
    let mut cond = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let p_ = &mut params;
    if let Some(q) = text(p.q.clone()) {
        let (a, b, c) = (
            bind(p_, like_anywhere(&q)),
            bind(p_, like_anywhere(&q)),
            bind(p_, like_anywhere(&q)),
        );
        cond.push(format!(
            "({} LIKE {a} ESCAPE '\\' OR {} LIKE {b} ESCAPE '\\' OR e.id LIKE {c} ESCAPE '\\')",
            field("name"),
            field("uscc")
        ));
    }
    if let Some(a) = text(p.area.clone()) {
        cond.push(format!("e.area LIKE {}", bind(p_, format!("{a}%"))));
    }
    if let Some(i) = text(p.industry.clone()) {
        // The codes are a JSON array of strings: match a code beginning with the given prefix.
        cond.push(format!(
            "{} LIKE {} ESCAPE '\\'",
            field("industry_codes"),
            bind(p_, like_anywhere(&format!("\"{i}")))
        ));
    }
    if let Some(r) = text(p.risk.clone()) {
        let risk = field("risk");
        cond.push(if r == "green" {
            format!("COALESCE({risk}, 'green') = {}", bind(p_, r.as_str()))
        } else {
            format!("{risk} = {}", bind(p_, r.as_str()))
        });
    }
    let (l, o) = (bind(p_, limit), bind(p_, offset));
    let where_ = where_all(&cond);
    let sql = format!(
        "SELECT e.value,
           (SELECT COUNT(*) FROM cases c WHERE c.enterprise_id = e.id),
           (SELECT COUNT(*) FROM cases c JOIN case_findings f ON f.case_id = c.case_id
              WHERE c.enterprise_id = e.id),
           (SELECT MAX(c.opened_on) FROM cases c WHERE c.enterprise_id = e.id)
         FROM enterprises e {where_} ORDER BY e.id LIMIT {l} OFFSET {o}"
    );
    conn.query(&sql, &params)?
        .iter()
        .map(|r| {
            let e: Value = serde_json::from_str(&r.str(0)?).unwrap_or(Value::Null);
            // The last inspection: the center's cases, or the imported history.
            let imported = e["past_inspections"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["date"].as_str())
                .max()
                .map(str::to_string);
            let last = [r.opt_str(3)?, imported].into_iter().flatten().max();
            Ok(json!({
                "id": e["id"], "name": e["name"], "uscc": e["uscc"], "area": e["area"],
                "address": e["address"], "industry_codes": e["industry_codes"],
                "risk": e.get("risk").cloned().unwrap_or(json!("green")), "flags": e["flags"],
                "last_inspected": last, "cases": r.i64(1)?, "findings": r.i64(2)?,
            }))
        })
        .collect()
}

/// `GET /v1/enterprises/{id}`: the one-file view.
pub async fn one_file(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    center(&st, &headers).await?;
    st.db
        .read(move |s| {
            let conn = &s.conn;
            let e = reference::enterprise(conn, &id)?
                .ok_or_else(|| ApiError::not_found("enterprise"))?;
            let filter = cases::Filter {
                enterprise_id: Some(id.clone()),
                limit: 1000,
                ..Default::default()
            };
            let case_list = cases::list(conn, &filter)?;
            let mut findings = Vec::new();
            for c in &case_list {
                let case_id = c["case_id"].as_str().unwrap_or_default();
                for (item_id, v) in cases::findings(conn, case_id)? {
                    findings.push(json!({
                        "case_id": case_id,
                        "date": c["opened_at"].as_str().map(|d| d.chars().take(10).collect::<String>()),
                        "item_id": item_id,
                        "question": v["question_zh"],
                        "finding": v["text"],
                        "basis": v["basis"],
                    }));
                }
            }
            let tasks = tasks_api::list(
                conn,
                &TaskFilter {
                    enterprise: Some(id.clone()),
                    limit: 1000,
                    ..Default::default()
                },
            )?;
            Ok(Json(json!({
                "enterprise": e,
                "cases": case_list,
                "findings": findings,
                "tasks": tasks,
            })))
        })
        .await
}
