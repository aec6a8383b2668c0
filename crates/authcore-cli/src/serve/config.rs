//! The configuration file of `authcore serve` (TOML) and its validation.
//!
//! The file says what the provider offers: the issuer and listen address, token lifetimes and
//! formats, features (device flow, PAR, DPoP nonces, registration, logout), the scopes and
//! claims, the clients and the resource servers. Everything is checked before the server
//! binds; a mistake is one [`ConfigError`] naming the key path (`clients[1].redirect_uris`)
//! and the reason. Unknown keys are refused, so a misspelt setting never silently falls back
//! to its default.
//!
//! Clients are described with the client metadata names of RFC 7591 §2 and validated by the
//! same rules as a dynamic registration ([`authcore_server::registration::validate_metadata`]),
//! so a client accepted here is one the registration endpoint would accept too.

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use authcore_hyper::{RateLimit, RateLimitSettings, SIGNING_ALGORITHMS};
use authcore_jose::JwsAlgorithm;
use authcore_oauth2::ClientMetadata;
use authcore_server::ServerConfig;
use authcore_server::config::{AccessTokenFormat, ResourceServer};
use authcore_server::model::{ClientAuthMethod, ClientRecord, StoredSecret};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Where the initial access token for registration comes from when
/// `features.registration = "initial_access_token"`: the environment, never the file.
pub const INITIAL_ACCESS_TOKEN_ENV: &str = "AUTHCORE_INITIAL_ACCESS_TOKEN";

/// The longest an authorization code may live: RFC 6749 §4.1.2 recommends at most ten
/// minutes.
const MAX_CODE_LIFETIME: u64 = 600;

/// The configuration file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The issuer identifier; `--issuer` overrides it.
    pub issuer: Option<String>,
    /// The listen address; `--listen` overrides it.
    pub listen: Option<SocketAddr>,
    /// The store: a PostgreSQL URL (shared by several instances) or a data directory;
    /// `--store` and `--data` override it.
    pub store: Option<String>,
    /// How the signing keys are picked up from the store.
    #[serde(default)]
    pub keys: KeysSection,
    /// Lifetimes and the access-token format.
    #[serde(default)]
    pub tokens: TokensSection,
    /// What the provider offers beyond the authorization code flow.
    #[serde(default)]
    pub features: FeaturesSection,
    /// The PKCE policy (RFC 7636).
    #[serde(default)]
    pub pkce: PkceSection,
    /// The scope values the provider knows (`scopes_supported`); empty: any scope a client
    /// registers.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The claims the provider can release (`claims_supported`, OpenID Connect Discovery
    /// §3).
    #[serde(default)]
    pub claims: Vec<String>,
    /// The statically configured clients.
    #[serde(default)]
    pub clients: Vec<ClientSection>,
    /// The resource servers (RFC 8707).
    #[serde(default)]
    pub resource_servers: Vec<ResourceServerSection>,
    /// The rate limits.
    #[serde(default)]
    pub rate_limits: RateLimitsSection,
}

/// `[tokens]`: lifetimes in seconds, and the access-token format.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensSection {
    /// Access tokens (default 3600).
    pub access_token_lifetime: Option<u64>,
    /// Refresh tokens (default 30 days).
    pub refresh_token_lifetime: Option<u64>,
    /// ID tokens (default 3600).
    pub id_token_lifetime: Option<u64>,
    /// Authorization codes (default 60, at most 600).
    pub authorization_code_lifetime: Option<u64>,
    /// Device codes (default 600).
    pub device_code_lifetime: Option<u64>,
    /// The format of access tokens for resource servers that do not name one (default
    /// `opaque`).
    pub access_token_format: Option<TokenFormat>,
}

/// An access-token format as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenFormat {
    /// Opaque, checked by introspection.
    Opaque,
    /// A JWT (RFC 9068).
    Jwt,
}

impl From<TokenFormat> for AccessTokenFormat {
    fn from(f: TokenFormat) -> Self {
        match f {
            TokenFormat::Opaque => AccessTokenFormat::Opaque,
            TokenFormat::Jwt => AccessTokenFormat::Jwt,
        }
    }
}

/// `[keys]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysSection {
    /// Seconds between two readings of the stored keys, so a rotation done elsewhere
    /// (`authcore keys rotate`, another instance) is picked up; default 60, at most 3600.
    pub reload_interval: Option<u64>,
}

/// `[features]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeaturesSection {
    /// The device authorization grant (RFC 8628); default on.
    pub device_flow: Option<bool>,
    /// Every client must use pushed authorization requests (RFC 9126 §5); default off.
    pub par_required: Option<bool>,
    /// Server nonces in DPoP proofs (RFC 9449 §8); default off.
    pub dpop_nonces: Option<bool>,
    /// Dynamic client registration (RFC 7591); default `off` (`open` with `--dev`).
    pub registration: Option<RegistrationMode>,
    /// Back-channel logout notifications (OpenID Connect Back-Channel Logout 1.0).
    pub backchannel_logout: Option<bool>,
    /// Front-channel logout iframes (OpenID Connect Front-Channel Logout 1.0).
    pub frontchannel_logout: Option<bool>,
}

/// Who may register clients dynamically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMode {
    /// No registration endpoint.
    Off,
    /// Anyone (RFC 7591 §3: open registration).
    Open,
    /// Only with the initial access token (RFC 7591 §3), read from
    /// [`INITIAL_ACCESS_TOKEN_ENV`].
    InitialAccessToken,
}

/// `[pkce]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PkceSection {
    /// Confidential clients must use PKCE too (default true; public clients always must).
    pub required_for_confidential_clients: Option<bool>,
    /// Accept the `plain` method (default false, RFC 9700 §2.1.1).
    pub allow_plain: Option<bool>,
}

