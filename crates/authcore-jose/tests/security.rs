//! One negative test per security default of the JWS/JWT layer, run on every compiled-in
//! provider, plus sign/verify round trips for every algorithm each provider supports.

use authcore_jose::crypto::{CryptoProvider, VerifyOptions, providers};
use authcore_jose::jws::{self, JwsJson, JwsOptions, SignatureSpec};
use authcore_jose::{
    Error, InsecureTestRandom, Jwk, JwkSet, JwsAlgorithm, JwsHeader, KeyParams, SigningKey,
    UnixTime, ValidationError, VerifyingKey, VerifyingKeys, b64, jwt,
};
use serde_json::{Map, Value, json};

fn rng() -> InsecureTestRandom {
    InsecureTestRandom::new(42)
}

/// A fixed 2048-bit RSA private key (RFC 7515 Appendix A.2).
const RSA_JWK: &str = r#"{"kty":"RSA",
 "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
 "e":"AQAB",
 "d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
 "p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
 "q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
 "dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
 "dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
 "qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"}"#;

/// Every algorithm a provider can sign with, with a fresh (or fixed, for RSA) key.
fn keys_for(provider: &CryptoProvider) -> Vec<(JwsAlgorithm, Jwk)> {
    let mut out = Vec::new();
    for alg in JwsAlgorithm::ALL {
        if !provider.supports(alg) {
            continue;
        }
        let jwk = match alg.family() {
            authcore_jose::AlgorithmFamily::RsaPkcs1 | authcore_jose::AlgorithmFamily::RsaPss => {
                Jwk::from_json(RSA_JWK.as_bytes()).unwrap()
            }
            _ => Jwk::generate(alg, provider, &rng()).unwrap(),
        };
        out.push((alg, jwk));
    }
    out
}

fn verifying(jwk: &Jwk, alg: JwsAlgorithm, provider: &CryptoProvider) -> VerifyingKey {
    let public = if matches!(jwk.params, KeyParams::Oct(_)) {
        jwk.clone()
    } else {
        jwk.to_public().unwrap()
    };
    VerifyingKey::from_jwk(&public, Some(alg), provider).unwrap()
}

fn opts() -> JwsOptions {
    JwsOptions::default()
}

/// Re-encodes the protected header of a compact token with `edit` applied, keeping payload and
/// signature.
fn with_header(token: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    let mut h: Map<String, Value> =
        serde_json::from_slice(&b64::decode(parts[0]).unwrap()).unwrap();
    edit(&mut h);
    let enc = b64::encode(Value::Object(h).to_string());
    parts[0] = &enc;
    parts.join(".")
}

#[test]
fn round_trip_every_algorithm_every_provider_every_serialization() {
    for provider in providers() {
        for (alg, jwk) in keys_for(provider) {
            let signer = SigningKey::from_jwk(&jwk, Some(alg), provider).unwrap();
            let key = verifying(&jwk, alg, provider);
            let payload = b"{\"iss\":\"joe\"}";
            let header = JwsHeader::new(alg).with_kid("k1");
            let token = jws::sign_compact(&header, payload, &signer).unwrap();
            let v = jws::verify_compact(&token, &key, &opts()).unwrap();
            assert_eq!(v.payload, payload, "{alg} on {}", provider.name());

            let detached = jws::sign_compact_detached(&header, payload, &signer, false).unwrap();
            assert!(detached.contains(".."));
            jws::verify_detached(&detached, payload, &key, &opts()).unwrap();
            assert!(jws::verify_detached(&detached, b"other", &key, &opts()).is_err());

            let unencoded = jws::sign_compact_detached(&header, b"$.02", &signer, true).unwrap();
            let h = jws::verify_detached(&unencoded, b"$.02", &key, &opts()).unwrap();
            assert_eq!(h.b64, Some(false));
            assert!(jws::verify_detached(&unencoded, b"$.03", &key, &opts()).is_err());

            let spec = SignatureSpec {
                protected: header.clone(),
                unprotected: Map::new(),
                signer: &signer,
            };
            for flattened in [true, false] {
                let json =
                    jws::sign_json(payload, std::slice::from_ref(&spec), flattened, false).unwrap();
                let parsed = JwsJson::parse(json.to_string().as_bytes(), &opts()).unwrap();
                assert_eq!(parsed.flattened, flattened);
                assert_eq!(parsed.verify(&key, &opts()).unwrap().payload, payload);
            }

            // Tampering with any part fails.
            let parts: Vec<&str> = token.split('.').collect();
            let tampered_payload = format!(
                "{}.{}.{}",
                parts[0],
                b64::encode(b"{\"iss\":\"eve\"}"),
                parts[2]
            );
            assert_eq!(
                jws::verify_compact(&tampered_payload, &key, &opts()),
                Err(Error::InvalidSignature)
            );
            let mut sig = b64::decode(parts[2]).unwrap();
            sig[0] ^= 1;
            let tampered_sig = format!("{}.{}.{}", parts[0], parts[1], b64::encode(&sig));
            assert_eq!(
                jws::verify_compact(&tampered_sig, &key, &opts()),
                Err(Error::InvalidSignature)
            );
            let tampered_header = with_header(&token, |h| {
                h.insert("x".into(), 1.into());
            });
            assert_eq!(
                jws::verify_compact(&tampered_header, &key, &opts()),
                Err(Error::InvalidSignature)
            );
        }
    }
}

