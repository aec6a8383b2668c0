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
    assert_eq!(store.take_error(), None, "no operation failed");
}
