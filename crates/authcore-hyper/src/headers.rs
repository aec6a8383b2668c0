//! Security headers on every response.
//!
//! - `Content-Security-Policy`: no inline script anywhere, except the `form_post` page's one
//!   script, allowed by its hash (OAuth 2.0 Form Post Response Mode: the page submits itself);
//!   `frame-ancestors 'none'` and `X-Frame-Options: DENY` against clickjacking (RFC 6749
//!   §10.13). The front-channel logout page comes with its own policy from the core (it frames
//!   the clients' logout URLs, and is itself never framed).
//! - `Referrer-Policy: no-referrer`: codes and tickets in URLs do not leak to other sites.
//! - `X-Content-Type-Options: nosniff`.
//! - `Cache-Control: no-store` on every HTML page (interaction pages carry CSRF tokens and
//!   tickets) unless the core already set a cache policy (the token endpoint's `no-store`,
//!   RFC 6749 §5.1, comes from the core).

use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};

/// The policy of every page without script.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                   form-action *; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to `response` (see the module documentation).
pub(crate) fn secure(mut response: http::Response<Vec<u8>>) -> http::Response<Vec<u8>> {
    let h = response.headers_mut();
    // The core's `form_post` page comes with its own policy, which allows its one script by
    // hash (`FORM_POST_SCRIPT_HASH`) and its form's target, and the front-channel logout
    // page with one framing the clients' origins: those are kept.
    if !h.contains_key(CONTENT_SECURITY_POLICY) {
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let is_html = h
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> http::Response<Vec<u8>> {
        let mut r = http::Response::new(body.as_bytes().to_vec());
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    }

    #[test]
    fn pages_get_the_strict_policy_and_no_store() {
        let r = secure(page("<p>hi</p>"));
        let csp = r.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("script-src"));
        assert_eq!(r.headers()[X_FRAME_OPTIONS], "DENY");
        assert_eq!(r.headers()[REFERRER_POLICY], "no-referrer");
        assert_eq!(r.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    }

    #[test]
    fn the_form_post_policy_with_its_script_hash_is_kept() {
        let own = format!(
            "default-src 'none'; script-src {}",
            authcore_server::authorize::FORM_POST_SCRIPT_HASH
        );
        let mut p = page("<form></form><script></script>");
        p.headers_mut().insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&own).unwrap(),
        );
        let r = secure(p);
        assert_eq!(r.headers()[CONTENT_SECURITY_POLICY], own.as_str());
        assert_eq!(r.headers()[X_FRAME_OPTIONS], "DENY");
    }

    #[test]
    fn an_existing_cache_policy_is_kept_and_json_is_not_forced() {
        let mut r = http::Response::new(b"{}".to_vec());
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let r = secure(r);
        assert!(!r.headers().contains_key(CACHE_CONTROL));
        let mut p = page("x");
        p.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=60"));
        assert_eq!(secure(p).headers()[CACHE_CONTROL], "max-age=60");
    }
}
