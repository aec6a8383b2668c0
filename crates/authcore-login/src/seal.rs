//! Sealed cookies: JWE `dir` + `A256GCM` (RFC 7516, RFC 7518 §4.5, §5.3) under a key set
//! identified by `kid`, so keys rotate without logging everyone out.

use std::fmt;

use authcore_jose::jwe::{self, DecryptionKey, EncryptionKey, JweBuilder, JweOptions};
use authcore_jose::{ContentEncryptionAlgorithm, KeyManagementAlgorithm, crypto};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::clock::Sources;

/// The largest sealed value the layer reads or writes. Browsers keep at least 4096 bytes per
/// cookie, name and attributes included (RFC 6265 §6.1); the attributes take about 100.
pub const MAX_SEALED_COOKIE_BYTES: usize = 3900;

/// What a sealed value is for, written as the JWE's `cty` (RFC 7516 §4.1.12) and checked on
/// opening, so a pending sign-in cookie can never be read as a session, nor the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Session,
    Pending,
}

impl Purpose {
    fn cty(self) -> &'static str {
        match self {
            Purpose::Session => "authcore-login-session",
            Purpose::Pending => "authcore-login-pending",
        }
    }
}

/// The keys that seal the layer's cookies: one current key that seals, and earlier keys that
/// still open what they sealed (rotation). Each is a 256-bit AES-GCM key with a `kid`.
///
/// ```
/// use authcore_login::SessionKeys;
/// // Rotation: the new key seals; cookies sealed under "2026-11" are still read.
/// let keys = SessionKeys::new("2026-12", [1u8; 32])?.with_previous("2026-11", [2u8; 32])?;
/// assert_eq!(keys.current_kid(), "2026-12");
/// # Ok::<(), authcore_login::Error>(())
/// ```
pub struct SessionKeys {
    current: (String, EncryptionKey),
    open: Vec<(String, DecryptionKey)>,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Key ids only: the keys are secrets.
        f.debug_struct("SessionKeys")
            .field("current", &self.current.0)
            .field(
                "previous",
                &self.open.iter().skip(1).map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SessionKeys {
    /// A key set whose current key is `key`, named `kid`.
    pub fn new(kid: impl Into<String>, key: [u8; 32]) -> Result<Self, Error> {
        let kid = kid.into();
        check_kid(&kid)?;
        let provider = crypto::default_provider();
        let seal = EncryptionKey::symmetric(KeyManagementAlgorithm::Dir, &key, provider)
            .map_err(Error::Seal)?
            .with_kid(kid.clone());
        let open = opener(&key)?;
        Ok(SessionKeys {
            current: (kid.clone(), seal),
            open: vec![(kid, open)],
        })
    }

    /// A key set with a fresh random key from the system's generator: for development, as
    /// every restart then signs everyone out (and instances do not share it).
    pub fn generate(kid: impl Into<String>) -> Result<Self, Error> {
        let mut key = [0u8; 32];
        crypto::default_provider()
            .system_random()
            .fill(&mut key)
            .map_err(|_| Error::Random)?;
        Self::new(kid, key)
    }

    /// A key from its base64url form (43 characters, no padding: how a 32-byte key is kept
    /// in an environment variable or a secret store).
    pub fn decode_key(text: &str) -> Result<[u8; 32], Error> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| Error::Config("a session key must be base64url without padding".into()))?;
        bytes.try_into().map_err(|_| {
            Error::Config("a session key must be 32 bytes (43 base64url characters)".into())
        })
    }

    /// Adds an earlier key: cookies it sealed are still opened, and re-sealed under the
    /// current key when next written.
    pub fn with_previous(mut self, kid: impl Into<String>, key: [u8; 32]) -> Result<Self, Error> {
        let kid = kid.into();
        check_kid(&kid)?;
        if self.open.iter().any(|(k, _)| *k == kid) {
            return Err(Error::Config(format!(
                "session key id `{kid}` is used twice"
            )));
        }
        self.open.push((kid, opener(&key)?));
        Ok(self)
    }

    /// The `kid` of the key that seals.
    pub fn current_kid(&self) -> &str {
        &self.current.0
    }

    /// Seals `value` as JSON for `purpose`, refusing results over the cookie cap.
    pub(crate) fn seal(
        &self,
        purpose: Purpose,
        value: &impl Serialize,
        sources: &Sources,
    ) -> Result<String, Error> {
        let json = serde_json::to_vec(value)
            .map_err(|e| Error::Config(format!("a sealed value did not serialize: {e}")))?;
        let sealed = JweBuilder::new(ContentEncryptionAlgorithm::A256Gcm)
            .cty(purpose.cty())
            .compress()
            .recipient(&self.current.1)
            .encrypt_compact(&json, sources.rng)
            .map_err(Error::Seal)?;
        if sealed.len() > MAX_SEALED_COOKIE_BYTES {
            return Err(Error::CookieTooLarge {
                needed: sealed.len(),
                limit: MAX_SEALED_COOKIE_BYTES,
            });
        }
        Ok(sealed)
    }

