//! Errors: a configuration the server refuses ([`ConfigError`]), a failure inside the server
//! ([`ServerError`], answered `server_error`), and the typed OAuth error an endpoint answers
//! with ([`OAuthError`], RFC 6749 §5.2).

use core::fmt;

use authcore_oauth2::{ErrorCode, ErrorResponse};
use http::StatusCode;

/// A configuration or key the server refuses.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The issuer is not an `https` URL without query or fragment (RFC 8414 §2).
    InvalidIssuer(String),
    /// An endpoint URL is not usable (RFC 6749 §3.1, §3.2).
    InvalidEndpoint(String),
    /// A key id is empty, too long or has characters outside `A-Z a-z 0-9 -`.
    InvalidKeyId(String),
    /// Two keys of one set share an id.
    DuplicateKeyId(String),
    /// A secret key shorter than 32 bytes.
    WeakKey,
    /// The crypto provider refused a key.
    Crypto(authcore_jose::Error),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidIssuer(i) => write!(
                f,
                "issuer `{i}` must be an https URL without query or fragment (RFC 8414 §2)"
            ),
            ConfigError::InvalidEndpoint(u) => write!(f, "endpoint `{u}` is not usable"),
            ConfigError::InvalidKeyId(k) => write!(
                f,
                "key id `{k}` must be 1 to 16 characters of A-Z, a-z, 0-9 and `-`"
            ),
            ConfigError::DuplicateKeyId(k) => write!(f, "key id `{k}` is used twice"),
            ConfigError::WeakKey => f.write_str("a secret key must be at least 32 bytes"),
            ConfigError::Crypto(e) => write!(f, "key refused: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A failure inside the server: the randomness source or the crypto provider failed, or a
/// response could not be built. Endpoints answer it with `server_error` (500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerError {
    /// The randomness source failed.
    Random,
    /// A cryptographic operation failed.
    Crypto,
    /// The server's configuration or a client's registration cannot serve the request (what
    /// is missing, for the operator).
    Config(&'static str),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Random => f.write_str("the randomness source failed"),
            ServerError::Crypto => f.write_str("a cryptographic operation failed"),
            ServerError::Config(what) => write!(f, "misconfigured: {what}"),
        }
    }
}

impl std::error::Error for ServerError {}

/// An OAuth error an endpoint answers with: the registered code (RFC 6749 §5.2 and the
/// extensions' codes), a description for developers, the HTTP status, and for
/// `invalid_client` after HTTP Basic the `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    /// The error code.
    pub code: ErrorCode,
    /// `error_description`: for the client's developers, never with secrets.
    pub description: Option<String>,
    /// The HTTP status.
    pub status: StatusCode,
    /// The authentication scheme to challenge with (`Basic` for `invalid_client` when the
    /// client used the `Authorization` header, RFC 6749 §5.2).
    pub challenge: Option<&'static str>,
}

impl OAuthError {
    /// An error with `code`, status 400 (RFC 6749 §5.2).
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: Some(description.into()),
            status: StatusCode::BAD_REQUEST,
            challenge: None,
        }
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        OAuthError::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        OAuthError::new(ErrorCode::InvalidGrant, description)
    }

    /// `invalid_scope`.
    pub fn invalid_scope(description: impl Into<String>) -> Self {
        OAuthError::new(ErrorCode::InvalidScope, description)
    }

    /// `unauthorized_client`.
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        OAuthError::new(ErrorCode::UnauthorizedClient, description)
    }

    /// `invalid_client` (RFC 6749 §5.2): 401, with a `Basic` challenge when the client
    /// tried HTTP Basic.
    pub fn invalid_client(description: impl Into<String>, used_basic: bool) -> Self {
        OAuthError {
            code: ErrorCode::InvalidClient,
            description: Some(description.into()),
            status: StatusCode::UNAUTHORIZED,
            challenge: used_basic.then_some("Basic"),
        }
    }

    /// `server_error` (500) for a failure inside the server.
    pub fn server_error(e: ServerError) -> Self {
        OAuthError {
            code: ErrorCode::ServerError,
            description: Some(e.to_string()),
            status: StatusCode::INTERNAL_SERVER_ERROR,
            challenge: None,
        }
    }

    /// Sets the status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The wire error response.
    pub fn to_error_response(&self) -> ErrorResponse {
        let mut e = ErrorResponse::new(self.code.clone()).with_status(self.status.as_u16());
        if let Some(d) = &self.description {
            e = e.with_description(d.clone());
        }
        e
    }

    /// The HTTP response: JSON body, `Cache-Control: no-store` (RFC 6749 §5.2), the status,
    /// and the challenge when set, realm the `realm` given.
    pub fn to_http_response(&self, realm: &str) -> http::Response<Vec<u8>> {
        let e = self.to_error_response();
        match self.challenge {
            Some(scheme) => e
                .to_http_response_with_challenge(scheme, realm)
                // A realm with a control character cannot be a header; answer without it.
                .unwrap_or_else(|_| e.to_http_response()),
            None => e.to_http_response(),
        }
    }
}

impl From<ServerError> for OAuthError {
    fn from(e: ServerError) -> Self {
        OAuthError::server_error(e)
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OAuthError {}
