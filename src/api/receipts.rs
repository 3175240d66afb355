//! Receipt scans over HTTP: the hardened upload ([`upload`]), the phone renditions and the
//! untouched original, never to villagers ([`files`]), one receipt, and withdrawal.

use actix_web::{FromRequest, HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use crate::api::access::{Access, receipt_in_scope};
use crate::api::audit_trail::Audit;
use crate::api::json::Json;
use crate::api::params::ReceiptPath;
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::domain::clock::now_utc;
use crate::ledger::receipts::{Receipt, ReceiptUrls, WithdrawalRow, insert_withdrawal, receipt_view, withdrawal_of};
use crate::receipts::access::may_withdraw;
use crate::receipts::withdraw::{WithdrawalPlan, plan_withdrawal};

mod errors;
mod files;
pub mod qr_search;
mod upload;

pub use files::ImageQuery;
pub use upload::ReceiptUpload;

/// One receipt: what was read from it, its renditions, whether it was withdrawn.
#[utoipa::path(
    tag = "receipts",
    security(("bearer" = [])),
    params(ReceiptPath),
    responses(
        (status = 200, description = "The receipt", body = Receipt),
        (status = 401, description = "No or bad token"),
        (status = 404, description = "No such receipt in your scope")
    )
)]
#[get("/receipts/{id}")]
pub async fn get_receipt(state: State, caller: Caller, path: web::Path<ReceiptPath>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let receipt = db(&state, move |conn| {
        let (row, _) = receipt_in_scope(conn, &caller, &id, Access::Read)?;
        Ok(receipt_view(conn, row, receipt_urls)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(receipt))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "附错了凭证"}))]
pub struct WithdrawalRequest {
    /// Why the receipt is withdrawn; at most 500 characters.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

/// Withdraw a wrongly attached receipt (clerks in scope). It stays visible, marked withdrawn;
/// nothing is deleted. Withdrawing again with the same reason answers 200.
#[utoipa::path(
    tag = "receipts",
    security(("bearer" = [])),
    params(ReceiptPath),
    request_body = WithdrawalRequest,
    responses(
        (status = 201, description = "Withdrawn", body = Receipt),
        (status = 200, description = "Withdrawn before with this reason", body = Receipt),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Your role cannot withdraw receipts"),
        (status = 404, description = "No such receipt in your scope"),
        (status = 409, description = "Already withdrawn for another reason"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/receipts/{id}/withdrawal")]
pub async fn post_withdrawal(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<ReceiptPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().id;
    let mut audit = Audit::new("receipt.withdraw", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&id));
    // Role and scope are settled before the body is read.
    let (c, i) = (caller.clone(), id.clone());
    let checked = async {
        may_withdraw(&caller)?;
        db(&state, move |conn| {
            receipt_in_scope(conn, &c, &i, Access::Write)?;
            Ok(())
        })
        .await
    }
    .await;
    if let Err(e) = checked {
        return Err(audit.refused(&state, e).await);
    }
    let reason = Json::<WithdrawalRequest>::from_request(&req, &mut payload.into_inner())
        .await?
        .into_inner()
        .reason;
    let (created, receipt) = db(&state, move |conn| {
        let result = crate::db::write_transaction(conn, |conn| {
            let (row, _) = receipt_in_scope(conn, &caller, &id, Access::Write)?;
            audit.village = Some(row.village_code.clone());
            let earlier = withdrawal_of(conn, &id)?.map(|w| w.reason);
            match plan_withdrawal(&caller, &id, &reason, earlier.as_deref(), now_utc())? {
                WithdrawalPlan::AlreadyDone => Ok((false, row)),
                WithdrawalPlan::Record(w) => {
                    let withdrawal = WithdrawalRow {
                        receipt_id: w.receipt_id.into(),
                        reason: w.reason,
                        withdrawn_by: w.withdrawn_by,
                        withdrawn_at: w.withdrawn_at,
                    };
                    insert_withdrawal(conn, &withdrawal, &row.village_code)?;
                    Ok((true, row))
                }
            }
        });
        audit.record(conn, &result, None);
        let (created, row) = result?;
        Ok((created, receipt_view(conn, row, receipt_urls)?))
    })
    .await?;
    Ok(if created {
        HttpResponse::Created().json(receipt)
    } else {
        HttpResponse::Ok().json(receipt)
    })
}

/// Where this api serves a receipt's renditions and original.
pub fn receipt_urls(id: &str) -> ReceiptUrls {
    let base = format!("/api/v1/receipts/{id}");
    ReceiptUrls {
        thumb: format!("{base}/image?size=thumb"),
        screen: format!("{base}/image?size=screen"),
        full: format!("{base}/image?size=full"),
        original: format!("{base}/original"),
    }
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload::post_receipt)
        .service(get_receipt)
        .service(files::get_receipt_image)
        .service(files::get_receipt_original)
        .service(post_withdrawal);
}
