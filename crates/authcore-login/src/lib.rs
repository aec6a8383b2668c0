//! # authcore-login
//!
//! "Log in with OpenID Connect" for Rust web applications: a [`tower::Layer`] that works
//! with axum and plain hyper. Configure an issuer, the client's credentials and the session
//! keys; the layer then serves
//!
//! | route (default path) | what it does |
//! |---|---|
//! | `GET /auth/login?return_to=/x` | authorization code + PKCE (S256) + `nonce` + `state`, optionally pushed (PAR, RFC 9126); the pending sign-in in its own short-lived sealed cookie; a provider chooser page when several are configured |
//! | `GET /auth/callback` | the response validated by `authcore-oidc`'s relying party (`state`, `iss`, code exchange, ID token); a new session (fixation-proof); back to `return_to` (same-origin paths only). Errors are pages, never panics |
//! | `GET or POST /auth/logout` | the session ended here, then RP-initiated logout at the provider (`id_token_hint`, `post_logout_redirect_uri`) |
//! | `POST /auth/backchannel-logout` | a logout token validated by `authcore-oidc`; the sessions with its `sid` (or every session of its `sub`) ended |
//!
//! and checks the session on every other request: a valid session puts [`Authenticated`]
//! (the validated claims, the access token) in the request's extensions; a request to a
//! [protected](LoginConfig::protect) path without one is redirected to sign in and comes
//! back afterwards, or gets `401` when it is an API request (`Accept: application/json`, or
//! under an [API prefix](LoginConfig::api_prefix)).
//!
//! ```text
//!  browser ──► LoginService ──► /auth/login ──303──► provider (login, consent)
//!                  │                                       │
//!                  │  ◄── /auth/callback?code&state ◄──────┘
//!                  │        authcore-reqwest: token request, JWKS; authcore-oidc: checks
//!                  │        ──► Set-Cookie: session (JWE dir+A256GCM), 303 return_to
//!                  ▼
//!   every other request: cookie opened, timeouts, ended-session registry, refresh
//!                  └──► your service, with Authenticated in the extensions
//! ```
//!
//! ## Sessions
//!
//! - By default the whole session (ID token, access and refresh tokens, times) is in a
//!   cookie sealed with JWE `dir` + `A256GCM` ([`SessionKeys`]: a current key and earlier
//!   keys by `kid`, so keys rotate without signing anyone out), capped at
//!   [`MAX_SEALED_COOKIE_BYTES`] with a clear error ([`Error::CookieTooLarge`]). Or
//!   server-side ([`LoginConfig::session_store`], [`SessionStore`], in-memory
//!   [`MemorySessionStore`]): the cookie then holds a sealed random id.
//! - Cookies are `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` with a `__Host-` name
//!   unless the application runs on plain http on a loopback address (development).
//! - Every sign-in makes a new session with a new random id (session fixation); idle and
//!   absolute timeouts ([`SessionTimeouts`]).
//! - Sessions ended by logout or by the provider's back-channel logout are remembered in an
//!   [`EndedSessions`] registry (in-memory default [`MemoryEndedSessions`]; share one across
//!   instances), so even a sealed cookie session is over when the provider says so.
//! - Access tokens are refreshed shortly before they expire (rotated refresh tokens kept;
//!   concurrent requests of one session refresh once); when refresh fails, or the token
//!   expired with no refresh token, the session ends and the user signs in again.
//!
//! Time and randomness are read in one place each ([`Clock`], [`LoginConfig::random`]),
//! replaceable for tests. The protocol work is the cores': this crate carries cookies and
//! redirects.
//!
//! ## Example (axum, feature `axum`)
//!
//! ```no_run
//! # #[cfg(feature = "axum")]
//! # mod app {
//! use authcore_login::{Authenticated, LoginConfig, LoginLayer, ProviderConfig, SessionKeys};
//! use authcore_oauth2::{ClientAuthentication, ClientSecret};
//! use axum::{Router, routing::get};
//!
//! async fn me(user: Authenticated) -> String {
//!     format!("hello {}", user.claim("name").and_then(|n| n.as_str()).unwrap_or(user.subject()))
//! }
//!
//! pub async fn app() -> Result<Router, authcore_login::Error> {
//!     let keys = SessionKeys::new("2026-12", [7u8; 32])?; // 32 random bytes, kept secret
//!     let config = LoginConfig::new("http://127.0.0.1:3000", keys)?
//!         .provider(
//!             ProviderConfig::new(
//!                 "authcore",
//!                 "http://127.0.0.1:8080",
//!                 "my-app",
//!                 ClientAuthentication::ClientSecretBasic(ClientSecret::new("s3cr3t")),
//!             )
//!             .scope("profile")
//!             .scope("offline_access"),
//!         )
//!         .protect("/me");
//!     let login = LoginLayer::discover(config).await?;
//!     Ok(Router::new()
//!         .route("/", get(|| async { "public" }))
//!         .route("/me", get(me))
//!         .layer(login))
//! }
//! # }
//! ```
//!
//! With plain hyper or any tower stack, wrap the service with `LoginLayer` the same way and
//! read `request.extensions().get::<Authenticated>()`.
//!
//! ## Limits worth knowing
//!
//! - One sign-in in progress per browser: starting a second one (another tab) replaces the
//!   first's pending cookie, and the first's callback is then refused.
//! - Logout answers GET as well as POST, so a link works; a page elsewhere can therefore log
//!   the user out (never in).
//! - With a server-side store, every request that moves the last-use time (once a second at
//!   most) writes the record.
//!
//! ## Not done yet
//!
//! DPoP-bound access tokens for the session (use [`ProviderConfig::from_client`] with a
//! DPoP client to get DPoP at the token endpoint; the handler then gets a DPoP token and
//! must make proofs itself), front-channel logout, `response_mode=form_post`. A refreshed ID
//! token is not used: the claims stay those validated at sign-in.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod clock;
mod config;
mod cookie;
mod error;
mod extract;
mod pages;
mod return_to;
mod seal;
mod service;
mod store;
mod userinfo;

pub use clock::{Clock, SystemClock};
pub use config::{LoginConfig, LoginPaths, ProviderConfig, SessionTimeouts};
pub use error::{Error, StoreError};
pub use extract::{Authenticated, LoginRequired};
pub use return_to::safe_return_to;
pub use seal::{MAX_SEALED_COOKIE_BYTES, SessionKeys};
pub use service::{LoginBody, LoginLayer, LoginService};
pub use store::{
    BoxFuture, EndedKey, EndedSessions, MemoryEndedSessions, MemorySessionStore, SessionStore,
};
