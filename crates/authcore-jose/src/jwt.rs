//! JSON Web Tokens (RFC 7519) with the RFC 8725 best current practices.
//!
//! A JWT is verified in one call: the JWS signature with the caller's keys (the keys fix the
//! algorithms), then the claims against a [`Validation`] and the caller's `now`.
//!
//! ```
//! use authcore_jose::{crypto, jwt, JwsAlgorithm, JwsHeader, SigningKey, UnixTime, VerifyingKey};
//! use serde_json::json;
//! let provider = crypto::default_provider();
//! let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[1u8; 32], provider)?;
//! let claims = json!({"iss": "https://issuer.example", "aud": "api", "exp": 2_000, "sub": "alice"});
//! let token = jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256).with_typ("JWT"), &claims, &signer)?;
//!
//! let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[1u8; 32], provider)?;
//! let validation = jwt::Validation::new().issuer("https://issuer.example").audience("api");
//! let verified = jwt::verify(&token, &key, &validation, UnixTime::from_secs(1_000))?;
//! assert_eq!(verified.claims.registered.sub.as_deref(), Some("alice"));
//!
//! // One second after `exp` the same token is rejected.
//! assert!(jwt::verify(&token, &key, &validation, UnixTime::from_secs(2_000)).is_err());
//! # Ok::<(), authcore_jose::Error>(())
//! ```
//!
//! # Verify a JWT against a JWK Set
//!
//! The most common job: a provider publishes its keys as a JWK Set (RFC 7517 §5), and tokens
//! name their key with `kid`. [`VerifyingKeys::from_jwk_set_json`](crate::VerifyingKeys::from_jwk_set_json)
//! builds the keys for an allow-list of algorithms (default provider and options) and refuses
//! a set that leaves no usable key, saying why each key was skipped; [`verify`] then checks the
//! signature, `iss`, `aud` and the times. This is the sample token and key of the CLI's
//! `samples/` directory.
//!
//! ```
//! use authcore_jose::{jwt, JwsAlgorithm, UnixTime, VerifyingKeys};
//!
//! let jwks = r#"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256",
//!   "kid":"FEL8PnUFR_Oer5xkcbLV7bUSvFM2NHzw0CaUcnUHpUY",
//!   "x":"L6V0h-f8Wp6AkQ2i_-a2gE0jWJV9zhn8s6Dy-UQCsjs",
//!   "y":"i9LPtA86skrpbSRuDB5X_01MSOAVt0rGRhHenNyK9TY"}]}"#;
//! let token = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkZFTDhQblVGUl9PZXI1eGtjYkxWN2JVU3ZGTTJOSHp3MENhVWNuVUhwVVkiLCJ0eXAiOiJKV1QifQ.\
//!     eyJhdWQiOiJhdXRoY29yZS1kZW1vIiwiZXhwIjoxNzAwMDAzNDAwLCJpYXQiOjE2OTk5OTk4MDAsImlzcyI6Imh0dHBzOi8vaXNzdWVyLmV4YW1wbGUiLCJzdWIiOiJhbGljZSJ9.\
//!     m_lrWlo4lmqXb20kHBlTMIXHluC1TN4vtmxcMY9WYbtAm4CGQGO6cbnYiBHttempSrEI007VldOjOp4cICOFpw";
//!
//! let keys = VerifyingKeys::from_jwk_set_json(jwks, &[JwsAlgorithm::ES256, JwsAlgorithm::RS256])?;
//! let validation = jwt::Validation::new()
//!     .issuer("https://issuer.example")
//!     .audience("authcore-demo");
//! // A fixed test time inside the sample's validity; an application passes the clock it read.
//! let now = UnixTime::from_secs(1_700_000_000);
//! let verified = jwt::verify(token, &keys, &validation, now)?;
//! assert_eq!(verified.claims.registered.sub.as_deref(), Some("alice"));
//! # Ok::<(), authcore_jose::Error>(())
//! ```

use core::cmp::Ordering;
use core::fmt;

use serde::Deserializer as _;
use serde::de::{MapAccess, Visitor};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Number, Value};

use crate::error::{Error, Result, ValidationError};
use crate::json::{self, Key, SeenKeys, StrictValue};
use crate::jwe::{self, DecryptionKeySource, JweBuilder, JweHeader, JweOptions};
use crate::jws::{self, JwsHeader, JwsOptions};
use crate::keys::{JwsSigner, KeySource};
use crate::rand::SecureRandom;
use crate::time::UnixTime;

/// A JSON numeric date (RFC 7519 §2): seconds since the epoch, possibly fractional.
///
/// Integers and finite non-negative fractional numbers are accepted; anything else (negative,
/// a string, a boolean) is a wrong-type rejection, never "absent".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumericDate {
    secs: u64,
    nanos: u32,
}

impl NumericDate {
    /// A whole-second date.
    pub const fn from_secs(secs: u64) -> Self {
        NumericDate { secs, nanos: 0 }
    }

    /// Whole seconds (rounded down).
    pub const fn secs(self) -> u64 {
        self.secs
    }

    /// The fractional part in nanoseconds.
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// The date a JSON value holds, if it is a valid NumericDate (RFC 7519 §2: a non-negative
    /// number of seconds, fractions allowed); `None` for anything else (negative, a string,
    /// `null`, ...). The one reading of NumericDate values, for claims beyond the registered
    /// ones too (OpenID Connect `auth_time`, `updated_at`).
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Number(n) => Self::from_number(n),
            _ => None,
        }
    }

    fn from_number(n: &Number) -> Option<Self> {
        if let Some(u) = n.as_u64() {
            return Some(NumericDate::from_secs(u));
        }
        if n.is_i64() {
            return None; // negative integer
        }
        let f = n.as_f64()?;
        // 2^63 bounds the conversion; dates that far out are nonsense anyway.
        if !f.is_finite() || !(0.0..9.2e18).contains(&f) {
            return None;
        }
        let secs = f.trunc() as u64;
        let nanos = ((f - f.trunc()) * 1e9) as u32;
        Some(NumericDate {
            secs,
            nanos: nanos.min(999_999_999),
        })
    }

    fn to_value(self) -> Value {
        if self.nanos == 0 {
            Value::from(self.secs)
        } else {
            Number::from_f64(self.secs as f64 + f64::from(self.nanos) / 1e9)
                .map_or(Value::from(self.secs), Value::Number)
        }
    }

    /// Compares with a whole-second time.
    fn cmp_time(self, t: UnixTime) -> Ordering {
        (self.secs, self.nanos).cmp(&(t.as_secs(), 0))
    }
}

