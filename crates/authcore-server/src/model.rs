//! The records an authorization server keeps: clients, grants, authorization codes, tokens,
//! device codes, pushed authorization requests and interactions.
//!
//! Every record that stands for a credential (a code, a token, a device code, a
//! `request_uri`, an interaction ticket) is keyed by the [`TokenHash`] of that credential,
//! never by the credential itself: a leaked database does not leak usable credentials
//! (RFC 9700 §4.14 and the token section of the server design). Every code and token carries
//! the [`GrantId`] it was issued under, so a replay can revoke the whole family
//! ([`Write::RevokeGrant`](crate::Write::RevokeGrant)).
//!
//! Records are plain data with public fields (not `#[non_exhaustive]`: a store outside this
//! crate builds them from its rows): a store maps them to its own rows, and the conformance kit ([`crate::store::conformance`]) checks that it keeps them faithfully.
//!
//! Every record is `Serialize`/`Deserialize`, so a store may keep it as a JSON body: times are
//! seconds since the epoch (the JWT NumericDate form), enumerations their registered names,
//! secrets exactly as held here (keyed hashes stay hashes). Optional and collection fields
//! default when absent, so a row written before a field existed still reads back.

use core::fmt;

use authcore_jose::{JwkSet, SecretBytes, UnixTime};
use authcore_oauth2::PkceMethod;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The storage key of a credential: the keyed hash of the credential under one of the
/// server's token-hashing keys, written `<key id>.<base64url digest>` (see
/// [`crate::tokens`]). It names the key, so keys can rotate while old credentials are still
/// found.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(String);

impl TokenHash {
    /// Wraps a stored hash as read back from a store.
    pub fn from_stored(s: impl Into<String>) -> Self {
        TokenHash(s.into())
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash is not a usable credential, but showing a prefix is enough to correlate.
        let shown: String = self.0.chars().take(12).collect();
        write!(f, "TokenHash({shown}…)")
    }
}

/// The identifier of a grant: one authorization decision of a resource owner for a client
/// (or the client's own authority for `client_credentials`). Drawn at random by the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GrantId(pub String);

impl GrantId {
    /// The identifier as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A new grant id: 128 bits from the caller's randomness, base64url (unguessable, so a
    /// grant id seen in one place cannot be used to name another grant).
    pub fn generate(
        rng: &dyn authcore_jose::SecureRandom,
    ) -> Result<Self, crate::error::ServerError> {
        use base64::Engine as _;
        let raw: [u8; 16] =
            authcore_jose::random_array(rng).map_err(|_| crate::error::ServerError::Random)?;
        Ok(GrantId(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw),
        ))
    }
}

/// How a client authenticates at the token endpoint and the other back-channel endpoints
/// (RFC 6749 §2.3, RFC 7591 §2 `token_endpoint_auth_method`, RFC 8705 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// `none`: a public client (RFC 6749 §2.1); it identifies itself with `client_id` only.
    None,
    /// `client_secret_basic` (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_secret_post` (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// `client_secret_jwt` (RFC 7523 §2.2, OpenID Connect Core §9).
    ClientSecretJwt,
    /// `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9).
    PrivateKeyJwt,
    /// `tls_client_auth`: a PKI-issued certificate with a registered subject (RFC 8705 §2.1).
    TlsClientAuth,
    /// `self_signed_tls_client_auth`: a self-signed certificate registered by its key
    /// (RFC 8705 §2.2).
    SelfSignedTlsClientAuth,
}

impl ClientAuthMethod {
    /// Whether clients of this method hold a client secret: `client_secret_basic`,
    /// `client_secret_post` and `client_secret_jwt` (RFC 6749 §2.3.1, RFC 7523 §2.2).
    pub fn uses_client_secret(self) -> bool {
        matches!(
            self,
            ClientAuthMethod::ClientSecretBasic
                | ClientAuthMethod::ClientSecretPost
                | ClientAuthMethod::ClientSecretJwt
        )
    }

    /// Every method, in the order metadata lists them.
    pub const ALL: [ClientAuthMethod; 7] = [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretPost,
        ClientAuthMethod::ClientSecretJwt,
        ClientAuthMethod::PrivateKeyJwt,
        ClientAuthMethod::TlsClientAuth,
        ClientAuthMethod::SelfSignedTlsClientAuth,
        ClientAuthMethod::None,
    ];

    /// The registered name (RFC 7591 §2, RFC 8705 §2.1.1, §2.2.1).
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuthMethod::None => "none",
            ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
            ClientAuthMethod::ClientSecretPost => "client_secret_post",
            ClientAuthMethod::ClientSecretJwt => "client_secret_jwt",
            ClientAuthMethod::PrivateKeyJwt => "private_key_jwt",
            ClientAuthMethod::TlsClientAuth => "tls_client_auth",
            ClientAuthMethod::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
        }
    }

    /// Parses a registered name.
    pub fn parse(s: &str) -> Option<Self> {
        ClientAuthMethod::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether a client with this method is a public client (RFC 6749 §2.1).
    pub fn is_public(self) -> bool {
        self == ClientAuthMethod::None
    }
}

