//! [`Provider`]: the running OpenID provider (settings, store, keys, rate limits, outbound
//! client) and its entry points: [`Provider::service`] (a `tower::Service` and a
//! `hyper::service::Service`), [`Provider::serve`] and [`Provider::serve_tls`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context as TaskContext, Poll};

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{SecureRandom, UnixTime};
use authcore_server::client_auth::ClientCertificate;
use authcore_server::model::ClientRecord;
use authcore_server::{ServerKeys, Write, WriteOutcome};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;

use crate::keys::{self, KeysDocument, KeysError};
use crate::settings::ProviderSettings;
use crate::store::{ProviderStore, StoreError};

/// The body of every response the provider sends.
pub type ResponseBody = Full<Bytes>;

/// Why a [`Provider`] could not start or an operation on it failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProviderError {
    /// The keys document could not be loaded or made.
    Keys(KeysError),
    /// The store failed.
    Store(StoreError),
    /// The store refused a client write (a client with this id exists, or none does).
    ClientConflict(String),
    /// Serving failed (the listener, TLS setup).
    Io(std::io::Error),
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderError::Keys(e) => write!(f, "{e}"),
            ProviderError::Store(e) => write!(f, "{e}"),
            ProviderError::ClientConflict(id) => {
                write!(f, "the client `{id}` could not be stored")
            }
            ProviderError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProviderError::Keys(e) => Some(e),
            ProviderError::Store(e) => Some(e),
            ProviderError::Io(e) => Some(e),
            ProviderError::ClientConflict(_) => None,
        }
    }
}

impl From<KeysError> for ProviderError {
    fn from(e: KeysError) -> Self {
        ProviderError::Keys(e)
    }
}

impl From<StoreError> for ProviderError {
    fn from(e: StoreError) -> Self {
        ProviderError::Store(e)
    }
}

impl From<std::io::Error> for ProviderError {
    fn from(e: std::io::Error) -> Self {
        ProviderError::Io(e)
    }
}

/// The keys in use: the stored document (its cookie keys) and the core's keys built from it.
pub(crate) struct LoadedKeys {
    pub(crate) server: ServerKeys,
    pub(crate) cookies: crate::cookies::CookieSigner,
}

impl LoadedKeys {
    fn new(
        document: &KeysDocument,
        crypto: &'static CryptoProvider,
        settings: &ProviderSettings,
    ) -> Result<Self, ProviderError> {
        let mut server = document.server_keys(crypto, &settings.server, now())?;
        if let Some(window) = settings.dpop_nonce_window {
            server = server.with_dpop_nonces(Arc::new(document.dpop_nonces(window, crypto)?));
        }
        Ok(LoadedKeys {
            server,
            cookies: crate::cookies::CookieSigner::new(document.cookie_keys(), crypto)
                .map_err(KeysError::Jose)?,
        })
    }
}

pub(crate) struct Inner {
    pub(crate) settings: ProviderSettings,
    pub(crate) store: Arc<dyn ProviderStore>,
    pub(crate) keys: RwLock<Arc<LoadedKeys>>,
    pub(crate) rng: &'static dyn SecureRandom,
    pub(crate) crypto: &'static CryptoProvider,
    pub(crate) limits: crate::ratelimit::Limiters,
    pub(crate) fetcher: crate::fetch::Fetcher,
    pub(crate) routes: crate::router::Routes,
}

/// A running OpenID provider: authcore-server's endpoints over HTTP, on a [`ProviderStore`].
/// Cheap to clone (one shared state).
#[derive(Clone)]
pub struct Provider {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.inner.settings.server.issuer)
            .finish_non_exhaustive()
    }
}

/// The current time, read from the system clock: the adapter owns the clock (the one place
/// this crate reads it, with [`monotonic_now`]).
#[allow(clippy::disallowed_methods)]
pub(crate) fn now() -> UnixTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UnixTime::from_secs(secs)
}

/// The monotonic clock, for rate-limit buckets.
#[allow(clippy::disallowed_methods)]
pub(crate) fn monotonic_now() -> std::time::Instant {
    std::time::Instant::now()
}

