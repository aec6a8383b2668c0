//! The test harness: a provider on 127.0.0.1 (port 0) over the in-memory store, stopped on
//! drop; an HTTP client with a cookie jar; helpers to read the pages' forms and to walk them
//! from an authorization request back to the client.

#![allow(dead_code)]

use std::sync::Arc;

use authcore_hyper::forms::{Answers, PageKind, PageWalk};
use authcore_hyper::{
    AccountRecord, MemoryProviderStore, Provider, ProviderSettings, ProviderStore,
    RateLimitSettings,
};
use authcore_jose::{InsecureTestRandom, JwkSet, UnixTime, VerifyingKey};
use authcore_server::ServerConfig;
use authcore_server::model::{ClientAuthMethod, ClientRecord};

pub const REDIRECT: &str = "https://rp.example/callback";
pub const POST_LOGOUT: &str = "https://rp.example/bye";
pub const SECRET: &str = "a-confidential-client-secret-of-some-length";
pub const PASSWORD: &str = "wonderland";
/// The PKCE pair of RFC 7636 Appendix B: `CHALLENGE` is the S256 challenge of `VERIFIER`.
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// The wall clock: the provider under test reads it too, so the relying party's checks of
/// what it issues must compare with the same clock.
pub fn now() -> UnixTime {
    #[allow(clippy::disallowed_methods)] // The tests compare with the provider's own clock.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    UnixTime::from_secs(secs)
}

/// A code + PKCE authorization request of the public client `app`, written by hand, for
/// `scope` (space-separated), with state `st` and nonce `n`, redirecting to `redirect`.
pub fn authorize_url(redirect: &str, scope: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "/authorize?client_id=app&response_type=code&scope={}&state=st&nonce=n&redirect_uri={}&code_challenge={CHALLENGE}&code_challenge_method=S256",
        scope.replace(' ', "%20"),
        enc(redirect)
    )
}

/// The query parameter `name` of `url`; a missing one fails the test.
pub fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