/// One `[[clients]]` entry, in RFC 7591 §2 member names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSection {
    /// `client_id`.
    pub client_id: String,
    /// `client_name`, shown on the consent page.
    pub client_name: Option<String>,
    /// The Argon2id hash (PHC string) of a secret chosen elsewhere; without it a client that
    /// needs a secret gets a generated one, printed once when it is first stored.
    pub secret_hash: Option<String>,
    /// `token_endpoint_auth_method` (default `client_secret_basic`).
    pub token_endpoint_auth_method: Option<String>,
    /// `redirect_uris`.
    pub redirect_uris: Option<Vec<String>>,
    /// `post_logout_redirect_uris`.
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// `grant_types` (default `authorization_code`).
    pub grant_types: Option<Vec<String>>,
    /// `response_types` (default `code`).
    pub response_types: Option<Vec<String>>,
    /// `scope`, space-separated.
    pub scope: Option<String>,
    /// `application_type`: `web` or `native`.
    pub application_type: Option<String>,
    /// `dpop_bound_access_tokens` (RFC 9449 §5.2).
    pub dpop_bound_access_tokens: Option<bool>,
    /// `require_pushed_authorization_requests` (RFC 9126 §6).
    pub require_pushed_authorization_requests: Option<bool>,
    /// `jwks`: the client's public keys, as a TOML table in JWK Set form.
    pub jwks: Option<toml::Table>,
    /// `backchannel_logout_uri`.
    pub backchannel_logout_uri: Option<String>,
    /// `frontchannel_logout_uri`.
    pub frontchannel_logout_uri: Option<String>,
    /// The resource servers (their identifiers) the client may ask tokens for.
    pub resources: Option<Vec<String>>,
}

/// One `[[resource_servers]]` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceServerSection {
    /// The resource indicator (RFC 8707 §2): an absolute URI, the `aud` of its tokens.
    pub identifier: String,
    /// Its access-token format (default `tokens.access_token_format`).
    pub access_token_format: Option<TokenFormat>,
    /// The configured client it introspects as, if any.
    pub introspection_client_id: Option<String>,
    /// The algorithm of its JWT access tokens (default: the current ID token signer, RS256).
    pub access_token_signing_alg: Option<String>,
}

/// `[rate_limits]`: the per-client and per-address limits of authcore-hyper, each `false`
/// (off) or `{ burst, per_minute }`; a limit not named keeps authcore-hyper's default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsSection {
    /// The token endpoint (RFC 6749 §10.10 asks servers to limit guessing).
    pub token: Option<RateLimitValue>,
    /// The device authorization endpoint and user-code entry (RFC 8628 §5.1).
    pub device: Option<RateLimitValue>,
    /// The pushed authorization request endpoint.
    pub par: Option<RateLimitValue>,
    /// The login form.
    pub login: Option<RateLimitValue>,
}

/// One rate limit as written: `false` turns it off, a table sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum RateLimitValue {
    /// `false`: no limit (`true` is refused: a limit needs its numbers).
    Enabled(bool),
    /// `{ burst = N, per_minute = M }`.
    Limit {
        /// Requests at once.
        burst: u32,
        /// Requests per minute, sustained.
        per_minute: u32,
    },
}

/// A configuration mistake: the key path and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where: the file (if any) and the line, when known.
    pub origin: String,
    /// The key path (`clients[0].redirect_uris`), empty for the document itself.
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

impl ConfigError {
    fn at(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            origin: String::new(),
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration")?;
        if !self.origin.is_empty() {
            write!(f, " ({})", self.origin)?;
        }
        if !self.path.is_empty() {
            write!(f, ": `{}`", self.path)?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// How a configured client's secret is provided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The client needs no secret (`none`, `private_key_jwt`, the TLS methods).
    NotNeeded,
    /// The configured hash.
    Hashed(StoredSecret),
    /// Generated when the client is first stored (and kept on later starts).
    Generate,
}

/// A configured client, validated: its record (without a secret) and where the secret comes
/// from.
#[derive(Debug, Clone)]
pub struct ConfiguredClient {
    /// The record, as the registration rules build it.
    pub record: ClientRecord,
    /// The secret.
    pub secret: SecretSource,
}

/// What the command line says next to the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--issuer`.
    pub issuer: Option<String>,
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--dev`.
    pub dev: bool,
}

/// How often a running server reads the stored keys again by default.
pub const DEFAULT_KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(60);

/// The longest `keys.reload_interval`: a rotation must reach every instance well within the
/// lifetime of the tokens the retired key signed (one hour by default).
const MAX_KEY_RELOAD_INTERVAL: u64 = 3600;

/// The validated configuration: everything `serve` needs except the keys and the opened
/// store.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The issuer, when known before binding (`None`: `--dev` without an issuer, which then
    /// is `http://` and the bound loopback address).
    pub issuer: Option<String>,
    /// The listen address.
    pub listen: SocketAddr,
    /// Development mode.
    pub dev: bool,
    /// The server configuration for the issuer (a loopback placeholder when not known yet;
    /// see [`ServeConfig::for_issuer`]).
    pub server: ServerConfig,
    /// The configured clients.
    pub clients: Vec<ConfiguredClient>,
    /// Which optional endpoints the features turn on.
    pub features: Features,
    /// Whether the token and UserInfo endpoints demand DPoP nonces (RFC 9449 §8).
    pub dpop_nonces: bool,
    /// The rate limits.
    pub rate_limits: RateLimitSettings,
    /// The store the file names, if it names one.
    pub store: Option<super::store::StoreLocation>,
    /// How often the stored keys are read again.
    pub key_reload_interval: Duration,
}

/// The scopes of OpenID Connect Core §5.4 and §11.
const STANDARD_SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

/// The listen address without `--listen` or `listen`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The issuer used to validate a `--dev` configuration before the port is known.
const DEV_PLACEHOLDER_ISSUER: &str = "http://127.0.0.1";

/// Reads and validates the file at `path` (or the defaults when `None`) with the command
/// line's overrides.
pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<ServeConfig, ConfigError> {
    let file = match path {
        None => ConfigFile::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| ConfigError {
                origin: p.display().to_string(),
                path: String::new(),
                reason: format!("cannot read the file: {e}"),
            })?;
            parse(&text).map_err(|mut e| {
                e.origin = if e.origin.is_empty() {
                    p.display().to_string()
                } else {
                    format!("{} {}", p.display(), e.origin)
                };
                e
            })?
        }
    };
    validate(file, overrides)
}

