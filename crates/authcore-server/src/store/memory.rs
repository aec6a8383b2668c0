//! An in-memory store, synchronous, for tests, examples and single-process servers that may
//! lose their state on restart.

use std::collections::HashMap;
use std::sync::Mutex;

use authcore_jose::UnixTime;

use crate::model::{
    AuthorizationCodeRecord, ClientRecord, DeviceCodeRecord, DeviceCodeStatus, GrantId,
    GrantRecord, InteractionRecord, PushedRequestRecord, TokenHash, TokenKind, TokenRecord,
};
use crate::step::{Answer, Need, Store, Write, WriteOutcome, apply_in_order};

#[derive(Debug, Default)]
struct Inner {
    clients: HashMap<String, ClientRecord>,
    grants: HashMap<GrantId, GrantRecord>,
    codes: HashMap<TokenHash, AuthorizationCodeRecord>,
    tokens: HashMap<TokenHash, TokenRecord>,
    device_codes: HashMap<TokenHash, DeviceCodeRecord>,
    pushed: HashMap<TokenHash, PushedRequestRecord>,
    interactions: HashMap<TokenHash, InteractionRecord>,
    replay: HashMap<String, UnixTime>,
    ended_sessions: std::collections::HashSet<String>,
    claims: HashMap<String, serde_json::Map<String, serde_json::Value>>,
}

/// Every record in maps behind one mutex: each batch of [`Write`]s is applied under one hold
/// of the lock, so the conditional writes are atomic and so is every batch (see
/// [`Store`]: no other request's write lands between two writes of a batch).
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the maps consistent (every write is one map
        // operation or a check followed by one, and none of them panics, so no batch stops
        // halfway), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers (or replaces) a client.
    pub fn put_client(&self, client: ClientRecord) {
        self.lock().clients.insert(client.client_id.clone(), client);
    }

    /// Sets (or replaces) the claims of the end-user `subject` (the local subject), which
    /// answer [`Need::Claims`]. The provider releases only what each request asks for.
    pub fn put_claims(
        &self,
        subject: impl Into<String>,
        claims: serde_json::Map<String, serde_json::Value>,
    ) {
        self.lock().claims.insert(subject.into(), claims);
    }

    /// Whether the provider session `sid` was ended ([`Write::EndSession`]); the sessions
    /// themselves are the adapter's records.
    pub fn session_ended(&self, sid: &str) -> bool {
        self.lock().ended_sessions.contains(sid)
    }

    /// How many tokens are stored (for tests and metrics).
    pub fn token_count(&self) -> usize {
        self.lock().tokens.len()
    }

    /// Drops expired codes, tokens, device codes, pushed requests, interactions and replay
    /// keys (expired refresh tokens and used codes included: a replay of an expired
    /// credential fails as expired anyway).
    pub fn purge_expired(&self, now: UnixTime) {
        let mut i = self.lock();
        i.codes.retain(|_, c| now < c.expires_at);
        i.tokens.retain(|_, t| t.expires_at.is_none_or(|e| now < e));
        i.device_codes.retain(|_, d| now < d.expires_at);
        i.pushed.retain(|_, p| now < p.expires_at);
        i.interactions.retain(|_, x| now < x.expires_at);
        i.replay.retain(|_, e| now < *e);
    }
}

impl Store for MemoryStore {
    fn answer(&self, need: &Need, now: UnixTime) -> Answer {
        let i = self.lock();
        match need {
            Need::Client(id) => Answer::Client(i.clients.get(id).cloned()),
            Need::Code(h) => Answer::Code(i.codes.get(h).cloned()),
            Need::RefreshToken(h) => Answer::Token(
                i.tokens
                    .get(h)
                    .filter(|t| t.kind == TokenKind::Refresh)
                    .cloned(),
            ),
            Need::AccessToken(h) => Answer::Token(
                i.tokens
                    .get(h)
                    .filter(|t| t.kind == TokenKind::Access)
                    .cloned(),
            ),
            Need::Grant(id) => Answer::Grant(i.grants.get(id).cloned()),
            Need::DeviceCode(h) => Answer::DeviceCode(i.device_codes.get(h).cloned()),
            Need::DeviceCodeByUserCode(h) => Answer::DeviceCode(
                i.device_codes
                    .values()
                    .find(|d| &d.user_code_handle == h)
                    .cloned(),
            ),
            Need::PushedRequest(h) => Answer::PushedRequest(i.pushed.get(h).cloned()),
            Need::Interaction(h) => Answer::Interaction(i.interactions.get(h).cloned()),
            Need::ReplayCheck(key) => Answer::Seen(i.replay.get(key).is_some_and(|exp| now < *exp)),
            // Resource owners' passwords are the application's, fetches are the adapter's,
            // and a store holds no other server's tokens (introspection is the caller's
            // request): not the store's business.
            Need::ResourceOwnerPassword(_) | Need::Fetch(_) | Need::Introspect(_) => {
                Answer::none_for(need)
            }
            Need::Claims { subject, .. } => Answer::Claims(i.claims.get(subject).cloned()),
        }
    }

