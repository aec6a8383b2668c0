//! JSON Web Keys (RFC 7517), key types and parameters (RFC 7518 §6, RFC 8037 §2), thumbprints
//! (RFC 7638) and key selection from JWK Sets.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::alg::{
    Algorithm, DigestAlgorithm, EcCurve, JwsAlgorithm, KeyManagementAlgorithm, OkpCurve,
};
use crate::b64;
use crate::crypto::{
    CryptoProvider, EcParams, EncryptionKeyOptions, KeyMaterial, KeySpec, KeyType, OctParams,
    OkpParams, RsaParams, RsaPrivateParams, unsigned,
};
use crate::error::{Error, Result, SkippedKey};
use crate::json;
use crate::rand::SecureRandom;
use crate::secret::SecretBytes;

/// Maximum size of a JWK or JWK Set JSON text accepted by the parsers.
pub const MAX_JWK_SET_BYTES: usize = 1024 * 1024;

/// Maximum number of keys in a JWK Set.
pub const MAX_JWK_SET_KEYS: usize = 1024;

/// A key operation (`key_ops`, RFC 7517 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyOperation {
    /// Compute a digital signature or MAC.
    Sign,
    /// Verify a digital signature or MAC.
    Verify,
    /// Encrypt content.
    Encrypt,
    /// Decrypt content and validate decryption.
    Decrypt,
    /// Encrypt a key.
    WrapKey,
    /// Decrypt a key.
    UnwrapKey,
    /// Derive a key.
    DeriveKey,
    /// Derive bits not to be used as a key.
    DeriveBits,
}

impl KeyOperation {
    /// The registered name.
    pub const fn name(self) -> &'static str {
        match self {
            KeyOperation::Sign => "sign",
            KeyOperation::Verify => "verify",
            KeyOperation::Encrypt => "encrypt",
            KeyOperation::Decrypt => "decrypt",
            KeyOperation::WrapKey => "wrapKey",
            KeyOperation::UnwrapKey => "unwrapKey",
            KeyOperation::DeriveKey => "deriveKey",
            KeyOperation::DeriveBits => "deriveBits",
        }
    }

    /// The `use` value this operation belongs to (RFC 7517 §4.2).
    pub const fn key_use(self) -> &'static str {
        match self {
            KeyOperation::Sign | KeyOperation::Verify => "sig",
            _ => "enc",
        }
    }
}

/// The type-specific part of a JWK: its key material. The providers work on this type
/// directly ([`crate::crypto::KeyMaterial`]), so a JWK needs no conversion to be used and the
/// crypto module does not depend on this one.
pub type KeyParams = KeyMaterial;

