//! Encrypted tokens and responses from the provider (OpenID Connect Core 1.0 §10.2, §3.1.3.7
//! step 1, §5.3.2; Back-Channel Logout 1.0 §2.6 step 1): the client's decryption keys, the
//! algorithms it registered per kind of message, and the one place where a JWE is opened
//! before the signed JWT inside it is verified as usual.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::jwe::{DecryptionKeySource, EncryptionKey, JweBuilder, JweOptions};
use authcore_jose::{
    ContentEncryptionAlgorithm, DigestAlgorithm, JwkSet, KeyManagementAlgorithm, SecretBytes,
    SecureRandom,
};
use authcore_oauth2::{ClientSecret, JweAlgorithms, is_compact_jwe};

use crate::error::{Error, Result, TokenError};

/// The client's decryption keys, shared (the verifier and its clones, an introspection call).
pub(crate) type SharedDecryptionKeys = Arc<dyn DecryptionKeySource + Send + Sync>;

/// What a JWE must hold once decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plaintext {
    /// A signed JWT: the JWE's `cty` is `JWT` (RFC 7519 §5.2; Core §10.2 signs, then
    /// encrypts).
    NestedJwt,
    /// The claims themselves (an encrypted but unsigned UserInfo response, Core §5.3.2):
    /// `cty`, if present, is not `JWT`.
    Claims,
}

/// Whether a message of one kind may or must arrive encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Registered encryption means every message is encrypted: a plain one is refused, so
    /// the encryption cannot be stripped (Core §3.1.3.7 step 1).
    Required,
    /// Encrypted if the provider chose to (logout tokens, Back-Channel Logout 1.0 §2.6 step
    /// 1: "if the Logout Token is encrypted").
    Optional,
}

/// The client's side of encryption: its keys, the options, and the registered algorithms.
#[derive(Clone, Default)]
pub(crate) struct Decryption {
    pub(crate) keys: Option<SharedDecryptionKeys>,
    pub(crate) options: JweOptions,
    /// `id_token_encrypted_response_alg/enc` (also used for logout tokens).
    pub(crate) id_token: Option<JweAlgorithms>,
    /// `userinfo_encrypted_response_alg/enc`.
    pub(crate) userinfo: Option<JweAlgorithms>,
}

impl fmt::Debug for Decryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decryption")
            .field(
                "keys",
                &self.keys.as_ref().map(|k| k.decryption_keys().len()),
            )
            .field("id_token", &self.id_token)
            .field("userinfo", &self.userinfo)
            .finish_non_exhaustive()
    }
}

impl Decryption {
    /// `token` ready for its signature check or claims parsing: decrypted when it is a JWE
    /// and `registered` says the client expects one, as it is otherwise.
    ///
    /// - A JWE when nothing is registered: [`TokenError::UnexpectedEncryption`].
    /// - No JWE when encryption is registered and `presence` is
    ///   [`Presence::Required`]: [`TokenError::EncryptionRequired`].
    /// - `alg`/`enc` other than the registered pair: refused before any key is tried
    ///   ([`JweAlgorithms::decrypt_compact`]); every failure to decrypt is one opaque
    ///   [`authcore_jose::Error::Decryption`].
    /// - `cty` not as `plaintext` demands: [`TokenError::NestedContentType`].
    pub(crate) fn open<'t>(
        &self,
        token: &'t str,
        registered: Option<&JweAlgorithms>,
        presence: Presence,
        plaintext: Plaintext,
    ) -> Result<Cow<'t, str>> {
        let encrypted = is_compact_jwe(token);
        let algorithms = match (registered, encrypted) {
            (None, false) => return Ok(Cow::Borrowed(token)),
            (None, true) => return Err(TokenError::UnexpectedEncryption.into()),
            (Some(_), false) if presence == Presence::Optional => {
                return Ok(Cow::Borrowed(token));
            }
            (Some(_), false) => return Err(TokenError::EncryptionRequired.into()),
            (Some(a), true) => a,
        };
        let keys = self.keys.as_deref().ok_or(Error::Misuse(
            "encryption is registered but no decryption keys are set",
        ))?;
        let decrypted = algorithms.decrypt_compact(token, keys, &self.options)?;
        let nested = decrypted.header.cty_is_jwt();
        if nested != (plaintext == Plaintext::NestedJwt) {
            return Err(TokenError::NestedContentType(decrypted.header.cty).into());
        }
        String::from_utf8(decrypted.plaintext)
            .map(Cow::Owned)
            .map_err(|_| {
                authcore_jose::Error::Malformed("the decrypted content is not UTF-8").into()
            })
    }
}

