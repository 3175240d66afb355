//! Writes the photographed-invoice set of the QR read-rate test to a directory, so that other
//! decoders (zxing-cpp in `benches/qr_bench.py`) read the very same files:
//!
//!     cargo run --release --example qr_photo_set -- DIR [SEED] [COUNT]
//!
//! Beside the JPEG files it writes `manifest.tsv`: file name, format, chat copy (0/1), QR
//! share of the frame width, rotation, blur σ, JPEG quality, EXIF orientation, payload.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a tool: fail loudly

use std::io::Write;

use invoice_photos as generator;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: qr_photo_set DIR [SEED] [COUNT]")?);
    let seed = args.next().map_or(Ok(generator::SEED), |s| s.parse())?;
    let count = args.next().map_or(Ok(generator::COUNT), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    let specs = generator::photo_set(seed, count);
    let mut manifest = std::fs::File::create(dir.join("manifest.tsv"))?;
    writeln!(
        manifest,
        "file\tformat\tchat\tqr_share\trotation\tblur\tquality\torientation\tpayload"
    )?;
    for spec in &specs {
        let bytes = generator::render(spec);
        std::fs::write(dir.join(spec.file_name()), &bytes)?;
        writeln!(
            manifest,
            "{}\t{}\t{}\t{:.3}\t{:.1}\t{:.2}\t{}\t{}\t{}",
            spec.file_name(),
            spec.format,
            u8::from(spec.chat_copy),
            spec.qr_share,
            spec.rotation_deg,
            spec.blur_sigma,
            spec.quality,
            spec.orientation,
            spec.payload
        )?;
        eprintln!("{} ({} bytes)", spec.file_name(), bytes.len());
    }
    Ok(())
}
