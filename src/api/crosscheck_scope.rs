//! The scope a cross-check result covers, as both the red flags (`api::crosscheck`) and the
//! reconciliation (`api::reconcile`) report it. Who may run one over which villages is decided
//! by the service (`crosscheck::scope`).

use serde::Serialize;

use crate::crosscheck::{Scope, ScopeKind};

/// The scope a result covers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScopeView {
    pub kind: ScopeKind,
    pub code: Option<String>,
    pub villages: usize,
}

impl From<&Scope> for ScopeView {
    fn from(s: &Scope) -> Self {
        ScopeView {
            kind: s.kind,
            code: (!s.code.is_empty()).then(|| s.code.clone()),
            villages: s.villages.len(),
        }
    }
}
