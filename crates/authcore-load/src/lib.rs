//! A load generator for OpenID providers on loopback: `authcore serve` (SQLite, one or two
//! instances on one database) and npm `oidc-provider`, measured in one run so the report gives
//! ratios.
//!
//! It starts every target itself (free ports, readiness polled with a deadline), runs each
//! case with `N` concurrent workers, each keeping one HTTP/1.1 keep-alive connection per
//! instance, and reports throughput and p50/p99 latency of the successful exchanges, the
//! failures, and the resident memory of every target process (`VmHWM` and `VmRSS` of
//! `/proc/PID/status`). Every run is bounded in count and in time, and talks only to
//! 127.0.0.1.
//!
//! The cases ([`Case`]):
//!
//! | case | one exchange |
//! |---|---|
//! | `cc-opaque` | client credentials (RFC 6749 §4.4) for a resource server with opaque tokens |
//! | `cc-jwt` | the same for a resource server with JWT access tokens (RFC 9068), ES256 |
//! | `code` | authorization request with PKCE S256 in a signed-in session with stored consent, then the code exchange at the token endpoint (an ID token, RS256) |
//! | `introspect` | introspection (RFC 7662) of an opaque client-credentials token |
//! | `userinfo` | UserInfo (OpenID Connect Core §5.3) with the code flow's access token |
//!
//! Each worker signs in once before it is measured, through the provider's own login and
//! consent pages (a cookie jar, the forms posted as a browser would, read with
//! `authcore_hyper::forms`); its measured code
//! exchanges reuse that session, as a browser that is signed in does.
//!
//! ```text
//!   start target ─► discovery ─► prepare (secrets, tokens) ─► per case: workers sign in,
//!       warm up, run until the count or the deadline ─► report (rates, p50, p99, RSS)
//! ```

// A load generator measures elapsed time; reading the clock is its job (the sans-IO rule
// is for the protocol crates).
#![allow(clippy::disallowed_methods)]

mod client;
mod report;
mod run;
mod targets;

pub use client::{Driver, Profile};
pub use report::{CaseReport, MemoryReport, Report, RoundMeasure, TargetReport};
pub use run::{Case, Settings, run_target, run_targets};
pub use targets::{RunningTarget, TargetSpec, start_target};
