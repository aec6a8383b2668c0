//! Shared support for the cross-crate integration and interop tests in `tests/` (and for other
//! crates' tests that run against the same peers).
//!
//! It also compiles the README's code blocks as doctests (the getting-started programs run or,
//! where they need a network server, build), with warnings denied so that a snippet with an
//! unused import fails.
#![doc(test(attr(deny(warnings))))]

pub mod mtls;
pub mod oidc_provider;
pub mod peers;
pub mod serve;

/// The README, whose Rust code blocks are this crate's doctests: what a reader pastes from
/// "Getting started" is what the test suite compiled.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
