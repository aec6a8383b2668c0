//! Whole flows at the token endpoint: authcore-oauth2's client builds every request and
//! checks every response; authcore-server with the in-memory store answers, on a virtual
//! clock.

mod common;

use std::sync::Arc;

use authcore_jose::{JwkSet, JwsAlgorithm, UnixTime};
use authcore_oauth2::{
    AuthorizationCode, ClientAuthentication, ClientSecret, DeviceCode, Error, ErrorCode,
    JwtBearerAssertion, PkceCodeVerifier, RefreshToken, TokenRequest, TokenResponseOptions,
    parse_token_exchange_response, parse_token_response, token_type_uri,
};
use authcore_server::client_auth::{ClientCertificate, hash_chosen_secret};
use authcore_server::config::{
    AccessTokenFormat, ResourceServer, TokenExchangeRule, TrustedIssuer,
};
use authcore_server::model::{
    ClientAuthMethod, ClientRecord, DeviceCodeRecord, DeviceCodeStatus, GrantId, GrantRecord,
    StoredSecret, TlsClientIdentity, TokenKind,
};
use authcore_server::token::DpopBinding;
use authcore_server::tokens::{AccessTokenContent, CredentialKind, JwtAccessTokenIssuer};
use authcore_server::{
    Answer, Need, ServerError, Step, Supplied, TokenEndpoint, Write, WriteOutcome,
};
use common::*;

fn ok(resp: &http::Response<Vec<u8>>) -> authcore_oauth2::TokenResponse {
    assert_no_store(resp);
    parse_token_response(
        resp,
        &TokenResponseOptions::new().require_cache_control_no_store(),
    )
    .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(resp.body())))
}

fn server_error(resp: &http::Response<Vec<u8>>, code: ErrorCode) {
    assert_no_store(resp);
    match parse_token_response(resp, &TokenResponseOptions::new()) {
        Err(Error::Server(e)) => assert_eq!(e.error, code, "{e}"),
        other => panic!("expected {code}, got {other:?}"),
    }
}

fn cc_request(s: &TestServer, c: &authcore_oauth2::Client) -> http::Request<Vec<u8>> {
    TokenRequest::client_credentials()
        .scope("read")
        .build_token_request(c, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap()
}

#[test]
fn client_credentials_with_every_secret_method() {
    let s = TestServer::new();
    let (_, basic_secret) = s.secret_client("basic", ClientAuthMethod::ClientSecretBasic);
    let (_, post_secret) = s.secret_client("post", ClientAuthMethod::ClientSecretPost);
    let (_, jwt_secret) = s.secret_client("hmac", ClientAuthMethod::ClientSecretJwt);
    for c in [
        client("basic", basic(&basic_secret)),
        client("post", post(&post_secret)),
        client(
            "hmac",
            ClientAuthentication::ClientSecretJwt {
                secret: ClientSecret::new(jwt_secret),
                algorithm: JwsAlgorithm::HS256,
            },
        ),
    ] {
        let t = ok(&s.token(&cc_request(&s, &c)));
        assert_eq!(t.scope.as_deref(), Some(&["read".to_owned()][..]));
        assert!(t.refresh_token.is_none(), "RFC 6749 §4.4.3");
        assert!(t.access_token.secret().starts_with("acat_t1."));
        // Stored only as its keyed hash.
        let h = s
            .keys
            .token_hashing
            .hash_presented(CredentialKind::AccessToken, t.access_token.secret())
            .unwrap();
        let Answer::Token(Some(rec)) = s.answer(Need::AccessToken(h)) else {
            panic!("token not stored")
        };
        assert_eq!(rec.client_id, c.client_id());
        assert_eq!(rec.subject, c.client_id());
    }
}

#[test]
fn human_chosen_secrets_are_argon2id_hashed() {
    let s = TestServer::new();
    let stored = hash_chosen_secret("correct horse battery staple", &s.rng).unwrap();
    let StoredSecret::Argon2id(phc) = &stored else {
        panic!()
    };
    assert!(phc.starts_with("$argon2id$"));
    assert!(!phc.contains("correct horse"));
    let mut c = ClientRecord::new("human", ClientAuthMethod::ClientSecretBasic);
    c.secret = Some(stored);
    c.grant_types = vec!["client_credentials".into()];
    c.allowed_scopes = vec!["read".into()];
    s.store.put_client(c);
    ok(&s.token(&cc_request(
        &s,
        &client("human", basic("correct horse battery staple")),
    )));
    let resp = s.token(&cc_request(&s, &client("human", basic("wrong horse"))));
    server_error(&resp, ErrorCode::InvalidClient);
}

#[test]
fn wrong_secret_with_basic_is_401_with_a_challenge() {
    let s = TestServer::new();
    let (_, secret) = s.secret_client("basic", ClientAuthMethod::ClientSecretBasic);
    let resp = s.token(&cc_request(
        &s,
        &client("basic", basic(&format!("{secret}x"))),
    ));
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers().get(http::header::WWW_AUTHENTICATE).unwrap(),
        "Basic realm=\"https://as.example\""
    );
    server_error(&resp, ErrorCode::InvalidClient);
    // With client_secret_post: 401, no challenge.
    let (_, secret) = s.secret_client("post", ClientAuthMethod::ClientSecretPost);
    let resp = s.token(&cc_request(&s, &client("post", post("nope"))));
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get(http::header::WWW_AUTHENTICATE).is_none());
    // The right secret with the wrong method: the client must use the one it registered.
    let resp = s.token(&cc_request(&s, &client("post", basic(&secret))));
    server_error(&resp, ErrorCode::InvalidClient);
    // Unknown clients.
    let resp = s.token(&cc_request(&s, &client("nobody", post("x"))));
    server_error(&resp, ErrorCode::InvalidClient);
}

#[test]
fn basic_credentials_are_form_decoded() {
    let s = TestServer::new();
    let mut c = ClientRecord::new("a b+c", ClientAuthMethod::ClientSecretBasic);
    c.secret = Some(StoredSecret::Plain(authcore_jose::SecretBytes::new(
        b"s e+c%ret:x".to_vec(),
    )));
    c.grant_types = vec!["client_credentials".into()];
    c.allowed_scopes = vec!["read".into()];
    s.store.put_client(c);
    ok(&s.token(&cc_request(&s, &client("a b+c", basic("s e+c%ret:x")))));
}

