//! The authorization endpoint with its user interaction, and the device verification page:
//! login sessions bound to the session cookie, the interaction cookie binding a ticket to the
//! browser that started it, the login and consent pages, consent records, and resuming the
//! core's endpoint with the result.
//!
//! ```text
//!   GET /authorize ─► core: Interact (held) ─► session + consent cover it? ─► answer ─► 303 client
//!                                           └► park (stored); Set-Cookie interaction; 303 /interaction/{ticket}
//!   GET  /interaction/{ticket}          login page, or consent page, or (nothing to ask) resume
//!   POST /interaction/{ticket}/login    password check ─► Set-Cookie session; 303 back
//!   POST /interaction/{ticket}/consent  approve: ConsentRecord, resume ─► 303 client; deny: resume
//! ```

use authcore_jose::{DigestAlgorithm, UnixTime, random_array};
use authcore_server::authorize::{
    Approval, AuthorizationEndpoint, Interaction, InteractionResult, Prompt,
};
use authcore_server::device::DeviceVerification;
use authcore_server::model::ClientRecord;
use authcore_server::oidc::OpSession;
use authcore_server::{Answer, Context, Finished, Need};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::header::{HeaderValue, LOCATION, SET_COOKIE};
use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::cookies::{self, CookieAttributes};
use crate::provider::{PeerInfo, Provider};
use crate::ratelimit::Limited;
use crate::router::{core_request, drive_failure, log_decision, rate_limited};
use crate::store::{ConsentRecord, SessionRecord};
use crate::ui;

/// What the interaction cookie holds: the pending interaction, bound to this browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct InteractionState {
    /// Random: the CSRF tokens of the pages are bound to it.
    nonce: String,
    /// The ticket in the page URLs (the core's ticket for an authorization request; a random
    /// one for a device verification).
    ticket: String,
    flow: Flow,
    client_id: String,
    login_required: bool,
    max_age: Option<u64>,
    login_hint: Option<String>,
    consent_required: bool,
    scopes: Vec<String>,
    resources: Vec<String>,
    created_at: u64,
    expires_at: u64,
    /// The `sid` of the session signed in during this interaction, if any: what satisfies
    /// `prompt=login` (an older session does not).
    #[serde(default)]
    signed_in_sid: Option<String>,
    /// The `sub` a verified `id_token_hint` names, as the client sees it: a session of
    /// another end-user does not do (OpenID Connect Core §3.1.2.1).
    #[serde(default)]
    id_token_hint_subject: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Flow {
    /// An authorization request, resumed with the core's ticket.
    Authorize,
    /// A device verification, decided with the normalized user code.
    Device { user_code: String },
    /// No interaction yet: only the CSRF binding of the device code form.
    DeviceEntry,
}

fn random_token(provider: &Provider) -> Option<String> {
    random_array::<32>(provider.inner.rng)
        .ok()
        .map(|b| URL_SAFE_NO_PAD.encode(b))
}

fn attributes(provider: &Provider) -> CookieAttributes {
    let s = &provider.inner.settings;
    CookieAttributes::for_issuer(&s.server.issuer, s.cookies.insecure_on_loopback_http)
}

fn site(provider: &Provider) -> &str {
    &provider.inner.settings.site_name
}

fn add_cookie(response: &mut http::Response<Vec<u8>>, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(SET_COOKIE, v);
    }
}

fn see_other(location: &str) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(Vec::new());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// The session record's key for a cookie value: SHA-256, base64url (the store never sees the
/// value itself).
pub(crate) fn session_id(provider: &Provider, cookie_value: &str) -> String {
    URL_SAFE_NO_PAD.encode(
        provider
            .inner
            .crypto
            .digest(DigestAlgorithm::Sha256, cookie_value.as_bytes()),
    )
}

