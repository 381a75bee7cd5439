//! Opening a case and the on-site opening steps: check-in, credentials, party, notice; departure
//! and close. Validations V-01, V-02, V-03, V-04, V-16, V-17, V-18.

use std::collections::BTreeMap;

use chrono::Datelike;

use super::command::FixInput;
use super::ctx::{Ctx, Planned, required_text};
use super::geofence;
use super::op::Op;
use super::steps;
use crate::error::{Result, refuse};
use crate::forms::types::Actor;
use crate::model::case::*;
use crate::model::officer::StaffRole;
use crate::store::queries;

pub(crate) fn open_case(
    ctx: &Ctx<'_>,
    task_id: &str,
    by: &str,
    covert: bool,
    justification: Option<String>,
) -> Result<Planned> {
    let task = ctx.task(task_id)?;
    let ent = ctx.enterprise(&task.enterprise_id)?;
    let Some(proc_) = ctx.forms.procedure(&task.procedure) else {
        return refuse(
            "forms.missing_procedure",
            format!("本机没有任务所需的程序 {}", task.procedure),
            format!(
                "procedure {} of the task is not on this device",
                task.procedure
            ),
        );
    };
    if !task.officers.iter().any(|o| o == by) {
        return refuse(
            "input.not_in_team",
            format!("{by} 不是该任务的指派人员"),
            format!("{by} is not assigned to this task"),
        );
    }
    if let Some(id) = crate::store::queries::case_of_task(ctx.tx, task_id)? {
        return refuse(
            "case.exists",
            format!("该任务已有案件 {id}"),
            format!("the task already has case {id}"),
        );
    }
    let mut flags = Vec::new();
    let mut officers = Vec::new();
    for id in &task.officers {
        officers.push(ctx.officer(id)?);
    }
    // V-01: at least min_officers distinct officers with distinct credential numbers.
    if proc_.actor == Actor::Officer {
        let real: Vec<_> = officers
            .iter()
            .filter(|o| o.role == StaffRole::Officer)
            .collect();
        let mut certs: Vec<&str> = real
            .iter()
            .filter_map(|o| o.credential.as_ref().map(|c| c.number.as_str()))
            .collect();
        certs.sort_unstable();
        certs.dedup();
        let min = proc_.rules.min_officers as usize;
        if real.len() < min || certs.len() < min {
            return refuse(
                "V-01",
                format!(
                    "执法人员不得少于{min}人：该任务指派了{}名持不同执法证的执法人员（协助人员、网格员不计入）。请中心补派人员。",
                    certs.len()
                ),
                format!(
                    "at least {min} officers with distinct credential numbers are required; the task has {} (assistants and grid workers do not count). Ask the center to assign more.",
                    certs.len()
                ),
            );
        }
    }
    // V-18: no assigned officer may have a declared conflict with the enterprise.
    for o in &officers {
        if let Some(c) = o.conflicts.iter().find(|c| c.enterprise_id == ent.id) {
            return refuse(
                "V-18",
                format!(
                    "{} 与 {} 存在利害关系（{}），应当回避，不能执行本任务。请中心改派。",
                    o.name, ent.name, c.relation
                ),
                format!(
                    "{} has a declared conflict of interest with {} ({}) and must not take part; ask the center to reassign.",
                    o.name, ent.name, c.relation
                ),
            );
        }
    }
    // V-02 (roster age): warn when the cached roster is older than the procedure allows.
    let roster_as_of: Option<String> = ctx
        .tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'roster_as_of'",
            [],
            |r| r.get(0),
        )
        .ok();
    let age_days = roster_as_of
        .as_deref()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| (ctx.now - t).num_days());
    let max_age = i64::from(proc_.rules.roster_max_age_days);
    if age_days.is_none_or(|d| d > max_age) {
        let (zh, en) = match age_days {
            Some(d) => (
                format!("人员名录缓存已{d}天未更新（上限{max_age}天），证件状态可能已变化"),
                format!(
                    "the officer roster cache is {d} days old (limit {max_age} days); credential status may have changed"
                ),
            ),
            None => (
                format!("人员名录缓存的更新时间未知（上限{max_age}天），证件状态可能已变化"),
                format!(
                    "the officer roster cache has no known date (limit {max_age} days); credential status may have changed"
                ),
            ),
        };
        flags.push(ctx.flag("V-02", zh, en, None));
    }
    // V-17: annual cap on inspections of one enterprise (exempt sources excluded).
    let cap = proc_.rules.annual_cap;
    let exempt = |s: &str| proc_.rules.annual_cap_exempt_sources.iter().any(|e| e == s);
    if cap > 0 && !exempt(task.source.as_str()) {
        let year = ctx.now.year();
        let past = ent
            .past_inspections
            .iter()
            .filter(|p| p.date.year() == year && !exempt(&p.source))
            .count() as u32;
        let local = queries::cases_this_year(
            ctx.tx,
            &ent.id,
            &year.to_string(),
            &proc_.rules.annual_cap_exempt_sources,
        )?;
        let count = past + local;
        if count >= cap {
            let Some(why) = justification.filter(|j| !j.trim().is_empty()) else {
                return refuse(
                    "V-17",
                    format!(
                        "{} 今年已被检查{count}次，达到年度检查频次上限{cap}次。如确需检查，请填写理由（justification）。",
                        ent.name
                    ),
                    format!(
                        "{} has been inspected {count} times this year, reaching the annual cap of {cap}. Give a justification to proceed.",
                        ent.name
                    ),
                );
            };
            flags.push(ctx.flag(
                "V-17",
                format!("超过年度检查频次上限（{count}/{cap}）"),
                format!("annual inspection cap exceeded ({count}/{cap})"),
                Some(why),
            ));
        }
    }
    if covert && !proc_.rules.covert_allowed {
        return refuse(
            "input.covert",
            "该程序不允许暗查",
            "this procedure does not allow covert evidence capture",
        );
    }
    let checklists = ctx
        .forms
        .checklists_for(&ent.industry_codes, &ent.flags)
        .into_iter()
        .map(|c| FormRef {
            id: c.file.form.id.clone(),
            version: c.file.form.version.clone(),
        })
        .collect();
    let case = Case {
        id: (ctx.ids)(),
        task_id: task.id.clone(),
        enterprise_id: ent.id.clone(),
        procedure: FormRef {
            id: proc_.form.id.clone(),
            version: proc_.form.version.clone(),
        },
        checklists,
        team: task.officers.clone(),
        status: CaseStatus::Open,
        opened_at: ctx.now,
        opened_by: by.to_string(),
        checkin: None,
        credentials: vec![],
        party: None,
        notice: None,
        answers: BTreeMap::new(),
        retired_answers: vec![],
        migrations: vec![],
        evidence: vec![],
        samples: vec![],
        interviews: vec![],
        notes: vec![],
        transcripts: vec![],
        measures: vec![],
        penalties: vec![],
        services: vec![],
        flags: if covert {
            vec![ctx.flag(
                "covert",
                "暗查：亮证前采集的证据标记为暗查".into(),
                "covert: evidence before credentials is tagged".into(),
                None,
            )]
        } else {
            vec![]
        },
        departed_at: None,
        closed_at: None,
    };
    Ok(Planned::new(
        by,
        Op::CaseOpened {
            case: Box::new(case),
        },
    )
    .flagged(flags))
}

