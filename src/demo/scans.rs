//! The paper behind the demo villagers' lines: most expense entries of the villages with demo
//! villager accounts get a receipt scan drawn at demo time (crate `receipt-drawing`) with the
//! entry's payee, amount, date and a seal — a receipt, a labour pay sheet naming each labourer,
//! or, for some firms' bills, a VAT invoice whose QR code carries the entry's amount — a third
//! of them photographed at an angle. Each is taken in through intake as an upload is, in
//! parallel, and attached in one transaction.
//!
//! Deterministic: every choice comes from the entry's id. The scans differ in layout, paper,
//! placement and light; the few that still come out near-identical to an earlier one are
//! photographed again (see [`attach_drawn_scans`]).

use std::collections::HashSet;

use anyhow::{Context, anyhow};
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use receipt_drawing::{Form, Invoice, Payee, Slip};
use sha2::{Digest, Sha256};

use super::county::{LABOURERS, TOWNSHIPS};
use crate::db::schema::{entries, receipts};
use crate::db::{DbConn, write_transaction};
use crate::domain::QrSearch;
use crate::ledger::receipts::{ReceiptRow, insert_receipt};
use crate::receipts::{ReceiptStore, SAME_PAPER_MAX_DISTANCE, phash_distance};

/// Out of 100 entries, how many get a scan (the rest, as in any village's books, were filed
/// without one reaching the platform).
const SCANNED_PERCENT: u64 = 72;

/// Redraws of one paper, at most, until it is unlike every scan before it.
const MAX_RESHOOTS: u32 = 8;

/// An expense entry that may get a scan.
#[derive(Debug, Queryable)]
struct Line {
    id: String,
    village_code: String,
    voucher_no: String,
    occurred_on: NaiveDate,
    amount_fen: i64,
    counterparty: String,
    description: String,
}

/// 64 bits of the SHA-256 of the entry id and a purpose: the scan's choices.
fn draw_bits(entry_id: &str, purpose: &str) -> u64 {
    let digest = Sha256::digest(format!("{purpose}:{entry_id}").as_bytes());
    u64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8]))
}

fn digits(entry_id: &str, purpose: &str, n: usize) -> String {
    Sha256::digest(format!("{purpose}:{entry_id}").as_bytes())
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .take(n)
        .collect()
}

/// Whether `name` is a person's rather than a firm's or an office's.
fn is_person(name: &str) -> bool {
    name.chars().count() <= 4
        && !["店", "部", "局", "所", "司", "行", "馆", "厂", "楼"]
            .iter()
            .any(|w| name.contains(w))
}

fn village_name(code: &str) -> anyhow::Result<&'static str> {
    TOWNSHIPS
        .iter()
        .flat_map(|t| t.villages)
        .find(|v| v.code == code)
        .map(|v| v.name)
        .ok_or_else(|| anyhow!("no demo village {code}"))
}

/// The labourers on the sheet of a person's pay: the payee first, then colleagues for work done
/// by a crew, each paid a share in whole ten-yuan amounts (the payee gets what remains).
fn crew(line: &Line, bits: u64) -> Vec<Payee> {
    let single = ["工资", "补贴"].iter().any(|w| line.description.contains(w));
    let most = usize::try_from(line.amount_fen / 20_000).unwrap_or(1).clamp(1, 5);
    let n = if single { 1 } else { 1 + (bits % 5) as usize }.min(most);
    let others = LABOURERS.iter().filter(|n| **n != line.counterparty).take(n - 1);
    let mut payees: Vec<Payee> = std::iter::once(line.counterparty.as_str())
        .chain(others.copied())
        .map(|name| Payee {
            name: name.to_owned(),
            amount_fen: 0,
        })
        .collect();
    let share = line.amount_fen / n as i64;
    let mut rest = line.amount_fen;
    for (i, p) in payees.iter_mut().enumerate().skip(1) {
        let wobble = ((bits >> (8 * i)) % 5) as i64 - 2;
        p.amount_fen = ((share / 1000 + wobble).max(1) * 1000).min(rest - 1000);
        rest -= p.amount_fen;
    }
    payees[0].amount_fen = rest;
    payees
}

