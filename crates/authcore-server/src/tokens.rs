//! Opaque credentials: access and refresh tokens, authorization codes, device codes, request
//! URIs and interaction tickets. Each is 256 bits from the caller's [`SecureRandom`], with a
//! type prefix and the id of the hashing key, and is stored only as its keyed hash
//! ([`TokenHash`]): HMAC-SHA-256 under a server key, so a leaked database holds nothing a
//! client could present, and nothing that can be checked offline without the key.
//!
//! The wire form is `<prefix>_<key id>.<base64url of 32 random bytes>`, e.g.
//! `acat_k1.M2Y…`. The prefix says what the credential is (secret scanners match it; a refresh
//! token presented as an access token is refused before any lookup); the key id says which
//! [`HashKey`] hashes it, so the server can rotate to a new key while credentials hashed under
//! the old one stay valid until they expire ([`TokenHashKeys::retire`]).

use core::fmt;
use std::sync::Arc;

use authcore_jose::crypto::{CryptoProvider, SignaturePrimitive};
use authcore_jose::{DigestAlgorithm, SecretBytes, SecureRandom, random_array};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ConfigError, ServerError};
use crate::model::TokenHash;

/// The bytes of randomness in every credential (RFC 6749 §10.10, RFC 9700 §4.5: 256 bits).
pub const CREDENTIAL_BYTES: usize = 32;

/// Longest key id, in bytes.
pub const MAX_KEY_ID_BYTES: usize = 16;

/// What an opaque credential is; its prefix on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// An access token (`acat_`).
    AccessToken,
    /// A refresh token (`acrt_`).
    RefreshToken,
    /// An authorization code (`acac_`).
    AuthorizationCode,
    /// A device code (`acdc_`).
    DeviceCode,
    /// The random part of a pushed request's `request_uri` (`acru_`).
    RequestUri,
    /// An interaction ticket (`acit_`).
    InteractionTicket,
    /// A client secret the server generated (`accs_`).
    ClientSecret,
    /// A registration access token (RFC 7592 §3, `acra_`).
    RegistrationAccessToken,
}

impl CredentialKind {
    /// The wire prefix, including the `_`.
    pub fn prefix(self) -> &'static str {
        match self {
            CredentialKind::AccessToken => "acat_",
            CredentialKind::RefreshToken => "acrt_",
            CredentialKind::AuthorizationCode => "acac_",
            CredentialKind::DeviceCode => "acdc_",
            CredentialKind::RequestUri => "acru_",
            CredentialKind::InteractionTicket => "acit_",
            CredentialKind::ClientSecret => "accs_",
            CredentialKind::RegistrationAccessToken => "acra_",
        }
    }

    /// A one-byte domain separator mixed into the hash, so one kind's hash never equals
    /// another's even for equal random parts.
    fn domain(self) -> u8 {
        match self {
            CredentialKind::AccessToken => 1,
            CredentialKind::RefreshToken => 2,
            CredentialKind::AuthorizationCode => 3,
            CredentialKind::DeviceCode => 4,
            CredentialKind::RequestUri => 5,
            CredentialKind::InteractionTicket => 6,
            CredentialKind::ClientSecret => 7,
            CredentialKind::RegistrationAccessToken => 8,
        }
    }
}

/// One HMAC-SHA-256 key for hashing credentials, with its id.
#[derive(Clone)]
pub struct HashKey {
    id: String,
    mac: Arc<dyn SignaturePrimitive>,
}

impl fmt::Debug for HashKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl HashKey {
    /// A key `id` (1–16 characters of `A-Z a-z 0-9 -`) with secret `key` (at least 32
    /// bytes, RFC 2104 §3: the hash's output length).
    pub fn new(
        id: impl Into<String>,
        key: SecretBytes,
        provider: &'static CryptoProvider,
    ) -> Result<Self, ConfigError> {
        let id = id.into();
        if id.is_empty()
            || id.len() > MAX_KEY_ID_BYTES
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ConfigError::InvalidKeyId(id));
        }
        if key.len() < 32 {
            return Err(ConfigError::WeakKey);
        }
        let mac = provider
            .hmac
            .signer(DigestAlgorithm::Sha256, key.expose())
            .map_err(ConfigError::Crypto)?;
        Ok(HashKey {
            id,
            mac: Arc::from(mac),
        })
    }

    /// A key drawn from `rng`.
    pub fn generate(
        id: impl Into<String>,
        rng: &dyn SecureRandom,
        provider: &'static CryptoProvider,
    ) -> Result<Self, ConfigError> {
        let k: [u8; 32] = random_array(rng).map_err(ConfigError::Crypto)?;
        HashKey::new(id, SecretBytes::new(k.to_vec()), provider)
    }

    /// The key id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn hash(&self, domain: u8, value: &[u8]) -> Result<TokenHash, ServerError> {
        let mut input = Vec::with_capacity(value.len() + 1);
        input.push(domain);
        input.extend_from_slice(value);
        let tag = self.mac.sign(&input).map_err(|_| ServerError::Crypto)?;
        Ok(TokenHash::from_stored(format!(
            "{}.{}",
            self.id,
            URL_SAFE_NO_PAD.encode(tag)
        )))
    }
}

