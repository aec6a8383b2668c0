//! Interop: certified and widely used relying parties against `authcore serve --dev` on
//! 127.0.0.1, end to end through its real HTTP endpoints and its login, consent and device
//! pages.
//!
//! One server for the whole file (the checks are independent: each registers its own
//! clients dynamically, RFC 7591), and every relying party a list of named checks:
//!
//! - npm `openid-client` and `oauth4webapi` (`tests/interop/serve/openid_client_rp.mjs`,
//!   `oauth4webapi_rp.mjs`): discovery, dynamic registration, code + PKCE + nonce with the ID
//!   token validated for RS256, ES256 and EdDSA, UserInfo, refresh with rotation, client
//!   credentials, the device flow approved through the provider's pages, PAR, DPoP-bound
//!   tokens at UserInfo with the nonce retry, `private_key_jwt`,
//!   introspection and revocation, RP-initiated logout; and the negatives (wrong client
//!   secret `invalid_client`, replayed code and PKCE mismatch `invalid_grant`, mismatched
//!   redirect URI shown on the page and not redirected, replayed DPoP proof
//!   `invalid_dpop_proof`);
//! - PyPI `Authlib` and `requests-oauthlib` (`python_rp.py`): code flow and client
//!   credentials;
//! - authcore-reqwest's `Client` and the `authcore login` / `authcore oauth2 device`
//!   commands (here).
//!
//! The scripts run concurrently; the user (login, consent, device code entry, logout
//! confirmation) is `tests/interop/serve/user_agent.mjs` with its `authcore` login driver.
//! The test prints every check and fails naming each one that failed. Peers are installed
//! by package name by `tests/interop/setup.sh`; every wait is bounded.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use std::sync::Arc;

use authcore_jose::crypto;
use authcore_jose::{Jwk, JwsAlgorithm, SigningKey};
use authcore_oauth2::{
    AuthorizationResponse, ClientAuthentication, ClientSecret, ErrorCode, TokenTypeHint,
};
use authcore_oidc::AuthenticationRequest;
use authcore_reqwest::Client;
use authcore_tests::peers;
use authcore_tests::serve::{
    Check, INTROSPECTOR, Serve, approve_device, assert_all_passed, authcore_bin, node, output_dir,
    run_script, scripts_dir, sign_in,
};
use serde_json::{Value, json};

/// The redirect URI of the clients registered here (nothing listens: the user agent stops
/// there). Plain http on loopback, which `--dev` allows.
const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
/// A native client's loopback redirect URI (RFC 8252 §7.3: any port is accepted).
const NATIVE_REDIRECT_URI: &str = "http://127.0.0.1/cb";
/// Longest any one `authcore` command may run.
const COMMAND_LIMIT: Duration = Duration::from_secs(90);
/// The device grant type (RFC 8628 §3.4).
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[test]
fn relying_parties_against_authcore_serve() {
    peers::setup();
    let serve = Serve::start();
    let issuer = serve.issuer.clone();

    // The scripts, concurrently (most of their time is the device flow's polling interval).
    let scripts: Vec<_> = [
        ("openid-client", "openid_client_rp.mjs"),
        ("oauth4webapi", "oauth4webapi_rp.mjs"),
    ]
    .into_iter()
    .map(|(what, script)| {
        let mut cmd = node();
        cmd.args([script, &issuer, "authcore"]);
        std::thread::spawn(move || run_script(cmd, what))
    })
    .chain(std::iter::once({
        let mut cmd = Command::new(peers::python());
        cmd.current_dir(authcore_tests::serve::scripts_dir()).args([
            "python_rp.py",
            &issuer,
            "authcore",
        ]);
        std::thread::spawn(move || run_script(cmd, "Authlib / requests-oauthlib"))
    }))
    .collect();

    // The cookies of this file's own user agent (the Rust relying parties'), kept between
    // sign-ins as one browser keeps them.
    let jar = output_dir("serve-interop").join("cookies.json");
    let mut checks = rust_checks(&issuer, &jar);
    for script in scripts {
        checks.extend(script.join().expect("a script runner panicked"));
    }
    assert_all_passed(&checks, &serve.log_text());
}

