//! The provider's log of a whole flow holds its decisions and none of its secrets: no
//! password, code, token, client secret, CSRF token or cookie value.

mod common;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use common::{
    Browser, PASSWORD, ProviderSteps, REDIRECT, SECRET, VERIFIER, authorize_url, query_param, start,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every event and span field, as text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut Vec<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut lines = Vec::new();
        span.record(&mut Fields(&mut lines));
        self.0.lock().unwrap().push(lines.join(" "));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut lines = Vec::new();
        values.record(&mut Fields(&mut lines));
        self.0.lock().unwrap().push(lines.join(" "));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut lines = vec![event.metadata().target().to_owned()];
        event.record(&mut Fields(&mut lines));
        self.0.lock().unwrap().push(lines.join(" "));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_flow_logs_decisions_and_no_secret() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    let h = start().await;
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned(), SECRET.to_owned()];
    let mut b = Browser::at(&h.base);

    // Code flow with PKCE through the pages, one wrong password on the way.
    let url = format!(
        "{}&prompt=consent",
        authorize_url(REDIRECT, "openid offline_access")
    );
    let r = b.get(&url).await;
    secrets.push(r.location().rsplit('/').next().unwrap().to_owned()); // the ticket
    let page = b.get(&r.location()).await;
    secrets.push(page.field("csrf"));
    let wrong = b.login(&page, "a-wrong-password-guess").await;
    assert_eq!(wrong.status, 401);
    secrets.push("a-wrong-password-guess".to_owned());
    let after = b.login(&page, PASSWORD).await;
    let consent = b.get(&after.location()).await;
    let back = b.consent(&consent, "approve").await;
    let code = query_param(&back.location(), "code");
    secrets.push(code.clone());
    let r = b.redeem_code(&code, VERIFIER).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let tokens = r.json();
    for name in ["access_token", "refresh_token", "id_token"] {
        secrets.push(tokens[name].as_str().unwrap().to_owned());
    }
    // Refresh, a replayed code, client credentials with the secret, logout.
    let r = b.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    secrets.push(r.json()["access_token"].as_str().unwrap().to_owned());
    secrets.push(r.json()["refresh_token"].as_str().unwrap().to_owned());
    let r = b.redeem_code(&code, VERIFIER).await;
    assert_eq!(r.json()["error"], "invalid_grant");
    let r = b
        .post_form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "service"),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_eq!(r.status, 401); // the service client authenticates with Basic only
    for value in b.jar.values() {
        secrets.push(value.clone());
        // The random part of a signed cookie value, alone.
        if let Some(part) = value.split('.').nth(1) {
            secrets.push(part.to_owned());
        }
    }
    let r = b
        .get(&format!(
            "/logout?id_token_hint={}",
            tokens["id_token"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, 200);

    let log = capture.0.lock().unwrap().join("\n");
    for secret in &secrets {
        assert!(
            secret.len() >= 8,
            "a secret too short to search for: {secret}"
        );
        assert!(
            !log.contains(secret.as_str()),
            "a secret in the log: {secret}\n{log}"
        );
    }
    // The log is not empty: it has the decisions, with client and error.
    for expected in [
        "endpoint=authorize client_id=app status=303",
        "endpoint=token client_id=app status=400 error=invalid_grant",
        "endpoint=token client_id=app status=200",
        "outcome=wrong_credentials",
        "outcome=signed_in",
        "endpoint=end_session",
    ] {
        assert!(log.contains(expected), "{expected} not in\n{log}");
    }
}
