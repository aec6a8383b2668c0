//! How PostgreSQL and pool failures become [`StoreError`]s: the adapter answers
//! [`StoreErrorKind::Unavailable`] with `503` and `Retry-After`, so every failure that a
//! retry may cure (connection lost, server shutting down, too many connections, a lost
//! serialization race) is `Unavailable`; a broken uniqueness rule is `Conflict`.

use authcore_hyper::{StoreError, StoreErrorKind};
use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

/// A failure inside one store operation, before it is reported: a database error keeps its
/// SQLSTATE so the caller can decide to retry.
#[derive(Debug)]
pub(crate) enum Failure {
    Db(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Failure::Db(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl Failure {
    /// Whether running the whole transaction again may succeed: PostgreSQL aborted it to
    /// keep concurrent transactions serializable or to break a deadlock (SQLSTATE class 40,
    /// PostgreSQL manual, "Transaction Isolation" §13.2: "applications using this level must
    /// be prepared to retry transactions due to serialization failures").
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Failure::Db(e) => {
                e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
                    || e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
            }
            Failure::Store(_) => false,
        }
    }

    /// The error to report, `what` naming the operation.
    pub(crate) fn into_store_error(self, what: &str) -> StoreError {
        match self {
            Failure::Db(e) => db_error(what, &e),
            Failure::Store(e) => e,
        }
    }
}

/// A database error as a [`StoreError`]. Messages name the operation and PostgreSQL's
/// message; they never hold parameters (which may be credential hashes).
pub(crate) fn db_error(what: &str, e: &tokio_postgres::Error) -> StoreError {
    let kind = match e.code() {
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => StoreErrorKind::Conflict,
        _ => StoreErrorKind::Unavailable,
    };
    let detail = match e.as_db_error() {
        // The message only: DETAIL may quote key values.
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None if e.is_closed() => "the connection to PostgreSQL is closed".to_owned(),
        // The cause says why (connection refused, host unknown); it never holds the
        // configuration's password.
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    StoreError::new(kind, format!("{what}: {detail}"))
}

/// A pool failure (no connection could be had in time, or none could be made) as a
/// [`StoreError`]: always `Unavailable`.
pub(crate) fn pool_error(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => db_error("connecting to PostgreSQL", &e),
        PoolError::Timeout(kind) => StoreError::unavailable(format!(
            "no PostgreSQL connection available in time ({kind:?})"
        )),
        other => StoreError::unavailable(format!("PostgreSQL connection pool: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_pass_through_unchanged() {
        let e = StoreError::new(StoreErrorKind::Corrupt, "bad row");
        let f = Failure::from(e.clone());
        assert!(!f.is_retryable());
        assert_eq!(f.into_store_error("reading"), e);
    }

    #[test]
    fn pool_timeouts_are_unavailable() {
        let e = pool_error(PoolError::Timeout(deadpool_postgres::TimeoutType::Wait));
        assert_eq!(e.kind(), StoreErrorKind::Unavailable);
        assert!(e.message().contains("in time"), "{}", e.message());
        let closed = pool_error(PoolError::Closed);
        assert_eq!(closed.kind(), StoreErrorKind::Unavailable);
    }
}