#[test]
fn header_alg_must_match_the_key() {
    for provider in providers() {
        let hs = Jwk::generate(JwsAlgorithm::HS256, provider, &rng()).unwrap();
        let signer = SigningKey::from_jwk(&hs, None, provider).unwrap();
        let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"x", &signer).unwrap();
        let hs384 = VerifyingKey::hmac(JwsAlgorithm::HS384, &[7; 48], provider).unwrap();
        let refused = jws::verify_compact(&token, &hs384, &opts());
        assert_eq!(
            refused,
            Err(Error::AlgorithmNotAllowed {
                alg: "HS256".into(),
                allowed: vec![JwsAlgorithm::HS384],
            })
        );
        // The message names what was expected and what decides it.
        let message = refused.unwrap_err().to_string();
        assert!(message.contains("`HS256` not allowed"), "{message}");
        assert!(message.contains("allow only [HS384]"), "{message}");
        assert!(message.contains("allow-list"), "{message}");
        // A header lying about the algorithm is rejected before any signature check.
        let es = Jwk::generate(JwsAlgorithm::ES256, provider, &rng()).unwrap();
        let es_key = verifying(&es, JwsAlgorithm::ES256, provider);
        let lying = with_header(&token, |h| {
            h.insert("alg".into(), "ES256".into());
        });
        assert_eq!(
            jws::verify_compact(&lying, &es_key, &opts()),
            Err(Error::InvalidSignature)
        );
    }
}

#[test]
fn none_is_never_accepted() {
    let provider = authcore_jose::crypto::default_provider();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[1; 32], provider).unwrap();
    // RFC 7515 Appendix A.5.
    let a5 = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
    assert_eq!(
        jws::verify_compact(a5, &key, &opts()),
        Err(Error::AlgorithmNotAllowed {
            alg: "none".into(),
            allowed: vec![JwsAlgorithm::HS256],
        })
    );
    for alg in ["None", "NONE", "nOnE", ""] {
        let t = with_header(a5, |h| {
            h.insert("alg".into(), alg.into());
        });
        assert!(matches!(
            jws::verify_compact(&t, &key, &opts()),
            Err(Error::AlgorithmNotAllowed { .. })
        ));
    }
    assert!("none".parse::<JwsAlgorithm>().is_err());
    assert!(jwt::verify(a5, &key, &jwt::Validation::new(), UnixTime::from_secs(0)).is_err());
}

#[test]
fn hmac_keys_cannot_come_from_public_key_material() {
    let provider = authcore_jose::crypto::default_provider();
    let rsa = Jwk::from_json(RSA_JWK.as_bytes())
        .unwrap()
        .to_public()
        .unwrap();
    assert!(matches!(
        VerifyingKey::from_jwk(&rsa, Some(JwsAlgorithm::HS256), provider),
        Err(Error::InvalidKey(_))
    ));
    let pem = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
    assert!(matches!(
        VerifyingKey::hmac(JwsAlgorithm::HS256, pem, provider),
        Err(Error::InvalidKey(_))
    ));
    assert!(matches!(
        SigningKey::hmac(JwsAlgorithm::HS256, pem, provider),
        Err(Error::InvalidKey(_))
    ));
    assert!(VerifyingKey::hmac(JwsAlgorithm::RS256, &[1; 32], provider).is_err());
    // RFC 7518 §3.2: HMAC keys at least as long as the hash.
    assert!(VerifyingKey::hmac(JwsAlgorithm::HS256, &[1; 31], provider).is_err());
    assert!(VerifyingKey::hmac(JwsAlgorithm::HS512, &[1; 63], provider).is_err());
}

