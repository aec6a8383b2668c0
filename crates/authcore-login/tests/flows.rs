//! The layer in process against authcore-hyper's provider on loopback: sign-in, the session,
//! refresh, logout, back-channel logout, and every negative the layer must refuse.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_returns_to_the_page_and_the_session_is_kept() {
    let w = world().await;
    let mut b = Browser::new();
    // Unauthenticated: sent to sign in, with the page to come back to.
    let r = b.get(&w.url("/me?tab=1")).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/auth/login?return_to=%2Fme%3Ftab%3D1");
    // The login route sends the browser to the provider with PKCE, nonce and state, and
    // keeps them in the pending cookie.
    let r = b.get(&format!("{}{}", w.app.base, r.location())).await;
    assert_eq!(r.status, 303);
    let authorize = r.location();
    assert!(
        authorize.starts_with(&format!("{}/authorize?", w.op.base)),
        "{authorize}"
    );
    for p in [
        "code_challenge_method=S256",
        "code_challenge=",
        "nonce=",
        "state=",
        "scope=openid+profile+email+offline_access",
    ] {
        assert!(authorize.contains(p), "{p} in {authorize}");
    }
    let pending = r.set_cookies(PENDING);
    assert_eq!(pending.len(), 1);
    assert!(pending[0].contains("HttpOnly") && pending[0].contains("SameSite=Lax"));
    assert!(pending[0].contains("Max-Age=600"));
    // Loopback http: not Secure (browsers would drop it).
    assert!(!pending[0].contains("Secure"));

    let callback = b.until_callback(&authorize, &w.app, "alice").await;
    let r = b.get(&callback).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), "/me?tab=1");
    assert!(
        !b.jar.contains_key(PENDING),
        "the pending sign-in is single use"
    );
    let session = r.set_cookies(SESSION);
    assert_eq!(session.len(), 1);
    assert!(
        session[0].contains("HttpOnly")
            && session[0].contains("SameSite=Lax")
            && session[0].contains("Path=/")
    );
    assert!(!session[0].contains("Secure"));

    let me = b.get(&w.url("/me?tab=1")).await;
    assert_eq!(me.status, 200, "{}", me.text());
    let me = me.json();
    assert_eq!(me["sub"], "alice-sub");
    assert_eq!(me["iss"], w.op.base.as_str());
    assert_eq!(me["provider"], "app");
    assert_eq!(me["claims"]["name"], "Alice");
    assert_eq!(me["claims"]["email"], "alice@example.com");
    assert!(me["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    // Reload: still signed in; the public page sees the user too.
    assert_eq!(b.get(&w.url("/me")).await.json()["sub"], "alice-sub");
    let public = b.get(&w.url("/")).await;
    assert!(public.text().contains("alice-sub"), "{}", public.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_need_no_session_and_api_requests_get_401() {
    let w = world().await;
    let mut b = Browser::new();
    let r = b.get(&w.url("/")).await;
    assert_eq!((r.status, r.text()), (200, "public {}".to_owned()));
    // Accept: application/json on a protected page, and anything under the API prefix.
    let r = b
        .get_with(&w.url("/me"), &[("accept", "application/json")])
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "login_required");
    let r = b.get(&w.url("/api/me")).await;
    assert_eq!(r.status, 401);
    // A browser (Accept: text/html) is redirected.
    let r = b
        .get_with(&w.url("/me"), &[("accept", "text/html,application/json")])
        .await;
    assert_eq!(r.status, 303);
    // Signed in, the API answers.
    b.sign_in(&w).await;
    let r = b.get(&w.url("/api/me")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["sub"], "alice-sub");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_state_is_refused() {
    let w = world().await;
    let mut b = Browser::new();
    let callback = b.login_callback(&w).await;
    let state = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let forged = callback.replace(&format!("state={state}"), "state=forged-by-an-attacker");
    assert_ne!(forged, callback);
    let r = b.get(&forged).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("id=\"error\""));
    assert!(r.set_cookies(SESSION).is_empty());
    assert!(!b.has_session());
    assert_eq!(b.get(&w.url("/me")).await.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_callback_is_refused() {
    let w = world().await;
    let mut b = Browser::new();
    let callback = b.login_callback(&w).await;
    let pending = b.jar.get(PENDING).cloned().unwrap();
    let r = b.get(&callback).await;
    assert_eq!(r.status, 303);
    let session = b.session();

    // Replayed as is: the pending sign-in was used up.
    let mut other = Browser::new();
    assert_no_sign_in_in_progress(&other.get(&callback).await);
    // Replayed with the pending cookie copied too: the provider refuses the used code.
    other.jar.insert(PENDING.into(), pending);
    let r = other.get(&callback).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.set_cookies(SESSION).is_empty());
    // The first session is unaffected by the attempt... or ended with its grant: either way
    // the replay yielded no session of its own.
    assert!(!other.has_session());
    let _ = session;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_without_the_pending_cookie_is_refused() {
    let w = world().await;
    let mut b = Browser::new();
    let callback = b.login_callback(&w).await;
    b.jar.remove(PENDING);
    assert_no_sign_in_in_progress(&b.get(&callback).await);
    assert!(!b.has_session());
    // A pending cookie that was tampered with counts as none.
    let mut c = Browser::new();
    let callback = c.login_callback(&w).await;
    let v = c.jar.get_mut(PENDING).unwrap();
    let last = v.pop().unwrap();
    v.push(if last == 'A' { 'B' } else { 'A' });
    assert_no_sign_in_in_progress(&c.get(&callback).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_session_cookie_is_refused_and_cleared() {
    let w = world().await;
    let mut b = Browser::signed_in(&w).await;
    let good = b.session();
    // Flip one character of each part of the JWE in turn.
    let parts: Vec<&str> = good.split('.').collect();
    for i in [0, 2, 3, 4] {
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        let mid = p[i].len() / 2;
        let c = p[i].remove(mid);
        p[i].insert(mid, if c == 'x' { 'y' } else { 'x' });
        b.jar.insert(SESSION.into(), p.join("."));
        let r = b.get(&w.url("/me")).await;
        assert_eq!(r.status, 303, "part {i}");
        assert!(r.set_cookies(SESSION)[0].contains("Max-Age=0"), "cleared");
    }
    // Garbage and an empty value.
    for bad in ["garbage", "", "a.b.c.d.e"] {
        let r = b.get_with_session(&w.url("/me"), bad, &[]).await;
        assert_eq!(r.status, 303, "{bad:?}");
    }
    // The untouched cookie still works.
    let r = b.get_with_session(&w.url("/me"), &good, &[]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_when_idle_and_absolutely() {
    let w = world().await;
    let mut b = Browser::signed_in(&w).await;
    // Idle: 600 s without a request.
    w.clock.advance(599);
    assert_eq!(b.get(&w.url("/me")).await.status, 200);
    w.clock.advance(600);
    let r = b.get(&w.url("/me")).await;
    assert_eq!(r.status, 303, "idle timeout");
    assert!(!b.has_session());

    // Absolute: 1000 s after sign-in, however busy.
    let mut c = Browser::signed_in(&w).await;
    for _ in 0..3 {
        w.clock.advance(300);
        assert_eq!(c.get(&w.url("/me")).await.status, 200);
    }
    w.clock.advance(100);
    assert_eq!(c.get(&w.url("/me")).await.status, 303, "absolute timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_to_never_leaves_the_application() {
    let w = world().await;
    let mut b = Browser::new();
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/%2Fevil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%252F%252Fevil.example",
        "http:evil.example",
        "javascript:alert(1)",
    ] {
        let q: String = url::form_urlencoded::byte_serialize(evil.as_bytes()).collect();
        let r = b
            .get(&format!("{}/auth/login?return_to={q}", w.app.base))
            .await;
        assert_eq!(r.status, 303);
        let pending = open_cookie(b.jar.get(PENDING).unwrap(), &KEY1);
        assert_eq!(pending["return_to"], "/", "{evil}");
    }
    // And through a whole sign-in: back to `/`, not off-site.
    let r = b
        .sign_in_via(
            &w.url("/auth/login?return_to=%2F%2Fevil.example"),
            &w,
            "alice",
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_here_and_at_the_provider() {
    let w = world().await;
    let mut b = Browser::signed_in(&w).await;
    let copy = b.session();
    let r = b.get(&w.url("/auth/logout")).await;
    assert_eq!(r.status, 303);
    let to = r.location();
    assert!(to.starts_with(&format!("{}/logout?", w.op.base)), "{to}");
    assert!(to.contains("id_token_hint="));
    let post_logout: String = url::form_urlencoded::byte_serialize(w.url("/").as_bytes()).collect();
    assert!(
        to.contains(&format!("post_logout_redirect_uri={post_logout}")),
        "{to}"
    );
    assert!(!b.has_session());
    // A copy of the old cookie no longer works.
    let r = b.get_with_session(&w.url("/me"), &copy, &[]).await;
    assert_eq!(r.status, 303);
    // At the provider: confirmed, then back to the application.
    let r = b.confirm_provider_logout(&to, &w.op).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), w.url("/"));
    // The provider's session is gone: signing in asks for the password again.
    let r = b.get(&w.url("/auth/login")).await;
    let page = b.get(&r.location()).await;
    let page = if page.status == 303 {
        b.get(&format!("{}{}", w.op.base, page.location())).await
    } else {
        page
    };
    assert!(page.is_login_page(), "{}", page.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_channel_logout_ends_the_matching_session_only() {
    let w = world().await;
    // Two browsers, two provider sessions (two `sid`s) for the same user.
    let mut one = Browser::signed_in(&w).await;
    let mut two = Browser::signed_in(&w).await;
    let one_session = one.session();
    // `one` logs out at the provider directly; the provider tells the application.
    let r = one.logout_at_provider(&w.op).await;
    assert!(r.status == 200 || r.status == 303, "{}", r.text());
    assert!(
        session_ends(&w, &one_session).await,
        "the back-channel logout ended the first session"
    );
    // The logout token named the other `sid`: the second session goes on.
    let r = two.get(&w.url("/me")).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_logout_tokens_are_refused() {
    let w = world().await;
    let mut b = Browser::signed_in(&w).await;
    let url = w.url("/auth/backchannel-logout?provider=app");
    let unsigned = format!(
        "{}.{}.",
        "eyJhbGciOiJub25lIn0",
        base64url(&serde_json::json!({"iss": w.op.base, "aud": "app", "iat": 1, "jti": "j", "sub": "alice-sub",
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}).to_string())
    );
    for token in ["garbage", unsigned.as_str()] {
        let r = Browser::new()
            .post_form(&url, &[("logout_token", token)])
            .await;
        assert_eq!(r.status, 400, "{token}");
    }
    let r = Browser::new().get(&url).await;
    assert_eq!(r.status, 405);
    // The session is still there.
    assert_eq!(b.get(&w.url("/me")).await.status, 200);
}

/// Sessions that outlive the access token (so only refresh decides).
fn long_sessions(c: authcore_login::LoginConfig) -> authcore_login::LoginConfig {
    let mut t = authcore_login::SessionTimeouts::default();
    t.idle = 600;
    t.absolute = 100_000;
    c.timeouts(t)
}

fn base64url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_refreshed_before_expiry_with_rotation() {
    let w = world_with(long_sessions).await;
    let mut b = Browser::signed_in(&w).await;
    let before = session_contents(&b.session());
    let first_at = b.get(&w.url("/me")).await.json()["access_token"].clone();
    let rt = before["s"]["refresh_token"]
        .as_str()
        .expect("offline_access gives a refresh token")
        .to_owned();
    let expires_at = before["s"]["expires_at"].as_u64().unwrap();
    let now = w.clock.now_secs();
    // Within the refresh margin of the access token's expiry (and within the idle timeout:
    // the session is used every 500 s on the way there).
    for (step, more) in clock_steps(expires_at - now - 30) {
        w.clock.advance(step);
        if more {
            assert_eq!(b.get(&w.url("/")).await.status, 200);
        }
    }
    let r = b.get(&w.url("/me")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_ne!(r.json()["access_token"], first_at, "a new access token");
    let after = session_contents(&b.session());
    let rotated = after["s"]["refresh_token"].as_str().unwrap();
    assert_ne!(
        rotated, rt,
        "the refresh token rotated and the new one was kept"
    );
    assert!(after["s"]["expires_at"].as_u64().unwrap() > expires_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_ends_the_session() {
    let w = world_with(long_sessions).await;
    let mut b = Browser::signed_in(&w).await;
    let s = session_contents(&b.session());
    let rt = s["s"]["refresh_token"].as_str().unwrap().to_owned();
    // The grant is revoked at the provider (RFC 7009).
    let r = Browser::new()
        .post_form(
            &format!("{}/revoke", w.op.base),
            &[
                ("client_id", "app"),
                ("token", &rt),
                ("token_type_hint", "refresh_token"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let expires_at = s["s"]["expires_at"].as_u64().unwrap();
    for (step, more) in clock_steps(expires_at - w.clock.now_secs() + 1) {
        w.clock.advance(step);
        if more {
            assert_eq!(b.get(&w.url("/")).await.status, 200);
        }
    }
    // Refresh refused: sign in again.
    let r = b.get(&w.url("/me")).await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/auth/login"));
    assert!(!b.has_session());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_keys_rotate_without_signing_anyone_out() {
    let w = world().await;
    let mut b = Browser::signed_in(&w).await;
    let old = b.session();
    assert_eq!(cookie_kid(&old), "k1");
    // The same application restarted with a new current key and the old one kept.
    let listener = app_listener().await;
    let keys = authcore_login::SessionKeys::new("k2", KEY2)
        .unwrap()
        .with_previous("k1", KEY1)
        .unwrap();
    let rotated = serve_app(listener, config(&w.app.base, &w.op, w.clock.clone(), keys)).await;
    w.clock.advance(1); // a later request: the session cookie is written again
    let r = b.get(&format!("{}/me", rotated.base)).await;
    assert_eq!(r.status, 200, "the old cookie is still read");
    let new = b.session();
    assert_eq!(cookie_kid(&new), "k2", "new cookies under the new key");
    // Once k1 is retired, its cookies are refused, the new ones read.
    let listener = app_listener().await;
    let keys = authcore_login::SessionKeys::new("k2", KEY2).unwrap();
    let retired = serve_app(listener, config(&w.app.base, &w.op, w.clock.clone(), keys)).await;
    let r = Browser::new()
        .get_with_session(&format!("{}/me", retired.base), &old, &[])
        .await;
    assert_eq!(r.status, 303);
    let r = Browser::new()
        .get_with_session(&format!("{}/me", retired.base), &new, &[])
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_racing_to_refresh_use_the_rotated_token_once() {
    let w = world_with(long_sessions).await;
    let b = Browser::signed_in(&w).await;
    let mut cookie = b.session();
    let s = session_contents(&cookie);
    let expires_at = s["s"]["expires_at"].as_u64().unwrap();
    for (step, more) in clock_steps(expires_at - w.clock.now_secs() - 30) {
        w.clock.advance(step);
        if more {
            assert_eq!(get_carrying(&w.url("/"), &mut cookie).await.status, 200);
        }
    }
    // Four requests with the same cookie, all due for refresh, at once.
    let url = w.url("/me");
    let racers = (0..4).map(|_| {
        let (url, cookie) = (url.clone(), cookie.clone());
        tokio::spawn(async move {
            let mut cookie = cookie;
            let r = get_carrying(&url, &mut cookie).await;
            (r.status, r.json()["access_token"].clone(), cookie)
        })
    });
    let mut results = Vec::new();
    for r in racers {
        results.push(r.await.unwrap());
    }
    for (status, _, _) in &results {
        assert_eq!(*status, 200);
    }
    assert!(
        results.iter().all(|(_, at, _)| *at == results[0].1),
        "one refresh, shared"
    );
    // The grant survived (a rotated refresh token used twice would have revoked it): the
    // next refresh works too.
    let next = session_contents(&results[0].2);
    let expires_at = next["s"]["expires_at"].as_u64().unwrap();
    let mut cookie = results[0].2.clone();
    for (step, _) in clock_steps(expires_at - w.clock.now_secs() - 30) {
        w.clock.advance(step);
        assert_eq!(get_carrying(&w.url("/me"), &mut cookie).await.status, 200);
    }
    let after = session_contents(&cookie);
    assert!(
        after["s"]["expires_at"].as_u64().unwrap() > expires_at,
        "refreshed again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_logout_token_is_refused() {
    use axum::extract::Request;
    use axum::middleware::Next;
    use std::sync::{Arc, Mutex};
    // In front of the layer: a copy of every back-channel logout request as it arrives.
    let captured = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
    let cap = captured.clone();
    let w = world_serving(default_config, |layer, listener| {
        let router = app_router().layer(layer).layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let cap = cap.clone();
                async move {
                    if req.uri().path() != "/auth/backchannel-logout" {
                        return next.run(req).await;
                    }
                    let (parts, body) = req.into_parts();
                    let bytes = axum::body::to_bytes(body, 1 << 16).await.unwrap();
                    cap.lock().unwrap().push(bytes.to_vec());
                    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                        .await
                }
            },
        ));
        axum_on(listener, router)
    })
    .await;
    let mut b = Browser::signed_in(&w).await;
    let session = b.session();
    b.logout_at_provider(&w.op).await;
    let c = captured.clone();
    assert!(
        eventually(|| {
            let c = c.clone();
            async move { !c.lock().unwrap().is_empty() }
        })
        .await,
        "the provider sent a logout token"
    );
    // The first delivery was accepted: the session is over.
    assert!(session_ends(&w, &session).await);
    let body = captured.lock().unwrap()[0].clone();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = Browser::new()
        .post_form(&w.url("/auth/backchannel-logout?provider=app"), &pairs)
        .await;
    assert_eq!(r.status, 400, "the same logout token twice: {}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_providers_refusal_is_shown_as_a_page() {
    let w = world().await;
    let mut b = Browser::new();
    let callback = b
        .until_callback_deciding(&w.url("/auth/login"), &w.app, "alice", "deny")
        .await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let r = b.get(&callback).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("access_denied"), "{}", r.text());
    assert!(r.text().contains("id=\"retry\""));
    assert!(!b.has_session());
    // A callback with nothing in it, and one with junk, are pages too.
    for q in ["", "?code", "?state=%FF%FE&code=%00", "?error=%3Cscript%3E"] {
        let mut c = Browser::new();
        let _ = c.get(&w.url("/auth/login")).await;
        let r = c.get(&format!("{}/auth/callback{q}", w.app.base)).await;
        assert_eq!(r.status, 400, "{q}");
        assert!(!r.text().contains("<script>"), "escaped");
    }
}
