//! The one drive-loop shape of every endpoint: what an endpoint needs ([`Need`]), what the
//! caller answers ([`Answer`], gathered in [`Supplied`]), what it must write ([`Write`]) and
//! how that went ([`WriteOutcome`]), and the [`Step`] an endpoint takes.
//!
//! ```text
//!   request ──► endpoint.step(&ctx, &supplied) ──► Step::Need(needs)   ─► look up, supply ─┐
//!                      ▲                        ├─► Step::Write(writes) ─► apply, report  ─┤
//!                      └────────────────────────┴───────────────────────────────────────────┘
//!                                               └─► Step::Respond(response)  (send it)
//! ```
//!
//! Writes come in batches. A batch lists its conditional writes first; the caller applies them
//! in order, as one unit (one lock or one transaction: no other batch's writes in between,
//! see [`Store`]), and stops at the first one that comes back [`WriteOutcome::Conflict`]:
//! that race was lost, and the endpoint, given the outcomes, answers it as the replay it is.

use authcore_jose::{SecureRandom, UnixTime};

use crate::config::{ServerConfig, ServerKeys};
use crate::model::{
    AuthorizationCodeRecord, ClientRecord, DeviceCodeRecord, GrantId, GrantRecord,
    InteractionRecord, PushedRequestRecord, TokenHash, TokenRecord,
};

/// What an endpoint call works with besides the request: the configuration and keys, the
/// time and the randomness, all from the caller.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The server configuration.
    pub config: &'a ServerConfig,
    /// The server's keys.
    pub keys: &'a ServerKeys,
    /// The current time, read by the caller.
    pub now: UnixTime,
    /// The randomness source.
    pub rng: &'a dyn SecureRandom,
}

impl core::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Context")
            .field("issuer", &self.config.issuer)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<'a> Context<'a> {
    /// A context.
    pub fn new(
        config: &'a ServerConfig,
        keys: &'a ServerKeys,
        now: UnixTime,
        rng: &'a dyn SecureRandom,
    ) -> Self {
        Context {
            config,
            keys,
            now,
            rng,
        }
    }
}

/// A record lookup an endpoint asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Need {
    /// The client registered under this `client_id`.
    Client(String),
    /// The authorization code with this hash.
    Code(TokenHash),
    /// The refresh token with this hash.
    RefreshToken(TokenHash),
    /// The access token with this hash (introspection of opaque tokens).
    AccessToken(TokenHash),
    /// The grant with this id.
    Grant(GrantId),
    /// The device authorization whose `device_code` has this hash.
    DeviceCode(TokenHash),
    /// The device authorization whose `user_code` has this hash.
    DeviceCodeByUserCode(TokenHash),
    /// The pushed authorization request with this hash.
    PushedRequest(TokenHash),
    /// The interaction whose ticket has this hash.
    Interaction(TokenHash),
    /// Whether this replay key (see [`Write::InsertIfAbsent`]) has been seen. Read-only:
    /// the endpoint that must be sure writes [`Write::InsertIfAbsent`], which is atomic.
    ReplayCheck(String),
    /// The resource owner's check of a username and password (the legacy password grant,
    /// RFC 6749 §4.3): the application verifies them its own way.
    ResourceOwnerPassword(PasswordCheck),
    /// The body of a GET of this URL (a `request_uri` or `jwks_uri` fetch); the caller
    /// enforces the adapter contract (no redirects, timeouts, a size cap).
    Fetch(String),
    /// The authorization server's introspection (RFC 7662) of an access token a resource
    /// server was presented and cannot resolve itself (see [`crate::resource`]): the caller
    /// sends the introspection request (`authcore_oauth2::build_introspection_request`)
    /// with the resource server's client credentials and answers with the parsed response.
    Introspect(crate::resource::IntrospectionToken),
    /// The claims of the end-user `subject` (OpenID Connect Core §5.1: `name`, `email`,
    /// `address`, …), for an ID token or a UserInfo response. `subject` is the local subject
    /// (the grant's), never a pairwise value. `scopes` are the granted scope values and
    /// `claims_request` the `claims` parameter of the request (§5.5), if it had one: the
    /// application may use them to compute only what can be released, but it may as well
    /// answer every claim it holds ([`Answer::Claims`]), because the provider releases only
    /// what the scopes (§5.4) and the `claims` request ask for, never more
    /// ([`ClaimsRelease`](crate::oidc::claims::ClaimsRelease)).
    Claims {
        /// The local subject (`sub` of the grant).
        subject: String,
        /// The granted scope values.
        scopes: Vec<String>,
        /// The `claims` request parameter, when the request carried one.
        claims_request: Option<crate::oidc::claims::ClaimsRequest>,
    },
}

