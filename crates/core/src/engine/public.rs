//! V-22: what leaves the agency for the public (公开) never shows ID numbers, phone numbers or home
//! addresses. The public view is built from the case with those fields masked, and any free text
//! is scanned for ID- and phone-shaped numbers, which are masked too.

use regex::Regex;
use serde_json::Value;

use crate::error::{Result, refuse};
use crate::model::case::Case;

/// Keys whose values are personal and masked wherever they appear.
const PERSONAL_KEYS: &[&str] = &["id_number", "phone", "address"];

/// Masks all but the first and last characters' edges: 320***********1234 style.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n);
    }
    let keep_head = if n >= 11 { 3 } else { 1 };
    let keep_tail = if n >= 11 { 4 } else { 1 };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_head || i >= n - keep_tail {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

fn scrub_text(s: &str) -> String {
    // 18-digit ID numbers (last may be X) and 11-digit mobile numbers.
    let re = Regex::new(r"\d{17}[\dXx]|1[3-9]\d{9}").expect("static regex");
    re.replace_all(s, |c: &regex::Captures<'_>| mask(&c[0]))
        .into_owned()
}

fn scrub(v: &mut Value, enterprise_address_ok: bool) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let personal = PERSONAL_KEYS.contains(&k.as_str());
                match x {
                    Value::String(s) if personal && !(k == "address" && enterprise_address_ok) => {
                        *s = mask(s)
                    }
                    _ => scrub(x, false),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| scrub(x, false)),
        Value::String(s) => *s = scrub_text(s),
        _ => {}
    }
}

/// The case as it may be published: personal data masked.
pub fn public_view(case: &Case) -> Result<Value> {
    let mut v = serde_json::to_value(case)?;
    scrub(&mut v, false);
    Ok(v)
}

/// Refuses a public export that asks for unmasked personal data.
pub fn export(case: &Case, unmasked: bool) -> Result<Value> {
    if unmasked {
        return refuse(
            "V-22",
            "对外公开的文书不得显示身份证件号码、电话和住址，不能导出未脱敏版本",
            "public outputs must not show ID numbers, phone numbers or home addresses; an unmasked public export is refused",
        );
    }
    public_view(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_ids_and_phones_in_free_text() {
        let s = scrub_text("身份证320102198001011234，电话13912345678");
        assert_eq!(s, "身份证320***********1234，电话139****5678");
    }
}
