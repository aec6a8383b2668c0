//! Token revocation (RFC 7009) and introspection (RFC 7662), including JWT introspection
//! responses (RFC 9701).

use core::fmt;

use authcore_jose::jwe::{DecryptionKeySource, JweOptions};
use authcore_jose::{KeySource, SecureRandom, UnixTime, jwt};
use http::{Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::client::{AuthorizationServer, Client};
use crate::encryption::{JweAlgorithms, is_compact_jwe};
use crate::error::{Error, ProtocolError, Result, SecurityError};
use crate::form::{ClientAuthParams, FormParams, encode_form};
use crate::json_object::{JsonObject, Member, json_members};
use crate::wire::{self, ContentTypeCheck, FormPost};
use crate::wire_write::{JsonWriter, json_http_response};

/// A `token_type_hint` (RFC 7009 §2.1, RFC 7662 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenTypeHint {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
}

impl TokenTypeHint {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenTypeHint::AccessToken => "access_token",
            TokenTypeHint::RefreshToken => "refresh_token",
        }
    }
}

/// A request about one token: the revocation request (RFC 7009 §2.1) and the introspection
/// request (RFC 7662 §2.1) carry the same parameters, `token` and `token_type_hint`, with the
/// client's authentication. [`RevocationRequest`] and [`IntrospectionRequest`] name its two
/// uses.
///
/// `Debug` redacts the token and the client's secrets; `==` compares the form bodies in
/// constant time.
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenHintRequest {
    /// `token`: the token itself.
    pub token: String,
    /// `token_type_hint`, as sent (RFC 7009 §2.1 lets a server ignore a hint it does not
    /// know, so an unregistered value is kept, not refused).
    pub token_type_hint: Option<String>,
    /// `client_id` and the client authentication parameters.
    pub client: ClientAuthParams,
    /// Every other parameter, in order.
    pub extra: Vec<(String, String)>,
}

/// A revocation request (RFC 7009 §2.1).
pub type RevocationRequest = TokenHintRequest;
/// An introspection request (RFC 7662 §2.1).
pub type IntrospectionRequest = TokenHintRequest;

impl fmt::Debug for TokenHintRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenHintRequest")
            .field("token", &"[REDACTED]")
            .field("token_type_hint", &self.token_type_hint)
            .field("client", &self.client)
            .field(
                "extra",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl PartialEq for TokenHintRequest {
    fn eq(&self, other: &Self) -> bool {
        authcore_jose::constant_time_eq(self.to_form().as_bytes(), other.to_form().as_bytes())
    }
}

impl Eq for TokenHintRequest {}

impl TokenHintRequest {
    /// A request about `token`, with an optional hint, and no client parameters yet.
    pub fn new(token: impl Into<String>, hint: Option<TokenTypeHint>) -> Self {
        TokenHintRequest {
            token: token.into(),
            token_type_hint: hint.map(|h| h.as_str().to_owned()),
            client: ClientAuthParams::none(),
            extra: Vec::new(),
        }
    }

    /// Sets the client parameters.
    pub fn with_client(mut self, client: ClientAuthParams) -> Self {
        self.client = client;
        self
    }

    /// The hint, when it is a registered one.
    pub fn hint(&self) -> Option<TokenTypeHint> {
        match self.token_type_hint.as_deref() {
            Some("access_token") => Some(TokenTypeHint::AccessToken),
            Some("refresh_token") => Some(TokenTypeHint::RefreshToken),
            _ => None,
        }
    }

    /// The form body.
    pub fn to_form(&self) -> String {
        encode_form(self.pairs())
    }

    /// The body parameters in order: `token`, `token_type_hint`, the client parameters, the
    /// others.
    fn pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> = vec![("token", &self.token)];
        if let Some(h) = &self.token_type_hint {
            pairs.push(("token_type_hint", h));
        }
        self.client.push_pairs(&mut pairs);
        pairs.extend(self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        pairs
    }

    /// Parses a form body strictly: `token` required, no parameter repeated.
    pub fn from_form(body: &[u8]) -> Result<Self> {
        let params = FormParams::parse(body)?;
        let token = params
            .get("token")
            .ok_or(ProtocolError::MissingParameter("token"))?
            .to_owned();
        let client = ClientAuthParams::from_params(&params)?;
        let extra = params
            .iter()
            .filter(|(k, _)| {
                !matches!(*k, "token" | "token_type_hint") && !ClientAuthParams::NAMES.contains(k)
            })
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Ok(TokenHintRequest {
            token,
            token_type_hint: params.get("token_type_hint").map(str::to_owned),
            client,
            extra,
        })
    }
}

fn token_post(
    client: &Client,
    server: &AuthorizationServer,
    endpoint: &url::Url,
    token: &str,
    hint: Option<TokenTypeHint>,
    now: UnixTime,
    rng: &dyn SecureRandom,
) -> Result<FormPost> {
    let mut post = FormPost::new(endpoint);
    for (k, v) in TokenHintRequest::new(token, hint).pairs() {
        post.param(k, v);
    }
    client.authenticate(&mut post, server, now, rng)?;
    Ok(post)
}

/// Builds a revocation request (RFC 7009 §2.1). Pass the secret of an access or refresh
/// token (`AccessToken::secret`, `RefreshToken::secret`).
pub fn build_revocation_request(
    client: &Client,
    server: &AuthorizationServer,
    token: &str,
    hint: Option<TokenTypeHint>,
    now: UnixTime,
    rng: &dyn SecureRandom,
) -> Result<Request<Vec<u8>>> {
    token_post(
        client,
        server,
        server.revocation_endpoint()?,
        token,
        hint,
        now,
        rng,
    )?
    .into_request()
}

/// What a revocation request achieved (RFC 7009 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationOutcome {
    /// 200: revoked, or the token was already invalid (both look the same on purpose).
    Revoked,
    /// 503: the server could not revoke now; retry after the given number of seconds, if the
    /// server said (RFC 7009 §2.2.1).
    RetryAfter(Option<u64>),
}

