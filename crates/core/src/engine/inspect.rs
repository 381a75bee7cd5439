//! The inspection itself: checklist answers and findings, evidence, samples and custody.
//! Validations V-04 (at capture), V-06, V-09, V-10, V-11, V-12, V-13, V-14.

use super::command::FixInput;
use super::ctx::{Ctx, Planned, required_text};
use super::geofence;
use super::op::Op;
use super::site::fix_of;
use super::steps;
use crate::error::{Refusal, Result, refuse};
use crate::forms::answer::check_value;
use crate::forms::eval::judge;
use crate::forms::types::{EvidenceRule, StepKind};
use crate::model::case::*;

/// Input of an answer command.
#[derive(Debug)]
pub(crate) struct AnswerInput<'a> {
    pub by: &'a str,
    pub item_id: &'a str,
    pub instance: Option<&'a str>,
    pub value: &'a serde_json::Value,
    pub note: Option<String>,
    pub finding_text: Option<String>,
    pub evidence: &'a [String],
}

pub(crate) fn answer(ctx: &Ctx<'_>, a: AnswerInput<'_>) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(a.by)?;
    let p = ctx.procedure()?;
    steps::require_credentials(case, p, "现场检查", "the inspection checklist")?;
    steps::require_notice(case, p, "开始检查", "checklist answers")?;
    if case.departed_at.is_some() {
        return refuse(
            "case.departed",
            "已离场，不能再记录现场检查结果",
            "departed: on-site answers can no longer be recorded",
        );
    }
    let found = case
        .checklists
        .iter()
        .filter_map(|f| ctx.forms.checklists.get(&f.id))
        .find_map(|c| {
            c.items
                .iter()
                .find(|(_, i)| i.id == a.item_id)
                .map(|(form, i)| (form.clone(), i))
        });
    let Some((form_id, item)) = found else {
        return refuse(
            "input.unknown_item",
            format!("本案件的检查单中没有检查项 {}", a.item_id),
            format!("item {} is not in this case's checklists", a.item_id),
        );
    };
    check_value(item, a.value).map_err(|e| Refusal::new("input.bad_answer", e.zh, e.en))?;
    let ent = ctx.enterprise(&case.enterprise_id)?;
    if let Some(kind) = &item.per {
        let list = ent.units.get(kind).filter(|l| !l.is_empty());
        match (list, a.instance) {
            (Some(l), Some(i)) if !l.iter().any(|x| x == i) => {
                return refuse(
                    "input.bad_instance",
                    format!("{} 不是该企业的{kind}：{}", i, l.join("、")),
                    format!(
                        "{i} is not one of the enterprise's {kind}: {}",
                        l.join(", ")
                    ),
                );
            }
            (Some(l), None) => {
                return refuse(
                    "input.bad_instance",
                    format!("检查项 {} 须逐个{kind}回答：{}", item.id, l.join("、")),
                    format!("item {} is answered per {kind}: {}", item.id, l.join(", ")),
                );
            }
            _ => {}
        }
    }
    for e in a.evidence {
        if !case.evidence.iter().any(|x| &x.id == e) {
            return refuse(
                "input.unknown_evidence",
                format!("找不到证据 {e}"),
                format!("no evidence {e}"),
            );
        }
    }
    let j = judge(item, a.value, &ent, a.instance);
    let finding = if j.violation {
        // V-10: a violation needs the officer's finding text now; its evidence is checked before
        // the checklist counts as complete (the photo often comes after the answer).
        let Some(text) = a.finding_text.filter(|t| !t.trim().is_empty()) else {
            return refuse(
                "V-10",
                format!(
                    "检查项 {}（{}）判定为不合规，须填写发现的问题（finding_text）{}。",
                    item.id,
                    item.q_zh,
                    if item.ev == EvidenceRule::Opt {
                        ""
                    } else {
                        "，并附至少一项证据"
                    }
                ),
                format!(
                    "item {} ({}) is a violation: write the finding (finding_text){}.",
                    item.id,
                    item.q_en,
                    if item.ev == EvidenceRule::Opt {
                        ""
                    } else {
                        " and attach at least one evidence item"
                    }
                ),
            );
        };
        let on = ctx.now.date_naive();
        let basis = ctx
            .forms
            .legal
            .resolve_list(&item.basis, on)
            .unwrap_or_default();
        let penalty = ctx
            .forms
            .legal
            .resolve_list(&item.penalty, on)
            .unwrap_or_default();
        let escalate = item.escalate.as_ref().and_then(|e| {
            let factor_hit = e
                .factor
                .is_some_and(|f| j.limits.iter().any(|l| l.factor.is_some_and(|x| x >= f)));
            let always = e.factor.is_none() && e.threshold_t.is_none();
            (factor_hit || always).then(|| e.to.clone().unwrap_or_default())
        });
        Some(Finding {
            text,
            question_zh: item.q_zh.clone(),
            limits: j.limits.clone(),
            basis,
            penalty,
            escalate,
        })
    } else {
        None
    };
    let answer = Answer {
        form_id,
        item_id: item.id.clone(),
        instance: a.instance.map(str::to_string),
        value: a.value.clone(),
        note: a.note,
        evidence: a.evidence.to_vec(),
        at: ctx.now,
        by: a.by.to_string(),
        finding,
    };
    let key = Case::answer_key(&item.id, a.instance);
    Ok(Planned::new(a.by, Op::Answered { key, answer }))
}

