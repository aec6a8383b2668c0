//! The authorization request and response as messages both sides use (RFC 6749 §4.1.1,
//! §4.1.2, §4.1.2.1, §4.2.2; RFC 7636 §4.3; RFC 8707 §2; RFC 9207 §2; RFC 9101 §5; RFC 9449
//! §10; OpenID Connect Core 1.0 §3.1.2.1, §3.2.2.5, §3.3.2.5): built from their fields,
//! serialized into a URL (query or fragment), and strictly parsed from a query or form
//! (repeated parameters refused, RFC 6749 §3.1). A client builds requests with
//! [`AuthorizationRequest`](crate::AuthorizationRequest) and checks responses with
//! [`PendingAuthorization`](crate::PendingAuthorization); an authorization server parses
//! [`AuthorizationRequestParams`] and emits [`AuthorizationResponseParams`].

use core::fmt;

use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, ErrorCode, ErrorResponse, ProtocolError, Result};
use crate::form::{FormParams, encode_form};
use crate::pkce::PkceMethod;
use crate::secret::{AccessToken, AuthorizationCode, IdToken};
use crate::token::TokenType;
use crate::wire;

use super::response_type::{ResponseMode, ResponseType};

/// The parameters of an authorization request this module reads into typed fields; every
/// other parameter goes to `extra`.
const REQUEST_PARAMETERS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "resource",
    "response_mode",
    "dpop_jkt",
    "prompt",
    "max_age",
    "ui_locales",
    "id_token_hint",
    "login_hint",
    "acr_values",
    "claims",
    "display",
    "request",
    "request_uri",
];

/// An authorization request as sent to the authorization endpoint (RFC 6749 §4.1.1, §4.2.1;
/// OpenID Connect Core 1.0 §3.1.2.1): the message itself, for either side. A client usually
/// builds it with [`AuthorizationRequest`](crate::AuthorizationRequest), which also draws
/// `state`, `nonce` and the PKCE verifier; a server parses it with
/// [`AuthorizationRequestParams::parse`].
///
/// Space-separated values (`scope`, `prompt`, `ui_locales`, `acr_values`) are lists here;
/// `claims` is the JSON object it stands for (OpenID Connect Core §5.5).
///
/// `Debug` leaves out the values of `id_token_hint` and `request` (a token and a signed
/// object) and of extension parameters.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct AuthorizationRequestParams {
    /// `response_type` (RFC 6749 §3.1.1).
    pub response_type: ResponseType,
    /// `client_id` (RFC 6749 §2.2).
    pub client_id: String,
    /// `redirect_uri` (RFC 6749 §3.1.2): an absolute URI.
    pub redirect_uri: Option<String>,
    /// `scope` tokens (RFC 6749 §3.3).
    pub scope: Vec<String>,
    /// `state` (RFC 6749 §4.1.1, §10.12).
    pub state: Option<String>,
    /// `code_challenge` (RFC 7636 §4.3).
    pub code_challenge: Option<String>,
    /// `code_challenge_method` (RFC 7636 §4.3); absent means `plain`.
    pub code_challenge_method: Option<PkceMethod>,
    /// `nonce` (OpenID Connect Core §3.1.2.1).
    pub nonce: Option<String>,
    /// `resource` indicators (RFC 8707 §2), the one parameter that may repeat.
    pub resource: Vec<String>,
    /// `response_mode` (Multiple Response Type Encoding Practices §2.1).
    pub response_mode: Option<ResponseMode>,
    /// `dpop_jkt` (RFC 9449 §10).
    pub dpop_jkt: Option<String>,
    /// `prompt` values (OpenID Connect Core §3.1.2.1).
    pub prompt: Vec<String>,
    /// `max_age`, seconds (OpenID Connect Core §3.1.2.1).
    pub max_age: Option<u64>,
    /// `ui_locales` (BCP 47 tags, OpenID Connect Core §3.1.2.1).
    pub ui_locales: Vec<String>,
    /// `id_token_hint` (OpenID Connect Core §3.1.2.1).
    pub id_token_hint: Option<String>,
    /// `login_hint` (OpenID Connect Core §3.1.2.1).
    pub login_hint: Option<String>,
    /// `acr_values` (OpenID Connect Core §3.1.2.1).
    pub acr_values: Vec<String>,
    /// `claims` (OpenID Connect Core §5.5).
    pub claims: Option<Map<String, Value>>,
    /// `display` (OpenID Connect Core §3.1.2.1).
    pub display: Option<String>,
    /// `request`: a request object by value (RFC 9101 §5.1).
    pub request: Option<String>,
    /// `request_uri`: a request object or PAR request by reference (RFC 9101 §5.2, RFC 9126
    /// §4).
    pub request_uri: Option<String>,
    /// Every other parameter, in order.
    pub extra: Vec<(String, String)>,
}

