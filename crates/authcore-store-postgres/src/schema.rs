//! The schema and its versioned migrations.
//!
//! Versions are authcore-store-sqlite's: version 1 the tables, version 2 the expiry indexes;
//! `schema_version` holds the one current version, and [`migrate`] applies the missing
//! migrations in order, in one transaction under an advisory
//! lock, so several instances starting at once migrate once. A database whose version is
//! newer than this build knows is refused ([`StoreErrorKind::Corrupt`]) rather than written
//! with an older idea of the rows.
//!
//! Each credential record is a row keyed by its [`TokenHash`](authcore_server::TokenHash)
//! with a JSON body (the record as inserted) and, as columns, what queries select on or
//! change: the expiry (for the sweep), the grant id (for revocation) and the mutable state
//! (`used`, `rotated`, `revoked`, device status). The columns are the truth for the mutable
//! state; reading a row puts them into the decoded record.

use authcore_hyper::{StoreError, StoreErrorKind};
use deadpool_postgres::GenericClient;

use crate::error::Failure;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 2;

/// Migrations in order: `(version, SQL)`. Never edit an applied one; add the next.
const MIGRATIONS: &[(u32, &str)] = &[(1, V1), (2, V2)];

/// Version 1: every record of the core and of the adapter (SQLite's version 1, in
/// PostgreSQL's types).
const V1: &str = r#"
CREATE TABLE clients (
    client_id text PRIMARY KEY,
    body text NOT NULL
);
CREATE TABLE grants (
    id text PRIMARY KEY,
    created_at bigint NOT NULL,
    revoked boolean NOT NULL,
    body text NOT NULL
);
CREATE TABLE codes (
    handle text PRIMARY KEY,
    grant_id text NOT NULL,
    expires_at bigint NOT NULL,
    used boolean NOT NULL,
    body text NOT NULL
);
CREATE INDEX codes_grant_id ON codes (grant_id);
CREATE TABLE tokens (
    handle text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('access', 'refresh')),
    grant_id text NOT NULL,
    expires_at bigint,
    rotated boolean NOT NULL,
    revoked boolean NOT NULL,
    body text NOT NULL
);
CREATE INDEX tokens_grant_id ON tokens (grant_id);
CREATE TABLE device_codes (
    handle text PRIMARY KEY,
    user_code_handle text NOT NULL,
    expires_at bigint NOT NULL,
    interval_secs bigint NOT NULL,
    last_polled_at bigint,
    failed_attempts bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
    approved_grant text,
    body text NOT NULL
);
CREATE INDEX device_codes_user_code_handle ON device_codes (user_code_handle);
CREATE INDEX device_codes_approved_grant ON device_codes (approved_grant);
CREATE TABLE pushed_requests (
    handle text PRIMARY KEY,
    expires_at bigint NOT NULL,
    used boolean NOT NULL,
    body text NOT NULL
);
CREATE TABLE interactions (
    handle text PRIMARY KEY,
    expires_at bigint NOT NULL,
    body text NOT NULL
);
CREATE TABLE replay_keys (
    key text PRIMARY KEY,
    expires_at bigint NOT NULL
);
CREATE TABLE sessions (
    id text PRIMARY KEY,
    sid text NOT NULL,
    expires_at bigint NOT NULL,
    body text NOT NULL
);
CREATE INDEX sessions_sid ON sessions (sid);
CREATE TABLE accounts (
    subject text PRIMARY KEY,
    username text NOT NULL UNIQUE,
    body text NOT NULL
);
CREATE TABLE consents (
    subject text NOT NULL,
    client_id text NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (subject, client_id)
);
CREATE TABLE signing_keys (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    document text NOT NULL
);
"#;

/// Version 2: indexes on the expiry columns, so the sweep's deletes do not scan the tables
/// (SQLite's version 2 too).
const V2: &str = r#"
CREATE INDEX codes_expires_at ON codes (expires_at);
CREATE INDEX tokens_expires_at ON tokens (expires_at);
CREATE INDEX device_codes_expires_at ON device_codes (expires_at);
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
CREATE INDEX interactions_expires_at ON interactions (expires_at);
CREATE INDEX replay_keys_expires_at ON replay_keys (expires_at);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
"#;

/// The advisory lock key migrations hold (an arbitrary constant: "authcore" in ASCII).
const MIGRATION_LOCK: i64 = 0x6175_7468_636f_7265;

/// Applies the migrations the database lacks, in one transaction; returns the version
/// reached.
pub(crate) async fn migrate(client: &mut deadpool_postgres::Client) -> Result<u32, Failure> {
    let tx = client.transaction().await?;
    // Transaction-scoped: released at commit or rollback, even if this process dies.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
            id integer PRIMARY KEY CHECK (id = 1),
            version bigint NOT NULL
        )",
    )
    .await?;
    let current = current_version(&tx).await?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::new(
            StoreErrorKind::Corrupt,
            format!(
                "the database has schema version {current}, newer than this build's \
                 {SCHEMA_VERSION}: upgrade authcore before using this database"
            ),
        )
        .into());
    }
    for (_, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await?;
    }
    if current < SCHEMA_VERSION {
        tx.execute(
            "INSERT INTO schema_version (id, version) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version",
            &[&i64::from(SCHEMA_VERSION)],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(SCHEMA_VERSION)
}

/// The version recorded in `schema_version` (0: none yet).
pub(crate) async fn current_version(client: &impl GenericClient) -> Result<u32, Failure> {
    let row = client
        .query_opt("SELECT version FROM schema_version WHERE id = 1", &[])
        .await?;
    let Some(row) = row else {
        return Ok(0);
    };
    let version: i64 = row.get(0);
    u32::try_from(version).map_err(|_| {
        StoreError::new(
            StoreErrorKind::Corrupt,
            format!("the database records schema version {version}"),
        )
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_up_to_the_schema_version() {
        for (i, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                *version,
                u32::try_from(i + 1).expect("few migrations"),
                "migration {i} is numbered {version}"
            );
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.0), Some(SCHEMA_VERSION));
    }
}
