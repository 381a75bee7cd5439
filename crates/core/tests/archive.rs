//! The electronic archive: a case exported as one bundle verifies offline; each kind of file
//! tampered with in turn is caught and named. Signatures are judged per version.

mod common;

use std::io::{Cursor, Read, Write};

use common::{Fx, at_site};
use fieldcase_core::archive::{ExportOptions, export_case, verify_bundle};
use fieldcase_core::engine::signatures::{self, SignatureStatus};
use fieldcase_protocol::{KeyPair, Sha256, signing_message};
use serde_json::json;

/// A case with evidence, a sample, and an inquiry record signed on v1 then amended to v2.
fn case_with_everything() -> Fx {
    let mut fx = Fx::new();
    fx.informed();
    fx.photo("车间排口");
    fx.ok(json!({"step": "take_sample", "by": "O-LI", "sample_id": "S-A1", "point": "DW001", "point_type": "workshop_outlet",
        "parameters": ["总镍"], "container": "P 500mL", "preservative": "HNO3", "seal_no": "FT-9", "label_printed": true,
        "collected_by": ["O-LI"], "party_witness": "陈建国"}));
    let t = fx.inquiry();
    fx.ok(json!({"step": "sign", "transcript_id": t, "version": 1, "role": "party", "name": "陈建国", "strokes": Fx::strokes()}));
    fx.sign_officers(&t, 1);
    fx.ok(json!({"step": "amend_transcript", "by": "O-ZHANG", "transcript_id": t, "reason": "补充", "narrative": "补充说明"}));
    fx.ok(json!({"step": "sign", "transcript_id": t, "version": 2, "role": "officer", "signer_id": "O-ZHANG", "name": "张伟", "strokes": Fx::strokes()}));
    let _ = at_site();
    fx
}

fn export(fx: &Fx) -> Vec<u8> {
    let opts = ExportOptions {
        pdf: None,
        exported_at: "2026-11-23T12:00:00+08:00".into(),
    };
    export_case(fx.eng.store(), &fx.case, &opts).expect("export")
}

fn entries(bundle: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bundle)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (name, b)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (n, b) in files {
        z.start_file(n.as_str(), o).unwrap();
        z.write_all(b).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// Changes one byte-level detail of the first entry whose name starts with `prefix`.
fn tamper(bundle: &[u8], prefix: &str) -> (Vec<u8>, String) {
    let mut files = entries(bundle);
    let (name, bytes) = files
        .iter_mut()
        .find(|(n, _)| n.starts_with(prefix))
        .expect(prefix);
    let text = String::from_utf8(bytes.clone());
    *bytes = match text {
        // Change a value inside JSON text so it still parses where it can.
        Ok(t) if t.contains("张伟") => t.replacen("张伟", "张为", 1).into_bytes(),
        Ok(t) if t.contains("O-LI") => t.replacen("O-LI", "O-XX", 1).into_bytes(),
        _ => {
            let mut b = bytes.clone();
            let mid = b.len() / 2;
            b[mid] ^= 0x01;
            b
        }
    };
    let name = name.clone();
    (rezip(&files), name)
}

#[test]
fn bundle_verifies_offline_and_is_deterministic() {
    let fx = case_with_everything();
    let a = export(&fx);
    assert_eq!(a, export(&fx), "the same case exports to the same bytes");
    let s = verify_bundle(&a, Some(&fx.eng.store().public_key())).expect("verifies");
    assert_eq!(s.transcript_versions, 2);
    assert_eq!(s.signatures, 4);
    assert_eq!(s.evidence, 1);
    let names: Vec<String> = entries(&a).into_iter().map(|(n, _)| n).collect();
    for want in [
        "manifest.json",
        "manifest.sig",
        "case.json",
        "samples.json",
        "chain.jsonl",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("evidence/") && n.ends_with(".png"))
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("transcripts/") && n.ends_with("/v2.json"))
    );
    assert!(names.iter().any(|n| n.starts_with("signatures/")));
    // The evidence original is byte for byte the captured file.
    let photo = std::fs::read(common::root().join(common::PHOTO)).unwrap();
    let e = entries(&a)
        .into_iter()
        .find(|(n, _)| n.starts_with("evidence/"))
        .unwrap();
    assert_eq!(e.1, photo);
}

