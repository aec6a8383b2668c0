//! Two `authcore serve` instances on one PostgreSQL database act as one provider, over their
//! real HTTP endpoints:
//!
//! - the code flow started at one instance and finished at the other, through the login and
//!   consent pages with a cookie jar (the pages' fixed form contract), every request of the
//!   sign-in at the other instance than the one before; the login session made there is
//!   seen by both;
//! - refresh at one, introspection at the other; revocation at one seen at the other;
//! - a key rotation (`authcore keys rotate --store …`) picked up by both running instances;
//! - races, [`ROUNDS`] rounds each, the two requests sent at once, one to each instance: the
//!   same code (exactly one token response, the other `invalid_grant`, and the grant revoked:
//!   the winner's access token is inactive afterwards, RFC 6749 §4.1.2); the same refresh
//!   token (exactly one rotation; the other `invalid_grant`, and the grant revoked as a
//!   replay, RFC 9700 §4.14.2); the same DPoP proof (one accepted, the other
//!   `invalid_dpop_proof`, RFC 9449 §11.1); the same `private_key_jwt` assertion (one
//!   accepted, the other `invalid_client`, RFC 7523 §3);
//! - and, on a cluster of its own, the database stopped under a running instance: `503` with
//!   `Retry-After` and no details, then service again by itself once the database is back.
//!
//! Both instances name the same issuer, as behind a load balancer; nothing listens at the
//! issuer's address: the test sends each request to an instance itself. The database is a
//! throwaway cluster (`tests/postgres/cluster.sh` through the `TestCluster` guard), the
//! instances are children killed on drop, every wait has a deadline. Set
//! `AUTHCORE_SKIP_POSTGRES=1` to skip.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use authcore_hyper::forms::{Answers, CookieJar, PageWalk, WalkStep};
use authcore_jose::crypto;
use authcore_jose::{Jwk, JwsAlgorithm, SigningKey};
use authcore_oauth2::{
    AuthorizationServer, Client, ClientAuthentication, DpopKey, PkceCodeVerifier, PkceMethod,
};
use authcore_reqwest::reqwest;
use authcore_store_postgres::test_cluster::{TestCluster, skip_test};
use authcore_tests::serve::{INTROSPECTOR, Serve, authcore_bin, scripts_dir};
use serde_json::{Value, json};

/// The issuer both instances name (a load balancer's address in a deployment).
const ISSUER: &str = "http://127.0.0.1:9";
/// The clients' redirect URI (nothing listens: the user agent stops there).
const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
/// RFC 7523 §2.2's `client_assertion_type`.
const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The most requests one sign-in through the pages may take.
const SIGN_IN_STEPS: usize = 16;
/// Rounds of each race.
const ROUNDS: usize = 30;
/// How many extra rounds a race may take when a round is cut short by a rate limit.
const RETRY_ROUNDS: usize = 30;
/// The longest wait for both instances to show a rotated key.
const ROTATION_DEADLINE: Duration = Duration::from_secs(60);
/// The longest one `authcore` command may take.
const COMMAND_DEADLINE: Duration = Duration::from_secs(120);

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

#[test]
fn two_instances_on_one_postgres_database_are_one_provider() {
    if skip_test("two_instances_on_one_postgres_database_are_one_provider") {
        return;
    }
    let rt = runtime();
    let cluster = TestCluster::shared().unwrap_or_else(|e| panic!("the test cluster: {e}"));
    let url = database(&rt, &cluster, "serve_scaleout");
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("postgres")
        .join("serve_scaleout.toml");
    let mut args = serve_args(&url);
    args.extend(["--config".into(), config.into()]);
    // Started together: the first start makes the keys, the user and the schema once.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Serve::start_with(&args));
        let b = s.spawn(|| Serve::start_with(&args));
        (a.join().expect("start a"), b.join().expect("start b"))
    });
    let a = a.unwrap_or_else(|e| panic!("instance a did not start: {e}"));
    let b = b.unwrap_or_else(|e| panic!("instance b did not start: {e}"));
    let pair = Pair {
        bases: [a.issuer.clone(), b.issuer.clone()],
    };

    let result = rt.block_on(async {
        pair.flows().await?;
        pair.key_rotation(&url).await?;
        let mut report = Vec::new();
        report.push(pair.code_race().await?);
        report.push(pair.refresh_race().await?);
        report.push(pair.dpop_race().await?);
        report.push(pair.assertion_race().await?);
        Ok::<_, String>(report)
    });
    match result {
        Ok(report) => {
            for line in report {
                eprintln!("{line}");
            }
        }
        Err(e) => panic!(
            "{e}\n\ninstance a:\n{}\n\ninstance b:\n{}",
            a.log_text(),
            b.log_text()
        ),
    }
}

