//! The provider's keys as one stored document: the ID token and JWT signing keys with their
//! rotation states, the credential-hashing keys, the pairwise subject salt and the cookie keys.
//!
//! The document lives in the [`ProviderStore`] ([`ProviderStore::keys`] /
//! [`ProviderStore::replace_keys`]) so every instance sharing a store signs with the same keys
//! and sees one rotation. It holds private key material: a store keeps it where it keeps its
//! other secrets.
//!
//! # Format (version 1)
//!
//! A JSON object:
//!
//! ```json
//! {
//!   "format": 1,
//!   "retention": 86400,
//!   "signing": [
//!     { "state": "current", "created_at": 1800000000, "jwk": { "kty": "RSA", "kid": "…", "alg": "RS256", "d": "…", … } },
//!     { "state": "active",  "created_at": 1800000000, "jwk": { "kty": "EC", "alg": "ES256", … } },
//!     { "state": "next",    "created_at": 1800000000, "jwk": { … } },
//!     { "state": "retired", "created_at": 1700000000, "retired_at": 1800000000, "jwk": { … } }
//!   ],
//!   "token_hashing":  [ { "id": "t1", "key": "<base64url, 32 bytes>" } ],
//!   "secret_hashing": [ { "id": "s1", "key": "…" } ],
//!   "pairwise_salt": "<base64url, 32 bytes>",
//!   "cookie_keys":    [ { "id": "c1", "key": "…" } ],
//!   "dpop_nonce_key": { "id": "n1", "key": "…" }
//! }
//! ```
//!
//! - `signing`: private JWKs (RFC 7517) with their `kid` and `alg`. Exactly one key is
//!   `current`: it signs ID tokens and JWT access tokens by default (RS256 on a fresh
//!   document, OpenID Connect Core §15.1's mandatory algorithm). `active` keys sign for
//!   clients that registered their algorithm (`id_token_signed_response_alg`). `next` keys are
//!   published in the JWK Set ahead of their use, so relying parties have them cached when a
//!   rotation makes them sign. `retired` keys no longer sign and stay published and accepted
//!   for `retention` seconds after `retired_at`, so tokens they signed stay valid until they
//!   expire; the set's rules are [`SigningKeySet`]'s.
//! - `token_hashing`, `secret_hashing`, `cookie_keys`: HMAC keys, the first one current, the
//!   others still accepted (credentials hashed or cookies signed under them are found).
//! - `dpop_nonce_key`: the secret of the stateless DPoP server nonces (RFC 9449 §8), shared by
//!   every instance; optional (a document without it gets one at its next rotation).
//! - `pairwise_salt`: the secret of pairwise subject identifiers (OpenID Connect Core §8.1);
//!   it never changes, since changing it changes every pairwise `sub`.
//!
//! A document of another `format` is refused rather than guessed at.

use std::sync::Arc;

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{Jwk, JwsAlgorithm, SecretBytes, SecureRandom, UnixTime, random_array};
use authcore_server::config::AccessTokenFormat;
use authcore_server::signing_keys::{KeySetError, SigningKeySet};
use authcore_server::tokens::{HashKey, TokenHashKeys};
use authcore_server::{ConfigError, ServerConfig, ServerKeys};
use serde::{Deserialize, Serialize};

use crate::store::{ProviderStore, StoreError};

/// The document format this crate writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// The signing algorithms a provider offers, one key each: RS256 (the OpenID Connect default,
/// the current signer of a fresh document), ES256 and EdDSA.
pub const SIGNING_ALGORITHMS: [JwsAlgorithm; 3] = [
    JwsAlgorithm::RS256,
    JwsAlgorithm::ES256,
    JwsAlgorithm::EdDSA,
];

/// How long retired signing keys stay published by default: one day, longer than the
/// default lifetimes of the tokens they sign (ID tokens and access tokens, one hour).
pub const DEFAULT_RETENTION: u64 = 24 * 3600;

