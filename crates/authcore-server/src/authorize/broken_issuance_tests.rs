//! Deliberately broken issuance (the test-only hook of `crate::oidc::broken_issuance`): the
//! authorization endpoint signs ID tokens whose `c_hash` or `at_hash` covers another value,
//! and authcore-oidc's relying party must refuse every one (OpenID Connect Core §3.3.2.12,
//! §3.2.2.11).

use std::sync::Arc;

use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, UnixTime};
use authcore_oauth2::{
    AuthorizationResponse, AuthorizationServer, Client, ClientAuthentication, ResponseType,
};
use authcore_oidc::{AuthenticationRequest, IdTokenVerifier};

use super::{Approval, AuthorizationEndpoint, InteractionResult, Prompt};
use crate::model::{ClientAuthMethod, ClientRecord};
use crate::oidc::broken_issuance::{self, Broken};
use crate::signing_keys::SigningKeySet;
use crate::store::MemoryStore;
use crate::{Context, Finished, ServerConfig, ServerKeys, drive_to_finish};

const REDIRECT: &str = "https://rp.example/cb";

struct Provider {
    config: ServerConfig,
    keys: ServerKeys,
    store: MemoryStore,
    rng: InsecureTestRandom,
    now: UnixTime,
}

fn provider(alg: JwsAlgorithm) -> Provider {
    let rng = InsecureTestRandom::new(11);
    let p = authcore_jose::crypto::default_provider();
    let mut config = ServerConfig::new("https://op.example").unwrap();
    config.endpoints.jwks = Some(config.endpoint("jwks").unwrap());
    config.legacy.implicit_grant = true;
    let mut set = SigningKeySet::new(3600);
    let mut k = Jwk::generate(alg, p, &rng).unwrap();
    k.kid = Some("k".into());
    set.add_key(&k, Some(alg), p).unwrap();
    let keys = ServerKeys::generate(p, &rng)
        .unwrap()
        .with_id_token_signing(Arc::new(set));
    let store = MemoryStore::new();
    let mut c = ClientRecord::new("rp", ClientAuthMethod::None);
    c.redirect_uris = vec![REDIRECT.into()];
    c.grant_types = vec!["authorization_code".into(), "implicit".into()];
    c.response_types = ["id_token token", "code id_token", "code id_token token"]
        .map(String::from)
        .to_vec();
    c.allowed_scopes = vec!["openid".into()];
    c.extra.insert(
        crate::oidc::id_token::SIGNED_RESPONSE_ALG.into(),
        alg.name().into(),
    );
    store.put_client(c);
    Provider {
        config,
        keys,
        store,
        rng,
        now: UnixTime::from_secs(1_800_000_000),
    }
}

/// One implicit or hybrid flow up to the relying party's validation of the front-channel
/// ID token.
fn front_channel(p: &Provider, rt: ResponseType) -> Result<(), authcore_oidc::Error> {
    let ctx = Context::new(&p.config, &p.keys, p.now, &p.rng);
    let server = AuthorizationServer::from_metadata(&crate::metadata::metadata(&p.config)).unwrap();
    let rp = Client::new("rp", ClientAuthentication::None);
    let (url, pending) = AuthenticationRequest::new(REDIRECT)
        .response_type(rt)
        .build_url(&rp, &server, &p.rng)
        .unwrap();
    let mut ep = AuthorizationEndpoint::new(http::Request::get(url.as_str()).body(vec![]).unwrap());
    let Finished::Interact(i) = drive_to_finish(&mut ep, &ctx, &p.store, &|_| None) else {
        panic!("an interaction")
    };
    let Some(Prompt::Consent { scopes, .. }) = i
        .prompts
        .iter()
        .find(|p| matches!(p, Prompt::Consent { .. }))
    else {
        panic!("a consent prompt")
    };
    let approval = Approval::new("alice", p.now, scopes.clone(), vec![]);
    let mut ep = AuthorizationEndpoint::resume(i.ticket, InteractionResult::Approved(approval));
    let Finished::Respond(r) = drive_to_finish(&mut ep, &ctx, &p.store, &|_| None) else {
        panic!("a redirect")
    };
    let location = r.headers()["location"].to_str().unwrap();
    let response = AuthorizationResponse::from_redirect_uri_fragment(location).unwrap();
    let keys = p.keys.id_token_signing.as_deref().unwrap();
    let verifier = IdTokenVerifier::new("https://op.example", "rp")
        .id_token_signed_response_alg(keys.active_algorithms()[0])
        .unwrap();
    pending
        .handle_callback(&response)?
        .validate(&verifier, keys.verifying_keys_at(p.now), p.now)
        .map(|_| ())
}

/// Resets the hook when a test ends, also when it fails.
struct Reset;

impl Drop for Reset {
    fn drop(&mut self) {
        broken_issuance::set(None);
    }
}

#[test]
fn a_wrong_c_hash_or_at_hash_is_caught_by_the_relying_party() {
    let _reset = Reset;
    for alg in [
        JwsAlgorithm::RS256,
        JwsAlgorithm::ES256,
        JwsAlgorithm::EdDSA,
    ] {
        let p = provider(alg);
        for (rt, broken) in [
            (ResponseType::CodeIdToken, Broken::CodeHash),
            (ResponseType::CodeIdTokenToken, Broken::CodeHash),
            (ResponseType::CodeIdTokenToken, Broken::AccessTokenHash),
            (ResponseType::IdTokenToken, Broken::AccessTokenHash),
        ] {
            broken_issuance::set(None);
            front_channel(&p, rt).unwrap_or_else(|e| panic!("{alg:?} {rt}: {e}"));
            broken_issuance::set(Some(broken));
            let e = front_channel(&p, rt).expect_err("a broken hash must be refused");
            let text = e.to_string();
            let expected = match broken {
                Broken::CodeHash => "c_hash",
                Broken::AccessTokenHash => "at_hash",
            };
            assert!(text.contains(expected), "{alg:?} {rt} {broken:?}: {text}");
        }
    }
}
