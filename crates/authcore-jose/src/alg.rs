//! JWA identifiers (RFC 7518, RFC 8037, RFC 8812, RFC 9864).

use core::fmt;
use core::str::FromStr;

use crate::error::Error;

/// A JWS signature or MAC algorithm (RFC 7518 §3, RFC 8037 §3.1, RFC 8812 §3.2, RFC 9864).
///
/// `none` is deliberately absent: unsecured JWS lives in [`crate::unsecured`] and no verifying
/// API accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256 and MGF1 with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384 and MGF1 with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512 and MGF1 with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512.
    ES512,
    /// ECDSA on secp256k1 with SHA-256 (RFC 8812).
    ES256K,
    /// EdDSA, polymorphic (RFC 8037); this crate implements its Ed25519 instance.
    EdDSA,
    /// Ed25519, fully specified (RFC 9864).
    Ed25519,
}

impl JwsAlgorithm {
    /// Every algorithm, in a fixed order.
    pub const ALL: [JwsAlgorithm; 15] = [
        JwsAlgorithm::HS256,
        JwsAlgorithm::HS384,
        JwsAlgorithm::HS512,
        JwsAlgorithm::RS256,
        JwsAlgorithm::RS384,
        JwsAlgorithm::RS512,
        JwsAlgorithm::PS256,
        JwsAlgorithm::PS384,
        JwsAlgorithm::PS512,
        JwsAlgorithm::ES256,
        JwsAlgorithm::ES384,
        JwsAlgorithm::ES512,
        JwsAlgorithm::ES256K,
        JwsAlgorithm::EdDSA,
        JwsAlgorithm::Ed25519,
    ];

    /// The registered `alg` name.
    pub const fn name(self) -> &'static str {
        match self {
            JwsAlgorithm::HS256 => "HS256",
            JwsAlgorithm::HS384 => "HS384",
            JwsAlgorithm::HS512 => "HS512",
            JwsAlgorithm::RS256 => "RS256",
            JwsAlgorithm::RS384 => "RS384",
            JwsAlgorithm::RS512 => "RS512",
            JwsAlgorithm::PS256 => "PS256",
            JwsAlgorithm::PS384 => "PS384",
            JwsAlgorithm::PS512 => "PS512",
            JwsAlgorithm::ES256 => "ES256",
            JwsAlgorithm::ES384 => "ES384",
            JwsAlgorithm::ES512 => "ES512",
            JwsAlgorithm::ES256K => "ES256K",
            JwsAlgorithm::EdDSA => "EdDSA",
            JwsAlgorithm::Ed25519 => "Ed25519",
        }
    }

    /// The family of key this algorithm needs.
    pub const fn family(self) -> AlgorithmFamily {
        use JwsAlgorithm::*;
        match self {
            HS256 | HS384 | HS512 => AlgorithmFamily::Hmac,
            RS256 | RS384 | RS512 => AlgorithmFamily::RsaPkcs1,
            PS256 | PS384 | PS512 => AlgorithmFamily::RsaPss,
            ES256 | ES384 | ES512 | ES256K => AlgorithmFamily::Ecdsa,
            EdDSA | Ed25519 => AlgorithmFamily::EdDsa,
        }
    }

    /// The hash the algorithm uses; OIDC's `at_hash`/`c_hash` use it too. EdDSA's is SHA-512
    /// (OpenID Connect Core errata for Ed25519).
    pub const fn digest(self) -> DigestAlgorithm {
        use JwsAlgorithm::*;
        match self {
            HS256 | RS256 | PS256 | ES256 | ES256K => DigestAlgorithm::Sha256,
            HS384 | RS384 | PS384 | ES384 => DigestAlgorithm::Sha384,
            HS512 | RS512 | PS512 | ES512 | EdDSA | Ed25519 => DigestAlgorithm::Sha512,
        }
    }

    /// For ECDSA, the curve the algorithm is bound to.
    pub const fn ec_curve(self) -> Option<EcCurve> {
        match self {
            JwsAlgorithm::ES256 => Some(EcCurve::P256),
            JwsAlgorithm::ES384 => Some(EcCurve::P384),
            JwsAlgorithm::ES512 => Some(EcCurve::P521),
            JwsAlgorithm::ES256K => Some(EcCurve::Secp256k1),
            _ => None,
        }
    }

    /// Length of a signature in bytes where it is fixed (ECDSA `r || s`, EdDSA, HMAC).
    pub const fn fixed_signature_len(self) -> Option<usize> {
        match self.family() {
            AlgorithmFamily::Hmac => Some(self.digest().output_len()),
            AlgorithmFamily::Ecdsa => match self.ec_curve() {
                Some(c) => Some(2 * c.coordinate_len()),
                None => None,
            },
            AlgorithmFamily::EdDsa => Some(64),
            AlgorithmFamily::RsaPkcs1 | AlgorithmFamily::RsaPss => None,
        }
    }
}

