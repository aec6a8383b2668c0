//! The JWE primitive parts (RFC 7516, RFC 7518 §4, §5): AES-GCM, AES key wrap, AES-CBC, RSA
//! key encryption, elliptic-curve key agreement and PBKDF2.
//!
//! Each is one field of [`CryptoProvider`](super::CryptoProvider), swapped with its own
//! `with_*` method like the signature parts. A part does the raw primitive only; the JWE layer
//! (`crate::jwe`) composes them (AES-CBC with HMAC, the Concat KDF, PBES2 salts, the RSA1_5
//! countermeasure) and applies the length and size rules once, before any part is called.
//!
//! Every decryption failure a part reports is [`Error::Decryption`], without detail, so that
//! no caller can tell a padding failure from a tag failure from an unwrap failure.

use core::fmt;

use super::{KeyMaterial, RsaParams, Unsupported, part_missing};
use crate::alg::{DigestAlgorithm, EcCurve, KeyManagementAlgorithm, OkpCurve};
use crate::error::{Error, Result};
use crate::rand::SecureRandom;
use crate::secret::SecretBytes;

/// Length of an AES-GCM initialization vector in JOSE (RFC 7518 §4.7.1.1, §5.3): 96 bits.
pub const GCM_IV_LEN: usize = 12;
/// Length of an AES-GCM authentication tag in JOSE (RFC 7518 §4.7.1.2, §5.3): 128 bits.
pub const GCM_TAG_LEN: usize = 16;
/// Length of an AES-CBC initialization vector (RFC 7518 §5.2.2.1): one block, 128 bits.
pub const CBC_IV_LEN: usize = 16;

/// AES-GCM with a 96-bit IV and a 128-bit tag: content encryption `A128GCM`, `A192GCM`,
/// `A256GCM` (RFC 7518 §5.3) and key wrapping `A*GCMKW` (§4.7).
pub trait AesGcm: Send + Sync + fmt::Debug {
    /// Whether this part has AES-GCM with a key of `key_len` bytes (16, 24 or 32).
    fn supports(&self, key_len: usize) -> bool;

    /// Encrypts `plaintext` under `key` and `iv` with additional authenticated data `aad`;
    /// returns the ciphertext (as long as the plaintext) and the tag.
    fn seal(
        &self,
        key: &[u8],
        iv: &[u8; GCM_IV_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, [u8; GCM_TAG_LEN])>;

    /// Checks `tag` and decrypts. Any failure is [`Error::Decryption`].
    fn open(
        &self,
        key: &[u8],
        iv: &[u8; GCM_IV_LEN],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8; GCM_TAG_LEN],
    ) -> Result<Vec<u8>>;
}

/// AES Key Wrap (RFC 3394, default IV): `A128KW`, `A192KW`, `A256KW` (RFC 7518 §4.4), also
/// after ECDH-ES (§4.6) and PBES2 (§4.8).
pub trait AesKeyWrap: Send + Sync + fmt::Debug {
    /// Whether this part wraps with a key-encryption key of `kek_len` bytes (16, 24 or 32).
    fn supports(&self, kek_len: usize) -> bool;

    /// Wraps `key` (a multiple of 8 bytes, at least 16) under `kek`; the result is 8 bytes
    /// longer.
    fn wrap(&self, kek: &[u8], key: &[u8]) -> Result<Vec<u8>>;

    /// Unwraps and checks the integrity value. Any failure is [`Error::Decryption`].
    fn unwrap(&self, kek: &[u8], wrapped: &[u8]) -> Result<SecretBytes>;
}

/// AES in CBC mode with PKCS #7 padding, the encryption half of `A*CBC-HS*`
/// (RFC 7518 §5.2). The JWE layer adds and checks the HMAC (with the provider's
/// [`Hmac`](super::Hmac) part) and never calls [`AesCbc::decrypt`] before the tag verified.
pub trait AesCbc: Send + Sync + fmt::Debug {
    /// Whether this part has AES-CBC with a key of `key_len` bytes (16, 24 or 32).
    fn supports(&self, key_len: usize) -> bool;

