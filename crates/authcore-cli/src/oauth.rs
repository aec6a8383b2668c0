//! The OAuth 2.0 and OpenID Connect commands: discovery, sign-in through a loopback redirect,
//! client credentials, device flow, refresh, introspection, revocation and UserInfo.
//!
//! The protocol is the core's (`authcore-oauth2`, `authcore-oidc`); the HTTP exchanges go
//! through `authcore-reqwest`. This module only maps arguments to calls, results to JSON on
//! stdout and errors to exit statuses: the server said no or its answer failed a check (1),
//! bad arguments or a network failure (2).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{AlgorithmFamily, Jwk, JwsAlgorithm, SigningKey, VerifyingKeys, b64, json};
use authcore_oauth2::{
    AccessToken, AuthorizationRequest, AuthorizationResponse, ClientAuthentication, ClientSecret,
    DeviceAuthorizationFlow, DpopExchange, DpopKey, IntrospectionResponse, RefreshToken,
    RevocationOutcome, TokenRequest, TokenResponse, TokenTypeHint,
};
use authcore_oidc::{
    DiscoveryOptions, IdTokenExpectations, IdTokenVerifier, JwksCache, ProviderMetadata,
};
use authcore_reqwest::{Client, HttpClient, HttpConfig};
use serde_json::{Map, Value};
use url::Url;

use crate::Failure;
use crate::cli::{
    AuthMethod, ClientArgs, ClientCredentialsArgs, ConnectionArgs, DeviceArgs, DiscoverArgs,
    DpopArgs, IssuerArgs, LoginArgs, OAuth2Command, OidcCommand, RefreshArgs, TlsArgs, TokenArgs,
    TokenHint, UserinfoArgs,
};
use crate::io::{print_line, read_input};
use crate::keys;
use crate::loopback;

/// Longest connect timeout, whatever `--http-timeout` says.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Added to the device code's lifetime as the hard bound of the polling loop.
const DEVICE_GRACE: Duration = Duration::from_secs(30);

/// An OAuth command's group.
#[derive(Debug)]
pub enum OAuthCommand {
    /// `authcore oauth2 ...`
    OAuth2(OAuth2Command),
    /// `authcore oidc ...`
    Oidc(OidcCommand),
    /// `authcore login`
    Login(Box<LoginArgs>),
}

/// Runs an OAuth command on a single-threaded runtime.
pub fn run(command: OAuthCommand, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        match command {
            OAuthCommand::OAuth2(OAuth2Command::ClientCredentials(a)) => {
                client_credentials(a, provider).await
            }
            OAuthCommand::OAuth2(OAuth2Command::Device(a)) => device(a, provider).await,
            OAuthCommand::OAuth2(OAuth2Command::Refresh(a)) => refresh(a, provider).await,
            OAuthCommand::OAuth2(OAuth2Command::Introspect(a)) => introspect(a, provider).await,
            OAuthCommand::OAuth2(OAuth2Command::Revoke(a)) => revoke(a, provider).await,
            OAuthCommand::OAuth2(OAuth2Command::Register(a)) => crate::register::register(a).await,
            OAuthCommand::Oidc(OidcCommand::Discover(a)) => discover(a).await,
            OAuthCommand::Oidc(OidcCommand::Userinfo(a)) => userinfo(a, provider).await,
            OAuthCommand::Login(a) => login(*a, provider).await,
        }
    })
}

// ---------------------------------------------------------------------------------------
// Errors to exit statuses.

/// An adapter error, by who is at fault: the server refused or its answer failed a check
/// (1); the caller, the host or the network (2).
pub(crate) fn from_adapter(e: authcore_reqwest::Error) -> Failure {
    use authcore_reqwest::Error as E;
    match e {
        E::OAuth(e) => from_oauth(e),
        E::Oidc(e) => from_oidc(e),
        // The adapter signs only with the caller's keys (assertions, DPoP proofs).
        E::Jose(e) => Failure::usage(format!("cannot use the key: {e}")),
        E::Transport(e) => Failure::usage(format!("network error: {}", error_chain(&e))),
        E::Timeout => Failure::usage("network error: the HTTP exchange timed out"),
        E::BodyRead(e) => Failure::usage(format!(
            "network error: reading the response failed: {}",
            error_chain(&e)
        )),
        E::Clock => Failure::usage("the system clock is set before 1970"),
        E::Runtime(e) => Failure::usage(format!("cannot start the async runtime: {e}")),
        E::Misuse(m) => Failure::usage(m),
        // Polling was interrupted: the cause decides (a 503 is the server's, a timeout the
        // network's).
        E::DevicePollingInterrupted { cause, .. } => from_adapter(*cause),
        // A redirect, an oversized body, a missing endpoint: the server answered, and the
        // answer is refused.
        other => Failure::rejected(other.to_string()),
    }
}

