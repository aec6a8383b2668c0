//! The storage conformance kit against the in-memory store, and against broken stores that
//! it must catch.

use authcore_jose::UnixTime;
use authcore_server::store::{MemoryStore, conformance};
use authcore_server::{Answer, Need, Store, Write, WriteOutcome};

#[test]
fn the_memory_store_conforms() {
    conformance::run(&MemoryStore::new());
}

/// A store that lets every conditional write succeed: two consumers of one code both win.
struct NoConditions(MemoryStore);

impl Store for NoConditions {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        self.0.answer(need, now)
    }

    fn apply(&self, write: &Write, now: UnixTime) -> WriteOutcome {
        self.0.apply(write, now);
        WriteOutcome::Applied
    }
}

/// A store that forgets to revoke a grant's tokens.
struct ShallowRevocation(MemoryStore);

impl Store for ShallowRevocation {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        self.0.answer(need, now)
    }

    fn apply(&self, write: &Write, now: UnixTime) -> WriteOutcome {
        match write {
            Write::RevokeGrant(_) => WriteOutcome::Applied,
            w => self.0.apply(w, now),
        }
    }
}

fn fails(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("the kit must reject this store");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn the_kit_catches_broken_stores() {
    let msg = fails(|| conformance::codes_are_single_use(&NoConditions(MemoryStore::new())));
    assert!(msg.contains("the second consumer loses"), "{msg}");
    let msg = fails(|| conformance::refresh_rotation(&NoConditions(MemoryStore::new())));
    assert!(msg.contains("cannot rotate again"), "{msg}");
    let msg = fails(|| conformance::replay_keys(&NoConditions(MemoryStore::new())));
    assert!(msg.contains("a replay conflicts"), "{msg}");
    let msg = fails(|| conformance::grants_and_revocation(&ShallowRevocation(MemoryStore::new())));
    assert!(msg.contains("revoked"), "{msg}");
}
