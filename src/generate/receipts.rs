//! Receipt scans for the generated county (`generate --receipts N`): small deterministic JPEGs
//! attached to N expense entries spread over the county, so the benchmark can read receipt
//! thumbnails of many different receipts.
//!
//! Each image is a sheet of paper with blocks of ink drawn from the receipt's own random stream,
//! so no two are alike to the perceptual hash (the cross-check's reused-receipt rule sees no
//! pair). They go through the same intake as an upload (renditions, hash) and are recorded with
//! their log leaves like any attached receipt, in batches of one transaction each.

use std::sync::mpsc;

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use image::{ImageBuffer, Rgb};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::db::{DbConn, write_transaction};
use crate::ledger::receipts::{ReceiptRow, insert_receipt};
use crate::receipts::ReceiptStore;

/// Receipts recorded per write transaction.
const PER_TRANSACTION: usize = 500;
/// Width and height of a generated scan, in pixels.
const WIDTH: u32 = 480;
const HEIGHT: u32 = 360;

#[derive(QueryableByName)]
struct Target {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    village_code: String,
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// A scan of `WIDTH`×`HEIGHT`: paper of a random tone, ink blocks of random sizes and shades,
/// and a red seal, all from `rng`.
fn draw(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let tone: u8 = rng.gen_range(215..=250);
    let mut img: ImageBuffer<Rgb<u8>, Vec<u8>> =
        ImageBuffer::from_pixel(WIDTH, HEIGHT, Rgb([tone, tone, tone.saturating_sub(12)]));
    // A coarse random field first, so the low frequencies (what the perceptual hash reads)
    // differ from scan to scan.
    for by in 0..6 {
        for bx in 0..8 {
            let shade: u8 = rng.gen_range(90..=255);
            if rng.gen_bool(0.45) {
                for y in by * HEIGHT / 6..(by + 1) * HEIGHT / 6 {
                    for x in bx * WIDTH / 8..(bx + 1) * WIDTH / 8 {
                        img.put_pixel(x, y, Rgb([shade, shade, shade]));
                    }
                }
            }
        }
    }
    for _ in 0..rng.gen_range(12..30) {
        let (w, h) = (rng.gen_range(20..WIDTH / 2), rng.gen_range(4..14));
        let (x0, y0) = (rng.gen_range(0..WIDTH - w), rng.gen_range(0..HEIGHT - h));
        let ink: u8 = rng.gen_range(10..80);
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                img.put_pixel(x, y, Rgb([ink, ink, ink.saturating_add(20)]));
            }
        }
    }
    let (cx, cy, r) = (
        rng.gen_range(60..WIDTH - 60) as i64,
        rng.gen_range(60..HEIGHT - 60) as i64,
        rng.gen_range(28..48) as i64,
    );
    for y in (cy - r).max(0)..(cy + r).min(i64::from(HEIGHT)) {
        for x in (cx - r).max(0)..(cx + r).min(i64::from(WIDTH)) {
            let d = (x - cx).pow(2) + (y - cy).pow(2);
            if d <= r * r && d >= (r - 5) * (r - 5) {
                img.put_pixel(x as u32, y as u32, Rgb([200, 30, 30]));
            }
        }
    }
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70);
    img.write_with_encoder(encoder).unwrap_or_default();
    out
}

/// One scan drawn, stored and turned into its row (not yet recorded).
fn scan_for(store: &ReceiptStore, seed: u64, target: &Target) -> anyhow::Result<ReceiptRow> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ target.seq as u64);
    rng.set_stream(7);
    let bytes = draw(&mut rng);
    let mut row = crate::demo::receipts::store_scan(store, &target.id, &target.village_code, &bytes, "clerk")?;
    // Nothing in these scans for the deep QR search to find.
    row.qr_search = "done".into();
    Ok(row)
}

/// Attaches `count` scans to expense entries spread evenly over the county (by `seq`), drawn
/// on every core and recorded in order. Returns how many were attached.
pub fn attach(conn: &mut DbConn, store: &ReceiptStore, seed: u64, count: usize) -> anyhow::Result<usize> {
    if count == 0 {
        return Ok(0);
    }
    let expenses: i64 =
        diesel::sql_query("SELECT COUNT(*) AS n FROM entries WHERE direction = 'expense' AND reverses IS NULL")
            .get_result::<Count>(conn)?
            .n;
    let step = (expenses / count as i64).max(1);
    // Two integers of ours in the text: the same statement on both backends.
    let targets: Vec<Target> = diesel::sql_query(format!(
        "SELECT id, village_code, seq FROM (SELECT id, village_code, seq, \
         ROW_NUMBER() OVER (ORDER BY seq) AS n FROM entries \
         WHERE direction = 'expense' AND reverses IS NULL) AS numbered WHERE n % {step} = 0 ORDER BY seq LIMIT {count}"
    ))
    .load(conn)
    .context("choosing the entries that get scans")?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let (tx, rx) = mpsc::sync_channel::<(usize, anyhow::Result<ReceiptRow>)>(PER_TRANSACTION);
    std::thread::scope(|scope| {
        let targets = &targets;
        for t in 0..threads {
            let tx = tx.clone();
            scope.spawn(move || {
                for (i, target) in targets.iter().enumerate().skip(t).step_by(threads) {
                    if tx.send((i, scan_for(store, seed, target))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Rows arrive out of order; they are recorded in the targets' order, so the log is the
        // same from run to run.
        let mut pending: std::collections::BTreeMap<usize, ReceiptRow> = std::collections::BTreeMap::new();
        let mut next = 0;
        let mut batch = Vec::with_capacity(PER_TRANSACTION);
        let record = |conn: &mut DbConn, batch: &mut Vec<ReceiptRow>| -> anyhow::Result<()> {
            write_transaction(conn, |conn| {
                for row in batch.iter() {
                    insert_receipt(conn, row)?;
                }
                Ok::<_, anyhow::Error>(())
            })
            .context("recording generated scans")?;
            batch.clear();
            Ok(())
        };
        for (i, row) in rx {
            pending.insert(i, row?);
            while let Some(row) = pending.remove(&next) {
                batch.push(row);
                next += 1;
                if batch.len() == PER_TRANSACTION {
                    record(conn, &mut batch)?;
                    eprint!("\r{next} scans attached");
                }
            }
        }
        if !batch.is_empty() {
            record(conn, &mut batch)?;
        }
        eprintln!("\r{next} scans attached");
        Ok(next)
    })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}