fn from_oauth(e: authcore_oauth2::Error) -> Failure {
    use authcore_oauth2::Error as E;
    match e {
        E::Server(r) => Failure::rejected(format!("the server answered {r}")),
        E::Misuse(m) => Failure::usage(m),
        e @ E::InvalidEndpoint { .. } => Failure::usage(e.to_string()),
        E::Jose(e) => Failure::usage(format!("cannot sign: {e}")),
        other => Failure::rejected(other.to_string()),
    }
}

fn from_oidc(e: authcore_oidc::Error) -> Failure {
    use authcore_oidc::Error as E;
    match e {
        E::OAuth2(e) => from_oauth(e),
        E::Misuse(m) => Failure::usage(m),
        other => Failure::rejected(other.to_string()),
    }
}

/// An error and its sources on one line ("connection refused" is usually a source).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    // Bounded: error chains are short, but a cyclic one must not loop.
    for _ in 0..8 {
        let Some(s) = source else { break };
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

// ---------------------------------------------------------------------------------------
// Shared setup: issuer, HTTP client, client authentication, DPoP key.

/// `https`, or `http` to a loopback host, or any `http` with `--allow-http`. Returns whether
/// the issuer is a non-loopback `http` one.
pub(crate) fn check_issuer(issuer: &str, allow_http: bool) -> Result<bool, Failure> {
    let u = Url::parse(issuer)
        .map_err(|_| Failure::usage(format!("issuer {issuer} is not an absolute URL")))?;
    match u.scheme() {
        "https" => Ok(false),
        "http" if authcore_oauth2::is_loopback(&u) => Ok(false),
        "http" if allow_http => Ok(true),
        "http" => Err(Failure::usage(format!(
            "refusing the http issuer {issuer}: credentials and tokens would travel in clear \
             text (use https, or --allow-http)"
        ))),
        other => Err(Failure::usage(format!(
            "issuer {issuer}: unsupported scheme `{other}` (expected https)"
        ))),
    }
}

impl ConnectionArgs {
    /// Checks `issuer`'s scheme ([`check_issuer`]) and makes the HTTP client: whether the
    /// issuer is a non-loopback `http` one, and the client.
    pub(crate) fn connect(&self, issuer: &str) -> Result<(bool, HttpClient), Failure> {
        let insecure = check_issuer(issuer, self.allow_http)?;
        Ok((insecure, self.http_client()?))
    }

    /// The HTTP client of these settings.
    pub(crate) fn http_client(&self) -> Result<HttpClient, Failure> {
        http_client(self.http_timeout, &self.tls)
    }
}

fn http_client(timeout_secs: u64, tls: &TlsArgs) -> Result<HttpClient, Failure> {
    if timeout_secs == 0 {
        return Err(Failure::usage("--http-timeout must be at least 1 second"));
    }
    let timeout = Duration::from_secs(timeout_secs);
    let mut config = HttpConfig::new()
        .timeout(timeout)
        .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
        .user_agent(concat!("authcore-cli/", env!("CARGO_PKG_VERSION")));
    let unusable = |flag: &str, e: authcore_reqwest::Error| {
        Failure::usage(format!("{flag}: {}", error_chain(&e)))
    };
    if let Some(path) = &tls.client_cert {
        let pem = read_input(path, "client certificate")?;
        config = config
            .client_certificate_pem(&pem)
            .map_err(|e| unusable("--client-cert", e))?;
    }
    if let Some(path) = &tls.ca_cert {
        let pem = read_input(path, "CA certificates")?;
        config = config
            .extra_root_certificates_pem(&pem)
            .map_err(|e| unusable("--ca-cert", e))?;
    }
    HttpClient::new(&config).map_err(from_adapter)
}

fn method_name(m: AuthMethod) -> &'static str {
    match m {
        AuthMethod::None => "none",
        AuthMethod::ClientSecretBasic => "client_secret_basic",
        AuthMethod::ClientSecretPost => "client_secret_post",
        AuthMethod::ClientSecretJwt => "client_secret_jwt",
        AuthMethod::PrivateKeyJwt => "private_key_jwt",
        AuthMethod::TlsClientAuth => "tls_client_auth",
        AuthMethod::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
    }
}