#[test]
fn embedded_keys_are_never_trusted() {
    for provider in providers() {
        let attacker = Jwk::generate(JwsAlgorithm::ES256, provider, &rng()).unwrap();
        let attacker_signer = SigningKey::from_jwk(&attacker, None, provider).unwrap();
        let mut header = JwsHeader::new(JwsAlgorithm::ES256);
        header.jwk = Some(Box::new(attacker.to_public().unwrap()));
        header.jku = Some("https://attacker.example/jwks".into());
        header.x5u = Some("https://attacker.example/cert".into());
        let token = jws::sign_compact(&header, b"x", &attacker_signer).unwrap();
        let trusted =
            Jwk::generate(JwsAlgorithm::ES256, provider, &InsecureTestRandom::new(9)).unwrap();
        let key = verifying(&trusted, JwsAlgorithm::ES256, provider);
        assert_eq!(
            jws::verify_compact(&token, &key, &opts()),
            Err(Error::InvalidSignature)
        );
        // Parsed, though, for callers (DPoP) that need it explicitly.
        let h = jws::decode_header_unverified(&token).unwrap();
        assert_eq!(h.jwk.as_deref(), Some(&attacker.to_public().unwrap()));
    }
}

#[test]
fn crit_rules() {
    let provider = authcore_jose::crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[3; 32], provider).unwrap();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[3; 32], provider).unwrap();
    let sign = |extra: Value| {
        let mut h = JwsHeader::new(JwsAlgorithm::HS256);
        h.extra = extra.as_object().unwrap().clone();
        if let Some(c) = h.extra.remove("crit") {
            h.crit = serde_json::from_value(c).unwrap();
        }
        jws::sign_compact(&h, b"x", &signer).unwrap()
    };
    let ok = sign(json!({"crit": ["exp"], "exp": 5}));
    assert!(
        matches!(jws::verify_compact(&ok, &key, &opts()), Err(Error::Crit(_))),
        "not understood"
    );
    let understood = JwsOptions {
        understood_crit: vec!["exp".into()],
        ..opts()
    };
    assert!(jws::verify_compact(&ok, &key, &understood).is_ok());
    for bad in [
        json!({"crit": []}),
        json!({"crit": ["alg"]}),
        json!({"crit": ["kid"], "kid": "a"}),
        json!({"crit": ["exp", "exp"], "exp": 1}),
        json!({"crit": ["exp"]}),
    ] {
        let t = sign(bad.clone());
        assert!(
            matches!(
                jws::verify_compact(&t, &key, &understood),
                Err(Error::Crit(_))
            ),
            "{bad}"
        );
    }
    let wrong_type = with_header(&sign(json!({})), |h| {
        h.insert("crit".into(), json!("exp"));
    });
    assert!(jws::verify_compact(&wrong_type, &key, &understood).is_err());
}

#[test]
fn b64_false_only_through_the_detached_api_and_only_with_crit() {
    let provider = authcore_jose::crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[3; 32], provider).unwrap();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[3; 32], provider).unwrap();
    let detached =
        jws::sign_compact_detached(&JwsHeader::new(JwsAlgorithm::HS256), b"abc", &signer, true)
            .unwrap();
    // Re-attach the raw payload: the normal API must refuse b64=false.
    let attached = detached.replacen("..", ".abc.", 1);
    assert!(matches!(
        jws::verify_compact(&attached, &key, &opts()),
        Err(Error::Header(_))
    ));
    // b64 without crit is refused even by the detached API.
    let mut h = JwsHeader::new(JwsAlgorithm::HS256);
    h.b64 = Some(false);
    let forged = {
        let hb = b64::encode(Value::Object(h.to_map()).to_string());
        let sig = authcore_jose::JwsSigner::sign(&signer, format!("{hb}.abc").as_bytes()).unwrap();
        format!("{hb}..{}", b64::encode(sig))
    };
    assert!(matches!(
        jws::verify_detached(&forged, b"abc", &key, &opts()),
        Err(Error::Crit(_))
    ));
    assert!(jws::sign_compact(&h, b"abc", &signer).is_err());
    // The attached unencoded form (RFC 7797 §5.2) only through its own entry point.
    let v = jws::verify_compact_unencoded(&attached, &key, &opts()).unwrap();
    assert_eq!(v.payload, b"abc");
    let changed = detached.replacen("..", ".abd.", 1);
    assert!(matches!(
        jws::verify_compact_unencoded(&changed, &key, &opts()),
        Err(Error::InvalidSignature)
    ));
    let forged_attached = forged.replacen("..", ".abc.", 1);
    assert!(matches!(
        jws::verify_compact_unencoded(&forged_attached, &key, &opts()),
        Err(Error::Crit(_))
    ));
    // An encoded token verifies through it too, with its payload decoded.
    let plain = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"abc", &signer).unwrap();
    assert_eq!(
        jws::verify_compact_unencoded(&plain, &key, &opts())
            .unwrap()
            .payload,
        b"abc"
    );
}

