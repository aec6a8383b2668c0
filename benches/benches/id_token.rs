//! ID token validation end to end: authcore-oidc against the raw signature verification of the
//! same bytes and against the peer crate `openidconnect`, per algorithm, in one run.
//!
//! For each of RS256, ES256 and EdDSA, one criterion group (`id_token/<alg>`) measures, on the
//! same ID token (header `alg`, `typ`, `kid`; claims `iss`, `sub`, `aud`, `exp`, `iat`,
//! `auth_time`, `nonce`, `azp`, `email`, `email_verified`):
//!
//! | id                   | what runs                                                             |
//! |----------------------|-----------------------------------------------------------------------|
//! | `raw/ring`           | ring's verification of the signing input and signature bytes          |
//! | `oidc/ring`          | `IdTokenVerifier::validate` (ring provider) with the `JwksCache` keys |
//! | `raw/aws-lc-rs`      | aws-lc-rs's verification of the same bytes, key parsed once           |
//! | `oidc/aws-lc-rs`     | as `oidc/ring`, aws-lc-rs provider                                    |
//! | `openidconnect`      | `openidconnect` 4: `CoreIdToken` parsed from the string, then `claims()` with a `CoreIdTokenVerifier` and the nonce |
//!
//! Both ID token validations check the signature, `iss`, `aud`, `azp`, `exp`, `iat` and the
//! `nonce`; authcore-oidc also checks the `iat` window and parses the standard claims into
//! typed fields. The key set is loaded once (the JWKS cache builds the verification keys when
//! the JWK Set response arrives), so no benchmark includes key preparation.
//!
//! Keys are made and tokens signed with aws-lc-rs directly in the setup; every validator must
//! accept every token once before anything is timed.

use std::hint::black_box;
use std::time::Duration;

use authcore_benches::{Fixture, rsa_public_key_der, unsigned};
use authcore_jose::crypto::{self, CryptoProvider};
use authcore_jose::{JwkSet, JwsAlgorithm, KeyParams, UnixTime};
use authcore_oidc::{IdTokenExpectations, IdTokenVerifier, JwksAction, JwksCache};
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group};

const ISSUER: &str = "https://op.example.com";
const CLIENT: &str = "s6BhdRkqt3";
const SUBJECT: &str = "248289761001";
const NONCE: &str = "n-0S6_WzA2Mj";
const KID: &str = "op-key-1";
const IAT: u64 = 1_700_000_000;
/// Far in the future, because openidconnect compares `exp` with the system clock.
const EXP: u64 = 4_102_444_800;
/// The `now` given to authcore, which takes time as an argument.
const NOW: u64 = IAT + 30;

const ALGORITHMS: [JwsAlgorithm; 3] = [
    JwsAlgorithm::RS256,
    JwsAlgorithm::ES256,
    JwsAlgorithm::EdDSA,
];

fn fixture(alg: JwsAlgorithm) -> Fixture {
    let claims = format!(
        r#"{{"iss":"{ISSUER}","sub":"{SUBJECT}","aud":"{CLIENT}","exp":{EXP},"iat":{IAT},"auth_time":{},"nonce":"{NONCE}","azp":"{CLIENT}","email":"janedoe@example.com","email_verified":true}}"#,
        IAT - 10
    );
    let mut fx = authcore_benches::fixture(alg, KID, &claims);
    fx.public.kid = Some(KID.to_owned());
    fx.public.key_use = Some("sig".to_owned());
    fx
}

fn jwks_json(fx: &Fixture) -> String {
    JwkSet::new(vec![fx.public.clone()]).to_json()
}

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// ring, called as the ring provider calls it.
fn raw_ring(g: &mut Group<'_>, fx: &Fixture) {
    use ring::signature as s;
    let id = BenchmarkId::new("raw", "ring");
    let (msg, sig) = (fx.signing_input.as_slice(), fx.signature.as_slice());
    match &fx.public.params {
        KeyParams::Rsa(p) => {
            let key = s::RsaPublicKeyComponents {
                n: unsigned(&p.n),
                e: unsigned(&p.e),
            };
            let alg = &s::RSA_PKCS1_2048_8192_SHA256;
            key.verify(alg, msg, sig).expect("ring RSA");
            g.bench_function(id, |b| {
                b.iter(|| key.verify(alg, black_box(msg), black_box(sig)))
            });
        }
        KeyParams::Ec(p) => {
            let key =
                s::UnparsedPublicKey::new(&s::ECDSA_P256_SHA256_FIXED, p.uncompressed_point());
            key.verify(msg, sig).expect("ring ECDSA");
            g.bench_function(id, |b| {
                b.iter(|| key.verify(black_box(msg), black_box(sig)))
            });
        }
        KeyParams::Okp(p) => {
            let key = s::UnparsedPublicKey::new(&s::ED25519, p.x.clone());
            key.verify(msg, sig).expect("ring Ed25519");
            g.bench_function(id, |b| {
                b.iter(|| key.verify(black_box(msg), black_box(sig)))
            });
        }
        _ => unreachable!("no HMAC fixtures"),
    }
}

