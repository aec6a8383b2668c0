//! The provider's JWK Set as a cache state machine: when to fetch, what to do with the
//! response, when to refetch on an unknown `kid` (rate-limited), what to keep on failure.

use authcore_jose::crypto::{self, Provider, VerifyOptions};
use authcore_jose::{
    AlgorithmFamily, JwkSet, JwsAlgorithm, KeySource, SkippedKey, UnixTime, VerifyingKey,
    VerifyingKeys, jws,
};
use http::header::{ACCEPT, CACHE_CONTROL};
use http::{Method, Request, Response, StatusCode};
use url::Url;

use core::future::{Future, ready};
use core::time::Duration;
use std::sync::{Mutex, PoisonError};

use authcore_oauth2::{run_ready, seconds_between};

use crate::error::{Error, JwksError, Result};

/// Largest JWK Set response accepted, in bytes: the response cap of the HTTP layer
/// ([`authcore_oauth2::MAX_RESPONSE_BYTES`], the adapters' default), so that a key set the
/// transport delivers is never refused here for its size, and the reverse. It is within
/// [`authcore_jose::MAX_JWK_SET_BYTES`], the JWK Set parser's own bound.
pub const MAX_JWKS_BYTES: usize = authcore_oauth2::MAX_RESPONSE_BYTES;

const _: () = assert!(MAX_JWKS_BYTES <= authcore_jose::MAX_JWK_SET_BYTES);

/// Default smallest interval between two fetches, in seconds: however many tokens with
/// unknown `kid`s arrive, the key set is fetched at most once per interval.
pub const DEFAULT_MIN_REFETCH_INTERVAL: u64 = 60;
/// Default lifetime of a key set whose response has no `Cache-Control: max-age`, in seconds.
pub const DEFAULT_JWKS_TTL: u64 = 300;
/// Default lower bound for a lifetime from `Cache-Control`, in seconds (`no-cache` and
/// `no-store` become this: the keys are still needed in memory to validate tokens).
pub const DEFAULT_MIN_JWKS_TTL: u64 = 60;
/// Default upper bound for a lifetime from `Cache-Control`, in seconds.
pub const DEFAULT_MAX_JWKS_TTL: u64 = 86_400;
/// Default time after which an unanswered fetch counts as lost, in seconds.
pub const DEFAULT_FETCH_TIMEOUT: u64 = 30;

/// What the caller should do next for the key set.
// Returned by value and consumed at once; boxing the request would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[must_use]
pub enum JwksAction {
    /// Send this request and hand the response to [`JwksCache::handle_response`] (or report a
    /// transport failure with [`JwksCache::handle_fetch_failure`]). Any keys already held stay
    /// usable meanwhile.
    Fetch(Request<Vec<u8>>),
    /// No usable keys yet and nothing to do before this time (a fetch is outstanding, or the
    /// rate limit forbids a new one): poll again then.
    WaitUntil(UnixTime),
    /// The keys are usable now ([`JwksCache::keys`]).
    Ready,
}

/// A JWK Set cache for one `jwks_uri`, driven by the caller's clock and HTTP stack.
///
/// ```text
///          ┌─────────── poll(now) / poll_for_token(token, now) ───────────┐
///          ▼                                                               │
///   Fetch(request) ──► your HTTP stack ──► handle_response(resp, now) ─────┤
///   WaitUntil(t)   ──► sleep until t ──────────────────────────────────────┤
///   Ready          ──► validate tokens with keys() (or &cache as KeySource)┘
/// ```
///
/// - The first poll fetches; later polls refetch when the lifetime from the response's
///   `Cache-Control: max-age` (minus `Age`, bounded by [`JwksCache::ttl_bounds`]) is over.
///   Without `max-age` the lifetime is [`DEFAULT_JWKS_TTL`]; `no-cache`/`no-store` give the
///   lower bound.
/// - [`JwksCache::poll_for_token`] asks for one refetch when a token names a `kid` the set
///   lacks (key rotation), even right after the first fetch: a provider that rotated just
///   before signing is found at once. Such refetches on demand (and
///   [`JwksCache::request_refetch`]) are at least [`JwksCache::min_refetch_interval`] apart,
///   so a flood of tokens with random `kid`s causes at most one request per interval on top
///   of the scheduled fetches (first use, lifetime over), which are themselves at least that
///   interval apart.
/// - A failed fetch (status, body, no usable key, transport) keeps the last good key set.
/// - Keys are built into [`VerifyingKeys`] once per fetch, for the configured algorithms.
#[derive(Debug)]
pub struct JwksCache {
    uri: Url,
    algorithms: Vec<JwsAlgorithm>,
    provider: Provider,
    verify_options: VerifyOptions,
    min_refetch_interval: u64,
    default_ttl: u64,
    min_ttl: u64,
    max_ttl: u64,
    fetch_timeout: u64,
    keys: VerifyingKeys,
    has_keys: bool,
    fetched_at: Option<UnixTime>,
    fresh_until: Option<UnixTime>,
    last_fetch_started: Option<UnixTime>,
    // When the last fetch asked for by an unknown `kid` or `request_refetch` started: the
    // rate limit of refetches on demand, apart from the scheduled ones.
    last_refetch_on_demand: Option<UnixTime>,
    in_flight_since: Option<UnixTime>,
    refresh_wanted: bool,
    last_error: Option<JwksError>,
}

