//! The storage conformance kit: checks that a [`Store`] keeps every record faithfully and
//! gives the conditional writes their guarantees (exactly one of two racing consumers wins;
//! a rotated refresh token cannot be rotated again; a revoked grant takes its tokens and codes
//! with it; replay keys are remembered until they expire), and that a batch of writes is
//! applied in order, stops at its first conflict and is atomic.
//!
//! Any store runs it from its own tests, against an empty store:
//!
//! ```
//! use authcore_server::store::{MemoryStore, conformance};
//! conformance::run(&MemoryStore::new());
//! ```
//!
//! Each check panics with a message naming the guarantee that failed. Record ids are
//! prefixed per check, so the checks do not disturb each other in one store.

use authcore_jose::UnixTime;
use serde_json::Map;

use crate::model::{
    Actor, AuthorizationCodeRecord, ClientAuthMethod, ClientRecord, CodeChallenge, Confirmation,
    DeviceCodeRecord, DeviceCodeStatus, GrantId, GrantRecord, InteractionRecord,
    PushedRequestRecord, TokenHash, TokenKind, TokenRecord,
};
use crate::step::{Answer, Need, Store, Write, WriteOutcome};

/// How many times [`batches_are_atomic`] races its two batches.
pub const ATOMICITY_ROUNDS: usize = 8;

/// The time the checks run at.
pub const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// Runs every check.
pub fn run(store: &(dyn Store + Sync)) {
    batches(store);
    batches_are_atomic(store);
    clients(store);
    grants_and_revocation(store);
    codes_are_single_use(store);
    refresh_rotation(store);
    replay_keys(store);
    device_codes(store);
    pushed_requests_and_interactions(store);
    unknown_subject_has_no_claims(store);
}

fn h(s: &str) -> TokenHash {
    TokenHash::from_stored(format!("k1.{s}"))
}

fn apply(store: &dyn Store, w: Write) -> WriteOutcome {
    store.apply(&w, NOW)
}

fn applied(store: &dyn Store, w: Write, what: &str) {
    assert_eq!(apply(store, w), WriteOutcome::Applied, "{what}");
}

fn token(handle: &str, kind: TokenKind, grant: &str) -> TokenRecord {
    TokenRecord {
        handle: h(handle),
        kind,
        grant_id: GrantId(grant.into()),
        client_id: "conf-client".into(),
        subject: "conf-user".into(),
        scopes: vec!["read".into(), "write".into()],
        resources: vec!["https://rs.example".into()],
        cnf: Some(Confirmation {
            jkt: Some("jkt".into()),
            x5t_s256: None,
        }),
        issued_at: NOW,
        expires_at: Some(NOW.saturating_add(3600)),
        rotated: false,
        revoked: false,
        act: None,
    }
}

