//! The storable client facade: one value per (client, server) pair that runs whole flows.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use authcore_jose::crypto::Provider;
use authcore_jose::jwe::{DecryptionKeySource, JweOptions};
use authcore_jose::{AlgorithmFamily, JwsAlgorithm, JwsSigner, KeySource, SecureRandom};
use authcore_oauth2::{
    AccessToken, AuthorizationRequest, AuthorizationResponse, AuthorizationServer,
    AuthorizationServerMetadata, ClientAuthentication, ClientInformationResponse, ClientMetadata,
    DeviceAuthorizationFlow, DpopExchange, DpopKey, IdToken, IntrospectionResponse, JweAlgorithms,
    Nonce, PendingAuthorization, RefreshToken, RefreshedToken, RevocationOutcome, TokenRequest,
    TokenResponse, TokenResponseOptions, TokenTypeHint, UnixTime,
};
use authcore_oidc::{
    Authentication, AuthenticationRequest, AuthenticationResponse, CallbackOutcome,
    DiscoveryOptions, IdTokenClaims, IdTokenExpectations, IdTokenVerifier, JwksCache,
    JwksCacheHandle, LogoutRequest, LogoutToken, PendingAuthentication, ProviderMetadata,
    RequestObjectEncryption, UserInfo,
};
use http::{Method, Request, Response, StatusCode};
use serde_json::Value;
use url::Url;

use crate::clock;
use crate::error::{Error, Result};
use crate::transport::{HttpClient, HttpConfig};

/// Tokens from an authorization code exchange, with what is needed to validate the ID token.
#[derive(Debug)]
#[non_exhaustive]
pub struct AuthorizationTokens {
    /// The token response.
    pub response: TokenResponse,
    /// When the response was received (for [`TokenResponse::expires_at`] and ID token checks).
    pub received_at: UnixTime,
    /// The `nonce` the authorization request sent, if any.
    pub nonce: Option<Nonce>,
    /// The validated ID token claims, when the response had an ID token and the client was
    /// discovered with OpenID Connect Discovery (signature, `iss`, `aud`, `exp`, `iat`,
    /// `nonce` and `at_hash` checked, OpenID Connect Core §3.1.3.7).
    pub id_token: Option<IdTokenClaims>,
}

/// A token to introspect (RFC 7662) or revoke (RFC 7009): one of the token types, or a
/// string for a token of another kind (as a resource server receives it).
///
/// The token types say what they are, so they bring their `token_type_hint` (RFC 7009 §2.1,
/// RFC 7662 §2.1) with them; a string brings none.
///
/// ```
/// use authcore_reqwest::TokenRef;
/// use authcore_reqwest::oauth2::{AccessToken, TokenTypeHint};
/// let at = AccessToken::new("2YotnFZFEjr1zCsicMWpAA");
/// assert_eq!(TokenRef::from(&at).type_hint(), Some(TokenTypeHint::AccessToken));
/// assert_eq!(TokenRef::from("2YotnFZFEjr1zCsicMWpAA").type_hint(), None);
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum TokenRef<'a> {
    /// An access token.
    Access(&'a AccessToken),
    /// A refresh token.
    Refresh(&'a RefreshToken),
    /// A token known only as a string.
    Other(&'a str),
}

impl TokenRef<'_> {
    /// The token's value.
    pub fn secret(&self) -> &str {
        match self {
            TokenRef::Access(t) => t.secret(),
            TokenRef::Refresh(t) => t.secret(),
            TokenRef::Other(t) => t,
        }
    }

    /// The `token_type_hint` its type implies: `access_token`, `refresh_token`, or none for a
    /// string.
    pub fn type_hint(&self) -> Option<TokenTypeHint> {
        match self {
            TokenRef::Access(_) => Some(TokenTypeHint::AccessToken),
            TokenRef::Refresh(_) => Some(TokenTypeHint::RefreshToken),
            TokenRef::Other(_) => None,
        }
    }
}

/// Redacted, as the token types are: a token is a credential.
impl fmt::Debug for TokenRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenRef::Access(_) => "TokenRef::Access([REDACTED])",
            TokenRef::Refresh(_) => "TokenRef::Refresh([REDACTED])",
            TokenRef::Other(_) => "TokenRef::Other([REDACTED])",
        })
    }
}

impl<'a> From<&'a AccessToken> for TokenRef<'a> {
    fn from(t: &'a AccessToken) -> Self {
        TokenRef::Access(t)
    }
}

impl<'a> From<&'a RefreshToken> for TokenRef<'a> {
    fn from(t: &'a RefreshToken) -> Self {
        TokenRef::Refresh(t)
    }
}

impl<'a> From<&'a str> for TokenRef<'a> {
    fn from(t: &'a str) -> Self {
        TokenRef::Other(t)
    }
}

impl<'a> From<&'a String> for TokenRef<'a> {
    fn from(t: &'a String) -> Self {
        TokenRef::Other(t)
    }
}

/// Builds a [`Client`].
///
/// ```
/// use authcore_reqwest::{AuthorizationServer, ClientAuthentication, ClientSecret};
/// let server = AuthorizationServer::new("https://as.example")
///     .with_token_endpoint("https://as.example/token")?;
/// let client = authcore_reqwest::Client::builder(
///     "s6BhdRkqt3",
///     ClientAuthentication::ClientSecretBasic(ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
/// )
/// .build(server)?;
/// assert_eq!(client.client_id(), "s6BhdRkqt3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    client: authcore_oauth2::Client,
    http: Option<HttpClient>,
    config: HttpConfig,
    dpop: Option<DpopKey>,
    options: TokenResponseOptions,
    rng: Option<&'static dyn SecureRandom>,
    id_token_algorithms: Vec<JwsAlgorithm>,
    discovery: DiscoveryOptions,
    jwks_min_refetch_interval: Option<u64>,
    mtls: Option<bool>,
    encryption: Encryption,
}

/// The client's decryption keys and the encrypted responses it registered.
#[derive(Clone, Default)]
struct Encryption {
    keys: Option<Arc<dyn DecryptionKeySource + Send + Sync>>,
    id_token: Option<JweAlgorithms>,
    userinfo: Option<JweAlgorithms>,
    introspection: Option<JweAlgorithms>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("client", &self.client)
            .field("config", &self.config)
            .field("dpop", &self.dpop)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Sets the HTTP settings (ignored when [`ClientBuilder::http_client`] is used).
    pub fn http_config(mut self, config: HttpConfig) -> Self {
        self.config = config;
        self
    }

    /// Uses an existing HTTP client (shares its connection pool).
    pub fn http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Requests DPoP-bound tokens with `key` (RFC 9449): every token endpoint request carries
    /// a proof, and [`Client::userinfo`] / [`Client::send_protected`] present tokens as
    /// `DPoP`. Server nonces are remembered per origin and retried once when demanded.
    pub fn dpop(mut self, key: DpopKey) -> Self {
        self.dpop = Some(key);
        self
    }

