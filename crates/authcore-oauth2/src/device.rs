//! The device authorization grant (RFC 8628) as a state machine.

use authcore_jose::{SecureRandom, UnixTime};
use http::header::RETRY_AFTER;
use http::{Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::client::{AuthorizationServer, Client};
use crate::error::{Error, ErrorCode, ProtocolError, Result};
use crate::secret::DeviceCode;
use crate::token::{TokenRequest, TokenResponse, TokenResponseOptions, parse_token_response};
use crate::wire::{self, ContentTypeCheck, FormPost, check_scope_token};

/// Polling interval when the server gives none (RFC 8628 §3.2).
pub const DEFAULT_DEVICE_POLL_INTERVAL: u64 = 5;

/// Seconds added to the interval on `slow_down` (RFC 8628 §3.5).
pub const SLOW_DOWN_INCREMENT: u64 = 5;

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
    if !scopes.is_empty() {
        post.param("scope", &scopes.join(" "));
    }
    post.into_request()
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

/// Parses a device authorization response (RFC 8628 §3.2, errors as RFC 6749 §5.2).
pub fn parse_device_authorization_response(
    resp: &Response<Vec<u8>>,
) -> Result<DeviceAuthorizationResponse> {
    let mut obj = wire::read_json_response(resp, ContentTypeCheck::Json)?;
    let device_code = DeviceCode::new(wire::req_string(&obj, "device_code")?);
    let user_code = wire::req_string(&obj, "user_code")?;
    let verification_uri = wire::req_string(&obj, "verification_uri")?;
    let verification_uri_complete = wire::opt_string(&obj, "verification_uri_complete")?;
    let expires_in =
        wire::opt_u64(&obj, "expires_in")?.ok_or(ProtocolError::MissingParameter("expires_in"))?;
    let interval = wire::opt_u64(&obj, "interval")?.unwrap_or(DEFAULT_DEVICE_POLL_INTERVAL);
    for k in [
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    ] {
        obj.remove(k);
    }
    Ok(DeviceAuthorizationResponse {
        device_code,
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval,
        extra: obj,
    })
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
