//! `authcore demo`: the whole OpenID Connect sign-in on this machine, end to end over real
//! HTTP. It starts the provider as `serve --dev` would (a free loopback port, a temporary
//! data directory, the user alice), registers a client at the registration endpoint (RFC
//! 7591), signs alice in through the login and consent pages with the relying party of
//! authcore-reqwest (code flow, PKCE, nonce), validates the ID token, calls UserInfo, prints
//! both, and stops the provider.

use std::time::Duration;

use authcore_oauth2::{AuthorizationResponse, ClientAuthentication, ClientMetadata};
use authcore_oidc::AuthenticationRequest;
use authcore_reqwest::{Client, HttpClient, HttpConfig};
use serde_json::{Map, Value};

use super::agent::{self, Answers};
use super::args::DemoArgs;
use super::config::{self, ConfigFile, Overrides};
use super::data::DataDir;
use super::run;
use super::users::{DEV_PASSWORD, DEV_USERNAME};
use crate::Failure;
use crate::oauth::{fetch_provider_metadata, from_adapter, payload_claims, print_json};

/// Where the demo client says it receives the authorization response. Nothing listens there:
/// the scripted user agent stops at the redirect and hands its URL to the relying party.
const REDIRECT_URI: &str = "http://127.0.0.1/demo/callback";

fn progress(msg: &str) {
    eprintln!("demo: {msg}");
}

/// `authcore demo`.
pub fn demo(a: DemoArgs) -> Result<(), Failure> {
    let answers = match &a.username {
        Some(username) => Answers::new(
            username.clone(),
            super::users::read_password(std::io::stdin().lock())?,
        ),
        None => Answers::new(DEV_USERNAME, DEV_PASSWORD),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the runtime: {e}")))?;
    let result = match &a.issuer {
        Some(issuer) => {
            crate::oauth::check_issuer(issuer, false)?;
            runtime.block_on(relying_party(issuer, a.http_timeout, &answers))
        }
        None => with_provider(&runtime, &a, &answers),
    };
    runtime.shutdown_timeout(Duration::from_secs(5));
    print_json(result?)
}

/// Runs the relying party against a provider started for it on a free loopback port with
/// the `--dev` defaults and a temporary data directory, stopped afterwards.
fn with_provider(
    runtime: &tokio::runtime::Runtime,
    a: &DemoArgs,
    answers: &Answers,
) -> Result<Map<String, Value>, Failure> {
    let rng = authcore_jose::crypto::default_provider().system_random();
    let listen = "127.0.0.1:0".parse().expect("a literal socket address");
    let config = config::validate(
        ConfigFile::default(),
        &Overrides {
            issuer: None,
            listen: Some(listen),
            dev: true,
        },
    )
    .map_err(|e| Failure::usage(e.to_string()))?;
    let data = DataDir::temporary(rng)?;
    runtime.block_on(async {
        let store = super::store::open_sqlite(&data)?;
        let started = run::start(&config, store, false).await?;
        let issuer = started.issuer.clone();
        progress(&format!(
            "provider started at {issuer} (--dev, temporary data directory)"
        ));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(run::run_until(
            started.provider.clone(),
            started.listener,
            None,
            async {
                let _ = stopped.await;
            },
        ));
        let outcome = relying_party(&issuer, a.http_timeout, answers).await;
        let _ = stop.send(());
        let served = server
            .await
            .map_err(|e| Failure::usage(format!("the provider task failed: {e}")))?;
        progress("provider stopped");
        let out = outcome?;
        served?;
        Ok(out)
    })
}

/// The relying party's side: register, sign in, validate, UserInfo.
async fn relying_party(
    issuer: &str,
    timeout_secs: u64,
    answers: &Answers,
) -> Result<Map<String, Value>, Failure> {
    let http = HttpClient::new(&HttpConfig::new().timeout(Duration::from_secs(timeout_secs)))
        .map_err(from_adapter)?;
    let (metadata, _) = fetch_provider_metadata(&http, issuer, false).await?;
    let registration_endpoint = metadata
        .oauth
        .registration_endpoint
        .clone()
        .ok_or_else(|| Failure::rejected("the provider offers no registration endpoint"))?;

    let request = ClientMetadata::new()
        .with_redirect_uris([REDIRECT_URI])
        .with_client_name("authcore demo")
        .with_token_endpoint_auth_method("client_secret_basic");
    let mut request = request;
    // RFC 8252 §7.3: a loopback http redirect URI is a native application's.
    request
        .extra
        .insert("application_type".into(), Value::from("native"));
    request.scope = Some(vec!["openid".into(), "profile".into(), "email".into()]);
    let registered = Client::register(&http, &registration_endpoint, &request, None)
        .await
        .map_err(from_adapter)?;
    progress(&format!(
        "registered client {} at {registration_endpoint}",
        registered.client_id
    ));
    let secret = registered
        .client_secret
        .clone()
        .ok_or_else(|| Failure::rejected("the registration answer has no client_secret"))?;
    let client = Client::builder(
        registered.client_id.clone(),
        ClientAuthentication::ClientSecretBasic(secret),
    )
    .http_client(http.clone())
    .discover(issuer)
    .await
    .map_err(from_adapter)?;

    let (url, pending) = client
        .authentication_url(
            AuthenticationRequest::new(REDIRECT_URI)
                .scope("profile")
                .scope("email"),
        )
        .map_err(from_adapter)?;
    progress(&format!(
        "signing in as {} through {}",
        answers.username,
        url.path()
    ));
    let redirected = agent::sign_in(&http, &url, REDIRECT_URI, answers, |page| {
        progress(&format!("filled in the {page} page"))
    })
    .await?;
    let callback = AuthorizationResponse::from_redirect_uri(redirected.as_str())
        .map_err(|e| Failure::rejected(format!("the authorization response: {e}")))?;
    let authentication = client
        .authenticate(pending, &callback)
        .await
        .map_err(from_adapter)?;
    progress("code exchanged; ID token validated (signature, iss, aud, exp, iat, nonce, at_hash)");
    let claims = payload_claims(authentication.id_token.secret())?;
    let tokens = authentication
        .tokens
        .as_ref()
        .ok_or_else(|| Failure::rejected("the code flow returned no token response"))?;

    let mut out = Map::new();
    out.insert("issuer".into(), Value::from(issuer));
    out.insert("client_id".into(), Value::from(registered.client_id));
    out.insert("id_token_claims".into(), claims);
    let userinfo_endpoint = metadata
        .userinfo_endpoint
        .clone()
        .ok_or_else(|| Failure::rejected("the provider's metadata has no userinfo_endpoint"))?;
    let request = authcore_oidc::build_userinfo_request(&userinfo_endpoint, &tokens.access_token)
        .map_err(|e| Failure::rejected(format!("UserInfo request: {e}")))?;
    let response = http.execute(request).await.map_err(from_adapter)?;
    // OpenID Connect Core §5.3.2: the claims must be about the ID token's subject.
    authcore_oidc::parse_userinfo_response(&response, &authentication.claims.sub)
        .map_err(|e| Failure::rejected(format!("UserInfo: {e}")))?;
    let userinfo = authcore_jose::json::parse_value(response.body())
        .map_err(|e| Failure::rejected(format!("UserInfo: {e}")))?;
    progress("UserInfo fetched; its sub matches the ID token's");
    out.insert("userinfo".into(), userinfo);
    Ok(out)
}
