//! Crypto providers: the only place where cryptographic primitives are called.
//!
//! A [`CryptoProvider`] is a plain struct of parts, each a `&'static dyn` trait object:
//! signature verification ([`SignatureVerification`]), signing ([`Signing`]), HMAC
//! ([`Hmac`]), digests ([`Hashing`]), key generation ([`KeyGeneration`]), the operating
//! system's random generator, and the JWE primitives of the [`encryption`] module (AES-GCM,
//! AES key wrap, AES-CBC, RSA encryption, key agreement, PBKDF2). Each backend module offers
//! its parts one by one and a full provider made of them: `crypto::ring` (feature `ring`, the
//! default; for JWE only AES-GCM 128/256 and PBKDF2) and `crypto::aws_lc` (feature
//! `aws-lc-rs`; adds ES512, ES256K, RSA key generation and every JWE primitive). A build can
//! thus take each part from the backend that has it or is fastest, and a user can replace one
//! part and keep the rest:
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
//! methods, never by a struct literal outside this crate. Each new kind of primitive is one
//! more field with one more `with_*` method, as the JWE parts were. A backend that lacks a
//! part fills that field with [`Unsupported`], which answers "unsupported" for every
//! algorithm, so providers users have composed keep compiling and get the new part from the
//! backend they started from. [`FirstSupporting`] joins two parts of one kind: the first where
//! it has the algorithm (or key size, hash, curve), else the second.
//!
//! Storable types (a JWKS cache, an ID token verifier, an OAuth client) hold a [`Provider`]: a
//! cheap-clone handle to either a `'static` provider or an [`Arc`]-shared one built at run
//! time, so a custom provider never has to be leaked.

use core::fmt;
use std::sync::Arc;

use crate::alg::{
    Algorithm, AlgorithmFamily, ContentEncryptionAlgorithm, DigestAlgorithm, JwsAlgorithm,
    KeyManagementAlgorithm,
};
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
pub use key::{
    EcParams, EncryptionKeyOptions, GENERATED_RSA_BITS, KeyMaterial, KeySpec, KeyType, OctParams,
    OkpParams, RsaParams, RsaPrivateParams,
};

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

    /// Prepares an RSASSA-PKCS1-v1_5 verification key with SHA-1 (RFC 8017 §8.2), which no
    /// JWS algorithm uses but OAuth 1.0a's `RSA-SHA1` does (RFC 5849 §3.4.3).
    /// [`CryptoProvider::rsa_sha1_verifier_for_legacy_use_only`] has already checked the RSA
    /// size. A part without it answers [`Error::UnsupportedAlgorithm`].
    fn rsa_sha1_verifier_for_legacy_use_only(
        &self,
        key: &RsaParams,
    ) -> Result<Box<dyn SignatureVerifier>> {
        let _ = key;
        Err(part_missing("signature verification", "RSA-SHA1"))
    }
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

/// The key generation part. It generates keys by [`KeySpec`] (type with size or curve); the
/// JWS methods map the algorithm to its spec ([`KeySpec::for_jws`]).
pub trait KeyGeneration: Send + Sync + fmt::Debug {
    /// Whether this part generates keys for `alg`.
    fn supports(&self, alg: JwsAlgorithm) -> bool {
        self.supports_spec(KeySpec::for_jws(alg))
    }

    /// Generates key material for `alg` (see [`KeyGeneration::generate_spec`]).
    fn generate(&self, alg: JwsAlgorithm, rng: &dyn SecureRandom) -> Result<KeyMaterial> {
        self.generate_spec(KeySpec::for_jws(alg), rng)
    }

    /// Whether this part generates keys of `spec`.
    fn supports_spec(&self, spec: KeySpec) -> bool;

