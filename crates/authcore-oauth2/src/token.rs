//! Token requests for every grant and the token response (RFC 6749 §4-§6, RFC 8693,
//! RFC 7523 §2.1, RFC 8628 §3.4, RFC 8707).

use core::fmt;

use authcore_jose::{SecureRandom, UnixTime};
use http::{Request, Response};
use serde_json::{Map, Value};

use crate::client::{AuthorizationServer, Client};
use crate::error::{Error, ProtocolError, Result, SecurityError};
use crate::form::{ClientAuthParams, FormParams, encode_form, parse_scope};
use crate::json_object::{JsonObject, Member, json_members};
use crate::secret::{
    AccessToken, AuthorizationCode, DeviceCode, IdToken, Password, PkceCodeVerifier, RefreshToken,
};
use crate::wire::{self, ContentTypeCheck, FormPost, check_resource, check_scope_token};
use crate::wire_write::{JsonWriter, json_http_response};

/// `grant_type` of the JWT bearer grant (RFC 7523 §2.1).
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// `grant_type` of token exchange (RFC 8693 §2.1).
pub const TOKEN_EXCHANGE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `grant_type` of the device authorization grant (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Token type identifiers of RFC 8693 §3.
pub mod token_type_uri {
    /// An OAuth 2.0 access token.
    pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
    /// An OAuth 2.0 refresh token.
    pub const REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
    /// An OpenID Connect ID token.
    pub const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
    /// A base64url-encoded SAML 1.1 assertion.
    pub const SAML1: &str = "urn:ietf:params:oauth:token-type:saml1";
    /// A base64url-encoded SAML 2.0 assertion.
    pub const SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";
    /// A JWT.
    pub const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
}

/// A token request for one grant (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6; RFC 7523 §2.1;
/// RFC 8628 §3.4; RFC 8693 §2.1), with optional `scope` and `resource` (RFC 8707 §2.2).
///
/// Side-neutral: a client builds it with the grant's constructor and sends it with
/// [`TokenRequest::build_token_request`] (which adds the [`Client`]'s authentication); a
/// server reads one with [`TokenRequest::from_form`]. [`TokenRequest::to_form`] is the body
/// without the HTTP request around it.
///
/// `Debug` shows parameter names only: values include codes, tokens and passwords; `==`
/// compares the form bodies in constant time.
#[must_use]
pub struct TokenRequest {
    grant_type: String,
    params: Vec<(String, String)>,
    scopes: Vec<String>,
    resources: Vec<String>,
    client: ClientAuthParams,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field(
                "parameters",
                &self.params.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("scopes", &self.scopes)
            .field("resources", &self.resources)
            .field("client", &self.client)
            .finish()
    }
}

impl PartialEq for TokenRequest {
    fn eq(&self, other: &Self) -> bool {
        authcore_jose::constant_time_eq(self.to_form().as_bytes(), other.to_form().as_bytes())
    }
}

impl Eq for TokenRequest {}

impl TokenRequest {
    fn new(grant_type: &str) -> Self {
        TokenRequest {
            grant_type: grant_type.to_owned(),
            params: Vec::new(),
            scopes: Vec::new(),
            resources: Vec::new(),
            client: ClientAuthParams::none(),
        }
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The authorization code grant's token request (RFC 6749 §4.1.3): `code`,
    /// `redirect_uri` and, with PKCE, `code_verifier` (RFC 7636 §4.5). Usually made by
    /// [`PendingAuthorization::handle_callback`](crate::PendingAuthorization::handle_callback);
    /// public for flows that receive the code elsewhere (the OpenID Connect hybrid flow).
    pub fn authorization_code(
        code: AuthorizationCode,
        redirect_uri: String,
        verifier: Option<PkceCodeVerifier>,
    ) -> Self {
        let mut r = TokenRequest::new("authorization_code")
            .with("code", code.secret())
            .with("redirect_uri", &redirect_uri);
        if let Some(v) = verifier {
            r = r.with("code_verifier", v.secret());
        }
        r
    }

    /// The device authorization grant's token request (RFC 8628 §3.4). Usually made by
    /// [`DeviceAuthorizationFlow`](crate::DeviceAuthorizationFlow).
    pub fn device_code(code: &DeviceCode) -> Self {
        TokenRequest::new(DEVICE_CODE_GRANT_TYPE).with("device_code", code.secret())
    }

    /// The client credentials grant (RFC 6749 §4.4).
    pub fn client_credentials() -> Self {
        TokenRequest::new("client_credentials")
    }

    /// The refresh token grant (RFC 6749 §6). A narrower `scope` may be requested; see
    /// [`parse_refresh_token_response`] for rotation.
    pub fn refresh_token(refresh_token: &RefreshToken) -> Self {
        TokenRequest::new("refresh_token").with("refresh_token", refresh_token.secret())
    }

    /// The JWT bearer authorization grant (RFC 7523 §2.1): `assertion` is a JWT the caller
    /// obtained or signed.
    pub fn jwt_bearer(assertion: &str) -> Self {
        TokenRequest::new(JWT_BEARER_GRANT_TYPE).with("assertion", assertion)
    }

    /// Token exchange (RFC 8693 §2.1) of `subject_token` of type `subject_token_type` (see
    /// [`token_type_uri`]). Add `actor_token`, `requested_token_type` and `audience` with the
    /// methods below; parse the answer with [`parse_token_exchange_response`].
    pub fn token_exchange(subject_token: &str, subject_token_type: &str) -> Self {
        TokenRequest::new(TOKEN_EXCHANGE_GRANT_TYPE)
            .with("subject_token", subject_token)
            .with("subject_token_type", subject_token_type)
    }

    /// The resource owner password credentials grant (RFC 6749 §4.3).
    #[deprecated(
        note = "RFC 9700 §2.4: the resource owner password credentials grant MUST NOT be used; \
                it exposes the user's credentials to the client"
    )]
    pub fn password(username: &str, password: &Password) -> Self {
        TokenRequest::new("password")
            .with("username", username)
            .with("password", password.secret())
    }

    /// An extension grant identified by an absolute URI (RFC 6749 §4.5); add its parameters
    /// with [`TokenRequest::param`].
    pub fn extension(grant_type: &str) -> Self {
        TokenRequest::new(grant_type)
    }

    /// RFC 8693 `actor_token` and `actor_token_type`.
    pub fn actor_token(self, token: &str, token_type: &str) -> Self {
        self.with("actor_token", token)
            .with("actor_token_type", token_type)
    }

    /// RFC 8693 `requested_token_type`.
    pub fn requested_token_type(self, token_type: &str) -> Self {
        self.with("requested_token_type", token_type)
    }

    /// RFC 8693 `audience` (may repeat).
    pub fn audience(self, audience: &str) -> Self {
        self.with("audience", audience)
    }

    /// Requests a scope token (RFC 6749 §3.3).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Adds a resource indicator (RFC 8707 §2.2).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Adds a resource indicator in place.
    pub fn add_resource(&mut self, resource: impl Into<String>) {
        self.resources.push(resource.into());
    }

    /// Adds an extension parameter. Names this request already sets, and the client
    /// authentication parameters, are refused when building.
    pub fn param(self, name: &str, value: &str) -> Self {
        self.with(name, value)
    }

    /// Sets the client identification and authentication parameters sent in the body. A
    /// client that sends the request with [`TokenRequest::build_token_request`] leaves them
    /// unset: its [`Client`] adds them.
    pub fn with_client(mut self, client: ClientAuthParams) -> Self {
        self.client = client;
        self
    }

    /// The `grant_type`.
    pub fn grant_type(&self) -> &str {
        &self.grant_type
    }

    /// The first value of the grant or extension parameter `name` (`code`, `refresh_token`,
    /// `subject_token`, ...). `grant_type`, `scope`, `resource` and the client parameters have
    /// their own accessors.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order (`audience` may repeat, RFC 8693 §2.1).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.params
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The scope tokens requested.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The resource indicators (RFC 8707 §2).
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    /// The client parameters in the body.
    pub fn client(&self) -> &ClientAuthParams {
        &self.client
    }

    /// The form body (`application/x-www-form-urlencoded`, RFC 6749 Appendix B):
    /// `grant_type`, the grant's parameters in order, `scope`, each `resource`, then the
    /// client parameters.
    pub fn to_form(&self) -> String {
        let scope = self.scopes.join(" ");
        encode_form(self.pairs(&scope))
    }

    /// The body parameters in order, with `scope` already joined: the one place that orders
    /// them, for [`TokenRequest::to_form`] and the client's request alike.
    fn pairs<'a>(&'a self, scope: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut pairs: Vec<(&str, &str)> = vec![("grant_type", &self.grant_type)];
        pairs.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if !scope.is_empty() {
            pairs.push(("scope", scope));
        }
        pairs.extend(self.resources.iter().map(|r| ("resource", r.as_str())));
        self.client.push_pairs(&mut pairs);
        pairs
    }

    /// Parses a token request body strictly, as a token endpoint reads it: no parameter
    /// repeated except `resource` and `audience` (RFC 6749 §3.1, RFC 8707 §2, RFC 8693 §2.1);
    /// `grant_type` required; the parameters each registered grant requires present
    /// (`code`; `refresh_token`; `username` and `password`; `device_code`; `subject_token`
    /// and `subject_token_type`, with `actor_token_type` exactly when `actor_token` is sent;
    /// `assertion`); scope tokens of the RFC 6749 §3.3 syntax; consistent client
    /// authentication parameters. Unknown parameters are kept (RFC 6749 §8.2).
    pub fn from_form(body: &[u8]) -> Result<Self> {
        let params = FormParams::parse_allowing_repeats(body, &["resource", "audience"])?;
        let grant_type = params
            .get("grant_type")
            .ok_or(ProtocolError::MissingParameter("grant_type"))?;
        let mut r = TokenRequest::new(grant_type);
        if let Some(scope) = params.get("scope") {
            r.scopes = parse_scope(scope)?;
        }
        r.resources = params.get_all("resource").map(str::to_owned).collect();
        r.client = ClientAuthParams::from_params(&params)?;
        r.params = params
            .iter()
            .filter(|(k, _)| {
                !matches!(*k, "grant_type" | "scope" | "resource")
                    && !ClientAuthParams::NAMES.contains(k)
            })
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let required: &[&'static str] = match r.grant_type.as_str() {
            "authorization_code" => &["code"],
            "refresh_token" => &["refresh_token"],
            "password" => &["username", "password"],
            DEVICE_CODE_GRANT_TYPE => &["device_code"],
            TOKEN_EXCHANGE_GRANT_TYPE => &["subject_token", "subject_token_type"],
            JWT_BEARER_GRANT_TYPE => &["assertion"],
            _ => &[],
        };
        if let Some(missing) = required.iter().find(|n| r.get(n).is_none()) {
            return Err(ProtocolError::MissingParameter(missing).into());
        }
        // RFC 8693 §2.1: `actor_token_type` is required with `actor_token` and must not be
        // sent without it.
        if r.grant_type == TOKEN_EXCHANGE_GRANT_TYPE
            && r.get("actor_token").is_some() != r.get("actor_token_type").is_some()
        {
            let missing = if r.get("actor_token").is_some() {
                "actor_token_type"
            } else {
                "actor_token"
            };
            return Err(ProtocolError::MissingParameter(missing).into());
        }
        Ok(r)
    }

    /// Builds the POST to the token endpoint: form body with `grant_type`, the grant's
    /// parameters, `scope`, `resource`s, and the client's authentication.
    pub fn build_token_request(
        &self,
        client: &Client,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<Request<Vec<u8>>> {
        self.form_post(client, server, server.token_endpoint()?, now, rng)?
            .into_request()
    }

    pub(crate) fn form_post(
        &self,
        client: &Client,
        server: &AuthorizationServer,
        endpoint: &url::Url,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<FormPost> {
        for s in &self.scopes {
            check_scope_token(s)?;
        }
        for r in &self.resources {
            check_resource(r)?;
        }
        let mut post = FormPost::new(endpoint);
        let scope = self.scopes.join(" ");
        for (k, v) in self.pairs(&scope) {
            post.param(k, v);
        }
        client.authenticate(&mut post, server, now, rng)?;
        // A name set twice (an extension parameter colliding with a managed one) would make
        // the request invalid (RFC 6749 §3.2); `resource` and `audience` may repeat.
        for (i, (k, _)) in post.params.iter().enumerate() {
            if matches!(k.as_str(), "resource" | "audience") {
                continue;
            }
            if post.params[..i].iter().any(|(p, _)| p == k) {
                return Err(Error::Misuse("a token request parameter is set twice"));
            }
        }
        Ok(post)
    }
}

/// The `token_type` of an issued token (RFC 6749 §7.1), compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `DPoP` (RFC 9449 §5).
    DPoP,
    /// `N_A`: the issued token is not an access token (RFC 8693 §2.2.1).
    NotApplicable,
    /// Another type, accepted only when the caller declared it usable.
    Other(String),
}

