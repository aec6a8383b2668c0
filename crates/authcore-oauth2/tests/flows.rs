//! Whole flows against scripted server responses on a virtual clock.

mod common;

use std::sync::Arc;

use authcore_oauth2::jose::{JwsAlgorithm, JwsHeader, SigningKey, VerifyingKey, crypto, jws, jwt};
use authcore_oauth2::*;
use common::*;
use serde_json::Value;

fn t(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

#[test]
fn device_flow_state_machine() {
    let client = Client::new("1406020730", ClientAuthentication::None);
    let server = server();
    let d = parse_device_authorization_response(&json(
        200,
        r#"{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","expires_in":60,"interval":5}"#,
    ))
    .unwrap();
    let flow = DeviceAuthorizationFlow::new(d, t(1000));
    assert_eq!(flow.next_action(t(1000)), DeviceAction::WaitUntil(t(1005)));
    // Polling early is refused (it would earn slow_down).
    assert!(matches!(
        flow.build_token_request(&client, &server, t(1004), &rng()),
        Err(Error::Misuse(_))
    ));
    assert_eq!(flow.next_action(t(1005)), DeviceAction::Poll);
    flow.build_token_request(&client, &server, t(1005), &rng())
        .unwrap();

    // authorization_pending keeps the interval; the next poll is counted from `now`.
    let pending = json(400, r#"{"error":"authorization_pending"}"#);
    let DeviceFlowStep::Pending(flow) = flow
        .handle_token_response(&pending, t(1006), &TokenResponseOptions::new())
        .unwrap()
    else {
        panic!("expected pending")
    };
    assert_eq!(flow.interval(), 5);
    assert_eq!(flow.next_action(t(1006)), DeviceAction::WaitUntil(t(1011)));

    // slow_down adds 5 seconds, for this and every later poll.
    let slow = json(400, r#"{"error":"slow_down"}"#);
    let DeviceFlowStep::Pending(flow) = flow
        .handle_token_response(&slow, t(1011), &TokenResponseOptions::new())
        .unwrap()
    else {
        panic!("expected pending")
    };
    assert_eq!(flow.interval(), 10);
    assert_eq!(flow.next_poll_at(), t(1021));
    let DeviceFlowStep::Pending(flow) = flow
        .handle_token_response(&pending, t(1021), &TokenResponseOptions::new())
        .unwrap()
    else {
        panic!("expected pending")
    };
    assert_eq!(flow.next_poll_at(), t(1031));

    // Success ends it.
    let ok = json(
        200,
        r#"{"access_token":"at","token_type":"Bearer","expires_in":3600}"#,
    );
    match flow
        .handle_token_response(&ok, t(1031), &TokenResponseOptions::new())
        .unwrap()
    {
        DeviceFlowStep::Complete(tokens) => assert_eq!(tokens.access_token.secret(), "at"),
        other => panic!("expected completion: {other:?}"),
    }
}

#[test]
fn device_flow_ends_on_denial_expiry_and_local_timeout() {
    let client = Client::new("c", ClientAuthentication::None);
    let server = server();
    let mk = || {
        let d = parse_device_authorization_response(&json(
            200,
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://v.example","expires_in":12,"interval":5}"#,
        ))
        .unwrap();
        DeviceAuthorizationFlow::new(d, t(0))
    };
    for (code, typed) in [
        ("access_denied", ErrorCode::AccessDenied),
        ("expired_token", ErrorCode::ExpiredToken),
    ] {
        let r = json(400, &format!(r#"{{"error":"{code}"}}"#));
        match mk().handle_token_response(&r, t(5), &TokenResponseOptions::new()) {
            Err(Error::Server(e)) => assert_eq!(e.error, typed),
            other => panic!("{other:?}"),
        }
    }
    // Local expiry: at 10 the next poll would be at 15, after expiry at 12.
    let DeviceFlowStep::Pending(flow) = mk()
        .handle_token_response(
            &json(400, r#"{"error":"authorization_pending"}"#),
            t(10),
            &TokenResponseOptions::new(),
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(flow.next_action(t(10)), DeviceAction::WaitUntil(t(12)));
    assert_eq!(flow.next_action(t(12)), DeviceAction::Expired);
    assert_eq!(
        flow.build_token_request(&client, &server, t(12), &rng())
            .unwrap_err(),
        Error::DeviceCodeExpired {
            now: t(12),
            expired_at: t(12)
        }
    );
}

#[test]
fn refresh_rotation_is_reported() {
    let old = RefreshToken::new("old-rt");
    let opts = TokenResponseOptions::new();
    let rotated = json(
        200,
        r#"{"access_token":"a2","token_type":"Bearer","refresh_token":"new-rt"}"#,
    );
    let r = parse_refresh_token_response(&rotated, &opts, old.clone()).unwrap();
    assert!(r.rotated);
    assert_eq!(r.refresh_token.secret(), "new-rt");
    let kept = json(200, r#"{"access_token":"a2","token_type":"Bearer"}"#);
    let r = parse_refresh_token_response(&kept, &opts, old.clone()).unwrap();
    assert!(!r.rotated);
    assert_eq!(r.refresh_token, old);
    let same = json(
        200,
        r#"{"access_token":"a2","token_type":"Bearer","refresh_token":"old-rt"}"#,
    );
    assert!(
        !parse_refresh_token_response(&same, &opts, old.clone())
            .unwrap()
            .rotated
    );
    // Scope narrowing goes in the request.
    let req = TokenRequest::refresh_token(&old)
        .scope("read")
        .build_token_request(&basic_client(), &server(), t(0), &rng())
        .unwrap();
    assert_eq!(
        body(&req),
        "grant_type=refresh_token&refresh_token=old-rt&scope=read"
    );
}

#[test]
fn dpop_token_request_with_nonce_retry() {
    let server = server();
    let client = Client::new("c", ClientAuthentication::None);
    let key = DpopKey::new(ed25519_key(), crypto::default_provider()).unwrap();
    let base = TokenRequest::client_credentials()
        .build_token_request(&client, &server, t(100), &rng())
        .unwrap();
    let exchange = DpopExchange::new(key.clone(), base, None, None);

    let rng = rng();
    let first = exchange.request(t(100), &rng).unwrap();
    let proof = first.headers().get("dpop").unwrap().to_str().unwrap();
    let (h, payload) = jws::decode_unverified(proof).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(h.typ.as_deref(), Some("dpop+jwt"));
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], "https://server.example.com/token");
    assert!(claims.get("nonce").is_none());
    assert!(claims.get("ath").is_none());
    // The proof verifies with the embedded public key.
    let vk =
        VerifyingKey::from_jwk(h.jwk.as_ref().unwrap(), None, crypto::default_provider()).unwrap();
    jws::verify_compact(proof, &vk, &Default::default()).unwrap();

    let demand = http::Response::builder()
        .status(400)
        .header("content-type", "application/json")
        .header("dpop-nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")
        .body(br#"{"error":"use_dpop_nonce"}"#.to_vec())
        .unwrap();
    let DpopStep::Retry(exchange) = exchange.handle_response(demand.clone()) else {
        panic!("expected retry")
    };
    let second = exchange.request(t(101), &rng).unwrap();
    let (_, payload) =
        jws::decode_unverified(second.headers().get("dpop").unwrap().to_str().unwrap()).unwrap();
    let claims2: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims2["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    assert_ne!(claims2["jti"], claims["jti"], "a fresh jti per proof");

    // A second demand is not retried again: it is the final answer.
    match exchange.clone().handle_response(demand) {
        DpopStep::Done { response, nonce } => {
            assert_eq!(response.status(), 400);
            assert_eq!(nonce.as_deref(), Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
        }
        DpopStep::Retry(_) => panic!("retried twice"),
    }
    let ok = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("dpop-nonce", "next-nonce")
        .body(br#"{"access_token":"at","token_type":"DPoP"}"#.to_vec())
        .unwrap();
    match exchange.handle_response(ok) {
        DpopStep::Done { response, nonce } => {
            assert_eq!(nonce.as_deref(), Some("next-nonce"));
            let tokens =
                parse_token_response(&response, &TokenResponseOptions::new().dpop()).unwrap();
            assert_eq!(tokens.token_type, TokenType::DPoP);
        }
        DpopStep::Retry(_) => panic!(),
    }
}

#[test]
fn dpop_resource_request_with_nonce_retry() {
    let key = DpopKey::new(ed25519_key(), crypto::default_provider()).unwrap();
    let token = AccessToken::new("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
    let req = http::Request::get("https://resource.example.org/protectedresource?x=1#f")
        .body(Vec::new())
        .unwrap();
    let ex = DpopExchange::new(key, req, Some(token), None);
    let r = ex.request(t(5), &rng()).unwrap();
    assert_eq!(
        r.headers().get("authorization").unwrap(),
        "DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
    );
    let (_, payload) =
        jws::decode_unverified(r.headers().get("dpop").unwrap().to_str().unwrap()).unwrap();
    let c: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        c["htu"], "https://resource.example.org/protectedresource",
        "no query, no fragment"
    );
    assert_eq!(c["htm"], "GET");
    assert_eq!(c["ath"], "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    let demand = http::Response::builder()
        .status(401)
        .header("www-authenticate", r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#)
        .header("dpop-nonce", "eyJ7S_zG.eyJbYu3.xQmBj-1")
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        ex.clone().handle_response(demand),
        DpopStep::Retry(_)
    ));
    // A 401 without the nonce error is final.
    let other = http::Response::builder()
        .status(401)
        .header("www-authenticate", r#"DPoP error="invalid_token""#)
        .header("dpop-nonce", "n")
        .body(Vec::new())
        .unwrap();
    assert!(matches!(ex.handle_response(other), DpopStep::Done { .. }));
}

#[test]
fn dpop_rejects_symmetric_keys_and_dpop_jkt_is_sent() {
    let hmac =
        SigningKey::hmac(JwsAlgorithm::HS256, &[7u8; 32], crypto::default_provider()).unwrap();
    assert!(DpopKey::new(hmac, crypto::default_provider()).is_err());
    let key = DpopKey::new(ed25519_key(), crypto::default_provider()).unwrap();
    let (url, _) = AuthorizationRequest::new("https://c.example/cb")
        .dpop_jkt(key.jkt())
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let q = FormParams::parse(url.query().unwrap().as_bytes()).unwrap();
    assert_eq!(q.get("dpop_jkt"), Some(key.jkt()));
    assert_eq!(
        key.jkt(),
        key.public_jwk()
            .thumbprint_sha256(crypto::default_provider())
    );
}

#[test]
fn jar_request_object_by_value_and_reference() {
    let server = server();
    let client = Client::new("s6BhdRkqt3", ClientAuthentication::None);
    let signer = ed25519_key();
    let (url, pending) = AuthorizationRequest::new("https://client.example.org/cb")
        .scope("openid")
        .resource("https://rs1.example")
        .resource("https://rs2.example")
        .with_nonce()
        .build_signed_url(&client, &server, &signer, t(1_000), &rng())
        .unwrap();
    let q = FormParams::parse(url.query().unwrap().as_bytes()).unwrap();
    assert_eq!(
        q.len(),
        2,
        "only client_id and request travel outside the object"
    );
    assert_eq!(q.get("client_id"), Some("s6BhdRkqt3"));
    let vk = VerifyingKey::from_jwk(
        signer.public_jwk().unwrap(),
        None,
        crypto::default_provider(),
    )
    .unwrap();
    let v = jwt::Validation::new()
        .issuer("s6BhdRkqt3")
        .audience("https://server.example.com")
        .typ("oauth-authz-req+jwt");
    let verified = jwt::verify(q.get("request").unwrap(), &vk, &v, t(1_000)).unwrap();
    let c = &verified.claims.extra;
    assert_eq!(c["client_id"], "s6BhdRkqt3");
    assert_eq!(c["response_type"], "code");
    assert_eq!(c["state"], pending.state().secret());
    assert_eq!(c["nonce"], pending.nonce().unwrap().secret());
    assert_eq!(c["code_challenge_method"], "S256");
    assert_eq!(
        c["resource"],
        serde_json::json!(["https://rs1.example", "https://rs2.example"])
    );
    assert!(verified.claims.registered.jti.is_some());
    // Expired after five minutes.
    assert!(jwt::verify(q.get("request").unwrap(), &vk, &v, t(1_300)).is_err());

    // By reference.
    let url = authorization_url_with_request_uri(
        &client,
        &server,
        "https://client.example.org/request.jwt",
    )
    .unwrap();
    assert_eq!(
        url.as_str(),
        "https://server.example.com/authorize?client_id=s6BhdRkqt3&request_uri=https%3A%2F%2Fclient.example.org%2Frequest.jwt"
    );
    // Without a known issuer there is no audience.
    assert!(
        AuthorizationRequest::new("https://client.example.org/cb")
            .build_request_object(
                &client,
                &AuthorizationServer::without_issuer(),
                &signer,
                t(0),
                &rng()
            )
            .is_err()
    );
}

#[test]
fn signed_par_request() {
    let server = server();
    let signer = Arc::new(ed25519_key());
    let client = Client::new(
        "CLIENT1234",
        ClientAuthentication::PrivateKeyJwt(signer.clone()),
    );
    let (req, _pushed) = AuthorizationRequest::new("https://client.example.org/cb")
        .build_signed_par_request(&client, &server, signer.as_ref(), t(0), &rng())
        .unwrap();
    let f = form(&req);
    assert_eq!(f.get("client_id"), Some("CLIENT1234"));
    assert!(f.get("client_assertion").is_some());
    assert!(f.get("request").is_some());
    assert_eq!(
        f.get("state"),
        None,
        "parameters are inside the request object"
    );
}

/// The sealed PAR request carries what the seal made of the signed request object.
#[test]
fn sealed_par_request() {
    let server = server();
    let signer = Arc::new(ed25519_key());
    let client = Client::new(
        "CLIENT1234",
        ClientAuthentication::PrivateKeyJwt(signer.clone()),
    );
    let mut seen = None;
    let (req, _pushed) = AuthorizationRequest::new("https://client.example.org/cb")
        .build_sealed_par_request(
            &client,
            &server,
            signer.as_ref(),
            &mut |jwt| {
                seen = Some(jwt.clone());
                Ok(format!("sealed:{jwt}"))
            },
            t(0),
            &rng(),
        )
        .unwrap();
    let f = form(&req);
    let jwt = seen.expect("the seal ran");
    assert_eq!(
        jwt.split('.').count(),
        3,
        "the seal receives the signed JWS"
    );
    assert_eq!(f.get("request"), Some(format!("sealed:{jwt}").as_str()));
    assert!(f.get("client_assertion").is_some());
    // A failing seal fails the request.
    assert!(matches!(
        AuthorizationRequest::new("https://client.example.org/cb").build_sealed_par_request(
            &client,
            &server,
            signer.as_ref(),
            &mut |_| Err(Error::Misuse("no key")),
            t(0),
            &rng(),
        ),
        Err(Error::Misuse("no key"))
    ));
}

#[test]
fn client_secret_jwt_and_private_key_jwt_verify() {
    let server = server();
    let secret = "a-shared-secret-of-at-least-32-bytes!!";
    let client = Client::new(
        "c1",
        ClientAuthentication::ClientSecretJwt {
            secret: ClientSecret::new(secret),
            algorithm: JwsAlgorithm::HS256,
        },
    );
    let req = TokenRequest::client_credentials()
        .build_token_request(&client, &server, t(50), &rng())
        .unwrap();
    let f = form(&req);
    let vk = VerifyingKey::hmac(
        JwsAlgorithm::HS256,
        secret.as_bytes(),
        crypto::default_provider(),
    )
    .unwrap();
    let v = jwt::Validation::new()
        .issuer("c1")
        .subject("c1")
        .audience("https://server.example.com/token")
        .require("jti");
    jwt::verify(f.get("client_assertion").unwrap(), &vk, &v, t(50)).unwrap();
    assert!(
        jwt::verify(f.get("client_assertion").unwrap(), &vk, &v, t(110)).is_err(),
        "60 s lifetime"
    );

    // private_key_jwt with the issuer as audience.
    let signer = Arc::new(ed25519_key().with_kid("k1"));
    let client = Client::new("c2", ClientAuthentication::PrivateKeyJwt(signer.clone()))
        .with_assertion_audience(AssertionAudience::Issuer);
    let req = TokenRequest::client_credentials()
        .build_token_request(&client, &server, t(50), &rng())
        .unwrap();
    let f = form(&req);
    let assertion = f.get("client_assertion").unwrap();
    assert_eq!(
        jws::decode_header_unverified(assertion)
            .unwrap()
            .kid
            .as_deref(),
        Some("k1")
    );
    let vk = VerifyingKey::from_jwk(
        signer.public_jwk().unwrap(),
        None,
        crypto::default_provider(),
    )
    .unwrap();
    let v = jwt::Validation::new()
        .issuer("c2")
        .audience("https://server.example.com");
    jwt::verify(assertion, &vk, &v, t(50)).unwrap();
}

#[test]
fn tls_client_auth_and_post_put_client_id_in_body() {
    for auth in [
        ClientAuthentication::TlsClientAuth,
        ClientAuthentication::SelfSignedTlsClientAuth,
        ClientAuthentication::None,
    ] {
        let name = auth.method_name();
        let req = TokenRequest::client_credentials()
            .build_token_request(&Client::new("mtls-client", auth), &server(), t(0), &rng())
            .unwrap();
        assert_eq!(
            body(&req),
            "grant_type=client_credentials&client_id=mtls-client",
            "{name}"
        );
        assert!(req.headers().get("authorization").is_none());
    }
}

#[test]
fn resource_indicators_in_token_request() {
    let (_, pending) = AuthorizationRequest::new("https://c.example/cb")
        .resource("https://api.example.com/app/")
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let q = format!("code=c&state={}", pending.state().secret());
    let mut grant = pending
        .handle_callback(&AuthorizationResponse::from_query(&q).unwrap())
        .unwrap();
    grant
        .token_request_mut()
        .add_resource("https://api.example.com/app/");
    grant
        .token_request_mut()
        .add_resource("https://other.example.com/");
    let req = grant
        .build_token_request(&basic_client(), &server(), t(0), &rng())
        .unwrap();
    let f = form(&req);
    assert_eq!(
        f.get_all("resource").collect::<Vec<_>>(),
        ["https://api.example.com/app/", "https://other.example.com/"]
    );
}

#[test]
fn pending_authorization_survives_serialization() {
    let (_, pending) = AuthorizationRequest::new("https://c.example/cb")
        .with_nonce()
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let state = pending.state().secret().to_owned();
    let nonce = pending.nonce().unwrap().secret().to_owned();
    let stored = serde_json::to_string(&pending).unwrap();
    assert!(
        !format!("{pending:?}").contains(&state),
        "Debug is redacted"
    );
    let restored: PendingAuthorization = serde_json::from_str(&stored).unwrap();
    let grant = restored
        .handle_callback(
            &AuthorizationResponse::from_query(&format!("code=c&state={state}")).unwrap(),
        )
        .unwrap();
    assert_eq!(grant.nonce().unwrap().secret(), nonce);
    assert_eq!(grant.issuer(), Some("https://server.example.com"));
}

#[test]
fn pkce_plain_only_on_request() {
    let (url, _) = AuthorizationRequest::new("https://c.example/cb")
        .insecure_pkce_plain()
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let q = FormParams::parse(url.query().unwrap().as_bytes()).unwrap();
    assert_eq!(q.get("code_challenge_method"), Some("plain"));
    // The verifier sent to the token endpoint equals the plain challenge.
    let (url, pending) = AuthorizationRequest::new("https://c.example/cb")
        .insecure_pkce_plain()
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let challenge = FormParams::parse(url.query().unwrap().as_bytes())
        .unwrap()
        .get("code_challenge")
        .unwrap()
        .to_owned();
    let q = format!("code=c&state={}", pending.state().secret());
    let grant = pending
        .handle_callback(&AuthorizationResponse::from_query(&q).unwrap())
        .unwrap();
    let req = grant
        .build_token_request(&basic_client(), &server(), t(0), &rng())
        .unwrap();
    assert_eq!(form(&req).get("code_verifier"), Some(challenge.as_str()));
}

fn introspection_jwt(
    signer: &SigningKey,
    claims: serde_json::Value,
    typ: &str,
) -> http::Response<Vec<u8>> {
    let token = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::EdDSA).with_typ(typ),
        &claims,
        signer,
    )
    .unwrap();
    http::Response::builder()
        .status(200)
        .header("content-type", "application/token-introspection+jwt")
        .body(token.into_bytes())
        .unwrap()
}

#[test]
fn rfc9701_jwt_introspection_response() {
    let server = server();
    let client = basic_client();
    let req = build_jwt_introspection_request(&client, &server, "tok", None, t(0), &rng()).unwrap();
    assert_eq!(
        header(&req, "accept"),
        Some("application/token-introspection+jwt")
    );
    let signer = ed25519_key();
    let vk = VerifyingKey::from_jwk(
        signer.public_jwk().unwrap(),
        None,
        crypto::default_provider(),
    )
    .unwrap();
    // RFC 9701 §5 example claims (issuer and audience adapted to this client and server).
    let good = serde_json::json!({
        "iss": "https://server.example.com",
        "aud": "s6BhdRkqt3",
        "iat": 1514797822,
        "token_introspection": {
            "active": true, "iss": "https://server.example.com", "aud": "https://rs.example.com/resource",
            "iat": 1514797822, "exp": 1514797942, "client_id": "paiB2goo0a", "scope": "read write dolphin",
            "sub": "Z5O3upPC88QrAjx00dis", "birthdate": "1982-02-01", "given_name": "John",
            "family_name": "Doe", "jti": "t1FoCCaZd4Xv4ORJUWVUeTZfsKhW30CQCrWDDjwXy6w"
        }
    });
    let now = t(1514797830);
    let r = parse_jwt_introspection_response(
        &introspection_jwt(&signer, good.clone(), "token-introspection+jwt"),
        &vk,
        &client,
        &server,
        now,
    )
    .unwrap();
    assert!(r.active);
    assert_eq!(r.client_id.as_deref(), Some("paiB2goo0a"));
    assert_eq!(r.extra["given_name"], "John");

    // Tampered: wrong typ, wrong issuer, wrong audience, missing claim object, wrong content type.
    let bad_typ = introspection_jwt(&signer, good.clone(), "JWT");
    assert!(matches!(
        parse_jwt_introspection_response(&bad_typ, &vk, &client, &server, now),
        Err(Error::Security(SecurityError::InvalidJwtResponse(_)))
    ));
    for (k, v) in [("iss", "https://evil.example"), ("aud", "someone-else")] {
        let mut c = good.clone();
        c[k] = v.into();
        let resp = introspection_jwt(&signer, c, "token-introspection+jwt");
        assert!(
            parse_jwt_introspection_response(&resp, &vk, &client, &server, now).is_err(),
            "{k}"
        );
    }
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("token_introspection");
    let resp = introspection_jwt(&signer, c, "token-introspection+jwt");
    assert!(parse_jwt_introspection_response(&resp, &vk, &client, &server, now).is_err());
    let mut resp = introspection_jwt(&signer, good.clone(), "token-introspection+jwt");
    resp.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    assert!(matches!(
        parse_jwt_introspection_response(&resp, &vk, &client, &server, now),
        Err(Error::Protocol(ProtocolError::ContentType { .. }))
    ));
    // Signed by another key.
    let other = SigningKey::from_jwk(
        &authcore_oauth2::jose::Jwk::generate(
            JwsAlgorithm::EdDSA,
            crypto::default_provider(),
            &rng(),
        )
        .unwrap(),
        None,
        crypto::default_provider(),
    )
    .unwrap();
    let resp = introspection_jwt(&other, good, "token-introspection+jwt");
    assert!(parse_jwt_introspection_response(&resp, &vk, &client, &server, now).is_err());
}

/// RFC 9701 §5-6: a response signed, then encrypted to the client with the algorithms it
/// registered, decrypts and verifies; every other shape is refused.
#[test]
fn rfc9701_encrypted_jwt_introspection_response() {
    use authcore_oauth2::jose::jwe::{DecryptionKey, EncryptionKey, JweBuilder, JweOptions};
    use authcore_oauth2::jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
    let (server, client, provider) = (server(), basic_client(), crypto::default_provider());
    let signer = ed25519_key();
    let vk = VerifyingKey::from_jwk(signer.public_jwk().unwrap(), None, provider).unwrap();
    let claims = serde_json::json!({
        "iss": "https://server.example.com", "aud": "s6BhdRkqt3", "iat": 1514797822,
        "token_introspection": {"active": true, "client_id": "paiB2goo0a", "scope": "read"}
    });
    let secret = [0x5au8; 32];
    let to_client = EncryptionKey::symmetric(Kma::A256GcmKw, &secret, provider).unwrap();
    let client_key = DecryptionKey::symmetric(Kma::A256GcmKw, &secret, provider).unwrap();
    let registered = JweAlgorithms::new(Kma::A256GcmKw, Enc::A256Gcm);
    let options = JweOptions::default();
    let signed = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::EdDSA).with_typ("token-introspection+jwt"),
        &claims,
        &signer,
    )
    .unwrap();
    let respond = |body: &str| {
        http::Response::builder()
            .status(200)
            .header("content-type", "application/token-introspection+jwt")
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let encrypt = |enc: Enc, cty: Option<&str>, plaintext: &str| {
        let mut b = JweBuilder::new(enc).recipient(&to_client);
        if let Some(c) = cty {
            b = b.cty(c);
        }
        b.encrypt_compact(plaintext.as_bytes(), &rng()).unwrap()
    };
    let now = t(1514797830);
    let parse = |body: &str| {
        parse_encrypted_jwt_introspection_response(
            &respond(body),
            &client_key,
            &registered,
            &options,
            &vk,
            &client,
            &server,
            now,
        )
    };
    let good = encrypt(Enc::A256Gcm, Some("JWT"), &signed);
    let r = parse(&good).unwrap();
    assert!(r.active);
    assert_eq!(r.client_id.as_deref(), Some("paiB2goo0a"));
    // The plain parser refuses the JWE it was not told to expect.
    assert!(matches!(
        parse_jwt_introspection_response(&respond(&good), &vk, &client, &server, now),
        Err(Error::Protocol(ProtocolError::Malformed(_)))
    ));
    // Encryption registered, a signed-only response: refused (no stripping).
    assert!(matches!(
        parse(&signed),
        Err(Error::Security(SecurityError::InvalidJwtResponse(_)))
    ));
    // Another `enc` than the registered one, though the key could decrypt it.
    assert!(matches!(
        parse(&encrypt(Enc::A128Gcm, Some("JWT"), &signed)),
        Err(Error::Security(SecurityError::InvalidJwtResponse(
            authcore_oauth2::jose::Error::EncryptionAlgorithmNotAllowed { .. }
        )))
    ));
    // Without `cty: JWT` (RFC 7519 §5.2).
    assert!(parse(&encrypt(Enc::A256Gcm, None, &signed)).is_err());
    // Encrypted to another key: the one opaque decryption failure.
    let other = EncryptionKey::symmetric(Kma::A256GcmKw, &[1u8; 32], provider).unwrap();
    let wrong_key = JweBuilder::new(Enc::A256Gcm)
        .cty("JWT")
        .recipient(&other)
        .encrypt_compact(signed.as_bytes(), &rng())
        .unwrap();
    assert!(matches!(
        parse(&wrong_key),
        Err(Error::Security(SecurityError::InvalidJwtResponse(
            authcore_oauth2::jose::Error::Decryption
        )))
    ));
    // Tampered: every part of the JWE flipped in turn.
    let parts: Vec<&str> = good.split('.').collect();
    for i in 0..5 {
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        let flipped = if p[i].starts_with('A') { "B" } else { "A" };
        p[i].replace_range(0..1, flipped);
        assert!(parse(&p.join(".")).is_err(), "part {i}");
    }
    // A signature by another key inside a good encryption.
    let forged = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::EdDSA).with_typ("token-introspection+jwt"),
        &claims,
        &SigningKey::from_jwk(
            &authcore_oauth2::jose::Jwk::generate(JwsAlgorithm::EdDSA, provider, &rng()).unwrap(),
            None,
            provider,
        )
        .unwrap(),
    )
    .unwrap();
    assert!(matches!(
        parse(&encrypt(Enc::A256Gcm, Some("JWT"), &forged)),
        Err(Error::Security(SecurityError::InvalidJwtResponse(_)))
    ));
}

#[test]
fn bearer_usage() {
    let mut req = http::Request::get("https://rs.example/x").body(()).unwrap();
    authorize_bearer(&mut req, &AccessToken::new("mF_9.B5f-4.1JqM")).unwrap();
    assert_eq!(req.headers()["authorization"], "Bearer mF_9.B5f-4.1JqM");
    let resp = http::Response::builder()
        .status(401)
        .header(
            "www-authenticate",
            r#"Bearer realm="example", error="insufficient_scope", scope="read write""#,
        )
        .header("www-authenticate", r#"DPoP algs="ES256""#)
        .body(())
        .unwrap();
    let cs = parse_www_authenticate_headers(resp.headers()).unwrap();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0].error(), Some(ErrorCode::InsufficientScope));
    assert_eq!(cs[0].scope().unwrap(), ["read", "write"]);
    assert!(cs[1].is_scheme("dpop"));
}

#[test]
fn jwt_bearer_grant_assertion_carries_every_required_claim() {
    let server = server();
    let signer = ed25519_key().with_kid("grant-key");
    let assertion = JwtBearerAssertion::new(
        "https://client.example",
        "service-account-7",
        "https://server.example.com/token",
    )
    .claim("scope", "reports:read")
    .unwrap()
    .sign(&signer, t(1000), &rng())
    .unwrap();
    let header = jws::decode_header_unverified(&assertion).unwrap();
    assert_eq!(header.alg, JwsAlgorithm::EdDSA);
    assert_eq!(header.kid.as_deref(), Some("grant-key"));
    assert_eq!(header.typ, None);

    let vk = VerifyingKey::from_jwk(
        signer.public_jwk().unwrap(),
        None,
        crypto::default_provider(),
    )
    .unwrap();
    let v = jwt::Validation::new()
        .issuer("https://client.example")
        .subject("service-account-7")
        .audience("https://server.example.com/token")
        .require("jti")
        .require("iat");
    let ok = jwt::verify(&assertion, &vk, &v, t(1000)).unwrap();
    let r = &ok.claims.registered;
    assert_eq!(
        r.exp.map(|d| d.secs()),
        Some(1000 + DEFAULT_ASSERTION_LIFETIME)
    );
    assert_eq!(r.iat.map(|d| d.secs()), Some(1000));
    assert_eq!(r.nbf, None);
    assert_eq!(r.jti.as_deref().map(str::len), Some(22), "128 random bits");
    assert_eq!(ok.claims.extra["scope"], "reports:read");
    assert!(
        jwt::verify(
            &assertion,
            &vk,
            &v,
            t(1000 + DEFAULT_ASSERTION_LIFETIME + 1)
        )
        .is_err(),
        "expired after its lifetime"
    );

    // The grant's token request carries it.
    let req = TokenRequest::jwt_bearer(&assertion)
        .build_token_request(&basic_client(), &server, t(1000), &rng())
        .unwrap();
    let f = form(&req);
    assert_eq!(f.get("grant_type"), Some(JWT_BEARER_GRANT_TYPE));
    assert_eq!(f.get("assertion"), Some(assertion.as_str()));

    // Two audiences, `nbf`, `typ`, a shorter lifetime.
    let assertion = JwtBearerAssertion::new("i", "s", "https://server.example.com/token")
        .also_for("https://server.example.com")
        .not_before_now()
        .typ("JWT")
        .lifetime(30)
        .sign(&signer, t(1000), &rng())
        .unwrap();
    assert_eq!(
        jws::decode_header_unverified(&assertion)
            .unwrap()
            .typ
            .as_deref(),
        Some("JWT")
    );
    let v = jwt::Validation::new().audience("https://server.example.com");
    let ok = jwt::verify(&assertion, &vk, &v, t(1000)).unwrap();
    let r = &ok.claims.registered;
    assert_eq!(
        r.aud,
        Some(jwt::Audience::Many(vec![
            "https://server.example.com/token".into(),
            "https://server.example.com".into()
        ]))
    );
    assert_eq!(r.nbf.map(|d| d.secs()), Some(1000));
    assert_eq!(r.exp.map(|d| d.secs()), Some(1030));
}

#[test]
fn jwt_bearer_grant_assertion_misuse_is_refused() {
    let signer = ed25519_key();
    let base = || JwtBearerAssertion::new("i", "s", "https://as.example/token");
    for name in ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"] {
        assert!(
            matches!(base().claim(name, "x"), Err(Error::Misuse(_))),
            "{name}"
        );
    }
    assert!(matches!(
        base().claim("scope", "a").unwrap().claim("scope", "b"),
        Err(Error::Misuse(_))
    ));
    for a in [
        JwtBearerAssertion::new("", "s", "a"),
        JwtBearerAssertion::new("i", "", "a"),
        JwtBearerAssertion::new("i", "s", ""),
        base().also_for(""),
        base().lifetime(0),
    ] {
        assert!(
            matches!(a.sign(&signer, t(0), &rng()), Err(Error::Misuse(_))),
            "{a:?}"
        );
    }
    // The same inputs and randomness make the same bytes (EdDSA is deterministic).
    let one = base().sign(&signer, t(5), &rng()).unwrap();
    assert_eq!(one, base().sign(&signer, t(5), &rng()).unwrap());
}

#[test]
fn request_object_members_keep_their_json_types() {
    let p = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let claims = request_object_claims([
        p("response_type", "code"),
        p("max_age", "600"),
        p("claims", r#"{"id_token":{"acr":{"essential":true}}}"#),
        p("authorization_details", r#"[{"type":"payment"}]"#),
        p("resource", "https://a.example"),
        p("resource", "https://b.example"),
        p("resource", "https://c.example"),
    ])
    .unwrap();
    assert_eq!(
        Value::Object(claims),
        serde_json::json!({
            "response_type": "code",
            "max_age": 600,
            "claims": {"id_token": {"acr": {"essential": true}}},
            "authorization_details": [{"type": "payment"}],
            "resource": ["https://a.example", "https://b.example", "https://c.example"],
        })
    );
    for (k, v) in [
        ("claims", "[]"),
        ("claims", "{"),
        ("authorization_details", "{}"),
        ("max_age", "-1"),
        ("max_age", "ten"),
    ] {
        assert!(
            matches!(request_object_claims([p(k, v)]), Err(Error::Misuse(_))),
            "{k}={v}"
        );
    }

    // The signing step owns the JWT claims.
    let client = basic_client();
    let signer = ed25519_key();
    for name in ["iss", "aud", "iat", "nbf", "exp", "jti"] {
        let claims = request_object_claims([p(name, "x")]).unwrap();
        assert!(matches!(
            sign_request_object(claims, &client, &server(), &signer, t(0), &rng()),
            Err(Error::Misuse(_))
        ));
    }
    let claims = request_object_claims([p("scope", "openid")]).unwrap();
    assert!(matches!(
        sign_request_object(
            claims,
            &client,
            &AuthorizationServer::without_issuer(),
            &signer,
            t(0),
            &rng()
        ),
        Err(Error::Misuse(_))
    ));
}
