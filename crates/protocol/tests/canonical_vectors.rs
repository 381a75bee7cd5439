//! Canonical JSON test vectors: fixed inputs → exact bytes → SHA-256.
//!
//! Any implementation of the rules in `CANONICAL.md` (on any platform, in any
//! language) must produce exactly these bytes and hashes. The expected strings
//! were written by hand and their hashes computed with an independent tool;
//! the non-float vectors were also checked against Python's `json.dumps(v,
//! ensure_ascii=False, separators=(",", ":"), sort_keys=True)`.

use std::collections::{BTreeMap, HashMap};

use fieldcase_protocol::{Hlc, Id, Sha256, canonical_hash, to_canonical_json};
use serde::Serialize;
use serde_json::json;

/// Checks bytes and hash of one vector, and that the bytes read back through
/// serde_json re-encode to themselves.
#[track_caller]
fn check<T: Serialize + ?Sized>(value: &T, expected: &str, sha256: &str) {
    let bytes = to_canonical_json(value).unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    assert_eq!(bytes, expected.as_bytes());
    assert_eq!(canonical_hash(value).unwrap().to_string(), sha256);
    assert_eq!(Sha256::of(expected.as_bytes()).to_string(), sha256);
    let reparsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        to_canonical_json(&reparsed).unwrap(),
        bytes,
        "re-encoding changed the bytes"
    );
}

#[test]
fn v01_empty_object() {
    let v: BTreeMap<String, u8> = BTreeMap::new();
    check(
        &v,
        "{}",
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    );
}

#[test]
fn v02_empty_array() {
    check(
        &Vec::<u8>::new(),
        "[]",
        "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    );
}

#[test]
fn v03_null() {
    check(
        &None::<u8>,
        "null",
        "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b",
    );
}

#[test]
fn v04_key_order_bytewise_utf8() {
    let v: HashMap<&str, i32> = [
        ("z", 1),
        ("é", 2),
        ("张", 3),
        ("a", 4),
        ("Z", 5),
        ("", 6),
        ("aa", 7),
        ("a b", 8),
    ]
    .into();
    check(
        &v,
        r#"{"":6,"Z":5,"a":4,"a b":8,"aa":7,"z":1,"é":2,"张":3}"#,
        "87c73f3293fce2dfcde7e4e0888423bf8f157cb7c077ed4299102b45d0b4b36b",
    );
}

#[test]
fn v05_utf8_order_differs_from_utf16_order() {
    // U+FF61 is EF BD A1 in UTF-8 but FF61 in UTF-16; U+1F600 is F0 9F 98 80 in
    // UTF-8 but D83D DE00 in UTF-16. Bytewise UTF-8 puts U+FF61 first; a
    // UTF-16 sort (JavaScript's default, RFC 8785) would not.
    let v = json!({"😀": 1, "｡": 2});
    check(
        &v,
        r#"{"｡":2,"😀":1}"#,
        "d1d83ba6bff40585e1333a6ebe5e3eaf5edbc7ade11fc9578bb15a93583600f6",
    );
}

#[test]
fn v06_string_escapes() {
    let v = "q\" b\\ /\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}\u{2028}\u{2029} 张三 é 😀";
    check(
        v,
        "\"q\\\" b\\\\ /\\b\\f\\n\\r\\t\\u0000\\u001f\u{7f}\u{2028}\u{2029} 张三 é 😀\"",
        "cc5d57df8f50a01263ee42e2cb771006e6754a77bdd7f5d58788efc0e4841d95",
    );
}

#[test]
fn v07_integer_bounds() {
    #[derive(Serialize)]
    struct Ints(i64, i64, u64, u8, i32, u64);
    let v = Ints(i64::MIN, i64::MAX, u64::MAX, 0, -1, (1 << 53) + 1);
    check(
        &v,
        "[-9223372036854775808,9223372036854775807,18446744073709551615,0,-1,9007199254740993]",
        "8764067aa9fe14810c8fffa79c869dd575085c08adbd08b196313839fc76459c",
    );
}

#[test]
#[allow(
    clippy::excessive_precision,
    reason = "685047179210286.25 is exact; the tie is the point"
)]
fn v08_floats() {
    let v: Vec<f64> = vec![
        1.0,
        0.1,
        -0.0,
        1e21,
        1e-7,
        1.5e300,
        0.1 + 0.2,
        123456.789,
        1e15,
        1e16,
        5e-324,
        f64::MAX,
        685047179210286.25, // exact tie between …286.2 and …286.3: even wins
        0.00001,
        0.000001,
    ];
    let expected = "[1.0,0.1,-0.0,1e21,1e-7,1.5e300,0.30000000000000004,123456.789,\
                    1000000000000000.0,1e16,5e-324,1.7976931348623157e308,685047179210286.2,0.00001,1e-6]";
    let sha = "f2af97be46bcab6425ec672d078231dd2652f0f9dea39a9332acc27d7b9e068e";
    let bytes = to_canonical_json(&v).unwrap();
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    assert_eq!(canonical_hash(&v).unwrap().to_string(), sha);
    // Every spelling reads back (exactly, with std's parser) to the same f64.
    let back: Vec<f64> = expected[1..expected.len() - 1]
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&back), bits(&v));
}

#[test]
fn v09_f32_is_widened_to_f64() {
    let v: Vec<f32> = vec![0.1, 1.5, 16_777_216.0];
    check(
        &v,
        "[0.10000000149011612,1.5,16777216.0]",
        "0c36aad82b4fc5c4a9a74b12db7da74563495cc9ef7fc53c3b4a5f770230e1ed",
    );
}

