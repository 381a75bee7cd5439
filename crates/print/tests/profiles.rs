mod common;

use fieldcase_print::profile::KNOWN_BLE_IDS;
use fieldcase_print::{PrinterKind, load_profiles};

#[test]
fn shipped_profiles_load_with_expected_widths() {
    let ps = common::profiles();
    let get = |id: &str| ps.iter().find(|p| p.id == id).unwrap();
    assert_eq!(get("generic-58").dots_per_line, 384);
    assert_eq!(get("generic-80").dots_per_line, 576);
    assert_eq!(get("generic-104").dots_per_line, 832);
    assert_eq!(get("a4-thermal-203").dots_per_line, 1728);
    assert_eq!(get("a4-thermal-203").kind, PrinterKind::A4Thermal);
    let l = get("label-40x30");
    assert_eq!(l.kind, PrinterKind::Label);
    assert_eq!(l.label_dots(), Some((320, 240)));
    assert_eq!(get("label-50x30").label_dots(), Some((400, 240)));
    for p in &ps {
        assert!(p.max_band_rows <= 255 && p.max_band_rows >= 1);
        assert_eq!(p.encoding, "gb18030");
        if let Some(b) = &p.ble {
            assert!(
                KNOWN_BLE_IDS
                    .iter()
                    .any(|(s, c)| *s == b.service && *c == b.write_char),
                "{}: BLE ids not in the known list",
                p.id
            );
        }
    }
    // Every known service appears in some profile.
    for (s, _) in KNOWN_BLE_IDS {
        assert!(
            ps.iter()
                .any(|p| p.ble.as_ref().is_some_and(|b| b.service == *s)),
            "{s}"
        );
    }
}

const GOOD: &str = "printers:
  - id: a
    name_zh: 甲
    name_en: A
    kind: receipt
    dots_per_line: 384
  - id: b
    name_zh: 乙
    name_en: B
    kind: receipt
    dots_per_line: 576
";

#[test]
fn defaults_apply() {
    let ps = load_profiles(GOOD).unwrap();
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].max_band_rows, 255);
    assert_eq!(ps[0].mtu_default, 23);
    assert_eq!(ps[0].dpi, 203);
}

#[test]
fn broken_profiles_name_their_line() {
    // Bad enum value on line 10.
    let bad = GOOD.replace(
        "kind: receipt\n    dots_per_line: 576",
        "kind: reciept\n    dots_per_line: 576",
    );
    let e = load_profiles(&bad).unwrap_err();
    assert_eq!(e.line, 10, "{e}");
    assert!(e.message.contains("reciept"), "{e}");

    // Out-of-range band size on line 12 (validated after parsing).
    let bad = GOOD.replace(
        "dots_per_line: 576",
        "dots_per_line: 576\n    max_band_rows: 300",
    );
    let e = load_profiles(&bad).unwrap_err();
    assert_eq!(e.line, 12, "{e}");
    assert!(e.message.contains("max_band_rows"), "{e}");

    // Unknown field (typo) on line 6.
    let bad = GOOD.replacen("dots_per_line: 384", "dots_per_lin: 384", 1);
    let e = load_profiles(&bad).unwrap_err();
    assert_eq!(e.line, 6, "{e}");
    assert!(e.message.contains("dots_per_lin"), "{e}");

    // YAML syntax error: the parser's own line.
    let bad = GOOD.replace("name_en: B", "name_en: [B");
    let e = load_profiles(&bad).unwrap_err();
    assert_eq!(e.line, 9, "{e}");

    // Duplicate id.
    let bad = GOOD.replace("id: b", "id: a");
    let e = load_profiles(&bad).unwrap_err();
    assert_eq!(e.line, 7, "{e}");

    // Label without size.
    let bad = GOOD.replacen("kind: receipt", "kind: label", 1);
    let e = load_profiles(&bad).unwrap_err();
    assert!(e.message.contains("label"), "{e}");
    assert!(e.to_string().contains("line 5"), "{e}");
}
