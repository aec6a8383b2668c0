//! The login layer's example application (crates/authcore-login, example `axum_app`) in a real
//! browser, against `authcore serve --dev` and against node `oidc-provider`: Debian's
//! `chromium`, headless, driven by npm `puppeteer-core`
//! (`tests/interop/serve/login_app_browser.mjs`) signs in as alice, sees the protected page
//! with her claims, reloads (the session is kept), logs out (the application's session and
//! the provider's end: signing in again asks for the password), and signs out at the provider
//! itself, which ends the application's session by back-channel logout. Screenshots of every
//! page are kept in `target/login-browser/<provider>/`.
//!
//! The example is built with the workspace (the README's test command, `cargo test
//! --all-features`, builds every example) and found beside this test executable (or named by
//! `AUTHCORE_LOGIN_EXAMPLE`). Chromium is installed by package name by
//! `tests/interop/serve/install_chromium.sh` when missing; the node packages by
//! `tests/interop/setup.sh` and `tests/oidc-provider/setup.sh`. Every wait is bounded; the
//! browser, the application and the providers stop however the test ends.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use authcore_tests::oidc_provider::{self, Provider};
use authcore_tests::peers::{self, SETUP_LIMIT};
use authcore_tests::serve::{
    Daemon, Serve, assert_all_passed, check_current, node, output_dir, run_script, scripts_dir,
};
use serde_json::{Value, json};

/// The name of the example program (crates/authcore-login/examples/axum_app.rs).
const EXAMPLE: &str = "axum_app";
/// The layer's routes in the example application (its defaults), relative to the
/// application's URL: where the provider sends the browser back with the code, and where it
/// POSTs logout tokens.
const CALLBACK_PATH: &str = "/auth/callback";
const BACKCHANNEL_LOGOUT_PATH: &str = "/auth/backchannel-logout";
/// Where the application sends the browser after logout (its public page).
const POST_LOGOUT_PATH: &str = "/";
/// Longest wait for the application to say it is listening.
const APP_STARTUP: Duration = Duration::from_secs(30);
/// How many times the application is started on a fresh port when the one picked was taken
/// in the meantime.
const PORT_ATTEMPTS: usize = 3;

/// One browser at a time: two chromiums and two providers at once would starve the
/// machine's few cores and turn waits into flakes.
static BROWSER: Mutex<()> = Mutex::new(());

/// The example application's executable: `AUTHCORE_LOGIN_EXAMPLE`, else
/// `<target>/<profile>/examples/axum_app` beside this test executable, which must be newer
/// than the sources it is built from.
fn example_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("AUTHCORE_LOGIN_EXAMPLE") {
        return PathBuf::from(bin);
    }
    let bin = authcore_tests::serve::in_profile_dir(&format!(
        "examples/{EXAMPLE}{}",
        std::env::consts::EXE_SUFFIX
    ));
    check_current(
        &bin,
        "authcore-login",
        &format!(
            "build it with `cargo build -p authcore-login --features axum --example {EXAMPLE}` \
             (the README's test command, `cargo test --all-features`, builds it with the \
             workspace), or name it in AUTHCORE_LOGIN_EXAMPLE"
        ),
    );
    bin
}

/// A port nobody listens on now, on 127.0.0.1. The provider must know the application's
/// URIs before the application starts (its client registration names them), so the port
/// is picked first; a port taken in the meantime makes the application fail to start, and
/// the caller picks another ([`PORT_ATTEMPTS`]).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// The client metadata of the example application at `base` (RFC 7591 §2, Back-Channel
/// Logout 1.0 §2.2), on top of what each provider needs.
fn app_metadata(base: &str) -> Value {
    json!({
        "redirect_uris": [format!("{base}{CALLBACK_PATH}")],
        "post_logout_redirect_uris": [format!("{base}{POST_LOGOUT_PATH}")],
        "backchannel_logout_uri": format!("{base}{BACKCHANNEL_LOGOUT_PATH}"),
        "backchannel_logout_session_required": true,
    })
}

/// The running example application; killed when dropped.
struct App {
    url: String,
    daemon: Daemon,
}

/// Starts the example at `127.0.0.1:port` for `issuer` and client `client_id` (its secret
/// in the environment, never on the command line), waiting for its `listening on` line.
fn start_app(issuer: &str, client_id: &str, secret: &str, port: u16) -> Result<App, String> {
    let mut cmd = Command::new(example_bin());
    cmd.args(["--issuer", issuer, "--client-id", client_id])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("AUTHCORE_LOGIN_CLIENT_SECRET", secret)
        .env("RUST_LOG", "info");
    let (daemon, url) = Daemon::start(cmd, APP_STARTUP)?;
    Ok(App { url, daemon })
}

