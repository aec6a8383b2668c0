//! The adapter's error: the core's verdict, or what went wrong on the way there.

use core::fmt;

use authcore_oauth2::{DeviceAuthorizationFlow, DevicePollError, TransientFailure};

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why an operation failed.
///
/// - [`Error::OAuth`], [`Error::Oidc`]: the protocol core's verdict (an OAuth error response
///   from the server, a response that breaks the spec, a failed security or token check, API
///   misuse). Match on the inner error to see who is at fault.
/// - [`Error::Transport`], [`Error::Timeout`], [`Error::BodyRead`]: the network failed before
///   the core saw a response (worth retrying later).
/// - [`Error::ResponseTooLarge`], [`Error::Redirect`], [`Error::Unsupported`]: the server's
///   answer or metadata is refused by this adapter.
/// - [`Error::DevicePollingInterrupted`]: a transient failure while polling a device flow,
///   with the flow to poll again.
/// - [`Error::Misuse`], [`Error::Clock`], [`Error::Runtime`]: the caller or the host.
///
/// [`std::error::Error::source`] gives the underlying error where there is one.
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
    /// The OAuth 1.0a core refused to sign a request or rejected a response.
    OAuth1(authcore_oauth1::Error),
    /// Connecting, sending or receiving failed (DNS, TLS, connection reset, invalid URI).
    Transport(reqwest::Error),
    /// The connect or total timeout elapsed.
    Timeout,
    /// The connection failed while the response body was being read.
    BodyRead(std::io::Error),
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
    /// The server does not offer what was asked for: its metadata names no such endpoint
    /// (`userinfo_endpoint`, `end_session_endpoint`).
    Unsupported(&'static str),
    /// Device flow polling stopped on a transient failure (HTTP 429, 502, 503 or 504 from the
    /// token endpoint, a timeout, a broken connection). The flow is intact, its next poll one
    /// interval later: pass it to `poll_device` again to continue; its expiry still bounds
    /// the whole flow.
    DevicePollingInterrupted {
        /// The flow, to poll again.
        flow: Box<DeviceAuthorizationFlow>,
        /// What interrupted it.
        cause: Box<Error>,
    },
    /// The system clock is before the Unix epoch.
    Clock,
    /// The blocking client's own runtime could not start (the operating system refused a
    /// thread, a timer or a socket driver).
    Runtime(std::io::Error),
    /// The caller used the API in a way it does not allow.
    Misuse(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OAuth(e) => write!(f, "{e}"),
            Error::Oidc(e) => write!(f, "{e}"),
            Error::Jose(e) => write!(f, "JOSE: {e}"),
            Error::OAuth1(e) => write!(f, "OAuth 1.0a: {e}"),
            Error::Transport(e) => {
                f.write_str("HTTP transport: ")?;
                write_chain(f, e, e.url())
            }
            Error::Timeout => f.write_str("HTTP request timed out"),
            Error::ResponseTooLarge { limit } => {
                write!(f, "HTTP response body larger than {limit} bytes")
            }
            Error::Redirect { status, location } => match location {
                Some(l) => write!(f, "server redirected ({status}) to {l}; not followed"),
                None => write!(f, "server redirected ({status}); not followed"),
            },
            Error::BodyRead(e) => {
                f.write_str("HTTP transport: reading the response body: ")?;
                write_chain(f, e, None)
            }
            Error::Unsupported(m) => write!(f, "not offered by the server: {m}"),
            Error::DevicePollingInterrupted { cause, .. } => {
                write!(f, "device flow polling interrupted (poll again): {cause}")
            }
            Error::Clock => f.write_str("system clock is before the Unix epoch"),
            Error::Runtime(e) => write!(f, "the blocking client's runtime could not start: {e}"),
            Error::Misuse(m) => write!(f, "misuse: {m}"),
        }
    }
}

