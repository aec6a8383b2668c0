//! The `authcore` OAuth 2.0 / OpenID Connect commands against node `oidc-provider` (an OpenID
//! Certified provider) on 127.0.0.1: discovery, client credentials with every client
//! authentication method the provider is set up for, DPoP, introspection and revocation, the
//! device flow, `login` (authorization code + PKCE + nonce through the loopback redirect,
//! with and without PAR and DPoP), refresh and userinfo.
//!
//! The provider and the scripted user agent (login and consent through the provider's
//! development forms) are `authcore_tests::oidc_provider`; every wait is bounded.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use authcore_tests::oidc_provider::{Browser, NATIVE_REDIRECT_URI, Provider, dir, secret};
use serde_json::Value;

/// Longest any one command may run.
const COMMAND_LIMIT: Duration = Duration::from_secs(90);

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "exit {}: {}", self.code, self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// A running `authcore` whose stderr lines arrive on a channel; killed when dropped.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr_seen: Vec<String>,
    stdout: std::thread::JoinHandle<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authcore"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start authcore");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stdout = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        Running {
            child,
            lines,
            stderr_seen: Vec::new(),
            stdout,
        }
    }

    /// Waits (bounded) for a stderr line starting with `prefix`; returns the rest of it.
    fn wait_for_line(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + COMMAND_LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.stderr_seen.push(line.clone());
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.to_owned();
                    }
                }
                Err(_) => panic!(
                    "no stderr line `{prefix}...` in time; saw:\n{}",
                    self.stderr_seen.join("\n")
                ),
            }
        }
    }

    /// Waits (bounded) for the exit; kills the process when it overstays.
    fn finish(mut self) -> Out {
        let deadline = Instant::now() + COMMAND_LIMIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "authcore still running; killed");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = std::mem::take(&mut self.stderr_seen);
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            stderr.push(line);
        }
        let (_, never) = mpsc::channel();
        let lines = std::mem::replace(&mut self.lines, never);
        drop(lines);
        let stdout = std::mem::replace(&mut self.stdout, std::thread::spawn(String::new));
        Out {
            code: status.code().unwrap_or(-1),
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join("\n"),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(args: &[&str]) -> Out {
    Running::start(args).finish()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn client_key_file() -> String {
    dir().join("client-keys.json").display().to_string()
}

#[test]
fn discover_client_credentials_introspect_revoke() {
    let op = Provider::start(None);
    let issuer = op.issuer.as_str();

    let meta = run(&["oidc", "discover", issuer]).json();
    assert_eq!(meta["issuer"], issuer);
    assert!(meta["jwks_uri"].as_str().is_some());

    let basic_secret = secret("basic");
    let common = [
        "--issuer",
        issuer,
        "--client-id",
        "basic",
        "--client-secret",
        &basic_secret,
    ];
    let cc = |extra: &[&str]| {
        let mut args = vec!["oauth2", "client-credentials"];
        args.extend_from_slice(&common);
        args.extend_from_slice(extra);
        run(&args)
    };
    // client_secret_basic (the default with a secret) and client_secret_post.
    let tokens = cc(&["--scope", "api:read"]).json();
    let at = tokens["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    assert!(
        tokens["token_type"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("bearer")
    );

    let mut args = vec!["oauth2", "introspect"];
    args.extend_from_slice(&common);
    args.extend_from_slice(&["--token", &at]);
    let info = run(&args).json();
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], "basic");

    let mut args = vec!["oauth2", "revoke"];
    args.extend_from_slice(&common);
    args.extend_from_slice(&["--token", &at, "--token-type-hint", "access_token"]);
    let revoked = run(&args);
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);

    let mut args = vec!["oauth2", "introspect"];
    args.extend_from_slice(&common);
    args.extend_from_slice(&["--token", &at]);
    assert_eq!(run(&args).json()["active"], false);

    // A wrong secret: the server's refusal, exit 1, its error code on the one stderr line.
    let refused = run(&[
        "oauth2",
        "client-credentials",
        "--issuer",
        issuer,
        "--client-id",
        "basic",
        "--client-secret",
        "wrong-secret-0123456789abcdef0123456789",
    ]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("invalid_client"),
        "{}",
        refused.stderr
    );
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);

    // private_key_jwt with the registered key, client_secret_jwt with the shared secret.
    let key_file = client_key_file();
    let pk = run(&[
        "oauth2",
        "client-credentials",
        "--issuer",
        issuer,
        "--client-id",
        "pkjwt",
        "--private-key",
        &key_file,
        "--scope",
        "api:read",
    ])
    .json();
    assert!(pk["access_token"].as_str().is_some());
    let cs_secret = secret("csjwt");
    let cs = run(&[
        "oauth2",
        "client-credentials",
        "--issuer",
        issuer,
        "--client-id",
        "csjwt",
        "--client-secret",
        &cs_secret,
        "--auth-method",
        "client_secret_jwt",
    ])
    .json();
    assert!(cs["access_token"].as_str().is_some());

    // DPoP: the provider demands nonces, so this goes through the nonce retry.
    let dpop_secret = secret("dpop");
    let dp = run(&[
        "oauth2",
        "client-credentials",
        "--issuer",
        issuer,
        "--client-id",
        "dpop",
        "--client-secret",
        &dpop_secret,
        "--dpop",
    ])
    .json();
    assert_eq!(dp["token_type"], "DPoP");
    assert!(dp["dpop_jkt"].as_str().is_some());
}

