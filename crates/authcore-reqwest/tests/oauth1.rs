//! The OAuth 1.0a signer as a request hook: requests signed by the adapter reach a local
//! server on 127.0.0.1, which verifies them with authcore-oauth1's server side.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use authcore_reqwest::authcore_oauth1::{
    self as core, ClientVerificationKey, Secret, SignedRequest, VerificationPolicy,
};
use authcore_reqwest::{Error, HttpClient, HttpConfig, oauth1::Signer};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Serves an OAuth 1.0a protected resource on 127.0.0.1 (a free port): 200 with the token for
/// a request that verifies, else the core's error response.
async fn serve() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let nonces = Arc::new(Mutex::new(HashSet::new()));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let nonces = nonces.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let nonces = nonces.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|c| c.to_bytes())
                            .unwrap_or_default();
                        let req = Request::from_parts(parts, body.to_vec());
                        let now = authcore_reqwest::now().unwrap();
                        let verified = SignedRequest::from_http(&req, "http").and_then(|s| {
                            let ts = Secret::new("token-secret");
                            let p = s.verify(
                                &ClientVerificationKey::Secret(Secret::new("consumer-secret")),
                                Some(&ts),
                                &VerificationPolicy::default(),
                                now,
                            )?;
                            let inserted = nonces.lock().unwrap().insert(p.nonce_check().clone());
                            p.complete(inserted)
                        });
                        let resp = match verified {
                            Ok(v) => {
                                Response::new(format!("hello {}", v.token().unwrap()).into_bytes())
                            }
                            Err(e) => e.to_response(),
                        };
                        let (parts, body) = resp.into_parts();
                        Ok::<_, Infallible>(Response::from_parts(
                            parts,
                            Full::new(Bytes::from(body)),
                        ))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn signed_requests_verify_and_unsigned_or_wrongly_signed_do_not() {
    let addr = serve().await;
    let http = HttpClient::new(&HttpConfig::new()).unwrap();
    let url = format!("http://{addr}/resource?x=1");
    let get = || Request::get(&url).body(Vec::new()).unwrap();
    let signer = Signer::new(
        core::Signer::new("consumer-key", Secret::new("consumer-secret"))
            .with_token_credentials("token", "token-secret"),
    );
    let resp = signer.send(&http, get()).await.unwrap();
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    assert_eq!(resp.body(), b"hello token");
    // Through the hook form, with a form body in the body placement.
    let body_signer = Signer::new(
        core::Signer::new("consumer-key", Secret::new("consumer-secret"))
            .with_token_credentials("token", "token-secret")
            .with_placement(core::Placement::Body),
    );
    let post = Request::post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"a=1".to_vec())
        .unwrap();
    let resp = http
        .execute_with(post, |r| body_signer.sign(r))
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    // Unsigned: 400 (missing parameters); wrong secret: 401.
    assert_eq!(http.execute(get()).await.unwrap().status(), 400);
    let wrong = Signer::new(
        core::Signer::new("consumer-key", Secret::new("other"))
            .with_token_credentials("token", "token-secret"),
    );
    assert_eq!(wrong.send(&http, get()).await.unwrap().status(), 401);
    // A request the core refuses to sign (PLAINTEXT over http) is an error before sending.
    let plaintext = Signer::new(
        core::Signer::new("consumer-key", Secret::new("consumer-secret"))
            .with_method(core::SignatureMethod::Plaintext),
    );
    assert!(matches!(
        plaintext.send(&http, get()).await,
        Err(Error::OAuth1(core::Error::PlaintextWithoutTls))
    ));
}
