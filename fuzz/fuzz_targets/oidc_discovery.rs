//! authcore-oidc: discovery document parsing and issuer validation (exact and templated); never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oidc::fuzzing::fuzz_discovery(data);
});
