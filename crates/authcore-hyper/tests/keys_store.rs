//! The keys document in the store: instances starting at once end with one document, and a
//! rotation is one compare-and-set.

use std::sync::atomic::{AtomicUsize, Ordering};

use authcore_hyper::keys::{self, KeysDocument, SigningKeyState};
use authcore_hyper::{
    AccountRecord, ConsentRecord, MemoryProviderStore, ProviderStore, SessionRecord, StoreFuture,
    StoredKeys,
};
use authcore_jose::{InsecureTestRandom, UnixTime};
use authcore_server::{Answer, Need, Write, WriteOutcome};

/// A store whose first `stale` key reads miss a document that is there: what an instance
/// sees when another one stores the document between its read and its write.
struct StaleReads {
    inner: MemoryProviderStore,
    stale: AtomicUsize,
}

impl ProviderStore for StaleReads {
    fn answer(&self, need: Need, now: UnixTime) -> StoreFuture<'_, Answer> {
        self.inner.answer(need, now)
    }
    fn apply(&self, writes: Vec<Write>, now: UnixTime) -> StoreFuture<'_, Vec<WriteOutcome>> {
        self.inner.apply(writes, now)
    }
    fn session(&self, id: String, now: UnixTime) -> StoreFuture<'_, Option<SessionRecord>> {
        self.inner.session(id, now)
    }
    fn put_session(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        self.inner.put_session(record)
    }
    fn remove_session(&self, id: String) -> StoreFuture<'_, ()> {
        self.inner.remove_session(id)
    }
    fn account_by_username(&self, username: String) -> StoreFuture<'_, Option<AccountRecord>> {
        self.inner.account_by_username(username)
    }
    fn account_by_subject(&self, subject: String) -> StoreFuture<'_, Option<AccountRecord>> {
        self.inner.account_by_subject(subject)
    }
    fn put_account(&self, account: AccountRecord) -> StoreFuture<'_, ()> {
        self.inner.put_account(account)
    }
    fn consent(
        &self,
        subject: String,
        client_id: String,
    ) -> StoreFuture<'_, Option<ConsentRecord>> {
        self.inner.consent(subject, client_id)
    }
    fn put_consent(&self, consent: ConsentRecord) -> StoreFuture<'_, ()> {
        self.inner.put_consent(consent)
    }
    fn keys(&self) -> StoreFuture<'_, Option<StoredKeys>> {
        if self
            .stale
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Box::pin(std::future::ready(Ok(None)));
        }
        self.inner.keys()
    }
    fn replace_keys(&self, expected: Option<u64>, document: String) -> StoreFuture<'_, bool> {
        self.inner.replace_keys(expected, document)
    }
    fn sweep(&self, now: UnixTime) -> StoreFuture<'_, u64> {
        self.inner.sweep(now)
    }
}

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(secs)
}

#[tokio::test]
async fn the_instance_that_loses_the_first_start_uses_the_winners_document() {
    let store = StaleReads {
        inner: MemoryProviderStore::new(),
        stale: AtomicUsize::new(0),
    };
    let (first, v1) = keys::load_or_init(&store, &InsecureTestRandom::new(1), at(1_000))
        .await
        .unwrap();
    assert_eq!(v1, 1);
    // The second instance read "no document" before the first stored its own.
    store.stale.store(1, Ordering::SeqCst);
    let (second, v2) = keys::load_or_init(&store, &InsecureTestRandom::new(2), at(1_000))
        .await
        .unwrap();
    assert_eq!(v2, 1);
    assert_eq!(second.to_json(), first.to_json());
    assert_eq!(store.inner.keys().await.unwrap().unwrap().version, 1);
}

#[tokio::test]
async fn a_rotation_in_the_store_is_one_new_version() {
    let store = MemoryProviderStore::new();
    let (doc, _) = keys::load_or_init(&store, &InsecureTestRandom::new(1), at(1_000))
        .await
        .unwrap();
    let (rotated, version) = keys::rotate_stored(&store, &InsecureTestRandom::new(4), at(2_000))
        .await
        .unwrap();
    assert_eq!(version, 2);
    assert_ne!(rotated.current_kid(), doc.current_kid());
    let stored = store.keys().await.unwrap().unwrap();
    let back = KeysDocument::parse(&stored.document).unwrap();
    assert_eq!(back.current_kid(), rotated.current_kid());
    // The old current key is retired, still in the document.
    let old = doc.current_kid().unwrap();
    assert!(
        back.signing
            .iter()
            .any(|e| e.kid() == old && e.state == SigningKeyState::Retired { retired_at: 2_000 })
    );
}

#[tokio::test]
async fn a_corrupt_stored_document_is_an_error_not_a_new_one() {
    let store = MemoryProviderStore::new();
    assert!(
        store
            .replace_keys(None, "{\"format\":1}".into())
            .await
            .unwrap()
    );
    let e = keys::load_or_init(&store, &InsecureTestRandom::new(1), at(1_000))
        .await
        .unwrap_err();
    assert!(matches!(e, authcore_hyper::KeysError::Malformed(_)), "{e}");
    assert_eq!(store.keys().await.unwrap().unwrap().version, 1);
}
