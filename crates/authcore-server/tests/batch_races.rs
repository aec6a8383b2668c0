//! A replayed code racing the winner's exchange (RFC 6749 §4.1.2). The replay's batch is
//! `RevokeGrant`; the winner's is `ConsumeCodeIfUnused` then the token inserts. The in-memory
//! store applies each batch under one lock, so the revocation falls before the consumption
//! (no token) or after the inserts (which it revokes). And wherever a stored token is
//! honoured its grant is checked as well, so a token that a store applying a batch one write
//! at a time left live under the revoked grant is inactive all the same.

mod common;

use std::sync::Barrier;

use authcore_jose::InsecureTestRandom;
use authcore_oauth2::{
    AccessToken, AuthorizationCode, PkceCodeVerifier, TokenRequest, TokenResponse,
    TokenResponseOptions, TokenTypeHint, authorize_bearer, build_introspection_request,
    parse_introspection_response, parse_token_response, token_type_uri,
};
use authcore_server::config::{ResourceServer, TokenExchangeRule};
use authcore_server::model::{ClientAuthMethod, GrantId, TokenRecord};
use authcore_server::resource::{
    OpaqueTokens, ResourceRequest, ResourceServerConfig, ResourceStep,
};
use authcore_server::tokens::CredentialKind;
use authcore_server::{
    Answer, Context, Endpoint, IntrospectionEndpoint, Need, Step, Store, Supplied, TokenEndpoint,
    Write, WriteOutcome, apply_batch, drive,
};
use common::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RS: &str = "https://rs.example";

/// A server with an introspection endpoint for the resource server `RS` (client "rs"), and
/// the client "web", which exchanges codes and may exchange its tokens for `RS`.
struct Setup {
    s: TestServer,
    rs_secret: String,
    web_secret: String,
}

fn setup() -> Setup {
    let mut s = TestServer::new();
    s.config.endpoints.introspection = Some(s.config.endpoint("introspect").unwrap());
    let mut rs = ResourceServer::new(RS);
    rs.introspection_client_id = Some("rs".into());
    s.config.resource_servers.push(rs);
    s.config.token_exchange.rules.push(TokenExchangeRule::new(
        "web",
        vec![RS.into()],
        vec!["read".into()],
    ));
    let (_, rs_secret) = s.secret_client("rs", ClientAuthMethod::ClientSecretBasic);
    let (mut web, web_secret) = s.secret_client("web", ClientAuthMethod::ClientSecretBasic);
    web.grant_types
        .push("urn:ietf:params:oauth:grant-type:token-exchange".into());
    s.store.put_client(web);
    Setup {
        s,
        rs_secret,
        web_secret,
    }
}

impl Setup {
    fn exchange_request(&self, code: &str) -> http::Request<Vec<u8>> {
        TokenRequest::authorization_code(
            AuthorizationCode::new(code),
            REDIRECT.into(),
            Some(PkceCodeVerifier::new(VERIFIER)),
        )
        .build_token_request(
            &client("web", basic(&self.web_secret)),
            &self.s.as_seen_by_client(),
            self.s.now,
            &self.s.rng,
        )
        .unwrap()
    }

    /// Whether introspection by the resource server reports `token` active.
    fn introspected_active(&self, token: &str, hint: TokenTypeHint) -> bool {
        let s = &self.s;
        let req = build_introspection_request(
            &client("rs", basic(&self.rs_secret)),
            &s.as_seen_by_client(),
            token,
            Some(hint),
            s.now,
            &s.rng,
        )
        .unwrap();
        let mut endpoint = IntrospectionEndpoint::new(&req, None, None);
        let resp = drive(&mut endpoint, &s.ctx(), &s.store, &|_| None);
        parse_introspection_response(&resp).unwrap().active
    }

