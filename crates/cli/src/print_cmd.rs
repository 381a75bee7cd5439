//! `fieldcase print …` and `fieldcase printer …`: print jobs to a transport, and the virtual printer.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Subcommand;
use fieldcase_core::documents::transcript::Renderer;
use fieldcase_core::documents::{label, receipt};
use fieldcase_core::engine::numbering::record_no;
use fieldcase_core::model::case::{Case, Transcript, TranscriptVersion};
use fieldcase_print::transport::discover;
use fieldcase_print::{PrinterProfile, Transport, load_profiles};

use crate::store_cmd::{Eng, err};

#[derive(Subcommand, Debug)]
pub enum PrintCommand {
    /// The 现场检查回执 of a case, from its locked on-site record.
    Receipt {
        case: String,
        #[arg(long)]
        printer: String,
        /// tcp:HOST:PORT | file:PATH | rfcomm:/dev/rfcommN | ble:AA:BB:CC:DD:EE:FF | ble-name:NAME
        #[arg(long)]
        to: String,
    },
    /// A transcript (latest version unless --version), as raster pages at the printer's width.
    Transcript {
        case: String,
        /// Record number (文书编号, as `fieldcase render` names it); default: the on-site record.
        #[arg(long)]
        record: Option<String>,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long)]
        printer: String,
        #[arg(long)]
        to: String,
    },
    /// A sample's label.
    Label {
        case: String,
        sample: String,
        #[arg(long)]
        printer: String,
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PrinterCommand {
    /// List the printer profiles (forms/printers.yaml).
    Profiles,
    /// Scan for Bluetooth printers.
    Discover {
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Run a virtual printer: accept ESC/POS jobs over TCP and write what it would print as PNG.
    Virtual {
        #[arg(long, default_value = "127.0.0.1:9100")]
        listen: String,
        #[arg(long)]
        profile: String,
        #[arg(long)]
        out: PathBuf,
        /// Stop after this many jobs.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
    },
    /// Decode a saved ESC/POS stream to PNG pages, as the printer would print it.
    Decode {
        file: PathBuf,
        #[arg(long)]
        profile: String,
        #[arg(long)]
        out: PathBuf,
    },
}

fn profiles(forms: &Path) -> Result<Vec<PrinterProfile>, String> {
    let path = forms.join("printers.yaml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    load_profiles(&text).map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.message))
}

fn profile(forms: &Path, id: &str) -> Result<PrinterProfile, String> {
    let all = profiles(forms)?;
    let ids: Vec<String> = all.iter().map(|p| p.id.clone()).collect();
    all.into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| format!("no printer profile `{id}`; known: {}", ids.join(", ")))
}

/// Opens the transport a `--to` spec names.
fn transport(spec: &str, profile: &PrinterProfile) -> Result<Box<dyn Transport>, String> {
    fieldcase_print::transport::open(spec, profile).map_err(|e| format!("--to {e}"))
}

fn send(bytes: &[u8], to: &str, profile: &PrinterProfile) -> Result<(), String> {
    let mut t = transport(to, profile)?;
    let mut last = 0;
    t.send(bytes, &mut |done, total| {
        let pct = done * 100 / total.max(1);
        if pct >= last + 25 || done == total {
            eprintln!("sending {done}/{total} bytes");
            last = pct;
        }
    })
    .map_err(|e| e.to_string())?;
    println!("printed {} bytes to {}", bytes.len(), t.name());
    Ok(())
}

pub(crate) fn print(eng: &Eng, forms: &Path, cmd: PrintCommand) -> Result<(), String> {
    match cmd {
        PrintCommand::Receipt { case, printer, to } => {
            let p = profile(forms, &printer)?;
            let case = eng.case(&case).map_err(err)?;
            let r = receipt::build(eng.store(), &case).map_err(err)?;
            let bytes = fieldcase_print::receipt(&p, &r).map_err(|e| e.to_string())?;
            send(&bytes, &to, &p)
        }
        PrintCommand::Transcript {
            case,
            record,
            version,
            printer,
            to,
        } => {
            let p = profile(forms, &printer)?;
            let case = eng.case(&case).map_err(err)?;
            let (t, v) = pick_transcript(eng, &case, record.as_deref(), version)?;
            let renderer = Renderer::load(forms).map_err(err)?;
            let bytes = renderer
                .print_job(eng.store(), &case, t, v, &p)
                .map_err(err)?;
            let state = if v.locked_at.is_some() {
                "locked"
            } else {
                "DRAFT, not signed"
            };
            eprintln!("transcript {} v{} ({state})", t.kind, v.version);
            send(&bytes, &to, &p)
        }
        PrintCommand::Label {
            case,
            sample,
            printer,
            to,
        } => {
            let p = profile(forms, &printer)?;
            let case = eng.case(&case).map_err(err)?;
            let names = |id: &str| {
                eng.store()
                    .officer(id)
                    .ok()
                    .flatten()
                    .map_or(id.to_string(), |o| o.name)
            };
            let l = label::build(&case, &sample, &names).map_err(err)?;
            let bytes = fieldcase_print::sample_label(&p, &l).map_err(|e| e.to_string())?;
            send(&bytes, &to, &p)
        }
    }
}

/// The transcript a `--record` number names (default: the on-site record) and the version asked
/// for (default: the latest).
fn pick_transcript<'c>(
    eng: &Eng,
    case: &'c Case,
    record: Option<&str>,
    version: Option<u32>,
) -> Result<(&'c Transcript, &'c TranscriptVersion), String> {
    let mut numbers = Vec::new();
    let mut found = None;
    for t in &case.transcripts {
        let n = record_no(eng.store(), case, &t.id).map_err(err)?;
        let hit = match record {
            Some(r) => r == n,
            None => t.kind == "onsite",
        };
        if hit && found.is_none() {
            found = Some(t);
        }
        numbers.push(format!("{n} ({})", t.kind));
    }
    let t = found.ok_or_else(|| match record {
        Some(r) => format!(
            "case {} has no record {r}; its records: {}",
            case.id,
            numbers.join(", ")
        ),
        None => format!("case {} has no on-site record yet", case.id),
    })?;
    let v = match version {
        Some(n) => t
            .versions
            .iter()
            .find(|v| v.version == n)
            .ok_or_else(|| format!("record has versions 1..={}, not {n}", t.versions.len()))?,
        None => t.versions.last().ok_or("record has no version")?,
    };
    Ok((t, v))
}

pub(crate) fn printer(forms: &Path, cmd: PrinterCommand) -> Result<(), String> {
    match cmd {
        PrinterCommand::Profiles => {
            for p in profiles(forms)? {
                println!(
                    "{:<20} {:?} {:>5} dots  {}",
                    p.id, p.kind, p.dots_per_line, p.name_zh
                );
            }
            Ok(())
        }
        PrinterCommand::Discover { seconds } => {
            let found = discover(Duration::from_secs(seconds), &profiles(forms)?)
                .map_err(|e| e.to_string())?;
            for f in &found {
                println!("{f:?}");
            }
            println!("{} printer(s) found", found.len());
            Ok(())
        }
        PrinterCommand::Virtual {
            listen,
            profile: id,
            out,
            jobs,
        } => {
            let p = profile(forms, &id)?;
            let listener =
                std::net::TcpListener::bind(&listen).map_err(|e| format!("{listen}: {e}"))?;
            println!(
                "virtual printer {} listening on {}",
                p.id,
                listener.local_addr().map_err(|e| e.to_string())?
            );
            let written = fieldcase_print::virtual_printer::serve_tcp(listener, &p, &out, jobs)
                .map_err(|e| e.to_string())?;
            for w in written {
                println!("wrote {}", w.display());
            }
            Ok(())
        }
        PrinterCommand::Decode {
            file,
            profile: id,
            out,
        } => {
            let p = profile(forms, &id)?;
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let pages =
                fieldcase_print::virtual_printer::decode(&bytes, &p).map_err(|e| e.to_string())?;
            for w in fieldcase_print::virtual_printer::write_pngs(&pages, &out, "page")
                .map_err(|e| e.to_string())?
            {
                println!("wrote {}", w.display());
            }
            Ok(())
        }
    }
}
