//! The app's command table, written once: [`for_each_command!`] hands every command's name,
//! argument type and result type to a macro of the caller's. The Tauri shell turns each entry
//! into a `#[tauri::command]` that calls the [`super::App`] method of the same name; the bindings
//! test turns the same list into `ui/src/app/api/commands.ts`. The argument types live here.

use serde::{Deserialize, Serialize};

use crate::engine::command::{Command, FixInput};

use super::inbox::Here;

/// Calls `$m! { name: Args => Result, ... }` with every command of the app.
#[macro_export]
macro_rules! for_each_command {
    ($m:ident) => {
        $m! {
            app_state: $crate::app::NoArgs => $crate::app::AppState,
            enroll: $crate::app::EnrollArgs => $crate::app::AppState,
            sign_in: $crate::app::SignInArgs => $crate::app::Session,
            sign_out: $crate::app::NoArgs => $crate::app::AppState,
            inbox: $crate::app::InboxArgs => Vec<$crate::app::InboxItem>,
            enterprise_file: $crate::app::EnterpriseArgs => $crate::app::EnterpriseFile,
            open_task: $crate::app::OpenTaskArgs => $crate::app::CaseScreen,
            case_screen: $crate::app::CaseArgs => $crate::app::CaseScreen,
            step: $crate::app::StepArgs => $crate::app::StepDone,
            checkin_preview: $crate::app::CheckinPreviewArgs => $crate::app::GeofenceView,
            capture: $crate::app::CaptureArgs => $crate::app::StepDone,
            evidence_image: $crate::app::EvidenceImageArgs => $crate::app::ImageData,
            credential_card: $crate::app::CredentialArgs => $crate::app::CredentialCard,
            verify_credential: $crate::app::VerifyCredentialArgs => $crate::app::CredentialCheck,
            transcript_preview: $crate::app::TranscriptArgs => $crate::app::TranscriptPreview,
            sync_state: $crate::app::NoArgs => $crate::app::LiveSync,
            sync_now: $crate::app::NoArgs => $crate::app::LiveSync,
            set_online: $crate::app::OnlineArgs => $crate::app::LiveSync,
            printers: $crate::app::NoArgs => $crate::app::PrinterSetup,
            discover_printers: $crate::app::DiscoverArgs => Vec<$crate::app::FoundPrinter>,
            choose_printer: $crate::app::ChosenPrinter => $crate::app::PrinterSetup,
            print: $crate::app::PrintArgs => $crate::app::PrintJob,
            print_job: $crate::app::NoArgs => Option<$crate::app::PrintJob>,
        }
    };
}
pub use for_each_command;

/// Calls `$m! { name: Args => Result, ... }` with the commands the shell answers itself, with or
/// without an opened [`super::App`]: the UI asks `startup` first, and shows the startup-error
/// screen instead of first run or the PIN pad when the device store could not be opened. The
/// bindings test adds them to `commands.ts` beside [`for_each_command!`]'s.
#[macro_export]
macro_rules! for_each_shell_command {
    ($m:ident) => {
        $m! {
            startup: $crate::app::StartupArgs => $crate::app::Startup,
        }
    };
}
pub use for_each_shell_command;

/// Asks whether the device store is open; `retry` tries to open it again first when it is not
/// (after the system keyring service was started, say). Nothing is ever deleted or reset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct StartupArgs {
    pub retry: bool,
}

/// Whether the app opened its device store at start. While it has not, every other command
/// answers `error` as well.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Startup {
    /// Why the store could not be opened; none once it is open. Its code tells the cause apart:
    /// `store.key_store_unavailable` (the key store, e.g. the system keyring service, cannot be
    /// used), `store.key_unusable` (the store's key is missing or does not open it), else the
    /// code of whatever failed (`store.error`, `forms.invalid`, `app.start`, ...).
    pub error: Option<super::AppError>,
    /// The device store's folder (for support), when it is known.
    pub store: Option<String>,
}

