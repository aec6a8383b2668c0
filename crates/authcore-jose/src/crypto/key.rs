//! Key material as the providers see it: the type-specific numbers of a key, without the JWK
//! members that say who may use it for what (`kid`, `use`, `key_ops`, `alg`, `x5c`).
//!
//! [`crate::Jwk`] holds one of these as its [`crate::KeyParams`]; the providers depend on this
//! module only, never on the JWK module.

use core::fmt;

use crate::alg::{
    Algorithm, AlgorithmFamily, ContentEncryptionAlgorithm, EcCurve, JwsAlgorithm,
    KeyManagementAlgorithm, OkpCurve,
};
use crate::crypto::AgreementCurve;
use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// A key type (`kty`, RFC 7518 §6.1, RFC 8037 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `RSA`.
    Rsa,
    /// `EC`.
    Ec,
    /// `OKP`.
    Okp,
    /// `oct` (symmetric).
    Oct,
}

impl KeyType {
    /// The registered `kty` name.
    pub const fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
            KeyType::Okp => "OKP",
            KeyType::Oct => "oct",
        }
    }

    /// The key type a JWS algorithm needs.
    pub const fn for_algorithm(alg: JwsAlgorithm) -> KeyType {
        match alg.family() {
            AlgorithmFamily::Hmac => KeyType::Oct,
            AlgorithmFamily::RsaPkcs1 | AlgorithmFamily::RsaPss => KeyType::Rsa,
            AlgorithmFamily::Ecdsa => KeyType::Ec,
            AlgorithmFamily::EdDsa => KeyType::Okp,
        }
    }
}

/// What key to generate: a key type with its size or curve. The one place where an algorithm
/// decides the key it needs ([`KeySpec::for_jws`], [`KeySpec::for_key_management`]); the
/// [`KeyGeneration`](super::KeyGeneration) part generates from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySpec {
    /// An RSA key pair with a modulus of this many bits.
    Rsa(usize),
    /// An EC key pair on this curve.
    Ec(EcCurve),
    /// An OKP key pair on this curve.
    Okp(OkpCurve),
    /// A symmetric key of this many bytes.
    Oct(usize),
}

/// RSA modulus generated for RSA signatures and RSA-OAEP (RFC 7518 §3.3, §4.3: at least 2048).
pub const GENERATED_RSA_BITS: usize = 2048;

/// Choices for generating a key for a JWE key management algorithm that the algorithm alone
/// does not fix: the curve for `ECDH-ES*` (default P-256) and the content encryption for
/// `dir` (required there: the key is the CEK, so `enc` sets its size, RFC 7518 §4.5).
///
/// ```
/// use authcore_jose::ContentEncryptionAlgorithm;
/// use authcore_jose::crypto::{AgreementCurve, EncryptionKeyOptions};
/// let x25519 = EncryptionKeyOptions::default().with_curve(AgreementCurve::X25519);
/// let dir = EncryptionKeyOptions::default().with_enc(ContentEncryptionAlgorithm::A256Gcm);
/// # let _ = (x25519, dir);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncryptionKeyOptions {
    /// The curve of an `ECDH-ES*` key; `None` is P-256.
    pub curve: Option<AgreementCurve>,
    /// The content encryption a `dir` key is for.
    pub enc: Option<ContentEncryptionAlgorithm>,
}

impl EncryptionKeyOptions {
    /// The same options with the `ECDH-ES*` curve.
    pub const fn with_curve(mut self, curve: AgreementCurve) -> Self {
        self.curve = Some(curve);
        self
    }

    /// The same options with the content encryption of a `dir` key.
    pub const fn with_enc(mut self, enc: ContentEncryptionAlgorithm) -> Self {
        self.enc = Some(enc);
        self
    }
}

impl KeySpec {
    /// The key a JWS algorithm signs with: an HMAC key as long as the hash output (RFC 7518
    /// §3.2), RSA of [`GENERATED_RSA_BITS`], EC on the algorithm's curve, Ed25519 for EdDSA.
    pub const fn for_jws(alg: JwsAlgorithm) -> KeySpec {
        match alg.family() {
            AlgorithmFamily::Hmac => KeySpec::Oct(alg.digest().output_len()),
            AlgorithmFamily::RsaPkcs1 | AlgorithmFamily::RsaPss => KeySpec::Rsa(GENERATED_RSA_BITS),
            AlgorithmFamily::Ecdsa => match alg.ec_curve() {
                Some(c) => KeySpec::Ec(c),
                None => KeySpec::Ec(EcCurve::P256),
            },
            AlgorithmFamily::EdDsa => KeySpec::Okp(OkpCurve::Ed25519),
        }
    }

