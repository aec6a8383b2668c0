//! Aggregated and distributed claims (OpenID Connect Core 1.0 §5.6.2), with the section's
//! example responses: references read, Claims Provider JWTs verified, values merged.

mod common;

use authcore_jose::JwsAlgorithm;
use authcore_oauth2::AccessToken;
use authcore_oidc::{
    ClaimSourceKind, Error, TokenError, UserInfoError, build_distributed_claims_request,
    claim_sources, parse_distributed_claims_response, parse_userinfo_json, verify_claims_jwt,
};
use common::*;
use serde_json::{Map, Value, json};

const CLAIMS_PROVIDER: &str = "https://server.otherop.com";

/// A Claims Provider JWT signed with the stub's ES256 key (standing in for the Claims
/// Provider's).
fn provider_jwt(claims: Value) -> String {
    Op::new().sign(JwsAlgorithm::ES256, &claims)
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// §5.6.2.1's example: address and phone number from `src1`, a JWT in the response.
#[test]
fn aggregated_claims_of_the_core_example() {
    let src1 = provider_jwt(json!({
        "iss": CLAIMS_PROVIDER,
        "address": {
            "street_address": "1234 Hollywood Blvd.",
            "locality": "Los Angeles",
            "region": "CA",
            "postal_code": "90210",
            "country": "US"
        },
        "phone_number": "+1 (310) 123-4567",
        // Not referred to this source: never taken.
        "sub": "someone-else",
        "email": "attacker@example.com"
    }));
    let body = json!({
        "sub": SUB,
        "name": "Jane Doe",
        "given_name": "Jane",
        "family_name": "Doe",
        "birthdate": "0000-03-22",
        "eye_color": "blue",
        "email": "janedoe@example.com",
        "_claim_names": {"address": "src1", "phone_number": "src1"},
        "_claim_sources": {"src1": {"JWT": src1}}
    });
    let mut info = parse_userinfo_json(body.to_string().as_bytes(), SUB).unwrap();
    let sources = claim_sources(&info.extra).unwrap();
    assert_eq!(sources.len(), 1);
    let s = &sources[0];
    assert_eq!(s.name, "src1");
    assert_eq!(s.claims, ["address", "phone_number"]);
    assert!(matches!(s.kind, ClaimSourceKind::Aggregated { .. }));

    let keys = Op::new().keys();
    let values = s
        .verify_aggregated(&keys, Some(CLAIMS_PROVIDER), CLIENT, now())
        .unwrap();
    let mut names: Vec<&str> = values.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["address", "phone_number"]);
    info.insert_source_claims(values).unwrap();
    let address = info.standard.address.as_ref().expect("typed address");
    assert_eq!(address.locality.as_deref(), Some("Los Angeles"));
    assert_eq!(
        info.standard.phone_number.as_deref(),
        Some("+1 (310) 123-4567")
    );
    assert_eq!(info.sub, SUB);
    assert_eq!(info.standard.email.as_deref(), Some("janedoe@example.com"));

    // Another Claims Provider, another key, an audience without the client, an expired JWT:
    // refused.
    assert!(
        s.verify_aggregated(&keys, Some("https://other.example"), CLIENT, now())
            .is_err()
    );
    let other_key = authcore_jose::VerifyingKeys::new();
    assert!(
        s.verify_aggregated(&other_key, None, CLIENT, now())
            .is_err()
    );
    for claims in [
        json!({"iss": CLAIMS_PROVIDER, "aud": "another-client", "phone_number": "1"}),
        json!({"iss": CLAIMS_PROVIDER, "exp": 1, "phone_number": "1"}),
    ] {
        assert!(
            verify_claims_jwt(
                &provider_jwt(claims.clone()),
                s,
                &keys,
                Some(CLAIMS_PROVIDER),
                CLIENT,
                now()
            )
            .is_err(),
            "{claims}"
        );
    }
    let for_us = json!({"iss": CLAIMS_PROVIDER, "aud": CLIENT, "phone_number": "2"});
    assert_eq!(
        verify_claims_jwt(&provider_jwt(for_us), s, &keys, None, CLIENT, now()).unwrap()["phone_number"],
        "2"
    );
    // A distributed request for an aggregated source is a misuse.
    assert!(matches!(
        build_distributed_claims_request(s, None),
        Err(Error::Misuse(_))
    ));
}

