//! Logout: the RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0 §2),
//! front-channel logout requests (OpenID Connect Front-Channel Logout 1.0 §2) and
//! back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2).

use authcore_jose::jwt::{Audience, Claims};
use authcore_jose::{KeySource, UnixTime, constant_time_eq};
use authcore_oauth2::{FormParams, IdToken, ProtocolError};
use http::{Response, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use crate::claims::{IdTokenClaims, take_string};
use crate::error::{Error, Result, TokenError};
use crate::signed_jwt::{TimeClaims, TokenRules};

/// The event a logout token must carry (Back-Channel Logout 1.0 §2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The explicit `typ` of logout tokens (Back-Channel Logout 1.0 §2.4).
pub const LOGOUT_TOKEN_TYP: &str = "logout+jwt";

/// Largest back-channel logout request body accepted, in bytes.
pub const MAX_LOGOUT_REQUEST_BYTES: usize = 64 * 1024;

/// An RP-initiated logout request (RP-Initiated Logout 1.0 §2): the URL of the provider's
/// `end_session_endpoint` to send the user agent to.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct LogoutRequest {
    id_token_hint: Option<IdToken>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    client_id: Option<String>,
    logout_hint: Option<String>,
    ui_locales: Vec<String>,
}

impl LogoutRequest {
    /// An empty request.
    pub fn new() -> Self {
        LogoutRequest::default()
    }

    /// `id_token_hint`: the ID token of the session (recommended).
    pub fn id_token_hint(mut self, token: &IdToken) -> Self {
        self.id_token_hint = Some(token.clone());
        self
    }

    /// `post_logout_redirect_uri` (registered with the provider); needs `id_token_hint` or
    /// `client_id` so the provider can check it.
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uri = Some(uri.into());
        self
    }

    /// `state`, passed back to the post-logout redirect URI.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// `client_id`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// `logout_hint`.
    pub fn logout_hint(mut self, hint: impl Into<String>) -> Self {
        self.logout_hint = Some(hint.into());
        self
    }

    /// Adds a `ui_locales` entry.
    pub fn ui_locale(mut self, tag: impl Into<String>) -> Self {
        self.ui_locales.push(tag.into());
        self
    }

    /// The logout URL: the parameters appended to `end_session_endpoint`'s own query.
    pub fn build_url(&self, end_session_endpoint: &str) -> Result<Url> {
        // https, or http to a loopback host (localhost, 127.0.0.0/8, ::1), as every endpoint.
        let mut url = authcore_oauth2::check_endpoint(end_session_endpoint)?;
        if self.post_logout_redirect_uri.is_some()
            && self.id_token_hint.is_none()
            && self.client_id.is_none()
        {
            return Err(Error::Misuse(
                "post_logout_redirect_uri needs id_token_hint or client_id (RP-Initiated Logout §2)",
            ));
        }
        {
            let mut q = url.query_pairs_mut();
            if let Some(t) = &self.id_token_hint {
                q.append_pair("id_token_hint", t.secret());
            }
            if let Some(v) = &self.logout_hint {
                q.append_pair("logout_hint", v);
            }
            if let Some(v) = &self.client_id {
                q.append_pair("client_id", v);
            }
            if let Some(v) = &self.post_logout_redirect_uri {
                q.append_pair("post_logout_redirect_uri", v);
            }
            if let Some(v) = &self.state {
                q.append_pair("state", v);
            }
            if !self.ui_locales.is_empty() {
                q.append_pair("ui_locales", &self.ui_locales.join(" "));
            }
        }
        Ok(url)
    }
}

/// Reads `logout_token` from a back-channel logout request body
/// (`application/x-www-form-urlencoded`, Back-Channel Logout 1.0 §2.5). Repeated parameters
/// are rejected.
pub fn parse_logout_request_body(body: &[u8]) -> Result<String> {
    if body.len() > MAX_LOGOUT_REQUEST_BYTES {
        return Err(ProtocolError::TooLarge {
            limit: MAX_LOGOUT_REQUEST_BYTES,
        }
        .into());
    }
    let params = FormParams::parse(body)?;
    params
        .get("logout_token")
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ProtocolError::MissingParameter("logout_token").into())
}

