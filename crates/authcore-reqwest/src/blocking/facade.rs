//! The blocking [`Client`]: the async facade driven on a runtime of its own.

use std::fmt;
use std::sync::Arc;

use authcore_jose::crypto::Provider;
use authcore_jose::jwe::DecryptionKeySource;
use authcore_jose::{JwsAlgorithm, JwsSigner, KeySource, SecureRandom};
use authcore_oauth2::{
    AccessToken, AuthorizationRequest, AuthorizationResponse, AuthorizationServer,
    ClientAuthentication, DeviceAuthorizationFlow, DpopKey, IdToken, IntrospectionResponse,
    JweAlgorithms, PendingAuthorization, RefreshToken, RefreshedToken, RevocationOutcome,
    TokenRequest, TokenResponse, TokenResponseOptions, TokenTypeHint,
};
use authcore_oidc::{
    Authentication, AuthenticationRequest, DiscoveryOptions, IdTokenClaims, LogoutToken,
    PendingAuthentication, ProviderMetadata, RequestObjectEncryption, UserInfo,
};
use http::{Request, Response};
use url::Url;

use crate::client::{AuthorizationTokens, TokenRef};
use crate::error::{Error, Result};
use crate::transport::{HttpClient, HttpConfig};

/// Builds a blocking [`Client`]: the same settings as the async [`crate::ClientBuilder`],
/// and blocking `discover` / `build` / `build_with_metadata`.
///
/// A builder configured for the async facade converts with `From`.
#[must_use]
#[derive(Debug)]
pub struct ClientBuilder(crate::ClientBuilder);

impl From<crate::ClientBuilder> for ClientBuilder {
    fn from(builder: crate::ClientBuilder) -> Self {
        ClientBuilder(builder)
    }
}

/// Forwards a setting to the async builder, which holds every setting once.
macro_rules! builder_settings {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($arg:ident: $ty:ty);
    )*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $arg: $ty) -> Self {
                ClientBuilder(self.0.$name($arg))
            }
        )*
    };
}

impl ClientBuilder {
    builder_settings! {
        /// See [`crate::ClientBuilder::http_config`].
        fn http_config(config: HttpConfig);
        /// See [`crate::ClientBuilder::http_client`].
        fn http_client(http: HttpClient);
        /// See [`crate::ClientBuilder::dpop`].
        fn dpop(key: DpopKey);
        /// See [`crate::ClientBuilder::token_response_options`].
        fn token_response_options(options: TokenResponseOptions);
        /// See [`crate::ClientBuilder::crypto_provider`].
        fn crypto_provider(provider: impl Into<Provider>);
        /// See [`crate::ClientBuilder::oauth_client`].
        fn oauth_client(client: authcore_oauth2::Client);
        /// See [`crate::ClientBuilder::random`].
        fn random(rng: &'static dyn SecureRandom);
        /// See [`crate::ClientBuilder::id_token_signed_response_alg`].
        fn id_token_signed_response_alg(alg: JwsAlgorithm);
        /// See [`crate::ClientBuilder::jwks_min_refetch_interval`].
        fn jwks_min_refetch_interval(secs: u64);
        /// See [`crate::ClientBuilder::discovery_options`].
        fn discovery_options(options: DiscoveryOptions);
        /// See [`crate::ClientBuilder::mtls_endpoint_aliases`].
        fn mtls_endpoint_aliases(use_them: bool);
        /// See [`crate::ClientBuilder::decryption_keys`].
        fn decryption_keys(keys: impl DecryptionKeySource + Send + Sync + 'static);
        /// See [`crate::ClientBuilder::id_token_encrypted_response`].
        fn id_token_encrypted_response(algorithms: JweAlgorithms);
        /// See [`crate::ClientBuilder::userinfo_encrypted_response`].
        fn userinfo_encrypted_response(algorithms: JweAlgorithms);
        /// See [`crate::ClientBuilder::introspection_encrypted_response`].
        fn introspection_encrypted_response(algorithms: JweAlgorithms);
    }

    /// Discovers the provider and builds the client, as [`crate::ClientBuilder::discover`].
    pub fn discover(self, issuer: &str) -> Result<Client> {
        let rt = runtime()?;
        let inner = rt.block_on(self.0.discover(issuer))?;
        Ok(Client::with_runtime(inner, rt))
    }

    /// Builds an OAuth 2.0 client for a server described by hand, as
    /// [`crate::ClientBuilder::build`].
    pub fn build(self, server: AuthorizationServer) -> Result<Client> {
        let rt = runtime()?;
        let inner = rt.block_on(async { self.0.build(server) })?;
        Ok(Client::with_runtime(inner, rt))
    }

    /// Builds an OpenID Connect client from provider metadata obtained elsewhere, as
    /// [`crate::ClientBuilder::build_with_metadata`].
    pub fn build_with_metadata(self, metadata: ProviderMetadata) -> Result<Client> {
        let rt = runtime()?;
        let inner = rt.block_on(async { self.0.build_with_metadata(metadata) })?;
        Ok(Client::with_runtime(inner, rt))
    }
}

/// The blocking twin of [`crate::Client`], for programs without an async runtime: the same
/// flows, checks and defaults, each method waiting for its result.
///
/// It runs the async facade on a single-threaded tokio runtime that it owns (as reqwest's own
/// blocking client does), so it must not be used from inside an async runtime: there every
/// method returns [`Error::Misuse`] instead of blocking the runtime's thread. It is built as
/// the async one is, with [`Client::builder`]:
///
/// ```no_run
/// use authcore_reqwest::blocking::Client;
/// use authcore_reqwest::{ClientAuthentication, ClientSecret};
///
/// let client = Client::builder(
///     "s6BhdRkqt3",
///     ClientAuthentication::ClientSecretBasic(ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
/// )
/// .discover("https://op.example")?;
/// let tokens = client.client_credentials(&["api:read"])?;
/// println!("{:?}", tokens.expires_in);
/// # Ok::<(), authcore_reqwest::Error>(())
/// ```
///
/// Cheap to clone; clones share the runtime, the connection pool and the key cache.
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    rt: Arc<tokio::runtime::Runtime>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.inner)
            .finish()
    }
}