/// Turns fix input into a stored fix, refusing nonsense coordinates.
pub(crate) fn fix_of(ctx: &Ctx<'_>, f: &FixInput) -> Result<Fix> {
    if !(f.lat.is_finite()
        && f.lon.is_finite()
        && (-90.0..=90.0).contains(&f.lat)
        && (-180.0..=180.0).contains(&f.lon))
    {
        return refuse(
            "input.bad_fix",
            format!("定位坐标无效：{}, {}", f.lat, f.lon),
            format!("invalid coordinates: {}, {}", f.lat, f.lon),
        );
    }
    // The desktop geolocation plugin reports (0, 0) without an error: that is "no fix".
    if f.lat == 0.0 && f.lon == 0.0 {
        return refuse(
            "input.no_fix",
            "未取得定位（0, 0），请重新定位或手动输入",
            "no position fix (0, 0); locate again or enter it manually",
        );
    }
    if !(f.accuracy_m.is_finite() && f.accuracy_m >= 0.0) {
        return refuse("input.bad_fix", "定位精度无效", "invalid fix accuracy");
    }
    let source = f.source.clone().unwrap_or_else(|| "gnss".into());
    if source != "gnss" && source != "manual" {
        return refuse(
            "input.bad_fix",
            format!("定位来源须为 gnss 或 manual：{source}"),
            format!("fix source must be gnss or manual: {source}"),
        );
    }
    let fix_time = match &f.fix_time {
        Some(s) => Some(ctx.time("fix_time", s)?),
        None => None,
    };
    Ok(Fix {
        point: f.point(),
        accuracy_m: f.accuracy_m,
        source,
        fix_time,
    })
}

