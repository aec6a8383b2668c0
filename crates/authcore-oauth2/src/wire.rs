//! The OAuth 2.0 messages of the back channel and the front channel, side-neutral: every
//! type here can be built with constructors, serialized exactly as its RFC specifies
//! (form-encoded requests, JSON responses with absent members omitted and numbers as numbers)
//! and strictly parsed (duplicate members or parameters, wrong JSON types and missing
//! required members are errors; unknown members are kept where the RFC allows extensions). A
//! client and an authorization server use the same types: the client builds requests and
//! parses responses, the server parses requests and emits responses (the `to_http_response`
//! methods add the headers RFC 6749 §5.1 requires).
//!
//! The types stay in the modules of their specifications, next to the client functions
//! that send and check them (`parse_token_response` adds the client's policy — accepted
//! token types, provider quirks — to the strict reading of [`TokenResponse::from_json`]);
//! this module gathers them in one place, so a server crate finds every message without the
//! client machinery.
//!
//! | message | type | form |
//! |---|---|---|
//! | token request (RFC 6749 §4, §6; RFC 7523; RFC 8628 §3.4; RFC 8693) | [`TokenRequest`] | form |
//! | token response (RFC 6749 §5.1) | [`TokenResponse`] | JSON |
//! | error response (RFC 6749 §5.2; RFC 7591 §3.2.2) | [`ErrorResponse`] | JSON |
//! | introspection request / response (RFC 7662) | [`IntrospectionRequest`] / [`IntrospectionResponse`] | form / JSON |
//! | revocation request (RFC 7009) | [`RevocationRequest`] | form |
//! | device authorization request / response (RFC 8628 §3.1, §3.2) | [`DeviceAuthorizationRequest`] / [`DeviceAuthorizationResponse`] | form / JSON |
//! | PAR response (RFC 9126 §2.2) | [`PushedAuthorizationResponse`] | JSON |
//! | authorization server metadata (RFC 8414) | [`AuthorizationServerMetadata`] | JSON |
//! | client registration (RFC 7591) | [`ClientMetadata`] / [`ClientInformationResponse`] | JSON |
//! | client authentication parameters (RFC 6749 §2.3.1, RFC 7521 §4.2) | [`ClientAuthParams`] | form |
//! | authorization request, front channel (RFC 6749 §4.1.1, §4.2.1; RFC 7636 §4.3; OpenID Connect Core §3.1.2.1) | [`AuthorizationRequestParams`] | query / form |
//! | authorization response, success or error, front channel (RFC 6749 §4.1.2, §4.1.2.1, §4.2.2; RFC 9207 §2) | [`AuthorizationResponseParams`] ([`AuthorizationSuccess`], [`AuthorizationError`]) | query / fragment / form |
//!
//! OpenID provider metadata (OpenID Connect Discovery 1.0 §3) builds on
//! [`AuthorizationServerMetadata`] in authcore-oidc (`ProviderMetadata`). The authorization
//! request and response, a front-channel exchange, live with the authorization request and
//! are gathered here too.
//!
//! The crate-private half of this module holds the HTTP helpers every endpoint shares: form
//! POST requests and bounded JSON responses.

pub use crate::authorization::{
    AuthorizationError, AuthorizationRequestParams, AuthorizationResponseParams,
    AuthorizationSuccess, ResponseMode, ResponseType,
};
pub use crate::device::{DeviceAuthorizationRequest, DeviceAuthorizationResponse};
pub use crate::error::{ErrorCode, ErrorResponse};
pub use crate::form::ClientAuthParams;
pub use crate::introspection::{
    IntrospectionRequest, IntrospectionResponse, RevocationRequest, TokenHintRequest, TokenTypeHint,
};
pub use crate::metadata::AuthorizationServerMetadata;
pub use crate::par::PushedAuthorizationResponse;
pub use crate::registration::{ClientInformationResponse, ClientMetadata};
pub use crate::token::{TokenRequest, TokenResponse, TokenType};

use http::header::{ACCEPT, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response};
use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, ProtocolError, Result};
use crate::form::encode_form;
use crate::json_object::{JsonObject, Members, NoMembers};

/// Largest response body the parsers accept, in bytes. Token, error, introspection and metadata
/// documents are far smaller; the limit bounds the work a hostile server can cause.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
pub(crate) const JSON: &str = "application/json";

