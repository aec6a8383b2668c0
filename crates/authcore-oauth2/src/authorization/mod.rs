//! The front channel: the authorization request and its callback (RFC 6749 §4.1, §4.2, RFC
//! 7636, RFC 9207, RFC 8707, RFC 9449 §10; OAuth 2.0 Multiple Response Type Encoding
//! Practices), pushed (RFC 9126) or signed (RFC 9101), for every response type. The OpenID
//! Connect layer builds on it and adds only what OpenID Connect adds.
//!
//! - `response_type`: [`ResponseType`], [`ResponseMode`], and the type-level flows
//!   ([`CodeFlow`], [`ImplicitFlow`], [`AnyResponseType`]) that decide which callback handler
//!   a pending request has;
//! - the client side: [`AuthorizationRequest`] builds the request and yields the
//!   [`PendingAuthorization`] that alone can check the callback ([`AuthorizationResponse`]);
//! - the messages themselves, for either side: [`AuthorizationRequestParams`] and
//!   [`AuthorizationResponseParams`] (constructors, serialization, strict parsing).

mod callback;
mod message;
mod response_type;

use core::fmt;
use core::marker::PhantomData;

use authcore_jose::{JwsHeader, JwsSigner, SecureRandom, UnixTime, jwt};
use http::Response;
use serde_json::{Map, Value};
use url::Url;

use crate::client::{AuthorizationServer, Client};
use crate::error::{Error, Result};
use crate::pkce::{PkceMethod, S256_CHALLENGE_LEN};
use crate::secret::{IdToken, Nonce, PkceCodeVerifier, RANDOM_VALUE_BYTES, State, random_jti};
use crate::wire::{FormPost, check_resource, check_scope_token};

use callback::PendingFields;
pub use callback::{
    AuthorizationCallback, AuthorizationCodeGrant, AuthorizationResponse, PendingAuthorization,
    parse_callback_request,
};
use message::RequestParamsRef;
pub(crate) use message::is_pkce_string;
pub use message::{
    AuthorizationError, AuthorizationRequestParams, AuthorizationResponseParams,
    AuthorizationSuccess,
};
pub use response_type::{
    AnyResponseType, AuthorizationFlow, CodeFlow, ImplicitFlow, ResponseMode, ResponseType,
};

/// Parameters this crate sets itself; [`AuthorizationRequest::param`] may not override them.
const RESERVED: &[&str] = &[
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
    "request",
    "request_uri",
];

/// The OpenID Connect request parameters the builder sets from typed values (Core 1.0
/// §3.1.2.1, §5.5): [`AuthorizationRequest::prompt`], [`AuthorizationRequest::max_age`]...
/// [`AuthorizationRequest::param`] may still send one of them as a plain string, when the
/// typed setter is not used for it; `authcore-oidc`'s request refuses them there.
pub const OPENID_REQUEST_PARAMETERS: &[&str] = &[
    "prompt",
    "max_age",
    "ui_locales",
    "id_token_hint",
    "login_hint",
    "acr_values",
    "claims",
    "display",
];

/// The `typ` of request objects (RFC 9101 §10.8).
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";

/// An authorization request being composed (RFC 6749 §4.1.1, §4.2.1). Building it draws
/// `state` (and the PKCE verifier, and optionally a `nonce`) from the caller's RNG and yields
/// the URL to send the user to together with the [`PendingAuthorization`] that alone can
/// handle the callback.
///
/// The flow `F` is fixed by the constructor and carried to the pending request, whose
/// callback handler depends on it: [`AuthorizationRequest::new`] makes a code request
/// ([`CodeFlow`]), [`AuthorizationRequest::with_response_type`] a request of any response
/// type ([`AnyResponseType`], the base of OpenID Connect's implicit and hybrid flows).
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthorizationRequest<F: AuthorizationFlow = CodeFlow> {
    response_type: ResponseType,
    redirect_uri: String,
    scopes: Vec<String>,
    resources: Vec<String>,
    pkce: Option<PkceMethod>,
    nonce: NonceSource,
    response_mode: Option<ResponseMode>,
    dpop_jkt: Option<String>,
    /// Boxed and made on first use: most requests have none, and the builder is moved by
    /// value through every call.
    openid: Option<Box<OpenIdParams>>,
    extra: Vec<(String, String)>,
    flow: PhantomData<F>,
}

