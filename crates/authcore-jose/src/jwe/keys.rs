//! JWE keys: an [`EncryptionKey`] for a recipient, a [`DecryptionKey`] (and a
//! [`DecryptionKeys`] set) for the holder, each bound to one key management algorithm when it
//! is built, so the key, never the header, decides `alg` (RFC 8725 §3.1).

use core::fmt;

use crate::alg::{
    Algorithm, ContentEncryptionAlgorithm as Enc, DigestAlgorithm, KeyManagementAlgorithm as Kma,
};
use crate::crypto::encryption::{
    AgreementCurve, GCM_IV_LEN, GCM_TAG_LEN, KeyDecryptor, KeyEncryptor,
};
use crate::crypto::{CryptoProvider, KeyMaterial, check_rsa_bits};
use crate::error::{Error, Result, SkippedKey};
use crate::jwk::{Jwk, JwkSet, KeyOperation};
use crate::rand::SecureRandom;
use crate::secret::SecretBytes;

use super::JweOptions;
use super::header::JweHeader;

/// Smallest RSA modulus for key encryption, in bits (RFC 7518 §4.2, §4.3).
const MIN_RSA_BITS: usize = 2048;

/// Iteration count written into `p2c` when encrypting with PBES2, unless the key says
/// otherwise ([`EncryptionKey::with_pbes2_iterations`]): the PBKDF2-HMAC-SHA-256 figure of
/// current password-storage guidance, and within the default decryption bound.
pub const DEFAULT_PBES2_ITERATIONS: u32 = 600_000;

/// Length of the PBES2 salt input `p2s` drawn when encrypting (RFC 7518 §4.8.1.1 asks for at
/// least 8 bytes).
pub const PBES2_SALT_LEN: usize = 16;

/// Longest `apu` or `apv` accepted (decoded), RFC 7518 §4.6.1.2–3: they feed the key
/// derivation, so their size bounds work an unauthenticated header can cause.
pub const MAX_PARTY_INFO_BYTES: usize = 1024;

/// How a key management algorithm works, for the code that follows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Rsa,
    /// AES key wrap with a key of this many bytes.
    Kw(usize),
    Dir,
    /// ECDH-ES; `Some(n)`: then AES key wrap with a derived key of `n` bytes.
    Ecdh(Option<usize>),
    /// AES-GCM key wrap with a key of this many bytes.
    GcmKw(usize),
    /// PBES2 with this hash and a derived key-wrapping key of this many bytes.
    Pbes2(DigestAlgorithm, usize),
}

fn mode(alg: Kma) -> Mode {
    match alg {
        Kma::Rsa1_5 | Kma::RsaOaep | Kma::RsaOaep256 | Kma::RsaOaep384 | Kma::RsaOaep512 => {
            Mode::Rsa
        }
        Kma::A128Kw => Mode::Kw(16),
        Kma::A192Kw => Mode::Kw(24),
        Kma::A256Kw => Mode::Kw(32),
        Kma::Dir => Mode::Dir,
        Kma::EcdhEs => Mode::Ecdh(None),
        Kma::EcdhEsA128Kw => Mode::Ecdh(Some(16)),
        Kma::EcdhEsA192Kw => Mode::Ecdh(Some(24)),
        Kma::EcdhEsA256Kw => Mode::Ecdh(Some(32)),
        Kma::A128GcmKw => Mode::GcmKw(16),
        Kma::A192GcmKw => Mode::GcmKw(24),
        Kma::A256GcmKw => Mode::GcmKw(32),
        Kma::Pbes2Hs256A128Kw => Mode::Pbes2(DigestAlgorithm::Sha256, 16),
        Kma::Pbes2Hs384A192Kw => Mode::Pbes2(DigestAlgorithm::Sha384, 24),
        Kma::Pbes2Hs512A256Kw => Mode::Pbes2(DigestAlgorithm::Sha512, 32),
    }
}

/// Whether the content encryption key is the agreed or shared key itself (`dir`, `ECDH-ES`):
/// then the JWE has one recipient and an empty encrypted key (RFC 7516 §5.1 step 2, 5).
pub(super) fn is_direct(alg: Kma) -> bool {
    matches!(mode(alg), Mode::Dir | Mode::Ecdh(None))
}

/// The operations `key_ops` may name for this use of a key (the first is the one named in
/// errors).
fn operations(alg: Kma, decrypting: bool) -> &'static [KeyOperation] {
    use KeyOperation as O;
    match (mode(alg), decrypting) {
        (Mode::Dir, false) => &[O::Encrypt],
        (Mode::Dir, true) => &[O::Decrypt],
        (Mode::Ecdh(_), _) => &[O::DeriveKey, O::DeriveBits],
        (_, false) => &[O::WrapKey, O::Encrypt],
        (_, true) => &[O::UnwrapKey, O::Decrypt],
    }
}

