//! The crate's single error type.

use core::fmt;

use authcore_jose::{JwsAlgorithm, UnixTime};

/// Everything that can go wrong in `authcore-oidc`, grouped by who is at fault.
///
/// - [`Error::OAuth2`]: the OAuth 2.0 layer failed: the server answered with an error response,
///   the peer broke RFC 6749 (a non-JSON body, an unexpected status), or a `state`/`iss` check
///   of the callback failed. See [`authcore_oauth2::Error`].
/// - [`Error::Jose`]: a token is not a well-formed JWS, or its signature does not verify.
///   Signature failures stay opaque.
/// - [`Error::Token`]: an ID token or logout token was parsed and verified but one of the
///   OpenID Connect checks rejected it, with context ([`TokenError`]).
/// - [`Error::Metadata`]: a discovery document breaks OpenID Connect Discovery 1.0.
/// - [`Error::Jwks`]: a JWK Set response could not be used.
/// - [`Error::UserInfo`]: a UserInfo response is unusable or for another subject.
/// - [`Error::Misuse`]: the caller used the API in a way it does not allow.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The OAuth 2.0 layer failed (server error response, protocol violation, `state` or `iss`
    /// mismatch of a callback).
    OAuth2(authcore_oauth2::Error),
    /// A JOSE operation failed: malformed token, no trusted key, invalid signature.
    Jose(authcore_jose::Error),
    /// An ID token or logout token failed an OpenID Connect check.
    Token(TokenError),
    /// A provider metadata document is not acceptable.
    Metadata(MetadataError),
    /// A JWK Set response is not usable.
    Jwks(JwksError),
    /// A UserInfo response is not acceptable.
    UserInfo(UserInfoError),
    /// The caller misused the API.
    Misuse(&'static str),
}

