//! Whole flows through the front channel and on to the token endpoint: authcore-oauth2's client
//! builds the authorization URL or the pushed request, authcore-server answers, the client
//! checks the callback and exchanges the code.

mod common;

use authcore_oauth2::{
    AuthorizationRequest, AuthorizationResponse, Client, PendingAuthorization,
    TokenResponseOptions, parse_token_response,
};
use authcore_server::authorize::{Approval, AuthorizationEndpoint, Interaction, InteractionResult};
use authcore_server::model::ClientAuthMethod;
use authcore_server::par::PushedAuthorizationEndpoint;
use authcore_server::tokens::CredentialKind;
use authcore_server::{Answer, Finished, Need, drive, drive_to_finish};
use common::{
    REDIRECT, TestServer, approval, approve, basic, client, error_code, get, interaction,
};
use http::header::LOCATION;

fn server() -> TestServer {
    let mut s = TestServer::new();
    s.config.endpoints.pushed_authorization_request = Some(s.config.endpoint("par").unwrap());
    s
}

fn callback_and_exchange(
    s: &TestServer,
    client: &Client,
    pending: PendingAuthorization,
    location: &str,
) -> http::Response<Vec<u8>> {
    let grant = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(location).unwrap())
        .unwrap();
    let req = grant
        .build_token_request(client, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    s.token(&req)
}

#[test]
fn authorization_code_flow_with_pkce_end_to_end_and_code_replay() {
    let s = server();
    let mut record = s.public_client("spa");
    record.response_types = vec!["code".into()];
    s.store.put_client(record);
    let client = client("spa", authcore_oauth2::ClientAuthentication::None);
    let (url, pending) = AuthorizationRequest::new(REDIRECT)
        .scopes(["read", "write"])
        .build_url(&client, &s.as_seen_by_client(), &s.rng)
        .unwrap();
    let i = interaction(get(&s, &url));
    let location = approve(&s, &i);
    let grant = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&location).unwrap())
        .unwrap();
    let req = grant
        .build_token_request(&client, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let resp = s.token(&req);
    let tokens = parse_token_response(&resp, &TokenResponseOptions::new()).unwrap();
    assert_eq!(
        tokens.scope.as_deref(),
        Some(&["read".to_owned(), "write".to_owned()][..])
    );
    // Code replay (RFC 6749 §4.1.2): the second exchange fails.
    let again = s.token(&req);
    assert_eq!(error_code(&again), "invalid_grant");
}

#[test]
fn an_expired_code_is_refused_at_the_token_endpoint() {
    let mut s = server();
    let mut record = s.public_client("spa");
    record.response_types = vec!["code".into()];
    s.store.put_client(record);
    let client = client("spa", authcore_oauth2::ClientAuthentication::None);
    let (url, pending) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_url(&client, &s.as_seen_by_client(), &s.rng)
        .unwrap();
    let i = interaction(get(&s, &url));
    let location = approve(&s, &i);
    s.advance(s.config.lifetimes.authorization_code);
    let resp = callback_and_exchange(&s, &client, pending, &location);
    assert_eq!(error_code(&resp), "invalid_grant");
}

fn confidential(s: &TestServer) -> Client {
    let (mut record, secret) = s.secret_client("conf", ClientAuthMethod::ClientSecretBasic);
    record.response_types = vec!["code".into()];
    s.store.put_client(record);
    client("conf", basic(&secret))
}

fn push(s: &TestServer, req: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    let mut ep = PushedAuthorizationEndpoint::new(req, None);
    drive(&mut ep, &s.ctx(), &s.store, &|_| None)
}

#[test]
fn pushed_authorization_request_end_to_end_single_use() {
    let s = server();
    let client = confidential(&s);
    let (req, pushed) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_par_request(&client, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let resp = push(&s, &req);
    assert_eq!(resp.status(), http::StatusCode::CREATED);
    let (url, par, pending) = pushed.handle_par_response(&resp).unwrap();
    assert!(
        par.request_uri
            .starts_with("urn:ietf:params:oauth:request_uri:acru_")
    );
    assert_eq!(par.expires_in, s.config.lifetimes.pushed_request);
    // Only client_id and request_uri travel through the browser.
    assert_eq!(url.query_pairs().count(), 2);
    let i = interaction(get(&s, &url));
    let location = approve(&s, &i);
    let resp = callback_and_exchange(&s, &client, pending, &location);
    assert!(resp.status().is_success(), "{resp:?}");

    // Replayed request_uri (RFC 9126 §4): refused, at the registered redirect URI.
    match get(&s, &url) {
        Finished::Respond(r) => {
            let loc = r.headers()[LOCATION].to_str().unwrap();
            assert!(loc.contains("error=invalid_request_uri"), "{loc}");
        }
        Finished::Interact(_) => panic!("a request_uri was used twice"),
    }
}

#[test]
fn pushed_requests_expire_and_belong_to_their_client() {
    let mut s = server();
    let client = confidential(&s);
    let (req, pushed) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_par_request(&client, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let (url, par, _) = pushed.handle_par_response(&push(&s, &req)).unwrap();
    // Another client presenting it.
    let mut other = s.public_client("other");
    other.response_types = vec!["code".into()];
    s.store.put_client(other);
    let mut stolen = url::Url::parse("https://as.example/authorize").unwrap();
    stolen
        .query_pairs_mut()
        .append_pair("client_id", "other")
        .append_pair("request_uri", &par.request_uri);
    let Finished::Respond(r) = get(&s, &stolen) else {
        panic!("another client used the request_uri")
    };
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .contains("error=invalid_request_uri")
    );
    // Expired.
    s.advance(s.config.lifetimes.pushed_request);
    let Finished::Respond(r) = get(&s, &url) else {
        panic!("an expired request_uri was accepted")
    };
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .contains("error=invalid_request_uri")
    );
}

