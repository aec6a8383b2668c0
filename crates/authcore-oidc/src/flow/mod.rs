//! Authentication requests and their responses for the authorization code, implicit and
//! hybrid flows (OpenID Connect Core 1.0 §3), and ID tokens of refresh responses (§12).

use core::fmt;

use authcore_jose::{JwsSigner, KeySource, SecureRandom, UnixTime};
use authcore_oauth2::{
    AccessToken, AuthorizationCode, AuthorizationRequest, AuthorizationResponse,
    AuthorizationServer, Client, ErrorCode, ErrorResponse, IdToken, Nonce, PendingAuthorization,
    PkceCodeVerifier, PkceMethod, ProtocolError, ResponseMode, SecurityError, State, TokenRequest,
    TokenResponse, TokenType, request_object_claims, sign_request_object,
};
use serde_json::{Map, Value};
use url::Url;

use crate::claims::IdTokenClaims;
use crate::error::{Error, Result};
use crate::id_token::{IdTokenExpectations, IdTokenVerifier};

/// An OpenID Connect `response_type` (OpenID Connect Core 1.0 §3; OAuth 2.0 Multiple Response
/// Type Encoding Practices §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ResponseType {
    /// `code`: the authorization code flow (§3.1).
    Code,
    /// `id_token`: implicit flow, ID token only (§3.2).
    IdToken,
    /// `id_token token`: implicit flow with an access token (§3.2).
    IdTokenToken,
    /// `code id_token`: hybrid flow (§3.3).
    CodeIdToken,
    /// `code token`: hybrid flow (§3.3).
    CodeToken,
    /// `code id_token token`: hybrid flow (§3.3).
    CodeIdTokenToken,
}

impl ResponseType {
    /// The `response_type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResponseType::Code => "code",
            ResponseType::IdToken => "id_token",
            ResponseType::IdTokenToken => "id_token token",
            ResponseType::CodeIdToken => "code id_token",
            ResponseType::CodeToken => "code token",
            ResponseType::CodeIdTokenToken => "code id_token token",
        }
    }

    /// Parses a `response_type` value; the space-separated values may come in any order.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts: Vec<&str> = s.split(' ').collect();
        parts.sort_unstable();
        Some(match parts.as_slice() {
            ["code"] => ResponseType::Code,
            ["id_token"] => ResponseType::IdToken,
            ["id_token", "token"] => ResponseType::IdTokenToken,
            ["code", "id_token"] => ResponseType::CodeIdToken,
            ["code", "token"] => ResponseType::CodeToken,
            ["code", "id_token", "token"] => ResponseType::CodeIdTokenToken,
            _ => return None,
        })
    }

    /// Whether the authorization endpoint returns a `code`.
    pub const fn returns_code(self) -> bool {
        matches!(
            self,
            ResponseType::Code
                | ResponseType::CodeIdToken
                | ResponseType::CodeToken
                | ResponseType::CodeIdTokenToken
        )
    }

    /// Whether the authorization endpoint returns an `id_token`.
    pub const fn returns_id_token(self) -> bool {
        matches!(
            self,
            ResponseType::IdToken
                | ResponseType::IdTokenToken
                | ResponseType::CodeIdToken
                | ResponseType::CodeIdTokenToken
        )
    }

    /// Whether the authorization endpoint returns an `access_token`.
    pub const fn returns_access_token(self) -> bool {
        matches!(
            self,
            ResponseType::IdTokenToken | ResponseType::CodeToken | ResponseType::CodeIdTokenToken
        )
    }

    /// The default response mode: `query` for `code`, `fragment` for the others (tokens never
    /// go in a query, Multiple Response Type Encoding Practices §2.1).
    pub fn default_response_mode(self) -> ResponseMode {
        if self == ResponseType::Code {
            ResponseMode::Query
        } else {
            ResponseMode::Fragment
        }
    }
}

impl fmt::Display for ResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parameters this module sets itself; [`AuthenticationRequest::param`] may not set them.
const RESERVED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "max_age",
    "prompt",
    "acr_values",
    "claims",
    "login_hint",
    "ui_locales",
    "id_token_hint",
    "display",
    "request",
    "request_uri",
];

/// An OpenID Connect authentication request (OpenID Connect Core 1.0 §3.1.2.1) being
/// composed: `scope` always includes `openid`, a `nonce` is always generated (the caller's
/// RNG), and code-bearing response types use PKCE S256.
///
/// `response_type=code` is built by `authcore-oauth2`'s [`AuthorizationRequest`], whose
/// [`PendingAuthorization`] the resulting [`PendingAuthentication`] wraps.
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthenticationRequest {
    response_type: ResponseType,
    redirect_uri: String,
    scopes: Vec<String>,
    max_age: Option<u64>,
    prompt: Vec<String>,
    acr_values: Vec<String>,
    essential_acr: Vec<String>,
    claims: Option<Map<String, Value>>,
    login_hint: Option<String>,
    id_token_hint: Option<String>,
    ui_locales: Vec<String>,
    display: Option<String>,
    response_mode: Option<ResponseMode>,
    extra: Vec<(String, String)>,
}

