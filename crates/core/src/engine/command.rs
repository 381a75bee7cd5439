//! Commands: what a person asks the engine to do, one per procedure action. The CLI reads them
//! from scenario files, the Tauri shell from the UI; both hand them to `Engine::execute`.

use serde::{Deserialize, Serialize};

use crate::forms::types::SignerRole;
use crate::model::GeoPoint;
use crate::model::case::{PartyPerson, Witness};

/// A position fix as the device reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FixInput {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    /// `gnss` (default) or `manual`.
    #[serde(default)]
    pub source: Option<String>,
    /// GNSS time of the fix (RFC 3339), when the receiver gives one.
    #[serde(default)]
    pub fix_time: Option<String>,
}

/// Pen strokes of a signature: points `[x, y, t_ms, pressure]`.
pub type Strokes = Vec<Vec<[f64; 4]>>;

/// An officer's offline PIN entered and checked for one signature, moments before it: who
/// entered it (the roster id of the officer whose PIN it is) and when. Never read from a
/// command's JSON: only the app makes one, after checking the PIN.
#[derive(Debug, Clone, PartialEq)]
pub struct PinConfirmation {
    pub by: String,
    pub at: crate::model::Time,
}

/// Every action of the guided procedure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Start a case for a task.
    OpenCase {
        task_id: String,
        by: String,
        #[serde(default)]
        covert: bool,
        /// Required when the annual inspection cap is reached (V-17).
        #[serde(default)]
        justification: Option<String>,
    },
    /// 定位签到.
    CheckIn {
        case_id: String,
        by: String,
        fix: FixInput,
        /// Required when outside the geofence (V-04).
        #[serde(default)]
        reason: Option<String>,
    },
    /// 亮证.
    ShowCredential {
        case_id: String,
        officer_id: String,
        #[serde(default)]
        evidence_id: Option<String>,
    },
    /// 被检查人 identity.
    RecordParty {
        case_id: String,
        by: String,
        person: PartyPerson,
    },
    /// 告知 and the recusal answer.
    GiveNotice {
        case_id: String,
        by: String,
        credentials_seen: bool,
        recusal_requested: bool,
        #[serde(default)]
        recusal_reason: Option<String>,
    },
    /// Answer a checklist item.
    Answer {
        case_id: String,
        by: String,
        item_id: String,
        #[serde(default)]
        instance: Option<String>,
        #[serde(default)]
        value: serde_json::Value,
        #[serde(default)]
        note: Option<String>,
        /// Required for a violating answer (V-10).
        #[serde(default)]
        finding_text: Option<String>,
        #[serde(default)]
        evidence: Vec<String>,
    },
    /// 证据采集: a file (photo, video, audio, document copy, electronic data).
    CaptureEvidence {
        case_id: String,
        by: String,
        /// Path of the captured file; its bytes are hashed and kept unchanged.
        path: String,
        kind: String,
        media_type: String,
        method: String,
        proves: String,
        #[serde(default = "yes")]
        in_app: bool,
        #[serde(default)]
        provenance: Option<String>,
        #[serde(default)]
        fix: Option<FixInput>,
        #[serde(default)]
        item_id: Option<String>,
        #[serde(default)]
        location_reason: Option<String>,
        #[serde(default)]
        copy_confirmed: Option<bool>,
        /// Defaults to now; an explicit time is for imports of earlier captures.
        #[serde(default)]
        captured_at: Option<String>,
    },
    /// 采样.
    TakeSample {
        case_id: String,
        by: String,
        sample_id: String,
        point: String,
        point_type: String,
        parameters: Vec<String>,
        container: String,
        preservative: String,
        seal_no: String,
        label_printed: bool,
        collected_by: Vec<String>,
        #[serde(default)]
        party_witness: Option<String>,
        #[serde(default)]
        absence_reason: Option<String>,
        #[serde(default)]
        absence_proof: Option<String>,
    },
    /// 样品交接.
    HandOver {
        case_id: String,
        sample_id: String,
        from: String,
        to: String,
        seal_intact: bool,
        #[serde(default)]
        note: Option<String>,
    },
    /// Start a 调查询问.
    StartInterview {
        case_id: String,
        by: String,
        interviewee: PartyPerson,
        place: String,
        interviewers: Vec<String>,
        recorder: String,
    },
    /// 一问一答.
    RecordQa {
        case_id: String,
        interview_id: String,
        q: String,
        a: String,
    },
    /// End a 调查询问 with the interviewee's closing statement.
    EndInterview {
        case_id: String,
        interview_id: String,
        closing_statement: String,
    },
    /// A free note (grid worker verification).
    AddNote {
        case_id: String,
        by: String,
        text: String,
    },
    /// Draft (or redraft) a transcript; a redraft of an unlocked one is a new version.
    DraftTranscript {
        case_id: String,
        by: String,
        /// `onsite` or `inquiry`.
        kind: String,
        #[serde(default)]
        interview_id: Option<String>,
        #[serde(default)]
        narrative: String,
        #[serde(default)]
        party_opinion: Option<String>,
    },
    /// 补充笔录: a new version of a locked transcript, with the reason.
    AmendTranscript {
        case_id: String,
        by: String,
        transcript_id: String,
        reason: String,
        narrative: String,
    },
    /// Sign one exact transcript version.
    Sign {
        case_id: String,
        transcript_id: String,
        version: u32,
        role: SignerRole,
        /// Staff id for officers; for others a name is enough.
        #[serde(default)]
        signer_id: Option<String>,
        name: String,
        strokes: Strokes,
    },
    /// 拒签.
    RefuseSignature {
        case_id: String,
        by: String,
        transcript_id: String,
        version: u32,
        reason: String,
        #[serde(default)]
        witness: Option<Witness>,
        #[serde(default)]
        witness_strokes: Option<Strokes>,
        #[serde(default)]
        media_evidence_id: Option<String>,
    },
    /// Lock explicitly (refused until the signers are complete).
    LockTranscript {
        case_id: String,
        by: String,
        transcript_id: String,
    },
    /// 责令改正 / 先行登记保存 / 查封 / 扣押.
    OrderMeasure {
        case_id: String,
        by: String,
        kind: String,
        description: String,
        #[serde(default)]
        approved_by: Option<String>,
        #[serde(default)]
        emergency: bool,
        #[serde(default)]
        approval_due: Option<String>,
    },
    /// 当场行政处罚.
    IssuePenalty {
        case_id: String,
        by: String,
        /// `individual` (公民) or `unit` (单位).
        party_kind: String,
        #[serde(default)]
        amount_yuan: Option<u32>,
        #[serde(default)]
        warning: bool,
        facts: String,
    },
    /// 送达回证.
    RecordService {
        case_id: String,
        by: String,
        document: String,
        method: String,
        recipient: String,
        /// The recipient's signature (direct or electronic service).
        #[serde(default)]
        recipient_strokes: Option<Strokes>,
        /// For 留置送达: the witness and the witness's signature.
        #[serde(default)]
        witness: Option<Witness>,
        #[serde(default)]
        witness_strokes: Option<Strokes>,
        #[serde(default)]
        media_evidence_id: Option<String>,
    },
    /// 离场.
    Depart { case_id: String, by: String },
    /// 归档.
    CloseCase { case_id: String, by: String },
}

