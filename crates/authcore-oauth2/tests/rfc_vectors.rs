//! Examples from the RFCs, as vectors: each test names the section its data comes from.
#![allow(deprecated)] // RFC 6749 §4.2 and §4.3 examples exercise the deprecated grants.

mod common;

use authcore_oauth2::jose::{InsecureTestRandom, Jwk, JwsAlgorithm, JwsSigner, crypto, jws};
use authcore_oauth2::*;
use common::*;

#[test]
fn rfc7636_appendix_b_and_vector_file() {
    let p = crypto::default_provider();
    let v = PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(
        v.challenge(PkceMethod::S256, p),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );

    let file: serde_json::Value =
        serde_json::from_str(include_str!("vectors/rfc7636-pkce.json")).unwrap();
    for case in file["cases"].as_array().unwrap() {
        let v = PkceCodeVerifier::new(case["code_verifier"].as_str().unwrap());
        let method = match case["code_challenge_method"].as_str().unwrap() {
            "S256" => PkceMethod::S256,
            _ => PkceMethod::Plain,
        };
        let expected = case["code_challenge"].as_str().unwrap();
        assert_eq!(v.challenge(method, p), expected);
        // Tampered: one character of the verifier changed.
        let mut t = case["code_verifier"].as_str().unwrap().to_owned();
        t.replace_range(0..1, if t.starts_with('a') { "b" } else { "a" });
        assert_ne!(PkceCodeVerifier::new(t).challenge(method, p), expected);
    }
}

#[test]
fn rfc6749_4_1_1_authorization_request() {
    // RFC 6749 §4.1.1: response_type=code&client_id=s6BhdRkqt3&state=xyz
    //   &redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb  (plus PKCE here).
    let (url, pending) = AuthorizationRequest::new("https://client.example.com/cb")
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let q = FormParams::parse(url.query().unwrap().as_bytes()).unwrap();
    assert_eq!(url.path(), "/authorize");
    assert_eq!(q.get("response_type"), Some("code"));
    assert_eq!(q.get("client_id"), Some("s6BhdRkqt3"));
    assert_eq!(q.get("redirect_uri"), Some("https://client.example.com/cb"));
    assert_eq!(q.get("state"), Some(pending.state().secret()));
    assert_eq!(q.get("code_challenge_method"), Some("S256"));
    assert_eq!(q.get("code_challenge").unwrap().len(), 43);
    assert!(
        url.query()
            .unwrap()
            .contains("redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb")
    );
}

#[test]
fn rfc6749_4_1_2_callback_and_4_1_3_token_request() {
    let server = server();
    let client = basic_client();
    let (_, pending) = AuthorizationRequest::new("https://client.example.com/cb")
        .build_url(&client, &server, &rng())
        .unwrap();
    // RFC 6749 §4.1.2 (with this request's state in place of `xyz`).
    let cb = format!(
        "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state={}",
        pending.state().secret()
    );
    let grant = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&cb).unwrap())
        .unwrap();
    let req = grant
        .build_token_request(&client, &server, UnixTime::from_secs(0), &rng())
        .unwrap();
    // RFC 6749 §4.1.3.
    assert_form_post(&req, "https://server.example.com/token");
    assert_eq!(
        header(&req, "authorization"),
        Some("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
    );
    let f = form(&req);
    assert_eq!(f.get("grant_type"), Some("authorization_code"));
    assert_eq!(f.get("code"), Some("SplxlOBeZQQYbYS6WxSbIA"));
    assert_eq!(f.get("redirect_uri"), Some("https://client.example.com/cb"));
    assert_eq!(f.get("code_verifier").unwrap().len(), 43);
    assert!(body(&req).starts_with(
        "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&code_verifier="
    ));
    assert_eq!(
        f.get("client_id"),
        None,
        "Basic authentication keeps client_id out of the body"
    );
}

