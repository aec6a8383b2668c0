//! UserInfo (OpenID Connect Core 1.0 §5.3), RP-initiated logout and back-channel logout tokens
//! (Back-Channel Logout 1.0 §2.4-§2.8).

mod common;

use authcore_jose::{Jwk, JwsAlgorithm, JwsHeader, SigningKey, crypto};
use authcore_oauth2::{AccessToken, DpopKey, IdToken};
use authcore_oidc::{
    BACKCHANNEL_LOGOUT_EVENT, Error, LogoutRequest, TokenError, UserInfoError,
    build_userinfo_request, build_userinfo_request_dpop, logout_response, parse_logout_request,
    parse_logout_request_body, parse_signed_userinfo_response, parse_userinfo_json,
    parse_userinfo_response,
};
use common::*;
use http::Response;
use serde_json::{Value, json};

fn userinfo_body() -> Value {
    json!({
        "sub": SUB,
        "name": "Jane Doe",
        "given_name": "Jane",
        "family_name": "Doe",
        "preferred_username": "j.doe",
        "email": "janedoe@example.com",
        "email_verified": true,
        "phone_number_verified": false,
        "picture": "http://example.com/janedoe/me.jpg",
        "birthdate": "0000-10-31",
        "updated_at": 1311280970,
        "address": {
            "street_address": "1234 Hollywood Blvd.",
            "locality": "Los Angeles",
            "region": "CA",
            "postal_code": "90210",
            "country": "US"
        },
        "https://example.com/groups": ["admins"]
    })
}

