//! Error types.

use std::fmt;

/// Error while decoding an ESC/POS stream in the virtual printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the command that could not be decoded.
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ESC/POS decode error at byte {}: {}",
            self.offset, self.message
        )
    }
}

impl std::error::Error for DecodeError {}

/// Errors from building or sending a print job.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Text contains characters the printer cannot print in its encoding.
    #[error("无法打印的字符 / characters not printable in {encoding}: {}", fmt_chars(.chars))]
    Unmappable { encoding: String, chars: Vec<char> },
    /// Text contains control characters (would inject printer commands).
    #[error("文本含控制字符 / text contains control characters: {}", fmt_chars(.chars))]
    ControlChars { chars: Vec<char> },
    /// Content does not fit the document type on this printer.
    #[error("内容过长 / content too long: {0}")]
    TooLong(String),
    #[error("二维码生成失败 / QR code error: {0}")]
    Qr(String),
    #[error("字体不可用 / font unavailable: {0}")]
    Font(String),
    #[error("打印机配置错误 / printer profile error: {0}")]
    Profile(String),
    #[error("图像错误 / image error: {0}")]
    Image(String),
    /// The link dropped before all bytes were delivered.
    #[error("连接中断 / link lost after {sent} of {total} bytes: {reason}")]
    LinkLost {
        sent: usize,
        total: usize,
        reason: String,
    },
    #[error("连接超时 / timeout: {0}")]
    Timeout(String),
    #[error("输入输出错误 / I/O error on {target}: {source}")]
    Io {
        target: String,
        #[source]
        source: std::io::Error,
    },
    /// No Bluetooth adapter or no system D-Bus / BlueZ.
    #[error("未找到蓝牙适配器 / Bluetooth is unavailable: {0}")]
    BluetoothUnavailable(String),
    #[error("蓝牙错误 / Bluetooth error: {0}")]
    Ble(String),
    #[error("未找到打印机 / printer not found: {0}")]
    NotFound(String),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

fn fmt_chars(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| format!("'{}' (U+{:04X})", c.escape_debug(), *c as u32))
        .collect::<Vec<_>>()
        .join(", ")
}

impl PrintError {
    pub(crate) fn io(target: impl Into<String>, source: std::io::Error) -> Self {
        PrintError::Io {
            target: target.into(),
            source,
        }
    }
}
