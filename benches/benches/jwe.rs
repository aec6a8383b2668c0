//! JWE decryption: authcore against the raw aws-lc-rs primitives doing the same work and
//! against the `josekit` crate, per key-management algorithm and content encryption, in one
//! run.
//!
//! For each of RSA-OAEP-256 (2048-bit key), ECDH-ES+A128KW on P-256, ECDH-ES on X25519,
//! A256KW and dir, each with A256GCM and with A128CBC-HS256, one criterion group (named
//! `<alg>/<enc>`) decrypts the same compact JWE:
//!
//! | id                  | what runs                                                          |
//! |---------------------|--------------------------------------------------------------------|
//! | `raw/aws-lc-rs`     | the five parts base64url-decoded, the header parsed as JSON, then   |
//! |                     | aws-lc-rs: RSA-OAEP decryption, ECDH + Concat KDF (SHA-256) + AES   |
//! |                     | key unwrap, or AES key unwrap; then AES-GCM open, or HMAC-SHA-256   |
//! |                     | check (constant time) and AES-CBC decryption                        |
//! | `jwe/aws-lc-rs`     | `authcore_jose::jwe` compact decryption with the aws-lc-rs provider |
//! | `jwe/default`       | the same with the default provider (each part from the faster       |
//! |                     | backend)                                                            |
//! | `josekit`           | `josekit::jwe::deserialize_compact` with a decrypter made once      |
//!
//! It needs josekit, which is built only with `RUSTFLAGS="--cfg authcore_josekit"` (josekit
//! turns on serde_json's `preserve_order`, which would otherwise change the JSON maps of every
//! crate built with this one); without that flag this benchmark says so and exits:
//! `RUSTFLAGS="--cfg authcore_josekit" cargo bench -p authcore-benches --bench jwe -- --noplot`.
//!
//! Keys are generated and the tokens encrypted by josekit (OpenSSL) in the setup, independent
//! of the code under test; every decrypter must return the plaintext once before anything is
//! timed, so no benchmark measures an error path. The plaintext is a JWT claims set of 150
//! bytes. Timing is [`authcore_benches::batched`], as in the other benchmarks.

#[cfg(authcore_josekit)]
mod with_josekit {
    use std::hint::black_box;
    use std::time::Duration;

    use authcore_benches::batched;
    use authcore_jose::crypto::{self, CryptoProvider};
    use authcore_jose::jwe::{self, DecryptionKey, JweOptions};
    use authcore_jose::{Jwk, b64};
    use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
    use aws_lc_rs::agreement::{self, UnparsedPublicKey};
    use aws_lc_rs::cipher::{
        AES_128, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey,
    };
    use aws_lc_rs::key_wrap::{self, AesKek, KeyWrap as _};
    use aws_lc_rs::rsa::{OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, PrivateDecryptingKey};
    use aws_lc_rs::{constant_time, digest, hmac};
    use criterion::{BenchmarkGroup, Criterion, criterion_group};
    use josekit::jwe::{self as jk_jwe, JweDecrypter, JweHeader};
    use josekit::jwk::alg::ec::{EcCurve as JkEcCurve, EcKeyPair};
    use josekit::jwk::alg::ecx::{EcxCurve, EcxKeyPair};
    use josekit::jwk::alg::rsa::RsaKeyPair;
    use josekit::jwk::{Jwk as JkJwk, KeyPair as _};
    use serde_json::Value;

    const CLAIMS: &str = r#"{"iss":"https://issuer.example.com","sub":"248289761001","aud":"https://api.example.com","exp":4102444800,"iat":1700000000,"jti":"5f0c1c2e-9d1b-4b8e"}"#;

    /// The key-management algorithms measured.
    #[derive(Clone, Copy, Debug)]
    enum KeyManagement {
        RsaOaep256,
        EcdhEsA128KwP256,
        EcdhEsX25519,
        A256Kw,
        Dir,
    }

    impl KeyManagement {
        const ALL: [KeyManagement; 5] = [
            KeyManagement::RsaOaep256,
            KeyManagement::EcdhEsA128KwP256,
            KeyManagement::EcdhEsX25519,
            KeyManagement::A256Kw,
            KeyManagement::Dir,
        ];

        fn alg(self) -> &'static str {
            match self {
                KeyManagement::RsaOaep256 => "RSA-OAEP-256",
                KeyManagement::EcdhEsA128KwP256 => "ECDH-ES+A128KW",
                KeyManagement::EcdhEsX25519 => "ECDH-ES",
                KeyManagement::A256Kw => "A256KW",
                KeyManagement::Dir => "dir",
            }
        }

