//! How errors of the `auth` service become problem documents.
