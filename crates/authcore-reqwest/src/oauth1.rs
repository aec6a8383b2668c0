//! OAuth 1.0a (RFC 5849) request signing for this adapter: [`Signer`] holds the core's
//! [`authcore_oauth1::Signer`] and supplies what the core takes as arguments, the system clock
//! and the operating system's randomness, so it can sign any outgoing request as a hook.
//!
//! ```no_run
//! use authcore_reqwest::authcore_oauth1::{self as core, Secret};
//! use authcore_reqwest::{HttpClient, HttpConfig, oauth1::Signer};
//! # async fn run() -> Result<(), authcore_reqwest::Error> {
//! let http = HttpClient::new(&HttpConfig::new())?;
//! let signer = Signer::new(
//!     core::Signer::new("consumer-key", Secret::new("consumer-secret"))
//!         .with_token_credentials("token", "token-secret"),
//! );
//! let request = http::Request::get("https://api.example.com/1.1/account/verify_credentials.json")
//!     .body(Vec::new())
//!     .expect("request");
//! // Sign, then send: or `http.execute_with(request, |r| signer.sign(r))`.
//! let response = signer.send(&http, request).await?;
//! # let _ = response;
//! # Ok(())
//! # }
//! ```

use authcore_jose::SecureRandom;
use http::{Request, Response};

use crate::error::Result;
use crate::transport::HttpClient;

/// Signs requests with OAuth 1.0a credentials, the system clock and the provider's system
/// random generator. [`Signer::sign`] has the shape of a request hook:
/// `Fn(&mut http::Request<Vec<u8>>) -> Result<()>`.
pub struct Signer {
    inner: authcore_oauth1::Signer,
    rng: &'static dyn SecureRandom,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Wraps the core's signer; nonces come from authcore-jose's default provider's system
    /// random generator.
    pub fn new(inner: authcore_oauth1::Signer) -> Self {
        Signer {
            inner,
            rng: authcore_jose::crypto::default_provider().system_random(),
        }
    }

    /// The same with another random generator (for reproducible tests).
    pub fn with_random(mut self, rng: &'static dyn SecureRandom) -> Self {
        self.rng = rng;
        self
    }

    /// The core signer.
    pub fn core(&self) -> &authcore_oauth1::Signer {
        &self.inner
    }

    /// Signs `request` in place with the current time and a fresh nonce.
    pub fn sign(&self, request: &mut Request<Vec<u8>>) -> Result<()> {
        self.inner.sign(request, crate::now()?, self.rng)?;
        Ok(())
    }

    /// Signs `request` and sends it with `http` (no redirects, timeouts, capped body).
    pub async fn send(
        &self,
        http: &HttpClient,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>> {
        http.execute_with(request, |r| self.sign(r)).await
    }
}

impl HttpClient {
    /// Runs `hook` on the request (to sign it, for example with [`Signer::sign`]), then sends
    /// it as [`HttpClient::execute`] does.
    pub async fn execute_with(
        &self,
        mut request: Request<Vec<u8>>,
        hook: impl FnOnce(&mut Request<Vec<u8>>) -> Result<()>,
    ) -> Result<Response<Vec<u8>>> {
        hook(&mut request)?;
        self.execute(request).await
    }
}
