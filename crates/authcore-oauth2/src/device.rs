//! The device authorization grant (RFC 8628) as a state machine.

use core::fmt;

use authcore_jose::{SecureRandom, UnixTime};
use http::header::RETRY_AFTER;
use http::{Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::client::{AuthorizationServer, Client};
use crate::error::{Error, ErrorCode, ProtocolError, Result};
use crate::form::{ClientAuthParams, FormParams, encode_form, parse_scope};
use crate::json_object::{JsonObject, json_members};
use crate::secret::DeviceCode;
use crate::token::{TokenRequest, TokenResponse, TokenResponseOptions, parse_token_response};
use crate::wire::{self, ContentTypeCheck, FormPost, check_scope_token};
use crate::wire_write::{JsonWriter, json_http_response};

/// Polling interval when the server gives none (RFC 8628 §3.2).
pub const DEFAULT_DEVICE_POLL_INTERVAL: u64 = 5;

/// Seconds added to the interval on `slow_down` (RFC 8628 §3.5).
pub const SLOW_DOWN_INCREMENT: u64 = 5;

/// A device authorization request (RFC 8628 §3.1): the requested `scope`, the client's
/// `client_id` and authentication parameters, and extension parameters, as a client sends it
/// and a server reads it.
///
/// `Debug` shows parameter names only: a client secret or assertion may be among them.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DeviceAuthorizationRequest {
    /// The scope tokens requested (RFC 6749 §3.3).
    pub scope: Vec<String>,
    /// `client_id` and the client authentication parameters (RFC 6749 §2.3.1, RFC 7521 §4.2).
    pub client: ClientAuthParams,
    /// Every other parameter, in order.
    pub extra: Vec<(String, String)>,
}

impl fmt::Debug for DeviceAuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorizationRequest")
            .field("scope", &self.scope)
            .field("client", &self.client)
            .field(
                "extra",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl DeviceAuthorizationRequest {
    /// A request for `scope` by the public client `client_id`.
    pub fn new<I, S>(client_id: impl Into<String>, scope: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        DeviceAuthorizationRequest {
            scope: scope.into_iter().map(Into::into).collect(),
            client: ClientAuthParams::public(client_id),
            extra: Vec::new(),
        }
    }

    /// The form body (`application/x-www-form-urlencoded`): the client parameters, `scope`,
    /// the others (the order of the RFC 8628 §3.1 example).
    pub fn to_form(&self) -> String {
        let scope = self.scope.join(" ");
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        self.client.push_pairs(&mut pairs);
        pairs.extend(self.pairs_after_client(&scope));
        encode_form(pairs)
    }

    /// The parameters after the client's, with `scope` already joined; shared with the
    /// client's request, whose client parameters come from its [`Client`].
    fn pairs_after_client<'a>(&'a self, scope: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !scope.is_empty() {
            pairs.push(("scope", scope));
        }
        pairs.extend(self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        pairs
    }

    /// Parses a form body strictly: no parameter repeated (RFC 6749 §3.1), scope tokens of the
    /// RFC 6749 §3.3 syntax, the client authentication parameters consistent.
    pub fn from_form(body: &[u8]) -> Result<Self> {
        let params = FormParams::parse(body)?;
        let scope = match params.get("scope") {
            Some(s) => parse_scope(s)?,
            None => Vec::new(),
        };
        let client = ClientAuthParams::from_params(&params)?;
        let extra = params
            .iter()
            .filter(|(k, _)| *k != "scope" && !ClientAuthParams::NAMES.contains(k))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Ok(DeviceAuthorizationRequest {
            scope,
            client,
            extra,
        })
    }
}

/// Builds a device authorization request (RFC 8628 §3.1): `scope` and the client's
/// authentication POSTed to the device authorization endpoint.
pub fn build_device_authorization_request(
    client: &Client,
    server: &AuthorizationServer,
    scopes: &[&str],
    now: UnixTime,
    rng: &dyn SecureRandom,
) -> Result<Request<Vec<u8>>> {
    let mut post = FormPost::new(server.device_authorization_endpoint()?);
    client.authenticate(&mut post, server, now, rng)?;
    if !post.has_param("client_id") {
        // RFC 8628 §3.1 requires `client_id` when the client is not authenticating in the body;
        // sending it always is harmless and some servers insist.
        post.param("client_id", client.client_id());
    }
    for s in scopes {
        check_scope_token(s)?;
    }
    let request = DeviceAuthorizationRequest {
        scope: scopes.iter().map(|s| (*s).to_owned()).collect(),
        client: ClientAuthParams::none(),
        extra: Vec::new(),
    };
    let scope = request.scope.join(" ");
    for (k, v) in request.pairs_after_client(&scope) {
        post.param(k, v);
    }
    post.into_request()
}

json_members! {
    DeviceAuthorizationMembers[6] = [
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    ];
}

/// The device authorization response (RFC 8628 §3.2).
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub struct DeviceAuthorizationResponse {
    /// `device_code`.
    pub device_code: DeviceCode,
    /// `user_code`, to show the user.
    pub user_code: String,
    /// `verification_uri`, to show the user.
    pub verification_uri: String,
    /// `verification_uri_complete`, which includes the user code (for QR codes).
    pub verification_uri_complete: Option<String>,
    /// `expires_in`: lifetime of both codes, in seconds.
    pub expires_in: u64,
    /// `interval`: minimum seconds between polls (5 when absent).
    pub interval: u64,
    /// Other members.
    pub extra: Map<String, Value>,
}

impl DeviceAuthorizationResponse {
    /// A response with the required members and the default `interval` (RFC 8628 §3.2).
    pub fn new(
        device_code: DeviceCode,
        user_code: impl Into<String>,
        verification_uri: impl Into<String>,
        expires_in: u64,
    ) -> Self {
        DeviceAuthorizationResponse {
            device_code,
            user_code: user_code.into(),
            verification_uri: verification_uri.into(),
            verification_uri_complete: None,
            expires_in,
            interval: DEFAULT_DEVICE_POLL_INTERVAL,
            extra: Map::new(),
        }
    }

    /// Sets `verification_uri_complete`.
    pub fn with_verification_uri_complete(mut self, uri: impl Into<String>) -> Self {
        self.verification_uri_complete = Some(uri.into());
        self
    }

    /// Sets `interval`.
    pub fn with_interval(mut self, secs: u64) -> Self {
        self.interval = secs;
        self
    }

    /// The JSON body; `interval` is always written, so a reader needs no default.
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = JsonWriter::new();
        w.string("device_code", Some(self.device_code.secret()));
        w.string("user_code", Some(&self.user_code));
        w.string("verification_uri", Some(&self.verification_uri));
        w.string(
            "verification_uri_complete",
            self.verification_uri_complete.as_deref(),
        );
        w.u64("expires_in", Some(self.expires_in));
        w.u64("interval", Some(self.interval));
        w.extra(&self.extra);
        w.finish()
    }

    /// The HTTP response: 200, JSON, `Cache-Control: no-store` (the device code is a
    /// credential).
    pub fn to_http_response(&self) -> Response<Vec<u8>> {
        json_http_response(http::StatusCode::OK, self.to_json(), None)
    }

    /// Parses the JSON body strictly; an `error` member is [`Error::Server`].
    pub fn from_json(body: &[u8]) -> Result<Self> {
        let mut obj = wire::parse_json_document::<DeviceAuthorizationMembers, 6>(body)?;
        if let Some(e) = obj.take_error(None)? {
            return Err(Error::Server(e));
        }
        Self::read(&mut obj)
    }

    fn read(obj: &mut JsonObject<'_, DeviceAuthorizationMembers, 6>) -> Result<Self> {
        Ok(DeviceAuthorizationResponse {
            device_code: DeviceCode::new(obj.req_string("device_code")?),
            user_code: obj.req_string("user_code")?,
            verification_uri: obj.req_string("verification_uri")?,
            verification_uri_complete: obj.opt_string("verification_uri_complete")?,
            expires_in: obj.req_u64("expires_in")?,
            interval: obj
                .opt_u64("interval")?
                .unwrap_or(DEFAULT_DEVICE_POLL_INTERVAL),
            extra: obj.take_extra(),
        })
    }
}

