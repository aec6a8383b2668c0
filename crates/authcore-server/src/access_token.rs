//! JWT access tokens (RFC 9068): minting at the authorization server, validation at the
//! resource server (RFC 9068 §4).
//!
//! A JWT access token carries `typ` `at+jwt` (RFC 9068 §2.1, so it cannot be confused with an
//! ID token or any other JWT the same keys sign) and the claims of RFC 9068 §2.2: `iss`,
//! `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`, plus `scope`, `auth_time` and `acr` when
//! known, and `cnf` for sender-constrained tokens (RFC 9449 §6.1, RFC 8705 §3.1). Whether a
//! resource server gets JWT or opaque tokens is the server's choice per resource server
//! ([`AccessTokenFormat`](crate::config::AccessTokenFormat)).

use core::fmt;

use authcore_jose::jwt::{self, Audience, Claims};
use authcore_jose::{JwsAlgorithm, KeySource, UnixTime};
use serde_json::{Map, Value};

use crate::error::ServerError;
use crate::model::{Actor, Confirmation};
use crate::signing_keys::{KeySetError, SigningKeySet};
use crate::tokens::{AccessTokenContent, JwtAccessTokenIssuer};

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
    Ok(Confirmation {
        jkt: read("jkt")?,
        x5t_s256: read("x5t#S256")?,
    })
}

/// The JSON claims set of a JWT access token (RFC 9068 §2.2): absent members omitted, a
/// single audience as a string, `scope` space-delimited.
pub fn access_token_claims(c: &AccessTokenContent) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("iss".into(), c.issuer.clone().into());
    m.insert("sub".into(), c.subject.clone().into());
    m.insert(
        "aud".into(),
        match c.audience.as_slice() {
            [one] => one.clone().into(),
            many => many.to_vec().into(),
        },
    );
    m.insert("client_id".into(), c.client_id.clone().into());
    m.insert("iat".into(), c.issued_at.as_secs().into());
    m.insert("exp".into(), c.expires_at.as_secs().into());
    m.insert("jti".into(), c.jti.clone().into());
    if !c.scopes.is_empty() {
        m.insert("scope".into(), c.scopes.join(" ").into());
    }
    if let Some(t) = c.auth_time {
        m.insert("auth_time".into(), t.as_secs().into());
    }
    if let Some(a) = &c.acr {
        m.insert("acr".into(), a.clone().into());
    }
    if let Some(cnf) = c.cnf.as_ref().filter(|c| !c.is_empty()) {
        m.insert("cnf".into(), Value::Object(cnf.to_json()));
    }
    if let Some(act) = &c.act {
        m.insert("act".into(), act.to_json());
    }
    m
}

/// Reads the content of a token whose signature and registered claims were already checked;
/// every RFC 9068 §2.2 claim is required, and claims beyond those of
/// [`AccessTokenContent`] are ignored.
fn content_from_claims(c: Claims) -> Result<AccessTokenContent, AccessTokenError> {
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
    let scopes = text(&mut extra, "scope")?
        .map(|s| authcore_oauth2::wire::split_scope(&s))
        .unwrap_or_default();
    let acr = text(&mut extra, "acr")?;
    let auth_time = match extra.remove("auth_time") {
        None => None,
        Some(v) => Some(UnixTime::from_secs(
            jwt::NumericDate::from_value(&v)
                .ok_or(AccessTokenError::Claim("auth_time is not a NumericDate"))?
                .secs(),
        )),
    };
    let cnf = match extra.remove("cnf") {
        None => None,
        Some(v) => Some(read_confirmation(&v)?),
    };
    let act = match extra.remove("act") {
        None => None,
        Some(v) => Some(Actor::from_json(&v).ok_or(AccessTokenError::Claim(
            "act is not a delegation chain (RFC 8693 §4.1)",
        ))?),
    };
    Ok(AccessTokenContent {
        issuer: r.iss.ok_or(missing.clone())?,
        subject: r.sub.ok_or(missing.clone())?,
        client_id,
        audience: r
            .aud
            .map(|a| match a {
                Audience::Single(s) => vec![s],
                Audience::Many(m) => m,
            })
            .ok_or(missing.clone())?,
        scopes,
        issued_at: UnixTime::from_secs(r.iat.ok_or(missing.clone())?.secs()),
        expires_at: UnixTime::from_secs(r.exp.ok_or(missing.clone())?.secs()),
        jti: r.jti.ok_or(missing)?,
        auth_time,
        acr,
        cnf,
        act,
    })
}