/// A username and password to check (the legacy password grant). `Debug` hides the
/// password.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PasswordCheck {
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: String,
}

impl core::fmt::Debug for PasswordCheck {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PasswordCheck")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

/// The caller's answer to one [`Need`]. `None` (or `false`) means "no such record".
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Answer {
    /// For [`Need::Client`].
    Client(Option<ClientRecord>),
    /// For [`Need::Code`].
    Code(Option<AuthorizationCodeRecord>),
    /// For [`Need::RefreshToken`] and [`Need::AccessToken`].
    Token(Option<TokenRecord>),
    /// For [`Need::Grant`].
    Grant(Option<GrantRecord>),
    /// For [`Need::DeviceCode`] and [`Need::DeviceCodeByUserCode`].
    DeviceCode(Option<DeviceCodeRecord>),
    /// For [`Need::PushedRequest`].
    PushedRequest(Option<PushedRequestRecord>),
    /// For [`Need::Interaction`].
    Interaction(Option<InteractionRecord>),
    /// For [`Need::ReplayCheck`]: whether the key has been seen.
    Seen(bool),
    /// For [`Need::ResourceOwnerPassword`]: the subject (`sub`) the credentials belong to,
    /// `None` when they are wrong.
    Subject(Option<String>),
    /// For [`Need::Fetch`]: the body, or `None` when the fetch failed.
    Fetched(Option<Vec<u8>>),
    /// For [`Need::Introspect`]: the introspection response, or `None` when the
    /// authorization server could not be asked (the resource server then answers the request
    /// as unauthorized rather than guess).
    Introspected(Option<authcore_oauth2::IntrospectionResponse>),
    /// For [`Need::Claims`]: the end-user's claims as a JSON object (member names as in
    /// OpenID Connect Core §5.1), or `None` when there is no such end-user. A `sub` member is
    /// ignored: the provider sets `sub` itself (public or pairwise, §8).
    Claims(Option<serde_json::Map<String, serde_json::Value>>),
}

impl Answer {
    /// The "no such record" answer to `need`, failing closed: what a store answers when a
    /// lookup fails (the request is then refused, never let through), and for the needs that
    /// are not a store's business ([`Need::Fetch`], [`Need::Introspect`],
    /// [`Need::ResourceOwnerPassword`]). Every record need gets `None`; a replay check gets
    /// "seen" (`Seen(true)`), since a proof whose freshness cannot be confirmed must not pass
    /// (RFC 9449 §11.1, RFC 7523 §3).
    pub fn none_for(need: &Need) -> Answer {
        match need {
            Need::Client(_) => Answer::Client(None),
            Need::Code(_) => Answer::Code(None),
            Need::RefreshToken(_) | Need::AccessToken(_) => Answer::Token(None),
            Need::Grant(_) => Answer::Grant(None),
            Need::DeviceCode(_) | Need::DeviceCodeByUserCode(_) => Answer::DeviceCode(None),
            Need::PushedRequest(_) => Answer::PushedRequest(None),
            Need::Interaction(_) => Answer::Interaction(None),
            Need::ReplayCheck(_) => Answer::Seen(true),
            Need::ResourceOwnerPassword(_) => Answer::Subject(None),
            Need::Fetch(_) => Answer::Fetched(None),
            Need::Introspect(_) => Answer::Introspected(None),
            Need::Claims { .. } => Answer::Claims(None),
        }
    }
}

/// A write an endpoint decided on. The conditional ones (`…IfUnused`, `…IfCurrent`,
/// `…IfAbsent`, `…IfApproved`) must be atomic in the store: exactly one of two racing
/// requests may see [`WriteOutcome::Applied`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Write {
    /// Stores a new client (registration).
    InsertClient(ClientRecord),
    /// Replaces a registered client's record (RFC 7592 §2.2 update).
    UpdateClient(ClientRecord),
    /// Removes a client (RFC 7592 §2.3 delete). Always applied (idempotent).
    DeleteClient(String),
    /// Stores a new grant.
    InsertGrant(GrantRecord),
    /// Revokes the grant and with it every token, code and device code issued under it
    /// (RFC 6749 §4.1.2, RFC 7009 §2.1, RFC 9700 §4.14.2). Always applied (idempotent).
    RevokeGrant(GrantId),
    /// Stores a new authorization code.
    InsertCode(AuthorizationCodeRecord),
    /// Marks the code used if it exists and is unused; [`WriteOutcome::Conflict`] otherwise.
    ConsumeCodeIfUnused(TokenHash),
    /// Stores a new access or refresh token.
    InsertToken(TokenRecord),
    /// Marks the refresh token `current` rotated and stores `replacement`, if `current` is
    /// neither rotated nor revoked; [`WriteOutcome::Conflict`] otherwise.
    RotateRefreshIfCurrent {
        /// The refresh token presented.
        current: TokenHash,
        /// Its successor.
        replacement: TokenRecord,
    },
    /// Revokes one token.
    RevokeToken(TokenHash),
    /// Records a replay key (a `jti` with its issuer and purpose) until `expires_at`, if it is
    /// not recorded yet; [`WriteOutcome::Conflict`] if it is (a replay).
    InsertIfAbsent {
        /// The replay key.
        key: String,
        /// When the store may forget it (the credential it guards has expired by then).
        expires_at: UnixTime,
    },
    /// Stores a new device authorization.
    InsertDeviceCode(DeviceCodeRecord),
    /// Records a poll of the device code at `at`, with the (possibly raised) `interval`.
    RecordDevicePoll {
        /// The device code.
        handle: TokenHash,
        /// When it was polled.
        at: UnixTime,
        /// The interval from now on.
        interval: u64,
    },
    /// Counts a failed user-code entry against a device authorization.
    RecordFailedUserCode(TokenHash),
    /// Records the user's decision on a pending device authorization;
    /// [`WriteOutcome::Conflict`] if it is not pending.
    DecideDeviceCodeIfPending {
        /// The device code.
        handle: TokenHash,
        /// [`DeviceCodeStatus::Approved`](crate::model::DeviceCodeStatus::Approved) or
        /// [`DeviceCodeStatus::Denied`](crate::model::DeviceCodeStatus::Denied).
        decision: crate::model::DeviceCodeStatus,
    },
    /// Marks an approved device code consumed; [`WriteOutcome::Conflict`] if it is not
    /// approved (already consumed, a replay).
    ConsumeDeviceCodeIfApproved(TokenHash),
    /// Stores a pushed authorization request.
    InsertPushedRequest(PushedRequestRecord),
    /// Marks a pushed request used if unused; [`WriteOutcome::Conflict`] otherwise (RFC 9126
    /// §4: one use).
    ConsumePushedRequestIfUnused(TokenHash),
    /// Stores an interaction.
    InsertInteraction(InteractionRecord),
    /// Removes an interaction if present; [`WriteOutcome::Conflict`] if it was not (the
    /// ticket was used already).
    RemoveInteractionIfPresent(TokenHash),
    /// Ends the provider login session with this `sid` (OpenID Connect RP-Initiated Logout
    /// 1.0 §2): the adapter drops its session record (and its cookie). Always applied.
    EndSession(String),
}

