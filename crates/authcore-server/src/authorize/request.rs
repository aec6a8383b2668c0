//! Reading an authorization request from the front channel: the query of a GET or the form
//! body of a POST (RFC 6749 §3.1; OpenID Connect Core §3.1.2.1).
//!
//! The request is read in two layers, because what may be done with an error depends on
//! parameters that may themselves be broken. First the parameters that decide where an error
//! can go (`client_id`, `redirect_uri`, `state`, `response_type`, `response_mode`) are taken
//! out, each only when it occurs exactly once; then the whole set is parsed strictly into
//! [`AuthorizationRequestParams`] (the side-neutral message of authcore-oauth2). A failure of
//! the strict parse becomes an `invalid_request` error that is redirected once the client and
//! its redirect URI check out, and is shown to the user otherwise (RFC 6749 §4.1.2.1).

use authcore_oauth2::wire::AuthorizationRequestParams;
use authcore_oauth2::{Error as OAuthError, MAX_FORM_BYTES, MAX_FORM_PARAMETERS, ProtocolError};
use http::header::CONTENT_TYPE;
use http::{Method, Request};
use url::form_urlencoded;

/// An authorization request as read from the HTTP request, before any check that needs the
/// client.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontChannelRequest {
    /// `client_id`, when present exactly once.
    pub client_id: Option<String>,
    /// `redirect_uri`, when present exactly once.
    pub redirect_uri: Option<String>,
    /// Whether `client_id` or `redirect_uri` occurs more than once: the client or the place
    /// to answer cannot be told, so any error is shown to the user.
    pub ambiguous_target: bool,
    /// `state`, when present exactly once, to round-trip in an error response.
    pub state: Option<String>,
    /// `response_type`, when present exactly once (it decides the default response mode of an
    /// error response).
    pub response_type: Option<String>,
    /// `response_mode`, when present exactly once.
    pub response_mode: Option<String>,
    /// `request` (RFC 9101 §5.1), when present exactly once. With it, or with `request_uri`,
    /// the outer parameters other than `client_id` do not count and need not be valid.
    pub request: Option<String>,
    /// `request_uri` (RFC 9101 §5.2, RFC 9126 §4), when present exactly once.
    pub request_uri: Option<String>,
    /// The strict parse of every parameter, or why it failed.
    pub params: Result<AuthorizationRequestParams, String>,
}

/// Why an authorization request could not be read at all; shown to the user, never redirected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnreadableRequest {
    /// Neither GET nor POST (RFC 6749 §3.1: GET must be supported, POST may be).
    Method,
    /// A POST whose body is not `application/x-www-form-urlencoded`.
    ContentType,
    /// Larger than the form limits of authcore-oauth2.
    TooLarge,
}

/// Reads the authorization request carried by `req`: its query for GET, its form body for
/// POST (OpenID Connect Core §3.1.2.1 lets a client POST the request). Never panics on any
/// input; bounded by authcore-oauth2's form limits.
pub fn read_front_channel_request(
    req: &Request<Vec<u8>>,
) -> Result<FrontChannelRequest, UnreadableRequest> {
    let input: &[u8] = match *req.method() {
        Method::GET => req.uri().query().unwrap_or("").as_bytes(),
        Method::POST => {
            let form = req
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                });
            if !form {
                return Err(UnreadableRequest::ContentType);
            }
            req.body()
        }
        _ => return Err(UnreadableRequest::Method),
    };
    parse_front_channel(input)
}

/// Reads authorization parameters from a query string or form body (see
/// [`read_front_channel_request`]).
pub fn parse_front_channel(input: &[u8]) -> Result<FrontChannelRequest, UnreadableRequest> {
    if input.len() > MAX_FORM_BYTES {
        return Err(UnreadableRequest::TooLarge);
    }
    let mut seen: [(&str, u32, Option<String>); 7] = [
        ("client_id", 0, None),
        ("redirect_uri", 0, None),
        ("state", 0, None),
        ("response_type", 0, None),
        ("response_mode", 0, None),
        ("request", 0, None),
        ("request_uri", 0, None),
    ];
    let mut count = 0usize;
    for (k, v) in form_urlencoded::parse(input) {
        count += 1;
        if count > MAX_FORM_PARAMETERS {
            return Err(UnreadableRequest::TooLarge);
        }
        // RFC 6749 §3.1: a parameter without a value is treated as omitted.
        if v.is_empty() {
            continue;
        }
        if let Some(slot) = seen.iter_mut().find(|(name, _, _)| *name == k) {
            slot.1 += 1;
            slot.2 = Some(v.into_owned());
        }
    }
    let once = |i: usize| -> Option<String> {
        let (_, n, v) = &seen[i];
        if *n == 1 { v.clone() } else { None }
    };
    let params = AuthorizationRequestParams::parse(input).map_err(|e| describe(&e));
    Ok(FrontChannelRequest {
        client_id: once(0),
        redirect_uri: once(1),
        ambiguous_target: seen[0].1 > 1 || seen[1].1 > 1,
        state: once(2),
        response_type: once(3),
        response_mode: once(4),
        request: once(5),
        request_uri: once(6),
        params,
    })
}

