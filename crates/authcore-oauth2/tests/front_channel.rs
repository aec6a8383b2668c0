//! The front channel: the authorization request and response messages (build, serialize,
//! strict parse; `parse(serialize(x)) == x`), and the one callback check for every response
//! type, with a negative test for each of its checks.

mod common;

use authcore_oauth2::*;
use common::*;
use proptest::prelude::*;
use serde_json::{Map, Value};
use url::Url;

const REDIRECT: &str = "https://client.example.com/cb";

fn any_request() -> impl Strategy<Value = AuthorizationRequestParams> {
    let text = || proptest::option::of("\\PC{1,20}");
    let list = || proptest::collection::vec("[a-z0-9-]{1,8}", 0..3);
    let json_value = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
        Just(Value::Null),
        proptest::collection::btree_map("[a-z_]{1,6}", any::<bool>(), 0..3).prop_map(|m| {
            Value::Object(m.into_iter().map(|(k, v)| (k, Value::Bool(v))).collect())
        }),
    ];
    let claims = proptest::option::of(
        proptest::collection::btree_map("[a-z_]{1,8}", json_value, 0..4)
            .prop_map(|m| m.into_iter().collect::<Map<String, Value>>()),
    );
    let pkce = proptest::option::of((
        "[A-Za-z0-9._~-]{43,60}",
        proptest::option::of(prop_oneof![Just(PkceMethod::S256), Just(PkceMethod::Plain)]),
    ));
    let mode = proptest::option::of(prop_oneof![
        Just(ResponseMode::Query),
        Just(ResponseMode::Fragment),
        Just(ResponseMode::FormPost),
        Just(ResponseMode::Other("jwt".into())),
    ]);
    (
        (
            proptest::sample::select(ResponseType::ALL.to_vec()),
            "\\PC{1,20}",
            proptest::option::of("https://c\\.example/[a-z]{0,8}"),
            proptest::collection::vec("[!#-\\[\\]-~]{1,10}", 0..4),
            text(),
            pkce,
            text(),
            proptest::collection::vec("https://rs\\.example/[a-z]{0,8}", 0..3),
            mode,
            text(),
        ),
        (
            list(),
            proptest::option::of(any::<u64>()),
            list(),
            (text(), text()),
            list(),
            claims,
            (text(), text(), text()),
            proptest::collection::btree_map("x_[a-z]{1,6}", "\\PC{1,10}", 0..3),
        ),
    )
        .prop_map(
            |(
                (rt, client_id, redirect_uri, scope, state, pkce, nonce, resource, mode, jkt),
                (
                    prompt,
                    max_age,
                    ui_locales,
                    (id_token_hint, login_hint),
                    acr_values,
                    claims,
                    (display, request, request_uri),
                    extra,
                ),
            )| {
                let mut r = AuthorizationRequestParams::new(rt, client_id);
                r.redirect_uri = redirect_uri;
                r.scope = scope;
                r.state = state;
                if let Some((challenge, method)) = pkce {
                    r.code_challenge = Some(challenge);
                    r.code_challenge_method = method;
                }
                r.nonce = nonce;
                r.resource = resource;
                r.response_mode = mode;
                r.dpop_jkt = jkt;
                r.prompt = prompt;
                r.max_age = max_age;
                r.ui_locales = ui_locales;
                r.id_token_hint = id_token_hint;
                r.login_hint = login_hint;
                r.acr_values = acr_values;
                r.claims = claims;
                r.display = display;
                // RFC 9101 §5: one or the other.
                r.request = request;
                r.request_uri = if r.request.is_some() {
                    None
                } else {
                    request_uri
                };
                r.extra = extra.into_iter().collect();
                r
            },
        )
}

