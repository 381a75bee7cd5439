//! Photo pipeline benchmark against the libvips anchor (`vipsthumbnail`).
//!
//! `cargo bench -p fieldcase-photo --bench photo` — 5 runs each; without `--bench`
//! (e.g. `cargo test --all-targets`) a single quick iteration.
//! Set `FIELDCASE_PHOTO_BENCH_KEEP=dir` to keep the input and outputs for inspection.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use fieldcase_photo::{PhotoPipeline, Watermark};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2])
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { 5 } else { 1 };
    let dir = tempfile::tempdir().expect("temp dir");
    let (w, h) = (4000u32, 3000u32);

    let t = Instant::now();
    let rgb = common::busy_rgb(w, h, 10);
    let input = common::jpeg_with_orientation(&rgb, w, h, 92, 6);
    drop(rgb);
    let in_path = dir.path().join("in.jpg");
    std::fs::write(&in_path, &input).expect("write input");
    println!(
        "input: synthetic {w}x{h} JPEG q92, EXIF orientation 6, {:.2} MB (made in {:.0} ms)",
        input.len() as f64 / 1e6,
        ms(t.elapsed())
    );

    let pipeline = PhotoPipeline::from_system_font().expect("font (apt install fonts-noto-cjk)");
    let wm = Watermark {
        lines: vec![
            "2026-11-23 09:05:12 +08:00".into(),
            "苏州市吴中区金枫路88号 31.2557,120.6050".into(),
            "案件 01a2b3c4d5e6".into(),
            "执法人员 张伟 32050012345".into(),
        ],
    };

    let mut ours = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let d = pipeline.derive(&input, &wm).expect("derive");
        ours.push(t.elapsed());
        last = Some(d);
    }
    let d = last.expect("one run");
    let (best, median) = stats(ours);
    println!(
        "fieldcase derive (copy {}x{} {:.0} KB q85 + thumb {}x{} {:.0} KB q80): best {:.1} ms, median {:.1} ms ({runs} runs)",
        d.copy_size.0,
        d.copy_size.1,
        d.copy_jpeg.len() as f64 / 1e3,
        d.thumb_size.0,
        d.thumb_size.1,
        d.thumb_jpeg.len() as f64 / 1e3,
        ms(best),
        ms(median)
    );

    if let Ok(keep) = std::env::var("FIELDCASE_PHOTO_BENCH_KEEP") {
        let keep = std::path::PathBuf::from(keep);
        std::fs::create_dir_all(&keep).expect("keep dir");
        std::fs::write(keep.join("in.jpg"), &input).expect("write");
        std::fs::write(keep.join("copy.jpg"), &d.copy_jpeg).expect("write");
        std::fs::write(keep.join("thumb.jpg"), &d.thumb_jpeg).expect("write");
    }

    // Anchor: libvips, same two outputs, two invocations.
    let out1 = dir.path().join("vips_2048.jpg");
    let out2 = dir.path().join("vips_320.jpg");
    let vips = |size: &str, out: &std::path::Path, q: u32| {
        Command::new("vipsthumbnail")
            .arg(&in_path)
            .args(["--size", size, "-o"])
            .arg(format!("{}[Q={q}]", out.display()))
            .status()
    };
    match vips("2048", &out1, 85) {
        Err(e) => {
            println!("anchor skipped: vipsthumbnail not runnable ({e}); apt install libvips-tools");
            return;
        }
        Ok(s) if !s.success() => {
            println!("anchor skipped: vipsthumbnail failed ({s})");
            return;
        }
        Ok(_) => {}
    }
    let mut anchor = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let a = vips("2048", &out1, 85).expect("vipsthumbnail");
        let b = vips("320", &out2, 80).expect("vipsthumbnail");
        anchor.push(t.elapsed());
        assert!(a.success() && b.success(), "vipsthumbnail failed");
    }
    let (vbest, vmedian) = stats(anchor);
    println!(
        "anchor vipsthumbnail --size 2048 [Q=85] + --size 320 [Q=80]: best {:.1} ms, median {:.1} ms ({runs} runs)",
        ms(vbest),
        ms(vmedian)
    );
    let ratio = ms(median) / ms(vmedian);
    println!(
        "ratio ours/vips (medians): {ratio:.2} ({:.2}x faster); targets: <= 1.2 (issue), <= 0.5 i.e. >= 2x faster (design) -> {}",
        1.0 / ratio,
        if ratio <= 0.5 {
            "both met"
        } else if ratio <= 1.2 {
            "issue target met, design target missed"
        } else {
            "MISSED"
        }
    );
    if !full {
        println!(
            "(quick single iteration; run `cargo bench -p fieldcase-photo --bench photo` for 5 runs)"
        );
    }
}