    /// Sets how token responses are checked (provider quirks are opt-ins there). DPoP is added
    /// automatically when a DPoP key is set.
    pub fn token_response_options(mut self, options: TokenResponseOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets the crypto provider of the core client (client assertions, PKCE).
    pub fn crypto_provider(mut self, provider: impl Into<Provider>) -> Self {
        self.client = self.client.with_crypto_provider(provider);
        self
    }

    /// Replaces the core client (for assertion audience or lifetime settings).
    pub fn oauth_client(mut self, client: authcore_oauth2::Client) -> Self {
        self.client = client;
        self
    }

    /// Uses another randomness source instead of the operating system's (for reproducible
    /// tests only).
    pub fn random(mut self, rng: &'static dyn SecureRandom) -> Self {
        self.rng = Some(rng);
        self
    }

    /// The client's registered `id_token_signed_response_alg` (OpenID Connect Dynamic
    /// Client Registration §2): ID tokens and logout tokens are accepted with this algorithm
    /// only. Default `RS256`. `HS256`/`HS384`/`HS512` use the client secret.
    pub fn id_token_signed_response_alg(mut self, alg: JwsAlgorithm) -> Self {
        self.id_token_algorithms = vec![alg];
        self
    }

    /// The client's private keys for the encrypted responses it registered (OpenID Connect
    /// Core §10.2, RFC 9701 §6): a [`DecryptionKeys`](authcore_jose::DecryptionKeys) built
    /// from the client's own JWK Set, whose public half the provider encrypts to, or one
    /// [`DecryptionKey`](authcore_jose::DecryptionKey).
    pub fn decryption_keys(
        mut self,
        keys: impl DecryptionKeySource + Send + Sync + 'static,
    ) -> Self {
        self.encryption.keys = Some(Arc::new(keys));
        self
    }

    /// The client's registered `id_token_encrypted_response_alg/enc`: every ID token must be
    /// encrypted with exactly these (and logout tokens may be), see
    /// [`IdTokenVerifier::id_token_encrypted_response`]. Building refuses a provider whose
    /// metadata does not list them, and a client without
    /// [decryption keys](ClientBuilder::decryption_keys).
    pub fn id_token_encrypted_response(mut self, algorithms: JweAlgorithms) -> Self {
        self.encryption.id_token = Some(algorithms);
        self
    }

    /// The client's registered `userinfo_encrypted_response_alg/enc`: [`Client::userinfo`]
    /// then accepts only encrypted responses (signed, then encrypted, or encrypted only), see
    /// [`IdTokenVerifier::userinfo_encrypted_response`]. Checked against the metadata as
    /// [`ClientBuilder::id_token_encrypted_response`] is.
    pub fn userinfo_encrypted_response(mut self, algorithms: JweAlgorithms) -> Self {
        self.encryption.userinfo = Some(algorithms);
        self
    }

    /// The client's registered `introspection_encrypted_response_alg/enc` (RFC 9701 §6):
    /// [`Client::introspect`] then asks for JWT responses and accepts only encrypted ones,
    /// signed with the provider's keys (an OpenID Connect client's JWK Set). Building refuses
    /// metadata that does not list them (RFC 9701 §7).
    pub fn introspection_encrypted_response(mut self, algorithms: JweAlgorithms) -> Self {
        self.encryption.introspection = Some(algorithms);
        self
    }

    /// Sets the shortest interval between two fetches of the provider's JWK Set, in seconds
    /// (default [`authcore_oidc::DEFAULT_MIN_REFETCH_INTERVAL`]): the bound on refetches that
    /// tokens naming unknown `kid`s can cause.
    pub fn jwks_min_refetch_interval(mut self, secs: u64) -> Self {
        self.jwks_min_refetch_interval = Some(secs);
        self
    }

    /// Sets how discovery documents are checked (provider quirks are opt-ins there).
    pub fn discovery_options(mut self, options: DiscoveryOptions) -> Self {
        self.discovery = options;
        self
    }

    /// Whether the client talks to the `mtls_endpoint_aliases` of discovered metadata (RFC
    /// 8705 §5) instead of the conventional endpoints: token, PAR, device authorization,
    /// revocation, introspection and UserInfo. By default it does when it authenticates with
    /// `tls_client_auth` or `self_signed_tls_client_auth`, or when the [`HttpConfig`] has a
    /// client certificate (certificate-bound tokens).
    pub fn mtls_endpoint_aliases(mut self, use_them: bool) -> Self {
        self.mtls = Some(use_them);
        self
    }

    fn uses_mtls(&self) -> bool {
        self.mtls.unwrap_or_else(|| {
            matches!(
                self.client.authentication(),
                ClientAuthentication::TlsClientAuth | ClientAuthentication::SelfSignedTlsClientAuth
            ) || (self.http.is_none() && self.config.has_client_certificate())
        })
    }

    /// Builds an OAuth 2.0 client for a server described by hand (no OpenID Connect: ID
    /// tokens are not validated, [`Client::userinfo`] is unavailable).
    pub fn build(self, server: AuthorizationServer) -> Result<Client> {
        Client::builder_finish(self, server, None, None)
    }

    /// Builds an OpenID Connect client from provider metadata obtained elsewhere (a
    /// configuration file, a cached discovery document). Every endpoint it names must be
    /// `https` (or `http` to a loopback host), as at discovery
    /// ([`ProviderMetadata::check_endpoints`]).
    pub fn build_with_metadata(self, metadata: ProviderMetadata) -> Result<Client> {
        // Metadata read with the permissive `ProviderMetadata::parse_json` has not been
        // through the relying party's endpoint check: refuse here, before any code exists.
        metadata.check_endpoints()?;
        let server = if self.uses_mtls() {
            metadata.authorization_server_for_mtls()?
        } else {
            metadata.authorization_server()?
        };
        Client::builder_finish(self, server, Some(metadata.oauth.clone()), Some(metadata))
    }

    /// Fetches the provider's metadata and builds a client for it: OpenID Connect Discovery
    /// (`{issuer}/.well-known/openid-configuration`, with the OpenID Connect checks) first;
    /// when that is not found, RFC 8414 (`/.well-known/oauth-authorization-server{path}`) and
    /// a plain OAuth 2.0 client. The document's `issuer` must equal `issuer` exactly.
    pub async fn discover(self, issuer: &str) -> Result<Client> {
        let http = match &self.http {
            Some(h) => h.clone(),
            None => HttpClient::new(&self.config)?,
        };
        let resp = http
            .execute(authcore_oidc::build_discovery_request(issuer)?)
            .await?;
        // Decided before the transport is fixed: a certificate in the config counts.
        let mtls = self.uses_mtls();
        let mut builder = self.http_client(http.clone());
        builder.mtls = Some(mtls);
        if resp.status() != StatusCode::NOT_FOUND {
            let metadata =
                authcore_oidc::parse_discovery_response(&resp, issuer, &builder.discovery)?;
            return builder.build_with_metadata(metadata);
        }
        let resp = http
            .execute(authcore_oauth2::build_metadata_request(issuer)?)
            .await?;
        let metadata = authcore_oauth2::parse_metadata_response(&resp, issuer)?;
        let server = if builder.uses_mtls() {
            AuthorizationServer::from_metadata_for_mtls(&metadata)?
        } else {
            AuthorizationServer::from_metadata(&metadata)?
        };
        Client::builder_finish(builder, server, Some(metadata), None)
    }
}

/// The GET request for a UserInfo endpoint from the server's metadata.
fn userinfo_get_request(url: &str, accept: &'static str) -> Result<Request<Vec<u8>>> {
    Request::builder()
        .method(Method::GET)
        .uri(url)
        .header(http::header::ACCEPT, accept)
        .body(Vec::new())
        // The URL is the server's (from its metadata), so is the fault.
        .map_err(|_| {
            authcore_oauth2::Error::from(authcore_oauth2::ProtocolError::InvalidParameter {
                name: "userinfo_endpoint",
                reason: "not a valid HTTP URI",
            })
            .into()
        })
}

/// An OAuth 2.0 / OpenID Connect client bound to one server: the core's flows, sent with
/// reqwest, with the clock and the operating system's randomness supplied.
///
/// Cheap to clone (`Arc` inside), `Send + Sync`, no type parameters: store it in application
/// state. Each method runs one whole exchange; the values that carry state between steps
/// ([`PendingAuthorization`], [`DeviceAuthorizationFlow`]) are the core's, consumed by the
/// step that uses them.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: HttpClient,
    client: authcore_oauth2::Client,
    server: AuthorizationServer,
    metadata: Option<AuthorizationServerMetadata>,
    oidc: Option<Oidc>,
    dpop: Option<DpopKey>,
    options: TokenResponseOptions,
    rng: &'static dyn SecureRandom,
    // Whether endpoints are the metadata's mTLS aliases (RFC 8705 §5).
    mtls: bool,
    // Last `DPoP-Nonce` per origin (RFC 9449 §8.2: the client uses the latest nonce it got).
    nonces: Mutex<HashMap<String, String>>,
    encryption: Encryption,
}

