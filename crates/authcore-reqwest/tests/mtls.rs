//! Mutual TLS (RFC 8705) through the adapter: a TLS server on 127.0.0.1 that demands a client
//! certificate from the test CA (certificates in `tests/tls/`, see its README) answers a
//! `tls_client_auth` client credentials request with the subject of the certificate it saw.

use std::sync::Arc;

use authcore_oauth2::{
    AuthorizationServer, ClientAuthentication, ClientSecret, TokenRequest, TokenResponseOptions,
    parse_token_response,
};
use authcore_reqwest::{Client, Error, HttpClient, HttpConfig};
use http::Response;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const CA: &[u8] = include_bytes!("tls/ca.pem");
const SERVER_CHAIN: &[u8] = include_bytes!("tls/server-chain.pem");
const SERVER_KEY: &[u8] = include_bytes!("tls/server.key");
const CLIENT_IDENTITY: &[u8] = include_bytes!("tls/client-identity.pem");
const STRANGER_IDENTITY: &[u8] = include_bytes!("tls/stranger-identity.pem");

/// A TLS server on 127.0.0.1 (a free port) that requires a client certificate issued by the
/// test CA. Its token endpoint answers `client_credentials` for the client id `mtls-client`
/// when the certificate's subject names it (RFC 8705 §2.1.2, subject DN matching, reduced to
/// the common name), and its UserInfo endpoint names that subject; its base URL comes back.
async fn mtls_server() -> String {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(CA) {
        roots.add(cert.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(SERVER_CHAIN)
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake (no or untrusted certificate) ends here.
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let subject_cn = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|leaf| common_name(leaf.as_ref()));
                let svc = service_fn(move |req: http::Request<Incoming>| {
                    let subject_cn = subject_cn.clone();
                    async move {
                        let path = req.uri().path().to_owned();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let form: Vec<(String, String)> =
                            url::form_urlencoded::parse(&body).into_owned().collect();
                        let client_id = form
                            .iter()
                            .find(|(k, _)| k == "client_id")
                            .map(|(_, v)| v.clone());
                        let (status, json) = match (&client_id, &subject_cn) {
                            // UserInfo about the certificate's subject.
                            (_, Some(Some(cn))) if path == "/userinfo" => {
                                (200, format!(r#"{{"sub":"{cn}"}}"#))
                            }
                            (Some(id), Some(Some(cn))) if id == cn => (
                                200,
                                format!(
                                    r#"{{"access_token":"at-for-{cn}","token_type":"Bearer","expires_in":60}}"#
                                ),
                            ),
                            _ => (401, r#"{"error":"invalid_client"}"#.to_owned()),
                        };
                        Ok::<_, std::convert::Infallible>(
                            Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(json)))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}

/// The subject common name of a DER certificate: the UTF8String or PrintableString after the
/// last commonName attribute type (2.5.4.3) in it (the subject comes after the issuer). Enough
/// for the test certificates.
fn common_name(der: &[u8]) -> Option<String> {
    const CN: [u8; 5] = [0x06, 0x03, 0x55, 0x04, 0x03];
    let at = der.windows(CN.len()).rposition(|w| w == CN)? + CN.len();
    let (tag, len) = (*der.get(at)?, usize::from(*der.get(at + 1)?));
    if tag != 0x0c && tag != 0x13 {
        return None;
    }
    String::from_utf8(der.get(at + 2..at + 2 + len)?.to_vec()).ok()
}

async fn client_credentials(config: &HttpConfig, base: &str) -> Result<String, Error> {
    let http = HttpClient::new(config)?;
    let server = AuthorizationServer::new(base).with_token_endpoint(&format!("{base}/token"))?;
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
    let base = mtls_server().await;
    let config = HttpConfig::new()
        .only_root_certificates_pem(CA)
        .unwrap()
        .client_certificate_pem(CLIENT_IDENTITY)
        .unwrap();
    assert!(config.has_client_certificate());
    assert_eq!(
        client_credentials(&config, &base).await.unwrap(),
        "at-for-mtls-client"
    );
    // The test CA next to the platform's roots works as well.
    let merged = HttpConfig::new()
        .extra_root_certificates_pem(CA)
        .unwrap()
        .client_certificate_pem(CLIENT_IDENTITY)
        .unwrap();
    assert_eq!(
        client_credentials(&merged, &base).await.unwrap(),
        "at-for-mtls-client"
    );
}

#[tokio::test]
async fn handshakes_without_the_right_certificates_fail() {
    let base = mtls_server().await;
    // No client certificate: the server ends the handshake.
    let none = HttpConfig::new().only_root_certificates_pem(CA).unwrap();
    assert!(!none.has_client_certificate());
    assert!(matches!(
        client_credentials(&none, &base).await,
        Err(Error::Transport(_))
    ));
    // A certificate from a CA the server does not trust.
    let stranger = none
        .clone()
        .client_certificate_pem(STRANGER_IDENTITY)
        .unwrap();
    assert!(matches!(
        client_credentials(&stranger, &base).await,
        Err(Error::Transport(_))
    ));
    // The platform's roots alone do not know the server's CA.
    let platform = HttpConfig::new()
        .client_certificate_pem(CLIENT_IDENTITY)
        .unwrap();
    assert!(matches!(
        client_credentials(&platform, &base).await,
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
    assert!(HttpConfig::new().client_certificate_pem(CA).is_err());
    assert!(matches!(
        HttpConfig::new().only_root_certificates_pem(b""),
        Err(Error::Misuse(_))
    ));
    let config = HttpConfig::new()
        .client_certificate_pem(CLIENT_IDENTITY)
        .unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
}

#[cfg(feature = "blocking")]
#[tokio::test(flavor = "multi_thread")]
async fn the_blocking_client_presents_it_too() {
    let base = mtls_server().await;
    let config = HttpConfig::new()
        .only_root_certificates_pem(CA)
        .unwrap()
        .client_certificate_pem(CLIENT_IDENTITY)
        .unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let http = authcore_reqwest::blocking::HttpClient::new(&config).unwrap();
        let request = http::Request::post(format!("{base}/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"grant_type=client_credentials&client_id=mtls-client".to_vec())
            .unwrap();
        http.execute(request).unwrap().status()
    })
    .await
    .unwrap();
    assert_eq!(status, 200);
}

/// Provider metadata whose conventional endpoints are unreachable and whose RFC 8705 §5
/// aliases point at the mutual TLS server `base`.
fn metadata_with_aliases(base: &str) -> authcore_oidc::ProviderMetadata {
    let doc = serde_json::json!({
        "issuer": "https://op.example",
        "authorization_endpoint": "https://op.example/authorize",
        "token_endpoint": "https://op.example/token",
        "userinfo_endpoint": "https://op.example/userinfo",
        "jwks_uri": "https://op.example/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "mtls_endpoint_aliases": {
            "token_endpoint": format!("{base}/token"),
            "userinfo_endpoint": format!("{base}/userinfo"),
        },
    });
    authcore_oidc::ProviderMetadata::from_json(doc.to_string().as_bytes(), "https://op.example")
        .unwrap()
}

#[tokio::test]
async fn the_facade_takes_the_mtls_endpoint_aliases() {
    let base = mtls_server().await;
    let m = metadata_with_aliases(&base);
    let tls_config = || {
        HttpConfig::new()
            .only_root_certificates_pem(CA)
            .unwrap()
            .client_certificate_pem(CLIENT_IDENTITY)
            .unwrap()
    };
    // tls_client_auth: the aliases, for the token endpoint and for UserInfo.
    let client = Client::builder("mtls-client", ClientAuthentication::TlsClientAuth)
        .http_config(tls_config())
        .build_with_metadata(m.clone())
        .unwrap();
    assert_eq!(
        client.server().token_endpoint().unwrap().as_str(),
        format!("{base}/token")
    );
    let tokens = client.client_credentials(&[]).await.unwrap();
    assert_eq!(tokens.access_token.secret(), "at-for-mtls-client");
    let info = client
        .userinfo(&tokens.access_token, Some("mtls-client"))
        .await
        .unwrap();
    assert_eq!(info.sub, "mtls-client");

    // A client certificate alone (certificate-bound tokens) also selects the aliases.
    let secret = || ClientAuthentication::ClientSecretBasic(ClientSecret::new("s"));
    let bound = Client::builder("c", secret())
        .http_config(tls_config())
        .build_with_metadata(m.clone())
        .unwrap();
    assert_eq!(
        bound.server().token_endpoint().unwrap().as_str(),
        format!("{base}/token")
    );
    // Without mutual TLS, or when turned off: the conventional endpoints.
    let plain = Client::builder("c", secret())
        .build_with_metadata(m.clone())
        .unwrap();
    assert_eq!(
        plain.server().token_endpoint().unwrap().as_str(),
        "https://op.example/token"
    );
    let off = Client::builder("mtls-client", ClientAuthentication::TlsClientAuth)
        .mtls_endpoint_aliases(false)
        .build_with_metadata(m)
        .unwrap();
    assert_eq!(
        off.server().token_endpoint().unwrap().as_str(),
        "https://op.example/token"
    );
}
