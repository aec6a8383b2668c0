//! Tokens signed here, verified by four independent JOSE implementations: the npm package
//! `jose` and the Python packages `jwcrypto`, `PyJWT` and `Authlib` (its `authlib.jose`
//! module), pinned in `tests/interop/` and installed by package name by
//! `tests/interop/setup.sh` on first run. The other direction, their tokens verified here, is
//! `vectors/jws/cross-*.json` in `authcore-jose`'s vector tests.
//!
//! For every compiled-in crypto provider and every algorithm it signs with, this signs a
//! compact JWT, a flattened JSON JWS, a detached compact JWS, a general JSON JWS with two
//! signatures, and (HS256, EdDSA) RFC 7797 unencoded detached JWSs; each peer must accept all
//! of them that it can express, and must reject a copy of each with one signature byte changed
//! (so that a peer which accepted everything would fail this test too). A peer is only given
//! the shapes and algorithms its API has: `jose` has no ES256K, PyJWT has only the compact
//! serialization and takes a detached payload only with `b64: false`, `authlib.jose` has
//! neither detached payloads nor `b64: false`, and neither Python package knows the
//! fully-specified `Ed25519` algorithm name (both have `EdDSA`).

use std::process::Command;

use authcore_jose::crypto::{CryptoProvider, providers};
use authcore_jose::jws::{self, SignatureSpec};
use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, JwsHeader, SigningKey, b64, jwt};
use authcore_tests::peers::setup;
use serde_json::{Map, Value, json};

/// Fewest cases (valid and tampered) the PyJWT and Authlib tests must check: what ring alone
/// gives them, so that a filter gone wrong or a shape that quietly stopped being signed fails.
const PYJWT_MIN: usize = 28;
const AUTHLIB_MIN: usize = 72;

/// A fixed 2048-bit RSA key (RFC 7515 Appendix A.2): ring cannot generate RSA keys.
const RSA_JWK: &str = r#"{"kty":"RSA",
 "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
 "e":"AQAB",
 "d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
 "p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
 "q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
 "dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
 "dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
 "qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"}"#;

struct Case {
    name: String,
    value: Value,
}

#[allow(clippy::too_many_arguments)] // one argument per member of the vector schema
fn case(
    name: String,
    alg: JwsAlgorithm,
    keys: &[&Jwk],
    serialization: &str,
    jws: Value,
    payload: &[u8],
    detached: bool,
    unencoded: bool,
) -> Case {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            let public = if matches!(k.params, authcore_jose::KeyParams::Oct(_)) {
                (*k).clone()
            } else {
                k.to_public().expect("public part")
            };
            serde_json::from_str(&public.to_json()).expect("JWK JSON")
        })
        .collect();
    Case {
        value: json!({
            "name": name,
            "alg": alg.name(),
            "keys": keys,
            "serialization": serialization,
            "jws": jws,
            "payload_b64": b64::encode(payload),
            "detached": detached,
            "unencoded": unencoded,
            "expect": "valid",
        }),
        name,
    }
}

fn key_for(alg: JwsAlgorithm, provider: &CryptoProvider, rng: &InsecureTestRandom) -> Jwk {
    let mut jwk = match alg.family() {
        authcore_jose::AlgorithmFamily::RsaPkcs1 | authcore_jose::AlgorithmFamily::RsaPss => {
            Jwk::from_json(RSA_JWK.as_bytes()).expect("RSA JWK")
        }
        _ => Jwk::generate(alg, provider, rng).expect("generate"),
    };
    jwk.alg = Some(alg.name().to_owned());
    jwk.kid = Some(format!("authcore-{}", alg.name().to_ascii_lowercase()));
    jwk
}

