//! Chinese line breaking with 禁则处理: break between any two CJK characters, keep Latin words and
//! numbers whole, never start a line with closing punctuation nor end one with opening punctuation.

/// Characters that must not start a line.
pub const CLOSERS: &str = "，。、；：？！）」』》〉】〕”’…·%,.;:?!)]}";
/// Characters that must not end a line.
pub const OPENERS: &str = "（「『《〈【〔“‘([{";

fn is_cjkish(c: char) -> bool {
    let u = c as u32;
    u >= 0x2E80
        || (0x2000..=0x206F).contains(&u)
        || CLOSERS.contains(c) && !c.is_ascii()
        || OPENERS.contains(c) && !c.is_ascii()
}

struct Tok {
    text: String,
    width: f32,
    space: bool,
}

fn tokens(text: &str, max: f32, width: &dyn Fn(char) -> f32) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if word.is_empty() {
            return;
        }
        let w: f32 = word.chars().map(width).sum();
        if w > max {
            // A word wider than the line: fall back to breaking between its characters.
            for c in word.chars() {
                out.push(Tok {
                    text: c.to_string(),
                    width: width(c),
                    space: false,
                });
            }
        } else {
            out.push(Tok {
                text: std::mem::take(word),
                width: w,
                space: false,
            });
        }
        word.clear();
    };
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            flush(&mut word, &mut out);
            out.push(Tok {
                text: " ".into(),
                width: width(' '),
                space: true,
            });
        } else if is_cjkish(c) {
            flush(&mut word, &mut out);
            out.push(Tok {
                text: c.to_string(),
                width: width(c),
                space: false,
            });
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn starts_closer(t: &Tok) -> bool {
    t.text.chars().next().is_some_and(|c| CLOSERS.contains(c))
}
fn ends_opener(t: &Tok) -> bool {
    t.text.chars().last().is_some_and(|c| OPENERS.contains(c))
}

/// Breaks `text` into lines no wider than `max` (the same unit as `width`), honouring hard line
/// breaks. Closing punctuation that cannot be pulled down with its predecessor hangs past `max`.
pub fn break_lines(text: &str, max: f32, width: &dyn Fn(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let para = para.trim_end_matches('\r');
        let toks = tokens(para, max, width);
        if toks.is_empty() {
            lines.push(String::new());
            continue;
        }
        let n = toks.len();
        let mut start = 0;
        while start < n {
            while start < n && toks[start].space {
                start += 1;
            }
            if start >= n {
                break;
            }
            let mut end = start;
            let mut w = 0.0;
            while end < n && (end == start || w + toks[end].width <= max + 0.01) {
                w += toks[end].width;
                end += 1;
            }
            if end < n {
                let bad = |b: usize| starts_closer(&toks[b]) || ends_opener(&toks[b - 1]);
                let mut b = end;
                while b > start + 1 && bad(b) {
                    b -= 1;
                }
                if bad(b) {
                    // Nothing to pull down: hang the closing punctuation instead.
                    b = end;
                    while b < n && starts_closer(&toks[b]) {
                        b += 1;
                    }
                }
                end = b;
            }
            let line: String = toks[start..end].iter().map(|t| t.text.as_str()).collect();
            lines.push(line.trim_end().to_string());
            start = end;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(c: char) -> f32 {
        if c.is_ascii() { 0.5 } else { 1.0 }
    }

    #[test]
    fn no_line_starts_with_closing_punctuation() {
        let text = "经查，该单位废水处理设施正常运行。现场检查时，车间排口有废水排放，颜色呈淡黄色，无明显异味。";
        for max in 3..20 {
            let lines = break_lines(text, max as f32, &w);
            assert_eq!(lines.concat(), text);
            for l in &lines {
                let c = l.chars().next().expect("non-empty line");
                assert!(
                    !CLOSERS.contains(c),
                    "max {max}: line starts with {c}: {lines:?}"
                );
                let e = l.chars().last().expect("non-empty");
                assert!(
                    !OPENERS.contains(e),
                    "max {max}: line ends with {e}: {lines:?}"
                );
            }
        }
    }

    #[test]
    fn latin_words_and_numbers_stay_whole() {
        let text =
            "化学需氧量实测值为123.45mg/L，标准限值为50mg/L，超标1.47倍（编号E-20250612-001）。";
        for max in 8..30 {
            let lines = break_lines(text, max as f32, &w);
            assert_eq!(lines.concat(), text);
            for tok in ["123.45mg/L", "50mg/L", "1.47", "E-20250612-001"] {
                assert!(
                    lines.iter().any(|l| l.contains(tok)),
                    "max {max}: {tok} split: {lines:?}"
                );
            }
            for l in &lines {
                assert!(!l.ends_with('（'), "{lines:?}");
                assert!(!l.starts_with('，') && !l.starts_with('。'), "{lines:?}");
            }
        }
    }

    #[test]
    fn hard_breaks_and_overlong_words() {
        let lines = break_lines("甲\n\n乙", 10.0, &w);
        assert_eq!(lines, vec!["甲", "", "乙"]);
        let lines = break_lines("abcdefghijklmnopqrstuvwxyz", 4.0, &w);
        assert!(lines.iter().all(|l| l.len() <= 8));
        assert_eq!(lines.concat(), "abcdefghijklmnopqrstuvwxyz");
    }
}
