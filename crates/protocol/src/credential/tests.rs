use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;

use super::*;

const DAY_MS: i64 = 86_400_000;
const T0: i64 = 1_790_000_000_000;

fn key(seed: u8) -> KeyPair {
    KeyPair::from_seed_unchecked([seed; 32]).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn claims(issued_at_ms: i64) -> CredentialClaims {
    CredentialClaims {
        tid: "0194a000-0000-7000-8000-000000000001".into(),
        officer_id: "U-LI".into(),
        name: "李娜".into(),
        number: "32050019001".into(),
        kind: "中华人民共和国行政执法证".into(),
        agency: "苏州市生态环境局".into(),
        photo_sha256: None,
        valid_from: date("2024-01-01"),
        valid_to: date("2028-12-31"),
        issued_at_ms,
    }
}

fn ring_of(keys: &[(&KeyPair, Option<i64>)]) -> Keyring {
    Keyring {
        seq: 1,
        issued_at_ms: T0,
        keys: keys
            .iter()
            .map(|(k, retired)| CenterKey {
                retired_at_ms: *retired,
                ..CenterKey::new(k.public_key(), T0 - DAY_MS)
            })
            .collect(),
    }
}

#[test]
fn a_token_verifies_offline_with_only_the_public_key() {
    let k = key(1);
    let token = claims(T0).seal(&k).unwrap();
    assert!(token.starts_with("FC1."));
    let v = verify_credential(&token, &ring_of(&[(&k, None)]), None, date("2026-11-24"));
    assert_eq!(v.status, CredentialStatus::Valid);
    assert_eq!(v.claims.unwrap().name, "李娜");
    assert_eq!(v.kid.unwrap(), Kid::of(&k.public_key()).to_string());
    assert_eq!(
        v.revocations_seq, None,
        "no list known: the verdict says so"
    );
    // A scanner's trailing newline is not part of the token.
    let again = verify_credential(
        &format!("{token}\n"),
        &ring_of(&[(&k, None)]),
        None,
        date("2026-11-24"),
    );
    assert!(again.is_valid());
}

#[test]
fn a_forged_or_altered_token_is_refused() {
    let center = key(1);
    let keys = ring_of(&[(&center, None)]);
    let today = date("2026-11-24");

    // Signed by somebody else's key under the center's key id.
    let forger = key(2);
    let forged = claims(T0).seal(&forger).unwrap();
    let mut parts: Vec<String> = forged.split('.').map(String::from).collect();
    parts[1] = Kid::of(&center.public_key()).to_string();
    let v = verify_credential(&parts.join("."), &keys, None, today);
    assert_eq!(v.status, CredentialStatus::BadSignature);
    assert_eq!(
        v.claims, None,
        "claims of a forged token are never shown as the center's"
    );

    // A genuine token with its validity pushed out.
    let genuine = claims(T0).seal(&center).unwrap();
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut c = claims(T0);
    c.valid_to = date("2099-12-31");
    let altered_payload = URL_SAFE_NO_PAD.encode(crate::to_canonical_json(&c).unwrap());
    let altered = format!("{}.{}.{}.{}", parts[0], parts[1], altered_payload, parts[3]);
    assert_eq!(
        verify_credential(&altered, &keys, None, today).status,
        CredentialStatus::BadSignature
    );

    // Signed by a key the center never had.
    let stranger = claims(T0).seal(&forger).unwrap();
    assert_eq!(
        verify_credential(&stranger, &keys, None, today).status,
        CredentialStatus::UnknownKey
    );
}

#[test]
fn malformed_text_says_what_is_wrong() {
    let keys = ring_of(&[(&key(1), None)]);
    let today = date("2026-11-24");
    for (text, says) in [
        ("hello", "expected 4 parts"),
        ("FCR1.0123456789abcdef.e30.AAAA", "expected a FC1 token"),
        ("FC1.XYZ.e30.AAAA", "key id"),
        ("FC1.0123456789abcdef.e30.AAAA", "signature has 3 bytes"),
        ("FC1.0123456789abcdef.!!.AAAA", "payload is not base64url"),
    ] {
        match verify_credential(text, &keys, None, today).status {
            CredentialStatus::Malformed { reason } => {
                assert!(reason.contains(says), "{text}: {reason}")
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn a_non_canonical_payload_is_refused_even_when_signed() {
    // The center's own key signing a payload spelled another way: one token, one spelling.
    let k = key(1);
    let kid = Kid::of(&k.public_key());
    let body = serde_json::to_vec_pretty(&claims(T0)).unwrap();
    let signed = format!("FC1.{kid}.{}", URL_SAFE_NO_PAD.encode(&body));
    let sig = k
        .sign_in_context(CONTEXT_CREDENTIAL, signed.as_bytes())
        .unwrap();
    let token = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig.as_bytes()));
    let v = verify_credential(&token, &ring_of(&[(&k, None)]), None, date("2026-11-24"));
    assert_eq!(
        v.status,
        CredentialStatus::Malformed {
            reason: "payload is not in canonical JSON".into()
        }
    );
}

#[test]
fn the_signature_is_bound_to_its_purpose() {
    // A revocation-list signature cannot pass as a credential's.
    let k = key(1);
    let list = RevocationList {
        seq: 1,
        issued_at_ms: T0,
        revoked: vec![],
    };
    let sealed = list.seal(&k).unwrap();
    let as_credential = sealed.replacen("FCR1", "FC1", 1);
    let keys = ring_of(&[(&k, None)]);
    assert_eq!(
        verify_credential(&as_credential, &keys, None, date("2026-11-24")).status,
        CredentialStatus::BadSignature
    );
}

#[test]
fn dates_decide_expired_and_not_yet_valid() {
    let k = key(1);
    let keys = ring_of(&[(&k, None)]);
    let token = claims(T0).seal(&k).unwrap();
    assert_eq!(
        verify_credential(&token, &keys, None, date("2023-12-31")).status,
        CredentialStatus::NotYetValid
    );
    assert!(verify_credential(&token, &keys, None, date("2024-01-01")).is_valid());
    assert!(verify_credential(&token, &keys, None, date("2028-12-31")).is_valid());
    let v = verify_credential(&token, &keys, None, date("2029-01-01"));
    assert_eq!(v.status, CredentialStatus::Expired);
    assert_eq!(
        v.claims.unwrap().number,
        "32050019001",
        "an expired card still shows whose it was"
    );
}

#[test]
fn a_retired_key_verifies_what_it_signed_before_retirement_until_expiry() {
    let old = key(1);
    let new = key(3);
    let retired_at = T0 + 10 * DAY_MS;
    let keys = ring_of(&[(&old, Some(retired_at)), (&new, None)]);
    let before = claims(T0).seal(&old).unwrap();
    assert!(verify_credential(&before, &keys, None, date("2026-11-24")).is_valid());
    assert_eq!(
        verify_credential(&before, &keys, None, date("2029-01-01")).status,
        CredentialStatus::Expired
    );
    let after = claims(retired_at + 1).seal(&old).unwrap();
    assert_eq!(
        verify_credential(&after, &keys, None, date("2026-11-24")).status,
        CredentialStatus::RetiredKey
    );
    assert!(
        verify_credential(
            &claims(retired_at + 1).seal(&new).unwrap(),
            &keys,
            None,
            date("2026-11-24")
        )
        .is_valid()
    );
    assert_eq!(keys.active().unwrap().kid, Kid::of(&new.public_key()));
}

#[test]
fn the_revocation_list_revokes_and_reports_its_age() {
    let k = key(1);
    let keys = ring_of(&[(&k, None)]);
    let list = RevocationList {
        seq: 4,
        issued_at_ms: T0 + DAY_MS,
        revoked: vec![Revocation {
            number: "32050019001".into(),
            revoked_at_ms: T0 + DAY_MS,
            reason: "调离执法岗位".into(),
        }],
    };
    let sealed = list.seal(&k).unwrap();
    let opened = RevocationList::open(&sealed, &keys).unwrap();
    assert_eq!(opened, list);
    let v = verify_credential(
        &claims(T0).seal(&k).unwrap(),
        &keys,
        Some(&opened),
        date("2026-11-24"),
    );
    assert_eq!(
        v.status,
        CredentialStatus::Revoked {
            revoked_at_ms: T0 + DAY_MS,
            reason: "调离执法岗位".into()
        }
    );
    assert_eq!(
        (v.revocations_seq, v.revocations_issued_at_ms),
        (Some(4), Some(T0 + DAY_MS))
    );

    // A list signed by another key, or altered, is not taken.
    let other = list.seal(&key(2)).unwrap();
    assert!(matches!(
        RevocationList::open(&other, &keys),
        Err(CredentialError::UnknownKey { .. })
    ));
    let mut shorter = list.clone();
    shorter.revoked.clear();
    let parts: Vec<&str> = sealed.split('.').collect();
    let forged = format!(
        "{}.{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode(crate::to_canonical_json(&shorter).unwrap()),
        parts[3]
    );
    assert!(matches!(
        RevocationList::open(&forged, &keys),
        Err(CredentialError::BadSignature { .. })
    ));
}

#[test]
fn a_key_set_update_needs_a_key_already_trusted() {
    let k1 = key(1);
    let k2 = key(3);
    let first = SignedKeyring::sign(ring_of(&[(&k1, None)]), &[&k1]).unwrap();
    first.check_first().unwrap();

    // Rotation: the new set is signed by the outgoing key as well as the new one.
    let mut rotated = ring_of(&[(&k1, None), (&k2, None)]);
    rotated.seq = 2;
    let update = SignedKeyring::sign(rotated.clone(), &[&k1, &k2]).unwrap();
    assert_eq!(update.check_update(&first.keyring), Ok(true));
    assert_eq!(
        first.check_update(&update.keyring),
        Ok(false),
        "never back to an older set"
    );

    // A set signed only by a key the device never trusted is refused.
    let intruder = key(9);
    let mut hostile = ring_of(&[(&intruder, None)]);
    hostile.seq = 3;
    let hostile = SignedKeyring::sign(hostile, &[&intruder]).unwrap();
    hostile.check_first().unwrap();
    assert_eq!(
        hostile.check_update(&first.keyring),
        Err(CredentialError::KeyringNotEndorsed)
    );

    // A key id that does not belong to its key is refused.
    let mut lying = update.clone();
    lying.keyring.keys[1].kid = Kid::of(&k1.public_key());
    assert!(matches!(
        lying.check_update(&first.keyring),
        Err(CredentialError::Malformed { .. })
    ));
}

#[test]
fn a_token_fits_a_qr_code_comfortably() {
    // Version 25 at EC level M holds 1,000+ bytes; a real card's token is well under half that.
    let token = claims(T0).seal(&key(1)).unwrap();
    assert!(token.len() < 520, "{} chars", token.len());
}