/// A form POST being assembled: endpoint, parameters, extra headers. Client authentication
/// and DPoP add to it before it becomes an `http::Request`.
#[derive(Debug, Clone)]
pub(crate) struct FormPost {
    pub(crate) url: Url,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) authorization: Option<HeaderValue>,
    pub(crate) accept: &'static str,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl FormPost {
    pub(crate) fn new(url: &Url) -> Self {
        FormPost {
            url: url.clone(),
            params: Vec::new(),
            authorization: None,
            accept: JSON,
            headers: Vec::new(),
        }
    }

    pub(crate) fn param(&mut self, name: &str, value: &str) {
        self.params.push((name.to_owned(), value.to_owned()));
    }

    pub(crate) fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|(k, _)| k == name)
    }

    pub(crate) fn into_request(self) -> Result<Request<Vec<u8>>> {
        let body = encode_form(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(self.url.as_str())
            .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
            .header(ACCEPT, self.accept);
        if let Some(a) = self.authorization {
            b = b.header(AUTHORIZATION, a);
        }
        for (k, v) in self.headers {
            b = b.header(k, v);
        }
        b.body(body.into_bytes())
            .map_err(|_| Error::Misuse("endpoint URL is not a valid HTTP URI"))
    }
}

/// A GET request with `Accept: application/json`.
pub(crate) fn get_json(url: &Url) -> Result<Request<Vec<u8>>> {
    Request::builder()
        .method(Method::GET)
        .uri(url.as_str())
        .header(ACCEPT, JSON)
        .body(Vec::new())
        .map_err(|_| Error::Misuse("URL is not a valid HTTP URI"))
}

/// The media type of a `Content-Type` value, lowercased, without parameters.
pub(crate) fn media_type(resp: &Response<Vec<u8>>) -> Option<String> {
    let v = resp.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

#[cfg(test)]
fn is_json_media_type(m: &str) -> bool {
    m == JSON || (m.starts_with("application/") && m.ends_with("+json"))
}

/// Whether the response's `Content-Type` is JSON: `application/json` or `application/*+json`
/// (RFC 6838 §4.2.8), parameters ignored, compared case-insensitively without allocating. The
/// one rule every JSON response of this crate and the crates above it is held to.
pub fn has_json_content_type(resp: &Response<Vec<u8>>) -> bool {
    let Some(v) = resp.headers().get(CONTENT_TYPE) else {
        return false;
    };
    // `to_str` succeeds for visible ASCII and tabs only, so byte-wise ASCII case folding and
    // trimming are exact.
    let Ok(v) = v.to_str() else {
        return false;
    };
    let m = v.split(';').next().unwrap_or("").trim().as_bytes();
    let (prefix, suffix) = (b"application/".as_slice(), b"+json".as_slice());
    m.eq_ignore_ascii_case(JSON.as_bytes())
        || (m.len() >= prefix.len() + suffix.len()
            && m[..prefix.len()].eq_ignore_ascii_case(prefix)
            && m[m.len() - suffix.len()..].eq_ignore_ascii_case(suffix))
}

/// How strictly a JSON response's `Content-Type` is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentTypeCheck {
    /// `application/json` (or a `+json` type) required.
    Json,
    /// Any `Content-Type`, including none: the body must still be strict JSON.
    Any,
}

fn check_size(resp: &Response<Vec<u8>>) -> Result<()> {
    if resp.body().len() > MAX_RESPONSE_BYTES {
        return Err(ProtocolError::TooLarge {
            limit: MAX_RESPONSE_BYTES,
        }
        .into());
    }
    Ok(())
}

/// Reads an OAuth JSON response: a 2xx status with a JSON object that has no `error` member is
/// the success body; a JSON object with `error` (any status, including 200, as some servers
/// send) is [`Error::Server`]; anything else is a protocol error. The members are returned as a
/// map, for responses whose members the caller reads itself.
pub(crate) fn read_json_response(
    resp: &Response<Vec<u8>>,
    check: ContentTypeCheck,
) -> Result<Map<String, Value>> {
    Ok(read_json_object::<NoMembers, 0>(resp, check)?.take_extra())
}

