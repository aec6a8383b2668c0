//! The layer and its service: the login, callback, logout and back-channel logout routes,
//! and the session check in front of every other request.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use authcore_jose::UnixTime;
use authcore_oauth2::{AccessToken, AuthorizationResponse, IdToken, RefreshToken};
use authcore_oidc::{AuthenticationRequest, PendingAuthentication};
use base64::Engine;
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Either, Full, Limited};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::clock::Sources;
use crate::config::{LoginConfig, LoginPaths, ProviderSource, SessionTimeouts};
use crate::cookie::{CookieAttributes, cookie_values};
use crate::extract::{Authenticated, AuthenticatedInner, LoginRequired};
use crate::pages;
use crate::return_to::safe_return_to;
use crate::seal::Purpose;
use crate::store::{EndedKey, EndedSessions, SessionStore};
use crate::{Error, SessionKeys};

/// The largest back-channel logout request body read (a form with one JWT).
const MAX_LOGOUT_BODY: usize = 64 * 1024;

/// Refresh results kept for requests racing on one session (entries not in use are dropped
/// past this many).
const MAX_REFRESH_SLOTS: usize = 4096;

/// The response body of a [`LoginService`]: the wrapped service's, or the layer's own page.
pub type LoginBody<B> = Either<B, Full<Bytes>>;

/// A `tower::Layer` giving an application "log in with OpenID Connect": it serves the login,
/// callback, logout and back-channel logout routes, checks the session on every other
/// request, puts [`Authenticated`] in the extensions of requests with a valid session, and
/// sends unauthenticated requests to protected paths to sign in (API requests get 401).
///
/// Cheap to clone; one value serves the whole application.
#[derive(Clone)]
pub struct LoginLayer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LoginLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginLayer")
            .field("base", &self.shared.base.as_str())
            .field(
                "providers",
                &self
                    .shared
                    .providers
                    .iter()
                    .map(|p| &p.name)
                    .collect::<Vec<_>>(),
            )
            .field("paths", &self.shared.paths)
            .finish_non_exhaustive()
    }
}

