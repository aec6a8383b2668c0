//! The [aws-lc-rs](https://docs.rs/aws-lc-rs) provider (feature `aws-lc-rs`).
//!
//! Supports every JWS algorithm of this crate: HS256/384/512, RS256/384/512, PS256/384/512,
//! ES256, ES384, ES512, ES256K, EdDSA and Ed25519, and generates RSA keys (2048 bits).
//! Public keys are parsed once when the verification key is built.

use super::common::{is_rsa, shared_provider_parts, unsupported};
use super::{CryptoProvider, VerifyOptions};

shared_provider_parts!(aws_lc_rs);

/// The aws-lc-rs provider.
pub static PROVIDER: AwsLcProvider = AwsLcProvider;

/// The aws-lc-rs crypto provider. Use [`PROVIDER`].
#[derive(Debug, Clone, Copy)]
pub struct AwsLcProvider;

const NAME: &str = "aws-lc-rs";

fn supports(_alg: JwsAlgorithm) -> bool {
    true
}

fn ecdsa_signing_alg(
    alg: JwsAlgorithm,
) -> Result<&'static aws_lc_rs::signature::EcdsaSigningAlgorithm> {
    use aws_lc_rs::signature as s;
    match alg {
        JwsAlgorithm::ES256 => Ok(&s::ECDSA_P256_SHA256_FIXED_SIGNING),
        JwsAlgorithm::ES384 => Ok(&s::ECDSA_P384_SHA384_FIXED_SIGNING),
        JwsAlgorithm::ES512 => Ok(&s::ECDSA_P521_SHA512_FIXED_SIGNING),
        JwsAlgorithm::ES256K => Ok(&s::ECDSA_P256K1_SHA256_FIXED_SIGNING),
        _ => Err(unsupported(alg, NAME)),
    }
}

fn ecdsa_key_pair(
    alg: JwsAlgorithm,
    d: &[u8],
    point: &[u8],
) -> Result<aws_lc_rs::signature::EcdsaKeyPair> {
    aws_lc_rs::signature::EcdsaKeyPair::from_private_key_and_public_key(
        ecdsa_signing_alg(alg)?,
        d,
        point,
    )
    .map_err(|e| Error::InvalidKey(format!("EC private key rejected: {e}")))
}

fn generate_rsa() -> Result<KeyParams> {
    use aws_lc_rs::encoding::AsDer;
    // Provider-internal randomness, like EC generation (see the `rand` module docs).
    let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|_| Error::Crypto)?;
    let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> = kp.as_der().map_err(|_| Error::Crypto)?;
    Ok(crate::Jwk::from_pkcs8_der(der.as_ref())?.params)
}

/// A public key parsed once, verified many times.
struct Parsed(aws_lc_rs::signature::ParsedPublicKey);

impl SignatureVerifier for Parsed {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.0
            .verify_sig(message, signature)
            .map_err(|_| Error::InvalidSignature)
    }
}

fn parsed(
    alg: &'static dyn aws_lc_rs::signature::VerificationAlgorithm,
    bytes: &[u8],
) -> Result<Box<dyn SignatureVerifier>> {
    aws_lc_rs::signature::ParsedPublicKey::new(alg, bytes)
        .map(|k| Box::new(Parsed(k)) as Box<dyn SignatureVerifier>)
        .map_err(|e| Error::InvalidKey(format!("public key rejected: {e}")))
}

fn rsa_params(
    alg: JwsAlgorithm,
    legacy: bool,
) -> Option<&'static aws_lc_rs::signature::RsaParameters> {
    use aws_lc_rs::signature as s;
    Some(match (alg, legacy) {
        (JwsAlgorithm::RS256, false) => &s::RSA_PKCS1_2048_8192_SHA256,
        (JwsAlgorithm::RS384, false) => &s::RSA_PKCS1_2048_8192_SHA384,
        (JwsAlgorithm::RS512, false) => &s::RSA_PKCS1_2048_8192_SHA512,
        (JwsAlgorithm::PS256, false) => &s::RSA_PSS_2048_8192_SHA256,
        (JwsAlgorithm::PS384, false) => &s::RSA_PSS_2048_8192_SHA384,
        (JwsAlgorithm::PS512, false) => &s::RSA_PSS_2048_8192_SHA512,
        (JwsAlgorithm::RS256, true) => &s::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (JwsAlgorithm::RS512, true) => &s::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        _ => return None,
    })
}

impl CryptoProvider for AwsLcProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    fn supports(&self, alg: JwsAlgorithm) -> bool {
        supports(alg)
    }

    fn digest(&self, alg: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
        digest_impl(alg, data)
    }

    fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyParams,
        options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        use aws_lc_rs::signature as s;
        match (alg, key) {
            (JwsAlgorithm::HS256 | JwsAlgorithm::HS384 | JwsAlgorithm::HS512, _) => {
                Ok(Box::new(hmac_key(alg, key)?))
            }
            (_, KeyParams::Rsa(p)) if is_rsa(alg) => {
                check_rsa_bits(p, options.min_rsa_bits)?;
                let legacy = p.modulus_bits() < 2048;
                let params = rsa_params(alg, legacy).ok_or_else(|| {
                    Error::InvalidKey(format!("{alg} needs an RSA key of at least 2048 bits"))
                })?;
                parsed(params, &crate::der::rsa_public_key_pkcs1(&p.n, &p.e))
            }
            (_, KeyParams::Ec(p)) if alg.ec_curve() == Some(p.crv) => {
                let a: &'static s::EcdsaVerificationAlgorithm = match alg {
                    JwsAlgorithm::ES256 => &s::ECDSA_P256_SHA256_FIXED,
                    JwsAlgorithm::ES384 => &s::ECDSA_P384_SHA384_FIXED,
                    JwsAlgorithm::ES512 => &s::ECDSA_P521_SHA512_FIXED,
                    _ => &s::ECDSA_P256K1_SHA256_FIXED,
                };
                parsed(a, &p.uncompressed_point())
            }
            (JwsAlgorithm::EdDSA | JwsAlgorithm::Ed25519, KeyParams::Okp(p))
                if p.crv == crate::alg::OkpCurve::Ed25519 =>
            {
                parsed(&s::ED25519, &p.x)
            }
            _ => Err(wrong_key(alg, key)),
        }
    }

    fn signer(&self, alg: JwsAlgorithm, key: &KeyParams) -> Result<Box<dyn SignaturePrimitive>> {
        signer_impl(NAME, alg, key)
    }

    fn generate_key(
        &self,
        alg: JwsAlgorithm,
        rng: &dyn crate::rand::SecureRandom,
    ) -> Result<KeyParams> {
        generate_impl(NAME, alg, rng)
    }

    fn system_random(&self) -> &'static dyn crate::rand::SecureRandom {
        &SYSTEM_RNG
    }
}
