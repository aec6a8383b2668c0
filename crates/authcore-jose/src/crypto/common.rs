//! Code shared by the ring and aws-lc-rs providers.
//!
//! aws-lc-rs mirrors ring's API for digests, HMAC and signing, so one macro body serves both;
//! each provider module supplies the few parts that differ (public-key parsing, ECDSA key-pair
//! import, the algorithm table).

use crate::alg::{AlgorithmFamily, JwsAlgorithm};
use crate::error::{Error, Result};
use crate::jwk::{KeyParams, RsaParams};

/// Smallest RSA modulus used for signing (RFC 7518 §3.3, §3.5).
pub(crate) const MIN_RSA_SIGNING_BITS: usize = 2048;

/// Rejects HMAC keys shorter than the hash output (RFC 7518 §3.2).
pub(crate) fn check_hmac_key(alg: JwsAlgorithm, k: &[u8]) -> Result<()> {
    let min = alg.digest().output_len();
    if k.len() < min {
        return Err(Error::InvalidKey(format!(
            "{alg} needs a key of at least {min} bytes, got {}",
            k.len()
        )));
    }
    Ok(())
}

/// Checks the RSA modulus size against `min_bits`.
pub(crate) fn check_rsa_bits(p: &RsaParams, min_bits: usize) -> Result<()> {
    let bits = p.modulus_bits();
    if bits < min_bits {
        return Err(Error::InvalidKey(format!(
            "RSA key of {bits} bits is below the minimum of {min_bits}"
        )));
    }
    Ok(())
}

