//! authcore-oidc: ID token and logout token validation of arbitrary input under several expectations; never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oidc::fuzzing::fuzz_id_token(data);
});
