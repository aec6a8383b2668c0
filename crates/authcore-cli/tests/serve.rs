//! `authcore serve` and its administration commands, run as the built binary: start on
//! 127.0.0.1:0, health and discovery, graceful stop on SIGTERM with a request in flight,
//! users, clients, key rotation, configuration errors, data surviving a restart, HTTPS, and
//! `authcore demo`.
//!
//! Every server is a [`Server`] guard: it is stopped (killed if need be) when the test ends,
//! also on failure; every wait has a deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a server may take to print its `listening on` line (a debug build hashes alice's
/// password with Argon2 at the first start).
const READY_DEADLINE: Duration = Duration::from_secs(120);
/// How long a stopping server may take to exit.
const EXIT_DEADLINE: Duration = Duration::from_secs(60);

/// When a wait gives up: the tests' one reading of the (monotonic) clock, which bounds
/// loops and never decides an assertion about timing.
struct Deadline(Instant);

impl Deadline {
    #[allow(clippy::disallowed_methods)]
    fn after(d: Duration) -> Self {
        Deadline(Instant::now() + d)
    }

    #[allow(clippy::disallowed_methods)]
    fn passed(&self) -> bool {
        Instant::now() >= self.0
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_authcore"))
}

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("authcore-serve")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn repo_file(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

/// One run of a short command: exit code, stdout, stderr.
fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let out = child.wait_with_output().expect("the binary finishes");
    (
        out.status.code().expect("an exit status, not a signal"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[track_caller]
fn ok_json(args: &[&str], stdin: &str) -> Value {
    let (code, out, err) = run(args, stdin);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: stdout {out:?}: {e}"))
}

/// A running `authcore serve`, stopped when dropped.
struct Server {
    child: Option<Child>,
    addr: SocketAddr,
    base: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `authcore serve ARGS --listen 127.0.0.1:0` and waits for its `listening on`
    /// line.
    fn start(args: &[&str]) -> Server {
        let mut child = bin()
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("stderr is piped");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let out = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = Server {
            child: Some(child),
            addr: "127.0.0.1:1".parse().unwrap(),
            base: String::new(),
            stderr,
        };
        let line = rx
            .recv_timeout(READY_DEADLINE)
            .unwrap_or_else(|_| panic!("no `listening on` line; stderr: {}", server.stderr()));
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected line {line:?}; stderr: {}", server.stderr()))
            .to_owned();
        server.addr = base
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .parse()
            .expect("a socket address");
        server.base = base;
        // The start-up lines on stderr come before the one on stdout, but are read by
        // another thread: wait for the last of them.
        let deadline = Deadline::after(READY_DEADLINE);
        while !server.stderr().contains("authcore: issuer ") {
            assert!(!deadline.passed(), "stderr: {}", server.stderr());
            std::thread::sleep(Duration::from_millis(10));
        }
        server
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends SIGTERM.
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the exit, with a deadline.
    fn wait(&mut self) -> ExitStatus {
        let child = self.child.as_mut().expect("running");
        let deadline = Deadline::after(EXIT_DEADLINE);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                self.child = None;
                return status;
            }
            assert!(!deadline.passed(), "the server did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> ExitStatus {
        self.terminate();
        self.wait()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A plain HTTP/1.1 exchange on a new connection: the status and the body.
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    read_response(&mut s)
}

fn read_response(s: &mut TcpStream) -> (u16, String) {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read the response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn get_json(addr: SocketAddr, path: &str) -> Value {
    let (status, body) = http(addr, "GET", path, "");
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {body:?}: {e}"))
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid").to_owned())
        .collect()
}

#[test]
fn serve_dev_answers_health_and_discovery_and_stops_gracefully() {
    let data = dir("graceful");
    let server = Server::start(&["--dev", "--data", data.to_str().unwrap()]);
    assert!(server.base.starts_with("http://127.0.0.1:"));
    let stderr = server.stderr();
    assert!(stderr.contains("DEVELOPMENT MODE"), "{stderr}");

    let (status, _) = http(server.addr, "GET", "/healthz", "");
    assert_eq!(status, 200);
    let discovery = get_json(server.addr, "/.well-known/openid-configuration");
    assert_eq!(discovery["issuer"], server.base.as_str());
    assert_eq!(
        discovery["token_endpoint"],
        format!("{}/token", server.base).as_str()
    );
    assert_eq!(
        discovery["registration_endpoint"],
        format!("{}/register", server.base).as_str()
    );
    assert!(discovery["jwks_uri"].is_string());
    let jwks = get_json(server.addr, "/jwks");
    let algs: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["alg"].as_str())
        .collect();
    for alg in ["RS256", "ES256", "EdDSA"] {
        assert!(algs.contains(&alg), "{alg} in {algs:?}");
    }

    // A request in flight: the head and half the body sent, then SIGTERM.
    let body = "grant_type=client_credentials&client_id=nobody";
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        conn,
        "POST /token HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
        server.addr,
        body.len(),
        &body[..10]
    )
    .unwrap();
    conn.flush().unwrap();
    let mut server = server;
    server.terminate();
    // Shutdown has begun once the listener is gone: new connections are refused.
    let deadline = Deadline::after(EXIT_DEADLINE);
    while TcpStream::connect_timeout(&server.addr, Duration::from_secs(1)).is_ok() {
        assert!(!deadline.passed(), "the listener stayed open");
        std::thread::sleep(Duration::from_millis(20));
    }
    conn.write_all(&body.as_bytes()[10..]).unwrap();
    let (status, answer) = read_response(&mut conn);
    // The request was answered (an unknown client: RFC 6749 §5.2 invalid_client).
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("invalid_client"), "{answer}");
    let exit = server.wait();
    assert!(exit.success(), "exit {exit:?}: {}", server.stderr());
    assert!(data.join("authcore.db").is_file());
}

#[test]
fn a_temporary_dev_directory_is_removed_at_exit() {
    let server = Server::start(&["--dev"]);
    let stderr = server.stderr();
    let line = stderr
        .lines()
        .find(|l| l.contains("temporary data directory"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let path = line
        .split("temporary data directory ")
        .nth(1)
        .and_then(|r| r.split(" (").next())
        .expect("the path")
        .to_owned();
    assert!(Path::new(&path).is_dir());
    let exit = server.stop();
    assert!(exit.success());
    assert!(!Path::new(&path).exists(), "{path} is left behind");
}

#[test]
fn an_added_user_signs_in() {
    let data = dir("user");
    let d = data.to_str().unwrap();
    let added = ok_json(
        &[
            "user",
            "add",
            "--data",
            d,
            "bob",
            "--claim",
            "name=Bob Builder",
            "--claim",
            "email=bob@example.com",
            "--claim",
            "email_verified=true",
        ],
        "can we fix it\n",
    );
    let sub = added["sub"].as_str().expect("sub").to_owned();
    assert_eq!(added["claims"]["email_verified"], true);
    // Adding again keeps the subject and, without --claim, the claims (a new password).
    let again = ok_json(&["user", "add", "--data", d, "bob"], "yes we can\n");
    assert_eq!(again["sub"], sub.as_str());
    assert_eq!(again["claims"]["email"], "bob@example.com");
    // No password: refused.
    let (code, _, err) = run(&["user", "add", "--data", d, "carol"], "");
    assert_eq!(code, 2, "{err}");

    let server = Server::start(&["--dev", "--data", d]);
    let signed_in = ok_json(
        &["demo", "--issuer", &server.base, "--username", "bob"],
        "yes we can\n",
    );
    assert_eq!(signed_in["id_token_claims"]["sub"], sub.as_str());
    assert_eq!(signed_in["userinfo"]["sub"], sub.as_str());
    assert_eq!(signed_in["userinfo"]["email"], "bob@example.com");
    // The old password no longer works: the login page says so, no redirect happens.
    let (code, _, err) = run(
        &["demo", "--issuer", &server.base, "--username", "bob"],
        "can we fix it\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(server.stop().success());
}

#[test]
fn client_add_prints_the_secret_once_and_stores_a_hash() {
    let data = dir("client");
    let d = data.to_str().unwrap();
    let added = ok_json(
        &[
            "client",
            "add",
            "--data",
            d,
            "--client-id",
            "svc",
            "--name",
            "Service",
            "--grant-type",
            "client_credentials",
            "--scope",
            "api:read",
        ],
        "",
    );
    assert_eq!(added["client_id"], "svc");
    let secret = added["client_secret"]
        .as_str()
        .expect("a secret")
        .to_owned();
    // The secret is not in the database file.
    let db = std::fs::read(data.join("authcore.db")).unwrap();
    assert!(
        !db.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the plain secret is stored"
    );
    // The same id again is refused; so is a client the registration rules refuse.
    let (code, _, err) = run(&["client", "add", "--data", d, "--client-id", "svc"], "");
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(
        &[
            "client",
            "add",
            "--data",
            d,
            "--redirect-uri",
            "http://app.example/cb",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("redirect_uris"), "{err}");
    let public = ok_json(
        &[
            "client",
            "add",
            "--data",
            d,
            "--public",
            "--redirect-uri",
            "http://127.0.0.1/cb",
        ],
        "",
    );
    assert!(public.get("client_secret").is_none());
    assert_eq!(public["token_endpoint_auth_method"], "none");

    let server = Server::start(&["--dev", "--data", d]);
    let tokens = ok_json(
        &[
            "oauth2",
            "client-credentials",
            "--issuer",
            &server.base,
            "--client-id",
            "svc",
            "--client-secret",
            &secret,
            "--scope",
            "api:read",
        ],
        "",
    );
    assert!(tokens["access_token"].is_string(), "{tokens}");
    let (code, _, err) = run(
        &[
            "oauth2",
            "client-credentials",
            "--issuer",
            &server.base,
            "--client-id",
            "svc",
            "--client-secret",
            "wrong",
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("invalid_client"), "{err}");
    assert!(server.stop().success());
}

#[test]
fn keys_rotate_shows_in_the_jwks() {
    let data = dir("keys");
    let d = data.to_str().unwrap();
    // No keys before the first start.
    let (code, _, err) = run(&["keys", "list", "--data", d], "");
    assert_eq!(code, 2, "{err}");
    let server = Server::start(&["--dev", "--data", d]);
    let before = kids(&get_json(server.addr, "/jwks"));
    assert!(server.stop().success());

    let listed = ok_json(&["keys", "list", "--data", d], "");
    let current = |v: &Value| {
        v["signing_keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["state"] == "current")
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .expect("a current key")
    };
    let old = current(&listed);
    let rotated = ok_json(&["keys", "rotate", "--data", d], "");
    let new = current(&rotated);
    assert_ne!(old, new);
    assert_eq!(rotated["current"], new.as_str());
    assert!(
        rotated["signing_keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == old.as_str() && k["state"] == "retired")
    );
    assert!(rotated["version"].as_u64().unwrap() > listed["version"].as_u64().unwrap());

    let server = Server::start(&["--dev", "--data", d]);
    let after = kids(&get_json(server.addr, "/jwks"));
    assert!(after.contains(&new), "{new} in {after:?}");
    // The retired key is still published, for the tokens it signed.
    assert!(after.contains(&old), "{old} in {after:?}");
    assert!(
        before.contains(&new),
        "the next key was published ahead of its use"
    );
    let signed_in = ok_json(&["demo", "--issuer", &server.base], "");
    assert!(signed_in["id_token_claims"]["sub"].is_string());
    assert!(server.stop().success());
}

const CONFIG: &str = r#"
scopes = ["openid", "profile", "api:read"]

[[resource_servers]]
identifier = "https://api.example"
introspection_client_id = "api"

[[clients]]
client_id = "svc"
token_endpoint_auth_method = "client_secret_post"
grant_types = ["client_credentials"]
scope = "api:read"
resources = ["https://api.example"]

[[clients]]
client_id = "api"
grant_types = ["client_credentials"]
scope = "api:read"
"#;

/// The secret `serve` generated for `client_id`, from its stderr.
fn generated_secret(stderr: &str, client_id: &str) -> String {
    let prefix = format!("client {client_id}: generated client_secret");
    let line = stderr
        .lines()
        .find(|l| l.contains(&prefix))
        .unwrap_or_else(|| panic!("no secret for {client_id}: {stderr}"));
    line.rsplit(": ").next().unwrap().trim().to_owned()
}

#[test]
fn data_survives_a_restart() {
    let data = dir("restart");
    let d = data.to_str().unwrap();
    let config = data.join("serve.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let c = config.to_str().unwrap();

    let server = Server::start(&["--dev", "--data", d, "--config", c]);
    let stderr = server.stderr();
    let svc = generated_secret(&stderr, "svc");
    let api = generated_secret(&stderr, "api");
    let tokens = ok_json(
        &[
            "oauth2",
            "client-credentials",
            "--issuer",
            &server.base,
            "--client-id",
            "svc",
            "--client-secret",
            &svc,
            "--auth-method",
            "client_secret_post",
            "--resource",
            "https://api.example",
        ],
        "",
    );
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    assert!(server.stop().success());

    // Restarted on the same data: the secrets are kept (not shown again), the token lives.
    let server = Server::start(&["--dev", "--data", d, "--config", c]);
    assert!(
        !server.stderr().contains("generated client_secret"),
        "{}",
        server.stderr()
    );
    let introspected = ok_json(
        &[
            "oauth2",
            "introspect",
            "--issuer",
            &server.base,
            "--client-id",
            "api",
            "--client-secret",
            &api,
            "--token",
            &token,
        ],
        "",
    );
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(introspected["client_id"], "svc");
    assert!(server.stop().success());
}

#[test]
fn mistakes_are_one_line_and_exit_2_before_binding() {
    let data = dir("mistakes");
    let d = data.to_str().unwrap();
    let bad = data.join("bad.toml");
    std::fs::write(
        &bad,
        "[[clients]]\nclient_id = \"web\"\nredirect_uris = [\"https://a.example/cb\"]\n\
         grant_type = [\"authorization_code\"]\n",
    )
    .unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_addr = busy.local_addr().unwrap().to_string();
    let file = data.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let not_pem = data.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--dev", "--config", bad.to_str().unwrap()],
            "clients[0].grant_type",
        ),
        (
            vec!["--dev", "--config", "/nonexistent/authcore.toml"],
            "cannot read",
        ),
        (vec!["--issuer", "https://id.example"], "--data"),
        (vec!["--data", d], "issuer"),
        (vec!["--issuer", "http://id.example", "--data", d], "https"),
        (vec!["--dev", "--listen", &busy_addr], "cannot listen"),
        (
            vec!["--dev", "--data", file.to_str().unwrap()],
            "not a directory",
        ),
        (
            vec![
                "--dev",
                "--tls-cert",
                not_pem.to_str().unwrap(),
                "--tls-key",
                not_pem.to_str().unwrap(),
            ],
            "--tls-cert",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["serve"];
        all.extend(&args);
        let (code, out, err) = run(&all, "");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} printed {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    drop(busy);
}

#[test]
fn serve_speaks_https_with_tls_files() {
    let server = Server::start(&[
        "--dev",
        "--tls-cert",
        &repo_file("tests/tls/server-chain.pem"),
        "--tls-key",
        &repo_file("tests/tls/server.key"),
    ]);
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let discovered = ok_json(
        &[
            "oidc",
            "discover",
            &server.base,
            "--ca-cert",
            &repo_file("tests/tls/ca.pem"),
        ],
        "",
    );
    assert_eq!(discovered["issuer"], server.base.as_str());
    assert!(server.stop().success());
}

#[test]
fn the_demo_signs_alice_in() {
    let (code, out, err) = run(&["demo"], "");
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("JSON on stdout");
    let sub = v["id_token_claims"]["sub"].as_str().expect("sub");
    assert_eq!(v["userinfo"]["sub"], sub);
    assert_eq!(v["userinfo"]["email"], "alice@example.com");
    assert!(
        v["id_token_claims"]["iss"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    for step in [
        "registered client",
        "login page",
        "consent page",
        "provider stopped",
    ] {
        assert!(err.contains(step), "{step}: {err}");
    }
}

#[test]
fn an_unreachable_postgres_store_is_one_line_without_the_password_and_exit_2() {
    // A port nothing listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://authcore:hunter2@127.0.0.1:{port}/authcore");
    let data = dir("unreachable-postgres");
    let config = data.join("store.toml");
    std::fs::write(&config, format!("store = \"{url}\"\n")).unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec![
            "serve".into(),
            "--dev".into(),
            "--store".into(),
            url.clone(),
        ],
        vec![
            "serve".into(),
            "--dev".into(),
            "--config".into(),
            config.to_str().unwrap().into(),
        ],
        vec!["keys".into(), "list".into(), "--store".into(), url.clone()],
        vec!["migrate".into(), "--store".into(), url.clone()],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = run(&args, "");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} printed {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("PostgreSQL"), "{args:?}: {err}");
        assert!(
            err.contains(&format!("127.0.0.1:{port}")),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("hunter2"),
            "{args:?} shows the password: {err}"
        );
    }
}

#[test]
fn a_store_is_named_once() {
    let data = dir("store-named-once");
    let d = data.to_str().unwrap();
    for args in [
        vec!["serve", "--dev", "--data", d, "--store", "postgres://h/db"],
        vec!["keys", "list", "--data", d, "--store", d],
        vec!["keys", "list"],
        vec!["migrate", "--store", "mysql://u:hunter2@h/db"],
    ] {
        let (code, _, err) = run(&args, "");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("--store") || err.contains("neither"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("hunter2"), "{args:?}: {err}");
    }
}

#[test]
fn migrate_and_the_sqlite_path_form_of_store() {
    let data = dir("migrate-sqlite");
    let d = data.to_str().unwrap();
    let out = ok_json(&["migrate", "--data", d], "");
    assert_eq!(out["store"], "sqlite");
    assert!(out["schema_version"].as_u64().unwrap() >= 1, "{out}");
    assert!(data.join("authcore.db").is_file());
    // Idempotent, and the same directory named as a store.
    let again = ok_json(&["migrate", "--store", &format!("sqlite:{d}")], "");
    assert_eq!(again, out);
    // The keys made by `keys rotate` through `--store DIR` are the ones `--data DIR` lists.
    let rotated = ok_json(&["keys", "rotate", "--store", d], "");
    let listed = ok_json(&["keys", "list", "--data", d], "");
    assert_eq!(rotated["version"], listed["version"]);
}