/// The browser's login session: the random cookie value and the stored record, if the
/// session cookie is present, correctly signed, and its record lives.
pub(crate) async fn current_session(
    provider: &Provider,
    headers: &http::HeaderMap,
    now: UnixTime,
) -> Result<Option<(String, SessionRecord)>, crate::store::StoreError> {
    let name = &provider.inner.settings.cookies.session_name;
    let Some(raw) = cookies::read(headers, name) else {
        return Ok(None);
    };
    let keys = provider.loaded_keys();
    let Some(value) = keys.cookies.verify(name, &raw) else {
        return Ok(None);
    };
    let Ok(value) = String::from_utf8(value) else {
        return Ok(None);
    };
    let id = session_id(provider, &value);
    Ok(provider
        .inner
        .store
        .session(id, now)
        .await?
        .map(|record| (value, record)))
}

/// Stores a new login session for `subject`; returns the `Set-Cookie` value for it and the
/// session's `sid`.
async fn start_session(
    provider: &Provider,
    subject: &str,
    now: UnixTime,
) -> Result<Option<(String, String)>, crate::store::StoreError> {
    let Some(value) = random_token(provider) else {
        return Ok(None);
    };
    let Ok(session) = OpSession::start(subject, now, provider.inner.rng) else {
        return Ok(None);
    };
    let session = session.with_amr(["pwd"]);
    let sid = session.sid.clone();
    let lifetime = provider.inner.settings.session_lifetime;
    provider
        .inner
        .store
        .put_session(SessionRecord {
            id: session_id(provider, &value),
            session,
            expires_at: now.as_secs().saturating_add(lifetime),
        })
        .await?;
    let name = &provider.inner.settings.cookies.session_name;
    let keys = provider.loaded_keys();
    Ok(keys
        .cookies
        .sign(name, value.as_bytes())
        .map(|signed| (attributes(provider).set(name, &signed, Some(lifetime)), sid)))
}

/// The interaction cookie's state, if present, signed by us, unexpired, and (when `ticket`
/// is given) for that ticket.
fn read_state(
    provider: &Provider,
    headers: &http::HeaderMap,
    ticket: Option<&str>,
    now: UnixTime,
) -> Option<InteractionState> {
    let name = &provider.inner.settings.cookies.interaction_name;
    let raw = cookies::read(headers, name)?;
    let payload = provider.loaded_keys().cookies.verify(name, &raw)?;
    let state: InteractionState = serde_json::from_slice(&payload).ok()?;
    if now.as_secs() >= state.expires_at {
        return None;
    }
    if let Some(t) = ticket
        && !authcore_jose::constant_time_eq(t.as_bytes(), state.ticket.as_bytes())
    {
        return None;
    }
    Some(state)
}

fn state_cookie(provider: &Provider, state: &InteractionState) -> Option<String> {
    let name = &provider.inner.settings.cookies.interaction_name;
    let payload = serde_json::to_vec(state).ok()?;
    let signed = provider.loaded_keys().cookies.sign(name, &payload)?;
    let max_age = state.expires_at.saturating_sub(state.created_at);
    Some(attributes(provider).set(name, &signed, Some(max_age)))
}

fn clear_state_cookie(provider: &Provider) -> String {
    attributes(provider).clear(&provider.inner.settings.cookies.interaction_name)
}

fn csrf(provider: &Provider, state: &InteractionState) -> String {
    provider
        .loaded_keys()
        .cookies
        .csrf_token(&state.nonce)
        .unwrap_or_default()
}

