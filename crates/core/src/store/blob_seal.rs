//! The sealed blob file: photos, PDFs and signatures encrypted at rest with AES-256-GCM (ring).
//!
//! Layout: `FCB1` | salt (16 bytes) | segments. The plaintext is cut into 64 KiB segments, each
//! sealed on its own (ciphertext + 16-byte tag), so a resumed upload can start reading at any
//! offset without decrypting what comes before, and a large recording is never held whole.
//! Each file has its own key, HKDF-SHA256(salt, blob master key); the nonce is the segment's
//! index plus a "last segment" flag, so segments cannot be reordered, and a file cut at a
//! segment boundary is detected (its new last segment was sealed as not last).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};

/// The first bytes of a sealed blob file.
pub const MAGIC: &[u8; 4] = b"FCB1";
const SALT_LEN: usize = 16;
const HEADER_LEN: u64 = (MAGIC.len() + SALT_LEN) as u64;
/// Plaintext bytes per segment.
pub const SEGMENT: usize = 64 * 1024;
const TAG_LEN: usize = 16;
const SEALED_SEGMENT: u64 = (SEGMENT + TAG_LEN) as u64;

fn file_key(master: &[u8; 32], salt: &[u8]) -> io::Result<LessSafeKey> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(master);
    let okm = prk
        .expand(&[b"fieldcase/v1/blob"], &AES_256_GCM)
        .map_err(|_| invalid("blob key derivation failed"))?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

fn nonce(index: u64, last: bool) -> Nonce {
    let mut n = [0u8; NONCE_LEN];
    n[..8].copy_from_slice(&index.to_be_bytes());
    n[NONCE_LEN - 1] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn unopenable() -> io::Error {
    invalid(
        "the blob does not open with this store's key: altered, cut short, or from another store",
    )
}

/// Writes `plain` sealed under `master` to `out`.
pub fn seal(master: &[u8; 32], plain: &[u8], out: &mut impl Write) -> io::Result<()> {
    let mut salt = [0u8; SALT_LEN];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| io::Error::other("no OS random source for a blob salt"))?;
    let key = file_key(master, &salt)?;
    out.write_all(MAGIC)?;
    out.write_all(&salt)?;
    let count = plain.len().div_ceil(SEGMENT).max(1);
    for i in 0..count {
        let start = i * SEGMENT;
        let mut buf = plain[start..plain.len().min(start + SEGMENT)].to_vec();
        key.seal_in_place_append_tag(nonce(i as u64, i + 1 == count), Aad::from(MAGIC), &mut buf)
            .map_err(|_| io::Error::other("sealing a blob segment failed"))?;
        out.write_all(&buf)?;
    }
    Ok(())
}

/// Whether a file starts like a sealed blob (a store from before encryption holds plain ones).
pub fn is_sealed(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; 4];
    let mut f = File::open(path)?;
    match f.read_exact(&mut head) {
        Ok(()) => Ok(&head == MAGIC),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// Reads a sealed blob's plaintext from any offset, one segment at a time.
pub struct SealedReader {
    file: File,
    key: LessSafeKey,
    file_len: u64,
    /// The next segment to open.
    index: u64,
    plain: Vec<u8>,
    pos: usize,
    done: bool,
}

impl std::fmt::Debug for SealedReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedReader")
            .field("index", &self.index)
            .field("file_len", &self.file_len)
            .finish_non_exhaustive()
    }
}

