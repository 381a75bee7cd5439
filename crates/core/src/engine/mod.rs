//! The guided procedure engine: takes a [`Command`], checks it against the procedure, the forms and
//! the validation catalogue (domain.md §2.4), and commits the resulting operation — with its audit
//! link and outbox entry — in one transaction. A refused command writes nothing.

pub mod command;
mod ctx;
mod files;
pub mod geofence;
mod inspect;
mod measures;
pub mod migrate;
pub mod numbering;
pub mod op;
pub mod public;
mod records;
pub mod signatures;
mod site;
pub mod steps;
pub mod verify;

use fieldcase_protocol::{Hlc, HlcClock, Id, to_canonical_json};
use serde::{Deserialize, Serialize};

use crate::env::Env;
use crate::error::{CoreError, Refusal, Result};
use crate::forms::FormSet;
use crate::model::case::{Case, Flag};
use crate::store::queries::{self, InboxRow, NumberBlock};
use crate::store::{self, NewLink, Store, chain};
pub use command::{Command, PinConfirmation};
use ctx::{Ctx, Planned};
use files::StoredBlob;
pub use op::{Op, OpEnvelope};
pub use records::statement_bytes;

/// What a committed command produced.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Outcome {
    pub case_id: String,
    pub op_id: String,
    pub seq: i64,
    pub kind: String,
    /// Id of what the operation created (case, evidence, interview, transcript, sample), if any.
    pub created: Option<String>,
    /// Warnings recorded with the step.
    pub flags: Vec<Flag>,
}

/// Reference data from the center: roster, enterprises, tasks, number blocks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceBundle {
    /// When the center produced the roster (for V-02's cache age).
    #[serde(default)]
    pub roster_as_of: Option<String>,
    #[serde(default)]
    pub officers: Vec<crate::model::officer::Officer>,
    #[serde(default)]
    pub enterprises: Vec<crate::model::enterprise::Enterprise>,
    #[serde(default)]
    pub tasks: Vec<crate::model::task::Task>,
    #[serde(default)]
    pub number_blocks: Vec<NumberBlock>,
}

/// The engine over one device store.
#[derive(Debug)]
pub struct Engine<E: Env> {
    store: Store,
    forms: FormSet,
    env: E,
    hlc: HlcClock,
    /// Center clock minus device clock, learnt at the last sync: HLCs follow the center's time, so
    /// a tablet whose clock is wrong still orders its edits where they belong.
    clock_offset_ms: i64,
    /// The photo pipeline (watermark font parsed once), loaded at the first photo.
    photos:
        std::cell::OnceCell<Result<fieldcase_photo::PhotoPipeline, fieldcase_photo::PhotoError>>,
}

