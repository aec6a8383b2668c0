//! Signed-token verification: authcore against the raw primitives it calls and against peer
//! crates, per algorithm, in one run.
//!
//! For each of HS256, RS256, PS256, ES256, ES384 and EdDSA, one criterion group (named after
//! the algorithm) measures, on the same token:
//!
//! | id                         | what runs                                                      |
//! |----------------------------|----------------------------------------------------------------|
//! | `raw/ring`                 | ring's verification of the signing input and signature bytes  |
//! | `jws/ring`                 | `authcore_jose::jws::verify_compact` with the ring provider    |
//! | `jwt/ring`                 | `authcore_jose::jwt::verify` (signature + claims), ring        |
//! | `raw/aws-lc-rs`            | aws-lc-rs's verification of the same bytes                     |
//! | `jws/aws-lc-rs`            | as `jws/ring`, aws-lc-rs provider                              |
//! | `jwt/aws-lc-rs`            | as `jwt/ring`, aws-lc-rs provider                              |
//! | `jsonwebtoken/rust_crypto` | `jsonwebtoken::decode` with its RustCrypto backend             |
//! | `jsonwebtoken/aws_lc_rs`   | `jsonwebtoken::decode` with its aws-lc-rs backend              |
//! | `jwt-simple/pure-rust`     | `jwt_simple` `verify_token` (pure-Rust build)                  |
//!
//! The JWT verifications all check the signature, `exp`, `iss` and `aud`. The `anatomy` group
//! times the steps of the authcore JWT path separately (base64url, header JSON, claims JSON,
//! claim checks) on the HS256 token, to show where the time above the raw primitive goes.
//!
//! Every token is verified once by every verifier before anything is timed, so no benchmark
//! measures an error path.
//!
//! For a machine too busy for wall-clock ratios, `VERIFY_CALLGRIND="<alg> <id> <n>"` (id:
//! `raw/ring`, `jwt/ring`, `raw/aws-lc-rs`, `jwt/aws-lc-rs`) runs that verification `n` times
//! in `measured_loop` and exits, to be counted with
//! `valgrind --tool=callgrind --toggle-collect='*measured_loop*'`.

use std::hint::black_box;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use authcore_benches::{Fixture, batched, rsa_public_key_der, unsigned};
use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{
    Jwk, JwsAlgorithm, JwsHeader, JwsOptions, KeyParams, UnixTime, VerifyingKey, b64, jws, jwt,
};
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group};
use serde::Deserialize;

const ISSUER: &str = "https://issuer.example.com";
const AUDIENCE: &str = "https://api.example.com";
const SUBJECT: &str = "248289761001";
const JTI: &str = "5f0c1c2e-9d1b-4b8e-a7d4-3c2f1e0b9a87";
const KID: &str = "bench-key-1";
const IAT: u64 = 1_700_000_000;
/// Far in the future, because jsonwebtoken compares `exp` with the system clock.
const EXP: u64 = 4_102_444_800;
/// The `now` given to the verifiers that take time as an argument.
const NOW: u64 = 1_800_000_000;

const ALGORITHMS: [JwsAlgorithm; 6] = [
    JwsAlgorithm::HS256,
    JwsAlgorithm::RS256,
    JwsAlgorithm::PS256,
    JwsAlgorithm::ES256,
    JwsAlgorithm::ES384,
    JwsAlgorithm::EdDSA,
];

fn fixture(alg: JwsAlgorithm) -> Fixture {
    let claims = format!(
        r#"{{"iss":"{ISSUER}","sub":"{SUBJECT}","aud":"{AUDIENCE}","exp":{EXP},"iat":{IAT},"jti":"{JTI}"}}"#
    );
    authcore_benches::fixture(alg, KID, &claims)
}

fn rsa_parts(jwk: &Jwk) -> (&[u8], &[u8]) {
    match &jwk.params {
        KeyParams::Rsa(p) => (unsigned(&p.n), unsigned(&p.e)),
        _ => unreachable!("RSA fixture"),
    }
}

