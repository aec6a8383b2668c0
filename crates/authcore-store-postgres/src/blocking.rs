//! [`BlockingStore`]: the PostgreSQL store behind authcore-server's synchronous
//! [`Store`] trait, for the storage conformance kit and for tools without an async runtime.

use std::future::Future;
use std::sync::Mutex;

use authcore_hyper::{ProviderStore, StoreError};
use authcore_jose::UnixTime;
use authcore_server::{Answer, Need, Store, Write, WriteOutcome};

use crate::PostgresStore;

/// A [`PostgresStore`] with its own small runtime, answering the synchronous [`Store`]
/// trait by blocking on each operation.
///
/// [`Store`] has no error channel, so a failed operation fails closed: a lookup answers "no
/// such record" and a write answers [`WriteOutcome::Conflict`] (never `Applied` for a write
/// that may not have happened). The error is kept for [`BlockingStore::take_error`].
///
/// [`Store::apply`] takes one write, so through this trait every write is its own
/// transaction and a batch is not atomic: a provider serving several instances drives its
/// endpoints through [`ProviderStore::apply`](authcore_hyper::ProviderStore::apply), which
/// runs each batch in one transaction.
///
/// Use it from synchronous code only: its calls block the thread, and it must not be
/// dropped inside an async context (its runtime shuts down on drop).
pub struct BlockingStore {
    runtime: tokio::runtime::Runtime,
    store: PostgresStore,
    last_error: Mutex<Option<StoreError>>,
}

impl core::fmt::Debug for BlockingStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BlockingStore")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl BlockingStore {
    /// Connects as [`PostgresStore::connect`] does, on a runtime of its own.
    pub fn connect(url: &str, pool_size: usize) -> Result<BlockingStore, StoreError> {
        // One worker thread drives the connections between calls; the calls themselves
        // block the caller's thread.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| StoreError::unavailable(format!("no runtime for PostgreSQL: {e}")))?;
        let store = runtime.block_on(PostgresStore::connect(url, pool_size))?;
        Ok(BlockingStore {
            runtime,
            store,
            last_error: Mutex::new(None),
        })
    }

    /// The asynchronous store inside.
    pub fn store(&self) -> &PostgresStore {
        &self.store
    }

    /// Runs a future on this store's runtime, blocking the thread until it completes (for
    /// the [`ProviderStore`] methods that [`Store`] lacks).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The error of the last failed operation, if any since the last call; clears it.
    pub fn take_error(&self) -> Option<StoreError> {
        self.last_error_slot().take()
    }

    fn last_error_slot(&self) -> std::sync::MutexGuard<'_, Option<StoreError>> {
        // The slot holds a plain value; a panic elsewhere cannot leave it half-written.
        self.last_error.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remember(&self, error: StoreError) {
        *self.last_error_slot() = Some(error);
    }
}

impl Store for BlockingStore {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        match self
            .runtime
            .block_on(ProviderStore::answer(&self.store, need.clone(), now))
        {
            Ok(answer) => answer,
            Err(e) => {
                self.remember(e);
                Answer::none_for(need)
            }
        }
    }

    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome> {
        // One transaction for the batch (`ProviderStore::apply`); on an error it is rolled
        // back whole, and the batch is reported as conflicting at its first write.
        match self
            .runtime
            .block_on(ProviderStore::apply(&self.store, writes.to_vec(), now))
        {
            Ok(outcomes) => outcomes,
            Err(e) => {
                self.remember(e);
                vec![WriteOutcome::Conflict]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_server::model::{GrantId, TokenHash};

    #[test]
    fn failed_lookups_fail_closed() {
        let h = TokenHash::from_stored("k1.x");
        assert_eq!(
            Answer::none_for(&Need::ReplayCheck("k".into())),
            Answer::Seen(true)
        );
        assert_eq!(Answer::none_for(&Need::Code(h.clone())), Answer::Code(None));
        assert_eq!(
            Answer::none_for(&Need::AccessToken(h.clone())),
            Answer::Token(None)
        );
        assert_eq!(
            Answer::none_for(&Need::Grant(GrantId("g".into()))),
            Answer::Grant(None)
        );
        assert_eq!(
            Answer::none_for(&Need::DeviceCodeByUserCode(h)),
            Answer::DeviceCode(None)
        );
        assert_eq!(
            Answer::none_for(&Need::Claims {
                subject: "alice".into(),
                scopes: vec!["openid".into()],
                claims_request: None,
            }),
            Answer::Claims(None)
        );
    }
}
