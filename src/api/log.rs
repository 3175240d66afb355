//! The transparency log over HTTP: the latest signed checkpoint, the verifier key, inclusion
//! proofs of entries (within the caller's scope), consistency proofs, the closing checkpoints of
//! a village's months, and the checkpoints inspectors compared against.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::access::{Access, entry_in_scope, village_code, village_in_scope};
use crate::api::audit_trail::{Audit, authorize};
use crate::api::clock::today;
use crate::api::json::JsonBody;
use crate::api::params::{EntryPath, InspectionPath, VillagePath};
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::{Caller, Role};
use crate::db::schema::inspection_checkpoints;
use crate::ledger::periods::{ClosedPeriod, list_closed};
use crate::msg;
use crate::tlog::checkpoint::{at_size, latest};
use crate::tlog::leaf::KIND_ENTRY;
use crate::tlog::proof::{ConsistencyProof, InclusionProof};
use crate::tlog::{Tree, find_leaf, size};

fn text(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(body)
}

/// The latest signed checkpoint (C2SP tlog-checkpoint, as a signed note).
#[utoipa::path(
    tag = "log",
    responses(
        (status = 200, description = "The signed note", body = String, content_type = "text/plain"),
        (status = 404, description = "No checkpoint signed yet")
    )
)]
#[get("/log/checkpoint")]
pub async fn get_checkpoint(state: State) -> Result<HttpResponse, ApiError> {
    let cp = db(&state, |conn| Ok(latest(conn)?)).await?;
    cp.map(|c| text(c.note))
        .ok_or_else(|| ApiError::NotFound(msg!("log-no-checkpoint")))
}