/// How many times [`load_or_init`] and [`rotate_stored`] read again after losing the
/// compare-and-set to another instance before giving up.
const MAX_STORE_ATTEMPTS: usize = 8;

/// Why the keys document could not be made, read or used.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeysError {
    /// The stored document is not valid JSON of this format.
    Malformed(String),
    /// The stored document has a `format` this version does not know.
    UnsupportedFormat(u64),
    /// The document breaks a rule of the format (no current key, two current keys, …).
    Invalid(&'static str),
    /// A signing key was refused by the key set.
    KeySet(KeySetError),
    /// A hashing key was refused.
    Config(ConfigError),
    /// Key generation or the random source failed.
    Jose(authcore_jose::Error),
    /// The store failed.
    Store(StoreError),
    /// The compare-and-set kept failing: other instances keep replacing the document.
    Contended,
}

impl std::fmt::Display for KeysError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeysError::Malformed(why) => write!(f, "the keys document is malformed: {why}"),
            KeysError::UnsupportedFormat(v) => {
                write!(f, "the keys document has unknown format {v}")
            }
            KeysError::Invalid(why) => write!(f, "the keys document is invalid: {why}"),
            KeysError::KeySet(e) => write!(f, "signing key refused: {e}"),
            KeysError::Config(e) => write!(f, "hashing key refused: {e}"),
            KeysError::Jose(e) => write!(f, "key generation failed: {e}"),
            KeysError::Store(e) => write!(f, "{e}"),
            KeysError::Contended => {
                f.write_str("the keys document kept changing while it was being replaced")
            }
        }
    }
}

impl std::error::Error for KeysError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeysError::KeySet(e) => Some(e),
            KeysError::Config(e) => Some(e),
            KeysError::Jose(e) => Some(e),
            KeysError::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<KeySetError> for KeysError {
    fn from(e: KeySetError) -> Self {
        KeysError::KeySet(e)
    }
}

impl From<ConfigError> for KeysError {
    fn from(e: ConfigError) -> Self {
        KeysError::Config(e)
    }
}

impl From<authcore_jose::Error> for KeysError {
    fn from(e: authcore_jose::Error) -> Self {
        KeysError::Jose(e)
    }
}

impl From<StoreError> for KeysError {
    fn from(e: StoreError) -> Self {
        KeysError::Store(e)
    }
}

/// The rotation state of one signing key (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SigningKeyState {
    /// The default signer; exactly one key is current.
    Current,
    /// Signs for clients that registered its algorithm.
    Active,
    /// Published ahead of its use; a rotation makes it sign.
    Next,
    /// No longer signs; published and accepted until `retired_at` plus the retention.
    Retired {
        /// When the key was retired (seconds since the epoch).
        retired_at: u64,
    },
}

/// One signing key of the document.
#[derive(Clone, Serialize, Deserialize)]
pub struct SigningKeyEntry {
    /// Its state.
    #[serde(flatten)]
    pub state: SigningKeyState,
    /// When it was generated (seconds since the epoch).
    pub created_at: u64,
    /// The private JWK, with `kid` and `alg`.
    pub jwk: Jwk,
}

