//! zlib streams for the PDF writer, with one compressor reused for every stream of a document.
//! miniz_oxide's `compress_to_vec_zlib` builds a fresh ~300 KB compressor per call; a transcript
//! has a dozen streams, and the set-up cost more than compressing the small ones.

use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress, create_comp_flags_from_zip_params,
};

pub(crate) struct Deflater(Box<CompressorOxide>);

impl Deflater {
    pub(crate) fn new() -> Deflater {
        // window_bits > 0 asks for the zlib wrapper PDF's FlateDecode expects.
        Deflater(Box::new(CompressorOxide::new(
            create_comp_flags_from_zip_params(6, 1, 0),
        )))
    }

    /// `data` as a zlib stream at `level` (1 fastest … 9 smallest).
    pub(crate) fn zlib(&mut self, mut data: &[u8], level: u8) -> Vec<u8> {
        let c = &mut self.0;
        c.reset();
        c.set_compression_level_raw(level);
        let mut out = vec![0; (data.len() / 2).max(64)];
        let mut pos = 0;
        loop {
            let (status, read, wrote) = compress(c, data, &mut out[pos..], TDEFLFlush::Finish);
            pos += wrote;
            data = &data[read..];
            match status {
                TDEFLStatus::Done => {
                    out.truncate(pos);
                    return out;
                }
                TDEFLStatus::Okay => {
                    if out.len() - pos < 64 {
                        out.resize(out.len() * 2, 0);
                    }
                }
                // Only bad parameters give other statuses, and ours are fixed.
                s => unreachable!("deflate failed: {s:?}"),
            }
        }
    }
}
