//! authcore-oidc: UserInfo parsing, as JSON and as responses of both content types; never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oidc::fuzzing::fuzz_userinfo(data);
});