/// aws-lc-rs, called as the aws-lc-rs provider calls it: a public key parsed once.
fn raw_aws_lc(g: &mut Group<'_>, fx: &Fixture) {
    use aws_lc_rs::signature as s;
    let (msg, sig) = (fx.signing_input.as_slice(), fx.signature.as_slice());
    let (alg, bytes): (&'static dyn s::VerificationAlgorithm, Vec<u8>) = match &fx.public.params {
        KeyParams::Rsa(p) => (
            &s::RSA_PKCS1_2048_8192_SHA256,
            rsa_public_key_der(&p.n, &p.e),
        ),
        KeyParams::Ec(p) => (&s::ECDSA_P256_SHA256_FIXED, p.uncompressed_point()),
        KeyParams::Okp(p) => (&s::ED25519, p.x.clone()),
        _ => unreachable!("no HMAC fixtures"),
    };
    let key = s::ParsedPublicKey::new(alg, &bytes).expect("aws-lc-rs public key");
    key.verify_sig(msg, sig).expect("aws-lc-rs verify");
    g.bench_function(BenchmarkId::new("raw", "aws-lc-rs"), |b| {
        b.iter(|| key.verify_sig(black_box(msg), black_box(sig)))
    });
}

/// authcore-oidc: the JWKS cache fed the provider's JWK Set once, then full ID token
/// validation of the code flow (token endpoint ID token, nonce sent).
fn authcore(g: &mut Group<'_>, fx: &Fixture, provider: &'static CryptoProvider) {
    let now = UnixTime::from_secs(NOW);
    let mut cache = JwksCache::new("https://op.example.com/jwks", &[fx.alg])
        .expect("JWKS cache")
        .with_crypto_provider(provider);
    let JwksAction::Fetch(_) = cache.poll(now) else {
        panic!("the first poll fetches")
    };
    let resp = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(jwks_json(fx).into_bytes())
        .expect("response");
    cache.handle_response(&resp, now).expect("JWK Set");
    let verifier = IdTokenVerifier::new(ISSUER, CLIENT)
        .id_token_signed_response_alg(fx.alg)
        .expect("allow-list")
        .with_crypto_provider(provider)
        .expect("provider");
    let expect = IdTokenExpectations::token_endpoint().nonce(NONCE);
    let token = fx.token.as_str();
    let claims = verifier
        .validate(token, &cache, &expect, now)
        .expect("authcore-oidc validates the ID token");
    assert_eq!(claims.sub, SUBJECT);
    g.bench_function(BenchmarkId::new("oidc", provider.name()), |b| {
        b.iter(|| verifier.validate(black_box(token), &cache, &expect, now))
    });
}

/// openidconnect 4: parse the ID token string, then validate it with a verifier built once
/// from the same JWK Set.
fn peer_openidconnect(g: &mut Group<'_>, fx: &Fixture) {
    use openidconnect::core::{
        CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    };
    use openidconnect::{ClientId, IssuerUrl, Nonce};
    use std::str::FromStr;

    let jwks: CoreJsonWebKeySet = serde_json::from_str(&jwks_json(fx)).expect("peer JWK Set");
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new(CLIENT.to_owned()),
        IssuerUrl::new(ISSUER.to_owned()).expect("issuer URL"),
        jwks,
    )
    // Its default allow-list is RS256 only, like authcore-oidc's; both are given the alg.
    .set_allowed_algs([match fx.alg {
        JwsAlgorithm::RS256 => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        JwsAlgorithm::ES256 => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        _ => CoreJwsSigningAlgorithm::EdDsa,
    }]);
    let nonce = Nonce::new(NONCE.to_owned());
    let token = fx.token.as_str();
    let validate = || -> Result<String, String> {
        let id_token = CoreIdToken::from_str(black_box(token)).map_err(|e| e.to_string())?;
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| e.to_string())?;
        Ok(claims.subject().as_str().to_owned())
    };
    match validate() {
        Ok(sub) => assert_eq!(sub, SUBJECT),
        Err(e) => {
            eprintln!("openidconnect cannot validate the {} token: {e}", fx.alg);
            return;
        }
    }
    g.bench_function("openidconnect", |b| b.iter(validate));
}

fn id_tokens(c: &mut Criterion) {
    for alg in ALGORITHMS {
        let fx = fixture(alg);
        let mut g = c.benchmark_group(format!("id_token/{}", alg.name()));
        raw_ring(&mut g, &fx);
        authcore(&mut g, &fx, crypto::provider_by_name("ring").expect("ring"));
        raw_aws_lc(&mut g, &fx);
        authcore(
            &mut g,
            &fx,
            crypto::provider_by_name("aws-lc-rs").expect("aws-lc-rs"),
        );
        peer_openidconnect(&mut g, &fx);
        g.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_millis(2500))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = id_tokens
}

/// Runs `f` `n` times; the only function whose instructions the callgrind mode counts.
#[inline(never)]
fn measured_loop(n: u64, f: &mut dyn FnMut()) {
    for _ in 0..n {
        f();
    }
}