/// Writes `e`, the URL when `e`'s own text lacks it, then each cause in `e`'s `source()` chain
/// that adds something. reqwest's own text is only "error sending request"; the reason a user
/// can act on ("Connection refused", "dns error: failed to lookup address") is several causes
/// down, and a message without it sends people to the wrong place.
fn write_chain(
    f: &mut fmt::Formatter<'_>,
    e: &(dyn std::error::Error + 'static),
    url: Option<&url::Url>,
) -> fmt::Result {
    let mut last = e.to_string();
    f.write_str(&last)?;
    if let Some(url) = url.filter(|u| !last.contains(u.as_str())) {
        write!(f, " ({url})")?;
    }
    let mut cause = e.source();
    // Bounded: a cyclic chain (never seen, but possible) cannot loop forever.
    for _ in 0..16 {
        let Some(c) = cause else { break };
        let text = c.to_string();
        // Layers often repeat their inner error's text; say each thing once.
        if !last.contains(&text) {
            write!(f, ": {text}")?;
        }
        last = text;
        cause = c.source();
    }
    Ok(())
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::OAuth(e) => Some(e),
            Error::Oidc(e) => Some(e),
            Error::Jose(e) => Some(e),
            Error::OAuth1(e) => Some(e),
            Error::Transport(e) => Some(e),
            Error::BodyRead(e) | Error::Runtime(e) => Some(e),
            Error::DevicePollingInterrupted { cause, .. } => Some(cause.as_ref()),
            Error::Timeout
            | Error::ResponseTooLarge { .. }
            | Error::Redirect { .. }
            | Error::Unsupported(_)
            | Error::Clock
            | Error::Misuse(_) => None,
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

impl From<authcore_oauth1::Error> for Error {
    fn from(e: authcore_oauth1::Error) -> Self {
        Error::OAuth1(e)
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

/// A failure to send that may go away by itself: the device flow driver hands the flow back
/// on these instead of ending it.
impl TransientFailure for Error {
    fn is_transient(&self) -> bool {
        match self {
            // A request reqwest could not even build will not build later either.
            Error::Transport(e) => !e.is_builder(),
            Error::Timeout | Error::BodyRead(_) => true,
            _ => false,
        }
    }
}

impl From<DevicePollError<Error>> for Error {
    fn from(e: DevicePollError<Error>) -> Self {
        match e {
            DevicePollError::Interrupted { flow, cause } => Error::DevicePollingInterrupted {
                flow,
                cause: Box::new(cause),
            },
            DevicePollError::Ended(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn transient_failures_are_the_networks() {
        assert!(Error::Timeout.is_transient());
        assert!(Error::BodyRead(std::io::ErrorKind::ConnectionReset.into()).is_transient());
        // Failures that would repeat: the peer's answer refused, the caller's or host's.
        for e in [
            Error::Redirect {
                status: 302,
                location: None,
            },
            Error::ResponseTooLarge { limit: 1 },
            Error::Unsupported("no userinfo_endpoint"),
            Error::Misuse("x"),
            Error::Clock,
        ] {
            assert!(!e.is_transient(), "{e:?}");
        }
    }

    #[test]
    fn a_transport_error_names_the_root_cause_and_the_url() {
        // A port nothing listens on: bound, then released.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = format!("http://127.0.0.1:{port}/token");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = runtime.block_on(async {
            let transport = crate::HttpClient::new(&crate::HttpConfig::new()).unwrap();
            let request = http::Request::get(url.as_str()).body(Vec::new()).unwrap();
            transport.execute(request).await.unwrap_err()
        });
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        let message = err.to_string();
        assert!(message.starts_with("HTTP transport: "), "{message}");
        assert!(message.contains(&url), "{message}");
        assert!(
            message.to_ascii_lowercase().contains("connection refused"),
            "{message}"
        );
    }

    #[test]
    fn a_dns_failure_says_so() {
        // `.invalid` never resolves (RFC 6761 §6.4).
        let url = "http://no-such-host.invalid/jwks";
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = runtime.block_on(async {
            let transport = crate::HttpClient::new(&crate::HttpConfig::new()).unwrap();
            let request = http::Request::get(url).body(Vec::new()).unwrap();
            transport.execute(request).await.unwrap_err()
        });
        let message = err.to_string();
        assert!(message.contains(url), "{message}");
        assert!(message.contains("dns error"), "{message}");
    }

    #[test]
    fn sources_are_the_causes() {
        let io = Error::BodyRead(std::io::ErrorKind::ConnectionReset.into());
        assert!(io.source().is_some());
        let runtime = Error::Runtime(std::io::ErrorKind::OutOfMemory.into());
        assert!(runtime.source().is_some());
        let core = Error::OAuth(authcore_oauth2::Error::Misuse("m"));
        assert_eq!(core.source().unwrap().to_string(), core.to_string());
        assert!(Error::Timeout.source().is_none());
        assert!(Error::Misuse("m").source().is_none());
    }
}
