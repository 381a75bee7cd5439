//! The center API: reference data in, tasks dispatched and re-assigned, cases reviewed,
//! conflicts resolved. Every change appends to the change log devices pull.

use axum::Json;
use axum::body::Body;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, LINK};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use fieldcase_protocol::sync::{ChangeKind, Entity, SharedField};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::{AppState, BODY_LIMIT};
use crate::auth::{Principal, authenticate};
use crate::error::{ApiError, ApiResult};
use crate::merge::{self, Write};
use crate::store::Tx;
use crate::store::changes::{self, Scope};
use crate::store::{conflicts, fields, reference, trust};
use crate::util::{now_ms, read_bytes, read_json};
use crate::{audit, credentials, enterprise_csv, enterprise_json, task_json};

pub(crate) async fn center(st: &AppState, headers: &HeaderMap) -> ApiResult<Principal> {
    let p = authenticate(st, headers).await?;
    p.require_center()?;
    Ok(p)
}

fn str_field<'a>(v: &'a Value, key: &str, i: usize) -> ApiResult<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(format!("item {i}: `{key}` must be a non-empty string"))
        })
}

fn objects(items: Vec<Value>) -> ApiResult<Vec<Value>> {
    for (i, v) in items.iter().enumerate() {
        if !v.is_object() {
            return Err(ApiError::bad_request(format!("item {i} is not an object")));
        }
    }
    Ok(items)
}

/// `Content-Type: text/csv` (any parameters; the charset is sniffed, not trusted).
fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
}

pub async fn post_enterprises(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let who = center(&st, &headers).await?;
    // A clerk's spreadsheet (text/csv) becomes the same objects a JSON import sends.
    let csv = is_csv(&headers);
    let items = if is_csv(&headers) {
        enterprise_csv::parse(&read_bytes(body, BODY_LIMIT).await?)?
    } else {
        read_json(body, BODY_LIMIT).await?
    };
    // Both ways, every object must be one the device can read (a CSV's rows always are).
    enterprise_json::check(&items)?;
    let n = items.len();
    let version = st
        .db
        .run(move |s| {
            let now = now_ms();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            for v in &items {
                let (id, area) = (
                    v["id"].as_str().unwrap_or_default(),
                    v["area"].as_str().unwrap_or_default(),
                );
                reference::put_enterprise(&tx, id, area, v)?;
                let scope = Scope {
                    areas: Some(vec![area.to_string()]),
                    ..Scope::default()
                };
                changes::append(
                    &tx,
                    Entity::Enterprise,
                    id,
                    ChangeKind::Put,
                    Some(v),
                    &scope,
                    now,
                )?;
            }
            let ids: Vec<&str> = items.iter().filter_map(|v| v["id"].as_str()).collect();
            audit::record(
                &tx,
                &who,
                "enterprise.import",
                &format!("{} enterprises", items.len()),
                json!({"ids": ids, "format": if csv { "csv" } else { "json" }}),
            )?;
            let version = changes::seal(&tx)?;
            tx.commit()?;
            Ok(version)
        })
        .await?;
    Ok(Json(json!({"count": n, "version": version})))
}

/// Where devices should see a roster entry: the areas its credential is valid in (an officer)
/// and any `areas` given beside it (how a grid worker or assistant, who holds no credential, is
/// placed). Area codes are prefixes: "3205" reaches every device of 3205xx.
fn officer_areas(v: &Value, i: usize) -> ApiResult<Vec<String>> {
    let mut out = Vec::new();
    for key in ["/credential/areas", "/areas"] {
        match v.pointer(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for x in a {
                    let code = x.as_str().filter(|c| !c.is_empty()).ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "item {i}: {} must hold area codes (strings)",
                            &key[1..].replace('/', ".")
                        ))
                    })?;
                    if !out.iter().any(|c| c == code) {
                        out.push(code.to_string());
                    }
                }
            }
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "item {i}: {} must be an array",
                    &key[1..].replace('/', ".")
                )));
            }
        }
    }
    Ok(out)
}

