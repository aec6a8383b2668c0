//! The adapter's error: the core's verdict, or what went wrong on the way there.

use core::fmt;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why an operation failed.
///
/// - [`Error::OAuth`], [`Error::Oidc`]: the protocol core's verdict (an OAuth error response
///   from the server, a response that breaks the spec, a failed security or token check, API
///   misuse). Match on the inner error to see who is at fault.
/// - [`Error::Transport`], [`Error::Timeout`], [`Error::ResponseTooLarge`],
///   [`Error::Redirect`]: the exchange itself failed before the core saw a response.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The protocol core rejected a request or a response.
    OAuth(authcore_oauth2::Error),
    /// The OpenID Connect core rejected a response: an ID token, logout token, UserInfo
    /// response, discovery document or JWK Set failed its checks.
    Oidc(authcore_oidc::Error),
    /// A JOSE operation failed (a key could not be used, a signature did not verify).
    Jose(authcore_jose::Error),
    /// Connecting, sending or receiving failed (DNS, TLS, connection reset, invalid URI).
    Transport(reqwest::Error),
    /// The connect or total timeout elapsed.
    Timeout,
    /// The response body is larger than the configured cap; reading stopped there.
    ResponseTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The server answered with a redirect (3xx). Redirects are never followed: a token,
    /// client credential or DPoP proof must not travel to a host the caller did not name.
    Redirect {
        /// The status code.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// The system clock is before the Unix epoch.
    Clock,
    /// The caller used the API in a way it does not allow.
    Misuse(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OAuth(e) => write!(f, "{e}"),
            Error::Oidc(e) => write!(f, "{e}"),
            Error::Jose(e) => write!(f, "JOSE: {e}"),
            Error::Transport(e) => write!(f, "HTTP transport: {e}"),
            Error::Timeout => f.write_str("HTTP request timed out"),
            Error::ResponseTooLarge { limit } => {
                write!(f, "HTTP response body larger than {limit} bytes")
            }
            Error::Redirect { status, location } => match location {
                Some(l) => write!(f, "server redirected ({status}) to {l}; not followed"),
                None => write!(f, "server redirected ({status}); not followed"),
            },
            Error::Clock => f.write_str("system clock is before the Unix epoch"),
            Error::Misuse(m) => write!(f, "misuse: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::OAuth(e) => Some(e),
            Error::Oidc(e) => Some(e),
            Error::Jose(e) => Some(e),
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl From<authcore_oauth2::Error> for Error {
    fn from(e: authcore_oauth2::Error) -> Self {
        Error::OAuth(e)
    }
}

impl From<authcore_oidc::Error> for Error {
    fn from(e: authcore_oidc::Error) -> Self {
        Error::Oidc(e)
    }
}

impl From<authcore_jose::Error> for Error {
    fn from(e: authcore_jose::Error) -> Self {
        Error::Jose(e)
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Error::Timeout
        } else {
            Error::Transport(e)
        }
    }
}