#[test]
fn one_method_per_request() {
    let s = TestServer::new();
    let (_, secret) = s.secret_client("basic", ClientAuthMethod::ClientSecretBasic);
    let mut req = cc_request(&s, &client("basic", basic(&secret)));
    let body = format!(
        "{}&client_id=basic&client_secret={secret}",
        String::from_utf8(req.body().clone()).unwrap()
    );
    *req.body_mut() = body.into_bytes();
    server_error(&s.token(&req), ErrorCode::InvalidRequest);
}

#[test]
fn private_key_jwt_and_its_replay() {
    let mut s = TestServer::new();
    let (signer, public) = ed25519(&s.rng, "k1");
    let mut c = ClientRecord::new("pkjwt", ClientAuthMethod::PrivateKeyJwt);
    c.jwks = Some(JwkSet::new(vec![public]));
    c.grant_types = vec!["client_credentials".into()];
    c.allowed_scopes = vec!["read".into()];
    s.store.put_client(c);
    let cl = client("pkjwt", ClientAuthentication::PrivateKeyJwt(signer.clone()));
    let req = cc_request(&s, &cl);
    ok(&s.token(&req));
    // The same assertion again: its `jti` is single use (RFC 7523 §3 item 7).
    let resp = s.token(&req);
    server_error(&resp, ErrorCode::InvalidClient);
    // Another key: refused.
    let (other, _) = ed25519(&s.rng, "k1");
    let resp = s.token(&cc_request(
        &s,
        &client("pkjwt", ClientAuthentication::PrivateKeyJwt(other)),
    ));
    server_error(&resp, ErrorCode::InvalidClient);
    // An expired assertion.
    let req = cc_request(&s, &cl);
    s.advance(3600);
    server_error(&s.token(&req), ErrorCode::InvalidClient);
}

#[test]
fn client_assertions_for_another_audience_are_refused() {
    let s = TestServer::new();
    let (signer, public) = ed25519(&s.rng, "k1");
    let mut c = ClientRecord::new("pkjwt", ClientAuthMethod::PrivateKeyJwt);
    c.jwks = Some(JwkSet::new(vec![public]));
    c.grant_types = vec!["client_credentials".into()];
    s.store.put_client(c);
    let assertion = JwtBearerAssertion::new("pkjwt", "pkjwt", "https://other.example/token")
        .sign(signer.as_ref(), s.now, &s.rng)
        .unwrap();
    let req = form(format!(
        "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={assertion}"
    ));
    server_error(&s.token(&req), ErrorCode::InvalidClient);
}

fn form(body: String) -> http::Request<Vec<u8>> {
    http::Request::post(format!("{ISSUER}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.into_bytes())
        .unwrap()
}

fn cert(der: &[u8]) -> ClientCertificate {
    let mut c = ClientCertificate::new(der.to_vec());
    c.subject_dn = Some("CN=mtls,O=Example".into());
    c.san_dns = vec!["client.example".into()];
    c
}

#[test]
fn mutual_tls_client_authentication_and_binding() {
    let s = TestServer::new();
    let mut c = ClientRecord::new("mtls", ClientAuthMethod::TlsClientAuth);
    c.tls_identity = Some(TlsClientIdentity::SubjectDn("CN=mtls,O=Example".into()));
    c.grant_types = vec!["client_credentials".into()];
    c.allowed_scopes = vec!["read".into()];
    c.tls_client_certificate_bound_access_tokens = true;
    s.store.put_client(c);
    let cl = client("mtls", ClientAuthentication::TlsClientAuth);
    let cert1 = cert(b"certificate one");
    let t = ok(&s.token_with_cert(&cc_request(&s, &cl), Some(&cert1)));
    let h = s
        .keys
        .token_hashing
        .hash_presented(CredentialKind::AccessToken, t.access_token.secret())
        .unwrap();
    let Answer::Token(Some(rec)) = s.answer(Need::AccessToken(h)) else {
        panic!()
    };
    // RFC 8705 §3.1: bound to the certificate's SHA-256 thumbprint.
    assert_eq!(
        rec.cnf.unwrap().x5t_s256.unwrap(),
        cert1.thumbprint_s256(s.keys.provider)
    );
    // No certificate, or one with another subject: refused.
    server_error(&s.token(&cc_request(&s, &cl)), ErrorCode::InvalidClient);
    let mut other = cert(b"x");
    other.subject_dn = Some("CN=evil".into());
    server_error(
        &s.token_with_cert(&cc_request(&s, &cl), Some(&other)),
        ErrorCode::InvalidClient,
    );

    // Self-signed: the certificate must be one registered in the client's `x5c`.
    let (_, mut public) = ed25519(&s.rng, "k");
    use base64::Engine;
    public.x5c = Some(vec![
        base64::engine::general_purpose::STANDARD.encode(b"self-signed der"),
    ]);
    let mut c = ClientRecord::new("self", ClientAuthMethod::SelfSignedTlsClientAuth);
    c.jwks = Some(JwkSet::new(vec![public]));
    c.grant_types = vec!["client_credentials".into()];
    c.allowed_scopes = vec!["read".into()];
    s.store.put_client(c);
    let cl = client("self", ClientAuthentication::SelfSignedTlsClientAuth);
    ok(&s.token_with_cert(&cc_request(&s, &cl), Some(&cert(b"self-signed der"))));
    server_error(
        &s.token_with_cert(&cc_request(&s, &cl), Some(&cert(b"another der"))),
        ErrorCode::InvalidClient,
    );
}

#[test]
fn public_clients_cannot_use_client_credentials() {
    let s = TestServer::new();
    let mut c = s.public_client("pub");
    c.grant_types.push("client_credentials".into());
    s.store.put_client(c);
    let resp = s.token(&cc_request(&s, &client("pub", ClientAuthentication::None)));
    server_error(&resp, ErrorCode::UnauthorizedClient);
}

#[test]
fn unregistered_grant_types_and_scopes_are_refused() {
    let s = TestServer::new();
    let (mut c, secret) = s.secret_client("c", ClientAuthMethod::ClientSecretBasic);
    let cl = client("c", basic(&secret));
    let req = TokenRequest::client_credentials()
        .scope("admin")
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidScope);
    c.grant_types = vec!["authorization_code".into()];
    s.store.put_client(c);
    server_error(
        &s.token(&cc_request(&s, &cl)),
        ErrorCode::UnauthorizedClient,
    );
    // A grant the server does not offer.
    let req = TokenRequest::extension("urn:example:grant")
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::UnsupportedGrantType);
    // The password grant is off by default.
    #[allow(deprecated)]
    let req = TokenRequest::password("alice", &authcore_oauth2::Password::new("pw"))
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::UnsupportedGrantType);
}