/// What the blob store holds for a captured file: the original and, for photos, what was derived.
#[derive(Debug, Clone, Default)]
pub(crate) struct EvidenceFiles {
    pub sha256: String,
    pub media_type: String,
    pub exif: Option<serde_json::Value>,
    pub copy_sha256: Option<String>,
    pub thumb_sha256: Option<String>,
    /// Why no display copy was made (zh, en), when one should have been.
    pub derive_error: Option<(String, String)>,
}

/// Input of an evidence capture.
#[derive(Debug)]
pub(crate) struct EvidenceInput<'a> {
    pub by: &'a str,
    pub files: EvidenceFiles,
    pub kind: &'a str,
    pub method: &'a str,
    pub proves: &'a str,
    pub in_app: bool,
    pub provenance: Option<String>,
    pub fix: Option<&'a FixInput>,
    pub item_id: Option<String>,
    pub location_reason: Option<String>,
    pub copy_confirmed: Option<bool>,
    pub captured_at: Option<&'a str>,
}

pub(crate) fn capture_evidence(ctx: &Ctx<'_>, e: EvidenceInput<'_>) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(e.by)?;
    let p = ctx.procedure()?;
    const KINDS: &[&str] = &["photo", "video", "audio", "doc_copy", "electronic_data"];
    if !KINDS.contains(&e.kind) {
        return refuse(
            "input.bad_kind",
            format!("证据类型须为：{}", KINDS.join("、")),
            format!("evidence kind must be one of {}", KINDS.join(", ")),
        );
    }
    required_text("proves", "证明对象（该证据证明什么）", e.proves)?;
    required_text(
        "method",
        "采集方式（拍照/录像/录音/截屏/拷贝/导出）",
        e.method,
    )?;
    // Before credentials: only covert captures, and only when the procedure allows them.
    let shown = case.shown_officers().len() >= p.rules.min_officers as usize;
    let has_cred_step = p.steps.iter().any(|s| s.kind == StepKind::Credentials);
    let covert = has_cred_step && !shown;
    let case_covert = case.flags.iter().any(|f| f.code == "covert");
    if covert && !case_covert {
        steps::require_credentials(
            case,
            p,
            "取证（非暗查案件）",
            "evidence capture (not a covert case)",
        )?;
    }
    let mut flags = Vec::new();
    let fix = match e.fix {
        Some(f) => Some(fix_of(ctx, f)?),
        None => None,
    };
    // V-09: in-app captures carry time, position, device and hash; imports are flagged external.
    if e.in_app {
        if fix.is_none() {
            return refuse(
                "V-09",
                "现场采集的证据须带定位（fix）、时间、设备号和哈希；没有定位不能作为现场采集保存。如为外部导入，请标记为导入并说明来源。",
                "an in-app capture must carry a position fix, time, device id and hash; without a fix it cannot be saved as captured on site. If it was imported, mark it so and give its provenance.",
            );
        }
    } else {
        let Some(prov) = e.provenance.clone().filter(|s| !s.trim().is_empty()) else {
            return refuse(
                "V-09",
                "从相册或外部导入的证据须说明来源（provenance），并将被标记为外部证据",
                "evidence imported from the gallery or elsewhere needs its provenance, and is flagged as external",
            );
        };
        flags.push(ctx.flag(
            "V-09",
            "外部导入的证据".into(),
            "externally imported evidence".into(),
            Some(prov),
        ));
    }
    // V-04 at capture: a capture away from the site needs a reason.
    if let Some(f) = &fix {
        let ent = ctx.enterprise(&case.enterprise_id)?;
        let g = geofence::check(
            f.point,
            f.accuracy_m,
            ent.location,
            ent.boundary.as_deref(),
            p.rules.geofence_radius_m,
        );
        if !g.inside {
            let Some(why) = e.location_reason.clone().filter(|r| !r.trim().is_empty()) else {
                return refuse(
                    "V-04",
                    format!(
                        "拍摄位置距企业 {:.0} 米，在电子围栏外，请填写原因（location_reason）",
                        g.distance_m
                    ),
                    format!(
                        "captured {:.0} m from the enterprise, outside the geofence; give a reason (location_reason)",
                        g.distance_m
                    ),
                );
            };
            flags.push(ctx.flag(
                "V-04",
                format!("围栏外取证，距离 {:.0} 米", g.distance_m),
                format!(
                    "evidence captured outside the geofence, {:.0} m away",
                    g.distance_m
                ),
                Some(why),
            ));
        }
    }
    // V-14: document copies carry the party's seal or signature and "与原件核对一致".
    if e.kind == "doc_copy" && e.copy_confirmed != Some(true) {
        flags.push(ctx.flag(
            "V-14",
            "复印件未注明当事人盖章/签名及“与原件核对一致”，证明力可能不足".into(),
            "the document copy lacks the party's seal/signature and “与原件核对一致”; its weight may be challenged".into(),
            None,
        ));
    }
    if let Some(item) = &e.item_id {
        let known = case
            .checklists
            .iter()
            .filter_map(|f| ctx.forms.checklists.get(&f.id))
            .any(|c| c.item(item).is_some());
        if !known {
            return refuse(
                "input.unknown_item",
                format!("本案件的检查单中没有检查项 {item}"),
                format!("item {item} is not in this case's checklists"),
            );
        }
    }
    if let Some((zh, en)) = &e.files.derive_error {
        flags.push(ctx.flag(
            "evidence.no_copy",
            format!("原件已保存，但未生成带水印的副本：{zh}"),
            format!("original kept, but no watermarked copy was made: {en}"),
            None,
        ));
    }
    let captured_at = match e.captured_at {
        Some(s) if !e.in_app => ctx.time("captured_at", s)?,
        _ => ctx.now,
    };
    let evidence = Evidence {
        id: (ctx.ids)(),
        kind: e.kind.to_string(),
        sha256: e.files.sha256,
        captured_at,
        fix,
        device_id: ctx.device.id.clone(),
        captured_by: e.by.to_string(),
        method: e.method.to_string(),
        proves: e.proves.to_string(),
        in_app: e.in_app,
        provenance: e.provenance,
        covert,
        item_id: e.item_id,
        location_reason: e.location_reason,
        copy_confirmed: e.copy_confirmed,
        media_type: Some(e.files.media_type),
        exif: e.files.exif,
        copy_sha256: e.files.copy_sha256,
        thumb_sha256: e.files.thumb_sha256,
    };
    Ok(Planned::new(e.by, Op::EvidenceCaptured { evidence }).flagged(flags))
}

