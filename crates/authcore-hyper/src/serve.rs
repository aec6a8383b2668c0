//! Accepting connections: plain TCP or TLS (tokio-rustls), HTTP/1.1 and HTTP/2, each
//! connection served by the provider's service with the peer's address and client
//! certificate; graceful shutdown (stop accepting, let requests in flight finish).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;

use crate::provider::{PeerInfo, Provider, ProviderError};

/// How long a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long requests in flight may run on after shutdown was asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) async fn serve(
    provider: Provider,
    listener: tokio::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ProviderError> {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    let service = provider.service();
    let sweeper = provider
        .inner
        .settings
        .sweep_interval
        .map(|every| tokio::spawn(sweep_every(provider.clone(), every)));
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // A failed accept (out of file descriptors, a reset before accept) ends
                    // that connection only.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let peer = PeerInfo::new(Some(addr));
        match &acceptor {
            None => {
                let svc = service.for_peer(peer);
                let conn = builder.serve_connection(TokioIo::new(stream), svc);
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let service = service.clone();
                let builder = builder.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let tls =
                        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                            .await
                        {
                            Ok(Ok(tls)) => tls,
                            Ok(Err(e)) => {
                                tracing::debug!(error = %e, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!("TLS handshake timed out");
                                return;
                            }
                        };
                    let mut peer = peer;
                    if let Some(cert) = tls.get_ref().1.peer_certificates().and_then(|c| c.first())
                    {
                        // RFC 8705: the end-entity certificate goes to the core, with its
                        // subject and alternative names (tls_client_auth), its key
                        // (self-signed) and its thumbprint (bound tokens).
                        peer = peer.with_certificate(crate::certificate::client_certificate(cert));
                    }
                    let svc = service.for_peer(peer);
                    let conn = builder.serve_connection(TokioIo::new(tls), svc);
                    if let Err(e) = watcher.watch(conn.into_owned()).await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
        }
    }
    drop(listener);
    if let Some(s) = sweeper {
        s.abort();
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!("requests still in flight after the drain timeout");
        }
    }
    Ok(())
}

/// Runs the store's expiry sweep every `every` (the first after one interval).
async fn sweep_every(provider: Provider, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match provider.inner.store.sweep(crate::provider::now()).await {
            Ok(n) => tracing::debug!(deleted = n, "expiry sweep"),
            Err(e) => tracing::warn!(error = %e, "expiry sweep failed"),
        }
    }
}