/// Reads `logout_token` from a received back-channel logout `http::Request`: a POST with an
/// `application/x-www-form-urlencoded` body.
pub fn parse_logout_request<B: AsRef<[u8]>>(req: &http::Request<B>) -> Result<String> {
    if req.method() != http::Method::POST {
        return Err(ProtocolError::Malformed("a logout request is a POST").into());
    }
    let form = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(ProtocolError::ContentType {
            expected: "application/x-www-form-urlencoded",
            received: None,
        }
        .into());
    }
    parse_logout_request_body(req.body().as_ref())
}

/// The response to a back-channel logout request (Back-Channel Logout 1.0 §2.8): `200 OK`
/// when the logout succeeded, else `400 Bad Request` with an `invalid_request` error body;
/// `Cache-Control: no-store` either way.
pub fn logout_response(success: bool) -> Response<Vec<u8>> {
    let b = Response::builder().header(http::header::CACHE_CONTROL, "no-store");
    let r = if success {
        b.status(StatusCode::OK).body(Vec::new())
    } else {
        b.status(StatusCode::BAD_REQUEST)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(br#"{"error":"invalid_request"}"#.to_vec())
    };
    r.unwrap_or_default()
}

/// A front-channel logout request (OpenID Connect Front-Channel Logout 1.0 §2): the OP loads
/// the RP's registered `frontchannel_logout_uri` in an iframe, adding `iss` and `sid` when it
/// sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrontChannelLogout {
    /// `iss`, checked equal to the expected issuer.
    pub iss: Option<String>,
    /// `sid`: the session to end; without it, the request names no session.
    pub sid: Option<String>,
}

/// Parses the query (without `?`) of a front-channel logout request (Front-Channel Logout 1.0
/// §2). `iss` and `sid` come together or not at all; `iss` must equal `expected_issuer`
/// exactly; with `session_required` (the client registered
/// `frontchannel_logout_session_required`) both must be there. Repeated parameters are
/// refused.
pub fn parse_frontchannel_logout_query(
    query: &str,
    expected_issuer: &str,
    session_required: bool,
) -> Result<FrontChannelLogout> {
    let params = FormParams::parse(query.as_bytes())?;
    let take = |name| {
        params
            .get(name)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let (iss, sid) = (take("iss"), take("sid"));
    match (&iss, &sid) {
        (Some(_), Some(_)) => {}
        (None, None) if !session_required => {}
        (None, _) => return Err(ProtocolError::MissingParameter("iss").into()),
        (_, None) => return Err(ProtocolError::MissingParameter("sid").into()),
    }
    if let Some(received) = &iss {
        if received != expected_issuer {
            return Err(TokenError::Issuer {
                expected: expected_issuer.to_owned(),
                received: received.clone(),
            }
            .into());
        }
    }
    Ok(FrontChannelLogout { iss, sid })
}

/// [`parse_frontchannel_logout_query`] for a received request: a GET of the logout URI.
pub fn parse_frontchannel_logout_request<B>(
    req: &http::Request<B>,
    expected_issuer: &str,
    session_required: bool,
) -> Result<FrontChannelLogout> {
    if req.method() != http::Method::GET {
        return Err(ProtocolError::Malformed("a front-channel logout request is a GET").into());
    }
    parse_frontchannel_logout_query(
        req.uri().query().unwrap_or(""),
        expected_issuer,
        session_required,
    )
}

impl FrontChannelLogout {
    /// Whether the request ends the session that the ID token `claims` started: the same
    /// issuer and the same `sid` (compared in constant time). A request without `sid` names
    /// no session and ends none here; the caller decides what such a request means (the RP
    /// may log the user out of every session with the issuer).
    pub fn ends_session_of(&self, claims: &IdTokenClaims) -> bool {
        match (&self.iss, &self.sid, &claims.sid) {
            (Some(iss), Some(sid), Some(session)) => {
                *iss == claims.iss && constant_time_eq(sid.as_bytes(), session.as_bytes())
            }
            _ => false,
        }
    }
}

/// The RP's answer to a front-channel logout request: `200 OK` with the page `html` (often
/// empty, or scripts that clear the RP's own state), never cached (§2 asks RPs to keep the
/// response from being cached: `Cache-Control: no-cache, no-store` and `Pragma: no-cache`).
pub fn frontchannel_logout_response(html: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(http::header::CACHE_CONTROL, "no-cache, no-store")
        .header(http::header::PRAGMA, "no-cache")
        .body(html)
        .unwrap_or_default()
}

/// A validated logout token (Back-Channel Logout 1.0 §2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutToken {
    /// `iss`.
    pub iss: String,
    /// `aud`.
    pub aud: Vec<String>,
    /// `iat`.
    pub iat: u64,
    /// `exp`, if present.
    pub exp: Option<u64>,
    /// `jti`: the caller keeps recently seen values to reject replays (§2.6).
    pub jti: String,
    /// `sub`: the end-user to log out (at least one of `sub` and `sid` is present).
    pub sub: Option<String>,
    /// `sid`: the session to log out.
    pub sid: Option<String>,
    /// `events`, as received.
    pub events: Map<String, Value>,
    /// Every other claim.
    pub extra: Map<String, Value>,
}

