//! Whole flows against the stub provider: authorization code with PKCE and nonce, implicit and
//! hybrid response types from fragments and `form_post`, refresh, and their failures.

mod common;

use authcore_jose::{JwsAlgorithm, UnixTime, crypto};
use authcore_oauth2::{
    AuthorizationResponse, AuthorizationServer, Client, ClientAuthentication, ClientSecret,
    ResponseMode, TokenResponseOptions, parse_token_response,
};
use authcore_oidc::{
    AuthenticationRequest, AuthenticationResponse, CallbackOutcome, Error, PendingAuthentication,
    ResponseType, TokenError, token_hash, validate_refresh_response,
};
use common::*;
use serde_json::{Map, Value, json};
use url::Url;

const REDIRECT: &str = "https://client.example/cb";
const CODE: &str = "SplxlOBeZQQYbYS6WxSbIA";
const AT: &str = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";

fn server(iss_param: bool) -> AuthorizationServer {
    AuthorizationServer::new(ISSUER)
        .with_authorization_endpoint("https://op.example/authorize?tenant=a")
        .unwrap()
        .with_token_endpoint("https://op.example/token")
        .unwrap()
        .with_iss_parameter_supported(iss_param)
}

fn client() -> Client {
    Client::new(
        CLIENT,
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
    )
}

fn query(url: &Url) -> Map<String, Value> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

/// An ID token for the request whose URL is `url`, with extra claims.
fn id_token_for(op: &Op, alg: JwsAlgorithm, url: &Url, extra: Value) -> String {
    let q = query(url);
    let mut c = with(claims(), "nonce", q["nonce"].clone());
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    op.sign(alg, &c)
}

fn token_response(id_token: &str, at: &str) -> http::Response<Vec<u8>> {
    json_response(
        200,
        &json!({"access_token": at, "token_type": "Bearer", "expires_in": 3600,
                "refresh_token": "8xLOxBtZp8", "id_token": id_token})
        .to_string(),
    )
}

