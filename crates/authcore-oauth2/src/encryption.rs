//! Encrypted responses and requests a client registers for: the JWE `alg`/`enc` pair (RFC 9701
//! §6 `introspection_encrypted_response_alg/enc`; OpenID Connect Dynamic Client Registration
//! 1.0 §2 `id_token_encrypted_response_alg/enc`, `userinfo_encrypted_response_alg/enc`,
//! `request_object_encryption_alg/enc`), and the one check that a server's metadata lists
//! them.

use authcore_jose::jwe::{self, DecryptedJwe, DecryptionKeySource, JweOptions};
use authcore_jose::{ContentEncryptionAlgorithm, KeyManagementAlgorithm};

use crate::error::{Error, Result};
use crate::metadata::AuthorizationServerMetadata;

/// The JWE algorithms a client registered for one kind of encrypted message: the key
/// management `alg` and the content encryption `enc` (RFC 7516 §4.1.1, §4.1.2). A message of
/// that kind must use exactly these; anything else is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JweAlgorithms {
    alg: KeyManagementAlgorithm,
    enc: ContentEncryptionAlgorithm,
}

impl JweAlgorithms {
    /// The `enc` that applies when only an `alg` is registered: `A128CBC-HS256` (OpenID
    /// Connect Dynamic Client Registration 1.0 §2, RFC 9701 §6).
    pub const DEFAULT_ENC: ContentEncryptionAlgorithm = ContentEncryptionAlgorithm::A128CbcHs256;

    /// `alg` with `enc`.
    pub const fn new(alg: KeyManagementAlgorithm, enc: ContentEncryptionAlgorithm) -> Self {
        JweAlgorithms { alg, enc }
    }

    /// `alg` with the default `enc` ([`JweAlgorithms::DEFAULT_ENC`]), as registered when the
    /// client gives only `..._alg`.
    pub const fn with_default_enc(alg: KeyManagementAlgorithm) -> Self {
        JweAlgorithms::new(alg, Self::DEFAULT_ENC)
    }

    /// The key management algorithm (`alg`).
    pub const fn alg(&self) -> KeyManagementAlgorithm {
        self.alg
    }

    /// The content encryption algorithm (`enc`).
    pub const fn enc(&self) -> ContentEncryptionAlgorithm {
        self.enc
    }

    /// Decrypts a compact JWE that must use exactly these algorithms, with `keys` under
    /// `options`. The header is read first and an `alg` or `enc` other than the registered
    /// one is refused before any key is tried:
    /// [`authcore_jose::Error::EncryptionAlgorithmNotAllowed`] naming it, with the registered
    /// value as the one allowed. The client's keys may allow more (one key set serving
    /// several kinds of message); the registration for this kind decides (OpenID Connect
    /// Core 1.0 §3.1.3.7 step 1, RFC 9701 §5).
    pub fn decrypt_compact(
        &self,
        token: &str,
        keys: &(impl DecryptionKeySource + ?Sized),
        options: &JweOptions,
    ) -> authcore_jose::Result<DecryptedJwe> {
        let header = jwe::decode_header_unverified(token)?;
        if header.alg != self.alg {
            return Err(authcore_jose::Error::EncryptionAlgorithmNotAllowed {
                alg: header.alg.name().to_owned(),
                allowed: vec![self.alg.into()],
            });
        }
        if header.enc != self.enc {
            return Err(authcore_jose::Error::EncryptionAlgorithmNotAllowed {
                alg: header.enc.name().to_owned(),
                allowed: vec![self.enc.into()],
            });
        }
        jwe::decrypt_compact(token, keys, options)
    }

