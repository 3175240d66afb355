//! Opening a data dir for serving: the database (migrated), keys, settings, the receipt store
//! and the sweep of what a crash left behind.

use actix_web::web;
use anyhow::Context;

use crate::api::page_cache::PageCache;
use crate::api::state::{AppState, State};
use crate::api::telemetry::Metrics;
use crate::auth::keys::KeyRing;
use crate::auth::login::{LoginPolicy, UnknownUserThrottle};
use crate::auth::tokens::TokenSettings;
use crate::config::Settings;
use crate::db::DbPool;
use crate::msg;

/// Loads the state of a data dir: database (migrated), keys, settings.
pub fn load_state(settings: Settings) -> anyhow::Result<State> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| msg!("cli-ctx-create-data-dir", dir = settings.data_dir.display().to_string()))?;
    let pool = crate::db::connect(&settings.db_url(), settings.pool_size).context(msg!("cli-ctx-open-db"))?;
    let keys = KeyRing::open(
        &settings.keys_dir(),
        settings.signing_key_file.as_deref(),
        chrono::Duration::seconds(crate::auth::tokens::ACCESS_TOKEN_SECONDS),
    )
    .context(msg!("cli-ctx-open-keys"))?;
    let log = crate::tlog::checkpoint::LogSigner::open(&settings.log_key_file(), &settings.log_origin)
        .context(msg!("cli-ctx-open-log-key"))?;
    let receipts = settings.receipt_store().context(msg!("cli-ctx-open-receipts"))?;
    sweep_orphan_receipts(&pool, &receipts, settings.orphan_grace_seconds)?;
    let freshness = std::time::Duration::from_millis(settings.freshness_ms);
    Ok(web::Data::new(AppState {
        verified: Default::default(),
        enabled: crate::db::recent::Recent::new(freshness, 100_000),
        villages: crate::db::recent::Recent::new(freshness, 100_000),
        pages: PageCache::new(usize::try_from(settings.page_cache_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)),
        db_threads: crate::api::state::DbThreads::new(settings.pool_size as usize).context(msg!("cli-ctx-open-db"))?,
        readers: crate::api::state::Readers::new(
            &settings.db_url(),
            settings.reads_on_workers,
            settings.sqlite_read_cache_kb,
            settings.sqlite_read_mmap_mb,
        ),
        pool,
        keys,
        tokens: TokenSettings {
            issuer: settings.token_issuer.clone(),
            audience: settings.token_audience.clone(),
        },
        login_policy: LoginPolicy {
            max_failures: settings.login_max_failures,
            lock_seconds: settings.login_lock_seconds,
        },
        unknown_users: UnknownUserThrottle::default(),
        gates: crate::domain::budget::Gates::new(
            settings.reconcile_concurrency,
            settings.flags_concurrency,
            settings.rendition_concurrency,
            settings.upload_concurrency,
        ),
        full_renditions: Default::default(),
        qr_searches: Default::default(),
        clock: Default::default(),
        settings,
        metrics: Metrics::default(),
        log,
        receipts,
    }))
}

/// Removes receipt files that a crash left without a row (older than `grace_seconds`, so a
/// server sharing the directory that is between storing a file and committing its row keeps
/// it). An object store that cannot be reached is swept at the next start: the server starts,
/// and `/readyz` names the store until it answers.
fn sweep_orphan_receipts(
    pool: &DbPool,
    store: &crate::receipts::ReceiptStore,
    grace_seconds: u64,
) -> anyhow::Result<()> {
    let conn = std::cell::RefCell::new(pool.get().context(msg!("cli-ctx-take-connection"))?);
    let swept = store.sweep_older_than(
        |sha| crate::ledger::receipts::original_is_known(&mut conn.borrow_mut(), sha).unwrap_or(true),
        std::time::Duration::from_secs(grace_seconds),
    );
    let removed = match swept {
        Err(e) if crate::receipts::store::is_unavailable(&e) => {
            tracing::warn!(error = %e, store = %store.describe(), "receipt store unavailable; not swept");
            0
        }
        other => other.context(msg!("cli-ctx-sweep-receipts"))?,
    };
    if removed > 0 {
        tracing::warn!(removed, "removed receipt files that a crash left without a row");
    }
    Ok(())
}