pub(crate) fn check_in(
    ctx: &Ctx<'_>,
    by: &str,
    f: &FixInput,
    reason: Option<String>,
) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    if case.checkin.is_some() {
        return refuse(
            "case.checked_in",
            "本案件已签到",
            "this case is already checked in",
        );
    }
    let proc_ = ctx.procedure()?;
    let ent = ctx.enterprise(&case.enterprise_id)?;
    let fix = fix_of(ctx, f)?;
    let mut flags = Vec::new();
    // V-16: no team member may be on site at another case right now.
    for o in &case.team {
        if let Some((other, ent_id)) = queries::officer_on_site_elsewhere(ctx.tx, o, &case.id)?
            && ent_id != case.enterprise_id
        {
            let name = ctx.officer(o).map(|x| x.name).unwrap_or_else(|_| o.clone());
            return refuse(
                "V-16",
                format!(
                    "{name} 仍在另一现场（案件 {other}）签到未离场，同一人员不能同时在两处检查。请先在该案件办理离场。"
                ),
                format!(
                    "{name} is still checked in at another site (case {other}); one officer cannot inspect two places at once. Record departure there first."
                ),
            );
        }
    }
    // V-04: geofence, allowing for the fix's accuracy.
    let g = geofence::check(
        fix.point,
        fix.accuracy_m,
        ent.location,
        ent.boundary.as_deref(),
        proc_.rules.geofence_radius_m,
    );
    if !g.inside {
        let Some(why) = reason.clone().filter(|r| !r.trim().is_empty()) else {
            return refuse(
                "V-04",
                format!(
                    "当前位置距 {} {:.0} 米，在电子围栏外（半径 {:.0} 米，定位精度 {:.0} 米）。如确在现场，请填写原因后签到，该记录将标记供审核。",
                    ent.name, g.distance_m, proc_.rules.geofence_radius_m, fix.accuracy_m
                ),
                format!(
                    "you are {:.0} m from {}, outside the geofence (radius {:.0} m, accuracy {:.0} m). If you are on site, give a reason; the check-in will be flagged for audit.",
                    g.distance_m, ent.name, proc_.rules.geofence_radius_m, fix.accuracy_m
                ),
            );
        };
        flags.push(ctx.flag(
            "V-04",
            format!("围栏外签到，距离 {:.0} 米", g.distance_m),
            format!(
                "checked in outside the geofence, {:.0} m away",
                g.distance_m
            ),
            Some(why),
        ));
    }
    if fix.source == "manual" {
        flags.push(ctx.flag(
            "V-04",
            "手动输入的位置".into(),
            "manually entered position".into(),
            reason.clone(),
        ));
    }
    // V-03: device clock against trusted time (GNSS time of the fix, else the last sync offset).
    let tolerance = i64::try_from(proc_.rules.clock_tolerance_s).unwrap_or(120) * 1000;
    let offset_ms: Option<i64> = match fix.fix_time {
        Some(t) => Some((ctx.now - t).num_milliseconds()),
        None => ctx
            .tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'trusted_offset_ms'",
                [],
                |r| r.get::<_, String>(0),
            )
            .ok()
            .and_then(|s| s.parse().ok()),
    };
    let time_uncertain = offset_ms.is_none_or(|o: i64| o.abs() > tolerance);
    if time_uncertain {
        let (zh, en) = match offset_ms {
            Some(o) => (
                format!(
                    "设备时间与可信时间相差 {} 秒（允许 ±{} 秒），设备时间 {}，可信时间 {}",
                    o / 1000,
                    tolerance / 1000,
                    ctx.now.to_rfc3339(),
                    (ctx.now - chrono::Duration::milliseconds(o)).to_rfc3339()
                ),
                format!(
                    "device clock differs from trusted time by {} s (tolerance ±{} s); device {}, trusted {}",
                    o / 1000,
                    tolerance / 1000,
                    ctx.now.to_rfc3339(),
                    (ctx.now - chrono::Duration::milliseconds(o)).to_rfc3339()
                ),
            ),
            None => (
                "没有可信时间（无GNSS时间且未同步），时间标记为不确定".into(),
                "no trusted time (no GNSS time, never synced); time marked uncertain".into(),
            ),
        };
        flags.push(ctx.flag("V-03", zh, en, None));
    }
    let checkin = CheckIn {
        at: ctx.now,
        fix,
        distance_m: g.distance_m,
        inside_geofence: g.inside,
        reason,
        time_uncertain,
    };
    Ok(Planned::new(by, Op::CheckedIn { checkin }).flagged(flags))
}

