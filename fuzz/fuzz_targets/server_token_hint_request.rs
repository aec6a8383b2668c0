//! authcore-server: revocation (RFC 7009) and introspection (RFC 7662) request parsing never
//! panics. The first byte picks the headers; the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let mut req = http::Request::builder()
        .method(if flags & 1 == 0 { "POST" } else { "GET" })
        .uri("https://as.example/revoke");
    if flags & 2 == 0 {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    if flags & 4 != 0 {
        // Basic credentials from the start of the body, so the header path is fuzzed too.
        let cut = body.len().min(usize::from(flags >> 3));
        if let Ok(v) = http::HeaderValue::from_bytes(&body[..cut]) {
            req = req.header("authorization", v);
        }
    }
    let Ok(req) = req.body(body.to_vec()) else {
        return;
    };
    let _ = authcore_server::revocation::parse_token_hint_request(&req, None);
});
