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
use crate::push_state::{GroupState, TaskState};
use crate::store::{DbError, DbResult, Tx, cases, devices, links};
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
        Err(Refused::Store(e)) => Err(e.into()),
        Err(Refused::Chain { seq, reason }) => {
            alert(&st, &device_id, seq, codes::CHAIN_BROKEN, &reason).await?;
            tracing::warn!(device = %device_id, seq, %reason, "chain broken, batch refused");
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::CHAIN_BROKEN,
                format!("审计链校验失败（第 {seq} 条）：{reason}"),
                format!("audit chain broken at seq {seq}: {reason}"),
            ))
        }
        Err(Refused::OpIdReused { seq }) => {
            // An honest device never does this: a link sent again is the one stored (answered
            // `already_applied`). A different link under a stored op id or seq is a device that
            // rewrote its chain, or one that lost its store and began again, and center staff
            // should know. On PostgreSQL it also made its group run twice (`push_group`).
            let e = op_id_reused_error(seq);
            alert(&st, &device_id, Some(seq), codes::OP_CONFLICT, &e.body.en).await?;
            tracing::warn!(device = %device_id, seq, "op id or seq reused, batch refused");
            Err(e)
        }
    }
}

/// Records an alert against the device, in a transaction of its own: the batch that raised it
/// rolled back, and the alert must survive.
async fn alert(
    st: &AppState,
    device_id: &str,
    seq: impl Into<Option<i64>>,
    code: &'static str,
    reason: &str,
) -> ApiResult<()> {
    let (id, seq, why) = (device_id.to_string(), seq.into(), reason.to_string());
    st.db
        .run(move |s| {
            devices::insert_alert(&s.conn, &id, seq, code, &why, now_ms())?;
            Ok(())
        })
        .await
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
    Chain {
        seq: i64,
        reason: String,
    },
    /// A link at `seq` is not the one stored under its op id or seq (`sync.op_id_reused`).
    OpIdReused {
        seq: i64,
    },
    /// The database failed a statement: the push's savepoint rolls back, and the group asks
    /// `op_id_clash` whether that was a link's op id already taken (`refusal_after_rollback`).
    Store(DbError),
}

/// For the log (an optimistic group run that gave up says why).
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Api(e) => write!(f, "{}: {}", e.body.code, e.body.en),
            Refused::Chain { seq, reason } => write!(f, "chain broken at seq {seq}: {reason}"),
            Refused::OpIdReused { seq } => write!(f, "op id or seq reused at seq {seq}"),
            Refused::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<DbError> for Refused {
    fn from(e: DbError) -> Self {
        Refused::Store(e)
    }
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Self {
        Refused::Api(e)
    }
}

fn op_id_reused_error(seq: i64) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        codes::OP_CONFLICT,
        format!("第 {seq} 条操作与服务器已存记录不一致（操作编号重复）"),
        format!("op at seq {seq} differs from the one stored (op id or seq reused)"),
    )
}

/// Verifies and applies one device's batch inside the caller's transaction (one push of a
/// group commit, `push_group`), reading through the group's `state`: [`check_in`], then
/// [`write_in`], then the device's new head.
pub(crate) fn apply_in(
    tx: &Tx<'_>,
    clock: &Clock,
    dev: &Device<'_>,
    ops: &[PushOp],
    now: u64,
    state: &mut GroupState,
) -> Result<PushResponse, Refused> {
    let checked = check_in(tx, dev, ops, state)?;
    let resp = write_in(tx, clock, dev, checked, now, state)?;
    state.write_heads(tx)?;
    Ok(resp)
}

/// A push checked against the chain the center holds for its device; nothing written yet.
pub(crate) struct Checked<'o> {
    /// The answers of the ops already applied (replays), in batch order.
    results: Vec<OpResult>,
    /// The ops the center does not hold yet, in seq order after them.
    new: Vec<&'o PushOp>,
    last_seq: i64,
    last_hash: String,
}

/// The part of a push that only reads: the device is enrolled and not revoked, the seqs are
/// contiguous with no gap, a replayed op is the one stored, and the new links continue the
/// chain held. A refusal here has written nothing.
pub(crate) fn check_in<'o>(
    tx: &Tx<'_>,
    dev: &Device<'_>,
    ops: &'o [PushOp],
    state: &mut GroupState,
) -> Result<Checked<'o>, Refused> {
    // Locked: concurrent pushes of this device serialize here, each seeing the other's head.
    let d = state
        .device(tx, dev.id)?
        .ok_or_else(|| ApiError::not_found("device"))?;
    if d.revoked {
        return Err(revoked().into());
    }
    let mut results = Vec::with_capacity(ops.len());
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
                return Err(Refused::OpIdReused { seq: link.seq });
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
    Ok(Checked {
        results,
        new,
        last_seq,
        last_hash,
    })
}

