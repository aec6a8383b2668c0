//! The [aws-lc-rs](https://docs.rs/aws-lc-rs) backend (feature `aws-lc-rs`).
//!
//! Supports every JWS algorithm of this crate: HS256/384/512, RS256/384/512, PS256/384/512,
//! ES256, ES384, ES512, ES256K, EdDSA and Ed25519, and generates RSA keys (2048, 3072, 4096
//! and 8192 bits) and X25519 keys (from the caller's random source, like ephemeral keys).
//! Public keys are parsed once when the verification key is built.
//!
//! For JWE it has every primitive RFC 7518 needs: AES-GCM with 128-, 192- and 256-bit keys,
//! AES key wrap (RFC 3394) with all three key sizes, AES-CBC with PKCS #7 padding, RSA-OAEP
//! with SHA-1/256/384/512 (MGF1 with the same hash) and RSA1_5 decryption, ECDH on P-256,
//! P-384, P-521 and X25519 (it has no X448), and PBKDF2 with HMAC-SHA-256/384/512.
//!
//! Each part is offered alone ([`VERIFICATION`], [`SIGNING`], [`HMAC`], [`HASHING`],
//! [`KEY_GENERATION`], [`AES_GCM`], [`AES_KEY_WRAP`], [`AES_CBC`], [`RSA_ENCRYPTION`],
//! [`KEY_AGREEMENT`], [`PBKDF2`]) and together as [`PROVIDER`].

use super::common::{check_aes_key, shared_provider_parts, unsupported};
use crate::alg::KeyManagementAlgorithm;
use crate::crypto::encryption::{CBC_IV_LEN, draw_private_scalar};
use crate::crypto::{
    AesCbc, AesKeyWrap, AgreementCurve, EcParams, KeyAgreement, KeyDecryptor, KeyEncryptor,
    OkpParams, RsaEncryption, RsaParams, part_missing,
};
use crate::secret::SecretBytes;

/// The aws-lc-rs backend; its parts are the constants of this module.
#[derive(Debug, Clone, Copy)]
pub struct AwsLc;

const NAME: &str = "aws-lc-rs";

shared_provider_parts!(aws_lc_rs, AwsLc);

/// aws-lc-rs generates RSA keys.
const GENERATES_RSA: bool = true;

/// This backend's AES key wrap part.
pub const AES_KEY_WRAP: &dyn AesKeyWrap = &AwsLc;
/// This backend's AES-CBC part.
pub const AES_CBC: &dyn AesCbc = &AwsLc;
/// This backend's RSA key encryption part.
pub const RSA_ENCRYPTION: &dyn RsaEncryption = &AwsLc;
/// This backend's key agreement part.
pub const KEY_AGREEMENT: &dyn KeyAgreement = &AwsLc;

/// aws-lc-rs's AES-GCM: all three key sizes.
fn gcm_algorithm(key_len: usize) -> Option<&'static aws_lc_rs::aead::Algorithm> {
    match key_len {
        16 => Some(&aws_lc_rs::aead::AES_128_GCM),
        24 => Some(&aws_lc_rs::aead::AES_192_GCM),
        32 => Some(&aws_lc_rs::aead::AES_256_GCM),
        _ => None,
    }
}

