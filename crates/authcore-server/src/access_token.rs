//! JWT access tokens (RFC 9068): minting at the authorization server, validation at the
//! resource server (RFC 9068 §4).
//!
//! A JWT access token carries `typ` `at+jwt` (RFC 9068 §2.1, so it cannot be confused with an
//! ID token or any other JWT the same keys sign) and the claims of RFC 9068 §2.2: `iss`,
//! `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`, plus `scope`, `auth_time` and `acr` when
//! known, and `cnf` for sender-constrained tokens (RFC 9449 §6.1, RFC 8705 §3.1). Whether a
//! resource server gets JWT or opaque tokens is the server's choice per resource server
//! ([`AccessTokenFormat`]).

use core::fmt;

use authcore_jose::jwt::{self, Audience, Claims};
use authcore_jose::{JwsAlgorithm, KeySource, UnixTime};
use serde_json::{Map, Value};

use crate::model::Confirmation;
use crate::signing_keys::{KeySetError, SigningKeySet};

/// The `typ` header of JWT access tokens (RFC 9068 §2.1); `application/at+jwt` is accepted as
/// the same type (RFC 7515 §4.1.9).
pub const AT_JWT_TYP: &str = "at+jwt";

/// The asymmetric signature algorithms a resource server accepts by default.
pub const DEFAULT_ACCESS_TOKEN_ALGS: &[JwsAlgorithm] = &[
    JwsAlgorithm::ES256,
    JwsAlgorithm::ES384,
    JwsAlgorithm::EdDSA,
    JwsAlgorithm::PS256,
    JwsAlgorithm::RS256,
];

/// Reads a `cnf` object (RFC 7800 §3.1): `jkt` and `x5t#S256`; other confirmation methods are
/// ignored, a wrong type is an error.
pub(crate) fn read_confirmation(v: &Value) -> Result<Confirmation, AccessTokenError> {
    let Value::Object(m) = v else {
        return Err(AccessTokenError::Claim("cnf is not an object"));
    };
    let read = |name| match m.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AccessTokenError::Claim("a cnf member is not a string")),
    };
    let mut c = Confirmation::default();
    c.jkt = read("jkt")?;
    c.x5t_s256 = read("x5t#S256")?;
    Ok(c)
}

/// The claims of a JWT access token (RFC 9068 §2.2).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AccessTokenClaims {
    /// `iss`: the authorization server's issuer identifier.
    pub iss: String,
    /// `sub`: the resource owner, or the client itself for client credentials (RFC 9068
    /// §2.2).
    pub sub: String,
    /// `aud`: the resource servers the token is for (RFC 8707 resource indicators).
    pub aud: Vec<String>,
    /// `client_id`.
    pub client_id: String,
    /// `iat`.
    pub iat: u64,
    /// `exp`.
    pub exp: u64,
    /// `jti`.
    pub jti: String,
    /// `scope`, split (RFC 9068 §2.2.3); empty for none.
    pub scope: Vec<String>,
    /// `auth_time`, when the user authenticated (RFC 9068 §2.2.1).
    pub auth_time: Option<u64>,
    /// `acr` (RFC 9068 §2.2.1).
    pub acr: Option<String>,
    /// `cnf` of sender-constrained tokens.
    pub cnf: Option<Confirmation>,
    /// Other claims (`amr`, identity claims, extensions).
    pub extra: Map<String, Value>,
}

impl AccessTokenClaims {
    /// The claims of a token issued at `iat` for `lifetime` seconds, with no scope,
    /// `auth_time`, `acr` or `cnf`.
    pub fn new(
        iss: impl Into<String>,
        sub: impl Into<String>,
        aud: Vec<String>,
        client_id: impl Into<String>,
        jti: impl Into<String>,
        iat: UnixTime,
        lifetime: u64,
    ) -> Self {
        AccessTokenClaims {
            iss: iss.into(),
            sub: sub.into(),
            aud,
            client_id: client_id.into(),
            iat: iat.as_secs(),
            exp: iat.saturating_add(lifetime).as_secs(),
            jti: jti.into(),
            scope: Vec::new(),
            auth_time: None,
            acr: None,
            cnf: None,
            extra: Map::new(),
        }
    }

