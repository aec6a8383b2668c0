//! # authcore-server
//!
//! The OAuth 2.0 authorization server and resource server as a sans-IO core: every endpoint
//! is pure logic over an `http::Request<Vec<u8>>`, the time (`now`), a randomness source,
//! the [`ServerConfig`] and the [`ServerKeys`]. It reads no clock, draws no randomness of its
//! own, and never calls storage or the network: it says what records it needs ([`Need`]),
//! is given them ([`Supplied`]), and decides the response and the writes to perform
//! ([`Write`]). Writes that race are conditional, so a store can make them atomic; a lost
//! race is fed back and answered as the replay it is.
//!
//! ```text
//!   http::Request ──► endpoint ──► Step::Need(..)    ──► store lookups ──► Supplied ─┐
//!                        ▲     ├─► Step::Write(..)   ──► store writes  ──► outcomes ─┤
//!                        └─────┴──────────────────────────────────────────────────────┘
//!                              └─► Step::Respond(http::Response)
//! ```
//!
//! The records are in [`model`]; [`store::MemoryStore`] keeps them in memory and
//! [`drive`] runs an endpoint against any synchronous [`Store`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authorize;
pub mod client_auth;
pub mod config;
pub mod device;
mod error;
pub mod jar;
pub mod metadata;
pub mod model;
pub mod par;
mod step;
pub mod store;
pub mod token;
pub mod tokens;

pub use config::{ServerConfig, ServerKeys};
pub use error::{ConfigError, OAuthError, ServerError};
pub use step::{
    Answer, Context, Endpoint, Finished, Need, PasswordCheck, Step, Store, Supplied, Write,
    WriteOutcome, apply_batch, drive, drive_to_finish,
};
pub use token::TokenEndpoint;
