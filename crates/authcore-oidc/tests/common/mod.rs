//! A stub OpenID provider for the tests: three signing keys (RS256 from RFC 7517 §A.2, ES256
//! from RFC 7517 §A.2, Ed25519 generated from a fixed seed), its JWK Set, and token minting.
#![allow(dead_code)]

use authcore_jose::{
    InsecureTestRandom, Jwk, JwkSet, JwsAlgorithm, JwsHeader, SigningKey, UnixTime, VerifyingKeys,
    crypto, jwt,
};
use authcore_oidc::IdTokenVerifier;
use http::Response;
use serde_json::{Value, json};

pub const ISSUER: &str = "https://op.example";
pub const CLIENT: &str = "s6BhdRkqt3";
pub const SUB: &str = "248289761001";
pub const NOW: u64 = 1_700_000_000;

pub fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

pub fn rng() -> InsecureTestRandom {
    InsecureTestRandom::new(42)
}

fn rfc7517_private(name_prefix: &str) -> Jwk {
    let doc: Value =
        serde_json::from_str(include_str!("../../../../vectors/jwk/rfc7517.json")).unwrap();
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with(name_prefix))
        .unwrap();
    Jwk::from_json(case["jwk"].to_string().as_bytes()).unwrap()
}

pub struct Op {
    pub rsa: SigningKey,
    pub ec: SigningKey,
    pub ed: SigningKey,
    pub ed_second: SigningKey,
}

impl Op {
    pub fn new() -> Self {
        let p = crypto::default_provider();
        let mut rsa = rfc7517_private("A.2 private keys: RSA");
        rsa.kid = None;
        rsa.key_use = None;
        rsa.alg = None;
        let mut ec = rfc7517_private("A.2 private keys: EC");
        ec.kid = None;
        ec.key_use = None;
        ec.alg = None;
        let r = InsecureTestRandom::new(7);
        let ed = Jwk::generate(JwsAlgorithm::EdDSA, p, &r).unwrap();
        let ed2 = Jwk::generate(JwsAlgorithm::EdDSA, p, &r).unwrap();
        Op {
            rsa: SigningKey::from_jwk(&rsa, Some(JwsAlgorithm::RS256), p)
                .unwrap()
                .with_kid("rsa1"),
            ec: SigningKey::from_jwk(&ec, Some(JwsAlgorithm::ES256), p)
                .unwrap()
                .with_kid("ec1"),
            ed: SigningKey::from_jwk(&ed, Some(JwsAlgorithm::EdDSA), p)
                .unwrap()
                .with_kid("ed1"),
            ed_second: SigningKey::from_jwk(&ed2, Some(JwsAlgorithm::EdDSA), p)
                .unwrap()
                .with_kid("ed2"),
        }
    }

    pub fn key(&self, alg: JwsAlgorithm) -> &SigningKey {
        match alg {
            JwsAlgorithm::RS256 => &self.rsa,
            JwsAlgorithm::ES256 => &self.ec,
            _ => &self.ed,
        }
    }

    /// The JWK Set of the three main keys.
    pub fn jwks_json(&self) -> String {
        self.jwks_of(&[&self.rsa, &self.ec, &self.ed])
    }

    pub fn jwks_of(&self, keys: &[&SigningKey]) -> String {
        JwkSet::new(
            keys.iter()
                .map(|k| k.public_jwk().unwrap().clone())
                .collect(),
        )
        .to_json()
    }

    pub fn keys(&self) -> VerifyingKeys {
        let set = JwkSet::from_json(self.jwks_json().as_bytes()).unwrap();
        VerifyingKeys::from_jwk_set(
            &set,
            &[
                JwsAlgorithm::RS256,
                JwsAlgorithm::ES256,
                JwsAlgorithm::EdDSA,
            ],
            crypto::default_provider(),
            &Default::default(),
        )
        .unwrap()
    }

    pub fn sign(&self, alg: JwsAlgorithm, claims: &Value) -> String {
        let key = self.key(alg);
        let header = JwsHeader::new(alg).with_kid(key_kid(alg));
        jwt::encode(&header, claims, key).unwrap()
    }

    pub fn sign_with_header(&self, header: JwsHeader, claims: &Value) -> String {
        let key = self.key(header.alg);
        jwt::encode(&header, claims, key).unwrap()
    }
}

pub fn key_kid(alg: JwsAlgorithm) -> &'static str {
    match alg {
        JwsAlgorithm::RS256 => "rsa1",
        JwsAlgorithm::ES256 => "ec1",
        _ => "ed1",
    }
}

/// Claims of a valid ID token at `NOW`.
pub fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": SUB,
        "aud": CLIENT,
        "exp": NOW + 300,
        "iat": NOW - 5,
        "auth_time": NOW - 60,
        "nonce": "n-0S6_WzA2Mj",
    })
}

pub fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

pub fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().unwrap().remove(key);
    base
}

/// A verifier for the stub provider accepting RS256, ES256 and EdDSA.
pub fn verifier() -> IdTokenVerifier {
    IdTokenVerifier::new(ISSUER, CLIENT)
        .allowed_algorithms([
            JwsAlgorithm::RS256,
            JwsAlgorithm::ES256,
            JwsAlgorithm::EdDSA,
        ])
        .unwrap()
}

pub fn json_response(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}
