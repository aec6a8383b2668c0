//! The authorization response as the client receives it, and the one check every callback
//! goes through (RFC 6749 §4.1.2, §4.2.2, §10.12; RFC 9207 §2.4; Multiple Response Type
//! Encoding Practices §2.1), for OAuth 2.0 and OpenID Connect alike.

use core::fmt;
use core::marker::PhantomData;

use authcore_jose::{SecureRandom, UnixTime};
use serde_json::{Map, Value};
use url::Url;

use crate::client::{AuthorizationServer, Client};
use crate::error::{Error, ProtocolError, Result, SecurityError};
use crate::form::FormParams;
use crate::secret::{AuthorizationCode, IdToken, Nonce, PkceCodeVerifier, State};
use crate::token::{TokenRequest, TokenResponse, TokenResponseOptions};
use crate::wire;

use super::message::{AuthorizationResponseParams, AuthorizationSuccess};
use super::response_type::{
    AnyResponseType, AuthorizationFlow, CodeFlow, ImplicitFlow, ResponseMode, ResponseType,
};

/// The parameters of an authorization response as received at the redirect URI, from its
/// query or fragment or a `form_post` body. Repeated parameters are rejected (RFC 6749 §3.1).
///
/// The constructors that know how the response travelled ([`from_redirect_uri`],
/// [`from_redirect_uri_fragment`], [`from_form_post`], [`parse_callback_request`]) remember
/// it, and the callback check refuses a response that came by another response mode than
/// the one requested. [`from_query`] reads a bare parameter string and leaves the mode
/// unknown.
///
/// [`from_redirect_uri`]: AuthorizationResponse::from_redirect_uri
/// [`from_redirect_uri_fragment`]: AuthorizationResponse::from_redirect_uri_fragment
/// [`from_form_post`]: AuthorizationResponse::from_form_post
/// [`from_query`]: AuthorizationResponse::from_query
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    params: FormParams,
    mode: Option<ResponseMode>,
}

impl fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Codes and tokens are secrets: names only.
        f.debug_struct("AuthorizationResponse")
            .field(
                "parameters",
                &self.params.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("mode", &self.mode)
            .finish()
    }
}

impl AuthorizationResponse {
    /// Parses a query string or fragment (without `?` or `#`); the response mode is unknown.
    pub fn from_query(query: &str) -> Result<Self> {
        Ok(AuthorizationResponse {
            params: FormParams::parse(query.as_bytes())?,
            mode: None,
        })
    }

    /// Parses the query of a full redirect URI (response mode `query`).
    pub fn from_redirect_uri(uri: &str) -> Result<Self> {
        let u = Url::parse(uri)
            .map_err(|_| ProtocolError::Malformed("redirect URI is not an absolute URI"))?;
        Self::from_query(u.query().unwrap_or("")).map(|r| r.with_mode(ResponseMode::Query))
    }

    /// Parses the fragment of a full redirect URI (response mode `fragment`).
    pub fn from_redirect_uri_fragment(uri: &str) -> Result<Self> {
        let u = Url::parse(uri)
            .map_err(|_| ProtocolError::Malformed("redirect URI is not an absolute URI"))?;
        Self::from_query(u.fragment().unwrap_or("")).map(|r| r.with_mode(ResponseMode::Fragment))
    }

    /// Parses an `application/x-www-form-urlencoded` body (response mode `form_post`).
    pub fn from_form_post(body: &[u8]) -> Result<Self> {
        Ok(AuthorizationResponse {
            params: FormParams::parse(body)?,
            mode: Some(ResponseMode::FormPost),
        })
    }

    fn with_mode(mut self, mode: ResponseMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    /// Whether this is an error response (has `error`).
    pub fn is_error(&self) -> bool {
        self.params.get("error").is_some()
    }

    /// The response mode it came by, when the constructor knew it.
    pub fn response_mode(&self) -> Option<&ResponseMode> {
        self.mode.as_ref()
    }

    /// The response read into its typed form (success or error), as a server would emit it.
    pub fn parameters(&self) -> Result<AuthorizationResponseParams> {
        AuthorizationResponseParams::from_form_params(&self.params)
    }
}

/// Reads an authorization response out of an `http::Request` received at the redirect URI:
/// the query of a GET (response mode `query`), or the form body of a POST (`form_post`).
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
            .map(|r| r.with_mode(ResponseMode::Query))
    }
}

