//! Several providers at once, a confidential client, PAR, server-side sessions and the axum
//! extractor, in process against authcore-hyper's provider.

mod common;

use std::sync::Arc;

use authcore_login::{MemorySessionStore, ProviderConfig};
use authcore_oauth2::{ClientAuthentication, ClientSecret};
use common::*;

fn conf(op: &Op) -> ProviderConfig {
    ProviderConfig::new(
        "conf",
        &op.base,
        "conf",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new(SECRET)),
    )
    .display_name("The <Confidential> One")
    .scope("email")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chooser_page_lists_the_providers_and_each_signs_in() {
    let w = world_with_op(|c, op| c.provider(conf(op).pushed_authorization_requests(true))).await;

    let mut b = Browser::new();
    let r = b.get(&w.url("/me")).await;
    assert_eq!(r.location(), "/auth/login?return_to=%2Fme");
    let page = b.get(&format!("{}{}", w.app.base, r.location())).await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("id=\"provider-app\""), "{text}");
    assert!(text.contains("id=\"provider-conf\""), "{text}");
    // Names are escaped; return_to is carried.
    assert!(text.contains("The &lt;Confidential&gt; One"), "{text}");
    assert!(
        text.contains("/auth/login?provider=conf&amp;return_to=%2Fme"),
        "{text}"
    );
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );

    // The confidential client, through PAR: the browser carries only a request_uri.
    let r = b
        .get(&w.url("/auth/login?provider=conf&return_to=%2Fme"))
        .await;
    let authorize = r.location();
    assert!(authorize.contains("request_uri="), "{authorize}");
    assert!(!authorize.contains("code_challenge="), "{authorize}");
    let callback = b.until_callback(&authorize, &w.app, "bob").await;
    let r = b.get(&callback).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let me = b.get(&w.url("/me")).await.json();
    assert_eq!(me["provider"], "conf");
    assert_eq!(me["sub"], "bob-sub");

    // An unknown provider is an error page, not a panic.
    let r = b.get(&w.url("/auth/login?provider=nope")).await;
    assert_eq!(r.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_sessions_keep_only_a_reference_in_the_cookie() {
    let store = Arc::new(MemorySessionStore::new());
    let s = store.clone();
    let w = world_with(move |c| c.session_store(s)).await;
    let mut b = Browser::signed_in(&w).await;
    assert_eq!(store.len(), 1);
    let cookie = b.session();
    let opened = session_contents(&cookie);
    assert!(opened["r"].is_string(), "a reference only: {opened}");
    assert!(cookie.len() < 400, "{}", cookie.len());
    assert_eq!(b.get(&w.url("/me")).await.json()["claims"]["name"], "Alice");
    // Signing in again replaces the record (a new id; the old one is dropped).
    b.sign_in_via(&w.url("/auth/login"), &w, "alice").await;
    let current = b.session();
    assert_ne!(current, cookie);
    assert_eq!(store.len(), 1);
    let r = b.get_with_session(&w.url("/me"), &cookie, &[]).await;
    assert_eq!(r.status, 303, "the earlier session is gone (fixation)");
    // Logout removes the record.
    b.jar.insert(SESSION.into(), current);
    b.get(&w.url("/auth/logout")).await;
    assert!(store.is_empty());
}

#[cfg(feature = "axum")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_extractor_gives_handlers_the_user_or_sends_them_to_sign_in() {
    use authcore_login::{Authenticated, LoginLayer};
    use axum::Router;
    use axum::routing::get;
    // Nothing protected by path: the extractor decides.
    let config = |base: &str, op: &Op, clock: Arc<TestClock>| {
        authcore_login::LoginConfig::new(
            base,
            authcore_login::SessionKeys::new("k1", KEY1).unwrap(),
        )
        .unwrap()
        .provider(
            ProviderConfig::new("app", &op.base, "app", ClientAuthentication::None)
                .scope("profile"),
        )
        .clock(clock)
    };
    let w = world_serving(config, |layer: LoginLayer, listener| {
        let router = Router::new()
            .route(
                "/me",
                get(|user: Authenticated| async move { user.subject().to_owned() }),
            )
            .route(
                "/",
                get(|user: Option<Authenticated>| async move {
                    user.map_or("anonymous".to_owned(), |u| u.subject().to_owned())
                }),
            )
            .layer(layer);
        axum_on(listener, router)
    })
    .await;
    let mut b = Browser::new();
    assert_eq!(b.get(&w.url("/")).await.text(), "anonymous");
    let r = b.get(&w.url("/me")).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/auth/login?return_to=%2Fme");
    let r = b
        .get_with(&w.url("/me"), &[("accept", "application/json")])
        .await;
    assert_eq!(r.status, 401);
    b.sign_in(&w).await;
    assert_eq!(b.get(&w.url("/me")).await.text(), "alice-sub");
    assert_eq!(b.get(&w.url("/")).await.text(), "alice-sub");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_key_jwt_client_signs_in() {
    let w = world_with_op(|c, op| {
        let p = authcore_jose::crypto::default_provider();
        let signer = authcore_jose::SigningKey::from_jwk(&op.pkj_key, None, p).unwrap();
        c.provider(ProviderConfig::new(
            "pkj",
            &op.base,
            "pkj",
            ClientAuthentication::PrivateKeyJwt(Arc::new(signer)),
        ))
    })
    .await;
    let mut b = Browser::new();
    let r = b
        .sign_in_via(&w.url("/auth/login?provider=pkj"), &w, "alice")
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let me = b.get(&w.url("/me")).await.json();
    assert_eq!(me["provider"], "pkj");
    assert_eq!(me["sub"], "alice-sub");
}