    /// Generates key material of `spec`. Symmetric, Ed25519 and X25519 keys are drawn from
    /// `rng`; EC and RSA key pairs from the backend's own generator (see [`SecureRandom`]).
    fn generate_spec(&self, spec: KeySpec, rng: &dyn SecureRandom) -> Result<KeyMaterial>;
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
    fn supports_spec(&self, _: KeySpec) -> bool {
        false
    }
    fn generate_spec(&self, spec: KeySpec, _: &dyn SecureRandom) -> Result<KeyMaterial> {
        Err(part_missing("key generation", spec))
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
    fn rsa_sha1_verifier_for_legacy_use_only(
        &self,
        key: &RsaParams,
    ) -> Result<Box<dyn SignatureVerifier>> {
        // RSA-SHA1 is in the RSASSA-PKCS1-v1_5 family: the part chosen for RS256 verifies it.
        self.part(JwsAlgorithm::RS256)
            .rsa_sha1_verifier_for_legacy_use_only(key)
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

/// Keys named by algorithm come from the part listed for it; keys named by [`KeySpec`] alone
/// (the JWE key management algorithms) come from `otherwise`.
impl KeyGeneration for ByAlgorithm<dyn KeyGeneration> {
    fn supports(&self, alg: JwsAlgorithm) -> bool {
        self.part(alg).supports(alg)
    }
    fn generate(&self, alg: JwsAlgorithm, rng: &dyn SecureRandom) -> Result<KeyMaterial> {
        self.part(alg).generate(alg, rng)
    }
    fn supports_spec(&self, spec: KeySpec) -> bool {
        self.otherwise.supports_spec(spec)
    }
    fn generate_spec(&self, spec: KeySpec, rng: &dyn SecureRandom) -> Result<KeyMaterial> {
        self.otherwise.generate_spec(spec, rng)
    }
}

/// Two parts of one kind joined: each request goes to `first` when it supports it (the
/// algorithm, key size, hash or curve), else to `then`. This is how [`default_provider`] takes
/// the JWE primitives ring lacks from aws-lc-rs; users can join parts the same way.
///
/// ```
/// # #[cfg(all(feature = "ring", feature = "aws-lc-rs"))] {
/// use authcore_jose::crypto::{self, AesGcm, CryptoProvider, FirstSupporting};
/// // ring's AES-GCM for 128- and 256-bit keys, aws-lc-rs's for the 192-bit ones ring lacks.
/// static GCM: FirstSupporting<dyn AesGcm> =
///     FirstSupporting::new(crypto::ring::AES_GCM, crypto::aws_lc::AES_GCM);
/// static MIX: CryptoProvider = crypto::ring::PROVIDER.with_aes_gcm(&GCM);
/// assert!(MIX.supports(authcore_jose::ContentEncryptionAlgorithm::A192Gcm));
/// # }
/// ```
pub struct FirstSupporting<P: ?Sized + 'static> {
    first: &'static P,
    then: &'static P,
}

impl<P: ?Sized + 'static> FirstSupporting<P> {
    /// `first` where it supports a request, else `then`.
    pub const fn new(first: &'static P, then: &'static P) -> Self {
        FirstSupporting { first, then }
    }
}

impl<P: ?Sized + fmt::Debug + 'static> fmt::Debug for FirstSupporting<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FirstSupporting")
            .field("first", &self.first)
            .field("then", &self.then)
            .finish()
    }
}

impl<P: ?Sized + 'static> FirstSupporting<P> {
    /// The part serving a request that `supported` says the first part can serve or not.
    fn pick(&self, supported: impl FnOnce(&P) -> bool) -> &'static P {
        if supported(self.first) {
            self.first
        } else {
            self.then
        }
    }
}

impl KeyGeneration for FirstSupporting<dyn KeyGeneration> {
    fn supports_spec(&self, spec: KeySpec) -> bool {
        self.pick(|p| p.supports_spec(spec)).supports_spec(spec)
    }
    fn generate_spec(&self, spec: KeySpec, rng: &dyn SecureRandom) -> Result<KeyMaterial> {
        self.pick(|p| p.supports_spec(spec))
            .generate_spec(spec, rng)
    }
}

