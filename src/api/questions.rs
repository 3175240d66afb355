//! Villagers' questions and reports on line items (质疑、举报): filed, answered, accepted or escalated.
//!
//! Reports are anonymous to everyone but their author, their recipients and admins: the audit
//! log records the filing, accepting and escalating of items without the actor and without the
//! source address (those are the author's acts); what the service keeps of a photo is the
//! receipt intake's stripped re-encoding, never the bytes sent.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::api::access::{Access, entry_in_scope, village_code};
use crate::api::audit_trail::{Audit, authorize};
use crate::api::json::JsonBody;
use crate::api::params::{EntryPath, VillagePath};
use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::{State, db};
use crate::auth::{Caller, Role};
use crate::domain::budget::GatePass;
use crate::msg;
use crate::receipts::{IntakeError, IntakeLimits, ingest};
use crate::workflow::questions::{
    Filing, InboxFilter, NewAnswer, NewQuestion, Page, Photo, Question, QuestionKind, QuestionStatus, accept_answer,
    answer_question, escalate_question, file_question, get_question, list_inbox, list_village_questions,
    question_photo, question_place,
};

/// `{id}` of a question's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct QuestionPath {
    /// Question id (`qu_…`)
    pub id: String,
}

/// A page of questions and reports.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionPage {
    /// Newest first.
    pub items: Vec<Question>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VillageQuestionsQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// `true`: what you filed; otherwise what is addressed to you (villagers always read what
    /// they filed).
    pub mine: Option<bool>,
    pub status: Option<QuestionStatus>,
    pub kind: Option<QuestionKind>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The multipart form of a question with a photo (documentation only).
#[derive(utoipa::ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "documents the multipart body; the handler streams it")]
pub struct QuestionUpload {
    /// `question` or `report`.
    kind: QuestionKind,
    /// At most 2,000 characters.
    text: String,
    /// Optional: a photo (JPEG, PNG, WebP or TIFF, within the receipt limits). Only a
    /// re-encoding without metadata (EXIF, GPS) is kept.
    #[schema(value_type = Option<String>, format = Binary)]
    photo: Option<Vec<u8>>,
}

/// A received photo: the upload place it holds until it is decoded, and its temp file.
type Received = (GatePass, crate::receipts::store::TempUpload);

/// The longest `kind` and `text` parts of a multipart form, in bytes.
const MAX_KIND_BYTES: usize = 32;
const MAX_TEXT_BYTES: usize = 16 * 1024;

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads a body of at most `limit` bytes.
async fn read_limited(payload: &mut web::Payload, limit: usize) -> ApiResult<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(msg!("problem-body-unreadable", reason = e.to_string())))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(msg!("problem-json-too-large", limit = limit)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a small text part of at most `limit` bytes.
async fn read_text_part(field: &mut actix_multipart::Field, name: &str, limit: usize) -> ApiResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(msg!("problem-upload-cut", reason = e.to_string())))?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::Invalid(msg!(
                "questions-part-too-long",
                part = name.to_owned(),
                limit = limit
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::Invalid(msg!("questions-part-not-text", part = name.to_owned())))
}

