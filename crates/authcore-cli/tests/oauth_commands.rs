//! Runs the built `authcore` binary's OAuth 2.0 and OpenID Connect commands against a small
//! fake authorization server on 127.0.0.1 (hyper): discovery, JWKS, token (client
//! credentials, refresh, device code, authorization code with PKCE), device authorization,
//! PAR, introspection, revocation and UserInfo, with an ID token signed by a test key.
//!
//! For `login` the test plays the browser: it reads the authorization URL from the child's
//! stderr, does the server's part (a code for that request) and sends the redirect to the
//! loopback listener itself. Every wait is bounded; children are killed on drop.

// The fake server stamps `iat`/`exp` with the real clock, as a real server would.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authcore_jose::{
    DigestAlgorithm, Jwk, JwkSet, JwsAlgorithm, JwsHeader, SigningKey, VerifyingKey, b64, crypto,
    jws, jwt,
};
use base64::Engine as _;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

const CLIENT_ID: &str = "cli-client";
const CLIENT_SECRET: &str = "cli-secret-0123456789abcdef0123456789abcdef";
const PUBLIC_CLIENT: &str = "public-client";
const KEY_CLIENT: &str = "key-client";
const USER_CODE: &str = "WDJB-MJHT";

// ---------------------------------------------------------------------------------------
// The fake authorization server.

/// What the server remembers and how it misbehaves on request.
#[derive(Default)]
struct State {
    /// Authorization codes issued by the test (playing the user) → the request they answer.
    codes: HashMap<String, CodeGrant>,
    /// Pushed authorization requests by `request_uri`.
    pushed: HashMap<String, HashMap<String, String>>,
    /// Token endpoint polls with the device code so far.
    device_polls: usize,
    /// Every request: path, `Authorization` header, `DPoP` header, form body.
    log: Vec<Logged>,
    /// Serve discovery with this `issuer` instead of the real one.
    wrong_issuer: bool,
    /// Put another nonce in ID tokens.
    wrong_nonce: bool,
    /// Deny the device authorization.
    deny_device: bool,
    /// Sign ID tokens with a key the JWK Set does not have.
    foreign_key: bool,
    /// Answer revocation requests with 503 and `Retry-After`.
    revocation_unavailable: bool,
    /// Answer the first device code poll with a bare 503 (a proxy's page).
    device_unavailable_once: bool,
    /// Answer token requests with a redirect.
    token_redirect: bool,
}

struct CodeGrant {
    challenge: String,
    redirect_uri: String,
    nonce: String,
}

#[derive(Clone, Debug)]
struct Logged {
    path: String,
    authorization: Option<String>,
    dpop: Option<String>,
    form: HashMap<String, String>,
}

struct Fake {
    issuer: String,
    state: Arc<Mutex<State>>,
    signing_key: Arc<SigningKey>,
    client_key: Jwk,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl Fake {
    fn start() -> Fake {
        let provider = crypto::default_provider();
        let rng = provider.system_random();
        let mut op_key = Jwk::generate(JwsAlgorithm::ES256, provider, rng).unwrap();
        op_key.kid = Some("op-1".into());
        let jwks = JwkSet::new(vec![op_key.to_public().unwrap()]).to_json();
        let signing_key = Arc::new(SigningKey::from_jwk(&op_key, None, provider).unwrap());
        let mut client_key = Jwk::generate(JwsAlgorithm::ES256, provider, rng).unwrap();
        client_key.kid = Some("client-1".into());

        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr: SocketAddr = std_listener.local_addr().unwrap();
        let issuer = format!("http://{addr}");
        let state = Arc::new(Mutex::new(State::default()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let ctx = Arc::new(Ctx {
            issuer: issuer.clone(),
            state: state.clone(),
            key: signing_key.clone(),
            jwks,
            client_public: client_key.to_public().unwrap(),
        });
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                let serve = async {
                    while let Ok((stream, _)) = listener.accept().await {
                        let ctx = ctx.clone();
                        tokio::spawn(async move {
                            let svc = service_fn(move |req: Request<Incoming>| {
                                let ctx = ctx.clone();
                                async move {
                                    let (parts, body) = req.into_parts();
                                    let bytes = body
                                        .collect()
                                        .await
                                        .map(|c| c.to_bytes())
                                        .unwrap_or_default();
                                    let resp = ctx.handle(Request::from_parts(parts, bytes));
                                    Ok::<_, Infallible>(resp)
                                }
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), svc)
                                .await;
                        });
                    }
                };
                tokio::select! {
                    _ = serve => {}
                    _ = rx => {}
                }
            });
        });
        Fake {
            issuer,
            state,
            signing_key,
            client_key,
            _shutdown: tx,
        }
    }

    fn with(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.state.lock().unwrap());
    }

    fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    fn last(&self, path: &str) -> Logged {
        self.log()
            .into_iter()
            .rev()
            .find(|l| l.path == path)
            .unwrap_or_else(|| panic!("no request to {path}"))
    }
}

struct Ctx {
    issuer: String,
    state: Arc<Mutex<State>>,
    key: Arc<SigningKey>,
    jwks: String,
    client_public: Jwk,
}

fn json_response(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        json!({"error": error, "error_description": description}),
    )
}

