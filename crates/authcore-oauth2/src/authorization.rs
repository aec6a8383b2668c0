//! The authorization request and its callback (RFC 6749 §4.1, RFC 7636, RFC 9207, RFC 8707,
//! RFC 9449 §10), pushed (RFC 9126) or signed (RFC 9101).

use core::fmt;

use authcore_jose::{JwsHeader, JwsSigner, SecureRandom, UnixTime, jwt};
use http::Response;
use serde_json::{Map, Value};
use url::Url;

use crate::client::{AuthorizationServer, Client};
use crate::error::{Error, ErrorCode, ErrorResponse, ProtocolError, Result, SecurityError};
use crate::form::FormParams;
use crate::pkce::{PkceMethod, S256_CHALLENGE_LEN};
use crate::secret::{
    AuthorizationCode, Nonce, PkceCodeVerifier, RANDOM_VALUE_BYTES, State, random_jti,
};
use crate::token::{TokenRequest, TokenResponse};
use crate::wire::{self, FormPost, check_resource, check_scope_token};

/// How the authorization server returns the authorization response (OAuth 2.0 Multiple
/// Response Type Encoding Practices, OAuth 2.0 Form Post Response Mode).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query (the default for `code`).
    Query,
    /// Parameters in the redirect URI's fragment (the default for `token`).
    Fragment,
    /// Parameters in an auto-submitted HTML form POSTed to the redirect URI.
    FormPost,
    /// Another registered response mode, sent verbatim.
    Other(String),
}

impl ResponseMode {
    /// The `response_mode` value.
    pub fn as_str(&self) -> &str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::Fragment => "fragment",
            ResponseMode::FormPost => "form_post",
            ResponseMode::Other(s) => s,
        }
    }
}

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

/// The `typ` of request objects (RFC 9101 §10.8).
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";

/// An authorization request being composed (RFC 6749 §4.1.1). Building it draws `state` (and
/// the PKCE verifier, and optionally a `nonce`) from the caller's RNG and yields the URL to
/// send the user to together with the [`PendingAuthorization`] that alone can handle the
/// callback.
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthorizationRequest {
    response_type: &'static str,
    redirect_uri: String,
    scopes: Vec<String>,
    resources: Vec<String>,
    pkce: Option<PkceMethod>,
    nonce: bool,
    response_mode: Option<ResponseMode>,
    dpop_jkt: Option<String>,
    extra: Vec<(String, String)>,
}

