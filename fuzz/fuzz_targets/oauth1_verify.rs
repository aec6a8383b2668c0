//! authcore-oauth1: parsing and verifying an arbitrary signed request never panics.
//!
//! The input is split on NUL bytes into an `Authorization` header, a query, a form body and
//! a method byte; the pieces that are not text are replaced lossily.
#![no_main]

use authcore_jose::UnixTime;
use authcore_oauth1::{
    ClientVerificationKey, Secret, SignedRequest, VerificationPolicy, parse_authorization,
    parse_form,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let header = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default().to_vec();
    let form = parts.next().and_then(|m| m.first()).is_some_and(|b| b & 1 == 1);

    let _ = parse_authorization(&header);
    let _ = parse_form(&query);

    let mut b = http::Request::post("/resource").header("host", "api.example.com");
    if let Ok(v) = http::HeaderValue::from_str(&header) {
        b = b.header(http::header::AUTHORIZATION, v);
    }
    if form {
        b = b.header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let Ok(mut req) = b.body(body) else { return };
    if let Ok(uri) = format!("/resource?{query}").parse() {
        *req.uri_mut() = uri;
    }
    let Ok(signed) = SignedRequest::from_http(&req, "https") else {
        return;
    };
    let _ = signed.base_string();
    let key = ClientVerificationKey::Secret(Secret::new("client secret"));
    let token_secret = Secret::new("token secret");
    let ts = signed.token().map(|_| &token_secret);
    let policy = VerificationPolicy::default().allow_plaintext_over_tls();
    if let Ok(pending) = signed.verify(&key, ts, &policy, UnixTime::from_secs(1_700_000_000)) {
        let _ = pending.complete(true);
    }
});
