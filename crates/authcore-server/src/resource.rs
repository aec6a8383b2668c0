//! The resource server: validating the access token of an incoming request.
//!
//! [`ResourceRequest`] takes a request to a protected resource and decides, in the crate's
//! Need/Write shape, whether it may proceed:
//!
//! 1. the access token is taken from the request by the rules of RFC 6750 §2: the
//!    `Authorization` header (`Bearer`, or `DPoP` for DPoP-bound tokens, RFC 9449 §7.1),
//!    the form body (§2.2) or the query (§2.3) only where the configuration allows them, and
//!    never more than one way at once;
//! 2. a `DPoP` proof, when present, is verified ([`crate::dpop`]) with `ath` bound to the
//!    token;
//! 3. the token is resolved: a JWT access token locally (RFC 9068 §4), an opaque one from the
//!    store ([`Need::AccessToken`], then its grant, [`Need::Grant`], when the resource server
//!    sits with the authorization server: a token whose grant is revoked is refused) or by
//!    introspection ([`Need::Introspect`], where the authorization server checks the grant);
//! 4. it must be active and meant for this resource server; its sender constraint must hold
//!    (`cnf.jkt` against the proof's key, `cnf.x5t#S256` against the client certificate the
//!    adapter passes, RFC 8705 §3); the required scopes must be granted;
//! 5. the proof's `jti` is recorded ([`Write::InsertIfAbsent`]): a replay loses that race.
//!
//! The answer is [`ResourceStep::Allow`] with what the token grants, or
//! [`ResourceStep::Deny`] with the response to send: RFC 6750 §3 `WWW-Authenticate`
//! challenges (`Bearer` and/or `DPoP`, the latter with `algs`, RFC 9449 §7.1), 400 for
//! `invalid_request`, 401 for `invalid_token`/`invalid_dpop_proof`/`use_dpop_nonce` (with a
//! `DPoP-Nonce` header), 403 for `insufficient_scope` (with the `scope` needed).

use core::fmt;
use core::hash::{Hash, Hasher};

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{UnixTime, VerifyingKey};
use authcore_oauth2::{DPOP_NONCE, ErrorCode, IntrospectionResponse};
use http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use subtle::ConstantTimeEq;

use crate::access_token::{JwtAccessTokenValidation, read_confirmation};
use crate::client_auth::ClientCertificate;
use crate::config::DpopSettings;
use crate::dpop::{DpopError, DpopNonces, DpopVerifier, ProofTarget, VerifiedDpopProof};
use crate::model::{Actor, Confirmation, TokenKind, TokenRecord};
use crate::step::{Answer, Need, Supplied, Write, WriteOutcome};
use crate::tokens::{AccessTokenContent, CredentialKind, TokenHashKeys};

/// Largest form body searched for an `access_token` parameter (RFC 6750 §2.2), in bytes.
pub const MAX_FORM_BODY_BYTES: usize = authcore_oauth2::MAX_FORM_BYTES;

/// Longest access token accepted, in bytes (a JWT access token with many claims fits).
pub const MAX_ACCESS_TOKEN_BYTES: usize = 16 * 1024;

/// The authentication scheme a token came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenScheme {
    /// `Bearer` (RFC 6750), also the form-body and query methods.
    Bearer,
    /// `DPoP` (RFC 9449 §7.1).
    Dpop,
}

/// Where in the request the token was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenLocation {
    /// The `Authorization` header (RFC 6750 §2.1).
    Header,
    /// An `access_token` form-body parameter (RFC 6750 §2.2).
    FormBody,
    /// An `access_token` query parameter (RFC 6750 §2.3): the response should carry
    /// `Cache-Control: private` (§2.3).
    UriQuery,
}

/// Which of RFC 6750's less preferred token methods the resource server accepts besides the
/// `Authorization` header. Both off by default (RFC 9700 §4.3.2: never the query).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TokenLocations {
    /// Accept `access_token` in an `application/x-www-form-urlencoded` body (RFC 6750 §2.2).
    pub form_body: bool,
    /// Accept `access_token` in the query (RFC 6750 §2.3).
    pub uri_query: bool,
}

/// An access token a request carried.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresentedToken {
    /// The scheme.
    pub scheme: TokenScheme,
    /// Where it was.
    pub location: TokenLocation,
    token: String,
}

