//! Racing exchanges of one authorization code through `MemoryProviderStore`, from tasks on
//! several threads: exactly one wins, the losers' replay revokes the grant (RFC 6749 §4.1.2),
//! and because each batch of writes is atomic the revocation lands after the winner's token
//! inserts, so the winner's tokens are revoked with the grant.

use std::sync::Arc;

use authcore_hyper::{MemoryProviderStore, ProviderStore};
use authcore_jose::{InsecureTestRandom, UnixTime};
use authcore_oauth2::{
    AuthorizationCode, AuthorizationServer, Client, ClientAuthentication, ClientSecret,
    PkceCodeVerifier, PkceMethod, TokenRequest, TokenResponseOptions, parse_token_response,
};
use authcore_server::client_auth::generate_secret;
use authcore_server::model::{
    AuthorizationCodeRecord, ClientAuthMethod, ClientRecord, CodeChallenge, GrantId, GrantRecord,
};
use authcore_server::tokens::CredentialKind;
use authcore_server::{
    Answer, Context, Endpoint, Need, ServerConfig, ServerKeys, Step, Supplied, TokenEndpoint,
    Write, WriteOutcome,
};
use tokio::sync::Barrier;

const ISSUER: &str = "https://as.example";
const REDIRECT: &str = "https://app.example/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);
const ROUNDS: u64 = 12;
const RACERS: u64 = 4;

struct Server {
    config: ServerConfig,
    keys: ServerKeys,
    store: MemoryProviderStore,
}

/// Runs the token endpoint on `request` to its response against the store, as the adapter's
/// drive loop does (needs answered, each batch applied with one `apply`).
async fn exchange(
    server: &Server,
    request: &http::Request<Vec<u8>>,
    seed: u64,
) -> http::Response<Vec<u8>> {
    let rng = InsecureTestRandom::new(seed);
    let ctx = Context::new(&server.config, &server.keys, NOW, &rng);
    let mut endpoint = TokenEndpoint::new(request, None);
    let mut supplied = Supplied::new();
    // Client, code, grant, writes, maybe a revocation: a handful of steps.
    for _ in 0..16 {
        match endpoint.step(&ctx, &supplied) {
            Step::Need(needs) => {
                for need in needs {
                    let answer = server.store.answer(need.clone(), NOW).await.unwrap();
                    supplied.answer(need, answer);
                }
            }
            Step::Write(writes) => {
                let outcomes = server.store.apply(writes, NOW).await.unwrap();
                supplied.record_outcomes(outcomes);
            }
            Step::Respond(response) => return response,
            Step::Interact(i) => panic!("the token endpoint never interacts: {i:?}"),
        }
    }
    panic!("the token endpoint did not answer")
}

async fn apply_one(store: &MemoryProviderStore, write: Write) {
    assert_eq!(
        store.apply(vec![write], NOW).await.unwrap(),
        [WriteOutcome::Applied]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_exchanges_of_one_code_leave_one_winner_and_the_grant_revoked() {
    let rng = InsecureTestRandom::new(7);
    let provider = authcore_jose::crypto::default_provider();
    let server = Arc::new(Server {
        config: ServerConfig::new(ISSUER).unwrap(),
        keys: ServerKeys::generate(provider, &rng).unwrap(),
        store: MemoryProviderStore::new(),
    });
    let ctx = Context::new(&server.config, &server.keys, NOW, &rng);
    let (secret, stored) = generate_secret(&ctx).unwrap();
    let mut web = ClientRecord::new("web", ClientAuthMethod::ClientSecretBasic);
    web.secret = Some(stored);
    web.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
    web.redirect_uris = vec![REDIRECT.into()];
    web.allowed_scopes = vec!["read".into()];
    apply_one(&server.store, Write::InsertClient(web)).await;
    let client = Client::new(
        "web",
        ClientAuthentication::ClientSecretBasic(ClientSecret::new(
            String::from_utf8(secret.expose().to_vec()).unwrap(),
        )),
    );
    let as_seen =
        AuthorizationServer::from_metadata(&authcore_server::metadata::metadata(&server.config))
            .unwrap();

    for round in 0..ROUNDS {
        let grant_id = GrantId(format!("g-{round}"));
        let grant = GrantRecord::new(
            grant_id.clone(),
            "web",
            "alice",
            vec!["read".into()],
            vec![],
            NOW,
        );
        apply_one(&server.store, Write::InsertGrant(grant)).await;
        let (code, handle) = server
            .keys
            .token_hashing
            .mint(CredentialKind::AuthorizationCode, &rng)
            .unwrap();
        let record = AuthorizationCodeRecord {
            handle,
            grant_id: grant_id.clone(),
            client_id: "web".into(),
            redirect_uri: Some(REDIRECT.into()),
            code_challenge: Some(CodeChallenge {
                challenge: PkceCodeVerifier::new(VERIFIER).challenge(PkceMethod::S256, provider),
                method: PkceMethod::S256,
            }),
            scopes: vec!["read".into()],
            resources: vec![],
            dpop_jkt: None,
            nonce: None,
            issued_at: NOW,
            expires_at: NOW.saturating_add(60),
            used: false,
        };
        apply_one(&server.store, Write::InsertCode(record)).await;
        let request = TokenRequest::authorization_code(
            AuthorizationCode::new(&code),
            REDIRECT.into(),
            Some(PkceCodeVerifier::new(VERIFIER)),
        )
        .build_token_request(&client, &as_seen, NOW, &rng)
        .unwrap();

        let start = Arc::new(Barrier::new(RACERS as usize));
        let racers: Vec<_> = (0..RACERS)
            .map(|i| {
                let (server, request, start) = (server.clone(), request.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    exchange(&server, &request, 1_000 * round + i).await
                })
            })
            .collect();
        let mut responses = Vec::new();
        for racer in racers {
            responses.push(racer.await.unwrap());
        }

        let (won, lost): (Vec<_>, Vec<_>) = responses.iter().partition(|r| r.status() == 200);
        assert_eq!(won.len(), 1, "round {round}: exactly one winner");
        for r in lost {
            let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
            assert_eq!(body["error"], "invalid_grant", "round {round}");
        }
        match server
            .store
            .answer(Need::Grant(grant_id), NOW)
            .await
            .unwrap()
        {
            Answer::Grant(Some(g)) => assert!(g.revoked, "round {round}: the grant is revoked"),
            other => panic!("round {round}: the grant is gone: {other:?}"),
        }
        let tokens = parse_token_response(won[0], &TokenResponseOptions::new()).unwrap();
        let access = server
            .keys
            .token_hashing
            .hash_presented(CredentialKind::AccessToken, tokens.access_token.secret())
            .unwrap();
        match server
            .store
            .answer(Need::AccessToken(access), NOW)
            .await
            .unwrap()
        {
            // The batches were atomic: the revocation came after the winner's inserts.
            Answer::Token(Some(t)) => {
                assert!(t.revoked, "round {round}: the winner's token is revoked")
            }
            other => panic!("round {round}: the winner's token is not stored: {other:?}"),
        }
    }
}
