//! Typed claims: the ID token claims (OpenID Connect Core 1.0 §2) and the standard claims
//! (§5.1) shared by ID tokens and UserInfo responses.

use authcore_jose::json::Plain;
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

    /// The typed field of the scalar standard claim `name` (every one but `address`), with the
    /// claim's name for error messages.
    fn slot(&mut self, name: &str) -> Option<(&'static str, Slot<'_>)> {
        let text = |n, t| Some((n, Slot::Text(t)));
        match name {
            "name" => text("name", &mut self.name),
            "given_name" => text("given_name", &mut self.given_name),
            "family_name" => text("family_name", &mut self.family_name),
            "middle_name" => text("middle_name", &mut self.middle_name),
            "nickname" => text("nickname", &mut self.nickname),
            "preferred_username" => text("preferred_username", &mut self.preferred_username),
            "profile" => text("profile", &mut self.profile),
            "picture" => text("picture", &mut self.picture),
            "website" => text("website", &mut self.website),
            "email" => text("email", &mut self.email),
            "gender" => text("gender", &mut self.gender),
            "birthdate" => text("birthdate", &mut self.birthdate),
            "zoneinfo" => text("zoneinfo", &mut self.zoneinfo),
            "locale" => text("locale", &mut self.locale),
            "phone_number" => text("phone_number", &mut self.phone_number),
            "email_verified" => Some(("email_verified", Slot::Flag(&mut self.email_verified))),
            "phone_number_verified" => Some((
                "phone_number_verified",
                Slot::Flag(&mut self.phone_number_verified),
            )),
            "updated_at" => Some(("updated_at", Slot::Date(&mut self.updated_at))),
            _ => None,
        }
    }

    /// Stores a standard claim; any other claim is handed back.
    pub(crate) fn set(&mut self, k: String, v: Value) -> Result<Option<(String, Value)>> {
        if let Some((name, slot)) = self.slot(&k) {
            slot.assign(v, name)?;
            return Ok(None);
        }
        match k.as_str() {
            "address" => {
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
                Ok(None)
            }
            _ => Ok(Some((k, v))),
        }
    }
}

/// A typed claim field that a value of one JSON type goes to.
enum Slot<'s> {
    Text(&'s mut Option<String>),
    Date(&'s mut Option<u64>),
    Flag(&'s mut Option<bool>),
    Texts(&'s mut Option<Vec<String>>),
}

impl Slot<'_> {
    /// Stores the strict parser's value of claim `name` (`null`: absent; another JSON type:
    /// [`TokenError::WrongType`]).
    fn assign(self, v: Value, name: &'static str) -> Result<()> {
        match self {
            Slot::Text(t) => *t = string_value(v, name)?,
            Slot::Flag(f) => *f = bool_value(v, name)?,
            Slot::Date(d) => *d = date_value(v, name)?,
            Slot::Texts(t) => {
                *t = match v {
                    Value::Null => None,
                    Value::Array(a) => Some(
                        a.into_iter()
                            .map(|v| match v {
                                Value::String(s) => Ok(s),
                                _ => Err(TokenError::WrongType(name)),
                            })
                            .collect::<Result<Vec<_>, _>>()?,
                    ),
                    _ => return Err(TokenError::WrongType(name).into()),
                }
            }
        }
        Ok(())
    }
}

fn string_value(v: Value, name: &'static str) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(TokenError::WrongType(name).into()),
    }
}

fn bool_value(v: Value, name: &'static str) -> Result<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        _ => Err(TokenError::WrongType(name).into()),
    }
}

