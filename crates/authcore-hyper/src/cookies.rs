//! Cookies: signed values (HMAC-SHA-256 under the keys document's cookie keys, bound to the
//! cookie's name), the `Set-Cookie` attributes (`HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure`
//! except on a loopback `http` issuer), reading the `Cookie` header, and the CSRF tokens
//! derived from a cookie.
//!
//! A signed value is `<key id>.<base64url payload>.<base64url tag>`. Signing proves the value
//! came from this provider; it does not hide the payload, so payloads hold nothing secret
//! beyond what the user agent already has (the session cookie's payload is a random value the
//! store knows only by its hash).

use std::sync::Arc;

use authcore_jose::DigestAlgorithm;
use authcore_jose::crypto::{CryptoProvider, SignaturePrimitive};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::keys::SecretKeyEntry;

/// The largest cookie value read (a browser keeps at most 4096 bytes per cookie).
const MAX_COOKIE_BYTES: usize = 4096;

/// The signing keys of cookies, the current one first.
#[derive(Clone)]
pub(crate) struct CookieSigner {
    keys: Vec<(String, Arc<dyn SignaturePrimitive>)>,
}

impl std::fmt::Debug for CookieSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieSigner").finish_non_exhaustive()
    }
}

impl CookieSigner {
    pub(crate) fn new(
        entries: &[SecretKeyEntry],
        provider: &CryptoProvider,
    ) -> Result<Self, authcore_jose::Error> {
        let mut keys = Vec::with_capacity(entries.len());
        for e in entries {
            let mac = provider
                .hmac
                .signer(DigestAlgorithm::Sha256, e.key.expose())?;
            keys.push((e.id.clone(), Arc::from(mac)));
        }
        Ok(CookieSigner { keys })
    }

    fn tag(
        &self,
        mac: &dyn SignaturePrimitive,
        purpose: &str,
        kid: &str,
        payload: &str,
    ) -> Option<Vec<u8>> {
        // The purpose (the cookie's name, or "csrf") is part of the input, so a value signed
        // for one use is never accepted for another.
        let input = format!("{purpose}\n{kid}\n{payload}");
        mac.sign(input.as_bytes()).ok()
    }

    /// `payload` signed for `purpose` under the current key.
    pub(crate) fn sign(&self, purpose: &str, payload: &[u8]) -> Option<String> {
        let (kid, mac) = self.keys.first()?;
        let payload = URL_SAFE_NO_PAD.encode(payload);
        let tag = self.tag(mac.as_ref(), purpose, kid, &payload)?;
        Some(format!("{kid}.{payload}.{}", URL_SAFE_NO_PAD.encode(tag)))
    }

    /// The payload of `value` if it was signed for `purpose` under one of the keys.
    pub(crate) fn verify(&self, purpose: &str, value: &str) -> Option<Vec<u8>> {
        if value.len() > MAX_COOKIE_BYTES {
            return None;
        }
        let mut parts = value.split('.');
        let (kid, payload, tag) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let (_, mac) = self.keys.iter().find(|(id, _)| id == kid)?;
        let expected = self.tag(mac.as_ref(), purpose, kid, payload)?;
        let presented = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !authcore_jose::constant_time_eq(&expected, &presented) {
            return None;
        }
        URL_SAFE_NO_PAD.decode(payload).ok()
    }

    /// A CSRF token bound to `binding` (a random value held in a cookie): the base64url HMAC
    /// of it. A page from another site cannot read the cookie and so cannot compute the token
    /// (the double-submit pattern, keyed so the cookie alone does not give it away).
    pub(crate) fn csrf_token(&self, binding: &str) -> Option<String> {
        let (kid, mac) = self.keys.first()?;
        self.tag(mac.as_ref(), "csrf", kid, binding)
            .map(|t| URL_SAFE_NO_PAD.encode(t))
    }

    /// Whether `token` is the CSRF token for `binding`.
    pub(crate) fn check_csrf(&self, binding: &str, token: &str) -> bool {
        self.csrf_token(binding)
            .is_some_and(|t| authcore_jose::constant_time_eq(t.as_bytes(), token.as_bytes()))
    }
}

/// The value of cookie `name` in the request's `Cookie` headers (RFC 6265 §5.4), if present
/// once; a cookie sent twice is ignored (an attacker on a sibling domain could add one).
pub(crate) fn read(headers: &http::HeaderMap, name: &str) -> Option<String> {
    let mut found = None;
    for v in headers.get_all(http::header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for pair in v.split(';') {
            let Some((k, val)) = pair.trim().split_once('=') else {
                continue;
            };
            if k == name {
                if found.is_some() {
                    return None;
                }
                found = Some(val.trim_matches('"').to_owned());
            }
        }
    }
    found
}

/// How the provider's cookies are set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CookieAttributes {
    /// Whether to add `Secure`.
    pub(crate) secure: bool,
}

