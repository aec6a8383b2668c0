//! The server's configuration ([`ServerConfig`]: issuer, endpoints, lifetimes, policies) and
//! keys ([`ServerKeys`]). Both are plain values the application builds once and passes to
//! every endpoint call; nothing here is read from the environment.
//!
//! Secure by default: PKCE required for every client with `S256` only, the implicit and
//! password grants off ([`LegacySettings`]), refresh tokens rotated, pushed authorization
//! requests optional unless required server-wide or per client.

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{JwkSet, JwsAlgorithm, SecretBytes};
use url::Url;

use crate::error::ConfigError;
use crate::tokens::TokenHashKeys;

/// The endpoint URLs the server publishes (RFC 8414 §2). An endpoint that is `None` is not
/// offered and not advertised.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoints {
    /// `authorization_endpoint` (RFC 6749 §3.1).
    pub authorization: Option<Url>,
    /// `token_endpoint` (RFC 6749 §3.2).
    pub token: Url,
    /// `pushed_authorization_request_endpoint` (RFC 9126 §5).
    pub pushed_authorization_request: Option<Url>,
    /// `device_authorization_endpoint` (RFC 8628 §4).
    pub device_authorization: Option<Url>,
    /// The verification URI shown to device users (RFC 8628 §3.2 `verification_uri`).
    pub device_verification: Option<Url>,
    /// `revocation_endpoint` (RFC 7009).
    pub revocation: Option<Url>,
    /// `introspection_endpoint` (RFC 7662).
    pub introspection: Option<Url>,
    /// `jwks_uri` (RFC 8414 §2).
    pub jwks: Option<Url>,
    /// `end_session_endpoint` (OpenID Connect RP-Initiated Logout 1.0 §2.1).
    pub end_session: Option<Url>,
    /// `userinfo_endpoint` (OpenID Connect Core §5.3, Discovery §3); the UserInfo endpoint
    /// is offered only by an OpenID provider.
    pub userinfo: Option<Url>,
    /// `registration_endpoint` (RFC 7591 §3); each registration is managed at
    /// `<registration endpoint>/<client_id>` (RFC 7592 §3 `registration_client_uri`).
    pub registration: Option<Url>,
}

/// Which logout notifications the provider sends (OpenID Connect Back-Channel Logout 1.0,
/// Front-Channel Logout 1.0), and how back-channel deliveries are retried. Both are off by
/// default: a provider that turns one on is advertised as supporting it (and the `sid`
/// variant, since every notification carries the session's `sid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutSettings {
    /// Send logout tokens to clients that registered `backchannel_logout_uri`.
    pub backchannel: bool,
    /// Render the iframes of clients that registered `frontchannel_logout_uri`.
    pub frontchannel: bool,
    /// How long a logout token is valid, in seconds (Back-Channel Logout 1.0 §2.4 asks for
    /// a short `exp`; default 120).
    pub logout_token_lifetime: u64,
    /// How the adapter retries a back-channel delivery that failed.
    pub retry: crate::oidc::logout::RetryPolicy,
}

impl Default for LogoutSettings {
    fn default() -> Self {
        LogoutSettings {
            backchannel: false,
            frontchannel: false,
            logout_token_lifetime: 120,
            retry: crate::oidc::logout::RetryPolicy::default(),
        }
    }
}

/// Lifetimes, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lifetimes {
    /// Authorization codes (RFC 6749 §4.1.2: "a maximum ... of 10 minutes is RECOMMENDED";
    /// default 60).
    pub authorization_code: u64,
    /// Access tokens (default 3600).
    pub access_token: u64,
    /// Refresh tokens; `None`: they do not expire by time (default 30 days).
    pub refresh_token: Option<u64>,
    /// Device codes (RFC 8628 §3.2 `expires_in`, default 600).
    pub device_code: u64,
    /// Pushed authorization requests (RFC 9126 §2.2: short, default 60).
    pub pushed_request: u64,
    /// Interactions (login and consent, default 600).
    pub interaction: u64,
    /// The longest a client assertion or JWT bearer assertion may live (`exp` − `iat`, and
    /// `exp` − now; default 300), which bounds how long its `jti` is remembered.
    pub max_assertion: u64,
    /// Clock skew tolerated on `exp`, `nbf` and `iat` of assertions (default 30).
    pub leeway: u64,
    /// ID tokens (OpenID Connect Core §2 `exp`, default 3600).
    pub id_token: u64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            authorization_code: 60,
            access_token: 3600,
            refresh_token: Some(30 * 24 * 3600),
            device_code: 600,
            pushed_request: 60,
            interaction: 600,
            max_assertion: 300,
            leeway: 30,
            id_token: 3600,
        }
    }
}

