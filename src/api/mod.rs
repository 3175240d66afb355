//! HTTP only: one file per resource, thin handlers. The whole app is built by [`build_app`],
//! used by `main`, the tests and the benchmarks alike.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod crosscheck;
pub mod entries;
pub mod health;
pub mod inspections;
pub mod json;
pub mod log;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod problem;
pub mod receipts;
pub mod reconcile;
pub mod townships;
pub mod users;
pub mod villages;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpRequest, web};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::api::problem::{ApiError, ApiResult};
use crate::auth::audit::{AuditEvent, record};
use crate::auth::keys::KeyRing;
use crate::auth::login::{LoginPolicy, UnknownUserThrottle};
use crate::auth::tokens::TokenSettings;
use crate::config::Settings;
use crate::db::{DbConn, DbPool};

/// Everything a request handler may need.
pub struct AppState {
    pub pool: DbPool,
    pub keys: KeyRing,
    pub tokens: TokenSettings,
    pub login_policy: LoginPolicy,
    pub unknown_users: UnknownUserThrottle,
    pub settings: Settings,
    pub metrics: metrics::Metrics,
    pub log: crate::tlog::checkpoint::LogSigner,
    pub receipts: crate::receipts::ReceiptStore,
    /// Access tokens verified before.
    pub verified: crate::auth::verified::VerifiedTokens,
    /// Users' enabled flags as last read.
    pub enabled: crate::db::recent::Recent<bool>,
    /// Villages' ledger versions and townships as last read.
    pub villages: crate::db::recent::Recent<pages::VillageFacts>,
    /// Serialized entry pages.
    pub pages: pages::PageCache,
    /// Places for the expensive routes (reconcile, flags, full-size rendition, upload).
    pub gates: crate::domain::budget::Gates,
    /// Full-size renditions being made, so one receipt's is made once however many ask.
    pub full_renditions: crate::receipts::SingleFlight<ApiResult<std::path::PathBuf>>,
}

impl AppState {
    /// Forgets what the writes of a request changed; runs before the write is acknowledged.
    fn forget(&self, changes: &crate::db::changes::Changes) {
        if !changes.villages.is_empty() {
            self.villages.forget(changes.villages.iter().map(String::as_str));
        }
        if !changes.users.is_empty() {
            self.enabled.forget(changes.users.iter().map(String::as_str));
        }
    }
}

pub type State = web::Data<AppState>;

/// Runs database work on the blocking pool, never on the async workers. What its writes
/// changed ([`crate::db::changes`]) is forgotten by this server's caches before it returns.
pub async fn db<T, F>(state: &State, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
{
    let state = state.clone();
    web::block(move || {
        let mut conn = state.pool.get()?;
        let result = f(&mut conn);
        let changes = crate::db::changes::take();
        if !changes.is_empty() {
            state.forget(&changes);
        }
        result
    })
    .await?
}

/// Runs the checks of a write (role from the token, scope from the path) before its body is
/// read: a refusal is audited and returned, so a caller who may not write is answered without
/// the service reading a byte of what they send.
pub async fn authorize<T, F>(state: &State, audit: &Audit, check: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
{
    let audit = audit.clone();
    db(state, move |conn| {
        let result = check(conn);
        if result.is_err() {
            audit.record(conn, &result, None);
        }
        result
    })
    .await
}

/// The peer address of a request, for the audit log (never a forwarded header, which a
/// client can forge).
pub fn source_of(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// What an audited write is about; the outcome is filled in after it ran.
#[derive(Clone)]
pub struct Audit {
    pub actor: Option<String>,
    pub action: &'static str,
    pub object: Option<String>,
    pub village: Option<String>,
    pub township: Option<String>,
    pub source: Option<String>,
}

impl Audit {
    pub fn new(action: &'static str, actor: Option<&str>, req: &HttpRequest) -> Self {
        Audit {
            actor: actor.map(str::to_owned),
            action,
            object: None,
            village: None,
            township: None,
            source: source_of(req),
        }
    }

    /// Records the outcome of `result`; a failure to record is logged, not returned, so the
    /// caller learns the outcome of the write itself.
    pub fn record<T>(&self, conn: &mut DbConn, result: &ApiResult<T>, object: Option<&str>) {
        let outcome = match result {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.problem().status.to_string(),
        };
        self.record_outcome(conn, &outcome, object);
    }

    /// Records the refusal `error` on the blocking pool and hands it back, for handlers that
    /// refuse before their work starts.
    pub async fn refused(self, state: &State, error: ApiError) -> ApiError {
        let outcome = error.problem().status.to_string();
        let _ = db(state, move |conn| {
            self.record_outcome(conn, &outcome, None);
            Ok(())
        })
        .await;
        error
    }

    /// Records an outcome given as `ok` or the HTTP status of the refusal.
    pub fn record_outcome(&self, conn: &mut DbConn, outcome: &str, object: Option<&str>) {
        let event = AuditEvent {
            actor: self.actor.as_deref(),
            action: self.action,
            object: object.or(self.object.as_deref()),
            village: self.village.as_deref(),
            township: self.township.as_deref(),
            outcome,
            source: self.source.as_deref(),
        };
        if let Err(e) = record(conn, &event) {
            tracing::error!(error = %e, action = self.action, "cannot write the audit log");
        }
    }
}

struct BearerAuth;

/// Declares the errors every JSON body can produce (400, 413, 415) on each operation that
/// takes one, so the document lists what the service really answers.
struct BodyErrors;

impl Modify for BodyErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                if op.request_body.is_some() {
                    for (status, text) in [
                        ("400", "Malformed JSON, wrong types or unknown fields"),
                        ("413", "Body too large"),
                        ("415", "Body is not JSON"),
                    ] {
                        op.responses
                            .responses
                            .entry(status.into())
                            .or_insert_with(|| problem(text).into());
                    }
                }
            }
        }
    }
}

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "village-ledger",
        description = "Village finance transparency: the itemized income and expenditure of village collectives \
                       (村集体), with the scans behind every line, for villagers, township finance stations and \
                       inspection groups. Money is integer fen. Errors are RFC 9457 problem documents.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::api::problem::Problem)),
    tags(
        (name = "auth", description = "Sign in and tokens"),
        (name = "ledger", description = "Townships, villages, entries, summaries"),
        (name = "admin", description = "Users and inspection rounds"),
        (name = "receipts", description = "Receipt scans: upload, renditions, originals"),
        (name = "log", description = "The transparency log: checkpoints and proofs"),
        (name = "crosscheck", description = "For inspection groups: findings reconciled with the ledger, red flags"),
        (name = "ops", description = "Health")
    )
)]
pub struct ApiDoc;