/// A JSON Web Key (RFC 7517 §4).
///
/// Parsing is strict (duplicate members, wrong member types, wrong coordinate lengths and
/// inconsistent private parameters are errors); members this crate does not know are kept in
/// [`Jwk::extra`] and written back on serialization.
///
/// ```
/// use authcore_jose::Jwk;
/// let jwk = Jwk::from_json(br#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow","kid":"k1"}"#).unwrap();
/// assert_eq!(jwk.kid.as_deref(), Some("k1"));
/// assert!(jwk.is_private());
/// ```
///
/// `#[non_exhaustive]`: build one with [`Jwk::new`] (or [`Jwk::symmetric`], a parser, or
/// [`Jwk::generate`]) and set the members you need.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Jwk {
    /// The key material.
    pub params: KeyParams,
    /// `kid`.
    pub kid: Option<String>,
    /// `use` (`sig`, `enc`, or another registered or private value).
    pub key_use: Option<String>,
    /// `key_ops`.
    pub key_ops: Option<Vec<String>>,
    /// `alg`, as a string (it may name a JWE algorithm).
    pub alg: Option<String>,
    /// `x5u` (kept, never fetched).
    pub x5u: Option<String>,
    /// `x5c`: base64 (not base64url) DER certificates (kept, not validated as a chain).
    pub x5c: Option<Vec<String>>,
    /// `x5t` (SHA-1 certificate thumbprint, base64url).
    pub x5t: Option<String>,
    /// `x5t#S256` (SHA-256 certificate thumbprint, base64url).
    pub x5t_s256: Option<String>,
    /// Members this crate does not interpret, preserved for round trips.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Jwk");
        d.field("kty", &self.key_type().name());
        match &self.params {
            KeyParams::Ec(p) => d.field("crv", &p.crv.name()),
            KeyParams::Okp(p) => d.field("crv", &p.crv.name()),
            KeyParams::Rsa(p) => d.field("bits", &p.modulus_bits()),
            KeyParams::Oct(p) => d.field("bytes", &p.k.len()),
        };
        d.field("private", &self.is_private())
            .field("kid", &self.kid)
            .field("use", &self.key_use)
            .field("key_ops", &self.key_ops)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl Jwk {
    /// A JWK with the given parameters and no optional members.
    pub fn new(params: KeyParams) -> Self {
        Jwk {
            params,
            kid: None,
            key_use: None,
            key_ops: None,
            alg: None,
            x5u: None,
            x5c: None,
            x5t: None,
            x5t_s256: None,
            extra: Map::new(),
        }
    }

    /// A symmetric key for use with `alg` (for HMAC, `k` should be at least as long as the
    /// hash output: RFC 7518 §3.2; [`crate::VerifyingKey`] enforces it).
    pub fn symmetric(k: impl Into<Vec<u8>>) -> Self {
        Jwk::new(KeyParams::Oct(OctParams {
            k: SecretBytes::new(k.into()),
        }))
    }

    /// Parses a JWK from strict JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_JWK_SET_BYTES {
            return Err(Error::TooLarge {
                what: "JWK",
                limit: MAX_JWK_SET_BYTES,
            });
        }
        let m = json::parse_object(bytes)?;
        if !m.contains_key("kty") && m.contains_key("keys") {
            // RFC 7517 §5: `keys` is the JWK Set's member; a JWK has `kty` (§4.1).
            return Err(Error::InvalidKey(
                "this is a JWK Set (it has `keys`), not a JWK: pass one of its keys, or parse \
                 it with `JwkSet::from_json`"
                    .into(),
            ));
        }
        Jwk::from_map(m)
    }

    /// Builds a JWK from an already parsed JSON object.
    pub fn from_map(mut m: Map<String, Value>) -> Result<Self> {
        let kty = take_str(&mut m, "kty")?.ok_or(Error::InvalidKey("missing `kty`".into()))?;
        let params = match kty.as_str() {
            "RSA" => KeyParams::Rsa(parse_rsa(&mut m)?),
            "EC" => {
                let crv =
                    take_str(&mut m, "crv")?.ok_or(Error::InvalidKey("missing `crv`".into()))?;
                let crv = EcCurve::from_name(&crv)
                    .ok_or_else(|| Error::InvalidKey(format!("unsupported EC curve `{crv}`")))?;
                let len = crv.coordinate_len();
                let x = take_b64_len(&mut m, "x", len)?;
                let y = take_b64_len(&mut m, "y", len)?;
                let d = take_b64(&mut m, "d")?
                    .map(|d| check_len("d", d, len))
                    .transpose()?;
                KeyParams::Ec(EcParams {
                    crv,
                    x,
                    y,
                    d: d.map(SecretBytes::new),
                })
            }
            "OKP" => {
                let crv =
                    take_str(&mut m, "crv")?.ok_or(Error::InvalidKey("missing `crv`".into()))?;
                let crv = OkpCurve::from_name(&crv)
                    .ok_or_else(|| Error::InvalidKey(format!("unsupported OKP curve `{crv}`")))?;
                let len = crv.key_len();
                let x = take_b64_len(&mut m, "x", len)?;
                let d = take_b64(&mut m, "d")?
                    .map(|d| check_len("d", d, len))
                    .transpose()?;
                KeyParams::Okp(OkpParams {
                    crv,
                    x,
                    d: d.map(SecretBytes::new),
                })
            }
            "oct" => {
                let k = take_b64(&mut m, "k")?.ok_or(Error::InvalidKey("missing `k`".into()))?;
                if k.is_empty() {
                    return Err(Error::InvalidKey("empty `k`".into()));
                }
                KeyParams::Oct(OctParams {
                    k: SecretBytes::new(k),
                })
            }
            other => return Err(Error::InvalidKey(format!("unsupported kty `{other}`"))),
        };
        let kid = take_str(&mut m, "kid")?;
        let key_use = take_str(&mut m, "use")?;
        let key_ops = match m.remove("key_ops") {
            None => None,
            Some(Value::Array(ops)) => {
                let mut out: Vec<String> = Vec::with_capacity(ops.len());
                for op in ops {
                    let Value::String(op) = op else {
                        return Err(Error::InvalidKey(
                            "`key_ops` entries must be strings".into(),
                        ));
                    };
                    // RFC 7517 §4.3: duplicate key operation values MUST NOT be present.
                    if out.contains(&op) {
                        return Err(Error::InvalidKey(format!("duplicate key_ops value `{op}`")));
                    }
                    out.push(op);
                }
                Some(out)
            }
            Some(_) => return Err(Error::InvalidKey("`key_ops` must be an array".into())),
        };
        if let (Some(u), Some(ops)) = (&key_use, &key_ops) {
            // RFC 7517 §4.3: when both are present, they should be consistent.
            let consistent = ops.iter().all(|op| match op.as_str() {
                "sign" | "verify" => u == "sig",
                "encrypt" | "decrypt" | "wrapKey" | "unwrapKey" | "deriveKey" | "deriveBits" => {
                    u == "enc"
                }
                _ => true,
            });
            if !consistent {
                return Err(Error::InvalidKey(
                    "`use` and `key_ops` are inconsistent".into(),
                ));
            }
        }
        let alg = take_str(&mut m, "alg")?;
        let x5u = take_str(&mut m, "x5u")?;
        let x5c = match m.remove("x5c") {
            None => None,
            Some(Value::Array(certs)) if !certs.is_empty() => Some(
                certs
                    .into_iter()
                    .map(|c| match c {
                        Value::String(s) => Ok(s),
                        _ => Err(Error::InvalidKey("`x5c` entries must be strings".into())),
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
            Some(_) => return Err(Error::InvalidKey("`x5c` must be a non-empty array".into())),
        };
        let x5t = take_str(&mut m, "x5t")?;
        if let Some(t) = &x5t {
            check_len("x5t", b64::decode(t)?, 20)?;
        }
        let x5t_s256 = take_str(&mut m, "x5t#S256")?;
        if let Some(t) = &x5t_s256 {
            check_len("x5t#S256", b64::decode(t)?, 32)?;
        }
        Ok(Jwk {
            params,
            kid,
            key_use,
            key_ops,
            alg,
            x5u,
            x5c,
            x5t,
            x5t_s256,
            extra: m,
        })
    }

    /// Serializes to a JSON object (members in lexicographic order).
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = self.extra.clone();
        m.insert("kty".into(), self.key_type().name().into());
        let put = |m: &mut Map<String, Value>, k: &str, v: &[u8]| {
            m.insert(k.to_owned(), Value::String(b64::encode(v)));
        };
        match &self.params {
            KeyParams::Rsa(p) => {
                put(&mut m, "n", &p.n);
                put(&mut m, "e", &p.e);
                if let Some(pr) = &p.private {
                    put(&mut m, "d", pr.d.expose());
                    put(&mut m, "p", pr.p.expose());
                    put(&mut m, "q", pr.q.expose());
                    put(&mut m, "dp", pr.dp.expose());
                    put(&mut m, "dq", pr.dq.expose());
                    put(&mut m, "qi", pr.qi.expose());
                }
            }
            KeyParams::Ec(p) => {
                m.insert("crv".into(), p.crv.name().into());
                put(&mut m, "x", &p.x);
                put(&mut m, "y", &p.y);
                if let Some(d) = &p.d {
                    put(&mut m, "d", d.expose());
                }
            }
            KeyParams::Okp(p) => {
                m.insert("crv".into(), p.crv.name().into());
                put(&mut m, "x", &p.x);
                if let Some(d) = &p.d {
                    put(&mut m, "d", d.expose());
                }
            }
            KeyParams::Oct(p) => put(&mut m, "k", p.k.expose()),
        }
        let mut opt = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v.clone()));
            }
        };
        opt("kid", &self.kid);
        opt("use", &self.key_use);
        opt("alg", &self.alg);
        opt("x5u", &self.x5u);
        opt("x5t", &self.x5t);
        opt("x5t#S256", &self.x5t_s256);
        if let Some(ops) = &self.key_ops {
            m.insert(
                "key_ops".into(),
                ops.iter().cloned().map(Value::String).collect(),
            );
        }
        if let Some(c) = &self.x5c {
            m.insert("x5c".into(), c.iter().cloned().map(Value::String).collect());
        }
        m
    }

    /// Serializes to compact JSON.
    pub fn to_json(&self) -> String {
        Value::Object(self.to_map()).to_string()
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.params.key_type()
    }

    /// Whether the key holds private (or symmetric) material.
    pub fn is_private(&self) -> bool {
        self.params.is_private()
    }

    /// The public part of an asymmetric key: the same JWK without private members. `key_ops`
    /// loses its private-key operations (`sign`, `decrypt`, `unwrapKey`). Symmetric keys have no
    /// public part.
    pub fn to_public(&self) -> Result<Jwk> {
        let params = match &self.params {
            KeyParams::Rsa(p) => KeyParams::Rsa(RsaParams {
                private: None,
                ..p.clone()
            }),
            KeyParams::Ec(p) => KeyParams::Ec(EcParams {
                d: None,
                ..p.clone()
            }),
            KeyParams::Okp(p) => KeyParams::Okp(OkpParams {
                d: None,
                ..p.clone()
            }),
            KeyParams::Oct(_) => {
                return Err(Error::Misuse("a symmetric key has no public part"));
            }
        };
        let key_ops = self.key_ops.as_ref().map(|ops| {
            ops.iter()
                .filter(|o| !matches!(o.as_str(), "sign" | "decrypt" | "unwrapKey"))
                .cloned()
                .collect()
        });
        Ok(Jwk {
            params,
            key_ops,
            ..self.clone()
        })
    }

    /// The RFC 7638 thumbprint input: the required members in lexicographic order, no
    /// whitespace.
    pub fn thumbprint_input(&self) -> String {
        let e = |b: &[u8]| b64::encode(b);
        match &self.params {
            KeyParams::Rsa(p) => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, e(&p.e), e(&p.n)),
            KeyParams::Ec(p) => format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                p.crv.name(),
                e(&p.x),
                e(&p.y)
            ),
            KeyParams::Okp(p) => {
                format!(
                    r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#,
                    p.crv.name(),
                    e(&p.x)
                )
            }
            KeyParams::Oct(p) => format!(r#"{{"k":"{}","kty":"oct"}}"#, e(p.k.expose())),
        }
    }

    /// The RFC 7638 thumbprint with `hash`.
    pub fn thumbprint(&self, provider: &CryptoProvider, hash: DigestAlgorithm) -> Vec<u8> {
        provider.digest(hash, self.thumbprint_input().as_bytes())
    }

    /// The base64url RFC 7638 SHA-256 thumbprint, the usual `kid` and DPoP `jkt` value.
    pub fn thumbprint_sha256(&self, provider: &CryptoProvider) -> String {
        b64::encode(self.thumbprint(provider, DigestAlgorithm::Sha256))
    }

    /// Checks that this key may perform `op` with `alg`: `use`, `key_ops` and `alg` members
    /// must permit it (RFC 7517 §4.2–4.4), and the key type must fit the algorithm. `alg` may
    /// be a JWS or a JWE algorithm.
    pub fn check_usable(&self, op: KeyOperation, alg: impl Into<Algorithm>) -> Result<()> {
        self.check_usable_for(&[op], alg.into())
    }

    /// [`Jwk::check_usable`] for an operation that `key_ops` may name in more than one way
    /// (`ops`, all of the same `use`): JWE key management is `wrapKey` or `encrypt` for a
    /// recipient's public key, `deriveKey` or `deriveBits` for ECDH-ES (RFC 7517 §4.3 and
    /// the Web Cryptography API, whose keys many JWK producers export).
    pub(crate) fn check_usable_for(&self, ops: &[KeyOperation], alg: Algorithm) -> Result<()> {
        let op = ops[0];
        if let Some(u) = &self.key_use {
            if u != op.key_use() {
                return Err(Error::KeyUsage(format!(
                    "key `use` is `{u}`, not `{}`",
                    op.key_use()
                )));
            }
        }
        if let Some(key_ops) = &self.key_ops {
            if !ops.iter().any(|op| key_ops.iter().any(|o| o == op.name())) {
                return Err(Error::KeyUsage(format!(
                    "key_ops does not include `{}`",
                    op.name()
                )));
            }
        }
        if let Some(a) = &self.alg {
            if a != alg.name() {
                return Err(Error::KeyUsage(format!("key is for `{a}`, not `{alg}`")));
            }
        }
        self.check_fits(alg)
    }

    /// Checks that the key type (and curve) fits `alg`, ignoring `use`, `key_ops` and `alg`
    /// (the rule is [`KeyMaterial::check_fits`]; `alg` may be a JWS or JWE algorithm).
    pub fn check_fits(&self, alg: impl Into<Algorithm>) -> Result<()> {
        self.params.check_fits(alg)
    }

    /// The algorithm this key declares in its `alg` member, in the one algorithm space of JWS
    /// `alg`, JWE `alg` and `enc` (RFC 7517 §4.4). `None` without `alg`; an unregistered name
    /// is [`Error::UnsupportedAlgorithm`].
    pub fn algorithm(&self) -> Option<Result<Algorithm>> {
        self.alg.as_deref().map(str::parse)
    }

    /// The signature algorithm this key declares, if its `alg` is a JWS algorithm.
    pub fn jws_algorithm(&self) -> Option<JwsAlgorithm> {
        self.alg.as_deref().and_then(|a| a.parse().ok())
    }

    /// The algorithm to use with this key: its own `alg`, else `requested`; errors when neither
    /// is given or they differ. The algorithm is never guessed from key material.
    pub fn resolve_algorithm(&self, requested: Option<JwsAlgorithm>) -> Result<JwsAlgorithm> {
        match (&self.alg, requested) {
            (Some(a), Some(r)) if a != r.name() => {
                Err(Error::KeyUsage(format!("key is for `{a}`, not `{r}`")))
            }
            (_, Some(r)) => Ok(r),
            (Some(a), None) => match a.parse::<Algorithm>()? {
                Algorithm::Jws(alg) => Ok(alg),
                // RFC 7517 §4.4: the key is meant for that algorithm only, so it cannot sign
                // or verify; a clear refusal rather than "unsupported algorithm".
                other => Err(Error::KeyUsage(format!(
                    "key is for the JWE algorithm `{other}`, not for signatures"
                ))),
            },
            (None, None) => Err(Error::Misuse("the key has no `alg`; name the algorithm")),
        }
    }

    /// Generates a new key for `alg` with no `kid`, its `alg` member set to `alg`.
    ///
    /// `alg` is a JWS algorithm, or a JWE key management algorithm with the defaults of
    /// [`EncryptionKeyOptions`] (an `ECDH-ES*` key on P-256; `dir` needs an `enc`, so use
    /// [`Jwk::generate_for_encryption`] for it or for another curve). Keys for JWE get `use`
    /// `enc` (RFC 7517 §4.2).
    ///
    /// Symmetric, Ed25519 and X25519 keys are drawn from `rng`. EC and RSA key pairs come from
    /// the provider's own generator, because neither ring nor aws-lc-rs accepts outside entropy
    /// for them; RSA, P-521, secp256k1 and X25519 generation need the aws-lc-rs backend (which
    /// the default provider uses for them when it is compiled in).
    ///
    /// ```
    /// use authcore_jose::{Jwk, JwsAlgorithm, KeyManagementAlgorithm, crypto};
    /// let rng = authcore_jose::InsecureTestRandom::new(1);
    /// let p = crypto::default_provider();
    /// let sig = Jwk::generate(JwsAlgorithm::HS256, p, &rng)?;
    /// assert_eq!(sig.alg.as_deref(), Some("HS256"));
    /// let kw = Jwk::generate(KeyManagementAlgorithm::A256Kw, p, &rng)?;
    /// assert_eq!((kw.alg.as_deref(), kw.key_use.as_deref()), (Some("A256KW"), Some("enc")));
    /// # Ok::<(), authcore_jose::Error>(())
    /// ```
    pub fn generate(
        alg: impl Into<Algorithm>,
        provider: &CryptoProvider,
        rng: &dyn SecureRandom,
    ) -> Result<Jwk> {
        match alg.into() {
            Algorithm::Jws(alg) => {
                let params = provider.generate_key(alg, rng)?;
                let mut jwk = Jwk::new(params);
                jwk.alg = Some(alg.name().to_owned());
                Ok(jwk)
            }
            Algorithm::KeyManagement(alg) => {
                Jwk::generate_for_encryption(alg, &EncryptionKeyOptions::default(), provider, rng)
            }
            // A content encryption algorithm: `for_algorithm` says why there is no key for it.
            other => {
                let spec = KeySpec::for_algorithm(other, &EncryptionKeyOptions::default())?;
                Ok(Jwk::new(provider.generate_key_spec(spec, rng)?))
            }
        }
    }

    /// Generates a new key for the JWE key management algorithm `alg`, with `options` for
    /// what the algorithm leaves open (the `ECDH-ES*` curve, the `enc` of a `dir` key; see
    /// [`KeySpec::for_key_management`] for the key each algorithm gets). The JWK has `use`
    /// `enc` and `alg` set, no `kid`.
    ///
    /// ```
    /// # #[cfg(feature = "aws-lc-rs")] {
    /// use authcore_jose::crypto::{self, AgreementCurve, EncryptionKeyOptions};
    /// use authcore_jose::{ContentEncryptionAlgorithm, Jwk, KeyManagementAlgorithm};
    /// let rng = authcore_jose::InsecureTestRandom::new(1);
    /// let p = crypto::default_provider();
    /// let x = EncryptionKeyOptions::default().with_curve(AgreementCurve::X25519);
    /// let ecdh = Jwk::generate_for_encryption(KeyManagementAlgorithm::EcdhEs, &x, p, &rng).unwrap();
    /// assert_eq!(ecdh.params.describe(), "OKP X25519");
    /// let d = EncryptionKeyOptions::default().with_enc(ContentEncryptionAlgorithm::A128CbcHs256);
    /// let dir = Jwk::generate_for_encryption(KeyManagementAlgorithm::Dir, &d, p, &rng).unwrap();
    /// assert_eq!(dir.alg.as_deref(), Some("dir"));
    /// # }
    /// ```
    pub fn generate_for_encryption(
        alg: KeyManagementAlgorithm,
        options: &EncryptionKeyOptions,
        provider: &CryptoProvider,
        rng: &dyn SecureRandom,
    ) -> Result<Jwk> {
        let spec = KeySpec::for_key_management(alg, options)?;
        let params = provider.generate_key_spec(spec, rng)?;
        let mut jwk = Jwk::new(params);
        jwk.alg = Some(alg.name().to_owned());
        jwk.key_use = Some("enc".to_owned());
        Ok(jwk)
    }
}

