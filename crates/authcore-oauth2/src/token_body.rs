//! Strict, typed reading of token endpoint bodies (RFC 6749 §5.1, §5.2) in one pass.
//!
//! The registered members of a token or error response go straight into typed slots, their
//! strings borrowed from the body when they have no escapes; every other member is kept as a
//! [`Value`] read with authcore-jose's strict rules. The rules are those of
//! [`authcore_jose::json::parse_object`]: a duplicate member name is an error at every depth
//! (names compared after unescaping, so `"access\u005ftoken"` repeats `"access_token"`),
//! nesting is bounded by [`MAX_DEPTH`](authcore_jose::json::MAX_DEPTH), an object has at most
//! [`MAX_MEMBERS`] members, and the text must be one object with nothing after it. A value of
//! the wrong JSON type is kept as it came and reported by the typed reading that follows, so
//! that an `error` member decides first, as it did when the body was parsed as a whole.

use std::borrow::Cow;
use std::fmt;

use authcore_jose::json::{Key, MAX_MEMBERS, StrictValue};
use serde::Deserializer as _;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::error::{ErrorCode, ErrorResponse, ProtocolError, Result};

/// The registered members, in slot order.
const NAMES: [&str; SLOTS] = [
    "access_token",
    "token_type",
    "expires_in",
    "refresh_token",
    "scope",
    "id_token",
    "issued_token_type",
    "error",
    "error_description",
    "error_uri",
];
const SLOTS: usize = 10;

pub(crate) const ACCESS_TOKEN: usize = 0;
pub(crate) const TOKEN_TYPE: usize = 1;
pub(crate) const EXPIRES_IN: usize = 2;
pub(crate) const REFRESH_TOKEN: usize = 3;
pub(crate) const SCOPE: usize = 4;
pub(crate) const ID_TOKEN: usize = 5;
pub(crate) const ISSUED_TOKEN_TYPE: usize = 6;
const ERROR: usize = 7;
const ERROR_DESCRIPTION: usize = 8;
const ERROR_URI: usize = 9;

fn slot(name: &str) -> Option<usize> {
    Some(match name {
        "access_token" => ACCESS_TOKEN,
        "token_type" => TOKEN_TYPE,
        "expires_in" => EXPIRES_IN,
        "refresh_token" => REFRESH_TOKEN,
        "scope" => SCOPE,
        "id_token" => ID_TOKEN,
        "issued_token_type" => ISSUED_TOKEN_TYPE,
        "error" => ERROR,
        "error_description" => ERROR_DESCRIPTION,
        "error_uri" => ERROR_URI,
        _ => return None,
    })
}

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

/// An optional string member: absent or `null` is `None`, another type an error.
pub(crate) fn opt_string(m: Option<Member<'_>>, name: &'static str) -> Result<Option<String>> {
    match m {
        None | Some(Member::Null) => Ok(None),
        Some(Member::Str(s)) => Ok(Some(s.into_owned())),
        Some(Member::Uint(_) | Member::Other(_)) => Err(ProtocolError::InvalidParameter {
            name,
            reason: "not a string",
        }
        .into()),
    }
}

/// A required, non-empty string member.
pub(crate) fn req_string(m: Option<Member<'_>>, name: &'static str) -> Result<String> {
    match opt_string(m, name)? {
        Some(s) if !s.is_empty() => Ok(s),
        Some(_) => Err(ProtocolError::InvalidParameter {
            name,
            reason: "empty",
        }
        .into()),
        None => Err(ProtocolError::MissingParameter(name).into()),
    }
}

/// A token endpoint body: the registered members in typed slots, the others in `extra`.
#[derive(Default, PartialEq)]
#[cfg_attr(test, derive(Debug))]
pub(crate) struct TokenBody<'de> {
    slots: [Option<Member<'de>>; SLOTS],
    extra: Map<String, Value>,
}