#[test]
fn b64_false_in_json_only_through_the_unencoded_api() {
    let provider = authcore_jose::crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[6; 32], provider).unwrap();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[6; 32], provider).unwrap();
    let mut protected = JwsHeader::new(JwsAlgorithm::HS256);
    protected.b64 = Some(false);
    let spec = SignatureSpec {
        protected,
        unprotected: Map::new(),
        signer: &signer,
    };
    let json = jws::sign_json(b"$.02", std::slice::from_ref(&spec), true, false).unwrap();
    // RFC 7797 §4.2 shape: the payload member is the raw payload, `b64` is in `crit`.
    assert_eq!(json["payload"], "$.02");
    let parsed = JwsJson::parse(json.to_string().as_bytes(), &opts()).unwrap();
    let header = &parsed.signatures[0].protected_header;
    assert_eq!(header["b64"], false);
    assert_eq!(header["crit"], json!(["b64"]));
    // The plain verifying API refuses raw payloads; the unencoded one accepts them.
    assert!(matches!(
        parsed.verify(&key, &opts()),
        Err(Error::Header(_))
    ));
    assert_eq!(
        parsed.verify_unencoded(&key, &opts()).unwrap().payload,
        b"$.02"
    );
    // A changed raw payload fails.
    let mut tampered = json.clone();
    tampered["payload"] = "$.03".into();
    let parsed = JwsJson::parse(tampered.to_string().as_bytes(), &opts()).unwrap();
    assert!(matches!(
        parsed.verify_unencoded(&key, &opts()),
        Err(Error::InvalidSignature)
    ));
    // Detached and unencoded.
    let det = jws::sign_json(b"\xff raw", std::slice::from_ref(&spec), false, true).unwrap();
    let parsed = JwsJson::parse(det.to_string().as_bytes(), &opts()).unwrap();
    assert_eq!(
        parsed
            .verify_detached(b"\xff raw", &key, &opts())
            .unwrap()
            .payload,
        b"\xff raw"
    );
    // An attached unencoded payload must be UTF-8; signatures must agree on b64.
    assert!(matches!(
        jws::sign_json(&[0xff], std::slice::from_ref(&spec), true, false),
        Err(Error::Misuse(_))
    ));
    let encoded = SignatureSpec {
        protected: JwsHeader::new(JwsAlgorithm::HS256),
        unprotected: Map::new(),
        signer: &signer,
    };
    assert!(matches!(
        jws::sign_json(b"p", &[spec, encoded], false, false),
        Err(Error::Misuse(_))
    ));
    // b64 false without crit is refused by the unencoded API too.
    let mut h = Map::new();
    h.insert("alg".into(), "HS256".into());
    h.insert("b64".into(), false.into());
    let prot = b64::encode(Value::Object(h).to_string());
    let sig = authcore_jose::JwsSigner::sign(&signer, format!("{prot}.x").as_bytes()).unwrap();
    let forged = json!({"payload": "x", "protected": prot, "signature": b64::encode(sig)});
    let parsed = JwsJson::parse(forged.to_string().as_bytes(), &opts()).unwrap();
    assert!(matches!(
        parsed.verify_unencoded(&key, &opts()),
        Err(Error::Crit(_))
    ));
}