impl fmt::Debug for AuthorizationRequestParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("AuthorizationRequestParams")
            .field("response_type", &self.response_type)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .field("state", &self.state)
            .field("code_challenge", &self.code_challenge)
            .field("code_challenge_method", &self.code_challenge_method)
            .field("nonce", &self.nonce)
            .field("resource", &self.resource)
            .field("response_mode", &self.response_mode)
            .field("dpop_jkt", &self.dpop_jkt)
            .field("prompt", &self.prompt)
            .field("max_age", &self.max_age)
            .field("ui_locales", &self.ui_locales)
            .field("id_token_hint", &redacted(&self.id_token_hint))
            .field("login_hint", &self.login_hint)
            .field("acr_values", &self.acr_values)
            .field("claims", &self.claims)
            .field("display", &self.display)
            .field("request", &redacted(&self.request))
            .field("request_uri", &self.request_uri)
            .field(
                "extra",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl AuthorizationRequestParams {
    /// A request with only `response_type` and `client_id`.
    pub fn new(response_type: ResponseType, client_id: impl Into<String>) -> Self {
        AuthorizationRequestParams {
            response_type,
            client_id: client_id.into(),
            redirect_uri: None,
            scope: Vec::new(),
            state: None,
            code_challenge: None,
            code_challenge_method: None,
            nonce: None,
            resource: Vec::new(),
            response_mode: None,
            dpop_jkt: None,
            prompt: Vec::new(),
            max_age: None,
            ui_locales: Vec::new(),
            id_token_hint: None,
            login_hint: None,
            acr_values: Vec::new(),
            claims: None,
            display: None,
            request: None,
            request_uri: None,
            extra: Vec::new(),
        }
    }

    /// Strictly parses a query string (without `?`) or an `application/x-www-form-urlencoded`
    /// body (RFC 6749 §4.1.1; a POST to the authorization endpoint, OpenID Connect Core
    /// §3.1.2.1): repeated parameters other than `resource` are refused (RFC 6749 §3.1), empty
    /// values count as absent, and every parameter this type knows must have its syntax.
    pub fn parse(input: &[u8]) -> Result<Self> {
        let p = FormParams::parse_allowing_repeats(input, &["resource"])?;
        let owned = |name: &str| p.get(name).map(str::to_owned);
        let response_type = p
            .get("response_type")
            .ok_or(ProtocolError::MissingParameter("response_type"))?;
        let response_type =
            ResponseType::parse(response_type).ok_or(ProtocolError::InvalidParameter {
                name: "response_type",
                reason: "not a registered response type",
            })?;
        let client_id = owned("client_id").ok_or(ProtocolError::MissingParameter("client_id"))?;
        let redirect_uri = owned("redirect_uri");
        if let Some(r) = &redirect_uri {
            // RFC 6749 §3.1.2: an absolute URI without a fragment.
            let ok = Url::parse(r).is_ok_and(|u| u.fragment().is_none());
            if !ok {
                return Err(invalid(
                    "redirect_uri",
                    "not an absolute URI without fragment",
                ));
            }
        }
        let scope = space_list(p.get("scope"), "scope")?;
        if scope.iter().any(|s| wire::check_scope_token(s).is_err()) {
            return Err(invalid(
                "scope",
                "a scope token has a character RFC 6749 §3.3 forbids",
            ));
        }
        let code_challenge = owned("code_challenge");
        if let Some(c) = &code_challenge {
            // RFC 7636 §4.2: 43 to 128 unreserved characters, whichever the method.
            if !is_pkce_string(c) {
                return Err(invalid(
                    "code_challenge",
                    "not 43-128 unreserved characters",
                ));
            }
        }
        let code_challenge_method = match p.get("code_challenge_method") {
            None => None,
            Some(_) if code_challenge.is_none() => {
                return Err(invalid("code_challenge_method", "without code_challenge"));
            }
            Some(m) => Some(
                PkceMethod::parse(m)
                    .ok_or(invalid("code_challenge_method", "not S256 or plain"))?,
            ),
        };
        let resource: Vec<String> = p.get_all("resource").map(str::to_owned).collect();
        if resource.iter().any(|r| wire::check_resource(r).is_err()) {
            return Err(invalid("resource", "not an absolute URI without fragment"));
        }
        if p.get("request").is_some() && p.get("request_uri").is_some() {
            // RFC 9101 §5: a request object by value or by reference, never both.
            return Err(invalid("request_uri", "sent together with request"));
        }
        let max_age = p
            .get("max_age")
            .map(|s| decimal(s, "max_age"))
            .transpose()?;
        let claims = match p.get("claims") {
            None => None,
            Some(c) => Some(
                wire::parse_json_object(c.as_bytes())
                    .map_err(|_| invalid("claims", "not a JSON object"))?,
            ),
        };
        Ok(AuthorizationRequestParams {
            response_type,
            client_id,
            redirect_uri,
            scope,
            state: owned("state"),
            code_challenge,
            code_challenge_method,
            nonce: owned("nonce"),
            resource,
            response_mode: p.get("response_mode").map(ResponseMode::parse),
            dpop_jkt: owned("dpop_jkt"),
            prompt: space_list(p.get("prompt"), "prompt")?,
            max_age,
            ui_locales: space_list(p.get("ui_locales"), "ui_locales")?,
            id_token_hint: owned("id_token_hint"),
            login_hint: owned("login_hint"),
            acr_values: space_list(p.get("acr_values"), "acr_values")?,
            claims,
            display: owned("display"),
            request: owned("request"),
            request_uri: owned("request_uri"),
            extra: p
                .iter()
                .filter(|(k, _)| !REQUEST_PARAMETERS.contains(k))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        })
    }

    /// Strictly parses the query of a full authorization URL (see
    /// [`AuthorizationRequestParams::parse`]).
    pub fn from_url(url: &Url) -> Result<Self> {
        Self::parse(url.query().unwrap_or("").as_bytes())
    }

    /// The parameters borrowed, for the one serializer.
    fn as_ref(&self) -> RequestParamsRef<'_> {
        RequestParamsRef {
            response_type: self.response_type.as_str(),
            client_id: &self.client_id,
            redirect_uri: self.redirect_uri.as_deref(),
            scope: &self.scope,
            state: self.state.as_deref(),
            code_challenge: self.code_challenge.as_deref(),
            code_challenge_method: self.code_challenge_method.map(PkceMethod::as_str),
            nonce: self.nonce.as_deref(),
            resource: &self.resource,
            response_mode: self.response_mode.as_ref().map(ResponseMode::as_str),
            dpop_jkt: self.dpop_jkt.as_deref(),
            prompt: &self.prompt,
            max_age: self.max_age,
            ui_locales: &self.ui_locales,
            id_token_hint: self.id_token_hint.as_deref(),
            login_hint: self.login_hint.as_deref(),
            acr_values: &self.acr_values,
            claims: self.claims.as_ref(),
            display: self.display.as_deref(),
            request: self.request.as_deref(),
            request_uri: self.request_uri.as_deref(),
            extra: &self.extra,
        }
    }

    /// The parameters as name/value pairs, in a fixed order; absent and empty values are left
    /// out (RFC 6749 §3.1 treats them as omitted).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.as_ref()
            .emit(|k, v| out.push((k.to_owned(), v.to_owned())));
        out
    }

    /// The parameters form-encoded (RFC 6749 Appendix B), for a query or a POST body.
    pub fn to_form(&self) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        self.as_ref().emit(|k, v| {
            form.append_pair(k, v);
        });
        form.finish()
    }

    /// The authorization URL: the parameters appended to `endpoint`'s own query, which RFC
    /// 6749 §3.1 says to keep.
    pub fn to_url(&self, endpoint: &Url) -> Url {
        let mut url = endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            self.as_ref().emit(|k, v| {
                q.append_pair(k, v);
            });
        }
        url
    }
}