fn deny() -> Response<Full<Bytes>> {
    oauth_error(401, "invalid_client", "client authentication failed")
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

impl Ctx {
    fn handle(&self, req: Request<Bytes>) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_owned();
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let form: HashMap<String, String> = url::form_urlencoded::parse(req.body())
            .into_owned()
            .collect();
        let logged = Logged {
            path: path.clone(),
            authorization: header("authorization"),
            dpop: header("dpop"),
            form,
        };
        self.state.lock().unwrap().log.push(logged.clone());
        let i = &self.issuer;
        match path.as_str() {
            "/.well-known/openid-configuration" => {
                let issuer = if self.state.lock().unwrap().wrong_issuer {
                    "https://other.example".to_owned()
                } else {
                    i.clone()
                };
                json_response(
                    200,
                    json!({
                        "issuer": issuer,
                        "authorization_endpoint": format!("{i}/authorize"),
                        "token_endpoint": format!("{i}/token"),
                        "jwks_uri": format!("{i}/jwks"),
                        "userinfo_endpoint": format!("{i}/userinfo"),
                        "device_authorization_endpoint": format!("{i}/device"),
                        "introspection_endpoint": format!("{i}/introspect"),
                        "revocation_endpoint": format!("{i}/revoke"),
                        "pushed_authorization_request_endpoint": format!("{i}/par"),
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["ES256"],
                        "code_challenge_methods_supported": ["S256"],
                        "authorization_response_iss_parameter_supported": true,
                        "dpop_signing_alg_values_supported": ["ES256"],
                        "token_endpoint_auth_methods_supported": [
                            "client_secret_basic", "client_secret_post", "client_secret_jwt",
                            "private_key_jwt", "none"
                        ],
                    }),
                )
            }
            "/jwks" => Response::builder()
                .status(200)
                .header("content-type", "application/jwk-set+json")
                .body(Full::new(Bytes::from(self.jwks.clone())))
                .unwrap(),
            "/token" if self.state.lock().unwrap().token_redirect => Response::builder()
                .status(307)
                .header("location", "https://elsewhere.example/token")
                .body(Full::new(Bytes::new()))
                .unwrap(),
            "/token" => self.token(&logged),
            "/device" => match self.client(&logged) {
                None => deny(),
                Some(_) => json_response(
                    200,
                    json!({
                        "device_code": "dc-1",
                        "user_code": USER_CODE,
                        "verification_uri": format!("{i}/activate"),
                        "verification_uri_complete": format!("{i}/activate?user_code={USER_CODE}"),
                        "expires_in": 60,
                        "interval": 1,
                    }),
                ),
            },
            "/par" => match self.client(&logged) {
                None => deny(),
                Some(_) => {
                    let uri = format!("urn:ietf:params:oauth:request_uri:{}", now());
                    self.state
                        .lock()
                        .unwrap()
                        .pushed
                        .insert(uri.clone(), logged.form.clone());
                    json_response(201, json!({"request_uri": uri, "expires_in": 60}))
                }
            },
            "/introspect" => match self.client(&logged) {
                None => deny(),
                Some(_) => {
                    if logged.form.get("token").map(String::as_str) == Some("at-cc") {
                        json_response(
                            200,
                            json!({
                                "active": true, "scope": "read write", "client_id": CLIENT_ID,
                                "sub": "user-1", "exp": now() + 3600, "token_type": "Bearer",
                            }),
                        )
                    } else {
                        json_response(200, json!({"active": false}))
                    }
                }
            },
            "/revoke" => match self.client(&logged) {
                None => deny(),
                Some(_) if self.state.lock().unwrap().revocation_unavailable => Response::builder()
                    .status(503)
                    .header("retry-after", "7")
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
                Some(_) => Response::builder()
                    .status(200)
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            },
            "/userinfo" => {
                let auth = logged.authorization.clone().unwrap_or_default();
                let ok = match auth.split_once(' ') {
                    Some(("Bearer", "at-login" | "at-cc")) => true,
                    Some(("DPoP", "at-cc")) => logged.dpop.is_some(),
                    _ => false,
                };
                if ok {
                    json_response(200, json!({"sub": "user-1", "name": "Test User"}))
                } else {
                    Response::builder()
                        .status(401)
                        .header(
                            "www-authenticate",
                            "Bearer error=\"invalid_token\", error_description=\"unknown token\"",
                        )
                        .body(Full::new(Bytes::new()))
                        .unwrap()
                }
            }
            _ => oauth_error(404, "not_found", "no such endpoint"),
        }
    }

    /// Authenticates the client; returns its id, or `None` (answer [`deny`]).
    fn client(&self, l: &Logged) -> Option<String> {
        let form = |k: &str| l.form.get(k).map(String::as_str);
        if let Some(a) = &l.authorization {
            return (*a == basic(CLIENT_ID, CLIENT_SECRET)).then(|| CLIENT_ID.into());
        }
        if let Some(assertion) = form("client_assertion") {
            let provider = crypto::default_provider();
            let client_id = form("client_id").unwrap_or_default();
            let key = match client_id {
                CLIENT_ID => {
                    VerifyingKey::hmac(JwsAlgorithm::HS256, CLIENT_SECRET.as_bytes(), provider)
                }
                KEY_CLIENT => {
                    VerifyingKey::from_jwk(&self.client_public, Some(JwsAlgorithm::ES256), provider)
                }
                _ => return None,
            }
            .unwrap();
            let validation = jwt::Validation::new()
                .issuer(client_id)
                .subject(client_id)
                .audience(format!("{}/token", self.issuer))
                .leeway(5);
            let ok = form("client_assertion_type")
                == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                && jwt::verify(
                    assertion,
                    &[key][..],
                    &validation,
                    authcore_jose::UnixTime::from_secs(now()),
                )
                .is_ok();
            return ok.then(|| client_id.into());
        }
        match (form("client_id"), form("client_secret")) {
            (Some(CLIENT_ID), Some(CLIENT_SECRET)) => Some(CLIENT_ID.into()),
            (Some(PUBLIC_CLIENT), None) => Some(PUBLIC_CLIENT.into()),
            _ => None,
        }
    }

    fn tokens(&self, l: &Logged, scope: Option<&str>) -> Value {
        let dpop = l
            .dpop
            .as_deref()
            .and_then(|p| jws::decode_header_unverified(p).ok())
            .is_some_and(|h| h.typ.as_deref() == Some("dpop+jwt"));
        let mut t = json!({
            "access_token": "at-cc",
            "token_type": if dpop { "DPoP" } else { "Bearer" },
            "expires_in": 3600,
        });
        if let Some(s) = scope {
            t["scope"] = s.into();
        }
        t
    }

    fn token(&self, l: &Logged) -> Response<Full<Bytes>> {
        let Some(client_id) = self.client(l) else {
            return deny();
        };
        let form = |k: &str| l.form.get(k).map(String::as_str);
        match form("grant_type").unwrap_or_default() {
            "client_credentials" => json_response(200, self.tokens(l, form("scope"))),
            "refresh_token" => {
                if form("refresh_token") != Some("rt-1") {
                    return oauth_error(400, "invalid_grant", "unknown refresh token");
                }
                let mut t = self.tokens(l, form("scope"));
                t["refresh_token"] = "rt-2".into();
                json_response(200, t)
            }
            "urn:ietf:params:oauth:grant-type:device_code" => {
                let mut s = self.state.lock().unwrap();
                s.device_polls += 1;
                if s.device_unavailable_once && s.device_polls == 1 {
                    Response::builder()
                        .status(503)
                        .header("content-type", "text/html")
                        .body(Full::new(Bytes::from_static(b"<h1>503</h1>")))
                        .unwrap()
                } else if s.deny_device {
                    oauth_error(400, "access_denied", "the user said no")
                } else if s.device_polls < 2 {
                    oauth_error(400, "authorization_pending", "not yet")
                } else {
                    drop(s);
                    let mut t = self.tokens(l, None);
                    t["refresh_token"] = "rt-1".into();
                    json_response(200, t)
                }
            }
            "authorization_code" => {
                let code = form("code").unwrap_or_default();
                let Some(grant) = self.state.lock().unwrap().codes.remove(code) else {
                    return oauth_error(400, "invalid_grant", "unknown code");
                };
                let verifier = form("code_verifier").unwrap_or_default();
                let challenge = b64::encode(
                    crypto::default_provider().digest(DigestAlgorithm::Sha256, verifier.as_bytes()),
                );
                if challenge != grant.challenge {
                    return oauth_error(400, "invalid_grant", "PKCE verification failed");
                }
                if form("redirect_uri") != Some(grant.redirect_uri.as_str()) {
                    return oauth_error(400, "invalid_grant", "redirect_uri mismatch");
                }
                let nonce = if self.state.lock().unwrap().wrong_nonce {
                    "another-nonce".to_owned()
                } else {
                    grant.nonce
                };
                let t = now();
                let claims = json!({
                    "iss": self.issuer, "sub": "user-1", "aud": client_id,
                    "exp": t + 300, "iat": t, "nonce": nonce, "name": "Test User",
                });
                let id_token = if self.state.lock().unwrap().foreign_key {
                    let provider = crypto::default_provider();
                    let other =
                        Jwk::generate(JwsAlgorithm::ES256, provider, provider.system_random())
                            .unwrap();
                    let key = SigningKey::from_jwk(&other, None, provider).unwrap();
                    let header = JwsHeader::new(JwsAlgorithm::ES256).with_kid("op-unknown");
                    jwt::encode(&header, &claims, &key).unwrap()
                } else {
                    let header = JwsHeader::new(JwsAlgorithm::ES256).with_kid("op-1");
                    jwt::encode(&header, &claims, self.key.as_ref()).unwrap()
                };
                let mut body = self.tokens(l, Some("openid profile"));
                body["access_token"] = "at-login".into();
                body["id_token"] = id_token.into();
                json_response(200, body)
            }
            _ => oauth_error(400, "unsupported_grant_type", "no such grant"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Running the binary.

/// A child process, killed (and reaped) on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// The reason of a failure: the last stderr line.
    fn reason(&self) -> &str {
        self.stderr.trim_end().lines().last().unwrap_or("")
    }
}

const CHILD_DEADLINE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(20);

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_authcore"));
    c.args(args)
        .env_remove("AUTHCORE_CLIENT_SECRET")
        .env_remove("AUTHCORE_TOKEN")
        .env_remove("AUTHCORE_REFRESH_TOKEN")
        .env_remove("AUTHCORE_ACCESS_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn reader(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

/// Waits for the child, bounded by [`CHILD_DEADLINE`].
fn finish(
    mut guard: Guard,
    stdout: std::thread::JoinHandle<String>,
    stderr: impl FnOnce() -> String,
) -> Out {
    let mut status = None;
    for _ in 0..(CHILD_DEADLINE.as_millis() / POLL.as_millis()) {
        if let Some(s) = guard.0.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(POLL);
    }
    let status = status.expect("the command finishes in time");
    Out {
        code: status.code().expect("an exit status, not a signal"),
        stdout: stdout.join().unwrap(),
        stderr: stderr(),
    }
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut child = Guard(command(args, env).spawn().expect("the binary runs"));
    let out = reader(child.0.stdout.take().unwrap());
    let err = reader(child.0.stderr.take().unwrap());
    finish(child, out, move || err.join().unwrap())
}

fn run(args: &[&str]) -> Out {
    run_env(args, &[])
}

#[track_caller]
fn ok(args: &[&str]) -> Out {
    let out = run(args);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out
}

#[track_caller]
fn fails(code: i32, args: &[&str], env: &[(&str, &str)], reason: &str) -> Out {
    let out = run_env(args, env);
    assert_eq!(out.code, code, "{args:?}: {} / {}", out.stdout, out.stderr);
    assert!(
        out.stdout.is_empty(),
        "no output on failure: {}",
        out.stdout
    );
    assert!(
        out.reason().contains(reason),
        "{args:?}: expected `{reason}` in the last stderr line: {}",
        out.stderr
    );
    out
}

/// The command `sub` at `issuer` as the client `client_id`, then `rest`.
fn as_client<'a>(
    sub: &[&'a str],
    issuer: &'a str,
    client_id: &'a str,
    rest: &[&'a str],
) -> Vec<&'a str> {
    let mut v = sub.to_vec();
    v.extend(["--issuer", issuer, "--client-id", client_id]);
    v.extend(rest);
    v
}

/// [`as_client`] as the confidential client with its secret on the command line.
fn with_client<'a>(sub: &[&'a str], issuer: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = as_client(sub, issuer, CLIENT_ID, &["--client-secret", CLIENT_SECRET]);
    v.extend(rest);
    v
}

/// `authcore oidc userinfo` at `issuer` with the access token `token`, then `rest`.
fn userinfo_args<'a>(issuer: &'a str, token: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "oidc",
        "userinfo",
        "--issuer",
        issuer,
        "--access-token",
        token,
    ];
    v.extend(rest);
    v
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------
// oidc discover

#[test]
fn discover_prints_the_validated_metadata() {
    let fake = Fake::start();
    let out = ok(&["oidc", "discover", &fake.issuer]);
    let m = out.json();
    assert_eq!(m["issuer"], fake.issuer.as_str());
    assert_eq!(m["jwks_uri"], format!("{}/jwks", fake.issuer));
    assert_eq!(m["id_token_signing_alg_values_supported"], json!(["ES256"]));
}

#[test]
fn discover_rejects_a_document_for_another_issuer() {
    let fake = Fake::start();
    fake.with(|s| s.wrong_issuer = true);
    fails(1, &["oidc", "discover", &fake.issuer], &[], "other.example");
}

#[test]
fn unreachable_issuer_is_a_network_error() {
    let issuer = format!("http://127.0.0.1:{}", closed_port());
    fails(2, &["oidc", "discover", &issuer], &[], "network error");
    let args = with_client(&["oauth2", "client-credentials"], &issuer, &[]);
    fails(2, &args, &[], "network error");
}

#[test]
fn usage_errors_exit_2() {
    fails(2, &["oauth2", "client-credentials", "--bogus"], &[], "");
    fails(
        2,
        &[
            "oauth2",
            "client-credentials",
            "--issuer",
            "https://as.example",
        ],
        &[],
        "",
    );
    fails(
        2,
        &["oidc", "discover", "http://as.example"],
        &[],
        "--allow-http",
    );
    fails(2, &["oidc", "discover", "ftp://as.example"], &[], "scheme");
    let fake = Fake::start();
    let args = as_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        CLIENT_ID,
        &["--auth-method", "client_secret_post"],
    );
    fails(2, &args, &[], "--client-secret");
    let args = as_client(
        &["login"],
        &fake.issuer,
        CLIENT_ID,
        &["--no-browser", "--redirect-uri", "http://localhost:0/cb"],
    );
    fails(2, &args, &[], "127.0.0.1");
    assert!(fake.log().is_empty(), "nothing was sent");
}

