//! Reading the `Cookie` header and writing `Set-Cookie` (RFC 6265 §4.1, §5.4).

use http::{HeaderMap, HeaderValue};

/// At most this many values of one cookie name are tried (a sibling domain can add cookies
/// of the same name; trying a few keeps a planted one from hiding ours, without unbounded
/// work).
const MAX_SAME_NAME: usize = 4;

/// The values of cookie `name` in the request's `Cookie` headers, in order, at most
/// [`MAX_SAME_NAME`]; values over the sealed-cookie cap are skipped. Any header, however
/// malformed, gives a (possibly empty) list and never a panic.
pub(crate) fn cookie_values<'h>(headers: &'h HeaderMap, name: &str) -> Vec<&'h str> {
    let mut found = Vec::new();
    for header in headers.get_all(http::header::COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for pair in text.split(';') {
            let Some((n, v)) = pair.trim().split_once('=') else {
                continue;
            };
            if n.trim() == name && v.len() <= crate::seal::MAX_SEALED_COOKIE_BYTES {
                found.push(v.trim().trim_matches('"'));
                if found.len() == MAX_SAME_NAME {
                    return found;
                }
            }
        }
    }
    found
}

/// How the layer's cookies are written.
#[derive(Debug, Clone)]
pub(crate) struct CookieAttributes {
    /// `Secure` (RFC 6265 §4.1.2.5): always, except for an application served over plain
    /// http on a loopback address, where browsers would drop a `Secure` cookie.
    pub(crate) secure: bool,
}

impl CookieAttributes {
    /// `Set-Cookie` for `name=value`, living `max_age` seconds (a session cookie when
    /// `None`). `HttpOnly`: scripts never see it; `SameSite=Lax`: sent on the provider's
    /// top-level redirect back, not on cross-site subrequests; `Path=/`.
    pub(crate) fn set(&self, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
        let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if self.secure {
            s.push_str("; Secure");
        }
        if let Some(age) = max_age {
            s.push_str(&format!("; Max-Age={age}"));
        }
        // Names are ours and values are base64url JWEs: always a valid header value.
        HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// `Set-Cookie` that removes `name`.
    pub(crate) fn clear(&self, name: &str) -> HeaderValue {
        self.set(name, "", Some(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(http::header::COOKIE, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn finds_values_in_order_across_headers() {
        let h = headers(&["a=1; s=x", " s = y ;b", "s=\"z\""]);
        assert_eq!(cookie_values(&h, "s"), ["x", "y", "z"]);
        assert!(cookie_values(&h, "missing").is_empty());
    }

    #[test]
    fn same_name_is_bounded() {
        let h = headers(&["s=1; s=2; s=3; s=4; s=5; s=6"]);
        assert_eq!(cookie_values(&h, "s").len(), MAX_SAME_NAME);
    }

    #[test]
    fn attributes() {
        let secure = CookieAttributes { secure: true };
        let v = secure.set("n", "v", Some(60));
        assert_eq!(v, "n=v; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60");
        let loopback = CookieAttributes { secure: false };
        assert_eq!(
            loopback.clear("n"),
            "n=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        );
    }

    proptest! {
        // Any Cookie header is read or refused, never a panic (also through the opener).
        #[test]
        fn any_cookie_header_is_read_or_refused(raw in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_bytes(&raw) {
                h.append(http::header::COOKIE, v);
            }
            let keys = crate::SessionKeys::new("k", [3; 32]).unwrap();
            for v in cookie_values(&h, "authcore_login_session") {
                let _ = keys.open::<serde_json::Value>(crate::seal::Purpose::Session, v);
            }
        }

        #[test]
        fn any_cookie_text_is_read_or_refused(text in "(authcore_login_session=)?[ -~]{0,400}") {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&text) {
                h.append(http::header::COOKIE, v);
            }
            let keys = crate::SessionKeys::new("k", [3; 32]).unwrap();
            for v in cookie_values(&h, "authcore_login_session") {
                prop_assert!(keys.open::<serde_json::Value>(crate::seal::Purpose::Session, v).is_none());
            }
        }
    }
}