/// The OpenID Connect request parameters (Core 1.0 §3.1.2.1, §5.5), sent as given; what they
/// mean for the ID token is checked by `authcore-oidc`.
#[derive(Debug, Clone, Default)]
struct OpenIdParams {
    prompt: Vec<String>,
    max_age: Option<u64>,
    ui_locales: Vec<String>,
    id_token_hint: Option<IdTokenHint>,
    login_hint: Option<String>,
    acr_values: Vec<String>,
    claims: Option<Map<String, Value>>,
    display: Option<String>,
}

impl OpenIdParams {
    /// Whether the typed value of the parameter `name` is set.
    fn sets(&self, name: &str) -> bool {
        match name {
            "prompt" => !self.prompt.is_empty(),
            "max_age" => self.max_age.is_some(),
            "ui_locales" => !self.ui_locales.is_empty(),
            "id_token_hint" => self.id_token_hint.is_some(),
            "login_hint" => self.login_hint.is_some(),
            "acr_values" => !self.acr_values.is_empty(),
            "claims" => self.claims.is_some(),
            "display" => self.display.is_some(),
            _ => false,
        }
    }
}

/// An ID token sent back as `id_token_hint`: redacted in `Debug`.
#[derive(Clone)]
struct IdTokenHint(String);

impl fmt::Debug for IdTokenHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdTokenHint([REDACTED])")
    }
}

/// The authorization parameters of a request and its pending state.
type Prepared<F> = (Vec<(String, String)>, PendingAuthorization<F>);

/// Where the `nonce` of a request comes from.
#[derive(Clone)]
enum NonceSource {
    /// No `nonce`.
    None,
    /// Drawn with `state` and kept by the pending request.
    Draw,
    /// Given by the caller, who keeps it (the OpenID Connect layer does).
    Given(String),
}

impl fmt::Debug for NonceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NonceSource::None => "None",
            NonceSource::Draw => "Draw",
            NonceSource::Given(_) => "Given([REDACTED])",
        })
    }
}

impl<F: AuthorizationFlow> AuthorizationRequest<F> {
    fn with_type(redirect_uri: String, response_type: ResponseType) -> Self {
        AuthorizationRequest {
            response_type,
            redirect_uri,
            scopes: Vec::new(),
            resources: Vec::new(),
            // PKCE S256 for every request that returns a code (RFC 9700 §2.1.1).
            pkce: response_type.returns_code().then_some(PkceMethod::S256),
            nonce: NonceSource::None,
            response_mode: None,
            dpop_jkt: None,
            openid: None,
            extra: Vec::new(),
            flow: PhantomData,
        }
    }
}

impl AuthorizationRequest<CodeFlow> {
    /// An authorization code request (`response_type=code`) with PKCE S256, returning to
    /// `redirect_uri` (which the token request echoes, RFC 6749 §4.1.3).
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        AuthorizationRequest::with_type(redirect_uri.into(), ResponseType::Code)
    }
}

impl AuthorizationRequest<ImplicitFlow> {
    /// An implicit grant request (`response_type=token`, RFC 6749 §4.2).
    #[deprecated(
        note = "the implicit grant exposes tokens in the front channel; RFC 9700 §2.1.2 says \
                clients should not use it. Use the authorization code grant with PKCE."
    )]
    pub fn implicit(redirect_uri: impl Into<String>) -> Self {
        AuthorizationRequest::with_type(redirect_uri.into(), ResponseType::Token)
    }
}

impl AuthorizationRequest<AnyResponseType> {
    /// A request of any response type (OAuth 2.0 Multiple Response Type Encoding Practices,
    /// OpenID Connect Core 1.0 §3), with PKCE S256 when it returns a code. Its pending request
    /// handles the callback with [`PendingAuthorization::handle_response`].
    pub fn with_response_type(
        redirect_uri: impl Into<String>,
        response_type: ResponseType,
    ) -> Self {
        AuthorizationRequest::with_type(redirect_uri.into(), response_type)
    }
}

