//! What the provider refuses, over real TCP: a mismatched redirect URI (shown on a page, not
//! redirected), a PKCE mismatch, a missing CSRF token, a wrong password, an oversized body,
//! rate limits, an unavailable store; and the security headers on every response.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use authcore_hyper::{
    AccountRecord, ConsentRecord, MemoryProviderStore, ProviderStore, RateLimit, SessionRecord,
    StoreError, StoreFuture, StoredKeys,
};
use authcore_jose::UnixTime;
use authcore_server::{Answer, Need, Write, WriteOutcome};
use common::{
    Browser, PASSWORD, ProviderSteps, REDIRECT, Reply, VERIFIER, authorize_url, is_consent_page,
    is_login_page, query_param, start, start_with,
};

fn check_security_headers(r: &Reply) {
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("'unsafe-inline'; script") && !csp.contains("script-src 'unsafe"));
    assert_eq!(r.headers["x-frame-options"], "DENY");
    assert_eq!(r.headers["referrer-policy"], "no-referrer");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mismatched_redirect_uri_is_shown_on_a_page_and_not_followed() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let r = b
        .get(&authorize_url("https://evil.example/callback", "openid"))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(!r.headers.contains_key("location"));
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    check_security_headers(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pkce_mismatch_and_a_replayed_code_are_invalid_grant() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let back = b.sign_in(&authorize_url(REDIRECT, "openid")).await;
    let code = query_param(&back.location(), "code");
    let r = b
        .redeem_code(
            &code,
            "a-wrong-verifier-that-is-long-enough-to-be-syntactically-ok",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error"], "invalid_grant");
    // A failed check does not redeem the code: the right verifier still gets the tokens,
    // once; the same code again is a replay.
    let r = b.redeem_code(&code, VERIFIER).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = b.redeem_code(&code, VERIFIER).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_grant", "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_their_csrf_token_and_wrong_passwords_are_refused() {
    let h = start().await;
    let mut b = Browser::at(&h.base);
    let r = b.get(&authorize_url(REDIRECT, "openid")).await;
    let page = b.get(&r.location()).await;
    assert!(is_login_page(&page));
    check_security_headers(&page);
    assert_eq!(page.headers["cache-control"], "no-store");
    let action = common::form_action(&page);

    // No CSRF token, or another one: refused, no session.
    let r = b
        .post_form(&action, &[("username", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, 403);
    let r = b
        .post_form(
            &action,
            &[
                ("csrf", "forged"),
                ("username", "alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(!b.jar.contains_key("authcore_session"));

    // A browser without the interaction cookie cannot use the ticket at all.
    let mut other = Browser::at(&h.base);
    let r = other.get(&r_location_of(&page)).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("expired"));

    // A wrong password: the login page again with the error, no redirect.
    let r = b.login(&page, "not-the-password").await;
    assert_eq!(r.status, 401);
    assert!(is_login_page(&r));
    assert!(r.text().contains("The username or password is wrong."));
    assert!(!r.headers.contains_key("location"));

    // The right one; then consent without its token is refused too.
    let after = b.login(&page, PASSWORD).await;
    let consent = b.get(&after.location()).await;
    assert!(is_consent_page(&consent));
    let r = b
        .post_form(&common::form_action(&consent), &[("decision", "approve")])
        .await;
    assert_eq!(r.status, 403);
    // Deny: back to the client with access_denied.
    let r = b.consent(&consent, "deny").await;
    assert_eq!(r.status, 303);
    assert!(
        r.location().contains("error=access_denied"),
        "{}",
        r.location()
    );
}

/// The page's own URL (the form's action without `/login`).
fn r_location_of(page: &Reply) -> String {
    common::form_action(page)
        .trim_end_matches("/login")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_413() {
    let h = start_with(
        |s| s.max_body_bytes = 1024,
        Arc::new(MemoryProviderStore::new()),
    )
    .await;
    let mut b = Browser::at(&h.base);
    let big = "x".repeat(4096);
    let r = b
        .post_form(
            "/token",
            &[("grant_type", "client_credentials"), ("pad", &big)],
        )
        .await;
    assert_eq!(r.status, 413);
    check_security_headers(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after() {
    let h = start_with(
        |s| {
            s.rate_limits.token = Some(RateLimit::new(2, 1));
            s.rate_limits.login = Some(RateLimit::new(1, 1));
        },
        Arc::new(MemoryProviderStore::new()),
    )
    .await;
    let mut b = Browser::at(&h.base);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "nobody"),
    ];
    for _ in 0..2 {
        let r = b.post_form("/token", &form).await;
        assert_ne!(r.status, 429);
    }
    let r = b.post_form("/token", &form).await;
    assert_eq!(r.status, 429);
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait >= 1);

    // Login attempts are limited too.
    let r = b.get(&authorize_url(REDIRECT, "openid")).await;
    let page = b.get(&r.location()).await;
    let r = b.login(&page, "wrong").await;
    assert_eq!(r.status, 401);
    let r = b.login(&page, PASSWORD).await;
    assert_eq!(r.status, 429);
    assert!(r.headers.contains_key("retry-after"));
}

/// A store that fails with `Unavailable` once switched off (the keys load first).
struct FailingStore {
    inner: MemoryProviderStore,
    down: AtomicBool,
}

impl FailingStore {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::unavailable(
                "database connection refused at 10.0.0.5",
            ))
        } else {
            Ok(())
        }
    }
}

macro_rules! guarded {
    ($self:ident, $call:expr) => {{
        match $self.check() {
            Err(e) => Box::pin(std::future::ready(Err(e))),
            Ok(()) => $call,
        }
    }};
}

impl ProviderStore for FailingStore {
    fn answer(&self, need: Need, now: UnixTime) -> StoreFuture<'_, Answer> {
        guarded!(self, self.inner.answer(need, now))
    }
    fn apply(&self, writes: Vec<Write>, now: UnixTime) -> StoreFuture<'_, Vec<WriteOutcome>> {
        guarded!(self, self.inner.apply(writes, now))
    }
    fn session(&self, id: String, now: UnixTime) -> StoreFuture<'_, Option<SessionRecord>> {
        guarded!(self, self.inner.session(id, now))
    }
    fn put_session(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        guarded!(self, self.inner.put_session(record))
    }
    fn remove_session(&self, id: String) -> StoreFuture<'_, ()> {
        guarded!(self, self.inner.remove_session(id))
    }
    fn account_by_username(&self, username: String) -> StoreFuture<'_, Option<AccountRecord>> {
        guarded!(self, self.inner.account_by_username(username))
    }
    fn account_by_subject(&self, subject: String) -> StoreFuture<'_, Option<AccountRecord>> {
        guarded!(self, self.inner.account_by_subject(subject))
    }
    fn put_account(&self, account: AccountRecord) -> StoreFuture<'_, ()> {
        guarded!(self, self.inner.put_account(account))
    }
    fn consent(
        &self,
        subject: String,
        client_id: String,
    ) -> StoreFuture<'_, Option<ConsentRecord>> {
        guarded!(self, self.inner.consent(subject, client_id))
    }
    fn put_consent(&self, consent: ConsentRecord) -> StoreFuture<'_, ()> {
        guarded!(self, self.inner.put_consent(consent))
    }
    fn keys(&self) -> StoreFuture<'_, Option<StoredKeys>> {
        guarded!(self, self.inner.keys())
    }
    fn replace_keys(&self, expected: Option<u64>, document: String) -> StoreFuture<'_, bool> {
        guarded!(self, self.inner.replace_keys(expected, document))
    }
    fn sweep(&self, now: UnixTime) -> StoreFuture<'_, u64> {
        guarded!(self, self.inner.sweep(now))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unavailable_store_is_503_with_retry_after_and_no_details() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let store = Arc::new(FailingStore {
        inner: MemoryProviderStore::new(),
        down: AtomicBool::new(false),
    });
    let dyn_store: Arc<dyn ProviderStore> = store.clone();
    let mut settings = authcore_hyper::ProviderSettings::new(common::full_config(&base));
    settings.rate_limits = authcore_hyper::RateLimitSettings::off();
    let provider = authcore_hyper::Provider::new(settings, dyn_store)
        .await
        .unwrap();
    store.down.store(true, Ordering::SeqCst);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let p = provider.clone();
    let task = tokio::spawn(async move {
        p.serve(listener, async {
            let _ = stopped.await;
        })
        .await
    });
    let mut b = Browser::at(&base);
    let r = b
        .post_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "service"),
            ],
        )
        .await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.headers.contains_key("retry-after"));
    assert!(!r.text().contains("10.0.0.5"));
    let r = b.get(&authorize_url(REDIRECT, "openid")).await;
    assert_eq!(r.status, 503);
    // Health and discovery need no store.
    assert_eq!(b.get("/healthz").await.status, 200);
    assert_eq!(b.get("/.well-known/openid-configuration").await.status, 200);
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}
