//! JSON Web Encryption (RFC 7516) with the algorithms of RFC 7518 §4 and §5 and RFC 8037.
//!
//! Encrypting: build an [`EncryptionKey`] for each recipient (the key fixes the key management
//! `alg`), describe the JWE with a [`JweBuilder`] (content encryption `enc`, protected header
//! fields, `zip`, `aad`, recipients) and serialize it compact, flattened JSON or general JSON.
//! The content encryption key, the IVs, salts and ephemeral keys come from the caller's
//! [`SecureRandom`](crate::SecureRandom), drawn in this order: the CEK (unless `dir` or
//! `ECDH-ES` decide it), then each recipient's own randomness in recipient order (the ECDH-ES
//! ephemeral key, the AES-GCM key wrap IV, the PBES2 salt), then the content IV. RSA-OAEP
//! padding randomness is the backend's own ([`crate::crypto::KeyEncryptor`]).
//!
//! Decrypting: build [`DecryptionKey`]s, or [`DecryptionKeys`] from a JWK Set with allow-lists
//! of `alg` and `enc`, and call [`decrypt_compact`], [`decrypt_json`] or [`decrypt`] (either
//! serialization) with [`JweOptions`]. The result is a [`DecryptedJwe`]: the plaintext and the
//! header. Nested JWTs (a JWE holding a JWS) are [`crate::jwt::decrypt_and_verify`].
//!
//! ```
//! use authcore_jose::jwe::{self, DecryptionKey, EncryptionKey, JweBuilder, JweOptions};
//! use authcore_jose::{crypto, ContentEncryptionAlgorithm, Jwk, KeyManagementAlgorithm};
//! # let rng = authcore_jose::InsecureTestRandom::new(1);
//! let provider = crypto::default_provider();
//! let secret = Jwk::symmetric(vec![7u8; 32]);
//!
//! // The sender: AES-GCM key wrap of a fresh A256GCM key, the plaintext compressed first.
//! let key = EncryptionKey::from_jwk(&secret, Some(KeyManagementAlgorithm::A256GcmKw), provider)?
//!     .with_kid("k1");
//! let token = JweBuilder::new(ContentEncryptionAlgorithm::A256Gcm)
//!     .typ("JWT")
//!     .compress()
//!     .recipient(&key)
//!     .encrypt_compact(b"hello", &rng)?;
//!
//! // The recipient: the key decides `alg`; `enc` must be one the key allows.
//! let key = DecryptionKey::from_jwk(&secret, Some(KeyManagementAlgorithm::A256GcmKw), provider)?;
//! let decrypted = jwe::decrypt_compact(&token, &key, &JweOptions::default())?;
//! assert_eq!(decrypted.plaintext, b"hello");
//! assert_eq!(decrypted.header.kid.as_deref(), Some("k1"));
//! # Ok::<(), authcore_jose::Error>(())
//! ```
//!
//! # Secure defaults
//!
//! - The key decides `alg` and the allowed `enc` values; a header naming another is
//!   [`Error::EncryptionAlgorithmNotAllowed`]. Keys in `jwk`, `jku`, `x5u`, `x5c` headers are
//!   never used.
//! - Every failure to decrypt (key unwrap, padding, tag) is the one opaque
//!   [`Error::Decryption`]. `RSA1_5` decrypts only with [`JweOptions::legacy_rsa1_5`], and
//!   then with the RFC 7516 §11.5 countermeasure.
//! - PBES2 `p2c` is bounded (default 1,000 to 1,000,000) and `p2s` has at least 8 bytes,
//!   checked before any derivation; ECDH-ES `epk` must be a public key on the recipient's
//!   curve (the point is validated, an all-zero X25519 secret refused), `apu`/`apv` are
//!   bounded, direct agreement has an empty encrypted key; `zip` is only accepted in the
//!   protected header and inflated to at most [`JweOptions::max_plaintext_bytes`] and
//!   [`JweOptions::max_zip_ratio`] times its size, streaming.
//! - GCM IVs and tags have exactly 96 and 128 bits, CBC-HS tags exactly half the MAC; the CEK
//!   length matches `enc`. RSA keys below 2048 bits are refused.
//! - Base64url is strict, JSON members unique, sizes and nesting bounded; a JWS given to this
//!   API (three parts, or JSON with `payload`) is refused as such.

