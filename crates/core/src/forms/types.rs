//! The on-disk shape of `forms/`: checklists, procedures and the legal-instrument registry.
//!
//! These types are the format's single definition: the loader deserializes into them, and the JSON
//! Schemas in `forms/schema/` are generated from them (`fieldcase forms schema`), so the documented
//! format and the code cannot drift apart. Every struct refuses unknown keys: a misspelt rule must
//! fail loudly, never vanish.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Header shared by every form file (`form:` block).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FormHeader {
    /// Stable id, `[a-z0-9_]+`, equal to the file stem.
    pub id: String,
    /// `checklist` or `procedure`.
    pub kind: FormKind,
    /// Bumped on any change; cases record id + version.
    pub version: String,
    pub name_zh: String,
    pub name_en: String,
    /// 执法主体 (enforcing authority).
    #[serde(default)]
    pub authority: Option<String>,
    /// Legal-reference set the articles belong to.
    #[serde(default)]
    pub basis_set: Option<String>,
    /// Checklists whose items this one includes (before its own).
    #[serde(default)]
    pub extends: Vec<String>,
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Enterprise flag that attaches this checklist automatically.
    #[serde(default)]
    pub attach_when: Option<String>,
    /// History used to migrate open drafts answered under an older version.
    #[serde(default)]
    pub previous_versions: Vec<PreviousVersion>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    Checklist,
    Procedure,
}

/// Which enterprises a checklist applies to.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// GB/T 4754 industry codes, e.g. `C3360`.
    #[serde(default)]
    pub industry_codes: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// An earlier version of a form and the items it had that this version removed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PreviousVersion {
    pub version: String,
    #[serde(default)]
    pub removed_items: Vec<String>,
}

/// A whole checklist file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ChecklistFile {
    pub form: FormHeader,
    #[serde(default)]
    pub sections: Vec<Section>,
    pub items: Vec<Item>,
}

/// A section heading (`sec` values of items must be one of these `zh` names).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub zh: String,
    pub en: String,
}

/// Answer kinds. Chinese labels: tri = 合规/不合规/不涉及.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    Tri,
    Bool,
    Num,
    Choice,
    Text,
    Date,
    Doc,
    Photo,
}

/// Evidence rule of an item.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceRule {
    /// At least one evidence item, always.
    Req,
    /// At least one evidence item when the answer is a violation.
    Fail,
    /// Evidence optional.
    #[default]
    Opt,
}

/// One checklist item.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub sec: String,
    pub q_zh: String,
    pub q_en: String,
    pub ans: AnswerKind,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub limit: Option<Limit>,
    #[serde(default)]
    pub ev: EvidenceRule,
    #[serde(default)]
    pub basis: Vec<String>,
    #[serde(default)]
    pub penalty: Vec<String>,
    #[serde(default)]
    pub escalate: Option<Escalate>,
    #[serde(default)]
    pub per: Option<String>,
    #[serde(default)]
    pub show_if: Option<ShowIf>,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub violation_options: Vec<String>,
    #[serde(default)]
    pub violation_if: Option<bool>,
    #[serde(default)]
    pub min_photos: Option<u32>,
    #[serde(default)]
    pub hw_codes: Vec<String>,
    #[serde(default)]
    pub validate: Option<TextRule>,
    #[serde(default)]
    pub measures: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Comparison of a measured value with its limit.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum LimitOp {
    #[default]
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
}

/// A limit value: a number, or a `"lo-hi"` range written as a string (pH "6-9").
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum LimitValue {
    Number(f64),
    Range(String),
}

/// Default limits of a `num` item. The enterprise's permit value overrides them.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Limit {
    #[serde(default)]
    pub op: LimitOp,
    #[serde(default)]
    pub value: Option<LimitValue>,
    #[serde(default)]
    pub values: Option<BTreeMap<String, LimitValue>>,
    #[serde(default)]
    pub r#ref: Option<String>,
    /// False where the value was not checked against the standard's text.
    #[serde(default = "default_true")]
    pub verified: bool,
    #[serde(default)]
    pub alt: Vec<AltLimit>,
}

