//! # authcore-server
//!
//! The OAuth 2.0 authorization server and resource server as a sans-IO core: every endpoint
//! is pure logic over an `http::Request<Vec<u8>>`, the time (`now`), a randomness source,
//! the [`ServerConfig`] and the [`ServerKeys`]. It reads no clock, draws no randomness of its
//! own, and never calls storage or the network: it says what records it needs ([`Need`]),
//! is given them ([`Supplied`]), and decides the response and the writes to perform
//! ([`Write`]). Writes that race are conditional (`ConsumeCodeIfUnused`,
//! `RotateRefreshIfCurrent`, `InsertIfAbsent`, …), so a store can make them atomic; a lost
//! race is fed back and answered as the replay it is (the grant is revoked).
//!
//! ```text
//!   http::Request ──► endpoint ──► Step::Need(needs)   ──► look up ──► Supplied::answer ──┐
//!                        ▲     ├─► Step::Write(writes) ──► apply   ──► record_outcomes ──┤
//!                        └─────┴──────────────────────────────────────────────────────────┘
//!                              ├─► Step::Respond(http::Response)   (send it)
//!                              └─► Step::Interact(Interaction)     (authorization endpoint:
//!                                  the application logs the user in, asks consent, resumes)
//! ```
//!
//! ## The drive loop, complete, with the in-memory store
//!
//! ```
//! use authcore_jose::{InsecureTestRandom, UnixTime};
//! use authcore_server::model::{ClientAuthMethod, ClientRecord};
//! use authcore_server::store::MemoryStore;
//! use authcore_server::{
//!     Answer, Context, Endpoint, Need, ServerConfig, ServerKeys, Step, Store, Supplied,
//!     TokenEndpoint, apply_batch, client_auth,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Once, at start: configuration, keys, a store. (An application passes the operating
//! // system's generator and its clock; this example is deterministic.)
//! let rng = InsecureTestRandom::new(7);
//! let provider = authcore_jose::crypto::default_provider();
//! let config = ServerConfig::new("https://as.example")?;
//! let keys = ServerKeys::generate(provider, &rng)?;
//! let store = MemoryStore::new();
//! let now = UnixTime::from_secs(1_800_000_000);
//! let ctx = Context::new(&config, &keys, now, &rng);
//!
//! // Register a client with a generated secret (only its keyed hash is stored).
//! let (secret, stored) = client_auth::generate_secret(&ctx)?;
//! let mut client = ClientRecord::new("svc", ClientAuthMethod::ClientSecretPost);
//! client.secret = Some(stored);
//! client.grant_types = vec!["client_credentials".into()];
//! client.allowed_scopes = vec!["read".into()];
//! store.put_client(client);
//!
//! // A token request arrives.
//! let body = format!(
//!     "grant_type=client_credentials&scope=read&client_id=svc&client_secret={}",
//!     std::str::from_utf8(secret.expose())?
//! );
//! let request = http::Request::post("https://as.example/token")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .body(body.into_bytes())?;
//!
//! // The drive loop: answer needs, apply writes, until there is a response.
//! let mut endpoint = TokenEndpoint::new(&request, None);
//! let mut supplied = Supplied::new();
//! let response = loop {
//!     match endpoint.step(&ctx, &supplied) {
//!         Step::Need(needs) => {
//!             for need in needs {
//!                 let answer = store.answer(&need, now);
//!                 supplied.answer(need, answer);
//!             }
//!         }
//!         // Conditional writes come first; stop at the first conflict and report.
//!         Step::Write(writes) => supplied.record_outcomes(apply_batch(&store, &writes, now)),
//!         Step::Respond(response) => break response,
//!         // Only the authorization endpoint asks for user interaction (see `authorize`).
//!         Step::Interact(interaction) => break interaction.to_http_response(),
//!     }
//! };
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["cache-control"], "no-store");
//! let token: serde_json::Value = serde_json::from_slice(response.body())?;
//! assert!(token["access_token"].as_str().unwrap().starts_with("acat_"));
//! assert_eq!(store.token_count(), 1);
//! # let _ = Answer::Seen(false); let _ = Need::Client(String::new());
//! # Ok(())
//! # }
//! ```
//!
//! [`drive`] is that loop as a function, for a synchronous [`Store`]; a store with an async
//! client runs the same loop with `.await`s.
//!
//! ## Modules
//!
//! - [`model`]: the records (clients, grants, codes, tokens, device codes, pushed requests,
//!   interactions), credentials keyed only by their keyed hash.
//! - [`config`]: [`ServerConfig`] and [`ServerKeys`].
//! - [`client_auth`]: every client authentication method.
//! - [`token`]: the token endpoint and every grant.
//! - [`tokens`]: opaque credentials and their keyed hashing with key rotation; the JWT access
//!   token hook.
//! - [`authorize`]: the authorization endpoint (the code flow, and on an OpenID provider the
//!   implicit and hybrid flows and the OpenID Connect request parameters), response modes,
//!   the `form_post` page, user interaction; [`par`]: pushed authorization requests (RFC 9126); [`jar`]: signed request
//!   objects (RFC 9101); [`device`]: device authorization and user-code verification
//!   (RFC 8628).
//! - [`registration`]: dynamic client registration (RFC 7591) and its management (RFC 7592).
//! - [`metadata`]: RFC 8414 metadata from the configuration.
//! - [`userinfo`]: the UserInfo endpoint (OpenID Connect Core §5.3), JSON, signed or
//!   encrypted.
//! - [`oidc`]: the OpenID provider: the login session, ID tokens, discovery.
//! - [`store`]: the in-memory store and the storage conformance kit.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access_token;
pub mod authorize;
pub mod client_auth;
pub mod config;
pub mod device;
pub mod dpop;
mod error;
pub mod introspection;
pub mod jar;
pub mod metadata;
pub mod model;
pub mod oidc;
pub mod par;
pub mod registration;
pub mod resource;
pub mod revocation;
pub mod signing_keys;
mod step;
pub mod store;
pub mod token;
pub mod tokens;
pub mod userinfo;

pub use config::{ServerConfig, ServerKeys};
pub use error::{ConfigError, OAuthError, ServerError};
pub use introspection::IntrospectionEndpoint;
pub use revocation::RevocationEndpoint;
pub use step::{
    Answer, Context, Endpoint, Finished, Need, PasswordCheck, Step, Store, Supplied, Write,
    WriteOutcome, apply_batch, apply_in_order, drive, drive_to_finish,
};
pub use token::TokenEndpoint;
pub use userinfo::UserInfoEndpoint;