/// A short description of a parse failure for `error_description` (RFC 6749 §4.1.2.1).
pub(crate) fn describe(e: &OAuthError) -> String {
    match e {
        OAuthError::Protocol(ProtocolError::DuplicateParameter(name)) => {
            format!("parameter {name} is repeated")
        }
        OAuthError::Protocol(ProtocolError::MissingParameter(name)) => {
            format!("parameter {name} is missing")
        }
        OAuthError::Protocol(ProtocolError::InvalidParameter { name, reason }) => {
            format!("parameter {name}: {reason}")
        }
        OAuthError::Protocol(ProtocolError::TooLarge { .. }) => "request too large".to_owned(),
        _ => "malformed request".to_owned(),
    }
}

/// Whether any parameter other than [`REPEATABLE`] ones is repeated; used by tests and the
/// property tests to state the rule the strict parse enforces.
#[cfg(test)]
fn has_repeated(input: &[u8]) -> bool {
    let mut names: Vec<String> = Vec::new();
    for (k, v) in form_urlencoded::parse(input) {
        // RFC 8707 §2: `resource` may repeat.
        if v.is_empty() || k == "resource" {
            continue;
        }
        if names.iter().any(|n| *n == k) {
            return true;
        }
        names.push(k.into_owned());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn get(query: &str) -> Request<Vec<u8>> {
        Request::get(format!("https://as.example/authorize?{query}"))
            .body(Vec::new())
            .unwrap()
    }

    #[test]
    fn reads_get_and_post() {
        let q =
            "response_type=code&client_id=c1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s";
        let r = read_front_channel_request(&get(q)).unwrap();
        assert_eq!(r.client_id.as_deref(), Some("c1"));
        assert_eq!(r.redirect_uri.as_deref(), Some("https://app.example/cb"));
        assert_eq!(r.state.as_deref(), Some("s"));
        assert!(r.params.is_ok());
        let post = Request::post("https://as.example/authorize")
            .header(
                CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(q.as_bytes().to_vec())
            .unwrap();
        assert_eq!(read_front_channel_request(&post).unwrap(), r);
    }

    #[test]
    fn rejects_other_methods_and_content_types() {
        let put = Request::put("https://as.example/authorize?client_id=c")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            read_front_channel_request(&put),
            Err(UnreadableRequest::Method)
        );
        let json = Request::post("https://as.example/authorize")
            .header(CONTENT_TYPE, "application/json")
            .body(b"{}".to_vec())
            .unwrap();
        assert_eq!(
            read_front_channel_request(&json),
            Err(UnreadableRequest::ContentType)
        );
        let big = vec![b'a'; MAX_FORM_BYTES + 1];
        assert_eq!(parse_front_channel(&big), Err(UnreadableRequest::TooLarge));
    }

    #[test]
    fn duplicates_are_refused_and_never_chosen_from() {
        let r = parse_front_channel(b"response_type=code&client_id=c1&state=a&state=b").unwrap();
        assert_eq!(r.client_id.as_deref(), Some("c1"));
        assert_eq!(r.state, None);
        assert!(!r.ambiguous_target);
        assert_eq!(r.params.unwrap_err(), "parameter state is repeated");
        let r = parse_front_channel(
            b"response_type=code&client_id=c1&redirect_uri=https://a/cb&redirect_uri=https://evil/cb",
        )
        .unwrap();
        assert!(r.ambiguous_target);
        assert_eq!(r.redirect_uri, None);
        let r = parse_front_channel(b"client_id=c1&client_id=c2").unwrap();
        assert!(r.ambiguous_target);
        assert_eq!(r.client_id, None);
    }

    #[test]
    fn resource_may_repeat() {
        let r = parse_front_channel(
            b"response_type=code&client_id=c&resource=https://r1.example&resource=https://r2.example",
        )
        .unwrap();
        assert_eq!(r.params.unwrap().resource.len(), 2);
    }

    #[test]
    fn empty_values_count_as_absent() {
        let r = parse_front_channel(b"response_type=code&client_id=c&state=&state=x").unwrap();
        assert_eq!(r.state.as_deref(), Some("x"));
        assert!(r.params.is_ok());
    }

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse_front_channel(&input);
        }

        #[test]
        fn strict_parse_refuses_every_repeat(
            names in proptest::collection::vec(
                prop_oneof![
                    Just("client_id"), Just("state"), Just("scope"), Just("resource"),
                    Just("redirect_uri"), Just("response_type"), Just("x")
                ],
                0..8,
            ),
        ) {
            let mut q = String::from("response_type=code&client_id=c");
            for n in &names {
                q.push('&');
                q.push_str(n);
                q.push_str("=https%3A%2F%2Fv.example");
            }
            let r = parse_front_channel(q.as_bytes()).unwrap();
            if has_repeated(q.as_bytes()) {
                prop_assert!(r.params.is_err());
            }
        }
    }
}
