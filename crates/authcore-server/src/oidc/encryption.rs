//! Encryption to the client (OpenID Connect Core 1.0 §10.2; Registration 1.0 §2
//! `id_token_encrypted_response_alg/enc`, `userinfo_encrypted_response_alg/enc`): which
//! algorithms the provider encrypts with, what a client registered, the client's key (its
//! `jwks`, its fetched `jwks_uri`, or the key derived from its secret for the symmetric
//! algorithms), and the sealing of a nested JWT or of plain claims.
//!
//! The relying party side of the same rules is authcore-oidc's: the key derivation from the
//! client secret is its [`authcore_oidc::client_secret_key`], so both sides derive one key.

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::jwe::{EncryptionKey, JweBuilder};
use authcore_jose::{ContentEncryptionAlgorithm, JwkSet, KeyManagementAlgorithm};
use authcore_oauth2::JweAlgorithms;
use serde_json::Value;

use crate::error::{OAuthError, ServerError};
use crate::model::{ClientRecord, StoredSecret};
use crate::step::{Answer, Context, Need, Supplied};

/// Which encrypted artifact: the two a client registers encryption for at a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptedArtifact {
    /// ID tokens (`id_token_encrypted_response_alg/enc`).
    IdToken,
    /// UserInfo responses (`userinfo_encrypted_response_alg/enc`).
    UserInfo,
}

impl EncryptedArtifact {
    /// The client metadata members naming the key management and the content encryption
    /// algorithm (Registration §2).
    pub fn members(self) -> (&'static str, &'static str) {
        match self {
            EncryptedArtifact::IdToken => (
                "id_token_encrypted_response_alg",
                "id_token_encrypted_response_enc",
            ),
            EncryptedArtifact::UserInfo => (
                "userinfo_encrypted_response_alg",
                "userinfo_encrypted_response_enc",
            ),
        }
    }
}

/// Whether the provider encrypts to clients with `alg`: every key management algorithm of
/// RFC 7518 §4 whose parts `provider` has, except `RSA1_5` (decryption of legacy tokens only,
/// RFC 7516 §11.5) and PBES2 (a password-based algorithm: a client registers keys or uses
/// its secret, Core §10.2, never a password).
pub fn encrypts_with(alg: KeyManagementAlgorithm, provider: &CryptoProvider) -> bool {
    offered_kind(alg) && provider.supports(alg)
}

/// Whether `alg` is of a kind the provider encrypts to clients with at all (see
/// [`encrypts_with`]), whatever the crypto provider has.
fn offered_kind(alg: KeyManagementAlgorithm) -> bool {
    !matches!(
        alg,
        KeyManagementAlgorithm::Rsa1_5
            | KeyManagementAlgorithm::Pbes2Hs256A128Kw
            | KeyManagementAlgorithm::Pbes2Hs384A192Kw
            | KeyManagementAlgorithm::Pbes2Hs512A256Kw
    )
}

/// The key management algorithms the provider encrypts with, in the registry's order (the
/// `*_encryption_alg_values_supported` of discovery).
pub fn key_management_algorithms(provider: &CryptoProvider) -> Vec<KeyManagementAlgorithm> {
    KeyManagementAlgorithm::ALL
        .into_iter()
        .filter(|a| encrypts_with(*a, provider))
        .collect()
}

/// The content encryption algorithms `provider` has (the `*_encryption_enc_values_supported`
/// of discovery).
pub fn content_encryption_algorithms(provider: &CryptoProvider) -> Vec<ContentEncryptionAlgorithm> {
    ContentEncryptionAlgorithm::ALL
        .into_iter()
        .filter(|e| provider.supports(*e))
        .collect()
}

/// Whether `alg` encrypts with a key derived from the client secret (Core §10.2: the
/// symmetric algorithms, AES key wrap and `dir`).
pub fn is_symmetric(alg: KeyManagementAlgorithm) -> bool {
    use KeyManagementAlgorithm as K;
    matches!(
        alg,
        K::A128Kw | K::A192Kw | K::A256Kw | K::A128GcmKw | K::A192GcmKw | K::A256GcmKw | K::Dir
    )
}

/// Why registered encryption metadata was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedEncryption(pub String);

