//! The adapter's storage contract: one async trait, [`ProviderStore`], that every storage
//! engine implements (the in-memory one here, SQLite and PostgreSQL in their own crates).
//!
//! It carries three kinds of records:
//! - the core's records, through [`ProviderStore::answer`] and [`ProviderStore::apply`]: the
//!   [`Need`]s and [`Write`]s of authcore-server, with the conditional writes atomic (exactly
//!   one of two racing requests sees [`WriteOutcome::Applied`]) and each batch of writes
//!   atomic as a whole;
//! - the adapter's own records: login sessions bound to a cookie ([`SessionRecord`]),
//!   end-user accounts ([`AccountRecord`]), consents ([`ConsentRecord`]) and the provider's
//!   signing keys ([`StoredKeys`]), which several instances share;
//! - the expiry sweep ([`ProviderStore::sweep`]).
//!
//! Every method can fail with a [`StoreError`]; the adapter answers
//! [`StoreErrorKind::Unavailable`] with `503 Service Unavailable` and `Retry-After`, never with
//! a token or code it could not store.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use authcore_jose::UnixTime;
use authcore_server::oidc::OpSession;
use authcore_server::{Answer, Need, Write, WriteOutcome};
use serde::{Deserialize, Serialize};

/// The future every [`ProviderStore`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Storage for the provider: the core's records and the adapter's own.
///
/// Implementations must be safe to share between tasks (and, for a shared database, between
/// processes): conditional writes are atomic, so is each batch of [`ProviderStore::apply`],
/// and [`ProviderStore::replace_keys`] is a compare-and-set.
pub trait ProviderStore: Send + Sync + 'static {
    /// Answers one need of the core. [`Need::Fetch`], [`Need::Introspect`] and
    /// [`Need::ResourceOwnerPassword`] are the adapter's business, not the store's: a store
    /// answers them as "no record" (`Answer::Fetched(None)`, `Answer::Introspected(None)`,
    /// `Answer::Subject(None)`).
    fn answer(&self, need: Need, now: UnixTime) -> StoreFuture<'_, Answer>;

    /// Applies a batch of writes in order, stopping after the first
    /// [`WriteOutcome::Conflict`]; returns the outcome of each write performed (the last one
    /// is the conflict, if any). The batch is atomic: one transaction, or one hold of a lock,
    /// so no other batch's write lands between two of its writes (authcore-server's
    /// [`Store`](authcore_server::Store) says why: a replay's `RevokeGrant` must not fall
    /// between the winner's code consumption and its token inserts). On an error nothing of
    /// the batch is kept.
    fn apply(&self, writes: Vec<Write>, now: UnixTime) -> StoreFuture<'_, Vec<WriteOutcome>>;

    /// The login session whose cookie value hashes to `id` (see [`SessionRecord::id`]), if it
    /// exists and has not expired at `now`.
    fn session(&self, id: String, now: UnixTime) -> StoreFuture<'_, Option<SessionRecord>>;

    /// Stores (inserts or replaces) a login session.
    fn put_session(&self, record: SessionRecord) -> StoreFuture<'_, ()>;

    /// Removes the login session with this id, if present.
    fn remove_session(&self, id: String) -> StoreFuture<'_, ()>;

    /// The account with this username, if any.
    fn account_by_username(&self, username: String) -> StoreFuture<'_, Option<AccountRecord>>;

    /// The account with this subject identifier, if any.
    fn account_by_subject(&self, subject: String) -> StoreFuture<'_, Option<AccountRecord>>;

    /// Stores an account: inserts it, or replaces the one with the same subject. A username
    /// already held by another subject is [`StoreErrorKind::Conflict`].
    fn put_account(&self, account: AccountRecord) -> StoreFuture<'_, ()>;

    /// The consent `subject` gave `client_id`, if any.
    fn consent(&self, subject: String, client_id: String)
    -> StoreFuture<'_, Option<ConsentRecord>>;

    /// Stores (inserts or replaces) a consent.
    fn put_consent(&self, consent: ConsentRecord) -> StoreFuture<'_, ()>;

    /// The provider's signing keys, if stored yet.
    fn keys(&self) -> StoreFuture<'_, Option<StoredKeys>>;

    /// Replaces the signing keys if the stored version is still `expected_version` (`None`:
    /// no keys stored yet); the new record gets version `expected_version + 1` (or 1).
    /// Returns whether the replacement happened (`false`: another instance got there first;
    /// read the keys again).
    fn replace_keys(
        &self,
        expected_version: Option<u64>,
        document: String,
    ) -> StoreFuture<'_, bool>;

    /// Deletes every record that expired before `now` (codes, tokens, device codes, pushed
    /// requests, interactions, replay keys, sessions), keeping what a live record still needs
    /// (a grant with a live token stays). Safe to run from several instances at once. Returns
    /// the number of records deleted.
    fn sweep(&self, now: UnixTime) -> StoreFuture<'_, u64>;
}