mod builder;
mod compact;
mod content;
mod header;
mod json_serialization;
mod keys;

pub use builder::JweBuilder;
pub use compact::{decode_header_unverified, decrypt_compact};
pub use header::JweHeader;
pub use json_serialization::{MAX_RECIPIENTS, decrypt_json};
pub use keys::{
    DEFAULT_PBES2_ITERATIONS, DecryptionKey, DecryptionKeySource, DecryptionKeys, EncryptionKey,
    MAX_PARTY_INFO_BYTES, PBES2_SALT_LEN,
};

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::error::{Error, Result};
use crate::keys::MAX_KEY_CANDIDATES;

/// Default limit on the size of a JWE in any serialization.
pub const DEFAULT_MAX_JWE_BYTES: usize = 256 * 1024;

/// Default limit on the plaintext a `zip: DEF` JWE inflates to.
pub const DEFAULT_MAX_PLAINTEXT_BYTES: usize = 250_000;

/// Default limit on the ratio of inflated to compressed size.
pub const DEFAULT_MAX_ZIP_RATIO: usize = 200;

/// Decryption options shared by every JWE entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JweOptions {
    /// Extension header parameters the application understands and processes, which `crit`
    /// may therefore list (RFC 7516 §4.1.13). Empty by default.
    pub understood_crit: Vec<String>,
    /// Largest accepted JWE, in bytes.
    pub max_bytes: usize,
    /// Largest plaintext a compressed (`zip: DEF`) JWE may inflate to, in bytes.
    pub max_plaintext_bytes: usize,
    /// Largest ratio of inflated to compressed size (a plaintext of up to 4 KiB is accepted
    /// whatever its ratio).
    pub max_zip_ratio: usize,
    /// Smallest PBES2 `p2c` accepted (RFC 7518 §4.8.1.2 recommends at least 1,000).
    pub pbes2_min_iterations: u32,
    /// Largest PBES2 `p2c` accepted: the work one unauthenticated token can demand.
    pub pbes2_max_iterations: u32,
    /// Decrypt `RSA1_5` (RFC 7518 §4.2), a legacy algorithm open to padding-oracle attacks
    /// where its countermeasure (RFC 7516 §11.5, applied here) is not watertight. Off by
    /// default: a token naming it is refused before its key is tried.
    pub legacy_rsa1_5: bool,
}

impl Default for JweOptions {
    fn default() -> Self {
        JweOptions {
            understood_crit: Vec::new(),
            max_bytes: DEFAULT_MAX_JWE_BYTES,
            max_plaintext_bytes: DEFAULT_MAX_PLAINTEXT_BYTES,
            max_zip_ratio: DEFAULT_MAX_ZIP_RATIO,
            pbes2_min_iterations: 1_000,
            pbes2_max_iterations: 1_000_000,
            legacy_rsa1_5: false,
        }
    }
}

impl JweOptions {
    /// The same options with [`JweOptions::legacy_rsa1_5`] on.
    pub fn with_legacy_rsa1_5(mut self) -> Self {
        self.legacy_rsa1_5 = true;
        self
    }

    /// The same options with the PBES2 `p2c` bounds `min..=max`.
    pub fn with_pbes2_iterations(mut self, min: u32, max: u32) -> Self {
        (self.pbes2_min_iterations, self.pbes2_max_iterations) = (min, max);
        self
    }

    /// The same options with the plaintext size and ratio limits of `zip: DEF`.
    pub fn with_zip_limits(mut self, max_plaintext_bytes: usize, max_ratio: usize) -> Self {
        (self.max_plaintext_bytes, self.max_zip_ratio) = (max_plaintext_bytes, max_ratio);
        self
    }

    /// The same options with the size limit of a whole JWE.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The same options accepting the extension parameter `name` in `crit`.
    pub fn understand_crit(mut self, name: impl Into<String>) -> Self {
        self.understood_crit.push(name.into());
        self
    }
}