fn new_state(
    provider: &Provider,
    interaction: &Interaction,
    flow: Flow,
    ticket: String,
    now: UnixTime,
) -> Option<InteractionState> {
    let mut state = InteractionState {
        nonce: random_token(provider)?,
        ticket,
        flow,
        client_id: interaction.client_id.clone(),
        login_required: false,
        max_age: None,
        login_hint: None,
        consent_required: false,
        scopes: Vec::new(),
        resources: Vec::new(),
        created_at: now.as_secs(),
        expires_at: interaction.expires_at.as_secs(),
        signed_in_sid: None,
        id_token_hint_subject: None,
    };
    for p in &interaction.prompts {
        match p {
            Prompt::Login {
                required,
                max_age,
                login_hint,
                id_token_hint_subject,
                ..
            } => {
                state.login_required |= *required;
                state.max_age = *max_age;
                state.login_hint.clone_from(login_hint);
                state
                    .id_token_hint_subject
                    .clone_from(id_token_hint_subject);
            }
            // One account per login: choosing an account is signing in again.
            Prompt::SelectAccount => state.login_required = true,
            Prompt::Consent {
                required,
                scopes,
                resources,
                ..
            } => {
                state.consent_required |= *required;
                state.scopes.clone_from(scopes);
                state.resources.clone_from(resources);
            }
            _ => state.login_required = true,
        }
    }
    Some(state)
}

/// Whether the session satisfies the state's login prompt (`client` is the requesting
/// client's record, for comparing an `id_token_hint`'s subject).
fn login_satisfied(
    state: &InteractionState,
    session: Option<&SessionRecord>,
    client: Option<&ClientRecord>,
    ctx: &Context<'_>,
) -> bool {
    let now = ctx.now;
    let Some(s) = session else { return false };
    if let Some(hinted) = &state.id_token_hint_subject {
        let same = client.is_some_and(|c| {
            authcore_server::oidc::hint::hint_matches_session(hinted, &s.session, c, ctx)
        });
        if !same {
            return false;
        }
    }
    // `prompt=login` (OpenID Connect Core §3.1.2.1): only a sign-in during this interaction
    // counts.
    if state.login_required && state.signed_in_sid.as_deref() != Some(s.session.sid.as_str()) {
        return false;
    }
    !state
        .max_age
        .is_some_and(|m| s.session.exceeds_max_age(m, now))
}

/// Whether a stored consent covers the state's scopes (and the request does not insist on
/// asking again).
async fn consent_covers(
    provider: &Provider,
    state: &InteractionState,
    subject: &str,
) -> Result<bool, crate::store::StoreError> {
    if state.consent_required || matches!(state.flow, Flow::Device { .. }) {
        // RFC 8628 §5.4: the user confirms each device explicitly.
        return Ok(false);
    }
    let consent = provider
        .inner
        .store
        .consent(subject.to_owned(), state.client_id.clone())
        .await?;
    Ok(consent.is_some_and(|c| state.scopes.iter().all(|s| c.scopes.contains(s))))
}

async fn client_record(
    provider: &Provider,
    client_id: &str,
    now: UnixTime,
) -> Option<ClientRecord> {
    match provider
        .inner
        .store
        .answer(Need::Client(client_id.to_owned()), now)
        .await
    {
        Ok(Answer::Client(c)) => c,
        _ => None,
    }
}

/// The name shown for a client: its registered `client_name`, else its id.
fn display_name(client: Option<&ClientRecord>, client_id: &str) -> String {
    client
        .and_then(|c| c.extra.get("client_name").and_then(|v| v.as_str()))
        .unwrap_or(client_id)
        .to_owned()
}

