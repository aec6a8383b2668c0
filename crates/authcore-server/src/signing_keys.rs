//! The server's signing keys as a set with rotation.
//!
//! A [`SigningKeySet`] holds several keys at once:
//!
//! - **active** keys are published in the JWK Set and accepted for verification; exactly one of
//!   them is the **current** signer, the one new tokens are signed with. An active key that is
//!   not current is a key published ahead of its use, so that relying parties have it cached
//!   when it becomes current (the usual rotation: add, wait a cache lifetime, make current).
//! - **retired** keys no longer sign but stay published and accepted for verification for the
//!   set's retention time after they were retired, so tokens signed just before a rotation stay
//!   valid until they expire. After that they are neither published nor accepted, whether or
//!   not [`SigningKeySet::prune`] has removed them yet.
//!
//! The set reads no clock: every time-dependent answer takes `now`.
//!
//! ```
//! use authcore_jose::{crypto, InsecureTestRandom, Jwk, JwsAlgorithm, UnixTime};
//! use authcore_server::signing_keys::SigningKeySet;
//! # let rng = InsecureTestRandom::new(7);
//! let provider = crypto::default_provider();
//! let mut keys = SigningKeySet::new(3600);
//! let mut first = Jwk::generate(JwsAlgorithm::EdDSA, provider, &rng)?;
//! first.kid = Some("2026-01".into());
//! keys.add_key(&first, None, provider)?; // the first key becomes the current signer
//! let mut next = Jwk::generate(JwsAlgorithm::EdDSA, provider, &rng)?;
//! next.kid = Some("2026-02".into());
//! keys.add_key(&next, None, provider)?; // published ahead of its use
//! let now = UnixTime::from_secs(1_000);
//! keys.rotate_to("2026-02", now)?; // "2026-02" signs; "2026-01" is kept for an hour
//! assert_eq!(keys.current_kid(), Some("2026-02"));
//! assert_eq!(keys.verifying_keys_at(now).len(), 2);
//! assert_eq!(keys.verifying_keys_at(now.saturating_add(3600)).len(), 1);
//! # Ok::<(), authcore_server::signing_keys::KeySetError>(())
//! ```

use core::fmt;
use std::sync::Arc;

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{Jwk, JwkSet, JwsAlgorithm, JwsHeader, JwsSigner, SigningKey, UnixTime};
use authcore_jose::{VerifyingKey, jwt};
use serde::Serialize;

/// Why a change to a [`SigningKeySet`] was refused, or signing failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeySetError {
    /// A key with this `kid` is already in the set.
    DuplicateKid(String),
    /// No key with this `kid` is in the set.
    UnknownKid(String),
    /// The key cannot serve as a signing key of the set (symmetric, or not a signing key).
    Unusable(&'static str),
    /// The named key is retired: it can no longer become the current signer.
    Retired(String),
    /// The current signer cannot be retired or removed; rotate to another key first.
    CurrentKey,
    /// The set has no current signer (it is empty).
    NoCurrentKey,
    /// The JOSE layer refused the key or the signature.
    Jose(authcore_jose::Error),
}

impl fmt::Display for KeySetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySetError::DuplicateKid(k) => write!(f, "a key with kid `{k}` is already in the set"),
            KeySetError::UnknownKid(k) => write!(f, "no key with kid `{k}` in the set"),
            KeySetError::Unusable(why) => write!(f, "unusable signing key: {why}"),
            KeySetError::Retired(k) => write!(f, "the key `{k}` is retired"),
            KeySetError::CurrentKey => f.write_str("the current signing key cannot be retired"),
            KeySetError::NoCurrentKey => f.write_str("the key set has no current signing key"),
            KeySetError::Jose(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for KeySetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeySetError::Jose(e) => Some(e),
            _ => None,
        }
    }
}

impl From<authcore_jose::Error> for KeySetError {
    fn from(e: authcore_jose::Error) -> Self {
        KeySetError::Jose(e)
    }
}

/// The life-cycle state of one key of a [`SigningKeySet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyState {
    /// Published and accepted; may be (or become) the current signer.
    Active,
    /// No longer signs; accepted and published until `retired_at` plus the set's retention.
    Retired {
        /// When the key was retired.
        retired_at: UnixTime,
    },
}