/// Forwards blocking methods to the async facade.
macro_rules! blocking_methods {
    ($(
        $(#[$doc:meta])*
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                self.run(self.inner.$name($($arg),*))
            }
        )*
    };
}

impl Client {
    /// Starts building a client with its `client_id` and authentication method, as
    /// [`crate::Client::builder`]; finish with [`ClientBuilder::discover`],
    /// [`ClientBuilder::build`] or [`ClientBuilder::build_with_metadata`].
    pub fn builder(client_id: impl Into<String>, auth: ClientAuthentication) -> ClientBuilder {
        ClientBuilder(crate::Client::builder(client_id, auth))
    }

    fn with_runtime(inner: crate::Client, rt: tokio::runtime::Runtime) -> Client {
        Client {
            inner,
            rt: Arc::new(rt),
        }
    }

    /// The former way to discover: [`ClientBuilder::discover`] with the async builder.
    #[deprecated(note = "use `blocking::Client::builder(..).discover(issuer)`")]
    pub fn discover(builder: crate::ClientBuilder, issuer: &str) -> Result<Client> {
        ClientBuilder::from(builder).discover(issuer)
    }

    /// The former way to build: [`ClientBuilder::build`] with the async builder.
    #[deprecated(note = "use `blocking::Client::builder(..).build(server)`")]
    pub fn build(builder: crate::ClientBuilder, server: AuthorizationServer) -> Result<Client> {
        ClientBuilder::from(builder).build(server)
    }

    /// The former way to build from metadata: [`ClientBuilder::build_with_metadata`] with the
    /// async builder.
    #[deprecated(note = "use `blocking::Client::builder(..).build_with_metadata(metadata)`")]
    pub fn build_with_metadata(
        builder: crate::ClientBuilder,
        metadata: ProviderMetadata,
    ) -> Result<Client> {
        ClientBuilder::from(builder).build_with_metadata(metadata)
    }