#[test]
fn malformed_requests() {
    let s = TestServer::new();
    let get = http::Request::get(format!("{ISSUER}/token"))
        .body(Vec::new())
        .unwrap();
    let resp = s.token(&get);
    assert_eq!(resp.status(), 405);
    assert_no_store(&resp);
    let json = http::Request::post(format!("{ISSUER}/token"))
        .header("content-type", "application/json")
        .body(b"{}".to_vec())
        .unwrap();
    server_error(&s.token(&json), ErrorCode::InvalidRequest);
    for body in [
        "",
        "grant_type=client_credentials&grant_type=client_credentials",
        "grant_type=authorization_code&client_id=c",
        "grant_type=client_credentials&scope=a\"b&client_id=c",
    ] {
        server_error(&s.token(&form(body.into())), ErrorCode::InvalidRequest);
    }
    // No client identification at all.
    server_error(
        &s.token(&form("grant_type=client_credentials".into())),
        ErrorCode::InvalidClient,
    );
}

fn code_exchange(
    s: &TestServer,
    cl: &authcore_oauth2::Client,
    code: &str,
    verifier: Option<&str>,
) -> http::Response<Vec<u8>> {
    let req = TokenRequest::authorization_code(
        AuthorizationCode::new(code),
        REDIRECT.into(),
        verifier.map(PkceCodeVerifier::new),
    )
    .build_token_request(cl, &s.as_seen_by_client(), s.now, &s.rng)
    .unwrap();
    s.token(&req)
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

#[test]
fn authorization_code_with_pkce_then_refresh_rotation() {
    let mut s = TestServer::new();
    s.public_client("spa");
    let cl = client("spa", ClientAuthentication::None);
    let (code, grant) = s.issue_code("spa", Some(s256(VERIFIER)), &["read", "write"]);
    let t = ok(&code_exchange(&s, &cl, &code, Some(VERIFIER)));
    assert_eq!(t.expires_in, Some(3600));
    let rt1 = t.refresh_token.clone().unwrap();
    assert!(rt1.secret().starts_with("acrt_"));

    // Refresh with a narrower scope: allowed; the new refresh token keeps the grant's.
    s.advance(10);
    let req = TokenRequest::refresh_token(&rt1)
        .scope("read")
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let t2 = ok(&s.token(&req));
    assert_eq!(t2.scope.as_deref(), Some(&["read".to_owned()][..]));
    let rt2 = t2.refresh_token.clone().unwrap();
    assert_ne!(rt1.secret(), rt2.secret(), "rotated");
    let req = TokenRequest::refresh_token(&rt2)
        .scope("write")
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let t3 = ok(&s.token(&req));
    let rt3 = t3.refresh_token.clone().unwrap();

    // Widening: refused.
    let req = TokenRequest::refresh_token(&rt3)
        .scope("admin")
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidScope);

    // Reuse of a rotated token: refused, and the whole grant is revoked (RFC 9700 §4.14.2).
    let req = TokenRequest::refresh_token(&rt1)
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidGrant);
    let Answer::Grant(Some(g)) = s.answer(Need::Grant(grant)) else {
        panic!()
    };
    assert!(g.revoked);
    let req = TokenRequest::refresh_token(&rt3)
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidGrant);
    let h = s
        .keys
        .token_hashing
        .hash_presented(CredentialKind::AccessToken, t3.access_token.secret())
        .unwrap();
    let Answer::Token(Some(at)) = s.answer(Need::AccessToken(h)) else {
        panic!()
    };
    assert!(at.revoked);
}

#[test]
fn a_second_use_of_a_code_revokes_what_the_first_issued() {
    let s = TestServer::new();
    let (_, secret) = s.secret_client("web", ClientAuthMethod::ClientSecretBasic);
    let cl = client("web", basic(&secret));
    let (code, grant) = s.issue_code("web", Some(s256(VERIFIER)), &["read"]);
    let t = ok(&code_exchange(&s, &cl, &code, Some(VERIFIER)));
    server_error(
        &code_exchange(&s, &cl, &code, Some(VERIFIER)),
        ErrorCode::InvalidGrant,
    );
    let Answer::Grant(Some(g)) = s.answer(Need::Grant(grant)) else {
        panic!()
    };
    assert!(g.revoked, "RFC 6749 §4.1.2");
    let req = TokenRequest::refresh_token(&t.refresh_token.unwrap())
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidGrant);
}

#[test]
fn a_lost_race_on_the_code_is_a_replay() {
    let s = TestServer::new();
    let (_, secret) = s.secret_client("web", ClientAuthMethod::ClientSecretBasic);
    let cl = client("web", basic(&secret));
    let (code, grant) = s.issue_code("web", Some(s256(VERIFIER)), &["read"]);
    let req = TokenRequest::authorization_code(
        AuthorizationCode::new(&code),
        REDIRECT.into(),
        Some(PkceCodeVerifier::new(VERIFIER)),
    )
    .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
    .unwrap();
    let ctx = s.ctx();
    let mut ep = TokenEndpoint::new(&req, None);
    let mut supplied = Supplied::new();
    let writes = loop {
        match authcore_server::Endpoint::step(&mut ep, &ctx, &supplied) {
            Step::Need(needs) => {
                for n in needs {
                    let a = s.answer(n.clone());
                    supplied.answer(n, a);
                }
            }
            Step::Write(w) => break w,
            Step::Respond(r) => panic!("{:?}", String::from_utf8_lossy(r.body())),
            Step::Interact(i) => panic!("the token endpoint never interacts: {i:?}"),
        }
    };
    // Another request consumed the code between the lookup and the write.
    let Write::ConsumeCodeIfUnused(h) = &writes[0] else {
        panic!("{writes:?}")
    };
    assert_eq!(
        s.apply(Write::ConsumeCodeIfUnused(h.clone())),
        WriteOutcome::Applied
    );
    supplied.record_outcomes(authcore_server::apply_batch(&s.store, &writes, s.now));
    let Step::Write(revoke) = authcore_server::Endpoint::step(&mut ep, &ctx, &supplied) else {
        panic!()
    };
    assert_eq!(revoke, vec![Write::RevokeGrant(grant)]);
    supplied.record_outcomes(authcore_server::apply_batch(&s.store, &revoke, s.now));
    let Step::Respond(resp) = authcore_server::Endpoint::step(&mut ep, &ctx, &supplied) else {
        panic!()
    };
    server_error(&resp, ErrorCode::InvalidGrant);
    assert_eq!(s.store.token_count(), 0, "nothing issued");
}

