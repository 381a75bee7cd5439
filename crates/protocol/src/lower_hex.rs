//! Strict lowercase-hex decoding for fixed-size byte strings.
//!
//! Hashes, public keys and signatures are written as lowercase hex. Accepting
//! uppercase too would give one value two spellings, and a payload that was
//! signed with one spelling would no longer verify after a parse → print round
//! trip. So exactly one spelling is accepted.

/// Decodes exactly `2 * N` lowercase hex digits; `None` for anything else.
pub(crate) fn decode<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn strict() {
        assert_eq!(decode::<2>("0aff"), Some([0x0a, 0xff]));
        assert_eq!(decode::<2>("0AFF"), None);
        assert_eq!(decode::<2>("0af"), None);
        assert_eq!(decode::<2>("0aff0"), None);
        assert_eq!(decode::<2>("0ag0"), None);
        assert_eq!(decode::<2>("+aff"), None);
        assert_eq!(decode::<1>("é"), None);
    }
}