/// The VAT invoice of a firm's bill: a fully digitised one from 2025, a traditional ordinary
/// invoice before; invoice number and check code from the entry, taxpayer number from the firm.
fn invoice(line: &Line) -> Invoice {
    let date = line.occurred_on.format("%Y%m%d");
    let amount = receipt_drawing::yuan(line.amount_fen).replace(',', "");
    let crc = format!("{:04X}", draw_bits(&line.id, "crc") % 0x10000);
    let seller_tax_id = format!("91331022{}", &digits(&line.counterparty, "tax", 9)) + "X";
    if line.occurred_on.year() >= 2025 {
        let number = format!("{}{}", line.occurred_on.format("%y"), digits(&line.id, "number", 18));
        Invoice {
            qr_payload: format!("01,32,,{number},{amount},{date},,{crc}"),
            code: None,
            number,
            seller_tax_id,
        }
    } else {
        let code = format!("0330{}", digits(&line.id, "code", 8));
        let number = digits(&line.id, "number", 8);
        let check = digits(&line.id, "check", 20);
        Invoice {
            qr_payload: format!("01,04,{code},{number},{amount},{date},{check},{crc}"),
            code: Some(code),
            number,
            seller_tax_id,
        }
    }
}

/// What the entry's paper says and how it is drawn.
fn slip(line: &Line, attempt: u32) -> anyhow::Result<Slip> {
    let bits = draw_bits(&line.id, "scan");
    // The look of the picture; a reshoot keeps the paper and takes it again differently.
    let seed = if attempt == 0 {
        bits
    } else {
        draw_bits(&line.id, &format!("reshoot-{attempt}"))
    };
    let person = is_person(&line.counterparty);
    let labour = ["工资", "人工", "雇工", "补贴", "养护"]
        .iter()
        .any(|w| line.description.contains(w));
    let form = match (person, labour) {
        (true, true) => Form::LabourSheet,
        (false, _) if bits.is_multiple_of(4) => Form::VatInvoice,
        _ => Form::Receipt,
    };
    Ok(Slip {
        form,
        seed,
        payer: format!("三门县{}股份经济合作社", village_name(&line.village_code)?),
        payee: line.counterparty.clone(),
        description: line.description.clone(),
        amount_fen: line.amount_fen,
        date: (
            line.occurred_on.year(),
            line.occurred_on.month(),
            line.occurred_on.day(),
        ),
        voucher_no: line.voucher_no.clone(),
        payees: if form == Form::LabourSheet {
            crew(line, bits)
        } else {
            Vec::new()
        },
        invoice: (form == Form::VatInvoice).then(|| invoice(line)),
        photographed: form != Form::VatInvoice && (bits >> 32).is_multiple_of(3),
    })
}

/// The entries of `villages` that get a drawn scan: live expenses without a scan yet, four in
/// five of them, the ancestral hall's labour always.
fn lines_to_scan(conn: &mut DbConn, villages: &[&str]) -> anyhow::Result<Vec<Line>> {
    let scanned: HashSet<String> = receipts::table
        .select(receipts::entry_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let lines: Vec<Line> = entries::table
        .filter(entries::village_code.eq_any(villages))
        .filter(entries::direction.eq("expense"))
        .filter(entries::reverses.is_null())
        .order(entries::seq)
        .select((
            entries::id,
            entries::village_code,
            entries::voucher_no,
            entries::occurred_on,
            entries::amount_fen,
            entries::counterparty,
            entries::description,
        ))
        .load(conn)?;
    Ok(lines
        .into_iter()
        .filter(|l| !scanned.contains(&l.id))
        .filter(|l| l.description.contains("祠堂") || draw_bits(&l.id, "keep") % 100 < SCANNED_PERCENT)
        .collect())
}

/// Draws, takes in and stores the scan of one line; the row to attach it.
fn draw_and_store(store: &ReceiptStore, line: &Line, attempt: u32) -> anyhow::Result<ReceiptRow> {
    let slip = slip(line, attempt)?;
    let bytes = receipt_drawing::draw(&slip).with_context(|| format!("drawing the scan of {}", line.id))?;
    let mut row = super::receipts::store_scan(store, &line.id, &line.village_code, &bytes, "demo-import")?;
    // What intake read is all there is to read: the deep QR search has nothing to add.
    if slip.invoice.is_none() {
        row.qr_search = QrSearch::Done.as_str().to_owned();
    }
    Ok(row)
}

/// Whether `phash` is as close to one of `known` as the same paper photographed twice.
fn like_any(known: &[String], phash: &str) -> bool {
    known
        .iter()
        .any(|k| phash_distance(k, phash).is_some_and(|d| d <= SAME_PAPER_MAX_DISTANCE))
}

/// Draws and stores the scans of `lines` in parallel, in their order.
fn draw_all(store: &ReceiptStore, lines: &[Line]) -> anyhow::Result<Vec<ReceiptRow>> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let chunk = lines.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|l| draw_and_store(store, l, 0)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err(anyhow!("a scan drawer panicked"))])
            })
            .collect()
    })
}