/// Why an ID token (OpenID Connect Core 1.0 §3.1.3.7, §3.2.2.11, §3.3.2.12, §12.2) or a
/// logout token (Back-Channel Logout 1.0 §2.6) was rejected after its JWS structure was read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// A claim the check needs is absent.
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type (never treated as absent).
    WrongType(&'static str),
    /// A claim that must not be present is present (`nonce` in a logout token).
    ForbiddenClaim(&'static str),
    /// `iss` is not the provider's issuer identifier (compared exactly).
    Issuer {
        /// The issuer expected.
        expected: String,
        /// The `iss` received.
        received: String,
    },
    /// `aud` does not contain the client id.
    AudienceMissingClient {
        /// The client id that must be in `aud`.
        client_id: String,
    },
    /// `aud` contains an audience that is neither the client nor explicitly trusted.
    UntrustedAudience(String),
    /// `aud` has several values but there is no `azp`.
    AzpRequired,
    /// `azp` is present and is not the client id.
    AzpMismatch {
        /// The `azp` received.
        received: String,
    },
    /// The JWS `alg` is not one of the algorithms the verifier accepts (its
    /// `id_token_signed_response_alg`, or the list given to `allowed_algorithms`).
    AlgorithmNotAllowed {
        /// The header's `alg`, as written.
        alg: String,
        /// The algorithms the verifier accepts.
        allowed: Vec<JwsAlgorithm>,
    },
    /// The header `typ` is not acceptable for this kind of token.
    Type(String),
    /// `exp` is not after `now` (leeway included).
    Expired {
        /// The time the check used.
        now: UnixTime,
        /// The token's `exp`.
        exp: u64,
    },
    /// `iat` is after `now` (leeway included).
    IssuedInFuture {
        /// The time the check used.
        now: UnixTime,
        /// The token's `iat`.
        iat: u64,
    },
    /// `iat` is older than the configured acceptance window.
    IssuedTooLongAgo {
        /// The time the check used.
        now: UnixTime,
        /// The token's `iat`.
        iat: u64,
        /// The window in seconds.
        window: u64,
    },
    /// `nbf` is after `now` (leeway included).
    NotYetValid {
        /// The time the check used.
        now: UnixTime,
        /// The token's `nbf`.
        nbf: u64,
    },
    /// A `nonce` was sent and the ID token's `nonce` differs (compared in constant time).
    NonceMismatch,
    /// The flow requires a `nonce` (implicit and hybrid flows) but none was sent.
    NonceRequired,
    /// `acr` is absent or not one of the values requested as essential.
    AcrNotSatisfied {
        /// The values requested.
        requested: Vec<String>,
        /// The `acr` received.
        received: Option<String>,
    },
    /// `auth_time` is older than `max_age` allows.
    AuthenticationTooOld {
        /// The time the check used.
        now: UnixTime,
        /// The token's `auth_time`.
        auth_time: u64,
        /// The `max_age` requested.
        max_age: u64,
    },
    /// `at_hash`, `c_hash` or `s_hash` does not match the value it covers.
    HashMismatch(&'static str),
    /// A claim differs from the earlier ID token it must match (refresh, §12.2; the token
    /// endpoint ID token of a hybrid flow, §3.3.3.6).
    ChangedClaim(&'static str),
    /// `sub` of a response is not the `sub` of the ID token.
    SubjectMismatch,
    /// The logout token has no `events` member with the back-channel logout event.
    MissingLogoutEvent,
    /// The token is signed only (a JWS), but the client registered encryption for it
    /// (`id_token_encrypted_response_alg`, `userinfo_encrypted_response_alg`): refused, so
    /// that nobody can strip the encryption the provider agreed to (OpenID Connect Core 1.0
    /// §3.1.3.7 step 1, §10.2).
    EncryptionRequired,
    /// The token is encrypted (a JWE), but the client registered no encryption for it.
    UnexpectedEncryption,
    /// An encrypted token that must hold a signed JWT does not say so: its JWE `cty` is not
    /// `JWT` (RFC 7519 §5.2, §7.2 step 8; OpenID Connect Core 1.0 §10.2 nests sign, then
    /// encrypt).
    NestedContentType(Option<String>),
    /// The JWS `kid` names a key that is not in the key set; the JWKS may have rotated.
    /// [`JwksCache::poll_for_token`](crate::JwksCache::poll_for_token) schedules a refetch.
    UnknownKeyId(String),
    /// The JWS `kid` names a key the provider's key set has but that was dropped when the
    /// set was read ([`KeySource::skipped_key`](authcore_jose::KeySource::skipped_key)): for
    /// example an RSA key below the smallest accepted modulus, or a key no accepted
    /// algorithm fits.
    DroppedKey {
        /// The `kid`.
        kid: String,
        /// Why the key was dropped.
        reason: String,
    },
}

/// Why a provider metadata document was rejected (OpenID Connect Discovery 1.0 §3, §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataError {
    /// An endpoint URL in the document (such as `jwks_uri`) is not `https` (plain `http` is
    /// allowed only to a loopback host), not absolute, or has a fragment: the provider's fault.
    InvalidEndpoint {
        /// The member.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `issuer` is not exactly the issuer the document was fetched for.
    IssuerMismatch {
        /// The issuer the document was requested for.
        expected: String,
        /// The `issuer` in the document.
        received: String,
    },
    /// A required member is absent.
    MissingMember(&'static str),
    /// A member has the wrong type or an unacceptable value.
    InvalidMember {
        /// The member.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Why a JWK Set response could not be used (the previous key set, if any, stays in use).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksError {
    /// The HTTP status is not 200.
    UnexpectedStatus(u16),
    /// The body is larger than the limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not a JWK Set.
    Invalid(authcore_jose::Error),
    /// The set holds no key usable with the accepted algorithms.
    NoUsableKeys,
    /// Every key of the set that has a `kid` was dropped, each for the reason given (too
    /// weak, no accepted algorithm fits it).
    AllKeysDropped(Vec<authcore_jose::SkippedKey>),
    /// No fetch was outstanding when a response was handed in.
    Unexpected,
    /// The driver gave up: no usable key set within its bounded number of steps (another
    /// fetch kept the cache waiting, or the rate limit forbade a new one).
    Unavailable,
}

/// Why a UserInfo response was rejected (OpenID Connect Core 1.0 §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserInfoError {
    /// The `Content-Type` is neither `application/json` nor `application/jwt`.
    ContentType(Option<String>),
    /// The response is a signed JWT but the client expected plain JSON, or the reverse.
    UnexpectedFormat(&'static str),
    /// The UserInfo `sub` differs from the ID token's `sub` (§5.3.2: the response must not be
    /// used).
    SubjectMismatch {
        /// The ID token's `sub`.
        expected: String,
        /// The UserInfo `sub`.
        received: String,
    },
    /// A signed response's `iss` or `aud` is wrong (§5.3.2).
    Claims(TokenError),
    /// An encrypted (JWE) response, but the client registered no UserInfo encryption
    /// ([`IdTokenVerifier::userinfo_encrypted_response`](crate::IdTokenVerifier::userinfo_encrypted_response)).
    Encrypted,
    /// `_claim_names` / `_claim_sources` (aggregated and distributed claims, §5.6.2) are
    /// malformed, or a Claims Provider's answer is.
    ClaimSources(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OAuth2(e) => write!(f, "OAuth 2.0: {e}"),
            Error::Jose(e) => write!(f, "JOSE: {e}"),
            Error::Token(e) => write!(f, "token rejected: {e}"),
            Error::Metadata(e) => write!(f, "provider metadata rejected: {e}"),
            Error::Jwks(e) => write!(f, "JWK Set rejected: {e}"),
            Error::UserInfo(e) => write!(f, "UserInfo response rejected: {e}"),
            Error::Misuse(m) => write!(f, "API misuse: {m}"),
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::MissingClaim(c) => write!(f, "missing required claim `{c}`"),
            TokenError::WrongType(c) => write!(f, "claim `{c}` has the wrong JSON type"),
            TokenError::ForbiddenClaim(c) => write!(f, "claim `{c}` must not be present"),
            TokenError::Issuer { expected, received } => {
                write!(f, "`iss` is `{received}`, expected `{expected}`")
            }
            TokenError::AudienceMissingClient { client_id } => {
                write!(f, "`aud` does not contain the client id `{client_id}`")
            }
            TokenError::UntrustedAudience(a) => write!(f, "untrusted audience `{a}`"),
            TokenError::AzpRequired => f.write_str("several audiences and no `azp`"),
            TokenError::AzpMismatch { received } => {
                write!(f, "`azp` is `{received}`, not the client id")
            }
            TokenError::AlgorithmNotAllowed { alg, allowed } => {
                write!(f, "algorithm `{alg}` not allowed: expected ")?;
                for (i, a) in allowed.iter().enumerate() {
                    f.write_str(if i == 0 { "" } else { ", " })?;
                    f.write_str(a.name())?;
                }
                // OpenID Connect Dynamic Client Registration 1.0 §2: the client's registered
                // algorithm decides, RS256 when none was registered.
                f.write_str(
                    ", the client's `id_token_signed_response_alg` (RS256 unless set with \
                     `IdTokenVerifier::id_token_signed_response_alg` or `allowed_algorithms`)",
                )
            }
            TokenError::Type(t) => write!(f, "unacceptable `typ` `{t}`"),
            TokenError::Expired { now, exp } => {
                write!(f, "expired (exp {exp}, now {})", now.as_secs())
            }
            TokenError::IssuedInFuture { now, iat } => {
                write!(f, "issued in the future (iat {iat}, now {})", now.as_secs())
            }
            TokenError::IssuedTooLongAgo { now, iat, window } => write!(
                f,
                "issued too long ago (iat {iat}, now {}, window {window}s)",
                now.as_secs()
            ),
            TokenError::NotYetValid { now, nbf } => {
                write!(f, "not yet valid (nbf {nbf}, now {})", now.as_secs())
            }
            TokenError::NonceMismatch => f.write_str("`nonce` does not match the request"),
            TokenError::NonceRequired => f.write_str("this flow requires a `nonce`"),
            TokenError::AcrNotSatisfied {
                requested,
                received,
            } => write!(
                f,
                "`acr` {} is not one of {requested:?}",
                received.as_deref().unwrap_or("(absent)")
            ),
            TokenError::AuthenticationTooOld {
                now,
                auth_time,
                max_age,
            } => write!(
                f,
                "authentication too old (auth_time {auth_time}, now {}, max_age {max_age}s)",
                now.as_secs()
            ),
            TokenError::HashMismatch(c) => write!(f, "`{c}` does not match"),
            TokenError::ChangedClaim(c) => {
                write!(f, "`{c}` differs from the earlier ID token")
            }
            TokenError::SubjectMismatch => f.write_str("`sub` differs from the ID token"),
            TokenError::MissingLogoutEvent => {
                f.write_str("`events` lacks the back-channel logout event")
            }
            TokenError::EncryptionRequired => f.write_str(
                "the token is not encrypted, but the client registered encryption for it",
            ),
            TokenError::UnexpectedEncryption => f.write_str(
                "the token is encrypted, but the client registered no encryption for it",
            ),
            TokenError::NestedContentType(cty) => write!(
                f,
                "the encrypted token's `cty` is {}, not `JWT`",
                cty.as_deref()
                    .map_or("absent".to_owned(), |c| format!("`{c}`"))
            ),
            TokenError::UnknownKeyId(k) => write!(f, "no key with `kid` `{k}` in the key set"),
            TokenError::DroppedKey { kid, reason } => write!(
                f,
                "the key with `kid` `{kid}` is in the key set but was dropped: {reason}"
            ),
        }
    }
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataError::IssuerMismatch { expected, received } => {
                write!(f, "`issuer` is `{received}`, expected `{expected}`")
            }
            MetadataError::MissingMember(m) => write!(f, "missing required member `{m}`"),
            MetadataError::InvalidEndpoint { name, reason } => {
                write!(f, "endpoint `{name}` is unusable: {reason}")
            }
            MetadataError::InvalidMember { name, reason } => {
                write!(f, "invalid member `{name}`: {reason}")
            }
        }
    }
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwksError::UnexpectedStatus(s) => write!(f, "unexpected HTTP status {s}"),
            JwksError::TooLarge { limit } => write!(f, "body exceeds {limit} bytes"),
            JwksError::Invalid(e) => write!(f, "not a JWK Set: {e}"),
            JwksError::NoUsableKeys => f.write_str("no usable key"),
            JwksError::AllKeysDropped(dropped) => {
                f.write_str("no usable key: every key was dropped")?;
                for (i, d) in dropped.iter().enumerate() {
                    let sep = if i == 0 { " (" } else { "; " };
                    write!(f, "{sep}{d}")?;
                }
                f.write_str(")")
            }
            JwksError::Unexpected => f.write_str("no fetch was outstanding"),
            JwksError::Unavailable => f.write_str("no key set could be obtained"),
        }
    }
}