/// Parses a revocation response: 200 (any body, which RFC 7009 §2.2 says to ignore) is
/// success; 503 asks for a retry; an error response is [`Error::Server`].
pub fn parse_revocation_response(resp: &Response<Vec<u8>>) -> Result<RevocationOutcome> {
    match resp.status() {
        StatusCode::OK => Ok(RevocationOutcome::Revoked),
        StatusCode::SERVICE_UNAVAILABLE => {
            let secs = resp
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            Ok(RevocationOutcome::RetryAfter(secs))
        }
        _ => {
            wire::read_json_response(resp, ContentTypeCheck::Json)?;
            Err(ProtocolError::UnexpectedStatus {
                status: resp.status().as_u16(),
            }
            .into())
        }
    }
}

/// The media type of JWT introspection responses (RFC 9701 §4).
pub const TOKEN_INTROSPECTION_JWT: &str = "application/token-introspection+jwt";

/// Builds an introspection request (RFC 7662 §2.1).
pub fn build_introspection_request(
    client: &Client,
    server: &AuthorizationServer,
    token: &str,
    hint: Option<TokenTypeHint>,
    now: UnixTime,
    rng: &dyn SecureRandom,
) -> Result<Request<Vec<u8>>> {
    token_post(
        client,
        server,
        server.introspection_endpoint()?,
        token,
        hint,
        now,
        rng,
    )?
    .into_request()
}

/// Builds an introspection request asking for a signed JWT response (RFC 9701 §4):
/// `Accept: application/token-introspection+jwt`.
pub fn build_jwt_introspection_request(
    client: &Client,
    server: &AuthorizationServer,
    token: &str,
    hint: Option<TokenTypeHint>,
    now: UnixTime,
    rng: &dyn SecureRandom,
) -> Result<Request<Vec<u8>>> {
    let mut post = token_post(
        client,
        server,
        server.introspection_endpoint()?,
        token,
        hint,
        now,
        rng,
    )?;
    post.accept = TOKEN_INTROSPECTION_JWT;
    post.into_request()
}

json_members! {
    IntrospectionMembers[12] = [
        "active",
        "scope",
        "client_id",
        "username",
        "token_type",
        "exp",
        "iat",
        "nbf",
        "sub",
        "aud",
        "iss",
        "jti",
    ];
}

/// An introspection response (RFC 7662 §2.2). Only `active` is required; an inactive token
/// carries no other information the client may rely on.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IntrospectionResponse {
    /// `active`.
    pub active: bool,
    /// `scope`, split.
    pub scope: Option<Vec<String>>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// `token_type`.
    pub token_type: Option<String>,
    /// `exp`.
    pub exp: Option<u64>,
    /// `iat`.
    pub iat: Option<u64>,
    /// `nbf`.
    pub nbf: Option<u64>,
    /// `sub`.
    pub sub: Option<String>,
    /// `aud`: a string or an array of strings, as a list.
    pub aud: Option<Vec<String>>,
    /// `iss`.
    pub iss: Option<String>,
    /// `jti`.
    pub jti: Option<String>,
    /// Every other member (`cnf` for bound tokens, extensions).
    pub extra: Map<String, Value>,
}

impl IntrospectionResponse {
    /// A response with only `active` (RFC 7662 §2.2: an inactive token must say nothing
    /// more).
    pub fn new(active: bool) -> Self {
        IntrospectionResponse {
            active,
            scope: None,
            client_id: None,
            username: None,
            token_type: None,
            exp: None,
            iat: None,
            nbf: None,
            sub: None,
            aud: None,
            iss: None,
            jti: None,
            extra: Map::new(),
        }
    }

