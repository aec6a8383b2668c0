//! [`MemoryProviderStore`]: the [`ProviderStore`] in memory, over authcore-server's
//! [`MemoryStore`] plus maps for sessions, accounts, consents and the keys document. For
//! tests, examples and single-process servers that may lose their state on restart.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use authcore_jose::UnixTime;
use authcore_server::store::MemoryStore;
use authcore_server::{Answer, Need, Store, Write, WriteOutcome, apply_batch};

use crate::store::{
    AccountRecord, ConsentRecord, ProviderStore, SessionRecord, StoreError, StoreErrorKind,
    StoreFuture, StoredKeys,
};

#[derive(Debug, Default)]
struct Own {
    sessions: HashMap<String, SessionRecord>,
    accounts: HashMap<String, AccountRecord>,
    consents: HashMap<(String, String), ConsentRecord>,
    keys: Option<StoredKeys>,
}

/// Every record in memory (see the [module documentation](self)).
#[derive(Debug, Default)]
pub struct MemoryProviderStore {
    core: MemoryStore,
    own: Mutex<Own>,
}

impl MemoryProviderStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryProviderStore::default()
    }

    /// The core's store, for inspecting records in tests.
    pub fn core(&self) -> &MemoryStore {
        &self.core
    }

    fn own(&self) -> MutexGuard<'_, Own> {
        // A panic while holding the lock leaves maps that are still whole (every change is
        // one insert or remove), so the data stays usable.
        match self.own.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl ProviderStore for MemoryProviderStore {
    fn answer(&self, need: Need, now: UnixTime) -> StoreFuture<'_, Answer> {
        ready(Ok(self.core.answer(&need, now)))
    }

    fn apply(&self, writes: Vec<Write>, now: UnixTime) -> StoreFuture<'_, Vec<WriteOutcome>> {
        // The core store applies the batch under one hold of its lock: atomic, as the
        // contract asks.
        let outcomes = apply_batch(&self.core, &writes, now);
        // The session a logout ends goes with its record (the core's `EndSession` names it by
        // `sid`; the record is keyed by the cookie's hash).
        let ended: Vec<&String> = writes
            .iter()
            .zip(&outcomes)
            .filter_map(|(w, o)| match (w, o) {
                (Write::EndSession(sid), WriteOutcome::Applied) => Some(sid),
                _ => None,
            })
            .collect();
        if !ended.is_empty() {
            self.own()
                .sessions
                .retain(|_, s| !ended.contains(&&s.session.sid));
        }
        ready(Ok(outcomes))
    }

    fn session(&self, id: String, now: UnixTime) -> StoreFuture<'_, Option<SessionRecord>> {
        let found = self
            .own()
            .sessions
            .get(&id)
            .filter(|s| now.as_secs() < s.expires_at)
            .cloned();
        ready(Ok(found))
    }

    fn put_session(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        self.own().sessions.insert(record.id.clone(), record);
        ready(Ok(()))
    }

    fn remove_session(&self, id: String) -> StoreFuture<'_, ()> {
        self.own().sessions.remove(&id);
        ready(Ok(()))
    }

    fn account_by_username(&self, username: String) -> StoreFuture<'_, Option<AccountRecord>> {
        let found = self
            .own()
            .accounts
            .values()
            .find(|a| a.username == username)
            .cloned();
        ready(Ok(found))
    }

    fn account_by_subject(&self, subject: String) -> StoreFuture<'_, Option<AccountRecord>> {
        ready(Ok(self.own().accounts.get(&subject).cloned()))
    }

    fn put_account(&self, account: AccountRecord) -> StoreFuture<'_, ()> {
        let mut own = self.own();
        if own
            .accounts
            .values()
            .any(|a| a.username == account.username && a.subject != account.subject)
        {
            return ready(Err(StoreError::new(
                StoreErrorKind::Conflict,
                "the username belongs to another account",
            )));
        }
        own.accounts.insert(account.subject.clone(), account);
        ready(Ok(()))
    }

    fn consent(
        &self,
        subject: String,
        client_id: String,
    ) -> StoreFuture<'_, Option<ConsentRecord>> {
        ready(Ok(self.own().consents.get(&(subject, client_id)).cloned()))
    }

    fn put_consent(&self, consent: ConsentRecord) -> StoreFuture<'_, ()> {
        self.own().consents.insert(
            (consent.subject.clone(), consent.client_id.clone()),
            consent,
        );
        ready(Ok(()))
    }

    fn keys(&self) -> StoreFuture<'_, Option<StoredKeys>> {
        ready(Ok(self.own().keys.clone()))
    }

    fn replace_keys(
        &self,
        expected_version: Option<u64>,
        document: String,
    ) -> StoreFuture<'_, bool> {
        let mut own = self.own();
        let current = own.keys.as_ref().map(|k| k.version);
        if current != expected_version {
            return ready(Ok(false));
        }
        own.keys = Some(StoredKeys {
            version: current.map_or(1, |v| v + 1),
            document,
        });
        ready(Ok(true))
    }

    fn sweep(&self, now: UnixTime) -> StoreFuture<'_, u64> {
        let tokens_before = self.core.token_count();
        self.core.purge_expired(now);
        let tokens_removed = tokens_before.saturating_sub(self.core.token_count());
        let mut own = self.own();
        let sessions_before = own.sessions.len();
        own.sessions.retain(|_, s| now.as_secs() < s.expires_at);
        let sessions_removed = sessions_before - own.sessions.len();
        // The core's memory store does not count the other records it drops (codes, device
        // codes, pushed requests, interactions, replay keys): the count is of tokens and
        // sessions.
        ready(Ok((tokens_removed + sessions_removed) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_server::oidc::OpSession;

    fn block<T>(f: StoreFuture<'_, T>) -> Result<T, StoreError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn account(subject: &str, username: &str) -> AccountRecord {
        AccountRecord {
            subject: subject.into(),
            username: username.into(),
            password_hash: "x".into(),
            claims: Default::default(),
        }
    }

    #[test]
    fn keys_are_replaced_by_compare_and_set() {
        let s = MemoryProviderStore::new();
        assert!(block(s.keys()).unwrap().is_none());
        assert!(block(s.replace_keys(None, "a".into())).unwrap());
        assert!(!block(s.replace_keys(None, "b".into())).unwrap());
        assert!(!block(s.replace_keys(Some(2), "b".into())).unwrap());
        assert!(block(s.replace_keys(Some(1), "c".into())).unwrap());
        let k = block(s.keys()).unwrap().unwrap();
        assert_eq!((k.version, k.document.as_str()), (2, "c"));
    }

    #[test]
    fn usernames_are_unique_and_accounts_are_found_both_ways() {
        let s = MemoryProviderStore::new();
        block(s.put_account(account("s1", "alice"))).unwrap();
        let e = block(s.put_account(account("s2", "alice"))).unwrap_err();
        assert_eq!(e.kind(), StoreErrorKind::Conflict);
        block(s.put_account(account("s1", "alice2"))).unwrap();
        assert!(
            block(s.account_by_username("alice".into()))
                .unwrap()
                .is_none()
        );
        assert_eq!(
            block(s.account_by_subject("s1".into()))
                .unwrap()
                .unwrap()
                .username,
            "alice2"
        );
    }

    #[test]
    fn sessions_expire_end_with_their_sid_and_are_swept() {
        let s = MemoryProviderStore::new();
        let rng = authcore_jose::InsecureTestRandom::new(1);
        let t = UnixTime::from_secs(1000);
        let session = OpSession::start("s1", t, &rng).unwrap();
        let sid = session.sid.clone();
        block(s.put_session(SessionRecord {
            id: "h1".into(),
            session,
            expires_at: 2000,
        }))
        .unwrap();
        assert!(block(s.session("h1".into(), t)).unwrap().is_some());
        assert!(
            block(s.session("h1".into(), UnixTime::from_secs(2000)))
                .unwrap()
                .is_none()
        );
        block(s.apply(vec![Write::EndSession(sid)], t)).unwrap();
        assert!(block(s.session("h1".into(), t)).unwrap().is_none());
        let session = OpSession::start("s1", t, &rng).unwrap();
        block(s.put_session(SessionRecord {
            id: "h2".into(),
            session,
            expires_at: 1500,
        }))
        .unwrap();
        assert_eq!(block(s.sweep(UnixTime::from_secs(1600))).unwrap(), 1);
        assert_eq!(block(s.sweep(UnixTime::from_secs(1600))).unwrap(), 0);
    }
}
