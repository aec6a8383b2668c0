//! The provider's login session (OpenID Connect Core §3.1.2.1 `prompt`, `max_age`; Front- and
//! Back-Channel Logout `sid`) as a plain value: the adapter keeps it in a record bound to a
//! cookie and hands it back on every authorization request; the core never stores it.

use authcore_jose::{SecureRandom, UnixTime};
use serde::{Deserialize, Serialize};

use crate::error::ServerError;

/// One login session of one end-user at the provider.
///
/// `sid` is the session identifier of OpenID Connect Front-Channel Logout §3 and Back-Channel
/// Logout §2.4 (put into ID tokens and logout tokens); `auth_time`, `acr` and `amr` are what
/// the ID token reports about the authentication (Core §2). `clients` lists the clients that
/// were issued ID tokens in this session, so logout can reach each of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpSession {
    /// The session identifier (`sid`): 128 random bits, base64url.
    pub sid: String,
    /// The authenticated end-user (the provider's local subject, before any pairwise
    /// mapping).
    pub subject: String,
    /// When the end-user last authenticated (`auth_time`; serialized as seconds since the
    /// epoch, the JWT NumericDate form).
    #[serde(with = "crate::model::serde_forms::unix_secs")]
    pub auth_time: UnixTime,
    /// The authentication context class reached (`acr`), when the application reports one.
    pub acr: Option<String>,
    /// The authentication methods used (`amr`, RFC 8176 values), possibly empty.
    pub amr: Vec<String>,
    /// The client ids that were issued ID tokens in this session.
    pub clients: Vec<String>,
}

impl OpSession {
    /// A new session for `subject`, authenticated at `auth_time`, with a fresh `sid` drawn
    /// from `rng`.
    pub fn start(
        subject: impl Into<String>,
        auth_time: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<Self, ServerError> {
        Ok(OpSession {
            sid: crate::model::GrantId::generate(rng)?.0,
            subject: subject.into(),
            auth_time,
            acr: None,
            amr: Vec::new(),
            clients: Vec::new(),
        })
    }

    /// Sets the authentication context class reached.
    pub fn with_acr(mut self, acr: impl Into<String>) -> Self {
        self.acr = Some(acr.into());
        self
    }

    /// Sets the authentication methods used.
    pub fn with_amr<I: IntoIterator<Item = S>, S: Into<String>>(mut self, amr: I) -> Self {
        self.amr = amr.into_iter().map(Into::into).collect();
        self
    }

    /// How many seconds ago the end-user authenticated, at `now` (0 when `auth_time` is in
    /// the future, which a skewed clock can cause).
    pub fn age_at(&self, now: UnixTime) -> u64 {
        now.as_secs().saturating_sub(self.auth_time.as_secs())
    }

    /// Whether the authentication is too old for a request's `max_age` (Core §3.1.2.1: the
    /// end-user must authenticate again when more than `max_age` seconds have passed).
    pub fn exceeds_max_age(&self, max_age: u64, now: UnixTime) -> bool {
        self.age_at(now) > max_age
    }

    /// Records that `client_id` was issued an ID token in this session (once).
    pub fn add_client(&mut self, client_id: &str) {
        if !self.clients.iter().any(|c| c == client_id) {
            self.clients.push(client_id.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::InsecureTestRandom;

    #[test]
    fn a_session_has_a_random_sid_and_tracks_clients_once() {
        let rng = InsecureTestRandom::new(1);
        let t = UnixTime::from_secs(1_000);
        let mut a = OpSession::start("alice", t, &rng)
            .unwrap()
            .with_acr("urn:acr:pwd")
            .with_amr(["pwd", "otp"]);
        let b = OpSession::start("alice", t, &rng).unwrap();
        assert_ne!(a.sid, b.sid);
        assert_eq!(a.sid.len(), 22);
        a.add_client("c1");
        a.add_client("c1");
        a.add_client("c2");
        assert_eq!(a.clients, ["c1", "c2"]);
        assert_eq!(a.amr, ["pwd", "otp"]);
        let back: OpSession = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn max_age_is_exceeded_only_strictly_after() {
        let rng = InsecureTestRandom::new(2);
        let s = OpSession::start("bob", UnixTime::from_secs(1_000), &rng).unwrap();
        assert!(!s.exceeds_max_age(60, UnixTime::from_secs(1_060)));
        assert!(s.exceeds_max_age(60, UnixTime::from_secs(1_061)));
        // A clock behind the session's auth_time never counts as exceeded.
        assert!(!s.exceeds_max_age(0, UnixTime::from_secs(900)));
        assert_eq!(s.age_at(UnixTime::from_secs(900)), 0);
    }
}