/// Streams the `photo` part into a temp file of the receipt store, refused past the size limit.
async fn receive_photo(
    state: &State,
    field: &mut actix_multipart::Field,
) -> ApiResult<crate::receipts::store::TempUpload> {
    use std::io::Write;
    let max = state.settings.receipt_max_bytes;
    let st = state.clone();
    let (mut file, tmp) = web::block(move || st.receipts.temp_upload())
        .await?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut size = 0u64;
    while let Some(chunk) = field.next().await {
        let bytes = chunk.map_err(|e| ApiError::BadRequest(msg!("problem-upload-cut", reason = e.to_string())))?;
        size += bytes.len() as u64;
        if size > max {
            return Err(IntakeError::TooLarge { limit: max }.into());
        }
        file = web::block(move || file.write_all(&bytes).map(|()| file))
            .await?
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(tmp)
}

/// Reads the multipart form: exactly one `kind`, one `text` and at most one `photo`.
async fn read_form(state: &State, form: &mut Multipart) -> ApiResult<(NewQuestion, Option<Received>)> {
    let (mut kind, mut text, mut photo) = (None, None, None);
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(msg!("problem-multipart-unreadable", reason = e.to_string())))?;
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "kind" if kind.is_none() => kind = Some(read_text_part(&mut field, "kind", MAX_KIND_BYTES).await?),
            "text" if text.is_none() => text = Some(read_text_part(&mut field, "text", MAX_TEXT_BYTES).await?),
            "photo" if photo.is_none() => {
                let pass = state.gates.upload.enter()?;
                photo = Some((pass, receive_photo(state, &mut field).await?));
            }
            _ => {
                return Err(ApiError::Invalid(msg!(
                    "questions-unexpected-part",
                    part = crate::domain::truncate(&name)
                )));
            }
        }
    }
    let kind = match kind.as_deref() {
        Some("question") => QuestionKind::Question,
        Some("report") => QuestionKind::Report,
        Some(other) => {
            return Err(ApiError::Invalid(msg!(
                "questions-bad-kind",
                kind = crate::domain::truncate(other)
            )));
        }
        None => return Err(ApiError::Invalid(msg!("questions-missing-part", part = "kind"))),
    };
    let text = text.ok_or_else(|| ApiError::Invalid(msg!("questions-missing-part", part = "text")))?;
    Ok((NewQuestion { kind, text }, photo))
}

/// Decodes the received photo through the receipt intake and keeps only its stripped
/// re-encoding (JPEG, no metadata, at most 1600 px on the long edge).
async fn strip_photo(state: &State, (pass, tmp): Received) -> ApiResult<Photo> {
    let limits = IntakeLimits {
        max_bytes: state.settings.receipt_max_bytes,
        max_pixels: state.settings.receipt_max_pixels,
    };
    web::block(move || {
        let _pass = pass;
        let ingested = ingest(tmp.path(), &limits).map_err(ApiError::from)?;
        drop(tmp);
        let (width, height) =
            image::ImageReader::with_format(std::io::Cursor::new(&ingested.screen), image::ImageFormat::Jpeg)
                .into_dimensions()
                .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok::<_, ApiError>(Photo {
            jpeg: ingested.screen,
            width,
            height,
        })
    })
    .await?
}

/// The audit record of an act of an item's author: without actor and source, so the audit log
/// never tells who filed, accepted or escalated an item.
fn authors_audit(action: &'static str, req: &HttpRequest) -> Audit {
    let mut audit = Audit::new(action, None, req);
    audit.source = None;
    audit
}