/// The checks of this workspace's own clients: authcore-reqwest's `Client` and the CLI.
fn rust_checks(issuer: &str, jar: &Path) -> Vec<Check> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    vec![
        Check::from_result(
            "authcore-reqwest: code + PKCE + nonce, ID token ES256, UserInfo, refresh with rotation",
            rt.block_on(reqwest_code_flow(issuer, jar)),
        ),
        Check::from_result(
            "authcore-reqwest: client credentials, introspection, revocation",
            rt.block_on(reqwest_client_credentials(issuer)),
        ),
        Check::from_result(
            "authcore-reqwest: device flow",
            rt.block_on(reqwest_device_flow(issuer, jar)),
        ),
        Check::from_result("authcore CLI: login", rt.block_on(cli_login(issuer, jar))),
        Check::from_result(
            "authcore CLI: oauth2 device",
            rt.block_on(cli_device(issuer, jar)),
        ),
    ]
}

/// Turns any error into the check's failure text.
fn fail(what: &str) -> impl Fn(&dyn std::fmt::Display) -> String + '_ {
    move |e| format!("{what}: {e}")
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// Registers a client (RFC 7591 §3) with `metadata`; returns the registration response.
async fn register(issuer: &str, metadata: Value) -> Result<Value, String> {
    authcore_tests::serve::register_client(issuer, &metadata).await
}

/// A web client with a secret: its `Client` from discovery.
async fn registered_client(issuer: &str, metadata: Value) -> Result<Client, String> {
    let mut body = json!({
        "client_name": "authcore-reqwest interop",
        // Loopback http redirect URIs: a native client (RFC 8252 §7.3).
        "application_type": "native",
        "redirect_uris": [REDIRECT_URI],
        "response_types": ["code"],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "client_secret_basic",
        "id_token_signed_response_alg": "ES256",
        "scope": "openid profile email offline_access",
    });
    for (k, v) in metadata.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    let reg = register(issuer, body).await?;
    let id = reg["client_id"].as_str().ok_or("no client_id")?;
    let secret = reg["client_secret"].as_str().ok_or("no client_secret")?;
    Client::builder(
        id,
        ClientAuthentication::ClientSecretBasic(ClientSecret::new(secret)),
    )
    .id_token_signed_response_alg(JwsAlgorithm::ES256)
    .discover(issuer)
    .await
    .map_err(|e| fail("discovery")(&e))
}

async fn reqwest_code_flow(issuer: &str, jar: &Path) -> Result<(), String> {
    let client = registered_client(issuer, json!({})).await?;
    let (url, pending) = client
        .authentication_url(
            AuthenticationRequest::new(REDIRECT_URI)
                .scope("profile")
                .scope("email")
                .scope("offline_access")
                .prompt("consent"),
        )
        .map_err(|e| fail("authentication request")(&e))?;
    let callback = sign_in(jar, url.as_str(), REDIRECT_URI, false)?;
    let response =
        AuthorizationResponse::from_redirect_uri(&callback).map_err(|e| fail("callback")(&e))?;
    // State, iss, code exchange, ID token (signature with the provider's ES256 key, iss,
    // aud, exp, iat, nonce, at_hash): authcore-oidc through the Client.
    let auth = client
        .authenticate(pending, &response)
        .await
        .map_err(|e| fail("authentication")(&e))?;
    let tokens = auth.tokens.as_ref().ok_or("no token response")?;
    let info = client
        .userinfo(&tokens.access_token, &auth.claims.sub)
        .await
        .map_err(|e| fail("UserInfo")(&e))?;
    ensure!(info.sub == auth.claims.sub, "UserInfo sub {}", info.sub);
    let refresh = tokens
        .refresh_token
        .as_ref()
        .ok_or("no refresh token for offline_access")?;
    let refreshed = client
        .refresh(refresh)
        .await
        .map_err(|e| fail("refresh")(&e))?;
    ensure!(refreshed.rotated, "the refresh token was not rotated");
    client
        .validate_refreshed_id_token(&refreshed.response, &auth.claims)
        .await
        .map_err(|e| fail("refreshed ID token")(&e))?;
    // RFC 9700 §4.14.2: the replaced refresh token is refused with invalid_grant.
    match client.refresh(refresh).await {
        Err(authcore_reqwest::Error::OAuth(authcore_oauth2::Error::Server(e)))
            if e.error == ErrorCode::InvalidGrant => {}
        other => return Err(format!("the replaced refresh token: {other:?}")),
    }
    Ok(())
}