#[test]
fn pushed_requests_are_authenticated_and_checked() {
    let s = server();
    let _ = confidential(&s);
    let wrong = client("conf", basic("not-the-secret"));
    let (req, _) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_par_request(&wrong, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let resp = push(&s, &req);
    assert_eq!(resp.status(), http::StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&resp), "invalid_client");

    let client = confidential(&s);
    for (req, expected) in [
        (
            AuthorizationRequest::new(REDIRECT).scope("admin"),
            "invalid_scope",
        ),
        (
            AuthorizationRequest::new("https://evil.example/cb").scope("read"),
            "invalid_request",
        ),
        (
            AuthorizationRequest::new(REDIRECT).resource("https://unknown.example/"),
            "invalid_target",
        ),
    ] {
        let (req, _) = req
            .build_par_request(&client, &s.as_seen_by_client(), s.now, &s.rng)
            .unwrap();
        let resp = push(&s, &req);
        assert_eq!(resp.status(), http::StatusCode::BAD_REQUEST);
        assert_eq!(error_code(&resp), expected);
    }
}

#[test]
fn par_required_server_wide_still_accepts_pushed_requests() {
    let mut s = server();
    s.config.require_pushed_authorization_requests = true;
    let client = confidential(&s);
    let (req, pushed) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_par_request(&client, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let (url, _, _) = pushed.handle_par_response(&push(&s, &req)).unwrap();
    interaction(get(&s, &url));
    // The client library, seeing require_pushed_authorization_requests in the metadata,
    // refuses to build a plain URL at all.
    assert!(
        AuthorizationRequest::new(REDIRECT)
            .build_url(&client, &s.as_seen_by_client(), &s.rng)
            .is_err()
    );
}

/// Runs `ep` until it hands out writes, answering its needs from the store.
fn until_writes(
    s: &TestServer,
    ep: &mut AuthorizationEndpoint,
    supplied: &mut authcore_server::Supplied,
) -> Vec<authcore_server::Write> {
    use authcore_server::{Endpoint, Step, Store};
    loop {
        match ep.step(&s.ctx(), supplied) {
            Step::Need(needs) => {
                for n in needs {
                    let a = s.store.answer(&n, s.now);
                    supplied.answer(n, a);
                }
            }
            Step::Write(w) => return w,
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn racing_uses_of_one_request_uri_or_ticket_let_exactly_one_win() {
    use authcore_server::{Endpoint, Step, apply_batch};
    let s = server();
    let client = confidential(&s);
    let (req, pushed) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_par_request(&client, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    let (url, _, _) = pushed.handle_par_response(&push(&s, &req)).unwrap();
    let request = || http::Request::get(url.as_str()).body(Vec::new()).unwrap();
    // Both requests looked the pushed request up before either consumed it.
    let (mut a, mut b) = (
        AuthorizationEndpoint::new(request()),
        AuthorizationEndpoint::new(request()),
    );
    let (mut sa, mut sb) = (
        authcore_server::Supplied::new(),
        authcore_server::Supplied::new(),
    );
    let wa = until_writes(&s, &mut a, &mut sa);
    let wb = until_writes(&s, &mut b, &mut sb);
    sa.record_outcomes(apply_batch(&s.store, &wa, s.now));
    sb.record_outcomes(apply_batch(&s.store, &wb, s.now));
    let Step::Interact(i) = a.step(&s.ctx(), &sa) else {
        panic!("the first use lost")
    };
    let Step::Respond(r) = b.step(&s.ctx(), &sb) else {
        panic!("the second use won too")
    };
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .contains("error=invalid_request_uri")
    );

    // Two answers to one interaction: one redirect with a code, one refusal page.
    let approve_it =
        || InteractionResult::Approved(Approval::new("alice", s.now, vec!["read".into()], vec![]));
    let (mut a, mut b) = (
        AuthorizationEndpoint::resume(i.ticket.clone(), approve_it()),
        AuthorizationEndpoint::resume(i.ticket.clone(), approve_it()),
    );
    let (mut sa, mut sb) = (
        authcore_server::Supplied::new(),
        authcore_server::Supplied::new(),
    );
    let wa = until_writes(&s, &mut a, &mut sa);
    let wb = until_writes(&s, &mut b, &mut sb);
    sa.record_outcomes(apply_batch(&s.store, &wa, s.now));
    sb.record_outcomes(apply_batch(&s.store, &wb, s.now));
    let Step::Respond(ok) = a.step(&s.ctx(), &sa) else {
        panic!()
    };
    assert!(ok.headers()[LOCATION].to_str().unwrap().contains("code="));
    let Step::Respond(lost) = b.step(&s.ctx(), &sb) else {
        panic!()
    };
    assert_eq!(lost.status(), http::StatusCode::BAD_REQUEST);
    assert!(lost.headers().get(LOCATION).is_none());
}

#[test]
fn no_par_endpoint_configured_no_pushed_requests() {
    let mut s = server();
    let client = confidential(&s);
    let (req, _) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_par_request(&client, &s.as_seen_by_client(), s.now, &s.rng)
        .unwrap();
    s.config.endpoints.pushed_authorization_request = None;
    assert_eq!(push(&s, &req).status(), http::StatusCode::NOT_FOUND);
}

// The authorization endpoint holding the interaction (`holding_interaction`): answered in
// place, or parked for the pages.

fn holding(url: &url::Url) -> AuthorizationEndpoint {
    AuthorizationEndpoint::new(http::Request::get(url.as_str()).body(Vec::new()).unwrap())
        .holding_interaction()
}

fn run(s: &TestServer, ep: &mut AuthorizationEndpoint) -> Finished {
    drive_to_finish(ep, &s.ctx(), &s.store, &|_| None)
}

fn redirect(f: Finished) -> String {
    match f {
        Finished::Respond(r) => {
            assert_eq!(r.status(), http::StatusCode::SEE_OTHER, "{r:?}");
            r.headers()[LOCATION].to_str().unwrap().to_owned()
        }
        Finished::Interact(i) => panic!("expected a redirect, got {i:?}"),
    }
}

/// Whether the store holds the interaction of `i`'s ticket.
fn interaction_stored(s: &TestServer, i: &Interaction) -> bool {
    let handle = s
        .keys
        .token_hashing
        .hash_presented(CredentialKind::InteractionTicket, &i.ticket)
        .unwrap();
    matches!(
        s.answer(Need::Interaction(handle)),
        Answer::Interaction(Some(_))
    )
}

/// A confidential client's authorization request on a holding endpoint, driven to its held
/// interaction.
struct HeldRequest {
    client: Client,
    url: url::Url,
    pending: PendingAuthorization,
    ep: AuthorizationEndpoint,
    i: Interaction,
}

fn held_request(s: &TestServer) -> HeldRequest {
    let client = confidential(s);
    let (url, pending) = AuthorizationRequest::new(REDIRECT)
        .scope("read")
        .build_url(&client, &s.as_seen_by_client(), &s.rng)
        .unwrap();
    let mut ep = holding(&url);
    let i = interaction(run(s, &mut ep));
    HeldRequest {
        client,
        url,
        pending,
        ep,
        i,
    }
}

/// The status of a response the endpoint finished with.
fn status(f: Finished) -> http::StatusCode {
    match f {
        Finished::Respond(r) => r.status(),
        Finished::Interact(i) => panic!("expected a response, got {i:?}"),
    }
}

#[test]
fn a_held_interaction_answered_in_place_is_never_stored_and_its_code_redeems() {
    let s = server();
    let HeldRequest {
        client,
        pending,
        mut ep,
        i,
        ..
    } = held_request(&s);
    assert!(!interaction_stored(&s, &i));
    ep.answer(approval(&s, &i));
    let location = redirect(run(&s, &mut ep));
    assert!(!interaction_stored(&s, &i));
    let resp = callback_and_exchange(&s, &client, pending, &location);
    assert!(resp.status().is_success(), "{resp:?}");
    // The ticket was never stored, so it resumes nothing.
    let again = common::resume(&s, &i, approval(&s, &i));
    assert_eq!(status(again), http::StatusCode::BAD_REQUEST);
    // The endpoint is done: another step is an error, not a second code.
    assert_eq!(
        status(run(&s, &mut ep)),
        http::StatusCode::INTERNAL_SERVER_ERROR
    );
}

#[test]
fn a_held_interaction_denied_in_place_reaches_the_client() {
    let s = server();
    let HeldRequest {
        pending, mut ep, i, ..
    } = held_request(&s);
    ep.answer(InteractionResult::Denied);
    let location = redirect(run(&s, &mut ep));
    // The client's checks (state, iss) pass and it reads the error.
    let err = pending
        .handle_callback(&AuthorizationResponse::from_redirect_uri(&location).unwrap())
        .unwrap_err();
    assert!(
        matches!(&err, authcore_oauth2::Error::Server(e) if e.error.as_str() == "access_denied"),
        "{err:?}"
    );
    assert!(!interaction_stored(&s, &i));
    assert_eq!(s.store.token_count(), 0);
}

#[test]
fn a_parked_interaction_is_stored_and_resumed_with_its_ticket() {
    let s = server();
    let HeldRequest {
        client,
        pending,
        mut ep,
        i: held,
        ..
    } = held_request(&s);
    assert!(!interaction_stored(&s, &held));
    ep.park();
    // The same interaction, now stored under its ticket.
    let parked = interaction(run(&s, &mut ep));
    assert_eq!(parked, held);
    assert!(interaction_stored(&s, &parked));
    // Answering after parking changes nothing: the stored ticket is the way back.
    ep.answer(approval(&s, &parked));
    assert!(matches!(run(&s, &mut ep), Finished::Respond(r) if r.status().is_server_error()));
    let location = approve(&s, &parked);
    assert!(!interaction_stored(&s, &parked));
    let resp = callback_and_exchange(&s, &client, pending, &location);
    assert!(resp.status().is_success(), "{resp:?}");
}

#[test]
fn a_held_interaction_must_be_answered_or_parked() {
    let s = server();
    let HeldRequest { url, mut ep, i, .. } = held_request(&s);
    match run(&s, &mut ep) {
        Finished::Respond(r) => {
            assert_eq!(r.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
            assert!(r.headers().get(LOCATION).is_none());
        }
        Finished::Interact(i) => panic!("{i:?}"),
    }
    assert!(!interaction_stored(&s, &i));
    assert_eq!(s.store.token_count(), 0);

    // Without holding_interaction, answer and park are no-ops: the interaction is stored as
    // always and a resume endpoint resumes.
    let mut plain =
        AuthorizationEndpoint::new(http::Request::get(url.as_str()).body(Vec::new()).unwrap());
    plain.answer(InteractionResult::Denied);
    plain.park();
    let i = interaction(run(&s, &mut plain));
    assert!(interaction_stored(&s, &i));
    let mut resumed = AuthorizationEndpoint::resume(i.ticket.clone(), approval(&s, &i));
    resumed.answer(InteractionResult::Denied);
    let location = redirect(run(&s, &mut resumed));
    assert!(location.contains("code="), "{location}");
}

#[test]
fn a_pushed_request_is_consumed_by_a_held_interaction_answered_or_parked() {
    let s = server();
    let client = confidential(&s);
    let pushed_url = |s: &TestServer| {
        let (req, pushed) = AuthorizationRequest::new(REDIRECT)
            .scope("read")
            .build_par_request(&client, &s.as_seen_by_client(), s.now, &s.rng)
            .unwrap();
        let (url, _, pending) = pushed.handle_par_response(&push(s, &req)).unwrap();
        (url, pending)
    };
    let refused_as_used = |s: &TestServer, url: &url::Url| {
        let location = redirect(get(s, url));
        assert!(location.contains("error=invalid_request_uri"), "{location}");
    };

    // Answered in place.
    let (url, pending) = pushed_url(&s);
    let mut ep = holding(&url);
    let i = interaction(run(&s, &mut ep));
    ep.answer(approval(&s, &i));
    let location = redirect(run(&s, &mut ep));
    assert!(
        callback_and_exchange(&s, &client, pending, &location)
            .status()
            .is_success()
    );
    refused_as_used(&s, &url);

    // Parked.
    let (url, _) = pushed_url(&s);
    let mut ep = holding(&url);
    let i = interaction(run(&s, &mut ep));
    ep.park();
    assert_eq!(interaction(run(&s, &mut ep)), i);
    refused_as_used(&s, &url);

    // Used by another request while held: the answer loses the race and issues nothing.
    let (url, _) = pushed_url(&s);
    let mut ep = holding(&url);
    let i = interaction(run(&s, &mut ep));
    let other = interaction(get(&s, &url));
    assert!(interaction_stored(&s, &other));
    let tokens = s.store.token_count();
    ep.answer(approval(&s, &i));
    let location = redirect(run(&s, &mut ep));
    assert!(location.contains("error=invalid_request_uri"), "{location}");
    assert_eq!(s.store.token_count(), tokens);
}