/// The client authentication the arguments ask for.
fn client_auth(
    a: &ClientArgs,
    tls: &TlsArgs,
    provider: &'static CryptoProvider,
) -> Result<ClientAuthentication, Failure> {
    let method = a.auth_method.unwrap_or(if a.private_key.is_some() {
        AuthMethod::PrivateKeyJwt
    } else if a.client_secret.is_some() {
        AuthMethod::ClientSecretBasic
    } else if tls.client_cert.is_some() {
        AuthMethod::TlsClientAuth
    } else {
        AuthMethod::None
    });
    let needs_cert = matches!(
        method,
        AuthMethod::TlsClientAuth | AuthMethod::SelfSignedTlsClientAuth
    );
    if needs_cert && tls.client_cert.is_none() {
        return Err(Failure::usage(format!(
            "--auth-method {} needs --client-cert PEM_FILE",
            method_name(method)
        )));
    }
    if a.private_key.is_some() && method != AuthMethod::PrivateKeyJwt {
        return Err(Failure::usage(format!(
            "--private-key is for private_key_jwt, not --auth-method {}",
            method_name(method)
        )));
    }
    let secret = || {
        a.client_secret
            .as_deref()
            .map(ClientSecret::new)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--auth-method {} needs --client-secret (or AUTHCORE_CLIENT_SECRET)",
                    method_name(method)
                ))
            })
    };
    Ok(match method {
        AuthMethod::None => ClientAuthentication::None,
        AuthMethod::ClientSecretBasic => ClientAuthentication::ClientSecretBasic(secret()?),
        AuthMethod::ClientSecretPost => ClientAuthentication::ClientSecretPost(secret()?),
        AuthMethod::ClientSecretJwt => {
            let algorithm = a.assertion_alg.unwrap_or(JwsAlgorithm::HS256);
            if algorithm.family() != AlgorithmFamily::Hmac {
                return Err(Failure::usage(format!(
                    "client_secret_jwt signs with HS256, HS384 or HS512, not {algorithm}"
                )));
            }
            ClientAuthentication::ClientSecretJwt {
                secret: secret()?,
                algorithm,
            }
        }
        AuthMethod::PrivateKeyJwt => {
            let path = a.private_key.as_deref().ok_or_else(|| {
                Failure::usage("--auth-method private_key_jwt needs --private-key JWK_FILE")
            })?;
            let key = private_key(path, a.assertion_alg, "--assertion-alg", provider)?;
            ClientAuthentication::PrivateKeyJwt(Arc::new(key))
        }
        AuthMethod::TlsClientAuth => ClientAuthentication::TlsClientAuth,
        AuthMethod::SelfSignedTlsClientAuth => ClientAuthentication::SelfSignedTlsClientAuth,
    })
}

/// An asymmetric private signing key from a single-key file.
fn private_key(
    path: &Path,
    alg: Option<JwsAlgorithm>,
    alg_flag: &str,
    provider: &'static CryptoProvider,
) -> Result<SigningKey, Failure> {
    // A JWK, a PEM key, or a JWK Set holding exactly one key (as providers' client key files
    // often are).
    let jwk = match keys::load(path)? {
        keys::KeyFile::Single(jwk) => *jwk,
        keys::KeyFile::Set(set) if set.keys.len() == 1 => set
            .keys
            .into_iter()
            .next()
            .ok_or_else(|| Failure::usage("empty JWK Set"))?,
        keys::KeyFile::Set(set) => {
            return Err(Failure::usage(format!(
                "key file {} is a JWK Set of {} keys; give a file with the one key to use",
                path.display(),
                set.keys.len()
            )));
        }
    };
    if !jwk.is_private() {
        return Err(Failure::usage(format!(
            "key file {} holds a public key; the private key is needed",
            path.display()
        )));
    }
    if jwk.alg.is_none() && alg.is_none() {
        return Err(Failure::usage(format!(
            "key file {}: the key has no `alg`; name it with {alg_flag}",
            path.display()
        )));
    }
    let key = SigningKey::from_jwk(&jwk, alg, provider).map_err(|e| {
        Failure::usage(format!(
            "key file {}: {e}{}",
            path.display(),
            keys::hint(&e, provider)
        ))
    })?;
    if key.public_jwk().is_none() {
        return Err(Failure::usage(format!(
            "key file {} holds a symmetric key; an asymmetric private key is needed",
            path.display()
        )));
    }
    Ok(key)
}

/// The DPoP key, if DPoP is asked for, and the private JWK when it was generated here (the
/// caller needs it to use the tokens).
fn dpop_key(
    a: &DpopArgs,
    provider: &'static CryptoProvider,
) -> Result<Option<(DpopKey, Option<Jwk>)>, Failure> {
    let bad = |e: authcore_oauth2::Error| Failure::usage(format!("DPoP key: {e}"));
    if let Some(path) = &a.dpop_key {
        let key = private_key(path, None, "an `alg` member", provider)?;
        return Ok(Some((DpopKey::new(key, provider).map_err(bad)?, None)));
    }
    if !a.dpop {
        return Ok(None);
    }
    let jwk = Jwk::generate(JwsAlgorithm::ES256, provider, provider.system_random())
        .map_err(|e| Failure::usage(format!("cannot generate a DPoP key: {e}")))?;
    let key = SigningKey::from_jwk(&jwk, None, provider)
        .map_err(|e| Failure::usage(format!("DPoP key: {e}")))?;
    Ok(Some((DpopKey::new(key, provider).map_err(bad)?, Some(jwk))))
}

