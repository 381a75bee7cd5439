mod common;

use fieldcase_print::jobs::render_label;
use fieldcase_print::virtual_printer::{decode, write_pngs};
use fieldcase_print::{SampleLabel, sample_label};
use image::imageops;

fn label() -> SampleLabel {
    SampleLabel {
        sample_id: "W20250612-003".into(),
        task_id: "T-2025-0612-01".into(),
        sample_type: "废水（总排口）".into(),
        point: "DW001 总排口".into(),
        collected_at: "2025-06-12T09:30:00+08:00".into(),
        parameters: vec!["总铬".into(), "六价铬".into(), "总镍".into()],
        preservative: "HNO₃ pH<2".replace('₃', "3"),
        sampler: "李四 王五".into(),
        seal_no: "FT-000213".into(),
        sha256: "9f2ce41a0b7d3c55e8a1f0c6d2b4a39e7c1d5f8e2a6b0c4d9e3f7a1b5c8d2e41a".into(),
    }
}

#[test]
fn sample_label_renders_and_its_qr_decodes() {
    for id in ["label-40x30", "label-50x30"] {
        let profile = common::profile(id);
        let l = label();
        let (w, h) = profile.label_dots().unwrap();
        let bytes = sample_label(&profile, &l).unwrap();
        assert!(
            bytes.ends_with(&[0x1D, 0x0C]),
            "label feed (GS FF) at the end"
        );
        let pages = decode(&bytes, &profile).unwrap();
        assert_eq!(pages.len(), 1);
        let page = &pages[0];
        assert_eq!(page.height(), h, "{id}");
        // The decoded label equals the rendered label (raster is exact).
        let rendered = render_label(&profile, &l).unwrap();
        assert_eq!(
            imageops::crop_imm(page, 0, 0, w, h).to_image(),
            rendered,
            "{id}"
        );
        let payload = common::decode_qr(page);
        assert_eq!(payload, l.qr_payload());
        assert!(payload.contains("\"sample_id\":\"W20250612-003\""));
        assert!(payload.contains(&l.sha256));
        write_pngs(&pages, &common::review_dir(), &format!("label-{id}")).unwrap();
        // 3× enlargement of the text column, for reviewing small glyphs.
        let crop = imageops::crop_imm(page, 0, 0, w / 2, h).to_image();
        let big = imageops::resize(&crop, w * 3 / 2, h * 3, imageops::FilterType::Nearest);
        write_pngs(&[big], &common::review_dir(), &format!("label-{id}-zoom")).unwrap();
    }
}

#[test]
fn label_requires_a_label_profile_size() {
    let profile = common::profile("generic-58");
    assert!(sample_label(&profile, &label()).is_err());
}
