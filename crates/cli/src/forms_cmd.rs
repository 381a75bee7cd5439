//! `fieldcase forms check DIR` and `fieldcase forms schema DIR`.

use std::path::PathBuf;

use clap::Subcommand;
use fieldcase_core::forms::{FormSet, types};

#[derive(Subcommand, Debug)]
pub enum FormsCommand {
    /// Validate every file of a forms folder; print each form with its item count.
    Check { dir: PathBuf },
    /// Write the JSON Schemas of the form files into DIR/schema/.
    Schema { dir: PathBuf },
}

pub fn run(cmd: FormsCommand) -> Result<(), String> {
    match cmd {
        FormsCommand::Check { dir } => {
            let set = FormSet::load(&dir).map_err(|e| e.to_string())?;
            for p in set.procedures.values() {
                println!(
                    "procedure {:<22} {:<8} {:>3} steps  {}",
                    p.form.id,
                    p.form.version,
                    p.steps.len(),
                    p.form.name_zh
                );
            }
            for c in set.checklists.values() {
                println!(
                    "checklist {:<22} {:<8} {:>3} items ({:>3} with extends)  {}",
                    c.file.form.id,
                    c.file.form.version,
                    c.file.items.len(),
                    c.items.len(),
                    c.file.form.name_zh
                );
            }
            println!("legal instruments: {}", set.legal.instruments().len());
            println!(
                "ok: {} procedures, {} checklists",
                set.procedures.len(),
                set.checklists.len()
            );
            Ok(())
        }
        FormsCommand::Schema { dir } => {
            let out = dir.join("schema");
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            for (name, schema) in schemas() {
                let path = out.join(name);
                let text = serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())? + "\n";
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

/// The schemas generated from the Rust types, by file name.
pub fn schemas() -> Vec<(&'static str, schemars::Schema)> {
    vec![
        (
            "checklist.schema.json",
            schemars::schema_for!(types::ChecklistFile),
        ),
        (
            "procedure.schema.json",
            schemars::schema_for!(types::ProcedureFile),
        ),
        (
            "instruments.schema.json",
            schemars::schema_for!(types::InstrumentsFile),
        ),
    ]
}