impl AesGcm for FirstSupporting<dyn AesGcm> {
    fn supports(&self, key_len: usize) -> bool {
        self.pick(|p| p.supports(key_len)).supports(key_len)
    }
    fn seal(
        &self,
        key: &[u8],
        iv: &[u8; encryption::GCM_IV_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, [u8; encryption::GCM_TAG_LEN])> {
        self.pick(|p| p.supports(key.len()))
            .seal(key, iv, aad, plaintext)
    }
    fn open(
        &self,
        key: &[u8],
        iv: &[u8; encryption::GCM_IV_LEN],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8; encryption::GCM_TAG_LEN],
    ) -> Result<Vec<u8>> {
        self.pick(|p| p.supports(key.len()))
            .open(key, iv, aad, ciphertext, tag)
    }
}

impl AesKeyWrap for FirstSupporting<dyn AesKeyWrap> {
    fn supports(&self, kek_len: usize) -> bool {
        self.pick(|p| p.supports(kek_len)).supports(kek_len)
    }
    fn wrap(&self, kek: &[u8], key: &[u8]) -> Result<Vec<u8>> {
        self.pick(|p| p.supports(kek.len())).wrap(kek, key)
    }
    fn unwrap(&self, kek: &[u8], wrapped: &[u8]) -> Result<crate::secret::SecretBytes> {
        self.pick(|p| p.supports(kek.len())).unwrap(kek, wrapped)
    }
}

