//! `village-ledger generate`: a synthetic county of any size, for benchmarks and load tests.
//!
//! Townships and villages with 12-digit codes and plausible names; for every village and year
//! exactly `--entries-per-village-year` lines that the API would have accepted (accounts of
//! the chart of their year, income accounts for income and expense or cost accounts for
//! expense, settlement in cash 101 or bank 102, vouchers `YYYY-NNNN` numbered in date order),
//! log-normal amounts, office spending on working days, the near misses every village has
//! (`schedule`: standing monthly wages and contracts, holiday duty allowances, round sums paid
//! by bank) and a few red-ink corrections. With `--plant RATE`, that share of the villages each
//! receive one instance of every irregularity the flag rules look for and of the ways around
//! them (`plants`), and the ground truth is written next to the database as `plants.jsonl`.
//! With `--findings N`, the county's inspection work too: rounds, findings and referral
//! tickets (`inspections`). Every month but the last one is closed. The transparency log holds a leaf for every entry and close, with one signed
//! checkpoint over them (see `log`). Three users sign in on it (printed at the end).
//!
//! Deterministic: the same options give the same database, ids included (ChaCha8, one stream
//! per village). Only an empty database is written into.

mod catalogue;
mod draft;
mod draw;
mod inspections;
mod log;
mod places;
mod plants;
mod receipts;
mod schedule;
mod store;
mod templates;
#[cfg(test)]
mod tests;
mod village;

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::auth::Role;
use crate::auth::users::{NewUser, add_user};
use crate::config::Settings;
use crate::db::{DbConn, write_transaction};
use crate::domain::Period;
use crate::msg;
use crate::tlog::checkpoint::{LogSigner, checkpoint_now};
use draw::Parties;

/// Fewest lines a year a planted village can hold every plant in.
const PLANT_MIN_ENTRIES: usize = 100;

/// The generator stream that picks the planted villages and their years (villages use 0 and
/// `2i + 1`, `2i + 2`).
const PLANT_STREAM: u64 = u64::MAX;

/// The generator stream of the inspection work (`--findings`).
const INSPECTION_STREAM: u64 = u64::MAX - 1;

/// Entries per write transaction: a few fsyncs for the whole county.
const ROWS_PER_TRANSACTION: usize = 250_000;

/// The users created on a generated county: username, password, role.
pub const USERS: [(&str, &str, Role); 3] = [
    ("admin", "admin-county-2026", Role::Admin),
    ("clerk", "clerk-county-2026", Role::Clerk),
    ("villager", "villager-county-2026", Role::Villager),
];

/// Options of `village-ledger generate`.
#[derive(clap::Args, Clone, Debug)]
pub struct GenerateOptions {
    /// Directory of the database (and later of the server's signing keys).
    #[arg(long, env = "VL_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL: `postgres://…` for PostgreSQL; a path or `sqlite://PATH` for SQLite
    /// (default: `<data dir>/ledger.db`).
    #[arg(long, env = "VL_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Number of villages (1–5000), spread over the county's townships.
    #[arg(long, default_value_t = 200)]
    pub villages: usize,
    /// Number of fiscal years, ending with `--last-year`.
    #[arg(long, default_value_t = 5)]
    pub years: i32,
    /// Lines per village and year (1–100000).
    #[arg(long, default_value_t = 2000)]
    pub entries_per_village_year: usize,
    /// Seed of the generator: the same seed gives the same county.
    #[arg(long, default_value_t = 331_022)]
    pub seed: u64,
    /// The last fiscal year generated (years up to 2023 use the 2004 chart, later ones the 2023 chart).
    #[arg(long, default_value_t = 2025)]
    pub last_year: i32,
    /// Share of villages (0–1) that each receive one instance of every planted irregularity;
    /// the ground truth goes to `plants.jsonl` in the data dir. Without it nothing is planted.
    #[arg(long, value_name = "RATE")]
    pub plant: Option<f64>,
    /// Findings of inspection rounds to write (0–1000000), with rounds (one a year per
    /// township), referral tickets on nine in ten of them and the bodies they go to; for the
    /// benchmark of the tickets' listing and the county's figures. Default: none.
    #[arg(long, default_value_t = 0)]
    pub findings: usize,
    /// Receipt scans (0–100000) to draw and attach to expense entries spread over the county,
    /// for the benchmark's reads of receipt thumbnails. Default: none.
    #[arg(long, default_value_t = 0)]
    pub receipts: usize,
}

