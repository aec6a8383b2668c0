//! authcore-oauth2: `WWW-Authenticate` challenge parsing never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oauth2::fuzzing::fuzz_www_authenticate(data);
});
