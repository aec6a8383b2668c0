//! The device authorization grant (RFC 8628) end to end: authcore-oauth2's device flow asks,
//! the user enters the code on the verification page (the application drives
//! `DeviceVerification`), the device polls the token endpoint.

mod common;

use authcore_oauth2::{
    Client, ClientAuthentication, DeviceAuthorizationFlow, DeviceFlowStep, Error as ClientError,
    TokenResponseOptions, build_device_authorization_request, parse_device_authorization_response,
};
use authcore_server::authorize::{Approval, Interaction, InteractionResult, Prompt};
use authcore_server::device::{
    DeviceAuthorizationEndpoint, DeviceVerification, USER_CODE_LENGTH, normalize_user_code,
};
use authcore_server::model::ClientRecord;
use authcore_server::token::DEVICE_CODE_GRANT_TYPE;
use authcore_server::{Finished, drive, drive_to_finish};
use common::{TestServer, client, error_code};
use http::StatusCode;

fn server() -> TestServer {
    let mut s = TestServer::new();
    s.config.endpoints.device_authorization = Some(s.config.endpoint("device").unwrap());
    s.config.endpoints.device_verification = Some(s.config.endpoint("activate").unwrap());
    let mut tv = ClientRecord::new("tv", authcore_server::model::ClientAuthMethod::None);
    tv.grant_types = vec![DEVICE_CODE_GRANT_TYPE.into(), "refresh_token".into()];
    tv.allowed_scopes = vec!["read".into(), "write".into()];
    s.store.put_client(tv);
    s
}

fn tv() -> Client {
    client("tv", ClientAuthentication::None)
}

fn start(s: &TestServer, scopes: &[&str]) -> DeviceAuthorizationFlow {
    let req =
        build_device_authorization_request(&tv(), &s.as_seen_by_client(), scopes, s.now, &s.rng)
            .unwrap();
    let mut ep = DeviceAuthorizationEndpoint::new(&req, None);
    let resp = drive(&mut ep, &s.ctx(), &s.store, &|_| None);
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let parsed = parse_device_authorization_response(&resp).unwrap();
    DeviceAuthorizationFlow::new(parsed, s.now)
}

fn verify(s: &TestServer, v: DeviceVerification) -> Finished {
    let mut v = v;
    drive_to_finish(&mut v, &s.ctx(), &s.store, &|_| None)
}

fn lookup(s: &TestServer, code: &str, who: &str) -> Finished {
    verify(s, DeviceVerification::lookup(code, who))
}

