//! # authcore-reqwest
//!
//! The client adapter of authcore: it sends the `http::Request`s that the protocol cores
//! ([`authcore_oauth2`], [`authcore_oidc`]) hand out with `reqwest`, gives the responses
//! back to them, and supplies what the cores never take on their own: the clock, the
//! operating system's randomness, and the waiting between steps.
//!
//! It adds no protocol logic. Every check (state, PKCE, `iss`, ID token claims and
//! signatures, token types, DPoP binding, device-flow timing, JWKS rate limits) is the
//! cores'; this crate carries bytes, reads the clock and sleeps.
//!
//! ```text
//!   Client (facade) ──► core builds http::Request ──► HttpClient::execute ──► network
//!         ▲                                                  │ no redirects, timeouts,
//!         │                                                  ▼ body capped while streaming
//!   tokens / claims ◄── core parses http::Response ◄── http::Response<Vec<u8>>
//!         └── state machines loop here, bounded: DPoP nonce retry, device polling,
//!             JWKS fetch / refetch on an unknown `kid`
//! ```
//!
//! The loops are the cores' drivers ([`authcore_oauth2::send_with_dpop`],
//! [`authcore_oauth2::poll_device_flow`], [`authcore_oidc::ensure_jwks`] and their
//! `*_blocking` twins); this crate passes them its clock, its `send` and its `sleep`:
//!
//! ```no_run
//! use authcore_reqwest::{oauth2, jose, TokenResponseOptions};
//! # use authcore_reqwest::{AuthorizationServer, DeviceAuthorizationFlow};
//! # async fn run(
//! #     http: authcore_reqwest::HttpClient,
//! #     flow: DeviceAuthorizationFlow,
//! #     client: oauth2::Client,
//! #     server: AuthorizationServer,
//! # ) -> Result<(), authcore_reqwest::Error> {
//! let rng = jose::crypto::default_provider().system_random();
//! let options = TokenResponseOptions::new();
//! let tokens = oauth2::poll_device_flow(
//!     flow, &client, &server, &options, rng,
//!     authcore_reqwest::now,           // now: the system clock
//!     |request| http.execute(request), // send: reqwest, no redirects, capped body
//!     tokio::time::sleep,              // sleep: tokio's timer
//! )
//! .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Two levels:
//!
//! - [`HttpClient`]: `execute(http::Request<Vec<u8>>) -> http::Response<Vec<u8>>`, plus the
//!   drivers [`HttpClient::send_with_dpop`], [`HttpClient::poll_device_flow`] and
//!   [`HttpClient::ensure_jwks`]. Use it with the cores' `build_*`/`parse_*` functions
//!   directly. A blocking twin is in `blocking` (feature `blocking`).
//! - [`Client`]: one storable, cloneable value per (client, provider) pair that runs whole
//!   flows: [`ClientBuilder::discover`], sign-in (below), [`Client::refresh`],
//!   [`Client::client_credentials`], [`Client::device_authorization`] and
//!   [`Client::poll_device`], [`Client::introspect`] and [`Client::revoke`] (an access token,
//!   a refresh token or a string, see [`TokenRef`]), [`Client::userinfo`] (the ID token's
//!   `sub` required; [`Client::userinfo_without_subject_check`] for plain OAuth 2.0),
//!   [`Client::logout_url`], [`Client::validate_logout_token`], with DPoP on request
//!   ([`ClientBuilder::dpop`]). `blocking::Client` (feature `blocking`) runs the same flows
//!   for programs without an async runtime, built the same way
//!   (`blocking::Client::builder(..).discover(..)`).
//!
//! ## Which sign-in path
//!
//! | You want | Step 1: send the user agent to | Step 2: with the callback |
//! |---|---|---|
//! | OpenID Connect sign-in (who the user is: an ID token, validated) | [`Client::authentication_url`] (or [`Client::signed_authentication_url`], [`Client::push_authentication_request`]) | [`Client::authenticate`] |
//! | Plain OAuth 2.0 authorization (an access token for an API, no ID token expected) | [`Client::oauth2_authorization_url`] (or [`Client::push_oauth2_authorization_request`]) | [`Client::oauth2_exchange_code`] |
//!
//! The OpenID Connect path takes an [`oidc::AuthenticationRequest`]: `nonce` always, every
//! response type (code, implicit, hybrid), `max_age` and essential `acr` checked. The OAuth
//! 2.0 path takes an [`oauth2::AuthorizationRequest`] (authorization code with PKCE); it still
//! validates an ID token that comes back, but new OpenID Connect code should not use it. The
//! former names `authorization_url`, `push_authorization_request` and `exchange_code` are
//! deprecated aliases of the OAuth 2.0 path.
//!
//! ## Transport defaults
//!
//! - Redirects are never followed ([`Error::Redirect`]): requests carry credentials, tokens
//!   and proofs meant for one URL.
//! - 10 s connect timeout, 30 s total ([`HttpConfig`]).
//! - Response bodies are read chunk by chunk and reading stops past 256 KiB
//!   ([`Error::ResponseTooLarge`]).
//! - TLS is rustls with the platform verifier; no proxy from the environment, no
//!   decompression, no cookies.
//!
//! ## Example
//!
//! ```no_run
//! use authcore_reqwest::{
//!     AuthenticationRequest, AuthorizationResponse, Client, ClientAuthentication, ClientSecret,
//! };
//!
//! # async fn run() -> Result<(), authcore_reqwest::Error> {
//! // Discovery, once; then store the client (it is `Clone + Send + Sync`).
//! let client = Client::builder(
//!     "s6BhdRkqt3",
//!     ClientAuthentication::ClientSecretBasic(ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
//! )
//! .discover("https://op.example")
//! .await?;
//!
//! // OpenID Connect sign-in.
//! // 1. Send the user agent to `url`; keep `pending` until the callback arrives.
//! let (url, pending) = client.authentication_url(
//!     AuthenticationRequest::new("https://client.example/cb").scope("profile"),
//! )?;
//! println!("open {url}");
//!
//! // 2. The redirect URI the user agent came back with: state and iss are checked, the code
//! //    exchanged, and the ID token validated with the provider's keys (fetched as needed).
//! let callback = AuthorizationResponse::from_redirect_uri(
//!     "https://client.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=...",
//! )?;
//! let signed_in = client.authenticate(pending, &callback).await?;
//! let tokens = signed_in.tokens.expect("the code flow's token response");
//! let me = client
//!     .userinfo(&tokens.access_token, &signed_in.claims.sub)
//!     .await?;
//! println!("hello {:?}", me.standard.name);
//!
//! // Machine to machine.
//! let t = client.client_credentials(&["api:read"]).await?;
//! client.revoke(&t.access_token, None).await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Versioning
//!
//! This crate is versioned apart from the core crates: reqwest is part of its public API, so
//! a reqwest upgrade is a release of this crate alone and never forces one of the core.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(html_root_url = "https://docs.rs/authcore-reqwest/latest")]