impl CookieAttributes {
    /// `Secure` unless the issuer is `http` on a loopback host and the settings allow dropping
    /// it there (a browser does not send `Secure` cookies over `http`).
    pub(crate) fn for_issuer(issuer: &str, insecure_on_loopback_http: bool) -> Self {
        let loopback_http = url::Url::parse(issuer).is_ok_and(|u| {
            u.scheme() == "http" && u.host().is_some_and(|h| crate::fetch::is_loopback_host(&h))
        });
        CookieAttributes {
            secure: !(loopback_http && insecure_on_loopback_http),
        }
    }

    /// The `Set-Cookie` value setting `name` to `value` for `max_age` seconds (`None`: a
    /// session cookie).
    pub(crate) fn set(&self, name: &str, value: &str, max_age: Option<u64>) -> String {
        let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if let Some(age) = max_age {
            s.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            s.push_str("; Secure");
        }
        s
    }

    /// The `Set-Cookie` value removing `name`.
    pub(crate) fn clear(&self, name: &str) -> String {
        self.set(name, "", Some(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::SecretBytes;

    fn signer(keys: &[(&str, u8)]) -> CookieSigner {
        let entries: Vec<SecretKeyEntry> = keys
            .iter()
            .map(|(id, b)| SecretKeyEntry {
                id: (*id).to_owned(),
                key: SecretBytes::new(vec![*b; 32]),
            })
            .collect();
        CookieSigner::new(&entries, authcore_jose::crypto::default_provider()).unwrap()
    }

    #[test]
    fn signed_values_verify_only_for_their_purpose_and_untampered() {
        let s = signer(&[("c1", 1)]);
        let v = s.sign("session", b"hello").unwrap();
        assert_eq!(s.verify("session", &v).unwrap(), b"hello");
        assert!(s.verify("interaction", &v).is_none());
        let mut tampered = v.clone();
        tampered.insert(4, 'A');
        assert!(s.verify("session", &tampered).is_none());
        for junk in [
            "",
            ".",
            "c1..",
            "c1.aGVsbG8.",
            "c9.aGVsbG8.AAAA",
            &format!("{v}.x"),
        ] {
            assert!(s.verify("session", junk).is_none(), "{junk}");
        }
        assert!(s.verify("session", &"a".repeat(5000)).is_none());
        // Another key does not verify it; a set holding the old key as retired does.
        assert!(signer(&[("c1", 2)]).verify("session", &v).is_none());
        let rotated = signer(&[("c2", 2), ("c1", 1)]);
        assert_eq!(rotated.verify("session", &v).unwrap(), b"hello");
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_cookie() {
        let s = signer(&[("c1", 1)]);
        let t = s.csrf_token("nonce-1").unwrap();
        assert!(s.check_csrf("nonce-1", &t));
        assert!(!s.check_csrf("nonce-2", &t));
        assert!(!s.check_csrf("nonce-1", ""));
        assert!(!s.check_csrf("nonce-1", &t[1..]));
    }

    #[test]
    fn cookies_are_read_once_and_attributes_follow_the_issuer() {
        let mut h = http::HeaderMap::new();
        h.append(http::header::COOKIE, "a=1; b=2".parse().unwrap());
        assert_eq!(read(&h, "b").as_deref(), Some("2"));
        assert_eq!(read(&h, "c"), None);
        h.append(http::header::COOKIE, "b=3".parse().unwrap());
        assert_eq!(read(&h, "b"), None);
        let local = CookieAttributes::for_issuer("http://127.0.0.1:8080", true);
        assert!(!local.set("n", "v", None).contains("Secure"));
        let strict = CookieAttributes::for_issuer("http://127.0.0.1:8080", false);
        assert!(strict.set("n", "v", None).contains("Secure"));
        let public = CookieAttributes::for_issuer("https://op.example", true);
        let set = public.set("n", "v", Some(60));
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Max-Age=60", "Path=/"] {
            assert!(set.contains(part), "{part}");
        }
        assert!(public.clear("n").contains("Max-Age=0"));
    }

    proptest::proptest! {
        /// Whatever a browser sends, reading and verifying cookies answers without panicking,
        /// and nothing unsigned verifies.
        #[test]
        fn any_cookie_header_and_value_is_handled(header in ".{0,300}", value in ".{0,300}") {
            let s = signer(&[("c1", 1)]);
            let mut h = http::HeaderMap::new();
            if let Ok(v) = http::HeaderValue::from_str(&header) {
                h.insert(http::header::COOKIE, v);
            }
            let _ = read(&h, "authcore_session");
            proptest::prop_assert!(s.verify("session", &value).is_none());
            proptest::prop_assert!(!s.check_csrf("binding", &value));
        }

        /// Signed values round-trip whatever the payload.
        #[test]
        fn signed_payloads_round_trip(payload in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let s = signer(&[("c1", 1)]);
            let v = s.sign("interaction", &payload).unwrap();
            proptest::prop_assert_eq!(s.verify("interaction", &v), Some(payload));
        }
    }
}
