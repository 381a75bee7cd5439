//! Interviews, transcripts, signatures and refusals. Validations V-05, V-06, V-07, V-08, V-15, V-16.
//!
//! A transcript version's content is generated from the case; its SHA-256 (canonical JSON) is what
//! every signature binds to. A locked version never changes: a correction is a new version that
//! supersedes it and needs fresh signatures; old signatures stay valid for the old version only.

use fieldcase_protocol::statement::SignedStatement;
use fieldcase_protocol::{Sha256, canonical_hash};
use serde_json::json;

use super::command::Strokes;
use super::ctx::{Ctx, Planned, required_text};
use super::op::Op;
use super::steps;
use crate::error::{Refusal, Result, refuse};
use crate::forms::types::{SignerRole, StepKind};
use crate::model::case::*;
use crate::store::queries;

pub(crate) fn start_interview(
    ctx: &Ctx<'_>,
    by: &str,
    who: &PartyPerson,
    place: &str,
    interviewers: &[String],
    recorder: &str,
) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    let p = ctx.procedure()?;
    steps::require_credentials(case, p, "调查询问", "an interview")?;
    steps::require_notice(case, p, "调查询问", "an interview")?;
    required_text("interviewee.name", "被询问人姓名", &who.name)?;
    required_text("interviewee.id_number", "被询问人证件号码", &who.id_number)?;
    required_text("place", "询问地点", place)?;
    if interviewers.is_empty() {
        return refuse(
            "V-15",
            "须至少一名询问人",
            "an interview needs at least one interviewer",
        );
    }
    for i in interviewers
        .iter()
        .chain(std::iter::once(&recorder.to_string()))
    {
        ctx.team_member(i)?;
    }
    // V-16: the interviewee cannot be in two interviews at once.
    if let Some(other) = queries::interview_in_progress(ctx.tx, &who.id_number)? {
        return refuse(
            "V-16",
            format!(
                "{} 正在另一询问中（案件 {other}），同一被询问人不能同时接受两次询问。请先结束该询问。",
                who.name
            ),
            format!(
                "{} is already in an interview (case {other}); end that interview first.",
                who.name
            ),
        );
    }
    let sequence = 1 + case
        .interviews
        .iter()
        .filter(|i| i.interviewee.id_number == who.id_number)
        .count() as u32;
    let interview = Interview {
        id: (ctx.ids)(),
        interviewee: who.clone(),
        sequence,
        started_at: ctx.now,
        ended_at: None,
        place: place.to_string(),
        interviewers: interviewers.to_vec(),
        recorder: recorder.to_string(),
        qa: vec![],
        closing_statement: None,
    };
    Ok(Planned::new(by, Op::InterviewStarted { interview }))
}

fn open_interview<'c>(case: &'c Case, id: &str) -> Result<&'c Interview> {
    let Some(i) = case.interviews.iter().find(|i| i.id == id) else {
        return refuse(
            "input.unknown_interview",
            format!("找不到询问 {id}"),
            format!("no interview {id}"),
        );
    };
    if i.ended_at.is_some() {
        return refuse(
            "interview.ended",
            "该询问已结束，不能再添加问答",
            "this interview has ended; no more Q&A",
        );
    }
    Ok(i)
}

pub(crate) fn record_qa(ctx: &Ctx<'_>, interview_id: &str, q: &str, a: &str) -> Result<Planned> {
    let case = ctx.open_case()?;
    let i = open_interview(case, interview_id)?;
    // 一问一答: a question and its answer, both written.
    required_text("q", "问", q)?;
    required_text("a", "答", a)?;
    Ok(Planned::new(
        &i.recorder,
        Op::QaRecorded {
            interview_id: interview_id.into(),
            qa: QA {
                q: q.into(),
                a: a.into(),
            },
        },
    ))
}

pub(crate) fn end_interview(ctx: &Ctx<'_>, interview_id: &str, closing: &str) -> Result<Planned> {
    let case = ctx.open_case()?;
    let i = open_interview(case, interview_id)?;
    if i.qa.is_empty() {
        return refuse(
            "V-15",
            "询问笔录须至少有一问一答",
            "an interview record needs at least one question and answer",
        );
    }
    required_text(
        "closing_statement",
        "被询问人确认语（如“以上笔录我已看过，与我说的一致”）",
        closing,
    )?;
    Ok(Planned::new(
        &i.recorder,
        Op::InterviewEnded {
            interview_id: interview_id.into(),
            at: ctx.now,
            closing_statement: closing.into(),
        },
    ))
}

