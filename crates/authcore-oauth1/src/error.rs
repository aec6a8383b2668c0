//! The crate's one error enum, split by who is at fault, with the RFC 5849 §3.2 status code a
//! server answers for each.

use core::fmt;

use http::StatusCode;

/// Why signing, verifying or a flow step failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The message is not well formed (bad percent-encoding, a malformed `Authorization`
    /// header, a non-numeric timestamp, a response body that is not a form).
    Malformed(&'static str),
    /// Input over one of the crate's size limits.
    TooLarge(&'static str),
    /// A required protocol parameter is absent (RFC 5849 §3.2: 400).
    MissingParameter(&'static str),
    /// An `oauth_*` parameter appears more than once, or in more than one of the header, the
    /// body and the query (RFC 5849 §3.5: "one and only one" location; §3.2: 400).
    DuplicateParameter(String),
    /// An `oauth_*` parameter this crate does not know, or a value it does not support, such
    /// as an `oauth_version` other than `1.0` (RFC 5849 §3.2: 400).
    UnsupportedParameter(String),
    /// A signature method that is unknown, not enabled, or not possible with this key or
    /// provider (RFC 5849 §3.2: 400).
    UnsupportedSignatureMethod(String),
    /// `PLAINTEXT` over a URI that is not `https` (RFC 5849 §3.4.4: only over TLS).
    PlaintextWithoutTls,
    /// The timestamp is outside the accepted window around `now` (RFC 5849 §3.3: 401).
    TimestampOutsideWindow {
        /// The request's `oauth_timestamp`.
        timestamp: u64,
        /// The verifier's time.
        now: u64,
    },
    /// The nonce was used before with this timestamp and credentials (RFC 5849 §3.3: 401).
    NonceReplayed,
    /// The signature does not verify (RFC 5849 §3.2: 401). Deliberately says nothing more.
    InvalidSignature,
    /// `oauth_body_hash` does not match the body, or is present on a form-encoded body
    /// (OAuth Request Body Hash §3.2 and §4.1.1).
    BodyHashMismatch,
    /// The consumer key is not the one the credentials were issued to (RFC 5849 §3.2: 401).
    InvalidConsumerKey,
    /// The token is unknown, used, or not the expected one (RFC 5849 §3.2: 401).
    InvalidToken,
    /// The verifier does not match the one issued (RFC 5849 §2.3: 401).
    InvalidVerifier,
    /// The server's response is not what RFC 5849 §2 requires (such as a missing
    /// `oauth_callback_confirmed=true`).
    Protocol(&'static str),
    /// The server answered with an error status.
    ErrorResponse {
        /// The HTTP status.
        status: u16,
        /// The body, as text (lossy), capped at 1 KiB.
        body: String,
    },
    /// The caller used the API wrongly (an invalid URI, a key that cannot sign).
    Misuse(String),
    /// The crypto provider failed or lacks a part.
    Jose(authcore_jose::Error),
}

impl Error {
    /// The status a server answers with for this error (RFC 5849 §3.2): 400 for a malformed
    /// or unsupported request, 401 for failed authentication.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::TimestampOutsideWindow { .. }
            | Error::NonceReplayed
            | Error::InvalidSignature
            | Error::BodyHashMismatch
            | Error::InvalidConsumerKey
            | Error::InvalidToken
            | Error::InvalidVerifier => StatusCode::UNAUTHORIZED,
            Error::Misuse(_) | Error::Jose(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The HTTP response a server sends for this error: its status, a plain text body naming
    /// the problem and, for 401, a `WWW-Authenticate: OAuth` challenge (RFC 5849 §3.5.1).
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        let status = self.status();
        let mut b = http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8");
        if status == StatusCode::UNAUTHORIZED {
            b = b.header(http::header::WWW_AUTHENTICATE, "OAuth");
        }
        // Server-side faults are not described to the peer.
        let body = if status.is_server_error() {
            "server error".to_owned()
        } else {
            self.to_string()
        };
        b.body(body.into_bytes())
            .unwrap_or_else(|_| http::Response::new(Vec::new()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed(what) => write!(f, "malformed request: {what}"),
            Error::TooLarge(what) => write!(f, "too large: {what}"),
            Error::MissingParameter(p) => write!(f, "missing parameter {p}"),
            Error::DuplicateParameter(p) => write!(f, "duplicated protocol parameter {p}"),
            Error::UnsupportedParameter(p) => write!(f, "unsupported parameter {p}"),
            Error::UnsupportedSignatureMethod(m) => write!(f, "unsupported signature method {m}"),
            Error::PlaintextWithoutTls => f.write_str("PLAINTEXT is only allowed over https"),
            Error::TimestampOutsideWindow { timestamp, now } => write!(
                f,
                "timestamp {timestamp} is outside the accepted window around {now}"
            ),
            Error::NonceReplayed => f.write_str("nonce already used"),
            Error::InvalidSignature => f.write_str("invalid signature"),
            Error::BodyHashMismatch => f.write_str("oauth_body_hash does not match the body"),
            Error::InvalidConsumerKey => f.write_str("invalid consumer key"),
            Error::InvalidToken => f.write_str("invalid or expired token"),
            Error::InvalidVerifier => f.write_str("invalid verifier"),
            Error::Protocol(what) => write!(f, "protocol violation by the server: {what}"),
            Error::ErrorResponse { status, body } => {
                write!(f, "server answered {status}: {body}")
            }
            Error::Misuse(what) => write!(f, "API misuse: {what}"),
            Error::Jose(e) => write!(f, "crypto: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Jose(e) => Some(e),
            _ => None,
        }
    }
}

impl From<authcore_jose::Error> for Error {
    fn from(e: authcore_jose::Error) -> Self {
        match e {
            authcore_jose::Error::InvalidSignature => Error::InvalidSignature,
            e => Error::Jose(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_rfc5849_section_3_2() {
        assert_eq!(Error::MissingParameter("oauth_nonce").status(), 400);
        assert_eq!(
            Error::DuplicateParameter("oauth_nonce".into()).status(),
            400
        );
        assert_eq!(Error::UnsupportedSignatureMethod("X".into()).status(), 400);
        assert_eq!(Error::InvalidSignature.status(), 401);
        assert_eq!(Error::NonceReplayed.status(), 401);
        assert_eq!(Error::InvalidToken.status(), 401);
        let r = Error::InvalidSignature.to_response();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()[http::header::WWW_AUTHENTICATE], "OAuth");
        let r = Error::Misuse("secret detail".into()).to_response();
        assert_eq!(r.status(), 500);
        assert_eq!(r.body(), b"server error");
    }
}
