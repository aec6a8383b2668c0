//! Prepared keys: a [`VerifyingKey`] or [`SigningKey`] is bound to exactly one algorithm when it
//! is built, so the key, never the token header, decides the algorithm (RFC 8725 §3.1).

use core::fmt;

use crate::alg::JwsAlgorithm;
use crate::crypto::OctParams;
use crate::crypto::{CryptoProvider, SignaturePrimitive, SignatureVerifier, VerifyOptions};
use crate::error::{Error, Result, SkippedKey};
use crate::jwk::{Jwk, JwkSet, KeyOperation, KeyParams};
use crate::secret::SecretBytes;

/// A key that verifies signatures of one algorithm.
///
/// ```
/// use authcore_jose::{crypto, Jwk, JwsAlgorithm, VerifyingKey};
/// let jwk = Jwk::symmetric(vec![0x42; 32]);
/// let key = VerifyingKey::from_jwk(&jwk, Some(JwsAlgorithm::HS256), crypto::default_provider())?;
/// assert_eq!(key.algorithm(), JwsAlgorithm::HS256);
/// # Ok::<(), authcore_jose::Error>(())
/// ```
pub struct VerifyingKey {
    alg: JwsAlgorithm,
    kid: Option<String>,
    inner: Box<dyn SignatureVerifier>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish()
    }
}

impl VerifyingKey {
    /// Builds a verification key from a JWK (public or private; only public material is used).
    ///
    /// The algorithm is the JWK's `alg` or `alg` here (both given: they must agree; neither: an
    /// error). The JWK's `use` and `key_ops` must permit verification and its type and curve
    /// must fit the algorithm, so public-key material can never become an HMAC secret.
    pub fn from_jwk(
        jwk: &Jwk,
        alg: Option<JwsAlgorithm>,
        provider: &CryptoProvider,
    ) -> Result<Self> {
        Self::from_jwk_with(jwk, alg, provider, &VerifyOptions::default())
    }

    /// As [`VerifyingKey::from_jwk`], with explicit options (minimum RSA size).
    pub fn from_jwk_with(
        jwk: &Jwk,
        alg: Option<JwsAlgorithm>,
        provider: &CryptoProvider,
        options: &VerifyOptions,
    ) -> Result<Self> {
        let alg = jwk.resolve_algorithm(alg)?;
        jwk.check_usable(KeyOperation::Verify, alg)?;
        let inner = provider.verifier(alg, &jwk.params, options)?;
        Ok(VerifyingKey {
            alg,
            kid: jwk.kid.clone(),
            inner,
        })
    }

    /// An HMAC verification key from raw secret bytes.
    ///
    /// Text that looks like a PEM public key is refused: using a public key as an HMAC secret is
    /// the classic algorithm-confusion attack (RFC 8725 §2.1).
    pub fn hmac(alg: JwsAlgorithm, secret: &[u8], provider: &CryptoProvider) -> Result<Self> {
        let params = hmac_params(alg, secret)?;
        let inner = provider.verifier(alg, &params, &VerifyOptions::default())?;
        Ok(VerifyingKey {
            alg,
            kid: None,
            inner,
        })
    }

    /// Wraps a custom verification primitive (an HSM, another library) for `alg`.
    pub fn from_primitive(alg: JwsAlgorithm, primitive: Box<dyn SignatureVerifier>) -> Self {
        VerifyingKey {
            alg,
            kid: None,
            inner: primitive,
        }
    }

    /// Sets the key id used for selection.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> JwsAlgorithm {
        self.alg
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Verifies `signature` over `message`. Fixed-size signatures (ECDSA `r || s`, EdDSA, HMAC)
    /// of any other length are rejected before the primitive runs (RFC 7518 §3.4).
    #[inline]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        if let Some(len) = self.alg.fixed_signature_len() {
            if signature.len() != len {
                return Err(Error::InvalidSignature);
            }
        }
        self.inner.verify(message, signature)
    }
}

/// Where verification keys come from: one key, a [`VerifyingKeys`] set, or a caller's own
/// store (a JWKS cache, for instance).
pub trait KeySource {
    /// The trusted keys, in preference order.
    fn verifying_keys(&self) -> &[VerifyingKey];

