//! rusqlite's errors as the adapter's [`StoreError`] kinds: one mapping for every operation.

use authcore_hyper::{StoreError, StoreErrorKind};
use rusqlite::ErrorCode;

/// The kind of a rusqlite error: whether retrying later can help (`Unavailable`), a
/// uniqueness rule was broken (`Conflict`), or what is stored cannot be read (`Corrupt`).
pub(crate) fn kind_of(e: &rusqlite::Error) -> StoreErrorKind {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::ConstraintViolation => StoreErrorKind::Conflict,
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreErrorKind::Corrupt,
            // Busy or locked past the busy timeout, I/O, a full disk, an unopenable file, no
            // memory, a read-only file: conditions of the moment or of the machine, which an
            // operator can fix and a client can retry after.
            _ => StoreErrorKind::Unavailable,
        },
        // A column of the wrong type or out of range: the row is not what this schema wrote.
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::Utf8Error(..) => StoreErrorKind::Corrupt,
        _ => StoreErrorKind::Unavailable,
    }
}

/// A [`StoreError`] for a rusqlite error met while doing `what`. SQLite's messages name
/// tables, columns and constraints, never the values bound, so no credential reaches the log.
pub(crate) fn db(what: &str, e: rusqlite::Error) -> StoreError {
    StoreError::new(kind_of(&e), format!("sqlite, {what}: {e}"))
}

/// A stored row that does not read back as its record.
pub(crate) fn corrupt(what: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::new(StoreErrorKind::Corrupt, format!("sqlite, {what}: {reason}"))
}

/// A closure for `map_err` naming what was being done.
pub(crate) fn ctx(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| db(what, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn every_error_maps_to_the_kind_a_caller_can_act_on() {
        use rusqlite::ffi;
        assert_eq!(
            kind_of(&failure(ffi::SQLITE_BUSY)),
            StoreErrorKind::Unavailable
        );
        assert_eq!(
            kind_of(&failure(ffi::SQLITE_LOCKED)),
            StoreErrorKind::Unavailable
        );
        assert_eq!(
            kind_of(&failure(ffi::SQLITE_IOERR)),
            StoreErrorKind::Unavailable
        );
        assert_eq!(
            kind_of(&failure(ffi::SQLITE_FULL)),
            StoreErrorKind::Unavailable
        );
        assert_eq!(
            kind_of(&failure(ffi::SQLITE_CANTOPEN)),
            StoreErrorKind::Unavailable
        );
        assert_eq!(
            kind_of(&failure(ffi::SQLITE_CONSTRAINT_UNIQUE)),
            StoreErrorKind::Conflict
        );
        assert_eq!(
            kind_of(&failure(ffi::SQLITE_CORRUPT)),
            StoreErrorKind::Corrupt
        );
        assert_eq!(
            kind_of(&failure(ffi::SQLITE_NOTADB)),
            StoreErrorKind::Corrupt
        );
        assert_eq!(
            kind_of(&rusqlite::Error::IntegralValueOutOfRange(0, -1)),
            StoreErrorKind::Corrupt
        );
        assert_eq!(
            kind_of(&rusqlite::Error::QueryReturnedNoRows),
            StoreErrorKind::Unavailable
        );
        let e = db("reading a code", failure(ffi::SQLITE_BUSY));
        assert!(e.message().starts_with("sqlite, reading a code: "), "{e}");
    }
}