pub(crate) fn add_note(ctx: &Ctx<'_>, by: &str, text: &str) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    let p = ctx.procedure()?;
    steps::require_step(ctx, case, p, StepKind::Note)?;
    required_text("text", "说明", text)?;
    Ok(Planned::new(by, Op::NoteAdded { text: text.into() }))
}

/// The Chinese question of a checklist item of the case, for the printed checklist results.
fn question_of(ctx: &Ctx<'_>, item_id: &str) -> String {
    ctx.case
        .iter()
        .flat_map(|c| c.checklists.iter())
        .filter_map(|f| ctx.forms.checklists.get(&f.id))
        .find_map(|c| c.item(item_id).map(|i| i.q_zh.clone()))
        .unwrap_or_default()
}

/// Generates a transcript version's content from the case.
fn content(
    ctx: &Ctx<'_>,
    case: &Case,
    kind: &str,
    interview: Option<&Interview>,
    narrative: &str,
    opinion: Option<&str>,
) -> Result<serde_json::Value> {
    let ent = ctx.enterprise(&case.enterprise_id)?;
    let task = ctx.task(&case.task_id)?;
    let mut officers = Vec::new();
    for s in &case.credentials {
        officers
            .push(json!({"id": s.officer_id, "name": s.name, "credential": s.credential_number}));
    }
    let agency = case
        .team
        .first()
        .and_then(|o| ctx.officer(o).ok())
        .map(|o| o.agency)
        .unwrap_or_default();
    let findings: Vec<_> = case
        .answers
        .values()
        .filter_map(|a| a.finding.as_ref().map(|f| json!({"item": a.item_id, "instance": a.instance, "question": f.question_zh, "finding": f.text, "limits": f.limits, "basis": f.basis, "penalty": f.penalty})))
        .collect();
    let answers: Vec<_> = case
        .answers
        .values()
        .map(|a| json!({"item": a.item_id, "instance": a.instance, "question": question_of(ctx, &a.item_id), "value": a.value}))
        .collect();
    let evidence: Vec<_> = case.evidence.iter().map(|e| json!({"id": e.id, "kind": e.kind, "sha256": e.sha256, "proves": e.proves, "at": e.captured_at, "external": !e.in_app})).collect();
    let samples: Vec<_> = case.samples.iter().map(|s| json!({"id": s.sample_id, "point": s.point, "seal": s.seal_no, "parameters": s.parameters})).collect();
    let mut body = json!({
        "kind": kind,
        "agency": agency,
        "case_id": case.id,
        "task": {"id": task.id, "source": task.source.as_str()},
        "place": {"address": ent.address, "fix": case.checkin.as_ref().map(|c| &c.fix)},
        "party": {"name": ent.name, "uscc": ent.uscc, "address": ent.address, "legal_rep": ent.legal_rep},
        "person_on_site": case.party,
        "officers": officers,
        "notice": case.notice,
        "started_at": case.checkin.as_ref().map(|c| c.at).unwrap_or(case.opened_at),
        "ended_at": ctx.now,
        "forms": {"procedure": case.procedure, "checklists": case.checklists},
        "answers": answers,
        "findings": findings,
        "samples": samples,
        "evidence": evidence,
        "measures": case.measures,
        "narrative": narrative,
        "party_opinion": opinion,
    });
    if let Some(i) = interview {
        body["interview"] = json!({
            "id": i.id, "interviewee": i.interviewee, "sequence": i.sequence, "place": i.place,
            "started_at": i.started_at, "ended_at": i.ended_at, "interviewers": i.interviewers,
            "recorder": i.recorder, "qa": i.qa, "closing_statement": i.closing_statement,
        });
    }
    Ok(body)
}

fn version_of(
    content: &serde_json::Value,
    n: u32,
    at: crate::model::Time,
    supersedes: Option<u32>,
    reason: Option<String>,
) -> Result<TranscriptVersion> {
    Ok(TranscriptVersion {
        version: n,
        content: content.clone(),
        content_hash: canonical_hash(content)?.to_string(),
        drafted_at: at,
        supersedes,
        amend_reason: reason,
        signatures: vec![],
        refusal: None,
        locked_at: None,
    })
}

