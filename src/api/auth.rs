//! Sign-in and tokens, and the extractor that turns a bearer token into a [`Caller`].

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, post};
use serde::{Deserialize, Serialize};

use crate::api::audit_trail::Audit;
use crate::api::json::Json;
use crate::api::problem::ApiError;
use crate::api::state::{State, db, quick_read};
use crate::auth::Caller;
use crate::auth::login::{LoginOutcome, failure_delay, locked_error, refresh, revoke_refresh_token, sign_in};
use crate::auth::tokens::{ACCESS_TOKEN_SECONDS, MAX_TOKEN_BYTES, issue_access_token, verify_access_token};
use crate::auth::users::is_enabled;
use crate::msg;

/// Verifies the bearer token, then that its account is still enabled: a disabled user's token
/// is a 401 on every route, whatever the handler checks next and in which order.
///
/// Both answers usually come from memory: a token's signature is verified once
/// ([`crate::auth::verified`]), and the enabled flag read from the database is trusted for
/// `VL_FRESHNESS_MS` (disabling through this server forgets it at once; see [`crate::config`]).
impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = caller_of(req);
        let state = req.app_data::<State>().cloned();
        Box::pin(async move {
            let caller = verified?;
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            let enabled = match state.enabled.fresh(&caller.username) {
                Some(enabled) => enabled,
                None => {
                    let ticket = state.enabled.ticket();
                    let username = caller.username.clone();
                    let enabled = quick_read(&state, move |conn| Ok(is_enabled(conn, &username)?)).await?;
                    state.enabled.install(&caller.username, enabled, ticket);
                    enabled
                }
            };
            if enabled {
                Ok(caller)
            } else {
                Err(ApiError::Unauthorized(msg!("auth-account-disabled")))
            }
        })
    }
}

fn caller_of(req: &HttpRequest) -> Result<Caller, ApiError> {
    let missing = || ApiError::Unauthorized(msg!("auth-missing-token"));
    let state = req
        .app_data::<State>()
        .ok_or_else(|| ApiError::Internal("no app state".into()))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(missing)?;
    let value = header.to_str().map_err(|_| missing())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(missing());
    }
    let token = token.trim();
    let now = chrono::Utc::now();
    if token.len() <= MAX_TOKEN_BYTES
        && let Some(known) = state.verified.get(token, now.timestamp())
        && state.keys.accepts(&known.kid, now)
    {
        return Ok(known.caller);
    }
    let verified = verify_access_token(&state.keys, &state.tokens, token)?;
    state.verified.insert(token, &verified, now.timestamp());
    Ok(verified.caller)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "a-villager", "password": "correct horse battery"}))]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// EdDSA-signed JWT.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 3600)]
    pub expires_in: i64,
    /// Opaque, single use, valid 30 days.
    pub refresh_token: String,
}

fn token_response(state: &State, caller: &Caller, refresh_token: String) -> Result<HttpResponse, ApiError> {
    let access_token = issue_access_token(&state.keys, &state.tokens, caller)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: ACCESS_TOKEN_SECONDS,
            refresh_token,
        }))
}

/// Sign in with a username and password.
///
/// Wrong passwords slow the answers down; after several in a row the username is locked for
/// a while (429).
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Malformed body"),
        (status = 401, description = "Wrong username or password"),
        (status = 429, description = "Username locked after repeated failures")
    )
)]
#[post("/auth/token")]
pub async fn create_token(state: State, req: HttpRequest, body: Json<TokenRequest>) -> Result<HttpResponse, ApiError> {
    let TokenRequest { username, password } = body.into_inner();
    let audit = Audit::new("auth.token", Some(&crate::domain::truncate(&username)), &req);
    if username.len() > 64 || password.len() > 1024 {
        // No such user can exist: refused without a lookup, but recorded like any failure.
        let refused = || ApiError::Unauthorized(msg!("auth-wrong-password"));
        db(&state, move |conn| {
            audit.record(conn, &Err::<(), _>(refused()), None);
            Ok(())
        })
        .await?;
        return Err(refused());
    }
    let arrived = tokio::time::Instant::now();
    let st = state.clone();
    let outcome = db(&state, move |conn| {
        let result = sign_in(conn, &st.unknown_users, st.login_policy, &username, &password).map_err(ApiError::from);
        let as_result = match &result {
            Ok(LoginOutcome::Success { .. }) => Ok(()),
            Ok(LoginOutcome::Locked) => Err(ApiError::Locked(msg!("auth-locked"))),
            Ok(LoginOutcome::Failed { .. }) => Err(ApiError::Unauthorized(msg!("auth-wrong-password"))),
            Err(_) => Err(ApiError::Internal(String::new())),
        };
        audit.record(conn, &as_result, None);
        result
    })
    .await?;
    match outcome {
        LoginOutcome::Success { caller, refresh_token } => token_response(&state, &caller, refresh_token),
        LoginOutcome::Failed { failures } => {
            tokio::time::sleep_until(arrived + failure_delay(failures)).await;
            Err(ApiError::Unauthorized(msg!("auth-wrong-password")))
        }
        LoginOutcome::Locked => {
            tokio::time::sleep_until(arrived + failure_delay(1)).await;
            Err(locked_error().into())
        }
    }
}

/// Trade a refresh token for a new access token and refresh token.
///
/// A refresh token works once; presenting it again revokes all of the user's refresh tokens.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 400, description = "Malformed body"),
        (status = 401, description = "Unknown, used, expired or revoked refresh token")
    )
)]
#[post("/auth/refresh")]
pub async fn post_refresh(
    state: State,
    req: HttpRequest,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().refresh_token;
    let audit = Audit::new("auth.refresh", None, &req);
    let (caller, next) = db(&state, move |conn| {
        let result = refresh(conn, &token).map_err(ApiError::from);
        let actor = result.as_ref().ok().map(|(c, _)| c.username.clone());
        let audit = Audit { actor, ..audit };
        audit.record(conn, &result, None);
        result
    })
    .await?;
    token_response(&state, &caller, next)
}

/// Sign out: revoke a refresh token.
///
/// The refresh token presented can no longer be traded; the access tokens issued with it expire
/// on their own (one hour). Needs no access token, so a phone that was away longer than an hour
/// can still sign out. Answers 204 whether or not the token was live (signing out twice is not
/// an error); the audit log records whose token it was.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The refresh token is revoked (or was not live)"),
        (status = 400, description = "Malformed body")
    )
)]
#[post("/auth/logout")]
pub async fn post_logout(state: State, req: HttpRequest, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().refresh_token;
    let audit = Audit::new("auth.logout", None, &req);
    db(&state, move |conn| {
        let result = revoke_refresh_token(conn, &token).map_err(ApiError::from);
        let actor = result.as_ref().ok().cloned().flatten();
        let audit = Audit { actor, ..audit };
        audit.record(conn, &result, None);
        result
    })
    .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .finish())
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token).service(post_refresh).service(post_logout);
}