impl TokenType {
    /// Parses a `token_type` value.
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("bearer") {
            TokenType::Bearer
        } else if s.eq_ignore_ascii_case("dpop") {
            TokenType::DPoP
        } else if s == "N_A" {
            TokenType::NotApplicable
        } else {
            TokenType::Other(s.to_owned())
        }
    }

    /// The canonical spelling.
    pub fn as_str(&self) -> &str {
        match self {
            TokenType::Bearer => "Bearer",
            TokenType::DPoP => "DPoP",
            TokenType::NotApplicable => "N_A",
            TokenType::Other(s) => s,
        }
    }
}

/// How token responses are checked. Strict by default; provider quirks are named opt-ins.
///
/// One check is opt-in rather than on by default:
/// [`require_cache_control_no_store`](TokenResponseOptions::require_cache_control_no_store).
/// RFC 6749 §5.1 makes `Cache-Control: no-store` a duty of the server, and it protects
/// caches between the server and the client; it does not change what the client receives.
/// Deployed servers and the gateways in front of them often omit or rewrite it, so refusing
/// tokens over its absence by default would break working integrations without making the
/// client safer. Turn it on to hold a server to the RFC (conformance testing, FAPI-style
/// profiles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponseOptions {
    dpop: bool,
    allow_bearer_with_dpop: bool,
    extra_token_types: Vec<String>,
    expires_in_as_string: bool,
    any_content_type: bool,
    require_no_store: bool,
}

