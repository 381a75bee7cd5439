//! On-site measures, on-the-spot penalties and service of documents. V-19, V-20, V-21.

use super::ctx::{Ctx, Planned, required_text};
use super::op::Op;
use super::steps;
use crate::error::{Result, refuse};
use crate::model::case::*;
use crate::store::queries;

/// Measures that need the agency head's approval (or an emergency flag with a 补办 deadline).
const NEEDS_APPROVAL: &[&str] = &["先行登记保存", "查封", "扣押"];
const KINDS: &[&str] = &["责令改正", "先行登记保存", "查封", "扣押"];

pub(crate) fn order(
    ctx: &Ctx<'_>,
    by: &str,
    kind: &str,
    description: &str,
    approved_by: Option<String>,
    emergency: bool,
    approval_due: Option<&str>,
) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    let p = ctx.procedure()?;
    steps::require_credentials(case, p, "现场处置", "on-site measures")?;
    if !KINDS.contains(&kind) {
        return refuse(
            "input.bad_kind",
            format!("处置类型须为：{}", KINDS.join("、")),
            format!("measure kind must be one of {}", KINDS.join(", ")),
        );
    }
    required_text("description", "处置内容（物品、场所、依据）", description)?;
    let approved = approved_by.as_deref().is_some_and(|a| !a.trim().is_empty());
    let due = match approval_due {
        Some(s) => Some(ctx.time("approval_due", s)?),
        None => None,
    };
    let mut flags = Vec::new();
    if NEEDS_APPROVAL.contains(&kind) && !approved {
        // V-19: approval first, or the emergency path with a deadline to obtain it (补办).
        let Some(due) = due.filter(|_| emergency) else {
            return refuse(
                "V-19",
                format!(
                    "{kind}须经机关负责人批准（approved_by）；情况紧急的，须标明紧急（emergency）并填写补办批准期限（approval_due，查封扣押为24小时内）"
                ),
                format!(
                    "{kind} needs the agency head's approval (approved_by); in an emergency mark it so (emergency) and give the deadline to obtain approval (approval_due; 24 h for seizure)"
                ),
            );
        };
        if due <= ctx.now || due > ctx.now + chrono::Duration::hours(24) {
            return refuse(
                "V-19",
                "补办批准期限须在今后24小时以内",
                "the approval deadline must fall within the next 24 hours",
            );
        }
        flags.push(ctx.flag(
            "V-19",
            format!("紧急{kind}，须在 {} 前补办批准", due.to_rfc3339()),
            format!("emergency {kind}; approval due by {}", due.to_rfc3339()),
            None,
        ));
    }
    let measure = Measure {
        kind: kind.into(),
        description: description.into(),
        approved_by,
        emergency,
        approval_due: due,
        at: ctx.now,
    };
    Ok(Planned::new(by, Op::MeasureOrdered { measure }).flagged(flags))
}

pub(crate) fn penalty(
    ctx: &Ctx<'_>,
    by: &str,
    party_kind: &str,
    amount: Option<u32>,
    warning: bool,
    facts: &str,
) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    let p = ctx.procedure()?;
    steps::require_credentials(case, p, "当场处罚", "an on-the-spot penalty")?;
    required_text("facts", "违法事实", facts)?;
    // V-20: 简易程序 only within 200 元 (individual) / 3000 元 (unit), or a warning.
    let cap = match party_kind {
        "individual" => 200,
        "unit" => 3000,
        other => {
            return refuse(
                "input.bad_kind",
                format!("当事人类型须为 individual（公民）或 unit（单位）：{other}"),
                format!("party_kind must be individual or unit: {other}"),
            );
        }
    };
    match (amount, warning) {
        (None, false) | (Some(0), false) => {
            return refuse(
                "V-20",
                "当场处罚须为警告或罚款金额",
                "an on-the-spot penalty is a warning or a fine amount",
            );
        }
        (Some(a), _) if a > cap => {
            return refuse(
                "V-20",
                format!(
                    "当场处罚（简易程序）罚款限额为{}{cap}元，{a}元超出限额，应按普通程序办理",
                    if cap == 200 { "公民" } else { "单位" }
                ),
                format!(
                    "the on-the-spot (summary) procedure allows fines up to {cap} yuan for {}; {a} yuan needs the ordinary procedure",
                    if cap == 200 { "individuals" } else { "units" }
                ),
            );
        }
        _ => {}
    }
    let number = queries::take_number(
        ctx.tx,
        "on_the_spot_penalty",
        &case.id,
        &ctx.now.to_rfc3339(),
    )?;
    let Some(number) = number else {
        return refuse(
            "V-20",
            "本机没有可用的当场处罚决定书预编号（号段已用完或未下发），请同步后由中心分配号段",
            "no pre-allocated penalty decision number left on this device (block used up or never issued); sync so the center can reserve a block",
        );
    };
    let penalty = OnTheSpotPenalty {
        number,
        party_kind: party_kind.into(),
        amount_yuan: amount.filter(|a| *a > 0),
        facts: facts.into(),
        at: ctx.now,
    };
    Ok(Planned::new(by, Op::PenaltyIssued { penalty }))
}

/// Input of a service record.
#[derive(Debug)]
pub(crate) struct ServiceInput<'a> {
    pub by: &'a str,
    pub document: &'a str,
    pub method: &'a str,
    pub recipient: &'a str,
    pub recipient_strokes_sha256: Option<String>,
    pub witness: Option<Witness>,
    pub media_evidence_id: Option<String>,
}

pub(crate) fn service(ctx: &Ctx<'_>, s: ServiceInput<'_>) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(s.by)?;
    required_text("document", "送达文书名称与文号", s.document)?;
    required_text("recipient", "受送达人", s.recipient)?;
    // V-21: method, time, and the recipient's signature or proof of leaving it (留置).
    let ok = match s.method {
        "direct" => s.recipient_strokes_sha256.is_some(),
        "left" => {
            s.witness
                .as_ref()
                .is_some_and(|w| w.strokes_sha256.is_some())
                || s.media_evidence_id
                    .as_ref()
                    .is_some_and(|id| case.evidence.iter().any(|e| &e.id == id))
        }
        "electronic" => s.recipient_strokes_sha256.is_some(),
        other => {
            return refuse(
                "V-21",
                format!(
                    "送达方式须为 direct（直接送达）、left（留置送达）或 electronic（电子送达）：{other}"
                ),
                format!("service method must be direct, left or electronic: {other}"),
            );
        }
    };
    if !ok {
        return refuse(
            "V-21",
            "送达回证须有受送达人签收；受送达人拒收的留置送达须有见证人签名或照片/录像证据；电子送达须有当事人签署的确认书",
            "a service record needs the recipient's signature; service by leaving it (留置) needs a witness signature or photo/video evidence; electronic service needs the party's signed consent",
        );
    }
    let service = Service {
        document: s.document.into(),
        method: s.method.into(),
        recipient: s.recipient.into(),
        at: ctx.now,
        recipient_strokes_sha256: s.recipient_strokes_sha256,
        witness: s.witness,
        media_evidence_id: s.media_evidence_id,
    };
    Ok(Planned::new(s.by, Op::ServiceRecorded { service }))
}