impl LoginLayer {
    /// Discovers every configured provider (OpenID Connect Discovery 1.0, over
    /// `authcore-reqwest`) and builds the layer. Fails when a provider cannot be discovered
    /// or the configuration cannot work.
    pub async fn discover(config: LoginConfig) -> Result<Self, Error> {
        if config.providers.is_empty() {
            return Err(Error::Config("no provider is configured".into()));
        }
        let mut providers: Vec<Provider> = Vec::new();
        for p in config.providers {
            if p.name.is_empty()
                || p.name.len() > 64
                || !p
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(Error::Config(format!(
                    "provider name `{}` must be 1 to 64 characters of A-Z a-z 0-9 - _",
                    p.name
                )));
            }
            if providers.iter().any(|q| q.name == p.name) {
                return Err(Error::Config(format!(
                    "provider `{}` is configured twice",
                    p.name
                )));
            }
            let client = match p.source {
                ProviderSource::Client(c) => c,
                ProviderSource::Discover {
                    issuer,
                    client_id,
                    auth,
                    id_token_alg,
                    http,
                } => {
                    let mut b = authcore_reqwest::Client::builder(client_id, auth)
                        .id_token_signed_response_alg(id_token_alg)
                        .random(config.rng);
                    if let Some(h) = http {
                        b = b.http_config(h);
                    }
                    b.discover(&issuer).await?
                }
            };
            if client.provider_metadata().is_none() {
                return Err(Error::Config(format!(
                    "provider `{}` has no OpenID Connect discovery document",
                    p.name
                )));
            }
            providers.push(Provider {
                name: p.name,
                display_name: p.display_name,
                client,
                scopes: p.scopes,
                par: p.par,
            });
        }
        let paths = config.paths;
        for path in [
            &paths.login,
            &paths.callback,
            &paths.logout,
            &paths.backchannel_logout,
        ] {
            if !path.starts_with('/') || path.starts_with("//") {
                return Err(Error::Config(format!(
                    "route path `{path}` must start with one /"
                )));
            }
        }
        let redirect_uri = config
            .base
            .join(&paths.callback)
            .map_err(|e| Error::Config(format!("redirect URI: {e}")))?;
        let post_logout = match config.post_logout_redirect_uri {
            Some(u) => u,
            None => config.base.as_str().to_owned(),
        };
        let secure = config.base.scheme() == "https";
        let prefix = if secure { "__Host-" } else { "" };
        let cookie_prefix = config.cookie_prefix;
        if cookie_prefix.is_empty()
            || !cookie_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::Config(format!(
                "cookie prefix `{cookie_prefix}` must be characters of A-Z a-z 0-9 - _"
            )));
        }
        Ok(LoginLayer {
            shared: Arc::new(Shared {
                session_cookie: format!("{prefix}{cookie_prefix}_session"),
                pending_cookie: format!("{prefix}{cookie_prefix}_pending"),
                cookies: CookieAttributes { secure },
                base: config.base,
                redirect_uri: redirect_uri.to_string(),
                post_logout,
                keys: config.keys,
                providers,
                paths,
                timeouts: config.timeouts,
                protected: config.protected,
                api_prefixes: config.api_prefixes,
                store: config.store,
                ended: config.ended,
                sources: Sources {
                    clock: config.clock,
                    rng: config.rng,
                },
                refreshes: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The redirect URI to register with every provider.
    pub fn redirect_uri(&self) -> &str {
        &self.shared.redirect_uri
    }

    /// The routes' paths.
    pub fn paths(&self) -> &LoginPaths {
        &self.shared.paths
    }

    /// The name of the session cookie (`__Host-` prefixed when cookies are `Secure`).
    pub fn session_cookie_name(&self) -> &str {
        &self.shared.session_cookie
    }

    /// The name of the pending sign-in cookie.
    pub fn pending_cookie_name(&self) -> &str {
        &self.shared.pending_cookie
    }
}

impl<S> tower::Layer<S> for LoginLayer {
    type Service = LoginService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LoginService {
            shared: self.shared.clone(),
            inner,
        }
    }
}

/// The service [`LoginLayer`] wraps around an application.
#[derive(Clone)]
pub struct LoginService<S> {
    shared: Arc<Shared>,
    inner: S,
}

impl<S> std::fmt::Debug for LoginService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginService").finish_non_exhaustive()
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, B, ResBody> tower::Service<Request<B>> for LoginService<S>
where
    S: tower::Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<LoginBody<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual pattern).
        let fresh = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, fresh);
        let shared = self.shared.clone();
        Box::pin(async move { shared.handle(request, inner).await })
    }
}

/// One configured provider, discovered.
struct Provider {
    name: String,
    display_name: String,
    client: authcore_reqwest::Client,
    scopes: Vec<String>,
    par: bool,
}

struct Shared {
    base: Url,
    redirect_uri: String,
    post_logout: String,
    keys: SessionKeys,
    providers: Vec<Provider>,
    paths: LoginPaths,
    timeouts: SessionTimeouts,
    protected: Vec<String>,
    api_prefixes: Vec<String>,
    cookies: CookieAttributes,
    session_cookie: String,
    pending_cookie: String,
    store: Option<Arc<dyn SessionStore>>,
    ended: Arc<dyn EndedSessions>,
    sources: Sources,
    refreshes: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Refreshed>>>>>,
}

/// The pending sign-in, sealed in its own short-lived cookie between the redirect to the
/// provider and the callback.
#[derive(Serialize, Deserialize)]
struct PendingLogin {
    provider: String,
    /// `state`, `nonce`, the PKCE verifier (authcore-oidc's own stored form).
    pending: PendingAuthentication,
    return_to: String,
    created_at: u64,
}

/// A session: what the cookie holds (cookie sessions) or the server-side store keeps.
#[derive(Serialize, Deserialize, Clone)]
struct SessionRecord {
    /// The application's session id (random, 256 bits), never reused across sign-ins.
    id: String,
    provider: String,
    /// The (signed) ID token from sign-in: the claims, and the `id_token_hint` at logout.
    id_token: String,
    access_token: String,
    token_type: String,
    refresh_token: Option<String>,
    expires_at: Option<u64>,
    created_at: u64,
    last_seen: u64,
    /// The UserInfo claims fetched at sign-in (Core §5.3), when the provider has the
    /// endpoint: many providers put profile claims there and not in the ID token (§5.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    userinfo: Option<Map<String, Value>>,
}