/// Back-Channel Logout 1.0 §2.6 on `token` with the provider's rules: see
/// [`IdTokenVerifier::validate_logout_token`](crate::IdTokenVerifier::validate_logout_token).
pub(crate) fn validate_logout_token(
    rules: &TokenRules,
    token: &str,
    keys: &(impl KeySource + ?Sized),
    now: UnixTime,
) -> Result<LogoutToken> {
    let verified = rules.verify_signature(token, keys)?;
    if let Some(t) = &verified.header.typ {
        if !verified.header.typ_matches(LOGOUT_TOKEN_TYP) && !verified.header.typ_matches("JWT") {
            return Err(TokenError::Type(t.clone()).into());
        }
    }
    let Claims {
        registered: r,
        mut extra,
    } = Claims::from_json(&verified.payload)?;
    let iss = r.iss.ok_or(TokenError::MissingClaim("iss"))?;
    rules.check_issuer(&iss, &extra)?;
    let aud = match r.aud.ok_or(TokenError::MissingClaim("aud"))? {
        Audience::Single(a) => vec![a],
        Audience::Many(v) => v,
    };
    let azp = take_string(&mut extra, "azp")?;
    // `iat` is required (§2.4); `exp` is checked when present.
    let iat = r.iat.ok_or(TokenError::MissingClaim("iat"))?;
    let times = TimeClaims {
        exp: r.exp,
        nbf: r.nbf,
        iat: Some(iat),
    };
    rules.check_claims(&aud, azp.as_deref(), times, now)?;
    if let Some(azp) = azp {
        extra.insert("azp".into(), Value::String(azp));
    }
    // §2.6: a logout token never has a nonce.
    if extra.contains_key("nonce") {
        return Err(TokenError::ForbiddenClaim("nonce").into());
    }
    let jti = r.jti.ok_or(TokenError::MissingClaim("jti"))?;
    let sid = take_string(&mut extra, "sid")?;
    if r.sub.is_none() && sid.is_none() {
        return Err(TokenError::MissingClaim("sub or sid").into());
    }
    let events = match extra.remove("events") {
        Some(Value::Object(e)) => e,
        Some(_) => return Err(TokenError::WrongType("events").into()),
        None => return Err(TokenError::MissingLogoutEvent.into()),
    };
    if !matches!(events.get(BACKCHANNEL_LOGOUT_EVENT), Some(Value::Object(_))) {
        return Err(TokenError::MissingLogoutEvent.into());
    }
    Ok(LogoutToken {
        iss,
        aud,
        iat: iat.secs(),
        exp: r.exp.map(|d| d.secs()),
        jti,
        sub: r.sub,
        sid,
        events,
        extra,
    })
}
