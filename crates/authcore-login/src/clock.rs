//! The one place the layer reads the clock and the one place it takes its randomness.

use std::sync::Arc;

use authcore_jose::{SecureRandom, UnixTime};

/// Where the layer reads the time: session timeouts, the pending sign-in's lifetime, token
/// expiry. The protocol cores never read a clock; this adapter does, here only, so a test
/// can move time forward ([`LoginConfig::clock`](crate::LoginConfig::clock)).
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> UnixTime;
}

/// The system clock (through `authcore-reqwest`'s one reading of it).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        // A clock before 1970 reads as 0: every session then looks as if it came from the
        // future and is refused (see `Times::check`), which fails closed.
        authcore_reqwest::now().unwrap_or(UnixTime::from_secs(0))
    }
}

/// The clock and the randomness of one layer, passed together.
#[derive(Clone)]
pub(crate) struct Sources {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: &'static dyn SecureRandom,
}

impl Sources {
    pub(crate) fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// `n` random bytes as base64url: session ids.
    pub(crate) fn random_id(&self, n: usize) -> Result<String, crate::Error> {
        use base64::Engine;
        let mut bytes = vec![0u8; n];
        self.rng
            .fill(&mut bytes)
            .map_err(|_| crate::Error::Random)?;
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }
}