impl SigningKeyEntry {
    /// The key's `kid`.
    pub fn kid(&self) -> &str {
        self.jwk.kid.as_deref().unwrap_or("")
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Option<JwsAlgorithm> {
        self.jwk.jws_algorithm()
    }
}

impl std::fmt::Debug for SigningKeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyEntry")
            .field("kid", &self.kid())
            .field("alg", &self.jwk.alg)
            .field("state", &self.state)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// One HMAC key of the document: an id and 32 or more secret bytes.
#[derive(Clone, Serialize, Deserialize)]
pub struct SecretKeyEntry {
    /// The key id (1–16 characters of `A-Z a-z 0-9 -`).
    pub id: String,
    /// The secret, base64url without padding.
    #[serde(with = "b64_secret")]
    pub key: SecretBytes,
}

impl std::fmt::Debug for SecretKeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKeyEntry")
            .field("id", &self.id)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

impl SecretKeyEntry {
    fn generate(id: &str, rng: &dyn SecureRandom) -> Result<Self, KeysError> {
        let k: [u8; 32] = random_array(rng)?;
        Ok(SecretKeyEntry {
            id: id.to_owned(),
            key: SecretBytes::new(k.to_vec()),
        })
    }
}

mod b64_secret {
    use authcore_jose::SecretBytes;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(k: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&URL_SAFE_NO_PAD.encode(k.expose()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
        let s = String::deserialize(d)?;
        URL_SAFE_NO_PAD
            .decode(s.as_bytes())
            .map(SecretBytes::new)
            .map_err(serde::de::Error::custom)
    }
}

/// The provider's keys (see the [module documentation](self) for the stored format).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysDocument {
    format: u64,
    /// Seconds a retired signing key stays published and accepted.
    pub retention: u64,
    /// The signing keys.
    pub signing: Vec<SigningKeyEntry>,
    /// The credential-hashing keys, the current one first.
    pub token_hashing: Vec<SecretKeyEntry>,
    /// The generated-client-secret hashing keys, the current one first.
    pub secret_hashing: Vec<SecretKeyEntry>,
    /// The pairwise subject salt.
    #[serde(with = "b64_secret")]
    pub pairwise_salt: SecretBytes,
    /// The cookie signing keys, the current one first.
    pub cookie_keys: Vec<SecretKeyEntry>,
    /// The DPoP server nonce secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_nonce_key: Option<SecretKeyEntry>,
}

impl std::fmt::Debug for KeysDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeysDocument")
            .field("format", &self.format)
            .field("retention", &self.retention)
            .field("signing", &self.signing)
            .field("token_hashing", &self.token_hashing)
            .field("secret_hashing", &self.secret_hashing)
            .field("cookie_keys", &self.cookie_keys)
            .finish_non_exhaustive()
    }
}

/// A private signing key for `alg` from `rng`, its `kid` the RFC 7638 thumbprint.
fn generate_signing_key(
    alg: JwsAlgorithm,
    state: SigningKeyState,
    provider: &'static CryptoProvider,
    rng: &dyn SecureRandom,
    now: UnixTime,
) -> Result<SigningKeyEntry, KeysError> {
    let mut jwk = Jwk::generate(alg, provider, rng)?;
    jwk.kid = Some(jwk.thumbprint_sha256(provider));
    jwk.key_use = Some("sig".to_owned());
    Ok(SigningKeyEntry {
        state,
        created_at: now.as_secs(),
        jwk,
    })
}

impl KeysDocument {
    /// A fresh document: for each of [`SIGNING_ALGORITHMS`] a signing key (the RS256 one
    /// current, the others active) and a `next` key published ahead of its use; new hashing
    /// keys (`t1`, `s1`), pairwise salt and cookie key (`c1`), all drawn from `rng`.
    pub fn generate(rng: &dyn SecureRandom, now: UnixTime) -> Result<Self, KeysError> {
        let provider = authcore_jose::crypto::default_provider();
        let mut signing = Vec::new();
        for (i, alg) in SIGNING_ALGORITHMS.into_iter().enumerate() {
            let state = if i == 0 {
                SigningKeyState::Current
            } else {
                SigningKeyState::Active
            };
            signing.push(generate_signing_key(alg, state, provider, rng, now)?);
        }
        for alg in SIGNING_ALGORITHMS {
            signing.push(generate_signing_key(
                alg,
                SigningKeyState::Next,
                provider,
                rng,
                now,
            )?);
        }
        let salt: [u8; 32] = random_array(rng)?;
        let doc = KeysDocument {
            format: FORMAT_VERSION,
            retention: DEFAULT_RETENTION,
            signing,
            token_hashing: vec![SecretKeyEntry::generate("t1", rng)?],
            secret_hashing: vec![SecretKeyEntry::generate("s1", rng)?],
            pairwise_salt: SecretBytes::new(salt.to_vec()),
            cookie_keys: vec![SecretKeyEntry::generate("c1", rng)?],
            dpop_nonce_key: Some(SecretKeyEntry::generate("n1", rng)?),
        };
        doc.check(provider)?;
        Ok(doc)
    }

