//! The JWE primitives both backends have, AES-GCM and PBKDF2, measured through each backend's
//! provider part and as the raw library call underneath, in one run: the figures behind the
//! default provider's choice of backend for them ("Provider choice" in `benches/README.md`).
//!
//! Groups (one per operation and size), each with the ids:
//!
//! | id                | what runs                                                          |
//! |-------------------|--------------------------------------------------------------------|
//! | `raw/ring`        | ring's `LessSafeKey` seal/open, or `pbkdf2::derive`                |
//! | `part/ring`       | `crypto::ring::AES_GCM` / `crypto::ring::PBKDF2`                   |
//! | `raw/aws-lc-rs`   | aws-lc-rs's same calls                                             |
//! | `part/aws-lc-rs`  | `crypto::aws_lc::AES_GCM` / `crypto::aws_lc::PBKDF2`               |
//!
//! AES-GCM: a 1 KiB plaintext (a typical encrypted ID token or UserInfo body) and 32 bytes of
//! AAD, with 128- and 256-bit keys (`A128GCM`, `A256GCM`; ring has no 192-bit keys). The part
//! builds the key for each message, as the JWE layer does with a fresh CEK, so the raw
//! benchmarks do too. PBKDF2: 1,000 iterations (the smallest `p2c` the JWE layer accepts; the
//! cost is linear in it) deriving the 16- and 32-byte keys of `PBES2-HS256+A128KW` and
//! `PBES2-HS512+A256KW`.

use std::hint::black_box;

use authcore_jose::DigestAlgorithm;
use authcore_jose::crypto::{AesGcm, Pbkdf2, aws_lc, ring as ring_provider};
use criterion::{Criterion, criterion_group, criterion_main};

const IV: [u8; 12] = [7; 12];
const AAD: [u8; 32] = [9; 32];
const PLAINTEXT_LEN: usize = 1024;
const PBKDF2_ROUNDS: u32 = 1000;

macro_rules! raw_gcm {
    ($lib:ident) => {
        mod $lib {
            use ::$lib::aead::{Aad, LessSafeKey, Nonce, UnboundKey};

            fn key(k: &[u8]) -> LessSafeKey {
                let alg = if k.len() == 16 {
                    &::$lib::aead::AES_128_GCM
                } else {
                    &::$lib::aead::AES_256_GCM
                };
                LessSafeKey::new(UnboundKey::new(alg, k).unwrap())
            }

            pub fn seal(k: &[u8], pt: &[u8]) -> Vec<u8> {
                let mut out = pt.to_vec();
                let tag = key(k)
                    .seal_in_place_separate_tag(
                        Nonce::assume_unique_for_key(super::IV),
                        Aad::from(&super::AAD[..]),
                        &mut out,
                    )
                    .unwrap();
                out.extend_from_slice(tag.as_ref());
                out
            }

            pub fn open(k: &[u8], ct_and_tag: &[u8]) -> usize {
                let mut buf = ct_and_tag.to_vec();
                key(k)
                    .open_in_place(
                        Nonce::assume_unique_for_key(super::IV),
                        Aad::from(&super::AAD[..]),
                        &mut buf,
                    )
                    .unwrap()
                    .len()
            }

            pub fn pbkdf2(sha512: bool, out: &mut [u8]) {
                let alg = if sha512 {
                    ::$lib::pbkdf2::PBKDF2_HMAC_SHA512
                } else {
                    ::$lib::pbkdf2::PBKDF2_HMAC_SHA256
                };
                let rounds = std::num::NonZeroU32::new(super::PBKDF2_ROUNDS).unwrap();
                ::$lib::pbkdf2::derive(alg, rounds, b"salt-of-sixteen!", b"password", out);
            }
        }
    };
}

raw_gcm!(ring);
raw_gcm!(aws_lc_rs);

fn aes_gcm(c: &mut Criterion) {
    let parts: [(&str, &'static dyn AesGcm); 2] = [
        ("ring", ring_provider::AES_GCM),
        ("aws-lc-rs", aws_lc::AES_GCM),
    ];
    let pt = vec![0x42u8; PLAINTEXT_LEN];
    for key_len in [16usize, 32] {
        let key = vec![0x11u8; key_len];
        let sealed = ring::seal(&key, &pt);
        let (ct, tag) = sealed.split_at(PLAINTEXT_LEN);
        let tag: [u8; 16] = tag.try_into().unwrap();
        // Every path agrees before anything is timed.
        assert_eq!(aws_lc_rs::seal(&key, &pt), sealed);
        for (_, part) in parts {
            assert_eq!(part.open(&key, &IV, &AAD, ct, &tag).unwrap(), pt);
        }

        let mut g = c.benchmark_group(format!("A{}GCM-open-1KiB", key_len * 8));
        g.bench_function("raw/ring", |b| {
            b.iter(|| ring::open(black_box(&key), &sealed))
        });
        g.bench_function("raw/aws-lc-rs", |b| {
            b.iter(|| aws_lc_rs::open(black_box(&key), &sealed))
        });
        for (name, part) in parts {
            g.bench_function(format!("part/{name}"), |b| {
                b.iter(|| part.open(black_box(&key), &IV, &AAD, ct, &tag).unwrap())
            });
        }
        g.finish();

        let mut g = c.benchmark_group(format!("A{}GCM-seal-1KiB", key_len * 8));
        g.bench_function("raw/ring", |b| b.iter(|| ring::seal(black_box(&key), &pt)));
        g.bench_function("raw/aws-lc-rs", |b| {
            b.iter(|| aws_lc_rs::seal(black_box(&key), &pt))
        });
        for (name, part) in parts {
            g.bench_function(format!("part/{name}"), |b| {
                b.iter(|| part.seal(black_box(&key), &IV, &AAD, &pt).unwrap())
            });
        }
        g.finish();
    }
}

fn pbkdf2(c: &mut Criterion) {
    let parts: [(&str, &'static dyn Pbkdf2); 2] = [
        ("ring", ring_provider::PBKDF2),
        ("aws-lc-rs", aws_lc::PBKDF2),
    ];
    for (hash, out_len) in [
        (DigestAlgorithm::Sha256, 16usize),
        (DigestAlgorithm::Sha512, 32),
    ] {
        let sha512 = hash == DigestAlgorithm::Sha512;
        let mut expected = vec![0u8; out_len];
        ring::pbkdf2(sha512, &mut expected);
        let mut check = vec![0u8; out_len];
        aws_lc_rs::pbkdf2(sha512, &mut check);
        assert_eq!(check, expected);
        for (_, part) in parts {
            part.derive(
                hash,
                b"password",
                b"salt-of-sixteen!",
                PBKDF2_ROUNDS,
                &mut check,
            )
            .unwrap();
            assert_eq!(check, expected);
        }
        let mut g = c.benchmark_group(format!("PBKDF2-{}-{PBKDF2_ROUNDS}", hash.name()));
        let mut out = vec![0u8; out_len];
        g.bench_function("raw/ring", |b| {
            b.iter(|| ring::pbkdf2(sha512, black_box(&mut out)))
        });
        g.bench_function("raw/aws-lc-rs", |b| {
            b.iter(|| aws_lc_rs::pbkdf2(sha512, black_box(&mut out)))
        });
        for (name, part) in parts {
            g.bench_function(format!("part/{name}"), |b| {
                b.iter(|| {
                    part.derive(
                        hash,
                        b"password",
                        b"salt-of-sixteen!",
                        black_box(PBKDF2_ROUNDS),
                        &mut out,
                    )
                    .unwrap()
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, aes_gcm, pbkdf2);
criterion_main!(benches);
