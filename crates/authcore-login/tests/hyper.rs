//! The layer in front of a plain hyper service (no axum): the extension type carries the
//! user, and the layer's routes and redirects work the same.

mod common;

use std::convert::Infallible;
use std::future::Ready;
use std::sync::Arc;
use std::task::{Context, Poll};

use authcore_login::{Authenticated, LoginLayer, SessionKeys};
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
    let listener = app_listener().await;
    let op = start_op(&listener.base).await;
    let clock = Arc::new(TestClock::default());
    let config = config(
        &listener.base,
        &op,
        clock.clone(),
        SessionKeys::new("k1", KEY1).unwrap(),
    );
    let layer = LoginLayer::discover(config).await.unwrap();
    let service = layer.layer(Hello);
    let base = listener.base.clone();
    let tcp = listener.listener;
    let task = Task(tokio::spawn(async move {
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
    }));
    let w = World {
        op,
        app: App {
            base,
            layer,
            _task: task,
        },
        clock,
    };
    let mut b = Browser::new();
    assert_eq!(b.get(&format!("{}/", w.app.base)).await.text(), "anonymous");
    assert_eq!(b.get(&format!("{}/me", w.app.base)).await.status, 303);
    b.sign_in(&w).await;
    assert_eq!(
        b.get(&format!("{}/me", w.app.base)).await.text(),
        "alice-sub"
    );
}
