//! SQLite storage for authcore's OpenID provider: every record of
//! [`authcore_server`] (clients, grants, codes, tokens, device codes, pushed requests,
//! interactions, replay keys) and of [`authcore_hyper`] (login sessions, accounts, consents,
//! the signing keys) in one embedded database file.
//!
//! It does not hash, sign or decide anything: the records arrive already keyed by their
//! credentials' keyed hashes ([`authcore_server::model::TokenHash`]), and the core decides what
//! to write. This crate keeps them and makes the conditional writes atomic.
//!
//! ```text
//!   authcore-hyper ── ProviderStore (async) ──┐                ┌─► committer thread ──────┐
//!                                             ├──► SqliteStore ┤   one transaction a group├─► file (WAL)
//!   drive loop ────── Store (sync) ───────────┘                └─► 4 readers (query_only) ┘
//! ```
//!
//! - **One database file** in WAL mode, so readers in other processes (a backup, a second
//!   instance) do not block the writer; every write batch reported applied (an issued token,
//!   a consumed code) is on disk before the caller hears of it and survives a crash or power
//!   loss (see the group commit below); a busy timeout, so a second process waits for the
//!   lock instead of failing at once.
//! - **Records as JSON bodies** (the serde form of [`authcore_server::model`]) beside indexed
//!   columns for the keys, the expiry and the state that the conditions test (`used`,
//!   `rotated`, `revoked`, the device code's status). A conditional write is one `UPDATE …
//!   WHERE <condition>` (or `INSERT … ON CONFLICT`) that changes the column and the body
//!   together; every batch of writes runs under its own savepoint inside a `BEGIN IMMEDIATE`
//!   transaction, and each write in it under a nested one, so a write that loses its race
//!   changes nothing and a batch is atomic.
//! - **Group commit** on a committer thread, with the disk sync on a syncer thread: every
//!   write batch of the core goes to one thread that owns the write path. It takes all the
//!   batches waiting and applies them one after the other in one transaction with one
//!   commit; the syncer then syncs the write-ahead log once for every group committed since
//!   its last sync, and only then does each caller hear its own batch's outcome. The
//!   committer applies the next group while the disk syncs the last one (the writer runs
//!   with `synchronous=NORMAL` and the store syncs the log itself, which with its ordering
//!   gives what `synchronous=FULL` gives: nothing is reported applied before it is on disk,
//!   and after a power loss the file holds every commit up to some point, including every
//!   reported one). An async caller waits without holding a thread. A batch that fails is
//!   rolled back to its savepoint alone; a failed commit fails every batch of the group (none
//!   applied); a failed sync reports every batch it was to cover as failed. A group's writes
//!   are visible to other requests from its commit, while its own callers still wait for
//!   the sync; a store in memory has no log and answers right after the commit.
//! - **Statements prepared once** per connection and kept in its statement cache.
//! - **Versioned schema**: a `schema_version` table; the migrations up to this build's version
//!   run at [`SqliteStore::open`]; a database from a newer version is refused
//!   ([`StoreErrorKind::Corrupt`](authcore_hyper::StoreErrorKind::Corrupt)) rather than
//!   misread.
//!
//! # Errors
//!
//! Through [`authcore_hyper::ProviderStore`] every failure is a
//! [`StoreError`]: a busy database, an I/O or open failure is
//! `Unavailable` (the adapter answers `503` and the client retries); a broken uniqueness rule
//! is `Conflict`; an unreadable row or an unknown schema version is `Corrupt`.
//!
//! The synchronous [`authcore_server::Store`] trait has no error channel, so there the store
//! fails closed: a failed read answers "no record" (and a failed replay check answers "seen"),
//! a failed write answers [`WriteOutcome::Conflict`].
//! No token or code is ever issued on the strength of a write that did not happen.
//!
//! # Example
//!
//! ```
//! use authcore_server::store::conformance;
//! use authcore_store_sqlite::SqliteStore;
//!
//! let store = SqliteStore::open_in_memory().unwrap();
//! conformance::run(&store);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod commit;
mod error;
mod provider;
mod records;
mod schema;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use authcore_hyper::StoreError;
use authcore_jose::UnixTime;
use authcore_server::{Answer, Need, Store, Write, WriteOutcome};
use rusqlite::{Connection, OpenFlags};

use commit::{Committer, Job, Reply, WalLog, committer_gone};

pub use schema::SCHEMA_VERSION;

