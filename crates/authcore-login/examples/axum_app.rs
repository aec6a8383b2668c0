//! "Log in with OpenID Connect" for an axum application, through the authcore-login layer:
//! a public page (`/`), a protected page showing the signed-in user's claims (`/protected`),
//! a JSON API route (`/api/me`: 401 without a session, never a redirect), and sign-out.
//!
//! Against `authcore serve --dev` on this machine (the user alice, password wonderland):
//!
//! ```sh
//! cargo run -p authcore-cli -- serve --dev --listen 127.0.0.1:8080 &
//! cargo run -p authcore-cli -- client add --issuer http://127.0.0.1:8080 ... # see the README
//! AUTHCORE_LOGIN_CLIENT_SECRET=... cargo run -p authcore-login --features axum \
//!     --example axum_app -- --issuer http://127.0.0.1:8080 --client-id example-app
//! ```
//!
//! Options, each also read from the environment:
//!
//! | option | environment | meaning (default) |
//! |---|---|---|
//! | `--issuer URL` | `AUTHCORE_LOGIN_ISSUER` | the provider's issuer identifier (required) |
//! | `--client-id ID` | `AUTHCORE_LOGIN_CLIENT_ID` | this application's client id there (required) |
//! | | `AUTHCORE_LOGIN_CLIENT_SECRET` | its secret (`client_secret_basic`); without it the application is a public client (PKCE only). Never an option: the command line is visible to every user of the machine |
//! | `--listen ADDR` | `AUTHCORE_LOGIN_LISTEN` | the listen address (`127.0.0.1:3000`); port 0 picks a free one |
//! | | `AUTHCORE_LOGIN_SESSION_KEY` | the cookies' sealing key, 32 bytes in base64url (a fresh random one) |
//! | `--public-url URL` | `AUTHCORE_LOGIN_PUBLIC_URL` | where browsers reach the application (`http://` + the bound address); the redirect URI is this + `/auth/callback` |
//!
//! Register the client at the provider with the redirect URI `<public URL>/auth/callback`,
//! the post-logout redirect URI `<public URL>/` and, for back-channel logout, the
//! `backchannel_logout_uri` `<public URL>/auth/backchannel-logout`. Prints
//! `listening on <public URL>` once it accepts connections.
//!
//! The session key comes from `AUTHCORE_LOGIN_SESSION_KEY` (32 bytes in base64url, as a secret
//! store hands it out); without it a key is drawn at start, so a restart signs everyone out.
//! Keys rotate with `SessionKeys::with_previous`.

use std::net::SocketAddr;
use std::process::ExitCode;

use authcore_login::{Authenticated, LoginConfig, LoginLayer, ProviderConfig, SessionKeys};
use authcore_oauth2::{ClientAuthentication, ClientSecret};
use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

/// The application's settings, from the command line and the environment.
struct Options {
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    listen: SocketAddr,
    public_url: Option<String>,
}