impl<E: Env> Engine<E> {
    /// Opens the store in `dir` (creating it and the device identity if new).
    pub fn open(dir: &std::path::Path, forms: FormSet, env: E) -> Result<Self> {
        let new_id = env.new_id().to_string();
        let store = Store::open(dir, &new_id, &env.now().to_rfc3339())?;
        let node: Id = store
            .device
            .id
            .parse()
            .map_err(|e| CoreError::Data(format!("device id: {e}")))?;
        let hlc = match store.meta("hlc_last")? {
            Some(s) => HlcClock::resume(
                s.parse::<Hlc>()
                    .map_err(|e| CoreError::Data(format!("hlc: {e}")))?,
            ),
            None => HlcClock::new(node),
        };
        let clock_offset_ms = store
            .meta(crate::sync::CLOCK_OFFSET_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(Self {
            store,
            forms,
            env,
            hlc,
            clock_offset_ms,
            photos: std::cell::OnceCell::new(),
        })
    }

    /// The HLC's physical input: the device clock corrected by the center's offset.
    fn physical_ms(&self) -> u64 {
        self.env
            .now_ms()
            .saturating_add_signed(self.clock_offset_ms)
    }

    /// A fresh (op id, HLC) for a record the sync makes (a pulled page), from the engine's clock.
    pub(crate) fn stamp(&mut self) -> (String, String) {
        let h = self.hlc.now(self.physical_ms()).to_string();
        (self.env.new_id().to_string(), h)
    }

    /// The parts the sync engine works with.
    pub(crate) fn sync_parts(&mut self) -> (&mut Store, &mut HlcClock, &E, &mut i64) {
        (
            &mut self.store,
            &mut self.hlc,
            &self.env,
            &mut self.clock_offset_ms,
        )
    }

    /// The store (read access for queries and verification).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The loaded forms.
    pub fn forms(&self) -> &FormSet {
        &self.forms
    }

    /// The environment (clock).
    pub fn env(&self) -> &E {
        &self.env
    }

    /// Imports reference data in one transaction, recorded in the audit chain (not sent back).
    pub fn import(&mut self, bundle: &ReferenceBundle) -> Result<String> {
        for t in &bundle.tasks {
            if self.forms.procedure(&t.procedure).is_none() {
                return Err(Refusal::new(
                    "input.unknown_procedure",
                    format!("任务 {} 的程序 {} 不在本机表单中", t.id, t.procedure),
                    format!(
                        "task {}: procedure {} is not in the loaded forms",
                        t.id, t.procedure
                    ),
                )
                .into());
            }
        }
        if let Some(s) = &bundle.roster_as_of {
            chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|e| CoreError::Data(format!("roster_as_of: {e}")))?;
        }
        let now = self.env.now();
        let op_id = self.env.new_id().to_string();
        let hlc = self.hlc.now(self.physical_ms());
        let payload = serde_json::json!({
            "op": "reference_imported",
            "at": now,
            "bundle_sha256": fieldcase_protocol::canonical_hash(bundle)?.to_string(),
            "officers": bundle.officers.len(),
            "enterprises": bundle.enterprises.len(),
            "tasks": bundle.tasks.len(),
            "number_blocks": bundle.number_blocks.len(),
        });
        let text = String::from_utf8(to_canonical_json(&payload)?)
            .map_err(|e| CoreError::Data(e.to_string()))?;
        self.store.transaction(|tx, device| {
            for o in &bundle.officers {
                queries::put_officer(tx, o)?;
            }
            for e in &bundle.enterprises {
                queries::put_enterprise(tx, e)?;
            }
            for t in &bundle.tasks {
                queries::put_task(tx, t)?;
            }
            for b in &bundle.number_blocks {
                queries::put_number_block(tx, b)?;
            }
            if let Some(s) = &bundle.roster_as_of {
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('roster_as_of', ?1)",
                    [s],
                )?;
            }
            let link = NewLink {
                op_id: &op_id,
                case_id: None,
                kind: "reference_imported",
                hlc: &hlc.to_string(),
                payload: &text,
                outbox: false,
            };
            chain::append(tx, &device.key, &device.id, &link)?;
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('hlc_last', ?1)",
                [hlc.to_string()],
            )?;
            Ok(())
        })?;
        Ok(format!(
            "imported {} officers, {} enterprises, {} tasks, {} number blocks",
            bundle.officers.len(),
            bundle.enterprises.len(),
            bundle.tasks.len(),
            bundle.number_blocks.len()
        ))
    }

    /// Records the offset between device time and trusted (server or GNSS) time, for V-03.
    pub fn set_trusted_offset_ms(&mut self, offset_ms: i64) -> Result<()> {
        self.store.transaction(|tx, _| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('trusted_offset_ms', ?1)",
                [offset_ms.to_string()],
            )?;
            Ok(())
        })
    }

    /// Runs one command: validate, then commit op + audit link + outbox + snapshot atomically.
    pub fn execute(&mut self, cmd: &Command) -> Result<Outcome> {
        self.execute_confirmed(cmd, None)
    }

    /// As [`Engine::execute`], for an officer's signature whose offline PIN the caller has just
    /// checked (the app does, with the sign-in's hash and lockout): the signature records who
    /// entered the PIN and when. `None` records no confirmation (scenario files, the CLI).
    pub fn execute_confirmed(
        &mut self,
        cmd: &Command,
        pin: Option<&PinConfirmation>,
    ) -> Result<Outcome> {
        // Files are stored before the transaction: a blob without a committed row is harmless
        // (content-addressed, reused on retry); a row without its blob would not be.
        let now = self.env.now();
        let blob = self.store_blobs(cmd, &now)?;
        let op_id = self.env.new_id().to_string();
        let hlc = self.hlc.now(self.physical_ms());
        let env = &self.env;
        let forms = &self.forms;
        let ids = || env.new_id().to_string();
        self.store.transaction(|tx, device| {
            let case = match cmd.case_id() {
                Some(id) => Some(store::load_case(tx, id)?.ok_or_else(|| {
                    Refusal::new(
                        "input.unknown_case",
                        format!("找不到案件 {id}"),
                        format!("no case {id}"),
                    )
                })?),
                None => None,
            };
            let ctx = Ctx {
                tx,
                forms,
                now,
                device,
                case,
                ids: &ids,
            };
            let planned = plan(&ctx, cmd, blob.as_ref(), pin)?;
            if let (Some(case), Some(kind)) = (ctx.case.as_ref(), step_of(cmd)) {
                let p = ctx.procedure()?;
                steps::require_step(&ctx, case, p, kind)?;
            }
            let case_id = match (&planned.body, &ctx.case) {
                (Op::CaseOpened { case }, _) => case.id.clone(),
                (_, Some(c)) => c.id.clone(),
                _ => return Err(CoreError::Data("operation without a case".into())),
            };
            if let Some(b) = &blob {
                // Recorded with the step, so a refused command leaves no row behind.
                let media = b.media_type.as_deref().unwrap_or("application/json");
                tx.execute(
                    "INSERT OR IGNORE INTO blobs (sha256, size, media_type, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    rusqlite::params![b.hash.to_string(), b.size as i64, media, now.to_rfc3339()],
                )?;
            }
            let envelope = OpEnvelope {
                op_id: op_id.clone(),
                case_id,
                at: now,
                by: planned.by,
                hlc: hlc.to_string(),
                flags: planned.flags,
                body: planned.body,
            };
            commit_op(tx, device, ctx.case.clone(), envelope)
        })
    }

    /// A case as it stands.
    pub fn case(&self, id: &str) -> Result<Case> {
        self.store.case(id)?.ok_or_else(|| {
            Refusal::new(
                "input.unknown_case",
                format!("找不到案件 {id}"),
                format!("no case {id}"),
            )
            .into()
        })
    }

    /// The step bar of a case.
    pub fn steps(&self, case_id: &str) -> Result<Vec<steps::StepStatus>> {
        let case = self.case(case_id)?;
        let p = self.forms.procedure(&case.procedure.id).ok_or_else(|| {
            CoreError::Data(format!("procedure {} not loaded", case.procedure.id))
        })?;
        let ent = self
            .store
            .enterprise(&case.enterprise_id)?
            .ok_or_else(|| CoreError::Data("enterprise missing".into()))?;
        let needs_sampling = self
            .store
            .task(&case.task_id)?
            .is_some_and(|t| t.needs_sampling);
        Ok(steps::statuses(&self.forms, &case, &ent, p, needs_sampling))
    }

    /// The task inbox.
    pub fn inbox(&self, limit: u32) -> Result<Vec<InboxRow>> {
        queries::inbox(self.store.conn(), limit)
    }

    /// Walks the audit chain and re-folds every case against its snapshot.
    pub fn verify(&self) -> Result<verify::VerifyReport> {
        verify::verify(&self.store)
    }

    /// Migrates open drafts answered under older checklist versions (see `migrate`).
    pub fn migrate_drafts(&mut self) -> Result<Vec<Outcome>> {
        let plans = migrate::plan_all(&self.store, &self.forms, &self.env.now())?;
        let mut out = Vec::new();
        for (case_id, body) in plans {
            out.push(self.commit_internal(&case_id, body)?);
        }
        Ok(out)
    }

    /// Commits an engine-made operation (not from a person's command).
    fn commit_internal(&mut self, case_id: &str, body: Op) -> Result<Outcome> {
        let now = self.env.now();
        let op_id = self.env.new_id().to_string();
        let hlc = self.hlc.now(self.physical_ms()).to_string();
        self.store.transaction(|tx, device| {
            let case = store::load_case(tx, case_id)?;
            let envelope = OpEnvelope {
                op_id,
                case_id: case_id.to_string(),
                at: now,
                by: "system".into(),
                hlc,
                flags: vec![],
                body,
            };
            commit_op(tx, device, case, envelope)
        })
    }
}