impl fmt::Display for UserInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserInfoError::ContentType(c) => write!(
                f,
                "unexpected Content-Type {}",
                c.as_deref().unwrap_or("(none)")
            ),
            UserInfoError::UnexpectedFormat(m) => f.write_str(m),
            UserInfoError::SubjectMismatch { expected, received } => {
                write!(f, "`sub` is `{received}`, expected `{expected}`")
            }
            UserInfoError::Claims(e) => write!(f, "{e}"),
            UserInfoError::Encrypted => f.write_str(
                "the response is encrypted, but the client registered no UserInfo encryption",
            ),
            UserInfoError::ClaimSources(m) => write!(f, "aggregated or distributed claims: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::OAuth2(e) => Some(e),
            Error::Jose(e) => Some(e),
            Error::Token(e) => Some(e),
            Error::Metadata(e) => Some(e),
            Error::Jwks(e) => Some(e),
            Error::UserInfo(e) => Some(e),
            Error::Misuse(_) => None,
        }
    }
}
impl std::error::Error for TokenError {}
impl std::error::Error for MetadataError {}
impl std::error::Error for JwksError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JwksError::Invalid(e) => Some(e),
            _ => None,
        }
    }
}
impl std::error::Error for UserInfoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UserInfoError::Claims(e) => Some(e),
            _ => None,
        }
    }
}

impl From<authcore_oauth2::Error> for Error {
    fn from(e: authcore_oauth2::Error) -> Self {
        match e {
            authcore_oauth2::Error::Jose(j) => Error::Jose(j),
            other => Error::OAuth2(other),
        }
    }
}

impl From<authcore_jose::Error> for Error {
    fn from(e: authcore_jose::Error) -> Self {
        Error::Jose(e)
    }
}

impl From<TokenError> for Error {
    fn from(e: TokenError) -> Self {
        Error::Token(e)
    }
}

impl From<MetadataError> for Error {
    fn from(e: MetadataError) -> Self {
        Error::Metadata(e)
    }
}

impl From<JwksError> for Error {
    fn from(e: JwksError) -> Self {
        Error::Jwks(e)
    }
}

impl From<UserInfoError> for Error {
    fn from(e: UserInfoError) -> Self {
        Error::UserInfo(e)
    }
}

impl From<authcore_oauth2::ProtocolError> for Error {
    fn from(e: authcore_oauth2::ProtocolError) -> Self {
        Error::OAuth2(e.into())
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