#[test]
fn pkce_checks() {
    let mut s = TestServer::new();
    s.public_client("spa");
    let cl = client("spa", ClientAuthentication::None);
    // Wrong verifier, missing verifier, malformed verifier.
    for v in [
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx"),
        None,
        Some("short"),
    ] {
        let (code, _) = s.issue_code("spa", Some(s256(VERIFIER)), &["read"]);
        server_error(&code_exchange(&s, &cl, &code, v), ErrorCode::InvalidGrant);
    }
    // Downgrade: a verifier for a code that had no challenge (RFC 9700 §4.8.2).
    let (code, _) = s.issue_code("spa", None, &["read"]);
    server_error(
        &code_exchange(&s, &cl, &code, Some(VERIFIER)),
        ErrorCode::InvalidGrant,
    );
    // No PKCE at all from a public client.
    let (code, _) = s.issue_code("spa", None, &["read"]);
    server_error(
        &code_exchange(&s, &cl, &code, None),
        ErrorCode::InvalidGrant,
    );
    // `plain` only when allowed.
    let plain = authcore_server::model::CodeChallenge {
        challenge: VERIFIER.into(),
        method: authcore_oauth2::PkceMethod::Plain,
    };
    let (code, _) = s.issue_code("spa", Some(plain.clone()), &["read"]);
    server_error(
        &code_exchange(&s, &cl, &code, Some(VERIFIER)),
        ErrorCode::InvalidGrant,
    );
    s.config.pkce.allow_plain = true;
    let (code, _) = s.issue_code("spa", Some(plain), &["read"]);
    ok(&code_exchange(&s, &cl, &code, Some(VERIFIER)));
    // A confidential client without PKCE when the policy allows it.
    s.config.pkce.required_for_confidential_clients = false;
    let (_, secret) = s.secret_client("web", ClientAuthMethod::ClientSecretPost);
    let (code, _) = s.issue_code("web", None, &["read"]);
    ok(&code_exchange(
        &s,
        &client("web", post(&secret)),
        &code,
        None,
    ));
}

#[test]
fn code_injection_redirect_and_expiry_checks() {
    let mut s = TestServer::new();
    s.public_client("spa");
    s.public_client("evil");
    let (code, _) = s.issue_code("spa", Some(s256(VERIFIER)), &["read"]);
    // Another client presenting the code.
    server_error(
        &code_exchange(
            &s,
            &client("evil", ClientAuthentication::None),
            &code,
            Some(VERIFIER),
        ),
        ErrorCode::InvalidGrant,
    );
    // Another redirect URI.
    let req = TokenRequest::authorization_code(
        AuthorizationCode::new(&code),
        "https://app.example/other".into(),
        Some(PkceCodeVerifier::new(VERIFIER)),
    )
    .build_token_request(
        &client("spa", ClientAuthentication::None),
        &s.as_seen_by_client(),
        s.now,
        &s.rng,
    )
    .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidGrant);
    // Expired (60 s by default).
    s.advance(61);
    server_error(
        &code_exchange(
            &s,
            &client("spa", ClientAuthentication::None),
            &code,
            Some(VERIFIER),
        ),
        ErrorCode::InvalidGrant,
    );
    // A code that does not exist, and one under an unknown key.
    for bogus in [
        "acac_t1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "acac_zz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "x",
    ] {
        server_error(
            &code_exchange(
                &s,
                &client("spa", ClientAuthentication::None),
                bogus,
                Some(VERIFIER),
            ),
            ErrorCode::InvalidGrant,
        );
    }
}

fn device_record(s: &TestServer, client_id: &str, status: DeviceCodeStatus) -> String {
    let (code, handle) = s
        .keys
        .token_hashing
        .mint(CredentialKind::DeviceCode, &s.rng)
        .unwrap();
    let user = s
        .keys
        .token_hashing
        .hash_value(CredentialKind::DeviceCode, "BCDFGHJK")
        .unwrap();
    let rec = DeviceCodeRecord {
        handle,
        user_code_handle: user,
        client_id: client_id.into(),
        scopes: vec!["read".into()],
        resources: vec![],
        issued_at: s.now,
        expires_at: s.now.saturating_add(600),
        interval: 5,
        last_polled_at: None,
        failed_attempts: 0,
        status,
    };
    assert_eq!(s.apply(Write::InsertDeviceCode(rec)), WriteOutcome::Applied);
    code
}

#[test]
fn device_code_polling() {
    let mut s = TestServer::new();
    s.config.endpoints.device_authorization = Some(s.config.endpoint("device").unwrap());
    let mut c = s.public_client("tv");
    c.grant_types = vec![
        "urn:ietf:params:oauth:grant-type:device_code".into(),
        "refresh_token".into(),
    ];
    s.store.put_client(c);
    let cl = client("tv", ClientAuthentication::None);
    let code = device_record(&s, "tv", DeviceCodeStatus::Pending);
    let poll = |s: &TestServer| {
        let req = TokenRequest::device_code(&DeviceCode::new(&code))
            .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
            .unwrap();
        s.token(&req)
    };
    server_error(&poll(&s), ErrorCode::AuthorizationPending);
    s.advance(2);
    server_error(&poll(&s), ErrorCode::SlowDown);
    // The interval is now 10 s.
    s.advance(6);
    server_error(&poll(&s), ErrorCode::SlowDown);
    s.advance(15);
    server_error(&poll(&s), ErrorCode::AuthorizationPending);
    // The user approves.
    let grant = GrantRecord::new(
        GrantId("dg".into()),
        "tv",
        "bob",
        vec!["read".into()],
        vec![],
        s.now,
    );
    s.apply(Write::InsertGrant(grant));
    let h = s
        .keys
        .token_hashing
        .hash_presented(CredentialKind::DeviceCode, &code)
        .unwrap();
    assert_eq!(
        s.apply(Write::DecideDeviceCodeIfPending {
            handle: h,
            decision: DeviceCodeStatus::Approved(GrantId("dg".into())),
        }),
        WriteOutcome::Applied
    );
    s.advance(20);
    let t = ok(&poll(&s));
    assert!(t.refresh_token.is_some());
    s.advance(20);
    server_error(&poll(&s), ErrorCode::InvalidGrant);

    let denied = device_record(&s, "tv", DeviceCodeStatus::Denied);
    let req = TokenRequest::device_code(&DeviceCode::new(&denied))
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::AccessDenied);
    let expiring = device_record(&s, "tv", DeviceCodeStatus::Pending);
    s.advance(601);
    let req = TokenRequest::device_code(&DeviceCode::new(&expiring))
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::ExpiredToken);
}