#[test]
fn allow_http_lifts_only_the_tools_own_refusal() {
    // 192.0.2.0/24 is TEST-NET-1: nothing answers; the attempt shows the check was passed.
    let issuer = "http://192.0.2.1:9";
    fails(2, &["oidc", "discover", issuer], &[], "--allow-http");
    let args = [
        "oidc",
        "discover",
        issuer,
        "--allow-http",
        "--http-timeout",
        "1",
    ];
    let out = fails(2, &args, &[], "network error");
    assert!(!out.stderr.contains("--allow-http"), "{}", out.stderr);
}

#[test]
fn help_documents_every_command() {
    let top = ok(&["--help"]).stdout;
    for c in ["jws", "jwt", "jwk", "oauth2", "oidc", "login"] {
        assert!(top.contains(c), "{c} in --help");
    }
    let o = ok(&["oauth2", "--help"]).stdout;
    for c in [
        "client-credentials",
        "device",
        "refresh",
        "introspect",
        "revoke",
    ] {
        assert!(o.contains(c), "{c} in oauth2 --help");
    }
    let o = ok(&["oidc", "--help"]).stdout;
    for c in ["discover", "userinfo"] {
        assert!(o.contains(c), "{c} in oidc --help");
    }
    let login = ok(&["login", "--help"]).stdout;
    for flag in [
        "--redirect-uri",
        "--par",
        "--dpop",
        "--no-browser",
        "--timeout",
        "--scope",
    ] {
        assert!(login.contains(flag), "{flag} in login --help");
    }
}

