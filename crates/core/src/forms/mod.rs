//! The forms engine: loads `forms/` (procedures, checklists, legal references) and judges answers.
//!
//! See `forms/README.md` for the format. Loading validates everything and is all-or-nothing.

pub mod answer;
pub mod eval;
pub mod legal;
mod load;
pub mod problem;
pub mod types;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use legal::{LegalRegistry, ResolvedRef};
pub use load::load_dir;
pub use problem::{FormErrors, FormProblem};
use types::{ChecklistFile, Item, ProcedureFile};

/// A loaded, validated forms folder.
#[derive(Debug, Clone)]
pub struct FormSet {
    pub root: PathBuf,
    pub checklists: BTreeMap<String, Checklist>,
    pub procedures: BTreeMap<String, ProcedureFile>,
    pub legal: LegalRegistry,
}

/// A checklist with the items of the forms it extends already included.
#[derive(Debug, Clone)]
pub struct Checklist {
    pub file: ChecklistFile,
    pub path: PathBuf,
    /// (form id the item comes from, item), the extended forms' items first.
    pub items: Vec<(String, Item)>,
}

impl Checklist {
    /// The item with this id, from this form or one it extends.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().map(|(_, i)| i).find(|i| i.id == id)
    }
}

impl FormSet {
    /// Loads and validates a folder.
    pub fn load(root: &Path) -> Result<FormSet, FormErrors> {
        load_dir(root)
    }

    /// A procedure by id.
    pub fn procedure(&self, id: &str) -> Option<&ProcedureFile> {
        self.procedures.get(id)
    }

    /// The checklists that apply to an enterprise: by industry code, and those attached by a flag.
    /// Forms that others extend (common, hazardous_waste) come in through `extends`, not here.
    pub fn checklists_for(&self, industry_codes: &[String], flags: &[String]) -> Vec<&Checklist> {
        self.checklists
            .values()
            .filter(|c| {
                let scope_match = c.file.form.scope.as_ref().is_some_and(|s| {
                    s.industry_codes
                        .iter()
                        .any(|code| industry_codes.iter().any(|e| e.starts_with(code.as_str())))
                });
                let flag_match = c
                    .file
                    .form
                    .attach_when
                    .as_ref()
                    .is_some_and(|w| flags.contains(w));
                scope_match || flag_match
            })
            .collect()
    }
}
