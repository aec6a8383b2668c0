//! Code shared by the ring and aws-lc-rs backends.
//!
//! aws-lc-rs mirrors ring's API for digests, HMAC, signing, key generation, AES-GCM and
//! PBKDF2, so one macro body serves both; each backend module supplies the few parts that
//! differ (public-key parsing for verification, ECDSA key-pair import, RSA key generation, the
//! algorithm tables, and the JWE parts only aws-lc-rs has).

use crate::alg::JwsAlgorithm;
use crate::error::{Error, Result};

/// Checks an AES key length for a part: 16, 24 or 32 bytes are AES keys (FIPS 197 §5), of
/// which the backend may lack some (ring has no AES-192). Any other length is a bad key, never
/// a panic inside the library.
pub(crate) fn check_aes_key(what: &str, len: usize, supported: bool) -> Result<()> {
    if !matches!(len, 16 | 24 | 32) {
        return Err(Error::InvalidKey(format!(
            "{what} needs a 128-, 192- or 256-bit key, got {len} bytes"
        )));
    }
    if !supported {
        return Err(super::part_missing(
            what,
            format_args!("{}-bit key", len * 8),
        ));
    }
    Ok(())
}

/// The longest PBKDF2 output a part derives. JOSE derives at most one AES-256 key (RFC 7518
/// §4.8.1.1); the bound keeps a caller's mistake an error instead of a library panic.
pub(crate) const MAX_PBKDF2_OUTPUT: usize = 1024;

/// Error for an algorithm a backend lacks.
pub(crate) fn unsupported(alg: JwsAlgorithm, backend: &str) -> Error {
    Error::UnsupportedAlgorithm(format!(
        "{alg} is not available with the {backend} provider"
    ))
}

