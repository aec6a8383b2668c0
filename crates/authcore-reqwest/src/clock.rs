//! The clock and the sleeping: this adapter is where time is read (the core takes it as an
//! argument).

use std::time::SystemTime;

use authcore_jose::UnixTime;

use crate::error::{Error, Result};

/// The system clock.
// The workspace bans clock reads in core crates (time is an argument there); adapters own
// the clock, and this is the one place this crate reads it.
#[allow(clippy::disallowed_methods)]
fn system_clock() -> SystemTime {
    SystemTime::now()
}

/// The current time as the core wants it (whole seconds; the conversion is the core's
/// `UnixTime::try_from(SystemTime)`).
pub fn now() -> Result<UnixTime> {
    UnixTime::try_from(system_clock()).map_err(|_| Error::Clock)
}
