//! `village-ledger import` and `village-ledger export`: the books in and out from the command
//! line, through the same service functions as the API (`exchange::import::import_file`,
//! `exchange::export`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use village_ledger::auth::audit::{AuditEvent, record};
use village_ledger::config::Settings;
use village_ledger::domain::VillageCode;
use village_ledger::exchange::columns::Mapping;
use village_ledger::exchange::import::{ImportOptions, Imported, import_file};
use village_ledger::exchange::{ExportFormat, ExportRequest, export};
use village_ledger::msg;

/// The options of `import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The village whose books the file holds.
    #[arg(long)]
    pub village: String,
    /// The file: CSV (UTF-8 or GB18030) or XLSX.
    pub file: PathBuf,
    /// Check every row and print the report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Headers of your own, as `field=header` pairs separated by commas.
    #[arg(long)]
    pub columns: Option<String>,
    /// The username the entries are posted by.
    #[arg(long, default_value = "import")]
    pub clerk: String,
    #[command(flatten)]
    pub settings: Settings,
}

/// The options of `export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// csv, xlsx or journal.
    #[arg(long, value_parser = parse_format)]
    pub format: ExportFormat,
    /// One village (else every village, or those of `--township`).
    #[arg(long, conflicts_with = "township")]
    pub village: Option<String>,
    /// The villages of one township.
    #[arg(long)]
    pub township: Option<String>,
    /// Earliest `occurred_on`, inclusive.
    #[arg(long)]
    pub since: Option<NaiveDate>,
    /// Latest `occurred_on`, inclusive.
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// The file to write (else standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub settings: Settings,
}

fn parse_format(s: &str) -> Result<ExportFormat, String> {
    match s {
        "csv" => Ok(ExportFormat::Csv),
        "xlsx" => Ok(ExportFormat::Xlsx),
        "journal" => Ok(ExportFormat::Journal),
        _ => Err("format must be csv, xlsx or journal".into()),
    }
}

/// Imports a file; prints the report as JSON; fails when the file is refused.
pub fn import(args: ImportArgs, state: village_ledger::api::State) -> anyhow::Result<()> {
    let code = VillageCode::parse(&args.village).map_err(|e| anyhow::anyhow!(e.msg().to_string()))?;
    let mapping = Mapping::parse(args.columns.as_deref().unwrap_or_default())
        .map_err(|e| anyhow::anyhow!(msg!("import-columns-invalid", pair = e.0).to_string()))?;
    let bytes =
        std::fs::read(&args.file).with_context(|| msg!("cli-ctx-read-file", file = args.file.display().to_string()))?;
    let mut conn = state.pool.get().context(msg!("cli-ctx-connect"))?;
    let options = ImportOptions {
        dry_run: args.dry_run,
        mapping,
    };
    let imported = import_file(&mut conn, &code, &bytes, options, &args.clerk).context(msg!("cli-ctx-import"))?;
    let (report, refused) = match imported {
        Imported::Accepted(report) => (report, false),
        Imported::Refused(report) => (report, true),
    };
    if !args.dry_run {
        let object = format!("sha256:{}", report.sha256);
        let event = AuditEvent {
            actor: Some(&args.clerk),
            action: "entries.import",
            object: Some(&object),
            village: Some(code.as_str()),
            township: None,
            outcome: if refused { "422" } else { "ok" },
            source: Some("cli"),
        };
        record(&mut conn, &event).context(msg!("cli-ctx-import"))?;
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    if refused {
        bail!(msg!("import-refused", count = report.problems.len() + report.more_problems).to_string());
    }
    Ok(())
}

/// Writes an export to a file or standard output.
pub fn export_books(args: ExportArgs, state: village_ledger::api::State) -> anyhow::Result<()> {
    use diesel::prelude::*;
    use village_ledger::db::schema::villages;
    let mut conn = state.pool.get().context(msg!("cli-ctx-connect"))?;
    let mut query = villages::table
        .select(villages::code)
        .order(villages::code)
        .into_boxed();
    if let Some(village) = &args.village {
        query = query.filter(villages::code.eq(village.clone()));
    }
    if let Some(township) = &args.township {
        query = query.filter(villages::township_code.eq(township.clone()));
    }
    let codes: Vec<String> = query.load(&mut conn).context(msg!("cli-ctx-export"))?;
    let request = ExportRequest {
        villages: codes,
        from: args.since,
        to: args.until,
        format: args.format,
    };
    let mut out: Box<dyn Write + Send> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| msg!("cli-ctx-write-file", file = path.display().to_string()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    export(&mut conn, &request, &mut out).context(msg!("cli-ctx-export"))?;
    out.flush()?;
    Ok(())
}