/// How long a writer waits for another process's lock before the operation fails as
/// `Unavailable` (SQLITE_BUSY).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements each connection keeps: more than the distinct statements of
/// [`records`], so none is parsed twice.
const STATEMENT_CACHE: usize = 64;

/// Read connections of a file store. In WAL mode readers see the last commit without waiting
/// for the writer (whose commits wait for the disk), so lookups go on while a write syncs.
const READERS: usize = 4;

/// A provider store in one SQLite database.
///
/// Cloning is cheap and shares the connections. Writes through one `SqliteStore` are
/// serialized on its one write connection; reads of a file store use a few read-only
/// connections beside it. Several `SqliteStore`s (or processes) may open the same file, and
/// SQLite's locking keeps their conditional writes atomic.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Connections>,
}

struct Connections {
    /// The write connection: the committer's for the core's write batches, locked directly
    /// by the other writes (sessions, accounts, keys, the sweep).
    writer: Arc<Mutex<Connection>>,
    /// The group commit's threads.
    committer: Committer,
    /// A file store's write-ahead log, synced by the store itself (see [`commit`]).
    log: Option<Arc<WalLog>>,
    /// Empty in memory, where every connection would be its own database.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    path: Option<PathBuf>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating the file if it does not exist, and brings its
    /// schema to [`SCHEMA_VERSION`].
    ///
    /// Fails with `Corrupt` when the file is not a database or its schema is newer than this
    /// build knows, with `Unavailable` when it cannot be opened (permissions, a missing
    /// directory, a lock held past the busy timeout).
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let open = || {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| error::db("opening the database", e))
        };
        let mut writer = open()?;
        SqliteStore::configure(&writer, true)?;
        // The schema first, so the readers open a database that has its tables.
        schema::migrate(&mut writer)?;
        // From here on the store syncs the log itself, after each commit and before anyone
        // hears of it (see [`commit`]); without the log file SQLite keeps doing it in FULL.
        let log = WalLog::open(path).map(Arc::new);
        if log.is_some() {
            writer
                .pragma_update(None, "synchronous", "NORMAL")
                .map_err(|e| error::db("configuring the writer", e))?;
        }
        let readers = (0..READERS)
            .map(|_| {
                let reader = open()?;
                SqliteStore::configure(&reader, true)?;
                // A reader never writes, even by mistake.
                reader
                    .pragma_update(None, "query_only", true)
                    .map_err(|e| error::db("configuring a reader", e))?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        SqliteStore::from_parts(writer, readers, Some(path.to_owned()), log)
    }

    /// A store in memory, gone when the last clone is dropped: for tests.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open_in_memory()
            .map_err(|e| error::db("opening an in-memory database", e))?;
        SqliteStore::configure(&conn, false)?;
        schema::migrate(&mut conn)?;
        SqliteStore::from_parts(conn, Vec::new(), None, None)
    }

    fn from_parts(
        writer: Connection,
        readers: Vec<Mutex<Connection>>,
        path: Option<PathBuf>,
        log: Option<Arc<WalLog>>,
    ) -> Result<SqliteStore, StoreError> {
        let writer = Arc::new(Mutex::new(writer));
        let committer = Committer::start(writer.clone(), log.clone())?;
        Ok(SqliteStore {
            inner: Arc::new(Connections {
                writer,
                committer,
                log,
                readers,
                next_reader: AtomicUsize::new(0),
                path,
            }),
        })
    }

    /// Sets a connection's busy timeout, journal mode (WAL for a file) and sync level.
    fn configure(conn: &Connection, file: bool) -> Result<(), StoreError> {
        let pragma = |e| error::db("configuring the connection", e);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(pragma)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        if file {
            // WAL: readers never block the writer, and a commit appends to the log instead of
            // rewriting pages, so a crash mid-commit leaves the last committed state.
            let mode: String = conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .map_err(pragma)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::unavailable(format!(
                    "the database would not switch to WAL mode (it is in `{mode}` mode)"
                )));
            }
        }
        // FULL: the log is synced at every commit, so an applied write survives power loss,
        // not only a crash of the process (NORMAL would risk the last commits). A file
        // store's writer then moves to NORMAL with the store syncing the log itself.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(pragma)?;
        Ok(())
    }

    /// Sets how long an operation waits for another connection's lock before it fails as
    /// `Unavailable` (5 seconds by default).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        let set = |conn: &Connection| {
            conn.busy_timeout(timeout)
                .map_err(|e| error::db("setting the busy timeout", e))
        };
        set(&self.lock())?;
        for reader in &self.inner.readers {
            set(&relock(reader))?;
        }
        Ok(())
    }

    /// The database file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Applies one batch of writes atomically and durably through the group commit (see the
    /// crate docs), waiting for its outcome: for the synchronous [`Store`].
    pub(crate) fn apply_grouped(
        &self,
        writes: Vec<Write>,
        now: UnixTime,
    ) -> Result<Vec<WriteOutcome>, StoreError> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, outcome) = std::sync::mpsc::sync_channel(1);
        self.inner.committer.submit(Job {
            writes,
            now,
            reply: Reply::Waiting(reply),
        })?;
        outcome.recv().unwrap_or_else(|_| Err(committer_gone()))
    }

    /// Applies one batch like [`SqliteStore::apply_grouped`], with the outcome delivered to a
    /// task: for the async [`authcore_hyper::ProviderStore`], which awaits it without holding
    /// a thread.
    pub(crate) fn apply_grouped_async(
        &self,
        writes: Vec<Write>,
        now: UnixTime,
    ) -> impl Future<Output = Result<Vec<WriteOutcome>, StoreError>> + Send + 'static {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        let submitted = if writes.is_empty() {
            let _ = reply.send(Ok(Vec::new()));
            Ok(())
        } else {
            self.inner.committer.submit(Job {
                writes,
                now,
                reply: Reply::Task(reply),
            })
        };
        async move {
            submitted?;
            outcome.await.unwrap_or_else(|_| Err(committer_gone()))
        }
    }

    /// Runs `f` on the write connection, then makes what it committed durable: for the
    /// writes outside the group commit (sessions, accounts, consents, keys, the sweep).
    pub(crate) fn write_durably<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let done = f(&mut self.lock())?;
        if let Some(log) = &self.inner.log {
            log.sync()?;
        }
        Ok(done)
    }

    /// The write connection.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        relock(&self.inner.writer)
    }

    /// A read connection: a free reader if there is one, else the next in turn (the writer in
    /// memory, where there are no readers).
    fn reader(&self) -> MutexGuard<'_, Connection> {
        let readers = &self.inner.readers;
        if readers.is_empty() {
            return self.lock();
        }
        let start = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..readers.len() {
            match readers[(start + i) % readers.len()].try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        relock(&readers[start % readers.len()])
    }
}

