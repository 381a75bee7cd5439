//! The center receives and reviews a real inspection (issue 6): the demo electroplating
//! inspection runs on a device store through the `fieldcase` CLI, syncs to the real center on a
//! loopback port, and the center's case API is checked the way the case pages read it — the
//! list and every filter, the procedure read from the ops (`view`), each transcript version as
//! a PDF byte-identical to the one the device rendered, and the review, which travels back to
//! the device. Finally the case facts are projected again from the ops after a restart.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use support::{Server, copy_dir, ok};

/// Runs the demo inspection on an enrolled device and syncs it; answers the case id.
fn inspect(server: &Server, store: &Path, work: &Path) -> String {
    let code = server.user("U-ZHANG", "张伟", "T1", Some("O-ZHANG"));
    ok(store, &["enroll", "--server", &server.url, "--code", &code]);
    ok(store, &["sync"]);
    let demo = work.join("demo");
    copy_dir(&support::root().join("demo/electroplating"), &demo);
    let mut scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(demo.join("scenario.json")).expect("scenario"),
    )
    .expect("json");
    scenario.as_object_mut().expect("object").remove("import");
    std::fs::write(demo.join("scenario.json"), scenario.to_string()).expect("write");
    let run = ok(
        store,
        &["run", demo.join("scenario.json").to_str().expect("path")],
    );
    ok(store, &["sync"]);
    run.lines()
        .find_map(|l| l.strip_prefix("case "))
        .and_then(|l| l.split(' ').next())
        .expect("case id")
        .to_string()
}

fn count(server: &Server, query: &str) -> usize {
    server
        .get(&format!("/v1/cases{query}"))
        .as_array()
        .unwrap_or_else(|| panic!("{query}: not a list"))
        .len()
}

