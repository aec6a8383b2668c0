//! The in-process harness: authcore-hyper's provider over the in-memory store on a free
//! loopback port, an axum application behind the login layer on another, a movable clock,
//! and a cookie-jar user agent that signs in through the provider's pages (their fixed form
//! contract). Everything started is stopped on drop.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use authcore_hyper::forms::{Answers, PageWalk};
use authcore_hyper::{
    AccountRecord, MemoryProviderStore, Provider, ProviderSettings, ProviderStore,
    RateLimitSettings,
};
use authcore_jose::{InsecureTestRandom, UnixTime};
use authcore_login::{
    Authenticated, Clock, LoginConfig, LoginLayer, ProviderConfig, SessionKeys, SessionTimeouts,
};
use authcore_oauth2::ClientAuthentication;
use authcore_server::model::{ClientAuthMethod, ClientRecord};
use axum::Router;
use axum::extract::Request;
use axum::routing::get;

pub const PASSWORD: &str = "wonderland";
/// The layer's cookies: the session, and the sign-in in progress.
pub const SESSION: &str = "authcore_login_session";
pub const PENDING: &str = "authcore_login_pending";
pub const SECRET: &str = "a-confidential-client-secret-of-some-length";
pub const KEY1: [u8; 32] = [1; 32];
pub const KEY2: [u8; 32] = [2; 32];

/// The layer's only clock: the system time when the test made it, moved only by
/// [`TestClock::advance`]. It does not follow the real clock afterwards, so a test's idle and
/// absolute timeouts fall exactly where it advances them, however slowly the machine runs;
/// the provider (on the real clock) sees at most the test's own running time of difference,
/// well inside the validation leeway.
#[derive(Debug)]
pub struct TestClock {
    start: u64,
    offset: AtomicU64,
}

impl Default for TestClock {
    fn default() -> Self {
        #[allow(clippy::disallowed_methods)] // the provider runs on the real clock
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        TestClock {
            start,
            offset: AtomicU64::new(0),
        }
    }
}

impl TestClock {
    pub fn advance(&self, secs: u64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.start + self.offset.load(Ordering::SeqCst))
    }
}