/// The resource server's introspection client: `private_key_jwt` with the test-only key
/// `tests/interop/serve/introspector.jwk.json` (serve.toml registers its public half).
async fn introspector(issuer: &str) -> Result<Client, String> {
    let jwk = std::fs::read(scripts_dir().join("introspector.jwk.json"))
        .map_err(|e| fail("introspector key")(&e))?;
    let jwk = Jwk::from_json(&jwk).map_err(|e| fail("introspector key")(&e))?;
    let signer = SigningKey::from_jwk(&jwk, None, crypto::default_provider())
        .map_err(|e| fail("introspector key")(&e))?;
    Client::builder(
        INTROSPECTOR,
        ClientAuthentication::PrivateKeyJwt(Arc::new(signer)),
    )
    .discover(issuer)
    .await
    .map_err(|e| fail("discovery")(&e))
}

async fn reqwest_client_credentials(issuer: &str) -> Result<(), String> {
    let client = registered_client(
        issuer,
        json!({"grant_types": ["client_credentials"], "redirect_uris": [], "response_types": []}),
    )
    .await?;
    let tokens = client
        .client_credentials(&["profile"])
        .await
        .map_err(|e| fail("client credentials")(&e))?;
    let hint = Some(TokenTypeHint::AccessToken);
    // Only the resource server may introspect (RFC 7662 §2.1): its client of serve.toml.
    let rs = introspector(issuer).await?;
    let before = rs
        .introspect(&tokens.access_token, hint)
        .await
        .map_err(|e| fail("introspection")(&e))?;
    ensure!(before.active, "the token is not active");
    ensure!(
        before.client_id.as_deref() == Some(client.client_id()),
        "introspected client_id {:?}",
        before.client_id
    );
    client
        .revoke(&tokens.access_token, hint)
        .await
        .map_err(|e| fail("revocation")(&e))?;
    let after = rs
        .introspect(&tokens.access_token, hint)
        .await
        .map_err(|e| fail("introspection")(&e))?;
    ensure!(!after.active, "the revoked token is still active");
    Ok(())
}

async fn reqwest_device_flow(issuer: &str, jar: &Path) -> Result<(), String> {
    let client = registered_client(
        issuer,
        json!({"grant_types": [DEVICE_GRANT], "redirect_uris": [], "response_types": []}),
    )
    .await?;
    let flow = client
        .device_authorization(&["openid", "profile"])
        .await
        .map_err(|e| fail("device authorization")(&e))?;
    let user_code = flow.response().user_code.clone();
    let verification_uri = flow.response().verification_uri.clone();
    let poller = tokio::spawn({
        let client = client.clone();
        async move { client.poll_device(flow).await }
    });
    let jar = jar.to_owned();
    let approved =
        tokio::task::spawn_blocking(move || approve_device(&jar, &verification_uri, &user_code))
            .await
            .map_err(|e| fail("approval")(&e))?;
    if let Err(e) = approved {
        poller.abort();
        return Err(e);
    }
    let tokens = tokio::time::timeout(COMMAND_LIMIT, poller)
        .await
        .map_err(|_| "polling did not finish in time".to_owned())?
        .map_err(|e| fail("poller")(&e))?
        .map_err(|e| fail("polling")(&e))?;
    ensure!(
        !tokens.access_token.secret().is_empty(),
        "an empty access token"
    );
    Ok(())
}

