//! Hand-built transcript content shaped like crates/core/src/engine/records.rs `content`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use fieldcase_docs::Font;
use serde_json::{Value, json};

/// The system CJK font, parsed once per test binary.
pub fn font() -> &'static Font {
    static F: OnceLock<Font> = OnceLock::new();
    F.get_or_init(|| Font::system().expect("fonts-noto-cjk installed"))
}

/// `target/docs-review`: PDFs and page images left for a person to look at.
pub fn review_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/docs-review");
    std::fs::create_dir_all(&d).expect("review dir");
    d
}

/// Runs poppler's `pdftoppm` with `args` on `pdf`, writing images named from `prefix`.
pub fn pdftoppm(args: &[&str], pdf: &Path, prefix: &Path) {
    let st = Command::new("pdftoppm")
        .args(args)
        .arg(pdf)
        .arg(prefix)
        .status()
        .expect("pdftoppm (apt poppler-utils)");
    assert!(st.success(), "pdftoppm {args:?} {}", pdf.display());
}

pub const NOTICE: &str = "我们是苏州市生态环境局的执法人员，这是我们的执法证件，请你确认。今天我们依法对你单位进行现场检查（调查），你（单位）有义务如实回答询问、提供有关材料并协助检查，不得拒绝、阻挠、隐瞒或者提供虚假情况，否则将承担相应法律责任。如果你认为执法人员与本案有直接利害关系或者有其他关系可能影响公正执法，可以申请回避，并说明理由。问：你是否看清了我们的执法证件？是否申请回避？";

pub const SHA: &str = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4f6a8b0d2f4e6a8c0e";

fn common() -> Value {
    json!({
        "agency": "苏州市生态环境局",
        "case_id": "320505-20250612-D07-0003",
        "task": {"id": "T-2025-0612-01", "source": "random_draw"},
        "place": {"address": "苏州市高新区珠江路88号", "fix": {"point": {"lat": 31.29912, "lon": 120.585316}, "accuracy_m": 6.0, "source": "gnss"}},
        "party": {"name": "苏州华鑫电镀有限公司", "uscc": "91320505MA1XYZ1234", "address": "苏州市高新区珠江路88号", "legal_rep": "王建国"},
        "person_on_site": {"name": "李明", "sex": "男", "id_type": "居民身份证", "id_number": "320505198001011234", "title": "环保主管", "phone": "13912345678", "address": "苏州市高新区狮山路1号", "relation": "受委托人", "power_of_attorney": "E-009"},
        "officers": [
            {"id": "off-1", "name": "张伟", "credential": "32050012345"},
            {"id": "off-2", "name": "陈静", "credential": "32050067890"}
        ],
        "notice": {"notice_id": "notice-2025.1", "text_zh": NOTICE, "at": "2025-06-12T09:35:00+08:00", "credentials_seen": true, "recusal_requested": false},
        "started_at": "2025-06-12T09:30:00+08:00",
        "ended_at": "2025-06-12T11:45:00+08:00",
        "forms": {"procedure": {"id": "inspection", "version": "2025.1"}, "checklists": [{"id": "electroplating", "version": "2025.1"}, {"id": "common", "version": "2025.1"}]},
    })
}

pub fn onsite() -> Value {
    let mut c = common();
    c["kind"] = json!("onsite");
    let answers: Vec<Value> = (1..=33)
        .map(|i| {
            let value = match i % 4 {
                0 => json!(true),
                1 => json!(false),
                2 => json!(format!("第{i}项台账记录完整")),
                _ => json!(12.5 + i as f64),
            };
            json!({"item": format!("EP-{i:02}"), "instance": if i == 7 { json!("2") } else { Value::Null }, "value": value})
        })
        .collect();
    c["answers"] = json!(answers);
    c["findings"] = json!([
        {"item": "EP-05", "instance": null, "question": "车间排口六价铬是否达标", "finding": "车间排口废水六价铬快速检测值为0.45mg/L，超过排放限值。",
         "limits": [{"param": "六价铬", "value": 0.45, "limit": "≤0.2mg/L", "source": "permit", "reference": "GB 21900-2008 表2", "exceeded": true, "verified": true, "factor": 2.25}],
         "basis": [{"text": "《中华人民共和国水污染防治法》第十条", "instrument_id": "wpl", "version": "2017", "verified": true}, {"text": "《电镀污染物排放标准》（GB 21900-2008）表2", "instrument_id": "gb21900", "version": "2008", "verified": true}],
         "penalty": [{"text": "《中华人民共和国水污染防治法》第八十三条第（二）项", "instrument_id": "wpl", "version": "2017", "verified": true}]},
        {"item": "HW-03", "instance": null, "question": "危险废物贮存场所是否设置识别标志", "finding": "危废仓库未按规定设置危险废物识别标志，地面有破损。",
         "limits": [],
         "basis": [{"text": "《中华人民共和国固体废物污染环境防治法》第七十七条", "instrument_id": "swl", "version": "2020", "verified": true}],
         "penalty": [{"text": "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第（一）项", "instrument_id": "swl", "version": "2020", "verified": true}]}
    ]);
    c["samples"] = json!([
        {"id": "S-20250612-01", "point": "镀铬车间排口", "seal": "FT-0001", "parameters": ["六价铬", "总铬", "pH"]},
        {"id": "S-20250612-02", "point": "废水总排口", "seal": "FT-0002", "parameters": ["化学需氧量", "氨氮", "总镍"]}
    ]);
    c["evidence"] = json!([
        {"id": "E-001", "kind": "photo", "sha256": "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", "proves": "镀铬车间排口废水排放情况", "at": "2025-06-12T09:50:00+08:00", "external": false},
        {"id": "E-002", "kind": "photo", "sha256": "b1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", "proves": "危废仓库未设置识别标志", "at": "2025-06-12T10:20:00+08:00", "external": false},
        {"id": "E-003", "kind": "video", "sha256": "c1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", "proves": "执法记录仪全程录像", "at": "2025-06-12T09:30:00+08:00", "external": false},
        {"id": "E-004", "kind": "doc_copy", "sha256": "d1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", "proves": "危险废物管理台账复印件", "at": "2025-06-12T10:40:00+08:00", "external": true}
    ]);
    c["measures"] = json!([
        {"kind": "责令改正", "description": "责令立即停止超标排放含铬废水，并于2025年6月30日前完成危废仓库标识整改。", "emergency": false, "at": "2025-06-12T11:30:00+08:00"}
    ]);
    c["narrative"] = json!(
        "经现场检查，该单位正在生产，生产负荷约80%。镀铬生产线及配套含铬废水处理设施正在运行，车间排口有废水排放，废水呈淡黄色，无明显异味。执法人员使用便携式快速检测仪对车间排口废水进行检测，六价铬检测值为0.45mg/L。\n危废仓库内贮存废槽液约2.5吨、含铬污泥约3吨（HW17），仓库门口未设置危险废物识别标志，地面防渗层有局部破损。企业提供了2025年1月至5月的危险废物管理台账，台账记录完整。"
    );
    c["party_opinion"] = json!("以上记录属实。");
    c
}