impl GenerateOptions {
    fn check(&self) -> anyhow::Result<()> {
        let first = self.last_year - self.years + 1;
        if !(1..=5000).contains(&self.villages) {
            bail!(msg!("cli-generate-villages", max = 5000));
        }
        if !(1..=100_000).contains(&self.entries_per_village_year) {
            bail!(msg!("cli-generate-entries", max = 100_000));
        }
        if self.findings > 1_000_000 {
            bail!(msg!("cli-generate-findings", max = 1_000_000));
        }
        if self.receipts > 100_000 {
            bail!(msg!("cli-generate-receipts", max = 100_000));
        }
        if let Some(rate) = self.plant
            && (!(0.0..=1.0).contains(&rate) || self.entries_per_village_year < PLANT_MIN_ENTRIES)
        {
            bail!(msg!("cli-generate-plant", min = PLANT_MIN_ENTRIES));
        }
        if self.years < 1 || first < crate::domain::FIRST_YEAR || self.last_year > crate::domain::LAST_YEAR {
            bail!(msg!(
                "cli-generate-years",
                first = crate::domain::FIRST_YEAR,
                last = crate::domain::LAST_YEAR
            ));
        }
        Ok(())
    }
}

/// A generator stream per purpose, so villages can be generated on another thread and in any
/// order without changing the result.
fn stream(seed: u64, n: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(n);
    rng
}

/// Everything about the county that is drawn before its lines.
struct County {
    towns: Vec<places::Township>,
    vills: Vec<places::Village>,
    firms: places::FirmPools,
    people: Vec<places::People>,
    openings: Vec<store::Opening>,
    /// The closed months (every month but the last) and their closing times.
    closes: Vec<(String, chrono::NaiveDateTime)>,
    years: std::ops::RangeInclusive<i32>,
    /// Leaves the log will have: every entry and every close.
    log_size: u64,
    /// Per village: the year of each kind planted in it (empty when not planted).
    plans: Vec<Vec<(i32, plants::Kind)>>,
}

impl County {
    fn plan(options: &GenerateOptions) -> anyhow::Result<County> {
        let first_year = options.last_year - options.years + 1;
        let k = options.entries_per_village_year;
        let mut rng = stream(options.seed, 0);
        let towns = places::townships();
        let vills = places::villages(&mut rng, &towns, options.villages);
        let firms = places::firm_pools(&mut rng);
        let opening_date = NaiveDate::from_ymd_opt(first_year, 1, 1).context("bad first year")?;
        let openings = vills
            .iter()
            .map(|_| store::Opening {
                date: opening_date,
                cash_fen: rng.gen_range(5_000..30_000) * 100,
                // A few months of the village's spending, which grows with its lines a year.
                bank_fen: (k as i64 * rng.gen_range(300..900)).max(100_000) * 100,
                entries: (k * options.years as usize) as i64,
            })
            .collect();
        let people = (0..vills.len())
            .map(|i| places::people(&mut stream(options.seed, 2 * i as u64 + 1)))
            .collect();
        let closes = store::closes(
            Period::of(opening_date),
            Period::parse(&format!("{}-11", options.last_year))?,
        );
        let log_size = (vills.len() * (k * options.years as usize + closes.len())) as u64;
        let years = first_year..=options.last_year;
        let mut plant_rng = stream(options.seed, PLANT_STREAM);
        let planted = plants::planted_villages(&mut plant_rng, vills.len(), options.plant.unwrap_or(0.0));
        let plans = planted
            .into_iter()
            .map(|p| {
                if p {
                    plants::village_plan(&mut plant_rng, years.clone())
                } else {
                    Vec::new()
                }
            })
            .collect();
        Ok(County {
            towns,
            vills,
            firms,
            people,
            openings,
            closes,
            years,
            log_size,
            plans,
        })
    }
}

