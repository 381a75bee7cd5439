//! The one canonical JSON encoding for everything that is hashed or signed.
//!
//! A signature or hash over JSON is only checkable if signer and verifier
//! produce the *same bytes* from the same value, on every platform and in
//! every future version. Ordinary serializers do not promise that (field order
//! follows declaration order, `HashMap` order is random, float formatting has
//! changed between serde_json releases), so this module has its own writer with
//! fixed rules. These rules are a wire format: changing any of them breaks
//! every stored signature. `crates/protocol/CANONICAL.md` repeats them with
//! test vectors for implementers in other languages.
//!
//! # Rules
//!
//! 1. Output is UTF-8 JSON with no insignificant whitespace (no spaces, no
//!    newlines, no trailing newline).
//! 2. Objects: members are sorted by the UTF-8 bytes of their keys (bytewise,
//!    not by UTF-16 code units and not locale-aware: `"z"` < `"é"` < `"张"`).
//!    A duplicate key is an error ([`CanonicalError::DuplicateKey`]). Map keys
//!    must serialize as strings; integer keys are written as their decimal
//!    string (and then sort as strings: `"10"` < `"9"`), unit enum variants as
//!    their name; anything else is [`CanonicalError::KeyMustBeString`].
//! 3. Strings: `"` → `\"`, `\` → `\\`; U+0008 → `\b`, U+000C → `\f`,
//!    U+000A → `\n`, U+000D → `\r`, U+0009 → `\t`; every other U+0000–U+001F →
//!    `\u00XX` with lowercase hex (`\u001f`). Everything else is written raw
//!    as UTF-8, including `/`, U+007F, non-ASCII such as `张三`, and U+2028/U+2029.
//! 4. Integers (`i8`…`i128`, `u8`…`u128`) are written in plain decimal: an
//!    optional `-`, no leading zeros, no `+`, no exponent, no fraction.
//! 5. Floats: `f32` is first widened to `f64` exactly (`0.1f32` is written as
//!    `0.10000000149011612`). A finite `f64` is written with the fewest
//!    significant digits that parse back to the same `f64`; among those, the
//!    closest to the exact value; on an exact tie, the one whose last digit is
//!    even (as ECMAScript `Number#toString`, Python `repr` and the `ryu` crate
//!    do). The layout is the `ryu` crate's (serde_json's before it moved to
//!    the `zmij` crate, which writes `1e+21`; the canonical form is computed
//!    here, never by serde_json). With `d` the digit string (no leading or
//!    trailing zeros, length `n`) and `p` the position of the decimal point
//!    (value = `0.d × 10^p`):
//!    - `n <= p <= 16` → digits, `p - n` zeros, `.0`: `1.0`, `100.0`,
//!      `1e15` → `1000000000000000.0`;
//!    - `0 < p <= 16` (and `p < n`) → point inside the digits: `1.5`, `123456.789`;
//!    - `-5 < p <= 0` → `0.`, `-p` zeros, digits: `0.1`, `0.00001`;
//!    - otherwise scientific: first digit, `.` and the remaining digits if
//!      any, `e`, the exponent `p - 1` with `-` if negative and never `+`:
//!      `1e16`, `1.5e300`, `1e-6`, `1.2345e-7`, `5e-324`.
//!
//!    A minus sign is prefixed for negative values, including `-0.0`. A float
//!    is always written with a `.` or an `e` so it never reads back as an
//!    integer. NaN and ±Infinity are refused ([`CanonicalError::NonFiniteNumber`]).
//! 6. `None`, `()` and unit structs → `null`; `bool` → `true`/`false`; `char` →
//!    a one-character string; byte slices → arrays of integers; sequences,
//!    tuples and tuple structs → arrays; newtype structs → their content.
//! 7. Enums are externally tagged as in serde_json: unit variant → `"Name"`,
//!    newtype variant → `{"Name":value}`, tuple variant → `{"Name":[…]}`,
//!    struct variant → `{"Name":{…}}`. (`#[serde(tag/untagged)]` work too:
//!    serde turns them into plain maps.)
//! 8. serde_json's `RawValue` and `arbitrary_precision` numbers are refused
//!    ([`CanonicalError::Unsupported`]): they would carry bytes in someone
//!    else's spelling.
//!
//! The output is valid JSON that serde_json (and any JSON parser with IEEE
//! doubles) reads back to the same value, and re-encoding that value gives the
//! same bytes.

mod emit;
mod float;
mod key;
mod tree;

use serde::Serialize;

use crate::hash::Sha256;

/// Why a value has no canonical encoding. `path` locates the problem in the
/// value, JSONPath-style relative to the root `$` (e.g. `.readings[3].value`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// A float was NaN or ±Infinity, which JSON cannot represent.
    #[error("non-finite number {value} at ${path}: canonical JSON allows only finite numbers")]
    NonFiniteNumber {
        /// `NaN`, `inf` or `-inf`.
        value: String,
        /// Where in the value.
        path: String,
    },
    /// The same key appeared twice in one object (e.g. via `#[serde(flatten)]`).
    #[error("duplicate key {key:?} at ${path}")]
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// Where in the value (the object holding the key).
        path: String,
    },
    /// A map key serialized as something other than a string, integer or unit variant.
    #[error("map key at ${path} is {kind}; canonical JSON keys must be strings (or integers)")]
    KeyMustBeString {
        /// What the key serialized as.
        kind: &'static str,
        /// Where in the value (the map holding the key).
        path: String,
    },
    /// A serde_json special type whose bytes cannot be made canonical.
    #[error("{what} at ${path} is not supported in canonical JSON")]
    Unsupported {
        /// The unsupported thing.
        what: String,
        /// Where in the value.
        path: String,
    },
    /// The value's own `Serialize` implementation failed.
    #[error("serializing the value failed at ${path}: {message}")]
    Custom {
        /// The message from the `Serialize` implementation.
        message: String,
        /// Where in the value.
        path: String,
    },
}

impl CanonicalError {
    /// Prefixes the error's path with one more outer segment.
    fn within(mut self, segment: &str) -> CanonicalError {
        let path = match &mut self {
            CanonicalError::NonFiniteNumber { path, .. }
            | CanonicalError::DuplicateKey { path, .. }
            | CanonicalError::KeyMustBeString { path, .. }
            | CanonicalError::Unsupported { path, .. }
            | CanonicalError::Custom { path, .. } => path,
        };
        path.insert_str(0, segment);
        self
    }
}

impl serde::ser::Error for CanonicalError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CanonicalError::Custom {
            message: msg.to_string(),
            path: String::new(),
        }
    }
}

/// Encodes `value` as canonical JSON bytes (see the module docs for the rules).
pub fn to_canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let node = value.serialize(tree::NodeSerializer)?;
    let mut out = Vec::with_capacity(128);
    emit::write(&node, &mut out);
    Ok(out)
}

/// Appends `s` as a canonical JSON string literal (rule 3), for a caller that writes a fixed
/// shape itself (`chain::header_hash`).
pub(crate) fn write_str(s: &str, out: &mut Vec<u8>) {
    emit::write_str(s, out);
}

/// SHA-256 of [`to_canonical_json`]`(value)`.
pub fn canonical_hash<T: Serialize + ?Sized>(value: &T) -> Result<Sha256, CanonicalError> {
    Ok(Sha256::of(&to_canonical_json(value)?))
}

#[cfg(test)]
mod tests;