impl fmt::Debug for PresentedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedToken")
            .field("scheme", &self.scheme)
            .field("location", &self.location)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl PresentedToken {
    /// The token itself.
    pub fn secret(&self) -> &str {
        &self.token
    }
}

/// Why the token could not be taken from a request (RFC 6750 §3.1 `invalid_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtractError {
    /// The token came more than one way (RFC 6750 §2: "MUST NOT use more than one method").
    SeveralMethods,
    /// The `Authorization` header or the parameter is malformed; the text says how.
    Malformed(&'static str),
}

impl ExtractError {
    fn description(self) -> &'static str {
        match self {
            ExtractError::SeveralMethods => "the access token was sent more than one way",
            ExtractError::Malformed(m) => m,
        }
    }
}

/// Takes the access token from a request (RFC 6750 §2, RFC 9449 §7.1). `Ok(None)` when the
/// request carries none (an `Authorization` header of another scheme carries none).
pub fn extract_access_token(
    req: &Request<Vec<u8>>,
    allowed: TokenLocations,
) -> Result<Option<PresentedToken>, ExtractError> {
    let mut found: Option<PresentedToken> = None;
    let mut add = |t: PresentedToken| {
        if found.is_some() {
            return Err(ExtractError::SeveralMethods);
        }
        found = Some(t);
        Ok(())
    };
    let mut auth = req.headers().get_all(AUTHORIZATION).iter();
    if let Some(h) = auth.next() {
        if auth.next().is_some() {
            return Err(ExtractError::Malformed(
                "more than one Authorization header",
            ));
        }
        if let Some(t) = from_authorization(h)? {
            add(t)?;
        }
    }
    if allowed.form_body && has_form_body(req) {
        if req.body().len() > MAX_FORM_BODY_BYTES {
            return Err(ExtractError::Malformed("the form body is too large"));
        }
        if let Some(t) = single_param(req.body())? {
            add(PresentedToken {
                scheme: TokenScheme::Bearer,
                location: TokenLocation::FormBody,
                token: t,
            })?;
        }
    }
    if allowed.uri_query {
        if let Some(t) = single_param(req.uri().query().unwrap_or("").as_bytes())? {
            add(PresentedToken {
                scheme: TokenScheme::Bearer,
                location: TokenLocation::UriQuery,
                token: t,
            })?;
        }
    }
    Ok(found)
}

/// `credentials = auth-scheme [ 1*SP token68 ]` (RFC 9110 §11.4) with the `b64token` of RFC
/// 6750 §2.1; the scheme is case-insensitive.
fn from_authorization(h: &HeaderValue) -> Result<Option<PresentedToken>, ExtractError> {
    let v = h
        .to_str()
        .map_err(|_| ExtractError::Malformed("the Authorization header is not ASCII"))?;
    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
    let scheme = if scheme.eq_ignore_ascii_case("Bearer") {
        TokenScheme::Bearer
    } else if scheme.eq_ignore_ascii_case("DPoP") {
        TokenScheme::Dpop
    } else {
        return Ok(None);
    };
    let token = rest.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    if body.is_empty()
        || token.len() > MAX_ACCESS_TOKEN_BYTES
        || !body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
    {
        return Err(ExtractError::Malformed(
            "the Authorization header does not hold a b64token",
        ));
    }
    Ok(Some(PresentedToken {
        scheme,
        location: TokenLocation::Header,
        token: token.to_owned(),
    }))
}

/// RFC 6750 §2.2: a single-part form body, on a method with body semantics (not GET).
fn has_form_body(req: &Request<Vec<u8>>) -> bool {
    *req.method() != Method::GET
        && req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
}

fn single_param(form: &[u8]) -> Result<Option<String>, ExtractError> {
    let mut values = url::form_urlencoded::parse(form).filter(|(k, _)| k == "access_token");
    let first = values.next();
    if values.next().is_some() {
        return Err(ExtractError::Malformed(
            "access_token appears more than once",
        ));
    }
    match first {
        Some((_, v)) if v.is_empty() || v.len() > MAX_ACCESS_TOKEN_BYTES => Err(
            ExtractError::Malformed("the access_token parameter is empty or too long"),
        ),
        Some((_, v)) => Ok(Some(v.into_owned())),
        None => Ok(None),
    }
}

/// An access token to introspect at the authorization server ([`Need::Introspect`]).
/// `Debug` redacts it; equality is constant-time.
#[derive(Clone, Eq)]
pub struct IntrospectionToken(String);

