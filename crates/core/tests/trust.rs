//! The device's trust in its center: the key set and revocation list it takes (only when signed
//! by a key it already trusts, only when newer), and the credentials it then refuses to show.
//! A real store in a temp folder; the center's keys are made here as the center makes them.

mod common;

use chrono::NaiveDate;
use common::Fx;
use fieldcase_core::store::Store;
use fieldcase_core::trust;
use fieldcase_protocol::KeyPair;
use fieldcase_protocol::credential::{
    CenterKey, CredentialClaims, CredentialStatus, Keyring, Revocation, RevocationList,
    SignedKeyring,
};
use serde_json::json;

const T0: i64 = 1_790_000_000_000;

fn key(seed: u8) -> KeyPair {
    KeyPair::from_seed_unchecked([seed; 32]).unwrap()
}

fn keyring(seq: u64, keys: &[&KeyPair]) -> Keyring {
    Keyring {
        seq,
        issued_at_ms: T0,
        keys: keys
            .iter()
            .map(|k| CenterKey::new(k.public_key(), T0))
            .collect(),
    }
}

fn list(seq: u64, numbers: &[&str]) -> RevocationList {
    RevocationList {
        seq,
        issued_at_ms: T0 + seq as i64,
        revoked: numbers
            .iter()
            .map(|n| Revocation {
                number: n.to_string(),
                revoked_at_ms: T0,
                reason: "证件遗失".into(),
            })
            .collect(),
    }
}

/// A second connection to the fixture's store, as the sync thread holds one.
fn store_of(fx: &Fx) -> Store {
    Store::open(fx.dir.path(), "unused", "2026-11-23T09:00:00+08:00").unwrap()
}

fn refused(store: &Store) -> Option<String> {
    trust::refused(store.conn()).unwrap()
}

#[test]
fn a_revoked_credential_cannot_be_shown() {
    let mut fx = Fx::new();
    let center = key(1);
    let mut store = store_of(&fx);
    let first = SignedKeyring::sign(keyring(1, &[&center]), &[&center]).unwrap();
    let sealed = list(1, &["32050019001"]).seal(&center).unwrap();
    store
        .transaction(|tx, _| {
            trust::accept_first(tx, &first)?;
            trust::apply_revocations(tx, &json!(sealed))
        })
        .unwrap();
    assert_eq!(refused(&store), None);
    fx.checked_in();
    let (zh, en) = fx.refused(
        json!({"step": "show_credential", "officer_id": "O-ZHANG"}),
        "V-02",
    );
    assert!(
        zh.contains("32050019001") && zh.contains("吊销") && zh.contains("证件遗失"),
        "{zh}"
    );
    assert!(en.contains("revoked"), "{en}");
    // The partner's credential is not on the list.
    fx.ok(json!({"step": "show_credential", "officer_id": "O-LI"}));
}

#[test]
fn pulled_key_sets_are_taken_only_when_a_trusted_key_signed_them() {
    let fx = Fx::new();
    let mut store = store_of(&fx);
    let k1 = key(1);
    let k2 = key(2);
    let first = SignedKeyring::sign(keyring(1, &[&k1]), &[&k1]).unwrap();
    store
        .transaction(|tx, _| trust::accept_first(tx, &first))
        .unwrap();

    // Someone else's key set, however well formed, is not taken; the refusal is remembered.
    let intruder = key(9);
    let hostile = SignedKeyring::sign(keyring(5, &[&intruder]), &[&intruder]).unwrap();
    store
        .transaction(|tx, _| trust::apply_keyring(tx, &serde_json::to_value(&hostile)?))
        .unwrap();
    assert_eq!(trust::keyring(store.conn()).unwrap(), Some(first.clone()));
    assert!(
        refused(&store)
            .unwrap()
            .contains("not signed by any key already trusted")
    );

    // The center's rotation, endorsed by the outgoing key, is taken and clears the refusal.
    let rotated = SignedKeyring::sign(keyring(2, &[&k1, &k2]), &[&k1, &k2]).unwrap();
    store
        .transaction(|tx, _| trust::apply_keyring(tx, &serde_json::to_value(&rotated)?))
        .unwrap();
    assert_eq!(trust::keyring(store.conn()).unwrap(), Some(rotated.clone()));
    assert_eq!(refused(&store), None);

    // An older set pulled again (a replay, a reload) changes nothing.
    store
        .transaction(|tx, _| trust::apply_keyring(tx, &serde_json::to_value(&first)?))
        .unwrap();
    assert_eq!(trust::keyring(store.conn()).unwrap(), Some(rotated));
    assert_eq!(refused(&store), None);
}