/// Registers every route. Each one goes through utoipa, so none can be missing from the
/// OpenAPI document.
fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            .configure(auth::routes)
            .configure(townships::routes)
            .configure(villages::routes)
            .configure(entries::routes)
            .configure(accounts::routes)
            .configure(inspections::routes)
            .configure(users::routes)
            .configure(audit::routes)
            .configure(log::routes)
            .configure(receipts::routes)
            .configure(crosscheck::routes),
    )
    .configure(health::routes)
    .service(metrics::get_metrics);
}

/// The OpenAPI document of the app, as generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    finish_openapi(api)
}

/// Applies what can only be added once every route is registered.
fn finish_openapi(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    BodyErrors.modify(&mut api);
    api
}

/// Builds the whole app on `state`.
pub fn build_app(
    state: State,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let json_limit = state.settings.json_limit_bytes;
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    let api = finish_openapi(api);
    let route_table = web::Data::new(middleware::RouteTable::from_openapi(&api));
    app.app_data(state)
        .app_data(route_table)
        .app_data(web::PayloadConfig::new(json_limit))
        .app_data(middleware::query_config())
        .app_data(middleware::path_config())
        .service(utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", api))
        .default_service(web::to(middleware::not_found))
        .wrap(actix_web::middleware::from_fn(middleware::etag))
        .wrap(actix_web::middleware::from_fn(middleware::timeout))
        .wrap(actix_web::middleware::from_fn(middleware::problems))
        .wrap(actix_web::middleware::Compress::default())
        .wrap(actix_web::middleware::from_fn(middleware::request_log))
}

/// Loads the state of a data dir: database (migrated), keys, settings.
pub fn load_state(settings: Settings) -> Result<State, String> {
    std::fs::create_dir_all(&settings.data_dir)
        .map_err(|e| format!("cannot create the data dir {}: {e}", settings.data_dir.display()))?;
    let pool = crate::db::connect(&settings.db_url(), settings.pool_size).map_err(|e| e.to_string())?;
    let keys = KeyRing::open(
        &settings.keys_dir(),
        settings.signing_key_file.as_deref(),
        chrono::Duration::seconds(crate::auth::tokens::ACCESS_TOKEN_SECONDS),
    )
    .map_err(|e| e.to_string())?;
    let log =
        crate::tlog::checkpoint::LogSigner::open(&settings.log_key_file(), &settings.log_origin).map_err(|e| {
            match std::error::Error::source(&e) {
                Some(cause) => format!("{e}: {cause}"),
                None => e.to_string(),
            }
        })?;
    let receipts = crate::receipts::ReceiptStore::new(settings.receipts_dir())
        .map_err(|e| format!("cannot open the receipt store: {e}"))?;
    sweep_orphan_receipts(&pool, &receipts, settings.orphan_grace_seconds)?;
    let freshness = std::time::Duration::from_millis(settings.freshness_ms);
    Ok(web::Data::new(AppState {
        verified: Default::default(),
        enabled: crate::db::recent::Recent::new(freshness, 100_000),
        villages: crate::db::recent::Recent::new(freshness, 100_000),
        pages: pages::PageCache::new(
            usize::try_from(settings.page_cache_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
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
        settings,
        metrics: metrics::Metrics::default(),
        log,
        receipts,
    }))
}

/// Removes receipt files that a crash left without a row (older than `grace_seconds`, so a
/// server sharing the directory that is between storing a file and committing its row keeps
/// it).
fn sweep_orphan_receipts(
    pool: &DbPool,
    store: &crate::receipts::ReceiptStore,
    grace_seconds: u64,
) -> Result<(), String> {
    let conn = std::cell::RefCell::new(pool.get().map_err(|e| e.to_string())?);
    let removed = store
        .sweep_older_than(
            |sha| crate::ledger::receipts::original_is_known(&mut conn.borrow_mut(), sha).unwrap_or(true),
            std::time::Duration::from_secs(grace_seconds),
        )
        .map_err(|e| format!("cannot sweep the receipt store: {e}"))?;
    if removed > 0 {
        tracing::warn!(removed, "removed receipt files that a crash left without a row");
    }
    Ok(())
}

/// Today in the county (China Standard Time, UTC+8, no daylight saving): the day inspection
/// round windows and month closes are judged by.
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Parses a path's village code, or 404 (a malformed code names no village).
pub fn village_code(code: &str) -> ApiResult<crate::domain::VillageCode> {
    crate::domain::VillageCode::parse(code).map_err(|e| ApiError::NotFound(e.to_string()))
}
