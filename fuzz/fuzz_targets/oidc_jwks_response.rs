//! authcore-oidc: JWK Set responses handled by the JWKS cache machine (with `Cache-Control`); never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oidc::fuzzing::fuzz_jwks_response(data);
});