/// A running provider; stopping it (on drop) ends the serve loop.
pub struct Harness {
    pub base: String,
    pub provider: Provider,
    pub store: Arc<MemoryProviderStore>,
    pub config: ServerConfig,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Harness {
    /// Asks the server to shut down (graceful: requests in flight finish).
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub fn full_config(issuer: &str) -> ServerConfig {
    let mut c = ServerConfig::new(issuer).unwrap();
    let at = c.clone();
    let e = |p: &str| Some(at.endpoint(p).unwrap());
    c.endpoints.jwks = e("jwks");
    c.endpoints.pushed_authorization_request = e("par");
    c.endpoints.device_authorization = e("device_authorization");
    c.endpoints.device_verification = e("device");
    c.endpoints.revocation = e("revoke");
    c.endpoints.introspection = e("introspect");
    c.endpoints.end_session = e("logout");
    c.endpoints.registration = e("register");
    c.endpoints.userinfo = e("userinfo");
    // The service client is also a resource server allowed to introspect (RFC 7662 §2.1).
    let mut api = authcore_server::config::ResourceServer::new("https://api.example");
    api.introspection_client_id = Some("service".into());
    c.resource_servers.push(api);
    c.device.interval = 1;
    c.scopes_supported = ["openid", "profile", "email", "offline_access", "read"]
        .map(String::from)
        .to_vec();
    c
}

pub async fn start_with(
    tune: impl FnOnce(&mut ProviderSettings),
    store: Arc<MemoryProviderStore>,
) -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://127.0.0.1:{}", addr.port());
    let config = full_config(&base);
    let mut settings = ProviderSettings::new(config.clone());
    settings.rate_limits = RateLimitSettings::off();
    settings.site_name = "Test Provider".into();
    tune(&mut settings);
    let dyn_store: Arc<dyn ProviderStore> = store.clone();
    let provider = Provider::new(settings, dyn_store).await.unwrap();
    let rng = InsecureTestRandom::new(99);
    store
        .put_account(AccountRecord {
            subject: "alice-sub".into(),
            username: "alice".into(),
            password_hash: authcore_hyper::accounts::hash_password(PASSWORD, &rng).unwrap(),
            claims: serde_json::from_str(r#"{"name":"Alice","email":"alice@example.com"}"#)
                .unwrap(),
        })
        .await
        .unwrap();
    store
        .put_account(AccountRecord {
            subject: "bob-sub".into(),
            username: "bob".into(),
            password_hash: authcore_hyper::accounts::hash_password(PASSWORD, &rng).unwrap(),
            claims: Default::default(),
        })
        .await
        .unwrap();
    for client in clients(&rng) {
        provider.upsert_client(client).await.unwrap();
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let p = provider.clone();
    let task = tokio::spawn(async move {
        p.serve(listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Harness {
        base,
        provider,
        store,
        config,
        stop: Some(stop),
        task: Some(task),
    }
}

pub async fn start() -> Harness {
    start_with(|_| {}, Arc::new(MemoryProviderStore::new())).await
}

fn clients(rng: &InsecureTestRandom) -> Vec<ClientRecord> {
    let mut public = ClientRecord::new("app", ClientAuthMethod::None);
    public.redirect_uris = vec![REDIRECT.into()];
    public.grant_types = vec![
        "authorization_code".into(),
        "refresh_token".into(),
        "urn:ietf:params:oauth:grant-type:device_code".into(),
    ];
    public.response_types = vec!["code".into()];
    public.allowed_scopes = ["openid", "profile", "email", "offline_access", "read"]
        .map(String::from)
        .to_vec();
    public.post_logout_redirect_uris = vec![POST_LOGOUT.into()];
    public
        .extra
        .insert("client_name".into(), "The <Test> App".into());
    let mut service = ClientRecord::new("service", ClientAuthMethod::ClientSecretBasic);
    service.secret = Some(authcore_server::client_auth::hash_chosen_secret(SECRET, rng).unwrap());
    service.grant_types = vec!["client_credentials".into()];
    service.allowed_scopes = vec!["read".into()];
    vec![public, service]
}

pub use authcore_hyper::test_support::{Browser, Reply};

/// What the tests do at the provider through a [`Browser`] (made with [`Browser::at`] the
/// provider's base).
#[allow(async_fn_in_trait)]
pub trait ProviderSteps {
    /// Signs in on the login page `page` (a reply showing it) as alice with `password`.
    async fn login(&mut self, page: &Reply, password: &str) -> Reply;
    /// Signs in on the login page `page` as `username`.
    async fn login_as(&mut self, page: &Reply, username: &str, password: &str) -> Reply;
    /// Walks the pages from the authorization request `url` back to the client; the login
    /// page and the redirect back to the client.
    async fn sign_in_as(&mut self, url: &str, username: &str) -> (Reply, Reply);
    /// [`ProviderSteps::sign_in_as`] alice: the redirect back to the client.
    async fn sign_in(&mut self, url: &str) -> Reply;
    /// Redeems `code` of the public client `app` at the token endpoint with `verifier`.
    async fn redeem_code(&mut self, code: &str, verifier: &str) -> Reply;
    /// Refreshes with `refresh_token` of the public client `app`.
    async fn refresh(&mut self, refresh_token: &str) -> Reply;
    /// GET `path` with `access_token` as a Bearer token (RFC 6750 §2.1).
    async fn get_with_bearer(&mut self, path: &str, access_token: &str) -> Reply;
    /// The provider's published keys, fetched from `/jwks` as a relying party does.
    async fn published_keys(&mut self) -> Vec<VerifyingKey>;
    /// Answers the consent page `page` with `decision`.
    async fn consent(&mut self, page: &Reply, decision: &str) -> Reply;
}

impl ProviderSteps for Browser {
    /// Signs in on the login page `page` (a reply showing it) as alice with `password`.
    async fn login(&mut self, page: &Reply, password: &str) -> Reply {
        self.login_as(page, "alice", password).await
    }

    /// Signs in on the login page `page` as `username`.
    async fn login_as(&mut self, page: &Reply, username: &str, password: &str) -> Reply {
        let action = form_action(page);
        let csrf = page.field("csrf");
        self.post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    /// Walks the pages from the authorization request `url` back to the client (the
    /// shared [`PageWalk`]), checking the way the provider lays them out: the redirect to the
    /// login page, signing in there as `username`, the redirect to the consent page,
    /// approving there, the redirect back. The login page and the redirect back to the
    /// client.
    async fn sign_in_as(&mut self, url: &str, username: &str) -> (Reply, Reply) {
        let start = url::Url::parse(&self.absolute(url)).unwrap();
        let mut walk = PageWalk::new(start, REDIRECT, Answers::new(username, PASSWORD));
        let (_, exchanges) = self
            .walk(&mut walk)
            .await
            .unwrap_or_else(|(e, _)| panic!("{e}"));
        let mut replies: Vec<Reply> = exchanges.into_iter().map(|(_, r)| r).collect();
        let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [303, 200, 303, 200, 303],
            "{:?}",
            replies.iter().map(Reply::text).collect::<Vec<_>>()
        );
        assert_eq!(walk.pages(), [PageKind::Login, PageKind::Consent]);
        assert!(is_login_page(&replies[1]), "{}", replies[1].text());
        assert!(is_consent_page(&replies[3]), "{}", replies[3].text());
        let back = replies.pop().unwrap();
        (replies.swap_remove(1), back)
    }

    /// [`Browser::sign_in_as`] alice: the redirect back to the client.
    async fn sign_in(&mut self, url: &str) -> Reply {
        self.sign_in_as(url, "alice").await.1
    }

    /// Redeems `code` of the public client `app` at the token endpoint with `verifier`.
    async fn redeem_code(&mut self, code: &str, verifier: &str) -> Reply {
        self.post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", "app"),
                ("code_verifier", verifier),
            ],
        )
        .await
    }

    /// Refreshes with `refresh_token` of the public client `app`.
    async fn refresh(&mut self, refresh_token: &str) -> Reply {
        self.post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", "app"),
            ],
        )
        .await
    }

    /// GET `path` with `access_token` as a Bearer token (RFC 6750 §2.1).
    async fn get_with_bearer(&mut self, path: &str, access_token: &str) -> Reply {
        let url = self.absolute(path);
        self.send(
            http::Request::get(url)
                .header("authorization", format!("Bearer {access_token}"))
                .body(Vec::new())
                .unwrap(),
        )
        .await
    }

    /// The provider's published keys, fetched from `/jwks` as a relying party does.
    async fn published_keys(&mut self) -> Vec<VerifyingKey> {
        let r = self.get("/jwks").await;
        assert_eq!(r.status, 200);
        JwkSet::from_json(&r.body)
            .unwrap()
            .keys
            .iter()
            .map(|k| {
                VerifyingKey::from_jwk(k, None, authcore_jose::crypto::default_provider()).unwrap()
            })
            .collect()
    }

    /// Answers the consent page `page` with `decision`.
    async fn consent(&mut self, page: &Reply, decision: &str) -> Reply {
        let action = form_action(page);
        let csrf = page.field("csrf");
        self.post_form(&action, &[("csrf", &csrf), ("decision", decision)])
            .await
    }
}

/// The `action` of the page's form.
pub fn form_action(page: &Reply) -> String {
    page.form_action()
}

/// Whether `page` is the login page.
pub fn is_login_page(page: &Reply) -> bool {
    page.is_login_page()
}

/// Whether `page` is the consent page.
pub fn is_consent_page(page: &Reply) -> bool {
    page.is_consent_page()
}
