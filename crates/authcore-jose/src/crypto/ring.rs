//! The [ring](https://docs.rs/ring) provider (feature `ring`, on by default).
//!
//! Supports HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384, EdDSA and Ed25519.
//! ring has no P-521 or secp256k1 signatures and cannot generate RSA keys: ES512, ES256K and
//! RSA key generation are [`Error::UnsupportedAlgorithm`] here (use the aws-lc-rs provider).

use super::common::{is_rsa, shared_provider_parts, unsupported};
use super::{CryptoProvider, VerifyOptions};

shared_provider_parts!(ring);

/// The ring provider.
pub static PROVIDER: RingProvider = RingProvider;

/// The ring crypto provider. Use [`PROVIDER`].
#[derive(Debug, Clone, Copy)]
pub struct RingProvider;

const NAME: &str = "ring";

fn supports(alg: JwsAlgorithm) -> bool {
    !matches!(alg, JwsAlgorithm::ES512 | JwsAlgorithm::ES256K)
}

fn ecdsa_signing_alg(alg: JwsAlgorithm) -> Result<&'static ring::signature::EcdsaSigningAlgorithm> {
    match alg {
        JwsAlgorithm::ES256 => Ok(&ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        JwsAlgorithm::ES384 => Ok(&ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => Err(unsupported(alg, NAME)),
    }
}

fn ecdsa_key_pair(
    alg: JwsAlgorithm,
    d: &[u8],
    point: &[u8],
) -> Result<ring::signature::EcdsaKeyPair> {
    let sys = ring::rand::SystemRandom::new(); // allow-clock: ring's key-pair check draws randomness
    ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
        ecdsa_signing_alg(alg)?,
        d,
        point,
        &sys,
    )
    .map_err(|e| Error::InvalidKey(format!("EC private key rejected: {e}")))
}

fn generate_rsa() -> Result<KeyParams> {
    Err(Error::UnsupportedAlgorithm(
        "RSA key generation is not available with the ring provider".into(),
    ))
}

struct RsaVerifier {
    n: Vec<u8>,
    e: Vec<u8>,
    params: &'static ring::signature::RsaParameters,
}

impl SignatureVerifier for RsaVerifier {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        ring::signature::RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(self.params, message, signature)
        .map_err(|_| Error::InvalidSignature)
    }
}

struct PointVerifier(ring::signature::UnparsedPublicKey<Vec<u8>>);

impl SignatureVerifier for PointVerifier {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.0
            .verify(message, signature)
            .map_err(|_| Error::InvalidSignature)
    }
}

fn rsa_params(alg: JwsAlgorithm, legacy: bool) -> Option<&'static ring::signature::RsaParameters> {
    use ring::signature as s;
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

impl CryptoProvider for RingProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    fn supports(&self, alg: JwsAlgorithm) -> bool {
        supports(alg)
    }

    fn digest(&self, alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
        digest_impl(alg, data)
    }

    fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyParams,
        options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        use ring::signature as s;
        if !supports(alg) {
            return Err(unsupported(alg, NAME));
        }
        match (alg, key) {
            (JwsAlgorithm::HS256 | JwsAlgorithm::HS384 | JwsAlgorithm::HS512, _) => {
                Ok(Box::new(hmac_key(alg, key)?))
            }
            (_, KeyParams::Rsa(p)) if is_rsa(alg) => {
                check_rsa_bits(p, options.min_rsa_bits)?;
                let legacy = p.modulus_bits() < 2048;
                let params = rsa_params(alg, legacy).ok_or_else(|| {
                    Error::InvalidKey(format!("{alg} needs an RSA key of at least 2048 bits"))
                })?;
                Ok(Box::new(RsaVerifier {
                    n: unsigned(&p.n).to_vec(),
                    e: unsigned(&p.e).to_vec(),
                    params,
                }))
            }
            (JwsAlgorithm::ES256, KeyParams::Ec(p)) if p.crv == crate::alg::EcCurve::P256 => {
                Ok(Box::new(PointVerifier(s::UnparsedPublicKey::new(
                    &s::ECDSA_P256_SHA256_FIXED,
                    p.uncompressed_point(),
                ))))
            }
            (JwsAlgorithm::ES384, KeyParams::Ec(p)) if p.crv == crate::alg::EcCurve::P384 => {
                Ok(Box::new(PointVerifier(s::UnparsedPublicKey::new(
                    &s::ECDSA_P384_SHA384_FIXED,
                    p.uncompressed_point(),
                ))))
            }
            (JwsAlgorithm::EdDSA | JwsAlgorithm::Ed25519, KeyParams::Okp(p))
                if p.crv == crate::alg::OkpCurve::Ed25519 =>
            {
                Ok(Box::new(PointVerifier(s::UnparsedPublicKey::new(
                    &s::ED25519,
                    p.x.clone(),
                ))))
            }
            _ => Err(wrong_key(alg, key)),
        }
    }

    fn signer(&self, alg: JwsAlgorithm, key: &KeyParams) -> Result<Box<dyn SignaturePrimitive>> {
        signer_impl(NAME, alg, key)
    }

    fn generate_key(
        &self,
        alg: JwsAlgorithm,
        rng: &dyn crate::rand::SecureRandom,
    ) -> Result<KeyParams> {
        generate_impl(NAME, alg, rng)
    }

    fn system_random(&self) -> &'static dyn crate::rand::SecureRandom {
        &SYSTEM_RNG
    }
}