/// The session cookie's content.
#[derive(Serialize, Deserialize)]
enum SessionCookie {
    /// The whole session (cookie sessions).
    #[serde(rename = "s")]
    Full(SessionRecord),
    /// A reference to a server-side record.
    #[serde(rename = "r")]
    Ref(String),
}

/// A refresh that happened, for requests that raced it with the same refresh token.
struct Refreshed {
    from: String,
    access_token: String,
    token_type: String,
    refresh_token: String,
    expires_at: Option<u64>,
}

/// The outcome of reading a request's session.
enum Loaded {
    /// No session cookie.
    Absent,
    /// A cookie that is not (or no longer) a valid session: cleared in the response.
    Invalid,
    /// A valid session; `set_cookie` when it changed (last use, refreshed tokens, key
    /// rotation).
    Valid {
        record: Box<SessionRecord>,
        auth: Authenticated,
        set_cookie: Option<HeaderValue>,
    },
}

impl Shared {
    async fn handle<S, B, ResBody>(
        self: Arc<Self>,
        mut request: Request<B>,
        mut inner: S,
    ) -> Result<Response<LoginBody<ResBody>>, S::Error>
    where
        S: tower::Service<Request<B>, Response = Response<ResBody>>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let own = |r: Response<Full<Bytes>>| r.map(Either::Right);
        let path = request.uri().path();
        let route = [&self.paths.login, &self.paths.callback, &self.paths.logout]
            .into_iter()
            .position(|p| p == path);
        if let Some(route) = route {
            // The layer's own GET-style routes read only the request head.
            let (head, _) = request.into_parts();
            return Ok(own(match route {
                0 => self.login(&head).await,
                1 => self.callback(&head).await,
                _ => self.logout(&head).await,
            }));
        }
        if path == self.paths.backchannel_logout {
            return Ok(own(self.backchannel_logout(request).await));
        }
        let required = self.login_required(&request);
        let protected = self.protected.iter().any(|p| under(path, p));
        let (auth, set_cookie) = match self.load_session(request.headers(), true).await {
            Loaded::Absent => (None, None),
            Loaded::Invalid => (None, Some(self.cookies.clear(&self.session_cookie))),
            Loaded::Valid {
                auth, set_cookie, ..
            } => (Some(auth), set_cookie),
        };
        if auth.is_none() && protected {
            let mut r = required.response();
            if let Some(c) = set_cookie {
                r.headers_mut().append(header::SET_COOKIE, c);
            }
            return Ok(own(r));
        }
        request.extensions_mut().insert(required);
        if let Some(a) = auth {
            request.extensions_mut().insert(a);
        }
        let mut response = inner.call(request).await?;
        if let Some(c) = set_cookie {
            response.headers_mut().append(header::SET_COOKIE, c);
        }
        Ok(response.map(Either::Left))
    }

    /// How a request without a session is answered: 401 for API requests
    /// (`Accept: application/json`, or a configured prefix), else a redirect to sign in that
    /// comes back to this URL.
    fn login_required<B>(&self, request: &Request<B>) -> LoginRequired {
        let path = request.uri().path();
        let accepts_json = request
            .headers()
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("application/json") && !v.contains("text/html"));
        let api = accepts_json || self.api_prefixes.iter().any(|p| under(path, p));
        let here = request
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let mut location = self.paths.login.clone();
        if request.method() == Method::GET {
            if let Some(back) = safe_return_to(&here, &self.base) {
                location.push_str("?return_to=");
                location.extend(url::form_urlencoded::byte_serialize(back.as_bytes()));
            }
        }
        LoginRequired { api, location }
    }

    fn provider(&self, name: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.name == name)
    }

    fn error_page(&self, status: StatusCode, message: &str) -> Response<Full<Bytes>> {
        pages::error(status, message, &self.paths.login)
    }

    // --- login -------------------------------------------------------------------------

    async fn login(&self, request: &Parts) -> Response<Full<Bytes>> {
        let query = query_map(request.uri.query());
        let return_to = query
            .get("return_to")
            .and_then(|r| safe_return_to(r, &self.base))
            .unwrap_or_else(|| "/".to_owned());
        let provider = match query.get("provider") {
            Some(name) => match self.provider(name) {
                Some(p) => p,
                None => return self.error_page(StatusCode::BAD_REQUEST, "Unknown provider."),
            },
            None if self.providers.len() == 1 => &self.providers[0],
            None => return self.chooser(&return_to),
        };
        let mut auth_request = AuthenticationRequest::new(self.redirect_uri.clone());
        for s in &provider.scopes {
            auth_request = auth_request.scope(s.clone());
        }
        // OpenID Connect Core §11: a refresh token for offline access needs `prompt=consent`.
        if provider.scopes.iter().any(|s| s == "offline_access") {
            auth_request = auth_request.prompt("consent");
        }
        let built = if provider.par {
            provider
                .client
                .push_authentication_request(auth_request, None)
                .await
        } else {
            provider.client.authentication_url(auth_request)
        };
        let (url, pending) = match built {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(provider = %provider.name, error = %e, "authentication request failed");
                return self.error_page(
                    StatusCode::BAD_GATEWAY,
                    &format!("The provider could not be asked to sign you in: {e}"),
                );
            }
        };
        let pending = PendingLogin {
            provider: provider.name.clone(),
            pending,
            return_to,
            created_at: self.sources.now().as_secs(),
        };
        let sealed = match self.keys.seal(Purpose::Pending, &pending, &self.sources) {
            Ok(s) => s,
            Err(e) => return self.error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        let mut r = pages::redirect(url.as_str());
        r.headers_mut().append(
            header::SET_COOKIE,
            self.cookies.set(
                &self.pending_cookie,
                &sealed,
                Some(self.timeouts.pending_login),
            ),
        );
        r
    }

    /// The provider chooser: one link per provider, keeping `return_to`.
    fn chooser(&self, return_to: &str) -> Response<Full<Bytes>> {
        let back: String = url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
        let items: String = self
            .providers
            .iter()
            .map(|p| {
                let href = format!("{}?provider={}&return_to={back}", self.paths.login, p.name);
                format!(
                    "<li><a class=\"provider\" id=\"provider-{}\" href=\"{}\">{}</a></li>\n",
                    pages::escape(&p.name),
                    pages::escape(&href),
                    pages::escape(&p.display_name)
                )
            })
            .collect();
        pages::html(StatusCode::OK, "Sign in", &format!("<ul>\n{items}</ul>"))
    }

    // --- callback ----------------------------------------------------------------------

    async fn callback(&self, request: &Parts) -> Response<Full<Bytes>> {
        // The pending sign-in is single use: cleared whatever the outcome, so a replayed
        // callback finds none.
        let clear = self.cookies.clear(&self.pending_cookie);
        let mut r = self.complete(request).await;
        r.headers_mut().append(header::SET_COOKIE, clear);
        r
    }

    async fn complete(&self, request: &Parts) -> Response<Full<Bytes>> {
        let pending = cookie_values(&request.headers, &self.pending_cookie)
            .into_iter()
            .find_map(|v| self.keys.open::<PendingLogin>(Purpose::Pending, v));
        let Some(pending) = pending else {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "No sign-in is in progress in this browser (its cookie is missing or expired). \
                 Start again.",
            );
        };
        let now = self.sources.now();
        if pending.created_at > now.as_secs()
            || now.as_secs() - pending.created_at > self.timeouts.pending_login
        {
            return self.error_page(
                StatusCode::BAD_REQUEST,
                "The sign-in took too long. Start again.",
            );
        }
        let Some(provider) = self.provider(&pending.provider) else {
            return self.error_page(StatusCode::BAD_REQUEST, "Unknown provider.");
        };
        let here = request.uri.path_and_query().map_or("", |pq| pq.as_str());
        let callback = self
            .base
            .join(here)
            .map_err(|e| e.to_string())
            .and_then(|u| {
                AuthorizationResponse::from_redirect_uri(u.as_str()).map_err(|e| e.to_string())
            });
        let callback = match callback {
            Ok(c) => c,
            Err(e) => {
                return self.error_page(
                    StatusCode::BAD_REQUEST,
                    &format!("The provider's response is malformed: {e}"),
                );
            }
        };
        // authcore-oidc's relying party: `state` (constant time), `iss`, the code exchange
        // with the PKCE verifier, the ID token (signature, `iss`, `aud`, `exp`, `iat`,
        // `nonce`, `at_hash`), OpenID Connect Core §3.1.3.
        let signed_in = match provider
            .client
            .authenticate(pending.pending, &callback)
            .await
        {
            Ok(a) => a,
            Err(e) => {
                tracing::info!(provider = %provider.name, error = %e, "sign-in refused");
                return self.error_page(StatusCode::BAD_REQUEST, &format!("Sign-in refused: {e}"));
            }
        };
        let Some(tokens) = signed_in.tokens else {
            return self.error_page(StatusCode::BAD_GATEWAY, "The provider returned no tokens.");
        };
        // An encrypted ID token is kept as the signed token inside (Core §3.1.2.1: that is
        // also what `id_token_hint` carries).
        let id_token = provider
            .client
            .id_token_verifier()
            .and_then(|v| v.id_token_hint(&signed_in.id_token).ok())
            .unwrap_or(signed_in.id_token);
        let userinfo = match provider
            .client
            .provider_metadata()
            .and_then(|m| m.userinfo_endpoint.as_ref())
        {
            None => None,
            // The `sub` must be the ID token's (Core §5.3.2: token substitution).
            Some(_) => match provider
                .client
                .userinfo(&tokens.access_token, &signed_in.claims.sub)
                .await
            {
                Ok(info) => Some(crate::userinfo::userinfo_claims(&info)),
                Err(e) => {
                    tracing::warn!(provider = %provider.name, error = %e, "UserInfo not read");
                    None
                }
            },
        };
        let id = match self.sources.random_id(32) {
            Ok(id) => id,
            Err(e) => return self.error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        // A new session, new id: whatever session cookie the browser brought is not reused
        // (session fixation), and its server-side record is dropped.
        self.forget_previous(&request.headers).await;
        let record = SessionRecord {
            id,
            provider: provider.name.clone(),
            id_token: id_token.secret().to_owned(),
            access_token: tokens.access_token.secret().to_owned(),
            token_type: tokens.token_type.as_str().to_owned(),
            refresh_token: tokens.refresh_token.as_ref().map(|t| t.secret().to_owned()),
            expires_at: tokens.expires_at(now).map(UnixTime::as_secs),
            created_at: now.as_secs(),
            last_seen: now.as_secs(),
            userinfo,
        };
        let cookie = match self.write_session(&record, now).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "session not written");
                return self.error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
            }
        };
        let to = safe_return_to(&pending.return_to, &self.base).unwrap_or_else(|| "/".into());
        let mut r = pages::redirect(&to);
        r.headers_mut().append(header::SET_COOKIE, cookie);
        r
    }

    /// Drops the server-side record a session cookie refers to, if any.
    async fn forget_previous(&self, headers: &HeaderMap) {
        let Some(store) = &self.store else { return };
        for v in cookie_values(headers, &self.session_cookie) {
            if let Some(SessionCookie::Ref(id)) = self.keys.open(Purpose::Session, v) {
                if let Err(e) = store.remove(&id).await {
                    tracing::warn!(error = %e, "previous session not removed");
                }
            }
        }
    }

    // --- sessions ----------------------------------------------------------------------

    /// Seals the session (or saves it and seals a reference) as a `Set-Cookie`.
    async fn write_session(
        &self,
        record: &SessionRecord,
        now: UnixTime,
    ) -> Result<HeaderValue, Error> {
        let ends = record.created_at.saturating_add(self.timeouts.absolute);
        let sealed = match &self.store {
            None => self.keys.seal(
                Purpose::Session,
                &SessionCookie::Full(record.clone()),
                &self.sources,
            )?,
            Some(store) => {
                let json = serde_json::to_vec(record)
                    .map_err(|e| Error::Config(format!("session record: {e}")))?;
                store
                    .save(&record.id, json, now, UnixTime::from_secs(ends))
                    .await?;
                self.keys.seal(
                    Purpose::Session,
                    &SessionCookie::Ref(record.id.clone()),
                    &self.sources,
                )?
            }
        };
        let max_age = ends.saturating_sub(now.as_secs());
        Ok(self
            .cookies
            .set(&self.session_cookie, &sealed, Some(max_age)))
    }

    async fn load_session(&self, headers: &HeaderMap, refresh: bool) -> Loaded {
        let values = cookie_values(headers, &self.session_cookie);
        if values.is_empty() {
            return Loaded::Absent;
        }
        let Some(cookie) = values
            .into_iter()
            .find_map(|v| self.keys.open::<SessionCookie>(Purpose::Session, v))
        else {
            return Loaded::Invalid;
        };
        let now = self.sources.now();
        let mut record = match cookie {
            SessionCookie::Full(r) => r,
            SessionCookie::Ref(id) => {
                let Some(store) = &self.store else {
                    return Loaded::Invalid;
                };
                match store.load(&id, now).await {
                    Ok(Some(bytes)) => match serde_json::from_slice::<SessionRecord>(&bytes) {
                        Ok(r) if r.id == id => r,
                        _ => return Loaded::Invalid,
                    },
                    Ok(None) => return Loaded::Invalid,
                    Err(e) => {
                        tracing::warn!(error = %e, "session store");
                        return Loaded::Invalid;
                    }
                }
            }
        };
        let t = now.as_secs();
        // Idle and absolute timeouts; a session from the future (clock trouble) fails closed.
        if record.created_at > t
            || record.last_seen > t
            || t - record.created_at >= self.timeouts.absolute
            || t - record.last_seen >= self.timeouts.idle
        {
            self.drop_record(&record).await;
            return Loaded::Invalid;
        }
        let Some(provider) = self.provider(&record.provider) else {
            return Loaded::Invalid;
        };
        let Some(claims) = jwt_claims(&record.id_token) else {
            return Loaded::Invalid;
        };
        let claims = crate::userinfo::merged(claims, record.userinfo.as_ref());
        let (Some(iss), Some(sub)) = (
            claims.get("iss").and_then(Value::as_str).map(str::to_owned),
            claims.get("sub").and_then(Value::as_str).map(str::to_owned),
        ) else {
            return Loaded::Invalid;
        };
        // Ended by logout here, or by the provider's back-channel logout (by `sid`, or every
        // session of `sub`), at or after this session began.
        let mut keys = vec![
            EndedKey::Session(record.id.clone()),
            EndedKey::Subject {
                iss: iss.clone(),
                sub: sub.clone(),
            },
        ];
        if let Some(sid) = claims.get("sid").and_then(Value::as_str) {
            keys.push(EndedKey::ProviderSession {
                iss: iss.clone(),
                sid: sid.to_owned(),
            });
        }
        match self.ended.ended_at(&keys).await {
            Ok(Some(at)) if at.as_secs() >= record.created_at => {
                self.drop_record(&record).await;
                return Loaded::Invalid;
            }
            Ok(_) => {}
            Err(e) => {
                // Fail closed: a session that cannot be checked is not used.
                tracing::warn!(error = %e, "ended-session registry");
                return Loaded::Invalid;
            }
        }
        let mut changed = false;
        if refresh {
            match self.refresh_if_due(provider, &mut record, now).await {
                Ok(c) => changed |= c,
                Err(()) => {
                    self.drop_record(&record).await;
                    return Loaded::Invalid;
                }
            }
        }
        if t > record.last_seen {
            record.last_seen = t;
            changed = true;
        }
        let set_cookie = if changed {
            match self.write_session(&record, now).await {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "session not rewritten");
                    None
                }
            }
        } else {
            None
        };
        let auth = Authenticated {
            inner: Arc::new(AuthenticatedInner {
                provider: record.provider.clone(),
                claims,
                iss,
                sub,
                access_token: AccessToken::new(record.access_token.clone()),
                token_type: record.token_type.clone(),
                id_token: record.id_token.clone(),
            }),
        };
        Loaded::Valid {
            record: Box::new(record),
            auth,
            set_cookie,
        }
    }

    async fn drop_record(&self, record: &SessionRecord) {
        if let Some(store) = &self.store {
            if let Err(e) = store.remove(&record.id).await {
                tracing::warn!(error = %e, "session store");
            }
        }
    }

    /// Refreshes the access token when it expires within the margin (RFC 6749 §6), taking a
    /// rotated refresh token (RFC 9700 §4.14.2). `Ok(true)` when the tokens changed;
    /// `Err(())` when the session cannot go on (refresh refused, or expired with nothing to
    /// refresh with): the user signs in again.
    async fn refresh_if_due(
        &self,
        provider: &Provider,
        record: &mut SessionRecord,
        now: UnixTime,
    ) -> Result<bool, ()> {
        let Some(expires_at) = record.expires_at else {
            return Ok(false);
        };
        if expires_at > now.as_secs().saturating_add(self.timeouts.refresh_margin) {
            return Ok(false);
        }
        let Some(current) = record.refresh_token.clone() else {
            return if expires_at <= now.as_secs() {
                Err(())
            } else {
                Ok(false)
            };
        };
        // Requests of one session racing to refresh: the first refreshes, the others take
        // its result (a rotated refresh token used twice would revoke the grant).
        let slot = self.refresh_slot(&record.id);
        let mut done = slot.lock().await;
        let reuse = done.as_ref().filter(|d| {
            bool::from(subtle::ConstantTimeEq::ct_eq(
                d.from.as_bytes(),
                current.as_bytes(),
            ))
        });
        if let Some(d) = reuse {
            apply(record, d);
            return Ok(true);
        }
        match provider
            .client
            .refresh(&RefreshToken::new(current.clone()))
            .await
        {
            Ok(r) => {
                let d = Refreshed {
                    from: current,
                    access_token: r.response.access_token.secret().to_owned(),
                    token_type: r.response.token_type.as_str().to_owned(),
                    refresh_token: r.refresh_token.secret().to_owned(),
                    expires_at: r.response.expires_at(now).map(UnixTime::as_secs),
                };
                apply(record, &d);
                *done = Some(d);
                Ok(true)
            }
            Err(e) => {
                tracing::info!(provider = %provider.name, error = %e, "refresh refused; the session ends");
                Err(())
            }
        }
    }

    fn refresh_slot(&self, id: &str) -> Arc<tokio::sync::Mutex<Option<Refreshed>>> {
        let mut slots = match self.refreshes.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if slots.len() >= MAX_REFRESH_SLOTS && !slots.contains_key(id) {
            slots.retain(|_, s| Arc::strong_count(s) > 1);
        }
        slots.entry(id.to_owned()).or_default().clone()
    }

    // --- logout ------------------------------------------------------------------------

    /// Ends the session here, then at the provider (RP-Initiated Logout 1.0 §2:
    /// `id_token_hint`, `post_logout_redirect_uri`).
    async fn logout(&self, request: &Parts) -> Response<Full<Bytes>> {
        let mut location = self.post_logout.clone();
        if let Loaded::Valid { record, .. } = self.load_session(&request.headers, false).await {
            let now = self.sources.now();
            self.drop_record(&record).await;
            // A copy of the cookie (cookie sessions) must not outlive the logout.
            let forget = now.saturating_add(self.timeouts.absolute);
            if let Err(e) = self
                .ended
                .end(EndedKey::Session(record.id.clone()), now, forget)
                .await
            {
                tracing::warn!(error = %e, "ended-session registry");
            }
            if let Some(p) = self.provider(&record.provider) {
                match p.client.logout_url(
                    &IdToken::new(record.id_token.clone()),
                    Some(&self.post_logout),
                    None,
                ) {
                    Ok(url) => location = url.to_string(),
                    // No end_session_endpoint: the local logout is all there is.
                    Err(e) => {
                        tracing::info!(provider = %p.name, error = %e, "no RP-initiated logout")
                    }
                }
            }
        }
        let mut r = pages::redirect(&location);
        r.headers_mut()
            .append(header::SET_COOKIE, self.cookies.clear(&self.session_cookie));
        r
    }

    /// Back-Channel Logout 1.0 §2.5-§2.8: the logout token validated by authcore-oidc
    /// (signature, `iss`, `aud`, `iat`, `events`, no `nonce`), replays refused by `jti`,
    /// then the sessions it names ended: the one with its `sid`, or, without `sid`, every
    /// session of its `sub`.
    async fn backchannel_logout<B>(&self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let refuse = || authcore_oidc::logout_response(false).map(|b| Full::new(Bytes::from(b)));
        if request.method() != Method::POST {
            let mut r = pages::json(
                StatusCode::METHOD_NOT_ALLOWED,
                r#"{"error":"invalid_request"}"#,
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
        let query = query_map(request.uri().query());
        let candidates: Vec<&Provider> = match query.get("provider") {
            Some(name) => self.provider(name).into_iter().collect(),
            None => self.providers.iter().collect(),
        };
        let (parts, body) = request.into_parts();
        let Ok(body) = Limited::new(body, MAX_LOGOUT_BODY).collect().await else {
            return refuse();
        };
        let request = Request::from_parts(parts, body.to_bytes().to_vec());
        let mut token = None;
        for p in candidates {
            match p.client.handle_backchannel_logout(&request).await {
                Ok(t) => {
                    token = Some(t);
                    break;
                }
                Err(e) => tracing::info!(provider = %p.name, error = %e, "logout token refused"),
            }
        }
        let Some(token) = token else { return refuse() };
        let now = self.sources.now();
        let forget = now.saturating_add(self.timeouts.absolute);
        let jti = EndedKey::LogoutToken {
            iss: token.iss.clone(),
            jti: token.jti.clone(),
        };
        match self.ended.ended_at(std::slice::from_ref(&jti)).await {
            Ok(None) => {}
            Ok(Some(_)) => return refuse(),
            Err(e) => {
                tracing::warn!(error = %e, "ended-session registry");
                return refuse();
            }
        }
        let key = match (&token.sid, &token.sub) {
            (Some(sid), _) => EndedKey::ProviderSession {
                iss: token.iss.clone(),
                sid: sid.clone(),
            },
            (None, Some(sub)) => EndedKey::Subject {
                iss: token.iss.clone(),
                sub: sub.clone(),
            },
            // authcore-oidc requires one of them (§2.4); nothing to end otherwise.
            (None, None) => return refuse(),
        };
        for k in [jti, key] {
            if let Err(e) = self.ended.end(k, now, forget).await {
                tracing::warn!(error = %e, "ended-session registry");
                // §2.8: the logout failed, and the provider is told so.
                return refuse();
            }
        }
        authcore_oidc::logout_response(true).map(|b| Full::new(Bytes::from(b)))
    }
}

fn apply(record: &mut SessionRecord, d: &Refreshed) {
    record.access_token = d.access_token.clone();
    record.token_type = d.token_type.clone();
    record.refresh_token = Some(d.refresh_token.clone());
    record.expires_at = d.expires_at;
}

/// Whether `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    if prefix.ends_with('/') {
        path.starts_with(prefix)
    } else {
        path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// The first value of each query parameter.
fn query_map(query: Option<&str>) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        m.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    m
}

/// The claims of a JWS compact JWT we validated at sign-in (read again, not re-verified:
/// it came out of our own sealed cookie or store).
fn jwt_claims(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (_, payload) = (parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert!(under("/me", "/me"));
        assert!(under("/me/x", "/me"));
        assert!(!under("/meow", "/me"));
        assert!(under("/anything", "/"));
        assert!(under("/api/x", "/api/"));
        assert!(!under("/apix", "/api/"));
    }

    #[test]
    fn claims_of_a_compact_jwt() {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let t = format!("{}.{}.sig", b("{}"), b(r#"{"sub":"a"}"#));
        assert_eq!(jwt_claims(&t).unwrap()["sub"], "a");
        assert!(jwt_claims("nodots").is_none());
        assert!(jwt_claims("a.!!!.c").is_none());
    }
}
