//! Dispatch and the registers behind the center pages (issue 6), on the real server over
//! loopback HTTP, on SQLite and on PostgreSQL, with the demo center's 41 enterprises, 17 staff
//! and 20 users: tasks made from a complaint and refused when a rule is broken; double-random
//! draws reproduced from their seed, honouring recusal, credentials and annual caps; the
//! officers nearest to an enterprise from positions synced by a device (never for a drawn
//! task); the enterprise register and one-file view; both ledgers as CSV and as Excel, read back.

#[macro_use]
mod support;

use std::collections::BTreeSet;
use std::io::Read;

use serde_json::{Value, json};
use support::server::*;

fn demo(name: &str) -> Value {
    let path = format!("{}/../demo/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect("json")
}

fn ok(s: &Server, method: &str, path: &str, body: Option<Value>) -> Value {
    let (st, v) = s.admin(method, path, body);
    assert_eq!(st, 200, "{method} {path}: {v}");
    v
}

/// The demo center: the electroplating demo's records and the center demo's.
fn load(s: &Server) {
    let r = demo("electroplating/reference.json");
    let mut officers = r["officers"].as_array().cloned().unwrap_or_default();
    officers.extend(
        demo("center/officers.json")
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    ok(s, "POST", "/v1/officers", Some(Value::Array(officers)));
    let mut enterprises = r["enterprises"].as_array().cloned().unwrap_or_default();
    enterprises.extend(
        demo("center/enterprises.json")
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    ok(
        s,
        "POST",
        "/v1/enterprises",
        Some(Value::Array(enterprises)),
    );
    for u in demo("center/users.json").as_array().expect("users") {
        ok(s, "POST", "/v1/admin/users", Some(u.clone()));
    }
}

fn task(id: &str, enterprise: &str, officers: &[&str]) -> Value {
    json!({"id": id, "team": "T2", "source": "complaint", "source_ref": "12369-2026-0001",
        "enterprise_id": enterprise, "procedure": "inspection", "officers": officers,
        "due": "2026-12-05", "note": "群众反映该厂夜间偷排，废水呈蓝色"})
}

fn bytes(s: &Server, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let r = ureq::get(&format!("{}{path}", s.base))
        .set("fieldcase-protocol", "1")
        .set("authorization", &format!("Bearer {ADMIN}"))
        .call();
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{path}: {e}"),
    };
    let status = resp.status();
    let disposition = resp.header("content-disposition").map(str::to_string);
    let mut out = Vec::new();
    resp.into_reader().read_to_end(&mut out).expect("body");
    (status, disposition, out)
}

fn draw_body(seed: &str, create: bool) -> Value {
    json!({"name": "2026年第四季度 双随机抽查", "year": 2026, "area": "3205",
        "risks": ["red", "yellow"], "ratio_percent": 50, "supervisor": "法制科 周敏",
        "due": "2026-12-20", "seed": seed, "create_tasks": create})
}

fn drawn_ids(d: &Value) -> Vec<String> {
    d["drawn"]
        .as_array()
        .expect("drawn")
        .iter()
        .map(|r| {
            let officers: Vec<&str> = r["officers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o["id"].as_str())
                .collect();
            format!(
                "{}:{}",
                r["enterprise_id"].as_str().unwrap_or(""),
                officers.join("+")
            )
        })
        .collect()
}

fn dispatch_and_registers(s: &Server) {
    load(s);

    // Teams as the task form offers them.
    let teams = ok(s, "GET", "/v1/teams", None);
    let t2 = teams
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["team"] == "T2")
        .expect("team T2");
    assert_eq!(t2["members"].as_array().map(Vec::len), Some(4), "{t2}");

    // A complaint task; broken rules are refused and store nothing.
    ok(
        s,
        "POST",
        "/v1/tasks",
        Some(json!([task("T-C1", "E-D09", &["O-ZHAO", "O-QIAN"])])),
    );
    for (bad, words) in [
        (task("T-C2", "E-D09", &["O-ZHAO"]), "at least two"),
        (task("T-C3", "E-D09", &["O-ZHAO", "O-NOBODY"]), "O-NOBODY"),
        (
            {
                let mut t = task("T-C4", "E-D09", &[]);
                t["priority"] = json!("high");
                t
            },
            "unknown field",
        ),
    ] {
        let (st, r) = s.admin("POST", "/v1/tasks", Some(json!([bad])));
        assert_eq!(st, 400, "{r}");
        assert!(
            r["en"].as_str().unwrap_or("").contains(words),
            "{words}: {r}"
        );
    }
    let tasks = ok(s, "GET", "/v1/tasks?source=complaint", None);
    let ids: Vec<&str> = tasks
        .as_array()
        .expect("tasks")
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids, ["T-C1"]);
    let t = &tasks[0];
    assert_eq!(t["status"], "dispatched");
    assert_eq!(t["team"], "T2");
    assert_eq!(
        t["enterprise_name"], "苏州市吴中区镜澄精饰电镀有限公司",
        "{t}"
    );
    assert_eq!(t["officers"][0]["name"], "赵磊", "{t}");
    assert_eq!(t["note"], "群众反映该厂夜间偷排，废水呈蓝色");
    assert_eq!(
        ok(s, "GET", "/v1/tasks?q=%E9%95%9C%E6%BE%84", None)
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        ok(s, "GET", "/v1/tasks?status=done", None)
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let (st, _) = s.admin("GET", "/v1/tasks?status=lost", None);
    assert_eq!(st, 400);

    // Double random: a rehearsal twice with one seed draws the same; another seed differs.
    let a = ok(
        s,
        "POST",
        "/v1/draws",
        Some(draw_body("四季度-种子-7f3a91", false)),
    );
    let b = ok(
        s,
        "POST",
        "/v1/draws",
        Some(draw_body("四季度-种子-7f3a91", false)),
    );
    let c = ok(
        s,
        "POST",
        "/v1/draws",
        Some(draw_body("另一个种子-0000", false)),
    );
    assert_eq!(drawn_ids(&a), drawn_ids(&b));
    assert_ne!(drawn_ids(&a), drawn_ids(&c));
    assert_eq!(a["seed_sha256"], b["seed_sha256"]);
    assert_eq!(a["pool_sha256"], b["pool_sha256"]);
    assert_eq!(
        a["drawn"].as_array().map(Vec::len),
        Some(a["pool_size"].as_u64().unwrap().div_ceil(2) as usize)
    );
    // E-D01 had two inspections this year (imported history): at the cap, out of the pool.
    assert!(
        a["excluded_objects"]
            .as_array()
            .expect("excluded")
            .iter()
            .any(|e| e["enterprise_id"] == "E-D01" && e["reason"] == "annual_cap"),
        "{}",
        a["excluded_objects"]
    );
    assert_eq!(
        ok(s, "GET", "/v1/tasks?source=random_draw", None)
            .as_array()
            .map(Vec::len),
        Some(0),
        "a rehearsal makes no task"
    );
    // A seed that is not the one committed to is refused.
    let mut committed = draw_body("四季度-种子-7f3a91", true);
    committed["seed_commitment"] = json!("0".repeat(64));
    let (st, r) = s.admin("POST", "/v1/draws", Some(committed));
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("draw.seed_mismatch")),
        "{r}"
    );

    // The real draw makes the tasks, each staffed by one team, honouring recusal.
    let real = ok(
        s,
        "POST",
        "/v1/draws",
        Some(draw_body("四季度-种子-7f3a91", true)),
    );
    assert_eq!(
        drawn_ids(&real),
        drawn_ids(&a),
        "the same seed and pools draw the same"
    );
    let trials: Vec<&Value> = real["earlier_trials"]
        .as_array()
        .expect("trials")
        .iter()
        .collect();
    assert_eq!(
        trials.len(),
        3,
        "every earlier trial of the plan is in the record: {trials:?}"
    );
    assert!(trials.iter().any(|t| t["seed_sha256"] == c["seed_sha256"]));
    let officers = demo("center/officers.json");
    let users = demo("center/users.json");
    let team_of = |o: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["officer_id"] == o)
            .map(|u| u["team"].clone())
    };
    let mut made = 0;
    for d in real["drawn"].as_array().expect("drawn") {
        let staff: Vec<&str> = d["officers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["id"].as_str())
            .collect();
        if staff.is_empty() {
            assert!(d["task_id"].is_null());
            continue;
        }
        made += 1;
        assert_eq!(staff.len(), 2, "{d}");
        let teams: BTreeSet<String> = staff
            .iter()
            .map(|o| team_of(o).map(|t| t.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(teams.len(), 1, "one team per object: {d}");
        for o in &staff {
            let rec = officers.as_array().unwrap().iter().find(|x| x["id"] == *o);
            let conflicted = rec.is_some_and(|r| {
                r["conflicts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["enterprise_id"] == d["enterprise_id"])
            });
            assert!(
                !conflicted,
                "{o} has a declared conflict with {}",
                d["enterprise_id"]
            );
            assert_ne!(*o, "O-FENG", "an expired credential is never drawn");
        }
    }
    let drawn_tasks = ok(s, "GET", "/v1/tasks?source=random_draw", None);
    assert_eq!(drawn_tasks.as_array().map(Vec::len), Some(made));
    assert!(
        drawn_tasks
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["draw_id"] == real["id"])
    );
    let id = real["id"].as_str().expect("id");
    let verify = ok(s, "GET", &format!("/v1/draws/{id}/verify"), None);
    assert_eq!(verify["reproduced"], true, "{verify}");
    assert_eq!(
        ok(s, "GET", "/v1/draws", None).as_array().map(Vec::len),
        Some(4)
    );

    // A device of team T2 works the complaint task and checks in 40 m from the plant.
    let mut dev = s.enroll_as("u-t2-tablet", "inspector", Some("T2"), "3205", 41);
    let opened = json!({"body": {"case": {"task_id": "T-C1", "enterprise_id": "E-D09",
        "opened_at": "2026-11-24T09:00:00+08:00", "team": ["O-ZHAO", "O-QIAN"]}}});
    let ent = demo("center/enterprises.json")
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "E-D09")
        .cloned()
        .unwrap();
    let (lat, lon) = (
        ent["location"]["lat"].as_f64().unwrap(),
        ent["location"]["lon"].as_f64().unwrap(),
    );
    let checkin = json!({"body": {"checkin": {"at": "2026-11-24T09:00:10+08:00",
        "fix": {"point": {"lat": lat + 0.00036, "lon": lon}, "accuracy_m": 6.0, "source": "gnss"},
        "distance_m": 0.0, "inside_geofence": true, "time_uncertain": false}}});
    let answer = json!({"body": {"key": "EP-07", "answer": {"form_id": "electroplating", "item_id": "EP-07",
        "value": 0.42, "by": "O-ZHAO", "at": "2026-11-24T09:20:00+08:00", "evidence": [],
        "finding": {"text": "车间排口总镍0.42 mg/L，超过许可限值0.1 mg/L", "question_zh": "车间排口总镍",
            "limits": [{"value": 0.42, "limit": "<= 0.1", "reference": "排污许可证 表3", "exceeded": true}],
            "basis": [{"text": "水污染防治法 第10条"}], "penalty": [{"text": "水污染防治法 第83条第(二)项"}]}}}});
    let ops = vec![
        dev.op(Some("C-T2-1"), "case_opened", &opened.to_string(), 0),
        dev.op(Some("C-T2-1"), "checked_in", &checkin.to_string(), 0),
        dev.op(Some("C-T2-1"), "answered", &answer.to_string(), 0),
    ];
    let (st, r) = dev.push(ops);
    assert_eq!(st, 200, "{r}");
    assert!(all_outcomes(&r, "applied"), "{r}");

    // Nearest officers to another complaint there: the two who checked in, ~40 m away.
    ok(
        s,
        "POST",
        "/v1/tasks",
        Some(json!([task("T-C5", "E-D09", &[])])),
    );
    let near = ok(s, "GET", "/v1/tasks/T-C5/nearest?radius_m=3000", None);
    let found: Vec<(&str, f64)> = near["officers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["officer_id"].as_str().unwrap(),
                o["distance_m"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{near}");
    assert!(
        found.iter().all(|(_, d)| (35.0..45.0).contains(d)),
        "{near}"
    );
    assert_eq!(near["officers"][0]["team"], "T2");
    // Far from another enterprise (another district): none within 1 km.
    ok(
        s,
        "POST",
        "/v1/tasks",
        Some(json!([task("T-C6", "E-D01", &[])])),
    );
    let far = ok(s, "GET", "/v1/tasks/T-C6/nearest?radius_m=1000", None);
    assert_eq!(far["officers"], json!([]), "{far}");
    // Never for a drawn task.
    let drawn_task = drawn_tasks[0]["id"].as_str().unwrap().to_string();
    let (st, r) = s.admin("GET", &format!("/v1/tasks/{drawn_task}/nearest"), None);
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("dispatch.random_draw")),
        "{r}"
    );
    let (st, _) = s.admin("GET", "/v1/tasks/T-C5/nearest?radius_m=-1", None);
    assert_eq!(st, 400);

    // The register and the one-file view.
    let all = ok(s, "GET", "/v1/enterprises?limit=1000", None);
    assert_eq!(all.as_array().map(Vec::len), Some(41));
    let red = ok(s, "GET", "/v1/enterprises?risk=red", None);
    assert_eq!(red.as_array().map(Vec::len), Some(6), "{red}");
    let plating = ok(s, "GET", "/v1/enterprises?industry=C336", None);
    assert!(
        plating
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["industry_codes"][0].as_str().unwrap().starts_with("C336"))
    );
    assert_eq!(plating.as_array().map(Vec::len), Some(6), "{plating}");
    let byname = ok(s, "GET", "/v1/enterprises?q=%E9%95%9C%E6%BE%84", None);
    assert_eq!(byname[0]["id"], "E-D09");
    assert_eq!(byname[0]["cases"], 1);
    assert_eq!(byname[0]["findings"], 1);
    let file = ok(s, "GET", "/v1/enterprises/E-D09", None);
    assert_eq!(file["enterprise"]["uscc"], ent["uscc"]);
    assert_eq!(file["cases"].as_array().map(Vec::len), Some(1));
    assert_eq!(file["findings"][0]["item_id"], "EP-07");
    let file_tasks: BTreeSet<&str> = file["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert!(
        file_tasks.contains("T-C1") && file_tasks.contains("T-C5"),
        "{file_tasks:?}"
    );
    let (st, _) = s.admin("GET", "/v1/enterprises/E-NONE", None);
    assert_eq!(st, 404);

    // Ledgers, CSV and Excel, with the list's filters, read back.
    let (st, disposition, csv) = bytes(s, "/v1/ledgers/findings?format=csv&has_findings=true");
    assert_eq!(st, 200);
    assert!(
        disposition
            .unwrap_or_default()
            .contains("filename*=UTF-8''%E9%97%AE%E9%A2%98%E5%8F%B0%E8%B4%A6")
    );
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let mut rows = csv::Reader::from_reader(&csv[3..]);
    let header: Vec<String> = rows.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[6], "问题描述");
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1);
    assert_eq!(&records[0][2], "苏州市吴中区镜澄精饰电镀有限公司");
    assert_eq!(
        &records[0][6],
        "车间排口总镍0.42 mg/L，超过许可限值0.1 mg/L"
    );
    assert!(records[0][7].contains("0.42") && records[0][8].contains("水污染防治法 第10条"));
    let (st, _, xlsx) = bytes(s, "/v1/ledgers/inspections?format=xlsx&officer=O-ZHAO");
    assert_eq!(st, 200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("xlsx");
    use calamine::Reader;
    let sheet = book.worksheet_range("检查台账").expect("sheet");
    let grid: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(grid.len(), 2, "{grid:?}");
    assert_eq!(grid[0][0], "序号");
    assert_eq!(grid[1][2], "苏州市吴中区镜澄精饰电镀有限公司");
    assert_eq!(grid[1][6], "赵磊、钱晓东", "{grid:?}");
    assert_eq!(grid[1][9], "1");
    let (st, _, empty) = bytes(s, "/v1/ledgers/inspections?format=csv&officer=O-NOBODY");
    assert_eq!(st, 200);
    assert_eq!(csv::Reader::from_reader(&empty[3..]).records().count(), 0);
    let (st, _, _) = bytes(s, "/v1/ledgers/inspections?format=pdf");
    assert_eq!(st, 400);
    let (st, _, _) = bytes(s, "/v1/ledgers/everything");
    assert_eq!(st, 404);
}

on_both_backends!(dispatch_and_registers);