fn ec_point(jwk: &Jwk) -> Vec<u8> {
    match &jwk.params {
        KeyParams::Ec(p) => p.uncompressed_point(),
        _ => unreachable!("EC fixture"),
    }
}

fn ed25519_x(jwk: &Jwk) -> &[u8] {
    match &jwk.params {
        KeyParams::Okp(p) => &p.x,
        _ => unreachable!("OKP fixture"),
    }
}

fn hmac_secret(jwk: &Jwk) -> &[u8] {
    match &jwk.params {
        KeyParams::Oct(p) => p.k.expose(),
        _ => unreachable!("oct fixture"),
    }
}

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// ring, called as the ring provider calls it: a precomputed HMAC key, RSA public key
/// components, or an unparsed EC/Ed25519 public key.
fn raw_ring(g: &mut Group<'_>, fx: &Fixture) {
    use ring::signature as s;
    let id = BenchmarkId::new("raw", "ring");
    let (msg, sig) = (fx.signing_input.as_slice(), fx.signature.as_slice());
    match fx.alg {
        JwsAlgorithm::HS256 => {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, hmac_secret(&fx.public));
            ring::hmac::verify(&key, msg, sig).expect("ring HMAC");
            g.bench_function(
                id,
                batched(|| ring::hmac::verify(&key, black_box(msg), black_box(sig))),
            );
        }
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => {
            let params = if fx.alg == JwsAlgorithm::RS256 {
                &s::RSA_PKCS1_2048_8192_SHA256
            } else {
                &s::RSA_PSS_2048_8192_SHA256
            };
            let (n, e) = rsa_parts(&fx.public);
            let key = s::RsaPublicKeyComponents { n, e };
            key.verify(params, msg, sig).expect("ring RSA");
            g.bench_function(
                id,
                batched(|| key.verify(params, black_box(msg), black_box(sig))),
            );
        }
        JwsAlgorithm::ES256 | JwsAlgorithm::ES384 => {
            let alg = if fx.alg == JwsAlgorithm::ES256 {
                &s::ECDSA_P256_SHA256_FIXED
            } else {
                &s::ECDSA_P384_SHA384_FIXED
            };
            let key = s::UnparsedPublicKey::new(alg, ec_point(&fx.public));
            key.verify(msg, sig).expect("ring ECDSA");
            g.bench_function(id, batched(|| key.verify(black_box(msg), black_box(sig))));
        }
        _ => {
            let key = s::UnparsedPublicKey::new(&s::ED25519, ed25519_x(&fx.public).to_vec());
            key.verify(msg, sig).expect("ring Ed25519");
            g.bench_function(id, batched(|| key.verify(black_box(msg), black_box(sig))));
        }
    }
}

/// aws-lc-rs, called as the aws-lc-rs provider calls it: a precomputed HMAC key, or a public
/// key parsed once.
fn raw_aws_lc(g: &mut Group<'_>, fx: &Fixture) {
    use aws_lc_rs::signature as s;
    let id = BenchmarkId::new("raw", "aws-lc-rs");
    let (msg, sig) = (fx.signing_input.as_slice(), fx.signature.as_slice());
    if fx.alg == JwsAlgorithm::HS256 {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, hmac_secret(&fx.public));
        aws_lc_rs::hmac::verify(&key, msg, sig).expect("aws-lc-rs HMAC");
        g.bench_function(
            id,
            batched(|| aws_lc_rs::hmac::verify(&key, black_box(msg), black_box(sig))),
        );
        return;
    }
    let (alg, bytes): (&'static dyn s::VerificationAlgorithm, Vec<u8>) = match fx.alg {
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => {
            let (n, e) = rsa_parts(&fx.public);
            let alg: &'static dyn s::VerificationAlgorithm = if fx.alg == JwsAlgorithm::RS256 {
                &s::RSA_PKCS1_2048_8192_SHA256
            } else {
                &s::RSA_PSS_2048_8192_SHA256
            };
            (alg, rsa_public_key_der(n, e))
        }
        JwsAlgorithm::ES256 => (&s::ECDSA_P256_SHA256_FIXED, ec_point(&fx.public)),
        JwsAlgorithm::ES384 => (&s::ECDSA_P384_SHA384_FIXED, ec_point(&fx.public)),
        _ => (&s::ED25519, ed25519_x(&fx.public).to_vec()),
    };
    let key = s::ParsedPublicKey::new(alg, &bytes).expect("aws-lc-rs public key");
    key.verify_sig(msg, sig).expect("aws-lc-rs verify");
    g.bench_function(
        id,
        batched(|| key.verify_sig(black_box(msg), black_box(sig))),
    );
}

