//! A small ESC/POS encoder: just the commands fieldcase needs.

use crate::error::PrintError;
use crate::profile::PrinterProfile;
use image::GrayImage;

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const FS: u8 = 0x1C;
pub const LF: u8 = 0x0A;

/// Horizontal alignment (`ESC a n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left = 0,
    Center = 1,
    Right = 2,
}

/// QR error-correction level for `GS ( k` / raster QR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrEc {
    L,
    M,
    Q,
    H,
}

impl QrEc {
    pub fn to_ecl(self) -> fast_qr::ECL {
        match self {
            QrEc::L => fast_qr::ECL::L,
            QrEc::M => fast_qr::ECL::M,
            QrEc::Q => fast_qr::ECL::Q,
            QrEc::H => fast_qr::ECL::H,
        }
    }
    /// `GS ( k` function 169 parameter.
    pub fn byte(self) -> u8 {
        match self {
            QrEc::L => 48,
            QrEc::M => 49,
            QrEc::Q => 50,
            QrEc::H => 51,
        }
    }
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            48 => QrEc::L,
            49 => QrEc::M,
            50 => QrEc::Q,
            51 => QrEc::H,
            _ => return None,
        })
    }
}

/// A 1-bit image; `true` = black (dot fired).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<bool>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Self {
        Bitmap {
            width,
            height,
            bits: vec![false; (width * height) as usize],
        }
    }
    pub fn get(&self, x: u32, y: u32) -> bool {
        self.bits[(y * self.width + x) as usize]
    }
    pub fn set(&mut self, x: u32, y: u32, v: bool) {
        self.bits[(y * self.width + x) as usize] = v;
    }
    /// Threshold at 128 (for images that are already black/white).
    pub fn from_gray_threshold(img: &GrayImage) -> Self {
        let bits = img.pixels().map(|p| p.0[0] < 128).collect();
        Bitmap {
            width: img.width(),
            height: img.height(),
            bits,
        }
    }
    /// Floyd–Steinberg dithering (serpentine off, error diffused 7/16, 3/16, 5/16, 1/16).
    pub fn dither(img: &GrayImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut err: Vec<i32> = img.pixels().map(|p| i32::from(p.0[0]) * 16).collect();
        let mut bits = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let old = err[i];
                let black = old < 128 * 16;
                bits[i] = black;
                let e = old - if black { 0 } else { 255 * 16 };
                if x + 1 < w {
                    err[i + 1] += e * 7 / 16;
                }
                if y + 1 < h {
                    if x > 0 {
                        err[i + w - 1] += e * 3 / 16;
                    }
                    err[i + w] += e * 5 / 16;
                    if x + 1 < w {
                        err[i + w + 1] += e / 16;
                    }
                }
            }
        }
        Bitmap {
            width: img.width(),
            height: img.height(),
            bits,
        }
    }
    /// Black = 0, white = 255.
    pub fn to_gray(&self) -> GrayImage {
        GrayImage::from_fn(self.width, self.height, |x, y| {
            image::Luma([if self.get(x, y) { 0 } else { 255 }])
        })
    }
    /// Packed rows, MSB first, `ceil(width/8)` bytes per row (the `GS v 0` data layout).
    pub fn packed_rows(&self, y0: u32, rows: u32) -> Vec<u8> {
        let bpl = self.width.div_ceil(8) as usize;
        let mut out = vec![0u8; bpl * rows as usize];
        for y in 0..rows {
            for x in 0..self.width {
                if self.get(x, y0 + y) {
                    out[y as usize * bpl + (x / 8) as usize] |= 0x80 >> (x % 8);
                }
            }
        }
        out
    }
    /// Paste into a wider canvas with the given alignment.
    pub fn aligned(&self, width: u32, align: Align) -> Bitmap {
        if self.width >= width {
            return self.clone();
        }
        let off = match align {
            Align::Left => 0,
            Align::Center => (width - self.width) / 2,
            Align::Right => width - self.width,
        };
        let mut out = Bitmap::new(width, self.height);
        for y in 0..self.height {
            for x in 0..self.width {
                out.set(x + off, y, self.get(x, y));
            }
        }
        out
    }
}

/// Render a QR code to a bitmap with `module` dots per module and a 4-module quiet zone.
pub fn qr_bitmap(payload: &str, ec: QrEc, module: u32) -> Result<Bitmap, PrintError> {
    let code = qr_code(payload, ec)?;
    let n = code.size as u32;
    let side = (n + 8) * module;
    let mut bm = Bitmap::new(side, side);
    for my in 0..n {
        for mx in 0..n {
            if code[my as usize][mx as usize].value() {
                for dy in 0..module {
                    for dx in 0..module {
                        bm.set((mx + 4) * module + dx, (my + 4) * module + dy, true);
                    }
                }
            }
        }
    }
    Ok(bm)
}

/// Number of modules per side of the QR code for `payload`.
pub fn qr_modules(payload: &str, ec: QrEc) -> Result<u32, PrintError> {
    Ok(qr_code(payload, ec)?.size as u32)
}

fn qr_code(payload: &str, ec: QrEc) -> Result<fast_qr::QRCode, PrintError> {
    fast_qr::QRBuilder::new(payload.as_bytes())
        .ecl(ec.to_ecl())
        .build()
        .map_err(|e| PrintError::Qr(e.to_string()))
}

