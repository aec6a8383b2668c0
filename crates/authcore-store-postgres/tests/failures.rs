//! The store when the database is not there: unreachable at connect, stopped while in use,
//! and back again. Failures are `Unavailable` errors (never a panic, never `Applied`), and
//! the same store works again once the database returns.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use authcore_hyper::{ProviderStore, StoreErrorKind};
use authcore_server::model::TokenKind;
use authcore_server::{Answer, Need, Write, WriteOutcome};
use authcore_store_postgres::PostgresStore;
use support::{NOW, code, h, later, token};

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
    // A cluster of its own: this test stops it.
    let Some(cluster) = support::own_cluster().await else {
        return;
    };
    let url = support::database(&cluster, "failures").await;
    let store = PostgresStore::connect(&url, 2)
        .await
        .expect("connect")
        .with_operation_timeout(Duration::from_secs(5));
    store
        .apply(vec![Write::InsertCode(code("before", "g", later(60)))], NOW)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_during_a_database_restart_are_applied_and_kept_or_reported_unavailable() {
    let Some(cluster) = support::own_cluster().await else {
        return;
    };
    let url = support::database(&cluster, "restart_load").await;
    let store = PostgresStore::connect(&url, 2)
        .await
        .expect("connect")
        .with_operation_timeout(Duration::from_secs(5));

    // A writer that keeps storing codes while the database is stopped and started under it,
    // recording what each write was told. Bounded in count; the test ends it earlier once
    // writes succeed again after the restart.
    const MAX_WRITES: usize = 20_000;
    let successes = Arc::new(AtomicUsize::new(0));
    let finish = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, successes, finish) = (store.clone(), successes.clone(), finish.clone());
        tokio::spawn(async move {
            let mut told = Vec::new();
            for i in 0..MAX_WRITES {
                if finish.load(Ordering::Relaxed) {
                    break;
                }
                let result = store
                    .apply(
                        vec![Write::InsertCode(code(
                            &format!("load-{i}"),
                            "g",
                            later(60),
                        ))],
                        NOW,
                    )
                    .await;
                if result.is_ok() {
                    successes.fetch_add(1, Ordering::Relaxed);
                } else {
                    // Do not run through the bound while the database is down.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                told.push(result);
            }
            told
        })
    };
    let wait_for_successes = |at_least: usize| {
        let successes = successes.clone();
        async move {
            for _ in 0..600 {
                if successes.load(Ordering::Relaxed) >= at_least {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("fewer than {at_least} writes succeeded");
        }
    };
    wait_for_successes(20).await;
    let c = cluster.clone();
    blocking(move || c.stop()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = cluster.clone();
    blocking(move || c.start_again()).await;
    let before_restart = successes.load(Ordering::Relaxed);
    wait_for_successes(before_restart + 20).await;
    finish.store(true, Ordering::Relaxed);
    let told = writer.await.expect("the writer");

    let mut applied = 0;
    let mut unavailable = 0;
    for (i, result) in told.iter().enumerate() {
        match result {
            Ok(outcomes) => {
                assert_eq!(outcomes, &[WriteOutcome::Applied], "write {i}");
                applied += 1;
                // Everything reported applied is there after the restart.
                let mut found = None;
                for _ in 0..50 {
                    match store.answer(Need::Code(h(&format!("load-{i}"))), NOW).await {
                        Ok(answer) => {
                            found = Some(answer);
                            break;
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                }
                assert!(
                    matches!(found, Some(Answer::Code(Some(_)))),
                    "write {i} was reported applied but is missing: {found:?}"
                );
            }
            Err(e) => {
                assert_eq!(e.kind(), StoreErrorKind::Unavailable, "write {i}: {e}");
                unavailable += 1;
            }
        }
    }
    eprintln!("restart under load: {applied} writes applied and kept, {unavailable} unavailable");
    assert!(unavailable > 0, "the database went down under the writer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_aborted_as_a_deadlock_runs_again_and_applies() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let url = support::database(&cluster, "deadlock").await;
    let store = PostgresStore::connect(&url, 2).await.expect("connect");
    store
        .apply(
            vec![
                Write::InsertToken(token("x", TokenKind::Access, "g", Some(later(3600)))),
                Write::InsertToken(token("y", TokenKind::Access, "g", Some(later(3600)))),
            ],
            NOW,
        )
        .await
        .expect("insert");

    // Another session locks y, waits for the batch to hold x and wait for y, then asks for
    // x: a deadlock. Its own deadlock check is set late, so PostgreSQL aborts the batch's
    // transaction (SQLSTATE 40P01), and the store runs the batch again.
    let (mut other, driver) = support::sql_session(&url).await;
    let tx = other.transaction().await.expect("begin");
    tx.batch_execute(
        "SET LOCAL deadlock_timeout = '60s'; \
         UPDATE tokens SET revoked = true WHERE handle = 'k1.y'",
    )
    .await
    .expect("lock y");
    let batch = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .apply(
                    vec![Write::RevokeToken(h("x")), Write::RevokeToken(h("y"))],
                    NOW,
                )
                .await
        })
    };
    let mut waiting = false;
    for _ in 0..200 {
        let row = tx
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .expect("activity");
        if row.get::<_, i64>(0) > 0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(waiting, "the batch waits for y");
    tx.batch_execute("UPDATE tokens SET revoked = true WHERE handle = 'k1.x'")
        .await
        .expect("x, once the batch's first run is aborted");
    tx.commit().await.expect("commit");
    let outcomes = batch
        .await
        .expect("the batch task")
        .expect("the batch ran again and applied");
    assert_eq!(outcomes, vec![WriteOutcome::Applied, WriteOutcome::Applied]);

    // The statistics confirm the deadlock happened (they are flushed shortly after).
    let mut deadlocks = 0;
    for _ in 0..50 {
        deadlocks = other
            .query_one(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
                &[],
            )
            .await
            .expect("stats")
            .get::<_, i64>(0);
        if deadlocks > 0 {
            break;
        }
        other
            .batch_execute("SELECT pg_stat_clear_snapshot()")
            .await
            .expect("fresh statistics");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        deadlocks > 0,
        "the batch's first run was aborted as a deadlock"
    );
    drop(other);
    let _ = driver.await;
}
