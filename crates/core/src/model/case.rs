//! The case (案件/检查记录): everything one visit produced, as the fold of its operations.
//!
//! The store keeps the operations (the audit chain) as the truth and this state as a snapshot of
//! their fold; chain verification re-folds and compares, so the snapshot cannot drift silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{GeoPoint, Time};
use crate::forms::eval::AppliedLimit;
use crate::forms::legal::ResolvedRef;
use crate::forms::types::SignerRole;

/// Where a form came from: id and version answered under.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormRef {
    pub id: String,
    pub version: String,
}

/// Case lifecycle (domain.md §2.2, condensed to what the device drives).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Opened, nothing on site yet.
    Open,
    /// Checked in at the site.
    OnSite,
    /// Left the site (离场); transcripts may still be finished, nothing new is inspected.
    Departed,
    /// Closed (归档): sealed and queued for sync.
    Closed,
}

/// A warning the engine allowed with a recorded justification, flagged for audit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Flag {
    /// Validation id, e.g. "V-04".
    pub code: String,
    pub zh: String,
    pub en: String,
    pub at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// A GNSS or manual position fix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Fix {
    pub point: GeoPoint,
    pub accuracy_m: f64,
    /// `gnss` or `manual` (typed in; always flagged).
    pub source: String,
    /// GNSS time of the fix, when the receiver gave one (trusted time, V-03).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_time: Option<Time>,
}

/// 定位签到.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckIn {
    pub at: Time,
    pub fix: Fix,
    pub distance_m: f64,
    pub inside_geofence: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub time_uncertain: bool,
}

/// 亮证: one officer showed the credential.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CredentialShowing {
    pub officer_id: String,
    pub name: String,
    pub credential_number: String,
    pub at: Time,
    /// Evidence of the showing (photo or video segment), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<String>,
}

/// 被检查人 / 现场负责人.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PartyPerson {
    pub name: String,
    #[serde(default)]
    pub sex: Option<String>,
    pub id_type: String,
    pub id_number: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// 与本案关系: 法定代表人 / 负责人 / 受委托人 / 员工 / 其他.
    pub relation: String,
    /// Evidence id of the 授权委托书 when the person is 受委托人.
    #[serde(default)]
    pub power_of_attorney: Option<String>,
}

/// 告知 and 回避.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoticeRecord {
    pub notice_id: String,
    pub text_zh: String,
    pub at: Time,
    pub credentials_seen: bool,
    pub recusal_requested: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recusal_reason: Option<String>,
}

/// An answer to a checklist item (one per item and instance).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Answer {
    pub form_id: String,
    pub item_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub evidence: Vec<String>,
    pub at: Time,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

/// A violation found: what, by which limit from where, and the law in force on the day.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finding {
    pub text: String,
    pub question_zh: String,
    pub limits: Vec<AppliedLimit>,
    pub basis: Vec<ResolvedRef>,
    pub penalty: Vec<ResolvedRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate: Option<String>,
}

/// An answer kept from an older form version whose item no longer exists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetiredAnswer {
    pub answered_under: String,
    pub answer: Answer,
}

/// A recorded form migration of an open draft.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormMigration {
    pub form_id: String,
    pub from_version: String,
    pub to_version: String,
    pub kept: usize,
    pub retired: Vec<String>,
    pub at: Time,
}

/// An evidence item (证据): photo, video, audio, document copy or electronic data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Evidence {
    pub id: String,
    /// photo / video / audio / doc_copy / electronic_data.
    pub kind: String,
    /// SHA-256 of the original bytes, as kept in the blob store.
    pub sha256: String,
    pub captured_at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    pub device_id: String,
    pub captured_by: String,
    /// 拍照/录像/录音/截屏/拷贝/导出.
    pub method: String,
    /// 证明对象.
    pub proves: String,
    /// False for gallery or file imports (flagged `external`).
    pub in_app: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    pub covert: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_reason: Option<String>,
    /// For document copies: the party's seal/signature and "与原件核对一致" are on the copy (V-14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_confirmed: Option<bool>,
    /// Media type of the original (image/jpeg, image/png, video/mp4, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// EXIF read from a photo original (time, GNSS, orientation, camera).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exif: Option<serde_json::Value>,
    /// The oriented, watermarked display copy (≤ 2048 px) — derived, never the evidence itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_sha256: Option<String>,
    /// The 320 px thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_sha256: Option<String>,
}

/// 采样: one sample.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Sample {
    pub sample_id: String,
    pub point: String,
    /// workshop_outlet (车间或生产设施排放口) / main_outlet (总排口) / rain_outlet / boundary / stack / fugitive.
    pub point_type: String,
    pub parameters: Vec<String>,
    pub container: String,
    pub preservative: String,
    pub seal_no: String,
    pub label_printed: bool,
    pub collected_at: Time,
    pub collected_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_witness: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absence_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absence_proof: Option<String>,
    pub custody: Vec<Handover>,
}