impl Write {
    /// Whether the write is conditional (it can lose a race).
    pub fn is_conditional(&self) -> bool {
        matches!(
            self,
            Write::ConsumeCodeIfUnused(_)
                | Write::RotateRefreshIfCurrent { .. }
                | Write::InsertIfAbsent { .. }
                | Write::DecideDeviceCodeIfPending { .. }
                | Write::ConsumeDeviceCodeIfApproved(_)
                | Write::ConsumePushedRequestIfUnused(_)
                | Write::RemoveInteractionIfPresent(_)
        )
    }
}

/// How a [`Write`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The write was performed.
    Applied,
    /// The condition did not hold (the race was lost, or the record was already used): the
    /// write was not performed.
    Conflict,
}

/// What an endpoint says next.
#[derive(Debug)]
#[must_use]
pub enum Step {
    /// Look these records up and add the answers to the [`Supplied`], then step again.
    Need(Vec<Need>),
    /// Apply these writes as one atomic batch, in order, stopping at the first
    /// [`WriteOutcome::Conflict`] (see [`Store`]); record the outcomes with
    /// [`Supplied::record_outcomes`], then step again.
    Write(Vec<Write>),
    /// Send this response. The exchange is over.
    Respond(http::Response<Vec<u8>>),
    /// The authorization endpoint needs the application to interact with the user (log in,
    /// consent): show its own pages, then resume with
    /// [`AuthorizationEndpoint::resume`](crate::authorize::AuthorizationEndpoint::resume).
    /// Only the authorization endpoint takes this step.
    Interact(crate::authorize::Interaction),
}