    /// The key a JWE key management algorithm needs: RSA of [`GENERATED_RSA_BITS`] for
    /// `RSA-OAEP*` (§4.3), a key pair on `options.curve` (P-256 by default) for `ECDH-ES*`
    /// (§4.6), an AES key of the wrapping size for `A*KW` and `A*GCMKW` (§4.4, §4.7), and for
    /// `dir` a key of `options.enc`'s length (§4.5).
    ///
    /// `RSA1_5` keys are not generated (the algorithm is kept for decrypting what legacy peers
    /// send, RFC 7516 §11.5), nor PBES2 ones (its key is a password someone chooses, §4.8):
    /// both are [`Error::UnsupportedAlgorithm`]; `dir` without `enc` is [`Error::Misuse`].
    pub fn for_key_management(
        alg: KeyManagementAlgorithm,
        options: &EncryptionKeyOptions,
    ) -> Result<KeySpec> {
        use KeyManagementAlgorithm as K;
        Ok(match alg {
            K::RsaOaep | K::RsaOaep256 | K::RsaOaep384 | K::RsaOaep512 => {
                KeySpec::Rsa(GENERATED_RSA_BITS)
            }
            K::A128Kw | K::A128GcmKw => KeySpec::Oct(16),
            K::A192Kw | K::A192GcmKw => KeySpec::Oct(24),
            K::A256Kw | K::A256GcmKw => KeySpec::Oct(32),
            K::Dir => match options.enc {
                Some(enc) => KeySpec::Oct(enc.key_len()),
                None => {
                    return Err(Error::Misuse(
                        "a `dir` key is the content encryption key: name its `enc`",
                    ));
                }
            },
            K::EcdhEs | K::EcdhEsA128Kw | K::EcdhEsA192Kw | K::EcdhEsA256Kw => {
                match options.curve.unwrap_or(AgreementCurve::P256) {
                    AgreementCurve::P256 => KeySpec::Ec(EcCurve::P256),
                    AgreementCurve::P384 => KeySpec::Ec(EcCurve::P384),
                    AgreementCurve::P521 => KeySpec::Ec(EcCurve::P521),
                    AgreementCurve::X25519 => KeySpec::Okp(OkpCurve::X25519),
                    AgreementCurve::X448 => KeySpec::Okp(OkpCurve::X448),
                }
            }
            K::Rsa1_5 | K::Pbes2Hs256A128Kw | K::Pbes2Hs384A192Kw | K::Pbes2Hs512A256Kw => {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "{}: keys for it are not generated ({})",
                    alg.name(),
                    if alg == K::Rsa1_5 {
                        "a legacy algorithm, kept for decryption only"
                    } else {
                        "its key is a password"
                    }
                )));
            }
        })
    }

    /// The key an algorithm of any kind needs, with `options` for the choices a key management
    /// algorithm leaves open. A content encryption algorithm (`enc`) is refused: its key is a
    /// CEK, made per message, or a `dir` key ([`KeySpec::for_key_management`] with `dir`).
    pub fn for_algorithm(alg: Algorithm, options: &EncryptionKeyOptions) -> Result<KeySpec> {
        match alg {
            Algorithm::Jws(a) => Ok(KeySpec::for_jws(a)),
            Algorithm::KeyManagement(a) => KeySpec::for_key_management(a, options),
            Algorithm::ContentEncryption(_) => Err(Error::Misuse(
                "keys are generated for an `alg`; for a `dir` key name `dir` with the `enc`",
            )),
        }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySpec::Rsa(bits) => write!(f, "RSA {bits}-bit"),
            KeySpec::Ec(c) => write!(f, "EC {}", c.name()),
            KeySpec::Okp(c) => write!(f, "OKP {}", c.name()),
            KeySpec::Oct(len) => write!(f, "oct {}-bit", len * 8),
        }
    }
}

/// RSA key parameters (RFC 7518 §6.3).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RsaParams {
    /// Modulus, big-endian, as encoded in the key (RFC 7518 §6.3.1.1).
    pub n: Vec<u8>,
    /// Public exponent, big-endian.
    pub e: Vec<u8>,
    /// Private parameters, for a private key.
    pub private: Option<RsaPrivateParams>,
}

