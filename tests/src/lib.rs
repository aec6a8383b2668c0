//! Shared support for the cross-crate integration and interop tests in `tests/` (and for other
//! crates' tests that run against the same peers).

pub mod mtls;
pub mod oidc_provider;