impl AuthenticationRequest {
    /// An authorization code flow request returning to `redirect_uri`.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        AuthenticationRequest {
            response_type: ResponseType::Code,
            redirect_uri: redirect_uri.into(),
            scopes: Vec::new(),
            max_age: None,
            prompt: Vec::new(),
            acr_values: Vec::new(),
            essential_acr: Vec::new(),
            claims: None,
            login_hint: None,
            id_token_hint: None,
            ui_locales: Vec::new(),
            display: None,
            response_mode: None,
            extra: Vec::new(),
        }
    }

    /// Uses another response type (implicit or hybrid flow).
    pub fn response_type(mut self, response_type: ResponseType) -> Self {
        self.response_type = response_type;
        self
    }

    /// Adds a scope besides `openid` (`profile`, `email`, `offline_access`...).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        let s = scope.into();
        if s != "openid" && !self.scopes.contains(&s) {
            self.scopes.push(s);
        }
        self
    }

    /// `max_age`: the end-user must have authenticated at most `secs` ago; the ID token then
    /// must carry a recent enough `auth_time` (§3.1.2.1, §3.1.3.7 step 13).
    pub fn max_age(mut self, secs: u64) -> Self {
        self.max_age = Some(secs);
        self
    }

    /// Adds a `prompt` value (`none`, `login`, `consent`, `select_account`).
    pub fn prompt(mut self, value: impl Into<String>) -> Self {
        self.prompt.push(value.into());
        self
    }

    /// Adds a voluntary `acr_values` entry (not checked in the ID token: the provider may
    /// satisfy another one, §3.1.2.1).
    pub fn acr_value(mut self, value: impl Into<String>) -> Self {
        self.acr_values.push(value.into());
        self
    }

    /// Requests `acr` as an essential claim with these values (§5.5.1.1, through the `claims`
    /// parameter); the ID token's `acr` must then be one of them.
    pub fn essential_acr<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.essential_acr = values.into_iter().map(Into::into).collect();
        self
    }

    /// The `claims` request parameter (§5.5): a JSON object with `userinfo` and/or `id_token`
    /// members. Essential `acr` values in its `id_token` member are checked in the ID token.
    pub fn claims(mut self, claims: Map<String, Value>) -> Self {
        self.claims = Some(claims);
        self
    }

    /// `login_hint`.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// `id_token_hint`: a previously issued ID token.
    pub fn id_token_hint(mut self, token: &IdToken) -> Self {
        self.id_token_hint = Some(token.secret().to_owned());
        self
    }

    /// Adds a `ui_locales` entry (BCP 47 language tag, in order of preference).
    pub fn ui_locale(mut self, tag: impl Into<String>) -> Self {
        self.ui_locales.push(tag.into());
        self
    }

    /// `display` (`page`, `popup`, `touch`, `wap`).
    pub fn display(mut self, display: impl Into<String>) -> Self {
        self.display = Some(display.into());
        self
    }

    /// `response_mode` (`query`, `fragment`, `form_post`). `query` is refused for response
    /// types that return tokens.
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.response_mode = Some(mode);
        self
    }

    /// Adds an extension parameter; parameters this type manages are refused when building.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The `claims` parameter as sent, with the essential `acr` request merged in.
    fn claims_parameter(&self) -> Result<Option<Map<String, Value>>> {
        let mut claims = self.claims.clone();
        if !self.essential_acr.is_empty() {
            let c = claims.get_or_insert_with(Map::new);
            let id_token = c
                .entry("id_token")
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(id_token) = id_token else {
                return Err(Error::Misuse("`claims.id_token` must be an object"));
            };
            id_token.insert(
                "acr".into(),
                serde_json::json!({"essential": true, "values": self.essential_acr}),
            );
        }
        Ok(claims)
    }

    /// The OpenID Connect parameters (besides those of OAuth 2.0) and what the response must
    /// be checked against.
    fn oidc_params(&self) -> Result<(Vec<(&'static str, String)>, RequestContext)> {
        if self
            .extra
            .iter()
            .any(|(n, _)| RESERVED.contains(&n.as_str()))
        {
            return Err(Error::Misuse("extension parameter is reserved"));
        }
        if self.response_type != ResponseType::Code
            && self.response_mode == Some(ResponseMode::Query)
        {
            return Err(Error::Misuse(
                "tokens are never returned in a query (Multiple Response Type Encoding Practices §3)",
            ));
        }
        let claims = self.claims_parameter()?;
        let essential_acr = essential_acr_values(claims.as_ref());
        let mut params: Vec<(&'static str, String)> = Vec::new();
        if let Some(m) = self.max_age {
            params.push(("max_age", m.to_string()));
        }
        if !self.prompt.is_empty() {
            params.push(("prompt", self.prompt.join(" ")));
        }
        if !self.acr_values.is_empty() {
            params.push(("acr_values", self.acr_values.join(" ")));
        }
        if let Some(c) = &claims {
            params.push(("claims", Value::Object(c.clone()).to_string()));
        }
        if let Some(h) = &self.login_hint {
            params.push(("login_hint", h.clone()));
        }
        if let Some(h) = &self.id_token_hint {
            params.push(("id_token_hint", h.clone()));
        }
        if !self.ui_locales.is_empty() {
            params.push(("ui_locales", self.ui_locales.join(" ")));
        }
        if let Some(d) = &self.display {
            params.push(("display", d.clone()));
        }
        let context = RequestContext {
            response_type: self.response_type,
            max_age: self.max_age,
            essential_acr,
        };
        Ok((params, context))
    }

    /// The authorization code flow as an `authcore-oauth2` request: nonce, `openid` scope and
    /// the OpenID Connect parameters added.
    fn into_oauth2(self) -> Result<(AuthorizationRequest, RequestContext)> {
        let (params, context) = self.oidc_params()?;
        let mut req = AuthorizationRequest::new(self.redirect_uri)
            .with_nonce()
            .scope("openid")
            .scopes(self.scopes);
        if let Some(mode) = self.response_mode {
            req = req.response_mode(mode);
        }
        for (k, v) in params {
            req = req.param(k, v);
        }
        for (k, v) in self.extra {
            req = req.param(k, v);
        }
        Ok((req, context))
    }

    /// Builds a pushed authorization request (RFC 9126) for the authorization code flow: the
    /// parameters POSTed to the PAR endpoint with client authentication. The response yields
    /// the authorization URL and the [`PendingAuthentication`]. Implicit and hybrid response
    /// types are refused.
    pub fn build_par_request(
        self,
        client: &Client,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthentication)> {
        self.pushed(|req| req.build_par_request(client, server, now, rng))
    }

    /// Builds a pushed authorization request (RFC 9126 §3) whose parameters travel in a signed
    /// request object (RFC 9101, OpenID Connect Core §6.1): the PAR endpoint receives client
    /// authentication, `client_id` and `request`. Authorization code flow only, as
    /// [`AuthenticationRequest::build_par_request`].
    pub fn build_signed_par_request(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthentication)> {
        self.pushed(|req| req.build_signed_par_request(client, server, signer, now, rng))
    }

    /// A pushed request for the authorization code flow, built by `push` from this request's
    /// `authcore-oauth2` form.
    fn pushed(
        self,
        push: impl FnOnce(
            AuthorizationRequest,
        ) -> authcore_oauth2::Result<(
            http::Request<Vec<u8>>,
            authcore_oauth2::PendingPushedAuthorization,
        )>,
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthentication)> {
        if self.response_type != ResponseType::Code {
            return Err(Error::Misuse(
                "pushed authorization requests are built for response_type=code only",
            ));
        }
        let (req, context) = self.into_oauth2()?;
        let (request, pending) = push(req)?;
        Ok((request, PendingPushedAuthentication { pending, context }))
    }

    /// Builds a signed request object (OpenID Connect Core §6.1, RFC 9101 §4) holding every
    /// parameter of this request, for any response type: the members and types of
    /// [`authcore_oauth2::request_object_claims`] (`max_age` a number, `claims` an object),
    /// plus `iss` (the client), `aud` (the issuer), `iat`, `nbf`, `exp` and `jti`. Host it
    /// and send it by reference with [`AuthenticationRequest::signed_url_with_request_uri`],
    /// or use [`AuthenticationRequest::build_signed_url`] to send it by value.
    pub fn build_request_object(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(String, PendingAuthentication)> {
        // Refused here, as this crate's misuse, before any value is generated.
        if server.issuer().is_none() {
            return Err(Error::Misuse(
                "a request object needs the issuer as its audience",
            ));
        }
        // The parameters are exactly those of the plain URL, with every check of build_url.
        let endpoint_pairs = server.authorization_endpoint()?.query_pairs().count();
        let (url, pending) = self.build_url(client, server, rng)?;
        let params = url
            .query_pairs()
            .skip(endpoint_pairs)
            .map(|(k, v)| (k.into_owned(), v.into_owned()));
        let claims = request_object_claims(params)?;
        let jwt = sign_request_object(claims, client, server, signer, now, rng)?;
        Ok((jwt, pending))
    }

    /// Builds an authorization URL carrying a signed request object by value (OpenID Connect
    /// Core §6.1, RFC 9101 §5.1). Besides `request`, the URL repeats `client_id`,
    /// `response_type` and `scope` (with `openid`), which OpenID Connect Core §6.1 requires in
    /// the query so that the request is still a valid OAuth 2.0 request; their values equal
    /// those inside the object. Everything else (`state`, `nonce`, PKCE, `redirect_uri`, ...)
    /// is only inside.
    pub fn build_signed_url(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(Url, PendingAuthentication)> {
        let mut url = self.outer_url(client, server)?;
        let (jwt, pending) = self.build_request_object(client, server, signer, now, rng)?;
        url.query_pairs_mut().append_pair("request", &jwt);
        Ok((url, pending))
    }

    /// The authorization URL for a request object hosted at `request_uri` (OpenID Connect
    /// Core §6.2, RFC 9101 §5.2), made by [`AuthenticationRequest::build_request_object`]
    /// from this same request: `client_id`, `response_type`, `scope` and `request_uri`.
    pub fn signed_url_with_request_uri(
        &self,
        client: &Client,
        server: &AuthorizationServer,
        request_uri: &str,
    ) -> Result<Url> {
        let mut url = self.outer_url(client, server)?;
        url.query_pairs_mut()
            .append_pair("request_uri", request_uri);
        Ok(url)
    }

    /// The authorization endpoint with the parameters OpenID Connect Core §6.1 wants outside a
    /// request object as well: `client_id`, `response_type` and `scope`.
    fn outer_url(&self, client: &Client, server: &AuthorizationServer) -> Result<Url> {
        let mut url = server.authorization_endpoint()?.clone();
        url.query_pairs_mut()
            .append_pair("client_id", client.client_id())
            .append_pair("response_type", self.response_type.as_str())
            .append_pair("scope", &self.scope_value());
        Ok(url)
    }

    /// The `scope` value sent: `openid` and the requested scopes.
    fn scope_value(&self) -> String {
        let mut scope = String::from("openid");
        for s in &self.scopes {
            scope.push(' ');
            scope.push_str(s);
        }
        scope
    }

    /// Builds the authorization URL (parameters appended to the endpoint's own query) and the
    /// [`PendingAuthentication`] that alone can handle the response.
    pub fn build_url(
        self,
        client: &Client,
        server: &AuthorizationServer,
        rng: &dyn SecureRandom,
    ) -> Result<(Url, PendingAuthentication)> {
        if self.response_type == ResponseType::Code {
            let (req, context) = self.into_oauth2()?;
            let (url, pending) = req.build_url(client, server, rng)?;
            return Ok((
                url,
                PendingAuthentication {
                    inner: Inner::Code(pending),
                    context,
                },
            ));
        }
        let (params, context) = self.oidc_params()?;

        if server.require_pushed_authorization_requests() {
            return Err(Error::Misuse(
                "this server requires pushed authorization requests",
            ));
        }
        for (name, _) in &self.extra {
            if self.extra.iter().filter(|(n, _)| n == name).count() > 1 {
                return Err(Error::Misuse("extension parameter is repeated"));
            }
        }
        if Url::parse(&self.redirect_uri).is_err() {
            return Err(Error::Misuse(
                "redirect_uri must be an absolute URI (RFC 6749 §3.1.2)",
            ));
        }
        // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        let scope_token = |t: &str| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
        };
        if !self.scopes.iter().all(|t| scope_token(t)) {
            return Err(Error::Misuse(
                "a scope token has a character RFC 6749 §3.3 forbids",
            ));
        }
        let state = State::generate(rng)?;
        let nonce = Nonce::generate(rng)?;
        let verifier = if self.response_type.returns_code() {
            Some(PkceCodeVerifier::generate(rng)?)
        } else {
            None
        };
        let mut url = server.authorization_endpoint()?.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", self.response_type.as_str());
            q.append_pair("client_id", client.client_id());
            q.append_pair("redirect_uri", &self.redirect_uri);
            q.append_pair("scope", &self.scope_value());
            q.append_pair("state", state.secret());
            q.append_pair("nonce", nonce.secret());
            if let Some(v) = &verifier {
                q.append_pair(
                    "code_challenge",
                    &v.challenge(PkceMethod::S256, client.crypto_provider()),
                );
                q.append_pair("code_challenge_method", PkceMethod::S256.as_str());
            }
            if let Some(m) = &self.response_mode {
                q.append_pair("response_mode", m.as_str());
            }
            for (k, v) in &params {
                q.append_pair(k, v);
            }
            for (k, v) in &self.extra {
                q.append_pair(k, v);
            }
        }
        Ok((
            url,
            PendingAuthentication {
                inner: Inner::FrontChannel(FrontChannelState {
                    state,
                    nonce,
                    verifier,
                    redirect_uri: self.redirect_uri,
                    expected_issuer: server.issuer().map(str::to_owned),
                    iss_required: server.iss_parameter_supported(),
                }),
                context,
            },
        ))
    }
}

/// The `values` (or `value`) of an essential `acr` request in `claims.id_token.acr`.
fn essential_acr_values(claims: Option<&Map<String, Value>>) -> Vec<String> {
    let Some(acr) = claims
        .and_then(|c| c.get("id_token"))
        .and_then(|i| i.get("acr"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    if acr.get("essential") != Some(&Value::Bool(true)) {
        return Vec::new();
    }
    let mut out: Vec<String> = acr
        .get("values")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(v) = acr.get("value").and_then(Value::as_str) {
        out.push(v.to_owned());
    }
    out
}

/// What the request asked for that the ID token must reflect.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct RequestContext {
    response_type: ResponseType,
    max_age: Option<u64>,
    essential_acr: Vec<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct FrontChannelState {
    state: State,
    nonce: Nonce,
    verifier: Option<PkceCodeVerifier>,
    redirect_uri: String,
    expected_issuer: Option<String>,
    iss_required: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
enum Inner {
    Code(PendingAuthorization),
    FrontChannel(FrontChannelState),
}

/// An authentication request that was sent; the only value that can handle its response.
///
/// It owns `state`, `nonce` and the PKCE verifier and remembers `max_age` and essential `acr`
/// values, so the ID token is checked against exactly what was asked. Handling the response
/// consumes it. It can be persisted with serde between the redirect and the callback (the
/// serialized form holds those secrets: keep it server-side or encrypted).
#[derive(serde::Serialize, serde::Deserialize)]
#[must_use]
pub struct PendingAuthentication {
    inner: Inner,
    context: RequestContext,
}

impl fmt::Debug for PendingAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthentication")
            .field("response_type", &self.context.response_type)
            .field("max_age", &self.context.max_age)
            .field("essential_acr", &self.context.essential_acr)
            .finish_non_exhaustive()
    }
}

/// A pushed authentication request that was sent; its response yields the authorization URL
/// and the [`PendingAuthentication`].
#[must_use]
pub struct PendingPushedAuthentication {
    pending: authcore_oauth2::PendingPushedAuthorization,
    context: RequestContext,
}

impl fmt::Debug for PendingPushedAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingPushedAuthentication")
            .field("max_age", &self.context.max_age)
            .finish_non_exhaustive()
    }
}

