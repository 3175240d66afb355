//! Checklists, checklist marks and progress, findings and their proofs, rectification, follow-up rounds and published results.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::api::access::village_code;
use crate::api::audit_trail::{Audit, authorize};
use crate::api::json::JsonBody;
use crate::api::log::ProofQuery;
use crate::api::params::{InspectionPath, VillagePath};
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::auth::scope::require_admin;
use crate::msg;
use crate::tlog::checkpoint::{at_size, latest};
use crate::tlog::leaf::KIND_FINDING;
use crate::tlog::proof::InclusionProof;
use crate::tlog::{Tree, find_leaf, size};
use crate::workflow::checklists::{
    Checklist, ItemMark, MarkRequest, NewChecklist, Progress, create_checklist, list_checklists, progress,
    round_of_inspector, set_mark,
};
use crate::workflow::findings::{
    DEFAULT_PAGE, Finding, FindingPage, NewFinding, decode_cursor, finding_view, follow_up, readable_finding,
    record_finding, round_findings, village_findings,
};
use crate::workflow::publication::{NewPublication, Publication, check_publisher, publish};
use crate::workflow::rectification::{
    Rectification, RectificationJudgement, RectificationReport, check_judge, check_rectifier, judge_rectification,
    submit_rectification,
};

/// `{id}` of a finding's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FindingPath {
    /// Finding id
    pub id: String,
}

/// `{id}/villages/{code}/checklist/{item}` of a round's checklist mark.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MarkPath {
    /// Inspection id
    pub id: String,
    /// 12-digit village code
    #[param(pattern = r"^[0-9]{12}$", example = "331022102201")]
    pub code: String,
    /// Checklist item code
    pub item: String,
}

/// A page of a findings listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FindingListQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a round's findings.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RoundFindingQuery {
    /// Only this village's findings.
    #[param(pattern = r"^[0-9]{12}$")]
    pub village: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Reads the body of an authorized write; a body refused (too large, not JSON, malformed) is
/// audited like every other refusal of the write.
async fn read_audited<T: serde::de::DeserializeOwned>(
    state: &State,
    audit: &Audit,
    body: JsonBody<T>,
) -> Result<T, ApiError> {
    match body.read().await {
        Ok(value) => Ok(value),
        Err(e) => Err(audit.clone().refused(state, e).await),
    }
}

fn page(limit: Option<i64>, cursor: Option<&str>) -> Result<(i64, Option<i64>), ApiError> {
    Ok((limit.unwrap_or(DEFAULT_PAGE), cursor.map(decode_cursor).transpose()?))
}

/// The checklists (巡察清单), newest first, with their own items (staff; villagers 403).
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Checklists", body = Vec<Checklist>),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Villagers do not read checklists")
    )
)]
#[get("/checklists")]
pub async fn get_checklists(state: State, caller: Caller) -> Result<HttpResponse, ApiError> {
    let lists = db(&state, move |conn| Ok(list_checklists(conn, &caller)?)).await?;
    Ok(HttpResponse::Ok().json(lists))
}

/// Record a checklist (admins): a common list, or an individual list for a kind of village that
/// adds its items to a common list ("1+N"). Items have a code, a title and a category.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    request_body = NewChecklist,
    responses(
        (status = 201, description = "Recorded", body = Checklist),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "A checklist of that name exists"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/checklists")]
pub async fn post_checklist(
    state: State,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<NewChecklist>,
) -> Result<HttpResponse, ApiError> {
    let audit = Audit::new("checklist.create", Some(&caller.username), &req);
    let who = caller.clone();
    authorize(&state, &audit, move |_| Ok(require_admin(&who)?)).await?;
    let new = read_audited(&state, &audit, body).await?;
    let now = state.clock.now();
    let list = db(&state, move |conn| {
        let result = create_checklist(conn, &caller, new, now).map_err(ApiError::from);
        let object = result.as_ref().ok().map(|c| c.id.clone());
        audit.record(conn, &result, object.as_deref());
        result
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, "/api/v1/checklists"))
        .json(list))
}

