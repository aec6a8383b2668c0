//! The crypto provider made of parts: the rules it applies before any part, a missing part as
//! an error when the key is built, per-algorithm parts, the shared handle, the default
//! provider's backend choice, and JWE algorithms named but not implemented.

use std::sync::Arc;

use authcore_jose::crypto::{
    self, ByAlgorithm, CryptoProvider, KeyMaterial, Provider, SignatureVerification, Unsupported,
    VerifyOptions, default_provider, provider_by_name, providers,
};
use authcore_jose::{
    Algorithm, ContentEncryptionAlgorithm, Error, InsecureTestRandom, Jwk, JwkSet, JwsAlgorithm,
    KeyManagementAlgorithm, OctParams, RsaParams, SigningKey, VerifyingKey,
};

/// One backend's full provider, usable in a `static` initializer.
#[cfg(feature = "ring")]
const BASE: CryptoProvider = crypto::ring::PROVIDER;
#[cfg(not(feature = "ring"))]
const BASE: CryptoProvider = crypto::aws_lc::PROVIDER;

fn ed25519(provider: &CryptoProvider) -> Jwk {
    Jwk::generate(JwsAlgorithm::EdDSA, provider, &InsecureTestRandom::new(3)).unwrap()
}

#[test]
fn a_missing_part_is_unsupported_when_the_key_is_built() {
    static NO_VERIFY: CryptoProvider = BASE.with_verification(&Unsupported).with_hmac(&Unsupported);
    let private = ed25519(default_provider());
    let public = private.to_public().unwrap();
    assert!(!NO_VERIFY.supports(JwsAlgorithm::EdDSA));
    assert!(matches!(
        VerifyingKey::from_jwk(&public, None, &NO_VERIFY),
        Err(Error::UnsupportedAlgorithm(_))
    ));
    assert!(matches!(
        VerifyingKey::hmac(JwsAlgorithm::HS256, &[7; 32], &NO_VERIFY),
        Err(Error::UnsupportedAlgorithm(_))
    ));
    // The parts not replaced still work.
    assert!(SigningKey::from_jwk(&private, None, &NO_VERIFY).is_ok());
    let no_sign = default_provider().clone().with_signing(&Unsupported);
    assert!(matches!(
        SigningKey::from_jwk(&private, None, &no_sign),
        Err(Error::UnsupportedAlgorithm(_))
    ));
    let no_keygen = default_provider().clone().with_key_generation(&Unsupported);
    assert!(matches!(
        Jwk::generate(JwsAlgorithm::HS256, &no_keygen, &InsecureTestRandom::new(1)),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn the_provider_applies_the_shared_rules_before_any_part() {
    let d = default_provider();
    let public = ed25519(d).to_public().unwrap().params;
    // A public key cannot sign, whoever calls the provider.
    assert!(matches!(
        d.signer(JwsAlgorithm::EdDSA, &public),
        Err(Error::InvalidKey(m)) if m.contains("public key")
    ));
    // The key must fit the algorithm.
    assert!(matches!(
        d.verifier(JwsAlgorithm::ES256, &public, &VerifyOptions::default()),
        Err(Error::InvalidKey(m)) if m.contains("OKP Ed25519") && m.contains("ES256")
    ));
    // HMAC keys shorter than the hash (RFC 7518 §3.2).
    let short = KeyMaterial::Oct(OctParams::new(vec![1u8; 31]));
    assert!(matches!(
        d.verifier(JwsAlgorithm::HS256, &short, &VerifyOptions::default()),
        Err(Error::InvalidKey(_))
    ));
    assert!(matches!(
        d.signer(JwsAlgorithm::HS256, &short),
        Err(Error::InvalidKey(_))
    ));
}

#[test]
fn jwe_algorithms_are_supported_where_the_parts_are() {
    for p in providers() {
        // RSA encryption is aws-lc-rs's alone; AES-GCM-128 both backends have.
        assert_eq!(
            p.supports(KeyManagementAlgorithm::RsaOaep256),
            p.name() != "ring",
            "{}",
            p.name()
        );
        assert!(p.supports(ContentEncryptionAlgorithm::A128Gcm));
        let no_gcm = p.clone().with_aes_gcm(&authcore_jose::crypto::Unsupported);
        assert!(!no_gcm.supports(ContentEncryptionAlgorithm::A128Gcm));
        assert!(p.supports(JwsAlgorithm::ES256), "{}", p.name());
        assert_eq!(provider_by_name(p.name()).unwrap().name(), p.name());
    }
    assert!(matches!(
        provider_by_name("nope"),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn a_jwk_for_a_jwe_algorithm_parses_and_cannot_sign_or_verify() {
    let mut enc = ed25519(default_provider()).to_public().unwrap();
    enc.params = KeyMaterial::Rsa(RsaParams::new(vec![0xc5; 256], vec![1, 0, 1]));
    enc.alg = Some("RSA-OAEP-256".into());
    let json = enc.to_json();
    let parsed = Jwk::from_json(json.as_bytes()).unwrap();
    assert_eq!(
        parsed.algorithm().unwrap().unwrap(),
        Algorithm::KeyManagement(KeyManagementAlgorithm::RsaOaep256)
    );
    assert!(
        parsed
            .check_fits(KeyManagementAlgorithm::RsaOaep256)
            .is_ok()
    );
    match VerifyingKey::from_jwk(&parsed, None, default_provider()) {
        Err(Error::KeyUsage(m)) => assert!(m.contains("RSA-OAEP-256"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Asking for a JWS algorithm explicitly: the key's own `alg` forbids it.
    assert!(matches!(
        VerifyingKey::from_jwk(&parsed, Some(JwsAlgorithm::RS256), default_provider()),
        Err(Error::KeyUsage(_))
    ));
    // In a set it is kept (not skipped) and simply never selected for signatures.
    let set = JwkSet::from_json(format!(r#"{{"keys":[{json}]}}"#).as_bytes()).unwrap();
    assert_eq!((set.keys.len(), set.skipped), (1, 0));
    assert!(
        set.select(
            None,
            JwsAlgorithm::RS256,
            authcore_jose::KeyOperation::Verify
        )
        .is_empty()
    );
    let unknown = r#"{"kty":"oct","k":"AAAA","alg":"XYZ-1"}"#;
    let unknown = Jwk::from_json(unknown.as_bytes()).unwrap();
    assert!(matches!(
        unknown.algorithm(),
        Some(Err(Error::UnsupportedAlgorithm(_)))
    ));
}

#[test]
fn provider_handles_share_without_leaking() {
    let built = Arc::new(default_provider().clone().with_name("built"));
    let a = Provider::from(Arc::clone(&built));
    let b = a.clone();
    assert_eq!(Arc::strong_count(&built), 3);
    assert_eq!(b.name(), "built");
    drop((a, b));
    assert_eq!(Arc::strong_count(&built), 1);
    let fixed = Provider::default();
    assert_eq!(fixed.name(), default_provider().name());
    assert!(format!("{fixed:?}").contains("CryptoProvider"));
    let owned = Provider::from(default_provider().clone().with_name("owned"));
    assert_eq!(owned.get().name, "owned");
}

#[test]
fn by_algorithm_takes_the_listed_part() {
    static ONLY_ES256: ByAlgorithm<dyn SignatureVerification> =
        ByAlgorithm::new(&[(JwsAlgorithm::ES256, BASE.verification)], &Unsupported);
    assert!(ONLY_ES256.supports(JwsAlgorithm::ES256));
    assert!(!ONLY_ES256.supports(JwsAlgorithm::EdDSA));
    assert!(format!("{ONLY_ES256:?}").contains("ES256"));
}

#[cfg(all(feature = "ring", feature = "aws-lc-rs"))]
#[test]
fn with_both_backends_the_default_has_every_algorithm_from_the_faster_one() {
    let d = default_provider();
    assert_eq!(d.name(), "default");
    for alg in JwsAlgorithm::ALL {
        assert!(d.supports(alg), "{alg}");
        assert!(d.key_generation.supports(alg), "{alg}");
    }
    // The measured choice: public-key algorithms from aws-lc-rs, HMAC from ring.
    assert_eq!(
        format!("{:?}", d.verification),
        format!("{:?}", crypto::aws_lc::VERIFICATION)
    );
    assert_eq!(format!("{:?}", d.hmac), format!("{:?}", crypto::ring::HMAC));
    assert_eq!(provider_by_name("default").unwrap().name(), "default");
    assert_eq!(providers()[0].name(), "default");
    let p521 = Jwk::generate(JwsAlgorithm::ES512, d, &InsecureTestRandom::new(9)).unwrap();
    let s = SigningKey::from_jwk(&p521, None, d).unwrap();
    let v = VerifyingKey::from_jwk(&p521.to_public().unwrap(), None, d).unwrap();
    use authcore_jose::JwsSigner as _;
    v.verify(b"m", &s.sign(b"m").unwrap()).unwrap();
}

#[cfg(feature = "ring")]
#[test]
fn ring_alone_still_refuses_es512_at_key_build() {
    let k = Jwk::new(KeyMaterial::Ec(authcore_jose::EcParams::new(
        authcore_jose::EcCurve::P521,
        vec![1; 66],
        vec![2; 66],
    )));
    assert!(matches!(
        VerifyingKey::from_jwk(&k, Some(JwsAlgorithm::ES512), &crypto::ring::PROVIDER),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}
