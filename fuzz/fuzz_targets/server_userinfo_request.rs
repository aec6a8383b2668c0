//! authcore-server: the UserInfo endpoint (OpenID Connect Core §5.3) never panics on any
//! request. The first byte picks the method (GET, POST, other) and how much of the rest is
//! the `Authorization` header; then comes the `DPoP` header up to a `\n`, and the body (also
//! the query, where the token method is on). The store holds a client, a grant, one live
//! `openid email` access token and alice's claims, so every step of the drive loop is
//! reachable: token extraction, DPoP proof parsing, lookup, claims release.
#![no_main]

use std::sync::{Arc, OnceLock};

use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, UnixTime, crypto};
use authcore_server::model::{
    ClientAuthMethod, ClientRecord, GrantId, GrantRecord, TokenKind, TokenRecord,
};
use authcore_server::signing_keys::SigningKeySet;
use authcore_server::store::MemoryStore;
use authcore_server::tokens::CredentialKind;
use authcore_server::{Context, ServerConfig, ServerKeys, Store, UserInfoEndpoint, Write, drive};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_800_000_000;

struct Fixture {
    config: ServerConfig,
    keys: ServerKeys,
    store: MemoryStore,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rng = InsecureTestRandom::new(1);
        let provider = crypto::default_provider();
        let mut id_keys = SigningKeySet::new(3600);
        let jwk = Jwk::generate(JwsAlgorithm::ES256, provider, &rng).unwrap();
        id_keys.add_key(&jwk, None, provider).unwrap();
        let mut config = ServerConfig::new("https://as.example").unwrap();
        config.endpoints.userinfo = Some(config.endpoint("userinfo").unwrap());
        config.userinfo.query_token = true;
        let keys = ServerKeys::generate(provider, &rng)
            .unwrap()
            .with_id_token_signing(Arc::new(id_keys));
        let store = MemoryStore::new();
        let now = UnixTime::from_secs(NOW);
        let scopes = vec!["openid".to_owned(), "email".to_owned()];
        let mut client = ClientRecord::new("app", ClientAuthMethod::None);
        client.allowed_scopes = scopes.clone();
        store.put_client(client);
        let grant = GrantRecord::new(
            GrantId("g".into()),
            "app",
            "alice",
            scopes.clone(),
            vec![],
            now,
        );
        store.apply(&Write::InsertGrant(grant), now);
        let (_token, handle) = keys
            .token_hashing
            .mint(CredentialKind::AccessToken, &rng)
            .unwrap();
        store.apply(
            &Write::InsertToken(TokenRecord {
                handle,
                kind: TokenKind::Access,
                grant_id: GrantId("g".into()),
                client_id: "app".into(),
                subject: "alice".into(),
                scopes,
                resources: vec![],
                cnf: None,
                issued_at: now,
                expires_at: Some(now.saturating_add(3600)),
                rotated: false,
                revoked: false,
                act: None,
            }),
            now,
        );
        let mut claims = serde_json::Map::new();
        claims.insert("email".into(), "alice@example.com".into());
        store.put_claims("alice", claims);
        Fixture {
            config,
            keys,
            store,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let method = match flags & 3 {
        0 => "GET",
        1 => "POST",
        _ => "PUT",
    };
    let cut = rest.len().min(usize::from(flags >> 2));
    let (authorization, rest) = rest.split_at(cut);
    let (dpop, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&[][..], rest),
    };
    let query: String = String::from_utf8_lossy(body)
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '#')
        .take(256)
        .collect();
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("https://as.example/userinfo?{query}"))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Ok(v) = http::HeaderValue::from_bytes(authorization) {
        req = req.header("authorization", v);
    }
    if let Ok(v) = http::HeaderValue::from_bytes(dpop) {
        req = req.header("dpop", v);
    }
    let Ok(req) = req.body(body.to_vec()) else {
        return;
    };
    let rng = InsecureTestRandom::new(2);
    let ctx = Context::new(&f.config, &f.keys, UnixTime::from_secs(NOW), &rng);
    let mut ep = UserInfoEndpoint::new(&req, None);
    let _ = drive(&mut ep, &ctx, &f.store, &|_| None);
});