/// An authorization request's parameters, borrowed: the one place that knows their names,
/// order and encoding, used by [`AuthorizationRequestParams`] and by the client builder
/// (which streams the values it draws straight into the URL, without copying them).
pub(crate) struct RequestParamsRef<'a> {
    pub(crate) response_type: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) redirect_uri: Option<&'a str>,
    pub(crate) scope: &'a [String],
    pub(crate) state: Option<&'a str>,
    pub(crate) code_challenge: Option<&'a str>,
    pub(crate) code_challenge_method: Option<&'a str>,
    pub(crate) nonce: Option<&'a str>,
    pub(crate) resource: &'a [String],
    pub(crate) response_mode: Option<&'a str>,
    pub(crate) dpop_jkt: Option<&'a str>,
    pub(crate) prompt: &'a [String],
    pub(crate) max_age: Option<u64>,
    pub(crate) ui_locales: &'a [String],
    pub(crate) id_token_hint: Option<&'a str>,
    pub(crate) login_hint: Option<&'a str>,
    pub(crate) acr_values: &'a [String],
    pub(crate) claims: Option<&'a Map<String, Value>>,
    pub(crate) display: Option<&'a str>,
    pub(crate) request: Option<&'a str>,
    pub(crate) request_uri: Option<&'a str>,
    pub(crate) extra: &'a [(String, String)],
}

