//! Checking that an answer value has the shape its item's kind asks for.

use super::types::{AnswerKind, Item};

/// Why a value does not fit an item; English and Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    pub zh: String,
    pub en: String,
}

fn err(zh: String, en: String) -> Result<(), ShapeError> {
    Err(ShapeError { zh, en })
}

/// Checks an answer value against its item. `Null` is never a valid answer.
pub fn check_value(item: &Item, v: &serde_json::Value) -> Result<(), ShapeError> {
    use serde_json::Value as J;
    let id = &item.id;
    match item.ans {
        AnswerKind::Tri => match v.as_str() {
            Some("compliant" | "non_compliant" | "not_applicable") => Ok(()),
            _ => err(
                format!(
                    "检查项 {id} 的答案须为 合规(compliant)、不合规(non_compliant) 或 不涉及(not_applicable)"
                ),
                format!("item {id} takes compliant, non_compliant or not_applicable"),
            ),
        },
        AnswerKind::Bool => match v {
            J::Bool(_) => Ok(()),
            _ => err(
                format!("检查项 {id} 的答案须为 是/否"),
                format!("item {id} takes true or false"),
            ),
        },
        AnswerKind::Num => {
            let multi = item.limit.as_ref().is_some_and(|l| l.values.is_some());
            match v {
                J::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(()),
                J::Object(m) if multi && !m.is_empty() => {
                    let known = item.limit.as_ref().and_then(|l| l.values.as_ref());
                    for (k, x) in m {
                        if !x.as_f64().is_some_and(f64::is_finite) {
                            return err(
                                format!("检查项 {id} 的参数 {k} 须为数值"),
                                format!("item {id}: parameter {k} must be a number"),
                            );
                        }
                        if known.is_some_and(|kn| !kn.contains_key(k)) {
                            return err(
                                format!("检查项 {id} 没有参数 {k}"),
                                format!("item {id} has no parameter {k}"),
                            );
                        }
                    }
                    Ok(())
                }
                _ => err(
                    format!(
                        "检查项 {id} 的答案须为数值{}",
                        if multi { "或 {参数: 数值}" } else { "" }
                    ),
                    format!(
                        "item {id} takes a number{}",
                        if multi { " or {parameter: number}" } else { "" }
                    ),
                ),
            }
        }
        AnswerKind::Choice => match v.as_str() {
            Some(s) if item.options.iter().any(|o| o == s) => Ok(()),
            _ => err(
                format!(
                    "检查项 {id} 的答案须为以下之一：{}",
                    item.options.join("、")
                ),
                format!("item {id} takes one of: {}", item.options.join(", ")),
            ),
        },
        AnswerKind::Text => match v.as_str() {
            Some(s) if !s.trim().is_empty() => {
                if let Some(rule) = &item.validate {
                    let ok = regex::Regex::new(&rule.regex)
                        .map(|r| r.is_match(s))
                        .unwrap_or(false);
                    if !ok {
                        return err(
                            rule.message_zh
                                .clone()
                                .unwrap_or_else(|| format!("检查项 {id} 的格式不正确")),
                            rule.message_en
                                .clone()
                                .unwrap_or_else(|| format!("item {id}: wrong format")),
                        );
                    }
                }
                Ok(())
            }
            _ => err(
                format!("检查项 {id} 的答案须为非空文字"),
                format!("item {id} takes non-empty text"),
            ),
        },
        AnswerKind::Date => match v
            .as_str()
            .map(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        {
            Some(Ok(_)) => Ok(()),
            _ => err(
                format!("检查项 {id} 的答案须为日期 YYYY-MM-DD"),
                format!("item {id} takes a date YYYY-MM-DD"),
            ),
        },
        AnswerKind::Doc => match v.get("present").and_then(J::as_bool) {
            Some(true)
                if v.get("number")
                    .and_then(J::as_str)
                    .is_some_and(|n| !n.trim().is_empty()) =>
            {
                Ok(())
            }
            Some(false) => Ok(()),
            _ => err(
                format!(
                    "检查项 {id} 的答案须为 {{present: 是否具备, number: 文件编号}}，具备时须填编号"
                ),
                format!("item {id} takes {{present, number}}; a present document needs its number"),
            ),
        },
        AnswerKind::Photo => match v {
            J::Null | J::Bool(true) => Ok(()),
            _ => err(
                format!("检查项 {id} 只需附照片"),
                format!("item {id} takes photos only"),
            ),
        },
    }
}
