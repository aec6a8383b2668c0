//! HTTPS terminated in process ([`Provider::serve_tls`]): the client certificate of the
//! handshake reaches the core, which binds the access token to it (RFC 8705 §3).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use authcore_hyper::{
    MemoryProviderStore, Provider, ProviderSettings, ProviderStore, RateLimitSettings,
};
use authcore_server::ServerConfig;
use authcore_server::config::ResourceServer;
use authcore_server::model::{ClientAuthMethod, ClientRecord};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

const SECRET: &str = "a-secret-for-the-certificate-bound-client";

fn tls_file(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/tls");
    std::fs::read(dir.join(name)).expect("a test certificate file")
}

fn roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&tls_file("ca.pem")) {
        roots.add(cert.unwrap()).unwrap();
    }
    roots
}

fn server_tls() -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    // Client certificates are optional: clients without one still reach the provider.
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots()),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .unwrap();
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&tls_file("server-chain.pem"))
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_slice(&tls_file("server.key")).unwrap();
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap()
}

fn client_tls() -> (rustls::ClientConfig, Vec<u8>) {
    let identity = tls_file("client-identity.pem");
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&identity)
        .map(|c| c.unwrap())
        .collect();
    let leaf = chain[0].to_vec();
    let key = PrivateKeyDer::from_pem_slice(&identity).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots())
    .with_client_auth_cert(chain, key)
    .unwrap();
    (config, leaf)
}

/// One request over a fresh TLS connection with the client certificate.
async fn send(port: u16, request: http::Request<Vec<u8>>) -> (u16, serde_json::Value) {
    let (config, _) = client_tls();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let tls = connector
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(conn);
    let (parts, body) = request.into_parts();
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        sender.send_request(http::Request::from_parts(
            parts,
            Full::new(Bytes::from(body)),
        )),
    )
    .await
    .unwrap()
    .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

fn form(port: u16, path: &str, body: &str) -> http::Request<Vec<u8>> {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("bound:{SECRET}"));
    http::Request::post(format!("https://127.0.0.1:{port}{path}"))
        .header("host", format!("127.0.0.1:{port}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Basic {basic}"))
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_certificate_binds_the_access_token() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let issuer = format!("https://127.0.0.1:{port}");
    let mut config = ServerConfig::new(&issuer).unwrap();
    config.endpoints.introspection = Some(config.endpoint("introspect").unwrap());
    let mut api = ResourceServer::new("https://api.example");
    api.introspection_client_id = Some("bound".into());
    config.resource_servers.push(api);
    let mut settings = ProviderSettings::new(config);
    settings.rate_limits = RateLimitSettings::off();
    let store: Arc<dyn ProviderStore> = Arc::new(MemoryProviderStore::new());
    let provider = Provider::new(settings, store).await.unwrap();
    let mut client = ClientRecord::new("bound", ClientAuthMethod::ClientSecretBasic);
    client.secret = Some(
        authcore_server::client_auth::hash_chosen_secret(
            SECRET,
            &authcore_jose::InsecureTestRandom::new(1),
        )
        .unwrap(),
    );
    client.grant_types = vec!["client_credentials".into()];
    client.allowed_scopes = vec!["read".into()];
    client.tls_client_certificate_bound_access_tokens = true;
    provider.upsert_client(client).await.unwrap();
    // A client that authenticates with the certificate alone (RFC 8705 §2.1: its subject).
    let mut by_subject = ClientRecord::new("mtls-client", ClientAuthMethod::TlsClientAuth);
    by_subject.tls_identity = Some(authcore_server::model::TlsClientIdentity::SubjectDn(
        "CN=mtls-client".into(),
    ));
    by_subject.grant_types = vec!["client_credentials".into()];
    by_subject.allowed_scopes = vec!["read".into()];
    provider.upsert_client(by_subject).await.unwrap();
    let mut other_subject = ClientRecord::new("someone-else", ClientAuthMethod::TlsClientAuth);
    other_subject.tls_identity = Some(authcore_server::model::TlsClientIdentity::SubjectDn(
        "CN=someone-else".into(),
    ));
    other_subject.grant_types = vec!["client_credentials".into()];
    provider.upsert_client(other_subject).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let p = provider.clone();
    let running = tokio::spawn(async move {
        p.serve_tls(listener, server_tls(), async {
            let _ = stopped.await;
        })
        .await
    });

    let (status, token) = send(
        port,
        form(port, "/token", "grant_type=client_credentials&scope=read"),
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let access = token["access_token"].as_str().unwrap();
    let (status, info) = send(port, form(port, "/introspect", &format!("token={access}"))).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["active"], true);
    let (_, leaf) = client_tls();
    let thumbprint = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        authcore_jose::crypto::default_provider()
            .digest(authcore_jose::DigestAlgorithm::Sha256, &leaf),
    );
    assert_eq!(info["cnf"]["x5t#S256"], thumbprint.as_str());

    // tls_client_auth: the certificate's subject is the credential.
    let plain = |body: &str| {
        http::Request::post(format!("https://127.0.0.1:{port}/token"))
            .header("host", format!("127.0.0.1:{port}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let (status, token) = send(
        port,
        plain("grant_type=client_credentials&client_id=mtls-client&scope=read"),
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let (status, refused) = send(
        port,
        plain("grant_type=client_credentials&client_id=someone-else"),
    )
    .await;
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["error"], "invalid_client");

    let _ = stop.send(());
    running.await.unwrap().unwrap();
}
