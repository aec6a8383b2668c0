//! JWK Set parsing and key building never panic.
#![no_main]

use authcore_jose::crypto::{self, VerifyOptions};
use authcore_jose::{JwkSet, JwsAlgorithm, KeyOperation, VerifyingKeys};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(set) = JwkSet::from_json(data) else {
        return;
    };
    let provider = crypto::default_provider();
    let _ = VerifyingKeys::from_jwk_set(&set, &JwsAlgorithm::ALL, provider, &VerifyOptions::default());
    let _ = set.select(Some("k"), JwsAlgorithm::ES256, KeyOperation::Verify);
    let again = JwkSet::from_json(set.to_json().as_bytes()).expect("serialized set must parse");
    assert_eq!(again.keys, set.keys);
});