/// Parses the TOML text: syntax, types and unknown keys. The error names the key path and
/// the line.
pub fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
    let line_of = |span: Option<std::ops::Range<usize>>| {
        span.map(|s| {
            let line = text[..s.start.min(text.len())]
                .bytes()
                .filter(|&b| b == b'\n')
                .count()
                + 1;
            format!("line {line}")
        })
        .unwrap_or_default()
    };
    let de = toml::Deserializer::parse(text).map_err(|e| ConfigError {
        origin: line_of(e.span()),
        path: String::new(),
        reason: e.message().trim().to_owned(),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ConfigError {
            origin: line_of(inner.span()),
            path: if path == "." { String::new() } else { path },
            reason: inner.message().trim().to_owned(),
        }
    })
}

/// Checks the parsed file against the rules of the server and the registration endpoint.
pub fn validate(file: ConfigFile, overrides: &Overrides) -> Result<ServeConfig, ConfigError> {
    let issuer = overrides.issuer.clone().or(file.issuer.clone());
    let listen = match overrides.listen.or(file.listen) {
        Some(a) => a,
        None => DEFAULT_LISTEN
            .parse()
            .expect("the default listen address parses"),
    };
    let issuer_path = if overrides.issuer.is_some() {
        "--issuer"
    } else {
        "issuer"
    };
    match &issuer {
        None if !overrides.dev => {
            return Err(ConfigError::at(
                "issuer",
                "the issuer is required: give --issuer URL or `issuer` in the file \
                 (only --dev derives it from the listen address)",
            ));
        }
        // Plain http is for development on loopback only (RFC 8414 §2: the issuer is an
        // https URL); ServerConfig::new allows loopback http for tests, so --dev decides.
        Some(i) if !overrides.dev && !i.starts_with("https://") => {
            return Err(ConfigError::at(
                issuer_path,
                format!("`{i}` must be an https URL (http on loopback only with --dev)"),
            ));
        }
        _ => {}
    }
    let placeholder = issuer.as_deref().unwrap_or(DEV_PLACEHOLDER_ISSUER);
    let mut server =
        ServerConfig::new(placeholder).map_err(|e| ConfigError::at(issuer_path, e.to_string()))?;

    apply_tokens(&file.tokens, &mut server)?;
    let f = &file.features;
    server.require_pushed_authorization_requests = f.par_required.unwrap_or(false);
    server.logout.backchannel = f.backchannel_logout.unwrap_or(false);
    server.logout.frontchannel = f.frontchannel_logout.unwrap_or(false);
    let registration = f.registration.unwrap_or(if overrides.dev {
        RegistrationMode::Open
    } else {
        RegistrationMode::Off
    });
    match registration {
        RegistrationMode::Off => {}
        RegistrationMode::Open => {}
        RegistrationMode::InitialAccessToken => {
            let token = std::env::var(INITIAL_ACCESS_TOKEN_ENV).unwrap_or_default();
            // The same floor as a generated credential: a guessable token opens registration.
            if token.len() < 32 {
                return Err(ConfigError::at(
                    "features.registration",
                    format!(
                        "\"initial_access_token\" needs the token (at least 32 characters) in \
                         the environment variable {INITIAL_ACCESS_TOKEN_ENV}"
                    ),
                ));
            }
            server.registration.initial_access_token =
                Some(authcore_jose::SecretBytes::new(token.into_bytes()));
        }
    }
    let features = Features {
        device_flow: f.device_flow.unwrap_or(true),
        registration: registration != RegistrationMode::Off,
    };
    set_endpoints(&mut server, features)?;
    server.pkce.required_for_confidential_clients =
        file.pkce.required_for_confidential_clients.unwrap_or(true);
    server.pkce.allow_plain = file.pkce.allow_plain.unwrap_or(false);

    check_names("scopes", &file.scopes, is_scope_token)?;
    check_names("claims", &file.claims, is_claim_name)?;
    server.claims_supported = file.claims.clone();
    server.scopes_supported = file.scopes.clone();
    // A client registering no scope may ask for every configured scope, or, when none are
    // configured, the OpenID Connect Core §5.4 scopes and `offline_access` (§11).
    server.registration.default_scopes = if file.scopes.is_empty() {
        STANDARD_SCOPES.map(str::to_owned).to_vec()
    } else {
        file.scopes.clone()
    };

    let default_format = file
        .tokens
        .access_token_format
        .unwrap_or(TokenFormat::Opaque);
    let mut identifiers = BTreeSet::new();
    for (i, rs) in file.resource_servers.iter().enumerate() {
        let at = |key: &str| format!("resource_servers[{i}].{key}");
        let u = url::Url::parse(&rs.identifier).map_err(|e| {
            ConfigError::at(
                at("identifier"),
                format!("`{}` is not an absolute URI: {e}", rs.identifier),
            )
        })?;
        // RFC 8707 §2: a resource indicator has no fragment.
        if u.fragment().is_some() {
            return Err(ConfigError::at(
                at("identifier"),
                "a resource indicator must not have a fragment (RFC 8707 §2)",
            ));
        }
        if !identifiers.insert(rs.identifier.clone()) {
            return Err(ConfigError::at(
                at("identifier"),
                format!("`{}` is configured twice", rs.identifier),
            ));
        }
        let mut r = ResourceServer::new(rs.identifier.clone());
        let format = rs.access_token_format.unwrap_or(default_format);
        r.access_token_format = format.into();
        r.introspection_client_id = rs.introspection_client_id.clone();
        if let Some(alg) = &rs.access_token_signing_alg {
            // Only the algorithms the provider keeps a signing key for (RS256, ES256, EdDSA):
            // another would fail at every token request instead of at start.
            r.access_token_signing_alg = Some(
                alg.parse::<JwsAlgorithm>()
                    .ok()
                    .filter(|a| SIGNING_ALGORITHMS.contains(a))
                    .ok_or_else(|| {
                        ConfigError::at(
                            at("access_token_signing_alg"),
                            format!(
                                "`{alg}` is not one of the provider's signing algorithms ({})",
                                SIGNING_ALGORITHMS.map(|a| a.name()).join(", ")
                            ),
                        )
                    })?,
            );
        }
        server.resource_servers.push(r);
    }

    let mut clients = Vec::with_capacity(file.clients.len());
    let mut ids = BTreeSet::new();
    for (i, c) in file.clients.iter().enumerate() {
        if !ids.insert(c.client_id.clone()) {
            return Err(ConfigError::at(
                format!("clients[{i}].client_id"),
                format!("`{}` is configured twice", c.client_id),
            ));
        }
        clients.push(client(i, c, &server)?);
    }
    for (i, rs) in file.resource_servers.iter().enumerate() {
        if let Some(id) = &rs.introspection_client_id {
            if !ids.contains(id) {
                return Err(ConfigError::at(
                    format!("resource_servers[{i}].introspection_client_id"),
                    format!("`{id}` is not a configured client"),
                ));
            }
        }
    }

    let store = file
        .store
        .as_deref()
        .map(super::store::StoreLocation::parse)
        .transpose()
        .map_err(|e| ConfigError::at("store", e))?;
    let key_reload_interval = match file.keys.reload_interval {
        None => DEFAULT_KEY_RELOAD_INTERVAL,
        Some(s) if (1..=MAX_KEY_RELOAD_INTERVAL).contains(&s) => Duration::from_secs(s),
        Some(s) => {
            return Err(ConfigError::at(
                "keys.reload_interval",
                format!("{s} seconds: it must be 1 to {MAX_KEY_RELOAD_INTERVAL}"),
            ));
        }
    };

    Ok(ServeConfig {
        issuer,
        listen,
        dev: overrides.dev,
        server,
        clients,
        features,
        dpop_nonces: f.dpop_nonces.unwrap_or(false),
        rate_limits: rate_limits(&file.rate_limits)?,
        store,
        key_reload_interval,
    })
}

