//! Tests of the receipt library against the committed fixtures and a scratch store.

mod fixtures;
mod formats;
mod store;
