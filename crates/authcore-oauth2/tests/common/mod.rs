//! Shared helpers for the integration tests.
#![allow(dead_code)]

use authcore_oauth2::jose::{InsecureTestRandom, Jwk, JwsAlgorithm, SigningKey, crypto};
use authcore_oauth2::{
    AuthorizationServer, Client, ClientAuthentication, ClientSecret, FormParams,
};
use http::Response;

/// The RFC 8037 Appendix A.1 Ed25519 private key (Ed25519 signatures are deterministic, so
/// requests signed with it are reproducible byte for byte).
pub const RFC8037_ED25519: &str = r#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

pub fn ed25519_key() -> SigningKey {
    let jwk = Jwk::from_json(RFC8037_ED25519.as_bytes()).unwrap();
    SigningKey::from_jwk(&jwk, Some(JwsAlgorithm::EdDSA), crypto::default_provider()).unwrap()
}

pub fn rng() -> InsecureTestRandom {
    InsecureTestRandom::new(0x5eed)
}

/// The server of the RFC 6749 examples.
pub fn server() -> AuthorizationServer {
    AuthorizationServer::new("https://server.example.com")
        .with_authorization_endpoint("https://server.example.com/authorize")
        .unwrap()
        .with_token_endpoint("https://server.example.com/token")
        .unwrap()
        .with_par_endpoint("https://server.example.com/as/par")
        .unwrap()
        .with_device_authorization_endpoint("https://server.example.com/device_authorization")
        .unwrap()
        .with_revocation_endpoint("https://server.example.com/revoke")
        .unwrap()
        .with_introspection_endpoint("https://server.example.com/introspect")
        .unwrap()
}

/// The client of the RFC 6749 examples (`s6BhdRkqt3` / `gX1fBat3bV`).
pub fn basic_client() -> Client {
    Client::new(
        "s6BhdRkqt3",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new("gX1fBat3bV")),
    )
}

pub fn json(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json;charset=UTF-8")
        .header("cache-control", "no-store")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

pub fn form(req: &http::Request<Vec<u8>>) -> FormParams {
    FormParams::parse_allowing_repeats(req.body(), &["resource", "audience"]).unwrap()
}

pub fn body(req: &http::Request<Vec<u8>>) -> &str {
    core::str::from_utf8(req.body()).unwrap()
}

pub fn header<'a>(req: &'a http::Request<Vec<u8>>, name: &str) -> Option<&'a str> {
    req.headers().get(name).map(|v| v.to_str().unwrap())
}

/// Asserts the common shape of a form POST to an OAuth endpoint.
pub fn assert_form_post(req: &http::Request<Vec<u8>>, url: &str) {
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), url);
    assert_eq!(
        header(req, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(req, "accept"), Some("application/json"));
}