/// The algorithm to use with `jwk`: its own `alg`, else `requested`; they must agree, and
/// one of them must be given (never guessed from the key material). A symmetric key whose
/// `alg` is a content encryption algorithm is a `dir` key for that `enc` only (RFC 7520 §5.6
/// publishes one); the second value is then that `enc`.
fn resolve(jwk: &Jwk, requested: Option<Kma>) -> Result<(Kma, Option<Enc>)> {
    match (jwk.algorithm().transpose()?, requested) {
        (Some(Algorithm::ContentEncryption(e)), None | Some(Kma::Dir)) => Ok((Kma::Dir, Some(e))),
        (Some(a), Some(r)) if a != Algorithm::KeyManagement(r) => {
            Err(Error::KeyUsage(format!("key is for `{a}`, not `{r}`")))
        }
        (_, Some(r)) => Ok((r, None)),
        (Some(Algorithm::KeyManagement(a)), None) => Ok((a, None)),
        (Some(other), None) => Err(Error::KeyUsage(format!(
            "key is for `{other}`, not for JWE key management"
        ))),
        (None, None) => Err(Error::Misuse("the key has no `alg`; name the algorithm")),
    }
}

/// `use`, `key_ops` and `alg` of `jwk` permit `alg` (or, for a `dir` key named by its
/// `enc`, that `enc`) on this side.
fn check_usable(jwk: &Jwk, alg: Kma, enc: Option<Enc>, decrypting: bool) -> Result<()> {
    let named: Algorithm = match enc {
        Some(e) => e.into(),
        None => alg.into(),
    };
    jwk.check_usable_for(operations(alg, decrypting), named)
}

/// Checks what every JWE key needs whichever side it is on: `use`/`key_ops`/`alg` permit the
/// operation, the type and curve fit, the provider has the parts, and the size is right.
fn check_key(jwk_or_params: &KeyMaterial, alg: Kma, provider: &CryptoProvider) -> Result<()> {
    jwk_or_params.check_fits(alg)?;
    check_size(jwk_or_params, alg)?;
    if !provider.supports(alg) {
        return Err(Error::UnsupportedAlgorithm(format!(
            "{alg} is not available with the {} provider",
            provider.name
        )));
    }
    if let (Mode::Ecdh(_), key) = (mode(alg), jwk_or_params) {
        let curve = AgreementCurve::of(key).ok_or_else(|| key.wrong_for(alg))?;
        if !provider.key_agreement.supports(curve) {
            return Err(Error::UnsupportedAlgorithm(format!(
                "{alg} on {curve} is not available with the {} provider",
                provider.name
            )));
        }
    }
    Ok(())
}

/// The key sizes each algorithm needs (RFC 7518 §4.2–4.8), checked before support so that a
/// weak key is refused as such whatever the provider.
fn check_size(jwk_or_params: &KeyMaterial, alg: Kma) -> Result<()> {
    match (mode(alg), jwk_or_params) {
        (Mode::Rsa, KeyMaterial::Rsa(p)) => check_rsa_bits(p, MIN_RSA_BITS),
        (Mode::Kw(n) | Mode::GcmKw(n), KeyMaterial::Oct(k)) if k.k.len() != n => Err(
            Error::InvalidKey(format!("{alg} needs a key of {n} bytes, got {}", k.k.len())),
        ),
        (Mode::Dir, KeyMaterial::Oct(k)) if !Enc::ALL.iter().any(|e| e.key_len() == k.k.len()) => {
            Err(Error::InvalidKey(format!(
                "no content encryption algorithm has a key of {} bytes",
                k.k.len()
            )))
        }
        (Mode::Pbes2(..), KeyMaterial::Oct(k)) if k.k.is_empty() => {
            Err(Error::InvalidKey("a PBES2 password cannot be empty".into()))
        }
        _ => Ok(()),
    }
}

enum Encrypter {
    Rsa(Box<dyn KeyEncryptor>),
    Secret(SecretBytes),
    Agreement(KeyMaterial, AgreementCurve),
}

