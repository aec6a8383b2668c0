//! Matching a request's `redirect_uri` against the client's registered redirect URIs (RFC 6749
//! §3.1.2.2, §3.1.2.3; RFC 9700 §4.1.3: exact string comparison; RFC 8252 §7.3: a loopback
//! redirect of a native client may use any port).

use url::{Host, Url};

/// The redirect URI an authorization request is answered at, chosen from the client's
/// registered ones, or `None` when the request names none of them (the error is then shown to
/// the user and never redirected, RFC 6749 §4.1.2.1: no open redirector, RFC 9700 §4.11).
///
/// - With `requested`, it must equal a registered URI character for character (RFC 9700
///   §4.1.3 forbids pattern matching and normalization). A native client's loopback URI
///   (`http` to the IP literal `127.0.0.1` or `[::1]`) matches a registered loopback URI with
///   any port, every other character equal (RFC 8252 §7.3); the port a native app opens is
///   only known at run time. `localhost` is not a loopback literal here (RFC 8252 §8.3).
/// - Without `requested`, the client must have registered exactly one URI (RFC 6749
///   §3.1.2.3), which is used.
pub fn match_redirect_uri(
    requested: Option<&str>,
    registered: &[String],
    native_client: bool,
) -> Option<String> {
    let Some(requested) = requested else {
        return match registered {
            [only] => Some(only.clone()),
            _ => None,
        };
    };
    if registered.iter().any(|r| r == requested) {
        return Some(requested.to_owned());
    }
    if !native_client {
        return None;
    }
    let requested_without_port = loopback_without_port(requested)?;
    registered
        .iter()
        .any(|r| loopback_without_port(r).as_deref() == Some(requested_without_port.as_str()))
        .then(|| requested.to_owned())
}

/// A loopback redirect URI with its port removed, if `uri` is one and is already in the
/// normalized form the URL parser gives it (so that no two different strings can compare
/// equal after parsing: the comparison stays a string comparison apart from the port).
fn loopback_without_port(uri: &str) -> Option<String> {
    let mut url = Url::parse(uri).ok()?;
    if url.as_str() != uri || url.scheme() != "http" || url.fragment().is_some() {
        return None;
    }
    let loopback = match url.host()? {
        Host::Ipv4(ip) => ip.is_loopback() && ip.octets() == [127, 0, 0, 1],
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(_) => false,
    };
    if !loopback || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    url.set_port(None).ok()?;
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn exact_match_only() {
        let reg = uris(&["https://app.example/cb"]);
        let ok = match_redirect_uri(Some("https://app.example/cb"), &reg, false);
        assert_eq!(ok.as_deref(), Some("https://app.example/cb"));
        // RFC 9700 §4.1.3: no prefix, suffix, case or normalization tolerance.
        for attack in [
            "https://app.example/cb/",
            "https://app.example/cb?x=1",
            "https://app.example/cb#f",
            "https://APP.example/cb",
            "https://app.example:443/cb",
            "https://app.example/cb/../cb",
            "https://app.example.evil.example/cb",
            "https://evil.example/?https://app.example/cb",
            "http://app.example/cb",
            "https://app.example/c%62",
        ] {
            assert_eq!(
                match_redirect_uri(Some(attack), &reg, false),
                None,
                "{attack}"
            );
            assert_eq!(
                match_redirect_uri(Some(attack), &reg, true),
                None,
                "{attack}"
            );
        }
    }

    #[test]
    fn omitted_redirect_uri_needs_exactly_one_registered() {
        let one = uris(&["https://app.example/cb"]);
        assert_eq!(
            match_redirect_uri(None, &one, false).as_deref(),
            Some("https://app.example/cb")
        );
        let two = uris(&["https://app.example/cb", "https://app.example/cb2"]);
        assert_eq!(match_redirect_uri(None, &two, false), None);
        assert_eq!(match_redirect_uri(None, &[], false), None);
    }

    #[test]
    fn loopback_port_flexibility_only_for_native_clients() {
        let reg = uris(&["http://127.0.0.1/callback", "http://[::1]:8080/cb"]);
        assert_eq!(
            match_redirect_uri(Some("http://127.0.0.1:53211/callback"), &reg, true).as_deref(),
            Some("http://127.0.0.1:53211/callback")
        );
        assert_eq!(
            match_redirect_uri(Some("http://[::1]:1234/cb"), &reg, true).as_deref(),
            Some("http://[::1]:1234/cb")
        );
        // A web client gets no port flexibility (RFC 8252 §7.3 is for native apps).
        assert_eq!(
            match_redirect_uri(Some("http://127.0.0.1:53211/callback"), &reg, false),
            None
        );
        // Everything but the port must still be equal.
        for attack in [
            "http://127.0.0.1:53211/callback2",
            "http://127.0.0.1:53211/callback?x",
            "http://127.0.0.2:53211/callback",
            "http://localhost:53211/callback",
            "https://127.0.0.1:53211/callback",
            "http://user@127.0.0.1:53211/callback",
            "http://127.0.0.1:53211/Callback",
            "http://127.000.000.001:53211/callback",
        ] {
            assert_eq!(
                match_redirect_uri(Some(attack), &reg, true),
                None,
                "{attack}"
            );
        }
    }

    #[test]
    fn registered_non_loopback_never_gets_port_flexibility() {
        let reg = uris(&["http://localhost/cb", "https://app.example/cb"]);
        assert_eq!(
            match_redirect_uri(Some("http://localhost:9999/cb"), &reg, true),
            None
        );
        assert_eq!(
            match_redirect_uri(Some("https://app.example:8443/cb"), &reg, true),
            None
        );
    }
}
