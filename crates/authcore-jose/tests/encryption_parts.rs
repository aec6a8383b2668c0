//! The JWE primitive parts of every compiled-in provider, one by one: known-answer vectors
//! from the specifications, the error each misuse gets (never a panic), and the support each
//! provider reports. The Wycheproof vectors for the same parts are in `wycheproof_jwe.rs`.

use authcore_jose::crypto::{
    AgreementCurve, CryptoProvider, EncryptionKeyOptions, KeyMaterial, KeySpec, providers,
};
use authcore_jose::{
    ContentEncryptionAlgorithm, DigestAlgorithm, EcCurve, EcParams, Error, InsecureTestRandom, Jwk,
    JwsAlgorithm, KeyManagementAlgorithm, KeyParams, OkpCurve, OkpParams, SecureRandom,
};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A "random" source that repeats the given bytes: reproduces fixed private keys.
struct Repeating(Vec<u8>);

impl SecureRandom for Repeating {
    fn fill(&self, dest: &mut [u8]) -> authcore_jose::Result<()> {
        for (i, b) in dest.iter_mut().enumerate() {
            *b = self.0[i % self.0.len()];
        }
        Ok(())
    }
}

/// The aws-lc-rs provider, when compiled in: the one with every JWE primitive.
fn aws_lc() -> Option<&'static CryptoProvider> {
    providers().into_iter().find(|p| p.name == "aws-lc-rs")
}

fn is_decryption(r: &authcore_jose::Result<impl std::fmt::Debug>) -> bool {
    matches!(r, Err(Error::Decryption))
}

// ---------------------------------------------------------------------------------------------
// AES key wrap: RFC 3394 §4.1-§4.6.

const KEY_DATA_128: &str = "00112233445566778899AABBCCDDEEFF";
const KEY_DATA_192: &str = "00112233445566778899AABBCCDDEEFF0001020304050607";
const KEY_DATA_256: &str = "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F";

fn kek(len: u8) -> Vec<u8> {
    (0..len).collect()
}

#[test]
fn aes_key_wrap_rfc3394_section4_vectors() {
    let vectors = [
        (
            16,
            KEY_DATA_128,
            "1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5",
        ),
        (
            24,
            KEY_DATA_128,
            "96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D",
        ),
        (
            32,
            KEY_DATA_128,
            "64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7",
        ),
        (
            24,
            KEY_DATA_192,
            "031D33264E15D332 68F24EC260743EDC E1C6C7DDEE725A93 6BA814915C6762D2",
        ),
        (
            32,
            KEY_DATA_192,
            "A8F9BC1612C68B3F F6E6F4FBE30E71E4 769C8B80A32CB895 8CD5D17D6B254DA1",
        ),
        (
            32,
            KEY_DATA_256,
            "28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21",
        ),
    ];
    let mut ran = 0;
    for p in providers() {
        for (kek_len, data, wrapped) in vectors {
            let (kek, data, wrapped) = (kek(kek_len), hex(data), hex(wrapped));
            let part = p.aes_key_wrap;
            if !part.supports(kek.len()) {
                assert!(
                    matches!(part.wrap(&kek, &data), Err(Error::UnsupportedAlgorithm(_))),
                    "{}",
                    p.name
                );
                continue;
            }
            assert_eq!(part.wrap(&kek, &data).unwrap(), wrapped, "{} wrap", p.name);
            assert_eq!(
                part.unwrap(&kek, &wrapped).unwrap().expose(),
                &data[..],
                "{} unwrap",
                p.name
            );
            // Negative: any changed byte, or another KEK, fails the integrity check.
            for i in [0, wrapped.len() / 2, wrapped.len() - 1] {
                let mut bad = wrapped.clone();
                bad[i] ^= 1;
                assert!(
                    is_decryption(&part.unwrap(&kek, &bad)),
                    "{} byte {i}",
                    p.name
                );
            }
            let mut other = kek.clone();
            other[0] ^= 0x80;
            assert!(is_decryption(&part.unwrap(&other, &wrapped)));
            // Lengths: a wrapped value that is not n+1 blocks (n >= 2) is a decryption failure;
            // a KEK or key of the wrong size is a bad key.
            assert!(is_decryption(
                &part.unwrap(&kek, &wrapped[..wrapped.len() - 3])
            ));
            assert!(is_decryption(&part.unwrap(&kek, &wrapped[..16])));
            assert!(is_decryption(&part.unwrap(&kek, &[])));
            assert!(matches!(
                part.unwrap(&kek[..15], &wrapped),
                Err(Error::InvalidKey(_))
            ));
            assert!(matches!(
                part.wrap(&[0u8; 20], &data),
                Err(Error::InvalidKey(_))
            ));
            assert!(matches!(
                part.wrap(&kek, &data[..12]),
                Err(Error::InvalidKey(_))
            ));
            assert!(matches!(
                part.wrap(&kek, &data[..8]),
                Err(Error::InvalidKey(_))
            ));
            ran += 1;
        }
    }
    assert!(ran > 0 || aws_lc().is_none());
}