/// Runs the browser scenario against the application at `app` for the provider `issuer`,
/// whose pages the login driver `driver` knows; fails naming every failed check, with the
/// application's and the provider's last output.
fn run_scenario(app: &App, issuer: &str, driver: &str, provider_log: &str) {
    let out = output_dir(&format!("login-browser/{driver}"));
    let mut cmd = node();
    cmd.arg("login_app_browser.mjs")
        .args([&app.url, issuer])
        .arg(&out)
        .arg(driver);
    let checks = run_script(cmd, &format!("example app against {driver}"));
    let logs = format!(
        "the application's last output:\n{}\n\nthe provider's last output:\n{provider_log}",
        app.daemon.log_text()
    );
    assert_all_passed(&checks, &logs);
    let shots = authcore_tests::serve::screenshots(&out);
    for page in [
        "public",
        "login",
        "protected",
        "logged-out",
        "provider-logged-out",
    ] {
        assert!(
            shots.iter().any(|s| s.ends_with(&format!("-{page}.png"))),
            "no screenshot of the {page} page in {}: {shots:?}",
            out.display()
        );
    }
    eprintln!("screenshots in {}: {}", out.display(), shots.join(", "));
}

/// Installs chromium (when missing) and the node peers.
fn setup() {
    let mut install = Command::new("bash");
    install.arg(scripts_dir().join("install_chromium.sh"));
    peers::run(install, b"", SETUP_LIMIT, "install_chromium.sh");
    peers::setup();
}

/// Registers the example application at `authcore serve` (RFC 7591 §3): a confidential
/// client on loopback `http`, which `authcore serve` takes from native clients (RFC 8252
/// §7.3), with its back-channel logout receiver (loopback `http` too, as the issuer is);
/// returns the client id and secret.
fn register_at_serve(issuer: &str, base: &str) -> Result<(String, String), String> {
    let mut metadata = app_metadata(base);
    for (k, v) in [
        ("client_name", json!("authcore-login example application")),
        ("application_type", json!("native")),
        ("response_types", json!(["code"])),
        (
            "grant_types",
            json!(["authorization_code", "refresh_token"]),
        ),
        ("token_endpoint_auth_method", json!("client_secret_basic")),
        ("scope", json!("openid profile email offline_access")),
    ] {
        metadata[k] = v;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let body = authcore_tests::serve::register_client(issuer, &metadata).await?;
        let id = body["client_id"].as_str().ok_or("no client_id")?;
        let secret = body["client_secret"].as_str().ok_or("no client_secret")?;
        Ok((id.to_owned(), secret.to_owned()))
    })
}

#[test]
fn example_app_in_chromium_against_authcore_serve() {
    setup();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let serve = Serve::start();
    let mut failures = Vec::new();
    let app = (0..PORT_ATTEMPTS)
        .find_map(|_| {
            let base = format!("http://127.0.0.1:{}", free_port());
            let started = register_at_serve(&serve.issuer, &base)
                .and_then(|(id, secret)| start_app(&serve.issuer, &id, &secret, port_of(&base)));
            started.map_err(|e| failures.push(e)).ok()
        })
        .unwrap_or_else(|| panic!("the example application did not start: {failures:#?}"));
    run_scenario(&app, &serve.issuer, "authcore", &serve.log_text());
}

#[test]
fn example_app_in_chromium_against_oidc_provider() {
    setup();
    oidc_provider::ensure_installed();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let mut failures = Vec::new();
    let (provider, app) = (0..PORT_ATTEMPTS)
        .find_map(|_| {
            let base = format!("http://127.0.0.1:{}", free_port());
            // The provider's client `login-app` names the application's URIs.
            let provider = Provider::start_for_login_app(&app_metadata(&base));
            let secret = oidc_provider::secret("login-app");
            match start_app(&provider.issuer, "login-app", &secret, port_of(&base)) {
                Ok(app) => Some((provider, app)),
                Err(e) => {
                    failures.push(e);
                    None
                }
            }
        })
        .unwrap_or_else(|| panic!("the example application did not start: {failures:#?}"));
    run_scenario(
        &app,
        &provider.issuer,
        "oidc-provider",
        "(printed above, as it came)",
    );
}

/// The port of `http://127.0.0.1:PORT`.
fn port_of(base: &str) -> u16 {
    base.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a base URL with a port")
}
