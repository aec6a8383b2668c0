//! Property tests: sign/verify round trips for every algorithm on every provider, JWK
//! serialize/parse round trips, and parsers that never panic on arbitrary input.

use std::sync::OnceLock;

use authcore_jose::crypto::{CryptoProvider, providers};
use authcore_jose::jws::{self, JwsJson, JwsOptions};
use authcore_jose::jwt::{Claims, Validation};
use authcore_jose::{
    AlgorithmFamily, InsecureTestRandom, Jwk, JwkSet, JwsAlgorithm, JwsHeader, KeyParams,
    SigningKey, UnixTime, VerifyingKey, b64, json,
};
use proptest::prelude::*;

/// RFC 7515 Appendix A.2's RSA key: ring cannot generate RSA keys.
const RSA_JWK: &str = r#"{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB","d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ","p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc","q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc","dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0","dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU","qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"}"#;

type KeyPair = (
    &'static CryptoProvider,
    JwsAlgorithm,
    SigningKey,
    VerifyingKey,
);

/// One key pair per (provider, algorithm), built once.
fn pairs() -> &'static [KeyPair] {
    static PAIRS: OnceLock<Vec<KeyPair>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let mut out = Vec::new();
        for provider in providers() {
            for alg in JwsAlgorithm::ALL {
                if !provider.supports(alg) {
                    continue;
                }
                let jwk = match alg.family() {
                    AlgorithmFamily::RsaPkcs1 | AlgorithmFamily::RsaPss => {
                        Jwk::from_json(RSA_JWK.as_bytes()).unwrap()
                    }
                    _ => Jwk::generate(alg, provider, &InsecureTestRandom::new(alg as u64 + 1))
                        .unwrap(),
                };
                let public = match jwk.params {
                    KeyParams::Oct(_) => jwk.clone(),
                    _ => jwk.to_public().unwrap(),
                };
                let s = SigningKey::from_jwk(&jwk, Some(alg), provider).unwrap();
                let v = VerifyingKey::from_jwk(&public, Some(alg), provider).unwrap();
                out.push((provider, alg, s, v));
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sign_verify_round_trip(idx in 0usize..64, payload in proptest::collection::vec(any::<u8>(), 0..512), kid in "[a-zA-Z0-9._-]{0,16}") {
        let pairs = pairs();
        let (provider, alg, signer, key) = &pairs[idx % pairs.len()];
        let mut header = JwsHeader::new(*alg);
        if !kid.is_empty() {
            header.kid = Some(kid.clone());
        }
        let token = jws::sign_compact(&header, &payload, signer).unwrap();
        let v = jws::verify_compact(&token, key, &JwsOptions::default()).unwrap();
        prop_assert_eq!(&v.payload, &payload, "{} on {}", alg, provider.name());
        let det = jws::sign_compact_detached(&header, &payload, signer, true).unwrap();
        prop_assert!(jws::verify_detached(&det, &payload, key, &JwsOptions::default()).is_ok());
        // Any single flipped byte of the signature part breaks it.
        let cut = token.rfind('.').unwrap();
        let mut sig = b64::decode(&token[cut + 1..]).unwrap();
        let i = payload.len() % sig.len();
        sig[i] ^= 0x80;
        let bad = format!("{}.{}", &token[..cut], b64::encode(&sig));
        prop_assert!(jws::verify_compact(&bad, key, &JwsOptions::default()).is_err());
    }

    #[test]
    fn jwk_serialize_parse_round_trip(idx in 0usize..64, kid in proptest::option::of("[ -~]{0,24}"), use_sig in any::<bool>(), extra in proptest::collection::btree_map("x[a-z]{1,6}", any::<i64>(), 0..4)) {
        let pairs = pairs();
        let (provider, alg, ..) = &pairs[idx % pairs.len()];
        let mut jwk = match alg.family() {
            AlgorithmFamily::RsaPkcs1 | AlgorithmFamily::RsaPss => Jwk::from_json(RSA_JWK.as_bytes()).unwrap(),
            _ => Jwk::generate(*alg, provider, &InsecureTestRandom::new(idx as u64)).unwrap(),
        };
        jwk.kid = kid;
        jwk.key_use = use_sig.then(|| "sig".to_owned());
        for (k, v) in extra {
            jwk.extra.insert(k, v.into());
        }
        let again = Jwk::from_json(jwk.to_json().as_bytes()).unwrap();
        prop_assert_eq!(&again, &jwk);
        if jwk.is_private() && !matches!(jwk.params, KeyParams::Oct(_)) {
            let public = jwk.to_public().unwrap();
            prop_assert_eq!(Jwk::from_json(public.to_json().as_bytes()).unwrap(), public.clone());
            prop_assert_eq!(public.thumbprint_input(), jwk.thumbprint_input());
        }
        let set = JwkSet::new(vec![jwk.clone()]);
        prop_assert_eq!(JwkSet::from_json(set.to_json().as_bytes()).unwrap().keys, vec![jwk]);
    }

    #[test]
    fn algorithm_names_parse_exactly_or_not_at_all(s in "[A-Za-z0-9+_-]{0,20}", pick in 0usize..40) {
        // Any text: an error or the algorithm whose name it is, never a panic or a near match.
        if let Ok(a) = s.parse::<authcore_jose::Algorithm>() {
            prop_assert_eq!(a.name(), s.as_str());
        }
        // Every registered name round-trips, with a JWK's `alg` read in the same space.
        let all: Vec<authcore_jose::Algorithm> = authcore_jose::Algorithm::all().collect();
        let a = all[pick % all.len()];
        prop_assert_eq!(a.name().parse::<authcore_jose::Algorithm>().unwrap(), a);
        let mut jwk = Jwk::symmetric(vec![1u8; 64]);
        jwk.alg = Some(a.name().to_owned());
        let back = Jwk::from_json(jwk.to_json().as_bytes()).unwrap();
        prop_assert_eq!(back.algorithm().unwrap().unwrap(), a);
    }

    #[test]
    fn parsers_never_panic_on_bytes(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = json::parse_object(&data);
        let _ = Jwk::from_json(&data);
        let _ = JwkSet::from_json(&data);
        let _ = JwsHeader::from_json(&data);
        let _ = Claims::from_json(&data);
        let _ = JwsJson::parse(&data, &JwsOptions::default());
        let _ = b64::decode(&data);
        if let Ok(s) = std::str::from_utf8(&data) {
            let key = &pairs()[0].3;
            let _ = jws::verify_compact(s, key, &JwsOptions::default());
            let _ = jws::decode_unverified(s);
            let _ = authcore_jose::jwt::verify(s, key, &Validation::new(), UnixTime::from_secs(0));
        }
    }

    #[test]
    fn parsers_never_panic_on_json_like_text(s in r#"[\[\]{}",:0-9a-z.\\ -]{0,256}"#) {
        let _ = json::parse_object(s.as_bytes());
        let _ = Jwk::from_json(s.as_bytes());
        let _ = Claims::from_json(s.as_bytes());
        let _ = JwsHeader::from_json(s.as_bytes());
        let _ = JwsJson::parse(s.as_bytes(), &JwsOptions::default());
    }

    #[test]
    fn claims_validation_never_panics(exp in any::<u64>(), nbf in any::<u64>(), iat in proptest::num::f64::ANY, now in any::<u64>(), leeway in any::<u64>(), max_age in any::<u64>()) {
        let text = format!(r#"{{"exp":{exp},"nbf":{nbf},"iat":{}}}"#, if iat.is_finite() { iat.to_string() } else { "0".into() });
        if let Ok(c) = Claims::from_json(text.as_bytes()) {
            let _ = Validation::new().leeway(leeway).max_age(max_age).validate_claims(&c, UnixTime::from_secs(now));
        }
    }
}