/// A discovered client for the OAuth commands (OpenID Connect discovery, RFC 8414 when the
/// server has no OpenID configuration).
async fn discovered_client(
    issuer: &IssuerArgs,
    client: &ClientArgs,
    dpop: Option<&DpopKey>,
    provider: &'static CryptoProvider,
) -> Result<Client, Failure> {
    let (_, http) = issuer.connection.connect(&issuer.issuer)?;
    let tls = &issuer.connection.tls;
    let auth = client_auth(client, tls, provider)?;
    let mut builder = Client::builder(client.client_id.clone(), auth)
        .http_client(http)
        .crypto_provider(provider)
        // A client certificate means mutual TLS: its endpoints are the aliases (RFC 8705 §5).
        .mtls_endpoint_aliases(tls.client_cert.is_some());
    if let Some(k) = dpop {
        builder = builder.dpop(k.clone());
    }
    builder.discover(&issuer.issuer).await.map_err(from_adapter)
}

// ---------------------------------------------------------------------------------------
// Output.

/// A token response as its JSON wire form (RFC 6749 §5.1), unknown members kept.
fn token_json(t: &TokenResponse) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("access_token".into(), t.access_token.secret().into());
    m.insert("token_type".into(), t.token_type.as_str().into());
    if let Some(e) = t.expires_in {
        m.insert("expires_in".into(), e.into());
    }
    if let Some(r) = &t.refresh_token {
        m.insert("refresh_token".into(), r.secret().into());
    }
    if let Some(s) = &t.scope {
        m.insert("scope".into(), s.join(" ").into());
    }
    if let Some(i) = &t.id_token {
        m.insert("id_token".into(), i.secret().into());
    }
    if let Some(i) = &t.issued_token_type {
        m.insert("issued_token_type".into(), i.as_str().into());
    }
    for (k, v) in &t.extra {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    m
}

/// Adds a generated DPoP key to the output: the tokens are bound to it.
fn with_dpop(
    mut m: Map<String, Value>,
    dpop: Option<&(DpopKey, Option<Jwk>)>,
) -> Map<String, Value> {
    if let Some((key, generated)) = dpop {
        m.insert("dpop_jkt".into(), key.jkt().into());
        if let Some(jwk) = generated {
            m.insert("dpop_key".into(), Value::Object(jwk.to_map()));
        }
    }
    m
}

fn introspection_json(r: &IntrospectionResponse) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("active".into(), r.active.into());
    let strings = [
        ("client_id", &r.client_id),
        ("username", &r.username),
        ("token_type", &r.token_type),
        ("sub", &r.sub),
        ("iss", &r.iss),
        ("jti", &r.jti),
    ];
    for (name, value) in strings {
        if let Some(v) = value {
            m.insert(name.into(), v.as_str().into());
        }
    }
    for (name, value) in [("exp", r.exp), ("iat", r.iat), ("nbf", r.nbf)] {
        if let Some(v) = value {
            m.insert(name.into(), v.into());
        }
    }
    if let Some(s) = &r.scope {
        m.insert("scope".into(), s.join(" ").into());
    }
    if let Some(aud) = &r.aud {
        let v = match aud.as_slice() {
            [one] => Value::from(one.as_str()),
            many => Value::from(many.to_vec()),
        };
        m.insert("aud".into(), v);
    }
    for (k, v) in &r.extra {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    m
}

pub(crate) fn print_json(m: Map<String, Value>) -> Result<(), Failure> {
    let v = Value::Object(m);
    print_line(&serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string()))
}

fn progress(msg: &str) {
    eprintln!("authcore: {msg}");
}

fn scope_list(scope: Option<&str>) -> Vec<&str> {
    scope
        .map(|s| s.split_whitespace().collect())
        .unwrap_or_default()
}

fn hint(h: Option<TokenHint>) -> Option<TokenTypeHint> {
    h.map(|h| match h {
        TokenHint::AccessToken => TokenTypeHint::AccessToken,
        TokenHint::RefreshToken => TokenTypeHint::RefreshToken,
    })
}

// ---------------------------------------------------------------------------------------
// The commands.

async fn client_credentials(
    a: ClientCredentialsArgs,
    provider: &'static CryptoProvider,
) -> Result<(), Failure> {
    let dpop = dpop_key(&a.dpop, provider)?;
    let client =
        discovered_client(&a.issuer, &a.client, dpop.as_ref().map(|d| &d.0), provider).await?;
    let mut request = TokenRequest::client_credentials();
    for s in scope_list(a.scope.as_deref()) {
        request = request.scope(s);
    }
    for r in a.resources {
        request = request.resource(r);
    }
    let tokens = client.token_request(&request).await.map_err(from_adapter)?;
    print_json(with_dpop(token_json(&tokens), dpop.as_ref()))
}