impl PendingPushedAuthentication {
    /// Handles the PAR endpoint's response (RFC 9126 §2.2): the authorization URL
    /// (`client_id` and `request_uri`) and the pending authentication.
    pub fn handle_par_response(
        self,
        resp: &http::Response<Vec<u8>>,
    ) -> Result<(Url, PendingAuthentication)> {
        let (url, _, pending) = self.pending.handle_par_response(resp)?;
        Ok((
            url,
            PendingAuthentication {
                inner: Inner::Code(pending),
                context: self.context,
            },
        ))
    }
}

impl PendingAuthentication {
    /// The `state` sent, for finding the pending request when the response arrives.
    pub fn state(&self) -> &State {
        match &self.inner {
            Inner::Code(p) => p.state(),
            Inner::FrontChannel(f) => &f.state,
        }
    }

    /// The `nonce` sent (always present in values this crate builds).
    pub fn nonce(&self) -> Option<&Nonce> {
        match &self.inner {
            Inner::Code(p) => p.nonce(),
            Inner::FrontChannel(f) => Some(&f.nonce),
        }
    }

    /// The response type requested.
    pub fn response_type(&self) -> ResponseType {
        self.context.response_type
    }

    /// The `max_age` requested.
    pub fn max_age(&self) -> Option<u64> {
        self.context.max_age
    }

