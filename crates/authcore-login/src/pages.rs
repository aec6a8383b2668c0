//! The few pages the layer renders itself: errors and the provider chooser. HTML-escaped,
//! no scripts, not cacheable, not frameable.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
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

/// Headers every response of the layer carries: nothing it answers may be cached (RFC 9111
/// §5.2.2.5), and its pages run no scripts and are never framed.
fn base(status: StatusCode) -> http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::CACHE_CONTROL, "no-store")
}

/// An HTML page with `title` and the already-escaped `body_html`.
pub(crate) fn html(status: StatusCode, title: &str, body_html: &str) -> Response<Full<Bytes>> {
    let doc = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title></head>\
         <body><h1>{t}</h1>\n{body_html}\n</body></html>\n",
        t = escape(title)
    );
    base(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        .header("x-content-type-options", "nosniff")
        .body(Full::new(Bytes::from(doc)))
        .unwrap_or_default()
}

/// The error page: what happened (plain text, escaped) and a way to start again.
pub(crate) fn error(status: StatusCode, message: &str, login_path: &str) -> Response<Full<Bytes>> {
    html(
        status,
        "Sign-in failed",
        &format!(
            "<p id=\"error\">{}</p>\n<p><a id=\"retry\" href=\"{}\">Sign in again</a></p>",
            escape(message),
            escape(login_path)
        ),
    )
}

/// A `303 See Other` to `location` (RFC 9110 §15.4.4: the next request is a GET).
pub(crate) fn redirect(location: &str) -> Response<Full<Bytes>> {
    let mut r = base(StatusCode::SEE_OTHER)
        .body(Full::new(Bytes::new()))
        .unwrap_or_default();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the redirect location is not a valid header value",
            "/",
        ),
    }
}

/// A JSON response (API clients: 401, back-channel answers).
pub(crate) fn json(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    base(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_pages_escape_what_they_show() {
        let r = error(StatusCode::BAD_REQUEST, "<script>x</script>", "/l?a=1&b=\"");
        let body = format!("{:?}", r.body());
        assert!(!body.contains("<script>"));
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert!(escape("<a href='x'>&\"").eq("&lt;a href=&#39;x&#39;&gt;&amp;&quot;"));
    }

    #[test]
    fn a_location_with_a_newline_is_not_sent() {
        let r = redirect("/a\r\nSet-Cookie: x=y");
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(r.headers().get(header::LOCATION).is_none());
    }
}
