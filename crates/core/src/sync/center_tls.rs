//! Which TLS certificates the device trusts for its center. A center's certificate is often its
//! own (a province's CA, or a self-signed one for a demo), not one a public root vouches for:
//! the device is given it at enrollment (`fieldcase enroll --ca FILE`), keeps it in the store's
//! `meta`, and from then on trusts that and nothing else for that center. Without one, an
//! `https://` center must present a certificate the platform trusts.

use reqwest::Certificate;

use super::client::SyncError;

/// The `meta` key holding the center's CA (or certificate) PEM.
pub(crate) const CA_PEM: &str = "sync_ca_pem";

/// The certificates in `pem` (one or more `CERTIFICATE` blocks), or what is wrong with it.
pub fn certificates(pem: &str) -> Result<Vec<Certificate>, SyncError> {
    let certs = Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
        SyncError::Protocol(format!("the center's CA file is not PEM certificates: {e}"))
    })?;
    if certs.is_empty() || !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(SyncError::Protocol(
            "the center's CA file holds no certificate (expected -----BEGIN CERTIFICATE-----)"
                .into(),
        ));
    }
    Ok(certs)
}

/// A failed connection as a [`SyncError`], in words that say what to do, with the causes reqwest
/// keeps in its chain (its own text is only "error sending request"): an untrusted certificate
/// is [`SyncError::UntrustedCenter`] and names the fix.
pub fn network_error(e: &reqwest::Error) -> SyncError {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    let lower = text.to_lowercase();
    if lower.contains("certificate") || lower.contains("unknownissuer") {
        text.push_str(
            " — the center's TLS certificate is not trusted by this device: enroll again with \
             the center's certificate (the app's first run: 中心证书; the CLI: fieldcase enroll \
             --ca cert.pem), or check that this is really your center",
        );
        return SyncError::UntrustedCenter(text);
    }
    SyncError::Network(text)
}