/// A fresh directory for a unit test's database files, named by `tag` and the process.
#[cfg(test)]
pub(crate) fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authcore-sqlite-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Locks `m`. A panic while the lock was held cannot leave the database half-written (an open
/// transaction is rolled back when its guard drops), so the connection stays usable.
fn relock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The synchronous drive loop's store. It fails closed (see the crate docs): a failed read is
/// "no record", a failed write is a conflict.
impl Store for SqliteStore {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        records::answer(&self.reader(), need, now).unwrap_or_else(|_| Answer::none_for(need))
    }

    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome> {
        // Atomic through the group commit; on an error the batch is rolled back whole and
        // reported as conflicting at its first write.
        self.apply_grouped(writes.to_vec(), now)
            .unwrap_or_else(|_| vec![WriteOutcome::Conflict])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_store_runs_in_wal_mode_syncing_its_own_log_with_a_busy_timeout() {
        let dir = scratch_dir("pragmas");
        let path = dir.join("pragmas.db");
        let _ = std::fs::remove_file(&path);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.path(), Some(path.as_path()));
        {
            let conn = store.lock();
            let pragma = |name: &str| -> String {
                conn.query_row(&format!("PRAGMA {name}"), [], |r| {
                    r.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .unwrap()
            };
            assert_eq!(pragma("journal_mode"), "wal");
            // 1 is NORMAL: the store syncs the log itself, after each commit.
            assert_eq!(pragma("synchronous"), "1");
            assert_eq!(pragma("busy_timeout"), BUSY_TIMEOUT.as_millis().to_string());
        }
        {
            // Every reader is in WAL mode too, and refuses to write.
            let reader = store.reader();
            let mode: String = reader
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            let e = reader
                .execute("DELETE FROM clients", [])
                .expect_err("a reader is query-only");
            assert!(e.to_string().contains("readonly"), "{e}");
        }
        assert_eq!(store.inner.readers.len(), READERS);
        assert!(store.inner.log.is_some(), "the store syncs the log itself");
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
        let memory = SqliteStore::open_in_memory().unwrap();
        assert_eq!(memory.path(), None);
        assert!(memory.inner.log.is_none());
        assert!(format!("{memory:?}").starts_with("SqliteStore"));
    }
}