/// [`read_json_response`] into a [`JsonObject`] with the registered members `T`.
pub(crate) fn read_json_object<'a, T: Members<N>, const N: usize>(
    resp: &'a Response<Vec<u8>>,
    check: ContentTypeCheck,
) -> Result<JsonObject<'a, T, N>> {
    check_size(resp)?;
    let status = resp.status();
    let json_typed = has_json_content_type(resp);
    if !status.is_success() {
        // Error bodies are only trusted when they are JSON objects with `error` (RFC 6749 §5.2).
        if json_typed || check == ContentTypeCheck::Any {
            if let Ok(mut body) = JsonObject::<T, N>::parse(resp.body()) {
                if let Some(err) = body.take_error(Some(status.as_u16()))? {
                    return Err(Error::Server(err));
                }
            }
        }
        return Err(ProtocolError::UnexpectedStatus {
            status: status.as_u16(),
        }
        .into());
    }
    if check == ContentTypeCheck::Json && !json_typed {
        return Err(ProtocolError::ContentType {
            expected: JSON,
            received: content_type(resp),
        }
        .into());
    }
    let mut body = JsonObject::parse(resp.body())?;
    if let Some(err) = body.take_error(Some(status.as_u16()))? {
        return Err(Error::Server(err));
    }
    Ok(body)
}

/// A JSON document (no HTTP response around it) of at most [`MAX_RESPONSE_BYTES`], parsed
/// strictly with the registered members `T`.
pub(crate) fn parse_json_document<'a, T: Members<N>, const N: usize>(
    body: &'a [u8],
) -> Result<JsonObject<'a, T, N>> {
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(ProtocolError::TooLarge {
            limit: MAX_RESPONSE_BYTES,
        }
        .into());
    }
    JsonObject::parse(body)
}

/// A JSON object document of at most [`MAX_RESPONSE_BYTES`] as a plain map (strict: duplicate
/// members refused), for values whose members the caller reads itself.
pub(crate) fn parse_json_object(body: &[u8]) -> Result<Map<String, Value>> {
    Ok(parse_json_document::<NoMembers, 0>(body)?.take_extra())
}