/// Encode text for the profile, refusing control characters and characters the printer
/// cannot print (naming them).
pub fn encode_text(profile: &PrinterProfile, text: &str) -> Result<Vec<u8>, PrintError> {
    let ctrl: Vec<char> = text.chars().filter(|c| c.is_control()).collect();
    if !ctrl.is_empty() {
        return Err(PrintError::ControlChars { chars: ctrl });
    }
    let gbk_only = profile.encoding == "gbk" || !profile.four_byte_gb18030;
    let mut bad = Vec::new();
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(c.encode_utf8(&mut buf));
        if unmappable || (gbk_only && bytes.len() > 2) {
            if !bad.contains(&c) {
                bad.push(c);
            }
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        let encoding = if gbk_only {
            "GBK / GB18030 双字节"
        } else {
            "GB18030"
        };
        Err(PrintError::Unmappable {
            encoding: encoding.into(),
            chars: bad,
        })
    }
}

/// An ESC/POS job under construction for one printer profile.
#[derive(Debug, Clone)]
pub struct Job<'p> {
    profile: &'p PrinterProfile,
    buf: Vec<u8>,
}

impl<'p> Job<'p> {
    /// Start a job: `ESC @`, then `FS &` if the profile needs Chinese mode.
    pub fn new(profile: &'p PrinterProfile) -> Self {
        let mut j = Job {
            profile,
            buf: Vec::new(),
        };
        j.buf.extend_from_slice(&[ESC, b'@']);
        if profile.chinese_mode {
            j.buf.extend_from_slice(&[FS, b'&']);
        }
        j
    }
    pub fn profile(&self) -> &PrinterProfile {
        self.profile
    }
    /// Raw bytes (escape hatch).
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }
    pub fn align(&mut self, a: Align) -> &mut Self {
        self.raw(&[ESC, b'a', a as u8])
    }
    pub fn bold(&mut self, on: bool) -> &mut Self {
        self.raw(&[ESC, b'E', u8::from(on)])
    }
    /// Character size multipliers `GS ! n`, each 1..=8.
    pub fn size(&mut self, width: u8, height: u8) -> &mut Self {
        let w = width.clamp(1, 8) - 1;
        let h = height.clamp(1, 8) - 1;
        self.raw(&[GS, b'!', (w << 4) | h])
    }
    /// Text without line feed.
    pub fn text(&mut self, s: &str) -> Result<&mut Self, PrintError> {
        let bytes = encode_text(self.profile, s)?;
        Ok(self.raw(&bytes))
    }
    /// Text followed by LF.
    pub fn line(&mut self, s: &str) -> Result<&mut Self, PrintError> {
        self.text(s)?;
        Ok(self.raw(&[LF]))
    }
    pub fn lf(&mut self) -> &mut Self {
        self.raw(&[LF])
    }
    /// `ESC d n`: print and feed n lines.
    pub fn feed(&mut self, lines: u8) -> &mut Self {
        self.raw(&[ESC, b'd', lines])
    }
    /// Raster image via `GS v 0` in bands of at most `max_band_rows` rows.
    pub fn raster(&mut self, bm: &Bitmap) -> &mut Self {
        let band = u32::from(self.profile.max_band_rows.clamp(1, 255));
        let bpl = bm.width.div_ceil(8);
        let mut y = 0;
        while y < bm.height {
            let rows = band.min(bm.height - y);
            self.buf.extend_from_slice(&[
                GS,
                b'v',
                b'0',
                0,
                (bpl & 0xFF) as u8,
                (bpl >> 8) as u8,
                (rows & 0xFF) as u8,
                (rows >> 8) as u8,
            ]);
            self.buf.extend_from_slice(&bm.packed_rows(y, rows));
            y += rows;
        }
        self
    }
    /// Grayscale image: Floyd–Steinberg dithered, then raster.
    pub fn image_gray(&mut self, img: &GrayImage) -> &mut Self {
        let bm = Bitmap::dither(img);
        self.raster(&bm)
    }
    /// QR code: `GS ( k` when the profile supports it, else a centred raster image.
    /// `module` is dots per module.
    pub fn qr(&mut self, payload: &str, ec: QrEc, module: u8) -> Result<&mut Self, PrintError> {
        let module = module.clamp(1, 16);
        if self.profile.supports_qr_cmd {
            qr_modules(payload, ec)?; // validate it fits a QR code at all
            let data = payload.as_bytes();
            let len = data.len() + 3;
            if len > 0xFFFF {
                return Err(PrintError::Qr("payload too long".into()));
            }
            self.raw(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]); // model 2
            self.raw(&[GS, b'(', b'k', 3, 0, 49, 67, module]); // module size
            self.raw(&[GS, b'(', b'k', 3, 0, 49, 69, ec.byte()]); // error correction
            self.raw(&[
                GS,
                b'(',
                b'k',
                (len & 0xFF) as u8,
                (len >> 8) as u8,
                49,
                80,
                48,
            ]);
            self.raw(data);
            self.raw(&[GS, b'(', b'k', 3, 0, 49, 81, 48]); // print
            Ok(self)
        } else {
            let bm = qr_bitmap(payload, ec, u32::from(module))?;
            let bm = bm.aligned(self.profile.dots_per_line, Align::Center);
            Ok(self.raster(&bm))
        }
    }
    /// Full cut after feeding `feed_lines` (`GS V 66 n`).
    pub fn cut(&mut self, feed_dots: u8) -> &mut Self {
        self.raw(&[GS, b'V', 66, feed_dots])
    }
    /// Label printers: feed to the start of the next label (`GS FF`).
    pub fn label_feed(&mut self) -> &mut Self {
        self.raw(&[GS, 0x0C])
    }
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}
