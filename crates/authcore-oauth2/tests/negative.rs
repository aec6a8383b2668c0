//! A negative test for every check.

mod common;

use authcore_oauth2::*;
use common::*;

fn pending_for(server: &AuthorizationServer) -> PendingAuthorization {
    AuthorizationRequest::new("https://client.example.com/cb")
        .build_url(&basic_client(), server, &rng())
        .unwrap()
        .1
}

fn callback(query: &str) -> AuthorizationResponse {
    AuthorizationResponse::from_query(query).unwrap()
}

#[test]
fn state_mismatch() {
    let p = pending_for(&server());
    let e = p
        .handle_callback(&callback("code=abc&state=forged"))
        .unwrap_err();
    assert_eq!(e, Error::Security(SecurityError::StateMismatch));
}

#[test]
fn state_differing_only_in_length_or_last_char() {
    let p = pending_for(&server());
    let mut s = p.state().secret().to_owned();
    s.pop();
    let e = p
        .handle_callback(&callback(&format!("code=abc&state={s}")))
        .unwrap_err();
    assert_eq!(e, Error::Security(SecurityError::StateMismatch));
}

#[test]
fn missing_state() {
    let p = pending_for(&server());
    assert_eq!(
        p.handle_callback(&callback("code=abc")).unwrap_err(),
        Error::Security(SecurityError::MissingState)
    );
    // An error response without state is also treated as unsolicited.
    let p = pending_for(&server());
    assert_eq!(
        p.handle_callback(&callback("error=access_denied"))
            .unwrap_err(),
        Error::Security(SecurityError::MissingState)
    );
}

#[test]
fn missing_code() {
    let p = pending_for(&server());
    let q = format!("state={}", p.state().secret());
    assert_eq!(
        p.handle_callback(&callback(&q)).unwrap_err(),
        Error::Protocol(ProtocolError::MissingParameter("code"))
    );
}

#[test]
fn wrong_iss() {
    let p = pending_for(&server());
    let q = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fattacker.example",
        p.state().secret()
    );
    assert_eq!(
        p.handle_callback(&callback(&q)).unwrap_err(),
        Error::Security(SecurityError::IssuerMismatch {
            expected: "https://server.example.com".into(),
            received: "https://attacker.example".into()
        })
    );
    // Also on error responses (RFC 9207 §2.4).
    let p = pending_for(&server());
    let q = format!(
        "error=access_denied&state={}&iss=https%3A%2F%2Fattacker.example",
        p.state().secret()
    );
    assert!(matches!(
        p.handle_callback(&callback(&q)).unwrap_err(),
        Error::Security(SecurityError::IssuerMismatch { .. })
    ));
    // Exact comparison: a trailing slash is a different issuer.
    let p = pending_for(&server());
    let q = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fserver.example.com%2F",
        p.state().secret()
    );
    assert!(p.handle_callback(&callback(&q)).is_err());
}

#[test]
fn missing_iss_when_server_declares_it() {
    let server = server().with_iss_parameter_supported(true);
    let p = pending_for(&server);
    let q = format!("code=abc&state={}", p.state().secret());
    assert_eq!(
        p.handle_callback(&callback(&q)).unwrap_err(),
        Error::Security(SecurityError::MissingIssuer)
    );
    // Present and right: accepted.
    let p = pending_for(&server);
    let q = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fserver.example.com",
        p.state().secret()
    );
    assert!(p.handle_callback(&callback(&q)).is_ok());
}

