//! The inbox, the enterprise file and the guided procedure: opening a task's case, the case
//! screen, and committing steps as the signed-in officer.

use super::case_screen::{CaseScreen, ProcedureView, TeamMember};
use super::error::{AppError, refused};
use super::{
    App, AppResult, CaseArgs, CheckinPreviewArgs, CredentialArgs, CredentialCard, EnterpriseArgs,
    EnterpriseFile, GeofenceView, InboxArgs, InboxItem, OpenTaskArgs, Session, StepArgs, StepDone,
    checklist_view, enterprise_file, geofence_view, has_step, inbox,
};
use crate::engine::{Command, Engine};
use crate::env::Env;
use crate::forms::types::StepKind;
use crate::sync;

/// The inbox shows at most this many tasks (a device holds a team's work, not a province's).
const INBOX_LIMIT: u32 = 500;

impl<E: Env> App<E> {
    /// 任务列表: open tasks, earliest due first, with distance from `here` when given.
    pub fn inbox(&self, a: InboxArgs) -> AppResult<Vec<InboxItem>> {
        self.unsealed()?;
        let engine = self.engine();
        let today = engine.env().now().date_naive();
        let rows = engine.inbox(INBOX_LIMIT)?;
        rows.into_iter()
            .map(|row| {
                let sync = match &row.case_id {
                    Some(id) => Some(sync::case_state(engine.store(), id)?),
                    None => None,
                };
                Ok(inbox::item(row, today, a.here, sync))
            })
            .collect()
    }

    /// 一企一档.
    pub fn enterprise_file(&self, a: EnterpriseArgs) -> AppResult<EnterpriseFile> {
        self.unsealed()?;
        let engine = self.engine();
        let e = engine
            .store()
            .enterprise(&a.enterprise_id)?
            .ok_or_else(|| unknown_enterprise(&a.enterprise_id))?;
        Ok(enterprise_file::build(
            engine.store().conn(),
            engine.forms(),
            e,
        )?)
    }

    /// Opens the case of a task as the signed-in officer, or returns the one already open.
    pub fn open_task(&self, a: OpenTaskArgs) -> AppResult<CaseScreen> {
        self.unsealed()?;
        let session = self.signed_in()?;
        let mut engine = self.engine();
        let existing = crate::store::queries::case_of_task(engine.store().conn(), &a.task_id)?;
        let case_id = match existing {
            Some(id) => id,
            None => {
                let by = actor(&session)?;
                let out = engine.execute(&Command::OpenCase {
                    task_id: a.task_id,
                    by,
                    covert: a.covert,
                    justification: a.justification,
                })?;
                self.live.step_committed();
                out.case_id
            }
        };
        screen(&engine, &case_id, Some(&session))
    }

    /// Everything the procedure screens of a case draw.
    pub fn case_screen(&self, a: CaseArgs) -> AppResult<CaseScreen> {
        self.unsealed()?;
        let session = self.session_guard().clone();
        screen(&self.engine(), &a.case_id, session.as_ref())
    }

    /// Commits one procedure step. Steps are recorded as the signed-in officer's: a command
    /// naming someone else as `by` is refused. An officer's signature needs the offline PIN
    /// entered again ([`super::signing_pin`]).
    pub fn step(&self, a: StepArgs) -> AppResult<StepDone> {
        self.unsealed()?;
        let session = self.signed_in()?;
        if let Some(by) = a.command.by() {
            let me = actor(&session)?;
            if by != me {
                return refused(
                    "auth.not_you",
                    format!("本机登录的是{}，不能以 {by} 的名义记录", session.name),
                    format!(
                        "{} is signed in; a step cannot be recorded as {by}",
                        session.name
                    ),
                );
            }
        }
        let mut engine = self.engine();
        let pin = super::signing_pin::confirm(&mut engine, &session, &a.command, a.pin.as_deref())?;
        let outcome = engine.execute_confirmed(&a.command, pin.as_ref())?;
        self.live.step_committed();
        let screen = screen(&engine, &outcome.case_id, Some(&session))?;
        Ok(StepDone { outcome, screen })
    }