    fn apply_batch(&self, writes: &[Write], now: UnixTime) -> Vec<WriteOutcome> {
        // One hold of the lock for the whole batch: the batch is atomic.
        let mut inner = self.lock();
        apply_in_order(writes, |w| inner.apply(w, now))
    }
}

impl Inner {
    /// Applies one write; the caller holds the lock.
    fn apply(&mut self, write: &Write, now: UnixTime) -> WriteOutcome {
        use WriteOutcome::{Applied, Conflict};
        let i = self;
        match write {
            Write::InsertClient(c) | Write::UpdateClient(c) => {
                i.clients.insert(c.client_id.clone(), c.clone());
                Applied
            }
            Write::DeleteClient(id) => {
                i.clients.remove(id);
                Applied
            }
            Write::InsertGrant(g) => {
                i.grants.insert(g.id.clone(), g.clone());
                Applied
            }
            Write::RevokeGrant(id) => {
                if let Some(g) = i.grants.get_mut(id) {
                    g.revoked = true;
                }
                for t in i.tokens.values_mut().filter(|t| &t.grant_id == id) {
                    t.revoked = true;
                }
                // Unused codes of the grant become unusable too.
                for c in i.codes.values_mut().filter(|c| &c.grant_id == id) {
                    c.used = true;
                }
                Applied
            }
            Write::InsertCode(c) => {
                i.codes.insert(c.handle.clone(), c.clone());
                Applied
            }
            Write::ConsumeCodeIfUnused(h) => match i.codes.get_mut(h) {
                Some(c) if !c.used => {
                    c.used = true;
                    Applied
                }
                _ => Conflict,
            },
            Write::InsertToken(t) => {
                i.tokens.insert(t.handle.clone(), t.clone());
                Applied
            }
            Write::RotateRefreshIfCurrent {
                current,
                replacement,
            } => match i.tokens.get_mut(current) {
                Some(t) if t.kind == TokenKind::Refresh && !t.rotated && !t.revoked => {
                    t.rotated = true;
                    i.tokens
                        .insert(replacement.handle.clone(), replacement.clone());
                    Applied
                }
                _ => Conflict,
            },
            Write::RevokeToken(h) => {
                if let Some(t) = i.tokens.get_mut(h) {
                    t.revoked = true;
                }
                Applied
            }
            Write::InsertIfAbsent { key, expires_at } => {
                if i.replay.get(key).is_some_and(|exp| now < *exp) {
                    Conflict
                } else {
                    i.replay.insert(key.clone(), *expires_at);
                    Applied
                }
            }
            Write::InsertDeviceCode(d) => {
                i.device_codes.insert(d.handle.clone(), d.clone());
                Applied
            }
            Write::RecordDevicePoll {
                handle,
                at,
                interval,
            } => {
                if let Some(d) = i.device_codes.get_mut(handle) {
                    d.last_polled_at = Some(*at);
                    d.interval = *interval;
                }
                Applied
            }
            Write::RecordFailedUserCode(h) => {
                if let Some(d) = i.device_codes.get_mut(h) {
                    d.failed_attempts = d.failed_attempts.saturating_add(1);
                }
                Applied
            }
            Write::DecideDeviceCodeIfPending { handle, decision } => {
                match i.device_codes.get_mut(handle) {
                    Some(d) if d.status == DeviceCodeStatus::Pending => {
                        d.status = decision.clone();
                        Applied
                    }
                    _ => Conflict,
                }
            }
            Write::ConsumeDeviceCodeIfApproved(h) => match i.device_codes.get_mut(h) {
                Some(d) if matches!(d.status, DeviceCodeStatus::Approved(_)) => {
                    d.status = DeviceCodeStatus::Consumed;
                    Applied
                }
                _ => Conflict,
            },
            Write::InsertPushedRequest(p) => {
                i.pushed.insert(p.handle.clone(), p.clone());
                Applied
            }
            Write::ConsumePushedRequestIfUnused(h) => match i.pushed.get_mut(h) {
                Some(p) if !p.used => {
                    p.used = true;
                    Applied
                }
                _ => Conflict,
            },
            Write::InsertInteraction(x) => {
                i.interactions.insert(x.handle.clone(), x.clone());
                Applied
            }
            Write::RemoveInteractionIfPresent(h) => match i.interactions.remove(h) {
                Some(_) => Applied,
                None => Conflict,
            },
            Write::EndSession(sid) => {
                i.ended_sessions.insert(sid.clone());
                Applied
            }
        }
    }
}