impl fmt::Display for JwsAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for JwsAlgorithm {
    type Err = Error;
    /// Parses a registered name, case-sensitively (RFC 7515 §4.1.1). `none` is rejected.
    fn from_str(s: &str) -> Result<Self, Error> {
        JwsAlgorithm::ALL
            .iter()
            .copied()
            .find(|a| a.name() == s)
            .ok_or_else(|| Error::UnsupportedAlgorithm(s.to_owned()))
    }
}

/// A JWE key management algorithm: the header `alg` of a JWE (RFC 7518 §4.1).
///
/// Named here so that JWKs, keys and providers share one algorithm space with JWS; no provider
/// implements these yet, so a key whose algorithm is one of them cannot sign or verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum KeyManagementAlgorithm {
    /// RSAES-PKCS1-v1_5 (RFC 7518 §4.2).
    Rsa1_5,
    /// RSAES OAEP with SHA-1 and MGF1 with SHA-1 (RFC 7518 §4.3).
    RsaOaep,
    /// RSAES OAEP with SHA-256 and MGF1 with SHA-256 (RFC 7518 §4.3).
    RsaOaep256,
    /// RSAES OAEP with SHA-384 and MGF1 with SHA-384 (registered in the IANA JOSE registry).
    RsaOaep384,
    /// RSAES OAEP with SHA-512 and MGF1 with SHA-512 (registered in the IANA JOSE registry).
    RsaOaep512,
    /// AES Key Wrap with a 128-bit key (RFC 7518 §4.4).
    A128Kw,
    /// AES Key Wrap with a 192-bit key (RFC 7518 §4.4).
    A192Kw,
    /// AES Key Wrap with a 256-bit key (RFC 7518 §4.4).
    A256Kw,
    /// Direct use of a shared symmetric key as the CEK (RFC 7518 §4.5).
    Dir,
    /// ECDH-ES, the agreed key used directly as the CEK (RFC 7518 §4.6).
    EcdhEs,
    /// ECDH-ES with the agreed key wrapping the CEK with A128KW (RFC 7518 §4.6).
    EcdhEsA128Kw,
    /// ECDH-ES with the agreed key wrapping the CEK with A192KW (RFC 7518 §4.6).
    EcdhEsA192Kw,
    /// ECDH-ES with the agreed key wrapping the CEK with A256KW (RFC 7518 §4.6).
    EcdhEsA256Kw,
    /// AES-GCM key wrap with a 128-bit key (RFC 7518 §4.7).
    A128GcmKw,
    /// AES-GCM key wrap with a 192-bit key (RFC 7518 §4.7).
    A192GcmKw,
    /// AES-GCM key wrap with a 256-bit key (RFC 7518 §4.7).
    A256GcmKw,
    /// PBES2 with HMAC SHA-256 and A128KW (RFC 7518 §4.8).
    Pbes2Hs256A128Kw,
    /// PBES2 with HMAC SHA-384 and A192KW (RFC 7518 §4.8).
    Pbes2Hs384A192Kw,
    /// PBES2 with HMAC SHA-512 and A256KW (RFC 7518 §4.8).
    Pbes2Hs512A256Kw,
}

impl KeyManagementAlgorithm {
    /// Every key management algorithm, in the order of RFC 7518 §4.1.
    pub const ALL: [KeyManagementAlgorithm; 19] = {
        use KeyManagementAlgorithm::*;
        [
            Rsa1_5,
            RsaOaep,
            RsaOaep256,
            RsaOaep384,
            RsaOaep512,
            A128Kw,
            A192Kw,
            A256Kw,
            Dir,
            EcdhEs,
            EcdhEsA128Kw,
            EcdhEsA192Kw,
            EcdhEsA256Kw,
            A128GcmKw,
            A192GcmKw,
            A256GcmKw,
            Pbes2Hs256A128Kw,
            Pbes2Hs384A192Kw,
            Pbes2Hs512A256Kw,
        ]
    };

