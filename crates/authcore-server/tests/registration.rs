//! Dynamic client registration end to end: authcore-oauth2's registration types build the
//! requests and check the responses, authcore-server answers (RFC 7591, RFC 7592, OpenID
//! Connect Registration 1.0), and the registered client completes a code flow.

mod common;

use authcore_jose::{JwsAlgorithm, JwsHeader, jwt};
use authcore_oauth2::wire::{ClientInformationResponse, ClientMetadata};
use authcore_oauth2::{
    AuthorizationRequest, AuthorizationResponse, ClientAuthentication, ClientSecret,
    TokenResponseOptions, parse_registration_response, parse_token_response,
};
use authcore_server::registration::RegistrationEndpoint;
use authcore_server::{Answer, Need, drive};
use common::{REDIRECT, TestServer, approve, client, ed25519, error_code, get, interaction};
use serde_json::{Value, json};

const REGISTER: &str = "https://as.example/register";

fn server() -> TestServer {
    let mut s = TestServer::new();
    s.config.endpoints.registration = Some(s.config.endpoint("register").unwrap());
    s
}

fn run(s: &TestServer, req: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    run_fetching(s, req, &|_| None)
}

fn run_fetching(
    s: &TestServer,
    req: &http::Request<Vec<u8>>,
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> http::Response<Vec<u8>> {
    let mut ep = RegistrationEndpoint::new(req);
    drive(&mut ep, &s.ctx(), &s.store, fetch)
}

fn web_metadata() -> ClientMetadata {
    let mut m = ClientMetadata::new()
        .with_redirect_uris([REDIRECT])
        .with_client_name("Example App");
    m.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
    m.scope = Some(vec!["read".into(), "write".into()]);
    m
}

fn register(s: &TestServer, m: &ClientMetadata) -> http::Response<Vec<u8>> {
    run(s, &m.build_registration_request(REGISTER, None).unwrap())
}

fn registered(s: &TestServer, m: &ClientMetadata) -> ClientInformationResponse {
    let resp = register(s, m);
    assert_eq!(
        resp.status(),
        201,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    common::assert_no_store(&resp);
    parse_registration_response(&resp).unwrap()
}

fn with_member(mut m: ClientMetadata, name: &str, value: Value) -> ClientMetadata {
    m.extra.insert(name.into(), value);
    m
}

#[test]
fn create_read_update_delete() {
    let s = server();
    let info = registered(&s, &web_metadata());
    assert!(!info.client_id.is_empty());
    assert_eq!(info.client_id_issued_at, Some(common::T0));
    // client_secret_basic is the default method (RFC 7591 §2), so a secret is issued that
    // does not expire (0, §3.2.1).
    assert!(
        info.client_secret
            .as_ref()
            .unwrap()
            .secret()
            .starts_with("accs_")
    );
    assert_eq!(info.client_secret_expires_at, Some(0));
    assert_eq!(
        info.registration_client_uri.as_deref(),
        Some(format!("{REGISTER}/{}", info.client_id).as_str())
    );
    assert_eq!(info.metadata.client_name.as_deref(), Some("Example App"));
    assert_eq!(
        info.metadata.token_endpoint_auth_method.as_deref(),
        Some("client_secret_basic")
    );

    // The stored record keeps only hashes of the secret and the registration access token.
    let Answer::Client(Some(record)) = s.answer(Need::Client(info.client_id.clone())) else {
        panic!("not stored")
    };
    let rat = info.registration_access_token.as_ref().unwrap().secret();
    assert!(!format!("{record:?}").contains(rat));
    assert!(record.registration_access_token.is_some());

    // Read (RFC 7592 §2.1).
    let resp = run(&s, &info.build_read_request().unwrap());
    assert_eq!(resp.status(), 200);
    let read = parse_registration_response(&resp).unwrap();
    assert_eq!(read.client_id, info.client_id);
    assert_eq!(read.metadata.redirect_uris, info.metadata.redirect_uris);
    assert_eq!(read.metadata.client_name.as_deref(), Some("Example App"));
    assert_eq!(read.client_id_issued_at, Some(common::T0));

    // Update (RFC 7592 §2.2): the whole metadata is replaced.
    let new = web_metadata()
        .with_redirect_uris(["https://app.example/cb2"])
        .with_client_name("Renamed");
    let resp = run(&s, &info.build_update_request(&new).unwrap());
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let updated = parse_registration_response(&resp).unwrap();
    assert_eq!(updated.metadata.client_name.as_deref(), Some("Renamed"));
    assert_eq!(
        updated.metadata.redirect_uris,
        Some(vec!["https://app.example/cb2".to_owned()])
    );
    let resp = run(&s, &info.build_read_request().unwrap());
    let read = parse_registration_response(&resp).unwrap();
    assert_eq!(read.metadata.client_name.as_deref(), Some("Renamed"));

    // Delete (RFC 7592 §2.3), then the token no longer opens anything.
    let resp = run(&s, &info.build_delete_request().unwrap());
    assert_eq!(resp.status(), 204);
    assert_eq!(
        s.answer(Need::Client(info.client_id.clone())),
        Answer::Client(None)
    );
    let resp = run(&s, &info.build_read_request().unwrap());
    assert_eq!(resp.status(), 401);
    assert_eq!(error_code(&resp), "invalid_token");
}

#[test]
fn the_registered_client_completes_a_code_flow() {
    let s = server();
    let info = registered(&s, &web_metadata());
    let secret = info.client_secret.as_ref().unwrap().secret().to_owned();
    let c = client(
        &info.client_id,
        ClientAuthentication::ClientSecretBasic(ClientSecret::new(secret)),
    );
    let (url, pending) = AuthorizationRequest::new(REDIRECT)
        .scopes(["read"])
        .build_url(&c, &s.as_seen_by_client(), &s.rng)
        .unwrap();
    let i = interaction(get(&s, &url));
    let location = approve(&s, &i);
    let grant = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&location).unwrap())
        .unwrap();
    let req = grant
        .build_token_request(&c, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let resp = s.token(&req);
    let tokens = parse_token_response(&resp, &TokenResponseOptions::new()).unwrap();
    assert!(tokens.refresh_token.is_some());
}

#[test]
fn the_metadata_advertises_the_endpoint_only_when_offered() {
    let s = server();
    let m = authcore_server::metadata::metadata(&s.config);
    assert_eq!(m.registration_endpoint.as_deref(), Some(REGISTER));
    let plain = TestServer::new();
    let m = authcore_server::metadata::metadata(&plain.config);
    assert_eq!(m.registration_endpoint, None);
    // Not offered: the endpoint answers 404.
    let resp = register(&plain, &web_metadata());
    assert_eq!(resp.status(), 404);
}

#[test]
fn an_initial_access_token_protects_registration() {
    let mut s = server();
    s.config.registration.initial_access_token =
        Some(authcore_jose::SecretBytes::new(b"iat-123".to_vec()));
    let m = web_metadata();
    let resp = register(&s, &m);
    assert_eq!(resp.status(), 401);
    assert_eq!(error_code(&resp), "invalid_token");
    let resp = run(
        &s,
        &m.build_registration_request(REGISTER, Some("iat-999"))
            .unwrap(),
    );
    assert_eq!(resp.status(), 401);
    let resp = run(
        &s,
        &m.build_registration_request(REGISTER, Some("iat-123"))
            .unwrap(),
    );
    assert_eq!(resp.status(), 201);
}

#[test]
fn a_wrong_registration_access_token_is_refused() {
    let s = server();
    let info = registered(&s, &web_metadata());
    let other = registered(&s, &web_metadata());
    // Another client's token for this client, and a malformed token.
    let mut forged = info.clone();
    forged.registration_access_token = other.registration_access_token.clone();
    for req in [
        forged.build_read_request().unwrap(),
        forged.build_delete_request().unwrap(),
        forged.build_update_request(&web_metadata()).unwrap(),
    ] {
        let resp = run(&s, &req);
        assert_eq!(resp.status(), 401);
        assert_eq!(error_code(&resp), "invalid_token");
    }
    forged.registration_access_token = Some(ClientSecret::new("acra_k1.nonsense"));
    assert_eq!(run(&s, &forged.build_read_request().unwrap()).status(), 401);
    // No token at all.
    let bare = http::Request::get(info.registration_client_uri.clone().unwrap())
        .body(Vec::new())
        .unwrap();
    assert_eq!(run(&s, &bare).status(), 401);
    // The client survives all of it.
    assert!(matches!(
        s.answer(Need::Client(info.client_id.clone())),
        Answer::Client(Some(_))
    ));
}

#[test]
fn an_update_must_name_the_client_and_keep_its_method() {
    let s = server();
    let info = registered(&s, &web_metadata());
    let mut renamed = info.clone();
    renamed.client_id = "someone-else".into();
    // The path names the registered client, the body another: refused.
    let resp = run(&s, &renamed.build_update_request(&web_metadata()).unwrap());
    assert_eq!(resp.status(), 400);
    assert_eq!(error_code(&resp), "invalid_client_metadata");
    let resp = run(
        &s,
        &info
            .build_update_request(&web_metadata().with_token_endpoint_auth_method("none"))
            .unwrap(),
    );
    assert_eq!(error_code(&resp), "invalid_client_metadata");
    let mut wrong_secret = info.clone();
    wrong_secret.client_secret = Some(ClientSecret::new("accs_wrong"));
    let resp = run(
        &s,
        &wrong_secret.build_update_request(&web_metadata()).unwrap(),
    );
    assert_eq!(error_code(&resp), "invalid_client_metadata");
}

#[test]
fn redirect_uris_follow_the_application_type() {
    let s = server();
    // A web client: https only.
    for uri in [
        "http://app.example/cb",
        "http://127.0.0.1:8080/cb",
        "com.example.app:/cb",
    ] {
        let resp = register(&s, &web_metadata().with_redirect_uris([uri]));
        assert_eq!(error_code(&resp), "invalid_redirect_uri", "{uri}");
    }
    let resp = register(
        &s,
        &web_metadata().with_redirect_uris(["https://app.example/cb#frag"]),
    );
    assert_eq!(error_code(&resp), "invalid_redirect_uri");
    // A native client (RFC 8252 §7): loopback http, reverse-domain schemes, https.
    let native = |uri: &str| {
        with_member(
            web_metadata()
                .with_redirect_uris([uri])
                .with_token_endpoint_auth_method("none"),
            "application_type",
            json!("native"),
        )
    };
    for uri in [
        "http://127.0.0.1:51234/cb",
        "http://[::1]/cb",
        "com.example.app:/cb",
        "https://app.example/cb",
    ] {
        let info = registered(&s, &native(uri));
        assert!(info.client_secret.is_none());
        assert_eq!(info.metadata.extra["application_type"], "native");
    }
    for uri in ["http://app.example/cb", "myapp:/cb"] {
        assert_eq!(
            error_code(&register(&s, &native(uri))),
            "invalid_redirect_uri",
            "{uri}"
        );
    }
    // No redirect URI for the code grant.
    let mut m = web_metadata();
    m.redirect_uris = None;
    assert_eq!(error_code(&register(&s, &m)), "invalid_redirect_uri");
    // post_logout_redirect_uris follow the same rules.
    let m = with_member(
        web_metadata(),
        "post_logout_redirect_uris",
        json!(["http://app.example/bye"]),
    );
    assert_eq!(error_code(&register(&s, &m)), "invalid_redirect_uri");
    let m = with_member(
        web_metadata(),
        "post_logout_redirect_uris",
        json!(["https://app.example/bye"]),
    );
    let info = registered(&s, &m);
    assert_eq!(
        info.metadata.extra["post_logout_redirect_uris"],
        json!(["https://app.example/bye"])
    );
}

#[test]
fn inconsistent_or_unsupported_metadata_is_refused() {
    let s = server();
    let cases: Vec<(&str, ClientMetadata)> = vec![
        (
            "unknown method",
            web_metadata().with_token_endpoint_auth_method("magic"),
        ),
        ("code without its grant", {
            let mut m = web_metadata();
            m.grant_types = Some(vec!["client_credentials".into()]);
            m.response_types = Some(vec!["code".into()]);
            m
        }),
        ("implicit response type, grant disabled", {
            let mut m = web_metadata();
            m.response_types = Some(vec!["code id_token".into()]);
            m
        }),
        ("unknown grant type", {
            let mut m = web_metadata();
            m.grant_types = Some(vec!["urn:example:magic".into()]);
            m
        }),
        ("unknown response type", {
            let mut m = web_metadata();
            m.response_types = Some(vec!["code ticket".into()]);
            m
        }),
        ("public client_credentials", {
            let mut m = web_metadata().with_token_endpoint_auth_method("none");
            m.grant_types = Some(vec!["client_credentials".into()]);
            m
        }),
        (
            "private_key_jwt without keys",
            web_metadata().with_token_endpoint_auth_method("private_key_jwt"),
        ),
        (
            "tls_client_auth without subject",
            web_metadata().with_token_endpoint_auth_method("tls_client_auth"),
        ),
        ("scope not offered", {
            let mut m = web_metadata();
            m.scope = Some(vec!["root".into()]);
            m
        }),
        (
            "unknown signing alg",
            with_member(
                web_metadata(),
                "id_token_signed_response_alg",
                json!("XS999"),
            ),
        ),
        (
            "assertion alg not enabled",
            with_member(
                web_metadata(),
                "token_endpoint_auth_signing_alg",
                json!("ES512"),
            ),
        ),
        (
            "enc without alg",
            with_member(
                web_metadata(),
                "id_token_encrypted_response_enc",
                json!("A128GCM"),
            ),
        ),
        (
            "encryption",
            with_member(
                web_metadata(),
                "userinfo_encrypted_response_alg",
                json!("RSA-OAEP-256"),
            ),
        ),
        (
            "unknown application type",
            with_member(web_metadata(), "application_type", json!("desktop")),
        ),
        (
            "unknown subject type",
            with_member(web_metadata(), "subject_type", json!("secret")),
        ),
        (
            "http backchannel logout",
            with_member(
                web_metadata(),
                "backchannel_logout_uri",
                json!("http://app.example/logout"),
            ),
        ),
        ("http jwks_uri", {
            let mut m = web_metadata();
            m.jwks_uri = Some("http://app.example/jwks".into());
            m
        }),
        (
            "issued member",
            with_member(web_metadata(), "client_id_issued_at", json!(1)),
        ),
        (
            "wrong type",
            with_member(web_metadata(), "dpop_bound_access_tokens", json!("yes")),
        ),
    ];
    for (what, m) in cases {
        let resp = register(&s, &m);
        assert_eq!(resp.status(), 400, "{what}");
        assert_eq!(error_code(&resp), "invalid_client_metadata", "{what}");
    }
    // Mixed jwks and jwks_uri (RFC 7591 §2), sent raw since the client types refuse to
    // build it.
    let body = br#"{"redirect_uris":["https://app.example/cb"],"jwks_uri":"https://app.example/jwks","jwks":{"keys":[]}}"#;
    let req = http::Request::post(REGISTER)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .unwrap();
    assert_eq!(error_code(&run(&s, &req)), "invalid_client_metadata");
    // Not JSON, not an object, the wrong content type.
    for (ct, body) in [
        ("application/json", b"[1,2]".to_vec()),
        ("application/json", b"{".to_vec()),
        ("text/plain", b"{}".to_vec()),
    ] {
        let req = http::Request::post(REGISTER)
            .header("content-type", ct)
            .body(body)
            .unwrap();
        assert_eq!(run(&s, &req).status(), 400);
    }
    // Wrong methods.
    let req = http::Request::get(REGISTER).body(Vec::new()).unwrap();
    assert_eq!(run(&s, &req).status(), 405);
}

#[test]
fn private_key_jwt_with_registered_keys_and_no_private_material() {
    let s = server();
    let (_, public) = ed25519(&s.rng, "k1");
    let jwks = json!({"keys": [serde_json::to_value(&public).unwrap()]});
    let mut m = web_metadata().with_token_endpoint_auth_method("private_key_jwt");
    m.jwks = jwks.as_object().cloned();
    let info = registered(&s, &m);
    assert!(info.client_secret.is_none());
    let Answer::Client(Some(record)) = s.answer(Need::Client(info.client_id.clone())) else {
        panic!()
    };
    assert_eq!(record.jwks.unwrap().keys.len(), 1);
    // A private key in jwks is refused.
    let provider = authcore_jose::crypto::default_provider();
    let private = authcore_jose::Jwk::generate(JwsAlgorithm::EdDSA, provider, &s.rng).unwrap();
    m.jwks = json!({"keys": [serde_json::to_value(&private).unwrap()]})
        .as_object()
        .cloned();
    assert_eq!(error_code(&register(&s, &m)), "invalid_client_metadata");
}

#[test]
fn sector_identifier_uri_is_fetched_and_must_list_every_redirect_uri() {
    let s = server();
    let m = with_member(
        with_member(web_metadata(), "subject_type", json!("pairwise")),
        "sector_identifier_uri",
        json!("https://sector.example/uris.json"),
    );
    let req = m.build_registration_request(REGISTER, None).unwrap();
    let listing = |body: &'static str| {
        move |url: &str| {
            assert_eq!(url, "https://sector.example/uris.json");
            Some(body.as_bytes().to_vec())
        }
    };
    let resp = run_fetching(&s, &req, &listing(r#"["https://app.example/cb"]"#));
    assert_eq!(resp.status(), 201);
    let resp = run_fetching(&s, &req, &listing(r#"["https://other.example/cb"]"#));
    assert_eq!(error_code(&resp), "invalid_redirect_uri");
    let resp = run_fetching(&s, &req, &listing(r#"{"not":"an array"}"#));
    assert_eq!(error_code(&resp), "invalid_client_metadata");
    let resp = run(&s, &req);
    assert_eq!(error_code(&resp), "invalid_client_metadata");
    let http_sector = with_member(
        web_metadata(),
        "sector_identifier_uri",
        json!("http://sector.example/uris.json"),
    );
    assert_eq!(
        error_code(&register(&s, &http_sector)),
        "invalid_client_metadata"
    );
}

#[test]
fn software_statements_are_verified_against_trusted_keys() {
    let mut s = server();
    let (signer, public) = ed25519(&s.rng, "publisher");
    let (untrusted, _) = ed25519(&s.rng, "publisher");
    let statement = |key: &authcore_jose::SigningKey| {
        jwt::encode(
            &JwsHeader::new(JwsAlgorithm::EdDSA),
            &json!({
                "iss": "https://publisher.example",
                "software_id": "4NRB1-0XZABZI9E6-5SM3R",
                "client_name": "Signed Name",
            }),
            key,
        )
        .unwrap()
    };
    let mut m = web_metadata();
    m.software_statement = Some(statement(&signer));
    // No trusted keys configured: statements are not approved.
    let resp = register(&s, &m);
    assert_eq!(error_code(&resp), "unapproved_software_statement");

    s.config.registration.software_statement_keys = Some(
        authcore_jose::JwkSet::from_json(
            json!({"keys": [serde_json::to_value(&public).unwrap()]})
                .to_string()
                .as_bytes(),
        )
        .unwrap(),
    );
    s.config.registration.software_statement_algorithms = vec![JwsAlgorithm::EdDSA];
    s.config.registration.require_software_statement = true;
    let info = registered(&s, &m);
    // The statement's claims take precedence (RFC 7591 §2.3).
    assert_eq!(info.metadata.client_name.as_deref(), Some("Signed Name"));
    assert_eq!(
        info.metadata.software_id.as_deref(),
        Some("4NRB1-0XZABZI9E6-5SM3R")
    );

    m.software_statement = Some(statement(&untrusted));
    let resp = register(&s, &m);
    assert_eq!(error_code(&resp), "unapproved_software_statement");
    // An expired statement is refused like an untrusted one.
    let expired = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::EdDSA),
        &json!({"iss": "https://publisher.example", "exp": common::T0 - 600}),
        &*signer,
    )
    .unwrap();
    m.software_statement = Some(expired);
    let resp = register(&s, &m);
    assert_eq!(error_code(&resp), "unapproved_software_statement");
    m.software_statement = None;
    let resp = register(&s, &m);
    assert_eq!(error_code(&resp), "invalid_software_statement");
}

#[test]
fn client_secret_jwt_and_expiring_secrets() {
    let mut s = server();
    s.config.registration.secret_lifetime = Some(3600);
    let info = registered(
        &s,
        &web_metadata().with_token_endpoint_auth_method("client_secret_jwt"),
    );
    assert_eq!(info.client_secret_expires_at, Some(common::T0 + 3600));
    let Answer::Client(Some(record)) = s.answer(Need::Client(info.client_id.clone())) else {
        panic!()
    };
    // The HMAC key must be kept to verify assertions (RFC 7523 §2.2).
    assert!(matches!(
        record.secret,
        Some(authcore_server::model::StoredSecret::Plain(_))
    ));
}

/// The logout registrations (RP-Initiated Logout 1.0 §3.1, Back- and Front-Channel Logout 1.0)
/// land in the record members the logout module reads, not only in the echoed metadata.
#[test]
fn logout_registrations_reach_the_client_record() {
    let config = authcore_server::ServerConfig::new("https://as.example").unwrap();
    let metadata = ClientMetadata::from_json(
        json!({
            "redirect_uris": ["https://rp.example/cb"],
            "post_logout_redirect_uris": ["https://rp.example/bye"],
            "backchannel_logout_uri": "https://rp.example/bc",
            "backchannel_logout_session_required": true,
            "frontchannel_logout_uri": "https://rp.example/fc",
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let record = authcore_server::registration::validate_metadata(&metadata, &config)
        .unwrap()
        .record;
    assert_eq!(record.post_logout_redirect_uris, ["https://rp.example/bye"]);
    assert_eq!(
        record.backchannel_logout_uri.as_deref(),
        Some("https://rp.example/bc")
    );
    assert!(record.backchannel_logout_session_required);
    assert_eq!(
        record.frontchannel_logout_uri.as_deref(),
        Some("https://rp.example/fc")
    );
    assert!(!record.frontchannel_logout_session_required);

    // A non-boolean flag is refused, not read as false.
    let bad = ClientMetadata::from_json(
        json!({
            "redirect_uris": ["https://rp.example/cb"],
            "backchannel_logout_session_required": "yes",
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    assert!(authcore_server::registration::validate_metadata(&bad, &config).is_err());
}

/// Back-Channel Logout 1.0 §2.2 asks for an `https` receiver; a provider whose own issuer is
/// plain `http` on loopback (development) also takes a loopback `http` receiver, and only
/// that one: an `https` issuer never sends logout tokens in the clear, and a loopback issuer
/// never to another host in the clear.
#[test]
fn backchannel_logout_uri_may_be_loopback_http_only_for_a_loopback_http_issuer() {
    let metadata = |uri: &str| {
        ClientMetadata::from_json(
            json!({
                "application_type": "native",
                "redirect_uris": ["http://127.0.0.1/cb"],
                "backchannel_logout_uri": uri,
            })
            .to_string()
            .as_bytes(),
        )
        .unwrap()
    };
    let validate = |issuer: &str, uri: &str| {
        let config = authcore_server::ServerConfig::new(issuer).unwrap();
        authcore_server::registration::validate_metadata(&metadata(uri), &config)
    };
    let dev = "http://127.0.0.1:8080";
    for uri in [
        "http://127.0.0.1:4000/bc",
        "http://localhost:4000/bc",
        "http://[::1]:4000/bc",
    ] {
        let record = validate(dev, uri)
            .unwrap_or_else(|e| panic!("{uri}: {e:?}"))
            .record;
        assert_eq!(record.backchannel_logout_uri.as_deref(), Some(uri));
    }
    assert!(validate(dev, "https://rp.example/bc").is_ok());
    for (issuer, uri) in [
        // An https issuer: https receivers only.
        ("https://as.example", "http://127.0.0.1:4000/bc"),
        // A loopback issuer: still no plain http to another host.
        (dev, "http://rp.example/bc"),
        // No fragment (the §2.2 URL is absolute, without fragment).
        (dev, "http://127.0.0.1:4000/bc#frag"),
        (dev, "not a url"),
    ] {
        let err = validate(issuer, uri).expect_err(uri);
        assert_eq!(
            err.code.as_str(),
            "invalid_client_metadata",
            "{issuer} {uri}"
        );
    }
}