    /// Pads `plaintext` (PKCS #7) and encrypts it.
    fn encrypt(&self, key: &[u8], iv: &[u8; CBC_IV_LEN], plaintext: &[u8]) -> Result<Vec<u8>>;

    /// Decrypts and removes the padding. Any failure is [`Error::Decryption`].
    fn decrypt(&self, key: &[u8], iv: &[u8; CBC_IV_LEN], ciphertext: &[u8]) -> Result<Vec<u8>>;
}

/// A prepared RSA public key that encrypts content encryption keys.
pub trait KeyEncryptor: Send + Sync {
    /// Encrypts `cek`. The padding's randomness comes from the backend's own generator (the
    /// backends accept no outside source; see [`SecureRandom`]).
    fn encrypt(&self, cek: &[u8]) -> Result<Vec<u8>>;
}

/// A prepared RSA private key that decrypts content encryption keys.
pub trait KeyDecryptor: Send + Sync {
    /// Decrypts `encrypted_key`. Any failure is [`Error::Decryption`]; for `RSA1_5` the JWE
    /// layer then continues with a random key (RFC 7516 §11.5).
    fn decrypt(&self, encrypted_key: &[u8]) -> Result<SecretBytes>;
}

/// RSA key encryption: `RSA-OAEP`, `RSA-OAEP-256`, `RSA-OAEP-384`, `RSA-OAEP-512`
/// (RFC 7518 §4.3 and the IANA registry) and `RSA1_5` (§4.2, decryption only).
pub trait RsaEncryption: Send + Sync + fmt::Debug {
    /// Whether this part encrypts and decrypts with `alg` (for `RSA1_5`: decrypts).
    fn supports(&self, alg: KeyManagementAlgorithm) -> bool;

    /// Prepares a public key (`key` may also hold the private half; only the public part is
    /// used). The provider has already checked the key size.
    fn encryptor(
        &self,
        alg: KeyManagementAlgorithm,
        key: &RsaParams,
    ) -> Result<Box<dyn KeyEncryptor>>;

    /// Prepares a private key. The provider has already checked the key size and that the
    /// private half is present.
    fn decryptor(
        &self,
        alg: KeyManagementAlgorithm,
        key: &RsaParams,
    ) -> Result<Box<dyn KeyDecryptor>>;
}

/// A curve usable for ECDH-ES (RFC 7518 §4.6, RFC 8037 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AgreementCurve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
    /// X25519 (RFC 7748).
    X25519,
    /// X448 (RFC 7748).
    X448,
}

impl AgreementCurve {
    /// The curve of `key`, if it is an ECDH-ES key (EC on P-256/384/521, OKP X25519/X448).
    pub fn of(key: &KeyMaterial) -> Option<AgreementCurve> {
        match key {
            KeyMaterial::Ec(p) => match p.crv {
                EcCurve::P256 => Some(AgreementCurve::P256),
                EcCurve::P384 => Some(AgreementCurve::P384),
                EcCurve::P521 => Some(AgreementCurve::P521),
                _ => None,
            },
            KeyMaterial::Okp(p) => match p.crv {
                OkpCurve::X25519 => Some(AgreementCurve::X25519),
                OkpCurve::X448 => Some(AgreementCurve::X448),
                _ => None,
            },
            _ => None,
        }
    }

    /// The JWK `crv` name.
    pub const fn name(self) -> &'static str {
        match self {
            AgreementCurve::P256 => "P-256",
            AgreementCurve::P384 => "P-384",
            AgreementCurve::P521 => "P-521",
            AgreementCurve::X25519 => "X25519",
            AgreementCurve::X448 => "X448",
        }
    }
}

impl fmt::Display for AgreementCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Elliptic-curve Diffie-Hellman: the shared secret `Z` of ECDH-ES (RFC 7518 §4.6).
pub trait KeyAgreement: Send + Sync + fmt::Debug {
    /// Whether this part agrees keys on `curve`.
    fn supports(&self, curve: AgreementCurve) -> bool;

    /// The shared secret between the private key `private` and the public key `peer`, both on
    /// the same curve (the provider has checked that). The part validates `peer` (a point on
    /// the curve, not the identity); an invalid peer key is [`Error::InvalidKey`]. The
    /// all-zero X25519/X448 result (RFC 7748 §6.1) is rejected by the JWE layer.
    fn agree(&self, private: &KeyMaterial, peer: &KeyMaterial) -> Result<SecretBytes>;