    /// Checks that the server lists both algorithms: `alg` in `algs` (the metadata member
    /// `alg_member`) and `enc` in `encs` (`enc_member`). An absent member lists nothing: a
    /// server that does not say it can encrypt (or decrypt) with an algorithm is not trusted
    /// to. The refusal is [`Error::NotAdvertised`] naming the member and the value.
    pub fn check_listed(
        &self,
        (alg_member, algs): (&'static str, Option<&[String]>),
        (enc_member, encs): (&'static str, Option<&[String]>),
    ) -> Result<()> {
        check_listed(alg_member, algs, self.alg.name())?;
        check_listed(enc_member, encs, self.enc.name())
    }
}

/// `value` must be one of `listed`, the values of metadata member `member`.
fn check_listed(member: &'static str, listed: Option<&[String]>, value: &str) -> Result<()> {
    if listed.is_some_and(|l| l.iter().any(|v| v == value)) {
        Ok(())
    } else {
        Err(Error::NotAdvertised {
            member,
            value: value.to_owned(),
        })
    }
}

impl AuthorizationServerMetadata {
    /// Checks that the server can encrypt JWT introspection responses with `algorithms` (RFC
    /// 9701 §7: `introspection_encryption_alg_values_supported` and
    /// `introspection_encryption_enc_values_supported` list them), before a client registered
    /// for them relies on it.
    pub fn check_introspection_encryption(&self, algorithms: &JweAlgorithms) -> Result<()> {
        algorithms.check_listed(
            (
                "introspection_encryption_alg_values_supported",
                self.introspection_encryption_alg_values_supported
                    .as_deref(),
            ),
            (
                "introspection_encryption_enc_values_supported",
                self.introspection_encryption_enc_values_supported
                    .as_deref(),
            ),
        )
    }
}

/// Whether a compact serialization is a JWE (five parts, RFC 7516 §7.1) rather than a JWS
/// (three parts, RFC 7515 §7.1): how a client tells an encrypted response from a signed one
/// before it parses either.
pub fn is_compact_jwe(token: &str) -> bool {
    token.bytes().filter(|&b| b == b'.').count() == 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContentEncryptionAlgorithm::*;
    use KeyManagementAlgorithm::*;

    fn metadata(algs: Option<&[&str]>, encs: Option<&[&str]>) -> AuthorizationServerMetadata {
        let mut m = AuthorizationServerMetadata::new("https://as.example");
        let own = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
        m.introspection_encryption_alg_values_supported = algs.map(own);
        m.introspection_encryption_enc_values_supported = encs.map(own);
        m
    }

    #[test]
    fn five_parts_are_a_jwe() {
        assert!(is_compact_jwe("a.b.c.d.e"));
        assert!(is_compact_jwe("a..c.d.e"));
        assert!(!is_compact_jwe("a.b.c"));
        assert!(!is_compact_jwe("a.b.c.d.e.f"));
        assert!(!is_compact_jwe(""));
    }

    #[test]
    fn the_registered_pair_decides_before_any_key_is_tried() {
        use authcore_jose::jwe::{DecryptionKey, EncryptionKey, JweBuilder};
        use authcore_jose::{InsecureTestRandom, crypto};
        let provider = crypto::default_provider();
        let rng = InsecureTestRandom::new(3);
        let secret = [9u8; 32];
        let to = EncryptionKey::symmetric(A256GcmKw, &secret, provider).unwrap();
        let token = JweBuilder::new(A256Gcm)
            .recipient(&to)
            .encrypt_compact(b"{}", &rng)
            .unwrap();
        let key = DecryptionKey::symmetric(A256GcmKw, &secret, provider).unwrap();
        let options = JweOptions::default();
        let ok = JweAlgorithms::new(A256GcmKw, A256Gcm)
            .decrypt_compact(&token, &key, &options)
            .unwrap();
        assert_eq!(ok.plaintext, b"{}");
        // The key would decrypt it; the registration says another `enc` or `alg`.
        for (other, named) in [
            (JweAlgorithms::new(A256GcmKw, A128Gcm), "A256GCM"),
            (JweAlgorithms::new(A128GcmKw, A256Gcm), "A256GCMKW"),
        ] {
            assert!(matches!(
                other.decrypt_compact(&token, &key, &options),
                Err(authcore_jose::Error::EncryptionAlgorithmNotAllowed { alg, .. }) if alg == named
            ));
        }
        // A JWS is not a JWE.
        assert!(
            JweAlgorithms::new(A256GcmKw, A256Gcm)
                .decrypt_compact("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", &key, &options)
                .is_err()
        );
    }

    #[test]
    fn default_enc_is_a128cbc_hs256() {
        let a = JweAlgorithms::with_default_enc(RsaOaep256);
        assert_eq!((a.alg(), a.enc()), (RsaOaep256, A128CbcHs256));
    }

    #[test]
    fn listed_algorithms_pass() {
        let m = metadata(
            Some(&["RSA-OAEP", "RSA-OAEP-256"]),
            Some(&["A128CBC-HS256", "A256GCM"]),
        );
        m.check_introspection_encryption(&JweAlgorithms::new(RsaOaep256, A256Gcm))
            .unwrap();
    }

    #[test]
    fn unlisted_alg_is_refused_by_name() {
        let m = metadata(Some(&["RSA-OAEP"]), Some(&["A256GCM"]));
        assert_eq!(
            m.check_introspection_encryption(&JweAlgorithms::new(EcdhEs, A256Gcm)),
            Err(Error::NotAdvertised {
                member: "introspection_encryption_alg_values_supported",
                value: "ECDH-ES".into(),
            })
        );
    }

    #[test]
    fn unlisted_enc_is_refused_by_name() {
        let m = metadata(Some(&["RSA-OAEP"]), Some(&["A256GCM"]));
        assert_eq!(
            m.check_introspection_encryption(&JweAlgorithms::with_default_enc(RsaOaep)),
            Err(Error::NotAdvertised {
                member: "introspection_encryption_enc_values_supported",
                value: "A128CBC-HS256".into(),
            })
        );
    }

    #[test]
    fn absent_members_list_nothing() {
        let e = metadata(None, Some(&["A256GCM"]))
            .check_introspection_encryption(&JweAlgorithms::new(RsaOaep, A256Gcm))
            .unwrap_err();
        assert!(matches!(e, Error::NotAdvertised { member, .. }
            if member == "introspection_encryption_alg_values_supported"));
        let e = metadata(Some(&["RSA-OAEP"]), None)
            .check_introspection_encryption(&JweAlgorithms::new(RsaOaep, A256Gcm))
            .unwrap_err();
        assert!(matches!(e, Error::NotAdvertised { member, .. }
            if member == "introspection_encryption_enc_values_supported"));
    }
}