/// Attaches drawn scans to most expense entries of `villages`; returns how many.
///
/// Forms of a kind look alike, so now and then a drawn scan comes out as close to an earlier
/// one (or to a fixture scan) as the same paper photographed twice would: that one is
/// photographed again, differently, so that the demo's `receipt_reused` flags stay the planted
/// ones. So is an invoice whose QR code intake did not read (a few in twenty): every drawn
/// invoice is read when the demo starts.
pub fn attach_drawn_scans(conn: &mut DbConn, store: &ReceiptStore, villages: &[&str]) -> anyhow::Result<usize> {
    let lines = lines_to_scan(conn, villages)?;
    let mut rows = draw_all(store, &lines)?;
    let (mut known, attached): (Vec<String>, HashSet<String>) = receipts::table
        .select((receipts::phash, receipts::sha256))
        .load::<(String, String)>(conn)?
        .into_iter()
        .unzip();
    for i in 0..rows.len() {
        let mut attempt = 0;
        // An invoice whose QR code intake could not read is photographed again as well.
        while like_any(&known, &rows[i].phash) || rows[i].qr_search != QrSearch::Done.as_str() {
            attempt += 1;
            if attempt > MAX_RESHOOTS {
                return Err(anyhow!("every picture of {} looks like an earlier scan", lines[i].id));
            }
            // Kept when the same bytes are another row's original (one file for both).
            let sha = &rows[i].sha256;
            if !attached.contains(sha) && rows.iter().filter(|r| r.sha256 == *sha).count() == 1 {
                store
                    .remove_unattached(sha)
                    .with_context(|| format!("removing the discarded scan {sha}"))?;
            }
            rows[i] = draw_and_store(store, &lines[i], attempt)?;
        }
        known.push(rows[i].phash.clone());
    }
    write_transaction(conn, |conn| {
        for row in &rows {
            insert_receipt(conn, row)?;
        }
        Ok::<_, anyhow::Error>(())
    })
    .context("attaching the drawn scans")?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::county::TEMPLATES;

    #[test]
    fn every_demo_name_and_line_can_be_printed() {
        let mut text: String = TEMPLATES
            .iter()
            .flat_map(|t| t.counterparties.iter().copied().chain([t.description]))
            .collect();
        text.extend(TOWNSHIPS.iter().flat_map(|t| t.villages).map(|v| v.name));
        text.extend(LABOURERS.iter().copied());
        text.push_str("三门县股份经济合作社村民委员会叶某某国庆期间村务接待餐费村文化礼堂修缮工程款困难户住房救助款");
        assert_eq!(receipt_drawing::missing_glyphs(&text), Vec::<char>::new());
    }

    fn line(description: &str, counterparty: &str, amount_fen: i64) -> Line {
        Line {
            id: "en_0123456789abcdef01234567".to_owned(),
            village_code: "331022102201".to_owned(),
            voucher_no: "2024-013".to_owned(),
            occurred_on: NaiveDate::from_ymd_opt(2024, 5, 14).unwrap_or_default(),
            amount_fen,
            counterparty: counterparty.to_owned(),
            description: description.to_owned(),
        }
    }

    #[test]
    fn a_crew_is_paid_the_whole_amount_in_positive_shares() {
        for fen in [95_000, 20_000, 123_456, 400_000] {
            for bits in [0, 1, 2, 3, 4, u64::MAX] {
                let crew = crew(&line("付村祠堂传送瓦片人工费", "郑国强", fen), bits);
                assert_eq!(crew[0].name, "郑国强");
                assert_eq!(crew.iter().map(|p| p.amount_fen).sum::<i64>(), fen);
                assert!(crew.iter().all(|p| p.amount_fen > 0), "{crew:?}");
            }
        }
        assert_eq!(crew(&line("付保洁员工资", "罗素芬", 250_000), 4).len(), 1);
    }

    #[test]
    fn an_invoice_qr_reads_back_as_the_entry_amount_and_date() {
        for year in [2024, 2025] {
            let mut l = line("购办公用品", "海游百货文具店", 123_450);
            l.occurred_on = NaiveDate::from_ymd_opt(year, 3, 8).unwrap_or_default();
            let qr = crate::domain::InvoiceQr::parse(&invoice(&l).qr_payload).expect("an invoice payload");
            assert_eq!(qr.amount_fen, 123_450);
            assert_eq!(qr.issued_on, l.occurred_on);
            assert_eq!(qr.invoice_code.is_none(), year >= 2025);
        }
    }
}
