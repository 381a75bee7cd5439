//! Float spelling: documented examples, and a 200 000-value cross-check of ryu
//! against an independent oracle built from Rust's exact formatting.

use super::format_finite;

#[test]
#[allow(
    clippy::excessive_precision,
    reason = "685047179210286.25 is exact; the tie is the point"
)]
fn layout_examples() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (-1.0, "-1.0"),
        (100.0, "100.0"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (0.3, "0.3"),
        (0.1 + 0.2, "0.30000000000000004"),
        (12.375, "12.375"),
        (123456.789, "123456.789"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (1.5e16, "1.5e16"),
        (9007199254740993.0, "9007199254740992.0"),
        (685047179210286.25, "685047179210286.2"), // tie → even last digit
        (1e21, "1e21"),
        (1.5e300, "1.5e300"),
        (0.0001, "0.0001"),
        (0.00001, "0.00001"),
        (0.000012345, "0.000012345"),
        (0.000001, "1e-6"),
        (1.2345e-7, "1.2345e-7"),
        (f64::MAX, "1.7976931348623157e308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
        (-5e-324, "-5e-324"),
        (118.7674, "118.7674"),
        (32.0415, "32.0415"),
    ];
    for &(v, want) in cases {
        assert_eq!(format_finite(v), want, "{v:?}");
        assert_eq!(
            want.parse::<f64>().map(f64::to_bits),
            Ok(v.to_bits()),
            "{want}"
        );
    }
}

/// The documented layout applied to Rust's shortest digits (which may differ
/// from the canonical ones only on exact ties).
fn oracle(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len() as i32;
    let p = exp.parse::<i32>().unwrap() + 1; // value = 0.DIGITS × 10^p
    let sign = if v < 0.0 { "-" } else { "" };
    if n <= p && p <= 16 {
        format!("{sign}{digits}{}.0", "0".repeat((p - n) as usize))
    } else if 0 < p && p <= 16 {
        let (int, frac) = digits.split_at(p as usize);
        format!("{sign}{int}.{frac}")
    } else if -5 < p && p <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-p) as usize))
    } else {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{sign}{first}{dot}{rest}e{}", p - 1)
    }
}

/// Whether `a` and `b` are the two equally close shortest spellings of `v`
/// and `a` is the one ending in an even digit.
fn is_even_tie_choice(v: f64, a: &str, b: &str) -> bool {
    let exact = format!("{:.800e}", v.abs()); // Rust's precision formatting is exact
    let (m, _) = exact.split_once('e').unwrap();
    let exact_digits = m.replace('.', "");
    let exact_digits = exact_digits.trim_end_matches('0');
    let digits = |s: &str| -> String {
        let m = s.split_once('e').map_or(s, |(m, _)| m);
        m.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .trim_start_matches('0')
            .to_owned()
    };
    let (da, db) = (digits(a), digits(b));
    da.len() == db.len()
        && exact_digits.len() == da.len() + 1
        && exact_digits.ends_with('5')
        && (da.as_bytes()[da.len() - 1] - b'0').is_multiple_of(2)
        && a.parse::<f64>().unwrap().to_bits() == v.to_bits()
        && b.parse::<f64>().unwrap().to_bits() == v.to_bits()
}

/// SplitMix64, for deterministic random floats.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn matches_oracle_except_even_ties_and_round_trips() {
    let mut state = 42;
    let (mut checked, mut ties) = (0, 0);
    for i in 0..200_000u32 {
        let v = match i % 4 {
            // Arbitrary bit patterns cover every exponent.
            0 | 1 => f64::from_bits(splitmix(&mut state)),
            // Short decimals like sensor readings and coordinates.
            2 => (splitmix(&mut state) % 10_000_000) as f64 / 10f64.powi((i % 9) as i32),
            // Integral values near the fixed/scientific boundary, and quarters.
            _ => (splitmix(&mut state) % (1 << 52)) as f64 / 4.0,
        };
        if !v.is_finite() {
            continue;
        }
        let ours = format_finite(v);
        let theirs = oracle(v);
        if ours != theirs {
            assert!(
                is_even_tie_choice(v, &ours, &theirs),
                "{v:?}: {ours} vs {theirs}"
            );
            ties += 1;
        }
        // std's parser is exact (serde_json's is only with `float_roundtrip`).
        assert_eq!(
            ours.parse::<f64>().map(f64::to_bits),
            Ok(v.to_bits()),
            "{ours}"
        );
        assert!(ours.contains('.') || ours.contains('e'), "{ours}");
        checked += 1;
    }
    assert!(checked > 190_000);
    assert!(ties > 0, "the generator should hit some exact ties");
}
