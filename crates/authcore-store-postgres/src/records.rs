//! Rows to records and back: JSON bodies (the records' serde form) plus the columns the
//! queries use, with the columns winning for the mutable state (see [`crate::schema`]).

use authcore_hyper::{StoreError, StoreErrorKind};
use authcore_jose::UnixTime;
use authcore_server::model::{DeviceCodeStatus, GrantId, TokenKind};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A record as the body column holds it.
pub(crate) fn body<T: Serialize>(record: &T) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| {
        StoreError::new(
            StoreErrorKind::Corrupt,
            format!("a record could not be encoded: {e}"),
        )
    })
}

/// A body read back; `table` names where it came from for the error.
pub(crate) fn decode<T: DeserializeOwned>(table: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| {
        StoreError::new(
            StoreErrorKind::Corrupt,
            format!("a row of {table} could not be decoded: {e}"),
        )
    })
}

/// Seconds since the epoch as PostgreSQL's `bigint`. Times beyond `i64::MAX` seconds do not
/// occur; they saturate rather than wrap, so an expiry never moves into the past.
pub(crate) fn secs(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

/// A `bigint` column back to a time; a negative value (never written by this store) reads
/// as the epoch.
pub(crate) fn time(v: i64) -> UnixTime {
    UnixTime::from_secs(u64::try_from(v).unwrap_or(0))
}

/// A non-negative count as `bigint`, saturating.
pub(crate) fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The `kind` column of a token.
pub(crate) fn token_kind(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Access => "access",
        TokenKind::Refresh => "refresh",
    }
}

/// The `status` and `approved_grant` columns of a device authorization.
pub(crate) fn device_status(
    status: &DeviceCodeStatus,
) -> Result<(&'static str, Option<&str>), StoreError> {
    Ok(match status {
        DeviceCodeStatus::Pending => ("pending", None),
        DeviceCodeStatus::Approved(grant) => ("approved", Some(grant.as_str())),
        DeviceCodeStatus::Denied => ("denied", None),
        DeviceCodeStatus::Consumed => ("consumed", None),
        other => {
            return Err(StoreError::new(
                StoreErrorKind::Corrupt,
                format!("device status {other:?} has no column value in this schema"),
            ));
        }
    })
}

/// A device authorization's status from its columns.
pub(crate) fn device_status_from(
    status: &str,
    approved_grant: Option<String>,
) -> Result<DeviceCodeStatus, StoreError> {
    match (status, approved_grant) {
        ("pending", _) => Ok(DeviceCodeStatus::Pending),
        ("approved", Some(grant)) => Ok(DeviceCodeStatus::Approved(GrantId(grant))),
        ("denied", _) => Ok(DeviceCodeStatus::Denied),
        ("consumed", _) => Ok(DeviceCodeStatus::Consumed),
        (other, _) => Err(StoreError::new(
            StoreErrorKind::Corrupt,
            format!("a row of device_codes has status {other:?} without a grant"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_saturate_instead_of_wrapping() {
        assert_eq!(secs(UnixTime::from_secs(u64::MAX)), i64::MAX);
        assert_eq!(secs(UnixTime::from_secs(42)), 42);
        assert_eq!(time(42), UnixTime::from_secs(42));
        assert_eq!(time(-5), UnixTime::from_secs(0));
        assert_eq!(count(u64::MAX), i64::MAX);
    }

    #[test]
    fn device_status_round_trips_through_its_columns() {
        for status in [
            DeviceCodeStatus::Pending,
            DeviceCodeStatus::Approved(GrantId("g".into())),
            DeviceCodeStatus::Denied,
            DeviceCodeStatus::Consumed,
        ] {
            let (s, g) = device_status(&status).expect("encodable");
            let back = device_status_from(s, g.map(str::to_owned)).expect("decodable");
            assert_eq!(back, status);
        }
    }

    #[test]
    fn unknown_or_incomplete_device_status_is_corrupt() {
        let e = device_status_from("approved", None).expect_err("approved needs a grant");
        assert_eq!(e.kind(), StoreErrorKind::Corrupt);
        let e = device_status_from("exploded", None).expect_err("unknown status");
        assert_eq!(e.kind(), StoreErrorKind::Corrupt);
    }

    proptest::proptest! {
        /// Any text in a body column reads as a record or as Corrupt, never a panic.
        #[test]
        fn any_body_text_decodes_or_is_corrupt(text in ".{0,200}") {
            use authcore_server::model::{
                AuthorizationCodeRecord, ClientRecord, DeviceCodeRecord, TokenRecord,
            };
            for result in [
                decode::<ClientRecord>("clients", &text).err(),
                decode::<AuthorizationCodeRecord>("codes", &text).err(),
                decode::<TokenRecord>("tokens", &text).err(),
                decode::<DeviceCodeRecord>("device_codes", &text).err(),
            ]
            .into_iter()
            .flatten()
            {
                proptest::prop_assert_eq!(result.kind(), StoreErrorKind::Corrupt);
            }
        }

        /// Any status column reads as a status or as Corrupt, never a panic.
        #[test]
        fn any_status_column_decodes_or_is_corrupt(
            status in "[a-z]{0,12}",
            grant in proptest::option::of("[a-zA-Z0-9_-]{1,22}"),
        ) {
            match device_status_from(&status, grant.clone()) {
                Ok(decoded) => {
                    let (s, g) = device_status(&decoded).expect("a decoded status encodes");
                    proptest::prop_assert_eq!(s, status.as_str());
                    if s == "approved" {
                        proptest::prop_assert_eq!(g.map(str::to_owned), grant);
                    }
                }
                Err(e) => proptest::prop_assert_eq!(e.kind(), StoreErrorKind::Corrupt),
            }
        }
    }

    #[test]
    fn malformed_bodies_are_corrupt_not_panics() {
        let e = decode::<authcore_hyper::ConsentRecord>("consents", "{not json")
            .expect_err("malformed");
        assert_eq!(e.kind(), StoreErrorKind::Corrupt);
        assert!(e.message().contains("consents"));
    }
}