// ---------------------------------------------------------------------------------------------
// AES-GCM: the test cases of "The Galois/Counter Mode of Operation" (McGrew and Viega, the
// vectors NIST's GCM validation starts from): test cases 4, 10 and 16, one per key size.

const GCM_PLAINTEXT: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
const GCM_AAD: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const GCM_IV: &str = "cafebabefacedbaddecaf888";
const GCM_KEY: &str = "feffe9928665731c6d6a8f9467308308";

#[test]
fn aes_gcm_known_answers_and_tampering() {
    let vectors = [
        (
            GCM_KEY.to_owned(),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
             21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47",
        ),
        (
            format!("{GCM_KEY}{}", &GCM_KEY[..16]),
            "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c\
             7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
            "2519498e80f1478f37ba55bd6d27618c",
        ),
        (
            format!("{GCM_KEY}{GCM_KEY}"),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ),
    ];
    let (pt, aad) = (hex(GCM_PLAINTEXT), hex(GCM_AAD));
    let iv: [u8; 12] = hex(GCM_IV).try_into().unwrap();
    let mut ran = 0;
    for p in providers() {
        let part = p.aes_gcm;
        for (key, ct, tag) in &vectors {
            let (key, ct) = (hex(key), hex(ct));
            let tag: [u8; 16] = hex(tag).try_into().unwrap();
            if !part.supports(key.len()) {
                // ring has no AES-192: unsupported, not a panic or a wrong answer.
                assert!(matches!(
                    part.seal(&key, &iv, &aad, &pt),
                    Err(Error::UnsupportedAlgorithm(_))
                ));
                assert!(matches!(
                    part.open(&key, &iv, &aad, &ct, &tag),
                    Err(Error::UnsupportedAlgorithm(_))
                ));
                continue;
            }
            assert_eq!(part.seal(&key, &iv, &aad, &pt).unwrap(), (ct.clone(), tag));
            assert_eq!(part.open(&key, &iv, &aad, &ct, &tag).unwrap(), pt);
            let mut bad_tag = tag;
            bad_tag[15] ^= 1;
            assert!(is_decryption(&part.open(&key, &iv, &aad, &ct, &bad_tag)));
            let mut bad_ct = ct.clone();
            bad_ct[0] ^= 1;
            assert!(is_decryption(&part.open(&key, &iv, &aad, &bad_ct, &tag)));
            assert!(is_decryption(&part.open(&key, &iv, &aad[1..], &ct, &tag)));
            let mut bad_iv = iv;
            bad_iv[0] ^= 1;
            assert!(is_decryption(&part.open(&key, &bad_iv, &aad, &ct, &tag)));
            let mut bad_key = key.clone();
            bad_key[0] ^= 1;
            assert!(is_decryption(&part.open(&bad_key, &iv, &aad, &ct, &tag)));
            ran += 1;
        }
        for len in [0, 15, 20, 33, 64] {
            let key = vec![7u8; len];
            assert!(
                matches!(part.seal(&key, &iv, &aad, &pt), Err(Error::InvalidKey(_))),
                "{} {len}",
                p.name
            );
            assert!(matches!(
                part.open(&key, &iv, &aad, &pt, &[0; 16]),
                Err(Error::InvalidKey(_))
            ));
        }
    }
    assert!(ran >= 2, "{ran}");
}

// ---------------------------------------------------------------------------------------------
// AES-CBC: the encryption half of RFC 7518 Appendix B.1 (A128CBC-HS256), whose `E` is the
// AES-128-CBC ciphertext of `P` with PKCS #7 padding.