/// Stored as its registered name (`client_secret_basic`, …).
impl Serialize for ClientAuthMethod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ClientAuthMethod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        ClientAuthMethod::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format_args!("unknown token_endpoint_auth_method `{name}`"))
        })
    }
}

/// A client secret as the server keeps it (RFC 6749 §2.3.1): never in plaintext when the
/// method only needs to compare it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    into = "serde_forms::StoredSecretForm",
    try_from = "serde_forms::StoredSecretForm"
)]
#[non_exhaustive]
pub enum StoredSecret {
    /// A human-chosen secret, hashed with Argon2id (RFC 9106): a PHC string
    /// (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`). Slow on purpose, so a leaked hash resists
    /// guessing.
    Argon2id(String),
    /// A secret the server generated (256 bits of entropy): a keyed hash (HMAC-SHA-256 under
    /// a server secret-hashing key) is enough, and cheap to check.
    Keyed(TokenHash),
    /// The secret itself, for `client_secret_jwt`: the server must compute the HMAC of the
    /// client's assertion with it (RFC 7523 §2.2), so it cannot keep only a hash. A store
    /// should encrypt it at rest.
    Plain(SecretBytes),
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredSecret::Argon2id(_) => f.write_str("Argon2id([REDACTED])"),
            StoredSecret::Keyed(h) => write!(f, "Keyed({h:?})"),
            StoredSecret::Plain(_) => f.write_str("Plain([REDACTED])"),
        }
    }
}

/// The certificate identity a `tls_client_auth` client registered (RFC 8705 §2.1.2): exactly
/// one of the subject forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TlsClientIdentity {
    /// `tls_client_auth_subject_dn`: the subject distinguished name, in the RFC 4514 string
    /// form the adapter reports.
    SubjectDn(String),
    /// `tls_client_auth_san_dns`: a dNSName subject alternative name.
    SanDns(String),
    /// `tls_client_auth_san_uri`: a uniformResourceIdentifier subject alternative name.
    SanUri(String),
    /// `tls_client_auth_san_ip`: an iPAddress subject alternative name, in text form.
    SanIp(String),
    /// `tls_client_auth_san_email`: an rfc822Name subject alternative name.
    SanEmail(String),
}

/// The kind of application a client is (OpenID Connect Registration §2 `application_type`);
/// native clients get the loopback port flexibility of RFC 8252 §7.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationType {
    /// A web application (the default).
    #[default]
    Web,
    /// A native application.
    Native,
}

/// A registered client (RFC 7591 §2 metadata, as the server uses it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientRecord {
    /// `client_id`.
    pub client_id: String,
    /// `token_endpoint_auth_method`: the one method this client authenticates with.
    pub auth_method: ClientAuthMethod,
    /// The secret, for the `client_secret_*` methods.
    #[serde(default)]
    pub secret: Option<StoredSecret>,
    /// When the secret expires (`client_secret_expires_at`); `None` never.
    #[serde(default, with = "serde_forms::unix_secs_opt")]
    pub secret_expires_at: Option<UnixTime>,
    /// The client's public keys (`jwks`), for `private_key_jwt` and
    /// `self_signed_tls_client_auth` (whose certificates are matched by key), and for request
    /// objects.
    #[serde(default, with = "serde_forms::jwk_set_opt")]
    pub jwks: Option<JwkSet>,
    /// The certificate identity for `tls_client_auth`.
    #[serde(default)]
    pub tls_identity: Option<TlsClientIdentity>,
    /// `redirect_uris`, compared by exact string match (RFC 9700 §4.1.3).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// `grant_types` the client may use.
    #[serde(default)]
    pub grant_types: Vec<String>,
    /// `response_types` the client may use at the authorization endpoint.
    #[serde(default)]
    pub response_types: Vec<String>,
    /// The scope tokens the client may be granted.
    #[serde(default)]
    pub allowed_scopes: Vec<String>,
    /// The resource indicators (RFC 8707) the client may ask tokens for.
    #[serde(default)]
    pub allowed_resources: Vec<String>,
    /// `application_type`.
    #[serde(default)]
    pub application_type: ApplicationType,
    /// `require_pushed_authorization_requests` (RFC 9126 §6).
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// `dpop_bound_access_tokens` (RFC 9449 §5.2): every token request must carry a DPoP
    /// proof.
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
    /// `tls_client_certificate_bound_access_tokens` (RFC 8705 §3.4).
    #[serde(default)]
    pub tls_client_certificate_bound_access_tokens: bool,
    /// `post_logout_redirect_uris` (RP-Initiated Logout 1.0 §3.1): compared exactly.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// `backchannel_logout_uri` (Back-Channel Logout 1.0 §2.2).
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    /// `backchannel_logout_session_required` (Back-Channel Logout 1.0 §2.2).
    #[serde(default)]
    pub backchannel_logout_session_required: bool,
    /// `frontchannel_logout_uri` (Front-Channel Logout 1.0 §2).
    #[serde(default)]
    pub frontchannel_logout_uri: Option<String>,
    /// `frontchannel_logout_session_required` (Front-Channel Logout 1.0 §2).
    #[serde(default)]
    pub frontchannel_logout_session_required: bool,
    /// The keyed hash of the registration access token (RFC 7592 §3) for clients that
    /// registered dynamically; `None`: the registration cannot be managed over HTTP.
    #[serde(default)]
    pub registration_access_token: Option<TokenHash>,
    /// Other registered metadata, kept for the layers above.
    #[serde(default)]
    pub extra: Map<String, Value>,
}