    /// Whether the resource server `RS`, sharing the store, lets a request with `token` in;
    /// a refusal must be `invalid_token`.
    fn resource_allows(&self, token: &AccessToken) -> bool {
        let s = &self.s;
        let rs = ResourceServerConfig::new(
            RS,
            ISSUER,
            OpaqueTokens::Stored(s.keys.token_hashing.clone()),
        );
        let uri = format!("{RS}/data");
        let mut req = http::Request::get(&uri).body(Vec::new()).unwrap();
        authorize_bearer(&mut req, token).unwrap();
        let mut check = ResourceRequest::new(&rs, &[], &req, &uri, None, &[]);
        let mut supplied = Supplied::new();
        // Token, then grant: a handful of steps; bounded so a loop is a failure.
        for _ in 0..8 {
            match check.step(&supplied, s.now, s.keys.provider) {
                ResourceStep::Need(needs) => {
                    for n in needs {
                        let a = s.store.answer(&n, s.now);
                        supplied.answer(n, a);
                    }
                }
                ResourceStep::Write(w) => {
                    supplied.record_outcomes(apply_batch(&s.store, &w, s.now));
                }
                ResourceStep::Allow(_) => return true,
                ResourceStep::Deny(r) => {
                    assert_eq!(r.status(), http::StatusCode::UNAUTHORIZED);
                    let challenge = r.headers()[http::header::WWW_AUTHENTICATE]
                        .to_str()
                        .unwrap();
                    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
                    return false;
                }
            }
        }
        panic!("the resource check did not end")
    }

    /// The status of a token exchange of `token` for `RS` by "web".
    fn token_exchange(&self, token: &AccessToken) -> http::Response<Vec<u8>> {
        let s = &self.s;
        let req = TokenRequest::token_exchange(token.secret(), token_type_uri::ACCESS_TOKEN)
            .audience(RS)
            .build_token_request(
                &client("web", basic(&self.web_secret)),
                &s.as_seen_by_client(),
                s.now,
                &s.rng,
            )
            .unwrap();
        s.token(&req)
    }

    fn grant_revoked(&self, grant: &GrantId) -> bool {
        match self.s.answer(Need::Grant(grant.clone())) {
            Answer::Grant(Some(g)) => g.revoked,
            other => panic!("the grant is gone: {other:?}"),
        }
    }

    fn access_record(&self, token: &AccessToken) -> TokenRecord {
        let h = self
            .s
            .keys
            .token_hashing
            .hash_presented(CredentialKind::AccessToken, token.secret())
            .unwrap();
        match self.s.answer(Need::AccessToken(h)) {
            Answer::Token(Some(rec)) => rec,
            other => panic!("the token is not stored: {other:?}"),
        }
    }
}

fn tokens(resp: &http::Response<Vec<u8>>) -> TokenResponse {
    parse_token_response(resp, &TokenResponseOptions::new())
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(resp.body())))
}