#[test]
fn strict_encoding_and_structure() {
    let provider = authcore_jose::crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[5; 32], provider).unwrap();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[5; 32], provider).unwrap();
    let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"hi", &signer).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let bad = [
        format!("{token}="),
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            parts[2].replace('-', "+").replace('_', "/")
        ),
        format!(" {token}"),
        format!("{}.{}", parts[0], parts[1]),
        format!("{token}.AAAA.AAAA"),
        format!("{token}.AAAA"),
        String::new(),
        "...".into(),
    ];
    for b in &bad {
        assert!(jws::verify_compact(b, &key, &opts()).is_err(), "{b}");
    }
    let jwe = "eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0.a.b.c.d";
    assert_eq!(
        jws::verify_compact(jwe, &key, &opts()),
        Err(Error::Malformed("a JWE was given to the JWS API"))
    );
    // Non-canonical trailing bits in the signature.
    let sig = parts[2];
    let last = sig.chars().last().unwrap();
    let alt = match last {
        'A'..='Y' => (last as u8 + 1) as char,
        _ => 'A',
    };
    let noncanon = format!("{}.{}.{}{}", parts[0], parts[1], &sig[..sig.len() - 1], alt);
    assert!(jws::verify_compact(&noncanon, &key, &opts()).is_err());
    // Duplicate header members.
    let dup = format!(
        "{}.{}.{}",
        b64::encode(r#"{"alg":"HS256","alg":"HS256"}"#),
        parts[1],
        parts[2]
    );
    assert!(matches!(
        jws::verify_compact(&dup, &key, &opts()),
        Err(Error::Json(_))
    ));
    // Size bound.
    let small = JwsOptions {
        max_bytes: 10,
        ..opts()
    };
    assert!(matches!(
        jws::verify_compact(&token, &key, &small),
        Err(Error::TooLarge { .. })
    ));
    // Header is not an object / has wrong types.
    for h in [
        r#"[]"#,
        r#"{"alg":5}"#,
        r#"{"alg":"HS256","kid":5}"#,
        r#"{"alg":"HS256","b64":"no"}"#,
        r#"{}"#,
    ] {
        let t = format!("{}.{}.{}", b64::encode(h), parts[1], parts[2]);
        assert!(jws::verify_compact(&t, &key, &opts()).is_err(), "{h}");
    }
}

#[test]
fn ecdsa_signatures_only_in_fixed_form() {
    for provider in providers() {
        let jwk = Jwk::generate(JwsAlgorithm::ES256, provider, &rng()).unwrap();
        let signer = SigningKey::from_jwk(&jwk, None, provider).unwrap();
        let key = verifying(&jwk, JwsAlgorithm::ES256, provider);
        let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::ES256), b"x", &signer).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let raw = b64::decode(parts[2]).unwrap();
        assert_eq!(raw.len(), 64);
        // The same signature DER-encoded must be refused.
        let der = der_ecdsa(&raw[..32], &raw[32..]);
        let t = format!("{}.{}.{}", parts[0], parts[1], b64::encode(&der));
        assert_eq!(
            jws::verify_compact(&t, &key, &opts()),
            Err(Error::InvalidSignature)
        );
        // And an external signer returning DER is caught at signing time.
        struct DerSigner(SigningKey);
        impl authcore_jose::JwsSigner for DerSigner {
            fn algorithm(&self) -> JwsAlgorithm {
                JwsAlgorithm::ES256
            }
            fn sign(&self, input: &[u8]) -> authcore_jose::Result<Vec<u8>> {
                let s = self.0.sign(input)?;
                Ok(der_ecdsa(&s[..32], &s[32..]))
            }
        }
        let ext = DerSigner(SigningKey::from_jwk(&jwk, None, provider).unwrap());
        assert_eq!(
            jws::sign_compact(&JwsHeader::new(JwsAlgorithm::ES256), b"x", &ext),
            Err(Error::Crypto)
        );
    }
}

