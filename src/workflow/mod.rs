//! The inspection workflow (巡察): from a villager's doubt to its resolution. Villagers ask
//! questions and file reports on line items; inspection rounds work through their checklists
//! and record findings (each a leaf of the transparency log); findings are referred with red,
//! yellow and blue tickets to the bodies that must act (addressees), rectified by the township
//! station and checked again by a follow-up round; published results go back to the village.

pub mod addressees;
pub mod checklists;
pub mod deadlines;
pub mod error;
pub mod finding_rows;
pub mod findings;
pub mod publication;
pub mod questions;
pub mod rectification;
pub mod stats;
pub mod tickets;

pub use error::{Result, WorkflowError};