#[test]
fn a_stopped_database_is_503_with_retry_after_and_service_resumes_when_it_returns() {
    if skip_test("a_stopped_database_is_503_with_retry_after_and_service_resumes_when_it_returns") {
        return;
    }
    let rt = runtime();
    // A cluster of its own: this test stops it.
    let cluster = TestCluster::start().unwrap_or_else(|e| panic!("the test cluster: {e}"));
    let url = database(&rt, &cluster, "serve_outage");
    let args = serve_args(&url);
    let serve = Serve::start_with(&args).unwrap_or_else(|e| panic!("did not start: {e}"));
    let pair = Pair {
        bases: [serve.issuer.clone(), serve.issuer.clone()],
    };
    let result = rt.block_on(async {
        let http = http_from(7);
        let client = pair
            .register(&http, 0, json!({"grant_types": ["client_credentials"], "redirect_uris": [], "response_types": []}))
            .await?;
        let grant = [("grant_type", "client_credentials")];
        let r = pair.token(&http, 0, &client, &grant).await?;
        ensure!(r.status == 200, "before the outage: {} {}", r.status, r.text());

        cluster.stop()?;
        for (what, request) in [
            ("the token endpoint", pair.token(&http, 0, &client, &grant).await),
            (
                "the authorization endpoint",
                read(http.get(pair.at(0, &format!("/authorize?client_id={}&response_type=code", client.id))).send().await).await,
            ),
        ] {
            let r = request?;
            ensure!(r.status == 503, "{what} while the database is down: {} {}", r.status, r.text());
            ensure!(
                r.headers.contains_key(reqwest::header::RETRY_AFTER),
                "{what}: a 503 without Retry-After"
            );
            // Never the store's message: no host, no SQL.
            ensure!(
                !r.text().contains("PostgreSQL") && !r.text().contains("127.0.0.1"),
                "{what}: the 503 says too much: {}",
                r.text()
            );
        }

        cluster.start_again()?;
        // The pool makes new connections by itself; bounded in count and time.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let r = pair.token(&http, 0, &client, &grant).await?;
            if r.status == 200 {
                break;
            }
            ensure!(
                r.status == 503 && Instant::now() < deadline && attempts < 300,
                "after the database returned: {} {} (attempt {attempts})",
                r.status,
                r.text()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        eprintln!("the database stopped: 503 with Retry-After; back: served again after {attempts} attempt(s)");
        Ok::<_, String>(())
    });
    if let Err(e) = result {
        panic!("{e}\n\nthe server:\n{}", serve.log_text());
    }
}

/// The tests' runtime: two workers, as the machine has few cores.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A fresh database `name` in `cluster`: its URL.
fn database(rt: &tokio::runtime::Runtime, cluster: &TestCluster, name: &str) -> String {
    rt.block_on(cluster.create_database(name))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `authcore serve --dev` naming [`ISSUER`] (as behind a load balancer) on the store `url`.
fn serve_args(url: &str) -> Vec<OsString> {
    vec![
        "--dev".into(),
        "--issuer".into(),
        ISSUER.into(),
        "--store".into(),
        url.into(),
    ]
}

/// The two instances' addresses (`http://127.0.0.1:PORT`).
struct Pair {
    bases: [String; 2],
}

/// An HTTP response as the test reads it.
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The OAuth error code of an error response (RFC 6749 §5.2).
    fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }

    /// Seconds to wait after a `429` (RFC 6585 §4), bounded.
    fn retry_after(&self) -> Duration {
        let secs = self
            .headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1);
        Duration::from_secs(secs.clamp(1, 10))
    }
}

