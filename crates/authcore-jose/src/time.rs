//! Time as an argument: the crate never reads a clock.

/// A point in time, in whole seconds since the Unix epoch, supplied by the caller.
///
/// Adapters and applications read their clock and pass the result in; tests pass fixed values.
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
