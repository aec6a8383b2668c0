//! A crypto provider built at run time (not a `static`, not leaked) can be stored in the
//! long-lived types: the JWKS cache and the ID token verifier use it, and dropping them
//! releases it.

mod common;

use std::sync::Arc;

use authcore_jose::crypto::{self, CryptoProvider};
use authcore_jose::{JwsAlgorithm, SigningKey};
use authcore_oauth2::ClientSecret;
use authcore_oidc::{Error, IdTokenExpectations, JwksAction, JwksCache, JwksError};
use common::*;

fn code_flow() -> IdTokenExpectations<'static> {
    IdTokenExpectations::token_endpoint().nonce("n-0S6_WzA2Mj")
}

#[test]
fn runtime_provider_is_stored_used_and_released() {
    let op = Op::new();
    let provider: Arc<CryptoProvider> = Arc::new(
        crypto::default_provider()
            .clone()
            .with_name("built-at-run-time"),
    );

    let mut cache = JwksCache::new("https://op.example/jwks", &[JwsAlgorithm::ES256])
        .unwrap()
        .with_crypto_provider(Arc::clone(&provider));
    let secret = ClientSecret::new("a-client-secret-of-at-least-32-bytes!");
    let verifier = verifier()
        .allowed_algorithms([JwsAlgorithm::ES256, JwsAlgorithm::HS256])
        .unwrap()
        .with_crypto_provider(Arc::clone(&provider))
        .unwrap()
        .client_secret(&secret)
        .unwrap();
    assert_eq!(
        Arc::strong_count(&provider),
        3,
        "both hold the shared provider"
    );
    assert_eq!(verifier.crypto_provider().name(), "built-at-run-time");

    assert!(matches!(cache.poll(now()), JwksAction::Fetch(_)));
    cache
        .handle_response(&json_response(200, &op.jwks_json()), now())
        .unwrap();
    let keys = cache.keys().unwrap();
    let token = op.sign(JwsAlgorithm::ES256, &claims());
    let c = verifier
        .validate(&token, keys, &code_flow(), now())
        .unwrap();
    assert_eq!(c.sub, SUB);
    // The HMAC key made from the client secret comes from the stored provider too.
    let hs = SigningKey::hmac(JwsAlgorithm::HS256, secret.secret().as_bytes(), &provider).unwrap();
    let t = authcore_jose::jwt::encode(
        &authcore_jose::JwsHeader::new(JwsAlgorithm::HS256),
        &claims(),
        &hs,
    )
    .unwrap();
    assert!(verifier.validate(&t, keys, &code_flow(), now()).is_ok());

    drop(cache);
    drop(verifier);
    assert_eq!(Arc::strong_count(&provider), 1, "nothing leaked");
}

#[test]
fn the_stored_provider_is_the_one_used() {
    // A provider without signature verification: the cache must build no key with it and
    // say so, rather than fall back to the default provider.
    let op = Op::new();
    let without_verification =
        CryptoProvider::clone(crypto::default_provider()).with_verification(&crypto::Unsupported);
    let mut cache = JwksCache::new("https://op.example/jwks", &[JwsAlgorithm::ES256])
        .unwrap()
        .with_crypto_provider(without_verification);
    assert!(matches!(cache.poll(now()), JwksAction::Fetch(_)));
    let r = cache.handle_response(&json_response(200, &op.jwks_json()), now());
    assert!(
        matches!(r, Err(Error::Jwks(JwksError::NoUsableKeys))),
        "{r:?}"
    );
    assert!(cache.keys().is_none());
}