impl<'a> RequestParamsRef<'a> {
    /// Only extension parameters; every other one absent.
    pub(crate) fn new(extra: &'a [(String, String)]) -> Self {
        RequestParamsRef {
            response_type: "",
            client_id: "",
            redirect_uri: None,
            scope: &[],
            state: None,
            code_challenge: None,
            code_challenge_method: None,
            nonce: None,
            resource: &[],
            response_mode: None,
            dpop_jkt: None,
            prompt: &[],
            max_age: None,
            ui_locales: &[],
            id_token_hint: None,
            login_hint: None,
            acr_values: &[],
            claims: None,
            display: None,
            request: None,
            request_uri: None,
            extra,
        }
    }

    /// Passes every parameter to `emit`, in order; absent and empty values are left out (RFC
    /// 6749 §3.1 treats an empty value as omitted).
    pub(crate) fn emit(&self, mut emit: impl FnMut(&str, &str)) {
        let mut one = |name: &str, value: Option<&str>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                emit(name, v);
            }
        };
        one("response_type", Some(self.response_type));
        one("client_id", Some(self.client_id));
        one("redirect_uri", self.redirect_uri);
        joined(self.scope, |v| one("scope", Some(v)));
        one("state", self.state);
        one("code_challenge", self.code_challenge);
        one("code_challenge_method", self.code_challenge_method);
        one("nonce", self.nonce);
        for r in self.resource {
            one("resource", Some(r));
        }
        one("response_mode", self.response_mode);
        one("dpop_jkt", self.dpop_jkt);
        joined(self.prompt, |v| one("prompt", Some(v)));
        if let Some(m) = self.max_age {
            one("max_age", Some(&m.to_string()));
        }
        joined(self.ui_locales, |v| one("ui_locales", Some(v)));
        one("id_token_hint", self.id_token_hint);
        one("login_hint", self.login_hint);
        joined(self.acr_values, |v| one("acr_values", Some(v)));
        if let Some(c) = self.claims {
            // OpenID Connect Core §5.5: the JSON object, serialized.
            one("claims", Some(&Value::Object(c.clone()).to_string()));
        }
        one("display", self.display);
        one("request", self.request);
        one("request_uri", self.request_uri);
        for (k, v) in self.extra {
            one(k, Some(v));
        }
    }
}

