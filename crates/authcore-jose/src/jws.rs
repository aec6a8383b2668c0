//! JSON Web Signature (RFC 7515) with unencoded payloads (RFC 7797).
//!
//! Serializations: compact, flattened JSON and general JSON (several signatures); detached
//! payloads; `b64: false` only through the detached/unencoded entry points
//! ([`verify_detached`], [`sign_compact_detached`], [`JwsJson::verify_detached`],
//! [`JwsJson::verify_unencoded`]) and only when listed in `crit`. Keys come from the caller's [`KeySource`]: `jwk`, `jku`, `x5u` and
//! `x5c` header parameters are parsed but never used to find a key.
//!
//! ```
//! use authcore_jose::{crypto, jws, JwsAlgorithm, JwsHeader, SigningKey, VerifyingKey};
//! let provider = crypto::default_provider();
//! let secret = [7u8; 32];
//! let signer = SigningKey::hmac(JwsAlgorithm::HS256, &secret, provider)?;
//! let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"hello", &signer)?;
//!
//! let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &secret, provider)?;
//! let verified = jws::verify_compact(&token, &key, &jws::JwsOptions::default())?;
//! assert_eq!(verified.payload, b"hello");
//! # Ok::<(), authcore_jose::Error>(())
//! ```

use core::fmt;

use serde::Deserializer as _;
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::alg::JwsAlgorithm;
use crate::b64;
use crate::error::{Error, Result};
use crate::json::{self, Key, ObjectVisitor, SeenKeys, StrictValue};
use crate::jwk::Jwk;
use crate::keys::{JwsSigner, KeySource, candidates};

/// Default limit on the size of a JWS in any serialization.
pub const DEFAULT_MAX_JWS_BYTES: usize = 256 * 1024;

/// Header parameter names registered by RFC 7515, 7516, 7518 and 7797 §6 that must not appear
/// in `crit` (RFC 7515 §4.1.11).
const REGISTERED_HEADER_NAMES: &[&str] = &[
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc",
    "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
];

/// A JOSE header for JWS (RFC 7515 §4.1). When parsed from a JSON serialization it is the
/// union of the protected and unprotected headers.
#[derive(Debug, Clone, PartialEq)]
pub struct JwsHeader {
    /// `alg`.
    pub alg: JwsAlgorithm,
    /// `typ`: the media type of the whole JWS (RFC 8725 §3.11 explicit typing).
    pub typ: Option<String>,
    /// `cty`: the media type of the payload.
    pub cty: Option<String>,
    /// `kid`.
    pub kid: Option<String>,
    /// `jwk`: parsed, never trusted for verification. Boxed: rare, and large next to the rest
    /// of the header, which is moved around on every verification.
    pub jwk: Option<Box<Jwk>>,
    /// `jku`: kept, never fetched.
    pub jku: Option<String>,
    /// `x5u`: kept, never fetched.
    pub x5u: Option<String>,
    /// `x5c`: kept, never trusted.
    pub x5c: Option<Vec<String>>,
    /// `x5t`.
    pub x5t: Option<String>,
    /// `x5t#S256`.
    pub x5t_s256: Option<String>,
    /// `crit`.
    pub crit: Option<Vec<String>>,
    /// `b64` (RFC 7797).
    pub b64: Option<bool>,
    /// Other parameters.
    pub extra: Map<String, Value>,
}

impl JwsHeader {
    /// A header with only `alg`.
    pub fn new(alg: JwsAlgorithm) -> Self {
        JwsHeader {
            alg,
            typ: None,
            cty: None,
            kid: None,
            jwk: None,
            jku: None,
            x5u: None,
            x5c: None,
            x5t: None,
            x5t_s256: None,
            crit: None,
            b64: None,
            extra: Map::new(),
        }
    }

