//! How the authorization endpoint answers: a redirect carrying the response in the redirect
//! URI's query or fragment, an auto-submitting `form_post` page (OAuth 2.0 Form Post Response
//! Mode), or, when the client or redirect URI cannot be trusted, a page shown to the user and
//! never redirected (RFC 6749 §4.1.2.1, §4.2.2.1; RFC 9700 §4.11).

use authcore_oauth2::wire::{
    AuthorizationError, AuthorizationResponseParams, AuthorizationSuccess, ErrorCode, ResponseMode,
};
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, PRAGMA};
use http::{HeaderValue, Response, StatusCode};
use url::Url;

/// The script of the `form_post` page: it submits the page's one form. It is the only script
/// on the page and never changes, so a Content-Security-Policy can allow exactly it by hash
/// instead of `'unsafe-inline'`.
pub const FORM_POST_SCRIPT: &str = "document.forms[0].submit();";

/// The CSP hash source of [`FORM_POST_SCRIPT`] (`'sha256-…'`, CSP Level 2 §4.2.4), for an
/// adapter that writes its own `Content-Security-Policy` header; the endpoint's `form_post`
/// responses already carry one naming it.
pub const FORM_POST_SCRIPT_HASH: &str = "'sha256-8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ='";

/// Where and how an authorization response goes once the client and its redirect URI are
/// known: the redirect URI (matched against the registration), the response mode, the request's
/// `state` (round-tripped, RFC 6749 §4.1.2) and the issuer (`iss`, RFC 9207 §2, so that a
/// client talking to several servers can tell which one answered: the mix-up defense of RFC
/// 9700 §4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseTarget {
    /// The redirect URI, one the client registered.
    pub redirect_uri: Url,
    /// `query`, `fragment` or `form_post`.
    pub response_mode: ResponseMode,
    /// The request's `state`, if it sent one.
    pub state: Option<String>,
    /// The issuer identifier of this server.
    pub issuer: String,
}

impl ResponseTarget {
    /// The error response redirected to the client (RFC 6749 §4.1.2.1) with `error`,
    /// `error_description`, `state` and `iss`.
    pub fn error(&self, error: ErrorCode, description: &str) -> Response<Vec<u8>> {
        let mut e = AuthorizationError::new(error);
        e.error_description = Some(sanitize_description(description));
        e.state = self.state.clone();
        e.iss = Some(self.issuer.clone());
        self.respond(&AuthorizationResponseParams::Error(e))
    }

    /// The successful response (RFC 6749 §4.1.2, §4.2.2): `success` with `state` and `iss`
    /// filled in.
    pub fn success(&self, mut success: AuthorizationSuccess) -> Response<Vec<u8>> {
        success.state = self.state.clone();
        success.iss = Some(self.issuer.clone());
        self.respond(&AuthorizationResponseParams::Success(success))
    }

    fn respond(&self, params: &AuthorizationResponseParams) -> Response<Vec<u8>> {
        match &self.response_mode {
            ResponseMode::FormPost => form_post_page(&self.redirect_uri, params),
            mode => match params.to_redirect_url(&self.redirect_uri, mode) {
                Ok(url) => redirect(&url),
                // Only reachable if a token were put in a query, which the endpoint's checks
                // rule out (Multiple Response Type Encoding Practices §2.1); never redirect
                // what cannot be redirected safely.
                Err(_) => error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &ErrorCode::ServerError,
                    "the response cannot be delivered in this response mode",
                ),
            },
        }
    }
}

/// RFC 6749 §4.1.2.1 limits `error_description` to printable ASCII other than `"` and `\`.
fn sanitize_description(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e' => c,
            _ => ' ',
        })
        .collect()
}

/// A redirect to `url`: 303 See Other, which makes the user agent GET the redirect URI even
/// after a POST to the authorization endpoint (RFC 9700 §4.12 forbids 307, which would
/// re-POST the user's credentials to the client).
fn redirect(url: &Url) -> Response<Vec<u8>> {
    let mut resp = Response::new(Vec::new());
    *resp.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        resp.headers_mut().insert(LOCATION, v);
    }
    no_store(&mut resp);
    resp
}

