//! The command line in the operator's language (`VL_LANG`, else `LANG`): the summaries of
//! `--help`, its headings, and the errors, from the catalogue. Clap's derived help (the doc
//! comments) stays for rustdoc; what `--help` prints comes from the catalogue.

use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use village_ledger::i18n::{Lang, Msg, current};
use village_ledger::msg;

/// The summary of the command at `path` (`""` for the root, `user add`, …).
fn about(path: &str) -> Option<Msg> {
    Some(match path {
        "" => msg!("cli-about"),
        "serve" => msg!("cli-about-serve"),
        "demo" => msg!("cli-about-demo"),
        "migrate" => msg!("cli-about-migrate"),
        "user" => msg!("cli-about-user"),
        "user add" => msg!("cli-about-user-add"),
        "user disable" => msg!("cli-about-user-disable"),
        "copy" => msg!("cli-about-copy"),
        "verify" => msg!("cli-about-verify"),
        "verify-proof" => msg!("cli-about-verify-proof"),
        "keys" => msg!("cli-about-keys"),
        "keys rotate" => msg!("cli-about-keys-rotate"),
        "generate" => msg!("cli-about-generate"),
        // import and export (issue 19)
        "import" => msg!("cli-about-import"),
        "export" => msg!("cli-about-export"),
        // -- ops: backup and restore --
        "backup" => msg!("ops-about-backup"),
        "restore" => msg!("ops-about-restore"),
        "help" => msg!("cli-about-help"),
        _ => return None,
    })
}