/// The rate limits: authcore-hyper's defaults, with the ones the file names replaced.
fn rate_limits(section: &RateLimitsSection) -> Result<RateLimitSettings, ConfigError> {
    let mut limits = RateLimitSettings::default();
    for (name, value, slot) in [
        ("token", section.token, &mut limits.token),
        ("device", section.device, &mut limits.device),
        ("par", section.par, &mut limits.par),
        ("login", section.login, &mut limits.login),
    ] {
        match value {
            None => {}
            Some(RateLimitValue::Enabled(false)) => *slot = None,
            Some(RateLimitValue::Enabled(true)) => {
                return Err(ConfigError::at(
                    format!("rate_limits.{name}"),
                    "`true` says nothing: write `{ burst = N, per_minute = M }`, or `false` \
                     for no limit",
                ));
            }
            Some(RateLimitValue::Limit { burst, per_minute }) => {
                // A zero would refuse every request; `false` is the way to say "no limit".
                for (key, v) in [("burst", burst), ("per_minute", per_minute)] {
                    if v == 0 {
                        return Err(ConfigError::at(
                            format!("rate_limits.{name}.{key}"),
                            "must be at least 1 (`false` turns the limit off)",
                        ));
                    }
                }
                *slot = Some(RateLimit::new(burst, per_minute));
            }
        }
    }
    Ok(limits)
}

impl ServeConfig {
    /// The server configuration with its endpoints under `issuer` (for `--dev` without an
    /// issuer: `http://` and the bound address), everything else as validated.
    pub fn for_issuer(&self, issuer: &str) -> Result<ServerConfig, ConfigError> {
        let fresh =
            ServerConfig::new(issuer).map_err(|e| ConfigError::at("issuer", e.to_string()))?;
        let mut config = self.server.clone();
        config.issuer = fresh.issuer;
        config.endpoints = fresh.endpoints;
        set_endpoints(&mut config, self.features)?;
        Ok(config)
    }
}

/// Which optional endpoints are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// The device authorization endpoint and the user-code page (RFC 8628).
    pub device_flow: bool,
    /// The registration endpoint (RFC 7591).
    pub registration: bool,
}

/// The endpoints under the issuer: the ones every provider serves, and the ones the features
/// turn on. The provider serves exactly these paths.
fn set_endpoints(server: &mut ServerConfig, features: Features) -> Result<(), ConfigError> {
    let on = |server: &ServerConfig, wanted: bool, path: &str| {
        wanted.then(|| endpoint(server, path)).transpose()
    };
    let e = Endpoints {
        par: on(server, true, "par")?,
        revocation: on(server, true, "revoke")?,
        introspection: on(server, true, "introspect")?,
        jwks: on(server, true, "jwks")?,
        end_session: on(server, true, "logout")?,
        userinfo: on(server, true, "userinfo")?,
        device_authorization: on(server, features.device_flow, "device_authorization")?,
        device_verification: on(server, features.device_flow, "device")?,
        registration: on(server, features.registration, "register")?,
    };
    let endpoints = &mut server.endpoints;
    endpoints.pushed_authorization_request = e.par;
    endpoints.revocation = e.revocation;
    endpoints.introspection = e.introspection;
    endpoints.jwks = e.jwks;
    endpoints.end_session = e.end_session;
    endpoints.userinfo = e.userinfo;
    endpoints.device_authorization = e.device_authorization;
    endpoints.device_verification = e.device_verification;
    endpoints.registration = e.registration;
    Ok(())
}

/// The optional endpoints, computed before any is set.
struct Endpoints {
    par: Option<url::Url>,
    revocation: Option<url::Url>,
    introspection: Option<url::Url>,
    jwks: Option<url::Url>,
    end_session: Option<url::Url>,
    userinfo: Option<url::Url>,
    device_authorization: Option<url::Url>,
    device_verification: Option<url::Url>,
    registration: Option<url::Url>,
}

fn endpoint(server: &ServerConfig, path: &str) -> Result<url::Url, ConfigError> {
    server
        .endpoint(path)
        .map_err(|e| ConfigError::at("issuer", e.to_string()))
}