/// The PKCE policy (RFC 7636, RFC 9700 §2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PkcePolicy {
    /// Whether confidential clients must use PKCE too (public clients always must). Default
    /// `true`.
    pub required_for_confidential_clients: bool,
    /// Whether the `plain` method is accepted (RFC 7636 §4.2). Default `false`: `S256` only.
    pub allow_plain: bool,
}

impl PkcePolicy {
    /// Whether a code challenge of `method` is accepted: `S256` always, `plain` only when
    /// allowed (RFC 9700 §2.1.1: no downgrade to a challenge equal to the verifier).
    pub fn allows(&self, method: authcore_oauth2::PkceMethod) -> bool {
        method == authcore_oauth2::PkceMethod::S256 || self.allow_plain
    }

    /// The methods [`PkcePolicy::allows`] accepts (`code_challenge_methods_supported`,
    /// RFC 8414 §2), `S256` first.
    pub fn methods(&self) -> impl Iterator<Item = authcore_oauth2::PkceMethod> + '_ {
        [
            authcore_oauth2::PkceMethod::S256,
            authcore_oauth2::PkceMethod::Plain,
        ]
        .into_iter()
        .filter(|m| self.allows(*m))
    }
}

impl Default for PkcePolicy {
    fn default() -> Self {
        PkcePolicy {
            required_for_confidential_clients: true,
            allow_plain: false,
        }
    }
}

/// Grants RFC 9700 says not to use, each behind its own named setting, all off by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LegacySettings {
    /// The implicit grant, `response_type=token` (RFC 6749 §4.2; RFC 9700 §2.1.2 SHOULD NOT).
    ///
    /// It is also the one setting for every access token in the front channel: the OpenID
    /// Connect response types that return one (`id_token token`, `code token`,
    /// `code id_token token`, Core §3.2, §3.3) carry the same risk RFC 9700 §2.1.2 names
    /// (a token in the redirect, leaked through history, referrers and logs) and are offered
    /// only with it. `id_token` and `code id_token` return no access token and need only an
    /// OpenID provider (ID token keys) and a client that registered them.
    pub implicit_grant: bool,
    /// The resource owner password credentials grant (RFC 6749 §4.3; RFC 9700 §2.4 MUST
    /// NOT). The application checks the credentials: the token endpoint asks for them with
    /// [`Need::Client`](crate::Need) first and then hands the decision to the application.
    pub password_grant: bool,
}

/// OpenID provider settings beyond the keys (OpenID Connect Core 1.0, FAPI 1.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OpenIdSettings {
    /// Whether ID tokens returned by the authorization endpoint carry `s_hash`, the hash of
    /// the request's `state` (FAPI 1.0 Advanced §5.2.2.1: the ID token then works as a
    /// detached signature over `state` too). Default `false`: plain OpenID Connect has no
    /// such claim, and a relying party that does not know it ignores it.
    pub state_hash: bool,
}

/// A third party whose JWTs the server accepts as authorization grants (RFC 7523 §2.1, §3).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TrustedIssuer {
    /// The `iss` of its assertions.
    pub issuer: String,
    /// Its public keys.
    pub keys: JwkSet,
    /// The algorithms accepted from it.
    pub algorithms: Vec<JwsAlgorithm>,
    /// The clients that may present its assertions; empty: none.
    pub clients: Vec<String>,
    /// The scope tokens a grant from its assertion may carry.
    pub scopes: Vec<String>,
}

impl TrustedIssuer {
    /// An issuer with its keys and algorithms, no clients and no scopes yet.
    pub fn new(issuer: impl Into<String>, keys: JwkSet, algorithms: Vec<JwsAlgorithm>) -> Self {
        TrustedIssuer {
            issuer: issuer.into(),
            keys,
            algorithms,
            clients: Vec::new(),
            scopes: Vec::new(),
        }
    }
}

