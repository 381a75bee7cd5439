//! The legal-instrument registry: resolves reference strings like "水污染防治法 第83条第(二)项" to
//! an instrument and to the version in force on a date.
//!
//! References are data, not code, because the laws change under the app (the 2023 处罚办法 replaced
//! the 2010 one; the 生态环境法典 will replace the single laws): a finding must cite what was in
//! force on the inspection date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::types::{Instrument, InstrumentVersion};

/// All registered instruments.
#[derive(Debug, Clone, Default)]
pub struct LegalRegistry {
    instruments: Vec<Instrument>,
    /// (name or alias, index into `instruments`), longest first, for longest-prefix matching.
    names: Vec<(String, usize)>,
}

/// A reference resolved against the registry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResolvedRef {
    /// The reference as written in the form (with 同 expanded to the instrument name).
    pub text: String,
    pub instrument_id: String,
    /// Label of the version in force on the date, or `None` when none was.
    pub version: Option<String>,
    /// False when that version's date is not verified, or when no version was in force.
    pub verified: bool,
}

impl LegalRegistry {
    /// Builds the registry; callers have validated uniqueness of names.
    pub fn new(instruments: Vec<Instrument>) -> Self {
        let mut names = Vec::new();
        for (i, ins) in instruments.iter().enumerate() {
            names.push((ins.name.clone(), i));
            for a in &ins.aliases {
                names.push((a.clone(), i));
            }
        }
        names.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Self { instruments, names }
    }

    /// Every instrument.
    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }

    /// The instrument a reference string starts with (longest name or alias).
    pub fn instrument_of(&self, reference: &str) -> Option<&Instrument> {
        self.names
            .iter()
            .find(|(n, _)| reference.starts_with(n.as_str()))
            .map(|(_, i)| &self.instruments[*i])
    }

    /// Resolves a list of references as written in a form; "同 …" takes the previous instrument.
    /// Returns the index of the first reference that names no registered instrument on error.
    pub fn resolve_list(&self, refs: &[String], on: NaiveDate) -> Result<Vec<ResolvedRef>, usize> {
        let mut out = Vec::with_capacity(refs.len());
        let mut previous: Option<&Instrument> = None;
        for (i, r) in refs.iter().enumerate() {
            let (ins, text) = if let Some(rest) = r.strip_prefix('同') {
                match previous {
                    Some(p) => (p, format!("{}{}", p.name, rest)),
                    None => return Err(i),
                }
            } else {
                match self.instrument_of(r) {
                    Some(ins) => (ins, r.clone()),
                    None => return Err(i),
                }
            };
            let version = version_on(&ins.versions, on);
            out.push(ResolvedRef {
                text,
                instrument_id: ins.id.clone(),
                version: version.map(|v| v.label.clone()),
                verified: version.is_some_and(|v| v.verified),
            });
            previous = Some(ins);
        }
        Ok(out)
    }
}

/// The version in force on a date: the latest whose range contains it.
fn version_on(versions: &[InstrumentVersion], on: NaiveDate) -> Option<&InstrumentVersion> {
    versions
        .iter()
        .filter(|v| v.effective_from <= on && v.effective_to.is_none_or(|to| on < to))
        .max_by_key(|v| v.effective_from)
}
