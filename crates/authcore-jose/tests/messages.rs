//! Errors that say what to do: the one-call JWK Set path refuses a set with no usable key and
//! says why each key was skipped; whitespace in a compact token is named with its part; a JWK
//! and a JWK Set given for each other say so; a refused `alg` names the expected ones.

use authcore_jose::crypto::{self, VerifyOptions};
use authcore_jose::{
    Error, InsecureTestRandom, Jwk, JwkSet, JwsAlgorithm, JwsHeader, SigningKey, UnixTime,
    VerifyingKey, VerifyingKeys, jws, jwt,
};

fn es256_pair(kid: &str) -> (SigningKey, Jwk) {
    let provider = crypto::default_provider();
    let private =
        Jwk::generate(JwsAlgorithm::ES256, provider, &InsecureTestRandom::new(7)).unwrap();
    let mut public = private.to_public().unwrap();
    public.kid = Some(kid.into());
    let signer = SigningKey::from_jwk(&private, None, provider)
        .unwrap()
        .with_kid(kid);
    (signer, public)
}

fn set_json(keys: &[&str]) -> String {
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

#[test]
fn one_call_path_verifies_against_a_jwk_set() {
    let (signer, public) = es256_pair("k1");
    let jwks = JwkSet::new(vec![public]).to_json();
    let keys = VerifyingKeys::from_jwk_set_json(&jwks, &[JwsAlgorithm::ES256, JwsAlgorithm::RS256])
        .unwrap();
    assert_eq!(keys.len(), 1);
    let token = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::ES256),
        &serde_json::json!({"iss": "https://issuer.example", "aud": "api", "exp": 2_000}),
        &signer,
    )
    .unwrap();
    let validation = jwt::Validation::new()
        .issuer("https://issuer.example")
        .audience("api");
    let verified = jwt::verify(&token, &keys, &validation, UnixTime::from_secs(1_000)).unwrap();
    assert_eq!(verified.header.kid.as_deref(), Some("k1"));
}

#[test]
fn a_set_with_no_usable_key_is_refused_with_each_reason() {
    let (_, public) = es256_pair("ec-1");
    let ec = public.to_json();
    let oct = r#"{"kty":"oct","kid":"hmac-1","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
    let enc = {
        let (_, mut p) = es256_pair("ec-enc");
        p.key_use = Some("enc".into());
        p.alg = None;
        p.to_json()
    };
    let other_alg = {
        let (_, mut p) = es256_pair("ec-384");
        p.alg = Some("ES384".into());
        p.to_json()
    };
    let unknown_kty = r#"{"kty":"XYZ","kid":"odd","use":"sig"}"#;
    let jwks = set_json(&[&ec, oct, &enc, &other_alg, unknown_kty]);

    let err = VerifyingKeys::from_jwk_set_json(&jwks, &[JwsAlgorithm::RS256]).unwrap_err();
    let Error::NoUsableKeys {
        allowed,
        skipped,
        unparsed,
    } = &err
    else {
        panic!("expected NoUsableKeys, got {err:?}");
    };
    assert_eq!(allowed, &[JwsAlgorithm::RS256]);
    assert_eq!(*unparsed, 0);
    let kids: Vec<_> = skipped.iter().map(|s| s.kid.as_deref()).collect();
    assert_eq!(
        kids,
        [
            Some("ec-1"),
            Some("hmac-1"),
            Some("ec-enc"),
            Some("ec-384"),
            Some("odd")
        ]
    );
    let indices: Vec<_> = skipped.iter().map(|s| s.index).collect();
    assert_eq!(indices, [0, 1, 2, 3, 4]);
    assert_eq!(skipped[0].kty.as_deref(), Some("EC"));
    assert_eq!(
        skipped[0].reason,
        "its `alg` `ES256` is not in the allow-list"
    );
    assert_eq!(skipped[1].kty.as_deref(), Some("oct"));
    assert_eq!(skipped[2].key_use.as_deref(), Some("enc"));
    assert!(
        skipped[2].reason.contains("`use` is `enc`"),
        "{}",
        skipped[2].reason
    );
    assert_eq!(
        skipped[3].reason,
        "its `alg` `ES384` is not in the allow-list"
    );
    assert!(
        skipped[4].reason.contains("kty `XYZ`"),
        "{}",
        skipped[4].reason
    );

    let message = err.to_string();
    assert!(
        message.starts_with("no usable verifying key for the allow-list [RS256]:"),
        "{message}"
    );
    assert!(
        message.contains("key #2 kid `ec-enc` kty `EC` use `enc` skipped:"),
        "{message}"
    );
    assert!(message.contains("key #4 kid `odd` kty `XYZ`"), "{message}");
}