pub(crate) fn draft(
    ctx: &Ctx<'_>,
    by: &str,
    kind: &str,
    interview_id: Option<&str>,
    narrative: &str,
    opinion: Option<&str>,
) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    let p = ctx.procedure()?;
    // V-05 and V-06 hold for every transcript whatever the step order says.
    steps::require_credentials(case, p, "制作笔录", "a transcript")?;
    steps::require_notice(case, p, "制作笔录", "a transcript")?;
    let interview = match kind {
        "onsite" => {
            // The specific V-10 reason first: it tells the inspector exactly which item lacks evidence.
            let ent = ctx.enterprise(&case.enterprise_id)?;
            if let Some((zh, en)) = steps::checklist_gaps(ctx.forms, case, &ent)
                .into_iter()
                .find(|g| g.0.starts_with("V-10"))
            {
                return refuse("V-10", zh, en);
            }
            steps::require_step(ctx, case, p, StepKind::Transcript)?;
            // §3.1 field 10: the record names the person on site who answered for the unit.
            if case.party.is_none() {
                return refuse(
                    "input.missing",
                    "制作现场检查笔录前须记录被检查人（现场负责人）的身份（record_party）",
                    "record the person on site who answers for the unit (record_party) before the on-site record",
                );
            }
            let photos = case.evidence.iter().filter(|e| e.kind == "photo").count();
            let need = p.rules.required_evidence as usize;
            if photos < need {
                return refuse(
                    "step.not_yet",
                    format!("制作现场笔录前须至少有{need}张现场照片（目前{photos}张）"),
                    format!(
                        "the on-site record needs at least {need} photos first ({photos} so far)"
                    ),
                );
            }
            None
        }
        "inquiry" => {
            // V-15: one interviewee, start and end time, sequence, closing statement.
            let Some(id) = interview_id else {
                return refuse(
                    "V-15",
                    "询问笔录须对应一次询问（interview_id），每份笔录只记录一名被询问人",
                    "an inquiry record belongs to one interview (interview_id): exactly one interviewee",
                );
            };
            let Some(i) = case.interviews.iter().find(|i| i.id == id) else {
                return refuse(
                    "input.unknown_interview",
                    format!("找不到询问 {id}"),
                    format!("no interview {id}"),
                );
            };
            if i.ended_at.is_none() || i.closing_statement.is_none() {
                return refuse(
                    "V-15",
                    "询问尚未结束：须记录结束时间和被询问人确认语后才能生成询问笔录",
                    "the interview has not ended: its end time and the interviewee's closing statement come before the inquiry record",
                );
            }
            Some(i)
        }
        other => {
            return refuse(
                "input.bad_kind",
                format!("笔录类型须为 onsite 或 inquiry：{other}"),
                format!("transcript kind must be onsite or inquiry: {other}"),
            );
        }
    };
    let existing = case
        .transcripts
        .iter()
        .find(|t| t.kind == kind && t.interview_id.as_deref() == interview_id);
    let (id, n, supersedes) = match existing {
        Some(t) => {
            let last = t
                .versions
                .last()
                .map(|v| (v.version, v.locked_at.is_some()))
                .unwrap_or((0, false));
            if last.1 {
                return refuse(
                    "V-07",
                    format!(
                        "笔录 {} 第{}版已签名锁定，不能修改。如需更正，请制作补充笔录（amend_transcript）并说明原因。",
                        t.id, last.0
                    ),
                    format!(
                        "transcript {} v{} is signed and locked and cannot change. To correct it, make a supplementary version (amend_transcript) with the reason.",
                        t.id, last.0
                    ),
                );
            }
            (t.id.clone(), last.0 + 1, Some(last.0))
        }
        None => ((ctx.ids)(), 1, None),
    };
    let body = content(ctx, case, kind, interview, narrative, opinion)?;
    let version = version_of(&body, n, ctx.now, supersedes, None)?;
    Ok(Planned::new(
        by,
        Op::TranscriptDrafted {
            transcript_id: id,
            kind: kind.into(),
            interview_id: interview_id.map(str::to_string),
            version,
        },
    ))
}