struct Entry {
    kid: String,
    signer: Arc<dyn JwsSigner>,
    public: Jwk,
    state: KeyState,
}

/// The signing keys of a server: several active keys, one current signer, retired keys kept
/// for verification for a configured time, and the JWK Set document to publish. See the
/// [module documentation](self).
pub struct SigningKeySet {
    /// In verification order: active keys (the current one first), then retired keys, most
    /// recently retired first, so that the keys valid at any `now` are a prefix of `verifiers`
    /// (see [`SigningKeySet::verifying_keys_at`]).
    entries: Vec<Entry>,
    /// The verifier of each entry, same order: a contiguous slice is what
    /// [`authcore_jose::KeySource`] hands to the JWS layer.
    verifiers: Vec<VerifyingKey>,
    /// Seconds a retired key stays published and accepted.
    retention: u64,
}

impl fmt::Debug for SigningKeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeySet")
            .field(
                "keys",
                &self
                    .entries
                    .iter()
                    .map(|e| (&e.kid, e.signer.algorithm(), e.state))
                    .collect::<Vec<_>>(),
            )
            .field("retention", &self.retention)
            .finish()
    }
}

impl SigningKeySet {
    /// An empty set whose retired keys stay valid for `retention_secs` after retirement
    /// (choose at least the lifetime of the longest-lived token the keys sign).
    pub fn new(retention_secs: u64) -> Self {
        SigningKeySet {
            entries: Vec::new(),
            verifiers: Vec::new(),
            retention: retention_secs,
        }
    }

    /// Adds an active key from a private JWK (asymmetric only: a symmetric key could not be
    /// published). The algorithm is the JWK's `alg` or `alg` (see
    /// [`SigningKey::from_jwk`]); the `kid` is the JWK's, or its RFC 7638 thumbprint when it has
    /// none. The first key added becomes the current signer.
    pub fn add_key(
        &mut self,
        private: &Jwk,
        alg: Option<JwsAlgorithm>,
        provider: &CryptoProvider,
    ) -> Result<(), KeySetError> {
        if !private.is_private() || matches!(private.params, authcore_jose::KeyParams::Oct(_)) {
            return Err(KeySetError::Unusable(
                "a published signing key must be an asymmetric private key",
            ));
        }
        let kid = private
            .kid
            .clone()
            .unwrap_or_else(|| private.thumbprint_sha256(provider));
        let signer = SigningKey::from_jwk(private, alg, provider)?.with_kid(kid.clone());
        let public = signer
            .public_jwk()
            .cloned()
            .ok_or(KeySetError::Unusable("the key has no public part"))?;
        self.add_signer(Arc::new(signer), public, provider)
    }

    /// Adds an active key whose signing happens elsewhere (an HSM, a KMS): `signer` produces
    /// the signatures, `public` is its public JWK (its `kid` names the key; without one the
    /// RFC 7638 thumbprint does). The first key added becomes the current signer.
    pub fn add_signer(
        &mut self,
        signer: Arc<dyn JwsSigner>,
        public: Jwk,
        provider: &CryptoProvider,
    ) -> Result<(), KeySetError> {
        let alg = signer.algorithm();
        if alg.family() == authcore_jose::AlgorithmFamily::Hmac {
            return Err(KeySetError::Unusable(
                "a published signing key must be asymmetric",
            ));
        }
        let mut public = public.to_public()?;
        let kid = public
            .kid
            .clone()
            .unwrap_or_else(|| public.thumbprint_sha256(provider));
        if self.entries.iter().any(|e| e.kid == kid) {
            return Err(KeySetError::DuplicateKid(kid));
        }
        public.kid = Some(kid.clone());
        public.alg = Some(alg.name().to_owned());
        public.key_use = Some("sig".to_owned());
        let verifier = VerifyingKey::from_jwk(&public, Some(alg), provider)?;
        self.entries.push(Entry {
            kid,
            signer,
            public,
            state: KeyState::Active,
        });
        self.verifiers.push(verifier);
        self.reorder(None);
        Ok(())
    }