/// A JSON numeric date read as `authcore_jose::jwt::NumericDate` reads it (RFC 7519 §2), kept
/// in whole seconds (fractions rounded down) in the typed field.
fn date_value(v: Value, name: &'static str) -> Result<Option<u64>> {
    match v {
        Value::Null => Ok(None),
        v => NumericDate::from_value(&v)
            .map(|d| Some(d.secs()))
            .ok_or_else(|| TokenError::WrongType(name).into()),
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
    pub(crate) fn from_payload(payload: &[u8]) -> Result<(Self, TimeClaims)> {
        if let Some(c) = Self::read_plain_json(payload) {
            // The fast path reads integers only: the whole seconds are the exact dates.
            let times = TimeClaims {
                exp: Some(NumericDate::from_secs(c.exp)),
                nbf: c.nbf.map(NumericDate::from_secs),
                iat: Some(NumericDate::from_secs(c.iat)),
            };
            return Ok((c, times));
        }
        let claims = Claims::from_json(payload)?;
        let r = &claims.registered;
        let times = TimeClaims {
            exp: r.exp,
            nbf: r.nbf,
            iat: r.iat,
        };
        Ok((Self::from_claims(claims)?, times))
    }

    /// The fast path of [`IdTokenClaims::from_payload`] for plain JSON (see [`Plain`]): every
    /// claim goes straight to its typed field, without the intermediate [`Claims`] and its map
    /// of named values. `None` whenever the strict path has to decide: escapes, `null`,
    /// fractions, nested values such as `address`, a repeated name, a wrong type, a missing
    /// required claim, invalid JSON. It therefore accepts a subset of what the strict path
    /// accepts and builds the same value from it (checked by the differential tests below).
    pub(crate) fn read_plain_json(payload: &[u8]) -> Option<Self> {
        let mut p = Plain::object(payload)?;
        let (mut iss, mut sub, mut aud, mut exp, mut iat) = (None, None, None, None, None);
        // The required claims are filled in at the end, when all were seen.
        let mut c = IdTokenClaims::required(String::new(), String::new(), Vec::new(), 0, 0);
        while let Some(name) = p.member()? {
            let slot = match name {
                "iss" => Slot::Text(&mut iss),
                "sub" => Slot::Text(&mut sub),
                "aud" if p.peek()? == b'[' => Slot::Texts(&mut aud),
                "aud" if aud.is_none() => {
                    aud = Some(vec![p.owned_string()?]);
                    continue;
                }
                "exp" => Slot::Date(&mut exp),
                "iat" => Slot::Date(&mut iat),
                "nbf" => Slot::Date(&mut c.nbf),
                "jti" => Slot::Text(&mut c.jti),
                // A second `aud`, an `address` object: the strict path decides.
                "aud" | "address" => return None,
                _ => match c.slot(name) {
                    Some((_, slot)) => slot,
                    None => {
                        let v = p.scalar()?;
                        match c.extra.insert(name.to_owned(), v) {
                            None => continue,
                            Some(_) => return None,
                        }
                    }
                },
            };
            // A slot already filled is a repeated name, which the strict path rejects.
            match slot {
                Slot::Text(t) if t.is_none() => *t = Some(p.owned_string()?),
                Slot::Date(d) if d.is_none() => *d = Some(p.uint()?),
                Slot::Flag(f) if f.is_none() => *f = Some(p.boolean()?),
                Slot::Texts(v) if v.is_none() => *v = Some(p.strings()?),
                _ => return None,
            }
        }
        p.finish()?;
        (c.iss, c.sub, c.aud, c.exp, c.iat) = (iss?, sub?, aud?, exp?, iat?);
        Some(c)
    }

    /// The typed field of an OpenID Connect claim beyond the registered ones (or of a scalar
    /// standard claim), with the claim's name for error messages.
    fn slot(&mut self, name: &str) -> Option<(&'static str, Slot<'_>)> {
        let text = |n, t| Some((n, Slot::Text(t)));
        match name {
            "auth_time" => Some(("auth_time", Slot::Date(&mut self.auth_time))),
            "nonce" => text("nonce", &mut self.nonce),
            "acr" => text("acr", &mut self.acr),
            "amr" => Some(("amr", Slot::Texts(&mut self.amr))),
            "azp" => text("azp", &mut self.azp),
            "at_hash" => text("at_hash", &mut self.at_hash),
            "c_hash" => text("c_hash", &mut self.c_hash),
            "s_hash" => text("s_hash", &mut self.s_hash),
            "sid" => text("sid", &mut self.sid),
            _ => self.standard.slot(name),
        }
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
        // One pass over the other claims, each moved to its typed field.
        for (k, v) in extra {
            match c.slot(&k) {
                Some((name, slot)) => slot.assign(v, name)?,
                None => {
                    if let Some((k, v)) = c.standard.set(k, v)? {
                        c.extra.insert(k, v);
                    }
                }
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
        let (c, _) = IdTokenClaims::from_payload(p).unwrap();
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
                IdTokenClaims::from_payload(p.as_bytes()).map(|(c, _)| c),
                Err(TokenError::WrongType(name).into()),
                "{p}"
            );
        }
        for name in ["iss", "sub", "aud", "exp", "iat"] {
            let mut m: Map<String, Value> = serde_json::from_str(&format!("{{{base}}}")).unwrap();
            m.remove(name);
            let p = serde_json::to_vec(&m).unwrap();
            assert_eq!(
                IdTokenClaims::from_payload(&p).map(|(c, _)| c),
                Err(TokenError::MissingClaim(name).into())
            );
        }
    }
}