/// Every shape this project signs, for every algorithm of every provider.
fn signed_cases() -> Vec<Case> {
    let rng = InsecureTestRandom::new(2026);
    let mut out = Vec::new();
    for provider in providers() {
        let p = provider.name();
        let hs_jwk = key_for(JwsAlgorithm::HS256, provider, &rng);
        let hs = SigningKey::from_jwk(&hs_jwk, None, provider).expect("HS256 key");
        for alg in JwsAlgorithm::ALL {
            if !provider.supports(alg) {
                continue;
            }
            let jwk = key_for(alg, provider, &rng);
            let signer = SigningKey::from_jwk(&jwk, None, provider).expect("signing key");
            let mut header = JwsHeader::new(alg);
            header.kid = jwk.kid.clone();
            let claims = json!({
                "iss": "https://issuer.example", "sub": "alice", "aud": "peer",
                "iat": 1_700_000_000, "exp": 4_100_000_000u64, "provider": p,
            });
            let mut jwt_header = header.clone();
            jwt_header.typ = Some("JWT".into());
            let token = jwt::encode(&jwt_header, &claims, &signer).expect("JWT");
            let payload = serde_json::to_vec(&claims).expect("claims");
            out.push(case(
                format!("{p} {alg} compact JWT"),
                alg,
                &[&jwk],
                "compact",
                token.into(),
                &payload,
                false,
                false,
            ));

            let payload = format!("signed by authcore {alg} on {p}: ünïcode & \"quotes\"");
            let spec = SignatureSpec {
                protected: header.clone(),
                unprotected: Map::new(),
                signer: &signer,
            };
            let flat = jws::sign_json(payload.as_bytes(), std::slice::from_ref(&spec), true, false)
                .expect("flattened");
            out.push(case(
                format!("{p} {alg} flattened JSON"),
                alg,
                &[&jwk],
                "flattened",
                flat,
                payload.as_bytes(),
                false,
                false,
            ));

            let det = jws::sign_compact_detached(&header, payload.as_bytes(), &signer, false)
                .expect("detached");
            out.push(case(
                format!("{p} {alg} detached compact"),
                alg,
                &[&jwk],
                "compact",
                det.into(),
                payload.as_bytes(),
                true,
                false,
            ));

            let mut hs_header = JwsHeader::new(JwsAlgorithm::HS256);
            hs_header.kid = hs_jwk.kid.clone();
            let mut unprotected = Map::new();
            unprotected.insert("x-note".into(), "unprotected member".into());
            let specs = [
                SignatureSpec {
                    protected: header.clone(),
                    unprotected,
                    signer: &signer,
                },
                SignatureSpec {
                    protected: hs_header,
                    unprotected: Map::new(),
                    signer: &hs,
                },
            ];
            let general =
                jws::sign_json(payload.as_bytes(), &specs, false, false).expect("general");
            out.push(case(
                format!("{p} {alg}+HS256 general JSON"),
                alg,
                &[&jwk, &hs_jwk],
                "general",
                general,
                payload.as_bytes(),
                false,
                false,
            ));

            if matches!(alg, JwsAlgorithm::HS256 | JwsAlgorithm::EdDSA) {
                let raw = b"$.02 raw payload, RFC 7797";
                let unenc =
                    jws::sign_compact_detached(&header, raw, &signer, true).expect("unencoded");
                out.push(case(
                    format!("{p} {alg} unencoded detached compact"),
                    alg,
                    &[&jwk],
                    "compact",
                    unenc.into(),
                    raw,
                    true,
                    true,
                ));
            }
        }
    }
    out
}

/// The case with the first signature's third byte flipped.
fn tampered(c: &Case) -> Case {
    fn flip(sig: &str) -> String {
        let mut raw = b64::decode(sig).expect("signature");
        raw[2] ^= 0x01;
        b64::encode(raw)
    }
    let mut value = c.value.clone();
    match &mut value["jws"] {
        Value::String(s) => {
            let (rest, sig) = s.rsplit_once('.').expect("compact");
            *s = format!("{rest}.{}", flip(sig));
        }
        Value::Object(o) => {
            let sig = match o.get_mut("signatures") {
                Some(Value::Array(a)) => a[0].as_object_mut().expect("signature object"),
                _ => o,
            };
            let flipped = flip(sig["signature"].as_str().expect("signature"));
            sig.insert("signature".into(), flipped.into());
        }
        _ => unreachable!(),
    }
    value["name"] = format!("{} (tampered)", c.name).into();
    value["expect"] = "invalid".into();
    Case {
        name: value["name"].as_str().unwrap_or_default().to_owned(),
        value,
    }
}