/// What a pending request remembers; serialized as is.
#[derive(serde::Serialize)]
pub(super) struct PendingFields {
    pub(super) state: State,
    pub(super) verifier: Option<PkceCodeVerifier>,
    pub(super) nonce: Option<Nonce>,
    pub(super) redirect_uri: String,
    pub(super) expected_issuer: Option<String>,
    pub(super) iss_required: bool,
    pub(super) response_type: ResponseType,
    pub(super) response_mode: Option<ResponseMode>,
}

/// The stored form as read back: today's, or the one written before the response type was
/// recorded, which named the grant (`Code` or `Implicit`) instead, so that a request stored
/// by an earlier version is still handled when its callback arrives.
#[derive(serde::Deserialize)]
struct StoredFields {
    state: State,
    verifier: Option<PkceCodeVerifier>,
    nonce: Option<Nonce>,
    redirect_uri: String,
    expected_issuer: Option<String>,
    iss_required: bool,
    #[serde(default)]
    response_type: Option<ResponseType>,
    #[serde(default)]
    response_mode: Option<ResponseMode>,
    #[serde(default)]
    grant: Option<StoredGrant>,
}

/// The grant member of the earlier stored form.
#[derive(serde::Deserialize)]
enum StoredGrant {
    Code,
    Implicit,
}

impl<'de> serde::Deserialize<'de> for PendingFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let f = StoredFields::deserialize(d)?;
        let response_type = match (f.response_type, f.grant) {
            (Some(t), _) => t,
            (None, Some(StoredGrant::Implicit)) => ResponseType::Token,
            (None, Some(StoredGrant::Code) | None) => ResponseType::Code,
        };
        Ok(PendingFields {
            state: f.state,
            verifier: f.verifier,
            nonce: f.nonce,
            redirect_uri: f.redirect_uri,
            expected_issuer: f.expected_issuer,
            iss_required: f.iss_required,
            response_type,
            response_mode: f.response_mode,
        })
    }
}

/// An authorization request that was sent; the only value that can handle its callback.
///
/// It owns the `state`, the PKCE verifier and the `nonce`. Handling the callback consumes it,
/// so none of them can be reused. Its flow `F` decides which callback handler it has:
/// [`PendingAuthorization::handle_callback`] for the code flow (the default),
/// `handle_implicit_callback` for the implicit grant, and a handler returning an
/// [`AuthorizationCallback`] for a response type chosen at run time ([`AnyResponseType`]).
///
/// A web application that handles the callback in another process can persist it with serde
/// (the serialized form contains those secrets: keep it server-side or encrypted); reading it
/// back as another flow than it was built for is refused.
///
/// Handling a callback with the wrong kind of pending request does not compile. A code-flow
/// request has no implicit handler:
///
/// ```compile_fail
/// # use authcore_oauth2::*;
/// # fn f(client: &Client, server: &AuthorizationServer, rng: &dyn SecureRandom,
/// #      callback: &AuthorizationResponse) -> Result<()> {
/// let (_, pending) = AuthorizationRequest::new("https://client.example/cb")
///     .build_url(client, server, rng)?;
/// #[allow(deprecated)]
/// let tokens = pending.handle_implicit_callback(callback, &TokenResponseOptions::new())?;
/// # Ok(()) }
/// ```
///
/// and an implicit one has no code handler:
///
/// ```compile_fail
/// # use authcore_oauth2::*;
/// # fn f(client: &Client, server: &AuthorizationServer, rng: &dyn SecureRandom,
/// #      callback: &AuthorizationResponse) -> Result<()> {
/// # #[allow(deprecated)]
/// let (_, pending) = AuthorizationRequest::implicit("https://client.example/cb")
///     .build_url(client, server, rng)?;
/// let grant = pending.handle_callback(callback)?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct PendingAuthorization<F: AuthorizationFlow = CodeFlow> {
    pub(super) fields: PendingFields,
    pub(super) flow: PhantomData<F>,
}

impl<F: AuthorizationFlow> serde::Serialize for PendingAuthorization<F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        self.fields.serialize(s)
    }
}

impl<'de, F: AuthorizationFlow> serde::Deserialize<'de> for PendingAuthorization<F> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let fields = PendingFields::deserialize(d)?;
        if !F::allows(fields.response_type) {
            return Err(serde::de::Error::custom(
                "the stored pending request belongs to another flow",
            ));
        }
        Ok(PendingAuthorization {
            fields,
            flow: PhantomData,
        })
    }
}