/// `aud`: a single string or an array of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// A single audience as a string.
    Single(String),
    /// An array of audiences.
    Many(Vec<String>),
}

impl Audience {
    /// The audiences as a slice.
    pub fn as_slice(&self) -> &[String] {
        match self {
            Audience::Single(s) => core::slice::from_ref(s),
            Audience::Many(v) => v,
        }
    }

    /// Whether `aud` contains `value`.
    pub fn contains(&self, value: &str) -> bool {
        self.as_slice().iter().any(|a| a == value)
    }
}

/// The registered claims (RFC 7519 §4.1), typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegisteredClaims {
    /// `iss`.
    pub iss: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
    /// `aud`.
    pub aud: Option<Audience>,
    /// `exp`.
    pub exp: Option<NumericDate>,
    /// `nbf`.
    pub nbf: Option<NumericDate>,
    /// `iat`.
    pub iat: Option<NumericDate>,
    /// `jti`.
    pub jti: Option<String>,
}

crate::json_members! {
    /// The registered claims (RFC 7519 §4.1), for both readers of [`Claims`] and the
    /// required-claims mask of [`Validation`].
    struct RegisteredMembers for RegisteredClaims {
        "iss" => iss: text,
        "sub" => sub: text,
        "aud" => aud: audience,
        "exp" => exp: date,
        "nbf" => nbf: date,
        "iat" => iat: date,
        "jti" => jti: text,
    }
}

/// A JWT claims set: the registered claims plus every other claim.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Claims {
    /// The registered claims.
    pub registered: RegisteredClaims,
    /// All other claims, in the payload's order of names (sorted).
    pub extra: Map<String, Value>,
}

/// Largest claims set accepted, in bytes.
pub const MAX_CLAIMS_BYTES: usize = 64 * 1024;

impl Claims {
    /// Parses a claims set strictly: a JSON object, no duplicate member names at any depth,
    /// bounded nesting, registered claims of the right JSON type.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let mut c = Claims::default();
        c.read_json(bytes)?;
        Ok(c)
    }

    /// [`Claims::from_json`] into `self`, which must be empty (as `Claims::default()`).
    #[inline]
    fn read_json(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.len() > MAX_CLAIMS_BYTES {
            return Err(Error::TooLarge {
                what: "JWT claims",
                limit: MAX_CLAIMS_BYTES,
            });
        }
        if self.read_plain_json(bytes).is_none() {
            self.read_json_strict(bytes)?;
        }
        Ok(())
    }

    /// The strict parser's result in place of `self` (out of line: rare, and large).
    #[cold]
    #[inline(never)]
    fn read_json_strict(&mut self, bytes: &[u8]) -> Result<()> {
        *self = Self::from_json_strict(bytes)?;
        Ok(())
    }

    /// [`Claims::from_json`] without the fast path, for any JSON.
    fn from_json_strict(bytes: &[u8]) -> Result<Self> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let c = de.deserialize_map(ClaimsVisitor).map_err(json::json_err)?;
        de.end().map_err(json::json_err)?;
        c
    }

    /// The fast path of [`Claims::from_json`] for plain JSON (see [`json::Plain`]): the
    /// registered claims are read straight into their types, other claims with scalar values
    /// into [`Value`]s. `None` whenever the strict parser has to decide: escapes, nested
    /// values, fractional or negative numbers, repeated names, a wrong type, invalid JSON.
    fn read_plain_json(&mut self, bytes: &[u8]) -> Option<()> {
        let registered = &mut self.registered;
        json::__private::read_plain_object(bytes, &mut self.extra, |name, p| {
            RegisteredMembers::read_plain(registered, name, p)
        })
    }

    #[cfg(test)]
    fn from_plain_json(bytes: &[u8]) -> Option<Self> {
        let mut c = Claims::default();
        c.read_plain_json(bytes)?;
        Some(c)
    }

    /// Whether the claim named `name` is present (registered or not).
    pub fn contains(&self, name: &str) -> bool {
        RegisteredMembers::contains(&self.registered, name)
            .unwrap_or_else(|| self.extra.contains_key(name))
    }

    /// The whole claims set as one JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = self.extra.clone();
        let r = &self.registered;
        let mut s = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v.clone()));
            }
        };
        s("iss", &r.iss);
        s("sub", &r.sub);
        s("jti", &r.jti);
        for (k, v) in [("exp", r.exp), ("nbf", r.nbf), ("iat", r.iat)] {
            if let Some(v) = v {
                m.insert(k.into(), v.to_value());
            }
        }
        match &r.aud {
            Some(Audience::Single(a)) => {
                m.insert("aud".into(), a.clone().into());
            }
            Some(Audience::Many(a)) => {
                m.insert("aud".into(), a.iter().cloned().map(Value::String).collect());
            }
            None => {}
        }
        m
    }
}

struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = Result<Claims>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims set object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = SeenKeys::default();
        let mut c = Claims::default();
        let mut wrong: Option<&'static str> = None;
        while let Some(Key(k)) = map.next_key()? {
            seen.insert(&k)?;
            let v = map.next_value_seed(StrictValue { depth: 1 })?;
            match RegisteredMembers::read_strict(&mut c.registered, &k, v) {
                Ok(None) => {}
                Ok(Some(v)) => {
                    c.extra.insert(k.into_owned(), v);
                }
                // The first wrong type is reported once the whole text parsed.
                Err(name) => {
                    wrong.get_or_insert(name);
                }
            }
        }
        Ok(match wrong {
            Some(name) => Err(ValidationError::WrongType(name).into()),
            None => Ok(c),
        })
    }
}

/// What a JWT's claims (and `typ`) must satisfy.
///
/// Defaults: `exp` required, no leeway, `iat` in the future rejected, `aud` present in a
/// token rejected unless an expected audience is configured (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    required: Vec<String>,
    /// The registered claims in `required`, one bit each (`RegisteredMembers::present`).
    required_registered: u64,
    /// Whether `required` names any claim that is not registered.
    required_other: bool,
    leeway: u64,
    issuers: Vec<String>,
    audiences: Vec<String>,
    /// Audiences that may appear besides an expected one when `exclusive_audiences` is set.
    trusted_audiences: Vec<String>,
    /// Whether every `aud` value must be expected or trusted.
    exclusive_audiences: bool,
    ignore_audience: bool,
    subject: Option<String>,
    max_age: Option<u64>,
    typ: Option<String>,
    reject_future_iat: bool,
    jws: JwsOptions,
}

impl Default for Validation {
    fn default() -> Self {
        Validation::new()
    }
}

impl Validation {
    /// The defaults: `exp` required, zero leeway.
    pub fn new() -> Self {
        let mut v = Validation {
            required: vec!["exp".to_owned()],
            required_registered: 0,
            required_other: false,
            leeway: 0,
            issuers: Vec::new(),
            audiences: Vec::new(),
            trusted_audiences: Vec::new(),
            exclusive_audiences: false,
            ignore_audience: false,
            subject: None,
            max_age: None,
            typ: None,
            reject_future_iat: true,
            jws: JwsOptions::default(),
        };
        v.index_required();
        v
    }

    /// Seconds of clock skew tolerated for `exp`, `nbf`, `iat` and the maximum age.
    pub fn leeway(mut self, secs: u64) -> Self {
        self.leeway = secs;
        self
    }

    /// Adds a claim that must be present (any name).
    pub fn require(mut self, claim: impl Into<String>) -> Self {
        let c = claim.into();
        if !self.required.contains(&c) {
            self.required.push(c);
        }
        self.index_required();
        self
    }

    /// Replaces the set of required claims (for example `&[]` for tokens without `exp`).
    pub fn required_claims<I, S>(mut self, claims: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required = claims.into_iter().map(Into::into).collect();
        self.index_required();
        self
    }

    /// Recomputes `required_registered` and `required_other` from `required`.
    fn index_required(&mut self) {
        self.required_registered = 0;
        self.required_other = false;
        for name in &self.required {
            match RegisteredMembers::bit(name) {
                Some(bit) => self.required_registered |= bit,
                None => self.required_other = true,
            }
        }
    }

    /// Accepts `iss` equal to `issuer` (exact, case-sensitive); may be called several times.
    /// Setting any issuer makes `iss` required.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// Accepts tokens whose `aud` contains `audience`; may be called several times (at least
    /// one must match). Setting any audience makes `aud` required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Requires every value of `aud` to be an expected audience ([`Validation::audience`]) or a
    /// trusted one ([`Validation::trust_audience`]); the first other value is rejected with
    /// [`ValidationError::UntrustedAudience`]. For tokens whose audience list is a statement of
    /// who may use them (OpenID Connect Core 1.0 §3.1.3.7 step 3: an ID token with an audience
    /// the client does not trust is rejected).
    pub fn reject_untrusted_audiences(mut self) -> Self {
        self.exclusive_audiences = true;
        self
    }

    /// Accepts `audience` in `aud` besides an expected audience under
    /// [`Validation::reject_untrusted_audiences`]. A trusted audience alone never satisfies the
    /// audience check: one of [`Validation::audience`] must still be present.
    pub fn trust_audience(mut self, audience: impl Into<String>) -> Self {
        self.trusted_audiences.push(audience.into());
        self
    }

    /// Skips the audience check entirely, even when the token has `aud`. Only for tokens whose
    /// audience is checked elsewhere.
    pub fn insecure_ignore_audience(mut self) -> Self {
        self.ignore_audience = true;
        self
    }

    /// Requires `sub` equal to `subject`.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Requires `iat` no older than `secs` before `now` (plus leeway); makes `iat` required.
    /// This is the `iat` acceptance window of OpenID Connect Core 1.0 §3.1.3.7 step 10, which
    /// authcore-oidc's ID token and logout token checks use.
    pub fn max_age(mut self, secs: u64) -> Self {
        self.max_age = Some(secs);
        self
    }

    /// Requires the header `typ` to be `typ` (RFC 8725 §3.11), compared as RFC 7515 §4.1.9
    /// says (case-insensitive, `application/` optional).
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Accepts an `iat` later than `now` (beyond the leeway). Off by default.
    pub fn allow_future_iat(mut self) -> Self {
        self.reject_future_iat = false;
        self
    }

    /// Declares an extension header parameter the application processes, so `crit` may list
    /// it.
    pub fn understood_crit(mut self, name: impl Into<String>) -> Self {
        self.jws.understood_crit.push(name.into());
        self
    }

    /// The JWS options used for the signature layer.
    pub fn jws_options(&self) -> &JwsOptions {
        &self.jws
    }

    /// Checks `typ` of a header.
    pub fn validate_header(&self, header: &JwsHeader) -> Result<()> {
        if let Some(t) = &self.typ {
            if !header.typ_matches(t) {
                return Err(ValidationError::Type.into());
            }
        }
        Ok(())
    }