    /// A new ephemeral key pair on `curve`, its private scalar drawn from `rng`, so that a
    /// deterministic source reproduces a fixed ephemeral key (the RFC examples).
    fn ephemeral(&self, curve: AgreementCurve, rng: &dyn SecureRandom) -> Result<KeyMaterial>;
}

/// PBKDF2 with HMAC (RFC 8018 §5.2), the key derivation of PBES2 (RFC 7518 §4.8).
pub trait Pbkdf2: Send + Sync + fmt::Debug {
    /// Whether this part derives with HMAC over `hash` (SHA-256, SHA-384, SHA-512).
    fn supports(&self, hash: DigestAlgorithm) -> bool;

    /// Fills `out` with the key derived from `password` and `salt` in `iterations` rounds.
    /// The JWE layer bounds `iterations` before calling.
    fn derive(
        &self,
        hash: DigestAlgorithm,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        out: &mut [u8],
    ) -> Result<()>;
}

/// Drawing ephemeral private scalars from the caller's generator; only the aws-lc-rs backend
/// builds agreement keys from scalar bytes (ring's agreement keys come from its own generator).
#[cfg(feature = "aws-lc-rs")]
mod scalar {
    use super::*;

    /// The order `n` of the base point of each NIST curve (FIPS 186-5 / SP 800-186 §3.2.1),
    /// big-endian, as long as the curve's private scalar.
    const P256_ORDER: [u8; 32] =
        hex32(b"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    const P384_ORDER: [u8; 48] = hex48(
        b"ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    );
    const P521_ORDER: [u8; 66] = hex66(
        b"01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
    );

    const fn hex_digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }

    macro_rules! const_hex {
        ($name:ident, $n:literal) => {
            const fn $name(s: &[u8]) -> [u8; $n] {
                assert!(s.len() == 2 * $n, "wrong hex length");
                let mut out = [0u8; $n];
                let mut i = 0;
                while i < $n {
                    out[i] = hex_digit(s[2 * i]) << 4 | hex_digit(s[2 * i + 1]);
                    i += 1;
                }
                out
            }
        };
    }
    const_hex!(hex32, 32);
    const_hex!(hex48, 48);
    const_hex!(hex66, 66);

    /// How often [`draw_private_scalar`] draws before giving up. A uniform draw is out of range
    /// with probability below 2^-32 on every curve here, so reaching the bound means the random
    /// source is broken (for example, stuck at all ones), not bad luck.
    const MAX_SCALAR_DRAWS: usize = 64;

    /// A private key for `curve` drawn from `rng`: for X25519 32 random bytes (the clamping of
    /// RFC 7748 §5 happens in the scalar multiplication); for the NIST curves a scalar in
    /// `[1, n-1]` by rejection sampling (FIPS 186-5 §A.4.2), the bits above the order's length
    /// masked first (P-521's scalar is 66 bytes for 521 bits).
    pub(crate) fn draw_private_scalar(
        curve: AgreementCurve,
        rng: &dyn SecureRandom,
    ) -> Result<SecretBytes> {
        let order: &[u8] = match curve {
            AgreementCurve::P256 => &P256_ORDER,
            AgreementCurve::P384 => &P384_ORDER,
            AgreementCurve::P521 => &P521_ORDER,
            // RFC 7748 §5: any string of 32 (X25519) or 56 (X448) bytes is a private key.
            AgreementCurve::X25519 | AgreementCurve::X448 => {
                let len = if curve == AgreementCurve::X25519 {
                    32
                } else {
                    56
                };
                let mut buf = vec![0u8; len];
                let filled = rng.fill(&mut buf);
                let d = SecretBytes::new(buf);
                filled?;
                return Ok(d);
            }
        };
        let top_mask = 0xffu8 >> order[0].leading_zeros();
        for _ in 0..MAX_SCALAR_DRAWS {
            let mut buf = vec![0u8; order.len()];
            rng.fill(&mut buf)?;
            buf[0] &= top_mask;
            let d = SecretBytes::new(buf);
            if scalar_in_range(d.expose(), order) {
                return Ok(d);
            }
        }
        Err(Error::Crypto)
    }

