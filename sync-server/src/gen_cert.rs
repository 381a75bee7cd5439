//! `fieldcase-server gen-cert`: a self-signed certificate and key for the demo and for tests
//! (rcgen, on ring). Production centers use a certificate from their own CA; a device trusts
//! whichever certificate (or CA) it was given at enrollment (`fieldcase enroll --ca FILE`).

use std::path::Path;

/// Writes `cert.pem` (mode 0644) and `key.pem` (mode 0600) into `out`, for the names in
/// `hosts` (DNS names or IP addresses). Refuses to overwrite a key that is there.
pub fn write(out: &Path, hosts: &[String], days: u32) -> Result<(), String> {
    if hosts.is_empty() {
        return Err("gen-cert needs at least one --host (a DNS name or an IP address)".into());
    }
    let mut params =
        rcgen::CertificateParams::new(hosts.to_vec()).map_err(|e| format!("--host: {e}"))?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("fieldcase center {}", hosts[0]),
    );
    // From yesterday (a device whose clock is a little behind still accepts it) for `days`.
    use chrono::Datelike;
    let ymd = |d: chrono::NaiveDate| rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8);
    let today = chrono::Utc::now().date_naive();
    params.not_before = ymd(today - chrono::Days::new(1));
    params.not_after = ymd(today + chrono::Days::new(u64::from(days)));
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("generating a key: {e}"))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("signing the certificate: {e}"))?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let key_path = out.join("key.pem");
    if key_path.exists() {
        return Err(format!(
            "{} exists: remove it first (a certificate devices already trust would stop working)",
            key_path.display()
        ));
    }
    write_file(&key_path, key.serialize_pem().as_bytes(), 0o600)?;
    write_file(&out.join("cert.pem"), cert.pem().as_bytes(), 0o644)?;
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))
}
