//! `POST /v1/sync/push`: a batch of a device's chain links, verified and applied in one
//! transaction (rules in `fieldcase_protocol::sync::push`).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use fieldcase_protocol::chain::LinkError;
use fieldcase_protocol::sync::{
    ErrorBody, MAX_BATCH, MAX_CLOCK_AHEAD_MS, OpResult, Outcome, PushOp, PushRequest, PushResponse,
    SharedField, codes, valid_blob_name,
};
use fieldcase_protocol::{Hlc, PublicKey, Sha256, Signature};
use serde_json::Value;

use crate::app::{AppState, PUSH_LIMIT};
use crate::auth::{authenticate, revoked};
use crate::case_facts;
use crate::clock::Clock;
use crate::ed25519;
use crate::error::{ApiError, ApiResult};
use crate::merge::{self, Merged, Write};
use crate::store::sql::Dialect;
use crate::store::{DbError, DbResult, Sql, Tx, cases, devices, links, reference};
use crate::util::{now_ms, read_json};

pub async fn push(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<PushResponse>> {
    let principal = authenticate(&st, &headers).await?;
    let (device_id, user) = principal.require_field_device()?;
    let (device_id, team) = (device_id.to_string(), user.team.clone());
    let user_id = user.user_id.clone();
    let req: PushRequest = read_json(body, PUSH_LIMIT).await?;
    if req.device_id != device_id {
        return Err(ApiError::forbidden("device_id is not the token's device"));
    }
    if req.ops.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TOO_LARGE,
            format!("一次最多提交 {MAX_BATCH} 条操作"),
            format!("at most {MAX_BATCH} ops per push"),
        ));
    }
    let dev = OwnedDevice {
        id: device_id.clone(),
        user_id,
        team,
    };
    // Hashes and signatures are checked here, on the blocking pool, before the single writer:
    // verification is most of a push's CPU and runs on every core this way. The writer then
    // checks only that the links continue the chain it holds.
    let key = device_key(&st, &device_id).await?;
    let (ops, id) = (req.ops, device_id.clone());
    let (ops, checked) = st
        .cpu
        .run(move || {
            let checked = check_ops(&id, &key, &ops);
            (ops, checked)
        })
        .await?;
    let result = match checked {
        Err((seq, reason)) => Err(Refused::Chain { seq, reason }),
        Ok(()) => crate::push_group::submit(&st, dev, ops).await?,
    };
    match result {
        Ok(r) => Ok(Json(r)),
        Err(Refused::Api(e)) => Err(e),
        Err(Refused::Chain { seq, reason }) => {
            // The batch rolled back; the alert is its own transaction so it survives.
            let (id, why) = (device_id.clone(), reason.clone());
            st.db
                .run(move |s| {
                    devices::insert_alert(
                        &s.conn,
                        &id,
                        Some(seq),
                        codes::CHAIN_BROKEN,
                        &why,
                        now_ms(),
                    )?;
                    Ok(())
                })
                .await?;
            tracing::warn!(device = %device_id, seq, %reason, "chain broken, batch refused");
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::CHAIN_BROKEN,
                format!("审计链校验失败（第 {seq} 条）：{reason}"),
                format!("audit chain broken at seq {seq}: {reason}"),
            ))
        }
    }
}

/// The device's enrolled key, cached: a device id never changes its key (re-enrolment must
/// present the same one), and asking the database would queue behind the single writer.
async fn device_key(st: &AppState, device_id: &str) -> ApiResult<PublicKey> {
    if let Some(k) = st
        .keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(device_id)
    {
        return Ok(*k);
    }
    let id = device_id.to_string();
    let key: PublicKey = st
        .db
        .read(move |s| {
            let d = devices::device(&s.conn, &id)?.ok_or_else(|| ApiError::not_found("device"))?;
            d.public_key
                .parse()
                .map_err(|_| ApiError::internal("stored public key unreadable"))
        })
        .await?;
    st.keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(device_id.to_string(), key);
    Ok(key)
}

/// The pushing device, owned (it travels to the group-commit writer).
#[derive(Debug, Clone)]
pub(crate) struct OwnedDevice {
    pub id: String,
    pub user_id: String,
    pub team: Option<String>,
}

impl OwnedDevice {
    pub(crate) fn borrow(&self) -> Device<'_> {
        Device {
            id: &self.id,
            user_id: &self.user_id,
            team: self.team.as_deref(),
        }
    }
}

pub(crate) struct Device<'a> {
    id: &'a str,
    user_id: &'a str,
    team: Option<&'a str>,
}

pub(crate) enum Refused {
    Api(ApiError),
    Chain { seq: i64, reason: String },
}

impl From<DbError> for Refused {
    fn from(e: DbError) -> Self {
        Refused::Api(e.into())
    }
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Self {
        Refused::Api(e)
    }
}