fn apply_tokens(t: &TokensSection, server: &mut ServerConfig) -> Result<(), ConfigError> {
    let l = &mut server.lifetimes;
    for (name, value, slot) in [
        (
            "access_token_lifetime",
            t.access_token_lifetime,
            &mut l.access_token,
        ),
        ("id_token_lifetime", t.id_token_lifetime, &mut l.id_token),
        (
            "authorization_code_lifetime",
            t.authorization_code_lifetime,
            &mut l.authorization_code,
        ),
        (
            "device_code_lifetime",
            t.device_code_lifetime,
            &mut l.device_code,
        ),
    ] {
        if let Some(v) = value {
            *slot = positive(name, v)?;
        }
    }
    if let Some(v) = t.refresh_token_lifetime {
        l.refresh_token = Some(positive("refresh_token_lifetime", v)?);
    }
    if l.authorization_code > MAX_CODE_LIFETIME {
        return Err(ConfigError::at(
            "tokens.authorization_code_lifetime",
            format!(
                "{} seconds is too long: at most {MAX_CODE_LIFETIME} (RFC 6749 §4.1.2)",
                l.authorization_code
            ),
        ));
    }
    Ok(())
}

fn positive(name: &str, v: u64) -> Result<u64, ConfigError> {
    if v == 0 {
        return Err(ConfigError::at(
            format!("tokens.{name}"),
            "a lifetime must be at least 1 second",
        ));
    }
    Ok(v)
}

/// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// A claim name: a JSON member name without whitespace or control characters (OpenID
/// Connect Core §5.1 names are all of that form; §5.6.2 aggregated names too).
fn is_claim_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_names(key: &str, names: &[String], ok: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
    let mut seen = BTreeSet::new();
    for (i, n) in names.iter().enumerate() {
        if !ok(n) {
            return Err(ConfigError::at(
                format!("{key}[{i}]"),
                format!("`{n}` is not a valid name"),
            ));
        }
        if !seen.insert(n.as_str()) {
            return Err(ConfigError::at(
                format!("{key}[{i}]"),
                format!("`{n}` is listed twice"),
            ));
        }
    }
    Ok(())
}

/// One client: its metadata through the registration endpoint's rules, then what only a
/// configuration can say (the id, the secret, the resources).
pub fn client(
    i: usize,
    c: &ClientSection,
    server: &ServerConfig,
) -> Result<ConfiguredClient, ConfigError> {
    let at = |key: &str| format!("clients[{i}].{key}");
    if c.client_id.is_empty()
        || c.client_id.len() > 255
        || c.client_id.chars().any(char::is_control)
    {
        return Err(ConfigError::at(
            at("client_id"),
            "must be 1 to 255 characters without control characters",
        ));
    }
    let mut m = Map::new();
    let mut put = |name: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(name.to_owned(), v);
        }
    };
    let strings = |v: &Option<Vec<String>>| {
        v.as_ref()
            .map(|v| Value::Array(v.iter().cloned().map(Value::String).collect()))
    };
    put("client_name", c.client_name.clone().map(Value::String));
    put(
        "token_endpoint_auth_method",
        c.token_endpoint_auth_method.clone().map(Value::String),
    );
    put("redirect_uris", strings(&c.redirect_uris));
    put(
        "post_logout_redirect_uris",
        strings(&c.post_logout_redirect_uris),
    );
    put("grant_types", strings(&c.grant_types));
    // RFC 7591 §2's default response type `code` suits only the front-channel grants; a
    // back-channel-only client (client_credentials, device) gets none rather than a refusal.
    let front_channel = c.grant_types.as_ref().is_none_or(|g| {
        g.iter()
            .any(|g| g == "authorization_code" || g == "implicit")
    });
    let response_types = match (&c.response_types, front_channel) {
        (None, false) => Some(Vec::new()),
        (r, _) => r.clone(),
    };
    put("response_types", strings(&response_types));
    put("scope", c.scope.clone().map(Value::String));
    put(
        "application_type",
        c.application_type.clone().map(Value::String),
    );
    put(
        "dpop_bound_access_tokens",
        c.dpop_bound_access_tokens.map(Value::Bool),
    );
    put(
        "require_pushed_authorization_requests",
        c.require_pushed_authorization_requests.map(Value::Bool),
    );
    put(
        "backchannel_logout_uri",
        c.backchannel_logout_uri.clone().map(Value::String),
    );
    put(
        "frontchannel_logout_uri",
        c.frontchannel_logout_uri.clone().map(Value::String),
    );
    if let Some(jwks) = &c.jwks {
        let v = serde_json::to_value(jwks)
            .map_err(|e| ConfigError::at(at("jwks"), format!("not a JWK Set: {e}")))?;
        m.insert("jwks".to_owned(), v);
    }
    let body = serde_json::to_vec(&Value::Object(m)).expect("a JSON object serializes");
    let metadata = ClientMetadata::from_json(&body)
        .map_err(|e| ConfigError::at(format!("clients[{i}]"), e.to_string()))?;
    let validated =
        authcore_server::registration::validate_metadata(&metadata, server).map_err(|e| {
            // The registration error says which member; the path says which client.
            let reason = e
                .description
                .clone()
                .unwrap_or_else(|| e.code.as_str().to_owned());
            ConfigError::at(format!("clients[{i}]"), reason)
        })?;
    let mut record = validated.record;
    record.client_id = c.client_id.clone();

    if let Some(resources) = &c.resources {
        for (j, r) in resources.iter().enumerate() {
            if server.resource_server(r).is_none() {
                return Err(ConfigError::at(
                    format!("clients[{i}].resources[{j}]"),
                    format!("`{r}` is not a configured resource server"),
                ));
            }
        }
        record.allowed_resources = resources.clone();
    }

    let secret = match (record.auth_method, &c.secret_hash) {
        (ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost, Some(hash)) => {
            check_argon2id(hash).map_err(|reason| ConfigError::at(at("secret_hash"), reason))?;
            SecretSource::Hashed(StoredSecret::Argon2id(hash.clone()))
        }
        // RFC 7523 §2.2: the server computes the HMAC of the assertion, so it needs the
        // secret itself, which a hash cannot give back.
        (ClientAuthMethod::ClientSecretJwt, Some(_)) => {
            return Err(ConfigError::at(
                at("secret_hash"),
                "client_secret_jwt needs the secret itself (RFC 7523 §2.2), not a hash: \
                 leave secret_hash out and a secret is generated",
            ));
        }
        (
            ClientAuthMethod::ClientSecretBasic
            | ClientAuthMethod::ClientSecretPost
            | ClientAuthMethod::ClientSecretJwt,
            None,
        ) => SecretSource::Generate,
        (method, Some(_)) => {
            return Err(ConfigError::at(
                at("secret_hash"),
                format!("{} uses no client secret", method.as_str()),
            ));
        }
        (_, None) => SecretSource::NotNeeded,
    };
    Ok(ConfiguredClient { record, secret })
}

