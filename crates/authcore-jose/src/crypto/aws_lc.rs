//! The [aws-lc-rs](https://docs.rs/aws-lc-rs) backend (feature `aws-lc-rs`).
//!
//! Supports every JWS algorithm of this crate: HS256/384/512, RS256/384/512, PS256/384/512,
//! ES256, ES384, ES512, ES256K, EdDSA and Ed25519, and generates RSA keys (2048 bits).
//! Public keys are parsed once when the verification key is built.
//!
//! Each part is offered alone ([`VERIFICATION`], [`SIGNING`], [`HMAC`], [`HASHING`],
//! [`KEY_GENERATION`]) and together as [`PROVIDER`].

use super::common::{shared_provider_parts, unsupported};

/// The aws-lc-rs backend; its parts are the constants of this module.
#[derive(Debug, Clone, Copy)]
pub struct AwsLc;

const NAME: &str = "aws-lc-rs";

shared_provider_parts!(aws_lc_rs, AwsLc);

/// aws-lc-rs generates RSA keys.
const GENERATES_RSA: bool = true;

/// The public-key algorithms aws-lc-rs signs and verifies: all of them (HMAC is the HMAC
/// part's).
fn supports_public_key(alg: JwsAlgorithm) -> bool {
    alg.family() != AlgorithmFamily::Hmac
}

fn ecdsa_signing_alg(
    alg: JwsAlgorithm,
) -> Result<&'static aws_lc_rs::signature::EcdsaSigningAlgorithm> {
    use aws_lc_rs::signature as s;
    match alg {
        JwsAlgorithm::ES256 => Ok(&s::ECDSA_P256_SHA256_FIXED_SIGNING),
        JwsAlgorithm::ES384 => Ok(&s::ECDSA_P384_SHA384_FIXED_SIGNING),
        JwsAlgorithm::ES512 => Ok(&s::ECDSA_P521_SHA512_FIXED_SIGNING),
        JwsAlgorithm::ES256K => Ok(&s::ECDSA_P256K1_SHA256_FIXED_SIGNING),
        _ => Err(unsupported(alg, NAME)),
    }
}

fn ecdsa_key_pair(
    alg: JwsAlgorithm,
    d: &[u8],
    point: &[u8],
) -> Result<aws_lc_rs::signature::EcdsaKeyPair> {
    aws_lc_rs::signature::EcdsaKeyPair::from_private_key_and_public_key(
        ecdsa_signing_alg(alg)?,
        d,
        point,
    )
    .map_err(|e| Error::InvalidKey(format!("EC private key rejected: {e}")))
}

fn generate_rsa() -> Result<KeyMaterial> {
    use aws_lc_rs::encoding::AsDer;
    // Backend-internal randomness, like EC generation (see the `rand` module docs).
    let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|_| Error::Crypto)?;
    let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> = kp.as_der().map_err(|_| Error::Crypto)?;
    crate::der::parse_pkcs8(der.as_ref())
}

/// A public key parsed once, verified many times.
struct Parsed(aws_lc_rs::signature::ParsedPublicKey);

impl SignatureVerifier for Parsed {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.0
            .verify_sig(message, signature)
            .map_err(|_| Error::InvalidSignature)
    }
}

fn parsed(
    alg: &'static dyn aws_lc_rs::signature::VerificationAlgorithm,
    bytes: &[u8],
) -> Result<Box<dyn SignatureVerifier>> {
    aws_lc_rs::signature::ParsedPublicKey::new(alg, bytes)
        .map(|k| Box::new(Parsed(k)) as Box<dyn SignatureVerifier>)
        .map_err(|e| Error::InvalidKey(format!("public key rejected: {e}")))
}

fn rsa_params(
    alg: JwsAlgorithm,
    legacy: bool,
) -> Option<&'static aws_lc_rs::signature::RsaParameters> {
    use aws_lc_rs::signature as s;
    Some(match (alg, legacy) {
        (JwsAlgorithm::RS256, false) => &s::RSA_PKCS1_2048_8192_SHA256,
        (JwsAlgorithm::RS384, false) => &s::RSA_PKCS1_2048_8192_SHA384,
        (JwsAlgorithm::RS512, false) => &s::RSA_PKCS1_2048_8192_SHA512,
        (JwsAlgorithm::PS256, false) => &s::RSA_PSS_2048_8192_SHA256,
        (JwsAlgorithm::PS384, false) => &s::RSA_PSS_2048_8192_SHA384,
        (JwsAlgorithm::PS512, false) => &s::RSA_PSS_2048_8192_SHA512,
        (JwsAlgorithm::RS256, true) => &s::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (JwsAlgorithm::RS512, true) => &s::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        _ => return None,
    })
}

impl SignatureVerification for AwsLc {
    fn supports(&self, alg: JwsAlgorithm) -> bool {
        supports_public_key(alg)
    }

    fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyMaterial,
        _options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        use aws_lc_rs::signature as s;
        // `CryptoProvider::verifier` has checked support, fit (type and curve) and RSA size.
        match key {
            KeyMaterial::Rsa(p) => {
                let legacy = p.modulus_bits() < 2048;
                let params = rsa_params(alg, legacy).ok_or_else(|| {
                    Error::InvalidKey(format!("{alg} needs an RSA key of at least 2048 bits"))
                })?;
                parsed(params, &crate::der::rsa_public_key_pkcs1(&p.n, &p.e))
            }
            KeyMaterial::Ec(p) => {
                let a: &'static s::EcdsaVerificationAlgorithm = match alg {
                    JwsAlgorithm::ES256 => &s::ECDSA_P256_SHA256_FIXED,
                    JwsAlgorithm::ES384 => &s::ECDSA_P384_SHA384_FIXED,
                    JwsAlgorithm::ES512 => &s::ECDSA_P521_SHA512_FIXED,
                    _ => &s::ECDSA_P256K1_SHA256_FIXED,
                };
                parsed(a, &p.uncompressed_point())
            }
            KeyMaterial::Okp(p) => parsed(&s::ED25519, &p.x),
            _ => Err(key.wrong_for(alg)),
        }
    }

    fn rsa_sha1_verifier_for_legacy_use_only(
        &self,
        key: &crate::crypto::RsaParams,
    ) -> Result<Box<dyn SignatureVerifier>> {
        parsed(
            &aws_lc_rs::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            &crate::der::rsa_public_key_pkcs1(&key.n, &key.e),
        )
    }
}