fn validation() -> jwt::Validation {
    jwt::Validation::new().issuer(ISSUER).audience(AUDIENCE)
}

/// authcore: compact JWS verification, then full JWT verification with claim checks.
fn authcore(g: &mut Group<'_>, fx: &Fixture, provider: &'static CryptoProvider) {
    let key = VerifyingKey::from_jwk(&fx.public, None, provider).expect("verifying key");
    let options = JwsOptions::default();
    let validation = validation();
    let now = UnixTime::from_secs(NOW);
    let token = fx.token.as_str();

    jws::verify_compact(token, &key, &options).expect("authcore JWS verify");
    let ok = jwt::verify(token, &key, &validation, now).expect("authcore JWT verify");
    assert_eq!(ok.claims.registered.sub.as_deref(), Some(SUBJECT));

    g.bench_function(
        BenchmarkId::new("jws", provider.name()),
        batched(|| jws::verify_compact(black_box(token), &key, &options)),
    );
    g.bench_function(
        BenchmarkId::new("jwt", provider.name()),
        batched(|| jwt::verify(black_box(token), &key, &validation, now)),
    );
}

/// The claims as an application using jsonwebtoken would declare them.
#[derive(Deserialize)]
struct TypedClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    iat: u64,
    jti: String,
}

impl TypedClaims {
    fn check(&self) {
        assert_eq!(
            (
                self.iss.as_str(),
                self.sub.as_str(),
                self.aud.as_str(),
                self.exp,
                self.iat
            ),
            (ISSUER, SUBJECT, AUDIENCE, EXP, IAT)
        );
        assert_eq!(self.jti, JTI);
    }
}

/// jsonwebtoken takes its backend from a process-wide provider that can be installed once.
/// To time both backends in one process, the installed provider forwards key preparation to
/// the backend named by this switch; the cost is one relaxed atomic load per call.
static JSONWEBTOKEN_BACKEND: AtomicU8 = AtomicU8::new(RUST_CRYPTO);
const RUST_CRYPTO: u8 = 0;
const AWS_LC: u8 = 1;

fn install_jsonwebtoken_switch() {
    use jsonwebtoken::crypto::{self, CryptoProvider as JwtProvider};
    static SWITCH: OnceLock<JwtProvider> = OnceLock::new();
    let provider = SWITCH.get_or_init(|| JwtProvider {
        signer_factory: |alg, key| match JSONWEBTOKEN_BACKEND.load(Ordering::Relaxed) {
            RUST_CRYPTO => (crypto::rust_crypto::DEFAULT_PROVIDER.signer_factory)(alg, key),
            _ => (crypto::aws_lc::DEFAULT_PROVIDER.signer_factory)(alg, key),
        },
        verifier_factory: |alg, key| match JSONWEBTOKEN_BACKEND.load(Ordering::Relaxed) {
            RUST_CRYPTO => (crypto::rust_crypto::DEFAULT_PROVIDER.verifier_factory)(alg, key),
            _ => (crypto::aws_lc::DEFAULT_PROVIDER.verifier_factory)(alg, key),
        },
        key_utils: crypto::rust_crypto::DEFAULT_PROVIDER.key_utils.clone(),
    });
    // Only this function installs a provider, and it may run more than once.
    let _ = provider.install_default();
}

