//! authcore-server's storage conformance kit on a real PostgreSQL cluster, through the
//! synchronous bridge.

mod support;

use authcore_server::store::conformance;
use authcore_store_postgres::BlockingStore;

#[test]
fn the_storage_conformance_kit_passes_on_postgres() {
    let Some(cluster) = support::cluster() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let url = runtime
        .block_on(cluster.create_database("conformance"))
        .unwrap_or_else(|e| panic!("{e}"));
    drop(runtime);
    let store = BlockingStore::connect(&url, 4).unwrap_or_else(|e| panic!("{e}"));
    conformance::run(&store);
    // Two batches raced: a code exchange and the grant's revocation (the grant row lock).
    conformance::batches_are_atomic(&store);
    // Need::Claims reads the accounts the adapter keeps (OpenID Connect Core §5.1).
    let mut claims = serde_json::Map::new();
    claims.insert("email".into(), "alice@example.com".into());
    claims.insert("email_verified".into(), true.into());
    claims.insert(
        "address".into(),
        serde_json::json!({"country": "NZ", "locality": "Wellington"}),
    );
    let account = authcore_hyper::AccountRecord {
        subject: "conf-alice".into(),
        username: "alice".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        claims: claims.clone(),
    };
    store
        .block_on(authcore_hyper::ProviderStore::put_account(
            store.store(),
            account,
        ))
        .expect("an account");
    conformance::claims_read_back(&store, "conf-alice", &claims);
    assert_eq!(store.take_error(), None, "no operation failed");
}
