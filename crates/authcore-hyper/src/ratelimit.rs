//! Rate limits: token buckets in memory, one per (endpoint, client id) and per (endpoint,
//! source address). A request over a limit is answered `429 Too Many Requests` with
//! `Retry-After` (RFC 6585 §4).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::settings::{RateLimit, RateLimitSettings};

/// The endpoints with limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Limited {
    Token,
    Device,
    Par,
    Login,
}

/// Buckets kept at most; when full, buckets that have refilled are dropped first, so memory
/// stays bounded whatever the traffic.
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The limiters of a provider.
#[derive(Debug)]
pub(crate) struct Limiters {
    settings: RateLimitSettings,
    buckets: Mutex<HashMap<(Limited, String), Bucket>>,
}

impl Limiters {
    pub(crate) fn new(settings: RateLimitSettings) -> Self {
        Limiters {
            settings,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn limit(&self, which: Limited) -> Option<RateLimit> {
        match which {
            Limited::Token => self.settings.token,
            Limited::Device => self.settings.device,
            Limited::Par => self.settings.par,
            Limited::Login => self.settings.login,
        }
    }

    /// Takes one request from each bucket named by `keys` (a client id, an address): `Ok`
    /// when every bucket had one, `Err(seconds)` to wait otherwise (no bucket is charged
    /// then).
    pub(crate) fn check(&self, which: Limited, keys: &[&str], now: Instant) -> Result<(), u64> {
        let Some(limit) = self.limit(which) else {
            return Ok(());
        };
        let burst = f64::from(limit.burst.max(1));
        let per_sec = f64::from(limit.per_minute.max(1)) / 60.0;
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec < burst
            });
        }
        let mut refilled = Vec::with_capacity(keys.len());
        for key in keys {
            let b = buckets
                .get(&(which, (*key).to_owned()))
                .copied()
                .unwrap_or(Bucket {
                    tokens: burst,
                    at: now,
                });
            let tokens =
                (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec).min(burst);
            if tokens < 1.0 {
                let wait = ((1.0 - tokens) / per_sec).ceil().max(1.0);
                return Err(wait as u64);
            }
            refilled.push(tokens);
        }
        for (key, tokens) in keys.iter().zip(refilled) {
            buckets.insert(
                (which, (*key).to_owned()),
                Bucket {
                    tokens: tokens - 1.0,
                    at: now,
                },
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limiters() -> Limiters {
        let mut s = RateLimitSettings::off();
        s.token = Some(RateLimit::new(2, 60));
        Limiters::new(s)
    }

    #[test]
    fn a_bucket_empties_and_refills() {
        let l = limiters();
        let t0 = crate::provider::monotonic_now();
        assert!(l.check(Limited::Token, &["c1", "1.2.3.4"], t0).is_ok());
        assert!(l.check(Limited::Token, &["c1", "1.2.3.4"], t0).is_ok());
        assert_eq!(l.check(Limited::Token, &["c1", "1.2.3.4"], t0), Err(1));
        // Another client from another address is not affected.
        assert!(l.check(Limited::Token, &["c2", "5.6.7.8"], t0).is_ok());
        // The same address under another client id is: the address bucket is empty.
        assert!(l.check(Limited::Token, &["c3", "1.2.3.4"], t0).is_err());
        // One request a second comes back.
        let later = t0 + Duration::from_secs(1);
        assert!(l.check(Limited::Token, &["c1", "1.2.3.4"], later).is_ok());
    }

    #[test]
    fn limits_that_are_off_never_refuse() {
        let l = limiters();
        let t0 = crate::provider::monotonic_now();
        for _ in 0..100 {
            assert!(l.check(Limited::Login, &["alice"], t0).is_ok());
        }
    }
}
