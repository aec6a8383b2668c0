//! Content encryption (`enc`, RFC 7518 §5) composed from the provider's parts, and the
//! `zip` compression (RFC 7516 §4.1.3).

use crate::alg::{ContentEncryptionAlgorithm as Enc, DigestAlgorithm};
use crate::crypto::CryptoProvider;
use crate::crypto::encryption::{CBC_IV_LEN, GCM_IV_LEN, GCM_TAG_LEN};
use crate::error::{Error, Result};
use crate::secret::constant_time_eq;

/// The two families of content encryption.
enum Family {
    /// AES-CBC with HMAC (RFC 7518 §5.2): the hash, and the length of each key half, which is
    /// also the tag length (§5.2.3–5.2.5: `T_LEN` = `ENC_KEY_LEN` = `MAC_KEY_LEN`).
    CbcHs(DigestAlgorithm, usize),
    /// AES-GCM (RFC 7518 §5.3).
    Gcm,
}

fn family(enc: Enc) -> Family {
    match enc {
        Enc::A128CbcHs256 => Family::CbcHs(DigestAlgorithm::Sha256, 16),
        Enc::A192CbcHs384 => Family::CbcHs(DigestAlgorithm::Sha384, 24),
        Enc::A256CbcHs512 => Family::CbcHs(DigestAlgorithm::Sha512, 32),
        Enc::A128Gcm => Family::Gcm,
        Enc::A192Gcm => Family::Gcm,
        Enc::A256Gcm => Family::Gcm,
    }
}

/// The IV length of `enc`: 128 bits for CBC (RFC 7518 §5.2.2.1), 96 bits for GCM (§5.3).
pub(super) fn iv_len(enc: Enc) -> usize {
    match family(enc) {
        Family::CbcHs(..) => CBC_IV_LEN,
        Family::Gcm => GCM_IV_LEN,
    }
}

/// Encrypts `plaintext` under `cek` and `iv` with additional authenticated data `aad`;
/// returns the ciphertext and the authentication tag.
pub(super) fn encrypt(
    provider: &CryptoProvider,
    enc: Enc,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>)> {
    if cek.len() != enc.key_len() || iv.len() != iv_len(enc) {
        return Err(Error::Misuse(
            "content encryption key or IV of the wrong length",
        ));
    }
    match family(enc) {
        Family::Gcm => {
            let iv: &[u8; GCM_IV_LEN] = iv.try_into().map_err(|_| Error::Crypto)?;
            let (ct, tag) = provider.aes_gcm.seal(cek, iv, aad, plaintext)?;
            Ok((ct, tag.to_vec()))
        }
        Family::CbcHs(hash, half) => {
            // RFC 7518 §5.2.2.1: MAC_KEY is the first half of the key, ENC_KEY the second.
            let (mac_key, enc_key) = cek.split_at(half);
            let iv: &[u8; CBC_IV_LEN] = iv.try_into().map_err(|_| Error::Crypto)?;
            let ct = provider.aes_cbc.encrypt(enc_key, iv, plaintext)?;
            let tag = cbc_hs_tag(provider, hash, half, mac_key, aad, iv, &ct)?;
            Ok((ct, tag))
        }
    }
}

/// Checks the tag and decrypts. Every failure, including an IV or tag of the wrong length
/// (GCM: exactly 96 and 128 bits; CBC-HS: the IV one block, the tag exactly half the MAC),
/// is the one opaque [`Error::Decryption`].
pub(super) fn decrypt(
    provider: &CryptoProvider,
    enc: Enc,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>> {
    if cek.len() != enc.key_len() {
        return Err(Error::Decryption);
    }
    match family(enc) {
        Family::Gcm => {
            let iv: &[u8; GCM_IV_LEN] = iv.try_into().map_err(|_| Error::Decryption)?;
            let tag: &[u8; GCM_TAG_LEN] = tag.try_into().map_err(|_| Error::Decryption)?;
            provider
                .aes_gcm
                .open(cek, iv, aad, ciphertext, tag)
                .map_err(|_| Error::Decryption)
        }
        Family::CbcHs(hash, half) => {
            let (mac_key, enc_key) = cek.split_at(half);
            let iv: &[u8; CBC_IV_LEN] = iv.try_into().map_err(|_| Error::Decryption)?;
            if tag.len() != half {
                return Err(Error::Decryption);
            }
            // RFC 7518 §5.2.2.2: the MAC is checked, in constant time, before anything is
            // decrypted, so no padding check ever runs on unauthenticated input.
            let expected = cbc_hs_tag(provider, hash, half, mac_key, aad, iv, ciphertext)
                .map_err(|_| Error::Decryption)?;
            if !constant_time_eq(&expected, tag) {
                return Err(Error::Decryption);
            }
            provider
                .aes_cbc
                .decrypt(enc_key, iv, ciphertext)
                .map_err(|_| Error::Decryption)
        }
    }
}

/// The CBC-HS tag (RFC 7518 §5.2.2.1 steps 4–6): HMAC over `A || IV || E || AL`, where `AL`
/// is the bit length of `A` as a 64-bit big-endian integer, truncated to its first `half`
/// bytes.
fn cbc_hs_tag(
    provider: &CryptoProvider,
    hash: DigestAlgorithm,
    half: usize,
    mac_key: &[u8],
    aad: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    let mac = provider.hmac.signer(hash, mac_key)?;
    let al = (aad.len() as u64).wrapping_mul(8).to_be_bytes();
    let mut input = Vec::with_capacity(aad.len() + iv.len() + ciphertext.len() + 8);
    input.extend_from_slice(aad);
    input.extend_from_slice(iv);
    input.extend_from_slice(ciphertext);
    input.extend_from_slice(&al);
    let mut tag = mac.sign(&input)?;
    if tag.len() < half {
        return Err(Error::Crypto);
    }
    tag.truncate(half);
    Ok(tag)
}

/// Compresses with raw DEFLATE (RFC 1951), the `zip: DEF` of RFC 7516 §4.1.3.
pub(super) fn deflate(plaintext: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(plaintext, 6)
}

/// Inflates `compressed` to at most `max_output` bytes and at most `max_ratio` times its own
/// size. The output buffer grows only as data arrives and never past the smaller limit, so a
/// decompression bomb is refused having allocated no more than the limit.
pub(super) fn inflate(compressed: &[u8], max_output: usize, max_ratio: usize) -> Result<Vec<u8>> {
    let limit = max_output.min(
        compressed
            .len()
            .saturating_mul(max_ratio)
            .max(MIN_RATIO_ALLOWANCE),
    );
    match miniz_oxide::inflate::decompress_to_vec_with_limit(compressed, limit) {
        Ok(out) => Ok(out),
        Err(e) if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
            Err(Error::TooLarge {
                what: "decompressed JWE plaintext",
                limit,
            })
        }
        Err(_) => Err(Error::Malformed(
            "the JWE plaintext is not valid DEFLATE data",
        )),
    }
}

/// Output that any compressed input may inflate to, whatever the ratio: a short JSON text of
/// repeated characters legitimately compresses far beyond any ratio limit.
const MIN_RATIO_ALLOWANCE: usize = 4096;
