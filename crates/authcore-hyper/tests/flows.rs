//! Whole flows over real TCP on 127.0.0.1: authcore-oidc's relying party and a cookie-jar
//! user agent against the provider, through its login and consent pages.

mod common;

use authcore_jose::InsecureTestRandom;
use authcore_oauth2::{
    AuthorizationResponse, AuthorizationServer, Client, ClientAuthentication, TokenResponseOptions,
    parse_token_response,
};
use authcore_oidc::{
    AuthenticationRequest, AuthenticationResponse, CodeExchange, IdTokenVerifier,
    PendingAuthentication,
};
use common::{
    Browser, Harness, PASSWORD, POST_LOGOUT, ProviderSteps, REDIRECT, Reply, SECRET,
    is_consent_page, is_login_page, now, start,
};

fn server(h: &Harness) -> AuthorizationServer {
    AuthorizationServer::from_metadata(&authcore_server::metadata::metadata(&h.config)).unwrap()
}

fn rp() -> Client {
    Client::new("app", ClientAuthentication::None)
}

/// The URL of `request` from the relying party `app`, and its pending state.
fn request_url(
    h: &Harness,
    request: AuthenticationRequest,
    rng: &InsecureTestRandom,
) -> (String, PendingAuthentication) {
    let (url, pending) = request.build_url(&rp(), &server(h), rng).unwrap();
    (url.as_str().to_owned(), pending)
}

/// The relying party's reading of the redirect `back`: a code to exchange.
fn code_exchange(pending: PendingAuthentication, back: &Reply) -> CodeExchange {
    let location = back.location();
    assert!(location.starts_with(REDIRECT), "{location}");
    let AuthenticationResponse::Code(exchange) = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&location).unwrap())
        .unwrap()
    else {
        panic!("a code response: {location}")
    };
    exchange
}

/// The relying party's token request for `exchange`.
fn token_request(
    h: &Harness,
    exchange: &CodeExchange,
    rng: &InsecureTestRandom,
) -> http::Request<Vec<u8>> {
    exchange
        .build_token_request(&rp(), &server(h), now(), rng)
        .unwrap()
}