/// Reads `--name VALUE` options, falling back to the environment variables.
fn options() -> Result<Options, String> {
    let mut args: Vec<(String, String)> = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(name) = it.next() {
        let known = ["--issuer", "--client-id", "--listen", "--public-url"];
        if !known.contains(&name.as_str()) {
            return Err(format!(
                "unknown option {name} (known: {})",
                known.join(", ")
            ));
        }
        let value = it.next().ok_or_else(|| format!("{name} needs a value"))?;
        args.push((name, value));
    }
    let get = |option: &str, env: &str| {
        args.iter()
            .rev()
            .find(|(n, _)| n == option)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(env).ok())
            .filter(|v| !v.is_empty())
    };
    let required = |option: &str, env: &str| {
        get(option, env).ok_or_else(|| format!("{option} (or {env}) is required"))
    };
    let listen = get("--listen", "AUTHCORE_LOGIN_LISTEN").unwrap_or("127.0.0.1:3000".into());
    Ok(Options {
        issuer: required("--issuer", "AUTHCORE_LOGIN_ISSUER")?,
        client_id: required("--client-id", "AUTHCORE_LOGIN_CLIENT_ID")?,
        client_secret: std::env::var("AUTHCORE_LOGIN_CLIENT_SECRET")
            .ok()
            .filter(|s| !s.is_empty()),
        listen: listen
            .parse()
            .map_err(|e| format!("--listen {listen}: {e}"))?,
        public_url: get("--public-url", "AUTHCORE_LOGIN_PUBLIC_URL"),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum_app: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let options = options()?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let base = options
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    let auth = match options.client_secret {
        Some(secret) => ClientAuthentication::ClientSecretBasic(ClientSecret::new(secret)),
        None => ClientAuthentication::None,
    };

    // What an application writes: the session keys, the provider, what to protect, the layer.
    let keys = session_keys()?;
    let provider = ProviderConfig::new("provider", &options.issuer, &options.client_id, auth)
        .scope("profile")
        .scope("email");
    let config = LoginConfig::new(&base, keys)
        .map_err(|e| e.to_string())?
        .provider(provider)
        .protect("/protected")
        .protect("/api")
        .api_prefix("/api");
    let login = LoginLayer::discover(config)
        .await
        .map_err(|e| format!("the provider at {}: {e}", options.issuer))?;
    let app = Router::new()
        .route("/", get(public))
        .route("/protected", get(protected))
        .route("/api/me", get(me))
        .layer(login);

    println!("listening on {}", base.trim_end_matches('/'));
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

/// The session keys: `AUTHCORE_LOGIN_SESSION_KEY` (32 bytes in base64url), so sessions
/// survive a restart, else a fresh random key.
fn session_keys() -> Result<SessionKeys, String> {
    match std::env::var("AUTHCORE_LOGIN_SESSION_KEY") {
        Ok(text) if !text.is_empty() => SessionKeys::decode_key(&text)
            .and_then(|key| SessionKeys::new("k1", key))
            .map_err(|e| format!("AUTHCORE_LOGIN_SESSION_KEY: {e}")),
        _ => SessionKeys::generate("k1").map_err(|e| e.to_string()),
    }
}

/// `/`: served to everyone; says who is signed in, if anyone.
async fn public(user: Option<Authenticated>) -> Html<String> {
    let who = match &user {
        Some(u) => format!(
            "Signed in as <b id=\"who\">{}</b>. <a href=\"/protected\">Your claims</a>.",
            escape(display_name(u))
        ),
        None => "Not signed in. <a id=\"sign-in\" href=\"/protected\">Sign in</a> to see the \
                 protected page."
            .to_owned(),
    };
    page(
        "Public page",
        &format!("<h1 id=\"public\">Public page</h1><p>{who}</p>"),
    )
}

/// `/protected`: only with a session (the layer sends everyone else to sign in first). The
/// claims are the ID token's and the UserInfo response's, both validated by the layer at
/// sign-in.
async fn protected(user: Authenticated) -> Html<String> {
    let claims = serde_json::to_string_pretty(user.claims()).unwrap_or_default();
    page(
        "Protected page",
        &format!(
            "<h1>Hello, {name}</h1>\
             <p>Signed in at <code id=\"iss\">{iss}</code> as <code id=\"sub\">{sub}</code>.</p>\
             <h2>Your claims</h2><pre id=\"claims\">{claims}</pre>\
             <form method=\"post\" action=\"/auth/logout\">\
             <button id=\"sign-out\" type=\"submit\">Sign out</button></form>\
             <p><a href=\"/\">Public page</a></p>",
            name = escape(display_name(&user)),
            iss = escape(user.issuer()),
            sub = escape(user.subject()),
            claims = escape(&claims),
        ),
    )
}

/// `/api/me`: the claims as JSON (an API route: 401 without a session, never a redirect).
async fn me(user: Authenticated) -> Response {
    let body = serde_json::to_string(user.claims()).unwrap_or_else(|_| "{}".into());
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

/// The user's name for the page: `name`, else `preferred_username`, else `sub`.
fn display_name(user: &Authenticated) -> &str {
    ["name", "preferred_username"]
        .iter()
        .find_map(|c| user.claim(c).and_then(|v| v.as_str()))
        .unwrap_or(user.subject())
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body>{body}</body></html>"
    ))
}

/// Text for HTML: claims come from the provider and may hold markup.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