impl<F: AuthorizationFlow> fmt::Debug for PendingAuthorization<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.fields;
        f.debug_struct("PendingAuthorization")
            .field("state", &p.state)
            .field("verifier", &p.verifier)
            .field("nonce", &p.nonce)
            .field("redirect_uri", &p.redirect_uri)
            .field("expected_issuer", &p.expected_issuer)
            .field("iss_required", &p.iss_required)
            .field("response_type", &p.response_type)
            .field("response_mode", &p.response_mode)
            .finish()
    }
}

impl<F: AuthorizationFlow> PendingAuthorization<F> {
    /// The `state` sent, for looking the pending request up when the callback arrives.
    pub fn state(&self) -> &State {
        &self.fields.state
    }

    /// The `nonce` this crate drew and sent, if one was asked for with
    /// [`AuthorizationRequest::with_nonce`](crate::AuthorizationRequest::with_nonce).
    pub fn nonce(&self) -> Option<&Nonce> {
        self.fields.nonce.as_ref()
    }

    /// The `redirect_uri` sent.
    pub fn redirect_uri(&self) -> &str {
        &self.fields.redirect_uri
    }

    /// The `response_type` sent.
    pub fn response_type(&self) -> ResponseType {
        self.fields.response_type
    }

    /// The PKCE verifier, for tests of the challenge.
    #[cfg(test)]
    pub(super) fn verifier(&self) -> Option<&PkceCodeVerifier> {
        self.fields.verifier.as_ref()
    }

    /// The one callback check, for every response type:
    ///
    /// 1. `state` present and equal in constant time (RFC 6749 §10.12), first, so that an
    ///    injected error response is reported as the forgery it is;
    /// 2. `iss` (RFC 9207 §2.4), on success and error responses alike;
    /// 3. the response came by the response mode requested (or the response type's default,
    ///    Multiple Response Type Encoding Practices §2.1, §5), when the mode is known;
    /// 4. an error response becomes [`Error::Server`];
    /// 5. no token the response type does not return (none in a `code` response, so none in
    ///    a query), and every value it does return present; a front-channel access token is
    ///    read as [`TokenResponse`] with `options` (RFC 6749 §4.2.2).
    fn check(
        self,
        response: &AuthorizationResponse,
        options: &TokenResponseOptions,
    ) -> Result<AuthorizationCallback> {
        let p = self.fields;
        let state = response
            .params
            .get("state")
            .ok_or(SecurityError::MissingState)?;
        if State::new(state) != p.state {
            return Err(SecurityError::StateMismatch.into());
        }
        match (response.params.get("iss"), &p.expected_issuer) {
            (Some(iss), Some(expected)) if iss != expected => {
                return Err(SecurityError::IssuerMismatch {
                    expected: expected.clone(),
                    received: iss.to_owned(),
                }
                .into());
            }
            (None, _) if p.iss_required => return Err(SecurityError::MissingIssuer.into()),
            _ => {}
        }
        let expected_mode = p
            .response_mode
            .clone()
            .unwrap_or_else(|| p.response_type.default_response_mode());
        if let Some(received) = &response.mode {
            let comparable = matches!(
                expected_mode,
                ResponseMode::Query | ResponseMode::Fragment | ResponseMode::FormPost
            );
            if comparable && *received != expected_mode {
                return Err(ProtocolError::Malformed(
                    "the response came by another response mode than the request asked for",
                )
                .into());
            }
        }
        let success = match response.parameters()? {
            AuthorizationResponseParams::Error(e) => {
                return Err(Error::Server(e.into_error_response()));
            }
            AuthorizationResponseParams::Success(s) => s,
        };
        let rt = p.response_type;
        let AuthorizationSuccess {
            code,
            access_token,
            token_type,
            expires_in,
            scope,
            id_token,
            extra,
            ..
        } = success;
        if rt.returns_id_token() && id_token.is_none() {
            return Err(ProtocolError::MissingParameter("id_token").into());
        }
        if rt.returns_access_token() && access_token.is_none() {
            return Err(ProtocolError::MissingParameter("access_token").into());
        }
        if rt.returns_code() && code.is_none() {
            return Err(ProtocolError::MissingParameter("code").into());
        }
        // After the presence checks, so that a missing value is reported as missing.
        if (access_token.is_some() && !rt.returns_access_token())
            || (id_token.is_some() && !rt.returns_id_token())
        {
            return Err(ProtocolError::Malformed(
                "the response carries a token its response type does not return",
            )
            .into());
        }
        let access_token = match access_token {
            Some(access_token) => {
                let extra: Map<String, Value> = extra
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                Some(TokenResponse::from_authorization_response(
                    access_token,
                    token_type,
                    expires_in,
                    scope,
                    extra,
                    options,
                )?)
            }
            None => None,
        };
        let code = if rt.returns_code() {
            code.map(|code| AuthorizationCodeGrant {
                request: TokenRequest::authorization_code(
                    AuthorizationCode::new(code.secret()),
                    p.redirect_uri,
                    p.verifier,
                ),
                code,
                nonce: None,
                issuer: p.expected_issuer.clone(),
            })
        } else {
            None
        };
        Ok(AuthorizationCallback {
            response_type: rt,
            state: p.state,
            nonce: p.nonce,
            issuer: p.expected_issuer,
            code,
            access_token,
            id_token,
        })
    }
}