impl JwksCache {
    /// A cache for `jwks_uri` (an `https` URL, or `http` to a loopback host) building keys for
    /// `algorithms` (HMAC algorithms are ignored: a JWK Set holds no client secret).
    pub fn new(jwks_uri: &str, algorithms: &[JwsAlgorithm]) -> Result<Self> {
        // https, or http to a loopback host, as every endpoint.
        let uri = authcore_oauth2::check_endpoint(jwks_uri)?;
        let algorithms: Vec<JwsAlgorithm> = algorithms
            .iter()
            .copied()
            .filter(|a| a.family() != AlgorithmFamily::Hmac)
            .collect();
        if algorithms.is_empty() {
            return Err(Error::Misuse(
                "a JWKS cache needs at least one asymmetric algorithm",
            ));
        }
        Ok(JwksCache {
            uri,
            algorithms,
            provider: crypto::default_provider().into(),
            verify_options: VerifyOptions::default(),
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
            default_ttl: DEFAULT_JWKS_TTL,
            min_ttl: DEFAULT_MIN_JWKS_TTL,
            max_ttl: DEFAULT_MAX_JWKS_TTL,
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
            keys: VerifyingKeys::new(),
            has_keys: false,
            fetched_at: None,
            fresh_until: None,
            last_fetch_started: None,
            last_refetch_on_demand: None,
            in_flight_since: None,
            refresh_wanted: false,
            last_error: None,
        })
    }

    /// Uses `provider` to build keys: a `&'static CryptoProvider`, or one built at run time
    /// (`Arc<CryptoProvider>` or an owned `CryptoProvider`), which need not be leaked.
    pub fn with_crypto_provider(mut self, provider: impl Into<Provider>) -> Self {
        self.provider = provider.into();
        self
    }

    /// Options for building keys (smallest RSA modulus).
    pub fn with_verify_options(mut self, options: VerifyOptions) -> Self {
        self.verify_options = options;
        self
    }

    /// Smallest interval between two fetches (default [`DEFAULT_MIN_REFETCH_INTERVAL`]).
    pub fn min_refetch_interval(mut self, secs: u64) -> Self {
        self.min_refetch_interval = secs;
        self
    }

    /// Lifetime when the response has no `max-age` (default [`DEFAULT_JWKS_TTL`]).
    pub fn default_ttl(mut self, secs: u64) -> Self {
        self.default_ttl = secs;
        self
    }

    /// Bounds for lifetimes (defaults [`DEFAULT_MIN_JWKS_TTL`], [`DEFAULT_MAX_JWKS_TTL`]).
    pub fn ttl_bounds(mut self, min_secs: u64, max_secs: u64) -> Self {
        self.min_ttl = min_secs;
        self.max_ttl = max_secs.max(min_secs);
        self
    }

    /// Time after which an unanswered fetch counts as lost (default [`DEFAULT_FETCH_TIMEOUT`]).
    pub fn fetch_timeout(mut self, secs: u64) -> Self {
        self.fetch_timeout = secs;
        self
    }