#[test]
fn aes_cbc_rfc7518_appendix_b1() {
    let enc_key = hex("101112131415161718191a1b1c1d1e1f");
    let p = b"A cipher system must not be required to be secret, and it must be able to fall \
              into the hands of the enemy without inconvenience";
    let iv: [u8; 16] = hex("1af38c2dc2b96ffdd86694092341bc04").try_into().unwrap();
    let e = hex(
        "c80edfa32ddf39d5ef00c0b468834279a2e46a1b8049f792f76bfe54b903a9c9\
         a94ac9b47ad2655c5f10f9aef71427e2fc6f9b3f399a221489f16362c7032336\
         09d45ac69864e3321cf82935ac4096c86e133314c54019e8ca7980dfa4b9cf1b\
         384c486f3a54c51078158ee5d79de59fbd34d848b3d69550a67646344427ade5\
         4b8851ffb598f7f80074b9473c82e2db",
    );
    let mut ran = 0;
    for prov in providers() {
        let part = prov.aes_cbc;
        if !part.supports(16) {
            assert!(matches!(
                part.encrypt(&enc_key, &iv, p),
                Err(Error::UnsupportedAlgorithm(_))
            ));
            continue;
        }
        assert_eq!(part.encrypt(&enc_key, &iv, p).unwrap(), e);
        assert_eq!(part.decrypt(&enc_key, &iv, &e).unwrap(), p);
        // Every key size, and padding of a whole block for an aligned plaintext.
        for len in [16, 24, 32] {
            let key = vec![3u8; len];
            for n in [0, 1, 15, 16, 17, 32] {
                let msg = vec![0x5a; n];
                let ct = part.encrypt(&key, &iv, &msg).unwrap();
                assert_eq!(ct.len(), (n / 16 + 1) * 16);
                assert_eq!(part.decrypt(&key, &iv, &ct).unwrap(), msg);
            }
        }
        // Negative: a wrong last byte breaks the padding; ragged and empty ciphertexts.
        let mut bad = e.clone();
        *bad.last_mut().unwrap() ^= 0xff;
        assert!(is_decryption(&part.decrypt(&enc_key, &iv, &bad)));
        assert!(is_decryption(&part.decrypt(
            &enc_key,
            &iv,
            &e[..e.len() - 1]
        )));
        assert!(is_decryption(&part.decrypt(&enc_key, &iv, &[])));
        assert!(matches!(
            part.encrypt(&enc_key[..15], &iv, p),
            Err(Error::InvalidKey(_))
        ));
        assert!(matches!(
            part.decrypt(&[1u8; 64], &iv, &e),
            Err(Error::InvalidKey(_))
        ));
        ran += 1;
    }
    assert!(ran > 0 || aws_lc().is_none());
}

// ---------------------------------------------------------------------------------------------
// Key agreement.

fn okp(crv: OkpCurve, x: &str, d: Option<&str>) -> KeyMaterial {
    let k = OkpParams::new(crv, hex(x));
    KeyParams::Okp(match d {
        Some(d) => k.with_private(hex(d)),
        None => k,
    })
}

#[test]
fn x25519_rfc7748_section6_1() {
    let a_priv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    let a_pub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    let b_priv = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    let b_pub = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    let shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    let alice = okp(OkpCurve::X25519, a_pub, Some(a_priv));
    let bob = okp(OkpCurve::X25519, b_pub, Some(b_priv));
    let mut ran = 0;
    for p in providers() {
        let part = p.key_agreement;
        if !part.supports(AgreementCurve::X25519) {
            assert!(matches!(
                part.agree(&alice, &bob),
                Err(Error::UnsupportedAlgorithm(_))
            ));
            continue;
        }
        assert_eq!(
            part.agree(&alice, &okp(OkpCurve::X25519, b_pub, None))
                .unwrap()
                .expose(),
            &shared[..]
        );
        assert_eq!(part.agree(&bob, &alice).unwrap().expose(), &shared[..]);
        // The ephemeral key comes from the caller's source: Alice's bytes give Alice's key.
        let eph = part
            .ephemeral(AgreementCurve::X25519, &Repeating(hex(a_priv)))
            .unwrap();
        assert_eq!(eph, alice);
        // Negative: a low-order peer point gives the all-zero secret (RFC 7748 §6.1), refused;
        // a peer key of the wrong length or curve is a bad key.
        let zero = okp(OkpCurve::X25519, &"00".repeat(32), None);
        assert!(matches!(
            part.agree(&alice, &zero),
            Err(Error::InvalidKey(_))
        ));
        let short = okp(OkpCurve::X25519, &b_pub[..62], None);
        assert!(matches!(
            part.agree(&alice, &short),
            Err(Error::InvalidKey(_))
        ));
        let ed = okp(OkpCurve::Ed25519, b_pub, None);
        assert!(matches!(part.agree(&alice, &ed), Err(Error::InvalidKey(_))));
        let public_only = okp(OkpCurve::X25519, a_pub, None);
        assert!(matches!(
            part.agree(&public_only, &bob),
            Err(Error::InvalidKey(_))
        ));
        ran += 1;
    }
    assert!(ran > 0 || aws_lc().is_none());
}

