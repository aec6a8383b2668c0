//! The drivers: one loop per multi-step state machine (DPoP nonce retry, device polling) that
//! runs it to its end, with the clock, the sending and the waiting supplied by the caller.
//!
//! The state machines ([`DpopExchange`], [`DeviceAuthorizationFlow`]) say "send this" or
//! "wait until t"; the loop that obeys them, its bounds and its handling of failures are
//! written here once. An adapter passes three things: `now` (its clock), `send` (its HTTP
//! client) and `sleep` (its timer). The async drivers take futures from `send` and `sleep`
//! and need no runtime; the `*_blocking` drivers take blocking closures and run the very
//! same async loop to completion in one poll (every await is ready at once).

use core::future::{Future, ready};
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;

use authcore_jose::{SecureRandom, UnixTime};
use http::{Request, Response};

use crate::client::{AuthorizationServer, Client};
use crate::device::{DeviceAction, DeviceAuthorizationFlow, DeviceFlowStep};
use crate::dpop::{DpopExchange, DpopStep};
use crate::error::Error;
use crate::token::{TokenResponse, TokenResponseOptions};

/// The shortest wait between two device-flow polls, whatever interval the server names: a
/// zero `interval` (RFC 8628 §3.2) must not turn polling into a busy loop.
pub const MIN_DEVICE_POLL_GAP: Duration = Duration::from_secs(1);

/// Whether a failure to send a request may go away by itself (a timeout, a connection reset),
/// as opposed to one that will repeat (a redirect refused, an oversized body). The device
/// flow driver hands the flow back on a transient failure instead of ending it.
pub trait TransientFailure {
    /// `true` when sending the same request later may succeed.
    fn is_transient(&self) -> bool;
}

/// Why [`poll_device_flow`] stopped without tokens.
#[derive(Debug)]
#[must_use]
pub enum DevicePollError<E> {
    /// A transient failure (HTTP 429, 502, 503 or 504 from the token endpoint, or a send
    /// failure that [`TransientFailure::is_transient`]): the flow is intact and its next poll
    /// scheduled one interval later. Poll again with it; its expiry still bounds the whole
    /// flow.
    Interrupted {
        /// The flow, to poll again (boxed: the error stays small on the success path).
        flow: Box<DeviceAuthorizationFlow>,
        /// What interrupted it.
        cause: E,
    },
    /// The flow is over: the user denied (`access_denied`), the code expired, the server
    /// answered an error or a response that breaks the specification.
    Ended(E),
}

/// Polls the token endpoint until the device flow ends (RFC 8628 §3.4, §3.5): waits as the
/// flow says (never less than [`MIN_DEVICE_POLL_GAP`] between polls), keeps polling on
/// `authorization_pending`, slows down on `slow_down`.
///
/// `now` reads the caller's clock, `send` carries a request (add DPoP proofs there if the
/// client uses them), `sleep` waits. The device code's lifetime bounds the loop.
#[allow(clippy::too_many_arguments)]
pub async fn poll_device_flow<E, N, S, SF, W, WF>(
    mut flow: DeviceAuthorizationFlow,
    client: &Client,
    server: &AuthorizationServer,
    options: &TokenResponseOptions,
    rng: &dyn SecureRandom,
    now: N,
    send: S,
    sleep: W,
) -> Result<TokenResponse, DevicePollError<E>>
where
    E: From<Error> + TransientFailure,
    N: Fn() -> Result<UnixTime, E>,
    S: Fn(Request<Vec<u8>>) -> SF,
    SF: Future<Output = Result<Response<Vec<u8>>, E>>,
    W: Fn(Duration) -> WF,
    WF: Future<Output = ()>,
{
    let ended = |e: Error| DevicePollError::Ended(E::from(e));
    loop {
        let t = now().map_err(DevicePollError::Ended)?;
        match flow.next_action(t) {
            DeviceAction::WaitUntil(at) => sleep(seconds_between(t, at)).await,
            DeviceAction::Expired => {
                return Err(ended(Error::DeviceCodeExpired {
                    now: t,
                    expired_at: flow.expires_at(),
                }));
            }
            DeviceAction::Poll => {
                let req = flow
                    .build_token_request(client, server, t, rng)
                    .map_err(ended)?;
                let resp = match send(req).await {
                    Ok(resp) => resp,
                    Err(cause) if cause.is_transient() => {
                        let t = now().map_err(DevicePollError::Ended)?;
                        return Err(DevicePollError::Interrupted {
                            flow: Box::new(flow.handle_send_failure(t)),
                            cause,
                        });
                    }
                    Err(cause) => return Err(DevicePollError::Ended(cause)),
                };
                let t = now().map_err(DevicePollError::Ended)?;
                match flow
                    .handle_token_response(&resp, t, options)
                    .map_err(ended)?
                {
                    DeviceFlowStep::Complete(tokens) => return Ok(tokens),
                    DeviceFlowStep::Pending(next) => {
                        sleep(seconds_between(t, next.next_poll_at()).max(MIN_DEVICE_POLL_GAP))
                            .await;
                        flow = next;
                    }
                    DeviceFlowStep::Interrupted { flow, error } => {
                        return Err(DevicePollError::Interrupted {
                            flow: Box::new(flow),
                            cause: error.into(),
                        });
                    }
                }
            }
        }
    }
}

