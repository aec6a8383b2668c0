//! JWE secure defaults, one negative test each: PBES2 bounds, DEFLATE bombs, ECDH-ES key
//! validation, exact lengths, strict parsing, the opaque decryption error, the RSA1_5 opt-in,
//! the key deciding `alg` and `enc`, `use`/`key_ops`, `crit`, header disjointness and key
//! selection.

use authcore_jose::crypto::{AgreementCurve, CryptoProvider, default_provider, providers};
use authcore_jose::jwe::{
    self, DecryptionKey, DecryptionKeys, EncryptionKey, JweBuilder, JweOptions,
};
use authcore_jose::jws::{self, JwsJson, JwsOptions};
use authcore_jose::{
    ContentEncryptionAlgorithm as Enc, Error, InsecureTestRandom, Jwk, JwkSet, JwsAlgorithm,
    KeyManagementAlgorithm as Kma, KeyParams, VerifyingKey, b64,
};
use serde_json::{Map, Value, json};

fn rng() -> InsecureTestRandom {
    InsecureTestRandom::new(7)
}

/// A provider with AES key wrap, AES-CBC, RSA encryption and key agreement (aws-lc-rs), if
/// this build has one.
fn full() -> Option<&'static CryptoProvider> {
    providers().into_iter().find(|p| {
        p.supports(Kma::A128Kw)
            && p.supports(Kma::RsaOaep256)
            && p.supports(Kma::EcdhEsA128Kw)
            && p.supports(Enc::A128CbcHs256)
            && p.supports(Kma::Pbes2Hs256A128Kw)
    })
}

/// A compact JWE with A256GCMKW and A256GCM, which every provider has.
fn gcm_token(plaintext: &[u8]) -> (String, DecryptionKey) {
    let p = default_provider();
    let to = EncryptionKey::symmetric(Kma::A256GcmKw, &[9; 32], p).unwrap();
    let token = JweBuilder::new(Enc::A256Gcm)
        .recipient(&to)
        .encrypt_compact(plaintext, &rng())
        .unwrap();
    (
        token,
        DecryptionKey::symmetric(Kma::A256GcmKw, &[9; 32], p).unwrap(),
    )
}

/// `token` with its protected header edited (the tag no longer matches; the checks under test
/// come first).
fn with_header(token: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let (h, rest) = token.split_once('.').unwrap();
    let mut m: Map<String, Value> = serde_json::from_slice(&b64::decode(h).unwrap()).unwrap();
    edit(&mut m);
    format!("{}.{rest}", b64::encode(Value::Object(m).to_string()))
}

fn opts() -> JweOptions {
    JweOptions::default()
}

#[test]
fn pbes2_iteration_count_and_salt_are_bounded_before_any_derivation() {
    let Some(p) = full() else { return };
    let to = EncryptionKey::symmetric(Kma::Pbes2Hs256A128Kw, b"password", p)
        .unwrap()
        .with_pbes2_iterations(1000)
        .unwrap();
    let token = JweBuilder::new(Enc::A128Gcm)
        .recipient(&to)
        .encrypt_compact(b"x", &rng())
        .unwrap();
    let key = DecryptionKey::symmetric(Kma::Pbes2Hs256A128Kw, b"password", p).unwrap();
    assert_eq!(
        jwe::decrypt_compact(&token, &key, &opts())
            .unwrap()
            .plaintext,
        b"x"
    );
    // A huge count is refused at once (a derivation of 4e9 rounds would take hours).
    for p2c in [u32::MAX as u64, 1_000_001, 999, 0] {
        let bad = with_header(&token, |h| {
            h.insert("p2c".into(), p2c.into());
        });
        assert!(
            matches!(
                jwe::decrypt_compact(&bad, &key, &opts()),
                Err(Error::Header(_))
            ),
            "p2c {p2c}"
        );
    }
    // Configurable: a lower floor accepts the count, and the wrong tag is then the failure.
    let low = with_header(&token, |h| {
        h.insert("p2c".into(), 999.into());
    });
    let lenient = JweOptions::default().with_pbes2_iterations(500, 2000);
    assert_eq!(
        jwe::decrypt_compact(&low, &key, &lenient),
        Err(Error::Decryption)
    );
    // A salt input under 8 bytes, or none, is refused.
    for salt in [Some(b64::encode([1u8; 7])), None] {
        let bad = with_header(&token, |h| match &salt {
            Some(s) => {
                h.insert("p2s".into(), s.clone().into());
            }
            None => {
                h.remove("p2s");
            }
        });
        assert!(matches!(
            jwe::decrypt_compact(&bad, &key, &opts()),
            Err(Error::Header(_))
        ));
    }
    let no_count = with_header(&token, |h| {
        h.remove("p2c");
    });
    assert!(matches!(
        jwe::decrypt_compact(&no_count, &key, &opts()),
        Err(Error::Header(_))
    ));
    // The sender's side refuses fewer than 1,000 rounds too.
    assert!(
        EncryptionKey::symmetric(Kma::Pbes2Hs256A128Kw, b"password", p)
            .unwrap()
            .with_pbes2_iterations(999)
            .is_err()
    );
}