#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod clock;
mod drive;
mod error;
pub mod oauth1;
mod transport;

pub use client::{AuthorizationTokens, Client, ClientBuilder, TokenRef};
pub use clock::now;
pub use error::{Error, Result};
pub use transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, HttpClient, HttpConfig,
};

// The types of the `Client` facade's own signatures, so that an application depends on this
// crate alone; everything else is under the core re-exports `jose`, `oauth2` and `oidc`.
// `no_inline`: listed as re-exports linking to the cores' pages, rather than copies of those
// pages whose links rustdoc does not carry over.
#[doc(no_inline)]
pub use authcore_jose::{JwsAlgorithm, UnixTime};
#[doc(no_inline)]
pub use authcore_oauth2::{
    AccessToken, AuthorizationRequest, AuthorizationResponse, AuthorizationServer,
    ClientAuthentication, ClientSecret, DeviceAuthorizationFlow, DpopKey, IntrospectionResponse,
    PendingAuthorization, RefreshToken, RefreshedToken, RevocationOutcome, TokenRequest,
    TokenResponse, TokenResponseOptions, TokenTypeHint,
};
#[doc(no_inline)]
pub use authcore_oidc::{
    Authentication, AuthenticationRequest, DiscoveryOptions, IdTokenClaims, LogoutToken,
    PendingAuthentication, ProviderMetadata, UserInfo,
};

/// The JOSE core (keys, algorithms, JWTs) the OAuth 2.0 and OpenID Connect cores build on.
pub use authcore_jose as jose;
/// The OAuth 1.0a core (re-exported).
pub use authcore_oauth1;
/// The OAuth 2.0 core this adapter drives.
pub use authcore_oauth2 as oauth2;
/// The OpenID Connect core this adapter drives.
pub use authcore_oidc as oidc;
pub use reqwest;
