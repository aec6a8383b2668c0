//! The JOSE header of a JWE (RFC 7516 §4, RFC 7518 §4.6.1, §4.7.1, §4.8.1).

use serde_json::{Map, Value};

use crate::alg::{ContentEncryptionAlgorithm, KeyManagementAlgorithm};
use crate::b64;
use crate::error::{Error, Result};
use crate::jwk::Jwk;

/// A JOSE header for JWE (RFC 7516 §4.1). Read from a token it is the JWE's joint header
/// (§7.2.1): the union of the protected header, the shared unprotected header and the
/// recipient's header, whose member names must be disjoint.
///
/// `#[non_exhaustive]`: build one with [`JweHeader::new`], or read one with
/// [`JweHeader::from_map`]. Binary parameters (`apu`, `apv`, `iv`, `tag`, `p2s`) are held
/// decoded; [`JweHeader::to_map`] encodes them again.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JweHeader {
    /// `alg`: the key management algorithm.
    pub alg: KeyManagementAlgorithm,
    /// `enc`: the content encryption algorithm.
    pub enc: ContentEncryptionAlgorithm,
    /// `zip`: the compression applied before encryption (`DEF`, RFC 7516 §4.1.3).
    pub zip: Option<String>,
    /// `typ`: the media type of the whole JWE.
    pub typ: Option<String>,
    /// `cty`: the media type of the plaintext (`JWT` for a nested JWT, RFC 7519 §5.2).
    pub cty: Option<String>,
    /// `kid`.
    pub kid: Option<String>,
    /// `jku`: kept, never fetched.
    pub jku: Option<String>,
    /// `jwk`: kept, never used to decrypt.
    pub jwk: Option<Box<Jwk>>,
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
    /// `epk`: the ephemeral public key of ECDH-ES (RFC 7518 §4.6.1.1).
    pub epk: Option<Box<Jwk>>,
    /// `apu`: agreement PartyUInfo, decoded (RFC 7518 §4.6.1.2).
    pub apu: Option<Vec<u8>>,
    /// `apv`: agreement PartyVInfo, decoded (RFC 7518 §4.6.1.3).
    pub apv: Option<Vec<u8>>,
    /// `iv`: the AES-GCM key wrap IV, decoded (RFC 7518 §4.7.1.1).
    pub iv: Option<Vec<u8>>,
    /// `tag`: the AES-GCM key wrap tag, decoded (RFC 7518 §4.7.1.2).
    pub tag: Option<Vec<u8>>,
    /// `p2s`: the PBES2 salt input, decoded (RFC 7518 §4.8.1.1).
    pub p2s: Option<Vec<u8>>,
    /// `p2c`: the PBES2 iteration count (RFC 7518 §4.8.1.2).
    pub p2c: Option<u32>,
    /// Other parameters.
    pub extra: Map<String, Value>,
}

/// The JWE header parameters held as base64url text on the wire.
const BINARY: [&str; 5] = ["apu", "apv", "iv", "tag", "p2s"];

impl JweHeader {
    /// A header with only `alg` and `enc`.
    pub fn new(alg: KeyManagementAlgorithm, enc: ContentEncryptionAlgorithm) -> Self {
        JweHeader {
            alg,
            enc,
            zip: None,
            typ: None,
            cty: None,
            kid: None,
            jku: None,
            jwk: None,
            x5u: None,
            x5c: None,
            x5t: None,
            x5t_s256: None,
            crit: None,
            epk: None,
            apu: None,
            apv: None,
            iv: None,
            tag: None,
            p2s: None,
            p2c: None,
            extra: Map::new(),
        }
    }

