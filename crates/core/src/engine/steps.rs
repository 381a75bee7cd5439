//! Which steps are done, which are allowed, and why not: the procedure's order (`after`) plus the
//! gate rules that hold whatever the order says (V-05 credentials, V-06 notice, V-10 findings).

use serde::Serialize;

use super::ctx::Ctx;
use crate::error::{Refusal, Result};
use crate::forms::types::{AnswerKind, EvidenceRule, ProcedureFile, Step, StepKind};
use crate::forms::{Checklist, FormSet};
use crate::model::case::Case;
use crate::model::enterprise::Enterprise;

/// State of one step for display.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepStatus {
    pub id: String,
    pub kind: StepKind,
    pub title_zh: String,
    pub title_en: String,
    pub required: bool,
    pub done: bool,
    /// Why the step cannot start yet (zh, en), if it cannot.
    pub blocked: Option<(String, String)>,
}

/// V-05: ≥ min_officers distinct officers have shown credentials on this visit.
pub(crate) fn require_credentials(
    case: &Case,
    p: &ProcedureFile,
    what_zh: &str,
    what_en: &str,
) -> Result<()> {
    if !p.steps.iter().any(|s| s.kind == StepKind::Credentials) {
        return Ok(());
    }
    let shown = case.shown_officers().len();
    let min = p.rules.min_officers as usize;
    if shown < min {
        return Err(Refusal::new(
            "V-05",
            format!("在至少{min}名执法人员亮证之前，不能进行{what_zh}（目前{shown}人已亮证）。请先亮证。"),
            format!("{what_en} cannot start before at least {min} officers have shown their credentials ({shown} so far). Show credentials first."),
        )
        .into());
    }
    Ok(())
}

/// V-06: the notice and the recusal answer precede any substantive entry.
pub(crate) fn require_notice(
    case: &Case,
    p: &ProcedureFile,
    what_zh: &str,
    what_en: &str,
) -> Result<()> {
    if !p.steps.iter().any(|s| s.kind == StepKind::Notice) {
        return Ok(());
    }
    if case.notice.is_none() {
        return Err(Refusal::new(
            "V-06",
            format!("尚未告知当事人权利义务并询问是否申请回避，不能{what_zh}。请先完成告知。"),
            format!("the party has not been given the rights notice and asked about recusal; {what_en} must wait. Give the notice first."),
        )
        .into());
    }
    Ok(())
}

/// Items of a checklist that are asked, given the answers so far (show_if).
pub fn visible_items<'a>(
    cl: &'a Checklist,
    case: &Case,
) -> impl Iterator<Item = &'a crate::forms::types::Item> {
    cl.items
        .iter()
        .map(|(_, i)| i)
        .filter(move |i| match &i.show_if {
            None => true,
            Some(cond) => {
                let ans = case
                    .answers
                    .values()
                    .find(|a| a.item_id == cond.item)
                    .map(|a| &a.value);
                if let Some(want) = cond.answered {
                    return ans.is_some() == want;
                }
                if let Some(eq) = &cond.equals {
                    return ans == Some(eq);
                }
                if let Some(list) = &cond.in_ {
                    return ans.is_some_and(|a| list.contains(a));
                }
                true
            }
        })
}

/// Missing checklist answers and V-10 problems, as (zh, en) lines.
pub fn checklist_gaps(forms: &FormSet, case: &Case, ent: &Enterprise) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for fr in &case.checklists {
        let Some(cl) = forms.checklists.get(&fr.id) else {
            continue;
        };
        for item in visible_items(cl, case) {
            let instances: Vec<Option<String>> = match &item.per {
                Some(kind) => match ent.units.get(kind) {
                    Some(list) if !list.is_empty() => list.iter().cloned().map(Some).collect(),
                    _ => vec![None],
                },
                None => vec![None],
            };
            for inst in instances {
                let answered = case
                    .answers
                    .values()
                    .any(|a| a.item_id == item.id && (inst.is_none() || a.instance == inst));
                let must = matches!(
                    item.ans,
                    AnswerKind::Tri | AnswerKind::Bool | AnswerKind::Choice | AnswerKind::Doc
                );
                if must && !answered {
                    let at = inst
                        .as_deref()
                        .map(|i| format!("（{i}）"))
                        .unwrap_or_default();
                    out.push((
                        format!("检查项 {}{at} 未回答", item.id),
                        format!("item {}{at} not answered", item.id),
                    ));
                }
            }
        }
    }
    for a in case.answers.values() {
        let Some(item) = case
            .checklists
            .iter()
            .filter_map(|f| forms.checklists.get(&f.id))
            .find_map(|c| c.item(&a.item_id))
        else {
            continue;
        };
        let needs_ev = match item.ev {
            EvidenceRule::Req => true,
            EvidenceRule::Fail => a.finding.is_some(),
            EvidenceRule::Opt => false,
        };
        let has_ev = !a.evidence.is_empty()
            || case
                .evidence
                .iter()
                .any(|e| e.item_id.as_deref() == Some(&a.item_id));
        if a.finding.is_some() && needs_ev && !has_ev {
            out.push((
                format!("V-10 检查项 {} 判定不合规，须至少附一项证据", a.item_id),
                format!(
                    "V-10 item {} is a violation and needs at least one evidence item",
                    a.item_id
                ),
            ));
        }
    }
    out
}

