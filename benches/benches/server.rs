//! authcore-server: token endpoint decisions per second, against the cost of the signature
//! alone.
//!
//! | group / id                               | what runs                                               |
//! |------------------------------------------|---------------------------------------------------------|
//! | `token_endpoint/client_credentials_opaque` | a `client_credentials` request (client_secret_post, generated secret) through the whole drive loop: parse, authenticate, decide, mint an opaque token and its keyed hash |
//! | `token_endpoint/client_credentials_jwt`  | the same for a resource server that wants RFC 9068 JWT access tokens (ES256) |
//! | `token_endpoint/authorization_code_pkce` | an authorization code exchange with a PKCE S256 verifier for a public client: parse, look up code and grant, verify PKCE, mint access and refresh tokens |
//! | `token_endpoint/refresh_token`           | a refresh token grant for the public client: look up the refresh token and grant, rotate (conditional write), mint access and refresh tokens |
//! | `introspection/opaque`                   | an RFC 7662 introspection request of an opaque access token by the resource server (client_secret_post): authenticate, look up the token, answer JSON |
//! | `introspection/jwt`                      | the same for an ES256 JWT access token, validated with the server's signing keys |
//! | `resource/opaque_stored`                 | the resource server's check of a request with an opaque Bearer token: extract, keyed hash, token lookup, audience and scope |
//! | `resource/jwt`                           | the same with the ES256 JWT access token, validated locally (RFC 9068 §4) |
//! | `primitives/es256_sign_access_token`     | signing the same JWT access token claims with the same key: the signature alone |
//! | `primitives/es256_verify_access_token_jose` | `authcore_jose::jwt::verify` of the same JWT access token with the same keys (`typ`, `iss`, `aud`, times): what `resource/jwt` builds on |
//! | `primitives/hmac_sha256_token_hash`      | one keyed hash of an opaque token (what storing or looking it up costs) |
//!
//! Every benchmark is timed with [`authcore_benches::batched`], as the JOSE benchmarks are.
//! The store answers from fixed records and accepts every write without keeping it, so the
//! numbers are the endpoint's decisions, not a map's growth.

use std::hint::black_box;
use std::sync::Arc;

use authcore_benches::batched;
use authcore_jose::{InsecureTestRandom, Jwk, JwsAlgorithm, UnixTime, crypto, jwt};
use authcore_oauth2::{PkceCodeVerifier, PkceMethod};
use authcore_server::config::{AccessTokenFormat, ResourceServer};
use authcore_server::model::{
    AuthorizationCodeRecord, ClientAuthMethod, ClientRecord, CodeChallenge, GrantId, GrantRecord,
    TokenHash, TokenKind, TokenRecord,
};
use authcore_server::resource::{
    OpaqueTokens, ResourceRequest, ResourceServerConfig, ResourceStep,
};
use authcore_server::signing_keys::SigningKeySet;
use authcore_server::tokens::{AccessTokenContent, CredentialKind, JwtAccessTokenIssuer};
use authcore_server::{
    Answer, Context, IntrospectionEndpoint, Need, ServerConfig, ServerKeys, Store, Supplied,
    TokenEndpoint, Write, WriteOutcome, drive,
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
    /// The refresh token of the public client.
    refresh: TokenRecord,
    /// An opaque access token for the API.
    access: TokenRecord,
}

impl Store for FixedStore {
    fn answer(&self, need: &Need, _now: UnixTime) -> Answer {
        match need {
            Need::Client(id) => {
                Answer::Client(self.clients.iter().find(|c| &c.client_id == id).cloned())
            }
            Need::Code(h) => Answer::Code(self.code.clone().filter(|c| &c.handle == h)),
            Need::Grant(_) => Answer::Grant(Some(self.grant.clone())),
            Need::RefreshToken(h) => {
                Answer::Token(Some(self.refresh.clone()).filter(|t| &t.handle == h))
            }
            Need::AccessToken(h) => {
                Answer::Token(Some(self.access.clone()).filter(|t| &t.handle == h))
            }
            _ => Answer::Seen(false),
        }
    }

    fn apply_batch(&self, writes: &[Write], _now: UnixTime) -> Vec<WriteOutcome> {
        vec![WriteOutcome::Applied; writes.len()]
    }
}