/// Passes `items` joined by single spaces (RFC 6749 §3.3; OpenID Connect Core §3.1.2.1) to
/// `emit`, built on the stack when short enough; nothing when there are none.
fn joined(items: &[String], emit: impl FnOnce(&str)) {
    match items {
        [] => {}
        [one] => emit(one),
        more => {
            let len = more.iter().map(|s| s.len() + 1).sum::<usize>() - 1;
            let mut stack = [0u8; 256];
            let mut heap = Vec::new();
            let buf = if len <= stack.len() {
                &mut stack[..len]
            } else {
                heap.resize(len, 0);
                &mut heap[..]
            };
            let mut at = 0;
            for s in more {
                if at > 0 {
                    buf[at] = b' ';
                    at += 1;
                }
                buf[at..at + s.len()].copy_from_slice(s.as_bytes());
                at += s.len();
            }
            // Whole UTF-8 strings joined by ASCII spaces are UTF-8, so this always succeeds.
            if let Ok(v) = core::str::from_utf8(buf) {
                emit(v);
            }
        }
    }
}

/// A successful authorization response (RFC 6749 §4.1.2, §4.2.2; RFC 9207 §2; OpenID Connect
/// Core 1.0 §3.2.2.5, §3.3.2.5): the members the response type returns, plus `state` and
/// `iss`.
///
/// `Debug` shows neither the code nor the tokens.
#[derive(PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationSuccess {
    /// `code` (RFC 6749 §4.1.2).
    pub code: Option<AuthorizationCode>,
    /// `access_token` (RFC 6749 §4.2.2).
    pub access_token: Option<AccessToken>,
    /// `token_type` (RFC 6749 §4.2.2, §7.1).
    pub token_type: Option<TokenType>,
    /// `expires_in`, seconds (RFC 6749 §4.2.2).
    pub expires_in: Option<u64>,
    /// `scope` tokens (RFC 6749 §4.2.2, §3.3).
    pub scope: Option<Vec<String>>,
    /// `id_token` (OpenID Connect Core §3.2.2.5).
    pub id_token: Option<IdToken>,
    /// `state`, as the request sent it (RFC 6749 §4.1.2).
    pub state: Option<String>,
    /// `iss`, the issuer identifier (RFC 9207 §2).
    pub iss: Option<String>,
    /// Every other parameter (`session_state`...), in order.
    pub extra: Vec<(String, String)>,
}

impl fmt::Debug for AuthorizationSuccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationSuccess")
            .field("code", &self.code)
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("id_token", &self.id_token)
            .field("iss", &self.iss)
            .field(
                "extra",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Default for AuthorizationSuccess {
    fn default() -> Self {
        AuthorizationSuccess::new()
    }
}

impl AuthorizationSuccess {
    /// A response with no member set yet.
    pub fn new() -> Self {
        AuthorizationSuccess {
            code: None,
            access_token: None,
            token_type: None,
            expires_in: None,
            scope: None,
            id_token: None,
            state: None,
            iss: None,
            extra: Vec::new(),
        }
    }

    /// Whether the response carries a token (which may never travel in a query, Multiple
    /// Response Type Encoding Practices §2.1).
    pub fn has_tokens(&self) -> bool {
        self.access_token.is_some() || self.id_token.is_some()
    }
}

/// An authorization error response (RFC 6749 §4.1.2.1, §4.2.2.1; RFC 9207 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationError {
    /// `error`.
    pub error: ErrorCode,
    /// `error_description`.
    pub error_description: Option<String>,
    /// `error_uri`.
    pub error_uri: Option<String>,
    /// `state`, as the request sent it.
    pub state: Option<String>,
    /// `iss` (RFC 9207 §2: on error responses too).
    pub iss: Option<String>,
    /// Every other parameter, in order.
    pub extra: Vec<(String, String)>,
}

