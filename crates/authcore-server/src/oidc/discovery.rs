//! OpenID Provider metadata (OpenID Connect Discovery 1.0 §3, §4) and the JWK Set at
//! `jwks_uri`, both generated from the configuration and the keys, so they say exactly what
//! the provider does.

use authcore_jose::{JwkSet, UnixTime};
use authcore_oidc::ProviderMetadata;

use crate::config::{ServerConfig, ServerKeys};
use crate::metadata::metadata;

/// The path of the discovery document under the issuer (Discovery §4).
pub const WELL_KNOWN_PATH: &str = "/.well-known/openid-configuration";

/// The provider metadata for `config` and `keys`, or `None` when the server is not an
/// OpenID provider (no ID token signing keys, or no `jwks_uri` to publish them at: Discovery
/// §3 requires it).
///
/// The RFC 8414 members are the authorization server's ([`metadata`]); on top:
/// `scopes_supported` gains `openid`; `response_types_supported` lists the flows the
/// authorization endpoint runs (`code`, `id_token`, `code id_token`, and with the legacy
/// implicit setting `token` and the three that return an access token in the front channel);
/// `grant_types_supported` gains `implicit` with them; `subject_types_supported` is `public`, and `pairwise` with a pairwise salt;
/// `id_token_signing_alg_values_supported` lists the algorithms of the active signing keys
/// and the HS* algorithms the provider signs with a client secret
/// ([`secret_signing_algorithms`](super::id_token::secret_signing_algorithms): those the
/// crypto provider computes, when a secret-based method is enabled, Core §10.1); `request_parameter_supported` follows the request object algorithms of the
/// authorization endpoint; `request_uri_parameter_supported` is false (only PAR's
/// `request_uri` values are accepted, which PAR's own member advertises).
pub fn provider_metadata(config: &ServerConfig, keys: &ServerKeys) -> Option<ProviderMetadata> {
    let signing = keys.id_token_signing.as_ref()?;
    let mut oauth = metadata(config);
    oauth.jwks_uri.as_ref()?;
    let mut scopes = oauth.scopes_supported.take().unwrap_or_default();
    if !scopes.iter().any(|s| s == super::OPENID_SCOPE) {
        scopes.insert(0, super::OPENID_SCOPE.to_owned());
    }
    oauth.scopes_supported = Some(scopes);
    let mut algs: Vec<String> = signing
        .active_algorithms()
        .iter()
        .map(|a| a.name().to_owned())
        .collect();
    // HS* keyed with client secrets (Core §10.1), as the signing code does them.
    algs.extend(
        super::id_token::secret_signing_algorithms(config, keys.provider)
            .map(|a| a.name().to_owned()),
    );
    let request_objects = oauth
        .request_object_signing_alg_values_supported
        .as_ref()
        .is_some_and(|a| !a.is_empty());
    if config.endpoints.authorization.is_some() {
        // Every response type the endpoint runs for a provider (Discovery §3), from the one
        // rule the endpoint itself checks.
        let types = crate::authorize::supported_response_types(config, true);
        if types.iter().any(|rt| rt.returns_id_token()) {
            // Discovery §3 / RFC 7591 §2.1: response types returning an ID token from the
            // authorization endpoint are the implicit grant type's.
            let grants = oauth.grant_types_supported.get_or_insert_with(Vec::new);
            if !grants.iter().any(|g| g == "implicit") {
                grants.push("implicit".to_owned());
            }
        }
        oauth.response_types_supported =
            Some(types.into_iter().map(|rt| rt.as_str().to_owned()).collect());
    }
    let mut subject_types = vec!["public".to_owned()];
    if keys.pairwise_salt.is_some() {
        subject_types.push("pairwise".to_owned());
    }
    let mut m = ProviderMetadata::new(oauth, subject_types, algs.clone());
    m.request_parameter_supported = request_objects;
    super::encryption::set_encryption_metadata(config, keys, &mut m, &algs);
    m.request_uri_parameter_supported = false;
    if !config.claims_supported.is_empty() {
        m.claims_supported = Some(config.claims_supported.clone());
    }
    super::logout::set_logout_metadata(config, &mut m);
    Some(m)
}

/// The discovery response (Discovery §4.2): `200` with the JSON document, or `404` when the
/// server is not an OpenID provider.
pub fn discovery_response(config: &ServerConfig, keys: &ServerKeys) -> http::Response<Vec<u8>> {
    match provider_metadata(config, keys) {
        Some(m) => m.to_http_response(),
        None => not_found(),
    }
}

/// The JWK Set published at `jwks_uri` at `now` (RFC 7517 §5): the public parts of the
/// active ID token keys (a key added ahead of its use is published before it signs) and of
/// the retired keys still within their retention (tokens they signed stay verifiable).
pub fn jwks(keys: &ServerKeys, now: UnixTime) -> Option<JwkSet> {
    let mut set = keys.id_token_signing.as_ref()?.jwks_at(now);
    // The request object encryption keys (`use` `enc`), Core §6.1, Discovery §3 `jwks_uri`.
    if let Some(enc) = &keys.request_object_decryption {
        set.keys.extend(enc.public_jwks().keys.iter().cloned());
    }
    Some(set)
}

