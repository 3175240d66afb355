//! How errors of the `receipts` service become problem documents.
