//! Property tests for the token endpoint's parsers: no input makes them panic, and what
//! authcore-oauth2's client builds they read back.

use authcore_jose::{InsecureTestRandom, UnixTime};
use authcore_oauth2::{
    AuthorizationServer, Client, ClientAuthentication, ClientSecret, RefreshToken, TokenRequest,
};
use authcore_server::client_auth::ClientCredentials;
use authcore_server::token::parse_token_request;
use authcore_server::tokens::{CredentialKind, HashKey, TokenHashKeys};
use proptest::prelude::*;

fn request(body: Vec<u8>, authorization: Option<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut b = http::Request::post("https://as.example/token")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(a) = authorization.and_then(|a| http::HeaderValue::from_bytes(&a).ok()) {
        b = b.header("authorization", a);
    }
    b.body(body).unwrap()
}

proptest! {
    #[test]
    fn token_request_parser_never_panics(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        auth in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..128)),
    ) {
        let _ = parse_token_request(&request(body, auth), None);
    }

    #[test]
    fn form_shaped_token_requests_never_panic(
        pairs in proptest::collection::vec(
            (
                prop_oneof![
                    Just("grant_type".to_owned()), Just("code".to_owned()),
                    Just("client_id".to_owned()), Just("client_secret".to_owned()),
                    Just("client_assertion".to_owned()), Just("client_assertion_type".to_owned()),
                    Just("scope".to_owned()), Just("resource".to_owned()),
                    "[a-z_]{1,12}",
                ],
                "[ -~]{0,40}",
            ),
            0..10,
        ),
        basic in proptest::option::of("[A-Za-z0-9+/=]{0,40}"),
    ) {
        let body = authcore_oauth2::encode_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let auth = basic.map(|b| format!("Basic {b}").into_bytes());
        let _ = parse_token_request(&request(body.into_bytes(), auth), None);
    }

    #[test]
    fn client_built_requests_read_back(
        id in "[!-~]{1,20}",
        secret in "[ -~]{1,30}",
        scopes in proptest::collection::vec("[!#-\\[\\]-~]{1,10}", 0..4),
        use_basic in any::<bool>(),
    ) {
        let auth = if use_basic {
            ClientAuthentication::ClientSecretBasic(ClientSecret::new(secret.clone()))
        } else {
            ClientAuthentication::ClientSecretPost(ClientSecret::new(secret.clone()))
        };
        let client = Client::new(id.clone(), auth);
        let server = AuthorizationServer::new("https://as.example")
            .with_token_endpoint("https://as.example/token")
            .unwrap();
        let mut req = TokenRequest::refresh_token(&RefreshToken::new("acrt_k.x"));
        for s in &scopes {
            req = req.scope(s.clone());
        }
        let http_req = req
            .build_token_request(&client, &server, UnixTime::from_secs(1), &InsecureTestRandom::new(1))
            .unwrap();
        let (parsed, creds): (TokenRequest, ClientCredentials) =
            parse_token_request(&http_req, None).unwrap();
        prop_assert_eq!(parsed.grant_type(), "refresh_token");
        prop_assert_eq!(parsed.get("refresh_token"), Some("acrt_k.x"));
        prop_assert_eq!(parsed.scopes(), &scopes[..]);
        prop_assert_eq!(creds.client_id(), id.as_str());
        prop_assert_eq!(creds.used_basic(), use_basic);
    }

    #[test]
    fn presented_credentials_never_panic_and_minted_ones_hash_back(
        s in "\\PC{0,80}",
        seed in any::<u64>(),
    ) {
        let provider = authcore_jose::crypto::default_provider();
        let rng = InsecureTestRandom::new(seed);
        let keys = TokenHashKeys::new(HashKey::generate("k1", &rng, provider).unwrap());
        let _ = keys.hash_presented(CredentialKind::AccessToken, &s);
        let (token, hash) = keys.mint(CredentialKind::RefreshToken, &rng).unwrap();
        prop_assert_eq!(keys.hash_presented(CredentialKind::RefreshToken, &token), Some(hash));
        prop_assert_eq!(keys.hash_presented(CredentialKind::AccessToken, &token), None);
    }
}