fn response(ct: &str, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .header("content-type", ct)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn userinfo_requests() {
    let at = AccessToken::new("SlAV32hkKG");
    let req = build_userinfo_request("https://op.example/userinfo", &at).unwrap();
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(req.headers()["authorization"], "Bearer SlAV32hkKG");
    assert!(
        req.headers()["accept"]
            .to_str()
            .unwrap()
            .contains("application/jwt")
    );
    assert!(
        build_userinfo_request("https://op.example/userinfo", &AccessToken::new("a b")).is_err()
    );

    let p = crypto::default_provider();
    let jwk = Jwk::generate(JwsAlgorithm::EdDSA, p, &rng()).unwrap();
    let dpop = DpopKey::new(SigningKey::from_jwk(&jwk, None, p).unwrap(), p).unwrap();
    let req = build_userinfo_request_dpop(
        "https://op.example/userinfo",
        &at,
        &dpop,
        Some("server-nonce"),
        now(),
        &rng(),
    )
    .unwrap();
    assert_eq!(req.headers()["authorization"], "DPoP SlAV32hkKG");
    let proof = req.headers()["dpop"].to_str().unwrap();
    let (header, claims) = authcore_jose::jwt::decode_unverified(proof).unwrap();
    assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
    assert_eq!(claims.extra["htm"], "GET");
    assert_eq!(claims.extra["htu"], "https://op.example/userinfo");
    assert_eq!(claims.extra["nonce"], "server-nonce");
    assert!(claims.extra.contains_key("ath"));

    // The nonce retry (RFC 9449 §9) through the exchange.
    let x = authcore_oidc::userinfo_dpop_exchange("https://op.example/userinfo", &at, &dpop, None)
        .unwrap();
    let first = x.request(now(), &rng()).unwrap();
    assert_eq!(first.headers()["authorization"], "DPoP SlAV32hkKG");
    let demand = Response::builder()
        .status(401)
        .header("www-authenticate", r#"DPoP error="use_dpop_nonce""#)
        .header("dpop-nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")
        .body(Vec::new())
        .unwrap();
    let authcore_oauth2::DpopStep::Retry(x) = x.handle_response(demand) else {
        panic!("a nonce demand is retried")
    };
    let second = x.request(now(), &rng()).unwrap();
    let (_, c) =
        authcore_jose::jwt::decode_unverified(second.headers()["dpop"].to_str().unwrap()).unwrap();
    assert_eq!(c.extra["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    let done = x.handle_response(response("application/json", &userinfo_body().to_string()));
    let authcore_oauth2::DpopStep::Done { response, .. } = done else {
        panic!("done")
    };
    assert_eq!(parse_userinfo_response(&response, SUB).unwrap().sub, SUB);
}

#[test]
fn json_userinfo() {
    let body = userinfo_body().to_string();
    let u =
        parse_userinfo_response(&response("application/json; charset=utf-8", &body), SUB).unwrap();
    assert_eq!(u.sub, SUB);
    assert!(!u.signed);
    assert_eq!(u.standard.name.as_deref(), Some("Jane Doe"));
    assert_eq!(u.standard.email_verified, Some(true));
    assert_eq!(u.standard.phone_number_verified, Some(false));
    assert_eq!(u.standard.updated_at, Some(1311280970));
    let a = u.standard.address.unwrap();
    assert_eq!(a.postal_code.as_deref(), Some("90210"));
    assert_eq!(u.extra["https://example.com/groups"], json!(["admins"]));

    // §5.3.2: another subject's response must not be used.
    assert_eq!(
        parse_userinfo_json(body.as_bytes(), "someone-else").unwrap_err(),
        Error::UserInfo(UserInfoError::SubjectMismatch {
            expected: "someone-else".into(),
            received: SUB.into()
        })
    );
    assert_eq!(
        parse_userinfo_json(without(userinfo_body(), "sub").to_string().as_bytes(), SUB)
            .unwrap_err(),
        Error::Token(TokenError::MissingClaim("sub"))
    );
    for (k, v) in [
        ("email_verified", json!("true")),
        ("updated_at", json!("2011-07-21")),
        ("address", json!("1234 Hollywood Blvd.")),
        ("sub", json!(248289761001u64)),
        ("name", json!(["Jane"])),
    ] {
        assert!(
            parse_userinfo_json(with(userinfo_body(), k, v).to_string().as_bytes(), SUB).is_err(),
            "{k}"
        );
    }
    assert!(parse_userinfo_json(br#"{"sub":"a","sub":"b"}"#, "a").is_err());
    assert!(parse_userinfo_json(&vec![b' '; 70_000], SUB).is_err());
    // Content types.
    assert!(matches!(
        parse_userinfo_response(&response("text/html", &body), SUB),
        Err(Error::UserInfo(UserInfoError::ContentType(_)))
    ));
    assert!(matches!(
        parse_userinfo_response(&response("application/jwt", "a.b.c"), SUB),
        Err(Error::UserInfo(UserInfoError::UnexpectedFormat(_)))
    ));
    // 401 with a Bearer challenge.
    let denied = Response::builder()
        .status(401)
        .header(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="expired""#,
        )
        .body(Vec::new())
        .unwrap();
    match parse_userinfo_response(&denied, SUB) {
        Err(Error::OAuth2(authcore_oauth2::Error::Server(e))) => {
            assert_eq!(e.error.as_str(), "invalid_token");
            assert_eq!(e.status, Some(401));
            assert_eq!(e.error_description.as_deref(), Some("expired"));
        }
        other => panic!("{other:?}"),
    }
    let broken = Response::builder().status(500).body(Vec::new()).unwrap();
    assert!(matches!(
        parse_userinfo_response(&broken, SUB),
        Err(Error::OAuth2(authcore_oauth2::Error::Protocol(_)))
    ));
}

#[test]
fn signed_userinfo() {
    let op = Op::new();
    let keys = op.keys();
    let v = verifier();
    let signed = |c: Value| op.sign(JwsAlgorithm::ES256, &c);
    let ok_claims = with(
        with(userinfo_body(), "iss", json!(ISSUER)),
        "aud",
        json!(CLIENT),
    );
    let u = parse_signed_userinfo_response(
        &response("application/jwt", &signed(ok_claims.clone())),
        SUB,
        &v,
        &keys,
    )
    .unwrap();
    assert!(u.signed);
    assert_eq!(u.standard.email.as_deref(), Some("janedoe@example.com"));
    assert_eq!(u.extra["iss"], ISSUER);
    // iss and aud are optional, but checked when present.
    assert!(
        parse_signed_userinfo_response(
            &response("application/jwt", &signed(userinfo_body())),
            SUB,
            &v,
            &keys
        )
        .is_ok()
    );
    assert!(matches!(
        parse_signed_userinfo_response(
            &response(
                "application/jwt",
                &signed(with(
                    ok_claims.clone(),
                    "iss",
                    json!("https://evil.example")
                ))
            ),
            SUB,
            &v,
            &keys
        ),
        Err(Error::UserInfo(UserInfoError::Claims(
            TokenError::Issuer { .. }
        )))
    ));
    assert!(matches!(
        parse_signed_userinfo_response(
            &response(
                "application/jwt",
                &signed(with(ok_claims.clone(), "aud", json!(["other"])))
            ),
            SUB,
            &v,
            &keys
        ),
        Err(Error::UserInfo(UserInfoError::Claims(
            TokenError::AudienceMissingClient { .. }
        )))
    ));
    assert!(matches!(
        parse_signed_userinfo_response(
            &response(
                "application/jwt",
                &signed(with(ok_claims.clone(), "sub", json!("x")))
            ),
            SUB,
            &v,
            &keys
        ),
        Err(Error::UserInfo(UserInfoError::SubjectMismatch { .. }))
    ));
    // Tampered signature, disallowed algorithm, JWE, plain JSON.
    let t = signed(ok_claims.clone());
    let (head, sig) = t.rsplit_once('.').unwrap();
    let mut sig = authcore_jose::b64::decode(sig).unwrap();
    sig[10] ^= 1;
    let tampered = format!("{head}.{}", authcore_jose::b64::encode(&sig));
    assert!(
        parse_signed_userinfo_response(&response("application/jwt", &tampered), SUB, &v, &keys)
            .is_err()
    );
    let rs_only = authcore_oidc::IdTokenVerifier::new(ISSUER, CLIENT);
    assert!(matches!(
        parse_signed_userinfo_response(&response("application/jwt", &t), SUB, &rs_only, &keys),
        Err(Error::Token(TokenError::AlgorithmNotAllowed { .. }))
    ));
    assert_eq!(
        parse_signed_userinfo_response(&response("application/jwt", "a.b.c.d.e"), SUB, &v, &keys)
            .unwrap_err(),
        Error::UserInfo(UserInfoError::Encrypted)
    );
    assert!(matches!(
        parse_signed_userinfo_response(
            &response("application/json", &userinfo_body().to_string()),
            SUB,
            &v,
            &keys
        ),
        Err(Error::UserInfo(UserInfoError::UnexpectedFormat(_)))
    ));
}

#[test]
fn rp_initiated_logout_url() {
    let hint = IdToken::new("eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    let url = LogoutRequest::new()
        .id_token_hint(&hint)
        .post_logout_redirect_uri("https://client.example/bye")
        .state("af0ifjsldkj")
        .client_id(CLIENT)
        .logout_hint("janedoe@example.com")
        .ui_locale("fr")
        .ui_locale("en")
        .build_url("https://op.example/logout?x=1")
        .unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert!(url.as_str().starts_with("https://op.example/logout?x=1&"));
    assert_eq!(q["id_token_hint"], hint.secret());
    assert_eq!(q["post_logout_redirect_uri"], "https://client.example/bye");
    assert_eq!(q["state"], "af0ifjsldkj");
    assert_eq!(q["client_id"], CLIENT);
    assert_eq!(q["logout_hint"], "janedoe@example.com");
    assert_eq!(q["ui_locales"], "fr en");
    // A redirect URI the provider cannot check is refused.
    assert!(
        LogoutRequest::new()
            .post_logout_redirect_uri("https://client.example/bye")
            .build_url("https://op.example/logout")
            .is_err()
    );
    assert!(
        LogoutRequest::new()
            .client_id(CLIENT)
            .post_logout_redirect_uri("https://client.example/bye")
            .build_url("https://op.example/logout")
            .is_ok()
    );
    assert!(
        LogoutRequest::new()
            .build_url("http://op.example/logout")
            .is_err()
    );
    assert!(LogoutRequest::new().build_url("not a url").is_err());
    // Plain http only to loopback hosts, by name or by address.
    for ok in [
        "http://localhost:3000/logout",
        "http://127.0.0.1:3000/logout",
        "http://[::1]:3000/logout",
    ] {
        assert!(LogoutRequest::new().build_url(ok).is_ok(), "{ok}");
    }
    assert!(
        LogoutRequest::new()
            .build_url("http://127.0.0.1.example/logout")
            .is_err()
    );
}

fn logout_claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": SUB,
        "aud": CLIENT,
        "iat": NOW - 5,
        "exp": NOW + 120,
        "jti": "bWJq",
        "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}}
    })
}

fn logout_token(op: &Op, c: &Value, typ: Option<&str>) -> String {
    let mut h = JwsHeader::new(JwsAlgorithm::RS256).with_kid("rsa1");
    if let Some(t) = typ {
        h = h.with_typ(t);
    }
    op.sign_with_header(h, c)
}

#[test]
fn back_channel_logout_tokens() {
    let op = Op::new();
    let keys = op.keys();
    let v = verifier();
    let check = |c: &Value, typ: Option<&str>| {
        v.validate_logout_token(&logout_token(&op, c, typ), &keys, now())
    };
    let t = check(&logout_claims(), Some("logout+jwt")).unwrap();
    assert_eq!(t.jti, "bWJq");
    assert_eq!(t.sub.as_deref(), Some(SUB));
    assert_eq!(
        t.sid.as_deref(),
        Some("08a5019c-17e1-4977-8f42-65a12843ea02")
    );
    assert_eq!(t.exp, Some(NOW + 120));
    assert!(t.events.contains_key(BACKCHANNEL_LOGOUT_EVENT));
    assert!(check(&logout_claims(), None).is_ok());
    assert!(check(&logout_claims(), Some("JWT")).is_ok());
    assert!(check(&logout_claims(), Some("application/logout+jwt")).is_ok());
    // sub or sid alone; exp optional.
    assert!(check(&without(logout_claims(), "sid"), None).is_ok());
    assert!(check(&without(logout_claims(), "sub"), None).is_ok());
    assert!(check(&without(logout_claims(), "exp"), None).is_ok());

    let err = |c: &Value, typ: Option<&str>| match check(c, typ) {
        Err(Error::Token(t)) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        err(&logout_claims(), Some("at+jwt")),
        TokenError::Type("at+jwt".into())
    );
    assert_eq!(
        err(&with(logout_claims(), "nonce", json!("n")), None),
        TokenError::ForbiddenClaim("nonce")
    );
    assert_eq!(
        err(&without(without(logout_claims(), "sub"), "sid"), None),
        TokenError::MissingClaim("sub or sid")
    );
    assert_eq!(
        err(&without(logout_claims(), "events"), None),
        TokenError::MissingLogoutEvent
    );
    assert_eq!(
        err(
            &with(
                logout_claims(),
                "events",
                json!({"http://schemas.openid.net/event/other": {}})
            ),
            None
        ),
        TokenError::MissingLogoutEvent
    );
    assert_eq!(
        err(
            &with(
                logout_claims(),
                "events",
                json!({BACKCHANNEL_LOGOUT_EVENT: "yes"})
            ),
            None
        ),
        TokenError::MissingLogoutEvent
    );
    assert_eq!(
        err(
            &with(logout_claims(), "events", json!([BACKCHANNEL_LOGOUT_EVENT])),
            None
        ),
        TokenError::WrongType("events")
    );
    assert_eq!(
        err(&without(logout_claims(), "jti"), None),
        TokenError::MissingClaim("jti")
    );
    assert_eq!(
        err(&without(logout_claims(), "iat"), None),
        TokenError::MissingClaim("iat")
    );
    assert!(matches!(
        err(
            &with(logout_claims(), "iss", json!("https://evil.example")),
            None
        ),
        TokenError::Issuer { .. }
    ));
    assert!(matches!(
        err(&with(logout_claims(), "aud", json!("other")), None),
        TokenError::AudienceMissingClient { .. }
    ));
    assert!(matches!(
        err(&with(logout_claims(), "exp", json!(NOW - 1)), None),
        TokenError::Expired { .. }
    ));
    // RFC 7519 §2: a fractional `exp` counts to the fraction (one answer with ID tokens and
    // `authcore_jose::jwt::verify`).
    assert!(matches!(
        err(&with(logout_claims(), "exp", json!(NOW as f64 - 0.5)), None),
        TokenError::Expired { .. }
    ));
    let t = check(&with(logout_claims(), "exp", json!(NOW as f64 + 0.5)), None).unwrap();
    assert_eq!(t.exp, Some(NOW), "whole seconds in the typed field");
    assert!(matches!(
        err(&with(logout_claims(), "iat", json!(NOW - 3600)), None),
        TokenError::IssuedTooLongAgo { .. }
    ));
    assert!(matches!(
        err(&with(logout_claims(), "iat", json!(NOW + 3600)), None),
        TokenError::IssuedInFuture { .. }
    ));
    // An ID token is not a logout token.
    let id_token = op.sign(JwsAlgorithm::RS256, &claims());
    assert!(v.validate_logout_token(&id_token, &keys, now()).is_err());
    // ... and a logout token is not an ID token.
    let lt = logout_token(&op, &logout_claims(), Some("logout+jwt"));
    assert!(
        v.validate(
            &lt,
            &keys,
            &authcore_oidc::IdTokenExpectations::token_endpoint(),
            now()
        )
        .is_err()
    );
    // Disallowed algorithm.
    let es = op.sign_with_header(
        JwsHeader::new(JwsAlgorithm::ES256).with_kid("ec1"),
        &logout_claims(),
    );
    assert!(matches!(
        authcore_oidc::IdTokenVerifier::new(ISSUER, CLIENT).validate_logout_token(
            &es,
            &keys,
            now()
        ),
        Err(Error::Token(TokenError::AlgorithmNotAllowed { .. }))
    ));
}

#[test]
fn back_channel_logout_requests_and_responses() {
    assert_eq!(
        parse_logout_request_body(b"logout_token=a.b.c").unwrap(),
        "a.b.c"
    );
    assert!(parse_logout_request_body(b"").is_err());
    assert!(parse_logout_request_body(b"logout_token=").is_err());
    assert!(parse_logout_request_body(b"logout_token=a&logout_token=b").is_err());
    assert!(parse_logout_request_body(&vec![b'a'; 70_000]).is_err());
    let req = http::Request::builder()
        .method("POST")
        .uri("https://client.example/backchannel")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"logout_token=x.y.z".to_vec())
        .unwrap();
    assert_eq!(parse_logout_request(&req).unwrap(), "x.y.z");
    let get = http::Request::builder()
        .method("GET")
        .uri("https://client.example/backchannel?logout_token=x.y.z")
        .body(Vec::new())
        .unwrap();
    assert!(parse_logout_request(&get).is_err());
    let json = http::Request::builder()
        .method("POST")
        .uri("https://client.example/backchannel")
        .header("content-type", "application/json")
        .body(br#"{"logout_token":"x.y.z"}"#.to_vec())
        .unwrap();
    assert!(parse_logout_request(&json).is_err());
    let ok = logout_response(true);
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["cache-control"], "no-store");
    let bad = logout_response(false);
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.headers()["cache-control"], "no-store");
    assert!(String::from_utf8_lossy(bad.body()).contains("invalid_request"));
}

// ---------------------------------------------------------------------------------------
// Front-channel logout (Front-Channel Logout 1.0 §2)

/// The claims of a validated ID token with session `sid`.
fn session(sid: &str) -> authcore_oidc::IdTokenClaims {
    let token = Op::new().sign(JwsAlgorithm::ES256, &with(claims(), "sid", json!(sid)));
    verifier()
        .validate(
            &token,
            &Op::new().keys(),
            &authcore_oidc::IdTokenExpectations::token_endpoint(),
            now(),
        )
        .unwrap()
}

#[test]
fn frontchannel_logout_requests() {
    use authcore_oidc::{
        frontchannel_logout_response, parse_frontchannel_logout_query,
        parse_frontchannel_logout_request,
    };
    let iss = url::form_urlencoded::byte_serialize(ISSUER.as_bytes()).collect::<String>();
    let query = format!("iss={iss}&sid=08a5019c-17e1-4977-8f42-65a12843ea02");
    let req = http::Request::get(format!("https://rp.example/frontchannel_logout?{query}"))
        .body(())
        .unwrap();
    let logout = parse_frontchannel_logout_request(&req, ISSUER, true).unwrap();
    assert_eq!(logout.iss.as_deref(), Some(ISSUER));
    assert_eq!(
        logout.sid.as_deref(),
        Some("08a5019c-17e1-4977-8f42-65a12843ea02")
    );
    assert!(logout.ends_session_of(&session("08a5019c-17e1-4977-8f42-65a12843ea02")));
    assert!(!logout.ends_session_of(&session("another-session")));

    // Without parameters: allowed unless the client registered session_required; names no
    // session.
    let bare = parse_frontchannel_logout_query("", ISSUER, false).unwrap();
    assert!(!bare.ends_session_of(&session("08a5019c-17e1-4977-8f42-65a12843ea02")));
    assert!(parse_frontchannel_logout_query("", ISSUER, true).is_err());

    // Refused: one without the other, another issuer, repeats, a POST.
    for (q, what) in [
        (format!("iss={iss}"), "iss without sid"),
        ("sid=x".to_owned(), "iss missing"),
        (
            "iss=https%3A%2F%2Fevil.example&sid=x".to_owned(),
            "another issuer",
        ),
        (format!("{query}&sid=y"), "repeated sid"),
    ] {
        assert!(
            parse_frontchannel_logout_query(&q, ISSUER, false).is_err(),
            "{what}"
        );
    }
    assert!(matches!(
        parse_frontchannel_logout_query("iss=https%3A%2F%2Fevil.example&sid=x", ISSUER, false),
        Err(Error::Token(TokenError::Issuer { .. }))
    ));
    let post = http::Request::post(format!("https://rp.example/fc?{query}"))
        .body(())
        .unwrap();
    assert!(parse_frontchannel_logout_request(&post, ISSUER, false).is_err());

    // The page is never cached.
    let r = frontchannel_logout_response(b"<!doctype html><p>Signed out".to_vec());
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-cache, no-store");
    assert_eq!(r.headers()["pragma"], "no-cache");
}
