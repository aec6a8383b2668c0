//! Property tests: the resource server's and the token-hint endpoints' parsers never panic,
//! and what they accept round-trips.

use authcore_jose::{UnixTime, crypto};
use authcore_server::config::DpopSettings;
use authcore_server::dpop::{DpopNonces, DpopVerifier, ProofTarget};
use authcore_server::resource::{TokenLocation, TokenLocations, TokenScheme, extract_access_token};
use authcore_server::revocation::parse_token_hint_request;
use http::{Method, Request};
use proptest::prelude::*;

fn all_locations() -> TokenLocations {
    let mut l = TokenLocations::default();
    l.form_body = true;
    l.uri_query = true;
    l
}

proptest! {
    #[test]
    fn extraction_never_panics(header in proptest::collection::vec(any::<u8>(), 0..200),
                               body in proptest::collection::vec(any::<u8>(), 0..300),
                               query in "[ -~]{0,100}") {
        let query: String = query.chars().filter(|c| *c != '#' && *c != ' ').collect();
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(format!("https://rs.example/r?{query}"))
            .header("content-type", "application/x-www-form-urlencoded");
        if let Ok(v) = http::HeaderValue::from_bytes(&header) {
            b = b.header("authorization", v);
        }
        if let Ok(req) = b.body(body) {
            let _ = extract_access_token(&req, all_locations());
        }
    }

    #[test]
    fn header_tokens_round_trip(token in "[A-Za-z0-9._~+/-]{1,80}=*", dpop in any::<bool>()) {
        let scheme = if dpop { "DPoP" } else { "bearer" };
        let req = Request::builder()
            .uri("https://rs.example/r")
            .header("authorization", format!("{scheme} {token}"))
            .body(Vec::new())
            .unwrap();
        let t = extract_access_token(&req, TokenLocations::default()).unwrap().unwrap();
        prop_assert_eq!(t.secret(), token.as_str());
        prop_assert_eq!(t.location, TokenLocation::Header);
        prop_assert_eq!(t.scheme, if dpop { TokenScheme::Dpop } else { TokenScheme::Bearer });
    }

    #[test]
    fn token_hint_request_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..400),
                                                auth in "[ -~]{0,60}") {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri("https://as.example/introspect")
            .header("content-type", "application/x-www-form-urlencoded");
        if !auth.is_empty() {
            b = b.header("authorization", auth);
        }
        if let Ok(req) = b.body(body) {
            let _ = parse_token_hint_request(&req, None);
        }
    }

    #[test]
    fn dpop_verification_never_panics(proof in "[A-Za-z0-9._-]{0,300}") {
        let settings = DpopSettings::default();
        let target = ProofTarget { method: &Method::GET, uri: "https://rs.example/r", access_token: None };
        let _ = DpopVerifier::new(&settings).verify_proof(
            &proof, &target, UnixTime::from_secs(1_000), crypto::default_provider());
    }

    #[test]
    fn nonces_are_accepted_for_two_windows_only(t in 0u64..1_000_000_000, window in 1u64..10_000) {
        let n = DpopNonces::new(&[1u8; 32], window, crypto::default_provider()).unwrap();
        let nonce = n.issue(UnixTime::from_secs(t));
        prop_assert!(authcore_oauth2::is_nonce_syntax(&nonce));
        let start = t / window * window;
        prop_assert!(n.accepts(&nonce, UnixTime::from_secs(start)));
        prop_assert!(n.accepts(&nonce, UnixTime::from_secs(start + 2 * window - 1)));
        prop_assert!(!n.accepts(&nonce, UnixTime::from_secs(start + 2 * window)));
    }
}
