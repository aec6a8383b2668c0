//! Mutual TLS (RFC 8705) through authcore-reqwest, against the mutual TLS provider stub
//! (`authcore_tests::mtls`): the client certificate in the handshake, root certificates, the
//! `tls_client_auth` client credentials grant, and the facade's use of `mtls_endpoint_aliases`
//! for the token endpoint and UserInfo.

use authcore_oauth2::{
    AuthorizationServer, ClientAuthentication, ClientSecret, TokenRequest, TokenResponseOptions,
    parse_token_response,
};
use authcore_reqwest::{Client, Error, HttpClient, HttpConfig};
use authcore_tests::mtls::{MtlsProvider, tls_file};

fn ca() -> Vec<u8> {
    tls_file("ca.pem")
}

fn identity() -> Vec<u8> {
    tls_file("client-identity.pem")
}

/// Trusts the test CA only and presents the test client certificate.
fn mtls_config() -> HttpConfig {
    HttpConfig::new()
        .only_root_certificates_pem(&ca())
        .unwrap()
        .client_certificate_pem(&identity())
        .unwrap()
}

/// A `tls_client_auth` client credentials request straight through the core and the
/// transport, to `{issuer}/mtls/token`.
async fn client_credentials(config: &HttpConfig, issuer: &str) -> Result<String, Error> {
    let http = HttpClient::new(config)?;
    let server =
        AuthorizationServer::new(issuer).with_token_endpoint(&format!("{issuer}/mtls/token"))?;
    let client = authcore_oauth2::Client::new("mtls-client", ClientAuthentication::TlsClientAuth);
    let rng = authcore_jose::InsecureTestRandom::new(1);
    let request = TokenRequest::client_credentials().build_token_request(
        &client,
        &server,
        authcore_jose::UnixTime::from_secs(1_700_000_000),
        &rng,
    )?;
    let response = http.execute(request).await?;
    let tokens = parse_token_response(&response, &TokenResponseOptions::new())?;
    Ok(tokens.access_token.secret().to_owned())
}

#[tokio::test]
async fn tls_client_auth_presents_the_configured_certificate() {
    let op = MtlsProvider::start();
    let config = mtls_config();
    assert!(config.has_client_certificate());
    assert_eq!(
        client_credentials(&config, &op.issuer).await.unwrap(),
        "at-for-mtls-client"
    );
    // The test CA next to the platform's roots works as well.
    let merged = HttpConfig::new()
        .extra_root_certificates_pem(&ca())
        .unwrap()
        .client_certificate_pem(&identity())
        .unwrap();
    assert_eq!(
        client_credentials(&merged, &op.issuer).await.unwrap(),
        "at-for-mtls-client"
    );
}

#[tokio::test]
async fn handshakes_without_the_right_certificates_fail() {
    let op = MtlsProvider::start();
    // No client certificate: the server ends the handshake.
    let none = HttpConfig::new().only_root_certificates_pem(&ca()).unwrap();
    assert!(!none.has_client_certificate());
    assert!(matches!(
        client_credentials(&none, &op.issuer).await,
        Err(Error::Transport(_))
    ));
    // A certificate from a CA the server does not trust.
    let stranger = none
        .clone()
        .client_certificate_pem(&tls_file("stranger-identity.pem"))
        .unwrap();
    assert!(matches!(
        client_credentials(&stranger, &op.issuer).await,
        Err(Error::Transport(_))
    ));
    // The platform's roots alone do not know the server's CA.
    let platform = HttpConfig::new()
        .client_certificate_pem(&identity())
        .unwrap();
    assert!(matches!(
        client_credentials(&platform, &op.issuer).await,
        Err(Error::Transport(_))
    ));
}

#[test]
fn unusable_pem_is_refused_when_configured_and_keys_never_show() {
    assert!(
        HttpConfig::new()
            .client_certificate_pem(b"not a pem")
            .is_err()
    );
    // A certificate without its key is not an identity.
    assert!(HttpConfig::new().client_certificate_pem(&ca()).is_err());
    assert!(matches!(
        HttpConfig::new().only_root_certificates_pem(b""),
        Err(Error::Misuse(_))
    ));
    let shown = format!("{:?}", mtls_config());
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
}

#[tokio::test]
async fn the_facade_takes_the_mtls_endpoint_aliases() {
    let op = MtlsProvider::start();
    // tls_client_auth: discovery, then the aliases for the token endpoint and UserInfo (the
    // conventional endpoints answer invalid_client).
    let client = Client::builder("mtls-client", ClientAuthentication::TlsClientAuth)
        .http_config(mtls_config())
        .discover(&op.issuer)
        .await
        .unwrap();
    assert_eq!(
        client.server().token_endpoint().unwrap().as_str(),
        format!("{}/mtls/token", op.issuer)
    );
    let tokens = client.client_credentials(&[]).await.unwrap();
    assert_eq!(tokens.access_token.secret(), "at-for-mtls-client");
    let info = client
        .userinfo(&tokens.access_token, "mtls-client")
        .await
        .unwrap();
    assert_eq!(info.sub, "mtls-client");

    // A client certificate alone (certificate-bound tokens) also selects the aliases.
    let secret = || ClientAuthentication::ClientSecretBasic(ClientSecret::new("s"));
    let bound = Client::builder("c", secret())
        .http_config(mtls_config())
        .discover(&op.issuer)
        .await
        .unwrap();
    assert_eq!(
        bound.server().token_endpoint().unwrap().as_str(),
        format!("{}/mtls/token", op.issuer)
    );
    // Turned off: the conventional endpoints, which this server refuses.
    let off = Client::builder("mtls-client", ClientAuthentication::TlsClientAuth)
        .http_config(mtls_config())
        .mtls_endpoint_aliases(false)
        .discover(&op.issuer)
        .await
        .unwrap();
    assert_eq!(
        off.server().token_endpoint().unwrap().as_str(),
        format!("{}/token", op.issuer)
    );
    let refused = off.client_credentials(&[]).await.unwrap_err();
    assert!(refused.to_string().contains("invalid_client"), "{refused}");
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_presents_it_too() {
    let op = MtlsProvider::start();
    let http = authcore_reqwest::blocking::HttpClient::new(&mtls_config()).unwrap();
    let request = http::Request::post(format!("{}/mtls/token", op.issuer))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"grant_type=client_credentials&client_id=mtls-client".to_vec())
        .unwrap();
    let response = http.execute(request).unwrap();
    assert_eq!(response.status(), 200);
    let tokens = parse_token_response(&response, &TokenResponseOptions::new()).unwrap();
    assert_eq!(tokens.access_token.secret(), "at-for-mtls-client");
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_facade_takes_the_aliases_too() {
    let op = MtlsProvider::start();
    let client = authcore_reqwest::blocking::Client::builder(
        "mtls-client",
        ClientAuthentication::TlsClientAuth,
    )
    .http_config(mtls_config())
    .discover(&op.issuer)
    .unwrap();
    let tokens = client.client_credentials(&[]).unwrap();
    assert_eq!(tokens.access_token.secret(), "at-for-mtls-client");
    let info = client
        .userinfo(&tokens.access_token, "mtls-client")
        .unwrap();
    assert_eq!(info.sub, "mtls-client");
}
