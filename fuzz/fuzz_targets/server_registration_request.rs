//! authcore-server: dynamic client registration (RFC 7591, RFC 7592) request parsing and
//! metadata validation never panic. The first byte picks the method, the path and the
//! headers; the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let method = ["POST", "GET", "PUT", "DELETE"][usize::from(flags & 3)];
    let uri = if flags & 4 == 0 {
        "https://as.example/register"
    } else {
        "https://as.example/register/client-1"
    };
    let mut req = http::Request::builder().method(method).uri(uri);
    if flags & 8 == 0 {
        req = req.header("content-type", "application/json");
    }
    if flags & 16 != 0 {
        // A bearer token from the start of the body, so the header path is fuzzed too.
        let cut = body.len().min(usize::from(flags >> 5) * 8);
        if let Ok(v) = http::HeaderValue::from_bytes(&body[..cut]) {
            req = req.header("authorization", v);
        }
    }
    let Ok(req) = req.body(body.to_vec()) else {
        return;
    };
    let Ok(config) = authcore_server::ServerConfig::new("https://as.example") else {
        return;
    };
    let Ok(endpoint) = config.endpoint("register") else {
        return;
    };
    if let Ok(
        authcore_server::registration::RegistrationRequest::Create { metadata, .. }
        | authcore_server::registration::RegistrationRequest::Update { metadata, .. },
    ) = authcore_server::registration::parse_registration_request(&req, &endpoint)
    {
        let _ = authcore_server::registration::validate_metadata(&metadata, &config);
    }
});
