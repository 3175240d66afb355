//! Every setting of the service, with its flag, environment variable and default.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VL_DATA_DIR` | `./data` | where the database, signing keys and receipts live |
//! | `VL_DATABASE_URL` | `<data dir>/ledger.db` | `postgres://…` for PostgreSQL, a path or `sqlite://PATH` for SQLite |
//! | `VL_BIND` | `127.0.0.1:8080` | address to listen on |
//! | `VL_METRICS_BIND` | (none) | operators' address serving `/metrics` without a token; unset, `/metrics` is served on `VL_BIND` to admin tokens only |
//! | `VL_WORKERS` | number of cores | HTTP worker threads |
//! | `VL_DB_POOL_SIZE` | `8` | database connections |
//! | `VL_SIGNING_KEY_FILE` | (generated into `<data dir>/keys`) | PKCS#8 PEM Ed25519 key that signs access tokens |
//! | `VL_TOKEN_ISSUER` | `village-ledger` | `iss` of access tokens |
//! | `VL_TOKEN_AUDIENCE` | `village-ledger-api` | `aud` of access tokens |
//! | `VL_LOGIN_MAX_FAILURES` | `5` | wrong passwords in a row before a username is locked |
//! | `VL_LOGIN_LOCK_SECONDS` | `900` | how long a locked username stays locked |
//! | `VL_JSON_LIMIT_BYTES` | `65536` | largest JSON request body |
//! | `VL_REQUEST_TIMEOUT_SECONDS` | `30` | a request still running after this is answered 503 |
//! | `VL_LOG_FORMAT` | `text` | `text` or `json` log lines |
//! | `VL_RECEIPT_MAX_BYTES` | `20971520` | largest receipt upload (20 MiB) |
//! | `VL_RECEIPT_MAX_PIXELS` | `80000000` | largest receipt image, in pixels |
//! | `VL_RECEIPTS_URL` | `<data dir>/receipts` on the filesystem | `file:///PATH`, or `s3://BUCKET/PREFIX` for S3-compatible object storage, configured by `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP` (as the `object_store` crate reads them) |
//! | `VL_ORPHAN_GRACE_SECONDS` | `0` | start-up keeps receipt files without a row younger than this (set it above the longest upload when servers share the data dir) |
//! | `VL_LOG_ORIGIN` | `village-ledger.local/ledger` | origin line (and key name) of signed checkpoints |
//! | `VL_CHECKPOINT_SECONDS` | `60` | how often a checkpoint is signed while leaves arrive |
//! | `VL_CROSSCHECK_MAX_BYTES` | `16777216` | largest findings upload (JSON, CSV or XLSX; 16 MiB) |
//! | `VL_CROSSCHECK_MAX_FINDINGS` | `20000` | most findings in one reconciliation |
//! | `VL_FRESHNESS_MS` | `1000` | how long a server trusts a village's ledger version and a user's enabled flag it read, see below |
//! | `VL_PAGE_CACHE_MB` | `32` | memory for serialized entry pages served again while their village is unchanged |
//! | `VL_READS_ON_WORKERS` | `true` | on SQLite, answer short reads (entry pages without text, account or amount filters, one entry, a village's year summary) on the HTTP worker threads instead of the database threads |
//! | `VL_SQLITE_READ_CACHE_KB` | `2000` | SQLite's page cache of each connection answering short reads (page listings, one entry, summaries) on the HTTP workers |
//! | `VL_SQLITE_READ_MMAP_MB` | `0` | how much of the SQLite file those connections map into memory (mapped pages count in the resident memory) |
//! | `VL_RECONCILE_CONCURRENCY` | `2` | reconciliations at once; beyond it 503 with `Retry-After` |
//! | `VL_FLAGS_CONCURRENCY` | `2` | red-flag computations at once; beyond it 503 with `Retry-After` |
//! | `VL_RENDITION_CONCURRENCY` | `2` | full-size receipt renditions made at once; beyond it 503 with `Retry-After` |
//! | `VL_UPLOAD_CONCURRENCY` | `4` | receipt uploads received at once; beyond it 503 with `Retry-After` |
//! | `VL_TICKET_RED_DAYS` / `_YELLOW_DAYS` / `_BLUE_DAYS` | `3` / `7` / `15` | days a referral ticket of each colour gives |
//! | `VL_TICKET_WORKING_DAYS` | `false` | count ticket deadlines in working days (official holiday calendar) |
//!
//! The red-flag thresholds (`VL_FLAG_*`) are listed with their defaults in [`FlagSettings`].
//! Referral tickets' deadlines (`VL_TICKET_*`: days per colour, calendar or working days) are
//! listed with their defaults in [`TicketSettings`].
//!
//! Reads are served from memory while the village has not changed: the serialized page is kept
//! with the village's ledger version, which every write bumps in its own transaction. A write
//! through this server is seen by its next request, before the write is acknowledged. A write
//! through another process on the same database (a second server, `village-ledger user
//! disable`) is seen once `VL_FRESHNESS_MS` has passed: that is the longest a server keeps
//! using the version, the village's township and the enabled flag of a user it last read. `0`
//! reads them on every request (one small query; the page itself still comes from memory).

