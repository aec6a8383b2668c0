//! The core's records: answering [`Need`]s and applying [`Write`]s on a connection.
//!
//! A record's JSON body is the truth; its columns copy what keys, conditions and the sweep
//! test. A write that changes state changes the column and the body in one statement
//! (`json_set`), so the two never disagree.

use authcore_hyper::StoreError;
use authcore_jose::UnixTime;
use authcore_server::model::{DeviceCodeStatus, TokenKind};
use authcore_server::{Answer, Need, Write, WriteOutcome};
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{corrupt, ctx};

/// Seconds since the epoch as SQLite's integer. Times past `i64::MAX` (a saturated "never")
/// are stored as `i64::MAX`: the column only orders and compares, the body keeps the value.
pub(crate) fn secs(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

/// A record's JSON body.
pub(crate) fn body<R: Serialize>(what: &str, record: &R) -> Result<String, StoreError> {
    // Serializing these records cannot fail (string keys, no non-finite floats); the error
    // path is kept rather than a panic.
    serde_json::to_string(record).map_err(|e| corrupt(what, e))
}

/// Reads one row's body (column 0) and parses it.
pub(crate) fn read<R: DeserializeOwned>(
    conn: &Connection,
    what: &'static str,
    sql: &str,
    params: &[&dyn ToSql],
) -> Result<Option<R>, StoreError> {
    let text: Option<String> = conn
        .prepare_cached(sql)
        .and_then(|mut stmt| stmt.query_row(params, |r| r.get(0)))
        .optional()
        .map_err(ctx(what))?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(what, e)))
        .transpose()
}

/// The answer to `need` from the database.
pub(crate) fn answer(conn: &Connection, need: &Need, now: UnixTime) -> Result<Answer, StoreError> {
    Ok(match need {
        Need::Client(id) => Answer::Client(read(
            conn,
            "reading a client",
            "SELECT body FROM clients WHERE client_id = ?1",
            &[id],
        )?),
        Need::Code(h) => Answer::Code(read(
            conn,
            "reading an authorization code",
            "SELECT body FROM codes WHERE handle = ?1",
            &[&h.as_str()],
        )?),
        Need::RefreshToken(h) => Answer::Token(read(
            conn,
            "reading a refresh token",
            "SELECT body FROM tokens WHERE handle = ?1 AND kind = 'refresh'",
            &[&h.as_str()],
        )?),
        Need::AccessToken(h) => Answer::Token(read(
            conn,
            "reading an access token",
            "SELECT body FROM tokens WHERE handle = ?1 AND kind = 'access'",
            &[&h.as_str()],
        )?),
        Need::Grant(id) => Answer::Grant(read(
            conn,
            "reading a grant",
            "SELECT body FROM grants WHERE id = ?1",
            &[&id.as_str()],
        )?),
        Need::DeviceCode(h) => Answer::DeviceCode(read(
            conn,
            "reading a device code",
            "SELECT body FROM device_codes WHERE handle = ?1",
            &[&h.as_str()],
        )?),
        Need::DeviceCodeByUserCode(h) => Answer::DeviceCode(read(
            conn,
            "reading a device code by user code",
            // The newest first: a user code reused after an old one expired finds the live one.
            "SELECT body FROM device_codes WHERE user_code_handle = ?1
             ORDER BY expires_at DESC LIMIT 1",
            &[&h.as_str()],
        )?),
        Need::PushedRequest(h) => Answer::PushedRequest(read(
            conn,
            "reading a pushed request",
            "SELECT body FROM pushed_requests WHERE handle = ?1",
            &[&h.as_str()],
        )?),
        Need::Interaction(h) => Answer::Interaction(read(
            conn,
            "reading an interaction",
            "SELECT body FROM interactions WHERE handle = ?1",
            &[&h.as_str()],
        )?),
        Need::ReplayCheck(key) => Answer::Seen(
            conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM replay_keys WHERE key = ?1 AND expires_at > ?2)",
            )
            .and_then(|mut stmt| stmt.query_row(params![key, secs(now)], |r| r.get(0)))
            .map_err(ctx("reading a replay key"))?,
        ),
        // The end-user's claims are the account's (this store keeps the accounts); the core
        // releases only what the scopes and the `claims` request allow (OpenID Connect Core
        // §5.4, §5.5). An unknown subject has none.
        Need::Claims { subject, .. } => Answer::Claims(
            read::<authcore_hyper::AccountRecord>(
                conn,
                "reading an account's claims",
                "SELECT body FROM accounts WHERE subject = ?1",
                &[subject],
            )?
            .map(|account| account.claims),
        ),
        // Not this store's business: the adapter answers them (fail-closed if asked here).
        other => Answer::none_for(other),
    })
}

