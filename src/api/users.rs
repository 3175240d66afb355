//! User administration (admins): create, list, disable.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use crate::api::audit_trail::{Audit, authorize};
use crate::api::json::JsonBody;
use crate::api::params::UserPath;
use crate::api::problem::ApiError;
use crate::api::state::{State, db};
use crate::auth::Caller;
use crate::auth::passwords::generate_password;
use crate::auth::scope::require_admin;
use crate::auth::users::{NewUser, UserView, add_user, disable_user, list_users};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "clerk-haiyou", "role": "clerk", "township": "331022001000"}))]
pub struct CreateUserRequest {
    #[serde(flatten)]
    pub user: NewUser,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: UserView,
    /// Generated password, shown once.
    pub password: String,
}

/// Create a user with a generated password, shown once (admins).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = CreatedUser),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 409, description = "Username taken"),
        (status = 422, description = "A value is not acceptable")
    )
)]
#[post("/users")]
pub async fn post_user(
    state: State,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let mut audit = Audit::new("user.create", Some(&caller.username), &req);
    authorize(&state, &audit, move |_| Ok(require_admin(&caller)?)).await?;
    let new = body.read().await?;
    audit.object = Some(crate::domain::truncate(&new.username));
    let password = generate_password();
    let created = db(&state, move |conn| {
        let result = add_user(conn, new, &password).map_err(ApiError::from);
        audit.record(conn, &result, None);
        result.map(|user| CreatedUser { user, password })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// List users (admins).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Users", body = Vec<UserView>),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin")
    )
)]
#[get("/users")]
pub async fn get_users(state: State, caller: Caller) -> Result<HttpResponse, ApiError> {
    let users = db(&state, move |conn| {
        require_admin(&caller)?;
        Ok(list_users(conn)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(users))
}

/// Disable a user (admins): their tokens stop working and their refresh tokens are revoked.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(UserPath),
    responses(
        (status = 200, description = "Disabled", body = UserView),
        (status = 401, description = "No or bad token"),
        (status = 403, description = "Not an admin"),
        (status = 404, description = "No such user")
    )
)]
#[post("/users/{username}/disable")]
pub async fn post_user_disable(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    let username = path.into_inner().username;
    let mut audit = Audit::new("user.disable", Some(&caller.username), &req);
    audit.object = Some(crate::domain::truncate(&username));
    let user = db(&state, move |conn| {
        let result = require_admin(&caller)
            .and_then(|()| disable_user(conn, &username))
            .map_err(ApiError::from);
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::Ok().json(user))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(post_user).service(get_users).service(post_user_disable);
}
