//! Reading QR codes from a picture: a photographed or screenshotted credential code, for the
//! CLI's `credential verify --image` and the app's scanner when it is given a photo.
//!
//! A phone photo is 12 MP; rqrr's grid search is linear in pixels, so the picture is first
//! brought down to at most [`MAX_SIDE`] pixels on its long side — a code that fills a tenth of
//! the frame still has several pixels per module there.

use image::imageops::FilterType;

use crate::error::{Result, refuse};

/// The long side a picture is scaled down to before searching it.
pub const MAX_SIDE: u32 = 1600;

/// The texts of every QR code found in `bytes` (a JPEG or PNG), in the order found.
pub fn read_codes(bytes: &[u8]) -> Result<Vec<String>> {
    let img = match image::load_from_memory(bytes) {
        Ok(img) => img,
        Err(e) => {
            return refuse(
                "credential.picture",
                format!("无法读取图片（需要 JPEG 或 PNG）：{e}"),
                format!("the picture cannot be read as JPEG or PNG: {e}"),
            );
        }
    };
    let img = if img.width().max(img.height()) > MAX_SIDE {
        img.resize(MAX_SIDE, MAX_SIDE, FilterType::Triangle)
    } else {
        img
    };
    let mut prepared = rqrr::PreparedImage::prepare(img.to_luma8());
    Ok(prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect())
}

/// The first code in `bytes` that reads as a credential token (`FC1.`…), or a clear error
/// saying what was found instead.
pub fn read_credential_token(bytes: &[u8]) -> Result<String> {
    let codes = read_codes(bytes)?;
    if let Some(t) = codes.iter().find(|c| c.trim().starts_with("FC1.")) {
        return Ok(t.trim().to_string());
    }
    match codes.first() {
        None => refuse(
            "credential.no_qr",
            "图片中没有找到二维码：请让二维码平整并占满画面后重拍",
            "no QR code was found in the picture: hold the code flat, filling the frame",
        ),
        Some(other) => {
            let start: String = other.chars().take(40).collect();
            refuse(
                "credential.not_a_credential",
                format!("图片中的二维码不是执法证二维码，内容为 {start:?}"),
                format!(
                    "the QR code in the picture is not a fieldcase credential: it reads {start:?}"
                ),
            )
        }
    }
}