async fn device(a: DeviceArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let dpop = dpop_key(&a.dpop, provider)?;
    let client =
        discovered_client(&a.issuer, &a.client, dpop.as_ref().map(|d| &d.0), provider).await?;
    let flow = client
        .device_authorization(&scope_list(a.scope.as_deref()))
        .await
        .map_err(from_adapter)?;
    let r = flow.response();
    progress(&format!(
        "to authorize, visit {} and enter the code {}",
        one_line(&r.verification_uri),
        one_line(&r.user_code)
    ));
    if let Some(complete) = &r.verification_uri_complete {
        progress(&format!("or open {}", one_line(complete)));
    }
    progress(&format!(
        "waiting for approval (the code expires in {} s)",
        r.expires_in
    ));
    let bound = Duration::from_secs(r.expires_in).saturating_add(DEVICE_GRACE);
    let tokens = tokio::time::timeout(bound, poll_until_done(&client, flow))
        .await
        .map_err(|_| Failure::rejected("the device code expired without an answer"))?
        .map_err(from_adapter)?;
    print_json(with_dpop(token_json(&tokens), dpop.as_ref()))
}

/// Polls until the device flow ends, resuming after transient failures (a 503, a timeout):
/// the flow comes back intact with its next poll one interval later, and the device code's
/// expiry (checked by the flow) ends the loop.
async fn poll_until_done(
    client: &Client,
    mut flow: DeviceAuthorizationFlow,
) -> Result<TokenResponse, authcore_reqwest::Error> {
    loop {
        match client.poll_device(flow).await {
            Err(authcore_reqwest::Error::DevicePollingInterrupted { flow: f, cause }) => {
                progress(&format!("{cause}; polling again"));
                flow = *f;
            }
            other => return other,
        }
    }
}

/// Text from the server, on one line (it goes to the terminal).
fn one_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

async fn refresh(a: RefreshArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let dpop = dpop_key(&a.dpop, provider)?;
    let client =
        discovered_client(&a.issuer, &a.client, dpop.as_ref().map(|d| &d.0), provider).await?;
    let previous = RefreshToken::new(a.refresh_token.clone());
    let mut request = TokenRequest::refresh_token(&previous);
    for s in scope_list(a.scope.as_deref()) {
        request = request.scope(s);
    }
    let tokens = client.token_request(&request).await.map_err(from_adapter)?;
    if tokens
        .refresh_token
        .as_ref()
        .is_some_and(|r| *r != previous)
    {
        progress("the refresh token was rotated: use the new one, discard the old one");
    }
    print_json(with_dpop(token_json(&tokens), dpop.as_ref()))
}

async fn introspect(a: TokenArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let client = discovered_client(&a.issuer, &a.client, None, provider).await?;
    let r = client
        .introspect(&a.token, hint(a.token_type_hint))
        .await
        .map_err(from_adapter)?;
    print_json(introspection_json(&r))
}

async fn revoke(a: TokenArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let client = discovered_client(&a.issuer, &a.client, None, provider).await?;
    match client
        .revoke(&a.token, hint(a.token_type_hint))
        .await
        .map_err(from_adapter)?
    {
        RevocationOutcome::Revoked => {
            let mut m = Map::new();
            m.insert("revoked".into(), true.into());
            print_json(m)
        }
        RevocationOutcome::RetryAfter(Some(secs)) => Err(Failure::rejected(format!(
            "the server cannot revoke the token now (HTTP 503); retry after {secs} s"
        ))),
        _ => Err(Failure::rejected(
            "the server cannot revoke the token now (HTTP 503); retry later",
        )),
    }
}