impl core::fmt::Display for UnsupportedEncryption {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnsupportedEncryption {}

/// Reads one `alg`/`enc` pair of client metadata: `None` when `alg_member` is absent;
/// `enc_member` defaults to `A128CBC-HS256` (Registration §2); `enc` without `alg` is refused
/// (§2: "If ..._enc is specified, ..._alg MUST also be provided"). When `provider` is given,
/// both algorithms must be ones it encrypts with ([`encrypts_with`]).
pub fn read_algorithms(
    metadata: &serde_json::Map<String, Value>,
    alg_member: &str,
    enc_member: &str,
    provider: Option<&CryptoProvider>,
) -> Result<Option<JweAlgorithms>, UnsupportedEncryption> {
    let text = |name: &str| match metadata.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(UnsupportedEncryption(format!("{name} must be a string"))),
    };
    let (alg, enc) = (text(alg_member)?, text(enc_member)?);
    let Some(alg) = alg else {
        return match enc {
            Some(_) => Err(UnsupportedEncryption(format!(
                "{enc_member} needs {alg_member} (OpenID Connect Registration §2)"
            ))),
            None => Ok(None),
        };
    };
    let alg: KeyManagementAlgorithm = alg.parse().map_err(|_| {
        UnsupportedEncryption(format!("{alg_member}: {alg} is not a JWE algorithm"))
    })?;
    let enc = match enc {
        None => JweAlgorithms::DEFAULT_ENC,
        Some(e) => e.parse().map_err(|_| {
            UnsupportedEncryption(format!("{enc_member}: {e} is not a JWE content encryption"))
        })?,
    };
    let offered = |ok: bool, member: &str, name: &str| {
        if ok {
            Ok(())
        } else {
            Err(UnsupportedEncryption(format!(
                "{member}: {name} is not offered by this provider"
            )))
        }
    };
    offered(offered_kind(alg), alg_member, alg.name())?;
    if let Some(p) = provider {
        offered(encrypts_with(alg, p), alg_member, alg.name())?;
        offered(p.supports(enc), enc_member, enc.name())?;
    }
    Ok(Some(JweAlgorithms::new(alg, enc)))
}

/// The encryption `client` registered for `artifact`, if any. A registration this provider
/// cannot honour is a configuration error, never a reason to answer in the clear.
pub fn registered(
    client: &ClientRecord,
    artifact: EncryptedArtifact,
    ctx: &Context<'_>,
) -> Result<Option<JweAlgorithms>, OAuthError> {
    let (alg, enc) = artifact.members();
    read_algorithms(&client.extra, alg, enc, Some(ctx.keys.provider)).map_err(|_| {
        OAuthError::server_error(ServerError::Config(
            "the client registered an encryption this provider does not offer",
        ))
    })
}

/// The client's public keys for encryption: its registered `jwks`, or the document at its
/// registered `jwks_uri`, fetched through [`Need::Fetch`] (`Err(need)` until supplied).
/// `Ok(None)` when it registered neither.
pub fn client_keys(
    client: &ClientRecord,
    supplied: &Supplied,
) -> Result<Result<Option<JwkSet>, Need>, OAuthError> {
    if let Some(set) = &client.jwks {
        return Ok(Ok(Some(set.clone())));
    }
    let Some(Value::String(uri)) = client.extra.get("jwks_uri") else {
        return Ok(Ok(None));
    };
    let need = Need::Fetch(uri.clone());
    match supplied.get(&need) {
        None => Ok(Err(need)),
        Some(Answer::Fetched(Some(body))) => {
            JwkSet::from_json(body).map(Some).map(Ok).map_err(|_| {
                OAuthError::server_error(ServerError::Config(
                    "the client's jwks_uri does not hold a JWK Set",
                ))
            })
        }
        Some(_) => Err(OAuthError::server_error(ServerError::Config(
            "the client's jwks_uri could not be fetched",
        ))),
    }
}

