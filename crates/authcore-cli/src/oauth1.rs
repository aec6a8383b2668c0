//! `authcore oauth1 sign` and `authcore oauth1 verify`: OAuth 1.0a (RFC 5849) signatures for
//! trying out an API and for debugging a server.

use std::path::PathBuf;

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{Jwk, KeyType};
use authcore_oauth1::{
    ClientKey, ClientVerificationKey, Placement, Secret, SignatureMethod, SignedRequest, Signer,
    VerificationPolicy,
};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::Failure;
use crate::io::{now, print_line, read_input};

/// `authcore oauth1 ...`
#[derive(Debug, Subcommand)]
pub enum OAuth1Command {
    /// Sign a request; prints the `Authorization` header line (or, with `--placement body`,
    /// the signed body; with `--placement query`, the signed URL).
    ///
    /// Example: `curl -H "$(authcore oauth1 sign --consumer-key K --consumer-secret S GET
    /// https://api.example.com/r)" https://api.example.com/r`.
    Sign(SignArgs),
    /// Verify a signed request as a server would (signature, timestamp window, parameter
    /// rules); prints the result and the signature base string as JSON. No nonce store: a
    /// replay is not detected.
    Verify(VerifyArgs),
}

/// `--method` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodName {
    /// HMAC-SHA1 (RFC 5849 §3.4.2).
    #[value(name = "HMAC-SHA1")]
    HmacSha1,
    /// HMAC-SHA256.
    #[value(name = "HMAC-SHA256")]
    HmacSha256,
    /// RSA-SHA1 (verify only).
    #[value(name = "RSA-SHA1")]
    RsaSha1,
    /// RSA-SHA256.
    #[value(name = "RSA-SHA256")]
    RsaSha256,
    /// PLAINTEXT (https only).
    #[value(name = "PLAINTEXT")]
    Plaintext,
}

impl From<MethodName> for SignatureMethod {
    fn from(m: MethodName) -> Self {
        match m {
            MethodName::HmacSha1 => SignatureMethod::HmacSha1,
            MethodName::HmacSha256 => SignatureMethod::HmacSha256,
            MethodName::RsaSha1 => SignatureMethod::RsaSha1,
            MethodName::RsaSha256 => SignatureMethod::RsaSha256,
            MethodName::Plaintext => SignatureMethod::Plaintext,
        }
    }
}

/// `--placement` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlacementName {
    /// The `Authorization` header.
    Header,
    /// The form body.
    Body,
    /// The query string.
    Query,
}

/// The request being signed or verified.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The HTTP method (GET, POST, ...).
    pub http_method: String,
    /// The absolute request URL, with its query.
    pub url: String,
    /// The request body. With `--content-type application/x-www-form-urlencoded` (the
    /// default when a body is given) its parameters are signed; other bodies get an
    /// `oauth_body_hash`.
    #[arg(long)]
    pub data: Option<String>,
    /// The body's media type.
    #[arg(long)]
    pub content_type: Option<String>,
}

/// `authcore oauth1 sign`
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The client identifier (`oauth_consumer_key`).
    #[arg(long)]
    pub consumer_key: String,
    /// The client shared secret (HMAC and PLAINTEXT).
    #[arg(long, env = "AUTHCORE_CONSUMER_SECRET", hide_env_values = true)]
    pub consumer_secret: Option<String>,
    /// The client's RSA private key, a PEM or JWK file (RSA-SHA256).
    #[arg(long)]
    pub rsa_key: Option<PathBuf>,
    /// The token (temporary or token credentials).
    #[arg(long, requires = "token_secret")]
    pub token: Option<String>,
    /// The token's shared secret.
    #[arg(
        long,
        env = "AUTHCORE_TOKEN_SECRET",
        hide_env_values = true,
        requires = "token"
    )]
    pub token_secret: Option<String>,
    /// The signature method.
    #[arg(long, value_enum, default_value = "HMAC-SHA1")]
    pub method: MethodName,
    /// Where the protocol parameters go.
    #[arg(long, value_enum, default_value = "header")]
    pub placement: PlacementName,
    /// A `realm` for the header.
    #[arg(long)]
    pub realm: Option<String>,
    /// `oauth_callback` (for a temporary credentials request).
    #[arg(long)]
    pub callback: Option<String>,
    /// `oauth_verifier` (for a token credentials request).
    #[arg(long)]
    pub verifier: Option<String>,
    /// The timestamp to sign with, in seconds since 1970 (default: the system clock).
    #[arg(long)]
    pub now: Option<u64>,
    /// The request.
    #[command(flatten)]
    pub request: RequestArgs,
}