pub(crate) fn amend(
    ctx: &Ctx<'_>,
    by: &str,
    transcript_id: &str,
    reason: &str,
    narrative: &str,
) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    required_text("reason", "补充更正的原因", reason)?;
    let Some(t) = case.transcript(transcript_id) else {
        return refuse(
            "input.unknown_transcript",
            format!("找不到笔录 {transcript_id}"),
            format!("no transcript {transcript_id}"),
        );
    };
    let Some(last) = t.versions.last() else {
        return refuse(
            "input.unknown_transcript",
            "笔录没有版本",
            "transcript has no version",
        );
    };
    if last.locked_at.is_none() {
        return refuse(
            "transcript.not_locked",
            "笔录尚未锁定，可直接修改草稿（draft_transcript）",
            "the transcript is not locked yet; redraft it instead (draft_transcript)",
        );
    }
    let interview = t
        .interview_id
        .as_deref()
        .and_then(|i| case.interviews.iter().find(|x| x.id == i));
    let mut body = content(ctx, case, &t.kind, interview, narrative, None)?;
    body["supplement_to"] =
        json!({"version": last.version, "content_hash": last.content_hash, "reason": reason});
    let version = version_of(
        &body,
        last.version + 1,
        ctx.now,
        Some(last.version),
        Some(reason.into()),
    )?;
    Ok(Planned::new(
        by,
        Op::TranscriptDrafted {
            transcript_id: t.id.clone(),
            kind: t.kind.clone(),
            interview_id: t.interview_id.clone(),
            version,
        },
    ))
}

/// The bytes the device signs for a signature record (protocol::statement, the same code the
/// center verifies with).
pub fn statement_bytes(
    case_id: &str,
    transcript_id: &str,
    version: u32,
    s: &SignatureRecord,
) -> Result<Vec<u8>> {
    // The role's and time's wire spelling, exactly as the operation writes them.
    let role = serde_json::to_value(s.role)?;
    let at = serde_json::to_value(s.at)?;
    let st = SignedStatement {
        case_id,
        transcript_id,
        version,
        content_hash: &s.content_hash,
        role: role.as_str().unwrap_or_default(),
        signer_id: &s.signer_id,
        name: &s.name,
        at: at.as_str().unwrap_or_default(),
        strokes_sha256: &s.strokes_sha256,
    };
    Ok(fieldcase_protocol::statement::statement_bytes(&st)?)
}