    /// Rotates the signing keys at `now`, per algorithm: the `next` key takes over (the
    /// current signer's successor becomes current, the others active), the key it replaces is
    /// retired at `now` (still accepted for [`KeysDocument::retention`] seconds), and a new
    /// `next` key is generated and published ahead of its use. Retired keys whose retention
    /// has ended are dropped. An algorithm with no `next` key gets a fresh one that takes over
    /// at once (a document edited by hand); rotate again later to restore the lead time.
    ///
    /// The hashing keys, the salt and the cookie keys are not rotated: credentials and
    /// sessions issued under them would be lost.
    pub fn rotate(&mut self, rng: &dyn SecureRandom, now: UnixTime) -> Result<(), KeysError> {
        let provider = authcore_jose::crypto::default_provider();
        let current_alg = self
            .signing
            .iter()
            .find(|e| e.state == SigningKeyState::Current)
            .and_then(SigningKeyEntry::algorithm)
            .ok_or(KeysError::Invalid("no current signing key"))?;
        let mut algs: Vec<JwsAlgorithm> = Vec::new();
        for e in &self.signing {
            if let Some(a) = e.algorithm()
                && !matches!(e.state, SigningKeyState::Retired { .. })
                && !algs.contains(&a)
            {
                algs.push(a);
            }
        }
        for alg in algs {
            let of_alg = |e: &SigningKeyEntry| e.algorithm() == Some(alg);
            let successor_state = if alg == current_alg {
                SigningKeyState::Current
            } else {
                SigningKeyState::Active
            };
            let next = match self
                .signing
                .iter()
                .position(|e| of_alg(e) && e.state == SigningKeyState::Next)
            {
                Some(i) => i,
                None => {
                    let fresh =
                        generate_signing_key(alg, SigningKeyState::Next, provider, rng, now)?;
                    self.signing.push(fresh);
                    self.signing.len() - 1
                }
            };
            for e in self.signing.iter_mut().filter(|e| of_alg(e)) {
                if matches!(e.state, SigningKeyState::Current | SigningKeyState::Active) {
                    e.state = SigningKeyState::Retired {
                        retired_at: now.as_secs(),
                    };
                }
            }
            self.signing[next].state = successor_state;
            self.signing.push(generate_signing_key(
                alg,
                SigningKeyState::Next,
                provider,
                rng,
                now,
            )?);
        }
        if self.dpop_nonce_key.is_none() {
            self.dpop_nonce_key = Some(SecretKeyEntry::generate("n1", rng)?);
        }
        let retention = self.retention;
        self.signing.retain(|e| match e.state {
            SigningKeyState::Retired { retired_at } => {
                now.as_secs() < retired_at.saturating_add(retention)
            }
            _ => true,
        });
        self.check(provider)
    }