#[test]
fn token_exchange_under_the_policy() {
    let mut s = TestServer::new();
    s.config
        .resource_servers
        .push(ResourceServer::new("https://api.example"));
    let (_, a_secret) = s.secret_client("a", ClientAuthMethod::ClientSecretBasic);
    let (mut b, b_secret) = s.secret_client("b", ClientAuthMethod::ClientSecretBasic);
    b.grant_types
        .push("urn:ietf:params:oauth:grant-type:token-exchange".into());
    s.store.put_client(b);
    let subject = ok(&s.token(&cc_request(&s, &client("a", basic(&a_secret)))));
    let cl = client("b", basic(&b_secret));
    let exchange = |s: &TestServer, audience: &str| {
        TokenRequest::token_exchange(subject.access_token.secret(), token_type_uri::ACCESS_TOKEN)
            .audience(audience)
            .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
            .unwrap()
    };
    // Off until a rule allows it.
    server_error(
        &s.token(&exchange(&s, "https://api.example")),
        ErrorCode::UnsupportedGrantType,
    );
    s.config.token_exchange.rules.push(TokenExchangeRule::new(
        "b",
        vec!["https://api.example".into()],
        vec!["read".into()],
    ));
    let resp = s.token(&exchange(&s, "https://api.example"));
    let t = parse_token_exchange_response(&resp, &TokenResponseOptions::new()).unwrap();
    assert_eq!(
        t.issued_token_type.as_deref(),
        Some(token_type_uri::ACCESS_TOKEN)
    );
    server_error(
        &s.token(&exchange(&s, "https://other.example")),
        ErrorCode::InvalidTarget,
    );
}

/// The stored record of an access token the server issued.
fn access_record(s: &TestServer, token: &str) -> authcore_server::model::TokenRecord {
    let h = s
        .keys
        .token_hashing
        .hash_presented(CredentialKind::AccessToken, token)
        .unwrap();
    let Answer::Token(Some(rec)) = s.answer(Need::AccessToken(h)) else {
        panic!("the token is not stored")
    };
    rec
}

#[test]
fn token_exchange_delegation_under_the_policy() {
    use authcore_server::model::Actor;
    let mut s = TestServer::new();
    s.config
        .resource_servers
        .push(ResourceServer::new("https://api.example"));
    let (_, a_secret) = s.secret_client("a", ClientAuthMethod::ClientSecretBasic);
    let (mut b, b_secret) = s.secret_client("b", ClientAuthMethod::ClientSecretBasic);
    b.grant_types
        .push("urn:ietf:params:oauth:grant-type:token-exchange".into());
    s.store.put_client(b);
    let a_client = client("a", basic(&a_secret));
    let b_client = client("b", basic(&b_secret));
    // The subject's token (subject "a"), and the actor's own token (subject "b").
    let subject = ok(&s.token(&cc_request(&s, &a_client)));
    let actor = ok(&s.token(&cc_request(&s, &b_client)));
    let someone_elses = ok(&s.token(&cc_request(&s, &a_client)));
    let exchange = |s: &TestServer, subject: &str, actor: Option<(&str, &str)>| {
        let mut r = TokenRequest::token_exchange(subject, token_type_uri::ACCESS_TOKEN)
            .audience("https://api.example");
        if let Some((t, tt)) = actor {
            r = r.actor_token(t, tt);
        }
        r.build_token_request(&b_client, &s.as_seen_by_client(), s.now, &s.rng)
            .unwrap()
    };
    let with_actor = |s: &TestServer, subject: &str, actor: &str| {
        exchange(s, subject, Some((actor, token_type_uri::ACCESS_TOKEN)))
    };
    let rule = TokenExchangeRule::new("b", vec!["https://api.example".into()], vec!["read".into()]);
    s.config.token_exchange.rules.push(rule.clone());
    // A rule without delegation: impersonation only.
    server_error(
        &s.token(&with_actor(
            &s,
            subject.access_token.secret(),
            actor.access_token.secret(),
        )),
        ErrorCode::InvalidRequest,
    );
    let impersonated = ok(&s.token(&exchange(&s, subject.access_token.secret(), None)));
    assert_eq!(
        access_record(&s, impersonated.access_token.secret()).act,
        None
    );

    s.config.token_exchange.rules = vec![
        rule.clone()
            .with_delegation(vec!["b".into()], vec!["a".into()]),
    ];
    let delegated = ok(&s.token(&with_actor(
        &s,
        subject.access_token.secret(),
        actor.access_token.secret(),
    )));
    let rec = access_record(&s, delegated.access_token.secret());
    assert_eq!(rec.subject, "a");
    assert_eq!(rec.client_id, "b");
    assert_eq!(rec.act, Some(Actor::new("b", None)));

    // A chain: the delegated token exchanged again nests the earlier actor (RFC 8693 §4.1).
    let chained = ok(&s.token(&with_actor(
        &s,
        delegated.access_token.secret(),
        actor.access_token.secret(),
    )));
    let rec = access_record(&s, chained.access_token.secret());
    assert_eq!(rec.act, Some(Actor::new("b", Some(Actor::new("b", None)))));
    assert_eq!(
        rec.act.as_ref().unwrap().to_json(),
        serde_json::json!({"sub": "b", "act": {"sub": "b"}})
    );
    // Impersonation of a delegated token keeps who acted.
    let kept = ok(&s.token(&exchange(&s, delegated.access_token.secret(), None)));
    assert_eq!(
        access_record(&s, kept.access_token.secret()).act,
        Some(Actor::new("b", None))
    );

    // actor_token_type is required with actor_token, and only with it (RFC 8693 §2.1).
    server_error(
        &s.token(&exchange(
            &s,
            subject.access_token.secret(),
            Some((actor.access_token.secret(), "")),
        )),
        ErrorCode::InvalidRequest,
    );
    let mut without_type =
        TokenRequest::token_exchange(subject.access_token.secret(), token_type_uri::ACCESS_TOKEN)
            .audience("https://api.example")
            .param("actor_token", actor.access_token.secret());
    server_error(
        &s.token(
            &without_type
                .build_token_request(&b_client, &s.as_seen_by_client(), s.now, &s.rng)
                .unwrap(),
        ),
        ErrorCode::InvalidRequest,
    );
    without_type =
        TokenRequest::token_exchange(subject.access_token.secret(), token_type_uri::ACCESS_TOKEN)
            .audience("https://api.example")
            .param("actor_token_type", token_type_uri::ACCESS_TOKEN);
    server_error(
        &s.token(
            &without_type
                .build_token_request(&b_client, &s.as_seen_by_client(), s.now, &s.rng)
                .unwrap(),
        ),
        ErrorCode::InvalidRequest,
    );
    // An actor token of another type, an unknown one, one issued to another client.
    server_error(
        &s.token(&exchange(
            &s,
            subject.access_token.secret(),
            Some((actor.access_token.secret(), token_type_uri::REFRESH_TOKEN)),
        )),
        ErrorCode::InvalidRequest,
    );
    server_error(
        &s.token(&with_actor(&s, subject.access_token.secret(), "at_unknown")),
        ErrorCode::InvalidRequest,
    );
    server_error(
        &s.token(&with_actor(
            &s,
            subject.access_token.secret(),
            someone_elses.access_token.secret(),
        )),
        ErrorCode::InvalidRequest,
    );
    // The policy names who acts and for whom.
    s.config.token_exchange.rules =
        vec![rule.clone().with_delegation(vec!["gateway".into()], vec![])];
    server_error(
        &s.token(&with_actor(
            &s,
            subject.access_token.secret(),
            actor.access_token.secret(),
        )),
        ErrorCode::InvalidRequest,
    );
    s.config.token_exchange.rules = vec![
        rule.clone()
            .with_delegation(vec!["b".into()], vec!["c".into()]),
    ];
    server_error(
        &s.token(&with_actor(
            &s,
            subject.access_token.secret(),
            actor.access_token.secret(),
        )),
        ErrorCode::InvalidRequest,
    );
    // The chain is bounded: exchanging the delegated token again and again stops at
    // MAX_DELEGATION_DEPTH actors.
    s.config.token_exchange.rules = vec![rule.clone().with_delegation(vec!["b".into()], vec![])];
    let mut token = chained.access_token.secret().to_owned();
    for _ in 2..authcore_server::model::MAX_DELEGATION_DEPTH {
        token = ok(&s.token(&with_actor(&s, &token, actor.access_token.secret())))
            .access_token
            .secret()
            .to_owned();
    }
    assert_eq!(
        access_record(&s, &token).act.map(|a| a.depth()),
        Some(authcore_server::model::MAX_DELEGATION_DEPTH)
    );
    server_error(
        &s.token(&with_actor(&s, &token, actor.access_token.secret())),
        ErrorCode::InvalidRequest,
    );
    // An empty act_for lets the actor act for any subject.
    s.config.token_exchange.rules = vec![rule.with_delegation(vec!["b".into()], vec![])];
    ok(&s.token(&with_actor(
        &s,
        subject.access_token.secret(),
        actor.access_token.secret(),
    )));
}

