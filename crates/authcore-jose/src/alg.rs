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
    fn signature_lengths() {
        assert_eq!(JwsAlgorithm::ES256.fixed_signature_len(), Some(64));
        assert_eq!(JwsAlgorithm::ES512.fixed_signature_len(), Some(132));
        assert_eq!(JwsAlgorithm::HS384.fixed_signature_len(), Some(48));
        assert_eq!(JwsAlgorithm::RS256.fixed_signature_len(), None);
    }
}
