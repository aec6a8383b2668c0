//! Time as an argument: the crate never reads a clock.
//!
//! Callers read their own clock and convert it here: `UnixTime::try_from(SystemTime::now())`
//! in an application, a fixed `UnixTime::from_secs(..)` in a test. The conversions take the
//! `SystemTime` as an argument, so the crate itself still reads no clock (`clippy.toml` bans
//! `SystemTime::now` in the core crates).

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, in whole seconds since the Unix epoch, supplied by the caller.
///
/// Adapters and applications read their clock and pass the result in; tests pass fixed values.
///
/// ```
/// use std::time::SystemTime;
/// use authcore_jose::UnixTime;
///
/// // An application converts the clock it read; sub-second parts are dropped.
/// let now = UnixTime::try_from(SystemTime::now())?;
/// assert!(now > UnixTime::from_secs(1_700_000_000)); // fixed test value: November 2023
///
/// // And back, for code that wants a `SystemTime`.
/// let back = SystemTime::try_from(now)?;
/// assert!(back <= SystemTime::now());
/// # Ok::<(), authcore_jose::TimeConversionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The time `secs` seconds after the Unix epoch.
    pub const fn from_secs(secs: u64) -> Self {
        UnixTime(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// `self + secs`, saturating at the largest representable time.
    pub const fn saturating_add(self, secs: u64) -> Self {
        UnixTime(self.0.saturating_add(secs))
    }

    /// `self - secs`, saturating at the epoch.
    pub const fn saturating_sub(self, secs: u64) -> Self {
        UnixTime(self.0.saturating_sub(secs))
    }
}

impl From<u64> for UnixTime {
    fn from(secs: u64) -> Self {
        UnixTime(secs)
    }
}

/// The whole seconds of `time` since the Unix epoch; the sub-second part is dropped
/// (truncated toward the epoch), as every time this crate compares (`exp`, `nbf`, `iat`,
/// RFC 7519 §2 NumericDate) is measured against whole-second `now` values.
///
/// A time before the epoch is an error: `UnixTime` counts seconds after it.
impl TryFrom<SystemTime> for UnixTime {
    type Error = TimeConversionError;

    fn try_from(time: SystemTime) -> Result<Self, Self::Error> {
        match time.duration_since(UNIX_EPOCH) {
            Ok(since) => Ok(UnixTime(since.as_secs())),
            Err(before) => Err(TimeConversionError::BeforeEpoch {
                by: before.duration(),
            }),
        }
    }
}

/// The same instant as a `SystemTime`. An error only when the platform's `SystemTime` cannot
/// hold it (seconds near `u64::MAX`), which is why this is not an infallible `From`.
impl TryFrom<UnixTime> for SystemTime {
    type Error = TimeConversionError;

    fn try_from(time: UnixTime) -> Result<Self, Self::Error> {
        UNIX_EPOCH
            .checked_add(Duration::from_secs(time.0))
            .ok_or(TimeConversionError::OutOfRange { secs: time.0 })
    }
}

/// A time that `UnixTime` and `SystemTime` cannot convert between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeConversionError {
    /// The `SystemTime` lies before the Unix epoch (a clock set before 1970), by `by`.
    BeforeEpoch {
        /// How far before 1970-01-01T00:00:00Z the time lies.
        by: Duration,
    },
    /// `secs` after the epoch is beyond what this platform's `SystemTime` can represent.
    OutOfRange {
        /// The seconds since the epoch that did not fit.
        secs: u64,
    },
}

impl fmt::Display for TimeConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeConversionError::BeforeEpoch { by } => write!(
                f,
                "time is {by:?} before the Unix epoch (1970-01-01T00:00:00Z); UnixTime counts \
                 seconds after it: check the system clock"
            ),
            TimeConversionError::OutOfRange { secs } => write!(
                f,
                "{secs} seconds after the Unix epoch is beyond this platform's SystemTime"
            ),
        }
    }
}