impl Serialize for Jwk {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Jwk {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = json::ObjectVisitor { depth: 1 };
        let m = d.deserialize_map(m)?;
        Jwk::from_map(m).map_err(serde::de::Error::custom)
    }
}

/// A JWK Set (RFC 7517 §5).
///
/// Keys with a `kty` or curve this crate does not support, or that are malformed, are skipped
/// as RFC 7517 §5 asks and counted in [`JwkSet::skipped`]; the set as a whole must still be
/// valid strict JSON with a `keys` array.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JwkSet {
    /// The usable keys, in document order.
    pub keys: Vec<Jwk>,
    /// How many entries of `keys` were skipped as unusable.
    pub skipped: usize,
    /// Other members of the set, preserved.
    pub extra: Map<String, Value>,
}

impl JwkSet {
    /// A set of the given keys.
    pub fn new(keys: Vec<Jwk>) -> Self {
        JwkSet {
            keys,
            skipped: 0,
            extra: Map::new(),
        }
    }

    /// Parses a JWK Set from strict JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        Self::parse(bytes, None)
    }

    /// [`JwkSet::from_json`], appending each entry that is not a valid JWK to `skipped` with
    /// the reason.
    pub(crate) fn from_json_noting(bytes: &[u8], skipped: &mut Vec<SkippedKey>) -> Result<Self> {
        Self::parse(bytes, Some(skipped))
    }

    fn parse(bytes: &[u8], mut noting: Option<&mut Vec<SkippedKey>>) -> Result<Self> {
        if bytes.len() > MAX_JWK_SET_BYTES {
            return Err(Error::TooLarge {
                what: "JWK Set",
                limit: MAX_JWK_SET_BYTES,
            });
        }
        let mut m = json::parse_object(bytes)?;
        let Some(Value::Array(entries)) = m.remove("keys") else {
            if m.contains_key("kty") {
                // RFC 7517 §4.1 `kty` marks a single JWK; a set wraps keys in `keys` (§5).
                return Err(Error::InvalidKey(
                    "this is a single JWK (it has `kty`), not a JWK Set: wrap it as \
                     {\"keys\": [...]}, or parse it with `Jwk::from_json`"
                        .into(),
                ));
            }
            return Err(Error::InvalidKey("a JWK Set needs a `keys` array".into()));
        };
        if entries.len() > MAX_JWK_SET_KEYS {
            return Err(Error::TooLarge {
                what: "JWK Set keys",
                limit: MAX_JWK_SET_KEYS,
            });
        }
        let mut keys = Vec::with_capacity(entries.len());
        let mut skipped = 0;
        for (index, entry) in entries.into_iter().enumerate() {
            match entry {
                Value::Object(k) => {
                    // The members that name the entry, read only when reasons are kept.
                    let named = noting.is_some().then(|| {
                        let text = |n: &str| k.get(n).and_then(Value::as_str).map(str::to_owned);
                        (text("kid"), text("kty"), text("alg"), text("use"))
                    });
                    match Jwk::from_map(k) {
                        Ok(k) => keys.push(k),
                        Err(e) => {
                            skipped += 1;
                            if let (Some(out), Some((kid, kty, alg, key_use))) =
                                (noting.as_deref_mut(), named)
                            {
                                out.push(SkippedKey {
                                    index,
                                    kid,
                                    kty,
                                    alg,
                                    key_use,
                                    reason: e.to_string(),
                                });
                            }
                        }
                    }
                }
                _ => return Err(Error::InvalidKey("`keys` entries must be objects".into())),
            }
        }
        Ok(JwkSet {
            keys,
            skipped,
            extra: m,
        })
    }

    /// Serializes to compact JSON.
    pub fn to_json(&self) -> String {
        let mut m = self.extra.clone();
        m.insert(
            "keys".into(),
            self.keys
                .iter()
                .map(|k| Value::Object(k.to_map()))
                .collect(),
        );
        Value::Object(m).to_string()
    }

    /// The keys that may perform `op` with `alg` and, when `kid` is given, carry exactly that
    /// `kid`.
    ///
    /// Order is deterministic: keys whose own `alg` names `alg` come first, then keys without
    /// `alg`; within each group, document order. Keys whose `use`, `key_ops`, `alg`, type or
    /// curve rule them out are never returned.
    pub fn select(&self, kid: Option<&str>, alg: JwsAlgorithm, op: KeyOperation) -> Vec<&Jwk> {
        let candidates = self
            .keys
            .iter()
            .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
            .filter(|k| k.check_usable(op, alg).is_ok());
        let (mut exact, loose): (Vec<&Jwk>, Vec<&Jwk>) = candidates.partition(|k| k.alg.is_some());
        exact.extend(loose);
        exact
    }

    /// The first key with this `kid`, whatever it is for.
    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
    }
}

