//! The case page's reading of a case (`view` in `GET /v1/cases/{id}`): the procedure as the
//! center reviews it — check-in, credentials shown, notice, party, checklist answers and their
//! findings, samples with their custody, evidence, interviews, measures, transcript versions
//! with their signatures — projected from the ops in order. The ops (and their verification)
//! stay in the answer beside it; this is their reading, not a second record.
//!
//! Payloads are read leniently (`Value`, missing parts are null): a field this reading does not
//! know must never hide the op, which the page lists anyway.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// One stored op of the case, as the detail answer lists it.
pub struct Op<'a> {
    pub kind: &'a str,
    pub payload: Option<&'a Value>,
}

/// What the projection needs beside the ops.
pub struct Context<'a> {
    pub case_id: &'a str,
    /// Blobs stored complete at the center.
    pub stored: &'a BTreeSet<String>,
    /// The center's signature checks (`signatures::check`), for each signature's status.
    pub signatures: &'a [Value],
    /// The center's content checks of each transcript version.
    pub transcripts: &'a [Value],
    /// The enterprise's point and boundary, for the check-in sketch (the device measures the
    /// check-in's `distance_m` to the boundary when there is one, else to the point).
    pub enterprise_location: Option<Value>,
    pub enterprise_boundary: Option<Value>,
}

fn at<'v>(v: &'v Value, path: &str) -> &'v Value {
    v.pointer(path).unwrap_or(&Value::Null)
}

fn str_at(v: &Value, path: &str) -> Option<String> {
    v.pointer(path).and_then(Value::as_str).map(str::to_string)
}

