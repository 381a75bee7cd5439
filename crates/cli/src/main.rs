//! `fieldcase`: the headless client. A thin shell over fieldcase-core, exactly as the Tauri shell:
//! parse arguments, make one core call, print the result or the error.

mod forms_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "fieldcase", version, about = "fieldcase field client (headless)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate or describe a forms folder.
    #[command(subcommand)]
    Forms(forms_cmd::FormsCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Forms(c) => forms_cmd::run(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}