/// The credential-hashing keys: the current one (new credentials) and retired ones (still
/// accepted for credentials hashed under them).
#[derive(Debug, Clone)]
pub struct TokenHashKeys {
    current: HashKey,
    retired: Vec<HashKey>,
}

impl TokenHashKeys {
    /// A set with one key.
    pub fn new(current: HashKey) -> Self {
        TokenHashKeys {
            current,
            retired: Vec::new(),
        }
    }

    /// Makes `next` the current key; the old current key is retired (kept for lookups).
    /// Drop retired keys with [`TokenHashKeys::forget`] once every credential hashed under
    /// them has expired.
    pub fn rotate(&mut self, next: HashKey) -> Result<(), ConfigError> {
        if self.find(next.id()).is_some() {
            return Err(ConfigError::DuplicateKeyId(next.id));
        }
        let old = core::mem::replace(&mut self.current, next);
        self.retired.insert(0, old);
        Ok(())
    }

    /// Adds a retired key (for loading a configuration with several keys).
    pub fn retire(mut self, key: HashKey) -> Result<Self, ConfigError> {
        if self.find(key.id()).is_some() {
            return Err(ConfigError::DuplicateKeyId(key.id));
        }
        self.retired.push(key);
        Ok(self)
    }

    /// Forgets the retired key `id`: credentials hashed under it are no longer found.
    pub fn forget(&mut self, id: &str) {
        self.retired.retain(|k| k.id() != id);
    }

    /// The current key.
    pub fn current(&self) -> &HashKey {
        &self.current
    }

    fn find(&self, id: &str) -> Option<&HashKey> {
        core::iter::once(&self.current)
            .chain(&self.retired)
            .find(|k| k.id() == id)
    }

    /// Draws a new credential of `kind`: the wire form and its hash under the current key.
    pub fn mint(
        &self,
        kind: CredentialKind,
        rng: &dyn SecureRandom,
    ) -> Result<(String, TokenHash), ServerError> {
        let raw: [u8; CREDENTIAL_BYTES] = random_array(rng).map_err(|_| ServerError::Random)?;
        let secret = URL_SAFE_NO_PAD.encode(raw);
        let token = format!("{}{}.{}", kind.prefix(), self.current.id(), secret);
        let hash = self.current.hash(kind.domain(), secret.as_bytes())?;
        Ok((token, hash))
    }

    /// The hash of a presented credential, or `None` when it is not a well-formed credential
    /// of `kind` under a known key (no lookup is needed then: it cannot exist).
    pub fn hash_presented(&self, kind: CredentialKind, presented: &str) -> Option<TokenHash> {
        let rest = presented.strip_prefix(kind.prefix())?;
        let (kid, secret) = rest.split_once('.')?;
        // Exactly the length and alphabet `mint` produces.
        if secret.len() != (CREDENTIAL_BYTES * 4).div_ceil(3)
            || !secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
        let key = self.find(kid)?;
        key.hash(kind.domain(), secret.as_bytes()).ok()
    }

    /// The hash of a low-entropy value the server must find again (a normalized user code)
    /// under the current key. Values hashed this way are found only while that key is
    /// current: rotate no sooner than such values expire.
    pub fn hash_value(&self, kind: CredentialKind, value: &str) -> Result<TokenHash, ServerError> {
        self.current.hash(kind.domain(), value.as_bytes())
    }
}

/// What a JWT access token says (RFC 9068 §2.2), handed to the [`JwtAccessTokenIssuer`]
/// that signs it. The token endpoint fills it; the issuer adds nothing but the signature
/// (and the `typ` `at+jwt` header, RFC 9068 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenContent {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `client_id`.
    pub client_id: String,
    /// `aud`: the resource servers.
    pub audience: Vec<String>,
    /// `scope`.
    pub scopes: Vec<String>,
    /// `iat`.
    pub issued_at: authcore_jose::UnixTime,
    /// `exp`.
    pub expires_at: authcore_jose::UnixTime,
    /// `jti`: 128 random bits, base64url.
    pub jti: String,
    /// `auth_time`, when known.
    pub auth_time: Option<authcore_jose::UnixTime>,
    /// `acr`, when known.
    pub acr: Option<String>,
    /// `cnf`, for sender-constrained tokens.
    pub cnf: Option<crate::model::Confirmation>,
    /// `act`, for tokens issued by delegation (RFC 8693 §4.1).
    pub act: Option<crate::model::Actor>,
}