/// An end-user's login session at the provider, bound to a cookie.
///
/// The cookie holds a random value; the store keeps only its hash ([`SessionRecord::id`]),
/// so a copy of the database does not give away live sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The SHA-256 hash of the cookie value, base64url: the record's key.
    pub id: String,
    /// The session itself (`sid`, subject, `auth_time`, `acr`, `amr`, clients).
    pub session: OpSession,
    /// When the session ends regardless of activity (seconds since the epoch).
    pub expires_at: u64,
}

/// An end-user account: what the login page checks and where the claims come from.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// The stable subject identifier (`sub`), unique.
    pub subject: String,
    /// The login name, unique.
    pub username: String,
    /// The password's slow hash in PHC string form (Argon2id).
    pub password_hash: String,
    /// The account's claims (OpenID Connect Core §5.1: `name`, `email`, …), released by scope
    /// and `claims` request.
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl fmt::Debug for AccountRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountRecord")
            .field("subject", &self.subject)
            .field("username", &self.username)
            .field("password_hash", &"[REDACTED]")
            .field("claims", &self.claims)
            .finish()
    }
}

/// What an end-user has consented to for one client; a later request within it skips the
/// consent page (and satisfies OpenID Connect Core §11's "existing consent" for
/// `offline_access`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// The end-user (local subject).
    pub subject: String,
    /// The client.
    pub client_id: String,
    /// The scopes consented to.
    pub scopes: Vec<String>,
    /// The claims consented to beyond the scopes' (from `claims` requests).
    pub claims: Vec<String>,
    /// When the consent was given (seconds since the epoch).
    pub granted_at: u64,
}

/// The provider's signing keys as stored: a versioned document, so instances sharing a store
/// see one rotation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKeys {
    /// Increases by one with every replacement ([`ProviderStore::replace_keys`]).
    pub version: u64,
    /// The key set as JSON (private keys included: the adapter defines the format).
    pub document: String,
}

impl fmt::Debug for StoredKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKeys")
            .field("version", &self.version)
            .field("document", &"[REDACTED]")
            .finish()
    }
}

/// Why a store operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The storage cannot be reached now (database down, pool exhausted, I/O error); the
    /// request may be retried later. The adapter answers `503` with `Retry-After`.
    Unavailable,
    /// A uniqueness rule was broken (an account's username taken by another subject).
    Conflict,
    /// A stored record could not be read back (corrupt or from an unknown schema version).
    Corrupt,
}

/// A failed store operation: its kind and a message for the log. The message never holds a
/// secret (no token, code, password or key material).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
}

impl StoreError {
    /// A new error of this kind.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError {
            kind,
            message: message.into(),
        }
    }

    /// Shorthand for [`StoreErrorKind::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Unavailable, message)
    }

    /// The kind of failure.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// The message for the log.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            StoreErrorKind::Unavailable => "storage unavailable",
            StoreErrorKind::Conflict => "storage conflict",
            StoreErrorKind::Corrupt => "stored record unreadable",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl std::error::Error for StoreError {}