    /// Checks claims at `now`.
    pub fn validate_claims(&self, claims: &Claims, now: UnixTime) -> Result<()> {
        let r = &claims.registered;
        // Registered claims are checked as one mask; any other required name (or a missing
        // one, to report the first in order) goes through the list.
        if self.required_other || self.required_registered & !RegisteredMembers::present(r) != 0 {
            for name in &self.required {
                if !claims.contains(name) {
                    return Err(ValidationError::MissingClaim(static_name(name)).into());
                }
            }
        }
        self.validate_times(r.exp, r.nbf, r.iat, now)?;
        if !self.issuers.is_empty() {
            let iss = r
                .iss
                .as_deref()
                .ok_or(ValidationError::MissingClaim("iss"))?;
            if !self.issuers.iter().any(|i| i == iss) {
                return Err(ValidationError::Issuer.into());
            }
        }
        self.validate_audience(r.aud.as_ref().map(Audience::as_slice))?;
        if let Some(sub) = &self.subject {
            match r.sub.as_deref() {
                None => return Err(ValidationError::MissingClaim("sub").into()),
                Some(s) if s != sub => return Err(ValidationError::Subject.into()),
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The time checks of [`Validation::validate_claims`] alone, on exact NumericDates (RFC 7519
    /// §2: fractions count, so `exp` 1000.5 has not passed at `now` 1000): `exp` after `now`,
    /// `nbf` not after `now`, `iat` not in the future (unless allowed) and not older than the
    /// maximum age, each with the leeway. For typed claims sets outside this crate (an OpenID
    /// Connect ID token) that read their dates themselves.
    #[inline]
    pub fn validate_times(
        &self,
        exp: Option<NumericDate>,
        nbf: Option<NumericDate>,
        iat: Option<NumericDate>,
        now: UnixTime,
    ) -> Result<()> {
        if let Some(exp) = exp {
            // RFC 7519 §4.1.4: now must be before exp.
            if exp.cmp_time(now.saturating_sub(self.leeway)) != Ordering::Greater {
                return Err(ValidationError::Expired {
                    now,
                    exp: exp.secs(),
                }
                .into());
            }
        }
        if let Some(nbf) = nbf {
            if nbf.cmp_time(now.saturating_add(self.leeway)) == Ordering::Greater {
                return Err(ValidationError::NotYetValid {
                    now,
                    nbf: nbf.secs(),
                }
                .into());
            }
        }
        if let Some(iat) = iat {
            if self.reject_future_iat
                && iat.cmp_time(now.saturating_add(self.leeway)) == Ordering::Greater
            {
                return Err(ValidationError::IssuedInFuture {
                    now,
                    iat: iat.secs(),
                }
                .into());
            }
        }
        if let Some(max_age) = self.max_age {
            let iat = iat.ok_or(ValidationError::MissingClaim("iat"))?;
            let oldest = now.saturating_sub(max_age.saturating_add(self.leeway));
            if iat.cmp_time(oldest) == Ordering::Less {
                return Err(ValidationError::TooOld {
                    now,
                    iat: iat.secs(),
                    max_age,
                }
                .into());
            }
        }
        Ok(())
    }

    /// The audience check of [`Validation::validate_claims`] alone (RFC 7519 §4.1.3), on the
    /// values of `aud` (`None`: no `aud` claim).
    #[inline]
    pub fn validate_audience(&self, aud: Option<&[String]>) -> Result<()> {
        if self.ignore_audience {
            return Ok(());
        }
        let aud = match (aud, self.audiences.is_empty()) {
            (None, false) => return Err(ValidationError::MissingClaim("aud").into()),
            (Some(_), true) => return Err(ValidationError::Audience.into()),
            (None, true) => return Ok(()),
            (Some(aud), false) => aud,
        };
        // The usual case, one audience that is expected, passes every rule at once.
        if let [only] = aud {
            if self.audiences.contains(only) {
                return Ok(());
            }
        }
        if !self.audiences.iter().any(|a| aud.contains(a)) {
            return Err(ValidationError::Audience.into());
        }
        if self.exclusive_audiences {
            if let Some(other) = aud
                .iter()
                .find(|a| !self.audiences.contains(a) && !self.trusted_audiences.contains(a))
            {
                return Err(ValidationError::UntrustedAudience(other.clone()).into());
            }
        }
        Ok(())
    }
}

fn static_name(name: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "iss",
        "sub",
        "aud",
        "exp",
        "nbf",
        "iat",
        "jti",
        "nonce",
        "azp",
        "auth_time",
    ];
    KNOWN
        .iter()
        .copied()
        .find(|k| *k == name)
        .unwrap_or("(custom claim)")
}

/// A JWT whose signature and claims were verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJwt {
    /// The JOSE header.
    pub header: JwsHeader,
    /// The claims.
    pub claims: Claims,
    /// The raw payload, for [`VerifiedJwt::deserialize`].
    pub payload: Vec<u8>,
}

impl VerifiedJwt {
    /// Deserializes the verified payload into an application type.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.payload).map_err(json::json_err)
    }
}

/// A nested JWT (RFC 7519 §5.2, §7.2 step 8) whose two signatures were verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedNestedJwt {
    /// The outer JWS's header (its `cty` is `JWT`).
    pub outer_header: JwsHeader,
    /// The inner JWT, verified and validated.
    pub inner: VerifiedJwt,
}

