//! [`ProviderStore`] on PostgreSQL: the core's needs and writes, the adapter's sessions,
//! accounts, consents and keys, and the sweep.

use authcore_hyper::{
    AccountRecord, ConsentRecord, ProviderStore, SessionRecord, StoreError, StoreErrorKind,
    StoreFuture, StoredKeys,
};
use authcore_jose::UnixTime;
use authcore_server::model::{
    AuthorizationCodeRecord, ClientRecord, DeviceCodeRecord, GrantRecord, InteractionRecord,
    PushedRequestRecord, TokenHash, TokenKind, TokenRecord,
};
use authcore_server::{Answer, Need, Write, WriteOutcome};
use deadpool_postgres::Transaction;
use tokio_postgres::types::ToSql;

use crate::error::{Failure, pool_error};
use crate::records::{
    body, count, decode, device_status, device_status_from, secs, time, token_kind,
};
use crate::{MAX_TRANSACTION_ATTEMPTS, PostgresStore};

/// How long after its creation a grant that nothing refers to any more (its codes, tokens
/// and device codes expired and swept) is swept too. The delay covers a grant inserted by
/// one write batch and referred to by the next (a device approval, then the poll that
/// issues its tokens).
const ORPHAN_GRANT_AGE_SECS: u64 = 24 * 60 * 60;

