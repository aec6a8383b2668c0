//! The one strict, typed reader of the JSON objects of OAuth 2.0 and OpenID Connect: token,
//! error, introspection, device authorization, PAR and registration responses, metadata
//! documents. Each message type names its registered members in a table (a [`Members`]
//! type made with `json_members!`); the reader puts their values into typed slots in one
//! pass, strings borrowed from the body when they have no escapes, and keeps every other
//! member as a [`Value`] read with authcore-jose's strict rules.
//!
//! The rules are those of [`authcore_jose::json::parse_object`]: a duplicate member name is an
//! error at every depth (names compared after unescaping, so `"access\u005ftoken"` repeats
//! `"access_token"`), nesting is bounded by [`MAX_DEPTH`](authcore_jose::json::MAX_DEPTH), an
//! object has at most [`MAX_MEMBERS`] members, and the text must be one object with nothing
//! after it. A value of the wrong JSON type is kept as it came and reported by the typed
//! reading that follows (the `opt_*`/`req_*` methods), so that an `error` member decides
//! first.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use authcore_jose::json::{Key, MAX_MEMBERS, StrictValue};
use serde::Deserializer as _;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::error::{ErrorCode, ErrorResponse, ProtocolError, Result};

/// The value of a registered member, before its type is checked. No `Debug` outside tests:
/// the strings include tokens.
#[derive(PartialEq)]
#[cfg_attr(test, derive(Debug))]
pub(crate) enum Member<'de> {
    /// `null`, which the readers treat as absent.
    Null,
    /// A string, borrowed from the body when it has no escapes.
    Str(Cow<'de, str>),
    /// A non-negative integer.
    Uint(u64),
    /// Any other value (number, boolean, array, object), read strictly; boxed, as it is rare,
    /// to keep the slots small.
    Other(Box<Value>),
}

impl Member<'_> {
    fn from_value(v: Value) -> Member<'static> {
        match v {
            Value::Null => Member::Null,
            Value::String(s) => Member::Str(Cow::Owned(s)),
            Value::Number(n) if n.is_u64() => Member::Uint(n.as_u64().unwrap_or_default()),
            v => Member::Other(Box::new(v)),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Member::Null => Value::Null,
            Member::Str(s) => Value::String(s.into_owned()),
            Member::Uint(n) => Value::from(n),
            Member::Other(v) => *v,
        }
    }
}