// ---------------------------------------------------------------------------------------
// oauth2 client-credentials

#[test]
fn client_credentials_with_basic_authentication() {
    let fake = Fake::start();
    let args = with_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        &[
            "--scope",
            "read write",
            "--resource",
            "https://api.example/",
        ],
    );
    let t = ok(&args).json();
    assert_eq!(t["access_token"], "at-cc");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["scope"], "read write");
    let l = fake.last("/token");
    assert_eq!(
        l.authorization.as_deref(),
        Some(basic(CLIENT_ID, CLIENT_SECRET).as_str())
    );
    assert_eq!(l.form["grant_type"], "client_credentials");
    assert_eq!(l.form["resource"], "https://api.example/");
    assert!(!l.form.contains_key("client_secret"));
}

#[test]
fn client_secret_from_the_environment_and_post_authentication() {
    let fake = Fake::start();
    let args = as_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        CLIENT_ID,
        &["--auth-method", "client_secret_post"],
    );
    let out = run_env(&args, &[("AUTHCORE_CLIENT_SECRET", CLIENT_SECRET)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let l = fake.last("/token");
    assert_eq!(l.authorization, None);
    assert_eq!(l.form["client_secret"], CLIENT_SECRET);
}

#[test]
fn invalid_client_from_the_server_exits_1_with_its_error() {
    let fake = Fake::start();
    let args = as_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        CLIENT_ID,
        &["--client-secret", "wrong"],
    );
    let out = fails(1, &args, &[], "invalid_client");
    assert!(
        out.reason().contains("client authentication failed"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains("wrong"), "the secret is not echoed");
}

#[test]
fn client_credentials_with_jwt_assertions() {
    let fake = Fake::start();
    let args = with_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        &["--auth-method", "client_secret_jwt"],
    );
    ok(&args);
    let l = fake.last("/token");
    assert!(l.form.contains_key("client_assertion"));

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("oauth-commands");
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join(format!("client-{}.jwk", std::process::id()));
    std::fs::write(&key_file, fake.client_key.to_json()).unwrap();
    let key = key_file.to_str().unwrap();
    let args = as_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        KEY_CLIENT,
        &["--private-key", key],
    );
    let t = ok(&args).json();
    assert_eq!(t["access_token"], "at-cc");
    assert_eq!(fake.last("/token").form["client_id"], KEY_CLIENT);
    // A JWK Set holding the one key works too (providers hand out client keys that way).
    let set_file = dir.join(format!("client-set-{}.json", std::process::id()));
    std::fs::write(
        &set_file,
        JwkSet::new(vec![fake.client_key.clone()]).to_json(),
    )
    .unwrap();
    let args = as_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        KEY_CLIENT,
        &["--private-key", set_file.to_str().unwrap()],
    );
    let out = run(&args);
    let _ = std::fs::remove_file(&set_file);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The server rejects an assertion signed for another client.
    let args = as_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        CLIENT_ID,
        &["--private-key", key],
    );
    fails(1, &args, &[], "invalid_client");
    let _ = std::fs::remove_file(&key_file);
}

