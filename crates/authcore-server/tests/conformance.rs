//! The storage conformance kit against the in-memory store, and against broken stores that
//! it must catch.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use authcore_jose::UnixTime;
use authcore_server::store::{MemoryStore, conformance};
use authcore_server::{Answer, Need, Store, Write, WriteOutcome, apply_in_order};

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

    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome> {
        apply_in_order(writes, |w| {
            self.0.apply(w, now);
            WriteOutcome::Applied
        })
    }
}

/// A store that forgets to revoke a grant's tokens.
struct ShallowRevocation(MemoryStore);

impl Store for ShallowRevocation {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        self.0.answer(need, now)
    }

    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome> {
        apply_in_order(writes, |w| match w {
            Write::RevokeGrant(_) => WriteOutcome::Applied,
            w => self.0.apply(w, now),
        })
    }
}

/// A store that applies a batch one write at a time and lets another batch in between, made
/// certain: after consuming a code, the rest of its batch waits for a grant revocation, and a
/// revocation waits for a consumption (each wait bounded), so a revocation always lands
/// between a consumption and the writes after it.
#[derive(Default)]
struct OneWriteAtATime {
    inner: MemoryStore,
    /// (codes consumed, grants revoked) so far.
    counts: Mutex<(usize, usize)>,
    changed: Condvar,
}

impl OneWriteAtATime {
    /// Waits until `ready` holds of the counts, or a bound passes (the interleaving is then
    /// not forced, and the check sees an atomic order).
    fn wait_until(&self, ready: impl Fn(&(usize, usize)) -> bool) {
        let guard = self.counts.lock().unwrap();
        let _ = self
            .changed
            .wait_timeout_while(guard, Duration::from_secs(10), |c| !ready(c))
            .unwrap();
    }

    fn count(&self, bump: impl FnOnce(&mut (usize, usize))) {
        bump(&mut self.counts.lock().unwrap());
        self.changed.notify_all();
    }
}

impl Store for OneWriteAtATime {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        self.inner.answer(need, now)
    }

    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome> {
        apply_in_order(writes, |w| match w {
            Write::RevokeGrant(_) => {
                self.wait_until(|(consumed, revoked)| consumed > revoked);
                let o = self.inner.apply(w, now);
                self.count(|c| c.1 += 1);
                o
            }
            Write::ConsumeCodeIfUnused(_) => {
                let o = self.inner.apply(w, now);
                if o == WriteOutcome::Applied {
                    self.count(|c| c.0 += 1);
                    self.wait_until(|(consumed, revoked)| revoked >= consumed);
                }
                o
            }
            w => self.inner.apply(w, now),
        })
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
    let msg = fails(|| conformance::batches(&NoConditions(MemoryStore::new())));
    assert!(msg.contains("stops after its first conflict"), "{msg}");
    let msg = fails(|| conformance::batches_are_atomic(&OneWriteAtATime::default()));
    assert!(msg.contains("a batch is atomic"), "{msg}");
}

#[test]
fn the_memory_store_answers_claims_as_put() {
    let store = MemoryStore::new();
    conformance::unknown_subject_has_no_claims(&store);
    let mut claims = serde_json::Map::new();
    claims.insert("email".into(), "jane@example.com".into());
    claims.insert("address".into(), serde_json::json!({"country": "NZ"}));
    store.put_claims("jane", claims.clone());
    conformance::claims_read_back(&store, "jane", &claims);
    conformance::unknown_subject_has_no_claims(&store);
}

/// A store that answers every subject with one account's claims.
struct OneAccountForAll(MemoryStore);

impl Store for OneAccountForAll {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        match need {
            Need::Claims {
                scopes,
                claims_request,
                ..
            } => self.0.answer(
                &Need::Claims {
                    subject: "jane".into(),
                    scopes: scopes.clone(),
                    claims_request: claims_request.clone(),
                },
                now,
            ),
            n => self.0.answer(n, now),
        }
    }

    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome> {
        self.0.apply_batch(writes, now)
    }
}

#[test]
fn the_kit_catches_claims_of_the_wrong_subject() {
    let msg = fails(|| {
        let store = OneAccountForAll(MemoryStore::new());
        store.0.put_claims("jane", serde_json::Map::new());
        conformance::unknown_subject_has_no_claims(&store);
    });
    assert!(msg.contains("an unknown subject has no claims"), "{msg}");
}
