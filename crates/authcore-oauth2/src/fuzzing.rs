//! Entry points for fuzz targets: each takes arbitrary bytes, runs one parser (and the checks
//! behind it), and must never panic; a panic is a bug, a crash or a disagreement between two
//! readings that an entry point compares.
#![doc(hidden)]

use authcore_jose::InsecureTestRandom;
use http::Response;

use crate::{
    AuthorizationRequest, AuthorizationResponse, AuthorizationServer, AuthorizationServerMetadata,
    Client, ClientAuthentication, RefreshToken, TokenResponseOptions, parse_introspection_response,
    parse_refresh_token_response_within_scope, parse_token_exchange_response, parse_token_response,
    parse_www_authenticate,
};

/// Callback parsing: the bytes as a query string and as a `form_post` body, then handled by a
/// pending authorization request (state, `iss`, error and code checks).
pub fn fuzz_callback(data: &[u8]) {
    let rng = InsecureTestRandom::new(1);
    let server = AuthorizationServer::new("https://as.example")
        .with_iss_parameter_supported(true)
        .with_authorization_endpoint("https://as.example/authorize")
        .expect("static URL");
    let client = Client::new("client", ClientAuthentication::None);
    for parsed in [
        AuthorizationResponse::from_form_post(data),
        AuthorizationResponse::from_query(&String::from_utf8_lossy(data)),
    ]
    .into_iter()
    .flatten()
    {
        let (_, pending) = AuthorizationRequest::new("https://client.example/cb")
            .build_url(&client, &server, &rng)
            .expect("static request");
        let _ = pending.handle_callback(&parsed);
    }
}

/// Token and error response parsing, with and without quirks, under three statuses; the
/// refresh scope check; the bytes as a `Cache-Control` value for the strict `no-store` check.
/// Also checks that the one-pass typed reading of token bodies accepts exactly the bodies the
/// generic strict parser accepts, with the same members (a panic if not).
pub fn fuzz_token_response(data: &[u8]) {
    type Token<'a> = crate::json_object::JsonObject<'a, crate::token::TokenResponseMembers, 10>;
    let typed = Token::parse(data);
    let generic = authcore_jose::json::parse_object(data);
    match (typed, generic) {
        (Ok(t), Ok(g)) => assert!(t == Token::from_map(g), "typed and generic readings differ"),
        (Err(_), Err(_)) => {}
        (t, g) => panic!(
            "typed reading ok: {}, generic reading ok: {}",
            t.is_ok(),
            g.is_ok()
        ),
    }
    for status in [200u16, 400, 401] {
        let resp = Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(data.to_vec())
            .expect("static response");
        let _ = parse_token_response(&resp, &TokenResponseOptions::new());
        let _ = parse_token_response(
            &resp,
            &TokenResponseOptions::new()
                .dpop()
                .accept_expires_in_as_string(),
        );
        let _ = parse_token_exchange_response(
            &resp,
            &TokenResponseOptions::new().accept_token_type("N_A"),
        );
        let _ = parse_introspection_response(&resp);
        let _ = parse_refresh_token_response_within_scope(
            &resp,
            &TokenResponseOptions::new().require_cache_control_no_store(),
            RefreshToken::new("rt"),
            &["read", "write"],
        );
    }
    // The same bytes as a `Cache-Control` value on a valid token response.
    if let Ok(cc) = http::HeaderValue::from_bytes(data) {
        let resp = Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .header("cache-control", cc)
            .body(br#"{"access_token":"a","token_type":"Bearer"}"#.to_vec())
            .expect("static response");
        let _ = parse_token_response(
            &resp,
            &TokenResponseOptions::new().require_cache_control_no_store(),
        );
    }
}

/// `WWW-Authenticate` parsing.
pub fn fuzz_www_authenticate(data: &[u8]) {
    if let Ok(challenges) = parse_www_authenticate(data) {
        for c in challenges {
            let _ = (c.error(), c.scope(), c.algs(), c.resource_metadata());
        }
    }
}

/// Authorization server metadata parsing with the exact issuer check, the mutual TLS view and
/// signed metadata verification.
pub fn fuzz_metadata(data: &[u8]) {
    if let Ok(m) = AuthorizationServerMetadata::from_json(data, "https://as.example") {
        let _ = AuthorizationServer::from_metadata(&m);
        let _ = AuthorizationServer::from_metadata_for_mtls(&m);
    }
    // With `signed_metadata` verification (an HMAC key the input cannot sign with, so the
    // paths up to the signature check are what runs).
    if let Ok(key) = authcore_jose::VerifyingKey::hmac(
        authcore_jose::JwsAlgorithm::HS256,
        &[7; 32],
        authcore_jose::crypto::default_provider(),
    ) {
        let _ = AuthorizationServerMetadata::from_json_with_signed_metadata(
            data,
            "https://as.example",
            &key,
            "https://as.example",
            authcore_jose::UnixTime::from_secs(1_700_000_000),
        );
    }
}

/// Every side-neutral wire parser (JSON responses and documents, form requests) on the same
/// bytes. Whatever one of them accepts must serialize to something it accepts again (a panic
/// if not): a server that emits a parsed value never produces a message its peers refuse.
pub fn fuzz_wire_messages(data: &[u8]) {
    use crate::wire::*;
    macro_rules! round_trip {
        ($ty:ty, $parse:ident, $write:ident) => {
            if let Ok(v) = <$ty>::$parse(data) {
                let again = <$ty>::$parse(v.$write().as_ref());
                assert!(
                    again.is_ok(),
                    concat!(
                        stringify!($ty),
                        ": a parsed value does not parse after writing"
                    )
                );
            }
        };
    }
    round_trip!(TokenResponse, from_json, to_json);
    round_trip!(ErrorResponse, from_json, to_json);
    round_trip!(IntrospectionResponse, from_json, to_json);
    round_trip!(DeviceAuthorizationResponse, from_json, to_json);
    round_trip!(PushedAuthorizationResponse, from_json, to_json);
    round_trip!(AuthorizationServerMetadata, parse_json, to_json);
    round_trip!(ClientMetadata, from_json, to_json);
    round_trip!(ClientInformationResponse, from_json, to_json);
    round_trip!(TokenRequest, from_form, to_form);
    round_trip!(TokenHintRequest, from_form, to_form);
    round_trip!(DeviceAuthorizationRequest, from_form, to_form);
}