/// Verifies a nested JWT (RFC 7519 §5.2, §7.2 step 8): a compact JWS signed by one of
/// `outer_keys`, with header `cty` `JWT` (compared case-insensitively, RFC 7515 §4.1.10), whose
/// payload is a compact JWT signed by one of `inner_keys` and validated with `validation` at
/// `now` (its `typ` and claims; the outer layer carries no claims). One level: an inner token
/// that is itself nested has no claims to validate and is refused.
///
/// Use it when a party wraps another's token in its own signature (a gateway, a federation
/// authority). [`verify`] never unwraps: a nested JWT there fails as claims that are not JSON.
pub fn verify_nested(
    token: &str,
    outer_keys: &(impl KeySource + ?Sized),
    inner_keys: &(impl KeySource + ?Sized),
    validation: &Validation,
    now: UnixTime,
) -> Result<VerifiedNestedJwt> {
    let outer = jws::verify_compact(token, outer_keys, &validation.jws)?;
    if !cty_is_jwt(outer.header.cty.as_deref()) {
        return Err(Error::Header(
            "a nested JWT's outer header needs `cty` JWT (RFC 7519 §5.2)".into(),
        ));
    }
    let inner = core::str::from_utf8(&outer.payload)
        .map_err(|_| Error::Malformed("the nested JWT is not UTF-8"))?;
    Ok(VerifiedNestedJwt {
        outer_header: outer.header,
        inner: verify(inner, inner_keys, validation, now)?,
    })
}

/// Whether a `cty` says the payload is a JWT (RFC 7519 §5.2: `JWT`, compared
/// case-insensitively as media types are, RFC 7515 §4.1.10).
pub(crate) fn cty_is_jwt(cty: Option<&str>) -> bool {
    cty.is_some_and(|c| c.eq_ignore_ascii_case("JWT"))
}

/// A nested JWT whose JWE layer decrypted and whose inner JWT verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEncryptedJwt {
    /// The JWE's header (its `cty` is `JWT`).
    pub jwe_header: JweHeader,
    /// The inner JWT, verified and validated.
    pub inner: VerifiedJwt,
}

/// Decrypts and verifies a nested JWT (RFC 7519 §5.2, §7.2 steps 7–8; RFC 7516): a compact
/// JWE decrypted with one of `decryption_keys` under `jwe_options`, whose header has `cty`
/// `JWT`, holding a compact JWS signed by one of `verifying_keys`, whose `typ` and claims are
/// validated with `validation` at `now`. Decryption and verification keys are separate: the
/// JWE is for the recipient, the signature is the issuer's (RFC 7519 §11.2 sign then
/// encrypt).
///
/// ```
/// use authcore_jose::jwe::{DecryptionKey, EncryptionKey, JweBuilder, JweOptions};
/// use authcore_jose::{crypto, jwt, ContentEncryptionAlgorithm, JwsAlgorithm, JwsHeader};
/// use authcore_jose::{KeyManagementAlgorithm, SigningKey, UnixTime, VerifyingKey};
/// # let rng = authcore_jose::InsecureTestRandom::new(1);
/// let provider = crypto::default_provider();
/// let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[1u8; 32], provider)?;
/// let to_recipient = EncryptionKey::symmetric(KeyManagementAlgorithm::A256GcmKw, &[2u8; 32], provider)?;
/// let claims = serde_json::json!({"iss": "me", "exp": 2_000});
/// let token = jwt::sign_and_encrypt(
///     &JwsHeader::new(JwsAlgorithm::HS256),
///     &claims,
///     &signer,
///     &JweBuilder::new(ContentEncryptionAlgorithm::A256Gcm).recipient(&to_recipient),
///     &rng,
/// )?;
///
/// let decryption = DecryptionKey::symmetric(KeyManagementAlgorithm::A256GcmKw, &[2u8; 32], provider)?;
/// let verification = VerifyingKey::hmac(JwsAlgorithm::HS256, &[1u8; 32], provider)?;
/// let v = jwt::Validation::new().issuer("me");
/// let ok = jwt::decrypt_and_verify(
///     &token, &decryption, &JweOptions::default(), &verification, &v, UnixTime::from_secs(1_000),
/// )?;
/// assert_eq!(ok.inner.claims.registered.iss.as_deref(), Some("me"));
/// # Ok::<(), authcore_jose::Error>(())
/// ```
pub fn decrypt_and_verify(
    token: &str,
    decryption_keys: &(impl DecryptionKeySource + ?Sized),
    jwe_options: &JweOptions,
    verifying_keys: &(impl KeySource + ?Sized),
    validation: &Validation,
    now: UnixTime,
) -> Result<VerifiedEncryptedJwt> {
    let decrypted = jwe::decrypt_compact(token, decryption_keys, jwe_options)?;
    if !cty_is_jwt(decrypted.header.cty.as_deref()) {
        return Err(Error::Header(
            "a nested JWT's JWE header needs `cty` JWT (RFC 7519 §5.2)".into(),
        ));
    }
    let inner = core::str::from_utf8(&decrypted.plaintext)
        .map_err(|_| Error::Malformed("the nested JWT is not UTF-8"))?;
    Ok(VerifiedEncryptedJwt {
        jwe_header: decrypted.header,
        inner: verify(inner, verifying_keys, validation, now)?,
    })
}

/// Signs `claims` into a compact JWT with `signer`, then encrypts it as described by
/// `encryption` into a compact JWE with `cty` `JWT` (RFC 7519 §5.2, §11.2: sign, then
/// encrypt). The random content key and IVs come from `rng`.
pub fn sign_and_encrypt(
    header: &JwsHeader,
    claims: &impl Serialize,
    signer: &dyn JwsSigner,
    encryption: &JweBuilder<'_>,
    rng: &dyn SecureRandom,
) -> Result<String> {
    let jws = encode(header, claims, signer)?;
    encryption
        .clone()
        .cty("JWT")
        .encrypt_compact(jws.as_bytes(), rng)
}

