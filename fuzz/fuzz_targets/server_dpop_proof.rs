//! authcore-server: DPoP proof verification (RFC 9449 §4.3) never panics on any header value.
#![no_main]

use authcore_jose::UnixTime;
use authcore_server::config::DpopSettings;
use authcore_server::dpop::{DpopVerifier, ProofTarget};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = core::str::from_utf8(data) else {
        return;
    };
    let settings = DpopSettings::default();
    let target = ProofTarget {
        method: &http::Method::POST,
        uri: "https://as.example/token",
        access_token: Some("token"),
    };
    let _ = DpopVerifier::new(&settings).verify_proof(
        proof,
        &target,
        UnixTime::from_secs(1_700_000_000),
        authcore_jose::crypto::default_provider(),
    );
});