    /// Reads an introspection object (a JSON response body or the `token_introspection`
    /// claim of RFC 9701).
    pub fn from_object(o: Map<String, Value>) -> Result<Self> {
        Self::read(&mut JsonObject::<IntrospectionMembers, 12>::from_map(o))
    }

    /// Parses a JSON body strictly; an `error` member is [`Error::Server`].
    pub fn from_json(body: &[u8]) -> Result<Self> {
        let mut obj = wire::parse_json_document::<IntrospectionMembers, 12>(body)?;
        if let Some(e) = obj.take_error(None)? {
            return Err(Error::Server(e));
        }
        Self::read(&mut obj)
    }

    fn read(o: &mut JsonObject<'_, IntrospectionMembers, 12>) -> Result<Self> {
        let active = o
            .opt_bool("active")?
            .ok_or(ProtocolError::MissingParameter("active"))?;
        let scope = o.opt_string("scope")?.map(|s| wire::split_scope(&s));
        let client_id = o.opt_string("client_id")?;
        let username = o.opt_string("username")?;
        let token_type = o.opt_string("token_type")?;
        let exp = o.opt_u64("exp")?;
        let iat = o.opt_u64("iat")?;
        let nbf = o.opt_u64("nbf")?;
        let sub = o.opt_string("sub")?;
        // RFC 7662 §2.2 via RFC 7519 §4.1.3: one string or an array of strings.
        let aud = match o.take("aud") {
            Some(Member::Str(s)) => Some(vec![s.into_owned()]),
            Some(Member::Other(v)) => match *v {
                Value::Array(a) => Some(
                    a.into_iter()
                        .map(|v| match v {
                            Value::String(s) => Ok(s),
                            _ => Err(ProtocolError::InvalidParameter {
                                name: "aud",
                                reason: "not an array of strings",
                            }),
                        })
                        .collect::<core::result::Result<Vec<_>, _>>()?,
                ),
                _ => {
                    return Err(ProtocolError::InvalidParameter {
                        name: "aud",
                        reason: "not an array",
                    }
                    .into());
                }
            },
            None | Some(Member::Null) => None,
            Some(Member::Uint(_)) => {
                return Err(ProtocolError::InvalidParameter {
                    name: "aud",
                    reason: "not an array",
                }
                .into());
            }
        };
        Ok(IntrospectionResponse {
            active,
            scope,
            client_id,
            username,
            token_type,
            exp,
            iat,
            nbf,
            sub,
            aud,
            iss: o.opt_string("iss")?,
            jti: o.opt_string("jti")?,
            extra: o.take_extra(),
        })
    }

    /// The JSON body (RFC 7662 §2.2): absent members omitted, times as numbers, `scope`
    /// space-delimited, a single `aud` as a string.
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = JsonWriter::new();
        w.bool("active", Some(self.active));
        w.scope("scope", self.scope.as_deref());
        w.string("client_id", self.client_id.as_deref());
        w.string("username", self.username.as_deref());
        w.string("token_type", self.token_type.as_deref());
        w.u64("exp", self.exp);
        w.u64("iat", self.iat);
        w.u64("nbf", self.nbf);
        w.string("sub", self.sub.as_deref());
        match self.aud.as_deref() {
            Some([one]) => w.string("aud", Some(one)),
            other => w.strings("aud", other),
        }
        w.string("iss", self.iss.as_deref());
        w.string("jti", self.jti.as_deref());
        w.extra(&self.extra);
        w.finish()
    }

    /// The HTTP response: 200, JSON, `Cache-Control: no-store`.
    pub fn to_http_response(&self) -> Response<Vec<u8>> {
        json_http_response(StatusCode::OK, self.to_json(), None)
    }

    /// Whether the token is active and, when `exp`/`nbf` are present, valid at `now`.
    pub fn is_active_at(&self, now: UnixTime) -> bool {
        self.active
            && self.exp.is_none_or(|e| now.as_secs() < e)
            && self.nbf.is_none_or(|n| now.as_secs() >= n)
    }
}

/// Parses a JSON introspection response (RFC 7662 §2.2, §2.3).
pub fn parse_introspection_response(resp: &Response<Vec<u8>>) -> Result<IntrospectionResponse> {
    IntrospectionResponse::read(&mut wire::read_json_object::<IntrospectionMembers, 12>(
        resp,
        ContentTypeCheck::Json,
    )?)
}