    /// Handles the authorization response (from the redirect URI's query or fragment, or a
    /// `form_post` body): checks `state` (constant time) and `iss` (RFC 9207), turns an error
    /// response into [`authcore_oauth2::Error::Server`], and checks that the parameters of
    /// the response type are present. The ID token is validated in the next step,
    /// [`AuthenticationResponse::validate`].
    pub fn handle_callback(
        self,
        response: &AuthorizationResponse,
    ) -> Result<AuthenticationResponse> {
        let PendingAuthentication { inner, context } = self;
        let state_param = response.get("state").map(str::to_owned);
        match inner {
            Inner::Code(pending) => {
                if response.get("id_token").is_some() || response.get("access_token").is_some() {
                    return Err(ProtocolError::Malformed(
                        "tokens in the response to a `code` request",
                    )
                    .into());
                }
                let grant = pending.handle_callback(response)?;
                let (request, nonce) = grant.into_parts();
                Ok(AuthenticationResponse {
                    context,
                    nonce: nonce.ok_or(Error::Misuse("code request without nonce"))?,
                    state: state_param,
                    code: None,
                    token_request: Some(request),
                    id_token: None,
                    access_token: None,
                })
            }
            Inner::FrontChannel(f) => {
                check_front_channel(&f, response)?;
                let rt = context.response_type;
                let get = |name: &'static str| -> Result<String> {
                    response
                        .get(name)
                        .map(str::to_owned)
                        .ok_or_else(|| ProtocolError::MissingParameter(name).into())
                };
                let id_token = if rt.returns_id_token() {
                    Some(IdToken::new(get("id_token")?))
                } else {
                    None
                };
                let access_token = if rt.returns_access_token() {
                    Some(ImplicitAccessToken::from_response(response)?)
                } else {
                    None
                };
                let (code, token_request) = if rt.returns_code() {
                    let code = get("code")?;
                    let request = TokenRequest::authorization_code(
                        AuthorizationCode::new(code.clone()),
                        f.redirect_uri,
                        f.verifier,
                    );
                    (Some(AuthorizationCode::new(code)), Some(request))
                } else {
                    (None, None)
                };
                Ok(AuthenticationResponse {
                    context,
                    nonce: f.nonce,
                    state: state_param,
                    code,
                    token_request,
                    id_token,
                    access_token,
                })
            }
        }
    }
}

