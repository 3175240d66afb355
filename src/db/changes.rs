//! What the writes on this thread changed, noted inside the write itself, so the server that
//! made a write forgets what it had cached about it before the write is acknowledged.
//!
//! A village's ledger version is bumped in the transaction of every write to the village
//! (entries, reversals, month closes, receipts, withdrawals), and the bump notes the village
//! here; disabling or adding a user notes the user. The API's database helper takes the notes
//! after the work ran on its thread and drops the cached versions and flags they name. A note of
//! a write that rolled back only costs one more database read.

use std::cell::RefCell;

/// Villages and users changed by the writes on this thread since the notes were last taken.
#[derive(Debug, Default)]
pub struct Changes {
    pub villages: Vec<String>,
    pub users: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.villages.is_empty() && self.users.is_empty()
    }
}

thread_local! {
    static CHANGES: RefCell<Changes> = RefCell::new(Changes::default());
}

/// Notes that a write changed the village's ledger.
pub fn village_changed(code: &str) {
    CHANGES.with(|c| c.borrow_mut().villages.push(code.to_owned()));
}

/// Notes that a write changed a user's account (enabled flag, existence).
pub fn user_changed(username: &str) {
    CHANGES.with(|c| c.borrow_mut().users.push(username.to_owned()));
}

/// The changes noted on this thread, leaving none.
pub fn take() -> Changes {
    CHANGES.with(|c| std::mem::take(&mut *c.borrow_mut()))
}
