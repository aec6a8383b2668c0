//! The drivers (device polling, DPoP nonce retry) against scripted servers on a virtual
//! clock: `sleep` advances the clock, so whole flows run in no real time, and every wait the
//! driver asks for is recorded.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::Duration;

use authcore_oauth2::jose::crypto;
use authcore_oauth2::*;
use common::*;
use http::{Request, Response};

/// The test's error type: the core's, or a failure to send.
#[derive(Debug)]
enum TestError {
    Core(Error),
    /// A send failure; `true` when transient.
    Send(bool),
}

impl From<Error> for TestError {
    fn from(e: Error) -> Self {
        TestError::Core(e)
    }
}

impl TransientFailure for TestError {
    fn is_transient(&self) -> bool {
        matches!(self, TestError::Send(true))
    }
}

/// A scripted server on a virtual clock.
struct Stub {
    clock: Cell<u64>,
    script: RefCell<VecDeque<Result<Response<Vec<u8>>, TestError>>>,
    sent: RefCell<Vec<(u64, Request<Vec<u8>>)>>,
    slept: RefCell<Vec<Duration>>,
}

impl Stub {
    fn new(start: u64, script: Vec<Result<Response<Vec<u8>>, TestError>>) -> Self {
        Stub {
            clock: Cell::new(start),
            script: RefCell::new(script.into()),
            sent: RefCell::new(Vec::new()),
            slept: RefCell::new(Vec::new()),
        }
    }
    fn now(&self) -> Result<UnixTime, TestError> {
        Ok(UnixTime::from_secs(self.clock.get()))
    }
    fn send(&self, req: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TestError> {
        self.sent.borrow_mut().push((self.clock.get(), req));
        self.script
            .borrow_mut()
            .pop_front()
            .expect("the driver sent more requests than the script has answers")
    }
    fn sleep(&self, d: Duration) {
        self.slept.borrow_mut().push(d);
        self.clock.set(self.clock.get() + d.as_secs());
    }
    fn poll_times(&self) -> Vec<u64> {
        self.sent.borrow().iter().map(|(t, _)| *t).collect()
    }
}

fn device_flow(now: u64, expires_in: u64, interval: u64) -> DeviceAuthorizationFlow {
    let d = parse_device_authorization_response(&json(
        200,
        &format!(
            r#"{{"device_code":"dc","user_code":"WDJB-MJHT","verification_uri":"https://v.example","expires_in":{expires_in},"interval":{interval}}}"#
        ),
    ))
    .unwrap();
    DeviceAuthorizationFlow::new(d, UnixTime::from_secs(now))
}

fn poll(
    stub: &Stub,
    flow: DeviceAuthorizationFlow,
) -> Result<TokenResponse, DevicePollError<TestError>> {
    poll_device_flow_blocking(
        flow,
        &Client::new("c", ClientAuthentication::None),
        &server(),
        &TokenResponseOptions::new(),
        &rng(),
        || stub.now(),
        |req| stub.send(req),
        |d| stub.sleep(d),
    )
}

fn tokens() -> Result<Response<Vec<u8>>, TestError> {
    Ok(json(200, r#"{"access_token":"at","token_type":"Bearer"}"#))
}

fn error(code: &str) -> Result<Response<Vec<u8>>, TestError> {
    Ok(json(400, &format!(r#"{{"error":"{code}"}}"#)))
}

fn status(code: u16) -> Result<Response<Vec<u8>>, TestError> {
    Ok(Response::builder()
        .status(code)
        .header("content-type", "text/html")
        .body(b"<h1>unavailable</h1>".to_vec())
        .unwrap())
}

#[test]
fn device_driver_waits_the_interval_and_slows_down() {
    let stub = Stub::new(
        1000,
        vec![error("authorization_pending"), error("slow_down"), tokens()],
    );
    let t = poll(&stub, device_flow(1000, 600, 5)).unwrap();
    assert_eq!(t.access_token.secret(), "at");
    // First poll one interval after the start, then 5 s, then 5 + 5 s (RFC 8628 §3.5).
    assert_eq!(stub.poll_times(), [1005, 1010, 1020]);
}

#[test]
fn device_driver_never_polls_faster_than_the_minimum_gap() {
    let stub = Stub::new(
        0,
        vec![
            error("authorization_pending"),
            error("authorization_pending"),
            tokens(),
        ],
    );
    poll(&stub, device_flow(0, 60, 0)).unwrap();
    assert_eq!(
        stub.poll_times(),
        [0, 1, 2],
        "a zero interval is not a busy loop"
    );
    assert!(
        stub.slept
            .borrow()
            .iter()
            .all(|d| *d >= MIN_DEVICE_POLL_GAP)
    );
}

#[test]
fn device_driver_hands_the_flow_back_on_503_then_completes() {
    let stub = Stub::new(0, vec![status(503), tokens()]);
    let Err(DevicePollError::Interrupted { flow, cause }) = poll(&stub, device_flow(0, 60, 5))
    else {
        panic!("a 503 interrupts polling, it does not end the flow")
    };
    assert!(
        matches!(
            cause,
            TestError::Core(Error::Protocol(ProtocolError::UnexpectedStatus {
                status: 503
            }))
        ),
        "{cause:?}"
    );
    // The next poll is one interval after the 503, not at once.
    assert_eq!(flow.next_poll_at(), UnixTime::from_secs(10));
    let t = poll(&stub, *flow).unwrap();
    assert_eq!(t.access_token.secret(), "at");
    assert_eq!(stub.poll_times(), [5, 10]);
}

#[test]
fn device_driver_hands_the_flow_back_on_each_transient_status_and_retry_after() {
    for code in [429, 502, 503, 504] {
        let stub = Stub::new(0, vec![status(code)]);
        assert!(
            matches!(
                poll(&stub, device_flow(0, 60, 5)),
                Err(DevicePollError::Interrupted { .. })
            ),
            "{code}"
        );
    }
    // Retry-After (seconds) pushes the next poll further than the interval.
    let stub = Stub::new(
        0,
        vec![Ok(Response::builder()
            .status(429)
            .header("retry-after", "30")
            .body(Vec::new())
            .unwrap())],
    );
    let Err(DevicePollError::Interrupted { flow, .. }) = poll(&stub, device_flow(0, 60, 5)) else {
        panic!("expected an interruption")
    };
    assert_eq!(flow.next_poll_at(), UnixTime::from_secs(35));

    // slow_down keeps its meaning when a server sends it with 429.
    let slow_429 = Ok(Response::builder()
        .status(429)
        .header("content-type", "application/json")
        .body(br#"{"error":"slow_down"}"#.to_vec())
        .unwrap());
    let stub = Stub::new(0, vec![slow_429, tokens()]);
    poll(&stub, device_flow(0, 60, 5)).unwrap();
    assert_eq!(stub.poll_times(), [5, 15], "interval 5 + 5 after slow_down");
}

#[test]
fn device_driver_hands_the_flow_back_on_a_transient_send_failure_only() {
    let stub = Stub::new(0, vec![Err(TestError::Send(true)), tokens()]);
    let Err(DevicePollError::Interrupted { flow, cause }) = poll(&stub, device_flow(0, 60, 5))
    else {
        panic!("a timeout interrupts polling")
    };
    assert!(matches!(cause, TestError::Send(true)));
    assert_eq!(flow.next_poll_at(), UnixTime::from_secs(10));
    assert!(poll(&stub, *flow).is_ok());

    // A failure that will repeat (a refused redirect) ends the flow.
    let stub = Stub::new(0, vec![Err(TestError::Send(false))]);
    assert!(matches!(
        poll(&stub, device_flow(0, 60, 5)),
        Err(DevicePollError::Ended(TestError::Send(false)))
    ));
}

#[test]
fn device_driver_ends_on_denial_server_errors_and_expiry() {
    for code in ["access_denied", "expired_token", "invalid_grant"] {
        let stub = Stub::new(0, vec![error(code)]);
        match poll(&stub, device_flow(0, 60, 5)) {
            Err(DevicePollError::Ended(TestError::Core(Error::Server(e)))) => {
                assert_eq!(e.error.as_str(), code)
            }
            other => panic!("{code}: {other:?}"),
        }
    }
    // A 500 is not in the transient set: it ends the flow.
    let stub = Stub::new(0, vec![status(500)]);
    assert!(matches!(
        poll(&stub, device_flow(0, 60, 5)),
        Err(DevicePollError::Ended(_))
    ));

    // Pending until the code expires: bounded by the flow's lifetime.
    let stub = Stub::new(0, (0..3).map(|_| error("authorization_pending")).collect());
    match poll(&stub, device_flow(0, 12, 5)) {
        Err(DevicePollError::Ended(TestError::Core(Error::DeviceCodeExpired {
            expired_at,
            ..
        }))) => {
            assert_eq!(expired_at, UnixTime::from_secs(12))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(stub.poll_times(), [5, 10]);
}

#[test]
fn dpop_driver_retries_once_with_the_nonce() {
    let key = DpopKey::new(ed25519_key(), crypto::default_provider()).unwrap();
    let base = TokenRequest::client_credentials()
        .build_token_request(
            &Client::new("c", ClientAuthentication::None),
            &server(),
            UnixTime::from_secs(0),
            &rng(),
        )
        .unwrap();
    let demand = |nonce: &str| {
        Ok(Response::builder()
            .status(400)
            .header("content-type", "application/json")
            .header("dpop-nonce", nonce)
            .body(br#"{"error":"use_dpop_nonce"}"#.to_vec())
            .unwrap())
    };
    // Two demands in a row: one retry, then the second demand is the final answer.
    let stub = Stub::new(100, vec![demand("n1"), demand("n2")]);
    let (resp, nonce) = send_with_dpop_blocking(
        DpopExchange::new(key.clone(), base.clone(), None, None),
        &rng(),
        || stub.now(),
        |req| stub.send(req),
    )
    .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(nonce.as_deref(), Some("n2"));
    assert_eq!(stub.sent.borrow().len(), 2);

    // A send failure is returned as it is.
    let stub = Stub::new(100, vec![Err(TestError::Send(true))]);
    let r = send_with_dpop_blocking(
        DpopExchange::new(key, base, None, None),
        &rng(),
        || stub.now(),
        |req| stub.send(req),
    );
    assert!(matches!(r, Err(TestError::Send(true))));
}

#[test]
fn run_ready_refuses_a_pending_future() {
    assert_eq!(run_ready(async { 7 }), Some(7));
    assert_eq!(run_ready(std::future::pending::<()>()), None);
}
