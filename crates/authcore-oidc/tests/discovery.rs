//! Discovery (OpenID Connect Discovery 1.0 §3, §4; RFC 8414): URLs, the request, the response
//! and every metadata check.

mod common;

use authcore_jose::JwsAlgorithm;
use authcore_oidc::{
    DiscoveryOptions, Error, MAX_METADATA_BYTES, MetadataError, ProviderMetadata,
    build_discovery_request, discovery_url, discovery_url_rfc8414, parse_discovery_response,
};
use common::*;
use http::Response;
use serde_json::{Value, json};

fn document() -> Value {
    json!({
        "issuer": ISSUER,
        "authorization_endpoint": "https://op.example/authorize",
        "token_endpoint": "https://op.example/token",
        "userinfo_endpoint": "https://op.example/userinfo",
        "jwks_uri": "https://op.example/jwks",
        "registration_endpoint": "https://op.example/register",
        "end_session_endpoint": "https://op.example/logout",
        "scopes_supported": ["openid", "profile", "email"],
        "response_types_supported": ["code", "code id_token", "id_token", "id_token token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA", "none"],
        "userinfo_signing_alg_values_supported": ["RS256"],
        "acr_values_supported": ["urn:mace:incommon:iap:silver"],
        "claims_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "x-vendor-feature": {"enabled": true}
    })
}

fn parse(doc: &Value) -> Result<ProviderMetadata, Error> {
    ProviderMetadata::from_json(doc.to_string().as_bytes(), ISSUER)
}

#[test]
fn discovery_urls() {
    assert_eq!(
        discovery_url("https://op.example").unwrap().as_str(),
        "https://op.example/.well-known/openid-configuration"
    );
    assert_eq!(
        discovery_url("https://op.example/tenant/")
            .unwrap()
            .as_str(),
        "https://op.example/tenant/.well-known/openid-configuration"
    );
    assert_eq!(
        discovery_url_rfc8414("https://op.example/tenant")
            .unwrap()
            .as_str(),
        "https://op.example/.well-known/openid-configuration/tenant"
    );
    assert_eq!(
        discovery_url("http://localhost:8080/realms/x")
            .unwrap()
            .as_str(),
        "http://localhost:8080/realms/x/.well-known/openid-configuration"
    );
    for bad in [
        "http://op.example",
        "https://op.example?x=1",
        "https://op.example#f",
        "op.example",
    ] {
        assert!(discovery_url(bad).is_err(), "{bad}");
        assert!(build_discovery_request(bad).is_err(), "{bad}");
    }
    let req = build_discovery_request("https://op.example/tenant").unwrap();
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(
        req.uri(),
        "https://op.example/tenant/.well-known/openid-configuration"
    );
    assert_eq!(req.headers()["accept"], "application/json");
    assert!(req.body().is_empty());
}

#[test]
fn a_complete_document() {
    let m = parse(&document()).unwrap();
    assert_eq!(m.issuer(), ISSUER);
    assert_eq!(m.authorization_endpoint(), "https://op.example/authorize");
    assert_eq!(m.jwks_uri(), "https://op.example/jwks");
    assert_eq!(
        m.userinfo_endpoint.as_deref(),
        Some("https://op.example/userinfo")
    );
    assert_eq!(
        m.end_session_endpoint.as_deref(),
        Some("https://op.example/logout")
    );
    assert_eq!(m.subject_types_supported, ["public", "pairwise"]);
    assert!(m.claims_parameter_supported && m.backchannel_logout_supported);
    assert!(m.request_uri_parameter_supported, "defaults to true");
    assert!(!m.request_parameter_supported, "defaults to false");
    assert_eq!(
        m.id_token_signing_algorithms(),
        [
            JwsAlgorithm::RS256,
            JwsAlgorithm::ES256,
            JwsAlgorithm::EdDSA
        ],
        "`none` skipped"
    );
    // Unknown members are kept; known ones are not duplicated there.
    assert_eq!(m.extra()["x-vendor-feature"], json!({"enabled": true}));
    assert!(!m.extra().contains_key("userinfo_endpoint"));
    assert!(m.oauth.supports_pkce_s256());
    // The OAuth 2.0 view.
    let server = m.authorization_server().unwrap();
    assert_eq!(server.issuer(), Some(ISSUER));
    assert!(server.iss_parameter_supported());
    assert_eq!(
        server.token_endpoint().unwrap().as_str(),
        "https://op.example/token"
    );
    let cache = m.jwks_cache(&[JwsAlgorithm::RS256]).unwrap();
    assert_eq!(cache.jwks_uri().as_str(), "https://op.example/jwks");
}