impl IntrospectionToken {
    /// The token to send in the introspection request.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
impl IntrospectionToken {
    /// A token to introspect, for the crate's own tests.
    pub(crate) fn for_tests(token: &str) -> Self {
        IntrospectionToken(token.to_owned())
    }
}

impl fmt::Debug for IntrospectionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntrospectionToken([REDACTED])")
    }
}

impl PartialEq for IntrospectionToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Hash for IntrospectionToken {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// How a resource server resolves opaque access tokens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OpaqueTokens {
    /// It accepts only JWT access tokens.
    Refuse,
    /// It shares the authorization server's store and hashing keys: [`Need::AccessToken`]
    /// and the token's [`Need::Grant`].
    Stored(TokenHashKeys),
    /// It asks the authorization server: [`Need::Introspect`].
    Introspection,
}

/// The configuration of a resource server.
#[derive(Debug)]
#[non_exhaustive]
pub struct ResourceServerConfig {
    /// Its identifier (RFC 8707 resource indicator), the `aud` its tokens must carry.
    pub identifier: String,
    /// The `realm` of its challenges (RFC 6750 §3), if any.
    pub realm: Option<String>,
    /// How JWT access tokens are validated; `None`: JWT access tokens are refused.
    pub jwt: Option<JwtAccessTokenValidation>,
    /// How opaque tokens are resolved.
    pub opaque: OpaqueTokens,
    /// The less preferred token methods accepted.
    pub locations: TokenLocations,
    /// DPoP proof rules.
    pub dpop: DpopSettings,
    /// Server nonces demanded in DPoP proofs (RFC 9449 §9), if any (shared with the
    /// authorization server's [`crate::ServerKeys::dpop_nonces`] when they run together).
    pub dpop_nonces: Option<std::sync::Arc<DpopNonces>>,
    /// Whether every token must be DPoP-bound (`Bearer` refused).
    pub require_dpop: bool,
}

impl ResourceServerConfig {
    /// A resource server `identifier` accepting JWT access tokens of `issuer`, resolving
    /// opaque ones as `opaque`, with the header method only, DPoP optional and without
    /// nonces.
    pub fn new(
        identifier: impl Into<String>,
        issuer: impl Into<String>,
        opaque: OpaqueTokens,
    ) -> Self {
        let identifier = identifier.into();
        ResourceServerConfig {
            jwt: Some(JwtAccessTokenValidation::new(issuer, identifier.clone())),
            identifier,
            realm: None,
            opaque,
            locations: TokenLocations::default(),
            dpop: DpopSettings::default(),
            dpop_nonces: None,
            require_dpop: false,
        }
    }

    fn verifier(&self) -> DpopVerifier<'_> {
        let v = DpopVerifier::new(&self.dpop);
        match &self.dpop_nonces {
            Some(n) => v.with_nonces(n),
            None => v,
        }
    }
}

/// Where the access grant of an allowed request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSource {
    /// A JWT access token validated locally.
    Jwt,
    /// An opaque token found in the store.
    Stored,
    /// An opaque token introspected at the authorization server.
    Introspected,
}

/// What an allowed request's token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizedAccess {
    /// The resource owner (`sub`), when known.
    pub subject: Option<String>,
    /// The client the token was issued to.
    pub client_id: Option<String>,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The resource servers the token is for.
    pub audience: Vec<String>,
    /// When the token expires.
    pub expires_at: Option<UnixTime>,
    /// When the user authenticated, when known.
    pub auth_time: Option<UnixTime>,
    /// The authentication context class, when known.
    pub acr: Option<String>,
    /// The token's sender constraint (already checked).
    pub cnf: Option<Confirmation>,
    /// Who acts for the subject, for a token issued by delegation (RFC 8693 §4.1 `act`).
    pub act: Option<Actor>,
    /// How the token came.
    pub scheme: TokenScheme,
    /// Where the token was in the request (answer a query token with `Cache-Control:
    /// private`, RFC 6750 §2.3).
    pub location: TokenLocation,
    /// How the token was resolved.
    pub source: TokenSource,
    /// The grant the token was issued under, when the token was found in the store.
    pub grant_id: Option<crate::model::GrantId>,
}