/// Parses and verifies a JWT introspection response (RFC 9701 §5): `Content-Type`
/// `application/token-introspection+jwt`, a JWS signed by one of `keys` with `typ`
/// `token-introspection+jwt`, `iss` = the server's issuer, `aud` containing the client's id,
/// `iat` present, and the `token_introspection` claim holding the introspection object.
///
/// An encrypted response (a JWE) is refused here: a client that registered
/// `introspection_encrypted_response_alg` uses
/// [`parse_encrypted_jwt_introspection_response`].
pub fn parse_jwt_introspection_response(
    resp: &Response<Vec<u8>>,
    keys: &(impl KeySource + ?Sized),
    client: &Client,
    server: &AuthorizationServer,
    now: UnixTime,
) -> Result<IntrospectionResponse> {
    let token = jwt_response_body(resp)?;
    if is_compact_jwe(token) {
        return Err(ProtocolError::Malformed(
            "an encrypted introspection response, but no encryption was registered",
        )
        .into());
    }
    verify_introspection_jwt(token, keys, client, server, now)
}

/// Parses an encrypted JWT introspection response (RFC 9701 §5, §6): the JWE (and only a
/// JWE: a response that is merely signed is refused, so the encryption the client registered
/// cannot be stripped) must use exactly `algorithms`, the client's
/// `introspection_encrypted_response_alg/enc`, and decrypt with `decryption_keys` under
/// `options`; its `cty` must be `JWT` (RFC 7519 §5.2: sign, then encrypt), and the inner
/// JWS is checked as [`parse_jwt_introspection_response`] says. Any failure to decrypt is
/// one opaque error.
#[allow(clippy::too_many_arguments)]
pub fn parse_encrypted_jwt_introspection_response(
    resp: &Response<Vec<u8>>,
    decryption_keys: &(impl DecryptionKeySource + ?Sized),
    algorithms: &JweAlgorithms,
    options: &JweOptions,
    keys: &(impl KeySource + ?Sized),
    client: &Client,
    server: &AuthorizationServer,
    now: UnixTime,
) -> Result<IntrospectionResponse> {
    let token = jwt_response_body(resp)?;
    if !is_compact_jwe(token) {
        return Err(
            SecurityError::InvalidJwtResponse(authcore_jose::Error::Header(
                "the introspection response is not encrypted, but encryption was registered".into(),
            ))
            .into(),
        );
    }
    let decrypted = algorithms
        .decrypt_compact(token, decryption_keys, options)
        .map_err(SecurityError::InvalidJwtResponse)?;
    if !decrypted.header.cty_is_jwt() {
        return Err(
            SecurityError::InvalidJwtResponse(authcore_jose::Error::Header(
                "an encrypted introspection response needs `cty` JWT (RFC 7519 §5.2)".into(),
            ))
            .into(),
        );
    }
    let inner = core::str::from_utf8(&decrypted.plaintext)
        .map_err(|_| ProtocolError::Malformed("the decrypted JWT is not UTF-8"))?;
    verify_introspection_jwt(inner, keys, client, server, now)
}

/// The JWT of a JWT introspection response: size, status and media type checked.
fn jwt_response_body(resp: &Response<Vec<u8>>) -> Result<&str> {
    if resp.body().len() > wire::MAX_RESPONSE_BYTES {
        return Err(ProtocolError::TooLarge {
            limit: wire::MAX_RESPONSE_BYTES,
        }
        .into());
    }
    if !resp.status().is_success() {
        wire::read_json_response(resp, ContentTypeCheck::Json)?;
        return Err(ProtocolError::UnexpectedStatus {
            status: resp.status().as_u16(),
        }
        .into());
    }
    if wire::media_type(resp).as_deref() != Some(TOKEN_INTROSPECTION_JWT) {
        return Err(ProtocolError::ContentType {
            expected: TOKEN_INTROSPECTION_JWT,
            received: wire::content_type(resp),
        }
        .into());
    }
    let token = core::str::from_utf8(resp.body())
        .map_err(|_| ProtocolError::Malformed("JWT is not UTF-8"))?;
    Ok(token.trim())
}

/// The signed JWT of an introspection response, verified (RFC 9701 §5).
fn verify_introspection_jwt(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    client: &Client,
    server: &AuthorizationServer,
    now: UnixTime,
) -> Result<IntrospectionResponse> {
    let issuer = server
        .issuer()
        .ok_or(Error::Misuse("JWT introspection needs the server's issuer"))?;
    let validation = jwt::Validation::new()
        .required_claims(["iat", "iss", "aud"])
        .issuer(issuer)
        .audience(client.client_id())
        .typ("token-introspection+jwt");
    let verified =
        jwt::verify(token, keys, &validation, now).map_err(SecurityError::InvalidJwtResponse)?;
    let obj = match verified.claims.extra.get("token_introspection") {
        Some(Value::Object(o)) => o.clone(),
        Some(_) => {
            return Err(ProtocolError::InvalidParameter {
                name: "token_introspection",
                reason: "not an object",
            }
            .into());
        }
        None => return Err(ProtocolError::MissingParameter("token_introspection").into()),
    };
    IntrospectionResponse::from_object(obj)
}