fn no_store(resp: &mut Response<Vec<u8>>) {
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The `form_post` page (OAuth 2.0 Form Post Response Mode §2): a form of hidden fields
/// POSTed to the redirect URI by [`FORM_POST_SCRIPT`], with a button for user agents without
/// scripts. Every value is HTML-escaped; the Content-Security-Policy allows no other script,
/// no other form target and no framing.
fn form_post_page(redirect_uri: &Url, params: &AuthorizationResponseParams) -> Response<Vec<u8>> {
    let mut html = String::with_capacity(512);
    html.push_str(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Submit this form</title></head><body><form method=\"post\" action=\"",
    );
    html.push_str(&escape_html(redirect_uri.as_str()));
    html.push_str("\">");
    for (k, v) in params.to_pairs() {
        html.push_str("<input type=\"hidden\" name=\"");
        html.push_str(&escape_html(&k));
        html.push_str("\" value=\"");
        html.push_str(&escape_html(&v));
        html.push_str("\">");
    }
    html.push_str("<noscript><button type=\"submit\">Continue</button></noscript></form><script>");
    html.push_str(FORM_POST_SCRIPT);
    html.push_str("</script></body></html>");
    let mut resp = Response::new(html.into_bytes());
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let csp = format!(
        "default-src 'none'; script-src {FORM_POST_SCRIPT_HASH}; form-action {}; frame-ancestors 'none'; base-uri 'none'",
        form_action_source(redirect_uri)
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        resp.headers_mut().insert(CONTENT_SECURITY_POLICY, v);
    }
    no_store(&mut resp);
    resp
}

/// The CSP `form-action` source that allows the redirect URI: its origin for `http(s)`, its
/// scheme otherwise (a native app's private-use scheme, RFC 8252 §7.1).
fn form_action_source(uri: &Url) -> String {
    match uri.scheme() {
        "http" | "https" => uri.origin().ascii_serialization(),
        scheme => format!("{scheme}:"),
    }
}

/// The page shown to the user when the request cannot be answered at a redirect URI: the
/// client is unknown, the redirect URI is missing, invalid or not registered (RFC 6749
/// §4.1.2.1, §3.1.2.4), or the request could not even be read. Never a redirect: that would
/// make the server an open redirector (RFC 9700 §4.11).
pub fn error_page(status: StatusCode, error: &ErrorCode, description: &str) -> Response<Vec<u8>> {
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Authorization failed</title></head><body><h1>Authorization failed</h1><p>{}</p><p><code>{}</code></p></body></html>",
        escape_html(description),
        escape_html(error.as_str()),
    );
    let mut resp = Response::new(html.into_bytes());
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp.headers_mut().insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
    );
    no_store(&mut resp);
    resp
}

/// Escapes text for an HTML attribute value or element content (also the logout page's).
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::DigestAlgorithm;
    use base64::Engine;

    fn target(mode: ResponseMode) -> ResponseTarget {
        ResponseTarget {
            redirect_uri: Url::parse("https://app.example/cb?keep=1").unwrap(),
            response_mode: mode,
            state: Some("xyz".into()),
            issuer: "https://as.example".into(),
        }
    }

    #[test]
    fn script_hash_is_the_hash_of_the_script() {
        let provider = authcore_jose::crypto::default_provider();
        let digest = provider.digest(DigestAlgorithm::Sha256, FORM_POST_SCRIPT.as_bytes());
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
        assert_eq!(FORM_POST_SCRIPT_HASH, format!("'sha256-{b64}'"));
    }

    #[test]
    fn error_redirect_carries_error_state_and_iss_in_the_query() {
        let resp = target(ResponseMode::Query).error(ErrorCode::InvalidScope, "bad \"scope\"\n");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
        let loc = Url::parse(resp.headers()[LOCATION].to_str().unwrap()).unwrap();
        let q: Vec<(String, String)> = loc.query_pairs().into_owned().collect();
        assert_eq!(
            q,
            vec![
                ("keep".into(), "1".into()),
                ("error".into(), "invalid_scope".into()),
                ("error_description".into(), "bad  scope  ".into()),
                ("state".into(), "xyz".into()),
                ("iss".into(), "https://as.example".into()),
            ]
        );
    }

    #[test]
    fn fragment_mode_puts_the_response_in_the_fragment() {
        let resp = target(ResponseMode::Fragment).error(ErrorCode::AccessDenied, "no");
        let loc = Url::parse(resp.headers()[LOCATION].to_str().unwrap()).unwrap();
        assert_eq!(loc.query(), Some("keep=1"));
        assert!(loc.fragment().unwrap().starts_with("error=access_denied"));
    }

    #[test]
    fn form_post_page_escapes_values_and_allows_only_its_script() {
        let mut t = target(ResponseMode::FormPost);
        t.state = Some("\"><script>alert(1)</script>".into());
        let resp = t.error(ErrorCode::AccessDenied, "denied");
        assert_eq!(resp.status(), StatusCode::OK);
        let body = String::from_utf8(resp.body().clone()).unwrap();
        assert!(!body.contains("<script>alert"));
        assert!(body.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_eq!(body.matches("<script>").count(), 1);
        assert!(body.contains(&format!("<script>{FORM_POST_SCRIPT}</script>")));
        assert!(body.contains("action=\"https://app.example/cb?keep=1\""));
        let csp = resp.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains(&format!("script-src {FORM_POST_SCRIPT_HASH};")));
        assert!(csp.contains("form-action https://app.example;"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(resp.headers().get(LOCATION).is_none());
    }

    #[test]
    fn error_page_is_never_a_redirect() {
        let resp = error_page(
            StatusCode::BAD_REQUEST,
            &ErrorCode::InvalidRequest,
            "<b>unknown</b> client",
        );
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(resp.headers().get(LOCATION).is_none());
        let body = String::from_utf8(resp.body().clone()).unwrap();
        assert!(body.contains("&lt;b&gt;unknown&lt;/b&gt; client"));
    }

    #[test]
    fn custom_scheme_form_action_is_the_scheme() {
        let u = Url::parse("com.example.app:/oauth2redirect").unwrap();
        assert_eq!(form_action_source(&u), "com.example.app:");
    }
}