/// Verifies a compact JWT: signature with `keys`, then `typ` and claims with `validation` at
/// `now`. Nested JWTs (`cty: JWT`) are not unwrapped here: see [`verify_nested`].
pub fn verify(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    validation: &Validation,
    now: UnixTime,
) -> Result<VerifiedJwt> {
    // Filled in place: the parts are large and would otherwise be moved several times.
    let mut out = VerifiedJwt {
        header: JwsHeader::new(crate::alg::JwsAlgorithm::HS256),
        claims: Claims::default(),
        payload: Vec::new(),
    };
    jws::verify_compact_into(
        token,
        keys,
        &validation.jws,
        &mut out.header,
        &mut out.payload,
    )?;
    validation.validate_header(&out.header)?;
    out.claims.read_json(&out.payload)?;
    validation.validate_claims(&out.claims, now)?;
    Ok(out)
}

/// Signs `claims` (any serializable value that serializes to a JSON object) into a compact JWT.
pub fn encode(
    header: &JwsHeader,
    claims: &impl Serialize,
    signer: &dyn JwsSigner,
) -> Result<String> {
    let payload = serde_json::to_vec(claims).map_err(json::json_err)?;
    if !payload.starts_with(b"{") {
        return Err(Error::Misuse("JWT claims must serialize to a JSON object"));
    }
    jws::sign_compact(header, &payload, signer)
}