/// A task stopped on drop.
pub struct Task(pub tokio::task::JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The provider.
pub struct Op {
    pub base: String,
    pub provider: Provider,
    pub store: Arc<MemoryProviderStore>,
    /// The private key of client `pkj` (`private_key_jwt`).
    pub pkj_key: authcore_jose::Jwk,
    pub _task: Task,
}

/// Starts the provider (dev mode: back-channel logout to http loopback receivers) with
/// alice and bob, and the clients `app` (public) and `conf` (client_secret_basic), both
/// redirecting to `app_base`.
pub async fn start_op(app_base: &str) -> Op {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let mut config = authcore_server::ServerConfig::new(&base).unwrap();
    let at = config.clone();
    let e = |p: &str| Some(at.endpoint(p).unwrap());
    config.endpoints.jwks = e("jwks");
    config.endpoints.pushed_authorization_request = e("par");
    config.endpoints.revocation = e("revoke");
    config.endpoints.end_session = e("logout");
    config.endpoints.userinfo = e("userinfo");
    config.scopes_supported = ["openid", "profile", "email", "offline_access"]
        .map(String::from)
        .to_vec();
    let mut settings = ProviderSettings::new(config);
    settings.rate_limits = RateLimitSettings::off();
    settings.site_name = "Test Provider".into();
    settings.dev = true;
    settings.server.logout.backchannel = true;
    let store = Arc::new(MemoryProviderStore::new());
    let dyn_store: Arc<dyn ProviderStore> = store.clone();
    let provider = Provider::new(settings, dyn_store).await.unwrap();
    let rng = InsecureTestRandom::new(99);
    for (sub, user, claims) in [
        (
            "alice-sub",
            "alice",
            r#"{"name":"Alice","email":"alice@example.com"}"#,
        ),
        ("bob-sub", "bob", r#"{"name":"Bob"}"#),
    ] {
        store
            .put_account(AccountRecord {
                subject: sub.into(),
                username: user.into(),
                password_hash: authcore_hyper::accounts::hash_password(PASSWORD, &rng).unwrap(),
                claims: serde_json::from_str(claims).unwrap(),
            })
            .await
            .unwrap();
    }
    let mut pkj_key = authcore_jose::Jwk::generate(
        authcore_jose::JwsAlgorithm::ES256,
        authcore_jose::crypto::default_provider(),
        &rng,
    )
    .unwrap();
    pkj_key.kid = Some("pkj-1".into());
    for (id, method) in [
        ("app", ClientAuthMethod::None),
        ("conf", ClientAuthMethod::ClientSecretBasic),
        ("pkj", ClientAuthMethod::PrivateKeyJwt),
    ] {
        let mut c = ClientRecord::new(id, method);
        if id == "conf" {
            c.secret =
                Some(authcore_server::client_auth::hash_chosen_secret(SECRET, &rng).unwrap());
        }
        if id == "pkj" {
            c.jwks = Some(authcore_jose::JwkSet::new(vec![
                pkj_key.to_public().unwrap(),
            ]));
        }
        c.redirect_uris = vec![format!("{app_base}/auth/callback")];
        c.post_logout_redirect_uris = vec![format!("{app_base}/")];
        c.backchannel_logout_uri =
            Some(format!("{app_base}/auth/backchannel-logout?provider={id}"));
        c.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
        c.response_types = vec!["code".into()];
        c.allowed_scopes = ["openid", "profile", "email", "offline_access"]
            .map(String::from)
            .to_vec();
        provider.upsert_client(c).await.unwrap();
    }
    let p = provider.clone();
    let task = tokio::spawn(async move {
        let _ = p.serve(listener, std::future::pending::<()>()).await;
    });
    Op {
        base,
        provider,
        store,
        pkj_key,
        _task: Task(task),
    }
}

/// The application behind the layer.
pub struct App {
    pub base: String,
    pub layer: LoginLayer,
    pub _task: Task,
}

/// A bound but not yet serving application listener (its address is needed to register the
/// clients before the layer can discover the provider).
pub struct AppListener {
    pub listener: tokio::net::TcpListener,
    pub base: String,
}

pub async fn app_listener() -> AppListener {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    AppListener { listener, base }
}

/// The layer's configuration as most tests use it: provider `app` (public client, PKCE) with
/// profile, email and offline_access; `/me` protected; `/api` an API prefix; idle 600 s,
/// absolute 1000 s.
pub fn config(app_base: &str, op: &Op, clock: Arc<TestClock>, keys: SessionKeys) -> LoginConfig {
    let mut timeouts = SessionTimeouts::default();
    timeouts.idle = 600;
    timeouts.absolute = 1000;
    LoginConfig::new(app_base, keys)
        .unwrap()
        .provider(
            ProviderConfig::new("app", &op.base, "app", ClientAuthentication::None)
                .scope("profile")
                .scope("email")
                .scope("offline_access"),
        )
        .protect("/me")
        .protect("/api")
        .api_prefix("/api")
        .timeouts(timeouts)
        .clock(clock)
}

/// The application: `/` public (says who is signed in, if anyone), `/me` and `/api/me`
/// protected (the claims as JSON).
pub async fn serve_app(listener: AppListener, config: LoginConfig) -> App {
    let layer = LoginLayer::discover(config).await.unwrap();
    let task = axum_on(listener.listener, app_router().layer(layer.clone()));
    App {
        base: listener.base,
        layer,
        _task: Task(task),
    }
}

/// Serves the axum `router` on `listener`.
pub fn axum_on(listener: tokio::net::TcpListener, router: Router) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    })
}

fn who(request: &Request) -> String {
    match request.extensions().get::<Authenticated>() {
        Some(a) => serde_json::json!({
            "provider": a.provider(),
            "iss": a.issuer(),
            "sub": a.subject(),
            "claims": a.claims(),
            "access_token": a.access_token().secret(),
            "token_type": a.token_type(),
        })
        .to_string(),
        None => "{}".into(),
    }
}

pub fn app_router() -> Router {
    Router::new()
        .route(
            "/",
            get(|r: Request| async move { format!("public {}", who(&r)) }),
        )
        .route("/me", get(|r: Request| async move { who(&r) }))
        .route("/api/me", get(|r: Request| async move { who(&r) }))
}

/// Provider, clock and application, started together.
pub struct World {
    pub op: Op,
    pub app: App,
    pub clock: Arc<TestClock>,
}

impl World {
    /// The application's URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.base)
    }
}

/// [`config`] with the session key `k1` ([`KEY1`]).
pub fn default_config(app_base: &str, op: &Op, clock: Arc<TestClock>) -> LoginConfig {
    config(app_base, op, clock, SessionKeys::new("k1", KEY1).unwrap())
}

pub async fn world() -> World {
    world_with(|c| c).await
}

/// [`world`] with the layer's configuration changed by `tune`.
pub async fn world_with(tune: impl FnOnce(LoginConfig) -> LoginConfig) -> World {
    world_with_op(|c, _| tune(c)).await
}

/// [`world`] with the layer's configuration changed by `tune`, which sees the provider (for
/// more providers on it).
pub async fn world_with_op(tune: impl FnOnce(LoginConfig, &Op) -> LoginConfig) -> World {
    world_serving(
        |base, op, clock| tune(default_config(base, op, clock), op),
        |layer, listener| axum_on(listener, app_router().layer(layer)),
    )
    .await
}