/// `state`, `iss` and error checks of a front-channel response (RFC 6749 §10.12, RFC 9207).
fn check_front_channel(f: &FrontChannelState, response: &AuthorizationResponse) -> Result<()> {
    let state = response.get("state").ok_or(SecurityError::MissingState)?;
    if State::new(state) != f.state {
        return Err(authcore_oauth2::Error::from(SecurityError::StateMismatch).into());
    }
    match (response.get("iss"), &f.expected_issuer) {
        (Some(iss), Some(expected)) if iss != expected => {
            return Err(authcore_oauth2::Error::from(SecurityError::IssuerMismatch {
                expected: expected.clone(),
                received: iss.to_owned(),
            })
            .into());
        }
        (None, _) if f.iss_required => {
            return Err(authcore_oauth2::Error::from(SecurityError::MissingIssuer).into());
        }
        _ => {}
    }
    if let Some(code) = response.get("error") {
        let mut e = ErrorResponse::new(ErrorCode::parse(code));
        e.error_description = response.get("error_description").map(str::to_owned);
        e.error_uri = response.get("error_uri").map(str::to_owned);
        return Err(authcore_oauth2::Error::Server(e).into());
    }
    Ok(())
}

impl From<SecurityError> for Error {
    fn from(e: SecurityError) -> Self {
        Error::OAuth2(e.into())
    }
}