#[test]
fn usable_keys_survive_next_to_skipped_ones() {
    let (_, public) = es256_pair("ec-1");
    let oct = r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
    let jwks = set_json(&[oct, &public.to_json()]);
    let keys = VerifyingKeys::from_jwk_set_json(&jwks, &[JwsAlgorithm::ES256]).unwrap();
    assert_eq!(keys.len(), 1);
}

#[test]
fn an_empty_set_and_an_empty_allow_list_are_refused() {
    let err =
        VerifyingKeys::from_jwk_set_json(r#"{"keys":[]}"#, &[JwsAlgorithm::ES256]).unwrap_err();
    assert_eq!(
        err,
        Error::NoUsableKeys {
            allowed: vec![JwsAlgorithm::ES256],
            skipped: vec![],
            unparsed: 0,
        }
    );
    assert!(
        err.to_string().ends_with("the JWK Set has no keys"),
        "{err}"
    );
    assert!(matches!(
        VerifyingKeys::from_jwk_set_json(r#"{"keys":[]}"#, &[]),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn from_jwk_set_refuses_an_unusable_set_too() {
    let provider = crypto::default_provider();
    let set = JwkSet::from_json(br#"{"keys":[{"kty":"XYZ"},{"kty":"oct","k":"AAAA"}]}"#).unwrap();
    let err = VerifyingKeys::from_jwk_set(
        &set,
        &[JwsAlgorithm::ES256],
        provider,
        &VerifyOptions::default(),
    )
    .unwrap_err();
    let Error::NoUsableKeys {
        skipped, unparsed, ..
    } = &err
    else {
        panic!("expected NoUsableKeys, got {err:?}");
    };
    assert_eq!(*unparsed, 1);
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].kty.as_deref(), Some("oct"));
    assert!(
        err.to_string().contains("1 entries are not valid JWKs"),
        "{err}"
    );
}

fn signed_token() -> (String, VerifyingKey) {
    let provider = crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[9; 32], provider).unwrap();
    let token = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::HS256),
        &serde_json::json!({"sub": "alice"}),
        &signer,
    )
    .unwrap();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[9; 32], provider).unwrap();
    (token, key)
}

#[test]
fn whitespace_in_a_compact_token_names_the_part() {
    let (token, key) = signed_token();
    let (d1, d2) = (token.find('.').unwrap(), token.rfind('.').unwrap());
    let cases = [
        (format!("{token}\n"), "signature"),
        (format!("{token} "), "signature"),
        (format!("{token}\r\n"), "signature"),
        (format!(" {token}"), "header"),
        (format!("\t{token}"), "header"),
        (
            format!("{}\n{}", &token[..d1 + 5], &token[d1 + 5..]),
            "payload",
        ),
        (
            format!("{} {}", &token[..d2 - 1], &token[d2 - 1..]),
            "payload",
        ),
        (format!("{} {}", &token[..3], &token[3..]), "header"),
    ];
    let options = jws::JwsOptions::default();
    for (bad, segment) in &cases {
        let expected = Err(Error::Whitespace { segment });
        assert_eq!(
            jws::verify_compact(bad, &key, &options).map(|_| ()),
            expected.clone(),
            "{bad:?}"
        );
        let validation = jwt::Validation::new().required_claims::<_, String>([]);
        assert_eq!(
            jwt::verify(bad, &key, &validation, UnixTime::from_secs(0)).map(|_| ()),
            expected.clone(),
            "{bad:?}"
        );
        assert_eq!(
            jws::decode_unverified(bad).map(|_| ()),
            expected.clone(),
            "{bad:?}"
        );
    }
    let message = jws::verify_compact(&format!("{token}\n"), &key, &options)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("signature part") && message.contains("whitespace, which is not allowed"),
        "{message}"
    );
    // Without whitespace the same failures keep their own errors.
    assert_eq!(
        jws::verify_compact(&format!("{token}="), &key, &options).map(|_| ()),
        Err(Error::Base64)
    );
    assert!(jws::verify_compact(&token, &key, &options).is_ok());
}