/// For commands that take nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// 首次使用: the center's address, the one-time code from the center, and the offline PIN the
/// user chooses for this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct EnrollArgs {
    pub server: String,
    pub code: String,
    /// What the center calls this device (e.g. "执法平板 03").
    pub label: String,
    pub pin: String,
    /// 中心证书: the center's TLS certificate or its CA as PEM text, for an `https://` center
    /// whose certificate no platform root vouches for (a province's own CA, a self-signed one).
    /// Trusted for this center from then on, and nothing else is. None: the platform's roots (or
    /// a certificate the store already holds). Refused before the code is spent when it holds no
    /// certificate or the address is not `https://`.
    pub ca_pem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SignInArgs {
    pub pin: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct InboxArgs {
    /// Where the device is, for distances (none when there is no fix).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub here: Option<Here>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct EnterpriseArgs {
    pub enterprise_id: String,
}

/// Start (or continue) the case of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct OpenTaskArgs {
    pub task_id: String,
    #[serde(default)]
    pub covert: bool,
    /// Required when the enterprise's annual inspection cap is reached (V-17).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub justification: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CaseArgs {
    pub case_id: String,
}

/// One procedure step, exactly as the engine takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct StepArgs {
    pub command: Command,
    /// The signing officer's offline PIN, re-entered for an officer's signature (`sign` with
    /// role `officer`); refused there without it, and not looked at for any other step.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub pin: Option<String>,
}

/// A committed step and the case screen after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepDone {
    pub outcome: crate::engine::Outcome,
    pub screen: super::CaseScreen,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CheckinPreviewArgs {
    pub case_id: String,
    pub fix: FixInput,
}

/// A file captured in the app (camera or picker), with what it proves (证明对象).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CaptureArgs {
    pub case_id: String,
    /// The file's bytes, base64.
    pub data_base64: String,
    /// The name the camera or picker gave the file (kept as provenance).
    pub file_name: String,
    pub media_type: String,
    /// photo / video / audio / doc_copy / electronic_data.
    pub kind: String,
    /// 拍照 / 录像 / 录音 / 截屏 / 拷贝 / 导出.
    pub method: String,
    pub proves: String,
    /// Taken with the app's camera (false: picked from the gallery or files, flagged external).
    pub in_app: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub fix: Option<FixInput>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub item_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub location_reason: Option<String>,
    /// For document copies: seal/signature and 与原件核对一致 are on the copy (V-14).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub copy_confirmed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct EvidenceImageArgs {
    pub case_id: String,
    pub evidence_id: String,
    /// The 320 px thumbnail (else the watermarked display copy).
    pub thumb: bool,
}

/// An image for an `<img src>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImageData {
    pub data_url: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CredentialArgs {
    pub case_id: String,
    pub officer_id: String,
}

/// An officer's credential as shown full screen (亮证), with its QR code.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CredentialCard {
    pub officer: crate::model::officer::Officer,
    /// Valid today and covering the enterprise's area (V-02).
    pub valid: bool,
    /// This device's check of the center-signed token the QR code carries; `None` when there is
    /// no token (the center has not signed this credential yet: no QR code either) or this
    /// device holds no center keys to check it with.
    pub verdict: Option<fieldcase_protocol::credential::CredentialVerdict>,
    /// What the QR code carries: the token.
    pub qr_payload: Option<String>,
    /// The QR code's modules, one string of `0`/`1` per row (the UI draws them as SVG); empty
    /// without a token.
    pub qr_rows: Vec<String>,
}

/// A credential to verify (扫码验证): the token as text (typed, pasted or from the camera's
/// scanner), or a picture of its QR code. Exactly one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct VerifyCredentialArgs {
    #[serde(default)]
    pub text: Option<String>,
    /// A JPEG or PNG, base64.
    #[serde(default)]
    pub image_base64: Option<String>,
}

/// A credential checked on this device, offline, with the center's keys it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CredentialCheck {
    /// The token read.
    pub token: String,
    pub verdict: fieldcase_protocol::credential::CredentialVerdict,
    /// The version of the center's key set used.
    pub keyring_seq: u64,
    /// How old the revocation list consulted is (ms since the center issued it); `None` when
    /// this device holds none, so "valid" cannot speak to revocation.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub revocations_age_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct TranscriptArgs {
    pub case_id: String,
    pub transcript_id: String,
    pub version: u32,
}

/// A transcript version drawn from the same renderer as its PDF, page by page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TranscriptPreview {
    /// PNG data URLs, one per A4 page.
    pub pages: Vec<String>,
    /// SHA-256 of the PDF this version renders to.
    pub pdf_sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pdf_bytes: u64,
    pub record_no: String,
    pub locked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct OnlineArgs {
    pub online: bool,
}