/// What must be known before something can be encrypted to `client`: the keys at its
/// `jwks_uri` when `algorithms` are asymmetric and it registered no `jwks`.
pub fn key_need(
    client: &ClientRecord,
    algorithms: Option<JweAlgorithms>,
    supplied: &Supplied,
) -> Result<Option<Need>, OAuthError> {
    match algorithms {
        Some(a) if !is_symmetric(a.alg()) => Ok(client_keys(client, supplied)?.err()),
        _ => Ok(None),
    }
}

/// The client's key for `algorithms`: derived from its secret for the symmetric algorithms
/// (Core §10.2, which needs the secret itself, kept [`StoredSecret::Plain`]); otherwise its
/// public key that permits encrypting with the `alg` (`use` `enc` or none, RFC 7517 §4.2),
/// from `jwks` (the registered set, or the fetched `jwks_uri` document).
pub fn client_encryption_key(
    client: &ClientRecord,
    algorithms: JweAlgorithms,
    jwks: Option<&JwkSet>,
    ctx: &Context<'_>,
) -> Result<EncryptionKey, OAuthError> {
    let provider = ctx.keys.provider;
    if is_symmetric(algorithms.alg()) {
        let Some(StoredSecret::Plain(secret)) = &client.secret else {
            return Err(OAuthError::server_error(ServerError::Config(
                "symmetric encryption to a client needs its secret in plain form",
            )));
        };
        let text = std::str::from_utf8(secret.expose()).map_err(|_| {
            OAuthError::server_error(ServerError::Config("the client secret is not UTF-8"))
        })?;
        let key = authcore_oidc::client_secret_key(
            &authcore_oauth2::ClientSecret::new(text),
            algorithms.alg(),
            algorithms.enc(),
            provider,
        )
        .map_err(|_| OAuthError::server_error(ServerError::Crypto))?;
        return EncryptionKey::symmetric(algorithms.alg(), key.expose(), provider)
            .map_err(|_| OAuthError::server_error(ServerError::Crypto));
    }
    let Some(set) = jwks else {
        return Err(OAuthError::server_error(ServerError::Config(
            "the client registered encryption but no keys",
        )));
    };
    EncryptionKey::from_jwk_set(set, None, algorithms.alg(), provider).map_err(|_| {
        OAuthError::server_error(ServerError::Config(
            "the client has no key for its registered encryption algorithm",
        ))
    })
}

/// Encrypts `payload` to `key` with `enc` as a compact JWE (its content key and IVs from the
/// context's randomness). `nested` marks a signed JWT inside (`cty` `JWT`, RFC 7519 §5.2,
/// Core §10.2: sign, then encrypt); otherwise the payload is the claims themselves (an
/// encrypted-only UserInfo response, Core §5.3.2).
pub fn seal(
    payload: &[u8],
    nested: bool,
    key: &EncryptionKey,
    enc: ContentEncryptionAlgorithm,
    ctx: &Context<'_>,
) -> Result<String, OAuthError> {
    let mut builder = JweBuilder::new(enc).recipient(key);
    if nested {
        builder = builder.cty("JWT");
    }
    builder
        .encrypt_compact(payload, ctx.rng)
        .map_err(|_| OAuthError::server_error(ServerError::Crypto))
}

/// Encrypts `payload` to `client` for `artifact` when it registered encryption for it, with
/// the keys `jwks` resolved by [`client_keys`]; `Ok(None)` when it registered none.
pub fn encrypt_for_client(
    payload: &[u8],
    nested: bool,
    client: &ClientRecord,
    artifact: EncryptedArtifact,
    jwks: Option<&JwkSet>,
    ctx: &Context<'_>,
) -> Result<Option<String>, OAuthError> {
    let Some(algorithms) = registered(client, artifact, ctx)? else {
        return Ok(None);
    };
    let key = client_encryption_key(client, algorithms, jwks, ctx)?;
    seal(payload, nested, &key, algorithms.enc(), ctx).map(Some)
}

/// The names of the algorithms the provider encrypts to clients with: (`alg` values, `enc`
/// values), as discovery lists them.
pub fn encryption_values(
    provider: &authcore_jose::crypto::CryptoProvider,
) -> (Vec<String>, Vec<String>) {
    (
        key_management_algorithms(provider)
            .iter()
            .map(|a| a.name().to_owned())
            .collect(),
        content_encryption_algorithms(provider)
            .iter()
            .map(|e| e.name().to_owned())
            .collect(),
    )
}