    /// The entry named `kid` that was skipped when this source was built from a key set (too
    /// weak, no allowed algorithm fits it), if one was, so that a token naming it can be
    /// refused with that reason rather than "no such key". Sources that skip nothing keep
    /// this default: `None`.
    fn skipped_key(&self, kid: &str) -> Option<&SkippedKey> {
        let _ = kid;
        None
    }
}

impl KeySource for VerifyingKey {
    fn verifying_keys(&self) -> &[VerifyingKey] {
        core::slice::from_ref(self)
    }
}

impl KeySource for [VerifyingKey] {
    fn verifying_keys(&self) -> &[VerifyingKey] {
        self
    }
}

impl KeySource for Vec<VerifyingKey> {
    fn verifying_keys(&self) -> &[VerifyingKey] {
        self
    }
}

/// A set of trusted verification keys; its algorithms are the allow-list.
#[derive(Debug, Default)]
pub struct VerifyingKeys {
    keys: Vec<VerifyingKey>,
    // The entries of the JWK Set that yielded no key, kept when others did so that a token
    // naming one can be told why (`KeySource::skipped_key`).
    skipped: Vec<SkippedKey>,
}

impl VerifyingKeys {
    /// An empty set.
    pub fn new() -> Self {
        VerifyingKeys::default()
    }

    /// Adds a key.
    pub fn push(&mut self, key: VerifyingKey) {
        self.keys.push(key);
    }

    /// Builds keys from a JWK Set for the algorithms in `allowed`.
    ///
    /// A JWK with an `alg` yields one key if that algorithm is allowed; a JWK without `alg`
    /// yields one key per allowed algorithm that fits its type and curve and that `provider`
    /// supports. JWKs whose `use`/`key_ops` forbid verification, and private-only or
    /// unsupported material, are skipped. `allowed` must not be empty, and a set that yields no
    /// key at all is [`Error::NoUsableKeys`], which says why each entry was skipped: a set that
    /// cannot verify anything is refused when it is built, not token by token later.
    pub fn from_jwk_set(
        set: &JwkSet,
        allowed: &[JwsAlgorithm],
        provider: &CryptoProvider,
        options: &VerifyOptions,
    ) -> Result<Self> {
        // Entries that did not parse were counted without their reasons; `from_jwk_set_json`
        // keeps them.
        Self::build(
            set.keys.iter().enumerate(),
            allowed,
            provider,
            options,
            Vec::new(),
            set.skipped,
        )
    }

    /// Builds keys from the JSON text of a JWK Set (RFC 7517 §5) for the algorithms in
    /// `allowed`, with the default crypto provider and default options: the one call for the
    /// common job of verifying JWTs against a provider's published keys. As
    /// [`VerifyingKeys::from_jwk_set`] otherwise; when no key results, the error names every
    /// entry (`kid`, `kty`, `alg`, `use`) and why it was skipped, entries that are not valid
    /// JWKs included.
    ///
    /// ```
    /// use authcore_jose::{Error, JwsAlgorithm, VerifyingKeys};
    /// // An RSA key cannot verify ES256: refused here rather than at every token.
    /// let jwks = r#"{"keys":[{"kty":"RSA","kid":"r1","n":"AQAB","e":"AQAB"}]}"#;
    /// let err = VerifyingKeys::from_jwk_set_json(jwks, &[JwsAlgorithm::ES256]).unwrap_err();
    /// assert!(matches!(err, Error::NoUsableKeys { .. }));
    /// assert!(err.to_string().contains("kid `r1`"));
    /// ```
    #[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
    pub fn from_jwk_set_json(json: impl AsRef<[u8]>, allowed: &[JwsAlgorithm]) -> Result<Self> {
        let mut skipped = Vec::new();
        let set = JwkSet::from_json_noting(json.as_ref(), &mut skipped)?;
        // Each parsed key's position in the document, around the entries that were skipped.
        let mut positions = Vec::with_capacity(set.keys.len());
        let mut s = skipped.iter().map(|k| k.index).peekable();
        let mut index = 0;
        while positions.len() < set.keys.len() {
            if s.peek() == Some(&index) {
                s.next();
            } else {
                positions.push(index);
            }
            index += 1;
        }
        Self::build(
            positions.into_iter().zip(&set.keys),
            allowed,
            crate::crypto::default_provider(),
            &VerifyOptions::default(),
            skipped,
            0,
        )
    }