pub(crate) fn take_str(m: &mut Map<String, Value>, k: &'static str) -> Result<Option<String>> {
    match m.remove(k) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::InvalidKey(format!("`{k}` must be a string"))),
    }
}

fn take_b64(m: &mut Map<String, Value>, k: &'static str) -> Result<Option<Vec<u8>>> {
    take_str(m, k)?
        .map(|s| b64::decode(s).map_err(|_| Error::InvalidKey(format!("`{k}` is not base64url"))))
        .transpose()
}

fn take_b64_len(m: &mut Map<String, Value>, k: &'static str, len: usize) -> Result<Vec<u8>> {
    let v = take_b64(m, k)?.ok_or_else(|| Error::InvalidKey(format!("missing `{k}`")))?;
    check_len(k, v, len)
}

fn check_len(k: &str, v: Vec<u8>, len: usize) -> Result<Vec<u8>> {
    if v.len() == len {
        Ok(v)
    } else {
        Err(Error::InvalidKey(format!(
            "`{k}` must be {len} bytes, not {}",
            v.len()
        )))
    }
}

fn parse_rsa(m: &mut Map<String, Value>) -> Result<RsaParams> {
    let n = take_b64(m, "n")?.ok_or(Error::InvalidKey("missing `n`".into()))?;
    let e = take_b64(m, "e")?.ok_or(Error::InvalidKey("missing `e`".into()))?;
    if unsigned(&n).is_empty() || unsigned(&e).is_empty() {
        return Err(Error::InvalidKey("zero RSA modulus or exponent".into()));
    }
    if m.contains_key("oth") {
        return Err(Error::InvalidKey(
            "multi-prime RSA keys (`oth`) are not supported".into(),
        ));
    }
    let d = take_b64(m, "d")?;
    let names = ["p", "q", "dp", "dq", "qi"];
    let mut crt = Vec::with_capacity(5);
    for k in names {
        crt.push(take_b64(m, k)?);
    }
    let private = match d {
        None if crt.iter().all(Option::is_none) => None,
        None => return Err(Error::InvalidKey("RSA CRT parameters without `d`".into())),
        Some(d) => {
            if crt.iter().any(Option::is_none) {
                // RFC 7518 §6.3.2 lets a producer omit all CRT parameters; neither provider can
                // use such a key, so it is refused rather than half-supported.
                return Err(Error::InvalidKey(
                    "RSA private keys need all of p, q, dp, dq, qi".into(),
                ));
            }
            let mut it = crt
                .into_iter()
                .map(|v| SecretBytes::new(v.unwrap_or_default()));
            let mut next = || it.next().unwrap_or_default();
            Some(RsaPrivateParams {
                d: SecretBytes::new(d),
                p: next(),
                q: next(),
                dp: next(),
                dq: next(),
                qi: next(),
            })
        }
    };
    Ok(RsaParams { n, e, private })
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7517 Appendix A.1, first key.
    const EC_PUB: &str = r#"{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"enc","kid":"1"}"#;
    // RFC 7638 §3.1.
    const RSA_7638: &str = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;

    #[test]
    fn parses_and_round_trips_preserving_unknown_members() {
        let mut src: Map<String, Value> = serde_json::from_str(EC_PUB).unwrap();
        src.insert("ext".into(), true.into());
        src.insert("custom".into(), serde_json::json!({"a": [1, 2]}));
        let jwk = Jwk::from_map(src.clone()).unwrap();
        assert_eq!(jwk.key_use.as_deref(), Some("enc"));
        assert!(!jwk.is_private());
        assert_eq!(jwk.to_map(), src);
        let again = Jwk::from_json(jwk.to_json().as_bytes()).unwrap();
        assert_eq!(again, jwk);
    }

    #[test]
    fn rfc7638_thumbprint_input() {
        let jwk = Jwk::from_json(RSA_7638.as_bytes()).unwrap();
        assert!(
            jwk.thumbprint_input()
                .starts_with(r#"{"e":"AQAB","kty":"RSA","n":"0vx7"#)
        );
        assert_eq!(jwk.jws_algorithm(), Some(JwsAlgorithm::RS256));
        assert_eq!(jwk.key_type(), KeyType::Rsa);
    }

    #[test]
    fn rejects_malformed_keys() {
        let bad = [
            r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}"#,
            r#"{"kty":"EC","crv":"P-999","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}"#,
            // RFC 7518 §6.2.1.2, §6.2.2.1: coordinates and `d` have the full field length; a
            // minimal-length encoding (one byte short, or one byte long) is refused.
            r#"{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"S2XpJFbZiItSs3m9-9Ue6GnvHw_GW2ZZaVtszggXIw"}"#,
            r#"{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"vQwHqB-5Mnge1SdS9gzImmvl5Rk0_gGTjdtV2Pd4AQ"}"#,
            r#"{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"APO9DAeoH7kyeB7VJ1L2DMiaa-XlGTT-AZON21XY93gB"}"#,
            r#"{"kty":"oct"}"#,
            r#"{"kty":"oct","k":""}"#,
            r#"{"kty":"oct","k":"AAAA","k":"AAAA"}"#,
            r#"{"kty":"oct","k":"AA=="}"#,
            r#"{"kty":"oct","k":5}"#,
            r#"{"kty":"oct","k":"AAAA","kid":7}"#,
            r#"{"kty":"oct","k":"AAAA","key_ops":["sign","sign"]}"#,
            r#"{"kty":"oct","k":"AAAA","key_ops":"sign"}"#,
            r#"{"kty":"oct","k":"AAAA","use":"enc","key_ops":["sign"]}"#,
            r#"{"kty":"RSA","n":"AQAB"}"#,
            r#"{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}"#,
            r#"{"kty":"RSA","n":"AQAB","e":"AQAB","p":"AQAB"}"#,
            r#"{"kty":"RSA","n":"AA","e":"AQAB"}"#,
            r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#,
            r#"{"kty":"XYZ"}"#,
            r#"{"n":"AQAB"}"#,
            r#"{"kty":"oct","k":"AAAA","x5t":"AAAA"}"#,
            r#"[]"#,
        ];
        for b in bad {
            assert!(Jwk::from_json(b.as_bytes()).is_err(), "accepted {b}");
        }
    }

    #[test]
    fn usage_rules() {
        let mut k = Jwk::symmetric(vec![7u8; 32]);
        assert!(
            k.check_usable(KeyOperation::Verify, JwsAlgorithm::HS256)
                .is_ok()
        );
        assert!(
            k.check_usable(KeyOperation::Verify, JwsAlgorithm::RS256)
                .is_err()
        );
        k.key_use = Some("enc".into());
        assert!(matches!(
            k.check_usable(KeyOperation::Verify, JwsAlgorithm::HS256),
            Err(Error::KeyUsage(_))
        ));
        k.key_use = None;
        k.key_ops = Some(vec!["sign".into()]);
        assert!(
            k.check_usable(KeyOperation::Verify, JwsAlgorithm::HS256)
                .is_err()
        );
        assert!(
            k.check_usable(KeyOperation::Sign, JwsAlgorithm::HS256)
                .is_ok()
        );
        k.key_ops = None;
        k.alg = Some("HS384".into());
        assert!(
            k.check_usable(KeyOperation::Sign, JwsAlgorithm::HS256)
                .is_err()
        );
        assert!(k.resolve_algorithm(None).is_ok());
        assert!(k.resolve_algorithm(Some(JwsAlgorithm::HS256)).is_err());
        k.alg = None;
        assert!(k.resolve_algorithm(None).is_err(), "never guessed");
    }

    #[test]
    fn set_skips_unsupported_and_selects_deterministically() {
        let set = format!(
            r#"{{"keys":[{{"kty":"XYZ"}},{EC_PUB},{{"kty":"oct","k":"AAAA","kid":"a"}},{{"kty":"oct","k":"AQID","kid":"a","alg":"HS256"}}],"x":1}}"#
        );
        let set = JwkSet::from_json(set.as_bytes()).unwrap();
        assert_eq!(set.skipped, 1);
        assert_eq!(set.keys.len(), 3);
        let sel = set.select(Some("a"), JwsAlgorithm::HS256, KeyOperation::Verify);
        assert_eq!(sel.len(), 2);
        assert_eq!(sel[0].alg.as_deref(), Some("HS256"), "explicit alg first");
        assert!(
            set.select(Some("1"), JwsAlgorithm::ES256, KeyOperation::Verify)
                .is_empty(),
            "use=enc"
        );
        assert!(
            set.select(Some("zz"), JwsAlgorithm::HS256, KeyOperation::Verify)
                .is_empty()
        );
        assert!(JwkSet::from_json(br#"{"keys":{}}"#).is_err());
        assert!(JwkSet::from_json(br#"{"keys":[1]}"#).is_err());
        let round = JwkSet::from_json(set.to_json().as_bytes()).unwrap();
        assert_eq!(round.keys, set.keys);
    }

    #[test]
    fn public_part_drops_private_members() {
        let mut k = Jwk::new(KeyParams::Okp(OkpParams {
            crv: OkpCurve::Ed25519,
            x: vec![1; 32],
            d: Some(SecretBytes::new(vec![2; 32])),
        }));
        k.key_ops = Some(vec!["sign".into(), "verify".into()]);
        let p = k.to_public().unwrap();
        assert!(!p.is_private());
        assert_eq!(p.key_ops, Some(vec!["verify".to_string()]));
        assert!(!p.to_json().contains("\"d\""));
        assert!(Jwk::symmetric(vec![1]).to_public().is_err());
        assert!(format!("{k:?}").contains("private: true"));
        assert!(!format!("{k:?}").contains("[2, 2"));
    }
}
