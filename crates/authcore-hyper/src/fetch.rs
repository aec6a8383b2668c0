//! Outbound requests: the core's `Need::Fetch` (`request_uri`, `jwks_uri`,
//! `sector_identifier_uri`) and back-channel logout POSTs, under the adapter contract: no
//! redirect followed (a 3xx is a failure), a timeout on the whole exchange, a cap on the
//! response body, `https` only (plain `http` only to a loopback host in dev mode).

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::settings::FetchSettings;

/// The outbound client of a provider.
#[derive(Clone)]
pub(crate) struct Fetcher {
    settings: FetchSettings,
    dev: bool,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("settings", &self.settings)
            .field("dev", &self.dev)
            .finish_non_exhaustive()
    }
}

/// Why an outbound request failed (for the log; the core only learns "no body").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// The URL's scheme or host is not allowed.
    Refused(&'static str),
    /// Connection, TLS, timeout or body error.
    Transport(String),
    /// A status other than 2xx (a redirect included).
    Status(u16),
    /// The body is over the size cap.
    TooLarge,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Refused(why) => write!(f, "refused: {why}"),
            FetchError::Transport(e) => write!(f, "transport: {e}"),
            FetchError::Status(s) => write!(f, "status {s}"),
            FetchError::TooLarge => f.write_str("response over the size cap"),
        }
    }
}

/// Whether `host` is a loopback host (`localhost`, 127.0.0.0/8, `::1`).
pub(crate) fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl Fetcher {
    /// A client verifying servers with the platform's trust store (as authcore-reqwest
    /// does), over rustls with aws-lc-rs.
    pub(crate) fn new(settings: FetchSettings, dev: bool) -> std::io::Result<Self> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_platform_verifier(rustls::crypto::aws_lc_rs::default_provider())?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Fetcher {
            settings,
            dev,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    fn check_url(&self, url: &str) -> Result<http::Uri, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError::Refused("not a URL"))?;
        let host = parsed.host().ok_or(FetchError::Refused("no host"))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.dev && is_loopback_host(&host) => {}
            "http" => return Err(FetchError::Refused("plain http")),
            _ => return Err(FetchError::Refused("scheme")),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(FetchError::Refused("credentials in the URL"));
        }
        parsed
            .as_str()
            .parse()
            .map_err(|_| FetchError::Refused("not a URI"))
    }

    /// Sends `request` (its URI checked first) and reads the body under the cap.
    pub(crate) async fn send(
        &self,
        method: http::Method,
        url: &str,
        headers: http::HeaderMap,
        body: Vec<u8>,
    ) -> Result<(http::StatusCode, Vec<u8>), FetchError> {
        let uri = self.check_url(url)?;
        let mut request = http::Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        let cap = self.settings.max_body_bytes;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| FetchError::Transport(e.to_string()))?;
            let status = response.status();
            // No redirect is followed (RFC 9101 §5.2.3, RFC 7591 §5's SSRF concerns): any
            // non-2xx status is a failure, 3xx included.
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let body = Limited::new(response.into_body(), cap)
                .collect()
                .await
                .map_err(|e| {
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some()
                    {
                        FetchError::TooLarge
                    } else {
                        FetchError::Transport(e.to_string())
                    }
                })?;
            Ok((status, body.to_bytes().to_vec()))
        };
        match tokio::time::timeout(self.settings.timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Transport("timed out".into())),
        }
    }

    /// GETs `url` for the core's [`Need::Fetch`](authcore_server::Need::Fetch).
    pub(crate) async fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json, application/jwt, */*"),
        );
        self.send(http::Method::GET, url, headers, Vec::new())
            .await
            .map(|(_, body)| body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A loopback server answering every request with `status`, `location` and `body`.
    async fn peer(status: u16, location: Option<&'static str>, body: Vec<u8>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let body = body.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_req| {
                        let mut r = http::Response::new(Full::new(Bytes::from(body.clone())));
                        *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
                        if let Some(l) = location {
                            r.headers_mut()
                                .insert(http::header::LOCATION, l.parse().unwrap());
                        }
                        async move { Ok::<_, std::convert::Infallible>(r) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        format!("http://127.0.0.1:{}/doc", addr.port())
    }

    fn fetcher(dev: bool) -> Fetcher {
        let settings = FetchSettings {
            timeout: Duration::from_secs(10),
            max_body_bytes: 1024,
        };
        Fetcher::new(settings, dev).unwrap()
    }

    #[tokio::test]
    async fn a_document_is_fetched_within_the_cap() {
        let url = peer(200, None, b"{\"keys\":[]}".to_vec()).await;
        assert_eq!(fetcher(true).get(&url).await.unwrap(), b"{\"keys\":[]}");
    }

    #[tokio::test]
    async fn redirects_are_not_followed_and_errors_fail() {
        let url = peer(302, Some("http://127.0.0.1:1/elsewhere"), Vec::new()).await;
        assert_eq!(fetcher(true).get(&url).await, Err(FetchError::Status(302)));
        let url = peer(500, None, Vec::new()).await;
        assert_eq!(fetcher(true).get(&url).await, Err(FetchError::Status(500)));
    }

    #[tokio::test]
    async fn bodies_over_the_cap_are_refused() {
        let url = peer(200, None, vec![b'x'; 4096]).await;
        assert_eq!(fetcher(true).get(&url).await, Err(FetchError::TooLarge));
    }

    #[tokio::test]
    async fn plain_http_is_for_loopback_in_dev_mode_only() {
        let url = peer(200, None, b"ok".to_vec()).await;
        assert_eq!(
            fetcher(false).get(&url).await,
            Err(FetchError::Refused("plain http"))
        );
        for bad in [
            "http://example.com/doc",
            "ftp://127.0.0.1/doc",
            "https://user:pw@example.com/",
            "not a url",
        ] {
            assert!(
                matches!(fetcher(true).get(bad).await, Err(FetchError::Refused(_))),
                "{bad}"
            );
        }
    }
}
