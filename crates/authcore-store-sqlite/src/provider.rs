//! The adapter's async contract, [`ProviderStore`]: each call runs on tokio's blocking pool
//! (`spawn_blocking`), so a disk sync never stalls the runtime's workers.

use authcore_hyper::{
    AccountRecord, ConsentRecord, ProviderStore, SessionRecord, StoreError, StoreFuture, StoredKeys,
};
use authcore_jose::UnixTime;
use authcore_server::{Answer, Need, Write, WriteOutcome};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::SqliteStore;
use crate::error::ctx;
use crate::records::{self, body, read, secs};

/// How long a grant is kept after it is made even with nothing under it yet: the sweep must
/// not remove a grant between its own write and the write of its first code or token when
/// the two are not in one batch (the synchronous [`authcore_server::Store`] applies writes one
/// by one).
const GRANT_SWEEP_GRACE_SECS: u64 = 600;

impl SqliteStore {
    /// Runs `f` on the write connection in tokio's blocking pool.
    fn writing<T, F>(&self, f: F) -> StoreFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.blocking(move |store| store.write_durably(f))
    }

    /// Runs `f` on a read connection in tokio's blocking pool.
    fn reading<T, F>(&self, f: F) -> StoreFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.blocking(move |store| f(&store.reader()))
    }

    fn blocking<T, F>(&self, f: F) -> StoreFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&SqliteStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || f(&store))
                .await
                .map_err(|e| StoreError::unavailable(format!("sqlite worker task failed: {e}")))?
        })
    }

    /// Deletes what expired before `now` (see [`ProviderStore::sweep`]) in one transaction;
    /// returns how many rows went.
    pub fn sweep_expired(&self, now: UnixTime) -> Result<u64, StoreError> {
        self.write_durably(|conn| sweep(conn, now))
    }
}

fn sweep(conn: &mut Connection, now: UnixTime) -> Result<u64, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(ctx("starting the sweep"))?;
    let now_s = secs(now);
    let mut deleted = 0u64;
    // Expired records, used or not: a replay of an expired code or token fails as unknown,
    // which is as final as failing as used.
    for sql in [
        "DELETE FROM codes WHERE expires_at <= ?1",
        "DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at <= ?1",
        "DELETE FROM device_codes WHERE expires_at <= ?1",
        "DELETE FROM pushed_requests WHERE expires_at <= ?1",
        "DELETE FROM interactions WHERE expires_at <= ?1",
        "DELETE FROM replay_keys WHERE expires_at <= ?1",
        "DELETE FROM sessions WHERE expires_at <= ?1",
    ] {
        deleted += tx
            .execute(sql, [now_s])
            .map_err(ctx("sweeping expired records"))? as u64;
    }
    // Then the grants nothing lives under any more (no code, token or device code names them).
    deleted += tx
        .execute(
            "DELETE FROM grants
             WHERE created_at <= ?1
               AND NOT EXISTS (SELECT 1 FROM codes WHERE codes.grant_id = grants.id)
               AND NOT EXISTS (SELECT 1 FROM tokens WHERE tokens.grant_id = grants.id)
               AND NOT EXISTS (SELECT 1 FROM device_codes WHERE device_codes.grant_id = grants.id)",
            [secs(UnixTime::from_secs(
                now.as_secs().saturating_sub(GRANT_SWEEP_GRACE_SECS),
            ))],
        )
        .map_err(ctx("sweeping grants"))? as u64;
    tx.commit().map_err(ctx("committing the sweep"))?;
    Ok(deleted)
}

fn session_sid(record: &SessionRecord) -> &str {
    &record.session.sid
}

