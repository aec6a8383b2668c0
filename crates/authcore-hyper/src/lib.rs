//! hyper adapter for authcore-server: runs the sans-IO OAuth 2.0 authorization server and
//! OpenID provider core over HTTP.
//!
//! The core decides; this crate performs. It owns the clock, the randomness, cookies and the
//! storage I/O, which goes through one async trait, [`store::ProviderStore`], so the same
//! provider runs on memory, SQLite (`authcore-store-sqlite`) or PostgreSQL.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod store;

pub use store::{
    AccountRecord, ConsentRecord, ProviderStore, SessionRecord, StoreError, StoreErrorKind,
    StoreFuture, StoredKeys,
};
