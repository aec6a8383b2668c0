//! authcore-oauth2: authorization server metadata parsing, the exact issuer check, mtls aliases and signed metadata never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oauth2::fuzzing::fuzz_metadata(data);
});
