//! Printing from the app (打印): the printer profiles of `forms/printers.yaml`, Bluetooth
//! discovery, the printer chosen for this device (kept in the store), and print jobs — a
//! receipt, a locked transcript version or a sample label — built under the engine lock and sent
//! without it, with progress the UI polls. One job at a time: a portable printer takes one.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fieldcase_print::transport::{self, discover};
use fieldcase_print::{PrinterKind, PrinterProfile, load_profiles};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::error::{AppError, refused};
use super::{App, AppResult, NoArgs};
use crate::documents::{label, receipt};
use crate::env::Env;

/// The meta key of the chosen printer.
const CHOSEN: &str = "app_printer";

/// A printer model the app can drive.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrinterModel {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// `receipt`, `label` or `a4_thermal`.
    pub kind: String,
    pub dots_per_line: u32,
    /// Connects over Bluetooth LE (has GATT ids).
    pub ble: bool,
}

/// The printer this device prints on: a model and where it is (`ble:AA:BB:…`, `tcp:HOST:PORT`,
/// `rfcomm:/dev/rfcomm0`, `file:PATH`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ChosenPrinter {
    pub profile_id: String,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrinterSetup {
    pub models: Vec<PrinterModel>,
    pub chosen: Option<ChosenPrinter>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DiscoverArgs {
    /// How long to scan (1–30 s).
    pub seconds: u32,
}

/// A Bluetooth printer seen in a scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FoundPrinter {
    pub address: String,
    pub name: Option<String>,
    pub rssi: Option<i16>,
    /// The model whose Bluetooth service it advertises.
    pub profile_id: Option<String>,
    /// The target to choose it by.
    pub target: String,
}

/// What to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "what", rename_all = "snake_case", deny_unknown_fields)]
pub enum PrintWhat {
    /// 现场检查回执, from the locked on-site record.
    Receipt,
    /// A locked transcript version.
    Transcript { transcript_id: String, version: u32 },
    /// A sample's label.
    Label { sample_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PrintArgs {
    pub case_id: String,
    pub what: PrintWhat,
}

/// Where a print job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Sending,
    Done,
    Failed,
}

/// The current (or last) print job.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrintJob {
    pub case_id: String,
    pub what: PrintWhat,
    pub printer: String,
    pub state: JobState,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sent: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    pub error: Option<AppError>,
}

/// The job slot the UI polls.
#[derive(Debug, Default)]
pub(crate) struct Jobs {
    current: Mutex<Option<PrintJob>>,
}

impl Jobs {
    fn lock(&self) -> MutexGuard<'_, Option<PrintJob>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn print_error(e: fieldcase_print::PrintError) -> AppError {
    let text = e.to_string();
    let (zh, en) = text.split_once(" / ").unwrap_or((&text, &text));
    let code = match e {
        fieldcase_print::PrintError::BluetoothUnavailable(_) => "print.bluetooth_unavailable",
        fieldcase_print::PrintError::NotFound(_) => "print.not_found",
        fieldcase_print::PrintError::LinkLost { .. } => "print.link_lost",
        fieldcase_print::PrintError::Timeout(_) => "print.timeout",
        fieldcase_print::PrintError::Unmappable { .. }
        | fieldcase_print::PrintError::ControlChars { .. }
        | fieldcase_print::PrintError::TooLong(_) => "print.content",
        _ => "print.failed",
    };
    AppError::new(
        code,
        format!("打印失败：{zh}"),
        format!("printing failed: {en}"),
    )
}