/// Finishes an interaction with `result`: answers it on the endpoint that holds it (`held`,
/// an authorization request answered within its own request) or resumes the core's endpoint
/// with the stored ticket, and answers with the response, the interaction cookie cleared; an
/// approval from a session records the client in the session (so logout reaches it).
async fn finish(
    provider: &Provider,
    state: &InteractionState,
    result: InteractionResult,
    session: Option<(String, SessionRecord)>,
    ctx: &Context<'_>,
    peer: &PeerInfo,
    held: Option<&mut AuthorizationEndpoint>,
) -> http::Response<Vec<u8>> {
    let approved = matches!(result, InteractionResult::Approved(_));
    let finished = match (&state.flow, held) {
        (Flow::Authorize, Some(endpoint)) => {
            endpoint.answer(result);
            provider.drive(endpoint, ctx).await
        }
        (Flow::Authorize, None) => {
            let mut endpoint = AuthorizationEndpoint::resume(state.ticket.clone(), result);
            provider.drive(&mut endpoint, ctx).await
        }
        (Flow::Device { user_code }, _) => {
            let mut endpoint =
                DeviceVerification::decide(user_code.clone(), attempt_key(peer), result);
            provider.drive(&mut endpoint, ctx).await
        }
        (Flow::DeviceEntry, _) => {
            return ui::message(
                StatusCode::BAD_REQUEST,
                site(provider),
                "Nothing to continue",
                "Enter the code shown on your device first.",
            );
        }
    };
    let mut response = match finished {
        Ok(Finished::Respond(r)) => r,
        // The core asks for one interaction per request; a second one is not expected.
        Ok(Finished::Interact(_)) => ui::message(
            StatusCode::INTERNAL_SERVER_ERROR,
            site(provider),
            "Something went wrong",
            "The request could not be completed. Start again from the application.",
        ),
        Err(e) => return drive_failure(&e),
    };
    let endpoint = match state.flow {
        Flow::Authorize => "authorize",
        _ => "device_verification",
    };
    log_decision(endpoint, Some(&state.client_id), &response);
    if approved
        && let Some((_, mut record)) = session
        && !record.session.clients.contains(&state.client_id)
    {
        record.session.add_client(&state.client_id);
        if let Err(e) = provider.inner.store.put_session(record).await {
            tracing::warn!(error = %e, "the session's client list could not be updated");
        }
    }
    add_cookie(&mut response, &clear_state_cookie(provider));
    response
}

/// The key device verification counts wrong user codes under: the source address (RFC 8628
/// §5.1: limit guessing per user agent).
fn attempt_key(peer: &PeerInfo) -> String {
    peer.addr
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

/// The authorization endpoint (GET or POST).
pub(crate) async fn authorize(
    provider: &Provider,
    request: &http::Request<Bytes>,
    ctx: &Context<'_>,
    peer: &PeerInfo,
) -> http::Response<Vec<u8>> {
    let core = core_request(provider, request);
    // Held: a signed-in user with stored consent is answered within this request, and only
    // an interaction that needs the pages is stored.
    let mut endpoint = AuthorizationEndpoint::new(core).holding_interaction();
    let interaction = match provider.drive(&mut endpoint, ctx).await {
        Ok(Finished::Respond(r)) => {
            log_decision("authorize", None, &r);
            return r;
        }
        Ok(Finished::Interact(i)) => i,
        Err(e) => return drive_failure(&e),
    };
    begin(
        provider,
        request.headers(),
        interaction,
        Flow::Authorize,
        Some(&mut endpoint),
        ctx,
        peer,
    )
    .await
}

/// Starts the pages for `interaction`, or answers it at once from the session and stored
/// consent (silently for `prompt=none`, OpenID Connect Core §3.1.2.1). An authorization
/// request's endpoint comes along holding the interaction: answered on it, or parked (stored)
/// before the pages start.
async fn begin(
    provider: &Provider,
    headers: &http::HeaderMap,
    interaction: Interaction,
    flow: Flow,
    held: Option<&mut AuthorizationEndpoint>,
    ctx: &Context<'_>,
    peer: &PeerInfo,
) -> http::Response<Vec<u8>> {
    let now = ctx.now;
    let ticket = match flow {
        Flow::Authorize => interaction.ticket.clone(),
        _ => match random_token(provider) {
            Some(t) => t,
            None => {
                return crate::router::plain_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error",
                );
            }
        },
    };
    let Some(state) = new_state(provider, &interaction, flow, ticket, now) else {
        return crate::router::plain_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
    };
    let session = match current_session(provider, headers, now).await {
        Ok(s) => s,
        Err(e) => return drive_failure(&e.into()),
    };
    let consented = match &session {
        Some((_, s)) => match consent_covers(provider, &state, &s.session.subject).await {
            Ok(c) => c,
            Err(e) => return drive_failure(&e.into()),
        },
        None => false,
    };
    if let Some(result) = authcore_server::oidc::answer_without_ui(
        &interaction,
        session.as_ref().map(|(_, s)| &s.session),
        consented,
        now,
    ) {
        return finish(provider, &state, result, session, ctx, peer, held).await;
    }
    let stored_client;
    let client = match held.as_deref() {
        Some(endpoint) => endpoint.held_client(),
        None => {
            stored_client = client_record(provider, &state.client_id, now).await;
            stored_client.as_ref()
        }
    };
    if login_satisfied(&state, session.as_ref().map(|(_, s)| s), client, ctx)
        && consented
        && let Some((_, s)) = &session
    {
        // A stored consent answered: Core §11 counts it for offline_access.
        let approval =
            Approval::from_session(&s.session, state.scopes.clone(), state.resources.clone())
                .with_existing_consent();
        return finish(
            provider,
            &state,
            InteractionResult::Approved(approval),
            session,
            ctx,
            peer,
            held,
        )
        .await;
    }
    if let Some(endpoint) = held {
        endpoint.park();
        match provider.drive(endpoint, ctx).await {
            Ok(Finished::Interact(_)) => {}
            Ok(Finished::Respond(r)) => {
                log_decision("authorize", Some(&state.client_id), &r);
                return r;
            }
            Err(e) => return drive_failure(&e),
        }
    }
    let Some(cookie) = state_cookie(provider, &state) else {
        return crate::router::plain_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
    };
    let mut response = see_other(
        &provider
            .inner
            .routes
            .page(&format!("/interaction/{}", state.ticket)),
    );
    add_cookie(&mut response, &cookie);
    response
}