const NIST: [(AgreementCurve, EcCurve); 3] = [
    (AgreementCurve::P256, EcCurve::P256),
    (AgreementCurve::P384, EcCurve::P384),
    (AgreementCurve::P521, EcCurve::P521),
];

fn ec(k: &KeyMaterial) -> &EcParams {
    match k {
        KeyParams::Ec(p) => p,
        other => panic!("not EC: {other:?}"),
    }
}

#[test]
fn ecdh_nist_curves_agree_and_validate_the_peer_point() {
    let mut ran = 0;
    for p in providers() {
        let part = p.key_agreement;
        for (curve, crv) in NIST {
            if !part.supports(curve) {
                let r = part.ephemeral(curve, &InsecureTestRandom::new(1));
                assert!(matches!(r, Err(Error::UnsupportedAlgorithm(_))));
                continue;
            }
            let a = part.ephemeral(curve, &InsecureTestRandom::new(1)).unwrap();
            let b = part.ephemeral(curve, &InsecureTestRandom::new(2)).unwrap();
            assert_eq!(ec(&a).crv, crv);
            assert_eq!(ec(&a).x.len(), crv.coordinate_len());
            let z = part.agree(&a, &b).unwrap();
            assert_eq!(z.len(), crv.coordinate_len());
            assert_eq!(z, part.agree(&b, &a).unwrap());
            // The same source gives the same key.
            assert_eq!(
                a,
                part.ephemeral(curve, &InsecureTestRandom::new(1)).unwrap()
            );

            // Negative: a point off the curve (y changed), coordinates of the wrong length,
            // a key on another curve, and a public key where the private one is needed.
            let mut off = ec(&b).clone();
            *off.y.last_mut().unwrap() ^= 1;
            assert!(matches!(
                part.agree(&a, &KeyParams::Ec(off)),
                Err(Error::InvalidKey(_))
            ));
            let mut short = ec(&b).clone();
            short.x.remove(0);
            assert!(matches!(
                part.agree(&a, &KeyParams::Ec(short)),
                Err(Error::InvalidKey(_))
            ));
            let other_curve = if curve == AgreementCurve::P256 {
                AgreementCurve::P384
            } else {
                AgreementCurve::P256
            };
            let c = part
                .ephemeral(other_curve, &InsecureTestRandom::new(3))
                .unwrap();
            assert!(matches!(part.agree(&a, &c), Err(Error::InvalidKey(_))));
            let public = KeyParams::Ec(EcParams::new(crv, ec(&a).x.clone(), ec(&a).y.clone()));
            assert!(matches!(part.agree(&public, &b), Err(Error::InvalidKey(_))));
            ran += 1;
        }
    }
    assert!(ran > 0 || aws_lc().is_none());
}