#[test]
fn the_center_reviews_a_synced_inspection() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut server = Server::start(&tmp.path().join("center"));
    server.load_demo_center();
    let device = tmp.path().join("device");
    let case_id = inspect(&server, &device, tmp.path());

    // The list: one case, closed, complete, its team by name, two findings, not reviewed yet.
    let list = server.get("/v1/cases");
    let item = &list[0];
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(item["case_id"], json!(case_id));
    assert_eq!(item["status"], "closed");
    assert_eq!(item["complete"], true);
    assert_eq!(item["findings"], 2, "{item}");
    assert_eq!(item["review"]["state"], "received");
    assert_eq!(
        item["officers"],
        json!([{"id": "O-ZHANG", "name": "张伟"}, {"id": "O-LI", "name": "李娜"}])
    );
    let opened = item["opened_at"].as_str().expect("opened_at").to_string();
    assert!(opened.starts_with("2026-11-23T"), "{item}");
    assert!(item["closed_at"].is_string(), "{item}");
    let day = &opened[..10];

    // Each filter narrows (and a mismatch empties) the list.
    for (query, n) in [
        ("?status=closed", 1),
        ("?status=open", 0),
        ("?review=received", 1),
        ("?review=accepted", 0),
        ("?enterprise=E-EP01", 1),
        ("?enterprise=%E7%A4%BA%E8%8C%83%E7%94%B5%E9%95%80", 1), // 示范电镀
        ("?enterprise=%E5%8D%B0%E6%9F%93", 0),                   // 印染
        ("?enterprise=%25", 0), // a literal % matches itself, not everything
        ("?officer=O-LI", 1),
        ("?officer=O-L", 0),
        ("?has_findings=true", 1),
        ("?has_findings=false", 0),
        ("?complete=true", 1),
        ("?complete=false", 0),
        (&format!("?from={day}&to={day}"), 1),
        ("?from=2026-11-24", 0),
        ("?to=2026-11-22", 0),
    ] {
        assert_eq!(count(&server, query), n, "GET /v1/cases{query}");
    }
    for (query, names) in [
        ("?from=2026-13-01", "`from`"),
        ("?status=archived", "`status`"),
        ("?limit=0", "`limit`"),
        ("?colour=red", "colour"),
    ] {
        let (st, body) = server.call(
            "GET",
            &format!("/v1/cases{query}"),
            support::ADMIN_TOKEN,
            None,
        );
        assert_eq!(st, 400, "{query}: {body}");
        assert!(
            body["en"].as_str().unwrap_or("").contains(names),
            "{query}: {body}"
        );
    }

    // The procedure as the case page reads it.
    let detail = server.get(&format!("/v1/cases/{case_id}"));
    let v = &detail["view"];
    assert_eq!(v["checkin"]["inside_geofence"], true, "{}", v["checkin"]);
    assert!(v["checkin"]["point"]["lat"].is_f64(), "{}", v["checkin"]);
    assert_eq!(
        v["enterprise_location"],
        json!({"lat": 31.2556, "lon": 120.6052})
    );
    assert_eq!(
        v["team"],
        json!([{"id": "O-ZHANG", "name": "张伟", "credential": "32050019001"},
               {"id": "O-LI", "name": "李娜", "credential": "32050019002"}])
    );
    assert_eq!(v["notice"]["recusal_requested"], false);
    assert_eq!(v["party"]["name"], "陈建国");
    let answered: std::collections::BTreeSet<&str> = detail["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter(|o| o["kind"] == "answered")
        .filter_map(|o| o["payload"]["body"]["key"].as_str())
        .collect();
    assert_eq!(v["answers"].as_array().map(Vec::len), Some(answered.len()));
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2, "{}", v["findings"]);
    for f in findings {
        assert!(f["finding"].as_str().is_some_and(|t| !t.is_empty()), "{f}");
        assert!(f["question"].is_string(), "{f}");
        assert!(
            f["basis"]
                .as_array()
                .is_some_and(|b| !b.is_empty() && b.iter().all(|r| r["text"].is_string())),
            "{f}"
        );
    }
    let nickel = findings
        .iter()
        .find(|f| f["item_id"] == "EP-07")
        .expect("EP-07");
    assert_eq!(nickel["limits"][0]["exceeded"], true, "{nickel}");
    let sample = &v["samples"][0];
    assert_eq!(sample["sample_id"], "S-20261123-01");
    assert_eq!(
        sample["custody"].as_array().map(Vec::len),
        Some(2),
        "{sample}"
    );
    let evidence = v["evidence"].as_array().expect("evidence");
    assert_eq!(evidence.len(), 3);
    assert!(evidence.iter().all(|e| e["stored"] == true), "{evidence:?}");
    assert_eq!(v["interviews"][0]["qa"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["measures"][0]["kind"], "责令改正");

    // Every transcript version as PDF: the very bytes the device renders, signature images
    // drawn again from the strokes with the device's hashes.
    let rendered = tmp.path().join("rendered");
    ok(
        &device,
        &[
            "render",
            &case_id,
            "--out",
            rendered.to_str().expect("path"),
        ],
    );
    let mut device_pdfs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for e in std::fs::read_dir(&rendered).expect("rendered") {
        let path = e.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        // <record no>-<kind>-v<n>.pdf
        let tail = name.rsplitn(3, '-').take(2).collect::<Vec<_>>();
        device_pdfs.insert(
            format!("{}-{}", tail[1], tail[0]),
            std::fs::read(&path).expect("pdf"),
        );
    }
    let transcripts = v["transcripts"].as_array().expect("transcripts");
    let mut versions = 0;
    for t in transcripts {
        for ver in t["versions"].as_array().expect("versions") {
            versions += 1;
            assert_eq!(ver["content_intact"], true, "{ver}");
            let sigs = ver["signatures"].as_array().expect("signatures");
            let path = ver["pdf"].as_str().expect("pdf path");
            let (st, header, pdf) = server.get_bytes(path, "fieldcase-signature-images");
            assert_eq!(st, 200, "{path}: {}", String::from_utf8_lossy(&pdf));
            assert_eq!(
                header.as_deref(),
                Some(format!("{n} of {n} match the device's", n = sigs.len()).as_str())
            );
            let key = format!(
                "{}-v{}.pdf",
                t["kind"].as_str().expect("kind"),
                ver["version"]
            );
            assert!(
                device_pdfs.get(&key) == Some(&pdf),
                "the center's {key} differs from the device's"
            );
        }
    }
    assert_eq!(versions, device_pdfs.len(), "{device_pdfs:?}");
    let (st, _, _) = server.get_bytes(
        &format!("/v1/cases/{case_id}/transcripts/no-such/1/pdf"),
        "x",
    );
    assert_eq!(st, 404);

    // The review: refused out of order or without a reason, and each step reaches the device.
    let review = |state: &str, note: &str| {
        server.call(
            "POST",
            &format!("/v1/cases/{case_id}/review"),
            support::ADMIN_TOKEN,
            Some(&json!({"state": state, "note": note})),
        )
    };
    let (st, r) = review("accepted", "");
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("review.bad_transition")),
        "{r}"
    );
    let (st, r) = review("under_review", "");
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["review"]["state"], "under_review");
    assert_eq!(r["findings"], 2, "answered as the list shows the case: {r}");
    let (st, r) = review("returned", "  ");
    assert_eq!(
        (st, r["code"].as_str()),
        (400, Some("review.note_required")),
        "{r}"
    );
    let (st, r) = review("returned", "样品交接单缺少接收人签字，请补充");
    assert_eq!(st, 200, "{r}");
    ok(&device, &["sync"]);
    let seen: Value = serde_json::from_str(&ok(&device, &["review", &case_id])).expect("json");
    assert_eq!(seen["state"], "returned", "{seen}");
    assert_eq!(seen["note"], "样品交接单缺少接收人签字，请补充");
    assert_eq!(seen["by"], "center:admin");
    assert_eq!(review("under_review", "").0, 200);
    assert_eq!(review("accepted", "材料齐全").0, 200);
    let (st, r) = review("returned", "再看看");
    assert_eq!(
        (st, r["code"].as_str()),
        (409, Some("review.bad_transition")),
        "{r}"
    );
    ok(&device, &["sync"]);
    let seen: Value = serde_json::from_str(&ok(&device, &["review", &case_id])).expect("json");
    assert_eq!(seen["state"], "accepted", "{seen}");
    let detail = server.get(&format!("/v1/cases/{case_id}"));
    let steps: Vec<&str> = detail["review_history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|r| r["state"].as_str())
        .collect();
    assert_eq!(
        steps,
        ["under_review", "returned", "under_review", "accepted"]
    );
    assert_eq!(count(&server, "?review=accepted"), 1);
    let (st, _) = server.call(
        "POST",
        "/v1/cases/no-such-case/review",
        support::ADMIN_TOKEN,
        Some(&json!({"state": "under_review"})),
    );
    assert_eq!(st, 404);

    // Facts projected by an older server are projected again from the ops at start.
    {
        let db = rusqlite::Connection::open(tmp.path().join("center/center.db")).expect("db");
        db.execute_batch(
            "DELETE FROM case_findings; UPDATE cases SET facts = 0, officers = '[]', opened_on = NULL;",
        )
        .expect("forget the facts");
    }
    assert_eq!(count(&server, "?has_findings=true"), 0);
    server.restart();
    assert_eq!(count(&server, "?has_findings=true"), 1);
    assert_eq!(count(&server, "?officer=O-ZHANG"), 1);
    assert_eq!(count(&server, &format!("?from={day}")), 1);

    // A signature's strokes changed in the center's blob folder (one digit, still valid JSON:
    // another signature than the one signed): the transcript is not rendered with them, nor
    // with a gap where they were, and center staff get an alert on the device's op.
    let signed = transcripts
        .iter()
        .flat_map(|t| t["versions"].as_array().expect("versions"))
        .find(|ver| ver["signatures"].as_array().is_some_and(|s| !s.is_empty()))
        .expect("a signed transcript version");
    let pdf_path = signed["pdf"].as_str().expect("pdf path").to_string();
    let mut changed = 0;
    for sub in std::fs::read_dir(server.dir.join("blobs")).expect("blobs") {
        let sub = sub.expect("entry").path();
        if !sub.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&sub).expect("blob folder") {
            let path = f.expect("entry").path();
            let mut bytes = std::fs::read(&path).expect("blob");
            if !bytes.starts_with(b"[[") {
                continue; // not strokes
            }
            let at = bytes.iter().rposition(u8::is_ascii_digit).expect("a digit");
            bytes[at] = if bytes[at] == b'9' {
                b'8'
            } else {
                bytes[at] + 1
            };
            std::fs::write(&path, &bytes).expect("write");
            changed += 1;
        }
    }
    assert!(changed > 0, "the inspection stored signature strokes");
    let (st, _, body) = server.get_bytes(&pdf_path, "x");
    let r: Value = serde_json::from_slice(&body).expect("an error body");
    assert_eq!((st, r["code"].as_str()), (500, Some("blob.corrupt")), "{r}");
    let alerts = server.get("/v1/admin/alerts");
    let damaged: Vec<&Value> = alerts
        .as_array()
        .expect("alerts")
        .iter()
        .filter(|a| a["code"] == "blob.corrupt")
        .collect();
    assert!(!damaged.is_empty(), "{alerts}");
    assert!(
        damaged.iter().all(|a| a["seq"].as_i64().is_some()),
        "{alerts}"
    );
}
