//! How errors of the `ledger` service become problem documents.
