//! Interop: authcore's client flows, sent through authcore-reqwest, against node
//! `oidc-provider` (an OpenID Certified provider) on 127.0.0.1.
//!
//! Each test starts its own provider (fresh keys, a free port) and stops it when the guard
//! drops. The user's part (login, consent, device code entry, logout confirmation) is played
//! by posting the provider's development forms with a cookie jar, without a browser. Every
//! wait is bounded in count and time.
//!
//! The provider and the scripted user agent are `authcore_tests::oidc_provider`.

// Bounded waits measure elapsed time; reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use authcore_jose::crypto;
use authcore_jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey};
use authcore_oauth2::{
    AuthorizationRequest, AuthorizationResponse, ClientAuthentication, ClientSecret, DpopKey,
    TokenType, TokenTypeHint,
};
use authcore_oidc::{Authentication, AuthenticationRequest, IdTokenClaims, PendingAuthentication};
use authcore_reqwest::{AuthorizationTokens, Client};
use authcore_tests::oidc_provider::{
    Browser, Landing, POST_LOGOUT_REDIRECT_URI, Provider, REDIRECT_URI, absolute, dir, form_action,
    hidden, secret, secret_basic,
};

/// Clients of a running provider, from OpenID Connect Discovery.
trait ProviderClients {
    async fn client_with_alg(
        &self,
        client_id: &str,
        auth: ClientAuthentication,
        alg: JwsAlgorithm,
    ) -> Client;
    async fn client(&self, client_id: &str, auth: ClientAuthentication) -> Client;
    async fn basic_client(&self, client_id: &str) -> Client;
}

impl ProviderClients for Provider {
    /// A client of the provider, from OpenID Connect Discovery, accepting ID tokens signed
    /// with `alg` (the client's registered `id_token_signed_response_alg`).
    async fn client_with_alg(
        &self,
        client_id: &str,
        auth: ClientAuthentication,
        alg: JwsAlgorithm,
    ) -> Client {
        Client::builder(client_id, auth)
            .id_token_signed_response_alg(alg)
            .discover(&self.issuer)
            .await
            .expect("discovery")
    }

    async fn client(&self, client_id: &str, auth: ClientAuthentication) -> Client {
        self.client_with_alg(client_id, auth, JwsAlgorithm::RS256)
            .await
    }

    async fn basic_client(&self, client_id: &str) -> Client {
        self.client(client_id, secret_basic(client_id)).await
    }
}

/// Runs the authorization code flow for `request` through the browser.
async fn code_flow(client: &Client, request: AuthorizationRequest) -> AuthorizationTokens {
    let (url, pending) = client.oauth2_authorization_url(request).unwrap();
    let callback = Browser::new().authorize(url.as_str()).await;
    let response = AuthorizationResponse::from_redirect_uri(&callback).unwrap();
    client
        .oauth2_exchange_code(pending, &response)
        .await
        .unwrap()
}

/// Sends the browser to the authentication request `url`, logs in and consents, and completes
/// the authentication with the callback.
async fn sign_in(client: &Client, url: url::Url, pending: PendingAuthentication) -> Authentication {
    let callback = Browser::new().authorize(url.as_str()).await;
    client
        .authenticate(
            pending,
            &AuthorizationResponse::from_redirect_uri(&callback).unwrap(),
        )
        .await
        .unwrap()
}

fn openid_request() -> AuthorizationRequest {
    AuthorizationRequest::new(REDIRECT_URI)
        .scopes(["openid", "profile", "email"])
        .with_nonce()
}

/// The ID token the facade validated (signature with the provider's keys for the client's
/// registered algorithm, `iss`, `aud`, `exp`, `iat`, `nonce`, `at_hash`), cross-checked: the
/// header names `alg` and the claims carry the request's nonce.
fn validated_id_token(tokens: &AuthorizationTokens, alg: JwsAlgorithm) -> IdTokenClaims {
    let raw = tokens.response.id_token.as_ref().expect("an ID token");
    let (header, _) = authcore_jose::jwt::decode_unverified(raw.secret()).unwrap();
    assert_eq!(header.alg, alg);
    let claims = tokens.id_token.clone().expect("the ID token was validated");
    assert_eq!(
        claims.nonce.as_deref(),
        Some(tokens.nonce.as_ref().expect("a nonce was sent").secret())
    );
    claims
}

