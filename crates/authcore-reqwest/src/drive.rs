//! Driving the core's multi-step state machines over HTTP: DPoP nonce retry and device flow
//! polling. The core says "send this" or "wait until t"; this module sends and sleeps.

use std::future::Future;
use std::time::Duration;

use authcore_jose::SecureRandom;
use authcore_oauth2::{
    AuthorizationServer, Client, DeviceAction, DeviceAuthorizationFlow, DeviceFlowStep,
    DpopExchange, DpopStep, TokenResponse, TokenResponseOptions,
};
use authcore_oidc::{JwksAction, JwksCache};
use http::{Request, Response};

use crate::clock;
use crate::error::{Error, Result};
use crate::transport::HttpClient;

/// The shortest gap between two device-flow polls, whatever interval the server names.
pub(crate) const MIN_POLL_GAP: Duration = Duration::from_secs(1);

/// Most sends one DPoP exchange may make: the core retries once; this is only a guard.
const MAX_DPOP_SENDS: usize = 3;

impl HttpClient {
    /// Sends a DPoP exchange, retrying once with the server's nonce when asked (RFC 9449
    /// §8, §9). Returns the final response (to parse as usual) and the latest nonce (keep it
    /// for the next request to the same server).
    pub async fn send_with_dpop(
        &self,
        exchange: DpopExchange,
        rng: &dyn SecureRandom,
    ) -> Result<(Response<Vec<u8>>, Option<String>)> {
        send_dpop(exchange, rng, |req| self.execute(req)).await
    }

    /// Polls the token endpoint until the device flow ends (RFC 8628 §3.4, §3.5), sleeping
    /// (tokio) between polls for the interval the flow asks for (`slow_down` lengthens it).
    ///
    /// Ends with the tokens, the server's final error (`access_denied`, `expired_token`...)
    /// or [`authcore_oauth2::Error::DeviceCodeExpired`]; the device code's lifetime bounds
    /// the loop.
    pub async fn poll_device_flow(
        &self,
        flow: DeviceAuthorizationFlow,
        client: &Client,
        server: &AuthorizationServer,
        options: &TokenResponseOptions,
        rng: &dyn SecureRandom,
    ) -> Result<TokenResponse> {
        poll_device(flow, client, server, options, rng, |req| self.execute(req)).await
    }

    /// Brings a JWKS cache to a usable state (OpenID Connect Core §10.1.1): fetches on first
    /// use or when its lifetime is over, and, given the `token` about to be verified, refetches
    /// once when it names a `kid` the set lacks (the cache rate-limits refetches). A failed
    /// fetch keeps the last good keys; it is an error only when there are none.
    pub async fn ensure_jwks(&self, cache: &mut JwksCache, token: Option<&str>) -> Result<()> {
        let mut fetched = false;
        for _ in 0..MAX_JWKS_STEPS {
            let now = clock::now()?;
            // One fetch per call is enough to learn about a new `kid`; after it, an unknown
            // `kid` is the token's problem, not the cache's.
            let action = match token {
                Some(t) if !fetched => cache.poll_for_token(t, now),
                _ => cache.poll(now),
            };
            match action {
                JwksAction::Ready => return Ok(()),
                JwksAction::Fetch(req) => {
                    fetched |= absorb_jwks_fetch(cache, self.execute(req).await)?;
                }
                JwksAction::WaitUntil(t) => {
                    tokio::time::sleep(clock::until(t)?.min(Duration::from_secs(1))).await
                }
            }
        }
        Err(Error::Misuse(
            "the provider's key set could not be obtained",
        ))
    }
}

/// Feeds one key set fetch's outcome to `cache`; says whether a response arrived. A failed
/// fetch or a bad response is an error only while the cache has no keys at all; otherwise the
/// last good set stays in use.
pub(crate) fn absorb_jwks_fetch(
    cache: &mut JwksCache,
    fetched: Result<Response<Vec<u8>>>,
) -> Result<bool> {
    match fetched {
        Ok(resp) => {
            if let Err(e) = cache.handle_response(&resp, clock::now()?) {
                if cache.keys().is_none() {
                    return Err(e.into());
                }
            }
            Ok(true)
        }
        Err(e) => {
            cache.handle_fetch_failure(clock::now()?);
            if cache.keys().is_none() {
                return Err(e);
            }
            Ok(false)
        }
    }
}

/// Most steps one key lookup may take: a fetch on first use or expiry, a refetch for an
/// unknown `kid`, and short waits while a fetch is in flight.
pub(crate) const MAX_JWKS_STEPS: usize = 8;

pub(crate) async fn send_dpop<F, Fut>(
    mut exchange: DpopExchange,
    rng: &dyn SecureRandom,
    send: F,
) -> Result<(Response<Vec<u8>>, Option<String>)>
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>>>,
{
    for _ in 0..MAX_DPOP_SENDS {
        let req = exchange.request(clock::now()?, rng)?;
        match exchange.handle_response(send(req).await?) {
            DpopStep::Retry(next) => exchange = *next,
            DpopStep::Done { response, nonce } => return Ok((response, nonce)),
        }
    }
    Err(Error::Misuse("DPoP nonce retry did not settle"))
}

pub(crate) async fn poll_device<F, Fut>(
    mut flow: DeviceAuthorizationFlow,
    client: &Client,
    server: &AuthorizationServer,
    options: &TokenResponseOptions,
    rng: &dyn SecureRandom,
    send: F,
) -> Result<TokenResponse>
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>>>,
{
    loop {
        let now = clock::now()?;
        match flow.next_action(now) {
            DeviceAction::WaitUntil(t) => tokio::time::sleep(clock::until(t)?).await,
            DeviceAction::Expired => {
                return Err(authcore_oauth2::Error::DeviceCodeExpired {
                    now,
                    expired_at: flow.expires_at(),
                }
                .into());
            }
            DeviceAction::Poll => {
                let req = flow.build_token_request(client, server, now, rng)?;
                let resp = send(req).await?;
                match flow.handle_token_response(&resp, clock::now()?, options)? {
                    DeviceFlowStep::Complete(t) => return Ok(t),
                    DeviceFlowStep::Pending(next) => {
                        // A zero interval from the server must not become a busy loop.
                        tokio::time::sleep(clock::until(next.next_poll_at())?.max(MIN_POLL_GAP))
                            .await;
                        flow = next;
                    }
                }
            }
        }
    }
}