impl ClientRecord {
    /// A client with `client_id` and `auth_method`, no redirect URIs, grant types, scopes or
    /// credentials yet; set the fields that apply.
    pub fn new(client_id: impl Into<String>, auth_method: ClientAuthMethod) -> Self {
        ClientRecord {
            client_id: client_id.into(),
            auth_method,
            secret: None,
            secret_expires_at: None,
            jwks: None,
            tls_identity: None,
            redirect_uris: Vec::new(),
            grant_types: Vec::new(),
            response_types: Vec::new(),
            allowed_scopes: Vec::new(),
            allowed_resources: Vec::new(),
            application_type: ApplicationType::Web,
            require_pushed_authorization_requests: false,
            dpop_bound_access_tokens: false,
            tls_client_certificate_bound_access_tokens: false,
            post_logout_redirect_uris: Vec::new(),
            backchannel_logout_uri: None,
            backchannel_logout_session_required: false,
            frontchannel_logout_uri: None,
            frontchannel_logout_session_required: false,
            registration_access_token: None,
            extra: Map::new(),
        }
    }

    /// Whether the client is public (RFC 6749 §2.1).
    pub fn is_public(&self) -> bool {
        self.auth_method.is_public()
    }

    /// Whether the client registered `grant_type`.
    pub fn allows_grant_type(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    /// Whether every scope token in `scopes` is one the client may be granted.
    pub fn allows_scopes<S: AsRef<str>>(&self, scopes: &[S]) -> bool {
        scopes
            .iter()
            .all(|s| self.allowed_scopes.iter().any(|a| a == s.as_ref()))
    }

    /// Whether every resource in `resources` is one the client may ask tokens for.
    pub fn allows_resources<S: AsRef<str>>(&self, resources: &[S]) -> bool {
        resources
            .iter()
            .all(|r| self.allowed_resources.iter().any(|a| a == r.as_ref()))
    }
}

/// One authorization decision: a resource owner (or the client itself) granting scopes and
/// resources to a client. Codes and tokens issued under it carry its id; revoking it revokes
/// them all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    /// The grant's id.
    pub id: GrantId,
    /// The client the grant was made to.
    pub client_id: String,
    /// The resource owner (`sub`); for `client_credentials`, the client id.
    pub subject: String,
    /// The scope tokens granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The resource indicators granted (RFC 8707).
    #[serde(default)]
    pub resources: Vec<String>,
    /// When the resource owner authenticated (OpenID Connect `auth_time`), when known.
    #[serde(default, with = "serde_forms::unix_secs_opt")]
    pub auth_time: Option<UnixTime>,
    /// The authentication context class reached (`acr`), when known.
    #[serde(default)]
    pub acr: Option<String>,
    /// The authentication methods used (`amr`, RFC 8176), possibly empty.
    #[serde(default)]
    pub amr: Vec<String>,
    /// The provider login session the grant was made in (`sid`, OpenID Connect
    /// Front-Channel Logout §3), when the approval came from one.
    #[serde(default)]
    pub sid: Option<String>,
    /// The `claims` request parameter of the authorization request (OpenID Connect Core
    /// §5.5), as JSON text, when it carried one: the ID token and UserInfo releases of every
    /// token issued under the grant follow it ([`crate::oidc::claims::ClaimsRequest::parse`]).
    #[serde(default)]
    pub claims_request: Option<String>,
    /// When the grant was made.
    #[serde(with = "serde_forms::unix_secs")]
    pub created_at: UnixTime,
    /// Whether the grant has been revoked (a replay, a user's revocation).
    pub revoked: bool,
}

impl GrantRecord {
    /// A new, unrevoked grant.
    pub fn new(
        id: GrantId,
        client_id: impl Into<String>,
        subject: impl Into<String>,
        scopes: Vec<String>,
        resources: Vec<String>,
        created_at: UnixTime,
    ) -> Self {
        GrantRecord {
            id,
            client_id: client_id.into(),
            subject: subject.into(),
            scopes,
            resources,
            auth_time: None,
            acr: None,
            amr: Vec::new(),
            sid: None,
            claims_request: None,
            created_at,
            revoked: false,
        }
    }
}

/// A PKCE code challenge bound to an authorization code (RFC 7636 §4.3, §4.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeChallenge {
    /// `code_challenge`.
    pub challenge: String,
    /// `code_challenge_method`.
    #[serde(with = "serde_forms::pkce_method")]
    pub method: PkceMethod,
}