impl PostgresStore {
    /// One query that returns at most one row, on a pooled connection.
    async fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<tokio_postgres::Row>, Failure> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let statement = client.prepare_cached(sql).await?;
        Ok(client.query_opt(&statement, params).await?)
    }

    /// One statement outside a transaction; the number of rows it changed.
    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, Failure> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let statement = client.prepare_cached(sql).await?;
        Ok(client.execute(&statement, params).await?)
    }

    async fn answer_need(&self, need: Need, now: UnixTime) -> Result<Answer, Failure> {
        Ok(match need {
            Need::Client(id) => Answer::Client(
                self.query_opt("SELECT body FROM clients WHERE client_id = $1", &[&id])
                    .await?
                    .map(|row| decode::<ClientRecord>("clients", row.get(0)))
                    .transpose()?,
            ),
            Need::Code(handle) => Answer::Code(
                self.query_opt(
                    "SELECT body, used FROM codes WHERE handle = $1",
                    &[&handle.as_str()],
                )
                .await?
                .map(|row| {
                    let mut code: AuthorizationCodeRecord = decode("codes", row.get(0))?;
                    code.used = row.get(1);
                    Ok::<_, StoreError>(code)
                })
                .transpose()?,
            ),
            Need::RefreshToken(handle) => {
                Answer::Token(self.token(&handle, TokenKind::Refresh).await?)
            }
            Need::AccessToken(handle) => {
                Answer::Token(self.token(&handle, TokenKind::Access).await?)
            }
            Need::Grant(id) => Answer::Grant(
                self.query_opt(
                    "SELECT body, revoked FROM grants WHERE id = $1",
                    &[&id.as_str()],
                )
                .await?
                .map(|row| {
                    let mut grant: GrantRecord = decode("grants", row.get(0))?;
                    grant.revoked = row.get(1);
                    Ok::<_, StoreError>(grant)
                })
                .transpose()?,
            ),
            Need::DeviceCode(handle) => {
                Answer::DeviceCode(self.device_code("WHERE handle = $1", &handle).await?)
            }
            Need::DeviceCodeByUserCode(handle) => Answer::DeviceCode(
                // The newest first: a user code drawn again after an old one expired finds
                // the live authorization.
                self.device_code(
                    "WHERE user_code_handle = $1 ORDER BY expires_at DESC LIMIT 1",
                    &handle,
                )
                .await?,
            ),
            Need::PushedRequest(handle) => Answer::PushedRequest(
                self.query_opt(
                    "SELECT body, used FROM pushed_requests WHERE handle = $1",
                    &[&handle.as_str()],
                )
                .await?
                .map(|row| {
                    let mut pushed: PushedRequestRecord = decode("pushed_requests", row.get(0))?;
                    pushed.used = row.get(1);
                    Ok::<_, StoreError>(pushed)
                })
                .transpose()?,
            ),
            Need::Interaction(handle) => Answer::Interaction(
                self.query_opt(
                    "SELECT body FROM interactions WHERE handle = $1",
                    &[&handle.as_str()],
                )
                .await?
                .map(|row| decode::<InteractionRecord>("interactions", row.get(0)))
                .transpose()?,
            ),
            Need::ReplayCheck(key) => Answer::Seen(
                self.query_opt(
                    "SELECT 1 FROM replay_keys WHERE key = $1 AND expires_at > $2",
                    &[&key, &secs(now)],
                )
                .await?
                .is_some(),
            ),
            // OpenID Connect Core §5.1: the account's claims, all of them; the core releases
            // only what the scopes and the `claims` request ask for.
            Need::Claims { subject, .. } => Answer::Claims(
                self.query_opt("SELECT body FROM accounts WHERE subject = $1", &[&subject])
                    .await?
                    .map(|row| decode::<AccountRecord>("accounts", row.get(0)))
                    .transpose()?
                    .map(|account| account.claims),
            ),
            // The adapter's business, not the store's (see `ProviderStore::answer`), and
            // needs added to the core later: the fail-closed "nothing known".
            other => Answer::none_for(&other),
        })
    }

    async fn token(
        &self,
        handle: &TokenHash,
        kind: TokenKind,
    ) -> Result<Option<TokenRecord>, Failure> {
        Ok(self
            .query_opt(
                "SELECT body, rotated, revoked FROM tokens WHERE handle = $1 AND kind = $2",
                &[&handle.as_str(), &token_kind(kind)],
            )
            .await?
            .map(|row| {
                let mut token: TokenRecord = decode("tokens", row.get(0))?;
                token.rotated = row.get(1);
                token.revoked = row.get(2);
                Ok::<_, StoreError>(token)
            })
            .transpose()?)
    }

    async fn device_code(
        &self,
        filter: &str,
        handle: &TokenHash,
    ) -> Result<Option<DeviceCodeRecord>, Failure> {
        let sql = format!(
            "SELECT body, interval_secs, last_polled_at, failed_attempts, status, \
             approved_grant FROM device_codes {filter}"
        );
        let Some(row) = self.query_opt(&sql, &[&handle.as_str()]).await? else {
            return Ok(None);
        };
        let mut device: DeviceCodeRecord = decode("device_codes", row.get(0))?;
        device.interval = u64::try_from(row.get::<_, i64>(1)).unwrap_or(0);
        device.last_polled_at = row.get::<_, Option<i64>>(2).map(time);
        device.failed_attempts = u32::try_from(row.get::<_, i64>(3)).unwrap_or(u32::MAX);
        device.status = device_status_from(row.get(4), row.get(5))?;
        Ok(Some(device))
    }

    /// Applies a batch in one transaction (see [`ProviderStore::apply`]), running it again
    /// when PostgreSQL aborts it as a deadlock or serialization failure.
    async fn apply_batch(
        &self,
        writes: &[Write],
        now: UnixTime,
    ) -> Result<Vec<WriteOutcome>, Failure> {
        let mut attempt = 1;
        loop {
            let mut client = self.pool.get().await.map_err(pool_error)?;
            let result = async {
                let tx = client.transaction().await?;
                let mut outcomes = Vec::with_capacity(writes.len());
                for write in writes {
                    let outcome = apply_write(&tx, write, now).await?;
                    outcomes.push(outcome);
                    if outcome == WriteOutcome::Conflict {
                        break;
                    }
                }
                tx.commit().await?;
                Ok::<_, Failure>(outcomes)
            }
            .await;
            match result {
                Err(failure) if failure.is_retryable() && attempt < MAX_TRANSACTION_ATTEMPTS => {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn sweep_expired(&self, now: UnixTime) -> Result<u64, Failure> {
        let now_secs = secs(now);
        let mut deleted = 0;
        // One statement per table, each on its own: two instances sweeping at once delete
        // each row once (the second waits for the first's row lock, then finds it gone).
        for sql in [
            "DELETE FROM codes WHERE expires_at <= $1",
            "DELETE FROM tokens WHERE expires_at <= $1",
            "DELETE FROM device_codes WHERE expires_at <= $1",
            "DELETE FROM pushed_requests WHERE expires_at <= $1",
            "DELETE FROM interactions WHERE expires_at <= $1",
            "DELETE FROM replay_keys WHERE expires_at <= $1",
            "DELETE FROM sessions WHERE expires_at <= $1",
        ] {
            deleted += self.execute(sql, &[&now_secs]).await?;
        }
        let orphan_before = secs(now.saturating_sub(ORPHAN_GRANT_AGE_SECS));
        deleted += self
            .execute(
                "DELETE FROM grants g WHERE created_at <= $1 \
                 AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.grant_id = g.id) \
                 AND NOT EXISTS (SELECT 1 FROM codes c WHERE c.grant_id = g.id) \
                 AND NOT EXISTS (SELECT 1 FROM device_codes d WHERE d.approved_grant = g.id)",
                &[&orphan_before],
            )
            .await?;
        Ok(deleted)
    }
}

/// One write inside the batch's transaction. Every conditional write is a single statement
/// whose `WHERE` PostgreSQL evaluates again on the latest row version after waiting for a
/// concurrent writer's lock (READ COMMITTED, PostgreSQL manual §13.2.1), so of two racing
/// transactions exactly one changes the row.
async fn apply_write(
    tx: &Transaction<'_>,
    write: &Write,
    now: UnixTime,
) -> Result<WriteOutcome, Failure> {
    use WriteOutcome::{Applied, Conflict};
    let changed = |rows: u64| if rows == 1 { Applied } else { Conflict };
    Ok(match write {
        Write::InsertClient(client) | Write::UpdateClient(client) => {
            exec(
                tx,
                "INSERT INTO clients (client_id, body) VALUES ($1, $2) \
                 ON CONFLICT (client_id) DO UPDATE SET body = EXCLUDED.body",
                &[&client.client_id, &body(client)?],
            )
            .await?;
            Applied
        }
        Write::DeleteClient(id) => {
            exec(tx, "DELETE FROM clients WHERE client_id = $1", &[id]).await?;
            Applied
        }
        Write::InsertGrant(grant) => {
            exec(
                tx,
                "INSERT INTO grants (id, created_at, revoked, body) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, \
                 revoked = EXCLUDED.revoked, body = EXCLUDED.body",
                &[
                    &grant.id.as_str(),
                    &secs(grant.created_at),
                    &grant.revoked,
                    &body(grant)?,
                ],
            )
            .await?;
            Applied
        }
        Write::RevokeGrant(id) => {
            // RFC 6749 §4.1.2, RFC 7009 §2.1: the grant, its tokens and its unused codes,
            // all in this transaction.
            let id = id.as_str();
            exec(tx, "UPDATE grants SET revoked = true WHERE id = $1", &[&id]).await?;
            exec(
                tx,
                "UPDATE tokens SET revoked = true WHERE grant_id = $1 AND NOT revoked",
                &[&id],
            )
            .await?;
            exec(
                tx,
                "UPDATE codes SET used = true WHERE grant_id = $1 AND NOT used",
                &[&id],
            )
            .await?;
            Applied
        }
        Write::InsertCode(code) => {
            exec(
                tx,
                "INSERT INTO codes (handle, grant_id, expires_at, used, body) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (handle) DO UPDATE SET \
                 grant_id = EXCLUDED.grant_id, expires_at = EXCLUDED.expires_at, \
                 used = EXCLUDED.used, body = EXCLUDED.body",
                &[
                    &code.handle.as_str(),
                    &code.grant_id.as_str(),
                    &secs(code.expires_at),
                    &code.used,
                    &body(code)?,
                ],
            )
            .await?;
            Applied
        }
        Write::ConsumeCodeIfUnused(handle) => changed(
            exec(
                tx,
                "UPDATE codes SET used = true WHERE handle = $1 AND NOT used",
                &[&handle.as_str()],
            )
            .await?,
        ),
        Write::InsertToken(token) => {
            insert_token(tx, token).await?;
            Applied
        }
        Write::RotateRefreshIfCurrent {
            current,
            replacement,
        } => {
            // RFC 9700 §4.14.2: one rotation per refresh token; the loser stores nothing.
            let rotated = exec(
                tx,
                "UPDATE tokens SET rotated = true WHERE handle = $1 AND kind = 'refresh' \
                 AND NOT rotated AND NOT revoked",
                &[&current.as_str()],
            )
            .await?;
            if rotated == 1 {
                insert_token(tx, replacement).await?;
                Applied
            } else {
                Conflict
            }
        }
        Write::RevokeToken(handle) => {
            exec(
                tx,
                "UPDATE tokens SET revoked = true WHERE handle = $1",
                &[&handle.as_str()],
            )
            .await?;
            Applied
        }
        Write::InsertIfAbsent { key, expires_at } => changed(
            // A key whose expiry has passed is taken over (its credential expired with it);
            // a live one makes this a replay.
            exec(
                tx,
                "INSERT INTO replay_keys (key, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at \
                 WHERE replay_keys.expires_at <= $3",
                &[key, &secs(*expires_at), &secs(now)],
            )
            .await?,
        ),
        Write::InsertDeviceCode(device) => {
            let (status, approved_grant) = device_status(&device.status)?;
            exec(
                tx,
                "INSERT INTO device_codes (handle, user_code_handle, expires_at, \
                 interval_secs, last_polled_at, failed_attempts, status, approved_grant, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (handle) DO UPDATE SET \
                 user_code_handle = EXCLUDED.user_code_handle, \
                 expires_at = EXCLUDED.expires_at, interval_secs = EXCLUDED.interval_secs, \
                 last_polled_at = EXCLUDED.last_polled_at, \
                 failed_attempts = EXCLUDED.failed_attempts, status = EXCLUDED.status, \
                 approved_grant = EXCLUDED.approved_grant, body = EXCLUDED.body",
                &[
                    &device.handle.as_str(),
                    &device.user_code_handle.as_str(),
                    &secs(device.expires_at),
                    &count(device.interval),
                    &device.last_polled_at.map(secs),
                    &i64::from(device.failed_attempts),
                    &status,
                    &approved_grant,
                    &body(device)?,
                ],
            )
            .await?;
            Applied
        }
        Write::RecordDevicePoll {
            handle,
            at,
            interval,
        } => {
            exec(
                tx,
                "UPDATE device_codes SET last_polled_at = $2, interval_secs = $3 \
                 WHERE handle = $1",
                &[&handle.as_str(), &secs(*at), &count(*interval)],
            )
            .await?;
            Applied
        }
        Write::RecordFailedUserCode(handle) => {
            exec(
                tx,
                "UPDATE device_codes SET failed_attempts = \
                 least(failed_attempts + 1, 4294967295) WHERE handle = $1",
                &[&handle.as_str()],
            )
            .await?;
            Applied
        }
        Write::DecideDeviceCodeIfPending { handle, decision } => {
            let (status, approved_grant) = device_status(decision)?;
            changed(
                exec(
                    tx,
                    "UPDATE device_codes SET status = $2, approved_grant = $3 \
                     WHERE handle = $1 AND status = 'pending'",
                    &[&handle.as_str(), &status, &approved_grant],
                )
                .await?,
            )
        }
        Write::ConsumeDeviceCodeIfApproved(handle) => changed(
            exec(
                tx,
                "UPDATE device_codes SET status = 'consumed', approved_grant = NULL \
                 WHERE handle = $1 AND status = 'approved'",
                &[&handle.as_str()],
            )
            .await?,
        ),
        Write::InsertPushedRequest(pushed) => {
            exec(
                tx,
                "INSERT INTO pushed_requests (handle, expires_at, used, body) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (handle) DO UPDATE SET \
                 expires_at = EXCLUDED.expires_at, used = EXCLUDED.used, body = EXCLUDED.body",
                &[
                    &pushed.handle.as_str(),
                    &secs(pushed.expires_at),
                    &pushed.used,
                    &body(pushed)?,
                ],
            )
            .await?;
            Applied
        }
        Write::ConsumePushedRequestIfUnused(handle) => changed(
            // RFC 9126 §4: a request_uri is used once.
            exec(
                tx,
                "UPDATE pushed_requests SET used = true WHERE handle = $1 AND NOT used",
                &[&handle.as_str()],
            )
            .await?,
        ),
        Write::InsertInteraction(interaction) => {
            exec(
                tx,
                "INSERT INTO interactions (handle, expires_at, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (handle) DO UPDATE SET expires_at = EXCLUDED.expires_at, \
                 body = EXCLUDED.body",
                &[
                    &interaction.handle.as_str(),
                    &secs(interaction.expires_at),
                    &body(interaction)?,
                ],
            )
            .await?;
            Applied
        }
        Write::RemoveInteractionIfPresent(handle) => changed(
            exec(
                tx,
                "DELETE FROM interactions WHERE handle = $1",
                &[&handle.as_str()],
            )
            .await?,
        ),
        Write::EndSession(sid) => {
            // RP-Initiated Logout 1.0 §2: the login session ends at every instance.
            exec(tx, "DELETE FROM sessions WHERE sid = $1", &[sid]).await?;
            Applied
        }
        other => {
            return Err(
                StoreError::unavailable(format!("this store does not apply {other:?}")).into(),
            );
        }
    })
}

async fn exec(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, Failure> {
    let statement = tx.prepare_cached(sql).await?;
    Ok(tx.execute(&statement, params).await?)
}

async fn insert_token(tx: &Transaction<'_>, token: &TokenRecord) -> Result<u64, Failure> {
    exec(
        tx,
        "INSERT INTO tokens (handle, kind, grant_id, expires_at, rotated, revoked, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (handle) DO UPDATE SET \
         kind = EXCLUDED.kind, grant_id = EXCLUDED.grant_id, expires_at = EXCLUDED.expires_at, \
         rotated = EXCLUDED.rotated, revoked = EXCLUDED.revoked, body = EXCLUDED.body",
        &[
            &token.handle.as_str(),
            &token_kind(token.kind),
            &token.grant_id.as_str(),
            &token.expires_at.map(secs),
            &token.rotated,
            &token.revoked,
            &body(token)?,
        ],
    )
    .await
}

impl ProviderStore for PostgresStore {
    fn answer(&self, need: Need, now: UnixTime) -> StoreFuture<'_, Answer> {
        Box::pin(self.run("answering a need", self.answer_need(need, now)))
    }

    fn apply(&self, writes: Vec<Write>, now: UnixTime) -> StoreFuture<'_, Vec<WriteOutcome>> {
        Box::pin(async move {
            self.run("applying writes", self.apply_batch(&writes, now))
                .await
        })
    }

    fn session(&self, id: String, now: UnixTime) -> StoreFuture<'_, Option<SessionRecord>> {
        Box::pin(async move {
            self.run("reading a session", async {
                let row = self
                    .query_opt(
                        "SELECT body FROM sessions WHERE id = $1 AND expires_at > $2",
                        &[&id, &secs(now)],
                    )
                    .await?;
                Ok(row
                    .map(|row| decode::<SessionRecord>("sessions", row.get(0)))
                    .transpose()?)
            })
            .await
        })
    }

    fn put_session(&self, record: SessionRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.run("storing a session", async {
                self.execute(
                    "INSERT INTO sessions (id, sid, expires_at, body) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET sid = EXCLUDED.sid, \
                     expires_at = EXCLUDED.expires_at, body = EXCLUDED.body",
                    &[
                        &record.id,
                        &record.session.sid,
                        &count(record.expires_at),
                        &body(&record)?,
                    ],
                )
                .await?;
                Ok(())
            })
            .await
        })
    }

    fn remove_session(&self, id: String) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.run("removing a session", async {
                self.execute("DELETE FROM sessions WHERE id = $1", &[&id])
                    .await?;
                Ok(())
            })
            .await
        })
    }

    fn account_by_username(&self, username: String) -> StoreFuture<'_, Option<AccountRecord>> {
        Box::pin(async move {
            self.run("reading an account", async {
                let row = self
                    .query_opt(
                        "SELECT body FROM accounts WHERE username = $1",
                        &[&username],
                    )
                    .await?;
                Ok(row
                    .map(|row| decode::<AccountRecord>("accounts", row.get(0)))
                    .transpose()?)
            })
            .await
        })
    }

    fn account_by_subject(&self, subject: String) -> StoreFuture<'_, Option<AccountRecord>> {
        Box::pin(async move {
            self.run("reading an account", async {
                let row = self
                    .query_opt("SELECT body FROM accounts WHERE subject = $1", &[&subject])
                    .await?;
                Ok(row
                    .map(|row| decode::<AccountRecord>("accounts", row.get(0)))
                    .transpose()?)
            })
            .await
        })
    }

    fn put_account(&self, account: AccountRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            // A username held by another subject breaks the UNIQUE constraint: Conflict.
            self.run("storing an account", async {
                self.execute(
                    "INSERT INTO accounts (subject, username, body) VALUES ($1, $2, $3) \
                     ON CONFLICT (subject) DO UPDATE SET username = EXCLUDED.username, \
                     body = EXCLUDED.body",
                    &[&account.subject, &account.username, &body(&account)?],
                )
                .await?;
                Ok(())
            })
            .await
        })
    }

    fn consent(
        &self,
        subject: String,
        client_id: String,
    ) -> StoreFuture<'_, Option<ConsentRecord>> {
        Box::pin(async move {
            self.run("reading a consent", async {
                let row = self
                    .query_opt(
                        "SELECT body FROM consents WHERE subject = $1 AND client_id = $2",
                        &[&subject, &client_id],
                    )
                    .await?;
                Ok(row
                    .map(|row| decode::<ConsentRecord>("consents", row.get(0)))
                    .transpose()?)
            })
            .await
        })
    }

    fn put_consent(&self, consent: ConsentRecord) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.run("storing a consent", async {
                self.execute(
                    "INSERT INTO consents (subject, client_id, body) VALUES ($1, $2, $3) \
                     ON CONFLICT (subject, client_id) DO UPDATE SET body = EXCLUDED.body",
                    &[&consent.subject, &consent.client_id, &body(&consent)?],
                )
                .await?;
                Ok(())
            })
            .await
        })
    }

    fn keys(&self) -> StoreFuture<'_, Option<StoredKeys>> {
        Box::pin(async move {
            self.run("reading the signing keys", async {
                let row = self
                    .query_opt(
                        "SELECT version, document FROM signing_keys WHERE id = 1",
                        &[],
                    )
                    .await?;
                row.map(|row| {
                    let version = u64::try_from(row.get::<_, i64>(0)).map_err(|_| {
                        StoreError::new(
                            StoreErrorKind::Corrupt,
                            "the signing keys have a negative version",
                        )
                    })?;
                    Ok(StoredKeys {
                        version,
                        document: row.get(1),
                    })
                })
                .transpose()
            })
            .await
        })
    }

    fn replace_keys(
        &self,
        expected_version: Option<u64>,
        document: String,
    ) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            self.run("replacing the signing keys", async {
                // A compare-and-set in one statement: of two instances rotating from the same
                // version, one changes the row and the other changes nothing.
                let changed = match expected_version {
                    None => {
                        self.execute(
                            "INSERT INTO signing_keys (id, version, document) VALUES (1, 1, $1) \
                             ON CONFLICT (id) DO NOTHING",
                            &[&document],
                        )
                        .await?
                    }
                    Some(version) => {
                        self.execute(
                            "UPDATE signing_keys SET version = version + 1, document = $2 \
                             WHERE id = 1 AND version = $1",
                            &[&count(version), &document],
                        )
                        .await?
                    }
                };
                Ok(changed == 1)
            })
            .await
        })
    }

    fn sweep(&self, now: UnixTime) -> StoreFuture<'_, u64> {
        Box::pin(self.run("sweeping expired records", self.sweep_expired(now)))
    }
}
