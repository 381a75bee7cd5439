//! SHA-256: the content address of every blob and the link of the audit chain.
//!
//! Evidence is hashed at capture, blobs are stored and uploaded under their
//! hash, signatures bind to the hash of an exact transcript version, and the
//! server refuses a blob whose bytes do not match. One type for all of that
//! keeps hashes from being confused with other 32-byte values, and one text
//! form (64 lowercase hex digits) keeps them comparable as strings.

use std::fmt;
use std::str::FromStr;

use ring::digest;

use crate::serde_str::string_serde;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256([u8; 32]);

/// The text was not 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SHA-256 {input:?}: expected 64 lowercase hex digits")]
pub struct HashError {
    /// The rejected text.
    pub input: String,
}

impl Sha256 {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256 {
        let mut h = Sha256Hasher::new();
        h.update(bytes);
        h.finish()
    }

    /// Wraps 32 raw digest bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Sha256 {
        Sha256(bytes)
    }

    /// The 32 raw digest bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::lower_hex::write(&self.0, f)
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

impl FromStr for Sha256 {
    type Err = HashError;

    fn from_str(s: &str) -> Result<Sha256, HashError> {
        crate::lower_hex::decode(s)
            .map(Sha256)
            .ok_or_else(|| HashError {
                input: s.to_owned(),
            })
    }
}

string_serde!(Sha256, "a SHA-256 as 64 lowercase hex digits");

/// Incremental SHA-256 for data that arrives in pieces (photos, uploads).
#[derive(Clone)]
pub struct Sha256Hasher {
    ctx: digest::Context,
    len: u64,
}

impl Sha256Hasher {
    /// A hasher that has seen no bytes yet.
    pub fn new() -> Sha256Hasher {
        Sha256Hasher {
            ctx: digest::Context::new(&digest::SHA256),
            len: 0,
        }
    }

    /// Feeds more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.ctx.update(bytes);
        self.len = self.len.saturating_add(bytes.len() as u64);
    }

    /// How many bytes have been fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no bytes have been fed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Sha256 {
        let d = self.ctx.finish();
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        Sha256(out)
    }
}

impl Default for Sha256Hasher {
    fn default() -> Self {
        Sha256Hasher::new()
    }
}

impl fmt::Debug for Sha256Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sha256Hasher")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Lets callers `std::io::copy` a reader into the hasher. Writing only hashes
/// in memory; it never fails.
impl std::io::Write for Sha256Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 180-2 / NIST CSRC example vectors.
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const MSG_448: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    const MSG_448_HASH: &str = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

    #[test]
    fn fips_vectors() {
        assert_eq!(Sha256::of(b"").to_string(), EMPTY);
        assert_eq!(Sha256::of(b"abc").to_string(), ABC);
        assert_eq!(MSG_448.len() * 8, 448);
        assert_eq!(Sha256::of(MSG_448).to_string(), MSG_448_HASH);
    }

    #[test]
    fn million_a() {
        let mut h = Sha256Hasher::new();
        let chunk = [b'a'; 1000];
        for _ in 0..1000 {
            h.update(&chunk);
        }
        assert_eq!(h.len(), 1_000_000);
        assert_eq!(
            h.finish().to_string(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn streaming_equals_one_shot_for_any_split() {
        for split in 0..=MSG_448.len() {
            let mut h = Sha256Hasher::default();
            assert!(h.is_empty());
            h.update(&MSG_448[..split]);
            h.update(&MSG_448[split..]);
            assert_eq!(h.finish(), Sha256::of(MSG_448));
        }
        let mut h = Sha256Hasher::new();
        std::io::copy(&mut &MSG_448[..], &mut h).unwrap();
        assert_eq!(h.finish().to_string(), MSG_448_HASH);
    }

    #[test]
    fn text_serde_and_debug() {
        let h = Sha256::of(b"abc");
        assert_eq!(ABC.parse::<Sha256>(), Ok(h));
        assert_eq!(Sha256::from_bytes(*h.as_bytes()), h);
        assert_eq!(format!("{h:?}"), format!("Sha256({ABC})"));
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{ABC}\""));
        assert_eq!(serde_json::from_str::<Sha256>(&json).unwrap(), h);
        for bad in [
            ABC.to_uppercase(),
            ABC[1..].to_owned(),
            format!("{ABC}0"),
            String::new(),
        ] {
            let e = bad.parse::<Sha256>().unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
        assert!(serde_json::from_str::<Sha256>("\"xyz\"").is_err());
    }

    #[test]
    fn ord_is_byte_order_and_matches_text_order() {
        let a = Sha256::from_bytes([0; 32]);
        let mut bb = [0; 32];
        bb[31] = 1;
        let b = Sha256::from_bytes(bb);
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }
}