/// An access token returned by the authorization endpoint (`id_token token`, `code token`,
/// `code id_token token`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImplicitAccessToken {
    /// `access_token`.
    pub access_token: AccessToken,
    /// `token_type` (always `Bearer` here: the front channel cannot carry DPoP-bound tokens).
    pub token_type: TokenType,
    /// `expires_in`, seconds.
    pub expires_in: Option<u64>,
    /// `scope`, if the provider returned one.
    pub scope: Option<Vec<String>>,
}

impl ImplicitAccessToken {
    fn from_response(r: &AuthorizationResponse) -> Result<Self> {
        let access_token = r
            .get("access_token")
            .ok_or(ProtocolError::MissingParameter("access_token"))?;
        let token_type = TokenType::parse(
            r.get("token_type")
                .ok_or(ProtocolError::MissingParameter("token_type"))?,
        );
        if token_type != TokenType::Bearer {
            return Err(ProtocolError::UnusableTokenType(token_type.as_str().to_owned()).into());
        }
        let expires_in = match r.get("expires_in") {
            None => None,
            Some(s) if !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()
            }
            Some(_) => {
                return Err(ProtocolError::InvalidParameter {
                    name: "expires_in",
                    reason: "not a decimal integer",
                }
                .into());
            }
        };
        Ok(ImplicitAccessToken {
            access_token: AccessToken::new(access_token),
            token_type,
            expires_in,
            scope: r.get("scope").map(|s| {
                s.split(' ')
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
        })
    }
}

/// An authorization response whose `state` and `iss` were checked, whose ID token (if any)
/// is not yet validated.
#[must_use]
pub struct AuthenticationResponse {
    context: RequestContext,
    nonce: Nonce,
    state: Option<String>,
    code: Option<AuthorizationCode>,
    token_request: Option<TokenRequest>,
    id_token: Option<IdToken>,
    access_token: Option<ImplicitAccessToken>,
}

impl fmt::Debug for AuthenticationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticationResponse")
            .field("response_type", &self.context.response_type)
            .field("has_code", &self.token_request.is_some())
            .field("has_id_token", &self.id_token.is_some())
            .field("has_access_token", &self.access_token.is_some())
            .finish_non_exhaustive()
    }
}