    /// Makes the active key `kid` the current signer and retires the previous current signer
    /// at `now` (it stays valid for verification for the retention time).
    pub fn rotate_to(&mut self, kid: &str, now: UnixTime) -> Result<(), KeySetError> {
        let idx = self.index(kid)?;
        if let KeyState::Retired { .. } = self.entries[idx].state {
            return Err(KeySetError::Retired(kid.to_owned()));
        }
        if idx == 0 {
            return Ok(());
        }
        if let Some(old) = self.entries.first_mut() {
            old.state = KeyState::Retired { retired_at: now };
        }
        self.reorder(Some(kid));
        Ok(())
    }

    /// Retires the active key `kid` at `now` (a key published ahead of its use that will not
    /// be used after all, or a key suspected of compromise with `retention` in mind). The
    /// current signer cannot be retired: rotate first.
    pub fn retire(&mut self, kid: &str, now: UnixTime) -> Result<(), KeySetError> {
        let idx = self.index(kid)?;
        if idx == 0 {
            return Err(KeySetError::CurrentKey);
        }
        if self.entries[idx].state == KeyState::Active {
            self.entries[idx].state = KeyState::Retired { retired_at: now };
            self.reorder(None);
        }
        Ok(())
    }

    /// Removes a key at once, whatever its state (a compromised key: tokens it signed stop
    /// verifying now). The current signer cannot be removed: rotate first.
    pub fn remove(&mut self, kid: &str) -> Result<(), KeySetError> {
        let idx = self.index(kid)?;
        if idx == 0 {
            return Err(KeySetError::CurrentKey);
        }
        self.entries.remove(idx);
        self.verifiers.remove(idx);
        Ok(())
    }

    /// Drops the retired keys whose retention has ended at `now`; returns their `kid`s (for
    /// the key store to delete).
    pub fn prune(&mut self, now: UnixTime) -> Vec<String> {
        let keep = self.valid_count(now);
        self.verifiers.truncate(keep);
        self.entries.drain(keep..).map(|e| e.kid).collect()
    }

    /// The current signer's `kid`; `None` for an empty set.
    pub fn current_kid(&self) -> Option<&str> {
        self.entries.first().map(|e| e.kid.as_str())
    }

    /// The current signer's algorithm; `None` for an empty set.
    pub fn current_algorithm(&self) -> Option<JwsAlgorithm> {
        self.entries.first().map(|e| e.signer.algorithm())
    }

    /// The state of the key `kid`, if the set holds it.
    pub fn state(&self, kid: &str) -> Option<KeyState> {
        self.entries.iter().find(|e| e.kid == kid).map(|e| e.state)
    }

    /// Signs `claims` as a compact JWT with the current signer: header `alg` from the key,
    /// `kid` of the key, and `typ` (RFC 8725 §3.11 explicit typing).
    pub fn sign_jwt(&self, typ: &str, claims: &impl Serialize) -> Result<String, KeySetError> {
        let current = self.entries.first().ok_or(KeySetError::NoCurrentKey)?;
        let header = JwsHeader::new(current.signer.algorithm())
            .with_typ(typ)
            .with_kid(current.kid.clone());
        Ok(jwt::encode(&header, claims, current.signer.as_ref())?)
    }

    /// Signs `claims` as a compact JWT with a key of algorithm `alg`: the current signer when
    /// it has that algorithm, else the first other active key that has it (a provider that
    /// lets clients choose `id_token_signed_response_alg` keeps one active key per algorithm,
    /// OpenID Connect Registration §2). Retired keys never sign.
    pub fn sign_jwt_with(
        &self,
        alg: JwsAlgorithm,
        typ: Option<&str>,
        claims: &impl Serialize,
    ) -> Result<String, KeySetError> {
        let entry = self
            .entries
            .iter()
            .filter(|e| e.state == KeyState::Active)
            .find(|e| e.signer.algorithm() == alg)
            .ok_or(KeySetError::NoCurrentKey)?;
        let mut header = JwsHeader::new(alg).with_kid(entry.kid.clone());
        if let Some(typ) = typ {
            header = header.with_typ(typ);
        }
        Ok(jwt::encode(&header, claims, entry.signer.as_ref())?)
    }

    /// The algorithms the active keys sign with, current signer first, without repeats.
    pub fn active_algorithms(&self) -> Vec<JwsAlgorithm> {
        let mut algs = Vec::new();
        for e in self.entries.iter().filter(|e| e.state == KeyState::Active) {
            if !algs.contains(&e.signer.algorithm()) {
                algs.push(e.signer.algorithm());
            }
        }
        algs
    }

