//! What a transcript says, section by section: the template (forms/templates, data) applied to
//! the version's canonical content, as paragraphs handed to the [`Layout`].

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::layout::Layout;
use crate::template::{Field, Format, Section, SectionKind};
use crate::zh_time;

pub(crate) fn at<'v>(v: &'v Value, ptr: &str) -> &'v Value {
    v.pointer(ptr).unwrap_or(&Value::Null)
}

pub(crate) fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

pub(crate) fn time(v: &Value) -> Option<DateTime<FixedOffset>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
}

pub(crate) fn time_zh(v: &Value) -> String {
    time(v)
        .map(|t| zh_time::datetime(&t))
        .unwrap_or_else(|| scalar(v))
}

/// Fills `{key}` from the object `obj` and `{}` with the element itself.
fn fill(pattern: &str, obj: &Value) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let key = &rest[i + 1..i + j];
        if key.is_empty() {
            out.push_str(&scalar(obj));
        } else {
            out.push_str(&scalar(obj.get(key).unwrap_or(&Value::Null)));
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

pub(crate) fn field_value(f: &Field, content: &Value) -> String {
    let v = at(content, &f.path);
    let s = match f.format {
        Format::Text => {
            let s = scalar(v);
            f.map.get(&s).cloned().unwrap_or(s)
        }
        Format::Datetime => time_zh(v),
        Format::Span => {
            let end = at(content, f.end.as_deref().unwrap_or(""));
            match (time(v), time(end)) {
                (Some(a), Some(b)) => zh_time::span(&a, &b),
                _ => format!("{}至{}", time_zh(v), time_zh(end)),
            }
        }
        Format::Coords => {
            let p = v.get("point").unwrap_or(v);
            match (
                p.get("lat").and_then(Value::as_f64),
                p.get("lon").and_then(Value::as_f64),
            ) {
                (Some(lat), Some(lon)) => {
                    let mut s = format!(
                        "{}{:.6}° {}{:.6}°",
                        if lat >= 0.0 { "北纬" } else { "南纬" },
                        lat.abs(),
                        if lon >= 0.0 { "东经" } else { "西经" },
                        lon.abs()
                    );
                    if let Some(a) = v.get("accuracy_m").and_then(Value::as_f64) {
                        let src = match v.get("source").and_then(Value::as_str) {
                            Some("gnss") => "卫星定位",
                            Some("manual") => "手工输入",
                            Some(o) => o,
                            None => "",
                        };
                        s.push_str(&format!("（{src}，精度±{a:.0}米）"));
                    }
                    s
                }
                _ => String::new(),
            }
        }
        Format::List => {
            let elems: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                Value::Null => vec![],
                other => vec![other],
            };
            let table = f.lookup.as_deref().map(|p| at(content, p));
            let parts: Vec<String> = elems
                .into_iter()
                .map(|e| {
                    let target = match (table, f.key.as_deref()) {
                        (Some(Value::Array(rows)), Some(k)) => {
                            rows.iter().find(|r| r.get(k) == Some(e)).unwrap_or(e)
                        }
                        _ => e,
                    };
                    match (&f.item, target) {
                        (Some(p), t) if t.is_object() || p.contains("{}") => fill(p, t),
                        _ => scalar(target),
                    }
                })
                .filter(|s| !s.is_empty())
                .collect();
            parts.join(f.join.as_deref().unwrap_or("、"))
        }
    };
    match &f.suffix {
        Some(x) if !s.is_empty() => format!("{s}{x}"),
        _ => s,
    }
}