/// Provider, clock and an application of the test's own: `make_config` writes the layer's
/// configuration (from the application's address, the provider and the clock), `serve` runs
/// the application with the layer on its listener.
pub async fn world_serving(
    make_config: impl FnOnce(&str, &Op, Arc<TestClock>) -> LoginConfig,
    serve: impl FnOnce(LoginLayer, tokio::net::TcpListener) -> tokio::task::JoinHandle<()>,
) -> World {
    let listener = app_listener().await;
    let op = start_op(&listener.base).await;
    let clock = Arc::new(TestClock::default());
    let config = make_config(&listener.base, &op, clock.clone());
    let layer = LoginLayer::discover(config).await.unwrap();
    let task = serve(layer.clone(), listener.listener);
    World {
        op,
        app: App {
            base: listener.base,
            layer,
            _task: Task(task),
        },
        clock,
    }
}

pub use authcore_hyper::test_support::{Browser, Reply};

/// What the tests do through a [`Browser`] at the application and its provider.
#[allow(async_fn_in_trait)]
pub trait AppSteps: Sized {
    /// Follows redirects from `url` through the provider's pages (signing in as `user`,
    /// approving consent) until the provider sends the user agent back to the application's
    /// callback; returns that callback URL without visiting it.
    async fn until_callback(&mut self, url: &str, app: &App, user: &str) -> String;
    /// [`AppSteps::until_callback`] answering the consent page with `decision`.
    async fn until_callback_deciding(
        &mut self,
        url: &str,
        app: &App,
        user: &str,
        decision: &str,
    ) -> String;
    /// Signs in through `start` (an application URL) as `user` and returns the application's
    /// answer to the callback.
    async fn sign_in_via(&mut self, start: &str, w: &World, user: &str) -> Reply;
    /// Signs in from `/me` as alice and checks the way back.
    async fn sign_in(&mut self, w: &World) -> Reply;
    /// A new user agent signed in as alice (see [`AppSteps::sign_in`]).
    async fn signed_in(w: &World) -> Self;
    /// Walks from the application's login route as alice to the callback, not visited.
    async fn login_callback(&mut self, w: &World) -> String;
    /// The session cookie's value; a missing one fails the test.
    fn session(&self) -> String;
    /// Whether the jar holds a session cookie.
    fn has_session(&self) -> bool;
    /// GET `url` with exactly the session cookie `value` (the jar left out), and `headers`.
    async fn get_with_session(&mut self, url: &str, value: &str, headers: &[(&str, &str)])
    -> Reply;
    /// Logs out at the provider's own logout page (no client involved): the page, then its
    /// form posted with `decision=logout`.
    async fn logout_at_provider(&mut self, op: &Op) -> Reply;
    /// The provider's RP-initiated logout, confirmed on its page, from `url`.
    async fn confirm_provider_logout(&mut self, url: &str, op: &Op) -> Reply;
}

impl AppSteps for Browser {
    async fn until_callback(&mut self, url: &str, app: &App, user: &str) -> String {
        self.until_callback_deciding(url, app, user, "approve")
            .await
    }

    async fn until_callback_deciding(
        &mut self,
        url: &str,
        app: &App,
        user: &str,
        decision: &str,
    ) -> String {
        let callback = format!("{}/auth/callback", app.base);
        if url.starts_with(&callback) {
            return url.to_owned();
        }
        let answers = Answers::new(user, PASSWORD).deciding(decision);
        // Each page visited and each form posted is a step.
        let mut walk =
            PageWalk::new(url::Url::parse(url).unwrap(), callback, answers).with_max_steps(24);
        let (back, exchanges) = self
            .walk(&mut walk)
            .await
            .unwrap_or_else(|(e, _)| panic!("no way back to the application from {url}: {e}"));
        for (method, r) in &exchanges {
            assert!(
                r.status == 303 || (*method == http::Method::GET && r.status == 200),
                "{method}: {} {}",
                r.status,
                r.text()
            );
        }
        back.to_string()
    }

    async fn sign_in_via(&mut self, start: &str, w: &World, user: &str) -> Reply {
        let callback = self.until_callback(start, &w.app, user).await;
        self.get(&callback).await
    }

    async fn sign_in(&mut self, w: &World) -> Reply {
        let r = self
            .sign_in_via(&format!("{}/me", w.app.base), w, "alice")
            .await;
        assert_eq!(r.status, 303, "{}", r.text());
        assert_eq!(r.location(), "/me");
        r
    }

    async fn signed_in(w: &World) -> Browser {
        let mut b = Browser::new();
        b.sign_in(w).await;
        b
    }

    async fn login_callback(&mut self, w: &World) -> String {
        self.until_callback(&w.url("/auth/login"), &w.app, "alice")
            .await
    }

