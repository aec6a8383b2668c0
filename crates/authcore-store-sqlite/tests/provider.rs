//! The adapter's contract (`authcore_hyper::ProviderStore`) on SQLite: every method, the
//! conflict and negative cases, batches, the sweep, unreadable rows, and the conditional
//! writes raced from 8 threads on 8 connections to one file.

mod common;

use std::sync::{Arc, Barrier};

use authcore_hyper::{ConsentRecord, ProviderStore, StoreErrorKind};
use authcore_jose::UnixTime;
use authcore_server::model::{DeviceCodeStatus, GrantId, TokenKind};
use authcore_server::{Answer, Need, PasswordCheck, Write, WriteOutcome};
use authcore_store_sqlite::SqliteStore;
use common::{
    NOW, TempDir, account, code, device_code, grant, h, interaction, later, pushed, session, token,
};
use rusqlite::Connection;

use WriteOutcome::{Applied, Conflict};

#[tokio::test]
async fn records_written_in_a_batch_read_back_through_answer() {
    let store = SqliteStore::open_in_memory().unwrap();
    let g = grant("g1", NOW);
    let c = code("c1", "g1", later(60));
    let at = token("at1", TokenKind::Access, "g1", Some(later(3600)));
    let rt = token("rt1", TokenKind::Refresh, "g1", None);
    let d = device_code("d1", later(600));
    let p = pushed("p1", later(90));
    let x = interaction("x1", later(600));
    let outcomes = store
        .apply(
            vec![
                Write::InsertGrant(g.clone()),
                Write::InsertCode(c.clone()),
                Write::InsertToken(at.clone()),
                Write::InsertToken(rt.clone()),
                Write::InsertDeviceCode(d.clone()),
                Write::InsertPushedRequest(p.clone()),
                Write::InsertInteraction(x.clone()),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(outcomes, vec![Applied; 7]);
    let ask = |need: Need| ProviderStore::answer(&store, need, NOW);
    assert_eq!(
        ask(Need::Grant(GrantId("g1".into()))).await.unwrap(),
        Answer::Grant(Some(g))
    );
    assert_eq!(
        ask(Need::Code(h("c1"))).await.unwrap(),
        Answer::Code(Some(c))
    );
    assert_eq!(
        ask(Need::AccessToken(h("at1"))).await.unwrap(),
        Answer::Token(Some(at))
    );
    assert_eq!(
        ask(Need::RefreshToken(h("rt1"))).await.unwrap(),
        Answer::Token(Some(rt))
    );
    assert_eq!(
        ask(Need::RefreshToken(h("at1"))).await.unwrap(),
        Answer::Token(None),
        "an access token is not a refresh token"
    );
    assert_eq!(
        ask(Need::DeviceCodeByUserCode(h("user-d1"))).await.unwrap(),
        Answer::DeviceCode(Some(d))
    );
    assert_eq!(
        ask(Need::PushedRequest(h("p1"))).await.unwrap(),
        Answer::PushedRequest(Some(p))
    );
    assert_eq!(
        ask(Need::Interaction(h("x1"))).await.unwrap(),
        Answer::Interaction(Some(x))
    );
    // The needs that are the adapter's business are answered "nothing" by a store.
    assert_eq!(
        ask(Need::Fetch("https://client.example/jwks".into()))
            .await
            .unwrap(),
        Answer::Fetched(None)
    );
    assert_eq!(
        ask(Need::ResourceOwnerPassword(PasswordCheck {
            username: "alice".into(),
            password: "wonderland".into(),
        }))
        .await
        .unwrap(),
        Answer::Subject(None)
    );
}

#[tokio::test]
async fn a_batch_stops_at_its_first_conflict_and_keeps_what_came_before() {
    let store = SqliteStore::open_in_memory().unwrap();
    store
        .apply(
            vec![
                Write::InsertGrant(grant("g1", NOW)),
                Write::InsertCode(code("c1", "g1", later(60))),
                Write::ConsumeCodeIfUnused(h("c1")),
            ],
            NOW,
        )
        .await
        .unwrap();
    let outcomes = store
        .apply(
            vec![
                Write::InsertToken(token("before", TokenKind::Access, "g1", None)),
                Write::ConsumeCodeIfUnused(h("c1")),
                Write::InsertToken(token("after", TokenKind::Access, "g1", None)),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(outcomes, vec![Applied, Conflict]);
    let ask = |n: &str| ProviderStore::answer(&store, Need::AccessToken(h(n)), NOW);
    assert!(matches!(
        ask("before").await.unwrap(),
        Answer::Token(Some(_))
    ));
    assert_eq!(ask("after").await.unwrap(), Answer::Token(None));
    // An empty batch is a successful no-op.
    assert!(store.apply(vec![], NOW).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_rotation_whose_successor_cannot_be_stored_leaves_the_current_token_current() {
    let store = SqliteStore::open_in_memory().unwrap();
    let rt = token("rt", TokenKind::Refresh, "g1", None);
    let taken = token("taken", TokenKind::Refresh, "g1", None);
    store
        .apply(
            vec![
                Write::InsertToken(rt.clone()),
                Write::InsertToken(taken.clone()),
            ],
            NOW,
        )
        .await
        .unwrap();
    // The successor's handle is already stored: the rotation conflicts and is undone whole.
    let outcomes = store
        .apply(
            vec![Write::RotateRefreshIfCurrent {
                current: h("rt"),
                replacement: taken,
            }],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(outcomes, vec![Conflict]);
    assert_eq!(
        ProviderStore::answer(&store, Need::RefreshToken(h("rt")), NOW)
            .await
            .unwrap(),
        Answer::Token(Some(rt)),
        "the presented token is not marked rotated"
    );
    // A second insert under a stored handle is a conflict, never an overwrite.
    let mut used = code("c", "g1", later(60));
    store
        .apply(vec![Write::InsertCode(used.clone())], NOW)
        .await
        .unwrap();
    store
        .apply(vec![Write::ConsumeCodeIfUnused(h("c"))], NOW)
        .await
        .unwrap();
    let fresh = code("c", "g1", later(60));
    assert_eq!(
        store
            .apply(vec![Write::InsertCode(fresh)], NOW)
            .await
            .unwrap(),
        vec![Conflict]
    );
    used.used = true;
    assert_eq!(
        ProviderStore::answer(&store, Need::Code(h("c")), NOW)
            .await
            .unwrap(),
        Answer::Code(Some(used)),
        "a used code cannot be reset by inserting it again"
    );
}

#[tokio::test]
async fn device_polls_and_failed_entries_update_the_record() {
    let store = SqliteStore::open_in_memory().unwrap();
    let mut d = device_code("d", later(600));
    store
        .apply(vec![Write::InsertDeviceCode(d.clone())], NOW)
        .await
        .unwrap();
    let outcomes = store
        .apply(
            vec![
                Write::RecordDevicePoll {
                    handle: h("d"),
                    at: later(5),
                    interval: 10,
                },
                Write::RecordFailedUserCode(h("d")),
                Write::RecordFailedUserCode(h("d")),
                Write::DecideDeviceCodeIfPending {
                    handle: h("d"),
                    decision: DeviceCodeStatus::Approved(GrantId("g9".into())),
                },
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(outcomes, vec![Applied; 4]);
    d.last_polled_at = Some(later(5));
    d.interval = 10;
    d.failed_attempts = 2;
    d.status = DeviceCodeStatus::Approved(GrantId("g9".into()));
    assert_eq!(
        ProviderStore::answer(&store, Need::DeviceCode(h("d")), NOW)
            .await
            .unwrap(),
        Answer::DeviceCode(Some(d.clone()))
    );
    assert_eq!(
        store
            .apply(
                vec![Write::DecideDeviceCodeIfPending {
                    handle: h("d"),
                    decision: DeviceCodeStatus::Denied,
                }],
                NOW
            )
            .await
            .unwrap(),
        vec![Conflict],
        "a decided device code cannot be decided again"
    );
    assert_eq!(
        store
            .apply(vec![Write::ConsumeDeviceCodeIfApproved(h("d"))], NOW)
            .await
            .unwrap(),
        vec![Applied]
    );
    d.status = DeviceCodeStatus::Consumed;
    assert_eq!(
        ProviderStore::answer(&store, Need::DeviceCode(h("d")), NOW)
            .await
            .unwrap(),
        Answer::DeviceCode(Some(d))
    );
}

#[tokio::test]
async fn sessions_are_kept_until_they_expire_and_end_by_id_or_sid() {
    let store = SqliteStore::open_in_memory().unwrap();
    let a = session("cookie-a", "sid-1", later(3600));
    let b = session("cookie-b", "sid-1", later(3600));
    let c = session("cookie-c", "sid-2", later(3600));
    for s in [&a, &b, &c] {
        store.put_session(s.clone()).await.unwrap();
    }
    assert_eq!(
        store.session("cookie-a".into(), NOW).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.session("cookie-z".into(), NOW).await.unwrap(), None);
    assert_eq!(
        store.session("cookie-a".into(), later(3600)).await.unwrap(),
        None,
        "a session is not returned at or after its expiry"
    );
    // put_session replaces.
    let mut a2 = a.clone();
    a2.session.clients.push("other".into());
    store.put_session(a2.clone()).await.unwrap();
    assert_eq!(
        store.session("cookie-a".into(), NOW).await.unwrap(),
        Some(a2)
    );
    store.remove_session("cookie-c".into()).await.unwrap();
    assert_eq!(store.session("cookie-c".into(), NOW).await.unwrap(), None);
    // Removing what is absent is fine.
    store.remove_session("cookie-c".into()).await.unwrap();
    // RP-Initiated Logout: every session with the sid ends.
    store.put_session(c.clone()).await.unwrap();
    assert_eq!(
        store
            .apply(vec![Write::EndSession("sid-1".into())], NOW)
            .await
            .unwrap(),
        vec![Applied]
    );
    assert_eq!(store.session("cookie-a".into(), NOW).await.unwrap(), None);
    assert_eq!(store.session("cookie-b".into(), NOW).await.unwrap(), None);
    assert_eq!(
        store.session("cookie-c".into(), NOW).await.unwrap(),
        Some(c)
    );
}

#[tokio::test]
async fn accounts_are_unique_by_subject_and_by_username() {
    let store = SqliteStore::open_in_memory().unwrap();
    let alice = account("sub-alice", "alice");
    store.put_account(alice.clone()).await.unwrap();
    store.put_account(account("sub-bob", "bob")).await.unwrap();
    assert_eq!(
        store.account_by_username("alice".into()).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store.account_by_subject("sub-alice".into()).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store.account_by_username("carol".into()).await.unwrap(),
        None
    );
    assert_eq!(
        store.account_by_subject("sub-carol".into()).await.unwrap(),
        None
    );
    // The same subject may change its username and claims.
    let renamed = account("sub-alice", "alice2");
    store.put_account(renamed.clone()).await.unwrap();
    assert_eq!(
        store.account_by_username("alice".into()).await.unwrap(),
        None
    );
    assert_eq!(
        store.account_by_subject("sub-alice".into()).await.unwrap(),
        Some(renamed.clone())
    );
    // Another subject cannot take a held username; nothing changes.
    let thief = account("sub-mallory", "bob");
    let e = store.put_account(thief).await.unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Conflict, "{e}");
    assert_eq!(
        store
            .account_by_subject("sub-mallory".into())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .account_by_username("bob".into())
            .await
            .unwrap()
            .map(|a| a.subject),
        Some("sub-bob".into())
    );
    let e = store
        .put_account(account("sub-alice", "bob"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Conflict, "{e}");
    assert_eq!(
        store.account_by_subject("sub-alice".into()).await.unwrap(),
        Some(renamed)
    );
}

#[tokio::test]
async fn consents_are_per_subject_and_client_and_replaced() {
    let store = SqliteStore::open_in_memory().unwrap();
    let consent = ConsentRecord {
        subject: "alice".into(),
        client_id: "client".into(),
        scopes: vec!["openid".into(), "profile".into()],
        claims: vec!["email".into()],
        granted_at: NOW.as_secs(),
    };
    assert_eq!(
        store
            .consent("alice".into(), "client".into())
            .await
            .unwrap(),
        None
    );
    store.put_consent(consent.clone()).await.unwrap();
    assert_eq!(
        store
            .consent("alice".into(), "client".into())
            .await
            .unwrap(),
        Some(consent.clone())
    );
    assert_eq!(
        store.consent("alice".into(), "other".into()).await.unwrap(),
        None
    );
    assert_eq!(
        store.consent("bob".into(), "client".into()).await.unwrap(),
        None
    );
    let mut wider = consent;
    wider.scopes.push("offline_access".into());
    store.put_consent(wider.clone()).await.unwrap();
    assert_eq!(
        store
            .consent("alice".into(), "client".into())
            .await
            .unwrap(),
        Some(wider)
    );
}

#[tokio::test]
async fn signing_keys_are_replaced_by_compare_and_set() {
    let store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(store.keys().await.unwrap(), None);
    assert!(!store.replace_keys(Some(1), "x".into()).await.unwrap());
    assert!(store.replace_keys(None, "first".into()).await.unwrap());
    assert!(
        !store.replace_keys(None, "again".into()).await.unwrap(),
        "only one instance creates the keys"
    );
    let k = store.keys().await.unwrap().unwrap();
    assert_eq!((k.version, k.document.as_str()), (1, "first"));
    assert!(!store.replace_keys(Some(2), "ahead".into()).await.unwrap());
    assert!(!store.replace_keys(Some(0), "behind".into()).await.unwrap());
    assert!(
        !store
            .replace_keys(Some(u64::MAX), "x".into())
            .await
            .unwrap()
    );
    assert!(store.replace_keys(Some(1), "second".into()).await.unwrap());
    assert!(
        !store.replace_keys(Some(1), "stale".into()).await.unwrap(),
        "a stale version loses"
    );
    let k = store.keys().await.unwrap().unwrap();
    assert_eq!((k.version, k.document.as_str()), (2, "second"));
}

#[tokio::test]
async fn the_sweep_deletes_what_expired_and_keeps_what_lives() {
    let store = SqliteStore::open_in_memory().unwrap();
    let old = UnixTime::from_secs(NOW.as_secs() - 7200);
    store
        .apply(
            vec![
                // g-dead: everything under it expired.
                Write::InsertGrant(grant("g-dead", old)),
                Write::InsertCode(code("dead-code", "g-dead", NOW)),
                Write::InsertToken(token("dead-at", TokenKind::Access, "g-dead", Some(NOW))),
                // g-live: a live access token; g-refresh: a refresh token without expiry.
                Write::InsertGrant(grant("g-live", old)),
                Write::InsertToken(token(
                    "live-at",
                    TokenKind::Access,
                    "g-live",
                    Some(later(1)),
                )),
                Write::InsertCode(code("expired-code", "g-live", old)),
                Write::InsertGrant(grant("g-refresh", old)),
                Write::InsertToken(token("rt", TokenKind::Refresh, "g-refresh", None)),
                // g-new: nothing under it yet, but just made.
                Write::InsertGrant(grant("g-new", NOW)),
                Write::InsertDeviceCode(device_code("dead-dc", NOW)),
                Write::InsertDeviceCode(device_code("live-dc", later(1))),
                Write::InsertPushedRequest(pushed("dead-par", NOW)),
                Write::InsertPushedRequest(pushed("live-par", later(1))),
                Write::InsertInteraction(interaction("dead-x", NOW)),
                Write::InsertInteraction(interaction("live-x", later(1))),
                Write::InsertIfAbsent {
                    key: "dead-jti".into(),
                    expires_at: NOW,
                },
                Write::InsertIfAbsent {
                    key: "live-jti".into(),
                    expires_at: later(1),
                },
            ],
            old,
        )
        .await
        .unwrap();
    store
        .put_session(session("dead-session", "s1", NOW))
        .await
        .unwrap();
    store
        .put_session(session("live-session", "s2", later(1)))
        .await
        .unwrap();
    // dead-code, expired-code, dead-at, dead-dc, dead-par, dead-x, dead-jti, dead-session,
    // then g-dead.
    assert_eq!(store.sweep(NOW).await.unwrap(), 9);
    let ask = |need: Need| ProviderStore::answer(&store, need, old);
    let gone = |a: Answer| {
        matches!(
            a,
            Answer::Code(None)
                | Answer::Token(None)
                | Answer::Grant(None)
                | Answer::DeviceCode(None)
                | Answer::PushedRequest(None)
                | Answer::Interaction(None)
                | Answer::Seen(false)
        )
    };
    for need in [
        Need::Code(h("dead-code")),
        Need::Code(h("expired-code")),
        Need::AccessToken(h("dead-at")),
        Need::Grant(GrantId("g-dead".into())),
        Need::DeviceCode(h("dead-dc")),
        Need::PushedRequest(h("dead-par")),
        Need::Interaction(h("dead-x")),
        Need::ReplayCheck("dead-jti".into()),
    ] {
        assert!(gone(ask(need.clone()).await.unwrap()), "{need:?} was swept");
    }
    for need in [
        Need::AccessToken(h("live-at")),
        Need::RefreshToken(h("rt")),
        Need::Grant(GrantId("g-live".into())),
        Need::Grant(GrantId("g-refresh".into())),
        Need::Grant(GrantId("g-new".into())),
        Need::DeviceCode(h("live-dc")),
        Need::PushedRequest(h("live-par")),
        Need::Interaction(h("live-x")),
        Need::ReplayCheck("live-jti".into()),
    ] {
        assert!(!gone(ask(need.clone()).await.unwrap()), "{need:?} was kept");
    }
    assert!(
        store
            .session("live-session".into(), old)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .session("dead-session".into(), old)
            .await
            .unwrap()
            .is_none()
    );
    // A second sweep finds nothing more.
    assert_eq!(store.sweep(NOW).await.unwrap(), 0);
}

#[tokio::test]
async fn unreadable_rows_are_corrupt_errors_and_fail_closed_through_the_sync_store() {
    let dir = TempDir::new("corrupt");
    let store = SqliteStore::open(&dir.db()).unwrap();
    store
        .apply(
            vec![
                Write::InsertToken(token("rt", TokenKind::Refresh, "g1", None)),
                Write::InsertCode(code("c", "g1", later(60))),
            ],
            NOW,
        )
        .await
        .unwrap();
    store.put_account(account("sub-a", "a")).await.unwrap();
    store.replace_keys(None, "k".into()).await.unwrap();
    {
        let raw = Connection::open(dir.db()).unwrap();
        raw.execute_batch(
            "UPDATE tokens SET body = 'not json';
             UPDATE codes SET body = json_set(body, '$.expires_at', 'soon');
             UPDATE accounts SET body = json_remove(body, '$.username');
             UPDATE signing_keys SET version = -3;",
        )
        .unwrap();
    }
    let e = ProviderStore::answer(&store, Need::RefreshToken(h("rt")), NOW)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Corrupt, "{e}");
    let e = ProviderStore::answer(&store, Need::Code(h("c")), NOW)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Corrupt, "{e}");
    let e = store.account_by_username("a".into()).await.unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Corrupt, "{e}");
    let e = store.keys().await.unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Corrupt, "{e}");
    // The synchronous store has no error channel: an unreadable record is no record.
    assert_eq!(
        authcore_server::Store::answer(&store, &Need::RefreshToken(h("rt")), NOW),
        Answer::Token(None)
    );
    assert_eq!(
        authcore_server::Store::answer(&store, &Need::Code(h("c")), NOW),
        Answer::Code(None)
    );
    // A replay check that cannot be read answers "seen": the closed answer.
    Connection::open(dir.db())
        .unwrap()
        .execute_batch("DROP TABLE replay_keys")
        .unwrap();
    let e = ProviderStore::answer(&store, Need::ReplayCheck("jti".into()), NOW)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Unavailable, "{e}");
    assert_eq!(
        authcore_server::Store::answer(&store, &Need::ReplayCheck("jti".into()), NOW),
        Answer::Seen(true)
    );
    assert_eq!(
        authcore_server::Store::apply(
            &store,
            &Write::InsertIfAbsent {
                key: "jti".into(),
                expires_at: later(60)
            },
            NOW
        ),
        Conflict
    );
}

#[tokio::test]
async fn a_database_locked_by_another_process_is_unavailable_and_fails_closed() {
    let dir = TempDir::new("busy");
    let store = SqliteStore::open(&dir.db()).unwrap();
    store
        .set_busy_timeout(std::time::Duration::from_millis(50))
        .unwrap();
    let holder = Connection::open(dir.db()).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let e = store
        .apply(vec![Write::InsertGrant(grant("g", NOW))], NOW)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Unavailable, "{e}");
    assert_eq!(
        authcore_server::Store::apply(&store, &Write::ConsumeCodeIfUnused(h("c")), NOW),
        Conflict,
        "a write that could not run is never reported applied"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(
        store
            .apply(vec![Write::InsertGrant(grant("g", NOW))], NOW)
            .await
            .unwrap(),
        vec![Applied]
    );
}

#[tokio::test]
async fn records_survive_closing_and_reopening_the_file() {
    let dir = TempDir::new("reopen");
    {
        let store = SqliteStore::open(&dir.db()).unwrap();
        store
            .apply(
                vec![
                    Write::InsertGrant(grant("g1", NOW)),
                    Write::InsertCode(code("c1", "g1", later(60))),
                    Write::ConsumeCodeIfUnused(h("c1")),
                    Write::InsertToken(token("rt", TokenKind::Refresh, "g1", None)),
                ],
                NOW,
            )
            .await
            .unwrap();
        store.put_account(account("sub-a", "a")).await.unwrap();
        store
            .put_session(session("cookie", "sid", later(60)))
            .await
            .unwrap();
        store.replace_keys(None, "keys".into()).await.unwrap();
    }
    let store = SqliteStore::open(&dir.db()).unwrap();
    assert_eq!(
        store
            .apply(vec![Write::ConsumeCodeIfUnused(h("c1"))], NOW)
            .await
            .unwrap(),
        vec![Conflict],
        "a consumed code stays consumed"
    );
    assert!(matches!(
        ProviderStore::answer(&store, Need::RefreshToken(h("rt")), NOW)
            .await
            .unwrap(),
        Answer::Token(Some(_))
    ));
    assert!(
        store
            .account_by_subject("sub-a".into())
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.session("cookie".into(), NOW).await.unwrap().is_some());
    assert_eq!(store.keys().await.unwrap().unwrap().version, 1);
}

/// Runs `write` from 8 threads at once, each on its own connection to the same file, after
/// `setup`; returns the outcomes.
fn race(
    stores: &[SqliteStore],
    setup: Vec<Write>,
    write: impl Fn(usize) -> Write + Send + Sync + 'static,
) -> Vec<WriteOutcome> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert!(
        rt.block_on(stores[0].apply(setup, NOW))
            .unwrap()
            .iter()
            .all(|o| *o == Applied)
    );
    let barrier = Arc::new(Barrier::new(stores.len()));
    let write = Arc::new(write);
    let threads: Vec<_> = stores
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, store)| {
            let barrier = barrier.clone();
            let write = write.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                let w = write(i);
                barrier.wait();
                rt.block_on(store.apply(vec![w], NOW)).unwrap()
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect()
}

#[test]
fn each_conditional_write_raced_from_8_threads_applies_exactly_once() {
    let dir = TempDir::new("race");
    let stores: Vec<SqliteStore> = (0..8)
        .map(|_| SqliteStore::open(&dir.db()).unwrap())
        .collect();
    type Case = (
        &'static str,
        Vec<Write>,
        Box<dyn Fn(usize) -> Write + Send + Sync>,
    );
    for round in 0..3 {
        let k = |s: &str| format!("{s}-{round}");
        let cases: Vec<Case> = vec![
            (
                "ConsumeCodeIfUnused",
                vec![Write::InsertCode(code(&k("code"), "g", later(60)))],
                Box::new({
                    let c = h(&k("code"));
                    move |_| Write::ConsumeCodeIfUnused(c.clone())
                }),
            ),
            (
                "RotateRefreshIfCurrent",
                vec![Write::InsertToken(token(
                    &k("rt"),
                    TokenKind::Refresh,
                    "g",
                    None,
                ))],
                Box::new({
                    let current = h(&k("rt"));
                    let base = k("rt-next");
                    move |i| Write::RotateRefreshIfCurrent {
                        current: current.clone(),
                        replacement: token(&format!("{base}-{i}"), TokenKind::Refresh, "g", None),
                    }
                }),
            ),
            (
                "InsertIfAbsent",
                vec![],
                Box::new({
                    let key = k("jti");
                    move |_| Write::InsertIfAbsent {
                        key: key.clone(),
                        expires_at: later(60),
                    }
                }),
            ),
            (
                "DecideDeviceCodeIfPending",
                vec![Write::InsertDeviceCode(device_code(&k("dc"), later(600)))],
                Box::new({
                    let d = h(&k("dc"));
                    move |i| Write::DecideDeviceCodeIfPending {
                        handle: d.clone(),
                        decision: if i % 2 == 0 {
                            DeviceCodeStatus::Approved(GrantId(format!("g{i}")))
                        } else {
                            DeviceCodeStatus::Denied
                        },
                    }
                }),
            ),
            (
                "ConsumeDeviceCodeIfApproved",
                vec![
                    Write::InsertDeviceCode(device_code(&k("dc2"), later(600))),
                    Write::DecideDeviceCodeIfPending {
                        handle: h(&k("dc2")),
                        decision: DeviceCodeStatus::Approved(GrantId("g".into())),
                    },
                ],
                Box::new({
                    let d = h(&k("dc2"));
                    move |_| Write::ConsumeDeviceCodeIfApproved(d.clone())
                }),
            ),
            (
                "ConsumePushedRequestIfUnused",
                vec![Write::InsertPushedRequest(pushed(&k("par"), later(60)))],
                Box::new({
                    let p = h(&k("par"));
                    move |_| Write::ConsumePushedRequestIfUnused(p.clone())
                }),
            ),
            (
                "RemoveInteractionIfPresent",
                vec![Write::InsertInteraction(interaction(&k("x"), later(60)))],
                Box::new({
                    let x = h(&k("x"));
                    move |_| Write::RemoveInteractionIfPresent(x.clone())
                }),
            ),
        ];
        for (name, setup, write) in cases {
            let outcomes = race(&stores, setup, write);
            assert_eq!(outcomes.len(), 8, "{name}");
            assert_eq!(
                outcomes.iter().filter(|o| **o == Applied).count(),
                1,
                "{name}: exactly one of 8 racing writers applies, round {round}: {outcomes:?}"
            );
        }
    }
    // Exactly one successor of each rotated refresh token was stored.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for round in 0..3 {
        let stored = (0..8)
            .filter(|i| {
                matches!(
                    rt.block_on(ProviderStore::answer(
                        &stores[0],
                        Need::RefreshToken(h(&format!("rt-next-{round}-{i}"))),
                        NOW,
                    ))
                    .unwrap(),
                    Answer::Token(Some(_))
                )
            })
            .count();
        assert_eq!(stored, 1, "round {round}");
    }
}

#[test]
fn the_sync_store_on_one_shared_connection_applies_a_raced_consume_once() {
    let store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(
        authcore_server::Store::apply(&store, &Write::InsertCode(code("c", "g", later(60))), NOW),
        Applied
    );
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                authcore_server::Store::apply(&store, &Write::ConsumeCodeIfUnused(h("c")), NOW)
            })
        })
        .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == Applied).count(), 1);
}