fn default_true() -> bool {
    true
}

/// A conditional default, chosen when the enterprise carries the `when` flag.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct AltLimit {
    pub when: String,
    #[serde(default)]
    pub value: Option<LimitValue>,
    #[serde(default)]
    pub values: Option<BTreeMap<String, LimitValue>>,
    #[serde(default)]
    pub r#ref: Option<String>,
    #[serde(default = "default_true")]
    pub verified: bool,
}

/// Escalation hint (criminal referral, tiers).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Escalate {
    #[serde(default)]
    pub factor: Option<f64>,
    #[serde(default)]
    pub threshold_t: Option<f64>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub r#ref: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// When an item is asked.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ShowIf {
    pub item: String,
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    #[serde(default, rename = "in")]
    pub in_: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub answered: Option<bool>,
}

/// A format check for text answers.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TextRule {
    pub regex: String,
    #[serde(default)]
    pub message_zh: Option<String>,
    #[serde(default)]
    pub message_en: Option<String>,
}

/// A whole procedure file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ProcedureFile {
    pub form: FormHeader,
    pub actor: Actor,
    pub rules: ProcedureRules,
    #[serde(default)]
    pub notice: Option<Notice>,
    pub steps: Vec<Step>,
}

/// Who runs a procedure.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// 执法人员
    Officer,
    /// 网格员
    GridWorker,
}

/// The rules a procedure sets for the validations of domain.md §2.4.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ProcedureRules {
    /// V-01/V-05.
    pub min_officers: u32,
    /// V-04: radius around the enterprise point when it has no boundary.
    pub geofence_radius_m: f64,
    /// V-03.
    #[serde(default = "default_clock_tolerance")]
    pub clock_tolerance_s: u64,
    /// V-02: warn when the roster cache is older.
    #[serde(default = "default_roster_age")]
    pub roster_max_age_days: u32,
    /// V-17: 0 = no cap.
    #[serde(default)]
    pub annual_cap: u32,
    #[serde(default)]
    pub annual_cap_exempt_sources: Vec<String>,
    /// Photos the case must hold before a transcript is drafted.
    #[serde(default)]
    pub required_evidence: u32,
    /// Signer roles a transcript needs before it locks (V-08).
    #[serde(default)]
    pub required_signers: Vec<SignerRole>,
    #[serde(default)]
    pub covert_allowed: bool,
}

fn default_clock_tolerance() -> u64 {
    120
}
fn default_roster_age() -> u32 {
    7
}

/// Who signs a transcript.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    /// 执法人员
    Officer,
    /// 当事人 / 被检查人 / 被询问人
    Party,
    /// 见证人
    Witness,
}

/// The 告知 text, versioned.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub id: String,
    pub text_zh: String,
    pub text_en: String,
}

/// One step of a procedure.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    #[serde(default)]
    pub required: bool,
    /// `task_needs_sampling`: required only when the task says so.
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub after: Vec<String>,
    pub title_zh: String,
    pub title_en: String,
}

/// The kinds of step the engine knows how to run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Checkin,
    Credentials,
    Notice,
    Checklist,
    Sampling,
    Evidence,
    Interview,
    Note,
    Transcript,
    Signature,
    Print,
    Close,
}

/// `legal/instruments.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct InstrumentsFile {
    pub instruments: Vec<Instrument>,
}

/// A law, regulation, rule or standard.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub kind: String,
    pub versions: Vec<InstrumentVersion>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A dated version of an instrument.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct InstrumentVersion {
    pub label: String,
    pub effective_from: chrono::NaiveDate,
    #[serde(default)]
    pub effective_to: Option<chrono::NaiveDate>,
    #[serde(default = "default_true")]
    pub verified: bool,
}