    fn session(&self) -> String {
        self.jar
            .get(SESSION)
            .cloned()
            .unwrap_or_else(|| panic!("no session cookie in {:?}", self.jar.keys()))
    }

    fn has_session(&self) -> bool {
        self.jar.contains_key(SESSION)
    }

    async fn get_with_session(
        &mut self,
        url: &str,
        value: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let cookie = format!("{SESSION}={value}");
        let mut all = vec![("cookie", cookie.as_str())];
        all.extend_from_slice(headers);
        self.get_with(url, &all).await
    }

    async fn logout_at_provider(&mut self, op: &Op) -> Reply {
        let r = self.get(&format!("{}/logout", op.base)).await;
        assert!(r.is_logout_page(), "{}", r.text());
        let action = abs(&op.base, &r.form_action());
        let csrf = r.field("csrf");
        self.post_form(&action, &[("csrf", &csrf), ("decision", "logout")])
            .await
    }

    async fn confirm_provider_logout(&mut self, url: &str, op: &Op) -> Reply {
        let page = self.get(url).await;
        if page.status == 303 {
            // Nothing to confirm (the provider decided without asking).
            return page;
        }
        assert!(page.is_logout_page(), "{}: {}", page.status, page.text());
        let action = abs(&op.base, &page.form_action());
        let csrf = page.field("csrf");
        let mut form: Vec<(String, String)> =
            vec![("csrf".into(), csrf), ("decision".into(), "logout".into())];
        // The page carries the request's parameters as hidden fields.
        for name in [
            "id_token_hint",
            "post_logout_redirect_uri",
            "client_id",
            "state",
        ] {
            if page.text().contains(&format!("name=\"{name}\"")) {
                form.push((name.into(), page.field(name)));
            }
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post_form(&action, &pairs).await
    }
}

fn abs(base: &str, url: &str) -> String {
    if url.starts_with("http") {
        url.to_owned()
    } else {
        format!("{base}{url}")
    }
}

/// Polls `check` until it holds (bounded in count and time).
pub async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Opens one of the layer's sealed cookies with `key` (as the test knows the key), for
/// looking at what it holds.
pub fn open_cookie(value: &str, kid_key: &[u8; 32]) -> serde_json::Value {
    use authcore_jose::jwe::{DecryptionKey, JweOptions, decrypt_compact};
    use authcore_jose::{ContentEncryptionAlgorithm, KeyManagementAlgorithm, crypto};
    let key = DecryptionKey::symmetric(
        KeyManagementAlgorithm::Dir,
        kid_key,
        crypto::default_provider(),
    )
    .unwrap()
    .with_content_encryption(&[ContentEncryptionAlgorithm::A256Gcm]);
    let opened = decrypt_compact(value, &key, &JweOptions::default()).unwrap();
    serde_json::from_slice(&opened.plaintext).unwrap()
}

/// The `kid` of a sealed cookie.
pub fn cookie_kid(value: &str) -> String {
    authcore_jose::jwe::decode_header_unverified(value)
        .unwrap()
        .kid
        .unwrap()
}

impl TestClock {
    pub fn now_secs(&self) -> u64 {
        self.now().as_secs()
    }
}

/// A request with the session cookie `cookie` from a fresh user agent, as a concurrent tab
/// would send it; `cookie` becomes the cookie the answer left (rewritten or the same).
pub async fn get_carrying(url: &str, cookie: &mut String) -> Reply {
    let mut c = Browser::new();
    c.jar.insert(SESSION.into(), cookie.clone());
    let r = c.get(url).await;
    *cookie = c.session();
    r
}

/// Whether the session `cookie` was ended: an API request with it is `401` (polled, bounded,
/// as a back-channel logout arrives by itself).
pub async fn session_ends(w: &World, cookie: &str) -> bool {
    let url = w.url("/me");
    eventually(|| {
        let (url, cookie) = (url.clone(), cookie.to_owned());
        async move {
            Browser::new()
                .get_with_session(&url, &cookie, &[("accept", "application/json")])
                .await
                .status
                == 401
        }
    })
    .await
}

/// The steps, at most 500 s each, in which a test moves the clock by `total` seconds (a
/// session used between steps stays inside the 600 s idle timeout); each with whether more
/// steps follow.
pub fn clock_steps(total: u64) -> Vec<(u64, bool)> {
    let mut steps = Vec::new();
    let mut left = total;
    while left > 0 {
        let step = left.min(500);
        left -= step;
        steps.push((step, left > 0));
    }
    steps
}

/// The sealed session cookie `value` opened with [`KEY1`].
pub fn session_contents(value: &str) -> serde_json::Value {
    open_cookie(value, &KEY1)
}

/// The layer's answer to a callback with no sign-in in progress.
pub fn assert_no_sign_in_in_progress(r: &Reply) {
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("No sign-in is in progress"),
        "{}",
        r.text()
    );
}
