//! Withdrawing a wrongly attached receipt: who may, and what a second withdrawal means. The
//! receipt stays, marked withdrawn; nothing is deleted. Withdrawing again with the same reason
//! changes nothing (and is not refused); with another reason it is refused.

use chrono::NaiveDateTime;

use crate::auth::Caller;
use crate::domain::BoundedText;
use crate::receipts::access::may_withdraw;
use crate::receipts::error::{ReceiptError, Result};

/// The longest withdrawal reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A withdrawal to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    pub receipt_id: String,
    pub reason: String,
    pub withdrawn_by: String,
    pub withdrawn_at: NaiveDateTime,
}

/// What withdrawing a receipt comes to, given the withdrawal it already has (its reason).
#[derive(Debug, PartialEq, Eq)]
pub enum WithdrawalPlan {
    /// Withdrawn before with this very reason: nothing to do.
    AlreadyDone,
    /// Record this withdrawal.
    Record(Withdrawal),
}

/// Decides a withdrawal of receipt `receipt_id` by `caller` for `reason` at `now`, given the
/// reason of its earlier withdrawal, if any.
pub fn plan_withdrawal(
    caller: &Caller,
    receipt_id: &str,
    reason: &str,
    earlier_reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<WithdrawalPlan> {
    may_withdraw(caller)?;
    let reason = BoundedText::parse("reason", reason, MAX_REASON_CHARS)
        .map_err(|reason| ReceiptError::InvalidReason { reason })?
        .into_string();
    match earlier_reason {
        Some(earlier) if earlier == reason => Ok(WithdrawalPlan::AlreadyDone),
        Some(earlier) => Err(ReceiptError::AlreadyWithdrawn {
            receipt: receipt_id.to_owned(),
            reason: earlier.to_owned(),
        }),
        None => Ok(WithdrawalPlan::Record(Withdrawal {
            receipt_id: receipt_id.to_owned(),
            reason,
            withdrawn_by: caller.username.clone(),
            withdrawn_at: now,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn caller(role: Role) -> Caller {
        Caller {
            username: "clerk-li".into(),
            role,
            village: None,
            township: Some("331022002000".into()),
        }
    }

    fn now() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    #[test]
    fn a_first_withdrawal_is_recorded_with_its_trimmed_reason_and_clerk() {
        let plan = plan_withdrawal(&caller(Role::Clerk), "rc_1", "附错了凭证", None, now());
        let Ok(WithdrawalPlan::Record(w)) = plan else {
            panic!("expected a withdrawal to record, got {plan:?}");
        };
        assert_eq!((w.receipt_id.as_str(), w.reason.as_str()), ("rc_1", "附错了凭证"));
        assert_eq!(w.withdrawn_by, "clerk-li");
    }

    #[test]
    fn withdrawing_again_with_the_same_reason_changes_nothing_and_another_is_refused() {
        let clerk = caller(Role::Clerk);
        assert!(matches!(
            plan_withdrawal(&clerk, "rc_1", "wrong", Some("wrong"), now()),
            Ok(WithdrawalPlan::AlreadyDone)
        ));
        assert!(matches!(
            plan_withdrawal(&clerk, "rc_1", "other", Some("wrong"), now()),
            Err(ReceiptError::AlreadyWithdrawn { reason, .. }) if reason == "wrong"
        ));
    }

    #[test]
    fn only_ledger_writers_withdraw_and_the_reason_is_bounded() {
        for role in [Role::Villager, Role::Inspector, Role::Admin] {
            assert!(matches!(
                plan_withdrawal(&caller(role), "rc_1", "wrong", None, now()),
                Err(ReceiptError::Auth(_))
            ));
        }
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert!(matches!(
            plan_withdrawal(&caller(Role::Clerk), "rc_1", &long, None, now()),
            Err(ReceiptError::InvalidReason { .. })
        ));
    }
}