/// A PHC string of Argon2id (RFC 9106), the only hash the server checks chosen secrets with.
fn check_argon2id(hash: &str) -> Result<(), String> {
    let parsed =
        argon2::PasswordHash::new(hash).map_err(|e| format!("not a PHC hash string: {e}"))?;
    if parsed.algorithm.as_str() != "argon2id" {
        return Err(format!(
            "the hash is {}, not argon2id (RFC 9106)",
            parsed.algorithm
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://id.example";

    fn with_issuer() -> Overrides {
        Overrides {
            issuer: Some(ISSUER.into()),
            ..Overrides::default()
        }
    }

    fn check(text: &str) -> Result<ServeConfig, ConfigError> {
        validate(parse(text)?, &with_issuer())
    }

    #[track_caller]
    fn fails(text: &str, path: &str, reason_part: &str) {
        let e = check(text).expect_err("the configuration must be refused");
        assert_eq!(e.path, path, "{e}");
        assert!(e.reason.contains(reason_part), "{e}");
        // One line, naming the key.
        let shown = e.to_string();
        assert!(!shown.contains('\n'), "{shown}");
        if !path.is_empty() {
            assert!(shown.contains(path), "{shown}");
        }
    }

    #[test]
    fn empty_file_is_the_secure_defaults() {
        let c = check("").unwrap();
        assert_eq!(c.issuer.as_deref(), Some(ISSUER));
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert!(c.server.pkce.required_for_confidential_clients);
        assert!(c.server.endpoints.registration.is_none());
        assert!(c.server.endpoints.device_authorization.is_some());
        assert!(c.clients.is_empty());
        assert!(
            c.server
                .registration
                .default_scopes
                .iter()
                .any(|s| s == "offline_access")
        );
        // Configured scopes are what a client registering none gets.
        let c = check("scopes = [\"openid\", \"api\"]").unwrap();
        assert_eq!(c.server.registration.default_scopes, ["openid", "api"]);
    }

    #[test]
    fn the_store_and_the_key_reload_interval() {
        let c = check("").unwrap();
        assert_eq!(c.store, None);
        assert_eq!(c.key_reload_interval, DEFAULT_KEY_RELOAD_INTERVAL);
        let c = check(
            "store = \"postgres://authcore@127.0.0.1:5432/op\"\n[keys]\nreload_interval = 5\n",
        )
        .unwrap();
        assert_eq!(
            c.store,
            Some(super::super::store::StoreLocation::Postgres(
                "postgres://authcore@127.0.0.1:5432/op".into()
            ))
        );
        assert_eq!(c.key_reload_interval, Duration::from_secs(5));
        let c = check("store = \"/var/lib/authcore\"").unwrap();
        assert_eq!(
            c.store,
            Some(super::super::store::StoreLocation::Sqlite(
                "/var/lib/authcore".into()
            ))
        );
    }

    #[test]
    fn a_bad_store_or_reload_interval_is_refused() {
        fails("store = \"mysql://u:hunter2@h/db\"", "store", "neither");
        let e = check("store = \"mysql://u:hunter2@h/db\"").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        fails("store = \"\"", "store", "empty");
        fails(
            "[keys]\nreload_interval = 0",
            "keys.reload_interval",
            "1 to 3600",
        );
        fails(
            "[keys]\nreload_interval = 3601",
            "keys.reload_interval",
            "1 to 3600",
        );
        fails(
            "[keys]\nrotate_every = 5",
            "keys.rotate_every",
            "unknown field",
        );
    }

    #[test]
    fn the_sample_file_parses() {
        let text = include_str!("../../samples/serve.toml");
        let c = check(text).unwrap();
        assert!(c.clients.len() >= 3);
        assert_eq!(
            c.server.resource_servers[0].access_token_format,
            AccessTokenFormat::Jwt
        );
        assert!(c.server.endpoints.registration.is_none());
        let web = &c.clients[0];
        assert_eq!(web.secret, SecretSource::Generate);
        assert!(web.record.allowed_scopes.iter().any(|s| s == "openid"));
        assert!(!c.server.resource_servers.is_empty());
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = check("issuer = \"https://a.example\"\n[tokens\n").unwrap_err();
        assert!(e.origin.contains("line 2"), "{e}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_path() {
        fails("isuer = \"x\"", "isuer", "unknown field `isuer`");
        fails(
            "[tokens]\naccess_token_ttl = 5",
            "tokens.access_token_ttl",
            "unknown field",
        );
        fails(
            "[[clients]]\nclient_id = \"a\"\nredirect_uri = [\"https://a.example/cb\"]",
            "clients[0].redirect_uri",
            "unknown field `redirect_uri`",
        );
    }

    #[test]
    fn wrong_types_name_the_key() {
        fails(
            "[tokens]\naccess_token_lifetime = \"1h\"",
            "tokens.access_token_lifetime",
            "invalid type",
        );
        fails(
            "[features]\nregistration = \"sometimes\"",
            "features.registration",
            "unknown variant",
        );
        fails("listen = \"not an address\"", "listen", "invalid");
        fails(
            "[tokens]\naccess_token_format = \"paseto\"",
            "tokens.access_token_format",
            "unknown variant",
        );
    }

    #[test]
    fn issuer_rules() {
        let e = validate(parse("").unwrap(), &Overrides::default()).unwrap_err();
        assert_eq!(e.path, "issuer");
        let e = validate(
            parse("issuer = \"http://id.example\"").unwrap(),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(e.path, "issuer");
        assert!(e.reason.contains("https"), "{e}");
        let e = validate(
            parse("").unwrap(),
            &Overrides {
                issuer: Some("http://id.example".into()),
                ..Overrides::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.path, "--issuer");
        let e = validate(
            parse("issuer = \"http://127.0.0.1:9\"").unwrap(),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(e.reason.contains("--dev"), "{e}");
        let e = validate(
            parse("issuer = \"https://id.example/?q=1\"").unwrap(),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(e.path, "issuer");
        // --dev: loopback http, and no issuer at all (it comes from the bound address).
        let dev = Overrides {
            dev: true,
            ..Overrides::default()
        };
        let c = validate(parse("").unwrap(), &dev).unwrap();
        assert!(c.issuer.is_none());
        assert!(c.server.endpoints.registration.is_some(), "open in --dev");
        let s = c.for_issuer("http://127.0.0.1:4567").unwrap();
        assert_eq!(s.issuer, "http://127.0.0.1:4567");
        assert_eq!(
            s.endpoints.registration.unwrap().as_str(),
            "http://127.0.0.1:4567/register"
        );
        assert_eq!(s.endpoints.token.as_str(), "http://127.0.0.1:4567/token");
    }

    #[test]
    fn lifetimes_are_checked() {
        fails(
            "[tokens]\naccess_token_lifetime = 0",
            "tokens.access_token_lifetime",
            "at least 1 second",
        );
        fails(
            "[tokens]\nauthorization_code_lifetime = 3600",
            "tokens.authorization_code_lifetime",
            "RFC 6749 §4.1.2",
        );
        fails(
            "[tokens]\naccess_token_lifetime = -5",
            "tokens.access_token_lifetime",
            "",
        );
        let c =
            check("[tokens]\naccess_token_lifetime = 120\nrefresh_token_lifetime = 7200").unwrap();
        assert_eq!(c.server.lifetimes.access_token, 120);
        assert_eq!(c.server.lifetimes.refresh_token, Some(7200));
    }

    #[test]
    fn scopes_and_claims_are_names() {
        fails("scopes = [\"open id\"]", "scopes[0]", "not a valid name");
        fails("scopes = [\"a\", \"a\"]", "scopes[1]", "twice");
        fails("claims = [\"\"]", "claims[0]", "not a valid name");
        fails("claims = [\"given name\"]", "claims[0]", "not a valid name");
        fails("claims = [\"email\", \"email\"]", "claims[1]", "twice");
        let c = check("scopes = [\"openid\", \"api:read\"]\nclaims = [\"email\"]").unwrap();
        assert_eq!(c.server.scopes_supported, ["openid", "api:read"]);
        assert_eq!(c.server.claims_supported, ["email"]);
    }

    #[test]
    fn registration_by_initial_access_token_needs_the_token() {
        // The variable is not set in tests (and a set one is not read back here).
        if std::env::var(INITIAL_ACCESS_TOKEN_ENV).is_err() {
            fails(
                "[features]\nregistration = \"initial_access_token\"",
                "features.registration",
                INITIAL_ACCESS_TOKEN_ENV,
            );
        }
        let c = check("[features]\nregistration = \"off\"\ndevice_flow = false").unwrap();
        assert!(!c.dpop_nonces);
        assert!(c.server.endpoints.registration.is_none());
        assert!(c.server.endpoints.device_authorization.is_none());
    }

    const WEB: &str =
        "[[clients]]\nclient_id = \"web\"\nredirect_uris = [\"https://app.example/cb\"]\n";

    #[test]
    fn clients_follow_the_registration_rules() {
        fails(
            "[[clients]]\nclient_id = \"web\"",
            "clients[0]",
            "redirect_uris is required",
        );
        fails(
            "[[clients]]\nclient_id = \"w\"\nredirect_uris = [\"https://a.example/cb#frag\"]",
            "clients[0]",
            "",
        );
        fails(
            "[[clients]]\nclient_id = \"w\"\ntoken_endpoint_auth_method = \"magic\"\nredirect_uris = [\"https://a.example/cb\"]",
            "clients[0]",
            "magic",
        );
        fails(
            "[[clients]]\nclient_id = \"w\"\ntoken_endpoint_auth_method = \"none\"\ngrant_types = [\"client_credentials\"]",
            "clients[0]",
            "public client",
        );
        fails(
            "[[clients]]\nclient_id = \"w\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\ngrant_types = [\"client_credentials\"]",
            "clients[0]",
            "needs jwks",
        );
        fails(
            "scopes = [\"openid\"]\n[[clients]]\nclient_id = \"w\"\nscope = \"openid admin\"\nredirect_uris = [\"https://a.example/cb\"]",
            "clients[0]",
            "scope admin is not offered",
        );
        fails(&format!("{WEB}{WEB}"), "clients[1].client_id", "twice");
        fails(
            "[[clients]]\nclient_id = \"\"\ngrant_types = [\"client_credentials\"]",
            "clients[0].client_id",
            "1 to 255",
        );
    }

    #[test]
    fn client_secrets() {
        let c = check(WEB).unwrap();
        assert_eq!(c.clients[0].secret, SecretSource::Generate);
        assert_eq!(
            c.clients[0].record.auth_method,
            ClientAuthMethod::ClientSecretBasic
        );
        fails(
            &format!("{WEB}secret_hash = \"plaintext\""),
            "clients[0].secret_hash",
            "PHC",
        );
        fails(
            &format!(
                "{WEB}secret_hash = \"$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo\""
            ),
            "clients[0].secret_hash",
            "not argon2id",
        );
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$5kbnTlT8fVNpWSOP2TdzMj7ZM5w2qGOpyS8hUK7RWqY";
        let c = check(&format!("{WEB}secret_hash = \"{hash}\"")).unwrap();
        assert_eq!(
            c.clients[0].secret,
            SecretSource::Hashed(StoredSecret::Argon2id(hash.into()))
        );
        fails(
            &format!(
                "[[clients]]\nclient_id = \"p\"\ntoken_endpoint_auth_method = \"none\"\nredirect_uris = [\"https://a.example/cb\"]\nsecret_hash = \"{hash}\""
            ),
            "clients[0].secret_hash",
            "uses no client secret",
        );
        fails(
            &format!(
                "[[clients]]\nclient_id = \"j\"\ntoken_endpoint_auth_method = \"client_secret_jwt\"\ngrant_types = [\"client_credentials\"]\nsecret_hash = \"{hash}\""
            ),
            "clients[0].secret_hash",
            "RFC 7523",
        );
        let c = check(
            "[[clients]]\nclient_id = \"p\"\ntoken_endpoint_auth_method = \"none\"\nredirect_uris = [\"http://127.0.0.1/cb\"]\napplication_type = \"native\"",
        )
        .unwrap();
        assert_eq!(c.clients[0].secret, SecretSource::NotNeeded);
    }

    #[test]
    fn client_jwks_must_be_public() {
        fails(
            "[[clients]]\nclient_id = \"k\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\ngrant_types = [\"client_credentials\"]\n[clients.jwks]\nkeys = [{ kty = \"oct\", k = \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\" }]",
            "clients[0]",
            "private or symmetric",
        );
        let c = check(
            "[[clients]]\nclient_id = \"k\"\ntoken_endpoint_auth_method = \"private_key_jwt\"\ngrant_types = [\"client_credentials\"]\n[clients.jwks]\nkeys = [{ kty = \"OKP\", crv = \"Ed25519\", x = \"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\", alg = \"EdDSA\" }]",
        )
        .unwrap();
        assert!(c.clients[0].record.jwks.is_some());
        assert_eq!(c.clients[0].secret, SecretSource::NotNeeded);
    }

    #[test]
    fn resource_servers() {
        fails(
            "[[resource_servers]]\nidentifier = \"api\"",
            "resource_servers[0].identifier",
            "absolute URI",
        );
        fails(
            "[[resource_servers]]\nidentifier = \"https://api.example/#x\"",
            "resource_servers[0].identifier",
            "fragment",
        );
        fails(
            "[[resource_servers]]\nidentifier = \"https://api.example\"\n[[resource_servers]]\nidentifier = \"https://api.example\"",
            "resource_servers[1].identifier",
            "twice",
        );
        fails(
            "[[resource_servers]]\nidentifier = \"https://api.example\"\nintrospection_client_id = \"nobody\"",
            "resource_servers[0].introspection_client_id",
            "not a configured client",
        );
        fails(
            &format!("{WEB}resources = [\"https://other.example\"]"),
            "clients[0].resources[0]",
            "not a configured resource server",
        );
        let c = check(&format!(
            "[tokens]\naccess_token_format = \"jwt\"\n[[resource_servers]]\nidentifier = \"https://api.example\"\n{WEB}resources = [\"https://api.example\"]"
        ))
        .unwrap();
        assert_eq!(
            c.server.resource_servers[0].access_token_format,
            AccessTokenFormat::Jwt
        );
        assert_eq!(
            c.clients[0].record.allowed_resources,
            ["https://api.example"]
        );
    }

    #[test]
    fn access_token_signing_algorithms_are_the_providers() {
        let rs = |alg: &str| {
            format!(
                "[[resource_servers]]\nidentifier = \"https://api.example\"\naccess_token_format = \"jwt\"\naccess_token_signing_alg = \"{alg}\""
            )
        };
        let c = check(&rs("ES256")).unwrap();
        assert_eq!(
            c.server.resource_servers[0].access_token_signing_alg,
            Some(JwsAlgorithm::ES256)
        );
        // A JOSE algorithm the provider keeps no key for, a symmetric one, and no algorithm.
        for alg in ["PS256", "HS256", "none", "es256"] {
            fails(
                &rs(alg),
                "resource_servers[0].access_token_signing_alg",
                "not one of the provider's signing algorithms",
            );
        }
        let c = check("[[resource_servers]]\nidentifier = \"https://api.example\"").unwrap();
        assert_eq!(c.server.resource_servers[0].access_token_signing_alg, None);
    }

    #[test]
    fn rate_limits_replace_the_defaults_one_by_one() {
        let c = check("").unwrap();
        assert_eq!(c.rate_limits, RateLimitSettings::default());
        let c =
            check("[rate_limits]\ntoken = { burst = 5000, per_minute = 600000 }\nlogin = false")
                .unwrap();
        assert_eq!(c.rate_limits.token, Some(RateLimit::new(5000, 600000)));
        assert_eq!(c.rate_limits.login, None);
        assert_eq!(c.rate_limits.device, RateLimitSettings::default().device);
        assert_eq!(c.rate_limits.par, RateLimitSettings::default().par);
        fails(
            "[rate_limits]\ntoken = true",
            "rate_limits.token",
            "`false` for no limit",
        );
        fails(
            "[rate_limits]\npar = { burst = 0, per_minute = 10 }",
            "rate_limits.par.burst",
            "at least 1",
        );
        fails(
            "[rate_limits]\ndevice = { burst = 3, per_minute = 0 }",
            "rate_limits.device.per_minute",
            "at least 1",
        );
        fails(
            "[rate_limits]\nlogn = false",
            "rate_limits.logn",
            "unknown field",
        );
    }

    #[test]
    fn the_file_is_named_in_errors() {
        let dir = std::env::temp_dir().join(format!("authcore-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.toml");
        std::fs::write(&path, "[features]\ndpop = true\n").unwrap();
        let e = load(Some(&path), &with_issuer()).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("bad.toml"), "{shown}");
        assert!(shown.contains("line 2"), "{shown}");
        assert!(shown.contains("`features.dpop`"), "{shown}");
        let e = load(Some(&dir.join("missing.toml")), &with_issuer()).unwrap_err();
        assert!(e.reason.contains("cannot read"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
