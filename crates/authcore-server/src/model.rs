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

use core::fmt;

use authcore_jose::{JwkSet, SecretBytes, UnixTime};
use authcore_oauth2::PkceMethod;
use serde_json::{Map, Value};

/// The storage key of a credential: the keyed hash of the credential under one of the
/// server's token-hashing keys, written `<key id>.<base64url digest>` (see
/// [`crate::tokens`]). It names the key, so keys can rotate while old credentials are still
/// found.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// A client secret as the server keeps it (RFC 6749 §2.3.1): never in plaintext when the
/// method only needs to compare it.
#[derive(Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplicationType {
    /// A web application (the default).
    #[default]
    Web,
    /// A native application.
    Native,
}

/// A registered client (RFC 7591 §2 metadata, as the server uses it).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRecord {
    /// `client_id`.
    pub client_id: String,
    /// `token_endpoint_auth_method`: the one method this client authenticates with.
    pub auth_method: ClientAuthMethod,
    /// The secret, for the `client_secret_*` methods.
    pub secret: Option<StoredSecret>,
    /// When the secret expires (`client_secret_expires_at`); `None` never.
    pub secret_expires_at: Option<UnixTime>,
    /// The client's public keys (`jwks`), for `private_key_jwt` and
    /// `self_signed_tls_client_auth` (whose certificates are matched by key), and for request
    /// objects.
    pub jwks: Option<JwkSet>,
    /// The certificate identity for `tls_client_auth`.
    pub tls_identity: Option<TlsClientIdentity>,
    /// `redirect_uris`, compared by exact string match (RFC 9700 §4.1.3).
    pub redirect_uris: Vec<String>,
    /// `grant_types` the client may use.
    pub grant_types: Vec<String>,
    /// `response_types` the client may use at the authorization endpoint.
    pub response_types: Vec<String>,
    /// The scope tokens the client may be granted.
    pub allowed_scopes: Vec<String>,
    /// The resource indicators (RFC 8707) the client may ask tokens for.
    pub allowed_resources: Vec<String>,
    /// `application_type`.
    pub application_type: ApplicationType,
    /// `require_pushed_authorization_requests` (RFC 9126 §6).
    pub require_pushed_authorization_requests: bool,
    /// `dpop_bound_access_tokens` (RFC 9449 §5.2): every token request must carry a DPoP
    /// proof.
    pub dpop_bound_access_tokens: bool,
    /// `tls_client_certificate_bound_access_tokens` (RFC 8705 §3.4).
    pub tls_client_certificate_bound_access_tokens: bool,
    /// `post_logout_redirect_uris` (RP-Initiated Logout 1.0 §3.1): compared exactly.
    pub post_logout_redirect_uris: Vec<String>,
    /// `backchannel_logout_uri` (Back-Channel Logout 1.0 §2.2).
    pub backchannel_logout_uri: Option<String>,
    /// `backchannel_logout_session_required` (Back-Channel Logout 1.0 §2.2).
    pub backchannel_logout_session_required: bool,
    /// `frontchannel_logout_uri` (Front-Channel Logout 1.0 §2).
    pub frontchannel_logout_uri: Option<String>,
    /// `frontchannel_logout_session_required` (Front-Channel Logout 1.0 §2).
    pub frontchannel_logout_session_required: bool,
    /// The keyed hash of the registration access token (RFC 7592 §3) for clients that
    /// registered dynamically; `None`: the registration cannot be managed over HTTP.
    pub registration_access_token: Option<TokenHash>,
    /// Other registered metadata, kept for the layers above.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// The grant's id.
    pub id: GrantId,
    /// The client the grant was made to.
    pub client_id: String,
    /// The resource owner (`sub`); for `client_credentials`, the client id.
    pub subject: String,
    /// The scope tokens granted.
    pub scopes: Vec<String>,
    /// The resource indicators granted (RFC 8707).
    pub resources: Vec<String>,
    /// When the resource owner authenticated (OpenID Connect `auth_time`), when known.
    pub auth_time: Option<UnixTime>,
    /// The authentication context class reached (`acr`), when known.
    pub acr: Option<String>,
    /// The authentication methods used (`amr`, RFC 8176), possibly empty.
    pub amr: Vec<String>,
    /// The provider login session the grant was made in (`sid`, OpenID Connect
    /// Front-Channel Logout §3), when the approval came from one.
    pub sid: Option<String>,
    /// When the grant was made.
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
            created_at,
            revoked: false,
        }
    }
}

/// A PKCE code challenge bound to an authorization code (RFC 7636 §4.3, §4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge {
    /// `code_challenge`.
    pub challenge: String,
    /// `code_challenge_method`.
    pub method: PkceMethod,
}