    /// The keys that verify at `now`: every active key and the retired keys still within
    /// their retention. A [`authcore_jose::KeySource`] for [`authcore_jose::jwt::verify`].
    pub fn verifying_keys_at(&self, now: UnixTime) -> &[VerifyingKey] {
        &self.verifiers[..self.valid_count(now)]
    }

    /// The public JWK Set to publish at `now` (RFC 7517 §5, the `jwks_uri` document of RFC
    /// 8414 §2): the keys of [`SigningKeySet::verifying_keys_at`], each with `kid`, `alg` and
    /// `use` `sig`.
    pub fn jwks_at(&self, now: UnixTime) -> JwkSet {
        JwkSet::new(
            self.entries[..self.valid_count(now)]
                .iter()
                .map(|e| e.public.clone())
                .collect(),
        )
    }

    /// How many leading entries are valid at `now` (active ones and retired ones within
    /// their retention; the ordering makes them a prefix).
    fn valid_count(&self, now: UnixTime) -> usize {
        self.entries
            .iter()
            .take_while(|e| match e.state {
                KeyState::Active => true,
                KeyState::Retired { retired_at } => now < retired_at.saturating_add(self.retention),
            })
            .count()
    }

    fn index(&self, kid: &str) -> Result<usize, KeySetError> {
        self.entries
            .iter()
            .position(|e| e.kid == kid)
            .ok_or_else(|| KeySetError::UnknownKid(kid.to_owned()))
    }