/// The answers and write outcomes the caller has supplied so far.
#[derive(Debug, Clone, Default)]
pub struct Supplied {
    answers: Vec<(Need, Answer)>,
    outcomes: Vec<Vec<WriteOutcome>>,
}

impl Supplied {
    /// Nothing supplied yet.
    pub fn new() -> Self {
        Supplied::default()
    }

    /// Supplies the answer to `need`, replacing an earlier answer to it.
    pub fn answer(&mut self, need: Need, answer: Answer) {
        self.answers.retain(|(n, _)| n != &need);
        self.answers.push((need, answer));
    }

    /// The answer to `need`, if supplied.
    pub fn get(&self, need: &Need) -> Option<&Answer> {
        self.answers.iter().find(|(n, _)| n == need).map(|(_, a)| a)
    }

    /// Records the outcomes of the last batch of writes, in the order of the batch (shorter
    /// when the caller stopped at a conflict).
    pub fn record_outcomes(&mut self, outcomes: Vec<WriteOutcome>) {
        self.outcomes.push(outcomes);
    }

    /// The outcomes of each batch so far, oldest first.
    pub fn outcomes(&self) -> &[Vec<WriteOutcome>] {
        &self.outcomes
    }

    /// The grant `id` as supplied, if it is in force (stored and not revoked); `Err` with
    /// the [`Need::Grant`] to look up while it has not been supplied. The one rule of a live
    /// grant: tokens are issued (RFC 6749 §4.1.2, §6) and honoured only under one.
    pub(crate) fn grant_in_force(&self, id: &GrantId) -> Result<Option<&GrantRecord>, Need> {
        let need = Need::Grant(id.clone());
        match self.get(&need) {
            None => Err(need),
            Some(Answer::Grant(g)) => Ok(g.as_ref().filter(|g| !g.revoked)),
            Some(_) => Ok(None),
        }
    }

    /// The stored token `token` if it is in force at `now`: active (not revoked, rotated or
    /// expired) and under a grant in force ([`Supplied::grant_in_force`]); `Err` with the
    /// [`Need::Grant`] to look up first. [`Write::RevokeGrant`] revokes the grant's tokens
    /// too, but a store that let another batch's revocation land between a code's
    /// consumption and the token inserts (see [`Store`]) leaves live tokens under a revoked
    /// grant: checking the grant too keeps those inactive (RFC 7662 §2.2, RFC 6750 §3.1)
    /// whatever the store.
    pub(crate) fn token_in_force<'r>(
        &self,
        token: Option<&'r TokenRecord>,
        now: UnixTime,
    ) -> Result<Option<&'r TokenRecord>, Need> {
        let Some(token) = token.filter(|t| t.is_active(now)) else {
            return Ok(None);
        };
        Ok(self.grant_in_force(&token.grant_id)?.map(|_| token))
    }

    /// The outcomes of the most recent batch.
    pub fn last_outcomes(&self) -> Option<&[WriteOutcome]> {
        self.outcomes.last().map(Vec::as_slice)
    }
}