fn jsonwebtoken_bench(g: &mut Group<'_>, fx: &Fixture) {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let (alg, key) = match fx.alg {
        JwsAlgorithm::HS256 => (
            Algorithm::HS256,
            DecodingKey::from_secret(hmac_secret(&fx.public)),
        ),
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => {
            let (n, e) = rsa_parts(&fx.public);
            let alg = if fx.alg == JwsAlgorithm::RS256 {
                Algorithm::RS256
            } else {
                Algorithm::PS256
            };
            (alg, DecodingKey::from_rsa_raw_components(n, e))
        }
        JwsAlgorithm::ES256 | JwsAlgorithm::ES384 => {
            let KeyParams::Ec(p) = &fx.public.params else {
                unreachable!("EC fixture")
            };
            let alg = if fx.alg == JwsAlgorithm::ES256 {
                Algorithm::ES256
            } else {
                Algorithm::ES384
            };
            let key = DecodingKey::from_ec_components(&b64::encode(&p.x), &b64::encode(&p.y))
                .expect("jsonwebtoken EC key");
            (alg, key)
        }
        _ => {
            let key = DecodingKey::from_ed_components(&b64::encode(ed25519_x(&fx.public)))
                .expect("jsonwebtoken Ed25519 key");
            (Algorithm::EdDSA, key)
        }
    };
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    let token = fx.token.as_str();

    for (backend, name) in [(RUST_CRYPTO, "rust_crypto"), (AWS_LC, "aws_lc_rs")] {
        JSONWEBTOKEN_BACKEND.store(backend, Ordering::Relaxed);
        jsonwebtoken::decode::<TypedClaims>(token, &key, &validation)
            .unwrap_or_else(|e| panic!("jsonwebtoken ({name}) rejected the {} token: {e}", fx.alg))
            .claims
            .check();
        g.bench_function(
            BenchmarkId::new("jsonwebtoken", name),
            batched(|| jsonwebtoken::decode::<TypedClaims>(black_box(token), &key, &validation)),
        );
    }
}

fn jwt_simple_bench(g: &mut Group<'_>, fx: &Fixture) {
    use jwt_simple::prelude::*;
    let options = VerificationOptions {
        allowed_issuers: Some(HashSet::from([ISSUER.to_owned()])),
        allowed_audiences: Some(HashSet::from([AUDIENCE.to_owned()])),
        artificial_time: Some(UnixTimeStamp::from_secs(NOW)),
        ..Default::default()
    };
    let token = fx.token.as_str();
    let id = BenchmarkId::new("jwt-simple", "pure-rust");
    // The options are taken by value, so each call pays for a clone (jwt-simple's API).
    macro_rules! run {
        ($key:expr) => {{
            let key = $key;
            let claims = key
                .verify_token::<NoCustomClaims>(token, Some(options.clone()))
                .unwrap_or_else(|e| panic!("jwt-simple rejected the {} token: {e}", fx.alg));
            assert_eq!(claims.subject.as_deref(), Some(SUBJECT));
            assert_eq!(claims.jwt_id.as_deref(), Some(JTI));
            g.bench_function(
                id,
                batched(|| {
                    key.verify_token::<NoCustomClaims>(black_box(token), Some(options.clone()))
                }),
            );
        }};
    }
    match fx.alg {
        JwsAlgorithm::HS256 => run!(HS256Key::from_bytes(hmac_secret(&fx.public))),
        JwsAlgorithm::RS256 => {
            let (n, e) = rsa_parts(&fx.public);
            run!(RS256PublicKey::from_components(n, e).expect("jwt-simple RSA key"))
        }
        JwsAlgorithm::PS256 => {
            let (n, e) = rsa_parts(&fx.public);
            run!(PS256PublicKey::from_components(n, e).expect("jwt-simple RSA key"))
        }
        JwsAlgorithm::ES256 => {
            run!(ES256PublicKey::from_bytes(&ec_point(&fx.public)).expect("jwt-simple P-256 key"))
        }
        JwsAlgorithm::ES384 => {
            run!(ES384PublicKey::from_bytes(&ec_point(&fx.public)).expect("jwt-simple P-384 key"))
        }
        _ => run!(
            Ed25519PublicKey::from_bytes(ed25519_x(&fx.public)).expect("jwt-simple Ed25519 key")
        ),
    }
}