pub(crate) fn show_credential(
    ctx: &Ctx<'_>,
    officer_id: &str,
    evidence_id: Option<String>,
) -> Result<Planned> {
    let case = ctx.open_case()?;
    let o = ctx.team_member(officer_id)?;
    let ent = ctx.enterprise(&case.enterprise_id)?;
    let on = ctx.now.date_naive();
    if o.role != StaffRole::Officer {
        return refuse(
            "V-02",
            format!("{} 不是执法人员，不能亮证", o.name),
            format!(
                "{} is not an enforcement officer and cannot show a credential",
                o.name
            ),
        );
    }
    let Some(cred) = o.credential.as_ref() else {
        return refuse(
            "V-02",
            format!("{} 没有执法证", o.name),
            format!("{} holds no enforcement credential", o.name),
        );
    };
    // V-02: not withdrawn by the center (its newest revocation list on this device) ...
    if let Some(r) = crate::trust::revoked(ctx.tx, &cred.number)? {
        let (zh, en) = crate::trust::revoked_message(&o.name, &cred.number, &r);
        return refuse("V-02", zh, en);
    }
    // ... valid on the day and covering the enterprise's area.
    if !cred.covers(on, &ent.area) {
        let (why_zh, why_en) = if on < cred.valid_from || on > cred.valid_to {
            (
                format!(
                    "有效期 {} 至 {}，今天 {} 不在有效期内",
                    cred.valid_from, cred.valid_to, on
                ),
                format!(
                    "valid {} to {}, not on {}",
                    cred.valid_from, cred.valid_to, on
                ),
            )
        } else {
            (
                format!(
                    "执法区域 {} 不含企业所在区域 {}",
                    cred.areas.join("、"),
                    ent.area
                ),
                format!(
                    "areas {} do not cover the enterprise's area {}",
                    cred.areas.join(", "),
                    ent.area
                ),
            )
        };
        return refuse(
            "V-02",
            format!(
                "{} 的执法证 {} 不能用于本次检查：{}。请由持有效证件的执法人员亮证。",
                o.name, cred.number, why_zh
            ),
            format!(
                "{}'s credential {} cannot be used here: {}. An officer with a valid credential must show it.",
                o.name, cred.number, why_en
            ),
        );
    }
    if case.credentials.iter().any(|c| c.officer_id == officer_id) {
        return refuse(
            "case.already_shown",
            format!("{} 已亮证", o.name),
            format!("{} has already shown the credential", o.name),
        );
    }
    if let Some(e) = &evidence_id
        && !case.evidence.iter().any(|x| &x.id == e)
    {
        return refuse(
            "input.unknown_evidence",
            format!("找不到证据 {e}"),
            format!("no evidence {e}"),
        );
    }
    let showing = CredentialShowing {
        officer_id: o.id.clone(),
        name: o.name.clone(),
        credential_number: cred.number.clone(),
        at: ctx.now,
        evidence_id,
    };
    Ok(Planned::new(officer_id, Op::CredentialShown { showing }))
}