/// Generates every village's lines on a second thread while this one writes them, with their
/// log leaves, a few large transactions in all, and hands each village's plants to `planted`.
/// Returns the number of entries written.
fn write_lines(
    conn: &mut DbConn,
    county: &County,
    options: &GenerateOptions,
    log: &mut log::Frontier,
    mut planted: impl FnMut(&str, &[plants::Plant]) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let started = Instant::now();
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel(4);
        scope.spawn(move || {
            for (i, v) in county.vills.iter().enumerate() {
                let parties = Parties {
                    people: &county.people[i],
                    firms: &county.firms,
                };
                let mut rng = stream(options.seed, 2 * i as u64 + 2);
                let opening = (county.openings[i].cash_fen, county.openings[i].bank_fen);
                let k = options.entries_per_village_year;
                let books = village::village_entries(
                    &mut rng,
                    &parties,
                    county.years.clone(),
                    k,
                    opening,
                    &county.plans[i],
                    &v.code[6..],
                );
                let leaves = log::village_leaves(&v.code, &books.entries, &county.closes);
                if tx.send((v.code.as_str(), books, leaves)).is_err() {
                    break;
                }
            }
        });
        let mut total = 0;
        let mut done = false;
        while !done {
            total += write_transaction(conn, |conn| {
                let mut in_transaction = 0;
                while in_transaction < ROWS_PER_TRANSACTION {
                    let Ok((code, books, leaves)) = rx.recv() else {
                        done = true;
                        break;
                    };
                    in_transaction += store::insert_entries(conn, code, &books.entries)?;
                    log::append(conn, log, &leaves)?;
                    planted(code, &books.plants)?;
                }
                Ok::<_, anyhow::Error>(in_transaction)
            })
            .context("writing the villages' lines")?;
            eprint!("\r{total} entries written ({:.0} s)", started.elapsed().as_secs_f64());
        }
        eprintln!();
        Ok(total)
    })
}

