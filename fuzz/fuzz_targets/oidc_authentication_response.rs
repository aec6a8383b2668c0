//! authcore-oidc: authentication responses (fragment and `form_post`) for every response type; never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oidc::fuzzing::fuzz_authentication_response(data);
});
