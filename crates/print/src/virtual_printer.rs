//! A virtual ESC/POS printer: decodes the command subset fieldcase emits into page images,
//! as the printer would print them. Each cut (`GS V`) or label feed (`GS FF`) ends a page.
//!
//! Model: fixed character cells 12×24 (ASCII) / 24×24 (CJK) dots scaled by `GS !`, default
//! line spacing 30 dots (`ESC 2`), text wraps at the paper width, raster images at x = 0,
//! `GS ( k` QR codes placed by the current justification.

use crate::error::{DecodeError, PrintError};
use crate::escpos::{Align, Bitmap, QrEc, qr_bitmap};
use crate::profile::PrinterProfile;
use crate::render;
use image::{GrayImage, Luma};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DEFAULT_SPACING: u32 = 30;

#[derive(Debug, Clone)]
struct Seg {
    bytes: Vec<u8>,
    chinese: bool,
    w: u32,
    h: u32,
    bold: bool,
}

#[derive(Debug)]
struct State {
    width: u32,
    default_chinese: bool,
    rows: Vec<u8>,
    pages: Vec<GrayImage>,
    align: Align,
    bold: bool,
    w: u32,
    h: u32,
    chinese: bool,
    spacing: u32,
    line: Vec<Seg>,
    qr_model_ok: bool,
    qr_module: u32,
    qr_ec: QrEc,
    qr_data: Vec<u8>,
}

impl State {
    fn new(profile: &PrinterProfile) -> Self {
        let mut s = State {
            width: profile.dots_per_line,
            default_chinese: !profile.chinese_mode,
            rows: Vec::new(),
            pages: Vec::new(),
            align: Align::Left,
            bold: false,
            w: 1,
            h: 1,
            chinese: false,
            spacing: DEFAULT_SPACING,
            line: Vec::new(),
            qr_model_ok: true,
            qr_module: 3,
            qr_ec: QrEc::L,
            qr_data: Vec::new(),
        };
        s.reset();
        s
    }
    fn reset(&mut self) {
        self.line.clear();
        self.align = Align::Left;
        self.bold = false;
        self.w = 1;
        self.h = 1;
        self.chinese = self.default_chinese;
        self.spacing = DEFAULT_SPACING;
    }
    fn push_byte(&mut self, b: u8) {
        let (chinese, w, h, bold) = (self.chinese, self.w, self.h, self.bold);
        match self.line.last_mut() {
            Some(s) if s.chinese == chinese && s.w == w && s.h == h && s.bold == bold => {
                s.bytes.push(b)
            }
            _ => self.line.push(Seg {
                bytes: vec![b],
                chinese,
                w,
                h,
                bold,
            }),
        }
    }
    fn blank_rows(&mut self, n: u32) {
        self.rows
            .extend(std::iter::repeat_n(255u8, (n * self.width) as usize));
    }
    fn paste(&mut self, img: &GrayImage) {
        for y in 0..img.height() {
            for x in 0..self.width {
                let v = if x < img.width() {
                    img.get_pixel(x, y).0[0]
                } else {
                    255
                };
                self.rows.push(v);
            }
        }
    }
    fn x_for(&self, used: u32) -> u32 {
        match self.align {
            Align::Left => 0,
            Align::Center => self.width.saturating_sub(used) / 2,
            Align::Right => self.width.saturating_sub(used),
        }
    }
    /// Print the line buffer (LF). An empty buffer feeds one line.
    fn print_line(&mut self) -> Result<(), PrintError> {
        if self.line.is_empty() {
            self.blank_rows(self.spacing.max(CELL_H * self.h));
            return Ok(());
        }
        // Decode into (char, w, h, bold) then wrap at the paper width.
        let mut chars: Vec<(char, u32, u32, bool)> = Vec::new();
        for s in std::mem::take(&mut self.line) {
            let text: String = if s.chinese {
                encoding_rs::GB18030
                    .decode_without_bom_handling(&s.bytes)
                    .0
                    .into_owned()
            } else {
                s.bytes
                    .iter()
                    .map(|&b| if b < 0x80 { b as char } else { '?' })
                    .collect()
            };
            chars.extend(text.chars().map(|c| (c, s.w, s.h, s.bold)));
        }
        let mut phys: Vec<Vec<(char, u32, u32, bool)>> = vec![Vec::new()];
        let mut used = 0;
        for ch in chars {
            let cw = render::cell_width(ch.0) * ch.1;
            if used + cw > self.width && !phys.last().is_some_and(|l| l.is_empty()) {
                phys.push(Vec::new());
                used = 0;
            }
            used += cw;
            if let Some(l) = phys.last_mut() {
                l.push(ch);
            }
        }
        for l in phys {
            let used: u32 = l.iter().map(|c| render::cell_width(c.0) * c.1).sum();
            let hmax = l.iter().map(|c| c.2).max().unwrap_or(1) * CELL_H;
            let mut img = GrayImage::from_pixel(self.width, hmax, Luma([255]));
            let mut x = self.x_for(used);
            for (c, w, h, bold) in l {
                let top = hmax - h * CELL_H;
                x += render::draw_cells(&mut img, x, top, &c.to_string(), w, h, bold)?;
            }
            self.paste(&img);
            let extra = self.spacing.saturating_sub(CELL_H);
            self.blank_rows(extra);
        }
        Ok(())
    }
    fn flush_pending(&mut self) -> Result<(), PrintError> {
        if !self.line.is_empty() {
            self.print_line()?;
        }
        Ok(())
    }
    fn raster(&mut self, bm: &Bitmap) {
        let x0 = 0;
        for y in 0..bm.height {
            for x in 0..self.width {
                let black = x >= x0 && x - x0 < bm.width && bm.get(x - x0, y);
                self.rows.push(if black { 0 } else { 255 });
            }
        }
    }
    fn end_page(&mut self) -> Result<(), PrintError> {
        self.flush_pending()?;
        let h = (self.rows.len() as u32) / self.width;
        let img = GrayImage::from_raw(self.width, h, std::mem::take(&mut self.rows))
            .ok_or_else(|| PrintError::Image("page buffer size".into()))?;
        self.pages.push(img);
        Ok(())
    }
}

