//! Logout at the provider: OpenID Connect RP-Initiated Logout 1.0 (the `end_session_endpoint`),
//! Back-Channel Logout 1.0 (logout tokens as outbound requests the adapter sends) and
//! Front-Channel Logout 1.0 (the iframe URLs and the page that loads them).
//!
//! Everything is a value: the end-session request is parsed ([`parse_end_session_request`]),
//! checked ([`EndSession::new`] verifies the `id_token_hint`), and decided against the client
//! record and the provider session the adapter holds ([`EndSession::decide`]): either the user
//! must confirm ([`EndSessionDecision::Confirm`]), or the session ends
//! ([`Write::EndSession`]) and the user agent goes on to the registered post-logout redirect
//! URI. The notifications of the clients that took part in the session
//! ([`session_logout_notices`]) are requests the adapter sends and retries
//! ([`RetryPolicy`]), and a page it serves ([`frontchannel_logout_page`]).
//!
//! ```text
//!   end-session request ─► parse_end_session_request ─► EndSession::new (id_token_hint)
//!        ─► Need::Client(client_id()) ─► decide(client, session, confirmed)
//!             ├─► Confirm(LogoutConfirmation)  (ask the user, then decide(.., true))
//!             └─► Logout { write: EndSession(sid), redirect }
//!                    ─► session_logout_notices(session, clients) ─► back-channel POSTs
//!                    ─► frontchannel_logout_page(iframes, redirect)
//! ```

use authcore_jose::JwsOptions;
use authcore_jose::jwt::{Audience, Claims};
use authcore_oauth2::FormParams;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use http::{Method, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;

use authcore_oidc::ProviderMetadata;

use crate::authorize::response::escape_html;
use crate::config::ServerConfig;
use crate::error::{OAuthError, ServerError};
use crate::model::{ClientRecord, GrantId};
use crate::oidc::OpSession;
use crate::step::{Context, Write};

/// The event a logout token carries (Back-Channel Logout 1.0 §2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The explicit `typ` of logout tokens (Back-Channel Logout 1.0 §2.4).
pub const LOGOUT_TOKEN_TYP: &str = "logout+jwt";

/// Largest end-session request (query or form body) accepted, in bytes.
pub const MAX_END_SESSION_REQUEST_BYTES: usize = 16 * 1024;

/// An end-session request (RP-Initiated Logout 1.0 §2), as parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EndSessionRequest {
    /// `id_token_hint`: an ID token this provider issued to the client (expired ones too).
    pub id_token_hint: Option<String>,
    /// `logout_hint`: which end-user to log out, for the confirmation page.
    pub logout_hint: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `post_logout_redirect_uri`.
    pub post_logout_redirect_uri: Option<String>,
    /// `state`, passed back to the post-logout redirect URI.
    pub state: Option<String>,
    /// `ui_locales`, for the confirmation page.
    pub ui_locales: Option<String>,
}

impl EndSessionRequest {
    /// Parses the parameters of an end-session request (a query without `?`, or a form
    /// body). Repeated parameters are refused (RP-Initiated Logout 1.0 §2 uses the OAuth
    /// parameter rules: RFC 6749 §3.1 "MUST NOT be included more than once"); empty ones
    /// count as absent.
    pub fn from_params(input: &[u8]) -> Result<Self, OAuthError> {
        if input.len() > MAX_END_SESSION_REQUEST_BYTES {
            return Err(OAuthError::invalid_request("the request is too large")
                .with_status(StatusCode::PAYLOAD_TOO_LARGE));
        }
        let params =
            FormParams::parse(input).map_err(|e| OAuthError::invalid_request(e.to_string()))?;
        let take = |name| params.get(name).map(str::to_owned);
        Ok(EndSessionRequest {
            id_token_hint: take("id_token_hint"),
            logout_hint: take("logout_hint"),
            client_id: take("client_id"),
            post_logout_redirect_uri: take("post_logout_redirect_uri"),
            state: take("state"),
            ui_locales: take("ui_locales"),
        })
    }
}

