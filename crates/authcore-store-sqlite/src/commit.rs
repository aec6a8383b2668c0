//! The group commit: a committer thread that applies the core's write batches in groups, and,
//! for a file store, a syncer thread that makes each group durable before its callers hear
//! of it.
//!
//! ```text
//!   callers ──► inbox ──► committer: BEGIN IMMEDIATE; batch₁ … batchₙ; COMMIT ──► syncer: fdatasync(WAL) ──► outcomes
//!                          (group k+1 is applied while group k is being synced)
//! ```
//!
//! SQLite's `synchronous=FULL` would sync the log inside every `COMMIT`, so the writer could
//! not apply the next group while the disk syncs the last one. A file store's writer runs
//! with `synchronous=NORMAL` instead (the log is not synced at commit, and SQLite still syncs
//! it before every checkpoint and syncs the database file after one), and the syncer syncs
//! the log file itself after each commit: a group's callers hear their outcomes only after
//! a sync that began after their commit was written, so every batch reported applied is on
//! disk, as with `FULL`. The log is appended in commit order, so a sync that covers a
//! commit covers every commit before it: after a power loss the database holds a prefix of
//! the commits, and that prefix includes every one that was reported.
//!
//! What another request may see earlier: a group's writes are visible to readers from its
//! commit, before its sync, while its own callers are still waiting. Nobody holds a token
//! of such a group yet (the response that carries it waits for the sync), and a decision
//! taken on what it wrote (a replay refused because a code is already used) is itself a
//! later commit, which is durable only if the earlier one is.

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use authcore_hyper::StoreError;
use authcore_jose::UnixTime;
use authcore_server::{Write, WriteOutcome};
use rusqlite::Connection;

use crate::{records, relock};

/// Most batches in one commit: a bound on one transaction's size under a burst.
const MAX_GROUP: usize = 256;

/// A batch's outcome: the writes' outcomes, or why none of them was applied.
pub(crate) type BatchOutcome = Result<Vec<WriteOutcome>, StoreError>;

/// A batch of writes on its way to the committer, and where its outcome goes.
pub(crate) struct Job {
    pub(crate) writes: Vec<Write>,
    pub(crate) now: UnixTime,
    pub(crate) reply: Reply,
}

/// Where a batch's outcome goes.
pub(crate) enum Reply {
    /// A thread blocked until it arrives (the synchronous [`authcore_server::Store`]).
    Waiting(SyncSender<BatchOutcome>),
    /// A task awaiting it (the async [`authcore_hyper::ProviderStore`]).
    Task(tokio::sync::oneshot::Sender<BatchOutcome>),
}

impl Reply {
    fn send(self, outcome: BatchOutcome) {
        // A caller that stopped waiting (a cancelled request) no longer needs it; the batch
        // stays applied, as it would had the caller gone a moment later.
        match self {
            Reply::Waiting(tx) => {
                let _ = tx.send(outcome);
            }
            Reply::Task(tx) => {
                let _ = tx.send(outcome);
            }
        }
    }
}

/// The write-ahead log file of a file store, opened beside SQLite's own handle so that it
/// can be synced while the writer goes on.
pub(crate) struct WalLog {
    file: File,
}

impl WalLog {
    /// The log of the database at `db` (`<db>-wal`). `None` when it does not exist (then the
    /// writer keeps `synchronous=FULL` and syncs in its own commits).
    pub(crate) fn open(db: &Path) -> Option<WalLog> {
        let mut name = db.as_os_str().to_owned();
        name.push("-wal");
        // SQLite keeps the log while any connection is open and reuses it in place after a
        // checkpoint, so this handle names the file the writer appends to for as long as the
        // store's own writer connection is open.
        File::open(Path::new(&name))
            .ok()
            .map(|file| WalLog { file })
    }

    /// Syncs everything written to the log so far (data and the length it needs).
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        self.file.sync_data().map_err(|e| {
            StoreError::unavailable(format!("syncing the SQLite write-ahead log: {e}"))
        })
    }
}

/// The committer (and, for a file store, the syncer) of one store; dropping it lets them
/// finish every batch already handed over and waits for them.
pub(crate) struct Committer {
    /// `None` only while dropping.
    inbox: Option<Sender<Job>>,
    /// The committer, then the syncer.
    threads: Vec<JoinHandle<()>>,
}

