//! The integration tests: one binary, one module per area, all through the real app (the actix
//! test service in process, or the real server binary over TCP). `support` holds the harness.
//!
//! `cargo test --test api` runs them all; `cargo test --test api ledger::` one area.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[macro_use]
mod support;

mod addressees;
mod architecture;
mod auth;
mod authz_matrix;
// -- ops: backup, restore, upgrades --
mod backup;
mod bad_input;
mod budget;
mod catalogue;
mod copy;
mod crosscheck;
mod crosscheck_flags;
mod demo_crosscheck;
mod demo_scans;
mod demo_workflow;
mod durability;
// the reversal link and receipt count kept on entry rows (issue 18)
mod entry_links;
// import and export (issue 19)
mod exchange;
mod findings;
mod fresh_pages;
mod fuzz_replay;
mod hostile_bodies;
mod hostile_sheets;
mod import_lock;
mod language;
mod ledger;
mod multi_server;
mod openapi;
mod ops;
mod qr_photos;
mod questions;
mod receipt_drawing;
mod receipts;
mod round_flags;
// receipts on S3-compatible object storage (issue 20)
mod s3;
// the villagers' page (web): sign-out, the page and its assets, the browser tests
mod browser;
mod page;
mod sign_out;
// end web
mod summaries;
mod tenders;
mod tickets;
mod tlog;
// -- ops: upgrades from every earlier schema --
mod upgrades;
