//! authcore-server: the token endpoint's request parser (form body, client credentials from
//! the Authorization header and the body) never panics, and neither does a whole token
//! endpoint exchange against the in-memory store with a registered client.
#![no_main]

use std::sync::OnceLock;

use authcore_jose::{InsecureTestRandom, UnixTime};
use authcore_server::model::{ClientAuthMethod, ClientRecord, StoredSecret};
use authcore_server::store::MemoryStore;
use authcore_server::{Context, ServerConfig, ServerKeys, TokenEndpoint, drive};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    config: ServerConfig,
    keys: ServerKeys,
    store: MemoryStore,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rng = InsecureTestRandom::new(1);
        let provider = authcore_jose::crypto::default_provider();
        let config = ServerConfig::new("https://as.example").expect("issuer");
        let keys = ServerKeys::generate(provider, &rng).expect("keys");
        let store = MemoryStore::new();
        let mut c = ClientRecord::new("c", ClientAuthMethod::ClientSecretPost);
        c.secret = Some(StoredSecret::Plain(authcore_jose::SecretBytes::new(b"s".to_vec())));
        c.grant_types = vec![
            "client_credentials".into(),
            "authorization_code".into(),
            "refresh_token".into(),
        ];
        c.allowed_scopes = vec!["a".into(), "b".into()];
        store.put_client(c);
        Fixture { config, keys, store }
    })
}

fuzz_target!(|data: &[u8]| {
    // The bytes before the first NUL are the Authorization header, the rest the body.
    let (auth, body) = match data.iter().position(|&b| b == 0) {
        Some(i) => (Some(&data[..i]), &data[i + 1..]),
        None => (None, data),
    };
    let mut b = http::Request::post("https://as.example/token")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(a) = auth.and_then(|a| http::HeaderValue::from_bytes(a).ok()) {
        b = b.header("authorization", a);
    }
    let Ok(request) = b.body(body.to_vec()) else {
        return;
    };
    let _ = authcore_server::token::parse_token_request(&request, None);
    let f = fixture();
    let rng = InsecureTestRandom::new(2);
    let ctx = Context::new(&f.config, &f.keys, UnixTime::from_secs(1_800_000_000), &rng);
    let mut endpoint = TokenEndpoint::new(&request, None);
    let response = drive(&mut endpoint, &ctx, &f.store, &|_| None);
    assert!(response.headers().contains_key("cache-control"));
});
