//! OpenID Connect Core 1.0 Appendix A examples (`vectors/oidc/core-examples.json`): the
//! example ID tokens validate with the A.1 key under their response types, their `at_hash`
//! and `c_hash` match, and every tampered variant is rejected.

use authcore_jose::{JwsAlgorithm, UnixTime, crypto};
use authcore_oidc::{
    Error, IdTokenExpectations, IdTokenVerifier, JwksAction, JwksCache, ResponseType, TokenError,
    token_hash,
};
use serde_json::Value;

fn doc() -> Value {
    serde_json::from_str(include_str!("../../../vectors/oidc/core-examples.json")).unwrap()
}

fn cache(doc: &Value, now: UnixTime) -> JwksCache {
    let mut c = JwksCache::new("https://server.example.com/jwks", &[JwsAlgorithm::RS256]).unwrap();
    let JwksAction::Fetch(_) = c.poll(now) else {
        panic!("first poll fetches")
    };
    let resp = http::Response::builder()
        .status(200)
        .body(doc["jwks"].to_string().into_bytes())
        .unwrap();
    c.handle_response(&resp, now).unwrap();
    c
}

#[test]
fn core_appendix_a_examples() {
    let doc = doc();
    let now = UnixTime::from_secs(doc["now"].as_u64().unwrap());
    let keys = cache(&doc, now);
    let v = IdTokenVerifier::new(
        doc["issuer"].as_str().unwrap(),
        doc["client_id"].as_str().unwrap(),
    );
    let nonce = doc["nonce"].as_str().unwrap();
    let p = crypto::default_provider();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let rt = ResponseType::parse(case["response_type"].as_str().unwrap()).unwrap();
        let token = case["id_token"].as_str().unwrap();
        let at = case["access_token"].as_str();
        let code = case["code"].as_str();
        if let (Some(at), Some(h)) = (at, case["at_hash"].as_str()) {
            assert_eq!(token_hash(JwsAlgorithm::RS256, at, p), h, "{name}");
        }
        if let (Some(c), Some(h)) = (code, case["c_hash"].as_str()) {
            assert_eq!(token_hash(JwsAlgorithm::RS256, c, p), h, "{name}");
        }
        let mut e = IdTokenExpectations::authorization_endpoint(rt).nonce(nonce);
        if let Some(a) = at {
            e = e.access_token(a);
        }
        if let Some(c) = code {
            e = e.code(c);
        }
        let claims = v
            .validate(token, &keys, &e, now)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(claims.sub, case["sub"].as_str().unwrap(), "{name}");

        // Tampered: one signature bit, one payload character, the nonce, the covered values,
        // the clock.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut sig = authcore_jose::b64::decode(&parts[2]).unwrap();
        sig[0] ^= 0x80;
        parts[2] = authcore_jose::b64::encode(&sig);
        assert!(
            v.validate(&parts.join("."), &keys, &e, now).is_err(),
            "{name}"
        );
        let mut payload = authcore_jose::b64::decode(token.split('.').nth(1).unwrap()).unwrap();
        let pos = payload.iter().position(|&b| b == b'8').unwrap();
        payload[pos] = b'9';
        let forged = format!(
            "{}.{}.{}",
            token.split('.').next().unwrap(),
            authcore_jose::b64::encode(&payload),
            token.split('.').nth(2).unwrap()
        );
        assert_eq!(
            v.validate(&forged, &keys, &e, now).unwrap_err(),
            Error::Jose(authcore_jose::Error::InvalidSignature),
            "{name}"
        );
        let other_nonce = IdTokenExpectations::authorization_endpoint(rt)
            .nonce("n-0S6_WzA2Mk")
            .access_token(at.unwrap_or(""))
            .code(code.unwrap_or(""));
        assert!(
            v.validate(token, &keys, &other_nonce, now).is_err(),
            "{name}"
        );
        if at.is_some() {
            let wrong = IdTokenExpectations::authorization_endpoint(rt)
                .nonce(nonce)
                .access_token("another-access-token");
            assert_eq!(
                v.validate(token, &keys, &wrong, now).unwrap_err(),
                Error::Token(TokenError::HashMismatch("at_hash")),
                "{name}"
            );
        }
        if code.is_some() {
            let wrong = IdTokenExpectations::authorization_endpoint(rt)
                .nonce(nonce)
                .code("another-code");
            assert_eq!(
                v.validate(token, &keys, &wrong, now).unwrap_err(),
                Error::Token(TokenError::HashMismatch("c_hash")),
                "{name}"
            );
        }
        assert!(matches!(
            v.validate(token, &keys, &e, UnixTime::from_secs(1_311_281_970)),
            Err(Error::Token(TokenError::Expired { .. }))
        ));
        // Another client, another issuer.
        let other = IdTokenVerifier::new("https://server.example.com", "s6BhdRkqt3");
        assert!(other.validate(token, &keys, &e, now).is_err(), "{name}");
        let other = IdTokenVerifier::new("http://server.example.com", "client2");
        assert!(other.validate(token, &keys, &e, now).is_err(), "{name}");
    }
}

