//! Printer profiles. Profiles are data (`forms/printers.yaml`), loaded with [`load_profiles`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of paper/mechanism the printer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterKind {
    /// Continuous receipt roll (58/80 mm).
    Receipt,
    /// Die-cut labels with gaps.
    Label,
    /// A4-width direct-thermal roll/sheets.
    A4Thermal,
}

/// BLE GATT identifiers for the printer's write channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BleIds {
    /// Service UUID (full 128-bit form, lower case).
    pub service: String,
    /// Write characteristic UUID.
    pub write_char: String,
}

/// Label stock size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelSize {
    pub width_mm: f32,
    pub height_mm: f32,
    pub gap_mm: f32,
}

fn default_encoding() -> String {
    "gb18030".into()
}
fn default_band() -> u16 {
    255
}
fn default_mtu() -> u16 {
    23
}
fn default_dpi() -> u16 {
    203
}

/// One printer model / configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterProfile {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: PrinterKind,
    /// Printable dots per line (58 mm → 384, 80 mm → 576, 104 mm → 832, A4 at 203 dpi → 1728).
    pub dots_per_line: u32,
    #[serde(default = "default_dpi")]
    pub dpi: u16,
    /// Text encoding: `gb18030` or `gbk`.
    #[serde(default = "default_encoding")]
    pub encoding: String,
    /// Whether the font ROM prints GB18030 four-byte sequences (most cheap printers: no).
    #[serde(default)]
    pub four_byte_gb18030: bool,
    /// Send `FS &` after init to enter Chinese character mode.
    #[serde(default)]
    pub chinese_mode: bool,
    /// Maximum rows per `GS v 0` command (≤ 255).
    #[serde(default = "default_band")]
    pub max_band_rows: u16,
    /// Printer understands `GS ( k` QR commands (else QR is sent as raster).
    #[serde(default)]
    pub supports_qr_cmd: bool,
    #[serde(default)]
    pub ble: Option<BleIds>,
    /// ATT MTU to assume when the link does not report one (payload per write = MTU − 3).
    #[serde(default = "default_mtu")]
    pub mtu_default: u16,
    #[serde(default)]
    pub label: Option<LabelSize>,
}

impl PrinterProfile {
    /// Bytes per raster line.
    pub fn bytes_per_line(&self) -> u32 {
        self.dots_per_line.div_ceil(8)
    }

    /// Millimetres to dots at this profile's resolution.
    pub fn mm_to_dots(&self, mm: f32) -> u32 {
        (mm * f32::from(self.dpi) / 25.4).round() as u32
    }

    /// Label size in dots (width, height), clamped to the head width.
    pub fn label_dots(&self) -> Option<(u32, u32)> {
        self.label.map(|l| {
            (
                self.mm_to_dots(l.width_mm).min(self.dots_per_line),
                self.mm_to_dots(l.height_mm),
            )
        })
    }

    /// Check invariants that serde cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("id is empty".into());
        }
        if !matches!(self.dots_per_line, 8..=4096) {
            return Err(format!(
                "dots_per_line {} out of range 8..=4096",
                self.dots_per_line
            ));
        }
        if !(1..=255).contains(&self.max_band_rows) {
            return Err(format!(
                "max_band_rows {} must be 1..=255",
                self.max_band_rows
            ));
        }
        if !matches!(self.encoding.as_str(), "gb18030" | "gbk") {
            return Err(format!(
                "encoding '{}' unsupported (gb18030 | gbk)",
                self.encoding
            ));
        }
        if self.mtu_default < 23 {
            return Err(format!("mtu_default {} < 23", self.mtu_default));
        }
        if self.kind == PrinterKind::Label && self.label.is_none() {
            return Err("kind: label requires a `label:` size".into());
        }
        if let Some(b) = &self.ble {
            for u in [&b.service, &b.write_char] {
                if !is_uuid(u) {
                    return Err(format!("'{u}' is not a 128-bit UUID"));
                }
            }
        }
        Ok(())
    }
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Error loading profiles, naming the (1-based) line in the YAML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "printers.yaml line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ProfileError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    printers: Vec<PrinterProfile>,
}