/// §5.6.2.2's example: two endpoints, one with an access token.
#[test]
fn distributed_claims_of_the_core_example() {
    let body = json!({
        "sub": SUB,
        "name": "Jane Doe",
        "email": "janedoe@example.com",
        "_claim_names": {
            "payment_info": "src1",
            "shipping_address": "src1",
            "credit_score": "src2"
        },
        "_claim_sources": {
            "src1": {"endpoint": "https://bank.example.com/claim_source"},
            "src2": {
                "endpoint": "https://creditagency.example.com/claims_here",
                "access_token": "ksj3n283dke"
            }
        }
    });
    let mut info = parse_userinfo_json(body.to_string().as_bytes(), SUB).unwrap();
    let sources = claim_sources(&info.extra).unwrap();
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["src1", "src2"]);
    assert_eq!(sources[0].claims, ["payment_info", "shipping_address"]);
    assert_eq!(sources[1].claims, ["credit_score"]);

    // src2 brings its own access token; src1 needs the caller's (or goes without).
    let req = build_distributed_claims_request(&sources[1], None).unwrap();
    assert_eq!(req.uri(), "https://creditagency.example.com/claims_here");
    assert_eq!(req.headers()["authorization"], "Bearer ksj3n283dke");
    assert_eq!(req.headers()["accept"], "application/jwt");
    let bare = build_distributed_claims_request(&sources[0], None).unwrap();
    assert!(!bare.headers().contains_key("authorization"));
    let mine = AccessToken::new("out-of-band");
    let with_mine = build_distributed_claims_request(&sources[0], Some(&mine)).unwrap();
    assert_eq!(with_mine.headers()["authorization"], "Bearer out-of-band");
    assert!(matches!(
        sources[0].verify_aggregated(&Op::new().keys(), None, CLIENT, now()),
        Err(Error::Misuse(_))
    ));

    let keys = Op::new().keys();
    let answer = |status: u16, body: String| {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/jwt")
            .body(body.into_bytes())
            .unwrap()
    };
    let jwt = provider_jwt(json!({"iss": "https://creditagency.example.com", "credit_score": 650}));
    let values = parse_distributed_claims_response(
        &answer(200, jwt),
        &sources[1],
        &keys,
        Some("https://creditagency.example.com"),
        CLIENT,
        now(),
    )
    .unwrap();
    info.insert_source_claims(values).unwrap();
    assert_eq!(info.extra["credit_score"], 650);
    assert!(matches!(
        parse_distributed_claims_response(
            &answer(401, String::new()),
            &sources[1],
            &keys,
            None,
            CLIENT,
            now()
        ),
        Err(Error::OAuth2(_))
    ));
}

#[test]
fn malformed_references_are_refused() {
    let jwt = provider_jwt(json!({"iss": CLAIMS_PROVIDER}));
    for refs in [
        json!({"_claim_names": {"a": "src1"}}),
        json!({"_claim_sources": {"src1": {"JWT": jwt}}}),
        json!({"_claim_names": [], "_claim_sources": {}}),
        json!({"_claim_names": {"a": 1}, "_claim_sources": {"src1": {"JWT": jwt}}}),
        json!({"_claim_names": {"a": "src2"}, "_claim_sources": {"src1": {"JWT": jwt}}}),
        json!({"_claim_names": {"a": "src1"}, "_claim_sources": {"src1": {}}}),
        json!({"_claim_names": {"a": "src1"},
               "_claim_sources": {"src1": {"JWT": jwt, "endpoint": "https://x.example"}}}),
        json!({"_claim_names": {"a": "src1"}, "_claim_sources": {"src1": {"JWT": 7}}}),
        json!({"_claim_names": {"a": "src1"},
               "_claim_sources": {"src1": {"endpoint": "http://bank.example/claims"}}}),
    ] {
        assert!(claim_sources(&object(refs.clone())).is_err(), "{refs}");
    }
    assert!(claim_sources(&Map::new()).unwrap().is_empty());

    // Merged values are type-checked like the response's own; `sub` is never replaced.
    let body = json!({"sub": SUB});
    let mut info = parse_userinfo_json(body.to_string().as_bytes(), SUB).unwrap();
    assert_eq!(
        info.insert_source_claims(object(json!({"email_verified": "yes"}))),
        Err(Error::Token(TokenError::WrongType("email_verified")))
    );
    assert_eq!(
        info.insert_source_claims(object(json!({"sub": "mallory"}))),
        Err(Error::UserInfo(UserInfoError::ClaimSources(
            "a Claims Provider cannot set sub"
        )))
    );
    assert_eq!(info.sub, SUB);
}

#[test]
fn an_insecure_claim_source_endpoint_is_the_servers_fault() {
    let refs = json!({"_claim_names": {"a": "src1"},
                      "_claim_sources": {"src1": {"endpoint": "http://bank.example/claims"}}});
    assert!(matches!(
        claim_sources(&object(refs)),
        Err(Error::OAuth2(authcore_oauth2::Error::Protocol(
            authcore_oauth2::ProtocolError::InvalidEndpoint {
                name: "endpoint",
                ..
            }
        )))
    ));
}
