//! The dependency rules of ARCHITECTURE.md, checked on the real workspace: a crate that depends on
//! what it must not fails this test (and so CI).

use std::path::Path;

use cargo_metadata::MetadataCommand;

/// (crate, workspace crates it may depend on, external crates it must never depend on).
#[rustfmt::skip]
const RULES: &[(&str, &[&str], &[&str])] = &[
    ("fieldcase-protocol", &[], &[
        "rusqlite", "reqwest", "tokio", "axum", "tauri", "object_store", "tokio-postgres",
    ]),
    ("fieldcase-docs", &["fieldcase-protocol"], &["rusqlite", "reqwest", "tokio", "axum", "tauri"]),
    ("fieldcase-photo", &[], &["rusqlite", "reqwest", "tokio", "axum", "tauri"]),
    ("fieldcase-print", &[], &["rusqlite", "reqwest", "axum", "tauri"]),
    ("fieldcase-core", &[
        "fieldcase-protocol", "fieldcase-docs", "fieldcase-photo", "fieldcase-print",
    ], &["axum", "tauri", "tauri-build", "tokio-postgres"]),
    ("fieldcase-cli", &["fieldcase-core", "fieldcase-protocol", "fieldcase-print"], &["axum", "tauri"]),
    // docs and photo are pure computation (content → PDF, strokes → PNG): the center renders a
    // transcript version exactly as the device did.
    ("fieldcase-server", &["fieldcase-protocol", "fieldcase-docs", "fieldcase-photo"], &["tauri", "fieldcase-core"]),
    // The shell is thin: no SQL (no rusqlite), no HTTP of its own (sync is the core's).
    ("fieldcase-app", &[
        "fieldcase-core", "fieldcase-protocol", "fieldcase-docs", "fieldcase-print",
    ], &["axum", "rusqlite", "reqwest"]),
];

#[test]
fn crates_depend_only_on_what_they_may() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let meta = MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata");
    let members: Vec<&str> = meta.packages.iter().map(|p| p.name.as_str()).collect();
    let mut checked = 0;
    for pkg in &meta.packages {
        let rule = RULES.iter().find(|r| r.0 == pkg.name.as_str());
        let Some((_, allowed, banned)) = rule else {
            assert!(
                pkg.name.as_str() == "fieldcase-tests",
                "crate {} has no dependency rule in this test",
                pkg.name
            );
            continue;
        };
        checked += 1;
        for dep in pkg
            .dependencies
            .iter()
            .filter(|d| d.kind == cargo_metadata::DependencyKind::Normal)
        {
            let name = dep.name.as_str();
            if members.contains(&name) {
                assert!(
                    allowed.contains(&name),
                    "{} must not depend on {name} (ARCHITECTURE.md: dependency direction)",
                    pkg.name
                );
            }
            assert!(
                !banned.contains(&name),
                "{} must not depend on {name} (ARCHITECTURE.md)",
                pkg.name
            );
        }
    }
    assert!(checked >= 4, "the core crates were found");
}

#[test]
fn protocol_does_no_io() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/protocol/src");
    let mut files = vec![src];
    let mut seen = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        seen += 1;
        for banned in [
            "std::fs",
            "std::net",
            "File::open",
            "File::create",
            "SystemTime::now",
            "std::env::var",
            "std::process",
        ] {
            assert!(
                !text.contains(banned),
                "{} uses {banned}: protocol does no I/O",
                p.display()
            );
        }
    }
    assert!(seen > 3);
}