impl Default for TokenResponseOptions {
    fn default() -> Self {
        TokenResponseOptions::new()
    }
}

impl TokenResponseOptions {
    /// Strict defaults: `Bearer` tokens only, `application/json`, numeric `expires_in`.
    pub fn new() -> Self {
        TokenResponseOptions {
            dpop: false,
            allow_bearer_with_dpop: false,
            extra_token_types: Vec::new(),
            expires_in_as_string: false,
            any_content_type: false,
            require_no_store: false,
        }
    }

    /// The request carried a DPoP proof: a `DPoP` token is expected and a `Bearer` one is a
    /// [`SecurityError::TokenTypeDowngrade`] (RFC 9449 §5).
    pub fn dpop(mut self) -> Self {
        self.dpop = true;
        self
    }

    /// With [`TokenResponseOptions::dpop`], also accept a `Bearer` token from a server that
    /// does not support DPoP for this client.
    pub fn allow_bearer_fallback(mut self) -> Self {
        self.allow_bearer_with_dpop = true;
        self
    }

    /// Declares another `token_type` the application knows how to use.
    pub fn accept_token_type(mut self, token_type: impl Into<String>) -> Self {
        self.extra_token_types.push(token_type.into());
        self
    }

    /// Quirk: accept `expires_in` as a decimal string (`"3600"`), as some providers send it.
    pub fn accept_expires_in_as_string(mut self) -> Self {
        self.expires_in_as_string = true;
        self
    }