/// File a question (质疑, for the township finance station) or a report (举报, for the
/// inspectors) about a line item: villagers of its village and anyone who reads the village.
///
/// JSON (`kind`, `text`), or `multipart/form-data` with parts `kind`, `text` and an optional
/// `photo`: the photo goes through the receipt intake (recognised from its bytes, bounded in
/// bytes and pixels) and only its re-encoding without metadata is kept. A question goes to the
/// township station; a report to the inspectors of the open rounds covering the village, or to
/// the county (admins, county-wide discipline users) when none does. A villager files at most
/// `VL_QUESTIONS_PER_DAY` items a county day; the next one is answered 429 and nothing is kept.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(EntryPath),
    request_body(content(
        (NewQuestion = "application/json"),
        (QuestionUpload = "multipart/form-data")
    )),
    responses(
        (status = 201, description = "Filed", body = Question),
        (status = 400, description = "Malformed JSON or multipart body"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such entry in your scope"),
        (status = 413, description = "Body or photo too large"),
        (status = 415, description = "Neither JSON nor multipart"),
        (status = 422, description = "A value is not acceptable: text, kind, parts, or a photo that is not an accepted image"),
        (status = 429, description = "Your questions and reports for today are used up"),
        (status = 503, description = "As many uploads as the service receives at once are running; retry after `Retry-After` seconds")
    )
)]
#[post("/entries/{id}/questions")]
pub async fn post_question(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<EntryPath>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let entry_id = path.into_inner().id;
    let mut audit = authors_audit("question.file", &req);
    let at = Filing {
        now: state.clock.now(),
        today: state.clock.today(),
        per_day: state.settings.questions_per_day,
    };
    // Who may file, and whether a villager has any left today, is settled before the body is read.
    let (eid, who) = (entry_id.clone(), caller.clone());
    let village = authorize(&state, &audit, move |conn| {
        let (_, village) = entry_in_scope(conn, &who, &eid, Access::Read)?;
        crate::workflow::questions::check_allowance(conn, &who, at)?;
        Ok(village)
    })
    .await?;
    audit.village = Some(village.code.clone());
    audit.township = Some(village.township_code.clone());
    let kind = content_type(&req);
    let read = async {
        if kind == "multipart/form-data" {
            let mut form = Multipart::new(req.headers(), payload);
            let (new, tmp) = read_form(&state, &mut form).await?;
            let photo = match tmp {
                Some(tmp) => Some(strip_photo(&state, tmp).await?),
                None => None,
            };
            Ok((new, photo))
        } else if kind == "application/json" {
            let bytes = read_limited(&mut payload, state.settings.json_limit_bytes).await?;
            Ok((crate::api::json::parse::<NewQuestion>(&bytes)?, None))
        } else {
            Err(ApiError::UnsupportedMediaType(msg!("questions-content-type")))
        }
    }
    .await;
    let (new, photo) = match read {
        Ok(r) => r,
        Err(e) => return Err(audit.refused(&state, e).await),
    };
    let question = db(&state, move |conn| {
        let result = file_question(conn, &caller, &entry_id, new, photo, at).map_err(ApiError::from);
        let object = result.as_ref().ok().map(|q| q.id.clone());
        audit.record(conn, &result, object.as_deref());
        result
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/questions/{}", question.id)))
        .json(question))
}

/// A question or report, as you may see it: its author (`asked_by`) only for its author, its
/// recipients and admins.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(QuestionPath),
    responses(
        (status = 200, description = "The item", body = Question),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such item that you may read")
    )
)]
#[get("/questions/{id}")]
pub async fn get_one(state: State, caller: Caller, path: web::Path<QuestionPath>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let today = state.clock.today();
    let question = db(&state, move |conn| Ok(get_question(conn, &caller, &id, today)?)).await?;
    Ok(HttpResponse::Ok().json(question))
}

