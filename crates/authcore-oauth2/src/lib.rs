//! # authcore-oauth2
//!
//! The client side of OAuth 2.0 as a protocol core: it builds the HTTP requests a client
//! sends, checks the responses and callbacks it receives, and keeps the state in between, for
//! every grant of RFC 6749 and the RFCs around it (PKCE, PAR, JAR, DPoP, device flow, token
//! exchange, revocation, introspection, metadata, bearer token use).
//!
//! It performs **no I/O**: it never opens a connection, reads no clock and draws no randomness
//! of its own. Time (`now`) and randomness ([`SecureRandom`]) are arguments; HTTP messages are
//! plain `http::Request` / `http::Response` values that *your* HTTP stack (any client,
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
//! // (`authcore_jose::crypto::default_provider().system_random()` and
//! // `UnixTime::try_from(SystemTime::now())`), fixed values in tests.
//! let rng = authcore_oauth2::jose::InsecureTestRandom::new(7);
//! let now = UnixTime::from_secs(1_700_000_000); // fixed test value
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
//! ## The drive loop
//!
//! A multi-step exchange is a state machine driven one way: ask it what to do at `now`, do
//! it (send, or wait), hand the answer back, repeat until it is done. Device polling as
//! code, with a virtual clock and a scripted server standing in for the real ones:
//!
//! ```
//! use authcore_oauth2::{
//!     parse_device_authorization_response, AuthorizationServer, Client, ClientAuthentication,
//!     DeviceAction, DeviceAuthorizationFlow, DeviceFlowStep, TokenResponseOptions, UnixTime,
//! };
//! # fn json(status: u16, body: &str) -> http::Response<Vec<u8>> {
//! #     http::Response::builder().status(status).header("content-type", "application/json")
//! #         .body(body.as_bytes().to_vec()).unwrap()
//! # }
//! # let answers = std::cell::RefCell::new(vec![
//! #     json(200, r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer"}"#),
//! #     json(503, "{}"),
//! #     json(400, r#"{"error":"authorization_pending"}"#),
//! # ]);
//! # let send = |_req: http::Request<Vec<u8>>| answers.borrow_mut().pop().unwrap();
//! let rng = authcore_oauth2::jose::InsecureTestRandom::new(7);
//! // A fixed test value that the loop below advances; your clock in production.
//! let mut clock = UnixTime::from_secs(1_700_000_000);
//! let server = AuthorizationServer::new("https://as.example")
//!     .with_token_endpoint("https://as.example/token")?;
//! let client = Client::new("tv", ClientAuthentication::None);
//! let options = TokenResponseOptions::new();
//! # let device_authorization_response = json(200, r#"{"device_code":"GmRhmhcxhwAzkoEqiMEg","user_code":"WDJB-MJHT","verification_uri":"https://as.example/device","expires_in":600,"interval":5}"#);
//! let response = parse_device_authorization_response(&device_authorization_response)?;
//! let mut flow = DeviceAuthorizationFlow::new(response, clock);
//! let tokens = loop {
//!     match flow.next_action(clock) {
//!         // Sleep until `t` (here: move the virtual clock).
//!         DeviceAction::WaitUntil(t) => clock = t,
//!         DeviceAction::Expired => panic!("the user did not answer in time"),
//!         DeviceAction::Poll => {
//!             let request = flow.build_token_request(&client, &server, clock, &rng)?;
//!             let answer = send(request); // your HTTP stack
//!             flow = match flow.handle_token_response(&answer, clock, &options)? {
//!                 DeviceFlowStep::Complete(tokens) => break tokens,
//!                 // authorization_pending, slow_down: poll again at the flow's time.
//!                 DeviceFlowStep::Pending(flow) => flow,
//!                 // 429/502/503/504: the flow comes back intact; resume now or later.
//!                 DeviceFlowStep::Interrupted { flow, .. } => flow,
//!                 other => unreachable!("{other:?}"),
//!             };
//!         }
//!     }
//! };
//! assert_eq!(tokens.access_token.secret(), "2YotnFZFEjr1zCsicMWpAA");
//! # Ok::<(), authcore_oauth2::Error>(())
//! ```
//!
//! That loop is written once, as drivers that take the caller's clock (`now`), HTTP client
//! (`send`) and timer (`sleep`) as parameters: [`poll_device_flow`] (an async fn that needs
//! no runtime; it never polls faster than [`MIN_DEVICE_POLL_GAP`] and returns the flow on a
//! transient failure, [`DevicePollError::Interrupted`]) and [`send_with_dpop`] for the DPoP
//! nonce retry, each with a `*_blocking` twin that runs the same loop with a blocking `send`
//! and `sleep`. Adapters supply the three parameters and nothing else.
//!
//! ## One front channel for every response type
//!
//! [`AuthorizationRequest`] builds the request of every response type (`code`, the
//! deprecated `token`, and the combinations of OAuth 2.0 Multiple Response Types and OpenID
//! Connect, [`ResponseType`]); one check handles every callback: `state` first, then `iss`
//! (RFC 9207), the response mode, an error response, and the values the response type
//! returns. The flow is part of the pending request's type, so a callback can only be handled
//! by a value that expects it:
//!
//! ```text
//!   AuthorizationRequest::new(..)                 ─► PendingAuthorization<CodeFlow>
//!        .handle_callback(&response)              ─► AuthorizationCodeGrant
//!   AuthorizationRequest::implicit(..)            ─► PendingAuthorization<ImplicitFlow>
//!        .handle_implicit_callback(&response, ..) ─► TokenResponse          (deprecated)
//!   AuthorizationRequest::with_response_type(..)  ─► PendingAuthorization<AnyResponseType>
//!        .handle_response(&response, ..)          ─► AuthorizationCallback (code / token / id_token)
//! ```
//!
//! `authcore-oidc` builds its authentication requests on the same builder and check.
//!
//! The messages themselves are side-neutral: [`AuthorizationRequestParams`] and
//! [`AuthorizationResponseParams`] are built from their fields, serialized into a URL, and
//! parsed strictly (repeated parameters refused, RFC 6749 §3.1), so an authorization server
//! reads the request and emits the response with the same types:
//!
//! ```
//! use authcore_oauth2::{
//!     AuthorizationCode, AuthorizationRequestParams, AuthorizationResponseParams,
//!     AuthorizationSuccess, ResponseMode, ResponseType,
//! };
//! use url::Url;
//!
//! // RFC 6749 §4.1.1's example request, as the authorization endpoint receives it.
//! let request = AuthorizationRequestParams::parse(
//!     b"response_type=code&client_id=s6BhdRkqt3&state=xyz\
//!       &redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb",
//! )?;
//! assert_eq!(request.response_type, ResponseType::Code);
//! assert_eq!(request.redirect_uri.as_deref(), Some("https://client.example.com/cb"));
//!
//! // RFC 6749 §4.1.2's response, as a redirect with the parameters in the query.
//! let mut success = AuthorizationSuccess::new();
//! success.code = Some(AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"));
//! success.state = request.state.clone();
//! let response = AuthorizationResponseParams::Success(success);
//! let redirect = Url::parse(request.redirect_uri.as_deref().unwrap_or_default())?;
//! let location = response.to_redirect_url(&redirect, &ResponseMode::Query)?;
//! assert_eq!(
//!     location.as_str(),
//!     "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Security defaults
//!
//! - PKCE S256 on every code request; `plain` only through
//!   [`AuthorizationRequest::insecure_pkce_plain`].
//! - 256-bit `state` from the caller's RNG, compared in constant time; the callback is
//!   handled by consuming the [`PendingAuthorization`], so state and verifier are single use,
//!   and only a pending request of the right flow has a handler for it.
//! - Tokens never in a query: a request that asks for that is refused, a response that came by
//!   another response mode than the one requested is refused, and so is a token the response
//!   type does not return.
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
#![doc(html_root_url = "https://docs.rs/authcore-oauth2/latest")]