    /// Quirk: accept a JSON body under any or no `Content-Type`.
    pub fn accept_any_content_type(mut self) -> Self {
        self.any_content_type = true;
        self
    }

    /// Strict: a successful token response must carry `Cache-Control: no-store` (RFC 6749
    /// §5.1), else [`ProtocolError::InvalidHeader`]. Off by default (see the type's
    /// documentation). Error responses are not checked: they carry no tokens. The `Pragma:
    /// no-cache` that RFC 6749 §5.1 also names is an HTTP/1.0 cache directive and is not
    /// checked.
    pub fn require_cache_control_no_store(mut self) -> Self {
        self.require_no_store = true;
        self
    }

    fn check_headers(&self, resp: &Response<Vec<u8>>) -> Result<()> {
        if self.require_no_store && !wire::has_cache_directive(resp.headers(), "no-store") {
            return Err(ProtocolError::InvalidHeader {
                name: "cache-control",
                reason: "a token response must carry `no-store` (RFC 6749 §5.1)",
            }
            .into());
        }
        Ok(())
    }

    fn expires_in(&self) -> ExpiresIn {
        if self.expires_in_as_string {
            ExpiresIn::NumberOrDecimalString
        } else {
            ExpiresIn::Number
        }
    }

    /// The client's rule on `token_type` (RFC 6749 §7.1: a client must not use a token whose
    /// type it does not understand; RFC 9449 §5: no `Bearer` when DPoP was asked for unless
    /// the fallback is allowed). `exchange`: a token exchange response, where `N_A` is usable.
    fn check_token_type(&self, t: &TokenResponse, exchange: bool) -> Result<()> {
        let usable = match &t.token_type {
            TokenType::Bearer if self.dpop && !self.allow_bearer_with_dpop => {
                return Err(SecurityError::TokenTypeDowngrade {
                    requested: "DPoP",
                    received: "Bearer".into(),
                }
                .into());
            }
            TokenType::Bearer => true,
            TokenType::DPoP => self.dpop,
            TokenType::NotApplicable => exchange,
            TokenType::Other(other) => self
                .extra_token_types
                .iter()
                .any(|a| a.eq_ignore_ascii_case(other)),
        };
        if usable {
            Ok(())
        } else {
            Err(ProtocolError::UnusableTokenType(t.token_type.as_str().to_owned()).into())
        }
    }

    fn content_type_check(&self) -> ContentTypeCheck {
        if self.any_content_type {
            ContentTypeCheck::Any
        } else {
            ContentTypeCheck::Json
        }
    }
}

