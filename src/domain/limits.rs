//! The bounds the ledger keeps values within, named once for the types that enforce them and
//! for the errors that quote them.

/// The largest absolute amount a single entry may carry: 10^13 fen (100 billion yuan).
pub const MAX_ABS_FEN: i64 = 10_000_000_000_000;

/// The earliest and latest fiscal years the ledger accepts.
pub const FIRST_YEAR: i32 = 1990;
pub const LAST_YEAR: i32 = 2099;