impl ProviderStore for SqliteStore {
    fn answer(&self, need: Need, now: UnixTime) -> StoreFuture<'_, Answer> {
        self.reading(move |conn| records::answer(conn, &need, now))
    }

    fn apply(&self, writes: Vec<Write>, now: UnixTime) -> StoreFuture<'_, Vec<WriteOutcome>> {
        Box::pin(self.apply_grouped_async(writes, now))
    }

    fn session(&self, id: String, now: UnixTime) -> StoreFuture<'_, Option<SessionRecord>> {
        self.reading(move |conn| {
            read(
                conn,
                "reading a session",
                "SELECT body FROM sessions WHERE id = ?1 AND expires_at > ?2",
                &[&id, &secs(now)],
            )
        })
    }

    fn put_session(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        self.writing(move |conn| {
            conn.execute(
                "INSERT INTO sessions (id, sid, expires_at, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE
                 SET sid = excluded.sid, expires_at = excluded.expires_at, body = excluded.body",
                params![
                    record.id,
                    session_sid(&record),
                    secs(UnixTime::from_secs(record.expires_at)),
                    body("storing a session", &record)?,
                ],
            )
            .map_err(ctx("storing a session"))?;
            Ok(())
        })
    }

    fn remove_session(&self, id: String) -> StoreFuture<'_, ()> {
        self.writing(move |conn| {
            conn.execute("DELETE FROM sessions WHERE id = ?1", [id])
                .map_err(ctx("removing a session"))?;
            Ok(())
        })
    }

    fn account_by_username(&self, username: String) -> StoreFuture<'_, Option<AccountRecord>> {
        self.reading(move |conn| {
            read(
                conn,
                "reading an account",
                "SELECT body FROM accounts WHERE username = ?1",
                &[&username],
            )
        })
    }

    fn account_by_subject(&self, subject: String) -> StoreFuture<'_, Option<AccountRecord>> {
        self.reading(move |conn| {
            read(
                conn,
                "reading an account",
                "SELECT body FROM accounts WHERE subject = ?1",
                &[&subject],
            )
        })
    }

    fn put_account(&self, account: AccountRecord) -> StoreFuture<'_, ()> {
        self.writing(move |conn| {
            // The subject's row is replaced; a username held by another subject breaks the
            // UNIQUE rule, which maps to `Conflict`.
            conn.execute(
                "INSERT INTO accounts (subject, username, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (subject) DO UPDATE
                 SET username = excluded.username, body = excluded.body",
                params![
                    account.subject,
                    account.username,
                    body("storing an account", &account)?,
                ],
            )
            .map_err(ctx("storing an account"))?;
            Ok(())
        })
    }

    fn consent(
        &self,
        subject: String,
        client_id: String,
    ) -> StoreFuture<'_, Option<ConsentRecord>> {
        self.reading(move |conn| {
            read(
                conn,
                "reading a consent",
                "SELECT body FROM consents WHERE subject = ?1 AND client_id = ?2",
                &[&subject, &client_id],
            )
        })
    }

    fn put_consent(&self, consent: ConsentRecord) -> StoreFuture<'_, ()> {
        self.writing(move |conn| {
            conn.execute(
                "INSERT INTO consents (subject, client_id, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (subject, client_id) DO UPDATE SET body = excluded.body",
                params![
                    consent.subject,
                    consent.client_id,
                    body("storing a consent", &consent)?,
                ],
            )
            .map_err(ctx("storing a consent"))?;
            Ok(())
        })
    }

    fn keys(&self) -> StoreFuture<'_, Option<StoredKeys>> {
        self.reading(move |conn| {
            let row: Option<(i64, String)> = conn
                .query_row(
                    "SELECT version, document FROM signing_keys WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(ctx("reading the signing keys"))?;
            row.map(|(version, document)| {
                let version = u64::try_from(version).map_err(|_| {
                    crate::error::corrupt("reading the signing keys", "a negative version")
                })?;
                Ok(StoredKeys { version, document })
            })
            .transpose()
        })
    }

    fn replace_keys(
        &self,
        expected_version: Option<u64>,
        document: String,
    ) -> StoreFuture<'_, bool> {
        self.writing(move |conn| {
            // A compare-and-set in one statement: the version in the WHERE (or the absent
            // row) is the condition, so of two instances rotating at once exactly one wins.
            let rows = match expected_version {
                None => conn.execute(
                    "INSERT INTO signing_keys (id, version, document) VALUES (1, 1, ?1)
                     ON CONFLICT (id) DO NOTHING",
                    [&document],
                ),
                Some(v) => {
                    let (Ok(v), Some(next)) = (i64::try_from(v), v.checked_add(1)) else {
                        // No stored version can be this large, so it cannot match.
                        return Ok(false);
                    };
                    let Ok(next) = i64::try_from(next) else {
                        return Ok(false);
                    };
                    conn.execute(
                        "UPDATE signing_keys SET version = ?2, document = ?3
                         WHERE id = 1 AND version = ?1",
                        params![v, next, document],
                    )
                }
            }
            .map_err(ctx("replacing the signing keys"))?;
            Ok(rows == 1)
        })
    }

    fn sweep(&self, now: UnixTime) -> StoreFuture<'_, u64> {
        self.writing(move |conn| sweep(conn, now))
    }
}
