//! What a signed request is made of, read the same way by the client that signs it and the
//! server that verifies it: the method, the base string URI, and the parameters from the
//! query, the `Authorization` header and a form body (RFC 5849 §3.4.1.3.1).

use authcore_jose::crypto::CryptoProvider;
use url::Url;

use crate::encoding::parse_form;
use crate::error::Error;
use crate::signature::{normalize_parameters, signature_base_string};

/// Largest form body read for parameters (bounded input).
pub const MAX_FORM_BODY_BYTES: usize = 1024 * 1024;

/// Where the protocol parameters travel (RFC 5849 §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    /// The `Authorization: OAuth ...` header (§3.5.1), the recommended place.
    Header,
    /// The `application/x-www-form-urlencoded` body (§3.5.2).
    Body,
    /// The query of the request URI (§3.5.3).
    Query,
}

/// The protocol parameter names this crate knows: RFC 5849 §3.1, §2.1, §2.3, and
/// `oauth_body_hash` (OAuth Request Body Hash §3.1).
pub(crate) const PROTOCOL_PARAMETERS: [&str; 10] = [
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_version",
    "oauth_callback",
    "oauth_verifier",
    "oauth_body_hash",
];

/// Whether a `Content-Type` value is `application/x-www-form-urlencoded` (parameters such as
/// `charset` aside).
pub(crate) fn is_form(content_type: Option<&http::HeaderValue>) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The parameters of a request, by location, decoded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parameters {
    pub query: Vec<(String, String)>,
    pub header: Vec<(String, String)>,
    pub body: Vec<(String, String)>,
}

impl Parameters {
    /// Every parameter that enters the signature base string (§3.4.1.3.1): all of them except
    /// `oauth_signature` and the header's `realm`.
    pub fn signed(&self) -> impl Iterator<Item = (&str, &str)> {
        let header = self.header.iter().filter(|(n, _)| n != "realm");
        self.query
            .iter()
            .chain(header)
            .chain(self.body.iter())
            .filter(|(n, _)| n != "oauth_signature")
            .map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The signature base string of a request with these parameters.
    pub fn base_string(&self, method: &http::Method, base_uri: &str) -> String {
        signature_base_string(
            method.as_str(),
            base_uri,
            &normalize_parameters(self.signed()),
        )
    }
}

/// A request's absolute URL: the request target when it is absolute, else `scheme` and the
/// `Host` header (a server sees origin-form targets, RFC 9112 §3.2.1).
pub(crate) fn request_url<B>(req: &http::Request<B>, scheme: Option<&str>) -> Result<Url, Error> {
    let uri = req.uri();
    let text = if uri.scheme().is_some() {
        uri.to_string()
    } else {
        let scheme =
            scheme.ok_or_else(|| Error::Misuse("the request URI is not absolute".into()))?;
        let host = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or(Error::Malformed("no Host header"))?;
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        format!("{scheme}://{host}{path}")
    };
    Url::parse(&text).map_err(|_| Error::Malformed("request URI"))
}

/// Reads the query and the form body of a request (not the header).
pub(crate) fn read_query_and_body(
    url: &Url,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Parameters, Error> {
    let query = parse_form(url.query().unwrap_or(""))?;
    let body = if is_form(headers.get(http::header::CONTENT_TYPE)) {
        if body.len() > MAX_FORM_BODY_BYTES {
            return Err(Error::TooLarge("form body"));
        }
        let text =
            core::str::from_utf8(body).map_err(|_| Error::Malformed("form body is not UTF-8"))?;
        parse_form(text)?
    } else {
        Vec::new()
    };
    Ok(Parameters {
        query,
        header: Vec::new(),
        body,
    })
}

/// The `oauth_body_hash` of a body (OAuth Request Body Hash §3.2): base64 of its SHA-1
/// digest. That specification defines the hash for the SHA-1 signature methods only; SHA-1
/// is used with every method, as OAuthLib does, so that its peers and this crate agree.
pub(crate) fn body_hash(provider: &CryptoProvider, body: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(provider.digest(authcore_jose::DigestAlgorithm::Sha1, body))
}
