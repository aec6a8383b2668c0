//! The layer in front of a plain hyper service (no axum): the extension type carries the
//! user, and the layer's routes and redirects work the same.

mod common;

use std::convert::Infallible;
use std::future::Ready;
use std::task::{Context, Poll};

use authcore_login::Authenticated;
use bytes::Bytes;
use common::*;
use http_body_util::Full;
use tower::Layer;

/// The application: a plain `tower::Service` answering with the signed-in subject.
#[derive(Clone)]
struct Hello;

impl<B> tower::Service<http::Request<B>> for Hello {
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let who = request
            .extensions()
            .get::<Authenticated>()
            .map_or("anonymous".to_owned(), |a| a.subject().to_owned());
        std::future::ready(Ok(http::Response::new(Full::new(Bytes::from(who)))))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_hyper_services_get_the_user_from_the_extensions() {
    let w = world_serving(default_config, |layer, tcp| {
        let service = layer.layer(Hello);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = tcp.accept().await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(service.clone());
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        })
    })
    .await;
    let mut b = Browser::new();
    assert_eq!(b.get(&w.url("/")).await.text(), "anonymous");
    assert_eq!(b.get(&w.url("/me")).await.status, 303);
    b.sign_in(&w).await;
    assert_eq!(b.get(&w.url("/me")).await.text(), "alice-sub");
}
