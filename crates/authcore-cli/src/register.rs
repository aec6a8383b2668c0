//! `authcore oauth2 register`: dynamic client registration (RFC 7591) at a discovered
//! server's `registration_endpoint`.
//!
//! Maps the arguments to client metadata, sends the registration through `authcore-reqwest`
//! and prints the client information response (with the secret and the RFC 7592 registration
//! access token, to keep as secrets) as JSON.

use authcore_oauth2::ClientMetadata;
use authcore_reqwest::Client;
use clap::Args;
use serde_json::{Map, Value};

use crate::Failure;
use crate::cli::IssuerArgs;
use crate::oauth::{fetch_provider_metadata, from_adapter, print_json};

/// Arguments of `oauth2 register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    #[command(flatten)]
    /// The server.
    pub issuer: IssuerArgs,
    /// A redirect URI to register (repeatable).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// `client_name`.
    #[arg(long, value_name = "NAME")]
    pub client_name: Option<String>,
    /// `token_endpoint_auth_method` (the server's default, `client_secret_basic`, when
    /// omitted).
    #[arg(long, value_name = "METHOD")]
    pub token_endpoint_auth_method: Option<String>,
    /// A grant type to register (repeatable; the server's default, `authorization_code`,
    /// when omitted).
    #[arg(long = "grant-type", value_name = "GRANT")]
    pub grant_types: Vec<String>,
    /// A response type to register (repeatable).
    #[arg(long = "response-type", value_name = "TYPE")]
    pub response_types: Vec<String>,
    /// The scope to register, space-separated.
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// `application_type` (OpenID Connect Registration §2): `web` or `native`.
    #[arg(long, value_name = "TYPE")]
    pub application_type: Option<String>,
    /// The initial access token the server requires (RFC 7591 §3; also from the
    /// environment, out of process listings).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "AUTHCORE_INITIAL_ACCESS_TOKEN",
        hide_env_values = true
    )]
    pub initial_access_token: Option<String>,
}

impl RegisterArgs {
    /// The metadata the arguments describe.
    pub fn metadata(&self) -> ClientMetadata {
        let mut m = ClientMetadata::new();
        if !self.redirect_uris.is_empty() {
            m = m.with_redirect_uris(self.redirect_uris.iter().cloned());
        }
        if let Some(n) = &self.client_name {
            m = m.with_client_name(n.clone());
        }
        if let Some(a) = &self.token_endpoint_auth_method {
            m = m.with_token_endpoint_auth_method(a.clone());
        }
        if !self.grant_types.is_empty() {
            m.grant_types = Some(self.grant_types.clone());
        }
        if !self.response_types.is_empty() {
            m.response_types = Some(self.response_types.clone());
        }
        if let Some(s) = &self.scope {
            m.scope = Some(s.split_whitespace().map(str::to_owned).collect());
        }
        if let Some(t) = &self.application_type {
            m.extra
                .insert("application_type".into(), Value::String(t.clone()));
        }
        m
    }
}

/// Runs `oauth2 register`.
pub async fn register(a: RegisterArgs) -> Result<(), Failure> {
    let (insecure, http) = a.issuer.connection.connect(&a.issuer.issuer)?;
    let (metadata, _) = fetch_provider_metadata(&http, &a.issuer.issuer, insecure).await?;
    let endpoint = metadata
        .oauth
        .registration_endpoint
        .clone()
        .ok_or_else(|| {
            Failure::rejected("the server offers no registration_endpoint (RFC 8414 §2)")
        })?;
    let info = Client::register(
        &http,
        &endpoint,
        &a.metadata(),
        a.initial_access_token.as_deref(),
    )
    .await
    .map_err(from_adapter)?;
    let document: Map<String, Value> = serde_json::from_slice(&info.to_json())
        .map_err(|e| Failure::rejected(format!("the registration response: {e}")))?;
    print_json(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: RegisterArgs,
    }

    #[test]
    fn arguments_become_metadata() {
        let w = Wrapper::parse_from([
            "x",
            "--issuer",
            "https://as.example",
            "--redirect-uri",
            "https://app.example/cb",
            "--redirect-uri",
            "https://app.example/cb2",
            "--client-name",
            "App",
            "--grant-type",
            "authorization_code",
            "--scope",
            "read write",
            "--application-type",
            "native",
        ]);
        let m = w.args.metadata();
        assert_eq!(
            m.redirect_uris,
            Some(vec![
                "https://app.example/cb".to_owned(),
                "https://app.example/cb2".to_owned()
            ])
        );
        assert_eq!(m.client_name.as_deref(), Some("App"));
        assert_eq!(m.scope, Some(vec!["read".to_owned(), "write".to_owned()]));
        assert_eq!(m.extra["application_type"], "native");
        assert_eq!(m.token_endpoint_auth_method, None);
    }
}
