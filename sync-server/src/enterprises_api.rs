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
use crate::store::sql::{Dialect, Value as SqlValue, args, like_anywhere};
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
    let limit = p.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) || p.offset.is_some_and(|o| o < 0) {
        return Err(ApiError::bad_request(
            "`limit` must be 1 to 1000 and `offset` not negative",
        ));
    }
    if let Some(r) = p.risk.as_deref().filter(|r| !r.is_empty())
        && !["red", "yellow", "green"].contains(&r)
    {
        return Err(ApiError::bad_request("`risk` must be red, yellow or green"));
    }
    let list = st.db.read(move |s| Ok(list(&s.conn, &p, limit)?)).await?;
    Ok(Json(Value::Array(list)))
}

fn list(conn: &dyn Sql, p: &RegisterParams, limit: i64) -> DbResult<Vec<Value>> {
    let field = |k: &str| match conn.dialect() {
        Dialect::Sqlite => format!("json_extract(e.value, '$.{k}')"),
        Dialect::Postgres => format!("(e.value::jsonb ->> '{k}')"),
    };
    let mut cond = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let mut bind = |v: SqlValue| {
        params.push(v);
        format!("?{}", params.len())
    };
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(q) = text(&p.q) {
        let (a, b, c) = (
            bind(like_anywhere(&q).into()),
            bind(like_anywhere(&q).into()),
            bind(like_anywhere(&q).into()),
        );
        cond.push(format!(
            "({} LIKE {a} ESCAPE '\\' OR {} LIKE {b} ESCAPE '\\' OR e.id LIKE {c} ESCAPE '\\')",
            field("name"),
            field("uscc")
        ));
    }
    if let Some(a) = text(&p.area) {
        cond.push(format!("e.area LIKE {}", bind(format!("{a}%").into())));
    }
    if let Some(i) = text(&p.industry) {
        // The codes are a JSON array of strings: match a code beginning with the given prefix.
        cond.push(format!(
            "{} LIKE {} ESCAPE '\\'",
            field("industry_codes"),
            bind(like_anywhere(&format!("\"{i}")).into())
        ));
    }
    if let Some(r) = text(&p.risk) {
        let risk = field("risk");
        cond.push(if r == "green" {
            format!("COALESCE({risk}, 'green') = {}", bind(r.into()))
        } else {
            format!("{risk} = {}", bind(r.into()))
        });
    }
    let (l, o) = (bind(limit.into()), bind(p.offset.unwrap_or(0).into()));
    let where_ = if cond.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", cond.join(" AND "))
    };
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
                enterprise: Some(id.clone()),
                limit: 1000,
                ..Default::default()
            };
            // `enterprise` also matches names containing the id: keep this one's own.
            let case_list: Vec<Value> = cases::list(conn, &filter)?
                .into_iter()
                .filter(|c| c["enterprise_id"] == json!(id))
                .collect();
            let mut findings = Vec::new();
            for c in &case_list {
                let case_id = c["case_id"].as_str().unwrap_or_default();
                for f in &conn.query(
                    "SELECT item_id, finding FROM case_findings WHERE case_id = ?1 ORDER BY answer_key",
                    args![case_id],
                )? {
                    let v: Value = serde_json::from_str(&f.str(1)?).unwrap_or(Value::Null);
                    findings.push(json!({
                        "case_id": case_id,
                        "date": c["opened_at"].as_str().map(|d| d.chars().take(10).collect::<String>()),
                        "item_id": f.str(0)?,
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
