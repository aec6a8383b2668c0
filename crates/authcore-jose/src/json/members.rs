//! Member tables: one list of (JSON name, field, kind) from which [`json_members!`] makes both
//! readers of a typed JSON object, the plain-JSON fast path and the strict path, so the two can
//! never disagree on which name goes to which field.

/// Declares a member table: for each JSON member name, the field (a path of `Option` fields
/// from the target) and the *kind* of value it holds (a module of [`kinds`]). Expands to a unit
/// struct `$Table` with:
///
/// - `NAMES`: the member names, in table order;
/// - `read_plain(target, name, reader)`: the fast path's step for the member `name`, whose
///   value the plain reader is at: `Some(true)` stored, `Some(false)` not in the table (the
///   caller reads it as an extra member), `None` not plain (the value is not of the fast form,
///   or the field is already filled: a repeated name, which the strict parser rejects);
/// - `read_strict(target, name, value)`: the strict path's step for a member the strict
///   parser read: `Ok(None)` stored, `Ok(Some(value))` not in the table (handed back),
///   `Err(name)` the value has the wrong JSON type for the kind;
/// - `contains(target, name)`: `Some(present)` for a name in the table, `None` otherwise;
/// - `present(target)`: one bit per filled field, in table order.
///
/// Names of up to eight bytes are compared as one integer ([`key8`](__private::key8)); no
/// slot numbers are written by hand. Not public API: it expands to crate-private helpers.
///
/// [`kinds`]: crate::json::__private::kinds
#[doc(hidden)]
#[macro_export]
macro_rules! json_members {
    (
        $(#[$meta:meta])*
        $vis:vis struct $Table:ident for $Target:ty {
            $( $name:literal => $($field:ident).+ : $kind:ident, )*
        }
    ) => {
        $(#[$meta])*
        $vis struct $Table;

        #[allow(dead_code)]
        impl $Table {
            /// The member names, in table order.
            $vis const NAMES: &'static [&'static str] = &[$($name),*];

            /// The fast path's step for the member `name` (see `json_members!`).
            #[inline]
            $vis fn read_plain(
                t: &mut $Target,
                name: &str,
                p: &mut $crate::json::__private::Plain<'_>,
            ) -> Option<bool> {
                Self::read_plain_packed(t, name, $crate::json::__private::key8(name), p)
            }

            /// [`Self::read_plain`] with `name` already packed as `k` by `key8` (one packing
            /// for several tables tried in turn).
            #[inline]
            $vis fn read_plain_packed(
                t: &mut $Target,
                name: &str,
                k: u64,
                p: &mut $crate::json::__private::Plain<'_>,
            ) -> Option<bool> {
                $(
                    if $crate::json::__private::is_name(
                        name,
                        k,
                        $name,
                        const { $crate::json::__private::key8($name) },
                    ) {
                        if t.$($field).+.is_some() {
                            return None;
                        }
                        t.$($field).+ = Some($crate::json::__private::kinds::$kind::plain(p)?);
                        return Some(true);
                    }
                )*
                Some(false)
            }

            /// The strict path's step for the member `name` (see `json_members!`).
            $vis fn read_strict(
                t: &mut $Target,
                name: &str,
                v: $crate::json::__private::Value,
            ) -> Result<Option<$crate::json::__private::Value>, &'static str> {
                $(
                    if name == $name {
                        t.$($field).+ = Some(
                            $crate::json::__private::kinds::$kind::strict(v).ok_or($name)?,
                        );
                        return Ok(None);
                    }
                )*
                Ok(Some(v))
            }

            /// Whether the member `name` is present, for a name in the table.
            $vis fn contains(t: &$Target, name: &str) -> Option<bool> {
                $(
                    if name == $name {
                        return Some(t.$($field).+.is_some());
                    }
                )*
                None
            }

            /// One bit per filled field, in table order.
            #[inline]
            $vis fn present(t: &$Target) -> u64 {
                let mut bits = 0u64;
                let mut bit = 1u64;
                $(
                    if t.$($field).+.is_some() {
                        bits |= bit;
                    }
                    bit <<= 1;
                )*
                let _ = bit;
                bits
            }

            /// The bit of `name` in [`Self::present`], for a name in the table.
            $vis fn bit(name: &str) -> Option<u64> {
                Self::NAMES
                    .iter()
                    .position(|n| *n == name)
                    .map(|i| 1u64 << i)
            }
        }
    };
}