impl AuthorizationRequest {
    /// An authorization code request (`response_type=code`) with PKCE S256, returning to
    /// `redirect_uri` (which the token request echoes, RFC 6749 §4.1.3).
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        AuthorizationRequest {
            response_type: "code",
            redirect_uri: redirect_uri.into(),
            scopes: Vec::new(),
            resources: Vec::new(),
            pkce: Some(PkceMethod::S256),
            nonce: false,
            response_mode: None,
            dpop_jkt: None,
            extra: Vec::new(),
        }
    }

    /// An implicit grant request (`response_type=token`, RFC 6749 §4.2).
    #[deprecated(
        note = "the implicit grant exposes tokens in the front channel; RFC 9700 §2.1.2 says \
                clients should not use it. Use the authorization code grant with PKCE."
    )]
    pub fn implicit(redirect_uri: impl Into<String>) -> Self {
        AuthorizationRequest {
            response_type: "token",
            pkce: None,
            ..AuthorizationRequest::new(redirect_uri)
        }
    }

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
        self.nonce = true;
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

    /// Adds an extension parameter (`prompt`, `login_hint`, `acr_values`...). Parameters this
    /// crate manages (`state`, `code_challenge`, `scope`...) are refused when building.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Checks the request before anything is drawn or built.
    fn check(&self, server: &AuthorizationServer) -> Result<()> {
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
    ) -> Result<PendingAuthorization> {
        // One draw for every random value: one call into the RNG (one system call with the
        // OS generator) instead of one per value.
        let mut random = [0u8; 3 * RANDOM_VALUE_BYTES];
        let count = 1 + usize::from(self.pkce.is_some()) + usize::from(self.nonce);
        let random = &mut random[..count * RANDOM_VALUE_BYTES];
        rng.fill(random).map_err(Error::Random)?;
        let mut values = random.chunks_exact(RANDOM_VALUE_BYTES);
        let mut next = || values.next().unwrap_or_default();
        let state = State::from_random(next());
        let verifier = self.pkce.map(|_| PkceCodeVerifier::from_random(next()));
        let nonce = self.nonce.then(|| Nonce::from_random(next()));
        random.fill(0);

        emit("response_type", self.response_type);
        emit("client_id", client.client_id());
        emit("redirect_uri", &self.redirect_uri);
        match self.scopes.as_slice() {
            [] => {}
            [one] => emit("scope", one),
            more => {
                // Space-separated (RFC 6749 §3.3), on the stack when short enough.
                let mut stack = [0u8; 256];
                let len = more.iter().map(|s| s.len() + 1).sum::<usize>() - 1;
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
                // Scope tokens were checked to be ASCII.
                emit(
                    "scope",
                    core::str::from_utf8(buf)
                        .map_err(|_| Error::Misuse("scope tokens are ASCII"))?,
                );
            }
        }
        emit("state", state.secret());
        if let (Some(method), Some(v)) = (self.pkce, &verifier) {
            let mut buf = [0u8; S256_CHALLENGE_LEN];
            emit(
                "code_challenge",
                v.challenge_in(method, client.crypto_provider(), &mut buf)?,
            );
            emit("code_challenge_method", method.as_str());
        }
        if let Some(n) = &nonce {
            emit("nonce", n.secret());
        }
        for r in &self.resources {
            emit("resource", r);
        }
        if let Some(m) = &self.response_mode {
            emit("response_mode", m.as_str());
        }
        if let Some(j) = &self.dpop_jkt {
            emit("dpop_jkt", j);
        }
        for (k, v) in &self.extra {
            emit(k, v);
        }
        Ok(PendingAuthorization {
            state,
            verifier,
            nonce,
            redirect_uri: self.redirect_uri,
            expected_issuer: server.issuer().map(str::to_owned),
            iss_required: server.iss_parameter_supported(),
            grant: if self.response_type == "code" {
                Grant::Code
            } else {
                Grant::Implicit
            },
        })
    }

    /// The authorization parameters and the pending state, without the request's transport.
    fn prepare(
        self,
        client: &Client,
        server: &AuthorizationServer,
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<(String, String)>, PendingAuthorization)> {
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
    ) -> Result<(Url, PendingAuthorization)> {
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
    ) -> Result<(String, PendingAuthorization)> {
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
    ) -> Result<(Url, PendingAuthorization)> {
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
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthorization)> {
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
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthorization)> {
        let mut post = FormPost::new(server.par_endpoint()?);
        let (jwt, pending) = self.build_request_object(client, server, signer, now, rng)?;
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
pub struct PendingPushedAuthorization {
    pending: PendingAuthorization,
    client_id: String,
    endpoint: Option<Url>,
}

pub use crate::par::{PushedAuthorizationResponse, parse_par_response};

impl PendingPushedAuthorization {
    /// Handles the PAR endpoint's response: on success, the authorization URL (`client_id` and
    /// `request_uri`, RFC 9126 §4) and the pending request; otherwise the error.
    pub fn handle_par_response(
        self,
        resp: &Response<Vec<u8>>,
    ) -> Result<(Url, PushedAuthorizationResponse, PendingAuthorization)> {
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
    pub fn pending(&self) -> &PendingAuthorization {
        &self.pending
    }
}

/// An authorization request that was sent; the only value that can handle its callback.
///
/// It owns the `state`, the PKCE verifier and the `nonce`. Handling the callback consumes it,
/// so none of them can be reused. A web application that handles the callback in another
/// process can persist it with serde (the serialized form contains those secrets: keep it
/// server-side or encrypted).
#[derive(serde::Serialize, serde::Deserialize)]
#[must_use]
pub struct PendingAuthorization {
    state: State,
    verifier: Option<PkceCodeVerifier>,
    nonce: Option<Nonce>,
    redirect_uri: String,
    expected_issuer: Option<String>,
    iss_required: bool,
    grant: Grant,
}

/// The grant a pending request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Grant {
    Code,
    Implicit,
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("state", &self.state)
            .field("verifier", &self.verifier)
            .field("nonce", &self.nonce)
            .field("redirect_uri", &self.redirect_uri)
            .field("expected_issuer", &self.expected_issuer)
            .field("iss_required", &self.iss_required)
            .finish()
    }
}

impl PendingAuthorization {
    /// The `state` sent, for looking the pending request up when the callback arrives.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The `nonce` sent, if one was generated.
    pub fn nonce(&self) -> Option<&Nonce> {
        self.nonce.as_ref()
    }

