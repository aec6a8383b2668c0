//! Crypto providers: the only place where cryptographic primitives are called.
//!
//! A [`CryptoProvider`] is a plain struct of parts, each a `&'static dyn` trait object:
//! signature verification ([`SignatureVerification`]), signing ([`Signing`]), HMAC
//! ([`Hmac`]), digests ([`Hashing`]), key generation ([`KeyGeneration`]) and the operating
//! system's random generator. Each backend module offers its parts one by one and a full
//! provider made of them: `crypto::ring` (feature `ring`, the default) and
//! `crypto::aws_lc` (feature `aws-lc-rs`; adds ES512, ES256K and RSA key
//! generation). A build can thus take each part from the backend that has it or is fastest,
//! and a user can replace one part and keep the rest:
//!
//! ```
//! # #[cfg(feature = "ring")] {
//! use authcore_jose::crypto::{self, CryptoProvider};
//! // Every part from ring except key generation, which here refuses everything.
//! static NO_KEYGEN: CryptoProvider = crypto::ring::PROVIDER
//!     .with_key_generation(&crypto::Unsupported)
//!     .with_name("ring-without-keygen");
//! assert!(authcore_jose::Jwk::generate(
//!     authcore_jose::JwsAlgorithm::HS256,
//!     &NO_KEYGEN,
//!     &authcore_jose::InsecureTestRandom::new(1),
//! )
//! .is_err());
//! # }
//! ```
//!
//! [`default_provider`] picks, per algorithm, the faster backend of those compiled in (the
//! choice and the measurements behind it are in `benches/README.md`).
//!
//! An algorithm a provider lacks, or a part it lacks, is an [`Error::UnsupportedAlgorithm`]
//! when the key is built, never an error or panic on first use.
//!
//! # Growing
//!
//! The struct is `#[non_exhaustive]` and built from the backends' constants with the `with_*`
//! methods, never by a struct literal outside this crate. JWE needs more parts (AEAD, AES key
//! wrap, AES-CBC with HMAC, key agreement, RSA encryption, PBKDF2); each will be one more field
//! with one more `with_*` method. A backend that lacks a part fills that field with
//! [`Unsupported`], which answers "unsupported" for every algorithm, so providers users have
//! composed keep compiling and get the new part from the backend they started from.
//!
//! Storable types (a JWKS cache, an ID token verifier, an OAuth client) hold a [`Provider`]: a
//! cheap-clone handle to either a `'static` provider or an [`Arc`]-shared one built at run
//! time, so a custom provider never has to be leaked.

use core::fmt;
use std::sync::Arc;

use crate::alg::{Algorithm, AlgorithmFamily, DigestAlgorithm, JwsAlgorithm};
use crate::error::{Error, Result};
use crate::rand::SecureRandom;

#[cfg(feature = "aws-lc-rs")]
pub mod aws_lc;
#[cfg(feature = "ring")]
pub mod ring;

#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
mod common;
pub mod encryption;
mod key;

pub use encryption::{
    AesCbc, AesGcm, AesKeyWrap, AgreementCurve, KeyAgreement, KeyDecryptor, KeyEncryptor, Pbkdf2,
    RsaEncryption,
};
pub(crate) use key::unsigned;
pub use key::{EcParams, KeyMaterial, KeyType, OctParams, OkpParams, RsaParams, RsaPrivateParams};

/// A prepared signature or MAC verification key for one algorithm.
pub trait SignatureVerifier: Send + Sync {
    /// Checks `signature` over `message`. Any failure is [`Error::InvalidSignature`].
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()>;
}

/// A prepared signing key for one algorithm.
pub trait SignaturePrimitive: Send + Sync {
    /// Signs `message`. ECDSA signatures are in the fixed-length `r || s` form (RFC 7518 §3.4).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
}

/// Options for building verification keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Smallest RSA modulus accepted, in bits. Default 2048 (RFC 7518 §3.3); values down to
    /// 1024 are possible for legacy peers with RS256 and RS512 only (the providers have no
    /// legacy-size parameters for RS384 or PSS).
    pub min_rsa_bits: usize,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { min_rsa_bits: 2048 }
    }
}

/// Smallest RSA modulus used for signing (RFC 7518 §3.3, §3.5).
const MIN_RSA_SIGNING_BITS: usize = 2048;