/// Parses a device authorization response (RFC 8628 §3.2, errors as RFC 6749 §5.2).
pub fn parse_device_authorization_response(
    resp: &Response<Vec<u8>>,
) -> Result<DeviceAuthorizationResponse> {
    DeviceAuthorizationResponse::read(
        &mut wire::read_json_object::<DeviceAuthorizationMembers, 6>(resp, ContentTypeCheck::Json)?,
    )
}

/// What the device flow wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum DeviceAction {
    /// Sleep until this time, then ask again.
    WaitUntil(UnixTime),
    /// Send a token request now ([`DeviceAuthorizationFlow::build_token_request`]).
    Poll,
    /// The codes expired without an answer; the flow is over.
    Expired,
}

/// The result of one poll.
#[derive(Debug)]
#[must_use]
#[non_exhaustive]
pub enum DeviceFlowStep {
    /// The user has not finished yet (`authorization_pending` or `slow_down`): the flow
    /// continues, with its next poll time updated.
    Pending(DeviceAuthorizationFlow),
    /// The user approved: the tokens.
    Complete(TokenResponse),
    /// The token endpoint is unavailable for now (HTTP 429, 502, 503 or 504): the flow is
    /// intact, its next poll one interval later (or when `Retry-After` says, if later). The
    /// caller decides whether to poll again; the device code's expiry bounds the flow.
    Interrupted {
        /// The flow, to poll again.
        flow: DeviceAuthorizationFlow,
        /// What the response said (its status, or the error response it carried).
        error: Error,
    },
}

