//! The cores' drivers ([`authcore_oauth2::send_with_dpop`],
//! [`authcore_oauth2::poll_device_flow`], [`authcore_oidc::ensure_jwks`]) run with this
//! crate's clock, HTTP client and tokio's timer. The loops themselves are the cores'.

use authcore_jose::SecureRandom;
use authcore_oauth2::{
    AuthorizationServer, Client, DeviceAuthorizationFlow, DpopExchange, TokenResponse,
    TokenResponseOptions,
};
use authcore_oidc::JwksCache;
use http::Response;

use crate::clock;
use crate::error::Result;
use crate::transport::HttpClient;

impl HttpClient {
    /// Sends a DPoP exchange, retrying once with the server's nonce when asked (RFC 9449
    /// §8, §9). Returns the final response (to parse as usual) and the latest nonce (keep it
    /// for the next request to the same server).
    pub async fn send_with_dpop(
        &self,
        exchange: DpopExchange,
        rng: &dyn SecureRandom,
    ) -> Result<(Response<Vec<u8>>, Option<String>)> {
        authcore_oauth2::send_with_dpop(exchange, rng, clock::now, |req| self.execute(req)).await
    }

    /// Polls the token endpoint until the device flow ends (RFC 8628 §3.4, §3.5), sleeping
    /// (tokio) between polls for the interval the flow asks for (`slow_down` lengthens it).
    ///
    /// Ends with the tokens, the server's final error (`access_denied`, `expired_token`...)
    /// or [`authcore_oauth2::Error::DeviceCodeExpired`]; the device code's lifetime bounds
    /// the loop. A transient failure (HTTP 429/502/503/504, a timeout, a broken connection)
    /// is [`crate::Error::DevicePollingInterrupted`], which hands the flow back to poll again.
    pub async fn poll_device_flow(
        &self,
        flow: DeviceAuthorizationFlow,
        client: &Client,
        server: &AuthorizationServer,
        options: &TokenResponseOptions,
        rng: &dyn SecureRandom,
    ) -> Result<TokenResponse> {
        Ok(authcore_oauth2::poll_device_flow(
            flow,
            client,
            server,
            options,
            rng,
            clock::now,
            |req| self.execute(req),
            tokio::time::sleep,
        )
        .await?)
    }

    /// Brings a JWKS cache to a usable state (OpenID Connect Core §10.1.1): fetches on first
    /// use or when its lifetime is over, and, given the `token` about to be verified, refetches
    /// once when it names a `kid` the set lacks (the cache rate-limits refetches). A failed
    /// fetch keeps the last good keys; it is an error only when there are none.
    pub async fn ensure_jwks(&self, cache: &mut JwksCache, token: Option<&str>) -> Result<()> {
        authcore_oidc::ensure_jwks(
            cache,
            token,
            clock::now,
            |req| self.execute(req),
            tokio::time::sleep,
        )
        .await
    }
}