/// Steps `endpoint` until it has a batch of writes, answering needs from the store.
fn until_writes(
    s: &TestServer,
    endpoint: &mut dyn Endpoint,
    supplied: &mut Supplied,
) -> Vec<Write> {
    for _ in 0..16 {
        match endpoint.step(&s.ctx(), supplied) {
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
    panic!("no writes")
}

#[test]
fn a_token_under_a_grant_in_force_is_honoured_everywhere() {
    // The control: the same checks let a token of a grant in force through.
    let w = setup();
    let (code, grant) = w.s.issue_code("web", Some(s256(VERIFIER)), &["read"]);
    let t = tokens(&w.s.token(&w.exchange_request(&code)));
    assert!(w.introspected_active(t.access_token.secret(), TokenTypeHint::AccessToken));
    let refresh = t.refresh_token.as_ref().unwrap();
    assert!(w.introspected_active(refresh.secret(), TokenTypeHint::RefreshToken));
    assert!(w.resource_allows(&t.access_token));
    assert_eq!(w.token_exchange(&t.access_token).status(), 200);
    assert!(!w.grant_revoked(&grant));
}

#[test]
fn a_replays_revocation_between_the_winners_writes_leaves_no_live_token() {
    let w = setup();
    let s = &w.s;
    let (code, grant) = s.issue_code("web", Some(s256(VERIFIER)), &["read"]);
    let req = w.exchange_request(&code);

    // The winner has decided: consume the code, then store its tokens.
    let mut winner = TokenEndpoint::new(&req, None);
    let mut supplied = Supplied::new();
    let writes = until_writes(s, &mut winner, &mut supplied);
    assert!(
        matches!(writes[0], Write::ConsumeCodeIfUnused(_)),
        "{writes:?}"
    );
    assert!(
        writes[1..]
            .iter()
            .any(|w| matches!(w, Write::InsertToken(_))),
        "{writes:?}"
    );

    // The bad order, as a store applying the batch one write at a time allows it: the code
    // is consumed, then the replay runs whole (it finds the code used and revokes the
    // grant), then the winner's inserts land.
    let mut outcomes = vec![s.store.apply(&writes[0], s.now)];
    let replay = s.token(&req);
    assert_eq!(error_code(&replay), "invalid_grant");
    assert!(w.grant_revoked(&grant));
    outcomes.extend(writes[1..].iter().map(|x| s.store.apply(x, s.now)));
    assert!(outcomes.iter().all(|o| *o == WriteOutcome::Applied));
    supplied.record_outcomes(outcomes);
    let Step::Respond(resp) = winner.step(&s.ctx(), &supplied) else {
        panic!("the winner answers")
    };
    let t = tokens(&resp);

    // The store holds the winner's tokens unrevoked under the revoked grant...
    let record = w.access_record(&t.access_token);
    assert_eq!(record.grant_id, grant);
    assert!(record.is_active(s.now), "the record itself is live");

    // ...and still no one honours them: the grant is checked too.
    assert!(!w.introspected_active(t.access_token.secret(), TokenTypeHint::AccessToken));
    let refresh = t.refresh_token.as_ref().unwrap();
    assert!(!w.introspected_active(refresh.secret(), TokenTypeHint::RefreshToken));
    assert!(!w.resource_allows(&t.access_token));
    assert_eq!(
        error_code(&w.token_exchange(&t.access_token)),
        "invalid_grant"
    );
    let refreshed = TokenRequest::refresh_token(refresh)
        .build_token_request(
            &client("web", basic(&w.web_secret)),
            &s.as_seen_by_client(),
            s.now,
            &s.rng,
        )
        .unwrap();
    assert_eq!(error_code(&s.token(&refreshed)), "invalid_grant");
}

#[test]
fn racing_exchanges_of_one_code_leave_one_winner_and_no_live_token() {
    const ROUNDS: u64 = 12;
    const RACERS: u64 = 4;
    let w = setup();
    let s = &w.s;
    for round in 0..ROUNDS {
        let (code, grant) = s.issue_code("web", Some(s256(VERIFIER)), &["read"]);
        let req = w.exchange_request(&code);
        let barrier = Barrier::new(RACERS as usize);
        let responses: Vec<http::Response<Vec<u8>>> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..RACERS)
                .map(|i| {
                    let (req, barrier) = (&req, &barrier);
                    scope.spawn(move || {
                        // Each racer its own randomness, so the tokens differ.
                        let rng = InsecureTestRandom::new(1_000 * round + i);
                        let ctx = Context::new(&s.config, &s.keys, s.now, &rng);
                        let mut endpoint = TokenEndpoint::new(req, None);
                        barrier.wait();
                        drive(&mut endpoint, &ctx, &s.store, &|_| None)
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let (won, lost): (Vec<_>, Vec<_>) = responses.iter().partition(|r| r.status() == 200);
        assert_eq!(won.len(), 1, "round {round}: exactly one winner");
        for r in lost {
            assert_eq!(error_code(r), "invalid_grant", "round {round}");
        }
        assert!(w.grant_revoked(&grant), "round {round}");
        let t = tokens(won[0]);
        // Batches are atomic: the losers' revocation came after the winner's inserts, so
        // the stored records themselves are revoked.
        assert!(w.access_record(&t.access_token).revoked, "round {round}");
        assert!(!w.introspected_active(t.access_token.secret(), TokenTypeHint::AccessToken));
        assert!(!w.resource_allows(&t.access_token));
    }
}
