//! The adapter against local HTTP servers on 127.0.0.1: transport limits (redirects, body
//! cap, timeouts), the DPoP nonce retry, and device-flow polling with `slow_down`.

// Tests measure real elapsed time (timeouts, polling intervals) like the adapter they test.
#![allow(clippy::disallowed_methods)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authcore_jose::{Jwk, JwsAlgorithm, SigningKey, crypto};
use authcore_oauth2::{
    AuthorizationServer, ClientAuthentication, ClientSecret, DpopKey, ErrorCode, TokenType,
};
use authcore_reqwest::{Client, Error, HttpClient, HttpConfig};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Reply = Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>;
type Handler = Arc<dyn Fn(Request<Bytes>) -> Reply + Send + Sync>;

/// Serves `handler` on 127.0.0.1 (a free port) until the runtime ends.
async fn serve(handler: Handler) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let h = handler.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let h = h.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let bytes = body
                            .collect()
                            .await
                            .map(|c| c.to_bytes())
                            .unwrap_or_default();
                        Ok::<_, Infallible>(h(Request::from_parts(parts, bytes)).await)
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

fn handler<F>(f: F) -> Handler
where
    F: Fn(Request<Bytes>) -> Response<Full<Bytes>> + Send + Sync + 'static,
{
    Arc::new(move |req| {
        let resp = f(req);
        Box::pin(async move { resp })
    })
}

fn json(status: u16, body: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

fn get(url: &str) -> Request<Vec<u8>> {
    Request::builder().uri(url).body(Vec::new()).unwrap()
}

fn http_client(config: HttpConfig) -> HttpClient {
    HttpClient::new(&config).unwrap()
}

#[tokio::test]
async fn request_and_response_are_carried_unchanged() {
    let addr = serve(handler(|req| {
        let echo = format!(
            "{} {} {} {}",
            req.method(),
            req.uri(),
            req.headers()["x-test"].to_str().unwrap(),
            String::from_utf8_lossy(req.body())
        );
        Response::builder()
            .status(418)
            .header("x-answer", "42")
            .body(Full::new(Bytes::from(echo)))
            .unwrap()
    }))
    .await;
    let req = Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/path?q=1"))
        .header("x-test", "yes")
        .body(b"a=b".to_vec())
        .unwrap();
    let resp = http_client(HttpConfig::new()).execute(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(resp.headers()["x-answer"], "42");
    assert_eq!(resp.body(), b"POST /path?q=1 yes a=b");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let followed = Arc::new(AtomicUsize::new(0));
    let f = followed.clone();
    let addr = serve(handler(move |req| {
        if req.uri().path() == "/elsewhere" {
            f.fetch_add(1, Ordering::SeqCst);
            return json(200, "{}");
        }
        Response::builder()
            .status(302)
            .header("location", "/elsewhere")
            .body(Full::new(Bytes::new()))
            .unwrap()
    }))
    .await;
    for status_path in ["/token", "/other"] {
        let err = http_client(HttpConfig::new())
            .execute(get(&format!("http://{addr}{status_path}")))
            .await
            .unwrap_err();
        match err {
            Error::Redirect { status, location } => {
                assert_eq!(status, 302);
                assert_eq!(location.as_deref(), Some("/elsewhere"));
            }
            other => panic!("expected a redirect error, got {other:?}"),
        }
    }
    assert_eq!(followed.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn body_cap_with_content_length() {
    let addr = serve(handler(|req| {
        let n: usize = req.uri().path()[1..].parse().unwrap();
        json(200, &"x".repeat(n))
    }))
    .await;
    let http = http_client(HttpConfig::new().max_response_bytes(100));
    let ok = http
        .execute(get(&format!("http://{addr}/100")))
        .await
        .unwrap();
    assert_eq!(ok.body().len(), 100, "exactly the cap is accepted");
    let err = http
        .execute(get(&format!("http://{addr}/101")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 100 }),
        "{err:?}"
    );
}

/// A raw server that streams a chunked body of `total` bytes without `Content-Length`;
/// reports how many bytes it managed to write before the client hung up.
async fn chunked_server(total: usize) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicUsize::new(0));
    let w = written.clone();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b'x'; 16 * 1024];
        let mut sent = 0;
        while sent < total {
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if s.write_all(&frame).await.is_err() {
                break;
            }
            sent += chunk.len();
            w.store(sent, Ordering::SeqCst);
        }
        let _ = s.write_all(b"0\r\n\r\n").await;
    });
    (addr, written)
}

#[tokio::test]
async fn body_cap_while_streaming() {
    // 64 MiB offered; the client must stop shortly past its 64 KiB cap.
    let (addr, written) = chunked_server(64 << 20).await;
    let http = http_client(HttpConfig::new().max_response_bytes(64 * 1024));
    let err = http
        .execute(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 65536 }),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        written.load(Ordering::SeqCst) < 32 << 20,
        "the client kept reading after the cap"
    );
}

