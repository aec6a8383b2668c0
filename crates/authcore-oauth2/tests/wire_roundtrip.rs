//! The side-neutral wire types: `parse(serialize(x)) == x` for each (proptest), and the strict
//! parsing and HTTP responses each must have.

use authcore_oauth2::wire::*;
use authcore_oauth2::*;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn text() -> impl Strategy<Value = String> {
    "\\PC{1,16}"
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn scope_tokens() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("[!#-\\[\\]-~]{1,10}", 0..4)
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(text(), 0..4)
}

/// Extension members: names that no type registers, scalar values (a float would not
/// compare equal after a round trip through text only if it were not shortest-form).
fn extra() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map(
        "x_[a-z]{1,8}",
        prop_oneof![
            text().prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
            Just(json!({"nested": [1, "two", {"three": null}]})),
        ],
        0..3,
    )
    .prop_map(|m| m.into_iter().collect())
}

/// Extension parameters of a form: names that no type registers, non-empty values (RFC 6749
/// §3.1: an empty parameter is treated as omitted).
fn extra_params() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::btree_map("x_[a-z]{1,8}", text(), 0..3)
        .prop_map(|m| m.into_iter().collect())
}

fn token_type() -> impl Strategy<Value = TokenType> {
    prop_oneof![
        Just(TokenType::Bearer),
        Just(TokenType::DPoP),
        Just(TokenType::NotApplicable),
        "[A-Za-z_]{1,10}"
            .prop_filter("registered", |s| {
                !s.eq_ignore_ascii_case("bearer") && !s.eq_ignore_ascii_case("dpop") && s != "N_A"
            })
            .prop_map(|s| TokenType::parse(&s)),
    ]
}