/// 一类污染物: judged at the workshop outlet (GB 8978 / GB 21900), V-12.
const CLASS_ONE: &[&str] = &[
    "总汞",
    "烷基汞",
    "总镉",
    "总铬",
    "六价铬",
    "总砷",
    "总铅",
    "总镍",
    "苯并(a)芘",
    "总铍",
    "总银",
    "总α放射性",
    "总β放射性",
];

/// Input of a sample.
#[derive(Debug)]
pub(crate) struct SampleInput<'a> {
    pub by: &'a str,
    pub sample_id: &'a str,
    pub point: &'a str,
    pub point_type: &'a str,
    pub parameters: &'a [String],
    pub container: &'a str,
    pub preservative: &'a str,
    pub seal_no: &'a str,
    pub label_printed: bool,
    pub collected_by: &'a [String],
    pub party_witness: Option<String>,
    pub absence_reason: Option<String>,
    pub absence_proof: Option<String>,
}

pub(crate) fn take_sample(ctx: &Ctx<'_>, s: SampleInput<'_>) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(s.by)?;
    let p = ctx.procedure()?;
    steps::require_credentials(case, p, "采样", "sampling")?;
    steps::require_notice(case, p, "采样", "sampling")?;
    // V-11: unique id, label, container, preservative, seal, custody start.
    let mut missing = Vec::new();
    for (v, zh, en) in [
        (s.sample_id, "样品编号", "sample_id"),
        (s.point, "采样点位", "point"),
        (s.container, "容器", "container"),
        (
            s.preservative,
            "保存剂（无则填“无”）",
            "preservative (write 无 for none)",
        ),
        (s.seal_no, "封条编号", "seal_no"),
    ] {
        if v.trim().is_empty() {
            missing.push((zh, en));
        }
    }
    if !s.label_printed {
        missing.push((
            "样品标签（label_printed）",
            "a printed label (label_printed)",
        ));
    }
    if s.parameters.is_empty() {
        missing.push(("监测项目", "parameters"));
    }
    if !missing.is_empty() {
        let zh: Vec<_> = missing.iter().map(|m| m.0).collect();
        let en: Vec<_> = missing.iter().map(|m| m.1).collect();
        return refuse(
            "V-11",
            format!("样品 {} 缺少：{}", s.sample_id, zh.join("、")),
            format!("sample {} is missing: {}", s.sample_id, en.join(", ")),
        );
    }
    // sample_ids holds every sample on the device, this case's included (store::save_case).
    let dup: bool = ctx.tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sample_ids WHERE sample_id = ?1)",
        [s.sample_id],
        |r| r.get(0),
    )?;
    if dup {
        return refuse(
            "V-11",
            format!("样品编号 {} 已被使用，样品编号必须唯一", s.sample_id),
            format!(
                "sample id {} is already used; sample ids must be unique",
                s.sample_id
            ),
        );
    }
    // V-13: the party witnessed, or the absence is explained and proven.
    let witnessed = s
        .party_witness
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty());
    let absence_ok = s
        .absence_reason
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty())
        && s.absence_proof
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty());
    if !witnessed && !absence_ok {
        return refuse(
            "V-13",
            "采样须有当事人在场签字（party_witness）；当事人不在场或拒绝的，须注明原因（absence_reason）并附见证人或录像（absence_proof）",
            "sampling needs the party's witness signature (party_witness); if the party is absent or refuses, record why (absence_reason) and a witness or video (absence_proof)",
        );
    }
    let mut flags = Vec::new();
    // V-12: class-one pollutants for exceedance must be sampled at the workshop outlet.
    let class_one: Vec<&str> = s
        .parameters
        .iter()
        .map(String::as_str)
        .filter(|x| CLASS_ONE.contains(x))
        .collect();
    if !class_one.is_empty() && s.point_type == "main_outlet" {
        flags.push(ctx.flag(
            "V-12",
            format!("一类污染物（{}）超标判定应在车间或生产设施废水排放口采样，当前选择了总排口", class_one.join("、")),
            format!("class-one pollutants ({}) are judged at the workshop/facility outlet, but the main outlet was chosen", class_one.join(", ")),
            None,
        ));
    }
    let sample = Sample {
        sample_id: s.sample_id.to_string(),
        point: s.point.to_string(),
        point_type: s.point_type.to_string(),
        parameters: s.parameters.to_vec(),
        container: s.container.to_string(),
        preservative: s.preservative.to_string(),
        seal_no: s.seal_no.to_string(),
        label_printed: s.label_printed,
        collected_at: ctx.now,
        collected_by: s.collected_by.to_vec(),
        party_witness: s.party_witness,
        absence_reason: s.absence_reason,
        absence_proof: s.absence_proof,
        custody: vec![Handover {
            from: "采样现场".into(),
            to: s.by.to_string(),
            at: ctx.now,
            seal_intact: true,
            note: Some("custody start".into()),
        }],
    };
    Ok(Planned::new(s.by, Op::SampleTaken { sample }).flagged(flags))
}