/// A chain-of-custody hop (交接).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Handover {
    pub from: String,
    pub to: String,
    pub at: Time,
    pub seal_intact: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// 调查询问: one interview of one person.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Interview {
    pub id: String,
    pub interviewee: PartyPerson,
    /// 第N次询问 of this person in this case.
    pub sequence: u32,
    pub started_at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Time>,
    pub place: String,
    pub interviewers: Vec<String>,
    pub recorder: String,
    pub qa: Vec<QA>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_statement: Option<String>,
}

/// 一问一答.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QA {
    pub q: String,
    pub a: String,
}

/// A transcript (笔录) and its versions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Transcript {
    pub id: String,
    /// onsite (现场检查笔录) or inquiry (调查询问笔录).
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interview_id: Option<String>,
    pub versions: Vec<TranscriptVersion>,
}

/// One version; immutable once locked (V-07).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TranscriptVersion {
    pub version: u32,
    pub content: serde_json::Value,
    pub content_hash: String,
    pub drafted_at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amend_reason: Option<String>,
    pub signatures: Vec<SignatureRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<SignatureRefusal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_at: Option<Time>,
}

/// A signature bound to one exact transcript version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignatureRecord {
    pub role: SignerRole,
    pub signer_id: String,
    pub name: String,
    pub at: Time,
    /// The transcript version's content hash this signature is over.
    pub content_hash: String,
    /// SHA-256 of the stroke data in the blob store.
    pub strokes_sha256: String,
    pub device_id: String,
    /// Device Ed25519 signature over the signed statement (see engine::records::statement_bytes).
    pub device_signature: String,
    /// PNG rendered from the strokes, for documents. Derived from the strokes, so not part of the
    /// signed statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_sha256: Option<String>,
    /// When an officer's offline PIN was re-entered for this signature (issue 7: a drawn image
    /// alone proves nothing about who signed). In the signed operation, so the audit chain
    /// carries it to the center; absent on signatures made without the app (scenario files)
    /// and on the party's and witnesses' signatures, who have no PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub pin_confirmed_at: Option<Time>,
    /// Whose PIN it was (roster id): the signer's own, or — for a team member with no PIN on
    /// this device — the signed-in officer's, who vouched for the signature in person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub pin_confirmed_by: Option<String>,
}

/// 拒签: the party refused to sign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignatureRefusal {
    pub reason: String,
    pub at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_evidence_id: Option<String>,
}

/// 见证人.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub name: String,
    pub unit: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// SHA-256 of the witness's signature strokes.
    #[serde(default)]
    pub strokes_sha256: Option<String>,
}

/// 现场处置: 责令改正 / 先行登记保存 / 查封 / 扣押.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Measure {
    pub kind: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    pub emergency: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_due: Option<Time>,
    pub at: Time,
}

/// 当场行政处罚 (简易程序).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OnTheSpotPenalty {
    pub number: String,
    pub party_kind: String,
    /// 元; `None` for 警告.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_yuan: Option<u32>,
    pub facts: String,
    pub at: Time,
}

/// 送达回证.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Service {
    pub document: String,
    /// direct (直接送达) / left (留置送达) / electronic (电子送达, with consent).
    pub method: String,
    pub recipient: String,
    pub at: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_strokes_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_evidence_id: Option<String>,
}

/// The whole case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Case {
    pub id: String,
    pub task_id: String,
    pub enterprise_id: String,
    pub procedure: FormRef,
    pub checklists: Vec<FormRef>,
    /// Staff on this visit (assigned by the task).
    pub team: Vec<String>,
    pub status: CaseStatus,
    pub opened_at: Time,
    pub opened_by: String,
    pub checkin: Option<CheckIn>,
    pub credentials: Vec<CredentialShowing>,
    pub party: Option<PartyPerson>,
    pub notice: Option<NoticeRecord>,
    /// Keyed by `item_id` or `item_id#instance`.
    pub answers: BTreeMap<String, Answer>,
    pub retired_answers: Vec<RetiredAnswer>,
    pub migrations: Vec<FormMigration>,
    pub evidence: Vec<Evidence>,
    pub samples: Vec<Sample>,
    pub interviews: Vec<Interview>,
    pub notes: Vec<String>,
    pub transcripts: Vec<Transcript>,
    pub measures: Vec<Measure>,
    pub penalties: Vec<OnTheSpotPenalty>,
    pub services: Vec<Service>,
    pub flags: Vec<Flag>,
    pub departed_at: Option<Time>,
    pub closed_at: Option<Time>,
}

impl Case {
    /// Answer key for an item and optional repeat instance.
    pub fn answer_key(item_id: &str, instance: Option<&str>) -> String {
        match instance {
            Some(i) => format!("{item_id}#{i}"),
            None => item_id.to_string(),
        }
    }

    /// Distinct officers who showed credentials on this visit.
    pub fn shown_officers(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .credentials
            .iter()
            .map(|c| c.officer_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// A transcript by id.
    pub fn transcript(&self, id: &str) -> Option<&Transcript> {
        self.transcripts.iter().find(|t| t.id == id)
    }
}