async fn code_flow(
    h: &Harness,
    b: &mut Browser,
    request: AuthenticationRequest,
) -> authcore_oidc::Authentication {
    let rng = InsecureTestRandom::new(5);
    let (url, pending) = request_url(h, request, &rng);
    let (page, back) = b.sign_in_as(&url, "alice").await;
    assert!(page.text().contains("The &lt;Test&gt; App"));
    let exchange = code_exchange(pending, &back);
    let resp = b.send(token_request(h, &exchange, &rng)).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.headers["cache-control"], "no-store");
    let tokens = parse_token_response(&resp.as_http(), &TokenResponseOptions::new()).unwrap();
    let keys = b.published_keys().await;
    let verifier = IdTokenVerifier::new(&h.base, "app").require_auth_time();
    exchange
        .validate_token_response(tokens, &verifier, keys.as_slice(), now())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_flow_with_pkce_through_the_pages_is_validated_by_the_relying_party() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let auth = code_flow(
        &h,
        &mut b,
        AuthenticationRequest::new(REDIRECT).scope("email"),
    )
    .await;
    assert_eq!(auth.claims.sub, "alice-sub");
    assert_eq!(auth.claims.iss, h.base);
    // The consent page showed the scope in words (checked on the next consent page).
    let rng = InsecureTestRandom::new(8);
    let (url, _) = request_url(
        &h,
        AuthenticationRequest::new(REDIRECT)
            .scope("email")
            .prompt("consent"),
        &rng,
    );
    let r = b.get(&url).await;
    let consent = b.get(&r.location()).await;
    assert!(is_consent_page(&consent), "{}", consent.text());
    assert!(consent.text().contains("Your email address"));
    assert!(consent.text().contains("The &lt;Test&gt; App"));
    assert!(b.jar.contains_key("authcore_session"));

    // UserInfo with the access token: the account's claims the scope releases.
    let access = auth
        .tokens
        .as_ref()
        .unwrap()
        .access_token
        .secret()
        .to_owned();
    let r = b.get_with_bearer("/userinfo", &access).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let info = r.json();
    assert_eq!(info["sub"], "alice-sub");
    assert_eq!(info["email"], "alice@example.com");
    // `name` is a profile claim, not asked for.
    assert!(info.get("name").is_none());

    // A second request in the same browser reuses the session and the stored consent: no
    // page, straight back to the client.
    let rng = InsecureTestRandom::new(6);
    let (url, _) = request_url(
        &h,
        AuthenticationRequest::new(REDIRECT).scope("email"),
        &rng,
    );
    let r = b.get(&url).await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with(REDIRECT), "{}", r.location());
    assert!(r.location().contains("code="));

    // prompt=none with the session answers silently too; without one, login_required.
    let (url, _) = request_url(
        &h,
        AuthenticationRequest::new(REDIRECT)
            .scope("email")
            .prompt("none"),
        &rng,
    );
    let r = b.get(&url).await;
    assert!(r.location().contains("code="), "{}", r.location());
    let mut stranger = Browser::at(&h.base);
    let r = stranger.get(&url).await;
    assert!(
        r.location().contains("error=login_required"),
        "{}",
        r.location()
    );

    // prompt=login asks for the password again although there is a session.
    let (url, _) = request_url(
        &h,
        AuthenticationRequest::new(REDIRECT)
            .scope("email")
            .prompt("login"),
        &rng,
    );
    let r = b.get(&url).await;
    let page = b.get(&r.location()).await;
    assert!(is_login_page(&page));
    // Signing in again satisfies it (consent is stored): straight back to the client.
    let after = b.login(&page, PASSWORD).await;
    assert_eq!(after.status, 303);
    let back = b.get(&after.location()).await;
    assert_eq!(back.status, 303, "{}", back.text());
    assert!(back.location().starts_with(REDIRECT) && back.location().contains("code="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_rotate_and_a_replayed_code_is_refused() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let rng = InsecureTestRandom::new(7);
    let offline = || {
        AuthenticationRequest::new(REDIRECT)
            .scope("offline_access")
            .prompt("consent")
    };
    let (url, pending) = request_url(&h, offline(), &rng);
    let back = b.sign_in(&url).await;
    let exchange = code_exchange(pending, &back);
    let redemption = token_request(&h, &exchange, &rng);
    let replay = redemption.clone();
    let resp = b.send(redemption).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let refresh = resp.json()["refresh_token"].as_str().unwrap().to_owned();

    // The code a second time: invalid_grant (and the grant is revoked, RFC 6749 §4.1.2).
    let again = b.send(replay).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["error"], "invalid_grant");

    // The refresh token of the revoked grant no longer works either.
    let r = b.refresh(&refresh).await;
    assert_eq!(r.json()["error"], "invalid_grant");

    // A fresh flow: the refresh token rotates, and the old one is refused afterwards.
    let (url, pending) = request_url(&h, offline(), &rng);
    let r = b.get(&url).await;
    let consent = b.get(&r.location()).await;
    assert!(is_consent_page(&consent), "{}", consent.text());
    let back = b.consent(&consent, "approve").await;
    let exchange = code_exchange(pending, &back);
    let resp = b.send(token_request(&h, &exchange, &rng)).await;
    let first = resp.json()["refresh_token"].as_str().unwrap().to_owned();
    let r = b.refresh(&first).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let second = r.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    // The rotated-out token is refused once its successor is issued.
    let r = b.refresh(&first).await;
    assert_eq!(r.json()["error"], "invalid_grant", "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_introspection_and_revocation() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let basic = |id: &str, secret: &str| {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    let token = |auth: String| {
        http::Request::post(format!("{}/token", h.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", auth)
            .body(b"grant_type=client_credentials&scope=read".to_vec())
            .unwrap()
    };
    let r = b.send(token(basic("service", SECRET))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let access = r.json()["access_token"].as_str().unwrap().to_owned();

    // A wrong secret: invalid_client with 401 (RFC 6749 §5.2).
    let r = b.send(token(basic("service", "wrong"))).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "invalid_client");

    let form = |path: &str, body: String| {
        http::Request::post(format!("{}{path}", h.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", basic("service", SECRET))
            .body(body.into_bytes())
            .unwrap()
    };
    let r = b.send(form("/introspect", format!("token={access}"))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["active"], true);
    let r = b.send(form("/revoke", format!("token={access}"))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = b.send(form("/introspect", format!("token={access}"))).await;
    assert_eq!(r.json()["active"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_through_the_pages() {
    let h = start().await;
    let mut device = Browser::at(&h.base);
    let r = device
        .post_form(
            "/device_authorization",
            &[("client_id", "app"), ("scope", "read")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json();
    let device_code = d["device_code"].as_str().unwrap().to_owned();
    let user_code = d["user_code"].as_str().unwrap().to_owned();
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", device_code.as_str()),
        ("client_id", "app"),
    ];
    let r = device.post_form("/token", &poll).await;
    assert_eq!(r.json()["error"], "authorization_pending");

    let mut b = Browser::at(&h.base);
    let page = b.get(&format!("/device?user_code={user_code}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<input id=\"user_code\""));
    // A wrong code is shown on the page.
    let csrf = page.field("csrf");
    let wrong = b
        .post_form("/device", &[("csrf", &csrf), ("user_code", "BBBB-BBBB")])
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.text().contains("not valid"), "{}", wrong.text());
    // Without the CSRF token: refused.
    let r = b.post_form("/device", &[("user_code", &user_code)]).await;
    assert_eq!(r.status, 403);
    let r = b
        .post_form("/device", &[("csrf", &csrf), ("user_code", &user_code)])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let login = b.get(&r.location()).await;
    assert!(is_login_page(&login));
    let after = b.login(&login, PASSWORD).await;
    let consent = b.get(&after.location()).await;
    assert!(is_consent_page(&consent), "{}", consent.text());
    let done = b.consent(&consent, "approve").await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("authorized"));

    // Poll as a device does: wait the interval (raised by slow_down, RFC 8628 §3.5) between
    // polls; bounded in count.
    let mut interval = 1;
    let mut answer = None;
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_secs(interval)).await;
        let r = device.post_form("/token", &poll).await;
        if r.status == 200 {
            answer = Some(r);
            break;
        }
        assert_eq!(r.json()["error"], "slow_down", "{}", r.text());
        interval += 5;
    }
    let r = answer.expect("the device gets its token");
    assert!(r.json()["access_token"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_authorization_requests_are_used_once() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let r = b
        .post_form(
            "/par",
            &[
                ("client_id", "app"),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", "openid"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "S256"),
                ("state", "s1"),
                ("nonce", "n1"),
            ],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let request_uri = r.json()["request_uri"].as_str().unwrap().to_owned();
    let url = format!(
        "/authorize?client_id=app&request_uri={}",
        url::form_urlencoded::byte_serialize(request_uri.as_bytes()).collect::<String>()
    );
    let back = b.sign_in(&url).await;
    assert!(back.location().contains("code="));
    assert!(back.location().contains("state=s1"));
    // The same request_uri again is refused.
    let again = b.get(&url).await;
    assert_eq!(again.status, 303);
    assert!(
        again.location().contains("error=invalid_request_uri"),
        "{}",
        again.location()
    );
    assert!(!again.location().contains("code="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_create_read_and_delete() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let body = serde_json::json!({
        "redirect_uris": ["https://new.example/cb"],
        "client_name": "New App",
        "token_endpoint_auth_method": "client_secret_basic",
    });
    let r = b
        .send(
            http::Request::post(format!("{}/register", h.base))
                .header("content-type", "application/json")
                .body(body.to_string().into_bytes())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    let uri = created["registration_client_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let rat = created["registration_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = b
        .send(
            http::Request::get(&uri)
                .header("authorization", format!("Bearer {rat}"))
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.json()["client_name"], "New App");
    let delete = b
        .send(
            http::Request::delete(&uri)
                .header("authorization", format!("Bearer {rat}"))
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(delete.status, 204, "{}", delete.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_session_with_and_without_confirmation() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let auth = code_flow(&h, &mut b, AuthenticationRequest::new(REDIRECT)).await;
    let hint = auth.id_token.secret().to_owned();

    // Without a hint the user confirms on a page first.
    let r = b.get("/logout").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("<button id=\"logout\""));
    // A confirmation without the CSRF token only shows the page again.
    let r2 = b.post_form("/logout", &[("decision", "logout")]).await;
    assert!(r2.text().contains("<button id=\"logout\""));

    // With the session's ID token as the hint: logged out, redirected with the state.
    let url = format!(
        "/logout?id_token_hint={hint}&post_logout_redirect_uri={}&state=bye",
        url::form_urlencoded::byte_serialize(POST_LOGOUT.as_bytes()).collect::<String>()
    );
    let r = b.get(&url).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), format!("{POST_LOGOUT}?state=bye"));
    assert!(!b.jar.contains_key("authcore_session"));

    // An unregistered post_logout_redirect_uri is refused on a page, not redirected.
    let bad = format!(
        "/logout?id_token_hint={hint}&post_logout_redirect_uri={}",
        url::form_urlencoded::byte_serialize(b"https://evil.example/").collect::<String>()
    );
    let r = b.get(&bad).await;
    assert_eq!(r.status, 400);
    assert!(!r.headers.contains_key("location"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_jwks_and_health() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let r = b.get("/.well-known/openid-configuration").await;
    assert_eq!(r.status, 200);
    let m = r.json();
    assert_eq!(m["issuer"], h.base.as_str());
    assert_eq!(m["jwks_uri"], format!("{}/jwks", h.base));
    assert!(
        m["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "RS256")
    );
    let r = b.get("/.well-known/oauth-authorization-server").await;
    assert_eq!(r.status, 200);
    assert_eq!(b.published_keys().await.len(), 6);
    let r = b.get("/healthz").await;
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    let r = b.get("/nothing-here").await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_token_hint_of_another_user_asks_for_that_user_to_sign_in() {
    let h = start().await;
    // Bob signs in in his browser; his ID token is the hint.
    let mut bobs = Browser::at(&h.base);
    let rng = InsecureTestRandom::new(12);
    let (url, pending) = request_url(&h, AuthenticationRequest::new(REDIRECT), &rng);
    let (_, back) = bobs.sign_in_as(&url, "bob").await;
    let exchange = code_exchange(pending, &back);
    let resp = bobs.send(token_request(&h, &exchange, &rng)).await;
    let bob_token = resp.json()["id_token"].as_str().unwrap().to_owned();

    // Alice's browser has her session; a request hinting at Bob shows the login page.
    let mut b = Browser::at(&h.base);
    code_flow(&h, &mut b, AuthenticationRequest::new(REDIRECT)).await;
    let (url, _) = request_url(
        &h,
        AuthenticationRequest::new(REDIRECT)
            .id_token_hint(&authcore_oauth2::IdToken::new(bob_token)),
        &rng,
    );
    let r = b.get(&url).await;
    assert_eq!(r.status, 303);
    let page = b.get(&r.location()).await;
    assert!(is_login_page(&page), "{}", page.text());
    // Bob signs in there (he consented before): back to the client with a code.
    let after = b.login_as(&page, "bob", PASSWORD).await;
    let back = b.get(&after.location()).await;
    assert_eq!(back.status, 303, "{}", back.text());
    assert!(back.location().contains("code="), "{}", back.location());
}
