//! The crate's single error type, and the typed OAuth error response.

use core::fmt;

use serde_json::{Map, Value};

use authcore_jose::UnixTime;

use crate::json_object::json_members;
use crate::wire_write::{JsonWriter, json_http_response};

/// Everything that can go wrong in `authcore-oauth2`, grouped by who is at fault.
///
/// - [`Error::Server`]: the server answered with an OAuth error response (RFC 6749 §4.1.2.1,
///   §5.2 and the codes of later RFCs). Nothing is wrong with the exchange itself; the server
///   said no.
/// - [`Error::Protocol`]: the peer broke the specification (a non-JSON body, a missing
///   `access_token`, an unexpected HTTP status, duplicate parameters...).
/// - [`Error::Security`]: a security check failed (`state` or `iss` mismatch, a metadata
///   document for another issuer...). Treat these as possible attacks.
/// - [`Error::Misuse`]: the caller used the API in a way it does not allow;
///   [`Error::InvalidEndpoint`]: the caller configured an endpoint URL that cannot be used.
/// - [`Error::Jose`]: signing or verifying a JWT failed.
/// - [`Error::Random`]: the caller's random source failed; nobody's message was wrong.
/// - [`Error::DeviceCodeExpired`]: a device flow ran out of time.
/// - [`Error::NotAdvertised`]: the client is configured for an algorithm the server's metadata
///   does not list; neither side broke a rule, they do not fit together.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The server returned an OAuth error response.
    Server(ErrorResponse),
    /// The peer's message does not follow the specification.
    Protocol(ProtocolError),
    /// A security check failed.
    Security(SecurityError),
    /// The caller misused the API.
    Misuse(&'static str),
    /// An endpoint URL the caller configured is not usable: not an absolute URL, not `https`
    /// (plain `http` is allowed only to a loopback host), or with a fragment (RFC 6749 §3.1,
    /// §3.2). The caller is at fault, unlike an endpoint the server published, which is
    /// [`ProtocolError::InvalidEndpoint`].
    InvalidEndpoint {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A JOSE operation (signing an assertion, a request object or a DPoP proof; verifying a
    /// JWT introspection response) failed.
    Jose(authcore_jose::Error),
    /// The caller's [`SecureRandom`](authcore_jose::SecureRandom) failed to produce the bytes
    /// for a `state`, nonce, PKCE verifier or `jti`. Neither the peer nor the caller's use of
    /// the API is at fault; retrying may succeed.
    Random(authcore_jose::Error),
    /// The device code's lifetime (RFC 8628 §3.2 `expires_in`) is over: the flow ended
    /// without an answer and must be restarted.
    DeviceCodeExpired {
        /// The time the check used.
        now: UnixTime,
        /// When the device code expired.
        expired_at: UnixTime,
    },
    /// The client is configured to use `value` where the server's metadata member `member`
    /// does not list it (such as an `introspection_encryption_alg_values_supported` without
    /// the client's `RSA-OAEP-256`), or does not exist: the server would not produce or
    /// accept it, so the configuration is refused before any request.
    NotAdvertised {
        /// The metadata member (`..._values_supported`).
        member: &'static str,
        /// The value the client is configured for.
        value: String,
    },
}

/// How a peer's message breaks the specification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// An HTTP status this exchange does not allow, without an OAuth error body.
    UnexpectedStatus {
        /// The status code.
        status: u16,
    },
    /// The `Content-Type` is not the one the specification requires.
    ContentType {
        /// The media type expected.
        expected: &'static str,
        /// The `Content-Type` received, if any.
        received: Option<String>,
    },
    /// The body is not a strict JSON object (invalid JSON, duplicate member names, too deep).
    Json(String),
    /// The body or parameter set is larger than the limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A required parameter or member is absent.
    MissingParameter(&'static str),
    /// A parameter or member has the wrong type or an invalid value.
    InvalidParameter {
        /// The parameter name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A parameter occurs more than once (RFC 6749 §3.1).
    DuplicateParameter(String),
    /// The `token_type` is one this client cannot use (RFC 6749 §7.1).
    UnusableTokenType(String),
    /// A response header is missing or lacks a value the specification requires (checked
    /// only where the caller opted in, such as
    /// [`TokenResponseOptions::require_cache_control_no_store`](crate::TokenResponseOptions::require_cache_control_no_store)).
    InvalidHeader {
        /// The header name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An endpoint URL the server published (a metadata endpoint, an `mtls_endpoint_aliases`
    /// entry, a `jwks_uri`, a claim source) is not usable: not an absolute URL, not `https`
    /// (plain `http` is allowed only to a loopback host), or with a fragment (RFC 6749 §3.1,
    /// §3.2; RFC 8414 §2). The server is at fault, unlike an endpoint the caller configured,
    /// which is [`Error::Misuse`].
    InvalidEndpoint {
        /// The member or parameter that holds the URL.
        name: &'static str,
        /// The URL as the server published it.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The message is malformed in some other way.
    Malformed(&'static str),
}

/// Which security check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityError {
    /// The callback's `state` differs from the one sent (RFC 6749 §10.12).
    StateMismatch,
    /// The callback has no `state` although one was sent.
    MissingState,
    /// The callback's `iss` is not the expected issuer (RFC 9207 §2.4).
    IssuerMismatch {
        /// The issuer the client talked to.
        expected: String,
        /// The `iss` received.
        received: String,
    },
    /// The callback has no `iss` although the server's metadata says it sends one
    /// (RFC 9207 §2.4).
    MissingIssuer,
    /// A metadata document's `issuer` is not exactly the issuer it was fetched for
    /// (RFC 8414 §3.3).
    MetadataIssuerMismatch {
        /// The issuer the metadata was requested for.
        expected: String,
        /// The `issuer` in the document.
        received: String,
    },
    /// The server returned a token type other than the one requested (a `Bearer` token when a
    /// DPoP-bound one was asked for, RFC 9449 §5).
    TokenTypeDowngrade {
        /// The type asked for.
        requested: &'static str,
        /// The type received.
        received: String,
    },
    /// A JWT from the server (an RFC 9701 introspection response, RFC 8414 signed metadata)
    /// failed verification.
    InvalidJwtResponse(authcore_jose::Error),
    /// A refresh response grants scope tokens that the refresh token was never granted
    /// (RFC 6749 §6: a refresh cannot widen the original grant).
    ScopeWidened {
        /// The scope tokens in the response beyond the granted ones.
        extra: Vec<String>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Server(e) => write!(f, "server error: {e}"),
            Error::Protocol(p) => write!(f, "protocol violation by the peer: {p}"),
            Error::Security(s) => write!(f, "security check failed: {s}"),
            Error::Misuse(m) => write!(f, "API misuse: {m}"),
            Error::InvalidEndpoint { url, reason } => {
                write!(f, "configured endpoint `{url}` is unusable: {reason}")
            }
            Error::Jose(e) => write!(f, "JOSE: {e}"),
            Error::Random(e) => write!(f, "random source failed: {e}"),
            Error::DeviceCodeExpired { now, expired_at } => write!(
                f,
                "device code expired at {}, now {}",
                expired_at.as_secs(),
                now.as_secs()
            ),
            Error::NotAdvertised { member, value } => {
                write!(f, "the server's `{member}` does not list `{value}`")
            }
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::UnexpectedStatus { status } => {
                write!(f, "unexpected HTTP status {status}")
            }
            ProtocolError::ContentType { expected, received } => write!(
                f,
                "expected Content-Type {expected}, got {}",
                received.as_deref().unwrap_or("none")
            ),
            ProtocolError::Json(m) => write!(f, "invalid JSON body: {m}"),
            ProtocolError::TooLarge { limit } => write!(f, "body exceeds {limit} bytes"),
            ProtocolError::MissingParameter(p) => write!(f, "missing parameter `{p}`"),
            ProtocolError::InvalidParameter { name, reason } => {
                write!(f, "invalid parameter `{name}`: {reason}")
            }
            ProtocolError::DuplicateParameter(p) => {
                write!(f, "parameter `{p}` occurs more than once")
            }
            ProtocolError::UnusableTokenType(t) => write!(f, "unusable token_type `{t}`"),
            ProtocolError::InvalidHeader { name, reason } => {
                write!(f, "invalid `{name}` header: {reason}")
            }
            ProtocolError::InvalidEndpoint { name, url, reason } => {
                write!(
                    f,
                    "endpoint `{name}` from the server (`{url}`) is unusable: {reason}"
                )
            }
            ProtocolError::Malformed(m) => write!(f, "malformed message: {m}"),
        }
    }
}

impl fmt::Display for SecurityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecurityError::StateMismatch => f.write_str("`state` does not match the request"),
            SecurityError::MissingState => f.write_str("`state` missing from the callback"),
            SecurityError::IssuerMismatch { expected, received } => {
                write!(f, "`iss` is `{received}`, expected `{expected}`")
            }
            SecurityError::MissingIssuer => f.write_str("`iss` missing from the callback"),
            SecurityError::MetadataIssuerMismatch { expected, received } => {
                write!(
                    f,
                    "metadata `issuer` is `{received}`, expected `{expected}`"
                )
            }
            SecurityError::TokenTypeDowngrade {
                requested,
                received,
            } => {
                write!(f, "requested a {requested} token, got `{received}`")
            }
            SecurityError::InvalidJwtResponse(e) => write!(f, "JWT response rejected: {e}"),
            SecurityError::ScopeWidened { extra } => write!(
                f,
                "the refresh response grants scope beyond the original grant: `{}`",
                extra.join(" ")
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Server(e) => Some(e),
            Error::Protocol(e) => Some(e),
            Error::Security(e) => Some(e),
            Error::Jose(e) | Error::Random(e) => Some(e),
            Error::Misuse(_)
            | Error::InvalidEndpoint { .. }
            | Error::DeviceCodeExpired { .. }
            | Error::NotAdvertised { .. } => None,
        }
    }
}

impl std::error::Error for ProtocolError {}

impl std::error::Error for SecurityError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SecurityError::InvalidJwtResponse(e) => Some(e),
            _ => None,
        }
    }
}

