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

/// Most members an object may have on the [`Plain`] fast path (more: the strict parser runs).
pub const PLAIN_MAX_MEMBERS: usize = 32;

/// Most elements an array may have on the [`Plain`] fast path.
pub const PLAIN_MAX_ELEMENTS: usize = 32;

/// A forward-only reader of *plain* JSON, the form nearly every JOSE header and JWT claims set
/// takes: one object of members whose names and string values have no escapes, whose numbers
/// are non-negative integers, and whose only nested values are arrays of such strings.
///
/// It is the fast path in front of the strict `serde_json` visitors: every method returns
/// `None` ("not plain") as soon as the input leaves that form, valid JSON or not, and the
/// caller then parses the same bytes with the strict parser, which alone decides acceptance
/// and produces every error. The fast path therefore only ever accepts a subset of what the
/// strict parser accepts and must build the same value from it. Member names with escapes
/// always leave the fast path, so a name compared byte by byte here is the name itself and
/// duplicates spelled differently (`"e\u0078p"` and `"exp"`) are left to the strict parser.
///
/// It is public so that crates built on this one (an OpenID Connect ID token, a token
/// endpoint response) can read their own typed values straight from a verified payload with
/// the same rule: whatever the reader returns `None` for goes to a strict parser. The reader
/// itself does not notice a repeated member name; its caller must (a slot already filled
/// means "not plain").
///
/// ```
/// use authcore_jose::json::Plain;
///
/// let mut p = Plain::object(br#"{"sub":"alice","exp":1700000000,"admin":true}"#).unwrap();
/// let (mut sub, mut exp) = (None, None);
/// while let Some(name) = p.member().unwrap() {
///     match name {
///         "sub" if sub.is_none() => sub = Some(p.owned_string().unwrap()),
///         "exp" if exp.is_none() => exp = Some(p.uint().unwrap()),
///         _ => {
///             p.scalar().unwrap();
///         }
///     }
/// }
/// p.finish().unwrap();
/// assert_eq!((sub.as_deref(), exp), (Some("alice"), Some(1700000000)));
///
/// // Escapes, fractions, nested objects: not plain, the strict parser decides.
/// let mut p = Plain::object(br#"{"sub":"al\u0069ce"}"#).unwrap();
/// assert_eq!(p.member(), Some(Some("sub")));
/// assert_eq!(p.string(), None);
/// ```
pub struct Plain<'a> {
    /// The whole input, valid UTF-8 (checked once, so strings are sliced without checks).
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Whether a member was read in the current object (a `,` must come before the next).
    more: bool,
    /// Members read so far (at most [`PLAIN_MAX_MEMBERS`]).
    members: usize,
}

/// Shows the read position only: the input may be a token's payload.
impl fmt::Debug for Plain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plain")
            .field("position", &self.i)
            .finish_non_exhaustive()
    }
}

impl<'a> Plain<'a> {
    /// Starts reading `b`, which must hold one object.
    #[inline]
    pub fn object(b: &'a [u8]) -> Option<Self> {
        // Invalid UTF-8 is an error in strings and outside them: the strict parser reports it.
        let s = std::str::from_utf8(b).ok()?;
        let mut p = Plain {
            s,
            b,
            i: 0,
            more: false,
            members: 0,
        };
        p.expect(b'{')?;
        Some(p)
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Option<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// The name of the next member (its `:` consumed), or `Some(None)` at the end of the object;
    /// `None` after [`PLAIN_MAX_MEMBERS`] members.
    #[inline(never)]
    pub fn member(&mut self) -> Option<Option<&'a str>> {
        match self.peek()? {
            b'}' => {
                self.i += 1;
                return Some(None);
            }
            b',' if self.more => self.i += 1,
            _ if self.more => return None,
            _ => {}
        }
        self.members += 1;
        if self.members > PLAIN_MAX_MEMBERS {
            return None;
        }
        let name = self.string()?;
        self.expect(b':')?;
        self.more = true;
        Some(Some(name))
    }