/// Writes one operation inside the caller's transaction: folds it into the case, appends it to the
/// audit chain and the outbox, saves the snapshot and the HLC. Every committed step goes through
/// here, whether a person's command or an engine-made operation (draft migration).
fn commit_op(
    tx: &rusqlite::Transaction<'_>,
    device: &store::Device,
    before: Option<Case>,
    envelope: OpEnvelope,
) -> Result<Outcome> {
    let new_case = op::apply(before, &envelope).map_err(CoreError::Data)?;
    let payload = String::from_utf8(to_canonical_json(&envelope)?)
        .map_err(|e| CoreError::Data(e.to_string()))?;
    let kind = envelope.body.kind();
    let link = NewLink {
        op_id: &envelope.op_id,
        case_id: Some(&envelope.case_id),
        kind,
        hlc: &envelope.hlc,
        payload: &payload,
        outbox: true,
    };
    let seq = chain::append(tx, &device.key, &device.id, &link)?;
    store::save_case(tx, &new_case, seq)?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('hlc_last', ?1)",
        [&envelope.hlc],
    )?;
    Ok(Outcome {
        created: op::created_id(&envelope.body),
        case_id: envelope.case_id,
        op_id: envelope.op_id,
        seq,
        kind: kind.to_string(),
        flags: envelope.flags,
    })
}

