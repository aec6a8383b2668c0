//! Sending the core's `http::Request<Vec<u8>>` with reqwest and bringing back a bounded
//! `http::Response<Vec<u8>>`.

use std::fmt;
use std::time::Duration;

use http::{Request, Response};

use crate::error::{Error, Result};

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default total timeout of one exchange (connect, send, and read the whole body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on a response body: the core's own parser limit
/// ([`authcore_oauth2::MAX_RESPONSE_BYTES`]). JWK Sets and discovery documents fit easily.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = authcore_oauth2::MAX_RESPONSE_BYTES;

/// Settings of the HTTP client.
///
/// ```
/// use std::time::Duration;
/// let config = authcore_reqwest::HttpConfig::new()
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(15))
///     .max_response_bytes(64 * 1024);
/// assert_eq!(config.get_max_response_bytes(), 64 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
    user_agent: String,
    client_identity: Option<IdentityPem>,
    roots: Option<Roots>,
}

/// A client certificate chain and its private key, in PEM. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
struct IdentityPem(Vec<u8>);

impl fmt::Debug for IdentityPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityPem(<redacted>)")
    }
}

/// Root certificates (a PEM bundle) besides or instead of the platform's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Roots {
    pem: Vec<u8>,
    only: bool,
}

/// Applies [`TlsParts`] to a reqwest client builder, async or blocking (the two have the same
/// methods and no common trait).
macro_rules! with_tls {
    ($builder:expr, $tls:expr) => {{
        let tls: $crate::transport::TlsParts = $tls;
        let mut builder = $builder;
        if let Some(identity) = tls.identity {
            builder = builder.identity(identity);
        }
        if tls.roots_only {
            builder.tls_certs_only(tls.roots)
        } else {
            builder.tls_certs_merge(tls.roots)
        }
    }};
}
#[cfg(feature = "blocking")]
pub(crate) use with_tls;

/// The TLS settings of an [`HttpConfig`] in reqwest's types, for the async and the blocking
/// client builders alike.
pub(crate) struct TlsParts {
    pub(crate) identity: Option<reqwest::Identity>,
    pub(crate) roots: Vec<reqwest::Certificate>,
    pub(crate) roots_only: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig::new()
    }
}

impl HttpConfig {
    /// Defaults: 10 s to connect, 30 s in total, 256 KiB bodies, redirects never followed.
    pub fn new() -> Self {
        HttpConfig {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: concat!("authcore-reqwest/", env!("CARGO_PKG_VERSION")).to_owned(),
            client_identity: None,
            roots: None,
        }
    }

    /// Presents a client certificate in every TLS handshake (mutual TLS): what the
    /// `tls_client_auth` and `self_signed_tls_client_auth` client authentication methods and
    /// certificate-bound access tokens of RFC 8705 need from the transport. `pem` holds the
    /// certificate chain (leaf first) and the private key (PKCS#8, PKCS#1 or SEC1), for
    /// example the concatenation of a `.crt` and a `.key` file. Checked here: an unreadable
    /// identity is an error now, not at the first request.
    pub fn client_certificate_pem(mut self, pem: &[u8]) -> Result<Self> {
        reqwest::Identity::from_pem(pem)?;
        self.client_identity = Some(IdentityPem(pem.to_vec()));
        Ok(self)
    }

    /// Trusts the root certificates of the PEM bundle `pem` as well as the platform's (a
    /// private CA next to public ones).
    pub fn extra_root_certificates_pem(self, pem: &[u8]) -> Result<Self> {
        self.with_roots(pem, false)
    }

    /// Trusts only the root certificates of the PEM bundle `pem` (a private deployment, a
    /// pinned CA): servers with certificates from any other CA are refused.
    pub fn only_root_certificates_pem(self, pem: &[u8]) -> Result<Self> {
        self.with_roots(pem, true)
    }

    fn with_roots(mut self, pem: &[u8], only: bool) -> Result<Self> {
        if reqwest::Certificate::from_pem_bundle(pem)?.is_empty() {
            return Err(Error::Misuse("the PEM bundle holds no certificate"));
        }
        self.roots = Some(Roots {
            pem: pem.to_vec(),
            only,
        });
        Ok(self)
    }

    /// Whether a client certificate is configured.
    pub fn has_client_certificate(&self) -> bool {
        self.client_identity.is_some()
    }

    /// The TLS settings in reqwest's types (parsed again: they were checked when set).
    pub(crate) fn tls_parts(&self) -> Result<TlsParts> {
        let identity = match &self.client_identity {
            Some(IdentityPem(pem)) => Some(reqwest::Identity::from_pem(pem)?),
            None => None,
        };
        let (roots, roots_only) = match &self.roots {
            Some(r) => (reqwest::Certificate::from_pem_bundle(&r.pem)?, r.only),
            None => (Vec::new(), false),
        };
        Ok(TlsParts {
            identity,
            roots,
            roots_only,
        })
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets the total timeout of one exchange, body included.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Sets the response body cap in bytes.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Sets the `User-Agent`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// The response body cap in bytes.
    pub fn get_max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The connect timeout.
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The total timeout.
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// The `User-Agent`.
    pub fn get_user_agent(&self) -> &str {
        &self.user_agent
    }
}

/// An asynchronous HTTP client for the core's requests.
///
/// Redirects are not followed (a 3xx is [`Error::Redirect`]): the core's requests carry
/// credentials, tokens and proofs bound to one URL, and following a server-chosen `Location`
/// is a server-side request forgery vector. Cheap to clone (reqwest's pool is shared).
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    max_response_bytes: usize,
}

impl HttpClient {
    /// A client with `config`.
    pub fn new(config: &HttpConfig) -> Result<Self> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.clone());
        let inner = with_tls!(builder, config.tls_parts()?).build()?;
        Ok(HttpClient {
            inner,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// Wraps a reqwest client built by the caller (for proxies, custom roots, mutual TLS).
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())` and timeouts: this adapter
    /// cannot inspect those settings. A 3xx that reaches this adapter is still refused.
    pub fn from_reqwest(client: reqwest::Client, max_response_bytes: usize) -> Self {
        HttpClient {
            inner: client,
            max_response_bytes,
        }
    }

    /// The underlying reqwest client.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// The response body cap in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Sends `request` and reads the response, body included, up to the cap.
    ///
    /// Errors: [`Error::Redirect`] on 3xx, [`Error::ResponseTooLarge`] past the cap (reading
    /// stops there), [`Error::Timeout`], [`Error::Transport`]. Any other status, 4xx and 5xx
    /// included, is returned for the core to interpret.
    pub async fn execute(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>> {
        let request = reqwest::Request::try_from(request)?;
        let mut resp = self.inner.execute(request).await?;
        check_redirect(resp.status(), resp.headers())?;
        let limit = self.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(Error::ResponseTooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if chunk.len() > limit - body.len() {
                return Err(Error::ResponseTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        let mut out = Response::new(body);
        *out.status_mut() = resp.status();
        *out.version_mut() = resp.version();
        *out.headers_mut() = std::mem::take(resp.headers_mut());
        Ok(out)
    }
}

pub(crate) fn check_redirect(status: http::StatusCode, headers: &http::HeaderMap) -> Result<()> {
    if status.is_redirection() {
        return Err(Error::Redirect {
            status: status.as_u16(),
            location: headers
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        });
    }
    Ok(())
}