use std::path::PathBuf;

use clap::Args;

use crate::db::DbUrl;
use crate::receipts::store::{ReceiptStore, ReceiptsLocation};

#[derive(Args, Clone, Debug)]
pub struct Settings {
    /// Directory holding the database, signing keys and receipts.
    #[arg(long, env = "VL_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL: `postgres://…` for PostgreSQL; a path or `sqlite://PATH` for SQLite
    /// (default: `<data dir>/ledger.db`).
    #[arg(long, env = "VL_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "VL_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Operators' address serving `/metrics` without a token (e.g. `127.0.0.1:9464`); unset,
    /// `/metrics` is served on the public address to admin tokens only.
    #[arg(long, env = "VL_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// HTTP worker threads (default: number of cores).
    #[arg(long, env = "VL_WORKERS")]
    pub workers: Option<usize>,
    /// Database connections in the pool.
    #[arg(long, env = "VL_DB_POOL_SIZE", default_value_t = 8)]
    pub pool_size: u32,
    /// PKCS#8 PEM file with the Ed25519 key that signs access tokens (default: a key generated
    /// into `<data dir>/keys` on first start).
    #[arg(long, env = "VL_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
    /// Issuer (`iss`) of access tokens.
    #[arg(long, env = "VL_TOKEN_ISSUER", default_value = "village-ledger")]
    pub token_issuer: String,
    /// Audience (`aud`) of access tokens.
    #[arg(long, env = "VL_TOKEN_AUDIENCE", default_value = "village-ledger-api")]
    pub token_audience: String,
    /// Wrong passwords in a row before a username is locked.
    #[arg(long, env = "VL_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: u32,
    /// Seconds a locked username stays locked.
    #[arg(long, env = "VL_LOGIN_LOCK_SECONDS", default_value_t = 900)]
    pub login_lock_seconds: u64,
    /// Largest JSON request body, in bytes.
    #[arg(long, env = "VL_JSON_LIMIT_BYTES", default_value_t = 65_536)]
    pub json_limit_bytes: usize,
    /// Seconds after which a request still running is answered 503.
    #[arg(long, env = "VL_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,
    /// `text` or `json` log lines.
    #[arg(long, env = "VL_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Largest receipt upload, in bytes.
    #[arg(long, env = "VL_RECEIPT_MAX_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub receipt_max_bytes: u64,
    /// Largest receipt image, in pixels.
    #[arg(long, env = "VL_RECEIPT_MAX_PIXELS", default_value_t = 80_000_000)]
    pub receipt_max_pixels: u64,
    /// Where receipts are kept: `file:///PATH`, or `s3://BUCKET/PREFIX` (S3-compatible object
    /// storage, configured by the `AWS_*` environment); default `<data dir>/receipts`.
    #[arg(long, env = "VL_RECEIPTS_URL", value_parser = ReceiptsLocation::parse)]
    pub receipts_url: Option<ReceiptsLocation>,
    /// Object store settings besides the `AWS_*` environment (`object_store`'s keys, such as
    /// `aws_endpoint`): for tests and tools that cannot set the process environment.
    #[arg(skip)]
    pub receipts_options: Vec<(String, String)>,
    /// Start-up keeps receipt files without a row that are younger than this many seconds.
    #[arg(long, env = "VL_ORPHAN_GRACE_SECONDS", default_value_t = 0)]
    pub orphan_grace_seconds: u64,
    /// Origin line and key name of the transparency log's signed checkpoints; unique per
    /// deployment, e.g. `ledger.sanmen.example/2026`.
    #[arg(long, env = "VL_LOG_ORIGIN", default_value = "village-ledger.local/ledger")]
    pub log_origin: String,
    /// Seconds between checkpoints while leaves arrive (a month close also signs one).
    #[arg(long, env = "VL_CHECKPOINT_SECONDS", default_value_t = 60)]
    pub checkpoint_seconds: u64,
    /// Largest findings upload (JSON body, CSV or XLSX file), in bytes.
    #[arg(long, env = "VL_CROSSCHECK_MAX_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub crosscheck_max_bytes: usize,
    /// Most findings in one reconciliation.
    #[arg(long, env = "VL_CROSSCHECK_MAX_FINDINGS", default_value_t = 20_000)]
    pub crosscheck_max_findings: usize,
    /// Milliseconds a server trusts a village's ledger version and a user's enabled flag it read
    /// from the database: the longest a write by another process stays unseen (0: read them on
    /// every request).
    #[arg(long, env = "VL_FRESHNESS_MS", default_value_t = 1000)]
    pub freshness_ms: u64,
    /// Megabytes of serialized entry pages kept in memory.
    #[arg(long, env = "VL_PAGE_CACHE_MB", default_value_t = 32)]
    pub page_cache_mb: u64,
    /// On SQLite, answer short reads (an entry page without text, account or amount filters, one
    /// entry, a village's year summary) on the HTTP worker threads; `false` sends them to the
    /// database threads like every other database work.
    #[arg(long, env = "VL_READS_ON_WORKERS", default_value_t = true, action = clap::ArgAction::Set)]
    pub reads_on_workers: bool,
    /// SQLite's page cache of each connection that answers short reads on the HTTP workers, in
    /// KiB.
    #[arg(long, env = "VL_SQLITE_READ_CACHE_KB", default_value_t = 2000)]
    pub sqlite_read_cache_kb: u32,
    /// Megabytes of the SQLite file those connections map into memory instead of reading (0: none;
    /// mapped pages count in the server's resident memory).
    #[arg(long, env = "VL_SQLITE_READ_MMAP_MB", default_value_t = 0)]
    pub sqlite_read_mmap_mb: u64,
    #[command(flatten)]
    pub flags: FlagSettings,
    /// Reconciliations running at once; one more is answered 503 with `Retry-After`.
    #[arg(long, env = "VL_RECONCILE_CONCURRENCY", default_value_t = 2)]
    pub reconcile_concurrency: usize,
    /// Red-flag computations running at once; one more is answered 503 with `Retry-After`.
    #[arg(long, env = "VL_FLAGS_CONCURRENCY", default_value_t = 2)]
    pub flags_concurrency: usize,
    /// Full-size receipt renditions being made at once; one more is answered 503 with
    /// `Retry-After` (requests for a rendition already being made wait for it instead).
    #[arg(long, env = "VL_RENDITION_CONCURRENCY", default_value_t = 2)]
    pub rendition_concurrency: usize,
    /// Receipt uploads received at once; one more is answered 503 with `Retry-After`.
    #[arg(long, env = "VL_UPLOAD_CONCURRENCY", default_value_t = 4)]
    pub upload_concurrency: usize,
    /// Deep QR searches of receipt photos running at once, after their uploads are answered
    /// (0: none here; the receipts stay pending until a server that runs them starts).
    #[arg(long, env = "VL_QR_SEARCH_WORKERS", default_value_t = 1)]
    pub qr_search_workers: usize,
    /// Seconds one deep QR search may spend on a photo before it gives up.
    #[arg(long, env = "VL_QR_SEARCH_SECONDS", default_value_t = 60)]
    pub qr_search_seconds: u64,
    // -- questions and reports --
    /// Questions and reports one villager may file in a county day (UTC+8); the next one is
    /// answered 429.
    #[arg(long, env = "VL_QUESTIONS_PER_DAY", default_value_t = 5)]
    pub questions_per_day: u32,
    #[command(flatten)]
    pub tickets: TicketSettings,
}