/// RSA private parameters (RFC 7518 §6.3.2). Multi-prime keys (`oth`) are not supported.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RsaPrivateParams {
    /// Private exponent.
    pub d: SecretBytes,
    /// First prime factor.
    pub p: SecretBytes,
    /// Second prime factor.
    pub q: SecretBytes,
    /// First factor CRT exponent.
    pub dp: SecretBytes,
    /// Second factor CRT exponent.
    pub dq: SecretBytes,
    /// First CRT coefficient.
    pub qi: SecretBytes,
}

impl RsaPrivateParams {
    /// The private exponent and the CRT parameters, in the order of RFC 7518 §6.3.2.
    pub fn new(
        d: SecretBytes,
        p: SecretBytes,
        q: SecretBytes,
        dp: SecretBytes,
        dq: SecretBytes,
        qi: SecretBytes,
    ) -> Self {
        RsaPrivateParams {
            d,
            p,
            q,
            dp,
            dq,
            qi,
        }
    }
}

impl RsaParams {
    /// A public key from its modulus and exponent (big-endian).
    pub fn new(n: impl Into<Vec<u8>>, e: impl Into<Vec<u8>>) -> Self {
        RsaParams {
            n: n.into(),
            e: e.into(),
            private: None,
        }
    }

    /// The same key with private parameters.
    pub fn with_private(mut self, private: RsaPrivateParams) -> Self {
        self.private = Some(private);
        self
    }

    /// The modulus length in bits (leading zero octets ignored).
    pub fn modulus_bits(&self) -> usize {
        let n = unsigned(&self.n);
        match n.first() {
            None => 0,
            Some(&b) => n.len() * 8 - b.leading_zeros() as usize,
        }
    }
}

/// Elliptic-curve key parameters (RFC 7518 §6.2).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EcParams {
    /// The curve.
    pub crv: EcCurve,
    /// X coordinate, exactly the curve's coordinate length.
    pub x: Vec<u8>,
    /// Y coordinate, exactly the curve's coordinate length.
    pub y: Vec<u8>,
    /// Private scalar, exactly the curve's coordinate length.
    pub d: Option<SecretBytes>,
}

impl EcParams {
    /// A public key from its coordinates. Lengths are checked where the key is parsed or used
    /// (RFC 7518 §6.2.1.2), not here.
    pub fn new(crv: EcCurve, x: impl Into<Vec<u8>>, y: impl Into<Vec<u8>>) -> Self {
        EcParams {
            crv,
            x: x.into(),
            y: y.into(),
            d: None,
        }
    }

    /// The same key with its private scalar.
    pub fn with_private(mut self, d: impl Into<SecretBytes>) -> Self {
        self.d = Some(d.into());
        self
    }

    /// The uncompressed SEC1 point `04 || x || y`.
    pub fn uncompressed_point(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.x.len() + self.y.len());
        out.push(4);
        out.extend_from_slice(&self.x);
        out.extend_from_slice(&self.y);
        out
    }
}

/// Octet key pair parameters (RFC 8037 §2).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OkpParams {
    /// The curve.
    pub crv: OkpCurve,
    /// Public key.
    pub x: Vec<u8>,
    /// Private key.
    pub d: Option<SecretBytes>,
}

impl OkpParams {
    /// A public key.
    pub fn new(crv: OkpCurve, x: impl Into<Vec<u8>>) -> Self {
        OkpParams {
            crv,
            x: x.into(),
            d: None,
        }
    }

    /// The same key with its private part.
    pub fn with_private(mut self, d: impl Into<SecretBytes>) -> Self {
        self.d = Some(d.into());
        self
    }
}

/// Symmetric key parameters (RFC 7518 §6.4).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OctParams {
    /// The key value.
    pub k: SecretBytes,
}

impl OctParams {
    /// A symmetric key.
    pub fn new(k: impl Into<SecretBytes>) -> Self {
        OctParams { k: k.into() }
    }
}

/// The key material a provider works on: one variant per key type.
///
/// `#[non_exhaustive]` so that key types can be added (RFC 8037 leaves room, and so do new
/// registrations) without breaking matches in other crates.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyMaterial {
    /// `kty` `RSA`.
    Rsa(RsaParams),
    /// `kty` `EC`.
    Ec(EcParams),
    /// `kty` `OKP`.
    Okp(OkpParams),
    /// `kty` `oct`.
    Oct(OctParams),
}