mod assertion;
mod authorization;
mod bearer;
mod client;
mod device;
mod dpop;
mod drive;
mod encryption;
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

// Fuzz entry points: built for cargo-fuzz (`--cfg fuzzing`) and the crate's own property tests
// (feature `fuzzing`), never part of the public API of a normal build.
#[cfg(any(fuzzing, feature = "fuzzing"))]
pub mod fuzzing;

/// The JOSE crate this one builds on (keys, signers, `UnixTime`, `SecureRandom`).
pub use authcore_jose as jose;
pub use authcore_jose::{SecureRandom, UnixTime};

pub use assertion::{DEFAULT_ASSERTION_LIFETIME, JwtBearerAssertion};
pub use authorization::{
    AnyResponseType, AuthorizationCallback, AuthorizationCodeGrant, AuthorizationError,
    AuthorizationFlow, AuthorizationRequest, AuthorizationRequestParams, AuthorizationResponse,
    AuthorizationResponseParams, AuthorizationSuccess, CodeFlow, ImplicitFlow,
    OPENID_REQUEST_PARAMETERS, PendingAuthorization, PendingPushedAuthorization,
    PushedAuthorizationResponse, REQUEST_OBJECT_TYP, ResponseMode, ResponseType,
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
pub use dpop::{
    DPOP, DPOP_NONCE, DPOP_PROOF_TYP, DpopExchange, DpopKey, DpopStep, access_token_hash,
    demands_nonce, is_nonce_syntax, normalize_htu,
};
pub use drive::{
    DevicePollError, MIN_DEVICE_POLL_GAP, TransientFailure, poll_device_flow,
    poll_device_flow_blocking, run_ready, seconds_between, send_with_dpop, send_with_dpop_blocking,
};
pub use encryption::{JweAlgorithms, is_compact_jwe};
pub use error::{Error, ErrorCode, ErrorResponse, ProtocolError, Result, SecurityError};
pub use form::{ClientAuthParams, FormParams, MAX_FORM_BYTES, MAX_FORM_PARAMETERS, encode_form};
pub use introspection::{
    IntrospectionRequest, IntrospectionResponse, RevocationOutcome, RevocationRequest,
    TOKEN_INTROSPECTION_JWT, TokenHintRequest, TokenTypeHint, build_introspection_request,
    build_jwt_introspection_request, build_revocation_request,
    parse_encrypted_jwt_introspection_response, parse_introspection_response,
    parse_jwt_introspection_response, parse_revocation_response,
};
pub use metadata::{
    AuthorizationServerMetadata, OAUTH_AUTHORIZATION_SERVER, build_metadata_request, metadata_url,
    parse_metadata_response,
};
pub use pkce::PkceMethod;
pub use registration::{
    ClientInformationResponse, ClientMetadata, parse_registration_deletion_response,
    parse_registration_response,
};
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
pub use wire::{MAX_RESPONSE_BYTES, check_endpoint, check_server_endpoint, is_loopback};
