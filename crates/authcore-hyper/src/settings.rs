//! What a [`Provider`](crate::Provider) is configured with besides the core's
//! [`ServerConfig`]: body size cap, rate limits, cookies, outbound fetch limits, the UI's
//! site name, and the `dev` flag.

use std::time::Duration;

use authcore_server::ServerConfig;

/// The provider's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProviderSettings {
    /// The core's configuration: issuer, endpoints, lifetimes, policies. The routes served are
    /// the paths of its [`Endpoints`](authcore_server::config::Endpoints).
    pub server: ServerConfig,
    /// The largest request body read, in bytes; a larger one is answered `413`.
    pub max_body_bytes: usize,
    /// Rate limits.
    pub rate_limits: RateLimitSettings,
    /// Cookies.
    pub cookies: CookieSettings,
    /// Outbound fetches (`request_uri`, `jwks_uri`, `sector_identifier_uri`, back-channel
    /// logout).
    pub fetch: FetchSettings,
    /// The name shown on the login, consent, device and logout pages.
    pub site_name: String,
    /// Development mode: outbound fetches may use `http` to loopback hosts. Never the
    /// default.
    pub dev: bool,
    /// How long a login session lasts, in seconds (default 8 hours).
    pub session_lifetime: u64,
    /// How often [`Provider::serve`](crate::Provider::serve) runs the store's expiry sweep
    /// ([`ProviderStore::sweep`](crate::ProviderStore::sweep)); `None`: never (another
    /// instance or a scheduled job sweeps). Default 10 minutes.
    pub sweep_interval: Option<Duration>,
    /// DPoP server nonces (RFC 9449 §8): the seconds each nonce window lasts; `None` (the
    /// default): the token endpoint and UserInfo demand no nonce.
    pub dpop_nonce_window: Option<u64>,
}

impl ProviderSettings {
    /// Settings for `server` with every default: 64 KiB bodies, the default rate limits,
    /// `Secure` cookies (dropped on loopback `http` issuers), 5-second fetches of at most
    /// 256 KiB, site name "authcore", not in dev mode.
    pub fn new(server: ServerConfig) -> Self {
        ProviderSettings {
            server,
            max_body_bytes: 64 * 1024,
            rate_limits: RateLimitSettings::default(),
            cookies: CookieSettings::default(),
            fetch: FetchSettings::default(),
            site_name: "authcore".to_owned(),
            dev: false,
            session_lifetime: 8 * 3600,
            sweep_interval: Some(Duration::from_secs(600)),
            dpop_nonce_window: None,
        }
    }
}

/// One token bucket: `burst` requests at once, refilled at `per_minute` a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// The bucket size.
    pub burst: u32,
    /// Requests regained per minute.
    pub per_minute: u32,
}

impl RateLimit {
    /// A limit of `burst` at once and `per_minute` sustained.
    pub const fn new(burst: u32, per_minute: u32) -> Self {
        RateLimit { burst, per_minute }
    }
}

/// The rate limits, each applied per client id and per source address (RFC 6749 §10.10 and
/// RFC 8628 §5.1 ask servers to limit guessing): token, device, PAR and login. `None` turns a
/// limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitSettings {
    /// The token endpoint.
    pub token: Option<RateLimit>,
    /// The device authorization endpoint and the user-code page.
    pub device: Option<RateLimit>,
    /// The pushed authorization request endpoint.
    pub par: Option<RateLimit>,
    /// Login attempts (per username and per source address).
    pub login: Option<RateLimit>,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            token: Some(RateLimit::new(60, 120)),
            device: Some(RateLimit::new(20, 30)),
            par: Some(RateLimit::new(30, 60)),
            login: Some(RateLimit::new(10, 10)),
        }
    }
}

impl RateLimitSettings {
    /// Every limit off.
    pub fn off() -> Self {
        RateLimitSettings {
            token: None,
            device: None,
            par: None,
            login: None,
        }
    }
}

/// Cookie settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookieSettings {
    /// The session cookie's name.
    pub session_name: String,
    /// The interaction cookie's name.
    pub interaction_name: String,
    /// Drop `Secure` when the issuer is `http` on a loopback host (a browser does not send a
    /// `Secure` cookie over `http`). Default `true`; an `https` issuer always gets `Secure`.
    pub insecure_on_loopback_http: bool,
}

impl Default for CookieSettings {
    fn default() -> Self {
        CookieSettings {
            session_name: "authcore_session".to_owned(),
            interaction_name: "authcore_interaction".to_owned(),
            insecure_on_loopback_http: true,
        }
    }
}

/// Limits of outbound requests (the adapter contract: no redirects followed, timeouts, a
/// size cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchSettings {
    /// The whole request, connection included.
    pub timeout: Duration,
    /// The largest response body read, in bytes.
    pub max_body_bytes: usize,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            timeout: Duration::from_secs(5),
            max_body_bytes: 256 * 1024,
        }
    }
}