fn any_response() -> impl Strategy<Value = AuthorizationResponseParams> {
    let text = || proptest::option::of("\\PC{1,20}");
    let extra = || proptest::collection::btree_map("x_[a-z]{1,6}", "\\PC{1,10}", 0..3);
    let success = (
        (text(), text(), text()),
        proptest::option::of(prop_oneof![
            Just("Bearer"),
            Just("DPoP"),
            Just("N_A"),
            Just("mac")
        ]),
        proptest::option::of(any::<u64>()),
        proptest::option::of(proptest::collection::vec("[!#-\\[\\]-~]{1,10}", 1..4)),
        (text(), text()),
        extra(),
    )
        .prop_map(
            |(
                (code, access_token, id_token),
                token_type,
                expires_in,
                scope,
                (state, iss),
                extra,
            )| {
                let mut s = AuthorizationSuccess::new();
                s.code = code.map(AuthorizationCode::new);
                s.access_token = access_token.map(AccessToken::new);
                s.id_token = id_token.map(IdToken::new);
                s.token_type = token_type.map(TokenType::parse);
                s.expires_in = expires_in;
                s.scope = scope;
                s.state = state;
                s.iss = iss;
                s.extra = extra.into_iter().collect();
                AuthorizationResponseParams::Success(s)
            },
        );
    let error = (
        prop_oneof![
            Just("access_denied".to_owned()),
            Just("invalid_request".to_owned()),
            Just("server_error".to_owned()),
            "[a-z_]{1,12}",
        ],
        (text(), text(), text(), text()),
        extra(),
    )
        .prop_map(|(code, (description, uri, state, iss), extra)| {
            let mut e = AuthorizationError::new(ErrorCode::parse(&code));
            e.error_description = description;
            e.error_uri = uri;
            e.state = state;
            e.iss = iss;
            e.extra = extra.into_iter().collect();
            AuthorizationResponseParams::Error(e)
        });
    prop_oneof![success, error]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn authorization_request_round_trips(r in any_request()) {
        prop_assert_eq!(&AuthorizationRequestParams::parse(r.to_form().as_bytes()).unwrap(), &r);
        let url = r.to_url(&Url::parse("https://as.example/authorize").unwrap());
        prop_assert_eq!(&AuthorizationRequestParams::from_url(&url).unwrap(), &r);
    }

    #[test]
    fn authorization_response_round_trips(r in any_response()) {
        prop_assert_eq!(&AuthorizationResponseParams::parse(r.to_form().as_bytes()).unwrap(), &r);
        let redirect = Url::parse(REDIRECT).unwrap();
        let url = r.to_redirect_url(&redirect, &ResponseMode::Fragment).unwrap();
        let received = AuthorizationResponse::from_redirect_uri_fragment(url.as_str()).unwrap();
        prop_assert_eq!(&received.parameters().unwrap(), &r);
        let tokens = matches!(&r, AuthorizationResponseParams::Success(s) if s.has_tokens());
        match r.to_redirect_url(&redirect, &ResponseMode::Query) {
            Ok(url) => {
                prop_assert!(!tokens);
                let received = AuthorizationResponse::from_redirect_uri(url.as_str()).unwrap();
                prop_assert_eq!(&received.parameters().unwrap(), &r);
            }
            Err(e) => {
                prop_assert!(tokens);
                prop_assert!(matches!(e, Error::Misuse(_)));
            }
        }
    }

    /// What the response parser accepts serializes to a form that parses back the same (the
    /// fuzz target `oauth2_authorization_messages` checks the same on arbitrary bytes).
    #[test]
    fn accepted_responses_round_trip(
        s in "(code|state|iss|error|error_description|scope|expires_in|token_type|access_token|id_token|x|%[0-9A-F]{2}|[=&+ a-z0-9]){0,40}"
    ) {
        if let Ok(r) = AuthorizationResponseParams::parse(s.as_bytes()) {
            prop_assert_eq!(&AuthorizationResponseParams::parse(r.to_form().as_bytes()).unwrap(), &r);
        }
    }

    #[test]
    fn message_parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = AuthorizationRequestParams::parse(&data);
        let _ = AuthorizationResponseParams::parse(&data);
    }

    #[test]
    fn message_parsers_never_panic_on_near_valid_input(
        s in "(response_type|client_id|scope|code_challenge|code_challenge_method|max_age|claims|prompt|resource|expires_in|error|code|token|id_token|S256|plain|%[0-9A-F]{2}|[=&+ a-z{}\":0-9]){0,40}"
    ) {
        let _ = AuthorizationRequestParams::parse(s.as_bytes());
        let _ = AuthorizationResponseParams::parse(s.as_bytes());
    }
}