/// Mark a checklist item for a village of a round (the round's inspectors, within its window):
/// `no_problem`, `problem` (naming the finding recorded under the item) or `not_applicable`. A
/// later mark replaces the earlier one.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(MarkPath),
    request_body = MarkRequest,
    responses(
        (status = 200, description = "Marked", body = ItemMark),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an inspector"),
        (status = 404, description = "No such round of yours, village of the round or item of its checklist"),
        (status = 409, description = "The round's window is closed, or it has no checklist"),
        (status = 422, description = "A problem mark without its finding, or a finding of another village or item")
    )
)]
#[put("/inspections/{id}/villages/{code}/checklist/{item}")]
pub async fn put_mark(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<MarkPath>,
    body: JsonBody<MarkRequest>,
) -> Result<HttpResponse, ApiError> {
    let MarkPath { id, code, item } = path.into_inner();
    let mut audit = Audit::new("checklist.mark", Some(&caller.username), &req);
    audit.village = Some(crate::domain::truncate(&code));
    audit.object = Some(crate::domain::truncate(&id));
    let (who, round, today) = (caller.clone(), id.clone(), state.clock.today());
    authorize(&state, &audit, move |conn| {
        round_of_inspector(conn, &who, &round, today)?;
        Ok(())
    })
    .await?;
    let request = read_audited(&state, &audit, body).await?;
    let now = state.clock.now();
    let mark = db(&state, move |conn| {
        let result = set_mark(conn, &caller, (&id, &code, &item), request, now, today).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Ok().json(mark))
}

/// A round's progress through its checklist, per village and in all (admins and the round's
/// inspectors, also after its window).
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(InspectionPath),
    responses(
        (status = 200, description = "Progress", body = Progress),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither admin nor inspector"),
        (status = 404, description = "No such round in your scope")
    )
)]
#[get("/inspections/{id}/progress")]
pub async fn get_progress(
    state: State,
    caller: Caller,
    path: web::Path<InspectionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let today = state.clock.today();
    let p = db(&state, move |conn| Ok(progress(conn, &caller, &id, today)?)).await?;
    Ok(HttpResponse::Ok().json(p))
}

