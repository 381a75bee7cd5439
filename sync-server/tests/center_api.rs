//! The center API beyond plain JSON: enterprises imported from a clerk's CSV file (UTF-8 or GBK,
//! English or Chinese headers) reaching a device in the right shape, bad files refused whole, and
//! `GET /v1/conflicts` paged. Every case runs on SQLite and on PostgreSQL, as in `server.rs`.

#[macro_use]
mod support;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use support::server::*;

const CSV: &str = "text/csv";

/// The keys the device's `Enterprise` knows (`crates/core/src/model/enterprise.rs`, which denies
/// any other) and those it requires.
const DEVICE_KEYS: &[&str] = &[
    "id",
    "uscc",
    "name",
    "address",
    "area",
    "legal_rep",
    "location",
    "boundary",
    "industry_codes",
    "flags",
    "permit_limits",
    "units",
    "risk",
    "past_inspections",
];
const DEVICE_REQUIRED: &[&str] = &["id", "uscc", "name", "address", "area", "location"];

fn import_csv(s: &Server, bytes: &[u8]) -> Reply {
    call_raw(
        "POST",
        &format!("{}/v1/enterprises", s.base),
        Some(ADMIN),
        Some((CSV, bytes)),
    )
}

/// The enterprises a device's first pull brings, by id.
fn pulled_enterprises(d: &Dev) -> Vec<(String, Value)> {
    let (st, p) = d.pull(0);
    assert_eq!(st, 200, "{p}");
    p["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["entity"] == "enterprise" && c["kind"] == "put")
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["value"].clone()))
        .collect()
}

fn assert_device_shape(e: &Value) {
    let keys: BTreeSet<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    for k in &keys {
        assert!(DEVICE_KEYS.contains(k), "the device refuses `{k}`: {e}");
    }
    for k in DEVICE_REQUIRED {
        assert!(keys.contains(k), "the device requires `{k}`: {e}");
    }
}

/// A UTF-8 file (BOM, English headers) and a GBK file (Chinese headers, as Excel saves on
/// Chinese Windows) both import; a device in the area pulls exactly the mapped objects, and
/// nothing of another area.
fn csv_utf8_and_gbk_import_and_device_pulls_mapped_fields(s: &Server) {
    let utf8 = "\u{feff}id,uscc,name,address,area,legal_rep,lon,lat,industry,flags,risk,limit:EP-07,limit:EP-09/COD@DW001,limit_source,units:outlet\n\
        E-U1,91320506ma1xyz1234,示范电镀有限公司,\"苏州市吴中区金枫路88号, 2号楼\",320506,陈建国,120.6052,31.2556,C3360,special_limits;has_permit,yellow,0.1,50,排污许可证 91320506MA1XYZ1234001P 表3,DW001;DW002\n";
    let r = import_csv(s, utf8.as_bytes());
    assert_eq!((r.status, &r.body["count"]), (200, &json!(1)), "{}", r.body);

    let gbk_text = "序号,企业编号,统一社会信用代码,企业名称,地址,区划,经度,纬度,行业代码,三色码,限值：EP-08/总镉,限值依据\r\n\
        1,E-G1,91320506MA1ABC5678,苏州某化工有限公司,苏州市吴中区木渎镇工业路1号,320506,120.5,31.26,C2614、C2619,红,0.01,排污许可证 表2\r\n\
        2,E-G2,91320100MA1DEF9012,南京某厂,南京市玄武区某路2号,320100,118.8,32.05,C3360,绿,,\r\n\
        ,,,,,,,,,,,\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(gbk_text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
    let r = import_csv(s, &gbk);
    assert_eq!((r.status, &r.body["count"]), (200, &json!(2)), "{}", r.body);

    let d = s.enroll("u1", "team-a", "3205", 1);
    let got = pulled_enterprises(&d);
    let ids: Vec<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["E-U1", "E-G1"], "E-G2 is in 320100, outside 3205");
    for (_, e) in &got {
        assert_device_shape(e);
    }
    assert_eq!(
        got[0].1,
        json!({
            "id": "E-U1", "uscc": "91320506MA1XYZ1234", "name": "示范电镀有限公司",
            "address": "苏州市吴中区金枫路88号, 2号楼", "area": "320506", "legal_rep": "陈建国",
            "location": {"lat": 31.2556, "lon": 120.6052},
            "industry_codes": ["C3360"], "flags": ["special_limits", "has_permit"], "risk": "yellow",
            "permit_limits": [
                {"item": "EP-07", "value": 0.1, "source": "排污许可证 91320506MA1XYZ1234001P 表3"},
                {"item": "EP-09", "param": "COD", "instance": "DW001", "value": 50.0,
                 "source": "排污许可证 91320506MA1XYZ1234001P 表3"},
            ],
            "units": {"outlet": ["DW001", "DW002"]},
        })
    );
    assert_eq!(
        got[1].1,
        json!({
            "id": "E-G1", "uscc": "91320506MA1ABC5678", "name": "苏州某化工有限公司",
            "address": "苏州市吴中区木渎镇工业路1号", "area": "320506",
            "location": {"lat": 31.26, "lon": 120.5},
            "industry_codes": ["C2614", "C2619"], "risk": "red",
            "permit_limits": [{"item": "EP-08", "param": "总镉", "value": 0.01, "source": "排污许可证 表2"}],
        })
    );
    // The other area's device gets E-G2, without limits (its limit cell was empty).
    let d2 = s.enroll("u2", "team-b", "3201", 2);
    let got = pulled_enterprises(&d2);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1["id"], "E-G2");
    assert!(got[0].1.get("permit_limits").is_none(), "{}", got[0].1);
}