#[test]
fn pulled_revocation_lists_are_taken_only_when_signed_and_newer() {
    let fx = Fx::new();
    let mut store = store_of(&fx);
    let k1 = key(1);
    let first = SignedKeyring::sign(keyring(1, &[&k1]), &[&k1]).unwrap();
    store
        .transaction(|tx, _| trust::accept_first(tx, &first))
        .unwrap();
    let apply = |store: &mut Store, text: String| {
        store
            .transaction(|tx, _| trust::apply_revocations(tx, &json!(text)))
            .unwrap()
    };

    apply(&mut store, list(3, &["A", "B"]).seal(&k1).unwrap());
    assert_eq!(trust::revocations(store.conn()).unwrap().unwrap().seq, 3);
    // Older: ignored, not refused.
    apply(&mut store, list(2, &[]).seal(&k1).unwrap());
    assert_eq!(trust::revocations(store.conn()).unwrap().unwrap().seq, 3);
    assert_eq!(refused(&store), None);
    // Signed by a stranger (say, to empty the list): refused and remembered.
    apply(&mut store, list(4, &[]).seal(&key(7)).unwrap());
    let held = trust::revocations(store.conn()).unwrap().unwrap();
    assert_eq!((held.seq, held.revoked.len()), (3, 2));
    assert!(
        refused(&store)
            .unwrap()
            .contains("not one of the center's keys")
    );
    // Garbage: refused.
    apply(&mut store, "FCR1.nonsense".into());
    assert!(refused(&store).unwrap().contains("revocation list"));
}

#[test]
fn the_device_verifies_a_token_with_what_it_holds() {
    let fx = Fx::new();
    let mut store = store_of(&fx);
    let today: NaiveDate = "2026-11-24".parse().unwrap();
    let k1 = key(1);
    let claims = CredentialClaims {
        tid: "t-1".into(),
        officer_id: "O-ZHANG".into(),
        name: "张伟".into(),
        number: "32050019001".into(),
        kind: "中华人民共和国行政执法证".into(),
        agency: "苏州市生态环境局".into(),
        photo_sha256: None,
        valid_from: "2024-01-01".parse().unwrap(),
        valid_to: "2028-12-31".parse().unwrap(),
        issued_at_ms: T0,
    };
    let token = claims.seal(&k1).unwrap();
    // No keys yet: nothing to say.
    assert_eq!(trust::verify(store.conn(), &token, today).unwrap(), None);

    let first = SignedKeyring::sign(keyring(1, &[&k1]), &[&k1]).unwrap();
    store
        .transaction(|tx, _| trust::accept_first(tx, &first))
        .unwrap();
    let v = trust::verify(store.conn(), &token, today).unwrap().unwrap();
    assert_eq!(v.status, CredentialStatus::Valid);
    assert_eq!(
        v.revocations_seq, None,
        "no list yet, and the verdict says so"
    );

    let sealed = list(1, &["32050019001"]).seal(&k1).unwrap();
    store
        .transaction(|tx, _| trust::apply_revocations(tx, &json!(sealed)))
        .unwrap();
    let v = trust::verify(store.conn(), &token, today).unwrap().unwrap();
    assert!(
        matches!(v.status, CredentialStatus::Revoked { .. }),
        "{v:?}"
    );
    assert_eq!(v.revocations_seq, Some(1));

    // The CLI reads the same without opening the store for writing.
    let (keys, held) = trust::held_by_store(fx.dir.path()).unwrap();
    assert_eq!(keys, Some(first));
    assert_eq!(held.map(|l| l.seq), Some(1));
    assert!(trust::held_by_store(&fx.dir.path().join("nothing-here")).is_err());
}
