//! JWK parsing never panics, and every accepted key survives a serialize/parse round trip.
#![no_main]

use authcore_jose::{Jwk, JwsAlgorithm, VerifyingKey, crypto};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(jwk) = Jwk::from_json(data) else {
        return;
    };
    let again = Jwk::from_json(jwk.to_json().as_bytes()).expect("serialized JWK must parse");
    assert_eq!(again, jwk);
    let _ = jwk.thumbprint_input();
    let _ = jwk.to_public();
    let _ = jwk.to_pem();
    let provider = crypto::default_provider();
    for alg in JwsAlgorithm::ALL {
        let _ = VerifyingKey::from_jwk(&jwk, Some(alg), provider);
    }
});