/// Applies several batches of writes in one IMMEDIATE transaction and one commit (group
/// commit, see [`crate::SqliteStore`]): one disk sync for all of them. Each batch runs
/// under its own savepoint, in order, stopping after its first conflict; a batch that fails
/// is rolled back to its savepoint and gets the error, the others go on. When the
/// transaction cannot start or commit, every batch gets that error and none is applied.
pub(crate) fn apply_batches(
    conn: &mut Connection,
    batches: &[(&[Write], UnixTime)],
) -> Vec<Result<Vec<WriteOutcome>, StoreError>> {
    let all_failed = |e: StoreError| batches.iter().map(|_| Err(e.clone())).collect();
    // IMMEDIATE takes the write lock up front: a read-then-write inside cannot be overtaken
    // by another connection (a DEFERRED transaction could fail to upgrade with SQLITE_BUSY).
    let tx = match conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(ctx("starting a write transaction"))
    {
        Ok(tx) => tx,
        Err(e) => return all_failed(e),
    };
    let mut results = Vec::with_capacity(batches.len());
    for (writes, now) in batches {
        let batch = (|| {
            run(&tx, "SAVEPOINT batch", "starting a batch")?;
            match apply_in_order(&tx, writes, *now) {
                Ok(outcomes) => {
                    run(&tx, "RELEASE batch", "finishing a batch")?;
                    Ok(outcomes)
                }
                Err(e) => {
                    // This batch leaves nothing behind; the group goes on.
                    run(&tx, "ROLLBACK TO batch", "undoing a failed batch")?;
                    run(&tx, "RELEASE batch", "undoing a failed batch")?;
                    Err(e)
                }
            }
        })();
        results.push(batch);
    }
    // On an error, dropping `tx` rolls every batch back.
    match tx.commit().map_err(ctx("committing writes")) {
        Ok(()) => results,
        Err(e) => all_failed(e),
    }
}

/// Applies `writes` in order inside the caller's transaction, stopping after the first
/// conflict; each write runs under a savepoint, so a conflicting write leaves nothing behind.
fn apply_in_order(
    tx: &Connection,
    writes: &[Write],
    now: UnixTime,
) -> Result<Vec<WriteOutcome>, StoreError> {
    let mut outcomes = Vec::with_capacity(writes.len());
    for write in writes {
        run(tx, "SAVEPOINT write", "starting a write")?;
        let outcome = apply(tx, write, now)?;
        if outcome == WriteOutcome::Conflict {
            run(tx, "ROLLBACK TO write", "undoing a conflicting write")?;
        }
        run(tx, "RELEASE write", "finishing a write")?;
        outcomes.push(outcome);
        if outcome == WriteOutcome::Conflict {
            break;
        }
    }
    Ok(outcomes)
}

/// Runs one statement through the connection's statement cache; the rows it changed.
fn run_with(
    conn: &Connection,
    sql: &str,
    what: &'static str,
    p: &[&dyn ToSql],
) -> Result<usize, StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut stmt| stmt.execute(p))
        .map_err(ctx(what))
}

/// A statement without parameters (the savepoints), through the statement cache.
fn run(conn: &Connection, sql: &str, what: &'static str) -> Result<usize, StoreError> {
    run_with(conn, sql, what, &[])
}

/// `Applied` when the statement changed a row, `Conflict` when its condition held for none.
fn changed(rows: usize) -> WriteOutcome {
    if rows > 0 {
        WriteOutcome::Applied
    } else {
        WriteOutcome::Conflict
    }
}

/// The status's stored state name (`pending`, `approved`, `denied`, `consumed`) and the
/// grant it names, from its serde form: one naming for the column and the body.
fn device_state(status: &DeviceCodeStatus) -> Result<(String, Option<String>), StoreError> {
    let value = serde_json::to_value(status).map_err(|e| corrupt("storing a device code", e))?;
    let state = value
        .get("state")
        .and_then(|s| s.as_str())
        .ok_or_else(|| corrupt("storing a device code", "a status without a state"))?;
    let grant = value
        .get("grant_id")
        .and_then(|g| g.as_str())
        .map(str::to_owned);
    Ok((state.to_owned(), grant))
}

