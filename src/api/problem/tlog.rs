//! How errors of the `tlog` service become problem documents.