/// `POST /v1/officers`: the roster. An entry with a credential gets a center-signed token
/// (`credential.token`, `FC1…`, issue 7) sealed by the active key — the one devices show as a QR
/// code — in place of any token the request carried; an entry whose credential cannot be
/// vouched for, or whose number another entry holds, refuses the whole request.
pub async fn post_officers(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let who = center(&st, &headers).await?;
    let mut items = objects(read_json(body, BODY_LIMIT).await?)?;
    let mut areas = Vec::with_capacity(items.len());
    let mut claims = Vec::with_capacity(items.len());
    let mut numbers: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    for (i, v) in items.iter().enumerate() {
        let id = str_field(v, "id", i)?.to_string();
        let a = officer_areas(v, i)?;
        if a.is_empty() {
            return Err(ApiError::bad_request(format!(
                "item {i} ({id}): no credential.areas and no areas, so no device would receive this person; give a grid worker or assistant the area codes they work in as `areas`"
            )));
        }
        let c = credentials::claims_of(v, i, &id)?;
        if let Some(c) = &c {
            match numbers.get(&c.number) {
                Some((j, other)) if *other != id => {
                    return Err(ApiError::bad_request(format!(
                        "item {i} ({id}): credential.number {} is also item {j}'s ({other})",
                        c.number
                    )));
                }
                _ => {
                    numbers.insert(c.number.clone(), (i, id.clone()));
                }
            }
        }
        areas.push(a);
        claims.push(c);
    }
    let n = items.len();
    let folder = st.center_keys.clone();
    let (version, tokens) = st
        .db
        .run(move |s| {
            let now = now_ms();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            let signer = if claims.iter().any(Option::is_some) {
                Some(credentials::active_signer(&tx, &folder)?)
            } else {
                None
            };
            let mut tokens = serde_json::Map::new();
            for (i, ((v, a), c)) in items.iter_mut().zip(areas).zip(claims).enumerate() {
                let id = v["id"].as_str().unwrap_or_default().to_string();
                if let (Some(c), Some(key)) = (c, &signer) {
                    // A credential number is one person's: revocations name it.
                    let holders = trust::officers_with_number(&tx, &c.number)?;
                    if let Some(other) = holders.iter().find(|h| **h != id) {
                        return Err(ApiError::bad_request(format!(
                            "item {i} ({id}): credential.number {} is held by officer {other}",
                            c.number
                        )));
                    }
                    let token = credentials::seal(c, key, now)?;
                    v["credential"]["token"] = Value::String(token.clone());
                    tokens.insert(id.clone(), Value::String(token));
                }
                reference::put_officer(&tx, &id, &a, v)?;
                let scope = Scope {
                    areas: Some(a),
                    ..Scope::default()
                };
                changes::append(
                    &tx,
                    Entity::Officer,
                    &id,
                    ChangeKind::Put,
                    Some(v),
                    &scope,
                    now,
                )?;
            }
            let ids: Vec<&str> = items.iter().filter_map(|v| v["id"].as_str()).collect();
            let sealed: Vec<&String> = tokens.keys().collect();
            audit::record(
                &tx,
                &who,
                "officer.import",
                &format!("{} officers", items.len()),
                json!({"ids": ids, "credentials_sealed_for": sealed}),
            )?;
            let version = changes::seal(&tx)?;
            tx.commit()?;
            Ok((version, tokens))
        })
        .await?;
    Ok(Json(
        json!({"count": n, "version": version, "tokens": tokens}),
    ))
}

