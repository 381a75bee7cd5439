//! Operations: what the engine commits, signs into the audit chain and queues for the center.
//! A case is the fold of its operations ([`apply`]); the fold is pure so verification can redo it.

use serde::{Deserialize, Serialize};

use crate::model::Time;
use crate::model::case::*;

/// One committed operation with its envelope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OpEnvelope {
    pub op_id: String,
    pub case_id: String,
    pub at: Time,
    /// Staff id of who did it.
    pub by: String,
    pub hlc: String,
    /// Warnings allowed with a justification (or automatically flagged).
    #[serde(default)]
    pub flags: Vec<Flag>,
    pub body: Op,
}

/// The domain operations of a case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CaseOpened {
        case: Box<Case>,
    },
    CheckedIn {
        checkin: CheckIn,
    },
    CredentialShown {
        showing: CredentialShowing,
    },
    PartyRecorded {
        person: PartyPerson,
    },
    NoticeGiven {
        notice: NoticeRecord,
    },
    Answered {
        key: String,
        answer: Answer,
    },
    EvidenceCaptured {
        evidence: Evidence,
    },
    SampleTaken {
        sample: Sample,
    },
    HandedOver {
        sample_id: String,
        handover: Handover,
    },
    InterviewStarted {
        interview: Interview,
    },
    QaRecorded {
        interview_id: String,
        qa: QA,
    },
    InterviewEnded {
        interview_id: String,
        at: Time,
        closing_statement: String,
    },
    NoteAdded {
        text: String,
    },
    TranscriptDrafted {
        transcript_id: String,
        kind: String,
        interview_id: Option<String>,
        version: TranscriptVersion,
    },
    Signed {
        transcript_id: String,
        version: u32,
        signature: SignatureRecord,
        lock: Option<Time>,
    },
    SignatureRefused {
        transcript_id: String,
        version: u32,
        refusal: SignatureRefusal,
        lock: Option<Time>,
    },
    TranscriptLocked {
        transcript_id: String,
        version: u32,
        at: Time,
    },
    MeasureOrdered {
        measure: Measure,
    },
    PenaltyIssued {
        penalty: OnTheSpotPenalty,
    },
    ServiceRecorded {
        service: Service,
    },
    FormMigrated {
        migration: FormMigration,
        to: FormRef,
        retired: Vec<RetiredAnswer>,
    },
    Departed {
        at: Time,
    },
    Closed {
        at: Time,
    },
}

impl Op {
    /// The op's kind name as stored in the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::CaseOpened { .. } => "case_opened",
            Op::CheckedIn { .. } => "checked_in",
            Op::CredentialShown { .. } => "credential_shown",
            Op::PartyRecorded { .. } => "party_recorded",
            Op::NoticeGiven { .. } => "notice_given",
            Op::Answered { .. } => "answered",
            Op::EvidenceCaptured { .. } => "evidence_captured",
            Op::SampleTaken { .. } => "sample_taken",
            Op::HandedOver { .. } => "handed_over",
            Op::InterviewStarted { .. } => "interview_started",
            Op::QaRecorded { .. } => "qa_recorded",
            Op::InterviewEnded { .. } => "interview_ended",
            Op::NoteAdded { .. } => "note_added",
            Op::TranscriptDrafted { .. } => "transcript_drafted",
            Op::Signed { .. } => "signed",
            Op::SignatureRefused { .. } => "signature_refused",
            Op::TranscriptLocked { .. } => "transcript_locked",
            Op::MeasureOrdered { .. } => "measure_ordered",
            Op::PenaltyIssued { .. } => "penalty_issued",
            Op::ServiceRecorded { .. } => "service_recorded",
            Op::FormMigrated { .. } => "form_migrated",
            Op::Departed { .. } => "departed",
            Op::Closed { .. } => "closed",
        }
    }
}

/// The id of the thing an operation creates, for callers that refer to it next.
pub fn created_id(op: &Op) -> Option<String> {
    match op {
        Op::CaseOpened { case } => Some(case.id.clone()),
        Op::EvidenceCaptured { evidence } => Some(evidence.id.clone()),
        Op::InterviewStarted { interview } => Some(interview.id.clone()),
        Op::TranscriptDrafted { transcript_id, .. } => Some(transcript_id.clone()),
        Op::SampleTaken { sample } => Some(sample.sample_id.clone()),
        _ => None,
    }
}