fn der_ecdsa(r: &[u8], s: &[u8]) -> Vec<u8> {
    fn int(v: &[u8]) -> Vec<u8> {
        let v: Vec<u8> = v.iter().copied().skip_while(|&b| b == 0).collect();
        let mut out = vec![2u8];
        let pad = v.first().is_some_and(|&b| b & 0x80 != 0);
        out.push((v.len() + pad as usize) as u8);
        if pad {
            out.push(0);
        }
        out.extend(v);
        out
    }
    let body = [int(r), int(s)].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

#[test]
fn external_signer_works() {
    let provider = authcore_jose::crypto::default_provider();
    struct Kms(SigningKey);
    impl authcore_jose::JwsSigner for Kms {
        fn algorithm(&self) -> JwsAlgorithm {
            JwsAlgorithm::EdDSA
        }
        fn key_id(&self) -> Option<&str> {
            Some("kms-1")
        }
        fn sign(&self, input: &[u8]) -> authcore_jose::Result<Vec<u8>> {
            self.0.sign(input)
        }
    }
    let jwk = Jwk::generate(JwsAlgorithm::EdDSA, provider, &rng()).unwrap();
    let kms = Kms(SigningKey::from_jwk(&jwk, None, provider).unwrap());
    let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::EdDSA), b"p", &kms).unwrap();
    let key = verifying(&jwk, JwsAlgorithm::EdDSA, provider).with_kid("kms-1");
    let v = jws::verify_compact(&token, &key, &opts()).unwrap();
    assert_eq!(v.header.kid.as_deref(), Some("kms-1"));
    // The header alg must agree with the signer.
    assert!(jws::sign_compact(&JwsHeader::new(JwsAlgorithm::ES256), b"p", &kms).is_err());
}

#[test]
fn rsa_key_size_limits() {
    // RFC 7515 A.2's modulus with its first byte dropped: a 2040-bit key.
    let provider = authcore_jose::crypto::default_provider();
    let mut small = Jwk::from_json(RSA_JWK.as_bytes())
        .unwrap()
        .to_public()
        .unwrap();
    if let KeyParams::Rsa(p) = &mut small.params {
        p.n.remove(0);
    }
    assert!(matches!(
        VerifyingKey::from_jwk(&small, Some(JwsAlgorithm::RS256), provider),
        Err(Error::InvalidKey(_))
    ));
    let relaxed = VerifyOptions { min_rsa_bits: 1024 };
    assert!(
        VerifyingKey::from_jwk_with(&small, Some(JwsAlgorithm::RS256), provider, &relaxed).is_ok()
    );
    assert!(
        VerifyingKey::from_jwk_with(&small, Some(JwsAlgorithm::PS256), provider, &relaxed).is_err()
    );
}

#[test]
fn key_selection_by_kid_and_alg() {
    let provider = authcore_jose::crypto::default_provider();
    let a = Jwk::generate(JwsAlgorithm::ES256, provider, &InsecureTestRandom::new(1)).unwrap();
    let b = Jwk::generate(JwsAlgorithm::ES256, provider, &InsecureTestRandom::new(2)).unwrap();
    let mut pa = a.to_public().unwrap();
    pa.kid = Some("a".into());
    let mut pb = b.to_public().unwrap();
    pb.kid = Some("b".into());
    pb.key_use = Some("enc".into());
    let set = JwkSet::new(vec![pa.clone(), pb]);
    let keys = VerifyingKeys::from_jwk_set(
        &set,
        &[JwsAlgorithm::ES256],
        provider,
        &VerifyOptions::default(),
    )
    .unwrap();
    assert_eq!(keys.len(), 1, "the enc key is skipped");
    assert!(VerifyingKeys::from_jwk_set(&set, &[], provider, &VerifyOptions::default()).is_err());
    let sa = SigningKey::from_jwk(&a, None, provider)
        .unwrap()
        .with_kid("a");
    let sb = SigningKey::from_jwk(&b, None, provider)
        .unwrap()
        .with_kid("b");
    let ta = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::ES256), b"x", &sa).unwrap();
    let tb = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::ES256), b"x", &sb).unwrap();
    assert!(jws::verify_compact(&ta, &keys, &opts()).is_ok());
    assert_eq!(
        jws::verify_compact(&tb, &keys, &opts()),
        Err(Error::NoMatchingKey)
    );
    // Without kid every key of the algorithm is tried.
    let no_kid = with_header(&ta, |h| {
        h.remove("kid");
    });
    assert_eq!(
        jws::verify_compact(&no_kid, &keys, &opts()),
        Err(Error::InvalidSignature),
        "header changed"
    );
}

