//! HTTP only: one file per resource, thin handlers (parse, authorize, call one service
//! function, shape the answer). The whole app is built once, by [`app`]; its state is
//! [`state`], the OpenAPI document's own parts [`openapi`], problem documents [`problem`].

pub mod access;
pub mod app;
pub mod audit_trail;
pub mod clock;
pub mod openapi;
pub mod params;
pub mod startup;
pub mod state;

pub mod accounts;
pub mod addressees;
pub mod audit;
pub mod auth;
pub mod crosscheck;
pub mod crosscheck_scope;
pub mod entries;
// import and export (issue 19)
pub mod exports;
pub mod findings;
pub mod health;
pub mod imports;
pub mod inspections;
pub mod json;
pub mod log;
pub mod metrics;
pub mod middleware;
pub mod page_cache;
// web: the villagers' phone page
pub mod page;
pub mod pages;
pub mod problem;
pub mod questions;
pub mod receipts;
pub mod reconcile;
pub mod telemetry;
pub mod tenders;
pub mod tickets;
pub mod townships;
pub mod users;
pub mod villages;

pub use access::village_code;
pub use app::{build_app, openapi};
pub use audit_trail::{Audit, authorize, source_of};
pub use clock::today;
pub use startup::load_state;
pub use state::{AppState, State, db};
