//! Run the virtual printer on TCP (default 127.0.0.1:9100), writing page PNGs.
//!
//! ```text
//! cargo run -p fieldcase-print --example virtual_printer -- \
//!     [--listen 127.0.0.1:9100] [--profile generic-58] [--out target/virtual-printer] [--jobs 1]
//! ```
//! Or decode a captured stream: `--decode job.bin`.

use fieldcase_print::load_profiles;
use fieldcase_print::virtual_printer::{decode, serve_tcp, write_pngs};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut listen = "127.0.0.1:9100".to_string();
    let mut profile_id = "generic-58".to_string();
    let mut out = PathBuf::from("target/virtual-printer");
    let mut jobs = 1usize;
    let mut input: Option<PathBuf> = None;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut profiles_path = root.join("forms/printers.yaml");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--listen" => listen = val()?,
            "--profile" => profile_id = val()?,
            "--profiles" => profiles_path = val()?.into(),
            "--out" => out = val()?.into(),
            "--jobs" => jobs = val()?.parse()?,
            "--decode" => input = Some(val()?.into()),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let profiles = load_profiles(&std::fs::read_to_string(&profiles_path)?)?;
    let profile = profiles
        .into_iter()
        .find(|p| p.id == profile_id)
        .ok_or_else(|| format!("no profile {profile_id}"))?;
    let files = if let Some(path) = input {
        let pages = decode(&std::fs::read(&path)?, &profile)?;
        write_pngs(&pages, &out, "decoded")?
    } else {
        let listener = std::net::TcpListener::bind(&listen)?;
        eprintln!(
            "virtual printer {} ({} dots) on {listen}",
            profile.id, profile.dots_per_line
        );
        serve_tcp(listener, &profile, &out, jobs)?
    };
    for f in files {
        println!("{}", f.display());
    }
    Ok(())
}
