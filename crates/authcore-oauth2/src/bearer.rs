//! Using access tokens (RFC 6750 §2.1, the less preferred §2.2 and §2.3, RFC 9449 §7.1) and
//! reading resource servers' `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3,
//! RFC 9449 §7.1, RFC 9728 §5.1).

use http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

use crate::error::{Error, ErrorCode, ProtocolError, Result};
use crate::form::encode_form;
use crate::secret::AccessToken;
use crate::wire::{FORM_CONTENT_TYPE, split_scope};

/// Largest `WWW-Authenticate` input parsed, in bytes (all fields together).
pub const MAX_CHALLENGE_BYTES: usize = 16 * 1024;
/// Most challenges in one response.
pub const MAX_CHALLENGES: usize = 32;
/// Most parameters in one challenge.
pub const MAX_CHALLENGE_PARAMS: usize = 64;

/// The `Authorization: Bearer <token>` header value (RFC 6750 §2.1), marked sensitive.
pub fn bearer_authorization(token: &AccessToken) -> Result<HeaderValue> {
    // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 6750 §2.1)
    let t = token.secret();
    let body = t.trim_end_matches('=');
    if body.is_empty()
        || !body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
    {
        return Err(Error::Misuse("the access token is not a valid b64token"));
    }
    let mut v = HeaderValue::try_from(format!("Bearer {t}"))
        .map_err(|_| Error::Misuse("invalid header value"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// Sets `Authorization: Bearer <token>` on a request to a resource server: the method
/// resource servers must support and clients should use (RFC 6750 §2.1). The body and
/// query methods, [`authorize_bearer_in_form_body`] and [`authorize_bearer_in_uri_query`],
/// exist for environments that cannot set the header. For DPoP-bound tokens use [`DpopKey::attach_proof`](crate::DpopKey::attach_proof) or
/// [`DpopExchange`](crate::DpopExchange) instead.
pub fn authorize_bearer<B>(req: &mut Request<B>, token: &AccessToken) -> Result<()> {
    req.headers_mut()
        .insert(AUTHORIZATION, bearer_authorization(token)?);
    Ok(())
}

/// Puts the access token in the form-encoded body of a request to a resource server
/// (RFC 6750 §2.2): `access_token=<token>` is appended to the body's parameters.
///
/// **Less preferred than [`authorize_bearer`].** RFC 6750 §2.2 allows it only where the
/// `Authorization` header cannot be used (some browser environments), and only under the
/// conditions checked here, each a misuse error when not met:
///
/// - the method has defined request-body semantics: `POST`, `PUT` or `PATCH` (§2.2 forbids
///   `GET`);
/// - the body is single-part `application/x-www-form-urlencoded` (the `Content-Type` is set
///   when the request has none and an empty body) and entirely ASCII;
/// - the token is sent one way only (§2): no `Authorization` header, no `access_token` already
///   in the body or the query.
///
/// Servers are not required to accept this method ("MAY", RFC 6750 §2.2).
pub fn authorize_bearer_in_form_body(
    req: &mut Request<Vec<u8>>,
    token: &AccessToken,
) -> Result<()> {
    check_token_value(token)?;
    if !matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH) {
        return Err(Error::Misuse(
            "a bearer token in the body needs a method with a request body: POST, PUT or PATCH (RFC 6750 §2.2)",
        ));
    }
    check_single_method(req)?;
    match req.headers().get(CONTENT_TYPE) {
        None if req.body().is_empty() => {
            req.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
        }
        Some(v) if is_form_content_type(v) => {}
        _ => {
            return Err(Error::Misuse(
                "a bearer token in the body needs an application/x-www-form-urlencoded body (RFC 6750 §2.2)",
            ));
        }
    }
    let body = req.body();
    if !body.is_ascii() {
        return Err(Error::Misuse(
            "a form body carrying a bearer token must be ASCII (RFC 6750 §2.2)",
        ));
    }
    if has_access_token_param(body) {
        return Err(Error::Misuse(
            "the body already has an `access_token`: send the token one way only (RFC 6750 §2)",
        ));
    }
    let param = encode_form([("access_token", token.secret())]);
    let body = req.body_mut();
    if !body.is_empty() && !body.ends_with(b"&") {
        body.push(b'&');
    }
    body.extend_from_slice(param.as_bytes());
    Ok(())
}

/// Puts the access token in the query of a request to a resource server (RFC 6750 §2.3):
/// `access_token=<token>` is appended to the URI's query, and `Cache-Control: no-store` is
/// set, as §2.3 asks of clients using this method.
///
/// **Clients SHOULD NOT use this method** (RFC 6750 §2.3, §5.3; RFC 9700 §4.3.2): URLs end up
/// in server logs, browser history and `Referer` headers, so the token leaks. Use it only
/// where neither [`authorize_bearer`] nor [`authorize_bearer_in_form_body`] is possible, and
/// only with short-lived tokens. The token is sent one way only (RFC 6750 §2): a request that
/// already has an `Authorization` header or an `access_token` in its query is a misuse error.
/// The body (of any type here) is not inspected; [`authorize_bearer_in_form_body`] refuses a
/// request whose query already carries the token.
pub fn authorize_bearer_in_uri_query<B>(req: &mut Request<B>, token: &AccessToken) -> Result<()> {
    check_token_value(token)?;
    check_single_method(req)?;
    let uri = req.uri();
    let param = encode_form([("access_token", token.secret())]);
    let path = match uri.path() {
        "" => "/",
        p => p,
    };
    let path_and_query = match uri.query() {
        None | Some("") => format!("{path}?{param}"),
        Some(q) if q.ends_with('&') => format!("{path}?{q}{param}"),
        Some(q) => format!("{path}?{q}&{param}"),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(
        path_and_query
            .parse()
            .map_err(|_| Error::Misuse("the request URI cannot take a query"))?,
    );
    let new_uri =
        Uri::from_parts(parts).map_err(|_| Error::Misuse("the request URI cannot take a query"))?;
    *req.uri_mut() = new_uri;
    req.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(())
}

/// The body and query methods carry any non-empty token (form encoding escapes it); the
/// header method's stricter `b64token` syntax is checked by [`bearer_authorization`].
fn check_token_value(token: &AccessToken) -> Result<()> {
    if token.secret().is_empty() {
        return Err(Error::Misuse("the access token is empty"));
    }
    Ok(())
}

/// RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the token in each
/// request." Checks the header and the query.
fn check_single_method<B>(req: &Request<B>) -> Result<()> {
    if req.headers().contains_key(AUTHORIZATION) {
        return Err(Error::Misuse(
            "the request already has an Authorization header: send the token one way only (RFC 6750 §2)",
        ));
    }
    if req
        .uri()
        .query()
        .is_some_and(|q| has_access_token_param(q.as_bytes()))
    {
        return Err(Error::Misuse(
            "the query already has an `access_token`: send the token one way only (RFC 6750 §2)",
        ));
    }
    Ok(())
}

fn is_form_content_type(v: &HeaderValue) -> bool {
    v.to_str().is_ok_and(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case(FORM_CONTENT_TYPE)
    })
}

fn has_access_token_param(form: &[u8]) -> bool {
    url::form_urlencoded::parse(form).any(|(k, _)| k == "access_token")
}

/// One authentication challenge (RFC 9110 §11.6.1): a scheme with either a `token68` or
/// parameters. Parameter names are compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    scheme: String,
    token68: Option<String>,
    params: Vec<(String, String)>,
}

impl Challenge {
    /// The auth scheme as received (`Bearer`, `DPoP`...); compare case-insensitively.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Whether the scheme is `scheme` (case-insensitive).
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The `token68` form's value, if the challenge used it.
    pub fn token68(&self) -> Option<&str> {
        self.token68.as_deref()
    }

    /// A parameter's (unescaped) value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All parameters, names lowercased, in order.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `realm`.
    pub fn realm(&self) -> Option<&str> {
        self.param("realm")
    }

    /// `error` (RFC 6750 §3.1, RFC 9449 §7.1).
    pub fn error(&self) -> Option<ErrorCode> {
        self.param("error").map(ErrorCode::parse)
    }

    /// `error_description`.
    pub fn error_description(&self) -> Option<&str> {
        self.param("error_description")
    }

    /// `error_uri`.
    pub fn error_uri(&self) -> Option<&str> {
        self.param("error_uri")
    }

    /// `scope`, split (RFC 6750 §3).
    pub fn scope(&self) -> Option<Vec<String>> {
        self.param("scope").map(split_scope)
    }

    /// `resource_metadata`: the protected resource metadata URL (RFC 9728 §5.1).
    pub fn resource_metadata(&self) -> Option<&str> {
        self.param("resource_metadata")
    }

    /// `algs`: the DPoP signature algorithms the resource server accepts (RFC 9449 §7.1).
    pub fn algs(&self) -> Vec<String> {
        self.param("algs").map(split_scope).unwrap_or_default()
    }
}

/// Parses every `WWW-Authenticate` field of a response.
pub fn parse_www_authenticate_headers(headers: &HeaderMap) -> Result<Vec<Challenge>> {
    let mut out = Vec::new();
    let mut total = 0usize;
    for v in headers.get_all(WWW_AUTHENTICATE) {
        total += v.len();
        if total > MAX_CHALLENGE_BYTES {
            return Err(ProtocolError::TooLarge {
                limit: MAX_CHALLENGE_BYTES,
            }
            .into());
        }
        out.extend(parse_www_authenticate(v.as_bytes())?);
        if out.len() > MAX_CHALLENGES {
            return Err(ProtocolError::Malformed("too many challenges").into());
        }
    }
    Ok(out)
}

/// Parses one `WWW-Authenticate` field value: a comma-separated list of challenges, each a
/// scheme followed by a `token68` or by `name=value` parameters whose values are tokens or
/// quoted strings with `\` escapes (RFC 9110 §11.6.1, §5.6.4).
///
/// ```
/// let cs = authcore_oauth2::parse_www_authenticate(
///     br#"Bearer realm="example", error="invalid_token", error_description="The access token expired", DPoP algs="ES256 PS256""#,
/// )?;
/// assert_eq!(cs.len(), 2);
/// assert_eq!(cs[0].error(), Some(authcore_oauth2::ErrorCode::InvalidToken));
/// assert_eq!(cs[1].algs(), ["ES256", "PS256"]);
/// # Ok::<(), authcore_oauth2::Error>(())
/// ```
pub fn parse_www_authenticate(input: &[u8]) -> Result<Vec<Challenge>> {
    if input.len() > MAX_CHALLENGE_BYTES {
        return Err(ProtocolError::TooLarge {
            limit: MAX_CHALLENGE_BYTES,
        }
        .into());
    }
    let mut p = Parser { s: input, i: 0 };
    let mut out = Vec::new();
    loop {
        p.skip_list_separators();
        if p.at_end() {
            break;
        }
        if out.len() >= MAX_CHALLENGES {
            return Err(ProtocolError::Malformed("too many challenges").into());
        }
        let scheme = p.token().ok_or(malformed("expected an auth scheme"))?;
        let mut ch = Challenge {
            scheme,
            token68: None,
            params: Vec::new(),
        };
        let had_space = p.skip_ws();
        if p.at_end() || p.peek() == Some(b',') {
            out.push(ch);
            continue;
        }
        if !had_space {
            return Err(malformed("expected a space after the auth scheme"));
        }
        if let Some(t) = p.try_token68() {
            ch.token68 = Some(t);
            out.push(ch);
            continue;
        }
        // #auth-param: parameters until a comma followed by something that is not a parameter.
        loop {
            let name = p
                .token()
                .ok_or(malformed("expected a parameter name"))?
                .to_ascii_lowercase();
            p.skip_ws();
            if p.peek() != Some(b'=') {
                return Err(malformed("expected `=` after a parameter name"));
            }
            p.i += 1;
            p.skip_ws();
            let value = if p.peek() == Some(b'"') {
                p.quoted_string()?
            } else {
                p.token()
                    .ok_or(malformed("expected a token or a quoted string"))?
            };
            if ch.params.iter().any(|(k, _)| *k == name) {
                // RFC 9110 §11.2: a parameter name occurs once per challenge.
                return Err(ProtocolError::DuplicateParameter(name).into());
            }
            if ch.params.len() >= MAX_CHALLENGE_PARAMS {
                return Err(malformed("too many challenge parameters"));
            }
            ch.params.push((name, value));
            p.skip_ws();
            if p.at_end() {
                break;
            }
            if p.peek() != Some(b',') {
                return Err(malformed("expected `,` between parameters"));
            }
            // Look past the commas: `token BWS =` continues this challenge, anything else
            // starts the next one.
            let save = p.i;
            p.skip_list_separators();
            if p.at_end() {
                break;
            }
            let mark = p.i;
            let is_param = p.token().is_some() && {
                p.skip_ws();
                p.peek() == Some(b'=')
            };
            if is_param {
                p.i = mark;
            } else {
                p.i = save;
                break;
            }
        }
        out.push(ch);
    }
    Ok(out)
}

fn malformed(what: &'static str) -> Error {
    ProtocolError::Malformed(what).into()
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips spaces and tabs; reports whether there were any.
    fn skip_ws(&mut self) -> bool {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i > start
    }

    /// Skips whitespace and empty list elements (RFC 9110 §5.6.1 allows `, ,`).
    fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// A token68 is accepted only when the whole remaining list element is one: it must be
    /// followed by the end or a comma (otherwise the input is parameters).
    fn try_token68(&mut self) -> Option<String> {
        let start = self.i;
        let mut j = self.i;
        while self.s.get(j).copied().is_some_and(is_token68_char) {
            j += 1;
        }
        if j == start {
            return None;
        }
        while self.s.get(j) == Some(&b'=') {
            j += 1;
        }
        let mut k = j;
        while matches!(self.s.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        if k == self.s.len() || self.s[k] == b',' {
            self.i = k;
            Some(String::from_utf8_lossy(&self.s[start..j]).into_owned())
        } else {
            None
        }
    }

    fn quoted_string(&mut self) -> Result<String> {
        debug_assert_eq!(self.peek(), Some(b'"'));
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(malformed("unterminated quoted string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                    let c = self
                        .s
                        .get(self.i + 1)
                        .copied()
                        .ok_or(malformed("dangling escape"))?;
                    if c != b'\t' && c < 0x20 || c == 0x7f {
                        return Err(malformed("invalid escaped character"));
                    }
                    out.push(c);
                    self.i += 2;
                }
                Some(c) if c == b'\t' || c >= 0x20 && c != 0x7f => {
                    out.push(c);
                    self.i += 1;
                }
                Some(_) => return Err(malformed("control character in quoted string")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Vec<Challenge> {
        parse_www_authenticate(s.as_bytes()).unwrap()
    }

    #[test]
    fn rfc6750_examples() {
        // RFC 6750 §3.
        let c = parse(r#"Bearer realm="example""#);
        assert_eq!(c.len(), 1);
        assert!(c[0].is_scheme("bearer"));
        assert_eq!(c[0].realm(), Some("example"));
        let c = parse(
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        );
        assert_eq!(c[0].error(), Some(ErrorCode::InvalidToken));
        assert_eq!(c[0].error_description(), Some("The access token expired"));
    }

    #[test]
    fn rfc9449_examples() {
        // RFC 9449 §7.1 and §9.
        let c = parse(r#"DPoP algs="ES256 PS256""#);
        assert_eq!(c[0].algs(), ["ES256", "PS256"]);
        let c = parse(
            r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
        );
        assert_eq!(c[0].error(), Some(ErrorCode::UseDpopNonce));
    }

    #[test]
    fn multiple_challenges_escapes_token68() {
        let c = parse(
            r#"Basic realm="a\"b\\c", Bearer resource_metadata="https://rs.example/.well-known/oauth-protected-resource",scope="read write", Negotiate abc+/==, DPoP"#,
        );
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].realm(), Some(r#"a"b\c"#));
        assert_eq!(
            c[1].resource_metadata(),
            Some("https://rs.example/.well-known/oauth-protected-resource")
        );
        assert_eq!(c[1].scope().unwrap(), ["read", "write"]);
        assert_eq!(c[2].token68(), Some("abc+/=="));
        assert!(c[3].is_scheme("DPoP"));
        assert_eq!(c[3].params().count(), 0);
        // Empty list elements and BWS around `=`.
        let c = parse(r#" , Bearer realm = "x" ,, error=invalid_token ,"#);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].error(), Some(ErrorCode::InvalidToken));
        // Case-insensitive parameter names.
        assert_eq!(parse(r#"Bearer REALM="x""#)[0].realm(), Some("x"));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            r#"Bearer realm="unterminated"#,
            r#"Bearer realm="x" error="y""#,
            r#"Bearer realm x"#,
            r#"Bearer realm=, error=x"#,
            r#"Bearer realm="a", realm="b""#,
            "=x",
            "Bearer realm=\"a\u{1}\"",
            r#"Bearer realm="\"#,
        ] {
            assert!(parse_www_authenticate(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(parse_www_authenticate(&vec![b'a'; MAX_CHALLENGE_BYTES + 1]).is_err());
    }

    #[test]
    fn bearer_header() {
        let v = bearer_authorization(&AccessToken::new("mF_9.B5f-4.1JqM")).unwrap();
        assert_eq!(v, "Bearer mF_9.B5f-4.1JqM");
        assert!(v.is_sensitive());
        assert!(bearer_authorization(&AccessToken::new("a b")).is_err());
        assert!(bearer_authorization(&AccessToken::new("")).is_err());
    }
}