#[test]
fn v10_empty_containers_nested() {
    let v = json!({"e": "", "d": [{}], "c": [[]], "b": {}, "a": []});
    check(
        &v,
        r#"{"a":[],"b":{},"c":[[]],"d":[{}],"e":""}"#,
        "593a20a912db0d2d120c1f0a5e55c3de3d6622fed5c010a7c99c2ae2b4d5f218",
    );
}

#[test]
fn v11_literals() {
    let v = (true, false, ());
    check(
        &v,
        "[true,false,null]",
        "4d0f18de2133118249c26acc481838d4f6bb6bc1de882d99abbd19ae9397e8df",
    );
}

#[test]
fn v12_chinese_record() {
    #[derive(Serialize)]
    struct Party {
        #[serde(rename = "当事人")]
        name: &'static str,
        #[serde(rename = "地址")]
        address: &'static str,
        #[serde(rename = "违法事实")]
        facts: &'static str,
    }
    let v = Party {
        name: "张三",
        address: "江苏省南京市鼓楼区",
        facts: "未批先建\n(第一项)",
    };
    check(
        &v,
        r#"{"地址":"江苏省南京市鼓楼区","当事人":"张三","违法事实":"未批先建\n(第一项)"}"#,
        "c4b962aa241b1cdf2745834a6b59de3be15805b34a6b5e76b8e56c297d6509db",
    );
}

#[test]
fn v13_nested_objects() {
    let v = json!({
        "n": [1, [2, [3, {"k": null}]]],
        "case": {
            "sealed": false,
            "officers": [{"no": "32010001", "name": "李四"}, {"name": "王五", "no": "32010002"}],
            "id": "c1"
        }
    });
    check(
        &v,
        r#"{"case":{"id":"c1","officers":[{"name":"李四","no":"32010001"},{"name":"王五","no":"32010002"}],"sealed":false},"n":[1,[2,[3,{"k":null}]]]}"#,
        "c24f203b37b6ae74f48a0fa6516fdea07525f0a0a5186cf9c837fc9ca4cea7e5",
    );
}

/// Fields deliberately declared out of order.
#[derive(Serialize)]
struct Unsorted {
    zulu: &'static str,
    mid: (f64, i8),
    alpha: bool,
}

#[test]
fn v14_struct_fields_are_sorted_not_declaration_order() {
    let v = Unsorted {
        zulu: "z",
        mid: (1.5, -2),
        alpha: true,
    };
    assert!(serde_json::to_string(&v).unwrap().starts_with(r#"{"zulu""#));
    check(
        &v,
        r#"{"alpha":true,"mid":[1.5,-2],"zulu":"z"}"#,
        "244aedc7146507177352f75aef130f41d96e06b8d13b82860687b61365931dd8",
    );
}

#[test]
fn v15_enum_variants() {
    #[derive(Serialize)]
    enum E {
        Unit,
        Newtype(u8),
        Tuple(u8, &'static str),
        Struct { z: u8, a: u8 },
    }
    let v = [
        E::Unit,
        E::Newtype(7),
        E::Tuple(1, "x"),
        E::Struct { z: 1, a: 2 },
    ];
    check(
        &v,
        r#"["Unit",{"Newtype":7},{"Tuple":[1,"x"]},{"Struct":{"a":2,"z":1}}]"#,
        "61cf275aa8244d8b6fc83a414aa3b36cfedf15111728915d43b16579cd0f5f88",
    );
}

#[test]
fn v16_protocol_wire_types() {
    #[derive(Serialize)]
    struct Event {
        sha256: Sha256,
        id: Id,
        at: Hlc,
    }
    let id = Id::from_parts(1_717_171_717_171, [7; 10]);
    let v = Event {
        sha256: Sha256::of(b"abc"),
        id,
        at: Hlc {
            wall_ms: 1_717_171_717_171,
            logical: 3,
            node: id,
        },
    };
    check(
        &v,
        concat!(
            r#"{"at":"001717171717171-0000000003-018fcf69-0433-7707-8707-070707070707","#,
            r#""id":"018fcf69-0433-7707-8707-070707070707","#,
            r#""sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}"#
        ),
        "f95a10996cd61ad3338397eede13930be0e8b13cbe2c518ffe5fb03df9ff6dd8",
    );
}

#[test]
fn hashmap_bytes_do_not_depend_on_insertion_order() {
    let pairs: Vec<(String, u32)> = (0..200).map(|i| (format!("字段{i}"), i)).collect();
    let forward: HashMap<String, u32> = pairs.iter().cloned().collect();
    let mut backward = HashMap::with_capacity(1_000);
    for (k, v) in pairs.iter().rev() {
        backward.insert(k.clone(), *v);
    }
    let sorted: BTreeMap<String, u32> = pairs.iter().cloned().collect();
    let a = to_canonical_json(&forward).unwrap();
    assert_eq!(a, to_canonical_json(&backward).unwrap());
    assert_eq!(a, to_canonical_json(&sorted).unwrap());
    // Each fresh HashMap has its own random iteration order; bytes never change.
    for _ in 0..20 {
        let fresh: HashMap<String, u32> = pairs.iter().cloned().collect();
        assert_eq!(to_canonical_json(&fresh).unwrap(), a);
    }
}