/// Deadlines of referral tickets (红黄蓝三色交办单): the days each colour gives the addressee,
/// counted from the county day the ticket is issued, in calendar days or, with
/// `VL_TICKET_WORKING_DAYS=true`, in working days of the official calendar (weekends and public
/// holidays skipped, make-up working days counted), the calendar the red flags use.
#[derive(Args, Clone, Debug)]
pub struct TicketSettings {
    /// Days a red ticket gives (1–366).
    #[arg(long, env = "VL_TICKET_RED_DAYS", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub red_days: u32,
    /// Days a yellow ticket gives (1–366).
    #[arg(long, env = "VL_TICKET_YELLOW_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub yellow_days: u32,
    /// Days a blue ticket gives (1–366).
    #[arg(long, env = "VL_TICKET_BLUE_DAYS", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub blue_days: u32,
    /// Count ticket deadlines in working days instead of calendar days.
    #[arg(long, env = "VL_TICKET_WORKING_DAYS", default_value_t = false, action = clap::ArgAction::Set)]
    pub working_days: bool,
}

impl Default for TicketSettings {
    fn default() -> Self {
        TicketSettings {
            red_days: 3,
            yellow_days: 7,
            blue_days: 15,
            working_days: false,
        }
    }
}

/// Thresholds of the red-flag rules, each with its environment variable and documented
/// default (the defaults follow common village finance rules: 5,000 yuan needs collective
/// approval, 100,000 yuan of works needs a public tender).
#[derive(Args, Clone, Debug)]
pub struct FlagSettings {
    /// `missing_receipt`: smallest expense (fen) that must carry a receipt.
    #[arg(long, env = "VL_FLAG_MISSING_RECEIPT_MIN_FEN", default_value_t = 20_000)]
    pub missing_receipt_min_fen: i64,
    /// `missing_receipt`: days after posting before a missing receipt is flagged.
    #[arg(long, env = "VL_FLAG_MISSING_RECEIPT_DAYS", default_value_t = 15)]
    pub missing_receipt_days: i64,
    /// `missing_receipt`: entries that occurred before this date are legacy books imported
    /// without scans and are not flagged (default: every entry).
    #[arg(long, env = "VL_FLAG_RECEIPTS_REQUIRED_FROM")]
    pub receipts_required_from: Option<chrono::NaiveDate>,
    /// `receipt_reused`: largest perceptual-hash distance (of 64 bits) counted as the same image.
    #[arg(long, env = "VL_FLAG_PHASH_MAX_DISTANCE", default_value_t = 6)]
    pub phash_max_distance: u32,
    /// `invoice_mismatch`: largest VAT rate (percent) by which a payment may exceed the invoice
    /// QR amount, which is the amount before tax.
    #[arg(long, env = "VL_FLAG_INVOICE_VAT_MAX_PERCENT", default_value_t = 13)]
    pub invoice_vat_max_percent: i64,
    /// `invoice_mismatch`: most days between the invoice date and the entry's date.
    #[arg(long, env = "VL_FLAG_INVOICE_DATE_DAYS", default_value_t = 60)]
    pub invoice_date_days: i64,
    /// `duplicate_payment`: days within which the same amount to the same counterparty is a
    /// duplicate.
    #[arg(long, env = "VL_FLAG_DUPLICATE_DAYS", default_value_t = 30)]
    pub duplicate_days: i64,
    /// `duplicate_payment`: smallest amount (fen) whose repetition is flagged, 2,000 yuan by
    /// default: equal smaller sums to one payee (a bus fare, a day's allowance, a meal) recur by
    /// themselves.
    #[arg(long, env = "VL_FLAG_DUPLICATE_MIN_FEN", default_value_t = 200_000)]
    pub duplicate_min_fen: i64,
    /// `duplicate_payment`: smallest amount (fen) under `duplicate_min_fen` whose repetition is
    /// flagged when it reads as the same bill paid twice (the same words, within
    /// `duplicate_small_days`), 500 yuan by default.
    #[arg(long, env = "VL_FLAG_DUPLICATE_SMALL_MIN_FEN", default_value_t = 50_000)]
    pub duplicate_small_min_fen: i64,
    /// `duplicate_payment`: days within which a smaller sum paid twice is a duplicate.
    #[arg(long, env = "VL_FLAG_DUPLICATE_SMALL_DAYS", default_value_t = 1)]
    pub duplicate_small_days: i64,
    /// `split_payment`: days within which payments to one counterparty are read together.
    #[arg(long, env = "VL_FLAG_SPLIT_DAYS", default_value_t = 7)]
    pub split_days: i64,
    /// `split_payment`: the single-approval limit (fen), 5,000 yuan by default.
    #[arg(long, env = "VL_FLAG_APPROVAL_LIMIT_FEN", default_value_t = 500_000)]
    pub approval_limit_fen: i64,
    /// `split_payment`: smallest piece, in percent of the approval limit (80 by default): a
    /// payment cut up to pass under the limit is cut just under it.
    #[arg(long, env = "VL_FLAG_SPLIT_PIECE_PERCENT", default_value_t = 80)]
    pub split_piece_percent: i64,
    /// `split_payment`: smallest piece, in percent of the approval limit (20 by default), when
    /// four or more pieces pass the limit together (three need twice it): a payment cut into
    /// three or four.
    #[arg(long, env = "VL_FLAG_SPLIT_SMALL_PIECE_PERCENT", default_value_t = 20)]
    pub split_small_piece_percent: i64,
    /// `round_amount`: smallest cash payment (fen) looked at; amounts in whole multiples of it
    /// are flagged.
    #[arg(long, env = "VL_FLAG_ROUND_AMOUNT_FEN", default_value_t = 100_000)]
    pub round_amount_fen: i64,
    /// `late_posting`: most days between occurring and posting.
    #[arg(long, env = "VL_FLAG_LATE_POSTING_DAYS", default_value_t = 30)]
    pub late_posting_days: i64,
    /// `tender_threshold`: project spending (fen) above which a tender reference is required,
    /// 100,000 yuan by default.
    #[arg(long, env = "VL_FLAG_TENDER_THRESHOLD_FEN", default_value_t = 10_000_000)]
    pub tender_threshold_fen: i64,
    /// `benford`: fewest amounts a test runs on.
    #[arg(long, env = "VL_FLAG_BENFORD_MIN_AMOUNTS", default_value_t = 500)]
    pub benford_min_amounts: usize,
}