json_members! {
    /// The registered members of a token endpoint body (RFC 6749 §5.1, §5.2; RFC 8693 §2.2.1;
    /// OpenID Connect Core §3.1.3.3), read into typed slots.
    pub(crate) TokenResponseMembers[10] = [
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "id_token",
        "issued_token_type",
        "error",
        "error_description",
        "error_uri",
    ];
}

/// A successful token response (RFC 6749 §5.1), as a server emits it and a client reads it.
///
/// Built with [`TokenResponse::new`] and the `with_*` methods; serialized with
/// [`TokenResponse::to_json`] or [`TokenResponse::to_http_response`]; parsed strictly, with no
/// client policy, by [`TokenResponse::from_json`]. A client reading a server's answer uses
/// [`parse_token_response`], which adds the checks of [`TokenResponseOptions`].
///
/// ```
/// use authcore_oauth2::{AccessToken, TokenResponse, TokenType};
/// let t = TokenResponse::new(AccessToken::new("2YotnFZFEjr1zCsicMWpAA"), TokenType::Bearer)
///     .with_expires_in(3600);
/// assert_eq!(
///     t.to_json(),
///     br#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","expires_in":3600,"token_type":"Bearer"}"#
/// );
/// assert_eq!(TokenResponse::from_json(&t.to_json())?, t);
/// # Ok::<(), authcore_oauth2::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TokenResponse {
    /// `access_token`.
    pub access_token: AccessToken,
    /// `token_type`.
    pub token_type: TokenType,
    /// `expires_in`, in seconds.
    pub expires_in: Option<u64>,
    /// `refresh_token`.
    pub refresh_token: Option<RefreshToken>,
    /// `scope`, split into tokens. `None` means the scope requested was granted (RFC 6749
    /// §5.1).
    pub scope: Option<Vec<String>>,
    /// `id_token` (OpenID Connect), not validated here.
    pub id_token: Option<IdToken>,
    /// `issued_token_type` (RFC 8693 §2.2.1).
    pub issued_token_type: Option<String>,
    /// Every other member (extensions are allowed, RFC 6749 §5.1, §8.2).
    pub extra: Map<String, Value>,
}

impl TokenResponse {
    /// A response with the two required members (RFC 6749 §5.1).
    pub fn new(access_token: AccessToken, token_type: TokenType) -> Self {
        TokenResponse {
            access_token,
            token_type,
            expires_in: None,
            refresh_token: None,
            scope: None,
            id_token: None,
            issued_token_type: None,
            extra: Map::new(),
        }
    }

    /// Sets `expires_in`.
    pub fn with_expires_in(mut self, secs: u64) -> Self {
        self.expires_in = Some(secs);
        self
    }

    /// Sets `refresh_token`.
    pub fn with_refresh_token(mut self, token: RefreshToken) -> Self {
        self.refresh_token = Some(token);
        self
    }

