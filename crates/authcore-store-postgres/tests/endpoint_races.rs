//! authcore-server's token endpoint on two instances (two stores with their own pools, the
//! same issuer and keys) sharing one PostgreSQL database: the same authorization code, or
//! the same refresh token, presented at both at the same moment. Every round: exactly one
//! token response, the other `invalid_grant`, and the grant revoked (RFC 6749 §4.1.2,
//! RFC 9700 §4.14.2), so even the winner's tokens stop working.

mod support;

use std::sync::Barrier;

use authcore_hyper::ProviderStore;
use authcore_jose::{InsecureTestRandom, SecureRandom, UnixTime};
use authcore_oauth2::{
    AuthorizationCode, AuthorizationServer, Client, ClientAuthentication, PkceCodeVerifier,
    RefreshToken, TokenRequest,
};
use authcore_server::model::{
    ClientAuthMethod, ClientRecord, CodeChallenge, GrantId, TokenKind, TokenRecord,
};
use authcore_server::tokens::CredentialKind;
use authcore_server::{
    Answer, Context, Endpoint, Need, ServerConfig, ServerKeys, Step, Store, Supplied,
    TokenEndpoint, Write, WriteOutcome,
};
use authcore_store_postgres::test_cluster::TestCluster;
use authcore_store_postgres::{BlockingStore, PostgresStore};

/// Rounds per race (bounded).
const ROUNDS: u64 = 100;

const ISSUER: &str = "https://as.example";
const REDIRECT: &str = "https://app.example/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// One provider configuration and key set, two instances on one database.
struct Provider {
    config: ServerConfig,
    keys: ServerKeys,
    instances: [BlockingStore; 2],
    client: Client,
    server: AuthorizationServer,
    // Last: the cluster outlives the stores' connections.
    _cluster: std::sync::Arc<TestCluster>,
}

impl Provider {
    fn start(name: &str) -> Option<Provider> {
        let cluster = support::cluster()?;
        let url = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(cluster.create_database(name))
            .unwrap_or_else(|e| panic!("{e}"));
        let connect = || BlockingStore::connect(&url, 2).unwrap_or_else(|e| panic!("{e}"));
        let instances = [connect(), connect()];
        let mut config = ServerConfig::new(ISSUER).expect("config");
        config.scopes_supported = vec!["read".into()];
        let keys = ServerKeys::generate(
            authcore_jose::crypto::default_provider(),
            &InsecureTestRandom::new(7),
        )
        .expect("keys");
        let mut spa = ClientRecord::new("spa", ClientAuthMethod::None);
        spa.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
        spa.redirect_uris = vec![REDIRECT.into()];
        spa.allowed_scopes = vec!["read".into()];
        assert_eq!(
            instances[0].apply(&Write::InsertClient(spa), NOW),
            WriteOutcome::Applied
        );
        let server =
            AuthorizationServer::from_metadata(&authcore_server::metadata::metadata(&config))
                .expect("metadata");
        Some(Provider {
            config,
            keys,
            instances,
            client: Client::new("spa", ClientAuthentication::None),
            server,
            _cluster: cluster,
        })
    }

    /// A grant for round `round`, stored through instance 0.
    fn grant(&self, round: u64) -> GrantId {
        let id = GrantId(format!("g-{round}"));
        let grant = authcore_server::model::GrantRecord::new(
            id.clone(),
            "spa",
            "alice",
            vec!["read".into()],
            vec![],
            NOW,
        );
        assert_eq!(
            self.instances[0].apply(&Write::InsertGrant(grant), NOW),
            WriteOutcome::Applied
        );
        id
    }

    /// The same request sent to both instances at once (threads meet at a barrier); each
    /// instance draws its own randomness, as two processes would.
    fn race(&self, round: u64, request: &http::Request<Vec<u8>>) -> [(u16, String); 2] {
        let barrier = Barrier::new(2);
        std::thread::scope(|scope| {
            let handles = [0usize, 1].map(|i| {
                let barrier = &barrier;
                scope.spawn(move || {
                    // Distinct streams per round and instance (the generator sets the seed's
                    // lowest bit, so seeds differ above it).
                    let rng = InsecureTestRandom::new((round * 2 + i as u64 + 1_000) << 1);
                    let ctx = Context::new(&self.config, &self.keys, NOW, &rng);
                    let mut endpoint = TokenEndpoint::new(request, None);
                    barrier.wait();
                    let instance = &self.instances[i];
                    let response =
                        instance.block_on(drive_batches(&mut endpoint, &ctx, instance.store()));
                    (
                        response.status().as_u16(),
                        String::from_utf8_lossy(response.body()).into_owned(),
                    )
                })
            });
            handles.map(|h| h.join().expect("an instance's thread"))
        })
    }

    /// Whether the access token of the winner's response is revoked (it must be: the
    /// loser's replay revoked the whole grant). Opaque access tokens are stored by hash.
    fn winners_access_token_revoked(&self, outcomes: &[(u16, String); 2]) -> bool {
        let (_, body) = outcomes.iter().find(|(s, _)| *s == 200).expect("a winner");
        let response: serde_json::Value = serde_json::from_str(body).expect("JSON");
        let token = response["access_token"].as_str().expect("an access token");
        let handle = self
            .keys
            .token_hashing
            .hash_presented(CredentialKind::AccessToken, token)
            .expect("an opaque access token of this server");
        match self.instances[1].answer(&Need::AccessToken(handle), NOW) {
            Answer::Token(Some(t)) => t.revoked,
            other => panic!("the winner's access token: {other:?}"),
        }
    }

    fn grant_revoked(&self, id: GrantId) -> bool {
        match self.instances[1].answer(&Need::Grant(id), NOW) {
            Answer::Grant(Some(g)) => g.revoked,
            other => panic!("the grant: {other:?}"),
        }
    }
}

