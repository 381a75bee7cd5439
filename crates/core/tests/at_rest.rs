//! Encryption at rest: a copy of a device store's files, without its key, reveals nothing — no
//! answer text, no photo bytes, no SQLite header — and does not open; a store from before
//! encryption (plain database, plain blobs) is sealed in place at its first open, whole.

mod common;

use std::path::{Path, PathBuf};

use common::{Fx, at_site, root};
use fieldcase_core::error::CoreError;
use fieldcase_core::store::{KeyStore, Store, migrations};
use fieldcase_protocol::Sha256;
use serde_json::json;

/// A finding nobody else writes, to look for in the files.
const FINDING: &str = "镀镍槽边抽风机停运，现场无运行记录 KNOWN-ANSWER-7f3a";

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_files_of_a_store_hold_no_plaintext_of_a_known_answer_or_photo() {
    let mut fx = Fx::new();
    fx.informed();
    fx.ok(json!({"step": "answer", "by": "O-ZHANG", "item_id": "CM-07", "value": "non_compliant", "finding_text": FINDING}));
    fx.ok(json!({"step": "capture_evidence", "by": "O-LI", "path": "demo/electroplating/tank.jpg", "kind": "photo",
        "media_type": "image/jpeg", "method": "拍照", "proves": FINDING, "fix": at_site(), "item_id": "CM-07"}));
    let photo = std::fs::read(root().join("demo/electroplating/tank.jpg")).unwrap();
    let case = fx.eng.case(&fx.case).unwrap();
    let evidence = case.evidence[0].clone();
    // The needles are really in the store's data (or looking for them would prove nothing).
    let state = serde_json::to_string(&case).unwrap();
    assert!(state.contains(FINDING), "the finding is recorded");
    let name: String = fx
        .eng
        .store()
        .conn()
        .query_row("SELECT data FROM enterprises LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert!(name.contains("示范电镀有限公司"));
    // While the engine is open, its WAL holds the latest pages too: look at the files as they are
    // on a device that is switched off in the middle of its day, and again after closing.
    let dir = fx.dir.path().to_path_buf();
    let needles: Vec<(&str, Vec<u8>)> = vec![
        ("the finding text", FINDING.as_bytes().to_vec()),
        ("the finding's marker", b"KNOWN-ANSWER-7f3a".to_vec()),
        (
            "the enterprise's name",
            "示范电镀有限公司".as_bytes().to_vec(),
        ),
        (
            "32 bytes of the photo",
            photo[photo.len() / 2..photo.len() / 2 + 32].to_vec(),
        ),
        ("the photo's JPEG header", photo[..4].to_vec()),
        ("SQLite's file header", b"SQLite format 3".to_vec()),
    ];
    let check = |when: &str| {
        let files = files_under(&dir);
        assert!(files.len() >= 4, "{when}: {files:?}");
        for f in &files {
            if f.file_name().is_some_and(|n| n == "key-id") {
                continue;
            }
            let bytes = std::fs::read(f).unwrap();
            for (what, needle) in &needles {
                assert!(
                    !contains(&bytes, needle),
                    "{when}: {} holds {what} in plaintext",
                    f.display()
                );
            }
        }
    };
    check("with the store open");
    let sha: Sha256 = evidence.sha256.parse().unwrap();
    assert_eq!(
        fx.eng.store().blobs.get(&sha).unwrap(),
        photo,
        "the photo reads back byte for byte with the key"
    );
    let Fx { dir: tmp, eng, .. } = fx;
    drop(eng);
    check("after closing");
    drop(tmp);
}

#[test]
fn a_copy_without_its_key_does_not_open_and_is_left_as_it_was() {
    let fx = Fx::new();
    let dir = fx.dir.path().to_path_buf();
    let Fx { dir: tmp, eng, .. } = fx;
    drop(eng);
    let before: Vec<(PathBuf, Vec<u8>)> = files_under(&dir)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();

    let other_keys = tempfile::tempdir().unwrap();
    let thief = KeyStore::Dir(other_keys.path().to_path_buf());
    // A missing key is told apart from other failures (the app's startup screen says to keep
    // the data and call an administrator).
    let err = Store::open_with(&dir, &thief, "unused", "2026-11-23T09:00:00+08:00").unwrap_err();
    assert!(matches!(err, CoreError::StoreKey(_)), "{err}");
    let err = err.to_string();
    let key_id = std::fs::read_to_string(dir.join("key-id")).unwrap();
    assert!(
        err.contains(key_id.trim()) && err.contains("cannot be opened"),
        "{err}"
    );
    let after: Vec<(PathBuf, Vec<u8>)> = files_under(&dir)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    assert_eq!(before, after, "a refused open changed the store's files");
    assert!(
        std::fs::read_dir(other_keys.path())
            .unwrap()
            .next()
            .is_none(),
        "no key was made for a store that already has one"
    );

    // The same key id with another key (a forged key file): the database refuses it.
    std::fs::write(
        other_keys.path().join(format!("{}.key", key_id.trim())),
        [9u8; 32],
    )
    .unwrap();
    let err = Store::open_with(&dir, &thief, "unused", "2026-11-23T09:00:00+08:00").unwrap_err();
    assert!(matches!(err, CoreError::StoreKey(_)), "{err}");
    let err = err.to_string();
    assert!(err.contains("does not open with this store's key"), "{err}");
    drop(tmp);
}

#[test]
fn a_store_from_before_encryption_is_sealed_at_its_first_open() {
    common::test_keys();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("device");
    std::fs::create_dir_all(&dir).unwrap();
    // The store as an earlier release left it: a plain SQLite file and plain blob files.
    let photo = std::fs::read(root().join("demo/electroplating/tank.jpg")).unwrap();
    let sha = Sha256::of(&photo);
    {
        let mut conn = rusqlite::Connection::open(dir.join("fieldcase.db")).unwrap();
        migrations::migrate_to(&mut conn, migrations::latest()).unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('legacy_marker', ?1)",
            [FINDING],
        )
        .unwrap();
    }
    let hex = sha.to_string();
    let blob_path = dir.join("blobs").join(&hex[..2]).join(&hex);
    std::fs::create_dir_all(blob_path.parent().unwrap()).unwrap();
    std::fs::write(&blob_path, &photo).unwrap();
    // A plain file that does not match its name is left alone (and reported when read).
    let bad = Sha256::of(b"other bytes").to_string();
    let bad_path = dir.join("blobs").join(&bad[..2]).join(&bad);
    std::fs::create_dir_all(bad_path.parent().unwrap()).unwrap();
    std::fs::write(&bad_path, b"not the bytes it is named for").unwrap();

    let store = Store::open(&dir, "unused", "2026-11-23T09:00:00+08:00").unwrap();
    assert_eq!(
        store.meta("legacy_marker").unwrap().as_deref(),
        Some(FINDING)
    );
    assert_eq!(store.blobs.get(&sha).unwrap(), photo);
    drop(store);
    let db = std::fs::read(dir.join("fieldcase.db")).unwrap();
    assert!(!db.starts_with(b"SQLite format 3"));
    assert!(!contains(&db, FINDING.as_bytes()));
    let sealed = std::fs::read(&blob_path).unwrap();
    assert!(sealed.starts_with(b"FCB1"));
    assert!(!contains(
        &sealed,
        &photo[photo.len() / 2..photo.len() / 2 + 32]
    ));
    assert_eq!(
        std::fs::read(&bad_path).unwrap(),
        b"not the bytes it is named for"
    );
    assert!(!dir.join("fieldcase.db.encrypting").exists());

    // Opening again finds it sealed: same data, no second conversion.
    let store = Store::open(&dir, "unused", "2026-11-23T09:00:00+08:00").unwrap();
    assert_eq!(store.blobs.get(&sha).unwrap(), photo);
    assert_eq!(store.conn().total_changes(), 0);
}