/// An authorization code (RFC 6749 §4.1.2): single use, short-lived, bound to the client,
/// the redirect URI, the PKCE challenge, the scope and resources, and the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationCodeRecord {
    /// The keyed hash of the code.
    pub handle: TokenHash,
    /// The grant the code was issued under.
    pub grant_id: GrantId,
    /// The client the code was issued to.
    pub client_id: String,
    /// The `redirect_uri` of the authorization request, when it carried one: the token
    /// request must repeat it exactly (RFC 6749 §4.1.3).
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// The PKCE challenge, when the request carried one.
    #[serde(default)]
    pub code_challenge: Option<CodeChallenge>,
    /// The scope tokens authorized.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The resources authorized (RFC 8707).
    #[serde(default)]
    pub resources: Vec<String>,
    /// `dpop_jkt` of the authorization request (RFC 9449 §10): the token request's DPoP key
    /// must have this thumbprint.
    #[serde(default)]
    pub dpop_jkt: Option<String>,
    /// The OpenID Connect `nonce`, for the ID token.
    #[serde(default)]
    pub nonce: Option<String>,
    /// When the code was issued.
    #[serde(with = "serde_forms::unix_secs")]
    pub issued_at: UnixTime,
    /// When the code expires.
    #[serde(with = "serde_forms::unix_secs")]
    pub expires_at: UnixTime,
    /// Whether the code has been exchanged (kept after use, so a second use is detected and
    /// answered by revoking the grant, RFC 6749 §4.1.2).
    pub used: bool,
}

/// Which kind of token a [`TokenRecord`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// An access token (opaque; JWT access tokens are not stored unless the server chooses).
    Access,
    /// A refresh token.
    Refresh,
}

/// The confirmation (`cnf`, RFC 7800) binding a token to a key the client proves it holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Confirmation {
    /// `jkt`: the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 §6.1).
    #[serde(default)]
    pub jkt: Option<String>,
    /// `x5t#S256`: the base64url SHA-256 thumbprint of the client certificate (RFC 8705
    /// §3.1).
    #[serde(default)]
    pub x5t_s256: Option<String>,
}

impl Confirmation {
    /// Whether the confirmation binds to anything.
    pub fn is_empty(&self) -> bool {
        self.jkt.is_none() && self.x5t_s256.is_none()
    }

    /// The `cnf` claim / introspection member value.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        if let Some(j) = &self.jkt {
            m.insert("jkt".into(), Value::String(j.clone()));
        }
        if let Some(x) = &self.x5t_s256 {
            m.insert("x5t#S256".into(), Value::String(x.clone()));
        }
        m
    }
}

/// An opaque access token or a refresh token, stored by its keyed hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The keyed hash of the token.
    pub handle: TokenHash,
    /// Access or refresh.
    pub kind: TokenKind,
    /// The grant the token belongs to.
    pub grant_id: GrantId,
    /// The client the token was issued to.
    pub client_id: String,
    /// The resource owner (`sub`).
    pub subject: String,
    /// The scope tokens of the token.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The audiences / resources of the token (RFC 8707).
    #[serde(default)]
    pub resources: Vec<String>,
    /// The key binding, when sender-constrained.
    #[serde(default)]
    pub cnf: Option<Confirmation>,
    /// When issued.
    #[serde(with = "serde_forms::unix_secs")]
    pub issued_at: UnixTime,
    /// When it expires; `None` never (refresh tokens without a lifetime).
    #[serde(default, with = "serde_forms::unix_secs_opt")]
    pub expires_at: Option<UnixTime>,
    /// For refresh tokens: whether this token has been rotated away (a later use is a replay,
    /// RFC 9700 §4.14.2).
    pub rotated: bool,
    /// Whether the token has been revoked.
    pub revoked: bool,
    /// Who acts for the subject, for a token issued by delegation (RFC 8693 §4.1 `act`);
    /// `None` for every other token. Stored in the `act` claim's form.
    #[serde(default)]
    pub act: Option<Actor>,
}

/// The longest delegation chain a token may carry: the current actor and the actors before
/// it (RFC 8693 §4.1 nests one `act` in another; the bound keeps the nesting finite).
pub const MAX_DELEGATION_DEPTH: usize = 8;

/// The party acting for a token's subject (RFC 8693 §4.1 `act`): the actor's subject and,
/// for a chain of delegations, the actor before it. The outermost actor is the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Actor {
    /// The actor (`sub` inside `act`).
    pub subject: String,
    /// The actor before this one, if the subject's token was itself delegated.
    pub prior: Option<Box<Actor>>,
}

impl Actor {
    /// `subject` acting after `prior`.
    pub fn new(subject: impl Into<String>, prior: Option<Actor>) -> Self {
        Actor {
            subject: subject.into(),
            prior: prior.map(Box::new),
        }
    }

    /// How many actors the chain holds, this one included.
    pub fn depth(&self) -> usize {
        let mut n = 1;
        let mut a = self;
        while let Some(p) = &a.prior {
            n += 1;
            a = p;
        }
        n
    }

