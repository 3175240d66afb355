//! How errors of the `crosscheck` service become problem documents.