/// Whether the required signers are complete for a version (refusal replaces the party).
pub(crate) fn missing_signers(required: &[SignerRole], v: &TranscriptVersion) -> Vec<SignerRole> {
    let mut missing = Vec::new();
    let mut officers_needed = required
        .iter()
        .filter(|r| **r == SignerRole::Officer)
        .count();
    let officers_signed = {
        let mut ids: Vec<&str> = v
            .signatures
            .iter()
            .filter(|s| s.role == SignerRole::Officer)
            .map(|s| s.signer_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    officers_needed = officers_needed.saturating_sub(officers_signed);
    missing.extend(std::iter::repeat_n(SignerRole::Officer, officers_needed));
    for role in [SignerRole::Party, SignerRole::Witness] {
        if required.contains(&role)
            && !v.signatures.iter().any(|s| s.role == role)
            && !(role == SignerRole::Party && v.refusal.is_some())
        {
            missing.push(role);
        }
    }
    missing
}

fn required_for(ctx: &Ctx<'_>, t: &Transcript) -> Result<Vec<SignerRole>> {
    let mut r = ctx.procedure()?.rules.required_signers.clone();
    // An inquiry record is always signed by its interviewee (or carries a refusal).
    if t.kind == "inquiry" && !r.contains(&SignerRole::Party) {
        r.push(SignerRole::Party);
    }
    Ok(r)
}

fn roles_zh(r: &[SignerRole]) -> (String, String) {
    let zh: Vec<_> = r
        .iter()
        .map(|x| match x {
            SignerRole::Officer => "执法人员",
            SignerRole::Party => "当事人（或拒签记录）",
            SignerRole::Witness => "见证人",
        })
        .collect();
    let en: Vec<_> = r
        .iter()
        .map(|x| match x {
            SignerRole::Officer => "officer",
            SignerRole::Party => "party (or a refusal record)",
            SignerRole::Witness => "witness",
        })
        .collect();
    (zh.join("、"), en.join(", "))
}

fn latest_unlocked<'c>(
    case: &'c Case,
    transcript_id: &str,
    version: u32,
) -> Result<(&'c Transcript, &'c TranscriptVersion)> {
    let Some(t) = case.transcript(transcript_id) else {
        return refuse(
            "input.unknown_transcript",
            format!("找不到笔录 {transcript_id}"),
            format!("no transcript {transcript_id}"),
        );
    };
    let Some(v) = t.versions.iter().find(|v| v.version == version) else {
        return refuse(
            "input.unknown_version",
            format!("笔录没有第{version}版"),
            format!("the transcript has no version {version}"),
        );
    };
    let last = t.versions.last().map_or(0, |v| v.version);
    if v.locked_at.is_some() {
        return refuse(
            "V-07",
            format!("第{version}版已锁定，不能再签名或修改"),
            format!("version {version} is locked; it can no longer be signed or changed"),
        );
    }
    if version != last {
        return refuse(
            "transcript.superseded",
            format!("第{version}版已被第{last}版取代，请在最新版本上签名"),
            format!("version {version} was superseded by version {last}; sign the latest"),
        );
    }
    Ok((t, v))
}

/// Input of a signature.
#[derive(Debug)]
pub(crate) struct SignInput<'a> {
    pub transcript_id: &'a str,
    pub version: u32,
    pub role: SignerRole,
    pub signer_id: Option<&'a str>,
    pub name: &'a str,
    pub strokes: &'a Strokes,
    pub strokes_sha256: Sha256,
    pub image_sha256: Option<String>,
    /// The PIN re-entered for an officer's signature (ignored for other roles).
    pub pin: Option<&'a super::command::PinConfirmation>,
}

pub(crate) fn sign(ctx: &Ctx<'_>, s: SignInput<'_>) -> Result<Planned> {
    let case = ctx.open_case()?;
    let p = ctx.procedure()?;
    // V-05: no signature page before the credentials were shown.
    steps::require_credentials(case, p, "签名", "signing")?;
    let (t, v) = latest_unlocked(case, s.transcript_id, s.version)?;
    required_text("name", "签名人姓名", s.name)?;
    if s.strokes.iter().map(Vec::len).sum::<usize>() < 2 {
        return refuse(
            "input.empty_signature",
            "签名笔迹为空，请重新签名",
            "the signature has no strokes; sign again",
        );
    }
    let signer_id = match s.role {
        SignerRole::Officer => {
            let Some(id) = s.signer_id else {
                return refuse(
                    "input.missing",
                    "执法人员签名须注明人员编号（signer_id）",
                    "an officer's signature needs the signer_id",
                );
            };
            let o = ctx.team_member(id)?;
            if !case.credentials.iter().any(|c| c.officer_id == id) {
                return refuse(
                    "V-05",
                    format!("{} 未在本次检查中亮证，不能作为执法人员签名", o.name),
                    format!(
                        "{} did not show a credential on this visit and cannot sign as an officer",
                        o.name
                    ),
                );
            }
            if v.signatures
                .iter()
                .any(|x| x.role == SignerRole::Officer && x.signer_id == id)
            {
                return refuse(
                    "signature.duplicate",
                    format!("{} 已在本版本签名", o.name),
                    format!("{} has already signed this version", o.name),
                );
            }
            id.to_string()
        }
        _ => s.signer_id.unwrap_or(s.name).to_string(),
    };
    let mut rec = SignatureRecord {
        role: s.role,
        signer_id,
        name: s.name.to_string(),
        at: ctx.now,
        content_hash: v.content_hash.clone(),
        strokes_sha256: s.strokes_sha256.to_string(),
        device_id: ctx.device.id.clone(),
        device_signature: String::new(),
        image_sha256: s.image_sha256.clone(),
        pin_confirmed_at: None,
        pin_confirmed_by: None,
    };
    // Only an officer signs with a PIN; a confirmation handed in for anyone else is not theirs.
    if let (SignerRole::Officer, Some(pin)) = (s.role, s.pin) {
        rec.pin_confirmed_at = Some(pin.at);
        rec.pin_confirmed_by = Some(pin.by.clone());
    }
    rec.device_signature = ctx
        .device
        .key
        .sign(&statement_bytes(&case.id, &t.id, v.version, &rec)?)
        .to_string();
    let mut after = v.clone();
    after.signatures.push(rec.clone());
    let lock = missing_signers(&required_for(ctx, t)?, &after)
        .is_empty()
        .then_some(ctx.now);
    let by = s.signer_id.unwrap_or(s.name);
    Ok(Planned::new(
        by,
        Op::Signed {
            transcript_id: t.id.clone(),
            version: v.version,
            signature: rec,
            lock,
        },
    ))
}