/// Feeds the cases to a peer verifier; returns (name, ok, error) per case, in order.
fn peer_results(cmd: Command, cases: &[Case], what: &str) -> Vec<(String, bool, String)> {
    let values: Vec<Value> = cases.iter().map(|c| c.value.clone()).collect();
    authcore_tests::peers::peer_results(cmd, &values, what)
        .iter()
        .zip(cases)
        .map(|(r, c)| {
            (
                c.name.clone(),
                r["ok"] == Value::Bool(true),
                r["error"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Checks a peer's answers: every valid case that `peer_has` keeps must be accepted, and a
/// tampered copy of each rejected; at least `min_cases` cases (valid and tampered) must be
/// checked. Returns the number of cases checked.
fn check_peer(
    cmd: Command,
    what: &str,
    peer_has: impl Fn(&Value) -> bool,
    min_cases: usize,
) -> usize {
    setup();
    let valid: Vec<Case> = signed_cases()
        .into_iter()
        .filter(|c| peer_has(&c.value))
        .collect();
    let bad: Vec<Case> = valid.iter().map(tampered).collect();
    let all: Vec<Case> = valid.into_iter().chain(bad).collect();
    let results = peer_results(cmd, &all, what);
    let mut failures = Vec::new();
    for ((name, ok, error), c) in results.iter().zip(&all) {
        let expect_ok = c.value["expect"] == "valid";
        if *ok != expect_ok {
            failures.push(format!("{name}: peer said ok={ok} ({error})"));
        }
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {} cases wrong:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    assert!(
        all.len() >= min_cases,
        "{what}: too few cases ({} < {min_cases})",
        all.len()
    );
    all.len()
}

fn is(c: &Value, member: &str) -> bool {
    c[member] == Value::Bool(true)
}

#[test]
fn node_jose_verifies_tokens_signed_here() {
    let mut cmd = Command::new("node");
    cmd.arg("verify_node_jose.mjs");
    // `jose` 6 has no secp256k1.
    let n = check_peer(cmd, "node jose", |c| c["alg"] != "ES256K", 40);
    eprintln!("node jose: {n} cases as expected");
}

#[test]
fn jwcrypto_verifies_tokens_signed_here() {
    let mut cmd = Command::new(authcore_tests::peers::python());
    cmd.arg("verify_jwcrypto.py");
    let n = check_peer(cmd, "jwcrypto", |_| true, 40);
    eprintln!("jwcrypto: {n} cases as expected");
}

#[test]
fn pyjwt_verifies_tokens_signed_here() {
    let mut cmd = Command::new(authcore_tests::peers::python());
    cmd.args(["verify_py_peer.py", "pyjwt"]);
    // PyJWT's PyJWS is compact only, its `detached_payload` needs `b64: false`, and its
    // algorithm table has EdDSA but not the fully-specified Ed25519 name.
    let n = check_peer(
        cmd,
        "PyJWT",
        |c| {
            c["serialization"] == "compact"
                && (!is(c, "detached") || is(c, "unencoded"))
                && c["alg"] != "Ed25519"
        },
        PYJWT_MIN,
    );
    eprintln!("PyJWT: {n} cases as expected");
}

#[test]
fn authlib_verifies_tokens_signed_here() {
    let mut cmd = Command::new(authcore_tests::peers::python());
    cmd.args(["verify_py_peer.py", "authlib"]);
    // authlib.jose takes the payload from the serialization only, knows no `b64`, and
    // registers EdDSA but not the fully-specified Ed25519 name.
    let n = check_peer(
        cmd,
        "Authlib",
        |c| !is(c, "detached") && !is(c, "unencoded") && c["alg"] != "Ed25519",
        AUTHLIB_MIN,
    );
    eprintln!("Authlib: {n} cases as expected");
}
