//! Judging an answer against its item: is it a violation, and which limit applied from where.
//!
//! The default limits in a form are only defaults: the enterprise's permit value wins, then a
//! conditional default for a flag the enterprise carries (特别排放限值地区…), then the plain default.
//! The source is recorded so a reviewer can see why a value was judged as it was.

use serde::{Deserialize, Serialize};

use super::types::{AnswerKind, Item, LimitOp, LimitValue};
use crate::model::enterprise::{Enterprise, PermitLimit};

/// The limit applied to one measured value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppliedLimit {
    /// Parameter name for multi-parameter items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    pub value: f64,
    pub limit: String,
    /// `permit`, `alt:<flag>` or `default`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub exceeded: bool,
    /// False when the default limit applied was not checked against the standard's text.
    pub verified: bool,
    /// Measured value over the limit, when it is exceeded (for escalation hints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
}

/// Why an answer is a violation (or not).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Judgement {
    pub violation: bool,
    pub limits: Vec<AppliedLimit>,
}

/// Parses a `"lo-hi"` range.
pub fn parse_range(s: &str) -> Option<(f64, f64)> {
    let (lo, hi) = s.split_once('-')?;
    let lo: f64 = lo.trim().parse().ok()?;
    let hi: f64 = hi.trim().parse().ok()?;
    (lo <= hi).then_some((lo, hi))
}

/// Judges a validated answer value for an item at an enterprise (and instance, for repeats).
pub fn judge(
    item: &Item,
    value: &serde_json::Value,
    ent: &Enterprise,
    instance: Option<&str>,
) -> Judgement {
    match item.ans {
        AnswerKind::Tri => Judgement {
            violation: value.as_str() == Some("non_compliant"),
            limits: vec![],
        },
        AnswerKind::Bool => Judgement {
            violation: item
                .violation_if
                .is_some_and(|v| value.as_bool() == Some(v)),
            limits: vec![],
        },
        AnswerKind::Choice => Judgement {
            violation: value
                .as_str()
                .is_some_and(|v| item.violation_options.iter().any(|o| o == v)),
            limits: vec![],
        },
        AnswerKind::Doc => Judgement {
            violation: value.get("present").and_then(|p| p.as_bool()) == Some(false),
            limits: vec![],
        },
        AnswerKind::Num => judge_num(item, value, ent, instance),
        AnswerKind::Text | AnswerKind::Date | AnswerKind::Photo => Judgement::default(),
    }
}

fn judge_num(
    item: &Item,
    value: &serde_json::Value,
    ent: &Enterprise,
    instance: Option<&str>,
) -> Judgement {
    let mut out = Judgement::default();
    let readings: Vec<(Option<String>, f64)> = match value {
        serde_json::Value::Object(m) => m
            .iter()
            .filter_map(|(k, v)| v.as_f64().map(|f| (Some(k.clone()), f)))
            .collect(),
        v => v.as_f64().map(|f| vec![(None, f)]).unwrap_or_default(),
    };
    for (param, measured) in readings {
        if let Some(applied) = limit_for(item, param.as_deref(), ent, instance, measured) {
            out.violation |= applied.exceeded;
            out.limits.push(applied);
        }
    }
    out
}

/// The limits that will apply to an item's reading at this enterprise, before anything is
/// measured (the number pad shows them): one per parameter, from the same permit → alt flag →
/// default order as [`judge`].
pub fn limit_hints(item: &Item, ent: &Enterprise, instance: Option<&str>) -> Vec<AppliedLimit> {
    let mut params: Vec<Option<String>> = Vec::new();
    if let Some(values) = item.limit.as_ref().and_then(|l| l.values.as_ref()) {
        params.extend(values.keys().cloned().map(Some));
    }
    for p in ent.permit_limits.iter().filter(|p| p.item == item.id) {
        if !params.contains(&p.param) {
            params.push(p.param.clone());
        }
    }
    if params.is_empty() {
        params.push(None);
    }
    params
        .iter()
        .filter_map(|p| limit_for(item, p.as_deref(), ent, instance, 0.0))
        .map(|mut l| {
            // Nothing was measured: the hint carries the limit and where it comes from only.
            l.exceeded = false;
            l.factor = None;
            l
        })
        .collect()
}

/// Finds the binding limit for one parameter: permit, then alt flag, then default.
fn limit_for(
    item: &Item,
    param: Option<&str>,
    ent: &Enterprise,
    instance: Option<&str>,
    measured: f64,
) -> Option<AppliedLimit> {
    let limit = item.limit.as_ref();
    let op = limit.map(|l| l.op).unwrap_or_default();
    let permit = ent.permit_limits.iter().find(|p: &&PermitLimit| {
        p.item == item.id
            && p.param.as_deref() == param
            && (p.instance.is_none() || p.instance.as_deref() == instance)
    });
    let (lv, source, reference, verified) = if let Some(p) = permit {
        (
            LimitValue::Number(p.value),
            "permit".to_string(),
            Some(p.source.clone()),
            true,
        )
    } else {
        let limit = limit?;
        let pick =
            |value: &Option<LimitValue>,
             values: &Option<std::collections::BTreeMap<String, LimitValue>>| {
                match param {
                    None => value.clone(),
                    Some(k) => values.as_ref().and_then(|m| m.get(k).cloned()),
                }
            };
        let alt = limit
            .alt
            .iter()
            .filter(|a| ent.flags.iter().any(|f| f == &a.when))
            .find_map(|a| {
                pick(&a.value, &a.values)
                    .map(|v| (v, format!("alt:{}", a.when), a.r#ref.clone(), a.verified))
            });
        match alt {
            Some(found) => found,
            None => (
                pick(&limit.value, &limit.values)?,
                "default".to_string(),
                limit.r#ref.clone(),
                limit.verified,
            ),
        }
    };
    let (exceeded, text, factor) = match &lv {
        LimitValue::Number(l) => {
            let bad = match op {
                LimitOp::Le => measured > *l,
                LimitOp::Lt => measured >= *l,
                LimitOp::Ge => measured < *l,
                LimitOp::Gt => measured <= *l,
            };
            let sym = match op {
                LimitOp::Le => "<=",
                LimitOp::Lt => "<",
                LimitOp::Ge => ">=",
                LimitOp::Gt => ">",
            };
            let factor =
                (bad && *l > 0.0 && matches!(op, LimitOp::Le | LimitOp::Lt)).then(|| measured / l);
            (bad, format!("{sym} {l}"), factor)
        }
        LimitValue::Range(s) => {
            let (lo, hi) = parse_range(s)?;
            (measured < lo || measured > hi, format!("{lo}-{hi}"), None)
        }
    };
    Some(AppliedLimit {
        param: param.map(str::to_string),
        value: measured,
        limit: text,
        source,
        reference,
        exceeded,
        verified,
        factor,
    })
}
