//! The app: every route registered once, through utoipa, so the same registration gives the
//! service ([`build_app`], used by `main`, the tests and the benchmarks alike) and its OpenAPI
//! document ([`openapi`]).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::api::openapi::{self as doc, ApiDoc};
use crate::api::state::State;
use crate::api::{
    accounts,
    addressees,
    audit,
    auth,
    crosscheck,
    entries,
    // import and export (issue 19)
    exports,
    findings,
    health,
    imports,
    inspections,
    log,
    metrics,
    middleware,
    questions,
    receipts,
    reconcile,
    tenders,
    tickets,
    townships,
    users,
    villages,
};

/// Registers every route. Each one goes through utoipa, so none can be missing from the
/// OpenAPI document.
fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            .configure(auth::routes)
            .configure(townships::routes)
            .configure(villages::routes)
            .configure(tenders::routes)
            .configure(entries::routes)
            .configure(accounts::routes)
            .configure(inspections::routes)
            .configure(users::routes)
            .configure(audit::routes)
            .configure(log::routes)
            .configure(receipts::routes)
            .configure(crosscheck::routes)
            .configure(reconcile::routes)
            .configure(addressees::routes)
            .configure(questions::routes)
            .configure(findings::routes)
            .configure(tickets::routes)
            // import and export (issue 19)
            .configure(imports::routes)
            .configure(exports::routes),
    )
    .configure(health::routes)
    .service(metrics::get_metrics);
}

/// The routed app, without state or middleware, and its finished OpenAPI document.
fn routed() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<BoxBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    (app, doc::finish(api))
}

/// The OpenAPI document of the app, as generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routed().1
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
    let (app, api) = routed();
    let route_table = web::Data::new(middleware::RouteTable::from_openapi(&api));
    app.app_data(state)
        .app_data(route_table)
        .app_data(web::PayloadConfig::new(json_limit))
        .app_data(middleware::query_config())
        .app_data(middleware::path_config())
        .service(utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", api))
        // web: the villagers' page and its assets, outside the OpenAPI document
        .configure(crate::api::page::routes)
        .default_service(web::to(middleware::not_found))
        .wrap(actix_web::middleware::from_fn(middleware::etag))
        .wrap(actix_web::middleware::from_fn(middleware::timeout))
        .wrap(actix_web::middleware::from_fn(middleware::problems))
        .wrap(actix_web::middleware::Compress::default())
        .wrap(actix_web::middleware::from_fn(middleware::request_log))
        .wrap(actix_web::middleware::from_fn(middleware::language))
}