    /// Succeeds when only whitespace follows the object.
    #[inline]
    pub fn finish(mut self) -> Option<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// A string without escapes or control characters.
    #[inline(never)]
    pub fn string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let end = start + string_len(self.b.get(start..)?);
        // `"` ends the string; `\` (an escape) and control characters leave the fast path.
        if *self.b.get(end)? != b'"' {
            return None;
        }
        self.i = end + 1;
        // Both ends are next to an ASCII `"`, so they are character boundaries.
        self.s.get(start..end)
    }

    /// [`Plain::string`], copied (one shared copy of the allocation code).
    #[inline(never)]
    pub fn owned_string(&mut self) -> Option<String> {
        self.string().map(str::to_owned)
    }

    /// A non-negative integer that fits `u64`, without fraction or exponent.
    #[inline(never)]
    pub fn uint(&mut self) -> Option<u64> {
        self.ws();
        let start = self.i;
        let mut n = 0u64;
        while let Some(&c) = self.b.get(self.i) {
            if !c.is_ascii_digit() {
                break;
            }
            // Wrapping is harmless: more than 19 digits leave the fast path below.
            n = n.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            self.i += 1;
        }
        let digits = self.i - start;
        // 19 digits always fit in a u64; longer numbers (and leading zeros) go to the strict
        // parser.
        if digits == 0 || digits > 19 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.b.get(self.i) {
            return None;
        }
        Some(n)
    }

    /// `true` or `false`.
    #[inline]
    pub fn boolean(&mut self) -> Option<bool> {
        self.ws();
        let rest = self.b.get(self.i..)?;
        if rest.starts_with(b"true") {
            self.i += 4;
            Some(true)
        } else if rest.starts_with(b"false") {
            self.i += 5;
            Some(false)
        } else {
            None
        }
    }

    /// An array of plain strings.
    pub fn strings(&mut self) -> Option<Vec<String>> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(out);
        }
        loop {
            if out.len() >= PLAIN_MAX_ELEMENTS {
                return None;
            }
            out.push(self.owned_string()?);
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    /// A string, a non-negative integer, `true`, `false` or `null`, as a [`Value`].
    pub fn scalar(&mut self) -> Option<Value> {
        match self.peek()? {
            b'"' => Some(Value::String(self.owned_string()?)),
            b'0'..=b'9' => Some(Value::from(self.uint()?)),
            b't' | b'f' => Some(Value::Bool(self.boolean()?)),
            b'n' if self.b[self.i..].starts_with(b"null") => {
                self.i += 4;
                Some(Value::Null)
            }
            _ => None,
        }
    }
}

/// The length of the run of bytes at the start of `b` that are neither `"`, `\\` nor control
/// characters, eight bytes per step.
#[inline]
fn string_len(b: &[u8]) -> usize {
    const LO: u64 = u64::from_ne_bytes([0x01; 8]);
    const HI: u64 = u64::from_ne_bytes([0x80; 8]);
    // The lowest flagged byte of each test is exact (a false flag can only follow a true one),
    // so the lowest flagged byte of the union is the first stop byte.
    let stops = |v: u64| {
        let quote = v ^ (LO * u64::from(b'"'));
        let backslash = v ^ (LO * u64::from(b'\\'));
        (quote.wrapping_sub(LO) & !quote
            | backslash.wrapping_sub(LO) & !backslash
            | v.wrapping_sub(LO * 0x20) & !v)
            & HI
    };
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let m = stops(u64::from_le_bytes(w));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// A member name of at most eight bytes as one integer (little-endian, zero-padded), so the
/// fast paths compare names without calls to `memcmp`; `0` for longer names. Names on the
/// fast path have no NUL bytes (control characters leave it), so the packing is one-to-one
/// for the names it covers.
#[inline]
pub(crate) const fn key8(s: &str) -> u64 {
    let b = s.as_bytes();
    if b.len() > 8 {
        return 0;
    }
    let mut k = 0u64;
    let mut i = 0;
    while i < b.len() {
        k |= (b[i] as u64) << (8 * i);
        i += 1;
    }
    k
}

/// The position of `name` in `table` (names packed by [`key8`]).
#[inline]
pub(crate) fn name_index(name: &str, table: &[u64]) -> Option<usize> {
    let k = key8(name);
    if k == 0 {
        return None;
    }
    table.iter().position(|&t| t == k)
}

/// Names already read in one object on the [`Plain`] fast path: a bit per known name (extra
/// names are in the map being built, whose `insert` reports a repeat).
#[derive(Default)]
pub(crate) struct PlainSeen {
    known: u32,
}

impl PlainSeen {
    /// Records the known name number `bit` (below 32); `None` back when it was already read.
    #[inline]
    pub(crate) fn add(&mut self, bit: u32) -> Option<()> {
        let mask = 1u32 << bit;
        if self.known & mask != 0 {
            return None;
        }
        self.known |= mask;
        Some(())
    }
}

/// Inserts an extra member read on the fast path; `None` when the name repeats.
#[inline]
pub(crate) fn plain_insert(map: &mut Map<String, Value>, name: &str, v: Value) -> Option<()> {
    match map.insert(name.to_owned(), v) {
        None => Some(()),
        Some(_) => None,
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