#[test]
fn jwt_bearer_grant_from_a_trusted_issuer() {
    let mut s = TestServer::new();
    let (idp_signer, idp_public) = ed25519(&s.rng, "idp");
    let mut trusted = TrustedIssuer::new(
        "https://idp.example",
        JwkSet::new(vec![idp_public]),
        vec![JwsAlgorithm::EdDSA],
    );
    trusted.clients = vec!["svc".into()];
    trusted.scopes = vec!["read".into()];
    s.config.trusted_jwt_bearer_issuers.push(trusted);
    let (mut c, secret) = s.secret_client("svc", ClientAuthMethod::ClientSecretPost);
    c.grant_types
        .push("urn:ietf:params:oauth:grant-type:jwt-bearer".into());
    s.store.put_client(c);
    let cl = client("svc", post(&secret));
    let assertion =
        JwtBearerAssertion::new("https://idp.example", "carol", format!("{ISSUER}/token"))
            .sign(idp_signer.as_ref(), s.now, &s.rng)
            .unwrap();
    let req = TokenRequest::jwt_bearer(&assertion)
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let t = ok(&s.token(&req));
    let h = s
        .keys
        .token_hashing
        .hash_presented(CredentialKind::AccessToken, t.access_token.secret())
        .unwrap();
    let Answer::Token(Some(rec)) = s.answer(Need::AccessToken(h)) else {
        panic!()
    };
    assert_eq!(rec.subject, "carol");
    // Replay of the assertion.
    server_error(&s.token(&req), ErrorCode::InvalidGrant);
    // An untrusted issuer.
    let (other, _) = ed25519(&s.rng, "idp");
    let forged = JwtBearerAssertion::new("https://idp.example", "carol", format!("{ISSUER}/token"))
        .sign(other.as_ref(), s.now, &s.rng)
        .unwrap();
    let req = TokenRequest::jwt_bearer(&forged)
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidGrant);
    let unknown =
        JwtBearerAssertion::new("https://else.example", "carol", format!("{ISSUER}/token"))
            .sign(idp_signer.as_ref(), s.now, &s.rng)
            .unwrap();
    let req = TokenRequest::jwt_bearer(&unknown)
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidGrant);
}

#[test]
fn password_grant_only_behind_its_legacy_setting() {
    let mut s = TestServer::new();
    s.config.legacy.password_grant = true;
    let (mut c, secret) = s.secret_client("legacy", ClientAuthMethod::ClientSecretBasic);
    c.grant_types.push("password".into());
    s.store.put_client(c);
    let cl = client("legacy", basic(&secret));
    let run = |s: &TestServer, pw: &str| {
        #[allow(deprecated)]
        let req = TokenRequest::password("alice", &authcore_oauth2::Password::new(pw))
            .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
            .unwrap();
        let ctx = s.ctx();
        let mut ep = TokenEndpoint::new(&req, None);
        let mut supplied = Supplied::new();
        loop {
            match authcore_server::Endpoint::step(&mut ep, &ctx, &supplied) {
                Step::Need(needs) => {
                    for n in needs {
                        let a = match &n {
                            // The application checks the password its own way.
                            Need::ResourceOwnerPassword(p) => Answer::Subject(
                                (p.username == "alice" && p.password == "pw")
                                    .then(|| "alice-sub".to_owned()),
                            ),
                            _ => s.answer(n.clone()),
                        };
                        supplied.answer(n, a);
                    }
                }
                Step::Write(w) => {
                    supplied.record_outcomes(authcore_server::apply_batch(&s.store, &w, s.now))
                }
                Step::Respond(r) => return r,
                Step::Interact(i) => panic!("the token endpoint never interacts: {i:?}"),
            }
        }
    };
    ok(&run(&s, "pw"));
    server_error(&run(&s, "nope"), ErrorCode::InvalidGrant);
}