/// The curve orders behind the ephemeral scalar's range check: `n - 1` is accepted and is
/// the negation of 1 (the same x, the other y), `n` itself and zero are never a key, and a
/// source stuck on them ends in an error rather than a loop.
#[test]
fn ephemeral_scalars_stay_below_the_curve_order() {
    let orders = [
        (
            AgreementCurve::P256,
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        ),
        (
            AgreementCurve::P384,
            "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf\
             581a0db248b0a77aecec196accc52973",
        ),
        (
            AgreementCurve::P521,
            "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
             fffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91\
             386409",
        ),
    ];
    for p in providers() {
        let part = p.key_agreement;
        for (curve, n) in orders {
            if !part.supports(curve) {
                continue;
            }
            let n = hex(n);
            let mut n_minus_1 = n.clone();
            *n_minus_1.last_mut().unwrap() -= 1;
            let mut one = vec![0u8; n.len()];
            *one.last_mut().unwrap() = 1;
            let g = part.ephemeral(curve, &Repeating(one)).unwrap();
            let minus_g = part.ephemeral(curve, &Repeating(n_minus_1)).unwrap();
            assert_eq!(ec(&g).x, ec(&minus_g).x, "{curve}");
            assert_ne!(ec(&g).y, ec(&minus_g).y, "{curve}");
            for stuck in [n, vec![0u8; 66], vec![0xff; 66]] {
                assert!(
                    matches!(part.ephemeral(curve, &Repeating(stuck)), Err(Error::Crypto)),
                    "{curve}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RSA key encryption.

const OAEP: [KeyManagementAlgorithm; 4] = [
    KeyManagementAlgorithm::RsaOaep,
    KeyManagementAlgorithm::RsaOaep256,
    KeyManagementAlgorithm::RsaOaep384,
    KeyManagementAlgorithm::RsaOaep512,
];

fn rsa_params(k: &KeyMaterial) -> &authcore_jose::RsaParams {
    match k {
        KeyParams::Rsa(p) => p,
        other => panic!("not RSA: {other:?}"),
    }
}

#[test]
fn rsa_oaep_round_trips_and_rejects_tampering() {
    let Some(gen_provider) = aws_lc() else {
        return;
    };
    let key = gen_provider
        .generate_key_spec(KeySpec::Rsa(2048), &InsecureTestRandom::new(1))
        .unwrap();
    let rsa = rsa_params(&key);
    let public = authcore_jose::RsaParams::new(rsa.n.clone(), rsa.e.clone());
    let cek = [0x42u8; 32];
    let mut ran = 0;
    for p in providers() {
        let part = p.rsa_encryption;
        for alg in OAEP {
            if !part.supports(alg) {
                assert!(matches!(
                    part.encryptor(alg, rsa),
                    Err(Error::UnsupportedAlgorithm(_))
                ));
                assert!(matches!(
                    part.decryptor(alg, rsa),
                    Err(Error::UnsupportedAlgorithm(_))
                ));
                continue;
            }
            let ct = part.encryptor(alg, &public).unwrap().encrypt(&cek).unwrap();
            assert_eq!(ct.len(), 256);
            let dec = part.decryptor(alg, rsa).unwrap();
            assert_eq!(dec.decrypt(&ct).unwrap().expose(), &cek[..]);
            // Encryption is randomized.
            assert_ne!(ct, part.encryptor(alg, rsa).unwrap().encrypt(&cek).unwrap());
            let mut bad = ct.clone();
            bad[100] ^= 1;
            assert!(is_decryption(&dec.decrypt(&bad)));
            assert!(is_decryption(&dec.decrypt(&ct[1..])));
            assert!(is_decryption(&dec.decrypt(&[])));
            // Another OAEP hash does not decrypt it.
            let other = OAEP.into_iter().find(|&o| o != alg).unwrap();
            assert!(is_decryption(
                &part.decryptor(other, rsa).unwrap().decrypt(&ct)
            ));
            // A public key cannot decrypt; a CEK too long for the modulus is refused.
            assert!(matches!(
                part.decryptor(alg, &public),
                Err(Error::InvalidKey(_))
            ));
            assert!(
                part.encryptor(alg, &public)
                    .unwrap()
                    .encrypt(&[0u8; 250])
                    .is_err()
            );
            ran += 1;
        }
        // RSA1_5: decryption only (RFC 7516 §11.5); garbage is one opaque failure.
        if part.supports(KeyManagementAlgorithm::Rsa1_5) {
            assert!(matches!(
                part.encryptor(KeyManagementAlgorithm::Rsa1_5, &public),
                Err(Error::UnsupportedAlgorithm(_))
            ));
            let dec = part.decryptor(KeyManagementAlgorithm::Rsa1_5, rsa).unwrap();
            assert!(is_decryption(&dec.decrypt(&[0x17; 256])));
        }
    }
    assert!(ran > 0);
}

// ---------------------------------------------------------------------------------------------
// PBKDF2: RFC 7914 §11 (HMAC-SHA-256) and the PBES2 derivation of RFC 7517 Appendix C.4.

#[test]
fn pbkdf2_known_answers_and_bounds() {
    let rfc7914 = hex(
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
         49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    );
    // RFC 7517 C.4: salt = "PBES2-HS256+A128KW" || 0x00 || p2s, p2c = 4096.
    let mut salt = b"PBES2-HS256+A128KW\0".to_vec();
    salt.extend(authcore_jose::b64::decode("2WCTcJZ1Rvd_CJuJripQ1w").unwrap());
    let c4 = [
        110u8, 171, 169, 92, 129, 92, 109, 117, 233, 242, 116, 233, 170, 14, 24, 75,
    ];
    // SHA-384 and SHA-512 with the RFC 7914 inputs and two rounds, from an independent
    // implementation (OpenSSL's), so that every hash of PBES2 has a fixed answer.
    let sha384 = hex(
        "df914526b0481adc81293f538d7fb36791b2ad8efb34e0711ea77197b3409db3\
         a54d7d68846b65d26a8a31bf9ebed49f",
    );
    let sha512 = hex(
        "422a2c609b7e035e154ad40236dc0d73983c6c7a46aa6136466e216b3be22896\
         cf65c59be9216fc659736f14d29a7472862c7c261e8a2dd53cf2a67a73dcd275",
    );
    for p in providers() {
        let part = p.pbkdf2;
        assert!(part.supports(DigestAlgorithm::Sha256), "{}", p.name);
        assert!(!part.supports(DigestAlgorithm::Sha1), "{}", p.name);
        let mut out = [0u8; 64];
        part.derive(DigestAlgorithm::Sha256, b"passwd", b"salt", 1, &mut out)
            .unwrap();
        assert_eq!(out.to_vec(), rfc7914);
        let mut out = [0u8; 16];
        part.derive(
            DigestAlgorithm::Sha256,
            b"Thus from my lips, by yours, my sin is purged.",
            &salt,
            4096,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, c4);
        let mut out = [0u8; 48];
        part.derive(DigestAlgorithm::Sha384, b"passwd", b"salt", 2, &mut out)
            .unwrap();
        assert_eq!(out.to_vec(), sha384);
        let mut out = [0u8; 64];
        part.derive(DigestAlgorithm::Sha512, b"passwd", b"salt", 2, &mut out)
            .unwrap();
        assert_eq!(out.to_vec(), sha512);
        // Negative: zero rounds, empty or oversized output, and SHA-1 are errors, not panics.
        let mut out = [0u8; 16];
        assert!(matches!(
            part.derive(DigestAlgorithm::Sha256, b"pw", b"salt", 0, &mut out),
            Err(Error::InvalidKey(_))
        ));
        assert!(matches!(
            part.derive(DigestAlgorithm::Sha256, b"pw", b"salt", 1, &mut []),
            Err(Error::InvalidKey(_))
        ));
        let mut huge = vec![0u8; 4096];
        assert!(matches!(
            part.derive(DigestAlgorithm::Sha256, b"pw", b"salt", 1, &mut huge),
            Err(Error::InvalidKey(_))
        ));
        assert!(matches!(
            part.derive(DigestAlgorithm::Sha1, b"pw", b"salt", 1, &mut out),
            Err(Error::UnsupportedAlgorithm(_))
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// What each provider says it supports.

fn has_aws_lc(p: &CryptoProvider) -> bool {
    p.name != "ring"
}

#[test]
fn supports_answers_from_the_parts_present() {
    use ContentEncryptionAlgorithm as E;
    use KeyManagementAlgorithm as K;
    for p in providers() {
        let full = has_aws_lc(p);
        for alg in K::ALL {
            let expected = match alg {
                K::Dir => true,
                K::A128GcmKw | K::A256GcmKw => true,
                _ => full,
            };
            assert_eq!(p.supports(alg), expected, "{} {alg:?}", p.name);
        }
        for enc in E::ALL {
            let expected = match enc {
                E::A128Gcm | E::A256Gcm => true,
                _ => full,
            };
            assert_eq!(p.supports(enc), expected, "{} {enc:?}", p.name);
        }
        // JWS answers are unchanged by the new parts.
        assert!(p.supports(JwsAlgorithm::HS256));
    }
    // A provider without the key wrap part has no A*KW, ECDH-ES+A*KW or PBES2, but keeps
    // ECDH-ES (direct agreement) and the GCM key wrap.
    if let Some(aws) = aws_lc() {
        let no_kw = aws
            .clone()
            .with_aes_key_wrap(&authcore_jose::crypto::Unsupported);
        assert!(!no_kw.supports(K::A128Kw));
        assert!(!no_kw.supports(K::EcdhEsA256Kw));
        assert!(!no_kw.supports(K::Pbes2Hs256A128Kw));
        assert!(no_kw.supports(K::EcdhEs));
        assert!(no_kw.supports(K::A192GcmKw));
        let no_hmac = aws.clone().with_hmac(&authcore_jose::crypto::Unsupported);
        assert!(!no_hmac.supports(E::A128CbcHs256));
        assert!(no_hmac.supports(E::A128Gcm));
    }
}

// ---------------------------------------------------------------------------------------------
// Encryption key generation.

#[test]
fn generates_keys_for_key_management_algorithms() {
    use KeyManagementAlgorithm as K;
    let rng = InsecureTestRandom::new(5);
    for p in providers() {
        let full = has_aws_lc(p);
        for (alg, len) in [
            (K::A128Kw, 16),
            (K::A192Kw, 24),
            (K::A256Kw, 32),
            (K::A128GcmKw, 16),
            (K::A256GcmKw, 32),
        ] {
            let jwk = Jwk::generate(alg, p, &rng).unwrap();
            assert_eq!(jwk.alg.as_deref(), Some(alg.name()));
            assert_eq!(jwk.key_use.as_deref(), Some("enc"));
            match &jwk.params {
                KeyParams::Oct(k) => assert_eq!(k.k.len(), len),
                other => panic!("{other:?}"),
            }
        }
        // ECDH-ES: P-256 unless a curve is named.
        let jwk = Jwk::generate(K::EcdhEsA128Kw, p, &rng).unwrap();
        assert_eq!(jwk.params.describe(), "EC P-256");
        assert!(jwk.is_private());
        for (curve, name) in [
            (AgreementCurve::P384, "EC P-384"),
            (AgreementCurve::P521, "EC P-521"),
            (AgreementCurve::X25519, "OKP X25519"),
        ] {
            let o = EncryptionKeyOptions::default().with_curve(curve);
            let r = Jwk::generate_for_encryption(K::EcdhEs, &o, p, &rng);
            let needs_aws = curve != AgreementCurve::P384;
            if full || !needs_aws {
                let jwk = r.unwrap();
                assert_eq!(jwk.params.describe(), name);
                // The generated key agrees with an ephemeral one on its curve.
                if p.key_agreement.supports(curve) {
                    let eph = p.key_agreement.ephemeral(curve, &rng).unwrap();
                    assert_eq!(
                        p.key_agreement.agree(&jwk.params, &eph).unwrap(),
                        p.key_agreement.agree(&eph, &jwk.params).unwrap()
                    );
                }
            } else {
                assert!(
                    matches!(r, Err(Error::UnsupportedAlgorithm(_))),
                    "{}",
                    p.name
                );
            }
        }
        let o = EncryptionKeyOptions::default().with_curve(AgreementCurve::X448);
        assert!(matches!(
            Jwk::generate_for_encryption(K::EcdhEs, &o, p, &rng),
            Err(Error::UnsupportedAlgorithm(_))
        ));
        // dir: the enc fixes the size.
        assert!(matches!(
            Jwk::generate(K::Dir, p, &rng),
            Err(Error::Misuse(_))
        ));
        for enc in ContentEncryptionAlgorithm::ALL {
            let o = EncryptionKeyOptions::default().with_enc(enc);
            let jwk = Jwk::generate_for_encryption(K::Dir, &o, p, &rng).unwrap();
            assert_eq!(jwk.alg.as_deref(), Some("dir"));
            match &jwk.params {
                KeyParams::Oct(k) => assert_eq!(k.k.len(), enc.key_len()),
                other => panic!("{other:?}"),
            }
        }
        // RSA-OAEP: RSA 2048 where the provider generates RSA.
        let r = Jwk::generate(K::RsaOaep256, p, &rng);
        if full {
            let jwk = r.unwrap();
            assert_eq!(rsa_params(&jwk.params).modulus_bits(), 2048);
            assert_eq!(jwk.key_use.as_deref(), Some("enc"));
        } else {
            assert!(matches!(r, Err(Error::UnsupportedAlgorithm(_))));
        }
        // Not generated: RSA1_5 (legacy), PBES2 (a password), and an `enc` on its own.
        for alg in [K::Rsa1_5, K::Pbes2Hs256A128Kw] {
            assert!(matches!(
                Jwk::generate(alg, p, &rng),
                Err(Error::UnsupportedAlgorithm(_))
            ));
        }
        assert!(matches!(
            Jwk::generate(ContentEncryptionAlgorithm::A128Gcm, p, &rng),
            Err(Error::Misuse(_))
        ));
        // JWS keys are as before: `alg` set, no `use`.
        let jws = Jwk::generate(JwsAlgorithm::HS384, p, &rng).unwrap();
        assert_eq!(
            (jws.alg.as_deref(), jws.key_use.as_deref()),
            (Some("HS384"), None)
        );
    }
}

#[test]
fn ring_leaves_what_it_lacks_unsupported() {
    let Some(ring) = providers().into_iter().find(|p| p.name == "ring") else {
        return;
    };
    assert!(!ring.aes_gcm.supports(24));
    assert!(!ring.aes_key_wrap.supports(16));
    assert!(!ring.aes_cbc.supports(16));
    assert!(
        !ring
            .rsa_encryption
            .supports(KeyManagementAlgorithm::RsaOaep)
    );
    for curve in [
        AgreementCurve::P256,
        AgreementCurve::P384,
        AgreementCurve::P521,
        AgreementCurve::X25519,
        AgreementCurve::X448,
    ] {
        assert!(!ring.key_agreement.supports(curve));
    }
    assert!(ring.pbkdf2.supports(DigestAlgorithm::Sha512));
}

// ---------------------------------------------------------------------------------------------
// Properties: round trips for any input, and no input panics a part.

mod properties {
    use authcore_jose::crypto::{AgreementCurve, KeyMaterial, providers};
    use authcore_jose::{
        DigestAlgorithm, EcCurve, EcParams, InsecureTestRandom, OkpCurve, OkpParams,
    };
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn symmetric_parts_round_trip(
            key in prop::collection::vec(any::<u8>(), 32),
            key_len in prop::sample::select(vec![16usize, 24, 32]),
            msg in prop::collection::vec(any::<u8>(), 0..200),
            aad in prop::collection::vec(any::<u8>(), 0..40),
            iv in any::<[u8; 16]>(),
            blocks in 2usize..8,
        ) {
            let key = &key[..key_len];
            let gcm_iv: [u8; 12] = iv[..12].try_into().unwrap();
            for p in providers() {
                if p.aes_gcm.supports(key_len) {
                    let (ct, tag) = p.aes_gcm.seal(key, &gcm_iv, &aad, &msg).unwrap();
                    prop_assert_eq!(ct.len(), msg.len());
                    prop_assert_eq!(&p.aes_gcm.open(key, &gcm_iv, &aad, &ct, &tag).unwrap(), &msg);
                }
                if p.aes_cbc.supports(key_len) {
                    let ct = p.aes_cbc.encrypt(key, &iv, &msg).unwrap();
                    prop_assert_eq!(&p.aes_cbc.decrypt(key, &iv, &ct).unwrap(), &msg);
                }
                if p.aes_key_wrap.supports(key_len) {
                    let cek: Vec<u8> = (0..blocks * 8)
                        .map(|i| msg.get(i).copied().unwrap_or(i as u8))
                        .collect();
                    let wrapped = p.aes_key_wrap.wrap(key, &cek).unwrap();
                    prop_assert_eq!(wrapped.len(), cek.len() + 8);
                    let unwrapped = p.aes_key_wrap.unwrap(key, &wrapped).unwrap();
                    prop_assert_eq!(unwrapped.expose(), &cek[..]);
                }
            }
        }

        #[test]
        fn parts_never_panic_on_any_input(
            key in prop::collection::vec(any::<u8>(), 0..70),
            data in prop::collection::vec(any::<u8>(), 0..100),
            iv in any::<[u8; 16]>(),
            tag in any::<[u8; 16]>(),
            rounds in 0u32..3,
            out_len in 0usize..80,
        ) {
            let gcm_iv: [u8; 12] = iv[..12].try_into().unwrap();
            for p in providers() {
                let _ = p.aes_gcm.open(&key, &gcm_iv, &data, &data, &tag);
                let _ = p.aes_gcm.seal(&key, &gcm_iv, &data, &data);
                let _ = p.aes_cbc.decrypt(&key, &iv, &data);
                let _ = p.aes_cbc.encrypt(&key, &iv, &data);
                let _ = p.aes_key_wrap.unwrap(&key, &data);
                let _ = p.aes_key_wrap.wrap(&key, &data);
                let mut out = vec![0u8; out_len];
                let _ = p.pbkdf2.derive(DigestAlgorithm::Sha256, &key, &data, rounds, &mut out);
                // Arbitrary bytes as keys and peer points of every curve.
                let rng = InsecureTestRandom::new(u64::from(rounds) + 1);
                for curve in [AgreementCurve::P256, AgreementCurve::P384, AgreementCurve::P521] {
                    let crv = match curve {
                        AgreementCurve::P256 => EcCurve::P256,
                        AgreementCurve::P384 => EcCurve::P384,
                        _ => EcCurve::P521,
                    };
                    let Ok(mine) = p.key_agreement.ephemeral(curve, &rng) else { continue };
                    let half = data.len() / 2;
                    let peer = KeyMaterial::Ec(EcParams::new(crv, &data[..half], &data[half..]));
                    let _ = p.key_agreement.agree(&mine, &peer);
                    let bad_private = KeyMaterial::Ec(
                        EcParams::new(crv, &data[..half], &data[half..]).with_private(key.clone()),
                    );
                    let _ = p.key_agreement.agree(&bad_private, &mine);
                }
                let peer = KeyMaterial::Okp(OkpParams::new(OkpCurve::X25519, data.clone()));
                if let Ok(mine) = p.key_agreement.ephemeral(AgreementCurve::X25519, &rng) {
                    let _ = p.key_agreement.agree(&mine, &peer);
                    let bad = KeyMaterial::Okp(
                        OkpParams::new(OkpCurve::X25519, data.clone()).with_private(key.clone()),
                    );
                    let _ = p.key_agreement.agree(&bad, &mine);
                }
            }
        }
    }
}