/// The public-key algorithms aws-lc-rs signs and verifies: all of them (HMAC is the HMAC
/// part's).
fn supports_public_key(alg: JwsAlgorithm) -> bool {
    alg.family() != AlgorithmFamily::Hmac
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

/// The RSA sizes aws-lc-rs generates.
fn rsa_key_size(bits: usize) -> Option<aws_lc_rs::rsa::KeySize> {
    use aws_lc_rs::rsa::KeySize;
    match bits {
        2048 => Some(KeySize::Rsa2048),
        3072 => Some(KeySize::Rsa3072),
        4096 => Some(KeySize::Rsa4096),
        8192 => Some(KeySize::Rsa8192),
        _ => None,
    }
}

fn generate_rsa(bits: usize) -> Result<KeyMaterial> {
    use aws_lc_rs::encoding::AsDer;
    let size = rsa_key_size(bits)
        .ok_or_else(|| Error::UnsupportedAlgorithm(format!("RSA {bits}-bit key generation")))?;
    // Backend-internal randomness, like EC generation (see the `rand` module docs).
    let kp = aws_lc_rs::rsa::KeyPair::generate(size).map_err(|_| Error::Crypto)?;
    let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> = kp.as_der().map_err(|_| Error::Crypto)?;
    crate::der::parse_pkcs8(der.as_ref())
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

impl SignatureVerification for AwsLc {
    fn supports(&self, alg: JwsAlgorithm) -> bool {
        supports_public_key(alg)
    }

    fn verifier(
        &self,
        alg: JwsAlgorithm,
        key: &KeyMaterial,
        _options: &VerifyOptions,
    ) -> Result<Box<dyn SignatureVerifier>> {
        use aws_lc_rs::signature as s;
        // `CryptoProvider::verifier` has checked support, fit (type and curve) and RSA size.
        match key {
            KeyMaterial::Rsa(p) => {
                let legacy = p.modulus_bits() < 2048;
                let params = rsa_params(alg, legacy).ok_or_else(|| {
                    Error::InvalidKey(format!("{alg} needs an RSA key of at least 2048 bits"))
                })?;
                parsed(params, &crate::der::rsa_public_key_pkcs1(&p.n, &p.e))
            }
            KeyMaterial::Ec(p) => {
                let a: &'static s::EcdsaVerificationAlgorithm = match alg {
                    JwsAlgorithm::ES256 => &s::ECDSA_P256_SHA256_FIXED,
                    JwsAlgorithm::ES384 => &s::ECDSA_P384_SHA384_FIXED,
                    JwsAlgorithm::ES512 => &s::ECDSA_P521_SHA512_FIXED,
                    _ => &s::ECDSA_P256K1_SHA256_FIXED,
                };
                parsed(a, &p.uncompressed_point())
            }
            KeyMaterial::Okp(p) => parsed(&s::ED25519, &p.x),
            _ => Err(key.wrong_for(alg)),
        }
    }

    fn rsa_sha1_verifier_for_legacy_use_only(
        &self,
        key: &crate::crypto::RsaParams,
    ) -> Result<Box<dyn SignatureVerifier>> {
        parsed(
            &aws_lc_rs::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            &crate::der::rsa_public_key_pkcs1(&key.n, &key.e),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// AES key wrap (RFC 3394; RFC 7518 §4.4)

/// The RFC 3394 §2.2.3.1 default initial value.
const KW_IV: [u8; 8] = [0xA6; 8];

fn check_kw_input(kek: &[u8], len: usize, min: usize) -> Result<()> {
    check_aes_key("AES key wrap", kek.len(), true)?;
    // RFC 3394 §2: n >= 2 blocks of 64 bits (plus the integrity block when unwrapping).
    if len < min || len % 8 != 0 {
        return Err(Error::InvalidKey(format!(
            "AES key wrap input of {len} bytes is not a multiple of 8 of at least {min}"
        )));
    }
    Ok(())
}

impl AesKeyWrap for AwsLc {
    fn supports(&self, kek_len: usize) -> bool {
        matches!(kek_len, 16 | 24 | 32)
    }

    fn wrap(&self, kek: &[u8], key: &[u8]) -> Result<Vec<u8>> {
        use aws_lc_rs::key_wrap::{AES_128, AES_256, AesKek, KeyWrap};
        check_kw_input(kek, key.len(), 16)?;
        let cipher = match kek.len() {
            16 => &AES_128,
            32 => &AES_256,
            _ => return aes192_key_wrap::wrap(kek, key),
        };
        let kek = AesKek::new(cipher, kek).map_err(|_| Error::Crypto)?;
        let mut out = vec![0u8; key.len() + 8];
        let len = kek.wrap(key, &mut out).map_err(|_| Error::Crypto)?.len();
        out.truncate(len);
        Ok(out)
    }

    fn unwrap(&self, kek: &[u8], wrapped: &[u8]) -> Result<SecretBytes> {
        use aws_lc_rs::key_wrap::{AES_128, AES_256, AesKek, KeyWrap};
        // A bad length is as opaque as a bad integrity value: both are "did not decrypt".
        check_kw_input(kek, wrapped.len(), 24).map_err(|e| match e {
            Error::InvalidKey(_) if matches!(kek.len(), 16 | 24 | 32) => Error::Decryption,
            e => e,
        })?;
        let cipher = match kek.len() {
            16 => &AES_128,
            32 => &AES_256,
            _ => return aes192_key_wrap::unwrap(kek, wrapped),
        };
        let kek = AesKek::new(cipher, kek).map_err(|_| Error::Crypto)?;
        let mut out = vec![0u8; wrapped.len() - 8];
        let len = kek
            .unwrap(wrapped, &mut out)
            .map_err(|_| Error::Decryption)?
            .len();
        out.truncate(len);
        Ok(SecretBytes::new(out))
    }
}

/// RFC 3394 key wrap with an AES-192 key-encryption key, over the library's AES-192 block
/// cipher: aws-lc-rs's `key_wrap` module offers AES-128 and AES-256 only, and `A192KW`
/// (RFC 7518 §4.4) needs the third size. The index-based form of RFC 3394 §2.2.1 and §2.2.2.
mod aes192_key_wrap {
    use aws_lc_rs::cipher::{
        AES_192, DecryptingKey, DecryptionContext, EncryptingKey, UnboundCipherKey,
    };

    use super::KW_IV;
    use crate::error::{Error, Result};
    use crate::secret::{SecretBytes, constant_time_eq};

    fn block_key(kek: &[u8]) -> Result<UnboundCipherKey> {
        UnboundCipherKey::new(&AES_192, kek).map_err(|_| Error::Crypto)
    }

    /// The 64-bit counter `t = n*j + i` of RFC 3394 §2.2.1, XORed into `A`.
    fn xor_counter(a: &mut [u8], t: u64) {
        for (x, c) in a.iter_mut().zip(t.to_be_bytes()) {
            *x ^= c;
        }
    }

    pub(super) fn wrap(kek: &[u8], key: &[u8]) -> Result<Vec<u8>> {
        let aes = EncryptingKey::ecb(block_key(kek)?).map_err(|_| Error::Crypto)?;
        let n = key.len() / 8;
        let mut out = vec![0u8; key.len() + 8];
        out[..8].copy_from_slice(&KW_IV);
        out[8..].copy_from_slice(key);
        let mut block = [0u8; 16];
        for j in 0..6u64 {
            for i in 1..=n {
                block[..8].copy_from_slice(&out[..8]);
                block[8..].copy_from_slice(&out[i * 8..i * 8 + 8]);
                aes.encrypt(&mut block).map_err(|_| Error::Crypto)?;
                out[..8].copy_from_slice(&block[..8]);
                xor_counter(&mut out[..8], n as u64 * j + i as u64);
                out[i * 8..i * 8 + 8].copy_from_slice(&block[8..]);
            }
        }
        block.fill(0);
        Ok(out)
    }

    pub(super) fn unwrap(kek: &[u8], wrapped: &[u8]) -> Result<SecretBytes> {
        let aes = DecryptingKey::ecb(block_key(kek)?).map_err(|_| Error::Crypto)?;
        let n = wrapped.len() / 8 - 1;
        let mut a = [0u8; 8];
        a.copy_from_slice(&wrapped[..8]);
        let mut plain = wrapped[8..].to_vec();
        let mut block = [0u8; 16];
        let mut failed = false;
        for j in (0..6u64).rev() {
            for i in (1..=n).rev() {
                xor_counter(&mut a, n as u64 * j + i as u64);
                block[..8].copy_from_slice(&a);
                block[8..].copy_from_slice(&plain[(i - 1) * 8..i * 8]);
                failed |= aes.decrypt(&mut block, DecryptionContext::None).is_err();
                a.copy_from_slice(&block[..8]);
                plain[(i - 1) * 8..i * 8].copy_from_slice(&block[8..]);
            }
        }
        block.fill(0);
        // Owned by a zeroizing buffer from here on, whatever the outcome.
        let r = SecretBytes::new(plain);
        // RFC 3394 §2.2.3: the integrity check, compared in constant time.
        if constant_time_eq(&a, &KW_IV) && !failed {
            Ok(r)
        } else {
            Err(Error::Decryption)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AES-CBC with PKCS #7 padding (RFC 7518 §5.2.2.1)

fn cbc_key(key: &[u8]) -> Result<aws_lc_rs::cipher::UnboundCipherKey> {
    use aws_lc_rs::cipher::{AES_128, AES_192, AES_256, UnboundCipherKey};
    check_aes_key("AES-CBC", key.len(), true)?;
    let alg = match key.len() {
        16 => &AES_128,
        24 => &AES_192,
        _ => &AES_256,
    };
    UnboundCipherKey::new(alg, key).map_err(|_| Error::InvalidKey("AES-CBC key rejected".into()))
}

impl AesCbc for AwsLc {
    fn supports(&self, key_len: usize) -> bool {
        matches!(key_len, 16 | 24 | 32)
    }

    fn encrypt(&self, key: &[u8], iv: &[u8; CBC_IV_LEN], plaintext: &[u8]) -> Result<Vec<u8>> {
        use aws_lc_rs::cipher::{EncryptionContext, PaddedBlockEncryptingKey};
        use aws_lc_rs::iv::FixedLength;
        let key = PaddedBlockEncryptingKey::cbc_pkcs7(cbc_key(key)?).map_err(|_| Error::Crypto)?;
        let mut out = plaintext.to_vec();
        key.less_safe_encrypt(&mut out, EncryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(|_| Error::Crypto)?;
        Ok(out)
    }

    fn decrypt(&self, key: &[u8], iv: &[u8; CBC_IV_LEN], ciphertext: &[u8]) -> Result<Vec<u8>> {
        use aws_lc_rs::cipher::{DecryptionContext, PaddedBlockDecryptingKey};
        use aws_lc_rs::iv::FixedLength;
        let key = PaddedBlockDecryptingKey::cbc_pkcs7(cbc_key(key)?).map_err(|_| Error::Crypto)?;
        let mut buf = ciphertext.to_vec();
        let len = key
            .decrypt(&mut buf, DecryptionContext::Iv128(FixedLength::from(iv)))
            .map_err(|_| Error::Decryption)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

// ---------------------------------------------------------------------------------------------
// RSA key encryption (RFC 7518 §4.2, §4.3)

fn oaep_algorithm(alg: KeyManagementAlgorithm) -> Option<&'static aws_lc_rs::rsa::OaepAlgorithm> {
    use aws_lc_rs::rsa as r;
    match alg {
        KeyManagementAlgorithm::RsaOaep => Some(&r::OAEP_SHA1_MGF1SHA1),
        KeyManagementAlgorithm::RsaOaep256 => Some(&r::OAEP_SHA256_MGF1SHA256),
        KeyManagementAlgorithm::RsaOaep384 => Some(&r::OAEP_SHA384_MGF1SHA384),
        KeyManagementAlgorithm::RsaOaep512 => Some(&r::OAEP_SHA512_MGF1SHA512),
        _ => None,
    }
}

struct OaepEncryptor {
    key: aws_lc_rs::rsa::OaepPublicEncryptingKey,
    alg: &'static aws_lc_rs::rsa::OaepAlgorithm,
}

impl KeyEncryptor for OaepEncryptor {
    fn encrypt(&self, cek: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; self.key.ciphertext_size()];
        if cek.len() > self.key.max_plaintext_size(self.alg) {
            return Err(Error::InvalidKey(format!(
                "a {}-byte key does not fit RSA-OAEP with this modulus",
                cek.len()
            )));
        }
        let len = self
            .key
            .encrypt(self.alg, cek, &mut out, None)
            .map_err(|_| Error::Crypto)?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

struct OaepDecryptor {
    key: aws_lc_rs::rsa::OaepPrivateDecryptingKey,
    alg: &'static aws_lc_rs::rsa::OaepAlgorithm,
}

impl KeyDecryptor for OaepDecryptor {
    fn decrypt(&self, encrypted_key: &[u8]) -> Result<SecretBytes> {
        let mut buf = vec![0u8; self.key.min_output_size()];
        let len = self
            .key
            .decrypt(self.alg, encrypted_key, &mut buf, None)
            .map_err(|_| Error::Decryption)?
            .len();
        buf.truncate(len);
        Ok(SecretBytes::new(buf))
    }
}

struct Pkcs1Decryptor(aws_lc_rs::rsa::Pkcs1PrivateDecryptingKey);

impl KeyDecryptor for Pkcs1Decryptor {
    fn decrypt(&self, encrypted_key: &[u8]) -> Result<SecretBytes> {
        let mut buf = vec![0u8; self.0.min_output_size()];
        let len = self
            .0
            .decrypt(encrypted_key, &mut buf)
            .map_err(|_| Error::Decryption)?
            .len();
        buf.truncate(len);
        Ok(SecretBytes::new(buf))
    }
}

fn rsa_private_key(key: &RsaParams) -> Result<aws_lc_rs::rsa::PrivateDecryptingKey> {
    if key.private.is_none() {
        return Err(Error::InvalidKey("an RSA public key cannot decrypt".into()));
    }
    let pkcs8 = crate::der::write_pkcs8(&KeyMaterial::Rsa(key.clone()))?;
    aws_lc_rs::rsa::PrivateDecryptingKey::from_pkcs8(&pkcs8)
        .map_err(|e| Error::InvalidKey(format!("RSA private key rejected: {e}")))
}

impl RsaEncryption for AwsLc {
    fn supports(&self, alg: KeyManagementAlgorithm) -> bool {
        alg == KeyManagementAlgorithm::Rsa1_5 || oaep_algorithm(alg).is_some()
    }

    fn encryptor(
        &self,
        alg: KeyManagementAlgorithm,
        key: &RsaParams,
    ) -> Result<Box<dyn KeyEncryptor>> {
        // RSA1_5 is offered for decrypting what legacy peers send, never for producing it
        // (RFC 7516 §11.5 on its padding oracle).
        let oaep = oaep_algorithm(alg).ok_or_else(|| part_missing("RSA encryption", alg.name()))?;
        let spki = crate::der::write_spki(&KeyMaterial::Rsa(RsaParams::new(
            key.n.clone(),
            key.e.clone(),
        )))?;
        let public = aws_lc_rs::rsa::PublicEncryptingKey::from_der(&spki)
            .map_err(|e| Error::InvalidKey(format!("RSA public key rejected: {e}")))?;
        let key =
            aws_lc_rs::rsa::OaepPublicEncryptingKey::new(public).map_err(|_| Error::Crypto)?;
        Ok(Box::new(OaepEncryptor { key, alg: oaep }))
    }

    fn decryptor(
        &self,
        alg: KeyManagementAlgorithm,
        key: &RsaParams,
    ) -> Result<Box<dyn KeyDecryptor>> {
        if alg == KeyManagementAlgorithm::Rsa1_5 {
            let key = aws_lc_rs::rsa::Pkcs1PrivateDecryptingKey::new(rsa_private_key(key)?)
                .map_err(|_| Error::Crypto)?;
            return Ok(Box::new(Pkcs1Decryptor(key)));
        }
        let oaep = oaep_algorithm(alg).ok_or_else(|| part_missing("RSA encryption", alg.name()))?;
        let key = aws_lc_rs::rsa::OaepPrivateDecryptingKey::new(rsa_private_key(key)?)
            .map_err(|_| Error::Crypto)?;
        Ok(Box::new(OaepDecryptor { key, alg: oaep }))
    }
}

// ---------------------------------------------------------------------------------------------
// Key agreement (RFC 7518 §4.6, RFC 8037 §3.2)

fn agreement_algorithm(curve: AgreementCurve) -> Option<&'static aws_lc_rs::agreement::Algorithm> {
    use aws_lc_rs::agreement as a;
    match curve {
        AgreementCurve::P256 => Some(&a::ECDH_P256),
        AgreementCurve::P384 => Some(&a::ECDH_P384),
        AgreementCurve::P521 => Some(&a::ECDH_P521),
        AgreementCurve::X25519 => Some(&a::X25519),
        // aws-lc-rs has no X448.
        _ => None,
    }
}

fn agreement_private_key(
    curve: AgreementCurve,
    d: &[u8],
) -> Result<aws_lc_rs::agreement::PrivateKey> {
    let alg = agreement_algorithm(curve).ok_or_else(|| part_missing("key agreement", curve))?;
    aws_lc_rs::agreement::PrivateKey::from_private_key(alg, d)
        .map_err(|e| Error::InvalidKey(format!("{curve} private key rejected: {e}")))
}

impl KeyAgreement for AwsLc {
    fn supports(&self, curve: AgreementCurve) -> bool {
        agreement_algorithm(curve).is_some()
    }

    fn agree(&self, private: &KeyMaterial, peer: &KeyMaterial) -> Result<SecretBytes> {
        let curve = AgreementCurve::of(private).ok_or_else(|| {
            Error::InvalidKey(format!("{} is not a key agreement key", private.describe()))
        })?;
        if AgreementCurve::of(peer) != Some(curve) {
            return Err(Error::InvalidKey(format!(
                "the peer's {} key is not on {curve}",
                peer.describe()
            )));
        }
        let (d, peer_bytes) = match (private, peer) {
            (KeyMaterial::Ec(k), KeyMaterial::Ec(p)) => {
                let n = p.crv.coordinate_len();
                if p.x.len() != n || p.y.len() != n {
                    return Err(Error::InvalidKey(format!(
                        "the peer's {curve} point has coordinates of the wrong length"
                    )));
                }
                (k.d.as_ref(), p.uncompressed_point())
            }
            (KeyMaterial::Okp(k), KeyMaterial::Okp(p)) => (k.d.as_ref(), p.x.clone()),
            _ => return Err(private.wrong_for(KeyManagementAlgorithm::EcdhEs)),
        };
        let d = d.ok_or_else(|| Error::InvalidKey("a public key cannot agree".into()))?;
        let private = agreement_private_key(curve, d.expose())?;
        let alg = private.algorithm();
        // The library parses the peer's key and checks that the point is on the curve (and,
        // for X25519, refuses an all-zero result).
        aws_lc_rs::agreement::agree(
            &private,
            aws_lc_rs::agreement::UnparsedPublicKey::new(alg, &peer_bytes),
            Error::InvalidKey(format!("the peer's {curve} public key is not valid")),
            |z| Ok(SecretBytes::new(z.to_vec())),
        )
    }

    fn ephemeral(
        &self,
        curve: AgreementCurve,
        rng: &dyn crate::rand::SecureRandom,
    ) -> Result<KeyMaterial> {
        let d = draw_private_scalar(curve, rng)?;
        let private = agreement_private_key(curve, d.expose())?;
        let public = private.compute_public_key().map_err(|_| Error::Crypto)?;
        let public = public.as_ref();
        Ok(match curve {
            AgreementCurve::X25519 => KeyMaterial::Okp(
                OkpParams::new(crate::alg::OkpCurve::X25519, public).with_private(d),
            ),
            _ => {
                let crv = match curve {
                    AgreementCurve::P256 => crate::alg::EcCurve::P256,
                    AgreementCurve::P384 => crate::alg::EcCurve::P384,
                    _ => crate::alg::EcCurve::P521,
                };
                let n = crv.coordinate_len();
                // Uncompressed SEC1 point: 0x04 || x || y.
                if public.len() != 1 + 2 * n {
                    return Err(Error::Crypto);
                }
                KeyMaterial::Ec(
                    EcParams::new(crv, &public[1..=n], &public[1 + n..]).with_private(d),
                )
            }
        })
    }
}