/// Applies a checked push's new ops (their effects, then their links) and moves its head in
/// `state`.
pub(crate) fn write_in(
    tx: &Tx<'_>,
    clock: &Clock,
    dev: &Device<'_>,
    checked: Checked<'_>,
    now: u64,
    state: &mut GroupState,
) -> Result<PushResponse, Refused> {
    let Checked {
        mut results,
        new,
        last_seq,
        last_hash,
    } = checked;
    // Each new op's effects first, then the links, together, each with the result its op got.
    // A link whose op id another link already has fails that insert (on PostgreSQL when it is
    // sent, with the push's or the group's last writes): the push rolls back whole, and the
    // group answers which op it was (`refusal_after_rollback`).
    let replays = results.len();
    for op in &new {
        results.push(apply_op(tx, clock, dev, op, now, state)?);
    }
    let rows: Vec<(&PushOp, &OpResult)> = new.iter().copied().zip(&results[replays..]).collect();
    links::insert_all(tx, dev.id, &rows, now)?;
    // The head itself is written by the group (`GroupState::write_heads`): once per device.
    state.set_head(dev.id, last_seq, &last_hash);
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

/// What a push refused with `refusal` answers once its savepoint rolled back: a store error
/// that came of a link whose op id another link already holds (or an earlier op of the same
/// batch) is that op's `op_conflict`; anything else stands.
pub(crate) fn refusal_after_rollback(
    tx: &Tx<'_>,
    device_id: &str,
    ops: &[PushOp],
    refusal: Refused,
) -> Refused {
    let Refused::Store(e) = refusal else {
        return refusal;
    };
    match op_id_clash(tx, device_id, ops) {
        Ok(Some(seq)) => Refused::OpIdReused { seq },
        Ok(None) => Refused::Store(e),
        Err(lookup) => {
            tracing::error!(error = %lookup, "looking up op ids after a failed push");
            Refused::Store(e)
        }
    }
}

/// The seq of the first op in `ops` whose op id is taken: held by a link other than this
/// device's at that seq (an op already applied holds its own), or used by an earlier op of the
/// batch.
fn op_id_clash(tx: &Tx<'_>, device_id: &str, ops: &[PushOp]) -> DbResult<Option<i64>> {
    let ids: Vec<&str> = ops.iter().map(|op| op.link.op_id.as_str()).collect();
    let holders = links::holders(tx, &ids)?;
    let mut earlier = std::collections::HashSet::new();
    for op in ops {
        let id = op.link.op_id.as_str();
        let held_elsewhere = holders
            .get(id)
            .is_some_and(|(d, seq)| (d.as_str(), *seq) != (device_id, op.link.seq));
        if !earlier.insert(id) || held_elsewhere {
            return Ok(Some(op.link.seq));
        }
    }
    Ok(None)
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
    state: &mut GroupState,
) -> Result<OpResult, Refused> {
    let mut res = applied(op);
    let reason = effects(tx, clock, dev, op, now, state, &mut res.conflicts)?;
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
    state: &mut GroupState,
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
    let case = match state.case(tx, case_id)? {
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
            let task = state.task(tx, &task_id)?;
            let Some((task, status)) = task.filter(|(t, _)| Some(t.team.as_str()) == dev.team)
            else {
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
            state.set_case(row);
            let task = (task, status);
            status_write(
                tx,
                dev,
                op,
                &task_id,
                task,
                "in_progress",
                now,
                state,
                conflicts,
            )?;
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
        state.set_case(row);
        if let Some(task) = state.task(tx, &case.task_id)? {
            status_write(
                tx,
                dev,
                op,
                &case.task_id,
                task,
                "done",
                now,
                state,
                conflicts,
            )?;
        }
    }
    Ok(None)
}

#[allow(clippy::too_many_arguments)]
fn status_write(
    tx: &Tx<'_>,
    dev: &Device<'_>,
    op: &PushOp,
    task_id: &str,
    (task, current): TaskState,
    status: &str,
    now: u64,
    state: &mut GroupState,
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
    let (merged, written) = merge::write_over(tx, &w, &task, current, now)?;
    if let Some(written) = written {
        state.set_status(task_id, written);
    }
    if let Merged::Conflict { id, .. } = merged {
        conflicts.push(id);
    }
    Ok(())
}