    /// The `jwks_uri`.
    pub fn jwks_uri(&self) -> &Url {
        &self.uri
    }

    /// The algorithms keys are built for.
    pub fn algorithms(&self) -> &[JwsAlgorithm] {
        &self.algorithms
    }

    /// The last good key set, if one was ever fetched.
    pub fn keys(&self) -> Option<&VerifyingKeys> {
        self.has_keys.then_some(&self.keys)
    }

    /// Whether a key with this `kid` is held.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys
            .verifying_keys()
            .iter()
            .any(|k| k.kid() == Some(kid))
    }

    /// The entries of the last good set that yielded no key, with the reason (RFC 7517 §5:
    /// a member that cannot be used is skipped, not fatal). A token naming one of them is
    /// refused with that reason ([`TokenError::DroppedKey`](crate::TokenError::DroppedKey)).
    pub fn dropped_keys(&self) -> &[SkippedKey] {
        self.keys.skipped()
    }

    /// When the last good key set was fetched.
    pub fn fetched_at(&self) -> Option<UnixTime> {
        self.fetched_at
    }

    /// Until when the held key set is fresh.
    pub fn fresh_until(&self) -> Option<UnixTime> {
        self.fresh_until
    }

    /// Why the last fetch failed, if it did (cleared by a successful fetch).
    pub fn last_error(&self) -> Option<&JwksError> {
        self.last_error.as_ref()
    }

    /// The GET request for the key set.
    pub fn build_request(&self) -> Result<Request<Vec<u8>>> {
        Request::builder()
            .method(Method::GET)
            .uri(self.uri.as_str())
            .header(ACCEPT, "application/jwk-set+json, application/json")
            .body(Vec::new())
            .map_err(|_| Error::Misuse("jwks_uri is not a valid HTTP URI"))
    }

    /// Says what to do at `now`: fetch (first use, lifetime over, refetch asked for and
    /// allowed by the rate limit), wait, or use the keys.
    pub fn poll(&mut self, now: UnixTime) -> JwksAction {
        if let Some(t) = self.in_flight_since {
            if now >= t.saturating_add(self.fetch_timeout) {
                self.in_flight_since = None;
            }
        }
        let interval = self.min_refetch_interval;
        let expired = !self.has_keys || self.fresh_until.is_none_or(|f| now >= f);
        // Two budgets, each one fetch per interval: the scheduled fetches (first use, lifetime
        // over, retries after a failure) and the refetches on demand. Keeping them apart is
        // what lets an unknown `kid` right after the first fetch be looked up (OpenID Connect
        // Core §10.1.1: the provider may rotate at any time), while a flood of made-up `kid`s
        // still costs at most one extra request per interval.
        let scheduled_at = expired.then(|| {
            self.last_fetch_started
                .map_or(now, |t| t.saturating_add(interval))
        });
        let on_demand_at = (self.has_keys && self.refresh_wanted).then(|| {
            self.last_refetch_on_demand
                .map_or(now, |t| t.saturating_add(interval))
        });
        let earliest = scheduled_at.into_iter().chain(on_demand_at).min();
        if let (Some(earliest), None) = (earliest, self.in_flight_since) {
            if now >= earliest {
                if let Ok(req) = self.build_request() {
                    // Not due by schedule: this fetch spends the budget on demand.
                    if scheduled_at.is_none_or(|t| now < t) {
                        self.last_refetch_on_demand = Some(now);
                    }
                    self.in_flight_since = Some(now);
                    self.last_fetch_started = Some(now);
                    self.refresh_wanted = false;
                    return JwksAction::Fetch(req);
                }
            }
            if !self.has_keys {
                return JwksAction::WaitUntil(earliest);
            }
        }
        if self.has_keys {
            JwksAction::Ready
        } else {
            let t = self.in_flight_since.unwrap_or(now);
            JwksAction::WaitUntil(t.saturating_add(self.fetch_timeout))
        }
    }

    /// As [`JwksCache::poll`], for validating `token`: when its header names a `kid` the set
    /// lacks, one refetch is requested, allowed when no other refetch on demand happened
    /// within [`JwksCache::min_refetch_interval`] (however recent the last scheduled fetch).
    /// If the rate limit forbids it, the answer is [`JwksAction::Ready`] and the token will
    /// fail with [`TokenError::UnknownKeyId`](crate::TokenError::UnknownKeyId); the refetch
    /// happens at the first poll after the interval.
    pub fn poll_for_token(&mut self, token: &str, now: UnixTime) -> JwksAction {
        let action = self.poll(now);
        if !matches!(action, JwksAction::Ready) {
            return action;
        }
        let unknown = match jws::decode_header_unverified(token) {
            Ok(h) => h.kid.is_some_and(|k| !self.contains_kid(&k)),
            Err(_) => false,
        };
        if unknown {
            self.refresh_wanted = true;
            return self.poll(now);
        }
        JwksAction::Ready
    }

    /// Asks for a refetch at the next poll the rate limit of refetches on demand allows (as
    /// for an unknown `kid`), for a reason the cache cannot see itself (a token without `kid`
    /// that no held key verifies, an operator's request).
    pub fn request_refetch(&mut self) {
        self.refresh_wanted = true;
    }

    /// Handles the response to a [`JwksAction::Fetch`] request received at `now`. On success
    /// the new keys replace the old ones; on failure the last good set stays and the error is
    /// returned (and kept in [`JwksCache::last_error`]); the next fetch then waits for the
    /// rate limit.
    pub fn handle_response(&mut self, resp: &Response<Vec<u8>>, now: UnixTime) -> Result<()> {
        if self.in_flight_since.take().is_none() {
            return Err(JwksError::Unexpected.into());
        }
        match self.read(resp) {
            Ok(keys) => {
                let ttl = self.ttl_from_headers(resp);
                self.keys = keys;
                self.has_keys = true;
                self.fetched_at = Some(now);
                self.fresh_until = Some(now.saturating_add(ttl));
                self.last_error = None;
                Ok(())
            }
            Err(e) => {
                self.last_error = Some(e.clone());
                Err(e.into())
            }
        }
    }

    /// Reports that the fetch failed below HTTP (connection, timeout). The last good key set
    /// stays in use.
    pub fn handle_fetch_failure(&mut self, _now: UnixTime) {
        self.in_flight_since = None;
    }

    fn read(&self, resp: &Response<Vec<u8>>) -> Result<VerifyingKeys, JwksError> {
        if resp.status() != StatusCode::OK {
            return Err(JwksError::UnexpectedStatus(resp.status().as_u16()));
        }
        if resp.body().len() > MAX_JWKS_BYTES {
            return Err(JwksError::TooLarge {
                limit: MAX_JWKS_BYTES,
            });
        }
        let set = JwkSet::from_json(resp.body()).map_err(JwksError::Invalid)?;
        let keys = VerifyingKeys::from_jwk_set(
            &set,
            &self.algorithms,
            &self.provider,
            &self.verify_options,
        )
        .map_err(|e| match e {
            authcore_jose::Error::NoUsableKeys { skipped, .. } => {
                // The reasons name what is wrong with keys a token could name (a `kid`); when
                // the provider verifies none of the algorithms, no key is at fault and the
                // plain error says it all.
                let verifiable = self.algorithms.iter().any(|&a| self.provider.supports(a));
                if verifiable && skipped.iter().any(|s| s.kid.is_some()) {
                    JwksError::AllKeysDropped(skipped)
                } else {
                    JwksError::NoUsableKeys
                }
            }
            e => JwksError::Invalid(e),
        })?;
        Ok(keys)
    }

    /// The lifetime a response grants: `max-age` minus `Age`, bounded; `no-cache` or
    /// `no-store` give the lower bound; no `max-age` gives the default.
    fn ttl_from_headers(&self, resp: &Response<Vec<u8>>) -> u64 {
        let cc = cache_control(resp);
        let ttl = if cc.no_cache {
            self.min_ttl
        } else if let Some(max_age) = cc.max_age {
            let age = resp
                .headers()
                .get(http::header::AGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0);
            max_age.saturating_sub(age)
        } else {
            self.default_ttl
        };
        ttl.clamp(self.min_ttl, self.max_ttl)
    }
}