impl AuthorizationError {
    /// An error response with only a code.
    pub fn new(error: ErrorCode) -> Self {
        AuthorizationError {
            error,
            error_description: None,
            error_uri: None,
            state: None,
            iss: None,
            extra: Vec::new(),
        }
    }

    /// The error as the client reports it ([`Error::Server`]): `state` and `iss` dropped, the
    /// other parameters in [`ErrorResponse::extra`].
    pub fn into_error_response(self) -> ErrorResponse {
        let mut e = ErrorResponse::new(self.error);
        e.error_description = self.error_description;
        e.error_uri = self.error_uri;
        for (k, v) in self.extra {
            e.extra.insert(k, Value::String(v));
        }
        e
    }
}

/// An authorization response as the authorization server sends it to the redirect URI:
/// success or error (RFC 6749 §4.1.2, §4.1.2.1, §4.2.2, §4.2.2.1). A client receives it as an
/// [`AuthorizationResponse`](crate::AuthorizationResponse) and has it checked by its
/// [`PendingAuthorization`](crate::PendingAuthorization), which reads it with
/// [`AuthorizationResponseParams::from_form_params`].
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizationResponseParams {
    /// A successful response.
    Success(AuthorizationSuccess),
    /// An error response (it has `error`).
    Error(AuthorizationError),
}

impl AuthorizationResponseParams {
    /// Strictly parses a query string, fragment or `form_post` body (repeated parameters
    /// refused, RFC 6749 §3.1). A response with `error` is an error response, whatever else it
    /// carries (RFC 6749 §4.1.2.1).
    pub fn parse(input: &[u8]) -> Result<Self> {
        Self::from_form_params(&FormParams::parse(input)?)
    }

    /// Reads the parameters of an already parsed (duplicate-free) set.
    pub fn from_form_params(p: &FormParams) -> Result<Self> {
        let owned = |name: &str| p.get(name).map(str::to_owned);
        if let Some(error) = p.get("error") {
            return Ok(AuthorizationResponseParams::Error(AuthorizationError {
                error: ErrorCode::parse(error),
                error_description: owned("error_description"),
                error_uri: owned("error_uri"),
                state: owned("state"),
                iss: owned("iss"),
                extra: extra(
                    p,
                    &["error", "error_description", "error_uri", "state", "iss"],
                ),
            }));
        }
        Ok(AuthorizationResponseParams::Success(AuthorizationSuccess {
            code: p.get("code").map(AuthorizationCode::new),
            access_token: p.get("access_token").map(AccessToken::new),
            token_type: p.get("token_type").map(TokenType::parse),
            // RFC 6749 §4.2.2: a decimal number of seconds, a string in a redirect.
            expires_in: p
                .get("expires_in")
                .map(|s| decimal(s, "expires_in"))
                .transpose()?,
            // A value of spaces only holds no scope token: absent, as an empty value is.
            scope: p
                .get("scope")
                .map(wire::split_scope)
                .filter(|s| !s.is_empty()),
            id_token: p.get("id_token").map(IdToken::new),
            state: owned("state"),
            iss: owned("iss"),
            extra: extra(
                p,
                &[
                    "code",
                    "access_token",
                    "token_type",
                    "expires_in",
                    "scope",
                    "id_token",
                    "state",
                    "iss",
                ],
            ),
        }))
    }