/// A client of the test: plain HTTP without redirects, from its own loopback address (the
/// provider's rate limits count per source address; each check has its own).
fn http_from(source: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, source)))
        .build()
        .expect("an HTTP client")
}

fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

async fn read(response: Result<reqwest::Response, reqwest::Error>) -> Result<Reply, String> {
    let response = response.map_err(|e| format!("request failed: {e}"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("reading a response: {e}"))?
        .to_vec();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// A registered client: its id and how it authenticates.
#[derive(Clone)]
struct Registered {
    id: String,
    secret: Option<String>,
}

impl Pair {
    /// The URL of `path` (a path, or a URL on the issuer's origin) at instance `i`.
    fn at(&self, i: usize, path: &str) -> String {
        let path = path.strip_prefix(ISSUER).unwrap_or(path);
        format!("{}{path}", self.bases[i % 2])
    }

    /// Registers a client at instance `i` (RFC 7591 §3, open in `--dev`).
    async fn register(
        &self,
        http: &reqwest::Client,
        i: usize,
        metadata: Value,
    ) -> Result<Registered, String> {
        let mut body = json!({
            "client_name": "scale-out test",
            "application_type": "native",
            "redirect_uris": [REDIRECT_URI],
            "response_types": ["code"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "openid profile offline_access",
        });
        // The test's metadata replaces the defaults.
        for (k, v) in metadata.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let r = read(
            http.post(self.at(i, "/register"))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await,
        )
        .await?;
        ensure!(
            r.status == 201,
            "registration answered {}: {}",
            r.status,
            r.text()
        );
        let v = r.json();
        Ok(Registered {
            id: v["client_id"].as_str().ok_or("no client_id")?.to_owned(),
            secret: v["client_secret"].as_str().map(str::to_owned),
        })
    }

    /// A token request at instance `i`, authenticated with the client's secret.
    async fn token(
        &self,
        http: &reqwest::Client,
        i: usize,
        client: &Registered,
        fields: &[(&str, &str)],
    ) -> Result<Reply, String> {
        read(self.token_request(http, i, client, fields).send().await).await
    }

    /// Introspects `token` at instance `i` (RFC 7662 §2) as the resource server's client
    /// (`private_key_jwt`, a fresh assertion each time); returns `active`.
    async fn active(&self, http: &reqwest::Client, i: usize, token: &str) -> Result<bool, String> {
        let provider = crypto::default_provider();
        let jwk = std::fs::read(scripts_dir().join("introspector.jwk.json"))
            .map_err(|e| format!("the introspector's key: {e}"))?;
        let jwk = Jwk::from_json(&jwk).map_err(|e| format!("the introspector's key: {e}"))?;
        let signer = SigningKey::from_jwk(&jwk, None, provider).map_err(|e| e.to_string())?;
        // RFC 7523 §3: the audience may be the token endpoint; authcore accepts it at every
        // endpoint that authenticates clients.
        let server = AuthorizationServer::new(ISSUER)
            .with_token_endpoint(&format!("{ISSUER}/token"))
            .map_err(|e| e.to_string())?;
        let assertion = Client::new(INTROSPECTOR, ClientAuthentication::None)
            .client_assertion(&signer, &server, unix_now(), provider.system_random())
            .map_err(|e| e.to_string())?;
        let r = read(
            http.post(self.at(i, "/introspect"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form_body(&[
                    ("token", token),
                    ("client_id", INTROSPECTOR),
                    ("client_assertion_type", JWT_BEARER_ASSERTION),
                    ("client_assertion", &assertion),
                ]))
                .send()
                .await,
        )
        .await?;
        ensure!(
            r.status == 200,
            "introspection answered {}: {}",
            r.status,
            r.text()
        );
        r.json()["active"]
            .as_bool()
            .ok_or_else(|| format!("introspection without `active`: {}", r.text()))
    }

    /// Signs in through the pages from an authorization request sent to instance `first`,
    /// every following request to the other instance than the one before (the login page
    /// at one, its form posted to the other, …); returns the authorization code and which
    /// instances served the pages.
    async fn authorize(
        &self,
        http: &reqwest::Client,
        jar: &mut CookieJar,
        first: usize,
        client: &Registered,
        verifier: &PkceCodeVerifier,
        prompt: Option<&str>,
    ) -> Result<(String, Vec<String>), String> {
        let challenge = verifier.challenge(PkceMethod::S256, crypto::default_provider());
        let state = format!("s{}", nanos());
        // OpenID Connect Core §11: a refresh token (`offline_access`) needs `prompt=consent`.
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", &client.id),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid profile offline_access"),
            ("state", &state),
            ("nonce", "n"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        if let Some(p) = prompt {
            params.push(("prompt", p));
        }
        let query = form_body(&params);
        let start = url::Url::parse(&format!("{ISSUER}/authorize?{query}"))
            .map_err(|e| format!("the authorization request: {e}"))?;
        let mut walk = PageWalk::new(start, REDIRECT_URI, Answers::new("alice", "wonderland"))
            .with_max_steps(SIGN_IN_STEPS);
        let mut pages = Vec::new();
        for step in 0..SIGN_IN_STEPS {
            let i = first + step;
            let next = walk.next_request();
            let url = self.at(i, next.url.as_str());
            let mut req = http.request(next.method(), &url).body(next.body());
            if next.form.is_some() {
                req = req.header("content-type", "application/x-www-form-urlencoded");
            }
            if let Some(c) = jar.header() {
                req = req.header("cookie", c);
            }
            let r = read(req.send().await).await?;
            jar.store(&r.headers);
            ensure!(
                r.status == 200 || (300..400).contains(&r.status),
                "{url} answered {}: {}",
                r.status,
                r.text()
            );
            let filled = walk.pages().len();
            let status = reqwest::StatusCode::from_u16(r.status).map_err(|e| e.to_string())?;
            match walk
                .on_response(status, &r.headers, &r.body)
                .map_err(|e| e.to_string())?
            {
                WalkStep::Done(location) => {
                    let get = |k: &str| {
                        location
                            .query_pairs()
                            .find(|(n, _)| n == k)
                            .map(|(_, v)| v.into_owned())
                    };
                    ensure!(
                        get("state").as_deref() == Some(state.as_str()),
                        "state lost: {location}"
                    );
                    let code = get("code").ok_or_else(|| format!("no code: {location}"))?;
                    return Ok((code, pages));
                }
                WalkStep::Continue => {
                    // The form goes to the other instance than the one that served the page.
                    if let Some(page) = walk.pages().get(filled) {
                        pages.push(format!(
                            "{page} page at {}, posted at {}",
                            ["a", "b"][i % 2],
                            ["a", "b"][(i + 1) % 2]
                        ));
                    }
                }
            }
        }
        Err(format!(
            "the sign-in took more than {SIGN_IN_STEPS} requests"
        ))
    }

    /// A code from a sign-in started at `first` (the session of `jar` reused), exchanged at
    /// `exchange_at`: the token response.
    async fn code_tokens(
        &self,
        http: &reqwest::Client,
        jar: &mut CookieJar,
        first: usize,
        exchange_at: usize,
        client: &Registered,
        prompt: Option<&str>,
    ) -> Result<Value, String> {
        let verifier = PkceCodeVerifier::generate(crypto::default_provider().system_random())
            .map_err(|e| e.to_string())?;
        let (code, _) = self
            .authorize(http, jar, first, client, &verifier, prompt)
            .await?;
        let r = self
            .token(
                http,
                exchange_at,
                client,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT_URI),
                    ("code_verifier", verifier.secret()),
                ],
            )
            .await?;
        ensure!(
            r.status == 200,
            "the code exchange answered {}: {}",
            r.status,
            r.text()
        );
        Ok(r.json())
    }

    /// The code flow across the instances, the session seen by both, refresh at one and
    /// introspection at the other, revocation at one seen at the other.
    async fn flows(&self) -> Result<(), String> {
        let http = http_from(1);
        let client = self.register(&http, 0, json!({})).await?;
        let mut jar = CookieJar::default();
        let verifier = PkceCodeVerifier::generate(crypto::default_provider().system_random())
            .map_err(|e| e.to_string())?;
        let (code, pages) = self
            .authorize(&http, &mut jar, 0, &client, &verifier, Some("consent"))
            .await?;
        ensure!(
            pages.iter().any(|p| p.starts_with("login"))
                && pages.iter().any(|p| p.starts_with("consent")),
            "the sign-in did not go through the login and consent pages: {pages:?}"
        );
        eprintln!(
            "code flow: authorization request at a, {}",
            pages.join(", ")
        );
        // Started at a (the client registered there too), finished at b.
        let r = self
            .token(
                &http,
                1,
                &client,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT_URI),
                    ("code_verifier", verifier.secret()),
                ],
            )
            .await?;
        ensure!(
            r.status == 200,
            "the code exchange at b answered {}: {}",
            r.status,
            r.text()
        );
        let tokens = r.json();
        let access = tokens["access_token"].as_str().ok_or("no access_token")?;
        let refresh = tokens["refresh_token"].as_str().ok_or("no refresh_token")?;
        ensure!(tokens["id_token"].is_string(), "no id_token: {tokens}");
        ensure!(
            self.active(&http, 0, access).await?,
            "b's access token inactive at a"
        );

        // The session made through both is seen by each: a new authorization request at
        // either is answered with a code at once, without a page.
        for i in [0, 1] {
            let verifier = PkceCodeVerifier::generate(crypto::default_provider().system_random())
                .map_err(|e| e.to_string())?;
            let (_, pages) = self
                .authorize(&http, &mut jar, i, &client, &verifier, None)
                .await?;
            ensure!(
                pages.is_empty(),
                "the session was not seen at {}: {pages:?}",
                ["a", "b"][i]
            );
        }

        // Refresh at a, introspection at b.
        let r = self
            .token(
                &http,
                0,
                &client,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            )
            .await?;
        ensure!(
            r.status == 200,
            "refresh at a answered {}: {}",
            r.status,
            r.text()
        );
        let refreshed = r.json();
        let access2 = refreshed["access_token"]
            .as_str()
            .ok_or("no access_token")?;
        let refresh2 = refreshed["refresh_token"]
            .as_str()
            .ok_or("no rotated refresh_token")?;
        ensure!(
            self.active(&http, 1, access2).await?,
            "a's refreshed token inactive at b"
        );
        ensure!(
            !self.active(&http, 1, refresh).await?,
            "the rotated-out refresh token is still active at b"
        );

        // Revocation at b (RFC 7009 §2), seen at a.
        let r = read(
            http.post(self.at(1, "/revoke"))
                .basic_auth(&client.id, client.secret.as_ref())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form_body(&[
                    ("token", refresh2),
                    ("token_type_hint", "refresh_token"),
                ]))
                .send()
                .await,
        )
        .await?;
        ensure!(
            r.status == 200,
            "revocation at b answered {}: {}",
            r.status,
            r.text()
        );
        ensure!(
            !self.active(&http, 0, refresh2).await?,
            "the revoked refresh token is active at a"
        );
        let r = self
            .token(
                &http,
                0,
                &client,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh2)],
            )
            .await?;
        ensure!(
            r.status == 400 && r.error() == "invalid_grant",
            "the revoked refresh token at a: {} {}",
            r.status,
            r.text()
        );
        Ok(())
    }

    /// `authcore keys rotate` on the store; both running instances pick the rotation up
    /// (the JWK Set of each publishes the new `next` keys), and an ID token issued by
    /// either afterwards is signed with the new current key.
    async fn key_rotation(&self, store: &str) -> Result<(), String> {
        let rotated = run_authcore(&["keys", "rotate", "--store", store])?;
        let current = rotated["current"]
            .as_str()
            .ok_or("no current kid")?
            .to_owned();
        let published: Vec<String> = rotated["signing_keys"]
            .as_array()
            .ok_or("no signing_keys")?
            .iter()
            .filter_map(|k| k["kid"].as_str().map(str::to_owned))
            .collect();
        let http = http_from(2);
        let deadline = Instant::now() + ROTATION_DEADLINE;
        for i in [0, 1] {
            loop {
                let r = read(http.get(self.at(i, "/jwks")).send().await).await?;
                let kids: Vec<String> = r.json()["keys"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                    .collect();
                if published.iter().all(|k| kids.contains(k)) {
                    break;
                }
                ensure!(
                    Instant::now() < deadline,
                    "instance {} did not pick the rotation up within {ROTATION_DEADLINE:?}: \
                     publishes {kids:?}, the store has {published:?}",
                    ["a", "b"][i]
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        let client = self.register(&http, 1, json!({})).await?;
        let mut jar = CookieJar::default();
        for (first, exchange_at) in [(0, 1), (1, 0)] {
            let tokens = self
                .code_tokens(&http, &mut jar, first, exchange_at, &client, None)
                .await?;
            let id_token = tokens["id_token"].as_str().ok_or("no id_token")?;
            let kid = authcore_jose::jwt::decode_unverified(id_token)
                .ok()
                .and_then(|(h, _)| h.kid.clone())
                .ok_or("an ID token without kid")?;
            ensure!(
                kid == current,
                "an ID token from {} is signed with {kid}, not the rotated-in {current}",
                ["a", "b"][exchange_at]
            );
        }
        Ok(())
    }

    /// Runs one race: [`ROUNDS`] rounds (and up to [`RETRY_ROUNDS`] more for rounds a rate
    /// limit cut short), each with inputs from `prepare` (a fresh code, refresh token, proof
    /// or assertion), sent in the two requests of `request` at once, one to each instance;
    /// the round judged ([`Tally::judge`]: one `200`, the other `expected`) and then what the
    /// win left checked by `check` (the round, its inputs, the winner's reply, the losing
    /// instance). The race's report line.
    async fn race<R>(
        &self,
        what: &str,
        expected: &str,
        loser_outcome: &str,
        mut prepare: impl AsyncFnMut(usize) -> Result<R, String>,
        request: impl Fn(&R, usize) -> reqwest::RequestBuilder,
        mut check: impl AsyncFnMut(usize, &R, Reply, usize) -> Result<(), String>,
    ) -> Result<String, String> {
        let mut tally = Tally::default();
        for round in 0..ROUNDS + RETRY_ROUNDS {
            if tally.rounds == ROUNDS {
                break;
            }
            let input = prepare(round).await?;
            let (ra, rb) = tokio::join!(
                async { read(request(&input, 0).send().await).await },
                async { read(request(&input, 1).send().await).await }
            );
            let Some((winner, loser)) = tally.judge(ra?, rb?, expected).await? else {
                continue;
            };
            check(round, &input, winner, loser).await?;
        }
        tally.report(what, loser_outcome)
    }

    /// A token request at instance `i` (form `fields`), authenticated with the client's
    /// secret when it has one: the request [`Pair::token`] sends.
    fn token_request(
        &self,
        http: &reqwest::Client,
        i: usize,
        client: &Registered,
        fields: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let mut req = http
            .post(self.at(i, "/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(fields));
        if let Some(secret) = &client.secret {
            req = req.basic_auth(&client.id, Some(secret));
        }
        req
    }

    /// The same code redeemed at both instances at once.
    async fn code_race(&self) -> Result<String, String> {
        let http = http_from(3);
        let client = self.register(&http, 0, json!({})).await?;
        let mut jar = CookieJar::default();
        self.race(
            "same code at both",
            "invalid_grant",
            "invalid_grant; the grant revoked (the winner's access token inactive)",
            async |round| {
                let verifier =
                    PkceCodeVerifier::generate(crypto::default_provider().system_random())
                        .map_err(|e| e.to_string())?;
                let (code, _) = self
                    .authorize(&http, &mut jar, round, &client, &verifier, None)
                    .await?;
                Ok((code, verifier))
            },
            |(code, verifier), i| {
                self.token_request(
                    &http,
                    i,
                    &client,
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", code.as_str()),
                        ("redirect_uri", REDIRECT_URI),
                        ("code_verifier", verifier.secret()),
                    ],
                )
            },
            async |round, _, winner, loser| {
                let access = winner.json()["access_token"]
                    .as_str()
                    .ok_or("no access_token")?
                    .to_owned();
                // RFC 6749 §4.1.2: the replay revokes the tokens issued from the code;
                // checked at the instance that lost.
                ensure!(
                    !self.active(&http, loser, &access).await?,
                    "round {round}: the winner's access token is still active after the replay"
                );
                Ok(())
            },
        )
        .await
    }

    /// The same refresh token at both instances at once.
    async fn refresh_race(&self) -> Result<String, String> {
        let http = http_from(4);
        let client = self.register(&http, 1, json!({})).await?;
        let mut jar = CookieJar::default();
        let mut revoked = 0;
        let mut judged = 0;
        let report = self
            .race(
                "same refresh token at both",
                "invalid_grant",
                "invalid_grant; the grant revoked as a replay (the winner's rotated tokens \
                 inactive)",
                async |round| {
                    let tokens = self
                        .code_tokens(&http, &mut jar, round, round + 1, &client, Some("consent"))
                        .await?;
                    let refresh = tokens["refresh_token"].as_str().ok_or("no refresh_token")?;
                    Ok(refresh.to_owned())
                },
                |refresh, i| {
                    self.token_request(
                        &http,
                        i,
                        &client,
                        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                    )
                },
                async |round, refresh, winner, loser| {
                    judged += 1;
                    let w = winner.json();
                    let rotated = w["refresh_token"]
                        .as_str()
                        .ok_or("no rotated refresh token")?;
                    ensure!(
                        rotated != refresh,
                        "round {round}: the refresh token was not rotated"
                    );
                    // The loser presented a refresh token that had just been rotated out: a
                    // replay (RFC 9700 §4.14.2), which revokes the grant; the winner's new
                    // tokens die with it.
                    let access = w["access_token"].as_str().ok_or("no access_token")?;
                    if !self.active(&http, loser, access).await?
                        && !self.active(&http, loser, rotated).await?
                    {
                        revoked += 1;
                    }
                    Ok(())
                },
            )
            .await?;
        ensure!(
            revoked == judged,
            "the replayed refresh token revoked the grant in {revoked} of {judged} rounds"
        );
        Ok(report)
    }

    /// The same DPoP proof (same `jti`) at both instances at once, with client credentials.
    async fn dpop_race(&self) -> Result<String, String> {
        let http = http_from(5);
        let client = self
            .register(
                &http,
                0,
                json!({
                    "application_type": "web",
                    "redirect_uris": [],
                    "response_types": [],
                    "grant_types": ["client_credentials"],
                    "scope": "profile",
                }),
            )
            .await?;
        let provider = crypto::default_provider();
        let rng = provider.system_random();
        let jwk = Jwk::generate(JwsAlgorithm::ES256, provider, rng).map_err(|e| e.to_string())?;
        let key = SigningKey::from_jwk(&jwk, None, provider).map_err(|e| e.to_string())?;
        let dpop = DpopKey::new(key, provider).map_err(|e| e.to_string())?;
        self.race(
            "same DPoP proof at both",
            "invalid_dpop_proof",
            "invalid_dpop_proof",
            async |_| {
                dpop.proof(
                    "POST",
                    &format!("{ISSUER}/token"),
                    None,
                    None,
                    unix_now(),
                    rng,
                )
                .map_err(|e| e.to_string())
            },
            |proof, i| {
                self.token_request(&http, i, &client, &[("grant_type", "client_credentials")])
                    .header("dpop", proof.clone())
            },
            async |_, _, winner, _| {
                ensure!(
                    winner.json()["token_type"].as_str() == Some("DPoP"),
                    "the accepted proof did not bind the token: {}",
                    winner.text()
                );
                Ok(())
            },
        )
        .await
    }

    /// The same `private_key_jwt` client assertion (same `jti`) at both instances at once.
    async fn assertion_race(&self) -> Result<String, String> {
        let http = http_from(6);
        let provider = crypto::default_provider();
        let rng = provider.system_random();
        let mut jwk =
            Jwk::generate(JwsAlgorithm::ES256, provider, rng).map_err(|e| e.to_string())?;
        jwk.kid = Some("scaleout".into());
        let public = jwk.to_public().map_err(|e| e.to_string())?;
        let registered = self
            .register(
                &http,
                1,
                json!({
                    "application_type": "web",
                    "redirect_uris": [],
                    "response_types": [],
                    "grant_types": ["client_credentials"],
                    "token_endpoint_auth_method": "private_key_jwt",
                    "token_endpoint_auth_signing_alg": "ES256",
                    "jwks": { "keys": [serde_json::to_value(&public).map_err(|e| e.to_string())?] },
                    "scope": "profile",
                }),
            )
            .await?;
        let signer =
            Arc::new(SigningKey::from_jwk(&jwk, None, provider).map_err(|e| e.to_string())?);
        let client = Client::new(
            registered.id.clone(),
            ClientAuthentication::PrivateKeyJwt(signer.clone()),
        );
        let server = AuthorizationServer::new(ISSUER)
            .with_token_endpoint(&format!("{ISSUER}/token"))
            .map_err(|e| e.to_string())?;
        // Authenticated by the assertion alone: no secret.
        let unauthenticated = Registered {
            id: registered.id.clone(),
            secret: None,
        };
        self.race(
            "same private_key_jwt assertion at both",
            "invalid_client",
            "invalid_client",
            async |_| {
                client
                    .client_assertion(signer.as_ref(), &server, unix_now(), rng)
                    .map_err(|e| e.to_string())
            },
            |assertion, i| {
                self.token_request(
                    &http,
                    i,
                    &unauthenticated,
                    &[
                        ("grant_type", "client_credentials"),
                        ("client_id", &registered.id),
                        ("client_assertion_type", JWT_BEARER_ASSERTION),
                        ("client_assertion", assertion),
                    ],
                )
            },
            async |_, _, _, _| Ok(()),
        )
        .await
    }
}

/// The outcomes of one race: rounds judged, wins per instance, rounds cut short by a rate
/// limit (not counted; run again with fresh inputs).
#[derive(Default)]
struct Tally {
    rounds: usize,
    wins: [usize; 2],
    rate_limited: usize,
}

impl Tally {
    /// Judges one round: exactly one `200`, the other a `400`/`401` with `expected` as its
    /// error. Returns the winner's reply and the losing instance, or `None` when a rate
    /// limit cut the round short (after waiting as told).
    async fn judge(
        &mut self,
        ra: Reply,
        rb: Reply,
        expected: &str,
    ) -> Result<Option<(Reply, usize)>, String> {
        if ra.status == 429 || rb.status == 429 {
            self.rate_limited += 1;
            ensure!(
                self.rate_limited <= RETRY_ROUNDS,
                "more than {RETRY_ROUNDS} rounds rate limited"
            );
            let wait = if ra.status == 429 {
                ra.retry_after()
            } else {
                rb.retry_after()
            };
            tokio::time::sleep(wait).await;
            return Ok(None);
        }
        let round = self.rounds;
        let (winner, loser, lost) = match (ra.status, rb.status) {
            (200, _) => (ra, 1, rb),
            (_, 200) => (rb, 0, ra),
            (a, b) => {
                return Err(format!(
                    "round {round}: no request succeeded ({a}: {}; {b}: {})",
                    ra.text(),
                    rb.text()
                ));
            }
        };
        ensure!(
            lost.status != 200,
            "round {round}: both requests succeeded: {} and {}",
            winner.text(),
            lost.text()
        );
        ensure!(
            matches!(lost.status, 400 | 401) && lost.error() == expected,
            "round {round}: the loser answered {} {}, not {expected}",
            lost.status,
            lost.text()
        );
        self.rounds += 1;
        self.wins[1 - loser] += 1;
        Ok(Some((winner, loser)))
    }

    fn report(&self, what: &str, loser: &str) -> Result<String, String> {
        ensure!(
            self.rounds == ROUNDS,
            "{what}: only {} of {ROUNDS} rounds ran",
            self.rounds
        );
        Ok(format!(
            "{what}: {} rounds, exactly one 200 in each (a won {}, b won {}), the other {loser}; \
             {} rounds rate limited and run again",
            self.rounds, self.wins[0], self.wins[1], self.rate_limited
        ))
    }
}

/// Runs `authcore ARGS` (bounded) and reads its JSON output.
fn run_authcore(args: &[&str]) -> Result<Value, String> {
    let mut cmd = Command::new(authcore_bin());
    cmd.args(args);
    let out = authcore_tests::peers::try_run(cmd, b"", COMMAND_DEADLINE, "authcore")?;
    serde_json::from_slice(&out).map_err(|e| format!("authcore {args:?} printed no JSON: {e}"))
}

fn unix_now() -> authcore_jose::UnixTime {
    authcore_jose::UnixTime::from_secs(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