/// The polling phase of the device authorization grant (RFC 8628 §3.4, §3.5).
///
/// ```text
///  new(response, now) ─► next_action(now) ─┬─ WaitUntil(t) ─► sleep ─┐
///           ▲                              ├─ Expired ─► stop         │
///           │                              └─ Poll ─► build_token_request ─► HTTP
///           └── Pending(flow) ◄── handle_token_response(response, now) ◄──┘
///                                            └─ Complete(tokens) | Err(access_denied, ...)
/// ```
#[derive(Debug)]
#[must_use]
pub struct DeviceAuthorizationFlow {
    response: DeviceAuthorizationResponse,
    interval: u64,
    next_poll_at: UnixTime,
    expires_at: UnixTime,
}

impl DeviceAuthorizationFlow {
    /// Starts polling for `response`, received at `now`. The first poll is due one interval
    /// later.
    pub fn new(response: DeviceAuthorizationResponse, now: UnixTime) -> Self {
        let interval = response.interval;
        let expires_at = now.saturating_add(response.expires_in);
        DeviceAuthorizationFlow {
            next_poll_at: now.saturating_add(interval),
            response,
            interval,
            expires_at,
        }
    }

    /// The device authorization response (user code and verification URIs to display).
    pub fn response(&self) -> &DeviceAuthorizationResponse {
        &self.response
    }

    /// The current polling interval in seconds.
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// The earliest time of the next poll.
    pub fn next_poll_at(&self) -> UnixTime {
        self.next_poll_at
    }

    /// When the device code expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// What to do at `now`.
    pub fn next_action(&self, now: UnixTime) -> DeviceAction {
        if now >= self.expires_at {
            DeviceAction::Expired
        } else if now < self.next_poll_at {
            if self.next_poll_at >= self.expires_at {
                // No poll can happen before expiry: wake at expiry to learn it.
                DeviceAction::WaitUntil(self.expires_at)
            } else {
                DeviceAction::WaitUntil(self.next_poll_at)
            }
        } else {
            DeviceAction::Poll
        }
    }

    /// Builds the token request (RFC 8628 §3.4). Refused before the interval has elapsed
    /// (polling early earns `slow_down`) and after expiry.
    pub fn build_token_request(
        &self,
        client: &Client,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<Request<Vec<u8>>> {
        match self.next_action(now) {
            DeviceAction::Expired => Err(Error::DeviceCodeExpired {
                now,
                expired_at: self.expires_at,
            }),
            DeviceAction::WaitUntil(_) => Err(Error::Misuse(
                "device flow polled before its interval elapsed",
            )),
            DeviceAction::Poll => TokenRequest::device_code(&self.response.device_code)
                .build_token_request(client, server, now, rng),
        }
    }

    /// Handles the token endpoint's answer received at `now`.
    ///
    /// `authorization_pending` keeps the interval; `slow_down` adds 5 seconds to it (RFC 8628
    /// §3.5); both continue the flow. A status that says "not now" (429, 502, 503, 504) hands
    /// the flow back as [`DeviceFlowStep::Interrupted`]. `access_denied`, `expired_token` and
    /// every other error end it.
    pub fn handle_token_response(
        mut self,
        resp: &Response<Vec<u8>>,
        now: UnixTime,
        options: &TokenResponseOptions,
    ) -> Result<DeviceFlowStep> {
        match parse_token_response(resp, options) {
            // The RFC 8628 §3.5 answers count whatever status carries them.
            Err(Error::Server(e)) if e.error == ErrorCode::AuthorizationPending => {
                self.next_poll_at = now.saturating_add(self.interval);
                Ok(DeviceFlowStep::Pending(self))
            }
            Err(Error::Server(e)) if e.error == ErrorCode::SlowDown => {
                self.interval = self.interval.saturating_add(SLOW_DOWN_INCREMENT);
                self.next_poll_at = now.saturating_add(self.interval);
                Ok(DeviceFlowStep::Pending(self))
            }
            outcome if is_transient_status(resp.status()) => {
                let error = match outcome {
                    Err(e) => e,
                    // Tokens come with 200 (RFC 6749 §5.1), never with a "not now" status.
                    Ok(_) => ProtocolError::UnexpectedStatus {
                        status: resp.status().as_u16(),
                    }
                    .into(),
                };
                // RFC 9110 §10.2.3: the server may say how long to stay away (delay-seconds
                // only; an HTTP-date would need a clock this crate does not read).
                let retry_after = resp
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                self.next_poll_at = now.saturating_add(self.interval.max(retry_after));
                Ok(DeviceFlowStep::Interrupted { flow: self, error })
            }
            Ok(t) => Ok(DeviceFlowStep::Complete(t)),
            Err(e) => Err(e),
        }
    }

    /// Reports that the token request could not be sent or answered (a timeout, a broken
    /// connection) at `now`: the flow stays valid and its next poll is one interval later,
    /// so polling again does not hammer a server that is struggling.
    pub fn handle_send_failure(mut self, now: UnixTime) -> Self {
        self.next_poll_at = now.saturating_add(self.interval);
        self
    }
}

/// Statuses that say "not now" rather than "no": rate limited (RFC 6585 §4) or a gateway or
/// the server itself unavailable for the moment (RFC 9110 §15.6.3-§15.6.5).
fn is_transient_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}