/// Each syntax rule of the request parser, with the parameter it names.
#[test]
fn request_parser_refuses_each_malformed_parameter() {
    let base = "response_type=code&client_id=c";
    assert!(AuthorizationRequestParams::parse(base.as_bytes()).is_ok());
    let cases: &[(&str, &str)] = &[
        ("response_type=none&client_id=c", "response_type"),
        ("response_type=code+code&client_id=c", "response_type"),
        ("redirect_uri=%2Fcb", "redirect_uri"),
        (
            "redirect_uri=https%3A%2F%2Fc.example%2Fcb%23f",
            "redirect_uri",
        ),
        ("scope=a++b", "scope"),
        ("scope=a%22b", "scope"),
        ("code_challenge=short", "code_challenge"),
        (
            "code_challenge=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%2B",
            "code_challenge",
        ),
        ("code_challenge_method=S256", "code_challenge_method"),
        (
            "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=s256",
            "code_challenge_method",
        ),
        ("resource=%2Frelative", "resource"),
        ("resource=https%3A%2F%2Frs.example%23f", "resource"),
        ("max_age=-1", "max_age"),
        ("max_age=1.5", "max_age"),
        ("max_age=99999999999999999999", "max_age"),
        ("claims=%5B%5D", "claims"),
        ("claims=%7B%22a%22%3A1%2C%22a%22%3A2%7D", "claims"),
        ("prompt=login++consent", "prompt"),
        ("ui_locales=+de", "ui_locales"),
        ("acr_values=a+", "acr_values"),
        ("request=h.p.s&request_uri=urn%3Ax", "request_uri"),
    ];
    for (params, name) in cases {
        let input = if params.starts_with("response_type") {
            params.to_string()
        } else {
            format!("{base}&{params}")
        };
        match AuthorizationRequestParams::parse(input.as_bytes()) {
            Err(Error::Protocol(ProtocolError::InvalidParameter { name: n, .. })) => {
                assert_eq!(n, *name, "{input}")
            }
            other => panic!("{input}: {other:?}"),
        }
    }
    assert_eq!(
        AuthorizationRequestParams::parse(b"client_id=c").unwrap_err(),
        Error::Protocol(ProtocolError::MissingParameter("response_type"))
    );
    assert_eq!(
        AuthorizationRequestParams::parse(b"response_type=code").unwrap_err(),
        Error::Protocol(ProtocolError::MissingParameter("client_id"))
    );
    // RFC 6749 §3.1: no parameter twice, `resource` (RFC 8707 §2) excepted.
    assert!(matches!(
        AuthorizationRequestParams::parse(b"response_type=code&client_id=c&state=a&state=b"),
        Err(Error::Protocol(ProtocolError::DuplicateParameter(n))) if n == "state"
    ));
    let two = AuthorizationRequestParams::parse(
        b"response_type=code&client_id=c&resource=https%3A%2F%2Fa.example&resource=https%3A%2F%2Fb.example",
    )
    .unwrap();
    assert_eq!(two.resource, ["https://a.example", "https://b.example"]);
}