const CELL_H: u32 = render::CELL;

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    cmd: usize,
}

impl Reader<'_> {
    fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        let v = *self.b.get(self.pos).ok_or_else(|| DecodeError {
            offset: self.cmd,
            message: format!("truncated command: missing {what}"),
        })?;
        self.pos += 1;
        Ok(v)
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], DecodeError> {
        if self.pos + n > self.b.len() {
            return Err(DecodeError {
                offset: self.cmd,
                message: format!(
                    "truncated {what}: need {n} bytes, have {}",
                    self.b.len() - self.pos
                ),
            });
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn err(&self, message: String) -> DecodeError {
        DecodeError {
            offset: self.cmd,
            message,
        }
    }
}

fn wrap_err(offset: usize, e: PrintError) -> DecodeError {
    DecodeError {
        offset,
        message: e.to_string(),
    }
}

/// Decode an ESC/POS byte stream into page images (white = 255, black = 0).
pub fn decode(bytes: &[u8], profile: &PrinterProfile) -> Result<Vec<GrayImage>, DecodeError> {
    let mut st = State::new(profile);
    let mut r = Reader {
        b: bytes,
        pos: 0,
        cmd: 0,
    };
    while r.pos < bytes.len() {
        r.cmd = r.pos;
        let at = r.cmd;
        let b = r.u8("byte")?;
        match b {
            0x1B => {
                let c = r.u8("ESC command")?;
                match c {
                    b'@' => st.reset(),
                    b'a' => {
                        st.align = match r.u8("ESC a n")? {
                            0 | 48 => Align::Left,
                            1 | 49 => Align::Center,
                            2 | 50 => Align::Right,
                            n => return Err(r.err(format!("ESC a: bad justification {n}"))),
                        }
                    }
                    b'E' => st.bold = r.u8("ESC E n")? & 1 == 1,
                    b'd' => {
                        let n = u32::from(r.u8("ESC d n")?);
                        st.print_line().map_err(|e| wrap_err(at, e))?;
                        st.blank_rows(n.saturating_sub(1) * st.spacing);
                    }
                    b'J' => {
                        let n = u32::from(r.u8("ESC J n")?);
                        st.flush_pending().map_err(|e| wrap_err(at, e))?;
                        st.blank_rows(n);
                    }
                    b'2' => st.spacing = DEFAULT_SPACING,
                    b'3' => st.spacing = u32::from(r.u8("ESC 3 n")?),
                    _ => return Err(r.err(format!("unknown command ESC 0x{c:02X}"))),
                }
            }
            0x1C => match r.u8("FS command")? {
                b'&' => st.chinese = true,
                b'.' => st.chinese = false,
                c => return Err(r.err(format!("unknown command FS 0x{c:02X}"))),
            },
            0x1D => {
                let c = r.u8("GS command")?;
                match c {
                    b'!' => {
                        let n = r.u8("GS ! n")?;
                        st.w = u32::from((n >> 4) & 7) + 1;
                        st.h = u32::from(n & 7) + 1;
                    }
                    b'v' => {
                        if r.u8("GS v 0")? != b'0' {
                            return Err(r.err("GS v: only GS v 0 is supported".into()));
                        }
                        let m = r.u8("GS v 0 m")?;
                        let (sx, sy) = match m {
                            0 | 48 => (1, 1),
                            1 | 49 => (2, 1),
                            2 | 50 => (1, 2),
                            3 | 51 => (2, 2),
                            _ => return Err(r.err(format!("GS v 0: bad mode {m}"))),
                        };
                        let xl = r.u8("xL")?;
                        let xh = r.u8("xH")?;
                        let yl = r.u8("yL")?;
                        let yh = r.u8("yH")?;
                        let bpl = usize::from(xl) | (usize::from(xh) << 8);
                        let rows = usize::from(yl) | (usize::from(yh) << 8);
                        if bpl == 0 || rows == 0 {
                            return Err(r.err("GS v 0: zero-size image".into()));
                        }
                        if (bpl * 8 * sx) as u32 > st.width {
                            return Err(r.err(format!(
                                "GS v 0: {} dots wide exceeds the {}-dot head",
                                bpl * 8 * sx,
                                st.width
                            )));
                        }
                        let data = r.take(bpl * rows, "GS v 0 data")?.to_vec();
                        st.flush_pending().map_err(|e| wrap_err(at, e))?;
                        let mut bm = Bitmap::new((bpl * 8 * sx) as u32, (rows * sy) as u32);
                        for y in 0..rows * sy {
                            for x in 0..bpl * 8 * sx {
                                let (ox, oy) = (x / sx, y / sy);
                                let byte = data[oy * bpl + ox / 8];
                                if byte & (0x80 >> (ox % 8)) != 0 {
                                    bm.set(x as u32, y as u32, true);
                                }
                            }
                        }
                        st.raster(&bm);
                    }
                    b'(' => {
                        if r.u8("GS ( fn")? != b'k' {
                            return Err(r.err("GS (: only GS ( k is supported".into()));
                        }
                        let pl = usize::from(r.u8("pL")?);
                        let ph = usize::from(r.u8("pH")?);
                        let len = pl | (ph << 8);
                        if len < 2 {
                            return Err(r.err("GS ( k: parameter length < 2".into()));
                        }
                        let p = r.take(len, "GS ( k parameters")?.to_vec();
                        if p[0] != 49 {
                            return Err(r.err(format!("GS ( k: symbol {} is not QR (49)", p[0])));
                        }
                        match p[1] {
                            65 => st.qr_model_ok = p.get(2).is_some_and(|&m| m == 49 || m == 50),
                            67 => st.qr_module = u32::from(*p.get(2).unwrap_or(&3)).clamp(1, 16),
                            69 => {
                                st.qr_ec = p
                                    .get(2)
                                    .and_then(|&b| QrEc::from_byte(b))
                                    .ok_or_else(|| r.err("GS ( k: bad QR error level".into()))?
                            }
                            80 => st.qr_data = p[3.min(p.len())..].to_vec(),
                            81 => {
                                if !st.qr_model_ok {
                                    return Err(r.err("GS ( k: unsupported QR model".into()));
                                }
                                st.flush_pending().map_err(|e| wrap_err(at, e))?;
                                let data = String::from_utf8_lossy(&st.qr_data).into_owned();
                                let bm = qr_bitmap(&data, st.qr_ec, st.qr_module)
                                    .map_err(|e| wrap_err(at, e))?;
                                let bm = bm.aligned(st.width, st.align);
                                st.raster(&bm);
                            }
                            82 => {}
                            f => return Err(r.err(format!("GS ( k: unknown QR function {f}"))),
                        }
                    }
                    b'V' => {
                        let m = r.u8("GS V m")?;
                        match m {
                            0 | 1 | 48 | 49 => {}
                            65 | 66 => {
                                let n = u32::from(r.u8("GS V m n")?);
                                st.flush_pending().map_err(|e| wrap_err(at, e))?;
                                st.blank_rows(n);
                            }
                            _ => return Err(r.err(format!("GS V: bad mode {m}"))),
                        }
                        st.end_page().map_err(|e| wrap_err(at, e))?;
                    }
                    0x0C => st.end_page().map_err(|e| wrap_err(at, e))?,
                    _ => return Err(r.err(format!("unknown command GS 0x{c:02X}"))),
                }
            }
            0x0A => st.print_line().map_err(|e| wrap_err(at, e))?,
            0x0D | 0x18 => {}
            b if b < 0x20 || b == 0x7F => {
                return Err(r.err(format!("unknown control byte 0x{b:02X}")));
            }
            b => st.push_byte(b),
        }
    }
    if !st.rows.is_empty() || !st.line.is_empty() {
        st.end_page().map_err(|e| wrap_err(bytes.len(), e))?;
    }
    Ok(st.pages)
}

/// Encode one page as PNG bytes.
pub fn to_png(page: &GrayImage) -> Result<Vec<u8>, PrintError> {
    let mut out = std::io::Cursor::new(Vec::new());
    page.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| PrintError::Image(e.to_string()))?;
    Ok(out.into_inner())
}