/// Removes leading zero octets from a big-endian unsigned integer.
pub(crate) fn unsigned(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

/// Error for a key type that does not fit the algorithm.
pub(crate) fn wrong_key(alg: JwsAlgorithm, key: &KeyParams) -> Error {
    Error::InvalidKey(format!(
        "a {} key cannot be used with {alg}",
        key.key_type().name()
    ))
}

/// Error for an algorithm the provider lacks.
pub(crate) fn unsupported(alg: JwsAlgorithm, provider: &str) -> Error {
    Error::UnsupportedAlgorithm(format!(
        "{alg} is not available with the {provider} provider"
    ))
}

/// Whether `alg` belongs to an RSA family.
pub(crate) fn is_rsa(alg: JwsAlgorithm) -> bool {
    matches!(
        alg.family(),
        AlgorithmFamily::RsaPkcs1 | AlgorithmFamily::RsaPss
    )
}

/// Generates the parts of a provider module that are identical for ring and aws-lc-rs.
///
/// The invoking module must define `fn ecdsa_key_pair(alg, d, point)`,
/// `fn ecdsa_signing_alg(JwsAlgorithm)`, and `fn supports(JwsAlgorithm)`.
macro_rules! shared_provider_parts {
    ($lib:ident) => {
        use ::$lib::rand::SecureRandom as _;
        use ::$lib::signature::KeyPair as _;

        use $crate::alg::{DigestAlgorithm, JwsAlgorithm};
        use $crate::crypto::common::{check_hmac_key, check_rsa_bits, unsigned, wrong_key};
        use $crate::crypto::{SignaturePrimitive, SignatureVerifier};
        use $crate::error::{Error, Result};
        use $crate::jwk::KeyParams;

        fn digest_impl(alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
            let a = match alg {
                DigestAlgorithm::Sha1 => &::$lib::digest::SHA1_FOR_LEGACY_USE_ONLY,
                DigestAlgorithm::Sha256 => &::$lib::digest::SHA256,
                DigestAlgorithm::Sha384 => &::$lib::digest::SHA384,
                DigestAlgorithm::Sha512 => &::$lib::digest::SHA512,
            };
            ::$lib::digest::digest(a, data).as_ref().to_vec()
        }

        fn hmac_alg(alg: JwsAlgorithm) -> ::$lib::hmac::Algorithm {
            match alg.digest() {
                DigestAlgorithm::Sha384 => ::$lib::hmac::HMAC_SHA384,
                DigestAlgorithm::Sha512 => ::$lib::hmac::HMAC_SHA512,
                _ => ::$lib::hmac::HMAC_SHA256,
            }
        }

        /// HMAC key with its inner and outer pads precomputed once.
        struct Hmac(::$lib::hmac::Key);

        impl SignatureVerifier for Hmac {
            fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
                // Constant-time tag comparison inside the library.
                ::$lib::hmac::verify(&self.0, message, signature)
                    .map_err(|_| Error::InvalidSignature)
            }
        }

        impl SignaturePrimitive for Hmac {
            fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
                Ok(::$lib::hmac::sign(&self.0, message).as_ref().to_vec())
            }
        }

        fn hmac_key(alg: JwsAlgorithm, key: &KeyParams) -> Result<Hmac> {
            let KeyParams::Oct(k) = key else {
                return Err(wrong_key(alg, key));
            };
            check_hmac_key(alg, k.k.expose())?;
            Ok(Hmac(::$lib::hmac::Key::new(hmac_alg(alg), k.k.expose())))
        }

        struct RsaSigner {
            key_pair: ::$lib::signature::RsaKeyPair,
            padding: &'static dyn ::$lib::signature::RsaEncoding,
        }

        impl SignaturePrimitive for RsaSigner {
            fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
                // The PSS salt is primitive-internal randomness (see the `rand` module docs).
                let rng = ::$lib::rand::SystemRandom::new(); // allow-clock: PSS salt inside the primitive
                #[allow(deprecated)]
                let mut sig = vec![0u8; self.key_pair.public_modulus_len()];
                self.key_pair
                    .sign(self.padding, &rng, message, &mut sig)
                    .map_err(|_| Error::Crypto)?;
                Ok(sig)
            }
        }

        struct EcdsaSigner(::$lib::signature::EcdsaKeyPair);

        impl SignaturePrimitive for EcdsaSigner {
            fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
                // The ECDSA nonce is primitive-internal randomness (see the `rand` module docs).
                let rng = ::$lib::rand::SystemRandom::new(); // allow-clock: ECDSA nonce inside the primitive
                let sig = self.0.sign(&rng, message).map_err(|_| Error::Crypto)?;
                Ok(sig.as_ref().to_vec())
            }
        }

        struct Ed25519Signer(::$lib::signature::Ed25519KeyPair);

        impl SignaturePrimitive for Ed25519Signer {
            fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
                Ok(self.0.sign(message).as_ref().to_vec())
            }
        }

        fn signer_impl(
            provider: &str,
            alg: JwsAlgorithm,
            key: &KeyParams,
        ) -> Result<Box<dyn SignaturePrimitive>> {
            use $crate::alg::AlgorithmFamily as F;
            if !supports(alg) {
                return Err($crate::crypto::common::unsupported(alg, provider));
            }
            match (alg.family(), key) {
                (F::Hmac, _) => Ok(Box::new(hmac_key(alg, key)?)),
                (F::RsaPkcs1 | F::RsaPss, KeyParams::Rsa(p)) => {
                    check_rsa_bits(p, $crate::crypto::common::MIN_RSA_SIGNING_BITS)?;
                    let der = $crate::der::rsa_private_key_pkcs1(p)?;
                    let key_pair = ::$lib::signature::RsaKeyPair::from_der(&der)
                        .map_err(|e| Error::InvalidKey(format!("RSA private key rejected: {e}")))?;
                    let padding: &'static dyn ::$lib::signature::RsaEncoding = match alg {
                        JwsAlgorithm::RS256 => &::$lib::signature::RSA_PKCS1_SHA256,
                        JwsAlgorithm::RS384 => &::$lib::signature::RSA_PKCS1_SHA384,
                        JwsAlgorithm::RS512 => &::$lib::signature::RSA_PKCS1_SHA512,
                        JwsAlgorithm::PS256 => &::$lib::signature::RSA_PSS_SHA256,
                        JwsAlgorithm::PS384 => &::$lib::signature::RSA_PSS_SHA384,
                        _ => &::$lib::signature::RSA_PSS_SHA512,
                    };
                    Ok(Box::new(RsaSigner { key_pair, padding }))
                }
                (F::Ecdsa, KeyParams::Ec(p)) if Some(p.crv) == alg.ec_curve() => {
                    let d = p
                        .d
                        .as_ref()
                        .ok_or_else(|| Error::InvalidKey("a public EC key cannot sign".into()))?;
                    let kp = ecdsa_key_pair(alg, d.expose(), &p.uncompressed_point())?;
                    Ok(Box::new(EcdsaSigner(kp)))
                }
                (F::EdDsa, KeyParams::Okp(p)) if p.crv == $crate::alg::OkpCurve::Ed25519 => {
                    let d = p
                        .d
                        .as_ref()
                        .ok_or_else(|| Error::InvalidKey("a public OKP key cannot sign".into()))?;
                    let kp = ::$lib::signature::Ed25519KeyPair::from_seed_and_public_key(
                        d.expose(),
                        &p.x,
                    )
                    .map_err(|e| Error::InvalidKey(format!("Ed25519 key rejected: {e}")))?;
                    Ok(Box::new(Ed25519Signer(kp)))
                }
                _ => Err(wrong_key(alg, key)),
            }
        }

        fn generate_impl(
            provider: &str,
            alg: JwsAlgorithm,
            rng: &dyn $crate::rand::SecureRandom,
        ) -> Result<KeyParams> {
            use $crate::alg::AlgorithmFamily as F;
            if !supports(alg) {
                return Err($crate::crypto::common::unsupported(alg, provider));
            }
            match alg.family() {
                F::Hmac => {
                    let mut k = vec![0u8; alg.digest().output_len()];
                    rng.fill(&mut k)?;
                    Ok(KeyParams::Oct($crate::jwk::OctParams { k: k.into() }))
                }
                F::EdDsa => {
                    let seed: [u8; 32] = $crate::rand::random_array(rng)?;
                    let kp = ::$lib::signature::Ed25519KeyPair::from_seed_unchecked(&seed)
                        .map_err(|_| Error::Crypto)?;
                    Ok(KeyParams::Okp($crate::jwk::OkpParams {
                        crv: $crate::alg::OkpCurve::Ed25519,
                        x: kp.public_key().as_ref().to_vec(),
                        d: Some(seed.to_vec().into()),
                    }))
                }
                F::Ecdsa => {
                    // Provider-internal randomness: the libraries take no outside entropy here.
                    let sys = ::$lib::rand::SystemRandom::new(); // allow-clock: EC key generation
                    let pkcs8 = ::$lib::signature::EcdsaKeyPair::generate_pkcs8(
                        ecdsa_signing_alg(alg)?,
                        &sys,
                    )
                    .map_err(|_| Error::Crypto)?;
                    Ok($crate::Jwk::from_pkcs8_der(pkcs8.as_ref())?.params)
                }
                F::RsaPkcs1 | F::RsaPss => generate_rsa(),
            }
        }

        /// The operating system generator reached through this provider's library.
        #[derive(Debug)]
        struct SystemRng;

        impl $crate::rand::SecureRandom for SystemRng {
            fn fill(&self, dest: &mut [u8]) -> Result<()> {
                ::$lib::rand::SystemRandom::new() // allow-clock: the adapters' RNG, never used by the core
                    .fill(dest)
                    .map_err(|_| Error::Crypto)
            }
        }

        static SYSTEM_RNG: SystemRng = SystemRng;

        #[allow(dead_code)]
        fn rsa_parts(key: &KeyParams) -> Option<(&[u8], &[u8])> {
            match key {
                KeyParams::Rsa(p) => Some((unsigned(&p.n), unsigned(&p.e))),
                _ => None,
            }
        }
    };
}

pub(crate) use shared_provider_parts;
