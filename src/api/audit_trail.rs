//! Recording audited writes: what a write is about ([`Audit`]), filled in as the handler
//! learns it, and its outcome, recorded whether the write was done or refused. The audit log's
//! route is [`crate::api::audit`].

use actix_web::HttpRequest;

use crate::api::problem::{ApiError, ApiResult};
use crate::api::state::{State, db};
use crate::auth::audit::{AuditEvent, record};
use crate::db::DbConn;

/// The peer address of a request, for the audit log (never a forwarded header, which a
/// client can forge).
pub fn source_of(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// What an audited write is about; the outcome is filled in after it ran.
#[derive(Clone)]
pub struct Audit {
    pub actor: Option<String>,
    pub action: &'static str,
    pub object: Option<String>,
    pub village: Option<String>,
    pub township: Option<String>,
    pub source: Option<String>,
}

impl Audit {
    pub fn new(action: &'static str, actor: Option<&str>, req: &HttpRequest) -> Self {
        Audit {
            actor: actor.map(str::to_owned),
            action,
            object: None,
            village: None,
            township: None,
            source: source_of(req),
        }
    }

    /// Records the outcome of `result`; a failure to record is logged, not returned, so the
    /// caller learns the outcome of the write itself.
    pub fn record<T>(&self, conn: &mut DbConn, result: &ApiResult<T>, object: Option<&str>) {
        let outcome = match result {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.status().to_string(),
        };
        self.record_outcome(conn, &outcome, object);
    }

    /// Records the refusal `error` on the blocking pool and hands it back, for handlers that
    /// refuse before their work starts.
    pub async fn refused(self, state: &State, error: ApiError) -> ApiError {
        let outcome = error.status().to_string();
        let _ = db(state, move |conn| {
            self.record_outcome(conn, &outcome, None);
            Ok(())
        })
        .await;
        error
    }

    /// Records an outcome given as `ok` or the HTTP status of the refusal.
    pub fn record_outcome(&self, conn: &mut DbConn, outcome: &str, object: Option<&str>) {
        let event = AuditEvent {
            actor: self.actor.as_deref(),
            action: self.action,
            object: object.or(self.object.as_deref()),
            village: self.village.as_deref(),
            township: self.township.as_deref(),
            outcome,
            source: self.source.as_deref(),
        };
        if let Err(e) = record(conn, &event) {
            tracing::error!(error = %e, action = self.action, "cannot write the audit log");
        }
    }
}

/// Runs the checks of a write (role from the token, scope from the path) before its body is
/// read: a refusal is audited and returned, so a caller who may not write is answered without
/// the service reading a byte of what they send.
pub async fn authorize<T, F>(state: &State, audit: &Audit, check: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
{
    let audit = audit.clone();
    db(state, move |conn| {
        let result = check(conn);
        if result.is_err() {
            audit.record(conn, &result, None);
        }
        result
    })
    .await
}
