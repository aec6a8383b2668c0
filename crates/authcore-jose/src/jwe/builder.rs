//! The encrypting side: [`JweBuilder`].

use serde_json::{Map, Value};

use crate::alg::ContentEncryptionAlgorithm;
use crate::b64;
use crate::error::{Error, Result};
use crate::rand::SecureRandom;
use crate::secret::SecretBytes;

use super::header::JweHeader;
use super::keys::is_direct;
use super::{EncryptionKey, content, joint_header};

/// Describes a JWE to encrypt: the content encryption algorithm, the protected header
/// fields, the shared unprotected header, the additional authenticated data and the
/// recipients; then [`JweBuilder::encrypt_compact`], [`JweBuilder::encrypt_flattened`] or
/// [`JweBuilder::encrypt_general`] with the caller's random source.
///
/// Where the headers go: in the compact and flattened serializations every parameter the
/// builder or a key sets (`alg`, `enc`, `zip`, `kid`, `epk`, ...) is in the protected header;
/// in the general serialization the protected header has `enc`, `zip` and what was set here,
/// and each recipient's `alg`, `kid` and key management parameters are in its own header.
/// Parameters given with [`JweBuilder::unprotected_param`] or
/// [`JweBuilder::recipient_with_header`] stay unprotected. Names must be disjoint across the
/// headers (RFC 7516 §7.2.1).
#[derive(Debug, Clone)]
pub struct JweBuilder<'k> {
    enc: ContentEncryptionAlgorithm,
    protected: Map<String, Value>,
    unprotected: Map<String, Value>,
    aad: Option<Vec<u8>>,
    recipients: Vec<(&'k EncryptionKey, Map<String, Value>)>,
    compress: bool,
}

impl<'k> JweBuilder<'k> {
    /// A JWE encrypted with `enc`, with no recipient yet.
    pub fn new(enc: ContentEncryptionAlgorithm) -> Self {
        JweBuilder {
            enc,
            protected: Map::new(),
            unprotected: Map::new(),
            aad: None,
            recipients: Vec::new(),
            compress: false,
        }
    }

    /// The content encryption algorithm.
    pub fn enc(&self) -> ContentEncryptionAlgorithm {
        self.enc
    }

    /// Sets the protected `typ` (the media type of the whole JWE).
    pub fn typ(self, typ: impl Into<String>) -> Self {
        self.protected_param("typ", typ.into())
    }

    /// Sets the protected `cty` (the media type of the plaintext; `JWT` for a nested JWT,
    /// RFC 7519 §5.2).
    pub fn cty(self, cty: impl Into<String>) -> Self {
        self.protected_param("cty", cty.into())
    }

    /// Sets a protected `kid`, in place of the keys' own.
    pub fn kid(self, kid: impl Into<String>) -> Self {
        self.protected_param("kid", kid.into())
    }

    /// Compresses the plaintext with DEFLATE before encrypting (`zip: DEF`, RFC 7516
    /// §4.1.3, always in the protected header).
    pub fn compress(mut self) -> Self {
        self.compress = true;
        self
    }

    /// Adds `name` to the protected `crit` (RFC 7516 §4.1.13): a recipient that does not
    /// process the extension parameter `name` must reject the JWE.
    pub fn crit(mut self, name: impl Into<String>) -> Self {
        let name = Value::String(name.into());
        let crit = self
            .protected
            .entry("crit")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = crit {
            if !list.contains(&name) {
                list.push(name);
            }
        }
        self
    }