/// [`poll_device_flow`] with a blocking `send` and `sleep` (a thread that may block).
#[allow(clippy::too_many_arguments)]
pub fn poll_device_flow_blocking<E, N, S, W>(
    flow: DeviceAuthorizationFlow,
    client: &Client,
    server: &AuthorizationServer,
    options: &TokenResponseOptions,
    rng: &dyn SecureRandom,
    now: N,
    send: S,
    sleep: W,
) -> Result<TokenResponse, DevicePollError<E>>
where
    E: From<Error> + TransientFailure,
    N: Fn() -> Result<UnixTime, E>,
    S: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, E>,
    W: Fn(Duration),
{
    let driver = poll_device_flow(
        flow,
        client,
        server,
        options,
        rng,
        now,
        |req| ready(send(req)),
        |d| {
            sleep(d);
            ready(())
        },
    );
    run_ready(driver).unwrap_or_else(|| Err(DevicePollError::Ended(not_ready().into())))
}

/// Sends a DPoP exchange, retrying once with the server's nonce when it demands one (RFC 9449
/// §8, §9). Returns the final response (to parse as usual) and the latest nonce (keep it for
/// the next request to the same server).
pub async fn send_with_dpop<E, N, S, SF>(
    mut exchange: DpopExchange,
    rng: &dyn SecureRandom,
    now: N,
    send: S,
) -> Result<(Response<Vec<u8>>, Option<String>), E>
where
    E: From<Error>,
    N: Fn() -> Result<UnixTime, E>,
    S: Fn(Request<Vec<u8>>) -> SF,
    SF: Future<Output = Result<Response<Vec<u8>>, E>>,
{
    // Bounded by the exchange itself: it asks for a retry at most once, so this sends at most
    // twice.
    loop {
        let req = exchange.request(now()?, rng)?;
        match exchange.handle_response(send(req).await?) {
            DpopStep::Retry(next) => exchange = *next,
            DpopStep::Done { response, nonce } => return Ok((response, nonce)),
        }
    }
}

/// [`send_with_dpop`] with a blocking `send`.
pub fn send_with_dpop_blocking<E, N, S>(
    exchange: DpopExchange,
    rng: &dyn SecureRandom,
    now: N,
    send: S,
) -> Result<(Response<Vec<u8>>, Option<String>), E>
where
    E: From<Error>,
    N: Fn() -> Result<UnixTime, E>,
    S: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, E>,
{
    run_ready(send_with_dpop(exchange, rng, now, |req| ready(send(req))))
        .unwrap_or_else(|| Err(not_ready().into()))
}

/// The whole seconds from `now` until `at` (zero when `at` has passed). `now` is truncated to
/// the second, so a wait computed this way never ends early.
pub fn seconds_between(now: UnixTime, at: UnixTime) -> Duration {
    Duration::from_secs(at.as_secs().saturating_sub(now.as_secs()))
}

/// Runs a driver future whose every await is ready at once (the blocking drivers wrap their
/// blocking `send` and `sleep` in ready futures) with a single poll; `None` if it was not
/// ready, which only a `send` or `sleep` returning a pending future could cause.
pub fn run_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

fn not_ready() -> Error {
    Error::Misuse("a blocking driver's send or sleep did not complete")
}