/// The `jwks_uri` response at `now`: `200` with the JWK Set, or `404` without signing keys.
pub fn jwks_response(keys: &ServerKeys, now: UnixTime) -> http::Response<Vec<u8>> {
    let Some(set) = jwks(keys, now) else {
        return not_found();
    };
    let body = set.to_json().into_bytes();
    http::Response::builder()
        .status(200)
        .header("content-type", "application/jwk-set+json")
        .body(body)
        .unwrap_or_else(|_| not_found())
}

fn not_found() -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(Vec::new());
    *r.status_mut() = http::StatusCode::NOT_FOUND;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClientAuthMethod;
    use crate::signing_keys::SigningKeySet;
    use authcore_jose::crypto::{self, CryptoProvider};
    use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm};

    /// A provider with an Ed25519 signing key, its JWK Set published, under `provider`.
    fn op(provider: &'static CryptoProvider) -> (ServerConfig, ServerKeys) {
        let rng = InsecureTestRandom::new(3);
        let base = crypto::default_provider();
        let mut set = SigningKeySet::new(3600);
        let key = Jwk::generate(JwsAlgorithm::EdDSA, base, &rng).unwrap();
        set.add_key(&key, None, base).unwrap();
        let mut keys = ServerKeys::generate(base, &rng)
            .unwrap()
            .with_id_token_signing(std::sync::Arc::new(set));
        keys.provider = provider;
        let mut config = ServerConfig::new("https://op.example").unwrap();
        config.endpoints.jwks = Some(config.endpoint("jwks").unwrap());
        (config, keys)
    }

    fn id_token_algs(config: &ServerConfig, keys: &ServerKeys) -> Vec<String> {
        provider_metadata(config, keys)
            .unwrap()
            .id_token_signing_alg_values_supported
    }

    #[test]
    fn hs_algorithms_are_advertised_as_the_signing_code_signs_them() {
        let (mut config, keys) = op(crypto::default_provider());
        assert_eq!(
            id_token_algs(&config, &keys),
            ["EdDSA", "HS256", "HS384", "HS512"]
        );
        let signed: Vec<String> =
            crate::oidc::id_token::secret_signing_algorithms(&config, keys.provider)
                .map(|a| a.name().to_owned())
                .collect();
        assert_eq!(signed, ["HS256", "HS384", "HS512"]);
        // No method gives clients a secret: no HS*.
        config.client_auth_methods = vec![ClientAuthMethod::PrivateKeyJwt];
        assert_eq!(id_token_algs(&config, &keys), ["EdDSA"]);
    }

    #[test]
    fn a_provider_without_hmac_advertises_no_hs_algorithm() {
        let no_hmac: &'static CryptoProvider = Box::leak(Box::new(
            crypto::default_provider()
                .clone()
                .with_hmac(&crypto::Unsupported)
                .with_name("no-hmac"),
        ));
        let (mut config, keys) = op(no_hmac);
        config.endpoints.userinfo = Some(config.endpoint("userinfo").unwrap());
        let m = provider_metadata(&config, &keys).unwrap();
        assert_eq!(m.id_token_signing_alg_values_supported, ["EdDSA"]);
        assert_eq!(
            m.userinfo_signing_alg_values_supported.as_deref(),
            Some(&["EdDSA".to_owned()][..])
        );
        assert_eq!(
            crate::oidc::id_token::secret_signing_algorithms(&config, no_hmac).count(),
            0
        );
    }

    #[test]
    fn the_signing_code_refuses_an_hs_algorithm_it_does_not_advertise() {
        let (mut config, keys) = op(crypto::default_provider());
        let rng = InsecureTestRandom::new(4);
        let mut client = crate::model::ClientRecord::new("c", ClientAuthMethod::ClientSecretJwt);
        client.secret = Some(crate::model::StoredSecret::Plain(
            authcore_jose::SecretBytes::new(
                b"a-shared-secret-of-at-least-thirty-two-bytes".to_vec(),
            ),
        ));
        let claims = serde_json::Map::new();
        let sign = |config: &ServerConfig| {
            let ctx = crate::Context::new(config, &keys, UnixTime::from_secs(1_800_000_000), &rng);
            crate::oidc::id_token::sign_for_client(&claims, JwsAlgorithm::HS256, &client, &ctx)
        };
        assert!(sign(&config).is_ok());
        config.client_auth_methods = vec![ClientAuthMethod::PrivateKeyJwt];
        let refused = sign(&config).unwrap_err();
        assert_eq!(refused.code, authcore_oauth2::ErrorCode::ServerError);
        assert!(!id_token_algs(&config, &keys).contains(&"HS256".to_owned()));
    }
}
