//! Property tests: form encoding round trips; parsers never panic on arbitrary input.

use authcore_oauth2::fuzzing;
use authcore_oauth2::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn form_encoding_round_trips(pairs in proptest::collection::vec(("[a-z_]{1,12}", "\\PC{1,24}"), 0..12)) {
        // Names made unique: the strict parser refuses repeats.
        let mut seen = std::collections::HashSet::new();
        let pairs: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect();
        let encoded = encode_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
        let parsed = FormParams::parse(encoded.as_bytes()).unwrap();
        let back: Vec<(String, String)> = parsed.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        prop_assert_eq!(back, pairs);
    }

    #[test]
    fn authorization_url_round_trips(scopes in proptest::collection::vec("[!#-\\[\\]-~]{1,10}", 0..5), redirect_path in "[a-z0-9/]{0,20}") {
        let rng = jose::InsecureTestRandom::new(1);
        let server = AuthorizationServer::new("https://as.example").with_authorization_endpoint("https://as.example/authorize?tenant=a b").unwrap();
        let client = Client::new("client id", ClientAuthentication::None);
        let redirect = format!("https://c.example/{redirect_path}");
        let (url, pending) = AuthorizationRequest::new(redirect.clone()).scopes(scopes.clone()).build_url(&client, &server, &rng).unwrap();
        let q = FormParams::parse(url.query().unwrap().as_bytes()).unwrap();
        prop_assert_eq!(q.get("tenant"), Some("a b"), "the endpoint's own query is kept");
        prop_assert_eq!(q.get("client_id"), Some("client id"));
        prop_assert_eq!(q.get("redirect_uri"), Some(redirect.as_str()));
        prop_assert_eq!(q.get("state"), Some(pending.state().secret()));
        if scopes.is_empty() {
            prop_assert_eq!(q.get("scope"), None);
        } else {
            let joined = scopes.join(" ");
            prop_assert_eq!(q.get("scope"), Some(joined.as_str()));
        }
    }

    #[test]
    fn callback_parsing_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::fuzz_callback(&data);
    }

    #[test]
    fn callback_parsing_never_panics_on_near_valid_input(s in "(code|state|iss|error|error_description|%[0-9A-F]{2}|[=&+a-z]){0,40}") {
        fuzzing::fuzz_callback(s.as_bytes());
    }

    #[test]
    fn token_response_parsing_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::fuzz_token_response(&data);
    }

    #[test]
    fn token_response_parsing_never_panics_on_json(keys in proptest::collection::vec(prop_oneof![
        Just("access_token"), Just("token_type"), Just("expires_in"), Just("refresh_token"), Just("scope"), Just("error"), Just("issued_token_type"), Just("active")
    ], 0..6), vals in proptest::collection::vec(prop_oneof![
        Just("\"Bearer\"".to_owned()), Just("\"DPoP\"".to_owned()), Just("3600".to_owned()), Just("-1".to_owned()), Just("1.5".to_owned()),
        Just("null".to_owned()), Just("[]".to_owned()), Just("{}".to_owned()), Just("true".to_owned()), "\"[a-z]{0,5}\"".prop_map(|s| s)
    ], 6)) {
        let body = format!("{{{}}}", keys.iter().zip(vals.iter()).map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(","));
        fuzzing::fuzz_token_response(body.as_bytes());
    }

    #[test]
    fn www_authenticate_parsing_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::fuzz_www_authenticate(&data);
    }

    #[test]
    fn www_authenticate_parsing_never_panics_on_near_valid_input(s in "(Bearer|DPoP|Basic| |,|=|\"|\\\\|realm|error|[a-z0-9+/]){0,60}") {
        fuzzing::fuzz_www_authenticate(s.as_bytes());
    }

    #[test]
    fn metadata_parsing_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::fuzz_metadata(&data);
    }

    #[test]
    fn challenge_params_round_trip(value in "[ -~]{0,30}") {
        // Any printable value survives quoting with escapes.
        let quoted: String = value.chars().flat_map(|c| if c == '"' || c == '\\' { vec!['\\', c] } else { vec![c] }).collect();
        let header = format!("Bearer realm=\"{quoted}\", error=invalid_token");
        let cs = parse_www_authenticate(header.as_bytes()).unwrap();
        prop_assert_eq!(cs.len(), 1);
        prop_assert_eq!(cs[0].realm(), Some(value.as_str()));
        prop_assert_eq!(cs[0].error(), Some(ErrorCode::InvalidToken));
    }
}