    /// Sets `scope` (RFC 6749 §5.1: required when it differs from the scope requested).
    pub fn with_scope<I, S>(mut self, scope: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scope = Some(scope.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `id_token` (OpenID Connect Core §3.1.3.3).
    pub fn with_id_token(mut self, token: IdToken) -> Self {
        self.id_token = Some(token);
        self
    }

    /// Sets `issued_token_type` (RFC 8693 §2.2.1).
    pub fn with_issued_token_type(mut self, token_type: impl Into<String>) -> Self {
        self.issued_token_type = Some(token_type.into());
        self
    }

    /// Adds an extension member. The name of a typed field is ignored when serializing: the
    /// field decides.
    pub fn with_extra(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }

    /// When the access token expires, given when the response was received.
    pub fn expires_at(&self, received_at: UnixTime) -> Option<UnixTime> {
        self.expires_in.map(|s| received_at.saturating_add(s))
    }

    /// The JSON body (RFC 6749 §5.1): absent members omitted, `expires_in` a number, `scope`
    /// space-delimited.
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = JsonWriter::new();
        w.string("access_token", Some(self.access_token.secret()));
        w.string("token_type", Some(self.token_type.as_str()));
        w.u64("expires_in", self.expires_in);
        w.string(
            "refresh_token",
            self.refresh_token.as_ref().map(|t| t.secret()),
        );
        w.scope("scope", self.scope.as_deref());
        w.string("id_token", self.id_token.as_ref().map(|t| t.secret()));
        w.string("issued_token_type", self.issued_token_type.as_deref());
        w.extra(&self.extra);
        w.finish()
    }

    /// The token endpoint's HTTP response: 200, `Content-Type: application/json`,
    /// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1).
    pub fn to_http_response(&self) -> Response<Vec<u8>> {
        json_http_response(http::StatusCode::OK, self.to_json(), None)
    }

    /// Parses a token response body strictly, with no client policy: duplicate members, a
    /// member of the wrong JSON type (`expires_in` must be a number), a missing or empty
    /// `access_token` or `token_type` are errors; unknown members go to `extra`. A body with an
    /// `error` member is the error response, [`Error::Server`].
    pub fn from_json(body: &[u8]) -> Result<Self> {
        let mut obj = wire::parse_json_document::<TokenResponseMembers, 10>(body)?;
        if let Some(e) = obj.take_error(None)? {
            return Err(Error::Server(e));
        }
        TokenResponse::read(&mut obj, ExpiresIn::Number)
    }

    /// Reads the registered members in RFC 6749 §5.1 order (the first problem is the one
    /// reported); the members left, `error_description` and `error_uri` included, go to
    /// `extra`. `expires_in` says which forms of `expires_in` the caller accepts.
    pub(crate) fn read(
        body: &mut JsonObject<'_, TokenResponseMembers, 10>,
        expires_in: ExpiresIn,
    ) -> Result<Self> {
        let access_token = AccessToken::new(body.req_string("access_token")?);
        let token_type = TokenType::parse(&body.req_string("token_type")?);
        let expires_in = match body.take("expires_in") {
            Some(Member::Str(s)) if expires_in == ExpiresIn::NumberOrDecimalString => {
                Some(parse_decimal(&s)?)
            }
            None | Some(Member::Null) => None,
            Some(Member::Uint(n)) => Some(n),
            Some(Member::Other(v)) if v.is_number() => {
                return Err(ProtocolError::InvalidParameter {
                    name: "expires_in",
                    reason: "not a non-negative integer",
                }
                .into());
            }
            Some(_) => {
                return Err(ProtocolError::InvalidParameter {
                    name: "expires_in",
                    reason: "not a number",
                }
                .into());
            }
        };
        let refresh_token = body.opt_string("refresh_token")?;
        let scope = match body.take("scope") {
            // Split without copying the whole value first.
            Some(Member::Str(s)) => Some(wire::split_scope(&s)),
            other => {
                crate::json_object::member_string(other, "scope")?.map(|s| wire::split_scope(&s))
            }
        };
        let id_token = body.opt_string("id_token")?;
        let issued_token_type = body.opt_string("issued_token_type")?;
        Ok(TokenResponse {
            access_token,
            token_type,
            expires_in,
            refresh_token: refresh_token.map(RefreshToken::new),
            scope,
            id_token: id_token.map(IdToken::new),
            issued_token_type,
            extra: body.take_extra(),
        })
    }

    /// The access token of an authorization response (RFC 6749 §4.2.2; OpenID Connect Core
    /// 1.0 §3.2.2.5), already read from the redirect (`expires_in` included): `token_type` is
    /// required and must be usable under `options`, as in a token response.
    pub(crate) fn from_authorization_response(
        access_token: AccessToken,
        token_type: Option<TokenType>,
        expires_in: Option<u64>,
        scope: Option<Vec<String>>,
        extra: Map<String, Value>,
        options: &TokenResponseOptions,
    ) -> Result<Self> {
        let t = TokenResponse {
            access_token,
            token_type: token_type.ok_or(ProtocolError::MissingParameter("token_type"))?,
            expires_in,
            refresh_token: None,
            scope,
            id_token: None,
            issued_token_type: None,
            extra,
        };
        options.check_token_type(&t, false)?;
        Ok(t)
    }
}

/// Which forms of `expires_in` a reading accepts: the RFC's number, or also the decimal
/// string some providers send (a client quirk, [`TokenResponseOptions::accept_expires_in_as_string`],
/// and the form of every value in an implicit grant redirect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpiresIn {
    Number,
    NumberOrDecimalString,
}

fn parse_decimal(s: &str) -> Result<u64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProtocolError::InvalidParameter {
            name: "expires_in",
            reason: "not a decimal integer",
        }
        .into());
    }
    s.parse().map_err(|_| {
        ProtocolError::InvalidParameter {
            name: "expires_in",
            reason: "out of range",
        }
        .into()
    })
}

/// Parses a token endpoint response (RFC 6749 §5.1, §5.2).
///
/// Errors: [`Error::Server`] for an error response (also when it comes with status 200);
/// [`ProtocolError`] for a non-JSON or oversized body, a wrong `Content-Type`, a missing or
/// ill-typed member, or a `token_type` the options do not make usable.
pub fn parse_token_response(
    resp: &Response<Vec<u8>>,
    options: &TokenResponseOptions,
) -> Result<TokenResponse> {
    // The strict wire reading, then the client's policy.
    let mut body =
        wire::read_json_object::<TokenResponseMembers, 10>(resp, options.content_type_check())?;
    let t = TokenResponse::read(&mut body, options.expires_in())?;
    options.check_token_type(&t, false)?;
    options.check_headers(resp)?;
    Ok(t)
}