    /// Reads a document (see the [module documentation](self) for the format).
    pub fn parse(json: &str) -> Result<Self, KeysError> {
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| KeysError::Malformed(e.to_string()))?;
        match v.get("format").and_then(serde_json::Value::as_u64) {
            Some(FORMAT_VERSION) => {}
            Some(other) => return Err(KeysError::UnsupportedFormat(other)),
            None => return Err(KeysError::Malformed("no `format` member".into())),
        }
        let doc: KeysDocument =
            serde_json::from_value(v).map_err(|e| KeysError::Malformed(e.to_string()))?;
        doc.check(authcore_jose::crypto::default_provider())?;
        Ok(doc)
    }

    /// The document as JSON, private keys included.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("the keys document serializes")
    }

    /// The format's rules: one current key, every key private with a `kid` and an `alg`,
    /// unique kids, at least one key of each HMAC set, and every key usable.
    fn check(&self, provider: &'static CryptoProvider) -> Result<(), KeysError> {
        let current = self
            .signing
            .iter()
            .filter(|e| e.state == SigningKeyState::Current)
            .count();
        if current != 1 {
            return Err(KeysError::Invalid(
                "exactly one signing key must be current",
            ));
        }
        for (i, e) in self.signing.iter().enumerate() {
            if e.jwk.kid.is_none() || e.algorithm().is_none() {
                return Err(KeysError::Invalid(
                    "every signing key needs `kid` and `alg`",
                ));
            }
            if self.signing[..i].iter().any(|o| o.kid() == e.kid()) {
                return Err(KeysError::Invalid("two signing keys share a `kid`"));
            }
        }
        if self.token_hashing.is_empty()
            || self.secret_hashing.is_empty()
            || self.cookie_keys.is_empty()
        {
            return Err(KeysError::Invalid("a hashing or cookie key set is empty"));
        }
        if self.pairwise_salt.len() < 32 {
            return Err(KeysError::Invalid(
                "the pairwise salt is shorter than 32 bytes",
            ));
        }
        for k in self.cookie_keys.iter().chain(&self.dpop_nonce_key) {
            if k.key.len() < 32 {
                return Err(KeysError::Invalid(
                    "a cookie or DPoP nonce key is shorter than 32 bytes",
                ));
            }
        }
        // Builds everything once: a key the set or the HMAC layer refuses fails here, when
        // the document is read, not on the first request.
        self.signing_key_set(provider)?;
        hash_keys(&self.token_hashing, provider)?;
        hash_keys(&self.secret_hashing, provider)?;
        Ok(())
    }

    /// The signing keys as the core's [`SigningKeySet`]: the current key first, then the
    /// active keys (they sign for their algorithm), then the `next` keys, then the retired
    /// ones with their retirement times.
    pub fn signing_key_set(
        &self,
        provider: &'static CryptoProvider,
    ) -> Result<SigningKeySet, KeysError> {
        let mut set = SigningKeySet::new(self.retention);
        let rank = |s: &SigningKeyState| match s {
            SigningKeyState::Current => 0,
            SigningKeyState::Active => 1,
            SigningKeyState::Next => 2,
            SigningKeyState::Retired { .. } => 3,
        };
        let mut ordered: Vec<&SigningKeyEntry> = self.signing.iter().collect();
        ordered.sort_by_key(|e| rank(&e.state));
        for e in &ordered {
            set.add_key(&e.jwk, e.algorithm(), provider)?;
        }
        for e in ordered {
            if let SigningKeyState::Retired { retired_at } = e.state {
                set.retire(e.kid(), UnixTime::from_secs(retired_at))?;
            }
        }
        Ok(set)
    }

    /// The core's keys at `now`: the hashing keys, the ID token signing set (retired keys past
    /// their retention left out), the pairwise salt, and, when a resource server of `config`
    /// takes JWT access tokens (RFC 9068), the same set as their signer. Retired signing keys
    /// are kept for at least the longest lifetime of the tokens they sign.
    pub fn server_keys(
        &self,
        provider: &'static CryptoProvider,
        config: &ServerConfig,
        now: UnixTime,
    ) -> Result<ServerKeys, KeysError> {
        let mut doc = self.clone();
        doc.retention = self
            .retention
            .max(config.lifetimes.id_token)
            .max(config.lifetimes.access_token);
        let mut set = doc.signing_key_set(provider)?;
        set.prune(now);
        let set = Arc::new(set);
        let mut keys = ServerKeys::new(
            provider,
            hash_keys(&self.token_hashing, provider)?,
            hash_keys(&self.secret_hashing, provider)?,
        )
        .with_id_token_signing(set.clone())
        .with_pairwise_salt(self.pairwise_salt.clone());
        if config
            .resource_servers
            .iter()
            .any(|r| r.access_token_format == AccessTokenFormat::Jwt)
        {
            keys.jwt_access_tokens = Some(set);
        }
        Ok(keys)
    }

    /// Stateless DPoP server nonces (RFC 9449 §8) under the document's nonce key, changing
    /// every `window_secs` seconds; for [`ServerKeys::with_dpop_nonces`].
    pub fn dpop_nonces(
        &self,
        window_secs: u64,
        provider: &CryptoProvider,
    ) -> Result<authcore_server::dpop::DpopNonces, KeysError> {
        let key = self.dpop_nonce_key.as_ref().ok_or(KeysError::Invalid(
            "the document has no DPoP nonce key yet; rotate the keys to add one",
        ))?;
        Ok(authcore_server::dpop::DpopNonces::new(
            key.key.expose(),
            window_secs,
            provider,
        )?)
    }

    /// The cookie keys, the current one first.
    pub fn cookie_keys(&self) -> &[SecretKeyEntry] {
        &self.cookie_keys
    }

    /// The current signing key's `kid`.
    pub fn current_kid(&self) -> Option<&str> {
        self.signing
            .iter()
            .find(|e| e.state == SigningKeyState::Current)
            .map(SigningKeyEntry::kid)
    }
}