impl KeyMaterial {
    /// The key type.
    pub fn key_type(&self) -> KeyType {
        match self {
            KeyMaterial::Rsa(_) => KeyType::Rsa,
            KeyMaterial::Ec(_) => KeyType::Ec,
            KeyMaterial::Okp(_) => KeyType::Okp,
            KeyMaterial::Oct(_) => KeyType::Oct,
        }
    }

    /// Whether the material holds a private (or symmetric) key.
    pub fn is_private(&self) -> bool {
        match self {
            KeyMaterial::Rsa(p) => p.private.is_some(),
            KeyMaterial::Ec(p) => p.d.is_some(),
            KeyMaterial::Okp(p) => p.d.is_some(),
            KeyMaterial::Oct(_) => true,
        }
    }

    /// Checks that the material can sign: a private or symmetric key.
    pub fn check_can_sign(&self) -> Result<()> {
        if self.is_private() {
            Ok(())
        } else {
            Err(Error::InvalidKey("a public key cannot sign".into()))
        }
    }

    /// The key type with its curve, for messages (`EC P-256`, `RSA`).
    pub fn describe(&self) -> String {
        match self {
            KeyMaterial::Ec(p) => format!("EC {}", p.crv.name()),
            KeyMaterial::Okp(p) => format!("OKP {}", p.crv.name()),
            p => p.key_type().name().to_owned(),
        }
    }

    /// Checks that the key type (and curve) fits `alg`: the one place this rule is written.
    ///
    /// JWS: `oct` for HMAC (RFC 7518 §3.2), `RSA` for RSASSA (§3.3, §3.5), `EC` on the
    /// algorithm's own curve for ECDSA (§3.4, RFC 8812 §3.2), `OKP` Ed25519 for EdDSA
    /// (RFC 8037 §3.1). JWE: `RSA` for RSA1_5 and RSA-OAEP (§4.2, §4.3), `oct` for AES key wrap,
    /// AES-GCM key wrap, PBES2, `dir` and every `enc` (§4.4, §4.7, §4.8, §4.5), `EC` P-256,
    /// P-384, P-521 or `OKP` X25519, X448 for ECDH-ES (§4.6, RFC 8037 §3.2). Key sizes are
    /// checked where the key is built, not here.
    pub fn check_fits(&self, alg: impl Into<Algorithm>) -> Result<()> {
        let alg = alg.into();
        if self.fits(alg) {
            Ok(())
        } else {
            Err(self.wrong_for(alg))
        }
    }

    fn fits(&self, alg: Algorithm) -> bool {
        use KeyManagementAlgorithm as K;
        match (self, alg) {
            (_, Algorithm::Jws(a)) => {
                KeyType::for_algorithm(a) == self.key_type()
                    && match self {
                        KeyMaterial::Ec(p) => a.ec_curve() == Some(p.crv),
                        KeyMaterial::Okp(p) => p.crv == OkpCurve::Ed25519,
                        _ => true,
                    }
            }
            (KeyMaterial::Rsa(_), Algorithm::KeyManagement(a)) => matches!(
                a,
                K::Rsa1_5 | K::RsaOaep | K::RsaOaep256 | K::RsaOaep384 | K::RsaOaep512
            ),
            (KeyMaterial::Oct(_), Algorithm::KeyManagement(a)) => matches!(
                a,
                K::A128Kw
                    | K::A192Kw
                    | K::A256Kw
                    | K::Dir
                    | K::A128GcmKw
                    | K::A192GcmKw
                    | K::A256GcmKw
                    | K::Pbes2Hs256A128Kw
                    | K::Pbes2Hs384A192Kw
                    | K::Pbes2Hs512A256Kw
            ),
            (KeyMaterial::Ec(p), Algorithm::KeyManagement(a)) => {
                is_ecdh_es(a) && matches!(p.crv, EcCurve::P256 | EcCurve::P384 | EcCurve::P521)
            }
            (KeyMaterial::Okp(p), Algorithm::KeyManagement(a)) => {
                is_ecdh_es(a) && matches!(p.crv, OkpCurve::X25519 | OkpCurve::X448)
            }
            (KeyMaterial::Oct(_), Algorithm::ContentEncryption(_)) => true,
            _ => false,
        }
    }