fn expired_page(provider: &Provider) -> http::Response<Vec<u8>> {
    ui::message(
        StatusCode::BAD_REQUEST,
        site(provider),
        "This sign-in has expired",
        "This sign-in request has expired or was started in another browser. Go back to the \
         application and start again.",
    )
}

/// The refusal of a form whose CSRF token is missing or not the one bound to this
/// browser's interaction cookie, or `None` when the token is right.
fn csrf_refusal(
    provider: &Provider,
    state: &InteractionState,
    form: &[(String, String)],
    endpoint: &'static str,
) -> Option<http::Response<Vec<u8>>> {
    let keys = provider.loaded_keys();
    if field(form, "csrf").is_some_and(|t| keys.cookies.check_csrf(&state.nonce, t)) {
        return None;
    }
    tracing::info!(endpoint, client_id = %state.client_id, outcome = "csrf_failed", "decision");
    Some(ui::message(
        StatusCode::FORBIDDEN,
        site(provider),
        "Request refused",
        "The form was not sent from this page. Reload it and try again.",
    ))
}

fn form(request: &http::Request<Bytes>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.body())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `/interaction/{ticket}`, `/interaction/{ticket}/login`, `/interaction/{ticket}/consent`.
pub(crate) async fn interaction_page(
    provider: &Provider,
    request: &http::Request<Bytes>,
    rest: &str,
    ctx: &Context<'_>,
    peer: &PeerInfo,
) -> http::Response<Vec<u8>> {
    let now = ctx.now;
    let (ticket, action) = match rest.split_once('/') {
        Some((t, a)) => (t, a),
        None => (rest, ""),
    };
    let Some(state) = read_state(provider, request.headers(), Some(ticket), now) else {
        return expired_page(provider);
    };
    let session = match current_session(provider, request.headers(), now).await {
        Ok(s) => s,
        Err(e) => return drive_failure(&e.into()),
    };
    let base = provider
        .inner
        .routes
        .page(&format!("/interaction/{ticket}"));
    let client = client_record(provider, &state.client_id, now).await;
    let name = display_name(client.as_ref(), &state.client_id);
    let token = csrf(provider, &state);
    match (request.method().clone(), action) {
        (Method::GET, "") => {
            if !login_satisfied(
                &state,
                session.as_ref().map(|(_, s)| s),
                client.as_ref(),
                ctx,
            ) {
                return ui::login(
                    site(provider),
                    &format!("{base}/login"),
                    &token,
                    &name,
                    state.login_hint.as_deref(),
                    None,
                );
            }
            let Some((_, record)) = &session else {
                return expired_page(provider);
            };
            match consent_covers(provider, &state, &record.session.subject).await {
                Ok(true) => {
                    let approval = Approval::from_session(
                        &record.session,
                        state.scopes.clone(),
                        state.resources.clone(),
                    )
                    .with_existing_consent();
                    finish(
                        provider,
                        &state,
                        InteractionResult::Approved(approval),
                        session,
                        ctx,
                        peer,
                        None,
                    )
                    .await
                }
                Ok(false) => {
                    let user = display_user(provider, &record.session.subject).await;
                    ui::consent(
                        site(provider),
                        &format!("{base}/consent"),
                        &token,
                        &name,
                        &user,
                        &state.scopes,
                        &state.resources,
                    )
                }
                Err(e) => drive_failure(&e.into()),
            }
        }
        (Method::POST, "login") => {
            let form = form(request);
            if let Some(refused) = csrf_refusal(provider, &state, &form, "login") {
                return refused;
            }
            let username = field(&form, "username").unwrap_or("");
            let password = field(&form, "password").unwrap_or("");
            let user_key = format!("user:{username}");
            if let Some(r) = rate_limited(provider, Limited::Login, Some(&user_key), peer) {
                return r;
            }
            let account = match crate::accounts::check_password(
                provider.inner.store.as_ref(),
                username,
                password,
            )
            .await
            {
                Ok(a) => a,
                Err(e) => return drive_failure(&e.into()),
            };
            let Some(account) = account else {
                tracing::info!(endpoint = "login", client_id = %state.client_id, outcome = "wrong_credentials", "decision");
                return ui::login(
                    site(provider),
                    &format!("{base}/login"),
                    &token,
                    &name,
                    Some(username),
                    Some("The username or password is wrong."),
                );
            };
            let (cookie, sid) = match start_session(provider, &account.subject, now).await {
                Ok(Some(c)) => c,
                Ok(None) => {
                    return crate::router::plain_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal error",
                    );
                }
                Err(e) => return drive_failure(&e.into()),
            };
            tracing::info!(endpoint = "login", client_id = %state.client_id, outcome = "signed_in", "decision");
            let mut response = see_other(&base);
            add_cookie(&mut response, &cookie);
            let mut signed_in = state.clone();
            signed_in.signed_in_sid = Some(sid);
            if let Some(c) = state_cookie(provider, &signed_in) {
                add_cookie(&mut response, &c);
            }
            response
        }
        (Method::POST, "consent") => {
            let form = form(request);
            if let Some(refused) = csrf_refusal(provider, &state, &form, "consent") {
                return refused;
            }
            let Some((_, record)) = &session else {
                return see_other(&base);
            };
            if !login_satisfied(&state, Some(record), client.as_ref(), ctx) {
                return see_other(&base);
            }
            match field(&form, "decision") {
                Some("approve") => {
                    let consent = ConsentRecord {
                        subject: record.session.subject.clone(),
                        client_id: state.client_id.clone(),
                        scopes: state.scopes.clone(),
                        claims: Vec::new(),
                        granted_at: now.as_secs(),
                    };
                    if let Err(e) = provider.inner.store.put_consent(consent).await {
                        return drive_failure(&e.into());
                    }
                    let approval = Approval::from_session(
                        &record.session,
                        state.scopes.clone(),
                        state.resources.clone(),
                    );
                    finish(
                        provider,
                        &state,
                        InteractionResult::Approved(approval),
                        session,
                        ctx,
                        peer,
                        None,
                    )
                    .await
                }
                Some("deny") => {
                    finish(
                        provider,
                        &state,
                        InteractionResult::Denied,
                        session,
                        ctx,
                        peer,
                        None,
                    )
                    .await
                }
                _ => ui::message(
                    StatusCode::BAD_REQUEST,
                    site(provider),
                    "Choose an answer",
                    "Go back and choose Allow or Deny.",
                ),
            }
        }
        _ => crate::router::plain_error(StatusCode::NOT_FOUND, "not found"),
    }
}