/// A file with bad rows is refused naming every bad cell by row and column letter, in Chinese
/// and English, and nothing of it is stored — not its good rows, not its change to a stored
/// enterprise. Unknown columns and undecodable bytes are refused the same way.
fn csv_with_bad_rows_refused_naming_row_and_nothing_stored(s: &Server) {
    let good = "企业编号,统一社会信用代码,企业名称,地址,区划,经度,纬度\n\
        E-OLD,91320506MA1XYZ1234,原名称,地址0,320506,120.6,31.2\n";
    assert_eq!(import_csv(s, good.as_bytes()).status, 200);

    let bad = "企业编号,统一社会信用代码,企业名称,地址,区划,经度,纬度\n\
        E-OLD,91320506MA1XYZ1234,改过的名称,地址0,320506,120.6,31.2\n\
        E-NEW,91320506MA1XYZ1234,好的一行,地址1,320506,120.6,31.2\n\
        ,91320506MA1XYZ1234,缺编号,地址2,320506,120.6,31.2\n\
        E-LON,91320506MA1XYZ1234,坏经度,地址3,320506,东经120度,31.2\n\
        E-NEW,91320506MA1XYZ1234,重复编号,地址4,320506,120.6,31.2\n";
    let r = import_csv(s, bad.as_bytes());
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("request.bad"))
    );
    let (zh, en) = (
        r.body["zh"].as_str().unwrap(),
        r.body["en"].as_str().unwrap(),
    );
    assert!(zh.contains("未保存任何数据"), "{zh}");
    assert!(zh.contains("第 4 行 A 列「企业编号」：不能为空"), "{zh}");
    assert!(zh.contains("第 5 行 F 列「经度」"), "{zh}");
    assert!(zh.contains("第 6 行：企业编号 E-NEW 与第 3 行重复"), "{zh}");
    assert!(en.contains("nothing stored"), "{en}");
    assert!(
        en.contains("row 4, column A `企业编号`: must not be empty"),
        "{en}"
    );
    assert!(en.contains("row 5, column F `经度`: longitude"), "{en}");
    assert!(!en.contains("row 2") && !en.contains("row 3,"), "{en}");

    let unknown = "企业编号,统一社会信用代码,企业名称,地址,区划,经度,纬度,联系电话\n\
        E-TEL,91320506MA1XYZ1234,有电话,地址,320506,120.6,31.2,0512-12345678\n";
    let r = import_csv(s, unknown.as_bytes());
    assert_eq!(r.status, 400);
    assert!(
        r.body["zh"]
            .as_str()
            .unwrap()
            .contains("表头 H 列「联系电话」无法识别"),
        "{}",
        r.body
    );

    let missing = "id,name,area\nE-X,某厂,320506\n";
    let r = import_csv(s, missing.as_bytes());
    assert_eq!(r.status, 400);
    let en = r.body["en"].as_str().unwrap();
    assert!(
        en.contains("header lacks the column 经度 (lon)") && en.contains("(uscc)"),
        "{en}"
    );

    let mut undecodable = b"id,uscc,name,address,area,lon,lat\nE-B,".to_vec();
    undecodable.extend_from_slice(b"\xff\xff\xff,x,y,320506,120.6,31.2\n");
    let r = import_csv(s, &undecodable);
    assert_eq!(r.status, 400);
    assert!(
        r.body["en"].as_str().unwrap().contains("neither UTF-8 nor"),
        "{}",
        r.body
    );

    // Only the first good file is at the center, unchanged.
    let d = s.enroll("u1", "team-a", "3205", 1);
    let got = pulled_enterprises(&d);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].1["id"].as_str(), got[0].1["name"].as_str()),
        (Some("E-OLD"), Some("原名称"))
    );
}