    /// The registered `alg` name.
    pub const fn name(self) -> &'static str {
        use KeyManagementAlgorithm::*;
        match self {
            Rsa1_5 => "RSA1_5",
            RsaOaep => "RSA-OAEP",
            RsaOaep256 => "RSA-OAEP-256",
            RsaOaep384 => "RSA-OAEP-384",
            RsaOaep512 => "RSA-OAEP-512",
            A128Kw => "A128KW",
            A192Kw => "A192KW",
            A256Kw => "A256KW",
            Dir => "dir",
            EcdhEs => "ECDH-ES",
            EcdhEsA128Kw => "ECDH-ES+A128KW",
            EcdhEsA192Kw => "ECDH-ES+A192KW",
            EcdhEsA256Kw => "ECDH-ES+A256KW",
            A128GcmKw => "A128GCMKW",
            A192GcmKw => "A192GCMKW",
            A256GcmKw => "A256GCMKW",
            Pbes2Hs256A128Kw => "PBES2-HS256+A128KW",
            Pbes2Hs384A192Kw => "PBES2-HS384+A192KW",
            Pbes2Hs512A256Kw => "PBES2-HS512+A256KW",
        }
    }
}

/// A JWE content encryption algorithm: the header `enc` of a JWE (RFC 7518 §5.1).
///
/// Named for the shared algorithm space; no provider implements these yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ContentEncryptionAlgorithm {
    /// AES-128-CBC with HMAC SHA-256 (RFC 7518 §5.2.3).
    A128CbcHs256,
    /// AES-192-CBC with HMAC SHA-384 (RFC 7518 §5.2.4).
    A192CbcHs384,
    /// AES-256-CBC with HMAC SHA-512 (RFC 7518 §5.2.5).
    A256CbcHs512,
    /// AES-128-GCM (RFC 7518 §5.3).
    A128Gcm,
    /// AES-192-GCM (RFC 7518 §5.3).
    A192Gcm,
    /// AES-256-GCM (RFC 7518 §5.3).
    A256Gcm,
}

impl ContentEncryptionAlgorithm {
    /// Every content encryption algorithm, in the order of RFC 7518 §5.1.
    pub const ALL: [ContentEncryptionAlgorithm; 6] = {
        use ContentEncryptionAlgorithm::*;
        [
            A128CbcHs256,
            A192CbcHs384,
            A256CbcHs512,
            A128Gcm,
            A192Gcm,
            A256Gcm,
        ]
    };

    /// The registered `enc` name.
    pub const fn name(self) -> &'static str {
        use ContentEncryptionAlgorithm::*;
        match self {
            A128CbcHs256 => "A128CBC-HS256",
            A192CbcHs384 => "A192CBC-HS384",
            A256CbcHs512 => "A256CBC-HS512",
            A128Gcm => "A128GCM",
            A192Gcm => "A192GCM",
            A256Gcm => "A256GCM",
        }
    }

    /// Length of the content encryption key in bytes: for AES-CBC with HMAC the MAC key and
    /// the encryption key together (RFC 7518 §5.2.3–5.2.5), for AES-GCM the AES key (§5.3).
    pub const fn key_len(self) -> usize {
        use ContentEncryptionAlgorithm::*;
        match self {
            A128CbcHs256 => 32,
            A192CbcHs384 => 48,
            A256CbcHs512 => 64,
            A128Gcm => 16,
            A192Gcm => 24,
            A256Gcm => 32,
        }
    }
}

/// Any JOSE algorithm identifier: a JWS `alg`, a JWE key management `alg`, or a JWE content
/// encryption `enc` (RFC 7518 §3.1, §4.1, §5.1).
///
/// The three registries share no name, so a string parses to at most one of them. A JWK's
/// `alg` member ([`crate::Jwk::algorithm`]), a key's fit ([`crate::crypto::KeyMaterial::check_fits`])
/// and a provider's support ([`crate::crypto::CryptoProvider::supports`]) are all expressed
/// in this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// A JWS signature or MAC algorithm.
    Jws(JwsAlgorithm),
    /// A JWE key management algorithm.
    KeyManagement(KeyManagementAlgorithm),
    /// A JWE content encryption algorithm.
    ContentEncryption(ContentEncryptionAlgorithm),
}

