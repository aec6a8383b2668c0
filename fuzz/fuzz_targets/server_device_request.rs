//! authcore-server: device authorization request parsing (RFC 8628 §3.1) and user-code
//! normalization (§6.1) never panic, and a normalized code is always a valid code.
#![no_main]

use authcore_server::device::{USER_CODE_ALPHABET, USER_CODE_LENGTH, normalize_user_code};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = core::str::from_utf8(data) {
        if let Some(code) = normalize_user_code(text) {
            assert_eq!(code.len(), USER_CODE_LENGTH);
            assert!(code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)));
        }
    }
    let Ok(req) = http::Request::post("https://as.example/device")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(data.to_vec())
    else {
        return;
    };
    let _ = authcore_server::device::parse_device_authorization_request(&req, None);
});
