//! The authentication request (OpenID Connect Core 1.0 §3.1.2.1, §3.2.2.1, §3.3.2.1, §6):
//! the OAuth 2.0 authorization request of `authcore-oauth2` plus what OpenID Connect adds
//! (`openid` scope, `nonce`, `max_age`, `prompt`, `claims`...), and the pending values that
//! remember what the ID token must reflect.

use core::fmt;

use authcore_jose::{JwsSigner, SecureRandom, UnixTime};
use authcore_oauth2::{
    AnyResponseType, AuthorizationRequest, AuthorizationServer, Client, IdToken, Nonce,
    OPENID_REQUEST_PARAMETERS, PendingAuthorization, PendingPushedAuthorization, PkceCodeVerifier,
    ResponseMode, ResponseType, State,
};
use serde_json::{Map, Value};
use url::Url;

use crate::encrypted::RequestObjectEncryption;
use crate::error::{Error, Result};

/// An OpenID Connect authentication request (OpenID Connect Core 1.0 §3.1.2.1) being
/// composed: `scope` always includes `openid`, a `nonce` is always generated (the caller's
/// RNG), and code-bearing response types use PKCE S256.
///
/// Every response type is built by `authcore-oauth2`'s [`AuthorizationRequest`], whose
/// [`PendingAuthorization`] the resulting [`PendingAuthentication`] wraps: this type adds
/// only the OpenID Connect parameters and the `nonce`, which it draws and keeps itself.
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
    id_token_hint: Option<IdToken>,
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

    /// `id_token_hint`: a previously issued ID token. An encrypted one is sent as the signed
    /// token inside it (Core §3.1.2.1): pass
    /// [`IdTokenVerifier::id_token_hint`](crate::IdTokenVerifier::id_token_hint)'s result.
    pub fn id_token_hint(mut self, token: &IdToken) -> Self {
        self.id_token_hint = Some(token.clone());
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

    /// This request as an `authcore-oauth2` request of its response type, with the `openid`
    /// scope, the OpenID Connect parameters and a fresh `nonce` added, and what the response
    /// must be checked against; the nonce is returned for the pending authentication to keep.
    /// Every check of this type runs before the `nonce` is drawn.
    fn into_oauth2(
        self,
        rng: &dyn SecureRandom,
    ) -> Result<(AuthorizationRequest<AnyResponseType>, Nonce, RequestContext)> {
        // This type sets the OpenID Connect parameters from its typed values only.
        if self
            .extra
            .iter()
            .any(|(n, _)| OPENID_REQUEST_PARAMETERS.contains(&n.as_str()))
        {
            return Err(Error::Misuse("extension parameter is reserved"));
        }
        if !self.response_type.is_openid() {
            return Err(Error::Misuse(
                "`token` alone returns no ID token: not an OpenID Connect response type (Core 1.0 §3)",
            ));
        }
        let claims = self.claims_parameter()?;
        let context = RequestContext {
            max_age: self.max_age,
            essential_acr: essential_acr_values(claims.as_ref()),
        };
        let mut req =
            AuthorizationRequest::with_response_type(self.redirect_uri, self.response_type)
                .scope("openid")
                .scopes(self.scopes);
        if let Some(mode) = self.response_mode {
            req = req.response_mode(mode);
        }
        if let Some(m) = self.max_age {
            req = req.max_age(m);
        }
        for p in self.prompt {
            req = req.prompt(p);
        }
        for a in self.acr_values {
            req = req.acr_value(a);
        }
        if let Some(c) = claims {
            req = req.claims(c);
        }
        if let Some(h) = self.login_hint {
            req = req.login_hint(h);
        }
        if let Some(h) = &self.id_token_hint {
            req = req.id_token_hint(h);
        }
        for l in self.ui_locales {
            req = req.ui_locale(l);
        }
        if let Some(d) = self.display {
            req = req.display(d);
        }
        for (k, v) in self.extra {
            req = req.param(k, v);
        }
        // OpenID Connect Core §3.1.2.1, §3.2.2.1: a nonce on every request; the ID token must
        // carry it back (§3.1.3.7 step 11).
        let nonce = Nonce::generate(rng)?;
        Ok((req.nonce(&nonce), nonce, context))
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
        self.pushed(rng, |req| req.build_par_request(client, server, now, rng))
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
        self.pushed(rng, |req| {
            req.build_signed_par_request(client, server, signer, now, rng)
        })
    }

    /// [`AuthenticationRequest::build_signed_par_request`] with the request object signed,
    /// then encrypted to the provider (RFC 9101 §4, §6.1; OpenID Connect Core §6.1) as
    /// `encryption` says, so that only the provider reads the parameters.
    pub fn build_encrypted_par_request(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        encryption: &RequestObjectEncryption,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthentication)> {
        self.pushed(rng, |req| {
            req.build_sealed_par_request(
                client,
                server,
                signer,
                &mut |jws| Ok(encryption.seal(&jws, rng)?),
                now,
                rng,
            )
        })
    }

    /// A pushed request for the authorization code flow, built by `push` from this request's
    /// `authcore-oauth2` form.
    fn pushed(
        self,
        rng: &dyn SecureRandom,
        push: impl FnOnce(
            AuthorizationRequest<AnyResponseType>,
        ) -> authcore_oauth2::Result<(
            http::Request<Vec<u8>>,
            PendingPushedAuthorization<AnyResponseType>,
        )>,
    ) -> Result<(http::Request<Vec<u8>>, PendingPushedAuthentication)> {
        if self.response_type != ResponseType::Code {
            return Err(Error::Misuse(
                "pushed authorization requests are built for response_type=code only",
            ));
        }
        let (req, nonce, context) = self.into_oauth2(rng)?;
        let (request, pending) = push(req)?;
        Ok((
            request,
            PendingPushedAuthentication {
                pending,
                nonce,
                context,
            },
        ))
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
        // The checks of the plain URL apply: the object replaces a front-channel request.
        server.authorization_endpoint()?;
        if server.require_pushed_authorization_requests() {
            return Err(Error::Misuse(
                "this server requires pushed authorization requests",
            ));
        }
        let (req, nonce, context) = self.into_oauth2(rng)?;
        let (jwt, pending) = req.build_request_object(client, server, signer, now, rng)?;
        Ok((
            jwt,
            PendingAuthentication {
                pending,
                nonce,
                context,
            },
        ))
    }

    /// [`AuthenticationRequest::build_request_object`], then encrypted to the provider as
    /// `encryption` says (OpenID Connect Core §6.1, RFC 9101 §4: signed, then encrypted, the
    /// JWE's `cty` `JWT`). Host it and send it by reference with
    /// [`AuthenticationRequest::signed_url_with_request_uri`], or use
    /// [`AuthenticationRequest::build_encrypted_url`].
    pub fn build_encrypted_request_object(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        encryption: &RequestObjectEncryption,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(String, PendingAuthentication)> {
        let (jws, pending) = self.build_request_object(client, server, signer, now, rng)?;
        Ok((encryption.seal(&jws, rng)?, pending))
    }

    /// [`AuthenticationRequest::build_signed_url`] with the request object signed, then
    /// encrypted to the provider ([`AuthenticationRequest::build_encrypted_request_object`]):
    /// the URL repeats `client_id`, `response_type` and `scope`; every other parameter is
    /// readable only by the provider.
    pub fn build_encrypted_url(
        self,
        client: &Client,
        server: &AuthorizationServer,
        signer: &dyn JwsSigner,
        encryption: &RequestObjectEncryption,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(Url, PendingAuthentication)> {
        let mut url = self.outer_url(client, server)?;
        let (jwe, pending) =
            self.build_encrypted_request_object(client, server, signer, encryption, now, rng)?;
        url.query_pairs_mut().append_pair("request", &jwe);
        Ok((url, pending))
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
        let (req, nonce, context) = self.into_oauth2(rng)?;
        let (url, pending) = req.build_url(client, server, rng)?;
        Ok((
            url,
            PendingAuthentication {
                pending,
                nonce,
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
pub(super) struct RequestContext {
    pub(super) max_age: Option<u64>,
    pub(super) essential_acr: Vec<String>,
}

/// An authentication request that was sent; the only value that can handle its response.
///
/// It owns `state`, `nonce` and the PKCE verifier and remembers `max_age` and essential `acr`
/// values, so the ID token is checked against exactly what was asked. Handling the response
/// consumes it. It can be persisted with serde between the redirect and the callback (the
/// serialized form holds those secrets: keep it server-side or encrypted).
#[must_use]
pub struct PendingAuthentication {
    pub(super) pending: PendingAuthorization<AnyResponseType>,
    pub(super) nonce: Nonce,
    pub(super) context: RequestContext,
}

/// The stored form of a [`PendingAuthentication`].
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAuthentication<P, N, C> {
    pending: P,
    nonce: N,
    context: C,
}

/// A stored [`PendingAuthentication`] as read back: today's form, or the one written before
/// the OpenID Connect front channel was built on `authcore-oauth2`'s, so that a sign-in stored
/// by an earlier version still completes when its callback arrives.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredForm {
    Current(StoredAuthentication<PendingAuthorization<AnyResponseType>, Nonce, RequestContext>),
    Earlier(EarlierAuthentication),
}

/// The earlier stored form: the request's secrets under `inner` (a code request or a
/// front-channel one), the response type in `context`.
#[derive(serde::Deserialize)]
struct EarlierAuthentication {
    inner: EarlierInner,
    context: EarlierContext,
}

#[derive(serde::Deserialize)]
enum EarlierInner {
    Code(EarlierFields),
    FrontChannel(EarlierFields),
}

/// The members both earlier variants stored (the code variant's `nonce` was optional, and it
/// named its grant, which `context.response_type` repeats).
#[derive(serde::Deserialize)]
struct EarlierFields {
    state: State,
    verifier: Option<PkceCodeVerifier>,
    nonce: Option<Nonce>,
    redirect_uri: String,
    expected_issuer: Option<String>,
    iss_required: bool,
}

#[derive(serde::Deserialize)]
struct EarlierContext {
    response_type: ResponseType,
    max_age: Option<u64>,
    essential_acr: Vec<String>,
}

/// The pending request's members in the form `PendingAuthorization` reads.
#[derive(serde::Serialize)]
struct CurrentFields<'a> {
    state: &'a State,
    verifier: Option<&'a PkceCodeVerifier>,
    /// Kept beside the pending request, as a new one keeps it.
    nonce: Option<&'a Nonce>,
    redirect_uri: &'a str,
    expected_issuer: Option<&'a str>,
    iss_required: bool,
    response_type: ResponseType,
}

impl EarlierAuthentication {
    fn into_current(
        self,
    ) -> core::result::Result<
        StoredAuthentication<PendingAuthorization<AnyResponseType>, Nonce, RequestContext>,
        String,
    > {
        let (EarlierInner::Code(f) | EarlierInner::FrontChannel(f)) = self.inner;
        let nonce = f
            .nonce
            .ok_or("the stored authentication request has no nonce")?;
        // Through the pending request's own reader, so its checks apply as to any stored value.
        let fields = serde_json::to_value(CurrentFields {
            state: &f.state,
            verifier: f.verifier.as_ref(),
            nonce: None,
            redirect_uri: &f.redirect_uri,
            expected_issuer: f.expected_issuer.as_deref(),
            iss_required: f.iss_required,
            response_type: self.context.response_type,
        })
        .map_err(|e| e.to_string())?;
        let pending =
            <PendingAuthorization<AnyResponseType> as serde::Deserialize>::deserialize(fields)
                .map_err(|e| e.to_string())?;
        Ok(StoredAuthentication {
            pending,
            nonce,
            context: RequestContext {
                max_age: self.context.max_age,
                essential_acr: self.context.essential_acr,
            },
        })
    }
}

impl serde::Serialize for PendingAuthentication {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        StoredAuthentication {
            pending: &self.pending,
            nonce: &self.nonce,
            context: &self.context,
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for PendingAuthentication {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let StoredAuthentication {
            pending,
            nonce,
            context,
        } = match StoredForm::deserialize(d)? {
            StoredForm::Current(stored) => stored,
            StoredForm::Earlier(earlier) => {
                earlier.into_current().map_err(serde::de::Error::custom)?
            }
        };
        // Only OpenID Connect response types are built here; a stored `token` request is not
        // one of ours.
        if !pending.response_type().is_openid() {
            return Err(serde::de::Error::custom(
                "not an OpenID Connect response type",
            ));
        }
        Ok(PendingAuthentication {
            pending,
            nonce,
            context,
        })
    }
}

impl fmt::Debug for PendingAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthentication")
            .field("response_type", &self.pending.response_type())
            .field("max_age", &self.context.max_age)
            .field("essential_acr", &self.context.essential_acr)
            .finish_non_exhaustive()
    }
}

impl PendingAuthentication {
    /// The `state` sent, for finding the pending request when the response arrives.
    pub fn state(&self) -> &State {
        self.pending.state()
    }

    /// The `nonce` sent (every authentication request has one).
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }

    /// The response type requested.
    pub fn response_type(&self) -> ResponseType {
        self.pending.response_type()
    }

    /// The `max_age` requested.
    pub fn max_age(&self) -> Option<u64> {
        self.context.max_age
    }
}

/// A pushed authentication request that was sent; its response yields the authorization URL
/// and the [`PendingAuthentication`].
#[must_use]
pub struct PendingPushedAuthentication {
    pending: PendingPushedAuthorization<AnyResponseType>,
    nonce: Nonce,
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
                pending,
                nonce: self.nonce,
                context: self.context,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The OpenID Connect response types are exactly the six of Core 1.0 §3 (the parser and
    /// its negative cases live with `ResponseType` in `authcore-oauth2`).
    #[test]
    fn openid_response_types() {
        let openid: Vec<&str> = ResponseType::ALL
            .iter()
            .filter(|rt| rt.is_openid())
            .map(|rt| rt.as_str())
            .collect();
        assert_eq!(
            openid,
            [
                "code",
                "id_token",
                "id_token token",
                "code id_token",
                "code token",
                "code id_token token"
            ]
        );
    }
}
