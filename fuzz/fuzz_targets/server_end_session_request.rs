//! authcore-server: the end-session endpoint (OpenID Connect RP-Initiated Logout 1.0) never
//! panics on any request. The first byte picks GET (query) or POST (form body); the rest is
//! the parameters. Each parsed request is checked (its `id_token_hint` verified) and decided
//! against a registered client and a current session, confirmed or not.
#![no_main]

use std::sync::{Arc, OnceLock};

use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, UnixTime, crypto};
use authcore_server::model::{ClientAuthMethod, ClientRecord};
use authcore_server::oidc::OpSession;
use authcore_server::oidc::logout::{EndSession, EndSessionDecision, parse_end_session_request};
use authcore_server::signing_keys::SigningKeySet;
use authcore_server::{Context, ServerConfig, ServerKeys};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    config: ServerConfig,
    keys: ServerKeys,
    client: ClientRecord,
    session: OpSession,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rng = InsecureTestRandom::new(1);
        let provider = crypto::default_provider();
        let mut id_keys = SigningKeySet::new(3600);
        let jwk = Jwk::generate(JwsAlgorithm::ES256, provider, &rng).unwrap();
        id_keys.add_key(&jwk, None, provider).unwrap();
        let mut client = ClientRecord::new("app", ClientAuthMethod::None);
        client.post_logout_redirect_uris = vec!["https://app.example/bye".into()];
        let mut session =
            OpSession::start("alice", UnixTime::from_secs(1_700_000_000), &rng).unwrap();
        session.add_client("app");
        Fixture {
            config: ServerConfig::new("https://as.example").unwrap(),
            keys: ServerKeys::generate(provider, &rng)
                .unwrap()
                .with_id_token_signing(Arc::new(id_keys)),
            client,
            session,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, params)) = data.split_first() else {
        return;
    };
    let req = if flags & 1 == 0 {
        let Ok(query) = core::str::from_utf8(params) else {
            return;
        };
        http::Request::get(format!("https://as.example/logout?{query}")).body(Vec::new())
    } else {
        http::Request::post("https://as.example/logout")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(params.to_vec())
    };
    let Ok(req) = req else {
        return;
    };
    let Ok(parsed) = parse_end_session_request(&req) else {
        return;
    };
    let f = fixture();
    let rng = InsecureTestRandom::new(2);
    let ctx = Context::new(&f.config, &f.keys, UnixTime::from_secs(1_700_000_100), &rng);
    let Ok(end) = EndSession::new(parsed, &ctx) else {
        return;
    };
    let client = (end.client_id() == Some("app")).then_some(&f.client);
    let session = (flags & 2 == 0).then_some(&f.session);
    if let Ok(EndSessionDecision::Logout(logout)) =
        end.decide(&ctx, client, session, flags & 4 != 0)
    {
        let _ = logout.writes();
        let _ = logout.response(&[]);
    }
});
