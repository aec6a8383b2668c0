//! The storable client facade: one value per (client, server) pair that runs whole flows.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use authcore_jose::SecureRandom;
use authcore_jose::crypto::CryptoProvider;
use authcore_oauth2::{
    AccessToken, AuthorizationRequest, AuthorizationResponse, AuthorizationServer,
    AuthorizationServerMetadata, ClientAuthentication, DeviceAuthorizationFlow, DpopExchange,
    DpopKey, ErrorResponse, IntrospectionResponse, Nonce, PendingAuthorization, ProtocolError,
    RefreshToken, RefreshedToken, RevocationOutcome, TokenRequest, TokenResponse,
    TokenResponseOptions, TokenTypeHint, UnixTime,
};
use http::{Method, Request, Response, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use crate::clock;
use crate::drive::{poll_device, send_dpop};
use crate::error::{Error, Result};
use crate::transport::{HttpClient, HttpConfig};

/// The suffix of OpenID Connect Discovery 1.0 §4.
const OPENID_CONFIGURATION: &str = "openid-configuration";

/// Tokens from an authorization code exchange, with what is needed to validate the ID token.
#[derive(Debug)]
#[non_exhaustive]
pub struct AuthorizationTokens {
    /// The token response.
    pub response: TokenResponse,
    /// When the response was received (for [`TokenResponse::expires_at`] and ID token checks).
    pub received_at: UnixTime,
    /// The `nonce` the authorization request sent: the ID token's `nonce` claim must equal it
    /// (OpenID Connect Core §3.1.3.7).
    pub nonce: Option<Nonce>,
}

/// Builds a [`Client`].
///
/// ```
/// use authcore_oauth2::{AuthorizationServer, ClientAuthentication, ClientSecret};
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
    pub fn crypto_provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
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

    /// Builds a client for a server described by hand.
    pub fn build(self, server: AuthorizationServer) -> Result<Client> {
        Client::builder_finish(self, server, None)
    }

    /// Fetches the server's metadata and builds a client for it: OpenID Connect Discovery
    /// (`{issuer}/.well-known/openid-configuration`) first, RFC 8414
    /// (`/.well-known/oauth-authorization-server{path}`) when that is not found. The
    /// document's `issuer` must equal `issuer` exactly (RFC 8414 §3.3).
    pub async fn discover(self, issuer: &str) -> Result<Client> {
        let http = match &self.http {
            Some(h) => h.clone(),
            None => HttpClient::new(&self.config)?,
        };
        let oidc_url = format!(
            "{}/.well-known/{OPENID_CONFIGURATION}",
            issuer.trim_end_matches('/')
        );
        let req = get_json(&oidc_url)?;
        let resp = http.execute(req).await?;
        let metadata = if resp.status() == StatusCode::NOT_FOUND {
            let req = authcore_oauth2::build_metadata_request(issuer)?;
            let resp = http.execute(req).await?;
            authcore_oauth2::parse_metadata_response(&resp, issuer)?
        } else {
            authcore_oauth2::parse_metadata_response(&resp, issuer)?
        };
        let server = AuthorizationServer::from_metadata(&metadata)?;
        Client::builder_finish(self.http_client(http), server, Some(metadata))
    }
}