    /// The `redirect_uri` sent.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Checks `state` and `iss`, common to every response type.
    fn check(&self, params: &AuthorizationResponse) -> Result<()> {
        // RFC 6749 §10.12: `state` first, so that an injected error response is reported as
        // the forgery it is.
        let state = params
            .params
            .get("state")
            .ok_or(SecurityError::MissingState)?;
        if State::new(state) != self.state {
            return Err(SecurityError::StateMismatch.into());
        }
        // RFC 9207 §2.4: on success and error responses alike.
        match (params.params.get("iss"), &self.expected_issuer) {
            (Some(iss), Some(expected)) if iss != expected => {
                return Err(SecurityError::IssuerMismatch {
                    expected: expected.clone(),
                    received: iss.to_owned(),
                }
                .into());
            }
            (None, _) if self.iss_required => return Err(SecurityError::MissingIssuer.into()),
            _ => {}
        }
        if params.params.get("error").is_some() {
            return Err(Error::Server(params.error_response()));
        }
        Ok(())
    }

    /// Handles the authorization response of a code request: checks `state` (constant time),
    /// `iss` (RFC 9207), turns an error response into [`Error::Server`], and returns the grant
    /// that makes the token request.
    ///
    /// The `iss` check (RFC 9207 §2.4), on success and error responses alike:
    ///
    /// | server configuration | `iss` absent | `iss` present |
    /// |---|---|---|
    /// | issuer known, `iss` supported (from metadata `authorization_response_iss_parameter_supported`, or [`AuthorizationServer::with_iss_parameter_supported`]) | [`SecurityError::MissingIssuer`] | compared exactly with the issuer: [`SecurityError::IssuerMismatch`] if it differs |
    /// | issuer known, `iss` not declared | accepted | compared exactly with the issuer |
    /// | issuer unknown ([`AuthorizationServer::without_issuer`]) | accepted | **not checked**: there is nothing to compare it with |
    ///
    /// So a client without a configured issuer has no mix-up defense: configure the issuer
    /// ([`AuthorizationServer::new`] or [`AuthorizationServer::from_metadata`]) whenever the
    /// client talks to more than one authorization server. Declaring `iss` support without an
    /// issuer is refused when the request is built. The received value stays readable
    /// through [`AuthorizationResponse::get`]`("iss")`.
    pub fn handle_callback(
        self,
        response: &AuthorizationResponse,
    ) -> Result<AuthorizationCodeGrant> {
        if self.grant != Grant::Code {
            return Err(Error::Misuse(
                "this pending request expects an implicit-grant callback",
            ));
        }
        self.check(response)?;
        let code = response
            .params
            .get("code")
            .ok_or(ProtocolError::MissingParameter("code"))?;
        let PendingAuthorization {
            verifier,
            nonce,
            redirect_uri,
            expected_issuer,
            ..
        } = self;
        Ok(AuthorizationCodeGrant {
            request: TokenRequest::authorization_code(
                AuthorizationCode::new(code),
                redirect_uri,
                verifier,
            ),
            nonce,
            issuer: expected_issuer,
        })
    }

    /// Handles the fragment of an implicit grant response (RFC 6749 §4.2.2).
    #[deprecated(note = "the implicit grant is deprecated by RFC 9700 §2.1.2")]
    pub fn handle_implicit_callback(
        self,
        response: &AuthorizationResponse,
        options: &crate::token::TokenResponseOptions,
    ) -> Result<TokenResponse> {
        if self.grant != Grant::Implicit {
            return Err(Error::Misuse(
                "this pending request expects a code callback",
            ));
        }
        self.check(response)?;
        let mut obj = Map::new();
        for (k, v) in response.params.iter() {
            if !matches!(k, "state" | "iss") {
                obj.insert(k.to_owned(), Value::String(v.to_owned()));
            }
        }
        TokenResponse::from_fragment_params(obj, options)
    }
}

/// A successfully handled authorization callback: the code, bound to the PKCE verifier and
/// redirect URI of its request, ready for the token request (RFC 6749 §4.1.3).
#[derive(Debug)]
#[must_use]
pub struct AuthorizationCodeGrant {
    request: TokenRequest,
    nonce: Option<Nonce>,
    issuer: Option<String>,
}

impl AuthorizationCodeGrant {
    /// The token request: `grant_type=authorization_code`, `code`, `redirect_uri`,
    /// `code_verifier`. Add `resource` indicators to it if needed.
    pub fn token_request(&self) -> &TokenRequest {
        &self.request
    }

    /// Mutable access to the token request, for adding `resource` or extension parameters.
    pub fn token_request_mut(&mut self) -> &mut TokenRequest {
        &mut self.request
    }

    /// The `nonce` of the authorization request, for ID token validation.
    pub fn nonce(&self) -> Option<&Nonce> {
        self.nonce.as_ref()
    }

    /// The issuer the code came from.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// Builds the token request (see [`TokenRequest::build_token_request`]).
    pub fn build_token_request(
        &self,
        client: &Client,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<http::Request<Vec<u8>>> {
        self.request.build_token_request(client, server, now, rng)
    }

    /// Splits the grant into its token request and `nonce`.
    pub fn into_parts(self) -> (TokenRequest, Option<Nonce>) {
        (self.request, self.nonce)
    }
}

/// The parameters of an authorization response, from a redirect URI's query or fragment or a
/// `form_post` body. Repeated parameters are rejected (RFC 6749 §3.1).
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    params: FormParams,
}