#[test]
fn authorization_code_flow_with_every_parameter() {
    let op = Op::new();
    let rng = rng();
    let mut claims_param = Map::new();
    claims_param.insert("userinfo".into(), json!({"email": {"essential": true}}));
    let (url, pending) = AuthenticationRequest::new(REDIRECT)
        .scope("profile")
        .scope("openid")
        .max_age(3600)
        .prompt("login")
        .prompt("consent")
        .acr_value("urn:mace:incommon:iap:bronze")
        .essential_acr(["urn:mace:incommon:iap:silver"])
        .claims(claims_param)
        .login_hint("janedoe@example.com")
        .ui_locale("de-CH")
        .ui_locale("en")
        .display("page")
        .response_mode(ResponseMode::FormPost)
        .param("resource_hint", "x")
        .build_url(&client(), &server(true), &rng)
        .unwrap();
    let q = query(&url);
    assert!(
        url.as_str()
            .starts_with("https://op.example/authorize?tenant=a&")
    );
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT);
    assert_eq!(q["redirect_uri"], REDIRECT);
    assert_eq!(q["scope"], "openid profile");
    assert_eq!(q["max_age"], "3600");
    assert_eq!(q["prompt"], "login consent");
    assert_eq!(q["acr_values"], "urn:mace:incommon:iap:bronze");
    assert_eq!(q["login_hint"], "janedoe@example.com");
    assert_eq!(q["ui_locales"], "de-CH en");
    assert_eq!(q["display"], "page");
    assert_eq!(q["response_mode"], "form_post");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["resource_hint"], "x");
    let claims_sent: Value = serde_json::from_str(q["claims"].as_str().unwrap()).unwrap();
    assert_eq!(
        claims_sent,
        json!({"userinfo": {"email": {"essential": true}},
               "id_token": {"acr": {"essential": true, "values": ["urn:mace:incommon:iap:silver"]}}})
    );
    assert_eq!(q["nonce"], pending.nonce().secret());
    assert_eq!(q["state"], pending.state().secret());
    assert_eq!(pending.max_age(), Some(3600));
    assert_eq!(pending.response_type(), ResponseType::Code);

    // The pending request survives a round trip through storage.
    let stored = serde_json::to_string(&pending).unwrap();
    let pending: PendingAuthentication = serde_json::from_str(&stored).unwrap();
    assert!(!format!("{pending:?}").contains(q["nonce"].as_str().unwrap()));

    // form_post callback with state and iss.
    let body = format!(
        "code={CODE}&state={}&iss=https%3A%2F%2Fop.example",
        q["state"].as_str().unwrap()
    );
    let response = AuthorizationResponse::from_form_post(body.as_bytes()).unwrap();
    let resp = pending.handle_callback(&response).unwrap();
    assert_eq!(resp.id_token(), None);
    // A `code` response has no front-channel ID token: its only way on is the exchange.
    let AuthenticationResponse::Code(exchange) = resp else {
        panic!("a code response goes to the code exchange")
    };
    let req = exchange
        .build_token_request(&client(), &server(true), now(), &rng)
        .unwrap();
    let form = String::from_utf8(req.body().clone()).unwrap();
    assert!(form.contains(&format!("code={CODE}")));
    assert!(form.contains("code_verifier="));
    assert!(form.contains("grant_type=authorization_code"));
    assert!(
        req.headers()["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );

    let good = json!({"acr": "urn:mace:incommon:iap:silver",
                      "at_hash": token_hash(JwsAlgorithm::RS256, AT, crypto::default_provider())});
    let id_token = id_token_for(&op, JwsAlgorithm::RS256, &url, good.clone());
    let tokens =
        parse_token_response(&token_response(&id_token, AT), &TokenResponseOptions::new()).unwrap();
    let auth = exchange
        .validate_token_response(tokens, &verifier(), &op.keys(), now())
        .unwrap();
    assert_eq!(auth.claims.sub, SUB);
    assert_eq!(auth.id_token.secret(), id_token);
    assert!(auth.tokens.is_some());

    // The same exchange rejects ID tokens that break what the request asked for.
    let reject = |extra: Value, nonce_from: Option<&Url>| {
        let t = match nonce_from {
            Some(u) => id_token_for(&op, JwsAlgorithm::RS256, u, extra),
            None => op.sign(
                JwsAlgorithm::RS256,
                &with(claims(), "acr", extra["acr"].clone()),
            ),
        };
        let tokens =
            parse_token_response(&token_response(&t, AT), &TokenResponseOptions::new()).unwrap();
        exchange
            .validate_token_response(tokens, &verifier(), &op.keys(), now())
            .unwrap_err()
    };
    assert_eq!(
        reject(json!({"acr": "urn:mace:incommon:iap:silver"}), None),
        Error::Token(TokenError::NonceMismatch),
        "another request's nonce"
    );
    assert!(matches!(
        reject(json!({"acr": "urn:mace:incommon:iap:bronze"}), Some(&url)),
        Error::Token(TokenError::AcrNotSatisfied { .. })
    ));
    assert!(matches!(
        reject(
            json!({"acr": "urn:mace:incommon:iap:silver", "auth_time": NOW - 3601}),
            Some(&url)
        ),
        Error::Token(TokenError::AuthenticationTooOld { max_age: 3600, .. })
    ));
    assert_eq!(
        reject(
            json!({"acr": "urn:mace:incommon:iap:silver", "at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}),
            Some(&url)
        ),
        Error::Token(TokenError::HashMismatch("at_hash"))
    );
    // A token response without an ID token is not an OpenID Connect response.
    let no_id = json_response(200, r#"{"access_token":"a","token_type":"Bearer"}"#);
    let tokens = parse_token_response(&no_id, &TokenResponseOptions::new()).unwrap();
    assert!(matches!(
        exchange.validate_token_response(tokens, &verifier(), &op.keys(), now()),
        Err(Error::OAuth2(authcore_oauth2::Error::Protocol(
            authcore_oauth2::ProtocolError::MissingParameter("id_token")
        )))
    ));
}

#[test]
fn code_callback_failures() {
    let rng = rng();
    let build = || {
        AuthenticationRequest::new(REDIRECT)
            .build_url(&client(), &server(true), &rng)
            .unwrap()
    };
    let (_, pending) = build();
    let r = AuthorizationResponse::from_query(&format!(
        "code={CODE}&state=forged&iss=https%3A%2F%2Fop.example"
    ))
    .unwrap();
    assert!(matches!(
        pending.handle_callback(&r),
        Err(Error::OAuth2(authcore_oauth2::Error::Security(
            authcore_oauth2::SecurityError::StateMismatch
        )))
    ));
    let (_, pending) = build();
    let state = pending.state().secret().to_owned();
    let r = AuthorizationResponse::from_query(&format!("code={CODE}&state={state}")).unwrap();
    assert!(matches!(
        pending.handle_callback(&r),
        Err(Error::OAuth2(authcore_oauth2::Error::Security(
            authcore_oauth2::SecurityError::MissingIssuer
        )))
    ));
    let (_, pending) = build();
    let state = pending.state().secret().to_owned();
    let r = AuthorizationResponse::from_query(&format!(
        "error=login_required&state={state}&iss=https%3A%2F%2Fop.example"
    ))
    .unwrap();
    assert!(matches!(
        pending.handle_callback(&r),
        Err(Error::OAuth2(authcore_oauth2::Error::Server(e))) if e.error.as_str() == "login_required"
    ));
    // Tokens in a `code` response are a mix-up.
    let (_, pending) = build();
    let state = pending.state().secret().to_owned();
    let r = AuthorizationResponse::from_query(&format!(
        "code={CODE}&id_token=x&state={state}&iss=https%3A%2F%2Fop.example"
    ))
    .unwrap();
    assert!(pending.handle_callback(&r).is_err());
    // Reserved parameters cannot be smuggled in.
    for name in [
        "nonce",
        "max_age",
        "claims",
        "state",
        "response_type",
        "prompt",
    ] {
        assert!(
            AuthenticationRequest::new(REDIRECT)
                .param(name, "x")
                .build_url(&client(), &server(true), &rng)
                .is_err(),
            "{name}"
        );
    }
}

/// Runs a front-channel flow: builds the request, lets `respond` make the response parameters
/// from the request's query, and handles the callback (fragment or form_post).
fn front_channel(
    rt: ResponseType,
    form_post: bool,
    respond: impl Fn(&Map<String, Value>) -> Vec<(String, String)>,
) -> Result<CallbackOutcome, Error> {
    let op = Op::new();
    let rng = rng();
    let mut req = AuthenticationRequest::new(REDIRECT).response_type(rt);
    if form_post {
        req = req.response_mode(ResponseMode::FormPost);
    }
    let (url, pending) = req.build_url(&client(), &server(false), &rng).unwrap();
    let q = query(&url);
    assert_eq!(q["response_type"], rt.as_str());
    assert_eq!(q.contains_key("code_challenge"), rt.returns_code());
    let params = respond(&q);
    let encoded =
        authcore_oauth2::encode_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let response = if form_post {
        AuthorizationResponse::from_form_post(encoded.as_bytes()).unwrap()
    } else {
        AuthorizationResponse::from_redirect_uri_fragment(&format!("{REDIRECT}#{encoded}")).unwrap()
    };
    let resp = pending.handle_callback(&response)?;
    let _ = op;
    resp.validate(&verifier(), &Op::new().keys(), now())
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn implicit_and_hybrid_response_types() {
    let p = crypto::default_provider();
    for form_post in [false, true] {
        for alg in [
            JwsAlgorithm::RS256,
            JwsAlgorithm::ES256,
            JwsAlgorithm::EdDSA,
        ] {
            let h = |v: &str| token_hash(alg, v, p);
            let sign = |q: &Map<String, Value>, extra: Value| {
                let op = Op::new();
                let mut c = with(claims(), "nonce", q["nonce"].clone());
                for (k, v) in extra.as_object().unwrap() {
                    c[k] = v.clone();
                }
                op.sign(alg, &c)
            };
            // id_token
            let out = front_channel(ResponseType::IdToken, form_post, |q| {
                let t = sign(q, json!({}));
                params(&[("id_token", &t), ("state", q["state"].as_str().unwrap())])
            })
            .unwrap();
            let CallbackOutcome::Authenticated(a) = out else {
                panic!()
            };
            assert_eq!(a.claims.sub, SUB);
            assert!(a.tokens.is_none() && a.front_channel_access_token.is_none());

            // id_token token: at_hash required
            let out = front_channel(ResponseType::IdTokenToken, form_post, |q| {
                let t = sign(q, json!({"at_hash": h(AT)}));
                params(&[
                    ("id_token", &t),
                    ("access_token", AT),
                    ("token_type", "Bearer"),
                    ("expires_in", "3600"),
                    ("state", q["state"].as_str().unwrap()),
                ])
            })
            .unwrap();
            let CallbackOutcome::Authenticated(a) = out else {
                panic!()
            };
            let at = a.front_channel_access_token.unwrap();
            assert_eq!(at.access_token.secret(), AT);
            assert_eq!(at.expires_in, Some(3600));
            assert_eq!(
                front_channel(ResponseType::IdTokenToken, form_post, |q| {
                    let t = sign(q, json!({}));
                    params(&[
                        ("id_token", &t),
                        ("access_token", AT),
                        ("token_type", "Bearer"),
                        ("state", q["state"].as_str().unwrap()),
                    ])
                })
                .unwrap_err(),
                Error::Token(TokenError::MissingClaim("at_hash"))
            );

            // code id_token: c_hash required
            let out = front_channel(ResponseType::CodeIdToken, form_post, |q| {
                let t = sign(q, json!({"c_hash": h(CODE)}));
                params(&[
                    ("code", CODE),
                    ("id_token", &t),
                    ("state", q["state"].as_str().unwrap()),
                ])
            })
            .unwrap();
            let CallbackOutcome::CodeExchange(x) = out else {
                panic!()
            };
            assert_eq!(x.front_channel_claims().unwrap().sub, SUB);
            assert_eq!(
                front_channel(ResponseType::CodeIdToken, form_post, |q| {
                    let t = sign(q, json!({"c_hash": h("another code")}));
                    params(&[
                        ("code", CODE),
                        ("id_token", &t),
                        ("state", q["state"].as_str().unwrap()),
                    ])
                })
                .unwrap_err(),
                Error::Token(TokenError::HashMismatch("c_hash"))
            );

            // code id_token token: both
            let out = front_channel(ResponseType::CodeIdTokenToken, form_post, |q| {
                let t = sign(q, json!({"c_hash": h(CODE), "at_hash": h(AT)}));
                params(&[
                    ("code", CODE),
                    ("id_token", &t),
                    ("access_token", AT),
                    ("token_type", "bearer"),
                    ("state", q["state"].as_str().unwrap()),
                ])
            })
            .unwrap();
            let CallbackOutcome::CodeExchange(x) = out else {
                panic!()
            };
            assert!(x.front_channel_access_token().is_some());
            assert_eq!(
                front_channel(ResponseType::CodeIdTokenToken, form_post, |q| {
                    let t = sign(q, json!({"c_hash": h(CODE)}));
                    params(&[
                        ("code", CODE),
                        ("id_token", &t),
                        ("access_token", AT),
                        ("token_type", "Bearer"),
                        ("state", q["state"].as_str().unwrap()),
                    ])
                })
                .unwrap_err(),
                Error::Token(TokenError::MissingClaim("at_hash"))
            );

            // code token: no front-channel ID token
            let out = front_channel(ResponseType::CodeToken, form_post, |q| {
                params(&[
                    ("code", CODE),
                    ("access_token", AT),
                    ("token_type", "Bearer"),
                    ("state", q["state"].as_str().unwrap()),
                ])
            })
            .unwrap();
            assert!(matches!(out, CallbackOutcome::CodeExchange(_)));
        }
    }
}

#[test]
fn front_channel_failures() {
    let missing = |rt, drop: &'static str| {
        front_channel(rt, false, move |q| {
            let op = Op::new();
            let t = op.sign(
                JwsAlgorithm::RS256,
                &with(
                    with(claims(), "nonce", q["nonce"].clone()),
                    "at_hash",
                    json!(token_hash(
                        JwsAlgorithm::RS256,
                        AT,
                        crypto::default_provider()
                    )),
                ),
            );
            let all = [
                ("id_token", t.as_str()),
                ("access_token", AT),
                ("token_type", "Bearer"),
                ("code", CODE),
                ("state", q["state"].as_str().unwrap()),
            ];
            all.iter()
                .filter(|(k, _)| *k != drop)
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    };
    for (rt, drop) in [
        (ResponseType::IdToken, "id_token"),
        (ResponseType::IdTokenToken, "access_token"),
        (ResponseType::IdTokenToken, "token_type"),
        (ResponseType::CodeIdToken, "code"),
    ] {
        assert!(
            matches!(
                missing(rt, drop),
                Err(Error::OAuth2(authcore_oauth2::Error::Protocol(
                    authcore_oauth2::ProtocolError::MissingParameter(_)
                )))
            ),
            "{rt} without {drop}"
        );
    }
    assert!(matches!(
        missing(ResponseType::IdToken, "state"),
        Err(Error::OAuth2(authcore_oauth2::Error::Security(
            authcore_oauth2::SecurityError::MissingState
        )))
    ));
    // Wrong state.
    let r = front_channel(ResponseType::IdToken, false, |_| {
        params(&[("id_token", "x.y.z"), ("state", "forged")])
    });
    assert!(matches!(
        r,
        Err(Error::OAuth2(authcore_oauth2::Error::Security(
            authcore_oauth2::SecurityError::StateMismatch
        )))
    ));
    // Error response.
    let r = front_channel(ResponseType::IdToken, false, |q| {
        params(&[
            ("error", "access_denied"),
            ("state", q["state"].as_str().unwrap()),
        ])
    });
    assert!(matches!(
        r,
        Err(Error::OAuth2(authcore_oauth2::Error::Server(_)))
    ));
    // A non-Bearer front-channel token type.
    let r = front_channel(ResponseType::IdTokenToken, false, |q| {
        params(&[
            ("id_token", "x.y.z"),
            ("access_token", AT),
            ("token_type", "DPoP"),
            ("state", q["state"].as_str().unwrap()),
        ])
    });
    assert!(r.is_err());
    // A wrong iss parameter.
    let r = front_channel(ResponseType::IdToken, false, |q| {
        params(&[
            ("id_token", "x.y.z"),
            ("iss", "https://evil.example"),
            ("state", q["state"].as_str().unwrap()),
        ])
    });
    assert!(matches!(
        r,
        Err(Error::OAuth2(authcore_oauth2::Error::Security(
            authcore_oauth2::SecurityError::IssuerMismatch { .. }
        )))
    ));
    // Scope tokens are checked for every response type.
    for rt in [ResponseType::Code, ResponseType::IdToken] {
        assert!(
            AuthenticationRequest::new(REDIRECT)
                .response_type(rt)
                .scope("two words")
                .build_url(&client(), &server(false), &rng())
                .is_err(),
            "{rt}"
        );
    }
    // Tokens never travel in a query.
    assert!(
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::IdTokenToken)
            .response_mode(ResponseMode::Query)
            .build_url(&client(), &server(false), &rng())
            .is_err()
    );
}

#[test]
fn hybrid_second_id_token_must_match_the_first() {
    let op = Op::new();
    let rng = rng();
    let p = crypto::default_provider();
    let (url, pending) = AuthenticationRequest::new(REDIRECT)
        .response_type(ResponseType::CodeIdToken)
        .build_url(&client(), &server(false), &rng)
        .unwrap();
    let q = query(&url);
    let front = id_token_for(
        &op,
        JwsAlgorithm::ES256,
        &url,
        json!({"c_hash": token_hash(JwsAlgorithm::ES256, CODE, p)}),
    );
    let r = AuthorizationResponse::from_query(&authcore_oauth2::encode_form([
        ("code", CODE),
        ("id_token", front.as_str()),
        ("state", q["state"].as_str().unwrap()),
    ]))
    .unwrap();
    let resp = pending.handle_callback(&r).unwrap();
    assert!(resp.id_token().is_some());
    let CallbackOutcome::CodeExchange(x) = resp.validate(&verifier(), &op.keys(), now()).unwrap()
    else {
        panic!("hybrid flows exchange the code")
    };
    let req = x
        .build_token_request(&client(), &server(false), now(), &rng)
        .unwrap();
    assert!(String::from_utf8_lossy(req.body()).contains("code_verifier="));
    let same = id_token_for(&op, JwsAlgorithm::ES256, &url, json!({}));
    let tokens =
        parse_token_response(&token_response(&same, AT), &TokenResponseOptions::new()).unwrap();
    assert!(
        x.validate_token_response(tokens, &verifier(), &op.keys(), now())
            .is_ok()
    );
    // A c_hash in the second ID token covers the same code.
    let with_c = id_token_for(
        &op,
        JwsAlgorithm::ES256,
        &url,
        json!({"c_hash": token_hash(JwsAlgorithm::ES256, CODE, p)}),
    );
    let tokens =
        parse_token_response(&token_response(&with_c, AT), &TokenResponseOptions::new()).unwrap();
    assert!(
        x.validate_token_response(tokens, &verifier(), &op.keys(), now())
            .is_ok()
    );
    let wrong_c = id_token_for(
        &op,
        JwsAlgorithm::ES256,
        &url,
        json!({"c_hash": token_hash(JwsAlgorithm::ES256, "other-code", p)}),
    );
    let tokens =
        parse_token_response(&token_response(&wrong_c, AT), &TokenResponseOptions::new()).unwrap();
    assert_eq!(
        x.validate_token_response(tokens, &verifier(), &op.keys(), now())
            .unwrap_err(),
        Error::Token(TokenError::HashMismatch("c_hash"))
    );
    let other = id_token_for(
        &op,
        JwsAlgorithm::ES256,
        &url,
        json!({"sub": "someone-else"}),
    );
    let tokens =
        parse_token_response(&token_response(&other, AT), &TokenResponseOptions::new()).unwrap();
    assert_eq!(
        x.validate_token_response(tokens, &verifier(), &op.keys(), now())
            .unwrap_err(),
        Error::Token(TokenError::ChangedClaim("sub"))
    );
}

#[test]
fn refresh_responses() {
    let op = Op::new();
    let keys = op.keys();
    let v = verifier();
    let original = v
        .validate(
            &op.sign(JwsAlgorithm::RS256, &claims()),
            &keys,
            &authcore_oidc::IdTokenExpectations::token_endpoint(),
            now(),
        )
        .unwrap();
    let later = UnixTime::from_secs(NOW + 3600);
    let refreshed = |c: Value| {
        let t = op.sign(
            JwsAlgorithm::RS256,
            &with(with(c, "iat", json!(NOW + 3599)), "exp", json!(NOW + 7200)),
        );
        parse_token_response(&token_response(&t, "new-at"), &TokenResponseOptions::new()).unwrap()
    };
    let t = refreshed(without(claims(), "nonce"));
    let c = validate_refresh_response(&t, &v, &keys, &original, later)
        .unwrap()
        .unwrap();
    assert_eq!(c.sub, SUB);
    let t = refreshed(with(claims(), "sub", json!("x")));
    assert!(validate_refresh_response(&t, &v, &keys, &original, later).is_err());
    // A refresh response without an ID token is fine.
    let plain = json_response(200, r#"{"access_token":"a","token_type":"Bearer"}"#);
    let t = parse_token_response(&plain, &TokenResponseOptions::new()).unwrap();
    assert_eq!(
        validate_refresh_response(&t, &v, &keys, &original, later).unwrap(),
        None
    );
}

#[test]
fn pushed_authentication_request() {
    let op = Op::new();
    let rng = rng();
    let server = server(false)
        .with_par_endpoint("https://op.example/par")
        .unwrap()
        .with_require_pushed_authorization_requests(true);
    // The front-channel URL is refused when the server requires PAR.
    assert!(
        AuthenticationRequest::new(REDIRECT)
            .build_url(&client(), &server, &rng)
            .is_err()
    );
    let (req, pushed) = AuthenticationRequest::new(REDIRECT)
        .max_age(600)
        .login_hint("jane")
        .build_par_request(&client(), &server, now(), &rng)
        .unwrap();
    assert_eq!(req.uri(), "https://op.example/par");
    let form: Map<String, Value> = url::form_urlencoded::parse(req.body())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    assert_eq!(form["scope"], "openid");
    assert_eq!(form["max_age"], "600");
    assert_eq!(form["login_hint"], "jane");
    assert!(form.contains_key("nonce") && form.contains_key("code_challenge"));
    let par = json_response(
        201,
        r#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#,
    );
    let (url, pending) = pushed.handle_par_response(&par).unwrap();
    assert!(url.as_str().contains("request_uri=urn%3Aietf"));
    assert_eq!(pending.max_age(), Some(600));
    assert_eq!(pending.nonce().secret(), form["nonce"]);
    // The callback and the ID token go through the same checks as without PAR.
    let r = AuthorizationResponse::from_query(&format!(
        "code={CODE}&state={}",
        form["state"].as_str().unwrap()
    ))
    .unwrap();
    let AuthenticationResponse::Code(exchange) = pending.handle_callback(&r).unwrap() else {
        panic!("a code response goes to the code exchange")
    };
    let t = op.sign(
        JwsAlgorithm::RS256,
        &with(
            with(claims(), "nonce", form["nonce"].clone()),
            "auth_time",
            json!(NOW - 601),
        ),
    );
    let tokens =
        parse_token_response(&token_response(&t, AT), &TokenResponseOptions::new()).unwrap();
    assert!(matches!(
        exchange.validate_token_response(tokens, &verifier(), &op.keys(), now()),
        Err(Error::Token(TokenError::AuthenticationTooOld {
            max_age: 600,
            ..
        }))
    ));
    // Implicit and hybrid requests are not pushed.
    assert!(
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::CodeIdToken)
            .build_par_request(&client(), &server, now(), &rng)
            .is_err()
    );
}

/// Verifies a request object made with the OP stub's ES256 key (standing in for the client's
/// registered key) and returns its claims.
fn request_object_claims_of(jwt: &str) -> Map<String, Value> {
    let v = authcore_jose::jwt::Validation::new()
        .issuer(CLIENT)
        .audience(ISSUER)
        .typ("oauth-authz-req+jwt")
        .require("jti")
        .require("nbf");
    let ok = authcore_jose::jwt::verify(jwt, &Op::new().keys(), &v, now()).unwrap();
    let r = &ok.claims.registered;
    assert_eq!(
        r.exp.unwrap().secs() - r.iat.unwrap().secs(),
        300,
        "five minutes"
    );
    serde_json::from_slice(&ok.payload).unwrap()
}

#[test]
fn request_object_by_value_for_the_hybrid_flow() {
    let op = Op::new();
    let rng = rng();
    let mut claims_param = Map::new();
    claims_param.insert("userinfo".into(), json!({"email": {"essential": true}}));
    let (url, pending) = AuthenticationRequest::new(REDIRECT)
        .response_type(ResponseType::CodeIdToken)
        .scope("profile")
        .max_age(600)
        .claims(claims_param)
        .login_hint("jane")
        .build_signed_url(
            &client(),
            &server(false),
            op.key(JwsAlgorithm::ES256),
            now(),
            &rng,
        )
        .unwrap();
    // OpenID Connect Core §6.1: client_id, response_type and scope also in the query; the
    // endpoint's own query parameter kept; nothing else outside the object.
    assert!(
        url.as_str()
            .starts_with("https://op.example/authorize?tenant=a&")
    );
    let q = query(&url);
    let mut names: Vec<&str> = q.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["client_id", "request", "response_type", "scope", "tenant"]
    );
    assert_eq!(q["response_type"], "code id_token");
    assert_eq!(q["scope"], "openid profile");

    let c = request_object_claims_of(q["request"].as_str().unwrap());
    assert_eq!(c["client_id"], CLIENT);
    assert_eq!(c["response_type"], q["response_type"]);
    assert_eq!(c["scope"], q["scope"]);
    assert_eq!(c["redirect_uri"], REDIRECT);
    assert_eq!(c["state"], pending.state().secret());
    assert_eq!(c["nonce"], pending.nonce().secret());
    assert_eq!(c["code_challenge_method"], "S256");
    assert_eq!(c["max_age"], 600, "a number inside the object");
    assert_eq!(c["login_hint"], "jane");
    assert_eq!(
        c["claims"],
        json!({"userinfo": {"email": {"essential": true}}}),
        "an object inside the request object"
    );
    assert!(!c.contains_key("tenant"), "the endpoint's own parameter");

    // The pending request handles the hybrid response.
    let p = crypto::default_provider();
    let id_token = op.sign(
        JwsAlgorithm::ES256,
        &with(
            with(claims(), "nonce", c["nonce"].clone()),
            "c_hash",
            token_hash(JwsAlgorithm::ES256, CODE, p).into(),
        ),
    );
    let fragment = authcore_oauth2::encode_form([
        ("code", CODE),
        ("id_token", id_token.as_str()),
        ("state", c["state"].as_str().unwrap()),
    ]);
    let response =
        AuthorizationResponse::from_redirect_uri_fragment(&format!("{REDIRECT}#{fragment}"))
            .unwrap();
    let out = pending
        .handle_callback(&response)
        .unwrap()
        .validate(&verifier(), &op.keys(), now())
        .unwrap();
    let CallbackOutcome::CodeExchange(exchange) = out else {
        panic!("the hybrid flow continues at the token endpoint")
    };
    assert_eq!(
        exchange.front_channel_claims().map(|c| c.sub.as_str()),
        Some("248289761001")
    );
}

#[test]
fn request_object_by_reference_and_pushed() {
    let op = Op::new();
    let rng = rng();
    let signer = op.key(JwsAlgorithm::ES256);
    let req = AuthenticationRequest::new(REDIRECT).scope("email");
    let url = req
        .signed_url_with_request_uri(&client(), &server(false), "https://client.example/ro/1")
        .unwrap();
    let q = query(&url);
    assert_eq!(q["request_uri"], "https://client.example/ro/1");
    assert_eq!(q["client_id"], CLIENT);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["scope"], "openid email");
    let (jwt, pending) = req
        .build_request_object(&client(), &server(false), signer, now(), &rng)
        .unwrap();
    let c = request_object_claims_of(&jwt);
    assert_eq!(c["scope"], "openid email");
    assert_eq!(c["state"], pending.state().secret());

    // Pushed (RFC 9126 with RFC 9101): client authentication and the object, nothing else.
    let server = server(false)
        .with_par_endpoint("https://op.example/par")
        .unwrap()
        .with_require_pushed_authorization_requests(true);
    let (par, pushed) = AuthenticationRequest::new(REDIRECT)
        .max_age(60)
        .build_signed_par_request(&client(), &server, signer, now(), &rng)
        .unwrap();
    assert_eq!(par.uri(), "https://op.example/par");
    assert!(par.headers().contains_key(http::header::AUTHORIZATION));
    let form: Map<String, Value> = url::form_urlencoded::parse(par.body())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    let mut names: Vec<&str> = form.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["client_id", "request"]);
    let c = request_object_claims_of(form["request"].as_str().unwrap());
    assert_eq!(c["max_age"], 60);
    let (url, pending) = pushed
        .handle_par_response(&json_response(
            201,
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:bwc4JK","expires_in":60}"#,
        ))
        .unwrap();
    assert_eq!(
        query(&url)["request_uri"],
        "urn:ietf:params:oauth:request_uri:bwc4JK"
    );
    assert_eq!(c["state"], pending.state().secret());
}

#[test]
fn request_object_misuse_is_refused() {
    let op = Op::new();
    let signer = op.key(JwsAlgorithm::ES256);
    // No issuer: no audience for the object.
    let no_issuer = AuthorizationServer::without_issuer()
        .with_authorization_endpoint("https://op.example/authorize")
        .unwrap();
    assert!(matches!(
        AuthenticationRequest::new(REDIRECT).build_signed_url(
            &client(),
            &no_issuer,
            signer,
            now(),
            &rng()
        ),
        Err(Error::Misuse(_))
    ));
    // A server that requires PAR refuses front-channel objects too.
    let par_only = server(false).with_require_pushed_authorization_requests(true);
    assert!(
        AuthenticationRequest::new(REDIRECT)
            .build_signed_url(&client(), &par_only, signer, now(), &rng())
            .is_err()
    );
    // Pushed requests are for the code flow only.
    let with_par = server(false)
        .with_par_endpoint("https://op.example/par")
        .unwrap();
    assert!(matches!(
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::CodeIdToken)
            .build_signed_par_request(&client(), &with_par, signer, now(), &rng()),
        Err(Error::Misuse(_))
    ));
    // Checks of the plain URL apply: a reserved extension parameter.
    assert!(
        AuthenticationRequest::new(REDIRECT)
            .param("nonce", "mine")
            .build_signed_url(&client(), &server(false), signer, now(), &rng())
            .is_err()
    );
}

/// What OpenID Connect adds is refused where it does not fit: a `token`-only response type
/// (no ID token, Core 1.0 §3), OpenID Connect parameters as extension parameters (they have
/// typed setters), and a stored pending request rewritten to a `token` request.
#[test]
fn openid_connect_refusals() {
    assert!(matches!(
        AuthenticationRequest::new(REDIRECT)
            .response_type(ResponseType::Token)
            .build_url(&client(), &server(false), &rng()),
        Err(Error::Misuse(_))
    ));
    for name in authcore_oauth2::OPENID_REQUEST_PARAMETERS {
        assert!(
            matches!(
                AuthenticationRequest::new(REDIRECT)
                    .param(*name, "x")
                    .build_url(&client(), &server(false), &rng()),
                Err(Error::Misuse(_))
            ),
            "{name}"
        );
    }
    // The OAuth 2.0 parameters are refused by the builder underneath.
    assert!(matches!(
        AuthenticationRequest::new(REDIRECT)
            .param("state", "x")
            .build_url(&client(), &server(false), &rng()),
        Err(Error::OAuth2(authcore_oauth2::Error::Misuse(_)))
    ));
    let (_, pending) = AuthenticationRequest::new(REDIRECT)
        .build_url(&client(), &server(false), &rng())
        .unwrap();
    let stored = serde_json::to_string(&pending).unwrap();
    assert!(stored.contains(r#""response_type":"Code""#));
    assert!(serde_json::from_str::<PendingAuthentication>(&stored).is_ok());
    let rewritten = stored.replace(r#""response_type":"Code""#, r#""response_type":"Token""#);
    assert!(serde_json::from_str::<PendingAuthentication>(&rewritten).is_err());
}

/// Tokens never come in a query: an implicit or hybrid response read from the redirect URI's
/// query is refused by the one callback check, before the ID token is looked at.
#[test]
fn front_channel_tokens_in_a_query_are_refused() {
    for rt in [ResponseType::IdToken, ResponseType::CodeIdToken] {
        let (_, pending) = AuthenticationRequest::new(REDIRECT)
            .response_type(rt)
            .build_url(&client(), &server(false), &rng())
            .unwrap();
        let uri = format!(
            "{REDIRECT}?code={CODE}&id_token=h.p.s&state={}",
            pending.state().secret()
        );
        let response = AuthorizationResponse::from_redirect_uri(&uri).unwrap();
        assert!(
            matches!(
                pending.handle_callback(&response),
                Err(Error::OAuth2(authcore_oauth2::Error::Protocol(
                    authcore_oauth2::ProtocolError::Malformed(_)
                )))
            ),
            "{rt}"
        );
    }
}

/// A pending sign-in stored by the earlier version (its secrets under `inner`, its response
/// type in `context`) is read back and handles its callback: an upgrade between the redirect
/// and the callback loses no sign-in in progress.
#[test]
fn pending_authentication_stored_in_the_earlier_form_is_read() {
    let (_, pending) = AuthenticationRequest::new(REDIRECT)
        .build_url(&client(), &server(false), &rng())
        .unwrap();
    let current = serde_json::to_value(&pending).unwrap();
    let mut fields = current["pending"].clone();
    let members = fields.as_object_mut().unwrap();
    members.remove("response_type");
    members.remove("response_mode");
    members.insert("grant".into(), json!("Code"));
    // The earlier form kept the nonce in the request's own members.
    members.insert("nonce".into(), current["nonce"].clone());
    let context = json!({
        "response_type": "Code",
        "max_age": current["context"]["max_age"],
        "essential_acr": current["context"]["essential_acr"],
    });
    let earlier = json!({"inner": {"Code": fields.clone()}, "context": context.clone()});

    let read: PendingAuthentication = serde_json::from_value(earlier).unwrap();
    assert_eq!(read.state().secret(), pending.state().secret());
    assert_eq!(read.nonce().secret(), pending.nonce().secret());
    assert_eq!(read.response_type(), ResponseType::Code);
    let uri = format!("{REDIRECT}?code={CODE}&state={}", pending.state().secret());
    let response = AuthorizationResponse::from_redirect_uri(&uri).unwrap();
    assert!(matches!(
        read.handle_callback(&response).unwrap(),
        AuthenticationResponse::Code(_)
    ));

    // The earlier front-channel variant reads too, with its response type from `context`.
    let mut front = fields.clone();
    front.as_object_mut().unwrap().remove("grant");
    let mut hybrid = context.clone();
    hybrid["response_type"] = json!("CodeIdToken");
    let read: PendingAuthentication =
        serde_json::from_value(json!({"inner": {"FrontChannel": front}, "context": hybrid}))
            .unwrap();
    assert_eq!(read.response_type(), ResponseType::CodeIdToken);

    // Refused: no nonce, and a response type that is not OpenID Connect's.
    let mut no_nonce = fields.clone();
    no_nonce["nonce"] = Value::Null;
    assert!(
        serde_json::from_value::<PendingAuthentication>(
            json!({"inner": {"Code": no_nonce}, "context": context.clone()})
        )
        .is_err()
    );
    let mut token = context;
    token["response_type"] = json!("Token");
    assert!(
        serde_json::from_value::<PendingAuthentication>(
            json!({"inner": {"Code": fields}, "context": token})
        )
        .is_err()
    );
}