#[test]
fn client_credentials_with_dpop() {
    let fake = Fake::start();
    let args = with_client(&["oauth2", "client-credentials"], &fake.issuer, &["--dpop"]);
    let t = ok(&args).json();
    assert_eq!(t["token_type"], "DPoP");
    assert_eq!(t["dpop_key"]["kty"], "EC");
    assert!(
        t["dpop_key"]["d"].is_string(),
        "the generated private key is printed"
    );
    let proof = fake.last("/token").dpop.expect("a DPoP proof");
    let header = jws::decode_header_unverified(&proof).unwrap();
    assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
    assert!(header.jwk.is_some());
}

// ---------------------------------------------------------------------------------------
// oauth2 device

#[test]
fn device_flow_shows_the_code_polls_and_prints_tokens() {
    let fake = Fake::start();
    let args = as_client(
        &["oauth2", "device"],
        &fake.issuer,
        PUBLIC_CLIENT,
        &["--scope", "read"],
    );
    let out = ok(&args);
    assert!(out.stderr.contains(USER_CODE), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("{}/activate", fake.issuer)),
        "{}",
        out.stderr
    );
    let t = out.json();
    assert_eq!(t["access_token"], "at-cc");
    assert_eq!(t["refresh_token"], "rt-1");
    assert_eq!(fake.state.lock().unwrap().device_polls, 2);
    assert_eq!(fake.last("/device").form["scope"], "read");
}

#[test]
fn device_flow_resumes_after_a_transient_503() {
    let fake = Fake::start();
    fake.with(|s| s.device_unavailable_once = true);
    let args = as_client(&["oauth2", "device"], &fake.issuer, PUBLIC_CLIENT, &[]);
    let out = ok(&args);
    assert!(out.stderr.contains("polling again"), "{}", out.stderr);
    assert_eq!(out.json()["access_token"], "at-cc");
    assert_eq!(fake.state.lock().unwrap().device_polls, 2);
}

#[test]
fn a_refused_server_answer_exits_1() {
    // The server answered, with a redirect that is never followed: its answer is refused.
    let fake = Fake::start();
    fake.with(|s| s.token_redirect = true);
    let args = with_client(&["oauth2", "client-credentials"], &fake.issuer, &[]);
    fails(1, &args, &[], "not followed");
}

#[test]
fn device_flow_denied_exits_1() {
    let fake = Fake::start();
    fake.with(|s| s.deny_device = true);
    let args = as_client(&["oauth2", "device"], &fake.issuer, PUBLIC_CLIENT, &[]);
    fails(1, &args, &[], "access_denied");
}

// ---------------------------------------------------------------------------------------
// oauth2 refresh, introspect, revoke

#[test]
fn refresh_prints_new_tokens_and_notes_rotation() {
    let fake = Fake::start();
    let args = with_client(
        &["oauth2", "refresh"],
        &fake.issuer,
        &["--refresh-token", "rt-1", "--scope", "read"],
    );
    let out = ok(&args);
    assert_eq!(out.json()["refresh_token"], "rt-2");
    assert!(out.stderr.contains("rotated"), "{}", out.stderr);
    assert_eq!(fake.last("/token").form["scope"], "read");

    let args = with_client(&["oauth2", "refresh"], &fake.issuer, &[]);
    let out = run_env(&args, &[("AUTHCORE_REFRESH_TOKEN", "stale")]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.reason().contains("invalid_grant"), "{}", out.stderr);
    assert!(
        out.reason().contains("unknown refresh token"),
        "{}",
        out.stderr
    );
}