    /// The `act` claim / introspection member value: `{"sub": …, "act": {…}}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("sub".into(), Value::String(self.subject.clone()));
        if let Some(p) = &self.prior {
            m.insert("act".into(), p.to_json());
        }
        Value::Object(m)
    }

    /// Reads an `act` value: an object with a string `sub` and optionally a nested `act`,
    /// at most [`MAX_DELEGATION_DEPTH`] deep. Other members (RFC 8693 §4.1 allows
    /// identifying claims such as `iss`) are ignored; anything else is `None`.
    pub fn from_json(value: &Value) -> Option<Actor> {
        let mut chain = Vec::new();
        let mut v = value;
        loop {
            if chain.len() == MAX_DELEGATION_DEPTH {
                return None;
            }
            let m = v.as_object()?;
            chain.push(m.get("sub")?.as_str()?.to_owned());
            match m.get("act") {
                None => break,
                Some(next) => v = next,
            }
        }
        // Innermost first, so each actor is built after the one before it.
        chain
            .into_iter()
            .rev()
            .fold(None, |prior, subject| Some(Actor::new(subject, prior)))
    }
}

/// An actor is stored in the form of the `act` claim (RFC 8693 §4.1), read back with the same
/// depth bound as a token's claim.
impl Serialize for Actor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Actor::from_json(&value).ok_or_else(|| {
            serde::de::Error::custom("`act` is not a delegation chain (RFC 8693 §4.1)")
        })
    }
}

impl TokenRecord {
    /// Whether the token is usable at `now`: not revoked, not rotated, not expired.
    pub fn is_active(&self, now: UnixTime) -> bool {
        !self.revoked && !self.rotated && self.expires_at.is_none_or(|e| now < e)
    }
}

/// What the resource owner decided about a device authorization (RFC 8628 §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "grant_id", rename_all = "lowercase")]
#[non_exhaustive]
pub enum DeviceCodeStatus {
    /// The user has not decided yet.
    Pending,
    /// The user approved; tokens are issued under this grant.
    Approved(GrantId),
    /// The user denied.
    Denied,
    /// The device code has been exchanged for tokens.
    Consumed,
}

/// A device authorization (RFC 8628 §3.1–3.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCodeRecord {
    /// The keyed hash of the `device_code`.
    pub handle: TokenHash,
    /// The keyed hash of the normalized `user_code`, for the verification page's lookup.
    pub user_code_handle: TokenHash,
    /// The client that asked.
    pub client_id: String,
    /// The scope tokens asked for.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The resources asked for.
    #[serde(default)]
    pub resources: Vec<String>,
    /// When issued.
    #[serde(with = "serde_forms::unix_secs")]
    pub issued_at: UnixTime,
    /// When the codes expire.
    #[serde(with = "serde_forms::unix_secs")]
    pub expires_at: UnixTime,
    /// The polling interval in seconds (RFC 8628 §3.2, raised by 5 on `slow_down`, §3.5).
    pub interval: u64,
    /// When the client last polled.
    #[serde(default, with = "serde_forms::unix_secs_opt")]
    pub last_polled_at: Option<UnixTime>,
    /// Failed user-code entries counted against this code (RFC 8628 §5.1 brute force).
    pub failed_attempts: u32,
    /// The user's decision.
    pub status: DeviceCodeStatus,
}

/// A pushed authorization request (RFC 9126 §2): the validated parameters behind a
/// `request_uri`, single use and short-lived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedRequestRecord {
    /// The keyed hash of the random part of the `request_uri`.
    pub handle: TokenHash,
    /// The client that pushed it.
    pub client_id: String,
    /// The authorization request parameters, in order.
    #[serde(default)]
    pub params: Vec<(String, String)>,
    /// When it expires.
    #[serde(with = "serde_forms::unix_secs")]
    pub expires_at: UnixTime,
    /// Whether it has been used.
    pub used: bool,
}

/// A pending user interaction of the authorization endpoint (login, consent): the validated
/// request waiting for the application's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionRecord {
    /// The keyed hash of the interaction ticket.
    pub handle: TokenHash,
    /// The client whose request it is.
    pub client_id: String,
    /// The validated authorization request parameters, in order.
    #[serde(default)]
    pub params: Vec<(String, String)>,
    /// When the interaction began.
    #[serde(with = "serde_forms::unix_secs")]
    pub created_at: UnixTime,
    /// When the interaction expires.
    #[serde(with = "serde_forms::unix_secs")]
    pub expires_at: UnixTime,
    /// Data the authorization endpoint keeps with the interaction.
    #[serde(default)]
    pub extra: Map<String, Value>,
}

/// The stored forms of the field types that have no serde form of their own (`UnixTime`,
/// `SecretBytes`, `JwkSet`, `PkceMethod`): one place for each, used by the records here and by
/// the provider session ([`crate::oidc::OpSession`]).
pub(crate) mod serde_forms {
    use authcore_jose::{JwkSet, SecretBytes, UnixTime};
    use authcore_oauth2::PkceMethod;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// `UnixTime` as seconds since the epoch (the JWT NumericDate form, RFC 7519 §2).
    pub(crate) mod unix_secs {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(t: &UnixTime, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_u64(t.as_secs())
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UnixTime, D::Error> {
            u64::deserialize(d).map(UnixTime::from_secs)
        }
    }

    /// `Option<UnixTime>` as seconds since the epoch or `null`.
    pub(crate) mod unix_secs_opt {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(
            t: &Option<UnixTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            t.map(UnixTime::as_secs).serialize(s)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<UnixTime>, D::Error> {
            Ok(Option::<u64>::deserialize(d)?.map(UnixTime::from_secs))
        }
    }