#[test]
fn rfc6749_4_1_2_1_error_callback() {
    let (_, pending) = AuthorizationRequest::new("https://client.example.com/cb")
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let cb = format!(
        "https://client.example.com/cb?error=access_denied&state={}",
        pending.state().secret()
    );
    let err = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&cb).unwrap())
        .unwrap_err();
    match err {
        Error::Server(e) => {
            assert_eq!(e.error, ErrorCode::AccessDenied);
            assert_eq!(e.status, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rfc6749_4_2_2_implicit_fragment() {
    let (url, pending) = AuthorizationRequest::implicit("http://localhost/cb")
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let q = FormParams::parse(url.query().unwrap().as_bytes()).unwrap();
    assert_eq!(q.get("response_type"), Some("token"));
    assert_eq!(q.get("code_challenge"), None);
    // RFC 6749 §4.2.2 (this request's state in place of `xyz`).
    let cb = format!(
        "http://example.com/cb#access_token=2YotnFZFEjr1zCsicMWpAA&state={}&token_type=example&expires_in=3600",
        pending.state().secret()
    );
    let resp = AuthorizationResponse::from_redirect_uri_fragment(&cb).unwrap();
    // `example` is not a token type this client knows how to use.
    let err = pending
        .handle_implicit_callback(&resp, &TokenResponseOptions::new())
        .unwrap_err();
    assert_eq!(
        err,
        Error::Protocol(ProtocolError::UnusableTokenType("example".into()))
    );

    // Declared usable, the same fragment yields the token.
    let (_, pending) = AuthorizationRequest::implicit("http://localhost/cb")
        .build_url(&basic_client(), &server(), &rng())
        .unwrap();
    let cb = format!(
        "http://example.com/cb#access_token=2YotnFZFEjr1zCsicMWpAA&state={}&token_type=example&expires_in=3600",
        pending.state().secret()
    );
    let resp = AuthorizationResponse::from_redirect_uri_fragment(&cb).unwrap();
    let t = pending
        .handle_implicit_callback(
            &resp,
            &TokenResponseOptions::new().accept_token_type("example"),
        )
        .unwrap();
    assert_eq!(t.access_token.secret(), "2YotnFZFEjr1zCsicMWpAA");
    assert_eq!(t.expires_in, Some(3600));
}

#[test]
fn rfc6749_4_3_2_password_and_4_4_2_client_credentials() {
    let server = server();
    let client = basic_client();
    let now = UnixTime::from_secs(0);
    // RFC 6749 §4.3.2.
    let req = TokenRequest::password("johndoe", &Password::new("A3ddj3w"))
        .build_token_request(&client, &server, now, &rng())
        .unwrap();
    assert_eq!(
        body(&req),
        "grant_type=password&username=johndoe&password=A3ddj3w"
    );
    assert_eq!(
        header(&req, "authorization"),
        Some("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
    );
    // RFC 6749 §4.4.2.
    let req = TokenRequest::client_credentials()
        .build_token_request(&client, &server, now, &rng())
        .unwrap();
    assert_eq!(body(&req), "grant_type=client_credentials");
    assert_eq!(
        header(&req, "authorization"),
        Some("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
    );
}

#[test]
fn rfc6749_5_1_token_response_and_5_2_error() {
    // RFC 6749 §5.1 (also §4.1.4).
    let r = json(
        200,
        r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value"}"#,
    );
    let t = parse_token_response(
        &r,
        &TokenResponseOptions::new().accept_token_type("example"),
    )
    .unwrap();
    assert_eq!(t.access_token, AccessToken::new("2YotnFZFEjr1zCsicMWpAA"));
    assert_eq!(t.token_type, TokenType::Other("example".into()));
    assert_eq!(t.expires_in, Some(3600));
    assert_eq!(
        t.refresh_token.as_ref().unwrap().secret(),
        "tGzv3JOkF0XG5Qx2TlKWIA"
    );
    assert_eq!(t.extra["example_parameter"], "example_value");
    // Tampered: without the opt-in, `example` is unusable.
    assert!(matches!(
        parse_token_response(&r, &TokenResponseOptions::new()),
        Err(Error::Protocol(ProtocolError::UnusableTokenType(_)))
    ));
    // RFC 6749 §5.2.
    let e = parse_token_response(
        &json(400, r#"{"error":"invalid_request"}"#),
        &TokenResponseOptions::new(),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        Error::Server(ErrorResponse {
            error: ErrorCode::InvalidRequest,
            status: Some(400),
            ..
        })
    ));
}

#[test]
fn rfc6749_6_refresh_request() {
    let req = TokenRequest::refresh_token(&RefreshToken::new("tGzv3JOkF0XG5Qx2TlKWIA"))
        .build_token_request(&basic_client(), &server(), UnixTime::from_secs(0), &rng())
        .unwrap();
    assert_eq!(
        body(&req),
        "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA"
    );
}

#[test]
fn rfc8628_3_device_flow_examples() {
    let client = Client::new("1406020730", ClientAuthentication::None);
    let server = server();
    let now = UnixTime::from_secs(1_000);
    // RFC 8628 §3.1.
    let req = build_device_authorization_request(&client, &server, &["example_scope"], now, &rng())
        .unwrap();
    assert_form_post(&req, "https://server.example.com/device_authorization");
    assert_eq!(body(&req), "client_id=1406020730&scope=example_scope");
    // RFC 8628 §3.2.
    let d = parse_device_authorization_response(&json(
        200,
        r#"{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT","expires_in":1800,"interval":5}"#,
    ))
    .unwrap();
    assert_eq!(d.user_code, "WDJB-MJHT");
    assert_eq!(
        d.verification_uri_complete.as_deref(),
        Some("https://example.com/device?user_code=WDJB-MJHT")
    );
    assert_eq!((d.expires_in, d.interval), (1800, 5));
    // RFC 8628 §3.4.
    let flow = DeviceAuthorizationFlow::new(d, now);
    let req = flow
        .build_token_request(&client, &server, UnixTime::from_secs(1_005), &rng())
        .unwrap();
    assert_eq!(
        body(&req),
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS&client_id=1406020730"
    );
    // RFC 8628 §3.5 codes are typed.
    for (code, typed) in [
        ("authorization_pending", ErrorCode::AuthorizationPending),
        ("slow_down", ErrorCode::SlowDown),
        ("access_denied", ErrorCode::AccessDenied),
        ("expired_token", ErrorCode::ExpiredToken),
    ] {
        assert_eq!(ErrorCode::parse(code), typed);
        assert_eq!(typed.as_str(), code);
    }
}

#[test]
fn rfc7009_2_1_revocation() {
    let req = build_revocation_request(
        &basic_client(),
        &server(),
        "45ghiukldjahdnhzdauz",
        Some(TokenTypeHint::RefreshToken),
        UnixTime::from_secs(0),
        &rng(),
    )
    .unwrap();
    assert_form_post(&req, "https://server.example.com/revoke");
    assert_eq!(
        body(&req),
        "token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token"
    );
    assert_eq!(
        header(&req, "authorization"),
        Some("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
    );
    // RFC 7009 §2.2: 200 whatever the body; §2.2.1: 503 with Retry-After; errors typed.
    let ok = http::Response::builder()
        .status(200)
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        parse_revocation_response(&ok).unwrap(),
        RevocationOutcome::Revoked
    );
    let busy = http::Response::builder()
        .status(503)
        .header("retry-after", "120")
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        parse_revocation_response(&busy).unwrap(),
        RevocationOutcome::RetryAfter(Some(120))
    );
    let e =
        parse_revocation_response(&json(400, r#"{"error":"unsupported_token_type"}"#)).unwrap_err();
    assert!(matches!(
        e,
        Error::Server(ErrorResponse {
            error: ErrorCode::UnsupportedTokenType,
            ..
        })
    ));
}

#[test]
fn rfc7662_introspection() {
    // RFC 7662 §2.1.
    let req = build_introspection_request(
        &basic_client(),
        &server(),
        "mF_9.B5f-4.1JqM",
        Some(TokenTypeHint::AccessToken),
        UnixTime::from_secs(0),
        &rng(),
    )
    .unwrap();
    assert_eq!(
        body(&req),
        "token=mF_9.B5f-4.1JqM&token_type_hint=access_token"
    );
    // RFC 7662 §2.2.
    let r = parse_introspection_response(&json(
        200,
        r#"{"active":true,"client_id":"l238j323ds-23ij4","username":"jdoe","scope":"read write dolphin","sub":"Z5O3upPC88QrAjx00dis","aud":"https://protected.example.net/resource","iss":"https://server.example.com/","exp":1419356238,"iat":1419350238,"extension_field":"twenty-seven"}"#,
    ))
    .unwrap();
    assert!(r.active);
    assert_eq!(r.scope.as_deref().unwrap(), ["read", "write", "dolphin"]);
    assert_eq!(
        r.aud.as_deref().unwrap(),
        ["https://protected.example.net/resource"]
    );
    assert_eq!(r.exp, Some(1419356238));
    assert_eq!(r.extra["extension_field"], "twenty-seven");
    assert!(r.is_active_at(UnixTime::from_secs(1419350238)));
    assert!(
        !r.is_active_at(UnixTime::from_secs(1419356238)),
        "expired at exp"
    );
    let r = parse_introspection_response(&json(200, r#"{"active":false}"#)).unwrap();
    assert!(!r.active);
    // Tampered: `active` missing or a string.
    assert!(parse_introspection_response(&json(200, r#"{"client_id":"x"}"#)).is_err());
    assert!(parse_introspection_response(&json(200, r#"{"active":"true"}"#)).is_err());
}

#[test]
fn rfc9126_par() {
    let server = server();
    let client = Client::new("CLIENT1234", ClientAuthentication::None);
    let (req, pushed) = AuthorizationRequest::new("https://client.example.org/cb")
        .build_par_request(&client, &server, UnixTime::from_secs(0), &rng())
        .unwrap();
    // RFC 9126 §2.1: the authorization parameters go in the POST body.
    assert_form_post(&req, "https://server.example.com/as/par");
    let f = form(&req);
    assert_eq!(f.get("client_id"), Some("CLIENT1234"));
    assert_eq!(f.get("response_type"), Some("code"));
    assert_eq!(f.get("redirect_uri"), Some("https://client.example.org/cb"));
    assert_eq!(f.get("code_challenge_method"), Some("S256"));
    assert_eq!(f.get("state"), Some(pushed.pending().state().secret()));
    // RFC 9126 §2.2 response, §4 authorization request.
    let resp = json(
        201,
        r#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#,
    );
    let (url, par, _pending) = pushed.handle_par_response(&resp).unwrap();
    assert_eq!(par.expires_in, 60);
    assert_eq!(
        url.as_str(),
        "https://server.example.com/authorize?client_id=CLIENT1234&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c"
    );
    // RFC 9126 §2.3 errors.
    let e = parse_par_response(&json(400, r#"{"error":"invalid_request","error_description":"The redirect_uri is not valid for the given client"}"#)).unwrap_err();
    match e {
        Error::Server(e) => {
            assert_eq!(e.error, ErrorCode::InvalidRequest);
            assert_eq!(
                e.error_description.as_deref(),
                Some("The redirect_uri is not valid for the given client")
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A stand-in signer that only carries an algorithm; never asked to sign in these tests.
struct NoSign;
impl JwsSigner for NoSign {
    fn algorithm(&self) -> JwsAlgorithm {
        JwsAlgorithm::ES256
    }
    fn sign(&self, _: &[u8]) -> authcore_oauth2::jose::Result<Vec<u8>> {
        Err(authcore_oauth2::jose::Error::Crypto)
    }
}

#[test]
fn rfc9449_examples() {
    // RFC 9449 §6.1: the thumbprint of the §4.1 example key is the `jkt`.
    let jwk = Jwk::from_json(
        br#"{"kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","crv":"P-256"}"#,
    )
    .unwrap();
    let key =
        DpopKey::from_signer(std::sync::Arc::new(NoSign), jwk, crypto::default_provider()).unwrap();
    assert_eq!(key.jkt(), "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");

    // RFC 9449 §7.1: `ath` of the example access token.
    let signer = ed25519_key();
    let dpop = DpopKey::new(signer, crypto::default_provider()).unwrap();
    let token = AccessToken::new("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
    let proof = dpop
        .proof(
            "GET",
            "https://resource.example.org/protectedresource",
            Some(&token),
            None,
            UnixTime::from_secs(1562262618),
            &rng(),
        )
        .unwrap();
    let (header, payload) = jws::decode_unverified(&proof).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims["ath"], "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    assert_eq!(claims["htm"], "GET");
    assert_eq!(
        claims["htu"],
        "https://resource.example.org/protectedresource"
    );
    assert_eq!(claims["iat"], 1562262618);
    assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
    assert!(header.kid.is_none());
    assert!(!header.jwk.unwrap().is_private());

    // RFC 9449 §8: the token endpoint's nonce demand.
    let resp = http::Response::builder()
        .status(400)
        .header("content-type", "application/json")
        .header("dpop-nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")
        .body(br#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#.to_vec())
        .unwrap();
    assert!(demands_nonce(&resp));
    // RFC 9449 §9: the resource server's.
    let resp = http::Response::builder()
        .status(401)
        .header("www-authenticate", r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#)
        .header("dpop-nonce", "eyJ7S_zG.eyJbYu3.xQmBj-1")
        .body(Vec::new())
        .unwrap();
    assert!(demands_nonce(&resp));
}

#[test]
fn rfc8414_3_2_metadata_example() {
    let doc = r#"{
     "issuer": "https://server.example.com",
     "authorization_endpoint": "https://server.example.com/authorize",
     "token_endpoint": "https://server.example.com/token",
     "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
     "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
     "userinfo_endpoint": "https://server.example.com/userinfo",
     "jwks_uri": "https://server.example.com/jwks.json",
     "registration_endpoint": "https://server.example.com/register",
     "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
     "response_types_supported": ["code", "code token"],
     "service_documentation": "http://server.example.com/service_documentation.html",
     "ui_locales_supported": ["en-US", "en-GB", "en-CA", "fr-FR", "fr-CA"]
    }"#;
    let m = parse_metadata_response(&json(200, doc), "https://server.example.com").unwrap();
    assert_eq!(
        m.token_endpoint.as_deref(),
        Some("https://server.example.com/token")
    );
    assert_eq!(
        m.extra["userinfo_endpoint"],
        "https://server.example.com/userinfo"
    );
    let s = AuthorizationServer::from_metadata(&m).unwrap();
    assert_eq!(
        s.token_endpoint().unwrap().as_str(),
        "https://server.example.com/token"
    );
    assert!(parse_metadata_response(&json(200, doc), "https://server.example.com/other").is_err());
    // RFC 8414 §3.1 example URL.
    let req = build_metadata_request("https://example.com/issuer1").unwrap();
    assert_eq!(
        req.uri(),
        "https://example.com/.well-known/oauth-authorization-server/issuer1"
    );
    assert_eq!(req.method(), http::Method::GET);
}

#[test]
fn rfc8693_token_exchange() {
    // RFC 8693 §2.3 example request and response.
    let req = TokenRequest::token_exchange(
        "accVkjcJyb4BWCxGsndESCJQbdFMogUC5PbRDqceLTC",
        token_type_uri::ACCESS_TOKEN,
    )
    .resource("https://backend.example.com/api")
    .build_token_request(
        &Client::new(
            "s6BhdRkqt3",
            ClientAuthentication::ClientSecretPost(ClientSecret::new("gX1fBat3bV")),
        ),
        &server(),
        UnixTime::from_secs(0),
        &rng(),
    )
    .unwrap();
    assert_eq!(
        body(&req),
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=accVkjcJyb4BWCxGsndESCJQbdFMogUC5PbRDqceLTC&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&resource=https%3A%2F%2Fbackend.example.com%2Fapi&client_id=s6BhdRkqt3&client_secret=gX1fBat3bV"
    );
    let resp = json(
        200,
        r#"{"access_token":"eyJhbGciOiJFUzI1NiIsImtpZCI6IjcyIn0.eyJhdWQiOiJodHRwczovL2JhY2tlbmQuZXhhbXBsZS5jb20iLCJpc3MiOiJodHRwczovL2FzLmV4YW1wbGUuY29tIiwiZXhwIjoxNDQxOTE3NTkzLCJpYXQiOjE0NDE5MTc1MzMsInN1YiI6ImJkY0BleGFtcGxlLmNvbSIsInNjb3BlIjoiYXBpIn0.40y3ZgQedw6rxf59WlwHDD9jryFOr0_Wh3CGozQBihNBhnXEQgU85AI9x3KmsPottVMLPIWvmDCMy5-kdXjwhw","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":60}"#,
    );
    let t = parse_token_exchange_response(&resp, &TokenResponseOptions::new()).unwrap();
    assert_eq!(
        t.issued_token_type.as_deref(),
        Some(token_type_uri::ACCESS_TOKEN)
    );
    // `N_A` is valid only in token exchange responses (RFC 8693 §2.2.1).
    let na = json(
        200,
        r#"{"access_token":"x","issued_token_type":"urn:ietf:params:oauth:token-type:jwt","token_type":"N_A"}"#,
    );
    assert_eq!(
        parse_token_exchange_response(&na, &TokenResponseOptions::new())
            .unwrap()
            .token_type,
        TokenType::NotApplicable
    );
    assert!(parse_token_response(&na, &TokenResponseOptions::new()).is_err());
    // `issued_token_type` is required.
    let missing = json(200, r#"{"access_token":"x","token_type":"Bearer"}"#);
    assert_eq!(
        parse_token_exchange_response(&missing, &TokenResponseOptions::new()).unwrap_err(),
        Error::Protocol(ProtocolError::MissingParameter("issued_token_type"))
    );
}

#[test]
fn rfc7523_jwt_bearer_grant_and_client_assertion() {
    let server = server();
    let signer = std::sync::Arc::new(ed25519_key());
    let client = Client::new("s6BhdRkqt3", ClientAuthentication::PrivateKeyJwt(signer));
    let now = UnixTime::from_secs(1_700_000_000);
    // RFC 7523 §2.1: the grant.
    let req = TokenRequest::jwt_bearer("eyJhbGciOiJFUzI1NiIsImtpZCI6IjE2In0.eyJpc3Mi.J9l-ZhwP")
        .build_token_request(&client, &server, now, &InsecureTestRandom::new(1))
        .unwrap();
    let f = form(&req);
    assert_eq!(
        f.get("grant_type"),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    assert_eq!(
        f.get("assertion"),
        Some("eyJhbGciOiJFUzI1NiIsImtpZCI6IjE2In0.eyJpc3Mi.J9l-ZhwP")
    );
    // RFC 7523 §2.2: the client assertion.
    assert_eq!(
        f.get("client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    let (h, payload) = jws::decode_unverified(f.get("client_assertion").unwrap()).unwrap();
    assert_eq!(h.alg, JwsAlgorithm::EdDSA);
    let c: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(c["iss"], "s6BhdRkqt3");
    assert_eq!(c["sub"], "s6BhdRkqt3");
    assert_eq!(c["aud"], "https://server.example.com/token");
    assert_eq!(c["iat"], 1_700_000_000);
    assert_eq!(c["exp"], 1_700_000_060);
    assert_eq!(c["jti"].as_str().unwrap().len(), 22);
}

/// RFC 8705 §5: a client that uses mutual TLS takes the `mtls_endpoint_aliases` entries
/// (the section's example aliases) in preference to the conventional endpoints.
#[test]
fn rfc8705_5_mtls_endpoint_aliases() {
    let doc = r#"{
      "issuer": "https://server.example.com",
      "authorization_endpoint": "https://server.example.com/authz",
      "token_endpoint": "https://server.example.com/token",
      "introspection_endpoint": "https://server.example.com/introspect",
      "revocation_endpoint": "https://server.example.com/revo",
      "pushed_authorization_request_endpoint": "https://server.example.com/par",
      "device_authorization_endpoint": "https://server.example.com/device",
      "mtls_endpoint_aliases": {
        "token_endpoint": "https://mtls.example.com/token",
        "revocation_endpoint": "https://mtls.example.com/revo",
        "introspection_endpoint": "https://mtls.example.com/introspect"
      }
    }"#;
    let m = AuthorizationServerMetadata::from_json(doc.as_bytes(), "https://server.example.com")
        .unwrap();
    let plain = AuthorizationServer::from_metadata(&m).unwrap();
    let mtls = AuthorizationServer::from_metadata_for_mtls(&m).unwrap();
    assert_eq!(
        plain.token_endpoint().unwrap().as_str(),
        "https://server.example.com/token"
    );
    assert_eq!(
        mtls.token_endpoint().unwrap().as_str(),
        "https://mtls.example.com/token"
    );
    assert_eq!(
        mtls.revocation_endpoint().unwrap().as_str(),
        "https://mtls.example.com/revo"
    );
    assert_eq!(
        mtls.introspection_endpoint().unwrap().as_str(),
        "https://mtls.example.com/introspect"
    );
    // Endpoints without an alias, and the browser's authorization endpoint, stay.
    assert_eq!(
        mtls.par_endpoint().unwrap().as_str(),
        "https://server.example.com/par"
    );
    assert_eq!(
        mtls.device_authorization_endpoint().unwrap().as_str(),
        "https://server.example.com/device"
    );
    assert_eq!(
        mtls.authorization_endpoint().unwrap(),
        plain.authorization_endpoint().unwrap()
    );
    assert_eq!(
        m.mtls_endpoint_alias("token_endpoint").unwrap(),
        Some("https://mtls.example.com/token")
    );
    assert_eq!(m.mtls_endpoint_alias("userinfo_endpoint").unwrap(), None);

    // An alias that is not a string, or not an acceptable endpoint, is refused.
    for aliases in [
        r#"{"token_endpoint": 7}"#,
        r#"{"token_endpoint": "http://mtls.example.com/token"}"#,
        r#"{"revocation_endpoint": "https://mtls.example.com/revo#x"}"#,
    ] {
        let doc = format!(
            r#"{{"issuer":"https://server.example.com","mtls_endpoint_aliases":{aliases}}}"#
        );
        let m =
            AuthorizationServerMetadata::from_json(doc.as_bytes(), "https://server.example.com")
                .unwrap();
        assert!(AuthorizationServer::from_metadata(&m).is_ok());
        assert!(
            AuthorizationServer::from_metadata_for_mtls(&m).is_err(),
            "{aliases}"
        );
    }
}

/// RFC 8414 §2.1: `signed_metadata` verified with the attester's keys; its values take
/// precedence over the plain members; every failure refuses the document.
#[test]
fn rfc8414_2_1_signed_metadata() {
    use authcore_oauth2::jose::{JwsHeader, VerifyingKey, jwt};
    let p = crypto::default_provider();
    let rng = InsecureTestRandom::new(11);
    let jwk = Jwk::generate(JwsAlgorithm::EdDSA, p, &rng).unwrap();
    let key = authcore_oauth2::jose::SigningKey::from_jwk(&jwk, None, p).unwrap();
    let keys = VerifyingKey::from_jwk(&jwk.to_public().unwrap(), None, p).unwrap();
    let other = Jwk::generate(JwsAlgorithm::EdDSA, p, &rng).unwrap();
    let other = authcore_oauth2::jose::SigningKey::from_jwk(&other, None, p).unwrap();
    const AS: &str = "https://server.example.com";
    const ATTESTER: &str = "https://federation.example.com";
    let now = UnixTime::from_secs(1_700_000_000);
    let sign = |claims: serde_json::Value, key: &authcore_oauth2::jose::SigningKey| {
        jwt::encode(&JwsHeader::new(JwsAlgorithm::EdDSA), &claims, key).unwrap()
    };
    let doc = |signed: &str| {
        serde_json::json!({
            "issuer": AS,
            "token_endpoint": "https://server.example.com/token",
            "scopes_supported": ["openid"],
            "signed_metadata": signed,
        })
        .to_string()
    };
    let parse = |body: &str| {
        AuthorizationServerMetadata::from_json_with_signed_metadata(
            body.as_bytes(),
            AS,
            &keys,
            ATTESTER,
            now,
        )
    };
    let good = sign(
        serde_json::json!({
            "iss": ATTESTER,
            "iat": 1_699_999_000,
            "exp": 1_700_003_600,
            "issuer": AS,
            "token_endpoint": "https://server.example.com/signed/token",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }),
        &key,
    );
    let m = parse(&doc(&good)).unwrap();
    assert_eq!(
        m.token_endpoint.as_deref(),
        Some("https://server.example.com/signed/token"),
        "the signed value takes precedence"
    );
    assert_eq!(
        m.token_endpoint_auth_methods_supported.as_deref(),
        Some(&["private_key_jwt".to_owned()][..])
    );
    assert_eq!(
        m.scopes_supported.as_deref(),
        Some(&["openid".to_owned()][..])
    );
    for jwt_claim in ["iss", "iat", "exp"] {
        assert!(
            !m.extra.contains_key(jwt_claim),
            "{jwt_claim} is not metadata"
        );
    }

    // Refused: another signer, another attester, an expired JWT, a signed issuer that is not
    // the expected one, a tampered signature, no or a non-string signed_metadata.
    let by_other = sign(serde_json::json!({"iss": ATTESTER}), &other);
    let wrong_attester = sign(serde_json::json!({"iss": "https://evil.example"}), &key);
    let expired = sign(
        serde_json::json!({"iss": ATTESTER, "exp": 1_600_000_000}),
        &key,
    );
    let other_issuer = sign(
        serde_json::json!({"iss": ATTESTER, "issuer": "https://evil.example"}),
        &key,
    );
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for signed in [
        &by_other,
        &wrong_attester,
        &expired,
        &other_issuer,
        &tampered,
    ] {
        assert!(parse(&doc(signed)).is_err(), "{signed}");
    }
    assert!(matches!(
        parse(&doc(&other_issuer)),
        Err(Error::Security(
            SecurityError::MetadataIssuerMismatch { .. }
        ))
    ));
    let plain = serde_json::json!({"issuer": AS}).to_string();
    assert!(matches!(
        parse(&plain),
        Err(Error::Protocol(ProtocolError::MissingParameter(
            "signed_metadata"
        )))
    ));
    let not_string = serde_json::json!({"issuer": AS, "signed_metadata": 1}).to_string();
    assert!(parse(&not_string).is_err());
    // Without verification the document parses, signed_metadata kept as received.
    let unverified = AuthorizationServerMetadata::from_json(doc(&good).as_bytes(), AS).unwrap();
    assert_eq!(
        unverified.token_endpoint.as_deref(),
        Some("https://server.example.com/token")
    );
    assert!(unverified.extra.contains_key("signed_metadata"));
}
