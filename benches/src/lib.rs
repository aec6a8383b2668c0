//! Benchmarks for authcore, with peer crates measured in the same run.
//!
//! The benchmarks are in `benches/` and are run with `cargo bench -p authcore-benches`; this
//! library holds what they share: the signed-token fixtures (made with aws-lc-rs directly, so
//! they do not depend on the code under test), the key encodings the raw primitives need, and
//! [`batched`], the one way every benchmark is timed. See the crate's README for what each
//! group measures and how to read the results.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Bencher;

use authcore_jose::{
    EcCurve, EcParams, Jwk, JwsAlgorithm, KeyParams, OctParams, OkpCurve, OkpParams, RsaParams,
    SecretBytes, b64,
};

/// One algorithm's key and token.
pub struct Fixture {
    /// The algorithm.
    pub alg: JwsAlgorithm,
    /// The verification JWK (the secret itself for HMAC), with `alg` set.
    pub public: Jwk,
    /// The compact JWS.
    pub token: String,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: Vec<u8>,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// Makes a key and a token for `alg`: header `{"alg","typ":"JWT","kid"}` and `claims` (a JSON
/// object) as the payload.
///
/// Keys are made and tokens signed with aws-lc-rs directly, so the tokens do not depend on
/// the encoder of the library under test. HMAC and Ed25519 keys are fixed bytes; EC and RSA
/// keys are new in every run (verification cost does not depend on which key it is).
pub fn fixture(alg: JwsAlgorithm, kid: &str, claims: &str) -> Fixture {
    use aws_lc_rs::signature::{self as s, KeyPair as _};
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let header = format!(r#"{{"alg":"{}","typ":"JWT","kid":"{kid}"}}"#, alg.name());
    let signing_input = format!("{}.{}", b64::encode(header), b64::encode(claims));
    let msg = signing_input.as_bytes();
    let (params, signature) = match alg {
        JwsAlgorithm::HS256 => {
            let secret: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37) ^ 0x5c).collect();
            let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &secret);
            let tag = aws_lc_rs::hmac::sign(&key, msg).as_ref().to_vec();
            (
                KeyParams::Oct(OctParams::new(SecretBytes::new(secret))),
                tag,
            )
        }
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => {
            let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .expect("RSA key generation");
            let padding: &'static dyn s::RsaEncoding = if alg == JwsAlgorithm::RS256 {
                &s::RSA_PKCS1_SHA256
            } else {
                &s::RSA_PSS_SHA256
            };
            let mut sig = vec![0; kp.public_modulus_len()];
            kp.sign(padding, &rng, msg, &mut sig).expect("RSA signing");
            let c = s::RsaPublicKeyComponents::<Vec<u8>>::from(kp.public_key());
            (KeyParams::Rsa(RsaParams::new(c.n, c.e)), sig)
        }
        JwsAlgorithm::ES256 | JwsAlgorithm::ES384 => {
            let (signing, crv, len) = if alg == JwsAlgorithm::ES256 {
                (&s::ECDSA_P256_SHA256_FIXED_SIGNING, EcCurve::P256, 32)
            } else {
                (&s::ECDSA_P384_SHA384_FIXED_SIGNING, EcCurve::P384, 48)
            };
            let kp = s::EcdsaKeyPair::generate(signing).expect("EC key generation");
            let sig = kp.sign(&rng, msg).expect("ECDSA signing").as_ref().to_vec();
            let point = kp.public_key().as_ref();
            let (x, y) = point[1..].split_at(len);
            (KeyParams::Ec(EcParams::new(crv, x, y)), sig)
        }
        _ => {
            let seed: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(91) ^ 0x36).collect();
            let kp = s::Ed25519KeyPair::from_seed_unchecked(&seed).expect("Ed25519 key");
            let sig = kp.sign(msg).as_ref().to_vec();
            let x = kp.public_key().as_ref().to_vec();
            (KeyParams::Okp(OkpParams::new(OkpCurve::Ed25519, x)), sig)
        }
    };
    let mut public = Jwk::new(params);
    public.alg = Some(alg.name().to_owned());
    let token = format!("{signing_input}.{}", b64::encode(&signature));
    Fixture {
        alg,
        public,
        signing_input: signing_input.into_bytes(),
        signature,
        token,
    }
}

/// Big-endian integer without leading zero octets (ring's RSA component form).
pub fn unsigned(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

/// DER `INTEGER` with the content octets of the unsigned big-endian `v`.
fn der_integer(v: &[u8], out: &mut Vec<u8>) {
    let v = unsigned(v);
    let pad = v.first().is_some_and(|&b| b & 0x80 != 0);
    der_header(0x02, v.len() + usize::from(pad), out);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(v);
}

fn der_header(tag: u8, len: usize, out: &mut Vec<u8>) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// PKCS#1 `RSAPublicKey` (RFC 8017 §A.1.1), the form aws-lc-rs parses for RSA verification.
pub fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    der_integer(n, &mut body);
    der_integer(e, &mut body);
    let mut out = Vec::with_capacity(body.len() + 4);
    der_header(0x30, body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

/// About how long one timed batch of iterations runs (see [`batched`]).
const BATCH: Duration = Duration::from_micros(50);

/// How many iterations of `f` take about [`BATCH`] (at least one).
// Benchmarks time themselves: the clock rule is for the protocol crates.
#[allow(clippy::disallowed_methods)]
fn batch_len<O>(f: &mut impl FnMut() -> O) -> u64 {
    let mut n = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        let elapsed = start.elapsed();
        if elapsed >= Duration::from_millis(5) || n >= 1 << 24 {
            let per_iteration = elapsed.as_secs_f64() / n as f64;
            return ((BATCH.as_secs_f64() / per_iteration) as u64).max(1);
        }
        n *= 2;
    }
}

/// The routine for `g.bench_function` that times `f`.
///
/// Each criterion sample of `iters` iterations runs as consecutive batches of about
/// `BATCH` (50 µs), each timed on its own, and counts as `iters` times the median batch time per
/// iteration. On a machine shared with other work a sample of several milliseconds is often
/// interrupted; a 50 µs batch rarely is, so the median batch is the undisturbed speed. Every
/// benchmark, peers included, is measured this way.
#[allow(clippy::disallowed_methods)]
pub fn batched<O>(mut f: impl FnMut() -> O) -> impl FnMut(&mut Bencher<'_>) {
    let batch = batch_len(&mut f);
    let mut per_iteration: Vec<f64> = Vec::new();
    move |b| {
        b.iter_custom(|iters| {
            per_iteration.clear();
            let mut left = iters;
            while left > 0 {
                let n = left.min(batch);
                let start = Instant::now();
                for _ in 0..n {
                    black_box(f());
                }
                per_iteration.push(start.elapsed().as_secs_f64() / n as f64);
                left -= n;
            }
            per_iteration.sort_by(f64::total_cmp);
            Duration::from_secs_f64(per_iteration[per_iteration.len() / 2] * iters as f64)
        })
    }
}