pub async fn post_tasks(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let p = center(&st, &headers).await?;
    let mut items = objects(read_json(body, BODY_LIMIT).await?)?;
    let mut teams = Vec::with_capacity(items.len());
    for (i, v) in items.iter_mut().enumerate() {
        str_field(v, "id", i)?;
        let team = str_field(v, "team", i)?.to_string();
        let o = v.as_object_mut().expect("checked object");
        if o.contains_key("status") {
            return Err(ApiError::bad_request(format!(
                "item {i}: `status` is a shared field; change it with PATCH /v1/tasks/{{id}}"
            )));
        }
        // `team` is the server's; devices reject unknown keys in a task.
        o.remove("team");
        teams.push(team);
    }
    let origin = p.origin();
    let n = items.len();
    let version = st
        .db
        .run(move |s| {
            let now = now_ms();
            let hlc = s.clock.now(now).to_string();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            let roster = reference::officer_ids(&tx)?;
            for (i, v) in items.iter().enumerate() {
                task_json::check(i, v, &roster)?;
            }
            let ids: Vec<&str> = items.iter().filter_map(|v| v["id"].as_str()).collect();
            audit::record(
                &tx,
                &p,
                "task.create",
                &format!("{} tasks", items.len()),
                json!({"ids": ids, "teams": &teams}),
            )?;
            store_tasks(&tx, &items, teams, &origin, &hlc, now)?;
            let version = changes::seal(&tx)?;
            tx.commit()?;
            Ok(version)
        })
        .await?;
    Ok(Json(json!({"count": n, "version": version})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchTask {
    field: SharedField,
    value: Value,
    /// The version the writer had seen (as a device's op `seen`).
    seen: i64,
}

/// Stores tasks already checked (`task_json::check`) with their teams, inside the caller's
/// transaction (which holds `changes::lock_center_writes`): a new task starts dispatched to its
/// team; a re-post updates its content, and a new team goes through the assignment merge so
/// devices of the old team get a removal.
pub(crate) fn store_tasks(
    tx: &Tx<'_>,
    items: &[Value],
    teams: Vec<String>,
    origin: &str,
    hlc: &str,
    now: u64,
) -> ApiResult<()> {
    // The existing ones locked first, in id order (`reference::lock_tasks`): a re-post writes
    // their rows, and pushes writing their status lock them too.
    let ids: Vec<&str> = items.iter().filter_map(|v| v["id"].as_str()).collect();
    reference::lock_tasks(tx, &ids)?;
    for (v, team) in items.iter().zip(teams) {
        let id = v["id"].as_str().unwrap_or_default();
        match reference::task(tx, id)? {
            None => {
                reference::put_task(tx, id, &team, v)?;
                let first = |value: Value| fields::FieldState {
                    value,
                    version: 0,
                    hlc: hlc.to_string(),
                    origin: origin.to_string(),
                };
                fields::set(tx, "task", id, merge::STATUS, &first("dispatched".into()))?;
                fields::set(
                    tx,
                    "task",
                    id,
                    merge::ASSIGNMENT,
                    &first(Value::String(team.clone())),
                )?;
                // The change's version (a placeholder on PostgreSQL until the commit, which
                // renumbers the fields with it).
                let version = merge::emit_task(tx, id, now)?;
                for f in [merge::STATUS, merge::ASSIGNMENT] {
                    let mut s = fields::get(tx, "task", id, f)?.expect("just set");
                    s.version = version;
                    fields::set(tx, "task", id, f, &s)?;
                }
            }
            Some(old) => {
                // A re-post updates the task's content; a new team goes through the
                // assignment merge so devices of the old team get a removal.
                reference::put_task(tx, id, &old.team, v)?;
                merge::emit_task(tx, id, now)?;
                if old.team != team {
                    let updated = reference::TaskRow {
                        team: old.team.clone(),
                        value: v.clone(),
                    };
                    let w = Write {
                        task_id: id,
                        field: SharedField::Assignment,
                        value: Value::String(team.clone()),
                        hlc: hlc.to_string(),
                        origin: origin.to_string(),
                        seen: i64::MAX,
                        op_id: None,
                        device_id: None,
                    };
                    merge::force(tx, &w, &updated, now)?;
                }
            }
        }
    }
    Ok(())
}

pub async fn patch_task(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let p = center(&st, &headers).await?;
    let req: PatchTask = read_json(body, BODY_LIMIT).await?;
    match req.field {
        SharedField::Status if !req.value.is_string() => {
            return Err(ApiError::bad_request("status must be a string"));
        }
        SharedField::Assignment if merge::assignment_team(&req.value).is_none() => {
            return Err(ApiError::bad_request(
                "assignment must be a team or {team, officers}",
            ));
        }
        SharedField::ReviewNote => {
            return Err(ApiError::bad_request("review_note is a case field"));
        }
        _ => {}
    }
    let origin = p.origin();
    let audit_value = req.value.clone();
    st.db
        .run(move |s| {
            let now = now_ms();
            let hlc = s.clock.now(now).to_string();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            let Some(task) = reference::task_for_update(&tx, &id)? else {
                return Err(ApiError::not_found("task"));
            };
            let w = Write {
                task_id: &id,
                field: req.field,
                value: req.value,
                hlc,
                origin,
                seen: req.seen,
                op_id: None,
                device_id: None,
            };
            let merged = merge::write(&tx, &w, &task, now)?;
            let task = merge::task_value(&tx, &id)?.map(|t| t.0);
            let mut out = merge::merged_json(&merged);
            let action = match req.field {
                SharedField::Assignment => "task.assign",
                _ => "task.status",
            };
            audit::record(
                &tx,
                &p,
                action,
                &id,
                json!({"value": &audit_value, "seen": req.seen, "outcome": &out}),
            )?;
            tx.commit()?;
            out["task"] = task.unwrap_or(Value::Null);
            Ok(Json(out))
        })
        .await
}

/// The most conflicts one page holds (and the default, as before paging existed).
const CONFLICTS_MAX: i64 = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictParams {
    limit: Option<i64>,
    /// The id of the last conflict of the previous page.
    after: Option<String>,
    /// `true`: unresolved only; `false`: resolved only; absent: both.
    open: Option<bool>,
}

/// `GET /v1/conflicts?limit=&after=&open=`: newest first. The body stays a plain array (what
/// callers already read); when more follow, a `Link: <…>; rel="next"` header (RFC 8288, as
/// GitHub pages) gives the next page's URL, so "no Link" means "last page".
pub async fn list_conflicts(
    State(st): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ConflictParams>, QueryRejection>,
) -> ApiResult<Response> {
    center(&st, &headers).await?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let page = conflicts::Page {
        limit: p.limit.unwrap_or(CONFLICTS_MAX).clamp(1, CONFLICTS_MAX),
        after: p.after,
        open: p.open,
    };
    let q = page.clone();
    let (list, more) = st
        .db
        .read(move |s| Ok(conflicts::list(&s.conn, &q)?))
        .await?
        .ok_or_else(|| ApiError::bad_request("`after` names no conflict"))?;
    let next = list
        .last()
        .and_then(|c| c["id"].as_str())
        .filter(|_| more)
        .map(|last| {
            let open = page.open.map_or(String::new(), |o| format!("&open={o}"));
            // Conflict ids are UUIDs: nothing in them needs escaping in a query.
            format!(
                "</v1/conflicts?limit={}&after={last}{open}>; rel=\"next\"",
                page.limit
            )
        });
    let mut resp = Json(Value::Array(list)).into_response();
    if let Some(v) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert(LINK, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Resolution {
    /// The standing value stays.
    Keep,
    /// The other value is written (a center write, ordered after everything seen).
    TakeOther,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    resolution: Resolution,
    #[serde(default)]
    note: String,
}

pub async fn resolve_conflict(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let p = center(&st, &headers).await?;
    let req: Resolve = read_json(body, BODY_LIMIT).await?;
    // The reason is the record of the decision (who chose which value, and why).
    if req.note.trim().is_empty() {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "conflict.note_required",
            "处理冲突须填写理由",
            "resolving a conflict needs a note saying why",
        ));
    }
    let origin = p.origin();
    st.db
        .run(move |s| {
            let now = now_ms();
            let hlc = s.clock.now(now).to_string();
            let tx = s.conn.transaction()?;
            changes::lock_center_writes(&tx)?;
            let c = conflicts::get(&tx, &id)?.ok_or_else(|| ApiError::not_found("conflict"))?;
            let resolution = match req.resolution {
                Resolution::Keep => "keep",
                Resolution::TakeOther => "take_other",
            };
            if !conflicts::resolve(&tx, &id, resolution, &req.note, &origin, now)? {
                return Err(ApiError::bad_request("conflict already resolved"));
            }
            if matches!(req.resolution, Resolution::TakeOther) {
                let field: SharedField = serde_json::from_value(c["field"].clone())
                    .map_err(|_| ApiError::internal("conflict field unreadable"))?;
                let task_id = c["entity_id"].as_str().unwrap_or_default();
                if let Some(task) = reference::task_for_update(&tx, task_id)? {
                    let w = Write {
                        task_id,
                        field,
                        value: c["other"]["value"].clone(),
                        hlc,
                        origin: origin.clone(),
                        seen: i64::MAX,
                        op_id: None,
                        device_id: None,
                    };
                    merge::force(&tx, &w, &task, now)?;
                }
            }
            merge::emit_conflict(&tx, &id, now)?;
            let out = conflicts::get(&tx, &id)?.unwrap_or(Value::Null);
            audit::record(
                &tx,
                &p,
                "conflict.resolve",
                &id,
                json!({"resolution": resolution, "note": &req.note,
                       "entity": c["entity"], "entity_id": c["entity_id"], "field": c["field"]}),
            )?;
            tx.commit()?;
            Ok(Json(out))
        })
        .await
}