    /// The one rule for turning JWKs into keys for an allow-list (see `from_jwk_set`),
    /// recording why each JWK that gave no key was skipped.
    fn build<'a>(
        jwks: impl Iterator<Item = (usize, &'a Jwk)>,
        allowed: &[JwsAlgorithm],
        provider: &CryptoProvider,
        options: &VerifyOptions,
        mut skipped: Vec<SkippedKey>,
        unparsed: usize,
    ) -> Result<Self> {
        if allowed.is_empty() {
            return Err(Error::Misuse("an allow-list of algorithms is required"));
        }
        let mut keys = Vec::new();
        for (index, jwk) in jwks {
            let before = keys.len();
            let mut reasons: Vec<String> = Vec::new();
            for &alg in allowed {
                let built = if !provider.supports(alg) {
                    Err(Error::UnsupportedAlgorithm(format!(
                        "{alg} (not in the crypto provider)"
                    )))
                } else {
                    jwk.check_usable(KeyOperation::Verify, alg).and_then(|()| {
                        VerifyingKey::from_jwk_with(jwk, Some(alg), provider, options)
                    })
                };
                match built {
                    Ok(k) => keys.push(k),
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
                    // One reason says it all: its own algorithm is not on the list.
                    Some(a) if !allowed.iter().any(|x| x.name() == a) => {
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
            skipped.sort_by_key(|k| k.index);
            return Err(Error::NoUsableKeys {
                allowed: allowed.to_vec(),
                skipped,
                unparsed,
            });
        }
        skipped.sort_by_key(|k| k.index);
        Ok(VerifyingKeys { keys, skipped })
    }

    /// The entries of the JWK Set this set was built from that yielded no key, and why (in
    /// document order); empty for a set built key by key.
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

impl KeySource for VerifyingKeys {
    fn verifying_keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    fn skipped_key(&self, kid: &str) -> Option<&SkippedKey> {
        self.skipped.iter().find(|s| s.kid.as_deref() == Some(kid))
    }
}

impl FromIterator<VerifyingKey> for VerifyingKeys {
    fn from_iter<I: IntoIterator<Item = VerifyingKey>>(iter: I) -> Self {
        VerifyingKeys {
            keys: iter.into_iter().collect(),
            skipped: Vec::new(),
        }
    }
}

/// Most keys tried for one signature when the header has no usable `kid`; bounds the work an
/// unauthenticated token can cause.
pub const MAX_KEY_CANDIDATES: usize = 8;

/// Selects the keys to try for a header's `alg` and `kid`.
///
/// The header's `alg` must be the algorithm of at least one trusted key, else
/// [`Error::AlgorithmNotAllowed`]. With a `kid`: the keys with exactly that `kid`, then keys
/// that have no `kid`; keys with a different `kid` are never tried. Without a `kid`: every key
/// of that algorithm. Order is the source's order; at most [`MAX_KEY_CANDIDATES`] keys.
pub(crate) fn candidates<'a>(
    keys: &'a [VerifyingKey],
    alg: JwsAlgorithm,
    kid: Option<&'a str>,
) -> Result<impl Iterator<Item = &'a VerifyingKey> + 'a> {
    if !keys.iter().any(|k| k.alg == alg) {
        return Err(not_allowed(alg.name().to_owned(), keys));
    }
    let exact = keys
        .iter()
        .filter(move |k| k.alg == alg && kid.is_some() && k.kid.as_deref() == kid);
    let loose = keys
        .iter()
        .filter(move |k| k.alg == alg && (kid.is_none() || k.kid.is_none()));
    Ok(exact.chain(loose).take(MAX_KEY_CANDIDATES))
}

/// [`Error::AlgorithmNotAllowed`] for the header algorithm `alg`, naming the algorithms that
/// `keys` do verify, so the message says what was expected instead.
#[cold]
pub(crate) fn not_allowed(alg: String, keys: &[VerifyingKey]) -> Error {
    let mut allowed: Vec<JwsAlgorithm> = Vec::new();
    for k in keys {
        if !allowed.contains(&k.alg) {
            allowed.push(k.alg);
        }
    }
    Error::AlgorithmNotAllowed { alg, allowed }
}

/// Something that produces JWS signatures: a [`SigningKey`], or an external signer (KMS, HSM)
/// that receives the JWS signing input and returns the signature.
///
/// External ECDSA signers must return the fixed-length `r || s` form (RFC 7518 §3.4), not DER;
/// signing fails with [`Error::Crypto`] on any other length.
pub trait JwsSigner: Send + Sync {
    /// The algorithm of the signatures this signer produces.
    fn algorithm(&self) -> JwsAlgorithm;
    /// The key id to put in the header when the header has none.
    fn key_id(&self) -> Option<&str> {
        None
    }
    /// Signs the JWS signing input.
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>>;
}

/// A private or symmetric key bound to one signing algorithm.
pub struct SigningKey {
    alg: JwsAlgorithm,
    kid: Option<String>,
    public: Option<Jwk>,
    inner: Box<dyn SignaturePrimitive>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// Builds a signing key from a private (or symmetric) JWK. The algorithm is chosen as in
    /// [`VerifyingKey::from_jwk`]; `use`/`key_ops` must permit signing; RSA keys need at least
    /// 2048 bits.
    pub fn from_jwk(
        jwk: &Jwk,
        alg: Option<JwsAlgorithm>,
        provider: &CryptoProvider,
    ) -> Result<Self> {
        // Before the algorithm is resolved, so a public key is refused as such even without
        // `alg`; the provider applies the same rule to every caller.
        jwk.params.check_can_sign()?;
        let alg = jwk.resolve_algorithm(alg)?;
        jwk.check_usable(KeyOperation::Sign, alg)?;
        let inner = provider.signer(alg, &jwk.params)?;
        let public = match jwk.params {
            KeyParams::Oct(_) => None,
            _ => {
                let mut p = jwk.to_public()?;
                p.alg = Some(alg.name().to_owned());
                Some(p)
            }
        };
        Ok(SigningKey {
            alg,
            kid: jwk.kid.clone(),
            public,
            inner,
        })
    }

    /// An HMAC signing key from raw secret bytes (same PEM guard as [`VerifyingKey::hmac`]).
    pub fn hmac(alg: JwsAlgorithm, secret: &[u8], provider: &CryptoProvider) -> Result<Self> {
        let params = hmac_params(alg, secret)?;
        let inner = provider.signer(alg, &params)?;
        Ok(SigningKey {
            alg,
            kid: None,
            public: None,
            inner,
        })
    }

    /// Sets the key id written into headers.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        let kid = kid.into();
        if let Some(p) = &mut self.public {
            p.kid = Some(kid.clone());
        }
        self.kid = Some(kid);
        self
    }

    /// The public JWK of an asymmetric key (with `alg` and `kid`), for publishing in a JWK Set
    /// or embedding in a DPoP proof. `None` for HMAC keys.
    pub fn public_jwk(&self) -> Option<&Jwk> {
        self.public.as_ref()
    }
}

impl JwsSigner for SigningKey {
    fn algorithm(&self) -> JwsAlgorithm {
        self.alg
    }
    fn key_id(&self) -> Option<&str> {
        self.kid.as_deref()
    }
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>> {
        self.inner.sign(signing_input)
    }
}

impl<T: JwsSigner + ?Sized> JwsSigner for &T {
    fn algorithm(&self) -> JwsAlgorithm {
        (**self).algorithm()
    }
    fn key_id(&self) -> Option<&str> {
        (**self).key_id()
    }
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>> {
        (**self).sign(signing_input)
    }
}

fn hmac_params(alg: JwsAlgorithm, secret: &[u8]) -> Result<KeyParams> {
    if alg.family() != crate::alg::AlgorithmFamily::Hmac {
        return Err(Error::Misuse("raw secrets are HMAC keys only"));
    }
    let trimmed = secret.trim_ascii_start();
    if trimmed.starts_with(b"-----BEGIN") || trimmed.starts_with(b"ssh-") {
        return Err(Error::InvalidKey(
            "public-key material cannot be an HMAC secret".into(),
        ));
    }
    Ok(KeyParams::Oct(OctParams {
        k: SecretBytes::from(secret),
    }))
}
