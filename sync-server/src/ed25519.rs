//! The center's Ed25519 rules: which device keys it enrolls, and how it checks a pushed batch's
//! signatures together.
//!
//! Checking signatures is most of a push's CPU: ring verifies one in about 30 µs here, so 10,000
//! pushed links cost 0.3 s of a core. All links of one push are signed by the same device key,
//! and a batch verification (ed25519-zebra) that coalesces that key's terms checks 50 of them in
//! about 7 µs each. ring stays the signer and the strict verifier: when a batch fails, ring finds
//! the first link that does not verify, and the case detail re-verifies every link with ring on
//! each read.
//!
//! The two agree on every signature an honest signer makes. They differ only on signatures
//! built on purpose, with the device's own private key, around a small-order component or a
//! non-canonical point encoding: the batch follows ZIP 215 (the cofactored equation), ring the
//! cofactorless one. Such a link would be accepted at push and then shown as not verified on the
//! case detail, which is where the evidence-grade answer is given. Keys that would let anyone
//! build signatures (small-order or mixed-order points) are refused at enrollment.

use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_zebra::{VerificationKeyBytes, batch};
use fieldcase_protocol::{PublicKey, Signature};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// Whether `key` may be enrolled: a canonical encoding of a point of the prime-order subgroup,
/// other than the identity. A small-order key verifies forged signatures under either equation.
pub fn usable_device_key(key: &PublicKey) -> bool {
    let bytes = *key.as_bytes();
    CompressedEdwardsY(bytes).decompress().is_some_and(|p| {
        p.compress().to_bytes() == bytes && !p.is_small_order() && p.is_torsion_free()
    })
}

/// Verifies every `(message, signature)` under `key`. On failure answers the index of the first
/// one that ring does not verify.
pub fn verify_all(key: &PublicKey, items: &[(Vec<u8>, Signature)]) -> Result<(), usize> {
    let vk = VerificationKeyBytes::from(*key.as_bytes());
    let mut batch = batch::Verifier::new();
    for (message, sig) in items {
        batch.queue((vk, ed25519_zebra::Signature::from(*sig.as_bytes()), message));
    }
    // The random coefficients are what make a batch sound: they must be unpredictable to the
    // signer, so they come from a ChaCha20 stream keyed by the OS for this batch alone. (Drawn
    // from the OS directly, each coefficient was a getrandom system call: 200 batches of 50
    // took 98 ms that way against 93.5 ms now.)
    // Without the OS's randomness there is no sound batch: ring checks each one instead.
    if ChaCha20Rng::from_rng(rand_core_06::OsRng).is_ok_and(|rng| batch.verify(rng).is_ok()) {
        return Ok(());
    }
    match items.iter().position(|(m, s)| key.verify(m, s).is_err()) {
        Some(i) => Err(i),
        // Unreachable for well-formed input (ring accepts a subset of what the batch does), but if
        // it happened ring, the strict verifier, has the last word and accepted every one.
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldcase_protocol::KeyPair;

    fn signed(key: &KeyPair, n: usize) -> Vec<(Vec<u8>, Signature)> {
        (0..n)
            .map(|i| {
                let m = format!("link {i}").into_bytes();
                let s = key.sign(&m);
                (m, s)
            })
            .collect()
    }

    fn key(seed: u8) -> KeyPair {
        KeyPair::from_seed_unchecked([seed; 32]).expect("key")
    }

    #[test]
    fn a_batch_of_good_signatures_verifies() {
        let k = key(1);
        assert_eq!(verify_all(&k.public_key(), &signed(&k, 50)), Ok(()));
        assert_eq!(verify_all(&k.public_key(), &[]), Ok(()));
    }

    #[test]
    fn the_first_bad_signature_is_named() {
        let k = key(2);
        let mut items = signed(&k, 20);
        // A signature from another key, then a message changed after signing.
        items[7].1 = key(3).sign(&items[7].0);
        items[12].0.push(b'!');
        assert_eq!(verify_all(&k.public_key(), &items), Err(7));
        items[7] = signed(&k, 8).pop().expect("one");
        assert_eq!(verify_all(&k.public_key(), &items), Err(12));
        // Under the wrong key every one fails; the first is named.
        assert_eq!(verify_all(&key(4).public_key(), &signed(&k, 3)), Err(0));
    }

    /// The documented disagreement, made: a key holder adds a point of order 8 to R. The batch
    /// (cofactored) accepts it; ring (cofactorless), which the case page uses, refuses it.
    #[test]
    fn a_torsion_signature_passes_the_batch_and_fails_ring() {
        use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
        use curve25519_dalek::scalar::Scalar;
        let wide = |parts: &[&[u8]]| {
            let mut ctx = ring::digest::Context::new(&ring::digest::SHA512);
            parts.iter().for_each(|p| ctx.update(p));
            let mut w = [0u8; 64];
            w.copy_from_slice(ctx.finish().as_ref());
            Scalar::from_bytes_mod_order_wide(&w)
        };
        let a = wide(&[b"secret"]);
        let public = (B * a).compress().to_bytes();
        let message = b"link 1".to_vec();
        let r = wide(&[b"nonce"]);
        let big_r = (B * r + EIGHT_TORSION[1]).compress().to_bytes();
        let k = wide(&[&big_r, &public, &message]);
        let s_bytes = (r + k * a).to_bytes();
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&big_r);
        sig[32..].copy_from_slice(&s_bytes);
        let (key, sig) = (PublicKey::from_bytes(public), Signature::from_bytes(sig));
        assert!(usable_device_key(&key));
        assert!(key.verify(&message, &sig).is_err(), "ring refuses it");
        let mut batch = batch::Verifier::new();
        batch.queue((
            VerificationKeyBytes::from(public),
            ed25519_zebra::Signature::from(*sig.as_bytes()),
            &message,
        ));
        assert!(
            batch.verify(rand_core_06::OsRng).is_ok(),
            "the batch accepts it"
        );
    }

    #[test]
    fn small_order_and_non_canonical_keys_are_refused() {
        assert!(usable_device_key(&key(5).public_key()));
        // The identity (y = 1) and the order-2 point (y = -1).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(!usable_device_key(&PublicKey::from_bytes(identity)));
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        assert!(!usable_device_key(&PublicKey::from_bytes(minus_one)));
        // y = p + 1 encodes the identity non-canonically.
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        assert!(!usable_device_key(&PublicKey::from_bytes(non_canonical)));
        // A good key plus a point of order 8: mixed order.
        let good = CompressedEdwardsY(*key(6).public_key().as_bytes())
            .decompress()
            .expect("point");
        let torsion = curve25519_dalek::constants::EIGHT_TORSION[1];
        let mixed = (good + torsion).compress().to_bytes();
        assert!(!usable_device_key(&PublicKey::from_bytes(mixed)));
    }
}