// (1) Authorization code + PKCE + nonce; the ID token validated for each signing algorithm
// (through the OAuth request API and through the OpenID Connect one); userinfo.
#[tokio::test]
async fn flow_01_code_pkce_nonce_id_token_each_alg_and_userinfo() {
    let op = Provider::start(None);
    for (client_id, alg) in [
        ("idtoken-rs256", JwsAlgorithm::RS256),
        ("idtoken-ps256", JwsAlgorithm::PS256),
        ("idtoken-es256", JwsAlgorithm::ES256),
        ("idtoken-eddsa", JwsAlgorithm::EdDSA),
    ] {
        let client = op
            .client_with_alg(client_id, secret_basic(client_id), alg)
            .await;
        let tokens = code_flow(&client, openid_request()).await;
        let claims = validated_id_token(&tokens, alg);
        assert_eq!(claims.sub, "alice");
        let info = client
            .userinfo(&tokens.response.access_token, &claims.sub)
            .await
            .unwrap();
        assert_eq!(info.standard.email.as_deref(), Some("alice@example.com"));

        // The OpenID Connect request API: `max_age` travels to the ID token check.
        let (url, pending) = client
            .authentication_url(
                AuthenticationRequest::new(REDIRECT_URI)
                    .scope("email")
                    .max_age(600),
            )
            .unwrap();
        let auth = sign_in(&client, url, pending).await;
        assert_eq!(auth.claims.sub, "alice");
        assert!(
            auth.claims.auth_time.is_some(),
            "max_age asks for auth_time"
        );
    }
}

// (2) Refresh; the refreshed ID token checked against the original one (OpenID Connect
// Core §12.2).
#[tokio::test]
async fn flow_02_refresh() {
    let op = Provider::start(None);
    let client = op.basic_client("basic").await;
    let tokens = code_flow(&client, openid_request()).await;
    let original = validated_id_token(&tokens, JwsAlgorithm::RS256);
    let rt = tokens
        .response
        .refresh_token
        .clone()
        .expect("a refresh token");
    let refreshed = client.refresh(&rt).await.unwrap();
    assert_ne!(
        refreshed.response.access_token.secret(),
        tokens.response.access_token.secret()
    );
    let again = client
        .validate_refreshed_id_token(&refreshed.response, &original)
        .await
        .unwrap()
        .expect("the provider returns an ID token on refresh");
    assert_eq!(again.sub, original.sub);
    let info = client
        .userinfo(&refreshed.response.access_token, &original.sub)
        .await
        .unwrap();
    assert_eq!(info.sub, "alice");
    // The refresh token to keep works again (rotated or not).
    client.refresh(&refreshed.refresh_token).await.unwrap();
}

// (3) Client credentials.
#[tokio::test]
async fn flow_03_client_credentials() {
    let op = Provider::start(None);
    let client = op.basic_client("basic").await;
    let tokens = client.client_credentials(&["api:read"]).await.unwrap();
    assert_eq!(tokens.token_type, TokenType::Bearer);
    let info = client
        .introspect(&tokens.access_token, Some(TokenTypeHint::AccessToken))
        .await
        .unwrap();
    assert!(info.active);
    assert_eq!(info.client_id.as_deref(), Some("basic"));
}

// (4) Device authorization grant, approved through the provider's device forms.
#[tokio::test]
async fn flow_04_device_flow() {
    let op = Provider::start(None);
    let client = op.basic_client("basic").await;
    let flow = client.device_authorization(&["openid"]).await.unwrap();
    let user_code = flow.response().user_code.clone();
    let verification_uri = flow.response().verification_uri.clone();
    let poller = tokio::spawn({
        let client = client.clone();
        async move { client.poll_device(flow).await }
    });

    Browser::new()
        .approve_device(&verification_uri, &user_code)
        .await;

    let tokens = tokio::time::timeout(Duration::from_secs(60), poller)
        .await
        .expect("polling finished in time")
        .unwrap()
        .unwrap();
    let info = client
        .userinfo(&tokens.access_token, "alice")
        .await
        .unwrap();
    assert_eq!(info.sub, "alice");
}