/// The kinds of member values a table can hold: each reads its value from plain JSON (`plain`,
/// `None`: not of the fast form) and converts a strictly parsed value (`strict`, `None`: the
/// wrong JSON type). `plain` accepts only what `strict` accepts, with the same result.
pub mod kinds {
    /// A string.
    pub mod text {
        use crate::json::Plain;
        use serde_json::Value;

        /// The plain form: a string without escapes.
        #[inline]
        pub fn plain(p: &mut Plain<'_>) -> Option<String> {
            p.owned_string()
        }

        /// A JSON string.
        pub fn strict(v: Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s),
                _ => None,
            }
        }
    }

    /// An array of strings.
    pub mod texts {
        use crate::json::Plain;
        use serde_json::Value;

        /// The plain form: an array of plain strings.
        #[inline]
        pub fn plain(p: &mut Plain<'_>) -> Option<Vec<String>> {
            p.strings()
        }

        /// A JSON array of strings.
        pub fn strict(v: Value) -> Option<Vec<String>> {
            match v {
                Value::Array(a) => a
                    .into_iter()
                    .map(|x| match x {
                        Value::String(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
                _ => None,
            }
        }
    }

    /// `true` or `false`.
    pub mod flag {
        use crate::json::Plain;
        use serde_json::Value;

        /// The plain form: `true` or `false`.
        #[inline]
        pub fn plain(p: &mut Plain<'_>) -> Option<bool> {
            p.boolean()
        }

        /// A JSON boolean.
        pub fn strict(v: Value) -> Option<bool> {
            v.as_bool()
        }
    }

    /// A NumericDate (RFC 7519 §2), fractions kept.
    pub mod date {
        use crate::json::Plain;
        use crate::jwt::NumericDate;
        use serde_json::Value;

        /// The plain form: a non-negative integer.
        #[inline]
        pub fn plain(p: &mut Plain<'_>) -> Option<NumericDate> {
            p.uint().map(NumericDate::from_secs)
        }

        /// Any JSON number that is a NumericDate.
        pub fn strict(v: Value) -> Option<NumericDate> {
            NumericDate::from_value(&v)
        }
    }

    /// A NumericDate (RFC 7519 §2) kept in whole seconds (fractions rounded down), for typed
    /// fields of `u64` seconds.
    pub mod date_secs {
        use crate::json::Plain;
        use crate::jwt::NumericDate;
        use serde_json::Value;

        /// The plain form: a non-negative integer.
        #[inline]
        pub fn plain(p: &mut Plain<'_>) -> Option<u64> {
            p.uint()
        }

        /// Any JSON number that is a NumericDate, in whole seconds.
        pub fn strict(v: Value) -> Option<u64> {
            NumericDate::from_value(&v).map(NumericDate::secs)
        }
    }

    /// `aud` (RFC 7519 §4.1.3): one string or an array of strings.
    pub mod audience {
        use crate::json::Plain;
        use crate::jwt::Audience;
        use serde_json::Value;

        /// The plain form: a plain string or an array of them.
        #[inline]
        pub fn plain(p: &mut Plain<'_>) -> Option<Audience> {
            if p.peek()? == b'[' {
                p.strings().map(Audience::Many)
            } else {
                p.owned_string().map(Audience::Single)
            }
        }

        /// A JSON string or array of strings.
        pub fn strict(v: Value) -> Option<Audience> {
            match v {
                Value::String(s) => Some(Audience::Single(s)),
                v => super::texts::strict(v).map(Audience::Many),
            }
        }
    }

    /// `aud` as a list (a single string is a list of one).
    pub mod audience_list {
        use crate::json::Plain;
        use crate::jwt::Audience;
        use serde_json::Value;

        /// The plain form: a plain string or an array of them.
        #[inline]
        pub fn plain(p: &mut Plain<'_>) -> Option<Vec<String>> {
            super::audience::plain(p).map(into_list)
        }

        /// A JSON string or array of strings.
        pub fn strict(v: Value) -> Option<Vec<String>> {
            super::audience::strict(v).map(into_list)
        }

        fn into_list(a: Audience) -> Vec<String> {
            match a {
                Audience::Single(s) => vec![s],
                Audience::Many(v) => v,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::json::__private::read_plain_object;
    use crate::jwt::{Audience, NumericDate};

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: Option<String>,
        tags: Option<Vec<String>>,
        ok: Option<bool>,
        at: Option<NumericDate>,
        secs: Option<u64>,
        aud: Option<Audience>,
        list: Option<Vec<String>>,
        long_member_name: Option<String>,
    }

    crate::json_members! {
        struct SampleMembers for Sample {
            "name" => name: text,
            "tags" => tags: texts,
            "ok" => ok: flag,
            "at" => at: date,
            "secs" => secs: date_secs,
            "aud" => aud: audience,
            "list" => list: audience_list,
            "long_member_name" => long_member_name: text,
        }
    }

    fn plain(text: &str) -> Option<(Sample, serde_json::Map<String, Value>)> {
        let mut s = Sample::default();
        let mut extra = serde_json::Map::new();
        read_plain_object(text.as_bytes(), &mut extra, |name, p| {
            SampleMembers::read_plain(&mut s, name, p)
        })?;
        Some((s, extra))
    }

    fn strict(text: &str) -> Result<(Sample, serde_json::Map<String, Value>), &'static str> {
        let mut s = Sample::default();
        let mut extra = serde_json::Map::new();
        let Value::Object(m) = serde_json::from_str::<Value>(text).unwrap() else {
            panic!("an object")
        };
        for (k, v) in m {
            if let Some(v) = SampleMembers::read_strict(&mut s, &k, v)? {
                extra.insert(k, v);
            }
        }
        Ok((s, extra))
    }

    #[test]
    fn both_readers_fill_the_same_fields() {
        let text = r#"{"name":"n","tags":["a","b"],"ok":true,"at":7,"secs":8,"aud":"x",
            "list":"y","long_member_name":"l","other":1}"#;
        let (fast, fast_extra) = plain(text).unwrap();
        let (slow, slow_extra) = strict(text).unwrap();
        assert_eq!(fast, slow);
        assert_eq!(fast_extra, slow_extra);
        assert_eq!(fast.aud, Some(Audience::Single("x".into())));
        assert_eq!(fast.list, Some(vec!["y".to_owned()]));
        assert_eq!(fast_extra["other"], 1);
        assert_eq!(SampleMembers::present(&fast), 0xff);
        assert_eq!(SampleMembers::bit("at"), Some(1 << 3));
        assert_eq!(SampleMembers::bit("other"), None);
        assert_eq!(SampleMembers::contains(&fast, "ok"), Some(true));
        assert_eq!(
            SampleMembers::contains(&Sample::default(), "long_member_name"),
            Some(false)
        );
        assert_eq!(SampleMembers::contains(&fast, "other"), None);
    }

    #[test]
    fn the_fast_path_declines_and_the_strict_path_rejects() {
        // A repeated member, a fraction, an escape, a nested value: not plain.
        for text in [
            r#"{"name":"a","name":"b"}"#,
            r#"{"at":7.5}"#,
            r#"{"name":"\u0061"}"#,
            r#"{"tags":[["a"]]}"#,
            r#"{"long_member_name":"a","long_member_name":"a"}"#,
        ] {
            assert!(plain(text).is_none(), "{text}");
        }
        // Fractions are NumericDates on the strict path; whole seconds where asked.
        let (s, _) = strict(r#"{"at":7.5,"secs":8.9}"#).unwrap();
        assert_eq!(s.at.map(NumericDate::subsec_nanos), Some(500_000_000));
        assert_eq!(s.secs, Some(8));
        // Wrong JSON types name the member.
        for (text, name) in [
            (r#"{"name":1}"#, "name"),
            (r#"{"tags":["a",1]}"#, "tags"),
            (r#"{"ok":"true"}"#, "ok"),
            (r#"{"at":-1}"#, "at"),
            (r#"{"secs":"8"}"#, "secs"),
            (r#"{"aud":{}}"#, "aud"),
            (r#"{"list":[1]}"#, "list"),
            (r#"{"long_member_name":null}"#, "long_member_name"),
        ] {
            assert_eq!(strict(text).map(|_| ()), Err(name), "{text}");
        }
        // Names that pack alike are still told apart.
        assert_eq!(strict(r#"{"nam":"x","namee":"y"}"#).unwrap().1.len(), 2);
    }
}