#[test]
fn issuer_must_match_exactly() {
    for expected in [
        "https://op.example/",
        "https://OP.example",
        "https://op.example/x",
    ] {
        assert_eq!(
            ProviderMetadata::from_json(document().to_string().as_bytes(), expected).unwrap_err(),
            Error::Metadata(MetadataError::IssuerMismatch {
                expected: expected.into(),
                received: ISSUER.into()
            })
        );
    }
    assert!(parse(&with(document(), "issuer", json!(5))).is_err());
    assert_eq!(
        parse(&without(document(), "issuer")).unwrap_err(),
        Error::Metadata(MetadataError::MissingMember("issuer"))
    );
}

#[test]
fn templated_issuer_is_an_explicit_opt_in() {
    let template = "https://login.example/{tenantid}/v2.0";
    let doc = with(document(), "issuer", json!(template));
    let expected = "https://login.example/common/v2.0";
    let body = doc.to_string();
    assert!(matches!(
        ProviderMetadata::from_json(body.as_bytes(), expected),
        Err(Error::Metadata(MetadataError::IssuerMismatch { .. }))
    ));
    let opts = DiscoveryOptions::new().insecure_accept_issuer_template(template);
    let m = ProviderMetadata::from_json_with(body.as_bytes(), expected, &opts).unwrap();
    assert!(m.templated_issuer);
    assert_eq!(m.issuer(), template);
    // Another template is still a mismatch; so is a "template" without placeholder.
    let other =
        DiscoveryOptions::new().insecure_accept_issuer_template("https://login.example/{x}/v2.0");
    assert!(ProviderMetadata::from_json_with(body.as_bytes(), expected, &other).is_err());
    let plain = with(document(), "issuer", json!("https://evil.example"));
    let opts = DiscoveryOptions::new().insecure_accept_issuer_template("https://evil.example");
    assert!(
        ProviderMetadata::from_json_with(plain.to_string().as_bytes(), expected, &opts).is_err()
    );
}

#[test]
fn required_members() {
    for name in [
        "authorization_endpoint",
        "jwks_uri",
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "token_endpoint",
    ] {
        assert_eq!(
            parse(&without(document(), name)).unwrap_err(),
            Error::Metadata(MetadataError::MissingMember(name)),
            "{name}"
        );
    }
    for name in [
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
    ] {
        assert!(
            matches!(
                parse(&with(document(), name, json!([]))),
                Err(Error::Metadata(MetadataError::InvalidMember { .. }))
            ),
            "{name} empty"
        );
    }
    // The token endpoint is optional for an implicit-only provider.
    let implicit = with(
        without(document(), "token_endpoint"),
        "response_types_supported",
        json!(["id_token", "id_token token"]),
    );
    assert!(parse(&implicit).is_ok());
}

#[test]
fn member_types() {
    for (name, value) in [
        ("userinfo_endpoint", json!(1)),
        ("subject_types_supported", json!("public")),
        ("id_token_signing_alg_values_supported", json!([1])),
        ("claims_parameter_supported", json!("true")),
        ("end_session_endpoint", json!([])),
        ("scopes_supported", json!("openid")),
        ("jwks_uri", json!({})),
    ] {
        assert!(
            parse(&with(document(), name, value.clone())).is_err(),
            "{name} = {value}"
        );
    }
    // Duplicate member names are rejected (strict JSON).
    let dup = br#"{"issuer":"https://op.example","issuer":"https://evil.example"}"#;
    assert!(ProviderMetadata::from_json(dup, ISSUER).is_err());
    assert!(ProviderMetadata::from_json(b"[]", ISSUER).is_err());
    assert!(ProviderMetadata::from_json(b"", ISSUER).is_err());
    let huge = vec![b' '; MAX_METADATA_BYTES + 1];
    assert!(ProviderMetadata::from_json(&huge, ISSUER).is_err());
}

/// The document read without the relying party's checks (as a server or a tool reads it).
fn parse_unchecked(doc: &Value) -> ProviderMetadata {
    ProviderMetadata::parse_json(doc.to_string().as_bytes()).unwrap()
}

#[test]
fn insecure_endpoints_are_refused_when_used() {
    let m = parse_unchecked(&with(
        document(),
        "token_endpoint",
        json!("http://op.example/token"),
    ));
    assert!(m.authorization_server().is_err());
    assert!(m.check_endpoints().is_err());
    let m = parse_unchecked(&with(
        document(),
        "jwks_uri",
        json!("http://op.example/jwks"),
    ));
    assert!(m.jwks_cache(&[JwsAlgorithm::RS256]).is_err());
    assert!(m.check_endpoints().is_err());
}