/// Input of a refusal.
#[derive(Debug)]
pub(crate) struct RefuseInput<'a> {
    pub by: &'a str,
    pub transcript_id: &'a str,
    pub version: u32,
    pub reason: &'a str,
    pub witness: Option<Witness>,
    pub media_evidence_id: Option<String>,
}

pub(crate) fn refuse_signature(ctx: &Ctx<'_>, r: RefuseInput<'_>) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(r.by)?;
    let (t, v) = latest_unlocked(case, r.transcript_id, r.version)?;
    // V-08: a refusal stands only with its reason and a witness's signature or a media record.
    let reason = if r.reason.trim().is_empty() {
        "未说明理由".to_string()
    } else {
        r.reason.to_string()
    };
    let witness_ok = r
        .witness
        .as_ref()
        .is_some_and(|w| !w.name.trim().is_empty() && w.strokes_sha256.is_some());
    let media_ok = match &r.media_evidence_id {
        Some(id) => case
            .evidence
            .iter()
            .any(|e| &e.id == id && matches!(e.kind.as_str(), "video" | "audio")),
        None => false,
    };
    if !witness_ok && !media_ok {
        return refuse(
            "V-08",
            "记录拒签须有见证人签名（witness 及其笔迹），或关联记录拒签过程的录像/录音证据（media_evidence_id）",
            "a refusal to sign needs a witness's signature (witness with strokes) or a video/audio evidence item recording it (media_evidence_id)",
        );
    }
    if v.signatures.iter().any(|s| s.role == SignerRole::Party) {
        return refuse(
            "signature.party_signed",
            "当事人已签名，不能再记录拒签",
            "the party has signed; a refusal cannot be recorded",
        );
    }
    let refusal = SignatureRefusal {
        reason,
        at: ctx.now,
        witness: r.witness,
        media_evidence_id: r.media_evidence_id,
    };
    let mut after = v.clone();
    after.refusal = Some(refusal.clone());
    let lock = missing_signers(&required_for(ctx, t)?, &after)
        .is_empty()
        .then_some(ctx.now);
    Ok(Planned::new(
        r.by,
        Op::SignatureRefused {
            transcript_id: t.id.clone(),
            version: v.version,
            refusal,
            lock,
        },
    ))
}

pub(crate) fn lock(ctx: &Ctx<'_>, by: &str, transcript_id: &str) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    let Some(t) = case.transcript(transcript_id) else {
        return refuse(
            "input.unknown_transcript",
            format!("找不到笔录 {transcript_id}"),
            format!("no transcript {transcript_id}"),
        );
    };
    let v = t.versions.last().ok_or_else(|| {
        Refusal::new(
            "input.unknown_transcript",
            "笔录没有版本",
            "transcript has no version",
        )
    })?;
    if v.locked_at.is_some() {
        return refuse("V-07", "该版本已锁定", "this version is already locked");
    }
    let missing = missing_signers(&required_for(ctx, t)?, v);
    if !missing.is_empty() {
        let (zh, en) = roles_zh(&missing);
        return refuse(
            "V-08",
            format!(
                "笔录第{}版不能锁定，尚缺签名：{zh}。当事人拒签的，请记录拒签原因并由见证人签名或附录像。",
                v.version
            ),
            format!(
                "transcript v{} cannot lock; signatures missing: {en}. If the party refuses, record the refusal with a witness signature or video.",
                v.version
            ),
        );
    }
    Ok(Planned::new(
        by,
        Op::TranscriptLocked {
            transcript_id: t.id.clone(),
            version: v.version,
            at: ctx.now,
        },
    ))
}
