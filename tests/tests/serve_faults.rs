//! Fault tests of `authcore serve`: what a client was given survives a crash, and nothing
//! is given twice.
//!
//! - SQLite: `authcore serve` on a file database under load is killed with SIGKILL (`kill
//!   -9`) while it writes, and restarted on the same file, for several rounds. After each
//!   kill the database passes `PRAGMA integrity_check` and holds no partial record (a token
//!   or code without its grant, a code consumed without its tokens); after each restart every token a client received is active at
//!   introspection, and every code a client redeemed before the kill is refused
//!   (`invalid_grant`, RFC 6749 §4.1.2), which also revokes what it gave.
//! - PostgreSQL (the throwaway cluster of `tests/postgres/cluster.sh`), two instances on one
//!   database: one instance is killed with SIGKILL during a load run against both and
//!   restarted; the same checks, at either instance.
//! - PostgreSQL stopped and started during a run: the instances answer `503` with
//!   `Retry-After` while it is down (never another 5xx), every `200` token response they
//!   gave names a token that is active afterwards, and they serve again by themselves once
//!   it is back.
//!
//! The load: client loops, each with its own cookie jar, alternating the client credentials
//! grant and the authorization code grant with PKCE through the provider's login and
//! consent pages (their fixed form contract, `authcore-hyper`'s `ui` module), recording
//! every token and code they received. Every loop is bounded in count and time, waits only
//! on counts (no assertion is about timing), and every process is stopped by its guard,
//! also on failure. The counts (requests, tokens, 503s, rounds) are printed.
//!
//! Like the other `serve_*` tests, the server is the workspace's `authcore` binary; the
//! PostgreSQL tests are skipped only when `AUTHCORE_SKIP_POSTGRES=1`.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use authcore_hyper::forms::{Answers, CookieJar, PageWalk, WalkError, WalkStep};
use authcore_jose::crypto;
use authcore_jose::{Jwk, SigningKey, UnixTime};
use authcore_oauth2::{
    AuthorizationCode, AuthorizationServer, AuthorizationServerMetadata, Client,
    ClientAuthentication, ClientSecret, PkceCodeVerifier, PkceMethod, TokenRequest, TokenTypeHint,
    build_introspection_request, parse_introspection_response,
};
use authcore_reqwest::reqwest;
use authcore_store_postgres::test_cluster::{TestCluster, skip_test};
use authcore_tests::serve::{INTROSPECTOR, Serve, scripts_dir};
use serde_json::{Value, json};

/// Where the load client says it receives the authorization response: nothing listens, the
/// loop stops at the redirect (plain http on loopback, which `--dev` allows).
const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
/// The most iterations (one grant each) of one client loop.
const MAX_ITERATIONS: usize = 5_000;
/// The longest a client loop runs.
const LOOP_LIMIT: Duration = Duration::from_secs(180);
/// The longest the test waits for the load to reach a count.
const WAIT_LIMIT: Duration = Duration::from_secs(120);
/// The longest one HTTP exchange may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// The most redirects and pages one sign-in may take.
const MAX_PAGES: usize = 12;
/// The pause of a client loop after a refused connection, a 503 or a 429 (bounded by the
/// loop's count and time limits; `Retry-After` is longer than a test wants to wait).
const BACKOFF: Duration = Duration::from_millis(200);
/// The most times a client sends a code exchange again that the rate limits refused (a
/// code is worth keeping; the token endpoint's bucket refills every half second).
const EXCHANGE_RETRIES: usize = 40;

/// The fault tests take turns: each runs its own servers and load, and the machine's cores
/// are better spent on one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

fn now() -> UnixTime {
    UnixTime::try_from(SystemTime::now()).expect("the clock is after 1970")
}

/// A free port on 127.0.0.1 (a restarted instance binds it again, so its issuer stays).
fn free_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("the bound address")
}

/// How one instance is started, and started again after a kill: `authcore serve --dev` with
/// the interop configuration, its store, the provider's issuer, on a fixed address.
struct Instance {
    args: Vec<OsString>,
    listen: SocketAddr,
}

impl Instance {
    /// `store` is `--data DIR` or `--store URL`.
    fn new(store: [OsString; 2], issuer: &str, listen: SocketAddr) -> Instance {
        let mut args = vec![
            OsString::from("--dev"),
            "--config".into(),
            scripts_dir().join("serve.toml").into(),
            "--issuer".into(),
            issuer.into(),
        ];
        args.extend(store);
        Instance { args, listen }
    }
}