/// A running `authcore` command whose stderr lines arrive on a channel; killed when
/// dropped.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(args: &[&str]) -> Result<Running, String> {
        let mut child = Command::new(authcore_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start authcore: {e}"))?;
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Running {
            child,
            lines,
            seen: Vec::new(),
        })
    }

    /// Waits (bounded) for a stderr line starting with `prefix`; returns the rest of it.
    fn wait_for_line(&mut self, prefix: &str) -> Result<String, String> {
        let deadline = Instant::now() + COMMAND_LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return Ok(rest.to_owned());
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "no stderr line `{prefix}...` in time; saw:\n{}",
                        self.seen.join("\n")
                    ));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // stderr closed: the command ended without the line.
                    let status = self.child.wait().map_err(|e| e.to_string())?;
                    let mut stdout = String::new();
                    if let Some(mut out) = self.child.stdout.take() {
                        let _ = out.read_to_string(&mut stdout);
                    }
                    return Err(format!(
                        "authcore ended ({status}) before `{prefix}...`; stderr:\n{}\nstdout:\n{stdout}",
                        self.seen.join("\n")
                    ));
                }
            }
        }
    }

    /// Waits (bounded) for the exit; the JSON the command printed.
    fn finish_json(mut self) -> Result<Value, String> {
        let deadline = Instant::now() + COMMAND_LIMIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            ensure!(Instant::now() < deadline, "authcore still running; killed");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_string(&mut stdout).map_err(|e| e.to_string())?;
        }
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
        }
        ensure!(
            status.success(),
            "authcore exited with {status}:\n{}",
            self.seen.join("\n")
        );
        serde_json::from_str(&stdout).map_err(|e| format!("stdout is not JSON ({e}): {stdout}"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `authcore login`: code + PKCE + nonce through a loopback redirect (a native public
/// client, RFC 8252), the user played by the user agent, which delivers the redirect to the
/// command's listener.
async fn cli_login(issuer: &str, jar: &Path) -> Result<(), String> {
    let reg = register(
        issuer,
        json!({
            "client_name": "authcore CLI",
            "application_type": "native",
            "redirect_uris": [NATIVE_REDIRECT_URI],
            "response_types": ["code"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "none",
            "scope": "openid profile email",
        }),
    )
    .await?;
    let client_id = reg["client_id"].as_str().ok_or("no client_id")?.to_owned();
    let issuer = issuer.to_owned();
    let jar = jar.to_owned();
    tokio::task::spawn_blocking(move || {
        let redirect = NATIVE_REDIRECT_URI.replace("127.0.0.1", "127.0.0.1:0");
        let mut cli = Running::start(&[
            "login",
            "--issuer",
            &issuer,
            "--client-id",
            &client_id,
            "--redirect-uri",
            &redirect,
            "--scope",
            "openid profile email",
            "--no-browser",
            "--timeout",
            "60",
        ])?;
        let url = cli.wait_for_line("authcore: open this URL to sign in: ")?;
        let waiting = cli.wait_for_line("authcore: waiting for the redirect to ")?;
        let redirect_uri = waiting
            .split_whitespace()
            .next()
            .ok_or("no redirect URI")?
            .to_owned();
        sign_in(&jar, &url, &redirect_uri, true)?;
        let out = cli.finish_json()?;
        ensure!(
            out["claims"]["aud"] == client_id.as_str(),
            "ID token aud: {out}"
        );
        ensure!(out["claims"]["sub"].is_string(), "ID token sub: {out}");
        ensure!(out["claims"]["nonce"].is_string(), "ID token nonce: {out}");
        Ok(())
    })
    .await
    .map_err(|e| fail("login")(&e))?
}

/// `authcore oauth2 device`: the command polls while the user agent approves the code.
async fn cli_device(issuer: &str, jar: &Path) -> Result<(), String> {
    let reg = register(
        issuer,
        json!({
            "client_name": "authcore CLI device",
            "grant_types": [DEVICE_GRANT],
            "response_types": [],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "openid profile",
        }),
    )
    .await?;
    let client_id = reg["client_id"].as_str().ok_or("no client_id")?.to_owned();
    let secret = reg["client_secret"]
        .as_str()
        .ok_or("no client_secret")?
        .to_owned();
    let issuer = issuer.to_owned();
    let jar = jar.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut cli = Running::start(&[
            "oauth2",
            "device",
            "--issuer",
            &issuer,
            "--client-id",
            &client_id,
            "--client-secret",
            &secret,
            "--scope",
            "openid",
        ])?;
        let line = cli.wait_for_line("authcore: to authorize, visit ")?;
        let (uri, code) = line
            .split_once(" and enter the code ")
            .ok_or("no verification URI and user code")?;
        approve_device(&jar, uri, code)?;
        let tokens = cli.finish_json()?;
        ensure!(
            tokens["access_token"].is_string(),
            "no access token: {tokens}"
        );
        Ok(())
    })
    .await
    .map_err(|e| fail("oauth2 device")(&e))?
}
