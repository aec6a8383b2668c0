//! authcore-oidc: ID token and logout token validation of arbitrary input under several expectations, and the input as ID token claims (fast and strict readers agree); never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oidc::fuzzing::fuzz_id_token(data);
});
