//! Property tests: no input makes a parser or validator panic, and validation accepts exactly
//! the tokens it should under random claim values.

mod common;

use authcore_jose::{JwsAlgorithm, JwsHeader, SigningKey, crypto, jwt};
use authcore_oauth2::ClientSecret;
use authcore_oidc::{IdTokenExpectations, IdTokenVerifier, ResponseType, fuzzing};
use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};

const SECRET: &str = "a-client-secret-of-at-least-32-bytes-xx";

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z0-9:/._-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const NAMES: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "nonce",
    "azp",
    "auth_time",
    "acr",
    "amr",
    "at_hash",
    "c_hash",
    "s_hash",
    "sid",
    "jti",
    "events",
    "email",
    "email_verified",
    "address",
    "updated_at",
    "tid",
];

fn claims_object() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(NAMES), json_value()), 0..10).prop_map(|kv| {
        let mut base = claims();
        for (k, v) in kv {
            base[k] = v;
        }
        base
    })
}

fn hs_verifier() -> IdTokenVerifier {
    IdTokenVerifier::new(ISSUER, CLIENT)
        .allowed_algorithms([JwsAlgorithm::HS256])
        .unwrap()
        .client_secret(&ClientSecret::new(SECRET))
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fuzz_entry_points_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        fuzzing::fuzz_discovery(&data);
        fuzzing::fuzz_id_token(&data);
        fuzzing::fuzz_userinfo(&data);
        fuzzing::fuzz_logout_token(&data);
        fuzzing::fuzz_jwks_response(&data);
        fuzzing::fuzz_authentication_response(&data);
    }

    #[test]
    fn json_shaped_inputs_never_panic(v in json_value(), doc in claims_object()) {
        let s = v.to_string();
        fuzzing::fuzz_discovery(s.as_bytes());
        fuzzing::fuzz_userinfo(s.as_bytes());
        fuzzing::fuzz_jwks_response(format!("max-age=60\n{{\"keys\":[{s}]}}").as_bytes());
        let d = with(doc, "issuer", json!("https://op.example"));
        fuzzing::fuzz_discovery(d.to_string().as_bytes());
    }

    /// Signed tokens with random claims reach every check; validation never panics and
    /// accepts only claims sets that satisfy the rules checked here independently.
    #[test]
    fn signed_random_claims(c in claims_object()) {
        let p = crypto::default_provider();
        let key = SigningKey::hmac(JwsAlgorithm::HS256, SECRET.as_bytes(), p).unwrap();
        let token = jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256), &c, &key).unwrap();
        let v = hs_verifier();
        let keys = authcore_jose::VerifyingKeys::new();
        let e = IdTokenExpectations::token_endpoint().nonce("n-0S6_WzA2Mj");
        let r = v.validate(&token, &keys, &e, now());
        if r.is_ok() {
            prop_assert_eq!(&c["iss"], &json!(ISSUER));
            prop_assert_eq!(&c["nonce"], &json!("n-0S6_WzA2Mj"));
            prop_assert!(c["exp"].as_f64().unwrap() > NOW as f64);
        }
        for rt in [ResponseType::IdTokenToken, ResponseType::CodeIdTokenToken] {
            let e = IdTokenExpectations::authorization_endpoint(rt)
                .nonce("n-0S6_WzA2Mj").access_token("at").code("c").state("s");
            let _ = v.validate(&token, &keys, &e, now());
        }
        let _ = v.validate_logout_token(&token, &keys, now());
    }

    /// Encryption changes nothing about the answer (Core §10.2: decrypt, then every usual
    /// check): a random claims set signed, then encrypted, gets from a verifier registered
    /// for encryption exactly the answer its signed form gets from one that is not.
    #[test]
    fn encrypted_random_claims_answer_as_signed(c in claims_object()) {
        use authcore_jose::jwe::{DecryptionKey, EncryptionKey, JweBuilder};
        use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
        let p = crypto::default_provider();
        let key = SigningKey::hmac(JwsAlgorithm::HS256, SECRET.as_bytes(), p).unwrap();
        let signed = jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256), &c, &key).unwrap();
        let to = EncryptionKey::symmetric(Kma::A128GcmKw, &[5u8; 16], p).unwrap();
        let encrypted = JweBuilder::new(Enc::A128Gcm)
            .cty("JWT")
            .recipient(&to)
            .encrypt_compact(signed.as_bytes(), &rng())
            .unwrap();
        let ev = hs_verifier()
            .decryption_keys(DecryptionKey::symmetric(Kma::A128GcmKw, &[5u8; 16], p).unwrap())
            .id_token_encrypted_response(authcore_oauth2::JweAlgorithms::new(Kma::A128GcmKw, Enc::A128Gcm));
        let keys = authcore_jose::VerifyingKeys::new();
        let e = IdTokenExpectations::token_endpoint().nonce("n-0S6_WzA2Mj");
        prop_assert_eq!(
            ev.validate(&encrypted, &keys, &e, now()),
            hs_verifier().validate(&signed, &keys, &e, now())
        );
        // Any byte of the JWE changed: refused, never a panic.
        let mut bytes = encrypted.into_bytes();
        let i = c.to_string().len() % bytes.len();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let mangled = String::from_utf8(bytes).unwrap();
        prop_assert!(ev.validate(&mangled, &keys, &e, now()).is_err());
    }

    /// Arbitrary five-part input to a verifier registered for encryption never panics.
    #[test]
    fn arbitrary_jwe_shaped_input_never_panics(parts in prop::collection::vec("[A-Za-z0-9_-]{0,40}", 5)) {
        use authcore_jose::jwe::DecryptionKey;
        use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
        let p = crypto::default_provider();
        let ev = hs_verifier()
            .decryption_keys(DecryptionKey::symmetric(Kma::A128GcmKw, &[5u8; 16], p).unwrap())
            .id_token_encrypted_response(authcore_oauth2::JweAlgorithms::new(Kma::A128GcmKw, Enc::A128Gcm));
        let token = parts.join(".");
        let keys = authcore_jose::VerifyingKeys::new();
        prop_assert!(ev.validate(&token, &keys, &IdTokenExpectations::token_endpoint(), now()).is_err());
        let _ = ev.validate_logout_token(&token, &keys, now());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// One answer for the generic JWT rules: an ID token and a logout token with random
    /// `exp`, `nbf` and `iat` (whole or fractional, near `now`), under a random leeway and
    /// `iat` window, are accepted exactly when `authcore_jose::jwt::verify` with the same rules
    /// accepts the same claims.
    #[test]
    fn time_claims_answer_as_jwt_verify(
        exp in -700i64..700, exp_frac in prop::bool::ANY,
        nbf in proptest::option::of(-20i64..20), iat in -700i64..20, frac in 0u8..3,
        leeway in 0u64..8, window in 0u64..700,
    ) {
        let p = crypto::default_provider();
        let key = SigningKey::hmac(JwsAlgorithm::HS256, SECRET.as_bytes(), p).unwrap();
        let keys = authcore_jose::VerifyingKeys::new();
        let date = |offset: i64, f: bool| {
            let d = NOW as f64 + offset as f64 + if f { 0.5 } else { 0.0 };
            json!(d)
        };
        let mut c = with(claims(), "exp", date(exp, exp_frac));
        c = with(c, "iat", date(iat, frac == 1));
        if let Some(n) = nbf {
            c = with(c, "nbf", date(n, frac == 2));
        }
        let token = jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256), &c, &key).unwrap();
        let v = hs_verifier().leeway(leeway).iat_window(window);
        let jose_keys = authcore_jose::VerifyingKey::hmac(JwsAlgorithm::HS256, SECRET.as_bytes(), p)
            .unwrap();
        let rules = jwt::Validation::new()
            .issuer(ISSUER)
            .audience(CLIENT)
            .leeway(leeway)
            .max_age(window);
        let expected = jwt::verify(&token, &jose_keys, &rules, now()).is_ok();
        let e = IdTokenExpectations::token_endpoint().nonce("n-0S6_WzA2Mj");
        prop_assert_eq!(v.validate(&token, &keys, &e, now()).is_ok(), expected);

        let mut l = with(c, "jti", json!("j"));
        l = with(l, "events", json!({authcore_oidc::BACKCHANNEL_LOGOUT_EVENT: {}}));
        let l = without(l, "nonce");
        let token = jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256), &l, &key).unwrap();
        prop_assert_eq!(v.validate_logout_token(&token, &keys, now()).is_ok(), expected);
    }
}
