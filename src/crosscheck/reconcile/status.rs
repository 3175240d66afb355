//! The status a finding ends with, and the count per status.

use serde::Serialize;

use super::FindingResult;

/// How a finding stands against the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// Amount, date and counterparty agree with one entry.
    Matched,
    /// One entry fits but for its amount.
    AmountMismatch,
    /// One entry fits but for its date.
    DateMismatch,
    /// One entry fits but for its counterparty.
    CounterpartyMismatch,
    /// Entries to one counterparty add up to the finding.
    SplitMatch,
    /// The entry that fits was reversed later.
    Reversed,
    /// Equally good candidates; none is taken.
    Ambiguous,
    /// No entry records it.
    NotFound,
}

impl FindingStatus {
    /// Every status, in the order they are documented.
    pub const ALL: [FindingStatus; 8] = [
        FindingStatus::Matched,
        FindingStatus::AmountMismatch,
        FindingStatus::DateMismatch,
        FindingStatus::CounterpartyMismatch,
        FindingStatus::SplitMatch,
        FindingStatus::Reversed,
        FindingStatus::Ambiguous,
        FindingStatus::NotFound,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Matched => "matched",
            FindingStatus::AmountMismatch => "amount_mismatch",
            FindingStatus::DateMismatch => "date_mismatch",
            FindingStatus::CounterpartyMismatch => "counterparty_mismatch",
            FindingStatus::SplitMatch => "split_match",
            FindingStatus::Reversed => "reversed",
            FindingStatus::Ambiguous => "ambiguous",
            FindingStatus::NotFound => "not_found",
        }
    }
}

/// Findings per status, every status listed (by its name on the wire).
pub fn summary(results: &[FindingResult]) -> std::collections::BTreeMap<&'static str, usize> {
    let mut counts: std::collections::BTreeMap<&'static str, usize> =
        FindingStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for r in results {
        *counts.entry(r.status.as_str()).or_default() += 1;
    }
    counts
}