#[test]
fn each_kind_of_file_tampered_is_caught_and_named() {
    let fx = case_with_everything();
    let good = export(&fx);
    for prefix in [
        "case.json",
        "samples.json",
        "chain.jsonl",
        "transcripts/",
        "signatures/",
        "evidence/",
        "manifest.json",
        "manifest.sig",
    ] {
        let (bad, name) = tamper(&good, prefix);
        let p = verify_bundle(&bad, None).expect_err(&format!("tampered {name} must not verify"));
        assert!(
            p.file == name || p.file.starts_with("manifest"),
            "tampered {name}, reported {p}"
        );
        if !prefix.starts_with("manifest") {
            assert_eq!(p.file, name, "names the tampered file: {p}");
        }
    }
}

#[test]
fn a_consistently_rewritten_bundle_fails_against_the_enrolled_key() {
    // Someone edits case.json, fixes the manifest hash and re-signs with their own key.
    let fx = case_with_everything();
    let good = export(&fx);
    let mut files = entries(&good);
    let case = files.iter_mut().find(|(n, _)| n == "case.json").unwrap();
    case.1 = String::from_utf8(case.1.clone())
        .unwrap()
        .replacen("O-LI", "O-XX", 1)
        .into_bytes();
    let new_case_hash = Sha256::of(&case.1).to_string();
    let m = files
        .iter()
        .position(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(&files[m].1).unwrap();
    let other = KeyPair::generate().unwrap();
    for f in manifest["files"].as_array_mut().unwrap() {
        if f["path"] == "case.json" {
            f["sha256"] = json!(new_case_hash);
            f["size"] = json!(
                files
                    .iter()
                    .find(|(n, _)| n == "case.json")
                    .unwrap()
                    .1
                    .len()
            );
        }
    }
    manifest["public_key"] = json!(other.public_key().to_string());
    let mbytes = fieldcase_protocol::to_canonical_json(&manifest).unwrap();
    files[m].1 = mbytes.clone();
    let s = files.iter().position(|(n, _)| n == "manifest.sig").unwrap();
    files[s].1 = other
        .sign(&signing_message("archive", &mbytes))
        .to_string()
        .into_bytes();
    let forged = rezip(&files);
    let p = verify_bundle(&forged, Some(&fx.eng.store().public_key())).expect_err("forged");
    assert_eq!(p.file, "manifest.json", "{p}");
    // Even without the enrolled key, the chain's device signatures no longer verify.
    let p = verify_bundle(&forged, None).expect_err("forged");
    assert_eq!(p.file, "chain.jsonl", "{p}");
}

#[test]
fn signatures_are_valid_invalid_or_valid_for_another_version() {
    let fx = case_with_everything();
    let case = fx.eng.case(&fx.case).unwrap();
    let pk = fx.eng.store().public_key();
    let t = &case.transcripts[0];
    let report = signatures::report_for(&case, t, 2, &pk);
    let v1: Vec<_> = report.iter().filter(|c| c.signed_version == 1).collect();
    let v2: Vec<_> = report.iter().filter(|c| c.signed_version == 2).collect();
    assert_eq!(v1.len(), 3);
    assert!(
        v1.iter()
            .all(|c| c.status == SignatureStatus::ValidForOtherVersion { version: 1 }),
        "{v1:?}"
    );
    assert_eq!(v2.len(), 1);
    assert_eq!(v2[0].status, SignatureStatus::Valid);
    // A signature whose statement was altered is invalid.
    let mut forged = t.versions[1].signatures[0].clone();
    forged.name = "李娜".into();
    assert!(matches!(
        signatures::check(&case.id, t, 2, &forged, 2, &pk),
        SignatureStatus::Invalid { .. }
    ));
}