/// Generates the county described by `options` into an empty database, then prints what it
/// made and the users that sign in on it. A run that fails half-way leaves a partial county
/// behind: delete it (or its data dir) before the next.
pub fn run(options: GenerateOptions) -> anyhow::Result<()> {
    options.check()?;
    let started = Instant::now();
    std::fs::create_dir_all(&options.data_dir)
        .with_context(|| format!("cannot create the data dir {}", options.data_dir.display()))?;
    let settings = Settings {
        database_url: options.database_url.clone(),
        ..Settings::for_data_dir(&options.data_dir)
    };
    let pool = crate::db::connect(&settings.db_url(), 1).context("opening the database")?;
    let mut conn = pool.get().context("connecting to the database")?;
    let (places, lines) = store::county_exists(&mut conn).context("reading the database")?;
    if places > 0 || lines > 0 {
        bail!(
            "the database already holds {places} townships and {lines} entries; generate writes only \
             into an empty database (a new --data-dir, or an empty PostgreSQL database)"
        );
    }

    let county = County::plan(&options)?;
    store::prepare_bulk(&mut conn).context("preparing the bulk load")?;
    write_transaction(&mut conn, |conn| {
        store::insert_places(conn, &county.towns, &county.vills, &county.openings)?;
        store::close_months(conn, &county.vills, &county.closes, county.log_size as i64)
    })
    .context("writing the townships and villages")?;
    let mut frontier = log::Frontier::default();
    let mut truth = match options.plant {
        Some(_) => Some(plants::TruthFile::create(
            &options.data_dir,
            &county.towns,
            &county.vills,
        )?),
        None => None,
    };
    let total = write_lines(
        &mut conn,
        &county,
        &options,
        &mut frontier,
        |code, planted| match truth.as_mut() {
            Some(file) => file.write(code, planted),
            None => Ok(()),
        },
    )?;
    let plant_note = match truth {
        Some(file) => Some(file.finish()?),
        None => None,
    };
    if frontier.size != county.log_size {
        bail!("the log has {} leaves, expected {}", frontier.size, county.log_size);
    }
    let index_started = Instant::now();
    store::finish_bulk(&mut conn).context("building the indexes")?;
    let index_seconds = index_started.elapsed().as_secs_f64();
    let signer = LogSigner::open(&settings.log_key_file(), &settings.log_origin)?;
    let checkpoint = write_transaction(&mut conn, |conn| {
        log::set_size(conn, frontier.size)?;
        checkpoint_now(conn, &signer)
    })
    .context("signing the checkpoint")?;
    let first = county.vills.first().context("no village")?;
    let township = &county.towns[first.township];
    let mut users = add_users(&mut conn, &township.code, &first.code)?;
    if options.findings > 0 {
        inspections::insert_addressees(&mut conn, &county.towns, *county.years.start())
            .context("writing the addressees")?;
        users.extend(add_inspection_users(&mut conn)?);
        let mut rng = stream(options.seed, INSPECTION_STREAM);
        let written = write_transaction(&mut conn, |conn| {
            inspections::write(
                conn,
                &mut rng,
                &county.towns,
                &county.vills,
                county.years.clone(),
                options.findings,
            )
        })
        .context("writing the rounds, findings and tickets")?;
        // The findings' leaves follow the entries' in the log, under a second checkpoint.
        write_transaction(&mut conn, |conn| {
            log::append(conn, &mut frontier, &written.leaves)?;
            log::set_size(conn, frontier.size)?;
            checkpoint_now(conn, &signer)
        })
        .context("logging the findings")?;
        inspections::finish(&mut conn).context("analysing the rounds, findings and tickets")?;
        println!(
            "inspections: {} rounds, {} findings, {} referral tickets",
            written.rounds, written.findings, written.tickets
        );
    }

    // Scans last: their leaves go through the log's ordinary append, after every bulk leaf.
    if options.receipts > 0 {
        let store =
            crate::receipts::ReceiptStore::new(settings.receipts_dir()).context(msg!("cli-ctx-open-receipts"))?;
        let scans = receipts::attach(&mut conn, &store, options.seed, options.receipts)?;
        write_transaction(&mut conn, |conn| checkpoint_now(conn, &signer)).context("signing the checkpoint")?;
        println!("receipts: {scans} scans attached to expense entries");
    }

    let seconds = started.elapsed().as_secs_f64();
    let target = match settings.db_url() {
        crate::db::DbUrl::Sqlite(path) => path,
        crate::db::DbUrl::Postgres(_) => "PostgreSQL".into(),
    };
    println!(
        "generated {} townships, {} villages, {total} entries ({}–{}) in {seconds:.1} s \
         ({:.0} entries/s; listing index {index_seconds:.1} s) into {target}",
        county.towns.len(),
        county.vills.len(),
        county.years.start(),
        county.years.end(),
        total as f64 / seconds,
    );
    println!(
        "transparency log: {} leaves (entries and month closes), checkpoint signed at size {}",
        frontier.size, checkpoint.size
    );
    if let Some(note) = plant_note {
        println!("{note}");
    }
    println!(
        "first village: {} {} (township {})",
        first.code, first.name, township.code
    );
    println!("users (username / password / role / scope):");
    for line in users {
        println!("  {line}");
    }
    Ok(())
}

/// The inspector of the generated rounds and a user of the county discipline commission.
fn add_inspection_users(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for (i, (username, password)) in inspections::INSPECTION_USERS.into_iter().enumerate() {
        let (role, addressee) = if i == 0 {
            (Role::Inspector, None)
        } else {
            (Role::Discipline, Some(inspections::COUNTY_COMMISSION.to_owned()))
        };
        let new = NewUser {
            username: username.to_owned(),
            role,
            township: None,
            village: None,
            home_township: None,
            home_village: None,
            addressee,
        };
        add_user(conn, new, password).with_context(|| format!("adding user {username}"))?;
        lines.push(format!("{username:<10} {password:<22} {:<9} all", role.as_str()));
    }
    Ok(lines)
}

fn add_users(conn: &mut DbConn, township: &str, village: &str) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for (username, password, role) in USERS {
        let (township, village, scope) = match role {
            Role::Clerk => (Some(township.to_owned()), None, township),
            Role::Villager => (None, Some(village.to_owned()), village),
            _ => (None, None, "all"),
        };
        let new = NewUser {
            username: username.to_owned(),
            role,
            township,
            village,
            home_township: None,
            home_village: None,
            addressee: None,
        };
        add_user(conn, new, password).with_context(|| format!("adding user {username}"))?;
        lines.push(format!("{username:<10} {password:<22} {:<9} {scope}", role.as_str()));
    }
    Ok(lines)
}