/// The photo of a question or report (whoever reads the item): the intake's re-encoding, JPEG
/// without metadata.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(QuestionPath),
    responses(
        (status = 200, description = "The photo", content_type = "image/jpeg", body = Vec<u8>),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such item that you may read, or it has no photo")
    )
)]
#[get("/questions/{id}/photo")]
pub async fn get_photo(state: State, caller: Caller, path: web::Path<QuestionPath>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let today = state.clock.today();
    let jpeg = db(&state, move |conn| Ok(question_photo(conn, &caller, &id, today)?)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/jpeg"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(jpeg))
}

/// A village's questions and reports you may see, newest first: its villagers its questions
/// with their answers and their own reports; clerks of its township its questions; inspectors
/// of an open round over it and admins everything; county-wide discipline users the reports
/// routed to the county and its questions; a township's discipline users its questions.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(VillagePath, VillageQuestionsQuery),
    responses(
        (status = 200, description = "A page of items", body = QuestionPage),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such village in your scope"),
        (status = 422, description = "limit out of range, or a cursor of another listing")
    )
)]
#[get("/villages/{code}/questions")]
pub async fn get_village_questions(
    state: State,
    caller: Caller,
    path: web::Path<VillagePath>,
    query: web::Query<VillageQuestionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.into_inner().code)?;
    let query = query.into_inner();
    let today = state.clock.today();
    let (items, next_cursor) = db(&state, move |conn| {
        let page = Page::new(query.limit, query.cursor.as_deref())?;
        Ok(list_village_questions(conn, &caller, &code, &page, today)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(QuestionPage { items, next_cursor }))
}

/// Your inbox, newest first: what is addressed to you (clerks: their township's questions;
/// inspectors: reports on the villages of their open rounds; county-wide discipline users:
/// reports routed to the county; admins: everything), or with `mine=true` what you filed.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(InboxQuery),
    responses(
        (status = 200, description = "A page of items", body = QuestionPage),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 422, description = "limit out of range, or a cursor of another listing")
    )
)]
#[get("/questions")]
pub async fn get_inbox(state: State, caller: Caller, query: web::Query<InboxQuery>) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let today = state.clock.today();
    let filter = InboxFilter {
        mine: query.mine.unwrap_or(false),
        status: query.status,
        kind: query.kind,
    };
    let (items, next_cursor) = db(&state, move |conn| {
        let page = Page::new(query.limit, query.cursor.as_deref())?;
        Ok(list_inbox(conn, &caller, &filter, &page, today)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(QuestionPage { items, next_cursor }))
}

/// Settles who may act on the item `id` before a body is read: 404 for an item the caller
/// cannot read; fills in the audit record's place.
async fn place_of(state: &State, audit: &mut Audit, caller: &Caller, id: &str) -> ApiResult<()> {
    let (who, qid, today) = (caller.clone(), id.to_owned(), state.clock.today());
    let (village, township) = authorize(state, audit, move |conn| Ok(question_place(conn, &who, &qid, today)?)).await?;
    audit.village = Some(village);
    audit.township = Some(township);
    audit.object = Some(id.to_owned());
    Ok(())
}

/// Answer a question (clerks of its township's finance station): an open question becomes
/// `answered`. Reports are never shown to clerks.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(QuestionPath),
    request_body = NewAnswer,
    responses(
        (status = 200, description = "Answered", body = Question),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Only clerks answer questions"),
        (status = 404, description = "No such question that you may answer"),
        (status = 409, description = "The question is not open (the detail names its status)"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "The text is not acceptable")
    )
)]
#[post("/questions/{id}/answer")]
pub async fn post_answer(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<QuestionPath>,
    body: JsonBody<NewAnswer>,
) -> Result<HttpResponse, ApiError> {
    let id = crate::domain::truncate(&path.into_inner().id);
    let mut audit = Audit::new("question.answer", Some(&caller.username), &req);
    audit.object = Some(id.clone());
    if caller.role != Role::Clerk {
        let refusal = ApiError::from(crate::workflow::WorkflowError::NotAnswerer { role: caller.role });
        return Err(audit.refused(&state, refusal).await);
    }
    place_of(&state, &mut audit, &caller, &id).await?;
    let answer = body.read().await;
    let answer = match answer {
        Ok(a) => a,
        Err(e) => return Err(audit.refused(&state, e).await),
    };
    let (now, today) = (state.clock.now(), state.clock.today());
    let question = db(&state, move |conn| {
        let result = answer_question(conn, &caller, &id, answer, now, today).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Ok().json(question))
}

/// Accept the answer to your question (its asker): an answered question becomes `accepted`.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(QuestionPath),
    responses(
        (status = 200, description = "Accepted", body = Question),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Only the asker accepts"),
        (status = 404, description = "No such item that you may read"),
        (status = 409, description = "The question is not answered (the detail names its status)")
    )
)]
#[post("/questions/{id}/accept")]
pub async fn post_accept(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<QuestionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = crate::domain::truncate(&path.into_inner().id);
    let mut audit = authors_audit("question.accept", &req);
    place_of(&state, &mut audit, &caller, &id).await?;
    let (now, today) = (state.clock.now(), state.clock.today());
    let question = db(&state, move |conn| {
        let result = accept_answer(conn, &caller, &id, now, today).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Ok().json(question))
}

/// Escalate your question (its asker): an open or answered question becomes a report
/// (`escalated`), routed to the inspectors of the open rounds covering the village, or to the
/// county when none does; the township station no longer sees it.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(QuestionPath),
    responses(
        (status = 200, description = "Escalated", body = Question),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Only the asker escalates"),
        (status = 404, description = "No such item that you may read"),
        (status = 409, description = "Accepted, escalated already, or a report (the detail names its status)")
    )
)]
#[post("/questions/{id}/escalate")]
pub async fn post_escalate(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<QuestionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = crate::domain::truncate(&path.into_inner().id);
    let mut audit = authors_audit("question.escalate", &req);
    place_of(&state, &mut audit, &caller, &id).await?;
    let (now, today) = (state.clock.now(), state.clock.today());
    let question = db(&state, move |conn| {
        let result = escalate_question(conn, &caller, &id, now, today).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Ok().json(question))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(post_question)
        .service(get_inbox)
        .service(get_one)
        .service(get_photo)
        .service(get_village_questions)
        .service(post_answer)
        .service(post_accept)
        .service(post_escalate);
}
