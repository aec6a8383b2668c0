//! authcore-server's storage conformance kit, whole, against the SQLite store: in memory, on
//! a file, and on a file reopened between the record kinds.

mod common;

use authcore_server::store::conformance;
use authcore_store_sqlite::SqliteStore;

#[test]
fn the_in_memory_store_passes_the_conformance_kit() {
    conformance::run(&SqliteStore::open_in_memory().unwrap());
}

#[test]
fn the_file_store_passes_the_conformance_kit() {
    let dir = common::TempDir::new("conformance");
    conformance::run(&SqliteStore::open(&dir.db()).unwrap());
}

#[test]
fn write_batches_are_atomic_in_memory_and_on_a_file() {
    // BEGIN IMMEDIATE serializes the batches: a grant's revocation never falls between a
    // code's consumption and the token insert of the same batch.
    conformance::batches_are_atomic(&SqliteStore::open_in_memory().unwrap());
    let dir = common::TempDir::new("conformance-atomic");
    conformance::batches_are_atomic(&SqliteStore::open(&dir.db()).unwrap());
}

#[test]
fn the_file_store_passes_the_conformance_kit_across_reopening() {
    let dir = common::TempDir::new("conformance-reopen");
    let checks: [fn(&dyn authcore_server::Store); 8] = [
        conformance::clients,
        conformance::grants_and_revocation,
        conformance::codes_are_single_use,
        conformance::refresh_rotation,
        conformance::replay_keys,
        conformance::device_codes,
        conformance::pushed_requests_and_interactions,
        conformance::unknown_subject_has_no_claims,
    ];
    for check in checks {
        let store = SqliteStore::open(&dir.db()).unwrap();
        check(&store);
    }
}

#[tokio::test]
async fn claims_are_the_accounts_and_read_back_as_stored() {
    use authcore_hyper::{AccountRecord, ProviderStore};
    let dir = common::TempDir::new("conformance-claims");
    let store = SqliteStore::open(&dir.db()).unwrap();
    conformance::unknown_subject_has_no_claims(&store);
    let mut claims = serde_json::Map::new();
    claims.insert("email".into(), "jane@example.com".into());
    claims.insert("email_verified".into(), true.into());
    claims.insert(
        "address".into(),
        serde_json::json!({"country": "NZ", "locality": "Wellington"}),
    );
    store
        .put_account(AccountRecord {
            subject: "jane".into(),
            username: "jane".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            claims: claims.clone(),
        })
        .await
        .unwrap();
    conformance::claims_read_back(&store, "jane", &claims);
    conformance::unknown_subject_has_no_claims(&store);
    // Through the async contract too.
    let need = authcore_server::Need::Claims {
        subject: "jane".into(),
        scopes: vec!["openid".into(), "email".into()],
        claims_request: None,
    };
    assert_eq!(
        ProviderStore::answer(&store, need, conformance::NOW)
            .await
            .unwrap(),
        authcore_server::Answer::Claims(Some(claims))
    );
}
