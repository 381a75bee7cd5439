//! Unit tests for the canonical encoder: value shapes, errors and their paths,
//! and JSON round trips. Float spelling is tested in `float/tests.rs`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::*;

fn canon<T: Serialize + ?Sized>(v: &T) -> String {
    String::from_utf8(to_canonical_json(v).unwrap()).unwrap()
}

#[derive(Serialize)]
enum Shape {
    Unit,
    Newtype(u8),
    Tuple(u8, &'static str),
    Struct { z: u8, a: u8 },
}

#[test]
fn enums_are_externally_tagged_like_serde_json() {
    assert_eq!(canon(&Shape::Unit), r#""Unit""#);
    assert_eq!(canon(&Shape::Newtype(1)), r#"{"Newtype":1}"#);
    assert_eq!(canon(&Shape::Tuple(1, "x")), r#"{"Tuple":[1,"x"]}"#);
    assert_eq!(
        canon(&Shape::Struct { z: 1, a: 2 }),
        r#"{"Struct":{"a":2,"z":1}}"#
    );
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Tagged {
    PhotoAdded { sha256: String, by: String },
}

#[test]
fn internally_tagged_enums_sort_the_tag_too() {
    let v = Tagged::PhotoAdded {
        sha256: "ab".into(),
        by: "li".into(),
    };
    assert_eq!(
        canon(&v),
        r#"{"by":"li","kind":"photo_added","sha256":"ab"}"#
    );
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Wrapper(Option<u8>);

#[test]
fn small_shapes() {
    assert_eq!(canon(&()), "null");
    assert_eq!(canon(&Unit), "null");
    assert_eq!(canon(&Wrapper(None)), "null");
    assert_eq!(canon(&Wrapper(Some(3))), "3");
    assert_eq!(canon(&'张'), r#""张""#);
    assert_eq!(canon(&(1u8, true, "a")), r#"[1,true,"a"]"#);
    assert_eq!(canon(&Bytes(&[0, 255])), "[0,255]");
    assert_eq!(
        canon(&i128::MIN),
        "-170141183460469231731687303715884105728"
    );
    assert_eq!(canon(&u128::MAX), "340282366920938463463374607431768211455");
    assert_eq!(canon(&0.1f32), "0.10000000149011612");
    assert_eq!(canon(&1.5f32), "1.5");
}

/// A value that goes through `serialize_bytes`.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[test]
fn map_keys() {
    let m: BTreeMap<u32, &str> = [(10, "a"), (9, "b")].into();
    assert_eq!(canon(&m), r#"{"10":"a","9":"b"}"#);
    let m: HashMap<char, u8> = [('b', 1), ('a', 2)].into();
    assert_eq!(canon(&m), r#"{"a":2,"b":1}"#);
    #[derive(Serialize, PartialEq, Eq, Hash)]
    enum K {
        Left,
    }
    let m: HashMap<K, u8> = [(K::Left, 1)].into();
    assert_eq!(canon(&m), r#"{"Left":1}"#);
    let m: HashMap<crate::Id, u8> = [(crate::Id::nil(), 1)].into();
    assert_eq!(canon(&m), r#"{"00000000-0000-0000-0000-000000000000":1}"#);
}

#[test]
fn non_string_keys_are_refused_with_location() {
    #[derive(Serialize)]
    struct Doc {
        flags: BTreeMap<bool, u8>,
    }
    let d = Doc {
        flags: [(true, 1)].into(),
    };
    let e = to_canonical_json(&d).unwrap_err();
    assert_eq!(
        e,
        CanonicalError::KeyMustBeString {
            kind: "a bool",
            path: ".flags".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "map key at $.flags is a bool; canonical JSON keys must be strings (or integers)"
    );
    let m: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
    assert!(matches!(
        to_canonical_json(&m),
        Err(CanonicalError::KeyMustBeString {
            kind: "a tuple",
            ..
        })
    ));
}

#[derive(Serialize)]
struct Reading {
    value: f64,
}

#[derive(Serialize)]
struct Sample {
    #[serde(rename = "点位")]
    point: String,
    readings: Vec<Reading>,
}

#[test]
fn nan_and_infinity_are_refused_with_path() {
    for (bad, text) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        let s = Sample {
            point: "P1".into(),
            readings: vec![Reading { value: 1.0 }, Reading { value: bad }],
        };
        let e = to_canonical_json(&s).unwrap_err();
        assert_eq!(
            e,
            CanonicalError::NonFiniteNumber {
                value: text.into(),
                path: ".readings[1].value".into()
            }
        );
        assert!(e.to_string().contains("$.readings[1].value"), "{e}");
        assert!(canonical_hash(&s).is_err());
        // serde_json would have quietly written null here.
        assert!(serde_json::to_string(&s).unwrap().contains("null"));
    }
    assert!(to_canonical_json(&f32::NAN).is_err());
    assert!(to_canonical_json(&Some(f64::INFINITY)).is_err());
    let e = to_canonical_json(&Shape2::V(f64::NAN)).unwrap_err();
    assert!(e.to_string().contains("$.V"), "{e}");
    let m: HashMap<&str, f64> = [("温度 °C", f64::NAN)].into();
    let e = to_canonical_json(&m).unwrap_err();
    assert!(e.to_string().contains(r#"$["温度 °C"]"#), "{e}");
}

#[derive(Serialize)]
enum Shape2 {
    V(f64),
}

#[test]
fn duplicate_keys_are_refused() {
    #[derive(Serialize)]
    struct Inner {
        a: u8,
    }
    #[derive(Serialize)]
    struct Outer {
        a: u8,
        #[serde(flatten)]
        inner: Inner,
    }
    let e = to_canonical_json(&Outer {
        a: 1,
        inner: Inner { a: 2 },
    })
    .unwrap_err();
    assert_eq!(
        e,
        CanonicalError::DuplicateKey {
            key: "a".into(),
            path: String::new()
        }
    );
    assert_eq!(e.to_string(), r#"duplicate key "a" at $"#);
}

#[test]
fn custom_serialize_errors_carry_the_path() {
    struct Broken;
    impl Serialize for Broken {
        fn serialize<S: serde::Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("broken on purpose"))
        }
    }
    let v: BTreeMap<&str, Vec<Broken>> = [("x", vec![Broken])].into();
    let e = to_canonical_json(&v).unwrap_err();
    assert_eq!(
        e.to_string(),
        "serializing the value failed at $.x[0]: broken on purpose"
    );
}

#[test]
fn serde_json_value_round_trips_to_identical_bytes() {
    let text = r#"{"z":[1,-2,3.5,1e300,"\u0001é"],"a":{"y":null,"b":true},"":0.0}"#;
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let once = to_canonical_json(&v).unwrap();
    assert_eq!(
        String::from_utf8(once.clone()).unwrap(),
        r#"{"":0.0,"a":{"b":true,"y":null},"z":[1,-2,3.5,1e300,"\u0001é"]}"#
    );
    let again: serde_json::Value = serde_json::from_slice(&once).unwrap();
    assert_eq!(again, v);
    assert_eq!(to_canonical_json(&again).unwrap(), once);
}