    /// Sets a protected header parameter.
    pub fn protected_param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.protected.insert(name.into(), value.into());
        self
    }

    /// Sets a parameter of the shared unprotected header (JSON serializations only).
    pub fn unprotected_param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.unprotected.insert(name.into(), value.into());
        self
    }

    /// Sets the additional authenticated data `aad` (JSON serializations only, RFC 7516
    /// §5.1 step 14).
    pub fn aad(mut self, aad: impl Into<Vec<u8>>) -> Self {
        self.aad = Some(aad.into());
        self
    }

    /// Adds a recipient.
    pub fn recipient(self, key: &'k EncryptionKey) -> Self {
        self.recipient_with_header(key, Map::new())
    }

    /// Adds a recipient with its own unprotected header parameters (JSON serializations
    /// only).
    pub fn recipient_with_header(
        mut self,
        key: &'k EncryptionKey,
        header: Map<String, Value>,
    ) -> Self {
        self.recipients.push((key, header));
        self
    }

    /// Encrypts `plaintext` into a compact JWE (one recipient, no unprotected header, no
    /// `aad`).
    pub fn encrypt_compact(&self, plaintext: &[u8], rng: &dyn SecureRandom) -> Result<String> {
        if !self.unprotected.is_empty()
            || self.aad.is_some()
            || self.recipients.iter().any(|(_, h)| !h.is_empty())
        {
            return Err(Error::Misuse(
                "the compact serialization has no unprotected header and no `aad`",
            ));
        }
        let e = self.encrypt(plaintext, rng, Layout::Compact)?;
        let mut out = e.protected_b64;
        for part in [&e.recipients[0].1, &e.iv, &e.ciphertext, &e.tag] {
            out.push('.');
            b64::encode_into(part, &mut out);
        }
        Ok(out)
    }

    /// Encrypts `plaintext` into a flattened JSON JWE (one recipient, RFC 7516 §7.2.2).
    pub fn encrypt_flattened(&self, plaintext: &[u8], rng: &dyn SecureRandom) -> Result<String> {
        let e = self.encrypt(plaintext, rng, Layout::Flattened)?;
        let mut top = e.common();
        let (header, encrypted_key) = &e.recipients[0];
        if !header.is_empty() {
            top.insert("header".into(), Value::Object(header.clone()));
        }
        if !encrypted_key.is_empty() {
            top.insert("encrypted_key".into(), b64::encode(encrypted_key).into());
        }
        Ok(Value::Object(top).to_string())
    }

    /// Encrypts `plaintext` into a general JSON JWE for every recipient (RFC 7516 §7.2.1).
    pub fn encrypt_general(&self, plaintext: &[u8], rng: &dyn SecureRandom) -> Result<String> {
        let e = self.encrypt(plaintext, rng, Layout::General)?;
        let mut top = e.common();
        let recipients = e
            .recipients
            .iter()
            .map(|(header, encrypted_key)| {
                let mut r = Map::new();
                if !header.is_empty() {
                    r.insert("header".into(), Value::Object(header.clone()));
                }
                if !encrypted_key.is_empty() {
                    r.insert("encrypted_key".into(), b64::encode(encrypted_key).into());
                }
                Value::Object(r)
            })
            .collect();
        top.insert("recipients".into(), Value::Array(recipients));
        Ok(Value::Object(top).to_string())
    }

    fn encrypt(
        &self,
        plaintext: &[u8],
        rng: &dyn SecureRandom,
        layout: Layout,
    ) -> Result<Encrypted> {
        let Some((first, _)) = self.recipients.first() else {
            return Err(Error::Misuse("a JWE needs a recipient"));
        };
        if layout != Layout::General && self.recipients.len() != 1 {
            return Err(Error::Misuse(
                "the compact and flattened serializations have exactly one recipient",
            ));
        }
        let direct = self
            .recipients
            .iter()
            .any(|(k, _)| is_direct(k.algorithm()));
        if direct && self.recipients.len() != 1 {
            return Err(Error::Misuse(
                "`dir` and `ECDH-ES` decide the content key, so they allow one recipient only",
            ));
        }
        let provider = first.provider();
        if !provider.supports(self.enc) {
            return Err(Error::UnsupportedAlgorithm(format!(
                "{} is not available with the {} provider",
                self.enc, provider.name
            )));
        }
        // Randomness in the documented order: CEK, each recipient's, content IV.
        let mut params: Vec<JweHeader> = Vec::with_capacity(self.recipients.len());
        let mut encrypted_keys = Vec::with_capacity(self.recipients.len());
        let cek = if direct {
            let mut h = JweHeader::new(first.algorithm(), self.enc);
            let cek = first.direct_cek(self.enc, rng, &mut h)?;
            params.push(h);
            encrypted_keys.push(Vec::new());
            cek
        } else {
            let mut cek = vec![0u8; self.enc.key_len()];
            rng.fill(&mut cek)?;
            let cek = SecretBytes::new(cek);
            for (key, _) in &self.recipients {
                let mut h = JweHeader::new(key.algorithm(), self.enc);
                encrypted_keys.push(key.wrap(cek.expose(), rng, &mut h)?);
                params.push(h);
            }
            cek
        };
        let mut protected = self.protected.clone();
        protected.insert("enc".into(), self.enc.name().into());
        if self.compress {
            protected.insert("zip".into(), "DEF".into());
        }
        let mut recipients = Vec::with_capacity(self.recipients.len());
        for (((key, user_header), h), ek) in self.recipients.iter().zip(params).zip(encrypted_keys)
        {
            let mut own = h.to_map();
            own.remove("enc");
            if let Some(kid) = key.kid() {
                if !protected.contains_key("kid") && !user_header.contains_key("kid") {
                    own.insert("kid".into(), kid.into());
                }
            }
            let header = if layout == Layout::General {
                let mut header = user_header.clone();
                for (k, v) in own {
                    if header.insert(k.clone(), v).is_some() {
                        return Err(overlap());
                    }
                }
                header
            } else {
                for (k, v) in own {
                    if protected.insert(k.clone(), v).is_some() {
                        return Err(overlap());
                    }
                }
                user_header.clone()
            };
            recipients.push((header, ek));
        }
        for (header, _) in &recipients {
            joint_header(&protected, &self.unprotected, header)
                .map_err(|_| Error::Misuse("a header parameter is set in more than one header"))?;
        }
        let protected_b64 = b64::encode(Value::Object(protected).to_string());
        let mut aad = protected_b64.clone();
        if let Some(a) = &self.aad {
            aad.push('.');
            b64::encode_into(a, &mut aad);
        }
        let mut iv = vec![0u8; content::iv_len(self.enc)];
        rng.fill(&mut iv)?;
        let compressed;
        let input = if self.compress {
            compressed = content::deflate(plaintext);
            &compressed[..]
        } else {
            plaintext
        };
        let (ciphertext, tag) =
            content::encrypt(provider, self.enc, cek.expose(), &iv, aad.as_bytes(), input)?;
        Ok(Encrypted {
            protected_b64,
            unprotected: self.unprotected.clone(),
            aad: self.aad.clone(),
            recipients,
            iv,
            ciphertext,
            tag,
        })
    }
}

#[cold]
fn overlap() -> Error {
    Error::Misuse("a header parameter the key sets is also set by the caller")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Compact,
    Flattened,
    General,
}

/// The parts of an encrypted JWE, before serialization.
struct Encrypted {
    protected_b64: String,
    unprotected: Map<String, Value>,
    aad: Option<Vec<u8>>,
    /// Each recipient's unprotected header and encrypted key.
    recipients: Vec<(Map<String, Value>, Vec<u8>)>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

impl Encrypted {
    /// The members every JSON serialization has.
    fn common(&self) -> Map<String, Value> {
        let mut top = Map::new();
        top.insert("protected".into(), self.protected_b64.clone().into());
        if !self.unprotected.is_empty() {
            top.insert(
                "unprotected".into(),
                Value::Object(self.unprotected.clone()),
            );
        }
        if let Some(a) = &self.aad {
            top.insert("aad".into(), b64::encode(a).into());
        }
        top.insert("iv".into(), b64::encode(&self.iv).into());
        top.insert("ciphertext".into(), b64::encode(&self.ciphertext).into());
        top.insert("tag".into(), b64::encode(&self.tag).into());
        top
    }
}
