//! Reads the invoice QR code of each photo the way the server does (intake's quick search, then
//! the deep search when intake read no invoice) and prints one tab-separated line a file:
//! name, where it was read (`intake`, `deep` or `-`), the payload (or `-`), milliseconds of
//! intake, milliseconds of the deep search (0 when it did not run).
//!
//!     cargo run --release --example qr_read -- FILE.jpg ...
//!
//! `benches/qr_bench.py` compares these lines with zxing-cpp on the same files.

use std::time::{Duration, Instant};

use village_ledger::receipts::{IntakeLimits, QrSearch, ingest, search_qr};

/// The deep search's budget here: the server's default.
const BUDGET: Duration = Duration::from_secs(30);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let limits = IntakeLimits::default();
    for file in std::env::args_os().skip(1).map(std::path::PathBuf::from) {
        let started = Instant::now();
        let ingested = ingest(&file, &limits)?;
        let intake_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (place, text, deep_ms) = match ingested.qr_search {
            QrSearch::Done => ("intake", ingested.qr_text, 0.0),
            QrSearch::Pending => {
                let started = Instant::now();
                let found = search_qr(&file, &limits, BUDGET)?;
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                match found {
                    Some(r) if r.invoice.is_some() => ("deep", Some(r.text), ms),
                    _ => ("-", None, ms),
                }
            }
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = text.map_or("-".to_owned(), |t| t.trim().to_owned());
        println!("{name}\t{place}\t{text}\t{intake_ms:.1}\t{deep_ms:.1}");
    }
    Ok(())
}
