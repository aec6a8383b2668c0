//! # authcore-oauth2
//!
//! The client side of OAuth 2.0 as a protocol core: it builds the HTTP requests a client
//! sends, checks the responses and callbacks it receives, and keeps the state in between, for
//! every grant of RFC 6749 and the RFCs around it (PKCE, PAR, JAR, DPoP, device flow, token
//! exchange, revocation, introspection, metadata, bearer token use).
//!
//! It performs **no I/O**: it never opens a connection, reads no clock and draws no randomness
//! of its own. Time (`now`) and randomness ([`SecureRandom`]) are arguments; HTTP messages are
//! plain [`http::Request`] / [`http::Response`] values that *your* HTTP stack (any client,
//! blocking or async) carries. The same code therefore runs in servers, CLIs, WASM and
//! deterministic tests.
//!
//! ```text
//!   build_*_request(...) ──► http::Request ──► your HTTP stack ──► http::Response
//!          ▲                                                             │
//!          │                                                             ▼
//!     state machine  ◄─────── next step / tokens / typed Error ◄── parse_*_response(...)
//!   (device polling, DPoP nonce retry, PAR then redirect)
//! ```
//!
//! ## Wire types for both sides
//!
//! The back-channel messages themselves — token request and response, error response,
//! introspection, revocation, device authorization, PAR response, RFC 8414 metadata, RFC 7591
//! registration — are side-neutral types gathered in [`wire`]: built with constructors,
//! serialized exactly as their RFCs say, strictly parsed, and turned into the
//! `http::Response` a server sends. The client functions (`parse_token_response`, ...) are a
//! strict wire parse followed by the client's own policy ([`TokenResponseOptions`], the
//! expected issuer).
//!
//! ## Authorization code with PKCE
//!
//! ```
//! use authcore_oauth2::{
//!     parse_token_response, AuthorizationRequest, AuthorizationResponse, AuthorizationServer,
//!     Client, ClientAuthentication, ClientSecret, TokenResponseOptions, UnixTime,
//! };
//! # fn send(req: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
//! #     assert_eq!(req.uri(), "https://as.example/token");
//! #     http::Response::builder()
//! #         .status(200)
//! #         .header("content-type", "application/json")
//! #         .body(br#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600}"#.to_vec())
//! #         .unwrap()
//! # }
//! // Randomness and time come from the caller: an OS generator and the clock in production
//! // (`authcore_jose::crypto::default_provider().system_random()`), fixed values in tests.
//! let rng = authcore_oauth2::jose::InsecureTestRandom::new(7);
//! let now = UnixTime::from_secs(1_700_000_000);
//!
//! let server = AuthorizationServer::new("https://as.example")
//!     .with_authorization_endpoint("https://as.example/authorize")?
//!     .with_token_endpoint("https://as.example/token")?;
//! let client = Client::new(
//!     "s6BhdRkqt3",
//!     ClientAuthentication::ClientSecretBasic(ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
//! );
//!
//! // 1. Send the user agent to `url`; keep `pending` (it holds state and PKCE verifier).
//! let (url, pending) = AuthorizationRequest::new("https://client.example/cb")
//!     .scope("read")
//!     .build_url(&client, &server, &rng)?;
//! assert!(url.as_str().contains("code_challenge_method=S256"));
//!
//! // 2. The user agent comes back to the redirect URI. Only `pending` can handle it: the
//! //    state is checked in constant time, then `iss` (RFC 9207), then errors.
//! # let callback_uri = format!(
//! #     "https://client.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state={}&iss=https%3A%2F%2Fas.example",
//! #     pending.state().secret()
//! # );
//! let callback = AuthorizationResponse::from_redirect_uri(&callback_uri)?;
//! let grant = pending.handle_callback(&callback)?;
//!
//! // 3. Exchange the code (with the PKCE verifier and redirect URI) at the token endpoint.
//! let request = grant.build_token_request(&client, &server, now, &rng)?;
//! let response = send(request); // your HTTP stack
//! let tokens = parse_token_response(&response, &TokenResponseOptions::new())?;
//! assert_eq!(tokens.access_token.secret(), "2YotnFZFEjr1zCsicMWpAA");
//! assert_eq!(tokens.expires_at(now), Some(UnixTime::from_secs(1_700_003_600)));
//! # Ok::<(), authcore_oauth2::Error>(())
//! ```
//!
//! ## Security defaults
//!
//! - PKCE S256 on every code request; `plain` only through
//!   [`AuthorizationRequest::insecure_pkce_plain`].
//! - 256-bit `state` from the caller's RNG, compared in constant time; the callback is
//!   handled by consuming the [`PendingAuthorization`], so state and verifier are single use.
//! - RFC 9207 `iss` checked whenever present, required when the server declares it; with no
//!   issuer configured ([`AuthorizationServer::without_issuer`]) it cannot be checked, which
//!   [`PendingAuthorization::handle_callback`] documents.
//! - A refresh response that widens the granted scope is an error with
//!   [`parse_refresh_token_response_within_scope`].
//! - Bearer tokens go in the `Authorization` header ([`authorize_bearer`]); the RFC 6750 body
//!   and query methods are separate, named functions.
//! - Metadata `issuer` compared exactly with the issuer it was fetched for.
//! - Repeated parameters in callbacks are rejected; response bodies are size-capped; JSON is
//!   parsed strictly (duplicate member names rejected).
//! - A `token_type` the client cannot use is an error; a `Bearer` token when DPoP was
//!   requested is a downgrade error.
//! - Secrets (client secret, tokens, codes, verifier, state, nonce) have redacted `Debug` and
//!   constant-time equality.
//! - The password and implicit grants exist only behind `#[deprecated]` APIs (RFC 9700).
//! - Endpoints must be `https` (plain `http` only to loopback hosts).
//! - Provider quirks are named opt-ins on [`TokenResponseOptions`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod assertion;
mod authorization;
mod bearer;
mod client;
mod device;
mod dpop;
mod error;
mod form;
mod introspection;
mod json_object;
mod metadata;
mod par;
mod pkce;
mod registration;
mod secret;
mod token;
pub mod wire;
mod wire_write;

