//! The layer's configuration: the application's address, its providers, paths, sessions.

use std::sync::Arc;

use authcore_jose::{JwsAlgorithm, SecureRandom, crypto};
use authcore_oauth2::ClientAuthentication;
use authcore_reqwest::HttpConfig;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::store::{EndedSessions, MemoryEndedSessions, SessionStore};
use crate::{Error, SessionKeys};

/// The paths the layer serves. Defaults: `/auth/login`, `/auth/callback`, `/auth/logout`,
/// `/auth/backchannel-logout`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginPaths {
    /// Starts a sign-in (`?provider=NAME&return_to=/path`); the provider chooser page when
    /// several providers are configured and none is named.
    pub login: String,
    /// The redirect URI's path: the provider sends the user agent back here.
    pub callback: String,
    /// Ends the session here and at the provider (RP-Initiated Logout 1.0).
    pub logout: String,
    /// Receives back-channel logout tokens (Back-Channel Logout 1.0 §2.5); register
    /// `<base>/auth/backchannel-logout?provider=NAME` as the client's
    /// `backchannel_logout_uri`.
    pub backchannel_logout: String,
}

impl Default for LoginPaths {
    fn default() -> Self {
        LoginPaths {
            login: "/auth/login".into(),
            callback: "/auth/callback".into(),
            logout: "/auth/logout".into(),
            backchannel_logout: "/auth/backchannel-logout".into(),
        }
    }
}

/// How one OpenID provider is used: its issuer, this application's client registration
/// there, the scopes to ask for.
pub struct ProviderConfig {
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) source: ProviderSource,
    pub(crate) scopes: Vec<String>,
    pub(crate) par: bool,
}

pub(crate) enum ProviderSource {
    Discover {
        issuer: String,
        client_id: String,
        auth: ClientAuthentication,
        id_token_alg: JwsAlgorithm,
        http: Option<HttpConfig>,
    },
    Client(authcore_reqwest::Client),
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("par", &self.par)
            .finish_non_exhaustive()
    }
}

impl ProviderConfig {
    /// A provider found by discovery at `issuer` (OpenID Connect Discovery 1.0), with the
    /// client's `client_id` and authentication: [`ClientAuthentication::ClientSecretBasic`],
    /// [`ClientAuthentication::PrivateKeyJwt`], or [`ClientAuthentication::None`] for a
    /// public client (PKCE S256 is sent in every case). `name` identifies it in URLs and
    /// sessions (`[A-Za-z0-9_-]`).
    pub fn new(
        name: impl Into<String>,
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        auth: ClientAuthentication,
    ) -> Self {
        let name = name.into();
        ProviderConfig {
            display_name: name.clone(),
            name,
            source: ProviderSource::Discover {
                issuer: issuer.into(),
                client_id: client_id.into(),
                auth,
                id_token_alg: JwsAlgorithm::RS256,
                http: None,
            },
            scopes: Vec::new(),
            par: false,
        }
    }

    /// A provider through a client built (and discovered) by the application with
    /// `authcore-reqwest`, for settings this configuration does not name (DPoP, encrypted
    /// ID tokens, mutual TLS).
    pub fn from_client(name: impl Into<String>, client: authcore_reqwest::Client) -> Self {
        let name = name.into();
        ProviderConfig {
            display_name: name.clone(),
            name,
            source: ProviderSource::Client(client),
            scopes: Vec::new(),
            par: false,
        }
    }

    /// Asks for `scope` besides `openid` (for example `profile`, `email`, `offline_access`
    /// for a refresh token).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// The name shown on the provider chooser page (default: the name).
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = name.into();
        self
    }

    /// Pushes the authentication request to the provider's PAR endpoint first (RFC 9126):
    /// the browser then carries only a `request_uri`.
    pub fn pushed_authorization_requests(mut self, yes: bool) -> Self {
        self.par = yes;
        self
    }

    /// The client's registered `id_token_signed_response_alg` (default `RS256`); ignored for
    /// [`ProviderConfig::from_client`].
    pub fn id_token_signed_response_alg(mut self, alg: JwsAlgorithm) -> Self {
        if let ProviderSource::Discover { id_token_alg, .. } = &mut self.source {
            *id_token_alg = alg;
        }
        self
    }

    /// The HTTP client settings for discovery and the back channel (timeouts, TLS roots);
    /// ignored for [`ProviderConfig::from_client`].
    pub fn http_config(mut self, config: HttpConfig) -> Self {
        if let ProviderSource::Discover { http, .. } = &mut self.source {
            *http = Some(config);
        }
        self
    }
}

/// Session lifetimes (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionTimeouts {
    /// A session unused this long ends (default 30 minutes).
    pub idle: u64,
    /// A session ends this long after sign-in, used or not (default 12 hours).
    pub absolute: u64,
    /// A sign-in not completed within this long must start again (default 10 minutes).
    pub pending_login: u64,
    /// Access tokens are refreshed this long before they expire (default 60 s).
    pub refresh_margin: u64,
}