/// Record a finding (问题) of a round (its inspectors, within its window): a village of the
/// round, an item of its checklist, a description, the amount involved and evidence links. The
/// finding becomes a leaf of the transparency log (kind `finding`) in the same transaction.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(InspectionPath),
    request_body = NewFinding,
    responses(
        (status = 201, description = "Recorded", body = Finding),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an inspector"),
        (status = 404, description = "No such round of yours"),
        (status = 409, description = "The round's window is closed, or it has no checklist"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "A value is not acceptable: village, item, evidence, amount, deadline")
    )
)]
#[post("/inspections/{id}/findings")]
pub async fn post_finding(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<InspectionPath>,
    body: JsonBody<NewFinding>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let mut audit = Audit::new("finding.record", Some(&caller.username), &req);
    let (who, round, today) = (caller.clone(), id.clone(), state.clock.today());
    authorize(&state, &audit, move |conn| {
        round_of_inspector(conn, &who, &round, today)?;
        Ok(())
    })
    .await?;
    let new = read_audited(&state, &audit, body).await?;
    audit.village = Some(crate::domain::truncate(&new.village));
    let now = state.clock.now();
    let finding = db(&state, move |conn| {
        let result = record_finding(conn, &caller, &id, new, now, today).map_err(ApiError::from);
        if let Ok(f) = &result {
            audit.township = Some(f.township_code.clone());
        }
        let object = result.as_ref().ok().map(|f| f.id.clone());
        audit.record(conn, &result, object.as_deref());
        result
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/findings/{}", finding.id)))
        .json(finding))
}

/// A round's findings, oldest first, cursor-paginated (admins and the round's inspectors, also
/// after its window).
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(InspectionPath, RoundFindingQuery),
    responses(
        (status = 200, description = "A page of findings", body = FindingPage),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither admin nor inspector"),
        (status = 404, description = "No such round in your scope"),
        (status = 422, description = "limit out of range or a foreign cursor")
    )
)]
#[get("/inspections/{id}/findings")]
pub async fn get_round_findings(
    state: State,
    caller: Caller,
    path: web::Path<InspectionPath>,
    query: web::Query<RoundFindingQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let q = query.into_inner();
    let paging = page(q.limit, q.cursor.as_deref())?;
    let today = state.clock.today();
    let result = db(&state, move |conn| {
        Ok(round_findings(conn, &caller, &id, q.village.as_deref(), paging, today)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(result))
}

/// The findings of earlier rounds in the villages of a follow-up round (回头看), each with its
/// rectification state (admins and the round's inspectors); 409 for a round that follows up
/// none.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(InspectionPath, FindingListQuery),
    responses(
        (status = 200, description = "A page of findings", body = FindingPage),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither admin nor inspector"),
        (status = 404, description = "No such round in your scope"),
        (status = 409, description = "The round is not a follow-up round"),
        (status = 422, description = "limit out of range or a foreign cursor")
    )
)]
#[get("/inspections/{id}/follow-up")]
pub async fn get_follow_up(
    state: State,
    caller: Caller,
    path: web::Path<InspectionPath>,
    query: web::Query<FindingListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let q = query.into_inner();
    let paging = page(q.limit, q.cursor.as_deref())?;
    let today = state.clock.today();
    let result = db(&state, move |conn| Ok(follow_up(conn, &caller, &id, paging, today)?)).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One finding: admins, the inspectors of its round (also after its window), staff whose scope
/// reads its village, and its village's villagers once it is published.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(FindingPath),
    responses(
        (status = 200, description = "The finding", body = Finding),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such finding in your scope")
    )
)]
#[get("/findings/{id}")]
pub async fn get_finding(state: State, caller: Caller, path: web::Path<FindingPath>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let today = state.clock.today();
    let finding = db(&state, move |conn| {
        let row = readable_finding(conn, &caller, &id, today)?;
        Ok(finding_view(conn, row)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(finding))
}

/// The finding's leaf and its inclusion proof against a tree size (default: the latest
/// checkpoint), with the checkpoint signed at that size; readable as the finding is.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(FindingPath, ProofQuery),
    responses(
        (status = 200, description = "Leaf and proof", body = InclusionProof),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such finding in your scope"),
        (status = 409, description = "The finding is not yet in a checkpoint"),
        (status = 422, description = "Size outside the log")
    )
)]
#[get("/findings/{id}/proof")]
pub async fn get_finding_proof(
    state: State,
    caller: Caller,
    path: web::Path<FindingPath>,
    query: web::Query<ProofQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let requested = query.size;
    let today = state.clock.today();
    let proof = db(&state, move |conn| {
        let row = readable_finding(conn, &caller, &id, today)?;
        let (index, leaf) = find_leaf(conn, KIND_FINDING, &row.id)?
            .ok_or_else(|| ApiError::Internal(format!("finding {id} has no leaf")))?;
        let n = match requested {
            Some(n) => n,
            None => latest(conn)?.map(|c| c.size as u64).unwrap_or(0),
        };
        if n > size(conn)? {
            return Err(ApiError::Invalid(msg!("log-fewer-leaves", size = n)));
        }
        if index >= n {
            return Err(ApiError::Conflict(msg!(
                "findings-after-tree",
                finding = row.id.as_str(),
                index = index,
                size = n
            )));
        }
        let hashes = Tree::new(conn).inclusion_proof(index, n)?;
        Ok(InclusionProof {
            leaf_index: index,
            tree_size: n,
            leaf: STANDARD.encode(leaf),
            proof: hashes.iter().map(|h| STANDARD.encode(h)).collect(),
            checkpoint: at_size(conn, n)?.map(|c| c.note),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(proof))
}

/// Record what was done to rectify a finding (整改; clerks of the finding's township): a text,
/// and entries (a refund, a reversal) and receipts of its village. Refused once accepted.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(FindingPath),
    request_body = RectificationReport,
    responses(
        (status = 201, description = "Submitted", body = Rectification),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not a clerk"),
        (status = 404, description = "No such finding in your township"),
        (status = 409, description = "The finding requires no rectification, or it was accepted"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/findings/{id}/rectification")]
pub async fn post_rectification(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<FindingPath>,
    body: JsonBody<RectificationReport>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let mut audit = Audit::new("rectification.submit", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&id));
    let (who, finding) = (caller.clone(), id.clone());
    let row = authorize(&state, &audit, move |conn| Ok(check_rectifier(conn, &who, &finding)?)).await?;
    audit.village = Some(row.village_code);
    audit.township = Some(row.township_code);
    let report = read_audited(&state, &audit, body).await?;
    let now = state.clock.now();
    let result = db(&state, move |conn| {
        let result = submit_rectification(conn, &caller, &id, report, now).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

async fn judge(
    state: State,
    caller: Caller,
    req: HttpRequest,
    id: String,
    body: JsonBody<RectificationJudgement>,
    reopen: bool,
) -> Result<HttpResponse, ApiError> {
    let action = if reopen {
        "rectification.reopen"
    } else {
        "rectification.accept"
    };
    let mut audit = Audit::new(action, Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&id));
    let (who, finding) = (caller.clone(), id.clone());
    let row = authorize(&state, &audit, move |conn| Ok(check_judge(conn, &who, &finding)?)).await?;
    audit.village = Some(row.village_code);
    audit.township = Some(row.township_code);
    let judgement = read_audited(&state, &audit, body).await?;
    let now = state.clock.now();
    let result = db(&state, move |conn| {
        let result = judge_rectification(conn, &caller, &id, judgement, reopen, now).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Accept a finding's submitted rectification (inspectors of its round or of a follow-up round
/// over its village, and admins), with an optional note.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(FindingPath),
    request_body = RectificationJudgement,
    responses(
        (status = 200, description = "Accepted", body = Rectification),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither inspector nor admin"),
        (status = 404, description = "No such finding in your scope"),
        (status = 409, description = "Nothing submitted to accept (the state is named)"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/findings/{id}/rectification/accept")]
pub async fn post_rectification_accept(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<FindingPath>,
    body: JsonBody<RectificationJudgement>,
) -> Result<HttpResponse, ApiError> {
    judge(state, caller, req, path.into_inner().id, body, false).await
}

/// Reopen a finding's submitted or accepted rectification, with a reason (inspectors of its
/// round or of a follow-up round over its village, and admins).
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(FindingPath),
    request_body = RectificationJudgement,
    responses(
        (status = 200, description = "Reopened", body = Rectification),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither inspector nor admin"),
        (status = 404, description = "No such finding in your scope"),
        (status = 409, description = "Nothing submitted or accepted to reopen (the state is named)"),
        (status = 422, description = "No reason, or a reason not acceptable")
    )
)]
#[post("/findings/{id}/rectification/reopen")]
pub async fn post_rectification_reopen(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<FindingPath>,
    body: JsonBody<RectificationJudgement>,
) -> Result<HttpResponse, ApiError> {
    judge(state, caller, req, path.into_inner().id, body, true).await
}

/// Publish a finding of a closed round to its village (admins; 两反馈三通报): a text and a
/// status, never a reporter's identity. A later publication replaces what the village reads.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(FindingPath),
    request_body = NewPublication,
    responses(
        (status = 201, description = "Published", body = Publication),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such finding"),
        (status = 409, description = "The finding's round is still open"),
        (status = 413, description = "Body too large"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/findings/{id}/publication")]
pub async fn post_publication(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<FindingPath>,
    body: JsonBody<NewPublication>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let mut audit = Audit::new("finding.publish", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&id));
    let who = caller.clone();
    authorize(&state, &audit, move |_| Ok(check_publisher(&who)?)).await?;
    let new = read_audited(&state, &audit, body).await?;
    let (now, today) = (state.clock.now(), state.clock.today());
    let publication = db(&state, move |conn| {
        let result = publish(conn, &caller, &id, new, now, today).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Created().json(publication))
}

/// A village's findings, oldest first, cursor-paginated: every one for staff whose scope reads
/// the village, the published ones for its villagers.
#[utoipa::path(
    tag = "inspection",
    security(("bearer" = [])),
    params(VillagePath, FindingListQuery),
    responses(
        (status = 200, description = "A page of findings", body = FindingPage),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such village in your scope"),
        (status = 422, description = "limit out of range or a foreign cursor")
    )
)]
#[get("/villages/{code}/findings")]
pub async fn get_village_findings(
    state: State,
    caller: Caller,
    path: web::Path<VillagePath>,
    query: web::Query<FindingListQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.into_inner().code)?;
    let q = query.into_inner();
    let paging = page(q.limit, q.cursor.as_deref())?;
    let today = state.clock.today();
    let result = db(&state, move |conn| {
        Ok(village_findings(conn, &caller, &code, paging, today)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(result))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_checklists)
        .service(post_checklist)
        .service(put_mark)
        .service(get_progress)
        .service(post_finding)
        .service(get_round_findings)
        .service(get_follow_up)
        .service(get_finding)
        .service(get_finding_proof)
        .service(post_rectification)
        .service(post_rectification_accept)
        .service(post_rectification_reopen)
        .service(post_publication)
        .service(get_village_findings);
}
