//! The store when the database is not there: unreachable at connect, stopped while in use,
//! and back again. Failures are `Unavailable` errors (never a panic, never `Applied`), and
//! the same store works again once the database returns.

mod support;

use std::time::Duration;

use authcore_hyper::{ProviderStore, StoreErrorKind};
use authcore_server::{Answer, Need, Write, WriteOutcome};
use authcore_store_postgres::PostgresStore;
use authcore_store_postgres::test_cluster::{TestCluster, skip_reason};
use support::{NOW, code, h};

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn an_unreachable_database_at_connect_is_a_clear_unavailable_error() {
    let port = closed_port();
    let url = format!("postgres://authcore:not-logged@127.0.0.1:{port}/authcore");
    let e = PostgresStore::connect(&url, 2)
        .await
        .expect_err("nothing listens there");
    assert_eq!(e.kind(), StoreErrorKind::Unavailable);
    assert!(
        e.message().contains(&format!("127.0.0.1:{port}")),
        "the message names the server: {}",
        e.message()
    );
    assert!(
        !e.message().contains("not-logged"),
        "the message never holds the password: {}",
        e.message()
    );
}

#[tokio::test]
async fn a_malformed_url_or_an_empty_pool_is_refused() {
    let e = PostgresStore::connect("postgres://[::1", 2)
        .await
        .expect_err("malformed");
    assert_eq!(e.kind(), StoreErrorKind::Unavailable);
    assert!(e.message().contains("URL"), "{}", e.message());
    let e = PostgresStore::connect("postgres://authcore@127.0.0.1:1/x", 0)
        .await
        .expect_err("no connections");
    assert!(e.message().contains("at least one"), "{}", e.message());
}

/// Runs a blocking cluster command off the runtime's threads.
async fn blocking(f: impl FnOnce() -> Result<(), String> + Send + 'static) {
    tokio::task::spawn_blocking(f)
        .await
        .expect("the cluster command ran")
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_is_unavailable_and_the_store_recovers_when_it_returns() {
    if let Some(reason) = skip_reason() {
        eprintln!("{reason}");
        return;
    }
    // A cluster of its own: this test stops it.
    let cluster = std::sync::Arc::new(
        tokio::task::spawn_blocking(TestCluster::start)
            .await
            .expect("start ran")
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let url = cluster
        .create_database("failures")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = PostgresStore::connect(&url, 2)
        .await
        .expect("connect")
        .with_operation_timeout(Duration::from_secs(5));
    store
        .apply(vec![Write::InsertCode(code("before", "g"))], NOW)
        .await
        .expect("insert while up");

    let c = cluster.clone();
    blocking(move || c.stop()).await;

    let e = store
        .apply(vec![Write::ConsumeCodeIfUnused(h("before"))], NOW)
        .await
        .expect_err("a write while the database is down fails, it is never Applied");
    assert_eq!(e.kind(), StoreErrorKind::Unavailable, "{e}");
    let e = store
        .answer(Need::Code(h("before")), NOW)
        .await
        .expect_err("a lookup while the database is down fails");
    assert_eq!(e.kind(), StoreErrorKind::Unavailable, "{e}");
    let e = store.sweep(NOW).await.expect_err("so does the sweep");
    assert_eq!(e.kind(), StoreErrorKind::Unavailable, "{e}");

    let c = cluster.clone();
    blocking(move || c.start_again()).await;

    // The pool drops its closed connections and makes new ones: the same store works again
    // within a bounded number of tries, with the data written before the stop.
    let mut answer = None;
    for _ in 0..100 {
        match store.answer(Need::Code(h("before")), NOW).await {
            Ok(a) => {
                answer = Some(a);
                break;
            }
            Err(e) => {
                assert_eq!(e.kind(), StoreErrorKind::Unavailable, "{e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    match answer {
        Some(Answer::Code(Some(c))) => assert!(!c.used, "the failed consume changed nothing"),
        other => panic!("no recovery, or the code was lost: {other:?}"),
    }
    assert_eq!(
        store
            .apply(vec![Write::ConsumeCodeIfUnused(h("before"))], NOW)
            .await
            .expect("a write after recovery"),
        vec![WriteOutcome::Applied]
    );
}