#[test]
fn jwt_typ_and_wrong_type_claims() {
    let provider = authcore_jose::crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[9; 32], provider).unwrap();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[9; 32], provider).unwrap();
    let now = UnixTime::from_secs(100);
    let claims = json!({"exp": 200, "iss": "i"});
    let at = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::HS256).with_typ("at+jwt"),
        &claims,
        &signer,
    )
    .unwrap();
    let v = jwt::Validation::new().typ("application/AT+JWT");
    assert!(jwt::verify(&at, &key, &v, now).is_ok());
    let plain = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::HS256).with_typ("JWT"),
        &claims,
        &signer,
    )
    .unwrap();
    assert_eq!(
        jwt::verify(&plain, &key, &v, now),
        Err(ValidationError::Type.into())
    );
    let untyped = jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256), &claims, &signer).unwrap();
    assert_eq!(
        jwt::verify(&untyped, &key, &v, now),
        Err(ValidationError::Type.into())
    );
    let stringy = jwt::encode(
        &JwsHeader::new(JwsAlgorithm::HS256),
        &json!({"exp": "200"}),
        &signer,
    )
    .unwrap();
    assert_eq!(
        jwt::verify(&stringy, &key, &jwt::Validation::new(), now),
        Err(ValidationError::WrongType("exp").into())
    );
    assert!(jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256), &json!([1]), &signer).is_err());
    let ok = jwt::verify(&plain, &key, &jwt::Validation::new().issuer("i"), now).unwrap();
    #[derive(serde::Deserialize)]
    struct Mine {
        iss: String,
    }
    assert_eq!(ok.deserialize::<Mine>().unwrap().iss, "i");
}

#[test]
fn json_serialization_rules() {
    let provider = authcore_jose::crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[4; 32], provider).unwrap();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[4; 32], provider).unwrap();
    let mut unprotected = Map::new();
    unprotected.insert("kid".into(), "u".into());
    let spec = SignatureSpec {
        protected: JwsHeader::new(JwsAlgorithm::HS256),
        unprotected,
        signer: &signer,
    };
    let json = jws::sign_json(b"p", std::slice::from_ref(&spec), true, false).unwrap();
    let parsed = JwsJson::parse(json.to_string().as_bytes(), &opts()).unwrap();
    assert_eq!(
        parsed.verify(&key, &opts()).unwrap().header.kid.as_deref(),
        Some("u")
    );
    // Protected and unprotected headers must be disjoint.
    let mut overlap = json.clone();
    overlap["header"]["alg"] = "HS256".into();
    let parsed = JwsJson::parse(overlap.to_string().as_bytes(), &opts()).unwrap();
    assert!(matches!(
        parsed.verify(&key, &opts()),
        Err(Error::Header(_))
    ));
    // crit in the unprotected header is refused.
    let mut crit = json.clone();
    crit["header"]["crit"] = json!(["exp"]);
    crit["header"]["exp"] = 1.into();
    let parsed = JwsJson::parse(crit.to_string().as_bytes(), &opts()).unwrap();
    let understood = JwsOptions {
        understood_crit: vec!["exp".into()],
        ..opts()
    };
    assert!(matches!(
        parsed.verify(&key, &understood),
        Err(Error::Crit(_))
    ));
    // Mixed general/flattened, bad types, empty signatures.
    let mut mixed = json.clone();
    mixed["signatures"] = json!([]);
    assert!(JwsJson::parse(mixed.to_string().as_bytes(), &opts()).is_err());
    for bad in [
        r#"{"payload":"cA","signatures":[]}"#,
        r#"{"payload":5,"signature":"AA"}"#,
        r#"{"payload":"cA"}"#,
        r#"{"payload":"cA","signature":"AA"}"#,
    ] {
        assert!(JwsJson::parse(bad.as_bytes(), &opts()).is_err(), "{bad}");
    }
    // Detached JSON.
    let det = jws::sign_json(b"p", std::slice::from_ref(&spec), false, true).unwrap();
    let parsed = JwsJson::parse(det.to_string().as_bytes(), &opts()).unwrap();
    assert!(parsed.verify(&key, &opts()).is_err());
    assert_eq!(
        parsed.verify_detached(b"p", &key, &opts()).unwrap().payload,
        b"p"
    );
    assert!(parsed.verify_detached(b"q", &key, &opts()).is_err());
}

