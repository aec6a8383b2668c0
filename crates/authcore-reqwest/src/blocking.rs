//! A blocking HTTP client and a blocking [`Client`] facade (feature `blocking`), for programs
//! without an async runtime.
//!
//! It must not be created or used inside an async runtime (reqwest's blocking client runs its
//! own). The state machines are driven by the same core drivers as in the async API, with a
//! blocking send and `std::thread::sleep`; see [`HttpClient::poll_device_flow`] for the one
//! that waits.

use std::io::Read;

mod facade;
pub use facade::{Client, ClientBuilder};

use authcore_jose::SecureRandom;
use authcore_oauth2::{
    AuthorizationServer, DeviceAuthorizationFlow, DpopExchange, TokenResponse, TokenResponseOptions,
};
use authcore_oidc::JwksCache;
use http::{Request, Response};

use crate::clock;
use crate::error::{Error, Result};
use crate::transport::{HttpConfig, check_redirect, with_tls};

/// A blocking HTTP client for the core's requests: same behaviour as the async
/// [`crate::HttpClient`] (no redirects, timeouts, body cap).
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::blocking::Client,
    max_response_bytes: usize,
}

impl HttpClient {
    /// A client with `config`.
    pub fn new(config: &HttpConfig) -> Result<Self> {
        let builder = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.get_connect_timeout())
            .timeout(config.get_timeout())
            .user_agent(config.get_user_agent().to_owned());
        let inner = with_tls!(builder, config.tls_parts()?).build()?;
        Ok(HttpClient {
            inner,
            max_response_bytes: config.get_max_response_bytes(),
        })
    }

    /// Sends `request` and reads the response up to the cap.
    pub fn execute(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>> {
        let request = reqwest::blocking::Request::try_from(request)?;
        let mut resp = self.inner.execute(request)?;
        check_redirect(resp.status(), resp.headers())?;
        let limit = self.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(Error::ResponseTooLarge { limit });
        }
        let mut body = Vec::new();
        // One byte past the cap tells "exactly at the cap" from "over it".
        (&mut resp)
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(
                |e| match e.get_ref().and_then(|i| i.downcast_ref::<reqwest::Error>()) {
                    Some(r) if r.is_timeout() => Error::Timeout,
                    // The connection broke mid-body: the network's fault, not the caller's.
                    _ => Error::BodyRead(e),
                },
            )?;
        if body.len() > limit {
            return Err(Error::ResponseTooLarge { limit });
        }
        let mut out = Response::new(body);
        *out.status_mut() = resp.status();
        *out.version_mut() = resp.version();
        *out.headers_mut() = std::mem::take(resp.headers_mut());
        Ok(out)
    }

    /// Sends a DPoP exchange, retrying once with the server's nonce when asked (RFC 9449
    /// §8, §9). Returns the final response and the latest nonce.
    pub fn send_with_dpop(
        &self,
        exchange: DpopExchange,
        rng: &dyn SecureRandom,
    ) -> Result<(Response<Vec<u8>>, Option<String>)> {
        authcore_oauth2::send_with_dpop_blocking(exchange, rng, clock::now, |req| self.execute(req))
    }

    /// Polls the token endpoint until the device flow ends (RFC 8628 §3.4, §3.5), sleeping
    /// the thread between polls; as the async [`crate::HttpClient::poll_device_flow`].
    pub fn poll_device_flow(
        &self,
        flow: DeviceAuthorizationFlow,
        client: &authcore_oauth2::Client,
        server: &AuthorizationServer,
        options: &TokenResponseOptions,
        rng: &dyn SecureRandom,
    ) -> Result<TokenResponse> {
        Ok(authcore_oauth2::poll_device_flow_blocking(
            flow,
            client,
            server,
            options,
            rng,
            clock::now,
            |req| self.execute(req),
            std::thread::sleep,
        )?)
    }

    /// Brings a JWKS cache to a usable state, as the async
    /// [`crate::HttpClient::ensure_jwks`] does (thread sleeps while a fetch is in flight).
    pub fn ensure_jwks(&self, cache: &mut JwksCache, token: Option<&str>) -> Result<()> {
        authcore_oidc::ensure_jwks_blocking(
            cache,
            token,
            clock::now,
            |req| self.execute(req),
            std::thread::sleep,
        )
    }
}