fn get_json(url: &str) -> Result<Request<Vec<u8>>> {
    Request::builder()
        .method(Method::GET)
        .uri(url)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|_| Error::Misuse("not a valid HTTP URI"))
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
    dpop: Option<DpopKey>,
    options: TokenResponseOptions,
    rng: &'static dyn SecureRandom,
    // Last `DPoP-Nonce` per origin (RFC 9449 §8.2: the client uses the latest nonce it got).
    nonces: Mutex<HashMap<String, String>>,
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
        }
    }

    fn builder_finish(
        b: ClientBuilder,
        server: AuthorizationServer,
        metadata: Option<AuthorizationServerMetadata>,
    ) -> Result<Client> {
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
                dpop: b.dpop,
                options,
                rng,
                nonces: Mutex::new(HashMap::new()),
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

    /// The server's metadata, when the client was discovered.
    pub fn metadata(&self) -> Option<&AuthorizationServerMetadata> {
        self.inner.metadata.as_ref()
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

    /// The authorization URL to send the user agent to, and the pending request that alone
    /// can handle the callback (it holds `state`, the PKCE verifier and the `nonce`).
    ///
    /// Build `request` with the redirect URI, scopes and `with_nonce()` for OpenID Connect.
    /// Servers that require PAR need [`Client::push_authorization_request`] instead.
    pub fn authorization_url(
        &self,
        request: AuthorizationRequest,
    ) -> Result<(Url, PendingAuthorization)> {
        Ok(request.build_url(&self.inner.client, &self.inner.server, self.inner.rng)?)
    }

    /// Pushes the authorization request to the PAR endpoint (RFC 9126) and returns the short
    /// authorization URL (`client_id` and `request_uri` only) and the pending request.
    pub async fn push_authorization_request(
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

    /// Handles the callback (state, `iss`, error checks) and exchanges the code for tokens
    /// (RFC 6749 §4.1.3, PKCE verifier included).
    pub async fn exchange_code(
        &self,
        pending: PendingAuthorization,
        callback: &AuthorizationResponse,
    ) -> Result<AuthorizationTokens> {
        let grant = pending.handle_callback(callback)?;
        let (request, nonce) = grant.into_parts();
        let response = self.token_request(&request).await?;
        Ok(AuthorizationTokens {
            received_at: clock::now()?,
            response,
            nonce,
        })
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
    pub async fn poll_device(&self, flow: DeviceAuthorizationFlow) -> Result<TokenResponse> {
        let i = &self.inner;
        poll_device(flow, &i.client, &i.server, &i.options, i.rng, |req| {
            self.send_to_server(req)
        })
        .await
    }

    /// Introspects a token (RFC 7662).
    pub async fn introspect(
        &self,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> Result<IntrospectionResponse> {
        let i = &self.inner;
        let req = authcore_oauth2::build_introspection_request(
            &i.client,
            &i.server,
            token,
            hint,
            clock::now()?,
            i.rng,
        )?;
        let resp = i.http.execute(req).await?;
        Ok(authcore_oauth2::parse_introspection_response(&resp)?)
    }

    /// Revokes a token (RFC 7009).
    pub async fn revoke(
        &self,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> Result<RevocationOutcome> {
        let i = &self.inner;
        let req = authcore_oauth2::build_revocation_request(
            &i.client,
            &i.server,
            token,
            hint,
            clock::now()?,
            i.rng,
        )?;
        let resp = i.http.execute(req).await?;
        Ok(authcore_oauth2::parse_revocation_response(&resp)?)
    }

    /// Fetches the UserInfo claims (OpenID Connect Core §5.3) with `access_token`, presented
    /// as `DPoP` when the client has a DPoP key and as `Bearer` otherwise.
    ///
    /// The endpoint is the discovered `userinfo_endpoint`. The response must be a JSON
    /// object with a string `sub`; compare it with the ID token's `sub` (§5.3.4). Signed or
    /// encrypted UserInfo responses are refused.
    pub async fn userinfo(&self, access_token: &AccessToken) -> Result<Map<String, Value>> {
        let endpoint = self
            .inner
            .metadata
            .as_ref()
            .and_then(|m| m.extra.get("userinfo_endpoint"))
            .and_then(Value::as_str)
            .ok_or(Error::Misuse("the server has no known userinfo_endpoint"))?;
        check_endpoint(endpoint)?;
        let req = get_json(endpoint)?;
        let resp = self.send_protected(req, access_token).await?;
        parse_userinfo_response(&resp)
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
        let (resp, nonce) =
            send_dpop(exchange, self.inner.rng, |r| self.inner.http.execute(r)).await?;
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

/// An endpoint from metadata must be `https`, or `http` on a loopback host.
fn check_endpoint(endpoint: &str) -> Result<()> {
    let u = Url::parse(endpoint).map_err(|_| Error::Misuse("endpoint is not a URL"))?;
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    };
    if u.scheme() == "https" || (u.scheme() == "http" && loopback) {
        Ok(())
    } else {
        Err(Error::Misuse(
            "endpoint must be https (http only on loopback)",
        ))
    }
}

/// Parses a UserInfo response (OpenID Connect Core §5.3.2, §5.3.3).
pub(crate) fn parse_userinfo_response(resp: &Response<Vec<u8>>) -> Result<Map<String, Value>> {
    if resp.status() == StatusCode::UNAUTHORIZED || resp.status() == StatusCode::FORBIDDEN {
        // RFC 6750 §3: the error is in the challenge.
        let challenges = authcore_oauth2::parse_www_authenticate_headers(resp.headers())?;
        if let Some(code) = challenges.iter().find_map(|c| c.error()) {
            let mut e = ErrorResponse::new(code);
            e.status = Some(resp.status().as_u16());
            e.error_description = challenges
                .iter()
                .find_map(|c| c.error_description())
                .map(str::to_owned);
            return Err(authcore_oauth2::Error::Server(e).into());
        }
    }
    if resp.status() != StatusCode::OK {
        return Err(
            authcore_oauth2::Error::from(ProtocolError::UnexpectedStatus {
                status: resp.status().as_u16(),
            })
            .into(),
        );
    }
    let media = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if media.as_deref() != Some("application/json") {
        return Err(authcore_oauth2::Error::from(ProtocolError::ContentType {
            expected: "application/json",
            received: media,
        })
        .into());
    }
    if resp.body().len() > authcore_oauth2::MAX_RESPONSE_BYTES {
        return Err(authcore_oauth2::Error::from(ProtocolError::TooLarge {
            limit: authcore_oauth2::MAX_RESPONSE_BYTES,
        })
        .into());
    }
    let claims = authcore_jose::json::parse_object(resp.body())
        .map_err(|e| authcore_oauth2::Error::from(ProtocolError::Json(e.to_string())))?;
    match claims.get("sub") {
        Some(Value::String(s)) if !s.is_empty() => Ok(claims),
        Some(_) => Err(
            authcore_oauth2::Error::from(ProtocolError::InvalidParameter {
                name: "sub",
                reason: "not a non-empty string",
            })
            .into(),
        ),
        None => Err(authcore_oauth2::Error::from(ProtocolError::MissingParameter("sub")).into()),
    }
}