fn token_kind(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Access => "access",
        TokenKind::Refresh => "refresh",
    }
}

/// Applies one write inside the caller's transaction.
fn apply(conn: &Connection, write: &Write, now: UnixTime) -> Result<WriteOutcome, StoreError> {
    use WriteOutcome::Applied;
    let exec = |what: &'static str, sql: &str, p: &[&dyn ToSql]| run_with(conn, sql, what, p);
    Ok(match write {
        Write::InsertClient(c) | Write::UpdateClient(c) => {
            // Both replace: registration may re-register a configured client, and an update
            // (RFC 7592 §2.2) replaces the whole record.
            exec(
                "storing a client",
                "INSERT INTO clients (client_id, body) VALUES (?1, ?2)
                 ON CONFLICT (client_id) DO UPDATE SET body = excluded.body",
                &[&c.client_id, &body("storing a client", c)?],
            )?;
            Applied
        }
        Write::DeleteClient(id) => {
            exec(
                "deleting a client",
                "DELETE FROM clients WHERE client_id = ?1",
                &[id],
            )?;
            Applied
        }
        // Credentials and grants are inserted, never replaced: a second record under a handle
        // already stored (which random handles make impossible unless something is wrong)
        // is a conflict, not an overwrite that could reset a used code.
        Write::InsertGrant(g) => changed(exec(
            "storing a grant",
            "INSERT INTO grants (id, revoked, created_at, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
            &[
                &g.id.as_str(),
                &g.revoked,
                &secs(g.created_at),
                &body("storing a grant", g)?,
            ],
        )?),
        Write::RevokeGrant(id) => {
            // RFC 6749 §4.1.2, RFC 7009 §2.1: the grant, its tokens and its codes, together
            // (the caller's transaction makes the three one change).
            let id = id.as_str();
            exec(
                "revoking a grant",
                "UPDATE grants SET revoked = 1, body = json_set(body, '$.revoked', json('true'))
                 WHERE id = ?1",
                &[&id],
            )?;
            exec(
                "revoking a grant's tokens",
                "UPDATE tokens SET revoked = 1, body = json_set(body, '$.revoked', json('true'))
                 WHERE grant_id = ?1 AND revoked = 0",
                &[&id],
            )?;
            exec(
                "revoking a grant's codes",
                "UPDATE codes SET used = 1, body = json_set(body, '$.used', json('true'))
                 WHERE grant_id = ?1 AND used = 0",
                &[&id],
            )?;
            Applied
        }
        Write::InsertCode(c) => changed(exec(
            "storing an authorization code",
            "INSERT INTO codes (handle, grant_id, used, expires_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            &[
                &c.handle.as_str(),
                &c.grant_id.as_str(),
                &c.used,
                &secs(c.expires_at),
                &body("storing an authorization code", c)?,
            ],
        )?),
        Write::ConsumeCodeIfUnused(h) => changed(exec(
            "consuming an authorization code",
            "UPDATE codes SET used = 1, body = json_set(body, '$.used', json('true'))
             WHERE handle = ?1 AND used = 0",
            &[&h.as_str()],
        )?),
        Write::InsertToken(t) => insert_token(conn, t)?,
        Write::RotateRefreshIfCurrent {
            current,
            replacement,
        } => {
            // RFC 9700 §4.14.2: only a current refresh token rotates; the savepoint undoes the
            // mark if the successor cannot be stored.
            match changed(exec(
                "rotating a refresh token",
                "UPDATE tokens SET rotated = 1, body = json_set(body, '$.rotated', json('true'))
                 WHERE handle = ?1 AND kind = 'refresh' AND rotated = 0 AND revoked = 0",
                &[&current.as_str()],
            )?) {
                Applied => insert_token(conn, replacement)?,
                conflict => conflict,
            }
        }
        Write::RevokeToken(h) => {
            exec(
                "revoking a token",
                "UPDATE tokens SET revoked = 1, body = json_set(body, '$.revoked', json('true'))
                 WHERE handle = ?1",
                &[&h.as_str()],
            )?;
            Applied
        }
        Write::InsertIfAbsent { key, expires_at } => changed(exec(
            "recording a replay key",
            // A key still remembered at `now` is a replay; an expired one may be taken again.
            "INSERT INTO replay_keys (key, expires_at) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
             WHERE replay_keys.expires_at <= ?3",
            &[key, &secs(*expires_at), &secs(now)],
        )?),
        Write::InsertDeviceCode(d) => {
            let (state, grant) = device_state(&d.status)?;
            changed(exec(
                "storing a device code",
                "INSERT INTO device_codes
                 (handle, user_code_handle, state, grant_id, expires_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                &[
                    &d.handle.as_str(),
                    &d.user_code_handle.as_str(),
                    &state,
                    &grant,
                    &secs(d.expires_at),
                    &body("storing a device code", d)?,
                ],
            )?)
        }
        Write::RecordDevicePoll {
            handle,
            at,
            interval,
        } => {
            exec(
                "recording a device poll",
                "UPDATE device_codes
                 SET body = json_set(body, '$.last_polled_at', ?2, '$.interval', ?3)
                 WHERE handle = ?1",
                &[
                    &handle.as_str(),
                    &secs(*at),
                    &i64::try_from(*interval).unwrap_or(i64::MAX),
                ],
            )?;
            Applied
        }
        Write::RecordFailedUserCode(h) => {
            exec(
                "counting a failed user code",
                // Saturating at u32::MAX, as the record's counter does.
                "UPDATE device_codes SET body = json_set(body, '$.failed_attempts',
                     min(coalesce(json_extract(body, '$.failed_attempts'), 0) + 1, 4294967295))
                 WHERE handle = ?1",
                &[&h.as_str()],
            )?;
            Applied
        }
        Write::DecideDeviceCodeIfPending { handle, decision } => {
            let (state, grant) = device_state(decision)?;
            let status = serde_json::to_string(decision)
                .map_err(|e| corrupt("deciding a device code", e))?;
            changed(exec(
                "deciding a device code",
                "UPDATE device_codes SET state = ?2, grant_id = ?3,
                     body = json_set(body, '$.status', json(?4))
                 WHERE handle = ?1 AND state = 'pending'",
                &[&handle.as_str(), &state, &grant, &status],
            )?)
        }
        Write::ConsumeDeviceCodeIfApproved(h) => {
            let status = serde_json::to_string(&DeviceCodeStatus::Consumed)
                .map_err(|e| corrupt("consuming a device code", e))?;
            changed(exec(
                "consuming a device code",
                // The grant column stays: the tokens issued from the code live under it.
                "UPDATE device_codes SET state = 'consumed',
                     body = json_set(body, '$.status', json(?2))
                 WHERE handle = ?1 AND state = 'approved'",
                &[&h.as_str(), &status],
            )?)
        }
        Write::InsertPushedRequest(p) => changed(exec(
            "storing a pushed request",
            "INSERT INTO pushed_requests (handle, used, expires_at, body)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            &[
                &p.handle.as_str(),
                &p.used,
                &secs(p.expires_at),
                &body("storing a pushed request", p)?,
            ],
        )?),
        Write::ConsumePushedRequestIfUnused(h) => changed(exec(
            "consuming a pushed request",
            // RFC 9126 §4: a request_uri is used once.
            "UPDATE pushed_requests SET used = 1, body = json_set(body, '$.used', json('true'))
             WHERE handle = ?1 AND used = 0",
            &[&h.as_str()],
        )?),
        Write::InsertInteraction(x) => changed(exec(
            "storing an interaction",
            "INSERT INTO interactions (handle, expires_at, body) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            &[
                &x.handle.as_str(),
                &secs(x.expires_at),
                &body("storing an interaction", x)?,
            ],
        )?),
        Write::RemoveInteractionIfPresent(h) => changed(exec(
            "removing an interaction",
            "DELETE FROM interactions WHERE handle = ?1",
            &[&h.as_str()],
        )?),
        Write::EndSession(sid) => {
            // RP-Initiated Logout 1.0 §2: every login session with this sid ends.
            exec(
                "ending a session",
                "DELETE FROM sessions WHERE sid = ?1",
                &[sid],
            )?;
            Applied
        }
        // A write added to the core later: not performed, so it must not count as applied.
        _ => WriteOutcome::Conflict,
    })
}

fn insert_token(
    conn: &Connection,
    t: &authcore_server::model::TokenRecord,
) -> Result<WriteOutcome, StoreError> {
    let rows = run_with(
        conn,
        "INSERT INTO tokens (handle, kind, grant_id, rotated, revoked, expires_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        "storing a token",
        params![
            t.handle.as_str(),
            token_kind(t.kind),
            t.grant_id.as_str(),
            t.rotated,
            t.revoked,
            t.expires_at.map(secs),
            body("storing a token", t)?,
        ],
    )?;
    Ok(changed(rows))
}
