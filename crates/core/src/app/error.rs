//! The one error shape the app's UI receives: a stable code to branch on and the message in
//! Chinese and English to show where the user is looking. Refusals keep their codes (V-05,
//! auth.pin_wrong, ...); everything else gets a code for its kind and a message that names it.

use serde::Serialize;

use crate::error::{CoreError, Refusal};
use crate::sync::{SyncError, SyncFailure};

/// The code of [`CoreError::KeyStore`]: the key store (the system keyring) cannot be used.
pub const KEY_STORE_UNAVAILABLE: &str = "store.key_store_unavailable";
/// The code of [`CoreError::StoreKey`]: the store's key is missing or does not open it.
pub const STORE_KEY_UNUSABLE: &str = "store.key_unusable";

/// What the UI shows when a command did not happen. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppError {
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl AppError {
    pub fn new(code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        AppError {
            code: code.to_string(),
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {} / {}", self.code, self.zh, self.en)
    }
}

impl std::error::Error for AppError {}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError {
            code: r.code,
            zh: r.zh,
            en: r.en,
        }
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Refused(r) => r.into(),
            CoreError::Storage(e) => AppError::new(
                "store.error",
                format!("本机存储出错，操作未保存：{e}"),
                format!("the device store failed and nothing was saved: {e}"),
            ),
            CoreError::Io { path, source } => AppError::new(
                "store.io",
                format!("读写文件 {path} 出错，操作未保存：{source}"),
                format!("reading or writing {path} failed and nothing was saved: {source}"),
            ),
            CoreError::Data(m) => AppError::new(
                "store.data",
                format!("数据有误，操作未保存：{m}"),
                format!("bad data, nothing was saved: {m}"),
            ),
            CoreError::KeyStore(m) => AppError::new(
                KEY_STORE_UNAVAILABLE,
                format!("无法使用密钥库（钥匙串）：{m}"),
                format!("the key store (keyring) cannot be used: {m}"),
            ),
            CoreError::StoreKey(m) => AppError::new(
                STORE_KEY_UNUSABLE,
                format!("本机数据的密钥缺失或不符，数据无法打开：{m}"),
                format!(
                    "the key of this device's data is missing or wrong, the data cannot be opened: {m}"
                ),
            ),
            CoreError::Forms(e) => AppError::new(
                "forms.invalid",
                format!("检查表定义有误：{e}"),
                format!("the forms are invalid: {e}"),
            ),
        }
    }
}

impl From<SyncFailure> for AppError {
    fn from(e: SyncFailure) -> Self {
        match e {
            SyncFailure::Store(e) => e.into(),
            SyncFailure::Locked(lock) => super::sealed::locked(&lock),
            SyncFailure::Sync(SyncError::Refused { body, .. }) => AppError {
                code: body.code,
                zh: format!("中心拒绝：{}", body.zh),
                en: format!("the center refused: {}", body.en),
            },
            SyncFailure::Sync(SyncError::Network(m) | SyncError::UntrustedCenter(m)) => {
                AppError::new(
                    "sync.network",
                    format!("连不上中心（{m}），稍后会自动重试"),
                    format!("the center cannot be reached ({m}); it will be retried"),
                )
            }
            SyncFailure::Sync(SyncError::Protocol(m)) => AppError::new(
                "sync.protocol",
                format!("中心的应答无法识别：{m}"),
                format!("the center's answer made no sense: {m}"),
            ),
        }
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::from(e).into()
    }
}

/// A refusal with the app's error shape.
pub fn refused<T>(code: &str, zh: impl Into<String>, en: impl Into<String>) -> Result<T, AppError> {
    Err(AppError::new(code, zh, en))
}
