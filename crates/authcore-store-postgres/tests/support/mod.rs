//! What the PostgreSQL tests share: the cluster (or the reason to skip), fresh databases,
//! and the store contract's record fixtures to write (authcore-hyper's `test_support`, shared
//! with the SQLite store's tests).

#![allow(dead_code)] // Each test file uses a part.

use std::sync::Arc;
use std::time::Instant;

use authcore_store_postgres::PostgresStore;
use authcore_store_postgres::test_cluster::{TestCluster, skip_test};

#[allow(unused_imports)] // Each test file uses a part.
pub use authcore_hyper::test_support::{
    NOW, account, code, device_code, grant, handle as h, later, session, token,
};

/// The shared cluster, or `None` (with the reason printed) when the PostgreSQL tests are
/// skipped. A cluster that cannot be started fails the test.
pub fn cluster() -> Option<Arc<TestCluster>> {
    if skip_test(std::thread::current().name().unwrap_or("a PostgreSQL test")) {
        return None;
    }
    Some(TestCluster::shared().unwrap_or_else(|e| panic!("the test cluster: {e}")))
}

/// A cluster of the test's own (for a test that stops it), or `None` (with the reason
/// printed) when the PostgreSQL tests are skipped.
pub async fn own_cluster() -> Option<Arc<TestCluster>> {
    if skip_test(std::thread::current().name().unwrap_or("a PostgreSQL test")) {
        return None;
    }
    Some(Arc::new(
        tokio::task::spawn_blocking(TestCluster::start)
            .await
            .expect("start ran")
            .unwrap_or_else(|e| panic!("{e}")),
    ))
}

/// The URL of a fresh database `name` of `cluster`.
pub async fn database(cluster: &TestCluster, name: &str) -> String {
    cluster
        .create_database(name)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A plain SQL session on `url` beside the store (to damage rows, hold locks, read
/// statistics), and the task driving its connection (await it after dropping the client).
pub async fn sql_session(
    url: &str,
) -> (
    tokio_postgres::Client,
    tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>,
) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    (client, tokio::spawn(connection))
}

/// A store on a fresh database of `cluster`.
pub async fn fresh_store(cluster: &TestCluster, name: &str, pool_size: usize) -> PostgresStore {
    let url = database(cluster, name).await;
    PostgresStore::connect(&url, pool_size)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

/// The start of a measured race: the one clock read of these tests, for the rate they
/// report (the store itself takes `now` as an argument). Nothing asserts on time.
#[allow(clippy::disallowed_methods)]
pub fn stopwatch() -> Instant {
    Instant::now()
}

/// Prints a race's rate, for the README's figures (`-- --nocapture` shows it).
pub fn report(rounds: usize, race: &str, started: Instant) {
    let elapsed = started.elapsed();
    eprintln!(
        "race {race}: {rounds} rounds in {elapsed:.2?} ({:.0} rounds/s)",
        rounds as f64 / elapsed.as_secs_f64()
    );
}
