//! `application/x-www-form-urlencoded` (RFC 6749 Appendix B) and strict parameter sets.

use core::fmt;

use url::form_urlencoded;

use crate::error::{ProtocolError, Result};
use crate::secret::ClientSecret;
use crate::wire::{is_scope_token, split_scope};

/// Largest form body or query string the parsers accept, in bytes.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Most parameters in one form body or query string.
pub const MAX_FORM_PARAMETERS: usize = 256;

/// Encodes name/value pairs as `application/x-www-form-urlencoded` (the WHATWG algorithm RFC
/// 6749 Appendix B refers to: space becomes `+`, everything outside `*-._` and alphanumerics
/// is percent-encoded as UTF-8).
///
/// ```
/// let body = authcore_oauth2::encode_form([("grant_type", "client_credentials"), ("scope", "a b")]);
/// assert_eq!(body, "grant_type=client_credentials&scope=a+b");
/// ```
pub fn encode_form<'a, I>(pairs: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Encodes a single value with the form-urlencoding algorithm (used by `client_secret_basic`,
/// RFC 6749 §2.3.1).
pub(crate) fn encode_component(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A set of form or query parameters in which every name occurs at most once.
///
/// RFC 6749 §3.1 forbids repeating a parameter, and says a parameter sent without a value is
/// treated as omitted: empty values are dropped before the duplicate check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormParams {
    pairs: Vec<(String, String)>,
}

impl FormParams {
    /// Parses a form body or a query string (without the `?`), rejecting repeated names,
    /// inputs over [`MAX_FORM_BYTES`] and more than [`MAX_FORM_PARAMETERS`] parameters.
    pub fn parse(input: &[u8]) -> Result<Self> {
        Self::parse_allowing_repeats(input, &[])
    }