pub fn inquiry() -> Value {
    let mut c = common();
    c["kind"] = json!("inquiry");
    c["answers"] = json!([]);
    c["findings"] = json!([]);
    c["samples"] = json!([]);
    c["evidence"] = json!([]);
    c["measures"] = json!([]);
    c["narrative"] = json!("");
    c["party_opinion"] = Value::Null;
    c["interview"] = json!({
        "id": "iv-1",
        "interviewee": {"name": "李明", "sex": "男", "id_type": "居民身份证", "id_number": "320505198001011234", "title": "环保主管", "phone": "13912345678", "address": "苏州市高新区狮山路1号", "relation": "受委托人"},
        "sequence": 1,
        "place": "苏州华鑫电镀有限公司会议室",
        "started_at": "2025-06-12T10:50:00+08:00",
        "ended_at": "2025-06-12T11:25:00+08:00",
        "interviewers": ["off-1", "off-2"],
        "recorder": "off-2",
        "qa": [
            {"q": "我们是苏州市生态环境局的执法人员（出示执法证件），执法证件号码分别为32050012345、32050067890。现依法就苏州华鑫电镀有限公司有关情况向你进行调查询问。你是否看清了我们的执法证件？", "a": "看清了。"},
            {"q": "根据法律规定，你有如实回答询问、协助调查的义务，不得拒绝、阻碍、隐瞒或者提供虚假情况，否则将依法承担相应法律责任。你听清楚了吗？", "a": "听清楚了。"},
            {"q": "你有申请执法人员回避的权利。如果认为执法人员与本案有直接利害关系或者有其他关系可能影响公正执法，可以申请回避。你是否申请回避？", "a": "不申请回避。"},
            {"q": "请说明你的姓名、工作单位、职务及你与本单位（本案）的关系。你是否受单位委托接受调查？", "a": "我叫李明，是苏州华鑫电镀有限公司的环保主管，受公司法定代表人王建国委托接受调查，有授权委托书。"},
            {"q": "今天上午执法人员在你公司镀铬车间排口检测六价铬为0.45mg/L，你对此有何说明？", "a": "可能是还原池的加药泵6月10日坏了，还没来得及修，处理效果不好。"},
            {"q": "你还有什么需要补充说明的吗？", "a": "没有了，我们马上整改。"},
            {"q": "请你核对以上笔录，如有遗漏或差错可以补充或更正；如无误请写明意见并签名。", "a": "以上笔录我已看过，与我说的一致。"}
        ],
        "closing_statement": "以上笔录我已看过，与我说的一致。"
    });
    c
}

/// A signature-like PNG (RGBA, transparent background, dark strokes).
pub fn signature_png(seed: u32) -> Vec<u8> {
    let (w, h) = (600u32, 200u32);
    let mut img = image::RgbaImage::new(w, h);
    for k in 0..3u32 {
        for t in 0..2000u32 {
            let tf = t as f32 / 2000.0;
            let x = 40.0 + tf * 520.0;
            let y = 100.0
                + 50.0 * ((tf * (8.0 + k as f32 + seed as f32)) * std::f32::consts::PI).sin()
                + 10.0 * k as f32;
            for dx in 0..4 {
                for dy in 0..4 {
                    let (px, py) = (x as u32 + dx, y as u32 + dy);
                    if px < w && py < h {
                        img.put_pixel(px, py, image::Rgba([10, 10, 60, 255]));
                    }
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

pub fn signatures() -> Vec<fieldcase_docs::SignatureImage> {
    [("被检查人", "李明"), ("检查人", "张伟"), ("记录人", "陈静")]
        .iter()
        .enumerate()
        .map(|(i, (r, n))| fieldcase_docs::SignatureImage {
            role_zh: r.to_string(),
            name: n.to_string(),
            at: format!("2025-06-12T11:4{}:00+08:00", i + 5),
            png: signature_png(i as u32),
            // The officers' rows carry the PIN line, the party's not.
            pin_confirmed: i > 0,
        })
        .collect()
}

pub fn template(name: &str) -> fieldcase_docs::template::Template {
    let p = format!(
        "{}/../../forms/templates/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    fieldcase_docs::template::Template::from_yaml(&std::fs::read_to_string(p).expect("template"))
        .expect("template parses")
}