fn op_id_reused(seq: i64) -> Refused {
    Refused::Api(ApiError::new(
        StatusCode::CONFLICT,
        codes::OP_CONFLICT,
        format!("第 {seq} 条操作与服务器已存记录不一致（操作编号重复）"),
        format!("op at seq {seq} differs from the one stored (op id or seq reused)"),
    ))
}

/// Verifies and applies one device's batch inside the caller's transaction (one savepoint of a
/// group commit, `push_group`).
pub(crate) fn apply_in(
    tx: &Tx<'_>,
    clock: &Clock,
    dev: &Device<'_>,
    ops: &[PushOp],
    now: u64,
) -> Result<PushResponse, Refused> {
    // Locked: concurrent pushes of this device serialize here, each seeing the other's head.
    let d = devices::lock(tx, dev.id)?.ok_or_else(|| ApiError::not_found("device"))?;
    if d.revoked {
        return Err(revoked().into());
    }
    let mut results = Vec::with_capacity(ops.len());
    let mut case = CaseCache::default();
    let (mut last_seq, mut last_hash) = (d.last_seq, d.last_hash.clone());
    if let Some(first) = ops.first() {
        for (i, op) in ops.iter().enumerate() {
            if op.link.seq != first.link.seq + i as i64 {
                return Err(ApiError::bad_request("ops must be contiguous in seq").into());
            }
        }
        if first.link.seq < 1 {
            return Err(ApiError::bad_request("seq starts at 1").into());
        }
        if first.link.seq > last_seq + 1 {
            let mut e = ApiError::new(
                StatusCode::CONFLICT,
                codes::SEQ_GAP,
                format!("操作序号不连续：服务器期待第 {} 条", last_seq + 1),
                format!("seq gap: the server expects seq {}", last_seq + 1),
            );
            e.body.expected_seq = Some(last_seq + 1);
            return Err(e.into());
        }
    }
    let mut new = Vec::with_capacity(ops.len());
    for op in ops {
        let link = &op.link;
        if link.seq <= last_seq {
            let stored = links::stored(tx, dev.id, link.seq)?
                .ok_or_else(|| ApiError::internal("held link missing"))?;
            if stored.op_id != link.op_id || stored.hash != link.hash {
                return Err(op_id_reused(link.seq));
            }
            results.push(OpResult {
                outcome: Outcome::AlreadyApplied,
                ..stored.result
            });
            continue;
        }
        // Hash, signature, payload and blob names were checked before the writer (`push`);
        // here only that the link continues the chain held for the device.
        if link.seq != last_seq + 1 || link.prev_hash != last_hash {
            return Err(Refused::Chain {
                seq: link.seq,
                reason: format!(
                    "link {}: does not continue the chain held (expected link {} after {})",
                    link.seq,
                    last_seq + 1,
                    &last_hash[..last_hash.len().min(16)]
                ),
            });
        }
        new.push(op);
        last_seq = link.seq;
        last_hash = link.hash.clone();
    }
    // The new links are stored first, together, each with the result most ops get; an op whose
    // effects answer otherwise has its result replaced below. A link whose op id another link
    // already has is not stored: that refuses the whole push, and nothing of it stays.
    let expected: Vec<OpResult> = new.iter().map(|op| applied(op)).collect();
    let rows: Vec<(&PushOp, &OpResult)> = new.iter().copied().zip(&expected).collect();
    if links::insert_all(tx, dev.id, &rows, now)? < new.len() {
        for op in &new {
            if !links::exists(tx, dev.id, op.link.seq)? {
                return Err(op_id_reused(op.link.seq));
            }
        }
        return Err(ApiError::internal("a link was not stored").into());
    }
    for (op, expected) in new.into_iter().zip(expected) {
        let result = apply_op(tx, clock, dev, op, now, &mut case)?;
        if result != expected {
            links::set_result(tx, dev.id, op.link.seq, &result)?;
        }
        results.push(result);
    }
    devices::set_head(tx, dev.id, last_seq, &last_hash)?;
    Ok(PushResponse {
        server_time_ms: now,
        last_seq,
        results,
    })
}

/// Checks every op's link, payload and blob names, and then all their signatures together
/// (`ed25519::verify_all`). Answers the first op, in batch order, that fails any check.
fn check_ops(device: &str, key: &PublicKey, ops: &[PushOp]) -> Result<(), (i64, String)> {
    let mut signed = Vec::with_capacity(ops.len());
    let mut first_bad = None;
    for op in ops {
        match check_op(device, op) {
            Ok(s) => signed.push(s),
            Err(reason) => {
                first_bad = Some((op.link.seq, reason));
                break;
            }
        }
    }
    // A bad signature before the first otherwise-bad op is the first failure.
    ed25519::verify_all(key, &signed).map_err(|i| {
        let seq = ops[i].link.seq;
        (seq, LinkError::Signature { seq }.to_string())
    })?;
    first_bad.map_or(Ok(()), Err)
}