    /// The async facade this one drives, for its accessors ([`crate::Client::server`],
    /// [`crate::Client::provider_metadata`], ...).
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    fn run<T>(&self, f: impl Future<Output = Result<T>>) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Misuse(
                "the blocking client cannot be used inside an async runtime",
            ));
        }
        self.rt.block_on(f)
    }

    /// See [`crate::Client::oauth2_authorization_url`] (plain OAuth 2.0 sign-in, step 1).
    pub fn oauth2_authorization_url(
        &self,
        request: AuthorizationRequest,
    ) -> Result<(Url, PendingAuthorization)> {
        self.inner.oauth2_authorization_url(request)
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

    /// The former name of [`Client::oauth2_exchange_code`].
    #[deprecated(
        note = "use `oauth2_exchange_code` for plain OAuth 2.0, or `authenticate` for OpenID Connect sign-in"
    )]
    pub fn exchange_code(
        &self,
        pending: PendingAuthorization,
        callback: &AuthorizationResponse,
    ) -> Result<AuthorizationTokens> {
        self.oauth2_exchange_code(pending, callback)
    }

    /// The former name of [`Client::push_oauth2_authorization_request`].
    #[deprecated(
        note = "use `push_oauth2_authorization_request` for plain OAuth 2.0, or `push_authentication_request` for OpenID Connect sign-in"
    )]
    pub fn push_authorization_request(
        &self,
        request: AuthorizationRequest,
    ) -> Result<(Url, PendingAuthorization)> {
        self.push_oauth2_authorization_request(request)
    }

    /// See [`crate::Client::introspect`].
    pub fn introspect<'t>(
        &self,
        token: impl Into<TokenRef<'t>>,
        hint: Option<TokenTypeHint>,
    ) -> Result<IntrospectionResponse> {
        self.run(self.inner.introspect(token, hint))
    }

    /// See [`crate::Client::revoke`].
    pub fn revoke<'t>(
        &self,
        token: impl Into<TokenRef<'t>>,
        hint: Option<TokenTypeHint>,
    ) -> Result<RevocationOutcome> {
        self.run(self.inner.revoke(token, hint))
    }

    /// See [`crate::Client::authentication_url`] (OpenID Connect sign-in, step 1).
    pub fn authentication_url(
        &self,
        request: AuthenticationRequest,
    ) -> Result<(Url, PendingAuthentication)> {
        self.inner.authentication_url(request)
    }

    /// See [`crate::Client::signed_authentication_url`].
    pub fn signed_authentication_url(
        &self,
        request: AuthenticationRequest,
        signer: &dyn JwsSigner,
    ) -> Result<(Url, PendingAuthentication)> {
        self.inner.signed_authentication_url(request, signer)
    }

    /// See [`crate::Client::encrypted_authentication_url`].
    pub fn encrypted_authentication_url(
        &self,
        request: AuthenticationRequest,
        signer: &dyn JwsSigner,
        encryption: &RequestObjectEncryption,
    ) -> Result<(Url, PendingAuthentication)> {
        self.inner
            .encrypted_authentication_url(request, signer, encryption)
    }

    /// See [`crate::Client::logout_url`].
    pub fn logout_url(
        &self,
        id_token: &IdToken,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> Result<Url> {
        self.inner
            .logout_url(id_token, post_logout_redirect_uri, state)
    }

    /// See [`crate::Client::handle_backchannel_logout`].
    pub fn handle_backchannel_logout<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
    ) -> Result<LogoutToken> {
        self.run(self.inner.handle_backchannel_logout(request))
    }

    blocking_methods! {
        /// See [`crate::Client::push_oauth2_authorization_request`].
        fn push_oauth2_authorization_request(&self, request: AuthorizationRequest)
            -> (Url, PendingAuthorization);
        /// See [`crate::Client::oauth2_exchange_code`] (plain OAuth 2.0 sign-in, step 2).
        fn oauth2_exchange_code(
            &self,
            pending: PendingAuthorization,
            callback: &AuthorizationResponse
        ) -> AuthorizationTokens;
        /// See [`crate::Client::push_authentication_request`].
        fn push_authentication_request(
            &self,
            request: AuthenticationRequest,
            signer: Option<&dyn JwsSigner>
        ) -> (Url, PendingAuthentication);
        /// See [`crate::Client::request_object_encryption`].
        fn request_object_encryption(&self, algorithms: JweAlgorithms) -> RequestObjectEncryption;
        /// See [`crate::Client::push_encrypted_authentication_request`].
        fn push_encrypted_authentication_request(
            &self,
            request: AuthenticationRequest,
            signer: &dyn JwsSigner,
            encryption: &RequestObjectEncryption
        ) -> (Url, PendingAuthentication);
        /// See [`crate::Client::authenticate`] (OpenID Connect sign-in, step 2).
        fn authenticate(&self, pending: PendingAuthentication, callback: &AuthorizationResponse)
            -> Authentication;
        /// See [`crate::Client::validate_refreshed_id_token`].
        fn validate_refreshed_id_token(&self, tokens: &TokenResponse, previous: &IdTokenClaims)
            -> Option<IdTokenClaims>;
        /// See [`crate::Client::validate_logout_token`].
        fn validate_logout_token(&self, logout_token: &str) -> LogoutToken;
        /// See [`crate::Client::refresh`].
        fn refresh(&self, refresh_token: &RefreshToken) -> RefreshedToken;
        /// See [`crate::Client::client_credentials`].
        fn client_credentials(&self, scopes: &[&str]) -> TokenResponse;
        /// See [`crate::Client::token_request`].
        fn token_request(&self, request: &TokenRequest) -> TokenResponse;
        /// See [`crate::Client::device_authorization`].
        fn device_authorization(&self, scopes: &[&str]) -> DeviceAuthorizationFlow;
        /// See [`crate::Client::poll_device`]: blocks the thread until the flow ends.
        fn poll_device(&self, flow: DeviceAuthorizationFlow) -> TokenResponse;
        /// See [`crate::Client::userinfo`]: the response's `sub` must be `expected_sub`.
        fn userinfo(&self, access_token: &AccessToken, expected_sub: &str) -> UserInfo;
        /// See [`crate::Client::userinfo_without_subject_check`].
        fn userinfo_without_subject_check(&self, access_token: &AccessToken) -> UserInfo;
        /// See [`crate::Client::resolve_claim_sources`].
        fn resolve_claim_sources(
            &self,
            userinfo: &mut UserInfo,
            only: Option<&[&str]>,
            keys: &(impl KeySource + ?Sized),
            claims_provider: Option<&str>,
            access_token: Option<&AccessToken>
        ) -> Vec<String>;
        /// See [`crate::Client::send_protected`].
        fn send_protected(&self, request: Request<Vec<u8>>, access_token: &AccessToken)
            -> Response<Vec<u8>>;
    }
}

/// The facade's runtime: one thread (the caller's), timers and sockets.
fn runtime() -> Result<tokio::runtime::Runtime> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::Misuse(
            "the blocking client cannot be used inside an async runtime",
        ));
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}