/// Signs `content` as a JWT access token with the key set's current signer (RFC 9068 §2.1:
/// `typ` `at+jwt`, an asymmetric algorithm, the `kid` of the key).
pub fn mint_jwt_access_token(
    content: &AccessTokenContent,
    keys: &SigningKeySet,
) -> Result<String, KeySetError> {
    keys.sign_jwt(AT_JWT_TYP, &access_token_claims(content))
}

/// The token endpoint signs JWT access tokens with the set's current signer, or with its
/// active key of the algorithm the resource server names.
impl JwtAccessTokenIssuer for SigningKeySet {
    fn issue(
        &self,
        alg: Option<JwsAlgorithm>,
        content: &AccessTokenContent,
    ) -> Result<String, ServerError> {
        match alg {
            None => mint_jwt_access_token(content, self),
            Some(alg) => self.sign_jwt_with(alg, Some(AT_JWT_TYP), &access_token_claims(content)),
        }
        .map_err(|_| ServerError::Crypto)
    }
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
    ) -> Result<AccessTokenContent, AccessTokenError> {
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
        content_from_claims(verified.claims)
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

    fn claims() -> AccessTokenContent {
        let cnf = Confirmation {
            jkt: Some("thumb".into()),
            x5t_s256: None,
        };
        AccessTokenContent {
            issuer: ISS.into(),
            subject: "alice".into(),
            client_id: "client-1".into(),
            audience: vec![RS.into()],
            scopes: vec!["read".into(), "write".into()],
            issued_at: UnixTime::from_secs(1000),
            expires_at: UnixTime::from_secs(1300),
            jti: "jti-1".into(),
            auth_time: Some(UnixTime::from_secs(990)),
            acr: Some("urn:mace:incommon:iap:silver".into()),
            cnf: Some(cnf),
            act: Some(Actor::new("svc", Some(Actor::new("gateway", None)))),
        }
    }

    fn validate(
        token: &str,
        keys: &SigningKeySet,
        now: u64,
    ) -> Result<AccessTokenContent, AccessTokenError> {
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
    fn the_issuer_signs_with_the_algorithm_asked_for_and_no_other() {
        let rng = InsecureTestRandom::new(12);
        let p = crypto::default_provider();
        let mut keys = keys();
        let mut ed = Jwk::generate(JwsAlgorithm::EdDSA, p, &rng).unwrap();
        ed.kid = Some("k2".into());
        keys.add_key(&ed, None, p).unwrap();
        let c = claims();
        let alg_of = |t: &str| authcore_jose::jws::decode_header_unverified(t).unwrap().alg;
        // No algorithm named: the current signer (the first key, ES256).
        let t = keys.issue(None, &c).unwrap();
        assert_eq!(alg_of(&t), JwsAlgorithm::ES256);
        // EdDSA named: the active EdDSA key, still typed at+jwt (RFC 9068 §2.1).
        let t = keys.issue(Some(JwsAlgorithm::EdDSA), &c).unwrap();
        assert_eq!(alg_of(&t), JwsAlgorithm::EdDSA);
        let h = authcore_jose::jws::decode_header_unverified(&t).unwrap();
        assert_eq!(h.typ.as_deref(), Some("at+jwt"));
        assert_eq!(validate(&t, &keys, 1100).unwrap(), c);
        // An algorithm without an active key: refused, never signed with another one.
        assert_eq!(
            keys.issue(Some(JwsAlgorithm::RS256), &c),
            Err(ServerError::Crypto)
        );
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
        let id_token = keys
            .sign_jwt("JWT", &access_token_claims(&claims()))
            .unwrap();
        assert!(validate(&id_token, &keys, 1100).is_err());
        // A required claim missing.
        let mut m = access_token_claims(&claims());
        m.remove("client_id");
        let t2 = keys.sign_jwt(AT_JWT_TYP, &m).unwrap();
        assert!(validate(&t2, &keys, 1100).is_err());
        // A claim of the wrong type.
        let mut m = access_token_claims(&claims());
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
            &access_token_claims(&claims()),
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
            authcore_jose::b64::encode(
                serde_json::to_vec(&access_token_claims(&claims())).unwrap()
            )
        );
        assert!(validate(&none, &keys(), 1100).is_err());
    }
}