impl PendingAuthorization<CodeFlow> {
    /// Handles the authorization response of a code request: checks `state` (constant time),
    /// `iss` (RFC 9207), the response mode, turns an error response into [`Error::Server`],
    /// and returns the grant that makes the token request.
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
        let callback = self.check(response, &TokenResponseOptions::new())?;
        let AuthorizationCallback { code, nonce, .. } = callback;
        // A `code` request's check requires the code, so it is always there.
        let mut grant = code.ok_or(ProtocolError::MissingParameter("code"))?;
        grant.nonce = nonce;
        Ok(grant)
    }
}

impl PendingAuthorization<ImplicitFlow> {
    /// Handles the fragment of an implicit grant response (RFC 6749 §4.2.2): the same checks
    /// as the code flow's, then the token read with `options`.
    #[deprecated(note = "the implicit grant is deprecated by RFC 9700 §2.1.2")]
    pub fn handle_implicit_callback(
        self,
        response: &AuthorizationResponse,
        options: &TokenResponseOptions,
    ) -> Result<TokenResponse> {
        let callback = self.check(response, options)?;
        // A `token` request's check requires the access token, so it is always there.
        callback
            .access_token
            .ok_or(ProtocolError::MissingParameter("access_token").into())
    }
}

impl PendingAuthorization<AnyResponseType> {
    /// Handles the authorization response of a request of any response type, with the one
    /// check of every callback (`state`, `iss`, response mode, error response, the values
    /// the response type returns; see [`PendingAuthorization::handle_callback`] for the `iss`
    /// rules). A front-channel access token is read with `options`.
    pub fn handle_response(
        self,
        response: &AuthorizationResponse,
        options: &TokenResponseOptions,
    ) -> Result<AuthorizationCallback> {
        self.check(response, options)
    }
}

/// A checked authorization response of any response type: exactly the values its
/// [`ResponseType`] returns are present (a code grant when it returns `code`, a token when it
/// returns `token`, an ID token when it returns `id_token`).
#[derive(Debug)]
#[non_exhaustive]
#[must_use]
pub struct AuthorizationCallback {
    /// The response type of the request.
    pub response_type: ResponseType,
    /// The `state` sent (and received).
    pub state: State,
    /// The `nonce` this crate drew for the request, if any.
    pub nonce: Option<Nonce>,
    /// The issuer the response came from, when the client knows it.
    pub issuer: Option<String>,
    /// The code, ready for the token request, when the response type returns `code`.
    pub code: Option<AuthorizationCodeGrant>,
    /// The front-channel access token, when the response type returns `token` (RFC 6749
    /// §4.2.2).
    pub access_token: Option<TokenResponse>,
    /// The ID token, not validated, when the response type returns `id_token`.
    pub id_token: Option<IdToken>,
}

/// A successfully handled authorization callback: the code, bound to the PKCE verifier and
/// redirect URI of its request, ready for the token request (RFC 6749 §4.1.3).
#[derive(Debug)]
#[must_use]
pub struct AuthorizationCodeGrant {
    request: TokenRequest,
    code: AuthorizationCode,
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

    /// The code received (for an OpenID Connect `c_hash`, Core 1.0 §3.3.2.11).
    pub fn code(&self) -> &AuthorizationCode {
        &self.code
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
