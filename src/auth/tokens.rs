//! Access tokens (EdDSA-signed JWTs, one hour) and refresh tokens (opaque, stored hashed,
//! thirty days, single use).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::error::{AuthError, TokenFault};
use crate::auth::keys::KeyRing;
use crate::auth::{Caller, Role};

pub const ACCESS_TOKEN_SECONDS: i64 = 3600;
pub const REFRESH_TOKEN_DAYS: i64 = 30;
/// No honest token comes near this size; anything longer is refused before parsing.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    /// The village of a villager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    /// The township of a clerk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// Where tokens come from and go to.
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
}

pub fn issue_access_token(keys: &KeyRing, settings: &TokenSettings, caller: &Caller) -> Result<String, AuthError> {
    let (kid, key) = keys.signing().ok_or(AuthError::NoSigningKey)?;
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: caller.username.clone(),
        role: caller.role,
        village: caller.village.clone(),
        township: caller.township.clone(),
        iss: settings.issuer.clone(),
        aud: settings.audience.clone(),
        iat: now,
        nbf: now,
        exp: now + ACCESS_TOKEN_SECONDS,
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid);
    jsonwebtoken::encode(&header, &claims, &key).map_err(AuthError::Sign)
}

fn unauthorized(fault: TokenFault) -> AuthError {
    AuthError::BadAccessToken { fault }
}

/// Verifies an access token: EdDSA only, a known and unexpired key, issuer, audience, subject,
/// expiry and not-before.
pub fn verify_access_token(keys: &KeyRing, settings: &TokenSettings, token: &str) -> Result<VerifiedToken, AuthError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(unauthorized(TokenFault::TooLong));
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| unauthorized(TokenFault::Malformed))?;
    if header.alg != Algorithm::EdDSA {
        return Err(unauthorized(TokenFault::WrongAlgorithm));
    }
    let kid = header.kid.ok_or_else(|| unauthorized(TokenFault::NoKeyId))?;
    let key = keys
        .verifying(&kid, Utc::now())
        .ok_or_else(|| unauthorized(TokenFault::UnknownKey))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "aud", "iss", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = 30;
    let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
        tracing::debug!(error = %e, "access token refused");
        unauthorized(TokenFault::SignatureOrClaims)
    })?;
    let claims = data.claims;
    if claims.sub.is_empty() {
        return Err(unauthorized(TokenFault::NoSubject));
    }
    let caller = Caller {
        username: claims.sub,
        role: claims.role,
        village: claims.village,
        township: claims.township,
    };
    Ok(VerifiedToken {
        caller,
        exp: claims.exp,
        kid,
    })
}

/// What a verified access token says, and what it takes to go on accepting it.
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    pub caller: Caller,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// The key that signed it.
    pub kid: String,
}

/// A new opaque refresh token and the hash that is stored for it.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("rt_{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn refresh_expiry() -> chrono::NaiveDateTime {
    crate::domain::clock::now_utc() + Duration::days(REFRESH_TOKEN_DAYS)
}
