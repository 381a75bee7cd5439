//! Record templates: the printed layout of a transcript as data (forms/templates/*.yaml).
//!
//! A template names the title, the header fields (label + JSON pointer into the transcript
//! content + how to print the value), the body sections in order and the fixed texts (footer
//! labels, "以下空白"). The section kinds are a closed set the renderer knows how to draw.

use std::collections::BTreeMap;

use serde::Deserialize;

/// How a header value is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// String or number as is.
    #[default]
    Text,
    /// RFC 3339 time printed "2025年6月12日9时30分".
    Datetime,
    /// `path` to `end`: "2025年6月12日9时30分至10时45分".
    Span,
    /// An array, each element printed with `item` and joined with `join`.
    List,
    /// A position fix `{point:{lat,lon},accuracy_m,source}`.
    Coords,
}

/// One header field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub label: String,
    /// JSON pointer into the content, e.g. `/party/name`.
    pub path: String,
    #[serde(default)]
    pub format: Format,
    /// For `span`: pointer of the end time.
    #[serde(default)]
    pub end: Option<String>,
    /// For `list`: pattern per element; `{key}` is a key of the element (or of the looked-up
    /// object), `{}` the element itself.
    #[serde(default)]
    pub item: Option<String>,
    /// For `list`: separator (default "、").
    #[serde(default)]
    pub join: Option<String>,
    /// For `list` of ids: pointer of an array of objects to look each element up in by `key`.
    #[serde(default)]
    pub lookup: Option<String>,
    #[serde(default)]
    pub key: Option<String>,
    /// Printed value for enum codes (e.g. task source `random_draw` → 双随机抽查).
    #[serde(default)]
    pub map: BTreeMap<String, String>,
    /// Text printed after the value (e.g. "（第1次询问）" patterns are done with `item`).
    #[serde(default)]
    pub suffix: Option<String>,
}

/// The body section kinds the renderer draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// 告知 text verbatim + the party's answers (看清证件 / 申请回避).
    Notice,
    /// A free text at `path` as paragraphs.
    Paragraph,
    /// Checklist answers `{item, instance, value}`.
    Answers,
    /// Findings with limits, legal basis and penalty provisions.
    Findings,
    /// Samples: id, point, seal, parameters.
    Samples,
    /// Evidence list with short hashes.
    Evidence,
    /// On-site measures.
    Measures,
    /// Q&A "问：" / "答：" lines.
    Qa,
    /// A supplementary record's reference to the version it corrects.
    Supplement,
}

/// One body section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub kind: SectionKind,
    /// Section heading; none prints no heading.
    #[serde(default)]
    pub title: Option<String>,
    /// Pointer of the data (defaults per kind).
    #[serde(default)]
    pub path: Option<String>,
    /// Printed when the data is empty (none: the section is left out).
    #[serde(default)]
    pub empty: Option<String>,
    /// Fixed labels used by the section (e.g. `q: 问：`, `yes: 是`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Footer and other fixed texts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixed {
    pub party_sign: String,
    pub officer_sign: String,
    /// "第 {page} 页 共 {pages} 页".
    pub page: String,
    pub blank_tail: String,
    pub record_no: String,
    pub version: String,
    pub signatures: String,
    pub refusal: String,
    pub form: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    version: String,
    /// Transcript kind this template prints (`onsite` / `inquiry`).
    kind: String,
    title_zh: String,
    /// Pointer of the agency name put before the title.
    #[serde(default)]
    agency_path: Option<String>,
    header: Vec<Field>,
    sections: Vec<Section>,
    fixed: Fixed,
}

/// A parsed, checked template.
#[derive(Debug, Clone)]
pub struct Template {
    raw: Raw,
}

/// A template that does not parse or check, with the (1-based) line of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for TemplateError {}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or(1)
}

impl Template {
    /// Parses and checks a template; errors name the line.
    pub fn from_yaml(text: &str) -> Result<Template, TemplateError> {
        let raw: Raw = serde_yaml_ng::from_str(text).map_err(|e| TemplateError {
            line: e.location().map(|l| l.line()).unwrap_or(1),
            message: e.to_string(),
        })?;
        let bad = |needle: &str, message: String| TemplateError {
            line: line_of(text, needle),
            message,
        };
        if raw.id.is_empty()
            || !raw
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(bad("id:", format!("id must be [a-z0-9_]+: {:?}", raw.id)));
        }
        let pointer_ok = |p: &str| p.is_empty() || p.starts_with('/');
        for f in &raw.header {
            for p in [Some(&f.path), f.end.as_ref(), f.lookup.as_ref()]
                .into_iter()
                .flatten()
            {
                if !pointer_ok(p) {
                    return Err(bad(
                        &format!(": {p}"),
                        format!(
                            "header {:?}: path must be a JSON pointer starting with '/': {p:?}",
                            f.label
                        ),
                    ));
                }
            }
            if f.format == Format::Span && f.end.is_none() {
                return Err(bad(
                    &f.label,
                    format!("header {:?}: format span needs `end`", f.label),
                ));
            }
            if f.lookup.is_some() != f.key.is_some() {
                return Err(bad(
                    &f.label,
                    format!("header {:?}: `lookup` and `key` go together", f.label),
                ));
            }
        }
        for s in &raw.sections {
            if let Some(p) = &s.path
                && !pointer_ok(p)
            {
                return Err(bad(
                    &format!(": {p}"),
                    format!("section path must be a JSON pointer starting with '/': {p:?}"),
                ));
            }
            if s.kind == SectionKind::Paragraph && s.path.is_none() {
                return Err(bad(
                    "paragraph",
                    "a paragraph section needs `path`".to_string(),
                ));
            }
        }
        if !raw.fixed.page.contains("{page}") || !raw.fixed.page.contains("{pages}") {
            return Err(bad(
                "page:",
                "fixed.page must contain {page} and {pages}".to_string(),
            ));
        }
        Ok(Template { raw })
    }

    pub fn id(&self) -> &str {
        &self.raw.id
    }
    pub fn version(&self) -> &str {
        &self.raw.version
    }
    /// Transcript kind (`onsite` / `inquiry`).
    pub fn kind(&self) -> &str {
        &self.raw.kind
    }
    pub fn title_zh(&self) -> &str {
        &self.raw.title_zh
    }
    pub fn agency_path(&self) -> Option<&str> {
        self.raw.agency_path.as_deref()
    }
    pub fn header(&self) -> &[Field] {
        &self.raw.header
    }
    pub fn sections(&self) -> &[Section] {
        &self.raw.sections
    }
    pub fn fixed(&self) -> &Fixed {
        &self.raw.fixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_line() {
        let e = Template::from_yaml("id: x\nversion: \"1\"\nkind: onsite\ntitle_zh: t\nheader:\n  - {label: a, path: /a, format: nope}\n").unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        let e = Template::from_yaml("id: x\nversion: \"1\"\nkind: onsite\ntitle_zh: t\nheader:\n  - {label: a, path: a}\nsections: []\nfixed: {party_sign: a, officer_sign: b, page: \"{page}{pages}\", blank_tail: c, record_no: d, version: e, signatures: f, refusal: g, form: h}\n").unwrap_err();
        assert_eq!(e.line, 6, "{e}");
    }

    #[test]
    fn shipped_templates_parse() {
        for f in ["onsite_record", "inquiry_record"] {
            let p = format!(
                "{}/../../forms/templates/{f}.yaml",
                env!("CARGO_MANIFEST_DIR")
            );
            let t = Template::from_yaml(&std::fs::read_to_string(&p).expect("template file"))
                .unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(t.id(), f);
        }
    }
}
