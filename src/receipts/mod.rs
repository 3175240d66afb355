//! Receipt scans: intake (recognise, limit, decode once), renditions for phones, the perceptual
//! hash, the invoice QR code, the content-addressed file store, and the withdrawal rule. Library
//! code without HTTP; callers run the CPU-heavy parts off the async workers. Only `deferred`
//! (the deep QR searches that run after an upload is answered) talks to the database.

pub mod access;
pub mod attach;
mod decode;
pub mod deferred;
pub mod error;
pub mod flight;
pub mod intake;
pub mod phash;
pub mod qr;
pub mod renditions;
pub mod sniff;
pub mod store;
pub mod withdraw;

#[cfg(test)]
mod tests;

pub use error::ReceiptError;
pub use error::RefusedKind;
pub use flight::SingleFlight;
pub use intake::{Ingested, IntakeError, IntakeLimits, ingest, render, render_full, search_qr};
pub use phash::{SAME_PAPER_MAX_DISTANCE, phash_distance};
pub use qr::{QrReading, QrSearch};
pub use renditions::RenditionSize;
pub use sniff::ImageKind;
pub use store::ReceiptStore;
