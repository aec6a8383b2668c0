//! authcore-oauth2: authorization callback parsing (query and `form_post` body) and the
//! state, `iss` and code checks behind it never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oauth2::fuzzing::fuzz_callback(data);
});