/// Parses an end-session request: a GET with the parameters in the query, or a POST with an
/// `application/x-www-form-urlencoded` body (RP-Initiated Logout 1.0 §2: the OP supports
/// both). The fuzz target's entry point.
pub fn parse_end_session_request(
    request: &Request<Vec<u8>>,
) -> Result<EndSessionRequest, OAuthError> {
    match *request.method() {
        Method::GET => {
            EndSessionRequest::from_params(request.uri().query().unwrap_or("").as_bytes())
        }
        Method::POST => {
            let is_form = request
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                });
            if !is_form {
                return Err(OAuthError::invalid_request(
                    "the body must be application/x-www-form-urlencoded",
                ));
            }
            EndSessionRequest::from_params(request.body())
        }
        _ => Err(
            OAuthError::invalid_request("the endpoint takes GET or POST")
                .with_status(StatusCode::METHOD_NOT_ALLOWED),
        ),
    }
}

/// What a verified `id_token_hint` says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdTokenHint {
    /// The client the ID token was issued to (`aud`, or `azp` with several audiences).
    pub client_id: String,
    /// `sub`.
    pub subject: String,
    /// `sid`, when the ID token carries one.
    pub sid: Option<String>,
}

/// Verifies an `id_token_hint` of an end-session request as an ID token this provider
/// issued: its signature by one of the provider's ID token keys valid at `ctx.now`, `iss` this
/// issuer, one client as audience (found from the token, since the request may not name the
/// client). Unlike the authorization endpoint's hint ([`super::hint::verify_id_token_hint`]),
/// its `exp` is not checked: RP-Initiated Logout 1.0 §2 has the OP accept an expired ID token
/// here, since the RP's ID token has often expired by the time the user logs out.
pub fn verify_logout_id_token_hint(
    token: &str,
    ctx: &Context<'_>,
) -> Result<IdTokenHint, OAuthError> {
    let invalid = |why: &str| OAuthError::invalid_request(format!("id_token_hint: {why}"));
    let keys = ctx
        .keys
        .id_token_signing
        .as_ref()
        .ok_or_else(|| invalid("this server issues no ID tokens"))?;
    let verified = authcore_jose::jws::verify_compact(
        token,
        keys.verifying_keys_at(ctx.now),
        &JwsOptions::default(),
    )
    .map_err(|_| invalid("not signed by this provider"))?;
    let issuer = ctx.config.issuer.as_str();
    let Claims { registered, extra } =
        Claims::from_json(&verified.payload).map_err(|_| invalid("malformed claims"))?;
    if registered.iss.as_deref() != Some(issuer) {
        return Err(invalid("issued by another provider"));
    }
    let subject = registered.sub.ok_or_else(|| invalid("no `sub`"))?;
    let aud = match registered.aud.ok_or_else(|| invalid("no `aud`"))? {
        Audience::Single(a) => vec![a],
        Audience::Many(v) => v,
    };
    let azp = match extra.get("azp") {
        Some(Value::String(a)) => Some(a.clone()),
        Some(_) => return Err(invalid("`azp` is not a string")),
        None => None,
    };
    // Core §2: with several audiences, `azp` names the client the token was issued to.
    let client_id = match (azp, aud.as_slice()) {
        (Some(azp), _) if aud.contains(&azp) => azp,
        (None, [only]) => only.clone(),
        _ => return Err(invalid("no single client it was issued to")),
    };
    let sid = match extra.get("sid") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid("`sid` is not a string")),
        None => None,
    };
    Ok(IdTokenHint {
        client_id,
        subject,
        sid,
    })
}

/// A checked end-session request, waiting for the client record.
#[derive(Debug, Clone)]
pub struct EndSession {
    request: EndSessionRequest,
    hint: Option<IdTokenHint>,
}

/// What the user is asked before logging out (RP-Initiated Logout 1.0 §2: the OP MUST ask
/// when there is no `id_token_hint` or it does not belong to the current session).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutConfirmation {
    /// The client that sent the user, when known.
    pub client_id: Option<String>,
    /// `logout_hint`: the end-user the client means.
    pub logout_hint: Option<String>,
    /// `ui_locales`.
    pub ui_locales: Option<String>,
}

/// The logout decided: the session to end and where the user agent goes next.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Logout {
    /// The `sid` of the session to end; `None` when there is no session (see
    /// [`Logout::writes`]).
    pub ended_sid: Option<String>,
    /// The registered `post_logout_redirect_uri`, with `state` added; `None`: the provider
    /// shows its own "logged out" page.
    pub redirect: Option<Url>,
}