pub(crate) fn hand_over(
    ctx: &Ctx<'_>,
    sample_id: &str,
    from: &str,
    to: &str,
    seal_intact: bool,
    note: Option<String>,
) -> Result<Planned> {
    let case = ctx.case()?;
    let Some(sample) = case.samples.iter().find(|s| s.sample_id == sample_id) else {
        return refuse(
            "input.unknown_sample",
            format!("找不到样品 {sample_id}"),
            format!("no sample {sample_id}"),
        );
    };
    required_text("to", "接收人", to)?;
    let holder = sample.custody.last().map(|h| h.to.as_str()).unwrap_or("");
    if holder != from {
        return refuse(
            "custody.wrong_holder",
            format!("样品 {sample_id} 当前由 {holder} 保管，交出人应为 {holder}"),
            format!("sample {sample_id} is held by {holder}; only {holder} can hand it over"),
        );
    }
    let flags = if seal_intact {
        vec![]
    } else {
        vec![ctx.flag(
            "custody.seal_broken",
            format!("样品 {sample_id} 交接时封条不完好"),
            format!("sample {sample_id} seal not intact at hand-over"),
            note.clone(),
        )]
    };
    let handover = Handover {
        from: from.to_string(),
        to: to.to_string(),
        at: ctx.now,
        seal_intact,
        note,
    };
    Ok(Planned::new(
        from,
        Op::HandedOver {
            sample_id: sample_id.to_string(),
            handover,
        },
    )
    .flagged(flags))
}
