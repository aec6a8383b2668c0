//! # authcore-oidc
//!
//! The relying-party side of OpenID Connect as a protocol core: discovery (OpenID Connect
//! Discovery 1.0, RFC 8414), the provider's JWK Set as a cache state machine, ID token
//! validation with every step of OpenID Connect Core 1.0 (§3.1.3.7 code flow, §3.2.2.11
//! implicit, §3.3.2.12 hybrid, §12.2 refresh), authentication requests and their responses for
//! every response type, UserInfo (§5.3), RP-initiated logout and back-channel logout tokens.
//! It builds on `authcore-oauth2` (the front channel: authorization requests of every
//! response type, PKCE, the one callback check; token requests, client authentication,
//! DPoP) and `authcore-jose` (JWS, JWK), and adds only what OpenID Connect adds: the `openid`
//! scope, `nonce`, `max_age`, `claims` and the other request parameters, and ID token
//! validation.
//!
//! It performs **no I/O**: it opens no connection, reads no clock and draws no randomness of
//! its own. Time (`now`) and randomness ([`SecureRandom`]) are arguments; HTTP messages are
//! plain `http::Request`/`http::Response` values that *your* HTTP stack carries.
//!
//! Not covered: dynamic client registration (OpenID Connect Dynamic Client Registration
//! 1.0); Session Management 1.0 (`check_session_iframe` is read from discovery, not driven).
//! Covered besides the flows
//! above: request objects for authentication requests, by value or pushed
//! ([`AuthenticationRequest::build_signed_url`],
//! [`AuthenticationRequest::build_signed_par_request`]), and front-channel logout requests
//! ([`parse_frontchannel_logout_request`]).
//!
//! ## Encryption (JWE)
//!
//! What the client registered decides, and is checked against discovery before use
//! ([`ProviderMetadata::check_id_token_encryption`] and its siblings refuse what the provider
//! does not list, naming the member):
//!
//! - **ID tokens** (`id_token_encrypted_response_alg/enc`, Core §10.2, §3.1.3.7 step 1):
//!   [`IdTokenVerifier::decryption_keys`] and
//!   [`IdTokenVerifier::id_token_encrypted_response`]. Every ID token must then be a JWE with
//!   exactly those algorithms and `cty` `JWT`; it is decrypted with the client's keys and the
//!   signed token inside passes every usual check. A token that is only signed is refused
//!   ([`TokenError::EncryptionRequired`]); a JWE when nothing is registered too
//!   ([`TokenError::UnexpectedEncryption`]). Logout tokens may be encrypted the same way.
//! - **UserInfo** (`userinfo_encrypted_response_alg/enc`, Core §5.3.2):
//!   [`IdTokenVerifier::userinfo_encrypted_response`]; signed then encrypted responses through
//!   [`parse_signed_userinfo_response`], encrypted-only ones through
//!   [`parse_encrypted_userinfo_response`].
//! - **Request objects** (`request_object_encryption_alg/enc`, Core §6.1, RFC 9101 §4):
//!   [`RequestObjectEncryption`] picks the provider's encryption key from its JWK Set;
//!   [`AuthenticationRequest::build_encrypted_url`],
//!   [`AuthenticationRequest::build_encrypted_par_request`] and
//!   [`AuthenticationRequest::build_encrypted_request_object`] sign, then encrypt.
//! - **JWT introspection responses** (RFC 9701 §6) are `authcore-oauth2`'s
//!   [`parse_encrypted_jwt_introspection_response`](authcore_oauth2::parse_encrypted_jwt_introspection_response).
//!
//! Symmetric algorithms use the key Core §10.2 derives from the client secret
//! ([`client_secret_key`]). Decryption failures are one opaque error; the `alg`/`enc` of the header is compared with
//! the registration before any key is tried.
//!
//! ```
//! use authcore_jose::jwe::{DecryptionKey, EncryptionKey, JweBuilder};
//! use authcore_jose::{crypto, ContentEncryptionAlgorithm, KeyManagementAlgorithm};
//! use authcore_oidc::{IdTokenVerifier, JweAlgorithms, TokenError};
//! # use authcore_jose::{jwt, Jwk, JwsAlgorithm, JwsHeader, SigningKey, UnixTime, VerifyingKey};
//! let provider = crypto::default_provider();
//! let registered = JweAlgorithms::new(KeyManagementAlgorithm::A256GcmKw, ContentEncryptionAlgorithm::A256Gcm);
//! let secret = [7u8; 32]; // the client's key (an RSA or EC private JWK in practice)
//! let verifier = IdTokenVerifier::new("https://op.example", "s6BhdRkqt3")
//!     .id_token_signed_response_alg(JwsAlgorithm::EdDSA)?
//!     .decryption_keys(DecryptionKey::symmetric(registered.alg(), &secret, provider)?)
//!     .id_token_encrypted_response(registered);
//! # let rng = authcore_jose::InsecureTestRandom::new(1);
//! # let op = SigningKey::from_jwk(&Jwk::generate(JwsAlgorithm::EdDSA, provider, &rng)?, None, provider)?;
//! # let op_keys = VerifyingKey::from_jwk(op.public_jwk().unwrap(), None, provider)?;
//! # let claims = serde_json::json!({"iss": "https://op.example", "sub": "248289761001",
//! #     "aud": "s6BhdRkqt3", "exp": 1_700_000_300, "iat": 1_700_000_000});
//! # let to_client = EncryptionKey::symmetric(registered.alg(), &secret, provider)?;
//! // The provider signs, then encrypts to the client (Core §10.2).
//! let id_token = jwt::sign_and_encrypt(
//!     &JwsHeader::new(JwsAlgorithm::EdDSA), &claims, &op,
//!     &JweBuilder::new(registered.enc()).recipient(&to_client), &rng)?;
//! let now = UnixTime::from_secs(1_700_000_005); // fixed test value
//! let expect = authcore_oidc::IdTokenExpectations::token_endpoint();
//! let claims = verifier.validate(&id_token, &op_keys, &expect, now)?;
//! assert_eq!(claims.sub, "248289761001");
//! // The same token merely signed is refused: the encryption cannot be stripped.
//! let signed_only = jwt::encode(&JwsHeader::new(JwsAlgorithm::EdDSA), &serde_json::json!({}), &op)?;
//! assert_eq!(
//!     verifier.validate(&signed_only, &op_keys, &expect, now).unwrap_err(),
//!     authcore_oidc::Error::Token(TokenError::EncryptionRequired),
//! );
//! # Ok::<(), authcore_oidc::Error>(())
//! ```
//!
//! ```text
//!   build_discovery_request ─► HTTP ─► parse_discovery_response ─► ProviderMetadata
//!                                                                     │
//!   JwksCache::poll(now) ─► Fetch(req) ─► HTTP ─► handle_response ◄───┤ jwks_uri
//!          └─ WaitUntil(t) / Ready (keys)   (driven by ensure_jwks)   │
//!                                                                     ▼
//!   AuthenticationRequest::build_url ─► (url, PendingAuthentication) ─► user agent
//!   callback ─► pending.handle_callback ─► AuthenticationResponse
//!            ├─ Code(CodeExchange)                      (code, code token)
//!            └─ IdToken(front) ─► front.validate(verifier, keys, now)
//!                 ─► CallbackOutcome::CodeExchange / ::Authenticated (implicit)
//!   CodeExchange::build_token_request ─► HTTP ─► parse_token_response
//!            ─► validate_token_response(tokens, verifier, keys, now) ─► Authentication
//! ```
//!
//! ## Authorization code flow, end to end
//!
//! The HTTP exchanges go to a stub provider here; a real application sends them with its HTTP
//! client.
//!
//! ```
//! use authcore_jose::{crypto, jwt, Jwk, JwkSet, JwsAlgorithm, JwsHeader, SigningKey, UnixTime};
//! use authcore_oauth2::{
//!     parse_token_response, AuthorizationResponse, Client, ClientAuthentication, ClientSecret,
//!     TokenResponseOptions,
//! };
//! use authcore_oidc::{
//!     build_discovery_request, parse_discovery_response, AuthenticationRequest,
//!     AuthenticationResponse, DiscoveryOptions, IdTokenVerifier, JwksAction,
//! };
//! # use std::cell::RefCell;
//! # struct Op { key: SigningKey, jwks: String, nonce: RefCell<String>, now: u64 }
//! # impl Op {
//! #     fn send(&self, req: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
//! #         let json = |body: String| http::Response::builder().status(200)
//! #             .header("content-type", "application/json")
//! #             .header("cache-control", "max-age=3600")
//! #             .body(body.into_bytes()).unwrap();
//! #         match req.uri().path() {
//! #             "/.well-known/openid-configuration" => json(serde_json::json!({
//! #                 "issuer": "https://op.example",
//! #                 "authorization_endpoint": "https://op.example/authorize",
//! #                 "token_endpoint": "https://op.example/token",
//! #                 "userinfo_endpoint": "https://op.example/userinfo",
//! #                 "jwks_uri": "https://op.example/jwks",
//! #                 "response_types_supported": ["code", "code id_token"],
//! #                 "subject_types_supported": ["public"],
//! #                 "id_token_signing_alg_values_supported": ["EdDSA", "RS256"],
//! #             }).to_string()),
//! #             "/jwks" => json(self.jwks.clone()),
//! #             "/token" => {
//! #                 let claims = serde_json::json!({
//! #                     "iss": "https://op.example", "sub": "248289761001", "aud": "s6BhdRkqt3",
//! #                     "exp": self.now + 300, "iat": self.now, "auth_time": self.now - 10,
//! #                     "nonce": self.nonce.borrow().as_str(), "email": "janedoe@example.com",
//! #                 });
//! #                 let header = JwsHeader::new(JwsAlgorithm::EdDSA).with_kid("k1");
//! #                 let id_token = jwt::encode(&header, &claims, &self.key).unwrap();
//! #                 json(serde_json::json!({"access_token": "SlAV32hkKG", "token_type": "Bearer",
//! #                     "expires_in": 3600, "id_token": id_token}).to_string())
//! #             }
//! #             other => panic!("unexpected request to {other}"),
//! #         }
//! #     }
//! # }
//! // Randomness and time come from the caller: the OS generator and the clock in
//! // production (`UnixTime::try_from(SystemTime::now())`), fixed values here.
//! let rng = authcore_jose::InsecureTestRandom::new(7);
//! let now = UnixTime::from_secs(1_700_000_000); // fixed test value
//! # let mut private = Jwk::generate(JwsAlgorithm::EdDSA, crypto::default_provider(), &rng)?;
//! # private.kid = Some("k1".into());
//! # let op = Op {
//! #     key: SigningKey::from_jwk(&private, None, crypto::default_provider())?,
//! #     jwks: JwkSet::new(vec![private.to_public()?]).to_json(),
//! #     nonce: RefCell::new(String::new()),
//! #     now: now.as_secs(),
//! # };
//!
//! // 1. Discovery: the document's `issuer` must be exactly the one asked for.
//! let issuer = "https://op.example";
//! let metadata = parse_discovery_response(
//!     &op.send(build_discovery_request(issuer)?),
//!     issuer,
//!     &DiscoveryOptions::new(),
//! )?;
//! let server = metadata.authorization_server()?;
//!
//! // 2. The client, its ID token verifier (registered alg EdDSA) and the JWKS cache.
//! let client = Client::new(
//!     "s6BhdRkqt3",
//!     ClientAuthentication::ClientSecretBasic(ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
//! );
//! let verifier = IdTokenVerifier::new(metadata.issuer(), client.client_id())
//!     .id_token_signed_response_alg(JwsAlgorithm::EdDSA)?;
//! let mut jwks = metadata.jwks_cache(verifier.algorithms())?;
//!
//! // 3. Send the user agent to `url`; keep `pending` (state, nonce, PKCE verifier, max_age).
//! let (url, pending) = AuthenticationRequest::new("https://client.example/cb")
//!     .scope("email")
//!     .max_age(3600)
//!     .build_url(&client, &server, &rng)?;
//! assert!(url.as_str().contains("scope=openid+email"));
//! # *op.nonce.borrow_mut() = pending.nonce().secret().to_owned();
//!
//! // 4. The callback: `state` (constant time), `iss` and the response mode are checked by
//! //    the pending request. A `code` response carries no ID token: it can only go on to the
//! //    code exchange.
//! # let callback_uri = format!(
//! #     "https://client.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state={}", pending.state().secret());
//! let callback = AuthorizationResponse::from_redirect_uri(&callback_uri)?;
//! let AuthenticationResponse::Code(exchange) = pending.handle_callback(&callback)? else {
//!     unreachable!("a code request's response has no front-channel ID token")
//! };
//!
//! // 5. The token request, with PKCE verifier and client authentication.
//! let response = op.send(exchange.build_token_request(&client, &server, now, &rng)?);
//! let tokens = parse_token_response(&response, &TokenResponseOptions::new())?;
//!
//! // 6. Make sure the JWKS cache holds the ID token's key (fetch, or refetch on rotation):
//! //    the drive loop, as code. `ensure_jwks` / `ensure_jwks_blocking` are this loop written
//! //    once, bounded, with the clock, `send` and `sleep` as parameters.
//! let id_token = tokens.id_token.clone().expect("an ID token");
//! loop {
//!     match jwks.poll_for_token(id_token.secret(), now) {
//!         JwksAction::Fetch(request) => jwks.handle_response(&op.send(request), now)?,
//!         JwksAction::WaitUntil(_) => unreachable!("the stub always answers"),
//!         JwksAction::Ready => break,
//!     }
//! }
//!
//! // 7. Validate the ID token: signature, iss, aud, exp, iat, nonce, auth_time vs max_age...
//! let auth = exchange.validate_token_response(tokens, &verifier, &jwks, now)?;
//! assert_eq!(auth.claims.sub, "248289761001");
//! assert_eq!(auth.claims.standard.email.as_deref(), Some("janedoe@example.com"));
//! # Ok::<(), authcore_oidc::Error>(())
//! ```
//!
//! ## Security defaults
//!
//! - `issuer` of discovery documents and `iss` of ID tokens compared exactly; templated
//!   issuers (Microsoft's `{tenantid}`) only through methods named `insecure_*`.
//! - ID token algorithms: `RS256` unless the registered algorithm or an explicit allow-list
//!   says otherwise; the key decides the algorithm; `none` never.
//! - Other audiences than the client rejected unless trusted; `azp` enforced.
//! - A `nonce` on every authentication request, compared in constant time; `max_age` and
//!   essential `acr` requests carried to the ID token check by the pending request.
//! - `at_hash`/`c_hash` required where the response type requires them.
//! - The JWKS is refetched on an unknown `kid` at most once per interval, even right after
//!   the first fetch; a `kid` whose key was dropped (too weak, no accepted algorithm) is
//!   refused with the reason. Every endpoint of a discovered document is `https` (or
//!   loopback `http`), checked at discovery.
//! - Registered encryption is required: an unencrypted ID token or UserInfo response is then
//!   refused, and a JWE must use exactly the registered `alg` and `enc`.
//! - Every parser has a size limit; JSON is strict (duplicate members rejected).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(html_root_url = "https://docs.rs/authcore-oidc/latest")]