/// What the end-session endpoint decided.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EndSessionDecision {
    /// Ask the user to confirm, then decide again with `confirmed`.
    Confirm(LogoutConfirmation),
    /// Log out.
    Logout(Logout),
}

impl EndSession {
    /// Checks `request`: verifies its `id_token_hint` (see [`verify_logout_id_token_hint`]) and that
    /// a `client_id` given with it names the same client (RP-Initiated Logout 1.0 §2).
    pub fn new(request: EndSessionRequest, ctx: &Context<'_>) -> Result<Self, OAuthError> {
        let hint = request
            .id_token_hint
            .as_deref()
            .map(|t| verify_logout_id_token_hint(t, ctx))
            .transpose()?;
        if let (Some(h), Some(c)) = (&hint, &request.client_id) {
            if h.client_id != *c {
                return Err(OAuthError::invalid_request(
                    "client_id is not the client the id_token_hint was issued to",
                ));
            }
        }
        Ok(EndSession { request, hint })
    }

    /// The client whose record [`EndSession::decide`] needs ([`crate::Need::Client`]), if
    /// the request names one.
    pub fn client_id(&self) -> Option<&str> {
        self.hint
            .as_ref()
            .map(|h| h.client_id.as_str())
            .or(self.request.client_id.as_deref())
    }

    /// The verified `id_token_hint`, if the request carried one.
    pub fn hint(&self) -> Option<&IdTokenHint> {
        self.hint.as_ref()
    }

    /// Decides the request given the client record (`None` when [`EndSession::client_id`]
    /// named no registered client), the current provider session (`None` when the user agent
    /// has none) and whether the user has confirmed.
    pub fn decide(
        &self,
        ctx: &Context<'_>,
        client: Option<&ClientRecord>,
        session: Option<&OpSession>,
        confirmed: bool,
    ) -> Result<EndSessionDecision, OAuthError> {
        let client = match (self.client_id(), client) {
            (Some(id), Some(c)) if c.client_id == id => Some(c),
            (Some(_), _) => return Err(OAuthError::invalid_request("unknown client")),
            (None, _) => None,
        };
        let redirect = match &self.request.post_logout_redirect_uri {
            None => None,
            Some(uri) => {
                // §2: the OP needs to know the client to check the URI; §3.1: exact match
                // against the registered values.
                let c = client.ok_or_else(|| {
                    OAuthError::invalid_request(
                        "post_logout_redirect_uri needs id_token_hint or client_id",
                    )
                })?;
                if !c.post_logout_redirect_uris.iter().any(|r| r == uri) {
                    return Err(OAuthError::invalid_request(
                        "post_logout_redirect_uri is not registered for the client",
                    ));
                }
                let mut url = Url::parse(uri).map_err(|_| {
                    OAuthError::invalid_request("post_logout_redirect_uri is not a URL")
                })?;
                if let Some(state) = &self.request.state {
                    url.query_pairs_mut().append_pair("state", state);
                }
                Some(url)
            }
        };
        // §2: the OP MUST ask unless the hint belongs to the current session (same `sid`,
        // or without `sid` the same end-user as the client sees them, public or pairwise).
        let belongs = match (&self.hint, session, client) {
            (Some(h), Some(s), Some(c)) => match &h.sid {
                Some(sid) => *sid == s.sid,
                None => super::hint::hint_matches_session(&h.subject, s, c, ctx),
            },
            _ => false,
        };
        if session.is_some() && !belongs && !confirmed {
            return Ok(EndSessionDecision::Confirm(LogoutConfirmation {
                client_id: client.map(|c| c.client_id.clone()),
                logout_hint: self.request.logout_hint.clone(),
                ui_locales: self.request.ui_locales.clone(),
            }));
        }
        Ok(EndSessionDecision::Logout(Logout {
            ended_sid: session.map(|s| s.sid.clone()),
            redirect,
        }))
    }
}

/// How the adapter retries a back-channel logout delivery that failed (no answer, or not
/// 200/204): at most `max_attempts` attempts in all, waiting `initial_delay_secs` after the
/// first failure and doubling up to `max_delay_secs`. Bounded so that a client that is gone
/// does not keep the provider sending forever; the logout token's own `exp` bounds it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 3).
    pub max_attempts: u32,
    /// Seconds to wait after the first failure (default 2).
    pub initial_delay_secs: u64,
    /// The longest wait between attempts (default 30).
    pub max_delay_secs: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_delay_secs: 2,
            max_delay_secs: 30,
        }
    }
}