/// Generates the parts of a backend that are identical for ring and aws-lc-rs: digests, HMAC,
/// signing, key generation and the system random generator, all implemented on the backend's
/// unit type `$backend`.
///
/// The invoking module must define `NAME`, `fn ecdsa_key_pair(alg, d, point)`,
/// `fn ecdsa_signing_alg(JwsAlgorithm)`, `fn generate_rsa(bits)`, `fn rsa_key_size(bits)`,
/// `fn supports_public_key(JwsAlgorithm)`, `fn gcm_algorithm(key_len)` (the AES-GCM
/// algorithms it has) and the JWE part constants it does not share: `AES_KEY_WRAP`, `AES_CBC`,
/// `RSA_ENCRYPTION` and `KEY_AGREEMENT`.
macro_rules! shared_provider_parts {
    ($lib:ident, $backend:ident) => {
        use ::$lib::rand::SecureRandom as _;
        use ::$lib::signature::KeyPair as _;

        use $crate::alg::{AlgorithmFamily, DigestAlgorithm, JwsAlgorithm};
        use $crate::crypto::{
            Hashing, Hmac, KeyGeneration, KeyMaterial, SignaturePrimitive, SignatureVerification,
            SignatureVerifier, Signing, VerifyOptions,
        };
        use $crate::error::{Error, Result};

        impl Hashing for $backend {
            fn digest(&self, alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
                let a = match alg {
                    DigestAlgorithm::Sha1 => &::$lib::digest::SHA1_FOR_LEGACY_USE_ONLY,
                    DigestAlgorithm::Sha256 => &::$lib::digest::SHA256,
                    DigestAlgorithm::Sha384 => &::$lib::digest::SHA384,
                    DigestAlgorithm::Sha512 => &::$lib::digest::SHA512,
                };
                ::$lib::digest::digest(a, data).as_ref().to_vec()
            }
        }

        fn hmac_alg(hash: DigestAlgorithm) -> Result<::$lib::hmac::Algorithm> {
            match hash {
                DigestAlgorithm::Sha256 => Ok(::$lib::hmac::HMAC_SHA256),
                DigestAlgorithm::Sha384 => Ok(::$lib::hmac::HMAC_SHA384),
                DigestAlgorithm::Sha512 => Ok(::$lib::hmac::HMAC_SHA512),
                // HMAC-SHA-1 has no JOSE use (no JWS algorithm maps to SHA-1), but OAuth 1.0a
                // signs with it (RFC 5849 §3.4.2).
                DigestAlgorithm::Sha1 => Ok(::$lib::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
            }
        }

        /// HMAC key with its inner and outer pads precomputed once.
        struct HmacKey(::$lib::hmac::Key);

        impl SignatureVerifier for HmacKey {
            fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
                // Constant-time tag comparison inside the library.
                ::$lib::hmac::verify(&self.0, message, signature)
                    .map_err(|_| Error::InvalidSignature)
            }
        }

        impl SignaturePrimitive for HmacKey {
            fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
                Ok(::$lib::hmac::sign(&self.0, message).as_ref().to_vec())
            }
        }

        impl Hmac for $backend {
            fn supports(&self, hash: DigestAlgorithm) -> bool {
                hmac_alg(hash).is_ok()
            }
            fn verifier(
                &self,
                hash: DigestAlgorithm,
                key: &[u8],
            ) -> Result<Box<dyn SignatureVerifier>> {
                Ok(Box::new(HmacKey(::$lib::hmac::Key::new(
                    hmac_alg(hash)?,
                    key,
                ))))
            }
            fn signer(
                &self,
                hash: DigestAlgorithm,
                key: &[u8],
            ) -> Result<Box<dyn SignaturePrimitive>> {
                Ok(Box::new(HmacKey(::$lib::hmac::Key::new(
                    hmac_alg(hash)?,
                    key,
                ))))
            }
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

        impl Signing for $backend {
            fn supports(&self, alg: JwsAlgorithm) -> bool {
                supports_public_key(alg)
            }

            fn signer(
                &self,
                alg: JwsAlgorithm,
                key: &KeyMaterial,
            ) -> Result<Box<dyn SignaturePrimitive>> {
                // `CryptoProvider::signer` has checked support, that the key fits `alg` and is
                // private, and the RSA size; what remains is the backend's own parsing.
                let missing = || Error::InvalidKey(format!("a public key cannot sign {alg}"));
                match key {
                    KeyMaterial::Rsa(p) => {
                        let der = $crate::der::rsa_private_key_pkcs1(p)?;
                        let key_pair =
                            ::$lib::signature::RsaKeyPair::from_der(&der).map_err(|e| {
                                Error::InvalidKey(format!("RSA private key rejected: {e}"))
                            })?;
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
                    KeyMaterial::Ec(p) => {
                        let d = p.d.as_ref().ok_or_else(missing)?;
                        let kp = ecdsa_key_pair(alg, d.expose(), &p.uncompressed_point())?;
                        Ok(Box::new(EcdsaSigner(kp)))
                    }
                    KeyMaterial::Okp(p) => {
                        let d = p.d.as_ref().ok_or_else(missing)?;
                        let kp = ::$lib::signature::Ed25519KeyPair::from_seed_and_public_key(
                            d.expose(),
                            &p.x,
                        )
                        .map_err(|e| Error::InvalidKey(format!("Ed25519 key rejected: {e}")))?;
                        Ok(Box::new(Ed25519Signer(kp)))
                    }
                    _ => Err(key.wrong_for(alg)),
                }
            }
        }

        impl KeyGeneration for $backend {
            fn supports_spec(&self, spec: $crate::crypto::KeySpec) -> bool {
                use $crate::alg::OkpCurve;
                use $crate::crypto::{AgreementCurve, KeySpec};
                match spec {
                    KeySpec::Oct(len) => len > 0,
                    KeySpec::Okp(OkpCurve::Ed25519) => true,
                    KeySpec::Okp(OkpCurve::X25519) => {
                        KEY_AGREEMENT.supports(AgreementCurve::X25519)
                    }
                    KeySpec::Okp(_) => false,
                    KeySpec::Ec(crv) => ecdsa_signing_alg(crv.jws_algorithm()).is_ok(),
                    KeySpec::Rsa(bits) => GENERATES_RSA && rsa_key_size(bits).is_some(),
                }
            }

            fn generate_spec(
                &self,
                spec: $crate::crypto::KeySpec,
                rng: &dyn $crate::rand::SecureRandom,
            ) -> Result<KeyMaterial> {
                use $crate::alg::OkpCurve;
                use $crate::crypto::{AgreementCurve, KeySpec, OctParams, OkpParams};
                match spec {
                    KeySpec::Oct(len) if len > 0 => {
                        let mut k = vec![0u8; len];
                        rng.fill(&mut k)?;
                        Ok(KeyMaterial::Oct(OctParams::new(k)))
                    }
                    KeySpec::Okp(OkpCurve::Ed25519) => {
                        let seed: [u8; 32] = $crate::rand::random_array(rng)?;
                        let kp = ::$lib::signature::Ed25519KeyPair::from_seed_unchecked(&seed)
                            .map_err(|_| Error::Crypto)?;
                        Ok(KeyMaterial::Okp(
                            OkpParams::new(OkpCurve::Ed25519, kp.public_key().as_ref())
                                .with_private(seed.to_vec()),
                        ))
                    }
                    // An X25519 key is an ECDH key pair like an ephemeral one, from `rng`.
                    KeySpec::Okp(OkpCurve::X25519) => {
                        KEY_AGREEMENT.ephemeral(AgreementCurve::X25519, rng)
                    }
                    KeySpec::Ec(crv) => {
                        // Backend-internal randomness: the libraries take no outside entropy
                        // here.
                        let sys = ::$lib::rand::SystemRandom::new(); // allow-clock: EC key generation
                        let pkcs8 = ::$lib::signature::EcdsaKeyPair::generate_pkcs8(
                            ecdsa_signing_alg(crv.jws_algorithm())?,
                            &sys,
                        )
                        .map_err(|_| Error::Crypto)?;
                        $crate::der::parse_pkcs8(pkcs8.as_ref())
                    }
                    KeySpec::Rsa(bits) if GENERATES_RSA && rsa_key_size(bits).is_some() => {
                        generate_rsa(bits)
                    }
                    spec => Err(Error::UnsupportedAlgorithm(format!(
                        "{spec} key generation is not available with the {NAME} provider"
                    ))),
                }
            }
        }

        impl $crate::crypto::AesGcm for $backend {
            fn supports(&self, key_len: usize) -> bool {
                gcm_algorithm(key_len).is_some()
            }

            fn seal(
                &self,
                key: &[u8],
                iv: &[u8; $crate::crypto::encryption::GCM_IV_LEN],
                aad: &[u8],
                plaintext: &[u8],
            ) -> Result<(Vec<u8>, [u8; $crate::crypto::encryption::GCM_TAG_LEN])> {
                let key = gcm_key(key)?;
                let mut out = plaintext.to_vec();
                let tag = key
                    .seal_in_place_separate_tag(
                        ::$lib::aead::Nonce::assume_unique_for_key(*iv),
                        ::$lib::aead::Aad::from(aad),
                        &mut out,
                    )
                    .map_err(|_| Error::Crypto)?;
                let mut t = [0u8; $crate::crypto::encryption::GCM_TAG_LEN];
                t.copy_from_slice(tag.as_ref());
                Ok((out, t))
            }

            fn open(
                &self,
                key: &[u8],
                iv: &[u8; $crate::crypto::encryption::GCM_IV_LEN],
                aad: &[u8],
                ciphertext: &[u8],
                tag: &[u8; $crate::crypto::encryption::GCM_TAG_LEN],
            ) -> Result<Vec<u8>> {
                let key = gcm_key(key)?;
                let mut buf = Vec::with_capacity(ciphertext.len() + tag.len());
                buf.extend_from_slice(ciphertext);
                buf.extend_from_slice(tag);
                // The library checks the tag (in constant time) before releasing plaintext.
                let len = key
                    .open_in_place(
                        ::$lib::aead::Nonce::assume_unique_for_key(*iv),
                        ::$lib::aead::Aad::from(aad),
                        &mut buf,
                    )
                    .map_err(|_| Error::Decryption)?
                    .len();
                buf.truncate(len);
                Ok(buf)
            }
        }

        /// An AES-GCM key for one message; the length is checked first so that no length
        /// reaches the library unchecked.
        fn gcm_key(key: &[u8]) -> Result<::$lib::aead::LessSafeKey> {
            let alg = gcm_algorithm(key.len());
            $crate::crypto::common::check_aes_key("AES-GCM", key.len(), alg.is_some())?;
            let alg = alg.ok_or(Error::Crypto)?;
            ::$lib::aead::UnboundKey::new(alg, key)
                .map(::$lib::aead::LessSafeKey::new)
                .map_err(|_| Error::InvalidKey("AES-GCM key rejected".into()))
        }

        fn pbkdf2_algorithm(hash: DigestAlgorithm) -> Option<::$lib::pbkdf2::Algorithm> {
            match hash {
                DigestAlgorithm::Sha256 => Some(::$lib::pbkdf2::PBKDF2_HMAC_SHA256),
                DigestAlgorithm::Sha384 => Some(::$lib::pbkdf2::PBKDF2_HMAC_SHA384),
                DigestAlgorithm::Sha512 => Some(::$lib::pbkdf2::PBKDF2_HMAC_SHA512),
                // PBES2 uses SHA-2 only (RFC 7518 §4.8).
                DigestAlgorithm::Sha1 => None,
            }
        }

        impl $crate::crypto::Pbkdf2 for $backend {
            fn supports(&self, hash: DigestAlgorithm) -> bool {
                pbkdf2_algorithm(hash).is_some()
            }

            fn derive(
                &self,
                hash: DigestAlgorithm,
                password: &[u8],
                salt: &[u8],
                iterations: u32,
                out: &mut [u8],
            ) -> Result<()> {
                let alg = pbkdf2_algorithm(hash)
                    .ok_or_else(|| $crate::crypto::part_missing("PBKDF2", hash.name()))?;
                // RFC 8018 §5.2: the iteration count is a positive integer.
                let rounds = ::core::num::NonZeroU32::new(iterations).ok_or_else(|| {
                    Error::InvalidKey("PBKDF2 needs at least one iteration".into())
                })?;
                // The libraries assert on these lengths; answer with an error instead.
                if out.is_empty() || out.len() > $crate::crypto::common::MAX_PBKDF2_OUTPUT {
                    return Err(Error::InvalidKey(format!(
                        "PBKDF2 output of {} bytes is outside 1..={}",
                        out.len(),
                        $crate::crypto::common::MAX_PBKDF2_OUTPUT
                    )));
                }
                ::$lib::pbkdf2::derive(alg, rounds, salt, password, out);
                Ok(())
            }
        }

        /// The operating system generator reached through this backend's library.
        #[derive(Debug, Clone, Copy)]
        pub struct SystemRng;

        impl $crate::rand::SecureRandom for SystemRng {
            fn fill(&self, dest: &mut [u8]) -> Result<()> {
                ::$lib::rand::SystemRandom::new() // allow-clock: the adapters' RNG, never used by the core
                    .fill(dest)
                    .map_err(|_| Error::Crypto)
            }
        }

        /// This backend's signature verification part.
        pub const VERIFICATION: &'static dyn SignatureVerification = &$backend;
        /// This backend's signing part.
        pub const SIGNING: &'static dyn Signing = &$backend;
        /// This backend's HMAC part.
        pub const HMAC: &'static dyn Hmac = &$backend;
        /// This backend's digest part.
        pub const HASHING: &'static dyn Hashing = &$backend;
        /// This backend's key generation part.
        pub const KEY_GENERATION: &'static dyn KeyGeneration = &$backend;
        /// This backend's AES-GCM part.
        pub const AES_GCM: &'static dyn $crate::crypto::AesGcm = &$backend;
        /// This backend's PBKDF2 part.
        pub const PBKDF2: &'static dyn $crate::crypto::Pbkdf2 = &$backend;

        /// The provider made of this backend's parts only.
        pub const PROVIDER: $crate::crypto::CryptoProvider = $crate::crypto::CryptoProvider {
            name: NAME,
            verification: VERIFICATION,
            signing: SIGNING,
            hmac: HMAC,
            hashing: HASHING,
            key_generation: KEY_GENERATION,
            system_random: &SystemRng,
            aes_gcm: AES_GCM,
            aes_key_wrap: AES_KEY_WRAP,
            aes_cbc: AES_CBC,
            rsa_encryption: RSA_ENCRYPTION,
            key_agreement: KEY_AGREEMENT,
            pbkdf2: PBKDF2,
        };
    };
}

pub(crate) use shared_provider_parts;
