//! A mutual TLS OpenID provider stub on 127.0.0.1, for the adapter's and the CLI's mutual TLS
//! tests (RFC 8705).
//!
//! Every TLS handshake must present a client certificate from the test CA (`tests/tls/`, see
//! its README); without one the connection ends in the handshake. Over TLS it serves:
//!
//! - `/.well-known/openid-configuration`: OpenID Connect metadata whose `token_endpoint` and
//!   `userinfo_endpoint` have `mtls_endpoint_aliases` under `/mtls/`;
//! - `/mtls/token`: `client_credentials` for the client whose id is the certificate's subject
//!   common name (`tls_client_auth` with subject matching, RFC 8705 §2.1.2, reduced to the
//!   common name); access token `at-for-<client id>`;
//! - `/mtls/userinfo`: `{"sub": <common name>}`;
//! - the conventional `/token` and `/userinfo`: `invalid_client` (401), so a client that did not
//!   take the aliases fails visibly.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

/// The folder of the test certificates.
pub fn tls_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tls")
}

/// The contents of a file of the test certificates (`ca.pem`, `client-identity.pem`, ...).
pub fn tls_file(name: &str) -> Vec<u8> {
    std::fs::read(tls_dir().join(name)).expect("a test certificate file")
}

/// A running mutual TLS provider stub; stopped when dropped.
pub struct MtlsProvider {
    /// Its issuer identifier and base URL, `https://127.0.0.1:PORT`.
    pub issuer: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MtlsProvider {
    /// Starts the stub on a free port, on a thread with its own runtime.
    pub fn start() -> MtlsProvider {
        let acceptor = acceptor();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let issuer = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().expect("local address").port()
        );
        let (shutdown, stop) = oneshot::channel();
        let base = issuer.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = stop => {}
                    _ = serve(listener, acceptor, base) => {}
                }
            });
        });
        MtlsProvider {
            issuer,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }
}

impl Drop for MtlsProvider {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The server side of the handshake: the test server certificate, client certificates from
/// the test CA required.
fn acceptor() -> TlsAcceptor {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&tls_file("ca.pem")) {
        roots
            .add(cert.expect("CA certificate"))
            .expect("a usable CA");
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .expect("client verifier");
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&tls_file("server-chain.pem"))
            .map(|c| c.expect("server certificate"))
            .collect();
    let key = PrivateKeyDer::from_pem_slice(&tls_file("server.key")).expect("server key");
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .expect("server configuration");
    TlsAcceptor::from(Arc::new(config))
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, base: String) {
    while let Ok((stream, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        let base = base.clone();
        tokio::spawn(async move {
            // A refused handshake (no or untrusted certificate) ends here.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let subject = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|leaf| common_name(leaf.as_ref()));
            let svc = service_fn(move |req: http::Request<Incoming>| {
                let (subject, base) = (subject.clone(), base.clone());
                async move {
                    let path = req.uri().path().to_owned();
                    let body = req
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let (status, json) = answer(&base, &path, &body, subject.as_deref());
                    Ok::<_, std::convert::Infallible>(
                        http::Response::builder()
                            .status(status)
                            .header("content-type", "application/json")
                            .header("cache-control", "no-store")
                            .body(Full::new(Bytes::from(json.to_string())))
                            .expect("a response"),
                    )
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), svc)
                .await;
        });
    }
}

fn answer(base: &str, path: &str, body: &[u8], subject: Option<&str>) -> (u16, serde_json::Value) {
    use serde_json::json;
    let invalid_client = |why: &str| {
        (
            401,
            json!({"error": "invalid_client", "error_description": why}),
        )
    };
    match path {
        "/.well-known/openid-configuration" => (
            200,
            json!({
                "issuer": base,
                "authorization_endpoint": format!("{base}/authorize"),
                "token_endpoint": format!("{base}/token"),
                "userinfo_endpoint": format!("{base}/userinfo"),
                "jwks_uri": format!("{base}/jwks"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["ES256"],
                "token_endpoint_auth_methods_supported": ["tls_client_auth"],
                "tls_client_certificate_bound_access_tokens": true,
                "mtls_endpoint_aliases": {
                    "token_endpoint": format!("{base}/mtls/token"),
                    "userinfo_endpoint": format!("{base}/mtls/userinfo"),
                },
            }),
        ),
        "/mtls/token" => {
            let form: Vec<(String, String)> =
                url::form_urlencoded::parse(body).into_owned().collect();
            let get = |name: &str| {
                form.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            match (get("grant_type"), get("client_id"), subject) {
                (Some("client_credentials"), Some(id), Some(cn)) if id == cn => (
                    200,
                    json!({"access_token": format!("at-for-{cn}"), "token_type": "Bearer",
                           "expires_in": 60}),
                ),
                _ => invalid_client("the certificate does not belong to the client"),
            }
        }
        "/mtls/userinfo" => match subject {
            Some(cn) => (200, json!({"sub": cn})),
            None => invalid_client("no certificate"),
        },
        "/token" | "/userinfo" => invalid_client("use the mutual TLS endpoint"),
        _ => (404, json!({"error": "not_found"})),
    }
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