    /// The error for this key used with an algorithm it does not fit.
    pub(crate) fn wrong_for(&self, alg: impl Into<Algorithm>) -> Error {
        Error::InvalidKey(format!(
            "a {} key cannot be used with {}",
            self.describe(),
            alg.into()
        ))
    }
}

fn is_ecdh_es(a: KeyManagementAlgorithm) -> bool {
    use KeyManagementAlgorithm as K;
    matches!(
        a,
        K::EcdhEs | K::EcdhEsA128Kw | K::EcdhEsA192Kw | K::EcdhEsA256Kw
    )
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the numbers: private parts are secret and public ones are noise in logs.
        f.debug_struct("KeyMaterial")
            .field("kty", &self.key_type().name())
            .field("key", &self.describe())
            .field("private", &self.is_private())
            .finish_non_exhaustive()
    }
}

/// Removes leading zero octets from a big-endian unsigned integer.
pub(crate) fn unsigned(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alg::ContentEncryptionAlgorithm;

    fn ec(crv: EcCurve) -> KeyMaterial {
        let n = crv.coordinate_len();
        KeyMaterial::Ec(EcParams::new(crv, vec![1; n], vec![2; n]))
    }

    #[test]
    fn fits_every_algorithm_space() {
        let oct = KeyMaterial::Oct(OctParams::new(vec![7u8; 32]));
        let rsa = KeyMaterial::Rsa(RsaParams::new(vec![0xc1; 256], vec![1, 0, 1]));
        let ed = KeyMaterial::Okp(OkpParams::new(OkpCurve::Ed25519, vec![3; 32]));
        let x25519 = KeyMaterial::Okp(OkpParams::new(OkpCurve::X25519, vec![3; 32]));
        let p256 = ec(EcCurve::P256);
        let k1 = ec(EcCurve::Secp256k1);

        assert!(oct.check_fits(JwsAlgorithm::HS256).is_ok());
        assert!(rsa.check_fits(JwsAlgorithm::PS384).is_ok());
        assert!(p256.check_fits(JwsAlgorithm::ES256).is_ok());
        assert!(k1.check_fits(JwsAlgorithm::ES256K).is_ok());
        assert!(ed.check_fits(JwsAlgorithm::EdDSA).is_ok());
        assert!(ed.check_fits(JwsAlgorithm::Ed25519).is_ok());
        assert!(rsa.check_fits(KeyManagementAlgorithm::RsaOaep256).is_ok());
        assert!(oct.check_fits(KeyManagementAlgorithm::A128Kw).is_ok());
        assert!(oct.check_fits(KeyManagementAlgorithm::Dir).is_ok());
        assert!(oct.check_fits(ContentEncryptionAlgorithm::A256Gcm).is_ok());
        assert!(
            p256.check_fits(KeyManagementAlgorithm::EcdhEsA128Kw)
                .is_ok()
        );
        assert!(x25519.check_fits(KeyManagementAlgorithm::EcdhEs).is_ok());

        // Negative: type, curve and algorithm space must all fit.
        let bad: [(&KeyMaterial, Algorithm); 10] = [
            (&rsa, JwsAlgorithm::HS256.into()),
            (&oct, JwsAlgorithm::RS256.into()),
            (&p256, JwsAlgorithm::ES384.into()),
            (&k1, JwsAlgorithm::ES256.into()),
            (&x25519, JwsAlgorithm::EdDSA.into()),
            (&ed, KeyManagementAlgorithm::EcdhEs.into()),
            (&k1, KeyManagementAlgorithm::EcdhEs.into()),
            (&rsa, KeyManagementAlgorithm::A256Kw.into()),
            (&oct, KeyManagementAlgorithm::RsaOaep.into()),
            (&rsa, ContentEncryptionAlgorithm::A128Gcm.into()),
        ];
        for (key, alg) in bad {
            match key.check_fits(alg) {
                Err(Error::InvalidKey(m)) => assert!(m.contains(alg.name()), "{m}"),
                other => panic!("{key:?} accepted for {alg}: {other:?}"),
            }
        }
    }

    #[test]
    fn debug_shows_no_numbers() {
        let k = KeyMaterial::Oct(OctParams::new(vec![0xAB; 32]));
        let s = format!("{k:?}");
        assert!(s.contains("oct") && !s.contains("171"), "{s}");
    }
}
