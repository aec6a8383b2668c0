//! OAuth 1.0a (authcore-oauth1): signing and verifying a request, against the raw HMAC-SHA1
//! of the same signature base string (the floor: what is left is base string work).
//!
//! | id | what runs |
//! |---|---|
//! | `oauth1/sign_hmac_sha1` | `Signer::sign` of a GET with two query parameters, header placement, token credentials, a deterministic RNG |
//! | `oauth1/verify_hmac_sha1` | `SignedRequest::from_http` then `verify` and `complete(true)` of that request |
//! | `oauth1/raw_hmac_sha1` | ring's HMAC-SHA1 over the request's base string (key prepared in the loop, as the signer does) |

use std::hint::black_box;
use std::time::Duration;

use authcore_jose::{InsecureTestRandom, UnixTime};
use authcore_oauth1::{ClientVerificationKey, Secret, SignedRequest, Signer, VerificationPolicy};
use criterion::{Criterion, criterion_group, criterion_main};

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

fn request() -> http::Request<Vec<u8>> {
    http::Request::get("https://photos.example.net/photos?file=vacation.jpg&size=original")
        .body(Vec::new())
        .expect("request")
}

fn bench(c: &mut Criterion) {
    let rng = InsecureTestRandom::new(1);
    let signer = Signer::new("dpf43f3p2l4k3l03", Secret::new("kd94hf93k423kf44"))
        .with_token_credentials("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00");
    let mut signed = request();
    signer.sign(&mut signed, NOW, &rng).expect("sign");
    let key = ClientVerificationKey::Secret(Secret::new("kd94hf93k423kf44"));
    let token_secret = Secret::new("pfkkdhi9sl3r4s00");
    let policy = VerificationPolicy::default();
    let base = SignedRequest::from_http(&signed, "https")
        .expect("parse")
        .base_string();

    let mut g = c.benchmark_group("oauth1");
    g.bench_function("sign_hmac_sha1", |b| {
        b.iter(|| {
            let mut r = request();
            signer.sign(&mut r, NOW, &rng).expect("sign");
            black_box(r)
        })
    });
    g.bench_function("verify_hmac_sha1", |b| {
        b.iter(|| {
            let s = SignedRequest::from_http(black_box(&signed), "https").expect("parse");
            s.verify(&key, Some(&token_secret), &policy, NOW)
                .expect("verify")
                .complete(true)
                .expect("nonce")
        })
    });
    g.bench_function("raw_hmac_sha1", |b| {
        b.iter(|| {
            let k = ring::hmac::Key::new(
                ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                b"kd94hf93k423kf44&pfkkdhi9sl3r4s00",
            );
            black_box(ring::hmac::sign(&k, black_box(base.as_bytes())))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
