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
    pub fn from_map(m: Map<String, Value>) -> Result<Self> {
        // One pass over the members (a lookup per known name would cost about twenty map
        // searches per token, most of them for absent names). A member of the wrong type is
        // reported only after `alg` and `enc`, which say first whether the header is a JWE
        // header this library can read at all.
        let (mut alg, mut enc) = (None, None);
        let mut h = JweHeader::new(
            KeyManagementAlgorithm::Dir,
            ContentEncryptionAlgorithm::A128Gcm,
        );
        let mut wrong = None;
        for (name, value) in m {
            let read = match name.as_str() {
                "alg" => {
                    alg = Some(text(value, "alg"));
                    Ok(())
                }
                "enc" => {
                    enc = Some(text(value, "enc"));
                    Ok(())
                }
                "zip" => text(value, "zip").map(|v| h.zip = Some(v)),
                "typ" => text(value, "typ").map(|v| h.typ = Some(v)),
                "cty" => text(value, "cty").map(|v| h.cty = Some(v)),
                "kid" => text(value, "kid").map(|v| h.kid = Some(v)),
                "jku" => text(value, "jku").map(|v| h.jku = Some(v)),
                "x5u" => text(value, "x5u").map(|v| h.x5u = Some(v)),
                "x5t" => text(value, "x5t").map(|v| h.x5t = Some(v)),
                "x5t#S256" => text(value, "x5t#S256").map(|v| h.x5t_s256 = Some(v)),
                "x5c" => texts(value, "x5c").map(|v| h.x5c = Some(v)),
                "crit" => texts(value, "crit").map(|v| h.crit = Some(v)),
                "jwk" => jwk(value, "jwk").map(|v| h.jwk = Some(v)),
                "epk" => jwk(value, "epk").map(|v| h.epk = Some(v)),
                "apu" => binary(value, "apu").map(|v| h.apu = Some(v)),
                "apv" => binary(value, "apv").map(|v| h.apv = Some(v)),
                "iv" => binary(value, "iv").map(|v| h.iv = Some(v)),
                "tag" => binary(value, "tag").map(|v| h.tag = Some(v)),
                "p2s" => binary(value, "p2s").map(|v| h.p2s = Some(v)),
                "p2c" => value
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| wrong_type("p2c"))
                    .map(|v| h.p2c = Some(v)),
                _ => {
                    h.extra.insert(name, value);
                    Ok(())
                }
            };
            if let Err(e) = read {
                wrong.get_or_insert(e);
            }
        }
        let alg = alg.ok_or(Error::Malformed("JWE header without `alg`"))??;
        let enc = enc.ok_or(Error::Malformed("JWE header without `enc`"))??;
        h.alg = alg
            .parse::<KeyManagementAlgorithm>()
            .map_err(|_| not_allowed(alg))?;
        h.enc = enc
            .parse::<ContentEncryptionAlgorithm>()
            .map_err(|_| not_allowed(enc))?;
        match wrong {
            Some(e) => Err(e),
            None => Ok(h),
        }
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

fn text(v: Value, name: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(wrong_type(name)),
    }
}

fn texts(v: Value, name: &str) -> Result<Vec<String>> {
    match v {
        Value::Array(a) => a.into_iter().map(|v| text(v, name)).collect(),
        _ => Err(wrong_type(name)),
    }
}

fn jwk(v: Value, name: &str) -> Result<Box<Jwk>> {
    match v {
        Value::Object(o) => Ok(Box::new(Jwk::from_map(o)?)),
        _ => Err(wrong_type(name)),
    }
}

fn binary(v: Value, name: &str) -> Result<Vec<u8>> {
    b64::decode(text(v, name)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<JweHeader> {
        match v {
            Value::Object(m) => JweHeader::from_map(m),
            _ => unreachable!("the tests pass objects"),
        }
    }

    #[test]
    fn members_are_read_in_one_pass_with_the_same_errors() {
        let h = read(
            json!({"alg": "A256KW", "enc": "A256GCM", "kid": "k", "p2c": 1000,
            "apu": "YWxpY2U", "crit": ["x"], "x": 1}),
        )
        .unwrap();
        assert_eq!(h.alg, KeyManagementAlgorithm::A256Kw);
        assert_eq!(h.enc, ContentEncryptionAlgorithm::A256Gcm);
        assert_eq!(h.kid.as_deref(), Some("k"));
        assert_eq!(h.p2c, Some(1000));
        assert_eq!(h.apu.as_deref(), Some(&b"alice"[..]));
        assert_eq!(h.crit, Some(vec!["x".to_owned()]));
        assert_eq!(h.extra.get("x"), Some(&json!(1)));
        // `alg` and `enc` are judged first: missing, then of the wrong type, then unknown.
        let missing_alg = read(json!({"enc": "A256GCM", "kid": 1})).unwrap_err();
        assert!(matches!(missing_alg, Error::Malformed(m) if m.contains("`alg`")));
        let missing_enc = read(json!({"alg": "dir", "kid": 1})).unwrap_err();
        assert!(matches!(missing_enc, Error::Malformed(m) if m.contains("`enc`")));
        let typed_alg = read(json!({"alg": 1, "enc": "A256GCM"})).unwrap_err();
        assert!(matches!(typed_alg, Error::Json(m) if m.contains("`alg`")));
        let unknown = read(json!({"alg": "RS256", "enc": "A256GCM", "kid": 1})).unwrap_err();
        assert!(matches!(
            unknown,
            Error::EncryptionAlgorithmNotAllowed { .. }
        ));
        // Then every other member of the wrong type is refused.
        for (name, bad) in [
            ("kid", json!(1)),
            ("zip", json!(true)),
            ("x5c", json!(["a", 1])),
            ("crit", json!("x")),
            ("epk", json!("key")),
            ("apv", json!("not base64url!")),
            ("p2c", json!(-1)),
            ("p2c", json!(u64::from(u32::MAX) + 1)),
        ] {
            let mut m = Map::new();
            m.insert("alg".into(), json!("dir"));
            m.insert("enc".into(), json!("A128GCM"));
            m.insert(name.into(), bad.clone());
            assert!(JweHeader::from_map(m).is_err(), "{name}: {bad}");
        }
    }
}