/// The part that prepares public-key signature verification (RSA, ECDSA, EdDSA; HMAC is the
/// [`Hmac`] part).
pub trait SignatureVerification: Send + Sync + fmt::Debug {
    /// Whether this part verifies `alg`.
    fn supports(&self, alg: JwsAlgorithm) -> bool;

    /// Prepares a verification key for `alg` from `key` (public or private material; only the
    /// public part is used). [`CryptoProvider::verifier`] has already checked that `alg` is
    /// supported, that the key fits it ([`KeyMaterial::check_fits`]) and the RSA size.
    fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyMaterial,
        options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>>;
}

/// The part that prepares public-key signing (RSA, ECDSA, EdDSA; HMAC is the [`Hmac`] part).
pub trait Signing: Send + Sync + fmt::Debug {
    /// Whether this part signs with `alg`.
    fn supports(&self, alg: JwsAlgorithm) -> bool;

    /// Prepares a signing key for `alg` from private key material. [`CryptoProvider::signer`]
    /// has already checked support, fit and the RSA size.
    fn signer(&self, alg: JwsAlgorithm, key: &KeyMaterial) -> Result<Box<dyn SignaturePrimitive>>;
}

/// The HMAC part (RFC 2104), keyed once and used for many messages.
pub trait Hmac: Send + Sync + fmt::Debug {
    /// Whether this part computes HMAC with `hash`.
    fn supports(&self, hash: DigestAlgorithm) -> bool;

    /// An HMAC key that checks tags (in constant time).
    fn verifier(&self, hash: DigestAlgorithm, key: &[u8]) -> Result<Box<dyn SignatureVerifier>>;

    /// An HMAC key that computes tags.
    fn signer(&self, hash: DigestAlgorithm, key: &[u8]) -> Result<Box<dyn SignaturePrimitive>>;
}

/// The digest part.
pub trait Hashing: Send + Sync + fmt::Debug {
    /// Computes a digest.
    fn digest(&self, alg: DigestAlgorithm, data: &[u8]) -> Vec<u8>;
}

/// The key generation part.
pub trait KeyGeneration: Send + Sync + fmt::Debug {
    /// Whether this part generates keys for `alg`.
    fn supports(&self, alg: JwsAlgorithm) -> bool;

    /// Generates key material for `alg`. Symmetric and Ed25519 keys are drawn from `rng`;
    /// EC and RSA key pairs from the backend's own generator (see [`SecureRandom`]).
    fn generate(&self, alg: JwsAlgorithm, rng: &dyn SecureRandom) -> Result<KeyMaterial>;
}

/// A part that supports nothing: every key built with it is
/// [`Error::UnsupportedAlgorithm`]. For removing a capability from a provider, and for
/// backends that lack a part.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unsupported;

fn part_missing(what: &str, alg: impl fmt::Display) -> Error {
    Error::UnsupportedAlgorithm(format!("{alg}: this crypto provider has no {what}"))
}

impl SignatureVerification for Unsupported {
    fn supports(&self, _: JwsAlgorithm) -> bool {
        false
    }
    fn verifier(
        &self,
        alg: JwsAlgorithm,
        _: &KeyMaterial,
        _: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        Err(part_missing("signature verification", alg))
    }
}

impl Signing for Unsupported {
    fn supports(&self, _: JwsAlgorithm) -> bool {
        false
    }
    fn signer(&self, alg: JwsAlgorithm, _: &KeyMaterial) -> Result<Box<dyn SignaturePrimitive>> {
        Err(part_missing("signing", alg))
    }
}

impl Hmac for Unsupported {
    fn supports(&self, _: DigestAlgorithm) -> bool {
        false
    }
    fn verifier(&self, hash: DigestAlgorithm, _: &[u8]) -> Result<Box<dyn SignatureVerifier>> {
        Err(part_missing("HMAC", hash.name()))
    }
    fn signer(&self, hash: DigestAlgorithm, _: &[u8]) -> Result<Box<dyn SignaturePrimitive>> {
        Err(part_missing("HMAC", hash.name()))
    }
}

impl KeyGeneration for Unsupported {
    fn supports(&self, _: JwsAlgorithm) -> bool {
        false
    }
    fn generate(&self, alg: JwsAlgorithm, _: &dyn SecureRandom) -> Result<KeyMaterial> {
        Err(part_missing("key generation", alg))
    }
}

