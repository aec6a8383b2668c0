//! Two instances (two stores, two connection pools) on one database race for the same
//! credential, many rounds over: in every round exactly one wins, and the loser's writes
//! after its lost condition are not stored.
//!
//! Each test prints its rate (rounds per second) as a figure for the README; nothing here
//! asserts on time.

mod support;

use std::sync::Arc;

use authcore_hyper::ProviderStore;
use authcore_server::model::{DeviceCodeStatus, GrantId, TokenKind};
use authcore_server::{Answer, Need, Write, WriteOutcome};
use authcore_store_postgres::PostgresStore;
use authcore_store_postgres::test_cluster::TestCluster;
use support::{NOW, code, device_code, h, later, report, stopwatch, token};
use tokio::sync::Barrier;

/// Rounds per race: bounded, and enough to catch a check-then-write store.
const ROUNDS: usize = 200;

/// Two instances on one fresh database. Fields drop in order: the stores (and their
/// connections) before the handle that keeps the cluster running.
struct Instances {
    a: PostgresStore,
    b: PostgresStore,
    _cluster: Arc<TestCluster>,
}

async fn two_instances(name: &str) -> Option<Instances> {
    let cluster = support::cluster()?;
    let url = support::database(&cluster, name).await;
    let a = PostgresStore::connect(&url, 2).await.expect("instance a");
    let b = PostgresStore::connect(&url, 2).await.expect("instance b");
    Some(Instances {
        a,
        b,
        _cluster: cluster,
    })
}

/// Runs `batch_a` at `a` and `batch_b` at `b` at the same moment (both tasks wait at a
/// barrier, then send), returning both outcomes.
async fn race(
    a: &PostgresStore,
    b: &PostgresStore,
    batch_a: Vec<Write>,
    batch_b: Vec<Write>,
) -> (Vec<WriteOutcome>, Vec<WriteOutcome>) {
    let barrier = Arc::new(Barrier::new(2));
    let run = |store: PostgresStore, batch: Vec<Write>| {
        let barrier = barrier.clone();
        tokio::spawn(async move {
            barrier.wait().await;
            store.apply(batch, NOW).await
        })
    };
    let task_a = run(a.clone(), batch_a);
    let task_b = run(b.clone(), batch_b);
    let outcome_a = task_a
        .await
        .expect("task a")
        .expect("instance a's store answers");
    let outcome_b = task_b
        .await
        .expect("task b")
        .expect("instance b's store answers");
    (outcome_a, outcome_b)
}

/// Which instance won (`true`: a), asserting that exactly one did and that the loser
/// stopped at its first write.
fn winner(round: usize, a: &[WriteOutcome], b: &[WriteOutcome]) -> bool {
    let won = |o: &[WriteOutcome]| o.first() == Some(&WriteOutcome::Applied);
    assert!(
        won(a) != won(b),
        "round {round}: exactly one instance must win: a {a:?}, b {b:?}"
    );
    let loser = if won(a) { b } else { a };
    assert_eq!(
        loser,
        [WriteOutcome::Conflict],
        "round {round}: the loser stops at its lost condition"
    );
    won(a)
}