/// The form of the access tokens for a resource server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AccessTokenFormat {
    /// Opaque, stored as a keyed hash, checked by introspection (the default).
    #[default]
    Opaque,
    /// A JWT access token (RFC 9068), checked locally by the resource server.
    Jwt,
}

/// A resource server the authorization server issues tokens for (RFC 8707).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceServer {
    /// Its resource indicator: the `aud` of its tokens.
    pub identifier: String,
    /// The form of its access tokens.
    pub access_token_format: AccessTokenFormat,
    /// The `client_id` it authenticates with at the introspection endpoint, if it may
    /// introspect.
    pub introspection_client_id: Option<String>,
    /// The algorithm its JWT access tokens are signed with (RFC 9068 §2.1 leaves the choice
    /// to the authorization server; RS256 is the one every resource server must accept).
    /// `None`: the signing key set's current signer.
    pub access_token_signing_alg: Option<JwsAlgorithm>,
}

impl ResourceServer {
    /// A resource server with opaque tokens, not introspecting.
    pub fn new(identifier: impl Into<String>) -> Self {
        ResourceServer {
            identifier: identifier.into(),
            access_token_format: AccessTokenFormat::Opaque,
            introspection_client_id: None,
            access_token_signing_alg: None,
        }
    }
}

/// One permission of the token exchange policy (RFC 8693 §2.1): which client may exchange
/// which subject tokens for tokens of which audiences and scopes, and for whom it may act.
///
/// Without an `actor_token` an exchange is impersonation (RFC 8693 §1.1): the new token
/// speaks for the subject token's subject alone (a subject token that was itself delegated
/// keeps its `act`). With one it is delegation: the actor token must be an active access
/// token of this server issued to the exchanging client, its subject one of
/// [`actors`](TokenExchangeRule::actors), the subject token's subject one of
/// [`act_for`](TokenExchangeRule::act_for); the new token carries `act` naming the actor,
/// with the subject token's own `act` nested inside it (RFC 8693 §4.1), at most
/// [`MAX_DELEGATION_DEPTH`](crate::model::MAX_DELEGATION_DEPTH) actors deep.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenExchangeRule {
    /// The client that may exchange.
    pub client_id: String,
    /// The resources (`audience`/`resource`) the new token may be for.
    pub audiences: Vec<String>,
    /// The scope tokens the new token may carry (further limited by the subject token's).
    pub scopes: Vec<String>,
    /// The actors (subjects of actor tokens) the client may present; empty: delegation is
    /// refused and only impersonation is offered.
    pub actors: Vec<String>,
    /// The subjects the actors may act for; empty: any subject whose token the client
    /// presents.
    pub act_for: Vec<String>,
}

impl TokenExchangeRule {
    /// A rule letting `client_id` exchange for tokens of `audiences` with `scopes`.
    pub fn new(client_id: impl Into<String>, audiences: Vec<String>, scopes: Vec<String>) -> Self {
        TokenExchangeRule {
            client_id: client_id.into(),
            audiences,
            scopes,
            actors: Vec::new(),
            act_for: Vec::new(),
        }
    }

    /// This rule, also letting the client act as `actors` (the subjects of its actor
    /// tokens) for the subjects `act_for` (empty: any), RFC 8693 §1.1 delegation.
    pub fn with_delegation(mut self, actors: Vec<String>, act_for: Vec<String>) -> Self {
        self.actors = actors;
        self.act_for = act_for;
        self
    }
}

/// The token exchange policy, as a value (RFC 8693 §2.1 leaves the decision to the server):
/// an exchange is allowed only by a rule naming the client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TokenExchangePolicy {
    /// The rules; empty means token exchange is off.
    pub rules: Vec<TokenExchangeRule>,
}

/// DPoP settings of the server (RFC 9449).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DpopSettings {
    /// The proof algorithms accepted (`dpop_signing_alg_values_supported`).
    pub algorithms: Vec<JwsAlgorithm>,
    /// How far a proof's `iat` may be from now, in seconds (RFC 9449 §11.1).
    pub iat_window: u64,
}

impl Default for DpopSettings {
    fn default() -> Self {
        DpopSettings {
            algorithms: vec![
                JwsAlgorithm::ES256,
                JwsAlgorithm::EdDSA,
                JwsAlgorithm::PS256,
            ],
            iat_window: 60,
        }
    }
}