#[derive(Debug)]
struct TestJwtIssuer(Arc<authcore_jose::SigningKey>);

impl JwtAccessTokenIssuer for TestJwtIssuer {
    fn issue(
        &self,
        alg: Option<JwsAlgorithm>,
        c: &AccessTokenContent,
    ) -> Result<String, ServerError> {
        // The one key this issuer holds is EdDSA.
        if alg.is_some_and(|a| a != JwsAlgorithm::EdDSA) {
            return Err(ServerError::Crypto);
        }
        let claims = serde_json::json!({
            "iss": c.issuer, "sub": c.subject, "client_id": c.client_id, "aud": c.audience,
            "scope": c.scopes.join(" "), "iat": c.issued_at.as_secs(),
            "exp": c.expires_at.as_secs(), "jti": c.jti,
        });
        authcore_jose::jwt::encode(
            &authcore_jose::JwsHeader::new(JwsAlgorithm::EdDSA).with_typ("at+jwt"),
            &claims,
            self.0.as_ref(),
        )
        .map_err(|_| ServerError::Crypto)
    }
}

#[test]
fn jwt_access_tokens_for_resource_servers_that_want_them() {
    let mut s = TestServer::new();
    let (signer, public) = ed25519(&s.rng, "at");
    s.keys = s
        .keys
        .clone()
        .with_jwt_access_tokens(Arc::new(TestJwtIssuer(signer)));
    let mut rs = ResourceServer::new("https://api.example");
    rs.access_token_format = AccessTokenFormat::Jwt;
    s.config.resource_servers.push(rs);
    let (mut c, secret) = s.secret_client("svc", ClientAuthMethod::ClientSecretBasic);
    c.allowed_resources = vec!["https://api.example".into()];
    s.store.put_client(c);
    let req = TokenRequest::client_credentials()
        .resource("https://api.example")
        .build_token_request(
            &client("svc", basic(&secret)),
            &s.as_seen_by_client(),
            s.now,
            &s.rng,
        )
        .unwrap();
    let before = s.store.token_count();
    let t = ok(&s.token(&req));
    assert_eq!(
        s.store.token_count(),
        before,
        "JWT access tokens are not stored"
    );
    let key = authcore_jose::VerifyingKey::from_jwk(&public, None, s.keys.provider).unwrap();
    let v = authcore_jose::jwt::Validation::new()
        .issuer(ISSUER)
        .audience("https://api.example")
        .typ("at+jwt");
    let verified = authcore_jose::jwt::verify(t.access_token.secret(), &key, &v, s.now).unwrap();
    assert_eq!(verified.claims.registered.sub.as_deref(), Some("svc"));
    // An unknown resource: invalid_target (RFC 8707 §2).
    let req = TokenRequest::client_credentials()
        .resource("https://unknown.example")
        .build_token_request(
            &client("svc", basic(&secret)),
            &s.as_seen_by_client(),
            s.now,
            &s.rng,
        )
        .unwrap();
    server_error(&s.token(&req), ErrorCode::InvalidTarget);
}

#[test]
fn jwt_access_tokens_are_signed_with_the_resource_servers_algorithm() {
    let mut s = TestServer::new();
    let (signer, _) = ed25519(&s.rng, "at");
    s.keys = s
        .keys
        .clone()
        .with_jwt_access_tokens(Arc::new(TestJwtIssuer(signer)));
    for (identifier, alg) in [
        ("https://eddsa.example", JwsAlgorithm::EdDSA),
        ("https://es256.example", JwsAlgorithm::ES256),
    ] {
        let mut rs = ResourceServer::new(identifier);
        rs.access_token_format = AccessTokenFormat::Jwt;
        rs.access_token_signing_alg = Some(alg);
        s.config.resource_servers.push(rs);
    }
    let (mut c, secret) = s.secret_client("svc", ClientAuthMethod::ClientSecretBasic);
    c.allowed_resources = vec![
        "https://eddsa.example".into(),
        "https://es256.example".into(),
    ];
    s.store.put_client(c);
    let request = |resource: &str| {
        TokenRequest::client_credentials()
            .resource(resource)
            .build_token_request(
                &client("svc", basic(&secret)),
                &s.as_seen_by_client(),
                s.now,
                &s.rng,
            )
            .unwrap()
    };
    let t = ok(&s.token(&request("https://eddsa.example")));
    let header = authcore_jose::jws::decode_header_unverified(t.access_token.secret()).unwrap();
    assert_eq!(header.alg, JwsAlgorithm::EdDSA);
    // The issuer has no ES256 key: a server error, never a token signed with another
    // algorithm than the resource server's.
    let resp = s.token(&request("https://es256.example"));
    assert_eq!(resp.status(), 500);
    assert!(
        !String::from_utf8_lossy(resp.body()).contains("access_token"),
        "no token without the resource server's algorithm"
    );
}

fn dpop(jkt: &str, jti: &str, now: UnixTime) -> DpopBinding {
    DpopBinding {
        jkt: jkt.into(),
        replay_key: format!("dpop:{jti}"),
        expires_at: now.saturating_add(60),
    }
}

fn drive_with_dpop(
    s: &TestServer,
    req: &http::Request<Vec<u8>>,
    binding: Option<DpopBinding>,
) -> http::Response<Vec<u8>> {
    let mut ep = TokenEndpoint::new(req, None);
    if let Some(b) = binding {
        ep = ep.with_dpop(b);
    }
    authcore_server::drive(&mut ep, &s.ctx(), &s.store, &|_| None)
}

