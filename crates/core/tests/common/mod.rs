//! Test fixture: a real store in a temp folder, the real forms/, the demo reference data, and a
//! deterministic clock. Commands are written as JSON exactly as a scenario file would hold them.
#![allow(dead_code)]

use std::path::PathBuf;

use fieldcase_core::env::SteppingEnv;
use fieldcase_core::forms::FormSet;
use fieldcase_core::{Engine, Outcome, ReferenceBundle, Result};
use serde_json::{Value, json};

pub fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The tests' store keys live in a key folder under target/, apart from every store (this
/// machine has no platform key store; the folder store is the real one CI and servers use).
pub fn test_keys() {
    fieldcase_core::store::KeyStore::set_process_default(fieldcase_core::store::KeyStore::Dir(
        root().join("target/test-keys"),
    ))
    .expect("key store");
}

pub fn forms() -> FormSet {
    FormSet::load(&root().join("forms")).expect("forms/ loads")
}

pub fn reference() -> Value {
    let t = std::fs::read_to_string(root().join("demo/electroplating/reference.json"))
        .expect("reference");
    serde_json::from_str(&t).expect("reference json")
}

pub const PHOTO: &str = "demo/electroplating/outlet.png";

pub fn at_site() -> Value {
    json!({"lat": 31.2557, "lon": 120.6050, "accuracy_m": 8.0, "fix_time": "2026-11-23T09:00:00+08:00"})
}

#[derive(Debug)]
pub struct Fx {
    pub dir: tempfile::TempDir,
    pub eng: Engine<SteppingEnv>,
    pub case: String,
}

impl Fx {
    /// A store with the demo reference (optionally edited) imported; no case yet.
    pub fn with(edit: impl FnOnce(&mut Value)) -> Fx {
        test_keys();
        let dir = tempfile::tempdir().expect("tempdir");
        let env = SteppingEnv::at("2026-11-23T09:00:00+08:00", 1000).expect("clock");
        let mut eng = Engine::open(dir.path(), forms(), env).expect("engine");
        let mut r = reference();
        edit(&mut r);
        let bundle: ReferenceBundle = serde_json::from_value(r).expect("bundle");
        eng.import(&bundle).expect("import");
        Fx {
            dir,
            eng,
            case: String::new(),
        }
    }

    pub fn new() -> Fx {
        Fx::with(|_| {})
    }

    pub fn ops(&self) -> i64 {
        self.eng
            .store()
            .conn()
            .query_row("SELECT COUNT(*) FROM ops", [], |r| r.get(0))
            .expect("count")
    }

    /// Runs a command; `case_id` is filled with the current case when absent.
    pub fn run(&mut self, mut cmd: Value) -> Result<Outcome> {
        let o = cmd.as_object_mut().expect("object");
        if o.get("step") != Some(&json!("open_case")) && !o.contains_key("case_id") {
            o.insert("case_id".into(), json!(self.case));
        }
        if let Some(Value::String(p)) = o.get("path") {
            let full = root().join(p);
            o.insert("path".into(), json!(full.display().to_string()));
        }
        let c = serde_json::from_value(cmd).expect("command json");
        let out = self.eng.execute(&c)?;
        if out.kind == "case_opened" {
            self.case = out.case_id.clone();
        }
        Ok(out)
    }

    pub fn ok(&mut self, cmd: Value) -> Outcome {
        match self.run(cmd.clone()) {
            Ok(o) => o,
            Err(e) => panic!("{cmd} failed: {e}"),
        }
    }

    /// Asserts the command is refused with `code`, with both messages, and nothing was written.
    pub fn refused(&mut self, cmd: Value, code: &str) -> (String, String) {
        let before = self.ops();
        let e = self
            .run(cmd.clone())
            .expect_err(&format!("{cmd} should be refused with {code}"));
        let r = e
            .refusal()
            .unwrap_or_else(|| panic!("{cmd}: expected refusal {code}, got {e}"))
            .clone();
        assert_eq!(r.code, code, "{cmd}: {}", r.en);
        assert!(!r.zh.is_empty() && !r.en.is_empty());
        assert!(
            r.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "Chinese message: {}",
            r.zh
        );
        assert_eq!(self.ops(), before, "a refused command must write nothing");
        (r.zh, r.en)
    }

    pub fn open(&mut self) -> &mut Self {
        self.ok(json!({"step": "open_case", "task_id": "T-2026-1123-01", "by": "O-ZHANG"}));
        self
    }
    pub fn checked_in(&mut self) -> &mut Self {
        self.open();
        self.ok(json!({"step": "check_in", "by": "O-ZHANG", "fix": at_site()}));
        self
    }
    pub fn shown(&mut self) -> &mut Self {
        self.checked_in();
        self.ok(json!({"step": "show_credential", "officer_id": "O-ZHANG"}));
        self.ok(json!({"step": "show_credential", "officer_id": "O-LI"}));
        self
    }
    pub fn informed(&mut self) -> &mut Self {
        self.shown();
        self.ok(json!({"step": "give_notice", "by": "O-ZHANG", "credentials_seen": true, "recusal_requested": false}));
        self
    }
    pub fn photo(&mut self, proves: &str) -> String {
        self.ok(json!({"step": "capture_evidence", "by": "O-LI", "path": PHOTO, "kind": "photo", "media_type": "image/png",
            "method": "拍照", "proves": proves, "fix": at_site()}))
        .created
        .expect("evidence id")
    }
    pub fn person() -> Value {
        json!({"name": "陈建国", "id_type": "居民身份证", "id_number": "320506197503121234", "phone": "13812345678",
               "address": "苏州市吴中区长桥街道某小区1幢", "relation": "法定代表人"})
    }
    /// An ended interview; returns its id.
    pub fn interview(&mut self) -> String {
        let iv = self
            .ok(json!({"step": "start_interview", "by": "O-ZHANG", "interviewee": Fx::person(), "place": "会议室",
                "interviewers": ["O-ZHANG"], "recorder": "O-LI"}))
            .created
            .expect("interview id");
        self.ok(json!({"step": "record_qa", "interview_id": iv, "q": "你是否看清了我们的执法证件？", "a": "看清了。"}));
        self.ok(json!({"step": "end_interview", "interview_id": iv, "closing_statement": "以上笔录我已看过，与我说的一致。"}));
        iv
    }
    pub fn strokes() -> Value {
        json!([[[1.0, 1.0, 0.0, 0.5], [20.0, 10.0, 100.0, 0.6]]])
    }
    /// A drafted inquiry transcript (v1); returns its id.
    pub fn inquiry(&mut self) -> String {
        let iv = self.interview();
        self.ok(json!({"step": "draft_transcript", "by": "O-ZHANG", "kind": "inquiry", "interview_id": iv})).created.expect("transcript")
    }
    pub fn sign_officers(&mut self, t: &str, v: u32) {
        self.ok(json!({"step": "sign", "transcript_id": t, "version": v, "role": "officer", "signer_id": "O-ZHANG", "name": "张伟", "strokes": Fx::strokes()}));
        self.ok(json!({"step": "sign", "transcript_id": t, "version": v, "role": "officer", "signer_id": "O-LI", "name": "李娜", "strokes": Fx::strokes()}));
    }
}