#[test]
fn whitespace_in_a_token_without_dots_is_named_too() {
    let (_, key) = signed_token();
    assert_eq!(
        jws::verify_compact("abc\n", &key, &jws::JwsOptions::default()).map(|_| ()),
        Err(Error::Whitespace { segment: "header" })
    );
}

#[test]
fn a_jwk_set_is_not_a_jwk_and_the_reverse() {
    let (_, public) = es256_pair("k");
    let jwk = public.to_json();
    let set = set_json(&[&jwk]);

    let err = Jwk::from_json(set.as_bytes()).unwrap_err();
    assert!(matches!(err, Error::InvalidKey(_)));
    let message = err.to_string();
    assert!(
        message.contains("this is a JWK Set (it has `keys`), not a JWK"),
        "{message}"
    );

    let err = JwkSet::from_json(jwk.as_bytes()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("this is a single JWK (it has `kty`), not a JWK Set"),
        "{message}"
    );
    let err = VerifyingKeys::from_jwk_set_json(&jwk, &[JwsAlgorithm::ES256]).unwrap_err();
    assert!(err.to_string().contains("not a JWK Set"), "{err}");

    // Neither: the plain messages stay.
    assert_eq!(
        JwkSet::from_json(b"{}").unwrap_err(),
        Error::InvalidKey("a JWK Set needs a `keys` array".into())
    );
    assert_eq!(
        Jwk::from_json(b"{}").unwrap_err(),
        Error::InvalidKey("missing `kty`".into())
    );
}

#[test]
fn a_refused_algorithm_names_the_allowed_ones() {
    let (token, _) = signed_token();
    let (_, public) = es256_pair("k");
    let keys =
        VerifyingKeys::from_jwk_set_json(set_json(&[&public.to_json()]), &[JwsAlgorithm::ES256])
            .unwrap();
    let err = jwt::verify(
        &token,
        &keys,
        &jwt::Validation::new(),
        UnixTime::from_secs(0),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::AlgorithmNotAllowed {
            alg: "HS256".into(),
            allowed: vec![JwsAlgorithm::ES256],
        }
    );
    assert_eq!(
        err.to_string(),
        "algorithm `HS256` not allowed: the verifying keys allow only [ES256] (each key's \
         algorithm is its JWK's `alg` or, for a JWK without one, the allow-list the key set \
         was built with)"
    );
    let none: Vec<VerifyingKey> = Vec::new();
    let err = jws::verify_compact(&token, &none, &jws::JwsOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("there are no verifying keys"),
        "{err}"
    );
}

proptest::proptest! {
    /// Whitespace anywhere in a valid token is reported as such, with the part it is in.
    #[test]
    fn any_whitespace_is_named_with_its_part(pos in 0usize..200, ws in 0usize..4) {
        let (token, key) = signed_token();
        let pos = pos % (token.len() + 1);
        let c = [' ', '\n', '\t', '\r'][ws];
        let mut bad = token.clone();
        bad.insert(pos, c);
        let dots_before = token[..pos].matches('.').count();
        let segment = ["header", "payload", "signature"][dots_before];
        proptest::prop_assert_eq!(
            jws::verify_compact(&bad, &key, &jws::JwsOptions::default()).map(|_| ()),
            Err(Error::Whitespace { segment })
        );
    }
}
