//! The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0) with its confirmation
//! page, and the back-channel logout deliveries (Back-Channel Logout 1.0 §2.5), sent in the
//! background with the core's bounded [`RetryPolicy`](authcore_server::oidc::logout::RetryPolicy).

use authcore_server::model::ClientRecord;
use authcore_server::oidc::logout::{
    BackChannelLogout, EndSession, EndSessionDecision, parse_end_session_request,
    session_logout_notices,
};
use authcore_server::{Answer, Context, Need};
use bytes::Bytes;
use http::header::{HeaderValue, SET_COOKIE};
use http::{Method, StatusCode};

use crate::cookies::CookieAttributes;
use crate::provider::Provider;
use crate::router::{core_request, drive_failure};
use crate::ui;

/// The end-session endpoint, GET or POST (the confirmation form posts back to it with
/// `decision=logout` and its CSRF token).
pub(crate) async fn end_session(
    provider: &Provider,
    request: &http::Request<Bytes>,
    ctx: &Context<'_>,
) -> http::Response<Vec<u8>> {
    let site = provider.inner.settings.site_name.clone();
    let core = core_request(provider, request);
    let refused = |why: &str| {
        tracing::info!(endpoint = "end_session", outcome = "refused", "decision");
        ui::message(StatusCode::BAD_REQUEST, &site, "Sign-out refused", why)
    };
    let parsed = match parse_end_session_request(&core) {
        Ok(p) => p,
        Err(e) => return refused(&e.to_string()),
    };
    let end = match EndSession::new(parsed, ctx) {
        Ok(e) => e,
        Err(e) => return refused(&e.to_string()),
    };
    let client = match end.client_id() {
        Some(id) => match provider
            .inner
            .store
            .answer(Need::Client(id.to_owned()), ctx.now)
            .await
        {
            Ok(Answer::Client(c)) => c,
            Ok(_) => None,
            Err(e) => return drive_failure(&e.into()),
        },
        None => None,
    };
    let session =
        match crate::interaction::current_session(provider, request.headers(), ctx.now).await {
            Ok(s) => s,
            Err(e) => return drive_failure(&e.into()),
        };
    let form: Vec<(String, String)> = if request.method() == Method::POST {
        url::form_urlencoded::parse(request.body())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    } else {
        Vec::new()
    };
    let keys = provider.loaded_keys();
    // The confirmation's CSRF token is bound to the session cookie's random value: only the
    // page this provider showed to this browser has it.
    let binding = session.as_ref().map(|(value, _)| format!("logout:{value}"));
    let confirmed = form.iter().any(|(k, v)| k == "decision" && v == "logout")
        && binding.as_ref().is_some_and(|b| {
            form.iter()
                .any(|(k, v)| k == "csrf" && keys.cookies.check_csrf(b, v))
        });
    let decision = match end.decide(
        ctx,
        client.as_ref(),
        session.as_ref().map(|(_, s)| &s.session),
        confirmed,
    ) {
        Ok(d) => d,
        Err(e) => return refused(&e.to_string()),
    };
    let logout = match decision {
        EndSessionDecision::Confirm(c) => {
            let params: Vec<(String, String)> = if request.method() == Method::GET {
                url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            } else {
                form.iter()
                    .filter(|(k, _)| k != "csrf" && k != "decision")
                    .cloned()
                    .collect()
            };
            let token = binding
                .as_deref()
                .and_then(|b| keys.cookies.csrf_token(b))
                .unwrap_or_default();
            let action = provider
                .inner
                .routes
                .end_session
                .clone()
                .unwrap_or_default();
            tracing::info!(
                endpoint = "end_session",
                client_id = c.client_id.as_deref().unwrap_or("-"),
                outcome = "confirm",
                "decision"
            );
            return ui::logout(&site, &action, &token, c.client_id.as_deref(), &params);
        }
        EndSessionDecision::Logout(l) => l,
        _ => return refused("the request could not be decided"),
    };
    let mut front_channel = Vec::new();
    if let Some((value, record)) = &session {
        let mut clients: Vec<ClientRecord> = Vec::new();
        for id in &record.session.clients {
            if let Ok(Answer::Client(Some(c))) = provider
                .inner
                .store
                .answer(Need::Client(id.clone()), ctx.now)
                .await
            {
                clients.push(c);
            }
        }
        match session_logout_notices(ctx, &record.session, &clients) {
            Ok(notices) => {
                front_channel = notices.front_channel;
                for delivery in notices.back_channel {
                    spawn_back_channel(provider, delivery);
                }
            }
            Err(e) => tracing::warn!(error = %e, "logout notices could not be made"),
        }
        let id = crate::interaction::session_id(provider, value);
        if let Err(e) = provider.inner.store.remove_session(id).await {
            return drive_failure(&e.into());
        }
    }
    if let Err(e) = provider.inner.store.apply(logout.writes(), ctx.now).await {
        return drive_failure(&e.into());
    }
    let mut response = logout.response(&front_channel);
    let s = &provider.inner.settings;
    let attributes =
        CookieAttributes::for_issuer(&s.server.issuer, s.cookies.insecure_on_loopback_http);
    if let Ok(v) = HeaderValue::from_str(&attributes.clear(&s.cookies.session_name)) {
        response.headers_mut().append(SET_COOKIE, v);
    }
    tracing::info!(
        endpoint = "end_session",
        client_id = end.client_id().unwrap_or("-"),
        outcome = "logged_out",
        "decision"
    );
    response
}

/// Sends one back-channel logout POST in the background, retrying per its policy (§2.5: the
/// RP answers 200; anything else, or no answer, is a failure).
pub(crate) fn spawn_back_channel(provider: &Provider, delivery: BackChannelLogout) {
    let fetcher = provider.inner.fetcher.clone();
    tokio::spawn(async move {
        let (parts, body) = delivery.request.into_parts();
        let url = parts.uri.to_string();
        let mut failed = 0u32;
        loop {
            let outcome = fetcher
                .send(Method::POST, &url, parts.headers.clone(), body.clone())
                .await;
            match outcome {
                Ok(_) => {
                    tracing::info!(client_id = %delivery.client_id, outcome = "delivered", "back-channel logout");
                    return;
                }
                Err(e) => {
                    failed += 1;
                    let Some(wait) = delivery.retry.delay_after(failed) else {
                        tracing::warn!(client_id = %delivery.client_id, error = %e, attempts = failed, "back-channel logout not delivered");
                        return;
                    };
                    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                }
            }
        }
    });
}