    /// The JSON claims set: absent members omitted, a single audience as a string.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = self.extra.clone();
        m.insert("iss".into(), self.iss.clone().into());
        m.insert("sub".into(), self.sub.clone().into());
        m.insert(
            "aud".into(),
            match self.aud.as_slice() {
                [one] => one.clone().into(),
                many => many.to_vec().into(),
            },
        );
        m.insert("client_id".into(), self.client_id.clone().into());
        m.insert("iat".into(), self.iat.into());
        m.insert("exp".into(), self.exp.into());
        m.insert("jti".into(), self.jti.clone().into());
        if !self.scope.is_empty() {
            m.insert("scope".into(), self.scope.join(" ").into());
        }
        if let Some(t) = self.auth_time {
            m.insert("auth_time".into(), t.into());
        }
        if let Some(a) = &self.acr {
            m.insert("acr".into(), a.clone().into());
        }
        if let Some(c) = self.cnf.as_ref().filter(|c| !c.is_empty()) {
            m.insert("cnf".into(), Value::Object(c.to_json()));
        }
        m
    }

    /// Reads the claims of a token whose signature and registered claims were already
    /// checked; every RFC 9068 §2.2 claim is required.
    fn from_claims(c: Claims) -> Result<Self, AccessTokenError> {
        let Claims {
            registered: r,
            mut extra,
        } = c;
        let missing = AccessTokenError::Claim("a required claim is missing (RFC 9068 §2.2)");
        let text = |extra: &mut Map<String, Value>, name| match extra.remove(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(AccessTokenError::Claim("a claim has the wrong type")),
        };
        let client_id = text(&mut extra, "client_id")?.ok_or(missing.clone())?;
        let scope = text(&mut extra, "scope")?
            .map(|s| authcore_oauth2::wire::split_scope(&s))
            .unwrap_or_default();
        let acr = text(&mut extra, "acr")?;
        let auth_time = match extra.remove("auth_time") {
            None => None,
            Some(v) => Some(
                jwt::NumericDate::from_value(&v)
                    .ok_or(AccessTokenError::Claim("auth_time is not a NumericDate"))?
                    .secs(),
            ),
        };
        let cnf = match extra.remove("cnf") {
            None => None,
            Some(v) => Some(read_confirmation(&v)?),
        };
        Ok(AccessTokenClaims {
            iss: r.iss.ok_or(missing.clone())?,
            sub: r.sub.ok_or(missing.clone())?,
            aud: r
                .aud
                .map(|a| match a {
                    Audience::Single(s) => vec![s],
                    Audience::Many(m) => m,
                })
                .ok_or(missing.clone())?,
            client_id,
            iat: r.iat.ok_or(missing.clone())?.secs(),
            exp: r.exp.ok_or(missing.clone())?.secs(),
            jti: r.jti.ok_or(missing)?,
            scope,
            auth_time,
            acr,
            cnf,
            extra,
        })
    }
}

/// Signs `claims` as a JWT access token with the key set's current signer (RFC 9068 §2.1:
/// `typ` `at+jwt`, an asymmetric algorithm, the `kid` of the key).
pub fn mint_jwt_access_token(
    claims: &AccessTokenClaims,
    keys: &SigningKeySet,
) -> Result<String, KeySetError> {
    keys.sign_jwt(AT_JWT_TYP, &claims.to_json())
}

/// Why a JWT access token was refused. The resource server answers every one of them with
/// `invalid_token` (RFC 6750 §3.1); the variants are for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessTokenError {
    /// The signature, `typ`, `iss`, `aud` or a time check failed (RFC 9068 §4).
    Jwt(String),
    /// A claim of RFC 9068 §2.2 is missing or of the wrong type.
    Claim(&'static str),
}

