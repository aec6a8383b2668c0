//! Server-side knowledge: session records (for server-side sessions) and the registry of
//! ended sessions (needed even with cookie sessions: a back-channel logout arrives without
//! the user's cookie, so the layer must remember which sessions it ended).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use authcore_jose::UnixTime;

use crate::StoreError;

/// A boxed, sendable future: what the store traits return, so they stay object safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where server-side sessions live. The cookie then holds only a sealed reference (a random
/// id); the record (tokens, timestamps; opaque bytes to the store) stays here.
/// [`MemorySessionStore`] is the in-process default; a database implements the same three
/// methods.
pub trait SessionStore: Send + Sync + 'static {
    /// The record saved under `id`, unless absent or past its `expires_at`.
    fn load<'a>(
        &'a self,
        id: &'a str,
        now: UnixTime,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>>;
    /// Saves (or replaces) the record under `id` at time `now`, to be forgotten after
    /// `expires_at`.
    fn save<'a>(
        &'a self,
        id: &'a str,
        record: Vec<u8>,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Removes the record under `id` (absent is not an error).
    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// Server-side sessions in process memory (lost on restart; one process only).
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    records: Mutex<HashMap<String, (Vec<u8>, UnixTime)>>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records are held (expired ones included until the next save prunes them).
    pub fn len(&self) -> usize {
        self.records.lock().map_or(0, |r| r.len())
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn poisoned() -> StoreError {
    StoreError("the in-memory store's lock was poisoned".into())
}

impl SessionStore for MemorySessionStore {
    fn load<'a>(
        &'a self,
        id: &'a str,
        now: UnixTime,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        let r = self.records.lock().map_err(|_| poisoned()).map(|records| {
            records
                .get(id)
                .filter(|(_, until)| *until > now)
                .map(|(r, _)| r.clone())
        });
        Box::pin(async move { r })
    }

    fn save<'a>(
        &'a self,
        id: &'a str,
        record: Vec<u8>,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let r = self
            .records
            .lock()
            .map_err(|_| poisoned())
            .map(|mut records| {
                // Expired records go when new ones come, so the map holds live sessions only.
                records.retain(|_, (_, until)| *until > now);
                records.insert(id.to_owned(), (record, expires_at));
            });
        Box::pin(async move { r })
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let r = self
            .records
            .lock()
            .map_err(|_| poisoned())
            .map(|mut records| {
                records.remove(id);
            });
        Box::pin(async move { r })
    }
}

/// What an ended session is known by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndedKey {
    /// The application's own session id (local logout: a copy of the cookie stops working).
    Session(String),
    /// The provider's session (`sid`, Back-Channel Logout 1.0 §2.4) at issuer `iss`.
    ProviderSession {
        /// The issuer.
        iss: String,
        /// The provider's session id.
        sid: String,
    },
    /// Every session of end-user `sub` at issuer `iss` (a logout token without `sid`, §2.7).
    Subject {
        /// The issuer.
        iss: String,
        /// The end-user.
        sub: String,
    },
    /// A logout token's `jti` already processed (§2.6 step 10: replays are refused).
    LogoutToken {
        /// The issuer.
        iss: String,
        /// The token's `jti`.
        jti: String,
    },
}

/// The registry of ended sessions, checked on every request that carries a session.
/// A session is over when any of its keys was ended at or after the session began.
/// [`MemoryEndedSessions`] is the in-process default; several application instances
/// share one by implementing this over their database.
pub trait EndedSessions: Send + Sync + 'static {
    /// Records that `key` ended at `at`; the entry may be forgotten after `forget_after`
    /// (when every session it could match has timed out anyway).
    fn end(
        &self,
        key: EndedKey,
        at: UnixTime,
        forget_after: UnixTime,
    ) -> BoxFuture<'_, Result<(), StoreError>>;
    /// The latest time any of `keys` was ended, if any was.
    fn ended_at<'a>(
        &'a self,
        keys: &'a [EndedKey],
    ) -> BoxFuture<'a, Result<Option<UnixTime>, StoreError>>;
}

/// Ended sessions in process memory, pruned as entries pass their `forget_after`.
#[derive(Debug, Default)]
pub struct MemoryEndedSessions {
    entries: Mutex<HashMap<EndedKey, (UnixTime, UnixTime)>>,
}

impl MemoryEndedSessions {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }
}

impl EndedSessions for MemoryEndedSessions {
    fn end(
        &self,
        key: EndedKey,
        at: UnixTime,
        forget_after: UnixTime,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        let r = self
            .entries
            .lock()
            .map_err(|_| poisoned())
            .map(|mut entries| {
                // `at` is the current time: anything to forget before it is gone.
                entries.retain(|_, (_, forget)| *forget > at);
                let slot = entries.entry(key).or_insert((at, forget_after));
                slot.0 = slot.0.max(at);
                slot.1 = slot.1.max(forget_after);
            });
        Box::pin(async move { r })
    }

    fn ended_at<'a>(
        &'a self,
        keys: &'a [EndedKey],
    ) -> BoxFuture<'a, Result<Option<UnixTime>, StoreError>> {
        let r = self.entries.lock().map_err(|_| poisoned()).map(|entries| {
            keys.iter()
                .filter_map(|k| entries.get(k).map(|(at, _)| *at))
                .max()
        });
        Box::pin(async move { r })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> UnixTime {
        UnixTime::from_secs(s)
    }

    #[tokio::test]
    async fn memory_session_store() {
        let s = MemorySessionStore::new();
        s.save("a", b"x".to_vec(), t(1), t(100)).await.unwrap();
        assert_eq!(
            s.load("a", t(99)).await.unwrap().as_deref(),
            Some(&b"x"[..])
        );
        assert_eq!(s.load("a", t(100)).await.unwrap(), None, "expired");
        assert_eq!(s.load("b", t(1)).await.unwrap(), None);
        s.remove("a").await.unwrap();
        assert_eq!(s.load("a", t(1)).await.unwrap(), None);
        // Saving prunes what expired.
        s.save("old", b"o".to_vec(), t(1), t(5)).await.unwrap();
        s.save("new", b"n".to_vec(), t(6), t(50)).await.unwrap();
        assert_eq!(s.len(), 1);
    }

    #[tokio::test]
    async fn ended_sessions_latest_time_and_pruning() {
        let e = MemoryEndedSessions::new();
        let sid = EndedKey::ProviderSession {
            iss: "i".into(),
            sid: "s".into(),
        };
        let other = EndedKey::ProviderSession {
            iss: "i".into(),
            sid: "other".into(),
        };
        assert_eq!(e.ended_at(std::slice::from_ref(&sid)).await.unwrap(), None);
        e.end(sid.clone(), t(10), t(20)).await.unwrap();
        assert_eq!(
            e.ended_at(&[other.clone(), sid.clone()]).await.unwrap(),
            Some(t(10))
        );
        assert_eq!(
            e.ended_at(std::slice::from_ref(&other)).await.unwrap(),
            None
        );
        // Ending another key later prunes the first once it is past `forget_after`.
        e.end(other.clone(), t(30), t(40)).await.unwrap();
        assert_eq!(e.ended_at(std::slice::from_ref(&sid)).await.unwrap(), None);
        assert_eq!(e.ended_at(&[other]).await.unwrap(), Some(t(30)));
    }
}