/// How the client encrypts its request objects to the provider (OpenID Connect Core 1.0
/// §6.1, RFC 9101 §4, §6.1: signed, then encrypted; Dynamic Client Registration 1.0 §2
/// `request_object_encryption_alg/enc`): the provider's public encryption key and the
/// content encryption algorithm.
pub struct RequestObjectEncryption {
    key: EncryptionKey,
    enc: ContentEncryptionAlgorithm,
}

impl fmt::Debug for RequestObjectEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestObjectEncryption")
            .field("alg", &self.key.algorithm())
            .field("enc", &self.enc)
            .field("kid", &self.key.kid())
            .finish()
    }
}

impl RequestObjectEncryption {
    /// Encrypts to `key` (which fixes `alg`) with `enc`.
    pub fn new(key: EncryptionKey, enc: ContentEncryptionAlgorithm) -> Self {
        RequestObjectEncryption { key, enc }
    }

    /// Encrypts to the provider's key for `algorithms` from its JWK Set (the document at its
    /// `jwks_uri`), selected as [`EncryptionKey::from_jwk_set`] does: by `kid` when given,
    /// a key whose `use`, `key_ops`, `alg`, type and curve permit encrypting with
    /// `algorithms.alg()`. Its `kid`, if any, goes into the JWE header so the provider can
    /// find its key. No such key is [`authcore_jose::Error::NoMatchingKey`].
    ///
    /// Check that the provider decrypts `algorithms` with
    /// [`ProviderMetadata::check_request_object_encryption`](crate::ProviderMetadata::check_request_object_encryption).
    pub fn from_provider_jwks(
        jwks: &JwkSet,
        kid: Option<&str>,
        algorithms: JweAlgorithms,
        provider: &CryptoProvider,
    ) -> Result<Self> {
        let key = EncryptionKey::from_jwk_set(jwks, kid, algorithms.alg(), provider)?;
        Ok(RequestObjectEncryption::new(key, algorithms.enc()))
    }

    /// The `alg`/`enc` pair used.
    pub fn algorithms(&self) -> JweAlgorithms {
        JweAlgorithms::new(self.key.algorithm(), self.enc)
    }

    /// The signed request object `jws`, encrypted: a compact JWE with `cty` `JWT` (RFC 7519
    /// §5.2), its content key and IVs from `rng`.
    pub(crate) fn seal(&self, jws: &str, rng: &dyn SecureRandom) -> authcore_jose::Result<String> {
        JweBuilder::new(self.enc)
            .cty("JWT")
            .recipient(&self.key)
            .encrypt_compact(jws.as_bytes(), rng)
    }
}

/// The symmetric key OpenID Connect Core 1.0 §10.2 derives from the client secret for `alg`
/// (with `enc` for `dir`): the left-truncated SHA-2 hash of the secret's UTF-8 octets,
/// SHA-256 for keys of up to 256 bits, SHA-384 up to 384, SHA-512 up to 512. The bytes of a
/// symmetric JWE key for a client that registered `A128KW`, `A256GCMKW`, `dir`, ... with
/// its secret; the caller builds its [`DecryptionKey`](authcore_jose::DecryptionKey) or
/// [`EncryptionKey`] from them with `symmetric`.
///
/// An asymmetric or password-based `alg` has no such key:
/// [`Error::Misuse`].
pub fn client_secret_key(
    secret: &ClientSecret,
    alg: KeyManagementAlgorithm,
    enc: ContentEncryptionAlgorithm,
    provider: &CryptoProvider,
) -> Result<SecretBytes> {
    use KeyManagementAlgorithm as K;
    let len = match alg {
        K::A128Kw | K::A128GcmKw => 16,
        K::A192Kw | K::A192GcmKw => 24,
        K::A256Kw | K::A256GcmKw => 32,
        K::Dir => enc.key_len(),
        _ => {
            return Err(Error::Misuse(
                "only AES key wrap and `dir` keys are derived from the client secret",
            ));
        }
    };
    let hash = match len {
        ..=32 => DigestAlgorithm::Sha256,
        33..=48 => DigestAlgorithm::Sha384,
        _ => DigestAlgorithm::Sha512,
    };
    let digest = provider.digest(hash, secret.secret().as_bytes());
    Ok(SecretBytes::new(digest[..len].to_vec()))
}