pub(crate) fn record_party(ctx: &Ctx<'_>, by: &str, person: &PartyPerson) -> Result<Planned> {
    ctx.open_case()?;
    ctx.team_member(by)?;
    required_text("person.name", "被检查人姓名", &person.name)?;
    required_text("person.id_number", "证件号码", &person.id_number)?;
    required_text("person.relation", "与本案关系", &person.relation)?;
    if person.relation == "受委托人" && person.power_of_attorney.is_none() {
        return refuse(
            "input.missing",
            "受委托人须附授权委托书（power_of_attorney）",
            "a 受委托人 (agent) needs the power of attorney (power_of_attorney)",
        );
    }
    Ok(Planned::new(
        by,
        Op::PartyRecorded {
            person: person.clone(),
        },
    ))
}

pub(crate) fn give_notice(
    ctx: &Ctx<'_>,
    by: &str,
    seen: bool,
    recusal: bool,
    reason: Option<String>,
) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    let proc_ = ctx.procedure()?;
    let Some(notice) = &proc_.notice else {
        return refuse(
            "forms.no_notice",
            "该程序没有告知文本",
            "this procedure has no notice text",
        );
    };
    steps::require_credentials(case, proc_, "告知", "the rights notice")?;
    if recusal && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return refuse(
            "input.missing",
            "申请回避须说明理由",
            "a recusal request needs its reason",
        );
    }
    let record = NoticeRecord {
        notice_id: notice.id.clone(),
        text_zh: notice.text_zh.clone(),
        at: ctx.now,
        credentials_seen: seen,
        recusal_requested: recusal,
        recusal_reason: reason,
    };
    let mut flags = Vec::new();
    if recusal {
        // 第43条: the request is recorded and reported; the inspection does not stop.
        flags.push(
            ctx.flag(
                "recusal_pending",
                "当事人申请回避，待负责人决定（调查不停止）".into(),
                "recusal requested; pending the agency head's decision (the inspection continues)"
                    .into(),
                None,
            ),
        );
    }
    Ok(Planned::new(by, Op::NoticeGiven { notice: record }).flagged(flags))
}

pub(crate) fn depart(ctx: &Ctx<'_>, by: &str) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    if case.checkin.is_none() {
        return refuse(
            "case.not_on_site",
            "尚未签到，无需离场",
            "not checked in; nothing to depart from",
        );
    }
    if case.departed_at.is_some() {
        return refuse("case.departed", "已离场", "already departed");
    }
    Ok(Planned::new(by, Op::Departed { at: ctx.now }))
}

pub(crate) fn close(ctx: &Ctx<'_>, by: &str) -> Result<Planned> {
    let case = ctx.open_case()?;
    ctx.team_member(by)?;
    let proc_ = ctx.procedure()?;
    let missing = steps::incomplete_before_close(ctx, case, proc_)?;
    if !missing.is_empty() {
        let zh: Vec<_> = missing.iter().map(|(z, _)| z.as_str()).collect();
        let en: Vec<_> = missing.iter().map(|(_, e)| e.as_str()).collect();
        return refuse(
            "step.incomplete",
            format!("不能归档，尚未完成：{}", zh.join("；")),
            format!("cannot close; not yet complete: {}", en.join("; ")),
        );
    }
    Ok(Planned::new(by, Op::Closed { at: ctx.now }))
}
