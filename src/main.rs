//! The `village-ledger` command: serve, demo, migrate, user and key administration.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use village_ledger::api::{build_app, load_state};
use village_ledger::auth::Role;
use village_ledger::auth::passwords::generate_password;
use village_ledger::auth::users::{NewUser, add_user, disable_user};
use village_ledger::config::Settings;
use village_ledger::i18n::{self, Lang};
use village_ledger::msg;
use village_ledger::receipts::store::ReceiptsLocation;

// import and export (issue 19)
mod books;
mod cli;

#[derive(Parser)]
#[command(
    name = "village-ledger",
    version,
    about = "Village finance transparency: itemized village income and expenditure with receipts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve an existing data dir.
    Serve {
        #[command(flatten)]
        settings: Settings,
    },
    /// Create a demo county in the data dir if it is empty, print the demo users, then serve it.
    Demo {
        #[command(flatten)]
        settings: Settings,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        settings: Settings,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Copy a whole county into a new, empty database (SQLite to PostgreSQL or back), then
    /// compare the row count and a content hash of every table on both sides.
    Copy {
        /// Source database URL.
        #[arg(long)]
        from: String,
        /// Target database URL; must hold no county yet. Without it only the receipts move.
        #[arg(long, required_unless_present = "to_receipts")]
        to: Option<String>,
        /// The receipt store the source's receipts are in (`file:///PATH` or `s3://BUCKET/PREFIX`).
        #[arg(long, requires = "to_receipts", value_parser = ReceiptsLocation::parse)]
        from_receipts: Option<ReceiptsLocation>,
        /// The receipt store to copy every original the source's receipts name into, each one
        /// checked against its SHA-256.
        #[arg(long, requires = "from_receipts", value_parser = ReceiptsLocation::parse)]
        to_receipts: Option<ReceiptsLocation>,
    },
    /// Check a data dir offline: recompute every leaf of the transparency log from the database
    /// rows, compare with the stored tree and the signed checkpoints, and name every difference.
    Verify {
        #[command(flatten)]
        settings: Settings,
    },
    /// Check one entry's inclusion proof without the server, as a phone app does.
    VerifyProof {
        /// File with the signed checkpoint (GET /api/v1/log/checkpoint).
        #[arg(long)]
        checkpoint: std::path::PathBuf,
        /// File with the proof (GET /api/v1/entries/{id}/proof).
        #[arg(long)]
        proof: std::path::PathBuf,
        /// File with the verifier key (GET /api/v1/log/key).
        #[arg(long)]
        key: std::path::PathBuf,
    },
    /// Manage the keys that sign access tokens.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Write a synthetic county of the given size into an empty database (for benchmarks).
    Generate {
        #[command(flatten)]
        options: village_ledger::generate::GenerateOptions,
    },
    // import and export (issue 19)
    /// Import a village's books from a CSV or XLSX file (as the API's imports do).
    Import {
        #[command(flatten)]
        args: books::ImportArgs,
    },
    /// Export books as CSV, XLSX or an hledger journal.
    Export {
        #[command(flatten)]
        args: books::ExportArgs,
    },
    // -- ops: backup and restore --
    /// Back up a data dir while it serves: a consistent database snapshot, the receipt
    /// originals it names (only those the backup lacks), the keys, the latest checkpoint and a
    /// manifest of SHA-256s, as `snapshots/<id>/` of the backup directory.
    Backup {
        #[command(flatten)]
        settings: Settings,
        /// The backup directory (created if needed; later backups add to it).
        #[arg(long = "to", id = "backup_to")]
        to: std::path::PathBuf,
        /// Also back up the keys that sign access tokens (without them, users sign in again).
        #[arg(long)]
        with_token_keys: bool,
    },
    /// Restore a snapshot into a new, empty data dir (and database), refusing an altered or
    /// incomplete snapshot and one whose log does not verify.
    Restore {
        /// The backup directory.
        #[arg(long = "from", id = "backup_from")]
        from: std::path::PathBuf,
        /// The snapshot's id (default: the latest).
        #[arg(long)]
        snapshot: Option<String>,
        /// The new data dir; must be empty or absent.
        #[arg(long)]
        data_dir: std::path::PathBuf,
        /// The new database (default: `<data dir>/ledger.db`); must hold no county.
        #[arg(long)]
        database_url: Option<String>,
        /// A signed checkpoint kept outside the backup: the restored log must be consistent with it.
        #[arg(long)]
        trusted_checkpoint: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from stdin, or generated and printed once when
    /// stdin is a terminal or empty.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The township of a clerk.
        #[arg(long, conflicts_with = "village")]
        township: Option<String>,
        /// The village of a villager.
        #[arg(long)]
        village: Option<String>,
        /// An inspector's home township (recusal).
        #[arg(long)]
        home_township: Option<String>,
        /// An inspector's home village (recusal).
        #[arg(long)]
        home_village: Option<String>,
        /// The body a discipline user works for (an addressee id).
        #[arg(long)]
        addressee: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Disable a user and revoke their refresh tokens.
    Disable {
        username: String,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new signing key; the old ones keep verifying until their tokens expire.
    Rotate {
        #[command(flatten)]
        settings: Settings,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "role must be villager, clerk, inspector, admin or discipline".into())
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VL_LOG").unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Two malloc arenas for the server. glibc gives every thread that allocates an arena of its
/// own, up to eight per core (the HTTP workers, the database threads, the QR search…), and memory
/// freed into one arena serves only the threads of that arena: the freed page bodies of one
/// thread's arena stay resident while another's grows.
///
/// And blocks of 16 KiB or more (page bodies, kept pages, row buffers) in their own mappings: in
/// the heap, the kept pages of the page cache, freed in another order than they came, left holes
/// that the next requests' buffers did not fit, and the server's peak resident memory on a
/// county's distinct pages grew by 55–70 MB over the cache's budget (BENCHMARKS.md, issue 18).
///
/// Each is left as the operator set it, by its `MALLOC_…` variable or in `GLIBC_TUNABLES`.
fn server_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::ffi::c_int;
        unsafe extern "C" {
            fn mallopt(param: c_int, value: c_int) -> c_int;
        }
        const M_MMAP_THRESHOLD: c_int = -3;
        const M_ARENA_MAX: c_int = -8;
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        for (param, value, variable, tunable) in [
            (M_ARENA_MAX, 2, "MALLOC_ARENA_MAX", "glibc.malloc.arena_max"),
            (
                M_MMAP_THRESHOLD,
                16 * 1024,
                "MALLOC_MMAP_THRESHOLD_",
                "glibc.malloc.mmap_threshold",
            ),
        ] {
            if std::env::var_os(variable).is_none() && !tunables.contains(tunable) {
                // SAFETY: called before the server starts its threads; each parameter takes a
                // plain integer (a count of arenas, a size in bytes).
                unsafe {
                    mallopt(param, value);
                }
            }
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let bind = settings.bind.clone();
    let workers = settings.workers;
    let timeout = settings.request_timeout_seconds;
    let checkpoint_seconds = settings.checkpoint_seconds;
    let metrics_bind = settings.metrics_bind.clone();
    let state = open_state(settings)?;
    let metrics_state = state.clone();
    spawn_checkpointer(state.clone(), checkpoint_seconds);
    village_ledger::api::receipts::qr_search::spawn_workers(state.clone());
    let mut server = actix_web::HttpServer::new(move || build_app(state.clone()))
        .client_request_timeout(std::time::Duration::from_secs(timeout))
        .shutdown_timeout(30)
        // Nagle's algorithm off, as nginx has it: a response written in two parts (a file's
        // headers, then its bytes) otherwise waits for the client's delayed ACK, 40 ms.
        .on_connect(|conn, _| {
            if let Some(stream) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = stream.set_nodelay(true);
            }
        });
    if let Some(n) = workers {
        server = server.workers(n);
    }
    let server = server
        .bind(&bind)
        .with_context(|| msg!("cli-ctx-listen", bind = bind.as_str()))?;
    for addr in server.addrs() {
        tracing::info!(%addr, "serving; OpenAPI at /api-docs/openapi.json");
        println!("{}", msg!("cli-listening", url = format!("http://{addr}")));
    }
    let Some(metrics_bind) = metrics_bind else {
        return server.run().await.context(msg!("cli-ctx-serving"));
    };
    // Prometheus scrapes the operators' address; the public one serves metrics to admins only.
    let operators =
        actix_web::HttpServer::new(move || village_ledger::api::metrics::operators_app(metrics_state.clone()))
            .workers(1)
            .bind(&metrics_bind)
            .with_context(|| msg!("cli-ctx-listen-metrics", bind = metrics_bind.as_str()))?;
    for addr in operators.addrs() {
        tracing::info!(%addr, "serving /metrics to operators");
    }
    let (public, operators) = tokio::join!(server.run(), operators.run());
    public.and(operators).context(msg!("cli-ctx-serving"))
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(String::new());
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context(msg!("cli-ctx-read-password"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Opens the data dir of `settings` as the server would.
fn open_state(settings: Settings) -> anyhow::Result<village_ledger::api::State> {
    let dir = settings.data_dir.display().to_string();
    load_state(settings).with_context(|| msg!("cli-ctx-open-data-dir", dir = dir))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { settings } => {
            server_malloc();
            init_tracing(&settings.log_format);
            actix_web::rt::System::new().block_on(serve(settings))
        }
        Command::Demo { mut settings } => {
            init_tracing(&settings.log_format);
            // The demo's books were imported from paper without scans; receipts are required
            // from its go-live on (unless the environment says otherwise).
            settings
                .flags
                .receipts_required_from
                .get_or_insert(village_ledger::demo::RECEIPTS_REQUIRED_FROM);
            let state = open_state(settings.clone())?;
            let mut conn = state.pool.get().context(msg!("cli-ctx-connect"))?;
            let users = village_ledger::demo::ensure_demo(&mut conn, &state.log, &state.receipts)
                .context(msg!("cli-ctx-demo"))?;
            drop(conn);
            drop(state);
            println!(
                "{}",
                msg!("cli-demo-ready", dir = settings.data_dir.display().to_string())
            );
            println!("{}", msg!("cli-demo-users"));
            for u in &users {
                let scope = match u.scope.as_str() {
                    "all" => msg!("cli-scope-all").to_string(),
                    "rounds" => msg!("cli-scope-rounds").to_string(),
                    code => code.to_owned(),
                };
                println!("  {:<22} {:<22} {:<10} {scope}", u.username, u.password, u.role);
            }
            actix_web::rt::System::new().block_on(serve(settings))
        }
        Command::Migrate { settings } => {
            let state = open_state(settings)?;
            let mut conn = state.pool.get().context(msg!("cli-ctx-connect"))?;
            let applied = village_ledger::db::migrate(&mut conn).context(msg!("cli-ctx-migrate"))?;
            println!("{}", msg!("cli-migrated", applied = applied));
            Ok(())
        }
        Command::User { command } => match command {
            UserCommand::Add {
                username,
                role,
                township,
                village,
                home_township,
                home_village,
                addressee,
                settings,
            } => {
                let state = open_state(settings)?;
                let mut conn = state.pool.get().context(msg!("cli-ctx-connect"))?;
                let mut password = read_password()?;
                let generated = password.is_empty();
                if generated {
                    password = generate_password();
                }
                let new = NewUser {
                    username,
                    role,
                    township,
                    village,
                    home_township,
                    home_village,
                    addressee,
                };
                let user = add_user(&mut conn, new, &password).context(msg!("cli-ctx-add-user"))?;
                println!(
                    "{}",
                    msg!(
                        "cli-user-created",
                        username = user.username.as_str(),
                        role = user.role.as_str()
                    )
                );
                if generated {
                    println!("{}", msg!("cli-password-once", password = password.as_str()));
                }
                Ok(())
            }
            UserCommand::Disable { username, settings } => {
                let state = open_state(settings)?;
                let mut conn = state.pool.get().context(msg!("cli-ctx-connect"))?;
                disable_user(&mut conn, &username)
                    .with_context(|| msg!("cli-ctx-disable-user", username = username.as_str()))?;
                println!("{}", msg!("cli-user-disabled", username = username.as_str()));
                Ok(())
            }
        },
        Command::Keys {
            command: KeysCommand::Rotate { settings },
        } => {
            let kid = village_ledger::auth::keys::rotate(&settings.keys_dir()).context(msg!("cli-ctx-rotate"))?;
            println!("{}", msg!("cli-key-rotated", kid = kid.as_str()));
            Ok(())
        }
        Command::Verify { settings } => verify(settings),
        Command::Copy {
            from,
            to,
            from_receipts,
            to_receipts,
        } => copy(&from, to.as_deref(), from_receipts.zip(to_receipts)),
        Command::VerifyProof { checkpoint, proof, key } => verify_proof(&checkpoint, &proof, &key),
        Command::Generate { options } => village_ledger::generate::run(options).context(msg!("cli-ctx-generate")),
        // import and export (issue 19)
        Command::Import { args } => {
            let state = open_state(args.settings.clone())?;
            books::import(args, state)
        }
        Command::Export { args } => {
            let state = open_state(args.settings.clone())?;
            books::export_books(args, state)
        }
        // -- ops: backup and restore --
        Command::Backup {
            settings,
            to,
            with_token_keys,
        } => backup(&settings, &to, with_token_keys),
        Command::Restore {
            from,
            snapshot,
            data_dir,
            database_url,
            trusted_checkpoint,
        } => restore(village_ledger::ops::RestoreOptions {
            from,
            snapshot,
            data_dir,
            database_url,
            trusted_checkpoint,
        }),
    }
}

// -- ops: backup and restore --
fn backup(settings: &Settings, to: &std::path::Path, with_token_keys: bool) -> anyhow::Result<()> {
    let r = village_ledger::ops::backup(settings, to, with_token_keys).context(msg!("ops-ctx-backup"))?;
    println!(
        "{}",
        msg!(
            "ops-backed-up",
            id = r.id.as_str(),
            backend = r.source_backend,
            leaves = r.log_size,
            bytes = r.database_bytes,
            receipts = r.receipts,
            copied = r.receipts_copied
        )
    );
    Ok(())
}

fn restore(options: village_ledger::ops::RestoreOptions) -> anyhow::Result<()> {
    let r = village_ledger::ops::restore(&options).context(msg!("ops-ctx-restore"))?;
    for table in &r.tables {
        println!("{:<24} {:>10} rows  sha256 {}", table.table, table.rows, table.sha256);
    }
    println!(
        "{}",
        msg!(
            "ops-restored",
            id = r.id.as_str(),
            receipts = r.receipts,
            leaves = r.leaves,
            checkpoints = r.checkpoints,
            origin = r.log_origin.as_str()
        )
    );
    if let Some(size) = r.trusted_size {
        println!("{}", msg!("ops-restored-trusted", size = size));
    }
    Ok(())
}

fn copy(from: &str, to: Option<&str>, receipts: Option<(ReceiptsLocation, ReceiptsLocation)>) -> anyhow::Result<()> {
    use village_ledger::db::{DbUrl, connect};
    let from_pool = connect(&DbUrl::parse(from), 2).context(msg!("cli-ctx-open-source"))?;
    let mut source = from_pool.get().context(msg!("cli-ctx-open-source"))?;
    if let Some(to) = to {
        let to_pool = connect(&DbUrl::parse(to), 2).context(msg!("cli-ctx-open-target"))?;
        let mut target = to_pool.get().context(msg!("cli-ctx-open-target"))?;
        let report = village_ledger::db::copy::copy_county(&mut source, &mut target).context(msg!("cli-ctx-copy"))?;
        for table in &report {
            println!("{:<24} {:>10} rows  sha256 {}", table.table, table.rows, table.sha256);
        }
        println!("{}", msg!("cli-copied", tables = report.len()));
    }
    if let Some((from_store, to_store)) = receipts {
        let report = village_ledger::ops::copy_receipts(&mut source, &from_store, &to_store)
            .context(msg!("cli-ctx-copy-receipts"))?;
        println!(
            "{}",
            msg!(
                "cli-copied-receipts",
                receipts = report.receipts,
                copied = report.copied,
                to = report.to
            )
        );
    }
    Ok(())
}

fn verify(settings: Settings) -> anyhow::Result<()> {
    let state = open_state(settings)?;
    let mut conn = state.pool.get().context(msg!("cli-ctx-connect"))?;
    let report =
        village_ledger::verify::verify(&mut conn, &state.log, &state.receipts).context(msg!("cli-ctx-verify"))?;
    for problem in &report.problems {
        println!("{}", msg!("cli-verify-problem", problem = problem.clone()));
    }
    println!(
        "{}",
        msg!(
            "cli-verified",
            leaves = report.leaves,
            checkpoints = report.checkpoints,
            problems = report.problems.len()
        )
    );
    if !report.problems.is_empty() {
        bail!(msg!("cli-verify-failed"));
    }
    Ok(())
}

fn verify_proof(checkpoint: &std::path::Path, proof: &std::path::Path, key: &std::path::Path) -> anyhow::Result<()> {
    use village_ledger::tlog::proof::{InclusionProof, verify_checkpoint, verify_inclusion};
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).with_context(|| msg!("cli-ctx-read-file", file = p.display().to_string()))
    };
    let verified = verify_checkpoint(&read(checkpoint)?, &read(key)?).context(msg!("cli-ctx-check-checkpoint"))?;
    let proof: InclusionProof = serde_json::from_str(&read(proof)?).context(msg!("cli-ctx-proof-invalid"))?;
    let leaf = verify_inclusion(&proof, &verified).context(msg!("cli-ctx-check-proof"))?;
    println!(
        "{}",
        msg!(
            "cli-proof-ok",
            leaf = proof.leaf_index,
            origin = verified.origin.as_str(),
            size = verified.size
        )
    );
    println!("{}", String::from_utf8_lossy(&leaf));
    Ok(())
}

/// Signs a checkpoint every `seconds` while leaves arrive.
fn spawn_checkpointer(state: village_ledger::api::State, seconds: u64) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(seconds.max(1)));
        loop {
            tick.tick().await;
            let st = state.clone();
            let signed = actix_web::web::block(move || {
                let mut conn = st.pool.get().map_err(|e| e.to_string())?;
                village_ledger::db::write_transaction(&mut conn, |conn| {
                    village_ledger::tlog::checkpoint::checkpoint_now(conn, &st.log)
                })
                .map_err(|e| e.to_string())
            })
            .await;
            match signed {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "cannot sign a checkpoint"),
                Err(e) => tracing::error!(error = %e, "the checkpoint task failed"),
            }
        }
    });
}

fn main() -> ExitCode {
    i18n::set_process_language(Lang::from_env());
    let parsed = cli::localized(Cli::command())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return cli::refuse(e),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::fail(&e),
    }
}