#[tokio::test]
async fn total_timeout() {
    let addr = serve(Arc::new(|_req| {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            json(200, "{}")
        })
    }))
    .await;
    let http = http_client(HttpConfig::new().timeout(Duration::from_millis(300)));
    let started = Instant::now();
    let err = http
        .execute(get(&format!("http://{addr}/slow")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn total_timeout_covers_a_stalled_body() {
    // Headers at once, then ten bytes of a hundred, then silence.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789")
            .await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let http = http_client(HttpConfig::new().timeout(Duration::from_millis(500)));
    let started = Instant::now();
    let err = http
        .execute(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn connect_timeout_or_refusal_is_an_error() {
    // A port nothing listens on: refused at once (a transport error, not a hang).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let http = http_client(HttpConfig::new().connect_timeout(Duration::from_millis(500)));
    let err = http
        .execute(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport(_) | Error::Timeout),
        "{err:?}"
    );
}

fn claims_of(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&authcore_jose::b64::decode(payload).unwrap()).unwrap()
}

fn dpop_key() -> DpopKey {
    let provider = crypto::default_provider();
    let jwk = Jwk::generate(JwsAlgorithm::ES256, provider, provider.system_random()).unwrap();
    DpopKey::new(
        SigningKey::from_jwk(&jwk, None, provider).unwrap(),
        provider,
    )
    .unwrap()
}

/// A token endpoint and a resource that both demand the nonce `n1` (RFC 9449 §8, §9), and
/// record the proofs they saw.
async fn dpop_server() -> (SocketAddr, Arc<Mutex<Vec<serde_json::Value>>>) {
    let proofs = Arc::new(Mutex::new(Vec::new()));
    let p = proofs.clone();
    let addr = serve(handler(move |req| {
        let proof = claims_of(req.headers()["dpop"].to_str().unwrap());
        p.lock().unwrap().push(proof.clone());
        let has_nonce = proof.get("nonce").and_then(|n| n.as_str()) == Some("n1");
        match (req.uri().path(), has_nonce) {
            ("/token", false) => {
                let mut r = json(400, r#"{"error":"use_dpop_nonce"}"#);
                r.headers_mut().insert("dpop-nonce", "n1".parse().unwrap());
                r
            }
            ("/token", true) => json(
                200,
                r#"{"access_token":"at-1","token_type":"DPoP","expires_in":60}"#,
            ),
            ("/resource", false) => {
                let mut r = json(401, "");
                r.headers_mut().insert(
                    "www-authenticate",
                    r#"DPoP error="use_dpop_nonce", algs="ES256""#.parse().unwrap(),
                );
                r.headers_mut().insert("dpop-nonce", "n1".parse().unwrap());
                r
            }
            ("/resource", true) => {
                assert_eq!(req.headers()["authorization"], "DPoP at-1");
                assert!(proof.get("ath").is_some());
                json(200, r#"{"sub":"alice"}"#)
            }
            _ => json(404, "{}"),
        }
    }))
    .await;
    (addr, proofs)
}

#[tokio::test]
async fn dpop_nonce_retry_at_token_endpoint_and_resource() {
    let (addr, proofs) = dpop_server().await;
    let base = format!("http://{addr}");
    let server = AuthorizationServer::new(base.clone())
        .with_token_endpoint(&format!("{base}/token"))
        .unwrap();
    let client = Client::builder(
        "c1",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s1")),
    )
    .dpop(dpop_key())
    .build(server)
    .unwrap();

    let tokens = client.client_credentials(&[]).await.unwrap();
    assert_eq!(tokens.token_type, TokenType::DPoP);
    {
        let seen = proofs.lock().unwrap();
        assert_eq!(seen.len(), 2, "one nonce demand, one retry");
        assert!(seen[0].get("nonce").is_none());
        assert_eq!(seen[1]["nonce"], "n1");
        assert_eq!(seen[1]["htu"], format!("{base}/token"));
    }

    // The nonce is remembered for the origin: the resource request carries it at once.
    let resp = client
        .send_protected(get(&format!("{base}/resource")), &tokens.access_token)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(proofs.lock().unwrap().len(), 3);

    // Without a remembered nonce, the resource's 401 demand is retried once.
    let fresh = HttpClient::new(&HttpConfig::new()).unwrap();
    let exchange = authcore_oauth2::DpopExchange::new(
        client.dpop_key().unwrap().clone(),
        get(&format!("{base}/resource")),
        Some(tokens.access_token.clone()),
        None,
    );
    let (resp, nonce) = fresh
        .send_with_dpop(exchange, crypto::default_provider().system_random())
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(nonce.as_deref(), Some("n1"));
    assert_eq!(proofs.lock().unwrap().len(), 5);
}

/// A device authorization server answering the token endpoint with `script` in order
/// (the last entry repeats), recording when each poll arrived.
async fn device_server(
    interval: u64,
    expires_in: u64,
    script: Vec<&'static str>,
) -> (String, Arc<Mutex<Vec<Instant>>>) {
    let polls = Arc::new(Mutex::new(Vec::new()));
    let p = polls.clone();
    let addr = serve(handler(move |req| match req.uri().path() {
        "/device" => json(
            200,
            &format!(
                r#"{{"device_code":"dc","user_code":"WDJB-MJHT","verification_uri":"https://as.example/device","expires_in":{expires_in},"interval":{interval}}}"#
            ),
        ),
        "/token" => {
            let mut seen = p.lock().unwrap();
            seen.push(Instant::now());
            let body = script[(seen.len() - 1).min(script.len() - 1)];
            if let Some(status) = body.strip_prefix("status ") {
                // A bare status with an HTML body, as a proxy in front of the server sends.
                Response::builder()
                    .status(status.parse::<u16>().unwrap())
                    .header("content-type", "text/html")
                    .body(Full::new(Bytes::from_static(b"<h1>Service Unavailable</h1>")))
                    .unwrap()
            } else if body.contains("error") {
                json(400, body)
            } else {
                json(200, body)
            }
        }
        _ => json(404, "{}"),
    }))
    .await;
    (format!("http://{addr}"), polls)
}

fn device_client(base: &str) -> Client {
    let server = AuthorizationServer::new(base)
        .with_token_endpoint(&format!("{base}/token"))
        .unwrap()
        .with_device_authorization_endpoint(&format!("{base}/device"))
        .unwrap();
    Client::builder(
        "tv",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .build(server)
    .unwrap()
}

#[tokio::test]
async fn device_polling_honours_pending_and_slow_down() {
    let (base, polls) = device_server(
        1,
        60,
        vec![
            r#"{"error":"authorization_pending"}"#,
            r#"{"error":"slow_down"}"#,
            r#"{"access_token":"at","token_type":"Bearer"}"#,
        ],
    )
    .await;
    let client = device_client(&base);
    let flow = client.device_authorization(&["read"]).await.unwrap();
    assert_eq!(flow.response().user_code, "WDJB-MJHT");
    let started = Instant::now();
    let tokens = client.poll_device(flow).await.unwrap();
    assert_eq!(tokens.access_token.secret(), "at");
    let seen = polls.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    // After `slow_down` the interval is 1 + 5 seconds (RFC 8628 §3.5).
    let gap = seen[2] - seen[1];
    assert!(
        gap >= Duration::from_millis(5500),
        "polled again after {gap:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn device_polling_stops_on_denial_and_on_expiry() {
    let (base, polls) = device_server(1, 60, vec![r#"{"error":"access_denied"}"#]).await;
    let err = device_client(&base)
        .poll_device(
            device_client(&base)
                .device_authorization(&[])
                .await
                .unwrap(),
        )
        .await
        .unwrap_err();
    match err {
        Error::OAuth(authcore_oauth2::Error::Server(e)) => {
            assert_eq!(e.error, ErrorCode::AccessDenied)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(polls.lock().unwrap().len(), 1);

    let (base, _) = device_server(1, 3, vec![r#"{"error":"authorization_pending"}"#]).await;
    let client = device_client(&base);
    let started = Instant::now();
    let err = client
        .poll_device(client.device_authorization(&[]).await.unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OAuth(authcore_oauth2::Error::DeviceCodeExpired { .. })
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn device_polling_hands_the_flow_back_on_503_and_continues() {
    let (base, polls) = device_server(
        1,
        60,
        vec![
            "status 503",
            r#"{"access_token":"at","token_type":"Bearer"}"#,
        ],
    )
    .await;
    let client = device_client(&base);
    let flow = client.device_authorization(&[]).await.unwrap();
    let err = client.poll_device(flow).await.unwrap_err();
    // The interruption names its cause.
    assert!(std::error::Error::source(&err).is_some());
    let Error::DevicePollingInterrupted { flow, cause } = err else {
        panic!("a 503 must not end the flow: {err:?}")
    };
    assert!(
        matches!(
            *cause,
            Error::OAuth(authcore_oauth2::Error::Protocol(
                authcore_oauth2::ProtocolError::UnexpectedStatus { status: 503 }
            ))
        ),
        "{cause:?}"
    );
    // Polling again with the flow handed back gets the tokens.
    let tokens = client.poll_device(*flow).await.unwrap();
    assert_eq!(tokens.access_token.secret(), "at");
    assert_eq!(polls.lock().unwrap().len(), 2);
}

/// A server whose handler sees its own base URL.
async fn serve_with_base<F>(f: F) -> String
where
    F: Fn(&str, Request<Bytes>) -> Response<Full<Bytes>> + Send + Sync + 'static,
{
    let base: Arc<OnceLockString> = Arc::new(OnceLockString::default());
    let b = base.clone();
    let addr = serve(handler(move |req| f(b.0.get().unwrap(), req))).await;
    let url = format!("http://{addr}");
    base.0.set(url.clone()).unwrap();
    url
}

#[derive(Default)]
struct OnceLockString(std::sync::OnceLock<String>);

fn openid_configuration(issuer: &str) -> String {
    serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/me"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
    })
    .to_string()
}

#[tokio::test]
async fn discovery_openid_configuration_then_rfc8414_and_exact_issuer() {
    let base = serve_with_base(|base, req| match req.uri().path() {
        "/.well-known/openid-configuration" => json(200, &openid_configuration(base)),
        // An OAuth-only issuer with a path: no OpenID configuration under it.
        "/.well-known/oauth-authorization-server/oauth" => json(
            200,
            &format!(r#"{{"issuer":"{base}/oauth","token_endpoint":"{base}/oauth/token"}}"#),
        ),
        _ => json(404, "{}"),
    })
    .await;
    let auth = || ClientAuthentication::ClientSecretBasic(ClientSecret::new("s"));

    let oidc = Client::builder("c", auth()).discover(&base).await.unwrap();
    assert!(oidc.provider_metadata().is_some());
    assert_eq!(
        oidc.server().token_endpoint().unwrap().as_str(),
        format!("{base}/token")
    );

    let oauth = Client::builder("c", auth())
        .discover(&format!("{base}/oauth"))
        .await
        .unwrap();
    assert!(oauth.provider_metadata().is_none(), "RFC 8414 fallback");
    assert!(oauth.metadata().is_some());
    assert!(matches!(
        oauth.validate_logout_token("x.y.z").await,
        Err(Error::Misuse(_))
    ));

    // A document for another issuer is refused (OpenID Connect Discovery §4.3).
    let err = Client::builder("c", auth())
        .discover(&format!("{base}/"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Oidc(_)), "{err:?}");
}

#[tokio::test]
async fn debug_of_a_discovered_client_shows_urls_as_strings() {
    let base = serve_with_base(|base, req| match req.uri().path() {
        "/.well-known/openid-configuration" => json(200, &openid_configuration(base)),
        _ => json(404, "{}"),
    })
    .await;
    let client = Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("hunter2")),
    )
    .discover(&base)
    .await
    .unwrap();
    let debug = format!("{client:?}");
    assert!(
        debug.contains(&format!(r#"token_endpoint: Some("{base}/token")"#)),
        "{debug}"
    );
    // None of `url::Url`'s parse internals, and no secret.
    for hidden in ["serialization", "scheme_end", "host_start", "hunter2"] {
        assert!(!debug.contains(hidden), "{hidden} in {debug}");
    }
}

#[tokio::test]
async fn userinfo_checks_the_id_token_sub() {
    let base = serve_with_base(|base, req| match req.uri().path() {
        "/.well-known/openid-configuration" => json(200, &openid_configuration(base)),
        "/me" => json(200, r#"{"sub":"alice","name":"Alice"}"#),
        _ => json(404, "{}"),
    })
    .await;
    let client = Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .discover(&base)
    .await
    .unwrap();
    let token = authcore_oauth2::AccessToken::new("at");
    let me = client.userinfo(&token, "alice").await.unwrap();
    assert_eq!(me.standard.name.as_deref(), Some("Alice"));
    // OpenID Connect Core §5.3.2: claims about another subject are refused.
    match client.userinfo(&token, "mallory").await {
        Err(Error::Oidc(authcore_oidc::Error::UserInfo(
            authcore_oidc::UserInfoError::SubjectMismatch { expected, received },
        ))) => assert_eq!((expected.as_str(), received.as_str()), ("mallory", "alice")),
        other => panic!("{other:?}"),
    }
    // The separately named method for plain OAuth 2.0 endpoints compares with nothing.
    let any = client.userinfo_without_subject_check(&token).await.unwrap();
    assert_eq!(any.sub, "alice");

    // A server without a UserInfo endpoint: the server's lack, not the caller's misuse.
    let plain = device_client(&base);
    assert!(matches!(
        plain.userinfo(&token, "alice").await,
        Err(Error::Unsupported(_))
    ));
}

fn es256_key(kid: &str) -> Jwk {
    let provider = crypto::default_provider();
    let mut jwk = Jwk::generate(JwsAlgorithm::ES256, provider, provider.system_random()).unwrap();
    jwk.kid = Some(kid.into());
    jwk
}

fn logout_token(issuer: &str, key: &Jwk) -> String {
    let provider = crypto::default_provider();
    let signer = SigningKey::from_jwk(key, None, provider).unwrap();
    let header = authcore_jose::JwsHeader::new(JwsAlgorithm::ES256)
        .with_kid(key.kid.clone().unwrap())
        .with_typ("logout+jwt");
    let now = authcore_reqwest::now().unwrap().as_secs();
    let claims = serde_json::json!({
        "iss": issuer, "aud": "c", "iat": now, "exp": now + 120, "jti": format!("j{now}"),
        "sub": "alice", "events": {authcore_oidc::BACKCHANNEL_LOGOUT_EVENT: {}},
    });
    authcore_jose::jwt::encode(&header, &claims, &signer).unwrap()
}

#[tokio::test]
async fn jwks_fetched_once_then_refetched_for_a_rotated_key() {
    let k1 = es256_key("k1");
    let k2 = es256_key("k2");
    let served = Arc::new(Mutex::new(vec![k1.to_public().unwrap()]));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (s, n) = (served.clone(), fetches.clone());
    let base = serve_with_base(move |base, req| match req.uri().path() {
        "/.well-known/openid-configuration" => json(200, &openid_configuration(base)),
        "/jwks" => {
            n.fetch_add(1, Ordering::SeqCst);
            let set = authcore_jose::JwkSet::new(s.lock().unwrap().clone());
            let mut r = json(200, &set.to_json());
            r.headers_mut()
                .insert("cache-control", "max-age=600".parse().unwrap());
            r
        }
        _ => json(404, "{}"),
    })
    .await;
    let client = Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .id_token_signed_response_alg(JwsAlgorithm::ES256)
    .jwks_min_refetch_interval(0)
    .discover(&base)
    .await
    .unwrap();

    for _ in 0..2 {
        let t = client
            .validate_logout_token(&logout_token(&base, &k1))
            .await
            .unwrap();
        assert_eq!(t.sub.as_deref(), Some("alice"));
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "cached for its max-age");

    // Key rotation: a token with the new `kid` makes one refetch.
    served.lock().unwrap().push(k2.to_public().unwrap());
    client
        .validate_logout_token(&logout_token(&base, &k2))
        .await
        .unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);

    // A `kid` the provider does not have: one refetch, then a clear failure.
    let err = client
        .validate_logout_token(&logout_token(&base, &es256_key("k3")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Oidc(_)), "{err:?}");
    assert_eq!(fetches.load(Ordering::SeqCst), 3);

    // The driver on a bare cache does the same.
    let mut cache =
        authcore_oidc::JwksCache::new(&format!("{base}/jwks"), &[JwsAlgorithm::ES256]).unwrap();
    let http = HttpClient::new(&HttpConfig::new()).unwrap();
    http.ensure_jwks(&mut cache, None).await.unwrap();
    assert!(cache.contains_kid("k1") && cache.contains_kid("k2"));
}

#[tokio::test]
async fn code_exchange_requires_the_id_token_of_an_openid_request() {
    let base = serve_with_base(|base, req| match req.uri().path() {
        "/.well-known/openid-configuration" => json(200, &openid_configuration(base)),
        "/token" => json(200, r#"{"access_token":"at","token_type":"Bearer"}"#),
        _ => json(404, "{}"),
    })
    .await;
    let client = Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .discover(&base)
    .await
    .unwrap();
    for with_nonce in [true, false] {
        let mut request =
            authcore_oauth2::AuthorizationRequest::new("https://client.example/cb").scope("openid");
        if with_nonce {
            request = request.with_nonce();
        }
        let (_url, pending) = client.oauth2_authorization_url(request).unwrap();
        let callback = authcore_oauth2::AuthorizationResponse::from_redirect_uri(&format!(
            "https://client.example/cb?code=c1&state={}",
            pending.state().secret()
        ))
        .unwrap();
        let result = client.oauth2_exchange_code(pending, &callback).await;
        if with_nonce {
            let err = result.unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::OAuth(authcore_oauth2::Error::Protocol(
                        authcore_oauth2::ProtocolError::MissingParameter("id_token")
                    ))
                ),
                "{err:?}"
            );
        } else {
            assert!(result.unwrap().id_token.is_none());
        }
    }
}

#[tokio::test]
async fn client_is_storable() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Client>();
    assert_traits::<HttpClient>();
    // Futures of the facade can be spawned.
    let client = device_client("http://127.0.0.1:9");
    // The drivers' futures too (key fetches, device polling, DPoP): no lock held across an
    // await, nothing that is not Send.
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&client.validate_logout_token("x.y.z"));
    let flow = authcore_oauth2::DeviceAuthorizationFlow::new(
        authcore_oauth2::parse_device_authorization_response(
            &Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(
                    br#"{"device_code":"d","user_code":"u","verification_uri":"https://v.example","expires_in":60}"#
                        .to_vec(),
                )
                .unwrap(),
        )
        .unwrap(),
        authcore_reqwest::now().unwrap(),
    );
    assert_send(&client.poll_device(flow));
    let handle = tokio::spawn(async move { client.client_credentials(&[]).await.is_err() });
    assert!(handle.await.unwrap());
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_caps_and_refuses_redirects() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let jwks = authcore_jose::JwkSet::new(vec![es256_key("b1").to_public().unwrap()]).to_json();
    let addr = rt.block_on(serve(handler(move |req| match req.uri().path() {
        "/jwks" => json(200, &jwks),
        "/big" => json(200, &"x".repeat(1000)),
        "/redirect" => Response::builder()
            .status(307)
            .header("location", "https://elsewhere.example/")
            .body(Full::new(Bytes::new()))
            .unwrap(),
        _ => json(200, r#"{"ok":true}"#),
    })));
    let http =
        authcore_reqwest::blocking::HttpClient::new(&HttpConfig::new().max_response_bytes(999))
            .unwrap();
    let ok = http.execute(get(&format!("http://{addr}/small"))).unwrap();
    assert_eq!(ok.body(), br#"{"ok":true}"#);
    assert!(matches!(
        http.execute(get(&format!("http://{addr}/big"))),
        Err(Error::ResponseTooLarge { limit: 999 })
    ));
    assert!(matches!(
        http.execute(get(&format!("http://{addr}/redirect"))),
        Err(Error::Redirect { status: 307, .. })
    ));
    let mut cache =
        authcore_oidc::JwksCache::new(&format!("http://{addr}/jwks"), &[JwsAlgorithm::ES256])
            .unwrap();
    http.ensure_jwks(&mut cache, None).unwrap();
    assert!(cache.contains_kid("b1"));
    drop(rt);
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_device_polling_hands_the_flow_back_on_503() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, polls) = rt.block_on(device_server(
        1,
        60,
        vec![
            "status 503",
            r#"{"error":"authorization_pending"}"#,
            r#"{"access_token":"at","token_type":"Bearer"}"#,
        ],
    ));
    let http = authcore_reqwest::blocking::HttpClient::new(&HttpConfig::new()).unwrap();
    let server = AuthorizationServer::new(&base)
        .with_token_endpoint(&format!("{base}/token"))
        .unwrap()
        .with_device_authorization_endpoint(&format!("{base}/device"))
        .unwrap();
    let client = authcore_oauth2::Client::new("tv", ClientAuthentication::None);
    let rng = crypto::default_provider().system_random();
    let now = authcore_reqwest::now().unwrap();
    let req = authcore_oauth2::build_device_authorization_request(&client, &server, &[], now, rng)
        .unwrap();
    let resp = http.execute(req).unwrap();
    let flow = authcore_oauth2::DeviceAuthorizationFlow::new(
        authcore_oauth2::parse_device_authorization_response(&resp).unwrap(),
        now,
    );
    let options = authcore_oauth2::TokenResponseOptions::new();
    let poll = |flow| http.poll_device_flow(flow, &client, &server, &options, rng);
    let Err(Error::DevicePollingInterrupted { flow, .. }) = poll(flow) else {
        panic!("a 503 must hand the flow back")
    };
    let tokens = poll(*flow).unwrap();
    assert_eq!(tokens.access_token.secret(), "at");
    assert_eq!(polls.lock().unwrap().len(), 3);
    drop(rt);
}

#[tokio::test]
async fn claim_sources_resolved_aggregated_and_distributed() {
    let provider = crypto::default_provider();
    let cp_key = es256_key("cp");
    let signer = SigningKey::from_jwk(&cp_key, None, provider).unwrap();
    let sign = |claims: serde_json::Value| {
        authcore_jose::jwt::encode(
            &authcore_jose::JwsHeader::new(JwsAlgorithm::ES256),
            &claims,
            &signer,
        )
        .unwrap()
    };
    let distributed = sign(serde_json::json!({"iss": "https://cp.example", "credit_score": 650}));
    let seen_auth = Arc::new(Mutex::new(Vec::new()));
    let seen = seen_auth.clone();
    let base = serve_with_base(move |_, req| {
        seen.lock().unwrap().push(
            req.headers()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned()),
        );
        match req.uri().path() {
            "/claims" => Response::builder()
                .header("content-type", "application/jwt")
                .body(Full::new(Bytes::from(distributed.clone())))
                .unwrap(),
            _ => json(404, "{}"),
        }
    })
    .await;
    let aggregated = sign(serde_json::json!({
        "iss": "https://cp.example", "phone_number": "+1 555", "email": "not-referred@x"
    }));
    let body = serde_json::json!({
        "sub": "alice",
        "email": "alice@example.com",
        "_claim_names": {"phone_number": "agg", "credit_score": "dist"},
        "_claim_sources": {
            "agg": {"JWT": aggregated},
            "dist": {"endpoint": format!("{base}/claims"), "access_token": "cp-token"}
        }
    });
    let mut info =
        authcore_oidc::parse_userinfo_json(body.to_string().as_bytes(), "alice").unwrap();
    let keys = authcore_jose::VerifyingKey::from_jwk(&cp_key.to_public().unwrap(), None, provider)
        .unwrap();
    let client = device_client(&base);
    let resolved = client
        .resolve_claim_sources(&mut info, None, &keys, Some("https://cp.example"), None)
        .await
        .unwrap();
    assert_eq!(resolved, ["agg", "dist"]);
    assert_eq!(info.standard.phone_number.as_deref(), Some("+1 555"));
    assert_eq!(info.extra["credit_score"], 650);
    assert_eq!(info.standard.email.as_deref(), Some("alice@example.com"));
    assert_eq!(
        seen_auth.lock().unwrap().as_slice(),
        [Some("Bearer cp-token".to_owned())]
    );

    // Another Claims Provider's keys: nothing merged, an error.
    let mut again =
        authcore_oidc::parse_userinfo_json(body.to_string().as_bytes(), "alice").unwrap();
    let stranger = es256_key("other");
    let wrong =
        authcore_jose::VerifyingKey::from_jwk(&stranger.to_public().unwrap(), None, provider)
            .unwrap();
    assert!(
        client
            .resolve_claim_sources(&mut again, Some(&["agg"]), &wrong, None, None)
            .await
            .is_err()
    );
    assert_eq!(again.standard.phone_number, None);
}

#[tokio::test]
async fn a_key_rotated_just_after_discovery_is_found_with_the_default_rate_limit() {
    let k1 = es256_key("k1");
    let k2 = es256_key("k2");
    let served = Arc::new(Mutex::new(vec![k1.to_public().unwrap()]));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (s, n) = (served.clone(), fetches.clone());
    let base = serve_with_base(move |base, req| match req.uri().path() {
        "/.well-known/openid-configuration" => json(200, &openid_configuration(base)),
        "/jwks" => {
            n.fetch_add(1, Ordering::SeqCst);
            json(
                200,
                &authcore_jose::JwkSet::new(s.lock().unwrap().clone()).to_json(),
            )
        }
        _ => json(404, "{}"),
    })
    .await;
    // The default interval between refetches (60 s), unlike the test above.
    let client = Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .id_token_signed_response_alg(JwsAlgorithm::ES256)
    .discover(&base)
    .await
    .unwrap();
    client
        .validate_logout_token(&logout_token(&base, &k1))
        .await
        .unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    // The provider rotates right after the first fetch: the new `kid` gets its refetch.
    served.lock().unwrap().push(k2.to_public().unwrap());
    client
        .validate_logout_token(&logout_token(&base, &k2))
        .await
        .unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    // Unknown `kid`s within the interval: refused without a fetch each (rate limit).
    for i in 0..5 {
        let err = client
            .validate_logout_token(&logout_token(&base, &es256_key(&format!("x{i}"))))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Oidc(_)), "{err:?}");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

/// A server with introspection and revocation endpoints that records the form bodies.
async fn token_admin_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let base = serve_with_base(move |base, req| match req.uri().path() {
        "/.well-known/oauth-authorization-server" => json(
            200,
            &serde_json::json!({
                "issuer": base,
                "token_endpoint": format!("{base}/token"),
                "introspection_endpoint": format!("{base}/introspect"),
                "revocation_endpoint": format!("{base}/revoke"),
            })
            .to_string(),
        ),
        "/token" => json(200, r#"{"access_token":"at","token_type":"Bearer"}"#),
        "/introspect" => {
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(req.body()).into_owned());
            json(200, r#"{"active":true}"#)
        }
        "/revoke" => {
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(req.body()).into_owned());
            json(200, "")
        }
        _ => json(404, "{}"),
    })
    .await;
    (base, bodies)
}

/// The `token` and `token_type_hint` of a recorded form body.
fn token_and_hint(body: &str) -> (String, Option<String>) {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    (get("token").unwrap(), get("token_type_hint"))
}

#[tokio::test]
async fn introspect_and_revoke_take_the_token_types_and_strings() {
    use authcore_oauth2::{AccessToken, RefreshToken, TokenTypeHint};
    let (base, bodies) = token_admin_server().await;
    let client = Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .discover(&base)
    .await
    .unwrap();
    let at = AccessToken::new("at-1");
    let rt = RefreshToken::new("rt-1");
    let raw = String::from("raw-1");
    assert!(client.introspect(&at, None).await.unwrap().active);
    assert!(client.introspect(&rt, None).await.unwrap().active);
    assert!(client.introspect("raw-0", None).await.unwrap().active);
    assert!(client.introspect(&raw, None).await.unwrap().active);
    // An explicit hint wins over the one the type implies.
    client
        .introspect(&at, Some(TokenTypeHint::RefreshToken))
        .await
        .unwrap();
    client.revoke(&rt, None).await.unwrap();
    client.revoke(&at, None).await.unwrap();
    client
        .revoke("raw-2", Some(TokenTypeHint::AccessToken))
        .await
        .unwrap();
    let seen: Vec<_> = bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| token_and_hint(b))
        .collect();
    let expected = [
        ("at-1", Some("access_token")),
        ("rt-1", Some("refresh_token")),
        ("raw-0", None),
        ("raw-1", None),
        ("at-1", Some("refresh_token")),
        ("rt-1", Some("refresh_token")),
        ("at-1", Some("access_token")),
        ("raw-2", Some("access_token")),
    ];
    assert_eq!(seen.len(), expected.len());
    for ((token, hint), (want_token, want_hint)) in seen.iter().zip(expected) {
        assert_eq!(token, want_token);
        assert_eq!(hint.as_deref(), want_hint, "{token}");
    }
    // A token in Debug output stays redacted, whatever its type.
    let debug = format!("{:?}", authcore_reqwest::TokenRef::from("raw-secret"));
    assert!(!debug.contains("raw-secret"), "{debug}");
}

#[tokio::test]
#[allow(deprecated)]
async fn the_former_sign_in_names_still_work() {
    let base = serve_with_base(|base, req| match req.uri().path() {
        "/.well-known/openid-configuration" => json(200, &openid_configuration(base)),
        "/token" => json(200, r#"{"access_token":"at","token_type":"Bearer"}"#),
        _ => json(404, "{}"),
    })
    .await;
    let client = Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .discover(&base)
    .await
    .unwrap();
    let request =
        authcore_oauth2::AuthorizationRequest::new("https://client.example/cb").scope("openid");
    let (url, pending) = client.authorization_url(request).unwrap();
    assert!(url.as_str().starts_with(&format!("{base}/auth?")), "{url}");
    let callback = authcore_oauth2::AuthorizationResponse::from_redirect_uri(&format!(
        "https://client.example/cb?code=c1&state={}",
        pending.state().secret()
    ))
    .unwrap();
    let tokens = client.exchange_code(pending, &callback).await.unwrap();
    assert_eq!(tokens.response.access_token.secret(), "at");
    assert!(tokens.id_token.is_none());
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_has_the_async_builder_shape() {
    use authcore_oauth2::{AccessToken, TokenTypeHint};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, bodies) = rt.block_on(token_admin_server());
    let client = authcore_reqwest::blocking::Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .http_config(HttpConfig::new().max_response_bytes(64 * 1024))
    .discover(&base)
    .unwrap();
    let tokens = client.client_credentials(&[]).unwrap();
    assert!(
        client
            .introspect(&tokens.access_token, None)
            .unwrap()
            .active
    );
    client
        .revoke("raw", Some(TokenTypeHint::AccessToken))
        .unwrap();
    assert!(
        client
            .introspect(&AccessToken::new("x"), None)
            .unwrap()
            .active
    );
    let seen: Vec<_> = bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| token_and_hint(b))
        .collect();
    assert_eq!(
        seen,
        [
            ("at".to_owned(), Some("access_token".to_owned())),
            ("raw".to_owned(), Some("access_token".to_owned())),
            ("x".to_owned(), Some("access_token".to_owned())),
        ]
    );
    // The former entry point, an async builder handed over, still works.
    #[allow(deprecated)]
    let former = authcore_reqwest::blocking::Client::discover(
        Client::builder(
            "c",
            ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
        ),
        &base,
    )
    .unwrap();
    assert_eq!(former.as_async().client_id(), "c");
    // Built by hand, as the async builder's `build`.
    let server = AuthorizationServer::new(&base)
        .with_token_endpoint(&format!("{base}/token"))
        .unwrap();
    let by_hand = authcore_reqwest::blocking::Client::builder("c", ClientAuthentication::None)
        .build(server)
        .unwrap();
    assert_eq!(
        by_hand
            .client_credentials(&[])
            .unwrap()
            .access_token
            .secret(),
        "at"
    );
    drop(rt);
}

#[tokio::test]
async fn a_plain_http_endpoint_in_discovered_metadata_is_refused_before_any_exchange() {
    for member in ["jwks_uri", "userinfo_endpoint", "end_session_endpoint"] {
        let base = serve_with_base(move |base, req| match req.uri().path() {
            "/.well-known/openid-configuration" => {
                let mut doc: serde_json::Value =
                    serde_json::from_str(&openid_configuration(base)).unwrap();
                doc[member] = "http://op.example/x".into();
                json(200, &doc.to_string())
            }
            _ => json(404, "{}"),
        })
        .await;
        let err = Client::builder(
            "c",
            ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
        )
        .id_token_signed_response_alg(JwsAlgorithm::ES256)
        .discover(&base)
        .await
        .unwrap_err();
        match &err {
            Error::Oidc(authcore_oidc::Error::Metadata(
                authcore_oidc::MetadataError::InvalidEndpoint { name, .. },
            )) => assert_eq!(*name, member),
            other => panic!("{member}: {other:?}"),
        }
        // The same document obtained elsewhere is refused when the client is built from it.
        let doc = serde_json::json!({
            "issuer": "https://op.example",
            "authorization_endpoint": "https://op.example/auth",
            "token_endpoint": "https://op.example/token",
            "jwks_uri": "https://op.example/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            member: "http://op.example/x",
        });
        let metadata =
            authcore_oidc::ProviderMetadata::parse_json(doc.to_string().as_bytes()).unwrap();
        let built = Client::builder(
            "c",
            ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
        )
        .id_token_signed_response_alg(JwsAlgorithm::ES256)
        .build_with_metadata(metadata);
        assert!(built.is_err(), "{member}");
    }
}

#[test]
fn the_jwk_set_cap_of_the_http_layer_is_the_key_sets() {
    assert_eq!(
        authcore_reqwest::DEFAULT_MAX_RESPONSE_BYTES,
        authcore_oidc::MAX_JWKS_BYTES
    );
}

/// Registration (RFC 7591) and its management (RFC 7592) against a server that answers as
/// the RFCs' examples do, checking each request it gets.
#[tokio::test]
async fn register_read_update_delete() {
    let base = serve_with_base(|base, req| {
        let auth = req
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned());
        let info = |name: &str| {
            serde_json::json!({
                "client_id": "c1",
                "client_secret": "s1",
                "client_secret_expires_at": 0,
                "registration_access_token": "rat-1",
                "registration_client_uri": format!("{base}/register/c1"),
                "redirect_uris": ["https://app.example/cb"],
                "client_name": name,
            })
            .to_string()
        };
        match (req.method().as_str(), req.uri().path(), auth.as_deref()) {
            ("POST", "/register", Some("Bearer iat-1")) => {
                let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
                assert_eq!(body["redirect_uris"][0], "https://app.example/cb");
                json(201, &info("Example"))
            }
            ("GET", "/register/c1", Some("Bearer rat-1")) => {
                // RFC 7592 §3 lets the server leave the credentials out of a read.
                json(200, r#"{"client_id":"c1","client_name":"Example"}"#)
            }
            ("PUT", "/register/c1", Some("Bearer rat-1")) => {
                let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
                assert_eq!(body["client_id"], "c1");
                json(200, &info(body["client_name"].as_str().unwrap()))
            }
            ("DELETE", "/register/c1", Some("Bearer rat-1")) => Response::builder()
                .status(204)
                .body(Full::new(Bytes::new()))
                .unwrap(),
            _ => json(401, r#"{"error":"invalid_token"}"#),
        }
    })
    .await;
    let http = http_client(HttpConfig::new());
    let endpoint = format!("{base}/register");
    let metadata = authcore_oauth2::ClientMetadata::new()
        .with_redirect_uris(["https://app.example/cb"])
        .with_client_name("Example");
    let refused = Client::register(&http, &endpoint, &metadata, None).await;
    assert!(refused.is_err());
    let info = Client::register(&http, &endpoint, &metadata, Some("iat-1"))
        .await
        .unwrap();
    assert_eq!(info.client_id, "c1");
    assert_eq!(info.client_secret.as_ref().unwrap().secret(), "s1");
    let read = Client::read_registration(&http, &info).await.unwrap();
    assert_eq!(read.metadata.client_name.as_deref(), Some("Example"));
    // The management credentials are kept for the next call.
    assert_eq!(
        read.registration_access_token.as_ref().unwrap().secret(),
        "rat-1"
    );
    let updated = Client::update_registration(&http, &read, &metadata.with_client_name("New"))
        .await
        .unwrap();
    assert_eq!(updated.metadata.client_name.as_deref(), Some("New"));
    Client::delete_registration(&http, &updated).await.unwrap();
    let mut forged = updated.clone();
    forged.registration_access_token = Some(ClientSecret::new("wrong"));
    assert!(Client::delete_registration(&http, &forged).await.is_err());
}

/// The provider of the encryption tests: signs with `key`, encrypts to the client's
/// symmetric secret with A256GCMKW and A256GCM, and lists exactly that in its metadata.
async fn encrypting_provider(key: Jwk) -> String {
    use authcore_jose::jwe::{EncryptionKey, JweBuilder};
    use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
    let provider = crypto::default_provider();
    let to_client = EncryptionKey::symmetric(Kma::A256GcmKw, &CLIENT_SECRET_KEY, provider).unwrap();
    let signer = SigningKey::from_jwk(&key, None, provider).unwrap();
    // Its own encryption key for request objects next to its signing key (symmetric here so
    // that every backend has the algorithm).
    let mut enc_key = Jwk::symmetric(CLIENT_SECRET_KEY.to_vec());
    enc_key.key_use = Some("enc".into());
    enc_key.kid = Some("op-enc".into());
    let public = authcore_jose::JwkSet::new(vec![key.to_public().unwrap(), enc_key]).to_json();
    let from_client =
        authcore_jose::jwe::DecryptionKey::symmetric(Kma::A256GcmKw, &CLIENT_SECRET_KEY, provider)
            .unwrap();
    let kid = key.kid.clone().unwrap();
    serve_with_base(move |base, req| {
        let seal = |cty: Option<&str>, plaintext: &str| {
            let mut b = JweBuilder::new(Enc::A256Gcm).recipient(&to_client);
            if let Some(c) = cty {
                b = b.cty(c);
            }
            b.encrypt_compact(plaintext.as_bytes(), provider.system_random())
                .unwrap()
        };
        let sign = |typ: Option<&str>, claims: serde_json::Value| {
            let mut h = authcore_jose::JwsHeader::new(JwsAlgorithm::ES256).with_kid(kid.clone());
            if let Some(t) = typ {
                h = h.with_typ(t);
            }
            authcore_jose::jwt::encode(&h, &claims, &signer).unwrap()
        };
        let jwt = |media: &str, body: String| {
            Response::builder()
                .status(200)
                .header("content-type", media)
                .body(Full::new(Bytes::from(body)))
                .unwrap()
        };
        let now = authcore_reqwest::now().unwrap().as_secs();
        match req.uri().path() {
            "/.well-known/openid-configuration" => {
                let mut doc: serde_json::Value =
                    serde_json::from_str(&openid_configuration(base)).unwrap();
                doc["introspection_endpoint"] = format!("{base}/introspect").into();
                doc["pushed_authorization_request_endpoint"] = format!("{base}/par").into();
                for kind in ["id_token", "userinfo", "introspection", "request_object"] {
                    doc[format!("{kind}_encryption_alg_values_supported")] =
                        serde_json::json!(["A256GCMKW"]);
                    doc[format!("{kind}_encryption_enc_values_supported")] =
                        serde_json::json!(["A256GCM"]);
                }
                json(200, &doc.to_string())
            }
            "/jwks" => json(200, &public),
            // The pushed request object must be a JWE to this provider's key, holding the
            // client's request.
            "/par" => {
                let form: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(req.body())
                        .into_owned()
                        .collect();
                let jwe = &form["request"];
                let header = authcore_jose::jwe::decode_header_unverified(jwe).unwrap();
                assert_eq!(header.kid.as_deref(), Some("op-enc"));
                let inner =
                    authcore_jose::jwe::decrypt_compact(jwe, &from_client, &Default::default())
                        .unwrap();
                assert!(inner.header.cty_is_jwt());
                let jws = String::from_utf8(inner.plaintext).unwrap();
                let (_, payload) = authcore_jose::jws::decode_unverified(&jws).unwrap();
                let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
                assert_eq!(claims["client_id"], "c");
                json(
                    201,
                    r#"{"request_uri":"urn:ietf:params:oauth:request_uri:e1","expires_in":60}"#,
                )
            }
            // Encrypted only when the access token says so, else signed, then encrypted.
            "/me" => {
                assert_eq!(req.headers()["accept"], "application/jwt");
                let claims = serde_json::json!({"sub": "alice", "name": "Alice"});
                let auth = req.headers()["authorization"].to_str().unwrap();
                if auth.ends_with("plain") {
                    jwt("application/jwt", seal(None, &claims.to_string()))
                } else {
                    jwt("application/jwt", seal(Some("JWT"), &sign(None, claims)))
                }
            }
            "/introspect" => {
                assert_eq!(
                    req.headers()["accept"],
                    "application/token-introspection+jwt"
                );
                let claims = serde_json::json!({
                    "iss": base, "aud": "c", "iat": now,
                    "token_introspection": {"active": true, "scope": "read"},
                });
                let signed = sign(Some("token-introspection+jwt"), claims);
                jwt(
                    "application/token-introspection+jwt",
                    seal(Some("JWT"), &signed),
                )
            }
            "/logout-token" => {
                let claims = serde_json::json!({
                    "iss": base, "aud": "c", "iat": now, "exp": now + 120, "jti": "j1",
                    "sub": "alice", "events": {authcore_oidc::BACKCHANNEL_LOGOUT_EVENT: {}},
                });
                jwt(
                    "application/jwt",
                    seal(Some("JWT"), &sign(Some("logout+jwt"), claims)),
                )
            }
            _ => json(404, "{}"),
        }
    })
    .await
}

const CLIENT_SECRET_KEY: [u8; 32] = [0x24; 32];

#[tokio::test]
async fn encrypted_responses_with_the_clients_decryption_keys() {
    use authcore_jose::jwe::DecryptionKey;
    use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
    use authcore_oauth2::JweAlgorithms;
    let base = encrypting_provider(es256_key("sig1")).await;
    let provider = crypto::default_provider();
    let registered = JweAlgorithms::new(Kma::A256GcmKw, Enc::A256Gcm);
    let auth = || ClientAuthentication::ClientSecretBasic(ClientSecret::new("s"));
    let key = || DecryptionKey::symmetric(Kma::A256GcmKw, &CLIENT_SECRET_KEY, provider).unwrap();
    let client = Client::builder("c", auth())
        .id_token_signed_response_alg(JwsAlgorithm::ES256)
        .decryption_keys(key())
        .id_token_encrypted_response(registered)
        .userinfo_encrypted_response(registered)
        .introspection_encrypted_response(registered)
        .discover(&base)
        .await
        .unwrap();
    let verifier = client.id_token_verifier().unwrap();
    assert_eq!(verifier.id_token_encryption(), Some(&registered));
    assert_eq!(verifier.userinfo_encryption(), Some(&registered));

    // UserInfo, signed then encrypted, and encrypted only.
    let me = client
        .userinfo(&authcore_oauth2::AccessToken::new("at"), "alice")
        .await
        .unwrap();
    assert!(me.signed && me.encrypted);
    let me = client
        .userinfo(&authcore_oauth2::AccessToken::new("at-plain"), "alice")
        .await
        .unwrap();
    assert!(!me.signed && me.encrypted);
    assert_eq!(me.standard.name.as_deref(), Some("Alice"));

    // RFC 9701: the JWT introspection response, decrypted, then verified.
    let r = client.introspect("tok", None).await.unwrap();
    assert!(r.active);

    // A request object signed, then encrypted to the provider's key from its JWK Set.
    let encryption = client.request_object_encryption(registered).await.unwrap();
    assert_eq!(encryption.algorithms(), registered);
    let signer = SigningKey::from_jwk(&es256_key("client-sig"), None, provider).unwrap();
    let (url, _pending) = client
        .push_encrypted_authentication_request(
            authcore_oidc::AuthenticationRequest::new("https://client.example/cb"),
            &signer,
            &encryption,
        )
        .await
        .unwrap();
    assert!(url.as_str().contains("request_uri=urn"), "{url}");
    let (url, _pending) = client
        .encrypted_authentication_url(
            authcore_oidc::AuthenticationRequest::new("https://client.example/cb"),
            &signer,
            &encryption,
        )
        .unwrap();
    let request = url
        .query_pairs()
        .find(|(k, _)| k == "request")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(request.split('.').count(), 5);
    assert!(matches!(
        client
            .request_object_encryption(JweAlgorithms::new(Kma::Dir, Enc::A256Gcm))
            .await,
        Err(Error::Oidc(authcore_oidc::Error::OAuth2(
            authcore_oauth2::Error::NotAdvertised { .. }
        )))
    ));

    // A back-channel logout token encrypted as ID tokens are.
    let token = HttpClient::new(&HttpConfig::new())
        .unwrap()
        .execute(get(&format!("{base}/logout-token")))
        .await
        .unwrap();
    let token = String::from_utf8(token.into_body()).unwrap();
    assert_eq!(token.split('.').count(), 5);
    let t = client.validate_logout_token(&token).await.unwrap();
    assert_eq!(t.sub.as_deref(), Some("alice"));

    // The blocking builder takes the same settings (on a thread of its own, joined without
    // blocking this runtime, which serves the provider).
    let blocking_base = base.clone();
    let thread = std::thread::spawn(move || {
        authcore_reqwest::blocking::Client::builder("c", auth())
            .id_token_signed_response_alg(JwsAlgorithm::ES256)
            .decryption_keys(key())
            .userinfo_encrypted_response(registered)
            .discover(&blocking_base)
            .unwrap()
            .userinfo(&authcore_oauth2::AccessToken::new("at-plain"), "alice")
            .unwrap()
    });
    let blocking = tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap();
    assert!(blocking.encrypted);
}

#[tokio::test]
async fn encryption_the_provider_does_not_list_is_refused_at_build() {
    use authcore_jose::jwe::DecryptionKey;
    use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
    use authcore_oauth2::JweAlgorithms;
    let base = encrypting_provider(es256_key("sig1")).await;
    let provider = crypto::default_provider();
    let auth = || ClientAuthentication::ClientSecretBasic(ClientSecret::new("s"));
    let key = || DecryptionKey::symmetric(Kma::A256GcmKw, &CLIENT_SECRET_KEY, provider).unwrap();
    let unlisted = JweAlgorithms::new(Kma::A256GcmKw, Enc::A128Gcm);
    let builders = [
        Client::builder("c", auth()).id_token_encrypted_response(unlisted),
        Client::builder("c", auth()).userinfo_encrypted_response(unlisted),
        Client::builder("c", auth()).introspection_encrypted_response(unlisted),
    ];
    for (b, kind) in builders
        .into_iter()
        .zip(["id_token", "userinfo", "introspection"])
    {
        let err = b
            .id_token_signed_response_alg(JwsAlgorithm::ES256)
            .decryption_keys(key())
            .discover(&base)
            .await
            .unwrap_err();
        let not_advertised = |e: &authcore_oauth2::Error| {
            matches!(e, authcore_oauth2::Error::NotAdvertised { member, value }
                if *member == format!("{kind}_encryption_enc_values_supported") && value == "A128GCM")
        };
        assert!(
            match &err {
                Error::OAuth(e) | Error::Oidc(authcore_oidc::Error::OAuth2(e)) => not_advertised(e),
                _ => false,
            },
            "{kind}: {err:?}"
        );
    }
    // Registered, but nothing to decrypt with.
    let registered = JweAlgorithms::new(Kma::A256GcmKw, Enc::A256Gcm);
    assert!(matches!(
        Client::builder("c", auth())
            .id_token_signed_response_alg(JwsAlgorithm::ES256)
            .id_token_encrypted_response(registered)
            .discover(&base)
            .await,
        Err(Error::Misuse(_))
    ));
}

/// A rotated signing key is fetched for an encrypted token too, whose `kid` is inside the
/// encryption.
#[tokio::test]
async fn a_rotated_key_is_fetched_for_an_encrypted_token() {
    use authcore_jose::jwe::{DecryptionKey, EncryptionKey, JweBuilder};
    use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
    let provider = crypto::default_provider();
    let (k1, k2) = (es256_key("k1"), es256_key("k2"));
    let served = Arc::new(Mutex::new(vec![k1.to_public().unwrap()]));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (s, n) = (served.clone(), fetches.clone());
    let base = serve_with_base(move |base, req| match req.uri().path() {
        "/.well-known/openid-configuration" => {
            let mut doc: serde_json::Value =
                serde_json::from_str(&openid_configuration(base)).unwrap();
            doc["id_token_encryption_alg_values_supported"] = serde_json::json!(["A256GCMKW"]);
            doc["id_token_encryption_enc_values_supported"] = serde_json::json!(["A256GCM"]);
            json(200, &doc.to_string())
        }
        "/jwks" => {
            n.fetch_add(1, Ordering::SeqCst);
            let mut r = json(
                200,
                &authcore_jose::JwkSet::new(s.lock().unwrap().clone()).to_json(),
            );
            r.headers_mut()
                .insert("cache-control", "max-age=600".parse().unwrap());
            r
        }
        _ => json(404, "{}"),
    })
    .await;
    let registered = authcore_oauth2::JweAlgorithms::new(Kma::A256GcmKw, Enc::A256Gcm);
    let client = Client::builder(
        "c",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("s")),
    )
    .id_token_signed_response_alg(JwsAlgorithm::ES256)
    .jwks_min_refetch_interval(0)
    .decryption_keys(
        DecryptionKey::symmetric(Kma::A256GcmKw, &CLIENT_SECRET_KEY, provider).unwrap(),
    )
    .id_token_encrypted_response(registered)
    .discover(&base)
    .await
    .unwrap();
    let to_client = EncryptionKey::symmetric(Kma::A256GcmKw, &CLIENT_SECRET_KEY, provider).unwrap();
    let seal = |signed: String| {
        JweBuilder::new(Enc::A256Gcm)
            .cty("JWT")
            .recipient(&to_client)
            .encrypt_compact(signed.as_bytes(), provider.system_random())
            .unwrap()
    };
    client
        .validate_logout_token(&seal(logout_token(&base, &k1)))
        .await
        .unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    served.lock().unwrap().push(k2.to_public().unwrap());
    let t = client
        .validate_logout_token(&seal(logout_token(&base, &k2)))
        .await
        .unwrap();
    assert_eq!(t.sub.as_deref(), Some("alice"));
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        2,
        "one refetch for the new kid"
    );
}
