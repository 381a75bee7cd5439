//! Ed25519 tests: RFC 8032 vectors, key storage, domain separation, text forms.

use super::*;

fn unhex<const N: usize>(s: &str) -> [u8; N] {
    crate::lower_hex::decode(s).unwrap()
}

/// (secret seed, public key, message, signature) from RFC 8032 §7.1.
const RFC8032: [(&str, &str, &str, &str); 2] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
         5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
         085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
];

#[test]
fn rfc8032_vectors() {
    for (seed, public, msg, sig) in RFC8032 {
        let kp = KeyPair::from_seed_unchecked(unhex(seed)).unwrap();
        assert_eq!(kp.public_key().to_string(), public);
        let msg = hex::decode(msg).unwrap();
        let s = kp.sign(&msg);
        assert_eq!(s.to_string(), sig);
        assert_eq!(s, Signature::from_bytes(unhex(sig)));
        kp.public_key().verify(&msg, &s).unwrap();
        // The public key alone (as the server holds it) verifies too.
        PublicKey::from_bytes(unhex(public))
            .verify(&msg, &s)
            .unwrap();
    }
}

#[test]
fn seed_pkcs8_is_a_v1_document_that_reloads() {
    let seed: [u8; 32] = unhex(RFC8032[0].0);
    let kp = KeyPair::from_seed_unchecked(seed).unwrap();
    let doc = kp.pkcs8();
    assert_eq!(hex::encode(&doc[..16]), "302e020100300506032b657004220420");
    assert_eq!(&doc[16..], &seed);
    let again = KeyPair::from_pkcs8(doc).unwrap();
    assert_eq!(again.public_key(), kp.public_key());
    assert_eq!(again.sign(b"x"), kp.sign(b"x"));
}

#[test]
fn generated_keys_round_trip_through_pkcs8() {
    let kp = KeyPair::generate().unwrap();
    let again = KeyPair::from_pkcs8(kp.pkcs8()).unwrap();
    assert_eq!(again.public_key(), kp.public_key());
    let sig = again.sign(b"hello");
    kp.public_key().verify(b"hello", &sig).unwrap();
    assert_ne!(KeyPair::generate().unwrap().public_key(), kp.public_key());
}

#[test]
fn invalid_pkcs8_is_refused() {
    let e = KeyPair::from_pkcs8(b"not a key").unwrap_err();
    assert!(matches!(e, SignError::InvalidKey { .. }), "{e}");
    assert!(
        e.to_string().starts_with("invalid Ed25519 PKCS#8 key"),
        "{e}"
    );
    // A v2 document whose public key was tampered with is refused.
    let kp = KeyPair::generate().unwrap();
    let mut doc = kp.pkcs8().to_vec();
    let last = doc.len() - 1;
    doc[last] ^= 1;
    assert!(KeyPair::from_pkcs8(&doc).is_err());
}

#[test]
fn debug_does_not_leak_the_secret() {
    let seed: [u8; 32] = unhex(RFC8032[0].0);
    let kp = KeyPair::from_seed_unchecked(seed).unwrap();
    let dbg = format!("{kp:?}");
    assert!(dbg.contains(RFC8032[0].1), "{dbg}");
    assert!(dbg.contains("<redacted>"), "{dbg}");
    assert!(!dbg.contains(RFC8032[0].0), "{dbg}");
    assert!(!dbg.contains(&hex::encode(kp.pkcs8())), "{dbg}");
    assert!(!dbg.contains("157, 97"), "{dbg}"); // seed as a decimal byte list
}

#[test]
fn signing_message_layout() {
    assert_eq!(
        signing_message("op", b"{}"),
        b"fieldcase/v1/op\x00{}".to_vec()
    );
    assert_eq!(
        signing_message(CONTEXT_AUDIT, b""),
        b"fieldcase/v1/audit\x00".to_vec()
    );
}

#[test]
fn contexts_separate_domains() {
    let kp = KeyPair::from_seed_unchecked([9; 32]).unwrap();
    let pk = kp.public_key();
    let payload = br#"{"case":"x"}"#;
    let sig = kp.sign_in_context(CONTEXT_OP, payload).unwrap();
    pk.verify_in_context(CONTEXT_OP, payload, &sig).unwrap();
    pk.verify(&signing_message(CONTEXT_OP, payload), &sig)
        .unwrap();
    let e = pk
        .verify_in_context(CONTEXT_AUDIT, payload, &sig)
        .unwrap_err();
    assert_eq!(
        e,
        SignError::BadSignature {
            public_key: pk.to_string()
        }
    );
    assert!(pk.verify(payload, &sig).is_err());
    assert!(
        pk.verify_in_context(CONTEXT_OP, br#"{"case":"y"}"#, &sig)
            .is_err()
    );
    let other = KeyPair::from_seed_unchecked([8; 32]).unwrap().public_key();
    assert!(other.verify_in_context(CONTEXT_OP, payload, &sig).is_err());
}

#[test]
fn bad_contexts_are_refused() {
    let kp = KeyPair::from_seed_unchecked([9; 32]).unwrap();
    for bad in ["", "a\0b", "Audit", "op ", "审计", &"x".repeat(65)] {
        let e = kp.sign_in_context(bad, b"").unwrap_err();
        assert_eq!(
            e,
            SignError::InvalidContext {
                context: bad.to_owned()
            }
        );
        let sig = kp.sign(b"");
        assert!(kp.public_key().verify_in_context(bad, b"", &sig).is_err());
    }
    for good in [
        CONTEXT_AUDIT,
        CONTEXT_OP,
        CONTEXT_SIGNATURE,
        "credential/v2",
        "a.b_c-d",
    ] {
        check_context(good).unwrap();
    }
}

#[test]
fn text_and_serde_forms() {
    let kp = KeyPair::from_seed_unchecked(unhex(RFC8032[1].0)).unwrap();
    let pk = kp.public_key();
    let sig = kp.sign(&[0x72]);
    assert_eq!(pk.to_string().parse::<PublicKey>(), Ok(pk));
    assert_eq!(sig.to_string().parse::<Signature>(), Ok(sig));
    assert_eq!(format!("{pk:?}"), format!("PublicKey({})", RFC8032[1].1));
    assert!(format!("{sig:?}").starts_with("Signature(92a009a9"));
    let json = serde_json::to_string(&(pk, sig)).unwrap();
    assert_eq!(json, format!("[\"{}\",\"{}\"]", RFC8032[1].1, RFC8032[1].3));
    let (pk2, sig2): (PublicKey, Signature) = serde_json::from_str(&json).unwrap();
    assert_eq!((pk2, sig2), (pk, sig));
    assert_eq!(PublicKey::from_bytes(*pk.as_bytes()), pk);
    assert_eq!(Signature::from_bytes(*sig.as_bytes()), sig);

    let upper = RFC8032[1].1.to_uppercase();
    let e = upper.parse::<PublicKey>().unwrap_err();
    assert!(e.to_string().contains(&upper), "{e}");
    let short = &RFC8032[1].3[2..];
    let e = short.parse::<Signature>().unwrap_err();
    assert!(e.to_string().contains(short), "{e}");
    assert!(RFC8032[1].3.parse::<PublicKey>().is_err());
    assert!(serde_json::from_str::<Signature>("\"00\"").is_err());
}