/// What [`ResourceRequest::step`] says next.
#[derive(Debug)]
#[must_use]
pub enum ResourceStep {
    /// Answer these and step again.
    Need(Vec<Need>),
    /// Apply these writes, record the outcomes and step again.
    Write(Vec<Write>),
    /// The request may proceed with this access.
    Allow(AuthorizedAccess),
    /// Send this response instead of serving the request.
    Deny(Response<Vec<u8>>),
}

/// A refusal, kept until it becomes a response.
#[derive(Debug, Clone)]
struct Refusal {
    code: Option<ErrorCode>,
    description: &'static str,
    scheme: Option<TokenScheme>,
    nonce: bool,
}

impl Refusal {
    fn no_token() -> Self {
        Refusal {
            code: None,
            description: "",
            scheme: None,
            nonce: false,
        }
    }

    fn token(scheme: TokenScheme, description: &'static str) -> Self {
        Refusal {
            code: Some(ErrorCode::InvalidToken),
            description,
            scheme: Some(scheme),
            nonce: false,
        }
    }

    fn dpop(e: &DpopError) -> Self {
        Refusal {
            code: Some(e.error_code()),
            description: e.description(),
            scheme: Some(TokenScheme::Dpop),
            nonce: *e == DpopError::UseNonce,
        }
    }
}

#[derive(Debug, Clone)]
struct Prepared {
    token: PresentedToken,
    proof: Option<VerifiedDpopProof>,
}

/// A request to a protected resource being checked. Build one per request with
/// [`ResourceRequest::new`], then call [`ResourceRequest::step`] until it allows or denies.
#[derive(Debug)]
pub struct ResourceRequest<'a> {
    config: &'a ResourceServerConfig,
    jwt_keys: &'a [VerifyingKey],
    request: &'a Request<Vec<u8>>,
    uri: &'a str,
    client_certificate: Option<&'a ClientCertificate>,
    required_scopes: &'a [&'a str],
    prepared: Option<Result<Prepared, Refusal>>,
}