#[test]
fn device_flow() {
    let op = Provider::start(None);
    let basic_secret = secret("basic");
    let mut cli = Running::start(&[
        "oauth2",
        "device",
        "--issuer",
        &op.issuer,
        "--client-id",
        "basic",
        "--client-secret",
        &basic_secret,
        "--scope",
        "openid",
    ]);
    let line = cli.wait_for_line("authcore: to authorize, visit ");
    let (uri, code) = line
        .split_once(" and enter the code ")
        .expect("verification URI and user code");
    runtime().block_on(Browser::new().approve_device(uri, code));
    let tokens = cli.finish().json();
    assert!(tokens["access_token"].as_str().is_some());
}

/// Runs `authcore login` with `extra` flags, plays the user, returns the command's output.
fn login(issuer: &str, extra: &[&str]) -> Value {
    let redirect = NATIVE_REDIRECT_URI.replace("127.0.0.1", "127.0.0.1:0");
    let mut args = vec![
        "login",
        "--issuer",
        issuer,
        "--client-id",
        "native",
        "--redirect-uri",
        &redirect,
        "--scope",
        "openid profile email",
        "--no-browser",
        "--timeout",
        "60",
    ];
    args.extend_from_slice(extra);
    let mut cli = Running::start(&args);
    let url = cli.wait_for_line("authcore: open this URL to sign in: ");
    // The loopback redirect URI the command listens on, with the port it picked.
    let waiting = cli.wait_for_line("authcore: waiting for the redirect to ");
    let redirect_uri = waiting
        .split_whitespace()
        .next()
        .expect("the redirect URI")
        .to_owned();
    let rt = runtime();
    let callback = rt.block_on(Browser::new().stop_at(redirect_uri).authorize(&url));
    // The user agent arrives at the command's listener.
    let page = rt.block_on(async {
        authcore_reqwest::reqwest::get(&callback)
            .await
            .expect("deliver the redirect")
            .status()
    });
    assert!(
        page.is_success(),
        "the listener answered {page} to {callback}"
    );
    cli.finish().json()
}

#[test]
fn login_then_userinfo_and_refresh() {
    let op = Provider::start(None);
    let issuer = op.issuer.as_str();
    let out = login(issuer, &[]);
    assert_eq!(out["claims"]["sub"], "alice");
    assert_eq!(out["claims"]["aud"], "native");
    assert!(out["claims"]["nonce"].as_str().is_some());
    let at = out["tokens"]["access_token"]
        .as_str()
        .expect("access token");
    let rt = out["tokens"]["refresh_token"]
        .as_str()
        .expect("refresh token");

    let info = run(&[
        "oidc",
        "userinfo",
        "--issuer",
        issuer,
        "--access-token",
        at,
        "--sub",
        "alice",
    ])
    .json();
    assert_eq!(info["email"], "alice@example.com");

    let refreshed = run(&[
        "oauth2",
        "refresh",
        "--issuer",
        issuer,
        "--client-id",
        "native",
        "--auth-method",
        "none",
        "--refresh-token",
        rt,
    ])
    .json();
    let new_at = refreshed["access_token"]
        .as_str()
        .expect("new access token");
    assert_ne!(new_at, at);

    // Userinfo for another subject is a rejection (exit 1).
    let wrong = run(&[
        "oidc",
        "userinfo",
        "--issuer",
        issuer,
        "--access-token",
        new_at,
        "--sub",
        "mallory",
    ]);
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
}

#[test]
fn login_with_par_and_dpop() {
    let op = Provider::start(None);
    let issuer = op.issuer.as_str();
    let out = login(issuer, &["--par", "--dpop"]);
    assert_eq!(out["claims"]["sub"], "alice");
    assert_eq!(out["tokens"]["token_type"], "DPoP");
    let key = out["tokens"]["dpop_key"].clone();
    let key = if key.is_null() {
        out["dpop_key"].clone()
    } else {
        key
    };
    assert!(key.is_object(), "the generated DPoP key is printed: {out}");
    let key_file = std::env::temp_dir().join(format!("authcore-dpop-{}.jwk", std::process::id()));
    std::fs::write(&key_file, key.to_string()).expect("write the DPoP key");
    let at = out["tokens"]["access_token"]
        .as_str()
        .expect("access token");
    let info = run(&[
        "oidc",
        "userinfo",
        "--issuer",
        issuer,
        "--access-token",
        at,
        "--dpop-key",
        &key_file.display().to_string(),
    ]);
    let _ = std::fs::remove_file(&key_file);
    assert_eq!(info.json()["sub"], "alice");
}