/// Write pages as `{prefix}-p{n}.png` into `dir`.
pub fn write_pngs(
    pages: &[GrayImage],
    dir: &Path,
    prefix: &str,
) -> Result<Vec<PathBuf>, PrintError> {
    std::fs::create_dir_all(dir).map_err(|e| PrintError::io(dir.display().to_string(), e))?;
    let mut out = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        let path = dir.join(format!("{prefix}-p{}.png", i + 1));
        std::fs::write(&path, to_png(p)?)
            .map_err(|e| PrintError::io(path.display().to_string(), e))?;
        out.push(path);
    }
    Ok(out)
}

/// Run as a network printer: accept `max_jobs` connections, read each job to EOF, decode it and
/// write its pages as PNG files (`job001-p1.png`, ...) into `out_dir`. Returns the files written.
pub fn serve_tcp(
    listener: TcpListener,
    profile: &PrinterProfile,
    out_dir: &Path,
    max_jobs: usize,
) -> Result<Vec<PathBuf>, PrintError> {
    let mut written = Vec::new();
    for n in 1..=max_jobs {
        let (mut s, peer) = listener
            .accept()
            .map_err(|e| PrintError::io("virtual printer accept", e))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| PrintError::io(peer.to_string(), e))?;
        let mut job = Vec::new();
        s.read_to_end(&mut job)
            .map_err(|e| PrintError::io(peer.to_string(), e))?;
        let pages = decode(&job, profile)?;
        written.extend(write_pngs(&pages, out_dir, &format!("job{n:03}"))?);
    }
    Ok(written)
}