impl RetryPolicy {
    /// The seconds to wait before the next attempt after `failed` failed attempts, or `None`
    /// when no attempt is left.
    pub fn delay_after(&self, failed: u32) -> Option<u64> {
        if failed == 0 || failed >= self.max_attempts {
            return None;
        }
        let factor = 1u64.checked_shl(failed - 1).unwrap_or(u64::MAX);
        Some(
            self.initial_delay_secs
                .saturating_mul(factor)
                .min(self.max_delay_secs),
        )
    }
}

#[derive(Serialize)]
struct LogoutTokenClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    sid: Option<&'a str>,
    events: Map<String, Value>,
}

/// Mints a logout token (Back-Channel Logout 1.0 §2.4) for `client_id`: `typ` `logout+jwt`,
/// `iss`, `aud`, `iat`, `exp` (`iat` + the configured lifetime), a random `jti`, the
/// back-channel logout event, the session's `sid` (so §2.4's "`sid` and/or `sub`" always
/// holds, and clients with `backchannel_logout_session_required` get it), `sub` when given,
/// and never a `nonce` (§2.4 forbids it, so a logout token cannot pass as an ID token).
pub fn mint_logout_token(
    ctx: &Context<'_>,
    client_id: &str,
    sid: &str,
    subject: Option<&str>,
) -> Result<String, ServerError> {
    let mut events = Map::new();
    events.insert(BACKCHANNEL_LOGOUT_EVENT.into(), Value::Object(Map::new()));
    let iat = ctx.now.as_secs();
    let claims = LogoutTokenClaims {
        iss: &ctx.config.issuer,
        aud: client_id,
        iat,
        exp: iat.saturating_add(ctx.config.logout.logout_token_lifetime),
        jti: GrantId::generate(ctx.rng)?.0,
        sub: subject,
        sid: Some(sid),
        events,
    };
    let keys = ctx
        .keys
        .id_token_signing
        .as_ref()
        .ok_or(ServerError::Config(
            "logout tokens need the ID token signing keys",
        ))?;
    keys.sign_jwt(LOGOUT_TOKEN_TYP, &claims)
        .map_err(|_| ServerError::Crypto)
}

/// One back-channel logout delivery: the POST to the client's `backchannel_logout_uri`
/// (Back-Channel Logout 1.0 §2.5) for the adapter to send, retried per `retry`.
#[derive(Debug)]
#[non_exhaustive]
pub struct BackChannelLogout {
    /// The client notified.
    pub client_id: String,
    /// The request: POST, form body `logout_token=…`.
    pub request: Request<Vec<u8>>,
    /// How to retry it.
    pub retry: RetryPolicy,
}

/// The notifications of a session's logout.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct SessionLogoutNotices {
    /// The back-channel deliveries, one per client that registered `backchannel_logout_uri`.
    pub back_channel: Vec<BackChannelLogout>,
    /// The front-channel logout URLs (with `iss` and `sid`), one per client that registered
    /// `frontchannel_logout_uri`: the iframes of [`frontchannel_logout_page`].
    pub front_channel: Vec<Url>,
}

/// The notifications for ending `session` (Back-Channel Logout 1.0 §2.5, Front-Channel Logout
/// 1.0 §2), for the `clients` that took part in it (the records of `session.clients`; others
/// are skipped). Each kind is sent only when enabled in [`crate::config::LogoutSettings`].
/// `sid` is always included, so a client that requires it gets it; `sub` is the subject as
/// each client sees it (public or pairwise, Core §8), left out when it cannot be determined.
pub fn session_logout_notices(
    ctx: &Context<'_>,
    session: &OpSession,
    clients: &[ClientRecord],
) -> Result<SessionLogoutNotices, ServerError> {
    let settings = &ctx.config.logout;
    let mut notices = SessionLogoutNotices::default();
    for client in clients
        .iter()
        .filter(|c| session.clients.contains(&c.client_id))
    {
        if let (true, Some(uri)) = (settings.backchannel, &client.backchannel_logout_uri) {
            let subject = super::subject::subject_for(client, &session.subject, ctx).ok();
            let token =
                mint_logout_token(ctx, &client.client_id, &session.sid, subject.as_deref())?;
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("logout_token", &token)
                .finish();
            let request = Request::post(uri.as_str())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body.into_bytes())
                .map_err(|_| ServerError::Crypto)?;
            notices.back_channel.push(BackChannelLogout {
                client_id: client.client_id.clone(),
                request,
                retry: settings.retry,
            });
        }
        if let (true, Some(uri)) = (settings.frontchannel, &client.frontchannel_logout_uri) {
            // Front-Channel Logout 1.0 §2: the OP adds `iss` and `sid` to the URI.
            if let Ok(mut url) = Url::parse(uri) {
                url.query_pairs_mut()
                    .append_pair("iss", &ctx.config.issuer)
                    .append_pair("sid", &session.sid);
                notices.front_channel.push(url);
            }
        }
    }
    Ok(notices)
}