fn yes() -> bool {
    true
}

/// A geographic point from a fix.
impl FixInput {
    pub fn point(&self) -> GeoPoint {
        GeoPoint {
            lat: self.lat,
            lon: self.lon,
        }
    }
}

impl Command {
    /// The person recording the step, for commands that name one (`by`).
    pub fn by(&self) -> Option<&str> {
        use Command::*;
        match self {
            OpenCase { by, .. }
            | CheckIn { by, .. }
            | RecordParty { by, .. }
            | GiveNotice { by, .. }
            | Answer { by, .. }
            | CaptureEvidence { by, .. }
            | TakeSample { by, .. }
            | StartInterview { by, .. }
            | AddNote { by, .. }
            | DraftTranscript { by, .. }
            | AmendTranscript { by, .. }
            | RefuseSignature { by, .. }
            | LockTranscript { by, .. }
            | OrderMeasure { by, .. }
            | IssuePenalty { by, .. }
            | RecordService { by, .. }
            | Depart { by, .. }
            | CloseCase { by, .. } => Some(by),
            ShowCredential { .. }
            | HandOver { .. }
            | RecordQa { .. }
            | EndInterview { .. }
            | Sign { .. } => None,
        }
    }

    /// The case a command acts on (none for `OpenCase`).
    pub fn case_id(&self) -> Option<&str> {
        use Command::*;
        match self {
            OpenCase { .. } => None,
            CheckIn { case_id, .. }
            | ShowCredential { case_id, .. }
            | RecordParty { case_id, .. }
            | GiveNotice { case_id, .. }
            | Answer { case_id, .. }
            | CaptureEvidence { case_id, .. }
            | TakeSample { case_id, .. }
            | HandOver { case_id, .. }
            | StartInterview { case_id, .. }
            | RecordQa { case_id, .. }
            | EndInterview { case_id, .. }
            | AddNote { case_id, .. }
            | DraftTranscript { case_id, .. }
            | AmendTranscript { case_id, .. }
            | Sign { case_id, .. }
            | RefuseSignature { case_id, .. }
            | LockTranscript { case_id, .. }
            | OrderMeasure { case_id, .. }
            | IssuePenalty { case_id, .. }
            | RecordService { case_id, .. }
            | Depart { case_id, .. }
            | CloseCase { case_id, .. } => Some(case_id),
        }
    }
}
