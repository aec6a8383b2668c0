//! What the PostgreSQL tests share: the cluster (or the reason to skip), fresh databases,
//! and records to write.

#![allow(dead_code)] // Each test file uses a part.

use std::sync::Arc;
use std::time::Instant;

use authcore_jose::UnixTime;
use authcore_server::model::{
    AuthorizationCodeRecord, DeviceCodeRecord, DeviceCodeStatus, GrantId, GrantRecord, TokenHash,
    TokenKind, TokenRecord,
};
use authcore_store_postgres::PostgresStore;
use authcore_store_postgres::test_cluster::{TestCluster, skip_test};

pub const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// The shared cluster, or `None` (with the reason printed) when the PostgreSQL tests are
/// skipped. A cluster that cannot be started fails the test.
pub fn cluster() -> Option<Arc<TestCluster>> {
    if skip_test(std::thread::current().name().unwrap_or("a PostgreSQL test")) {
        return None;
    }
    Some(TestCluster::shared().unwrap_or_else(|e| panic!("the test cluster: {e}")))
}

/// A store on a fresh database of `cluster`.
pub async fn fresh_store(cluster: &TestCluster, name: &str, pool_size: usize) -> PostgresStore {
    let url = cluster
        .create_database(name)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    PostgresStore::connect(&url, pool_size)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

pub fn h(s: &str) -> TokenHash {
    TokenHash::from_stored(format!("k1.{s}"))
}

pub fn grant(id: &str) -> GrantRecord {
    GrantRecord::new(
        GrantId(id.into()),
        "client",
        "user",
        vec!["read".into()],
        vec![],
        NOW,
    )
}

pub fn code(handle: &str, grant: &str) -> AuthorizationCodeRecord {
    AuthorizationCodeRecord {
        handle: h(handle),
        grant_id: GrantId(grant.into()),
        client_id: "client".into(),
        redirect_uri: Some("https://app.example/cb".into()),
        code_challenge: None,
        scopes: vec!["read".into()],
        resources: vec![],
        dpop_jkt: None,
        nonce: None,
        issued_at: NOW,
        expires_at: NOW.saturating_add(60),
        used: false,
    }
}

pub fn token(handle: &str, kind: TokenKind, grant: &str) -> TokenRecord {
    TokenRecord {
        handle: h(handle),
        kind,
        grant_id: GrantId(grant.into()),
        client_id: "client".into(),
        subject: "user".into(),
        scopes: vec!["read".into()],
        resources: vec![],
        cnf: None,
        issued_at: NOW,
        expires_at: Some(NOW.saturating_add(3600)),
        rotated: false,
        revoked: false,
        act: None,
    }
}

pub fn device_code(handle: &str) -> DeviceCodeRecord {
    DeviceCodeRecord {
        handle: h(handle),
        user_code_handle: h(&format!("user-{handle}")),
        client_id: "client".into(),
        scopes: vec!["read".into()],
        resources: vec![],
        issued_at: NOW,
        expires_at: NOW.saturating_add(600),
        interval: 5,
        last_polled_at: None,
        failed_attempts: 0,
        status: DeviceCodeStatus::Pending,
    }
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
