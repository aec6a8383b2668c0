//! authcore-oauth2: authorization server metadata parsing and the exact issuer check never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oauth2::fuzzing::fuzz_metadata(data);
});