/// The help of the option `id`.
fn arg_help(id: &str) -> Option<Msg> {
    Some(match id {
        "data_dir" => msg!("cli-arg-data-dir"),
        "database_url" => msg!("cli-arg-database-url"),
        "bind" => msg!("cli-arg-bind"),
        "metrics_bind" => msg!("cli-arg-metrics-bind"),
        "workers" => msg!("cli-arg-workers"),
        "pool_size" => msg!("cli-arg-pool-size"),
        "signing_key_file" => msg!("cli-arg-signing-key-file"),
        "token_issuer" => msg!("cli-arg-token-issuer"),
        "token_audience" => msg!("cli-arg-token-audience"),
        "login_max_failures" => msg!("cli-arg-login-max-failures"),
        "login_lock_seconds" => msg!("cli-arg-login-lock-seconds"),
        "json_limit_bytes" => msg!("cli-arg-json-limit-bytes"),
        "request_timeout_seconds" => msg!("cli-arg-request-timeout-seconds"),
        "log_format" => msg!("cli-arg-log-format"),
        "receipt_max_bytes" => msg!("cli-arg-receipt-max-bytes"),
        "receipt_max_pixels" => msg!("cli-arg-receipt-max-pixels"),
        "receipts_url" => msg!("cli-arg-receipts-url"),
        "orphan_grace_seconds" => msg!("cli-arg-orphan-grace-seconds"),
        "log_origin" => msg!("cli-arg-log-origin"),
        "checkpoint_seconds" => msg!("cli-arg-checkpoint-seconds"),
        "crosscheck_max_bytes" => msg!("cli-arg-crosscheck-max-bytes"),
        "crosscheck_max_findings" => msg!("cli-arg-crosscheck-max-findings"),
        "freshness_ms" => msg!("cli-arg-freshness-ms"),
        "page_cache_mb" => msg!("cli-arg-page-cache-mb"),
        "reads_on_workers" => msg!("cli-arg-reads-on-workers"),
        "sqlite_read_cache_kb" => msg!("cli-arg-sqlite-read-cache-kb"),
        "sqlite_read_mmap_mb" => msg!("cli-arg-sqlite-read-mmap-mb"),
        "reconcile_concurrency" => msg!("cli-arg-reconcile-concurrency"),
        "flags_concurrency" => msg!("cli-arg-flags-concurrency"),
        "rendition_concurrency" => msg!("cli-arg-rendition-concurrency"),
        "upload_concurrency" => msg!("cli-arg-upload-concurrency"),
        "missing_receipt_min_fen" => msg!("cli-arg-missing-receipt-min-fen"),
        "missing_receipt_days" => msg!("cli-arg-missing-receipt-days"),
        "receipts_required_from" => msg!("cli-arg-receipts-required-from"),
        "phash_max_distance" => msg!("cli-arg-phash-max-distance"),
        "invoice_vat_max_percent" => msg!("cli-arg-invoice-vat-max-percent"),
        "invoice_date_days" => msg!("cli-arg-invoice-date-days"),
        "duplicate_days" => msg!("cli-arg-duplicate-days"),
        "duplicate_min_fen" => msg!("cli-arg-duplicate-min-fen"),
        "duplicate_small_min_fen" => msg!("cli-arg-duplicate-small-min-fen"),
        "duplicate_small_days" => msg!("cli-arg-duplicate-small-days"),
        "split_piece_percent" => msg!("cli-arg-split-piece-percent"),
        "split_small_piece_percent" => msg!("cli-arg-split-small-piece-percent"),
        "split_days" => msg!("cli-arg-split-days"),
        "approval_limit_fen" => msg!("cli-arg-approval-limit-fen"),
        "round_amount_fen" => msg!("cli-arg-round-amount-fen"),
        "late_posting_days" => msg!("cli-arg-late-posting-days"),
        "tender_threshold_fen" => msg!("cli-arg-tender-threshold-fen"),
        "benford_min_amounts" => msg!("cli-arg-benford-min-amounts"),
        "username" => msg!("cli-arg-username"),
        "role" => msg!("cli-arg-role"),
        "township" => msg!("cli-arg-township"),
        "village" => msg!("cli-arg-village"),
        "home_township" => msg!("cli-arg-home-township"),
        "home_village" => msg!("cli-arg-home-village"),
        "addressee" => msg!("cli-arg-addressee"),
        "from" => msg!("cli-arg-from"),
        "to" => msg!("cli-arg-to"),
        "from_receipts" => msg!("cli-arg-from-receipts"),
        "to_receipts" => msg!("cli-arg-to-receipts"),
        "checkpoint" => msg!("cli-arg-checkpoint"),
        "proof" => msg!("cli-arg-proof"),
        "key" => msg!("cli-arg-key"),
        "villages" => msg!("cli-arg-villages"),
        "years" => msg!("cli-arg-years"),
        "entries_per_village_year" => msg!("cli-arg-entries-per-village-year"),
        "seed" => msg!("cli-arg-seed"),
        "last_year" => msg!("cli-arg-last-year"),
        "plant" => msg!("cli-arg-plant"),
        "receipts" => msg!("cli-arg-generate-receipts"),
        "qr_search_workers" => msg!("cli-arg-qr-search-workers"),
        "qr_search_seconds" => msg!("cli-arg-qr-search-seconds"),
        // -- import and export (issue 19) --
        "file" => msg!("cli-arg-file"),
        "dry_run" => msg!("cli-arg-dry-run"),
        "columns" => msg!("cli-arg-columns"),
        "clerk" => msg!("cli-arg-clerk"),
        "format" => msg!("cli-arg-format"),
        "since" => msg!("cli-arg-since"),
        "until" => msg!("cli-arg-until"),
        "out" => msg!("cli-arg-out"),
        // -- questions and reports --
        "questions_per_day" => msg!("questions-cli-arg-per-day"),
        // -- ops: backup and restore --
        "backup_to" => msg!("ops-arg-backup-to"),
        "with_token_keys" => msg!("ops-arg-with-token-keys"),
        "backup_from" => msg!("ops-arg-backup-from"),
        "snapshot" => msg!("ops-arg-snapshot"),
        "trusted_checkpoint" => msg!("ops-arg-trusted-checkpoint"),
        _ => return None,
    })
}

/// `cmd` with its summaries, headings and built-in flags in the current language, all the way
/// down its subcommands.
pub fn localized(cmd: clap::Command) -> clap::Command {
    localize(cmd, "")
}