#[test]
fn insecure_endpoints_are_refused_at_discovery() {
    let members = [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "registration_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "device_authorization_endpoint",
        "pushed_authorization_request_endpoint",
        "userinfo_endpoint",
        "end_session_endpoint",
        "check_session_iframe",
    ];
    for name in members {
        for bad in ["http://op.example/x", "https://op.example/x#f", "/relative"] {
            let doc = with(document(), name, json!(bad));
            match parse(&doc) {
                Err(Error::Metadata(MetadataError::InvalidEndpoint { name: n, .. })) => {
                    assert_eq!(n, name, "{bad}")
                }
                other => panic!("{name} = {bad}: {other:?}"),
            }
            let resp = json_response(200, &doc.to_string());
            assert!(
                parse_discovery_response(&resp, ISSUER, &DiscoveryOptions::new()).is_err(),
                "{name} = {bad}"
            );
        }
        // Loopback hosts stay allowed over plain http (RFC 8252 §7.3), as everywhere.
        for good in [
            "http://127.0.0.1:8080/x",
            "http://localhost/x",
            "http://[::1]/x",
        ] {
            assert!(
                parse(&with(document(), name, json!(good))).is_ok(),
                "{name} = {good}"
            );
        }
    }
    let mut doc = document();
    doc["mtls_endpoint_aliases"] = json!({"token_endpoint": "http://mtls.op.example/token"});
    assert!(matches!(
        parse(&doc),
        Err(Error::Metadata(MetadataError::InvalidEndpoint {
            name: "mtls_endpoint_aliases",
            ..
        }))
    ));
    let err = parse(&with(
        document(),
        "jwks_uri",
        json!("http://op.example/jwks"),
    ))
    .unwrap_err();
    assert!(err.to_string().contains("jwks_uri"), "{err}");
}

#[test]
fn the_http_response() {
    let body = document().to_string();
    let resp = json_response(200, &body);
    assert!(parse_discovery_response(&resp, ISSUER, &DiscoveryOptions::new()).is_ok());
    let jsonish = Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.clone().into_bytes())
        .unwrap();
    assert!(parse_discovery_response(&jsonish, ISSUER, &DiscoveryOptions::new()).is_ok());
    let html = Response::builder()
        .status(200)
        .header("content-type", "text/html")
        .body(body.clone().into_bytes())
        .unwrap();
    assert!(matches!(
        parse_discovery_response(&html, ISSUER, &DiscoveryOptions::new()),
        Err(Error::OAuth2(authcore_oauth2::Error::Protocol(
            authcore_oauth2::ProtocolError::ContentType { .. }
        )))
    ));
    let missing = json_response(404, "{}");
    assert!(matches!(
        parse_discovery_response(&missing, ISSUER, &DiscoveryOptions::new()),
        Err(Error::OAuth2(authcore_oauth2::Error::Protocol(
            authcore_oauth2::ProtocolError::UnexpectedStatus { status: 404 }
        )))
    ));
}

#[test]
fn mtls_endpoint_aliases_for_mutual_tls_clients() {
    let mut doc = document();
    doc["mtls_endpoint_aliases"] = json!({
        "token_endpoint": "https://mtls.op.example/token",
        "userinfo_endpoint": "https://mtls.op.example/userinfo"
    });
    let m = parse(&doc).unwrap();
    assert_eq!(
        m.authorization_server_for_mtls()
            .unwrap()
            .token_endpoint()
            .unwrap()
            .as_str(),
        "https://mtls.op.example/token"
    );
    assert_eq!(
        m.authorization_server()
            .unwrap()
            .token_endpoint()
            .unwrap()
            .as_str(),
        "https://op.example/token"
    );
    assert_eq!(
        m.userinfo_endpoint_for_mtls().unwrap(),
        Some("https://mtls.op.example/userinfo")
    );
    // Without an alias, the conventional endpoint.
    let plain = parse(&document()).unwrap();
    assert_eq!(
        plain.userinfo_endpoint_for_mtls().unwrap(),
        Some("https://op.example/userinfo")
    );
    doc["mtls_endpoint_aliases"] = json!({"userinfo_endpoint": ["https://x"]});
    assert!(parse(&doc).unwrap().userinfo_endpoint_for_mtls().is_err());
}