/// Instruction-count mode for a machine too busy for wall-clock ratios:
/// `ID_TOKEN_CALLGRIND="<alg> <id> <n>"` (id: `raw/ring`, `oidc/ring`, `raw/aws-lc-rs`,
/// `oidc/aws-lc-rs`, `openidconnect`) runs that verification `n` times and exits; run it under
/// `valgrind --tool=callgrind --toggle-collect='*measured_loop*'` and divide by `n`.
fn callgrind(spec: &str) {
    let mut it = spec.split_whitespace();
    let (Some(alg), Some(id), Some(n)) = (it.next(), it.next(), it.next()) else {
        panic!("ID_TOKEN_CALLGRIND is \"<alg> <id> <n>\"")
    };
    let alg: JwsAlgorithm = alg.parse().expect("algorithm");
    let n: u64 = n.parse().expect("iterations");
    let fx = fixture(alg);
    let (msg, sig) = (fx.signing_input.as_slice(), fx.signature.as_slice());
    match id {
        "raw/ring" => {
            use ring::signature as s;
            match &fx.public.params {
                KeyParams::Rsa(p) => {
                    let key = s::RsaPublicKeyComponents {
                        n: unsigned(&p.n),
                        e: unsigned(&p.e),
                    };
                    measured_loop(n, &mut || {
                        key.verify(
                            &s::RSA_PKCS1_2048_8192_SHA256,
                            black_box(msg),
                            black_box(sig),
                        )
                        .expect("verify");
                    });
                }
                KeyParams::Ec(p) => {
                    let key = s::UnparsedPublicKey::new(
                        &s::ECDSA_P256_SHA256_FIXED,
                        p.uncompressed_point(),
                    );
                    measured_loop(n, &mut || {
                        key.verify(black_box(msg), black_box(sig)).expect("verify")
                    });
                }
                KeyParams::Okp(p) => {
                    let key = s::UnparsedPublicKey::new(&s::ED25519, p.x.clone());
                    measured_loop(n, &mut || {
                        key.verify(black_box(msg), black_box(sig)).expect("verify")
                    });
                }
                _ => unreachable!(),
            }
        }
        "raw/aws-lc-rs" => {
            use aws_lc_rs::signature as s;
            let (a, bytes): (&'static dyn s::VerificationAlgorithm, Vec<u8>) =
                match &fx.public.params {
                    KeyParams::Rsa(p) => (
                        &s::RSA_PKCS1_2048_8192_SHA256,
                        rsa_public_key_der(&p.n, &p.e),
                    ),
                    KeyParams::Ec(p) => (&s::ECDSA_P256_SHA256_FIXED, p.uncompressed_point()),
                    KeyParams::Okp(p) => (&s::ED25519, p.x.clone()),
                    _ => unreachable!(),
                };
            let key = s::ParsedPublicKey::new(a, &bytes).expect("key");
            measured_loop(n, &mut || {
                key.verify_sig(black_box(msg), black_box(sig))
                    .expect("verify")
            });
        }
        "oidc/ring" | "oidc/aws-lc-rs" => {
            let provider = crypto::provider_by_name(&id[5..]).expect("provider");
            let now = UnixTime::from_secs(NOW);
            let mut cache = JwksCache::new("https://op.example.com/jwks", &[fx.alg])
                .expect("JWKS cache")
                .with_crypto_provider(provider);
            let JwksAction::Fetch(_) = cache.poll(now) else {
                panic!("the first poll fetches")
            };
            let resp = http::Response::builder()
                .status(200)
                .body(jwks_json(&fx).into_bytes())
                .expect("response");
            cache.handle_response(&resp, now).expect("JWK Set");
            let verifier = IdTokenVerifier::new(ISSUER, CLIENT)
                .id_token_signed_response_alg(fx.alg)
                .expect("allow-list")
                .with_crypto_provider(provider)
                .expect("provider");
            let expect = IdTokenExpectations::token_endpoint().nonce(NONCE);
            let token = fx.token.as_str();
            measured_loop(n, &mut || {
                verifier
                    .validate(black_box(token), &cache, &expect, now)
                    .expect("valid");
            });
        }
        "openidconnect" => {
            use openidconnect::core::{
                CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
            };
            use openidconnect::{ClientId, IssuerUrl, Nonce};
            use std::str::FromStr;
            let jwks: CoreJsonWebKeySet = serde_json::from_str(&jwks_json(&fx)).expect("JWKS");
            let verifier = CoreIdTokenVerifier::new_public_client(
                ClientId::new(CLIENT.to_owned()),
                IssuerUrl::new(ISSUER.to_owned()).expect("issuer"),
                jwks,
            )
            .set_allowed_algs([match fx.alg {
                JwsAlgorithm::RS256 => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                JwsAlgorithm::ES256 => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                _ => CoreJwsSigningAlgorithm::EdDsa,
            }]);
            let nonce = Nonce::new(NONCE.to_owned());
            let token = fx.token.as_str();
            measured_loop(n, &mut || {
                let t = CoreIdToken::from_str(black_box(token)).expect("parse");
                t.claims(&verifier, &nonce).expect("valid");
            });
        }
        other => panic!("unknown id {other}"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var("ID_TOKEN_CALLGRIND") {
        callgrind(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