async fn userinfo(a: UserinfoArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    // Read before any request: a bad --id-token is a usage error, not a wasted exchange.
    let expected = expected_sub(a.sub, a.id_token.as_deref())?;
    let dpop = match &a.dpop_key {
        Some(path) => {
            let key = private_key(path, None, "an `alg` member", provider)?;
            Some(
                DpopKey::new(key, provider)
                    .map_err(|e| Failure::usage(format!("DPoP key: {e}")))?,
            )
        }
        None => None,
    };
    let (insecure, http) = a.issuer.connection.connect(&a.issuer.issuer)?;
    let (metadata, _) = fetch_provider_metadata(&http, &a.issuer.issuer, insecure).await?;
    let endpoint = if a.issuer.connection.tls.client_cert.is_some() {
        metadata.userinfo_endpoint_for_mtls().map_err(from_oidc)?
    } else {
        metadata.userinfo_endpoint.as_deref()
    }
    .ok_or_else(|| Failure::rejected("the provider's metadata has no userinfo_endpoint"))?;
    let token = AccessToken::new(a.access_token);
    let response = match dpop {
        // RFC 9449 §7.1: `Authorization: DPoP` and a proof with `ath`; one retry when the
        // server demands a nonce (§9).
        Some(key) => {
            let request = http::Request::get(endpoint)
                .header(http::header::ACCEPT, "application/json")
                .body(Vec::new())
                .map_err(|_| Failure::rejected("userinfo_endpoint is not a valid HTTP URI"))?;
            let exchange = DpopExchange::new(key, request, Some(token), None);
            http.send_with_dpop(exchange, provider.system_random())
                .await
                .map_err(from_adapter)?
                .0
        }
        None => {
            let request =
                authcore_oidc::build_userinfo_request(endpoint, &token).map_err(from_oidc)?;
            http.execute(request).await.map_err(from_adapter)?
        }
    };
    // OpenID Connect Core §5.3.2: the claims must be about the ID token's subject, `--sub`
    // or the `sub` of `--id-token`. With neither there is nothing to compare with: the
    // response is checked all the same (status, media type, size, a `sub`), and stderr says
    // that its subject was not.
    match expected {
        Some(sub) => authcore_oidc::parse_userinfo_response(&response, &sub),
        None => {
            progress(
                "no --sub or --id-token: the response's subject is not checked \
                 (OpenID Connect Core §5.3.2)",
            );
            authcore_oidc::parse_userinfo_response_without_subject_check(&response)
        }
    }
    .map_err(from_oidc)?;
    let claims =
        json::parse_object(response.body()).map_err(|e| Failure::rejected(e.to_string()))?;
    print_json(claims)
}

/// The `sub` the UserInfo claims must be about: `--sub`, or the `sub` of the ID token given
/// with `--id-token` (a token `login` printed and validated; only its payload is read here).
fn expected_sub(sub: Option<String>, id_token: Option<&str>) -> Result<Option<String>, Failure> {
    match (sub, id_token) {
        (Some(_), Some(_)) => Err(Failure::usage("give --sub or --id-token, not both")),
        (Some(sub), None) => Ok(Some(sub)),
        (None, Some(arg)) => {
            let token = crate::io::read_token(arg)?;
            // The caller's input: unreadable is a usage error, not the server's fault.
            let claims = payload_claims(&token)
                .map_err(|_| Failure::usage("--id-token: not a compact JWT with a JSON payload"))?;
            match claims.get("sub") {
                Some(Value::String(sub)) => Ok(Some(sub.clone())),
                _ => Err(Failure::usage("--id-token: the token has no string `sub`")),
            }
        }
        (None, None) => Ok(None),
    }
}

/// Fetches and validates OpenID provider metadata; returns it and the document as received.
pub(crate) async fn fetch_provider_metadata(
    http: &HttpClient,
    issuer: &str,
    insecure_http: bool,
) -> Result<(ProviderMetadata, Value), Failure> {
    let request = if insecure_http {
        // The core builds discovery requests for https (and loopback http) issuers only;
        // `--allow-http` asked for this one explicitly.
        let url = format!(
            "{}/.well-known/{}",
            issuer.trim_end_matches('/'),
            authcore_oidc::OPENID_CONFIGURATION
        );
        http::Request::get(url)
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|_| Failure::usage(format!("issuer {issuer} is not a valid HTTP URI")))?
    } else {
        authcore_oidc::build_discovery_request(issuer).map_err(from_oidc)?
    };
    let response = http.execute(request).await.map_err(from_adapter)?;
    let metadata =
        authcore_oidc::parse_discovery_response(&response, issuer, &DiscoveryOptions::new())
            .map_err(from_oidc)?;
    let document =
        json::parse_value(response.body()).map_err(|e| Failure::rejected(e.to_string()))?;
    Ok((metadata, document))
}

async fn discover(a: DiscoverArgs) -> Result<(), Failure> {
    let (insecure, http) = a.connection.connect(&a.issuer)?;
    let (_, document) = fetch_provider_metadata(&http, &a.issuer, insecure).await?;
    let Value::Object(m) = document else {
        return Err(Failure::rejected(
            "the metadata document is not a JSON object",
        ));
    };
    print_json(m)
}