/// A part chosen per algorithm: the first entry of `choices` naming the algorithm, else
/// `otherwise`. This is how [`default_provider`] takes each algorithm from the faster backend;
/// users can build their own mixes the same way.
///
/// ```
/// # #[cfg(all(feature = "ring", feature = "aws-lc-rs"))] {
/// use authcore_jose::JwsAlgorithm;
/// use authcore_jose::crypto::{self, ByAlgorithm, CryptoProvider, SignatureVerification};
/// // ring everywhere, except ES384 verification from aws-lc-rs.
/// static VERIFY: ByAlgorithm<dyn SignatureVerification> = ByAlgorithm::new(
///     &[(JwsAlgorithm::ES384, crypto::aws_lc::VERIFICATION)],
///     crypto::ring::VERIFICATION,
/// );
/// static MIX: CryptoProvider = crypto::ring::PROVIDER.with_verification(&VERIFY);
/// assert!(MIX.supports(JwsAlgorithm::ES384));
/// # }
/// ```
pub struct ByAlgorithm<P: ?Sized + 'static> {
    choices: &'static [(JwsAlgorithm, &'static P)],
    otherwise: &'static P,
}

impl<P: ?Sized + 'static> ByAlgorithm<P> {
    /// Uses the part listed for an algorithm in `choices`, else `otherwise`.
    pub const fn new(
        choices: &'static [(JwsAlgorithm, &'static P)],
        otherwise: &'static P,
    ) -> Self {
        ByAlgorithm { choices, otherwise }
    }

    /// The part used for `alg`.
    pub fn part(&self, alg: JwsAlgorithm) -> &'static P {
        self.choices
            .iter()
            .find(|(a, _)| *a == alg)
            .map_or(self.otherwise, |(_, p)| *p)
    }
}

impl<P: ?Sized + fmt::Debug + 'static> fmt::Debug for ByAlgorithm<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (alg, part) in self.choices {
            m.entry(&alg.name(), part);
        }
        m.entry(&"otherwise", &self.otherwise).finish()
    }
}

impl SignatureVerification for ByAlgorithm<dyn SignatureVerification> {
    fn supports(&self, alg: JwsAlgorithm) -> bool {
        self.part(alg).supports(alg)
    }
    fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyMaterial,
        options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        self.part(alg).verifier(alg, key, options)
    }
}

impl Signing for ByAlgorithm<dyn Signing> {
    fn supports(&self, alg: JwsAlgorithm) -> bool {
        self.part(alg).supports(alg)
    }
    fn signer(&self, alg: JwsAlgorithm, key: &KeyMaterial) -> Result<Box<dyn SignaturePrimitive>> {
        self.part(alg).signer(alg, key)
    }
}

impl KeyGeneration for ByAlgorithm<dyn KeyGeneration> {
    fn supports(&self, alg: JwsAlgorithm) -> bool {
        self.part(alg).supports(alg)
    }
    fn generate(&self, alg: JwsAlgorithm, rng: &dyn SecureRandom) -> Result<KeyMaterial> {
        self.part(alg).generate(alg, rng)
    }
}

/// A cryptographic provider: a set of parts, each from whichever backend supplies it.
///
/// Build one from a backend's `PROVIDER` constant and replace parts with the `with_*` methods
/// (see the [module docs](self)). The methods here are what the rest of the crate calls; they
/// apply the rules every part shares (key fits algorithm, HMAC key length, RSA size) before
/// handing the key to the part, so a part never has to repeat them.
#[derive(Clone)]
#[non_exhaustive]
pub struct CryptoProvider {
    /// A short name (`ring`, `aws-lc-rs`, `default`).
    pub name: &'static str,
    /// Public-key signature verification.
    pub verification: &'static dyn SignatureVerification,
    /// Public-key signing.
    pub signing: &'static dyn Signing,
    /// HMAC.
    pub hmac: &'static dyn Hmac,
    /// Digests.
    pub hashing: &'static dyn Hashing,
    /// Key generation.
    pub key_generation: &'static dyn KeyGeneration,
    /// The operating system's secure random generator, as this provider reaches it. For
    /// adapters and applications, which own randomness; the protocol core never calls it.
    pub system_random: &'static dyn SecureRandom,
    /// AES-GCM (JWE `enc` `A*GCM`, `alg` `A*GCMKW`).
    pub aes_gcm: &'static dyn AesGcm,
    /// AES key wrap (JWE `alg` `A*KW`, and after ECDH-ES and PBES2).
    pub aes_key_wrap: &'static dyn AesKeyWrap,
    /// AES-CBC (the encryption half of JWE `enc` `A*CBC-HS*`).
    pub aes_cbc: &'static dyn AesCbc,
    /// RSA key encryption (JWE `alg` `RSA-OAEP*`, `RSA1_5`).
    pub rsa_encryption: &'static dyn RsaEncryption,
    /// Elliptic-curve key agreement (JWE `alg` `ECDH-ES*`).
    pub key_agreement: &'static dyn KeyAgreement,
    /// PBKDF2 (JWE `alg` `PBES2-*`).
    pub pbkdf2: &'static dyn Pbkdf2,
}

