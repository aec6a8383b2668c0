//! Strict JSON for JOSE: duplicate member names are rejected at every level (RFC 7515 §5.2,
//! RFC 7519 §4, RFC 8725 §3.7), nesting is bounded, and the top level must be an object.
//!
//! `serde_json` alone keeps the last of duplicate members; an attacker can exploit the
//! difference between parsers that keep the first and those that keep the last, so every JOSE
//! parser in this crate goes through the visitors here.

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Maximum nesting depth of arrays and objects in any JOSE JSON text.
pub const MAX_DEPTH: usize = 32;

/// Maximum number of members in one JSON object.
pub const MAX_MEMBERS: usize = 1024;

/// Parses a JSON text that must be an object, rejecting duplicate member names at any depth
/// and nesting deeper than [`MAX_DEPTH`].
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = de
        .deserialize_map(ObjectVisitor { depth: 1 })
        .map_err(json_err)?;
    de.end().map_err(json_err)?;
    Ok(value)
}

/// Parses any strict JSON value (same rules as [`parse_object`], any top-level type).
pub fn parse_value(bytes: &[u8]) -> Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue { depth: 0 }
        .deserialize(&mut de)
        .map_err(json_err)?;
    de.end().map_err(json_err)?;
    Ok(value)
}

pub(crate) fn json_err(e: serde_json::Error) -> Error {
    Error::Json(e.to_string())
}

/// A member name that borrows from the input when it has no escapes.
///
/// For typed strict deserializers outside this crate: escapes are decoded before the name is
/// compared, so `"\u0061"` and `"a"` are the same name.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Tracks member names already seen in one object. The first [`SMALL_MEMBERS`] names live in a
/// fixed array (no allocation for the small objects JOSE uses, scanned linearly); larger objects
/// switch to a hash set so the check stays linear overall.
pub(crate) struct SeenKeys<'de> {
    small: [Cow<'de, str>; SMALL_MEMBERS],
    len: usize,
    large: Option<std::collections::HashSet<Cow<'de, str>>>,
}

/// How many member names [`SeenKeys`] tracks before switching to a hash set.
const SMALL_MEMBERS: usize = 16;

impl Default for SeenKeys<'_> {
    fn default() -> Self {
        SeenKeys {
            small: std::array::from_fn(|_| Cow::Borrowed("")),
            len: 0,
            large: None,
        }
    }
}

impl<'de> SeenKeys<'de> {
    /// Records `key`; errors if it was seen before or the object has too many members.
    // A `Cow` rather than `&str`: a borrowed name is kept borrowed, without a copy.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn insert<E: de::Error>(&mut self, key: &Cow<'de, str>) -> Result<(), E> {
        if let Some(set) = &mut self.large {
            if set.len() >= MAX_MEMBERS {
                return Err(E::custom("too many object members"));
            }
            if !set.insert(key.clone()) {
                return Err(E::custom(format_args!("duplicate member `{key}`")));
            }
            return Ok(());
        }
        if self.small[..self.len].iter().any(|k| k == key) {
            return Err(E::custom(format_args!("duplicate member `{key}`")));
        }
        if self.len < SMALL_MEMBERS {
            self.small[self.len] = key.clone();
            self.len += 1;
        } else {
            let mut set: std::collections::HashSet<Cow<'de, str>> =
                self.small.iter_mut().map(std::mem::take).collect();
            set.insert(key.clone());
            self.large = Some(set);
        }
        Ok(())
    }
}

/// Deserializes any JSON value with the strict rules, `depth` being the nesting already entered.
///
/// For typed strict deserializers outside this crate: seed the value of a member kept as a
/// [`Value`] with `StrictValue::new(depth)`, `depth` counting the objects and arrays that
/// hold the member (1 for a member of the top-level object), so that duplicate member names
/// are rejected inside it and [`MAX_DEPTH`] bounds the whole text.
pub struct StrictValue {
    pub(crate) depth: usize,
}

impl StrictValue {
    /// A seed for a value nested in `depth` objects and arrays.
    pub const fn new(depth: usize) -> Self {
        StrictValue { depth }
    }
}

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor { depth: self.depth })
    }
}

struct ValueVisitor {
    depth: usize,
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(de::Error::custom("JSON nested too deeply"));
        }
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue { depth })? {
            if out.len() >= MAX_MEMBERS * 16 {
                return Err(de::Error::custom("array too long"));
            }
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        ObjectVisitor {
            depth: self.depth + 1,
        }
        .visit_map(map)
        .map(Value::Object)
    }
}

/// Visits an object at nesting level `depth` (the object itself counted).
pub(crate) struct ObjectVisitor {
    pub(crate) depth: usize,
}

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if self.depth > MAX_DEPTH {
            return Err(de::Error::custom("JSON nested too deeply"));
        }
        let mut seen = SeenKeys::default();
        let mut out = Map::new();
        while let Some(Key(k)) = map.next_key()? {
            seen.insert(&k)?;
            let v = map.next_value_seed(StrictValue { depth: self.depth })?;
            out.insert(k.into_owned(), v);
        }
        Ok(out)
    }
}

/// Most members an object may have on the plain-JSON fast path (more: the strict parser runs).
pub const PLAIN_MAX_MEMBERS: usize = 32;

/// Most elements an array may have on the plain-JSON fast path.
pub const PLAIN_MAX_ELEMENTS: usize = 32;

mod members;
mod plain;

#[cfg(test)]
use plain::string_len;
pub(crate) use plain::{Plain, key8, name_index, plain_insert};

