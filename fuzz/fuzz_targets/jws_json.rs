//! JSON-serialized JWS parsing and verification never panic.
#![no_main]

use authcore_jose::jws::{JwsJson, JwsOptions};
use authcore_jose::{JwsAlgorithm, VerifyingKey, crypto};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let provider = crypto::default_provider();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[7; 32], provider).unwrap();
    let opts = JwsOptions::default();
    if let Ok(jws) = JwsJson::parse(data, &opts) {
        let _ = jws.verify(&key, &opts);
        let _ = jws.verify_detached(b"payload", &key, &opts);
    }
});