impl Committer {
    /// Starts the threads. With a `log`, outcomes go out after the syncer has synced it;
    /// without, right after the commit (whose own sync, if any, SQLite did).
    pub(crate) fn start(
        writer: Arc<Mutex<Connection>>,
        log: Option<Arc<WalLog>>,
    ) -> Result<Committer, StoreError> {
        let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(f)
                .map_err(|e| StoreError::unavailable(format!("starting the SQLite {name}: {e}")))
        };
        let (inbox, jobs) = std::sync::mpsc::channel();
        let mut threads = Vec::with_capacity(2);
        let synced = match log {
            Some(log) => {
                let (to_syncer, committed) = std::sync::mpsc::channel();
                let syncer = spawn(
                    "authcore-sqlite-sync",
                    Box::new(move || sync_loop(&log, &committed)),
                )?;
                threads.push(syncer);
                Some(to_syncer)
            }
            None => None,
        };
        let committer = spawn(
            "authcore-sqlite-commit",
            Box::new(move || commit_loop(&writer, &jobs, synced.as_ref())),
        )?;
        // Joined committer first: its end closes the syncer's inbox.
        threads.insert(0, committer);
        Ok(Committer {
            inbox: Some(inbox),
            threads,
        })
    }

    /// Hands a batch to the committer.
    pub(crate) fn submit(&self, job: Job) -> Result<(), StoreError> {
        let inbox = self.inbox.as_ref().ok_or_else(committer_gone)?;
        inbox.send(job).map_err(|_| committer_gone())
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.inbox = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A committed group on its way to the syncer: each caller with its outcome.
type Committed = Vec<(Reply, BatchOutcome)>;

/// The committer thread: takes every batch waiting (at least one, at most [`MAX_GROUP`]),
/// applies them in one transaction with one commit, then hands the outcomes to the syncer
/// (or, without one, to the callers). Batches that arrive meanwhile wait in the inbox and
/// form the next group. It ends when the inbox closes and is empty.
fn commit_loop(
    writer: &Mutex<Connection>,
    jobs: &Receiver<Job>,
    syncer: Option<&Sender<Committed>>,
) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let batches: Vec<(&[Write], UnixTime)> =
            group.iter().map(|j| (j.writes.as_slice(), j.now)).collect();
        // A panic while applying (none is known) fails this group, whose transaction its
        // guard rolls back, and leaves the thread serving the next one.
        let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            records::apply_batches(&mut relock(writer), &batches)
        }))
        .unwrap_or_else(|_| {
            let e = StoreError::unavailable(
                "the SQLite writer failed while applying a group of batches; none was applied",
            );
            batches.iter().map(|_| Err(e.clone())).collect()
        });
        drop(batches);
        let committed: Committed = group
            .into_iter()
            .map(|job| job.reply)
            .zip(outcomes)
            .collect();
        match syncer {
            None => answer(committed, Ok(())),
            Some(syncer) => {
                if let Err(unsent) = syncer.send(committed) {
                    answer(unsent.0, Err(syncer_gone()));
                }
            }
        }
    }
}

/// The syncer thread: takes every committed group waiting, syncs the log once for all of
/// them, then tells their callers. A failed sync fails every batch it was to cover: their
/// commits may or may not survive a power loss, so none is reported applied.
fn sync_loop(log: &WalLog, committed: &Receiver<Committed>) {
    while let Ok(first) = committed.recv() {
        let mut groups = vec![first];
        while let Ok(more) = committed.try_recv() {
            groups.push(more);
        }
        let synced = log.sync();
        for group in groups {
            answer(group, synced.clone());
        }
    }
}

/// Tells each caller of a group its outcome, or `failed` when the group is not durable.
fn answer(group: Committed, durable: Result<(), StoreError>) {
    for (reply, outcome) in group {
        reply.send(match &durable {
            Ok(()) => outcome,
            Err(e) => Err(e.clone()),
        });
    }
}

pub(crate) fn committer_gone() -> StoreError {
    StoreError::unavailable("the SQLite committer thread has stopped; nothing was applied")
}

fn syncer_gone() -> StoreError {
    StoreError::unavailable(
        "the SQLite log syncer has stopped; the batch may be committed but is not reported applied",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_without_a_log_file_has_no_log_to_sync() {
        let dir = crate::scratch_dir("nolog");
        let db = dir.join("x.db");
        assert!(WalLog::open(&db).is_none());
        std::fs::write(dir.join("x.db-wal"), b"").unwrap();
        let log = WalLog::open(&db).expect("the log file is found beside the database");
        log.sync().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_sync_fails_every_batch_it_covers() {
        let (a, ra) = std::sync::mpsc::sync_channel(1);
        let (b, rb) = tokio::sync::oneshot::channel();
        answer(
            vec![
                (Reply::Waiting(a), Ok(vec![WriteOutcome::Applied])),
                (Reply::Task(b), Ok(vec![WriteOutcome::Conflict])),
            ],
            Err(StoreError::unavailable("disk gone")),
        );
        assert!(ra.recv().unwrap().is_err());
        assert!(rb.blocking_recv().unwrap().is_err());
        let (c, rc) = std::sync::mpsc::sync_channel(1);
        answer(
            vec![(Reply::Waiting(c), Ok(vec![WriteOutcome::Applied]))],
            Ok(()),
        );
        assert_eq!(rc.recv().unwrap().unwrap(), [WriteOutcome::Applied]);
    }
}