/// The OpenID Connect part of a discovered client.
struct Oidc {
    metadata: ProviderMetadata,
    verifier: IdTokenVerifier,
    // Shared by clones; never locked across an `.await`.
    jwks: Mutex<JwksCache>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("client", &self.inner.client)
            .field("server", &self.inner.server)
            .field("dpop", &self.inner.dpop)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts building a client with its `client_id` and authentication method.
    pub fn builder(client_id: impl Into<String>, auth: ClientAuthentication) -> ClientBuilder {
        ClientBuilder {
            client: authcore_oauth2::Client::new(client_id, auth),
            http: None,
            config: HttpConfig::new(),
            dpop: None,
            options: TokenResponseOptions::new(),
            rng: None,
            id_token_algorithms: vec![JwsAlgorithm::RS256],
            discovery: DiscoveryOptions::new(),
            jwks_min_refetch_interval: None,
            mtls: None,
            encryption: Encryption::default(),
        }
    }

    fn builder_finish(
        b: ClientBuilder,
        server: AuthorizationServer,
        metadata: Option<AuthorizationServerMetadata>,
        provider_metadata: Option<ProviderMetadata>,
    ) -> Result<Client> {
        let mtls = b.uses_mtls();
        let e = &b.encryption;
        let registered = e.id_token.is_some() || e.userinfo.is_some() || e.introspection.is_some();
        if registered && e.keys.is_none() {
            return Err(Error::Misuse(
                "encrypted responses are registered but no decryption keys are set",
            ));
        }
        if provider_metadata.is_none() && (e.id_token.is_some() || e.userinfo.is_some()) {
            return Err(Error::Misuse(
                "ID token and UserInfo encryption need OpenID Connect provider metadata",
            ));
        }
        // RFC 9701 §7: the server must say it encrypts introspection responses so.
        if let (Some(a), Some(m)) = (&e.introspection, &metadata) {
            m.check_introspection_encryption(a)?;
        }
        let oidc = match provider_metadata {
            None => None,
            Some(metadata) => {
                let provider = b.client.crypto_provider_handle().clone();
                let mut verifier = IdTokenVerifier::new(metadata.issuer(), b.client.client_id())
                    .with_crypto_provider(provider.clone())?
                    .allowed_algorithms(b.id_token_algorithms.iter().copied())?;
                // Discovery §3: refuse to expect what the provider does not produce.
                if let Some(a) = e.id_token {
                    metadata.check_id_token_encryption(&a)?;
                    verifier = verifier.id_token_encrypted_response(a);
                }
                if let Some(a) = e.userinfo {
                    metadata.check_userinfo_encryption(&a)?;
                    verifier = verifier.userinfo_encrypted_response(a);
                }
                if let Some(keys) = &e.keys {
                    verifier = verifier.shared_decryption_keys(keys.clone());
                }
                let hmac = b
                    .id_token_algorithms
                    .iter()
                    .any(|a| a.family() == AlgorithmFamily::Hmac);
                if hmac {
                    match b.client.authentication() {
                        ClientAuthentication::ClientSecretBasic(s)
                        | ClientAuthentication::ClientSecretPost(s)
                        | ClientAuthentication::ClientSecretJwt { secret: s, .. } => {
                            verifier = verifier.client_secret(s)?;
                        }
                        _ => {
                            return Err(Error::Misuse(
                                "HMAC-signed ID tokens need a client secret",
                            ));
                        }
                    }
                }
                let mut jwks = metadata
                    .jwks_cache(verifier.algorithms())?
                    .with_crypto_provider(provider);
                if let Some(secs) = b.jwks_min_refetch_interval {
                    jwks = jwks.min_refetch_interval(secs);
                }
                Some(Oidc {
                    metadata,
                    verifier,
                    jwks: Mutex::new(jwks),
                })
            }
        };
        let http = match b.http {
            Some(h) => h,
            None => HttpClient::new(&b.config)?,
        };
        let rng = match b.rng {
            Some(r) => r,
            None => b.client.crypto_provider().system_random(),
        };
        let options = if b.dpop.is_some() {
            b.options.dpop()
        } else {
            b.options
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                client: b.client,
                server,
                metadata,
                oidc,
                dpop: b.dpop,
                options,
                rng,
                mtls,
                nonces: Mutex::new(HashMap::new()),
                encryption: b.encryption,
            }),
        })
    }

    /// The `client_id`.
    pub fn client_id(&self) -> &str {
        self.inner.client.client_id()
    }

    /// The core client (identity and authentication).
    pub fn oauth_client(&self) -> &authcore_oauth2::Client {
        &self.inner.client
    }

    /// The server's endpoints.
    pub fn server(&self) -> &AuthorizationServer {
        &self.inner.server
    }

    /// The server's OAuth 2.0 metadata, when the client was discovered.
    pub fn metadata(&self) -> Option<&AuthorizationServerMetadata> {
        self.inner.metadata.as_ref()
    }

    /// The OpenID provider's metadata, when the client was built with OpenID Connect
    /// Discovery or [`ClientBuilder::build_with_metadata`].
    pub fn provider_metadata(&self) -> Option<&ProviderMetadata> {
        self.inner.oidc.as_ref().map(|o| &o.metadata)
    }

    /// The ID token verifier (issuer, client id, registered algorithm), for OpenID Connect
    /// clients.
    pub fn id_token_verifier(&self) -> Option<&IdTokenVerifier> {
        self.inner.oidc.as_ref().map(|o| &o.verifier)
    }

    /// The HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The DPoP key, if tokens are DPoP-bound.
    pub fn dpop_key(&self) -> Option<&DpopKey> {
        self.inner.dpop.as_ref()
    }

    /// The randomness source (the operating system's unless replaced).
    pub fn random(&self) -> &'static dyn SecureRandom {
        self.inner.rng
    }

    /// Plain OAuth 2.0 sign-in, step 1 (RFC 6749 §4.1.1): the authorization URL to send the
    /// user agent to, and the pending request that alone can handle the callback (it holds
    /// `state`, the PKCE verifier and any `nonce`). Step 2 is [`Client::oauth2_exchange_code`].
    ///
    /// For OpenID Connect sign-in use [`Client::authentication_url`] and
    /// [`Client::authenticate`] instead: every response type, `nonce` always, `max_age` and
    /// `acr` checked. Servers that require PAR need
    /// [`Client::push_oauth2_authorization_request`].
    pub fn oauth2_authorization_url(
        &self,
        request: AuthorizationRequest,
    ) -> Result<(Url, PendingAuthorization)> {
        Ok(request.build_url(&self.inner.client, &self.inner.server, self.inner.rng)?)
    }

    /// The former name of [`Client::oauth2_authorization_url`].
    #[deprecated(
        note = "use `oauth2_authorization_url` for plain OAuth 2.0, or `authentication_url` for OpenID Connect sign-in"
    )]
    pub fn authorization_url(
        &self,
        request: AuthorizationRequest,
    ) -> Result<(Url, PendingAuthorization)> {
        self.oauth2_authorization_url(request)
    }

    /// The former name of [`Client::push_oauth2_authorization_request`].
    #[deprecated(
        note = "use `push_oauth2_authorization_request` for plain OAuth 2.0, or `push_authentication_request` for OpenID Connect sign-in"
    )]
    pub async fn push_authorization_request(
        &self,
        request: AuthorizationRequest,
    ) -> Result<(Url, PendingAuthorization)> {
        self.push_oauth2_authorization_request(request).await
    }

    /// [`Client::oauth2_authorization_url`] through the PAR endpoint (RFC 9126): pushes the
    /// authorization request and returns the short authorization URL (`client_id` and
    /// `request_uri` only) and the pending request.
    pub async fn push_oauth2_authorization_request(
        &self,
        request: AuthorizationRequest,
    ) -> Result<(Url, PendingAuthorization)> {
        let i = &self.inner;
        let (req, pushed) =
            request.build_par_request(&i.client, &i.server, clock::now()?, i.rng)?;
        let resp = self.send_to_server(req).await?;
        let (url, _par, pending) = pushed.handle_par_response(&resp)?;
        Ok((url, pending))
    }

    /// Plain OAuth 2.0 sign-in, step 2: handles the callback (state, `iss`, error checks) and
    /// exchanges the code for tokens (RFC 6749 §4.1.3, PKCE verifier included).
    ///
    /// For an OpenID Connect client (built from provider metadata) an ID token in the
    /// response is still validated (OpenID Connect Core §3.1.3.7, with the request's `nonce`
    /// and `at_hash`), fetching the provider's keys as needed; when the request carried a
    /// `nonce`, a response without an ID token is an error. New OpenID Connect code should
    /// use [`Client::authenticate`].
    pub async fn oauth2_exchange_code(
        &self,
        pending: PendingAuthorization,
        callback: &AuthorizationResponse,
    ) -> Result<AuthorizationTokens> {
        let grant = pending.handle_callback(callback)?;
        let (request, nonce) = grant.into_parts();
        let response = self.token_request(&request).await?;
        let received_at = clock::now()?;
        let id_token = match (&response.id_token, &self.inner.oidc) {
            (Some(token), Some(oidc)) => {
                let mut expect = IdTokenExpectations::token_endpoint()
                    .access_token(response.access_token.secret());
                if let Some(n) = &nonce {
                    expect = expect.nonce(n.secret());
                }
                let token = token.secret();
                let claims = self
                    .with_keys(token, |keys| {
                        oidc.verifier.validate(token, keys, &expect, received_at)
                    })
                    .await?;
                Some(claims)
            }
            // A nonce makes the request an OpenID Connect one, whose token response must
            // carry an ID token (OpenID Connect Core §3.1.3.3): a missing one is not skipped.
            (None, Some(_)) if nonce.is_some() => {
                return Err(authcore_oauth2::Error::from(
                    authcore_oauth2::ProtocolError::MissingParameter("id_token"),
                )
                .into());
            }
            _ => None,
        };
        Ok(AuthorizationTokens {
            received_at,
            response,
            nonce,
            id_token,
        })
    }

    /// The former name of [`Client::oauth2_exchange_code`].
    #[deprecated(
        note = "use `oauth2_exchange_code` for plain OAuth 2.0, or `authenticate` for OpenID Connect sign-in"
    )]
    pub async fn exchange_code(
        &self,
        pending: PendingAuthorization,
        callback: &AuthorizationResponse,
    ) -> Result<AuthorizationTokens> {
        self.oauth2_exchange_code(pending, callback).await
    }

    /// OpenID Connect sign-in, step 1 (OpenID Connect Core §3.1.2.1, §3.2.2.1, §3.3.2.1):
    /// the authentication request URL (any response type; `nonce` always, `max_age` and
    /// essential `acr` carried to the ID token check), and the pending request that alone can
    /// handle the response. Step 2 is [`Client::authenticate`].
    ///
    /// This is the sign-in path for OpenID Connect. For a plain OAuth 2.0 server (no ID
    /// token) use [`Client::oauth2_authorization_url`].
    pub fn authentication_url(
        &self,
        request: AuthenticationRequest,
    ) -> Result<(Url, PendingAuthentication)> {
        Ok(request.build_url(&self.inner.client, &self.inner.server, self.inner.rng)?)
    }

    /// [`Client::authentication_url`] with the parameters in a request object signed by
    /// `signer` (OpenID Connect Core §6.1, RFC 9101): the URL carries `client_id`,
    /// `response_type`, `scope` and `request`. The provider must know the signer's public key
    /// (the client's registered `jwks` or `jwks_uri`).
    pub fn signed_authentication_url(
        &self,
        request: AuthenticationRequest,
        signer: &dyn JwsSigner,
    ) -> Result<(Url, PendingAuthentication)> {
        let i = &self.inner;
        Ok(request.build_signed_url(&i.client, &i.server, signer, clock::now()?, i.rng)?)
    }

    /// How to encrypt request objects to this provider with `algorithms` (the client's
    /// registered `request_object_encryption_alg/enc`, OpenID Connect Core §6.1): refused
    /// when discovery's `request_object_encryption_*_values_supported` do not list them;
    /// otherwise the provider's JWK Set is fetched from its `jwks_uri` and its encryption key
    /// for the `alg` picked ([`RequestObjectEncryption::from_provider_jwks`]). Fetch it again
    /// when the provider rotates its keys.
    pub async fn request_object_encryption(
        &self,
        algorithms: JweAlgorithms,
    ) -> Result<RequestObjectEncryption> {
        let oidc = self.oidc()?;
        oidc.metadata.check_request_object_encryption(&algorithms)?;
        let jwks = oidc
            .jwks
            .lock()
            .map_err(|_| Error::Misuse("the key cache lock was poisoned"))?
            .build_request()?;
        let resp = self.inner.http.execute(jwks).await?;
        if resp.status() != StatusCode::OK {
            return Err(
                authcore_oidc::Error::from(authcore_oidc::JwksError::UnexpectedStatus(
                    resp.status().as_u16(),
                ))
                .into(),
            );
        }
        let set = authcore_jose::JwkSet::from_json(resp.body())
            .map_err(|e| authcore_oidc::Error::from(authcore_oidc::JwksError::Invalid(e)))?;
        Ok(RequestObjectEncryption::from_provider_jwks(
            &set,
            None,
            algorithms,
            self.inner.client.crypto_provider(),
        )?)
    }

    /// [`Client::signed_authentication_url`] with the request object signed by `signer`, then
    /// encrypted to the provider as `encryption` says (from
    /// [`Client::request_object_encryption`]): only the provider reads the parameters.
    pub fn encrypted_authentication_url(
        &self,
        request: AuthenticationRequest,
        signer: &dyn JwsSigner,
        encryption: &RequestObjectEncryption,
    ) -> Result<(Url, PendingAuthentication)> {
        let i = &self.inner;
        Ok(request.build_encrypted_url(
            &i.client,
            &i.server,
            signer,
            encryption,
            clock::now()?,
            i.rng,
        )?)
    }

    /// [`Client::push_authentication_request`] with the request object signed by `signer`,
    /// then encrypted to the provider as `encryption` says.
    pub async fn push_encrypted_authentication_request(
        &self,
        request: AuthenticationRequest,
        signer: &dyn JwsSigner,
        encryption: &RequestObjectEncryption,
    ) -> Result<(Url, PendingAuthentication)> {
        let i = &self.inner;
        let (req, pushed) = request.build_encrypted_par_request(
            &i.client,
            &i.server,
            signer,
            encryption,
            clock::now()?,
            i.rng,
        )?;
        let resp = self.send_to_server(req).await?;
        Ok(pushed.handle_par_response(&resp)?)
    }

    /// Pushes an OpenID Connect authentication request (authorization code flow) to the PAR
    /// endpoint (RFC 9126): as form parameters, or, with a `signer`, as a signed request
    /// object. Returns the short authorization URL (`client_id` and `request_uri`) and the
    /// pending request for [`Client::authenticate`].
    pub async fn push_authentication_request(
        &self,
        request: AuthenticationRequest,
        signer: Option<&dyn JwsSigner>,
    ) -> Result<(Url, PendingAuthentication)> {
        let i = &self.inner;
        let now = clock::now()?;
        let (req, pushed) = match signer {
            Some(signer) => {
                request.build_signed_par_request(&i.client, &i.server, signer, now, i.rng)?
            }
            None => request.build_par_request(&i.client, &i.server, now, i.rng)?,
        };
        let resp = self.send_to_server(req).await?;
        Ok(pushed.handle_par_response(&resp)?)
    }

    /// OpenID Connect sign-in, step 2: handles the authentication response of
    /// [`Client::authentication_url`] and completes it (OpenID Connect Core §3.1.3,
    /// §3.2.2, §3.3.3): `state` and `iss` checked, a front-channel ID token validated, the
    /// code exchanged and the token endpoint's ID token validated (`nonce`, `max_age`,
    /// essential `acr`, `at_hash`/`c_hash` as the response type requires).
    pub async fn authenticate(
        &self,
        pending: PendingAuthentication,
        callback: &AuthorizationResponse,
    ) -> Result<Authentication> {
        let oidc = self.oidc()?;
        let response = pending.handle_callback(callback)?;
        let exchange = match response {
            AuthenticationResponse::IdToken(front) => {
                let token = front.id_token().to_owned();
                let now = clock::now()?;
                let outcome = self
                    .with_keys(&token, move |keys| {
                        front.validate(&oidc.verifier, keys, now)
                    })
                    .await?;
                match outcome {
                    CallbackOutcome::Authenticated(a) => return Ok(a),
                    CallbackOutcome::CodeExchange(e) => e,
                }
            }
            AuthenticationResponse::Code(e) => e,
        };
        let i = &self.inner;
        let req = exchange.build_token_request(&i.client, &i.server, clock::now()?, i.rng)?;
        let resp = self.send_to_server(req).await?;
        let tokens = authcore_oauth2::parse_token_response(&resp, &i.options)?;
        let id_token = tokens
            .id_token
            .as_ref()
            .map(|t| t.secret().to_owned())
            .unwrap_or_default();
        let now = clock::now()?;
        self.with_keys(&id_token, move |keys| {
            exchange.validate_token_response(tokens, &oidc.verifier, keys, now)
        })
        .await
    }

    /// Validates the ID token of a refresh response, if it has one, against the ID token of
    /// the original authentication (OpenID Connect Core §12.2: same `iss`, `sub`, `aud`,
    /// `auth_time`).
    pub async fn validate_refreshed_id_token(
        &self,
        tokens: &TokenResponse,
        previous: &IdTokenClaims,
    ) -> Result<Option<IdTokenClaims>> {
        let oidc = self.oidc()?;
        let Some(token) = &tokens.id_token else {
            return Ok(None);
        };
        let now = clock::now()?;
        self.with_keys(token.secret(), |keys| {
            authcore_oidc::validate_refresh_response(tokens, &oidc.verifier, keys, previous, now)
        })
        .await
    }

    /// The RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2) at the
    /// provider's `end_session_endpoint`: `id_token_hint`, `client_id`, and the registered
    /// `post_logout_redirect_uri` and `state` when given.
    pub fn logout_url(
        &self,
        id_token: &IdToken,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> Result<Url> {
        let endpoint = self
            .oidc()?
            .metadata
            .end_session_endpoint
            .as_deref()
            .ok_or(Error::Unsupported(
                "the provider has no end_session_endpoint",
            ))?;
        // OpenID Connect Core §3.1.2.1: an encrypted ID token is sent as the signed token
        // inside it.
        let id_token = self.oidc()?.verifier.id_token_hint(id_token)?;
        let mut request = LogoutRequest::new()
            .id_token_hint(&id_token)
            .client_id(self.client_id());
        if let Some(uri) = post_logout_redirect_uri {
            request = request.post_logout_redirect_uri(uri);
        }
        if let Some(s) = state {
            request = request.state(s);
        }
        Ok(request.build_url(endpoint)?)
    }

    /// Validates a back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.6)
    /// with the provider's keys (fetched or refetched as needed). Replay detection (`jti`)
    /// and ending the sessions named by `sub`/`sid` are the application's.
    pub async fn validate_logout_token(&self, logout_token: &str) -> Result<LogoutToken> {
        let oidc = self.oidc()?;
        let now = clock::now()?;
        self.with_keys(logout_token, |keys| {
            oidc.verifier.validate_logout_token(logout_token, keys, now)
        })
        .await
    }

    /// Handles a back-channel logout POST (§2.5, §2.8): reads `logout_token` from the form
    /// body and validates it. Answer with [`authcore_oidc::logout_response`].
    pub async fn handle_backchannel_logout<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
    ) -> Result<LogoutToken> {
        let token = authcore_oidc::parse_logout_request(request)?;
        self.validate_logout_token(&token).await
    }

    fn oidc(&self) -> Result<&Oidc> {
        self.inner.oidc.as_ref().ok_or(Error::Misuse(
            "this client was not built from OpenID provider metadata",
        ))
    }

    /// Makes sure the JWKS cache can verify `token` (fetching on first use or expiry, and
    /// once more for an unknown `kid`), then runs `check` with the keys. The cache is shared
    /// by clones and locked only between the driver's awaits.
    async fn with_keys<T, F>(&self, token: &str, check: F) -> Result<T>
    where
        F: FnOnce(&JwksCache) -> authcore_oidc::Result<T>,
    {
        let oidc = self.oidc()?;
        // The signing key's `kid` of an encrypted token is inside the encryption (Core §10.2):
        // the cache looks for it in the signed token, so that a rotated key is fetched. A
        // token that does not decrypt is left to `check`, which reports why.
        let inner = authcore_oauth2::is_compact_jwe(token)
            .then(|| oidc.verifier.id_token_hint(&IdToken::new(token)).ok())
            .flatten();
        authcore_oidc::ensure_jwks(
            &oidc.jwks,
            Some(inner.as_ref().map_or(token, IdToken::secret)),
            clock::now,
            |req| self.inner.http.execute(req),
            tokio::time::sleep,
        )
        .await?;
        let mut keys = &oidc.jwks;
        Ok(keys.with_cache(|cache| check(cache))?)
    }

    /// Refreshes tokens (RFC 6749 §6); reports whether the refresh token was rotated.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<RefreshedToken> {
        let resp = self
            .send_token_request(&TokenRequest::refresh_token(refresh_token))
            .await?;
        Ok(authcore_oauth2::parse_refresh_token_response(
            &resp,
            &self.inner.options,
            refresh_token.clone(),
        )?)
    }

    /// The client credentials grant (RFC 6749 §4.4) for `scopes` (may be empty).
    pub async fn client_credentials(&self, scopes: &[&str]) -> Result<TokenResponse> {
        let mut request = TokenRequest::client_credentials();
        for scope in scopes {
            request = request.scope(*scope);
        }
        self.token_request(&request).await
    }

    /// Sends any token request (JWT bearer, token exchange, extension grants) and parses the
    /// response.
    pub async fn token_request(&self, request: &TokenRequest) -> Result<TokenResponse> {
        let resp = self.send_token_request(request).await?;
        Ok(authcore_oauth2::parse_token_response(
            &resp,
            &self.inner.options,
        )?)
    }

    /// Starts the device authorization grant (RFC 8628 §3.1): show
    /// `flow.response().user_code` and `verification_uri` to the user, then call
    /// [`Client::poll_device`].
    pub async fn device_authorization(&self, scopes: &[&str]) -> Result<DeviceAuthorizationFlow> {
        let i = &self.inner;
        let req = authcore_oauth2::build_device_authorization_request(
            &i.client,
            &i.server,
            scopes,
            clock::now()?,
            i.rng,
        )?;
        let resp = i.http.execute(req).await?;
        let parsed = authcore_oauth2::parse_device_authorization_response(&resp)?;
        Ok(DeviceAuthorizationFlow::new(parsed, clock::now()?))
    }

    /// Polls until the user approves or denies, or the code expires (RFC 8628 §3.4, §3.5),
    /// sleeping between polls as the flow says.
    ///
    /// A transient failure (HTTP 429/502/503/504, a timeout, a broken connection) is
    /// [`Error::DevicePollingInterrupted`]: it hands the flow back, to pass here again.
    pub async fn poll_device(&self, flow: DeviceAuthorizationFlow) -> Result<TokenResponse> {
        let i = &self.inner;
        Ok(authcore_oauth2::poll_device_flow(
            flow,
            &i.client,
            &i.server,
            &i.options,
            i.rng,
            clock::now,
            |req| self.send_to_server(req),
            tokio::time::sleep,
        )
        .await?)
    }

    /// Registers a client dynamically (RFC 7591 §3) at `registration_endpoint` (the
    /// server metadata's `registration_endpoint`), with `initial_access_token` when the
    /// server requires one. The answer holds the `client_id`, any secret, and the
    /// registration access token for [`Client::read_registration`],
    /// [`Client::update_registration`] and [`Client::delete_registration`] (RFC 7592); keep
    /// it as a secret.
    pub async fn register(
        http: &HttpClient,
        registration_endpoint: &str,
        metadata: &ClientMetadata,
        initial_access_token: Option<&str>,
    ) -> Result<ClientInformationResponse> {
        let req =
            metadata.build_registration_request(registration_endpoint, initial_access_token)?;
        let resp = http.execute(req).await?;
        Ok(authcore_oauth2::parse_registration_response(&resp)?)
    }

    /// Reads a registration (RFC 7592 §2.1). The answer keeps the management
    /// credentials of `registration` when the server does not repeat them.
    pub async fn read_registration(
        http: &HttpClient,
        registration: &ClientInformationResponse,
    ) -> Result<ClientInformationResponse> {
        let resp = http.execute(registration.build_read_request()?).await?;
        Ok(keep_management(
            authcore_oauth2::parse_registration_response(&resp)?,
            registration,
        ))
    }

    /// Replaces a registration's metadata (RFC 7592 §2.2).
    pub async fn update_registration(
        http: &HttpClient,
        registration: &ClientInformationResponse,
        metadata: &ClientMetadata,
    ) -> Result<ClientInformationResponse> {
        let resp = http
            .execute(registration.build_update_request(metadata)?)
            .await?;
        Ok(keep_management(
            authcore_oauth2::parse_registration_response(&resp)?,
            registration,
        ))
    }

    /// Deletes a registration (RFC 7592 §2.3).
    pub async fn delete_registration(
        http: &HttpClient,
        registration: &ClientInformationResponse,
    ) -> Result<()> {
        let resp = http.execute(registration.build_delete_request()?).await?;
        Ok(authcore_oauth2::parse_registration_deletion_response(
            &resp,
        )?)
    }

    /// Introspects a token (RFC 7662): an [`AccessToken`], a [`RefreshToken`], or a string
    /// (see [`TokenRef`]). `hint` is the `token_type_hint` to send; `None` sends the one the
    /// token's type implies, if any.
    pub async fn introspect<'t>(
        &self,
        token: impl Into<TokenRef<'t>>,
        hint: Option<TokenTypeHint>,
    ) -> Result<IntrospectionResponse> {
        let token = token.into();
        let i = &self.inner;
        if let (Some(algorithms), Some(keys)) = (&i.encryption.introspection, &i.encryption.keys) {
            return self
                .introspect_encrypted(token, hint, algorithms, keys.as_ref())
                .await;
        }
        let req = authcore_oauth2::build_introspection_request(
            &i.client,
            &i.server,
            token.secret(),
            hint.or(token.type_hint()),
            clock::now()?,
            i.rng,
        )?;
        let resp = i.http.execute(req).await?;
        Ok(authcore_oauth2::parse_introspection_response(&resp)?)
    }

    /// [`Client::introspect`] for a client registered for encrypted JWT responses (RFC 9701
    /// §5, §6): the JWE decrypted with the client's keys, the JWS inside verified with the
    /// provider's.
    async fn introspect_encrypted(
        &self,
        token: TokenRef<'_>,
        hint: Option<TokenTypeHint>,
        algorithms: &JweAlgorithms,
        decryption_keys: &(dyn DecryptionKeySource + Send + Sync),
    ) -> Result<IntrospectionResponse> {
        let i = &self.inner;
        let req = authcore_oauth2::build_jwt_introspection_request(
            &i.client,
            &i.server,
            token.secret(),
            hint.or(token.type_hint()),
            clock::now()?,
            i.rng,
        )?;
        let resp = i.http.execute(req).await?;
        let now = clock::now()?;
        // The signing key's `kid` is inside the encryption: no `kid` to look for first.
        self.with_keys("", |keys| {
            Ok(authcore_oauth2::parse_encrypted_jwt_introspection_response(
                &resp,
                decryption_keys,
                algorithms,
                &JweOptions::default(),
                keys,
                &i.client,
                &i.server,
                now,
            )?)
        })
        .await
    }

    /// Revokes a token (RFC 7009): an [`AccessToken`], a [`RefreshToken`], or a string (see
    /// [`TokenRef`]). `hint` is the `token_type_hint` to send; `None` sends the one the
    /// token's type implies, if any.
    pub async fn revoke<'t>(
        &self,
        token: impl Into<TokenRef<'t>>,
        hint: Option<TokenTypeHint>,
    ) -> Result<RevocationOutcome> {
        let token = token.into();
        let i = &self.inner;
        let req = authcore_oauth2::build_revocation_request(
            &i.client,
            &i.server,
            token.secret(),
            hint.or(token.type_hint()),
            clock::now()?,
            i.rng,
        )?;
        let resp = i.http.execute(req).await?;
        Ok(authcore_oauth2::parse_revocation_response(&resp)?)
    }

    /// Fetches the UserInfo claims (OpenID Connect Core §5.3) with `access_token`, presented
    /// as `DPoP` (with the nonce retry) when the client has a DPoP key and as `Bearer`
    /// otherwise.
    ///
    /// `expected_sub` is the `sub` of the ID token the access token came with: the
    /// response's `sub` must equal it, or the response is refused
    /// ([`authcore_oidc::UserInfoError::SubjectMismatch`], §5.3.2: token substitution).
    /// When the client registered UserInfo encryption
    /// ([`ClientBuilder::userinfo_encrypted_response`]) only encrypted responses are accepted:
    /// signed, then encrypted (verified with the provider's keys), or encrypted only; without
    /// it, signed or encrypted responses are refused. For an OAuth 2.0 endpoint with no
    /// ID token to compare with, [`Client::userinfo_without_subject_check`].
    pub async fn userinfo(
        &self,
        access_token: &AccessToken,
        expected_sub: &str,
    ) -> Result<UserInfo> {
        let resp = self.fetch_userinfo(access_token).await?;
        let encrypted = self
            .inner
            .oidc
            .as_ref()
            .filter(|o| o.verifier.userinfo_encryption().is_some());
        let Some(oidc) = encrypted else {
            return Ok(authcore_oidc::parse_userinfo_response(&resp, expected_sub)?);
        };
        // Registered encryption (Core §5.3.2): signed, then encrypted (`cty` JWT), or
        // encrypted only; either parser refuses a response that is not encrypted.
        let body = core::str::from_utf8(resp.body()).unwrap_or_default().trim();
        let nested =
            authcore_jose::jwe::decode_header_unverified(body).is_ok_and(|h| h.cty_is_jwt());
        if !nested {
            return Ok(authcore_oidc::parse_encrypted_userinfo_response(
                &resp,
                expected_sub,
                &oidc.verifier,
            )?);
        }
        self.with_keys("", |keys| {
            authcore_oidc::parse_signed_userinfo_response(&resp, expected_sub, &oidc.verifier, keys)
        })
        .await
    }

    /// [`Client::userinfo`] for a plain OAuth 2.0 server's UserInfo-like endpoint, where no ID
    /// token says whose claims to expect: `sub` is required but compared with nothing. An
    /// OpenID Connect client must use [`Client::userinfo`] with the ID token's `sub`.
    pub async fn userinfo_without_subject_check(
        &self,
        access_token: &AccessToken,
    ) -> Result<UserInfo> {
        let resp = self.fetch_userinfo(access_token).await?;
        Ok(authcore_oidc::parse_userinfo_response_without_subject_check(&resp)?)
    }

    /// GETs the UserInfo endpoint with `access_token` (`DPoP` or `Bearer`).
    async fn fetch_userinfo(&self, access_token: &AccessToken) -> Result<Response<Vec<u8>>> {
        let endpoint = self.userinfo_endpoint()?.ok_or(Error::Unsupported(
            "the server has no known userinfo_endpoint",
        ))?;
        // The endpoint came from the server's metadata: https, or http to a loopback host;
        // one that is not is the server's fault.
        authcore_oauth2::check_server_endpoint(&endpoint, "userinfo_endpoint")?;
        // Core §5.3.2: an encrypted response is `application/jwt`.
        let accept = match &self.inner.oidc {
            Some(o) if o.verifier.userinfo_encryption().is_some() => "application/jwt",
            _ => "application/json",
        };
        let req = userinfo_get_request(&endpoint, accept)?;
        self.send_protected(req, access_token).await
    }

    /// The UserInfo endpoint: from OpenID Connect metadata, else from a `userinfo_endpoint`
    /// member of RFC 8414 metadata; its mTLS alias when the client uses them.
    fn userinfo_endpoint(&self) -> Result<Option<String>> {
        let i = &self.inner;
        if let Some(o) = &i.oidc {
            return Ok(if i.mtls {
                o.metadata.userinfo_endpoint_for_mtls()?.map(str::to_owned)
            } else {
                o.metadata.userinfo_endpoint.clone()
            });
        }
        let Some(m) = &i.metadata else {
            return Ok(None);
        };
        if i.mtls {
            if let Some(alias) = m.mtls_endpoint_alias("userinfo_endpoint")? {
                return Ok(Some(alias.to_owned()));
            }
        }
        Ok(m.extra
            .get("userinfo_endpoint")
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// Resolves the aggregated and distributed claims of a UserInfo response (OpenID Connect
    /// Core §5.6.2) whose Claims Provider is `claims_provider`, trusted with `keys`: every
    /// source of `userinfo` is verified (an aggregated one's embedded JWT, a distributed one's
    /// endpoint fetched with its access token, or `access_token` when the source gives none)
    /// and the claims referred to it are merged into `userinfo`. Sources of other Claims
    /// Providers are the caller's: pass their names in `only` to resolve a subset (`None`:
    /// all). Returns the names of the sources resolved.
    pub async fn resolve_claim_sources(
        &self,
        userinfo: &mut UserInfo,
        only: Option<&[&str]>,
        keys: &(impl KeySource + ?Sized),
        claims_provider: Option<&str>,
        access_token: Option<&AccessToken>,
    ) -> Result<Vec<String>> {
        let now = clock::now()?;
        let client_id = self.client_id();
        let mut resolved = Vec::new();
        for source in authcore_oidc::claim_sources(&userinfo.extra)? {
            if only.is_some_and(|names| !names.contains(&source.name.as_str())) {
                continue;
            }
            let claims = match &source.kind {
                authcore_oidc::ClaimSourceKind::Distributed { .. } => {
                    let req =
                        authcore_oidc::build_distributed_claims_request(&source, access_token)?;
                    let resp = self.inner.http.execute(req).await?;
                    authcore_oidc::parse_distributed_claims_response(
                        &resp,
                        &source,
                        keys,
                        claims_provider,
                        client_id,
                        now,
                    )?
                }
                _ => source.verify_aggregated(keys, claims_provider, client_id, now)?,
            };
            userinfo.insert_source_claims(claims)?;
            resolved.push(source.name);
        }
        Ok(resolved)
    }

    /// Sends a request to a resource server with `access_token` (`Authorization: DPoP` plus a
    /// proof with `ath` when the client has a DPoP key, with one nonce retry; `Bearer`
    /// otherwise) and returns the response as is.
    pub async fn send_protected(
        &self,
        mut request: Request<Vec<u8>>,
        access_token: &AccessToken,
    ) -> Result<Response<Vec<u8>>> {
        match &self.inner.dpop {
            Some(key) => {
                self.send_with_dpop(key, request, Some(access_token.clone()))
                    .await
            }
            None => {
                authcore_oauth2::authorize_bearer(&mut request, access_token)?;
                self.inner.http.execute(request).await
            }
        }
    }

    /// Builds, sends (with DPoP when configured) and returns the raw response of a token
    /// request.
    async fn send_token_request(&self, request: &TokenRequest) -> Result<Response<Vec<u8>>> {
        let i = &self.inner;
        let req = request.build_token_request(&i.client, &i.server, clock::now()?, i.rng)?;
        self.send_to_server(req).await
    }

    /// Sends a request to the authorization server's token or PAR endpoint, with a DPoP proof
    /// when the client has a key.
    async fn send_to_server(&self, req: Request<Vec<u8>>) -> Result<Response<Vec<u8>>> {
        match &self.inner.dpop {
            Some(key) => self.send_with_dpop(key, req, None).await,
            None => self.inner.http.execute(req).await,
        }
    }

    async fn send_with_dpop(
        &self,
        key: &DpopKey,
        req: Request<Vec<u8>>,
        access_token: Option<AccessToken>,
    ) -> Result<Response<Vec<u8>>> {
        let origin = origin(req.uri());
        let known = self.nonce_store().get(&origin).cloned();
        let exchange = DpopExchange::new(key.clone(), req, access_token, known);
        let (resp, nonce) = self
            .inner
            .http
            .send_with_dpop(exchange, self.inner.rng)
            .await?;
        if let Some(n) = nonce {
            self.nonce_store().insert(origin, n);
        }
        Ok(resp)
    }

    fn nonce_store(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A poisoned map of nonces is still a valid map of nonces.
        self.inner
            .nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn origin(uri: &http::Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or(""),
        uri.authority().map(|a| a.as_str()).unwrap_or("")
    )
}

/// A read or update answer with the management credentials (and the secret) of the
/// registration it came from, when the server did not repeat them (RFC 7592 §3 lets it).
fn keep_management(
    mut answer: ClientInformationResponse,
    previous: &ClientInformationResponse,
) -> ClientInformationResponse {
    if answer.registration_access_token.is_none() {
        answer.registration_access_token = previous.registration_access_token.clone();
        answer.registration_client_uri = previous.registration_client_uri.clone();
    }
    if answer.client_secret.is_none() {
        answer.client_secret = previous.client_secret.clone();
        answer.client_secret_expires_at = previous.client_secret_expires_at;
    }
    answer
}