/// One op's checks but its signature: the link's hash is its header's, the payload is the one
/// hashed, and every named blob is a blob name the payload mentions. Answers the message the
/// device signed and the signature. The chain's continuity is the writer's to check (it holds
/// the device's last link).
fn check_op(device: &str, op: &PushOp) -> Result<(Vec<u8>, Signature), String> {
    let signed = op
        .link
        .check_unsigned(device, (op.link.seq, &op.link.prev_hash))
        .map_err(|e| e.to_string())?;
    if let Some(p) = &op.payload
        && Sha256::of(p.as_bytes()).to_string() != op.link.payload_sha256
    {
        return Err("payload does not match payload_sha256".into());
    }
    for b in &op.blobs {
        if !valid_blob_name(b) {
            return Err(format!("blob {b:?} is not a SHA-256 name"));
        }
        if !op
            .payload
            .as_deref()
            .is_some_and(|p| p.contains(b.as_str()))
        {
            return Err(format!("blob {b} is not named in the payload"));
        }
    }
    Ok(signed)
}

/// The tasks whose status `batches` may write: each case opening's task (from its payload, as
/// `effects` reads it) and each closing case's task, maybe more than once. A group commit locks
/// them before applying any push (`reference::lock_tasks`, which orders them), so that groups
/// never wait on each other's tasks in a cycle. Only PostgreSQL takes row locks; on SQLite this
/// answers nothing.
pub(crate) fn tasks_written<'a>(
    tx: &Tx<'_>,
    batches: impl Iterator<Item = &'a [PushOp]>,
) -> DbResult<Vec<String>> {
    if tx.dialect() == Dialect::Sqlite {
        return Ok(Vec::new());
    }
    let mut tasks = Vec::new();
    let mut closing = Vec::new();
    for op in batches.flatten() {
        let Some(case_id) = op.link.case_id.as_deref() else {
            continue;
        };
        match op.link.kind.as_str() {
            "case_opened" => {
                let body: Option<Value> = op
                    .payload
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok());
                if let Some(task) = body
                    .as_ref()
                    .and_then(|b| b.pointer("/body/case/task_id"))
                    .and_then(Value::as_str)
                {
                    tasks.push(task.to_string());
                }
            }
            "closed" => closing.push(case_id),
            _ => {}
        }
    }
    tasks.extend(cases::task_ids(tx, &closing)?);
    Ok(tasks)
}

fn rejected(code: &str, zh: String, en: String) -> Option<ErrorBody> {
    Some(ErrorBody::new(code, zh, en))
}

/// The answer of an op applied without conflicts.
fn applied(op: &PushOp) -> OpResult {
    OpResult {
        seq: op.link.seq,
        op_id: op.link.op_id.clone(),
        outcome: Outcome::Applied,
        conflicts: Vec::new(),
        reason: None,
    }
}

/// Applies one verified op's effects. Anything the center cannot apply is `Rejected` with a
/// reason; the link is stored either way so the chain stays whole and the queue moves on.
fn apply_op(
    tx: &Tx<'_>,
    clock: &Clock,
    dev: &Device<'_>,
    op: &PushOp,
    now: u64,
    case: &mut CaseCache,
) -> Result<OpResult, Refused> {
    let mut res = applied(op);
    let reason = effects(tx, clock, dev, op, now, case, &mut res.conflicts)?;
    if reason.is_some() {
        res.outcome = Outcome::Rejected;
        res.reason = reason;
    }
    Ok(res)
}