/// A JWE that decrypted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DecryptedJwe {
    /// The plaintext (inflated if the JWE was compressed).
    pub plaintext: Vec<u8>,
    /// The joint header of the recipient whose key decrypted (RFC 7516 §7.2.1).
    pub header: JweHeader,
    /// The integrity-protected header as it was sent (empty if there was none).
    pub protected: Map<String, Value>,
    /// The JSON serialization's `aad`, decoded, if there was one.
    pub aad: Option<Vec<u8>>,
    /// Which recipient's key decrypted (0 for compact and flattened serializations).
    pub recipient_index: usize,
}

/// Decrypts a JWE in either serialization: JSON when its first non-blank character is `{`,
/// compact otherwise.
pub fn decrypt(
    input: &str,
    keys: &(impl DecryptionKeySource + ?Sized),
    options: &JweOptions,
) -> Result<DecryptedJwe> {
    if input.trim_start().starts_with('{') {
        decrypt_json(input, keys, options)
    } else {
        decrypt_compact(input, keys, options)
    }
}

/// One recipient of a parsed JWE: its own header and encrypted key.
struct Recipient {
    header: Map<String, Value>,
    encrypted_key: Vec<u8>,
}

/// A JWE of either serialization, split and decoded but not yet trusted.
struct Parsed<'t> {
    /// The protected header as sent, base64url (empty if none): the start of the AAD,
    /// borrowed from a compact token.
    protected_b64: Cow<'t, str>,
    protected: Map<String, Value>,
    shared: Map<String, Value>,
    recipients: Vec<Recipient>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
    /// The JSON serialization's `aad` member as sent, and decoded.
    aad: Option<(String, Vec<u8>)>,
}

/// The joint header of a recipient (RFC 7516 §7.2.1): the union of the three headers, whose
/// member names must be disjoint.
fn joint_header(
    protected: &Map<String, Value>,
    shared: &Map<String, Value>,
    recipient: &Map<String, Value>,
) -> Result<Map<String, Value>> {
    let mut joint = protected.clone();
    for part in [shared, recipient] {
        for (k, v) in part {
            if joint.insert(k.clone(), v.clone()).is_some() {
                return Err(Error::Header(format!(
                    "`{k}` appears in more than one of the JWE's headers"
                )));
            }
        }
    }
    Ok(joint)
}