    /// Restores the ordering invariant: the current signer (`current`, or the existing first
    /// active key) first, other active keys in insertion order, then retired keys, most
    /// recently retired first.
    fn reorder(&mut self, current: Option<&str>) {
        let current = current
            .map(str::to_owned)
            .or_else(|| {
                self.entries
                    .first()
                    .filter(|e| e.state == KeyState::Active)
                    .map(|e| e.kid.clone())
            })
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|e| e.state == KeyState::Active)
                    .map(|e| e.kid.clone())
            });
        let mut pairs: Vec<(Entry, VerifyingKey)> = self
            .entries
            .drain(..)
            .zip(self.verifiers.drain(..))
            .collect();
        // A stable sort: equal ranks keep insertion order.
        pairs.sort_by_key(|(e, _)| match e.state {
            KeyState::Active if Some(&e.kid) == current.as_ref() => (0, 0),
            KeyState::Active => (1, 0),
            KeyState::Retired { retired_at } => (2, u64::MAX - retired_at.as_secs()),
        });
        (self.entries, self.verifiers) = pairs.into_iter().unzip();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::{InsecureTestRandom, crypto};

    fn key(kid: &str, seed: u64) -> Jwk {
        let rng = InsecureTestRandom::new(seed);
        let mut k = Jwk::generate(JwsAlgorithm::EdDSA, crypto::default_provider(), &rng).unwrap();
        k.kid = Some(kid.to_owned());
        k
    }

    fn set_of(kids: &[&str]) -> SigningKeySet {
        let mut s = SigningKeySet::new(100);
        for (i, k) in kids.iter().enumerate() {
            s.add_key(&key(k, i as u64 + 1), None, crypto::default_provider())
                .unwrap();
        }
        s
    }

    fn verify(set: &SigningKeySet, token: &str, now: u64) -> authcore_jose::Result<()> {
        let v = jwt::Validation::new().required_claims::<[&str; 0], &str>([]);
        jwt::verify(
            token,
            set.verifying_keys_at(UnixTime::from_secs(now)),
            &v,
            UnixTime::from_secs(now),
        )
        .map(|_| ())
    }

    #[test]
    fn first_key_signs_and_next_is_published_ahead() {
        let s = set_of(&["a", "b"]);
        assert_eq!(s.current_kid(), Some("a"));
        let jwks = s.jwks_at(UnixTime::from_secs(0));
        let kids: Vec<_> = jwks.keys.iter().map(|k| k.kid.clone().unwrap()).collect();
        assert_eq!(kids, ["a", "b"]);
        assert!(jwks.keys.iter().all(|k| !k.is_private()));
        assert!(
            jwks.keys
                .iter()
                .all(|k| k.key_use.as_deref() == Some("sig") && k.alg.as_deref() == Some("EdDSA"))
        );
        let t = s.sign_jwt("at+jwt", &serde_json::json!({"x": 1})).unwrap();
        let h = authcore_jose::jws::decode_header_unverified(&t).unwrap();
        assert_eq!(h.kid.as_deref(), Some("a"));
        assert!(h.typ_matches("at+jwt"));
    }

    #[test]
    fn rotated_key_verifies_until_retention_ends() {
        let mut s = set_of(&["a", "b"]);
        let old = s.sign_jwt("JWT", &serde_json::json!({})).unwrap();
        s.rotate_to("b", UnixTime::from_secs(1000)).unwrap();
        assert_eq!(s.current_kid(), Some("b"));
        assert_eq!(
            s.state("a"),
            Some(KeyState::Retired {
                retired_at: UnixTime::from_secs(1000)
            })
        );
        let new = s.sign_jwt("JWT", &serde_json::json!({})).unwrap();
        assert!(verify(&s, &old, 1099).is_ok());
        assert!(verify(&s, &new, 1099).is_ok());
        // Retention over: the old key neither verifies nor is published, pruned or not.
        assert!(matches!(
            verify(&s, &old, 1100),
            Err(authcore_jose::Error::NoMatchingKey)
        ));
        assert_eq!(s.jwks_at(UnixTime::from_secs(1100)).keys.len(), 1);
        assert!(verify(&s, &new, 1100).is_ok());
        assert_eq!(s.prune(UnixTime::from_secs(1100)), ["a"]);
        assert_eq!(s.state("a"), None);
    }

    #[test]
    fn retired_keys_are_ordered_most_recent_first() {
        let mut s = set_of(&["a", "b", "c"]);
        s.rotate_to("b", UnixTime::from_secs(10)).unwrap();
        s.rotate_to("c", UnixTime::from_secs(50)).unwrap();
        // "a" retired at 10 ends at 110, "b" retired at 50 ends at 150.
        assert_eq!(s.verifying_keys_at(UnixTime::from_secs(109)).len(), 3);
        assert_eq!(s.verifying_keys_at(UnixTime::from_secs(110)).len(), 2);
        assert_eq!(
            s.verifying_keys_at(UnixTime::from_secs(110))[1].kid(),
            Some("b")
        );
        assert_eq!(s.verifying_keys_at(UnixTime::from_secs(150)).len(), 1);
    }

    #[test]
    fn refusals() {
        let mut s = set_of(&["a", "b"]);
        let p = crypto::default_provider();
        assert!(matches!(
            s.add_key(&key("a", 9), None, p),
            Err(KeySetError::DuplicateKid(_))
        ));
        assert!(matches!(
            s.add_key(&key("c", 9).to_public().unwrap(), None, p),
            Err(KeySetError::Unusable(_))
        ));
        let mut hmac = Jwk::symmetric([7u8; 32]);
        hmac.kid = Some("h".into());
        assert!(matches!(
            s.add_key(&hmac, Some(JwsAlgorithm::HS256), p),
            Err(KeySetError::Unusable(_))
        ));
        assert!(matches!(
            s.retire("a", UnixTime::from_secs(1)),
            Err(KeySetError::CurrentKey)
        ));
        assert!(matches!(s.remove("a"), Err(KeySetError::CurrentKey)));
        assert!(matches!(
            s.rotate_to("zz", UnixTime::from_secs(1)),
            Err(KeySetError::UnknownKid(_))
        ));
        s.retire("b", UnixTime::from_secs(1)).unwrap();
        assert!(matches!(
            s.rotate_to("b", UnixTime::from_secs(2)),
            Err(KeySetError::Retired(_))
        ));
        s.remove("b").unwrap();
        assert_eq!(s.verifying_keys_at(UnixTime::from_secs(2)).len(), 1);
        assert!(matches!(
            SigningKeySet::new(1).sign_jwt("JWT", &serde_json::json!({})),
            Err(KeySetError::NoCurrentKey)
        ));
    }

    #[test]
    fn kid_defaults_to_the_thumbprint() {
        let mut s = SigningKeySet::new(1);
        let mut k = key("x", 3);
        k.kid = None;
        let p = crypto::default_provider();
        s.add_key(&k, None, p).unwrap();
        assert_eq!(s.current_kid(), Some(k.thumbprint_sha256(p).as_str()));
    }
}