/// The procedure step a command belongs to, for order gating.
fn step_of(cmd: &Command) -> Option<crate::forms::types::StepKind> {
    use crate::forms::types::StepKind as K;
    Some(match cmd {
        Command::CheckIn { .. } => K::Checkin,
        Command::ShowCredential { .. } => K::Credentials,
        Command::GiveNotice { .. } => K::Notice,
        Command::Answer { .. } => K::Checklist,
        Command::CaptureEvidence { .. } => K::Evidence,
        Command::TakeSample { .. } => K::Sampling,
        Command::StartInterview { .. } => K::Interview,
        // AddNote and on-site DraftTranscript gate themselves: their handlers must give the
        // step-order reason before their own input checks (see records.rs).
        Command::CloseCase { .. } => K::Close,
        _ => return None,
    })
}

/// Dispatches a command to its handler.
fn plan(
    ctx: &Ctx<'_>,
    cmd: &Command,
    stored: Option<&StoredBlob>,
    pin: Option<&PinConfirmation>,
) -> Result<Planned> {
    let blob = stored.map(|b| b.hash);
    use Command as C;
    let blob_hash = || blob.ok_or_else(|| CoreError::Data("file was not stored".into()));
    match cmd {
        C::OpenCase {
            task_id,
            by,
            covert,
            justification,
        } => site::open_case(ctx, task_id, by, *covert, justification.clone()),
        C::CheckIn {
            by, fix, reason, ..
        } => site::check_in(ctx, by, fix, reason.clone()),
        C::ShowCredential {
            officer_id,
            evidence_id,
            ..
        } => site::show_credential(ctx, officer_id, evidence_id.clone()),
        C::RecordParty { by, person, .. } => site::record_party(ctx, by, person),
        C::GiveNotice {
            by,
            credentials_seen,
            recusal_requested,
            recusal_reason,
            ..
        } => site::give_notice(
            ctx,
            by,
            *credentials_seen,
            *recusal_requested,
            recusal_reason.clone(),
        ),
        C::Answer {
            by,
            item_id,
            instance,
            value,
            note,
            finding_text,
            evidence,
            ..
        } => inspect::answer(
            ctx,
            inspect::AnswerInput {
                by,
                item_id,
                instance: instance.as_deref(),
                value,
                note: note.clone(),
                finding_text: finding_text.clone(),
                evidence,
            },
        ),
        C::CaptureEvidence {
            by,
            kind,
            method,
            proves,
            in_app,
            provenance,
            fix,
            item_id,
            location_reason,
            copy_confirmed,
            captured_at,
            ..
        } => inspect::capture_evidence(
            ctx,
            inspect::EvidenceInput {
                by,
                files: inspect::EvidenceFiles {
                    sha256: blob_hash()?.to_string(),
                    media_type: stored
                        .and_then(|b| b.media_type.clone())
                        .unwrap_or_default(),
                    exif: stored.and_then(|b| b.exif.clone()),
                    copy_sha256: stored.and_then(|b| b.copy).map(|h| h.to_string()),
                    thumb_sha256: stored.and_then(|b| b.thumb).map(|h| h.to_string()),
                    derive_error: stored.and_then(|b| b.derive_error.clone()),
                },
                kind,
                method,
                proves,
                in_app: *in_app,
                provenance: provenance.clone(),
                fix: fix.as_ref(),
                item_id: item_id.clone(),
                location_reason: location_reason.clone(),
                copy_confirmed: *copy_confirmed,
                captured_at: captured_at.as_deref(),
            },
        ),
        C::TakeSample {
            by,
            sample_id,
            point,
            point_type,
            parameters,
            container,
            preservative,
            seal_no,
            label_printed,
            collected_by,
            party_witness,
            absence_reason,
            absence_proof,
            ..
        } => inspect::take_sample(
            ctx,
            inspect::SampleInput {
                by,
                sample_id,
                point,
                point_type,
                parameters,
                container,
                preservative,
                seal_no,
                label_printed: *label_printed,
                collected_by,
                party_witness: party_witness.clone(),
                absence_reason: absence_reason.clone(),
                absence_proof: absence_proof.clone(),
            },
        ),
        C::HandOver {
            sample_id,
            from,
            to,
            seal_intact,
            note,
            ..
        } => inspect::hand_over(ctx, sample_id, from, to, *seal_intact, note.clone()),
        C::StartInterview {
            by,
            interviewee,
            place,
            interviewers,
            recorder,
            ..
        } => records::start_interview(ctx, by, interviewee, place, interviewers, recorder),
        C::RecordQa {
            interview_id, q, a, ..
        } => records::record_qa(ctx, interview_id, q, a),
        C::EndInterview {
            interview_id,
            closing_statement,
            ..
        } => records::end_interview(ctx, interview_id, closing_statement),
        C::AddNote { by, text, .. } => records::add_note(ctx, by, text),
        C::DraftTranscript {
            by,
            kind,
            interview_id,
            narrative,
            party_opinion,
            ..
        } => records::draft(
            ctx,
            by,
            kind,
            interview_id.as_deref(),
            narrative,
            party_opinion.as_deref(),
        ),
        C::AmendTranscript {
            by,
            transcript_id,
            reason,
            narrative,
            ..
        } => records::amend(ctx, by, transcript_id, reason, narrative),
        C::Sign {
            transcript_id,
            version,
            role,
            signer_id,
            name,
            strokes,
            ..
        } => records::sign(
            ctx,
            records::SignInput {
                transcript_id,
                version: *version,
                role: *role,
                signer_id: signer_id.as_deref(),
                name,
                strokes,
                strokes_sha256: blob_hash()?,
                image_sha256: stored.and_then(|b| b.image).map(|h| h.to_string()),
                pin,
            },
        ),
        C::RefuseSignature {
            by,
            transcript_id,
            version,
            reason,
            witness,
            media_evidence_id,
            ..
        } => {
            let mut witness = witness.clone();
            if let Some(w) = witness.as_mut() {
                // Only strokes this engine stored count as the witness's signature.
                w.strokes_sha256 = blob.map(|h| h.to_string());
            }
            records::refuse_signature(
                ctx,
                records::RefuseInput {
                    by,
                    transcript_id,
                    version: *version,
                    reason,
                    witness,
                    media_evidence_id: media_evidence_id.clone(),
                },
            )
        }
        C::LockTranscript {
            by, transcript_id, ..
        } => records::lock(ctx, by, transcript_id),
        C::OrderMeasure {
            by,
            kind,
            description,
            approved_by,
            emergency,
            approval_due,
            ..
        } => measures::order(
            ctx,
            by,
            kind,
            description,
            approved_by.clone(),
            *emergency,
            approval_due.as_deref(),
        ),
        C::IssuePenalty {
            by,
            party_kind,
            amount_yuan,
            warning,
            facts,
            ..
        } => measures::penalty(ctx, by, party_kind, *amount_yuan, *warning, facts),
        C::RecordService {
            by,
            document,
            method,
            recipient,
            witness,
            media_evidence_id,
            recipient_strokes,
            ..
        } => {
            // A witness signature counts only as strokes this engine stored, never a hash
            // written into the input.
            let mut witness = witness.clone();
            let stored = blob.map(|h| h.to_string());
            let (recipient_sha, witness_sha) = match recipient_strokes {
                Some(_) => (stored, None),
                None => (None, stored),
            };
            if let Some(w) = witness.as_mut() {
                w.strokes_sha256 = witness_sha;
            }
            measures::service(
                ctx,
                measures::ServiceInput {
                    by,
                    document,
                    method,
                    recipient,
                    recipient_strokes_sha256: recipient_sha,
                    witness,
                    media_evidence_id: media_evidence_id.clone(),
                },
            )
        }
        C::Depart { by, .. } => site::depart(ctx, by),
        C::CloseCase { by, .. } => site::close(ctx, by),
    }
}