/// An authorization code (RFC 6749 §4.1.2): single use, short-lived, bound to the client,
/// the redirect URI, the PKCE challenge, the scope and resources, and the grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCodeRecord {
    /// The keyed hash of the code.
    pub handle: TokenHash,
    /// The grant the code was issued under.
    pub grant_id: GrantId,
    /// The client the code was issued to.
    pub client_id: String,
    /// The `redirect_uri` of the authorization request, when it carried one: the token
    /// request must repeat it exactly (RFC 6749 §4.1.3).
    pub redirect_uri: Option<String>,
    /// The PKCE challenge, when the request carried one.
    pub code_challenge: Option<CodeChallenge>,
    /// The scope tokens authorized.
    pub scopes: Vec<String>,
    /// The resources authorized (RFC 8707).
    pub resources: Vec<String>,
    /// `dpop_jkt` of the authorization request (RFC 9449 §10): the token request's DPoP key
    /// must have this thumbprint.
    pub dpop_jkt: Option<String>,
    /// The OpenID Connect `nonce`, for the ID token.
    pub nonce: Option<String>,
    /// When the code was issued.
    pub issued_at: UnixTime,
    /// When the code expires.
    pub expires_at: UnixTime,
    /// Whether the code has been exchanged (kept after use, so a second use is detected and
    /// answered by revoking the grant, RFC 6749 §4.1.2).
    pub used: bool,
}

/// Which kind of token a [`TokenRecord`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An access token (opaque; JWT access tokens are not stored unless the server chooses).
    Access,
    /// A refresh token.
    Refresh,
}

/// The confirmation (`cnf`, RFC 7800) binding a token to a key the client proves it holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Confirmation {
    /// `jkt`: the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 §6.1).
    pub jkt: Option<String>,
    /// `x5t#S256`: the base64url SHA-256 thumbprint of the client certificate (RFC 8705
    /// §3.1).
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub scopes: Vec<String>,
    /// The audiences / resources of the token (RFC 8707).
    pub resources: Vec<String>,
    /// The key binding, when sender-constrained.
    pub cnf: Option<Confirmation>,
    /// When issued.
    pub issued_at: UnixTime,
    /// When it expires; `None` never (refresh tokens without a lifetime).
    pub expires_at: Option<UnixTime>,
    /// For refresh tokens: whether this token has been rotated away (a later use is a replay,
    /// RFC 9700 §4.14.2).
    pub rotated: bool,
    /// Whether the token has been revoked.
    pub revoked: bool,
    /// Who acts for the subject, for a token issued by delegation (RFC 8693 §4.1 `act`);
    /// `None` for every other token.
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

impl TokenRecord {
    /// Whether the token is usable at `now`: not revoked, not rotated, not expired.
    pub fn is_active(&self, now: UnixTime) -> bool {
        !self.revoked && !self.rotated && self.expires_at.is_none_or(|e| now < e)
    }
}

/// What the resource owner decided about a device authorization (RFC 8628 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodeRecord {
    /// The keyed hash of the `device_code`.
    pub handle: TokenHash,
    /// The keyed hash of the normalized `user_code`, for the verification page's lookup.
    pub user_code_handle: TokenHash,
    /// The client that asked.
    pub client_id: String,
    /// The scope tokens asked for.
    pub scopes: Vec<String>,
    /// The resources asked for.
    pub resources: Vec<String>,
    /// When issued.
    pub issued_at: UnixTime,
    /// When the codes expire.
    pub expires_at: UnixTime,
    /// The polling interval in seconds (RFC 8628 §3.2, raised by 5 on `slow_down`, §3.5).
    pub interval: u64,
    /// When the client last polled.
    pub last_polled_at: Option<UnixTime>,
    /// Failed user-code entries counted against this code (RFC 8628 §5.1 brute force).
    pub failed_attempts: u32,
    /// The user's decision.
    pub status: DeviceCodeStatus,
}

/// A pushed authorization request (RFC 9126 §2): the validated parameters behind a
/// `request_uri`, single use and short-lived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequestRecord {
    /// The keyed hash of the random part of the `request_uri`.
    pub handle: TokenHash,
    /// The client that pushed it.
    pub client_id: String,
    /// The authorization request parameters, in order.
    pub params: Vec<(String, String)>,
    /// When it expires.
    pub expires_at: UnixTime,
    /// Whether it has been used.
    pub used: bool,
}

/// A pending user interaction of the authorization endpoint (login, consent): the validated
/// request waiting for the application's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionRecord {
    /// The keyed hash of the interaction ticket.
    pub handle: TokenHash,
    /// The client whose request it is.
    pub client_id: String,
    /// The validated authorization request parameters, in order.
    pub params: Vec<(String, String)>,
    /// When the interaction began.
    pub created_at: UnixTime,
    /// When the interaction expires.
    pub expires_at: UnixTime,
    /// Data the authorization endpoint keeps with the interaction.
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
