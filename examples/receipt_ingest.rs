//! Receipt intake speed, side by side with `vipsthumbnail` (Debian's libvips-tools) making only
//! the 320 px thumbnail of the same file (issue 4: ingest within 2× of that).
//!
//!     cargo run --release --example receipt_ingest [-- FILE.jpg ...]
//!
//! Without arguments it measures the 12 MP fixture (smooth, 0.7 MB) and a realistic phone photo
//! made from it at start: the same pixels with sensor-like noise, JPEG quality 92 (~4 MB), with
//! the fixture's EXIF (orientation 6, GPS). Each figure is the median of 9 runs after one warm-up.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use village_ledger::receipts::{IntakeLimits, ingest, render_full};

const RUNS: usize = 9;

fn median(mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

/// The fixture's pixels with deterministic noise, re-encoded at quality 92 with its EXIF.
fn noisy_phone_photo(fixture: &Path, dir: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    use image::ImageEncoder;
    let bytes = std::fs::read(fixture)?;
    let mut decoder = jpeg_decoder::Decoder::new(bytes.as_slice());
    let pixels = decoder.decode()?;
    let info = decoder.info().ok_or("no frame header")?;
    let exif = decoder.exif_data().map(<[u8]>::to_vec);
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let noisy: Vec<u8> = pixels
        .iter()
        .map(|&v| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (i16::from(v) + (state % 13) as i16 - 6).clamp(0, 255) as u8
        })
        .collect();
    let path = dir.join("phone-12mp-noisy.jpg");
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(std::fs::File::create(&path)?, 92);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif)?;
    }
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    encoder.write_image(&noisy, w, h, image::ExtendedColorType::Rgb8)?;
    Ok(path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let mut files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("receipts-fixtures/phone-12mp-orient6-gps.jpg");
        files.push(noisy_phone_photo(&fixture, scratch.path())?);
        files.push(fixture);
    }
    let limits = IntakeLimits::default();
    let vips = Command::new("vipsthumbnail").arg("--version").output().is_ok();
    println!("| file | bytes | ingest | render_full | vipsthumbnail -s 320 | ingest / vips |");
    println!("|---|---:|---:|---:|---:|---:|");
    for file in &files {
        let got = ingest(file, &limits)?;
        let ingest_time = median(|| drop(ingest(file, &limits)));
        let full_time = median(|| drop(render_full(file, &limits)));
        let thumb = scratch.path().join("vips-thumb.jpg");
        let vips_time = vips.then(|| {
            median(|| {
                let _ = Command::new("vipsthumbnail")
                    .arg(file)
                    .arg("-s")
                    .arg("320")
                    .arg("-o")
                    .arg(&thumb)
                    .status();
            })
        });
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "| {name} ({}×{}) | {} | {} | {} | {} | {} |",
            got.width,
            got.height,
            std::fs::metadata(file)?.len(),
            ms(ingest_time),
            ms(full_time),
            vips_time.map_or("not installed".to_owned(), ms),
            vips_time.map_or("-".to_owned(), |v| format!(
                "{:.2}",
                ingest_time.as_secs_f64() / v.as_secs_f64()
            )),
        );
    }
    Ok(())
}