fn hash_keys(
    entries: &[SecretKeyEntry],
    provider: &'static CryptoProvider,
) -> Result<TokenHashKeys, KeysError> {
    let (first, rest) = entries
        .split_first()
        .ok_or(KeysError::Invalid("a hashing key set is empty"))?;
    let mut set = TokenHashKeys::new(HashKey::new(&first.id, first.key.clone(), provider)?);
    for k in rest {
        set = set.retire(HashKey::new(&k.id, k.key.clone(), provider)?)?;
    }
    Ok(set)
}

/// The stored keys document, or a new one stored if there is none yet. Two instances starting
/// at once both generate one, but the store's compare-and-set keeps exactly one: the loser reads
/// the winner's. Returns the document and its stored version.
pub async fn load_or_init(
    store: &dyn ProviderStore,
    rng: &dyn SecureRandom,
    now: UnixTime,
) -> Result<(KeysDocument, u64), KeysError> {
    for _ in 0..MAX_STORE_ATTEMPTS {
        if let Some(stored) = store.keys().await? {
            return Ok((KeysDocument::parse(&stored.document)?, stored.version));
        }
        let doc = KeysDocument::generate(rng, now)?;
        if store.replace_keys(None, doc.to_json()).await? {
            return Ok((doc, 1));
        }
    }
    Err(KeysError::Contended)
}