/// The encryption members of the discovery document (Discovery §3), true to what the code
/// does: `id_token_encryption_*_values_supported` (the crypto provider's algorithms), the
/// UserInfo members when the endpoint is enabled
/// ([`crate::userinfo::set_userinfo_metadata`], with `signing_algs` for its signatures), and
/// `request_object_encryption_*_values_supported` when the provider holds request object
/// decryption keys.
pub fn set_encryption_metadata(
    config: &crate::ServerConfig,
    keys: &crate::ServerKeys,
    metadata: &mut authcore_oidc::ProviderMetadata,
    signing_algs: &[String],
) {
    let (algs, encs) = encryption_values(keys.provider);
    metadata.id_token_encryption_alg_values_supported = Some(algs);
    metadata.id_token_encryption_enc_values_supported = Some(encs);
    crate::userinfo::set_userinfo_metadata(config, keys, metadata, signing_algs);
    let (algs, encs) = crate::jar::request_object_encryption_algorithms(keys);
    if !algs.is_empty() {
        metadata.request_object_encryption_alg_values_supported =
            Some(algs.iter().map(|a| a.name().to_owned()).collect());
        metadata.request_object_encryption_enc_values_supported =
            Some(encs.iter().map(|e| e.name().to_owned()).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> serde_json::Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("an object literal"),
        }
    }

    const ALG: &str = "userinfo_encrypted_response_alg";
    const ENC: &str = "userinfo_encrypted_response_enc";

    #[test]
    fn registered_pairs_read_with_the_registration_default() {
        let p = authcore_jose::crypto::default_provider();
        assert_eq!(read_algorithms(&m(json!({})), ALG, ENC, Some(p)), Ok(None));
        // Registration §2's default enc, judged without a provider (ring alone has no
        // AES-CBC and refuses it, as the next assertion says for whichever provider).
        assert_eq!(
            read_algorithms(&m(json!({ALG: "dir"})), ALG, ENC, None),
            Ok(Some(JweAlgorithms::with_default_enc(
                KeyManagementAlgorithm::Dir
            )))
        );
        assert_eq!(
            read_algorithms(&m(json!({ALG: "dir"})), ALG, ENC, Some(p)).is_ok(),
            p.supports(ContentEncryptionAlgorithm::A128CbcHs256)
        );
        assert_eq!(
            read_algorithms(&m(json!({ALG: "dir", ENC: "A256GCM"})), ALG, ENC, Some(p)),
            Ok(Some(JweAlgorithms::new(
                KeyManagementAlgorithm::Dir,
                ContentEncryptionAlgorithm::A256Gcm
            )))
        );
    }

    #[test]
    fn unusable_pairs_are_refused() {
        let p = authcore_jose::crypto::default_provider();
        for bad in [
            json!({ENC: "A128GCM"}),
            json!({ALG: "RSA1_5"}),
            json!({ALG: "PBES2-HS512+A256KW"}),
            json!({ALG: "nope"}),
            json!({ALG: "dir", ENC: "nope"}),
            json!({ALG: ["dir"]}),
            json!({ALG: "dir", ENC: 1}),
        ] {
            assert!(
                read_algorithms(&m(bad.clone()), ALG, ENC, Some(p)).is_err(),
                "{bad}"
            );
            assert!(
                read_algorithms(&m(bad.clone()), ALG, ENC, None).is_err(),
                "{bad}"
            );
        }
        assert!(
            key_management_algorithms(p)
                .iter()
                .all(|a| offered_kind(*a))
        );
        assert!(!encrypts_with(KeyManagementAlgorithm::Rsa1_5, p));
    }

    #[test]
    fn symmetric_algorithms_are_the_secret_keyed_ones() {
        use KeyManagementAlgorithm as K;
        for a in [K::Dir, K::A128Kw, K::A256GcmKw] {
            assert!(is_symmetric(a));
        }
        for a in [
            K::RsaOaep256,
            K::EcdhEs,
            K::EcdhEsA128Kw,
            K::Pbes2Hs256A128Kw,
        ] {
            assert!(!is_symmetric(a));
        }
    }
}