#[test]
fn decompression_is_bounded_in_size_and_ratio() {
    let p = default_provider();
    let to = EncryptionKey::symmetric(Kma::A256GcmKw, &[9; 32], p).unwrap();
    let key = DecryptionKey::symmetric(Kma::A256GcmKw, &[9; 32], p).unwrap();
    let zipped = |plaintext: &[u8]| {
        JweBuilder::new(Enc::A256Gcm)
            .compress()
            .recipient(&to)
            .encrypt_compact(plaintext, &rng())
            .unwrap()
    };
    // Ordinary compressed text decrypts.
    let text = br#"{"sub":"alice","scope":"openid profile email"}"#.repeat(20);
    assert_eq!(
        jwe::decrypt_compact(&zipped(&text), &key, &opts())
            .unwrap()
            .plaintext,
        text
    );
    // A bomb: 20 MB of zeros compress to about 20 kB; refused at the 250 kB default.
    let bomb = zipped(&vec![0u8; 20_000_000]);
    assert!(bomb.len() < 60_000);
    assert!(matches!(
        jwe::decrypt_compact(&bomb, &key, &opts()),
        Err(Error::TooLarge { limit: 250_000, .. })
    ));
    // Under the size limit but beyond the ratio: 200 kB of zeros from a few hundred bytes.
    let dense = zipped(&vec![0u8; 200_000]);
    assert!(matches!(
        jwe::decrypt_compact(&dense, &key, &opts()),
        Err(Error::TooLarge { .. })
    ));
    // Both limits are configurable.
    let relaxed = JweOptions::default().with_zip_limits(300_000, 2_000);
    assert_eq!(
        jwe::decrypt_compact(&dense, &key, &relaxed)
            .unwrap()
            .plaintext
            .len(),
        200_000
    );
    // `zip` must be protected, and `DEF` is the only value.
    let json: Value = serde_json::from_str(
        &JweBuilder::new(Enc::A256Gcm)
            .unprotected_param("zip", "DEF")
            .recipient(&to)
            .encrypt_flattened(b"x", &rng())
            .unwrap(),
    )
    .unwrap();
    assert!(matches!(
        jwe::decrypt_json(json.to_string(), &key, &opts()),
        Err(Error::Header(_))
    ));
    let other = with_header(&zipped(b"x"), |h| {
        h.insert("zip".into(), "GZ".into());
    });
    assert!(matches!(
        jwe::decrypt_compact(&other, &key, &opts()),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn ecdh_es_validates_the_ephemeral_key() {
    let Some(p) = full() else { return };
    let r = rng();
    let recipient = Jwk::new(p.key_agreement.ephemeral(AgreementCurve::P256, &r).unwrap());
    let to =
        EncryptionKey::from_jwk(&recipient.to_public().unwrap(), Some(Kma::EcdhEs), p).unwrap();
    let key = DecryptionKey::from_jwk(&recipient, Some(Kma::EcdhEs), p).unwrap();
    let token = JweBuilder::new(Enc::A128Gcm)
        .recipient(&to)
        .encrypt_compact(b"x", &r)
        .unwrap();
    assert_eq!(
        jwe::decrypt_compact(&token, &key, &opts())
            .unwrap()
            .plaintext,
        b"x"
    );
    // An epk on another curve.
    let p384 = Jwk::new(p.key_agreement.ephemeral(AgreementCurve::P384, &r).unwrap());
    let bad = with_header(&token, |h| {
        h.insert(
            "epk".into(),
            Value::Object(p384.to_public().unwrap().to_map()),
        );
    });
    assert!(matches!(
        jwe::decrypt_compact(&bad, &key, &opts()),
        Err(Error::Header(_))
    ));
    // An epk with its private part.
    let own = Jwk::new(p.key_agreement.ephemeral(AgreementCurve::P256, &r).unwrap());
    let bad = with_header(&token, |h| {
        h.insert("epk".into(), Value::Object(own.to_map()));
    });
    assert!(matches!(
        jwe::decrypt_compact(&bad, &key, &opts()),
        Err(Error::Header(_))
    ));
    // A point not on the curve: the part refuses it, seen as the one decryption error.
    let mut off = own.to_public().unwrap();
    if let KeyParams::Ec(e) = &mut off.params {
        e.y[31] ^= 1;
    }
    let bad = with_header(&token, |h| {
        h.insert("epk".into(), Value::Object(off.to_map()));
    });
    assert_eq!(
        jwe::decrypt_compact(&bad, &key, &opts()),
        Err(Error::Decryption)
    );
    // No epk; an oversized apu; an encrypted key for direct agreement.
    let bad = with_header(&token, |h| {
        h.remove("epk");
    });
    assert!(matches!(
        jwe::decrypt_compact(&bad, &key, &opts()),
        Err(Error::Header(_))
    ));
    let bad = with_header(&token, |h| {
        h.insert("apu".into(), b64::encode(vec![1u8; 2000]).into());
    });
    assert!(matches!(
        jwe::decrypt_compact(&bad, &key, &opts()),
        Err(Error::TooLarge { .. })
    ));
    let mut parts: Vec<&str> = token.split('.').collect();
    let ek = b64::encode([1u8; 24]);
    parts[1] = &ek;
    assert!(matches!(
        jwe::decrypt_compact(&parts.join("."), &key, &opts()),
        Err(Error::Malformed(_))
    ));
}

#[test]
fn x25519_all_zero_shared_secret_is_rejected() {
    let Some(p) = full() else { return };
    if !p.key_agreement.supports(AgreementCurve::X25519) {
        return;
    }
    let r = rng();
    let recipient = Jwk::new(
        p.key_agreement
            .ephemeral(AgreementCurve::X25519, &r)
            .unwrap(),
    );
    let to =
        EncryptionKey::from_jwk(&recipient.to_public().unwrap(), Some(Kma::EcdhEs), p).unwrap();
    let key = DecryptionKey::from_jwk(&recipient, Some(Kma::EcdhEs), p).unwrap();
    let token = JweBuilder::new(Enc::A128Gcm)
        .recipient(&to)
        .encrypt_compact(b"x", &r)
        .unwrap();
    // RFC 7748 §6.1: the point of order 1 (u = 0) and of order 8 (u = 1) give Z = 0.
    for u in [[0u8; 32], {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    }] {
        let bad = with_header(&token, |h| {
            h.insert(
                "epk".into(),
                json!({"kty": "OKP", "crv": "X25519", "x": b64::encode(u)}),
            );
        });
        assert_eq!(
            jwe::decrypt_compact(&bad, &key, &opts()),
            Err(Error::Decryption)
        );
    }
}

#[test]
fn exact_iv_tag_and_key_lengths() {
    let (token, key) = gcm_token(b"hello");
    let parts: Vec<&str> = token.split('.').collect();
    let replace = |i: usize, bytes: &[u8]| {
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        p[i] = b64::encode(bytes);
        p.join(".")
    };
    let iv = b64::decode(parts[2]).unwrap();
    let tag = b64::decode(parts[4]).unwrap();
    for (i, bad) in [
        (2, [&iv[..], &[0]].concat()),
        (2, iv[..11].to_vec()),
        (4, tag[..15].to_vec()),
        (4, [&tag[..], &[0]].concat()),
    ] {
        assert_eq!(
            jwe::decrypt_compact(&replace(i, &bad), &key, &opts()),
            Err(Error::Decryption)
        );
    }
    // AES-GCM key wrap: its own `iv` and `tag` header parameters have exact lengths too.
    let bad = with_header(&token, |h| {
        h.insert("iv".into(), b64::encode([0u8; 16]).into());
    });
    assert!(matches!(
        jwe::decrypt_compact(&bad, &key, &opts()),
        Err(Error::Header(_))
    ));
    let Some(p) = full() else { return };
    // CBC-HS: the tag is exactly half the MAC.
    let to = EncryptionKey::symmetric(Kma::A128Kw, &[5; 16], p).unwrap();
    let key = DecryptionKey::symmetric(Kma::A128Kw, &[5; 16], p).unwrap();
    let token = JweBuilder::new(Enc::A128CbcHs256)
        .recipient(&to)
        .encrypt_compact(b"hello", &rng())
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let tag = b64::decode(parts[4]).unwrap();
    assert_eq!(tag.len(), 16);
    let longer = format!(
        "{}.{}",
        parts[..4].join("."),
        b64::encode([&tag[..], &[0u8; 16]].concat())
    );
    assert_eq!(
        jwe::decrypt_compact(&longer, &key, &opts()),
        Err(Error::Decryption)
    );
    // A wrapped key of the wrong length for `enc`: A128CBC-HS256 needs 32 bytes.
    let short_cek = p.aes_key_wrap.wrap(&[5; 16], &[1; 16]).unwrap();
    let swapped = format!(
        "{}.{}.{}",
        parts[0],
        b64::encode(short_cek),
        parts[2..].join(".")
    );
    assert_eq!(
        jwe::decrypt_compact(&swapped, &key, &opts()),
        Err(Error::Decryption)
    );
    // dir: the key length decides the allowed `enc`.
    let dir = DecryptionKey::symmetric(Kma::Dir, &[1; 16], p).unwrap();
    assert_eq!(dir.content_encryption(), &[Enc::A128Gcm]);
    assert!(DecryptionKey::symmetric(Kma::Dir, &[1; 17], p).is_err());
    assert!(EncryptionKey::symmetric(Kma::A128Kw, &[1; 24], p).is_err());
}

#[test]
fn small_rsa_keys_are_refused() {
    let p = default_provider();
    let jwk = Jwk::from_json(
        br#"{"kty":"RSA","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}"#,
    )
    .unwrap();
    let mut small = jwk.clone();
    if let KeyParams::Rsa(r) = &mut small.params {
        r.n.remove(0);
    }
    assert!(matches!(
        EncryptionKey::from_jwk(&small, Some(Kma::RsaOaep256), p),
        Err(Error::InvalidKey(_))
    ));
}

#[test]
fn strict_parsing_and_the_other_api() {
    let (token, key) = gcm_token(b"hello");
    // Padding, and a character outside base64url.
    let padded = token.replacen('.', "=.", 1);
    assert_eq!(
        jwe::decrypt_compact(&padded, &key, &opts()),
        Err(Error::Base64)
    );
    let plus = format!("{}+", token);
    assert_eq!(
        jwe::decrypt_compact(&plus, &key, &opts()),
        Err(Error::Base64)
    );
    // A trailing newline is named as whitespace.
    assert!(matches!(
        jwe::decrypt_compact(&format!("{token}\n"), &key, &opts()),
        Err(Error::Whitespace { segment: "tag" })
    ));
    // A repeated header member (escaped), at any depth.
    let (h, rest) = token.split_once('.').unwrap();
    let json = String::from_utf8(b64::decode(h).unwrap()).unwrap();
    let dup = json.replacen('{', r#"{"\u0065nc":"A256GCM","#, 1);
    let bad = format!("{}.{rest}", b64::encode(dup));
    assert!(matches!(
        jwe::decrypt_compact(&bad, &key, &opts()),
        Err(Error::Json(_))
    ));
    // Size bound.
    let mut small = JweOptions::default();
    small.max_bytes = 100;
    assert!(matches!(
        jwe::decrypt_compact(&token, &key, &small),
        Err(Error::TooLarge { .. })
    ));
    // Five parts only; three is a JWS.
    assert_eq!(
        jwe::decrypt_compact("a.b.c", &key, &opts()),
        Err(Error::Malformed("a JWS was given to the JWE API"))
    );
    for t in ["", "a.b.c.d", "a.b.c.d.e.f"] {
        assert_eq!(
            jwe::decrypt_compact(t, &key, &opts()),
            Err(Error::Malformed("a compact JWE has five parts"))
        );
    }
    let jws_json = r#"{"payload":"e30","protected":"eyJhbGciOiJIUzI1NiJ9","signature":"AAAA"}"#;
    assert_eq!(
        jwe::decrypt_json(jws_json, &key, &opts()),
        Err(Error::Malformed("a JWS was given to the JWE API"))
    );
    // And the JWS API refuses a JWE, compact and JSON.
    let hmac = VerifyingKey::hmac(JwsAlgorithm::HS256, &[1; 32], default_provider()).unwrap();
    assert_eq!(
        jws::verify_compact(&token, &hmac, &JwsOptions::default()),
        Err(Error::Malformed("a JWE was given to the JWS API"))
    );
    let flattened = JweBuilder::new(Enc::A256Gcm)
        .recipient(&EncryptionKey::symmetric(Kma::A256GcmKw, &[9; 32], default_provider()).unwrap())
        .encrypt_flattened(b"x", &rng())
        .unwrap();
    assert_eq!(
        JwsJson::parse(flattened.as_bytes(), &JwsOptions::default()),
        Err(Error::Malformed("a JWE was given to the JWS API"))
    );
    // Too many recipients.
    let mut general: Value = serde_json::from_str(&flattened).unwrap();
    let one = json!({"header": {"alg": "A256GCMKW"}, "encrypted_key": general["encrypted_key"]});
    general.as_object_mut().unwrap().remove("encrypted_key");
    general["recipients"] = Value::Array(vec![one; 17]);
    assert!(matches!(
        jwe::decrypt_json(general.to_string(), &key, &opts()),
        Err(Error::Malformed(_))
    ));
}

#[test]
fn every_decryption_failure_is_the_same_opaque_error() {
    let (token, key) = gcm_token(b"hello");
    let parts: Vec<&str> = token.split('.').collect();
    let other = DecryptionKey::symmetric(Kma::A256GcmKw, &[8; 32], default_provider()).unwrap();
    // Wrong key (key unwrap fails), flipped ciphertext, flipped tag.
    let flip = |i: usize| {
        let mut b = b64::decode(parts[i]).unwrap();
        b[0] ^= 1;
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        p[i] = b64::encode(b);
        p.join(".")
    };
    let errors = [
        jwe::decrypt_compact(&token, &other, &opts()),
        jwe::decrypt_compact(&flip(1), &key, &opts()),
        jwe::decrypt_compact(&flip(3), &key, &opts()),
        jwe::decrypt_compact(&flip(4), &key, &opts()),
    ];
    for e in errors {
        assert_eq!(e, Err(Error::Decryption));
    }
    assert_eq!(Error::Decryption.to_string(), "decryption failed");
    let Some(p) = full() else { return };
    // CBC: a ciphertext whose MAC is right but whose padding is wrong cannot be made without
    // the key; a wrong MAC over good padding and a bad unwrap fail identically.
    let to = EncryptionKey::symmetric(Kma::A128Kw, &[5; 16], p).unwrap();
    let key = DecryptionKey::symmetric(Kma::A128Kw, &[5; 16], p).unwrap();
    let token = JweBuilder::new(Enc::A128CbcHs256)
        .recipient(&to)
        .encrypt_compact(b"hello", &rng())
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    for i in [1, 2, 3, 4] {
        let mut b = b64::decode(parts[i]).unwrap();
        let last = b.len() - 1;
        b[last] ^= 1;
        let mut q: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        q[i] = b64::encode(b);
        assert_eq!(
            jwe::decrypt_compact(&q.join("."), &key, &opts()),
            Err(Error::Decryption),
            "part {i}"
        );
    }
}

#[test]
fn rsa1_5_needs_the_legacy_opt_in_and_fails_opaquely() {
    let Some(p) = full() else { return };
    let doc: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/jwe/rfc7516.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let case = &doc["cases"][1];
    assert_eq!(case["alg"], "RSA1_5");
    let jwk = Jwk::from_json(case["key"].to_string().as_bytes()).unwrap();
    let key = DecryptionKey::from_jwk(&jwk, Some(Kma::Rsa1_5), p).unwrap();
    let token = case["compact"].as_str().unwrap();
    assert!(matches!(
        jwe::decrypt_compact(token, &key, &JweOptions::default()),
        Err(Error::UnsupportedAlgorithm(_))
    ));
    let legacy = JweOptions::default().with_legacy_rsa1_5();
    assert_eq!(
        jwe::decrypt_compact(token, &key, &legacy)
            .unwrap()
            .plaintext,
        b"Live long and prosper."
    );
    // A broken encrypted key (bad padding) and a broken tag give the same error.
    let parts: Vec<&str> = token.split('.').collect();
    let mut ek = b64::decode(parts[1]).unwrap();
    ek[10] ^= 0x55;
    let bad_padding = format!("{}.{}.{}", parts[0], b64::encode(ek), parts[2..].join("."));
    let mut tag = b64::decode(parts[4]).unwrap();
    tag[0] ^= 1;
    let bad_tag = format!("{}.{}", parts[..4].join("."), b64::encode(tag));
    assert_eq!(
        jwe::decrypt_compact(&bad_padding, &key, &legacy),
        Err(Error::Decryption)
    );
    assert_eq!(
        jwe::decrypt_compact(&bad_tag, &key, &legacy),
        Err(Error::Decryption)
    );
    // RSA1_5 is never used to encrypt.
    assert!(matches!(
        EncryptionKey::from_jwk(&jwk.to_public().unwrap(), Some(Kma::Rsa1_5), p),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn the_key_decides_alg_and_enc() {
    let (token, key) = gcm_token(b"hello");
    // Another `alg` in the header.
    for alg in ["A128GCMKW", "dir", "none", "HS256", "RSA-OAEP"] {
        let bad = with_header(&token, |h| {
            h.insert("alg".into(), alg.into());
        });
        match jwe::decrypt_compact(&bad, &key, &opts()) {
            Err(Error::EncryptionAlgorithmNotAllowed { alg: a, allowed }) => {
                assert_eq!(a, alg);
                assert_eq!(allowed, vec![Kma::A256GcmKw.into()]);
            }
            other => panic!("{alg}: {other:?}"),
        }
    }
    // An `enc` the key does not allow.
    let narrow = DecryptionKey::symmetric(Kma::A256GcmKw, &[9; 32], default_provider())
        .unwrap()
        .with_content_encryption(&[Enc::A128Gcm]);
    assert!(matches!(
        jwe::decrypt_compact(&token, &narrow, &opts()),
        Err(Error::EncryptionAlgorithmNotAllowed { .. })
    ));
    // The JWK's own `alg` wins over the caller's, and must agree.
    let mut jwk = Jwk::symmetric(vec![9; 32]);
    jwk.alg = Some("A128GCMKW".into());
    assert!(matches!(
        DecryptionKey::from_jwk(&jwk, Some(Kma::A256GcmKw), default_provider()),
        Err(Error::KeyUsage(_))
    ));
    jwk.alg = Some("HS256".into());
    assert!(matches!(
        DecryptionKey::from_jwk(&jwk, None, default_provider()),
        Err(Error::KeyUsage(_))
    ));
    jwk.alg = None;
    assert!(matches!(
        DecryptionKey::from_jwk(&jwk, None, default_provider()),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn use_and_key_ops_are_enforced() {
    let p = default_provider();
    let mut jwk = Jwk::symmetric(vec![9; 32]);
    jwk.key_use = Some("sig".into());
    assert!(matches!(
        DecryptionKey::from_jwk(&jwk, Some(Kma::A256GcmKw), p),
        Err(Error::KeyUsage(_))
    ));
    assert!(matches!(
        EncryptionKey::from_jwk(&jwk, Some(Kma::A256GcmKw), p),
        Err(Error::KeyUsage(_))
    ));
    jwk.key_use = Some("enc".into());
    jwk.key_ops = Some(vec!["wrapKey".into()]);
    assert!(EncryptionKey::from_jwk(&jwk, Some(Kma::A256GcmKw), p).is_ok());
    assert!(matches!(
        DecryptionKey::from_jwk(&jwk, Some(Kma::A256GcmKw), p),
        Err(Error::KeyUsage(_))
    ));
    jwk.key_ops = Some(vec!["unwrapKey".into()]);
    assert!(DecryptionKey::from_jwk(&jwk, Some(Kma::A256GcmKw), p).is_ok());
    jwk.key_ops = Some(vec!["decrypt".into()]);
    assert!(DecryptionKey::from_jwk(&jwk, Some(Kma::Dir), p).is_ok());
    assert!(matches!(
        EncryptionKey::from_jwk(&jwk, Some(Kma::Dir), p),
        Err(Error::KeyUsage(_))
    ));
    // A signature key cannot become an encryption key, nor a public key a decryption key.
    let ed = Jwk::generate(JwsAlgorithm::EdDSA, p, &rng()).unwrap();
    assert!(DecryptionKey::from_jwk(&ed, Some(Kma::EcdhEs), p).is_err());
    let Some(full) = full() else { return };
    let ec = Jwk::new(
        full.key_agreement
            .ephemeral(AgreementCurve::P256, &rng())
            .unwrap(),
    );
    assert!(matches!(
        DecryptionKey::from_jwk(&ec.to_public().unwrap(), Some(Kma::EcdhEs), full),
        Err(Error::InvalidKey(_))
    ));
    let mut derive = ec.clone();
    derive.key_ops = Some(vec!["deriveBits".into()]);
    assert!(DecryptionKey::from_jwk(&derive, Some(Kma::EcdhEsA128Kw), full).is_ok());
}

#[test]
fn crit_and_header_disjointness() {
    let p = default_provider();
    let to = EncryptionKey::symmetric(Kma::A256GcmKw, &[9; 32], p).unwrap();
    let key = DecryptionKey::symmetric(Kma::A256GcmKw, &[9; 32], p).unwrap();
    let token = JweBuilder::new(Enc::A256Gcm)
        .crit("exp")
        .protected_param("exp", 5)
        .recipient(&to)
        .encrypt_compact(b"x", &rng())
        .unwrap();
    assert!(matches!(
        jwe::decrypt_compact(&token, &key, &opts()),
        Err(Error::Crit(_))
    ));
    let understood = JweOptions::default().understand_crit("exp");
    assert_eq!(
        jwe::decrypt_compact(&token, &key, &understood)
            .unwrap()
            .plaintext,
        b"x"
    );
    // crit may not name a registered parameter.
    let registered = with_header(&token, |h| {
        h.insert("crit".into(), json!(["enc"]));
    });
    assert!(matches!(
        jwe::decrypt_compact(&registered, &key, &understood),
        Err(Error::Crit(_))
    ));
    // A parameter in both the protected and the shared unprotected header.
    let flat: Value = serde_json::from_str(
        &JweBuilder::new(Enc::A256Gcm)
            .typ("JWT")
            .recipient(&to)
            .encrypt_flattened(b"x", &rng())
            .unwrap(),
    )
    .unwrap();
    let mut twice = flat.clone();
    twice["unprotected"] = json!({"typ": "JWT"});
    assert!(matches!(
        jwe::decrypt_json(twice.to_string(), &key, &opts()),
        Err(Error::Header(_))
    ));
    let mut twice = flat.clone();
    twice["header"] = json!({"enc": "A256GCM"});
    assert!(matches!(
        jwe::decrypt_json(twice.to_string(), &key, &opts()),
        Err(Error::Header(_))
    ));
    // crit in an unprotected header is refused.
    let mut unprotected_crit = flat;
    unprotected_crit["unprotected"] = json!({"crit": ["x"], "x": 1});
    assert!(matches!(
        jwe::decrypt_json(
            unprotected_crit.to_string(),
            &key,
            &understood.understand_crit("x")
        ),
        Err(Error::Crit(_))
    ));
    // The builder refuses to put a parameter in two headers.
    assert!(matches!(
        JweBuilder::new(Enc::A256Gcm)
            .typ("JWT")
            .unprotected_param("typ", "JWT")
            .recipient(&to)
            .encrypt_flattened(b"x", &rng()),
        Err(Error::Misuse(_))
    ));
    // And the compact serialization has no unprotected header and no aad.
    assert!(
        JweBuilder::new(Enc::A256Gcm)
            .aad(b"a".to_vec())
            .recipient(&to)
            .encrypt_compact(b"x", &rng())
            .is_err()
    );
}

#[test]
fn key_selection_by_kid_and_alg() {
    let p = default_provider();
    let mut a = Jwk::symmetric(vec![1; 32]);
    a.kid = Some("a".into());
    a.alg = Some("A256GCMKW".into());
    let mut b = Jwk::symmetric(vec![2; 32]);
    b.kid = Some("b".into());
    let mut sig = Jwk::symmetric(vec![3; 32]);
    sig.kid = Some("s".into());
    sig.key_use = Some("sig".into());
    let set = JwkSet::new(vec![a.clone(), b.clone(), sig]);
    let keys =
        DecryptionKeys::from_jwk_set(&set, &[Kma::A256GcmKw, Kma::A128GcmKw], &[Enc::A256Gcm], p)
            .unwrap();
    // a (its own alg), b (for A256GCMKW; 32 bytes does not fit A128GCMKW); sig skipped.
    assert_eq!(keys.len(), 2);
    assert_eq!(keys.skipped().len(), 1);
    let to_b = EncryptionKey::from_jwk(&b, Some(Kma::A256GcmKw), p).unwrap();
    let token = JweBuilder::new(Enc::A256Gcm)
        .recipient(&to_b)
        .encrypt_compact(b"for b", &rng())
        .unwrap();
    assert_eq!(
        jwe::decrypt_compact(&token, &keys, &opts())
            .unwrap()
            .plaintext,
        b"for b"
    );
    // A kid no key has: no key is tried.
    let unknown = with_header(&token, |h| {
        h.insert("kid".into(), "zzz".into());
    });
    assert_eq!(
        jwe::decrypt_compact(&unknown, &keys, &opts()),
        Err(Error::NoMatchingKey)
    );
    // `jwk` in the header is never used.
    let planted = with_header(&token, |h| {
        h.insert(
            "jwk".into(),
            Value::Object(Jwk::symmetric(vec![2; 32]).to_map()),
        );
        h.insert("kid".into(), "a".into());
    });
    assert_eq!(
        jwe::decrypt_compact(&planted, &keys, &opts()),
        Err(Error::Decryption)
    );
    // The sending side selects the recipient's key from its set by kid and alg, never a
    // signature key.
    let mut pub_set = set.clone();
    pub_set.keys[2].kid = Some("b".into());
    // The signature key with kid `b` comes first and must be passed over.
    pub_set.keys.swap(1, 2);
    let chosen = EncryptionKey::from_jwk_set(&pub_set, Some("b"), Kma::A256GcmKw, p).unwrap();
    assert_eq!(chosen.kid(), Some("b"));
    let token = JweBuilder::new(Enc::A256Gcm)
        .recipient(&chosen)
        .encrypt_compact(b"chosen", &rng())
        .unwrap();
    assert_eq!(
        jwe::decrypt_compact(&token, &keys, &opts())
            .unwrap()
            .plaintext,
        b"chosen"
    );
    assert_eq!(
        EncryptionKey::from_jwk_set(&pub_set, Some("s"), Kma::A256GcmKw, p).unwrap_err(),
        Error::NoMatchingKey
    );
    assert_eq!(
        EncryptionKey::from_jwk_set(&pub_set, None, Kma::A128GcmKw, p).unwrap_err(),
        Error::NoMatchingKey
    );
    // A set with nothing usable says why.
    let none =
        DecryptionKeys::from_jwk_set(&JwkSet::new(vec![a]), &[Kma::A128GcmKw], &[Enc::A256Gcm], p);
    assert!(matches!(none, Err(Error::NoUsableDecryptionKeys { .. })));
}