        /// The group name's first half.
        fn label(self) -> &'static str {
            match self {
                KeyManagement::RsaOaep256 => "RSA-OAEP-256",
                KeyManagement::EcdhEsA128KwP256 => "ECDH-ES+A128KW P-256",
                KeyManagement::EcdhEsX25519 => "ECDH-ES X25519",
                KeyManagement::A256Kw => "A256KW",
                KeyManagement::Dir => "dir",
            }
        }
    }

    /// The content encryptions measured.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum ContentEncryption {
        A256Gcm,
        A128CbcHs256,
    }

    impl ContentEncryption {
        const ALL: [ContentEncryption; 2] =
            [ContentEncryption::A256Gcm, ContentEncryption::A128CbcHs256];

        fn name(self) -> &'static str {
            match self {
                ContentEncryption::A256Gcm => "A256GCM",
                ContentEncryption::A128CbcHs256 => "A128CBC-HS256",
            }
        }
    }

    /// The recipient's key as the raw primitives take it.
    enum RawKey {
        Rsa(OaepPrivateDecryptingKey),
        /// The private scalar and its agreement algorithm.
        Agreement(&'static agreement::Algorithm, Vec<u8>),
        Aes256Kw(Vec<u8>),
        Dir(Vec<u8>),
    }

    /// One measured case: the private JWK (JSON, with `alg`), the token, and the raw key.
    struct Case {
        km: KeyManagement,
        enc: ContentEncryption,
        jwk_json: String,
        token: String,
        raw: RawKey,
    }

    fn jwk_member(jwk: &JkJwk, name: &str) -> Vec<u8> {
        let s = jwk
            .parameter(name)
            .and_then(Value::as_str)
            .expect("JWK member");
        b64::decode(s).expect("base64url JWK member")
    }

    /// Makes the key with josekit (OpenSSL), the raw form of it, and a token josekit encrypted.
    fn case(km: KeyManagement, enc: ContentEncryption) -> Case {
        let (mut jwk, raw, encrypter): (JkJwk, RawKey, Box<dyn jk_jwe::JweEncrypter>) = match km {
            KeyManagement::RsaOaep256 => {
                let kp = RsaKeyPair::generate(2048).expect("RSA key");
                let raw = PrivateDecryptingKey::from_pkcs8(&kp.to_der_private_key())
                    .expect("aws-lc-rs RSA key");
                let raw = OaepPrivateDecryptingKey::new(raw).expect("aws-lc-rs RSA-OAEP key");
                let e = jk_jwe::RSA_OAEP_256
                    .encrypter_from_jwk(&kp.to_jwk_public_key())
                    .expect("encrypter");
                (kp.to_jwk_key_pair(), RawKey::Rsa(raw), Box::new(e))
            }
            KeyManagement::EcdhEsA128KwP256 => {
                let kp = EcKeyPair::generate(JkEcCurve::P256).expect("P-256 key");
                let jwk = kp.to_jwk_key_pair();
                let raw = RawKey::Agreement(&agreement::ECDH_P256, jwk_member(&jwk, "d"));
                let e = jk_jwe::ECDH_ES_A128KW
                    .encrypter_from_jwk(&kp.to_jwk_public_key())
                    .expect("encrypter");
                (jwk, raw, Box::new(e))
            }
            KeyManagement::EcdhEsX25519 => {
                let kp = EcxKeyPair::generate(EcxCurve::X25519).expect("X25519 key");
                let jwk = kp.to_jwk_key_pair();
                let raw = RawKey::Agreement(&agreement::X25519, jwk_member(&jwk, "d"));
                let e = jk_jwe::ECDH_ES
                    .encrypter_from_jwk(&kp.to_jwk_public_key())
                    .expect("encrypter");
                (jwk, raw, Box::new(e))
            }
            KeyManagement::A256Kw | KeyManagement::Dir => {
                // 32 bytes: the A256KW key, and the CEK of both A256GCM and A128CBC-HS256 for dir.
                let key: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(29) ^ 0xa5).collect();
                let mut jwk = JkJwk::new("oct");
                jwk.set_parameter("k", Some(Value::String(b64::encode(&key))))
                    .expect("k");
                let (raw, e): (RawKey, Box<dyn jk_jwe::JweEncrypter>) =
                    if matches!(km, KeyManagement::A256Kw) {
                        let e = jk_jwe::A256KW.encrypter_from_jwk(&jwk).expect("encrypter");
                        (RawKey::Aes256Kw(key), Box::new(e))
                    } else {
                        let e = jk_jwe::Dir.encrypter_from_jwk(&jwk).expect("encrypter");
                        (RawKey::Dir(key), Box::new(e))
                    };
                (jwk, raw, e)
            }
        };
        jwk.set_algorithm(km.alg());
        jwk.set_key_id("bench-enc-key");
        let mut header = JweHeader::new();
        header.set_content_encryption(enc.name());
        header.set_key_id("bench-enc-key");
        let token =
            jk_jwe::serialize_compact(CLAIMS.as_bytes(), &header, &*encrypter).expect("josekit");
        Case {
            km,
            enc,
            jwk_json: jwk.to_string(),
            token,
            raw,
        }
    }

    /// RFC 7518 §4.6.2: Concat KDF with SHA-256, one round (every key here is at most 256 bits).
    fn concat_kdf(z: &[u8], algorithm_id: &str, apu: &[u8], apv: &[u8], key_bits: u32) -> Vec<u8> {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(&1u32.to_be_bytes());
        ctx.update(z);
        for field in [algorithm_id.as_bytes(), apu, apv] {
            ctx.update(&(field.len() as u32).to_be_bytes());
            ctx.update(field);
        }
        ctx.update(&key_bits.to_be_bytes());
        ctx.finish().as_ref()[..key_bits as usize / 8].to_vec()
    }

    fn header_bytes(header: &Value, name: &str) -> Vec<u8> {
        header
            .get(name)
            .and_then(Value::as_str)
            .map(|s| b64::decode(s).expect("base64url header member"))
            .unwrap_or_default()
    }

    /// The raw primitives doing what a JWE decryption must: decode the five parts, parse the
    /// header, recover the CEK, authenticate and decrypt the content (RFC 7516 §5.2).
    fn raw_decrypt(case: &Case) -> Option<Vec<u8>> {
        let mut parts = case.token.split('.');
        let (h, ek, iv, ct, tag) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        let header: Value = serde_json::from_slice(&b64::decode(h).ok()?).ok()?;
        let encrypted_key = b64::decode(ek).ok()?;
        let iv = b64::decode(iv).ok()?;
        let mut ciphertext = b64::decode(ct).ok()?;
        let tag = b64::decode(tag).ok()?;
        let cek_len = 32;
        let cek = match &case.raw {
            RawKey::Rsa(key) => {
                let mut out = vec![0; key.min_output_size()];
                let cek = key
                    .decrypt(&OAEP_SHA256_MGF1SHA256, &encrypted_key, &mut out, None)
                    .ok()?;
                cek.to_vec()
            }
            RawKey::Agreement(alg, d) => {
                let private = agreement::PrivateKey::from_private_key(alg, d).ok()?;
                let epk = header.get("epk")?;
                let x = header_bytes(epk, "x");
                let point = if epk.get("kty")?.as_str()? == "EC" {
                    let y = header_bytes(epk, "y");
                    let mut p = Vec::with_capacity(1 + x.len() + y.len());
                    p.push(4);
                    p.extend_from_slice(&x);
                    p.extend_from_slice(&y);
                    p
                } else {
                    x
                };
                let apu = header_bytes(&header, "apu");
                let apv = header_bytes(&header, "apv");
                let (id, bits) = if case.km.alg() == "ECDH-ES" {
                    (case.enc.name(), cek_len as u32 * 8)
                } else {
                    (case.km.alg(), 128)
                };
                let kek =
                    agreement::agree(&private, UnparsedPublicKey::new(*alg, &point), (), |z| {
                        Ok(concat_kdf(z, id, &apu, &apv, bits))
                    })
                    .ok()?;
                if case.km.alg() == "ECDH-ES" {
                    kek
                } else {
                    let mut out = vec![0; encrypted_key.len()];
                    let kek = AesKek::new(&key_wrap::AES_128, &kek).ok()?;
                    kek.unwrap(&encrypted_key, &mut out).ok()?.to_vec()
                }
            }
            RawKey::Aes256Kw(key) => {
                let mut out = vec![0; encrypted_key.len()];
                let kek = AesKek::new(&key_wrap::AES_256, key).ok()?;
                kek.unwrap(&encrypted_key, &mut out).ok()?.to_vec()
            }
            RawKey::Dir(key) => key.clone(),
        };
        if cek.len() != cek_len {
            return None;
        }
        let aad = h.as_bytes();
        match case.enc {
            ContentEncryption::A256Gcm => {
                let key = LessSafeKey::new(UnboundKey::new(&aead::AES_256_GCM, &cek).ok()?);
                let nonce = Nonce::try_assume_unique_for_key(&iv).ok()?;
                ciphertext.extend_from_slice(&tag);
                let plaintext = key
                    .open_in_place(nonce, Aad::from(aad), &mut ciphertext)
                    .ok()?;
                Some(plaintext.to_vec())
            }
            ContentEncryption::A128CbcHs256 => {
                // RFC 7518 §5.2.2.2: MAC over AAD || IV || ciphertext || AL, first half of the
                // HMAC-SHA-256 output, checked before decrypting.
                let (mac_key, enc_key) = cek.split_at(16);
                let key = hmac::Key::new(hmac::HMAC_SHA256, mac_key);
                let mut ctx = hmac::Context::with_key(&key);
                ctx.update(aad);
                ctx.update(&iv);
                ctx.update(&ciphertext);
                ctx.update(&(aad.len() as u64 * 8).to_be_bytes());
                let mac = ctx.sign();
                constant_time::verify_slices_are_equal(&mac.as_ref()[..16], &tag).ok()?;
                let key = PaddedBlockDecryptingKey::cbc_pkcs7(
                    UnboundCipherKey::new(&AES_128, enc_key).ok()?,
                )
                .ok()?;
                let iv: [u8; 16] = iv.try_into().ok()?;
                let plaintext = key
                    .decrypt(&mut ciphertext, DecryptionContext::Iv128(iv.into()))
                    .ok()?;
                Some(plaintext.to_vec())
            }
        }
    }

    fn josekit_decrypter(case: &Case) -> Box<dyn JweDecrypter> {
        let jwk = JkJwk::from_bytes(case.jwk_json.as_bytes()).expect("josekit JWK");
        match case.km {
            KeyManagement::RsaOaep256 => Box::new(
                jk_jwe::RSA_OAEP_256
                    .decrypter_from_jwk(&jwk)
                    .expect("decrypter"),
            ),
            KeyManagement::EcdhEsA128KwP256 => Box::new(
                jk_jwe::ECDH_ES_A128KW
                    .decrypter_from_jwk(&jwk)
                    .expect("decrypter"),
            ),
            KeyManagement::EcdhEsX25519 => {
                Box::new(jk_jwe::ECDH_ES.decrypter_from_jwk(&jwk).expect("decrypter"))
            }
            KeyManagement::A256Kw => {
                Box::new(jk_jwe::A256KW.decrypter_from_jwk(&jwk).expect("decrypter"))
            }
            KeyManagement::Dir => {
                Box::new(jk_jwe::Dir.decrypter_from_jwk(&jwk).expect("decrypter"))
            }
        }
    }

    type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

    fn raw_bench(g: &mut Group<'_>, case: &Case) {
        assert_eq!(
            raw_decrypt(case).as_deref(),
            Some(CLAIMS.as_bytes()),
            "raw decryption"
        );
        g.bench_function("raw/aws-lc-rs", batched(|| raw_decrypt(black_box(case))));
    }

    fn authcore_bench(
        g: &mut Group<'_>,
        case: &Case,
        name: &str,
        provider: &'static CryptoProvider,
    ) {
        let jwk = Jwk::from_json(case.jwk_json.as_bytes()).expect("JWK");
        let key = DecryptionKey::from_jwk(&jwk, None, provider).expect("decryption key");
        let options = JweOptions::default();
        let decrypted =
            jwe::decrypt_compact(&case.token, &key, &options).expect("authcore decryption");
        assert_eq!(
            decrypted.plaintext,
            CLAIMS.as_bytes(),
            "authcore decryption"
        );
        g.bench_function(
            format!("jwe/{name}"),
            batched(|| jwe::decrypt_compact(black_box(&case.token), &key, &options)),
        );
    }

    fn josekit_bench(g: &mut Group<'_>, case: &Case) {
        let decrypter = josekit_decrypter(case);
        let (plaintext, _) =
            jk_jwe::deserialize_compact(&case.token, &*decrypter).expect("josekit decryption");
        assert_eq!(plaintext, CLAIMS.as_bytes(), "josekit decryption");
        g.bench_function(
            "josekit",
            batched(|| jk_jwe::deserialize_compact(black_box(&case.token), &*decrypter)),
        );
    }

    fn decrypt_tokens(c: &mut Criterion) {
        let providers: [(&str, &'static CryptoProvider); 2] = [
            (
                "aws-lc-rs",
                crypto::provider_by_name("aws-lc-rs").expect("aws-lc-rs provider"),
            ),
            ("default", crypto::default_provider()),
        ];
        for km in KeyManagement::ALL {
            for enc in ContentEncryption::ALL {
                let case = case(km, enc);
                let mut g = c.benchmark_group(format!("{}/{}", km.label(), enc.name()));
                raw_bench(&mut g, &case);
                for (name, provider) in providers {
                    authcore_bench(&mut g, &case, name, provider);
                }
                josekit_bench(&mut g, &case);
                g.finish();
            }
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
        targets = decrypt_tokens
    }
}

#[cfg(authcore_josekit)]
fn main() {
    with_josekit::benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

#[cfg(not(authcore_josekit))]
fn main() {
    eprintln!(
        "benches/jwe.rs compares with josekit, which is built only with \
         RUSTFLAGS=\"--cfg authcore_josekit\"; nothing measured"
    );
}