/// How the consent page names the signed-in user: the account's username.
async fn display_user(provider: &Provider, subject: &str) -> String {
    match provider
        .inner
        .store
        .account_by_subject(subject.to_owned())
        .await
    {
        Ok(Some(a)) => a.username,
        _ => subject.to_owned(),
    }
}

/// The device verification page (RFC 8628 §3.3): GET shows the code form (`user_code`
/// prefilled from the query, §3.3.1, still to be confirmed), POST looks the code up and
/// starts the login and consent pages.
pub(crate) async fn device_page(
    provider: &Provider,
    request: &http::Request<Bytes>,
    ctx: &Context<'_>,
    peer: &PeerInfo,
) -> http::Response<Vec<u8>> {
    let now = ctx.now;
    let action = provider
        .inner
        .routes
        .device_verification
        .clone()
        .unwrap_or_default();
    let entry_state = || -> Option<InteractionState> {
        Some(InteractionState {
            nonce: random_token(provider)?,
            ticket: String::new(),
            flow: Flow::DeviceEntry,
            client_id: String::new(),
            login_required: false,
            max_age: None,
            login_hint: None,
            consent_required: true,
            scopes: Vec::new(),
            resources: Vec::new(),
            created_at: now.as_secs(),
            expires_at: now
                .as_secs()
                .saturating_add(provider.inner.settings.server.lifetimes.device_code),
            signed_in_sid: None,
            id_token_hint_subject: None,
        })
    };
    match *request.method() {
        Method::GET => {
            let prefill = request.uri().query().and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "user_code")
                    .map(|(_, v)| v.into_owned())
            });
            let existing = read_state(provider, request.headers(), None, now);
            let (state, set) = match existing {
                Some(s) => (s, None),
                None => match entry_state() {
                    Some(s) => {
                        let c = state_cookie(provider, &s);
                        (s, c)
                    }
                    None => {
                        return crate::router::plain_error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal error",
                        );
                    }
                },
            };
            let mut r = ui::device(
                site(provider),
                &action,
                &csrf(provider, &state),
                prefill.as_deref(),
                None,
                StatusCode::OK,
            );
            if let Some(c) = set {
                add_cookie(&mut r, &c);
            }
            r
        }
        Method::POST => {
            let form = form(request);
            let Some(state) = read_state(provider, request.headers(), None, now) else {
                return expired_page(provider);
            };
            let token = csrf(provider, &state);
            if let Some(refused) = csrf_refusal(provider, &state, &form, "device_verification") {
                return refused;
            }
            if let Some(r) = rate_limited(provider, Limited::Device, None, peer) {
                return r;
            }
            let user_code = field(&form, "user_code").unwrap_or("").to_owned();
            let mut endpoint = DeviceVerification::lookup(user_code.clone(), attempt_key(peer));
            match provider.drive(&mut endpoint, ctx).await {
                Ok(Finished::Interact(interaction)) => {
                    let flow = Flow::Device {
                        user_code: interaction.ticket.clone(),
                    };
                    begin(
                        provider,
                        request.headers(),
                        interaction,
                        flow,
                        None,
                        ctx,
                        peer,
                    )
                    .await
                }
                Ok(Finished::Respond(r)) => {
                    log_decision("device_verification", None, &r);
                    let status = if r.status().is_client_error() {
                        r.status()
                    } else {
                        StatusCode::BAD_REQUEST
                    };
                    let message = if status == StatusCode::TOO_MANY_REQUESTS {
                        "Too many wrong codes. Wait a while and try again."
                    } else {
                        "That code is not valid, has expired, or was used already."
                    };
                    ui::device(
                        site(provider),
                        &action,
                        &token,
                        Some(&user_code),
                        Some(message),
                        status,
                    )
                }
                Err(e) => drive_failure(&e),
            }
        }
        _ => crate::router::plain_error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    }
}
