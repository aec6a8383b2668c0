//! authcore-oidc: back-channel logout request bodies and the logout token inside; never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oidc::fuzzing::fuzz_logout_token(data);
});
