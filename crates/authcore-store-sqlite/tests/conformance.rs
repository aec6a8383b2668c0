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
fn the_file_store_passes_the_conformance_kit_across_reopening() {
    let dir = common::TempDir::new("conformance-reopen");
    let checks: [fn(&dyn authcore_server::Store); 7] = [
        conformance::clients,
        conformance::grants_and_revocation,
        conformance::codes_are_single_use,
        conformance::refresh_rotation,
        conformance::replay_keys,
        conformance::device_codes,
        conformance::pushed_requests_and_interactions,
    ];
    for check in checks {
        let store = SqliteStore::open(&dir.db()).unwrap();
        check(&store);
    }
}
