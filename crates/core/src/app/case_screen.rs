//! Everything the procedure screens of one case draw, in one answer: the case, the step bar, the
//! procedure's rules that the screens explain, the checklist view, the team with their
//! credentials, the enterprise, and where the case stands with the center.

use serde::Serialize;

use crate::engine::steps::StepStatus;
use crate::forms::types::{Actor, Notice, SignerRole, StepKind};
use crate::model::case::Case;
use crate::model::enterprise::Enterprise;
use crate::model::officer::Officer;
use crate::sync::{CaseSyncState, CenterReview};

use super::checklist_view::ChecklistView;

/// The procedure's rules the screens show or explain.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProcedureView {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub actor: Actor,
    pub min_officers: u32,
    pub geofence_radius_m: f64,
    /// Photos the case must hold before a transcript is drafted.
    pub required_evidence: u32,
    pub required_signers: Vec<SignerRole>,
    pub covert_allowed: bool,
    /// The rights notice read to the party (告知).
    pub notice: Option<Notice>,
    pub step_kinds: Vec<StepKind>,
}

/// One member of the team on this visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamMember {
    pub officer: Officer,
    /// Showed the credential on this visit (亮证).
    pub shown: bool,
    /// The credential is valid today and covers the enterprise's area.
    pub credential_valid: bool,
}

/// The case screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaseScreen {
    pub case: Case,
    pub steps: Vec<StepStatus>,
    pub procedure: ProcedureView,
    /// None for procedures without a checklist step (grid worker verification).
    pub checklist: Option<ChecklistView>,
    pub team: Vec<TeamMember>,
    pub enterprise: Enterprise,
    pub sync: CaseSyncState,
    pub review: Option<CenterReview>,
    /// The signed-in officer may record steps on this case (is on its team).
    pub on_team: bool,
}
