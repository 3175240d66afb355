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

/// Yuan with two decimals, for explanations people read (`4,950.00`).
/// The ledger's own formatting ([`crate::domain::format_yuan`]) with the whole yuan grouped
/// by thousands.
pub fn yuan(fen: i64) -> String {
    let plain = crate::domain::format_yuan(fen);
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (whole, cents) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut grouped = String::with_capacity(plain.len() + whole.len() / 3);
    grouped.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if !cents.is_empty() {
        grouped.push('.');
        grouped.push_str(cents);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::yuan;

    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(yuan(495_000), "4,950.00");
        assert_eq!(yuan(1_000_000_000), "10,000,000.00");
        assert_eq!(yuan(-6_490), "-64.90");
        assert_eq!(yuan(5), "0.05");
    }
}
