//! A deterministic RNG and a fixed `now` make built requests reproducible byte for byte.

mod common;

use std::sync::Arc;

use authcore_oauth2::jose::{InsecureTestRandom, crypto};
use authcore_oauth2::*;
use common::*;

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

fn authorization_url(seed: u64) -> String {
    let rng = InsecureTestRandom::new(seed);
    AuthorizationRequest::new("https://client.example.com/cb")
        .scope("openid")
        .scope("profile")
        .with_nonce()
        .build_url(&basic_client(), &server(), &rng)
        .unwrap()
        .0
        .to_string()
}

fn private_key_jwt_token_request(seed: u64) -> http::Request<Vec<u8>> {
    let rng = InsecureTestRandom::new(seed);
    let client = Client::new(
        "s6BhdRkqt3",
        ClientAuthentication::PrivateKeyJwt(Arc::new(ed25519_key())),
    );
    TokenRequest::client_credentials()
        .scope("read")
        .build_token_request(&client, &server(), NOW, &rng)
        .unwrap()
}

fn dpop_proof(seed: u64) -> String {
    let rng = InsecureTestRandom::new(seed);
    let key = DpopKey::new(ed25519_key(), crypto::default_provider()).unwrap();
    key.proof(
        "POST",
        "https://server.example.com/token",
        None,
        Some("n-1"),
        NOW,
        &rng,
    )
    .unwrap()
}

const EXPECTED_URL: &str = "https://server.example.com/authorize?response_type=code&client_id=s6BhdRkqt3&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&scope=openid+profile&state=QSCCQAAAAABBFAEMBkEAECkmhm4vhB6bJYBdVQP1VPU&code_challenge=lAJz9ckN4kPF_aSLRzhqdgU-8dWgAAyuRnLYJIj7QTc&code_challenge_method=S256&nonce=_wh5mi4DPn0uJUwy4Zejc-Q2TIrDwcociZebN_hkre8";

const EXPECTED_BODY: &str = "grant_type=client_credentials&scope=read&client_id=s6BhdRkqt3&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJFZERTQSJ9.eyJhdWQiOiJodHRwczovL3NlcnZlci5leGFtcGxlLmNvbS90b2tlbiIsImV4cCI6MTcwMDAwMDA2MCwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJzNkJoZFJrcXQzIiwianRpIjoiUVNDQ1FBQUFBQUJCRkFFTUJrRUFFQSIsInN1YiI6InM2QmhkUmtxdDMifQ.5ydY2Kt2cTVB_IC_PVNjoZNvNMOWQPS-uF-Em-VKk5vZmIMaGth9mkS1yw9PEepI9ESmV5hv2t6cnXrNub5nCg";

const EXPECTED_DPOP: &str = "eyJhbGciOiJFZERTQSIsImp3ayI6eyJhbGciOiJFZERTQSIsImNydiI6IkVkMjU1MTkiLCJrdHkiOiJPS1AiLCJ4IjoiMTFxWUFZS3hDcmZWU183VHlXUUhPZzdoY3ZQYXBpTWxyd0lhYVBjSFVSbyJ9LCJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJQT1NUIiwiaHR1IjoiaHR0cHM6Ly9zZXJ2ZXIuZXhhbXBsZS5jb20vdG9rZW4iLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6IlFTQ0NRQUFBQUFCQkZBRU1Ca0VBRUEiLCJub25jZSI6Im4tMSJ9.Ch6HF4srT4kljJwlkeEXEKcynCb_akr8g6YTUNxX3Pq03l5FiXVeJzrICwGmQwN5eOUy16dv_ilQGmans1YkAA";

#[test]
fn authorization_url_is_reproducible() {
    assert_eq!(authorization_url(1), EXPECTED_URL);
    assert_ne!(
        authorization_url(2),
        EXPECTED_URL,
        "another seed, other state and verifier"
    );
}

#[test]
fn private_key_jwt_token_request_is_reproducible() {
    let r = private_key_jwt_token_request(1);
    assert_form_post(&r, "https://server.example.com/token");
    assert_eq!(r.headers().len(), 2, "content-type and accept only");
    assert_eq!(body(&r), EXPECTED_BODY);
    assert_eq!(r.body(), private_key_jwt_token_request(1).body());
    assert_ne!(r.body(), private_key_jwt_token_request(2).body());
}

#[test]
fn dpop_proof_is_reproducible() {
    assert_eq!(dpop_proof(1), EXPECTED_DPOP);
}

#[test]
fn every_builder_is_deterministic() {
    let client = basic_client();
    let server = server();
    let build_all = || {
        let rng = InsecureTestRandom::new(9);
        let mut out: Vec<Vec<u8>> = Vec::new();
        let (url, pending) = AuthorizationRequest::new("https://c.example/cb")
            .build_url(&client, &server, &rng)
            .unwrap();
        out.push(url.as_str().as_bytes().to_vec());
        let (par, _) = AuthorizationRequest::new("https://c.example/cb")
            .build_par_request(&client, &server, NOW, &rng)
            .unwrap();
        out.push(par.body().clone());
        let q = format!("code=c&state={}", pending.state().secret());
        let grant = pending
            .handle_callback(&AuthorizationResponse::from_query(&q).unwrap())
            .unwrap();
        out.push(
            grant
                .build_token_request(&client, &server, NOW, &rng)
                .unwrap()
                .body()
                .clone(),
        );
        out.push(
            build_device_authorization_request(&client, &server, &["a"], NOW, &rng)
                .unwrap()
                .body()
                .clone(),
        );
        out.push(
            build_revocation_request(&client, &server, "t", None, NOW, &rng)
                .unwrap()
                .body()
                .clone(),
        );
        out.push(
            build_introspection_request(&client, &server, "t", None, NOW, &rng)
                .unwrap()
                .body()
                .clone(),
        );
        out
    };
    assert_eq!(build_all(), build_all());
}