/// Support for [`json_members!`](crate::json_members), which expands in other crates: not
/// public API.
#[doc(hidden)]
pub mod __private {
    use serde_json::Map;
    pub use serde_json::Value;

    pub use super::members::kinds;
    pub use super::plain::{Plain, key8};

    /// Reads a whole plain object (the fast path, see `Plain`): `member` reads the value of
    /// each member it knows (through member tables) and answers `Some(true)`; `Some(false)`
    /// makes the member an extra one, a scalar inserted into `extra`; `None` anywhere means
    /// "not plain" and the caller runs its strict parser.
    #[inline]
    pub fn read_plain_object(
        bytes: &[u8],
        extra: &mut Map<String, Value>,
        mut member: impl FnMut(&str, &mut Plain<'_>) -> Option<bool>,
    ) -> Option<()> {
        let mut p = Plain::object(bytes)?;
        while let Some(name) = p.member()? {
            if !member(name, &mut p)? {
                let v = p.scalar()?;
                super::plain_insert(extra, name, v)?;
            }
        }
        p.finish()
    }

    /// Whether `name` (packed as `k` by [`key8`]) is `lit`: names of up to eight bytes are
    /// compared as one integer, longer ones as strings.
    #[inline(always)]
    pub fn is_name(name: &str, k: u64, lit: &'static str, lit_k: u64) -> bool {
        if lit.len() <= 8 {
            k == lit_k
        } else {
            name == lit
        }
    }
}

/// Test support: calls `check` on `text`, on `text` with the byte at `edit` removed, and on
/// `text` with `byte` inserted at `edit` (positions taken modulo the length), so that one
/// generated document also exercises its near-miss neighbours.
#[cfg(test)]
pub(crate) fn for_text_and_one_byte_edits(
    text: String,
    edit: usize,
    byte: u8,
    check: impl Fn(&[u8]),
) {
    check(text.as_bytes());
    let mut cut = text.clone().into_bytes();
    if !cut.is_empty() {
        cut.remove(edit % cut.len());
        check(&cut);
    }
    let mut ins = text.into_bytes();
    ins.insert(edit % (ins.len() + 1), byte);
    check(&ins);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_len_finds_the_first_stop_byte() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        let fill: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for len in 0..fill.len() {
            assert_eq!(string_len(&fill[..len]), len);
            for pos in 0..len {
                for stop in [
                    b'"', b'\\', 0, 0x1f, b' ', 0x7f, 0x80, 0xff, 0x21, 0x5b, 0x5d,
                ] {
                    let mut b = fill[..len].to_vec();
                    b[pos] = stop;
                    if pos + 1 < len {
                        b[pos + 1] = b'"';
                    }
                    assert_eq!(string_len(&b), naive(&b), "{b:?}");
                }
            }
        }
    }

    #[test]
    fn plain_reader() {
        let mut p =
            Plain::object(br#" { "a" : "x" , "b":[ "y" ,"z"], "c":0, "d":false } "#).unwrap();
        assert_eq!(p.member(), Some(Some("a")));
        assert_eq!(p.string(), Some("x"));
        assert_eq!(p.member(), Some(Some("b")));
        assert_eq!(p.strings(), Some(vec!["y".to_owned(), "z".to_owned()]));
        assert_eq!(p.member(), Some(Some("c")));
        assert_eq!(p.uint(), Some(0));
        assert_eq!(p.member(), Some(Some("d")));
        assert_eq!(p.scalar(), Some(Value::Bool(false)));
        assert_eq!(p.member(), Some(None));
        assert_eq!(p.finish(), Some(()));
        assert!(Plain::object(b"{\"\xff\":1}").is_none(), "invalid UTF-8");
        let mut p = Plain::object(br#"{"a\u0062":1}"#).unwrap();
        assert_eq!(p.member(), None, "escaped name");
    }

    #[test]
    fn accepts_plain_objects() {
        let m = parse_object(br#"{"a":1,"b":{"c":[1,2,{"d":null}]},"e\u0041":"x"}"#).unwrap();
        assert_eq!(m["b"]["c"][2]["d"], Value::Null);
        assert_eq!(m["eA"], "x");
    }

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert!(parse_object(br#"{"a":1,"a":2}"#).is_err());
        assert!(
            parse_object(br#"{"a":1,"\u0061":2}"#).is_err(),
            "escaped duplicate"
        );
        assert!(parse_object(br#"{"x":{"a":1,"a":2}}"#).is_err());
        assert!(parse_object(br#"{"x":[{"a":1,"a":2}]}"#).is_err());
        let many: String = (0..40).map(|i| format!("\"k{i}\":0,")).collect();
        assert!(parse_object(format!("{{{many}\"k3\":1}}").as_bytes()).is_err());
        assert!(parse_object(format!("{{{many}\"z\":1}}").as_bytes()).is_ok());
    }

    #[test]
    fn rejects_non_objects_trailing_data_and_deep_nesting() {
        assert!(parse_object(b"[1]").is_err());
        assert!(parse_object(b"{} {}").is_err());
        assert!(parse_object(b"{").is_err());
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(40), "]".repeat(40));
        assert!(parse_object(deep.as_bytes()).is_err());
        let ok = format!("{{\"a\":{}1{}}}", "[".repeat(20), "]".repeat(20));
        assert!(parse_object(ok.as_bytes()).is_ok());
        let very_deep = "[".repeat(100_000);
        assert!(parse_value(very_deep.as_bytes()).is_err());
    }
}
