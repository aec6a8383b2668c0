//! The schema and its versioned migrations.
//!
//! Versions are numbered like authcore-store-sqlite's: `schema_version` holds one row per
//! migration applied, and [`migrate`] applies the missing ones in order, under an advisory
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
pub const SCHEMA_VERSION: i32 = 1;

/// Migrations in order: `(version, SQL)`. Never edit an applied one; add the next.
const MIGRATIONS: &[(i32, &str)] = &[(1, V1)];

/// Version 1: every record of the core and of the adapter.
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
CREATE INDEX codes_expires_at ON codes (expires_at);
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
CREATE INDEX tokens_expires_at ON tokens (expires_at);
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
CREATE INDEX device_codes_expires_at ON device_codes (expires_at);
CREATE INDEX device_codes_approved_grant ON device_codes (approved_grant);
CREATE TABLE pushed_requests (
    handle text PRIMARY KEY,
    expires_at bigint NOT NULL,
    used boolean NOT NULL,
    body text NOT NULL
);
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
CREATE TABLE interactions (
    handle text PRIMARY KEY,
    expires_at bigint NOT NULL,
    body text NOT NULL
);
CREATE INDEX interactions_expires_at ON interactions (expires_at);
CREATE TABLE replay_keys (
    key text PRIMARY KEY,
    expires_at bigint NOT NULL
);
CREATE INDEX replay_keys_expires_at ON replay_keys (expires_at);
CREATE TABLE sessions (
    id text PRIMARY KEY,
    sid text NOT NULL,
    expires_at bigint NOT NULL,
    body text NOT NULL
);
CREATE INDEX sessions_sid ON sessions (sid);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
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

/// The advisory lock key migrations hold (an arbitrary constant: "authcore" in ASCII).
const MIGRATION_LOCK: i64 = 0x6175_7468_636f_7265;

/// Applies the migrations the database lacks, in one transaction; returns the version
/// reached.
pub(crate) async fn migrate(client: &mut deadpool_postgres::Client) -> Result<i32, Failure> {
    let tx = client.transaction().await?;
    // Transaction-scoped: released at commit or rollback, even if this process dies.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version integer PRIMARY KEY,
            applied_at bigint NOT NULL
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
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) \
             VALUES ($1, extract(epoch FROM now())::bigint)",
            &[version],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(SCHEMA_VERSION.max(current))
}

/// The highest version recorded in `schema_version` (0: none).
pub(crate) async fn current_version(client: &impl GenericClient) -> Result<i32, Failure> {
    let row = client
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await?;
    Ok(row.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_up_to_the_schema_version() {
        for (i, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                *version,
                i as i32 + 1,
                "migration {i} is numbered {version}"
            );
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.0), Some(SCHEMA_VERSION));
    }
}