fn localize(mut cmd: clap::Command, path: &str) -> clap::Command {
    let lang = current();
    if let Some(about) = about(path) {
        cmd = cmd.about(about.render(lang)).long_about(None);
    }
    let template = format!(
        "{{about-with-newline}}\n{}: {{usage}}\n\n{{all-args}}{{after-help}}",
        msg!("cli-usage").render(lang)
    );
    cmd = cmd
        .help_template(template)
        .subcommand_help_heading(msg!("cli-commands").render(lang))
        .next_help_heading(msg!("cli-options").render(lang))
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(
            clap::Arg::new("help")
                .short('h')
                .long("help")
                .action(clap::ArgAction::Help)
                .help(msg!("cli-help-flag").render(lang)),
        );
    if path.is_empty() {
        cmd = cmd.disable_version_flag(true).arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help(msg!("cli-version-flag").render(lang)),
        );
    }
    // Options keep their place under the localized heading, with their help from the catalogue.
    let ids: Vec<String> = cmd.get_arguments().map(|a| a.get_id().to_string()).collect();
    for id in ids {
        let help = arg_help(&id).map(|m| m.render(lang));
        cmd = cmd.mut_arg(id, |a| {
            let a = a.help_heading(msg!("cli-options").render(lang));
            match help {
                Some(help) => a.help(help).long_help(None),
                None => a,
            }
        });
    }
    let subs: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_owned()).collect();
    for name in subs {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(name, |sub| localize(sub, &sub_path));
    }
    cmd
}

fn context_text(e: &clap::Error, kind: ContextKind) -> String {
    match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Prints a refused command line in the current language; help and version print as asked.
pub fn refuse(e: clap::Error) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let arg = context_text(&e, ContextKind::InvalidArg);
    let value = context_text(&e, ContextKind::InvalidValue);
    let what = match e.kind() {
        ErrorKind::UnknownArgument => msg!("cli-error-unknown-argument", arg = arg),
        ErrorKind::InvalidSubcommand => msg!(
            "cli-error-unknown-command",
            command = context_text(&e, ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            msg!("cli-error-invalid-value", arg = arg, value = value)
        }
        ErrorKind::MissingRequiredArgument => msg!("cli-error-missing-argument", arg = arg),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            msg!("cli-error-missing-command")
        }
        ErrorKind::ArgumentConflict => msg!(
            "cli-error-conflict",
            arg = arg,
            other = context_text(&e, ContextKind::PriorArg)
        ),
        _ => msg!("cli-error-other"),
    };
    let lang = current();
    eprintln!("village-ledger: {}", what.render(lang));
    eprintln!("{}", msg!("cli-see-help").render(lang));
    ExitCode::from(2)
}

/// One cause of a failed command, in the current language where the catalogue knows it.
fn cause_text(cause: &(dyn std::error::Error + 'static)) -> String {
    let lang = current();
    if let Some(io) = cause.downcast_ref::<std::io::Error>() {
        return io_msg(io).render(lang);
    }
    if let Some(e) = cause.downcast_ref::<village_ledger::db::StartupError>() {
        return match e {
            village_ledger::db::StartupError::Open(source) => msg!("cli-db-open", reason = source.to_string()),
            village_ledger::db::StartupError::Migrate(source) => msg!("cli-db-migrate", reason = source.to_string()),
        }
        .render(lang);
    }
    cause.to_string()
}

fn io_msg(e: &std::io::Error) -> Msg {
    use std::io::ErrorKind::*;
    let code = e.raw_os_error().map(|c| c.to_string()).unwrap_or_default();
    match e.kind() {
        NotFound => msg!("cli-io-not-found", code = code),
        PermissionDenied => msg!("cli-io-permission", code = code),
        AlreadyExists => msg!("cli-io-exists", code = code),
        AddrInUse => msg!("cli-io-addr-in-use", code = code),
        AddrNotAvailable => msg!("cli-io-addr-unavailable", code = code),
        NotADirectory => msg!("cli-io-not-a-directory", code = code),
        StorageFull => msg!("cli-io-full", code = code),
        ReadOnlyFilesystem => msg!("cli-io-read-only", code = code),
        _ => msg!("cli-io-other", reason = e.to_string()),
    }
}

/// Prints a failed command: each step it failed in, then the cause, in the current language.
pub fn fail(e: &anyhow::Error) -> ExitCode {
    let parts: Vec<String> = e.chain().map(cause_text).collect();
    eprintln!(
        "village-ledger: {}",
        parts.join(if current() == Lang::Zh { ":" } else { ": " })
    );
    ExitCode::FAILURE
}