impl<'a> ResourceRequest<'a> {
    /// Checks `request`, addressed to the absolute URI `uri` (the request line often carries
    /// only the path; the adapter knows the external origin), with the authorization server's
    /// JWT signing keys `jwt_keys` (a JWKS cache, or
    /// [`crate::signing_keys::SigningKeySet::verifying_keys_at`]), the client certificate of a
    /// mutual-TLS connection, and the scopes this resource needs.
    pub fn new(
        config: &'a ResourceServerConfig,
        jwt_keys: &'a [VerifyingKey],
        request: &'a Request<Vec<u8>>,
        uri: &'a str,
        client_certificate: Option<&'a ClientCertificate>,
        required_scopes: &'a [&'a str],
    ) -> Self {
        ResourceRequest {
            config,
            jwt_keys,
            request,
            uri,
            client_certificate,
            required_scopes,
            prepared: None,
        }
    }

    /// The next step, given what was supplied so far.
    pub fn step(
        &mut self,
        supplied: &Supplied,
        now: UnixTime,
        provider: &CryptoProvider,
    ) -> ResourceStep {
        match self.decide(supplied, now, provider) {
            Ok(step) => step,
            Err(refusal) => ResourceStep::Deny(self.refusal_response(&refusal, now)),
        }
    }

    fn decide(
        &mut self,
        supplied: &Supplied,
        now: UnixTime,
        provider: &CryptoProvider,
    ) -> Result<ResourceStep, Refusal> {
        if self.prepared.is_none() {
            self.prepared = Some(self.prepare(now, provider));
        }
        let Some(prepared) = self.prepared.clone() else {
            return Err(Refusal::no_token());
        };
        let Prepared { token, proof } = prepared?;
        let scheme = token.scheme;
        let (access, record_cnf) = match self.resolve(&token, supplied, now)? {
            Resolved::Need(n) => return Ok(ResourceStep::Need(vec![n])),
            Resolved::Access(a) => {
                let cnf = a.cnf.clone();
                (a, cnf)
            }
        };
        self.check_binding(scheme, record_cnf.as_ref(), proof.as_ref(), provider)?;
        // RFC 6750 §3.1 `insufficient_scope`: checked last, once the token is known good.
        if self
            .required_scopes
            .iter()
            .any(|s| !access.scopes.iter().any(|g| g == s))
        {
            return Err(Refusal {
                code: Some(ErrorCode::InsufficientScope),
                description: "the access token does not grant the scope this resource needs",
                scheme: Some(scheme),
                nonce: false,
            });
        }
        // RFC 9449 §11.1: a proof is single use; the conditional insert decides a race.
        if let Some(p) = &proof {
            match supplied.last_outcomes() {
                None => {
                    return Ok(ResourceStep::Write(vec![Write::InsertIfAbsent {
                        key: p.replay_id(),
                        expires_at: p.replay_until,
                    }]));
                }
                Some([WriteOutcome::Applied]) => {}
                Some(_) => return Err(Refusal::dpop(&DpopError::Replayed)),
            }
        }
        Ok(ResourceStep::Allow(access))
    }

    /// Extraction and the DPoP proof: what needs no record.
    fn prepare(&self, now: UnixTime, provider: &CryptoProvider) -> Result<Prepared, Refusal> {
        let token = match extract_access_token(self.request, self.config.locations) {
            Ok(Some(t)) => t,
            Ok(None) => return Err(Refusal::no_token()),
            Err(e) => {
                return Err(Refusal {
                    code: Some(ErrorCode::InvalidRequest),
                    description: e.description(),
                    scheme: None,
                    nonce: false,
                });
            }
        };
        if self.config.require_dpop && token.scheme != TokenScheme::Dpop {
            return Err(Refusal::token(
                TokenScheme::Dpop,
                "this resource accepts DPoP-bound tokens only",
            ));
        }
        let target = ProofTarget {
            method: self.request.method(),
            uri: self.uri,
            access_token: Some(token.secret()),
        };
        let proof = self
            .config
            .verifier()
            .verify(self.request.headers(), &target, now, provider)
            .map_err(|e| Refusal::dpop(&e))?;
        // RFC 9449 §7.1: the DPoP scheme always comes with a proof.
        if token.scheme == TokenScheme::Dpop && proof.is_none() {
            return Err(Refusal::dpop(&DpopError::Missing));
        }
        Ok(Prepared { token, proof })
    }

    fn resolve(
        &self,
        token: &PresentedToken,
        supplied: &Supplied,
        now: UnixTime,
    ) -> Result<Resolved, Refusal> {
        let scheme = token.scheme;
        let invalid = |d| Refusal::token(scheme, d);
        let t = token.secret();
        // A JWT has three dot-separated parts; the server's opaque tokens have a type prefix.
        let looks_like_jwt = t.bytes().filter(|&b| b == b'.').count() == 2
            && !t.starts_with(CredentialKind::AccessToken.prefix());
        if looks_like_jwt {
            if let Some(v) = &self.config.jwt {
                let claims = v
                    .validate(t, self.jwt_keys, now)
                    .map_err(|_| invalid("the access token is invalid"))?;
                return Ok(Resolved::Access(self.access_from_claims(claims, token)));
            }
        }
        match &self.config.opaque {
            OpaqueTokens::Refuse => Err(invalid("the access token is invalid")),
            OpaqueTokens::Stored(keys) => {
                let hash = keys
                    .hash_presented(CredentialKind::AccessToken, t)
                    .ok_or(invalid("the access token is invalid"))?;
                let need = Need::AccessToken(hash);
                match supplied.get(&need) {
                    None => Ok(Resolved::Need(need)),
                    Some(Answer::Token(Some(rec))) => {
                        self.access_from_record(rec, token, supplied, now)
                    }
                    Some(_) => Err(invalid("the access token is invalid")),
                }
            }
            OpaqueTokens::Introspection => {
                let need = Need::Introspect(IntrospectionToken(t.to_owned()));
                match supplied.get(&need) {
                    None => Ok(Resolved::Need(need)),
                    Some(Answer::Introspected(Some(r))) => {
                        self.access_from_introspection(r, token, now)
                    }
                    Some(_) => Err(invalid("the access token is invalid")),
                }
            }
        }
    }

    fn access_from_claims(
        &self,
        c: AccessTokenContent,
        token: &PresentedToken,
    ) -> AuthorizedAccess {
        AuthorizedAccess {
            subject: Some(c.subject),
            client_id: Some(c.client_id),
            scopes: c.scopes,
            audience: c.audience,
            expires_at: Some(c.expires_at),
            auth_time: c.auth_time,
            acr: c.acr,
            cnf: c.cnf,
            act: c.act,
            scheme: token.scheme,
            location: token.location,
            source: TokenSource::Jwt,
            grant_id: None,
        }
    }

    /// A stored access token: in force (active, under a grant in force: a token left live
    /// under a revoked grant is refused, RFC 6750 §3.1) and for this resource.
    fn access_from_record(
        &self,
        rec: &TokenRecord,
        token: &PresentedToken,
        supplied: &Supplied,
        now: UnixTime,
    ) -> Result<Resolved, Refusal> {
        let invalid = Refusal::token(token.scheme, "the access token is invalid");
        if rec.kind != TokenKind::Access || !rec.is_active(now) {
            return Err(invalid);
        }
        match supplied.token_in_force(Some(rec), now) {
            Err(grant_need) => return Ok(Resolved::Need(grant_need)),
            Ok(None) => return Err(invalid),
            Ok(Some(_)) => {}
        }
        // A token restricted to resource servers (RFC 8707) must name this one.
        if !rec.resources.is_empty() && !rec.resources.contains(&self.config.identifier) {
            return Err(Refusal::token(
                token.scheme,
                "the access token is not meant for this resource",
            ));
        }
        Ok(Resolved::Access(AuthorizedAccess {
            subject: Some(rec.subject.clone()),
            client_id: Some(rec.client_id.clone()),
            scopes: rec.scopes.clone(),
            audience: rec.resources.clone(),
            expires_at: rec.expires_at,
            auth_time: None,
            acr: None,
            cnf: rec.cnf.clone().filter(|c| !c.is_empty()),
            act: rec.act.clone(),
            scheme: token.scheme,
            location: token.location,
            source: TokenSource::Stored,
            grant_id: Some(rec.grant_id.clone()),
        }))
    }

    fn access_from_introspection(
        &self,
        r: &IntrospectionResponse,
        token: &PresentedToken,
        now: UnixTime,
    ) -> Result<Resolved, Refusal> {
        let invalid = Refusal::token(token.scheme, "the access token is invalid");
        if !r.is_active_at(now) {
            return Err(invalid);
        }
        if r.aud
            .as_ref()
            .is_some_and(|a| !a.contains(&self.config.identifier))
        {
            return Err(Refusal::token(
                token.scheme,
                "the access token is not meant for this resource",
            ));
        }
        let cnf = match r.extra.get("cnf") {
            None => None,
            Some(v) => Some(read_confirmation(v).map_err(|_| invalid.clone())?),
        };
        let act = match r.extra.get("act") {
            None => None,
            Some(v) => Some(Actor::from_json(v).ok_or_else(|| invalid.clone())?),
        };
        let auth_time = r
            .extra
            .get("auth_time")
            .and_then(authcore_jose::jwt::NumericDate::from_value)
            .map(|d| UnixTime::from_secs(d.secs()));
        Ok(Resolved::Access(AuthorizedAccess {
            subject: r.sub.clone(),
            client_id: r.client_id.clone(),
            scopes: r.scope.clone().unwrap_or_default(),
            audience: r.aud.clone().unwrap_or_default(),
            expires_at: r.exp.map(UnixTime::from_secs),
            auth_time,
            acr: r
                .extra
                .get("acr")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            cnf: cnf.filter(|c| !c.is_empty()),
            act,
            scheme: token.scheme,
            location: token.location,
            source: TokenSource::Introspected,
            grant_id: None,
        }))
    }

    /// The sender constraint (RFC 9449 §7.1, RFC 8705 §3).
    fn check_binding(
        &self,
        scheme: TokenScheme,
        cnf: Option<&Confirmation>,
        proof: Option<&VerifiedDpopProof>,
        provider: &CryptoProvider,
    ) -> Result<(), Refusal> {
        let jkt = cnf.and_then(|c| c.jkt.as_deref());
        match (scheme, jkt) {
            // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token is refused.
            (TokenScheme::Bearer, Some(_)) => {
                return Err(Refusal::token(
                    TokenScheme::Dpop,
                    "a DPoP-bound token must be presented with the DPoP scheme",
                ));
            }
            (TokenScheme::Dpop, None) => {
                return Err(Refusal::token(
                    TokenScheme::Dpop,
                    "the access token is not DPoP-bound",
                ));
            }
            (TokenScheme::Dpop, Some(jkt)) => {
                if !proof.is_some_and(|p| p.key_matches(jkt)) {
                    return Err(Refusal::token(
                        TokenScheme::Dpop,
                        "the DPoP proof is not made with the token's key",
                    ));
                }
            }
            (TokenScheme::Bearer, None) => {}
        }
        if let Some(x5t) = cnf.and_then(|c| c.x5t_s256.as_deref()) {
            let presented = self.client_certificate.map(|c| c.thumbprint_s256(provider));
            if !presented.is_some_and(|p| bool::from(p.as_bytes().ct_eq(x5t.as_bytes()))) {
                return Err(Refusal::token(
                    scheme,
                    "the access token is bound to another client certificate",
                ));
            }
        }
        Ok(())
    }

    /// The `401 invalid_token` response (RFC 6750 §3.1) for a token presented with `scheme`
    /// that checked out here but that the endpoint behind the resource server cannot serve
    /// (its grant, client or end-user is gone), with the challenges of every refusal.
    pub fn invalid_token_response(
        &self,
        scheme: TokenScheme,
        description: &'static str,
        now: UnixTime,
    ) -> Response<Vec<u8>> {
        self.refusal_response(&Refusal::token(scheme, description), now)
    }

    /// The refusal as a response: status by error code, the challenges (RFC 6750 §3, RFC
    /// 9449 §7.1) and, for `use_dpop_nonce`, the `DPoP-Nonce` header.
    fn refusal_response(&self, r: &Refusal, now: UnixTime) -> Response<Vec<u8>> {
        let status = match &r.code {
            Some(ErrorCode::InvalidRequest) => StatusCode::BAD_REQUEST,
            Some(ErrorCode::InsufficientScope) => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        let realm = self.config.realm.as_deref();
        let scope = (r.code == Some(ErrorCode::InsufficientScope)).then_some(self.required_scopes);
        let error = r.code.as_ref().map(|c| (c, r.description));
        let algs: Vec<&str> = self
            .config
            .verifier()
            .announced_algs()
            .map(|a| a.name())
            .collect();
        let mut challenges = Vec::new();
        let bearer_ok = !self.config.require_dpop;
        // The challenge of the scheme in use carries the error; without a token (or a
        // request too malformed to tell) every accepted scheme is offered.
        let offer_bearer = bearer_ok && r.scheme != Some(TokenScheme::Dpop);
        let offer_dpop = r.scheme != Some(TokenScheme::Bearer) || r.code.is_none();
        if offer_bearer {
            challenges.push(challenge("Bearer", realm, error, scope, None));
        }
        if offer_dpop {
            let dpop_error = if offer_bearer && r.scheme.is_none() {
                None
            } else {
                error
            };
            challenges.push(challenge("DPoP", realm, dpop_error, scope, Some(&algs)));
        }
        let mut b = Response::builder()
            .status(status)
            .header(CACHE_CONTROL, "no-store");
        for c in challenges {
            if let Ok(v) = HeaderValue::try_from(c) {
                b = b.header(WWW_AUTHENTICATE, v);
            }
        }
        if r.nonce {
            if let Some(n) = self.config.verifier().current_nonce(now) {
                b = b.header(DPOP_NONCE, n);
            }
        }
        b.body(Vec::new()).unwrap_or_else(|_| {
            let mut resp = Response::new(Vec::new());
            *resp.status_mut() = status;
            resp
        })
    }
}

