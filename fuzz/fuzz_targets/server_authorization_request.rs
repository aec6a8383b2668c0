//! authcore-server: the authorization endpoint never panics on any request. The first byte
//! picks GET (query) or POST (form body); the rest is the parameters. Each input is read by
//! the front-channel parser, read as request object claims when it is a JSON object, and
//! driven through the whole endpoint against an in-memory store holding one client.
#![no_main]

use std::sync::OnceLock;

use authcore_jose::{InsecureTestRandom, UnixTime, crypto};
use authcore_server::authorize::{AuthorizationEndpoint, parse_front_channel};
use authcore_server::model::{ClientAuthMethod, ClientRecord};
use authcore_server::store::MemoryStore;
use authcore_server::{Context, ServerConfig, ServerKeys, drive_to_finish};
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
        let store = MemoryStore::new();
        let mut c = ClientRecord::new("app", ClientAuthMethod::None);
        c.redirect_uris = vec!["https://app.example/cb".into()];
        c.response_types = vec!["code".into()];
        c.allowed_scopes = vec!["read".into()];
        store.put_client(c);
        Fixture {
            config: ServerConfig::new("https://as.example").unwrap(),
            keys: ServerKeys::generate(crypto::default_provider(), &rng).unwrap(),
            store,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, params)) = data.split_first() else {
        return;
    };
    let _ = parse_front_channel(params);
    if let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice(params) {
        let _ = authcore_server::jar::request_object_params(&claims);
    }
    let req = if flags & 1 == 0 {
        let Ok(query) = core::str::from_utf8(params) else {
            return;
        };
        http::Request::get(format!("https://as.example/authorize?{query}")).body(Vec::new())
    } else {
        http::Request::post("https://as.example/authorize")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(params.to_vec())
    };
    let Ok(req) = req else {
        return;
    };
    let f = fixture();
    let rng = InsecureTestRandom::new(2);
    let ctx = Context::new(&f.config, &f.keys, UnixTime::from_secs(1_700_000_000), &rng);
    let mut endpoint = AuthorizationEndpoint::new(req);
    let _ = drive_to_finish(&mut endpoint, &ctx, &f.store, &|_| None);
});
