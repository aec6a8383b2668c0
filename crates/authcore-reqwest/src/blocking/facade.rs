//! The blocking [`Client`]: the async facade driven on a runtime of its own.

use std::fmt;
use std::sync::Arc;

use authcore_jose::{JwsSigner, KeySource};
use authcore_oauth2::{
    AccessToken, AuthorizationRequest, AuthorizationResponse, AuthorizationServer,
    DeviceAuthorizationFlow, IdToken, IntrospectionResponse, PendingAuthorization, RefreshToken,
    RefreshedToken, RevocationOutcome, TokenRequest, TokenResponse, TokenTypeHint,
};
use authcore_oidc::{
    Authentication, AuthenticationRequest, IdTokenClaims, LogoutToken, PendingAuthentication,
    ProviderMetadata, UserInfo,
};
use http::{Request, Response};
use url::Url;

use crate::client::{AuthorizationTokens, ClientBuilder};
use crate::error::{Error, Result};

/// The blocking twin of [`crate::Client`], for programs without an async runtime: the same
/// flows, checks and defaults, each method waiting for its result.
///
/// It runs the async facade on a single-threaded tokio runtime that it owns (as reqwest's own
/// blocking client does), so it must not be used from inside an async runtime: there every
/// method returns [`Error::Misuse`] instead of blocking the runtime's thread. Configure it
/// with the async [`ClientBuilder`] (configuration does no I/O) and hand that over:
///
/// ```no_run
/// use authcore_reqwest::{ClientAuthentication, ClientSecret};
/// use authcore_reqwest::blocking::Client;
///
/// let builder = authcore_reqwest::Client::builder(
///     "s6BhdRkqt3",
///     ClientAuthentication::ClientSecretBasic(ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
/// );
/// let client = Client::discover(builder, "https://op.example")?;
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
    /// Discovers the provider (see [`ClientBuilder::discover`]) and builds the client.
    pub fn discover(builder: ClientBuilder, issuer: &str) -> Result<Client> {
        let rt = runtime()?;
        let inner = rt.block_on(builder.discover(issuer))?;
        Ok(Client {
            inner,
            rt: Arc::new(rt),
        })
    }

    /// Builds an OAuth 2.0 client for a server described by hand (see
    /// [`ClientBuilder::build`]).
    pub fn build(builder: ClientBuilder, server: AuthorizationServer) -> Result<Client> {
        let rt = runtime()?;
        let inner = rt.block_on(async { builder.build(server) })?;
        Ok(Client {
            inner,
            rt: Arc::new(rt),
        })
    }

    /// Builds an OpenID Connect client from provider metadata obtained elsewhere (see
    /// [`ClientBuilder::build_with_metadata`]).
    pub fn build_with_metadata(
        builder: ClientBuilder,
        metadata: ProviderMetadata,
    ) -> Result<Client> {
        let rt = runtime()?;
        let inner = rt.block_on(async { builder.build_with_metadata(metadata) })?;
        Ok(Client {
            inner,
            rt: Arc::new(rt),
        })
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

    /// See [`crate::Client::authorization_url`].
    pub fn authorization_url(
        &self,
        request: AuthorizationRequest,
    ) -> Result<(Url, PendingAuthorization)> {
        self.inner.authorization_url(request)
    }

    /// See [`crate::Client::authentication_url`].
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
        /// See [`crate::Client::push_authorization_request`].
        fn push_authorization_request(&self, request: AuthorizationRequest)
            -> (Url, PendingAuthorization);
        /// See [`crate::Client::exchange_code`].
        fn exchange_code(&self, pending: PendingAuthorization, callback: &AuthorizationResponse)
            -> AuthorizationTokens;
        /// See [`crate::Client::push_authentication_request`].
        fn push_authentication_request(
            &self,
            request: AuthenticationRequest,
            signer: Option<&dyn JwsSigner>
        ) -> (Url, PendingAuthentication);
        /// See [`crate::Client::authenticate`].
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
        /// See [`crate::Client::introspect`].
        fn introspect(&self, token: &str, hint: Option<TokenTypeHint>) -> IntrospectionResponse;
        /// See [`crate::Client::revoke`].
        fn revoke(&self, token: &str, hint: Option<TokenTypeHint>) -> RevocationOutcome;
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