impl Algorithm {
    /// The registered name.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Jws(a) => a.name(),
            Algorithm::KeyManagement(a) => a.name(),
            Algorithm::ContentEncryption(a) => a.name(),
        }
    }

    /// The JWS algorithm, if this is one.
    pub const fn jws(self) -> Option<JwsAlgorithm> {
        match self {
            Algorithm::Jws(a) => Some(a),
            _ => None,
        }
    }

    /// Every algorithm this crate names: JWS, then JWE `alg`, then JWE `enc`.
    pub fn all() -> impl Iterator<Item = Algorithm> {
        JwsAlgorithm::ALL
            .into_iter()
            .map(Algorithm::Jws)
            .chain(
                KeyManagementAlgorithm::ALL
                    .into_iter()
                    .map(Algorithm::KeyManagement),
            )
            .chain(
                ContentEncryptionAlgorithm::ALL
                    .into_iter()
                    .map(Algorithm::ContentEncryption),
            )
    }
}

impl From<JwsAlgorithm> for Algorithm {
    fn from(a: JwsAlgorithm) -> Self {
        Algorithm::Jws(a)
    }
}

impl From<KeyManagementAlgorithm> for Algorithm {
    fn from(a: KeyManagementAlgorithm) -> Self {
        Algorithm::KeyManagement(a)
    }
}

impl From<ContentEncryptionAlgorithm> for Algorithm {
    fn from(a: ContentEncryptionAlgorithm) -> Self {
        Algorithm::ContentEncryption(a)
    }
}

macro_rules! name_traits {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}

name_traits!(
    KeyManagementAlgorithm,
    ContentEncryptionAlgorithm,
    Algorithm
);

impl FromStr for KeyManagementAlgorithm {
    type Err = Error;
    /// Parses a registered name, case-sensitively (RFC 7516 §4.1.1).
    fn from_str(s: &str) -> Result<Self, Error> {
        KeyManagementAlgorithm::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| Error::UnsupportedAlgorithm(s.to_owned()))
    }
}

impl FromStr for ContentEncryptionAlgorithm {
    type Err = Error;
    /// Parses a registered name, case-sensitively (RFC 7516 §4.1.2).
    fn from_str(s: &str) -> Result<Self, Error> {
        ContentEncryptionAlgorithm::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| Error::UnsupportedAlgorithm(s.to_owned()))
    }
}

impl FromStr for Algorithm {
    type Err = Error;
    /// Parses a registered JWS `alg`, JWE `alg` or JWE `enc` name, case-sensitively. `none` is
    /// rejected, as by [`JwsAlgorithm`].
    fn from_str(s: &str) -> Result<Self, Error> {
        Algorithm::all()
            .find(|a| a.name() == s)
            .ok_or_else(|| Error::UnsupportedAlgorithm(s.to_owned()))
    }
}

/// Families of JWS algorithms sharing a key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlgorithmFamily {
    /// HMAC (`oct` keys).
    Hmac,
    /// RSASSA-PKCS1-v1_5 (`RSA` keys).
    RsaPkcs1,
    /// RSASSA-PSS (`RSA` keys).
    RsaPss,
    /// ECDSA (`EC` keys).
    Ecdsa,
    /// EdDSA (`OKP` keys).
    EdDsa,
}

/// Hash functions used by JOSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1 (only for legacy `x5t` thumbprints; never for signatures).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Output length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    /// The common lowercase name (`sha256`, ...), as the CLI spells it.
    pub const fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }
}

impl FromStr for DigestAlgorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Ok(DigestAlgorithm::Sha1),
            "sha256" => Ok(DigestAlgorithm::Sha256),
            "sha384" => Ok(DigestAlgorithm::Sha384),
            "sha512" => Ok(DigestAlgorithm::Sha512),
            _ => Err(Error::UnsupportedAlgorithm(s.to_owned())),
        }
    }
}

/// Curves for `kty` `EC` (RFC 7518 §6.2.1.1, RFC 8812 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EcCurve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
    /// secp256k1.
    Secp256k1,
}