impl AesCbc for FirstSupporting<dyn AesCbc> {
    fn supports(&self, key_len: usize) -> bool {
        self.pick(|p| p.supports(key_len)).supports(key_len)
    }
    fn encrypt(
        &self,
        key: &[u8],
        iv: &[u8; encryption::CBC_IV_LEN],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        self.pick(|p| p.supports(key.len()))
            .encrypt(key, iv, plaintext)
    }
    fn decrypt(
        &self,
        key: &[u8],
        iv: &[u8; encryption::CBC_IV_LEN],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>> {
        self.pick(|p| p.supports(key.len()))
            .decrypt(key, iv, ciphertext)
    }
}

impl RsaEncryption for FirstSupporting<dyn RsaEncryption> {
    fn supports(&self, alg: KeyManagementAlgorithm) -> bool {
        self.pick(|p| p.supports(alg)).supports(alg)
    }
    fn encryptor(
        &self,
        alg: KeyManagementAlgorithm,
        key: &RsaParams,
    ) -> Result<Box<dyn KeyEncryptor>> {
        self.pick(|p| p.supports(alg)).encryptor(alg, key)
    }
    fn decryptor(
        &self,
        alg: KeyManagementAlgorithm,
        key: &RsaParams,
    ) -> Result<Box<dyn KeyDecryptor>> {
        self.pick(|p| p.supports(alg)).decryptor(alg, key)
    }
}

impl KeyAgreement for FirstSupporting<dyn KeyAgreement> {
    fn supports(&self, curve: AgreementCurve) -> bool {
        self.pick(|p| p.supports(curve)).supports(curve)
    }
    fn agree(
        &self,
        private: &KeyMaterial,
        peer: &KeyMaterial,
    ) -> Result<crate::secret::SecretBytes> {
        let curve = AgreementCurve::of(private);
        self.pick(|p| curve.is_some_and(|c| p.supports(c)))
            .agree(private, peer)
    }
    fn ephemeral(&self, curve: AgreementCurve, rng: &dyn SecureRandom) -> Result<KeyMaterial> {
        self.pick(|p| p.supports(curve)).ephemeral(curve, rng)
    }
}

impl Pbkdf2 for FirstSupporting<dyn Pbkdf2> {
    fn supports(&self, hash: DigestAlgorithm) -> bool {
        self.pick(|p| p.supports(hash)).supports(hash)
    }
    fn derive(
        &self,
        hash: DigestAlgorithm,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        out: &mut [u8],
    ) -> Result<()> {
        self.pick(|p| p.supports(hash))
            .derive(hash, password, salt, iterations, out)
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

    /// Whether this provider has what `alg` needs, from the parts present.
    ///
    /// A JWS algorithm: both signing and verification (HMAC for `HS*`). A key management
    /// `alg`: for `RSA-OAEP*` and `RSA1_5` the RSA encryption part (for `RSA1_5` decryption
    /// only); for `A*KW` AES key wrap with that key size; for `dir` nothing (the `enc` does the
    /// work); for `ECDH-ES` key agreement on some curve, and for `ECDH-ES+A*KW` also the key
    /// wrap; for `A*GCMKW` AES-GCM with that key size; for `PBES2-HS*+A*KW` PBKDF2 with that
    /// hash and the key wrap. A content encryption `enc`: for `A*CBC-HS*` AES-CBC with the
    /// encryption half of the key and HMAC with the hash (RFC 7518 §5.2); for `A*GCM` AES-GCM.
    /// Whether a given key works also depends on its curve ([`KeyAgreement::supports`]).
    pub fn supports(&self, alg: impl Into<Algorithm>) -> bool {
        match alg.into() {
            Algorithm::Jws(alg) if alg.family() == AlgorithmFamily::Hmac => {
                self.hmac.supports(alg.digest())
            }
            Algorithm::Jws(alg) => self.verification.supports(alg) && self.signing.supports(alg),
            Algorithm::KeyManagement(alg) => self.supports_key_management(alg),
            Algorithm::ContentEncryption(enc) => self.supports_content_encryption(enc),
        }
    }

    fn supports_key_management(&self, alg: KeyManagementAlgorithm) -> bool {
        use KeyManagementAlgorithm as K;
        const CURVES: [AgreementCurve; 5] = [
            AgreementCurve::P256,
            AgreementCurve::P384,
            AgreementCurve::P521,
            AgreementCurve::X25519,
            AgreementCurve::X448,
        ];
        let agreement = || CURVES.iter().any(|&c| self.key_agreement.supports(c));
        match alg {
            K::Rsa1_5 | K::RsaOaep | K::RsaOaep256 | K::RsaOaep384 | K::RsaOaep512 => {
                self.rsa_encryption.supports(alg)
            }
            K::A128Kw => self.aes_key_wrap.supports(16),
            K::A192Kw => self.aes_key_wrap.supports(24),
            K::A256Kw => self.aes_key_wrap.supports(32),
            K::Dir => true,
            K::EcdhEs => agreement(),
            K::EcdhEsA128Kw => agreement() && self.aes_key_wrap.supports(16),
            K::EcdhEsA192Kw => agreement() && self.aes_key_wrap.supports(24),
            K::EcdhEsA256Kw => agreement() && self.aes_key_wrap.supports(32),
            K::A128GcmKw => self.aes_gcm.supports(16),
            K::A192GcmKw => self.aes_gcm.supports(24),
            K::A256GcmKw => self.aes_gcm.supports(32),
            K::Pbes2Hs256A128Kw => {
                self.pbkdf2.supports(DigestAlgorithm::Sha256) && self.aes_key_wrap.supports(16)
            }
            K::Pbes2Hs384A192Kw => {
                self.pbkdf2.supports(DigestAlgorithm::Sha384) && self.aes_key_wrap.supports(24)
            }
            K::Pbes2Hs512A256Kw => {
                self.pbkdf2.supports(DigestAlgorithm::Sha512) && self.aes_key_wrap.supports(32)
            }
        }
    }

    fn supports_content_encryption(&self, enc: ContentEncryptionAlgorithm) -> bool {
        use ContentEncryptionAlgorithm as E;
        match enc {
            // RFC 7518 §5.2.2.1: the second half of the key is the AES key.
            E::A128CbcHs256 => {
                self.aes_cbc.supports(16) && self.hmac.supports(DigestAlgorithm::Sha256)
            }
            E::A192CbcHs384 => {
                self.aes_cbc.supports(24) && self.hmac.supports(DigestAlgorithm::Sha384)
            }
            E::A256CbcHs512 => {
                self.aes_cbc.supports(32) && self.hmac.supports(DigestAlgorithm::Sha512)
            }
            E::A128Gcm | E::A192Gcm | E::A256Gcm => self.aes_gcm.supports(enc.key_len()),
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

    /// Prepares an RSASSA-PKCS1-v1_5 with SHA-1 verification key, for OAuth 1.0a's `RSA-SHA1`
    /// (RFC 5849 §3.4.3); JWS has no such algorithm. The key must have at least
    /// `options.min_rsa_bits` bits (1024 at the lowest).
    pub fn rsa_sha1_verifier_for_legacy_use_only(
        &self,
        key: &RsaParams,
        options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        check_rsa_bits(key, options.min_rsa_bits.max(1024))?;
        self.verification.rsa_sha1_verifier_for_legacy_use_only(key)
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

    /// Generates key material of `spec` (see [`KeyGeneration::generate_spec`]); a spec the
    /// key generation part lacks is [`Error::UnsupportedAlgorithm`].
    pub fn generate_key_spec(&self, spec: KeySpec, rng: &dyn SecureRandom) -> Result<KeyMaterial> {
        if !self.key_generation.supports_spec(spec) {
            return Err(Error::UnsupportedAlgorithm(format!(
                "{spec} key generation is not available with the {} provider",
                self.name
            )));
        }
        self.key_generation.generate_spec(spec, rng)
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
    use super::{AesGcm, CryptoProvider, FirstSupporting, KeyGeneration};
    use super::{aws_lc, ring};

    // Key generation: ring where it can (it was the default before, and generation is not on
    // any hot path), aws-lc-rs for what ring lacks (RSA, P-521, secp256k1, X25519).
    static KEY_GENERATION: FirstSupporting<dyn KeyGeneration> =
        FirstSupporting::new(ring::KEY_GENERATION, aws_lc::KEY_GENERATION);

    // AES-GCM and PBKDF2, which both backends have (benches/benches/jwe_primitives.rs,
    // "Provider choice" in benches/README.md): ring opened and sealed 1 KiB with AES-GCM
    // 1.3-1.5x faster (128- and 256-bit keys), so AES-GCM comes from ring, and from aws-lc-rs
    // for the 192-bit keys ring lacks. aws-lc-rs derived PBKDF2-HMAC-SHA-256 1.5-1.8x faster
    // and tied on SHA-512, so PBKDF2 comes from aws-lc-rs.
    static AES_GCM: FirstSupporting<dyn AesGcm> =
        FirstSupporting::new(ring::AES_GCM, aws_lc::AES_GCM);

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
        .with_key_generation(&KEY_GENERATION)
        .with_aes_gcm(&AES_GCM)
        .with_pbkdf2(aws_lc::PBKDF2)
        // The JWE primitives only aws-lc-rs has.
        .with_aes_key_wrap(aws_lc::AES_KEY_WRAP)
        .with_aes_cbc(aws_lc::AES_CBC)
        .with_rsa_encryption(aws_lc::RSA_ENCRYPTION)
        .with_key_agreement(aws_lc::KEY_AGREEMENT);
}

/// The default provider.
///
/// With both backends compiled in, it takes each algorithm from the faster one (measured,
/// see `benches/README.md`): aws-lc-rs for every public-key algorithm (RS*, PS*, ES256,
/// ES384, ES512, ES256K, EdDSA), ring for HMAC and digests, key generation from ring where
/// ring has it. For JWE, measured the same way (`benches/benches/jwe_primitives.rs`): AES-GCM
/// from ring (192-bit keys, which ring lacks, from aws-lc-rs), PBKDF2 from aws-lc-rs, and
/// every other primitive (AES key wrap, AES-CBC, RSA encryption, key agreement) from
/// aws-lc-rs, the only backend with them. With one backend, that backend. Without either
/// feature this function
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