impl Parsed<'_> {
    /// Decrypts with the first recipient and key that work (RFC 7516 §5.2).
    fn decrypt(
        self,
        keys: &(impl DecryptionKeySource + ?Sized),
        options: &JweOptions,
    ) -> Result<DecryptedJwe> {
        let keys = keys.decryption_keys();
        let mut headers = Vec::with_capacity(self.recipients.len());
        for r in &self.recipients {
            let joint = joint_header(&self.protected, &self.shared, &r.header)?;
            let h = JweHeader::from_map(joint).map_err(|e| fill_allowed(e, keys))?;
            if let Some(crit) = &h.crit {
                crate::jws::check_crit_names(crit, &|n| self.protected.contains_key(n), &|n| {
                    options.understood_crit.iter().any(|u| u == n)
                })?;
            }
            if let Some(zip) = &h.zip {
                // RFC 7516 §4.1.3: `zip` is integrity protected; `DEF` is the one value.
                if !self.protected.contains_key("zip") {
                    return Err(Error::Header("`zip` must be integrity protected".into()));
                }
                if zip != "DEF" {
                    return Err(Error::UnsupportedAlgorithm(format!("zip `{zip}`")));
                }
            }
            if headers.first().is_some_and(|f: &JweHeader| f.enc != h.enc) {
                return Err(Error::Header("recipients disagree on `enc`".into()));
            }
            headers.push(h);
        }
        let first = headers
            .first()
            .ok_or(Error::Malformed("a JWE without recipients"))?;
        // The keys decide: some key must be for one of the recipients' `alg`s, and for `enc`.
        if !headers
            .iter()
            .any(|h| keys.iter().any(|k| k.algorithm() == h.alg))
        {
            return Err(Error::EncryptionAlgorithmNotAllowed {
                alg: first.alg.name().to_owned(),
                allowed: allowed(keys.iter().map(|k| k.algorithm().into())),
            });
        }
        let enc = first.enc;
        if !keys.iter().any(|k| k.content_encryption().contains(&enc)) {
            return Err(Error::EncryptionAlgorithmNotAllowed {
                alg: enc.name().to_owned(),
                allowed: allowed(
                    keys.iter()
                        .flat_map(|k| k.content_encryption().iter().map(|&e| e.into())),
                ),
            });
        }
        // RFC 7516 §5.2 step 14: ASCII(BASE64URL(protected)) or, with a JSON `aad`, that
        // followed by '.' and the `aad` as sent. Without `aad` the header text is the AAD.
        let aad: Cow<'_, [u8]> = match &self.aad {
            None => Cow::Borrowed(self.protected_b64.as_bytes()),
            Some((b64, _)) => {
                let mut aad = Vec::with_capacity(self.protected_b64.len() + 1 + b64.len());
                aad.extend_from_slice(self.protected_b64.as_bytes());
                aad.push(b'.');
                aad.extend_from_slice(b64.as_bytes());
                Cow::Owned(aad)
            }
        };
        let mut tried = 0;
        let mut refused_legacy = false;
        for (index, (r, h)) in self.recipients.iter().zip(&headers).enumerate() {
            if h.alg == crate::alg::KeyManagementAlgorithm::Rsa1_5 && !options.legacy_rsa1_5 {
                // Not tried at all; another recipient of the same JWE may still be ours.
                refused_legacy = true;
                continue;
            }
            let kid = h.kid.as_deref();
            let exact = keys.iter().filter(|k| kid.is_some() && k.kid() == kid);
            let loose = keys.iter().filter(|k| kid.is_none() || k.kid().is_none());
            for key in exact.chain(loose) {
                if key.algorithm() != h.alg || !key.content_encryption().contains(&enc) {
                    continue;
                }
                if tried == MAX_KEY_CANDIDATES {
                    return Err(Error::Decryption);
                }
                tried += 1;
                key.check_header(h, &r.encrypted_key, options)?;
                let Ok(cek) = key.unwrap(h, &r.encrypted_key, enc) else {
                    continue;
                };
                let Ok(plaintext) = content::decrypt(
                    key.provider(),
                    enc,
                    cek.expose(),
                    &self.iv,
                    &aad,
                    &self.ciphertext,
                    &self.tag,
                ) else {
                    continue;
                };
                let plaintext = if h.zip.is_some() {
                    content::inflate(
                        &plaintext,
                        options.max_plaintext_bytes,
                        options.max_zip_ratio,
                    )?
                } else {
                    plaintext
                };
                let header = headers.into_iter().nth(index).ok_or(Error::Crypto)?;
                return Ok(DecryptedJwe {
                    plaintext,
                    header,
                    protected: self.protected,
                    aad: self.aad.map(|(_, a)| a),
                    recipient_index: index,
                });
            }
        }
        if tried == 0 && refused_legacy {
            Err(Error::UnsupportedAlgorithm(
                "RSA1_5 decryption is off; it needs the legacy opt-in \
                 JweOptions::legacy_rsa1_5 (RFC 7516 §11.5)"
                    .into(),
            ))
        } else if tried == 0 {
            Err(Error::NoMatchingKey)
        } else {
            Err(Error::Decryption)
        }
    }
}

/// The algorithms in `algs`, without repeats, in order.
fn allowed(algs: impl Iterator<Item = Algorithm>) -> Vec<Algorithm> {
    let mut out = Vec::new();
    for a in algs {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// Fills in what the keys allow in an [`Error::EncryptionAlgorithmNotAllowed`] raised by the
/// header reader, which knows no keys.
fn fill_allowed(e: Error, keys: &[DecryptionKey]) -> Error {
    match e {
        Error::EncryptionAlgorithmNotAllowed { alg, allowed: a } if a.is_empty() => {
            Error::EncryptionAlgorithmNotAllowed {
                alg,
                allowed: allowed(keys.iter().map(|k| k.algorithm().into())),
            }
        }
        e => e,
    }
}
