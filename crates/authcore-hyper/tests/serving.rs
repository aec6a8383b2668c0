//! Serving: graceful shutdown lets a request in flight finish; back-channel logout POSTs
//! reach the client; static clients are upserted.

mod common;

use std::sync::Arc;
use std::time::Duration;

use authcore_hyper::MemoryProviderStore;
use authcore_oidc::IdTokenVerifier;
use bytes::Bytes;
use common::{
    Browser, ProviderSteps, REDIRECT, VERIFIER, authorize_url, now, query_param, start, start_with,
};
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_the_request_in_flight_finish_and_refuses_new_connections() {
    let mut h = start().await;
    let addr = h.base.trim_start_matches("http://").to_owned();
    // A request whose body is still on its way when shutdown begins.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = "grant_type=client_credentials&client_id=nobody";
    let head = format!(
        "POST /token HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    // `100 Continue` comes when the provider starts reading the body: the request is in
    // flight before shutdown begins.
    let mut interim = Vec::new();
    let mut buf = [0u8; 256];
    while !interim.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
            .await
            .expect("100 Continue arrives")
            .unwrap();
        assert!(n > 0, "the connection closed early");
        interim.extend_from_slice(&buf[..n]);
    }
    assert!(
        interim.starts_with(b"HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    stream.flush().await.unwrap();
    h.stop();
    // New connections are refused once the listener is closed (bounded wait).
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "the listener still accepts after shutdown");
    // The request in flight is answered.
    stream.write_all(&body.as_bytes()[5..]).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut response))
        .await
        .expect("the answer arrives")
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(text.contains("invalid_client"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_channel_logout_reaches_the_client() {
    // The client's logout receiver, on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!(
        "http://127.0.0.1:{}/backchannel",
        listener.local_addr().unwrap().port()
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let accept = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        async move {
                            let body = req.into_body().collect().await?.to_bytes().to_vec();
                            let _ = tx.send(body).await;
                            Ok::<_, hyper::Error>(http::Response::new(Full::new(Bytes::new())))
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    let store = Arc::new(MemoryProviderStore::new());
    let h = start_with(
        |s| {
            // Back-channel logout to an http loopback receiver: dev mode only.
            s.dev = true;
            s.server.logout.backchannel = true;
        },
        store,
    )
    .await;
    let mut app = authcore_server::model::ClientRecord::new(
        "app",
        authcore_server::model::ClientAuthMethod::None,
    );
    app.redirect_uris = vec![REDIRECT.into()];
    app.grant_types = vec!["authorization_code".into()];
    app.response_types = vec!["code".into()];
    app.allowed_scopes = vec!["openid".into()];
    app.backchannel_logout_uri = Some(receiver);
    h.provider.upsert_client(app).await.unwrap();

    let mut b = Browser::at(&h.base);
    let back = b.sign_in(&authorize_url(REDIRECT, "openid")).await;
    assert!(back.location().contains("code="), "{}", back.location());

    // Logout, confirmed on the page.
    let page = b.get("/logout").await;
    let csrf = page.field("csrf");
    let r = b
        .post_form("/logout", &[("csrf", &csrf), ("decision", "logout")])
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!b.jar.contains_key("authcore_session"));

    let body = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("the logout token arrives")
        .unwrap();
    let token = authcore_oidc::parse_logout_request_body(&body).unwrap();
    let keys = b.published_keys().await;
    let logout = IdTokenVerifier::new(&h.base, "app")
        .validate_logout_token(&token, keys.as_slice(), now())
        .unwrap();
    assert!(logout.sid.is_some());
    accept.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_nonces_are_demanded_and_bound_tokens_reach_userinfo() {
    use authcore_jose::{InsecureTestRandom, JwsAlgorithm, SigningKey};
    use authcore_oauth2::{AccessToken, DpopKey};
    let h = start_with(
        |s| s.dpop_nonce_window = Some(300),
        Arc::new(MemoryProviderStore::new()),
    )
    .await;
    let rng = InsecureTestRandom::new(11);
    let p = authcore_jose::crypto::default_provider();
    let jwk = authcore_jose::Jwk::generate(JwsAlgorithm::ES256, p, &rng).unwrap();
    let key = DpopKey::new(SigningKey::from_jwk(&jwk, None, p).unwrap(), p).unwrap();

    // Sign in and get a code (the browser part of the flow).
    let mut b = Browser::at(&h.base);
    let back = b.sign_in(&authorize_url(REDIRECT, "openid email")).await;
    let code = query_param(&back.location(), "code");
    let token_url = format!("{}/token", h.base);
    let token_request = |nonce: Option<&str>| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", &code)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("client_id", "app")
            .append_pair("code_verifier", VERIFIER)
            .finish();
        let mut req = http::Request::post(&token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .unwrap();
        key.attach_proof(&mut req, None, nonce, now(), &rng)
            .unwrap();
        req
    };
    // Without a nonce: use_dpop_nonce with the nonce to use (RFC 9449 §8).
    let r = b.send(token_request(None)).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"], "use_dpop_nonce");
    let nonce = r.headers["dpop-nonce"].to_str().unwrap().to_owned();
    let r = b.send(token_request(Some(&nonce))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["token_type"], "DPoP");
    let access = AccessToken::new(r.json()["access_token"].as_str().unwrap());

    // UserInfo with the DPoP-bound token and a fresh proof; the same proof again is a replay.
    let mut req = http::Request::get(format!("{}/userinfo", h.base))
        .body(Vec::new())
        .unwrap();
    key.attach_proof(&mut req, Some(&access), Some(&nonce), now(), &rng)
        .unwrap();
    let replay = req.clone();
    let r = b.send(req).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["email"], "alice@example.com");
    let r = b.send(replay).await;
    assert_eq!(r.status, 401, "{}", r.text());
    // As a plain bearer token it is refused.
    let r = b
        .send(
            http::Request::get(format!("{}/userinfo", h.base))
                .header("authorization", format!("Bearer {}", access.secret()))
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 401);
}