/// The view of a case from its ops, oldest first.
pub fn project(ops: &[Op<'_>], cx: &Context<'_>) -> Value {
    let mut v = Map::new();
    let mut credentials = Vec::new();
    let mut answers: BTreeMap<String, Value> = BTreeMap::new();
    let mut answer_order: Vec<String> = Vec::new();
    let mut samples: Vec<Value> = Vec::new();
    let mut evidence: Vec<Value> = Vec::new();
    let mut interviews: Vec<Value> = Vec::new();
    let mut measures = Vec::new();
    let mut notes = Vec::new();
    let mut flags = Vec::new();
    let mut questions: BTreeMap<String, String> = BTreeMap::new();
    // transcript id → (kind, versions by number)
    let mut transcripts: Vec<(String, String, BTreeMap<u64, Value>)> = Vec::new();
    let mut team = Value::Array(Vec::new());
    let mut checkin = Value::Null;
    for op in ops {
        let Some(p) = op.payload else { continue };
        let body = at(p, "/body");
        if let Some(fs) = p.get("flags").and_then(Value::as_array) {
            flags.extend(fs.iter().cloned());
        }
        match op.kind {
            "case_opened" => {
                let c = at(body, "/case");
                v.insert("opened_at".into(), at(c, "/opened_at").clone());
                v.insert("procedure".into(), at(c, "/procedure").clone());
                v.insert("checklists".into(), at(c, "/checklists").clone());
                team = at(c, "/team").clone();
            }
            "checked_in" => {
                let c = at(body, "/checkin");
                checkin = json!({
                    "at": at(c, "/at"),
                    "point": at(c, "/fix/point"),
                    "accuracy_m": at(c, "/fix/accuracy_m"),
                    "source": at(c, "/fix/source"),
                    "distance_m": at(c, "/distance_m"),
                    "inside_geofence": at(c, "/inside_geofence"),
                    "reason": at(c, "/reason").clone(),
                    "time_uncertain": at(c, "/time_uncertain"),
                });
            }
            "credential_shown" => {
                let s = at(body, "/showing");
                credentials.push(json!({
                    "officer_id": at(s, "/officer_id"),
                    "name": at(s, "/name"),
                    "credential_number": at(s, "/credential_number"),
                    "at": at(s, "/at"),
                }));
            }
            "party_recorded" => {
                v.insert("party".into(), at(body, "/person").clone());
            }
            "notice_given" => {
                let n = at(body, "/notice");
                v.insert(
                    "notice".into(),
                    json!({
                        "at": at(n, "/at"),
                        "credentials_seen": at(n, "/credentials_seen"),
                        "recusal_requested": at(n, "/recusal_requested"),
                        "text_zh": at(n, "/text_zh"),
                    }),
                );
            }
            "answered" => {
                let a = at(body, "/answer");
                let Some(key) = str_at(body, "/key") else {
                    continue;
                };
                if !answers.contains_key(&key) {
                    answer_order.push(key.clone());
                }
                answers.insert(
                    key.clone(),
                    json!({
                        "key": key,
                        "form_id": at(a, "/form_id"),
                        "item_id": at(a, "/item_id"),
                        "instance": at(a, "/instance"),
                        "value": at(a, "/value"),
                        "note": at(a, "/note"),
                        "by": at(a, "/by"),
                        "at": at(a, "/at"),
                        "evidence": a.get("evidence").cloned().unwrap_or_else(|| json!([])),
                        "finding": a.get("finding").cloned().unwrap_or(Value::Null),
                    }),
                );
            }
            "form_migrated" => {
                for r in at(body, "/retired").as_array().into_iter().flatten() {
                    let item = str_at(r, "/answer/item_id").unwrap_or_default();
                    let instance = str_at(r, "/answer/instance");
                    answers.remove(&crate::case_facts::answer_key(&item, instance.as_deref()));
                }
            }
            "evidence_captured" => {
                let e = at(body, "/evidence");
                let sha = str_at(e, "/sha256").unwrap_or_default();
                evidence.push(json!({
                    "id": at(e, "/id"),
                    "kind": at(e, "/kind"),
                    "media_type": at(e, "/media_type"),
                    "proves": at(e, "/proves"),
                    "method": at(e, "/method"),
                    "sha256": sha,
                    "captured_at": at(e, "/captured_at"),
                    "captured_by": at(e, "/captured_by"),
                    "item_id": at(e, "/item_id"),
                    "fix": at(e, "/fix"),
                    "stored": cx.stored.contains(&sha),
                }));
            }
            "sample_taken" => {
                let s = at(body, "/sample");
                samples.push(json!({
                    "sample_id": at(s, "/sample_id"),
                    "point": at(s, "/point"),
                    "point_type": at(s, "/point_type"),
                    "parameters": at(s, "/parameters"),
                    "container": at(s, "/container"),
                    "preservative": at(s, "/preservative"),
                    "seal_no": at(s, "/seal_no"),
                    "collected_at": at(s, "/collected_at"),
                    "collected_by": at(s, "/collected_by"),
                    "party_witness": at(s, "/party_witness"),
                    "label_printed": at(s, "/label_printed"),
                    "custody": s.get("custody").cloned().unwrap_or_else(|| json!([])),
                }));
            }
            "handed_over" => {
                let id = at(body, "/sample_id");
                if let Some(s) = samples.iter_mut().find(|s| s["sample_id"] == *id)
                    && let Some(c) = s["custody"].as_array_mut()
                {
                    c.push(at(body, "/handover").clone());
                }
            }
            "interview_started" => {
                let i = at(body, "/interview");
                interviews.push(json!({
                    "id": at(i, "/id"),
                    "interviewee": at(i, "/interviewee"),
                    "interviewers": at(i, "/interviewers"),
                    "recorder": at(i, "/recorder"),
                    "place": at(i, "/place"),
                    "started_at": at(i, "/started_at"),
                    "ended_at": Value::Null,
                    "closing_statement": Value::Null,
                    "qa": [],
                }));
            }
            "qa_recorded" => {
                let id = at(body, "/interview_id");
                if let Some(i) = interviews.iter_mut().find(|i| i["id"] == *id)
                    && let Some(qa) = i["qa"].as_array_mut()
                {
                    qa.push(at(body, "/qa").clone());
                }
            }
            "interview_ended" => {
                let id = at(body, "/interview_id");
                if let Some(i) = interviews.iter_mut().find(|i| i["id"] == *id) {
                    i["ended_at"] = at(body, "/at").clone();
                    i["closing_statement"] = at(body, "/closing_statement").clone();
                }
            }
            "measure_ordered" => measures.push(at(body, "/measure").clone()),
            "penalty_issued" => measures.push(at(body, "/penalty").clone()),
            "note_added" => notes.push(json!({
                "at": at(p, "/at"), "by": at(p, "/by"), "text": at(body, "/text"),
            })),
            "transcript_drafted" => {
                let id = str_at(body, "/transcript_id").unwrap_or_default();
                let kind = str_at(body, "/kind").unwrap_or_default();
                let ver = at(body, "/version");
                let n = ver.get("version").and_then(Value::as_u64).unwrap_or(0);
                for a in at(ver, "/content/answers").as_array().into_iter().flatten() {
                    if let (Some(item), Some(q)) = (str_at(a, "/item"), str_at(a, "/question")) {
                        questions.insert(item, q);
                    }
                }
                let entry = match transcripts.iter_mut().find(|t| t.0 == id) {
                    Some(t) => t,
                    None => {
                        transcripts.push((id.clone(), kind, BTreeMap::new()));
                        transcripts.last_mut().expect("just pushed")
                    }
                };
                entry.2.insert(
                    n,
                    json!({
                        "version": n,
                        "content_hash": at(ver, "/content_hash"),
                        "drafted_at": at(p, "/at"),
                        "locked_at": Value::Null,
                        "refusal": Value::Null,
                    }),
                );
            }
            "signed" | "signature_refused" | "transcript_locked" => {
                let id = str_at(body, "/transcript_id").unwrap_or_default();
                let n = body.get("version").and_then(Value::as_u64).unwrap_or(0);
                let lock = match op.kind {
                    "transcript_locked" => at(body, "/at").clone(),
                    _ => at(body, "/lock").clone(),
                };
                if let Some(ver) = transcripts
                    .iter_mut()
                    .find(|t| t.0 == id)
                    .and_then(|t| t.2.get_mut(&n))
                {
                    if !lock.is_null() {
                        ver["locked_at"] = lock;
                    }
                    if op.kind == "signature_refused" {
                        ver["refusal"] = at(body, "/refusal").clone();
                    }
                }
            }
            "departed" => {
                v.insert("departed_at".into(), at(body, "/at").clone());
            }
            "closed" => {
                v.insert("closed_at".into(), at(body, "/at").clone());
            }
            _ => {}
        }
    }
    let answers: Vec<Value> = answer_order
        .iter()
        .filter_map(|k| answers.remove(k))
        .map(|mut a| {
            let item = a["item_id"].as_str().unwrap_or_default().to_string();
            a["question"] = questions.get(&item).map_or(Value::Null, |q| json!(q));
            a
        })
        .collect();
    let findings: Vec<Value> = answers
        .iter()
        .filter(|a| a["finding"].is_object())
        .map(|a| {
            let f = &a["finding"];
            let question = match &a["question"] {
                Value::Null => f.get("question_zh").cloned().unwrap_or(Value::Null),
                q => q.clone(),
            };
            json!({
                "key": a["key"],
                "item_id": a["item_id"],
                "question": question,
                "finding": f.get("text").cloned().unwrap_or(Value::Null),
                "escalate": f.get("escalate").cloned().unwrap_or(Value::Null),
                "basis": f.get("basis").cloned().unwrap_or_else(|| json!([])),
                "penalty": f.get("penalty").cloned().unwrap_or_else(|| json!([])),
                "limits": f.get("limits").cloned().unwrap_or_else(|| json!([])),
                "evidence": a["evidence"],
            })
        })
        .collect();
    let transcripts: Vec<Value> = transcripts
        .into_iter()
        .map(|(id, kind, versions)| {
            let versions: Vec<Value> = versions
                .into_values()
                .map(|mut ver| {
                    let n = ver["version"].as_u64().unwrap_or(0);
                    let intact = cx.transcripts.iter().find(|t| {
                        t["transcript_id"] == json!(id) && t["version"].as_u64() == Some(n)
                    });
                    ver["content_intact"] =
                        intact.map_or(Value::Null, |t| t["content_intact"].clone());
                    ver["locked"] = json!(!ver["locked_at"].is_null());
                    ver["signatures"] = Value::Array(
                        cx.signatures
                            .iter()
                            .filter(|s| {
                                s["transcript_id"] == json!(id)
                                    && s["signed_version"].as_u64() == Some(n)
                            })
                            .map(|s| {
                                json!({
                                    "name": s["name"], "role": s["role"], "at": s["at"],
                                    "status": s["check"]["status"],
                                    "pin_confirmed_at": s["pin_confirmed_at"],
                                    "pin_confirmed_by": s["pin_confirmed_by"],
                                })
                            })
                            .collect(),
                    );
                    ver["pdf"] =
                        json!(format!("/v1/cases/{}/transcripts/{id}/{n}/pdf", cx.case_id));
                    ver
                })
                .collect();
            json!({"transcript_id": id, "kind": kind, "versions": versions})
        })
        .collect();
    // The team with the credential each showed (the case_opened team is ids only).
    let team: Vec<Value> = team
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|id| {
            let shown = credentials.iter().find(|c| c["officer_id"] == json!(id));
            json!({
                "id": id,
                "name": shown.map_or(Value::Null, |c| c["name"].clone()),
                "credential": shown.map_or(Value::Null, |c| c["credential_number"].clone()),
            })
        })
        .collect();
    for key in [
        "opened_at",
        "closed_at",
        "departed_at",
        "procedure",
        "party",
        "notice",
    ] {
        v.entry(key).or_insert(Value::Null);
    }
    v.insert("team".into(), Value::Array(team));
    v.insert("checkin".into(), checkin);
    v.insert(
        "enterprise_location".into(),
        cx.enterprise_location.clone().unwrap_or(Value::Null),
    );
    v.insert(
        "enterprise_boundary".into(),
        cx.enterprise_boundary.clone().unwrap_or(Value::Null),
    );
    v.insert("credentials".into(), Value::Array(credentials));
    v.insert("answers".into(), Value::Array(answers));
    v.insert("findings".into(), Value::Array(findings));
    v.insert("samples".into(), Value::Array(samples));
    v.insert("evidence".into(), Value::Array(evidence));
    v.insert("interviews".into(), Value::Array(interviews));
    v.insert("measures".into(), Value::Array(measures));
    v.insert("notes".into(), Value::Array(notes));
    v.insert("transcripts".into(), Value::Array(transcripts));
    v.insert("flags".into(), Value::Array(flags));
    Value::Object(v)
}