/// `authcore oauth1 verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The client shared secret (HMAC and PLAINTEXT).
    #[arg(long, env = "AUTHCORE_CONSUMER_SECRET", hide_env_values = true)]
    pub consumer_secret: Option<String>,
    /// The client's RSA public key or certificate, a PEM or JWK file (RSA-SHA1, RSA-SHA256).
    #[arg(long)]
    pub rsa_key: Option<PathBuf>,
    /// The token's shared secret, when the request names a token.
    #[arg(long, env = "AUTHCORE_TOKEN_SECRET", hide_env_values = true)]
    pub token_secret: Option<String>,
    /// A request header, `Name: value` (repeatable); the `Authorization` header usually.
    #[arg(long = "header", short = 'H')]
    pub headers: Vec<String>,
    /// Accept PLAINTEXT (over https only).
    #[arg(long)]
    pub allow_plaintext: bool,
    /// Accept RSA keys from this size (default 2048; at least 1024).
    #[arg(long, default_value_t = 2048)]
    pub min_rsa_bits: usize,
    /// The accepted timestamp skew in seconds, either way.
    #[arg(long, default_value_t = 300)]
    pub window: u64,
    /// The time to verify at, in seconds since 1970 (default: the system clock).
    #[arg(long)]
    pub now: Option<u64>,
    /// The request.
    #[command(flatten)]
    pub request: RequestArgs,
}

/// Runs an `oauth1` command.
pub fn run(command: OAuth1Command, provider: &'static CryptoProvider) -> Result<(), Failure> {
    match command {
        OAuth1Command::Sign(a) => sign(a, provider),
        OAuth1Command::Verify(a) => verify(a, provider),
    }
}

fn read_rsa_key(path: &std::path::Path) -> Result<Jwk, Failure> {
    let bytes = read_input(path, "RSA key file")?;
    let text =
        String::from_utf8(bytes).map_err(|_| Failure::usage("the RSA key file is not text"))?;
    let jwk = if text.trim_start().starts_with('{') {
        Jwk::from_json(text.as_bytes())
    } else {
        Jwk::from_pem(&text)
    }
    .map_err(|e| Failure::usage(format!("RSA key: {e}")))?;
    if jwk.key_type() != KeyType::Rsa {
        return Err(Failure::usage("the key is not an RSA key"));
    }
    Ok(jwk)
}

fn build_request(r: &RequestArgs) -> Result<http::Request<Vec<u8>>, Failure> {
    let method = http::Method::from_bytes(r.http_method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::usage(format!("not an HTTP method: {}", r.http_method)))?;
    let mut b = http::Request::builder().method(method).uri(&r.url);
    let content_type = match (&r.content_type, &r.data) {
        (Some(t), _) => Some(t.as_str()),
        (None, Some(_)) => Some("application/x-www-form-urlencoded"),
        (None, None) => None,
    };
    if let Some(t) = content_type {
        b = b.header(http::header::CONTENT_TYPE, t);
    }
    b.body(r.data.clone().unwrap_or_default().into_bytes())
        .map_err(|e| Failure::usage(format!("request: {e}")))
}