    /// As [`FormParams::parse`], except that the names in `repeatable` may occur several times
    /// (`resource` in RFC 8707, `audience` in RFC 8693).
    pub fn parse_allowing_repeats(input: &[u8], repeatable: &[&str]) -> Result<Self> {
        if input.len() > MAX_FORM_BYTES {
            return Err(ProtocolError::TooLarge {
                limit: MAX_FORM_BYTES,
            }
            .into());
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(input) {
            if v.is_empty() {
                continue;
            }
            if pairs.len() >= MAX_FORM_PARAMETERS {
                return Err(ProtocolError::TooLarge {
                    limit: MAX_FORM_BYTES,
                }
                .into());
            }
            if !repeatable.contains(&k.as_ref()) && pairs.iter().any(|(n, _)| *n == k) {
                return Err(ProtocolError::DuplicateParameter(k.into_owned()).into());
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(FormParams { pairs })
    }

    /// The value of `name`, if present (the first one for repeatable names).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// Reads a `scope` parameter a peer sent: space-delimited scope tokens of the RFC 6749 §3.3
/// syntax; a token outside it is the peer's protocol error.
pub(crate) fn parse_scope(value: &str) -> Result<Vec<String>> {
    let scope = split_scope(value);
    if scope.iter().all(|t| is_scope_token(t)) {
        Ok(scope)
    } else {
        Err(ProtocolError::InvalidParameter {
            name: "scope",
            reason: "not a list of RFC 6749 §3.3 scope tokens",
        }
        .into())
    }
}

/// The client identification and authentication parameters of a request to the token,
/// introspection, revocation, device authorization or PAR endpoint: `client_id` and
/// `client_secret` (RFC 6749 §2.3.1, `client_secret_post`), `client_assertion_type` and
/// `client_assertion` (RFC 7521 §4.2, RFC 7523 §2.2). HTTP Basic and mutual TLS
/// authentication travel outside the form and are not here.
///
/// `Debug` redacts the secret and the assertion; `==` compares the secret and the assertion
/// in constant time.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ClientAuthParams {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `client_secret`.
    pub client_secret: Option<ClientSecret>,
    /// `client_assertion_type`.
    pub client_assertion_type: Option<String>,
    /// `client_assertion`.
    pub client_assertion: Option<String>,
}

impl fmt::Debug for ClientAuthParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAuthParams")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client_assertion_type", &self.client_assertion_type)
            .field(
                "client_assertion",
                &self.client_assertion.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

impl PartialEq for ClientAuthParams {
    fn eq(&self, other: &Self) -> bool {
        let assertions_equal = match (&self.client_assertion, &other.client_assertion) {
            (Some(a), Some(b)) => authcore_jose::constant_time_eq(a.as_bytes(), b.as_bytes()),
            (a, b) => a.is_none() && b.is_none(),
        };
        // Evaluated in full, so the time does not tell which part differs.
        let public_equal = self.client_id == other.client_id
            && self.client_assertion_type == other.client_assertion_type;
        (self.client_secret == other.client_secret) & assertions_equal & public_equal
    }
}

impl Eq for ClientAuthParams {}

impl ClientAuthParams {
    /// The parameter names, in the order they are written (a server removes them from a
    /// request's other parameters with it).
    pub const NAMES: [&'static str; 4] = [
        "client_id",
        "client_secret",
        "client_assertion_type",
        "client_assertion",
    ];

    /// No parameters (the client authenticates with HTTP Basic or mutual TLS).
    pub fn none() -> Self {
        ClientAuthParams::default()
    }

    /// A public client or a client using mutual TLS: `client_id` only.
    pub fn public(client_id: impl Into<String>) -> Self {
        ClientAuthParams {
            client_id: Some(client_id.into()),
            ..Default::default()
        }
    }

    /// `client_secret_post`: `client_id` and `client_secret` (RFC 6749 §2.3.1).
    pub fn secret_post(client_id: impl Into<String>, secret: ClientSecret) -> Self {
        ClientAuthParams {
            client_id: Some(client_id.into()),
            client_secret: Some(secret),
            ..Default::default()
        }
    }

    /// A client assertion (RFC 7521 §4.2) of `assertion_type`, with the optional `client_id`.
    pub fn assertion(
        client_id: Option<String>,
        assertion_type: impl Into<String>,
        assertion: impl Into<String>,
    ) -> Self {
        ClientAuthParams {
            client_id,
            client_assertion_type: Some(assertion_type.into()),
            client_assertion: Some(assertion.into()),
            ..Default::default()
        }
    }

    /// Appends the parameters that are set, in [`ClientAuthParams::NAMES`] order.
    pub(crate) fn push_pairs<'a>(&'a self, pairs: &mut Vec<(&'a str, &'a str)>) {
        let values = [
            self.client_id.as_deref(),
            self.client_secret.as_ref().map(ClientSecret::secret),
            self.client_assertion_type.as_deref(),
            self.client_assertion.as_deref(),
        ];
        for (name, value) in Self::NAMES.into_iter().zip(values) {
            if let Some(v) = value {
                pairs.push((name, v));
            }
        }
    }

    /// Reads the parameters from a strict parameter set. `client_assertion` and
    /// `client_assertion_type` come together (RFC 7521 §4.2); a `client_secret` needs the
    /// `client_id` it belongs to (RFC 6749 §2.3.1); and a client uses one method only, never a
    /// secret and an assertion at once (RFC 6749 §2.3).
    pub fn from_params(params: &FormParams) -> Result<Self> {
        let get = |n| params.get(n).map(str::to_owned);
        let p = ClientAuthParams {
            client_id: get("client_id"),
            client_secret: get("client_secret").map(ClientSecret::new),
            client_assertion_type: get("client_assertion_type"),
            client_assertion: get("client_assertion"),
        };
        if p.client_assertion.is_some() != p.client_assertion_type.is_some() {
            let missing = if p.client_assertion.is_some() {
                "client_assertion_type"
            } else {
                "client_assertion"
            };
            return Err(ProtocolError::MissingParameter(missing).into());
        }
        if p.client_secret.is_some() && p.client_id.is_none() {
            return Err(ProtocolError::MissingParameter("client_id").into());
        }
        if p.client_secret.is_some() && p.client_assertion.is_some() {
            return Err(ProtocolError::Malformed(
                "more than one client authentication method (RFC 6749 §2.3)",
            )
            .into());
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn encodes_like_appendix_b() {
        // RFC 6749 Appendix B: " %&+£€" encodes as "+%25%26%2B%C2%A3%E2%82%AC".
        assert_eq!(
            encode_form([("value", " %&+£€")]),
            "value=+%25%26%2B%C2%A3%E2%82%AC"
        );
        assert_eq!(encode_component(" %&+£€"), "+%25%26%2B%C2%A3%E2%82%AC");
    }

    #[test]
    fn rejects_duplicates_drops_empty() {
        let p = FormParams::parse(b"code=a&state=&state=x&b=").unwrap();
        assert_eq!(p.get("code"), Some("a"));
        assert_eq!(p.get("state"), Some("x"));
        assert_eq!(p.get("b"), None);
        assert!(matches!(
            FormParams::parse(b"code=a&code=b"),
            Err(Error::Protocol(ProtocolError::DuplicateParameter(n))) if n == "code"
        ));
        // Percent-encoded names are decoded before the comparison.
        assert!(FormParams::parse(b"code=a&%63ode=b").is_err());
        let r =
            FormParams::parse_allowing_repeats(b"resource=a&resource=b", &["resource"]).unwrap();
        assert_eq!(r.get_all("resource").collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn rejects_oversized_input() {
        let big = vec![b'a'; MAX_FORM_BYTES + 1];
        assert!(FormParams::parse(&big).is_err());
        let many: String = (0..=MAX_FORM_PARAMETERS)
            .map(|i| format!("k{i}=v&"))
            .collect();
        assert!(FormParams::parse(many.as_bytes()).is_err());
    }
}
