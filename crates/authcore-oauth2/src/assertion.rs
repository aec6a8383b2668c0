//! JWT authorization grant assertions (RFC 7523 §2.1, §3): the JWT a client presents with
//! [`TokenRequest::jwt_bearer`](crate::TokenRequest::jwt_bearer) to obtain an access token on
//! behalf of a subject (a service account, a delegated user).
//!
//! Client *authentication* assertions (RFC 7523 §2.2) are made by [`Client`](crate::Client)
//! itself; this builder is for the grant, where the issuer, the subject and the audience are
//! the caller's to choose.

use authcore_jose::jwt;
use authcore_jose::{JwsHeader, JwsSigner, SecureRandom, UnixTime};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::secret::random_jti;

/// Claims of RFC 7519 §4.1 that [`JwtBearerAssertion::claim`] cannot set: the builder owns
/// them.
const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// Default lifetime of an assertion, in seconds (RFC 7523 §3 item 4 asks for an expiry; a
/// short one limits replay).
pub const DEFAULT_ASSERTION_LIFETIME: u64 = 300;

/// Builds the signed JWT of an RFC 7523 §2.1 authorization grant.
///
/// Every claim RFC 7523 §3 requires is set: `iss` (who made the assertion), `sub` (whom the
/// access token is for), `aud` (the authorization server: its token endpoint URL or its issuer
/// identifier), `exp`; and the recommended ones: `iat`, a random `jti` (128 bits, so the server
/// can reject replays), and `nbf` on request. Extra claims are added with
/// [`JwtBearerAssertion::claim`]. The time and the randomness are the caller's, as everywhere
/// in this crate.
///
/// ```
/// use authcore_oauth2::jose::crypto::default_provider;
/// use authcore_oauth2::jose::{InsecureTestRandom, Jwk, JwsAlgorithm, SigningKey, UnixTime};
/// use authcore_oauth2::{
///     AuthorizationServer, Client, ClientAuthentication, JwtBearerAssertion, TokenRequest,
/// };
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let rng = InsecureTestRandom::new(7); // a real caller passes the OS generator
/// let jwk = Jwk::generate(JwsAlgorithm::ES256, default_provider(), &rng)?;
/// let key = SigningKey::from_jwk(&jwk, None, default_provider())?;
/// let now = UnixTime::from_secs(1_700_000_000); // fixed test value
///
/// let assertion = JwtBearerAssertion::new(
///     "https://client.example",
///     "service-account-7",
///     "https://as.example/token",
/// )
/// .claim("scope", "reports:read")?
/// .sign(&key, now, &rng)?;
///
/// let server = AuthorizationServer::new("https://as.example")
///     .with_token_endpoint("https://as.example/token")?;
/// let client = Client::new("reporting", ClientAuthentication::None);
/// let request =
///     TokenRequest::jwt_bearer(&assertion).build_token_request(&client, &server, now, &rng)?;
/// assert_eq!(request.uri(), "https://as.example/token");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct JwtBearerAssertion {
    issuer: String,
    subject: String,
    audience: Vec<String>,
    lifetime: u64,
    not_before: bool,
    typ: Option<String>,
    extra: Map<String, Value>,
}

impl JwtBearerAssertion {
    /// An assertion by `issuer` about `subject` for the authorization server `audience` (its
    /// token endpoint URL or its issuer identifier, RFC 7523 §3 item 3).
    pub fn new(
        issuer: impl Into<String>,
        subject: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        JwtBearerAssertion {
            issuer: issuer.into(),
            subject: subject.into(),
            audience: vec![audience.into()],
            lifetime: DEFAULT_ASSERTION_LIFETIME,
            not_before: false,
            typ: None,
            extra: Map::new(),
        }
    }

    /// Adds an audience: `aud` becomes an array (for a server that accepts either its token
    /// endpoint or its issuer).
    pub fn also_for(mut self, audience: impl Into<String>) -> Self {
        self.audience.push(audience.into());
        self
    }

    /// Sets how long the assertion is valid, in seconds (`exp` = `now` + `secs`); default
    /// [`DEFAULT_ASSERTION_LIFETIME`].
    pub fn lifetime(mut self, secs: u64) -> Self {
        self.lifetime = secs;
        self
    }

    /// Also sets `nbf` to `now` (RFC 7523 §3 item 5).
    pub fn not_before_now(mut self) -> Self {
        self.not_before = true;
        self
    }

    /// Sets the header `typ` (none by default; some servers ask for `JWT`).
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Adds a claim beyond the registered ones (RFC 7523 §3 item 8), such as `scope` or a
    /// `client_id`. The claims this builder sets itself (`iss`, `sub`, `aud`, `exp`, `nbf`,
    /// `iat`, `jti`) are refused, and so is a name already added.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Result<Self> {
        if REGISTERED.contains(&name) {
            return Err(Error::Misuse(
                "the assertion builder sets iss, sub, aud, exp, nbf, iat and jti itself",
            ));
        }
        if self.extra.insert(name.to_owned(), value.into()).is_some() {
            return Err(Error::Misuse("an assertion claim was added twice"));
        }
        Ok(self)
    }

    /// Signs the assertion at `now` with `signer` (its algorithm is the header's `alg`; its
    /// key id, if it has one, the `kid`), drawing the `jti` from `rng`.
    ///
    /// Refused: an empty issuer, subject or audience (RFC 7523 §3 items 1–3 require them) and
    /// a zero lifetime (item 4: the server must reject an expired assertion, so one that
    /// expires as it is made is useless).
    pub fn sign(
        &self,
        signer: &dyn JwsSigner,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<String> {
        if self.issuer.is_empty() || self.subject.is_empty() {
            return Err(Error::Misuse("an assertion needs an issuer and a subject"));
        }
        if self.audience.iter().any(String::is_empty) {
            return Err(Error::Misuse("an assertion audience cannot be empty"));
        }
        if self.lifetime == 0 {
            return Err(Error::Misuse("an assertion lifetime must be positive"));
        }
        let mut claims = self.extra.clone();
        let date = |t: UnixTime| Value::from(t.as_secs());
        claims.insert("iss".into(), self.issuer.clone().into());
        claims.insert("sub".into(), self.subject.clone().into());
        claims.insert(
            "aud".into(),
            match self.audience.as_slice() {
                [one] => one.clone().into(),
                many => many.to_vec().into(),
            },
        );
        claims.insert("exp".into(), date(now.saturating_add(self.lifetime)));
        claims.insert("iat".into(), date(now));
        if self.not_before {
            claims.insert("nbf".into(), date(now));
        }
        claims.insert("jti".into(), random_jti(rng)?.into());
        let mut header = JwsHeader::new(signer.algorithm());
        header.typ = self.typ.clone();
        Ok(jwt::encode(&header, &Value::Object(claims), signer)?)
    }
}