impl EcCurve {
    /// The registered `crv` name.
    pub const fn name(self) -> &'static str {
        match self {
            EcCurve::P256 => "P-256",
            EcCurve::P384 => "P-384",
            EcCurve::P521 => "P-521",
            EcCurve::Secp256k1 => "secp256k1",
        }
    }

    /// Parses a registered `crv` name.
    pub fn from_name(s: &str) -> Option<Self> {
        [
            EcCurve::P256,
            EcCurve::P384,
            EcCurve::P521,
            EcCurve::Secp256k1,
        ]
        .into_iter()
        .find(|c| c.name() == s)
    }

    /// Length of one coordinate (and of the private scalar) in bytes.
    pub const fn coordinate_len(self) -> usize {
        match self {
            EcCurve::P256 | EcCurve::Secp256k1 => 32,
            EcCurve::P384 => 48,
            EcCurve::P521 => 66,
        }
    }

    /// The ECDSA algorithm bound to this curve.
    pub const fn jws_algorithm(self) -> JwsAlgorithm {
        match self {
            EcCurve::P256 => JwsAlgorithm::ES256,
            EcCurve::P384 => JwsAlgorithm::ES384,
            EcCurve::P521 => JwsAlgorithm::ES512,
            EcCurve::Secp256k1 => JwsAlgorithm::ES256K,
        }
    }
}

/// Curves for `kty` `OKP` (RFC 8037 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OkpCurve {
    /// Ed25519 signature keys.
    Ed25519,
    /// Ed448 signature keys (parsed; no provider signs with them yet).
    Ed448,
    /// X25519 key-agreement keys (parsed for JWE ECDH-ES).
    X25519,
    /// X448 key-agreement keys (parsed).
    X448,
}

impl OkpCurve {
    /// The registered `crv` name.
    pub const fn name(self) -> &'static str {
        match self {
            OkpCurve::Ed25519 => "Ed25519",
            OkpCurve::Ed448 => "Ed448",
            OkpCurve::X25519 => "X25519",
            OkpCurve::X448 => "X448",
        }
    }

    /// Parses a registered `crv` name.
    pub fn from_name(s: &str) -> Option<Self> {
        [
            OkpCurve::Ed25519,
            OkpCurve::Ed448,
            OkpCurve::X25519,
            OkpCurve::X448,
        ]
        .into_iter()
        .find(|c| c.name() == s)
    }

    /// Length of the public key (and of the private key) in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            OkpCurve::Ed25519 | OkpCurve::X25519 => 32,
            OkpCurve::Ed448 => 57,
            OkpCurve::X448 => 56,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_none_is_rejected() {
        for a in JwsAlgorithm::ALL {
            assert_eq!(a.name().parse::<JwsAlgorithm>().unwrap(), a);
        }
        assert!("none".parse::<JwsAlgorithm>().is_err());
        assert!(
            "hs256".parse::<JwsAlgorithm>().is_err(),
            "names are case-sensitive"
        );
        assert!("".parse::<JwsAlgorithm>().is_err());
    }

    #[test]
    fn one_space_for_jws_jwe_alg_and_enc() {
        let all: Vec<Algorithm> = Algorithm::all().collect();
        assert_eq!(all.len(), 15 + 19 + 6);
        for a in &all {
            assert_eq!(a.name().parse::<Algorithm>().unwrap(), *a);
            assert_eq!(a.to_string(), a.name());
        }
        // No name is registered twice across the three registries.
        let mut names: Vec<&str> = all.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert_eq!(
            "RSA-OAEP-256".parse::<Algorithm>().unwrap(),
            Algorithm::KeyManagement(KeyManagementAlgorithm::RsaOaep256)
        );
        assert_eq!(
            "A128CBC-HS256".parse::<Algorithm>().unwrap(),
            Algorithm::ContentEncryption(ContentEncryptionAlgorithm::A128CbcHs256)
        );
        assert_eq!(
            "ES256".parse::<Algorithm>().unwrap().jws(),
            Some(JwsAlgorithm::ES256)
        );
        assert_eq!("dir".parse::<Algorithm>().unwrap().jws(), None);
        for bad in ["none", "", "rsa-oaep", "A128GCM ", "PBES2-HS256"] {
            assert!(bad.parse::<Algorithm>().is_err(), "{bad}");
        }
        assert!("A128GCM".parse::<KeyManagementAlgorithm>().is_err());
        assert!("A128GCMKW".parse::<ContentEncryptionAlgorithm>().is_err());
        assert_eq!(ContentEncryptionAlgorithm::A256CbcHs512.key_len(), 64);
    }

    #[test]
    fn signature_lengths() {
        assert_eq!(JwsAlgorithm::ES256.fixed_signature_len(), Some(64));
        assert_eq!(JwsAlgorithm::ES512.fixed_signature_len(), Some(132));
        assert_eq!(JwsAlgorithm::HS384.fixed_signature_len(), Some(48));
        assert_eq!(JwsAlgorithm::RS256.fixed_signature_len(), None);
    }
}