/// Sets the logout members of the provider metadata (RP-Initiated Logout 1.0 §2.1,
/// Back-Channel Logout 1.0 §2.1, Front-Channel Logout 1.0 §3), each only when that logout is
/// on. Every notification carries `sid`, so the `…_session_supported` members go with their
/// logout.
pub fn set_logout_metadata(config: &ServerConfig, m: &mut ProviderMetadata) {
    m.end_session_endpoint = config
        .endpoints
        .end_session
        .as_ref()
        .map(|u| u.as_str().to_owned());
    m.backchannel_logout_supported = config.logout.backchannel;
    m.backchannel_logout_session_supported = config.logout.backchannel;
    m.frontchannel_logout_supported = config.logout.frontchannel;
    m.frontchannel_logout_session_supported = config.logout.frontchannel;
}

/// The page that logs the user out of every front-channel client (Front-Channel Logout 1.0
/// §2: one hidden iframe per client), then goes on to `then` (the post-logout redirect) once
/// they have loaded. Not cached; framed by nobody; its Content-Security-Policy allows no
/// script and frames only from the clients' origins.
pub fn frontchannel_logout_page(iframes: &[Url], then: Option<&Url>) -> Response<Vec<u8>> {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Logged out</title>",
    );
    if let Some(next) = then {
        // A meta refresh needs no script, so the page works under a strict CSP.
        html.push_str(&format!(
            "<meta http-equiv=\"refresh\" content=\"2;url={}\">",
            escape_html(next.as_str())
        ));
    }
    html.push_str("</head><body><p>You are logged out.</p>");
    for url in iframes {
        html.push_str(&format!(
            "<iframe src=\"{}\" style=\"display:none\" width=\"0\" height=\"0\"></iframe>",
            escape_html(url.as_str())
        ));
    }
    html.push_str("</body></html>");
    let mut origins: Vec<String> = iframes
        .iter()
        .map(|u| u.origin().ascii_serialization())
        .collect();
    origins.sort();
    origins.dedup();
    let frame_src = if origins.is_empty() {
        "'none'".to_owned()
    } else {
        origins.join(" ")
    };
    let csp = format!(
        "default-src 'none'; frame-src {frame_src}; frame-ancestors 'none'; base-uri 'none'"
    );
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "text/html; charset=utf-8")
        .header(CACHE_CONTROL, "no-store")
        .header("x-frame-options", "DENY")
        .header(http::header::CONTENT_SECURITY_POLICY, csp)
        .body(html.into_bytes())
        .unwrap_or_default()
}

impl Logout {
    /// The writes to apply: [`Write::EndSession`] of the ended session, if any.
    pub fn writes(&self) -> Vec<Write> {
        self.ended_sid
            .iter()
            .cloned()
            .map(Write::EndSession)
            .collect()
    }

    /// The response to the end-session request: the front-channel page when there are
    /// iframes to load, else a redirect (303) to the post-logout redirect URI, else the
    /// provider's plain "logged out" page.
    pub fn response(&self, front_channel: &[Url]) -> Response<Vec<u8>> {
        match (&self.redirect, front_channel.is_empty()) {
            (Some(to), true) => Response::builder()
                .status(StatusCode::SEE_OTHER)
                .header(LOCATION, to.as_str())
                .header(CACHE_CONTROL, "no-store")
                .body(Vec::new())
                .unwrap_or_default(),
            (redirect, _) => frontchannel_logout_page(front_channel, redirect.as_ref()),
        }
    }
}