/// Parses a token exchange response (RFC 8693 §2.2): as [`parse_token_response`], but
/// `issued_token_type` is required and `token_type` may be `N_A`.
pub fn parse_token_exchange_response(
    resp: &Response<Vec<u8>>,
    options: &TokenResponseOptions,
) -> Result<TokenResponse> {
    let mut body =
        wire::read_json_object::<TokenResponseMembers, 10>(resp, options.content_type_check())?;
    let t = TokenResponse::read(&mut body, options.expires_in())?;
    if t.issued_token_type.is_none() {
        return Err(ProtocolError::MissingParameter("issued_token_type").into());
    }
    options.check_token_type(&t, true)?;
    options.check_headers(resp)?;
    Ok(t)
}

/// The outcome of a refresh (RFC 6749 §6).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RefreshedToken {
    /// The token response.
    pub response: TokenResponse,
    /// The refresh token to use next time: the new one if the server rotated it, else the
    /// previous one (RFC 6749 §6: the client keeps it when no new one is issued).
    pub refresh_token: RefreshToken,
    /// Whether the server issued a new refresh token (rotation, RFC 9700 §4.14.2): the
    /// previous one must then be discarded.
    pub rotated: bool,
}

/// Parses the response to a refresh token request, reporting rotation: when the server
/// issues no new refresh token, [`RefreshedToken::refresh_token`] is `previous`.
///
/// This function does not know the scope originally granted, so it cannot tell whether the
/// response widens it; use [`parse_refresh_token_response_within_scope`] when the client
/// keeps the granted scope (it should: RFC 6749 §6 forbids a refresh from widening it).
pub fn parse_refresh_token_response(
    resp: &Response<Vec<u8>>,
    options: &TokenResponseOptions,
    previous: RefreshToken,
) -> Result<RefreshedToken> {
    let response = parse_token_response(resp, options)?;
    let (refresh_token, rotated) = match &response.refresh_token {
        Some(new) => (new.clone(), *new != previous),
        None => (previous, false),
    };
    Ok(RefreshedToken {
        response,
        refresh_token,
        rotated,
    })
}

