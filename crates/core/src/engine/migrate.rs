//! Form-version migration of open drafts. When a newer version of a checklist arrives, each case
//! that is not closed moves to it: answers are kept by item id; answers to items the new version
//! no longer has are kept as "answered under version N". The migration is an operation in the
//! case's log like any other, so the center sees exactly what moved.

use crate::error::Result;
use crate::forms::FormSet;
use crate::model::Time;
use crate::model::case::{FormMigration, FormRef, RetiredAnswer};
use crate::store::Store;

use super::op::Op;

/// One `FormMigrated` op per (case, checklist) whose version differs from the loaded forms.
pub fn plan_all(store: &Store, forms: &FormSet, now: &Time) -> Result<Vec<(String, Op)>> {
    let ids: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT id FROM cases WHERE status <> 'closed' ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::new();
    for id in ids {
        let Some(case) = store.case(&id)? else {
            continue;
        };
        for fr in &case.checklists {
            let Some(cl) = forms.checklists.get(&fr.id) else {
                continue;
            };
            let current = &cl.file.form.version;
            if current == &fr.version {
                continue;
            }
            let retired: Vec<RetiredAnswer> = case
                .answers
                .values()
                .filter(|a| a.form_id == fr.id || cl.items.iter().any(|(f, _)| f == &a.form_id))
                .filter(|a| cl.item(&a.item_id).is_none())
                .map(|a| RetiredAnswer {
                    answered_under: format!("{} {}", fr.id, fr.version),
                    answer: a.clone(),
                })
                .collect();
            let kept = case.answers.len() - retired.len();
            let migration = FormMigration {
                form_id: fr.id.clone(),
                from_version: fr.version.clone(),
                to_version: current.clone(),
                kept,
                retired: retired.iter().map(|r| r.answer.item_id.clone()).collect(),
                at: *now,
            };
            out.push((
                id.clone(),
                Op::FormMigrated {
                    migration,
                    to: FormRef {
                        id: fr.id.clone(),
                        version: current.clone(),
                    },
                    retired,
                },
            ));
        }
    }
    Ok(out)
}
