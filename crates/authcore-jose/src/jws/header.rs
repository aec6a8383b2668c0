//! The JOSE header of a JWS (RFC 7515 §4) and its two readers: a fast one for plain JSON and
//! the strict one, which alone decides anything else.

use core::fmt;

use serde::Deserializer as _;
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::alg::JwsAlgorithm;
use crate::error::{Error, Result};
use crate::json::{self, Key, ObjectVisitor, SeenKeys, StrictValue};
use crate::jwk::Jwk;

/// Header parameter names registered by RFC 7515, 7516, 7518 and 7797 §6 that must not appear
/// in `crit` (RFC 7515 §4.1.11).
pub(crate) const REGISTERED_HEADER_NAMES: &[&str] = &[
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc",
    "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
];

/// A JOSE header for JWS (RFC 7515 §4.1). When parsed from a JSON serialization it is the
/// union of the protected and unprotected headers.
///
/// `#[non_exhaustive]`: JWE and future registrations add members. Build one with
/// [`JwsHeader::new`] and the `with_*` methods (or set the public fields), or read one with
/// [`JwsHeader::from_json`] / [`JwsHeader::from_map`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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
    /// A header with only `alg`: a complete header, whatever is done with it next.
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

    /// Sets `cty`, the media type of the payload (`JWT` for a nested JWT, RFC 7519 §5.2).
    pub fn with_cty(mut self, cty: impl Into<String>) -> Self {
        self.cty = Some(cty.into());
        self
    }

    /// Sets `jwk`, the public key the token claims to be signed with (for proof-of-possession
    /// tokens such as DPoP proofs; verifiers here never trust it).
    pub fn with_jwk(mut self, jwk: Jwk) -> Self {
        self.jwk = Some(Box::new(jwk));
        self
    }

    /// Sets `x5c`, the certificate chain (base64 DER, leaf first).
    pub fn with_x5c(mut self, chain: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.x5c = Some(chain.into_iter().map(Into::into).collect());
        self
    }

    /// Adds `name` to `crit` (RFC 7515 §4.1.11): a verifier that does not process the
    /// extension parameter `name` must reject the token.
    pub fn with_crit(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        let crit = self.crit.get_or_insert_with(Vec::new);
        if !crit.contains(&name) {
            crit.push(name);
        }
        self
    }

    /// Sets a header parameter that has no field of its own (an extension parameter).
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name.into(), value.into());
        self
    }

    /// Parses a header from strict JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let mut h = JwsHeader::new(JwsAlgorithm::HS256);
        h.read_json(bytes)?;
        Ok(h)
    }

    /// [`JwsHeader::from_json`] into `self`, whatever `self` held before (the verification
    /// path fills the header in place instead of moving it around). On success every member
    /// comes from `bytes`; on an error `self` holds no usable header.
    #[inline]
    pub(crate) fn read_json(&mut self, bytes: &[u8]) -> Result<()> {
        self.clear();
        if self.read_plain_json(bytes).is_none() {
            self.read_json_strict(bytes)?;
        }
        Ok(())
    }

    /// Removes every parameter but `alg`, which each reader sets itself. The exhaustive
    /// pattern makes a new member a compile error here until it is cleared too, so no member
    /// of an earlier header can survive into the next one.
    #[inline]
    fn clear(&mut self) {
        let JwsHeader {
            alg: _,
            typ,
            cty,
            kid,
            jwk,
            jku,
            x5u,
            x5c,
            x5t,
            x5t_s256,
            crit,
            b64,
            extra,
        } = self;
        (*typ, *cty, *kid, *jku, *x5u, *x5t, *x5t_s256) =
            (None, None, None, None, None, None, None);
        (*jwk, *x5c, *crit, *b64) = (None, None, None, None);
        if !extra.is_empty() {
            extra.clear();
        }
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
        const ALG: u64 = json::key8("alg");
        const JWK: u64 = json::key8("jwk");
        let mut p = json::Plain::object(bytes)?;
        let mut alg = None;
        while let Some(name) = p.member()? {
            match json::key8(name) {
                ALG if alg.is_none() => alg = Some(algorithm_by_name(p.string()?)?),
                // A repeated `alg`; an object (the strict parser builds the embedded JWK).
                ALG | JWK => return None,
                _ => {
                    if !HeaderMembers::read_plain(self, name, &mut p)? {
                        let v = p.scalar()?;
                        json::plain_insert(&mut self.extra, name, v)?;
                    }
                }
            }
        }
        p.finish()?;
        // A missing or unknown `alg` is an error the strict parser reports.
        self.alg = alg?;
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

crate::json_members! {
    /// The header parameters with a field of their own, for both readers. `alg` (required, an
    /// algorithm name) and `jwk` (an object, left to the strict parser) are read apart.
    struct HeaderMembers for JwsHeader {
        "typ" => typ: text,
        "cty" => cty: text,
        "kid" => kid: text,
        "jku" => jku: text,
        "x5u" => x5u: text,
        "x5t" => x5t: text,
        "x5t#S256" => x5t_s256: text,
        "x5c" => x5c: texts,
        "crit" => crit: texts,
        "b64" => b64: flag,
    }
}

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
                "jwk" => jwk = Some(map.next_value_seed(ObjectSeed)?),
                _ => {
                    let v = map.next_value_seed(StrictValue { depth: 1 })?;
                    match HeaderMembers::read_strict(&mut h, &k, v) {
                        Ok(None) => {}
                        Ok(Some(v)) => {
                            h.extra.insert(k.into_owned(), v);
                        }
                        Err(name) => {
                            return Err(de::Error::custom(format_args!(
                                "header parameter `{name}` has the wrong type"
                            )));
                        }
                    }
                }
            }
        }
        let Some(alg) = alg else {
            return Ok(Err(Error::Malformed("JWS header without `alg`")));
        };
        h.alg = match alg.parse() {
            Ok(a) => a,
            // No key can have an algorithm this crate does not know; the verifier fills in
            // the algorithms its keys do allow.
            Err(_) => {
                return Ok(Err(Error::AlgorithmNotAllowed {
                    alg,
                    allowed: Vec::new(),
                }));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Reading into a header that held another one leaves nothing of the old one, on the
    /// fast path and on the strict path.
    #[test]
    fn read_json_keeps_nothing_of_an_earlier_header() {
        let dirty = || {
            JwsHeader::new(JwsAlgorithm::ES256)
                .with_typ("old")
                .with_kid("old")
                .with_cty("old")
                .with_x5c(["MIIB"])
                .with_crit("b64")
                .with_param("ext", 1)
                .with_jwk(
                    Jwk::from_map(
                        serde_json::json!({"kty": "oct", "k": "AAAA"})
                            .as_object()
                            .unwrap()
                            .clone(),
                    )
                    .unwrap(),
                )
        };
        for text in [
            &br#"{"alg":"HS256"}"#[..],
            br#"{"alg":"HS256","kid":"new"}"#,
            br#"{"alg":"HS256","kid":"n\u0065w"}"#,
            br#"{"\u0061lg":"RS256"}"#,
        ] {
            let mut h = dirty();
            h.read_json(text).unwrap();
            assert_eq!(h, JwsHeader::from_json(text).unwrap());
            assert_eq!(h.typ, None);
            assert_eq!(h.jwk, None);
            assert!(h.extra.is_empty());
        }
        let mut h = dirty();
        h.b64 = Some(false);
        h.read_json(br#"{"alg":"HS256","b64":true}"#).unwrap();
        let mut expected = JwsHeader::new(JwsAlgorithm::HS256);
        expected.b64 = Some(true);
        assert_eq!(h, expected);
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
}
