//! Compact JWS parsing and verification never panic, whatever the input.
#![no_main]

use authcore_jose::jws::{self, JwsOptions};
use authcore_jose::{JwsAlgorithm, VerifyingKey, VerifyingKeys, crypto};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let provider = crypto::default_provider();
    let mut keys = VerifyingKeys::new();
    keys.push(VerifyingKey::hmac(JwsAlgorithm::HS256, &[7; 32], provider).unwrap().with_kid("k"));
    keys.push(VerifyingKey::hmac(JwsAlgorithm::HS512, &[7; 64], provider).unwrap());
    let opts = JwsOptions { understood_crit: vec!["exp".into()], ..JwsOptions::default() };
    let _ = jws::verify_compact(token, &keys, &opts);
    let _ = jws::verify_detached(token, b"payload", &keys, &opts);
    let _ = jws::decode_unverified(token);
    let _ = authcore_jose::unsecured::decode_unsecured(token);
});