enum Resolved {
    Need(Need),
    Access(AuthorizedAccess),
}

/// One challenge (RFC 9110 §11.6.1) with the parameters of RFC 6750 §3 and RFC 9449 §7.1, as
/// quoted strings.
fn challenge(
    scheme: &str,
    realm: Option<&str>,
    error: Option<(&ErrorCode, &str)>,
    scope: Option<&[&str]>,
    algs: Option<&[&str]>,
) -> String {
    let mut params: Vec<(&str, String)> = Vec::new();
    if let Some(r) = realm {
        params.push(("realm", r.to_owned()));
    }
    if let Some(a) = algs.filter(|a| !a.is_empty()) {
        params.push(("algs", a.join(" ")));
    }
    if let Some((code, description)) = error {
        params.push(("error", code.as_str().to_owned()));
        if !description.is_empty() {
            params.push(("error_description", description.to_owned()));
        }
    }
    if let Some(s) = scope.filter(|s| !s.is_empty()) {
        params.push(("scope", s.join(" ")));
    }
    let mut out = scheme.to_owned();
    for (i, (name, value)) in params.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        out.push_str(name);
        out.push_str("=\"");
        for c in value.chars() {
            // RFC 9110 §5.6.4: `"` and `\` are escaped in a quoted-string.
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out
}