    /// Distance to the site and the geofence verdict for a fix, before checking in.
    pub fn checkin_preview(&self, a: CheckinPreviewArgs) -> AppResult<GeofenceView> {
        self.unsealed()?;
        geofence_view(&self.engine(), &a.case_id, &a.fix)
    }

    /// One officer's credential for showing (亮证), with its QR code.
    pub fn credential_card(&self, a: CredentialArgs) -> AppResult<CredentialCard> {
        self.unsealed()?;
        let engine = self.engine();
        let case = engine.case(&a.case_id)?;
        if !case.team.iter().any(|o| o == &a.officer_id) {
            return refused(
                "input.not_on_team",
                format!("{} 不在本案件的检查组中", a.officer_id),
                format!("{} is not on this case's team", a.officer_id),
            );
        }
        let officer = engine.store().officer(&a.officer_id)?.ok_or_else(|| {
            AppError::new("input.unknown_officer", "找不到执法人员", "no such officer")
        })?;
        let ent = engine.store().enterprise(&case.enterprise_id)?;
        let today = engine.env().now().date_naive();
        let valid = match (&officer.credential, &ent) {
            (Some(c), Some(e)) => c.covers(today, &e.area),
            _ => false,
        };
        super::credential::card(engine.store(), officer, valid, today)
    }
}

fn unknown_enterprise(id: &str) -> AppError {
    AppError::new(
        "input.unknown_enterprise",
        format!("本机没有企业 {id} 的档案"),
        format!("no file for enterprise {id} on this device"),
    )
}

/// The roster id the signed-in user records steps as.
fn actor(session: &Session) -> AppResult<String> {
    session.officer_id.clone().ok_or_else(|| {
        AppError::new(
            "auth.no_officer",
            format!(
                "{} 没有执法人员或网格员身份，不能记录现场步骤",
                session.name
            ),
            format!(
                "{} is not on the roster as an officer or grid worker and cannot record steps",
                session.name
            ),
        )
    })
}

pub(crate) fn screen<E: Env>(
    engine: &Engine<E>,
    case_id: &str,
    session: Option<&Session>,
) -> AppResult<CaseScreen> {
    let case = engine.case(case_id)?;
    let steps = engine.steps(case_id)?;
    let forms = engine.forms();
    let p = forms.procedure(&case.procedure.id).ok_or_else(|| {
        AppError::new(
            "forms.missing_procedure",
            format!("本机缺少检查流程 {}", case.procedure.id),
            format!(
                "procedure {} is not installed on this device",
                case.procedure.id
            ),
        )
    })?;
    let store = engine.store();
    let enterprise = store
        .enterprise(&case.enterprise_id)?
        .ok_or_else(|| unknown_enterprise(&case.enterprise_id))?;
    let checklist = has_step(forms, &case.procedure.id, StepKind::Checklist)
        .then(|| checklist_view::build(forms, &case, &enterprise));
    let opened = case.opened_at.date_naive();
    let shown = case.shown_officers();
    let mut team = Vec::new();
    for id in &case.team {
        if let Some(officer) = store.officer(id)? {
            let credential_valid = officer
                .credential
                .as_ref()
                .is_some_and(|c| c.covers(opened, &enterprise.area));
            team.push(TeamMember {
                shown: shown.contains(&id.as_str()),
                credential_valid,
                officer,
            });
        }
    }
    let on_team = session
        .and_then(|s| s.officer_id.as_deref())
        .is_some_and(|me| case.team.iter().any(|o| o == me));
    Ok(CaseScreen {
        sync: sync::case_state(store, case_id)?,
        review: sync::center_review(store, case_id)?,
        procedure: ProcedureView {
            id: p.form.id.clone(),
            name_zh: p.form.name_zh.clone(),
            name_en: p.form.name_en.clone(),
            actor: p.actor,
            min_officers: p.rules.min_officers,
            geofence_radius_m: p.rules.geofence_radius_m,
            required_evidence: p.rules.required_evidence,
            required_signers: p.rules.required_signers.clone(),
            covert_allowed: p.rules.covert_allowed,
            notice: p.notice.clone(),
            step_kinds: p.steps.iter().map(|s| s.kind).collect(),
        },
        steps,
        checklist,
        team,
        enterprise,
        on_team,
        case,
    })
}
