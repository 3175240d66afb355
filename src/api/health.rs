//! Liveness, readiness and the OpenAPI document.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::api::state::State;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database is reachable with every migration applied, the data dir is there and not
/// read-only, and the receipt store answers (an object store within two seconds; its answer
/// is reused for two seconds).
#[utoipa::path(
    tag = "ops",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: State) -> HttpResponse {
    let pool = state.pool.clone();
    let dir = state.settings.data_dir.clone();
    let ready = web::block(move || {
        let db_ok = pool
            .get()
            .map(|mut c| crate::db::migrations_applied(&mut c))
            .unwrap_or(false);
        // Looked at, not written to: a probe answered many times a second must not cost a
        // file creation and deletion (and a journal write) each time.
        let dir_ok = std::fs::metadata(&dir).is_ok_and(|m| m.is_dir() && !m.permissions().readonly());
        db_ok && dir_ok
    })
    .await
    .unwrap_or(false);
    if !ready {
        return not_ready(crate::msg!("problem-not-ready"));
    }
    if let Err(reason) = state.receipts.probe().await {
        tracing::warn!(%reason, store = %state.receipts.describe(), "receipt store unreachable");
        return not_ready(crate::msg!(
            "problem-not-ready-receipt-store",
            store = state.receipts.describe()
        ));
    }
    HttpResponse::Ok().json(Health { status: "ok" })
}

fn not_ready(why: crate::i18n::Msg) -> HttpResponse {
    crate::api::problem::problem_response(&crate::api::problem::ApiError::Unavailable(why).problem())
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}