impl KeySource for JwksCache {
    fn verifying_keys(&self) -> &[VerifyingKey] {
        self.keys.verifying_keys()
    }

    fn skipped_key(&self, kid: &str) -> Option<&SkippedKey> {
        self.keys.skipped_key(kid)
    }
}

/// Most steps [`ensure_jwks`] takes: a fetch on first use or expiry, a refetch for an unknown
/// `kid`, and short waits while another task's fetch is in flight.
pub const MAX_JWKS_STEPS: usize = 8;

/// Longest single wait of [`ensure_jwks`] while a fetch is in flight elsewhere: the other
/// task's answer usually arrives well before the cache's own fetch timeout.
pub const MAX_JWKS_WAIT: Duration = Duration::from_secs(1);

/// A JWKS cache as a driver holds it across its waits: locked, or borrowed, only for each
/// synchronous step, never across a send or a sleep.
pub trait JwksCacheHandle {
    /// Runs `f` on the cache.
    fn with_cache<R>(&mut self, f: impl FnOnce(&mut JwksCache) -> R) -> R;
}

impl JwksCacheHandle for &mut JwksCache {
    fn with_cache<R>(&mut self, f: impl FnOnce(&mut JwksCache) -> R) -> R {
        f(self)
    }
}

/// A cache shared by tasks or threads (a client's keys).
impl JwksCacheHandle for &Mutex<JwksCache> {
    fn with_cache<R>(&mut self, f: impl FnOnce(&mut JwksCache) -> R) -> R {
        // The cache's state is consistent between calls; a panic elsewhere does not spoil it.
        f(&mut self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Brings a JWKS cache to a usable state (OpenID Connect Core §10.1.1): fetches on first use
/// or when its lifetime is over and, given the `token` about to be verified, refetches once
/// when it names a `kid` the set lacks (subject to the cache's rate limit). A failed fetch
/// keeps the last good keys; it is an error only while there are none.
///
/// `now` reads the caller's clock, `send` carries the request, `sleep` waits (while another
/// task's fetch is in flight). At most [`MAX_JWKS_STEPS`] steps.
pub async fn ensure_jwks<E, H, N, S, SF, W, WF>(
    mut cache: H,
    token: Option<&str>,
    now: N,
    send: S,
    sleep: W,
) -> core::result::Result<(), E>
where
    E: From<Error>,
    H: JwksCacheHandle,
    N: Fn() -> core::result::Result<UnixTime, E>,
    S: Fn(Request<Vec<u8>>) -> SF,
    SF: Future<Output = core::result::Result<Response<Vec<u8>>, E>>,
    W: Fn(Duration) -> WF,
    WF: Future<Output = ()>,
{
    let mut fetched = false;
    for _ in 0..MAX_JWKS_STEPS {
        let t = now()?;
        // One fetch per call is enough to learn about a new `kid`; after it, an unknown `kid`
        // is the token's problem, not the cache's.
        let action = cache.with_cache(|c| match token {
            Some(token) if !fetched => c.poll_for_token(token, t),
            _ => c.poll(t),
        });
        match action {
            JwksAction::Ready => return Ok(()),
            JwksAction::Fetch(req) => {
                let outcome = send(req).await;
                let t = now()?;
                cache.with_cache(|c| match outcome {
                    Ok(resp) => {
                        fetched = true;
                        match c.handle_response(&resp, t) {
                            Err(e) if c.keys().is_none() => Err(E::from(e)),
                            _ => Ok(()),
                        }
                    }
                    Err(e) => {
                        c.handle_fetch_failure(t);
                        if c.keys().is_none() { Err(e) } else { Ok(()) }
                    }
                })?;
            }
            JwksAction::WaitUntil(at) => {
                sleep(seconds_between(t, at).min(MAX_JWKS_WAIT)).await;
            }
        }
    }
    Err(Error::from(JwksError::Unavailable).into())
}

/// [`ensure_jwks`] with a blocking `send` and `sleep`.
pub fn ensure_jwks_blocking<E, H, N, S, W>(
    cache: H,
    token: Option<&str>,
    now: N,
    send: S,
    sleep: W,
) -> core::result::Result<(), E>
where
    E: From<Error>,
    H: JwksCacheHandle,
    N: Fn() -> core::result::Result<UnixTime, E>,
    S: Fn(Request<Vec<u8>>) -> core::result::Result<Response<Vec<u8>>, E>,
    W: Fn(Duration),
{
    let driver = ensure_jwks(
        cache,
        token,
        now,
        |req| ready(send(req)),
        |d| {
            sleep(d);
            ready(())
        },
    );
    run_ready(driver).unwrap_or_else(|| Err(Error::from(JwksError::Unavailable).into()))
}

#[derive(Debug, Default, PartialEq, Eq)]
struct CacheControl {
    max_age: Option<u64>,
    no_cache: bool,
}

/// Reads the directives of every `Cache-Control` header (RFC 9111 §5.2) this cache uses.
/// Malformed `max-age` values are ignored; the smallest of repeated ones wins.
fn cache_control(resp: &Response<Vec<u8>>) -> CacheControl {
    let mut cc = CacheControl::default();
    for value in resp.headers().get_all(CACHE_CONTROL) {
        let Ok(v) = value.to_str() else { continue };
        for directive in v.split(',') {
            let d = directive.trim();
            let (name, arg) = match d.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                None => (d, None),
            };
            if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
                cc.no_cache = true;
            } else if name.eq_ignore_ascii_case("max-age") {
                if let Some(secs) = arg.and_then(|a| {
                    (!a.is_empty() && a.len() <= 19 && a.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| a.parse::<u64>().ok())
                        .flatten()
                }) {
                    cc.max_age = Some(cc.max_age.map_or(secs, |m| m.min(secs)));
                }
            }
        }
    }
    cc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp_with(cc: &[&str]) -> Response<Vec<u8>> {
        let mut b = Response::builder().status(200);
        for v in cc {
            b = b.header(CACHE_CONTROL, *v);
        }
        b.body(Vec::new()).unwrap()
    }

    #[test]
    fn cache_control_directives() {
        assert_eq!(
            cache_control(&resp_with(&["public, max-age=3600"])),
            CacheControl {
                max_age: Some(3600),
                no_cache: false
            }
        );
        assert_eq!(
            cache_control(&resp_with(&["MAX-AGE=\"10\"", "max-age=20"])).max_age,
            Some(10)
        );
        assert!(cache_control(&resp_with(&["no-store"])).no_cache);
        assert!(cache_control(&resp_with(&["private, No-Cache"])).no_cache);
        for bad in ["max-age=-1", "max-age=1e3", "max-age=", "max-age"] {
            assert_eq!(cache_control(&resp_with(&[bad])).max_age, None, "{bad}");
        }
    }

    #[test]
    fn ttl_bounds_and_age() {
        let cache = JwksCache::new("https://op.example/jwks", &[JwsAlgorithm::RS256])
            .unwrap()
            .ttl_bounds(60, 3600);
        let ttl = |hs: &[(&str, &str)]| {
            let mut b = Response::builder().status(200);
            for (k, v) in hs {
                b = b.header(*k, *v);
            }
            cache.ttl_from_headers(&b.body(Vec::new()).unwrap())
        };
        assert_eq!(ttl(&[]), DEFAULT_JWKS_TTL);
        assert_eq!(ttl(&[("cache-control", "max-age=600")]), 600);
        assert_eq!(
            ttl(&[("cache-control", "max-age=600"), ("age", "100")]),
            500
        );
        assert_eq!(ttl(&[("cache-control", "max-age=5")]), 60, "lower bound");
        assert_eq!(
            ttl(&[("cache-control", "max-age=999999")]),
            3600,
            "upper bound"
        );
        assert_eq!(ttl(&[("cache-control", "no-store, max-age=600")]), 60);
    }

    #[test]
    fn jwks_uri_must_be_https_and_algorithms_asymmetric() {
        assert!(JwksCache::new("http://op.example/jwks", &[JwsAlgorithm::RS256]).is_err());
        assert!(JwksCache::new("http://127.0.0.1:8080/jwks", &[JwsAlgorithm::RS256]).is_ok());
        assert!(JwksCache::new("https://op.example/jwks", &[JwsAlgorithm::HS256]).is_err());
        assert!(JwksCache::new("not a url", &[JwsAlgorithm::RS256]).is_err());
    }
}