#[test]
fn response_parser_refuses_malformed_and_repeated_parameters() {
    for bad in [
        "expires_in=-1",
        "expires_in=3600s",
        "expires_in=99999999999999999999",
    ] {
        assert!(
            matches!(
                AuthorizationResponseParams::parse(bad.as_bytes()),
                Err(Error::Protocol(ProtocolError::InvalidParameter {
                    name: "expires_in",
                    ..
                }))
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        AuthorizationResponseParams::parse(b"code=a&code=b"),
        Err(Error::Protocol(ProtocolError::DuplicateParameter(_)))
    ));
    // An `error` makes it an error response whatever else it carries (RFC 6749 §4.1.2.1).
    let r = AuthorizationResponseParams::parse(b"code=a&error=access_denied&state=s").unwrap();
    let AuthorizationResponseParams::Error(e) = r else {
        panic!("an error response")
    };
    assert_eq!(e.error, ErrorCode::AccessDenied);
    assert_eq!(e.extra, [("code".to_owned(), "a".to_owned())]);
}

#[test]
fn response_redirects_keep_the_query_and_refuse_form_post() {
    let mut s = AuthorizationSuccess::new();
    s.code = Some(AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"));
    s.state = Some("xyz".into());
    let r = AuthorizationResponseParams::Success(s);
    let redirect = Url::parse("https://client.example.com/cb?tenant=a").unwrap();
    // RFC 6749 §4.1.2's example, appended to the redirect URI's own query.
    assert_eq!(
        r.to_redirect_url(&redirect, &ResponseMode::Query)
            .unwrap()
            .as_str(),
        "https://client.example.com/cb?tenant=a&code=SplxlOBeZQQYbYS6WxSbIA&state=xyz"
    );
    assert_eq!(
        r.to_redirect_url(&redirect, &ResponseMode::Fragment)
            .unwrap()
            .as_str(),
        "https://client.example.com/cb?tenant=a#code=SplxlOBeZQQYbYS6WxSbIA&state=xyz"
    );
    assert!(matches!(
        r.to_redirect_url(&redirect, &ResponseMode::FormPost),
        Err(Error::Misuse(_))
    ));
}

fn pending_of(rt: ResponseType) -> PendingAuthorization<AnyResponseType> {
    AuthorizationRequest::with_response_type(REDIRECT, rt)
        .with_nonce()
        .build_url(&basic_client(), &server(), &rng())
        .unwrap()
        .1
}

fn fragment(pending: &PendingAuthorization<AnyResponseType>, rest: &str) -> AuthorizationResponse {
    AuthorizationResponse::from_redirect_uri_fragment(&format!(
        "{REDIRECT}#state={}&{rest}",
        pending.state().secret()
    ))
    .unwrap()
}

/// Every response type yields exactly what it returns, through the one check.
#[test]
fn every_response_type_through_the_one_check() {
    let all = "code=c1&access_token=at&token_type=Bearer&expires_in=60&id_token=h.p.s";
    for rt in ResponseType::ALL {
        let p = pending_of(rt);
        let mut params = Vec::new();
        if rt.returns_code() {
            params.push("code=c1");
        }
        if rt.returns_access_token() {
            params.push("access_token=at&token_type=Bearer&expires_in=60");
        }
        if rt.returns_id_token() {
            params.push("id_token=h.p.s");
        }
        let cb = if rt == ResponseType::Code {
            AuthorizationResponse::from_redirect_uri(&format!(
                "{REDIRECT}?state={}&{}",
                p.state().secret(),
                params.join("&")
            ))
            .unwrap()
        } else {
            fragment(&p, &params.join("&"))
        };
        let nonce = p.nonce().unwrap().secret().to_owned();
        let c = p
            .handle_response(&cb, &TokenResponseOptions::new())
            .unwrap();
        assert_eq!(c.response_type, rt);
        assert_eq!(c.nonce.as_ref().map(|n| n.secret()), Some(nonce.as_str()));
        assert_eq!(c.code.is_some(), rt.returns_code(), "{rt}");
        if let Some(g) = &c.code {
            assert_eq!(g.code().secret(), "c1");
            assert_eq!(g.token_request().grant_type(), "authorization_code");
        }
        assert_eq!(
            c.access_token
                .as_ref()
                .map(|t| (t.access_token.secret(), t.expires_in)),
            rt.returns_access_token().then_some(("at", Some(60)))
        );
        assert_eq!(
            c.id_token.as_ref().map(|t| t.secret()),
            rt.returns_id_token().then_some("h.p.s")
        );
        // Each value the response type returns is required.
        for (i, missing) in params.iter().enumerate() {
            let mut rest = params.clone();
            rest.remove(i);
            let p = pending_of(rt);
            let cb = if rt == ResponseType::Code {
                AuthorizationResponse::from_query(&format!("state={}", p.state().secret())).unwrap()
            } else {
                fragment(&p, &rest.join("&"))
            };
            assert!(
                matches!(
                    p.handle_response(&cb, &TokenResponseOptions::new()),
                    Err(Error::Protocol(ProtocolError::MissingParameter(_)))
                ),
                "{rt} without {missing}"
            );
        }
        // A token the response type does not return is refused.
        if !(rt.returns_access_token() && rt.returns_id_token()) && rt != ResponseType::Code {
            let p = pending_of(rt);
            let cb = fragment(&p, all);
            assert_eq!(
                p.handle_response(&cb, &TokenResponseOptions::new())
                    .unwrap_err(),
                Error::Protocol(ProtocolError::Malformed(
                    "the response carries a token its response type does not return"
                )),
                "{rt}"
            );
        }
    }
}

#[test]
fn tokens_in_a_code_response_are_refused() {
    let p = pending_for_code();
    let cb = AuthorizationResponse::from_redirect_uri(&format!(
        "{REDIRECT}?code=c&state={}&access_token=at&token_type=Bearer",
        p.state().secret()
    ))
    .unwrap();
    assert!(matches!(
        p.handle_callback(&cb),
        Err(Error::Protocol(ProtocolError::Malformed(_)))
    ));
}

fn pending_for_code() -> PendingAuthorization {
    AuthorizationRequest::new(REDIRECT)
        .build_url(&basic_client(), &server(), &rng())
        .unwrap()
        .1
}

/// Multiple Response Type Encoding Practices §2.1: the response comes by the mode requested
/// (or the response type's default); a response that came another way is refused.
#[test]
fn response_mode_must_be_the_one_requested() {
    // `code` defaults to query: a fragment or form_post response is refused.
    let p = pending_for_code();
    let q = format!("code=c&state={}", p.state().secret());
    assert_eq!(
        p.handle_callback(&AuthorizationResponse::from_form_post(q.as_bytes()).unwrap())
            .unwrap_err(),
        Error::Protocol(ProtocolError::Malformed(
            "the response came by another response mode than the request asked for"
        ))
    );
    let p = pending_for_code();
    let uri = format!("{REDIRECT}#code=c&state={}", p.state().secret());
    assert!(
        p.handle_callback(&AuthorizationResponse::from_redirect_uri_fragment(&uri).unwrap())
            .is_err()
    );
    // Requested form_post: a query response is refused, a form_post one accepted.
    let build = || {
        AuthorizationRequest::new(REDIRECT)
            .response_mode(ResponseMode::FormPost)
            .build_url(&basic_client(), &server(), &rng())
            .unwrap()
            .1
    };
    let p = build();
    let uri = format!("{REDIRECT}?code=c&state={}", p.state().secret());
    assert!(
        p.handle_callback(&AuthorizationResponse::from_redirect_uri(&uri).unwrap())
            .is_err()
    );
    let p = build();
    let body = format!("code=c&state={}", p.state().secret());
    let req = http::Request::post(REDIRECT)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.into_bytes())
        .unwrap();
    assert!(
        p.handle_callback(&parse_callback_request(&req).unwrap())
            .is_ok()
    );
    // A bare parameter string carries no mode: not compared.
    let p = build();
    let q = format!("code=c&state={}", p.state().secret());
    assert!(
        p.handle_callback(&AuthorizationResponse::from_query(&q).unwrap())
            .is_ok()
    );
    // Tokens never travel in a query: such a request is refused when built.
    assert!(matches!(
        AuthorizationRequest::with_response_type(REDIRECT, ResponseType::CodeIdToken)
            .response_mode(ResponseMode::Query)
            .build_url(&basic_client(), &server(), &rng()),
        Err(Error::Misuse(_))
    ));
}

/// A stored pending request can only be read back as the flow it was built for.
#[test]
#[allow(deprecated)]
fn stored_pending_requests_keep_their_flow() {
    let implicit = AuthorizationRequest::implicit(REDIRECT)
        .build_url(&basic_client(), &server(), &rng())
        .unwrap()
        .1;
    let stored = serde_json::to_string(&implicit).unwrap();
    assert!(serde_json::from_str::<PendingAuthorization<CodeFlow>>(&stored).is_err());
    assert!(serde_json::from_str::<PendingAuthorization<ImplicitFlow>>(&stored).is_ok());
    assert!(serde_json::from_str::<PendingAuthorization<AnyResponseType>>(&stored).is_ok());
    let code = serde_json::to_string(&pending_for_code()).unwrap();
    assert!(serde_json::from_str::<PendingAuthorization<ImplicitFlow>>(&code).is_err());
    let back: PendingAuthorization = serde_json::from_str(&code).unwrap();
    assert_eq!(back.response_type(), ResponseType::Code);
    // Handling works the same after the round trip.
    let cb = AuthorizationResponse::from_query(&format!("code=c&state={}", back.state().secret()))
        .unwrap();
    assert!(back.handle_callback(&cb).is_ok());
}

/// A nonce given by the caller is sent and not kept by the pending request.
#[test]
fn a_given_nonce_is_sent_and_left_to_the_caller() {
    let nonce = Nonce::new("n-0S6_WzA2Mj");
    let (url, pending) = AuthorizationRequest::with_response_type(REDIRECT, ResponseType::IdToken)
        .nonce(&nonce)
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let sent = AuthorizationRequestParams::from_url(&url).unwrap();
    assert_eq!(sent.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(sent.response_type, ResponseType::IdToken);
    assert_eq!(sent.code_challenge, None, "no PKCE without a code");
    assert!(pending.nonce().is_none());
}

/// The OpenID Connect parameters are typed on the builder and sent in their place; the
/// builder refuses them as extension parameters.
#[test]
fn openid_parameters_are_sent_typed() {
    let claims: Map<String, Value> =
        serde_json::from_str(r#"{"userinfo":{"email":{"essential":true}}}"#).unwrap();
    let (url, _) = AuthorizationRequest::with_response_type(REDIRECT, ResponseType::CodeIdToken)
        .scope("openid")
        .prompt("login")
        .prompt("consent")
        .max_age(600)
        .ui_locale("de-CH")
        .ui_locale("en")
        .id_token_hint(&IdToken::new("h.p.s"))
        .login_hint("jane@example.com")
        .acr_value("urn:mace:incommon:iap:silver")
        .claims(claims.clone())
        .display("popup")
        .with_nonce()
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let sent = AuthorizationRequestParams::from_url(&url).unwrap();
    assert_eq!(sent.prompt, ["login", "consent"]);
    assert_eq!(sent.max_age, Some(600));
    assert_eq!(sent.ui_locales, ["de-CH", "en"]);
    assert_eq!(sent.id_token_hint.as_deref(), Some("h.p.s"));
    assert_eq!(sent.login_hint.as_deref(), Some("jane@example.com"));
    assert_eq!(sent.acr_values, ["urn:mace:incommon:iap:silver"]);
    assert_eq!(sent.claims, Some(claims));
    assert_eq!(sent.display.as_deref(), Some("popup"));
    assert!(sent.extra.is_empty());
    // Managed parameters are refused as extension parameters; an OpenID Connect one only
    // when its typed setter is used too (alone, it is sent as given, as it always was).
    for name in ["nonce", "request", "state", "code_challenge"] {
        assert_eq!(
            AuthorizationRequest::new(REDIRECT)
                .param(name, "x")
                .build_url(&basic_client(), &server(), &rng())
                .unwrap_err(),
            Error::Misuse("extension parameter is reserved or repeated"),
            "{name}"
        );
    }
    assert_eq!(
        AuthorizationRequest::new(REDIRECT)
            .prompt("login")
            .param("prompt", "consent")
            .build_url(&basic_client(), &server(), &rng())
            .unwrap_err(),
        Error::Misuse("extension parameter is reserved or repeated")
    );
    for name in OPENID_REQUEST_PARAMETERS {
        let (url, _) = AuthorizationRequest::new(REDIRECT)
            .param(*name, "1")
            .build_url(&basic_client(), &server(), &rng())
            .unwrap();
        assert!(
            url.query_pairs().any(|(k, v)| k == *name && v == "1"),
            "{name}"
        );
    }
}

#[test]
fn request_debug_leaves_out_tokens() {
    let mut r = AuthorizationRequestParams::new(ResponseType::Code, "c");
    r.id_token_hint = Some("eyJ.hint.sig".into());
    r.request = Some("eyJ.request.sig".into());
    r.extra = vec![("x_secret".into(), "hidden-value".into())];
    let shown = format!("{r:?}");
    for secret in ["eyJ.hint.sig", "eyJ.request.sig", "hidden-value"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("x_secret"));
}

/// Pending requests stored by the earlier version named their grant instead of a response
/// type: `Code` reads back as a code request, `Implicit` as an implicit (`token`) one, so a
/// request stored before an upgrade still handles its callback.
#[test]
#[allow(deprecated)]
fn pending_authorization_stored_in_the_earlier_form_is_read() {
    use authcore_oauth2::{AnyResponseType, ImplicitFlow, PendingAuthorization, ResponseType};
    let earlier = |grant: &str| {
        serde_json::json!({
            "state": "af0ifjsldkj",
            "verifier": null,
            "nonce": null,
            "redirect_uri": "https://client.example/cb",
            "expected_issuer": null,
            "iss_required": false,
            "grant": grant,
        })
    };
    let code: PendingAuthorization = serde_json::from_value(earlier("Code")).unwrap();
    assert_eq!(code.response_type(), ResponseType::Code);
    let implicit: PendingAuthorization<ImplicitFlow> =
        serde_json::from_value(earlier("Implicit")).unwrap();
    assert_eq!(implicit.response_type(), ResponseType::Token);
    // Each still belongs to its own flow only.
    assert!(serde_json::from_value::<PendingAuthorization>(earlier("Implicit")).is_err());
    let any: PendingAuthorization<AnyResponseType> =
        serde_json::from_value(earlier("Implicit")).unwrap();
    assert_eq!(any.response_type(), ResponseType::Token);
    assert!(serde_json::from_value::<PendingAuthorization>(earlier("Password")).is_err());
}
