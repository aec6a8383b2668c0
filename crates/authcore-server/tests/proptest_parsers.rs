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

// Dynamic client registration (RFC 7591, RFC 7592): the request parser and the metadata
// validation never panic, and every metadata authcore-oauth2 builds reads back unchanged.
mod registration {
    use authcore_oauth2::wire::ClientMetadata;
    use authcore_server::ServerConfig;
    use authcore_server::registration::{
        RegistrationRequest, parse_registration_request, validate_metadata,
    };
    use proptest::prelude::*;

    fn endpoint() -> url::Url {
        url::Url::parse("https://as.example/register").unwrap()
    }

    fn request(method: &str, path: &str, body: Vec<u8>) -> Option<http::Request<Vec<u8>>> {
        http::Request::builder()
            .method(method)
            .uri(format!("https://as.example{path}"))
            .header("content-type", "application/json")
            .header("authorization", "Bearer acra_k1.x")
            .body(body)
            .ok()
    }

    proptest! {
        #[test]
        fn registration_parser_and_validation_never_panic(
            method in prop_oneof![Just("POST"), Just("GET"), Just("PUT"), Just("DELETE"), Just("PATCH")],
            path in prop_oneof![Just("/register".to_owned()), "/register/[a-zA-Z0-9/_-]{0,12}", "/[a-z]{0,8}"],
            body in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let config = ServerConfig::new("https://as.example").unwrap();
            if let Some(req) = request(method, &path, body) {
                if let Ok(RegistrationRequest::Create { metadata, .. }
                    | RegistrationRequest::Update { metadata, .. }) =
                    parse_registration_request(&req, &endpoint())
                {
                    let _ = validate_metadata(&metadata, &config);
                }
            }
        }

        #[test]
        fn json_shaped_metadata_never_panics(
            members in proptest::collection::btree_map(
                prop_oneof![
                    Just("redirect_uris".to_owned()), Just("grant_types".to_owned()),
                    Just("response_types".to_owned()), Just("token_endpoint_auth_method".to_owned()),
                    Just("application_type".to_owned()), Just("jwks".to_owned()),
                    Just("sector_identifier_uri".to_owned()), Just("post_logout_redirect_uris".to_owned()),
                    Just("id_token_signed_response_alg".to_owned()), "[a-z_]{1,12}",
                ],
                prop_oneof![
                    "[ -~]{0,24}".prop_map(serde_json::Value::String),
                    proptest::collection::vec("[ -~]{0,24}", 0..3)
                        .prop_map(|v| serde_json::json!(v)),
                    any::<bool>().prop_map(serde_json::Value::Bool),
                    Just(serde_json::json!({"keys": []})),
                ],
                0..8,
            ),
        ) {
            let body = serde_json::to_vec(&members).unwrap();
            let config = ServerConfig::new("https://as.example").unwrap();
            let req = request("POST", "/register", body).unwrap();
            if let Ok(RegistrationRequest::Create { metadata, .. }) =
                parse_registration_request(&req, &endpoint())
            {
                let _ = validate_metadata(&metadata, &config);
            }
        }

        #[test]
        fn built_registration_requests_read_back(
            uris in proptest::collection::vec("https://[a-z]{1,8}\\.example/[a-z]{0,8}", 1..4),
            name in proptest::option::of("[ -~]{0,24}"),
            method in prop_oneof![Just("client_secret_basic"), Just("client_secret_post"), Just("none")],
        ) {
            let mut m = ClientMetadata::new()
                .with_redirect_uris(uris.clone())
                .with_token_endpoint_auth_method(method);
            if let Some(n) = &name {
                m = m.with_client_name(n.clone());
            }
            let req = m.build_registration_request("https://as.example/register", None).unwrap();
            let parsed = parse_registration_request(&req, &endpoint()).unwrap();
            let RegistrationRequest::Create { metadata, initial_access_token } = parsed else {
                panic!("not a create request");
            };
            prop_assert_eq!(initial_access_token, None);
            prop_assert_eq!(&metadata, &m);
            let config = ServerConfig::new("https://as.example").unwrap();
            let v = validate_metadata(&metadata, &config).unwrap();
            prop_assert_eq!(v.record.redirect_uris, uris);
            prop_assert_eq!(v.record.auth_method.as_str(), method);
        }
    }
}
