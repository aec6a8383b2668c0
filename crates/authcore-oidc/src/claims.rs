//! Typed claims: the ID token claims (OpenID Connect Core 1.0 §2) and the standard claims
//! (§5.1) shared by ID tokens and UserInfo responses.

use authcore_jose::json::__private::{key8, read_plain_object};
use authcore_jose::jwt::{Audience, Claims, NumericDate};
use serde_json::{Map, Value};

use crate::error::{Result, TokenError};
use crate::signed_jwt::TimeClaims;

/// The postal address claim (OpenID Connect Core 1.0 §5.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Address {
    /// `formatted`: the full address for display, possibly with newlines.
    pub formatted: Option<String>,
    /// `street_address`.
    pub street_address: Option<String>,
    /// `locality` (city).
    pub locality: Option<String>,
    /// `region` (state, province, prefecture).
    pub region: Option<String>,
    /// `postal_code`.
    pub postal_code: Option<String>,
    /// `country`.
    pub country: Option<String>,
    /// Other members.
    pub extra: Map<String, Value>,
}

/// The standard claims (OpenID Connect Core 1.0 §5.1), typed. Claims with language tags
/// (`name#ja-Kana-JP`) and every other claim stay in the containing value's `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StandardClaims {
    /// `name`.
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// `middle_name`.
    pub middle_name: Option<String>,
    /// `nickname`.
    pub nickname: Option<String>,
    /// `preferred_username` (not unique, not stable: never a key for the user).
    pub preferred_username: Option<String>,
    /// `profile`: profile page URL.
    pub profile: Option<String>,
    /// `picture`: picture URL.
    pub picture: Option<String>,
    /// `website`.
    pub website: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified`.
    pub email_verified: Option<bool>,
    /// `gender`.
    pub gender: Option<String>,
    /// `birthdate` (`YYYY-MM-DD`, `0000-MM-DD` or `YYYY`).
    pub birthdate: Option<String>,
    /// `zoneinfo`.
    pub zoneinfo: Option<String>,
    /// `locale`.
    pub locale: Option<String>,
    /// `phone_number`.
    pub phone_number: Option<String>,
    /// `phone_number_verified`.
    pub phone_number_verified: Option<bool>,
    /// `address`.
    pub address: Option<Address>,
    /// `updated_at`, seconds since the epoch.
    pub updated_at: Option<u64>,
}

impl StandardClaims {
    /// Moves the standard claims out of `m` (wrong JSON types are rejections).
    pub(crate) fn take_from(m: &mut Map<String, Value>) -> Result<Self> {
        let mut s = StandardClaims::default();
        let mut rest = Map::new();
        for (k, v) in core::mem::take(m) {
            if let Some((k, v)) = s.set(k, v)? {
                rest.insert(k, v);
            }
        }
        *m = rest;
        Ok(s)
    }

    /// Stores a standard claim (`null`: absent; another wrong JSON type:
    /// [`TokenError::WrongType`]); any other claim is handed back.
    pub(crate) fn set(&mut self, k: String, v: Value) -> Result<Option<(String, Value)>> {
        if k == "address" {
            self.address = match v {
                Value::Null => None,
                Value::Object(mut a) => Some(Address {
                    formatted: take_string(&mut a, "formatted")?,
                    street_address: take_string(&mut a, "street_address")?,
                    locality: take_string(&mut a, "locality")?,
                    region: take_string(&mut a, "region")?,
                    postal_code: take_string(&mut a, "postal_code")?,
                    country: take_string(&mut a, "country")?,
                    extra: a,
                }),
                _ => return Err(TokenError::WrongType("address").into()),
            };
            return Ok(None);
        }
        // A claim of the table with `null` is absent (the fast path leaves `null` to this one).
        if v.is_null() && StandardMembers::NAMES.contains(&k.as_str()) {
            return Ok(None);
        }
        match StandardMembers::read_strict(self, &k, v) {
            Ok(None) => Ok(None),
            Ok(Some(v)) => Ok(Some((k, v))),
            Err(name) => Err(TokenError::WrongType(name).into()),
        }
    }
}

authcore_jose::json_members! {
    /// The standard claims with a typed field (OpenID Connect Core 1.0 §5.1), for both readers;
    /// `address`, an object, is read apart.
    struct StandardMembers for StandardClaims {
        "name" => name: text,
        "given_name" => given_name: text,
        "family_name" => family_name: text,
        "middle_name" => middle_name: text,
        "nickname" => nickname: text,
        "preferred_username" => preferred_username: text,
        "profile" => profile: text,
        "picture" => picture: text,
        "website" => website: text,
        "email" => email: text,
        "email_verified" => email_verified: flag,
        "gender" => gender: text,
        "birthdate" => birthdate: text,
        "zoneinfo" => zoneinfo: text,
        "locale" => locale: text,
        "phone_number" => phone_number: text,
        "phone_number_verified" => phone_number_verified: flag,
        "updated_at" => updated_at: date_secs,
    }
}

/// An ID token's claims while they are read into `c` (in place: the claims are large): the
/// required ones wait in `Option`s until all were seen.
struct IdTokenReader<'c> {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Vec<String>>,
    exp: Option<u64>,
    iat: Option<u64>,
    c: &'c mut IdTokenClaims,
}

impl<'c> IdTokenReader<'c> {
    fn new(c: &'c mut IdTokenClaims) -> Self {
        IdTokenReader {
            iss: None,
            sub: None,
            aud: None,
            exp: None,
            iat: None,
            c,
        }
    }
}

authcore_jose::json_members! {
    /// The ID token claims with a typed field (OpenID Connect Core 1.0 §2, and `sid` of the
    /// logout specifications), for both readers; the standard claims are [`StandardMembers`].
    struct IdTokenMembers for IdTokenReader<'_> {
        "iss" => iss: text,
        "sub" => sub: text,
        "aud" => aud: audience_list,
        "exp" => exp: date_secs,
        "iat" => iat: date_secs,
        "nbf" => c.nbf: date_secs,
        "jti" => c.jti: text,
        "auth_time" => c.auth_time: date_secs,
        "nonce" => c.nonce: text,
        "acr" => c.acr: text,
        "amr" => c.amr: texts,
        "azp" => c.azp: text,
        "at_hash" => c.at_hash: text,
        "c_hash" => c.c_hash: text,
        "s_hash" => c.s_hash: text,
        "sid" => c.sid: text,
    }
}

/// The claims of a validated ID token (OpenID Connect Core 1.0 §2, §5.1).
///
/// Only a value returned by the validating functions of this crate has passed the checks;
/// the fields are public for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// `iss`: the issuer identifier.
    pub iss: String,
    /// `sub`: the end-user's identifier at the issuer; with `iss` the only stable key for a
    /// user.
    pub sub: String,
    /// `aud`: the audiences (always containing the client id).
    pub aud: Vec<String>,
    /// `exp`.
    pub exp: u64,
    /// `iat`.
    pub iat: u64,
    /// `nbf`, if present.
    pub nbf: Option<u64>,
    /// `jti`, if present.
    pub jti: Option<String>,
    /// `auth_time`: when the end-user authenticated.
    pub auth_time: Option<u64>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `acr`: the authentication context class satisfied.
    pub acr: Option<String>,
    /// `amr`: the authentication methods used.
    pub amr: Option<Vec<String>>,
    /// `azp`: the authorized party.
    pub azp: Option<String>,
    /// `at_hash`.
    pub at_hash: Option<String>,
    /// `c_hash`.
    pub c_hash: Option<String>,
    /// `s_hash` (Financial-grade API: hash of `state`).
    pub s_hash: Option<String>,
    /// `sid`: the session id (Front-/Back-Channel Logout).
    pub sid: Option<String>,
    /// The standard claims about the end-user.
    pub standard: StandardClaims,
    /// Every other claim.
    pub extra: Map<String, Value>,
}

impl IdTokenClaims {
    /// Reads the claims of a verified payload (strict JSON, typed registered claims), with
    /// its time claims as exact NumericDates for the checks (the typed fields keep whole
    /// seconds).
    pub(crate) fn from_payload(payload: &[u8], times: &mut TimeClaims) -> Result<Self> {
        if let Some(c) = Self::read_plain_json(payload) {
            // The fast path reads integers only: the whole seconds are the exact dates.
            *times = TimeClaims {
                exp: Some(NumericDate::from_secs(c.exp)),
                nbf: c.nbf.map(NumericDate::from_secs),
                iat: Some(NumericDate::from_secs(c.iat)),
            };
            return Ok(c);
        }
        Self::from_payload_strict(payload, times)
    }

    /// The strict path of [`IdTokenClaims::from_payload`] (out of line: rare, and large).
    #[cold]
    #[inline(never)]
    fn from_payload_strict(payload: &[u8], times: &mut TimeClaims) -> Result<Self> {
        let claims = Claims::from_json(payload)?;
        let r = &claims.registered;
        *times = TimeClaims {
            exp: r.exp,
            nbf: r.nbf,
            iat: r.iat,
        };
        Self::from_claims(claims)
    }

    /// The fast path of [`IdTokenClaims::from_payload`] for plain JSON (the member tables below): every
    /// claim goes straight to its typed field, without the intermediate [`Claims`] and its map
    /// of named values. `None` whenever the strict path has to decide: escapes, `null`,
    /// fractions, nested values such as `address`, a repeated name, a wrong type, a missing
    /// required claim, invalid JSON. It therefore accepts a subset of what the strict path
    /// accepts and builds the same value from it (checked by the differential tests below).
    pub(crate) fn read_plain_json(payload: &[u8]) -> Option<Self> {
        let mut c = IdTokenClaims::required(String::new(), String::new(), Vec::new(), 0, 0);
        let mut r = IdTokenReader::new(&mut c);
        let mut extra = Map::new();
        read_plain_object(payload, &mut extra, |name, p| {
            // An object: the strict path decides.
            if name == "address" {
                return None;
            }
            let k = key8(name);
            if IdTokenMembers::read_plain_packed(&mut r, name, k, p)? {
                return Some(true);
            }
            StandardMembers::read_plain_packed(&mut r.c.standard, name, k, p)
        })?;
        // The required claims, all seen.
        let (iss, sub, aud, exp, iat) = (r.iss?, r.sub?, r.aud?, r.exp?, r.iat?);
        (c.iss, c.sub, c.aud, c.exp, c.iat) = (iss, sub, aud, exp, iat);
        c.extra = extra;
        Some(c)
    }

    /// Claims with the required members and nothing else.
    fn required(iss: String, sub: String, aud: Vec<String>, exp: u64, iat: u64) -> Self {
        IdTokenClaims {
            iss,
            sub,
            aud,
            exp,
            iat,
            nbf: None,
            jti: None,
            auth_time: None,
            nonce: None,
            acr: None,
            amr: None,
            azp: None,
            at_hash: None,
            c_hash: None,
            s_hash: None,
            sid: None,
            standard: StandardClaims::default(),
            extra: Map::new(),
        }
    }

    pub(crate) fn from_claims(claims: Claims) -> Result<Self> {
        let Claims {
            registered: r,
            extra,
        } = claims;
        let iss = r.iss.ok_or(TokenError::MissingClaim("iss"))?;
        let sub = r.sub.ok_or(TokenError::MissingClaim("sub"))?;
        let aud = match r.aud.ok_or(TokenError::MissingClaim("aud"))? {
            Audience::Single(a) => vec![a],
            Audience::Many(v) => v,
        };
        let exp = r.exp.ok_or(TokenError::MissingClaim("exp"))?.secs();
        let iat = r.iat.ok_or(TokenError::MissingClaim("iat"))?.secs();
        let mut c = IdTokenClaims::required(iss, sub, aud, exp, iat);
        c.nbf = r.nbf.map(|d| d.secs());
        c.jti = r.jti;
        // One pass over the other claims, each moved to its typed field by the tables.
        let mut r = IdTokenReader::new(&mut c);
        for (k, v) in extra {
            // `null` is an absent claim (the registered claims, typed by authcore-jose, never
            // reach this loop).
            if v.is_null() && IdTokenMembers::NAMES.contains(&k.as_str()) {
                continue;
            }
            match IdTokenMembers::read_strict(&mut r, &k, v) {
                Ok(None) => {}
                Ok(Some(v)) => {
                    if let Some((k, v)) = r.c.standard.set(k, v)? {
                        r.c.extra.insert(k, v);
                    }
                }
                Err(name) => return Err(TokenError::WrongType(name).into()),
            }
        }
        Ok(c)
    }
}

/// Removes a string member (absent or `null`: `None`; another type: an error).
pub(crate) fn take_string(
    m: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>> {
    match m.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(TokenError::WrongType(name).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_claims_typed_and_extra_kept() {
        let p = br#"{"iss":"https://op","sub":"24400320","aud":"c","exp":2,"iat":1,
            "auth_time":1.5,"amr":["pwd","otp"],"email":"j@example.com","email_verified":true,
            "address":{"country":"DE","x":1},"updated_at":1311280970,"name#ja":"x","custom":[1]}"#;
        let c = IdTokenClaims::from_payload(p, &mut TimeClaims::default()).unwrap();
        assert_eq!(c.aud, vec!["c".to_owned()]);
        assert_eq!(c.auth_time, Some(1));
        assert_eq!(
            c.amr.as_deref(),
            Some(&["pwd".to_owned(), "otp".to_owned()][..])
        );
        assert_eq!(c.standard.email_verified, Some(true));
        let a = c.standard.address.as_ref().unwrap();
        assert_eq!(a.country.as_deref(), Some("DE"));
        assert_eq!(a.extra["x"], 1);
        assert_eq!(c.standard.updated_at, Some(1311280970));
        assert!(c.extra.contains_key("name#ja") && c.extra.contains_key("custom"));
    }

    /// The strict path's answer for `p`, to compare the fast path with.
    fn strict(p: &[u8]) -> Result<IdTokenClaims> {
        IdTokenClaims::from_claims(Claims::from_json(p)?)
    }

    /// The fast path either declines or builds exactly what the strict path builds.
    fn fast_agrees(p: &[u8]) -> bool {
        match IdTokenClaims::read_plain_json(p) {
            None => false,
            Some(fast) => {
                assert_eq!(Ok(fast), strict(p), "{}", String::from_utf8_lossy(p));
                true
            }
        }
    }

    const BASE: &str = r#""iss":"https://op","sub":"s","aud":"c","exp":20,"iat":10"#;

    #[test]
    fn plain_payloads_take_the_fast_path_and_agree() {
        for extra in [
            "",
            r#","aud2":1"#,
            r#","nbf":5,"jti":"j","auth_time":7,"nonce":"n","acr":"1","amr":["pwd","otp"]"#,
            r#","azp":"c","at_hash":"a","c_hash":"b","s_hash":"d","sid":"x""#,
            r#","name":"N","given_name":"G","family_name":"F","middle_name":"M","nickname":"k""#,
            r#","preferred_username":"u","profile":"p","picture":"q","website":"w""#,
            r#","email":"e@x","email_verified":true,"gender":"g","birthdate":"2000-01-01""#,
            r#","zoneinfo":"Z","locale":"de","phone_number":"+1","phone_number_verified":false"#,
            r#","updated_at":1311280970,"custom":"v","n":0,"t":true,"z":null,"amr":[]"#,
        ] {
            let p = format!("{{ {BASE}{extra} }}");
            assert!(fast_agrees(p.as_bytes()), "{p}");
        }
        let many = r#"{"aud":["c","d"],"iss":"i","sub":"s","exp":2,"iat":1}"#;
        assert!(fast_agrees(many.as_bytes()));
    }

    #[test]
    fn anything_else_is_left_to_the_strict_path() {
        for extra in [
            r#","nonce":null"#,
            r#","nonce":"\u006e""#,
            r#","auth_time":1.5"#,
            r#","address":{"country":"DE"}"#,
            r#","custom":{"a":1}"#,
            r#","custom":[1]"#,
            r#","custom":-1"#,
            r#","nonce":"a","nonce":"a""#,
            r#","custom":1,"custom":1"#,
            r#","aud":"c""#,
            r#","aud":["c"]"#,
            r#","email_verified":"true""#,
            r#","updated_at":true"#,
            r#","amr":"pwd""#,
            r#","sub":"s""#,
        ] {
            let p = format!("{{{BASE}{extra}}}");
            assert_eq!(IdTokenClaims::read_plain_json(p.as_bytes()), None, "{p}");
        }
        for name in ["iss", "sub", "aud", "exp", "iat"] {
            let p = format!("{{{BASE}}}").replace(&format!("\"{name}\""), "\"other\"");
            assert_eq!(IdTokenClaims::read_plain_json(p.as_bytes()), None, "{p}");
            assert_eq!(
                strict(p.as_bytes()),
                Err(TokenError::MissingClaim(name).into())
            );
        }
        let trailing = format!("{{{BASE}}} x");
        assert_eq!(IdTokenClaims::read_plain_json(trailing.as_bytes()), None);
    }

    proptest::proptest! {
        /// Claims sets built from every name the fast path knows and values of every JSON
        /// type, then one byte removed or inserted: whatever the fast path accepts, the strict
        /// path accepts with the same value.
        #[test]
        fn fast_path_never_disagrees_with_the_strict_path(
            members in proptest::collection::vec((0usize..48, 0usize..12), 0..12),
            edit in proptest::option::of((proptest::num::usize::ANY, proptest::num::u8::ANY, proptest::bool::ANY)),
        ) {
            const NAMES: [&str; 40] = [
                "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr",
                "amr", "azp", "at_hash", "c_hash", "s_hash", "sid", "name", "given_name",
                "family_name", "middle_name", "nickname", "preferred_username", "profile",
                "picture", "website", "email", "email_verified", "gender", "birthdate",
                "zoneinfo", "locale", "phone_number", "phone_number_verified", "address",
                "updated_at", "x", "é", "a\\u0062", "", "name#ja",
            ];
            const VALUES: [&str; 12] = [
                r#""v""#, "7", "true", "null", r#"["a","b"]"#, "[]", "1.5", "-3",
                r#"{"country":"DE"}"#, r#""\u00e9""#, "[1]", "18446744073709551616",
            ];
            let mut text = format!("{{{BASE}");
            for (n, v) in members {
                let name = NAMES[n % NAMES.len()];
                text.push_str(&format!(r#","{name}":{}"#, VALUES[v]));
            }
            text.push('}');
            let mut bytes = text.into_bytes();
            if let Some((at, byte, insert)) = edit {
                if insert {
                    bytes.insert(at % (bytes.len() + 1), byte);
                } else {
                    bytes.remove(at % bytes.len());
                }
            }
            if IdTokenClaims::read_plain_json(&bytes).is_some() {
                proptest::prop_assert!(fast_agrees(&bytes));
            }
        }
    }

    #[test]
    fn wrong_types_and_missing_claims_are_rejections() {
        let base = r#""iss":"i","sub":"s","aud":"c","exp":2,"iat":1"#;
        for (extra, name) in [
            (r#","email_verified":"true""#, "email_verified"),
            (r#","auth_time":-1"#, "auth_time"),
            (r#","auth_time":"1""#, "auth_time"),
            (r#","nonce":5"#, "nonce"),
            (r#","amr":"pwd""#, "amr"),
            (r#","amr":[1]"#, "amr"),
            (r#","address":"Main St""#, "address"),
            (r#","address":{"country":1}"#, "country"),
            (r#","updated_at":true"#, "updated_at"),
            (r#","azp":[]"#, "azp"),
        ] {
            let p = format!("{{{base}{extra}}}");
            assert_eq!(
                IdTokenClaims::from_payload(p.as_bytes(), &mut TimeClaims::default()),
                Err(TokenError::WrongType(name).into()),
                "{p}"
            );
        }
        for name in ["iss", "sub", "aud", "exp", "iat"] {
            let mut m: Map<String, Value> = serde_json::from_str(&format!("{{{base}}}")).unwrap();
            m.remove(name);
            let p = serde_json::to_vec(&m).unwrap();
            assert_eq!(
                IdTokenClaims::from_payload(&p, &mut TimeClaims::default()),
                Err(TokenError::MissingClaim(name).into())
            );
        }
    }
}