async fn login(a: LoginArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let connection = &a.issuer.connection;
    let insecure = check_issuer(&a.issuer.issuer, connection.allow_http)?;
    if a.timeout == 0 {
        return Err(Failure::usage("--timeout must be at least 1 second"));
    }
    let dpop = dpop_key(&a.dpop, provider)?;
    let auth = client_auth(&a.client, &connection.tls, provider)?;
    let listener = loopback::Listener::bind(&a.redirect_uri).await?;
    let http = connection.http_client()?;
    let (metadata, _) = fetch_provider_metadata(&http, &a.issuer.issuer, insecure).await?;
    let server = if connection.tls.client_cert.is_some() {
        metadata.authorization_server_for_mtls()
    } else {
        metadata.authorization_server()
    }
    .map_err(from_oidc)?;
    let require_par = server.require_pushed_authorization_requests();
    let mut builder = Client::builder(a.client.client_id.clone(), auth)
        .http_client(http.clone())
        .crypto_provider(provider);
    if let Some((k, _)) = &dpop {
        builder = builder.dpop(k.clone());
    }
    let client = builder.build(server).map_err(from_adapter)?;

    let mut request = AuthorizationRequest::new(listener.redirect_uri())
        .with_nonce()
        .scope("openid")
        .scopes(a.scope.split_whitespace().filter(|s| *s != "openid"));
    if let Some((k, _)) = &dpop {
        request = request.dpop_jkt(k.jkt());
    }
    let (url, pending) = if a.par || require_par {
        client
            .push_oauth2_authorization_request(request)
            .await
            .map_err(from_adapter)?
    } else {
        client
            .oauth2_authorization_url(request)
            .map_err(from_adapter)?
    };
    progress(&format!("open this URL to sign in: {url}"));
    if !a.no_browser {
        open_browser(url.as_str());
    }
    progress(&format!(
        "waiting for the redirect to {} (up to {} s)",
        listener.redirect_uri(),
        a.timeout
    ));
    let redirected = listener.wait(Duration::from_secs(a.timeout)).await?;
    drop(listener);
    let callback = AuthorizationResponse::from_redirect_uri(&redirected).map_err(from_oauth)?;
    let tokens = client
        .oauth2_exchange_code(pending, &callback)
        .await
        .map_err(from_adapter)?;

    // OpenID Connect Core §3.1.3.7: the ID token of the token response.
    let id_token = tokens.response.id_token.as_ref().ok_or_else(|| {
        Failure::rejected("the token response has no id_token (was the openid scope granted?)")
    })?;
    let nonce = tokens
        .nonce
        .as_ref()
        .ok_or_else(|| Failure::usage("the authorization request carried no nonce"))?;
    let secret = a.client.client_secret.as_deref().map(ClientSecret::new);
    let algorithms = id_token_algorithms(&a.id_token_algs, &metadata, secret.is_some(), provider)?;
    let mut verifier = IdTokenVerifier::new(metadata.issuer(), a.client.client_id.clone())
        .allowed_algorithms(algorithms)
        .and_then(|v| v.with_crypto_provider(provider))
        .map_err(from_oidc)?
        .leeway(a.leeway);
    if let Some(s) = &secret {
        verifier = verifier.client_secret(s).map_err(from_oidc)?;
    }
    let expect = IdTokenExpectations::token_endpoint()
        .nonce(nonce.secret())
        .access_token(tokens.response.access_token.secret());
    let now = crate::io::system_time()?;
    let asymmetric = verifier
        .algorithms()
        .iter()
        .any(|a| a.family() != AlgorithmFamily::Hmac);
    let validated = if asymmetric {
        let jwks = fetch_jwks(&http, &metadata, &verifier, id_token.secret(), provider).await?;
        verifier.validate(id_token.secret(), &jwks, &expect, now)
    } else {
        verifier.validate(id_token.secret(), &VerifyingKeys::new(), &expect, now)
    };
    validated.map_err(|e| match e {
        authcore_oidc::Error::Misuse(m) => Failure::usage(m),
        other => Failure::rejected(format!("ID token: {other}")),
    })?;
    let claims = payload_claims(id_token.secret())?;

    let mut out = Map::new();
    out.insert(
        "tokens".into(),
        Value::Object(with_dpop(token_json(&tokens.response), dpop.as_ref())),
    );
    out.insert("claims".into(), claims);
    print_json(out)
}

/// The ID token algorithms to accept: those given, else the provider's (asymmetric ones,
/// HMAC ones only with a client secret, none that the crypto provider lacks).
fn id_token_algorithms(
    given: &[JwsAlgorithm],
    metadata: &ProviderMetadata,
    have_secret: bool,
    provider: &'static CryptoProvider,
) -> Result<Vec<JwsAlgorithm>, Failure> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let algs: Vec<JwsAlgorithm> = metadata
        .id_token_signing_algorithms()
        .into_iter()
        .filter(|a| have_secret || a.family() != AlgorithmFamily::Hmac)
        .filter(|a| provider.supports(*a))
        .collect();
    if algs.is_empty() {
        return Err(Failure::rejected(
            "the provider lists no ID token signature algorithm this tool can verify \
             (id_token_signing_alg_values_supported); name one with --id-token-alg",
        ));
    }
    Ok(algs)
}