#[test]
fn introspect_prints_the_answer() {
    let fake = Fake::start();
    let args = with_client(
        &["oauth2", "introspect"],
        &fake.issuer,
        &["--token", "at-cc", "--token-type-hint", "access_token"],
    );
    let r = ok(&args).json();
    assert_eq!(r["active"], true);
    assert_eq!(r["scope"], "read write");
    assert_eq!(r["sub"], "user-1");
    assert_eq!(
        fake.last("/introspect").form["token_type_hint"],
        "access_token"
    );

    let args = with_client(
        &["oauth2", "introspect"],
        &fake.issuer,
        &["--token", "nope"],
    );
    assert_eq!(ok(&args).json(), json!({"active": false}));
}

#[test]
fn revoke_reports_success_and_server_errors() {
    let fake = Fake::start();
    let args = with_client(
        &["oauth2", "revoke"],
        &fake.issuer,
        &["--token", "rt-1", "--token-type-hint", "refresh_token"],
    );
    assert_eq!(ok(&args).json(), json!({"revoked": true}));
    let l = fake.last("/revoke");
    assert_eq!(l.form["token"], "rt-1");
    assert_eq!(l.form["token_type_hint"], "refresh_token");

    let args = as_client(
        &["oauth2", "revoke"],
        &fake.issuer,
        CLIENT_ID,
        &["--client-secret", "wrong", "--token", "x"],
    );
    fails(1, &args, &[], "invalid_client");

    fake.with(|s| s.revocation_unavailable = true);
    let args = with_client(&["oauth2", "revoke"], &fake.issuer, &["--token", "rt-1"]);
    fails(1, &args, &[], "retry after 7 s");
}

/// Tokens and secrets are base64url more often than not, so they can begin with `-`; such a
/// value is taken as the option's value, never as another option.
#[test]
fn values_that_begin_with_a_hyphen_are_values() {
    let fake = Fake::start();
    let args = with_client(
        &["oauth2", "revoke"],
        &fake.issuer,
        &["--token", "-9rt", "--token-type-hint", "refresh_token"],
    );
    assert_eq!(ok(&args).json(), json!({"revoked": true}));
    assert_eq!(fake.last("/revoke").form["token"], "-9rt");

    let args = with_client(
        &["oauth2", "refresh"],
        &fake.issuer,
        &["--refresh-token", "-rt"],
    );
    let out = fails(1, &args, &[], "invalid_grant");
    assert_eq!(fake.last("/token").form["refresh_token"], "-rt");
    assert!(
        !out.stderr.contains("unexpected argument"),
        "{}",
        out.stderr
    );

    let args = userinfo_args(&fake.issuer, "-9bad", &[]);
    fails(1, &args, &[], "invalid_token");

    let args = as_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        CLIENT_ID,
        &["--client-secret", "-wrong"],
    );
    fails(1, &args, &[], "invalid_client");

    // A registration endpoint's random base64url client id can begin with `-` too.
    let args = as_client(
        &["oauth2", "client-credentials"],
        &fake.issuer,
        "-9client",
        &[
            "--client-secret",
            CLIENT_SECRET,
            "--auth-method",
            "client_secret_post",
        ],
    );
    let out = fails(1, &args, &[], "invalid_client");
    assert!(
        !out.stderr.contains("unexpected argument"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.last("/token").form["client_id"], "-9client");
}

// ---------------------------------------------------------------------------------------
// mutual TLS (RFC 8705), against the mutual TLS provider stub of authcore-tests

#[test]
fn mutual_tls_client_credentials_userinfo_and_discovery() {
    let op = authcore_tests::mtls::MtlsProvider::start();
    let dir = authcore_tests::mtls::tls_dir();
    let cert = dir.join("client-identity.pem");
    let ca = dir.join("ca.pem");
    let (cert, ca) = (cert.to_str().unwrap(), ca.to_str().unwrap());
    let tls = ["--client-cert", cert, "--ca-cert", ca];
    let base = ["--issuer", op.issuer.as_str()];

    // tls_client_auth is the default with a certificate; the token endpoint is the alias.
    let mut args = vec!["oauth2", "client-credentials"];
    args.extend(base);
    args.extend(["--client-id", "mtls-client"]);
    args.extend(tls);
    let tokens = ok(&args).json();
    assert_eq!(tokens["access_token"], "at-for-mtls-client");

    // UserInfo at its alias, about the certificate's subject.
    let mut args = vec!["oidc", "userinfo"];
    args.extend(base);
    args.extend([
        "--access-token",
        "at-for-mtls-client",
        "--sub",
        "mtls-client",
    ]);
    args.extend(tls);
    assert_eq!(ok(&args).json()["sub"], "mtls-client");

    // Discovery over mutual TLS, aliases printed as received.
    let mut args = vec!["oidc", "discover", op.issuer.as_str()];
    args.extend(tls);
    let meta = ok(&args).json();
    assert_eq!(
        meta["mtls_endpoint_aliases"]["token_endpoint"],
        format!("{}/mtls/token", op.issuer)
    );

    // A certificate for another client id: the server's refusal, exit 1.
    let mut args = vec!["oauth2", "client-credentials"];
    args.extend(base);
    args.extend(["--client-id", "someone-else"]);
    args.extend(tls);
    fails(1, &args, &[], "invalid_client");

    // Without the certificate the handshake fails: a network error, exit 2.
    let mut args = vec!["oauth2", "client-credentials"];
    args.extend(base);
    args.extend(["--client-id", "mtls-client", "--ca-cert", ca]);
    args.extend(["--auth-method", "none"]);
    fails(2, &args, &[], "network error");
}

