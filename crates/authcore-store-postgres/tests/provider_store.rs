//! The adapter's own records (sessions, accounts, consents, signing keys), the sweep, batch
//! semantics and the migrations, on a real PostgreSQL cluster.

mod support;

use authcore_hyper::{ConsentRecord, ProviderStore, StoreErrorKind};
use authcore_server::model::{GrantId, TokenKind};
use authcore_server::{Answer, Need, Write, WriteOutcome};
use authcore_store_postgres::{PostgresStore, SCHEMA_VERSION};
use support::{NOW, account, code, fresh_store, grant, h, later, session, token};

#[tokio::test]
async fn sessions_are_stored_found_until_they_expire_and_ended_by_sid() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let store = fresh_store(&cluster, "sessions", 2).await;
    let s = session("cookie-hash-1", "sid-1", later(60));
    store.put_session(s.clone()).await.expect("put");
    assert_eq!(
        store
            .session("cookie-hash-1".into(), NOW)
            .await
            .expect("get"),
        Some(s.clone())
    );
    assert_eq!(
        store
            .session("cookie-hash-1".into(), NOW.saturating_add(60))
            .await
            .expect("get"),
        None,
        "an expired session is not found"
    );
    assert_eq!(
        store.session("nobody".into(), NOW).await.expect("get"),
        None
    );
    // RP-Initiated Logout: ending the sid removes the session at every instance.
    assert_eq!(
        store
            .apply(vec![Write::EndSession("sid-1".into())], NOW)
            .await
            .expect("end"),
        vec![WriteOutcome::Applied]
    );
    assert_eq!(
        store
            .session("cookie-hash-1".into(), NOW)
            .await
            .expect("get"),
        None
    );
    store
        .put_session(session("cookie-hash-2", "sid-2", later(60)))
        .await
        .expect("put");
    store
        .remove_session("cookie-hash-2".into())
        .await
        .expect("remove");
    assert_eq!(
        store
            .session("cookie-hash-2".into(), NOW)
            .await
            .expect("get"),
        None
    );
}

#[tokio::test]
async fn accounts_are_unique_by_subject_and_by_username() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let store = fresh_store(&cluster, "accounts", 2).await;
    let alice = account("sub-alice", "alice");
    store.put_account(alice.clone()).await.expect("put");
    assert_eq!(
        store
            .account_by_username("alice".into())
            .await
            .expect("get"),
        Some(alice.clone())
    );
    assert_eq!(
        store
            .account_by_subject("sub-alice".into())
            .await
            .expect("get"),
        Some(alice.clone())
    );
    // Replacing by subject may rename.
    let renamed = account("sub-alice", "alice2");
    store.put_account(renamed.clone()).await.expect("replace");
    assert_eq!(
        store
            .account_by_username("alice".into())
            .await
            .expect("get"),
        None
    );
    assert_eq!(
        store
            .account_by_subject("sub-alice".into())
            .await
            .expect("get"),
        Some(renamed)
    );
    let e = store
        .put_account(account("sub-mallory", "alice2"))
        .await
        .expect_err("a username held by another subject");
    assert_eq!(e.kind(), StoreErrorKind::Conflict);
    assert_eq!(
        store
            .account_by_subject("sub-mallory".into())
            .await
            .expect("get"),
        None
    );
}

#[tokio::test]
async fn consents_are_stored_per_subject_and_client() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let store = fresh_store(&cluster, "consents", 2).await;
    let consent = ConsentRecord {
        subject: "user".into(),
        client_id: "client".into(),
        scopes: vec!["openid".into(), "profile".into()],
        claims: vec!["email".into()],
        granted_at: NOW.as_secs(),
    };
    store.put_consent(consent.clone()).await.expect("put");
    assert_eq!(
        store
            .consent("user".into(), "client".into())
            .await
            .expect("get"),
        Some(consent.clone())
    );
    assert_eq!(
        store
            .consent("user".into(), "other".into())
            .await
            .expect("get"),
        None
    );
    let mut wider = consent;
    wider.scopes.push("offline_access".into());
    store.put_consent(wider.clone()).await.expect("replace");
    assert_eq!(
        store
            .consent("user".into(), "client".into())
            .await
            .expect("get"),
        Some(wider)
    );
}

#[tokio::test]
async fn signing_keys_are_replaced_by_compare_and_set() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let store = fresh_store(&cluster, "keys", 2).await;
    assert_eq!(store.keys().await.expect("get"), None);
    assert!(
        !store.replace_keys(Some(1), "{}".into()).await.expect("cas"),
        "no version 1 yet"
    );
    assert!(
        store
            .replace_keys(None, "{\"v\":1}".into())
            .await
            .expect("first")
    );
    assert!(
        !store
            .replace_keys(None, "{\"v\":\"other\"}".into())
            .await
            .expect("second first"),
        "only one instance stores the first keys"
    );
    let keys = store.keys().await.expect("get").expect("stored");
    assert_eq!((keys.version, keys.document.as_str()), (1, "{\"v\":1}"));
    assert!(
        store
            .replace_keys(Some(1), "{\"v\":2}".into())
            .await
            .expect("rotate")
    );
    assert!(
        !store
            .replace_keys(Some(1), "{\"v\":\"stale\"}".into())
            .await
            .expect("stale"),
        "a rotation from a stale version loses"
    );
    let keys = store.keys().await.expect("get").expect("stored");
    assert_eq!((keys.version, keys.document.as_str()), (2, "{\"v\":2}"));
}