/// The provider's keys, fetched (and refetched once if the token names an unknown `kid`) by
/// the core's JWKS driver.
async fn fetch_jwks(
    http: &HttpClient,
    metadata: &ProviderMetadata,
    verifier: &IdTokenVerifier,
    token: &str,
    provider: &'static CryptoProvider,
) -> Result<JwksCache, Failure> {
    let mut cache = metadata
        .jwks_cache(verifier.algorithms())
        .map_err(from_oidc)?
        .with_crypto_provider(provider);
    http.ensure_jwks(&mut cache, Some(token))
        .await
        .map_err(from_adapter)?;
    Ok(cache)
}

/// The claims of a validated ID token, as the JSON object it carries.
pub(crate) fn payload_claims(token: &str) -> Result<Value, Failure> {
    let payload = token
        .split('.')
        .nth(1)
        .ok_or_else(|| Failure::rejected("the ID token is not a compact JWS"))?;
    let bytes = b64::decode(payload).map_err(|e| Failure::rejected(e.to_string()))?;
    json::parse_value(&bytes).map_err(|e| Failure::rejected(e.to_string()))
}

/// Tries to open `url` in the user's browser; any failure is ignored (the URL is printed).
fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(unix) {
        "xdg-open"
    } else {
        return;
    };
    let child = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        // Reaped in the background; the opener returns quickly and is never waited for.
        std::thread::spawn(move || {
            let _ = child.wait();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_reqwest::Error as E;

    fn status(f: Failure) -> u8 {
        match f {
            Failure::Rejected(_) => 1,
            Failure::Usage(_) => 2,
        }
    }

    #[test]
    fn each_adapter_error_class_has_its_exit_status() {
        let server_error = || {
            E::OAuth(authcore_oauth2::Error::Server(
                authcore_oauth2::ErrorResponse::new(authcore_oauth2::ErrorCode::InvalidClient),
            ))
        };
        // 1: the server refused, or its answer was refused.
        for e in [
            server_error(),
            E::OAuth(authcore_oauth2::ProtocolError::MissingParameter("access_token").into()),
            E::Oidc(authcore_oidc::Error::Jwks(
                authcore_oidc::JwksError::NoUsableKeys,
            )),
            E::Redirect {
                status: 302,
                location: None,
            },
            E::ResponseTooLarge { limit: 1 },
            E::Unsupported("no userinfo_endpoint"),
        ] {
            let shown = format!("{e:?}");
            assert_eq!(status(from_adapter(e)), 1, "{shown}");
        }
        // 2: the caller, the host or the network.
        for e in [
            E::Timeout,
            E::BodyRead(std::io::ErrorKind::ConnectionReset.into()),
            E::Clock,
            E::Runtime(std::io::ErrorKind::OutOfMemory.into()),
            E::Misuse("bad call"),
            E::OAuth(authcore_oauth2::Error::Misuse("bad call")),
        ] {
            let shown = format!("{e:?}");
            assert_eq!(status(from_adapter(e)), 2, "{shown}");
        }
    }

    #[test]
    fn an_interrupted_device_flow_takes_its_causes_status() {
        let flow = || {
            let resp = http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(
                    br#"{"device_code":"d","user_code":"u","verification_uri":"https://v.example","expires_in":60}"#
                        .to_vec(),
                )
                .unwrap();
            let parsed = authcore_oauth2::parse_device_authorization_response(&resp).unwrap();
            Box::new(DeviceAuthorizationFlow::new(
                parsed,
                authcore_jose::UnixTime::from_secs(0),
            ))
        };
        let by_timeout = E::DevicePollingInterrupted {
            flow: flow(),
            cause: Box::new(E::Timeout),
        };
        assert_eq!(status(from_adapter(by_timeout)), 2);
        let by_503 = E::DevicePollingInterrupted {
            flow: flow(),
            cause: Box::new(E::OAuth(
                authcore_oauth2::ProtocolError::UnexpectedStatus { status: 503 }.into(),
            )),
        };
        assert_eq!(status(from_adapter(by_503)), 1);
    }

    #[test]
    fn the_expected_sub_comes_from_sub_or_the_id_token() {
        assert_eq!(expected_sub(None, None).unwrap(), None);
        assert_eq!(
            expected_sub(Some("a".into()), None).unwrap().as_deref(),
            Some("a")
        );
        let token = format!("e30.{}.c2ln", b64::encode(br#"{"sub":"b"}"#));
        assert_eq!(
            expected_sub(None, Some(&token)).unwrap().as_deref(),
            Some("b")
        );
        let no_sub = format!("e30.{}.c2ln", b64::encode(br#"{"sub":1}"#));
        assert!(matches!(
            expected_sub(None, Some(&no_sub)),
            Err(Failure::Usage(_))
        ));
        assert!(matches!(
            expected_sub(Some("a".into()), Some(&token)),
            Err(Failure::Usage(_))
        ));
    }
}
