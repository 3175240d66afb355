//! village-ledger: the itemized income and expenditure of village collectives, with the
//! receipts behind every line, for villagers, township finance stations and inspection groups.

pub mod api;
pub mod auth;
pub mod config;
pub mod crosscheck;
pub mod db;
pub mod demo;
pub mod domain;
pub mod exchange;
pub mod generate;
pub mod i18n;
pub mod ledger;
// -- ops: backup and restore --
pub mod ops;
pub mod receipts;
pub mod tlog;
pub mod verify;
pub mod workflow;