fn verify_tokens(c: &mut Criterion) {
    install_jsonwebtoken_switch();
    let ring: &'static CryptoProvider = &authcore_jose::crypto::ring::PROVIDER;
    let aws_lc: &'static CryptoProvider = &authcore_jose::crypto::aws_lc::PROVIDER;
    for alg in ALGORITHMS {
        let fx = fixture(alg);
        let mut g = c.benchmark_group(alg.name());
        // Each provider's layers run next to its raw primitive, so their ratio sees the same
        // machine load.
        raw_ring(&mut g, &fx);
        authcore(&mut g, &fx, ring);
        raw_aws_lc(&mut g, &fx);
        authcore(&mut g, &fx, aws_lc);
        jsonwebtoken_bench(&mut g, &fx);
        jwt_simple_bench(&mut g, &fx);
        g.finish();
    }
}

/// The steps of `jwt::verify` on the HS256 token, each timed alone.
fn anatomy(c: &mut Criterion) {
    let fx = fixture(JwsAlgorithm::HS256);
    let mut parts = fx.token.split('.');
    let (h, p, s) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let header_json = b64::decode(h).expect("header");
    let payload = b64::decode(p).expect("payload");
    let claims = jwt::Claims::from_json(&payload).expect("claims");
    let validation = validation();
    let now = UnixTime::from_secs(NOW);
    validation
        .validate_claims(&claims, now)
        .expect("claims valid");
    JwsHeader::from_json(&header_json).expect("header JSON");

    let mut g = c.benchmark_group("anatomy");
    // The header and the signature are decoded into stack buffers, as `jws::verify_compact`
    // does; the payload into a new `Vec`, which the verified token keeps.
    let mut buf = [0u8; 512];
    g.bench_function(
        "b64-header",
        batched(|| b64::decode_to_slice(black_box(h), &mut buf[..256]).map(black_box)),
    );
    g.bench_function(
        "header-json",
        batched(|| JwsHeader::from_json(black_box(&header_json))),
    );
    g.bench_function(
        "b64-signature",
        batched(|| b64::decode_to_slice(black_box(s), &mut buf).map(black_box)),
    );
    g.bench_function("b64-payload", batched(|| b64::decode(black_box(p))));
    g.bench_function(
        "claims-json",
        batched(|| jwt::Claims::from_json(black_box(&payload))),
    );
    g.bench_function(
        "validate-claims",
        batched(|| validation.validate_claims(black_box(&claims), now)),
    );
    g.finish();
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
    targets = verify_tokens, anatomy
}

/// Runs `f` `n` times; the only function whose instructions the callgrind mode counts.
#[inline(never)]
fn measured_loop(n: u64, f: &mut dyn FnMut()) {
    for _ in 0..n {
        f();
    }
}

/// The raw primitive of `fx` with ring, called as in [`raw_ring`], as one closure.
fn raw_ring_once(fx: &Fixture) -> Box<dyn Fn() + '_> {
    use ring::signature as s;
    let (msg, sig) = (fx.signing_input.as_slice(), fx.signature.as_slice());
    match fx.alg {
        JwsAlgorithm::HS256 => {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, hmac_secret(&fx.public));
            Box::new(move || {
                ring::hmac::verify(&key, black_box(msg), black_box(sig)).expect("verify")
            })
        }
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => {
            let params = if fx.alg == JwsAlgorithm::RS256 {
                &s::RSA_PKCS1_2048_8192_SHA256
            } else {
                &s::RSA_PSS_2048_8192_SHA256
            };
            let (n, e) = rsa_parts(&fx.public);
            let key = s::RsaPublicKeyComponents { n, e };
            Box::new(move || {
                key.verify(params, black_box(msg), black_box(sig))
                    .expect("verify")
            })
        }
        JwsAlgorithm::ES256 | JwsAlgorithm::ES384 => {
            let alg = if fx.alg == JwsAlgorithm::ES256 {
                &s::ECDSA_P256_SHA256_FIXED
            } else {
                &s::ECDSA_P384_SHA384_FIXED
            };
            let key = s::UnparsedPublicKey::new(alg, ec_point(&fx.public));
            Box::new(move || key.verify(black_box(msg), black_box(sig)).expect("verify"))
        }
        _ => {
            let key = s::UnparsedPublicKey::new(&s::ED25519, ed25519_x(&fx.public).to_vec());
            Box::new(move || key.verify(black_box(msg), black_box(sig)).expect("verify"))
        }
    }
}