impl fmt::Debug for CryptoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CryptoProvider")
            .field("name", &self.name)
            .field("verification", &self.verification)
            .field("signing", &self.signing)
            .field("hmac", &self.hmac)
            .field("hashing", &self.hashing)
            .field("key_generation", &self.key_generation)
            .field("aes_gcm", &self.aes_gcm)
            .field("aes_key_wrap", &self.aes_key_wrap)
            .field("aes_cbc", &self.aes_cbc)
            .field("rsa_encryption", &self.rsa_encryption)
            .field("key_agreement", &self.key_agreement)
            .field("pbkdf2", &self.pbkdf2)
            .finish_non_exhaustive()
    }
}

impl CryptoProvider {
    /// The same provider under another name.
    pub const fn with_name(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// The same provider with another signature verification part.
    pub const fn with_verification(mut self, part: &'static dyn SignatureVerification) -> Self {
        self.verification = part;
        self
    }

    /// The same provider with another signing part.
    pub const fn with_signing(mut self, part: &'static dyn Signing) -> Self {
        self.signing = part;
        self
    }

    /// The same provider with another HMAC part.
    pub const fn with_hmac(mut self, part: &'static dyn Hmac) -> Self {
        self.hmac = part;
        self
    }

    /// The same provider with another digest part.
    pub const fn with_hashing(mut self, part: &'static dyn Hashing) -> Self {
        self.hashing = part;
        self
    }

    /// The same provider with another key generation part.
    pub const fn with_key_generation(mut self, part: &'static dyn KeyGeneration) -> Self {
        self.key_generation = part;
        self
    }

    /// The same provider with another system random generator.
    pub const fn with_system_random(mut self, rng: &'static dyn SecureRandom) -> Self {
        self.system_random = rng;
        self
    }

    /// The same provider with another AES-GCM part.
    pub const fn with_aes_gcm(mut self, part: &'static dyn AesGcm) -> Self {
        self.aes_gcm = part;
        self
    }

    /// The same provider with another AES key wrap part.
    pub const fn with_aes_key_wrap(mut self, part: &'static dyn AesKeyWrap) -> Self {
        self.aes_key_wrap = part;
        self
    }

    /// The same provider with another AES-CBC part.
    pub const fn with_aes_cbc(mut self, part: &'static dyn AesCbc) -> Self {
        self.aes_cbc = part;
        self
    }

    /// The same provider with another RSA key encryption part.
    pub const fn with_rsa_encryption(mut self, part: &'static dyn RsaEncryption) -> Self {
        self.rsa_encryption = part;
        self
    }

    /// The same provider with another key agreement part.
    pub const fn with_key_agreement(mut self, part: &'static dyn KeyAgreement) -> Self {
        self.key_agreement = part;
        self
    }

    /// The same provider with another PBKDF2 part.
    pub const fn with_pbkdf2(mut self, part: &'static dyn Pbkdf2) -> Self {
        self.pbkdf2 = part;
        self
    }

    /// A short name (`ring`, `aws-lc-rs`, `default`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether this provider both signs and verifies with a JWS `alg`, or has the parts a JWE
    /// key management `alg` (for `RSA1_5`: decryption) or content encryption `enc` needs.
    pub fn supports(&self, alg: impl Into<Algorithm>) -> bool {
        match alg.into() {
            Algorithm::Jws(alg) if alg.family() == AlgorithmFamily::Hmac => {
                self.hmac.supports(alg.digest())
            }
            Algorithm::Jws(alg) => self.verification.supports(alg) && self.signing.supports(alg),
            Algorithm::KeyManagement(alg) => crate::jwe::key_management_supported(self, alg),
            Algorithm::ContentEncryption(enc) => {
                crate::jwe::content_encryption_supported(self, enc)
            }
        }
    }

    /// Computes a digest.
    pub fn digest(&self, alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
        self.hashing.digest(alg, data)
    }

    /// Prepares a verification key for `alg` from `key` (public or private material; only the
    /// public part is used).
    pub fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyMaterial,
        options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        key.check_fits(alg)?;
        match key {
            KeyMaterial::Oct(k) => {
                check_hmac_key(alg, k.k.expose())?;
                if !self.hmac.supports(alg.digest()) {
                    return Err(self.unsupported(alg));
                }
                self.hmac.verifier(alg.digest(), k.k.expose())
            }
            _ => {
                if let KeyMaterial::Rsa(p) = key {
                    check_rsa_bits(p, options.min_rsa_bits)?;
                }
                if !self.verification.supports(alg) {
                    return Err(self.unsupported(alg));
                }
                self.verification.verifier(alg, key, options)
            }
        }
    }