// (5) Introspection and revocation: active, then inactive after revocation. The provider
// revokes the whole grant with either token, so each token type gets its own grant.
#[tokio::test]
async fn flow_05_introspection_and_revocation() {
    let op = Provider::start(None);
    let client = op.basic_client("basic").await;
    for hint in [TokenTypeHint::AccessToken, TokenTypeHint::RefreshToken] {
        let tokens = code_flow(&client, openid_request()).await;
        let token = match hint {
            TokenTypeHint::AccessToken => tokens.response.access_token.secret().to_owned(),
            _ => tokens.response.refresh_token.unwrap().secret().to_owned(),
        };
        let before = client.introspect(&token, Some(hint)).await.unwrap();
        assert!(before.active, "{hint:?} active before revocation");
        assert_eq!(before.sub.as_deref(), Some("alice"));
        assert_eq!(before.client_id.as_deref(), Some("basic"));
        client.revoke(&token, Some(hint)).await.unwrap();
        let after = client.introspect(&token, Some(hint)).await.unwrap();
        assert!(!after.active, "{hint:?} inactive after revocation");
    }
}

// (6) Pushed authorization request.
#[tokio::test]
async fn flow_06_par() {
    let op = Provider::start(None);
    let client = op
        .client_with_alg(
            "idtoken-es256",
            secret_basic("idtoken-es256"),
            JwsAlgorithm::ES256,
        )
        .await;
    let (url, pending) = client
        .push_oauth2_authorization_request(openid_request())
        .await
        .unwrap();
    let query: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert!(query["request_uri"].starts_with("urn:ietf:params:oauth:request_uri:"));
    assert!(
        !query.contains_key("code_challenge"),
        "parameters stay pushed"
    );
    let callback = Browser::new().authorize(url.as_str()).await;
    let response = AuthorizationResponse::from_redirect_uri(&callback).unwrap();
    let tokens = client
        .oauth2_exchange_code(pending, &response)
        .await
        .unwrap();
    validated_id_token(&tokens, JwsAlgorithm::ES256);
}

// (7) DPoP-bound access token used at userinfo; the provider demands nonces, so the token
// request and the userinfo request each go through the nonce retry.
#[tokio::test]
async fn flow_07_dpop_bound_token_at_userinfo() {
    let op = Provider::start(None);
    let provider = crypto::default_provider();
    let jwk = Jwk::generate(JwsAlgorithm::ES256, provider, provider.system_random()).unwrap();
    let key = DpopKey::new(
        SigningKey::from_jwk(&jwk, None, provider).unwrap(),
        provider,
    )
    .unwrap();
    let jkt = key.jkt().to_owned();
    let client = Client::builder("dpop", secret_basic("dpop"))
        .dpop(key)
        .discover(&op.issuer)
        .await
        .unwrap();
    let tokens = code_flow(&client, openid_request().dpop_jkt(&jkt)).await;
    assert_eq!(tokens.response.token_type, TokenType::DPoP);
    let sub = validated_id_token(&tokens, JwsAlgorithm::RS256).sub;
    let info = client
        .userinfo(&tokens.response.access_token, &sub)
        .await
        .unwrap();
    assert_eq!(info.sub, "alice");

    // The token is bound to the key (RFC 9449 §6.2)...
    let introspected = client
        .introspect(&tokens.response.access_token, None)
        .await
        .unwrap();
    assert_eq!(introspected.extra["cnf"]["jkt"], jkt.as_str());
    // ...so presenting it as a Bearer token fails.
    let bearer = op.basic_client("dpop").await;
    assert!(
        bearer
            .userinfo(&tokens.response.access_token, &sub)
            .await
            .is_err()
    );
}

// (8) JWT client authentication: private_key_jwt and client_secret_jwt, at the token and
// introspection endpoints.
#[tokio::test]
async fn flow_08_jwt_client_authentication() {
    let op = Provider::start(None);
    let provider = crypto::default_provider();
    let keys = std::fs::read(dir().join("client-keys.json")).unwrap();
    let set = JwkSet::from_json(&keys).unwrap();
    let signer = SigningKey::from_jwk(&set.keys[0], None, provider).unwrap();
    let pkjwt = op
        .client(
            "pkjwt",
            ClientAuthentication::PrivateKeyJwt(Arc::new(signer)),
        )
        .await;
    let csjwt = op
        .client(
            "csjwt",
            ClientAuthentication::ClientSecretJwt {
                secret: ClientSecret::new(secret("csjwt")),
                algorithm: JwsAlgorithm::HS256,
            },
        )
        .await;
    for client in [&pkjwt, &csjwt] {
        let tokens = client.client_credentials(&["api:read"]).await.unwrap();
        let info = client.introspect(&tokens.access_token, None).await.unwrap();
        assert!(info.active);
        assert_eq!(info.client_id.as_deref(), Some(client.client_id()));
        let code = code_flow(client, openid_request()).await;
        validated_id_token(&code, JwsAlgorithm::RS256);
    }
}

