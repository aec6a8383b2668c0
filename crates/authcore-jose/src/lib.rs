//! # authcore-jose
//!
//! JOSE for Rust as a pure protocol core: JSON Web Signature (RFC 7515, RFC 7797), JSON Web
//! Encryption (RFC 7516, [`jwe`]), JSON Web Key (RFC 7517, RFC 7638, RFC 8037), JSON Web Algorithms (RFC 7518, RFC 8812, RFC 9864) and
//! JSON Web Token (RFC 7519, RFC 8725).
//!
//! It does no I/O, reads no clock and draws no randomness of its own: time (`now`) and
//! randomness ([`SecureRandom`]) are arguments, keys come from the caller. Cryptography goes
//! through a [`crypto::CryptoProvider`], a set of parts taken from ring (default feature `ring`)
//! and/or aws-lc-rs (feature `aws-lc-rs`); with both, the default provider uses the faster
//! backend for each algorithm.
//!
//! ```text
//!  your JWKS / key file ──► Jwk ──► VerifyingKey (one algorithm each) ──┐
//!                                                                       ▼
//!  token bytes ──► jwt::verify(token, keys, &Validation, now) ──► VerifiedJwt | Error
//! ```
//!
//! ## Security defaults
//!
//! - The key decides the algorithm: every [`VerifyingKey`] is bound to one algorithm when it
//!   is built, and a header naming any other algorithm is rejected. `none` is not an algorithm
//!   of the verifying API at all ([`unsecured`] is separate).
//! - Keys in `jwk`, `jku`, `x5u` and `x5c` headers are never used to verify.
//! - `crit` is enforced; `b64: false` only through the detached API.
//! - Base64url is strict; duplicate JSON member names are rejected; sizes and nesting are
//!   bounded; five-part (JWE) input is rejected by the JWS API.
//! - ECDSA signatures only in fixed `r || s` form; RSA keys below 2048 bits are rejected.
//! - A claim of the wrong JSON type is a rejection, never "absent".
//! - JWE ([`jwe`]): the key decides `alg` and `enc`; one opaque [`Error::Decryption`] for
//!   every decryption failure; RSA1_5 only behind a legacy opt-in; PBES2, ECDH-ES and `zip`
//!   inputs bounded before any work; a JWS given to the JWE API is refused, and the reverse.
//!
//! ## Example
//!
//! ```
//! use authcore_jose::{crypto, jwt, Jwk, JwsAlgorithm, JwsHeader, SigningKey, UnixTime, VerifyingKey};
//! # let rng = authcore_jose::InsecureTestRandom::new(1);
//! let provider = crypto::default_provider();
//! // A new Ed25519 key (the randomness is the caller's).
//! let private = Jwk::generate(JwsAlgorithm::EdDSA, provider, &rng)?;
//! let signer = SigningKey::from_jwk(&private, None, provider)?;
//! let token = jwt::encode(
//!     &JwsHeader::new(JwsAlgorithm::EdDSA).with_typ("JWT"),
//!     &serde_json::json!({"iss": "me", "exp": 1_000_000}),
//!     &signer,
//! )?;
//!
//! // The verifier knows only the public key; the algorithm comes from it.
//! let public = private.to_public()?;
//! let key = VerifyingKey::from_jwk(&public, None, provider)?;
//! let v = jwt::Validation::new().issuer("me").typ("JWT");
//! // `now` is a fixed test value here; an application passes the clock it reads,
//! // `UnixTime::try_from(std::time::SystemTime::now())`.
//! let ok = jwt::verify(&token, &key, &v, UnixTime::from_secs(999_999))?;
//! assert_eq!(ok.claims.registered.iss.as_deref(), Some("me"));
//! # Ok::<(), authcore_jose::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(html_root_url = "https://docs.rs/authcore-jose/latest")]

mod alg;
pub mod b64;
pub mod crypto;
mod der;
mod error;
pub mod json;
pub mod jwe;
mod jwk;
pub mod jws;
pub mod jwt;
mod keys;
mod pem;
mod rand;
mod secret;
mod time;
pub mod unsecured;

pub use alg::{
    Algorithm, AlgorithmFamily, ContentEncryptionAlgorithm, DigestAlgorithm, EcCurve, JwsAlgorithm,
    KeyManagementAlgorithm, OkpCurve,
};
pub use crypto::{EcParams, KeyType, OctParams, OkpParams, RsaParams, RsaPrivateParams};
pub use error::{Error, Result, SkippedKey, ValidationError};
pub use jwe::{
    DecryptedJwe, DecryptionKey, DecryptionKeySource, DecryptionKeys, EncryptionKey, JweBuilder,
    JweHeader, JweOptions,
};
pub use jwk::{Jwk, JwkSet, KeyOperation, KeyParams, MAX_JWK_SET_BYTES, MAX_JWK_SET_KEYS};
pub use jws::{JwsHeader, JwsOptions, VerifiedJws};
pub use keys::{JwsSigner, KeySource, MAX_KEY_CANDIDATES, SigningKey, VerifyingKey, VerifyingKeys};
pub use rand::{InsecureTestRandom, SecureRandom, random_array};
pub use secret::{SecretBytes, constant_time_eq};
pub use time::{TimeConversionError, UnixTime};

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
compile_error!("authcore-jose needs a crypto provider: enable the `ring` or `aws-lc-rs` feature");