/// Folds one operation into a case. `case` is `None` only before `CaseOpened`.
pub fn apply(case: Option<Case>, env: &OpEnvelope) -> Result<Case, String> {
    let mut c = match (&env.body, case) {
        (Op::CaseOpened { case }, None) => return Ok(with_flags(*case.clone(), &env.flags)),
        (Op::CaseOpened { .. }, Some(_)) => return Err("case opened twice".into()),
        (_, None) => return Err(format!("{} before the case was opened", env.body.kind())),
        (_, Some(c)) => c,
    };
    c.flags.extend(env.flags.iter().cloned());
    match &env.body {
        Op::CaseOpened { .. } => return Err("case opened twice".into()),
        Op::CheckedIn { checkin } => {
            c.checkin = Some(checkin.clone());
            c.status = CaseStatus::OnSite;
        }
        Op::CredentialShown { showing } => c.credentials.push(showing.clone()),
        Op::PartyRecorded { person } => c.party = Some(person.clone()),
        Op::NoticeGiven { notice } => c.notice = Some(notice.clone()),
        Op::Answered { key, answer } => {
            c.answers.insert(key.clone(), answer.clone());
        }
        Op::EvidenceCaptured { evidence } => c.evidence.push(evidence.clone()),
        Op::SampleTaken { sample } => c.samples.push(sample.clone()),
        Op::HandedOver {
            sample_id,
            handover,
        } => {
            let s = c
                .samples
                .iter_mut()
                .find(|s| &s.sample_id == sample_id)
                .ok_or("unknown sample")?;
            s.custody.push(handover.clone());
        }
        Op::InterviewStarted { interview } => c.interviews.push(interview.clone()),
        Op::QaRecorded { interview_id, qa } => {
            interview_mut(&mut c, interview_id)?.qa.push(qa.clone())
        }
        Op::InterviewEnded {
            interview_id,
            at,
            closing_statement,
        } => {
            let i = interview_mut(&mut c, interview_id)?;
            i.ended_at = Some(*at);
            i.closing_statement = Some(closing_statement.clone());
        }
        Op::NoteAdded { text } => c.notes.push(text.clone()),
        Op::TranscriptDrafted {
            transcript_id,
            kind,
            interview_id,
            version,
        } => match c.transcripts.iter_mut().find(|t| &t.id == transcript_id) {
            Some(t) => t.versions.push(version.clone()),
            None => c.transcripts.push(Transcript {
                id: transcript_id.clone(),
                kind: kind.clone(),
                interview_id: interview_id.clone(),
                versions: vec![version.clone()],
            }),
        },
        Op::Signed {
            transcript_id,
            version,
            signature,
            lock,
        } => {
            let v = version_mut(&mut c, transcript_id, *version)?;
            v.signatures.push(signature.clone());
            if lock.is_some() {
                v.locked_at = *lock;
            }
        }
        Op::SignatureRefused {
            transcript_id,
            version,
            refusal,
            lock,
        } => {
            let v = version_mut(&mut c, transcript_id, *version)?;
            v.refusal = Some(refusal.clone());
            if lock.is_some() {
                v.locked_at = *lock;
            }
        }
        Op::TranscriptLocked {
            transcript_id,
            version,
            at,
        } => {
            version_mut(&mut c, transcript_id, *version)?.locked_at = Some(*at);
        }
        Op::MeasureOrdered { measure } => c.measures.push(measure.clone()),
        Op::PenaltyIssued { penalty } => c.penalties.push(penalty.clone()),
        Op::ServiceRecorded { service } => c.services.push(service.clone()),
        Op::FormMigrated {
            migration,
            to,
            retired,
        } => {
            for f in c.checklists.iter_mut().filter(|f| f.id == to.id) {
                f.version = to.version.clone();
            }
            for r in retired {
                c.answers.retain(|_, a| {
                    !(a.item_id == r.answer.item_id && a.form_id == r.answer.form_id)
                });
            }
            c.retired_answers.extend(retired.iter().cloned());
            c.migrations.push(migration.clone());
        }
        Op::Departed { at } => {
            c.departed_at = Some(*at);
            c.status = CaseStatus::Departed;
        }
        Op::Closed { at } => {
            c.closed_at = Some(*at);
            c.status = CaseStatus::Closed;
        }
    }
    Ok(c)
}

fn with_flags(mut c: Case, flags: &[Flag]) -> Case {
    c.flags.extend(flags.iter().cloned());
    c
}

fn interview_mut<'a>(c: &'a mut Case, id: &str) -> Result<&'a mut Interview, String> {
    c.interviews
        .iter_mut()
        .find(|i| i.id == id)
        .ok_or_else(|| format!("unknown interview {id}"))
}

fn version_mut<'a>(
    c: &'a mut Case,
    id: &str,
    version: u32,
) -> Result<&'a mut TranscriptVersion, String> {
    c.transcripts
        .iter_mut()
        .find(|t| t.id == id)
        .and_then(|t| t.versions.iter_mut().find(|v| v.version == version))
        .ok_or_else(|| format!("unknown transcript {id} v{version}"))
}