fn poll(s: &TestServer, flow: DeviceAuthorizationFlow) -> DeviceFlowStep {
    let req = flow
        .build_token_request(&tv(), &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let resp = s.token(&req);
    flow.handle_token_response(&resp, s.now, &TokenResponseOptions::new())
        .unwrap()
}

fn approval(i: &Interaction, s: &TestServer) -> InteractionResult {
    let Some(Prompt::Consent {
        scopes, resources, ..
    }) = i
        .prompts
        .iter()
        .find(|p| matches!(p, Prompt::Consent { .. }))
    else {
        panic!("no consent prompt")
    };
    InteractionResult::Approved(Approval::new(
        "alice",
        s.now,
        scopes.clone(),
        resources.clone(),
    ))
}

#[test]
fn device_flow_end_to_end() {
    let mut s = server();
    let flow = start(&s, &["read"]);
    let shown = flow.response().user_code.clone();
    assert_eq!(shown.len(), USER_CODE_LENGTH + 1);
    assert!(
        flow.response()
            .verification_uri_complete
            .as_deref()
            .unwrap()
            .starts_with("https://as.example/activate?user_code=")
    );
    // The device polls before the user acts.
    s.advance(flow.interval());
    let flow = match poll(&s, flow) {
        DeviceFlowStep::Pending(f) => f,
        other => panic!("{other:?}"),
    };
    // The user types the code, in lower case without the dash.
    let typed = shown.replace('-', "").to_lowercase();
    let Finished::Interact(i) = lookup(&s, &typed, "session-1") else {
        panic!("the code was not found")
    };
    assert_eq!(i.client_id, "tv");
    let decided = verify(
        &s,
        DeviceVerification::decide(&i.ticket, "session-1", approval(&i, &s)),
    );
    let Finished::Respond(page) = decided else {
        panic!()
    };
    assert_eq!(page.status(), StatusCode::OK);
    // Decided once: a second decision is refused.
    let Finished::Respond(again) = verify(
        &s,
        DeviceVerification::decide(&i.ticket, "session-1", InteractionResult::Denied),
    ) else {
        panic!()
    };
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    s.advance(flow.interval());
    match poll(&s, flow) {
        DeviceFlowStep::Complete(tokens) => {
            assert_eq!(tokens.scope.as_deref(), Some(&["read".to_owned()][..]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_denied_device_gets_access_denied() {
    let mut s = server();
    let flow = start(&s, &["read"]);
    let code = flow.response().user_code.clone();
    let Finished::Interact(i) = lookup(&s, &code, "u") else {
        panic!()
    };
    let _ = verify(
        &s,
        DeviceVerification::decide(&i.ticket, "u", InteractionResult::Denied),
    );
    s.advance(flow.interval());
    let req = flow
        .build_token_request(&tv(), &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let resp = s.token(&req);
    assert_eq!(error_code(&resp), "access_denied");
    let err = flow
        .handle_token_response(&resp, s.now, &TokenResponseOptions::new())
        .unwrap_err();
    assert!(matches!(err, ClientError::Server(_)), "{err:?}");
}

#[test]
fn user_code_guessing_is_limited_per_attempt_key() {
    let s = server();
    let flow = start(&s, &["read"]);
    let real = flow.response().user_code.clone();
    let max = s.config.device.max_failed_user_codes;
    for n in 0..max {
        let guess = if n % 2 == 0 {
            "BCDF-GHJK"
        } else {
            "not a code"
        };
        let Finished::Respond(r) = lookup(&s, guess, "attacker") else {
            panic!("a guess matched")
        };
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    // Now even the right code is not looked up for this key (RFC 8628 §5.1)...
    let Finished::Respond(r) = lookup(&s, &real, "attacker") else {
        panic!("the limit did not hold")
    };
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...while another user is unaffected.
    assert!(matches!(
        lookup(&s, &real, "someone-else"),
        Finished::Interact(_)
    ));
}

#[test]
fn expired_codes_and_wrong_clients_and_scopes() {
    let mut s = server();
    let flow = start(&s, &["read"]);
    let code = flow.response().user_code.clone();
    s.advance(s.config.lifetimes.device_code);
    assert!(
        matches!(lookup(&s, &code, "u"), Finished::Respond(r) if r.status() == StatusCode::BAD_REQUEST)
    );
    assert!(normalize_user_code(&code).is_some());

    // A scope the client may not have.
    let req = build_device_authorization_request(
        &tv(),
        &s.as_seen_by_client(),
        &["admin"],
        s.now,
        &s.rng,
    )
    .unwrap();
    let mut ep = DeviceAuthorizationEndpoint::new(&req, None);
    let resp = drive(&mut ep, &s.ctx(), &s.store, &|_| None);
    assert_eq!(error_code(&resp), "invalid_scope");

    // A client not registered for the device grant.
    let mut web = ClientRecord::new("web", authcore_server::model::ClientAuthMethod::None);
    web.grant_types = vec!["authorization_code".into()];
    s.store.put_client(web);
    let req = build_device_authorization_request(
        &client("web", ClientAuthentication::None),
        &s.as_seen_by_client(),
        &[],
        s.now,
        &s.rng,
    )
    .unwrap();
    let mut ep = DeviceAuthorizationEndpoint::new(&req, None);
    let resp = drive(&mut ep, &s.ctx(), &s.store, &|_| None);
    assert_eq!(error_code(&resp), "unauthorized_client");

    // An approval granting more than the device asked for is refused.
    let flow = start(&s, &["read"]);
    let Finished::Interact(i) = lookup(&s, &flow.response().user_code, "u") else {
        panic!()
    };
    let greedy = InteractionResult::Approved(Approval::new(
        "alice",
        s.now,
        vec!["read".into(), "write".into()],
        vec![],
    ));
    assert!(matches!(
        verify(&s, DeviceVerification::decide(&i.ticket, "u", greedy)),
        Finished::Respond(r) if r.status() == StatusCode::INTERNAL_SERVER_ERROR
    ));
}

#[test]
fn no_device_endpoint_configured_no_device_codes() {
    let mut s = server();
    let req = build_device_authorization_request(&tv(), &s.as_seen_by_client(), &[], s.now, &s.rng)
        .unwrap();
    s.config.endpoints.device_authorization = None;
    let mut ep = DeviceAuthorizationEndpoint::new(&req, None);
    let resp = drive(&mut ep, &s.ctx(), &s.store, &|_| None);
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
