//! The checklist as the app renders it: sections of the items that are asked given the answers
//! so far (show_if), one row per item and unit (per outlet, per tank...), each with its answer,
//! the limit that will apply at this enterprise, the evidence attached, and the finding once an
//! answer is a violation — so the UI draws and never decides.

use serde::Serialize;

use crate::engine::steps::{checklist_gaps, visible_items};
use crate::forms::FormSet;
use crate::forms::eval::{AppliedLimit, limit_hints};
use crate::forms::types::{AnswerKind, EvidenceRule};
use crate::model::case::{Answer, Case};
use crate::model::enterprise::Enterprise;

/// One question to answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemRow {
    pub form_id: String,
    pub item_id: String,
    /// The unit this row is for (排放口 DW001...), for items asked per unit.
    pub instance: Option<String>,
    pub q_zh: String,
    pub q_en: String,
    pub ans: AnswerKind,
    pub unit: Option<String>,
    /// Choices for `choice` items.
    pub options: Vec<String>,
    /// Parameters and limits for `num` items (permit value first, then the form's default).
    pub limits: Vec<AppliedLimit>,
    pub evidence_rule: EvidenceRule,
    pub min_photos: Option<u32>,
    /// Legal basis as written in the form.
    pub basis: Vec<String>,
    /// Must be answered before the checklist counts as complete.
    pub required: bool,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub answer: Option<Answer>,
}

/// A section heading with its rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SectionView {
    pub form_id: String,
    pub zh: String,
    pub en: String,
    pub rows: Vec<ItemRow>,
}

/// The whole checklist of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChecklistView {
    pub sections: Vec<SectionView>,
    pub answered: u32,
    pub total: u32,
    /// What still keeps the checklist from complete (unanswered items, findings without
    /// evidence), in Chinese and English.
    pub gaps: Vec<(String, String)>,
}

pub(crate) fn build(forms: &FormSet, case: &Case, ent: &Enterprise) -> ChecklistView {
    let mut sections: Vec<SectionView> = Vec::new();
    let (mut answered, mut total) = (0u32, 0u32);
    for fr in &case.checklists {
        let Some(cl) = forms.checklists.get(&fr.id) else {
            continue;
        };
        for item in visible_items(cl, case) {
            let form_id = cl
                .items
                .iter()
                .find(|(_, i)| i.id == item.id)
                .map(|(f, _)| f.clone())
                .unwrap_or_else(|| fr.id.clone());
            let instances: Vec<Option<String>> = match item
                .per
                .as_ref()
                .and_then(|k| ent.units.get(k))
                .filter(|l| !l.is_empty())
            {
                Some(list) => list.iter().cloned().map(Some).collect(),
                None => vec![None],
            };
            let required = matches!(
                item.ans,
                AnswerKind::Tri | AnswerKind::Bool | AnswerKind::Choice | AnswerKind::Doc
            );
            for instance in instances {
                let answer = case
                    .answers
                    .get(&Case::answer_key(&item.id, instance.as_deref()))
                    .cloned();
                total += 1;
                answered += u32::from(answer.is_some());
                let row = ItemRow {
                    form_id: form_id.clone(),
                    item_id: item.id.clone(),
                    q_zh: item.q_zh.clone(),
                    q_en: item.q_en.clone(),
                    ans: item.ans,
                    unit: item.unit.clone(),
                    options: item.options.clone(),
                    limits: if item.ans == AnswerKind::Num {
                        limit_hints(item, ent, instance.as_deref())
                    } else {
                        vec![]
                    },
                    evidence_rule: item.ev,
                    min_photos: item.min_photos,
                    basis: item.basis.clone(),
                    required,
                    answer,
                    instance,
                };
                let section = cl.file.sections.iter().find(|s| s.zh == item.sec);
                match sections
                    .iter_mut()
                    .find(|s| s.form_id == fr.id && s.zh == item.sec)
                {
                    Some(s) => s.rows.push(row),
                    None => sections.push(SectionView {
                        form_id: fr.id.clone(),
                        zh: item.sec.clone(),
                        en: section.map(|s| s.en.clone()).unwrap_or_default(),
                        rows: vec![row],
                    }),
                }
            }
        }
    }
    ChecklistView {
        sections,
        answered,
        total,
        gaps: checklist_gaps(forms, case, ent),
    }
}