/// Device authorization settings (RFC 8628).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceSettings {
    /// The polling interval in seconds (RFC 8628 §3.2, default 5).
    pub interval: u64,
    /// Failed user-code entries allowed per device authorization before it is cancelled
    /// (RFC 8628 §5.1, default 5).
    pub max_failed_user_codes: u32,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            interval: 5,
            max_failed_user_codes: 5,
        }
    }
}

/// Dynamic client registration settings (RFC 7591, RFC 7592, OpenID Connect Registration
/// 1.0).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct RegistrationSettings {
    /// The initial access token a registration request must carry as a bearer token
    /// (RFC 7591 §3); `None`: registration is open.
    pub initial_access_token: Option<SecretBytes>,
    /// The keys software statements (RFC 7591 §2.3) are verified with; `None`: software
    /// statements are not trusted and are refused.
    pub software_statement_keys: Option<JwkSet>,
    /// The signature algorithms accepted on software statements.
    pub software_statement_algorithms: Vec<JwsAlgorithm>,
    /// Whether every registration must carry a verified software statement.
    pub require_software_statement: bool,
    /// The scope a client gets when it registers none (RFC 7591 §2 `scope`: the server
    /// may register a default).
    pub default_scopes: Vec<String>,
    /// The lifetime of generated client secrets in seconds; `None`: they do not expire
    /// (`client_secret_expires_at` 0, RFC 7591 §3.2.1).
    pub secret_lifetime: Option<u64>,
}

/// The authorization server's configuration.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The issuer identifier (RFC 8414 §2, RFC 9207).
    pub issuer: String,
    /// The endpoints.
    pub endpoints: Endpoints,
    /// Lifetimes.
    pub lifetimes: Lifetimes,
    /// The PKCE policy.
    pub pkce: PkcePolicy,
    /// Legacy grants, off by default.
    pub legacy: LegacySettings,
    /// OpenID provider settings.
    pub openid: OpenIdSettings,
    /// Whether every client must use pushed authorization requests (RFC 9126 §5
    /// `require_pushed_authorization_requests`); a client can require it for itself too.
    pub require_pushed_authorization_requests: bool,
    /// Trusted JWT bearer assertion issuers (RFC 7523 §2.1).
    pub trusted_jwt_bearer_issuers: Vec<TrustedIssuer>,
    /// The resource servers (RFC 8707).
    pub resource_servers: Vec<ResourceServer>,
    /// The token exchange policy (RFC 8693).
    pub token_exchange: TokenExchangePolicy,
    /// DPoP settings.
    pub dpop: DpopSettings,
    /// Device authorization settings.
    pub device: DeviceSettings,
    /// The scope tokens the server knows (`scopes_supported`).
    pub scopes_supported: Vec<String>,
    /// The claims the provider can release (`claims_supported`, OpenID Connect Discovery 1.0
    /// §3); empty: not advertised.
    pub claims_supported: Vec<String>,
    /// The algorithms accepted for `private_key_jwt` and `client_secret_jwt` assertions.
    pub client_assertion_algorithms: Vec<JwsAlgorithm>,
    /// The client authentication methods the token endpoint accepts.
    pub client_auth_methods: Vec<crate::model::ClientAuthMethod>,
    /// Back- and front-channel logout (see [`crate::oidc::logout`]).
    pub logout: LogoutSettings,
    /// Dynamic client registration (RFC 7591, RFC 7592), when
    /// [`Endpoints::registration`] is set.
    pub registration: RegistrationSettings,
    /// The UserInfo endpoint, when [`Endpoints::userinfo`] is set.
    pub userinfo: UserInfoSettings,
}

/// UserInfo endpoint settings (OpenID Connect Core §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct UserInfoSettings {
    /// Accept the access token as an `access_token` query parameter (RFC 6750 §2.3). Off by
    /// default: RFC 9700 §4.3.2 and RFC 6750 §5.3 warn that URLs end up in logs and
    /// `Referer` headers. The header, and the form body of a POST (§2.2), are always
    /// accepted.
    pub query_token: bool,
}

