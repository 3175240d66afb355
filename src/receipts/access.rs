//! Who may do what with receipts, by role. Whether a receipt's village is in the caller's scope
//! is the scope check of [`crate::auth::scope`], made with the receipt's row.

use crate::auth::scope::require_ledger_writer;
use crate::auth::{Caller, Role};
use crate::receipts::error::{ReceiptError, Result};

/// Attaching receipts is writing the ledger: township clerks only.
pub fn may_attach(caller: &Caller) -> Result<()> {
    Ok(require_ledger_writer(caller)?)
}

/// Withdrawing receipts is writing the ledger too: township clerks only.
pub fn may_withdraw(caller: &Caller) -> Result<()> {
    Ok(require_ledger_writer(caller)?)
}

/// The untouched original is never served to villagers: a phone photo's EXIF can carry where
/// it was taken. They see the renditions, which carry no metadata.
pub fn may_read_original(caller: &Caller) -> Result<()> {
    if caller.role == Role::Villager {
        return Err(ReceiptError::OriginalsNotForVillagers);
    }
    Ok(())
}
