//! The canonical spelling of a finite `f64` (rule 5 in the module docs).
//!
//! The digits are the shortest that round-trip, closest to the exact value,
//! and on an exact tie the one whose last digit is even — the rule of
//! ECMAScript's `Number.prototype.toString`, Python's `repr` and the `ryu`
//! crate. Rust's own `{}`/`{:e}` formatting breaks such ties upwards instead
//! (685047179210286.25 → `…286.3`, not `…286.2`), and serde_json has changed
//! float formatters between releases, so neither is used: the `ryu` crate,
//! whose output is pinned by the vectors in `tests/canonical_vectors.rs`,
//! writes the digits and the layout.

/// Formats a finite `v` canonically. Callers have already refused NaN/±∞.
pub(super) fn format_finite(v: f64) -> String {
    ryu::Buffer::new().format_finite(v).to_owned()
}

#[cfg(test)]
mod tests;