fn photos(case: &Case) -> usize {
    case.evidence.iter().filter(|e| e.kind == "photo").count()
}

/// Whether a step is complete.
pub(crate) fn step_done(
    forms: &FormSet,
    case: &Case,
    ent: &Enterprise,
    p: &ProcedureFile,
    step: &Step,
    needs_sampling: bool,
) -> bool {
    match step.kind {
        StepKind::Checkin => case.checkin.is_some(),
        StepKind::Credentials => case.shown_officers().len() >= p.rules.min_officers as usize,
        StepKind::Notice => case.notice.is_some(),
        StepKind::Checklist => checklist_gaps(forms, case, ent).is_empty(),
        StepKind::Sampling => !needs_sampling || !case.samples.is_empty(),
        StepKind::Evidence => photos(case) >= p.rules.required_evidence as usize,
        StepKind::Interview => case.interviews.iter().all(|i| i.ended_at.is_some()),
        StepKind::Note => !case.notes.is_empty(),
        StepKind::Transcript => case.transcripts.iter().any(|t| t.kind == "onsite"),
        StepKind::Signature => {
            !case.transcripts.is_empty()
                && case
                    .transcripts
                    .iter()
                    .all(|t| t.versions.last().is_some_and(|v| v.locked_at.is_some()))
        }
        StepKind::Print => true,
        StepKind::Close => case.closed_at.is_some(),
    }
}

fn step_required(step: &Step, needs_sampling: bool) -> bool {
    step.required || (step.when.as_deref() == Some("task_needs_sampling") && needs_sampling)
}

/// All steps with their state.
pub fn statuses(
    forms: &FormSet,
    case: &Case,
    ent: &Enterprise,
    p: &ProcedureFile,
    needs_sampling: bool,
) -> Vec<StepStatus> {
    p.steps
        .iter()
        .map(|s| {
            let blocked = blocked_by(forms, case, ent, p, s, needs_sampling);
            StepStatus {
                id: s.id.clone(),
                kind: s.kind,
                title_zh: s.title_zh.clone(),
                title_en: s.title_en.clone(),
                required: step_required(s, needs_sampling),
                done: step_done(forms, case, ent, p, s, needs_sampling),
                blocked,
            }
        })
        .collect()
}

/// Why a step may not start: the first `after` step that is required and not done.
fn blocked_by(
    forms: &FormSet,
    case: &Case,
    ent: &Enterprise,
    p: &ProcedureFile,
    step: &Step,
    needs_sampling: bool,
) -> Option<(String, String)> {
    let missing: Vec<&Step> = step
        .after
        .iter()
        .filter_map(|a| p.steps.iter().find(|s| &s.id == a))
        .filter(|s| {
            step_required(s, needs_sampling) && !step_done(forms, case, ent, p, s, needs_sampling)
        })
        .collect();
    if missing.is_empty() {
        return None;
    }
    let zh: Vec<_> = missing.iter().map(|s| s.title_zh.as_str()).collect();
    let en: Vec<_> = missing.iter().map(|s| s.title_en.as_str()).collect();
    Some((
        format!("「{}」需先完成：{}", step.title_zh, zh.join("、")),
        format!(
            "“{}” needs these steps first: {}",
            step.title_en,
            en.join(", ")
        ),
    ))
}

/// Refuses a command whose step (by kind) is not yet allowed by the procedure's order.
pub(crate) fn require_step(
    ctx: &Ctx<'_>,
    case: &Case,
    p: &ProcedureFile,
    kind: StepKind,
) -> Result<()> {
    let Some(step) = p.steps.iter().find(|s| s.kind == kind) else {
        return Err(Refusal::new(
            "step.not_in_procedure",
            format!("程序「{}」没有此步骤", p.form.name_zh),
            format!("procedure “{}” has no such step", p.form.name_en),
        )
        .into());
    };
    let ent = ctx.enterprise(&case.enterprise_id)?;
    let needs_sampling = ctx
        .task(&case.task_id)
        .map(|t| t.needs_sampling)
        .unwrap_or(false);
    if let Some((zh, en)) = blocked_by(ctx.forms, case, &ent, p, step, needs_sampling) {
        return Err(Refusal::new("step.not_yet", zh, en).into());
    }
    Ok(())
}

/// What still stops the case from closing.
pub(crate) fn incomplete_before_close(
    ctx: &Ctx<'_>,
    case: &Case,
    p: &ProcedureFile,
) -> Result<Vec<(String, String)>> {
    let ent = ctx.enterprise(&case.enterprise_id)?;
    let needs_sampling = ctx
        .task(&case.task_id)
        .map(|t| t.needs_sampling)
        .unwrap_or(false);
    let mut out = Vec::new();
    for s in p.steps.iter().filter(|s| s.kind != StepKind::Close) {
        if step_required(s, needs_sampling)
            && !step_done(ctx.forms, case, &ent, p, s, needs_sampling)
        {
            out.push((s.title_zh.clone(), s.title_en.clone()));
        }
    }
    // Every transcript, not only the required ones, must be locked before sealing.
    for t in &case.transcripts {
        if t.versions.last().is_some_and(|v| v.locked_at.is_none()) {
            out.push((
                format!("笔录 {} 未签名锁定", t.id),
                format!("transcript {} is not signed and locked", t.id),
            ));
        }
    }
    Ok(out)
}