/// Follows `Link: <…>; rel="next"` from `first` to the end; answers every page's ids.
fn pages(s: &Server, first: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next {
        let r = call_raw("GET", &format!("{}{path}", s.base), Some(ADMIN), None);
        assert_eq!(r.status, 200, "{}", r.body);
        out.push(
            r.body
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect(),
        );
        next = r.link.map(|l| {
            assert!(l.ends_with(r#">; rel="next""#), "{l}");
            l[1..l.find('>').unwrap()].to_string()
        });
        assert!(out.len() < 100, "paging does not end");
    }
    out
}

/// Conflicts made as devices and center staff make them, then read a page at a time: every
/// conflict exactly once, in the unpaged order; `open` splits resolved from unresolved; a
/// conflict recorded mid-way never repeats one already read.
fn conflicts_paged_each_exactly_once(s: &Server) {
    setup_tasks(s);
    // A concurrent edit, as in server.rs: the center cancels T-A; a device that had not seen it
    // opens a case on it.
    let mut d = s.enroll("u1", "team-a", "3205", 1);
    let (_, p) = d.pull(0);
    let seen = p["cursor"].as_i64().unwrap();
    let (st, _) = s.admin(
        "PATCH",
        "/v1/tasks/T-A",
        Some(json!({"field": "status", "value": "cancelled", "seen": seen})),
    );
    assert_eq!(st, 200);
    let op = d.op(Some("C-1"), "case_opened", &opened("T-A"), seen);
    let (st, r) = d.push(vec![op]);
    assert_eq!(st, 200, "{r}");
    // Invalid transitions: a cancelled task cannot go back, each attempt is kept as a conflict.
    let (st, _) = s.admin(
        "PATCH",
        "/v1/tasks/T-B",
        Some(json!({"field": "status", "value": "cancelled", "seen": 1_000_000})),
    );
    assert_eq!(st, 200);
    for i in 0..6 {
        let to = if i % 2 == 0 { "done" } else { "in_progress" };
        let (st, r) = s.admin(
            "PATCH",
            "/v1/tasks/T-B",
            Some(json!({"field": "status", "value": to, "seen": 1_000_000})),
        );
        assert_eq!((st, r["written"].as_bool()), (200, Some(false)), "{r}");
        assert!(r["conflict"].is_string(), "{r}");
    }

    let (st, all) = s.admin("GET", "/v1/conflicts", None);
    assert_eq!(st, 200);
    let all: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), 7, "{all:?}");

    let paged = pages(s, "/v1/conflicts?limit=3");
    let sizes: Vec<usize> = paged.iter().map(Vec::len).collect();
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(paged.concat(), all, "every conflict once, newest first");
    // An exact multiple: the last full page says there is no more.
    assert_eq!(
        pages(s, "/v1/conflicts?limit=7"),
        std::slice::from_ref(&all)
    );

    // Resolve two; `open` splits the list and the pages of each side cover it exactly.
    for id in [&all[1], &all[4]] {
        let (st, r) = s.admin(
            "POST",
            &format!("/v1/conflicts/{id}/resolve"),
            Some(json!({"resolution": "keep", "note": "已核实"})),
        );
        assert_eq!(st, 200, "{r}");
    }
    let resolved = pages(s, "/v1/conflicts?limit=1&open=false").concat();
    assert_eq!(resolved, [all[1].clone(), all[4].clone()]);
    let open = pages(s, "/v1/conflicts?limit=2&open=true").concat();
    let expect: Vec<String> = all
        .iter()
        .filter(|id| !resolved.contains(id))
        .cloned()
        .collect();
    assert_eq!(open, expect);

    // A conflict recorded between two pages does not make the next pages repeat anything.
    let first = call_raw(
        "GET",
        &format!("{}/v1/conflicts?limit=3", s.base),
        Some(ADMIN),
        None,
    );
    let (_, r) = s.admin(
        "PATCH",
        "/v1/tasks/T-B",
        Some(json!({"field": "status", "value": "done", "seen": 1_000_000})),
    );
    let late = r["conflict"].as_str().expect("a new conflict").to_string();
    let link = first.link.expect("more pages");
    let rest = pages(s, &link[1..link.find('>').unwrap()]).concat();
    let mut seen_ids: Vec<String> = first
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .chain(rest)
        .collect();
    seen_ids.retain(|id| *id != late);
    assert_eq!(seen_ids, all, "each old conflict once, in order");

    // Bad parameters are refused with the usual error body.
    for q in ["after=no-such-conflict", "open=maybe", "limit=x", "page=2"] {
        let (st, r) = s.admin("GET", &format!("/v1/conflicts?{q}"), None);
        assert_eq!(
            (st, r["code"].as_str()),
            (400, Some("request.bad")),
            "{q}: {r}"
        );
    }
}