/// A recipient's key for encrypting JWEs with one key management algorithm: an RSA, EC or
/// OKP public key (private material is accepted and only its public half used), or a
/// symmetric key (key wrap, `dir`, PBES2 password).
///
/// ```
/// use authcore_jose::{crypto, jwe::EncryptionKey, Jwk, KeyManagementAlgorithm};
/// let jwk = Jwk::symmetric(vec![7u8; 16]);
/// let key = EncryptionKey::from_jwk(&jwk, Some(KeyManagementAlgorithm::A128Kw), crypto::default_provider());
/// # let _ = key;
/// ```
pub struct EncryptionKey {
    alg: Kma,
    kid: Option<String>,
    provider: CryptoProvider,
    inner: Encrypter,
    apu: Option<Vec<u8>>,
    apv: Option<Vec<u8>>,
    p2c: u32,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl EncryptionKey {
    /// Builds an encryption key from a JWK. The algorithm is the JWK's `alg` or `alg` here
    /// (both given: they must agree; neither: an error). `use` must be `enc` if present and
    /// `key_ops` must allow the operation (`wrapKey`/`encrypt`, `deriveKey`/`deriveBits` for
    /// ECDH-ES, `encrypt` for `dir`). `RSA1_5` is refused: it is accepted for decryption only,
    /// behind [`JweOptions::legacy_rsa1_5`]. An algorithm whose parts the provider lacks is
    /// [`Error::UnsupportedAlgorithm`].
    pub fn from_jwk(jwk: &Jwk, alg: Option<Kma>, provider: &CryptoProvider) -> Result<Self> {
        let (alg, enc) = resolve(jwk, alg)?;
        check_usable(jwk, alg, enc, false)?;
        Self::build(alg, jwk.kid.clone(), &jwk.params, provider)
    }

    /// Selects a recipient's key for `alg` from its JWK Set (RFC 7517 §5), as for JWS: the
    /// keys with `kid` when one is given, whose `use`, `key_ops`, `alg`, type and curve permit
    /// encrypting with `alg`; those whose own `alg` names it first, then those without `alg`,
    /// each in document order. The first that builds is the key; none is
    /// [`Error::NoMatchingKey`].
    pub fn from_jwk_set(
        set: &JwkSet,
        kid: Option<&str>,
        alg: Kma,
        provider: &CryptoProvider,
    ) -> Result<Self> {
        let candidates = set
            .keys
            .iter()
            .filter(|k| kid.is_none() || k.kid.as_deref() == kid);
        let (named, unnamed): (Vec<&Jwk>, Vec<&Jwk>) = candidates.partition(|k| k.alg.is_some());
        named
            .into_iter()
            .chain(unnamed)
            .find_map(|jwk| Self::from_jwk(jwk, Some(alg), provider).ok())
            .ok_or(Error::NoMatchingKey)
    }

    /// A symmetric key (`A*KW`, `A*GCMKW`, `dir`) or PBES2 password from raw bytes.
    pub fn symmetric(alg: Kma, secret: &[u8], provider: &CryptoProvider) -> Result<Self> {
        Self::build(
            alg,
            None,
            &KeyMaterial::Oct(crate::OctParams::new(secret)),
            provider,
        )
    }

    fn build(
        alg: Kma,
        kid: Option<String>,
        key: &KeyMaterial,
        provider: &CryptoProvider,
    ) -> Result<Self> {
        if alg == Kma::Rsa1_5 {
            return Err(Error::UnsupportedAlgorithm(
                "RSA1_5 encryption: the algorithm is for decrypting legacy tokens only \
                 (RFC 7516 §11.5); use RSA-OAEP-256"
                    .into(),
            ));
        }
        check_key(key, alg, provider)?;
        let inner = match (mode(alg), key) {
            (Mode::Rsa, KeyMaterial::Rsa(p)) => {
                Encrypter::Rsa(provider.rsa_encryption.encryptor(alg, p)?)
            }
            (Mode::Ecdh(_), key) => {
                let curve = AgreementCurve::of(key).ok_or_else(|| key.wrong_for(alg))?;
                Encrypter::Agreement(public_half(key), curve)
            }
            (_, KeyMaterial::Oct(k)) => Encrypter::Secret(k.k.clone()),
            (_, key) => return Err(key.wrong_for(alg)),
        };
        Ok(EncryptionKey {
            alg,
            kid,
            provider: provider.clone(),
            inner,
            apu: None,
            apv: None,
            p2c: DEFAULT_PBES2_ITERATIONS,
        })
    }

    /// Sets the key id written into headers.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Sets the ECDH-ES agreement PartyUInfo and PartyVInfo (`apu`, `apv`, RFC 7518
    /// §4.6.1.2–3), at most [`MAX_PARTY_INFO_BYTES`] each; ignored by other algorithms.
    pub fn with_party_info(mut self, apu: Option<Vec<u8>>, apv: Option<Vec<u8>>) -> Result<Self> {
        if [&apu, &apv]
            .iter()
            .any(|v| v.as_ref().is_some_and(|v| v.len() > MAX_PARTY_INFO_BYTES))
        {
            return Err(Error::TooLarge {
                what: "apu/apv",
                limit: MAX_PARTY_INFO_BYTES,
            });
        }
        (self.apu, self.apv) = (apu, apv);
        Ok(self)
    }

    /// Sets the PBES2 iteration count `p2c` (default [`DEFAULT_PBES2_ITERATIONS`]); at least
    /// 1,000 (RFC 7518 §4.8.1.2). Ignored by other algorithms.
    pub fn with_pbes2_iterations(mut self, p2c: u32) -> Result<Self> {
        if p2c < 1000 {
            return Err(Error::Misuse("PBES2 needs at least 1,000 iterations"));
        }
        self.p2c = p2c;
        Ok(self)
    }

    /// The one key management algorithm of this key.
    pub fn algorithm(&self) -> Kma {
        self.alg
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub(super) fn provider(&self) -> &CryptoProvider {
        &self.provider
    }

    /// For a direct algorithm (`dir`, `ECDH-ES`): the content encryption key for `enc`, and
    /// the header parameters to send.
    pub(super) fn direct_cek(
        &self,
        enc: Enc,
        rng: &dyn SecureRandom,
        header: &mut JweHeader,
    ) -> Result<SecretBytes> {
        match (&self.inner, mode(self.alg)) {
            (Encrypter::Secret(k), Mode::Dir) => {
                if k.len() != enc.key_len() {
                    return Err(Error::InvalidKey(format!(
                        "dir with {enc} needs a key of {} bytes, got {}",
                        enc.key_len(),
                        k.len()
                    )));
                }
                Ok(k.clone())
            }
            (Encrypter::Agreement(peer, curve), Mode::Ecdh(None)) => {
                self.agree_ephemeral(peer, *curve, enc.name(), enc.key_len(), rng, header)
            }
            _ => Err(Error::Misuse("not a direct key management algorithm")),
        }
    }

    /// For a key-wrapping algorithm: the encrypted key for `cek`, setting the header
    /// parameters the algorithm sends (`epk`, `iv`/`tag`, `p2s`/`p2c`).
    pub(super) fn wrap(
        &self,
        cek: &[u8],
        rng: &dyn SecureRandom,
        header: &mut JweHeader,
    ) -> Result<Vec<u8>> {
        let p = &self.provider;
        match (&self.inner, mode(self.alg)) {
            (Encrypter::Rsa(e), Mode::Rsa) => e.encrypt(cek),
            (Encrypter::Secret(k), Mode::Kw(_)) => p.aes_key_wrap.wrap(k.expose(), cek),
            (Encrypter::Secret(k), Mode::GcmKw(_)) => {
                let iv: [u8; GCM_IV_LEN] = crate::rand::random_array(rng)?;
                let (wrapped, tag) = p.aes_gcm.seal(k.expose(), &iv, &[], cek)?;
                header.iv = Some(iv.to_vec());
                header.tag = Some(tag.to_vec());
                Ok(wrapped)
            }
            (Encrypter::Secret(k), Mode::Pbes2(hash, n)) => {
                let salt: [u8; PBES2_SALT_LEN] = crate::rand::random_array(rng)?;
                let kek = pbes2_key(p, self.alg, hash, n, k.expose(), &salt, self.p2c)?;
                header.p2s = Some(salt.to_vec());
                header.p2c = Some(self.p2c);
                p.aes_key_wrap.wrap(kek.expose(), cek)
            }
            (Encrypter::Agreement(peer, curve), Mode::Ecdh(Some(n))) => {
                let kek = self.agree_ephemeral(peer, *curve, self.alg.name(), n, rng, header)?;
                p.aes_key_wrap.wrap(kek.expose(), cek)
            }
            _ => Err(Error::Misuse(
                "a direct key management algorithm wraps no key",
            )),
        }
    }

    /// ECDH-ES on the sending side: a new ephemeral key (from `rng`), the agreed secret with
    /// the recipient's key, and the Concat KDF output of `len` bytes for `algorithm_id`.
    fn agree_ephemeral(
        &self,
        peer: &KeyMaterial,
        curve: AgreementCurve,
        algorithm_id: &str,
        len: usize,
        rng: &dyn SecureRandom,
        header: &mut JweHeader,
    ) -> Result<SecretBytes> {
        let p = &self.provider;
        let ephemeral = p.key_agreement.ephemeral(curve, rng)?;
        let z = p.key_agreement.agree(&ephemeral, peer)?;
        check_shared_secret(&z)?;
        let key = concat_kdf(
            p,
            z.expose(),
            algorithm_id,
            self.apu.as_deref(),
            self.apv.as_deref(),
            len,
        );
        header.epk = Some(Box::new(Jwk::new(public_half(&ephemeral))));
        header.apu.clone_from(&self.apu);
        header.apv.clone_from(&self.apv);
        Ok(key)
    }
}

/// The public half of asymmetric key material.
fn public_half(key: &KeyMaterial) -> KeyMaterial {
    match Jwk::new(key.clone()).to_public() {
        Ok(j) => j.params,
        Err(_) => key.clone(),
    }
}

enum Decrypter {
    Rsa(Box<dyn KeyDecryptor>, SecretBytes),
    Secret(SecretBytes),
    Agreement(KeyMaterial, AgreementCurve),
}

/// A key that decrypts JWEs of one key management algorithm, for a list of allowed content
/// encryption algorithms (by default every one the provider has; for `dir`, those whose key
/// length is the key's).
pub struct DecryptionKey {
    alg: Kma,
    kid: Option<String>,
    encs: Vec<Enc>,
    provider: CryptoProvider,
    inner: Decrypter,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("enc", &self.encs)
            .finish_non_exhaustive()
    }
}

impl DecryptionKey {
    /// Builds a decryption key from a private (or symmetric) JWK. The algorithm is chosen as
    /// in [`EncryptionKey::from_jwk`]; `use` must be `enc` if present and `key_ops` must allow
    /// `unwrapKey`/`decrypt` (`decrypt` for `dir`, `deriveKey`/`deriveBits` for ECDH-ES). RSA
    /// keys need at least 2048 bits.
    pub fn from_jwk(jwk: &Jwk, alg: Option<Kma>, provider: &CryptoProvider) -> Result<Self> {
        let (alg, enc) = resolve(jwk, alg)?;
        check_usable(jwk, alg, enc, true)?;
        let key = Self::build(alg, jwk.kid.clone(), &jwk.params, provider)?;
        Ok(match enc {
            Some(e) => key.with_content_encryption(&[e]),
            None => key,
        })
    }

