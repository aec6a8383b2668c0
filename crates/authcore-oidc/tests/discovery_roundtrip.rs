//! OpenID provider metadata as a side-neutral wire type: `parse(serialize(x)) == x`, and the
//! strict parse without the client's issuer check.

use authcore_oauth2::AuthorizationServerMetadata;
use authcore_oidc::{Error, MetadataError, ProviderMetadata, parse_discovery_response};
use proptest::prelude::*;

fn texts() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("\\PC{1,12}", 0..3)
}

fn opt_texts() -> impl Strategy<Value = Option<Vec<String>>> {
    proptest::option::of(texts())
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("\\PC{1,12}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn provider_metadata_round_trips(
        issuer in "https://[a-z]{1,8}\\.example",
        code in any::<bool>(),
        subject_types in proptest::collection::vec("\\PC{1,8}", 1..3),
        algs in proptest::collection::vec("[A-Z0-9]{2,6}", 1..3),
        lists in proptest::collection::vec(opt_texts(), 13),
        strings in proptest::collection::vec(opt_text(), 4),
        endpoints in proptest::collection::vec(proptest::option::of("[a-z0-9/]{1,12}"), 3),
        flags in proptest::collection::vec(any::<bool>(), 8),
    ) {
        let mut oauth = AuthorizationServerMetadata::new(issuer.clone());
        oauth.authorization_endpoint = Some(format!("{issuer}/authorize"));
        oauth.jwks_uri = Some(format!("{issuer}/jwks"));
        // Discovery §3: the token endpoint is required unless only the implicit flow is used.
        if code {
            oauth.response_types_supported = Some(vec!["code".into()]);
            oauth.token_endpoint = Some(format!("{issuer}/token"));
        } else {
            oauth.response_types_supported = Some(vec!["id_token".into()]);
        }
        let mut m = ProviderMetadata::new(oauth, subject_types, algs);
        // Endpoints are URLs: the client's parse refuses any that is not https (or loopback).
        let endpoint = |p: &Option<String>| p.as_ref().map(|p| format!("{issuer}/{p}"));
        m.userinfo_endpoint = endpoint(&endpoints[0]);
        m.service_documentation = strings[1].clone();
        m.op_policy_uri = strings[2].clone();
        m.op_tos_uri = strings[3].clone();
        m.end_session_endpoint = endpoint(&endpoints[1]);
        m.check_session_iframe = endpoint(&endpoints[2]);
        m.id_token_encryption_alg_values_supported = lists[0].clone();
        m.id_token_encryption_enc_values_supported = lists[1].clone();
        m.userinfo_signing_alg_values_supported = lists[2].clone();
        m.userinfo_encryption_alg_values_supported = lists[3].clone();
        m.userinfo_encryption_enc_values_supported = lists[4].clone();
        m.acr_values_supported = lists[5].clone();
        m.display_values_supported = lists[6].clone();
        m.claim_types_supported = lists[7].clone();
        m.claims_supported = lists[8].clone();
        m.claims_locales_supported = lists[9].clone();
        m.ui_locales_supported = lists[10].clone();
        m.request_object_encryption_alg_values_supported = lists[11].clone();
        m.request_object_encryption_enc_values_supported = lists[12].clone();
        m.claims_parameter_supported = flags[0];
        m.request_parameter_supported = flags[1];
        m.request_uri_parameter_supported = flags[2];
        m.require_request_uri_registration = flags[3];
        m.frontchannel_logout_supported = flags[4];
        m.frontchannel_logout_session_supported = flags[5];
        m.backchannel_logout_supported = flags[6];
        m.backchannel_logout_session_supported = flags[7];
        m.oauth.extra.insert("x_vendor".into(), serde_json::json!({"a": [1, true]}));
        prop_assert_eq!(ProviderMetadata::parse_json(&m.to_json()).unwrap(), m.clone());
        let resp = m.to_http_response();
        prop_assert_eq!(
            parse_discovery_response(&resp, &issuer, &Default::default()).unwrap(),
            m
        );
    }
}

#[test]
fn the_strict_parse_checks_the_spec_and_leaves_the_issuer_to_the_client() {
    let mut oauth = AuthorizationServerMetadata::new("https://op.example");
    oauth.authorization_endpoint = Some("https://op.example/authorize".into());
    oauth.jwks_uri = Some("https://op.example/jwks".into());
    oauth.response_types_supported = Some(vec!["code".into()]);
    oauth.token_endpoint = Some("https://op.example/token".into());
    let m = ProviderMetadata::new(oauth, vec!["public".into()], vec!["RS256".into()]);
    let body = m.to_json();
    // The wire parse accepts any issuer; the client's parse compares it.
    assert!(ProviderMetadata::parse_json(&body).is_ok());
    assert!(matches!(
        ProviderMetadata::from_json(&body, "https://other.example"),
        Err(Error::Metadata(MetadataError::IssuerMismatch { .. }))
    ));
    // Required members and JSON types are the spec's rules: checked by the wire parse.
    let mut without = m.clone();
    without.subject_types_supported.clear();
    assert!(matches!(
        ProviderMetadata::parse_json(&without.to_json()),
        Err(Error::Metadata(MetadataError::InvalidMember {
            name: "subject_types_supported",
            ..
        }))
    ));
    let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["claims_parameter_supported"] = serde_json::json!("yes");
    assert!(matches!(
        ProviderMetadata::parse_json(v.to_string().as_bytes()),
        Err(Error::Metadata(MetadataError::InvalidMember {
            name: "claims_parameter_supported",
            ..
        }))
    ));
    v["claims_parameter_supported"] = serde_json::json!(true);
    let dup = format!(
        "{{\"issuer\":\"https://op.example\",{}",
        &v.to_string()[1..]
    );
    assert!(ProviderMetadata::parse_json(dup.as_bytes()).is_err());
}