/// Group commit: batches from many threads at once, each with a conflicting second batch
/// on the same code, share transactions; each still gets exactly its own outcome, every
/// applied batch is stored whole, and a conflicting one leaves nothing. Through the
/// synchronous `Store` (callers blocked on the committer thread)…
#[test]
fn concurrent_batches_committed_together_keep_their_own_outcomes() {
    concurrent_batches_keep_their_own_outcomes(&|store, writes| {
        authcore_server::Store::apply_batch(store, writes, NOW)
    });
}

/// …and through the async `ProviderStore` (tasks awaiting the committer's answer).
#[test]
fn concurrent_async_batches_committed_together_keep_their_own_outcomes() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    concurrent_batches_keep_their_own_outcomes(&move |store, writes| {
        handle
            .block_on(ProviderStore::apply(store, writes.to_vec(), NOW))
            .unwrap()
    });
}

fn concurrent_batches_keep_their_own_outcomes(
    apply: &(dyn Fn(&SqliteStore, &[Write]) -> Vec<WriteOutcome> + Sync),
) {
    const THREADS: usize = 8;
    const ROUNDS: usize = 25;
    let dir = TempDir::new("group-commit");
    let store = SqliteStore::open(&dir.db()).unwrap();
    for t in 0..THREADS {
        for r in 0..ROUNDS {
            let g = format!("g-{t}-{r}");
            let outcomes = apply(
                &store,
                &[
                    Write::InsertGrant(grant(&g, NOW)),
                    Write::InsertCode(code(&format!("c-{t}-{r}"), &g, later(60))),
                ],
            );
            assert_eq!(outcomes, [Applied, Applied]);
        }
    }
    let start = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let (store, start) = (store.clone(), &start);
            scope.spawn(move || {
                start.wait();
                for r in 0..ROUNDS {
                    let (g, c) = (format!("g-{t}-{r}"), format!("c-{t}-{r}"));
                    // An exchange: consume the code, store the token named `at`.
                    let exchange = |at: String| {
                        [
                            Write::ConsumeCodeIfUnused(h(&c)),
                            Write::InsertToken(token(
                                &at,
                                TokenKind::Access,
                                &g,
                                Some(later(3600)),
                            )),
                        ]
                    };
                    let first = exchange(format!("at-{t}-{r}"));
                    assert_eq!(apply(&store, &first), [Applied, Applied]);
                    // The same code again: a conflict, and its token is not stored.
                    let replay = exchange(format!("replayed-{t}-{r}"));
                    assert_eq!(apply(&store, &replay), [Conflict]);
                }
            });
        }
    });
    // Dropping the store stops its committer after the last group; a new store on the file
    // finds every applied batch.
    drop(store);
    let reopened = SqliteStore::open(&dir.db()).unwrap();
    let sync: &dyn authcore_server::Store = &reopened;
    for t in 0..THREADS {
        for r in 0..ROUNDS {
            let stored = sync.answer(&Need::AccessToken(h(&format!("at-{t}-{r}"))), NOW);
            assert!(matches!(stored, Answer::Token(Some(_))), "at-{t}-{r}");
            let replayed = sync.answer(&Need::AccessToken(h(&format!("replayed-{t}-{r}"))), NOW);
            assert_eq!(replayed, Answer::Token(None), "replayed-{t}-{r}");
        }
    }
}