    /// Whether the big-endian `d` (as long as `order`) is in `[1, order - 1]`.
    fn scalar_in_range(d: &[u8], order: &[u8]) -> bool {
        d.iter().any(|&b| b != 0) && d < order
    }
}
#[cfg(feature = "aws-lc-rs")]
pub(crate) use scalar::draw_private_scalar;

impl AesGcm for Unsupported {
    fn supports(&self, _: usize) -> bool {
        false
    }
    fn seal(
        &self,
        key: &[u8],
        _: &[u8; GCM_IV_LEN],
        _: &[u8],
        _: &[u8],
    ) -> Result<(Vec<u8>, [u8; GCM_TAG_LEN])> {
        Err(part_missing(
            "AES-GCM",
            format_args!("{}-bit key", key.len() * 8),
        ))
    }
    fn open(
        &self,
        key: &[u8],
        _: &[u8; GCM_IV_LEN],
        _: &[u8],
        _: &[u8],
        _: &[u8; GCM_TAG_LEN],
    ) -> Result<Vec<u8>> {
        Err(part_missing(
            "AES-GCM",
            format_args!("{}-bit key", key.len() * 8),
        ))
    }
}

impl AesKeyWrap for Unsupported {
    fn supports(&self, _: usize) -> bool {
        false
    }
    fn wrap(&self, kek: &[u8], _: &[u8]) -> Result<Vec<u8>> {
        Err(part_missing(
            "AES key wrap",
            format_args!("{}-bit key", kek.len() * 8),
        ))
    }
    fn unwrap(&self, kek: &[u8], _: &[u8]) -> Result<SecretBytes> {
        Err(part_missing(
            "AES key wrap",
            format_args!("{}-bit key", kek.len() * 8),
        ))
    }
}

impl AesCbc for Unsupported {
    fn supports(&self, _: usize) -> bool {
        false
    }
    fn encrypt(&self, key: &[u8], _: &[u8; CBC_IV_LEN], _: &[u8]) -> Result<Vec<u8>> {
        Err(part_missing(
            "AES-CBC",
            format_args!("{}-bit key", key.len() * 8),
        ))
    }
    fn decrypt(&self, key: &[u8], _: &[u8; CBC_IV_LEN], _: &[u8]) -> Result<Vec<u8>> {
        Err(part_missing(
            "AES-CBC",
            format_args!("{}-bit key", key.len() * 8),
        ))
    }
}

impl RsaEncryption for Unsupported {
    fn supports(&self, _: KeyManagementAlgorithm) -> bool {
        false
    }
    fn encryptor(
        &self,
        alg: KeyManagementAlgorithm,
        _: &RsaParams,
    ) -> Result<Box<dyn KeyEncryptor>> {
        Err(part_missing("RSA encryption", alg.name()))
    }
    fn decryptor(
        &self,
        alg: KeyManagementAlgorithm,
        _: &RsaParams,
    ) -> Result<Box<dyn KeyDecryptor>> {
        Err(part_missing("RSA encryption", alg.name()))
    }
}

impl KeyAgreement for Unsupported {
    fn supports(&self, _: AgreementCurve) -> bool {
        false
    }
    fn agree(&self, private: &KeyMaterial, _: &KeyMaterial) -> Result<SecretBytes> {
        Err(match AgreementCurve::of(private) {
            Some(c) => part_missing("key agreement", c),
            None => Error::InvalidKey(format!("{} is not a key agreement key", private.describe())),
        })
    }
    fn ephemeral(&self, curve: AgreementCurve, _: &dyn SecureRandom) -> Result<KeyMaterial> {
        Err(part_missing("key agreement", curve))
    }
}

impl Pbkdf2 for Unsupported {
    fn supports(&self, _: DigestAlgorithm) -> bool {
        false
    }
    fn derive(
        &self,
        hash: DigestAlgorithm,
        _: &[u8],
        _: &[u8],
        _: u32,
        _: &mut [u8],
    ) -> Result<()> {
        Err(part_missing("PBKDF2", hash.name()))
    }
}
