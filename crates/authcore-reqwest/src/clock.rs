//! The clock and the sleeping: this adapter is where time is read (the core takes it as an
//! argument).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authcore_jose::UnixTime;

use crate::error::{Error, Result};

/// The system time since the Unix epoch.
// The workspace bans clock reads in core crates (time is an argument there); adapters own
// the clock, and this is the one place this crate reads it.
#[allow(clippy::disallowed_methods)]
fn since_epoch() -> Result<Duration> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::Clock)
}

/// The current time as the core wants it.
pub fn now() -> Result<UnixTime> {
    Ok(UnixTime::from_secs(since_epoch()?.as_secs()))
}