/// As [`parse_refresh_token_response`], and also checks the response's `scope` against
/// `granted`, the scope tokens the refresh token was issued with (the `scope` of the response
/// that issued it, or the scope requested when that response had none, RFC 6749 §5.1).
///
/// A refresh may narrow the scope but never widen it (RFC 6749 §6: the requested scope "MUST
/// NOT include any scope not originally granted", and a new refresh token has the same
/// scope). A response whose `scope` holds a token not in `granted` is reported as an
/// **error**, [`SecurityError::ScopeWidened`] listing the extra tokens, not as a flag: a
/// server that grants more on refresh than the resource owner approved is broken or the
/// response belongs to another grant, and its tokens should not be used. A response without
/// `scope` means the scope requested, which cannot exceed the grant when the request was
/// built from it. Scope tokens are compared exactly (RFC 6749 §3.3: case-sensitive).
pub fn parse_refresh_token_response_within_scope<S: AsRef<str>>(
    resp: &Response<Vec<u8>>,
    options: &TokenResponseOptions,
    previous: RefreshToken,
    granted: &[S],
) -> Result<RefreshedToken> {
    let refreshed = parse_refresh_token_response(resp, options, previous)?;
    if let Some(scope) = &refreshed.response.scope {
        let extra: Vec<String> = scope
            .iter()
            .filter(|s| !granted.iter().any(|g| g.as_ref() == s.as_str()))
            .cloned()
            .collect();
        if !extra.is_empty() {
            return Err(SecurityError::ScopeWidened { extra }.into());
        }
    }
    Ok(refreshed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token response reading this crate had before the typed body: the whole body as a
    /// strict generic object, then the members copied out. The typed reading must agree.
    fn reference(
        resp: &Response<Vec<u8>>,
        options: &TokenResponseOptions,
    ) -> Result<TokenResponse> {
        let mut obj = wire::read_json_response(resp, options.content_type_check())?;
        let string = |obj: &Map<String, Value>, name: &'static str| match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::from(ProtocolError::InvalidParameter {
                name,
                reason: "not a string",
            })),
        };
        let required = |obj: &Map<String, Value>, name: &'static str| match string(obj, name)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(Error::from(ProtocolError::InvalidParameter {
                name,
                reason: "empty",
            })),
            None => Err(ProtocolError::MissingParameter(name).into()),
        };
        let access_token = AccessToken::new(required(&obj, "access_token")?);
        let token_type = TokenType::parse(&required(&obj, "token_type")?);
        let expires_in = match obj.get("expires_in") {
            Some(Value::String(s)) if options.expires_in_as_string => Some(parse_decimal(s)?),
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_u64().ok_or(ProtocolError::InvalidParameter {
                name: "expires_in",
                reason: "not a non-negative integer",
            })?),
            Some(_) => {
                return Err(ProtocolError::InvalidParameter {
                    name: "expires_in",
                    reason: "not a number",
                }
                .into());
            }
        };
        let refresh_token = string(&obj, "refresh_token")?.map(RefreshToken::new);
        let scope = string(&obj, "scope")?.map(|s| wire::split_scope(&s));
        let id_token = string(&obj, "id_token")?.map(IdToken::new);
        let issued_token_type = string(&obj, "issued_token_type")?;
        for k in [
            "access_token",
            "token_type",
            "expires_in",
            "refresh_token",
            "scope",
            "id_token",
            "issued_token_type",
        ] {
            obj.remove(k);
        }
        let t = TokenResponse {
            access_token,
            token_type,
            expires_in,
            refresh_token,
            scope,
            id_token,
            issued_token_type,
            extra: obj,
        };
        options.check_token_type(&t, false)?;
        options.check_headers(resp)?;
        Ok(t)
    }

    /// JSON syntax errors compare equal whatever their message (positions may differ).
    fn normalized(r: Result<TokenResponse>) -> Result<TokenResponse> {
        r.map_err(|e| match e {
            Error::Protocol(ProtocolError::Json(_)) => ProtocolError::Json(String::new()).into(),
            e => e,
        })
    }

    #[test]
    fn typed_reading_agrees_with_the_generic_one() {
        const NAMES: &[&str] = &[
            "access_token",
            "access\\u005ftoken",
            "token_type",
            "expires_in",
            "refresh_token",
            "scope",
            "id_token",
            "issued_token_type",
            "error",
            "\\u0065rror",
            "error_description",
            "error_uri",
            "x",
            "\\u0078",
            "nested",
        ];
        // Nested 31 deep in a member: the deepest allowed; 32: too deep.
        let (deep, too_deep) = (
            format!("{}1{}", "[".repeat(31), "]".repeat(31)),
            format!("{}1{}", "[".repeat(32), "]".repeat(32)),
        );
        let values: &[&str] = &[
            r#""a""#,
            r#""Bearer""#,
            r#""DPoP""#,
            r#""N_A""#,
            r#""invalid_grant""#,
            r#""""#,
            r#""\u0062earer""#,
            r#""3600""#,
            r#""-1""#,
            r#""read write""#,
            "3600",
            "0",
            "-1",
            "1.5",
            "1e3",
            "18446744073709551616",
            "null",
            "true",
            "[]",
            r#"["a",1]"#,
            r#"{"k":{"k":[null]}}"#,
            r#"{"k":1,"k":2}"#,
            r#"[{"k":1,"\u006b":2}]"#,
            &deep,
            &too_deep,
        ];
        let options = [
            TokenResponseOptions::new(),
            TokenResponseOptions::new().accept_expires_in_as_string(),
            TokenResponseOptions::new().dpop(),
            TokenResponseOptions::new().accept_token_type("N_A"),
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for case in 0..20_000 {
            // Mostly well-formed token responses, with a few members added or changed.
            let mut members = vec![
                r#""access_token":"a""#.to_owned(),
                r#""token_type":"Bearer""#.to_owned(),
            ];
            for _ in 0..next(6) {
                let m = format!(
                    "\"{}\":{}",
                    NAMES[next(NAMES.len())],
                    values[next(values.len())]
                );
                let at = next(members.len() + 1);
                if next(3) == 0 && at < members.len() {
                    members[at] = m;
                } else {
                    members.insert(at, m);
                }
            }
            let mut body = format!("{{{}}}", members.join(","));
            if next(50) == 0 {
                body.push_str(" x");
            }
            let status = [200u16, 200, 200, 400, 500][next(5)];
            let ct = ["application/json", "text/plain"][usize::from(next(10) == 0)];
            let resp = Response::builder()
                .status(status)
                .header("content-type", ct)
                .body(body.clone().into_bytes())
                .unwrap();
            let o = &options[case % options.len()];
            assert_eq!(
                normalized(parse_token_response(&resp, o)),
                normalized(reference(&resp, o)),
                "{status} {body} {o:?}"
            );
        }
    }
}