mod claim_sources;
mod claims;
mod discovery;
mod encrypted;
mod error;
mod flow;
mod id_token;
mod jwks;
mod logout;
mod signed_jwt;
mod userinfo;

// Fuzz entry points: built for cargo-fuzz (`--cfg fuzzing`) and the crate's own property tests
// (feature `fuzzing`), never part of the public API of a normal build.
#[cfg(any(fuzzing, feature = "fuzzing"))]
pub mod fuzzing;

/// The JOSE crate underneath.
pub use authcore_jose as jose;
pub use authcore_jose::{SecureRandom, UnixTime};
/// The OAuth 2.0 crate this one builds on.
pub use authcore_oauth2 as oauth2;

pub use authcore_oauth2::{JweAlgorithms, ResponseType};
pub use claim_sources::{
    ClaimSource, ClaimSourceKind, build_distributed_claims_request, claim_sources,
    parse_distributed_claims_response, verify_claims_jwt,
};
pub use claims::{Address, IdTokenClaims, StandardClaims};
pub use discovery::{
    DiscoveryOptions, MAX_METADATA_BYTES, OPENID_CONFIGURATION, ProviderMetadata,
    build_discovery_request, discovery_url, discovery_url_rfc8414, parse_discovery_response,
};
pub use encrypted::{RequestObjectEncryption, client_secret_key};
pub use error::{Error, JwksError, MetadataError, Result, TokenError, UserInfoError};
pub use flow::{
    Authentication, AuthenticationRequest, AuthenticationResponse, CallbackOutcome, CodeExchange,
    FrontChannelIdToken, ImplicitAccessToken, PendingAuthentication, PendingPushedAuthentication,
    validate_refresh_response,
};
pub use id_token::{DEFAULT_IAT_WINDOW, IdTokenExpectations, IdTokenVerifier, token_hash};
pub use jwks::{
    DEFAULT_FETCH_TIMEOUT, DEFAULT_JWKS_TTL, DEFAULT_MAX_JWKS_TTL, DEFAULT_MIN_JWKS_TTL,
    DEFAULT_MIN_REFETCH_INTERVAL, JwksAction, JwksCache, JwksCacheHandle, MAX_JWKS_BYTES,
    MAX_JWKS_STEPS, MAX_JWKS_WAIT, ensure_jwks, ensure_jwks_blocking,
};
pub use logout::{
    BACKCHANNEL_LOGOUT_EVENT, FrontChannelLogout, LOGOUT_TOKEN_TYP, LogoutRequest, LogoutToken,
    MAX_LOGOUT_REQUEST_BYTES, frontchannel_logout_response, logout_response,
    parse_frontchannel_logout_query, parse_frontchannel_logout_request, parse_logout_request,
    parse_logout_request_body,
};
pub use userinfo::{
    MAX_USERINFO_BYTES, UserInfo, build_userinfo_request, build_userinfo_request_dpop,
    parse_encrypted_userinfo_response, parse_signed_userinfo_response, parse_userinfo_json,
    parse_userinfo_response, parse_userinfo_response_without_subject_check, userinfo_dpop_exchange,
};
