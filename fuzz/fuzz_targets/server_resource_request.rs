//! authcore-server: taking the access token from a resource request (RFC 6750 §2) never
//! panics. The first byte picks the headers; the rest is the body and the header value.
#![no_main]

use authcore_server::resource::{TokenLocations, extract_access_token};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let cut = rest.len().min(usize::from(flags >> 2));
    let (header, body) = rest.split_at(cut);
    let query = String::from_utf8_lossy(body)
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '#')
        .collect::<String>();
    let mut req = http::Request::builder()
        .method("POST")
        .uri(format!("https://rs.example/r?{query}"))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Ok(v) = http::HeaderValue::from_bytes(header) {
        req = req.header("authorization", v);
    }
    let Ok(req) = req.body(body.to_vec()) else {
        return;
    };
    let mut locations = TokenLocations::default();
    locations.form_body = flags & 1 != 0;
    locations.uri_query = flags & 2 != 0;
    let _ = extract_access_token(&req, locations);
});
