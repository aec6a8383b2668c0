//! Crypto providers: the only place where cryptographic primitives are called.
//!
//! A [`CryptoProvider`] turns JWK key material into prepared signing and verification
//! primitives, computes digests, and generates keys. Two implementations ship:
//! [`ring`](crate::crypto::ring::PROVIDER) (feature `ring`, the default) and
//! [`aws-lc-rs`](crate::crypto::aws_lc::PROVIDER) (feature `aws-lc-rs`; adds ES512, ES256K and
//! RSA key generation). An algorithm a provider lacks is an
//! [`Error::UnsupportedAlgorithm`] when the key is built,
//! never a panic on first use.
//!
//! The trait is deliberately object-safe and grows by default methods, so later parts of JOSE
//! (content encryption, key agreement, key wrapping, RSA-OAEP) can be added without breaking
//! third-party providers.

use core::fmt;

use crate::alg::{DigestAlgorithm, JwsAlgorithm};
use crate::error::{Error, Result};
use crate::jwk::KeyParams;
use crate::rand::SecureRandom;

#[cfg(feature = "aws-lc-rs")]
pub mod aws_lc;
#[cfg(feature = "ring")]
pub mod ring;

#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
mod common;

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

/// A cryptographic backend.
pub trait CryptoProvider: Send + Sync + fmt::Debug {
    /// A short name (`ring`, `aws-lc-rs`).
    fn name(&self) -> &'static str;

    /// Whether this provider implements `alg` for signing and verification.
    fn supports(&self, alg: JwsAlgorithm) -> bool;

    /// Computes a digest.
    fn digest(&self, alg: DigestAlgorithm, data: &[u8]) -> Vec<u8>;

    /// Prepares a verification key for `alg` from `key` (public or private material; only the
    /// public part is used). The caller has already checked that the key type fits `alg`.
    fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyParams,
        options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>>;

    /// Prepares a signing key for `alg` from private (or symmetric) key material.
    fn signer(&self, alg: JwsAlgorithm, key: &KeyParams) -> Result<Box<dyn SignaturePrimitive>>;

    /// Generates key material for `alg`. Symmetric and Ed25519 keys are drawn from `rng`;
    /// EC and RSA key pairs from the provider's own generator (see [`SecureRandom`]).
    fn generate_key(&self, alg: JwsAlgorithm, rng: &dyn SecureRandom) -> Result<KeyParams>;

    /// The operating system's secure random generator, as this provider accesses it. For
    /// adapters and applications, which own randomness; the protocol core never calls it.
    fn system_random(&self) -> &'static dyn SecureRandom;
}

/// The default provider: ring when the `ring` feature is on, otherwise aws-lc-rs.
///
/// Without either feature this function does not exist, so a missing provider is a compile
/// error rather than a runtime surprise.
#[cfg(feature = "ring")]
pub fn default_provider() -> &'static dyn CryptoProvider {
    &ring::PROVIDER
}

/// The default provider: ring when the `ring` feature is on, otherwise aws-lc-rs.
#[cfg(all(not(feature = "ring"), feature = "aws-lc-rs"))]
pub fn default_provider() -> &'static dyn CryptoProvider {
    &aws_lc::PROVIDER
}

/// Every provider compiled into this build, the default first.
pub fn providers() -> Vec<&'static dyn CryptoProvider> {
    let all: [Option<&'static dyn CryptoProvider>; 2] = [
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

/// Looks a compiled-in provider up by [`CryptoProvider::name`].
pub fn provider_by_name(name: &str) -> Result<&'static dyn CryptoProvider> {
    providers()
        .into_iter()
        .find(|p| p.name() == name)
        .ok_or_else(|| {
            Error::UnsupportedAlgorithm(format!("crypto provider `{name}` is not compiled in"))
        })
}
