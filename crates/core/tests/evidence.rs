//! Evidence capture with the photo pipeline: the original kept byte for byte under its SHA-256, a
//! watermarked display copy and a thumbnail derived beside it, EXIF recorded; formats that are not
//! photos refused with nothing written; audio kept as it is; signatures rendered to PNG.

mod common;

use common::{Fx, at_site, root};
use fieldcase_protocol::Sha256;
use serde_json::json;

fn blob(fx: &Fx, hex: &str) -> Vec<u8> {
    fx.eng
        .store()
        .blobs
        .get(&hex.parse::<Sha256>().unwrap())
        .unwrap()
}

#[test]
fn jpeg_capture_keeps_original_and_derives_copy_and_thumbnail() {
    let mut fx = Fx::new();
    fx.informed();
    let o = fx.ok(json!({"step": "capture_evidence", "by": "O-LI", "path": "demo/electroplating/tank.jpg", "kind": "photo",
        "media_type": "image/jpeg", "method": "拍照", "proves": "镀镍槽边抽风停运", "fix": at_site(), "item_id": "EP-11"}));
    assert!(o.flags.is_empty(), "{:?}", o.flags);
    let e = fx.eng.case(&fx.case).unwrap().evidence[0].clone();
    let original = std::fs::read(root().join("demo/electroplating/tank.jpg")).unwrap();
    assert_eq!(blob(&fx, &e.sha256), original, "original byte for byte");
    assert_eq!(e.media_type.as_deref(), Some("image/jpeg"));
    assert!(e.exif.is_some());
    let copy = blob(&fx, e.copy_sha256.as_deref().expect("copy"));
    let thumb = blob(&fx, e.thumb_sha256.as_deref().expect("thumb"));
    assert_eq!(&copy[..3], &[0xFF, 0xD8, 0xFF]);
    assert_eq!(&thumb[..3], &[0xFF, 0xD8, 0xFF]);
    assert_ne!(copy, original);
    assert!(thumb.len() < copy.len());
    assert!(fx.eng.verify().unwrap().ok());
}

#[test]
fn non_photo_formats_are_refused_and_nothing_is_written() {
    let mut fx = Fx::new();
    fx.informed();
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("x.gif");
    std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap();
    let (zh, en) = fx.refused(
        json!({"step": "capture_evidence", "by": "O-LI", "path": gif.display().to_string(), "kind": "photo",
            "media_type": "image/gif", "method": "拍照", "proves": "x", "fix": at_site()}),
        "input.format",
    );
    assert!(zh.contains("GIF") && en.contains("GIF"), "{zh} / {en}");
    // Audio is evidence too, kept exactly as it is.
    let m4a = dir.path().join("q.m4a");
    std::fs::write(&m4a, b"\x00\x00\x00\x20ftypM4A some audio").unwrap();
    fx.ok(json!({"step": "capture_evidence", "by": "O-LI", "path": m4a.display().to_string(), "kind": "audio",
        "media_type": "audio/mp4", "method": "录音", "proves": "询问录音", "fix": at_site()}));
    let e = fx.eng.case(&fx.case).unwrap().evidence[0].clone();
    assert!(e.copy_sha256.is_none());
    assert_eq!(blob(&fx, &e.sha256), std::fs::read(&m4a).unwrap());
}

#[test]
fn signatures_are_rendered_to_png_outside_the_signed_statement() {
    let mut fx = Fx::new();
    fx.informed();
    let t = fx.inquiry();
    fx.ok(json!({"step": "sign", "transcript_id": t, "version": 1, "role": "party", "name": "陈建国", "strokes": Fx::strokes()}));
    let case = fx.eng.case(&fx.case).unwrap();
    let s = &case.transcript(&t).unwrap().versions[0].signatures[0];
    let png = blob(&fx, s.image_sha256.as_deref().expect("image"));
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Empty strokes are refused before anything is signed.
    fx.refused(json!({"step": "sign", "transcript_id": t, "version": 1, "role": "witness", "name": "刘强", "strokes": []}), "input.bad_signature");
}