impl<F: AuthorizationFlow> AuthorizationRequest<F> {
    /// Adds a scope token (RFC 6749 §3.3).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Adds several scope tokens.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Adds a resource indicator (RFC 8707 §2): an absolute URI without a fragment.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Also generates an OpenID Connect `nonce`, available from the pending request.
    pub fn with_nonce(mut self) -> Self {
        self.nonce = NonceSource::Draw;
        self
    }

    /// Sends `nonce`, which the caller drew and keeps (the OpenID Connect layer holds its own
    /// and checks the ID token against it); the pending request then has none.
    pub fn nonce(mut self, nonce: &Nonce) -> Self {
        self.nonce = NonceSource::Given(nonce.secret().to_owned());
        self
    }

    /// Uses the PKCE `plain` method instead of S256. Only for servers that cannot do S256
    /// (RFC 7636 §4.2); `plain` does not protect a leaked authorization request.
    pub fn insecure_pkce_plain(mut self) -> Self {
        if self.pkce.is_some() {
            self.pkce = Some(PkceMethod::Plain);
        }
        self
    }

    /// Requests a `response_mode`.
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.response_mode = Some(mode);
        self
    }

    /// Binds the authorization code to a DPoP key by its JWK thumbprint (RFC 9449 §10); see
    /// [`DpopKey::jkt`](crate::DpopKey::jkt).
    pub fn dpop_jkt(mut self, jkt: impl Into<String>) -> Self {
        self.dpop_jkt = Some(jkt.into());
        self
    }

    fn openid_mut(&mut self) -> &mut OpenIdParams {
        self.openid.get_or_insert_with(Default::default)
    }

    /// Adds a `prompt` value (`none`, `login`, `consent`, `select_account`; OpenID Connect
    /// Core 1.0 §3.1.2.1), space-separated with the others.
    pub fn prompt(mut self, value: impl Into<String>) -> Self {
        self.openid_mut().prompt.push(value.into());
        self
    }

    /// `max_age` in seconds (OpenID Connect Core 1.0 §3.1.2.1).
    pub fn max_age(mut self, secs: u64) -> Self {
        self.openid_mut().max_age = Some(secs);
        self
    }

    /// Adds a `ui_locales` entry (a BCP 47 language tag, in order of preference).
    pub fn ui_locale(mut self, tag: impl Into<String>) -> Self {
        self.openid_mut().ui_locales.push(tag.into());
        self
    }

    /// `id_token_hint`: an ID token previously issued to this client.
    pub fn id_token_hint(mut self, token: &IdToken) -> Self {
        self.openid_mut().id_token_hint = Some(IdTokenHint(token.secret().to_owned()));
        self
    }

    /// `login_hint`.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.openid_mut().login_hint = Some(hint.into());
        self
    }

    /// Adds an `acr_values` entry.
    pub fn acr_value(mut self, value: impl Into<String>) -> Self {
        self.openid_mut().acr_values.push(value.into());
        self
    }

    /// The `claims` request parameter (OpenID Connect Core 1.0 §5.5): a JSON object, sent
    /// serialized (and as an object in a request object).
    pub fn claims(mut self, claims: Map<String, Value>) -> Self {
        self.openid_mut().claims = Some(claims);
        self
    }

    /// `display` (`page`, `popup`, `touch`, `wap`).
    pub fn display(mut self, display: impl Into<String>) -> Self {
        self.openid_mut().display = Some(display.into());
        self
    }

    /// Adds an extension parameter. Parameters this crate manages (`state`,
    /// `code_challenge`, `scope`...) are refused when building, and so are the OpenID Connect
    /// ones ([`OPENID_REQUEST_PARAMETERS`]) whose typed setter is also used.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Checks the request before anything is drawn or built.
    fn check(&self, server: &AuthorizationServer) -> Result<()> {
        if self.response_type.returns_tokens() && self.response_mode == Some(ResponseMode::Query) {
            return Err(Error::Misuse(
                "tokens are never returned in a query (Multiple Response Type Encoding Practices §3)",
            ));
        }
        for s in &self.scopes {
            check_scope_token(s)?;
        }
        for r in &self.resources {
            check_resource(r)?;
        }
        if Url::parse(&self.redirect_uri).is_err() {
            return Err(Error::Misuse(
                "redirect_uri must be an absolute URI (RFC 6749 §3.1.2)",
            ));
        }
        if server.iss_parameter_supported() && server.issuer().is_none() {
            // RFC 9207 §2.4 compares `iss` with the issuer identifier: requiring `iss`
            // without knowing the issuer would look like mix-up defense and be none.
            return Err(Error::Misuse(
                "the server declares RFC 9207 `iss` support but its issuer identifier is unknown",
            ));
        }
        for (name, _) in &self.extra {
            if RESERVED.contains(&name.as_str())
                || self.openid.as_ref().is_some_and(|o| o.sets(name))
                || self.extra.iter().filter(|(n, _)| n == name).count() > 1
            {
                return Err(Error::Misuse("extension parameter is reserved or repeated"));
            }
        }
        Ok(())
    }

    /// Draws `state` (and the PKCE verifier and `nonce`) and passes every authorization
    /// parameter to `emit`, in order, without copying them; returns the pending state. The
    /// request must have passed [`AuthorizationRequest::check`].
    fn emit_params(
        self,
        client: &Client,
        server: &AuthorizationServer,
        rng: &dyn SecureRandom,
        mut emit: impl FnMut(&str, &str),
    ) -> Result<PendingAuthorization<F>> {
        // One draw for every random value: one call into the RNG (one system call with the
        // OS generator) instead of one per value.
        let mut random = [0u8; 3 * RANDOM_VALUE_BYTES];
        let draw_nonce = matches!(self.nonce, NonceSource::Draw);
        let count = 1 + usize::from(self.pkce.is_some()) + usize::from(draw_nonce);
        let random = &mut random[..count * RANDOM_VALUE_BYTES];
        rng.fill(random).map_err(Error::Random)?;
        let mut values = random.chunks_exact(RANDOM_VALUE_BYTES);
        let mut next = || values.next().unwrap_or_default();
        let state = State::from_random(next());
        let verifier = self.pkce.map(|_| PkceCodeVerifier::from_random(next()));
        let nonce = draw_nonce.then(|| Nonce::from_random(next()));
        random.fill(0);

        let mut challenge_buf = [0u8; S256_CHALLENGE_LEN];
        let challenge = match (self.pkce, &verifier) {
            (Some(method), Some(v)) => Some((
                v.challenge_in(method, client.crypto_provider(), &mut challenge_buf)?,
                method.as_str(),
            )),
            _ => None,
        };
        RequestParamsRef {
            response_type: self.response_type.as_str(),
            client_id: client.client_id(),
            redirect_uri: Some(&self.redirect_uri),
            scope: &self.scopes,
            state: Some(state.secret()),
            code_challenge: challenge.map(|(c, _)| c),
            code_challenge_method: challenge.map(|(_, m)| m),
            nonce: match (&nonce, &self.nonce) {
                (Some(n), _) => Some(n.secret()),
                (None, NonceSource::Given(n)) => Some(n),
                _ => None,
            },
            resource: &self.resources,
            response_mode: self.response_mode.as_ref().map(ResponseMode::as_str),
            dpop_jkt: self.dpop_jkt.as_deref(),
            ..match self.openid.as_deref() {
                None => RequestParamsRef::new(&self.extra),
                Some(o) => RequestParamsRef {
                    prompt: &o.prompt,
                    max_age: o.max_age,
                    ui_locales: &o.ui_locales,
                    id_token_hint: o.id_token_hint.as_ref().map(|h| h.0.as_str()),
                    login_hint: o.login_hint.as_deref(),
                    acr_values: &o.acr_values,
                    claims: o.claims.as_ref(),
                    display: o.display.as_deref(),
                    ..RequestParamsRef::new(&self.extra)
                },
            }
        }
        .emit(&mut emit);
        Ok(PendingAuthorization {
            fields: PendingFields {
                state,
                verifier,
                nonce,
                redirect_uri: self.redirect_uri,
                expected_issuer: server.issuer().map(str::to_owned),
                iss_required: server.iss_parameter_supported(),
                response_type: self.response_type,
                response_mode: self.response_mode,
            },
            flow: PhantomData,
        })
    }

    /// The authorization parameters and the pending state, without the request's transport.
    fn prepare(
        self,
        client: &Client,
        server: &AuthorizationServer,
        rng: &dyn SecureRandom,
    ) -> Result<Prepared<F>> {
        self.check(server)?;
        let mut p = Vec::new();
        let pending = self.emit_params(client, server, rng, |k, v| {
            p.push((k.to_owned(), v.to_owned()));
        })?;
        Ok((p, pending))
    }

    /// Builds the authorization URL (parameters appended to the endpoint's own query, which
    /// RFC 6749 §3.1 says to keep) and the pending request.
    pub fn build_url(
        self,
        client: &Client,
        server: &AuthorizationServer,
        rng: &dyn SecureRandom,
    ) -> Result<(Url, PendingAuthorization<F>)> {
        if server.require_pushed_authorization_requests() {
            return Err(Error::Misuse(
                "this server requires pushed authorization requests",
            ));
        }
        self.check(server)?;
        // The parameters go straight into the URL's query, encoded once.
        let mut url = server.authorization_endpoint()?.clone();
        let pending = {
            let mut query = url.query_pairs_mut();
            self.emit_params(client, server, rng, |k, v| {
                query.append_pair(k, v);
            })?
        };
        Ok((url, pending))
    }

    /// Builds a signed request object (RFC 9101 §4) holding every authorization parameter,
    /// plus `iss` (the client), `aud` (the issuer), `iat`, `nbf`, `exp` (`now` + 5 minutes)
    /// and a random `jti`; `typ` is `oauth-authz-req+jwt`. Host it and use
    /// [`authorization_url_with_request_uri`] to pass it by reference.
    pub fn build_request_object(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(String, PendingAuthorization<F>)> {
        let (params, pending) = self.prepare(client, server, rng)?;
        let claims = request_object_claims(params)?;
        let jwt = sign_request_object(claims, client, server, signer, now, rng)?;
        Ok((jwt, pending))
    }

    /// Builds an authorization URL carrying a signed request object by value (RFC 9101 §5.1):
    /// `client_id` and `request` only.
    pub fn build_signed_url(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(Url, PendingAuthorization<F>)> {
        if server.require_pushed_authorization_requests() {
            return Err(Error::Misuse(
                "this server requires pushed authorization requests",
            ));
        }
        let endpoint = server.authorization_endpoint()?.clone();
        let (jwt, pending) = self.build_request_object(client, server, signer, now, rng)?;
        let url = append_query(
            &endpoint,
            &[
                ("client_id".into(), client.client_id().into()),
                ("request".into(), jwt),
            ],
        );
        Ok((url, pending))
    }

    /// Builds a pushed authorization request (RFC 9126 §2.1): the parameters POSTed to the
    /// PAR endpoint with client authentication.
    pub fn build_par_request(
        self,
        client: &Client,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthorization<F>)> {
        let mut post = FormPost::new(server.par_endpoint()?);
        let (params, pending) = self.prepare(client, server, rng)?;
        client.authenticate(&mut post, server, now, rng)?;
        for (k, v) in params {
            // `client_id` is already present when client authentication put it in the body.
            if k == "client_id" && post.has_param("client_id") {
                continue;
            }
            post.params.push((k, v));
        }
        Ok((
            post.into_request()?,
            PendingPushedAuthorization {
                pending,
                client_id: client.client_id().to_owned(),
                endpoint: server.authorization_endpoint().ok().cloned(),
            },
        ))
    }

    /// Builds a pushed authorization request carrying a signed request object (RFC 9126
    /// §3): `request` plus client authentication.
    pub fn build_signed_par_request(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthorization<F>)> {
        self.build_sealed_par_request(client, server, signer, &mut Ok, now, rng)
    }

    /// [`AuthorizationRequest::build_signed_par_request`] with the signed request object
    /// handed to `seal` before it is sent: for a request object signed, then encrypted to the
    /// server (RFC 9101 §4, §6.1). `seal` returns what goes into `request`.
    pub fn build_sealed_par_request(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        seal: &mut dyn FnMut(String) -> Result<String>,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthorization<F>)> {
        let mut post = FormPost::new(server.par_endpoint()?);
        let (jwt, pending) = self.build_request_object(client, server, signer, now, rng)?;
        let jwt = seal(jwt)?;
        client.authenticate(&mut post, server, now, rng)?;
        if !post.has_param("client_id") {
            post.param("client_id", client.client_id());
        }
        post.param("request", &jwt);
        Ok((
            post.into_request()?,
            PendingPushedAuthorization {
                pending,
                client_id: client.client_id().to_owned(),
                endpoint: server.authorization_endpoint().ok().cloned(),
            },
        ))
    }
}

fn append_query(endpoint: &Url, params: &[(String, String)]) -> Url {
    let mut url = endpoint.clone();
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    url
}

/// Lifetime of a request object, in seconds (`exp` - `iat`).
const REQUEST_OBJECT_LIFETIME: u64 = 300;

/// The claims of a request object (RFC 9101 §4) carrying authorization request `params`.
///
/// Each parameter becomes a string member, except those whose value is JSON by their own
/// specification, which become that JSON: `claims` (OpenID Connect Core §5.5, an object),
/// `authorization_details` (RFC 9396 §2, an array) and `max_age` (OpenID Connect Core §6.1,
/// a number). A repeated parameter (several `resource` indicators, RFC 8707 §2.1) becomes an
/// array of its values.
pub fn request_object_claims(
    params: impl IntoIterator<Item = (String, String)>,
) -> Result<Map<String, Value>> {
    let mut claims = Map::new();
    for (k, v) in params {
        let value = match k.as_str() {
            "claims" => match serde_json::from_str(&v) {
                Ok(Value::Object(o)) => Value::Object(o),
                _ => {
                    return Err(Error::Misuse(
                        "the `claims` parameter must be a JSON object",
                    ));
                }
            },
            "authorization_details" => match serde_json::from_str(&v) {
                Ok(Value::Array(a)) => Value::Array(a),
                _ => {
                    return Err(Error::Misuse(
                        "the `authorization_details` parameter must be a JSON array",
                    ));
                }
            },
            "max_age" => match v.parse::<u64>() {
                Ok(n) => Value::from(n),
                Err(_) => return Err(Error::Misuse("`max_age` must be a non-negative integer")),
            },
            _ => Value::String(v),
        };
        match claims.remove(&k) {
            None => claims.insert(k, value),
            Some(Value::Array(mut a)) if k == "resource" => {
                a.push(value);
                claims.insert(k, Value::Array(a))
            }
            Some(prev) => claims.insert(k, Value::Array(vec![prev, value])),
        };
    }
    Ok(claims)
}

/// Signs a request object (RFC 9101 §4, §10.8) for `client` at `server`: `claims` (see
/// [`request_object_claims`]) plus `iss` = the client id, `aud` = the server's issuer, `iat`
/// and `nbf` = `now`, `exp` five minutes later and a random `jti`; header `typ`
/// `oauth-authz-req+jwt`. The claims must not set those members themselves.
pub fn sign_request_object(
    mut claims: Map<String, Value>,
    client: &Client,
    server: &AuthorizationServer,
    signer: &dyn JwsSigner,
    now: UnixTime,
    rng: &dyn SecureRandom,
) -> Result<String> {
    let aud = server.issuer().ok_or(Error::Misuse(
        "a request object needs the issuer as its audience",
    ))?;
    for name in ["iss", "aud", "iat", "nbf", "exp", "jti"] {
        if claims.contains_key(name) {
            return Err(Error::Misuse(
                "a request object's iss, aud, iat, nbf, exp and jti are set when it is signed",
            ));
        }
    }
    claims.insert("iss".into(), client.client_id().into());
    claims.insert("aud".into(), aud.into());
    claims.insert("iat".into(), now.as_secs().into());
    claims.insert("nbf".into(), now.as_secs().into());
    claims.insert(
        "exp".into(),
        now.saturating_add(REQUEST_OBJECT_LIFETIME).as_secs().into(),
    );
    claims.insert("jti".into(), random_jti(rng)?.into());
    let header = JwsHeader::new(signer.algorithm()).with_typ(REQUEST_OBJECT_TYP);
    Ok(jwt::encode(&header, &Value::Object(claims), signer)?)
}

/// The authorization URL for a request object passed by reference (RFC 9101 §5.2) or a PAR
/// `request_uri` (RFC 9126 §4): `client_id` and `request_uri` only.
pub fn authorization_url_with_request_uri(
    client: &Client,
    server: &AuthorizationServer,
    request_uri: &str,
) -> Result<Url> {
    Ok(append_query(
        server.authorization_endpoint()?,
        &[
            ("client_id".into(), client.client_id().into()),
            ("request_uri".into(), request_uri.into()),
        ],
    ))
}

/// A pushed authorization request that was sent; its response yields the authorization URL
/// and the [`PendingAuthorization`].
#[derive(Debug)]
#[must_use]
pub struct PendingPushedAuthorization<F: AuthorizationFlow = CodeFlow> {
    pending: PendingAuthorization<F>,
    client_id: String,
    endpoint: Option<Url>,
}

pub use crate::par::{PushedAuthorizationResponse, parse_par_response};

impl<F: AuthorizationFlow> PendingPushedAuthorization<F> {
    /// Handles the PAR endpoint's response: on success, the authorization URL (`client_id` and
    /// `request_uri`, RFC 9126 §4) and the pending request; otherwise the error.
    pub fn handle_par_response(
        self,
        resp: &Response<Vec<u8>>,
    ) -> Result<(Url, PushedAuthorizationResponse, PendingAuthorization<F>)> {
        let par = parse_par_response(resp)?;
        let endpoint = self.endpoint.ok_or(Error::Misuse(
            "the authorization endpoint is not configured",
        ))?;
        let url = append_query(
            &endpoint,
            &[
                ("client_id".into(), self.client_id),
                ("request_uri".into(), par.request_uri.clone()),
            ],
        );
        Ok((url, par, self.pending))
    }

    /// The pending authorization (its `state`, for storing).
    pub fn pending(&self) -> &PendingAuthorization<F> {
        &self.pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientAuthentication;
    use authcore_jose::InsecureTestRandom;

    /// `build_url` encodes the parameters straight into the URL; it must give the URL that
    /// appending the collected parameters gives.
    #[test]
    #[allow(deprecated)]
    fn build_url_matches_the_collected_parameters() {
        let long_scope = "s".repeat(300);
        let requests = [
            AuthorizationRequest::new("https://client.example/cb"),
            AuthorizationRequest::new("https://client.example/cb?x=1&y=é").scope("openid"),
            AuthorizationRequest::new("https://client.example/cb")
                .scopes(["openid", "profile", "email"])
                .with_nonce()
                .resource("https://rs.example/a")
                .resource("https://rs.example/b?c=d")
                .response_mode(ResponseMode::FormPost)
                .dpop_jkt("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
                .param("prompt", "login consent")
                .param("login_hint", "a+b@example.com"),
            AuthorizationRequest::new("https://client.example/cb")
                .scopes(["a", long_scope.as_str(), "b"])
                .insecure_pkce_plain(),
            AuthorizationRequest::new("https://client.example/cb")
                .prompt("login")
                .prompt("consent")
                .max_age(0)
                .ui_locale("de")
                .id_token_hint(&IdToken::new("h.p.s"))
                .login_hint("jane")
                .acr_value("a")
                .acr_value(long_scope.as_str())
                .claims(serde_json::from_str(r#"{"id_token":{"acr":{"essential":true}}}"#).unwrap())
                .display("page"),
        ];
        let client = Client::new("client id&x", ClientAuthentication::None);
        for endpoint in [
            "https://as.example/authorize",
            "https://as.example/authorize?",
            "https://as.example/authorize?tenant=a%20b",
        ] {
            let server = AuthorizationServer::new("https://as.example")
                .with_authorization_endpoint(endpoint)
                .unwrap();
            for (i, r) in requests.iter().enumerate() {
                same_url_as_collected(r, &client, &server, 1 + i as u64);
            }
            let implicit = AuthorizationRequest::implicit("https://client.example/cb")
                .scope("read")
                .with_nonce();
            same_url_as_collected(&implicit, &client, &server, 9);
            for rt in ResponseType::ALL {
                let r = AuthorizationRequest::with_response_type("https://client.example/cb", rt)
                    .nonce(&Nonce::new("n-0S6_WzA2Mj"));
                same_url_as_collected(&r, &client, &server, 11);
            }
        }
    }

    fn same_url_as_collected<F: AuthorizationFlow>(
        r: &AuthorizationRequest<F>,
        client: &Client,
        server: &AuthorizationServer,
        seed: u64,
    ) {
        let (url, pending) = r
            .clone()
            .build_url(client, server, &InsecureTestRandom::new(seed))
            .unwrap();
        let (params, expected_pending) = r
            .clone()
            .prepare(client, server, &InsecureTestRandom::new(seed))
            .unwrap();
        let expected = append_query(server.authorization_endpoint().unwrap(), &params);
        assert_eq!(url, expected, "{r:?}");
        assert_eq!(url.as_str(), expected.as_str());
        assert_eq!(pending.state(), expected_pending.state());
        assert_eq!(pending.nonce(), expected_pending.nonce());
        // The values are the ones drawn, and the challenge is the verifier's.
        let get = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(
            get("response_type").as_deref(),
            Some(r.response_type.as_str())
        );
        assert_eq!(get("state").as_deref(), Some(pending.state().secret()));
        match &r.nonce {
            NonceSource::Given(n) => assert_eq!(get("nonce").as_deref(), Some(n.as_str())),
            _ => assert_eq!(get("nonce").as_deref(), pending.nonce().map(|n| n.secret())),
        }
        assert_eq!(pending.verifier().is_some(), r.response_type.returns_code());
        if let Some(v) = pending.verifier() {
            let method = r.pkce.unwrap();
            assert_eq!(
                get("code_challenge"),
                Some(v.challenge(method, client.crypto_provider()))
            );
        }
        // The wire type reads back what was sent.
        let sent = AuthorizationRequestParams::from_url(&url).unwrap();
        assert_eq!(sent.response_type, r.response_type);
        assert_eq!(sent.state.as_deref(), Some(pending.state().secret()));
        assert_eq!(sent.resource, r.resources);
    }

    /// State, verifier and nonce come from one draw, split in that order: the same values as
    /// drawing them one after the other.
    #[test]
    fn random_values_are_distinct_and_from_one_draw() {
        let server = AuthorizationServer::new("https://as.example")
            .with_authorization_endpoint("https://as.example/authorize")
            .unwrap();
        let client = Client::new("c", ClientAuthentication::None);
        let (_, pending) = AuthorizationRequest::new("https://client.example/cb")
            .with_nonce()
            .build_url(&client, &server, &InsecureTestRandom::new(9))
            .unwrap();
        let rng = InsecureTestRandom::new(9);
        let state = State::generate(&rng).unwrap();
        let verifier = PkceCodeVerifier::generate(&rng).unwrap();
        let nonce = Nonce::generate(&rng).unwrap();
        assert_eq!(pending.state(), &state);
        assert_eq!(pending.verifier(), Some(&verifier));
        assert_eq!(pending.nonce(), Some(&nonce));
        assert_ne!(state.secret(), nonce.secret());
        assert_eq!(verifier.secret().len(), 43);
        verifier.validate().unwrap();
    }
}
