//! JWE property tests: encrypt → decrypt round trips for every `alg` × `enc` the compiled
//! providers support, in every serialization, and parsers that never panic.

use std::sync::OnceLock;

use authcore_jose::crypto::{AgreementCurve, CryptoProvider, providers};
use authcore_jose::jwe::{self, DecryptionKey, EncryptionKey, JweBuilder, JweOptions};
use authcore_jose::{
    ContentEncryptionAlgorithm as Enc, InsecureTestRandom, Jwk, KeyManagementAlgorithm as Kma,
};
use proptest::prelude::*;

/// RFC 7516 Appendix A.2's RSA key (2048 bits): ring cannot generate RSA keys.
const RSA_JWK: &str = r#"{"kty":"RSA","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB","d":"VFCWOqXr8nvZNyaaJLXdnNPXZKRaWCjkU5Q2egQQpTBMwhprMzWzpR8Sxq1OPThh_J6MUD8Z35wky9b8eEO0pwNS8xlh1lOFRRBoNqDIKVOku0aZb-rynq8cxjDTLZQ6Fz7jSjR1Klop-YKaUHc9GsEofQqYruPhzSA-QgajZGPbE_0ZaVDJHfyd7UUBUKunFMScbflYAAOYJqVIVwaYR5zWEEceUjNnTNo_CVSj-VvXLO5VZfCUAVLgW4dpf1SrtZjSt34YLsRarSb127reG_DUwg9Ch-KyvjT1SkHgUWRVGcyly7uvVGRSDwsXypdrNinPA4jlhoNdizK2zF2CWQ","p":"9gY2w6I6S6L0juEKsbeDAwpd9WMfgqFoeA9vEyEUuk4kLwBKcoe1x4HG68ik918hdDSE9vDQSccA3xXHOAFOPJ8R9EeIAbTi1VwBYnbTp87X-xcPWlEPkrdoUKW60tgs1aNd_Nnc9LEVVPMS390zbFxt8TN_biaBgelNgbC95sM","q":"uKlCKvKv_ZJMVcdIs5vVSU_6cPtYI1ljWytExV_skstvRSNi9r66jdd9-yBhVfuG4shsp2j7rGnIio901RBeHo6TPKWVVykPu1iYhQXw1jIABfw-MVsN-3bQ76WLdt2SDxsHs7q7zPyUyHXmps7ycZ5c72wGkUwNOjYelmkiNS0","dp":"w0kZbV63cVRvVX6yk3C8cMxo2qCM4Y8nsq1lmMSYhG4EcL6FWbX5h9yuvngs4iLEFk6eALoUS4vIWEwcL4txw9LsWH_zKI-hwoReoP77cOdSL4AVcraHawlkpyd2TWjE5evgbhWtOxnZee3cXJBkAi64Ik6jZxbvk-RR3pEhnCs","dq":"o_8V14SezckO6CNLKs_btPdFiO9_kC1DsuUTd2LAfIIVeMZ7jn1Gus_Ff7B7IVx3p5KuBGOVF8L-qifLb6nQnLysgHDh132NDioZkhH7mI7hPG-PYE_odApKdnqECHWw0J-F0JWnUd6D2B_1TvF9mXA2Qx-iGYn8OVV1Bsmp6qU","qi":"eNho5yRBEBxhGBtQRww9QirZsB66TrfFReG_CcteI1aCneT0ELGhYlRlCtUkTRclIfuEPmNsNDPbLoLqqCVznFbvdB7x-Tl-m0l_eFTj2KiqwGqE9PZB9nNTwMVvH3VRRSLWACvPnSiwP8N5Usy-WRXS-V7TbpxIhvepTfE0NNo"}"#;

/// One (sender key, recipient key) pair per provider, `alg` and `enc` the provider supports.
type Case = (
    &'static CryptoProvider,
    Kma,
    Enc,
    EncryptionKey,
    DecryptionKey,
);

/// The private key for `alg` on `provider`: a fixed RSA key, a fresh agreement key on each
/// curve the provider has (one case per curve), or symmetric bytes of the right length.
fn keys_for(provider: &CryptoProvider, alg: Kma, enc: Enc) -> Vec<Jwk> {
    let rng = InsecureTestRandom::new(alg as u64 * 31 + enc as u64);
    match alg {
        Kma::Rsa1_5 | Kma::RsaOaep | Kma::RsaOaep256 | Kma::RsaOaep384 | Kma::RsaOaep512 => {
            vec![Jwk::from_json(RSA_JWK.as_bytes()).unwrap()]
        }
        Kma::EcdhEs | Kma::EcdhEsA128Kw | Kma::EcdhEsA192Kw | Kma::EcdhEsA256Kw => [
            AgreementCurve::P256,
            AgreementCurve::P384,
            AgreementCurve::P521,
            AgreementCurve::X25519,
            AgreementCurve::X448,
        ]
        .into_iter()
        .filter(|c| provider.key_agreement.supports(*c))
        .map(|c| Jwk::new(provider.key_agreement.ephemeral(c, &rng).unwrap()))
        .collect(),
        Kma::Dir => vec![Jwk::symmetric(vec![3; enc.key_len()])],
        Kma::A128Kw | Kma::A128GcmKw => vec![Jwk::symmetric(vec![4; 16])],
        Kma::A192Kw | Kma::A192GcmKw => vec![Jwk::symmetric(vec![4; 24])],
        Kma::A256Kw | Kma::A256GcmKw => vec![Jwk::symmetric(vec![4; 32])],
        _ => vec![Jwk::symmetric(b"correct horse battery staple".to_vec())],
    }
}

fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut out = Vec::new();
        for provider in providers() {
            for alg in Kma::ALL {
                for enc in Enc::ALL {
                    // RSA1_5 decrypts only; there is nothing to encrypt with.
                    if alg == Kma::Rsa1_5 || !provider.supports(alg) || !provider.supports(enc) {
                        continue;
                    }
                    for jwk in keys_for(provider, alg, enc) {
                        let public = jwk.to_public().unwrap_or_else(|_| jwk.clone());
                        let to = EncryptionKey::from_jwk(&public, Some(alg), provider).unwrap();
                        let to = match alg {
                            Kma::Pbes2Hs256A128Kw
                            | Kma::Pbes2Hs384A192Kw
                            | Kma::Pbes2Hs512A256Kw => to.with_pbes2_iterations(1000).unwrap(),
                            _ => to,
                        };
                        let from = DecryptionKey::from_jwk(&jwk, Some(alg), provider).unwrap();
                        out.push((provider, alg, enc, to, from));
                    }
                }
            }
        }
        out
    })
}

#[test]
fn every_supported_alg_and_enc_has_a_case() {
    // At least the algorithms ring has: A*GCMKW, dir, PBES2 with AES-GCM (and more with
    // aws-lc-rs); every supported pair appears.
    for p in providers() {
        for alg in Kma::ALL {
            for enc in Enc::ALL {
                if alg != Kma::Rsa1_5 && p.supports(alg) && p.supports(enc) {
                    assert!(
                        cases()
                            .iter()
                            .any(|c| std::ptr::eq(c.0, p) && c.1 == alg && c.2 == enc),
                        "{} {alg} {enc}",
                        p.name()
                    );
                }
            }
        }
    }
    eprintln!("{} alg × enc × key cases", cases().len());
    assert!(!cases().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn encrypt_then_decrypt_round_trips(
        index in any::<prop::sample::Index>(),
        plaintext in prop::collection::vec(any::<u8>(), 0..600),
        form in 0usize..3,
        compress in any::<bool>(),
        aad in prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
        seed in any::<u64>(),
    ) {
        let (_, alg, enc, to, from) = &cases()[index.index(cases().len())];
        let rng = InsecureTestRandom::new(seed);
        let mut b = JweBuilder::new(*enc).typ("test").recipient(to);
        if compress {
            b = b.compress();
        }
        let opts = JweOptions::default();
        let out = match (form, &aad) {
            (0, _) => b.encrypt_compact(&plaintext, &rng).unwrap(),
            (1, Some(a)) => b.aad(a.clone()).encrypt_flattened(&plaintext, &rng).unwrap(),
            (1, None) => b.encrypt_flattened(&plaintext, &rng).unwrap(),
            (_, Some(a)) => b.aad(a.clone()).encrypt_general(&plaintext, &rng).unwrap(),
            (_, None) => b.encrypt_general(&plaintext, &rng).unwrap(),
        };
        let d = jwe::decrypt(&out, from, &opts).unwrap();
        prop_assert_eq!(&d.plaintext, &plaintext);
        prop_assert_eq!(d.header.alg, *alg);
        prop_assert_eq!(d.header.enc, *enc);
        prop_assert_eq!(d.aad.as_deref(), if form == 0 { None } else { aad.as_deref() });
    }

    #[test]
    fn decrypting_arbitrary_text_never_panics(s in ".{0,300}") {
        let (_, _, _, _, from) = &cases()[0];
        let opts = JweOptions::default();
        let _ = jwe::decrypt_compact(&s, from, &opts);
        let _ = jwe::decrypt_json(&s, from, &opts);
        let _ = jwe::decode_header_unverified(&s);
    }

    #[test]
    fn decrypting_mangled_tokens_never_panics(
        index in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        json in any::<bool>(),
    ) {
        let (_, _, _, to, from) = &cases()[index.index(cases().len())];
        let rng = InsecureTestRandom::new(1);
        let b = JweBuilder::new(Enc::A128Gcm).recipient(to);
        let Ok(token) = (if json { b.encrypt_general(b"p", &rng) } else { b.encrypt_compact(b"p", &rng) }) else {
            return Ok(());
        };
        let mut bytes = token.into_bytes();
        let i = cut.index(bytes.len());
        bytes[i] = byte;
        let text = String::from_utf8_lossy(&bytes);
        let _ = jwe::decrypt(&text, from, &JweOptions::default());
    }
}