impl ServerConfig {
    /// A configuration for `issuer` (an `https` URL, or `http` on a loopback host for tests,
    /// without query or fragment) with the token endpoint at `<issuer>/token` and the
    /// authorization endpoint at `<issuer>/authorize`; every other endpoint off. Every
    /// default is the secure one.
    pub fn new(issuer: &str) -> Result<Self, ConfigError> {
        let u = authcore_oauth2::check_endpoint(issuer)
            .map_err(|_| ConfigError::InvalidIssuer(issuer.to_owned()))?;
        if u.query().is_some() {
            return Err(ConfigError::InvalidIssuer(issuer.to_owned()));
        }
        let issuer = issuer.to_owned();
        let at = |path: &str| endpoint_under(&issuer, path);
        Ok(ServerConfig {
            endpoints: Endpoints {
                authorization: Some(at("authorize")?),
                token: at("token")?,
                pushed_authorization_request: None,
                device_authorization: None,
                device_verification: None,
                revocation: None,
                introspection: None,
                jwks: None,
                end_session: None,
                userinfo: None,
                registration: None,
            },
            issuer,
            lifetimes: Lifetimes::default(),
            pkce: PkcePolicy::default(),
            legacy: LegacySettings::default(),
            openid: OpenIdSettings::default(),
            require_pushed_authorization_requests: false,
            trusted_jwt_bearer_issuers: Vec::new(),
            resource_servers: Vec::new(),
            token_exchange: TokenExchangePolicy::default(),
            dpop: DpopSettings::default(),
            device: DeviceSettings::default(),
            scopes_supported: Vec::new(),
            claims_supported: Vec::new(),
            client_assertion_algorithms: vec![
                JwsAlgorithm::RS256,
                JwsAlgorithm::PS256,
                JwsAlgorithm::ES256,
                JwsAlgorithm::EdDSA,
                JwsAlgorithm::HS256,
            ],
            client_auth_methods: crate::model::ClientAuthMethod::ALL.to_vec(),
            logout: LogoutSettings::default(),
            registration: RegistrationSettings::default(),
            userinfo: UserInfoSettings::default(),
        })
    }

    /// `<issuer>/<path>`, checked as an endpoint: for setting the optional endpoints.
    pub fn endpoint(&self, path: &str) -> Result<Url, ConfigError> {
        endpoint_under(&self.issuer, path)
    }

    /// The resource server with `identifier`, if configured.
    pub fn resource_server(&self, identifier: &str) -> Option<&ResourceServer> {
        self.resource_servers
            .iter()
            .find(|r| r.identifier == identifier)
    }
}

fn endpoint_under(issuer: &str, path: &str) -> Result<Url, ConfigError> {
    let s = format!("{}/{}", issuer.trim_end_matches('/'), path);
    authcore_oauth2::check_endpoint(&s).map_err(|_| ConfigError::InvalidEndpoint(s))
}

/// The server's keys: the crypto provider and the keys that hash credentials and generated
/// client secrets (each a set that rotates). Signing keys for JWT access tokens, ID tokens
/// and introspection responses live beside these.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerKeys {
    /// The crypto provider.
    pub provider: &'static CryptoProvider,
    /// The keys that hash opaque credentials (tokens, codes, tickets).
    pub token_hashing: TokenHashKeys,
    /// The keys that hash client secrets the server generated ([`StoredSecret::Keyed`]).
    ///
    /// [`StoredSecret::Keyed`]: crate::model::StoredSecret::Keyed
    pub secret_hashing: TokenHashKeys,
    /// The signer of JWT access tokens (RFC 9068), for resource servers that want them;
    /// `None`: every access token is opaque.
    pub jwt_access_tokens: Option<std::sync::Arc<dyn crate::tokens::JwtAccessTokenIssuer>>,
    /// Server nonces the token endpoint demands in DPoP proofs (RFC 9449 §8); `None`: no
    /// nonces.
    pub dpop_nonces: Option<std::sync::Arc<crate::dpop::DpopNonces>>,
    /// The keys that sign ID tokens and signed UserInfo responses (OpenID Connect Core §2,
    /// §5.3.2), published at `jwks_uri`; `None`: the server is not an OpenID provider and
    /// an `openid` scope is treated as any other scope.
    pub id_token_signing: Option<std::sync::Arc<crate::signing_keys::SigningKeySet>>,
    /// The provider's secret salt for pairwise subject identifiers (OpenID Connect Core
    /// §8.1); `None`: only `public` subjects are offered.
    pub pairwise_salt: Option<authcore_jose::SecretBytes>,
    /// The provider's keys for encrypted request objects (OpenID Connect Core §6.1), whose
    /// public halves `jwks_uri` publishes with `use` `enc`; `None`: encrypted request objects
    /// are refused and not advertised.
    pub request_object_decryption: Option<std::sync::Arc<crate::jar::RequestObjectDecryptionKeys>>,
}

