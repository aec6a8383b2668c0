//! Token revocation (RFC 7009) and introspection (RFC 7662), including JWT introspection
//! responses (RFC 9701).

use authcore_jose::{KeySource, SecureRandom, UnixTime, jwt};
use http::{Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::client::{AuthorizationServer, Client};
use crate::error::{Error, ProtocolError, Result, SecurityError};
use crate::wire::{self, ContentTypeCheck, FormPost};

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
    post.param("token", token);
    post.param_opt("token_type_hint", hint.map(TokenTypeHint::as_str));
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
    /// Reads an introspection object (a JSON response body or the `token_introspection`
    /// claim of RFC 9701).
    pub fn from_object(mut o: Map<String, Value>) -> Result<Self> {
        let active =
            wire::opt_bool(&o, "active")?.ok_or(ProtocolError::MissingParameter("active"))?;
        let aud = match o.get("aud") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(vec![s.clone()]),
            Some(_) => Some(
                wire::opt_string_array(&o, "aud")?.ok_or(ProtocolError::MissingParameter("aud"))?,
            ),
        };
        let r = IntrospectionResponse {
            active,
            scope: wire::opt_string(&o, "scope")?.map(|s| wire::split_scope(&s)),
            client_id: wire::opt_string(&o, "client_id")?,
            username: wire::opt_string(&o, "username")?,
            token_type: wire::opt_string(&o, "token_type")?,
            exp: wire::opt_u64(&o, "exp")?,
            iat: wire::opt_u64(&o, "iat")?,
            nbf: wire::opt_u64(&o, "nbf")?,
            sub: wire::opt_string(&o, "sub")?,
            aud,
            iss: wire::opt_string(&o, "iss")?,
            jti: wire::opt_string(&o, "jti")?,
            extra: Map::new(),
        };
        for k in [
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
        ] {
            o.remove(k);
        }
        Ok(IntrospectionResponse { extra: o, ..r })
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
    IntrospectionResponse::from_object(wire::read_json_response(resp, ContentTypeCheck::Json)?)
}

/// Parses and verifies a JWT introspection response (RFC 9701 §5): `Content-Type`
/// `application/token-introspection+jwt`, a JWS signed by one of `keys` with `typ`
/// `token-introspection+jwt`, `iss` = the server's issuer, `aud` containing the client's id,
/// `iat` present, and the `token_introspection` claim holding the introspection object.
pub fn parse_jwt_introspection_response(
    resp: &Response<Vec<u8>>,
    keys: &(impl KeySource + ?Sized),
    client: &Client,
    server: &AuthorizationServer,
    now: UnixTime,
) -> Result<IntrospectionResponse> {
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
    let issuer = server
        .issuer()
        .ok_or(Error::Misuse("JWT introspection needs the server's issuer"))?;
    let token = core::str::from_utf8(resp.body())
        .map_err(|_| ProtocolError::Malformed("JWT is not UTF-8"))?;
    let validation = jwt::Validation::new()
        .required_claims(["iat", "iss", "aud"])
        .issuer(issuer)
        .audience(client.client_id())
        .typ("token-introspection+jwt");
    let verified = jwt::verify(token.trim(), keys, &validation, now)
        .map_err(SecurityError::InvalidJwtResponse)?;
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
