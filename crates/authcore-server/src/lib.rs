//! # authcore-server
//!
//! The OAuth 2.0 authorization server and resource server as a sans-IO protocol core: every
//! endpoint takes an `http::Request<Vec<u8>>`, `now` and the caller's keys, and returns
//! decisions as values. No I/O, no clock, no randomness of its own.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access_token;
pub mod dpop;
pub mod signing_keys;