/// Parse a profiles file (`printers: [ ... ]`). Errors carry the line of the offending entry.
pub fn load_profiles(yaml_text: &str) -> Result<Vec<PrinterProfile>, ProfileError> {
    let file: ProfilesFile = serde_yaml_ng::from_str(yaml_text).map_err(|e| ProfileError {
        line: e.location().map(|l| l.line()).unwrap_or(0),
        message: e.to_string(),
    })?;
    let starts = entry_lines(yaml_text);
    let mut out: Vec<PrinterProfile> = Vec::with_capacity(file.printers.len());
    for (i, p) in file.printers.into_iter().enumerate() {
        let start = starts.get(i).copied().unwrap_or(0);
        p.validate().map_err(|m| ProfileError {
            line: locate(yaml_text, start, &m),
            message: format!("printer '{}': {m}", p.id),
        })?;
        if out.iter().any(|o| o.id == p.id) {
            return Err(ProfileError {
                line: start,
                message: format!("duplicate printer id '{}'", p.id),
            });
        }
        out.push(p);
    }
    Ok(out)
}

/// 1-based lines where each `- ` entry of the `printers:` sequence starts.
fn entry_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut in_printers = false;
    let mut indent: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = line.len() - t.len();
        if ind == 0 && !t.starts_with('-') {
            in_printers = t.starts_with("printers:");
            continue;
        }
        if in_printers && t.starts_with('-') && indent.is_none_or(|i| i == ind) {
            indent = Some(ind);
            out.push(n + 1);
        }
    }
    out
}

/// Best-effort: the line within the entry starting at `start` that holds a field named in `msg`.
fn locate(text: &str, start: usize, msg: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let end = entry_lines(text)
        .into_iter()
        .find(|&l| l > start)
        .unwrap_or(lines.len() + 1);
    let fields = [
        "id",
        "name_zh",
        "name_en",
        "kind",
        "dots_per_line",
        "dpi",
        "encoding",
        "four_byte_gb18030",
        "chinese_mode",
        "max_band_rows",
        "supports_qr_cmd",
        "ble",
        "service",
        "write_char",
        "mtu_default",
        "label",
        "width_mm",
        "height_mm",
        "gap_mm",
    ];
    // Unknown field: serde names it in backticks.
    let mut names: Vec<String> = Vec::new();
    if let Some(i) = msg.find("unknown field `") {
        let rest = &msg[i + 15..];
        if let Some(j) = rest.find('`') {
            names.push(rest[..j].to_string());
        }
    }
    for f in fields {
        if msg.starts_with(f) || msg.contains(&format!(" {f}")) || msg.contains(&format!("`{f}`")) {
            names.push(f.to_string());
        }
    }
    for name in names {
        for (idx, l) in lines
            .iter()
            .enumerate()
            .take(end.saturating_sub(1))
            .skip(start.saturating_sub(1))
        {
            let t = l.trim_start().trim_start_matches("- ").trim_start();
            if t.starts_with(&format!("{name}:")) {
                return idx + 1;
            }
        }
    }
    start
}

/// Service UUIDs advertised by common cheap BLE ESC/POS printers (see ecosystem.md §2.1),
/// with their usual write characteristic.
pub const KNOWN_BLE_IDS: &[(&str, &str)] = &[
    (
        "000018f0-0000-1000-8000-00805f9b34fb",
        "00002af1-0000-1000-8000-00805f9b34fb",
    ),
    (
        "0000ff00-0000-1000-8000-00805f9b34fb",
        "0000ff02-0000-1000-8000-00805f9b34fb",
    ),
    (
        "0000ffe0-0000-1000-8000-00805f9b34fb",
        "0000ffe1-0000-1000-8000-00805f9b34fb",
    ),
    (
        "49535343-fe7d-4ae5-8fa9-9fafd205e455",
        "49535343-8841-43f4-a8d4-ecbe34729bb3",
    ),
    (
        "e7810a71-73ae-499d-8c15-faa9aef0c3f2",
        "bef8d6c9-9c21-4c9e-b632-bd58c1009f9f",
    ),
];
