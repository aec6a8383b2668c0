//! authcore-server: token endpoint decisions per second, against the cost of the signature
//! alone.
//!
//! | group / id                               | what runs                                               |
//! |------------------------------------------|---------------------------------------------------------|
//! | `token_endpoint/client_credentials_opaque` | a `client_credentials` request (client_secret_post, generated secret) through the whole drive loop: parse, authenticate, decide, mint an opaque token and its keyed hash |
//! | `token_endpoint/client_credentials_jwt`  | the same for a resource server that wants RFC 9068 JWT access tokens (ES256) |
//! | `token_endpoint/authorization_code_pkce` | an authorization code exchange with a PKCE S256 verifier for a public client: parse, look up code and grant, verify PKCE, mint access and refresh tokens |
//! | `primitives/es256_sign_access_token`     | signing the same JWT access token claims with the same key: the signature alone |
//! | `primitives/hmac_sha256_token_hash`      | one keyed hash of an opaque token (what storing or looking it up costs) |
//!
//! The store answers from fixed records and accepts every write without keeping it, so the
//! numbers are the endpoint's decisions, not a map's growth.

use std::hint::black_box;
use std::sync::Arc;

use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, UnixTime, crypto};
use authcore_oauth2::{PkceCodeVerifier, PkceMethod};
use authcore_server::config::{AccessTokenFormat, ResourceServer};
use authcore_server::model::{
    AuthorizationCodeRecord, ClientAuthMethod, ClientRecord, CodeChallenge, GrantId, GrantRecord,
    TokenHash,
};
use authcore_server::signing_keys::SigningKeySet;
use authcore_server::tokens::{AccessTokenContent, CredentialKind, JwtAccessTokenIssuer};
use authcore_server::{
    Answer, Context, Need, ServerConfig, ServerKeys, Store, TokenEndpoint, Write, WriteOutcome,
    drive,
};
use criterion::{Criterion, criterion_group, criterion_main};

const ISSUER: &str = "https://as.example";
const API: &str = "https://api.example";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

struct FixedStore {
    clients: Vec<ClientRecord>,
    code: Option<AuthorizationCodeRecord>,
    grant: GrantRecord,
}

impl Store for FixedStore {
    fn answer(&self, need: &Need, _now: UnixTime) -> Answer {
        match need {
            Need::Client(id) => {
                Answer::Client(self.clients.iter().find(|c| &c.client_id == id).cloned())
            }
            Need::Code(h) => Answer::Code(self.code.clone().filter(|c| &c.handle == h)),
            Need::Grant(_) => Answer::Grant(Some(self.grant.clone())),
            _ => Answer::Seen(false),
        }
    }

    fn apply(&self, _write: &Write, _now: UnixTime) -> WriteOutcome {
        WriteOutcome::Applied
    }
}

fn form(body: String) -> http::Request<Vec<u8>> {
    http::Request::post(format!("{ISSUER}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.into_bytes())
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let provider = crypto::default_provider();
    let rng = InsecureTestRandom::new(5);
    let mut config = ServerConfig::new(ISSUER).unwrap();
    let mut rs = ResourceServer::new(API);
    rs.access_token_format = AccessTokenFormat::Jwt;
    config.resource_servers.push(rs);
    let es256 = Jwk::generate(JwsAlgorithm::ES256, provider, &rng).unwrap();
    let mut set = SigningKeySet::new(86_400);
    set.add_key(&es256, Some(JwsAlgorithm::ES256), provider)
        .unwrap();
    let set = Arc::new(set);
    let keys = ServerKeys::generate(provider, &rng)
        .unwrap()
        .with_jwt_access_tokens(set.clone());
    let ctx = Context::new(&config, &keys, NOW, &rng);

    let (secret, stored) = authcore_server::client_auth::generate_secret(&ctx).unwrap();
    let secret = String::from_utf8(secret.expose().to_vec()).unwrap();
    let mut svc = ClientRecord::new("svc", ClientAuthMethod::ClientSecretPost);
    svc.secret = Some(stored);
    svc.grant_types = vec!["client_credentials".into()];
    svc.allowed_scopes = vec!["read".into(), "write".into()];
    svc.allowed_resources = vec![API.into()];
    let mut spa = ClientRecord::new("spa", ClientAuthMethod::None);
    spa.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
    spa.redirect_uris = vec!["https://app.example/cb".into()];
    spa.allowed_scopes = vec!["read".into()];
    let (code, handle) = keys
        .token_hashing
        .mint(CredentialKind::AuthorizationCode, &rng)
        .unwrap();
    let grant = GrantRecord::new(
        GrantId("g".into()),
        "spa",
        "alice",
        vec!["read".into()],
        vec![],
        NOW,
    );
    let store = FixedStore {
        clients: vec![svc, spa],
        code: Some(AuthorizationCodeRecord {
            handle: handle.clone(),
            grant_id: GrantId("g".into()),
            client_id: "spa".into(),
            redirect_uri: Some("https://app.example/cb".into()),
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
        }),
        grant,
    };

    let opaque = form(format!(
        "grant_type=client_credentials&scope=read&client_id=svc&client_secret={secret}"
    ));
    let jwt = form(format!(
        "grant_type=client_credentials&scope=read&resource=https%3A%2F%2Fapi.example&client_id=svc&client_secret={secret}"
    ));
    let exchange = form(format!(
        "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier={VERIFIER}&client_id=spa"
    ));
    let run = |req: &http::Request<Vec<u8>>| {
        let mut ep = TokenEndpoint::new(req, None);
        let resp = drive(&mut ep, &ctx, &store, &|_| None);
        assert_eq!(
            resp.status(),
            200,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        resp
    };
    // Each request must succeed before it is timed.
    for r in [&opaque, &jwt, &exchange] {
        run(r);
    }

    let mut g = c.benchmark_group("token_endpoint");
    g.bench_function("client_credentials_opaque", |b| {
        b.iter(|| black_box(run(black_box(&opaque))))
    });
    g.bench_function("client_credentials_jwt", |b| {
        b.iter(|| black_box(run(black_box(&jwt))))
    });
    g.bench_function("authorization_code_pkce", |b| {
        b.iter(|| black_box(run(black_box(&exchange))))
    });
    g.finish();

    let content = AccessTokenContent {
        issuer: ISSUER.into(),
        subject: "svc".into(),
        client_id: "svc".into(),
        audience: vec![API.into()],
        scopes: vec!["read".into()],
        issued_at: NOW,
        expires_at: NOW.saturating_add(3600),
        jti: "0123456789abcdefghijkl".into(),
        auth_time: None,
        acr: None,
        cnf: None,
    };
    let mut g = c.benchmark_group("primitives");
    g.bench_function("es256_sign_access_token", |b| {
        b.iter(|| black_box(set.issue(black_box(&content)).unwrap()))
    });
    let (token, _): (String, TokenHash) = keys
        .token_hashing
        .mint(CredentialKind::AccessToken, &rng)
        .unwrap();
    g.bench_function("hmac_sha256_token_hash", |b| {
        b.iter(|| {
            black_box(
                keys.token_hashing
                    .hash_presented(CredentialKind::AccessToken, black_box(&token)),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