pub mod fuzzing;

/// The JOSE crate this one builds on (keys, signers, `UnixTime`, `SecureRandom`).
pub use authcore_jose as jose;
pub use authcore_jose::{SecureRandom, UnixTime};

pub use assertion::{DEFAULT_ASSERTION_LIFETIME, JwtBearerAssertion};
pub use authorization::{
    AuthorizationCodeGrant, AuthorizationRequest, AuthorizationResponse, PendingAuthorization,
    PendingPushedAuthorization, PushedAuthorizationResponse, REQUEST_OBJECT_TYP, ResponseMode,
    authorization_url_with_request_uri, parse_callback_request, parse_par_response,
    request_object_claims, sign_request_object,
};
pub use bearer::{
    Challenge, MAX_CHALLENGE_BYTES, MAX_CHALLENGE_PARAMS, MAX_CHALLENGES, authorize_bearer,
    authorize_bearer_in_form_body, authorize_bearer_in_uri_query, bearer_authorization,
    parse_www_authenticate, parse_www_authenticate_headers,
};
pub use client::{
    AssertionAudience, AuthorizationServer, Client, ClientAuthentication,
    JWT_BEARER_CLIENT_ASSERTION_TYPE,
};
pub use device::{
    DEFAULT_DEVICE_POLL_INTERVAL, DeviceAction, DeviceAuthorizationFlow,
    DeviceAuthorizationRequest, DeviceAuthorizationResponse, DeviceFlowStep, SLOW_DOWN_INCREMENT,
    build_device_authorization_request, parse_device_authorization_response,
};
pub use dpop::{DPOP, DPOP_NONCE, DPOP_PROOF_TYP, DpopExchange, DpopKey, DpopStep, demands_nonce};
pub use error::{Error, ErrorCode, ErrorResponse, ProtocolError, Result, SecurityError};
pub use form::{ClientAuthParams, FormParams, MAX_FORM_BYTES, MAX_FORM_PARAMETERS, encode_form};
pub use introspection::{
    IntrospectionRequest, IntrospectionResponse, RevocationOutcome, RevocationRequest,
    TOKEN_INTROSPECTION_JWT, TokenHintRequest, TokenTypeHint, build_introspection_request,
    build_jwt_introspection_request, build_revocation_request, parse_introspection_response,
    parse_jwt_introspection_response, parse_revocation_response,
};
pub use metadata::{
    AuthorizationServerMetadata, OAUTH_AUTHORIZATION_SERVER, build_metadata_request, metadata_url,
    parse_metadata_response,
};
pub use pkce::PkceMethod;
pub use registration::{ClientInformationResponse, ClientMetadata, parse_registration_response};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, DeviceCode, IdToken, Nonce, Password,
    PkceCodeVerifier, RefreshToken, State,
};
pub use token::{
    DEVICE_CODE_GRANT_TYPE, JWT_BEARER_GRANT_TYPE, RefreshedToken, TOKEN_EXCHANGE_GRANT_TYPE,
    TokenRequest, TokenResponse, TokenResponseOptions, TokenType, parse_refresh_token_response,
    parse_refresh_token_response_within_scope, parse_token_exchange_response, parse_token_response,
    token_type_uri,
};
pub use wire::{MAX_RESPONSE_BYTES, check_endpoint, check_server_endpoint};