/// Whether the `Cache-Control` fields of `headers` hold `directive` (RFC 9111 §5.2: a
/// comma-separated list of `token [ "=" ( token / quoted-string ) ]`, names compared
/// case-insensitively, several fields combined). Commas inside quoted strings do not split.
pub(crate) fn has_cache_directive(headers: &HeaderMap, directive: &str) -> bool {
    headers.get_all(CACHE_CONTROL).iter().any(|v| {
        let v = v.as_bytes();
        let (mut start, mut quoted, mut escaped) = (0, false, false);
        for i in 0..=v.len() {
            let c = v.get(i).copied();
            if quoted {
                match c {
                    _ if escaped => escaped = false,
                    Some(b'\\') => escaped = true,
                    Some(b'"') => quoted = false,
                    _ => {}
                }
                continue;
            }
            match c {
                Some(b'"') => quoted = true,
                Some(b',') | None => {
                    let item = &v[start..i];
                    let name = item.split(|&b| b == b'=').next().unwrap_or(item);
                    if name.trim_ascii().eq_ignore_ascii_case(directive.as_bytes()) {
                        return true;
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        false
    })
}

pub(crate) fn content_type(resp: &Response<Vec<u8>>) -> Option<String> {
    resp.headers()
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Checks an endpoint URL the caller configured: absolute `https` (or `http` to a loopback
/// host — `localhost`, `127.0.0.0/8`, `::1` — for local development and tests), no fragment
/// (RFC 6749 §3.1, §3.2). The same rule serves every endpoint this crate and the crates above
/// it call. A URL that fails it is [`Error::InvalidEndpoint`], naming the URL: the caller
/// chose it. For a URL that came from the server use [`check_server_endpoint`], which blames
/// the server.
pub fn check_endpoint(url: &str) -> Result<Url> {
    endpoint_rule(url).map_err(|reason| Error::InvalidEndpoint {
        url: url.to_owned(),
        reason,
    })
}

/// Checks an endpoint URL the server published (a metadata endpoint, an
/// `mtls_endpoint_aliases` entry, a `jwks_uri`, a claim source endpoint) by the rule of
/// [`check_endpoint`]. A URL that fails it is the server's fault:
/// [`ProtocolError::InvalidEndpoint`] naming the member `name` that held it.
pub fn check_server_endpoint(url: &str, name: &'static str) -> Result<Url> {
    endpoint_rule(url).map_err(|reason| {
        ProtocolError::InvalidEndpoint {
            name,
            url: url.to_owned(),
            reason,
        }
        .into()
    })
}

/// The one endpoint rule; the caller of it decides who is at fault.
fn endpoint_rule(url: &str) -> core::result::Result<Url, &'static str> {
    let u = Url::parse(url).map_err(|_| "it is not an absolute URL")?;
    if u.fragment().is_some() {
        return Err("it must not have a fragment (RFC 6749 §3.1)");
    }
    match u.scheme() {
        "https" => Ok(u),
        "http" if is_loopback(&u) => Ok(u),
        // RFC 8252 §7.3, §8.3: plain http only where the traffic never leaves the machine.
        _ => Err(
            "it must use https; only a loopback host (localhost, 127.0.0.0/8, ::1) is exempt \
             and may use plain http",
        ),
    }
}

/// Whether `u`'s host is a loopback host: `localhost`, `127.0.0.0/8` or `::1` (RFC 8252 §7.3,
/// RFC 6761 §6.3). The one place this rule is written; plain `http` is allowed only there.
pub fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Splits a space-delimited `scope` value (RFC 6749 §3.3), ignoring empty tokens.
pub fn split_scope(s: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(s.bytes().filter(|&b| b == b' ').count() + 1);
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b' ' {
            // Both ends are next to an ASCII space (or at an end): character boundaries.
            if let Some(t) = s.get(start..i).filter(|t| !t.is_empty()) {
                out.push(t.to_owned());
            }
            start = i + 1;
        }
    }
    if let Some(t) = s.get(start..).filter(|t| !t.is_empty()) {
        out.push(t.to_owned());
    }
    out
}

/// Whether `s` is a scope token: `1*( %x21 / %x23-5B / %x5D-7E )` (RFC 6749 §3.3).
pub(crate) fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// Checks a scope token the caller gave (see [`is_scope_token`]).
pub(crate) fn check_scope_token(s: &str) -> Result<()> {
    if !is_scope_token(s) {
        return Err(Error::Misuse(
            "scope tokens are non-empty printable ASCII without space, `\"` or `\\`",
        ));
    }
    Ok(())
}

/// Checks a resource indicator: an absolute URI without a fragment (RFC 8707 §2).
pub(crate) fn check_resource(s: &str) -> Result<()> {
    let u =
        Url::parse(s).map_err(|_| Error::Misuse("a resource indicator must be an absolute URI"))?;
    if u.fragment().is_some() {
        return Err(Error::Misuse(
            "a resource indicator must not have a fragment",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, ct: Option<&str>, body: &str) -> Response<Vec<u8>> {
        let mut b = Response::builder().status(status);
        if let Some(ct) = ct {
            b = b.header(CONTENT_TYPE, ct);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn json_responses() {
        let ok = read_json_response(
            &resp(200, Some("application/json; charset=UTF-8"), "{}"),
            ContentTypeCheck::Json,
        );
        assert!(ok.is_ok());
        let r = read_json_response(&resp(200, Some("text/html"), "{}"), ContentTypeCheck::Json);
        assert!(matches!(
            r,
            Err(Error::Protocol(ProtocolError::ContentType { .. }))
        ));
        assert!(read_json_response(&resp(200, None, "{}"), ContentTypeCheck::Any).is_ok());
        let r = read_json_response(
            &resp(500, Some("text/html"), "<html>"),
            ContentTypeCheck::Json,
        );
        assert_eq!(
            r,
            Err(ProtocolError::UnexpectedStatus { status: 500 }.into())
        );
        let r = read_json_response(
            &resp(
                400,
                Some("application/json"),
                r#"{"error":"invalid_grant"}"#,
            ),
            ContentTypeCheck::Json,
        );
        assert!(
            matches!(r, Err(Error::Server(e)) if e.error == crate::ErrorCode::InvalidGrant && e.status == Some(400))
        );
        let r = read_json_response(
            &resp(400, Some("application/json"), r#"{"error":5}"#),
            ContentTypeCheck::Json,
        );
        assert!(matches!(
            r,
            Err(Error::Protocol(ProtocolError::InvalidParameter {
                name: "error",
                ..
            }))
        ));
    }

    #[test]
    fn json_media_types() {
        for ct in [
            "application/json",
            "Application/JSON; charset=UTF-8",
            " application/json ;x",
            "\tapplication/json\t",
            "application/jwk-set+json",
            "APPLICATION/PROBLEM+JSON",
            "application/+json",
            "application/jsonx",
            "text/json",
            "application/json+x",
            "application+json",
            "applicatio/+json",
            "",
            ";application/json",
        ] {
            let r = resp(200, Some(ct), "{}");
            let expected = media_type(&r).as_deref().is_some_and(is_json_media_type);
            assert_eq!(has_json_content_type(&r), expected, "{ct:?}");
        }
        assert!(!has_json_content_type(&resp(200, None, "{}")));
        let mut r = resp(200, None, "{}");
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_bytes(b"application/json\xe9").unwrap(),
        );
        assert!(!has_json_content_type(&r));
    }

    #[test]
    fn cache_control_directives() {
        let has = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(CACHE_CONTROL, HeaderValue::from_str(v).unwrap());
            }
            has_cache_directive(&h, "no-store")
        };
        assert!(has(&["no-store"]));
        assert!(has(&["No-Store"]));
        assert!(has(&["private, max-age=0 ,  no-store"]));
        assert!(has(&["max-age=0", "no-store"]));
        assert!(has(&["no-cache=\"a\", no-store"]));
        assert!(!has(&[]));
        assert!(!has(&["no-cache"]));
        assert!(!has(&["no-storex, xno-store"]));
        // Inside a quoted string, `no-store` is a value, not a directive.
        assert!(!has(&["private=\"x, no-store\""]));
        assert!(!has(&["private=\"x\\\", no-store\""]));
        assert!(!has(&[""]));
    }

    #[test]
    fn endpoints() {
        assert!(check_endpoint("https://as.example/token").is_ok());
        assert!(check_endpoint("http://localhost:8080/token").is_ok());
        assert!(check_endpoint("http://127.0.0.1/token").is_ok());
        assert!(check_endpoint("http://as.example/token").is_err());
        assert!(check_endpoint("https://as.example/token#x").is_err());
        assert!(check_endpoint("/token").is_err());
        assert!(matches!(
            check_endpoint("http://as.example/token"),
            Err(Error::InvalidEndpoint { .. })
        ));
    }

    #[test]
    fn refused_endpoints_name_the_url_and_the_loopback_exemption() {
        let e = check_endpoint("http://as.example/token").unwrap_err();
        assert_eq!(
            e,
            Error::InvalidEndpoint {
                url: "http://as.example/token".into(),
                reason: "it must use https; only a loopback host (localhost, 127.0.0.0/8, \
                         ::1) is exempt and may use plain http",
            }
        );
        assert_eq!(
            e.to_string(),
            "configured endpoint `http://as.example/token` is unusable: it must use https; \
             only a loopback host (localhost, 127.0.0.0/8, ::1) is exempt and may use plain http"
        );
        let e = check_server_endpoint("http://op.example/jwks", "jwks_uri").unwrap_err();
        assert_eq!(
            e.to_string(),
            "protocol violation by the peer: endpoint `jwks_uri` from the server \
             (`http://op.example/jwks`) is unusable: it must use https; only a loopback host \
             (localhost, 127.0.0.0/8, ::1) is exempt and may use plain http"
        );
        for (bad, reason) in [
            ("/token", "it is not an absolute URL"),
            (
                "https://as.example/t#x",
                "it must not have a fragment (RFC 6749 §3.1)",
            ),
        ] {
            assert_eq!(
                check_endpoint(bad),
                Err(Error::InvalidEndpoint {
                    url: bad.into(),
                    reason
                })
            );
        }
        // The exemption itself.
        for ok in [
            "http://localhost:8080/token",
            "http://127.0.0.1/token",
            "http://[::1]/token",
        ] {
            assert!(check_endpoint(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn server_endpoints_blame_the_server() {
        assert!(check_server_endpoint("https://as.example/token", "token_endpoint").is_ok());
        assert!(check_server_endpoint("http://[::1]:8080/token", "token_endpoint").is_ok());
        for bad in [
            "http://as.example/token",
            "https://as.example/t#x",
            "/token",
            "ftp://x",
        ] {
            assert!(
                matches!(
                    check_server_endpoint(bad, "jwks_uri"),
                    Err(Error::Protocol(ProtocolError::InvalidEndpoint {
                        name: "jwks_uri",
                        ..
                    }))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn scope_splitting() {
        for s in ["", " ", "a", "a b", " a  b ", "read:all  write é", "x\ty z"] {
            let expected: Vec<String> = s
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            assert_eq!(split_scope(s), expected, "{s:?}");
        }
    }

    #[test]
    fn scope_tokens() {
        assert!(check_scope_token("read:all").is_ok());
        for bad in ["", "a b", "a\"b", "a\\b", "é"] {
            assert!(check_scope_token(bad).is_err(), "{bad}");
        }
    }
}
