//! authcore-oauth2: the side-neutral wire parsers never panic, and what they accept writes
//! back to something they accept.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authcore_oauth2::fuzzing::fuzz_wire_messages(data);
});
