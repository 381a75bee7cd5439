//! `fieldcase`: the headless client. A thin shell over fieldcase-core, exactly as the Tauri shell:
//! parse arguments, make one core call, print the result or the error.

mod archive_cmd;
mod credential_cmd;
mod forms_cmd;
mod print_cmd;
mod scenario;
mod store_cmd;
mod sync_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "fieldcase",
    version,
    about = "fieldcase field client (headless): the guided procedure over a local store"
)]
struct Cli {
    /// Device store folder (fieldcase.db + blobs/).
    #[arg(long, global = true, default_value = ".fieldcase/device")]
    store: PathBuf,
    /// Forms folder.
    #[arg(long, global = true, default_value = "forms")]
    forms: PathBuf,
    /// Run on a fixed clock starting at this RFC 3339 time (each reading advances 1 s) — for
    /// reproducible field trials. Default: the system clock.
    #[arg(long, global = true)]
    clock: Option<String>,
    /// Where the store's key is kept: `platform` (the OS key store: Secret Service, Keychain,
    /// Credential Manager) or `dir:PATH` (a key folder outside the store, for machines without
    /// one). Default: FIELDCASE_KEY_STORE, else `platform`.
    #[arg(long, global = true, env = "FIELDCASE_KEY_STORE")]
    key_store: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate or describe a forms folder.
    #[command(subcommand)]
    Forms(forms_cmd::FormsCommand),
    /// Create (or open) the device store and print its identity.
    Init,
    /// Import officers, enterprises, tasks and number blocks from a JSON file.
    Import { file: PathBuf },
    /// Run one procedure command (JSON, from a file or `-` for stdin).
    Step { file: PathBuf },
    /// Run a whole inspection from a scenario file.
    Run { scenario: PathBuf },
    /// Show a case as JSON (`--public` masks personal data, V-22).
    Case {
        id: String,
        #[arg(long)]
        public: bool,
        /// With --public: ask for unmasked data (always refused).
        #[arg(long)]
        unmasked: bool,
    },
    /// The center's review of a case as the last sync brought it (JSON; null before any).
    Review { id: String },
    /// Show the step bar of a case.
    Steps { id: String },
    /// The task inbox, earliest due first.
    Inbox {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Verify the store (audit chain, every case against its operations, signatures, blobs), or
    /// with a path, an exported bundle offline.
    Verify {
        bundle: Option<PathBuf>,
        /// The device's public key as enrolled at the center (hex); without it the bundle's own
        /// key is trusted.
        #[arg(long)]
        device_key: Option<String>,
    },
    /// Export a case as one signed bundle (zip) for the electronic archive.
    Export {
        id: String,
        #[arg(long)]
        out: PathBuf,
        /// Leave the transcript PDFs out (they need the CJK font).
        #[arg(long)]
        no_pdf: bool,
    },
    /// Render every transcript version of a case to PDF.
    Render {
        id: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check every signature of a case: valid, valid for another version, or invalid.
    Signatures { id: String },
    /// Move open drafts to the loaded checklist versions.
    MigrateDrafts,
    /// Verify an officer's credential (亮证) offline: `credential verify TOKEN | --image QR.png`.
    #[command(subcommand)]
    Credential(credential_cmd::CredentialCommand),
    /// Print a receipt or a sample label.
    #[command(subcommand)]
    Print(print_cmd::PrintCommand),
    /// Printer profiles, Bluetooth discovery, the virtual printer.
    #[command(subcommand)]
    Printer(print_cmd::PrinterCommand),
    /// Enroll this device with a center using a one-time code from the center's admin.
    Enroll {
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
        /// What the device is called at the center.
        #[arg(long, default_value = "fieldcase CLI")]
        label: String,
        /// Also set the enrolled user's offline PIN (6 digits) for the field app, the way the
        /// app's first run does: provisioning a tablet's store before handing it out.
        #[arg(long)]
        pin: Option<String>,
        /// The center's TLS certificate (or its CA), PEM: trusted for this center from now on
        /// instead of the system's roots (a center with its own or a self-signed certificate,
        /// e.g. `fieldcase-server gen-cert`'s cert.pem).
        #[arg(long, value_name = "FILE")]
        ca: Option<std::path::PathBuf>,
    },
    /// Sync with the center: push the audit chain, upload blobs, pull the changes in scope.
    Sync {
        /// Print what waits and what the center refused, without syncing.
        #[arg(long)]
        status: bool,
        /// Keep syncing (every --every seconds; after failures, exponential backoff with jitter).
        #[arg(long)]
        watch: bool,
        #[arg(long, default_value_t = 60)]
        every: u64,
    },
    /// Test support: write steps forever (the crash test kills this with SIGKILL).
    #[command(hide = true)]
    CrashWriter,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Where store keys live is settled before any store is opened (forms and printer commands
    // open none, so a machine without a key store can still run them).
    let opens_store = !matches!(cli.command, Command::Forms(_) | Command::Printer(_));
    if opens_store
        && let Err(e) =
            fieldcase_core::store::key_store::choose_for_program(cli.key_store.as_deref())
    {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Forms(c) => forms_cmd::run(c),
        Command::Printer(c) => print_cmd::printer(&cli.forms, c),
        Command::Credential(c) => credential_cmd::run(&cli.store, c),
        other => store_cmd::run(&cli.store, &cli.forms, cli.clock.as_deref(), other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}