/// Starts `instance`, retrying (bounded) when its port is not free yet.
fn start_serve(instance: &Instance) -> Serve {
    let mut last = String::new();
    for _ in 0..20 {
        match Serve::start_at(&instance.args, instance.listen) {
            Ok(serve) => return serve,
            Err(why) if why.contains("cannot listen") => {
                last = why;
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(why) => panic!("authcore serve did not start: {why}"),
        }
    }
    panic!("authcore serve did not start: {last}")
}

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = authcore_tests::serve::unique_temp_path(&format!("faults-{name}"));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    fn join(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The provider as the clients see it: its metadata, the load client and the resource
/// server that introspects. Requests are built for the issuer's endpoints and sent to one
/// instance (the issuer's origin replaced by the instance's).
struct Provider {
    issuer: String,
    server: AuthorizationServer,
    authorization_endpoint: String,
    client: Client,
    client_id: String,
    introspector: Client,
}

impl Provider {
    /// Reads the metadata at `base` and registers the load client (RFC 7591): confidential
    /// (`client_secret_basic`), client credentials and authorization code.
    async fn discover(http: &reqwest::Client, issuer: &str, base: &str) -> Provider {
        let url = format!("{base}/.well-known/openid-configuration");
        let body = http
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let metadata = AuthorizationServerMetadata::from_json(&body, issuer)
            .unwrap_or_else(|e| panic!("the metadata at {url}: {e}"));
        let server = AuthorizationServer::from_metadata(&metadata).expect("usable endpoints");
        let registration = metadata
            .registration_endpoint
            .clone()
            .expect("--dev opens dynamic registration");
        let reg = http
            .post(rebase(&registration, issuer, base))
            .header("content-type", "application/json")
            .body(
                json!({
                    "client_name": "fault test load",
                    "application_type": "native",
                    "redirect_uris": [REDIRECT_URI],
                    "response_types": ["code"],
                    "grant_types": ["authorization_code", "client_credentials"],
                    "token_endpoint_auth_method": "client_secret_basic",
                    "scope": "openid profile",
                })
                .to_string(),
            )
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("registration")
            .bytes()
            .await
            .expect("a registration response");
        let reg: Value = serde_json::from_slice(&reg).expect("a registration response");
        let client_id = reg["client_id"].as_str().expect("client_id").to_owned();
        let secret = reg["client_secret"].as_str().expect("client_secret");
        let client = Client::new(
            client_id.clone(),
            ClientAuthentication::ClientSecretBasic(ClientSecret::new(secret)),
        );
        // The resource server of serve.toml, with its test-only private_key_jwt key.
        let jwk = std::fs::read(scripts_dir().join("introspector.jwk.json"))
            .expect("the introspector key");
        let jwk = Jwk::from_json(&jwk).expect("the introspector key");
        let signer = SigningKey::from_jwk(&jwk, None, crypto::default_provider())
            .expect("the introspector key");
        let introspector = Client::new(
            INTROSPECTOR,
            ClientAuthentication::PrivateKeyJwt(Arc::new(signer)),
        );
        Provider {
            issuer: issuer.to_owned(),
            server,
            authorization_endpoint: metadata
                .authorization_endpoint
                .clone()
                .expect("an authorization endpoint"),
            client,
            client_id,
            introspector,
        }
    }
}

/// `url` with the issuer's origin replaced by the instance's `base`.
fn rebase(url: &str, issuer: &str, base: &str) -> String {
    match url.strip_prefix(issuer) {
        Some(rest) => format!("{base}{rest}"),
        None => url.to_owned(),
    }
}

/// What one HTTP exchange came to.
enum Reply {
    /// A response (any status other than 503 and 429).
    Response(http::Response<Vec<u8>>),
    /// `503 Service Unavailable`; whether it had `Retry-After`.
    Unavailable { retry_after: bool },
    /// `429 Too Many Requests` (the provider's rate limits).
    RateLimited,
    /// No response: refused, reset or cut off (the instance is down or was killed).
    NoResponse,
}

/// Sends `request` (built for the issuer's endpoints) to the instance at `base`.
async fn send(
    http: &reqwest::Client,
    mut request: http::Request<Vec<u8>>,
    issuer: &str,
    base: &str,
) -> Reply {
    let uri = rebase(&request.uri().to_string(), issuer, base);
    *request.uri_mut() = uri.parse().expect("a rebased URI");
    let request = reqwest::Request::try_from(request).expect("a request reqwest can send");
    let Ok(response) = http.execute(request).await else {
        return Reply::NoResponse;
    };
    let status = response.status();
    let headers = response.headers().clone();
    let Ok(body) = response.bytes().await else {
        return Reply::NoResponse;
    };
    match status {
        http::StatusCode::SERVICE_UNAVAILABLE => Reply::Unavailable {
            retry_after: headers.contains_key(http::header::RETRY_AFTER),
        },
        http::StatusCode::TOO_MANY_REQUESTS => Reply::RateLimited,
        _ => {
            let mut out = http::Response::new(body.to_vec());
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Reply::Response(out)
        }
    }
}

/// A code a client received, with what it needs to redeem it.
#[derive(Debug, Clone)]
struct ReceivedCode {
    code: String,
    verifier: String,
    /// Whether the client received a token response for it.
    redeemed: bool,
    /// The access token that token response gave.
    token: Option<String>,
}

/// What the client loops sent and received.
#[derive(Debug, Default)]
struct Ledger {
    /// Every access token received in a `200` token response, with the grant that gave it,
    /// less those the checks revoked on purpose.
    tokens: Vec<(String, &'static str)>,
    /// Access tokens received in all.
    tokens_received: u64,
    /// Every authorization code received in a redirect.
    codes: Vec<ReceivedCode>,
    /// Requests sent.
    requests: u64,
    /// `503` responses (all with `Retry-After`, else they are in `failures`).
    unavailable: u64,
    /// `429` responses.
    rate_limited: u64,
    /// Requests that got no response.
    no_response: u64,
    /// What should never happen: a 5xx other than 503, a 503 without `Retry-After`, an
    /// unexpected error response.
    failures: Vec<String>,
}

impl Ledger {
    fn received(&mut self, token: String, grant: &'static str) {
        self.tokens.push((token, grant));
        self.tokens_received += 1;
    }

    fn count(&mut self, reply: &Reply, what: &str) {
        self.requests += 1;
        match reply {
            Reply::Unavailable { retry_after } => {
                self.unavailable += 1;
                if !retry_after {
                    self.failures
                        .push(format!("{what}: 503 without Retry-After"));
                }
            }
            Reply::RateLimited => self.rate_limited += 1,
            Reply::NoResponse => self.no_response += 1,
            Reply::Response(r) if r.status().is_server_error() => self.failures.push(format!(
                "{what}: {} {}",
                r.status(),
                String::from_utf8_lossy(r.body())
            )),
            Reply::Response(_) => {}
        }
    }
}

/// One client loop's settings.
#[derive(Clone)]
struct Load {
    provider: Arc<Provider>,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
}

fn lock(ledger: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|p| p.into_inner())
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .build()
        .expect("an HTTP client")
}

/// A client loop against the instance at `base`, until told to stop (or its bounds): the
/// client credentials grant and the code grant by turns.
async fn client_loop(load: Load, base: String) {
    let http = http_client();
    let mut jar = CookieJar::default();
    let started = Instant::now();
    for i in 0..MAX_ITERATIONS {
        if load.stop.load(Ordering::Relaxed) || started.elapsed() > LOOP_LIMIT {
            break;
        }
        let progressed = if i % 2 == 0 {
            client_credentials(&load, &http, &base).await
        } else {
            code_flow(&load, &http, &base, &mut jar).await
        };
        if !progressed {
            tokio::time::sleep(BACKOFF).await;
        }
    }
}

/// One client credentials grant; whether it gave a token.
async fn client_credentials(load: &Load, http: &reqwest::Client, base: &str) -> bool {
    let p = &load.provider;
    let request = TokenRequest::client_credentials()
        .scope("profile")
        .build_token_request(
            &p.client,
            &p.server,
            now(),
            crypto::default_provider().system_random(),
        )
        .expect("a token request");
    let reply = send(http, request, &p.issuer, base).await;
    let token = access_token(load, &reply, "client credentials");
    match token {
        Some(token) => {
            lock(&load.ledger).received(token, "client_credentials");
            true
        }
        None => false,
    }
}

/// Counts `reply` and reads the access token of a `200` token response; an error response
/// is a failure.
fn access_token(load: &Load, reply: &Reply, what: &str) -> Option<String> {
    let mut ledger = lock(&load.ledger);
    ledger.count(reply, what);
    let Reply::Response(r) = reply else {
        return None;
    };
    if r.status() != http::StatusCode::OK {
        if !r.status().is_server_error() {
            ledger.failures.push(format!(
                "{what}: {} {}",
                r.status(),
                String::from_utf8_lossy(r.body())
            ));
        }
        return None;
    }
    let body: Value = serde_json::from_slice(r.body()).unwrap_or(Value::Null);
    match body["access_token"].as_str() {
        Some(token) => Some(token.to_owned()),
        None => {
            ledger
                .failures
                .push(format!("{what}: a 200 without an access token: {body}"));
            None
        }
    }
}

/// One authorization code grant with PKCE through the pages; whether it gave a token.
async fn code_flow(load: &Load, http: &reqwest::Client, base: &str, jar: &mut CookieJar) -> bool {
    let p = &load.provider;
    let rng = crypto::default_provider().system_random();
    let verifier = PkceCodeVerifier::generate(rng).expect("a PKCE verifier");
    let challenge = verifier.challenge(PkceMethod::S256, crypto::default_provider());
    // Named by the issuer: `send` sends each request of the sign-in to `base`.
    let mut url = url::Url::parse(&p.authorization_endpoint).expect("the authorization endpoint");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid profile")
        .append_pair("state", "fault-test")
        .append_pair("nonce", "fault-test")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let Some(code) = sign_in(load, http, base, jar, url).await else {
        return false;
    };
    let index = {
        let mut ledger = lock(&load.ledger);
        ledger.codes.push(ReceivedCode {
            code: code.clone(),
            verifier: verifier.secret().to_owned(),
            redeemed: false,
            token: None,
        });
        ledger.codes.len() - 1
    };
    let mut reply = redeem(p, http, base, &code, verifier.secret()).await;
    for _ in 0..EXCHANGE_RETRIES {
        if !matches!(reply, Reply::RateLimited) || load.stop.load(Ordering::Relaxed) {
            break;
        }
        lock(&load.ledger).count(&reply, "code exchange");
        tokio::time::sleep(BACKOFF).await;
        reply = redeem(p, http, base, &code, verifier.secret()).await;
    }
    match access_token(load, &reply, "code exchange") {
        Some(token) => {
            let mut ledger = lock(&load.ledger);
            ledger.codes[index].redeemed = true;
            ledger.codes[index].token = Some(token.clone());
            ledger.received(token, "authorization_code");
            true
        }
        None => false,
    }
}

/// Sends the token request that redeems `code` to the instance at `base`.
async fn redeem(
    p: &Provider,
    http: &reqwest::Client,
    base: &str,
    code: &str,
    verifier: &str,
) -> Reply {
    let request = TokenRequest::authorization_code(
        AuthorizationCode::new(code),
        REDIRECT_URI.to_owned(),
        Some(PkceCodeVerifier::new(verifier)),
    )
    .build_token_request(
        &p.client,
        &p.server,
        now(),
        crypto::default_provider().system_random(),
    )
    .expect("a token request");
    send(http, request, &p.issuer, base).await
}

/// Plays the user from the authorization request `start` (named by the issuer) through the
/// login and consent pages (alice, approving) at the instance at `base` until the provider
/// redirects to the redirect URI; the code it carries. `None` when an instance did not answer
/// (counted) or the flow failed (a failure).
async fn sign_in(
    load: &Load,
    http: &reqwest::Client,
    base: &str,
    jar: &mut CookieJar,
    start: url::Url,
) -> Option<String> {
    let p = &load.provider;
    let mut walk = PageWalk::new(start, REDIRECT_URI, Answers::new("alice", "wonderland"))
        .with_max_steps(MAX_PAGES);
    let failure = |why: String| {
        lock(&load.ledger).failures.push(format!("sign-in: {why}"));
        None
    };
    for _ in 0..MAX_PAGES {
        let next = walk.next_request();
        let request = next
            .to_http(next.url.as_str(), jar.header().as_deref())
            .expect("a sign-in request");
        let reply = send(http, request, &p.issuer, base).await;
        lock(&load.ledger).count(&reply, "sign-in");
        let Reply::Response(r) = reply else {
            return None;
        };
        jar.store(r.headers());
        match walk.on_response(r.status(), r.headers(), r.body()) {
            Ok(WalkStep::Continue) => {}
            Ok(WalkStep::Done(target)) => {
                let code = target
                    .query_pairs()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.into_owned());
                return match code {
                    Some(code) => Some(code),
                    None => failure(format!("a redirect without a code: {target}")),
                };
            }
            // A 5xx is counted above (a 503 is what an outage gives).
            Err(WalkError::Status { status, .. }) if status >= 500 => return None,
            Err(WalkError::TooManySteps(_)) => {
                return failure(format!("no redirect within {MAX_PAGES} pages"));
            }
            Err(e) => return failure(e.to_string()),
        }
    }
    failure(format!("no redirect within {MAX_PAGES} pages"))
}

/// Whether `token` is active at introspection at the instance at `base` (the resource
/// server's `private_key_jwt`).
async fn is_active(p: &Provider, http: &reqwest::Client, base: &str, token: &str) -> bool {
    let r = answered(base, "introspection", || {
        let request = build_introspection_request(
            &p.introspector,
            &p.server,
            token,
            Some(TokenTypeHint::AccessToken),
            now(),
            crypto::default_provider().system_random(),
        )
        .expect("an introspection request");
        send(http, request, &p.issuer, base)
    })
    .await;
    parse_introspection_response(&r)
        .unwrap_or_else(|e| panic!("introspection at {base}: {e}"))
        .active
}

/// Most attempts of one check's request that the rate limits answer `429`, and the pause
/// between them (the token bucket refills a request every half second).
const RATE_LIMITED_ATTEMPTS: usize = 240;
const RATE_LIMITED_PAUSE: Duration = Duration::from_millis(500);

/// The response to a check's request, sent again (bounded) while the rate limits refuse it;
/// every other refusal fails the test: the checks run with every instance serving.
async fn answered<F: std::future::Future<Output = Reply>>(
    base: &str,
    what: &str,
    mut attempt: impl FnMut() -> F,
) -> http::Response<Vec<u8>> {
    for _ in 0..RATE_LIMITED_ATTEMPTS {
        match attempt().await {
            Reply::Response(r) => return r,
            Reply::RateLimited => tokio::time::sleep(RATE_LIMITED_PAUSE).await,
            Reply::Unavailable { .. } => panic!("{what} at {base}: 503"),
            Reply::NoResponse => panic!("{what} at {base}: no response"),
        }
    }
    panic!("{what} at {base}: still rate limited after {RATE_LIMITED_ATTEMPTS} attempts")
}

/// A run of client loops on a runtime of its own.
struct Run {
    runtime: tokio::runtime::Runtime,
    load: Load,
    loops: Vec<tokio::task::JoinHandle<()>>,
}

impl Run {
    /// Discovers the provider at `bases[0]` and registers the load client.
    fn new(issuer: &str, bases: &[String]) -> Run {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let provider = runtime.block_on(Provider::discover(&http_client(), issuer, &bases[0]));
        Run {
            runtime,
            load: Load {
                provider: Arc::new(provider),
                ledger: Arc::new(Mutex::new(Ledger::default())),
                stop: Arc::new(AtomicBool::new(false)),
            },
            loops: Vec::new(),
        }
    }

    /// Starts `per_instance` client loops against each of `bases`.
    fn start_loops(&mut self, bases: &[String], per_instance: usize) {
        self.load.stop.store(false, Ordering::Relaxed);
        for base in bases {
            for _ in 0..per_instance {
                let load = self.load.clone();
                self.loops
                    .push(self.runtime.spawn(client_loop(load, base.clone())));
            }
        }
    }

    /// Stops the client loops and waits for them.
    fn stop_loops(&mut self) {
        self.load.stop.store(true, Ordering::Relaxed);
        for handle in self.loops.drain(..) {
            self.runtime
                .block_on(handle)
                .expect("a client loop panicked");
        }
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        lock(&self.load.ledger)
    }

    /// Waits (bounded) until `done` holds for the ledger; panics with `what` if it never
    /// does.
    fn wait_until(&self, what: &str, done: impl Fn(&Ledger) -> bool) {
        let deadline = Instant::now() + WAIT_LIMIT;
        loop {
            {
                let ledger = self.ledger();
                assert!(
                    ledger.failures.is_empty(),
                    "the load failed: {:#?}",
                    ledger.failures
                );
                if done(&ledger) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not reached within {WAIT_LIMIT:?}; {}",
                self.summary()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (bounded) until the loops received `more` tokens than they had when called.
    fn wait_for_tokens(&self, what: &str, more: usize) {
        let at = self.ledger().tokens.len();
        self.wait_until(what, |l| l.tokens.len() >= at + more);
    }

    /// Starts `per_instance` client loops against each of `bases` and waits until they
    /// received `tokens` tokens: the load a fault then cuts into.
    fn load_until(&mut self, bases: &[String], per_instance: usize, what: &str, tokens: usize) {
        let at = self.ledger().tokens.len();
        self.start_loops(bases, per_instance);
        self.wait_until(what, |l| l.tokens.len() >= at + tokens);
    }

    fn summary(&self) -> String {
        let l = self.ledger();
        format!(
            "requests {}, tokens {}, codes {}, 503s {}, 429s {}, no response {}",
            l.requests,
            l.tokens_received,
            l.codes.len(),
            l.unavailable,
            l.rate_limited,
            l.no_response
        )
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.load.stop.store(true, Ordering::Relaxed);
    }
}

/// What the checks after a fault found.
#[derive(Debug, Default)]
struct Verified {
    /// Tokens introspected active.
    active: usize,
    /// Redeemed codes refused again.
    replays_refused: usize,
    /// Codes whose exchange the fault cut off, redeemed (once) after it.
    late_redemptions: usize,
}

/// The checks after a fault, with every instance serving again:
/// - every token received (and not revoked on purpose since) is active at introspection, at
///   the instances by turns;
/// - every code received since the last check (`codes[from..]`) is redeemed again: one the
///   client had redeemed is refused (`invalid_grant`), and that replay revokes the grant
///   (RFC 6749 §4.1.2), so its token is inactive afterwards; a code whose exchange the fault
///   cut off may be redeemed once, never twice.
///
/// Tokens revoked by the replays are moved out of the ledger's tokens.
fn verify(run: &Run, bases: &[String], from: usize) -> Verified {
    let p = &run.load.provider;
    let http = http_client();
    let (tokens, codes) = {
        let l = run.ledger();
        assert!(l.failures.is_empty(), "the load failed: {:#?}", l.failures);
        (l.tokens.clone(), l.codes[from..].to_vec())
    };
    let mut verified = Verified::default();
    run.runtime.block_on(async {
        for (i, (token, grant)) in tokens.iter().enumerate() {
            let base = &bases[i % bases.len()];
            assert!(
                is_active(p, &http, base, token).await,
                "a token the client received ({grant}) is not active at {base}"
            );
            verified.active += 1;
        }
        let mut revoked = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            let base = &bases[i % bases.len()];
            let mut successes = 0;
            // A redeemed code is refused at once; one the fault cut off gets a second try.
            let attempts = if code.redeemed { 1 } else { 2 };
            for attempt in 0..attempts {
                let r = answered(base, "redeeming a code again", || {
                    redeem(p, &http, base, &code.code, &code.verifier)
                })
                .await;
                let body: Value = serde_json::from_slice(r.body()).unwrap_or(Value::Null);
                match r.status() {
                    http::StatusCode::OK if !code.redeemed && attempt == 0 => {
                        successes += 1;
                        verified.late_redemptions += 1;
                    }
                    http::StatusCode::BAD_REQUEST if body["error"] == "invalid_grant" => {}
                    status => panic!(
                        "a code received before the fault (redeemed: {}), attempt {}: {status} \
                         {body}",
                        code.redeemed,
                        attempt + 1
                    ),
                }
            }
            assert!(successes <= 1, "a code was redeemed twice");
            if code.redeemed {
                verified.replays_refused += 1;
                let token = code.token.as_deref().expect("a redeemed code's token");
                assert!(
                    !is_active(p, &http, base, token).await,
                    "a replayed code did not revoke the token it gave (RFC 6749 §4.1.2)"
                );
                revoked.push(token.to_owned());
            }
        }
        run.ledger()
            .tokens
            .retain(|(token, _)| !revoked.contains(token));
    });
    verified
}

/// The checks after each fault of one test, and what they found over its rounds.
#[derive(Default)]
struct Checks {
    /// Faults checked.
    rounds: usize,
    /// Codes received before the last check (the next one redeems only the later ones).
    checked_codes: usize,
    /// What the checks found, summed over the rounds (`active`: at the last check).
    totals: Verified,
}

impl Checks {
    /// After fault `what` (the loops stopped, its partial records checked, every instance
    /// serving again): [`verify`] over the codes received since the last check; prints the
    /// round's line.
    fn after_fault(&mut self, run: &Run, bases: &[String], what: &str) {
        self.rounds += 1;
        let load = run.summary();
        let v = verify(run, bases, self.checked_codes);
        self.checked_codes = run.ledger().codes.len();
        eprintln!(
            "round {} ({what}): so far {load}; after it {} tokens active (at the instances by \
             turns), {} replayed codes refused, {} codes whose exchange the fault (or the rate \
             limits) cut off redeemed once",
            self.rounds, v.active, v.replays_refused, v.late_redemptions
        );
        self.totals.active = v.active;
        self.totals.replays_refused += v.replays_refused;
        self.totals.late_redemptions += v.late_redemptions;
    }

    /// The closing line of test `what`: the load over all rounds and what the checks found.
    fn report(&self, run: &Run, what: &str) {
        let l = run.ledger();
        eprintln!(
            "{what}: {} rounds, {} requests, {} tokens received ({} kept active, the rest \
             revoked by the replay checks), {} codes ({} replays refused, {} cut-off codes \
             redeemed once), {} requests without response, {} 503s, {} 429s",
            self.rounds,
            l.requests,
            l.tokens_received,
            l.tokens.len(),
            l.codes.len(),
            self.totals.replays_refused,
            self.totals.late_redemptions,
            l.no_response,
            l.unavailable,
            l.rate_limited
        );
    }
}

/// Partial records, each counted by SQL both stores understand (the same tables and
/// columns): a token or a code without its grant, and a code consumed without the tokens
/// of its grant (a write batch is all or nothing: the code is consumed in the transaction
/// that stores the tokens; a replay revokes them but keeps their rows).
const PARTIAL_RECORDS: [(&str, &str); 3] = [
    (
        "tokens without their grant",
        "SELECT count(*) FROM tokens LEFT JOIN grants ON grants.id = tokens.grant_id \
         WHERE grants.id IS NULL",
    ),
    (
        "codes without their grant",
        "SELECT count(*) FROM codes LEFT JOIN grants ON grants.id = codes.grant_id \
         WHERE grants.id IS NULL",
    ),
    (
        "consumed codes without tokens",
        "SELECT count(*) FROM codes WHERE codes.used AND NOT EXISTS \
         (SELECT 1 FROM tokens WHERE tokens.grant_id = codes.grant_id)",
    ),
];

/// SQLite after a kill: `PRAGMA integrity_check` is `ok` and there are no
/// [`PARTIAL_RECORDS`]. Opened while no server runs, so it is also the recovery of the write-ahead log.
fn check_sqlite_file(path: &Path) {
    let db = rusqlite::Connection::open(path).expect("open the database");
    let result: Vec<String> = db
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| {
            s.query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .expect("PRAGMA integrity_check");
    assert_eq!(result, ["ok"], "PRAGMA integrity_check");
    for (what, query) in PARTIAL_RECORDS {
        let count: i64 = db
            .query_row(query, [], |row| row.get(0))
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        assert_eq!(count, 0, "{what}");
    }
}

#[test]
fn sqlite_survives_kill_9_during_writes() {
    /// Kills, each followed by a restart and the checks.
    const ROUNDS: usize = 3;
    /// Tokens to receive in a round before the kill.
    const TOKENS_PER_ROUND: usize = 24;
    /// Client loops.
    const LOOPS: usize = 3;

    let _turn = one_at_a_time();
    let dir = TempDir::new("sqlite");
    let addr = free_addr();
    let issuer = format!("http://{addr}");
    let options = Instance::new(["--data".into(), dir.join("data").into()], &issuer, addr);
    let mut serve = start_serve(&options);
    let bases = vec![serve.issuer.clone()];
    let mut run = Run::new(&issuer, &bases);
    let database = dir.join("data").join("authcore.db");
    let mut checks = Checks::default();
    for _ in 0..ROUNDS {
        // Killed while the loops are mid-flight: requests in progress, writes pending.
        run.load_until(&bases, LOOPS, "tokens before the kill", TOKENS_PER_ROUND);
        serve.kill();
        run.stop_loops();
        check_sqlite_file(&database);
        serve = start_serve(&options);
        checks.after_fault(&run, &bases, "killed and restarted");
    }
    check_sqlite_file(&database);
    checks.report(&run, "sqlite kill -9");
    drop(serve);
}

/// A throwaway PostgreSQL cluster of this test's own (it may be stopped and started) with a
/// fresh database; `None` when the PostgreSQL tests are skipped.
fn cluster_and_database(test: &str) -> Option<(TestCluster, String)> {
    if skip_test(test) {
        return None;
    }
    let cluster = TestCluster::start().unwrap_or_else(|e| panic!("the test cluster: {e}"));
    let url = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(cluster.create_database("faults"))
        .unwrap_or_else(|e| panic!("the test database: {e}"));
    Some((cluster, url))
}

/// Two instances on the PostgreSQL database `store` (which holds the keys too), each on a
/// fixed port (kept across restarts), both with the first one's address as issuer: one
/// provider. The issuer, how to start each again, the running instances, and where each
/// listens.
fn two_instances(store: &str) -> (String, Vec<Instance>, Vec<Serve>, Vec<String>) {
    let first = free_addr();
    let issuer = format!("http://{first}");
    let options: Vec<Instance> = [first, free_addr()]
        .into_iter()
        .map(|addr| Instance::new(["--store".into(), store.into()], &issuer, addr))
        .collect();
    // One after the other: the first start applies the migrations.
    let instances: Vec<Serve> = options.iter().map(start_serve).collect();
    // The `issuer` field of the guard is its own address.
    let bases = instances.iter().map(|s| s.issuer.clone()).collect();
    (issuer, options, instances, bases)
}

/// What a PostgreSQL fault test runs on, set up by [`PostgresLoad::start`] (fields in drop
/// order: the loops, the instances, then the cluster, then the turn).
struct PostgresLoad {
    /// The client loops against both instances.
    run: Run,
    /// The running instances.
    instances: Vec<Serve>,
    /// How to start each instance again.
    options: Vec<Instance>,
    /// Where each instance listens.
    bases: Vec<String>,
    /// The database's URL.
    store: String,
    /// The throwaway cluster, this test's own.
    cluster: TestCluster,
    _turn: MutexGuard<'static, ()>,
}

impl PostgresLoad {
    /// Waits for this test's turn, then a cluster and database of its own and two instances
    /// on it, with the load client registered; `None` when the PostgreSQL tests are skipped.
    fn start(test: &str) -> Option<PostgresLoad> {
        let turn = one_at_a_time();
        let (cluster, store) = cluster_and_database(test)?;
        let (issuer, options, instances, bases) = two_instances(&store);
        let run = Run::new(&issuer, &bases);
        Some(PostgresLoad {
            run,
            instances,
            options,
            bases,
            store,
            cluster,
            _turn: turn,
        })
    }
}

/// PostgreSQL after a fault: no [`PARTIAL_RECORDS`].
fn check_postgres_rows(run: &Run, store: &str) {
    run.runtime.block_on(async {
        let (db, connection) = tokio_postgres::connect(store, tokio_postgres::NoTls)
            .await
            .expect("connect to the test database");
        let driver = tokio::spawn(connection);
        for (what, query) in PARTIAL_RECORDS {
            let count: i64 = db
                .query_one(query, &[])
                .await
                .unwrap_or_else(|e| panic!("{query}: {e}"))
                .get(0);
            assert_eq!(count, 0, "{what}");
        }
        drop(db);
        let _ = driver.await;
    });
}

#[test]
fn postgres_instance_killed_during_load_loses_nothing() {
    /// Kills, one instance each (the two by turns), each followed by a restart and the
    /// checks.
    const ROUNDS: usize = 2;
    /// Tokens to receive in a round before the kill, and from the other instance while the
    /// killed one is down.
    const TOKENS_BEFORE_KILL: usize = 24;
    const TOKENS_WHILE_DOWN: usize = 8;
    /// Client loops per instance.
    const LOOPS: usize = 2;

    // Not destructured: the cluster and the turn must live to the end.
    let Some(mut pg) = PostgresLoad::start("postgres_instance_killed") else {
        return;
    };
    let mut checks = Checks::default();
    for round in 0..ROUNDS {
        let victim = round % pg.instances.len();
        pg.run.load_until(
            &pg.bases,
            LOOPS,
            "tokens before the kill",
            TOKENS_BEFORE_KILL,
        );
        pg.instances[victim].kill();
        // The other instance keeps serving while this one is down.
        pg.run
            .wait_for_tokens("tokens from the other instance", TOKENS_WHILE_DOWN);
        pg.instances[victim] = start_serve(&pg.options[victim]);
        pg.run.stop_loops();
        check_postgres_rows(&pg.run, &pg.store);
        checks.after_fault(&pg.run, &pg.bases, &format!("instance {victim} killed"));
    }
    checks.report(&pg.run, "postgres kill -9 of an instance");
}

#[test]
fn postgres_stopped_and_started_during_load() {
    /// Stops of the database, each followed by a start and the checks.
    const ROUNDS: usize = 2;
    /// Tokens to receive before the database stops, and after it is back.
    const TOKENS_BEFORE: usize = 16;
    const TOKENS_AFTER: usize = 16;
    /// `503`s to see while it is down.
    const UNAVAILABLE_WHILE_DOWN: u64 = 10;
    /// Client loops per instance.
    const LOOPS: usize = 2;

    let Some(mut pg) = PostgresLoad::start("postgres_stopped_and_started") else {
        return;
    };
    let mut checks = Checks::default();
    let mut unavailable_total = 0;
    for _ in 0..ROUNDS {
        pg.run.load_until(
            &pg.bases,
            LOOPS,
            "tokens before the database stops",
            TOKENS_BEFORE,
        );
        pg.cluster
            .stop()
            .unwrap_or_else(|e| panic!("stopping the cluster: {e}"));
        let (tokens_at_stop, unavailable_at_stop) = {
            let l = pg.run.ledger();
            (l.tokens.len(), l.unavailable)
        };
        // Each 503 is counted with its Retry-After checked; any other 5xx fails the wait.
        pg.run.wait_until("503s while the database is down", |l| {
            l.unavailable >= unavailable_at_stop + UNAVAILABLE_WHILE_DOWN
        });
        pg.cluster
            .start_again()
            .unwrap_or_else(|e| panic!("starting the cluster again: {e}"));
        let (tokens_while_down, unavailable_while_down) = {
            let l = pg.run.ledger();
            (
                l.tokens.len() - tokens_at_stop,
                l.unavailable - unavailable_at_stop,
            )
        };
        unavailable_total += unavailable_while_down;
        // No restart of the instances: they serve again by themselves.
        pg.run
            .wait_for_tokens("tokens after the database is back", TOKENS_AFTER);
        pg.run.stop_loops();
        check_postgres_rows(&pg.run, &pg.store);
        // Every 200 token response named a stored token (those received after the stop
        // returned too), and nothing stored before the stop was lost.
        checks.after_fault(
            &pg.run,
            &pg.bases,
            &format!(
                "database stopped: {unavailable_while_down} 503s while down, \
                 {tokens_while_down} token responses received after the stop returned"
            ),
        );
    }
    checks.report(
        &pg.run,
        &format!(
            "postgres stopped and started ({unavailable_total} 503s while down, no instance \
             restarted)"
        ),
    );
}