impl<'de> TokenBody<'de> {
    /// Parses a body strictly (see the module documentation).
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
        let mut parsed = TokenBody::default();
        de.deserialize_map(BodyVisitor(&mut parsed)).map_err(json)?;
        de.end().map_err(json)?;
        Ok(parsed)
    }

    /// The same split of an object parsed by other means (the parameters of an implicit grant
    /// redirect).
    pub(crate) fn from_map(mut obj: Map<String, Value>) -> TokenBody<'static> {
        let mut slots: [Option<Member<'static>>; SLOTS] = Default::default();
        for (slot, name) in slots.iter_mut().zip(NAMES) {
            *slot = obj.remove(name).map(Member::from_value);
        }
        TokenBody { slots, extra: obj }
    }

    /// Takes the registered member in `slot`.
    pub(crate) fn take(&mut self, slot: usize) -> Option<Member<'de>> {
        self.slots[slot].take()
    }

    /// Takes the members not taken yet, the registered ones not taken included.
    pub(crate) fn take_extra(&mut self) -> Map<String, Value> {
        for (slot, name) in self.slots.iter_mut().zip(NAMES) {
            if let Some(m) = slot.take() {
                self.extra.insert(name.to_owned(), m.into_value());
            }
        }
        std::mem::take(&mut self.extra)
    }

    /// The error response (RFC 6749 §5.2) when the body has an `error` member, read as
    /// [`ErrorResponse::from_json`] reads it; the body is then emptied.
    pub(crate) fn take_error(&mut self, status: Option<u16>) -> Result<Option<ErrorResponse>> {
        let Some(error) = self.take(ERROR) else {
            return Ok(None);
        };
        let Member::Str(error) = error else {
            return Err(ProtocolError::InvalidParameter {
                name: "error",
                reason: "not a string",
            }
            .into());
        };
        let error_description = opt_string(self.take(ERROR_DESCRIPTION), "error_description")?;
        let error_uri = opt_string(self.take(ERROR_URI), "error_uri")?;
        Ok(Some(ErrorResponse {
            error: ErrorCode::parse(&error),
            error_description,
            error_uri,
            status,
            extra: self.take_extra(),
        }))
    }
}

fn duplicate<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("duplicate member `{name}`"))
}

struct BodyVisitor<'a, 'de>(&'a mut TokenBody<'de>);

impl<'de> Visitor<'de> for BodyVisitor<'_, 'de> {
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
            if let Some(i) = slot(&name) {
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

    fn parse(s: &str) -> Result<TokenBody<'_>> {
        TokenBody::parse(s.as_bytes())
    }

    fn is_json_error(r: &Result<TokenBody<'_>>) -> bool {
        matches!(r, Err(Error::Protocol(ProtocolError::Json(_))))
    }

    #[test]
    fn registered_members_borrow_unless_escaped() {
        let mut b = parse(r#"{"access_token":"a\u0062","token_type":"Bearer","x":[1]}"#).unwrap();
        assert_eq!(
            b.take(ACCESS_TOKEN),
            Some(Member::Str(Cow::Owned("ab".into())))
        );
        assert!(matches!(
            b.take(TOKEN_TYPE),
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
            let typed = TokenBody::parse(body);
            assert_eq!(generic.is_ok(), typed.is_ok(), "{body:?}");
            match (generic, typed) {
                (Ok(g), Ok(t)) => assert_eq!(TokenBody::from_map(g), t),
                (_, typed) => assert!(is_json_error(&typed), "{body:?}"),
            }
        }
    }

    #[test]
    fn other_types_are_kept_for_the_typed_reading() {
        let mut b = parse(r#"{"access_token":5,"token_type":null,"expires_in":-1.5,"scope":true}"#)
            .unwrap();
        assert_eq!(b.take(ACCESS_TOKEN), Some(Member::Uint(5)));
        assert_eq!(b.take(TOKEN_TYPE), Some(Member::Null));
        assert_eq!(
            b.take(EXPIRES_IN),
            Some(Member::Other(Box::new(Value::from(-1.5))))
        );
        assert_eq!(
            b.take(SCOPE),
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
                assert_eq!(TokenBody::from_map(g), t, "{body}");
            }
        }
    }
}
