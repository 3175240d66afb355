//! Exports of the books for any scope the caller can read — a village, a township, or the whole
//! scope — as CSV, XLSX or an hledger journal. The body is streamed: the export runs on the
//! blocking pool one village-month at a time and hands 64 KiB chunks to the response through a
//! channel of eight, so a county's export never sits in memory.

use std::io::Write;

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::api::access::{Access, township_code, village_code, village_in_scope};
use crate::api::clock::today;
use crate::api::params::{TownshipPath, VillagePath};
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::{State, db};
use crate::auth::scope::{TownshipView, township_view, visible_townships};
use crate::auth::{Caller, Role};
use crate::db::DbConn;
use crate::db::schema::villages;
use crate::exchange::{ExchangeError, ExportFormat, ExportRequest, export};
use crate::ledger::LedgerError;
use crate::ledger::villages::find_township;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    #[param(inline)]
    pub format: ExportFormat,
    /// Earliest `occurred_on`, inclusive.
    pub from: Option<NaiveDate>,
    /// Latest `occurred_on`, inclusive.
    pub to: Option<NaiveDate>,
}

/// Export a village's books.
///
/// CSV: UTF-8 with BOM, the import's headers (it imports back unchanged). XLSX: a cover sheet and
/// one sheet per month with totals. Journal: an hledger journal, commodity `CNY`.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath, ExportQuery),
    responses(
        (status = 200, description = "The export, streamed", content_type = "text/csv"),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such village in your scope"),
        (status = 422, description = "`from` is after `to`")
    )
)]
#[get("/villages/{code}/export")]
pub async fn get_village_export(
    state: State,
    caller: Caller,
    path: web::Path<VillagePath>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.into_inner().code)?;
    let name = code.to_string();
    let villages = db(&state, move |conn| {
        Ok(vec![village_in_scope(conn, &caller, &code, Access::Read)?.code])
    })
    .await?;
    stream_export(&state, &name, villages, query.into_inner())
}

/// Export the books of a township's villages you can read.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(TownshipPath, ExportQuery),
    responses(
        (status = 200, description = "The export, streamed", content_type = "text/csv"),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such township in your scope"),
        (status = 422, description = "`from` is after `to`")
    )
)]
#[get("/townships/{code}/export")]
pub async fn get_township_export(
    state: State,
    caller: Caller,
    path: web::Path<TownshipPath>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = township_code(&path.into_inner().code)?;
    let name = code.to_string();
    let villages = db(&state, move |conn| {
        let view = township_view(conn, &caller, &code, today())?;
        find_township(conn, &code)?;
        let visible = villages_of(conn, code.as_str(), view)?;
        // As the township's villages answer: a caller who sees none of them learns nothing.
        if visible.is_empty() && caller.role != Role::Admin && caller.role != Role::Clerk {
            return Err(LedgerError::TownshipNotFound { township: code }.into());
        }
        Ok(visible)
    })
    .await?;
    stream_export(&state, &name, villages, query.into_inner())
}

/// Export the books of every village you can read.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The export, streamed", content_type = "text/csv"),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 422, description = "`from` is after `to`")
    )
)]
#[get("/export")]
pub async fn get_scope_export(
    state: State,
    caller: Caller,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let villages = db(&state, move |conn| {
        let townships: Vec<String> = match visible_townships(conn, &caller, today())? {
            Some(codes) => codes,
            None => crate::db::schema::townships::table
                .select(crate::db::schema::townships::code)
                .order(crate::db::schema::townships::code)
                .load(conn)?,
        };
        let mut all = Vec::new();
        for township in townships {
            let Ok(code) = crate::domain::TownshipCode::parse(&township) else {
                continue;
            };
            let view = township_view(conn, &caller, &code, today())?;
            all.extend(villages_of(conn, &township, view)?);
        }
        all.sort();
        all.dedup();
        Ok(all)
    })
    .await?;
    stream_export(&state, "scope", villages, query.into_inner())
}

use diesel::prelude::*;

fn villages_of(conn: &mut DbConn, township: &str, view: TownshipView) -> ApiResult<Vec<String>> {
    let all: Vec<String> = villages::table
        .filter(villages::township_code.eq(township))
        .order(villages::code)
        .select(villages::code)
        .load(conn)?;
    Ok(match view {
        TownshipView::All => all,
        TownshipView::Only(only) => all.into_iter().filter(|c| only.contains(c)).collect(),
    })
}

/// Chunks of the body on their way to the client.
type Chunk = Result<web::Bytes, std::io::Error>;

/// Hands what the export writes to the response in 64 KiB chunks; fails once the client is gone,
/// which stops the export.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

const CHUNK_BYTES: usize = 64 * 1024;

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = web::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

fn stream_export(state: &State, name: &str, villages: Vec<String>, query: ExportQuery) -> ApiResult<HttpResponse> {
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ExchangeError::FromAfterTo { from, to }.into());
    }
    let request = ExportRequest {
        villages,
        from: query.from,
        to: query.to,
        format: query.format,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    let pool = state.pool.clone();
    let lang = crate::i18n::current();
    tokio::task::spawn_blocking(move || {
        crate::i18n::with(lang, || {
            let mut writer = ChannelWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(CHUNK_BYTES),
            };
            let result = pool
                .get()
                .map_err(|e| ExchangeError::Write(std::io::Error::other(e.to_string())))
                .and_then(|mut conn| export(&mut conn, &request, &mut writer))
                .and_then(|()| writer.flush().map_err(ExchangeError::from));
            if let Err(e) = result {
                tracing::warn!(error = %e, "export stopped");
                // The client sees the body cut, never a complete-looking export.
                let _ = tx.blocking_send(Err(std::io::Error::other("export stopped")));
            }
        })
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let format = query.format;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"village-ledger-{name}.{}\"", format.extension()),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_village_export)
        .service(get_township_export)
        .service(get_scope_export);
}