// (9) RP-initiated logout: the provider accepts the end-session URL (ID token hint,
// registered post-logout redirect URI, state) and sends the user agent back with the state.
#[tokio::test]
async fn flow_09_rp_initiated_logout() {
    let op = Provider::start(None);
    let client = op.basic_client("basic").await;
    let (url, pending) = client.oauth2_authorization_url(openid_request()).unwrap();
    let mut browser = Browser::new();
    let callback = browser.authorize(url.as_str()).await;
    let response = AuthorizationResponse::from_redirect_uri(&callback).unwrap();
    let tokens = client
        .oauth2_exchange_code(pending, &response)
        .await
        .unwrap();

    let logout_url = client
        .logout_url(
            tokens.response.id_token.as_ref().unwrap(),
            Some(POST_LOGOUT_REDIRECT_URI),
            Some("logout-state-1"),
        )
        .unwrap();
    let landing = browser.navigate("GET", logout_url.as_str(), &[]).await;
    let Landing::Page { url, html } = landing else {
        panic!("the provider did not show its logout confirmation");
    };
    let xsrf = hidden(&html, "xsrf");
    let action = absolute(&url, &form_action(&html));
    let Landing::Client(back) = browser
        .navigate("POST", &action, &[("xsrf", &xsrf), ("logout", "yes")])
        .await
    else {
        panic!("logout did not return to the client");
    };
    assert!(back.starts_with(POST_LOGOUT_REDIRECT_URI), "{back}");
    assert!(back.contains("state=logout-state-1"), "{back}");
}

/// A one-purpose HTTP receiver on 127.0.0.1: answers 200 to up to `max` POSTs and hands
/// their bodies over.
fn logout_receiver(max: usize) -> (String, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!(
        "http://{}/backchannel-logout",
        listener.local_addr().unwrap()
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            let mut line = String::new();
            let mut request_line_seen = false;
            // Headers: bounded by the read timeout and a line count.
            for _ in 0..100 {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                request_line_seen = true;
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            if !request_line_seen {
                // A connection closed without a request (a connectivity probe): not a POST.
                continue;
            }
            let mut body = vec![0; length.min(64 * 1024)];
            let _ = reader.read_exact(&mut body);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = tx.send(body);
        }
    });
    (uri, rx)
}