/// The registered members of one message type, in slot order. A type, not a value, so that
/// the name of a member read with a literal (`take("access_token")`) becomes its slot at
/// compile time.
pub(crate) trait Members<const N: usize> {
    /// The member names.
    const NAMES: [&'static str; N];

    /// The slot of `name`, if the table has it.
    #[inline(always)]
    fn slot(name: &str) -> Option<usize> {
        Self::NAMES.iter().position(|n| *n == name)
    }
}

/// Declares a member table: `json_members!(pub(crate) Name[2] = ["a", "b"]);`.
macro_rules! json_members {
    ($(#[$m:meta])* $vis:vis $name:ident[$n:literal] = [$($member:literal),* $(,)?];) => {
        $(#[$m])*
        #[derive(Debug, PartialEq)]
        $vis struct $name;

        impl crate::json_object::Members<$n> for $name {
            const NAMES: [&'static str; $n] = [$($member),*];

            // A `match` compiles to a length switch and one comparison, cheaper than a scan
            // of the table; each slot is the member's place in `NAMES`, found at compile
            // time. Always inlined: a member read by its literal name then costs no lookup.
            #[inline(always)]
            fn slot(name: &str) -> Option<usize> {
                match name {
                    $($member => Some(const {
                        crate::json_object::index_of(
                            &<$name as crate::json_object::Members<$n>>::NAMES,
                            $member,
                        )
                    }),)*
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use json_members;

/// The place of `name` in `names`, for [`json_members!`] at compile time: a name that is not
/// in the table is a compile error there, never a run-time panic.
pub(crate) const fn index_of(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("not a member of the table")
}

json_members! {
    /// No registered member: every member goes to `extra`.
    pub(crate) NoMembers[0] = [];
}

fn invalid(name: &'static str, reason: &'static str) -> crate::error::Error {
    ProtocolError::InvalidParameter { name, reason }.into()
}

/// A strictly parsed JSON object: the members named in its table in typed slots, the others
/// in `extra`. No `Debug` outside tests: the strings include tokens and secrets.
#[derive(PartialEq)]
#[cfg_attr(test, derive(Debug))]
pub(crate) struct JsonObject<'de, T: Members<N>, const N: usize> {
    slots: [Option<Member<'de>>; N],
    extra: Map<String, Value>,
    table: PhantomData<T>,
}

impl<'de, T: Members<N>, const N: usize> JsonObject<'de, T, N> {
    fn empty() -> Self {
        JsonObject {
            slots: [const { None }; N],
            extra: Map::new(),
            table: PhantomData,
        }
    }

    /// Parses a body strictly (see the module documentation), the members of the table into
    /// typed slots.
    pub(crate) fn parse(body: &'de [u8]) -> Result<Self> {
        let json = |e: serde_json::Error| ProtocolError::Json(e.to_string());
        // JSON text is UTF-8 (RFC 8259 §8.1). One check of the whole body lets the parser take
        // strings without checking each again; outside strings, bytes that are not ASCII are
        // syntax errors either way, so the same bodies are accepted.
        let body = core::str::from_utf8(body).map_err(|e| {
            ProtocolError::Json(format!("invalid UTF-8 at byte {}", e.valid_up_to()))
        })?;
        let mut de = serde_json::Deserializer::from_str(body);
        // The visitor fills `parsed` in place: the slots are not moved through the parser.
        let mut parsed = JsonObject::empty();
        de.deserialize_map(BodyVisitor(&mut parsed)).map_err(json)?;
        de.end().map_err(json)?;
        Ok(parsed)
    }

    /// The same split of an object parsed by other means (the parameters of an implicit grant
    /// redirect, a metadata document merged with its signed metadata).
    pub(crate) fn from_map(mut obj: Map<String, Value>) -> JsonObject<'static, T, N> {
        let mut parsed = JsonObject::empty();
        for (slot, name) in parsed.slots.iter_mut().zip(T::NAMES) {
            *slot = obj.remove(name).map(Member::from_value);
        }
        parsed.extra = obj;
        parsed
    }

    /// Takes the member `name`: from its slot when the table names it, else from `extra`.
    #[inline(always)]
    pub(crate) fn take(&mut self, name: &str) -> Option<Member<'de>> {
        match T::slot(name) {
            Some(i) => self.slots[i].take(),
            None => self.extra.remove(name).map(Member::from_value),
        }
    }

    /// Takes the members not taken yet, the registered ones not taken included.
    pub(crate) fn take_extra(&mut self) -> Map<String, Value> {
        for (slot, name) in self.slots.iter_mut().zip(T::NAMES) {
            if let Some(m) = slot.take() {
                self.extra.insert(name.to_owned(), m.into_value());
            }
        }
        std::mem::take(&mut self.extra)
    }

    /// An optional string member: absent or `null` is `None`, another type an error.
    #[inline]
    pub(crate) fn opt_string(&mut self, name: &'static str) -> Result<Option<String>> {
        member_string(self.take(name), name)
    }

    /// A required, non-empty string member.
    #[inline]
    pub(crate) fn req_string(&mut self, name: &'static str) -> Result<String> {
        match self.opt_string(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(invalid(name, "empty")),
            None => Err(ProtocolError::MissingParameter(name).into()),
        }
    }

    /// An optional non-negative integer member (a JSON number, never a string).
    #[inline]
    pub(crate) fn opt_u64(&mut self, name: &'static str) -> Result<Option<u64>> {
        match self.take(name) {
            None | Some(Member::Null) => Ok(None),
            Some(Member::Uint(n)) => Ok(Some(n)),
            Some(Member::Other(v)) if v.is_number() => {
                Err(invalid(name, "not a non-negative integer"))
            }
            Some(_) => Err(invalid(name, "not a number")),
        }
    }

    /// A required non-negative integer member.
    pub(crate) fn req_u64(&mut self, name: &'static str) -> Result<u64> {
        self.opt_u64(name)?
            .ok_or_else(|| ProtocolError::MissingParameter(name).into())
    }

    /// An optional boolean member.
    pub(crate) fn opt_bool(&mut self, name: &'static str) -> Result<Option<bool>> {
        match self.take(name) {
            None | Some(Member::Null) => Ok(None),
            Some(Member::Other(v)) if v.is_boolean() => Ok(v.as_bool()),
            Some(_) => Err(invalid(name, "not a boolean")),
        }
    }

    /// An optional array of strings.
    pub(crate) fn opt_strings(&mut self, name: &'static str) -> Result<Option<Vec<String>>> {
        match self.take(name) {
            None | Some(Member::Null) => Ok(None),
            Some(Member::Other(v)) => match *v {
                Value::Array(a) => a
                    .into_iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s),
                        _ => Err(invalid(name, "not an array of strings")),
                    })
                    .collect::<Result<Vec<_>>>()
                    .map(Some),
                _ => Err(invalid(name, "not an array")),
            },
            Some(_) => Err(invalid(name, "not an array")),
        }
    }

    /// An optional JSON object member.
    pub(crate) fn opt_object(&mut self, name: &'static str) -> Result<Option<Map<String, Value>>> {
        match self.take(name) {
            None | Some(Member::Null) => Ok(None),
            Some(Member::Other(v)) => match *v {
                Value::Object(o) => Ok(Some(o)),
                _ => Err(invalid(name, "not an object")),
            },
            Some(_) => Err(invalid(name, "not an object")),
        }
    }

    /// The error response (RFC 6749 §5.2) when the body has an `error` member; the body is
    /// then emptied.
    pub(crate) fn take_error(&mut self, status: Option<u16>) -> Result<Option<ErrorResponse>> {
        let Some(error) = self.take("error") else {
            return Ok(None);
        };
        let Member::Str(error) = error else {
            return Err(invalid("error", "not a string"));
        };
        let error_description = self.opt_string("error_description")?;
        let error_uri = self.opt_string("error_uri")?;
        let mut e = ErrorResponse::new(ErrorCode::parse(&error));
        e.error_description = error_description;
        e.error_uri = error_uri;
        e.status = status;
        e.extra = self.take_extra();
        Ok(Some(e))
    }
}

/// A string member's value: absent or `null` is `None`, another type an error.
pub(crate) fn member_string(m: Option<Member<'_>>, name: &'static str) -> Result<Option<String>> {
    match m {
        None | Some(Member::Null) => Ok(None),
        Some(Member::Str(s)) => Ok(Some(s.into_owned())),
        Some(Member::Uint(_) | Member::Other(_)) => Err(invalid(name, "not a string")),
    }
}

fn duplicate<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("duplicate member `{name}`"))
}

struct BodyVisitor<'a, 'de, T: Members<N>, const N: usize>(&'a mut JsonObject<'de, T, N>);

impl<'de, T: Members<N>, const N: usize> Visitor<'de> for BodyVisitor<'_, 'de, T, N> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let body = self.0;
        let mut members = 0usize;
        while let Some(Key(name)) = map.next_key()? {
            members += 1;
            if members > MAX_MEMBERS {
                return Err(de::Error::custom("too many object members"));
            }
            if let Some(i) = T::slot(&name) {
                if body.slots[i].is_some() {
                    return Err(duplicate(&name));
                }
                body.slots[i] = Some(map.next_value_seed(MemberSeed)?);
            } else {
                // Members of the top-level object are at depth 1.
                let v = map.next_value_seed(StrictValue::new(1))?;
                match body.extra.entry(name.into_owned()) {
                    Entry::Occupied(e) => return Err(duplicate(e.key())),
                    Entry::Vacant(e) => {
                        e.insert(v);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads a registered member's value: strings as they are, anything else strictly.
struct MemberSeed;

impl<'de> DeserializeSeed<'de> for MemberSeed {
    type Value = Member<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Member<'de>, D::Error> {
        d.deserialize_any(MemberVisitor)
    }
}

struct MemberVisitor;

impl<'de> Visitor<'de> for MemberVisitor {
    type Value = Member<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Member<'de>, E> {
        Ok(Member::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Member<'de>, E> {
        Ok(Member::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Member<'de>, E> {
        Ok(Member::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Member<'de>, E> {
        Ok(Member::Null)
    }
    fn visit_none<E>(self) -> Result<Member<'de>, E> {
        Ok(Member::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Member<'de>, E> {
        Ok(Member::Other(Box::new(Value::Bool(v))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Member<'de>, E> {
        Ok(Member::from_value(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Member<'de>, E> {
        Ok(Member::Uint(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Member<'de>, E> {
        serde_json::Number::from_f64(v)
            .map(|n| Member::from_value(Value::Number(n)))
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Member<'de>, A::Error> {
        StrictValue::new(1)
            .deserialize(SeqAccessDeserializer::new(seq))
            .map(Member::from_value)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Member<'de>, A::Error> {
        StrictValue::new(1)
            .deserialize(MapAccessDeserializer::new(map))
            .map(Member::from_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::token::TokenResponseMembers;

    type Token<'a> = JsonObject<'a, TokenResponseMembers, 10>;

    fn parse(s: &str) -> Result<Token<'_>> {
        Token::parse(s.as_bytes())
    }

    fn is_json_error(r: &Result<Token<'_>>) -> bool {
        matches!(r, Err(Error::Protocol(ProtocolError::Json(_))))
    }

    #[test]
    fn registered_members_borrow_unless_escaped() {
        let mut b = parse(r#"{"access_token":"a\u0062","token_type":"Bearer","x":[1]}"#).unwrap();
        assert_eq!(
            b.take("access_token"),
            Some(Member::Str(Cow::Owned("ab".into())))
        );
        assert!(matches!(
            b.take("token_type"),
            Some(Member::Str(Cow::Borrowed("Bearer")))
        ));
        assert_eq!(b.take_extra()["x"], serde_json::json!([1]));
    }

    #[test]
    fn duplicates_are_rejected_escaped_or_not_at_every_depth() {
        for body in [
            r#"{"access_token":"a","access_token":"b"}"#,
            r#"{"access_token":"a","access\u005ftoken":"b"}"#,
            r#"{"\u0065rror":"x","error":"y"}"#,
            r#"{"x":1,"x":2}"#,
            r#"{"x":1,"\u0078":2}"#,
            r#"{"x":{"a":1,"a":2}}"#,
            r#"{"x":[{"a":1,"\u0061":2}]}"#,
            r#"{"scope":{"a":1,"a":2}}"#,
            r#"{"expires_in":[{"a":1,"a":2}]}"#,
        ] {
            assert!(is_json_error(&parse(body)), "{body}");
        }
        assert!(parse(r#"{"x":{"a":1},"y":{"a":1}}"#).is_ok());
    }

    #[test]
    fn nesting_and_size_are_bounded() {
        for (n, ok) in [(31, true), (32, false), (200, false)] {
            let unknown = format!(r#"{{"x":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
            assert_eq!(parse(&unknown).is_ok(), ok, "unknown member, depth {n}");
            let registered = format!(r#"{{"scope":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
            assert_eq!(
                parse(&registered).is_ok(),
                ok,
                "registered member, depth {n}"
            );
        }
        // The same bound as the generic strict parser.
        let deep = format!(r#"{{"x":{}1{}}}"#, "[".repeat(31), "]".repeat(31));
        assert!(authcore_jose::json::parse_object(deep.as_bytes()).is_ok());
        let deeper = format!(r#"{{"x":{}1{}}}"#, "[".repeat(32), "]".repeat(32));
        assert!(authcore_jose::json::parse_object(deeper.as_bytes()).is_err());

        let members = |n: usize| {
            let m: Vec<String> = (0..n).map(|i| format!("\"k{i}\":0")).collect();
            format!("{{{}}}", m.join(","))
        };
        assert!(parse(&members(MAX_MEMBERS)).is_ok());
        assert!(is_json_error(&parse(&members(MAX_MEMBERS + 1))));
    }

    #[test]
    fn only_one_object() {
        for body in ["[]", "\"x\"", "1", "null", "{", "{} {}", "{}x", ""] {
            assert!(is_json_error(&parse(body)), "{body}");
        }
        assert!(parse(" {} \n").is_ok());
    }

    #[test]
    fn utf8_is_checked_once_with_the_same_outcome() {
        for body in [
            &b"{\"access_token\":\"a\xff\"}"[..],
            b"{\"x\xc3\":1}",
            b"{\"x\":1}\xff",
            b"\xef\xbb\xbf{}",
            b"{\"x\":\"\xc3\xa9\xf0\x9f\x98\x80\"}",
            b"{\"x\":\"\xed\xa0\x80\"}",
        ] {
            let generic = authcore_jose::json::parse_object(body);
            let typed = Token::parse(body);
            assert_eq!(generic.is_ok(), typed.is_ok(), "{body:?}");
            match (generic, typed) {
                (Ok(g), Ok(t)) => assert_eq!(Token::from_map(g), t),
                (_, typed) => assert!(is_json_error(&typed), "{body:?}"),
            }
        }
    }

    #[test]
    fn other_types_are_kept_for_the_typed_reading() {
        let mut b = parse(r#"{"access_token":5,"token_type":null,"expires_in":-1.5,"scope":true}"#)
            .unwrap();
        assert_eq!(b.take("access_token"), Some(Member::Uint(5)));
        assert_eq!(b.take("token_type"), Some(Member::Null));
        assert_eq!(
            b.take("expires_in"),
            Some(Member::Other(Box::new(Value::from(-1.5))))
        );
        assert_eq!(
            b.take("scope"),
            Some(Member::Other(Box::new(Value::Bool(true))))
        );
    }

    #[test]
    fn agrees_with_the_generic_strict_parser() {
        for body in [
            r#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"x":{"y":[null,true]}}"#,
            r#"{"error":"invalid_grant","error_description":"d","access_token":[1,{"a":"b"}]}"#,
            r#"{"id_token":"\ud83d\ude00","extra":"\u00e9","scope":""}"#,
            r#"{"refresh_token":"x","refresh_token":"y"}"#,
            r#"{"a":1e400}"#,
            r#"{"a":"\ud800"}"#,
            "{\"a\":\"\u{1}\"}",
            "{\"a\":1}\0",
        ] {
            let generic = authcore_jose::json::parse_object(body.as_bytes());
            let typed = parse(body);
            assert_eq!(generic.is_ok(), typed.is_ok(), "{body}");
            if let (Ok(g), Ok(t)) = (generic, typed) {
                assert_eq!(Token::from_map(g), t, "{body}");
            }
        }
    }
}
