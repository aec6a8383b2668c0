//! The JWKS cache machine on a virtual clock: first fetch, lifetimes from `Cache-Control`,
//! refetch on unknown `kid` with the rate limit, rotation, failures keeping the last good set.

mod common;

use authcore_jose::{JwsAlgorithm, JwsHeader, UnixTime};
use authcore_oidc::{
    DEFAULT_FETCH_TIMEOUT, DEFAULT_JWKS_TTL, Error, IdTokenExpectations, JwksAction, JwksCache,
    JwksError, MAX_JWKS_BYTES, TokenError,
};
use common::*;
use http::Response;

const ALGS: [JwsAlgorithm; 3] = [
    JwsAlgorithm::RS256,
    JwsAlgorithm::ES256,
    JwsAlgorithm::EdDSA,
];

fn t(secs: u64) -> UnixTime {
    UnixTime::from_secs(NOW + secs)
}

fn cache() -> JwksCache {
    JwksCache::new("https://op.example/jwks", &ALGS).unwrap()
}

fn ok(body: &str, cache_control: Option<&str>) -> Response<Vec<u8>> {
    let mut b = Response::builder()
        .status(200)
        .header("content-type", "application/json");
    if let Some(cc) = cache_control {
        b = b.header("cache-control", cc);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

fn expect_fetch(c: &mut JwksCache, now: UnixTime) -> http::Request<Vec<u8>> {
    match c.poll(now) {
        JwksAction::Fetch(r) => r,
        other => panic!("expected a fetch at {now:?}, got {other:?}"),
    }
}

#[test]
fn first_fetch_then_lifetime_from_max_age() {
    let op = Op::new();
    let mut c = cache();
    assert!(c.keys().is_none());
    let req = expect_fetch(&mut c, t(0));
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(req.uri(), "https://op.example/jwks");
    assert!(
        req.headers()["accept"]
            .to_str()
            .unwrap()
            .contains("application/jwk-set+json")
    );
    // While the fetch is outstanding and no keys are held: wait for the response.
    assert!(matches!(c.poll(t(1)), JwksAction::WaitUntil(u) if u == t(DEFAULT_FETCH_TIMEOUT)));
    c.handle_response(&ok(&op.jwks_json(), Some("public, max-age=600")), t(2))
        .unwrap();
    assert_eq!(c.fetched_at(), Some(t(2)));
    assert_eq!(c.fresh_until(), Some(t(602)));
    assert!(c.contains_kid("rsa1") && c.contains_kid("ec1") && c.contains_kid("ed1"));
    assert!(matches!(c.poll(t(601)), JwksAction::Ready));
    expect_fetch(&mut c, t(602));
    // The keys validate tokens directly (the cache is a KeySource).
    let token = op.sign(JwsAlgorithm::ES256, &claims());
    let e = IdTokenExpectations::token_endpoint();
    assert!(verifier().validate(&token, &c, &e, now()).is_ok());
}

#[test]
fn lifetimes_default_bounds_and_no_store() {
    let op = Op::new();
    let cases = [
        (None, 300),
        (Some("max-age=30"), 60),
        (Some("max-age=999999999"), 86_400),
        (Some("no-store"), 60),
        (Some("no-cache, max-age=3600"), 60),
    ];
    for (cc, ttl) in cases {
        let mut c = cache();
        expect_fetch(&mut c, t(0));
        c.handle_response(&ok(&op.jwks_json(), cc), t(0)).unwrap();
        assert_eq!(c.fresh_until(), Some(t(ttl)), "{cc:?}");
    }
    let mut c = cache().ttl_bounds(10, 20).default_ttl(15);
    expect_fetch(&mut c, t(0));
    c.handle_response(&ok(&op.jwks_json(), None), t(0)).unwrap();
    assert_eq!(c.fresh_until(), Some(t(15)));
}

#[test]
fn unknown_kid_triggers_one_rate_limited_refetch() {
    let op = Op::new();
    let mut c = cache().min_refetch_interval(60);
    expect_fetch(&mut c, t(0));
    c.handle_response(
        &ok(&op.jwks_of(&[&op.rsa, &op.ec]), Some("max-age=3600")),
        t(0),
    )
    .unwrap();
    // A token with a known kid: ready, no fetch.
    let known = op.sign(JwsAlgorithm::RS256, &claims());
    assert!(matches!(c.poll_for_token(&known, t(70)), JwksAction::Ready));
    // The provider rotated in `ed1`: the first token naming it asks for a refetch.
    let rotated = op.sign(JwsAlgorithm::EdDSA, &claims());
    let e = IdTokenExpectations::token_endpoint();
    assert_eq!(
        verifier().validate(&rotated, &c, &e, now()).unwrap_err(),
        Error::Token(TokenError::UnknownKeyId("ed1".into()))
    );
    let JwksAction::Fetch(_) = c.poll_for_token(&rotated, t(70)) else {
        panic!("unknown kid refetches")
    };
    c.handle_response(&ok(&op.jwks_json(), Some("max-age=3600")), t(71))
        .unwrap();
    assert!(matches!(
        c.poll_for_token(&rotated, t(71)),
        JwksAction::Ready
    ));
    assert!(verifier().validate(&rotated, &c, &e, now()).is_ok());
}

#[test]
fn an_unknown_kid_right_after_the_first_fetch_is_refetched_once() {
    let op = Op::new();
    let mut c = cache().min_refetch_interval(60);
    expect_fetch(&mut c, t(0));
    // The set served before the provider rotated `ed1` in.
    c.handle_response(
        &ok(&op.jwks_of(&[&op.rsa, &op.ec]), Some("max-age=3600")),
        t(0),
    )
    .unwrap();
    let rotated = op.sign(JwsAlgorithm::EdDSA, &claims());
    // Two seconds after the first fetch: the refetch is not held back by its interval.
    let JwksAction::Fetch(_) = c.poll_for_token(&rotated, t(2)) else {
        panic!("an unknown kid right after the first fetch refetches")
    };
    c.handle_response(&ok(&op.jwks_json(), Some("max-age=3600")), t(2))
        .unwrap();
    assert!(matches!(
        c.poll_for_token(&rotated, t(2)),
        JwksAction::Ready
    ));
    let e = IdTokenExpectations::token_endpoint();
    assert!(verifier().validate(&rotated, &c, &e, now()).is_ok());
    // A second unknown kid within the interval of that refetch: no fetch, the rate limit.
    let other = op.sign_with_header(
        JwsHeader::new(JwsAlgorithm::EdDSA).with_kid("not-there"),
        &claims(),
    );
    for s in 3..62 {
        assert!(
            matches!(c.poll_for_token(&other, t(s)), JwksAction::Ready),
            "{s}"
        );
    }
    let JwksAction::Fetch(_) = c.poll_for_token(&other, t(62)) else {
        panic!("one interval after the last refetch on demand")
    };
}

#[test]
fn a_flood_of_random_kids_causes_one_fetch_per_interval() {
    let op = Op::new();
    let mut c = cache().min_refetch_interval(60);
    expect_fetch(&mut c, t(0));
    c.handle_response(&ok(&op.jwks_json(), Some("max-age=86400")), t(0))
        .unwrap();
    let tokens: Vec<String> = (0..50)
        .map(|i| {
            op.sign_with_header(
                JwsHeader::new(JwsAlgorithm::EdDSA).with_kid(format!("random-{i}")),
                &claims(),
            )
        })
        .collect();
    let mut fetches = Vec::new();
    for i in 0..=2_000u64 {
        let now = t(1 + i / 50);
        match c.poll_for_token(&tokens[(i % 50) as usize], now) {
            JwksAction::Fetch(_) => {
                fetches.push(now);
                c.handle_response(&ok(&op.jwks_json(), Some("max-age=86400")), now)
                    .unwrap();
            }
            JwksAction::Ready => {}
            JwksAction::WaitUntil(_) => panic!("keys are held"),
        }
    }
    // 2,001 tokens over 41 seconds, after the first fetch at 0: the first unknown `kid` gets
    // its one refetch (the provider may have rotated just before signing), then the interval
    // allows none.
    assert_eq!(fetches, [t(1)]);
    let token = op.sign_with_header(
        JwsHeader::new(JwsAlgorithm::EdDSA).with_kid("random-x"),
        &claims(),
    );
    // One interval after that refetch (61 s) exactly one more; afterwards none until 121 s.
    let mut fetches = 0;
    for s in 60..180 {
        for _ in 0..20 {
            if let JwksAction::Fetch(_) = c.poll_for_token(&token, t(s)) {
                fetches += 1;
                c.handle_response(&ok(&op.jwks_json(), Some("max-age=86400")), t(s))
                    .unwrap();
            }
        }
    }
    assert_eq!(fetches, 2, "at 61 s and 121 s");
}

#[test]
fn failures_keep_the_last_good_set() {
    let op = Op::new();
    let mut c = cache().min_refetch_interval(60);
    expect_fetch(&mut c, t(0));
    c.handle_response(&ok(&op.jwks_json(), Some("max-age=100")), t(0))
        .unwrap();
    let token = op.sign(JwsAlgorithm::RS256, &claims());
    let e = IdTokenExpectations::token_endpoint();
    let failures: [(Response<Vec<u8>>, JwksError); 5] = [
        (
            Response::builder().status(500).body(Vec::new()).unwrap(),
            JwksError::UnexpectedStatus(500),
        ),
        (
            ok("not json", None),
            JwksError::Invalid(authcore_jose::Error::Json(String::new())),
        ),
        (ok(r#"{"keys":[]}"#, None), JwksError::NoUsableKeys),
        (
            ok(
                r#"{"keys":[{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#,
                None,
            ),
            JwksError::NoUsableKeys,
        ),
        (
            ok(&" ".repeat(MAX_JWKS_BYTES + 1), None),
            JwksError::TooLarge {
                limit: MAX_JWKS_BYTES,
            },
        ),
    ];
    let mut now = 100;
    for (resp, expected) in failures {
        expect_fetch(&mut c, t(now));
        let err = c.handle_response(&resp, t(now)).unwrap_err();
        match (&err, &expected) {
            (Error::Jwks(JwksError::Invalid(_)), JwksError::Invalid(_)) => {}
            (Error::Jwks(got), want) => assert_eq!(got, want),
            other => panic!("{other:?}"),
        }
        assert!(c.last_error().is_some());
        // The previous keys still validate.
        assert!(verifier().validate(&token, &c, &e, now_plus(0)).is_ok());
        // No new fetch before the interval.
        assert!(matches!(c.poll(t(now + 59)), JwksAction::Ready));
        now += 60;
    }
    // A transport failure too.
    expect_fetch(&mut c, t(now));
    c.handle_fetch_failure(t(now));
    assert!(matches!(c.poll(t(now + 1)), JwksAction::Ready));
    expect_fetch(&mut c, t(now + 60));
    c.handle_response(&ok(&op.jwks_json(), None), t(now + 60))
        .unwrap();
    assert!(c.last_error().is_none());
}

fn now_plus(s: u64) -> UnixTime {
    UnixTime::from_secs(NOW + s)
}

#[test]
fn without_keys_failures_mean_waiting() {
    let mut c = cache().min_refetch_interval(30);
    expect_fetch(&mut c, t(0));
    c.handle_response(
        &Response::builder().status(503).body(Vec::new()).unwrap(),
        t(1),
    )
    .unwrap_err();
    assert!(matches!(c.poll(t(2)), JwksAction::WaitUntil(u) if u == t(30)));
    expect_fetch(&mut c, t(30));
    // A lost request (no answer) counts as failed after the fetch timeout.
    assert!(matches!(c.poll(t(31)), JwksAction::WaitUntil(_)));
    expect_fetch(&mut c, t(30 + DEFAULT_FETCH_TIMEOUT));
}

#[test]
fn responses_without_a_request_are_refused() {
    let op = Op::new();
    let mut c = cache();
    assert_eq!(
        c.handle_response(&ok(&op.jwks_json(), None), t(0))
            .unwrap_err(),
        Error::Jwks(JwksError::Unexpected)
    );
    assert!(c.keys().is_none());
}

#[test]
fn keys_are_built_once_per_fetch_for_the_configured_algorithms() {
    let op = Op::new();
    let mut c = JwksCache::new("https://op.example/jwks", &[JwsAlgorithm::ES256]).unwrap();
    expect_fetch(&mut c, t(0));
    c.handle_response(&ok(&op.jwks_json(), None), t(0)).unwrap();
    let keys = c.keys().unwrap();
    assert_eq!(keys.len(), 1, "only the ES256 key");
    let before: *const _ = keys;
    let token = op.sign(JwsAlgorithm::ES256, &claims());
    let v = authcore_oidc::IdTokenVerifier::new(ISSUER, CLIENT)
        .id_token_signed_response_alg(JwsAlgorithm::ES256)
        .unwrap();
    for _ in 0..3 {
        v.validate(&token, &c, &IdTokenExpectations::token_endpoint(), now())
            .unwrap();
    }
    assert!(core::ptr::eq(before, c.keys().unwrap()));
    // An RS256 token finds no RS256 key in this cache.
    let rs = op.sign(JwsAlgorithm::RS256, &claims());
    assert!(
        verifier()
            .validate(&rs, &c, &IdTokenExpectations::token_endpoint(), now())
            .is_err()
    );
}

#[test]
fn explicit_refetch_requests_respect_the_rate_limit() {
    let op = Op::new();
    let mut c = cache().min_refetch_interval(60);
    expect_fetch(&mut c, t(0));
    c.handle_response(&ok(&op.jwks_json(), Some("max-age=3600")), t(0))
        .unwrap();
    // The first request after the first fetch is served at once (the scheduled fetch does
    // not use up the budget of refetches on demand).
    c.request_refetch();
    expect_fetch(&mut c, t(30));
    c.handle_response(&ok(&op.jwks_json(), Some("max-age=3600")), t(30))
        .unwrap();
    c.request_refetch();
    assert!(matches!(c.poll(t(31)), JwksAction::Ready), "rate-limited");
    assert!(matches!(c.poll(t(89)), JwksAction::Ready), "rate-limited");
    expect_fetch(&mut c, t(90));
    c.handle_response(&ok(&op.jwks_json(), Some("max-age=3600")), t(90))
        .unwrap();
    assert!(
        matches!(c.poll(t(200)), JwksAction::Ready),
        "asked once, fetched once"
    );
}

// The JWKS driver (`ensure_jwks`) on a virtual clock: sends go to a script, sleeps advance
// the clock.

/// The driver's error in these tests: the core's, or a failed send.
#[derive(Debug)]
enum DriveError {
    Core(Error),
    Send,
}

impl From<Error> for DriveError {
    fn from(e: Error) -> Self {
        DriveError::Core(e)
    }
}

struct Script {
    clock: std::cell::Cell<u64>,
    answers: std::cell::RefCell<Vec<Result<Response<Vec<u8>>, DriveError>>>,
    sent: std::cell::Cell<usize>,
}

impl Script {
    fn new(answers: Vec<Result<Response<Vec<u8>>, DriveError>>) -> Self {
        Script {
            clock: std::cell::Cell::new(NOW),
            answers: std::cell::RefCell::new(answers),
            sent: std::cell::Cell::new(0),
        }
    }
    fn ensure(&self, cache: &mut JwksCache, token: Option<&str>) -> Result<(), DriveError> {
        authcore_oidc::ensure_jwks_blocking(
            cache,
            token,
            || Ok(UnixTime::from_secs(self.clock.get())),
            |_req| {
                self.sent.set(self.sent.get() + 1);
                let mut a = self.answers.borrow_mut();
                assert!(!a.is_empty(), "more fetches than scripted");
                a.remove(0)
            },
            |d| self.clock.set(self.clock.get() + d.as_secs()),
        )
    }
}

#[test]
fn jwks_driver_fetches_once_then_serves_from_the_cache() {
    let op = Op::new();
    let script = Script::new(vec![Ok(ok(&op.jwks_json(), Some("max-age=600")))]);
    let mut c = cache();
    script.ensure(&mut c, None).unwrap();
    script.ensure(&mut c, None).unwrap();
    assert_eq!(script.sent.get(), 1);
    assert!(c.contains_kid("ec1"));
}

#[test]
fn jwks_driver_refetches_once_for_an_unknown_kid() {
    let op = Op::new();
    let es = op.key(JwsAlgorithm::ES256);
    let script = Script::new(vec![
        Ok(ok(&op.jwks_of(&[es]), Some("max-age=600"))),
        Ok(ok(&op.jwks_json(), Some("max-age=600"))),
    ]);
    let mut c = cache().min_refetch_interval(0);
    script.ensure(&mut c, None).unwrap();
    assert!(!c.contains_kid("rsa1"));
    let token = op.sign(JwsAlgorithm::RS256, &claims());
    script.ensure(&mut c, Some(&token)).unwrap();
    assert_eq!(script.sent.get(), 2);
    assert!(c.contains_kid("rsa1"));
    // A kid no set has: one refetch at most per call, then the token's problem.
    let script = Script::new(vec![Ok(ok(&op.jwks_json(), Some("max-age=600")))]);
    let stranger = op.sign_with_header(
        JwsHeader::new(JwsAlgorithm::ES256).with_kid("nobody"),
        &claims(),
    );
    script.ensure(&mut c, Some(&stranger)).unwrap();
    assert_eq!(script.sent.get(), 1);
}

#[test]
fn jwks_driver_refetches_right_after_the_first_fetch_with_the_default_interval() {
    let op = Op::new();
    let es = op.key(JwsAlgorithm::ES256);
    let script = Script::new(vec![
        Ok(ok(&op.jwks_of(&[es]), Some("max-age=600"))),
        Ok(ok(&op.jwks_json(), Some("max-age=600"))),
    ]);
    let mut c = cache();
    script.ensure(&mut c, None).unwrap();
    // The provider rotated just before signing: the token arrives a second later.
    script.clock.set(NOW + 1);
    let token = op.sign(JwsAlgorithm::RS256, &claims());
    script.ensure(&mut c, Some(&token)).unwrap();
    assert_eq!(script.sent.get(), 2, "the promised refetch");
    assert!(c.contains_kid("rsa1"));
    // A flood of unknown kids afterwards: no fetch until the interval is over.
    for i in 0..100 {
        let stranger = op.sign_with_header(
            JwsHeader::new(JwsAlgorithm::ES256).with_kid(format!("nobody-{i}")),
            &claims(),
        );
        script.ensure(&mut c, Some(&stranger)).unwrap();
    }
    assert_eq!(script.sent.get(), 2, "rate-limited");
}

#[test]
fn jwks_driver_fails_only_without_keys() {
    let op = Op::new();
    // No keys yet: a send failure or a bad response is the error.
    let script = Script::new(vec![Err(DriveError::Send)]);
    assert!(matches!(
        script.ensure(&mut cache(), None),
        Err(DriveError::Send)
    ));
    let script = Script::new(vec![Ok(json_response(500, "{}"))]);
    assert!(matches!(
        script.ensure(&mut cache(), None),
        Err(DriveError::Core(Error::Jwks(JwksError::UnexpectedStatus(
            500
        ))))
    ));
    // With keys: a failed refetch keeps them in use.
    let script = Script::new(vec![
        Ok(ok(&op.jwks_json(), Some("max-age=60"))),
        Err(DriveError::Send),
    ]);
    let mut c = cache();
    script.ensure(&mut c, None).unwrap();
    script.clock.set(NOW + 120);
    script.ensure(&mut c, None).unwrap();
    assert_eq!(script.sent.get(), 2);
    assert!(c.contains_kid("ec1"));
}

#[test]
fn jwks_driver_gives_up_when_the_cache_keeps_waiting() {
    // A fetch is outstanding elsewhere (never answered here) and no keys are held: the driver
    // waits in short steps and gives up after its bound, without sending.
    let mut c = cache().fetch_timeout(3600);
    let _outstanding = expect_fetch(&mut c, UnixTime::from_secs(NOW));
    let script = Script::new(vec![]);
    assert!(matches!(
        script.ensure(&mut c, None),
        Err(DriveError::Core(Error::Jwks(JwksError::Unavailable)))
    ));
    assert_eq!(script.sent.get(), 0);
    assert_eq!(
        script.clock.get() - NOW,
        authcore_oidc::MAX_JWKS_STEPS as u64 * authcore_oidc::MAX_JWKS_WAIT.as_secs()
    );
}

#[test]
fn a_token_naming_a_dropped_key_is_told_why() {
    let op = Op::new();
    // The RFC 7517 sample RSA key has a 2048-bit modulus: below this cache's floor, as a
    // 1024-bit key is below the default one.
    let strict = authcore_jose::crypto::VerifyOptions { min_rsa_bits: 4096 };
    let mut c = cache().with_verify_options(strict);
    expect_fetch(&mut c, t(0));
    c.handle_response(&ok(&op.jwks_json(), None), t(0)).unwrap();
    assert!(c.contains_kid("ec1") && c.contains_kid("ed1"));
    assert!(!c.contains_kid("rsa1"));
    let dropped = c.dropped_keys();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].kid.as_deref(), Some("rsa1"));
    assert!(!dropped[0].reason.is_empty());
    let e = IdTokenExpectations::token_endpoint();
    let rs = op.sign(JwsAlgorithm::RS256, &claims());
    let err = verifier().validate(&rs, &c, &e, now()).unwrap_err();
    match &err {
        Error::Token(TokenError::DroppedKey { kid, reason }) => {
            assert_eq!(kid, "rsa1");
            assert_eq!(reason, &dropped[0].reason);
        }
        other => panic!("{other:?}"),
    }
    let shown = err.to_string();
    assert!(
        shown.contains("rsa1") && shown.contains("dropped"),
        "{shown}"
    );
    // A `kid` the set does not have at all is still unknown, not dropped.
    let stranger = op.sign_with_header(
        JwsHeader::new(JwsAlgorithm::ES256).with_kid("nobody"),
        &claims(),
    );
    assert_eq!(
        verifier().validate(&stranger, &c, &e, now()).unwrap_err(),
        Error::Token(TokenError::UnknownKeyId("nobody".into()))
    );
    // The usable keys verify as ever.
    let es = op.sign(JwsAlgorithm::ES256, &claims());
    assert!(verifier().validate(&es, &c, &e, now()).is_ok());
    // A key no accepted algorithm fits is dropped with that reason.
    let mut only_ed = JwksCache::new("https://op.example/jwks", &[JwsAlgorithm::EdDSA]).unwrap();
    expect_fetch(&mut only_ed, t(0));
    only_ed
        .handle_response(&ok(&op.jwks_json(), None), t(0))
        .unwrap();
    let kids: Vec<_> = only_ed
        .dropped_keys()
        .iter()
        .map(|d| d.kid.as_deref().unwrap())
        .collect();
    assert_eq!(kids, ["rsa1", "ec1"]);
    // Nothing dropped: nothing reported.
    let mut plain = cache();
    expect_fetch(&mut plain, t(0));
    plain
        .handle_response(&ok(&op.jwks_json(), None), t(0))
        .unwrap();
    assert!(plain.dropped_keys().is_empty());
}

#[test]
fn a_set_whose_every_key_was_dropped_names_the_reasons() {
    let op = Op::new();
    let strict = authcore_jose::crypto::VerifyOptions { min_rsa_bits: 4096 };
    let mut c = JwksCache::new("https://op.example/jwks", &[JwsAlgorithm::RS256])
        .unwrap()
        .with_verify_options(strict);
    expect_fetch(&mut c, t(0));
    let err = c
        .handle_response(&ok(&op.jwks_of(&[&op.rsa]), None), t(0))
        .unwrap_err();
    match &err {
        Error::Jwks(JwksError::AllKeysDropped(dropped)) => {
            assert_eq!(dropped.len(), 1);
            assert_eq!(dropped[0].kid.as_deref(), Some("rsa1"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("`rsa1`"), "{err}");
    assert!(c.keys().is_none());
}

#[test]
fn the_size_limit_is_the_http_layers() {
    assert_eq!(MAX_JWKS_BYTES, authcore_oauth2::MAX_RESPONSE_BYTES);
    let op = Op::new();
    let mut c = cache();
    expect_fetch(&mut c, t(0));
    // A set padded to exactly the limit is read; one byte more is refused.
    let mut padded = op.jwks_json();
    padded.push_str(&" ".repeat(MAX_JWKS_BYTES - padded.len()));
    assert_eq!(padded.len(), MAX_JWKS_BYTES);
    c.handle_response(&ok(&padded, None), t(0)).unwrap();
    expect_fetch(&mut c, t(DEFAULT_JWKS_TTL));
    assert_eq!(
        c.handle_response(&ok(&format!("{padded} "), None), t(DEFAULT_JWKS_TTL))
            .unwrap_err(),
        Error::Jwks(JwksError::TooLarge {
            limit: MAX_JWKS_BYTES
        })
    );
}
