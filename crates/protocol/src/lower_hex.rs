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

/// Writes `bytes` as lowercase hex into `f`, through a stack buffer: `hex::encode` builds its
/// `String` a `char` at a time, and the center prints two hashes for every pushed link.
pub(crate) fn write<const N: usize>(
    bytes: &[u8; N],
    f: &mut std::fmt::Formatter<'_>,
) -> std::fmt::Result {
    let mut buf = [0u8; 128];
    // Every value written here is at most 64 bytes (a signature); a longer one takes the slow way.
    let Some(out) = buf.get_mut(..2 * N) else {
        return f.write_str(&hex::encode(bytes));
    };
    hex::encode_to_slice(bytes, out).map_err(|_| std::fmt::Error)?;
    f.write_str(std::str::from_utf8(out).map_err(|_| std::fmt::Error)?)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn writes_lowercase() {
        struct H<const N: usize>([u8; N]);
        impl<const N: usize> std::fmt::Display for H<N> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                super::write(&self.0, f)
            }
        }
        assert_eq!(H([0x0a, 0xff]).to_string(), "0aff");
        assert_eq!(H([0xab; 64]).to_string(), "ab".repeat(64));
        assert_eq!(H([]).to_string(), "");
        assert_eq!(H([0x01; 65]).to_string(), "01".repeat(65));
    }

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