    /// Opens a value sealed for `purpose` by one of the keys; `None` for anything else (a
    /// tampered, truncated or foreign value, an unknown `kid`, another purpose, JSON of
    /// another shape). Never panics on any input.
    pub(crate) fn open<T: DeserializeOwned>(&self, purpose: Purpose, sealed: &str) -> Option<T> {
        if sealed.len() > MAX_SEALED_COOKIE_BYTES {
            return None;
        }
        let header = jwe::decode_header_unverified(sealed).ok()?;
        let kid = header.kid.as_deref()?;
        let (_, key) = self.open.iter().find(|(k, _)| k == kid)?;
        let options = JweOptions::default().with_max_bytes(MAX_SEALED_COOKIE_BYTES);
        let opened = jwe::decrypt_compact(sealed, key, &options).ok()?;
        if opened.header.cty.as_deref() != Some(purpose.cty()) {
            return None;
        }
        serde_json::from_slice(&opened.plaintext).ok()
    }
}

fn opener(key: &[u8; 32]) -> Result<DecryptionKey, Error> {
    Ok(
        DecryptionKey::symmetric(KeyManagementAlgorithm::Dir, key, crypto::default_provider())
            .map_err(Error::Seal)?
            .with_content_encryption(&[ContentEncryptionAlgorithm::A256Gcm]),
    )
}

/// Key ids travel in a cookie header: short, printable, no separators.
fn check_kid(kid: &str) -> Result<(), Error> {
    if kid.is_empty()
        || kid.len() > 64
        || !kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(Error::Config(format!(
            "session key id `{kid}` must be 1 to 64 characters of A-Z a-z 0-9 - _ ."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn sources() -> Sources {
        Sources {
            clock: Arc::new(crate::SystemClock),
            rng: crypto::default_provider().system_random(),
        }
    }

    #[test]
    fn round_trip_and_rotation() {
        let old = SessionKeys::new("a", [1; 32]).unwrap();
        let sealed = old.seal(Purpose::Session, &"hello", &sources()).unwrap();
        assert_eq!(
            old.open::<String>(Purpose::Session, &sealed).as_deref(),
            Some("hello")
        );
        // Rotated: the old cookie still opens; new ones are sealed under "b".
        let new = SessionKeys::new("b", [2; 32])
            .unwrap()
            .with_previous("a", [1; 32])
            .unwrap();
        assert_eq!(
            new.open::<String>(Purpose::Session, &sealed).as_deref(),
            Some("hello")
        );
        let resealed = new.seal(Purpose::Session, &"hello", &sources()).unwrap();
        let header = jwe::decode_header_unverified(&resealed).unwrap();
        assert_eq!(header.kid.as_deref(), Some("b"));
        assert_eq!(header.alg, KeyManagementAlgorithm::Dir);
        assert_eq!(header.enc, ContentEncryptionAlgorithm::A256Gcm);
        // A key set without "b" refuses it: the `kid` is looked up, never guessed.
        assert_eq!(old.open::<String>(Purpose::Session, &resealed), None);
    }

    #[test]
    fn purpose_is_checked() {
        let keys = SessionKeys::new("a", [1; 32]).unwrap();
        let pending = keys.seal(Purpose::Pending, &"x", &sources()).unwrap();
        assert_eq!(keys.open::<String>(Purpose::Session, &pending), None);
        assert!(keys.open::<String>(Purpose::Pending, &pending).is_some());
    }

    #[test]
    fn same_kid_other_key_is_refused() {
        let keys = SessionKeys::new("a", [1; 32]).unwrap();
        let forged = SessionKeys::new("a", [9; 32])
            .unwrap()
            .seal(Purpose::Session, &"x", &sources())
            .unwrap();
        assert_eq!(keys.open::<String>(Purpose::Session, &forged), None);
    }

    #[test]
    fn oversized_values_are_refused_with_a_clear_error() {
        let keys = SessionKeys::new("a", [1; 32]).unwrap();
        // Random data does not compress.
        let mut bytes = [0u8; 4000];
        sources().rng.fill(&mut bytes).unwrap();
        let big: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let err = keys.seal(Purpose::Session, &big, &sources()).unwrap_err();
        assert!(
            matches!(err, Error::CookieTooLarge { limit, .. } if limit == MAX_SEALED_COOKIE_BYTES)
        );
        assert!(err.to_string().contains("server-side session store"));
    }

    #[test]
    fn generated_and_decoded_keys() {
        let a = SessionKeys::generate("g").unwrap();
        let sealed = a.seal(Purpose::Session, &1, &sources()).unwrap();
        assert_eq!(a.open::<i32>(Purpose::Session, &sealed), Some(1));
        // Another generated key is another key.
        assert_eq!(
            SessionKeys::generate("g")
                .unwrap()
                .open::<i32>(Purpose::Session, &sealed),
            None
        );
        let text = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";
        assert_eq!(SessionKeys::decode_key(text).unwrap(), [1u8; 32]);
        for bad in [
            "",
            "AQEB",
            "not base64!",
            "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
        ] {
            assert!(
                matches!(SessionKeys::decode_key(bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_key_ids_are_refused() {
        for kid in ["", "a b", "a;b", &"k".repeat(65)] {
            assert!(
                matches!(SessionKeys::new(kid, [0; 32]), Err(Error::Config(_))),
                "{kid:?}"
            );
        }
        let dup = SessionKeys::new("a", [0; 32])
            .unwrap()
            .with_previous("a", [1; 32]);
        assert!(matches!(dup, Err(Error::Config(_))));
    }
}