/// The verifier key of the checkpoints: `<name>+<key hash>+<base64(0x01 ‖ Ed25519 key)>`.
#[utoipa::path(
    tag = "log",
    responses(
        (status = 200, description = "The verifier key", body = String, content_type = "text/plain"),
        (status = 503, description = "Not available")
    )
)]
#[get("/log/key")]
pub async fn get_key(state: State) -> HttpResponse {
    text(state.log.verifier_key() + "\n")
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProofQuery {
    /// Tree size to prove against (default: the latest checkpoint).
    #[param(minimum = 1)]
    pub size: Option<u64>,
}

/// The entry's leaf and its inclusion proof against a tree size (default: the latest
/// checkpoint), with the checkpoint signed at that size.
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    params(EntryPath, ProofQuery),
    responses(
        (status = 200, description = "Leaf and proof", body = InclusionProof),
        (status = 400, description = "Bad query string"),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such entry in your scope"),
        (status = 409, description = "The entry is not yet in a checkpoint"),
        (status = 422, description = "Size outside the log")
    )
)]
#[get("/entries/{id}/proof")]
pub async fn get_entry_proof(
    state: State,
    caller: Caller,
    path: web::Path<EntryPath>,
    query: web::Query<ProofQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let requested = query.size;
    let proof = db(&state, move |conn| {
        let (row, _) = entry_in_scope(conn, &caller, &id, Access::Read)?;
        let (index, leaf) = find_leaf(conn, KIND_ENTRY, row.id.as_str())?
            .ok_or_else(|| ApiError::Internal(format!("entry {id} has no leaf")))?;
        let n = match requested {
            Some(n) => n,
            None => latest(conn)?.map(|c| c.size as u64).unwrap_or(0),
        };
        if n > size(conn)? {
            return Err(ApiError::Invalid(msg!("log-fewer-leaves", size = n)));
        }
        if index >= n {
            return Err(ApiError::Conflict(msg!(
                "log-entry-after-tree",
                entry = id.as_str(),
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size.
    #[param(minimum = 1)]
    pub from: u64,
    /// The newer tree size (default: the latest checkpoint).
    #[param(minimum = 1)]
    pub to: Option<u64>,
}

/// A consistency proof between two tree sizes: everything in the older tree is unchanged in
/// the newer one.
#[utoipa::path(
    tag = "log",
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyProof),
        (status = 400, description = "Bad query string"),
        (status = 422, description = "Sizes outside the log or in the wrong order")
    )
)]
#[get("/log/consistency")]
pub async fn get_consistency(state: State, query: web::Query<ConsistencyQuery>) -> Result<HttpResponse, ApiError> {
    let ConsistencyQuery { from, to } = query.into_inner();
    let proof = db(&state, move |conn| {
        let to = match to {
            Some(n) => n,
            None => latest(conn)?.map(|c| c.size as u64).unwrap_or(0),
        };
        if to > size(conn)? || from == 0 || from > to {
            return Err(ApiError::Invalid(msg!(
                "log-no-consistency-proof",
                from = from,
                to = to
            )));
        }
        let hashes = Tree::new(conn).consistency_proof(from, to)?;
        Ok(ConsistencyProof {
            from,
            to,
            proof: hashes.iter().map(|h| STANDARD.encode(h)).collect(),
            from_checkpoint: at_size(conn, from)?.map(|c| c.note),
            to_checkpoint: at_size(conn, to)?.map(|c| c.note),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(proof))
}

/// The village's closed months, newest first, each with the checkpoint signed at its close.
#[utoipa::path(
    tag = "ledger",
    security(("bearer" = [])),
    params(VillagePath),
    responses(
        (status = 200, description = "Closed months", body = Vec<ClosedPeriod>),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such village in your scope")
    )
)]
#[get("/villages/{code}/periods")]
pub async fn get_periods(state: State, caller: Caller, path: web::Path<VillagePath>) -> Result<HttpResponse, ApiError> {
    let code = village_code(&path.into_inner().code)?;
    let periods = db(&state, move |conn| {
        village_in_scope(conn, &caller, &code, Access::Read)?;
        Ok(list_closed(conn, &code)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(periods))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordCheckpoint {
    /// The size of a signed checkpoint the inspectors compared against.
    #[schema(minimum = 0)]
    #[serde(deserialize_with = "crate::domain::deserialize_whole")]
    pub size: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordedCheckpoint {
    pub inspection_id: String,
    pub size: u64,
    pub checkpoint: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// The round, if the caller may read it: admins, and the round's own inspectors.
fn may_use_round(
    conn: &mut crate::db::DbConn,
    caller: &Caller,
    id: &str,
) -> Result<crate::auth::inspections::Inspection, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Inspector) {
        return Err(ApiError::Forbidden(msg!("log-round-recorders")));
    }
    let round = crate::auth::inspections::find_inspection(conn, id, today())?;
    if caller.role == Role::Inspector && !round.inspectors.contains(&caller.username) {
        return Err(ApiError::NotFound(msg!(
            "auth-inspection-not-found",
            id = crate::domain::truncate(id)
        )));
    }
    Ok(round)
}

/// The round, if the caller may still record in it: once a round's window has closed its
/// inspectors keep reading it but record nothing new.
fn may_record_in_round(
    conn: &mut crate::db::DbConn,
    caller: &Caller,
    id: &str,
) -> Result<crate::auth::inspections::Inspection, ApiError> {
    let round = may_use_round(conn, caller, id)?;
    if caller.role == Role::Inspector && !round.open {
        return Err(ApiError::Forbidden(msg!(
            "log-round-over",
            id = round.id.as_str(),
            starts_on = round.starts_on,
            ends_on = round.ends_on
        )));
    }
    Ok(round)
}

fn recorded(conn: &mut crate::db::DbConn, id: &str) -> Result<Vec<RecordedCheckpoint>, ApiError> {
    let rows: Vec<(i64, String, chrono::NaiveDateTime)> = inspection_checkpoints::table
        .filter(inspection_checkpoints::inspection_id.eq(id))
        .order(inspection_checkpoints::size)
        .select((
            inspection_checkpoints::size,
            inspection_checkpoints::recorded_by,
            inspection_checkpoints::recorded_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(size, by, at)| {
            Ok(RecordedCheckpoint {
                inspection_id: id.to_owned(),
                size: size as u64,
                checkpoint: at_size(conn, size as u64)?.map(|c| c.note).unwrap_or_default(),
                recorded_by: by,
                recorded_at: at.and_utc(),
            })
        })
        .collect()
}

/// Record the checkpoint an inspection round compared against (its inspectors and admins).
/// A later consistency proof from this size shows nothing seen then was rewritten.
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    params(InspectionPath),
    request_body = RecordCheckpoint,
    responses(
        (status = 201, description = "Recorded", body = RecordedCheckpoint),
        (status = 200, description = "Recorded before", body = RecordedCheckpoint),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither admin nor inspector"),
        (status = 404, description = "No such round in your scope"),
        (status = 422, description = "No checkpoint of that size")
    )
)]
#[post("/inspections/{id}/checkpoints")]
pub async fn post_inspection_checkpoint(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<InspectionPath>,
    body: JsonBody<RecordCheckpoint>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let mut audit = Audit::new("inspection.checkpoint", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&id));
    let (who, round) = (caller.clone(), id.clone());
    authorize(&state, &audit, move |conn| {
        may_record_in_round(conn, &who, &round).map(drop)
    })
    .await?;
    let size = body.read().await?.size;
    let (created, cp) = db(&state, move |conn| {
        let result = crate::db::write_transaction(conn, |conn| {
            let Ok(size) = u64::try_from(size) else {
                return Err(ApiError::Invalid(msg!("log-negative-size")));
            };
            may_record_in_round(conn, &caller, &id)?;
            if at_size(conn, size)?.is_none() {
                return Err(ApiError::Invalid(msg!("log-no-checkpoint-at", size = size)));
            }
            let exists: i64 = inspection_checkpoints::table
                .find((&id, size as i64))
                .count()
                .get_result(conn)?;
            let created = exists == 0;
            if created {
                diesel::insert_into(inspection_checkpoints::table)
                    .values((
                        inspection_checkpoints::inspection_id.eq(&id),
                        inspection_checkpoints::size.eq(size as i64),
                        inspection_checkpoints::recorded_by.eq(&caller.username),
                        inspection_checkpoints::recorded_at.eq(crate::domain::clock::now_utc()),
                    ))
                    .execute(conn)?;
            }
            let cp = recorded(conn, &id)?.into_iter().find(|c| c.size == size);
            Ok((
                created,
                cp.ok_or_else(|| ApiError::Internal("recorded checkpoint vanished".into()))?,
            ))
        });
        audit.record(conn, &result, None);
        result
    })
    .await?;
    let mut res = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.insert_header((header::CACHE_CONTROL, "no-store")).json(cp))
}

/// The checkpoints an inspection round recorded.
#[utoipa::path(
    tag = "log",
    security(("bearer" = [])),
    params(InspectionPath),
    responses(
        (status = 200, description = "Recorded checkpoints", body = Vec<RecordedCheckpoint>),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Neither admin nor inspector"),
        (status = 404, description = "No such round in your scope")
    )
)]
#[get("/inspections/{id}/checkpoints")]
pub async fn get_inspection_checkpoints(
    state: State,
    caller: Caller,
    path: web::Path<InspectionPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let list = db(&state, move |conn| {
        may_use_round(conn, &caller, &id)?;
        recorded(conn, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_checkpoint)
        .service(get_key)
        .service(get_entry_proof)
        .service(get_consistency)
        .service(get_periods)
        .service(post_inspection_checkpoint)
        .service(get_inspection_checkpoints);
}