fn label<'a>(s: &'a Section, key: &str, default: &'a str) -> &'a str {
    s.labels.get(key).map(String::as_str).unwrap_or(default)
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

pub(crate) fn section(l: &mut Layout<'_>, s: &Section, content: &Value) {
    let path = |d: &str| s.path.clone().unwrap_or_else(|| d.to_string());
    let (left, body) = (l.g.left, l.g.body);
    let indent = left + 2.0 * body;
    let title = |l: &mut Layout<'_>| {
        if let Some(t) = &s.title {
            l.heading(t);
        }
    };
    match s.kind {
        SectionKind::Supplement => {
            let v = at(content, &path("/supplement_to"));
            if v.is_null() {
                return;
            }
            title(l);
            let hash = scalar(at(v, "/content_hash"));
            let text = format!(
                "本笔录为第{}版笔录（内容哈希 {}）的补充笔录。更正原因：{}",
                scalar(at(v, "/version")),
                short(&hash),
                scalar(at(v, "/reason"))
            );
            l.para(left, "", &text, body);
        }
        SectionKind::Notice => {
            let v = at(content, &path("/notice"));
            if v.is_null() {
                return;
            }
            title(l);
            let text = scalar(at(v, "/text_zh"));
            for p in text.lines() {
                l.para(left, "", p, body);
            }
            let seen = at(v, "/credentials_seen").as_bool() == Some(true);
            let recusal = at(v, "/recusal_requested").as_bool() == Some(true);
            let mut ans = format!(
                "{}{}    {}{}",
                label(s, "seen_q", "是否看清执法证件："),
                if seen {
                    label(s, "seen_yes", "已看清")
                } else {
                    label(s, "seen_no", "未看清")
                },
                label(s, "recusal_q", "是否申请回避："),
                if recusal {
                    label(s, "recusal_yes", "申请回避")
                } else {
                    label(s, "recusal_no", "不申请回避")
                },
            );
            let reason = scalar(at(v, "/recusal_reason"));
            if !reason.is_empty() {
                ans.push_str(&format!("；{}{}", label(s, "reason", "回避理由："), reason));
            }
            l.para(left, "", &ans, body);
            let when = time_zh(at(v, "/at"));
            if !when.is_empty() {
                l.para(left, "", &format!("告知时间：{when}"), body);
            }
        }
        SectionKind::Paragraph => {
            let text = scalar(at(content, &path("")));
            let text = if text.trim().is_empty() {
                match &s.empty {
                    Some(e) => e.clone(),
                    None => return,
                }
            } else {
                text
            };
            title(l);
            for p in text.lines() {
                l.para(left, "", p, body);
            }
        }
        SectionKind::Answers => {
            let rows = arr(at(content, &path("/answers")));
            if rows.is_empty() {
                return;
            }
            title(l);
            let mut n = 0;
            for r in rows {
                n += 1;
                let mut id = scalar(at(r, "/item"));
                let inst = scalar(at(r, "/instance"));
                if !inst.is_empty() {
                    id = format!("{id}#{inst}");
                }
                let value = match at(r, "/value") {
                    Value::Bool(true) => label(s, "yes", "是").to_string(),
                    Value::Bool(false) => label(s, "no", "否").to_string(),
                    Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join("、"),
                    // A document answer: present with its number, or absent.
                    Value::Object(o) if o.contains_key("present") => match o.get("present") {
                        Some(Value::Bool(true)) => format!(
                            "{} {}",
                            label(s, "doc_present", "具备，编号"),
                            scalar(o.get("number").unwrap_or(&Value::Null))
                        ),
                        _ => label(s, "doc_absent", "不具备").to_string(),
                    },
                    // Multi-parameter readings: 总镉 0.01、pH 7.2.
                    Value::Object(o) => o
                        .iter()
                        .map(|(k, v)| format!("{k} {}", scalar(v)))
                        .collect::<Vec<_>>()
                        .join("、"),
                    Value::String(code) => label(s, code, code).to_string(),
                    other => scalar(other),
                };
                let question = scalar(at(r, "/question"));
                // One paragraph: a long question must not squeeze its answer into a thin column.
                let text = if question.is_empty() {
                    format!("{id}：{value}")
                } else {
                    format!("{question}（{id}）：{value}")
                };
                l.para(indent, &format!("{n}. "), &text, body);
            }
        }
        SectionKind::Findings => {
            let rows = arr(at(content, &path("/findings")));
            if rows.is_empty() {
                if let Some(e) = &s.empty {
                    title(l);
                    l.para(left, "", e, body);
                }
                return;
            }
            title(l);
            for (i, r) in rows.iter().enumerate() {
                let mut id = scalar(at(r, "/item"));
                let inst = scalar(at(r, "/instance"));
                if !inst.is_empty() {
                    id = format!("{id}#{inst}");
                }
                l.para(
                    left,
                    &format!("{}. ", i + 1),
                    &format!("{}（{id}）", scalar(at(r, "/question"))),
                    body,
                );
                l.para(
                    indent,
                    label(s, "finding", "发现："),
                    &scalar(at(r, "/finding")),
                    body,
                );
                for lim in arr(at(r, "/limits")) {
                    let mut t = String::new();
                    let p = scalar(at(lim, "/param"));
                    if !p.is_empty() {
                        t.push_str(&p);
                        t.push(' ');
                    }
                    t.push_str(&format!(
                        "实测{}，限值{}",
                        scalar(at(lim, "/value")),
                        scalar(at(lim, "/limit"))
                    ));
                    let r = scalar(at(lim, "/reference"));
                    if !r.is_empty() {
                        t.push_str(&format!("（{r}）"));
                    }
                    t.push('，');
                    t.push_str(if at(lim, "/exceeded").as_bool() == Some(true) {
                        label(s, "exceeded", "超标")
                    } else {
                        label(s, "within", "未超标")
                    });
                    l.para(indent, label(s, "limits", "限值比对："), &t, body);
                }
                for (key, def) in [("basis", "法律依据："), ("penalty", "处罚依据：")] {
                    let texts: Vec<String> = arr(at(r, &format!("/{key}")))
                        .iter()
                        .map(|b| scalar(at(b, "/text")))
                        .filter(|t| !t.is_empty())
                        .collect();
                    if !texts.is_empty() {
                        l.para(indent, label(s, key, def), &texts.join("；"), body);
                    }
                }
            }
        }
        SectionKind::Samples => {
            let rows = arr(at(content, &path("/samples")));
            if rows.is_empty() {
                return;
            }
            title(l);
            for (i, r) in rows.iter().enumerate() {
                let params: Vec<String> = arr(at(r, "/parameters")).iter().map(scalar).collect();
                let t = format!(
                    "{}  {}{}  {}{}  {}{}",
                    scalar(at(r, "/id")),
                    label(s, "point", "采样点位："),
                    scalar(at(r, "/point")),
                    label(s, "seal", "封条号："),
                    scalar(at(r, "/seal")),
                    label(s, "parameters", "监测项目："),
                    params.join("、")
                );
                l.para(left, &format!("{}. ", i + 1), &t, body);
            }
        }
        SectionKind::Evidence => {
            let rows = arr(at(content, &path("/evidence")));
            if rows.is_empty() {
                return;
            }
            title(l);
            for (i, r) in rows.iter().enumerate() {
                let kind = scalar(at(r, "/kind"));
                let mut t = format!(
                    "{} {}  {}  {}{}  {}{}",
                    label(s, &kind, &kind),
                    scalar(at(r, "/id")),
                    time_zh(at(r, "/at")),
                    label(s, "proves", "证明："),
                    scalar(at(r, "/proves")),
                    label(s, "sha256", "SHA-256："),
                    short(&scalar(at(r, "/sha256")))
                );
                if at(r, "/external").as_bool() == Some(true) {
                    t.push_str(label(s, "external", "（外部导入）"));
                }
                l.para(left, &format!("{}. ", i + 1), &t, body);
            }
        }
        SectionKind::Measures => {
            let rows = arr(at(content, &path("/measures")));
            if rows.is_empty() {
                return;
            }
            title(l);
            for (i, r) in rows.iter().enumerate() {
                let t = format!(
                    "{}：{}（{}）",
                    scalar(at(r, "/kind")),
                    scalar(at(r, "/description")),
                    time_zh(at(r, "/at"))
                );
                l.para(left, &format!("{}. ", i + 1), &t, body);
            }
        }
        SectionKind::Qa => {
            let p = path("/interview/qa");
            l.space(6.0);
            title(l);
            for r in arr(at(content, &p)) {
                l.para(left, label(s, "q", "问："), &scalar(at(r, "/q")), body);
                l.para(left, label(s, "a", "答："), &scalar(at(r, "/a")), body);
            }
            let parent = p.rsplit_once('/').map(|x| x.0).unwrap_or("");
            let closing = scalar(at(content, &format!("{parent}/closing_statement")));
            if !closing.is_empty() {
                l.para(left, label(s, "closing", "被询问人确认："), &closing, body);
            }
        }
    }
}

pub(crate) fn short(hash: &str) -> String {
    if hash.len() > 16 {
        format!("{}…", &hash[..16])
    } else {
        hash.to_string()
    }
}