impl std::error::Error for TimeConversionError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_time_at_whole_seconds_round_trips() {
        // Fixed test value: 2023-11-14T22:13:20Z.
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let unix = UnixTime::try_from(t).unwrap();
        assert_eq!(unix, UnixTime::from_secs(1_700_000_000));
        assert_eq!(SystemTime::try_from(unix).unwrap(), t);
    }

    #[test]
    fn the_epoch_itself_is_zero() {
        assert_eq!(
            UnixTime::try_from(UNIX_EPOCH).unwrap(),
            UnixTime::from_secs(0)
        );
        assert_eq!(
            SystemTime::try_from(UnixTime::from_secs(0)).unwrap(),
            UNIX_EPOCH
        );
    }

    #[test]
    fn sub_second_parts_are_truncated_toward_the_epoch() {
        // 999 ms short of the next second still counts as the earlier second.
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 999_999_999);
        assert_eq!(
            UnixTime::try_from(t).unwrap(),
            UnixTime::from_secs(1_700_000_000)
        );
        let just_after = UNIX_EPOCH + Duration::from_nanos(1);
        assert_eq!(
            UnixTime::try_from(just_after).unwrap(),
            UnixTime::from_secs(0)
        );
        // Back to SystemTime, the dropped fraction stays dropped.
        let back = SystemTime::try_from(UnixTime::try_from(t).unwrap()).unwrap();
        assert_eq!(back, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    }

    #[test]
    fn before_the_epoch_is_an_error_with_the_distance() {
        let t = UNIX_EPOCH - Duration::from_secs(86_400);
        let err = UnixTime::try_from(t).unwrap_err();
        assert_eq!(
            err,
            TimeConversionError::BeforeEpoch {
                by: Duration::from_secs(86_400)
            }
        );
        assert!(err.to_string().contains("before the Unix epoch"), "{err}");
    }

    #[test]
    fn a_sub_second_before_the_epoch_is_an_error_too() {
        // Truncating toward the epoch would give 0, but the time is still before 1970.
        let t = UNIX_EPOCH - Duration::from_millis(1);
        assert_eq!(
            UnixTime::try_from(t).unwrap_err(),
            TimeConversionError::BeforeEpoch {
                by: Duration::from_millis(1)
            }
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            // Any time at or after the epoch keeps its whole seconds and loses only its
            // fraction; back as a SystemTime it is the start of that second.
            #[test]
            fn after_the_epoch_keeps_whole_seconds(
                secs in 0u64..=i64::MAX as u64 / 2,
                nanos in 0u32..1_000_000_000,
            ) {
                let t = UNIX_EPOCH + Duration::new(secs, nanos);
                let unix = UnixTime::try_from(t).unwrap();
                prop_assert_eq!(unix.as_secs(), secs);
                prop_assert_eq!(
                    SystemTime::try_from(unix).unwrap(),
                    UNIX_EPOCH + Duration::from_secs(secs)
                );
            }

            // Any time before the epoch, by however little, is refused with its distance.
            #[test]
            fn before_the_epoch_is_always_refused(
                secs in 0u64..1_000_000_000_000,
                nanos in 0u32..1_000_000_000,
            ) {
                let by = Duration::new(secs, nanos);
                prop_assume!(!by.is_zero());
                let err = UnixTime::try_from(UNIX_EPOCH - by).unwrap_err();
                prop_assert_eq!(err, TimeConversionError::BeforeEpoch { by });
            }
        }
    }

    #[test]
    fn seconds_beyond_system_time_are_an_error_not_a_panic() {
        let err = SystemTime::try_from(UnixTime::from_secs(u64::MAX)).unwrap_err();
        assert_eq!(err, TimeConversionError::OutOfRange { secs: u64::MAX });
        assert!(err.to_string().contains(&u64::MAX.to_string()), "{err}");
    }
}