#[test]
fn error_callback_keeps_description_uri_and_extension_code() {
    let p = pending_for(&server());
    let q = format!(
        "error=consent_required&error_description=Ask+again&error_uri=https%3A%2F%2Fas.example%2Fe&state={}",
        p.state().secret()
    );
    match p.handle_callback(&callback(&q)).unwrap_err() {
        Error::Server(e) => {
            assert_eq!(e.error, ErrorCode::Extension("consent_required".into()));
            assert_eq!(e.error_description.as_deref(), Some("Ask again"));
            assert_eq!(e.error_uri.as_deref(), Some("https://as.example/e"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn duplicate_callback_parameters() {
    for q in [
        "code=a&code=b&state=x",
        "code=a&state=x&state=y",
        "code=a&state=x&iss=a&iss=b",
    ] {
        assert!(matches!(
            AuthorizationResponse::from_query(q),
            Err(Error::Protocol(ProtocolError::DuplicateParameter(_)))
        ));
    }
    assert!(AuthorizationResponse::from_form_post(b"code=a&code=b").is_err());
}

#[test]
fn form_post_callback_needs_form_content_type() {
    let req = http::Request::post("https://client.example.com/cb")
        .header("content-type", "application/json")
        .body(b"code=a&state=b".to_vec())
        .unwrap();
    assert!(parse_callback_request(&req).is_err());
    let req = http::Request::post("https://client.example.com/cb")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"code=a&state=b".to_vec())
        .unwrap();
    assert_eq!(parse_callback_request(&req).unwrap().get("code"), Some("a"));
    let req = http::Request::get("https://client.example.com/cb?code=a&state=b")
        .body(Vec::<u8>::new())
        .unwrap();
    assert_eq!(
        parse_callback_request(&req).unwrap().get("state"),
        Some("b")
    );
}

fn opts() -> TokenResponseOptions {
    TokenResponseOptions::new()
}

#[test]
fn token_error_responses_are_typed() {
    for (code, typed) in [
        ("invalid_request", ErrorCode::InvalidRequest),
        ("invalid_client", ErrorCode::InvalidClient),
        ("invalid_grant", ErrorCode::InvalidGrant),
        ("unauthorized_client", ErrorCode::UnauthorizedClient),
        ("unsupported_grant_type", ErrorCode::UnsupportedGrantType),
        ("invalid_scope", ErrorCode::InvalidScope),
        ("invalid_target", ErrorCode::InvalidTarget),
        ("invalid_dpop_proof", ErrorCode::InvalidDpopProof),
        ("use_dpop_nonce", ErrorCode::UseDpopNonce),
        (
            "vendor_specific",
            ErrorCode::Extension("vendor_specific".into()),
        ),
    ] {
        let body = format!(
            r#"{{"error":"{code}","error_description":"d","error_uri":"https://e.example","x":1}}"#
        );
        match parse_token_response(&json(400, &body), &opts()).unwrap_err() {
            Error::Server(e) => {
                assert_eq!(e.error, typed);
                assert_eq!(e.error.as_str(), code);
                assert_eq!(e.error_description.as_deref(), Some("d"));
                assert_eq!(e.error_uri.as_deref(), Some("https://e.example"));
                assert_eq!(e.extra["x"], 1);
                assert_eq!(e.status, Some(400));
            }
            other => panic!("{other:?}"),
        }
    }
    // 401 invalid_client (RFC 6749 §5.2).
    assert!(matches!(
        parse_token_response(&json(401, r#"{"error":"invalid_client"}"#), &opts()),
        Err(Error::Server(ErrorResponse {
            error: ErrorCode::InvalidClient,
            status: Some(401),
            ..
        }))
    ));
}

#[test]
fn status_200_with_error_body() {
    let e = parse_token_response(&json(200, r#"{"error":"bad_verification_code"}"#), &opts())
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Server(ErrorResponse {
            status: Some(200),
            ..
        })
    ));
}

#[test]
fn unusable_token_type() {
    let r = json(200, r#"{"access_token":"a","token_type":"mac"}"#);
    assert_eq!(
        parse_token_response(&r, &opts()).unwrap_err(),
        Error::Protocol(ProtocolError::UnusableTokenType("mac".into()))
    );
    // DPoP tokens are unusable unless the request used DPoP.
    let r = json(200, r#"{"access_token":"a","token_type":"DPoP"}"#);
    assert!(parse_token_response(&r, &opts()).is_err());
    assert!(parse_token_response(&r, &opts().dpop()).is_ok());
    // Case-insensitive comparison (RFC 6749 §5.1).
    let r = json(200, r#"{"access_token":"a","token_type":"bEaReR"}"#);
    assert_eq!(
        parse_token_response(&r, &opts()).unwrap().token_type,
        TokenType::Bearer
    );
}

#[test]
fn bearer_when_dpop_requested_is_a_downgrade() {
    let r = json(200, r#"{"access_token":"a","token_type":"Bearer"}"#);
    assert!(matches!(
        parse_token_response(&r, &opts().dpop()),
        Err(Error::Security(SecurityError::TokenTypeDowngrade { .. }))
    ));
    assert!(parse_token_response(&r, &opts().dpop().allow_bearer_fallback()).is_ok());
}

#[test]
fn missing_or_ill_typed_members() {
    for (body, expected) in [
        (
            r#"{"token_type":"Bearer"}"#,
            ProtocolError::MissingParameter("access_token"),
        ),
        (
            r#"{"access_token":"a"}"#,
            ProtocolError::MissingParameter("token_type"),
        ),
        (
            r#"{"access_token":"","token_type":"Bearer"}"#,
            ProtocolError::InvalidParameter {
                name: "access_token",
                reason: "empty",
            },
        ),
        (
            r#"{"access_token":5,"token_type":"Bearer"}"#,
            ProtocolError::InvalidParameter {
                name: "access_token",
                reason: "not a string",
            },
        ),
        (
            r#"{"access_token":"a","token_type":"Bearer","expires_in":-1}"#,
            ProtocolError::InvalidParameter {
                name: "expires_in",
                reason: "not a non-negative integer",
            },
        ),
        (
            r#"{"access_token":"a","token_type":"Bearer","expires_in":1.5}"#,
            ProtocolError::InvalidParameter {
                name: "expires_in",
                reason: "not a non-negative integer",
            },
        ),
        (
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"3600"}"#,
            ProtocolError::InvalidParameter {
                name: "expires_in",
                reason: "not a number",
            },
        ),
        (
            r#"{"access_token":"a","token_type":"Bearer","refresh_token":["r"]}"#,
            ProtocolError::InvalidParameter {
                name: "refresh_token",
                reason: "not a string",
            },
        ),
        (
            r#"{"access_token":"a","token_type":"Bearer","scope":1}"#,
            ProtocolError::InvalidParameter {
                name: "scope",
                reason: "not a string",
            },
        ),
    ] {
        assert_eq!(
            parse_token_response(&json(200, body), &opts()).unwrap_err(),
            Error::Protocol(expected),
            "{body}"
        );
    }
}

#[test]
fn expires_in_string_quirk_is_opt_in() {
    let r = json(
        200,
        r#"{"access_token":"a","token_type":"Bearer","expires_in":"3600"}"#,
    );
    assert!(parse_token_response(&r, &opts()).is_err());
    let t = parse_token_response(&r, &opts().accept_expires_in_as_string()).unwrap();
    assert_eq!(t.expires_in, Some(3600));
    for bad in [
        r#""-1""#,
        r#""1e3""#,
        r#""""#,
        r#"" 1""#,
        r#""99999999999999999999""#,
    ] {
        let r = json(
            200,
            &format!(r#"{{"access_token":"a","token_type":"Bearer","expires_in":{bad}}}"#),
        );
        assert!(
            parse_token_response(&r, &opts().accept_expires_in_as_string()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn non_json_and_wrong_content_type() {
    let html = http::Response::builder()
        .status(200)
        .header("content-type", "text/html")
        .body(b"<html>".to_vec())
        .unwrap();
    assert!(matches!(
        parse_token_response(&html, &opts()),
        Err(Error::Protocol(ProtocolError::ContentType { .. }))
    ));
    assert!(matches!(
        parse_token_response(&json(200, "not json"), &opts()),
        Err(Error::Protocol(ProtocolError::Json(_)))
    ));
    assert!(matches!(
        parse_token_response(&json(200, "[1]"), &opts()),
        Err(Error::Protocol(ProtocolError::Json(_)))
    ));
    assert!(matches!(
        parse_token_response(
            &json(200, r#"{"access_token":"a","token_type":"Bearer"} x"#),
            &opts()
        ),
        Err(Error::Protocol(ProtocolError::Json(_)))
    ));
    // Form-encoded token responses (some legacy servers) are not JSON.
    let form = http::Response::builder()
        .status(200)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"access_token=a&token_type=bearer".to_vec())
        .unwrap();
    assert!(parse_token_response(&form, &opts()).is_err());
    // The content-type quirk still requires JSON.
    let untyped = http::Response::builder()
        .status(200)
        .body(br#"{"access_token":"a","token_type":"Bearer"}"#.to_vec())
        .unwrap();
    assert!(parse_token_response(&untyped, &opts()).is_err());
    assert!(parse_token_response(&untyped, &opts().accept_any_content_type()).is_ok());
    // A 5xx HTML page is an unexpected status, not a server error response.
    let e = http::Response::builder()
        .status(502)
        .header("content-type", "text/html")
        .body(b"<h1>".to_vec())
        .unwrap();
    assert_eq!(
        parse_token_response(&e, &opts()).unwrap_err(),
        Error::Protocol(ProtocolError::UnexpectedStatus { status: 502 })
    );
}

#[test]
fn duplicate_json_members() {
    let r = json(
        200,
        r#"{"access_token":"a","token_type":"Bearer","access_token":"b"}"#,
    );
    assert!(matches!(
        parse_token_response(&r, &opts()),
        Err(Error::Protocol(ProtocolError::Json(_)))
    ));
    let r = json(400, r#"{"error":"invalid_grant","error":"server_error"}"#);
    assert!(matches!(
        parse_token_response(&r, &opts()),
        Err(Error::Protocol(_))
    ));
}

#[test]
fn token_body_is_read_strictly_in_one_pass() {
    let is_json_error =
        |r: Result<TokenResponse>| matches!(r, Err(Error::Protocol(ProtocolError::Json(_))));
    // Escaped duplicates of registered and unknown members, at the top and nested.
    for body in [
        r#"{"access_token":"a","token_type":"Bearer","access\u005ftoken":"b"}"#,
        r#"{"access_token":"a","token_type":"Bearer","\u0073cope":"x","scope":"y"}"#,
        r#"{"access_token":"a","token_type":"Bearer","x":1,"\u0078":2}"#,
        r#"{"access_token":"a","token_type":"Bearer","x":{"k":[{"a":1,"\u0061":2}]}}"#,
        r#"{"access_token":"a","token_type":"Bearer","scope":{"a":1,"a":2}}"#,
    ] {
        assert!(
            is_json_error(parse_token_response(&json(200, body), &opts())),
            "{body}"
        );
    }
    // An escaped registered name is that member.
    let t = parse_token_response(
        &json(
            200,
            r#"{"access\u005ftoken":"a\u0062","token_type":"Bearer"}"#,
        ),
        &opts(),
    )
    .unwrap();
    assert_eq!(t.access_token.secret(), "ab");
    assert!(t.extra.is_empty());
    // Nested unknown members are kept whole; `error_description` without `error` is one.
    let t = parse_token_response(
        &json(
            200,
            r#"{"access_token":"a","token_type":"Bearer","x":{"y":[1,{"z":null}]},"error_description":"d"}"#,
        ),
        &opts(),
    )
    .unwrap();
    assert_eq!(t.extra["x"], serde_json::json!({"y": [1, {"z": null}]}));
    assert_eq!(t.extra["error_description"], "d");
    // Nesting: 31 levels inside a member pass, 32 do not, registered member or not.
    for name in ["x", "scope"] {
        let nested = |n: usize| {
            format!(
                r#"{{"access_token":"a","token_type":"Bearer","{name}":{}1{}}}"#,
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        let r = parse_token_response(&json(200, &nested(31)), &opts());
        assert!(!is_json_error(r), "{name}");
        assert!(is_json_error(parse_token_response(
            &json(200, &nested(32)),
            &opts()
        )));
    }
    // Wrong types of every registered member are errors, not "absent".
    for (member, value) in [
        ("token_type", "true"),
        ("expires_in", "[1]"),
        ("refresh_token", "{}"),
        ("id_token", "1"),
        ("issued_token_type", "false"),
    ] {
        let body = format!(r#"{{"access_token":"a","token_type":"Bearer","{member}":{value}}}"#);
        let body = body.replacen(
            r#""token_type":"Bearer","token_type""#,
            r#""token_type""#,
            1,
        );
        assert!(
            matches!(
                parse_token_response(&json(200, &body), &opts()),
                Err(Error::Protocol(ProtocolError::InvalidParameter { name, .. })) if name == member
            ),
            "{body}"
        );
    }
    // An `error` member decides before the token members are read, with status 200 too; the
    // other members are kept in the error response.
    let e = parse_token_response(
        &json(200, r#"{"access_token":5,"error":"invalid_grant","x":[1]}"#),
        &opts(),
    )
    .unwrap_err();
    let Error::Server(e) = e else { panic!("{e:?}") };
    assert_eq!((e.error, e.status), (ErrorCode::InvalidGrant, Some(200)));
    assert_eq!(e.extra["access_token"], 5);
    assert_eq!(e.extra["x"], serde_json::json!([1]));
    for body in [
        r#"{"error":null}"#,
        r#"{"error":"invalid_grant","error_description":1}"#,
        r#"{"error":"invalid_grant","error_uri":[]}"#,
    ] {
        assert!(
            matches!(
                parse_token_response(&json(200, body), &opts()),
                Err(Error::Protocol(ProtocolError::InvalidParameter { .. }))
            ),
            "{body}"
        );
    }
}

#[test]
fn oversized_body() {
    let big = format!(
        r#"{{"access_token":"a","token_type":"Bearer","pad":"{}"}}"#,
        "x".repeat(MAX_RESPONSE_BYTES)
    );
    assert_eq!(
        parse_token_response(&json(200, &big), &opts()).unwrap_err(),
        Error::Protocol(ProtocolError::TooLarge {
            limit: MAX_RESPONSE_BYTES
        })
    );
    assert!(AuthorizationServerMetadata::from_json(big.as_bytes(), "https://a.example").is_err());
    assert!(AuthorizationResponse::from_query(&"a".repeat(MAX_FORM_BYTES + 1)).is_err());
}

#[test]
fn misuse_is_reported() {
    let server = server();
    let client = basic_client();
    let rng = rng();
    // Reserved parameter.
    assert_eq!(
        AuthorizationRequest::new("https://c.example/cb")
            .param("state", "mine")
            .build_url(&client, &server, &rng)
            .unwrap_err(),
        Error::Misuse("extension parameter is reserved or repeated")
    );
    // Bad scope token and resource indicator.
    assert!(
        AuthorizationRequest::new("https://c.example/cb")
            .scope("a b")
            .build_url(&client, &server, &rng)
            .is_err()
    );
    assert!(
        AuthorizationRequest::new("https://c.example/cb")
            .resource("/relative")
            .build_url(&client, &server, &rng)
            .is_err()
    );
    assert!(
        AuthorizationRequest::new("https://c.example/cb")
            .resource("https://r.example/#f")
            .build_url(&client, &server, &rng)
            .is_err()
    );
    // Relative redirect URI.
    assert!(
        AuthorizationRequest::new("/cb")
            .build_url(&client, &server, &rng)
            .is_err()
    );
    // Unconfigured endpoint.
    let bare = AuthorizationServer::new("https://as.example");
    assert!(matches!(
        TokenRequest::client_credentials().build_token_request(
            &client,
            &bare,
            UnixTime::from_secs(0),
            &rng
        ),
        Err(Error::Misuse(_))
    ));
    // Plain http endpoint.
    assert!(
        AuthorizationServer::new("x")
            .with_token_endpoint("http://as.example/token")
            .is_err()
    );
    // A parameter set twice.
    assert!(
        TokenRequest::client_credentials()
            .param("grant_type", "x")
            .build_token_request(&client, &server, UnixTime::from_secs(0), &rng)
            .is_err()
    );
}

#[test]
fn metadata_issuer_must_match_exactly() {
    let doc = r#"{"issuer":"https://server.example.com/"}"#;
    assert!(matches!(
        parse_metadata_response(&json(200, doc), "https://server.example.com"),
        Err(Error::Security(
            SecurityError::MetadataIssuerMismatch { .. }
        ))
    ));
    assert!(
        parse_metadata_response(
            &json(200, r#"{"token_endpoint":"x"}"#),
            "https://server.example.com"
        )
        .is_err()
    );
    assert!(parse_metadata_response(&json(404, "{}"), "https://server.example.com").is_err());
    // An endpoint that is not https is refused when building the server from metadata.
    let doc = r#"{"issuer":"https://server.example.com","token_endpoint":"http://server.example.com/token"}"#;
    let m = parse_metadata_response(&json(200, doc), "https://server.example.com").unwrap();
    assert!(AuthorizationServer::from_metadata(&m).is_err());
}

#[test]
fn par_response_needs_request_uri_and_expires_in() {
    assert!(parse_par_response(&json(201, r#"{"expires_in":60}"#)).is_err());
    assert!(parse_par_response(&json(201, r#"{"request_uri":"urn:x"}"#)).is_err());
    assert!(
        parse_par_response(&json(201, r#"{"request_uri":"urn:x","expires_in":"60"}"#)).is_err()
    );
}

#[test]
fn device_authorization_response_checks() {
    assert!(
        parse_device_authorization_response(&json(
            200,
            r#"{"device_code":"d","user_code":"u","verification_uri":"https://v"}"#
        ))
        .is_err()
    );
    assert!(
        parse_device_authorization_response(&json(
            200,
            r#"{"user_code":"u","verification_uri":"https://v","expires_in":5}"#
        ))
        .is_err()
    );
    let d = parse_device_authorization_response(&json(
        200,
        r#"{"device_code":"d","user_code":"u","verification_uri":"https://v","expires_in":5}"#,
    ))
    .unwrap();
    assert_eq!(d.interval, DEFAULT_DEVICE_POLL_INTERVAL);
}

#[test]
fn front_channel_refused_when_par_is_required() {
    let server = server().with_require_pushed_authorization_requests(true);
    let client = basic_client();
    assert!(matches!(
        AuthorizationRequest::new("https://c.example/cb").build_url(&client, &server, &rng()),
        Err(Error::Misuse(_))
    ));
    assert!(
        AuthorizationRequest::new("https://c.example/cb")
            .build_par_request(&client, &server, UnixTime::from_secs(0), &rng())
            .is_ok()
    );
}

fn token_response_with(
    cache_control: Option<&str>,
    status: u16,
    body: &str,
) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(cc) = cache_control {
        b = b.header("cache-control", cc);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

const TOKENS: &str = r#"{"access_token":"at","token_type":"Bearer","expires_in":3600}"#;

#[test]
fn cache_control_no_store_is_opt_in() {
    // Lenient by default: many deployed servers omit it.
    let missing = token_response_with(None, 200, TOKENS);
    assert!(parse_token_response(&missing, &opts()).is_ok());

    let strict = opts().require_cache_control_no_store();
    let e = parse_token_response(&missing, &strict).unwrap_err();
    assert!(matches!(
        e,
        Error::Protocol(ProtocolError::InvalidHeader {
            name: "cache-control",
            ..
        })
    ));
    for cc in ["no-cache", "private, max-age=0", "no-storage", ""] {
        let r = token_response_with(Some(cc), 200, TOKENS);
        assert!(parse_token_response(&r, &strict).is_err(), "{cc}");
    }
    for cc in ["no-store", "NO-STORE", "no-cache, no-store, max-age=0"] {
        let r = token_response_with(Some(cc), 200, TOKENS);
        assert!(parse_token_response(&r, &strict).is_ok(), "{cc}");
    }
    // Token exchange, refresh and device responses go through the same check.
    let exchange = token_response_with(
        None,
        200,
        r#"{"access_token":"at","token_type":"N_A","issued_token_type":"urn:ietf:params:oauth:token-type:jwt"}"#,
    );
    assert!(parse_token_exchange_response(&exchange, &opts()).is_ok());
    assert!(matches!(
        parse_token_exchange_response(&exchange, &strict),
        Err(Error::Protocol(ProtocolError::InvalidHeader { .. }))
    ));
    assert!(matches!(
        parse_refresh_token_response(&missing, &strict, RefreshToken::new("rt")),
        Err(Error::Protocol(ProtocolError::InvalidHeader { .. }))
    ));
    // Error responses carry no tokens: still reported as the server's error.
    let err = token_response_with(None, 400, r#"{"error":"invalid_grant"}"#);
    assert!(matches!(
        parse_token_response(&err, &strict),
        Err(Error::Server(e)) if e.error == ErrorCode::InvalidGrant
    ));
}

#[test]
fn refresh_cannot_widen_the_granted_scope() {
    let previous = RefreshToken::new("rt");
    let granted = ["read", "write"];
    let with_scope = |scope: &str| {
        json(
            200,
            &format!(r#"{{"access_token":"a2","token_type":"Bearer","scope":"{scope}"}}"#),
        )
    };
    let e = parse_refresh_token_response_within_scope(
        &with_scope("read write admin"),
        &opts(),
        previous.clone(),
        &granted,
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::Security(SecurityError::ScopeWidened {
            extra: vec!["admin".into()]
        })
    );
    // Scope tokens are case-sensitive (RFC 6749 §3.3).
    assert!(matches!(
        parse_refresh_token_response_within_scope(
            &with_scope("READ"),
            &opts(),
            previous.clone(),
            &granted
        ),
        Err(Error::Security(SecurityError::ScopeWidened { .. }))
    ));
    // Nothing granted: any scope in the response is wider.
    assert!(
        parse_refresh_token_response_within_scope(
            &with_scope("read"),
            &opts(),
            previous.clone(),
            &[] as &[&str]
        )
        .is_err()
    );
    // Same, narrower, reordered or absent scope: accepted; the old refresh token is kept
    // when none is issued.
    for scope in ["read write", "write read", "read"] {
        let r = parse_refresh_token_response_within_scope(
            &with_scope(scope),
            &opts(),
            previous.clone(),
            &granted,
        )
        .unwrap();
        assert!(!r.rotated);
        assert_eq!(r.refresh_token, previous);
    }
    let r = parse_refresh_token_response_within_scope(
        &json(200, r#"{"access_token":"a2","token_type":"Bearer"}"#),
        &opts(),
        previous.clone(),
        &granted.map(String::from),
    )
    .unwrap();
    assert_eq!(r.refresh_token, previous);
    // Without the granted scope, the unchecked parser cannot tell.
    assert!(
        parse_refresh_token_response(&with_scope("read write admin"), &opts(), previous).is_ok()
    );
}

#[test]
fn iss_required_when_metadata_declares_it() {
    // RFC 9207 §2.4 through RFC 8414 metadata, the way clients configure the server.
    let doc = |supported: bool| {
        format!(
            r#"{{"issuer":"https://server.example.com","authorization_endpoint":"https://server.example.com/authorize","token_endpoint":"https://server.example.com/token","authorization_response_iss_parameter_supported":{supported}}}"#
        )
    };
    let m =
        AuthorizationServerMetadata::from_json(doc(true).as_bytes(), "https://server.example.com")
            .unwrap();
    let server = AuthorizationServer::from_metadata(&m).unwrap();
    assert!(server.iss_parameter_supported());
    let p = pending_for(&server);
    let q = format!("code=abc&state={}", p.state().secret());
    assert_eq!(
        p.handle_callback(&callback(&q)).unwrap_err(),
        Error::Security(SecurityError::MissingIssuer)
    );
    // A mix-up: the response comes from another server.
    let p = pending_for(&server);
    let q = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fattacker.example",
        p.state().secret()
    );
    assert!(matches!(
        p.handle_callback(&callback(&q)).unwrap_err(),
        Error::Security(SecurityError::IssuerMismatch { .. })
    ));
    // Error responses too.
    let p = pending_for(&server);
    let q = format!("error=access_denied&state={}", p.state().secret());
    assert_eq!(
        p.handle_callback(&callback(&q)).unwrap_err(),
        Error::Security(SecurityError::MissingIssuer)
    );
    let p = pending_for(&server);
    let q = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fserver.example.com",
        p.state().secret()
    );
    assert!(p.handle_callback(&callback(&q)).is_ok());

    // Metadata without the flag: `iss` optional, but checked when present.
    let m =
        AuthorizationServerMetadata::from_json(doc(false).as_bytes(), "https://server.example.com")
            .unwrap();
    let server = AuthorizationServer::from_metadata(&m).unwrap();
    let p = pending_for(&server);
    let q = format!("code=abc&state={}", p.state().secret());
    assert!(p.handle_callback(&callback(&q)).is_ok());
    let p = pending_for(&server);
    let q = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fattacker.example",
        p.state().secret()
    );
    assert!(p.handle_callback(&callback(&q)).is_err());
}

#[test]
fn iss_without_a_configured_issuer() {
    let server = AuthorizationServer::without_issuer()
        .with_authorization_endpoint("https://server.example.com/authorize")
        .unwrap();
    // Documented: nothing to compare with, so `iss` is accepted unchecked (no mix-up
    // defense) and remains readable.
    let p = pending_for(&server);
    let q = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fanyone.example",
        p.state().secret()
    );
    let cb = callback(&q);
    let grant = p.handle_callback(&cb).unwrap();
    assert_eq!(grant.issuer(), None);
    assert_eq!(cb.get("iss"), Some("https://anyone.example"));
    // Requiring `iss` without an issuer to compare it with is refused up front.
    let server = server.with_iss_parameter_supported(true);
    let e = AuthorizationRequest::new("https://client.example.com/cb")
        .build_url(&basic_client(), &server, &rng())
        .unwrap_err();
    assert!(matches!(e, Error::Misuse(_)));
}

/// A random source that always fails, as an exhausted or broken OS generator would.
struct FailingRandom;

impl SecureRandom for FailingRandom {
    fn fill(&self, _dest: &mut [u8]) -> Result<(), jose::Error> {
        Err(jose::Error::Crypto)
    }
}

#[test]
fn random_source_failure_has_its_own_variant() {
    let e = AuthorizationRequest::new("https://client.example.com/cb")
        .build_url(&basic_client(), &server(), &FailingRandom)
        .unwrap_err();
    assert!(matches!(e, Error::Random(_)), "{e:?}");
    // The cause is kept for `source()`.
    assert!(std::error::Error::source(&e).is_some());
}

#[test]
fn metadata_endpoints_that_break_the_https_rule_are_the_servers_fault() {
    for (member, url) in [
        ("token_endpoint", "http://as.example/token"),
        (
            "authorization_endpoint",
            "https://as.example/authorize#frag",
        ),
        ("revocation_endpoint", "revoke"),
    ] {
        let doc = format!(r#"{{"issuer":"https://as.example","{member}":"{url}"}}"#);
        let m =
            AuthorizationServerMetadata::from_json(doc.as_bytes(), "https://as.example").unwrap();
        let e = AuthorizationServer::from_metadata(&m).unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::InvalidEndpoint { name, .. }) if name == member),
            "{member}: {e:?}"
        );
    }
    let doc = br#"{"issuer":"https://as.example","token_endpoint":"https://as.example/token","mtls_endpoint_aliases":{"token_endpoint":"http://mtls.example/token"}}"#;
    let m = AuthorizationServerMetadata::from_json(doc, "https://as.example").unwrap();
    assert!(matches!(
        AuthorizationServer::from_metadata_for_mtls(&m),
        Err(Error::Protocol(ProtocolError::InvalidEndpoint {
            name: "mtls_endpoint_aliases",
            ..
        }))
    ));
    // The same URL configured by the caller stays the caller's fault.
    assert!(matches!(
        AuthorizationServer::new("https://as.example")
            .with_token_endpoint("http://as.example/token"),
        Err(Error::InvalidEndpoint { url, .. }) if url == "http://as.example/token"
    ));
}

#[test]
fn non_json_bodies_are_protocol_errors_not_jose() {
    for body in ["<html>", "{\"a\":1,\"a\":2}", "[]", ""] {
        let e = parse_introspection_response(&json(200, body)).unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::Json(_))),
            "{body}: {e:?}"
        );
        let e = AuthorizationServerMetadata::from_json(body.as_bytes(), "https://as.example")
            .unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::Json(_))),
            "{body}: {e:?}"
        );
    }
}

#[test]
fn errors_expose_their_cause() {
    use std::error::Error as _;
    let server_error = parse_token_response(
        &json(400, r#"{"error":"invalid_grant"}"#),
        &TokenResponseOptions::new(),
    )
    .unwrap_err();
    let cause = server_error
        .source()
        .expect("the error response is the cause");
    assert_eq!(cause.to_string(), "invalid_grant (HTTP 400)");
    let protocol =
        parse_token_response(&json(200, "{}"), &TokenResponseOptions::new()).unwrap_err();
    assert!(protocol.source().is_some());
    assert!(Error::Misuse("x").source().is_none());
    let jwt = Error::Security(SecurityError::InvalidJwtResponse(
        jose::Error::InvalidSignature,
    ));
    let chain = jwt
        .source()
        .and_then(|s| s.source())
        .expect("the JOSE error");
    assert_eq!(chain.to_string(), jose::Error::InvalidSignature.to_string());
}