/// Back-Channel Logout 1.0 §2.4 example claims set (`vectors/oidc/backchannel-logout-example.json`),
/// signed here, validates; its variants breaking §2.6 do not.
#[test]
fn backchannel_logout_example() {
    use authcore_jose::{InsecureTestRandom, Jwk, JwkSet, JwsHeader, SigningKey, jwt};
    let doc: Value = serde_json::from_str(include_str!(
        "../../../vectors/oidc/backchannel-logout-example.json"
    ))
    .unwrap();
    let c = &doc["claims"];
    let p = crypto::default_provider();
    let mut private = Jwk::generate(JwsAlgorithm::EdDSA, p, &InsecureTestRandom::new(3)).unwrap();
    private.kid = Some("k".into());
    let key = SigningKey::from_jwk(&private, None, p).unwrap();
    let set = JwkSet::new(vec![private.to_public().unwrap()]);
    let keys = authcore_jose::VerifyingKeys::from_jwk_set(
        &set,
        &[JwsAlgorithm::EdDSA],
        p,
        &Default::default(),
    )
    .unwrap();
    let v = IdTokenVerifier::new(
        c["iss"].as_str().unwrap(),
        doc["client_id"].as_str().unwrap(),
    )
    .id_token_signed_response_alg(JwsAlgorithm::EdDSA)
    .unwrap();
    let now = UnixTime::from_secs(c["iat"].as_u64().unwrap() + 10);
    let sign = |claims: &Value| {
        jwt::encode(
            &JwsHeader::new(JwsAlgorithm::EdDSA)
                .with_kid("k")
                .with_typ("logout+jwt"),
            claims,
            &key,
        )
        .unwrap()
    };
    let t = v.validate_logout_token(&sign(c), &keys, now).unwrap();
    assert_eq!(t.jti, "bWJq");
    assert_eq!(
        t.sid.as_deref(),
        Some("08a5019c-17e1-4977-8f42-65a12843ea02")
    );
    assert_eq!(t.sub.as_deref(), Some("248289761001"));
    let mut with_nonce = c.clone();
    with_nonce["nonce"] = "n-0S6_WzA2Mj".into();
    assert!(
        v.validate_logout_token(&sign(&with_nonce), &keys, now)
            .is_err()
    );
    let mut no_event = c.clone();
    no_event["events"] = serde_json::json!({});
    assert!(
        v.validate_logout_token(&sign(&no_event), &keys, now)
            .is_err()
    );
    let mut no_jti = c.clone();
    no_jti.as_object_mut().unwrap().remove("jti");
    assert!(v.validate_logout_token(&sign(&no_jti), &keys, now).is_err());
    assert!(
        v.validate_logout_token(&sign(c), &keys, UnixTime::from_secs(1_471_566_154 + 3600))
            .is_err(),
        "outside the iat window"
    );
}
