//! Problems found while loading `forms/`, each naming file, line and item.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with one form file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// Item (or step, or instrument) id, when the problem belongs to one.
    pub item: Option<String>,
    pub message: String,
}

impl fmt::Display for FormProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file.display(), self.line)?;
        if let Some(item) = &self.item {
            write!(f, "{item}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem of a folder that failed to load. Nothing of the folder was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormErrors(pub Vec<FormProblem>);

impl fmt::Display for FormErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "forms not loaded: {} problem(s)", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FormErrors {}

/// Finds where things are in a YAML file's text, so semantic problems can name a line.
#[derive(Debug)]
pub(crate) struct SourceText<'a> {
    lines: Vec<&'a str>,
}

impl<'a> SourceText<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            lines: text.lines().collect(),
        }
    }

    /// Line (1-based) of the first `id: <id>` whose value is exactly `id`, or 0.
    pub(crate) fn line_of_id(&self, id: &str) -> usize {
        self.line_of_key_value("id", id)
    }

    /// Line of the first `key: value` pair (flow or block style), or 0.
    pub(crate) fn line_of_key_value(&self, key: &str, value: &str) -> usize {
        for (n, line) in self.lines.iter().enumerate() {
            let mut rest = *line;
            while let Some(pos) = rest.find(key) {
                let before_ok = pos == 0 || {
                    let c = rest[..pos].chars().next_back().unwrap_or(' ');
                    c == ' ' || c == '{' || c == ',' || c == '-'
                };
                let after = &rest[pos + key.len()..];
                if before_ok && let Some(v) = after.strip_prefix(':') {
                    let v = v.trim_start();
                    let v = v.strip_prefix('"').unwrap_or(v);
                    if let Some(tail) = v.strip_prefix(value) {
                        let end = tail.chars().next();
                        if end.is_none_or(|c| matches!(c, ',' | '}' | ' ' | '"' | '#')) {
                            return n + 1;
                        }
                    }
                }
                rest = after;
            }
        }
        0
    }

    /// Line of the first line containing `needle`, or 0.
    pub(crate) fn line_containing(&self, needle: &str) -> usize {
        self.lines
            .iter()
            .position(|l| l.contains(needle))
            .map_or(0, |n| n + 1)
    }

    /// The id of the nearest `id:` at or above `line` (1-based), for parse errors.
    pub(crate) fn id_near(&self, line: usize) -> Option<String> {
        let upto = line.min(self.lines.len());
        for l in self.lines[..upto].iter().rev() {
            if let Some(pos) = l.find("id:") {
                let before = l[..pos].chars().next_back().unwrap_or(' ');
                if before == ' ' || before == '{' || before == '-' || pos == 0 {
                    let v = l[pos + 3..].trim_start();
                    let v: String = v
                        .trim_start_matches('"')
                        .chars()
                        .take_while(|c| !matches!(c, ',' | '}' | ' ' | '"' | '#'))
                        .collect();
                    if !v.is_empty() {
                        return Some(v);
                    }
                }
            }
        }
        None
    }
}
