//! The SHA-1 parts kept for OAuth 1.0a (RFC 5849 §3.4.2, §3.4.3), which no JWS algorithm
//! reaches: HMAC-SHA1 in the HMAC part, and RSASSA-PKCS1-v1_5 with SHA-1 verification.

use authcore_jose::crypto::{self, CryptoProvider, VerifyOptions};
use authcore_jose::{DigestAlgorithm, Error, Jwk, KeyParams};

/// OAuthLib's published RSA-SHA1 example (a 1024-bit key made with openssl, the signature
/// over a fixed message): the same as `vectors/oauth1/oauthlib-examples.json`.
fn oauthlib_example() -> (Jwk, Vec<u8>, Vec<u8>) {
    let path = format!(
        "{}/../../vectors/oauth1/oauthlib-examples.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = v["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["method"] == "RSA-SHA1")
        .unwrap();
    let key = Jwk::from_pem(case["rsa_key_pem"].as_str().unwrap())
        .unwrap()
        .to_public()
        .unwrap();
    let sig = authcore_jose::b64::decode(
        case["signature"]
            .as_str()
            .unwrap()
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_"),
    )
    .unwrap();
    (
        key,
        case["base_string"].as_str().unwrap().as_bytes().to_vec(),
        sig,
    )
}

#[test]
fn hmac_sha1_rfc2202_case_1_on_every_provider() {
    for p in crypto::providers() {
        let tag = p
            .hmac
            .signer(DigestAlgorithm::Sha1, &[0x0b; 20])
            .unwrap()
            .sign(b"Hi There")
            .unwrap();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "b617318655057264e28bc0b6fb378c8ef146be00",
            "{}",
            p.name()
        );
        let v = p.hmac.verifier(DigestAlgorithm::Sha1, &[0x0b; 20]).unwrap();
        v.verify(b"Hi There", &tag).unwrap();
        assert_eq!(v.verify(b"Hi there", &tag), Err(Error::InvalidSignature));
    }
}

#[test]
fn rsa_sha1_verifies_the_oauthlib_example_only_with_the_legacy_size_allowed() {
    let (key, message, sig) = oauthlib_example();
    let KeyParams::Rsa(rsa) = &key.params else {
        panic!("RSA")
    };
    let legacy = VerifyOptions { min_rsa_bits: 1024 };
    for p in crypto::providers() {
        let v = p
            .rsa_sha1_verifier_for_legacy_use_only(rsa, &legacy)
            .unwrap();
        v.verify(&message, &sig).unwrap();
        let mut bad = sig.clone();
        bad[0] ^= 1;
        assert_eq!(
            v.verify(&message, &bad),
            Err(Error::InvalidSignature),
            "{}",
            p.name()
        );
        assert_eq!(
            v.verify(b"other", &sig),
            Err(Error::InvalidSignature),
            "{}",
            p.name()
        );
        // The default options refuse a 1024-bit key.
        assert!(matches!(
            p.rsa_sha1_verifier_for_legacy_use_only(rsa, &VerifyOptions::default()),
            Err(Error::InvalidKey(_))
        ));
    }
}

#[test]
fn a_part_without_rsa_sha1_says_unsupported() {
    let (key, _, _) = oauthlib_example();
    let KeyParams::Rsa(rsa) = &key.params else {
        panic!("RSA")
    };
    let none: CryptoProvider = crypto::default_provider()
        .clone()
        .with_verification(&crypto::Unsupported);
    assert!(matches!(
        none.rsa_sha1_verifier_for_legacy_use_only(rsa, &VerifyOptions { min_rsa_bits: 1024 }),
        Err(Error::UnsupportedAlgorithm(_))
    ));
}
