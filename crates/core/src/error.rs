//! Errors of the core. A refused action carries a stable code and a message in Chinese and English
//! that says what is missing and what to do; the UI shows it where the user is looking.

use std::fmt;

/// An action the rules do not allow (yet). Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code: a validation id ("V-05") or an input code ("input.unknown_case").
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl Refusal {
    /// A refusal with its code and both messages.
    pub fn new(code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} / {}", self.code, self.zh, self.en)
    }
}

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The rules refused the action.
    #[error("{0}")]
    Refused(Refusal),
    #[error("storage: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("data: {0}")]
    Data(String),
    /// The key store cannot be used: its name is not one, the program has none, or the platform's
    /// refused (its service is not running, it is locked). The store was not touched.
    #[error("key store: {0}")]
    KeyStore(String),
    /// The store's key is not in the key store, or the key there does not open the store (or
    /// the file is damaged): without its key the store cannot be opened, never reset it.
    #[error("store key: {0}")]
    StoreKey(String),
    #[error(transparent)]
    Forms(#[from] crate::forms::FormErrors),
}

impl CoreError {
    /// The refusal, if this is one.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            CoreError::Refused(r) => Some(r),
            _ => None,
        }
    }
}

impl From<Refusal> for CoreError {
    fn from(r: Refusal) -> Self {
        CoreError::Refused(r)
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        CoreError::Data(e.to_string())
    }
}

impl From<fieldcase_protocol::CanonicalError> for CoreError {
    fn from(e: fieldcase_protocol::CanonicalError) -> Self {
        CoreError::Data(e.to_string())
    }
}

/// Result of the core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// Shorthand for building a refusal as an error.
pub fn refuse<T>(code: &str, zh: impl Into<String>, en: impl Into<String>) -> Result<T> {
    Err(CoreError::Refused(Refusal::new(code, zh, en)))
}