fn grant(id: &str) -> GrantRecord {
    let mut g = GrantRecord::new(
        GrantId(id.into()),
        "conf-client",
        "conf-user",
        vec!["read".into()],
        vec![],
        NOW,
    );
    g.auth_time = Some(NOW);
    g.acr = Some("urn:acr:1".into());
    g.claims_request = Some(r#"{"userinfo":{"email":{"essential":true}}}"#.into());
    g
}

fn code(handle: &str, grant: &str) -> AuthorizationCodeRecord {
    AuthorizationCodeRecord {
        handle: h(handle),
        grant_id: GrantId(grant.into()),
        client_id: "conf-client".into(),
        redirect_uri: Some("https://app.example/cb".into()),
        code_challenge: Some(CodeChallenge {
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: authcore_oauth2::PkceMethod::S256,
        }),
        scopes: vec!["read".into()],
        resources: vec![],
        dpop_jkt: None,
        nonce: Some("n".into()),
        issued_at: NOW,
        expires_at: NOW.saturating_add(60),
        used: false,
    }
}

/// A batch is applied in order (a write sees the batch's earlier writes) and stops after its
/// first conflict: the outcomes end with it, and the writes after it are not applied.
pub fn batches(store: &dyn Store) {
    assert_eq!(
        store.apply_batch(&[], NOW),
        Vec::new(),
        "an empty batch has no outcomes"
    );
    let outcomes = store.apply_batch(
        &[
            Write::InsertCode(code("batch-code", "conf-g7")),
            Write::ConsumeCodeIfUnused(h("batch-code")),
            Write::ConsumeCodeIfUnused(h("batch-code")),
            Write::InsertToken(token("batch-after", TokenKind::Access, "conf-g7")),
        ],
        NOW,
    );
    assert_eq!(
        outcomes,
        [
            WriteOutcome::Applied,
            WriteOutcome::Applied,
            WriteOutcome::Conflict
        ],
        "a batch is applied in order and stops after its first conflict"
    );
    assert_eq!(
        store.answer(&Need::AccessToken(h("batch-after")), NOW),
        Answer::Token(None),
        "the writes after a conflict are not applied"
    );
}

/// A batch is atomic: no other batch's write lands between two of its writes (see
/// [`Store`]). A code's consumption with its token insert races the revocation of the code's
/// grant, [`ATOMICITY_ROUNDS`] times: the revocation comes either before the consumption
/// (which then conflicts, and no token is stored) or after the insert (which it then
/// revokes), never between them. A store that is atomic always passes; one that is not
/// fails whenever the race interleaves the batches, which is not certain on every run (a
/// test store can make it certain, as this crate's tests do).
pub fn batches_are_atomic(store: &(dyn Store + Sync)) {
    for round in 0..ATOMICITY_ROUNDS {
        let grant_id = format!("conf-atomic-g{round}");
        let code_name = format!("atomic-code-{round}");
        let token_name = format!("atomic-at-{round}");
        applied(
            store,
            Write::InsertGrant(grant(&grant_id)),
            "insert a grant",
        );
        applied(
            store,
            Write::InsertCode(code(&code_name, &grant_id)),
            "insert a code",
        );
        let exchange = [
            Write::ConsumeCodeIfUnused(h(&code_name)),
            Write::InsertToken(token(&token_name, TokenKind::Access, &grant_id)),
        ];
        let revoke = [Write::RevokeGrant(GrantId(grant_id.clone()))];
        let start = std::sync::Barrier::new(2);
        let exchanged = std::thread::scope(|scope| {
            let exchanging = scope.spawn(|| {
                start.wait();
                store.apply_batch(&exchange, NOW)
            });
            let revoking = scope.spawn(|| {
                start.wait();
                store.apply_batch(&revoke, NOW)
            });
            assert_eq!(
                joined(revoking.join()),
                [WriteOutcome::Applied],
                "a grant revocation is always applied"
            );
            joined(exchanging.join())
        });
        let stored = store.answer(&Need::AccessToken(h(&token_name)), NOW);
        match exchanged.as_slice() {
            [WriteOutcome::Conflict] => assert_eq!(
                stored,
                Answer::Token(None),
                "a batch is atomic: the revocation came first, so no token is stored"
            ),
            [WriteOutcome::Applied, WriteOutcome::Applied] => assert!(
                matches!(&stored, Answer::Token(Some(t)) if t.revoked),
                "a batch is atomic: the revocation came after the token insert, so the token \
                 is revoked (round {round}: {stored:?})"
            ),
            other => panic!("a batch is atomic: unexpected outcomes {other:?}"),
        }
    }
}

/// A racing thread's result; its panic (a failed check) goes on as this thread's.
fn joined<T>(result: std::thread::Result<T>) -> T {
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Clients are stored and read back unchanged; unknown ids are `None`.
pub fn clients(store: &dyn Store) {
    let mut c = ClientRecord::new("conf-client", ClientAuthMethod::PrivateKeyJwt);
    c.redirect_uris = vec!["https://app.example/cb".into()];
    c.grant_types = vec!["authorization_code".into()];
    c.allowed_scopes = vec!["read".into()];
    c.require_pushed_authorization_requests = true;
    c.dpop_bound_access_tokens = true;
    c.extra = Map::new();
    applied(store, Write::InsertClient(c.clone()), "insert a client");
    assert_eq!(
        store.answer(&Need::Client("conf-client".into()), NOW),
        Answer::Client(Some(c.clone())),
        "a client reads back as stored"
    );
    assert_eq!(
        store.answer(&Need::Client("conf-nobody".into()), NOW),
        Answer::Client(None),
        "an unknown client is None"
    );
    // RFC 7592: an update replaces the record, a delete removes it.
    let mut updated = c.clone();
    updated.redirect_uris = vec!["https://app.example/cb2".into()];
    updated.registration_access_token = Some(TokenHash::from_stored("k1.conf-rat"));
    applied(
        store,
        Write::UpdateClient(updated.clone()),
        "update a client",
    );
    assert_eq!(
        store.answer(&Need::Client("conf-client".into()), NOW),
        Answer::Client(Some(updated)),
        "an updated client reads back as updated"
    );
    applied(
        store,
        Write::DeleteClient("conf-client".into()),
        "delete a client",
    );
    assert_eq!(
        store.answer(&Need::Client("conf-client".into()), NOW),
        Answer::Client(None),
        "a deleted client is gone"
    );
    applied(
        store,
        Write::InsertClient(c.clone()),
        "insert the client again",
    );
}

/// Revoking a grant marks it, its tokens and its codes.
pub fn grants_and_revocation(store: &dyn Store) {
    applied(
        store,
        Write::InsertGrant(grant("conf-g1")),
        "insert a grant",
    );
    applied(
        store,
        Write::InsertGrant(grant("conf-g2")),
        "insert a grant",
    );
    assert_eq!(
        store.answer(&Need::Grant(GrantId("conf-g1".into())), NOW),
        Answer::Grant(Some(grant("conf-g1"))),
        "a grant reads back as stored"
    );
    let at = token("rev-at", TokenKind::Access, "conf-g1");
    let rt = token("rev-rt", TokenKind::Refresh, "conf-g1");
    // A token issued by delegation carries its actors (RFC 8693 §4.1): a store keeps the
    // whole chain.
    let mut other = token("rev-other", TokenKind::Access, "conf-g2");
    other.act = Some(Actor::new(
        "conf-actor",
        Some(Actor::new("conf-first-actor", None)),
    ));
    for t in [&at, &rt, &other] {
        applied(store, Write::InsertToken(t.clone()), "insert a token");
    }
    applied(
        store,
        Write::InsertCode(code("rev-code", "conf-g1")),
        "insert a code",
    );
    assert_eq!(
        store.answer(&Need::AccessToken(h("rev-at")), NOW),
        Answer::Token(Some(at)),
        "an access token reads back as stored"
    );
    assert_eq!(
        store.answer(&Need::AccessToken(h("rev-other")), NOW),
        Answer::Token(Some(other.clone())),
        "a delegated access token reads back with its act chain"
    );
    assert_eq!(
        store.answer(&Need::RefreshToken(h("rev-at")), NOW),
        Answer::Token(None),
        "an access token is not found as a refresh token"
    );
    applied(
        store,
        Write::RevokeGrant(GrantId("conf-g1".into())),
        "revoke a grant",
    );
    let revoked = |need: Need| match store.answer(&need, NOW) {
        Answer::Token(Some(t)) => t.revoked,
        other => panic!("{need:?} answered {other:?}"),
    };
    assert!(
        matches!(store.answer(&Need::Grant(GrantId("conf-g1".into())), NOW), Answer::Grant(Some(g)) if g.revoked),
        "a revoked grant reads back revoked"
    );
    assert!(
        revoked(Need::AccessToken(h("rev-at"))),
        "revoking a grant revokes its access tokens"
    );
    assert!(
        revoked(Need::RefreshToken(h("rev-rt"))),
        "revoking a grant revokes its refresh tokens"
    );
    assert!(
        !revoked(Need::AccessToken(h("rev-other"))),
        "other grants' tokens stay"
    );
    assert_eq!(
        apply(store, Write::ConsumeCodeIfUnused(h("rev-code"))),
        WriteOutcome::Conflict,
        "revoking a grant makes its unused codes unusable"
    );
    applied(
        store,
        Write::RevokeToken(h("rev-other")),
        "revoke one token",
    );
    assert!(
        revoked(Need::AccessToken(h("rev-other"))),
        "a revoked token reads back revoked"
    );
}

/// A code is consumed once; a second consumer loses; a missing code cannot be consumed.
pub fn codes_are_single_use(store: &dyn Store) {
    let c = code("once", "conf-g3");
    applied(store, Write::InsertCode(c.clone()), "insert a code");
    assert_eq!(
        store.answer(&Need::Code(h("once")), NOW),
        Answer::Code(Some(c)),
        "a code reads back as stored"
    );
    applied(
        store,
        Write::ConsumeCodeIfUnused(h("once")),
        "the first consumer wins",
    );
    assert_eq!(
        apply(store, Write::ConsumeCodeIfUnused(h("once"))),
        WriteOutcome::Conflict,
        "the second consumer loses"
    );
    assert!(
        matches!(store.answer(&Need::Code(h("once")), NOW), Answer::Code(Some(c)) if c.used),
        "a consumed code is kept, marked used (a later use is a detectable replay)"
    );
    assert_eq!(
        apply(store, Write::ConsumeCodeIfUnused(h("never-issued"))),
        WriteOutcome::Conflict,
        "a missing code cannot be consumed"
    );
}

/// A refresh token rotates once; the replacement is stored; rotating it again loses.
pub fn refresh_rotation(store: &dyn Store) {
    applied(
        store,
        Write::InsertToken(token("rot-1", TokenKind::Refresh, "conf-g4")),
        "insert a refresh token",
    );
    let next = token("rot-2", TokenKind::Refresh, "conf-g4");
    applied(
        store,
        Write::RotateRefreshIfCurrent {
            current: h("rot-1"),
            replacement: next.clone(),
        },
        "rotate a current refresh token",
    );
    assert_eq!(
        store.answer(&Need::RefreshToken(h("rot-2")), NOW),
        Answer::Token(Some(next)),
        "the replacement is stored"
    );
    assert!(
        matches!(store.answer(&Need::RefreshToken(h("rot-1")), NOW), Answer::Token(Some(t)) if t.rotated),
        "the rotated token is kept, marked rotated (reuse detection)"
    );
    assert_eq!(
        apply(
            store,
            Write::RotateRefreshIfCurrent {
                current: h("rot-1"),
                replacement: token("rot-3", TokenKind::Refresh, "conf-g4"),
            }
        ),
        WriteOutcome::Conflict,
        "a rotated token cannot rotate again"
    );
    assert_eq!(
        store.answer(&Need::RefreshToken(h("rot-3")), NOW),
        Answer::Token(None),
        "a losing rotation stores nothing"
    );
    applied(store, Write::RevokeToken(h("rot-2")), "revoke");
    assert_eq!(
        apply(
            store,
            Write::RotateRefreshIfCurrent {
                current: h("rot-2"),
                replacement: token("rot-4", TokenKind::Refresh, "conf-g4"),
            }
        ),
        WriteOutcome::Conflict,
        "a revoked token cannot rotate"
    );
}

/// Replay keys: the first insert wins, later ones conflict until the key expires.
pub fn replay_keys(store: &dyn Store) {
    let w = Write::InsertIfAbsent {
        key: "conf:jti-1".into(),
        expires_at: NOW.saturating_add(60),
    };
    assert_eq!(
        store.answer(&Need::ReplayCheck("conf:jti-1".into()), NOW),
        Answer::Seen(false),
        "an unseen key"
    );
    applied(store, w.clone(), "the first use of a key");
    assert_eq!(
        apply(store, w.clone()),
        WriteOutcome::Conflict,
        "a replay conflicts"
    );
    assert_eq!(
        store.answer(&Need::ReplayCheck("conf:jti-1".into()), NOW),
        Answer::Seen(true),
        "a seen key"
    );
    assert_eq!(
        store.apply(&w, NOW.saturating_add(61)),
        WriteOutcome::Applied,
        "an expired key may be used again (its credential has expired)"
    );
}

/// Device codes: polls are recorded; the decision is taken once; an approved code is
/// consumed once.
pub fn device_codes(store: &dyn Store) {
    let d = DeviceCodeRecord {
        handle: h("dev-1"),
        user_code_handle: h("user-1"),
        client_id: "conf-client".into(),
        scopes: vec!["read".into()],
        resources: vec![],
        issued_at: NOW,
        expires_at: NOW.saturating_add(600),
        interval: 5,
        last_polled_at: None,
        failed_attempts: 0,
        status: DeviceCodeStatus::Pending,
    };
    applied(
        store,
        Write::InsertDeviceCode(d.clone()),
        "insert a device code",
    );
    assert_eq!(
        store.answer(&Need::DeviceCodeByUserCode(h("user-1")), NOW),
        Answer::DeviceCode(Some(d.clone())),
        "a device code is found by its user code"
    );
    applied(
        store,
        Write::RecordDevicePoll {
            handle: h("dev-1"),
            at: NOW,
            interval: 10,
        },
        "record a poll",
    );
    applied(
        store,
        Write::RecordFailedUserCode(h("dev-1")),
        "count a failure",
    );
    let Answer::DeviceCode(Some(polled)) = store.answer(&Need::DeviceCode(h("dev-1")), NOW) else {
        panic!("the device code is stored")
    };
    assert_eq!(
        polled.last_polled_at,
        Some(NOW),
        "the poll time is recorded"
    );
    assert_eq!(polled.interval, 10, "the interval is recorded");
    assert_eq!(polled.failed_attempts, 1, "failures are counted");
    assert_eq!(
        apply(store, Write::ConsumeDeviceCodeIfApproved(h("dev-1"))),
        WriteOutcome::Conflict,
        "a pending code cannot be consumed"
    );
    let approve = Write::DecideDeviceCodeIfPending {
        handle: h("dev-1"),
        decision: DeviceCodeStatus::Approved(GrantId("conf-g5".into())),
    };
    applied(store, approve.clone(), "approve once");
    assert_eq!(
        apply(store, approve),
        WriteOutcome::Conflict,
        "decide only once"
    );
    applied(
        store,
        Write::ConsumeDeviceCodeIfApproved(h("dev-1")),
        "consume an approved code",
    );
    assert_eq!(
        apply(store, Write::ConsumeDeviceCodeIfApproved(h("dev-1"))),
        WriteOutcome::Conflict,
        "consume only once"
    );
}

/// Pushed requests are used once; interactions are removed once.
pub fn pushed_requests_and_interactions(store: &dyn Store) {
    let p = PushedRequestRecord {
        handle: h("par-1"),
        client_id: "conf-client".into(),
        params: vec![
            ("response_type".into(), "code".into()),
            ("scope".into(), "read".into()),
        ],
        expires_at: NOW.saturating_add(60),
        used: false,
    };
    applied(
        store,
        Write::InsertPushedRequest(p.clone()),
        "insert a pushed request",
    );
    assert_eq!(
        store.answer(&Need::PushedRequest(h("par-1")), NOW),
        Answer::PushedRequest(Some(p)),
        "a pushed request reads back as stored, parameters in order"
    );
    applied(
        store,
        Write::ConsumePushedRequestIfUnused(h("par-1")),
        "use once",
    );
    assert_eq!(
        apply(store, Write::ConsumePushedRequestIfUnused(h("par-1"))),
        WriteOutcome::Conflict,
        "a request_uri is single use (RFC 9126 §4)"
    );
    let x = InteractionRecord {
        handle: h("int-1"),
        client_id: "conf-client".into(),
        params: vec![("prompt".into(), "login".into())],
        created_at: NOW,
        expires_at: NOW.saturating_add(600),
        // The endpoint keeps data here (the subject of a verified id_token_hint): a store
        // must give it back.
        extra: serde_json::json!({"id_token_hint_sub": "alice"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    };
    applied(
        store,
        Write::InsertInteraction(x.clone()),
        "insert an interaction",
    );
    assert_eq!(
        store.answer(&Need::Interaction(h("int-1")), NOW),
        Answer::Interaction(Some(x)),
        "an interaction reads back as stored"
    );
    applied(
        store,
        Write::RemoveInteractionIfPresent(h("int-1")),
        "finish once",
    );
    assert_eq!(
        apply(store, Write::RemoveInteractionIfPresent(h("int-1"))),
        WriteOutcome::Conflict,
        "an interaction ticket is single use"
    );
}

/// A subject the store does not know has no claims ([`Need::Claims`] answers
/// `Answer::Claims(None)`): the provider then releases nothing rather than another user's
/// claims.
pub fn unknown_subject_has_no_claims(store: &dyn Store) {
    assert_eq!(
        store.answer(&claims_need("conf-nobody"), NOW),
        Answer::Claims(None),
        "an unknown subject has no claims"
    );
}

/// The store answers [`Need::Claims`] for `subject` with exactly `expected`, the claims the
/// caller seeded it with (through the store's own account API): every member and value
/// unchanged, none added. Run it after seeding; the kit cannot seed accounts itself because
/// accounts are not written through [`Write`].
pub fn claims_read_back(
    store: &dyn Store,
    subject: &str,
    expected: &Map<String, serde_json::Value>,
) {
    assert_eq!(
        store.answer(&claims_need(subject), NOW),
        Answer::Claims(Some(expected.clone())),
        "a subject's claims read back as stored"
    );
}

fn claims_need(subject: &str) -> Need {
    Need::Claims {
        subject: subject.into(),
        scopes: vec!["openid".into(), "email".into()],
        claims_request: None,
    }
}