impl fmt::Display for AccessTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessTokenError::Jwt(e) => write!(f, "invalid JWT access token: {e}"),
            AccessTokenError::Claim(e) => write!(f, "invalid JWT access token: {e}"),
        }
    }
}

impl std::error::Error for AccessTokenError {}

/// What a resource server accepts as a JWT access token (RFC 9068 §4).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JwtAccessTokenValidation {
    /// The authorization server's issuer identifier (`iss`, compared exactly).
    pub issuer: String,
    /// This resource server's identifier, which `aud` must contain (RFC 9068 §4 step 4).
    pub audience: String,
    /// The accepted signature algorithms; a token signed with any other is refused even by a
    /// key that could verify it.
    pub algs: Vec<JwsAlgorithm>,
    /// Seconds of clock skew tolerated for `exp` and `iat`.
    pub leeway: u64,
}

impl JwtAccessTokenValidation {
    /// Tokens of `issuer` for the resource server `audience`, with the asymmetric algorithms
    /// of [`DEFAULT_ACCESS_TOKEN_ALGS`] and no leeway.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        JwtAccessTokenValidation {
            issuer: issuer.into(),
            audience: audience.into(),
            algs: DEFAULT_ACCESS_TOKEN_ALGS.to_vec(),
            leeway: 0,
        }
    }

    /// Validates `token` with the authorization server's `keys` at `now` (RFC 9068 §4): the
    /// `typ`, the algorithm (from the allow-list and never `none`), the signature, `iss`,
    /// `aud` containing this resource server, `exp`, `iat` not in the future, and every
    /// required claim of §2.2.
    pub fn validate(
        &self,
        token: &str,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<AccessTokenClaims, AccessTokenError> {
        // RFC 9068 §4 step 5 / RFC 8725 §3.1: the algorithm must be one this resource server
        // accepts; each key is bound to one algorithm, which the header must name.
        let header = authcore_jose::jws::decode_header_unverified(token)
            .map_err(|e| AccessTokenError::Jwt(e.to_string()))?;
        if !self.algs.contains(&header.alg) {
            return Err(AccessTokenError::Jwt(format!(
                "the algorithm {} is not accepted",
                header.alg
            )));
        }
        let validation = jwt::Validation::new()
            .required_claims(["iss", "exp", "aud", "sub", "iat", "jti", "client_id"])
            .issuer(self.issuer.clone())
            .audience(self.audience.clone())
            .typ(AT_JWT_TYP)
            .leeway(self.leeway);
        let verified = jwt::verify(token, keys, &validation, now)
            .map_err(|e| AccessTokenError::Jwt(e.to_string()))?;
        AccessTokenClaims::from_claims(verified.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::{InsecureTestRandom, Jwk, JwsHeader, SigningKey, crypto};

    const ISS: &str = "https://as.example";
    const RS: &str = "https://rs.example";

    fn keys() -> SigningKeySet {
        let rng = InsecureTestRandom::new(11);
        let p = crypto::default_provider();
        let mut k = Jwk::generate(JwsAlgorithm::ES256, p, &rng).unwrap();
        k.kid = Some("k1".into());
        let mut s = SigningKeySet::new(600);
        s.add_key(&k, None, p).unwrap();
        s
    }

    fn claims() -> AccessTokenClaims {
        let mut c = AccessTokenClaims::new(
            ISS,
            "alice",
            vec![RS.into()],
            "client-1",
            "jti-1",
            UnixTime::from_secs(1000),
            300,
        );
        c.scope = vec!["read".into(), "write".into()];
        c.auth_time = Some(990);
        c.acr = Some("urn:mace:incommon:iap:silver".into());
        let mut cnf = Confirmation::default();
        cnf.jkt = Some("thumb".into());
        c.cnf = Some(cnf);
        c
    }

    fn validate(
        token: &str,
        keys: &SigningKeySet,
        now: u64,
    ) -> Result<AccessTokenClaims, AccessTokenError> {
        let now = UnixTime::from_secs(now);
        JwtAccessTokenValidation::new(ISS, RS).validate(token, keys.verifying_keys_at(now), now)
    }

    #[test]
    fn round_trip() {
        let keys = keys();
        let c = claims();
        let t = mint_jwt_access_token(&c, &keys).unwrap();
        let h = authcore_jose::jws::decode_header_unverified(&t).unwrap();
        assert_eq!(h.typ.as_deref(), Some("at+jwt"));
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(validate(&t, &keys, 1100).unwrap(), c);
    }

    #[test]
    fn refusals() {
        let keys = keys();
        let t = mint_jwt_access_token(&claims(), &keys).unwrap();
        // Expired, not yet issued.
        assert!(matches!(
            validate(&t, &keys, 1300),
            Err(AccessTokenError::Jwt(_))
        ));
        assert!(matches!(
            validate(&t, &keys, 900),
            Err(AccessTokenError::Jwt(_))
        ));
        let v = |iss: &str, aud: &str| {
            JwtAccessTokenValidation::new(iss, aud).validate(
                &t,
                keys.verifying_keys_at(UnixTime::from_secs(1100)),
                UnixTime::from_secs(1100),
            )
        };
        assert!(v("https://other.example", RS).is_err());
        assert!(v(ISS, "https://other-rs.example").is_err());
        // Another `typ` (an ID token signed by the same keys) is refused.
        let id_token = keys.sign_jwt("JWT", &claims().to_json()).unwrap();
        assert!(validate(&id_token, &keys, 1100).is_err());
        // A required claim missing.
        let mut m = claims().to_json();
        m.remove("client_id");
        let t2 = keys.sign_jwt(AT_JWT_TYP, &m).unwrap();
        assert!(validate(&t2, &keys, 1100).is_err());
        // A claim of the wrong type.
        let mut m = claims().to_json();
        m.insert("cnf".into(), "thumb".into());
        let t3 = keys.sign_jwt(AT_JWT_TYP, &m).unwrap();
        assert_eq!(
            validate(&t3, &keys, 1100),
            Err(AccessTokenError::Claim("cnf is not an object"))
        );
        // Tampered signature.
        let mut bad = t.clone();
        bad.pop();
        bad.push(if t.ends_with('A') { 'B' } else { 'A' });
        assert!(validate(&bad, &keys, 1100).is_err());
    }

    #[test]
    fn algorithm_outside_the_allow_list_is_refused() {
        // An HMAC token whose secret the resource server also holds: the allow-list keeps
        // symmetric algorithms out even when a key would verify.
        let p = crypto::default_provider();
        let secret = [9u8; 32];
        let signer = SigningKey::hmac(JwsAlgorithm::HS256, &secret, p).unwrap();
        let t = jwt::encode(
            &JwsHeader::new(JwsAlgorithm::HS256).with_typ(AT_JWT_TYP),
            &claims().to_json(),
            &signer,
        )
        .unwrap();
        let key = authcore_jose::VerifyingKey::hmac(JwsAlgorithm::HS256, &secret, p).unwrap();
        let now = UnixTime::from_secs(1100);
        assert!(
            JwtAccessTokenValidation::new(ISS, RS)
                .validate(&t, &key, now)
                .is_err()
        );
        // `alg: none` is not even a JWS algorithm.
        let none = format!(
            "{}.{}.",
            authcore_jose::b64::encode(br#"{"alg":"none","typ":"at+jwt"}"#),
            authcore_jose::b64::encode(serde_json::to_vec(&claims().to_json()).unwrap())
        );
        assert!(validate(&none, &keys(), 1100).is_err());
    }
}