    /// The stored form of a [`StoredSecret`](super::StoredSecret):
    /// `{"kind": "argon2id" | "keyed" | "plain", "value": …}`, a `plain` secret's bytes in
    /// unpadded base64url (they need not be text).
    #[derive(Serialize, Deserialize)]
    #[serde(tag = "kind", content = "value", rename_all = "snake_case")]
    pub(crate) enum StoredSecretForm {
        Argon2id(String),
        Keyed(super::TokenHash),
        Plain(String),
    }

    impl From<super::StoredSecret> for StoredSecretForm {
        fn from(secret: super::StoredSecret) -> Self {
            use base64::Engine as _;
            match secret {
                super::StoredSecret::Argon2id(phc) => StoredSecretForm::Argon2id(phc),
                super::StoredSecret::Keyed(h) => StoredSecretForm::Keyed(h),
                super::StoredSecret::Plain(b) => StoredSecretForm::Plain(
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b.expose()),
                ),
            }
        }
    }

    impl TryFrom<StoredSecretForm> for super::StoredSecret {
        type Error = &'static str;

        fn try_from(form: StoredSecretForm) -> Result<Self, Self::Error> {
            use base64::Engine as _;
            Ok(match form {
                StoredSecretForm::Argon2id(phc) => super::StoredSecret::Argon2id(phc),
                StoredSecretForm::Keyed(h) => super::StoredSecret::Keyed(h),
                StoredSecretForm::Plain(text) => super::StoredSecret::Plain(SecretBytes::new(
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(text.as_bytes())
                        // The message names the field, never the value: it is a secret.
                        .map_err(|_| "a stored plain client secret is not base64url")?,
                )),
            })
        }
    }