fn form(path: &str, body: String) -> http::Request<Vec<u8>> {
    http::Request::post(format!("{ISSUER}/{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.into_bytes())
        .unwrap()
}

fn token_record(handle: TokenHash, kind: TokenKind, client: &str, subject: &str) -> TokenRecord {
    TokenRecord {
        handle,
        kind,
        grant_id: GrantId("g".into()),
        client_id: client.into(),
        subject: subject.into(),
        scopes: vec!["read".into()],
        resources: vec![API.into()],
        cnf: None,
        issued_at: NOW,
        expires_at: Some(NOW.saturating_add(3600)),
        rotated: false,
        revoked: false,
        act: None,
    }
}

fn bench(c: &mut Criterion) {
    let provider = crypto::default_provider();
    let rng = InsecureTestRandom::new(5);
    let mut config = ServerConfig::new(ISSUER).unwrap();
    config.endpoints.introspection = Some(config.endpoint("introspect").unwrap());
    let mut rs = ResourceServer::new(API);
    rs.access_token_format = AccessTokenFormat::Jwt;
    rs.introspection_client_id = Some("rs".into());
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
    svc.secret = Some(stored.clone());
    svc.grant_types = vec!["client_credentials".into()];
    svc.allowed_scopes = vec!["read".into(), "write".into()];
    svc.allowed_resources = vec![API.into()];
    let mut rs_client = ClientRecord::new("rs", ClientAuthMethod::ClientSecretPost);
    rs_client.secret = Some(stored);
    let mut spa = ClientRecord::new("spa", ClientAuthMethod::None);
    spa.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
    spa.redirect_uris = vec!["https://app.example/cb".into()];
    spa.allowed_scopes = vec!["read".into()];
    let (code, handle) = keys
        .token_hashing
        .mint(CredentialKind::AuthorizationCode, &rng)
        .unwrap();
    let (refresh, refresh_handle) = keys
        .token_hashing
        .mint(CredentialKind::RefreshToken, &rng)
        .unwrap();
    let (opaque_token, access_handle) = keys
        .token_hashing
        .mint(CredentialKind::AccessToken, &rng)
        .unwrap();
    let grant = GrantRecord::new(
        GrantId("g".into()),
        "spa",
        "alice",
        vec!["read".into()],
        vec![],
        NOW,
    );
    let mut refresh_record = token_record(refresh_handle, TokenKind::Refresh, "spa", "alice");
    refresh_record.resources = vec![];
    let store = FixedStore {
        clients: vec![svc, rs_client, spa],
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
        refresh: refresh_record,
        access: token_record(access_handle, TokenKind::Access, "svc", "svc"),
    };

    let opaque = form(
        "token",
        format!("grant_type=client_credentials&scope=read&client_id=svc&client_secret={secret}"),
    );
    let jwt = form(
        "token",
        format!(
            "grant_type=client_credentials&scope=read&resource=https%3A%2F%2Fapi.example&client_id=svc&client_secret={secret}"
        ),
    );
    let exchange = form(
        "token",
        format!(
            "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier={VERIFIER}&client_id=spa"
        ),
    );
    let refresh_req = form(
        "token",
        format!("grant_type=refresh_token&refresh_token={refresh}&client_id=spa"),
    );
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
    for r in [&opaque, &jwt, &exchange, &refresh_req] {
        run(r);
    }

    let mut g = c.benchmark_group("token_endpoint");
    g.bench_function(
        "client_credentials_opaque",
        batched(|| run(black_box(&opaque))),
    );
    g.bench_function("client_credentials_jwt", batched(|| run(black_box(&jwt))));
    g.bench_function(
        "authorization_code_pkce",
        batched(|| run(black_box(&exchange))),
    );
    g.bench_function("refresh_token", batched(|| run(black_box(&refresh_req))));
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
        act: None,
    };
    let jwt_token = set.issue(None, &content).unwrap();

    // Introspection by the resource server, of the opaque and of the JWT access token. The
    // closures made per token borrow these.
    let (store, set_ref, ctx, secret) = (&store, &*set, &ctx, &secret);
    let introspect = |token: &str| {
        let req = form(
            "introspect",
            format!("token={token}&client_id=rs&client_secret={secret}"),
        );
        move || {
            let mut ep = IntrospectionEndpoint::new(black_box(&req), None, Some(set_ref));
            let resp = drive(&mut ep, ctx, store, &|_| None);
            assert_eq!(resp.status(), 200);
            resp
        }
    };
    for token in [&opaque_token, &jwt_token] {
        let body = introspect(token)().into_body();
        assert!(
            String::from_utf8_lossy(&body).contains(r#""active":true"#),
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    let mut g = c.benchmark_group("introspection");
    g.bench_function("opaque", batched(introspect(&opaque_token)));
    g.bench_function("jwt", batched(introspect(&jwt_token)));
    g.finish();

    // The resource server's check of a request carrying each token.
    let rs_config = ResourceServerConfig::new(
        API,
        ISSUER,
        OpaqueTokens::Stored(keys.token_hashing.clone()),
    );
    let rs_config = &rs_config;
    let verifying = set.verifying_keys_at(NOW);
    let resource_check = |token: &str| {
        let req = http::Request::get(format!("{API}/data"))
            .header("authorization", format!("Bearer {token}"))
            .body(Vec::new())
            .unwrap();
        move || {
            let mut check = ResourceRequest::new(
                rs_config,
                verifying,
                black_box(&req),
                "https://api.example/data",
                None,
                &["read"],
            );
            let mut supplied = Supplied::new();
            // Bounded: a lookup at most, then the answer.
            for _ in 0..4 {
                match check.step(&supplied, NOW, provider) {
                    ResourceStep::Need(needs) => {
                        for need in needs {
                            let answer = store.answer(&need, NOW);
                            supplied.answer(need, answer);
                        }
                    }
                    ResourceStep::Allow(access) => return access,
                    other => panic!("the resource check refused: {other:?}"),
                }
            }
            panic!("the resource check did not finish")
        }
    };
    for token in [&opaque_token, &jwt_token] {
        resource_check(token)();
    }
    let mut g = c.benchmark_group("resource");
    g.bench_function("opaque_stored", batched(resource_check(&opaque_token)));
    g.bench_function("jwt", batched(resource_check(&jwt_token)));
    g.finish();

    let mut g = c.benchmark_group("primitives");
    g.bench_function(
        "es256_sign_access_token",
        batched(|| set.issue(None, black_box(&content)).unwrap()),
    );
    let validation = jwt::Validation::new()
        .issuer(ISSUER)
        .audience(API)
        .typ("at+jwt");
    jwt::verify(&jwt_token, verifying, &validation, NOW).expect("the access token verifies");
    g.bench_function(
        "es256_verify_access_token_jose",
        batched(|| jwt::verify(black_box(&jwt_token), verifying, &validation, NOW).unwrap()),
    );
    g.bench_function(
        "hmac_sha256_token_hash",
        batched(|| {
            keys.token_hashing
                .hash_presented(CredentialKind::AccessToken, black_box(&opaque_token))
        }),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
