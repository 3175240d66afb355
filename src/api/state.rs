//! The state every handler shares, and [`db`], the one way a handler reaches the database.

use actix_web::web;

use crate::api::page_cache::{PageCache, VillageFacts};
use crate::api::problem::{ApiError, ApiResult};
use crate::auth::keys::KeyRing;
use crate::auth::login::{LoginPolicy, UnknownUserThrottle};
use crate::auth::tokens::TokenSettings;
use crate::config::Settings;
use crate::db::{DbConn, DbPool, DbUrl};

/// The threads that run database work: as many as the pool has connections, so a request never
/// waits for a connection on a thread of its own, and a burst of requests queues as tasks rather
/// than growing threads (each with its own allocator arena) that only wait.
pub struct DbThreads {
    handle: tokio::runtime::Handle,
    /// Taken only when dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl DbThreads {
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(threads.max(1))
            .thread_name("db")
            .build()?;
        Ok(DbThreads {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }
}

impl Drop for DbThreads {
    /// Work still running finishes on its own (a write commits or rolls back); nobody waits.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// SQLite connections, opened read-only (`query_only`), that answer short reads right on the
/// HTTP worker threads ([`quick_read`]): a read of a page by index takes tens of microseconds,
/// less than handing it to a database thread and back. A worker uses one at a time, so there are
/// about as many as workers; none is ever waited for (an empty list opens one more).
pub struct Readers {
    /// `None` on PostgreSQL, whose reads wait on the network and go to the database threads, and
    /// when `VL_READS_ON_WORKERS` is off.
    url: Option<DbUrl>,
    /// What each is told when opened (its page cache and memory map).
    pragmas: String,
    idle: std::sync::Mutex<Vec<DbConn>>,
}

/// Idle reader connections kept; past it a returned one is closed.
const MAX_IDLE_READERS: usize = 16;

impl Readers {
    pub fn new(url: &DbUrl, on_workers: bool, cache_kb: u32, mmap_mb: u64) -> Self {
        Readers {
            url: (on_workers && url.is_sqlite()).then(|| url.clone()),
            pragmas: format!(
                "PRAGMA cache_size = -{cache_kb}; PRAGMA mmap_size = {};",
                mmap_mb.saturating_mul(1 << 20)
            ),
            idle: Default::default(),
        }
    }

    fn take(&self, url: &DbUrl) -> ApiResult<DbConn> {
        if let Some(conn) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(conn);
        }
        crate::db::open_reader(url, &self.pragmas).map_err(|e| ApiError::Internal(format!("cannot open a reader: {e}")))
    }

    fn give_back(&self, mut conn: DbConn) {
        use diesel::r2d2::R2D2Connection;
        if conn.is_broken() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE_READERS
        {
            idle.push(conn);
        }
    }
}

/// Everything a request handler may need.
pub struct AppState {
    pub pool: DbPool,
    /// Where [`quick_read`] runs its reads on SQLite.
    pub readers: Readers,
    /// Where [`db`] runs its closures.
    pub db_threads: DbThreads,
    pub keys: KeyRing,
    pub tokens: TokenSettings,
    pub login_policy: LoginPolicy,
    pub unknown_users: UnknownUserThrottle,
    pub settings: Settings,
    pub metrics: crate::api::telemetry::Metrics,
    pub log: crate::tlog::checkpoint::LogSigner,
    pub receipts: crate::receipts::ReceiptStore,
    /// Access tokens verified before.
    pub verified: crate::auth::verified::VerifiedTokens,
    /// Users' enabled flags as last read.
    pub enabled: crate::db::recent::Recent<bool>,
    /// Villages' ledger versions and townships as last read.
    pub villages: crate::db::recent::Recent<VillageFacts>,
    /// Serialized entry pages.
    pub pages: PageCache,
    /// Places for the expensive routes (reconcile, flags, full-size rendition, upload).
    pub gates: crate::domain::budget::Gates,
    /// Full-size renditions being made, so one receipt's is made once however many ask.
    pub full_renditions: crate::receipts::SingleFlight<ApiResult<std::sync::Arc<crate::receipts::store::LocalCopy>>>,
    /// The deep QR searches that run after uploads are answered.
    pub qr_searches: crate::receipts::deferred::QrSearches,
    /// The time deadlines, overdue tickets and daily limits are judged by (tests fix it).
    pub clock: crate::domain::clock::Clock,
}

impl AppState {
    /// Forgets what the writes of a request changed; runs before the write is acknowledged.
    pub(super) fn forget(&self, changes: &crate::db::changes::Changes) {
        if !changes.villages.is_empty() {
            self.villages.forget(changes.villages.iter().map(String::as_str));
        }
        if !changes.users.is_empty() {
            self.enabled.forget(changes.users.iter().map(String::as_str));
        }
    }
}

pub type State = web::Data<AppState>;

/// Runs database work on the database threads ([`DbThreads`]), never on the async workers. What
/// its writes changed ([`crate::db::changes`]) is forgotten by this server's caches before it
/// returns.
pub async fn db<T, F>(state: &State, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
{
    let state = state.clone();
    // The request's language goes along, for whatever the work renders.
    let lang = crate::i18n::current();
    let handle = state.db_threads.handle.clone();
    handle
        .spawn_blocking(move || {
            crate::i18n::with(lang, || {
                let mut conn = state.pool.get()?;
                let result = f(&mut conn);
                let changes = crate::db::changes::take();
                if !changes.is_empty() {
                    state.forget(&changes);
                }
                result
            })
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a database task failed: {e}")))?
}

/// A read that takes microseconds (rows found by index, a bounded number of them): on SQLite it
/// runs here, on the HTTP worker thread, with a read-only connection of [`Readers`], without the
/// hop to a database thread and back; on PostgreSQL it goes to the database threads as [`db`]
/// does. Never for work whose length the caller decides (a text search, a scan of a village's
/// whole history): it holds up every other request of the worker while it runs.
pub async fn quick_read<T, F>(state: &State, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
{
    let Some(url) = &state.readers.url else {
        return db(state, f).await;
    };
    let mut conn = state.readers.take(url)?;
    let result = f(&mut conn);
    state.readers.give_back(conn);
    result
}