fn client_params() -> impl Strategy<Value = ClientAuthParams> {
    prop_oneof![
        Just(ClientAuthParams::none()),
        text().prop_map(ClientAuthParams::public),
        (text(), text())
            .prop_map(|(id, s)| ClientAuthParams::secret_post(id, ClientSecret::new(s))),
        (opt_text(), text()).prop_map(|(id, a)| ClientAuthParams::assertion(
            id,
            JWT_BEARER_CLIENT_ASSERTION_TYPE,
            a
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn token_response_round_trips(
        access in text(), tt in token_type(), expires in proptest::option::of(any::<u64>()),
        refresh in opt_text(), scope in proptest::option::of(scope_tokens()),
        id_token in opt_text(), issued in opt_text(), extra in extra(),
    ) {
        let mut t = TokenResponse::new(AccessToken::new(access), tt);
        t.expires_in = expires;
        t.refresh_token = refresh.map(RefreshToken::new);
        t.scope = scope;
        t.id_token = id_token.map(IdToken::new);
        t.issued_token_type = issued;
        t.extra = extra;
        prop_assert_eq!(TokenResponse::from_json(&t.to_json()).unwrap(), t.clone());
        let resp = t.to_http_response();
        let mut back = parse_token_response(&resp, &TokenResponseOptions::new().dpop().allow_bearer_fallback().accept_token_type(t.token_type.as_str()).require_cache_control_no_store());
        if t.token_type == TokenType::NotApplicable {
            back = parse_token_exchange_response(&resp, &TokenResponseOptions::new().accept_token_type("N_A"));
            if t.issued_token_type.is_none() {
                prop_assert!(back.is_err());
                return Ok(());
            }
        }
        prop_assert_eq!(back.unwrap(), t);
    }

    #[test]
    fn error_response_round_trips(code in "[a-z_]{1,20}", description in opt_text(), uri in opt_text(), extra in extra()) {
        let mut e = ErrorResponse::new(ErrorCode::parse(&code));
        e.error_description = description;
        e.error_uri = uri;
        e.extra = extra;
        prop_assert_eq!(ErrorResponse::from_json(&e.to_json()).unwrap(), e.clone());
        let resp = e.to_http_response();
        prop_assert_eq!(resp.status(), 400);
        let got = parse_token_response(&resp, &TokenResponseOptions::new()).unwrap_err();
        prop_assert_eq!(got, Error::Server(e.with_status(400)));
    }

    #[test]
    fn token_request_round_trips(
        grant in 0usize..8, a in text(), b in text(), scope in scope_tokens(),
        resources in proptest::collection::vec("https://[a-z]{1,8}\\.example/[a-z]{0,6}", 0..3),
        audiences in texts(), client in client_params(), extra in extra_params(),
    ) {
        #[allow(deprecated)]
        let mut r = match grant {
            0 => TokenRequest::authorization_code(AuthorizationCode::new(a), b, None),
            1 => TokenRequest::refresh_token(&RefreshToken::new(a)),
            2 => TokenRequest::client_credentials(),
            3 => TokenRequest::device_code(&DeviceCode::new(a)),
            4 => {
                let mut r = TokenRequest::token_exchange(&a, token_type_uri::ACCESS_TOKEN)
                    .actor_token(&b, token_type_uri::JWT)
                    .requested_token_type(token_type_uri::ID_TOKEN);
                for aud in &audiences {
                    r = r.audience(aud);
                }
                r
            }
            5 => TokenRequest::jwt_bearer(&a),
            6 => TokenRequest::password(&a, &Password::new(b)),
            _ => TokenRequest::extension("urn:example:grant").param("x", &a),
        };
        for s in scope {
            r = r.scope(s);
        }
        for res in resources {
            r = r.resource(res);
        }
        for (k, v) in &extra {
            r = r.param(k, v);
        }
        let r = r.with_client(client);
        let form = r.to_form();
        let back = TokenRequest::from_form(form.as_bytes()).unwrap();
        prop_assert_eq!(back.to_form(), form);
        prop_assert!(back == r);
    }

    #[test]
    fn token_hint_request_round_trips(token in text(), hint in proptest::option::of(prop_oneof![Just(TokenTypeHint::AccessToken), Just(TokenTypeHint::RefreshToken)]), client in client_params(), extra in extra_params()) {
        let mut r = TokenHintRequest::new(token, hint).with_client(client);
        r.extra = extra;
        let back = RevocationRequest::from_form(r.to_form().as_bytes()).unwrap();
        prop_assert_eq!(back.hint(), hint);
        prop_assert!(back == r);
    }

    #[test]
    fn device_authorization_request_round_trips(client_id in text(), scope in scope_tokens(), extra in extra_params()) {
        let mut r = DeviceAuthorizationRequest::new(client_id, scope);
        r.extra = extra;
        prop_assert_eq!(DeviceAuthorizationRequest::from_form(r.to_form().as_bytes()).unwrap(), r);
    }

    #[test]
    fn device_authorization_response_round_trips(
        code in text(), user in text(), uri in text(), complete in opt_text(),
        expires in any::<u64>(), interval in any::<u64>(), extra in extra(),
    ) {
        let mut r = DeviceAuthorizationResponse::new(DeviceCode::new(code.clone()), user.clone(), uri.clone(), expires).with_interval(interval);
        r.verification_uri_complete = complete.clone();
        r.extra = extra.clone();
        prop_assert_eq!(DeviceAuthorizationResponse::from_json(&r.to_json()).unwrap(), r);
        let mut again = DeviceAuthorizationResponse::new(DeviceCode::new(code), user, uri, expires).with_interval(interval);
        again.verification_uri_complete = complete;
        again.extra = extra;
        prop_assert_eq!(parse_device_authorization_response(&again.to_http_response()).unwrap(), again);
    }

    #[test]
    fn par_response_round_trips(uri in text(), expires in any::<u64>(), extra in extra()) {
        let mut r = PushedAuthorizationResponse::new(uri, expires);
        r.extra = extra;
        prop_assert_eq!(PushedAuthorizationResponse::from_json(&r.to_json()).unwrap(), r.clone());
        let resp = r.to_http_response();
        prop_assert_eq!(resp.status(), 201);
        prop_assert_eq!(parse_par_response(&resp).unwrap(), r);
    }

    #[test]
    fn introspection_response_round_trips(
        active in any::<bool>(), scope in proptest::option::of(scope_tokens()),
        strings in proptest::collection::vec(opt_text(), 6),
        times in proptest::collection::vec(proptest::option::of(any::<u64>()), 3),
        aud in proptest::option::of(texts()), extra in extra(),
    ) {
        let mut r = IntrospectionResponse::new(active);
        r.scope = scope;
        r.client_id = strings[0].clone();
        r.username = strings[1].clone();
        r.token_type = strings[2].clone();
        r.sub = strings[3].clone();
        r.iss = strings[4].clone();
        r.jti = strings[5].clone();
        (r.exp, r.iat, r.nbf) = (times[0], times[1], times[2]);
        r.aud = aud;
        r.extra = extra;
        prop_assert_eq!(IntrospectionResponse::from_json(&r.to_json()).unwrap(), r.clone());
        prop_assert_eq!(parse_introspection_response(&r.to_http_response()).unwrap(), r);
    }

    #[test]
    fn metadata_round_trips(
        issuer in "https://[a-z]{1,8}\\.example(/[a-z]{1,6})?",
        endpoints in proptest::collection::vec(opt_text(), 8),
        lists in proptest::collection::vec(proptest::option::of(texts()), 12),
        flags in proptest::collection::vec(any::<bool>(), 4),
        aliases in proptest::option::of(extra()), extra in extra(),
    ) {
        let mut m = AuthorizationServerMetadata::new(issuer.clone());
        m.authorization_endpoint = endpoints[0].clone();
        m.token_endpoint = endpoints[1].clone();
        m.jwks_uri = endpoints[2].clone();
        m.registration_endpoint = endpoints[3].clone();
        m.revocation_endpoint = endpoints[4].clone();
        m.introspection_endpoint = endpoints[5].clone();
        m.device_authorization_endpoint = endpoints[6].clone();
        m.pushed_authorization_request_endpoint = endpoints[7].clone();
        m.scopes_supported = lists[0].clone();
        m.response_types_supported = lists[1].clone();
        m.response_modes_supported = lists[2].clone();
        m.grant_types_supported = lists[3].clone();
        m.token_endpoint_auth_methods_supported = lists[4].clone();
        // RFC 8414 §2: `none` is refused here.
        m.token_endpoint_auth_signing_alg_values_supported = lists[5].clone().map(|v| v.into_iter().filter(|a| a != "none").collect());
        m.code_challenge_methods_supported = lists[6].clone();
        m.dpop_signing_alg_values_supported = lists[7].clone();
        m.request_object_signing_alg_values_supported = lists[8].clone();
        m.introspection_signing_alg_values_supported = lists[9].clone();
        m.introspection_encryption_alg_values_supported = lists[10].clone();
        m.introspection_encryption_enc_values_supported = lists[11].clone();
        m.require_pushed_authorization_requests = flags[0];
        m.authorization_response_iss_parameter_supported = flags[1];
        m.require_signed_request_object = flags[2];
        m.tls_client_certificate_bound_access_tokens = flags[3];
        m.mtls_endpoint_aliases = aliases;
        m.extra = extra;
        prop_assert_eq!(AuthorizationServerMetadata::parse_json(&m.to_json()).unwrap(), m.clone());
        prop_assert_eq!(parse_metadata_response(&m.to_http_response(), &issuer).unwrap(), m);
    }

    #[test]
    fn registration_round_trips(
        strings in proptest::collection::vec(opt_text(), 10),
        lists in proptest::collection::vec(proptest::option::of(texts()), 4),
        scope in proptest::option::of(scope_tokens()), jwks in proptest::option::of(extra()),
        client_id in text(), secret in proptest::option::of((text(), any::<u64>())),
        issued_at in proptest::option::of(any::<u64>()), extra in extra(),
    ) {
        let mut m = ClientMetadata::new();
        m.redirect_uris = lists[0].clone();
        m.grant_types = lists[1].clone();
        m.response_types = lists[2].clone();
        m.contacts = lists[3].clone();
        m.token_endpoint_auth_method = strings[0].clone();
        m.client_name = strings[1].clone();
        m.client_uri = strings[2].clone();
        m.logo_uri = strings[3].clone();
        m.tos_uri = strings[4].clone();
        m.policy_uri = strings[5].clone();
        m.software_id = strings[6].clone();
        m.software_version = strings[7].clone();
        m.software_statement = strings[8].clone();
        // RFC 7591 §2: never both.
        if jwks.is_some() { m.jwks = jwks; } else { m.jwks_uri = strings[9].clone(); }
        m.scope = scope;
        m.extra = extra;
        prop_assert_eq!(ClientMetadata::from_json(&m.to_json()).unwrap(), m.clone());
        let mut r = ClientInformationResponse::new(client_id, m);
        if let Some((s, exp)) = secret {
            r = r.with_client_secret(ClientSecret::new(s), exp);
        }
        r.client_id_issued_at = issued_at;
        prop_assert_eq!(ClientInformationResponse::from_json(&r.to_json()).unwrap(), r.clone());
        let resp = r.to_http_response();
        prop_assert_eq!(resp.status(), 201);
        prop_assert_eq!(parse_registration_response(&resp).unwrap(), r);
    }

    #[test]
    fn wire_parsers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        authcore_oauth2::fuzzing::fuzz_wire_messages(&body);
    }

    /// Objects made of registered member names with values of every JSON type, and forms of
    /// registered parameter names: the parsers' typed paths, and the write-back check.
    #[test]
    fn registered_members_of_any_type_write_back(
        members in proptest::collection::vec((0usize..NAMES.len(), 0usize..VALUES.len()), 0..8),
        form in proptest::collection::vec((0usize..PARAMS.len(), "[a-z:]{1,6}"), 0..6),
    ) {
        let body = format!(
            "{{{}}}",
            members.iter().map(|(n, v)| format!("\"{}\":{}", NAMES[*n], VALUES[*v])).collect::<Vec<_>>().join(",")
        );
        authcore_oauth2::fuzzing::fuzz_wire_messages(body.as_bytes());
        let form = encode_form(form.iter().map(|(n, v)| (PARAMS[*n], v.as_str())));
        authcore_oauth2::fuzzing::fuzz_wire_messages(form.as_bytes());
    }
}

const NAMES: &[&str] = &[
    "access_token",
    "token_type",
    "expires_in",
    "refresh_token",
    "scope",
    "id_token",
    "issued_token_type",
    "error",
    "error_description",
    "error_uri",
    "active",
    "aud",
    "exp",
    "client_id",
    "device_code",
    "user_code",
    "verification_uri",
    "interval",
    "request_uri",
    "issuer",
    "jwks_uri",
    "jwks",
    "mtls_endpoint_aliases",
    "scopes_supported",
    "require_signed_request_object",
    "token_endpoint_auth_signing_alg_values_supported",
    "redirect_uris",
    "client_secret",
    "client_secret_expires_at",
    "x",
];

const VALUES: &[&str] = &[
    r#""a""#,
    r#""Bearer""#,
    r#""none""#,
    r#""a b""#,
    "3600",
    "0",
    "-1",
    "1.5",
    "true",
    "null",
    "[]",
    r#"["none"]"#,
    r#"["a",1]"#,
    "{}",
    r#"{"k":"v"}"#,
];

const PARAMS: &[&str] = &[
    "grant_type",
    "code",
    "refresh_token",
    "username",
    "password",
    "device_code",
    "subject_token",
    "subject_token_type",
    "actor_token",
    "actor_token_type",
    "assertion",
    "scope",
    "resource",
    "audience",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "token",
    "token_type_hint",
    "x",
];

fn protocol(e: Error) -> ProtocolError {
    match e {
        Error::Protocol(p) => p,
        other => panic!("not a protocol error: {other:?}"),
    }
}

#[test]
fn json_parsing_is_strict() {
    // Duplicate members, escaped or not.
    for body in [
        r#"{"access_token":"a","token_type":"Bearer","access_token":"b"}"#,
        r#"{"access_token":"a","token_type":"Bearer","x":1,"\u0078":2}"#,
    ] {
        assert!(matches!(
            protocol(TokenResponse::from_json(body.as_bytes()).unwrap_err()),
            ProtocolError::Json(_)
        ));
    }
    // Wrong JSON types, never coerced.
    for (body, name) in [
        (
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"3600"}"#,
            "expires_in",
        ),
        (
            r#"{"access_token":"a","token_type":"Bearer","expires_in":1.5}"#,
            "expires_in",
        ),
        (
            r#"{"access_token":"a","token_type":"Bearer","scope":["a"]}"#,
            "scope",
        ),
        (
            r#"{"access_token":7,"token_type":"Bearer"}"#,
            "access_token",
        ),
    ] {
        assert!(
            matches!(protocol(TokenResponse::from_json(body.as_bytes()).unwrap_err()), ProtocolError::InvalidParameter { name: n, .. } if n == name),
            "{body}"
        );
    }
    assert!(matches!(
        protocol(IntrospectionResponse::from_json(br#"{"active":"true"}"#).unwrap_err()),
        ProtocolError::InvalidParameter { name: "active", .. }
    ));
    assert!(matches!(
        protocol(IntrospectionResponse::from_json(br#"{"active":true,"aud":[1]}"#).unwrap_err()),
        ProtocolError::InvalidParameter { name: "aud", .. }
    ));
    assert!(matches!(
        protocol(IntrospectionResponse::from_json(br#"{}"#).unwrap_err()),
        ProtocolError::MissingParameter("active")
    ));
    assert!(matches!(
        protocol(DeviceAuthorizationResponse::from_json(br#"{"device_code":"d","user_code":"u","verification_uri":"https://x","expires_in":-1}"#).unwrap_err()),
        ProtocolError::InvalidParameter { name: "expires_in", .. }
    ));
    assert!(matches!(
        protocol(
            PushedAuthorizationResponse::from_json(br#"{"request_uri":"urn:x"}"#).unwrap_err()
        ),
        ProtocolError::MissingParameter("expires_in")
    ));
    assert!(matches!(
        protocol(ErrorResponse::from_json(br#"{"error_description":"x"}"#).unwrap_err()),
        ProtocolError::MissingParameter("error")
    ));
    assert!(matches!(
        protocol(
            AuthorizationServerMetadata::parse_json(
                br#"{"issuer":"https://a.example","require_signed_request_object":1}"#
            )
            .unwrap_err()
        ),
        ProtocolError::InvalidParameter {
            name: "require_signed_request_object",
            ..
        }
    ));
    assert!(matches!(
        protocol(
            AuthorizationServerMetadata::parse_json(
                br#"{"issuer":"https://a.example","mtls_endpoint_aliases":[]}"#
            )
            .unwrap_err()
        ),
        ProtocolError::InvalidParameter {
            name: "mtls_endpoint_aliases",
            ..
        }
    ));
    assert!(matches!(
        protocol(
            ClientMetadata::from_json(
                br#"{"jwks_uri":"https://c.example/jwks","jwks":{"keys":[]}}"#
            )
            .unwrap_err()
        ),
        ProtocolError::InvalidParameter { name: "jwks", .. }
    ));
    assert!(matches!(
        protocol(
            ClientMetadata::from_json(br#"{"redirect_uris":"https://c.example/cb"}"#).unwrap_err()
        ),
        ProtocolError::InvalidParameter {
            name: "redirect_uris",
            ..
        }
    ));
    assert!(matches!(
        protocol(
            ClientInformationResponse::from_json(br#"{"client_id":"c","client_secret":"s"}"#)
                .unwrap_err()
        ),
        ProtocolError::MissingParameter("client_secret_expires_at")
    ));
    // Unknown members are kept.
    let t = TokenResponse::from_json(br#"{"access_token":"a","token_type":"Bearer","x":{"y":1}}"#)
        .unwrap();
    assert_eq!(t.extra["x"], json!({"y": 1}));
    // An error body is the error response, not a token response.
    assert!(matches!(
        TokenResponse::from_json(br#"{"error":"invalid_grant"}"#),
        Err(Error::Server(e)) if e.error == ErrorCode::InvalidGrant
    ));
}

#[test]
fn form_parsing_is_strict() {
    let missing = |body: &str| protocol(TokenRequest::from_form(body.as_bytes()).unwrap_err());
    assert_eq!(
        missing("code=x"),
        ProtocolError::MissingParameter("grant_type")
    );
    assert_eq!(
        missing("grant_type=authorization_code"),
        ProtocolError::MissingParameter("code")
    );
    assert_eq!(
        missing("grant_type=refresh_token"),
        ProtocolError::MissingParameter("refresh_token")
    );
    assert_eq!(
        missing("grant_type=password&username=u"),
        ProtocolError::MissingParameter("password")
    );
    assert_eq!(
        missing("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"),
        ProtocolError::MissingParameter("device_code")
    );
    assert_eq!(
        missing("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"),
        ProtocolError::MissingParameter("assertion")
    );
    let exchange = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=s&subject_token_type=t";
    assert!(TokenRequest::from_form(exchange.as_bytes()).is_ok());
    assert_eq!(
        missing(&format!("{exchange}&actor_token=a")),
        ProtocolError::MissingParameter("actor_token_type")
    );
    assert_eq!(
        missing(&format!("{exchange}&actor_token_type=a")),
        ProtocolError::MissingParameter("actor_token")
    );
    assert_eq!(
        missing("grant_type=client_credentials&grant_type=client_credentials"),
        ProtocolError::DuplicateParameter("grant_type".into())
    );
    assert!(matches!(
        missing("grant_type=client_credentials&scope=a%22b"),
        ProtocolError::InvalidParameter { name: "scope", .. }
    ));
    assert_eq!(
        missing("grant_type=client_credentials&client_assertion=x"),
        ProtocolError::MissingParameter("client_assertion_type")
    );
    assert_eq!(
        missing("grant_type=client_credentials&client_secret=x"),
        ProtocolError::MissingParameter("client_id")
    );
    assert!(matches!(
        missing(
            "grant_type=client_credentials&client_id=c&client_secret=x&client_assertion=a&client_assertion_type=t"
        ),
        ProtocolError::Malformed(_)
    ));
    // `resource` and `audience` may repeat.
    let r = TokenRequest::from_form(b"grant_type=client_credentials&resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb&audience=x&audience=y").unwrap();
    assert_eq!(r.resources(), ["https://a", "https://b"]);
    assert_eq!(r.get_all("audience").collect::<Vec<_>>(), ["x", "y"]);
    assert_eq!(
        protocol(TokenHintRequest::from_form(b"token_type_hint=access_token").unwrap_err()),
        ProtocolError::MissingParameter("token")
    );
    assert_eq!(
        protocol(DeviceAuthorizationRequest::from_form(b"client_id=a&client_id=b").unwrap_err()),
        ProtocolError::DuplicateParameter("client_id".into())
    );
    // Secrets stay out of `Debug`.
    let r = TokenRequest::from_form(
        b"grant_type=refresh_token&refresh_token=hunter2&client_id=c&client_secret=hunter3",
    )
    .unwrap();
    let debug = format!("{r:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("hunter3"),
        "{debug}"
    );
}

#[test]
fn server_responses_carry_the_required_headers() {
    let t = TokenResponse::new(AccessToken::new("a"), TokenType::Bearer).with_expires_in(60);
    let resp = t.to_http_response();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["pragma"], "no-cache");
    assert_eq!(
        resp.body(),
        br#"{"access_token":"a","expires_in":60,"token_type":"Bearer"}"#
    );

    let e = ErrorResponse::new(ErrorCode::InvalidClient).with_description("unknown client");
    let resp = e
        .to_http_response_with_challenge("Basic", "as \"example\"")
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers()["www-authenticate"],
        r#"Basic realm="as \"example\"""#
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert!(e.to_http_response_with_challenge("Basic", "a\nb").is_err());
    let resp = e.clone().with_status(503).to_http_response();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().get("www-authenticate").is_none());
    // The client reads what the server wrote.
    let got =
        parse_token_response(&e.to_http_response(), &TokenResponseOptions::new()).unwrap_err();
    assert_eq!(got, Error::Server(e.with_status(400)));
}

#[test]
fn registration_request_is_a_json_post() {
    let m = ClientMetadata::new()
        .with_redirect_uris(["https://c.example/cb"])
        .with_client_name("Example")
        .with_token_endpoint_auth_method("private_key_jwt");
    let req = m
        .build_registration_request("https://as.example/register", Some("iat-1"))
        .unwrap();
    assert_eq!(req.method(), "POST");
    assert_eq!(req.headers()["content-type"], "application/json");
    assert_eq!(req.headers()["authorization"], "Bearer iat-1");
    assert_eq!(ClientMetadata::from_json(req.body()).unwrap(), m);
    assert!(matches!(
        m.build_registration_request("http://as.example/register", None),
        Err(Error::InvalidEndpoint { url, .. }) if url == "http://as.example/register"
    ));
    let err = ErrorResponse::new(ErrorCode::InvalidRedirectUri).to_http_response();
    assert!(matches!(
        parse_registration_response(&err),
        Err(Error::Server(e)) if e.error == ErrorCode::InvalidRedirectUri
    ));
    assert_eq!(
        ErrorCode::parse("invalid_client_metadata"),
        ErrorCode::InvalidClientMetadata
    );
}

#[test]
fn client_policy_sits_on_top_of_the_strict_wire_parse() {
    let resp = |body: &str| {
        http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    // An unregistered token type is a valid message; whether a client can use it is policy.
    let body = r#"{"access_token":"a","token_type":"mac"}"#;
    assert_eq!(
        TokenResponse::from_json(body.as_bytes())
            .unwrap()
            .token_type,
        TokenType::Other("mac".into())
    );
    assert_eq!(
        parse_token_response(&resp(body), &TokenResponseOptions::new()),
        Err(ProtocolError::UnusableTokenType("mac".into()).into())
    );
    assert!(
        parse_token_response(
            &resp(body),
            &TokenResponseOptions::new().accept_token_type("MAC")
        )
        .is_ok()
    );
    // A string `expires_in` breaks RFC 6749 §5.1; a client may opt in to the quirk.
    let body = r#"{"access_token":"a","token_type":"Bearer","expires_in":"3600"}"#;
    assert!(TokenResponse::from_json(body.as_bytes()).is_err());
    let quirk = TokenResponseOptions::new().accept_expires_in_as_string();
    assert_eq!(
        parse_token_response(&resp(body), &quirk)
            .unwrap()
            .expires_in,
        Some(3600)
    );
    // The metadata issuer: the wire parse reads it, the client compares it.
    let doc = br#"{"issuer":"https://a.example"}"#;
    assert!(AuthorizationServerMetadata::parse_json(doc).is_ok());
    assert!(matches!(
        AuthorizationServerMetadata::from_json(doc, "https://b.example"),
        Err(Error::Security(
            SecurityError::MetadataIssuerMismatch { .. }
        ))
    ));
}