impl std::error::Error for ErrorResponse {}

impl From<authcore_jose::Error> for Error {
    fn from(e: authcore_jose::Error) -> Self {
        Error::Jose(e)
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

impl From<SecurityError> for Error {
    fn from(e: SecurityError) -> Self {
        Error::Security(e)
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

macro_rules! error_codes {
    ($( $(#[$m:meta])* $variant:ident = $s:literal, )*) => {
        /// A registered OAuth error code, or an extension code kept verbatim.
        ///
        /// Registered codes come from RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 8628
        /// §3.5, RFC 8693 §2.2.2, RFC 8707 §2, RFC 9126 §2.3, RFC 9101 §6.3, RFC 9449 §7 and
        /// RFC 7591 §3.2.2.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$m])* $variant, )*
            /// A code not registered above, kept as received.
            Extension(String),
        }

        impl ErrorCode {
            /// The code as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $s, )*
                    ErrorCode::Extension(s) => s,
                }
            }

            /// Parses a wire code; unknown codes become [`ErrorCode::Extension`].
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $s => ErrorCode::$variant, )*
                    other => ErrorCode::Extension(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// `invalid_request` (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1).
    InvalidRequest = "invalid_request",
    /// `unauthorized_client` (RFC 6749 §4.1.2.1, §5.2).
    UnauthorizedClient = "unauthorized_client",
    /// `access_denied` (RFC 6749 §4.1.2.1; RFC 8628 §3.5).
    AccessDenied = "access_denied",
    /// `unsupported_response_type` (RFC 6749 §4.1.2.1).
    UnsupportedResponseType = "unsupported_response_type",
    /// `invalid_scope` (RFC 6749 §4.1.2.1, §5.2).
    InvalidScope = "invalid_scope",
    /// `server_error` (RFC 6749 §4.1.2.1).
    ServerError = "server_error",
    /// `temporarily_unavailable` (RFC 6749 §4.1.2.1).
    TemporarilyUnavailable = "temporarily_unavailable",
    /// `invalid_client` (RFC 6749 §5.2).
    InvalidClient = "invalid_client",
    /// `invalid_grant` (RFC 6749 §5.2).
    InvalidGrant = "invalid_grant",
    /// `unsupported_grant_type` (RFC 6749 §5.2).
    UnsupportedGrantType = "unsupported_grant_type",
    /// `invalid_token` (RFC 6750 §3.1).
    InvalidToken = "invalid_token",
    /// `insufficient_scope` (RFC 6750 §3.1).
    InsufficientScope = "insufficient_scope",
    /// `authorization_pending` (RFC 8628 §3.5).
    AuthorizationPending = "authorization_pending",
    /// `slow_down` (RFC 8628 §3.5).
    SlowDown = "slow_down",
    /// `expired_token` (RFC 8628 §3.5).
    ExpiredToken = "expired_token",
    /// `unsupported_token_type` (RFC 7009 §2.2.1).
    UnsupportedTokenType = "unsupported_token_type",
    /// `invalid_target` (RFC 8693 §2.2.2, RFC 8707 §2).
    InvalidTarget = "invalid_target",
    /// `invalid_request_uri` (RFC 9101 §6.3).
    InvalidRequestUri = "invalid_request_uri",
    /// `invalid_request_object` (RFC 9101 §6.3).
    InvalidRequestObject = "invalid_request_object",
    /// `request_not_supported` (RFC 9101 §6.3).
    RequestNotSupported = "request_not_supported",
    /// `request_uri_not_supported` (RFC 9101 §6.3).
    RequestUriNotSupported = "request_uri_not_supported",
    /// `invalid_dpop_proof` (RFC 9449 §7).
    InvalidDpopProof = "invalid_dpop_proof",
    /// `use_dpop_nonce` (RFC 9449 §8, §9).
    UseDpopNonce = "use_dpop_nonce",
    /// `invalid_redirect_uri` (RFC 7591 §3.2.2).
    InvalidRedirectUri = "invalid_redirect_uri",
    /// `invalid_client_metadata` (RFC 7591 §3.2.2).
    InvalidClientMetadata = "invalid_client_metadata",
    /// `invalid_software_statement` (RFC 7591 §3.2.2).
    InvalidSoftwareStatement = "invalid_software_statement",
    /// `unapproved_software_statement` (RFC 7591 §3.2.2).
    UnapprovedSoftwareStatement = "unapproved_software_statement",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAuth error response (RFC 6749 §4.1.2.1 in a redirect, §5.2 as JSON).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ErrorResponse {
    /// `error`.
    pub error: ErrorCode,
    /// `error_description`: human-readable, for developers.
    pub error_description: Option<String>,
    /// `error_uri`.
    pub error_uri: Option<String>,
    /// The HTTP status, when the error came in an HTTP response (not a redirect).
    pub status: Option<u16>,
    /// Other members or parameters of the error response.
    pub extra: Map<String, Value>,
}

impl ErrorResponse {
    /// An error response with only a code.
    pub fn new(error: ErrorCode) -> Self {
        ErrorResponse {
            error,
            error_description: None,
            error_uri: None,
            status: None,
            extra: Map::new(),
        }
    }

    /// Sets `error_description`.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.error_description = Some(description.into());
        self
    }

    /// Sets `error_uri`.
    pub fn with_uri(mut self, uri: impl Into<String>) -> Self {
        self.error_uri = Some(uri.into());
        self
    }

    /// Sets the HTTP status [`ErrorResponse::to_http_response`] uses.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The JSON body (RFC 6749 §5.2): `error`, and `error_description`, `error_uri` and
    /// extension members when present. The status is not part of it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = JsonWriter::new();
        w.string("error", Some(self.error.as_str()));
        w.string("error_description", self.error_description.as_deref());
        w.string("error_uri", self.error_uri.as_deref());
        w.extra(&self.extra);
        w.finish()
    }

    /// Parses an error response body strictly: `error` a string and required,
    /// `error_description` and `error_uri` strings, other members kept. `status` is `None`.
    pub fn from_json(body: &[u8]) -> Result<Self> {
        let mut obj = crate::wire::parse_json_document::<ErrorMembers, 3>(body)?;
        obj.take_error(None)?
            .ok_or_else(|| ProtocolError::MissingParameter("error").into())
    }

    /// The HTTP response (RFC 6749 §5.2): the status set with
    /// [`ErrorResponse::with_status`] or 400, `Content-Type: application/json`,
    /// `Cache-Control: no-store`.
    ///
    /// For `invalid_client` after the client authenticated with the `Authorization` header
    /// use [`ErrorResponse::to_http_response_with_challenge`] instead: RFC 6749 §5.2 then
    /// requires 401 and a `WWW-Authenticate` challenge.
    pub fn to_http_response(&self) -> http::Response<Vec<u8>> {
        let status = self
            .status
            .and_then(|s| http::StatusCode::from_u16(s).ok())
            .unwrap_or(http::StatusCode::BAD_REQUEST);
        json_http_response(status, self.to_json(), None)
    }

    /// The HTTP response for a client that authenticated with the `Authorization` header
    /// field (HTTP Basic, RFC 6749 §2.3.1): 401 and `WWW-Authenticate: <scheme>
    /// realm="<realm>"`, the scheme the client used (RFC 6749 §5.2, RFC 7617 §2), with the
    /// JSON body and headers of [`ErrorResponse::to_http_response`]. A `realm` with a control
    /// character is [`Error::Misuse`].
    pub fn to_http_response_with_challenge(
        &self,
        scheme: &str,
        realm: &str,
    ) -> Result<http::Response<Vec<u8>>> {
        let mut quoted = String::with_capacity(realm.len() + 2);
        for c in realm.chars() {
            // RFC 9110 §5.6.4: a quoted-string escapes `"` and `\`.
            if c == '"' || c == '\\' {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        let challenge = http::HeaderValue::try_from(format!("{scheme} realm=\"{quoted}\""))
            .map_err(|_| Error::Misuse("the scheme or realm does not fit a header"))?;
        Ok(json_http_response(
            http::StatusCode::UNAUTHORIZED,
            self.to_json(),
            Some(challenge),
        ))
    }
}

json_members! {
    /// The registered members of an error response (RFC 6749 §5.2).
    ErrorMembers[3] = ["error", "error_description", "error_uri"];
}

impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error.as_str())?;
        if let Some(d) = &self.error_description {
            write!(f, ": {d}")?;
        }
        if let Some(s) = self.status {
            write!(f, " (HTTP {s})")?;
        }
        Ok(())
    }
}
