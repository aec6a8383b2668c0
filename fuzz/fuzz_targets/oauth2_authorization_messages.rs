//! authcore-oauth2: the authorization request and response message parsers never panic, and
//! a response they accept serializes to a form that parses back to the same value.
#![no_main]

use authcore_oauth2::{AuthorizationRequestParams, AuthorizationResponseParams};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = AuthorizationRequestParams::parse(data);
    if let Ok(response) = AuthorizationResponseParams::parse(data) {
        let again = AuthorizationResponseParams::parse(response.to_form().as_bytes())
            .expect("a serialized response parses");
        assert!(again == response, "parse(serialize(x)) differs from x");
    }
});