impl fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Codes and tokens are secrets: names only.
        f.debug_struct("AuthorizationResponse")
            .field(
                "parameters",
                &self.params.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl AuthorizationResponse {
    /// Parses a query string (without `?`).
    pub fn from_query(query: &str) -> Result<Self> {
        Ok(AuthorizationResponse {
            params: FormParams::parse(query.as_bytes())?,
        })
    }

    /// Parses the query of a full redirect URI (response mode `query`).
    pub fn from_redirect_uri(uri: &str) -> Result<Self> {
        let u = Url::parse(uri)
            .map_err(|_| ProtocolError::Malformed("redirect URI is not an absolute URI"))?;
        Self::from_query(u.query().unwrap_or(""))
    }

    /// Parses the fragment of a full redirect URI (response mode `fragment`).
    pub fn from_redirect_uri_fragment(uri: &str) -> Result<Self> {
        let u = Url::parse(uri)
            .map_err(|_| ProtocolError::Malformed("redirect URI is not an absolute URI"))?;
        Self::from_query(u.fragment().unwrap_or(""))
    }

    /// Parses an `application/x-www-form-urlencoded` body (response mode `form_post`).
    pub fn from_form_post(body: &[u8]) -> Result<Self> {
        Ok(AuthorizationResponse {
            params: FormParams::parse(body)?,
        })
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    /// Whether this is an error response (has `error`).
    pub fn is_error(&self) -> bool {
        self.params.get("error").is_some()
    }

    fn error_response(&self) -> ErrorResponse {
        let mut e = ErrorResponse::new(ErrorCode::parse(self.params.get("error").unwrap_or("")));
        e.error_description = self.params.get("error_description").map(str::to_owned);
        e.error_uri = self.params.get("error_uri").map(str::to_owned);
        for (k, v) in self.params.iter() {
            if !matches!(
                k,
                "error" | "error_description" | "error_uri" | "state" | "iss"
            ) {
                e.extra.insert(k.to_owned(), Value::String(v.to_owned()));
            }
        }
        e
    }
}

/// Reads an authorization response out of an `http::Request` received at the redirect URI:
/// the query of a GET, or the form body of a POST (`form_post`).
pub fn parse_callback_request<B: AsRef<[u8]>>(
    req: &http::Request<B>,
) -> Result<AuthorizationResponse> {
    if req.method() == http::Method::POST {
        let ok = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case(wire::FORM_CONTENT_TYPE)
            });
        if !ok {
            return Err(ProtocolError::ContentType {
                expected: wire::FORM_CONTENT_TYPE,
                received: None,
            }
            .into());
        }
        AuthorizationResponse::from_form_post(req.body().as_ref())
    } else {
        AuthorizationResponse::from_query(req.uri().query().unwrap_or(""))
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
            AuthorizationRequest::implicit("https://client.example/cb")
                .scope("read")
                .with_nonce(),
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
                let seed = 1 + i as u64;
                let (url, pending) = r
                    .clone()
                    .build_url(&client, &server, &InsecureTestRandom::new(seed))
                    .unwrap();
                let (params, expected_pending) = r
                    .clone()
                    .prepare(&client, &server, &InsecureTestRandom::new(seed))
                    .unwrap();
                let expected = append_query(server.authorization_endpoint().unwrap(), &params);
                assert_eq!(url, expected, "{endpoint} {i}");
                assert_eq!(url.as_str(), expected.as_str());
                assert_eq!(pending.state(), expected_pending.state());
                assert_eq!(pending.nonce(), expected_pending.nonce());
                // The values are the ones drawn, and the challenge is the verifier's.
                let get = |k: &str| {
                    url.query_pairs()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.into_owned())
                };
                assert_eq!(get("state").as_deref(), Some(pending.state().secret()));
                assert_eq!(get("nonce").as_deref(), pending.nonce().map(|n| n.secret()));
                if let Some(v) = &pending.verifier {
                    let method = r.pkce.unwrap();
                    assert_eq!(
                        get("code_challenge"),
                        Some(v.challenge(method, client.crypto_provider()))
                    );
                }
            }
        }
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
        assert_eq!(pending.verifier.as_ref(), Some(&verifier));
        assert_eq!(pending.nonce(), Some(&nonce));
        assert_ne!(state.secret(), nonce.secret());
        assert_eq!(verifier.secret().len(), 43);
        verifier.validate().unwrap();
    }
}