/// A store the drive loop can run against synchronously: it answers [`Need`]s and applies
/// [`Write`]s. The in-memory store implements it; a store with an async client drives the
/// [`Step`]s itself and need not implement it (the conformance kit does use it).
///
/// # Batches are atomic
///
/// [`Store::apply_batch`] applies one [`Step::Write`] batch as one unit: no other batch's
/// write, and no lookup, may land between two writes of a batch (one lock, or one
/// transaction). Conditional writes alone are not enough. A batch that consumes a code
/// (`ConsumeCodeIfUnused`, then `InsertToken`…) raced by a replay of that code, whose batch
/// is `RevokeGrant` (RFC 6749 §4.1.2), must see the revocation either before the consumption
/// (which then conflicts: no token) or after the inserts (which it then revokes); applied
/// one write at a time, the revocation could land between them and leave the new tokens
/// unrevoked under a revoked grant. The endpoints check the grant of every stored token as
/// well (introspection, the resource server, refresh and token exchange: a token under a
/// revoked grant is inactive), so such a store fails safe, but it is still wrong.
pub trait Store {
    /// Answers one need. [`Need::Fetch`] is not a store's business: a store answers it
    /// `Answer::Fetched(None)`. A store that keeps no end-user accounts answers
    /// [`Need::Claims`] with `Answer::Claims(None)`. A lookup that fails answers
    /// [`Answer::none_for`] (fail closed).
    fn answer(&self, need: &Need, now: UnixTime) -> Answer;

    /// Applies a batch of writes atomically (see [the trait documentation](Store)), in
    /// order, stopping after the first [`WriteOutcome::Conflict`]: the outcome of each write
    /// performed (the last one is the conflict, if any). A write that fails is reported as a
    /// conflict (fail closed), with nothing of the batch kept.
    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome>;

    /// Applies one write: a batch of one.
    fn apply(&self, write: &Write, now: UnixTime) -> WriteOutcome {
        self.apply_batch(core::slice::from_ref(write), now)
            .first()
            .copied()
            .unwrap_or(WriteOutcome::Conflict)
    }
}

/// Applies `writes` in order with `apply`, stopping after the first conflict: the outcomes
/// of a batch. The one rule of the order of a batch, for [`Store::apply_batch`]
/// implementations, which call it under their lock or transaction.
pub fn apply_in_order(
    writes: &[Write],
    mut apply: impl FnMut(&Write) -> WriteOutcome,
) -> Vec<WriteOutcome> {
    let mut outcomes = Vec::with_capacity(writes.len());
    for w in writes {
        let o = apply(w);
        outcomes.push(o);
        if o == WriteOutcome::Conflict {
            break;
        }
    }
    outcomes
}

/// An endpoint in progress: every endpoint of this crate implements it, so one drive loop
/// serves them all.
pub trait Endpoint {
    /// Takes the next step given what has been supplied so far.
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step;
}

/// How a driven endpoint ended: a response to send, or (the authorization endpoint only) a
/// user interaction for the application.
#[derive(Debug)]
#[must_use]
pub enum Finished {
    /// Send this response.
    Respond(http::Response<Vec<u8>>),
    /// Interact with the user, then resume (see [`Step::Interact`]).
    Interact(crate::authorize::Interaction),
}