#[test]
fn an_insecure_jwks_uri_is_the_providers_fault() {
    let mut doc = document();
    doc["jwks_uri"] = json!("http://op.example/jwks");
    assert!(matches!(
        parse(&doc),
        Err(Error::Metadata(MetadataError::InvalidEndpoint {
            name: "jwks_uri",
            ..
        }))
    ));
    let m = parse_unchecked(&doc);
    assert!(matches!(
        m.jwks_cache(&[JwsAlgorithm::RS256]),
        Err(Error::Metadata(MetadataError::InvalidEndpoint {
            name: "jwks_uri",
            ..
        }))
    ));
    // An insecure endpoint of the OAuth 2.0 view is the provider's fault too.
    let mut doc = document();
    doc["token_endpoint"] = json!("http://op.example/token");
    assert!(matches!(
        parse_unchecked(&doc).authorization_server(),
        Err(Error::OAuth2(authcore_oauth2::Error::Protocol(
            authcore_oauth2::ProtocolError::InvalidEndpoint {
                name: "token_endpoint",
                ..
            }
        )))
    ));
    // The same URL given by the caller to the cache directly is the caller's misuse.
    assert!(matches!(
        authcore_oidc::JwksCache::new("http://op.example/jwks", &[JwsAlgorithm::RS256]),
        Err(Error::OAuth2(
            authcore_oauth2::Error::InvalidEndpoint { .. }
        ))
    ));
}

#[test]
fn errors_expose_their_cause() {
    use std::error::Error as _;
    let mut doc = document();
    doc["issuer"] = json!("https://evil.example");
    let e = parse(&doc).unwrap_err();
    let cause = e.source().expect("the metadata error is the cause");
    assert!(cause.to_string().contains("evil.example"));
    let e: Error =
        authcore_oauth2::Error::Protocol(authcore_oauth2::ProtocolError::Json("x".into())).into();
    assert!(e.source().and_then(|s| s.source()).is_some());
    assert!(Error::Misuse("x").source().is_none());
}

/// Discovery §3 (and RFC 9701 §7): the encryption a client registers for must be one the
/// provider lists; anything else is refused by name before a request is made.
#[test]
fn encryption_is_configured_only_as_the_provider_lists_it() {
    use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
    use authcore_oauth2::JweAlgorithms;
    let mut doc = document();
    let o = doc.as_object_mut().unwrap();
    for kind in ["id_token", "userinfo", "request_object", "introspection"] {
        o.insert(
            format!("{kind}_encryption_alg_values_supported"),
            json!(["RSA-OAEP-256", "ECDH-ES"]),
        );
        o.insert(
            format!("{kind}_encryption_enc_values_supported"),
            json!(["A256GCM", "A128CBC-HS256"]),
        );
    }
    let m = parse(&doc).unwrap();
    assert_eq!(
        m.request_object_encryption_alg_values_supported.as_deref(),
        Some(&["RSA-OAEP-256".to_owned(), "ECDH-ES".to_owned()][..])
    );
    assert_eq!(
        m.oauth
            .introspection_encryption_enc_values_supported
            .as_deref(),
        Some(&["A256GCM".to_owned(), "A128CBC-HS256".to_owned()][..])
    );
    let listed = JweAlgorithms::new(Alg::EcdhEs, Enc::A256Gcm);
    let defaulted = JweAlgorithms::with_default_enc(Alg::RsaOaep256);
    type Check = fn(&ProviderMetadata, &JweAlgorithms) -> Result<(), Error>;
    let checks: [(Check, &str); 4] = [
        (ProviderMetadata::check_id_token_encryption, "id_token"),
        (ProviderMetadata::check_userinfo_encryption, "userinfo"),
        (
            ProviderMetadata::check_request_object_encryption,
            "request_object",
        ),
        (
            ProviderMetadata::check_introspection_encryption,
            "introspection",
        ),
    ];
    for (check, kind) in checks {
        check(&m, &listed).unwrap();
        check(&m, &defaulted).unwrap();
        let e = check(&m, &JweAlgorithms::new(Alg::RsaOaep, Enc::A256Gcm)).unwrap_err();
        let alg_member = format!("{kind}_encryption_alg_values_supported");
        assert!(
            matches!(&e, Error::OAuth2(authcore_oauth2::Error::NotAdvertised { member, value })
                if *member == alg_member && value == "RSA-OAEP"),
            "{e:?}"
        );
        assert!(e.to_string().contains("RSA-OAEP"), "{e}");
        let e = check(&m, &JweAlgorithms::new(Alg::EcdhEs, Enc::A192Gcm)).unwrap_err();
        let enc_member = format!("{kind}_encryption_enc_values_supported");
        assert!(
            matches!(&e, Error::OAuth2(authcore_oauth2::Error::NotAdvertised { member, value })
                if *member == enc_member && value == "A192GCM"),
            "{e:?}"
        );
    }
    // A provider that lists no encryption at all encrypts nothing for the client.
    let plain = parse(&document()).unwrap();
    for (check, _) in checks {
        assert!(matches!(
            check(&plain, &listed),
            Err(Error::OAuth2(authcore_oauth2::Error::NotAdvertised { .. }))
        ));
    }
}
