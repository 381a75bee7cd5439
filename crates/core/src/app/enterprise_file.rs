//! 一企一档: what the device knows of one enterprise — its basics, permit limits, past inspections
//! with their findings, its risk code — and the cases this device holds for it.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::forms::FormSet;
use crate::model::enterprise::Enterprise;

/// A case of this enterprise on the device.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LocalCase {
    pub case_id: String,
    pub task_id: String,
    pub status: String,
    pub opened_at: String,
}

/// A checklist that applies to the enterprise (by its industry codes and flags).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChecklistRef {
    pub id: String,
    pub version: String,
    pub name_zh: String,
    pub name_en: String,
}

/// The enterprise file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnterpriseFile {
    pub enterprise: Enterprise,
    pub checklists: Vec<ChecklistRef>,
    pub cases: Vec<LocalCase>,
}

pub(crate) fn build(conn: &Connection, forms: &FormSet, e: Enterprise) -> Result<EnterpriseFile> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, task_id, status, opened_at FROM cases WHERE enterprise_id = ?1
         ORDER BY opened_at DESC",
    )?;
    let cases = stmt
        .query_map([&e.id], |r| {
            Ok(LocalCase {
                case_id: r.get(0)?,
                task_id: r.get(1)?,
                status: r.get(2)?,
                opened_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let checklists = forms
        .checklists_for(&e.industry_codes, &e.flags)
        .into_iter()
        .map(|c| ChecklistRef {
            id: c.file.form.id.clone(),
            version: c.file.form.version.clone(),
            name_zh: c.file.form.name_zh.clone(),
            name_en: c.file.form.name_en.clone(),
        })
        .collect();
    Ok(EnterpriseFile {
        enterprise: e,
        checklists,
        cases,
    })
}