/// Runs `endpoint` to its end against a synchronous [`Store`]: answers every need from the
/// store (`fetch` answers [`Need::Fetch`]; [`Need::Claims`] is the store's too, as
/// [`MemoryStore::put_claims`](crate::store::MemoryStore::put_claims) holds them), applies every write batch in order, stopping at
/// the first conflict. The loop of the crate documentation, as a function.
pub fn drive_to_finish<E: Endpoint + ?Sized>(
    endpoint: &mut E,
    ctx: &Context<'_>,
    store: &dyn Store,
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Finished {
    let mut supplied = Supplied::new();
    loop {
        match endpoint.step(ctx, &supplied) {
            Step::Need(needs) => {
                for need in needs {
                    let answer = match &need {
                        Need::Fetch(url) => Answer::Fetched(fetch(url)),
                        _ => store.answer(&need, ctx.now),
                    };
                    supplied.answer(need, answer);
                }
            }
            Step::Write(writes) => {
                supplied.record_outcomes(apply_batch(store, &writes, ctx.now));
            }
            Step::Respond(response) => return Finished::Respond(response),
            Step::Interact(interaction) => return Finished::Interact(interaction),
        }
    }
}

/// Runs `endpoint` to its response (see [`drive_to_finish`]). An endpoint that asks for user
/// interaction ends with the interaction as its JSON document
/// ([`Interaction::to_http_response`](crate::authorize::Interaction::to_http_response)), for
/// an application whose login pages fetch it.
pub fn drive<E: Endpoint + ?Sized>(
    endpoint: &mut E,
    ctx: &Context<'_>,
    store: &dyn Store,
    fetch: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> http::Response<Vec<u8>> {
    match drive_to_finish(endpoint, ctx, store, fetch) {
        Finished::Respond(response) => response,
        Finished::Interact(interaction) => interaction.to_http_response(),
    }
}

/// Applies a batch of writes with [`Store::apply_batch`] (atomically, in order, stopping
/// after the first conflict): the outcomes to feed back with [`Supplied::record_outcomes`].
pub fn apply_batch(store: &dyn Store, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome> {
    store.apply_batch(writes, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GrantId;

    #[test]
    fn no_record_answers_fail_closed_for_every_need() {
        let h = TokenHash::from_stored("k1.x");
        let cases = [
            (Need::Client("c".into()), Answer::Client(None)),
            (Need::Code(h.clone()), Answer::Code(None)),
            (Need::RefreshToken(h.clone()), Answer::Token(None)),
            (Need::AccessToken(h.clone()), Answer::Token(None)),
            (Need::Grant(GrantId("g".into())), Answer::Grant(None)),
            (Need::DeviceCode(h.clone()), Answer::DeviceCode(None)),
            (
                Need::DeviceCodeByUserCode(h.clone()),
                Answer::DeviceCode(None),
            ),
            (Need::PushedRequest(h.clone()), Answer::PushedRequest(None)),
            (Need::Interaction(h), Answer::Interaction(None)),
            // A replay check that cannot be answered must not pass as fresh.
            (Need::ReplayCheck("jti".into()), Answer::Seen(true)),
            (
                Need::ResourceOwnerPassword(PasswordCheck {
                    username: "u".into(),
                    password: "p".into(),
                }),
                Answer::Subject(None),
            ),
            (
                Need::Fetch("https://app.example/jwks".into()),
                Answer::Fetched(None),
            ),
            (
                Need::Introspect(crate::resource::IntrospectionToken::for_tests("t")),
                Answer::Introspected(None),
            ),
            (
                Need::Claims {
                    subject: "alice".into(),
                    scopes: vec!["openid".into()],
                    claims_request: None,
                },
                Answer::Claims(None),
            ),
        ];
        for (need, answer) in cases {
            assert_eq!(Answer::none_for(&need), answer, "{need:?}");
        }
    }

    #[test]
    fn a_batch_stops_after_its_first_conflict() {
        let writes = [
            Write::EndSession("a".into()),
            Write::EndSession("b".into()),
            Write::EndSession("c".into()),
        ];
        let mut seen = Vec::new();
        let outcomes = apply_in_order(&writes, |w| {
            seen.push(w.clone());
            if seen.len() == 2 {
                WriteOutcome::Conflict
            } else {
                WriteOutcome::Applied
            }
        });
        assert_eq!(outcomes, [WriteOutcome::Applied, WriteOutcome::Conflict]);
        assert_eq!(seen, writes[..2]);
    }
}