impl Provider {
    /// A provider for `settings` on `store`: loads the keys document from the store, or
    /// generates and stores one on a first start ([`keys::load_or_init`]: instances starting
    /// at once end with one document).
    pub async fn new(
        settings: ProviderSettings,
        store: Arc<dyn ProviderStore>,
    ) -> Result<Provider, ProviderError> {
        let crypto = authcore_jose::crypto::default_provider();
        let rng = crypto.system_random();
        let (document, _) = keys::load_or_init(store.as_ref(), rng, now()).await?;
        let loaded = LoadedKeys::new(&document, crypto, &settings)?;
        let routes = crate::router::Routes::from_config(&settings.server);
        let fetcher = crate::fetch::Fetcher::new(settings.fetch, settings.dev)?;
        let limits = crate::ratelimit::Limiters::new(settings.rate_limits);
        Ok(Provider {
            inner: Arc::new(Inner {
                settings,
                store,
                keys: RwLock::new(Arc::new(loaded)),
                rng,
                crypto,
                limits,
                fetcher,
                routes,
            }),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &ProviderSettings {
        &self.inner.settings
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ProviderStore> {
        &self.inner.store
    }

    pub(crate) fn loaded_keys(&self) -> Arc<LoadedKeys> {
        match self.inner.keys.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the keys document from the store again (after `authcore keys rotate`, or when
    /// another instance rotated): new tokens are signed with the new current key.
    pub async fn reload_keys(&self) -> Result<(), ProviderError> {
        let (document, _) =
            keys::load_or_init(self.inner.store.as_ref(), self.inner.rng, now()).await?;
        let loaded = Arc::new(LoadedKeys::new(
            &document,
            self.inner.crypto,
            &self.inner.settings,
        )?);
        match self.inner.keys.write() {
            Ok(mut k) => *k = loaded,
            Err(poisoned) => *poisoned.into_inner() = loaded,
        }
        Ok(())
    }

    /// Stores a statically configured client: inserts it, or replaces the stored record with
    /// the same `client_id`.
    pub async fn upsert_client(&self, client: ClientRecord) -> Result<(), ProviderError> {
        let store = &self.inner.store;
        let t = now();
        let exists = matches!(
            store
                .answer(authcore_server::Need::Client(client.client_id.clone()), t)
                .await?,
            authcore_server::Answer::Client(Some(_))
        );
        let id = client.client_id.clone();
        let write = if exists {
            Write::UpdateClient(client)
        } else {
            Write::InsertClient(client)
        };
        let outcomes = store.apply(vec![write], t).await?;
        if outcomes.as_slice() == [WriteOutcome::Applied] {
            Ok(())
        } else {
            Err(ProviderError::ClientConflict(id))
        }
    }

    /// The provider as a service: a `tower::Service` and a `hyper::service::Service` over
    /// `http::Request<B>` for any body `B`. It reads the peer's address and client
    /// certificate from the request's [`PeerInfo`] extension when a server put one there.
    pub fn service(&self) -> ProviderService {
        ProviderService {
            provider: self.clone(),
            peer: None,
        }
    }

    /// Serves plain HTTP/1.1 and HTTP/2 on `listener` until `shutdown` completes; then stops
    /// accepting and lets the requests in flight finish.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), ProviderError> {
        crate::serve::serve(self.clone(), listener, None, shutdown).await
    }

    /// Serves HTTPS with `tls` on `listener` until `shutdown` completes (see
    /// [`Provider::serve`]). A client certificate the TLS layer received (configure `tls` with
    /// a client certificate verifier for mutual TLS) goes to the core for `tls_client_auth`,
    /// `self_signed_tls_client_auth` and certificate-bound tokens (RFC 8705).
    pub async fn serve_tls(
        &self,
        listener: tokio::net::TcpListener,
        tls: rustls::ServerConfig,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), ProviderError> {
        crate::serve::serve(self.clone(), listener, Some(Arc::new(tls)), shutdown).await
    }

    /// Handles one request whose body has been read.
    pub async fn handle(
        &self,
        request: http::Request<Bytes>,
        peer: &PeerInfo,
    ) -> http::Response<ResponseBody> {
        let response = crate::router::route(self, request, peer).await;
        let response = crate::headers::secure(response);
        response.map(|b| Full::new(Bytes::from(b)))
    }

    async fn handle_body<B>(
        self,
        request: http::Request<B>,
        peer: Option<PeerInfo>,
    ) -> http::Response<ResponseBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let peer = peer
            .or_else(|| request.extensions().get::<PeerInfo>().cloned())
            .unwrap_or_default();
        let (parts, body) = request.into_parts();
        let limit = self.inner.settings.max_body_bytes;
        let bytes = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                let too_large = e
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some();
                let response = if too_large {
                    tracing::info!(path = parts.uri.path(), "request body over the size cap");
                    crate::router::plain_error(
                        http::StatusCode::PAYLOAD_TOO_LARGE,
                        "the request body is too large",
                    )
                } else {
                    crate::router::plain_error(
                        http::StatusCode::BAD_REQUEST,
                        "the request body could not be read",
                    )
                };
                return crate::headers::secure(response).map(|b| Full::new(Bytes::from(b)));
            }
        };
        self.handle(http::Request::from_parts(parts, bytes), &peer)
            .await
    }
}

/// What the server knows about the connection a request came on.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PeerInfo {
    /// The peer's address (for per-address rate limits).
    pub addr: Option<SocketAddr>,
    /// The client certificate presented in the TLS handshake, if any.
    pub certificate: Option<ClientCertificate>,
}

impl PeerInfo {
    /// A peer at `addr` without a client certificate.
    pub fn new(addr: Option<SocketAddr>) -> Self {
        PeerInfo {
            addr,
            certificate: None,
        }
    }

    /// With the TLS client certificate.
    pub fn with_certificate(mut self, certificate: ClientCertificate) -> Self {
        self.certificate = Some(certificate);
        self
    }
}

/// The provider as a service (see [`Provider::service`]). Cheap to clone.
#[derive(Debug, Clone)]
pub struct ProviderService {
    provider: Provider,
    peer: Option<PeerInfo>,
}

impl ProviderService {
    /// The same service for requests from `peer` (a server that accepts connections itself
    /// makes one per connection).
    pub fn for_peer(&self, peer: PeerInfo) -> Self {
        ProviderService {
            provider: self.provider.clone(),
            peer: Some(peer),
        }
    }
}

/// The future of a [`ProviderService`] call.
pub type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<ResponseBody>, Infallible>> + Send>>;

impl<B> tower::Service<http::Request<B>> for ProviderService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<ResponseBody>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let provider = self.provider.clone();
        let peer = self.peer.clone();
        Box::pin(async move { Ok(provider.handle_body(request, peer).await) })
    }
}

impl<B> hyper::service::Service<http::Request<B>> for ProviderService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<ResponseBody>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, request: http::Request<B>) -> Self::Future {
        let provider = self.provider.clone();
        let peer = self.peer.clone();
        Box::pin(async move { Ok(provider.handle_body(request, peer).await) })
    }
}