    /// A symmetric key (`A*KW`, `A*GCMKW`, `dir`) or PBES2 password from raw bytes.
    pub fn symmetric(alg: Kma, secret: &[u8], provider: &CryptoProvider) -> Result<Self> {
        Self::build(
            alg,
            None,
            &KeyMaterial::Oct(crate::OctParams::new(secret)),
            provider,
        )
    }

    fn build(
        alg: Kma,
        kid: Option<String>,
        key: &KeyMaterial,
        provider: &CryptoProvider,
    ) -> Result<Self> {
        if !key.is_private() {
            return Err(Error::InvalidKey("a public key cannot decrypt".into()));
        }
        check_key(key, alg, provider)?;
        let inner = match (mode(alg), key) {
            (Mode::Rsa, KeyMaterial::Rsa(p)) => {
                let d = p.private.as_ref().map(|p| p.d.expose()).unwrap_or_default();
                // The secret of the RSA1_5 countermeasure (see `unwrap`): fixed per key, known
                // only to its holder.
                let secret = SecretBytes::new(provider.digest(DigestAlgorithm::Sha256, d));
                Decrypter::Rsa(provider.rsa_encryption.decryptor(alg, p)?, secret)
            }
            (Mode::Ecdh(_), key) => {
                let curve = AgreementCurve::of(key).ok_or_else(|| key.wrong_for(alg))?;
                Decrypter::Agreement(key.clone(), curve)
            }
            (_, KeyMaterial::Oct(k)) => Decrypter::Secret(k.k.clone()),
            (_, key) => return Err(key.wrong_for(alg)),
        };
        let encs = Enc::ALL
            .into_iter()
            .filter(|&e| provider.supports(e))
            .filter(|e| match &inner {
                Decrypter::Secret(k) if alg == Kma::Dir => k.len() == e.key_len(),
                _ => true,
            })
            .collect();
        Ok(DecryptionKey {
            alg,
            kid,
            encs,
            provider: provider.clone(),
            inner,
        })
    }