/// Decodes a JWT's header and claims *without verifying the signature or the claims*. For
/// display and debugging only.
pub fn decode_unverified(token: &str) -> Result<(JwsHeader, Claims)> {
    let (header, payload) = jws::decode_unverified(token)?;
    Ok((header, Claims::from_json(&payload)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: &str) -> Result<Claims> {
        Claims::from_json(json.as_bytes())
    }

    #[test]
    fn numeric_dates() {
        let c = claims(r#"{"exp":1300819380,"nbf":1.5,"iat":0}"#).unwrap();
        assert_eq!(c.registered.exp, Some(NumericDate::from_secs(1300819380)));
        assert_eq!(c.registered.nbf.unwrap().subsec_nanos(), 500_000_000);
        for bad in [
            r#"{"exp":-1}"#,
            r#"{"exp":-0.5}"#,
            r#"{"exp":"1300819380"}"#,
            r#"{"exp":true}"#,
            r#"{"exp":null}"#,
            r#"{"nbf":[1]}"#,
            r#"{"iat":1e300}"#,
        ] {
            assert!(
                matches!(
                    claims(bad),
                    Err(Error::Validation(ValidationError::WrongType(_)))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn wrong_types_are_rejections() {
        for (bad, name) in [
            (r#"{"iss":5}"#, "iss"),
            (r#"{"sub":null}"#, "sub"),
            (r#"{"jti":{}}"#, "jti"),
            (r#"{"aud":5}"#, "aud"),
            (r#"{"aud":["a",5]}"#, "aud"),
        ] {
            assert_eq!(
                claims(bad),
                Err(ValidationError::WrongType(name).into()),
                "{bad}"
            );
        }
        assert!(claims(r#"{"iss":"a","iss":"b"}"#).is_err(), "duplicate");
        assert!(claims(r#"[]"#).is_err());
    }

    #[test]
    fn time_checks_with_leeway() {
        let c = claims(r#"{"exp":100,"nbf":50,"iat":40}"#).unwrap();
        let v = Validation::new();
        assert!(v.validate_claims(&c, UnixTime::from_secs(99)).is_ok());
        assert!(matches!(
            v.validate_claims(&c, UnixTime::from_secs(100)),
            Err(Error::Validation(ValidationError::Expired { exp: 100, .. }))
        ));
        assert!(
            v.clone()
                .leeway(5)
                .validate_claims(&c, UnixTime::from_secs(104))
                .is_ok()
        );
        assert!(
            v.clone()
                .leeway(5)
                .validate_claims(&c, UnixTime::from_secs(105))
                .is_err()
        );
        assert!(matches!(
            v.validate_claims(&c, UnixTime::from_secs(49)),
            Err(Error::Validation(ValidationError::NotYetValid { .. }))
        ));
        assert!(
            v.clone()
                .leeway(1)
                .validate_claims(&c, UnixTime::from_secs(49))
                .is_ok()
        );
        let future = claims(r#"{"exp":100,"iat":60}"#).unwrap();
        assert!(matches!(
            v.validate_claims(&future, UnixTime::from_secs(50)),
            Err(Error::Validation(ValidationError::IssuedInFuture { .. }))
        ));
        assert!(
            v.clone()
                .allow_future_iat()
                .validate_claims(&future, UnixTime::from_secs(50))
                .is_ok()
        );
        let frac = claims(r#"{"exp":100.5}"#).unwrap();
        assert!(v.validate_claims(&frac, UnixTime::from_secs(100)).is_ok());
        assert!(v.validate_claims(&frac, UnixTime::from_secs(101)).is_err());
    }

    #[test]
    fn required_and_max_age() {
        let c = claims(r#"{"iat":40}"#).unwrap();
        assert_eq!(
            Validation::new().validate_claims(&c, UnixTime::from_secs(41)),
            Err(ValidationError::MissingClaim("exp").into())
        );
        let v = Validation::new()
            .required_claims::<_, String>([])
            .max_age(10);
        assert!(v.validate_claims(&c, UnixTime::from_secs(50)).is_ok());
        assert!(matches!(
            v.validate_claims(&c, UnixTime::from_secs(51)),
            Err(Error::Validation(ValidationError::TooOld { .. }))
        ));
        let no_iat = claims(r#"{}"#).unwrap();
        assert!(v.validate_claims(&no_iat, UnixTime::from_secs(1)).is_err());
        let v = Validation::new().required_claims(["nonce"]);
        assert!(v.validate_claims(&no_iat, UnixTime::from_secs(1)).is_err());
        assert!(
            v.validate_claims(&claims(r#"{"nonce":"x"}"#).unwrap(), UnixTime::from_secs(1))
                .is_ok()
        );
    }

    #[test]
    fn required_claims_by_mask_and_by_name() {
        let now = UnixTime::from_secs(1);
        let c = claims(r#"{"iss":"i","exp":5,"nonce":"n"}"#).unwrap();
        let v = Validation::new().insecure_ignore_audience();
        assert!(v.clone().require("iss").validate_claims(&c, now).is_ok());
        assert!(v.clone().require("nonce").validate_claims(&c, now).is_ok());
        // The first missing name in order is reported, registered or not.
        assert_eq!(
            v.clone()
                .required_claims(["iss", "azp", "sub"])
                .validate_claims(&c, now),
            Err(ValidationError::MissingClaim("azp").into())
        );
        assert_eq!(
            v.clone()
                .required_claims(["jti", "azp"])
                .validate_claims(&c, now),
            Err(ValidationError::MissingClaim("jti").into())
        );
        // Names that pack like registered ones are still compared exactly.
        for odd in ["exp\0", "ex", "expp", "EXP"] {
            assert_eq!(
                v.clone().required_claims([odd]).validate_claims(&c, now),
                Err(ValidationError::MissingClaim("(custom claim)").into()),
                "{odd:?}"
            );
        }
    }

    #[test]
    fn issuer_audience_subject() {
        let now = UnixTime::from_secs(1);
        let base = Validation::new().required_claims::<_, String>([]);
        let c = claims(r#"{"iss":"https://a","aud":["x","y"],"sub":"alice"}"#).unwrap();
        assert_eq!(
            base.validate_claims(&c, now),
            Err(ValidationError::Audience.into()),
            "aud present, none expected"
        );
        assert!(
            base.clone()
                .insecure_ignore_audience()
                .validate_claims(&c, now)
                .is_ok()
        );
        let v = base
            .clone()
            .audience("y")
            .issuer("https://a")
            .subject("alice");
        assert!(v.validate_claims(&c, now).is_ok());
        assert_eq!(
            base.clone().audience("z").validate_claims(&c, now),
            Err(ValidationError::Audience.into())
        );
        assert!(
            base.clone()
                .audience("z")
                .audience("x")
                .validate_claims(&c, now)
                .is_ok()
        );
        assert_eq!(
            base.clone()
                .audience("y")
                .issuer("https://A")
                .validate_claims(&c, now),
            Err(ValidationError::Issuer.into())
        );
        assert_eq!(
            base.clone()
                .audience("y")
                .subject("bob")
                .validate_claims(&c, now),
            Err(ValidationError::Subject.into())
        );
        let bare = claims(r#"{}"#).unwrap();
        assert_eq!(
            base.clone().audience("y").validate_claims(&bare, now),
            Err(ValidationError::MissingClaim("aud").into())
        );
        assert_eq!(
            base.clone().issuer("i").validate_claims(&bare, now),
            Err(ValidationError::MissingClaim("iss").into())
        );
        assert_eq!(
            base.clone().subject("s").validate_claims(&bare, now),
            Err(ValidationError::MissingClaim("sub").into())
        );
        let single = claims(r#"{"aud":"x"}"#).unwrap();
        assert!(base.audience("x").validate_claims(&single, now).is_ok());
    }

    #[test]
    fn untrusted_audiences_rejected_on_request() {
        let now = UnixTime::from_secs(1);
        let base = Validation::new()
            .required_claims::<_, String>([])
            .audience("client");
        let both = claims(r#"{"aud":["client","api"]}"#).unwrap();
        // Off by default: one expected audience is enough.
        assert!(base.validate_claims(&both, now).is_ok());
        let strict = base.clone().reject_untrusted_audiences();
        assert_eq!(
            strict.validate_claims(&both, now),
            Err(ValidationError::UntrustedAudience("api".into()).into())
        );
        let trusting = strict.clone().trust_audience("api");
        assert!(trusting.validate_claims(&both, now).is_ok());
        // A trusted audience alone does not satisfy the check.
        let only_api = claims(r#"{"aud":"api"}"#).unwrap();
        assert_eq!(
            trusting.validate_claims(&only_api, now),
            Err(ValidationError::Audience.into())
        );
        assert!(
            strict
                .validate_claims(&claims(r#"{"aud":"client"}"#).unwrap(), now)
                .is_ok()
        );
        assert_eq!(
            strict.validate_audience(None),
            Err(ValidationError::MissingClaim("aud").into())
        );
    }

    #[test]
    fn numeric_dates_from_values() {
        let d = |v: Value| NumericDate::from_value(&v);
        assert_eq!(d(Value::from(7u64)), Some(NumericDate::from_secs(7)));
        assert_eq!(
            d(serde_json::json!(1000.5)).map(|d| d.subsec_nanos()),
            Some(500_000_000)
        );
        for bad in [
            serde_json::json!(-1),
            serde_json::json!(-0.5),
            serde_json::json!("7"),
            serde_json::json!(null),
            serde_json::json!(true),
            serde_json::json!([7]),
            serde_json::json!(1e300),
        ] {
            assert_eq!(d(bad.clone()), None, "{bad}");
        }
    }

    /// RFC 7519 §2: `exp` 1000.5 has not passed at `now` 1000, through the whole verify path.
    #[test]
    fn fractional_exp_through_verify() {
        let provider = crate::crypto::default_provider();
        let signer =
            crate::SigningKey::hmac(crate::JwsAlgorithm::HS256, &[4u8; 32], provider).unwrap();
        let key =
            crate::VerifyingKey::hmac(crate::JwsAlgorithm::HS256, &[4u8; 32], provider).unwrap();
        let header = JwsHeader::new(crate::JwsAlgorithm::HS256);
        let token = encode(&header, &serde_json::json!({"exp": 1000.5}), &signer).unwrap();
        let v = Validation::new();
        assert!(verify(&token, &key, &v, UnixTime::from_secs(1000)).is_ok());
        assert_eq!(
            verify(&token, &key, &v, UnixTime::from_secs(1001)).map(|_| ()),
            Err(ValidationError::Expired {
                now: UnixTime::from_secs(1001),
                exp: 1000
            }
            .into())
        );
    }

    /// Claims texts covering the fast path and every way of leaving it.
    const CLAIMS_SAMPLES: &[&str] = &[
        r#"{}"#,
        r#" { } "#,
        r#"{"iss":"https://i","sub":"s","aud":"a","exp":4102444800,"iat":1,"nbf":0,"jti":"j"}"#,
        "{\t\"aud\" :\r\n[ \"a\" , \"b\" ] ,\"exp\":1}\n",
        r#"{"aud":[]}"#,
        r#"{"x":"y","n":7,"t":true,"f":false,"z":null}"#,
        r#"{"name":"José"}"#,
        r#"{"name":"José"}"#,
        r#"{"exp":1}"#,
        r#"{"exp":1,"exp":2}"#,
        r#"{"exp":1,"exp":2}"#,
        r#"{"x":1,"x":2}"#,
        r#"{"exp":1,"exp":2}"#,
        r#"{"x":1,"x":1}"#,
        r#"{"aud":"a","aud":["a"]}"#,
        r#"{"exp":1.5}"#,
        r#"{"exp":1e3}"#,
        r#"{"exp":-1}"#,
        r#"{"exp":01}"#,
        r#"{"exp":18446744073709551615}"#,
        r#"{"exp":18446744073709551616}"#,
        r#"{"exp":"1"}"#,
        r#"{"iss":5}"#,
        r#"{"aud":["a",5]}"#,
        r#"{"aud":{"a":1}}"#,
        r#"{"x":{"a":1,"a":2}}"#,
        r#"{"x":[1,{"b":[]}]}"#,
        r#"{"x":-3}"#,
        r#"{"x":1,}"#,
        r#"{,"x":1}"#,
        r#"{"x":1 "y":2}"#,
        r#"{"x" 1}"#,
        r#"{"x":tru}"#,
        r#"{"x":truex}"#,
        r#"{"x":nul}"#,
        r#"{"x":1}x"#,
        r#"{"x":1}{}"#,
        r#"{"x":"a"#,
        r#"{"x":1"#,
        "{\"x\":\"a\u{1}b\"}",
        "{\"x\":\"tab\there\"}",
        r#"[1]"#,
        r#""s""#,
        "",
        "\u{feff}{}",
    ];

    /// The fast path accepts only what the strict parser accepts, with the same result.
    fn assert_fast_agrees(text: &[u8]) {
        let strict = Claims::from_json_strict(text);
        if let Some(fast) = Claims::from_plain_json(text) {
            assert_eq!(Ok(fast), strict, "{}", String::from_utf8_lossy(text));
        }
        assert_eq!(Claims::from_json(text), strict);
    }

    #[test]
    fn fast_path_agrees_with_strict_parser() {
        for s in CLAIMS_SAMPLES {
            assert_fast_agrees(s.as_bytes());
        }
        // The plain ones do take the fast path.
        assert!(Claims::from_plain_json(CLAIMS_SAMPLES[2].as_bytes()).is_some());
        assert!(Claims::from_plain_json(CLAIMS_SAMPLES[3].as_bytes()).is_some());
        assert!(Claims::from_plain_json(br#"{"x":"y","n":7,"t":true,"z":null}"#).is_some());
        // Escaped names never do, so escaped duplicates reach the strict check.
        assert!(Claims::from_plain_json(br#"{"exp":1,"exp":2}"#).is_none());
        assert!(claims(r#"{"exp":1,"exp":2}"#).is_err());
        assert!(claims(r#"{"exp":1,"exp":2}"#).is_err());
        assert!(claims(r#"{"x":1,"x":2}"#).is_err());
        assert!(claims(r#"{"exp":1,"exp":2}"#).is_err());
        assert_eq!(
            claims(r#"{"exp":7}"#).unwrap().registered.exp,
            Some(NumericDate::from_secs(7))
        );
        // More members than the fast path takes: the strict parser still decides.
        let many: String = (0..40).map(|i| format!("\"k{i}\":{i},")).collect();
        assert_fast_agrees(format!("{{{many}\"z\":1}}").as_bytes());
        assert!(claims(&format!("{{{many}\"k3\":1}}")).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Objects built from plain and non-plain pieces, also with one byte cut or inserted.
        #[test]
        fn fast_path_agrees_on_generated_claims(
            members in proptest::collection::vec((0usize..12, 0usize..22, 0usize..4), 0..7),
            edit in 0usize..400,
            byte in proptest::prelude::any::<u8>(),
        ) {
            const NAMES: [&str; 12] = [
                "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "x", "e\\u0078p", "nonce",
                "a\\\"b", "é",
            ];
            const VALUES: [&str; 22] = [
                "\"s\"", "\"é\"", "\"\\n\"", "1", "0", "01", "-1", "1.5", "1e3", "true",
                "false", "null", "[]", "[\"a\"]", "[\"a\",1]", "{}", "{\"a\":1}",
                "18446744073709551616", "4102444800", "[\"a\",\"b\"]", "\"\"", "[ ]",
            ];
            const WS: [&str; 4] = ["", " ", "\n\t", "\r "];
            let mut text = String::from("{");
            for (i, (n, v, w)) in members.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(WS[*w]);
                text.push('"');
                text.push_str(NAMES[*n]);
                text.push_str("\":");
                text.push_str(WS[(*w + 1) % 4]);
                text.push_str(VALUES[*v]);
            }
            text.push('}');
            crate::json::for_text_and_one_byte_edits(text, edit, byte, assert_fast_agrees);
        }
    }

    #[test]
    fn claims_round_trip_to_map() {
        let src = r#"{"aud":["a"],"exp":1,"iat":2.25,"iss":"i","jti":"j","nbf":3,"sub":"s","x":{"y":[1]}}"#;
        let c = claims(src).unwrap();
        assert_eq!(Value::Object(c.to_map()).to_string(), src);
    }
}
