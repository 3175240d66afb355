//! The cross-check for inspection groups (巡察组): findings reconciled with the ledger
//! ([`reconcile`]) and red flags computed over a scope of villages ([`flags`]), both over the
//! scope's entries loaded once into compact per-village books ([`book`]).
//!
//! Nothing here knows about HTTP: the caller's scope is resolved into a [`Scope`]
//! ([`scope::resolve_scope`]), and every refusal or failure is a [`CrosscheckError`] that the API
//! turns into a problem document.

pub mod book;
pub mod error;
pub mod findings;
pub mod flags;
pub mod holidays;
pub mod names;
pub mod reconcile;
pub mod scope;
pub mod sheet;

pub use error::{CrosscheckError, FindingError, ToleranceError};
pub use scope::{DateWindow, Scope, ScopeKind, ScopeVillage, VillageFilter, scope_villages};
