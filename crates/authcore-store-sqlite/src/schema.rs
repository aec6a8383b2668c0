//! The database schema and its migrations.
//!
//! `MIGRATIONS[i]` takes a database from version `i` to `i + 1`; a new version appends a
//! migration and never edits an old one, so every database ever written can be brought up to
//! date. The version lives in `schema_version`, updated in the same transaction as the
//! migrations it records.

use authcore_hyper::StoreError;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::error::{corrupt, ctx};

/// Version 1: the tables. Each record is a JSON body (the serde form of its type) plus the
/// columns that keys, conditions and the sweep need. Times are seconds since the epoch;
/// flags are 0 or 1.
const V1: &str = "
CREATE TABLE clients (
    client_id TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE grants (
    id TEXT PRIMARY KEY NOT NULL,
    revoked INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE codes (
    handle TEXT PRIMARY KEY NOT NULL,
    grant_id TEXT NOT NULL,
    used INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX codes_by_grant ON codes (grant_id);
CREATE TABLE tokens (
    handle TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    rotated INTEGER NOT NULL,
    revoked INTEGER NOT NULL,
    expires_at INTEGER,
    body TEXT NOT NULL
);
CREATE INDEX tokens_by_grant ON tokens (grant_id);
CREATE TABLE device_codes (
    handle TEXT PRIMARY KEY NOT NULL,
    user_code_handle TEXT NOT NULL,
    state TEXT NOT NULL,
    grant_id TEXT,
    expires_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX device_codes_by_user_code ON device_codes (user_code_handle);
CREATE INDEX device_codes_by_grant ON device_codes (grant_id);
CREATE TABLE pushed_requests (
    handle TEXT PRIMARY KEY NOT NULL,
    used INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE interactions (
    handle TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE replay_keys (
    key TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    sid TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX sessions_by_sid ON sessions (sid);
CREATE TABLE accounts (
    subject TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE consents (
    subject TEXT NOT NULL,
    client_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (subject, client_id)
);
CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version INTEGER NOT NULL,
    document TEXT NOT NULL
);
";

/// Version 2: indexes on the expiry columns, so the sweep's deletes do not scan the tables.
const V2: &str = "
CREATE INDEX codes_by_expiry ON codes (expires_at);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);
CREATE INDEX device_codes_by_expiry ON device_codes (expires_at);
CREATE INDEX pushed_requests_by_expiry ON pushed_requests (expires_at);
CREATE INDEX interactions_by_expiry ON interactions (expires_at);
CREATE INDEX replay_keys_by_expiry ON replay_keys (expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
";

const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes. A database at a higher version was written by a
/// newer build and is refused.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Brings the database to `target` (tests build older databases with it).
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    // IMMEDIATE: two processes opening a new file at once do not both run version 1.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(ctx("starting the schema migration"))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
            version INTEGER NOT NULL
        )",
    )
    .map_err(ctx("creating schema_version"))?;
    let stored: Option<i64> = tx
        .query_row("SELECT version FROM schema_version WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(ctx("reading schema_version"))?;
    let current = match stored {
        None => 0,
        Some(v) => u32::try_from(v)
            .ok()
            .filter(|v| *v <= SCHEMA_VERSION)
            .ok_or_else(|| {
                corrupt(
                    "opening the database",
                    format_args!(
                        "its schema version is {v}, and this build knows versions up to \
                         {SCHEMA_VERSION}: open it with the newer release that wrote it"
                    ),
                )
            })?,
    };
    if current >= target {
        return Ok(());
    }
    for migration in &MIGRATIONS[current as usize..target as usize] {
        tx.execute_batch(migration)
            .map_err(ctx("applying a schema migration"))?;
    }
    tx.execute(
        "INSERT INTO schema_version (id, version) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        [target],
    )
    .map_err(ctx("recording the schema version"))?;
    tx.commit().map_err(ctx("committing the schema migration"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use authcore_hyper::StoreErrorKind;
    use authcore_jose::UnixTime;
    use authcore_server::model::{GrantId, TokenHash, TokenKind, TokenRecord};
    use authcore_server::{Answer, Need, Store};

    fn version(conn: &Connection) -> i64 {
        conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_version_1_database_with_rows_opens_under_the_current_code() {
        let dir = crate::scratch_dir("v1");
        let path = dir.join("v1.db");
        let _ = std::fs::remove_file(&path);
        let token = TokenRecord {
            handle: TokenHash::from_stored("k1.v1-token"),
            kind: TokenKind::Refresh,
            grant_id: GrantId("g-v1".into()),
            client_id: "c".into(),
            subject: "alice".into(),
            scopes: vec!["openid".into()],
            resources: vec![],
            cnf: None,
            issued_at: UnixTime::from_secs(100),
            expires_at: None,
            rotated: false,
            revoked: false,
            act: None,
        };
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, 1).unwrap();
            assert_eq!(version(&conn), 1);
            // A row as version 1 wrote it, with a body missing the members that default.
            let mut body = serde_json::to_value(&token).unwrap();
            body.as_object_mut().unwrap().remove("cnf");
            conn.execute(
                "INSERT INTO tokens (handle, kind, grant_id, rotated, revoked, expires_at, body)
                 VALUES ('k1.v1-token', 'refresh', 'g-v1', 0, 0, NULL, ?1)",
                [body.to_string()],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(version(&store.lock()), i64::from(SCHEMA_VERSION));
        assert_eq!(
            store.answer(
                &Need::RefreshToken(token.handle.clone()),
                UnixTime::from_secs(200)
            ),
            Answer::Token(Some(token))
        );
        drop(store);
        // Opening again at the current version changes nothing.
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(version(&store.lock()), i64::from(SCHEMA_VERSION));
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_as_corrupt() {
        let dir = crate::scratch_dir("newer");
        let path = dir.join("newer.db");
        let _ = std::fs::remove_file(&path);
        drop(SqliteStore::open(&path).unwrap());
        for stored in [i64::from(SCHEMA_VERSION) + 1, -1, i64::MAX] {
            Connection::open(&path)
                .unwrap()
                .execute("UPDATE schema_version SET version = ?1", [stored])
                .unwrap();
            let e = SqliteStore::open(&path).unwrap_err();
            assert_eq!(e.kind(), StoreErrorKind::Corrupt, "{e}");
            assert!(e.message().contains("schema version"), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_as_corrupt() {
        let dir = crate::scratch_dir("notdb");
        let path = dir.join("text.db");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let e = SqliteStore::open(&path).unwrap_err();
        assert_eq!(e.kind(), StoreErrorKind::Corrupt, "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unopenable_path_is_unavailable() {
        let path = std::env::temp_dir()
            .join(format!("authcore-sqlite-missing-{}", std::process::id()))
            .join("no-such-dir")
            .join("x.db");
        let e = SqliteStore::open(&path).unwrap_err();
        assert_eq!(e.kind(), StoreErrorKind::Unavailable, "{e}");
    }
}