#[test]
fn unsupported_algorithms_are_errors_not_panics() {
    for provider in providers() {
        for alg in JwsAlgorithm::ALL {
            let r = Jwk::generate(alg, provider, &rng());
            if provider.supports(alg) {
                if r.is_err() {
                    // Only RSA generation may be missing (ring).
                    assert!(matches!(
                        alg.family(),
                        authcore_jose::AlgorithmFamily::RsaPkcs1
                            | authcore_jose::AlgorithmFamily::RsaPss
                    ));
                }
            } else {
                assert!(
                    matches!(r, Err(Error::UnsupportedAlgorithm(_))),
                    "{alg} {}",
                    provider.name()
                );
            }
        }
    }
}

#[test]
fn nested_jwt_verifies_both_layers() {
    let p = authcore_jose::crypto::default_provider();
    let key = |alg, seed| {
        let jwk = Jwk::generate(alg, p, &InsecureTestRandom::new(seed)).unwrap();
        (
            SigningKey::from_jwk(&jwk, None, p).unwrap(),
            VerifyingKey::from_jwk(&jwk.to_public().unwrap(), None, p).unwrap(),
        )
    };
    let (inner_signer, inner_key) = key(JwsAlgorithm::ES256, 1);
    let (outer_signer, outer_key) = key(JwsAlgorithm::EdDSA, 20);
    let (stranger, _) = key(JwsAlgorithm::EdDSA, 30);
    let now = UnixTime::from_secs(100);
    let inner = |claims: Value| {
        jwt::encode(&JwsHeader::new(JwsAlgorithm::ES256), &claims, &inner_signer).unwrap()
    };
    let wrap = |payload: &str, cty: Option<&str>, signer: &SigningKey| {
        let mut h = JwsHeader::new(authcore_jose::JwsSigner::algorithm(signer));
        h.cty = cty.map(str::to_owned);
        jws::sign_compact(&h, payload.as_bytes(), signer).unwrap()
    };
    let v = jwt::Validation::new().issuer("inner-issuer");
    let good_inner = inner(json!({"iss": "inner-issuer", "exp": 200}));
    for cty in ["JWT", "jwt"] {
        let nested = wrap(&good_inner, Some(cty), &outer_signer);
        let ok = jwt::verify_nested(&nested, &outer_key, &inner_key, &v, now).unwrap();
        assert_eq!(ok.outer_header.alg, JwsAlgorithm::EdDSA);
        assert_eq!(
            ok.inner.claims.registered.iss.as_deref(),
            Some("inner-issuer")
        );
        // The plain API never unwraps.
        assert!(jwt::verify(&nested, &outer_key, &v, now).is_err());
    }
    // Each layer needs its own key, the outer header its `cty`, the inner claims their checks.
    let by_stranger = wrap(&good_inner, Some("JWT"), &stranger);
    assert!(jwt::verify_nested(&by_stranger, &outer_key, &inner_key, &v, now).is_err());
    let nested = wrap(&good_inner, Some("JWT"), &outer_signer);
    assert!(jwt::verify_nested(&nested, &outer_key, &outer_key, &v, now).is_err());
    let untyped = wrap(&good_inner, None, &outer_signer);
    assert!(matches!(
        jwt::verify_nested(&untyped, &outer_key, &inner_key, &v, now),
        Err(Error::Header(_))
    ));
    let other_cty = wrap(&good_inner, Some("text/plain"), &outer_signer);
    assert!(jwt::verify_nested(&other_cty, &outer_key, &inner_key, &v, now).is_err());
    let expired = wrap(
        &inner(json!({"iss": "inner-issuer", "exp": 50})),
        Some("JWT"),
        &outer_signer,
    );
    assert!(matches!(
        jwt::verify_nested(&expired, &outer_key, &inner_key, &v, now),
        Err(Error::Validation(ValidationError::Expired { .. }))
    ));
    // Two levels of nesting: the inner token is not a JWT with claims.
    let mut h = JwsHeader::new(JwsAlgorithm::ES256);
    h.cty = Some("JWT".into());
    let inner_nested = jws::sign_compact(&h, good_inner.as_bytes(), &inner_signer).unwrap();
    let twice = wrap(&inner_nested, Some("JWT"), &outer_signer);
    assert!(jwt::verify_nested(&twice, &outer_key, &inner_key, &v, now).is_err());
}