    /// Sets `typ`.
    pub fn with_typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Sets `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Parses a header from strict JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let mut h = JwsHeader::new(JwsAlgorithm::HS256);
        h.read_json(bytes)?;
        Ok(h)
    }

    /// [`JwsHeader::from_json`] into `self`, which must be as [`JwsHeader::new`] left it (the
    /// verification path fills the header in place instead of moving it around).
    #[inline]
    pub(crate) fn read_json(&mut self, bytes: &[u8]) -> Result<()> {
        if self.read_plain_json(bytes).is_none() {
            self.read_json_strict(bytes)?;
        }
        Ok(())
    }

    /// The strict parser's result in place of `self` (out of line: rare, and large).
    #[cold]
    #[inline(never)]
    fn read_json_strict(&mut self, bytes: &[u8]) -> Result<()> {
        *self = Self::from_json_strict(bytes)?;
        Ok(())
    }

    #[cfg(test)]
    fn from_plain_json(bytes: &[u8]) -> Option<Self> {
        let mut h = JwsHeader::new(JwsAlgorithm::HS256);
        h.read_plain_json(bytes)?;
        Some(h)
    }

    /// The fast path of [`JwsHeader::from_json`] for plain JSON (see [`json::Plain`]): `None`
    /// whenever the strict parser has to decide, including for every invalid header (`self`
    /// is then partly filled, and replaced by the strict parser's result).
    fn read_plain_json(&mut self, bytes: &[u8]) -> Option<()> {
        let mut p = json::Plain::object(bytes)?;
        let mut seen = json::PlainSeen::default();
        let mut alg = None;
        let h = self;
        while let Some(name) = p.member()? {
            let bit = match json::name_index(name, &HEADER_NAMES) {
                // An object: the strict parser builds the embedded JWK.
                Some(11) => return None,
                Some(bit) => bit,
                _ => {
                    let v = p.scalar()?;
                    json::plain_insert(&mut h.extra, name, v)?;
                    continue;
                }
            };
            seen.add(bit as u32)?;
            // One assignment for all string parameters keeps this loop small.
            let slot = match bit {
                0 => {
                    alg = Some(algorithm_by_name(p.string()?)?);
                    continue;
                }
                1 => &mut h.typ,
                2 => &mut h.cty,
                3 => &mut h.kid,
                4 => &mut h.jku,
                5 => &mut h.x5u,
                6 => &mut h.x5t,
                7 => &mut h.x5t_s256,
                8 => {
                    h.x5c = Some(p.strings()?);
                    continue;
                }
                9 => {
                    h.crit = Some(p.strings()?);
                    continue;
                }
                _ => {
                    h.b64 = Some(p.boolean()?);
                    continue;
                }
            };
            *slot = Some(p.owned_string()?);
        }
        p.finish()?;
        // A missing or unknown `alg` is an error the strict parser reports.
        h.alg = alg?;
        Some(())
    }

    /// [`JwsHeader::from_json`] without the fast path, for any JSON.
    fn from_json_strict(bytes: &[u8]) -> Result<Self> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let h = de.deserialize_map(HeaderVisitor).map_err(json::json_err)?;
        de.end().map_err(json::json_err)?;
        h
    }

    /// Builds a header from a JSON object already parsed strictly.
    pub fn from_map(map: Map<String, Value>) -> Result<Self> {
        Value::Object(map)
            .deserialize_map(HeaderVisitor)
            .map_err(json::json_err)?
    }

    /// The header as a JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = self.extra.clone();
        m.insert("alg".into(), self.alg.name().into());
        let mut s = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v.clone()));
            }
        };
        s("typ", &self.typ);
        s("cty", &self.cty);
        s("kid", &self.kid);
        s("jku", &self.jku);
        s("x5u", &self.x5u);
        s("x5t", &self.x5t);
        s("x5t#S256", &self.x5t_s256);
        if let Some(j) = &self.jwk {
            m.insert("jwk".into(), Value::Object(j.to_map()));
        }
        if let Some(c) = &self.x5c {
            m.insert("x5c".into(), c.iter().cloned().map(Value::String).collect());
        }
        if let Some(c) = &self.crit {
            m.insert(
                "crit".into(),
                c.iter().cloned().map(Value::String).collect(),
            );
        }
        if let Some(b) = self.b64 {
            m.insert("b64".into(), Value::Bool(b));
        }
        m
    }

    /// Whether the header has a parameter named `name`.
    pub fn contains(&self, name: &str) -> bool {
        match name {
            "alg" => true,
            "typ" => self.typ.is_some(),
            "cty" => self.cty.is_some(),
            "kid" => self.kid.is_some(),
            "jwk" => self.jwk.is_some(),
            "jku" => self.jku.is_some(),
            "x5u" => self.x5u.is_some(),
            "x5c" => self.x5c.is_some(),
            "x5t" => self.x5t.is_some(),
            "x5t#S256" => self.x5t_s256.is_some(),
            "crit" => self.crit.is_some(),
            "b64" => self.b64.is_some(),
            other => self.extra.contains_key(other),
        }
    }

    /// Whether the payload is base64url-encoded (RFC 7797 §3: absent means `true`).
    pub fn payload_is_encoded(&self) -> bool {
        self.b64 != Some(false)
    }

    /// Compares `typ` with `expected` as RFC 7515 §4.1.9 asks: ASCII case-insensitively, with
    /// an omitted `application/` prefix allowed on either side.
    pub fn typ_matches(&self, expected: &str) -> bool {
        fn norm(s: &str) -> &str {
            if s.len() > 12 && s[..12].eq_ignore_ascii_case("application/") {
                &s[12..]
            } else {
                s
            }
        }
        self.typ
            .as_deref()
            .is_some_and(|t| norm(t).eq_ignore_ascii_case(norm(expected)))
    }
}

/// The header parameters the fast path reads, by position (`jwk` last: it leaves the fast
/// path).
const HEADER_NAMES: [u64; 12] = {
    use json::key8;
    [
        key8("alg"),
        key8("typ"),
        key8("cty"),
        key8("kid"),
        key8("jku"),
        key8("x5u"),
        key8("x5t"),
        key8("x5t#S256"),
        key8("x5c"),
        key8("crit"),
        key8("b64"),
        key8("jwk"),
    ]
};

/// The names of [`JwsAlgorithm::ALL`], packed by [`json::key8`].
const ALGORITHM_NAMES: [u64; 15] = {
    let mut t = [0u64; 15];
    let mut i = 0;
    while i < 15 {
        t[i] = json::key8(JwsAlgorithm::ALL[i].name());
        i += 1;
    }
    t
};

/// The algorithm registered under `name` (as `JwsAlgorithm::from_str`), compared as one
/// integer; `None` for any other name, which the strict parser then reports.
#[inline]
fn algorithm_by_name(name: &str) -> Option<JwsAlgorithm> {
    json::name_index(name, &ALGORITHM_NAMES).map(|i| JwsAlgorithm::ALL[i])
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    // Inner result: serde errors are syntax, the inner error is semantics.
    type Value = Result<JwsHeader>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = SeenKeys::default();
        let mut alg: Option<String> = None;
        let mut h = JwsHeader::new(JwsAlgorithm::HS256);
        let mut jwk: Option<Map<String, Value>> = None;
        while let Some(Key(k)) = map.next_key()? {
            seen.insert(&k)?;
            match k.as_ref() {
                "alg" => alg = Some(map.next_value()?),
                "typ" => h.typ = Some(map.next_value()?),
                "cty" => h.cty = Some(map.next_value()?),
                "kid" => h.kid = Some(map.next_value()?),
                "jku" => h.jku = Some(map.next_value()?),
                "x5u" => h.x5u = Some(map.next_value()?),
                "x5t" => h.x5t = Some(map.next_value()?),
                "x5t#S256" => h.x5t_s256 = Some(map.next_value()?),
                "x5c" => h.x5c = Some(map.next_value()?),
                "crit" => h.crit = Some(map.next_value()?),
                "b64" => h.b64 = Some(map.next_value()?),
                "jwk" => jwk = Some(map.next_value_seed(ObjectSeed)?),
                _ => {
                    let v = map.next_value_seed(StrictValue { depth: 1 })?;
                    h.extra.insert(k.into_owned(), v);
                }
            }
        }
        let Some(alg) = alg else {
            return Ok(Err(Error::Malformed("JWS header without `alg`")));
        };
        h.alg = match alg.parse() {
            Ok(a) => a,
            Err(_) => return Ok(Err(Error::AlgorithmNotAllowed(alg))),
        };
        if let Some(j) = jwk {
            h.jwk = match Jwk::from_map(j) {
                Ok(j) => Some(Box::new(j)),
                Err(e) => return Ok(Err(e)),
            };
        }
        Ok(Ok(h))
    }
}

struct ObjectSeed;

impl<'de> de::DeserializeSeed<'de> for ObjectSeed {
    type Value = Map<String, Value>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(ObjectVisitor { depth: 2 })
    }
}

/// Verification options shared by every JWS entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwsOptions {
    /// Extension header parameters the application understands and processes, which a `crit`
    /// header may therefore list. Empty by default: any other `crit` entry is rejected.
    pub understood_crit: Vec<String>,
    /// Largest accepted JWS, in bytes.
    pub max_bytes: usize,
}

impl Default for JwsOptions {
    fn default() -> Self {
        JwsOptions {
            understood_crit: Vec::new(),
            max_bytes: DEFAULT_MAX_JWS_BYTES,
        }
    }
}

/// A JWS whose signature verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJws {
    /// The header (protected and unprotected, merged) of the signature that verified.
    pub header: JwsHeader,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// Which signature verified (always 0 for compact and flattened serializations).
    pub signature_index: usize,
}

/// Checks `crit` (RFC 7515 §4.1.11, RFC 7797 §6) and the placement of `b64`.
///
/// `protected` is the set of names in the integrity-protected header; `unencoded_api` says
/// whether the caller is the detached/unencoded entry point, the only one that processes `b64`.
fn check_crit(
    header: &JwsHeader,
    protected: &dyn Fn(&str) -> bool,
    options: &JwsOptions,
    unencoded_api: bool,
) -> Result<()> {
    if header.b64.is_some() {
        if !protected("b64") {
            return Err(Error::Header("`b64` must be integrity protected".into()));
        }
        if !header
            .crit
            .as_ref()
            .is_some_and(|c| c.iter().any(|n| n == "b64"))
        {
            return Err(Error::Crit("`b64` must be listed in `crit`".into()));
        }
        if header.b64 == Some(false) && !unencoded_api {
            return Err(Error::Header(
                "`b64: false` is only accepted by the detached/unencoded API".into(),
            ));
        }
    }
    let Some(crit) = &header.crit else {
        return Ok(());
    };
    if !protected("crit") {
        return Err(Error::Crit("`crit` must be integrity protected".into()));
    }
    if crit.is_empty() {
        return Err(Error::Crit("empty list".into()));
    }
    for (i, name) in crit.iter().enumerate() {
        if crit[..i].contains(name) {
            return Err(Error::Crit(format!("`{name}` listed twice")));
        }
        if REGISTERED_HEADER_NAMES.contains(&name.as_str()) {
            return Err(Error::Crit(format!(
                "`{name}` is a registered header parameter"
            )));
        }
        let understood = name == "b64" || options.understood_crit.iter().any(|u| u == name);
        if !understood {
            return Err(Error::Crit(format!("`{name}` is not understood")));
        }
        if !protected(name) {
            return Err(Error::Crit(format!(
                "`{name}` is not in the protected header"
            )));
        }
    }
    Ok(())
}

fn verify_signature(
    keys: &(impl KeySource + ?Sized),
    header: &JwsHeader,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<()> {
    let mut tried = false;
    for key in candidates(keys.verifying_keys(), header.alg, header.kid.as_deref())? {
        tried = true;
        if key.verify(signing_input, signature).is_ok() {
            return Ok(());
        }
    }
    if tried {
        Err(Error::InvalidSignature)
    } else {
        Err(Error::NoMatchingKey)
    }
}

/// The three parts of a compact JWS, split but not yet trusted.
struct CompactParts<'a> {
    header_b64: &'a str,
    payload_b64: &'a str,
    signature_b64: &'a str,
    signing_input: &'a str,
}

/// Splits a compact JWS into exactly three parts.
fn split_compact(token: &str, max: usize) -> Result<CompactParts<'_>> {
    let parts = split_compact_ends(token, max)?;
    if parts.payload_b64.contains('.') {
        return Err(too_many_parts(parts.payload_b64));
    }
    Ok(parts)
}

/// Splits a compact JWS at its first and last `.`, without looking at the payload part in
/// between (see [`split_compact`]).
#[inline]
fn split_compact_ends(token: &str, max: usize) -> Result<CompactParts<'_>> {
    if token.len() > max {
        return Err(Error::TooLarge {
            what: "JWS",
            limit: max,
        });
    }
    // The header and the signature are short, so both ends are found quickly. A stray `.` in
    // the payload part makes the payload invalid base64url.
    let (Some(d1), Some(d2)) = (token.find('.'), token.rfind('.')) else {
        return Err(Error::Malformed("a compact JWS has three parts"));
    };
    if d1 == d2 {
        return Err(Error::Malformed("a compact JWS has three parts"));
    }
    let payload = &token[d1 + 1..d2];
    Ok(CompactParts {
        header_b64: &token[..d1],
        payload_b64: payload,
        signature_b64: &token[d2 + 1..],
        signing_input: &token[..d2],
    })
}

/// The error for a compact token whose middle part `payload` holds more dots.
#[cold]
fn too_many_parts(payload: &str) -> Error {
    // Five parts is JWE compact (RFC 7516 §7.1); anything else is garbage.
    if payload.matches('.').count() == 2 {
        Error::Malformed("a JWE was given to the JWS API")
    } else {
        Error::Malformed("a compact JWS has three parts")
    }
}

/// Header JSON up to this size is decoded on the stack.
const HEADER_STACK_BYTES: usize = 256;

/// Signatures up to this size (RSA-4096) are decoded on the stack.
const SIGNATURE_STACK_BYTES: usize = 512;

/// The work of [`verify_compact`], filling in `header` (as [`JwsHeader::new`] left it) and
/// `payload`.
#[inline]
pub(crate) fn verify_compact_into(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
    header: &mut JwsHeader,
    payload: &mut Vec<u8>,
) -> Result<()> {
    let parts = split_compact_ends(token, options.max_bytes)?;
    let result = verify_parts(&parts, keys, options, header, payload);
    if result.is_err() && parts.payload_b64.contains('.') {
        // More than three parts: reported as such whatever else failed first.
        return Err(too_many_parts(parts.payload_b64));
    }
    result
}

/// Verifies split compact parts. A payload part holding a stray `.` (a token of more than
/// three parts) always fails here, at the latest when the payload is decoded.
#[inline]
fn verify_parts(
    parts: &CompactParts<'_>,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
    header: &mut JwsHeader,
    payload: &mut Vec<u8>,
) -> Result<()> {
    let (mut stack, mut heap) = ([0u8; HEADER_STACK_BYTES], Vec::new());
    let header_json = b64::decode_buffered(parts.header_b64.as_bytes(), &mut stack, &mut heap)?;
    header.read_json(header_json)?;
    if header.crit.is_some() || header.b64.is_some() {
        check_crit(header, &|n| header.contains(n), options, false)?;
    }
    let (mut stack, mut heap) = ([0u8; SIGNATURE_STACK_BYTES], Vec::new());
    let signature = b64::decode_buffered(parts.signature_b64.as_bytes(), &mut stack, &mut heap)?;
    verify_signature(keys, header, parts.signing_input.as_bytes(), signature)?;
    *payload = b64::decode(parts.payload_b64)?;
    Ok(())
}

/// Verifies a compact JWS with an attached, base64url-encoded payload.
///
/// Rejects: anything but three parts (a five-part JWE in particular), headers with duplicate
/// members, `alg` values no trusted key has (including `none`), non-understood `crit`, and
/// `b64: false` (use [`verify_detached`]).
pub fn verify_compact(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
) -> Result<VerifiedJws> {
    let mut out = VerifiedJws {
        header: JwsHeader::new(JwsAlgorithm::HS256),
        payload: Vec::new(),
        signature_index: 0,
    };
    verify_compact_into(token, keys, options, &mut out.header, &mut out.payload)?;
    Ok(out)
}

/// Verifies a compact JWS whose payload travels separately (RFC 7515 Appendix F), including
/// RFC 7797 unencoded payloads (`b64: false`, which must then be listed in `crit`).
///
/// The token's payload part must be empty.
pub fn verify_detached(
    token: &str,
    payload: &[u8],
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
) -> Result<JwsHeader> {
    let parts = split_compact(token, options.max_bytes)?;
    if !parts.payload_b64.is_empty() {
        return Err(Error::Malformed("a detached JWS has an empty payload part"));
    }
    let header = JwsHeader::from_json(&b64::decode(parts.header_b64)?)?;
    check_crit(&header, &|n| header.contains(n), options, true)?;
    let signature = b64::decode(parts.signature_b64)?;
    let input = detached_signing_input(parts.header_b64, payload, header.payload_is_encoded());
    verify_signature(keys, &header, &input, &signature)?;
    Ok(header)
}

/// Verifies a compact JWS whose attached payload may be unencoded (RFC 7797 §5.2: `b64:
/// false` listed in `crit`, the payload part carried as is, which then cannot contain `.`).
/// The plain [`verify_compact`] refuses `b64: false` so that a caller not expecting raw
/// payloads never receives one; this is the explicit opt-in. Encoded payloads verify here too.
pub fn verify_compact_unencoded(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
) -> Result<VerifiedJws> {
    let parts = split_compact(token, options.max_bytes)?;
    let header = JwsHeader::from_json(&b64::decode(parts.header_b64)?)?;
    check_crit(&header, &|n| header.contains(n), options, true)?;
    let signature = b64::decode(parts.signature_b64)?;
    // The signing input is the token up to the last `.`, whatever the payload encoding.
    verify_signature(keys, &header, parts.signing_input.as_bytes(), &signature)?;
    let payload = if header.payload_is_encoded() {
        b64::decode(parts.payload_b64)?
    } else {
        parts.payload_b64.as_bytes().to_vec()
    };
    Ok(VerifiedJws {
        header,
        payload,
        signature_index: 0,
    })
}

fn detached_signing_input(header_b64: &str, payload: &[u8], encoded: bool) -> Vec<u8> {
    let mut input = Vec::with_capacity(header_b64.len() + 1 + payload.len() * 4 / 3 + 4);
    input.extend_from_slice(header_b64.as_bytes());
    input.push(b'.');
    if encoded {
        let mut s = String::new();
        b64::encode_into(payload, &mut s);
        input.extend_from_slice(s.as_bytes());
    } else {
        input.extend_from_slice(payload);
    }
    input
}

/// A JWS in the JSON serialization (RFC 7515 §7.2), flattened or general.
#[derive(Debug, Clone, PartialEq)]
pub struct JwsJson {
    /// The `payload` member as it appears (base64url, or raw for `b64: false`); `None` when
    /// detached.
    pub payload: Option<String>,
    /// The signatures.
    pub signatures: Vec<JwsJsonSignature>,
    /// Whether the input was the flattened syntax.
    pub flattened: bool,
}

/// One signature of a JSON-serialized JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct JwsJsonSignature {
    /// The `protected` member (base64url of the protected header), if present.
    pub protected: Option<String>,
    /// The protected header, parsed.
    pub protected_header: Map<String, Value>,
    /// The unprotected `header` member.
    pub header: Map<String, Value>,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// Most signatures accepted in one general-JSON JWS.
pub const MAX_SIGNATURES: usize = 16;

impl JwsJson {
    /// Parses either JSON serialization, strictly.
    pub fn parse(bytes: &[u8], options: &JwsOptions) -> Result<Self> {
        if bytes.len() > options.max_bytes {
            return Err(Error::TooLarge {
                what: "JWS",
                limit: options.max_bytes,
            });
        }
        let mut top = json::parse_object(bytes)?;
        let payload = match top.remove("payload") {
            None => None,
            Some(Value::String(p)) => Some(p),
            Some(_) => return Err(Error::Malformed("`payload` must be a string")),
        };
        let flattened_members = ["protected", "header", "signature"];
        let has_flat = flattened_members.iter().any(|m| top.contains_key(*m));
        let general = top.contains_key("signatures");
        let signatures = match top.remove("signatures") {
            Some(_) if has_flat => {
                return Err(Error::Malformed("both general and flattened JWS members"));
            }
            Some(Value::Array(sigs)) => {
                if sigs.is_empty() || sigs.len() > MAX_SIGNATURES {
                    return Err(Error::Malformed("`signatures` must hold 1 to 16 entries"));
                }
                sigs.into_iter()
                    .map(|s| match s {
                        Value::Object(s) => parse_signature(s),
                        _ => Err(Error::Malformed("signature entries must be objects")),
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            Some(_) => return Err(Error::Malformed("`signatures` must be an array")),
            None => {
                let mut s = Map::new();
                for m in flattened_members {
                    if let Some(v) = top.remove(m) {
                        s.insert(m.to_owned(), v);
                    }
                }
                vec![parse_signature(s)?]
            }
        };
        Ok(JwsJson {
            payload,
            signatures,
            flattened: !general,
        })
    }

    /// Verifies: succeeds when at least one signature verifies with a trusted key (RFC 7515
    /// §7.2 leaves the policy to the application; this is the common one). Every signature's
    /// header is checked (`crit`, disjointness) before any is trusted.
    pub fn verify(
        &self,
        keys: &(impl KeySource + ?Sized),
        options: &JwsOptions,
    ) -> Result<VerifiedJws> {
        let Some(payload) = &self.payload else {
            return Err(Error::Misuse(
                "detached payload: use JwsJson::verify_detached",
            ));
        };
        self.verify_inner(payload.as_bytes(), None, false, keys, options)
    }

    /// Verifies a JSON JWS whose attached payload may be unencoded (RFC 7797 §4.2: `b64:
    /// false`, listed in `crit`, the `payload` member holding the payload as is). This is the
    /// only attached-payload entry point that processes `b64: false`; [`JwsJson::verify`]
    /// refuses it so that a caller not expecting raw payloads never receives one. Encoded
    /// payloads verify here too.
    pub fn verify_unencoded(
        &self,
        keys: &(impl KeySource + ?Sized),
        options: &JwsOptions,
    ) -> Result<VerifiedJws> {
        let Some(payload) = &self.payload else {
            return Err(Error::Misuse(
                "detached payload: use JwsJson::verify_detached",
            ));
        };
        self.verify_inner(payload.as_bytes(), None, true, keys, options)
    }

    /// Verifies a JSON JWS whose payload is supplied separately (raw bytes; encoded here when
    /// the header does not say `b64: false`).
    pub fn verify_detached(
        &self,
        payload: &[u8],
        keys: &(impl KeySource + ?Sized),
        options: &JwsOptions,
    ) -> Result<VerifiedJws> {
        if self.payload.is_some() {
            return Err(Error::Malformed("payload is attached"));
        }
        self.verify_inner(payload, Some(payload), true, keys, options)
    }

    fn verify_inner(
        &self,
        payload_member: &[u8],
        detached: Option<&[u8]>,
        unencoded_api: bool,
        keys: &(impl KeySource + ?Sized),
        options: &JwsOptions,
    ) -> Result<VerifiedJws> {
        let mut headers = Vec::with_capacity(self.signatures.len());
        for sig in &self.signatures {
            let header = merged_header(sig)?;
            let protected = |n: &str| sig.protected_header.contains_key(n);
            check_crit(&header, &protected, options, unencoded_api)?;
            headers.push(header);
        }
        // Every signature must agree on `b64` (RFC 7797 §3).
        let encoded = headers[0].payload_is_encoded();
        if headers.iter().any(|h| h.payload_is_encoded() != encoded) {
            return Err(Error::Header("signatures disagree on `b64`".into()));
        }
        let mut last = Error::NoMatchingKey;
        for (i, (sig, header)) in self.signatures.iter().zip(headers).enumerate() {
            let protected_b64 = sig.protected.as_deref().unwrap_or("");
            let input = match detached {
                Some(p) => detached_signing_input(protected_b64, p, encoded),
                None => {
                    let mut v = Vec::with_capacity(protected_b64.len() + 1 + payload_member.len());
                    v.extend_from_slice(protected_b64.as_bytes());
                    v.push(b'.');
                    v.extend_from_slice(payload_member);
                    v
                }
            };
            match verify_signature(keys, &header, &input, &sig.signature) {
                Ok(()) => {
                    let payload = match detached {
                        Some(p) => p.to_vec(),
                        None if encoded => b64::decode(payload_member)?,
                        None => payload_member.to_vec(),
                    };
                    return Ok(VerifiedJws {
                        header,
                        payload,
                        signature_index: i,
                    });
                }
                Err(
                    e @ (Error::InvalidSignature
                    | Error::NoMatchingKey
                    | Error::AlgorithmNotAllowed(_)),
                ) => {
                    // Prefer reporting a signature failure over "no key" when both happened.
                    if !matches!(last, Error::InvalidSignature) {
                        last = e;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }
}

fn parse_signature(mut s: Map<String, Value>) -> Result<JwsJsonSignature> {
    let protected = match s.remove("protected") {
        None => None,
        Some(Value::String(p)) => Some(p),
        Some(_) => return Err(Error::Malformed("`protected` must be a string")),
    };
    let protected_header = match &protected {
        Some(p) => json::parse_object(&b64::decode(p)?)?,
        None => Map::new(),
    };
    let header = match s.remove("header") {
        None => Map::new(),
        Some(Value::Object(h)) => h,
        Some(_) => return Err(Error::Malformed("`header` must be an object")),
    };
    let signature = match s.remove("signature") {
        Some(Value::String(sig)) => b64::decode(sig)?,
        _ => return Err(Error::Malformed("missing `signature`")),
    };
    if protected.is_none() && header.is_empty() {
        return Err(Error::Malformed(
            "a signature needs a protected or unprotected header",
        ));
    }
    Ok(JwsJsonSignature {
        protected,
        protected_header,
        header,
        signature,
    })
}

/// The JOSE header of one signature: the protected and unprotected headers, which must be
/// disjoint (RFC 7515 §7.2.1).
fn merged_header(sig: &JwsJsonSignature) -> Result<JwsHeader> {
    let mut merged = sig.protected_header.clone();
    for (k, v) in &sig.header {
        if merged.insert(k.clone(), v.clone()).is_some() {
            return Err(Error::Header(format!(
                "`{k}` is in both the protected and the unprotected header"
            )));
        }
    }
    JwsHeader::from_map(merged)
}

fn protected_b64(header: &JwsHeader, signer: &dyn JwsSigner) -> Result<String> {
    if header.alg != signer.algorithm() {
        return Err(Error::Misuse(
            "the header `alg` differs from the signer's algorithm",
        ));
    }
    let mut map = header.to_map();
    if header.kid.is_none() {
        if let Some(kid) = signer.key_id() {
            map.insert("kid".into(), kid.into());
        }
    }
    Ok(b64::encode(Value::Object(map).to_string()))
}

fn sign_input(signer: &dyn JwsSigner, input: &[u8]) -> Result<Vec<u8>> {
    let sig = signer.sign(input)?;
    if let Some(len) = signer.algorithm().fixed_signature_len() {
        if sig.len() != len {
            // An external ECDSA signer returning DER lands here.
            return Err(Error::Crypto);
        }
    }
    Ok(sig)
}

/// Signs `payload` into a compact JWS. The header's `alg` must be the signer's; a missing
/// `kid` is taken from the signer. `b64: false` headers are refused here (use
/// [`sign_compact_detached`]).
pub fn sign_compact(header: &JwsHeader, payload: &[u8], signer: &dyn JwsSigner) -> Result<String> {
    if !header.payload_is_encoded() {
        return Err(Error::Misuse("`b64: false` needs sign_compact_detached"));
    }
    let mut out = protected_b64(header, signer)?;
    out.push('.');
    b64::encode_into(payload, &mut out);
    let sig = sign_input(signer, out.as_bytes())?;
    out.push('.');
    b64::encode_into(sig, &mut out);
    Ok(out)
}

/// Signs a detached payload into a compact JWS with an empty payload part. With
/// `unencoded = true` the payload is signed as is (RFC 7797): `b64: false` is set and `b64`
/// added to `crit`.
pub fn sign_compact_detached(
    header: &JwsHeader,
    payload: &[u8],
    signer: &dyn JwsSigner,
    unencoded: bool,
) -> Result<String> {
    let mut header = header.clone();
    if unencoded {
        mark_unencoded(&mut header);
    }
    let h = protected_b64(&header, signer)?;
    let input = detached_signing_input(&h, payload, header.payload_is_encoded());
    let sig = sign_input(signer, &input)?;
    Ok(format!("{h}..{}", b64::encode(sig)))
}

fn mark_unencoded(header: &mut JwsHeader) {
    header.b64 = Some(false);
    let crit = header.crit.get_or_insert_with(Vec::new);
    if !crit.iter().any(|c| c == "b64") {
        crit.push("b64".into());
    }
}

/// One signer's part of a JSON-serialized JWS.
pub struct SignatureSpec<'a> {
    /// The protected header (its `alg` must be the signer's).
    pub protected: JwsHeader,
    /// The unprotected header; must not share names with the protected one.
    pub unprotected: Map<String, Value>,
    /// The signer.
    pub signer: &'a dyn JwsSigner,
}

/// Signs `payload` into the general JSON serialization with one signature per spec
/// (RFC 7515 §7.2.1); with one spec and `flattened`, the flattened syntax (§7.2.2).
/// With `detached`, the `payload` member is omitted. Protected headers saying `b64: false`
/// sign the payload as is (RFC 7797; `b64` is added to `crit`; all signatures must agree, and
/// an attached unencoded payload must be UTF-8).
pub fn sign_json(
    payload: &[u8],
    specs: &[SignatureSpec<'_>],
    flattened: bool,
    detached: bool,
) -> Result<Value> {
    if specs.is_empty() || specs.len() > MAX_SIGNATURES || (flattened && specs.len() != 1) {
        return Err(Error::Misuse(
            "general JSON takes 1 to 16 signatures, flattened exactly 1",
        ));
    }
    // RFC 7797 §3: every signature of one JWS agrees on `b64`.
    let encoded = specs[0].protected.payload_is_encoded();
    if specs
        .iter()
        .any(|s| s.protected.payload_is_encoded() != encoded)
    {
        return Err(Error::Misuse("signatures must agree on `b64`"));
    }
    // RFC 7797 §5.2: an attached unencoded payload is a JSON string, so it must be UTF-8.
    // A detached unencoded payload is any bytes; only the signing input carries it.
    let payload_member: Vec<u8> = if encoded {
        b64::encode(payload).into_bytes()
    } else if detached {
        payload.to_vec()
    } else {
        std::str::from_utf8(payload)
            .map_err(|_| Error::Misuse("an attached unencoded payload must be UTF-8"))?;
        payload.to_vec()
    };
    let mut sigs = Vec::with_capacity(specs.len());
    for spec in specs {
        let mut protected = spec.protected.clone();
        if !encoded {
            mark_unencoded(&mut protected);
        }
        let prot = protected_b64(&protected, spec.signer)?;
        let prot_map = protected.to_map();
        if let Some(k) = spec.unprotected.keys().find(|k| prot_map.contains_key(*k)) {
            return Err(Error::Header(format!("`{k}` is in both headers")));
        }
        let mut input = Vec::with_capacity(prot.len() + 1 + payload_member.len());
        input.extend_from_slice(prot.as_bytes());
        input.push(b'.');
        input.extend_from_slice(&payload_member);
        let sig = sign_input(spec.signer, &input)?;
        let mut s = Map::new();
        s.insert("protected".into(), prot.into());
        if !spec.unprotected.is_empty() {
            s.insert("header".into(), Value::Object(spec.unprotected.clone()));
        }
        s.insert("signature".into(), b64::encode(sig).into());
        sigs.push(s);
    }
    let mut out = Map::new();
    if !detached {
        // Valid UTF-8: base64url text, or an attached payload checked above.
        out.insert(
            "payload".into(),
            String::from_utf8_lossy(&payload_member).into_owned().into(),
        );
    }
    if flattened {
        out.extend(sigs.pop().unwrap_or_default());
    } else {
        out.insert(
            "signatures".into(),
            sigs.into_iter().map(Value::Object).collect(),
        );
    }
    Ok(Value::Object(out))
}

/// Decodes a compact JWS header *without verifying anything*, for routing and diagnostics.
pub fn decode_header_unverified(token: &str) -> Result<JwsHeader> {
    let parts = split_compact(token, DEFAULT_MAX_JWS_BYTES)?;
    JwsHeader::from_json(&b64::decode(parts.header_b64)?)
}

/// Decodes a compact JWS header and payload *without verifying anything*.
pub fn decode_unverified(token: &str) -> Result<(JwsHeader, Vec<u8>)> {
    let parts = split_compact(token, DEFAULT_MAX_JWS_BYTES)?;
    let header = JwsHeader::from_json(&b64::decode(parts.header_b64)?)?;
    b64::decode(parts.signature_b64)?;
    Ok((header, b64::decode(parts.payload_b64)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{SigningKey, VerifyingKey};

    /// Header texts covering the fast path and every way of leaving it.
    const HEADER_SAMPLES: &[&str] = &[
        r#"{"alg":"HS256"}"#,
        r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#,
        r#" {"typ" : "JWT" ,"alg":"RS256","cty":"x","jku":"https://j","x5u":"https://u","x5t":"t","x5t#S256":"t2"} "#,
        r#"{"alg":"HS256","x5c":["MIIB","MIIC"],"crit":["b64"],"b64":false}"#,
        r#"{"alg":"HS256","x5c":[],"crit":[]}"#,
        r#"{"alg":"HS256","ext":"v","n":1,"t":true,"z":null}"#,
        r#"{"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}}"#,
        r#"{"alg":"HS256","alg":"HS256"}"#,
        r#"{"alg":"HS256","\u0061lg":"HS256"}"#,
        r#"{"\u0061lg":"HS256"}"#,
        r#"{"alg":"HS256","kid":"a","k\u0069d":"b"}"#,
        r#"{"alg":"HS256","ext":1,"ext":2}"#,
        r#"{"alg":"none"}"#,
        r#"{"alg":"hs256"}"#,
        r#"{"alg":5}"#,
        r#"{"typ":"JWT"}"#,
        r#"{"alg":"HS256","typ":5}"#,
        r#"{"alg":"HS256","b64":"false"}"#,
        r#"{"alg":"HS256","crit":"b64"}"#,
        r#"{"alg":"HS256","crit":["b64",1]}"#,
        r#"{"alg":"HS256","ext":{"a":1}}"#,
        r#"{"alg":"HS256","ext":-1}"#,
        r#"{"alg":"HS256","kid":"\u00e9"}"#,
        r#"{"alg":"HS256","kid":"é"}"#,
        r#"{"alg":"HS256",}"#,
        r#"{"alg":"HS256"} x"#,
        r#"{"alg":"HS256""#,
        r#"[]"#,
        "",
    ];

    fn assert_fast_agrees(text: &[u8]) {
        let strict = JwsHeader::from_json_strict(text);
        if let Some(fast) = JwsHeader::from_plain_json(text) {
            assert_eq!(Ok(fast), strict, "{}", String::from_utf8_lossy(text));
        }
        assert_eq!(JwsHeader::from_json(text), strict);
    }

    #[test]
    fn algorithm_names_match_from_str() {
        for alg in JwsAlgorithm::ALL {
            assert_eq!(algorithm_by_name(alg.name()), Some(alg));
        }
        for other in [
            "", "none", "hs256", "HS256 ", "RS2560", "Ed2551", "ES256k", "x5t#S256",
        ] {
            assert_eq!(algorithm_by_name(other), None, "{other}");
            assert!(other.parse::<JwsAlgorithm>().is_err());
        }
    }

    #[test]
    fn header_fast_path_agrees_with_strict_parser() {
        for s in HEADER_SAMPLES {
            assert_fast_agrees(s.as_bytes());
        }
        for plain in &HEADER_SAMPLES[..6] {
            assert!(
                JwsHeader::from_plain_json(plain.as_bytes()).is_some(),
                "{plain}"
            );
        }
        // Escaped names leave the fast path, so escaped duplicates reach the strict check.
        assert!(JwsHeader::from_json(br#"{"alg":"HS256","\u0061lg":"HS256"}"#).is_err());
        assert!(JwsHeader::from_json(br#"{"alg":"HS256","kid":"a","k\u0069d":"b"}"#).is_err());
        assert_eq!(
            JwsHeader::from_json(br#"{"\u0061lg":"ES256"}"#)
                .unwrap()
                .alg,
            JwsAlgorithm::ES256
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Headers built from plain and non-plain pieces, also with one byte cut or inserted.
        #[test]
        fn header_fast_path_agrees_on_generated_headers(
            members in proptest::collection::vec((0usize..12, 0usize..14), 0..6),
            edit in 0usize..300,
            byte in proptest::prelude::any::<u8>(),
        ) {
            const NAMES: [&str; 12] = [
                "alg", "alg", "typ", "kid", "crit", "b64", "x5c", "jwk", "ext", "\\u0061lg",
                "x5t#S256", "cty",
            ];
            const VALUES: [&str; 14] = [
                "\"HS256\"", "\"ES256\"", "\"none\"", "\"JWT\"", "[\"b64\"]", "false", "true",
                "[]", "{\"kty\":\"oct\",\"k\":\"AAAA\"}", "1", "null", "\"\\u0041\"", "[1]",
                "\"\"",
            ];
            let mut text = String::from("{");
            for (i, (n, v)) in members.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push('"');
                text.push_str(NAMES[*n]);
                text.push_str("\":");
                text.push_str(VALUES[*v]);
            }
            text.push('}');
            crate::json::for_text_and_one_byte_edits(text, edit, byte, assert_fast_agrees);
        }
    }

    #[test]
    fn headers_and_signatures_larger_than_the_stack_buffers() {
        let provider = crate::crypto::default_provider();
        let secret = [3u8; 32];
        let signer = SigningKey::hmac(JwsAlgorithm::HS256, &secret, provider).unwrap();
        let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &secret, provider).unwrap();
        let opts = JwsOptions::default();
        // A header of about 1 KiB (beyond the stack buffer), escaped and plain.
        for (kid, decoded) in [
            ("k".repeat(1000), "k".repeat(1000)),
            (
                format!("{}\\u0041", "k".repeat(600)),
                format!("{}A", "k".repeat(600)),
            ),
        ] {
            let json = format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#);
            assert!(json.len() > HEADER_STACK_BYTES);
            let h = b64::encode(&json);
            let input = format!("{h}.{}", b64::encode(b"payload"));
            let sig = signer.sign(input.as_bytes()).unwrap();
            let token = format!("{input}.{}", b64::encode(&sig));
            let v = verify_compact(&token, &key, &opts).unwrap();
            assert_eq!(v.payload, b"payload");
            assert_eq!(v.header.kid, Some(decoded));
            // The same header with a repeated (escaped) member is still rejected.
            let dup = format!(r#"{{"alg":"HS256","kid":"{kid}","k\u0069d":"x"}}"#);
            let input = format!("{}.{}", b64::encode(&dup), b64::encode(b"payload"));
            let sig = signer.sign(input.as_bytes()).unwrap();
            let token = format!("{input}.{}", b64::encode(&sig));
            assert!(matches!(
                verify_compact(&token, &key, &opts),
                Err(Error::Json(_))
            ));
        }
        // A signature part longer than the stack buffer decodes on the heap, then fails the
        // length check; a malformed one fails decoding.
        let token = sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"p", &signer).unwrap();
        let cut = token.rfind('.').unwrap();
        let long = format!("{}.{}", &token[..cut], b64::encode([7u8; 700]));
        assert_eq!(
            verify_compact(&long, &key, &opts),
            Err(Error::InvalidSignature)
        );
        let bad = format!("{}.{}=", &token[..cut], b64::encode([7u8; 700]));
        assert_eq!(verify_compact(&bad, &key, &opts), Err(Error::Base64));
    }

    #[test]
    fn compact_splitting() {
        let key = VerifyingKey::hmac(
            JwsAlgorithm::HS256,
            &[3u8; 32],
            crate::crypto::default_provider(),
        )
        .unwrap();
        let opts = JwsOptions::default();
        let three = Err(Error::Malformed("a compact JWS has three parts"));
        for t in ["", "abc", "a.b", "a.b.c.d", "a.b.c.d.e.f", "....", "......"] {
            let expected = if t.matches('.').count() == 4 {
                Err(Error::Malformed("a JWE was given to the JWS API"))
            } else {
                three.clone()
            };
            assert_eq!(verify_compact(t, &key, &opts), expected, "{t}");
        }
    }
}
