//! The [ring](https://docs.rs/ring) backend (feature `ring`, on by default).
//!
//! Supports HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384, EdDSA and Ed25519.
//! ring has no P-521 or secp256k1 signatures and cannot generate RSA keys: ES512, ES256K and
//! RSA key generation are [`Error::UnsupportedAlgorithm`] here (the aws-lc-rs backend has them,
//! and the default provider takes them from it when both are compiled in).
//!
//! For JWE it has AES-GCM with 128- and 256-bit keys (`A128GCM`, `A256GCM`, `A128GCMKW`,
//! `A256GCMKW`) and PBKDF2 with HMAC-SHA-256/384/512 (PBES2, once paired with an AES key wrap
//! part). ring has no AES-192, no AES key wrap, no AES-CBC and no RSA encryption: those parts
//! are [`Unsupported`] here. Key agreement is unsupported too,
//! although ring has ECDH: its `agreement` API only computes with ephemeral private keys drawn
//! from its own generator, so it can neither decrypt ECDH-ES for a stored recipient key nor
//! reproduce an ephemeral key from the caller's random source. The aws-lc-rs backend has all
//! of these, and the default provider takes them from it when both are compiled in.
//!
//! Each part is offered alone ([`VERIFICATION`], [`SIGNING`], [`HMAC`], [`HASHING`],
//! [`KEY_GENERATION`], [`AES_GCM`], [`AES_KEY_WRAP`], [`AES_CBC`], [`RSA_ENCRYPTION`],
//! [`KEY_AGREEMENT`], [`PBKDF2`]) and together as [`PROVIDER`].

use super::common::{shared_provider_parts, unsupported};
use crate::crypto::{
    AesCbc, AesKeyWrap, KeyAgreement, RsaEncryption, RsaParams, Unsupported, unsigned,
};

/// The ring backend; its parts are the constants of this module.
#[derive(Debug, Clone, Copy)]
pub struct Ring;

const NAME: &str = "ring";

shared_provider_parts!(ring, Ring);

/// ring cannot generate RSA keys.
const GENERATES_RSA: bool = false;

/// ring has no AES key wrap.
pub const AES_KEY_WRAP: &dyn AesKeyWrap = &Unsupported;
/// ring has no AES-CBC.
pub const AES_CBC: &dyn AesCbc = &Unsupported;
/// ring has no RSA encryption.
pub const RSA_ENCRYPTION: &dyn RsaEncryption = &Unsupported;
/// ring agrees keys with its own ephemeral keys only (see the module docs).
pub const KEY_AGREEMENT: &dyn KeyAgreement = &Unsupported;

/// ring's AES-GCM: 128- and 256-bit keys (it has no AES-192).
fn gcm_algorithm(key_len: usize) -> Option<&'static ring::aead::Algorithm> {
    match key_len {
        16 => Some(&ring::aead::AES_128_GCM),
        32 => Some(&ring::aead::AES_256_GCM),
        _ => None,
    }
}

/// The public-key algorithms ring signs and verifies (HMAC is the HMAC part's).
fn supports_public_key(alg: JwsAlgorithm) -> bool {
    alg.family() != AlgorithmFamily::Hmac
        && !matches!(alg, JwsAlgorithm::ES512 | JwsAlgorithm::ES256K)
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

/// ring generates no RSA keys, of any size.
fn rsa_key_size(_bits: usize) -> Option<()> {
    None
}

fn generate_rsa(_bits: usize) -> Result<KeyMaterial> {
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

impl SignatureVerification for Ring {
    fn supports(&self, alg: JwsAlgorithm) -> bool {
        supports_public_key(alg)
    }

    fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyMaterial,
        _options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        use ring::signature as s;
        // `CryptoProvider::verifier` has checked support, fit (type and curve) and RSA size.
        match key {
            KeyMaterial::Rsa(p) => {
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
            KeyMaterial::Ec(p) => {
                let a = match alg {
                    JwsAlgorithm::ES256 => &s::ECDSA_P256_SHA256_FIXED,
                    JwsAlgorithm::ES384 => &s::ECDSA_P384_SHA384_FIXED,
                    _ => return Err(unsupported(alg, NAME)),
                };
                Ok(Box::new(PointVerifier(s::UnparsedPublicKey::new(
                    a,
                    p.uncompressed_point(),
                ))))
            }
            KeyMaterial::Okp(p) => Ok(Box::new(PointVerifier(s::UnparsedPublicKey::new(
                &s::ED25519,
                p.x.clone(),
            )))),
            _ => Err(key.wrong_for(alg)),
        }
    }

    fn rsa_sha1_verifier_for_legacy_use_only(
        &self,
        key: &RsaParams,
    ) -> Result<Box<dyn SignatureVerifier>> {
        Ok(Box::new(RsaVerifier {
            n: unsigned(&key.n).to_vec(),
            e: unsigned(&key.e).to_vec(),
            params: &ring::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        }))
    }
}