    /// The parameters as name/value pairs, in a fixed order; absent and empty values are left
    /// out.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut one = |name: &str, value: Option<&str>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                out.push((name.to_owned(), v.to_owned()));
            }
        };
        let extra = match self {
            AuthorizationResponseParams::Success(s) => {
                one("code", s.code.as_ref().map(AuthorizationCode::secret));
                one(
                    "access_token",
                    s.access_token.as_ref().map(AccessToken::secret),
                );
                one("token_type", s.token_type.as_ref().map(TokenType::as_str));
                one("expires_in", s.expires_in.map(|e| e.to_string()).as_deref());
                one("scope", s.scope.as_ref().map(|s| s.join(" ")).as_deref());
                one("id_token", s.id_token.as_ref().map(IdToken::secret));
                one("state", s.state.as_deref());
                one("iss", s.iss.as_deref());
                &s.extra
            }
            AuthorizationResponseParams::Error(e) => {
                one("error", Some(e.error.as_str()));
                one("error_description", e.error_description.as_deref());
                one("error_uri", e.error_uri.as_deref());
                one("state", e.state.as_deref());
                one("iss", e.iss.as_deref());
                &e.extra
            }
        };
        for (k, v) in extra {
            if !v.is_empty() {
                out.push((k.clone(), v.clone()));
            }
        }
        out
    }

    /// The parameters form-encoded (RFC 6749 Appendix B).
    pub fn to_form(&self) -> String {
        encode_form(
            self.to_pairs()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }

    /// The redirect to send the user agent to: `redirect_uri` with the parameters in its
    /// query (added to the query it has, RFC 6749 §4.1.2) or its fragment. Tokens are never
    /// put in a query (Multiple Response Type Encoding Practices §2.1), and `form_post` is an
    /// HTML page rather than a redirect: both are refused.
    pub fn to_redirect_url(&self, redirect_uri: &Url, mode: &ResponseMode) -> Result<Url> {
        let mut url = redirect_uri.clone();
        match mode {
            ResponseMode::Query => {
                if matches!(self, AuthorizationResponseParams::Success(s) if s.has_tokens()) {
                    return Err(Error::Misuse(
                        "tokens are never returned in a query (Multiple Response Type Encoding Practices §2.1)",
                    ));
                }
                let mut q = url.query_pairs_mut();
                for (k, v) in self.to_pairs() {
                    q.append_pair(&k, &v);
                }
            }
            ResponseMode::Fragment => url.set_fragment(Some(&self.to_form())),
            _ => {
                return Err(Error::Misuse(
                    "only the query and fragment response modes are redirects",
                ));
            }
        }
        Ok(url)
    }
}

fn invalid(name: &'static str, reason: &'static str) -> Error {
    ProtocolError::InvalidParameter { name, reason }.into()
}

/// A non-negative decimal integer sent as a string (`expires_in` in a redirect, RFC 6749
/// §4.2.2; `max_age`, OpenID Connect Core §3.1.2.1): digits only, no sign, no fraction.
fn decimal(s: &str, name: &'static str) -> Result<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(name, "not a decimal integer"));
    }
    s.parse().map_err(|_| invalid(name, "out of range"))
}

/// A space-separated list whose items are non-empty (single spaces between them).
fn space_list(value: Option<&str>, name: &'static str) -> Result<Vec<String>> {
    let Some(v) = value else {
        return Ok(Vec::new());
    };
    let items: Vec<String> = v.split(' ').map(str::to_owned).collect();
    if items.iter().any(String::is_empty) {
        return Err(invalid(name, "values are separated by single spaces"));
    }
    Ok(items)
}

/// RFC 7636 §4.1/§4.2 syntax: 43 to 128 characters of `[A-Za-z0-9-._~]`.
pub(crate) fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn extra(p: &FormParams, known: &[&str]) -> Vec<(String, String)> {
    p.iter()
        .filter(|(k, _)| !known.contains(k))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