/// Rotates the stored document ([`KeysDocument::rotate`]) with the compare-and-set: when
/// another instance replaced it meanwhile, reads it again and rotates that one. Returns the
/// new document and version.
pub async fn rotate_stored(
    store: &dyn ProviderStore,
    rng: &dyn SecureRandom,
    now: UnixTime,
) -> Result<(KeysDocument, u64), KeysError> {
    for _ in 0..MAX_STORE_ATTEMPTS {
        let (mut doc, version) = load_or_init(store, rng, now).await?;
        doc.rotate(rng, now)?;
        if store.replace_keys(Some(version), doc.to_json()).await? {
            return Ok((doc, version + 1));
        }
    }
    Err(KeysError::Contended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::InsecureTestRandom;

    fn now() -> UnixTime {
        UnixTime::from_secs(1_800_000_000)
    }

    fn fresh() -> KeysDocument {
        KeysDocument::generate(&InsecureTestRandom::new(1), now()).unwrap()
    }

    fn state_of(doc: &KeysDocument, alg: JwsAlgorithm, state: SigningKeyState) -> Vec<String> {
        doc.signing
            .iter()
            .filter(|e| e.algorithm() == Some(alg) && e.state == state)
            .map(|e| e.kid().to_owned())
            .collect()
    }

    #[test]
    fn a_fresh_document_signs_rs256_and_publishes_every_key() {
        let doc = fresh();
        let config = ServerConfig::new("https://op.example").unwrap();
        let keys = doc
            .server_keys(authcore_jose::crypto::default_provider(), &config, now())
            .unwrap();
        let set = keys.id_token_signing.as_ref().unwrap();
        assert_eq!(set.current_algorithm(), Some(JwsAlgorithm::RS256));
        assert_eq!(set.current_kid(), doc.current_kid());
        // Three in use and three published ahead.
        assert_eq!(set.jwks_at(now()).keys.len(), 6);
        assert!(keys.pairwise_salt.is_some());
        assert!(keys.jwt_access_tokens.is_none());
        for alg in SIGNING_ALGORITHMS {
            assert_eq!(state_of(&doc, alg, SigningKeyState::Next).len(), 1);
        }
    }

    #[test]
    fn the_document_round_trips_through_json() {
        let doc = fresh();
        let json = doc.to_json();
        assert!(json.starts_with('{'));
        let back = KeysDocument::parse(&json).unwrap();
        assert_eq!(back.to_json(), json);
        assert_eq!(back.current_kid(), doc.current_kid());
    }

    #[test]
    fn rotation_promotes_the_published_key_and_keeps_the_old_one_for_the_retention() {
        let mut doc = fresh();
        let next_rs = state_of(&doc, JwsAlgorithm::RS256, SigningKeyState::Next);
        let old_rs = doc.current_kid().unwrap().to_owned();
        doc.rotate(&InsecureTestRandom::new(2), now()).unwrap();
        assert_eq!(doc.current_kid(), Some(next_rs[0].as_str()));
        let retired = SigningKeyState::Retired {
            retired_at: now().as_secs(),
        };
        assert_eq!(
            state_of(&doc, JwsAlgorithm::RS256, retired),
            vec![old_rs.clone()]
        );
        // A new next key for each algorithm, different from the ones that took over.
        for alg in SIGNING_ALGORITHMS {
            let next = state_of(&doc, alg, SigningKeyState::Next);
            assert_eq!(next.len(), 1);
            assert_ne!(next, state_of(&doc, alg, SigningKeyState::Current));
        }
        let config = ServerConfig::new("https://op.example").unwrap();
        let p = authcore_jose::crypto::default_provider();
        let keys = doc.server_keys(p, &config, now()).unwrap();
        let set = keys.id_token_signing.unwrap();
        assert!(set.jwks_at(now()).find(&old_rs).is_some());
        // After the retention the retired key is neither published nor kept by a rotation.
        let later = now().saturating_add(DEFAULT_RETENTION);
        assert!(set.jwks_at(later).find(&old_rs).is_none());
        doc.rotate(&InsecureTestRandom::new(4), later).unwrap();
        assert!(doc.signing.iter().all(|e| e.kid() != old_rs));
        KeysDocument::parse(&doc.to_json()).unwrap();
    }

    #[test]
    fn dpop_nonces_come_from_the_document_and_older_documents_get_a_key_at_rotation() {
        let p = authcore_jose::crypto::default_provider();
        let doc = fresh();
        let nonces = doc.dpop_nonces(60, p).unwrap();
        let again = KeysDocument::parse(&doc.to_json()).unwrap();
        // Every instance reading the document accepts the others' nonces.
        assert!(
            again
                .dpop_nonces(60, p)
                .unwrap()
                .accepts(&nonces.issue(now()), now())
        );
        assert!(doc.dpop_nonces(0, p).is_err());
        let mut v: serde_json::Value = serde_json::from_str(&doc.to_json()).unwrap();
        v.as_object_mut().unwrap().remove("dpop_nonce_key");
        let mut old = KeysDocument::parse(&v.to_string()).unwrap();
        assert!(matches!(old.dpop_nonces(60, p), Err(KeysError::Invalid(_))));
        old.rotate(&InsecureTestRandom::new(6), now()).unwrap();
        assert!(old.dpop_nonces(60, p).is_ok());
    }

    #[test]
    fn jwt_access_tokens_are_signed_when_a_resource_server_takes_them() {
        let mut config = ServerConfig::new("https://op.example").unwrap();
        let mut rs = authcore_server::config::ResourceServer::new("https://api.example");
        rs.access_token_format = AccessTokenFormat::Jwt;
        config.resource_servers.push(rs);
        let keys = fresh()
            .server_keys(authcore_jose::crypto::default_provider(), &config, now())
            .unwrap();
        assert!(keys.jwt_access_tokens.is_some());
    }

    #[test]
    fn broken_documents_are_refused() {
        let good: serde_json::Value = serde_json::from_str(&fresh().to_json()).unwrap();
        let mut cases: Vec<(serde_json::Value, &str)> = Vec::new();
        let mut v = good.clone();
        v["format"] = 2.into();
        cases.push((v, "format"));
        let mut v = good.clone();
        v.as_object_mut().unwrap().remove("format");
        cases.push((v, "no format"));
        let mut v = good.clone();
        v["signing"][1]["state"] = "current".into();
        cases.push((v, "two current"));
        let mut v = good.clone();
        v["signing"][0]["state"] = "active".into();
        cases.push((v, "no current"));
        let mut v = good.clone();
        v["signing"][1]["jwk"]["kid"] = v["signing"][0]["jwk"]["kid"].clone();
        cases.push((v, "duplicate kid"));
        let mut v = good.clone();
        v["signing"][0]["jwk"].as_object_mut().unwrap().remove("d");
        cases.push((v, "public key"));
        let mut v = good.clone();
        v["token_hashing"] = serde_json::json!([]);
        cases.push((v, "no hashing key"));
        let mut v = good.clone();
        v["cookie_keys"][0]["key"] = "AAAA".into();
        cases.push((v, "short cookie key"));
        let mut v = good.clone();
        v["pairwise_salt"] = "not base64!".into();
        cases.push((v, "bad salt"));
        let mut v = good.clone();
        v["dpop_nonce_key"]["key"] = "AAAA".into();
        cases.push((v, "short nonce key"));
        let mut v = good.clone();
        v["surprise"] = true.into();
        cases.push((v, "unknown member"));
        for (doc, what) in cases {
            assert!(KeysDocument::parse(&doc.to_string()).is_err(), "{what}");
        }
        for junk in ["", "[]", "{", "null", "{\"format\":\"1\"}"] {
            assert!(KeysDocument::parse(junk).is_err(), "{junk}");
        }
        assert!(matches!(
            KeysDocument::parse("{\"format\":7}"),
            Err(KeysError::UnsupportedFormat(7))
        ));
    }

    #[test]
    fn debug_output_hides_key_material() {
        let doc = fresh();
        let dbg = format!("{doc:?}");
        let json: serde_json::Value = serde_json::from_str(&doc.to_json()).unwrap();
        let d = json["signing"][0]["jwk"]["d"].as_str().unwrap();
        assert!(!dbg.contains(d));
        assert!(!dbg.contains(json["cookie_keys"][0]["key"].as_str().unwrap()));
        assert!(!dbg.contains(json["pairwise_salt"].as_str().unwrap()));
    }

    proptest::proptest! {
        /// The document parser refuses anything malformed without panicking.
        #[test]
        fn any_text_is_parsed_or_refused(text in ".{0,400}") {
            proptest::prop_assert!(KeysDocument::parse(&text).is_err());
        }
    }
}