impl<E: Env> App<E> {
    fn profiles(&self) -> AppResult<Vec<PrinterProfile>> {
        let path = self.forms_dir.join("printers.yaml");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            AppError::from(crate::error::CoreError::Io {
                path: path.display().to_string(),
                source: e,
            })
        })?;
        load_profiles(&text).map_err(|e| {
            AppError::new(
                "print.profiles",
                format!(
                    "打印机配置有误（{}:{}）：{}",
                    path.display(),
                    e.line,
                    e.message
                ),
                format!(
                    "printer profiles are invalid ({}:{}): {}",
                    path.display(),
                    e.line,
                    e.message
                ),
            )
        })
    }

    fn chosen(&self) -> AppResult<Option<ChosenPrinter>> {
        let engine = self.engine();
        let value: Option<String> = engine
            .store()
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [CHOSEN], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// The printer models and the one chosen for this device.
    pub fn printers(&self, _: NoArgs) -> AppResult<PrinterSetup> {
        self.unsealed()?;
        let models = self
            .profiles()?
            .into_iter()
            .map(|p| PrinterModel {
                ble: p.ble.is_some(),
                kind: match p.kind {
                    PrinterKind::Receipt => "receipt",
                    PrinterKind::Label => "label",
                    PrinterKind::A4Thermal => "a4_thermal",
                }
                .to_string(),
                id: p.id,
                name_zh: p.name_zh,
                name_en: p.name_en,
                dots_per_line: p.dots_per_line,
            })
            .collect();
        Ok(PrinterSetup {
            models,
            chosen: self.chosen()?,
        })
    }

    /// Scans for Bluetooth printers (those advertising a known model's service).
    pub fn discover_printers(&self, a: DiscoverArgs) -> AppResult<Vec<FoundPrinter>> {
        self.unsealed()?;
        let secs = u64::from(a.seconds.clamp(1, 30));
        let found = discover(Duration::from_secs(secs), &self.profiles()?).map_err(print_error)?;
        Ok(found
            .into_iter()
            .map(|f| FoundPrinter {
                target: format!("ble:{}", f.address),
                address: f.address,
                name: f.name,
                rssi: f.rssi,
                profile_id: f.profile_id,
            })
            .collect())
    }

    /// Chooses this device's printer (checked: a known model and a target of a known kind).
    pub fn choose_printer(&self, c: ChosenPrinter) -> AppResult<PrinterSetup> {
        self.unsealed()?;
        if !self.profiles()?.iter().any(|p| p.id == c.profile_id) {
            return refused(
                "print.unknown_model",
                format!("没有打印机型号 {}", c.profile_id),
                format!("no printer model {}", c.profile_id),
            );
        }
        let kind = c
            .target
            .split_once(':')
            .map(|(k, rest)| (k, rest.is_empty()));
        if !matches!(
            kind,
            Some(("tcp" | "file" | "rfcomm" | "ble" | "ble-name", false))
        ) {
            return refused(
                "print.bad_target",
                format!(
                    "打印机地址无效：{}（应为 ble:地址、tcp:主机:端口 等）",
                    c.target
                ),
                format!(
                    "bad printer address {} (ble:ADDRESS, tcp:HOST:PORT, ...)",
                    c.target
                ),
            );
        }
        let json = serde_json::to_string(&c).map_err(crate::error::CoreError::from)?;
        let mut engine = self.engine();
        let (store, ..) = engine.sync_parts();
        store.transaction(|tx, _| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                [CHOSEN, json.as_str()],
            )?;
            Ok(())
        })?;
        drop(engine);
        self.printers(NoArgs {})
    }

    /// Prints on the chosen printer; answers when the printer has all the bytes (the UI polls
    /// [`App::print_job`] for progress meanwhile).
    pub fn print(&self, a: PrintArgs) -> AppResult<PrintJob> {
        self.unsealed()?;
        self.signed_in()?;
        let Some(chosen) = self.chosen()? else {
            return refused(
                "print.no_printer",
                "尚未选择打印机：请先搜索并选择打印机",
                "no printer chosen: find and choose a printer first",
            );
        };
        let profile = self
            .profiles()?
            .into_iter()
            .find(|p| p.id == chosen.profile_id)
            .ok_or_else(|| {
                AppError::new(
                    "print.unknown_model",
                    format!("没有打印机型号 {}", chosen.profile_id),
                    format!("no printer model {}", chosen.profile_id),
                )
            })?;
        let bytes = self.job_bytes(&a, &profile)?;
        {
            let mut slot = self.jobs.lock();
            if slot.as_ref().is_some_and(|j| j.state == JobState::Sending) {
                return refused(
                    "print.busy",
                    "打印机正在打印上一份文书，请稍候",
                    "the printer is still printing the previous document; wait for it",
                );
            }
            *slot = Some(PrintJob {
                case_id: a.case_id.clone(),
                what: a.what.clone(),
                printer: format!("{} ({})", profile.name_zh, chosen.target),
                state: JobState::Sending,
                sent: 0,
                total: bytes.len() as u64,
                error: None,
            });
        }
        let result = transport::open(&chosen.target, &profile).and_then(|mut t| {
            t.send(&bytes, &mut |sent, _| {
                if let Some(j) = self.jobs.lock().as_mut() {
                    j.sent = sent as u64;
                }
            })
        });
        let mut slot = self.jobs.lock();
        let job = slot.as_mut().expect("the job was set above");
        match result {
            Ok(()) => {
                job.state = JobState::Done;
                job.sent = job.total;
                Ok(job.clone())
            }
            Err(e) => {
                let err = print_error(e);
                job.state = JobState::Failed;
                job.error = Some(err.clone());
                Err(err)
            }
        }
    }

    /// The current or last print job.
    pub fn print_job(&self, _: NoArgs) -> AppResult<Option<PrintJob>> {
        self.unsealed()?;
        Ok(self.jobs.lock().clone())
    }

    fn job_bytes(&self, a: &PrintArgs, profile: &PrinterProfile) -> AppResult<Vec<u8>> {
        let renderer = match a.what {
            PrintWhat::Transcript { .. } => Some(self.renderer()?),
            _ => None,
        };
        let engine = self.engine();
        let case = engine.case(&a.case_id)?;
        let store = engine.store();
        match &a.what {
            PrintWhat::Receipt => {
                let r = receipt::build(store, &case)?;
                fieldcase_print::receipt(profile, &r).map_err(print_error)
            }
            PrintWhat::Transcript {
                transcript_id,
                version,
            } => {
                let t = case.transcript(transcript_id).ok_or_else(|| {
                    AppError::new(
                        "input.unknown_transcript",
                        format!("找不到笔录 {transcript_id}"),
                        format!("no transcript {transcript_id}"),
                    )
                })?;
                let v = t
                    .versions
                    .iter()
                    .find(|v| v.version == *version)
                    .ok_or_else(|| {
                        AppError::new(
                            "input.unknown_version",
                            format!("笔录没有第{version}版"),
                            format!("the transcript has no version {version}"),
                        )
                    })?;
                let renderer = renderer.expect("loaded for transcripts");
                Ok(renderer.print_job(store, &case, t, v, profile)?)
            }
            PrintWhat::Label { sample_id } => {
                let names = |id: &str| {
                    store
                        .officer(id)
                        .ok()
                        .flatten()
                        .map_or(id.to_string(), |o| o.name)
                };
                let l = label::build(&case, sample_id, &names)?;
                fieldcase_print::sample_label(profile, &l).map_err(print_error)
            }
        }
    }
}