fn sign(a: SignArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let method = SignatureMethod::from(a.method);
    let key = if method.is_rsa() {
        let path = a
            .rsa_key
            .as_ref()
            .ok_or_else(|| Failure::usage("RSA methods need --rsa-key"))?;
        ClientKey::rsa(&read_rsa_key(path)?, provider).map_err(|e| Failure::usage(e.to_string()))?
    } else {
        let s = a
            .consumer_secret
            .clone()
            .ok_or_else(|| Failure::usage(format!("{method} needs --consumer-secret")))?;
        ClientKey::Secret(Secret::new(s))
    };
    let placement = match a.placement {
        PlacementName::Header => Placement::Header,
        PlacementName::Body => Placement::Body,
        PlacementName::Query => Placement::Query,
    };
    let mut signer = Signer::new(a.consumer_key.clone(), key)
        .with_method(method)
        .with_placement(placement)
        .with_provider(provider);
    if let Some(r) = &a.realm {
        signer = signer.with_realm(r.clone());
    }
    if let (Some(t), Some(s)) = (&a.token, &a.token_secret) {
        signer = signer.with_token_credentials(t.clone(), s.as_str());
    }
    let mut extra: Vec<(&'static str, &str)> = Vec::new();
    if let Some(c) = &a.callback {
        extra.push(("oauth_callback", c));
    }
    if let Some(v) = &a.verifier {
        extra.push(("oauth_verifier", v));
    }
    let mut req = build_request(&a.request)?;
    signer
        .sign_with(&mut req, &extra, now(a.now)?, provider.system_random())
        .map_err(|e| Failure::usage(e.to_string()))?;
    match placement {
        Placement::Header => {
            let h = req.headers()[http::header::AUTHORIZATION]
                .to_str()
                .unwrap_or_default();
            print_line(&format!("Authorization: {h}"))
        }
        Placement::Body => print_line(&String::from_utf8_lossy(req.body())),
        Placement::Query => print_line(&req.uri().to_string()),
    }
}

fn verify(a: VerifyArgs, provider: &'static CryptoProvider) -> Result<(), Failure> {
    let mut req = build_request(&a.request)?;
    for h in &a.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| Failure::usage(format!("--header needs 'Name: value': {h}")))?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Failure::usage(format!("not a header name: {name}")))?;
        let value = http::HeaderValue::from_str(value.trim())
            .map_err(|_| Failure::usage(format!("not a header value: {value}")))?;
        req.headers_mut().append(name, value);
    }
    let signed =
        SignedRequest::from_http(&req, "https").map_err(|e| Failure::rejected(e.to_string()))?;
    let base_string = signed.base_string();
    let method = signed.signature_method();
    let key = if method.is_rsa() {
        let path = a
            .rsa_key
            .as_ref()
            .ok_or_else(|| Failure::usage(format!("{method} needs --rsa-key")))?;
        ClientVerificationKey::RsaPublic(Box::new(read_rsa_key(path)?))
    } else {
        let s = a
            .consumer_secret
            .clone()
            .ok_or_else(|| Failure::usage(format!("{method} needs --consumer-secret")))?;
        ClientVerificationKey::Secret(Secret::new(s))
    };
    let token_secret = match (signed.token(), &a.token_secret) {
        (Some(_), Some(s)) => Some(Secret::new(s.as_str())),
        (Some(t), None) => {
            return Err(Failure::usage(format!(
                "the request names token {t}: give --token-secret"
            )));
        }
        (None, _) => None,
    };
    let mut policy = VerificationPolicy::default()
        .timestamp_window(a.window)
        .min_rsa_bits(a.min_rsa_bits)
        .provider(provider);
    if a.allow_plaintext {
        policy = policy.allow_plaintext_over_tls();
    }
    let consumer_key = signed.consumer_key().to_owned();
    let token = signed.token().map(str::to_owned);
    match signed.verify(&key, token_secret.as_ref(), &policy, now(a.now)?) {
        // This one-shot check has no nonce store; the nonce is reported, not checked.
        Ok(pending) => {
            let check = pending.nonce_check().clone();
            print_line(
                &json!({
                    "valid": true,
                    "consumer_key": consumer_key,
                    "token": token,
                    "signature_method": method.name(),
                    "timestamp": check.timestamp,
                    "nonce": check.nonce,
                    "base_string": base_string,
                })
                .to_string(),
            )
        }
        Err(e) => Err(Failure::rejected(format!(
            "{e} (HTTP {}); signature base string: {base_string}",
            e.status().as_u16()
        ))),
    }
}