/// The drive loop as the hyper adapter runs it: needs answered and each write batch applied
/// through the async [`ProviderStore`], so a batch is one transaction. (The synchronous
/// `authcore_server::drive` over a `BlockingStore` hands each batch to one transaction as
/// well, `Store::apply_batch`: the loser's revocation of the grant cannot land between the
/// winner's consumption of the code and its token inserts.)
async fn drive_batches(
    endpoint: &mut TokenEndpoint,
    ctx: &Context<'_>,
    store: &PostgresStore,
) -> http::Response<Vec<u8>> {
    let mut supplied = Supplied::new();
    // Every endpoint finishes in a handful of steps; the bound keeps a bug from spinning.
    for _ in 0..64 {
        match endpoint.step(ctx, &supplied) {
            Step::Need(needs) => {
                for need in needs {
                    let answer = ProviderStore::answer(store, need.clone(), ctx.now)
                        .await
                        .expect("the store answers");
                    supplied.answer(need, answer);
                }
            }
            Step::Write(writes) => {
                let outcomes = ProviderStore::apply(store, writes, ctx.now)
                    .await
                    .expect("the store applies");
                supplied.record_outcomes(outcomes);
            }
            Step::Respond(response) => return response,
            Step::Interact(_) => panic!("the token endpoint never interacts"),
        }
    }
    panic!("the token endpoint did not finish in 64 steps")
}

/// Exactly one 200 and one `invalid_grant`.
fn exactly_one_token_response(round: u64, outcomes: &[(u16, String); 2]) {
    let winners = outcomes.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(winners, 1, "round {round}: {outcomes:?}");
    let (status, body) = outcomes.iter().find(|(s, _)| *s != 200).expect("a loser");
    assert_eq!(*status, 400, "round {round}: {body}");
    let error: serde_json::Value = serde_json::from_str(body).expect("a JSON error");
    assert_eq!(error["error"], "invalid_grant", "round {round}: {body}");
}

#[test]
fn the_same_code_at_two_instances_gives_one_token_response_and_revokes_the_grant() {
    let Some(p) = Provider::start("endpoint_code") else {
        return;
    };
    let rng = InsecureTestRandom::new(99);
    let challenge = CodeChallenge {
        challenge: PkceCodeVerifier::new(VERIFIER).challenge(
            authcore_oauth2::PkceMethod::S256,
            authcore_jose::crypto::default_provider(),
        ),
        method: authcore_oauth2::PkceMethod::S256,
    };
    let started = support::stopwatch();
    for round in 0..ROUNDS {
        let grant = p.grant(round);
        let (code, handle) = p
            .keys
            .token_hashing
            .mint(CredentialKind::AuthorizationCode, &rng)
            .expect("a code");
        let record = authcore_server::model::AuthorizationCodeRecord {
            handle,
            grant_id: grant.clone(),
            client_id: "spa".into(),
            redirect_uri: Some(REDIRECT.into()),
            code_challenge: Some(challenge.clone()),
            scopes: vec!["read".into()],
            resources: vec![],
            dpop_jkt: None,
            nonce: None,
            issued_at: NOW,
            expires_at: NOW.saturating_add(60),
            used: false,
        };
        assert_eq!(
            p.instances[0].apply(&Write::InsertCode(record), NOW),
            WriteOutcome::Applied
        );
        let request = TokenRequest::authorization_code(
            AuthorizationCode::new(&code),
            REDIRECT.into(),
            Some(PkceCodeVerifier::new(VERIFIER)),
        )
        .build_token_request(&p.client, &p.server, NOW, &rng as &dyn SecureRandom)
        .expect("a token request");
        let outcomes = p.race(round, &request);
        exactly_one_token_response(round, &outcomes);
        assert!(p.grant_revoked(grant), "round {round}: RFC 6749 §4.1.2");
        assert!(
            p.winners_access_token_revoked(&outcomes),
            "round {round}: the winner's token goes with the grant"
        );
    }
    support::report(ROUNDS as usize, "token endpoint, code", started);
}

#[test]
fn the_same_refresh_token_at_two_instances_rotates_once_and_revokes_the_grant() {
    let Some(p) = Provider::start("endpoint_refresh") else {
        return;
    };
    let rng = InsecureTestRandom::new(98);
    let started = support::stopwatch();
    for round in 0..ROUNDS {
        let grant = p.grant(round);
        let (refresh, handle) = p
            .keys
            .token_hashing
            .mint(CredentialKind::RefreshToken, &rng)
            .expect("a refresh token");
        let record = TokenRecord {
            handle,
            kind: TokenKind::Refresh,
            grant_id: grant.clone(),
            client_id: "spa".into(),
            subject: "alice".into(),
            scopes: vec!["read".into()],
            resources: vec![],
            cnf: None,
            issued_at: NOW,
            expires_at: Some(NOW.saturating_add(3600)),
            rotated: false,
            revoked: false,
            act: None,
        };
        assert_eq!(
            p.instances[0].apply(&Write::InsertToken(record), NOW),
            WriteOutcome::Applied
        );
        let request = TokenRequest::refresh_token(&RefreshToken::new(&refresh))
            .build_token_request(&p.client, &p.server, NOW, &rng as &dyn SecureRandom)
            .expect("a refresh request");
        let outcomes = p.race(round, &request);
        exactly_one_token_response(round, &outcomes);
        assert!(p.grant_revoked(grant), "round {round}: RFC 9700 §4.14.2");
        assert!(
            p.winners_access_token_revoked(&outcomes),
            "round {round}: the winner's token goes with the grant"
        );
    }
    support::report(ROUNDS as usize, "token endpoint, refresh token", started);
}