/// Roster entries reach the devices of the areas they work in: an officer by the credential's
/// areas, a grid worker (who holds no credential) by `areas`. An entry with neither would reach
/// no device and is refused, naming it, with nothing of the request stored.
fn roster_entries_reach_their_areas(s: &Server) {
    let d = s.enroll("u1", "team-a", "3205", 1);
    let officers = |d: &Dev| -> Vec<String> {
        let (st, p) = d.pull(0);
        assert_eq!(st, 200, "{p}");
        pulled_ids(&p, "officer")
    };
    let (st, r) = s.admin(
        "POST",
        "/v1/officers",
        Some(json!([
            {"id": "O-Z", "name": "张伟", "agency": "苏州市生态环境局",
             "credential": {"number": "32001", "kind": "地方行政执法证", "valid_from": "2024-01-01",
                            "valid_to": "2028-12-31", "areas": ["3205"]}},
            {"id": "G-W", "name": "王芳", "agency": "长桥街道", "role": "grid_worker", "areas": ["320506"]},
            {"id": "G-N", "name": "南京网格员", "agency": "玄武区", "role": "grid_worker", "areas": ["320102"]},
        ])),
    );
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        officers(&d),
        ["O-Z", "G-W"],
        "3205 devices get their own area's roster"
    );

    let (st, r) = s.admin(
        "POST",
        "/v1/officers",
        Some(json!([
            {"id": "G-X", "name": "李四", "agency": "长桥街道", "role": "grid_worker", "areas": ["320506"]},
            {"id": "A-Y", "name": "赵五", "agency": "监测站", "role": "assistant"},
        ])),
    );
    assert_eq!((st, r["code"].as_str()), (400, Some("request.bad")), "{r}");
    assert!(r["en"].as_str().unwrap().contains("A-Y"), "{r}");
    assert_eq!(
        officers(&d),
        ["O-Z", "G-W"],
        "nothing of a refused request is stored"
    );
}

on_both_backends!(
    csv_utf8_and_gbk_import_and_device_pulls_mapped_fields,
    csv_with_bad_rows_refused_naming_row_and_nothing_stored,
    conflicts_paged_each_exactly_once,
    roster_entries_reach_their_areas,
);