#[tokio::test]
async fn a_batch_stops_at_its_first_conflict() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let store = fresh_store(&cluster, "batch", 2).await;
    let outcomes = store
        .apply(
            vec![
                Write::InsertCode(code("c1", "g", later(60))),
                Write::ConsumeCodeIfUnused(h("c1")),
                Write::ConsumeCodeIfUnused(h("c1")),
                Write::InsertToken(token(
                    "after-conflict",
                    TokenKind::Access,
                    "g",
                    Some(later(3600)),
                )),
            ],
            NOW,
        )
        .await
        .expect("apply");
    assert_eq!(
        outcomes,
        vec![
            WriteOutcome::Applied,
            WriteOutcome::Applied,
            WriteOutcome::Conflict
        ]
    );
    assert_eq!(
        store
            .answer(Need::AccessToken(h("after-conflict")), NOW)
            .await
            .expect("get"),
        Answer::Token(None),
        "nothing after the conflict is written"
    );
    assert!(
        matches!(store.answer(Need::Code(h("c1")), NOW).await, Ok(Answer::Code(Some(c))) if c.used),
        "what came before the conflict is kept"
    );
}

#[tokio::test]
async fn the_sweep_deletes_what_expired_keeps_the_rest_and_is_idempotent() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let store = fresh_store(&cluster, "sweep", 2).await;
    let never_expires = token("rt-forever", TokenKind::Refresh, "g-live", None);
    store
        .apply(
            vec![
                Write::InsertGrant(grant("g-live", NOW)),
                Write::InsertGrant(grant("g-orphan", NOW)),
                Write::InsertCode(code("expiring", "g-orphan", later(60))),
                Write::InsertToken(token(
                    "at-expiring",
                    TokenKind::Access,
                    "g-orphan",
                    Some(later(3600)),
                )),
                Write::InsertToken(never_expires),
                Write::InsertIfAbsent {
                    key: "jti-old".into(),
                    expires_at: NOW.saturating_add(10),
                },
            ],
            NOW,
        )
        .await
        .expect("insert");
    store
        .put_session(session("s-old", "sid-old", later(10)))
        .await
        .expect("session");
    assert_eq!(
        store.sweep(NOW).await.expect("sweep"),
        0,
        "nothing expired yet"
    );

    // A day and an hour later: the code, the access token, the replay key and the session
    // have expired; the grant they belonged to has nothing left and is old enough to go.
    let later = NOW.saturating_add(25 * 3600);
    assert_eq!(store.sweep(later).await.expect("sweep"), 5);
    assert_eq!(store.sweep(later).await.expect("again"), 0, "idempotent");
    assert_eq!(
        store
            .answer(Need::Code(h("expiring")), later)
            .await
            .expect("get"),
        Answer::Code(None)
    );
    assert_eq!(
        store
            .answer(Need::Grant(GrantId("g-orphan".into())), later)
            .await
            .expect("get"),
        Answer::Grant(None)
    );
    assert!(
        matches!(
            store
                .answer(Need::Grant(GrantId("g-live".into())), later)
                .await,
            Ok(Answer::Grant(Some(_)))
        ),
        "a grant with a live token stays"
    );
    assert!(matches!(
        store
            .answer(Need::RefreshToken(h("rt-forever")), later)
            .await,
        Ok(Answer::Token(Some(_)))
    ));
}

#[tokio::test]
async fn instances_sweeping_at_once_delete_each_record_once() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let url = support::database(&cluster, "sweep_race").await;
    let a = PostgresStore::connect(&url, 2).await.expect("a");
    let b = PostgresStore::connect(&url, 2).await.expect("b");
    let writes = (0..200)
        .map(|i| Write::InsertIfAbsent {
            key: format!("jti-{i}"),
            expires_at: NOW.saturating_add(1),
        })
        .collect();
    a.apply(writes, NOW).await.expect("insert");
    let later = NOW.saturating_add(2);
    let (da, db) = tokio::join!(a.sweep(later), b.sweep(later));
    assert_eq!(da.expect("a") + db.expect("b"), 200);
}