async fn token_exists(store: &PostgresStore, handle: &str, kind: TokenKind) -> bool {
    let need = match kind {
        TokenKind::Access => Need::AccessToken(h(handle)),
        TokenKind::Refresh => Need::RefreshToken(h(handle)),
    };
    match store.answer(need, NOW).await.expect("lookup") {
        Answer::Token(t) => t.is_some(),
        other => panic!("a token lookup answered {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_redeemed_at_one_instance_only() {
    let Some(Instances { a, b, _cluster }) = two_instances("race_code").await else {
        return;
    };
    let started = stopwatch();
    for round in 0..ROUNDS {
        let handle = format!("code-{round}");
        a.apply(vec![Write::InsertCode(code(&handle, "g", later(60)))], NOW)
            .await
            .expect("insert");
        // Each instance redeems the code and stores the access token it would answer with.
        let batch = |who: &str| {
            vec![
                Write::ConsumeCodeIfUnused(h(&handle)),
                Write::InsertToken(token(
                    &format!("at-{round}-{who}"),
                    TokenKind::Access,
                    "g",
                    Some(later(3600)),
                )),
            ]
        };
        let (oa, ob) = race(&a, &b, batch("a"), batch("b")).await;
        let a_won = winner(round, &oa, &ob);
        let (won, lost) = if a_won { ("a", "b") } else { ("b", "a") };
        assert_eq!(oa.len() + ob.len(), 3, "round {round}: {oa:?} {ob:?}");
        assert!(
            token_exists(&b, &format!("at-{round}-{won}"), TokenKind::Access).await,
            "round {round}: the winner's token is stored"
        );
        assert!(
            !token_exists(&a, &format!("at-{round}-{lost}"), TokenKind::Access).await,
            "round {round}: the loser's token is not"
        );
    }
    report(ROUNDS, "code redemption", started);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_rotates_at_one_instance_only() {
    let Some(Instances { a, b, _cluster }) = two_instances("race_refresh").await else {
        return;
    };
    let started = stopwatch();
    for round in 0..ROUNDS {
        let current = format!("rt-{round}");
        a.apply(
            vec![Write::InsertToken(token(
                &current,
                TokenKind::Refresh,
                "g",
                Some(later(3600)),
            ))],
            NOW,
        )
        .await
        .expect("insert");
        let rotate = |who: &str| {
            vec![Write::RotateRefreshIfCurrent {
                current: h(&current),
                replacement: token(
                    &format!("{current}-{who}"),
                    TokenKind::Refresh,
                    "g",
                    Some(later(3600)),
                ),
            }]
        };
        let (oa, ob) = race(&a, &b, rotate("a"), rotate("b")).await;
        let a_won = winner(round, &oa, &ob);
        let (won, lost) = if a_won { ("a", "b") } else { ("b", "a") };
        assert!(token_exists(&a, &format!("{current}-{won}"), TokenKind::Refresh).await);
        assert!(
            !token_exists(&b, &format!("{current}-{lost}"), TokenKind::Refresh).await,
            "round {round}: a lost rotation stores no replacement"
        );
    }
    report(ROUNDS, "refresh rotation", started);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_key_is_accepted_at_one_instance_only() {
    let Some(Instances { a, b, _cluster }) = two_instances("race_jti").await else {
        return;
    };
    let started = stopwatch();
    for round in 0..ROUNDS {
        // A DPoP proof's jti (RFC 9449 §11.1) or a client assertion's (RFC 7523 §3).
        let insert = vec![Write::InsertIfAbsent {
            key: format!("dpop:https://as.example/token:jti-{round}"),
            expires_at: NOW.saturating_add(300),
        }];
        let (oa, ob) = race(&a, &b, insert.clone(), insert).await;
        winner(round, &oa, &ob);
    }
    report(ROUNDS, "replay key (jti)", started);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_code_is_decided_and_consumed_once() {
    let Some(Instances { a, b, _cluster }) = two_instances("race_device").await else {
        return;
    };
    let started = stopwatch();
    for round in 0..ROUNDS {
        let handle = format!("dev-{round}");
        a.apply(
            vec![Write::InsertDeviceCode(device_code(&handle, later(600)))],
            NOW,
        )
        .await
        .expect("insert");
        let approve = |who: &str| {
            vec![Write::DecideDeviceCodeIfPending {
                handle: h(&handle),
                decision: DeviceCodeStatus::Approved(GrantId(format!("g-{round}-{who}"))),
            }]
        };
        let (oa, ob) = race(&a, &b, approve("a"), approve("b")).await;
        let won = if winner(round, &oa, &ob) { "a" } else { "b" };
        match b.answer(Need::DeviceCode(h(&handle)), NOW).await {
            Ok(Answer::DeviceCode(Some(d))) => assert_eq!(
                d.status,
                DeviceCodeStatus::Approved(GrantId(format!("g-{round}-{won}"))),
                "round {round}: the winner's decision is stored"
            ),
            other => panic!("round {round}: {other:?}"),
        }
        let consume = vec![Write::ConsumeDeviceCodeIfApproved(h(&handle))];
        let (oa, ob) = race(&a, &b, consume.clone(), consume).await;
        winner(round, &oa, &ob);
    }
    report(ROUNDS, "device approval and consumption", started);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_rotation_is_done_by_one_instance_only() {
    let Some(Instances { a, b, _cluster }) = two_instances("race_keys").await else {
        return;
    };
    let started = stopwatch();
    for round in 0..ROUNDS {
        let expected = (round > 0).then_some(round as u64);
        let barrier = Arc::new(Barrier::new(2));
        let rotate = |store: PostgresStore, who: &'static str| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .replace_keys(expected, format!("{{\"round\":{round},\"by\":\"{who}\"}}"))
                    .await
            })
        };
        let (ta, tb) = (rotate(a.clone(), "a"), rotate(b.clone(), "b"));
        let won_a = ta.await.expect("task a").expect("store a answers");
        let won_b = tb.await.expect("task b").expect("store b answers");
        assert!(won_a != won_b, "round {round}: exactly one rotation wins");
        let keys = b.keys().await.expect("read").expect("stored");
        let winner = if won_a { "a" } else { "b" };
        assert_eq!(keys.version, round as u64 + 1, "round {round}");
        assert_eq!(
            keys.document,
            format!("{{\"round\":{round},\"by\":\"{winner}\"}}"),
            "round {round}: every instance sees the winner's keys"
        );
    }
    report(ROUNDS, "signing key rotation", started);
}
