//! Where the user agent goes after signing in: only back into this application.

use url::Url;

/// The longest return URL kept (it travels in the pending sign-in cookie).
const MAX_RETURN_TO: usize = 1024;

/// `raw` as a same-origin path (path and query, no fragment), or `None` when it could lead
/// anywhere else: an absolute URL, a scheme-relative `//host`, the `/\host` that browsers
/// read as `//host` (WHATWG URL: `\` is a path separator in special schemes), any of those
/// percent-encoded, control characters, or a path that resolves outside `base`'s origin.
/// The result is rebuilt from the resolved URL, so what is returned is what was checked.
pub fn safe_return_to(raw: &str, base: &Url) -> Option<String> {
    if raw.is_empty() || raw.len() > MAX_RETURN_TO || !raw.starts_with('/') {
        return None;
    }
    // Decode a few times: a value can be decoded again by a framework or a proxy on the
    // way back, so each decoding must still be a plain local path.
    let mut text = raw.to_owned();
    for _ in 0..3 {
        if text.starts_with("//")
            || text
                .chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        {
            return None;
        }
        let decoded = percent_decode(&text)?;
        if decoded == text {
            break;
        }
        text = decoded;
    }
    if text.starts_with("//") || text.contains('\\') {
        return None;
    }
    let joined = base.join(raw).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let mut out = joined.path().to_owned();
    if let Some(q) = joined.query() {
        out.push('?');
        out.push_str(q);
    }
    // The resolved path must still not be read as scheme-relative by a browser.
    if out.starts_with("//") {
        return None;
    }
    Some(out)
}

/// Percent-decodes `s` as UTF-8 (`None` when the result is not UTF-8).
fn percent_decode(s: &str) -> Option<String> {
    let raw = s.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(raw[i + 1]), hex(raw[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn base() -> Url {
        Url::parse("https://app.example/").unwrap()
    }

    #[test]
    fn local_paths_are_kept() {
        for (raw, want) in [
            ("/", "/"),
            ("/me", "/me"),
            ("/me?tab=1&x=%2F", "/me?tab=1&x=%2F"),
            ("/a/../b", "/b"),
            ("/me#frag", "/me"),
        ] {
            assert_eq!(safe_return_to(raw, &base()).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn off_site_targets_are_refused() {
        for raw in [
            "https://evil.example/",
            "http://evil.example",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2Fevil.example",
            "/%2fevil.example",
            "%2F%2Fevil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%252Fevil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/ /evil.example",
        ] {
            assert_eq!(safe_return_to(raw, &base()), None, "{raw}");
        }
        assert_eq!(
            safe_return_to(&format!("/{}", "a".repeat(2000)), &base()),
            None
        );
    }

    proptest! {
        // Whatever comes in, what comes out is a path on the application's own origin.
        #[test]
        fn never_leaves_the_origin(raw in "[/\\\\%a-zA-Z0-9:.?#@ \t]{0,40}") {
            if let Some(out) = safe_return_to(&raw, &base()) {
                prop_assert!(out.starts_with('/') && !out.starts_with("//"));
                let resolved = base().join(&out).unwrap();
                prop_assert_eq!(resolved.origin(), base().origin());
            }
        }
    }
}