#[tokio::test]
async fn migrations_are_versioned_idempotent_and_shared_by_instances() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let url = support::database(&cluster, "migrations").await;
    // Two instances starting at once on an empty database: both come up, one migrates.
    let (a, b) = tokio::join!(
        PostgresStore::connect(&url, 1),
        PostgresStore::connect(&url, 1)
    );
    let (a, _b) = (a.expect("a"), b.expect("b"));
    assert_eq!(a.schema_version().await.expect("version"), SCHEMA_VERSION);
    assert_eq!(a.migrate().await.expect("again"), SCHEMA_VERSION);

    // A database at version 1 (as the first release left it: no expiry indexes) is brought
    // to the current version with its rows kept.
    let (client, driver) = support::sql_session(&url).await;
    a.apply(
        vec![Write::InsertCode(code("v1-code", "g", later(60)))],
        NOW,
    )
    .await
    .expect("a row");
    client
        .batch_execute(
            "DROP INDEX codes_expires_at, tokens_expires_at, device_codes_expires_at, \
             pushed_requests_expires_at, interactions_expires_at, replay_keys_expires_at, \
             sessions_expires_at; UPDATE schema_version SET version = 1",
        )
        .await
        .expect("back to version 1");
    let upgraded = PostgresStore::connect(&url, 1).await.expect("upgrade");
    assert_eq!(
        upgraded.schema_version().await.expect("version"),
        SCHEMA_VERSION
    );
    let indexes: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_expires_at'",
            &[],
        )
        .await
        .expect("indexes")
        .get(0);
    assert_eq!(indexes, 7, "version 2's expiry indexes exist again");
    assert!(matches!(
        upgraded.answer(Need::Code(h("v1-code")), NOW).await,
        Ok(Answer::Code(Some(_)))
    ));

    // A database from a newer build is refused, not written with older rules.
    client
        .execute(
            "UPDATE schema_version SET version = $1",
            &[&i64::from(SCHEMA_VERSION + 1)],
        )
        .await
        .expect("a newer version");
    drop(client);
    let _ = driver.await;
    let e = PostgresStore::connect(&url, 1)
        .await
        .expect_err("a newer schema");
    assert_eq!(e.kind(), StoreErrorKind::Corrupt);
    assert!(e.message().contains("newer"), "{}", e.message());
}

#[tokio::test]
async fn an_unreadable_row_is_corrupt_not_a_panic_nor_a_record() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let url = support::database(&cluster, "corrupt").await;
    let store = PostgresStore::connect(&url, 1).await.expect("connect");
    store
        .apply(vec![Write::InsertCode(code("cut", "g", later(60)))], NOW)
        .await
        .expect("insert");
    let (client, driver) = support::sql_session(&url).await;
    client
        .batch_execute(
            "UPDATE codes SET body = left(body, 20) WHERE handle = 'k1.cut'; \
             INSERT INTO device_codes (handle, user_code_handle, expires_at, interval_secs, \
             failed_attempts, status, approved_grant, body) \
             SELECT 'k1.dev', 'k1.user', 0, 5, 0, 'approved', NULL, '{}'",
        )
        .await
        .expect("damage two rows");
    drop(client);
    let _ = driver.await;
    let e = store
        .answer(Need::Code(h("cut")), NOW)
        .await
        .expect_err("a cut body");
    assert_eq!(e.kind(), StoreErrorKind::Corrupt);
    assert!(e.message().contains("codes"), "{}", e.message());
    let e = store
        .answer(Need::DeviceCode(h("dev")), NOW)
        .await
        .expect_err("an approved status without its grant, and a body missing members");
    assert_eq!(e.kind(), StoreErrorKind::Corrupt);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_past_its_deadline_is_unavailable_and_writes_nothing() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let url = support::database(&cluster, "deadline").await;
    let store = PostgresStore::connect(&url, 2)
        .await
        .expect("connect")
        .with_operation_timeout(std::time::Duration::from_millis(300));
    store
        .apply(vec![Write::InsertCode(code("held", "g", later(60)))], NOW)
        .await
        .expect("insert");
    // Another session holds the code's row lock past the store's deadline.
    let (mut other, driver) = support::sql_session(&url).await;
    let tx = other.transaction().await.expect("begin");
    tx.execute(
        "SELECT 1 FROM codes WHERE handle = 'k1.held' FOR UPDATE",
        &[],
    )
    .await
    .expect("lock");
    let e = store
        .apply(vec![Write::ConsumeCodeIfUnused(h("held"))], NOW)
        .await
        .expect_err("the lock outlasts the deadline");
    assert_eq!(e.kind(), StoreErrorKind::Unavailable);
    assert!(e.message().contains("within"), "{}", e.message());
    tx.rollback().await.expect("release");
    drop(other);
    let _ = driver.await;
    // The abandoned transaction was rolled back: the code is still unused, and the next
    // consumer (on a connection the pool may reuse) wins.
    let store = store.with_operation_timeout(std::time::Duration::from_secs(10));
    assert!(
        matches!(store.answer(Need::Code(h("held")), NOW).await, Ok(Answer::Code(Some(c))) if !c.used),
        "a write past its deadline changed nothing"
    );
    assert_eq!(
        store
            .apply(vec![Write::ConsumeCodeIfUnused(h("held"))], NOW)
            .await
            .expect("consume"),
        vec![WriteOutcome::Applied]
    );
}