/// The result of validating an [`AuthenticationResponse`].
#[derive(Debug)]
#[must_use]
pub enum CallbackOutcome {
    /// The response carries a code (`code`, `code token`, `code id_token`, `code id_token
    /// token`): exchange it at the token endpoint.
    CodeExchange(CodeExchange),
    /// Implicit flow (`id_token`, `id_token token`): the end-user is authenticated.
    Authenticated(Authentication),
}

impl AuthenticationResponse {
    /// The front-channel ID token, if the response type returns one. Show it to
    /// [`JwksCache::poll_for_token`](crate::JwksCache::poll_for_token) before
    /// [`AuthenticationResponse::validate`], so a rotated key is fetched first.
    pub fn id_token(&self) -> Option<&str> {
        self.id_token.as_ref().map(IdToken::secret)
    }

    /// The response type of the request.
    pub fn response_type(&self) -> ResponseType {
        self.context.response_type
    }

    fn expectations(&self) -> IdTokenExpectations<'_> {
        let mut e = IdTokenExpectations::authorization_endpoint(self.context.response_type)
            .nonce(self.nonce.secret())
            .essential_acr_values(&self.context.essential_acr);
        if let Some(m) = self.context.max_age {
            e = e.max_age(m);
        }
        if let Some(c) = &self.code {
            e = e.code(c.secret());
        }
        if let Some(t) = &self.access_token {
            e = e.access_token(t.access_token.secret());
        }
        if let Some(s) = &self.state {
            e = e.state(s);
        }
        e
    }

    /// Validates the front-channel ID token, if any, with every check of §3.2.2.11 (implicit)
    /// or §3.3.2.12 (hybrid): signature, claims, `nonce`, `max_age`/`auth_time`, essential
    /// `acr`, `at_hash` and `c_hash` as the response type requires.
    pub fn validate(
        self,
        verifier: &IdTokenVerifier,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<CallbackOutcome> {
        let claims = match &self.id_token {
            Some(t) => Some(verifier.validate(t.secret(), keys, &self.expectations(), now)?),
            None => None,
        };
        let AuthenticationResponse {
            context,
            nonce,
            code,
            token_request,
            id_token,
            access_token,
            ..
        } = self;
        match token_request {
            Some(request) => Ok(CallbackOutcome::CodeExchange(CodeExchange {
                request,
                context,
                nonce,
                code,
                front_channel: claims,
                front_channel_access_token: access_token,
            })),
            None => match (claims, id_token) {
                (Some(claims), Some(id_token)) => {
                    Ok(CallbackOutcome::Authenticated(Authentication {
                        claims,
                        id_token,
                        tokens: None,
                        front_channel_access_token: access_token,
                    }))
                }
                _ => Err(Error::Misuse("response without code or ID token")),
            },
        }
    }

    /// For response types without a front-channel ID token (`code`, `code token`): the code
    /// exchange, without keys.
    pub fn into_code_exchange(self) -> Result<CodeExchange> {
        if self.id_token.is_some() {
            return Err(Error::Misuse(
                "this response carries an ID token: use validate()",
            ));
        }
        let request = self
            .token_request
            .ok_or(Error::Misuse("this response carries no code"))?;
        Ok(CodeExchange {
            request,
            context: self.context,
            nonce: self.nonce,
            code: self.code,
            front_channel: None,
            front_channel_access_token: self.access_token,
        })
    }
}

/// A validated callback with a code, ready for the token request (OpenID Connect Core 1.0
/// §3.1.3.1, §3.3.3.1). The token response's ID token is checked against the request's
/// `nonce`, `max_age` and essential `acr`, and in a hybrid flow against the front-channel ID
/// token.
#[must_use]
pub struct CodeExchange {
    request: TokenRequest,
    context: RequestContext,
    nonce: Nonce,
    /// The code of a front-channel (hybrid) response, for a `c_hash` in the second ID token.
    code: Option<AuthorizationCode>,
    front_channel: Option<IdTokenClaims>,
    front_channel_access_token: Option<ImplicitAccessToken>,
}

impl fmt::Debug for CodeExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeExchange")
            .field("request", &self.request)
            .field("response_type", &self.context.response_type)
            .field("front_channel", &self.front_channel)
            .finish_non_exhaustive()
    }
}

impl CodeExchange {
    /// The token request (`grant_type=authorization_code`, `code`, `redirect_uri`,
    /// `code_verifier`).
    pub fn token_request(&self) -> &TokenRequest {
        &self.request
    }

    /// Mutable access to the token request (`resource` indicators, extension parameters).
    pub fn token_request_mut(&mut self) -> &mut TokenRequest {
        &mut self.request
    }

    /// The claims of the validated front-channel ID token (hybrid flows).
    pub fn front_channel_claims(&self) -> Option<&IdTokenClaims> {
        self.front_channel.as_ref()
    }