/// Signs JWT access tokens (RFC 9068) for the resource servers configured with
/// [`AccessTokenFormat::Jwt`](crate::config::AccessTokenFormat::Jwt). The token endpoint
/// decides the content; the issuer holds the signing keys.
pub trait JwtAccessTokenIssuer: Send + Sync + fmt::Debug {
    /// The signed token for `content`, signed with `alg` when the resource server names one
    /// ([`ResourceServer::access_token_signing_alg`](crate::config::ResourceServer)), else
    /// with the issuer's default. An issuer without a key of `alg` fails: a token is never
    /// signed with another algorithm than the resource server was configured for.
    fn issue(
        &self,
        alg: Option<authcore_jose::JwsAlgorithm>,
        content: &AccessTokenContent,
    ) -> Result<String, ServerError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::InsecureTestRandom;

    fn keys(id: &str, seed: u64) -> HashKey {
        HashKey::generate(
            id,
            &InsecureTestRandom::new(seed),
            authcore_jose::crypto::default_provider(),
        )
        .unwrap()
    }

    #[test]
    fn minted_credentials_hash_back_and_carry_their_kind() {
        let set = TokenHashKeys::new(keys("k1", 1));
        let rng = InsecureTestRandom::new(9);
        let (token, hash) = set.mint(CredentialKind::AccessToken, &rng).unwrap();
        assert!(token.starts_with("acat_k1."));
        assert_eq!(token.len(), "acat_k1.".len() + 43);
        assert_eq!(
            set.hash_presented(CredentialKind::AccessToken, &token),
            Some(hash.clone())
        );
        // A token of another kind is not found, even with the prefix swapped.
        assert_eq!(
            set.hash_presented(CredentialKind::RefreshToken, &token),
            None
        );
        let swapped = token.replacen("acat_", "acrt_", 1);
        let other = set.hash_presented(CredentialKind::RefreshToken, &swapped);
        assert!(other.is_some());
        assert_ne!(other, Some(hash.clone()));
        // The stored hash does not contain the secret.
        let secret = token.split_once('.').unwrap().1;
        assert!(!hash.as_str().contains(secret));
    }

    #[test]
    fn malformed_or_unknown_key_credentials_are_not_hashed() {
        let set = TokenHashKeys::new(keys("k1", 1));
        let rng = InsecureTestRandom::new(9);
        let (token, _) = set.mint(CredentialKind::RefreshToken, &rng).unwrap();
        for bad in [
            "",
            "acrt_",
            "acrt_k1.",
            "acrt_k2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "acrt_k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "acrt_k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "acrt_k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
            &token[1..],
        ] {
            assert_eq!(
                set.hash_presented(CredentialKind::RefreshToken, bad),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn rotation_keeps_old_credentials_until_forgotten() {
        let mut set = TokenHashKeys::new(keys("k1", 1));
        let rng = InsecureTestRandom::new(9);
        let (old, old_hash) = set.mint(CredentialKind::AccessToken, &rng).unwrap();
        set.rotate(keys("k2", 2)).unwrap();
        let (new, _) = set.mint(CredentialKind::AccessToken, &rng).unwrap();
        assert!(new.starts_with("acat_k2."));
        assert_eq!(
            set.hash_presented(CredentialKind::AccessToken, &old),
            Some(old_hash)
        );
        assert!(matches!(
            set.rotate(keys("k1", 3)),
            Err(ConfigError::DuplicateKeyId(_))
        ));
        set.forget("k1");
        assert_eq!(set.hash_presented(CredentialKind::AccessToken, &old), None);
    }

    #[test]
    fn key_ids_and_key_sizes_are_checked() {
        let p = authcore_jose::crypto::default_provider();
        for bad in ["", "a.b", "a_b", "seventeen-chars-x"] {
            assert!(matches!(
                HashKey::new(bad, SecretBytes::new(vec![0; 32]), p),
                Err(ConfigError::InvalidKeyId(_))
            ));
        }
        assert!(matches!(
            HashKey::new("k", SecretBytes::new(vec![0; 31]), p),
            Err(ConfigError::WeakKey)
        ));
    }
}
