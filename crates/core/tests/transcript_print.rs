//! A signed record printed on portable printers: the ESC/POS job, decoded by the virtual printer,
//! shows exactly the pages drawn for that printer (A4 pages on the A4-width head, roll pages on
//! 58/80/104 mm heads); drafts and label printers are refused before anything is sent.

mod common;

use common::{Fx, root};
use fieldcase_core::documents::transcript::{Renderer, Sheet};
use fieldcase_core::error::CoreError;
use fieldcase_print::virtual_printer::decode;
use fieldcase_print::{PrinterProfile, load_profiles};
use image::GrayImage;
use serde_json::json;

fn profile(id: &str) -> PrinterProfile {
    let text = std::fs::read_to_string(root().join("forms/printers.yaml")).expect("printers.yaml");
    load_profiles(&text)
        .expect("profiles")
        .into_iter()
        .find(|p| p.id == id)
        .expect(id)
}

/// A case whose inquiry record v1 is signed by the party and both officers (locked).
fn signed() -> (Fx, String) {
    let mut fx = Fx::new();
    fx.informed();
    let t = fx.inquiry();
    fx.ok(json!({"step": "sign", "transcript_id": t, "version": 1, "role": "party", "name": "陈建国", "strokes": Fx::strokes()}));
    fx.sign_officers(&t, 1);
    (fx, t)
}

/// The printed rows of `page` that hold the intended image, centred on a head of `head` dots.
fn printed_part(page: &GrayImage, want: &GrayImage, head: u32) -> GrayImage {
    let x = (head - want.width()) / 2;
    image::imageops::crop_imm(page, x, 0, want.width(), want.height()).to_image()
}

#[test]
fn printed_pages_are_the_pages_drawn_for_the_printer() {
    let (fx, tid) = signed();
    let renderer = Renderer::load(&root().join("forms")).expect("renderer");
    let store = fx.eng.store();
    let case = fx.eng.case(&fx.case).expect("case");
    let t = case.transcript(&tid).expect("transcript");
    let v = t.versions.last().expect("version");
    assert!(v.locked_at.is_some(), "the fixture locks v1");
    for (id, sheet) in [
        ("generic-58", Sheet::roll(384, 203)),
        ("generic-80", Sheet::roll(576, 203)),
        ("generic-104", Sheet::roll(832, 203)),
        ("a4-thermal-203", Sheet::a4()),
    ] {
        let p = profile(id);
        let job = renderer.print_job(store, &case, t, v, &p).expect("job");
        let want = renderer
            .pages(store, &case, t, v, &sheet, 203.0)
            .expect("pages");
        let printed = decode(&job, &p).expect("the virtual printer decodes the job");
        assert_eq!(printed.len(), want.len(), "{id}: one cut per page");
        for (i, (got, w)) in printed.iter().zip(&want).enumerate() {
            assert_eq!(got.width(), p.dots_per_line, "{id}");
            assert!(got.height() >= w.height(), "{id} page {}", i + 1);
            let part = printed_part(got, w, p.dots_per_line);
            let differ = part
                .pixels()
                .zip(w.pixels())
                .filter(|(a, b)| (a.0[0] < 128) != (b.0[0] < 128))
                .count();
            assert_eq!(differ, 0, "{id} page {}: printed dots differ", i + 1);
            // Nothing printed outside the page's own columns.
            let x0 = (p.dots_per_line - w.width()) / 2;
            assert!(
                got.enumerate_pixels().all(|(x, y, px)| px.0[0] == 255
                    || (x >= x0 && x < x0 + w.width() && y < w.height())),
                "{id} page {}: ink outside the page",
                i + 1
            );
        }
    }
}

#[test]
fn drafts_and_label_printers_are_refused() {
    let mut fx = Fx::new();
    fx.informed();
    let tid = fx.inquiry();
    let renderer = Renderer::load(&root().join("forms")).expect("renderer");
    let case = fx.eng.case(&fx.case).expect("case");
    let t = case.transcript(&tid).expect("transcript");
    let v = t.versions.last().expect("version");
    let code = |e: CoreError| match e {
        CoreError::Refused(r) => r.code,
        other => panic!("expected a refusal, got {other}"),
    };
    let e = renderer
        .print_job(fx.eng.store(), &case, t, v, &profile("generic-80"))
        .expect_err("a draft");
    assert_eq!(code(e), "print.not_locked");
    let e = renderer
        .print_job(fx.eng.store(), &case, t, v, &profile("label-50x30"))
        .expect_err("a label printer");
    assert_eq!(code(e), "print.label_printer");
}