#[test]
fn dpop_bound_tokens() {
    let s = TestServer::new();
    let mut c = s.public_client("spa");
    c.dpop_bound_access_tokens = true;
    s.store.put_client(c);
    let cl = client("spa", ClientAuthentication::None);
    let (code, _) = s.issue_code("spa", Some(s256(VERIFIER)), &["read"]);
    let req = |code: &str| {
        TokenRequest::authorization_code(
            AuthorizationCode::new(code),
            REDIRECT.into(),
            Some(PkceCodeVerifier::new(VERIFIER)),
        )
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap()
    };
    // No proof from a client registered for DPoP.
    server_error(
        &drive_with_dpop(&s, &req(&code), None),
        ErrorCode::InvalidDpopProof,
    );
    let resp = drive_with_dpop(&s, &req(&code), Some(dpop("jkt-1", "p1", s.now)));
    let t = parse_token_response(&resp, &TokenResponseOptions::new().dpop()).unwrap();
    assert_eq!(t.token_type, authcore_oauth2::TokenType::DPoP);
    let rt = t.refresh_token.unwrap();
    let refresh = TokenRequest::refresh_token(&rt)
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    // The public client's refresh token is bound to the key: another key fails.
    server_error(
        &drive_with_dpop(&s, &refresh, Some(dpop("jkt-2", "p2", s.now))),
        ErrorCode::InvalidGrant,
    );
    // A replayed proof fails.
    server_error(
        &drive_with_dpop(&s, &refresh, Some(dpop("jkt-1", "p1", s.now))),
        ErrorCode::InvalidDpopProof,
    );
    let resp = drive_with_dpop(&s, &refresh, Some(dpop("jkt-1", "p3", s.now)));
    parse_token_response(&resp, &TokenResponseOptions::new().dpop()).unwrap();

    // dpop_jkt at the authorization endpoint binds the code (RFC 9449 §10).
    let (code, _) = s.issue_code("spa", Some(s256(VERIFIER)), &["read"]);
    let h = s
        .keys
        .token_hashing
        .hash_presented(CredentialKind::AuthorizationCode, &code)
        .unwrap();
    let Answer::Code(Some(mut rec)) = s.answer(Need::Code(h)) else {
        panic!()
    };
    rec.dpop_jkt = Some("jkt-9".into());
    s.apply(Write::InsertCode(rec));
    server_error(
        &drive_with_dpop(&s, &req(&code), Some(dpop("jkt-1", "p4", s.now))),
        ErrorCode::InvalidDpopProof,
    );
    let resp = drive_with_dpop(&s, &req(&code), Some(dpop("jkt-9", "p5", s.now)));
    parse_token_response(&resp, &TokenResponseOptions::new().dpop()).unwrap();
}

#[test]
fn tokens_survive_hash_key_rotation() {
    let mut s = TestServer::new();
    let (_, secret) = s.secret_client("web", ClientAuthMethod::ClientSecretBasic);
    let cl = client("web", basic(&secret));
    let (code, _) = s.issue_code("web", Some(s256(VERIFIER)), &["read"]);
    let t = ok(&code_exchange(&s, &cl, &code, Some(VERIFIER)));
    let next = authcore_server::tokens::HashKey::generate("t2", &s.rng, s.keys.provider).unwrap();
    s.keys.token_hashing.rotate(next).unwrap();
    let req = TokenRequest::refresh_token(&RefreshToken::new(t.refresh_token.unwrap().secret()))
        .build_token_request(&cl, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let t2 = ok(&s.token(&req));
    assert!(t2.refresh_token.unwrap().secret().starts_with("acrt_t2."));
    let _ = TokenKind::Access;
}

fn dpop_key(s: &TestServer) -> authcore_oauth2::DpopKey {
    let provider = s.keys.provider;
    let jwk = authcore_jose::Jwk::generate(JwsAlgorithm::EdDSA, provider, &s.rng).unwrap();
    authcore_oauth2::DpopKey::new(
        authcore_jose::SigningKey::from_jwk(&jwk, None, provider).unwrap(),
        provider,
    )
    .unwrap()
}

#[test]
fn dpop_proofs_are_verified_at_the_token_endpoint_with_server_nonces() {
    let mut s = TestServer::new();
    let nonces = authcore_server::dpop::DpopNonces::new(&[7u8; 32], 300, s.keys.provider).unwrap();
    s.keys = s.keys.clone().with_dpop_nonces(Arc::new(nonces));
    let (_, secret) = s.secret_client("svc", ClientAuthMethod::ClientSecretBasic);
    let cl = client("svc", basic(&secret));
    let key = dpop_key(&s);
    // Without the nonce: use_dpop_nonce, and the nonce in DPoP-Nonce (RFC 9449 §8).
    let mut req = cc_request(&s, &cl);
    key.attach_proof(&mut req, None, None, s.now, &s.rng)
        .unwrap();
    let resp = s.token(&req);
    server_error(&resp, ErrorCode::UseDpopNonce);
    let nonce = resp.headers()[authcore_oauth2::DPOP_NONCE]
        .to_str()
        .unwrap()
        .to_owned();
    let mut req = cc_request(&s, &cl);
    key.attach_proof(&mut req, None, Some(&nonce), s.now, &s.rng)
        .unwrap();
    let resp = s.token(&req);
    let t = parse_token_response(&resp, &TokenResponseOptions::new().dpop()).unwrap();
    assert_eq!(t.token_type, authcore_oauth2::TokenType::DPoP);
    let h = s
        .keys
        .token_hashing
        .hash_presented(CredentialKind::AccessToken, t.access_token.secret())
        .unwrap();
    let Answer::Token(Some(rec)) = s.answer(Need::AccessToken(h)) else {
        panic!()
    };
    assert_eq!(rec.cnf.unwrap().jkt.as_deref(), Some(key.jkt()));
    // The same proof again: replay (RFC 9449 §11.1).
    server_error(&s.token(&req), ErrorCode::InvalidDpopProof);
    // A proof for another URI (htu).
    let mut wrong = http::Request::post("https://as.example/other")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Vec::<u8>::new())
        .unwrap();
    key.attach_proof(&mut wrong, None, Some(&nonce), s.now, &s.rng)
        .unwrap();
    let mut req = cc_request(&s, &cl);
    req.headers_mut().insert(
        authcore_oauth2::DPOP,
        wrong.headers()[authcore_oauth2::DPOP].clone(),
    );
    server_error(&s.token(&req), ErrorCode::InvalidDpopProof);
    // A garbage proof.
    let mut req = cc_request(&s, &cl);
    req.headers_mut().insert(
        authcore_oauth2::DPOP,
        http::HeaderValue::from_static("x.y.z"),
    );
    server_error(&s.token(&req), ErrorCode::InvalidDpopProof);
    // A proof that is too old.
    let mut req = cc_request(&s, &cl);
    key.attach_proof(&mut req, None, Some(&nonce), s.now, &s.rng)
        .unwrap();
    s.advance(200);
    let resp = s.token(&req);
    assert!(matches!(
        parse_token_response(&resp, &TokenResponseOptions::new()),
        Err(Error::Server(_))
    ));
}