#[test]
fn mutual_tls_usage_errors() {
    let op = authcore_tests::mtls::MtlsProvider::start();
    let ca = authcore_tests::mtls::tls_dir().join("ca.pem");
    let ca = ca.to_str().unwrap();
    for method in ["tls_client_auth", "self_signed_tls_client_auth"] {
        let args = as_client(
            &["oauth2", "client-credentials"],
            &op.issuer,
            "mtls-client",
            &["--auth-method", method],
        );
        fails(2, &args, &[], "needs --client-cert");
    }
    // A certificate without its key, and a file that is no PEM at all.
    for (flag, file) in [
        ("--client-cert", ca),
        ("--ca-cert", env!("CARGO_MANIFEST_DIR")),
    ] {
        let args = as_client(
            &["oauth2", "client-credentials"],
            &op.issuer,
            "mtls-client",
            &[flag, file],
        );
        let out = run(&args);
        assert_eq!(out.code, 2, "{flag}: {}", out.stderr);
    }
}

// ---------------------------------------------------------------------------------------
// oidc userinfo

#[test]
fn userinfo_with_bearer_and_dpop_tokens() {
    let fake = Fake::start();
    let c = ok(&userinfo_args(&fake.issuer, "at-cc", &[])).json();
    assert_eq!(c, json!({"sub": "user-1", "name": "Test User"}));
    assert!(
        fake.last("/userinfo")
            .authorization
            .unwrap()
            .starts_with("Bearer ")
    );

    let out = fails(
        1,
        &userinfo_args(&fake.issuer, "bad", &[]),
        &[],
        "invalid_token",
    );
    assert!(out.reason().contains("unknown token"), "{}", out.stderr);
    let args = userinfo_args(&fake.issuer, "at-cc", &["--sub", "user-2"]);
    fails(1, &args, &[], "user-2");

    // The sub of an ID token (only its payload is read), given as text.
    let id_token = |sub: &str| {
        format!(
            "{}.{}.c2ln",
            b64::encode(br#"{"alg":"ES256"}"#),
            b64::encode(json!({"sub": sub}).to_string().as_bytes())
        )
    };
    let good = id_token("user-1");
    let args = userinfo_args(&fake.issuer, "at-cc", &["--id-token", &good]);
    let out = ok(&args);
    assert!(!out.stderr.contains("not checked"), "{}", out.stderr);
    // OpenID Connect Core §5.3.2: claims about another subject are refused, exit 1.
    let other = id_token("user-2");
    let args = userinfo_args(&fake.issuer, "at-cc", &["--id-token", &other]);
    fails(1, &args, &[], "user-2");
    // Both is a usage error.
    let args = userinfo_args(
        &fake.issuer,
        "at-cc",
        &["--sub", "user-1", "--id-token", &good],
    );
    fails(2, &args, &[], "");
    // Neither: the claims are printed and stderr says the subject was not checked.
    let args = userinfo_args(&fake.issuer, "at-cc", &[]);
    let out = ok(&args);
    assert!(out.stderr.contains("not checked"), "{}", out.stderr);

    // A DPoP-bound token: the key file from a `--dpop` run.
    let args = with_client(&["oauth2", "client-credentials"], &fake.issuer, &["--dpop"]);
    let t = ok(&args).json();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("oauth-commands");
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join(format!("dpop-{}.jwk", std::process::id()));
    std::fs::write(&key_file, t["dpop_key"].to_string()).unwrap();
    let args = userinfo_args(
        &fake.issuer,
        "at-cc",
        &["--dpop-key", key_file.to_str().unwrap()],
    );
    let out = run_env(&args, &[]);
    let _ = std::fs::remove_file(&key_file);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let l = fake.last("/userinfo");
    assert!(l.authorization.unwrap().starts_with("DPoP "));
    let proof = l.dpop.expect("a proof");
    let payload = b64::decode(proof.split('.').nth(1).unwrap()).unwrap();
    let proof: Value = serde_json::from_slice(&payload).unwrap();
    assert!(proof["ath"].is_string(), "the proof is bound to the token");
}

// ---------------------------------------------------------------------------------------
// login

/// Plays the user and the browser for a running `login`: reads the authorization URL from
/// its stderr, issues a code for that request and sends the redirect to the loopback
/// listener. `callback` builds the redirect's query from (code, state, issuer).
fn login(fake: &Fake, extra: &[&str], callback: impl FnOnce(&str, &str, &str) -> String) -> Out {
    let client = ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET];
    login_as(fake, &client, extra, callback)
}

/// As [`login`], with the client arguments given.
fn login_as(
    fake: &Fake,
    client: &[&str],
    extra: &[&str],
    callback: impl FnOnce(&str, &str, &str) -> String,
) -> Out {
    let client_id = client[1];
    let mut args = vec![
        "login",
        "--issuer",
        &fake.issuer,
        "--no-browser",
        "--timeout",
        "30",
    ];
    args.extend(client);
    args.extend(extra);
    let mut child = Guard(command(&args, &[]).spawn().expect("the binary runs"));
    let out = reader(child.0.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel::<String>();
    let stderr = child.0.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().take(1000) {
            let Ok(line) = line else { break };
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    // The authorization URL, bounded in lines and time.
    let mut url = None;
    for _ in 0..100 {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => {
                if let Some(u) = line.split("sign in: ").nth(1) {
                    url = Some(u.trim().to_owned());
                    break;
                }
            }
            Err(_) => break,
        }
    }
    let url = url::Url::parse(&url.expect("the authorization URL on stderr")).unwrap();
    assert_eq!(url.path(), "/authorize");
    let mut q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    if let Some(uri) = q.get("request_uri").cloned() {
        // PAR: the request itself was pushed.
        assert_eq!(q.len(), 2, "only client_id and request_uri: {q:?}");
        q = fake.state.lock().unwrap().pushed[&uri].clone();
    }
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], client_id);
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].split(' ').any(|s| s == "openid"), "{q:?}");
    let redirect_uri = q["redirect_uri"].clone();
    fake.with(|s| {
        s.codes.insert(
            "code-1".into(),
            CodeGrant {
                challenge: q["code_challenge"].clone(),
                redirect_uri: redirect_uri.clone(),
                nonce: q["nonce"].clone(),
            },
        );
    });
    // A browser asks for other things too: answered 404, the wait goes on.
    let origin = redirect_uri.rsplit_once('/').unwrap().0;
    let other = browser_get(&format!("{origin}/favicon.ico"));
    assert!(other.starts_with("HTTP/1.1 404"), "{other}");
    let query = callback("code-1", &q["state"], &fake.issuer);
    let page = browser_get(&format!("{redirect_uri}?{query}"));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    finish(child, out, move || err_thread.join().unwrap())
}