impl ServerKeys {
    /// Keys from their parts.
    pub fn new(
        provider: &'static CryptoProvider,
        token_hashing: TokenHashKeys,
        secret_hashing: TokenHashKeys,
    ) -> Self {
        ServerKeys {
            provider,
            token_hashing,
            secret_hashing,
            jwt_access_tokens: None,
            dpop_nonces: None,
            id_token_signing: None,
            pairwise_salt: None,
            request_object_decryption: None,
        }
    }

    /// Sets the signer of JWT access tokens.
    pub fn with_jwt_access_tokens(
        mut self,
        issuer: std::sync::Arc<dyn crate::tokens::JwtAccessTokenIssuer>,
    ) -> Self {
        self.jwt_access_tokens = Some(issuer);
        self
    }

    /// Demands server nonces in DPoP proofs at the token endpoint (RFC 9449 §8).
    pub fn with_dpop_nonces(mut self, nonces: std::sync::Arc<crate::dpop::DpopNonces>) -> Self {
        self.dpop_nonces = Some(nonces);
        self
    }

    /// Makes the server an OpenID provider whose ID tokens `keys` sign.
    pub fn with_id_token_signing(
        mut self,
        keys: std::sync::Arc<crate::signing_keys::SigningKeySet>,
    ) -> Self {
        self.id_token_signing = Some(keys);
        self
    }

    /// Accepts request objects encrypted to `keys` (OpenID Connect Core §6.1) and publishes
    /// their public halves at `jwks_uri`.
    pub fn with_request_object_decryption(
        mut self,
        keys: std::sync::Arc<crate::jar::RequestObjectDecryptionKeys>,
    ) -> Self {
        self.request_object_decryption = Some(keys);
        self
    }

    /// Offers pairwise subject identifiers, derived with `salt` (keep it secret and stable:
    /// changing it changes every pairwise `sub`).
    pub fn with_pairwise_salt(mut self, salt: authcore_jose::SecretBytes) -> Self {
        self.pairwise_salt = Some(salt);
        self
    }

    /// Fresh keys drawn from `rng` (ids `t1` and `s1`), for tests and for a first start.
    pub fn generate(
        provider: &'static CryptoProvider,
        rng: &dyn authcore_jose::SecureRandom,
    ) -> Result<Self, ConfigError> {
        use crate::tokens::HashKey;
        Ok(ServerKeys::new(
            provider,
            TokenHashKeys::new(HashKey::generate("t1", rng, provider)?),
            TokenHashKeys::new(HashKey::generate("s1", rng, provider)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_secure_ones() {
        let c = ServerConfig::new("https://as.example").unwrap();
        assert_eq!(c.endpoints.token.as_str(), "https://as.example/token");
        assert_eq!(
            c.endpoints.authorization.as_ref().unwrap().as_str(),
            "https://as.example/authorize"
        );
        assert!(c.pkce.required_for_confidential_clients);
        assert!(!c.pkce.allow_plain);
        assert!(!c.legacy.implicit_grant);
        assert!(!c.legacy.password_grant);
        assert_eq!(c.lifetimes.authorization_code, 60);
        assert!(c.token_exchange.rules.is_empty());
        assert!(c.trusted_jwt_bearer_issuers.is_empty());
    }

    #[test]
    fn bad_issuers_are_refused() {
        for bad in [
            "http://as.example",
            "https://as.example/?x=1",
            "https://as.example/#f",
            "as.example",
        ] {
            assert!(
                matches!(ServerConfig::new(bad), Err(ConfigError::InvalidIssuer(_))),
                "{bad}"
            );
        }
        assert!(ServerConfig::new("http://localhost:8080").is_ok());
    }
}
