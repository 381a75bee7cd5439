//! Transcript PDF benchmark: our renderer against headless Chromium printing the same content.
//! `cargo bench -p fieldcase-docs --bench transcript`; without `--bench` one quick iteration.
//! Two Chromium anchors: WARM (one browser launched once by `tools/chromium-pdf/print.mjs`,
//! playwright-core driving Debian's chromium, the page loaded once, `page.pdf()` timed) and
//! COLD (a fresh `chromium --headless=new --print-to-pdf` process per run).

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fieldcase_docs::pdf::render;
use fieldcase_docs::{Font, RenderInput};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn b64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn html(c: &serde_json::Value, sigs: &[fieldcase_docs::SignatureImage]) -> String {
    let s = |p: &str| {
        c.pointer(p)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let mut h = String::from(
        "<!doctype html><html><head><meta charset=utf-8><style>@page{size:A4;margin:18mm 20mm 40mm 25mm}body{font-family:'Noto Sans CJK SC';font-size:11.5pt;line-height:1.55}h1{text-align:center;font-size:19pt}.f span{border-bottom:1px solid #000}img{height:34pt}</style></head><body>",
    );
    h.push_str(&format!(
        "<h1>{}现场检查（勘察）笔录</h1>",
        esc(&s("/agency"))
    ));
    for (l, p) in [
        ("检查（勘察）地点", "/place/address"),
        ("被检查（勘察）单位", "/party/name"),
        ("统一社会信用代码", "/party/uscc"),
        ("住所（地址）", "/party/address"),
        ("法定代表人（负责人）", "/party/legal_rep"),
        ("被检查（勘察）人", "/person_on_site/name"),
        ("身份证件号码", "/person_on_site/id_number"),
    ] {
        h.push_str(&format!("<p class=f>{l}：<span>{}</span></p>", esc(&s(p))));
    }
    h.push_str(&format!(
        "<h3>告知事项</h3><p>{}</p>",
        esc(&s("/notice/text_zh"))
    ));
    h.push_str(&format!(
        "<h3>现场检查（勘察）情况</h3><p>{}</p>",
        esc(&s("/narrative"))
    ));
    h.push_str("<h3>发现的问题</h3>");
    for f in c["findings"].as_array().into_iter().flatten() {
        h.push_str(&format!(
            "<p>{}：{}</p>",
            esc(f["question"].as_str().unwrap_or("")),
            esc(f["finding"].as_str().unwrap_or(""))
        ));
        for b in f["basis"].as_array().into_iter().flatten() {
            h.push_str(&format!(
                "<p>法律依据：{}</p>",
                esc(b["text"].as_str().unwrap_or(""))
            ));
        }
    }
    h.push_str("<h3>检查单结果</h3>");
    for a in c["answers"].as_array().into_iter().flatten() {
        h.push_str(&format!(
            "<p>{}：{}</p>",
            a["item"].as_str().unwrap_or(""),
            esc(&a["value"].to_string())
        ));
    }
    h.push_str(&format!(
        "<p>被检查人意见：{}</p><p>（以下空白）</p>",
        esc(&s("/party_opinion"))
    ));
    for sig in sigs {
        h.push_str(&format!(
            "<p>{}：{} <img src=\"data:image/png;base64,{}\"></p>",
            sig.role_zh,
            sig.name,
            b64(&sig.png)
        ));
    }
    h.push_str("</body></html>");
    h
}

/// What `tools/chromium-pdf/print.mjs` reports.
struct Warm {
    runs: u64,
    median_ms: f64,
    times_ms: Vec<f64>,
    bytes: u64,
}

/// Warm anchor: one Chromium, the page loaded once, `page.pdf()` timed `runs` times (first is
/// a warm-up). Err is the reason it was skipped.
fn warm_chromium(html_path: &Path, out: &Path, runs: u32) -> Result<Warm, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tool = root.join("tools/chromium-pdf");
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Err("node not found".into()),
    }
    if !tool.join("node_modules/playwright-core").is_dir() {
        return Err(format!(
            "{}/node_modules missing (run: cd tools/chromium-pdf && npm ci)",
            tool.display()
        ));
    }
    let o = Command::new("node")
        .arg(tool.join("print.mjs"))
        .arg(html_path)
        .arg(out)
        .arg(runs.to_string())
        .output()
        .map_err(|e| format!("node print.mjs: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "node print.mjs failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout.lines().last().unwrap_or("");
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("print.mjs output {line:?}: {e}"))?;
    let num = |k: &str| {
        v[k].as_f64()
            .ok_or_else(|| format!("print.mjs output lacks {k}: {line}"))
    };
    Ok(Warm {
        runs: num("runs")? as u64,
        median_ms: num("median_ms")?,
        times_ms: v["times_ms"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default(),
        bytes: num("bytes")? as u64,
    })
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let runs = if bench { 20 } else { 1 };
    let font = Font::system().expect("font (apt fonts-noto-cjk)");
    let tpl = common::template("onsite_record");
    let content = common::onsite();
    let sigs = common::signatures();
    let input = RenderInput {
        template: &tpl,
        content: &content,
        record_no: "320505-20250612-D07-0003-R1",
        transcript_version: 1,
        content_sha256: common::SHA,
        signatures: &sigs,
        refusal_note: None,
    };
    let mut times = Vec::new();
    let mut pdf = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        pdf = render(&font, &input).expect("render");
        times.push(t.elapsed());
    }
    let ours = median(times);
    println!(
        "fieldcase-docs render: median of {runs} = {:.1} ms, {} pages, {} bytes ({:.1} KB; target <= 300 KB) — font parsed once outside the timing",
        ours.as_secs_f64() * 1e3,
        fieldcase_docs::pdf::page_count(&pdf),
        pdf.len(),
        pdf.len() as f64 / 1024.0
    );
    let chromium = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(chromium) = chromium else {
        println!("warm chromium anchor skipped: chromium not installed");
        println!("cold chromium anchor skipped: chromium not installed");
        return;
    };
    let dir = std::env::temp_dir().join(format!("fieldcase-docs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let html_path = dir.join("transcript.html");
    std::fs::write(&html_path, html(&content, &sigs)).expect("html");
    let ratio_target = "target >= 20x";
    let our_kb = pdf.len() as f64 / 1024.0;
    let warm_runs = if bench { 10 } else { 2 };
    match warm_chromium(&html_path, &dir.join("chromium-warm.pdf"), warm_runs) {
        Ok(w) => {
            println!(
                "chromium via playwright-core page.pdf() (WARM: one browser launched once, page loaded once; A4, printBackground, no header/footer): {} runs, the first a warm-up; median of the other {} = {:.1} ms (each: {:?} ms), {} bytes ({:.1} KB)",
                w.runs,
                w.times_ms.len(),
                w.median_ms,
                w.times_ms,
                w.bytes,
                w.bytes as f64 / 1024.0
            );
            println!(
                "ratio: ours is {:.1}x faster than warm Chromium ({ratio_target})",
                w.median_ms / (ours.as_secs_f64() * 1e3)
            );
        }
        Err(reason) => println!("warm chromium anchor skipped: {reason}"),
    }
    let out = dir.join("chromium.pdf");
    let chrome_runs = if bench { 5 } else { 1 };
    let mut ctimes = Vec::new();
    for i in 0..chrome_runs {
        let profile = dir.join(format!("profile-{i}"));
        let t = Instant::now();
        let st = Command::new(chromium)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--print-to-pdf={}", out.display()))
            .arg(format!("file://{}", html_path.display()))
            .output()
            .expect("run chromium");
        ctimes.push(t.elapsed());
        assert!(
            st.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    }
    let chrome = median(ctimes);
    let csize = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "chromium --headless=new --print-to-pdf (COLD: a fresh process and profile each run): median of {chrome_runs} = {:.0} ms, {} bytes ({:.1} KB)",
        chrome.as_secs_f64() * 1e3,
        csize,
        csize as f64 / 1024.0
    );
    println!(
        "ratio: ours is {:.0}x faster than cold Chromium ({ratio_target}); our size {our_kb:.1} KB (target <= 300 KB)",
        chrome.as_secs_f64() / ours.as_secs_f64(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