/// The raw primitive of `fx` with aws-lc-rs, called as in [`raw_aws_lc`], as one closure.
fn raw_aws_lc_once(fx: &Fixture) -> Box<dyn Fn() + '_> {
    use aws_lc_rs::signature as s;
    let (msg, sig) = (fx.signing_input.as_slice(), fx.signature.as_slice());
    if fx.alg == JwsAlgorithm::HS256 {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, hmac_secret(&fx.public));
        return Box::new(move || {
            aws_lc_rs::hmac::verify(&key, black_box(msg), black_box(sig)).expect("verify")
        });
    }
    let (alg, bytes): (&'static dyn s::VerificationAlgorithm, Vec<u8>) = match fx.alg {
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => {
            let (n, e) = rsa_parts(&fx.public);
            let alg: &'static dyn s::VerificationAlgorithm = if fx.alg == JwsAlgorithm::RS256 {
                &s::RSA_PKCS1_2048_8192_SHA256
            } else {
                &s::RSA_PSS_2048_8192_SHA256
            };
            (alg, rsa_public_key_der(n, e))
        }
        JwsAlgorithm::ES256 => (&s::ECDSA_P256_SHA256_FIXED, ec_point(&fx.public)),
        JwsAlgorithm::ES384 => (&s::ECDSA_P384_SHA384_FIXED, ec_point(&fx.public)),
        _ => (&s::ED25519, ed25519_x(&fx.public).to_vec()),
    };
    let key = s::ParsedPublicKey::new(alg, &bytes).expect("aws-lc-rs public key");
    Box::new(move || {
        key.verify_sig(black_box(msg), black_box(sig))
            .expect("verify")
    })
}

/// Instruction-count mode: `VERIFY_CALLGRIND="<alg> <id> <n>"` (id: `raw/ring`, `jwt/ring`,
/// `raw/aws-lc-rs`, `jwt/aws-lc-rs`) runs that verification `n` times and exits; run it under
/// `valgrind --tool=callgrind --toggle-collect='*measured_loop*'` and divide by `n`.
fn callgrind(spec: &str) {
    let mut it = spec.split_whitespace();
    let (Some(alg), Some(id), Some(n)) = (it.next(), it.next(), it.next()) else {
        panic!("VERIFY_CALLGRIND is \"<alg> <id> <n>\"")
    };
    let alg: JwsAlgorithm = alg.parse().expect("algorithm");
    let n: u64 = n.parse().expect("iterations");
    let fx = fixture(alg);
    match id {
        "raw/ring" => {
            let f = raw_ring_once(&fx);
            measured_loop(n, &mut || f());
        }
        "raw/aws-lc-rs" => {
            let f = raw_aws_lc_once(&fx);
            measured_loop(n, &mut || f());
        }
        "jwt/ring" | "jwt/aws-lc-rs" => {
            let provider: &'static CryptoProvider = if id == "jwt/ring" {
                &authcore_jose::crypto::ring::PROVIDER
            } else {
                &authcore_jose::crypto::aws_lc::PROVIDER
            };
            let key = VerifyingKey::from_jwk(&fx.public, None, provider).expect("verifying key");
            let validation = validation();
            let now = UnixTime::from_secs(NOW);
            let token = fx.token.as_str();
            measured_loop(n, &mut || {
                jwt::verify(black_box(token), &key, &validation, now).expect("valid");
            });
        }
        other => panic!("unknown id {other}"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var("VERIFY_CALLGRIND") {
        callgrind(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
