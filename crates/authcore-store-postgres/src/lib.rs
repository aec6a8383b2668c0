//! PostgreSQL storage for authcore's OAuth 2.0 authorization server and OpenID provider:
//! [`PostgresStore`] implements [`authcore_hyper::ProviderStore`] on a database that several
//! provider instances share, so they behave as one provider (a code issued by one is
//! redeemed at another; a rotation of the signing keys done once is seen by all).
//!
//! What it guarantees:
//! - **Conditional writes are atomic across instances.** Each is one statement whose
//!   condition PostgreSQL re-checks under the row lock (`UPDATE … WHERE used = false`,
//!   `INSERT … ON CONFLICT`), so of two instances consuming the same code in the same
//!   millisecond exactly one sees [`WriteOutcome::Applied`](authcore_server::WriteOutcome).
//! - **A batch is one transaction**: the writes an endpoint decided on land together or not
//!   at all (a crash leaves no code consumed without its tokens). A transaction PostgreSQL
//!   aborts as a deadlock or serialization failure is run again, a bounded number of times.
//! - **Failures are `Unavailable`, never a success**: a lost connection, a database that is
//!   down or an operation past its deadline is [`StoreErrorKind::Unavailable`] (the adapter
//!   answers `503` with `Retry-After`); the pool drops closed connections and makes new ones,
//!   so service resumes by itself when the database returns.
//! - **Versioned migrations** ([`PostgresStore::migrate`], applied by
//!   [`PostgresStore::connect`]), numbered like SQLite's, safe when instances start together.
//! - **The sweep** ([`ProviderStore::sweep`](authcore_hyper::ProviderStore::sweep)) is plain
//!   `DELETE … WHERE expires_at <= now` statements: idempotent, safe from several instances.
//!
//! It does no protocol work: authcore-server decides, authcore-hyper drives, this crate
//! stores. Connections are made without TLS: run the database on the same host or a private
//! network.
//!
//! ```no_run
//! # async fn run() -> Result<(), authcore_hyper::StoreError> {
//! use authcore_store_postgres::PostgresStore;
//!
//! let store = PostgresStore::connect("postgres://authcore@127.0.0.1:5432/authcore", 16).await?;
//! assert_eq!(store.schema_version().await?, authcore_store_postgres::SCHEMA_VERSION);
//! # Ok(()) }
//! ```
//!
//! [`BlockingStore`] runs the same store behind the synchronous [`authcore_server::Store`]
//! trait (for the storage conformance kit and for tools without a runtime), and
//! [`test_cluster`] starts a throwaway PostgreSQL cluster for tests.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod blocking;
mod error;
mod provider;
mod records;
mod schema;
pub mod test_cluster;

use std::time::Duration;

use authcore_hyper::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

pub use blocking::BlockingStore;
pub use schema::SCHEMA_VERSION;

/// How long an operation (a lookup, a write batch, the sweep) may take, waiting for a
/// connection included, before it fails as [`StoreErrorKind::Unavailable`]: a database that
/// stopped answering must not hold requests forever.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// How long making one connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a write batch runs when PostgreSQL aborts it as a deadlock or
/// serialization failure (each run is a fresh transaction).
const MAX_TRANSACTION_ATTEMPTS: u32 = 5;

pub use authcore_hyper::StoreErrorKind;

/// The PostgreSQL store: a connection pool and the operations of
/// [`ProviderStore`](authcore_hyper::ProviderStore). Cheap to clone (clones share the pool).
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    operation_timeout: Duration,
}

impl core::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The pool's configuration holds the password: show only its size.
        f.debug_struct("PostgresStore")
            .field("pool_size", &self.pool.status().max_size)
            .field("operation_timeout", &self.operation_timeout)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/dbname`,
    /// or the `key=value` form) with a pool of at most `pool_size` connections, checks that
    /// it can be reached, and applies the missing migrations.
    ///
    /// A database that cannot be reached is [`StoreErrorKind::Unavailable`] with a message
    /// naming the host (never the password); a malformed URL or a zero pool size is
    /// [`StoreErrorKind::Unavailable`] too, as no store can be had.
    pub async fn connect(url: &str, pool_size: usize) -> Result<PostgresStore, StoreError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            StoreError::unavailable(format!("the PostgreSQL URL is not valid: {e}"))
        })?;
        if pool_size == 0 {
            return Err(StoreError::unavailable(
                "a PostgreSQL pool needs at least one connection",
            ));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("authcore");
        }
        let target = describe_target(&config);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A closed connection (the server restarted) is dropped when it comes back to
                // the pool; a new one is made on demand.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(DEFAULT_OPERATION_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::unavailable(format!("PostgreSQL connection pool: {e}")))?;
        let store = PostgresStore {
            pool,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
        };
        store.migrate().await.map_err(|e| {
            StoreError::new(e.kind(), format!("PostgreSQL at {target}: {}", e.message()))
        })?;
        Ok(store)
    }

    /// The same store with another deadline per operation (default
    /// [`DEFAULT_OPERATION_TIMEOUT`]).
    pub fn with_operation_timeout(mut self, timeout: Duration) -> PostgresStore {
        self.operation_timeout = timeout;
        self
    }

    /// Applies the migrations the database lacks (all of them on an empty database) and
    /// returns the schema version reached. Safe to run from several instances at once and
    /// again on a migrated database. A database with a newer schema than
    /// [`SCHEMA_VERSION`] is refused ([`StoreErrorKind::Corrupt`]).
    pub async fn migrate(&self) -> Result<u32, StoreError> {
        self.run("migrating the schema", async {
            let mut client = self.pool.get().await.map_err(error::pool_error)?;
            schema::migrate(&mut client).await
        })
        .await
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        self.run("reading the schema version", async {
            let client = self.pool.get().await.map_err(error::pool_error)?;
            schema::current_version(&client).await
        })
        .await
    }

    /// Runs one operation under the deadline, turning its failure into a [`StoreError`].
    async fn run<T>(
        &self,
        what: &str,
        operation: impl core::future::Future<Output = Result<T, error::Failure>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.operation_timeout, operation).await {
            Ok(result) => result.map_err(|f| f.into_store_error(what)),
            Err(_) => Err(StoreError::unavailable(format!(
                "{what}: no answer from PostgreSQL within {:?}",
                self.operation_timeout
            ))),
        }
    }
}

/// `host:port` of the first host, for messages (the URL may hold a password).
fn describe_target(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}