    /// The access token returned by the authorization endpoint (`code token`, `code id_token
    /// token`).
    pub fn front_channel_access_token(&self) -> Option<&ImplicitAccessToken> {
        self.front_channel_access_token.as_ref()
    }

    /// The `nonce` sent.
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }

    /// Builds the token request for `client` at `server` (client authentication included).
    pub fn build_token_request(
        &self,
        client: &Client,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<http::Request<Vec<u8>>> {
        Ok(self.request.build_token_request(client, server, now, rng)?)
    }

    /// Validates the ID token of the token response (parse the HTTP response with
    /// [`authcore_oauth2::parse_token_response`] first): it is required (OpenID Connect Core
    /// 1.0 §3.1.3.3), and checked with every step of §3.1.3.7 plus `at_hash` when present;
    /// in a hybrid flow its `iss` and `sub` must equal the front-channel ID token's.
    ///
    /// Takes `&self` so that after a [`TokenError::UnknownKeyId`](crate::TokenError::UnknownKeyId)
    /// the call can be repeated once the JWKS cache has refetched; show the token to
    /// [`JwksCache::poll_for_token`](crate::JwksCache::poll_for_token) first to avoid that.
    pub fn validate_token_response(
        &self,
        tokens: TokenResponse,
        verifier: &IdTokenVerifier,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<Authentication> {
        let id_token = tokens
            .id_token
            .clone()
            .ok_or(ProtocolError::MissingParameter("id_token"))?;
        let mut e = IdTokenExpectations::token_endpoint()
            .nonce(self.nonce.secret())
            .essential_acr_values(&self.context.essential_acr)
            .access_token(tokens.access_token.secret());
        if let Some(c) = &self.code {
            // §3.3.3.6: a c_hash in the token endpoint's ID token is checked too.
            e = e.code(c.secret());
        }
        if let Some(m) = self.context.max_age {
            e = e.max_age(m);
        }
        let claims = match &self.front_channel {
            Some(front) => {
                verifier.validate_hybrid_token_endpoint(id_token.secret(), keys, &e, front, now)?
            }
            None => verifier.validate(id_token.secret(), keys, &e, now)?,
        };
        Ok(Authentication {
            claims,
            id_token,
            tokens: Some(tokens),
            front_channel_access_token: self.front_channel_access_token.clone(),
        })
    }
}

/// A completed OpenID Connect authentication: the validated ID token and the tokens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Authentication {
    /// The validated claims. `(iss, sub)` identifies the end-user.
    pub claims: IdTokenClaims,
    /// The ID token as received (for `id_token_hint` in later requests and logout).
    pub id_token: IdToken,
    /// The token endpoint response (absent for the implicit flow).
    pub tokens: Option<TokenResponse>,
    /// The access token returned by the authorization endpoint, if any.
    pub front_channel_access_token: Option<ImplicitAccessToken>,
}

/// Validates the ID token of a refresh token response, if it has one (OpenID Connect Core
/// 1.0 §12.2): same `iss`, `sub`, `aud` and `azp` as `previous`, `auth_time` unchanged if
/// present, no `nonce` required, `at_hash` checked when present.
pub fn validate_refresh_response(
    tokens: &TokenResponse,
    verifier: &IdTokenVerifier,
    keys: &(impl KeySource + ?Sized),
    previous: &IdTokenClaims,
    now: UnixTime,
) -> Result<Option<IdTokenClaims>> {
    match &tokens.id_token {
        None => Ok(None),
        Some(t) => verifier
            .validate_refreshed(
                t.secret(),
                keys,
                previous,
                Some(tokens.access_token.secret()),
                now,
            )
            .map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_types_round_trip() {
        for rt in [
            ResponseType::Code,
            ResponseType::IdToken,
            ResponseType::IdTokenToken,
            ResponseType::CodeIdToken,
            ResponseType::CodeToken,
            ResponseType::CodeIdTokenToken,
        ] {
            assert_eq!(ResponseType::parse(rt.as_str()), Some(rt));
        }
        assert_eq!(
            ResponseType::parse("token id_token code"),
            Some(ResponseType::CodeIdTokenToken)
        );
        for bad in ["", "token", "code code", "none", "code  id_token"] {
            assert_eq!(ResponseType::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn essential_acr_extraction() {
        let c: Map<String, Value> = serde_json::from_str(
            r#"{"id_token":{"acr":{"essential":true,"values":["a","b"],"value":"c"}}}"#,
        )
        .unwrap();
        assert_eq!(essential_acr_values(Some(&c)), ["a", "b", "c"]);
        let c: Map<String, Value> =
            serde_json::from_str(r#"{"id_token":{"acr":{"values":["a"]}}}"#).unwrap();
        assert!(essential_acr_values(Some(&c)).is_empty(), "voluntary");
        assert!(essential_acr_values(None).is_empty());
    }
}