/// Answers the rejection reason, if any.
fn effects(
    tx: &Tx<'_>,
    clock: &Clock,
    dev: &Device<'_>,
    op: &PushOp,
    now: u64,
    cache: &mut CaseCache,
    conflicts: &mut Vec<String>,
) -> Result<Option<ErrorBody>, Refused> {
    let link = &op.link;
    let Ok(hlc) = link.hlc.parse::<Hlc>() else {
        return Ok(rejected(
            codes::BAD_OP,
            "操作时间戳无法识别".into(),
            format!("unreadable hlc {:?}", link.hlc),
        ));
    };
    // Observing also moves the center's clock past the device's, so a later center write
    // orders after what it has seen.
    if clock.observe(&hlc, now, MAX_CLOCK_AHEAD_MS).is_err() {
        return Ok(rejected(
            codes::CLOCK_AHEAD,
            "设备时钟超前服务器过多，请校准设备时间".into(),
            format!(
                "device clock ahead: hlc wall {} ms vs server {now} ms",
                hlc.wall_ms
            ),
        ));
    }
    let (Some(case_id), Some(payload)) = (link.case_id.as_deref(), op.payload.as_deref()) else {
        return Ok(None);
    };
    // Only a case_opened's payload is read here; any other is checked to be JSON, without
    // building it.
    if serde_json::from_str::<serde::de::IgnoredAny>(payload).is_err() {
        return Ok(rejected(
            codes::BAD_OP,
            "操作内容无法解析".into(),
            "payload is not JSON".into(),
        ));
    }
    let case = match cache.get(tx, case_id)? {
        None => {
            let body: Value = serde_json::from_str(payload).unwrap_or_default();
            if link.kind != "case_opened" {
                return Ok(rejected(
                    codes::BAD_OP,
                    "案件未在中心立案（缺少开案操作）".into(),
                    "case not opened at the center: its first op must be case_opened".into(),
                ));
            }
            let field = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_string);
            let (Some(task_id), Some(enterprise_id)) = (
                field("/body/case/task_id"),
                field("/body/case/enterprise_id"),
            ) else {
                return Ok(rejected(
                    codes::BAD_OP,
                    "开案操作缺少任务或企业".into(),
                    "case_opened lacks /body/case/task_id or /body/case/enterprise_id".into(),
                ));
            };
            let task = reference::task_for_update(tx, &task_id)?;
            let Some(task) = task.filter(|t| Some(t.team.as_str()) == dev.team) else {
                return Ok(rejected(
                    codes::OUT_OF_SCOPE,
                    "任务不在本组范围内".into(),
                    "out of scope".into(),
                ));
            };
            let row = cases::CaseRow {
                case_id: case_id.into(),
                device_id: dev.id.into(),
                user_id: dev.user_id.into(),
                task_id: task_id.clone(),
                enterprise_id,
                status: "open".into(),
                review: cases::Review::default(),
            };
            cases::insert(tx, &row, &link.hlc, now, case_facts::FACTS_VERSION)?;
            case_facts::record(tx, case_id, &link.kind, payload)?;
            cases::emit(tx, &row, now)?;
            cache.0 = Some(row);
            status_write(tx, dev, op, &task_id, &task, "in_progress", now, conflicts)?;
            return Ok(None);
        }
        Some(c) if c.device_id != dev.id => {
            return Ok(rejected(
                codes::OUT_OF_SCOPE,
                "案件属于其他设备".into(),
                "out of scope: the case belongs to another device".into(),
            ));
        }
        Some(c) => c,
    };
    if case_facts::concerns(&link.kind) {
        case_facts::record(tx, case_id, &link.kind, payload)?;
    }
    if link.kind == "closed" {
        cases::set_status(tx, case_id, "closed", now)?;
        // Read again now that the update holds the row: the change carries the review too, and
        // a review committed since this push read the case must not be sent back stale.
        let row = cases::get(tx, case_id)?.ok_or_else(|| ApiError::internal("case vanished"))?;
        cases::emit(tx, &row, now)?;
        // Tasks are never deleted, so the task is there; if it were not, the case would still
        // close (device work is evidence), with no status to write.
        if let Some(task) = reference::task_for_update(tx, &case.task_id)? {
            status_write(tx, dev, op, &case.task_id, &task, "done", now, conflicts)?;
        }
        cache.0 = Some(row);
    }
    Ok(None)
}

/// The case a push's last op touched: a device's ops mostly follow one case, and asking the
/// database again for each one was a query per op. What is read from it (owner, task,
/// enterprise) never changes once the case is opened; its status is written, never read.
#[derive(Default)]
struct CaseCache(Option<cases::CaseRow>);

impl CaseCache {
    fn get(&mut self, tx: &Tx<'_>, case_id: &str) -> DbResult<Option<cases::CaseRow>> {
        if let Some(c) = self.0.as_ref().filter(|c| c.case_id == case_id) {
            return Ok(Some(c.clone()));
        }
        self.0 = cases::get(tx, case_id)?;
        Ok(self.0.clone())
    }
}

#[allow(clippy::too_many_arguments)]
fn status_write(
    tx: &Tx<'_>,
    dev: &Device<'_>,
    op: &PushOp,
    task_id: &str,
    task: &reference::TaskRow,
    status: &str,
    now: u64,
    conflicts: &mut Vec<String>,
) -> DbResult<()> {
    let w = Write {
        task_id,
        field: SharedField::Status,
        value: Value::String(status.into()),
        hlc: op.link.hlc.clone(),
        origin: dev.id.into(),
        seen: op.seen,
        op_id: Some(&op.link.op_id),
        device_id: Some(dev.id),
    };
    if let Merged::Conflict { id, .. } = merge::write(tx, &w, task, now)? {
        conflicts.push(id);
    }
    Ok(())
}