    /// Sets the key id used for selection.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Restricts the content encryption algorithms this key accepts to those in `allowed`
    /// (and the provider has); a JWE with any other `enc` is refused.
    pub fn with_content_encryption(mut self, allowed: &[Enc]) -> Self {
        self.encs.retain(|e| allowed.contains(e));
        self
    }

    /// The one key management algorithm this key decrypts.
    pub fn algorithm(&self) -> Kma {
        self.alg
    }

    /// The content encryption algorithms this key accepts.
    pub fn content_encryption(&self) -> &[Enc] {
        &self.encs
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub(super) fn provider(&self) -> &CryptoProvider {
        &self.provider
    }

    /// Checks the recipient's header parameters that bound the work of [`Self::unwrap`]
    /// (PBES2 `p2c` and `p2s`, ECDH-ES `epk`, `apu`, `apv`, AES-GCM key wrap `iv` and
    /// `tag`), before any derivation: a refusal here is immediate and may say why, since it
    /// depends on the header only, not on the key.
    pub(super) fn check_header(
        &self,
        h: &JweHeader,
        encrypted_key: &[u8],
        options: &JweOptions,
    ) -> Result<()> {
        match mode(self.alg) {
            Mode::Pbes2(..) => {
                let p2c = h.p2c.ok_or(Error::Header("PBES2 needs `p2c`".into()))?;
                if p2c < options.pbes2_min_iterations || p2c > options.pbes2_max_iterations {
                    return Err(Error::Header(format!(
                        "`p2c` {p2c} is outside the accepted {}..={}",
                        options.pbes2_min_iterations, options.pbes2_max_iterations
                    )));
                }
                // RFC 7518 §4.8.1.1: a salt input of at least 8 octets.
                if h.p2s.as_ref().is_none_or(|s| s.len() < 8) {
                    return Err(Error::Header("`p2s` must hold at least 8 bytes".into()));
                }
            }
            Mode::Ecdh(kw) => {
                let Decrypter::Agreement(_, curve) = &self.inner else {
                    return Err(Error::Crypto);
                };
                let epk = h
                    .epk
                    .as_ref()
                    .ok_or(Error::Header("ECDH-ES needs `epk`".into()))?;
                // RFC 7518 §4.6.1.1: a public key on the recipient key's curve.
                if epk.is_private() || AgreementCurve::of(&epk.params) != Some(*curve) {
                    return Err(Error::Header(format!(
                        "`epk` must be a public key on the recipient's curve {curve}"
                    )));
                }
                for v in [&h.apu, &h.apv] {
                    if v.as_ref().is_some_and(|v| v.len() > MAX_PARTY_INFO_BYTES) {
                        return Err(Error::TooLarge {
                            what: "apu/apv",
                            limit: MAX_PARTY_INFO_BYTES,
                        });
                    }
                }
                if kw.is_none() && !encrypted_key.is_empty() {
                    // RFC 7516 §5.2 step 10: direct key agreement has an empty encrypted key.
                    return Err(Error::Malformed("ECDH-ES has an empty encrypted key"));
                }
            }
            Mode::Dir if !encrypted_key.is_empty() => {
                return Err(Error::Malformed("dir has an empty encrypted key"));
            }
            Mode::GcmKw(_)
                if h.iv.as_ref().is_none_or(|v| v.len() != GCM_IV_LEN)
                    || h.tag.as_ref().is_none_or(|t| t.len() != GCM_TAG_LEN) =>
            {
                return Err(Error::Header(
                    "AES-GCM key wrap needs a 96-bit `iv` and a 128-bit `tag`".into(),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// Recovers the content encryption key for `enc`. Every failure is the one opaque
    /// [`Error::Decryption`]; a key of the wrong length counts as a failure.
    pub(super) fn unwrap(
        &self,
        h: &JweHeader,
        encrypted_key: &[u8],
        enc: Enc,
    ) -> Result<SecretBytes> {
        let p = &self.provider;
        let cek = match (&self.inner, mode(self.alg)) {
            (Decrypter::Rsa(d, secret), Mode::Rsa) if self.alg == Kma::Rsa1_5 => {
                // RFC 7516 §11.5: a padding failure must be indistinguishable from a wrong
                // CEK, so processing goes on with a substitute key that fails the tag check.
                // The substitute is derived from the encrypted key under a secret of the
                // private key (implicit rejection), so it is the same for the same input and
                // needs no randomness from the caller.
                let substitute = implicit_rejection_key(p, secret, encrypted_key, enc.key_len())?;
                match d.decrypt(encrypted_key) {
                    Ok(k) if k.len() == enc.key_len() => k,
                    _ => substitute,
                }
            }
            (Decrypter::Rsa(d, _), Mode::Rsa) => d.decrypt(encrypted_key)?,
            (Decrypter::Secret(k), Mode::Kw(_)) => {
                p.aes_key_wrap.unwrap(k.expose(), encrypted_key)?
            }
            (Decrypter::Secret(k), Mode::Dir) => k.clone(),
            (Decrypter::Secret(k), Mode::GcmKw(_)) => {
                let iv: &[u8; GCM_IV_LEN] =
                    h.iv.as_deref()
                        .and_then(|v| v.try_into().ok())
                        .ok_or(Error::Decryption)?;
                let tag: &[u8; GCM_TAG_LEN] = h
                    .tag
                    .as_deref()
                    .and_then(|v| v.try_into().ok())
                    .ok_or(Error::Decryption)?;
                SecretBytes::new(p.aes_gcm.open(k.expose(), iv, &[], encrypted_key, tag)?)
            }
            (Decrypter::Secret(k), Mode::Pbes2(hash, n)) => {
                let salt = h.p2s.as_deref().ok_or(Error::Decryption)?;
                let p2c = h.p2c.ok_or(Error::Decryption)?;
                let kek = pbes2_key(p, self.alg, hash, n, k.expose(), salt, p2c)?;
                p.aes_key_wrap.unwrap(kek.expose(), encrypted_key)?
            }
            (Decrypter::Agreement(private, _), Mode::Ecdh(kw)) => {
                let epk = h.epk.as_ref().ok_or(Error::Decryption)?;
                let z = p
                    .key_agreement
                    .agree(private, &epk.params)
                    .map_err(|_| Error::Decryption)?;
                check_shared_secret(&z)?;
                let (id, len) = match kw {
                    None => (enc.name(), enc.key_len()),
                    Some(n) => (self.alg.name(), n),
                };
                let derived =
                    concat_kdf(p, z.expose(), id, h.apu.as_deref(), h.apv.as_deref(), len);
                match kw {
                    None => derived,
                    Some(_) => p.aes_key_wrap.unwrap(derived.expose(), encrypted_key)?,
                }
            }
            _ => return Err(Error::Decryption),
        };
        if cek.len() != enc.key_len() {
            return Err(Error::Decryption);
        }
        Ok(cek)
    }
}

/// The RSA1_5 substitute key: HMAC-SHA-256 under the key's secret over a counter and the
/// encrypted key, as many blocks as `len` needs.
fn implicit_rejection_key(
    p: &CryptoProvider,
    secret: &SecretBytes,
    encrypted_key: &[u8],
    len: usize,
) -> Result<SecretBytes> {
    let mac = p.hmac.signer(DigestAlgorithm::Sha256, secret.expose())?;
    let mut out = Vec::with_capacity(len + 32);
    let mut counter = 1u8;
    while out.len() < len {
        let mut input = Vec::with_capacity(1 + encrypted_key.len());
        input.push(counter);
        input.extend_from_slice(encrypted_key);
        out.extend_from_slice(&mac.sign(&input)?);
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    Ok(SecretBytes::new(out))
}

/// Rejects the all-zero shared secret (RFC 7748 §6.1: X25519 and X448 with a small-order
/// peer key), whatever the curve; the check runs in constant time.
fn check_shared_secret(z: &SecretBytes) -> Result<()> {
    let zero = vec![0u8; z.len()];
    if z.is_empty() || crate::secret::constant_time_eq(z.expose(), &zero) {
        return Err(Error::Decryption);
    }
    Ok(())
}

/// The Concat KDF of NIST SP 800-56A as RFC 7518 §4.6.2 uses it, with SHA-256: `len` bytes
/// from `Z` and OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo, each of
/// the first three a 32-bit big-endian length and the bytes, SuppPubInfo the key length in
/// bits.
fn concat_kdf(
    p: &CryptoProvider,
    z: &[u8],
    algorithm_id: &str,
    apu: Option<&[u8]>,
    apv: Option<&[u8]>,
    len: usize,
) -> SecretBytes {
    let mut other = Vec::new();
    for field in [
        algorithm_id.as_bytes(),
        apu.unwrap_or_default(),
        apv.unwrap_or_default(),
    ] {
        // Each field is bounded (an `enc`/`alg` name, MAX_PARTY_INFO_BYTES), so it fits.
        other.extend_from_slice(&(field.len() as u32).to_be_bytes());
        other.extend_from_slice(field);
    }
    other.extend_from_slice(&((len * 8) as u32).to_be_bytes());
    let mut out = Vec::with_capacity(len + 32);
    let mut counter = 1u32;
    while out.len() < len {
        let mut round = Vec::with_capacity(4 + z.len() + other.len());
        round.extend_from_slice(&counter.to_be_bytes());
        round.extend_from_slice(z);
        round.extend_from_slice(&other);
        out.extend_from_slice(&p.digest(DigestAlgorithm::Sha256, &round));
        counter += 1;
    }
    out.truncate(len);
    SecretBytes::new(out)
}

/// The PBES2 key-wrapping key (RFC 7518 §4.8.1.1): PBKDF2 with salt `UTF8(alg) || 0x00 ||
/// p2s`.
fn pbes2_key(
    p: &CryptoProvider,
    alg: Kma,
    hash: DigestAlgorithm,
    len: usize,
    password: &[u8],
    p2s: &[u8],
    p2c: u32,
) -> Result<SecretBytes> {
    let mut salt = Vec::with_capacity(alg.name().len() + 1 + p2s.len());
    salt.extend_from_slice(alg.name().as_bytes());
    salt.push(0);
    salt.extend_from_slice(p2s);
    let mut out = vec![0u8; len];
    p.pbkdf2.derive(hash, password, &salt, p2c, &mut out)?;
    Ok(SecretBytes::new(out))
}

/// Where decryption keys come from: one key, a [`DecryptionKeys`] set, or a caller's own
/// store.
pub trait DecryptionKeySource {
    /// The keys, in preference order.
    fn decryption_keys(&self) -> &[DecryptionKey];
}

impl DecryptionKeySource for DecryptionKey {
    fn decryption_keys(&self) -> &[DecryptionKey] {
        core::slice::from_ref(self)
    }
}

impl DecryptionKeySource for [DecryptionKey] {
    fn decryption_keys(&self) -> &[DecryptionKey] {
        self
    }
}

impl DecryptionKeySource for Vec<DecryptionKey> {
    fn decryption_keys(&self) -> &[DecryptionKey] {
        self
    }
}

/// A set of decryption keys; their algorithms are the allow-list.
#[derive(Debug, Default)]
pub struct DecryptionKeys {
    keys: Vec<DecryptionKey>,
    skipped: Vec<SkippedKey>,
}

impl DecryptionKeys {
    /// An empty set.
    pub fn new() -> Self {
        DecryptionKeys::default()
    }

    /// Adds a key.
    pub fn push(&mut self, key: DecryptionKey) {
        self.keys.push(key);
    }

    /// Builds keys from a JWK Set for the key management algorithms in `algs` and the content
    /// encryption algorithms in `encs`.
    ///
    /// A JWK with an `alg` yields one key if that algorithm is allowed; a JWK without `alg`
    /// yields one key per allowed algorithm that fits its type and curve and that `provider`
    /// supports. JWKs whose `use`/`key_ops` forbid decryption, public keys and unsupported
    /// material are skipped. Neither list may be empty, and a set that yields no key is
    /// [`Error::NoUsableDecryptionKeys`], saying why each entry was skipped.
    pub fn from_jwk_set(
        set: &JwkSet,
        algs: &[Kma],
        encs: &[Enc],
        provider: &CryptoProvider,
    ) -> Result<Self> {
        if algs.is_empty() || encs.is_empty() {
            return Err(Error::Misuse("allow-lists of `alg` and `enc` are required"));
        }
        let mut keys = Vec::new();
        let mut skipped = Vec::new();
        for (index, jwk) in set.keys.iter().enumerate() {
            let before = keys.len();
            let mut reasons: Vec<String> = Vec::new();
            for &alg in algs {
                match DecryptionKey::from_jwk(jwk, Some(alg), provider) {
                    Ok(k) => {
                        let k = k.with_content_encryption(encs);
                        if k.encs.is_empty() {
                            reasons.push(format!("{alg}: no allowed `enc` is available"));
                        } else {
                            keys.push(k);
                        }
                    }
                    Err(e) => {
                        let reason = e.to_string();
                        if !reasons.contains(&reason) {
                            reasons.push(reason);
                        }
                    }
                }
            }
            if keys.len() == before {
                let reason = match jwk.alg.as_deref() {
                    Some(a) if !algs.iter().any(|x| x.name() == a) => {
                        format!("its `alg` `{a}` is not in the allow-list")
                    }
                    _ => reasons.join("; "),
                };
                skipped.push(SkippedKey {
                    index,
                    kid: jwk.kid.clone(),
                    kty: Some(jwk.key_type().name().to_owned()),
                    alg: jwk.alg.clone(),
                    key_use: jwk.key_use.clone(),
                    reason,
                });
            }
        }
        if keys.is_empty() {
            let allowed = algs
                .iter()
                .map(|&a| a.into())
                .chain(encs.iter().map(|&e| e.into()))
                .collect();
            return Err(Error::NoUsableDecryptionKeys { allowed, skipped });
        }
        Ok(DecryptionKeys { keys, skipped })
    }

    /// Builds keys from the JSON text of a JWK Set with the default crypto provider, as
    /// [`DecryptionKeys::from_jwk_set`].
    #[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
    pub fn from_jwk_set_json(json: impl AsRef<[u8]>, algs: &[Kma], encs: &[Enc]) -> Result<Self> {
        let set = JwkSet::from_json(json.as_ref())?;
        Self::from_jwk_set(&set, algs, encs, crate::crypto::default_provider())
    }

    /// The entries of the JWK Set that yielded no key, and why.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl DecryptionKeySource for DecryptionKeys {
    fn decryption_keys(&self) -> &[DecryptionKey] {
        &self.keys
    }
}

impl FromIterator<DecryptionKey> for DecryptionKeys {
    fn from_iter<I: IntoIterator<Item = DecryptionKey>>(iter: I) -> Self {
        DecryptionKeys {
            keys: iter.into_iter().collect(),
            skipped: Vec::new(),
        }
    }
}