    /// `Option<JwkSet>` as the JWK Set document (RFC 7517 §5), read back through the strict
    /// parser, so a stored set obeys the same rules as a registered one.
    pub(crate) mod jwk_set_opt {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(
            set: &Option<JwkSet>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match set {
                None => s.serialize_none(),
                Some(set) => {
                    let doc: serde_json::Value =
                        serde_json::from_str(&set.to_json()).map_err(serde::ser::Error::custom)?;
                    s.serialize_some(&doc)
                }
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<JwkSet>, D::Error> {
            match Option::<serde_json::Value>::deserialize(d)? {
                None => Ok(None),
                Some(doc) => JwkSet::from_json(doc.to_string().as_bytes())
                    .map(Some)
                    .map_err(D::Error::custom),
            }
        }
    }

    /// `PkceMethod` as its `code_challenge_method` name (RFC 7636 §4.3).
    pub(crate) mod pkce_method {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(m: &PkceMethod, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(m.as_str())
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PkceMethod, D::Error> {
            let name = String::deserialize(d)?;
            PkceMethod::parse(&name).ok_or_else(|| {
                D::Error::custom(format_args!("unknown code_challenge_method `{name}`"))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    const T: UnixTime = UnixTime::from_secs(1_800_000_000);

    fn round_trip<R: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(record: &R) -> Value {
        let stored = serde_json::to_value(record).unwrap();
        let back: R = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(&back, record);
        // The text form (what a store writes) reads back the same.
        let back: R = serde_json::from_str(&serde_json::to_string(record).unwrap()).unwrap();
        assert_eq!(&back, record);
        stored
    }

    fn h(s: &str) -> TokenHash {
        TokenHash::from_stored(format!("k1.{s}"))
    }

    fn client_jwks() -> JwkSet {
        JwkSet::from_json(
            br#"{"keys":[{"kty":"EC","crv":"P-256","kid":"c1","alg":"ES256",
                "x":"L6V0h-f8Wp6AkQ2i_-a2gE0jWJV9zhn8s6Dy-UQCsjs",
                "y":"i9LPtA86skrpbSRuDB5X_01MSOAVt0rGRhHenNyK9TY"}]}"#,
        )
        .unwrap()
    }

    fn full_client(secret: StoredSecret) -> ClientRecord {
        let mut c = ClientRecord::new("c1", ClientAuthMethod::PrivateKeyJwt);
        c.secret = Some(secret);
        c.secret_expires_at = Some(T);
        c.jwks = Some(client_jwks());
        c.tls_identity = Some(TlsClientIdentity::SanDns("client.example".into()));
        c.redirect_uris = vec!["https://c.example/cb".into()];
        c.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
        c.response_types = vec!["code".into()];
        c.allowed_scopes = vec!["openid".into()];
        c.allowed_resources = vec!["https://rs.example".into()];
        c.application_type = ApplicationType::Native;
        c.require_pushed_authorization_requests = true;
        c.dpop_bound_access_tokens = true;
        c.tls_client_certificate_bound_access_tokens = true;
        c.post_logout_redirect_uris = vec!["https://c.example/bye".into()];
        c.backchannel_logout_uri = Some("https://c.example/bc".into());
        c.backchannel_logout_session_required = true;
        c.frontchannel_logout_uri = Some("https://c.example/fc".into());
        c.frontchannel_logout_session_required = true;
        c.registration_access_token = Some(h("rat"));
        c.extra.insert("client_name".into(), json!("Client One"));
        c
    }

    #[test]
    fn a_client_record_round_trips_with_every_secret_form() {
        for secret in [
            StoredSecret::Argon2id("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
            StoredSecret::Keyed(h("secret")),
            StoredSecret::Plain(SecretBytes::new(vec![0, 1, 2, 255])),
        ] {
            round_trip(&full_client(secret));
        }
        let stored = round_trip(&full_client(StoredSecret::Keyed(h("s"))));
        assert_eq!(stored["auth_method"], "private_key_jwt");
        assert_eq!(stored["secret"], json!({"kind": "keyed", "value": "k1.s"}));
        assert_eq!(stored["secret_expires_at"], 1_800_000_000);
        assert_eq!(stored["jwks"]["keys"][0]["kid"], "c1");
        // Every method's registered name reads back as that method.
        for m in ClientAuthMethod::ALL {
            round_trip(&ClientRecord::new("c", m));
        }
    }

    #[test]
    fn a_client_record_without_optional_members_reads_back_with_defaults() {
        let c: ClientRecord =
            serde_json::from_value(json!({"client_id": "c2", "auth_method": "none"})).unwrap();
        assert_eq!(c, ClientRecord::new("c2", ClientAuthMethod::None));
    }

    #[test]
    fn unreadable_client_members_are_refused() {
        let base = serde_json::to_value(full_client(StoredSecret::Keyed(h("s")))).unwrap();
        let with = |member: &str, value: Value| {
            let mut v = base.clone();
            v[member] = value;
            serde_json::from_value::<ClientRecord>(v)
        };
        assert!(with("auth_method", json!("client_secret_magic")).is_err());
        assert!(with("secret", json!({"kind": "plain", "value": "not base64!"})).is_err());
        assert!(with("secret", json!({"kind": "rot13", "value": "x"})).is_err());
        assert!(with("jwks", json!({"kty": "EC"})).is_err());
        assert!(with("application_type", json!("desktop")).is_err());
        assert!(with("secret_expires_at", json!(-1)).is_err());
        // A missing required member is refused, not defaulted.
        let mut v = base.clone();
        v.as_object_mut().unwrap().remove("client_id");
        assert!(serde_json::from_value::<ClientRecord>(v).is_err());
    }

    #[test]
    fn a_plain_secret_error_does_not_show_the_value() {
        let e = serde_json::from_value::<StoredSecret>(
            json!({"kind": "plain", "value": "s3cr3t-value!"}),
        )
        .unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }

    #[test]
    fn a_grant_record_round_trips() {
        let mut g = GrantRecord::new(
            GrantId("g1".into()),
            "c1",
            "alice",
            vec!["openid".into()],
            vec!["https://rs.example".into()],
            T,
        );
        round_trip(&g);
        g.auth_time = Some(T);
        g.acr = Some("urn:acr:pwd".into());
        g.amr = vec!["pwd".into()];
        g.sid = Some("sid1".into());
        g.revoked = true;
        let stored = round_trip(&g);
        assert_eq!(stored["id"], "g1");
        assert_eq!(stored["created_at"], 1_800_000_000);
        let old: GrantRecord = serde_json::from_value(json!({
            "id": "g2", "client_id": "c", "subject": "s", "created_at": 5, "revoked": false
        }))
        .unwrap();
        assert_eq!(
            old,
            GrantRecord::new(
                GrantId("g2".into()),
                "c",
                "s",
                vec![],
                vec![],
                UnixTime::from_secs(5)
            )
        );
    }

    #[test]
    fn an_authorization_code_record_round_trips() {
        let mut c = AuthorizationCodeRecord {
            handle: h("code"),
            grant_id: GrantId("g1".into()),
            client_id: "c1".into(),
            redirect_uri: Some("https://c.example/cb".into()),
            code_challenge: Some(CodeChallenge {
                challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
                method: PkceMethod::S256,
            }),
            scopes: vec!["openid".into()],
            resources: vec![],
            dpop_jkt: Some("jkt".into()),
            nonce: Some("n-0S6_WzA2Mj".into()),
            issued_at: T,
            expires_at: T.saturating_add(60),
            used: true,
        };
        let stored = round_trip(&c);
        assert_eq!(stored["code_challenge"]["method"], "S256");
        c.code_challenge = Some(CodeChallenge {
            challenge: "plain-verifier".into(),
            method: PkceMethod::Plain,
        });
        round_trip(&c);
        let mut bad = stored.clone();
        bad["code_challenge"]["method"] = json!("S512");
        assert!(serde_json::from_value::<AuthorizationCodeRecord>(bad).is_err());
        // `used` is state, never defaulted: a row without it is unreadable, not unused.
        let mut unused_missing = stored;
        unused_missing.as_object_mut().unwrap().remove("used");
        assert!(serde_json::from_value::<AuthorizationCodeRecord>(unused_missing).is_err());
    }

    #[test]
    fn a_token_record_round_trips() {
        let mut t = TokenRecord {
            handle: h("at"),
            kind: TokenKind::Access,
            grant_id: GrantId("g1".into()),
            client_id: "c1".into(),
            subject: "alice".into(),
            scopes: vec!["read".into()],
            resources: vec!["https://rs.example".into()],
            cnf: Some(Confirmation {
                jkt: Some("jkt".into()),
                x5t_s256: Some("x5t".into()),
            }),
            issued_at: T,
            expires_at: Some(T.saturating_add(3600)),
            rotated: false,
            revoked: false,
            act: Some(Actor::new("svc", Some(Actor::new("gateway", None)))),
        };
        let stored = round_trip(&t);
        assert_eq!(stored["kind"], "access");
        // The delegation chain is stored as the `act` claim (RFC 8693 §4.1).
        assert_eq!(
            stored["act"],
            serde_json::json!({"sub": "svc", "act": {"sub": "gateway"}})
        );
        // A record stored before `act` existed reads back without one; a broken chain is
        // refused.
        let mut old = stored.clone();
        old.as_object_mut().unwrap().remove("act");
        let back: TokenRecord = serde_json::from_value(old).unwrap();
        assert_eq!(back.act, None);
        let mut broken = stored.clone();
        broken["act"] = serde_json::json!({"act": {"sub": "gateway"}});
        assert!(serde_json::from_value::<TokenRecord>(broken).is_err());
        t.act = None;
        t.kind = TokenKind::Refresh;
        t.cnf = None;
        t.expires_at = None;
        t.rotated = true;
        t.revoked = true;
        let stored = round_trip(&t);
        assert_eq!(stored["kind"], "refresh");
        assert_eq!(stored["expires_at"], Value::Null);
    }

    #[test]
    fn a_device_code_record_round_trips_in_every_status() {
        for status in [
            DeviceCodeStatus::Pending,
            DeviceCodeStatus::Approved(GrantId("g1".into())),
            DeviceCodeStatus::Denied,
            DeviceCodeStatus::Consumed,
        ] {
            let d = DeviceCodeRecord {
                handle: h("dc"),
                user_code_handle: h("uc"),
                client_id: "tv".into(),
                scopes: vec!["openid".into()],
                resources: vec![],
                issued_at: T,
                expires_at: T.saturating_add(600),
                interval: 5,
                last_polled_at: Some(T),
                failed_attempts: 2,
                status,
            };
            round_trip(&d);
        }
        let status: DeviceCodeStatus =
            serde_json::from_value(json!({"state": "approved", "grant_id": "g9"})).unwrap();
        assert_eq!(status, DeviceCodeStatus::Approved(GrantId("g9".into())));
        assert!(serde_json::from_value::<DeviceCodeStatus>(json!({"state": "approved"})).is_err());
        assert!(serde_json::from_value::<DeviceCodeStatus>(json!({"state": "maybe"})).is_err());
    }

    #[test]
    fn pushed_request_and_interaction_records_round_trip() {
        let params = vec![
            ("response_type".to_owned(), "code".to_owned()),
            ("scope".to_owned(), "openid profile".to_owned()),
            ("scope".to_owned(), "again, in order".to_owned()),
        ];
        round_trip(&PushedRequestRecord {
            handle: h("par"),
            client_id: "c1".into(),
            params: params.clone(),
            expires_at: T,
            used: false,
        });
        let mut extra = Map::new();
        extra.insert("prompts".into(), json!(["login", "consent"]));
        let x = InteractionRecord {
            handle: h("ix"),
            client_id: "c1".into(),
            params,
            created_at: T,
            expires_at: T.saturating_add(600),
            extra,
        };
        let stored = round_trip(&x);
        assert_eq!(stored["params"][0], json!(["response_type", "code"]));
    }

    #[test]
    fn actor_chains_read_back_bounded() {
        use serde_json::json;
        let chain = Actor::new("c", Some(Actor::new("b", Some(Actor::new("a", None)))));
        assert_eq!(chain.depth(), 3);
        let v = chain.to_json();
        assert_eq!(
            v,
            json!({"sub": "c", "act": {"sub": "b", "act": {"sub": "a"}}})
        );
        assert_eq!(Actor::from_json(&v), Some(chain));
        // Identifying members beside `sub` are allowed and ignored (RFC 8693 §4.1).
        assert_eq!(
            Actor::from_json(&json!({"sub": "x", "iss": "https://as.example"})),
            Some(Actor::new("x", None))
        );
        for bad in [
            json!("x"),
            json!({}),
            json!({"sub": 1}),
            json!({"sub": "x", "act": "y"}),
            json!({"sub": "x", "act": {"iss": "y"}}),
        ] {
            assert_eq!(Actor::from_json(&bad), None, "{bad}");
        }
        let mut deep = json!({"sub": "0"});
        for i in 1..MAX_DELEGATION_DEPTH {
            deep = json!({"sub": i.to_string(), "act": deep});
        }
        assert_eq!(
            Actor::from_json(&deep).map(|a| a.depth()),
            Some(MAX_DELEGATION_DEPTH)
        );
        let too_deep = json!({"sub": "top", "act": deep});
        assert_eq!(Actor::from_json(&too_deep), None);
    }
}