impl Default for SessionTimeouts {
    fn default() -> Self {
        SessionTimeouts {
            idle: 30 * 60,
            absolute: 12 * 60 * 60,
            pending_login: 10 * 60,
            refresh_margin: 60,
        }
    }
}

/// Everything the layer needs; [`LoginLayer::discover`](crate::LoginLayer::discover) turns
/// it into a layer.
pub struct LoginConfig {
    pub(crate) base: Url,
    pub(crate) keys: SessionKeys,
    pub(crate) providers: Vec<ProviderConfig>,
    pub(crate) paths: LoginPaths,
    pub(crate) timeouts: SessionTimeouts,
    pub(crate) protected: Vec<String>,
    pub(crate) api_prefixes: Vec<String>,
    pub(crate) post_logout_redirect_uri: Option<String>,
    pub(crate) cookie_prefix: String,
    pub(crate) store: Option<Arc<dyn SessionStore>>,
    pub(crate) ended: Arc<dyn EndedSessions>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: &'static dyn SecureRandom,
}

impl std::fmt::Debug for LoginConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginConfig")
            .field("base", &self.base.as_str())
            .field("keys", &self.keys)
            .field("providers", &self.providers)
            .field("paths", &self.paths)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl LoginConfig {
    /// The application at `base_url` (scheme, host and port it is reached at; the redirect
    /// URI is `base_url` + the callback path), with cookies sealed under `keys`.
    ///
    /// `https` is required, except plain `http` on a loopback host (development): cookies
    /// are `Secure` except there.
    pub fn new(base_url: &str, keys: SessionKeys) -> Result<Self, Error> {
        let base = Url::parse(base_url)
            .map_err(|e| Error::Config(format!("base URL `{base_url}`: {e}")))?;
        if base.scheme() != "https"
            && !(base.scheme() == "http" && authcore_oauth2::is_loopback(&base))
        {
            return Err(Error::Config(format!(
                "base URL `{base_url}` must use https (plain http only on a loopback host)"
            )));
        }
        if base.query().is_some() || base.fragment().is_some() || base.cannot_be_a_base() {
            return Err(Error::Config(format!(
                "base URL `{base_url}` must have no query or fragment"
            )));
        }
        Ok(LoginConfig {
            base,
            keys,
            providers: Vec::new(),
            paths: LoginPaths::default(),
            timeouts: SessionTimeouts::default(),
            protected: Vec::new(),
            api_prefixes: Vec::new(),
            post_logout_redirect_uri: None,
            cookie_prefix: "authcore_login".into(),
            store: None,
            ended: Arc::new(MemoryEndedSessions::new()),
            clock: Arc::new(SystemClock),
            rng: crypto::default_provider().system_random(),
        })
    }

    /// Adds a provider. With several, `/auth/login` shows a chooser page.
    pub fn provider(mut self, provider: ProviderConfig) -> Self {
        self.providers.push(provider);
        self
    }

    /// Requires a session for paths under `prefix` (`/account` covers `/account` and
    /// `/account/...`): browsers are redirected to sign in and come back; API requests get
    /// 401. `/` protects everything but the layer's own routes.
    pub fn protect(mut self, prefix: impl Into<String>) -> Self {
        self.protected.push(prefix.into());
        self
    }

    /// Treats requests under `prefix` as API requests (401 instead of a redirect), as
    /// requests with `Accept: application/json` always are.
    pub fn api_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.api_prefixes.push(prefix.into());
        self
    }

    /// Replaces the routes' paths.
    pub fn paths(mut self, paths: LoginPaths) -> Self {
        self.paths = paths;
        self
    }

    /// Replaces the session lifetimes.
    pub fn timeouts(mut self, timeouts: SessionTimeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Where the provider sends the user agent after RP-initiated logout; it must be
    /// registered as a `post_logout_redirect_uri` there. Default: the base URL.
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uri = Some(uri.into());
        self
    }

    /// The cookies' name prefix (default `authcore_login`: `authcore_login_session`,
    /// `authcore_login_pending`; `__Host-` is put in front when cookies are `Secure`). Browsers
    /// share cookies between ports of one host, so the default differs from the names
    /// `authcore serve` uses for its own sessions.
    pub fn cookie_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.cookie_prefix = prefix.into();
        self
    }

    /// Keeps sessions server-side in `store`; the cookie then holds a sealed reference only.
    /// Default: the whole session in the sealed cookie.
    pub fn session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Where ended sessions are remembered (default: [`MemoryEndedSessions`]). Share one
    /// across instances of the application.
    pub fn ended_sessions(mut self, ended: Arc<dyn EndedSessions>) -> Self {
        self.ended = ended;
        self
    }

    /// Replaces the clock (tests move time forward with it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the randomness source (session ids, cookie IVs; tests only).
    pub fn random(mut self, rng: &'static dyn SecureRandom) -> Self {
        self.rng = rng;
        self
    }
}