    /// Prepares a signing key for `alg` from private (or symmetric) key material.
    pub fn signer(
        &self,
        alg: JwsAlgorithm,
        key: &KeyMaterial,
    ) -> Result<Box<dyn SignaturePrimitive>> {
        key.check_fits(alg)?;
        match key {
            KeyMaterial::Oct(k) => {
                check_hmac_key(alg, k.k.expose())?;
                if !self.hmac.supports(alg.digest()) {
                    return Err(self.unsupported(alg));
                }
                self.hmac.signer(alg.digest(), k.k.expose())
            }
            _ => {
                key.check_can_sign()?;
                if let KeyMaterial::Rsa(p) = key {
                    check_rsa_bits(p, MIN_RSA_SIGNING_BITS)?;
                }
                if !self.signing.supports(alg) {
                    return Err(self.unsupported(alg));
                }
                self.signing.signer(alg, key)
            }
        }
    }

    /// Generates key material for `alg` (see [`KeyGeneration::generate`]).
    pub fn generate_key(&self, alg: JwsAlgorithm, rng: &dyn SecureRandom) -> Result<KeyMaterial> {
        if !self.key_generation.supports(alg) {
            return Err(self.unsupported(alg));
        }
        self.key_generation.generate(alg, rng)
    }

    /// The operating system's secure random generator, as this provider reaches it.
    pub fn system_random(&self) -> &'static dyn SecureRandom {
        self.system_random
    }

    fn unsupported(&self, alg: JwsAlgorithm) -> Error {
        Error::UnsupportedAlgorithm(format!(
            "{alg} is not available with the {} provider",
            self.name
        ))
    }
}