impl SealedReader {
    /// Opens `path` and positions the reader at plaintext byte `offset`.
    pub fn open_at(path: &Path, master: &[u8; 32], offset: u64) -> io::Result<SealedReader> {
        let mut file = File::open(path)?;
        let file_len = file.metadata()?.len();
        let mut header = [0u8; HEADER_LEN as usize];
        file.read_exact(&mut header).map_err(|_| unopenable())?;
        if &header[..4] != MAGIC {
            return Err(unopenable());
        }
        let key = file_key(master, &header[4..])?;
        let seg = SEGMENT as u64;
        let mut r = SealedReader {
            file,
            key,
            file_len,
            index: offset / seg,
            plain: Vec::new(),
            pos: 0,
            done: false,
        };
        r.file
            .seek(SeekFrom::Start(HEADER_LEN + r.index * SEALED_SEGMENT))?;
        r.next_segment()?;
        r.pos = usize::try_from(offset % seg)
            .unwrap_or(0)
            .min(r.plain.len());
        Ok(r)
    }

    fn next_segment(&mut self) -> io::Result<()> {
        let start = HEADER_LEN + self.index * SEALED_SEGMENT;
        if start >= self.file_len {
            // Past the end: an offset beyond the blob reads as nothing, but a file with no
            // segment at all was cut short.
            if self.index == 0 {
                return Err(unopenable());
            }
            self.plain.clear();
            self.pos = 0;
            self.done = true;
            return Ok(());
        }
        let n = (self.file_len - start).min(SEALED_SEGMENT);
        let last = start + n == self.file_len;
        let mut buf = vec![0u8; n as usize];
        self.file.read_exact(&mut buf)?;
        let plain_len = self
            .key
            .open_in_place(nonce(self.index, last), Aad::from(MAGIC), &mut buf)
            .map_err(|_| unopenable())?
            .len();
        buf.truncate(plain_len);
        self.plain = buf;
        self.pos = 0;
        self.done = last;
        self.index += 1;
        Ok(())
    }
}

impl Read for SealedReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_segment()?;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(master: &[u8; 32], plain: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b");
        let mut f = File::create(&path).unwrap();
        seal(master, plain, &mut f).unwrap();
        (dir, path)
    }

    fn read_from(path: &Path, master: &[u8; 32], offset: u64) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        SealedReader::open_at(path, master, offset)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_at_every_interesting_length_and_offset() {
        let master = [7u8; 32];
        for len in [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 17] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let (_d, path) = sealed(&master, &plain);
            assert!(is_sealed(&path).unwrap());
            for off in [0, 1, SEGMENT as u64, len as u64 / 2, len as u64] {
                let off = off.min(len as u64);
                assert_eq!(
                    read_from(&path, &master, off).unwrap(),
                    plain[off as usize..],
                    "len {len} offset {off}"
                );
            }
        }
    }

    #[test]
    fn the_wrong_key_a_flipped_bit_or_a_cut_are_refused() {
        let master = [7u8; 32];
        let plain = vec![42u8; 2 * SEGMENT + 5];
        let (_d, path) = sealed(&master, &plain);
        assert!(read_from(&path, &[8u8; 32], 0).is_err(), "wrong key");

        let good = std::fs::read(&path).unwrap();
        let mut flipped = good.clone();
        flipped[HEADER_LEN as usize + 100] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(read_from(&path, &master, 0).is_err(), "flipped bit");

        // Cut at a segment boundary: what is left looks whole but its end was not sealed as last.
        let cut = &good[..(HEADER_LEN + 2 * SEALED_SEGMENT) as usize];
        std::fs::write(&path, cut).unwrap();
        assert!(read_from(&path, &master, 0).is_err(), "cut at a boundary");

        std::fs::write(&path, &good[..HEADER_LEN as usize]).unwrap();
        assert!(read_from(&path, &master, 0).is_err(), "header only");
    }

    #[test]
    fn the_same_bytes_sealed_twice_differ_and_show_nothing_of_the_plaintext() {
        let master = [7u8; 32];
        let plain = b"known answer: the nickel tank's fan was off".repeat(50);
        let (_d1, a) = sealed(&master, &plain);
        let (_d2, b) = sealed(&master, &plain);
        let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
        assert_ne!(a, b, "a fresh salt per file");
        assert!(!a.windows(12).any(|w| w == &plain[..12]));
    }
}
