#![allow(dead_code)]

use fieldcase_print::{PrinterProfile, load_profiles};
use std::path::PathBuf;

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn profiles() -> Vec<PrinterProfile> {
    let text = std::fs::read_to_string(workspace().join("forms/printers.yaml")).unwrap();
    load_profiles(&text).unwrap()
}

pub fn profile(id: &str) -> PrinterProfile {
    profiles()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no profile {id}"))
}

pub fn review_dir() -> PathBuf {
    let d = workspace().join("target/print-review");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Decode a QR code from a page image.
pub fn decode_qr(img: &image::GrayImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(img.clone());
    let grids = prepared.detect_grids();
    assert!(!grids.is_empty(), "no QR grid found");
    grids[0].decode().expect("QR decodes").1
}
