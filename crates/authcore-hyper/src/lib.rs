//! hyper adapter for authcore-server: runs the sans-IO OAuth 2.0 authorization server and
//! OpenID provider core over HTTP.
//!
//! The core decides; this crate performs. It owns the clock, the randomness, cookies and the
//! storage I/O, which goes through one async trait, [`store::ProviderStore`], so the same
//! provider runs on memory ([`MemoryProviderStore`]), SQLite (`authcore-store-sqlite`) or
//! PostgreSQL.
//!
//! ```text
//!   hyper / tower ──► ProviderService ──► route ──► core endpoint.step ──► Need  ──► store / fetch / accounts
//!                          │                             ▲            ├─► Write ──► store.apply (atomic conditionals)
//!                          │                             └────────────┘
//!                          │                                          ├─► Respond  ──► security headers ──► client
//!                          │                                          └─► Interact ──► login / consent pages (cookies, CSRF)
//!                          └─► size cap (413), rate limits (429), store unavailable (503 + Retry-After)
//! ```
//!
//! What it serves: every endpoint the [`ServerConfig`](authcore_server::ServerConfig)
//! enables (authorization, token, PAR, device authorization and the device page, revocation,
//! introspection, registration and its management, end session, UserInfo, the JWK Set), the
//! discovery
//! documents (`/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server`),
//! `GET /healthz`, and the interaction pages under `/interaction/`. The keys (signing keys
//! with rotation, hashing keys, cookie keys) live in the store as one document
//! ([`keys`]).
//!
//! # Mounting it in a hyper server
//!
//! ```no_run
//! use std::sync::Arc;
//! use authcore_hyper::{MemoryProviderStore, Provider, ProviderSettings};
//! use authcore_server::ServerConfig;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut config = ServerConfig::new("http://127.0.0.1:8080")?;
//! config.endpoints.jwks = Some(config.endpoint("jwks")?);
//! let store = Arc::new(MemoryProviderStore::new());
//! let provider = Provider::new(ProviderSettings::new(config), store).await?;
//!
//! // Either let the provider accept connections, until the shutdown future completes
//! // (then requests in flight finish) …
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let running = tokio::spawn({
//!     let provider = provider.clone();
//!     async move { provider.serve(listener, async { let _ = stopped.await; }).await }
//! });
//! # let provider2 = provider.clone();
//! let _ = stop.send(());
//! running.await??;
//!
//! // … or hand its service to a hyper connection (or to tower/axum) yourself.
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8081").await?;
//! let (stream, peer) = listener.accept().await?;
//! let service = provider2
//!     .service()
//!     .for_peer(authcore_hyper::PeerInfo::new(Some(peer)));
//! hyper::server::conn::http1::Builder::new()
//!     .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
//!     .await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod accounts;
mod certificate;
mod cookies;
mod drive;
mod fetch;
pub mod forms;
mod headers;
mod interaction;
pub mod keys;
mod logout;
pub mod memory;
mod provider;
mod ratelimit;
mod router;
mod serve;
pub mod settings;
pub mod store;
#[cfg(feature = "test-support")]
pub mod test_support;
mod ui;

pub use keys::{KeysDocument, KeysError, SIGNING_ALGORITHMS};
pub use memory::MemoryProviderStore;
pub use provider::{
    PeerInfo, Provider, ProviderError, ProviderService, ResponseBody, ResponseFuture,
};
pub use settings::{CookieSettings, FetchSettings, ProviderSettings, RateLimit, RateLimitSettings};
pub use store::{
    AccountRecord, ConsentRecord, ProviderStore, SessionRecord, StoreError, StoreErrorKind,
    StoreFuture, StoredKeys,
};