impl Default for FlagSettings {
    fn default() -> Self {
        FlagSettings {
            missing_receipt_min_fen: 20_000,
            missing_receipt_days: 15,
            receipts_required_from: None,
            phash_max_distance: 6,
            invoice_vat_max_percent: 13,
            invoice_date_days: 60,
            duplicate_days: 30,
            duplicate_min_fen: 200_000,
            duplicate_small_min_fen: 50_000,
            duplicate_small_days: 1,
            split_days: 7,
            approval_limit_fen: 500_000,
            split_piece_percent: 80,
            split_small_piece_percent: 20,
            round_amount_fen: 100_000,
            late_posting_days: 30,
            tender_threshold_fen: 10_000_000,
            benford_min_amounts: 500,
        }
    }
}

impl Settings {
    /// Settings for a data dir, every other value at its default (used by tests and tools).
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Settings {
            data_dir: data_dir.into(),
            database_url: None,
            bind: "127.0.0.1:8080".into(),
            metrics_bind: None,
            workers: None,
            pool_size: 8,
            signing_key_file: None,
            token_issuer: "village-ledger".into(),
            token_audience: "village-ledger-api".into(),
            login_max_failures: 5,
            login_lock_seconds: 900,
            json_limit_bytes: 65_536,
            request_timeout_seconds: 30,
            log_format: "text".into(),
            log_origin: "village-ledger.local/ledger".into(),
            receipt_max_bytes: 20 * 1024 * 1024,
            receipt_max_pixels: 80_000_000,
            receipts_url: None,
            receipts_options: Vec::new(),
            orphan_grace_seconds: 0,
            checkpoint_seconds: 60,
            crosscheck_max_bytes: 16 * 1024 * 1024,
            crosscheck_max_findings: 20_000,
            flags: FlagSettings::default(),
            freshness_ms: 1000,
            page_cache_mb: 32,
            reads_on_workers: true,
            sqlite_read_cache_kb: 2000,
            sqlite_read_mmap_mb: 0,
            reconcile_concurrency: 2,
            flags_concurrency: 2,
            rendition_concurrency: 2,
            upload_concurrency: 4,
            qr_search_workers: 1,
            qr_search_seconds: 60,
            questions_per_day: 5,
            tickets: TicketSettings::default(),
        }
    }

    pub fn db_url(&self) -> DbUrl {
        match &self.database_url {
            Some(url) => DbUrl::parse(url),
            None => DbUrl::Sqlite(self.data_dir.join("ledger.db").to_string_lossy().into_owned()),
        }
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    /// The local receipt directory: temp uploads, and the receipts themselves unless
    /// `VL_RECEIPTS_URL` puts them elsewhere.
    pub fn receipts_dir(&self) -> PathBuf {
        self.data_dir.join("receipts")
    }

    /// Opens the receipt store `VL_RECEIPTS_URL` names (creating a filesystem store's folders).
    pub fn receipt_store(&self) -> std::io::Result<ReceiptStore> {
        ReceiptStore::open(self.receipts_url.as_ref(), &self.receipts_dir(), &self.receipts_options)
    }

    /// The key that signs the transparency log's checkpoints.
    pub fn log_key_file(&self) -> PathBuf {
        self.data_dir.join("log-key.pem")
    }
}