/// A GET to the loopback listener, as a browser would send it; returns the raw response.
fn browser_get(uri: &str) -> String {
    let u = url::Url::parse(uri).unwrap();
    let addr = SocketAddr::new(u.host_str().unwrap().parse().unwrap(), u.port().unwrap());
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let target = format!("{}?{}", u.path(), u.query().unwrap_or(""));
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    let _ = s.take(64 * 1024).read_to_string(&mut resp);
    resp
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn login_exchanges_the_code_and_validates_the_id_token() {
    let fake = Fake::start();
    let out = login(&fake, &["--scope", "openid profile"], |code, state, iss| {
        format!("code={code}&state={}&iss={}", enc(state), enc(iss))
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["tokens"]["access_token"], "at-login");
    assert!(v["tokens"]["id_token"].is_string());
    assert_eq!(v["claims"]["sub"], "user-1");
    assert_eq!(v["claims"]["iss"], fake.issuer.as_str());
    assert_eq!(v["claims"]["aud"], CLIENT_ID);
    assert!(v["claims"]["nonce"].is_string());
    let l = fake.last("/token");
    assert_eq!(l.form["grant_type"], "authorization_code");
    assert!(l.form["redirect_uri"].starts_with("http://127.0.0.1:"));
    assert!(fake.log().iter().any(|l| l.path == "/jwks"));
    let _ = &fake.signing_key;
}

#[test]
fn login_with_par_and_dpop() {
    let fake = Fake::start();
    let out = login(&fake, &["--par", "--dpop"], |code, state, iss| {
        format!("code={code}&state={}&iss={}", enc(state), enc(iss))
    });
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["tokens"]["token_type"], "DPoP");
    assert!(v["tokens"]["dpop_key"]["d"].is_string());
    let par = fake.last("/par");
    assert!(par.dpop.is_some(), "the PAR request carries a proof");
    assert_eq!(
        par.form["dpop_jkt"],
        v["tokens"]["dpop_jkt"].as_str().unwrap()
    );
}

#[test]
fn login_rejects_a_wrong_state() {
    let fake = Fake::start();
    let out = login(&fake, &[], |code, _, iss| {
        format!("code={code}&state=forged&iss={}", enc(iss))
    });
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.reason().contains("state"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        fake.log().iter().all(|l| l.path != "/token"),
        "no code exchange"
    );
}

#[test]
fn login_reports_an_error_response() {
    let fake = Fake::start();
    let out = login(&fake, &[], |_, state, iss| {
        format!(
            "error=access_denied&error_description=the+user+declined&state={}&iss={}",
            enc(state),
            enc(iss)
        )
    });
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.reason().contains("access_denied"), "{}", out.stderr);
    assert!(out.reason().contains("the user declined"), "{}", out.stderr);
}

#[test]
fn login_rejects_an_id_token_with_another_nonce() {
    let fake = Fake::start();
    fake.with(|s| s.wrong_nonce = true);
    let out = login(&fake, &[], |code, state, iss| {
        format!("code={code}&state={}&iss={}", enc(state), enc(iss))
    });
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.reason().contains("nonce"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn login_as_a_public_client() {
    let fake = Fake::start();
    let out = login_as(
        &fake,
        &["--client-id", PUBLIC_CLIENT],
        &["--scope", "openid"],
        |code, state, iss| format!("code={code}&state={}&iss={}", enc(state), enc(iss)),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["claims"]["aud"], PUBLIC_CLIENT);
    let l = fake.last("/token");
    assert_eq!(l.authorization, None);
    assert_eq!(l.form["client_id"], PUBLIC_CLIENT);
    assert!(l.form.contains_key("code_verifier"));
}

#[test]
fn login_rejects_an_id_token_signed_by_an_unknown_key() {
    let fake = Fake::start();
    fake.with(|s| s.foreign_key = true);
    let out = login(&fake, &[], |code, state, iss| {
        format!("code={code}&state={}&iss={}", enc(state), enc(iss))
    });
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.reason().contains("ID token"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let fetches = fake.log().iter().filter(|l| l.path == "/jwks").count();
    assert!(
        fetches <= 2,
        "the JWK Set is fetched at most twice: {fetches}"
    );
}

#[test]
fn login_times_out_without_a_redirect() {
    let fake = Fake::start();
    let args = as_client(
        &["login"],
        &fake.issuer,
        CLIENT_ID,
        &["--no-browser", "--timeout", "1"],
    );
    let out = fails(2, &args, &[], "within 1 s");
    assert!(
        out.stderr.contains("/authorize?"),
        "the URL was shown: {}",
        out.stderr
    );
}

#[cfg(feature = "aws-lc-rs")]
#[test]
fn flows_with_the_aws_lc_rs_provider() {
    let fake = Fake::start();
    let out = login(
        &fake,
        &["--provider", "aws-lc-rs", "--dpop"],
        |code, state, iss| format!("code={code}&state={}&iss={}", enc(state), enc(iss)),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["claims"]["sub"], "user-1");
    let args = with_client(
        &["--provider", "aws-lc-rs", "oauth2", "client-credentials"],
        &fake.issuer,
        &["--auth-method", "client_secret_jwt"],
    );
    assert_eq!(ok(&args).json()["access_token"], "at-cc");
}