/// Rejects HMAC keys shorter than the hash output (RFC 7518 §3.2).
fn check_hmac_key(alg: JwsAlgorithm, k: &[u8]) -> Result<()> {
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

/// A cheap-clone handle to a provider, for types that store one: either a `'static` provider
/// (a backend's, the default, or your own `static`) or one built at run time and shared by
/// [`Arc`], so a custom provider never has to be leaked. Dereferences to [`CryptoProvider`].
///
/// ```
/// use std::sync::Arc;
/// use authcore_jose::crypto::{self, Provider};
/// let fixed = Provider::from(crypto::default_provider());
/// let built = Provider::from(Arc::new(crypto::default_provider().clone().with_name("mine")));
/// assert_eq!(built.name(), "mine");
/// assert_eq!(fixed.name(), crypto::default_provider().name());
/// ```
#[derive(Clone)]
pub struct Provider(Handle);

#[derive(Clone)]
enum Handle {
    Static(&'static CryptoProvider),
    Shared(Arc<CryptoProvider>),
}

impl Provider {
    /// The provider this handle points to.
    pub fn get(&self) -> &CryptoProvider {
        match &self.0 {
            Handle::Static(p) => p,
            Handle::Shared(p) => p,
        }
    }
}

impl core::ops::Deref for Provider {
    type Target = CryptoProvider;
    fn deref(&self) -> &CryptoProvider {
        self.get()
    }
}

impl AsRef<CryptoProvider> for Provider {
    fn as_ref(&self) -> &CryptoProvider {
        self.get()
    }
}

impl From<&'static CryptoProvider> for Provider {
    fn from(p: &'static CryptoProvider) -> Self {
        Provider(Handle::Static(p))
    }
}

impl From<Arc<CryptoProvider>> for Provider {
    fn from(p: Arc<CryptoProvider>) -> Self {
        Provider(Handle::Shared(p))
    }
}

impl From<CryptoProvider> for Provider {
    fn from(p: CryptoProvider) -> Self {
        Provider(Handle::Shared(Arc::new(p)))
    }
}

impl Default for Provider {
    /// [`default_provider`].
    fn default() -> Self {
        Provider::from(default_provider())
    }
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

/// With both backends compiled in: each algorithm from the backend that verified it faster on
/// the `raw/` benchmarks of `benches/benches/verify.rs` (figures in `benches/README.md`).
#[cfg(all(feature = "ring", feature = "aws-lc-rs"))]
mod fastest {
    use super::{ByAlgorithm, CryptoProvider, KeyGeneration};
    use super::{aws_lc, ring};
    use crate::alg::JwsAlgorithm as A;

    // Key generation: ring where it can (it was the default before, and generation is not on
    // any hot path), aws-lc-rs for what ring lacks (RSA, P-521, secp256k1).
    static KEY_GENERATION: ByAlgorithm<dyn KeyGeneration> = ByAlgorithm::new(
        &[
            (A::RS256, aws_lc::KEY_GENERATION),
            (A::RS384, aws_lc::KEY_GENERATION),
            (A::RS512, aws_lc::KEY_GENERATION),
            (A::PS256, aws_lc::KEY_GENERATION),
            (A::PS384, aws_lc::KEY_GENERATION),
            (A::PS512, aws_lc::KEY_GENERATION),
            (A::ES512, aws_lc::KEY_GENERATION),
            (A::ES256K, aws_lc::KEY_GENERATION),
        ],
        ring::KEY_GENERATION,
    );

    // Measured (benches/README.md, "Provider choice"): aws-lc-rs verifies RS256 1.5×, PS256
    // 1.3×, ES384 4.2× and EdDSA 1.3× faster than ring, and alone has ES512 and ES256K; ES256
    // is a tie within a few per cent either way and follows the other curves. So every
    // public-key algorithm comes from aws-lc-rs; signing follows verification (the same
    // arithmetic underneath). ring's HMAC-SHA-256 was as fast or faster (376 ns against
    // 440 ns), so HMAC and digests stay with ring.
    pub(super) static PROVIDER: CryptoProvider = ring::PROVIDER
        .with_name("default")
        .with_verification(aws_lc::VERIFICATION)
        .with_signing(aws_lc::SIGNING)
        .with_key_generation(&KEY_GENERATION);
}

/// The default provider.
///
/// With both backends compiled in, it takes each algorithm from the faster one (measured,
/// see `benches/README.md`): aws-lc-rs for every public-key algorithm (RS*, PS*, ES256,
/// ES384, ES512, ES256K, EdDSA), ring for HMAC and digests, key generation from ring where
/// ring has it. With one backend, that backend. Without either feature this function
/// does not exist, so a missing provider is a compile error rather than a runtime surprise.
#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
pub fn default_provider() -> &'static CryptoProvider {
    #[cfg(all(feature = "ring", feature = "aws-lc-rs"))]
    {
        &fastest::PROVIDER
    }
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    {
        &ring::PROVIDER
    }
    #[cfg(all(not(feature = "ring"), feature = "aws-lc-rs"))]
    {
        &aws_lc::PROVIDER
    }
}

/// Every provider compiled into this build, the default first (with both backends, the
/// per-algorithm mix, then ring, then aws-lc-rs).
pub fn providers() -> Vec<&'static CryptoProvider> {
    let all: [Option<&'static CryptoProvider>; 3] = [
        #[cfg(all(feature = "ring", feature = "aws-lc-rs"))]
        Some(&fastest::PROVIDER),
        #[cfg(not(all(feature = "ring", feature = "aws-lc-rs")))]
        None,
        #[cfg(feature = "ring")]
        Some(&ring::PROVIDER),
        #[cfg(not(feature = "ring"))]
        None,
        #[cfg(feature = "aws-lc-rs")]
        Some(&aws_lc::PROVIDER),
        #[cfg(not(feature = "aws-lc-rs"))]
        None,
    ];
    all.into_iter().flatten().collect()
}

/// Looks a compiled-in provider up by [`CryptoProvider::name`] (`ring`, `aws-lc-rs`,
/// `default`).
pub fn provider_by_name(name: &str) -> Result<&'static CryptoProvider> {
    providers()
        .into_iter()
        .find(|p| p.name() == name)
        .or_else(|| (name == "default").then(default_provider))
        .ok_or_else(|| {
            Error::UnsupportedAlgorithm(format!("crypto provider `{name}` is not compiled in"))
        })
}