    /// Reads a header from a JSON object already parsed strictly (duplicate members and depth
    /// are the parser's rules, [`crate::json::parse_object`]). Every registered parameter must
    /// have its registered type; `alg` and `enc` are required.
    ///
    /// An `alg` or `enc` this crate does not know is
    /// [`Error::EncryptionAlgorithmNotAllowed`] (no key can allow it); a JWS `alg` is too.
    pub fn from_map(mut m: Map<String, Value>) -> Result<Self> {
        let alg = take_text(&mut m, "alg")?.ok_or(Error::Malformed("JWE header without `alg`"))?;
        let enc = take_text(&mut m, "enc")?.ok_or(Error::Malformed("JWE header without `enc`"))?;
        let alg = alg
            .parse::<KeyManagementAlgorithm>()
            .map_err(|_| not_allowed(alg))?;
        let enc = enc
            .parse::<ContentEncryptionAlgorithm>()
            .map_err(|_| not_allowed(enc))?;
        let mut h = JweHeader::new(alg, enc);
        h.zip = take_text(&mut m, "zip")?;
        h.typ = take_text(&mut m, "typ")?;
        h.cty = take_text(&mut m, "cty")?;
        h.kid = take_text(&mut m, "kid")?;
        h.jku = take_text(&mut m, "jku")?;
        h.x5u = take_text(&mut m, "x5u")?;
        h.x5t = take_text(&mut m, "x5t")?;
        h.x5t_s256 = take_text(&mut m, "x5t#S256")?;
        h.x5c = take_texts(&mut m, "x5c")?;
        h.crit = take_texts(&mut m, "crit")?;
        h.jwk = take_jwk(&mut m, "jwk")?;
        h.epk = take_jwk(&mut m, "epk")?;
        let [apu, apv, iv, tag, p2s] = BINARY.map(|name| take_binary(&mut m, name));
        (h.apu, h.apv, h.iv, h.tag, h.p2s) = (apu?, apv?, iv?, tag?, p2s?);
        h.p2c = match m.remove("p2c") {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| wrong_type("p2c"))?,
            ),
        };
        h.extra = m;
        Ok(h)
    }

    /// Parses a header from strict JSON bytes (as [`JweHeader::from_map`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        Self::from_map(crate::json::parse_object(bytes)?)
    }

    /// The header as a JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = self.extra.clone();
        m.insert("alg".into(), self.alg.name().into());
        m.insert("enc".into(), self.enc.name().into());
        let mut s = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v.clone()));
            }
        };
        s("zip", &self.zip);
        s("typ", &self.typ);
        s("cty", &self.cty);
        s("kid", &self.kid);
        s("jku", &self.jku);
        s("x5u", &self.x5u);
        s("x5t", &self.x5t);
        s("x5t#S256", &self.x5t_s256);
        for (k, v) in [("jwk", &self.jwk), ("epk", &self.epk)] {
            if let Some(j) = v {
                m.insert(k.into(), Value::Object(j.to_map()));
            }
        }
        for (k, v) in [("x5c", &self.x5c), ("crit", &self.crit)] {
            if let Some(list) = v {
                m.insert(k.into(), list.iter().cloned().map(Value::String).collect());
            }
        }
        for (k, v) in BINARY
            .iter()
            .zip([&self.apu, &self.apv, &self.iv, &self.tag, &self.p2s])
        {
            if let Some(bytes) = v {
                m.insert((*k).into(), b64::encode(bytes).into());
            }
        }
        if let Some(c) = self.p2c {
            m.insert("p2c".into(), c.into());
        }
        m
    }

    /// Whether the plaintext is a nested JWT: `cty` is `JWT` (RFC 7519 §5.2), compared
    /// case-insensitively.
    pub fn cty_is_jwt(&self) -> bool {
        crate::jwt::cty_is_jwt(self.cty.as_deref())
    }
}

fn not_allowed(alg: String) -> Error {
    Error::EncryptionAlgorithmNotAllowed {
        alg,
        allowed: Vec::new(),
    }
}

#[cold]
fn wrong_type(name: &str) -> Error {
    Error::Json(format!("header parameter `{name}` has the wrong type"))
}

fn take_text(m: &mut Map<String, Value>, name: &str) -> Result<Option<String>> {
    match m.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(name)),
    }
}

fn take_texts(m: &mut Map<String, Value>, name: &str) -> Result<Option<Vec<String>>> {
    match m.remove(name) {
        None => Ok(None),
        Some(Value::Array(a)) => a
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(wrong_type(name)),
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(wrong_type(name)),
    }
}

fn take_jwk(m: &mut Map<String, Value>, name: &str) -> Result<Option<Box<Jwk>>> {
    match m.remove(name) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(Box::new(Jwk::from_map(o)?))),
        Some(_) => Err(wrong_type(name)),
    }
}

fn take_binary(m: &mut Map<String, Value>, name: &str) -> Result<Option<Vec<u8>>> {
    take_text(m, name)?.map(b64::decode).transpose()
}