// (10) Back-channel logout: the provider POSTs a logout token to the client's receiver when
// the user logs out; the token is validated (OpenID Connect Back-Channel Logout 1.0 §2.6).
#[tokio::test]
async fn flow_10_backchannel_logout_token() {
    let (receiver_uri, received) = logout_receiver(8);
    let op = Provider::start(Some(&receiver_uri));
    let client = op.basic_client("bclogout").await;
    let (url, pending) = client.oauth2_authorization_url(openid_request()).unwrap();
    let mut browser = Browser::new();
    let callback = browser.authorize(url.as_str()).await;
    let response = AuthorizationResponse::from_redirect_uri(&callback).unwrap();
    let tokens = client
        .oauth2_exchange_code(pending, &response)
        .await
        .unwrap();
    let id_token = validated_id_token(&tokens, JwsAlgorithm::RS256);
    let sid = id_token.sid.clone().expect("the ID token carries sid");

    let logout_url = client
        .logout_url(tokens.response.id_token.as_ref().unwrap(), None, None)
        .unwrap();
    let Landing::Page { url, html } = browser.navigate("GET", logout_url.as_str(), &[]).await
    else {
        panic!("the provider did not show its logout confirmation");
    };
    let xsrf = hidden(&html, "xsrf");
    let action = absolute(&url, &form_action(&html));
    browser
        .navigate("POST", &action, &[("xsrf", &xsrf), ("logout", "yes")])
        .await;

    let body = tokio::task::spawn_blocking(move || received.recv_timeout(Duration::from_secs(15)))
        .await
        .unwrap()
        .expect("the provider sent a logout token");
    // The receiver's request, handed to the client as an application's route would.
    let request = http::Request::post(&receiver_uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .unwrap();
    let logout = client.handle_backchannel_logout(&request).await.unwrap();
    assert_eq!(logout.sub.as_deref(), Some("alice"));
    assert_eq!(logout.sid.as_deref(), Some(sid.as_str()));
    assert_eq!(logout.aud, ["bclogout"]);
    assert!(
        logout
            .events
            .contains_key(authcore_oidc::BACKCHANNEL_LOGOUT_EVENT)
    );
}

// (11) Authentication requests in signed request objects (OpenID Connect Core §6, RFC 9101):
// by value in the authorization URL and pushed to the PAR endpoint. Outside the object the URL
// carries no state, nonce, redirect URI or PKCE challenge, so the flow only completes when the
// provider verified the object with the client's registered key and used its parameters
// (`max_age` among them, which must come back as `auth_time`). An object signed with another
// key is refused.
#[tokio::test]
async fn flow_11_signed_request_objects() {
    let op = Provider::start(None);
    let client = op.basic_client("jar").await;
    let keys = std::fs::read(dir().join("client-keys.json")).unwrap();
    let set = JwkSet::from_json(&keys).unwrap();
    let signer = SigningKey::from_jwk(&set.keys[0], None, crypto::default_provider()).unwrap();
    let request = || {
        AuthenticationRequest::new(REDIRECT_URI)
            .scope("email")
            .max_age(600)
    };
    for pushed in [false, true] {
        let (url, pending) = if pushed {
            client
                .push_authentication_request(request(), Some(&signer))
                .await
                .unwrap()
        } else {
            client
                .signed_authentication_url(request(), &signer)
                .unwrap()
        };
        let query: HashMap<_, _> = url.query_pairs().into_owned().collect();
        for name in ["state", "nonce", "redirect_uri", "code_challenge"] {
            assert!(
                !query.contains_key(name),
                "{name} is only inside the object"
            );
        }
        assert!(query.contains_key(if pushed { "request_uri" } else { "request" }));
        let auth = sign_in(&client, url, pending).await;
        assert_eq!(auth.claims.sub, "alice");
        assert!(auth.claims.auth_time.is_some(), "max_age inside the object");
    }

    // A key the provider does not know: the pushed request is refused.
    let stranger = SigningKey::from_jwk(
        &Jwk::generate(
            JwsAlgorithm::ES256,
            crypto::default_provider(),
            client.random(),
        )
        .unwrap(),
        None,
        crypto::default_provider(),
    )
    .unwrap();
    let refused = client
        .push_authentication_request(request(), Some(&stranger))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("invalid_request_object"),
        "{refused}"
    );
}

// The blocking facade (feature `blocking`) against the same provider, from a thread without
// an async runtime: discovery, client credentials, introspection, revocation.
#[cfg(feature = "blocking")]
#[test]
fn blocking_facade_client_credentials_introspection_revocation() {
    let op = Provider::start(None);
    let client = authcore_reqwest::blocking::Client::builder("basic", secret_basic("basic"))
        .discover(&op.issuer)
        .unwrap();
    assert!(client.as_async().provider_metadata().is_some());
    let tokens = client.client_credentials(&["api:read"]).unwrap();
    let token = &tokens.access_token;
    let hint = Some(TokenTypeHint::AccessToken);
    assert!(client.introspect(token, hint).unwrap().active);
    client.revoke(token, hint).unwrap();
    assert!(!client.introspect(token, hint).unwrap().active);

    // Inside an async runtime it refuses instead of blocking the runtime's thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let refused = rt.block_on(async { client.client_credentials(&[]) });
    assert!(
        matches!(refused, Err(authcore_reqwest::Error::Misuse(_))),
        "{refused:?}"
    );
}

#[test]
fn provider_stops_when_its_guard_drops() {
    let op = Provider::start(None);
    let addr = op.issuer.trim_start_matches("http://").to_owned();
    drop(op);
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(&addr).is_ok() {
        assert!(Instant::now() < deadline, "provider still listening");
        std::thread::sleep(Duration::from_millis(50));
    }
}
