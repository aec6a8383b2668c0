//! # authcore-server
//!
//! The OAuth 2.0 authorization server and resource server as a sans-IO protocol core.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authorize;
pub mod jar;
pub mod device;
